#!/usr/bin/env bash
# Benchmarks: wall time and peak memory of `mscmeta pool` for k studies, by
# method. Usage: bench/run.sh [BUILD_DIR] [K...]   (default build, 1e3..1e6)
# Needs hyperfine (Debian: apt-get install hyperfine) and GNU time.
set -eu
BUILD=${1:-build}; shift || true
KS=${*:-1000 10000 100000 1000000}
BIN=$BUILD/mscmeta; GEN=$BUILD/bench/msc_gen
TMP=$(mktemp -d); trap 'rm -rf "$TMP"' EXIT
echo "# mscmeta pool benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m)"
echo
echo "| k | method | output | mean wall (s) | sd (s) | peak RSS (MB) |"
echo "|---:|---|---|---:|---:|---:|"
for k in $KS; do
    "$GEN" "$k" 11 5 200 > "$TMP/d.csv"                 # n in [5, 200]: many repeated (x, n)
    "$GEN" "$k" 12 5 50000 > "$TMP/wide.csv"             # n in [5, 50000]: almost all distinct
    for spec in "DL d summary" "REML d summary" "REML d full" "GLMM d summary" "GLMM wide summary"; do
        set -- $spec
        m=$1 f=$2 out=$3
        args=(pool "$TMP/$f.csv" --events events --method "$m" --format json)
        [ "$out" = summary ] && args+=(--summary-only)
        runs=5; [ "$k" -ge 1000000 ] && runs=3
        hyperfine -N --warmup 1 --runs "$runs" --export-json "$TMP/h.json" \
            "$BIN ${args[*]}" >/dev/null 2>&1
        read -r mean sd < <(python3 -c "import json; r=json.load(open('$TMP/h.json'))['results'][0]; print(r['mean'], r['stddev'] or 0)")
        rss=$( { /usr/bin/time -f %M "$BIN" "${args[@]}" >/dev/null; } 2>&1 | tail -1 )
        label="$out"; [ "$f" = wide ] && label="$out, n to 50,000"
        printf "| %s | %s | %s | %.4f | %.4f | %.1f |\n" "$k" "$m" "$label" "$mean" "$sd" "$(echo "$rss / 1024" | bc -l)"
    done
done
