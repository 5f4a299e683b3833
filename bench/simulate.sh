#!/usr/bin/env bash
# mscmeta simulate (issue 16 section 3): the time of `simulate` with 10,000
# replicates, k = 5 (n = 20 each), every model of compare, against the goal
# of 10 s wall on a 2-core machine; then the DL-against-HKSJ scenarios the
# README records (IntHout et al. 2014; Partlett & Riley 2017): coverage of
# the 95% CI at mu = 0.2 for k = 3, 5, 10 and tau^2 0.1 to 1 (logit scale).
# Usage: bench/simulate.sh PATH/TO/mscmeta [--no-scenarios]
# Prints CPU (user + sys) and wall seconds and peak RSS (GNU time) for
# --threads 1 and 2, and the load average, since wall time on a shared
# machine says little.
set -eu
BIN=${1:?usage: bench/simulate.sh PATH/TO/mscmeta [--no-scenarios]}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
design() { # design K N FILE
    echo "study,n,events" > "$3"
    for i in $(seq "$1"); do echo "S$i,$2,0" >> "$3"; done
}
design 5 20 "$TMP/k5.csv"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in 1 2; do
    /usr/bin/time -f "threads $t: %U s user + %S s sys, %e s wall, peak RSS %M KB" \
        "$BIN" simulate "$TMP/k5.csv" --mu 0.2 --tau2 0.1 --reps 10000 --threads $t \
        --format csv -o "$TMP/out$t.csv"
done
cmp -s "$TMP/out1.csv" "$TMP/out2.csv" && echo "threads 1 and 2: identical output"
[ "${2-}" = --no-scenarios ] && exit 0
echo
echo "| k | n | tau^2 | DL | HKSJ (PM + knha) | REML | GLMM |"
echo "|---|---|---|---|---|---|---|"
for spec in "5 20 0.1" "5 20 0.5" "5 20 1" "3 50 0.5" "5 50 0.5" "10 50 0.5" "5 50 1" "10 50 1"; do
    set -- $spec
    design "$1" "$2" "$TMP/d.csv"
    "$BIN" simulate "$TMP/d.csv" --mu 0.2 --tau2 "$3" --reps 10000 --format json -o "$TMP/d.json"
    python3 - "$TMP/d.json" "$1" "$2" "$3" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))["outcomes"][0]
m = {r["model"]: r for r in o["models"]}
cell = lambda r: "%.3f (%.3f)" % (r["coverage"], r["coverage_se"])
print("| %s | %s | %s | %s | %s | %s | %s |" % (sys.argv[2], sys.argv[3], sys.argv[4], cell(m["dl"]),
      cell(m["pm_knha"]), cell(m["reml_cc0.5"]), cell(m["glmm"])))
PY
done
