#!/bin/sh
# Runs the test suite under valgrind (memcheck): every cmocka test program
# of BUILD_DIR, then the command-line suites (hostile corpus, cli, output)
# with mscmeta itself run under valgrind. Any invalid access, use of an
# uninitialised value or leak fails the run (--error-exitcode, leaks count
# as errors with --leak-check=full).
# BUILD_DIR must be a build without sanitizers (valgrind and ASan exclude
# each other), e.g.:
#   cmake -S . -B build && cmake --build build -j2 && tests/valgrind.sh build
# Usage: tests/valgrind.sh [BUILD_DIR]   (default: build)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
if grep -q 'MSC_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2> /dev/null ||
    grep -q 'MSC_FUZZ:BOOL=ON' "$build/CMakeCache.txt" 2> /dev/null; then
    echo "valgrind.sh: $build is a sanitizer build; use one without MSC_SANITIZE/MSC_FUZZ" >&2
    exit 2
fi
command -v valgrind > /dev/null || { echo "valgrind.sh: valgrind not found" >&2; exit 2; }
VG="valgrind -q --error-exitcode=1 --leak-check=full --track-origins=yes"
tmp=$(mktemp -d)
chmod 755 "$tmp" # the suites run some cases as nobody when we are root
trap 'rm -rf "$tmp"' EXIT
fails=0

# 1. The cmocka programs, in tests/ as ctest runs them. The large-k test
# runs 100,000 studies here (1,000,000 in ctest), the Q-profile check
# 10,000 (up to 10^7), the number texts a 30th of their doubles: valgrind
# is ~30x slower.
for t in "$build"/tests/test_*; do
    [ -f "$t" ] && [ -x "$t" ] || continue
    name=$(basename "$t")
    if (cd "$root/tests" && MSC_NUMERIC_K=100000 MSC_QPROFILE_KMAX=10000 MSC_NUMBER_DIVISOR=30 $VG "$t" > "$tmp/$name.log" 2>&1); then
        echo "ok   $name"
    else
        echo "FAIL $name"
        grep -E '^==[0-9]+==|FAILED|\[  ERROR' "$tmp/$name.log" | head -30
        fails=$((fails + 1))
    fi
done

# 2. The command line under valgrind: a wrapper that exits 99 on an error,
# which no suite expects. A static mscmeta (MSC_STATIC_LIBC) hides its
# malloc from valgrind, so its dynamically linked twin from the same
# main.c and libraries, mscmeta_dynamic, runs instead when the build has it.
# The huge-page tunable is set (to 0) so that a large input is not
# re-executed (cli/main.c), which would leave valgrind.
prog=$build/mscmeta
[ -x "$build/mscmeta_dynamic" ] && prog=$build/mscmeta_dynamic
cat > "$tmp/mscmeta" << EOF
#!/bin/sh
GLIBC_TUNABLES=glibc.malloc.hugetlb=0 exec valgrind -q --error-exitcode=99 --leak-check=full "$prog" "\$@"
EOF
chmod +x "$tmp/mscmeta"
run_suite() { # NAME COMMAND...
    name=$1
    shift
    if "$@" > "$tmp/$name.log" 2>&1; then
        echo "ok   $name (mscmeta under valgrind)"
    else
        echo "FAIL $name (mscmeta under valgrind)"
        grep -E 'FAIL|==[0-9]+==' "$tmp/$name.log" | head -30
        fails=$((fails + 1))
    fi
}
MSC_CASE_TIMEOUT=600 run_suite hostile sh "$root/tests/hostile/run.sh" "$tmp/mscmeta"
run_suite cli bash "$root/tests/cli/run.sh" "$tmp/mscmeta"
if [ -x "$build/bench/msc_gen" ]; then
    run_suite cli_output bash "$root/tests/cli/output.sh" "$tmp/mscmeta" "$build/bench/msc_gen"
fi

echo "valgrind: $fails failure(s)"
[ "$fails" = 0 ]
