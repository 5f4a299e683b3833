#!/usr/bin/env bash
# The layers (README, Development): every `#include "..."` in src/<layer>/
# and cli/ must name a public header (mscmeta/...), a header of its own
# folder, or one of a layer below it. CMake's include paths already make
# such an include fail to compile; this also refuses relative paths
# ("../report/x.h") that would slip past them, and public headers that
# include private ones.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
declare -A below=([core]="" [io]="core" [stats]="core" [report]="core stats"
                  [plot]="core stats" [cli]="")
fails=0
check() { # file layer-folder allowed-folders...
    local f=$1 own=$2; shift 2
    local inc
    while read -r inc; do
        case $inc in
        *..*) echo "FAIL $f: relative include \"$inc\""; fails=$((fails + 1)); continue ;;
        mscmeta/*) [ -f "include/$inc" ] || [ -f "include/$inc.in" ] && continue ;;
        esac
        [ -f "$own/$inc" ] && continue
        local ok=0 d
        for d in "$@"; do [ -f "src/$d/$inc" ] && ok=1; done
        [ $ok = 1 ] && continue
        echo "FAIL $f: includes \"$inc\", which is not in $own or a layer below it"
        fails=$((fails + 1))
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
}
for layer in "${!below[@]}"; do
    dir=src/$layer; [ "$layer" = cli ] && dir=cli
    for f in "$dir"/*.[ch]; do
        [ -e "$f" ] || continue
        # shellcheck disable=SC2086
        check "$f" "$dir" ${below[$layer]}
    done
done
for f in include/mscmeta/*.h; do check "$f" include/mscmeta; done
for d in src/*/; do
    l=$(basename "$d")
    [ -n "${below[$l]+x}" ] || { echo "FAIL src/$l: a folder that is not a layer"; fails=$((fails + 1)); }
done
[ -z "$(ls src/*.[ch] 2>/dev/null)" ] || { echo "FAIL src/ holds files outside the layers"; fails=$((fails + 1)); }
[ $fails = 0 ] && echo "layers: every include stays in its layer or goes down"
exit $((fails > 0))
