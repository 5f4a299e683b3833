#!/bin/sh
# Assembles the fuzz seed corpora from the CSV files in data/, tests/reference/
# and tests/hostile/ (small ones only; the huge hostile cases are generated at
# test time), each behind a few option prefixes (see fuzz/harness_*.c for the
# meaning of the prefix bytes), plus the saved crashing inputs in
# tests/regress/. Output: fuzz/corpus-load/, fuzz/corpus-pipeline/,
# fuzz/corpus-quote/ (git-ignored). Files are named by content hash, so
# running this again only adds what is new.
# Usage: fuzz/make_corpus.sh [OUTDIR]   (default: the fuzz/ directory)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/fuzz}

add() { # add DIR PREFIX_HEX FILE: writes PREFIX + FILE into DIR under its hash
    dir=$1 prefix=$2 file=$3
    tmp=$(mktemp)
    : > "$tmp"
    while [ -n "$prefix" ]; do # hex pairs -> bytes (octal escapes: POSIX printf)
        rest=${prefix#??}
        # shellcheck disable=SC2059
        printf "\\$(printf %o "0x${prefix%"$rest"}")" >> "$tmp"
        prefix=$rest
    done
    cat "$file" >> "$tmp"
    sum=$(sha1sum "$tmp" | cut -c1-40)
    mv "$tmp" "$dir/$sum"
}

mkdir -p "$out/corpus-load" "$out/corpus-pipeline" "$out/corpus-quote"
n=0
for f in "$root"/data/*.csv "$root"/tests/reference/*.csv "$root"/tests/hostile/*.csv; do
    [ -f "$f" ] || continue
    [ "$(wc -c < "$f")" -le 65536 ] || continue
    # loader: defaults; --events events; + --subgroup disease; ';'; tab
    for p in 00000000 00010000 00010b00 02000000 03010000; do add "$out/corpus-load" $p "$f"; done
    # pipeline: PLO REML (defaults); PFT DL knha; PR FE; PLN PM z-PI Wilson 0.99 cc=1 all;
    # PAS ML summary subgroup disease; GLMM; defaults + subgroup disease
    for p in 0206000000000600 0401010000000001 0000000000000001 01080a0203020001 \
             0305c000000000a1 0209000000000601 02068000000006a0 0209000000280600 \
             0206000000280600; do
        add "$out/corpus-pipeline" $p "$f"
    done
    n=$((n + 1))
done
# Labels from the corpus files are good seeds for the quoting harness too.
for f in "$root"/tests/hostile/*.csv; do
    [ -f "$f" ] && [ "$(wc -c < "$f")" -le 4096 ] || continue
    add "$out/corpus-quote" 00 "$f"   # a buffer that fits
    add "$out/corpus-quote" 10 "$f"   # 16 bytes: cut
done
# Hostile strings of our own: backquotes, macros, quotes, escapes, controls.
for s in "\`touch /tmp/pwned\`" "@GPVAL_PWD" "it's" "''" "a\\nb" "\"\`id\`\"" \
         "system('id')" "x\033[2Jy" "\302\205" "\377\376" "\303\251\342\202\254"; do
    tmp=$(mktemp)
    # shellcheck disable=SC2059 # the escapes in $s are the point
    printf "$s" > "$tmp"
    add "$out/corpus-quote" 00 "$tmp"
    rm -f "$tmp"
done
# Saved crashes (tests/regress/<harness>-*) go back into their harness's corpus.
for f in "$root"/tests/regress/*; do
    [ -f "$f" ] || continue
    h=$(basename "$f" | sed 's/-.*//')
    [ -d "$out/corpus-$h" ] && cp "$f" "$out/corpus-$h/"
done
echo "make_corpus: $n CSV files -> $(ls "$out/corpus-load" | wc -l) load, $(ls "$out/corpus-pipeline" | wc -l) pipeline, $(ls "$out/corpus-quote" | wc -l) quote seeds"
