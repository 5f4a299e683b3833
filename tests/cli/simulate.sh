#!/usr/bin/env bash
# mscmeta simulate (issue 16 section 2).
#  - coverage of the DL and HKSJ (PM, Knapp-Hartung) intervals at k = 5,
#    n = 20, mu = 0.2, tau^2 = 0.1 (logit scale), 10,000 replicates, within
#    3 combined Monte Carlo SEs of an independent R simulation with metafor
#    (tests/reference/simulate.json, made by tests/reference/simulate.R);
#  - the exact row's coverage at tau^2 = 0 within 3 Monte Carlo SEs of the
#    exact binomial coverage of the Clopper-Pearson interval, computed in R
#    (tests/reference/simulate_exact.json, simulate_exact.R);
#  - the same seed gives byte-identical output, --threads 1 and 2 too, and
#    another seed other numbers;
#  - the CSV's model rows carry every number of the JSON's, and the table
#    has a row per model of compare;
#  - options that cannot apply are usage errors (exit 2, one line); an
#    outcome the GLMM cannot fit needs --mu and --tau2;
#  - --plot: the report unchanged; an SVG per outcome, whole, with every
#    model's label, the nominal line, "no interval" for a model with no
#    usable replicate; a hostile outcome name drawn literally and nothing
#    run; a PNG ends with IEND; a bad extension is a usage error leaving no
#    file; no two words collide (text_overlap.sh, when pdftotext is there).
# Usage: simulate.sh PATH/TO/mscmeta
set -u
BIN=${1:?usage: simulate.sh PATH/TO/mscmeta}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$HERE/lib.sh"
command -v python3 > /dev/null || { echo "simulate: python3 is needed"; exit 77; }
cd "$ROOT" || exit 1
K5=tests/reference/simulate_k5.csv

# --- against the independent R simulation
run "R design" 0 -- "$BIN" simulate $K5 --mu 0.2 --tau2 0.1 --reps 10000 --seed 11 --format json &&
    cp "$TMP/out" "$TMP/sim.json"
ok "DL and HKSJ coverage within 3 MC SEs of metafor's" python3 - "$TMP/sim.json" <<'PY'
import json, math, sys
ref = json.load(open("tests/reference/simulate.json"))
got = json.load(open(sys.argv[1]))
out = got["outcomes"][0]
assert out["k"] == 5 and out["truth"]["mu"] == 0.2 and out["truth"]["tau2"] == 0.1, out["truth"]
rows = {m["model"]: m for m in out["models"]}
bad = 0
for mine, theirs in (("dl", "dl"), ("pm_knha", "pm_knha")):
    m, r = rows[mine], ref["methods"][theirs]
    se = math.sqrt(m["coverage_se"] ** 2 + r["mcse"] ** 2)
    z = (m["coverage"] - r["coverage"]) / se
    print(f"{mine}: mscmeta {m['coverage']:.4f} ({m['coverage_se']:.4f}), "
          f"metafor {r['coverage']:.4f} ({r['mcse']:.4f}), z = {z:.2f}")
    if abs(z) > 3 or m["failed"] != 0 or m["used"] != 10000:
        bad += 1
sys.exit(bad)
PY

# --- the exact row against the exact binomial coverage (tau^2 = 0)
for mu in 0.2 0.05; do
    run "exact row, mu $mu" 0 -- "$BIN" simulate $K5 --mu $mu --tau2 0 --reps 10000 --format json &&
        ok "exact row within 3 MC SEs of the binomial coverage, mu $mu" python3 - "$TMP/out" $mu <<'PY'
import json, math, sys
ref = {d["mu"]: d["coverage"] for d in json.load(open("tests/reference/simulate_exact.json"))["designs"]}
want = ref[float(sys.argv[2])]
row = [m for m in json.load(open(sys.argv[1]))["outcomes"][0]["models"] if m["model"] == "exact"][0]
se = math.sqrt(want * (1 - want) / row["used"])
print(f"exact: {row['coverage']:.4f}, binomial {want:.4f}, z = {(row['coverage'] - want) / se:.2f}")
sys.exit(abs(row["coverage"] - want) > 3 * se or row["failed"] != 0)
PY
done

# --- reproducible: same seed, any thread count
for f in json csv table; do
    run "seed 5, threads 1, $f" 0 -- "$BIN" simulate data/msc_autoimmune.csv --reps 700 --seed 5 --threads 1 --format $f &&
        cp "$TMP/out" "$TMP/a.$f"
    run "seed 5 again, threads 1, $f" 0 -- "$BIN" simulate data/msc_autoimmune.csv --reps 700 --seed 5 --threads 1 --format $f &&
        ok "same seed, same output ($f)" cmp -s "$TMP/a.$f" "$TMP/out"
    run "seed 5, threads 2, $f" 0 -- "$BIN" simulate data/msc_autoimmune.csv --reps 700 --seed 5 --threads 2 --format $f &&
        ok "threads 1 and 2, same output ($f)" cmp -s "$TMP/a.$f" "$TMP/out"
