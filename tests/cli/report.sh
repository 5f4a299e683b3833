#!/usr/bin/env bash
# mscmeta report (issue 13 sections 2 and 3): one self-contained HTML file.
#  - on the example data with --subgroup disease: the file is whole
#    (<!DOCTYPE html> ... </html>), every pooled number of `pool --format
#    json` (same options) is in its text as the table rounds it
#    (report_check.py), it holds the forest, funnel and Baujat plots inline,
#    the leave-one-out, influence, small-study and comparison sections, a
#    Methods paragraph with references and a Reproducibility block whose
#    SHA-256 and size are sha256sum's and stat's of the input;
#  - it can fetch nothing and run nothing: a Content-Security-Policy with
#    default-src 'none', no <script, no src/href/url() to a network URL;
#  - hostile labels (tests/cli/report_hostile.csv: <script>, an attribute
#    breakout, a right-to-left override, Markdown characters) are text, in
#    the tables and in the inline SVG;
#  - --format md: Markdown with the plots as SVG files beside it;
#  - pool -o x.html and --format html are usage errors that point to
#    report; a failed report leaves no file;
#  - progress on stderr only when stderr is a terminal (script(1));
#  - headless Chromium (when installed): its DOM holds the pooled numbers
#    and no <img> or <script> element, and a screenshot is not blank.
# Usage: report.sh PATH/TO/mscmeta. Exit 77 (skipped) without python3.
set -u
BIN=${1:?usage: report.sh PATH/TO/mscmeta}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$HERE/lib.sh"
command -v python3 > /dev/null || { echo "report: python3 is needed"; exit 77; }
cd "$ROOT" || exit 1
DATA=data/msc_autoimmune.csv
HOSTILE=tests/cli/report_hostile.csv

# no_network NAME FILE: nothing in the page could fetch from a network
no_network() {
    count=$((count + 1))
    if grep -Eiq "(src|href|action|poster|data)[[:space:]]*=[[:space:]]*[\"']?[[:space:]]*([a-z]+:)?//" "$2" ||
        grep -Eiq "url\(|@import" "$2"; then
        fail "$1: a network reference: $(grep -Eio "(src|href|url|@import)[^ >]{0,60}" "$2" | head -3)"
    fi
    grep -q "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">" "$2" ||
        fail "$1: no Content-Security-Policy forbidding scripts and fetches"
    ! grep -qi "<script" "$2" || fail "$1: a <script element"
}

