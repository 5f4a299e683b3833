#!/usr/bin/env bash
# The installed tree (issue 9): `cmake --install BUILD --prefix P` into a
# scratch folder, then
#   - the layout: P/bin/mscmeta, P/LIBDIR/libmscmeta.so* and .a,
#     P/include/mscmeta/*.h with version.h, P/LIBDIR/pkgconfig/mscmeta.pc,
#     P/LIBDIR/cmake/mscmeta/, P/share/man/man1/mscmeta.1;
#   - the shared library exports msc_* symbols only (nm -D): those that
#     the installed headers declare with MSC_API;
#   - the man page renders without a warning (groff);
#   - examples/embed.c built with `pkg-config --cflags --libs mscmeta`
#     (and statically with --static), examples/embed.py through ctypes,
#     and the CMake project examples/cmake (find_package, shared and
#     static) each print metafor's pooled proportion and CI.
# LIBDIR is GNUInstallDirs' CMAKE_INSTALL_LIBDIR: lib for any prefix but
# /usr on Debian, so the tree is P/lib unless the build was configured
# for /usr.
# Usage: install.sh CMAKE BUILD_DIR LIBDIR CC SANITIZE (from ctest;
# SANITIZE is 1 in an MSC_SANITIZE build). Needs pkg-config, python3 and
# groff (scripts/install-deps.sh).
set -u
CMAKE=${1:?usage: install.sh CMAKE BUILD_DIR LIBDIR CC SANITIZE}
BUILD=$(cd "${2:?}" && pwd)
LIBDIR=${3:?}
CC=${4:?}
SANITIZE=${5:-0}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=SCRIPTDIR/cli/lib.sh
. "$HERE/cli/lib.sh"

missing=""
for tool in pkg-config python3 groff nm readelf; do
    command -v "$tool" > /dev/null 2>&1 || missing="$missing $tool"
done
if [ -n "$missing" ]; then
    echo "FAIL missing:$missing (scripts/install-deps.sh installs them)"
    exit 1
fi

# metafor's rma(measure = "PLO", method = "REML", test = "z") on
# tests/reference/pritz1997.csv, back-transformed: `prop`, `prop_ci_lb`
# and `prop_ci_ub` of that fit in tests/reference/pritz1997.json.
WANT_EST=0.757479295089154
WANT_LO=0.660521965104775
WANT_HI=0.833716201423766

# pooled NAME FILE: FILE holds "pooled proportion: EST (95% CI LO to HI)"
# with metafor's numbers (1e-6 relative, as the unit tests).
pooled() {
    count=$((count + 1))
    if ! awk -v e="$WANT_EST" -v l="$WANT_LO" -v h="$WANT_HI" '
        function close_to(got, want) { d = got - want; if (d < 0) d = -d; return d <= 1e-6 * want }
        $1 == "pooled" && $2 == "proportion:" && $4 == "(95%" && $5 == "CI" && $7 == "to" {
            n++; hi = $8; sub(/\)$/, "", hi)
            ok = close_to($3, e) && close_to($6, l) && close_to(hi, h)
        }
        END { exit !(n == 1 && ok) }' "$2"; then
        fail "$1: not metafor's $WANT_EST ($WANT_LO to $WANT_HI)"
        sed 's/^/  out: /' "$2" | head -5
    fi
}

# In a sanitizer build the library needs the sanitizer runtime: programs
# are built with the sanitizers too, and Python gets the runtime preloaded.
SAN_FLAGS=""
[ "$SANITIZE" = 1 ] && SAN_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer"

# --- install
P=$TMP/prefix
L=$P/$LIBDIR
run install 0 -- "$CMAKE" --install "$BUILD" --prefix "$P" || { finish install; exit 1; }

