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
# 0.6291: metafor 3.8-1, transf.ilogit(rma.glmm(measure = "PLO", xi = responders, ni = n,
# nAGQ = 7)$b) on the 9 studies with responders = 0.629104
expect example-random "$TMP/out" '^Random effects \(GLMM\) +0\.6291'
expect example-default "$TMP/out" '^Why: +the default for PLO'
lines example-quiet "$TMP/err" 0
# --method REML: metafor's numbers, unchanged, with the correction's warning
run example-reml 0 -- "$BIN" pool "$DATA" --method REML
expect example-reml-random "$TMP/out" '^Random effects \(REML\) +0\.5781'
# serious_adverse_events: 4.0% is transf.ilogit(rma(measure = "PLO", ...)$b) = 0.039682, 1.7% is
# 4 / 241, 0.85% is transf.ilogit(rma.glmm(..., nAGQ = 7)$b) = 0.008508 (metafor 3.8-1)
expect example-reml-cc "$TMP/out" 'the continuity correction \(0\.5 added to 8 of 10 studies with 0 or n events\) moves the pooled rate: 4\.0% here against 1\.7% exact \(sum x / sum n\) and 0\.85% from the GLMM'
# other measures keep REML; --test knha too
run example-pft-default 0 -- "$BIN" pool "$DATA" --measure PFT --format json
expect example-pft-reml "$TMP/out" '"method":"REML","method_default":true'
run example-knha-default 0 -- "$BIN" pool "$DATA" --test knha --format json
expect example-knha-reml "$TMP/out" '"method":"REML","method_default":true'

# --- issue 10, "done when": the default on a zero-heavy outcome (tests/reference/sparse40.csv:
# 33 of 40 series with 0 events) is the GLMM, whose interval overlaps the exact one; REML's does
# not. Expected values: tests/reference/sparse40.R (rma.glmm and glmer, nAGQ = 7: 5e-4; metafor's
# REML and binom.test: 1e-6). CSV columns: 9 estimate, 10 ci_lower, 11 ci_upper, 12 yi, 14 se,
# 22 tau2.
near() { # near NAME GOT WANT REL
    count=$((count + 1))
    if awk -v g="$2" -v w="$3" -v r="$4" 'BEGIN { d = g - w; if (d < 0) d = -d;
            a = w < 0 ? -w : w; exit !(g != "" && d <= r * a) }'; then
        :
    else
        fail "$1: got '$2', want $3 (relative $4)"
    fi
}
col() { awk -F, -v t="$1" -v c="$2" '$2 == t || $2 == "\"" t "\"" { print $c; exit }' "$TMP/out"; }
SPARSE="$HERE/../reference/sparse40.csv"
run sparse-default 0 -- "$BIN" pool "$SPARSE" --format csv
near sparse-glmm-yi "$(col random 12)" -5.1706435729 5e-4
near sparse-glmm-se "$(col random 14)" 0.6214243078 5e-4
near sparse-glmm-tau2 "$(col random 22)" 0.2366823875 5e-4
near sparse-glmm-lb "$(col random 10)" 0.0016777662 5e-4
near sparse-glmm-ub "$(col random 11)" 0.0188414597 5e-4
near sparse-exact-lb "$(col exact 10)" 0.0027298169 1e-6
near sparse-exact-ub "$(col exact 11)" 0.0124032563 1e-6
ok sparse-overlap awk -v a="$(col random 10)" -v b="$(col random 11)" -v c="$(col exact 10)" \
    -v d="$(col exact 11)" 'BEGIN { exit !(a + 0 <= d + 0 && c + 0 <= b + 0) }'
run sparse-reml 0 -- "$BIN" pool "$SPARSE" --method REML --format csv
near sparse-reml-est "$(col random 9)" 0.0221967597 1e-6
near sparse-reml-lb "$(col random 10)" 0.0149678864 1e-6
near sparse-reml-ub "$(col random 11)" 0.0328006262 1e-6
run sparse-reml-table 0 -- "$BIN" pool "$SPARSE" --method REML
# 2.2%, 0.63%, 0.56%: sparse40.R's REML 0.0222, 8 / 1267 and the GLMM's expit(-5.1706)
expect sparse-reml-warning "$TMP/out" 'continuity correction \(0\.5 added to 33 of 40 studies with 0 or n events\) moves the pooled rate: 2\.2% here against 0\.63% exact \(sum x / sum n\) and 0\.56% from the GLMM'

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
expect o-csv-content "$TMP/x.CSV" '^outcome,type,group,study,row,events'
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
expect safety-exceeded-verdict "$TMP/out" 'INCONCLUSIVE: not shown to be below 5.00%'
run safety-below 0 -- "$BIN" safety "$DATA" --events serious_adverse_events --max-rate 0.10
expect safety-below-verdict "$TMP/out" 'BELOW the limit'
printf 'study,n,serious_adverse_events\nA,10,0\nB,20,0\nC,15,0\nD,5,0\n' >"$TMP/zero.csv"
run safety-zero-3 3 -- "$BIN" safety "$TMP/zero.csv" --max-rate 0.05 --format json
expect safety-zero-bound "$TMP/out" '"upper_bound":0\.0581550791169722'
run safety-zero-0 0 -- "$BIN" safety "$TMP/zero.csv" --max-rate 0.06
run safety-per-outcome 0 -- "$BIN" safety "$DATA" --max-rate serious_adverse_events=0.1 --max-rate adverse_events=0.95
run safety-csv 3 -- "$BIN" safety "$DATA" --max-rate 0.05 --format csv
expect safety-csv-pooled "$TMP/out" '^"serious_adverse_events",pooled,'