# --- the example data
R=$TMP/r.html
run "report" 0 -- "$BIN" report "$DATA" --subgroup disease -o "$R" && {
    [ -s "$TMP/err" ] && fail "report: stderr not empty (not a terminal): $(head -c 200 "$TMP/err")"
    [ -s "$TMP/out" ] && fail "report: stdout not empty with -o"
    [ "$(head -n1 "$R")" = "<!DOCTYPE html>" ] || fail "report: does not start with <!DOCTYPE html>"
    [ "$(tail -n1 "$R")" = "</html>" ] || fail "report: does not end with </html>"
    no_network "report" "$R"
    "$BIN" pool "$DATA" --subgroup disease --format json > "$TMP/pool.json"
    ok "report: pool's numbers" python3 "$HERE/report_check.py" "$TMP/pool.json" "$R"
    [ "$(grep -c "<svg" "$R")" = 9 ] || fail "report: $(grep -c "<svg" "$R") SVGs, want 9 (3 outcomes x forest, funnel, Baujat)"
    for s in "<h2>Results</h2>" "<h2>Figures</h2>" "<h2>Method comparison</h2>" "<h2>Methods</h2>" \
        "<h2>Reproducibility</h2>" "<p>Leave-one-out" "<p>Influence diagnostics" \
        "<p>Small-study tests" "<figcaption>Forest plot</figcaption>" \
        "<figcaption>Funnel plot</figcaption>" "<p>Proportions were pooled with mscmeta" \
        "binomial-normal generalized linear mixed model" "Subgroups were defined by &quot;disease&quot;" \
        "<li>Stijnen T, Hamza TH, Ozdemir P (2010)" "<th>Setting</th>" "<td>method</td><td>GLMM</td>"; do
        grep -qF -- "$s" "$R" || fail "report: no \"$s\""
    done
    want=$(sha256sum "$DATA" | cut -d' ' -f1)
    got=$(sed -n 's|.*<dt>Input SHA-256</dt><dd><code>\([0-9a-f]*\)</code></dd>.*|\1|p' "$R")
    count=$((count + 1))
    [ -n "$want" ] && [ "$got" = "$want" ] || fail "report: SHA-256 \"$got\", sha256sum says \"$want\""
    size=$(stat -c %s "$DATA")
    grep -qF "<dt>Input size</dt><dd>$size bytes</dd>" "$R" || fail "report: input size is not $size bytes"
    grep -qF "<dt>Command line</dt><dd><code>mscmeta report $DATA --subgroup disease -o $R</code></dd>" "$R" ||
        fail "report: the command line is not recorded as given"
    grep -qF "<dt>Input file</dt><dd><code>$DATA</code></dd>" "$R" || fail "report: no input name"
}
# the date: SOURCE_DATE_EPOCH's when set, so a report can be remade byte for byte
run "report, SOURCE_DATE_EPOCH" 0 -- env SOURCE_DATE_EPOCH=86400 "$BIN" report "$DATA" -o "$TMP/d.html" &&
    { grep -qF "<dt>Date</dt><dd>1970-01-02 00:00:00 UTC</dd>" "$TMP/d.html" ||
        fail "report: SOURCE_DATE_EPOCH=86400 is not 1970-01-02"; } && mv "$TMP/d.html" "$TMP/d1.html"
run "report, again" 0 -- env SOURCE_DATE_EPOCH=86400 "$BIN" report "$DATA" -o "$TMP/d.html" &&
    ok "report: the same bytes again" cmp -s "$TMP/d1.html" "$TMP/d.html"
# --mod adds the meta-regression; the options reach the analysis
run "report --mod" 0 -- "$BIN" report "$DATA" --method REML --mod year -o "$TMP/m.html" && {
    grep -qF "<h2>Meta-regression</h2>" "$TMP/m.html" || fail "report --mod: no meta-regression"
    grep -qF "mixed-effects meta-regression (Raudenbush 2009)" "$TMP/m.html" || fail "report --mod: Methods do not say so"
    grep -qF "tau^2 estimated by restricted maximum likelihood (REML) (Viechtbauer 2005)" "$TMP/m.html" ||
        fail "report --method REML: Methods do not name REML"
    "$BIN" pool "$DATA" --method REML --format json > "$TMP/pool2.json"
    ok "report --method REML: pool's numbers" python3 "$HERE/report_check.py" "$TMP/pool2.json" "$TMP/m.html"
}
# to standard output
run "report to stdout" 0 -- "$BIN" report "$DATA" && [ "$(tail -n1 "$TMP/out")" = "</html>" ] ||
    fail "report to stdout: not a whole page"

# --- hostile labels
H=$TMP/h.html
run "report, hostile labels" 0 -- "$BIN" report "$HOSTILE" --subgroup group -o "$H" && {
    no_network "hostile" "$H"
    for bad in "<img" "<b>grp" "<i>" $'\u202e'; do
        ! grep -qF -- "$bad" "$H" || fail "hostile: \"$bad\" is in the page unescaped"
    done
    for s in "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>" "<td>evil[U+202E]gnp.exe 2019</td>" \
        "<td>&lt;b&gt;grp&lt;/b&gt;</td>" "<td>O&#39;Brien &amp; Co &lt;i&gt;</td>" \
        "<text>&lt;script>alert(1)&lt;/script></text>" "<text>evil[U+202E]gnp.exe 2019</text>" \
        "<text>\">&lt;img src=x onerror=alert(2)></text>"; do
        grep -qF -- "$s" "$H" || fail "hostile: no \"$s\" (escaped label)"
    done
    "$BIN" pool "$HOSTILE" --subgroup group --format json > "$TMP/hpool.json"
    ok "hostile: pool's numbers" python3 "$HERE/report_check.py" "$TMP/hpool.json" "$H"
}