done
run "seed 5, threads 3" 0 -- "$BIN" simulate data/msc_autoimmune.csv --reps 700 --seed 5 --threads 3 --format json &&
    ok "threads 1 and 3, same output" cmp -s "$TMP/a.json" "$TMP/out"
run "seed 6" 0 -- "$BIN" simulate data/msc_autoimmune.csv --reps 700 --seed 6 --threads 1 --format json &&
    ok "another seed, other numbers" bash -c '! cmp -s "$1" "$2"' _ "$TMP/a.json" "$TMP/out"

# --- CSV holds every number of the JSON; the table a row per model
ok "CSV = JSON" python3 - "$TMP/a.json" "$TMP/a.csv" <<'PY'
import csv, json, sys
js = json.load(open(sys.argv[1]))
rows = [r for r in csv.DictReader(open(sys.argv[2])) if r["type"] == "model"]
want = [(o, m) for o in js["outcomes"] for m in o["models"]]
assert len(rows) == len(want) == 33, (len(rows), len(want))
keys = ["used", "fallback", "failed", "coverage", "coverage_se", "bias", "rmse",
        "ci_width_median", "pi_used", "pi_coverage", "pi_coverage_se"]
for r, (o, m) in zip(rows, want):
    assert r["outcome"] == o["outcome"] and r["model"] == m["model"], (r, m)
    assert float(r["mu"]) == o["truth"]["mu"] and float(r["tau2"]) == o["truth"]["tau2"]
    assert int(r["k"]) == o["k"] and float(r["n_min"]) == o["n_min"]
    for k in keys:
        if m[k] is None:
            assert r[k] == "", (k, r[k])
        else:
            assert float(r[k]) == m[k], (k, r[k], m[k])
PY
expect "table: GLMM row" "$TMP/a.table" '^GLMM, conditional +0\.[0-9]{4} \(0\.[0-9]{4}\)'
expect "table: HKSJ row" "$TMP/a.table" '^PM, logit, Knapp-Hartung +0\.[0-9]{4}'
n=$(grep -cE '^(GLMM|Beta|Exact|REML|DL|PM)' "$TMP/a.table")
ok "table: 11 rows for each of 3 outcomes" test "$n" = 33

# --- usage errors and what cannot be simulated
for bad in "--method DL" "--measure PFT" "--test knha" "--cc 0.5" "--subgroup disease" \
    "--mu 1.5" "--mu 0" "--tau2 -1" "--reps 0" "--reps 2000000" "--seed -3"; do
    # shellcheck disable=SC2086
    run "usage: $bad" 2 -- "$BIN" simulate data/msc_autoimmune.csv $bad && one_line "usage: $bad" .
done
run "all zero, no --mu/--tau2" 1 -- "$BIN" simulate tests/reference/all_zero.csv --reps 10 &&
    one_line "all zero" "give --mu and --tau2"
run "all zero, --mu and --tau2" 0 -- "$BIN" simulate tests/reference/all_zero.csv --reps 50 --mu 0.02 --tau2 0.3 --format json &&
    ok "all zero simulated with the given truth" python3 -c '
import json, sys
o = json.load(open(sys.argv[1]))["outcomes"][0]
assert o["truth"]["mu_from"] == "given" and o["truth"]["mu"] == 0.02, o["truth"]
' "$TMP/out"
run "help" 0 -- "$BIN" simulate --help && expect "help: --mu" "$TMP/out" 'not its'