# --- three verdicts (issue 10): 0/20 against 10% inconclusive, 0/2000 against
# 1% below, 40/100 against 10% above; exit 3 for inconclusive and above alike
printf 'study,n,events\nA,20,0\n' >"$TMP/s1.csv"
run safety-0of20 3 -- "$BIN" safety "$TMP/s1.csv" --events events --max-rate 0.1 --format json
expect safety-0of20-verdict "$TMP/out" '"verdict":"inconclusive"'
expect safety-0of20-exceeded "$TMP/out" '"exceeded":true'
run safety-0of20-table 3 -- "$BIN" safety "$TMP/s1.csv" --events events --max-rate 0.1
# one-sided Clopper-Pearson bounds for 0 of n, 1 - 0.05^(1/n) (R: binom.test(0, n, alternative =
# "less")$conf.int[2]): n = 20 0.139108, n = 2000 0.001497, n = 105 (MS below) 0.028128
expect safety-0of20-text "$TMP/out" 'not shown to be below 10.00%: the one-sided 95% upper bound is 13.91%'
printf 'study,n,events\nA,2000,0\n' >"$TMP/s2.csv"
run safety-0of2000 0 -- "$BIN" safety "$TMP/s2.csv" --events events --max-rate 0.01 --format json
expect safety-0of2000-verdict "$TMP/out" '"verdict":"below"'
printf 'study,n,events\nA,100,40\n' >"$TMP/s3.csv"
run safety-40of100 3 -- "$BIN" safety "$TMP/s3.csv" --events events --max-rate 0.1 --format csv
expect safety-40of100-verdict "$TMP/out" '^"events",pooled,.*,above,'
# issue 15: levels at or below 0.5 are the alpha/level mix-up
run safety-level-alpha 2 -- "$BIN" safety "$DATA" --max-rate 0.3 --level 0.05
expect safety-level-alpha-msg "$TMP/err" 'the bounds need a level above 0.5'
# issue 15: no data is not a pass: exit 5, verdict null
printf 'study,n,adverse_events,serious_adverse_events\nA,10,NA,0\nB,12,NA,1\n' >"$TMP/nodata.csv"
run safety-no-data 5 -- "$BIN" safety "$TMP/nodata.csv" --max-rate adverse_events=0.3 --max-rate serious_adverse_events=0.5 --format json
expect safety-no-data-json "$TMP/out" '"verdict":null,"prob_new_above":null,"no_data":true'
run safety-no-data-table 5 -- "$BIN" safety "$TMP/nodata.csv" --max-rate adverse_events=0.3
expect safety-no-data-text "$TMP/out" 'NO DATA: the limit 30.00% applies'
# issue 15: a tiny limit prints with the digits that tell it from the bound
run safety-tiny-limit 3 -- "$BIN" safety "$TMP/s2.csv" --events events --max-rate 1e-15
expect safety-tiny-limit-text "$TMP/out" 'not shown to be below 1e-13%: the one-sided 95% upper bound is 0.15%'
# per-subgroup verdicts in every format
run safety-subgroups 3 -- "$BIN" safety "$DATA" --events serious_adverse_events --max-rate 0.03 --subgroup disease
expect safety-subgroups-table "$TMP/out" '^  MS +7 +0 +105 +0.00% +2.81%  below$'
run safety-subgroups-csv 3 -- "$BIN" safety "$DATA" --events serious_adverse_events --max-rate 0.03 --subgroup disease --format csv
expect safety-subgroups-csvrow "$TMP/out" '^"serious_adverse_events",subgroup,"SLE",,,3,40,'
run safety-subgroups-json 3 -- "$BIN" safety "$DATA" --events serious_adverse_events --max-rate 0.03 --subgroup disease --format json
expect safety-subgroups-jsonv "$TMP/out" '"group":"RA".*"safety":\{"upper_bound":[0-9.e-]+,"lower_bound":[0-9.e-]+,"verdict":"inconclusive"'
run safety-help-glmm 0 -- "$BIN" safety --help
expect safety-help-glmm-text "$TMP/out" 'The model is the binomial-normal GLMM'
# --- sensitivity analyses (issue 11): a section of every outcome and subgroup
run sens-json 0 -- "$BIN" pool "$DATA" --events responders --method REML --leave-one-out --cumulative year --influence --bias-tests --format json
for key in leave_one_out cumulative influence bias_tests; do
    expect "sens-json-$key" "$TMP/out" "\"$key\":"
