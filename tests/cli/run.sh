#!/usr/bin/env bash
# End-to-end tests of the mscmeta command line: exit codes, messages, the
# example data, output files. Usage: run.sh PATH/TO/mscmeta (from ctest).
set -u
BIN=${1:?usage: run.sh PATH/TO/mscmeta}
HERE=$(cd "$(dirname "$0")" && pwd)
DATA="$HERE/../../data/msc_autoimmune.csv"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"

# --- the example, no options (issue 2, "done when")
run example 0 -- "$BIN" pool "$DATA"
expect example-responders "$TMP/out" '^== responders \(k = 9 studies'
expect example-ae "$TMP/out" '^== adverse_events \(k = 2 studies'
expect example-sae "$TMP/out" '^== serious_adverse_events \(k = 10 studies'
expect example-excluded "$TMP/out" 'Harris 2024, Connick 2012, Riordan 2018, Alvaro-Gracia 2017 \(lines 4, 5, 9, 13\): missing responders'
expect example-random "$TMP/out" '^Random effects \(REML\) +0\.5781'
lines example-quiet "$TMP/err" 0

# --- help and version
run help 0 -- "$BIN" --help
expect help-text "$TMP/out" 'Commands:'
run pool-help 0 -- "$BIN" pool --help
expect pool-help-text "$TMP/out" '--method M'
run safety-help 0 -- "$BIN" safety --help
run version 0 -- "$BIN" --version
expect version-text "$TMP/out" '^mscmeta [0-9]+\.[0-9]+\.[0-9]+$'

# --- usage errors: exit 2, one line on stderr
run no-args 2 -- "$BIN"
run unknown-command 2 -- "$BIN" frobnicate "$DATA"
run no-input 2 -- "$BIN" pool
expect no-input-msg "$TMP/err" '^mscmeta: pool: no input file'
run unknown-option 2 -- "$BIN" pool "$DATA" --frobnicate
expect unknown-option-msg "$TMP/err" 'unknown option "--frobnicate"'
lines unknown-option-one-line "$TMP/err" 1
run bad-method 2 -- "$BIN" pool "$DATA" --method XYZ
expect bad-method-msg "$TMP/err" '^mscmeta: pool: --method: unknown value "XYZ"; choose REML'
run bad-level 2 -- "$BIN" pool "$DATA" --level 1.5
run missing-value 2 -- "$BIN" pool "$DATA" --method
expect missing-value-msg "$TMP/err" '--method needs a value'
run glmm-pfT 2 -- "$BIN" pool "$DATA" --method GLMM --measure PFT
run two-inputs 2 -- "$BIN" pool "$DATA" "$DATA"
run output-is-input 2 -- "$BIN" pool "$DATA" -o "$DATA"
expect output-is-input-msg "$TMP/err" 'is the input file'
run safety-no-limit 2 -- "$BIN" safety "$DATA"
expect safety-no-limit-msg "$TMP/err" '--max-rate is required'
run safety-bad-limit 2 -- "$BIN" safety "$DATA" --max-rate 5
run safety-unknown-col 2 -- "$BIN" safety "$DATA" --max-rate foo=0.1
expect safety-unknown-col-msg "$TMP/err" '"foo", which is not an outcome'
printf 'study,n,a\033[2Jb\nA,10,2\nB,12,3\n' >"$TMP/esc.csv"
run safety-unknown-col-controls 2 -- "$BIN" safety "$TMP/esc.csv" --events "$(printf 'a\033[2Jb')" --max-rate foo=0.1
expect safety-unknown-col-controls-msg "$TMP/err" 'the outcomes are a\?\[2Jb \(add'
run format-on-plot 2 -- "$BIN" funnel "$DATA" --format json

