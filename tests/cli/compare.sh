#!/usr/bin/env bash
# mscmeta compare (issue 10 section 4): how much the method matters.
#  - on the example data and every data set of tests/reference, EVERY row
#    of every outcome equals the JSON of the matching separate `pool` run,
#    the same doubles, and the CSV holds the same numbers
#    (compare_check.py), also with shared options (--level, --pi,
#    --cc-mode, --events);
#  - the REML cc 0.5 and PFT rows match metafor 3.8-1 to 1e-6 relative
#    (tests/reference/compare.json, made by tests/reference/compare.R);
#  - the options that would set a row's model, and --subgroup, are usage
#    errors with one line that says why; the table has 11 rows per outcome.
# Usage: compare.sh PATH/TO/mscmeta
set -u
BIN=${1:?usage: compare.sh PATH/TO/mscmeta}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$HERE/lib.sh"
command -v python3 > /dev/null || { echo "compare: python3 is needed"; exit 77; }
cd "$ROOT" || exit 1

# --- every row equals its pool run
for f in data/msc_autoimmune.csv tests/reference/*.csv; do
    ok "rows = pool: $f" python3 "$HERE/compare_check.py" "$BIN" "$f"
done
ok "rows = pool, shared options" python3 "$HERE/compare_check.py" "$BIN" data/msc_autoimmune.csv \
    --level 0.9 --pi z --cc-mode all --events serious_adverse_events
ok "rows = pool, --nagq 3" python3 "$HERE/compare_check.py" "$BIN" tests/reference/sparse40.csv \
    --nagq 3

# --- metafor: REML cc 0.5 and PFT rows
check_metafor() {
    python3 - "$BIN" <<'PY'
import json, subprocess, sys
ref = json.load(open("tests/reference/compare.json"))
bad = 0
for s in ref["sets"]:
    out = subprocess.run([sys.argv[1], "compare", s["file"], "--events", s["outcome"],
                          "--format", "json"], capture_output=True, text=True, check=True)
    rows = {r["model"]: r for r in json.loads(out.stdout)["outcomes"][0]["models"]}
    for model in ("reml_cc0.5", "pft_reml"):
        for key, want in s[model].items():
            got = rows[model][key]
            tol = 1e-6 * abs(want) if want != 0 else 1e-10
            if got is None or abs(got - want) > tol:
                bad += 1
                print("FAIL metafor %s %s %s: %r, metafor %r" % (s["file"], model, key, got, want))
sys.exit(1 if bad else 0)
PY
}
ok "metafor REML cc 0.5 and PFT rows" check_metafor

# --- options that do not apply
for opt in "--method REML" "--measure PFT" "--cc 0.1" "--test knha" "--subgroup disease"; do
    # shellcheck disable=SC2086
    run "compare $opt" 2 -- "$BIN" compare data/msc_autoimmune.csv $opt &&
        one_line "compare $opt" "compare: .*(do not apply|does not apply)"
done

# --- table: 11 rows per outcome, each naming its pool run
run "table" 0 -- "$BIN" compare data/msc_autoimmune.csv &&
    ok "table: 33 model rows" test "$(grep -c ' pool --method\| pool (its exact' "$TMP/out")" = 33
expect "table: marginal row" "$TMP/out" '^GLMM, marginal +0\.0148 +\[0\.0015, 0\.1163\]'

# --- -o and the format from the extension
run "-o csv" 0 -- "$BIN" compare data/msc_autoimmune.csv -o "$TMP/c.csv" &&
    expect "-o csv" "$TMP/c.csv" '^outcome,type,model,label,same_as,'
run "--help" 0 -- "$BIN" compare --help && expect "--help" "$TMP/out" 'How much does the method matter'

finish compare
