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
# the SVG's <title> is the outcome (or --title, escaped); its fonts name
# the metric-compatible list, not gnuplot's single name
ok svg-title grep -Fqx "<title>Responders</title>" "$TMP/r.svg"
ok svg-fonts grep -Fq "font-family=\"Helvetica, Arial, 'Liberation Sans', 'Nimbus Sans', sans-serif\"" "$TMP/r.svg"
run svg-title-escaped 0 -- "$BIN" funnel "$DATA" --events responders --title 'A <b> & "q"' -o "$TMP/te.svg"
ok svg-title-escaped-text grep -Fqx '<title>A &lt;b&gt; &amp; &quot;q&quot;</title>' "$TMP/te.svg"
ok svg-one-font-name test -z "$(grep -E 'font-family="[^",]*"' "$TMP/r.svg")"
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
ok hostile-title grep -Fq "<title>T \`touch $PW-8\` '; system('touch $PW-9'); ' @GPVAL_PWD</title>" "$OUT"
if command -v xmllint >/dev/null 2>&1; then ok hostile-well-formed xmllint --noout "$OUT"; fi
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
        for (i = 2; i <= n; i++) # by y: gnuplot draws the labels in any order
            for (j = i; j > 1 && y[j] < y[j - 1]; j--) {
                t = y[j]; y[j] = y[j - 1]; y[j - 1] = t; t = x[j]; x[j] = x[j - 1]; x[j - 1] = t
                t = f[j]; f[j] = f[j - 1]; f[j - 1] = t }
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
run forest-loo 0 -- "$BIN" forest "$DATA" --events responders --method REML --leave-one-out -o "$TMP/loo.svg"
for s in "Omitted study" "Harris 2016" "0.575" "[0.467," "0.675]" "39.5%"; do
    ok "forest-loo-$s" svg_text "$TMP/loo.svg" "$s"
done
ok forest-loo-note svg_text "$TMP/loo.svg" \
    "Each row: the model refitted without the study named (τ² re-estimated); events and N of the studies kept."
run forest-loo-groups 0 -- "$BIN" forest "$DATA" --events responders --subgroup disease --leave-one-out -o "$TMP/loog.svg"
ok forest-loo-groups-all svg_text "$TMP/loog.svg" "All studies"
ok forest-loo-groups-ms svg_text "$TMP/loog.svg" "MS"
run forest-cumul 0 -- "$BIN" forest "$DATA" --events responders --method REML --cumulative -o "$TMP/cum.svg"
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

# --- the user's ~/.gnuplot never runs inside a plot (gnuplot -d)
mkdir -p "$TMP/home"
printf 'system("touch %s/init-ran")\n' "$TMP" >"$TMP/home/.gnuplot"
run init-file 0 -- env HOME="$TMP/home" "$BIN" forest "$DATA" --events responders -o "$TMP/init.svg"
ok init-file-not-run test ! -e "$TMP/init-ran"

# --- a picture gnuplot could not write whole (here a file-size limit, with
# SIGXFSZ ignored so that its writes fail, as on a full disk) is never kept:
# exit 4, and an existing picture keeps its content
cp "$TMP/r.svg" "$TMP/keep.svg"
cp "$TMP/r.svg" "$TMP/keep-before.svg"
mkdir -p "$TMP/fsz"
for f in png pdf; do
    run "truncated-$f" 4 -- bash -c 'trap "" XFSZ; ulimit -f 24; exec "$@"' sh \
        "$BIN" forest "$DATA" --subgroup disease --events responders -o "$TMP/fsz/t.$f" &&
        one_line "truncated-$f-message" "t\\.$f: the picture is incomplete"
    ok "truncated-$f-no-file" test ! -e "$TMP/fsz/t.$f"
done
run truncated-svg-keeps-old 4 -- bash -c 'trap "" XFSZ; ulimit -f 24; exec "$@"' sh \
    "$BIN" forest "$DATA" --subgroup disease --events responders -o "$TMP/keep.svg"
ok truncated-svg-old-content cmp -s "$TMP/keep.svg" "$TMP/keep-before.svg"
ok truncated-no-temp-left no_temp_left "$TMP"

# --- a file-size limit (ulimit -f) is a write error, exit 4 with a
# message, not death by SIGXFSZ; no temporary file is left
mkdir -p "$TMP/fsz2"
run fsize-forest 4 -- bash -c 'ulimit -f 8; exec "$@"' sh \
    "$BIN" forest "$DATA" --events responders -o "$TMP/fsz2/f.svg" &&
    one_line fsize-forest-message "File too large"
run fsize-pool 4 -- bash -c 'ulimit -f 8; exec "$@"' sh \
    "$BIN" pool "$TMP/k60.csv" --format json -o "$TMP/fsz2/p.json" &&
    one_line fsize-pool-message "File too large"
ok fsize-no-temp-left test -z "$(ls -A "$TMP/fsz2")"

# --- gnuplot installed but unable to start (here a memory limit that its
# shared libraries do not fit in) is not reported as "not installed"
# (not in sanitizer builds, which cannot start under such a limit themselves)
if bash -c 'ulimit -v 60000; exec "$@"' sh "$BIN" --version >/dev/null 2>&1; then
    run vlimit 4 -- bash -c 'ulimit -v 60000; exec "$@"' sh \
        "$BIN" forest "$DATA" --events responders -o "$TMP/vl.svg" &&
        one_line vlimit-message "gnuplot could not be started: .*(shared|memory)"
    ok vlimit-not-missing test -z "$(grep -l 'not installed' "$TMP/err")"
else
    echo "vlimit: skipped ($BIN cannot start under ulimit -v 60000)"
fi

# --- PDF is reproducible: no clock time inside (/CreationDate), or the
# date SOURCE_DATE_EPOCH gives
run pdf-again 0 -- "$BIN" forest "$DATA" --events serious_adverse_events -o "$TMP/s2.pdf"
sleep 1.1
run pdf-again2 0 -- "$BIN" forest "$DATA" --events serious_adverse_events -o "$TMP/s3.pdf"
ok pdf-reproducible cmp -s "$TMP/s2.pdf" "$TMP/s3.pdf"
run pdf-sde 0 -- env SOURCE_DATE_EPOCH=1700000000 "$BIN" forest "$DATA" \
    --events serious_adverse_events -o "$TMP/s4.pdf"
ok pdf-sde-date grep -aq "/CreationDate (D:20231114221320Z)" "$TMP/s4.pdf"
if command -v pdfinfo >/dev/null 2>&1; then
    ok pdf-blanked-valid sh -c 'pdfinfo "$1" >/dev/null' sh "$TMP/s2.pdf"
    ok pdf-sde-valid sh -c 'pdfinfo "$1" | grep -q "^CreationDate: .*2023"' sh "$TMP/s4.pdf"
fi

# --- 30,000 studies: the forest refuses at once with a hint (gnuplot took
# minutes); the funnel draws them (in seconds, but a loaded machine under
# AddressSanitizer has needed over a minute: the limit only catches a hang)
awk 'BEGIN { srand(5); print "study,n,responders";
    for (i = 1; i <= 30000; i++) { n = 10 + int(rand() * 90); printf "S%d,%d,%d\n", i, n, int(rand() * (n + 1)) } }' \
    >"$TMP/k30000.csv"
