#!/usr/bin/env bash
# Benchmarks: every figure of the performance goals (issue 17), measured as
# whole processes with paired, interleaved runs (bench/pair.c: A, B, A, B, ...
# after a warm-up round; medians), and printed as markdown tables for the
# README's Performance section and bench/results.md.
#
#   bench/run.sh [--quick] [--smoke] [--no-metafor] [BUILD_DIR]
#
#   --quick       skip the 10^7-study row (and its 300 MB file)
#   --no-metafor  skip the metafor comparison (it is skipped anyway when
#                 Rscript or metafor is missing); metafor at k = 3,000 takes
#                 minutes per run
#   --big-rounds N  rounds for the 10^6 and 10^7 rows (default 7 and 3; with
#                 1 there is no warm-up round either)
#   --smoke       tiny sizes, one round, no metafor: checks that the script
#                 works (ctest runs this); its figures mean nothing
#
# Needs the build's mscmeta, bench/msc_gen, bench/msc_pair, bench/msc_floor,
# and awk and wc. Run it on a quiet machine: the load average is printed.
set -eu
QUICK=0 SMOKE=0 METAFOR=1 BUILD=build BIG=
while [ $# -gt 0 ]; do
    a=$1; shift
    case $a in
    --big-rounds) BIG=${1:?--big-rounds N}; shift ;;
    --quick) QUICK=1 ;;
    --smoke) SMOKE=1 QUICK=0 METAFOR=0 ;;
    --no-metafor) METAFOR=0 ;;
    -*) echo "usage: bench/run.sh [--quick] [--smoke] [--no-metafor] [--big-rounds N] [BUILD_DIR]" >&2; exit 2 ;;
    *) BUILD=$a ;;
    esac
done
BIN=$BUILD/mscmeta GEN=$BUILD/bench/msc_gen PAIR=$BUILD/bench/msc_pair FLOOR=$BUILD/bench/msc_floor
for f in "$BIN" "$GEN" "$PAIR" "$FLOOR"; do
    [ -x "$f" ] || { echo "bench/run.sh: $f not found: build first (cmake --build $BUILD)" >&2; exit 1; }
done
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT

# Sizes and rounds; --smoke shrinks them all.
K6=1000000 K7=10000000 R_SMALL=31 R6=7 R7=3
if [ "$SMOKE" = 1 ]; then K6=2000 K7=5000 R_SMALL=1 R6=1 R7=1; fi
[ -n "$BIG" ] && R6=$BIG R7=$BIG
W_BIG=1; [ "$R6" = 1 ] && W_BIG=0

load() { cut -d' ' -f1-3 /proc/loadavg; }
# pair ROUNDS CMD... [:: CMD...]: one line per command (median min max rss_kb ratio)
pair() { "$PAIR" -n "$@"; }
big() { "$PAIR" -w "$W_BIG" -n "$@"; } # the 10^6 and 10^7 rows
ms() { awk -v s="$1" 'BEGIN { if (s < 1) printf "%.1f ms", s * 1000; else printf "%.2f s", s }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f MB", k / 1024 }'; }
ok() { awk -v c="$1" 'BEGIN { print (c ? "**met**" : "not met") }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) }'; }
row() { echo "| $1 | $2 | $3 | $4 |"; }

LOAD0=$(load)
echo "## mscmeta performance, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(uname -m)"
echo
[ "$SMOKE" = 1 ] && { echo "(smoke run: tiny sizes, one round; the figures mean nothing)"; echo; }
echo "Whole processes started the same way (fork, exec, output to /dev/null) by"
echo "\`bench/msc_pair\`, interleaved A, B, A, B after a warm-up round; medians. A ratio is"
echo "the median of the per-round ratios. Load average at the start: $LOAD0."
echo

# Data: typical (n 5-200, logit mean -1, tau 0.8), safety (rates about 1%:
# logit mean -4.6, tau 0.5, as test_numeric's rare-event set), wide (n up to
# 50,000: almost every (x, n) pair distinct).
"$GEN" 14 14 > "$TMP/k14.csv"
"$GEN" 1000 11 > "$TMP/k1000.csv"
"$GEN" "$K6" 11 > "$TMP/typ.csv"
"$GEN" "$K6" 13 5 200 -4.6 0.5 > "$TMP/safety.csv"
"$GEN" "$K6" 12 5 50000 > "$TMP/wide.csv"
POOL=(pool --events events)
REML=(pool --events events --method REML) # the default is the GLMM with --measure PLO

echo "| work | goal | measured | |"
echo "|---|---|---|---|"
# 1. 14 studies, default pool (GLMM for PLO since issue 10; table with the per-study rows)
{ read -r t0 _ _ _ _; read -r t1 _ _ _ r1; } < <(pair "$R_SMALL" /bin/true :: "$BIN" "${POOL[@]}" "$TMP/k14.csv")
row "14 studies, default \`pool\`" "≤ 1.5 × \`/bin/true\`" \
    "$(ms "$t1") vs $(ms "$t0"): $(printf %.2f "$r1") ×" "$(ok "$(le "$r1" 1.5)")"
# 2. k = 1,000, REML + Q-profile (summary table)
{ read -r t0 _ _ _ _; read -r t1 _ _ _ r1; } < <(pair "$R_SMALL" /bin/true :: "$BIN" "${REML[@]}" "$TMP/k1000.csv" --summary-only)
row "k = 1,000, REML + Q-profile" "≤ 2 × \`/bin/true\`" \
    "$(ms "$t1") vs $(ms "$t0"): $(printf %.2f "$r1") ×" "$(ok "$(le "$r1" 2)")"