# --- Markdown: the plots beside it
mkdir -p "$TMP/md"
run "report --format md" 0 -- "$BIN" report "$DATA" --format md -o "$TMP/md/r.md" && {
    ok "md: 9 SVGs beside it" test "$(ls "$TMP/md"/r-*.svg | wc -l)" = 9
    for f in $(sed -n 's/^!\[[^]]*\](\(.*\))$/\1/p' "$TMP/md/r.md"); do
        [ -s "$TMP/md/$f" ] || fail "md: links to $f, which is not there"
    done
    grep -qF "![Forest plot](r-forest-responders-1.svg)" "$TMP/md/r.md" || fail "md: no forest link"
    grep -q "^| Study | Events | N |" "$TMP/md/r.md" || fail "md: no study table"
    grep -q "^## Reproducibility" "$TMP/md/r.md" || fail "md: no Reproducibility"
    no_temps "md" "$TMP/md"
    ls -a "$TMP/md" | grep -q "^\.r" && fail "md: a temporary picture left: $(ls -a "$TMP/md")"
}
run "report -o x.md" 0 -- "$BIN" report "$HOSTILE" -o "$TMP/md/h.md" && {
    grep -qF "| &lt;script&gt;alert(1)&lt;/script&gt; |" "$TMP/md/h.md" || fail "md: hostile label not escaped"
    grep -qF '| \`code\` \*star\* \[link\](x) \| pipe |' "$TMP/md/h.md" || fail "md: Markdown characters not escaped"
    ! grep -qF "<script" "$TMP/md/h.md" || fail "md: a <script"
}

# --- formats: an HTML report is report's; report writes html or md
run "pool -o x.html" 2 -- "$BIN" pool "$DATA" -o "$TMP/x.html" && one_line "pool -o x.html" "mscmeta report"
[ -e "$TMP/x.html" ] && fail "pool -o x.html: a file was written"
run "pool --format html" 2 -- "$BIN" pool "$DATA" --format html && one_line "pool --format html" "mscmeta report"
run "compare -o x.htm" 2 -- "$BIN" compare "$DATA" -o "$TMP/x.htm" && one_line "compare -o x.htm" "mscmeta report"
run "report --format json" 2 -- "$BIN" report "$DATA" --format json -o "$TMP/x.json" && one_line "report --format json" "html or md"
run "report -o x.json" 2 -- "$BIN" report "$DATA" -o "$TMP/x.json" && one_line "report -o x.json" "html or md"
run "report --format md, stdout" 2 -- "$BIN" report "$DATA" --format md && one_line "report --format md, stdout" "give -o FILE.md"
run "report -o x.md --format html" 2 -- "$BIN" report "$DATA" -o "$TMP/x.md" --format html && one_line "report -o x.md --format html" "drop one"
run "report --help" 0 -- "$BIN" report --help && expect "report --help" "$TMP/out" "^Usage: mscmeta report FILE.csv"

# --- no partial output
run "report, bad input" 1 -- "$BIN" report tests/hostile/non_numeric.csv -o "$TMP/bad.html"
[ -e "$TMP/bad.html" ] && fail "report, bad input: a file was written"
run "report, no folder" 4 -- "$BIN" report "$DATA" -o "$TMP/nope/r.html"
no_temps "report" "$TMP"

