#!/usr/bin/env bash
# One million studies pool correctly: mscmeta's DerSimonian-Laird result
# against an independent computation (bench/dl_check.awk), 1e-9 relative.
# Correctness only; timings live in bench/run.sh.
set -eu
BIN=${1:?mscmeta}; GEN=${2:?msc_gen}; K=${3:-1000000}
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
"$GEN" "$K" 7 > "$TMP/big.csv"
awk -f "$HERE/../../bench/dl_check.awk" "$TMP/big.csv" > "$TMP/want"
"$BIN" pool "$TMP/big.csv" --events events --method DL --summary-only --format csv > "$TMP/got.csv"
# the "random" row: tau2 (column 22), yi (12), se (14)
awk -F, '$2 == "random" { printf "%s %s %s\n", $22, $12, $14 }' "$TMP/got.csv" > "$TMP/got"
read -r t1 y1 s1 < "$TMP/want"; read -r t2 y2 s2 < "$TMP/got"
awk -v a="$t1 $y1 $s1" -v b="$t2 $y2 $s2" 'BEGIN {
    split(a, x, " "); split(b, y, " ")
    for (i = 1; i <= 3; i++) { d = x[i] - y[i]; if (d < 0) d = -d; r = d / (x[i] < 0 ? -x[i] : x[i])
        if (r > 1e-9) { printf "mismatch in field %d: %s vs %s\n", i, x[i], y[i]; exit 1 } }
    print "k = '"$K"': DL agrees with the independent computation (tau2, estimate, SE)"
}'

# A file this large makes mscmeta re-execute itself once with glibc's
# huge-page tunable (cli/main.c): the output is the same bytes as a run
# without the re-exec (a GLIBC_TUNABLES that names the tunable is left
# alone), and ld.so starts the program twice against once (LD_DEBUG).
GLIBC_TUNABLES=glibc.malloc.hugetlb=0 "$BIN" pool "$TMP/big.csv" --events events --method DL \
    --summary-only --format csv > "$TMP/plain.csv"
cmp "$TMP/got.csv" "$TMP/plain.csv"
starts() { LD_DEBUG=libs "$@" 2>&1 >/dev/null | grep -c "initialize program" || true; }
if [ "$(wc -c < "$TMP/big.csv")" -ge 4194304 ]; then
    a=$(starts "$BIN" pool "$TMP/big.csv" --events events --method DL --summary-only)
    b=$(GLIBC_TUNABLES=glibc.malloc.hugetlb=0 starts "$BIN" pool "$TMP/big.csv" --events events \
        --method DL --summary-only)
    if [ "$b" = 0 ]; then
        echo "LD_DEBUG shows no program start (a static binary?): re-exec count not checked"
    elif [ "$a" != 2 ] || [ "$b" != 1 ]; then
        echo "re-exec for a large input: $a program starts (want 2), $b with the tunable set (want 1)"
        exit 1
    else
        echo "large input: re-executed once with the huge-page tunable; same output without it"
    fi
fi
