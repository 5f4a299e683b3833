#!/usr/bin/env bash
# Benchmarks of the sensitivity analyses (issue 11). Goals on a 2-core
# machine, whole command (read the CSV, fit, write every row as JSON):
#   pool --leave-one-out, REML, 10,000 studies      <= 2 s
#   pool --influence, DL, 100,000 studies           <= 2 s
#   pool --leave-one-out, GLMM, 1,000 studies        <= 2 s
# then, inside the library, the updating scheme against refitting every
# subset (bench/sens_loop.c), with their largest relative difference.
# Usage: bench/sens.sh [BUILD_DIR]   Needs hyperfine and GNU time.
set -eu
BUILD=${1:-build}
BIN=$BUILD/mscmeta; GEN=$BUILD/bench/msc_gen; LOOP=$BUILD/bench/msc_sens_loop
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "# mscmeta sensitivity benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| analysis | k | method | mean wall (s) | sd (s) | user CPU (s) | peak RSS (MB) |"
echo "|---|---:|---|---:|---:|---:|---:|"
for spec in "leave-one-out 10000 REML" "influence 100000 DL" "leave-one-out 1000 GLMM"; do
    set -- $spec
    what=$1 k=$2 m=$3
    "$GEN" "$k" 11 5 200 > "$TMP/d.csv"
    args=(pool "$TMP/d.csv" --events events --method "$m" "--$what" --summary-only --format json -o "$TMP/out.json")
    hyperfine -N --warmup 1 --runs 5 --export-json "$TMP/h.json" "$BIN ${args[*]}" >/dev/null 2>&1
    read -r mean sd < <(python3 -c "import json; r=json.load(open('$TMP/h.json'))['results'][0]; print(r['mean'], r['stddev'] or 0)")
    read -r user rss < <( { /usr/bin/time -f "%U %M" "$BIN" "${args[@]}" >/dev/null; } 2>&1 | tail -1 )
    printf "| %s | %s | %s | %.3f | %.3f | %.2f | %.1f |\n" "$what" "$k" "$m" "$mean" "$sd" "$user" "$(echo "$rss / 1024" | bc -l)"
done
echo
echo "Leave-one-out inside the library, one thread: updating scheme against refitting each subset."
echo
echo "| k | method | updating (s) | refitting (s) | speed-up | largest relative difference |"
echo "|---:|---|---:|---:|---:|---:|"
for spec in "1000 DL" "1000 REML" "10000 DL" "10000 REML"; do
    set -- $spec
    "$GEN" "$1" 11 5 200 > "$TMP/d.csv"
    "$LOOP" "$TMP/d.csv" "$2" 1
done