run k30000-forest 2 -- timeout 60 "$BIN" forest "$TMP/k30000.csv" -o "$TMP/k30000.svg" &&
    one_line k30000-forest-message "30000 studies .*at most 5000 rows: draw a funnel plot"
ok k30000-forest-no-file test ! -e "$TMP/k30000.svg"
run k30000-funnel 0 -- timeout 300 "$BIN" funnel "$TMP/k30000.csv" -o "$TMP/k30000.svg"
ok k30000-funnel-whole grep -q '</svg>' "$TMP/k30000.svg"

# --- a funnel legend of 40 subgroups: every name inside the canvas
awk 'BEGIN { srand(9); print "study,grp,n,responders";
    for (i = 1; i <= 80; i++) { n = 10 + int(rand() * 90); printf "S%d,Group %02d,%d,%d\n", i, (i - 1) % 40 + 1, n, int(rand() * (n + 1)) } }' \
    >"$TMP/g40.csv"
run g40-funnel 0 -- "$BIN" funnel "$TMP/g40.csv" --subgroup grp -o "$TMP/g40.svg"
awk '/^ *width=/ { match($0, /height="[0-9.]+"/); H = substr($0, RSTART + 8, RLENGTH - 9) + 0
                   match($0, /width="[0-9.]+"/); W = substr($0, RSTART + 7, RLENGTH - 8) + 0 }
    /<g transform="translate\(/ { match($0, /translate\([0-9.]+,[0-9.]+\)/)
        split(substr($0, RSTART + 10, RLENGTH - 11), xy, ","); next_is = 1; next }
    next_is && /<text>Group [0-9][0-9]<\/text>/ { n++; if (xy[2] + 0 > H - 5 || xy[1] + 0 > W - 20) bad++ }
    { next_is = 0 }
    END { if (n != 40 || bad) { print n " legend names, " bad + 0 " outside the canvas"; exit 1 } }' \
    "$TMP/g40.svg" >"$TMP/g40.msg" 2>&1
