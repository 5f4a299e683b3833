#!/usr/bin/env bash
# Text that holds on any machine (issue 13): no two words of a plot
# collide, checked on the PDF's word boxes (text_overlap.sh, pdftotext
# -bbox) against the same plot as SVG, under two fontconfigs:
#   metric  the machine's, where "Liberation Sans" must resolve to Liberation
#           Sans (scripts/install-deps.sh installs fonts-liberation2): the
#           layout's own metrics, and no warning;
#   dejavu  a fontconfig that offers only the DejaVu fonts (FONTCONFIG_FILE):
#           mscmeta warns once and spaces text for a wider font.
# Plots: forest and funnel, with and without subgroups, on the example data
# and on wide24.csv (24 studies, n up to 120,000, long labels, four that
# differ only at their end); the axis options (--log, --xlim, --scale,
# --sort) and a 150-study forest PDF of several pages.
# Usage: plot_text.sh PATH/TO/mscmeta. Exit 77 (skipped) without gnuplot or
# pdftotext (poppler-utils).
set -u
BIN=$(cd "$(dirname "${1:?usage: plot_text.sh PATH/TO/mscmeta}")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
DATA="$HERE/../../data/msc_autoimmune.csv"
WIDE="$HERE/wide24.csv"
for tool in gnuplot pdftotext fc-match; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$tool is not installed (scripts/install-deps.sh): plot text tests skipped"
        exit 77
    fi
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"

dejavu=$(dirname "$(fc-match -f '%{file}' 'DejaVu Sans')")
cat >"$TMP/dejavu.conf" <<CONF
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>$dejavu</dir>
  <cachedir>$TMP/fc-cache</cachedir>
</fontconfig>
CONF

fam=$(fc-match -f '%{family[0]}' 'Liberation Sans')
count=$((count + 1))
[ "$fam" = "Liberation Sans" ] ||
    fail "metric: fontconfig gives \"$fam\" for \"Liberation Sans\": install fonts-liberation2 (scripts/install-deps.sh)"

# check CONFIG NAME ARGS...: draws ARGS to NAME.pdf and NAME.svg and checks
# their words
check() {
    local cfg=$1 name=$2
    shift 2
    local env=()
    [ "$cfg" = dejavu ] && env=(FONTCONFIG_FILE="$TMP/dejavu.conf")
    local f
    for f in pdf svg; do
        run "$cfg-$name-$f" 0 -- env "${env[@]}" "$BIN" "$@" -o "$TMP/$cfg-$name.$f" || return
        if [ "$cfg" = dejavu ]; then
            one_line "$cfg-$name-$f-warning" "warning: fontconfig gives .* wider font"
        else
            ok "$cfg-$name-$f-no-warning" test ! -s "$TMP/err"
        fi
    done
    count=$((count + 1))
    "$HERE/text_overlap.sh" "$TMP/$cfg-$name.pdf" "$TMP/$cfg-$name.svg" >"$TMP/ov" 2>&1 ||
        { fail "$cfg-$name: words collide"; head -8 "$TMP/ov" | sed 's/^/  /'; }
}

# 150 studies: a PDF forest of several pages
awk 'BEGIN { srand(5); print "study,grp,n,responders";
    for (i = 1; i <= 150; i++) { n = 10 + int(rand() * 190); printf "Study %d,%s,%d,%d\n", i, (i % 2 ? "A" : "B"), n, int(rand() * (n / 3)) } }' \
    >"$TMP/k150.csv"

TITLE="Responders to mesenchymal stem cells in 24 studies with long names and up to 120,000 \
patients each: a title that wraps onto a second line, then a third, and is then cut in its middle"
for cfg in metric dejavu; do
    check "$cfg" ex-forest forest "$DATA" --events responders
    check "$cfg" ex-forest-groups forest "$DATA" --subgroup disease --events responders
    check "$cfg" ex-forest-glmm forest "$DATA" --method GLMM --events serious_adverse_events \
        --scale 100 --ref 0.05 --title "Serious adverse events, GLMM"
    check "$cfg" ex-funnel funnel "$DATA" --events responders
    check "$cfg" ex-funnel-groups funnel "$DATA" --subgroup disease --events responders
    check "$cfg" wide-forest forest "$WIDE" --events responders
    check "$cfg" wide-forest-groups forest "$WIDE" --subgroup region --events adverse_events \
        --scale 1000
    check "$cfg" wide-forest-title forest "$WIDE" --events responders --title "$TITLE"
    check "$cfg" wide-funnel funnel "$WIDE" --events responders --title "$TITLE"
    check "$cfg" wide-funnel-groups funnel "$WIDE" --subgroup region --events responders
    # the axis options, and a forest PDF that breaks across pages
    check "$cfg" wide-forest-log forest "$WIDE" --events adverse_events --log --scale 1000 \
        --sort estimate
    check "$cfg" wide-forest-xlim forest "$WIDE" --subgroup region --events responders \
        --xlim 0.2,0.6 --sort n
    check "$cfg" wide-funnel-scale funnel "$WIDE" --events adverse_events --scale 1000
    check "$cfg" wide-funnel-log funnel "$WIDE" --subgroup region --events adverse_events --log
    check "$cfg" k150-forest-pages forest "$TMP/k150.csv" --subgroup grp
done

finish plot_text
