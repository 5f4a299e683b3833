#!/usr/bin/env bash
# The output corpus: runs every command in commands.tsv and compares a
# SHA-256 of what each produced (exit code, standard output, standard error
# and every file it wrote) with expected.sha256. A refactor must leave every
# line unchanged; a behaviour change updates the lines it changes, in the
# same commit, and says why.
#
#   tests/corpus/run.sh MSCMETA MSC_GEN            compare
#   tests/corpus/run.sh MSCMETA MSC_GEN --update   rewrite expected.sha256
#   MSC_CORPUS_KEEP=DIR tests/corpus/run.sh ...    keep every output in DIR
#
# Commands run in a scratch folder that holds data/ (the example data),
# ref/ (tests/reference/*.csv), hostile/ (tests/hostile/*.csv) and big.csv
# (3,000 studies from bench/gen), so that no absolute path reaches an output.
set -u
MSC=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
GEN=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
update=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mscmeta-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/data" "$work/ref" "$work/hostile"
cp "$top"/data/msc_autoimmune.csv "$work/data/"
cp "$top"/tests/reference/*.csv "$work/ref/"
cp "$top"/tests/hostile/*.csv "$work/hostile/"
"$GEN" 3000 7 > "$work/big.csv"
"$GEN" 40 3 5 60 -3.5 0.6 > "$work/rare.csv"

mkdir -p "$work/out"
got="$work/got.sha256"
: > "$got"
while IFS=$'\t' read -r id args; do
    case $id in ''|'#'*) continue ;; esac
    dir="$work/run/$id"
    mkdir -p "$dir"
    (
        cd "$work" || exit 99
        # shellcheck disable=SC2086
        eval "set -- $args"
        "$MSC" "$@" > "$dir/stdout" 2> "$dir/stderr"
        echo "exit $?" > "$dir/status"
        # files the command wrote under out/, moved beside the streams
        mv out "$dir/files" 2>/dev/null
        mkdir out
    )
    h=$(cd "$dir" && find . -type f | LC_ALL=C sort | while read -r f; do
            printf '%s\n' "$f"; cat "$f"; done | sha256sum | cut -d' ' -f1)
    printf '%s  %s\n' "$h" "$id" >> "$got"
    rm -rf "$work/out"; mkdir -p "$work/out"
done < "$here/commands.tsv"

if [ -n "${MSC_CORPUS_KEEP:-}" ]; then
    rm -rf "$MSC_CORPUS_KEEP"; mkdir -p "$MSC_CORPUS_KEEP"
    cp -r "$work/run/." "$MSC_CORPUS_KEEP/"
fi
if [ "$update" = --update ]; then
    cp "$got" "$here/expected.sha256"
    echo "corpus: wrote $(wc -l < "$got") hashes to expected.sha256"
    exit 0
fi
if diff -u "$here/expected.sha256" "$got" > "$work/diff"; then
    echo "corpus: $(wc -l < "$got") outputs unchanged"
    exit 0
fi
echo "corpus: outputs changed (- expected, + got):"
grep '^[-+][0-9a-f]' "$work/diff"
exit 1
