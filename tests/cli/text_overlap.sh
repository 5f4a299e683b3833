#!/usr/bin/env bash
# Checks that no two words of a plot collide, from where the PDF viewer
# would put them: `pdftotext -bbox` gives every word's box, and no two
# boxes on a page may overlap (by more than EPS points, default 0.05).
#
# pdftotext joins two pieces of text into one word when the gap between
# them is under a tenth of the font size (or they overlap by up to a fifth
# of it): a collision that no box shows. Given the same plot as SVG (the
# same layout: each label one <text>), every word of the PDF must also be
# part of a word of some label; "0.667[0.223," is not.
#
# For any plot: render it to PDF (and SVG), then
#   tests/cli/text_overlap.sh PLOT.pdf [PLOT.svg]
# Prints each collision ("page 1: "0.504" [456.9,488.5] and "[0.355,"
# [481.8,521.7] at y 132.1") and exits 1; exits 0 when there is none, 2 on
# a usage error or when pdftotext is missing (poppler-utils).
set -u
pdf=${1:?usage: text_overlap.sh PLOT.pdf [PLOT.svg]}
svg=${2:-}
eps=${EPS:-0.05}
command -v pdftotext >/dev/null 2>&1 || {
    echo "text_overlap.sh: pdftotext not found (Debian: poppler-utils)" >&2
    exit 2
}
[ -r "$pdf" ] || { echo "text_overlap.sh: cannot read $pdf" >&2; exit 2; }
[ -z "$svg" ] || [ -r "$svg" ] || { echo "text_overlap.sh: cannot read $svg" >&2; exit 2; }

words=$(mktemp)
labels=$(mktemp)
trap 'rm -f "$words" "$labels"' EXIT

# entities TEXT: XML character references and the five named entities decoded
# (the ones gnuplot and pdftotext write)
decode='function decode(s) {
    gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&quot;/, "\"", s)
    gsub(/&apos;/, "'"'"'", s); gsub(/&#39;/, "'"'"'", s); gsub(/&amp;/, "\\&", s); return s }'

# One line per word: page xMin yMin xMax yMax text
pdftotext -bbox "$pdf" - | awk "$decode"'
    /<page / { page++ }
    /<word / {
        n = split($0, a, "\"")
        t = $0; sub(/^[^>]*>/, "", t); sub(/<\/word>.*$/, "", t)
        printf "%d %s %s %s %s %s\n", page, a[2], a[4], a[6], a[8], decode(t) }' >"$words"
[ -s "$words" ] || { echo "text_overlap.sh: $pdf has no text" >&2; exit 2; }

fails=0
# Boxes: sorted by page and top; each word against the words below it
# that start above its bottom.
sort -k1,1n -k3,3g "$words" | awk -v eps="$eps" '
    { p[NR] = $1; x0[NR] = $2; y0[NR] = $3; x1[NR] = $4; y1[NR] = $5
      t = $0; for (i = 1; i <= 5; i++) sub(/^[^ ]+ /, "", t); w[NR] = t }
    END {
        for (i = 1; i <= NR; i++)
            for (j = i + 1; j <= NR && p[j] == p[i] && y0[j] < y1[i] - eps; j++)
                if (x0[j] < x1[i] - eps && x0[i] < x1[j] - eps && y1[j] > y0[i] + eps) {
                    printf "page %d: \"%s\" [%.1f,%.1f] and \"%s\" [%.1f,%.1f] at y %.1f\n",
                        p[i], w[i], x0[i], x1[i], w[j], x0[j], x1[j], y0[j]
                    bad++
                }
        exit bad > 0 }' || fails=1

if [ -n "$svg" ]; then
    # Every label of the SVG, one per line (gnuplot writes <text>...</text>
    # on one line), then each PDF word that is part of no label word.
    sed -n 's/.*<text>\(.*\)<\/text>.*/\1/p' "$svg" | awk "$decode"'{ print decode($0) }' >"$labels"
    awk '
        NR == FNR { n = split($0, a, /[ \t]+/); for (i = 1; i <= n; i++) if (a[i] != "") lw[a[i]] = 1; next }
        { t = $0; for (i = 1; i <= 5; i++) sub(/^[^ ]+ /, "", t)
          if (t in lw) next
          found = 0
          for (l in lw) if (index(l, t)) { found = 1; break }
          if (!found) { printf "page %d: \"%s\" at [%.1f,%.1f] y %.1f is no label'"'"'s word: labels run together\n", $1, t, $2, $4, $3; bad++ } }
        END { exit bad > 0 }' "$labels" "$words" || fails=1
fi
exit "$fails"