# --- progress: only on a terminal
if command -v script > /dev/null; then
    count=$((count + 1))
    # stdout of the command is the page (-o -); its stderr is the terminal script records
    script -qec "'$BIN' report '$DATA' -o '$TMP/tty.html'" "$TMP/typescript" > /dev/null 2>&1 < /dev/null
    grep -q "report: plots 9/9" "$TMP/typescript" || fail "progress: no \"report: plots 9/9\" on a terminal"
    grep -q $'\r\e\[K' "$TMP/typescript" || fail "progress: the line is not cleared"
    [ "$(tail -n1 "$TMP/tty.html")" = "</html>" ] || fail "progress: the page is not whole"
fi
# pool above 100,000 studies: records read, then the fit; nothing off a terminal
awk 'BEGIN { print "study,n,events"; srand(3)
             for (i = 1; i <= 160000; i++) printf "s%d,50,%d\n", i, int(rand() * 20) }' > "$TMP/big.csv"
run "pool 160,000 studies" 0 -- "$BIN" pool "$TMP/big.csv" --method DL --summary-only &&
    { [ -s "$TMP/err" ] && fail "pool 160,000 studies: stderr not empty (not a terminal): $(head -c 200 "$TMP/err")"; }
if command -v script > /dev/null; then
    count=$((count + 1))
    script -qec "'$BIN' pool '$TMP/big.csv' --method DL --summary-only -o '$TMP/big.txt'" "$TMP/typescript2" > /dev/null 2>&1 < /dev/null
    grep -q "150,000 records read" "$TMP/typescript2" || fail "progress: no \"150,000 records read\" on a terminal"
    grep -q "pooling 160000 studies" "$TMP/typescript2" || fail "progress: no \"pooling 160000 studies\" on a terminal"
    grep -q $'\r\e\[K$' "$TMP/typescript2" || grep -q $'\r\e\[K\r' "$TMP/typescript2" || fail "progress (pool): the line is not cleared at the end"
    grep -q "^Random" "$TMP/big.txt" || grep -q "Random effects" "$TMP/big.txt" || fail "progress (pool): the report is not whole"
else
    echo "report: script(1) not found: the terminal case of progress is not checked"
fi

# --- headless Chromium: the page as a browser shows it
if command -v chromium > /dev/null; then
    CHROME=(timeout 60 chromium --headless --no-sandbox --disable-gpu --no-first-run
        --user-data-dir="$TMP/chromium")
    count=$((count + 1))
    "${CHROME[@]}" --dump-dom "file://$R" > "$TMP/dom.html" 2> /dev/null
    if [ -s "$TMP/dom.html" ]; then
        ok "chromium: pool's numbers in the DOM" python3 "$HERE/report_check.py" "$TMP/pool.json" "$TMP/dom.html"
    else
        fail "chromium: --dump-dom gave nothing"
    fi
    count=$((count + 1))
    "${CHROME[@]}" --dump-dom "file://$H" > "$TMP/hdom.html" 2> /dev/null
    if [ -s "$TMP/hdom.html" ]; then
        ! grep -qi "<script\|<img" "$TMP/hdom.html" || fail "chromium: a <script> or <img> element in the hostile page's DOM"
        grep -qF "&lt;script&gt;alert(1)&lt;/script&gt;" "$TMP/hdom.html" || fail "chromium: the <script> label is not text"
        ok "chromium: hostile page's numbers" python3 "$HERE/report_check.py" "$TMP/hpool.json" "$TMP/hdom.html"
    else
        fail "chromium: --dump-dom gave nothing (hostile)"
    fi
    count=$((count + 1))
    "${CHROME[@]}" --window-size=1200,1600 --screenshot="$TMP/shot.png" "file://$R" > /dev/null 2>&1
    n=$(python3 "$HERE/png_colours.py" "$TMP/shot.png" 2>&1)
    # a blank page has 1 colour; text, rules and plots give hundreds
    [ "$n" -gt 20 ] 2> /dev/null || fail "chromium: the screenshot is blank or unreadable ($n colours)"
    finish report
else
    finish report || exit 1
    echo "report: chromium not installed: the browser checks are skipped"
    exit 77
fi