ok "g40-legend-inside $(cat "$TMP/g40.msg")" test ! -s "$TMP/g40.msg"

# --- new plot options (issue 13). Expected orders and ticks by hand from the
# example data (responders: Harris 2018 7/20 = 0.350 is the smallest
# proportion, Liang 2010 15/15 the largest; n from 6 to 50).
# studies FILE: the study labels of an SVG forest, top to bottom, comma-separated
# (gnuplot writes labels in reverse order of their tags, which count down)
studies() { grep -o '<text>[A-Z][a-z-]* 20[0-9][0-9]</text>' "$1" | sed 's/<[^>]*>//g' | tac | paste -sd, -; }
# numbers FILE: the plain-number texts of an SVG, the axis ticks first
numbers() { grep -o '<text>[0-9.]*</text>' "$1" | sed 's/<[^>]*>//g' | tac | paste -sd' ' -; }
run sort-estimate 0 -- "$BIN" forest "$DATA" --events responders --sort estimate -o "$TMP/se.svg"
ok sort-estimate-order test "$(studies "$TMP/se.svg")" = \
    "Harris 2018,Petrou 2021,Yamout 2010,Wang 2014,Yang 2017,Harris 2016,Karussis 2010,Deng 2017,Liang 2010"
run sort-n 0 -- "$BIN" forest "$DATA" --events responders --sort n -o "$TMP/sn.svg"
ok sort-n-order test "$(studies "$TMP/sn.svg")" = \
    "Harris 2016,Yamout 2010,Deng 2017,Karussis 2010,Liang 2010,Harris 2018,Petrou 2021,Wang 2014,Yang 2017"
# a column of the file: year is numeric (ties in file order)
run sort-col 0 -- "$BIN" forest "$DATA" --events responders --sort year -o "$TMP/sy.svg"
ok sort-col-order test "$(studies "$TMP/sy.svg")" = \
    "Karussis 2010,Yamout 2010,Liang 2010,Wang 2014,Harris 2016,Deng 2017,Yang 2017,Harris 2018,Petrou 2021"