# --- --plot: the coverage per model against the nominal level
svg_text() { # FILE TEXT: <text>TEXT</text>, TEXT XML-escaped as gnuplot does (& and <)
    local t
    t=$(printf '%s' "$2" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g')
    grep -Fq -- "<text>$t</text>" "$1"
}
whole_svg() { [ -s "$1" ] && tail -c 16 "$1" | grep -q '</svg>'; }
no_temp_left() { ! find "$1" -name '.mscmeta-*' | grep -q .; }
SIM="$BIN simulate $K5 --mu 0.2 --tau2 0.1 --reps 200 --format json"
run "plot: report alone" 0 -- $SIM && cp "$TMP/out" "$TMP/noplot.json"
run "plot: svg" 0 -- $SIM --plot "$TMP/cov.svg" &&
    ok "plot: report unchanged by --plot" cmp -s "$TMP/noplot.json" "$TMP/out"
ok "plot: svg whole" whole_svg "$TMP/cov.svg"
python3 -c 'import json, sys
for m in json.load(open(sys.argv[1]))["outcomes"][0]["models"]: print(m["label"])' \
    "$TMP/noplot.json" >"$TMP/labels"
ok "plot: 11 model labels in the JSON" test "$(wc -l <"$TMP/labels")" = 11
while IFS= read -r label; do ok "plot: label $label" svg_text "$TMP/cov.svg" "$label"; done <"$TMP/labels"
ok "plot: nominal line label" svg_text "$TMP/cov.svg" "Nominal 95%"
ok "plot: nominal line dashed" grep -q 'stroke-dasharray' "$TMP/cov.svg"
ok "plot: footer names k and the n range" grep -Fq "events: k = 5 studies, n 20 to 20" "$TMP/cov.svg"
ok "plot: footer names the truth, reps and seed" \
    grep -Fq "True proportion 0.2, tau^2 0.1 on the logit scale (given); 200 replicates, seed 1" "$TMP/cov.svg"
run "plot: -o report" 0 -- $SIM -o "$TMP/r.json" --plot "$TMP/cov2.svg" &&
    ok "plot: -o report unchanged" cmp -s "$TMP/noplot.json" "$TMP/r.json" &&
    ok "plot: -o, nothing on stdout" test ! -s "$TMP/out"
ok "plot: the same picture for the same seed" cmp -s "$TMP/cov.svg" "$TMP/cov2.svg"

run "plot: png" 0 -- $SIM --plot "$TMP/cov.png" &&
    ok "plot: png signature and IEND" python3 -c '
import sys
b = open(sys.argv[1], "rb").read()
sys.exit(not (b[:8] == b"\x89PNG\r\n\x1a\n" and b[-8:-4] == b"IEND"))' "$TMP/cov.png"

run "plot: bad extension" 2 -- $SIM --plot "$TMP/cov.gif" && one_line "plot: bad extension" "extension"
ok "plot: bad extension leaves no file" test ! -e "$TMP/cov.gif"
ok "plot: bad extension leaves no temporary file" no_temp_left "$TMP"

# several outcomes: one picture each, named as forest names them
run "plot: outcomes" 0 -- "$BIN" simulate data/msc_autoimmune.csv --reps 200 --plot "$TMP/m.svg"
for o in responders adverse_events serious_adverse_events; do
    ok "plot: outcome $o" whole_svg "$TMP/m-$o.svg"
done
ok "plot: no unsuffixed file for several outcomes" test ! -e "$TMP/m.svg"

# a model with no usable replicate (the GLMM's marginal row at 3 replicates of all zeros)
run "plot: no interval" 0 -- "$BIN" simulate tests/reference/all_zero.csv --mu 0.001 --tau2 0 \
    --reps 3 --format json --plot "$TMP/z.svg" &&
    ok "plot: a model with no used replicate in the JSON" python3 -c '
import json, sys
sys.exit(not any(m["used"] == 0 for m in json.load(open(sys.argv[1]))["outcomes"][0]["models"]))' "$TMP/out" &&
    ok "plot: no interval shown" svg_text "$TMP/z.svg" "no interval"

# a hostile outcome name: drawn literally, XML-escaped, nothing run
NAME="it's \"q\" \\ \`touch $TMP/pw-1\` system(\"touch $TMP/pw-2\") @GPVAL x" # no "_": titles show it as a space
python3 -c 'import csv, sys
w = csv.writer(open(sys.argv[1], "w", newline=""))
w.writerow(["study", "n", sys.argv[2]])
w.writerows([("A", 20, 3), ("B", 25, 5), ("C", 30, 9), ("D", 15, 2), ("E", 22, 6)])' "$TMP/h.csv" "$NAME"
run "plot: hostile name" 0 -- "$BIN" simulate "$TMP/h.csv" --events "$NAME" --mu 0.25 --tau2 0.2 \
    --reps 200 --plot "$TMP/h.svg"
ok "plot: hostile svg whole" whole_svg "$TMP/h.svg"
ok "plot: hostile name, nothing ran" test -z "$(find "$TMP" -name 'pw-*' -print)"
esc=$(printf '%s' "$NAME" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/"/\&quot;/g')
ok "plot: hostile name in <title>, escaped" grep -Fq "<title>CI coverage by model: I${esc#i}</title>" "$TMP/h.svg"
if command -v xmllint >/dev/null 2>&1; then ok "plot: hostile svg well-formed" xmllint --noout "$TMP/h.svg"; fi

# no two words collide, on the PDF's word boxes
if command -v pdftotext >/dev/null 2>&1; then
    for f in cov h; do
        src=$K5 extra=(--mu 0.2 --tau2 0.1)
        [ $f = h ] && src=$TMP/h.csv extra=(--events "$NAME" --mu 0.25 --tau2 0.2)
        run "plot: $f pdf" 0 -- "$BIN" simulate "$src" "${extra[@]}" --reps 200 --plot "$TMP/$f.pdf" &&
            ok "plot: $f, no text overlap" bash "$HERE/text_overlap.sh" "$TMP/$f.pdf" "$TMP/$f.svg"
    done
else
    echo "simulate: pdftotext not found (poppler-utils): the text-overlap check was not run"
fi

finish simulate
