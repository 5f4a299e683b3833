#!/usr/bin/env bash
# The whole test suite, as CI runs it (.ci/run calls this script):
#   1. build (gcc) and run every test with ctest: unit tests per module,
#      metafor agreement, end-to-end CLI, plots, hostile input, output
#      guarantees, a million studies;
#   2. the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. the test programs and command-line suites under valgrind;
#   4. each libFuzzer harness for MSC_FUZZ_SECONDS (default 60).
# Stops at the first stage that fails and exits non-zero.
# Needs the packages scripts/install-deps.sh installs.
set -eu
cd "$(dirname "$0")/.."
jobs=$(nproc)
fuzz_seconds=${MSC_FUZZ_SECONDS:-60}

stage() { printf '\n=== %s\n' "$*"; }

stage "1/4 build and test"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build build -j"$jobs" > build/build.log 2>&1 || { cat build/build.log; exit 1; }
ctest --test-dir build --output-on-failure -j"$jobs"

stage "2/4 AddressSanitizer + UndefinedBehaviorSanitizer"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMSC_SANITIZE=ON > /dev/null
cmake --build build-asan -j"$jobs" > build-asan/build.log 2>&1 ||
    { cat build-asan/build.log; exit 1; }
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs"

stage "3/4 valgrind"
tests/valgrind.sh build

stage "4/4 fuzzers, ${fuzz_seconds} s each"
fuzz/run.sh "$fuzz_seconds"

printf '\nAll tests passed.\n'
