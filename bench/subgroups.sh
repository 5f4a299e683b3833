#!/usr/bin/env bash
# Memory and output size with many subgroups of one study each (issue 15,
# "10^6 subgroups of one study"): CPU time (user + sys), peak RSS, RSS per
# study and bytes written, for k studies in k subgroups in JSON, table and
# CSV, with and without --summary-only, and, for comparison, the same k
# studies without --subgroup. The goal: peak RSS per study <= 220 bytes
# (twice the documented 110) at k = 10^6.
# Usage: bench/subgroups.sh [BUILD_DIR] [K...]   (default build, 1e5 1e6)
# Needs GNU time (/usr/bin/time).
set -eu
BUILD=${1:-build}; shift || true
KS=${*:-100000 1000000}
BIN=$BUILD/mscmeta
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "# mscmeta pool, one study per subgroup, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| k | subgroups | format | summary-only | CPU (s) | peak RSS (MB) | RSS per study (bytes) | output (MB) |"
echo "|---:|---:|---|---|---:|---:|---:|---:|"
for k in $KS; do
    awk -v k="$k" 'BEGIN { print "study,n,events,group"
        for (i = 1; i <= k; i++) printf "S%d,%d,%d,g%d\n", i, 10 + i % 90, i % 10, i }' > "$TMP/d.csv"
    for groups in 0 "$k"; do
        for fmt in json table csv; do
            for so in yes no; do
                args=(pool "$TMP/d.csv" --events events --method DL --format "$fmt")
                [ "$so" = yes ] && args+=(--summary-only)
                [ "$groups" != 0 ] && args+=(--subgroup group)
                read -r usr sys rss < <( { /usr/bin/time -f '%U %S %M' "$BIN" "${args[@]}" > "$TMP/out"; } 2>&1 | tail -1 )
                bytes=$(wc -c < "$TMP/out")
                printf "| %s | %s | %s | %s | %.2f | %.1f | %.0f | %.1f |\n" "$k" "$groups" "$fmt" "$so" \
                    "$(echo "$usr + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)" \
                    "$(echo "$rss * 1024 / $k" | bc -l)" "$(echo "$bytes / 1048576" | bc -l)"
                rm -f "$TMP/out"
            done
        done
    done
done