# --- input errors: exit 1, file:line
printf 'study,n,events\nA,10,2\nB,12.5,2\n' >"$TMP/bad.csv"
run bad-n 1 -- "$BIN" pool "$TMP/bad.csv" --events events -o "$TMP/never.json"
expect bad-n-msg "$TMP/err" '^mscmeta: .*bad\.csv:3: column "n": "12\.5" is not a whole number$'
lines bad-n-nothing-on-stdout "$TMP/out" 0
[ -e "$TMP/never.json" ] && fail "bad-n: output file written"
no_temps bad-n "$TMP"
run missing-file 1 -- "$BIN" pool "$TMP/nope.csv"
expect missing-file-msg "$TMP/err" 'nope\.csv: cannot open: No such file'

# --- standard input, formats, output file
run stdin 0 -- sh -c "'$BIN' pool - --format csv < '$DATA'"
expect stdin-csv-header "$TMP/out" '^outcome,type,group,study,row,events,n,proportion'
expect stdin-csv-random "$TMP/out" '^"responders",random,'
run json-file 0 -- "$BIN" pool "$DATA" --format json -o "$TMP/r.json"
lines json-file-stdout-empty "$TMP/out" 0
expect json-file-content "$TMP/r.json" '"tool":"mscmeta"'
# -o names the format by its extension (issue 14); --format may not contradict it
run o-json 0 -- "$BIN" pool "$DATA" -o "$TMP/x.json"
expect o-json-content "$TMP/x.json" '^\{"tool":"mscmeta"'
run o-csv 0 -- "$BIN" safety "$DATA" --max-rate 0.99 --method REML -o "$TMP/x.CSV"
expect o-csv-content "$TMP/x.CSV" '^outcome,type,study,row,events'
run o-txt 0 -- "$BIN" pool "$DATA" --format table -o "$TMP/x.txt"
expect o-txt-content "$TMP/x.txt" '^== responders'
run o-other 0 -- "$BIN" pool "$DATA" --format csv -o "$TMP/x.out"
expect o-other-content "$TMP/x.out" '^outcome,type,group'
run o-mismatch 2 -- "$BIN" pool "$DATA" -o "$TMP/y.json" --format csv
expect o-mismatch-msg "$TMP/err" '^mscmeta: pool: -o ".*y\.json" names json output but --format is csv; drop one of them'
lines o-mismatch-one-line "$TMP/err" 1
run o-mismatch-nothing 1 -- test -e "$TMP/y.json"
run summary-only 0 -- "$BIN" pool "$DATA" --summary-only --format json
expect summary-only-empty "$TMP/out" '"studies":\[\]'
run subgroup 0 -- "$BIN" pool "$DATA" --subgroup disease --events responders
expect subgroup-test "$TMP/out" '^Test for subgroup differences'

# --- safety exit codes: 3 above the limit, 0 below
run safety-exceeded 3 -- "$BIN" safety "$DATA" --max-rate 0.05
expect safety-exceeded-sae "$TMP/out" '^== serious_adverse_events: 4 events in 241 patients, 10 studies =='
expect safety-exceeded-verdict "$TMP/out" 'EXCEEDED'
run safety-below 0 -- "$BIN" safety "$DATA" --events serious_adverse_events --max-rate 0.10
expect safety-below-verdict "$TMP/out" 'not exceeded'
printf 'study,n,serious_adverse_events\nA,10,0\nB,20,0\nC,15,0\nD,5,0\n' >"$TMP/zero.csv"
run safety-zero-3 3 -- "$BIN" safety "$TMP/zero.csv" --max-rate 0.05 --format json
expect safety-zero-bound "$TMP/out" '"upper_bound":0\.0581550791169722'
run safety-zero-0 0 -- "$BIN" safety "$TMP/zero.csv" --max-rate 0.06
run safety-per-outcome 0 -- "$BIN" safety "$DATA" --max-rate serious_adverse_events=0.1 --max-rate adverse_events=0.95
run safety-csv 3 -- "$BIN" safety "$DATA" --max-rate 0.05 --format csv
expect safety-csv-pooled "$TMP/out" '^"serious_adverse_events",pooled,'

# --- write errors: exit 4, never silent
if [ -w /dev/full ]; then
    run dev-full 4 -- sh -c "'$BIN' pool '$DATA' > /dev/full"
    expect dev-full-msg "$TMP/err" 'writing to standard output failed'
fi

finish cli