run sort-missing-col 1 -- "$BIN" forest "$DATA" --sort nosuch -o "$TMP/x.svg"
one_line sort-missing-col-msg 'no column "nosuch" \(named by --sort\)'
# --xlim: the axis runs exactly from LO to HI; Liang 2010 (0.782 to 1) is off it
run xlim 0 -- "$BIN" forest "$DATA" --events responders --xlim 0.2,0.8 -o "$TMP/xl.svg"
ok xlim-ticks test "$(numbers "$TMP/xl.svg" | grep -o '^0\.2 0\.3 0\.4 0\.5 0\.6 0\.7 0\.8 ')" = "0.2 0.3 0.4 0.5 0.6 0.7 0.8 "
run xlim-order 2 -- "$BIN" forest "$DATA" --xlim 0.8,0.2 -o "$TMP/x.svg"
one_line xlim-order-msg '--xlim: "0.8,0.2" is not LO,HI with LO < HI'
run xlim-log-zero 2 -- "$BIN" forest "$DATA" --log --xlim 0,0.5 -o "$TMP/x.svg"
one_line xlim-log-zero-msg 'a log axis \(--log\) starts above 0'
# --log: ticks at 1, 2, 5 per decade; with --scale 1000, per 1,000 patients
run log 0 -- "$BIN" forest "$DATA" --events responders --log -o "$TMP/lg.svg"
ok log-ticks test "$(numbers "$TMP/lg.svg" | grep -o '^0\.1 0\.2 0\.5 1 ')" = "0.1 0.2 0.5 1 "
run log-scale 0 -- "$BIN" forest "$DATA" --events adverse_events --log --scale 1000 -o "$TMP/ls.svg"
ok log-scale-ticks test "$(numbers "$TMP/ls.svg" | grep -o '^10 20 50 100 200 500 1000 ')" = "10 20 50 100 200 500 1000 "
ok log-scale-head svg_text "$TMP/ls.svg" "Per 1000 [95% CI]"
# --dpi: PNGs at 300 dpi by default, recorded as a pHYs chunk right after
# IHDR (pixels per metre: 300 / 0.0254 = 11811, unit 1 = metre)
phys() { # FILE: "type x y unit" of the chunk after IHDR
    printf '%s %s\n' "$(dd if="$1" bs=1 skip=37 count=4 2>/dev/null)" \
        "$(od -An -tu1 -j41 -N9 "$1" | awk '{ print $1*16777216+$2*65536+$3*256+$4, $5*16777216+$6*65536+$7*256+$8, $9 }')"
}
run dpi-default 0 -- "$BIN" forest "$DATA" --events responders -o "$TMP/d.png"
ok dpi-default-phys test "$(phys "$TMP/d.png")" = "pHYs 11811 11811 1"
run dpi-600 0 -- "$BIN" funnel "$DATA" --events responders --dpi 600 -o "$TMP/d6.png"
ok dpi-600-phys test "$(phys "$TMP/d6.png")" = "pHYs 23622 23622 1"
ok dpi-600-png is_png "$TMP/d6.png"
if command -v pngcheck >/dev/null 2>&1; then ok dpi-pngcheck pngcheck -q "$TMP/d6.png"; fi
run dpi-low 2 -- "$BIN" forest "$DATA" --dpi 50 -o "$TMP/x.png"
one_line dpi-low-msg '--dpi: "50" is not a resolution from 72 to 1200'
# text below 6 pt is refused, naming the size that would fit
run too-small 2 -- "$BIN" forest "$DATA" --events responders --width 300 -o "$TMP/x.png"
one_line too-small-msg 'the text would be [0-9.]+ pt, below the 6 pt that stays legible: give a width of at least [0-9]+ pixels'
ok too-small-nothing test ! -e "$TMP/x.png"
w=$(grep -o 'at least [0-9]*' "$TMP/err" | grep -o '[0-9]*$')
run too-small-fits 0 -- "$BIN" forest "$DATA" --events responders --width "$w" -o "$TMP/x.png"
run too-small-funnel 2 -- "$BIN" funnel "$DATA" --events responders --width 100 -o "$TMP/x.svg"
one_line too-small-funnel-msg 'below the 6 pt that stays legible: give a width of at least [0-9]+ points'
# the funnel: --scale, --xlim, --log label its model-scale axis with
# proportions (times the scale) where the model scale puts them.
# tick_x FILE LABEL: the x of the axis tick labelled LABEL in an SVG
tick_x() {
    awk -v want="$2" '/translate\(/ { match($0, /translate\([0-9.]+,/); x = substr($0, RSTART + 10, RLENGTH - 11) }
        /<text>[0-9.]+<\/text>/ { t = $0; gsub(/.*<text>|<\/text>.*/, "", t); if (t == want) { print x; exit } }' "$1"
}
# same_gap FILE A B C D: the distance A..B equals C..D (to 0.05 points)
same_gap() {
    awk -v a="$(tick_x "$1" "$2")" -v b="$(tick_x "$1" "$3")" -v c="$(tick_x "$1" "$4")" \
        -v d="$(tick_x "$1" "$5")" 'BEGIN { g = (b - a) - (d - c); exit !(a != "" && d != "" && g < 0.05 && g > -0.05) }'
}
run funnel-scale 0 -- "$BIN" funnel "$DATA" --events responders --scale 1000 -o "$TMP/fs.svg"
ok funnel-scale-title svg_text "$TMP/fs.svg" "Responders per 1000 patients (logit scale)"
# logit(0.2) = -logit(0.8), logit(0.4) = -logit(0.6): 200..400 as far as 600..800
ok funnel-scale-logit same_gap "$TMP/fs.svg" 200 400 600 800
ok funnel-scale-not-linear test "$(awk -v a="$(tick_x "$TMP/fs.svg" 100)" -v b="$(tick_x "$TMP/fs.svg" 200)" \
    -v c="$(tick_x "$TMP/fs.svg" 400)" 'BEGIN { print (b - a > 0.5 * (c - b)) }')" = 1
