#!/usr/bin/env bash
# Benchmark of `mscmeta regress` (issue 12): wall time and peak memory of a
# REML meta-regression on 3 moderators for k studies, whole command
# (reading the CSV, the fit with R^2, summary JSON). Two designs: three
# numeric moderators (year, dose, follow-up), and two numeric plus a
# 3-level factor (route); the binomial-normal GLMM with the three numeric
# moderators (issue 12 section 3); `pool` on the same file for comparison.
# Usage: bench/regress.sh [BUILD_DIR] [K...]   (default build, 1e3 .. 1e6)
# Needs hyperfine and GNU time. The moderators are made from the study's
# number, so the same k gives the same file.
set -eu
BUILD=${1:-build}; shift || true
KS=${*:-1000 10000 100000 1000000}
BIN=$BUILD/mscmeta; GEN=$BUILD/bench/msc_gen
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "# mscmeta regress benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), load $(cut -d' ' -f1 /proc/loadavg)"
echo
echo "| k | model | mean wall (s) | sd (s) | user+sys CPU (s) | peak RSS (MB) |"
echo "|---:|---|---:|---:|---:|---:|"
for k in $KS; do
    "$GEN" "$k" 21 5 200 | awk -F, 'NR == 1 { print $0 ",year,dose,followup,route"; next }
        { i = NR - 1
          printf "%s,%d,%.1f,%.1f,%s\n", $0, 1990 + (i * 7919) % 31, 5 + ((i * 104729) % 1000) / 10.0,
                 3 + ((i * 65537) % 600) / 10.0, (i % 3 == 0 ? "oral" : (i % 3 == 1 ? "iv" : "it")) }' \
        > "$TMP/d.csv"
    for spec in "REML, 3 numeric moderators|regress --mod year --mod dose --mod followup --method REML" \
                "REML, 2 numeric + a 3-level factor|regress --mod year --mod dose --mod route --method REML" \
                "GLMM, 3 numeric moderators|regress --mod year --mod dose --mod followup --method GLMM" \
                "pool (no moderators), REML|pool --method REML"; do
        label=${spec%%|*}
        read -r -a cmd <<< "${spec#*|}"
        args=("${cmd[@]}" "$TMP/d.csv" --events events --format json --summary-only)
        runs=5; [ "$k" -ge 1000000 ] && runs=3
        hyperfine -N --warmup 1 --runs "$runs" --export-json "$TMP/h.json" \
            "$BIN ${args[*]}" > /dev/null 2>&1
        read -r mean sd < <(python3 -c "import json; r=json.load(open('$TMP/h.json'))['results'][0]; print(r['mean'], r['stddev'] or 0)")
        read -r rss cpu < <( { /usr/bin/time -f '%M %U %S' "$BIN" "${args[@]}" > /dev/null; } 2>&1 |
                              tail -1 | awk '{ print $1, $2 + $3 }')
        printf "| %s | %s | %.4f | %.4f | %.2f | %.1f |\n" "$k" "$label" "$mean" "$sd" "$cpu" \
            "$(echo "$rss / 1024" | bc -l)"
    done
done