# --- layout
VERSION=$(sed -n 's/^#define MSC_VERSION "\(.*\)"$/\1/p' "$BUILD/include/mscmeta/version.h")
ok version-known test -n "$VERSION"
ok bin test -x "$P/bin/mscmeta"
run bin-version 0 -- "$P/bin/mscmeta" --version && expect bin-version "$TMP/out" "^mscmeta $VERSION\$"
ok static test -f "$L/libmscmeta.a"
ok shared test -f "$L/libmscmeta.so.$VERSION"
SONAME=$(readelf -d "$L/libmscmeta.so.$VERSION" 2>/dev/null |
    sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')
ok soname-versioned test -n "$SONAME" -a "$SONAME" != libmscmeta.so
ok soname-link test -L "$L/$SONAME" -a "$(readlink -f "$L/$SONAME")" = "$(readlink -f "$L/libmscmeta.so.$VERSION")"
ok dev-link test -L "$L/libmscmeta.so" -a -e "$L/libmscmeta.so"
for h in "$SRC"/include/mscmeta/*.h; do
    ok "header-$(basename "$h")" cmp -s "$h" "$P/include/mscmeta/$(basename "$h")"
done
ok header-version.h cmp -s "$BUILD/include/mscmeta/version.h" "$P/include/mscmeta/version.h"
ok no-header-template test ! -e "$P/include/mscmeta/version.h.in"
ok pc test -f "$L/pkgconfig/mscmeta.pc"
for f in mscmetaConfig.cmake mscmetaConfigVersion.cmake mscmetaTargets.cmake; do
    ok "cmake-$f" test -f "$L/cmake/mscmeta/$f"
done
ok man test -f "$P/share/man/man1/mscmeta.1"

# --- only msc_* exported: defined dynamic symbols other than msc_* and the
# linker's own; ASan adds an ODR marker per exported variable.
nm -D --defined-only "$L/libmscmeta.so" > "$TMP/nm" 2> "$TMP/err" || fail "nm -D failed"
awk '{ print $NF }' "$TMP/nm" |
    grep -Ev '^(msc_[A-Za-z0-9_]*|_init|_fini|_edata|_end|__bss_start|__odr_asan[._]msc_[A-Za-z0-9_]*)$' \
        > "$TMP/foreign"
count=$((count + 1))
if [ -s "$TMP/foreign" ]; then
    fail "nm-only-msc: exported symbols that are not msc_*:"
    head -20 "$TMP/foreign" | sed 's/^/  /'
fi
# and exactly the functions and variables that the installed headers
# declare with MSC_API (the name on the same line as MSC_API)
grep -h 'MSC_API' "$P"/include/mscmeta/*.h | grep -v '#define' |
    grep -o 'msc_[A-Za-z0-9_]*[[:space:]]*[[(;]' | tr -d '[(; \t' | sort -u > "$TMP/declared"
awk '$NF ~ /^msc_/ { print $NF }' "$TMP/nm" | sort -u > "$TMP/exported"
# (a declaration at the start of a line without MSC_API would be hidden)
grep -HE '^[A-Za-z_].*[^A-Za-z0-9_]msc_[A-Za-z0-9_]*[[:space:]]*\(' "$P"/include/mscmeta/*.h |
    grep -Ev ':(MSC_API|typedef|static|#)' > "$TMP/no_api"
count=$((count + 1))
if [ -s "$TMP/no_api" ]; then
    fail "nm-msc-api: public declarations without MSC_API:"
    head -20 "$TMP/no_api" | sed 's/^/  /'
fi
ok declared-some test -s "$TMP/declared"
count=$((count + 1))
if ! cmp -s "$TMP/declared" "$TMP/exported"; then
    fail "nm-public-api: exports differ from the MSC_API declarations (<: declared only, >: exported only)"
    diff "$TMP/declared" "$TMP/exported" | grep '^[<>]' | head -20 | sed 's/^/  /'
fi

# --- the man page renders, without a warning, with its sections
count=$((count + 1))
if LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -P-cbou "$P/share/man/man1/mscmeta.1" > "$TMP/man" 2> "$TMP/err" &&
    [ ! -s "$TMP/err" ]; then
    for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "INPUT FORMAT" "EXIT STATUS" EXAMPLES; do
        ok "man-section-$s" grep -q "^$s" "$TMP/man"
    done
else
    fail "man: groff failed or warned"
    sed 's/^/  /' "$TMP/err" | head -5
fi

# --- C through pkg-config, against the installed tree only
export PKG_CONFIG_PATH=$L/pkgconfig
unset PKG_CONFIG_LIBDIR
run pc-cflags-libs 0 -- pkg-config --cflags --libs mscmeta
run pc-version 0 -- pkg-config --modversion mscmeta && expect pc-version "$TMP/out" "^$VERSION\$"
run pc-static 0 -- pkg-config --static --libs mscmeta &&
    expect pc-static "$TMP/out" '-lcsv' && expect pc-static "$TMP/out" '-lgsl' &&
    expect pc-static "$TMP/out" '-ljansson'
# shellcheck disable=SC2086,SC2046
run c-build 0 -- "$CC" -std=c11 -Wall -Wextra -Wpedantic -Werror $SAN_FLAGS \
    "$SRC/examples/embed.c" $(pkg-config --cflags --libs mscmeta) -o "$TMP/embed" &&
    run c-linked-to-installed 0 -- env LD_LIBRARY_PATH="$L" ldd "$TMP/embed" &&
    expect c-linked-to-installed "$TMP/out" "libmscmeta\\.so.* => $L/libmscmeta\\.so" &&
    run c-run 0 -- env LD_LIBRARY_PATH="$L" "$TMP/embed" && pooled c-run "$TMP/out"
# statically: libmscmeta.a and what `pkg-config --static` lists after it
static_libs=$(pkg-config --static --libs mscmeta | sed 's/\(^\| \)-lmscmeta\( \|$\)/ /')
# shellcheck disable=SC2086,SC2046
run c-static-build 0 -- "$CC" -std=c11 $SAN_FLAGS "$SRC/examples/embed.c" \
    $(pkg-config --cflags mscmeta) "$L/libmscmeta.a" $static_libs -o "$TMP/embed_static" &&
    run c-static-run 0 -- env -u LD_LIBRARY_PATH "$TMP/embed_static" &&
    pooled c-static-run "$TMP/out"

# --- Python through ctypes, standard library only
PRELOAD=""
if [ "$SANITIZE" = 1 ]; then
    case $("$CC" --version 2>/dev/null) in
    *clang*) PRELOAD=$("$CC" -print-file-name=libclang_rt.asan-x86_64.so) ;;
    *) PRELOAD=$("$CC" -print-file-name=libasan.so) ;;
    esac
fi
run python 0 -- env ${PRELOAD:+LD_PRELOAD="$PRELOAD"} ${PRELOAD:+ASAN_OPTIONS=detect_leaks=0} \
    python3 "$SRC/examples/embed.py" "$L/libmscmeta.so" && pooled python "$TMP/out"
run python-env 0 -- env MSCMETA_LIB="$L/libmscmeta.so.$VERSION" \
    ${PRELOAD:+LD_PRELOAD="$PRELOAD"} ${PRELOAD:+ASAN_OPTIONS=detect_leaks=0} \
    python3 "$SRC/examples/embed.py" && pooled python-env "$TMP/out"

# --- a CMake project: find_package(mscmeta) from P, shared and static
run cmake-configure 0 -- "$CMAKE" -S "$SRC/examples/cmake" -B "$TMP/consumer" \
    -DCMAKE_PREFIX_PATH="$P" -DCMAKE_C_COMPILER="$CC" -DCMAKE_C_FLAGS="$SAN_FLAGS" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF &&
    ok cmake-found-in-prefix grep -qx "mscmeta_DIR:PATH=$L/cmake/mscmeta" "$TMP/consumer/CMakeCache.txt" &&
    run cmake-build 0 -- "$CMAKE" --build "$TMP/consumer" &&
    run cmake-run-shared 0 -- env -u LD_LIBRARY_PATH "$TMP/consumer/embed" &&
    pooled cmake-run-shared "$TMP/out" &&
    run cmake-run-static 0 -- env -u LD_LIBRARY_PATH "$TMP/consumer/embed_static" &&
    pooled cmake-run-static "$TMP/out"

finish install