# 3. k = 10^6 typical, with the floors on the same file in the same rounds
big "$R6" "$BIN" "${REML[@]}" "$TMP/typ.csv" --summary-only :: wc -l "$TMP/typ.csv" \
    :: "$FLOOR" csv "$TMP/typ.csv" :: "$FLOOR" sum "$TMP/typ.csv" > "$TMP/floors"
read -r t6 _ _ rss6 _ < "$TMP/floors"
row "k = 10⁶, REML + Q-profile, typical data" "≤ 0.5 s, ≤ 90 MB" "$(ms "$t6"), $(mb "$rss6")" \
    "$(ok $(( $(le "$t6" 0.5) && $(le "$rss6" 92160) )))"
# 4. safety vs typical, paired
{ read -r ta _ _ _ _; read -r tb _ _ _ rb; } < <(big "$R6" "$BIN" "${REML[@]}" "$TMP/typ.csv" --summary-only \
    :: "$BIN" "${REML[@]}" "$TMP/safety.csv" --summary-only)
row "k = 10⁶, REML, safety data (rates about 1%)" "≤ 1.2 × typical" \
    "$(ms "$tb") vs $(ms "$ta"): $(printf %.2f "$rb") ×" "$(ok "$(le "$rb" 1.2)")"
# 5. GLMM, n up to 50,000
read -r tg _ _ rssg _ < <(big "$R6" "$BIN" "${POOL[@]}" "$TMP/wide.csv" --method GLMM --summary-only)
row "k = 10⁶, GLMM, n up to 50,000" "≤ 3 s" "$(ms "$tg"), $(mb "$rssg")" "$(ok "$(le "$tg" 3)")"
# 6. full JSON output (per-study rows with exact intervals), REML
read -r tj _ _ rssj _ < <(big "$R6" "$BIN" "${REML[@]}" "$TMP/typ.csv" --format json)
row "k = 10⁶, REML, full JSON output" "≤ 1.5 s" "$(ms "$tj"), $(mb "$rssj")" "$(ok "$(le "$tj" 1.5)")"
# 7. 10^7, REML summary
if [ "$QUICK" = 0 ]; then
    "$GEN" "$K7" 17 > "$TMP/k7.csv"
    read -r t7 _ _ rss7 _ < <(big "$R7" "$BIN" "${REML[@]}" "$TMP/k7.csv" --summary-only)
    rm -f "$TMP/k7.csv"
    met7=$(( $(le "$t7" 5) && $(le "$rss7" 921600) ))
    row "k = 10⁷, REML summary" "≤ 5 s, ≤ 900 MB" "$(ms "$t7"), $(mb "$rss7")" "$(ok "$met7")"
else
    row "k = 10⁷, REML summary" "≤ 5 s, ≤ 900 MB" "skipped (--quick)" ""
fi
echo
echo "Rows 3-7 use the whole study count: typical data has n from 5 to 200 and rates"
echo "around expit(-1); safety data rates around 1% (logit mean -4.6, tau 0.5); the"
echo "GLMM data has n from 5 to 50,000, so almost every (x, n) pair is distinct."
echo

# Floors: the same 10^6-study file, the same rounds as row 3.
echo "Floors at k = $K6 (the typical file, $(wc -c < "$TMP/typ.csv") bytes), in the same rounds as mscmeta:"
echo
echo "| program | median | mscmeta / program |"
echo "|---|---:|---:|"
i=0
while read -r t _ _ _ r; do
    case $i in
    0) name="mscmeta REML + Q-profile, summary" ;;
    1) name="\`wc -l\`" ;;
    2) name="libcsv, empty callbacks (\`msc_floor csv\`)" ;;
    3) name="bare C sum of the two columns (\`msc_floor sum\`)" ;;
    esac
    echo "| $name | $(ms "$t") | $(awk -v r="$r" 'BEGIN { printf "%.1f", 1 / r }') |"
    i=$((i + 1))
done < "$TMP/floors"
echo

# metafor: the same REML fit with Q-profile intervals (rma + confint) as one
# Rscript process, against mscmeta's summary, both reading the same CSV.
if [ "$METAFOR" = 1 ] && command -v Rscript >/dev/null 2>&1 &&
    Rscript -e 'quit(status = !requireNamespace("metafor", quietly = TRUE))' >/dev/null 2>&1; then
    echo "metafor $(Rscript -e 'cat(format(packageVersion("metafor")))'), the same REML fit and Q-profile"
    echo "intervals (\`rma\` then \`confint\`) as one \`Rscript\` process, paired with mscmeta:"
    echo
    echo "| k | mscmeta | metafor | metafor / mscmeta | rounds |"
    echo "|---:|---:|---:|---:|---:|"
    cat > "$TMP/m.R" <<'EOF'
suppressMessages(library(metafor))
d <- read.csv(commandArgs(TRUE)[1])
r <- rma(xi = events, ni = n, data = d, measure = "PLO", method = "REML")
print(r); print(confint(r))
EOF
    for spec in "14 5" "100 5" "1000 3" "3000 1"; do
        set -- $spec
        "$GEN" "$1" 21 > "$TMP/m$1.csv"
        { read -r ta _ _ _ _; read -r tb _ _ _ rb; } < <(pair "$2" "$BIN" "${REML[@]}" "$TMP/m$1.csv" \
            --summary-only :: Rscript "$TMP/m.R" "$TMP/m$1.csv")
        echo "| $1 | $(ms "$ta") | $(ms "$tb") | $(printf %.0f "$rb") | $2 |"
    done
    echo
else
    echo "(metafor comparison skipped: --no-metafor, or Rscript with metafor not found)"
    echo
fi
echo "Load average at the end: $(load)."
