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

# metafor's loop on 1,000 of these meta-analyses (issue 16 section 3): the
# same REML fits with their Q-profile intervals (rma + confint), one R
# process, side by side with one `pool --by` run on the same file; the
# ratio of whole-process wall times, and of R's loop alone (its start-up
# and metafor's loading left out) against mscmeta's whole process.
if command -v Rscript > /dev/null && Rscript -e 'library(metafor)' > /dev/null 2>&1; then
    "$GEN" 10000 16 5 200 -1 0.8 1000 > "$TMP/m.csv"
    cat > "$TMP/loop.R" <<'RS'
suppressMessages(library(metafor))
d <- read.csv(commandArgs(TRUE)[1])
t <- system.time(for (g in split(d, d$ma)) {
    f <- try(rma(measure = "PLO", xi = events, ni = n, data = g, method = "REML"), silent = TRUE)
    if (!inherits(f, "try-error")) try(confint(f), silent = TRUE)
})
cat(t[["elapsed"]], "\n")
RS
    /usr/bin/time -f "%e" -o "$TMP/tr" Rscript "$TMP/loop.R" "$TMP/m.csv" > "$TMP/rloop"
    /usr/bin/time -f "%e" -o "$TMP/tm" "$BIN" pool "$TMP/m.csv" --by ma --format jsonl \
        --method REML --summary-only > /dev/null
    read -r rwall < "$TMP/tr"
    read -r rloop < "$TMP/rloop"
    read -r mwall < "$TMP/tm"
    echo
    echo "metafor's loop, 1,000 meta-analyses x 10 studies, REML + confint (Q-profile), load average $(cut -d' ' -f1 /proc/loadavg):"
    echo
    echo "| program | wall (s) | metafor / mscmeta |"
    echo "|---|---:|---:|"
    echo "| mscmeta pool --by (whole process) | $mwall | |"
    echo "| R + metafor loop (whole process) | $rwall | $(awk -v a="$rwall" -v b="$mwall" 'BEGIN { printf "%.0f", a / b }') |"
    echo "| R + metafor loop (the loop alone) | $rloop | $(awk -v a="$rloop" -v b="$mwall" 'BEGIN { printf "%.0f", a / b }') |"
else
    echo
    echo "(metafor's loop skipped: Rscript with metafor not found)"
fi
