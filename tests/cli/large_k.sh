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
# alone), and the process that writes the output has the tunable in the
# environment it started with (/proc/PID/environ shows a process's initial
# environment, so only an exec puts it there). Its JSON goes into a FIFO
# that is read only after the check, so the process waits, blocked in its
# write, while it is inspected.
GLIBC_TUNABLES=glibc.malloc.hugetlb=0 "$BIN" pool "$TMP/big.csv" --events events --method DL \
    --summary-only --format csv > "$TMP/plain.csv"
cmp "$TMP/got.csv" "$TMP/plain.csv"
if [ "$(wc -c < "$TMP/big.csv")" -ge 4194304 ] && [ -r /proc/self/environ ]; then
    mkfifo "$TMP/fifo"
    env -u GLIBC_TUNABLES "$BIN" pool "$TMP/big.csv" --events events --method DL --format json \
        > "$TMP/fifo" &
    pid=$!
    exec 3< "$TMP/fifo"
    seen=0
    for _ in $(seq 200); do # up to 20 s: the JSON is megabytes, the FIFO holds 64 KiB
        if tr '\0' '\n' < "/proc/$pid/environ" 2> /dev/null |
            grep -qx 'GLIBC_TUNABLES=glibc.malloc.hugetlb=1'; then
            seen=1
            break
        fi
        sleep 0.1
    done
    cat <&3 > /dev/null
    exec 3<&-
    wait "$pid"
    if [ "$seen" != 1 ]; then
        echo "large input: the process never had GLIBC_TUNABLES=glibc.malloc.hugetlb=1 (no re-exec)"
        exit 1
    fi
    echo "large input: re-executed with the huge-page tunable; same output without it"
fi