run funnel-scale-pr 0 -- "$BIN" funnel "$DATA" --events responders --measure PR --scale 100 -o "$TMP/fp.svg"
ok funnel-scale-pr-title svg_text "$TMP/fp.svg" "Responders per 100 patients (linear scale)"
ok funnel-scale-pr-linear same_gap "$TMP/fp.svg" 20 40 60 80
run funnel-xlim 0 -- "$BIN" funnel "$DATA" --events responders --xlim 0.5,0.7 -o "$TMP/fx.svg"
ok funnel-xlim-ticks test "$(numbers "$TMP/fx.svg" | grep -o '^0\.50 0\.55 0\.60 0\.65 0\.70 ')" = "0.50 0.55 0.60 0.65 0.70 "
run funnel-xlim-logit0 2 -- "$BIN" funnel "$DATA" --events responders --xlim 0,0.5 -o "$TMP/x.svg"
one_line funnel-xlim-logit0-msg '--xlim 0,0.5 has no place on the funnel.s logit scale: give limits in \(0, 1\)'
run funnel-log 0 -- "$BIN" funnel "$DATA" --events responders --log -o "$TMP/fl.svg"
ok funnel-log-ticks test "$(numbers "$TMP/fl.svg" | grep -o '^0\.02 0\.05 0\.1 0\.2 0\.5 ')" = "0.02 0.05 0.1 0.2 0.5 "
# a forest longer than a page: a PDF of Letter-high pages, each with the
# column headings; other formats stay one picture
awk 'BEGIN { srand(5); print "study,grp,n,responders";
    for (i = 1; i <= 150; i++) { n = 10 + int(rand() * 190); printf "Study %d,%s,%d,%d\n", i, (i % 2 ? "A" : "B"), n, int(rand() * (n / 3)) } }' \
    >"$TMP/k150.csv"
if command -v pdfinfo >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; then
    for sg in none grp; do
        args=()
        [ "$sg" = grp ] && args=(--subgroup grp)
        run "pages-$sg" 0 -- "$BIN" forest "$TMP/k150.csv" --method REML "${args[@]}" -o "$TMP/p-$sg.pdf"
        pages=$(pdfinfo "$TMP/p-$sg.pdf" | awk '/^Pages:/ { print $2 }')
        ok "pages-$sg-several $pages" test "${pages:-0}" -ge 3
        ok "pages-$sg-letter" test "$(pdfinfo "$TMP/p-$sg.pdf" | awk '/^Page size:/ { print ($5 <= 792.5) }')" = 1
        for p in $(seq "${pages:-0}"); do
            pdftotext -f "$p" -l "$p" "$TMP/p-$sg.pdf" "$TMP/p.txt"
            ok "pages-$sg-$p-head" grep -q "Proportion \[95% CI\]" "$TMP/p.txt"
        done
        # every study once, the footer on the last page only
        pdftotext "$TMP/p-$sg.pdf" "$TMP/p.txt"
        ok "pages-$sg-all-studies" test "$(grep -cE '^Study [0-9]+$' "$TMP/p.txt")" = 150
        ok "pages-$sg-one-footer" test "$(grep -c '^Random effects, REML' "$TMP/p.txt")" = 1
    done
fi
run pages-png 0 -- "$BIN" forest "$TMP/k150.csv" --dpi 72 -o "$TMP/p.png"
ok pages-png-one is_png "$TMP/p.png"

# --- SIGTERM to mscmeta alone while gnuplot draws: no temporary file is
# left, even once the orphaned gnuplot has finished (it must not create the
# file again after the handler removed it)
awk 'BEGIN { srand(11); print "study,n,responders";
    for (i = 1; i <= 2500; i++) { n = 10 + int(rand() * 90); printf "Study %d,%d,%d\n", i, n, int(rand() * (n + 1)) } }' \
    >"$TMP/k2500.csv"
mkdir -p "$TMP/kill"
# children PID: the processes whose parent is PID
children() { ps -o pid= --ppid "$1" | tr -d ' '; }
for try in 1 2 3; do
    "$BIN" forest "$TMP/k2500.csv" -o "$TMP/kill/k$try.pdf" 2>/dev/null &
    pid=$!
    child=
    for _ in $(seq 300); do
        child=$(children "$pid" | head -1)
        [ -n "$child" ] && break
        sleep 0.02
    done
    sleep 0.3
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    # the orphan, if it survived, finishes its picture (at most 60 s)
    for _ in $(seq 600); do
        [ -n "$child" ] && kill -0 "$child" 2>/dev/null || break
        sleep 0.1
    done
    count=$((count + 1))
    [ -n "$child" ] || fail "kill-$try: gnuplot was never seen running"
    has_temp "$TMP/kill" && fail "kill-$try: a temporary file is left: $(ls -A "$TMP/kill")"
    rm -f "$TMP/kill"/.mscmeta-*
done

finish plots
