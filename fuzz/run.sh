#!/bin/sh
# Builds the libFuzzer harnesses (clang, ASan + UBSan, in build-fuzz/) and
# runs each for SECONDS (default 60, as CI does), one after another, on the
# corpus fuzz/make_corpus.sh assembles. Prints per harness: runs, exec/s,
# coverage (cov = edges, ft = features). A crash, leak, timeout (10 s per
# input) or property failure stops that harness, leaves the input in
# fuzz/artifacts/ and makes the script exit 1; copy the input to
# tests/regress/<harness>-<name> so that ctest replays it forever.
# Usage: fuzz/run.sh [SECONDS] [HARNESS...]   (env MSC_FUZZ_BUILD: build dir)
set -eu
secs=${1:-60}
[ $# -gt 0 ] && shift
root=$(cd "$(dirname "$0")/.." && pwd)
build=${MSC_FUZZ_BUILD:-$root/build-fuzz}
if [ $# -gt 0 ]; then
    harnesses=$*
else
    harnesses=$(cd "$root/fuzz" && ls harness_*.c | sed 's/harness_\(.*\)\.c/\1/' | grep -v '^util$')
fi

mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DMSC_FUZZ=ON -DMSC_TESTS=OFF \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo > "$build/fuzz-cmake.log" 2>&1 ||
    { cat "$build/fuzz-cmake.log"; exit 1; }
for h in $harnesses; do
    cmake --build "$build" -j2 --target "fuzz_$h" > "$build/fuzz-build.log" 2>&1 ||
        { cat "$build/fuzz-build.log"; exit 1; }
done
"$root/fuzz/make_corpus.sh"
mkdir -p "$root/fuzz/artifacts"

status=0
for h in $harnesses; do
    log="$root/fuzz/artifacts/$h.log"
    echo "fuzz_$h: running for $secs s ..."
    if "$build/fuzz/fuzz_$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
        -max_len=8192 -dict="$root/fuzz/csv.dict" -print_final_stats=1 \
        -artifact_prefix="$root/fuzz/artifacts/$h-" "$root/fuzz/corpus-$h" > "$log" 2>&1; then
        result=ok
    else
        result=FAILED
        status=1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    cov=$(grep -E '^#[0-9]+' "$log" | grep -o 'cov: [0-9]* ft: [0-9]*' | tail -1)
    echo "fuzz_$h: $result; ${runs:-?} runs, ${eps:-?} exec/s, ${cov:-no coverage line}"
    if [ "$result" = FAILED ]; then
        grep -E 'ERROR|SUMMARY|property failed|Test unit written' "$log" | head -20
        echo "  (full log: $log)"
    fi
done
exit $status
