#!/usr/bin/env bash
# Memory and output size with many subgroups of one study each (issue 15,
# "10^6 subgroups of one study"): wall time, peak RSS, RSS per study and
# bytes of JSON written with --summary-only, for k studies in k subgroups
# and, for comparison, the same k studies without --subgroup.
# Usage: bench/subgroups.sh [BUILD_DIR] [K...]   (default build, 1e4 1e5 1e6)
# Needs GNU time (/usr/bin/time).
set -eu
BUILD=${1:-build}; shift || true
KS=${*:-10000 100000 1000000}
BIN=$BUILD/mscmeta
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "# mscmeta pool, one study per subgroup, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
echo
echo "| k | subgroups | wall (s) | peak RSS (MB) | RSS per study (bytes) | JSON, --summary-only (MB) |"
echo "|---:|---:|---:|---:|---:|---:|"
for k in $KS; do
    awk -v k="$k" 'BEGIN { print "study,n,events,group"
        for (i = 1; i <= k; i++) printf "S%d,%d,%d,g%d\n", i, 10 + i % 90, i % 10, i }' > "$TMP/d.csv"
    for groups in 0 "$k"; do
        args=(pool "$TMP/d.csv" --events events --method DL --format json --summary-only)
        [ "$groups" != 0 ] && args+=(--subgroup group)
        read -r wall rss < <( { /usr/bin/time -f '%e %M' "$BIN" "${args[@]}" > "$TMP/out.json"; } 2>&1 | tail -1 )
        bytes=$(wc -c < "$TMP/out.json")
        printf "| %s | %s | %.2f | %.1f | %.0f | %.1f |\n" "$k" "$groups" "$wall" \
            "$(echo "$rss / 1024" | bc -l)" "$(echo "$rss * 1024 / $k" | bc -l)" "$(echo "$bytes / 1048576" | bc -l)"
    done
done
