#!/usr/bin/env bash
# mscmeta compare --forest (issue 10 section 4): a forest per outcome, one
# row per model, the exact Clopper-Pearson interval as a shaded band.
#  - SVG and PDF of the example data (three outcomes: one file each, as
#    pool --forest) and of a reference set (debruin2009.csv, one outcome):
#    each file whole (</svg>, %%EOF), every model label of the report in
#    the SVG, and each row's "estimate [lo, hi]" text equal to the
#    report's CSV numbers rounded to 3 decimals (the plot computes nothing);
#  - the footnote naming the Clopper-Pearson band; the band's rectangle;
#  - no two words collide in the PDF (text_overlap.sh, pdftotext -bbox);
#  - --sort is a usage error; a bad extension is a usage error.
# Usage: compare_forest.sh PATH/TO/mscmeta. Exit 77 (skipped) without
# gnuplot, pdftotext or python3.
set -u
BIN=$(cd "$(dirname "${1:?usage: compare_forest.sh PATH/TO/mscmeta}")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
for tool in gnuplot pdftotext python3; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$tool is not installed (scripts/install-deps.sh): compare forest tests skipped"
        exit 77
    fi
done
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"
cd "$ROOT" || exit 1

svg_whole() { [ "$(awk 'NF { l = $0 } END { print l }' "$1")" = "</svg>" ]; }
pdf_whole() { [ "$(head -c 5 "$1")" = "%PDF-" ] && tail -c 64 "$1" | grep -q '%%EOF'; }

# rows_match CSV SVG OUTCOME: every model row of the report's CSV for
# OUTCOME has its label and "est [lo, hi]" (3 decimals) as SVG text.
rows_match() {
    python3 - "$@" <<'PY'
import csv, html, re, sys
rows = [r for r in csv.DictReader(open(sys.argv[1])) if r["type"] == "model"
        and r["outcome"] == sys.argv[3]]
texts = {html.unescape(t) for t in re.findall(r"<text>(.*?)</text>", open(sys.argv[2]).read())}
bad = 0
if len(rows) != 11:
    print(f"{len(rows)} model rows in the CSV, want 11"); bad = 1
for r in rows:
    if r["label"] not in texts:
        print("label missing:", r["label"]); bad = 1
    if r["estimate"] in ("", "NA"):
        continue
    want = ["%.3f" % float(r["estimate"]), "[%.3f," % float(r["ci_lower"]),
            "%.3f]" % float(r["ci_upper"])]
    for w in want:
        if w not in texts:
            print(r["label"], "missing", w); bad = 1
sys.exit(bad)
PY
}

# draw NAME FILE OUTCOME...: SVG and PDF, each whole; labels and numbers
# against the CSV; the band's footnote; no collisions in the PDF.
draw() {
    local name=$1 file=$2
    shift 2
    local multi=$(($# > 1))
    run "$name-csv" 0 -- "$BIN" compare "$file" --format csv -o "$TMP/$name.csv" || return
    run "$name-svg" 0 -- "$BIN" compare "$file" --forest "$TMP/$name.svg" || return
    run "$name-pdf" 0 -- "$BIN" compare "$file" --forest "$TMP/$name.pdf" || return
    local o svg pdf
    for o in "$@"; do
        svg=$TMP/$name.svg pdf=$TMP/$name.pdf
        [ "$multi" = 1 ] && svg=$TMP/$name-$o.svg pdf=$TMP/$name-$o.pdf
        ok "$name-$o-svg-whole" svg_whole "$svg"
        ok "$name-$o-pdf-whole" pdf_whole "$pdf"
        ok "$name-$o-rows" rows_match "$TMP/$name.csv" "$svg" "$o"
        ok "$name-$o-footnote" grep -q "Clopper-Pearson 95% interval" "$svg"
        ok "$name-$o-band" grep -q "fill = 'rgb(220, 230, 242)'" "$svg"
        count=$((count + 1))
        "$HERE/text_overlap.sh" "$pdf" "$svg" >"$TMP/ov" 2>&1 ||
            { fail "$name-$o: words collide"; head -8 "$TMP/ov" | sed 's/^/  /'; }
    done
}

draw ex data/msc_autoimmune.csv responders adverse_events serious_adverse_events
draw debruin tests/reference/debruin2009.csv events

# the report is unchanged by --forest (with the plot options, a title
# with markup, a log axis per 100 and a reference line)
run report-forest 0 -- "$BIN" compare data/msc_autoimmune.csv --events responders \
    --forest "$TMP/r.png" --title "A & <b>" --xlim 30,90 --log --scale 100 --ref 0.5
cp "$TMP/out" "$TMP/with-forest.txt"
ok png-drawn test -s "$TMP/r.png"
run report-plain 0 -- "$BIN" compare data/msc_autoimmune.csv --events responders
ok report-same cmp -s "$TMP/out" "$TMP/with-forest.txt"

run sort-refused 2 -- "$BIN" compare data/msc_autoimmune.csv --sort n --forest "$TMP/s.svg"
one_line sort-message "--sort does not apply"
run bad-extension 2 -- "$BIN" compare data/msc_autoimmune.csv --forest "$TMP/x.gif"
ok bad-extension-nothing test ! -e "$TMP/x.gif"

finish compare_forest
