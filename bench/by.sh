#!/usr/bin/env bash
# Benchmark of many meta-analyses in one pass (issue 16): 100,000
# meta-analyses of 10 studies each (1,000,000 rows, each meta-analysis's
# rows spread over the whole file), `pool --by ma --format jsonl`, REML
# with its Q-profile intervals, then the GLMM; goals 2 s and 20 s wall on
# 2 cores. Prints a Markdown table: wall, CPU (user + system) and peak
# memory, the median of RUNS runs, for --threads 1 and 2.
# Usage: bench/by.sh [BUILD_DIR] [RUNS]   (default build, 3). Needs GNU time.
set -eu
BUILD=${1:-build}
RUNS=${2:-3}
BIN=$BUILD/mscmeta
GEN=$BUILD/bench/msc_gen
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
"$GEN" 1000000 16 5 200 -1 0.8 100000 > "$TMP/d.csv"
echo "# mscmeta pool --by benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "100,000 meta-analyses x 10 studies (1,000,000 rows), JSON Lines, median of $RUNS runs."
echo
echo "| method | output | threads | wall (s) | CPU user+sys (s) | peak RSS (MB) | lines |"
echo "|---|---|---:|---:|---:|---:|---:|"
for spec in "REML summary" "REML full" "GLMM summary"; do
    set -- $spec
    for threads in 1 2; do
        args=(pool "$TMP/d.csv" --by ma --format jsonl --method "$1" --threads "$threads")
        [ "$2" = summary ] && args+=(--summary-only)
        : > "$TMP/times"
        for _ in $(seq "$RUNS"); do
            /usr/bin/time -f "%e %U %S %M" -o "$TMP/t" "$BIN" "${args[@]}" > "$TMP/out"
            cat "$TMP/t" >> "$TMP/times"
        done
        read -r wall cpu rss < <(sort -n "$TMP/times" | awk -v r="$RUNS" \
            'NR == int((r + 1) / 2) { printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }')
        echo "| $1 | $2 | $threads | $wall | $cpu | $rss | $(wc -l < "$TMP/out") |"
    done
done