done
expect sens-json-loo-fields "$TMP/out" '\{"study":"[^"]*","row":[0-9]+,"estimate":[^,]*,"ci_lower":[^,]*,"ci_upper":[^,]*,"yi":[^,]*,"se":[^,]*,"statistic":[^,]*,"p":[^,]*,"ci_yi_lower":[^,]*,"ci_yi_upper":[^,]*,"tau2":[^,]*,"I2":[^,]*,"H2":[^,]*,"Q":[^,]*,"Q_p":[^,]*\}'
expect sens-json-small-k "$TMP/out" 'at least 10 studies'
run sens-subgroup 0 -- "$BIN" pool "$DATA" --events responders --subgroup disease --leave-one-out --format json
expect sens-subgroup-loo "$TMP/out" '"group":"[^"]*".*"leave_one_out":\['
run sens-csv 0 -- "$BIN" pool "$DATA" --events responders --leave-one-out --influence --bias-tests --format csv
expect sens-csv-header "$TMP/out" '^outcome,type,.*,baujat_x,baujat_y,'
expect sens-csv-loo "$TMP/out" '^"responders","leave_one_out",'
expect sens-csv-influence "$TMP/out" '^"responders","influence",'
expect sens-csv-begg "$TMP/out" '^"responders","begg",'
run sens-cumulative-col 0 -- "$BIN" pool --cumulative year "$DATA" --events responders
expect sens-cumulative-title "$TMP/out" 'ascending order of "year"'
run sens-cumulative-unknown 1 -- "$BIN" pool "$DATA" --cumulative=nope
expect sens-cumulative-unknown-msg "$TMP/err" '"nope"'
run sens-forest-both 2 -- "$BIN" forest "$DATA" --leave-one-out --cumulative -o "$TMP/x.svg"
run sens-estimator 2 -- "$BIN" pool "$DATA" --bias-tests --trim-fill-estimator Q0
expect sens-estimator-msg "$TMP/err" 'choose L0 or R0'
run sens-not-here 2 -- "$BIN" safety "$DATA" --max-rate 0.1 --influence

# --- encodings (issue 14): a Windows-1252 export reads as such, with ONE warning however many
# cells (header, labels, subgroup levels) are converted; --encoding forces an encoding
CP="$HERE/../hostile/cp1252_labels.csv"
run cp1252-auto 0 -- "$BIN" pool "$CP" --subgroup "región"
lines cp1252-auto-stderr "$TMP/err" 0
ok cp1252-one-warning test "$(grep -c 'not UTF-8; read as Windows-1252' "$TMP/out")" = 1
ok cp1252-no-fffd test "$(grep -c $'\xef\xbf\xbd' "$TMP/out")" = 0
# U+201C S U+00FC d U+201D: the subgroup level "Süd" in smart quotes (0x93 S 0xFC d 0x94)
expect cp1252-subgroup "$TMP/out" $'^  \xe2\x80\x9cS\xc3\xbcd\xe2\x80\x9d '
run cp1252-csv 0 -- "$BIN" pool "$CP" --format csv
expect cp1252-csv-warning "$TMP/out" 'not UTF-8; read as Windows-1252'
run cp1252-utf8-forced 0 -- "$BIN" pool "$CP" --encoding UTF-8
ok cp1252-utf8-forced-warning test "$(grep -c 'invalid UTF-8' "$TMP/out")" = 1
run encoding-unknown 2 -- "$BIN" pool "$CP" --encoding ebcdic
expect encoding-unknown-msg "$TMP/err" '--encoding: unknown value "ebcdic"; choose utf-8, cp1252, latin1 or auto'

# --- write errors: exit 4, never silent
if [ -w /dev/full ]; then
    run dev-full 4 -- sh -c "'$BIN' pool '$DATA' > /dev/full"
    expect dev-full-msg "$TMP/err" 'writing to standard output failed'
fi

finish cli
