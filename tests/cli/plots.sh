#!/usr/bin/env bash
# End-to-end tests of the plots (issue 4): `mscmeta forest`, `funnel` and
# `pool --forest`. Renders PNG, SVG and PDF and checks the files (PNG
# signature and size, every study label as text in the SVG, the PDF
# header); hostile study names, subgroup names, titles and output paths
# run nothing and are drawn literally; 60 studies give label rows at least
# a line apart; a missing gnuplot is exit 4 while `pool --forest` still
# prints the numbers; nothing partial is left behind; a named pipe and a
# link to /dev/stdout get the whole picture; GLMM studies without a logit
# are left off the funnel with a note; outcome names that clean up alike
# get files of their own.
# Usage: plots.sh PATH/TO/mscmeta (from ctest). Exit 77 (skipped) without gnuplot.
set -u
BIN=$(cd "$(dirname "${1:?usage: plots.sh PATH/TO/mscmeta}")" && pwd)/$(basename "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
DATA="$HERE/../../data/msc_autoimmune.csv"
if ! command -v gnuplot >/dev/null 2>&1; then
    echo "gnuplot is not installed (Debian: gnuplot-nox): plot tests skipped"
    exit 77
fi
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
cd "$TMP" || exit 1 # commands in the hostile names below would touch files here
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"

is_png() { # FILE: PNG signature, a real size, at least 400 x 200 pixels
    [ -f "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
        [ "$(wc -c <"$1")" -gt 5000 ] &&
        [ "$(od -An -tu1 -j16 -N8 "$1" | awk '{ print ($1*16777216+$2*65536+$3*256+$4 >= 400) && ($5*16777216+$6*65536+$7*256+$8 >= 200) }')" = 1 ]
}
is_pdf() { [ -f "$1" ] && [ "$(head -c 5 "$1")" = "%PDF-" ] && [ "$(wc -c <"$1")" -gt 2000 ]; }
# svg_text FILE TEXT: <text>TEXT</text>, with TEXT XML-escaped as gnuplot does (& and <)
svg_text() {
    local t
    t=$(printf '%s' "$2" | sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g')
    grep -Fq -- "<text>$t</text>" "$1"
}
no_temp_left() { ! find "$1" -name '.mscmeta-*' | grep -q .; }

# --- formats; several outcomes give one file each
run png-all 0 -- "$BIN" forest "$DATA" -o "$TMP/f.png"
for o in responders adverse_events serious_adverse_events; do
    ok "png-$o" is_png "$TMP/f-$o.png"
    ok "png-listed-$o" grep -Fqx "$TMP/f-$o.png" "$TMP/out"
done
ok png-no-plain-name test ! -e "$TMP/f.png"
run svg-one 0 -- "$BIN" forest "$DATA" --events responders -o "$TMP/r.svg"
ok svg-as-given test -s "$TMP/r.svg"
if command -v xmllint >/dev/null 2>&1; then ok svg-well-formed xmllint --noout "$TMP/r.svg"; fi
for s in "Harris 2016" "Harris 2018" "Karussis 2010" "Yamout 2010" "Petrou 2021" \
    "Liang 2010" "Wang 2014" "Deng 2017" "Yang 2017" "Common effect model" \
    "Random effects model" "Prediction interval" "Proportion [95% CI]"; do
    ok "svg-label-$s" svg_text "$TMP/r.svg" "$s"
done
run pdf 0 -- "$BIN" forest "$DATA" --events serious_adverse_events -o "$TMP/s.pdf"
ok pdf-header is_pdf "$TMP/s.pdf"
if command -v pdftotext >/dev/null 2>&1; then
    pdftotext "$TMP/s.pdf" "$TMP/s.txt"
    ok pdf-text grep -q "Alvaro-Gracia 2017" "$TMP/s.txt"
fi
run funnel 0 -- "$BIN" funnel "$DATA" --events responders -o "$TMP/fun.png"
ok funnel-png is_png "$TMP/fun.png"
run funnel-svg 0 -- "$BIN" funnel "$DATA" --subgroup disease --events responders -o "$TMP/fun.svg"
ok funnel-legend svg_text "$TMP/fun.svg" "SLE"

# --- subgroups, scale, reference line, title
run subgroups 0 -- "$BIN" forest "$DATA" --subgroup disease --events responders --scale 100 --method REML \
    --ref 0.5 --title "MSC: responders by disease" -o "$TMP/g.svg"
ok subgroup-ref-note grep -q "Dashed line: reference at 50 per 100" "$TMP/g.svg"
for s in MS SLE RA "Per 100 [95% CI]" "MSC: responders by disease" "66.7"; do
    ok "subgroup-text-$s" svg_text "$TMP/g.svg" "$s"
done
ok subgroup-test grep -q "Test for subgroup differences (random effects): Q = 2.53, df = 2" "$TMP/g.svg"
run glmm 0 -- "$BIN" forest "$DATA" --method GLMM --events responders -o "$TMP/glmm.svg"
ok glmm-dash svg_text "$TMP/glmm.svg" "—"
ok glmm-footnote grep -q "no inverse-variance study weights" "$TMP/glmm.svg"
# GLMM without a continuity correction: a study at 0 events has no logit
# (yi, vi undefined); the funnel leaves it out and says so (not "nan" in
# the script); with every study at 0 there is nothing to draw but the notes
printf 'study,n,responders\nA,10,0\nB,20,5\nC,15,7\nD,30,12\n' >"$TMP/z.csv"
run funnel-glmm-zero 0 -- "$BIN" funnel "$TMP/z.csv" --method GLMM --cc-mode none -o "$TMP/z.svg"
ok funnel-glmm-zero-note svg_text "$TMP/z.svg" \
    "Not shown: 1 study with 0 or n events (no logit without a continuity correction)"
ok funnel-glmm-zero-points test "$(grep -c "fill-opacity = '0.850000'" "$TMP/z.svg")" = 3
printf 'study,g,n,responders\nA,x,10,0\nB,y,20,0\nC,x,15,0\n' >"$TMP/z0.csv"
run funnel-glmm-all-zero 0 -- "$BIN" funnel "$TMP/z0.csv" --method GLMM --cc-mode none \
    --subgroup g -o "$TMP/z0.svg"
ok funnel-glmm-all-zero-note svg_text "$TMP/z0.svg" \
    "Not shown: 3 studies with 0 or n events (no logit without a continuity correction)"
run funnel-glmm-zero-default-cc 0 -- "$BIN" funnel "$TMP/z.csv" --method GLMM -o "$TMP/zc.svg"
ok funnel-glmm-zero-default-cc-all \
    test "$(grep -c "fill-opacity = '0.850000'" "$TMP/zc.svg")" = 4
ok funnel-glmm-zero-default-cc-no-note test -z "$(grep -l 'Not shown' "$TMP/zc.svg")"

# --- pool --forest: the numbers, then one file per outcome
run pool-forest 0 -- "$BIN" pool "$DATA" --forest "$TMP/p.png"
ok pool-forest-numbers grep -q "^Random effects (GLMM)" "$TMP/out"
for o in responders adverse_events serious_adverse_events; do ok "pool-forest-$o" is_png "$TMP/p-$o.png"; done

# --- hostile names, titles and paths: nothing runs, all drawn literally
PW=pwned # relative: gnuplot runs in $TMP
cat >"$TMP/hostile.csv" <<EOF
study,group,n,responders
"x\`touch $PW-1\`y",g\`touch $PW-2\`,20,5
"'; system(""touch $PW-3""); '","h'; system('touch $PW-4'); '",30,12
"'''''';system(""touch $PW-5"");'''''",g\`touch $PW-2\`,25,10
"@GPVAL_PWD ^_{} & <b> back\\slash",plain,40,22
"'t Hart 2019",plain,12,3
EOF
mkdir -p "$TMP/o'd \`touch $PW-6\` |x"
OUT="$TMP/o'd \`touch $PW-6\` |x/\`touch $PW-7\`'.svg"
run hostile 0 -- "$BIN" forest "$TMP/hostile.csv" --subgroup group \
    --title "T \`touch $PW-8\` '; system('touch $PW-9'); ' @GPVAL_PWD" -o "$OUT"
ok hostile-file test -s "$OUT"
ok hostile-nothing-ran test -z "$(find "$TMP" -name 'pwned*' -print)"
for s in "x\`touch $PW-1\`y" "'; system(\"touch $PW-3\"); '" \
    "'''''';system(\"touch $PW-5\");'''''" "@GPVAL_PWD ^_{} & <b> back\\slash" "'t Hart 2019" \
    "g\`touch $PW-2\`" "h'; system('touch $PW-4'); '" \
    "T \`touch $PW-8\` '; system('touch $PW-9'); ' @GPVAL_PWD"; do
    ok "hostile-literal: $s" svg_text "$OUT" "$s"
done
# an output folder whose name starts with '|' (gnuplot would read '|...' as a pipe)
mkdir -p "|touch $PW-10"
run pipe-dir 0 -- "$BIN" forest "$DATA" --events responders -o "|touch $PW-10/x.png"
ok pipe-dir-no-run test ! -e "$PW-10"
ok pipe-dir-file is_png "$TMP/|touch $PW-10/x.png"

# --- 60 studies: every label, and label rows at least one line apart
awk 'BEGIN { srand(7); print "study,n,responders";
    for (i = 1; i <= 60; i++) { n = 10 + int(rand() * 90); printf "Study %02d (%d),%d,%d\n", i, 1990 + i % 30, n, int(rand() * (n + 1)) } }' \
    >"$TMP/k60.csv"
run k60 0 -- "$BIN" forest "$TMP/k60.csv" -o "$TMP/k60.svg"
missing=0
for i in $(seq -w 1 60); do grep -Fq "<text>Study $i (" "$TMP/k60.svg" || missing=$((missing + 1)); done
ok k60-all-labels test "$missing" = 0
# left-anchored texts in the label column: x of "Study 01", every y, the font size
awk -v want=60 '
    /<g transform="translate\(/ {
        match($0, /translate\([0-9.]+,[0-9.]+\)/); split(substr($0, RSTART + 10, RLENGTH - 11), xy, ",")
        match($0, /font-size="[0-9.]+"/); fs = substr($0, RSTART + 11, RLENGTH - 12) + 0
        start = index($0, "text-anchor=\"start\"") > 0; next_is = 1; next }
    next_is && /<text>/ { next_is = 0
        if (start && $0 ~ /<text>Study [0-9][0-9] \(/) { n++; x[n] = xy[1]; y[n] = xy[2]; f[n] = fs } }
    END {
        if (n != want) { print "label texts: " n ", want " want; exit 1 }
        for (i = 2; i <= n; i++) {
            if (x[i] != x[1]) { print "label " i " not aligned: x " x[i] " vs " x[1]; exit 1 }
            if (y[i] - y[i - 1] < f[i]) { print "labels " i - 1 " and " i " overlap: " y[i - 1] ", " y[i] " (font " f[i] ")"; exit 1 }
        }
    }' "$TMP/k60.svg" >"$TMP/k60.msg" 2>&1
ok "k60-rows-apart $(cat "$TMP/k60.msg")" test ! -s "$TMP/k60.msg"

# --- failures: exit codes, no partial files
mkdir -p "$TMP/nognuplot"
PATH_NO=/nonexistent-mscmeta-dir
run missing-gnuplot 4 -- env PATH="$PATH_NO" "$BIN" forest "$DATA" -o "$TMP/nognuplot/f.png"
ok missing-gnuplot-message grep -q "gnuplot-nox" "$TMP/err"
run missing-gnuplot-pool 4 -- env PATH="$PATH_NO" "$BIN" pool "$DATA" --forest "$TMP/nognuplot/p.png"
ok missing-gnuplot-pool-numbers grep -q "^Random effects (GLMM)" "$TMP/out"
ok missing-gnuplot-no-files test -z "$(ls -A "$TMP/nognuplot")"
run bad-extension 2 -- "$BIN" forest "$DATA" -o "$TMP/f.jpg"
ok bad-extension-message grep -q "png, .svg or .pdf" "$TMP/err"
ok bad-extension-first test ! -s "$TMP/out"
run bad-extension-pool 2 -- "$BIN" pool "$DATA" --forest "$TMP/f.gif"
ok bad-extension-pool-no-numbers test ! -s "$TMP/out"
cp "$DATA" "$TMP/in.png"
run same-as-input 2 -- "$BIN" forest "$TMP/in.png" -o "$TMP/in.png"
ok same-as-input-untouched cmp -s "$DATA" "$TMP/in.png"
run no-such-dir 4 -- "$BIN" forest "$DATA" -o "$TMP/no/such/dir/f.png"
ok no-temp-left no_temp_left "$TMP"

# --- a named pipe, and a link to /dev/stdout read through a pipe: the
# picture arrives whole (a FIFO has size 0: not "gnuplot wrote no picture";
# gnuplot opening /dev/stdout itself would write into its own output)
mkdir -p "$TMP/pipetmp"
mkfifo "$TMP/fifo.svg"
cat "$TMP/fifo.svg" >"$TMP/fifo-read.svg" &
reader=$!
run fifo 0 -- env TMPDIR="$TMP/pipetmp" "$BIN" forest "$DATA" --events responders -o "$TMP/fifo.svg"
for _ in $(seq 50); do kill -0 "$reader" 2>/dev/null || break; sleep 0.1; done
kill "$reader" 2>/dev/null # never left waiting for a writer that failed early
wait "$reader" 2>/dev/null
ok fifo-picture svg_text "$TMP/fifo-read.svg" "Karussis 2010"
ok fifo-whole grep -q '</svg>' "$TMP/fifo-read.svg"
ln -s /dev/stdout "$TMP/stdout.svg"
count=$((count + 1))
env TMPDIR="$TMP/pipetmp" "$BIN" funnel "$DATA" --events responders -o "$TMP/stdout.svg" 2>"$TMP/err" |
    cat >"$TMP/piped.svg"
st=${PIPESTATUS[0]}
[ "$st" = 0 ] || fail "stdout-pipe: exit $st, want 0 ($(head -1 "$TMP/err"))"
ok stdout-pipe-picture svg_text "$TMP/piped.svg" "Standard error"
ok stdout-pipe-only-picture test "$(awk 'NF { l = $0 } END { print l }' "$TMP/piped.svg")" = "</svg>"
ok pipe-no-temp-left test -z "$(ls -A "$TMP/pipetmp")"

# --- sensitivity plots (issue 11). Expected numbers from metafor 3.8-1:
# d <- subset(read.csv("data/msc_autoimmune.csv"), !is.na(responders));
# m <- rma(yi, vi, data = escalc("PLO", xi = responders, ni = n, data = d));
# leave1out(m, transf = transf.ilogit)[1] is 0.575 [0.467, 0.675], I2 39.5%;
# cumul(m, transf = transf.ilogit)[2] is 0.459 [0.200, 0.742]; on
# tests/reference/sens_k60.csv trimfill(m) fills 12 studies on the left,
# adjusted transf.ilogit: 0.380 [0.337, 0.426].
run forest-loo 0 -- "$BIN" forest "$DATA" --events responders --leave-one-out -o "$TMP/loo.svg"
for s in "Omitted study" "Harris 2016" "0.575" "[0.467," "0.675]" "39.5%"; do
    ok "forest-loo-$s" svg_text "$TMP/loo.svg" "$s"
done
ok forest-loo-note svg_text "$TMP/loo.svg" \
    "Each row: the model refitted without the study named (τ² re-estimated); events and N of the studies kept."
run forest-loo-groups 0 -- "$BIN" forest "$DATA" --events responders --subgroup disease --leave-one-out -o "$TMP/loog.svg"
ok forest-loo-groups-all svg_text "$TMP/loog.svg" "All studies"
ok forest-loo-groups-ms svg_text "$TMP/loog.svg" "MS"
run forest-cumul 0 -- "$BIN" forest "$DATA" --events responders --cumulative -o "$TMP/cum.svg"
for s in "Added study" "[0.200," "0.742]" "0.459"; do
    ok "forest-cumul-$s" svg_text "$TMP/cum.svg" "$s"
done
run forest-cumul-col 0 -- "$BIN" forest "$DATA" --events responders --cumulative year -o "$TMP/cumy.svg"
ok forest-cumul-col-note grep -q "ascending order of the order column" "$TMP/cumy.svg"
run forest-loo-and-cumul 2 -- "$BIN" forest "$DATA" --leave-one-out --cumulative -o "$TMP/x.svg"
run funnel-tf 0 -- "$BIN" funnel "$HERE/../reference/sens_k60.csv" --trim-fill -o "$TMP/tf.svg"
ok funnel-tf-note svg_text "$TMP/tf.svg" \
    "Open circles: 12 filled by trim and fill (L0, left); dash-dotted: adjusted 0.380 [0.337, 0.426]"
ok funnel-tf-no-few-note test -z "$(grep -l 'Only [0-9]* stud' "$TMP/tf.svg")"
run funnel-few 0 -- "$BIN" funnel "$DATA" --events responders -o "$TMP/few.svg"
ok funnel-few-note svg_text "$TMP/few.svg" \
    "Only 9 studies: too few (below 10) to tell asymmetry from chance"
ok funnel-few-no-tf test -z "$(grep -l 'Open circles' "$TMP/few.svg")"

# --- outcome names become file names safely; default output folder
printf 'study,n,events/1,my col,..\nA,10,3,4,1\nB,20,5,6,2\n' >"$TMP/names.csv"
run names 0 -- "$BIN" forest "$TMP/names.csv" --events "events/1" --events "my col" --events ".." -o "$TMP/nm.svg"
ok names-slash test -s "$TMP/nm-events_1.svg"
ok names-space test -s "$TMP/nm-my_col.svg"
ok names-dots test -s "$TMP/nm-outcome3.svg"
# names that clean up alike get files of their own, even when the suffix
# makes another outcome's name ("a?b" -> a_b -> a_b_3, taken: a_b_4)
printf 'study,n,a_b_3,a b,a?b\nA,10,3,4,1\nB,20,5,6,2\n' >"$TMP/clash.csv"
run clash 0 -- "$BIN" forest "$TMP/clash.csv" --events a_b_3 --events "a b" --events "a?b" \
    -o "$TMP/cl.svg"
ok clash-three-listed test "$(sort -u "$TMP/out" | wc -l)" = 3
ok clash-a_b_3 svg_text "$TMP/cl-a_b_3.svg" "A b 3 (proportion)"
ok clash-a_b svg_text "$TMP/cl-a_b.svg" "A b (proportion)"
ok clash-a?b svg_text "$TMP/cl-a_b_4.svg" "A?b (proportion)"
mkdir -p "$TMP/cwd"
(cd "$TMP/cwd" && "$BIN" forest "$DATA" --events responders >/dev/null 2>&1)
ok default-output is_png "$TMP/cwd/plots/forest.png"

finish plots
