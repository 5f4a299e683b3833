#!/usr/bin/env bash
# End-to-end tests of `mscmeta regress` (issue 12): every format, the
# moderator options, predictions, the permutation test, and the errors
# (one line, exit 1 or 2). The numbers themselves are checked against
# metafor in tests/test_metareg.c; here the command line's plumbing.
# Usage: regress.sh PATH/TO/mscmeta
set -u
BIN=${1:?usage: regress.sh PATH/TO/mscmeta}
HERE=$(cd "$(dirname "$0")" && pwd)
REF="$HERE/../reference"
DATA="$HERE/../../data/msc_autoimmune.csv"
BCG="$REF/bcg_control.csv"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"

# --- the table, like metafor's print of rma(mods = ~ ablat)
run table 0 -- "$BIN" regress "$BCG" --mod ablat
expect table-head "$TMP/out" '^Mixed-effects meta-regression \(k = 13, 2 coefficients; tau\^2 by REML\)'
# metafor: b = -6.3950 (intercept), 0.0691 (ablat); QM 6.5649
expect table-ablat "$TMP/out" '^ablat +0\.0691 +0\.0270 +2\.562 +0\.0104'
expect table-qm "$TMP/out" '^Test of moderators \(ablat\): QM = 6\.5649, df = 1, p = 0\.0104'
expect table-qe "$TMP/out" '^Residual heterogeneity: QE = 1880\.2278, df = 11'
lines table-quiet "$TMP/err" 0
run help 0 -- "$BIN" regress --help
expect help-mod "$TMP/out" '--mod COL'
run top-help 0 -- "$BIN" --help
expect top-help-regress "$TMP/out" '^  regress '

# --- factors: first level in byte order, --ref, --factor; knha
run factor 0 -- "$BIN" regress "$BCG" --mod alloc --test knha
expect factor-names "$TMP/out" '^alloc=random '
expect factor-f "$TMP/out" 'F = [0-9.]+, df = \(2, 10\)'
run ref 0 -- "$BIN" regress "$BCG" --mod alloc --ref alloc=random
expect ref-names "$TMP/out" '^alloc=alternate '
printf 'study,events,n,year\nA,2,10,2010\nB,3,12,2012\nC,4,15,2009\nD,5,20,2012\nE,1,9,2010\nF,3,9,2009\n' > "$TMP/year.csv"
run force-factor 0 -- "$BIN" regress "$TMP/year.csv" --mod year --factor year
expect force-factor-names "$TMP/out" '^year=2012 '

# --- JSON and CSV
run json 0 -- "$BIN" regress "$BCG" --mod ablat --mod alloc --at ablat=20,alloc=random --format json
expect json-coef "$TMP/out" '"coefficients":\[\{"name":"intercept"'
# metafor 3.8-1 on escalc("PLO", xi = events, ni = n) of bcg_control.csv: rma(yi, vi, mods = ~ ablat +
# factor(alloc))$QM = 17.6103042034; predict(..., newmods = c(20, 1, 0))$pred = -4.850951754269
expect json-qm "$TMP/out" '"QM":17\.61030421'
expect json-pred "$TMP/out" '"predictions":\[\{"at":\{"ablat":20\.0,"alloc":"random"\},"yi":-4\.85095175428'
run csv 0 -- "$BIN" regress "$BCG" --mod ablat --at ablat=20 --format csv
expect csv-head "$TMP/out" '^outcome,type,name,study,'
expect csv-coef "$TMP/out" '^"events","coefficient","ablat",'
expect csv-model "$TMP/out" '^"events","model",'
expect csv-pred "$TMP/out" '^"events","prediction","ablat=20",'
expect csv-study "$TMP/out" '^"events","study",,"Aronson 1948",2,11,139,'
run summary 0 -- "$BIN" regress "$BCG" --mod ablat --format csv --summary-only
ok summary-no-study sh -c "! grep -q '\"study\"' '$TMP/out'"
run output-file 0 -- "$BIN" regress "$BCG" --mod ablat --format json -o "$TMP/r.json"
ok output-file-written test -s "$TMP/r.json"
no_temps output-file-temps "$TMP"

# --- exclusions and outcomes that cannot be fitted
run example 0 -- "$BIN" regress "$DATA" --mod year --mod disease
expect example-excluded "$TMP/out" 'Harris 2024 \(line 4\): missing responders'
expect example-not-fitted "$TMP/out" 'not fitted: outcome "adverse_events": 4 coefficients need at least 5 studies'
printf 'study,events,n,dose\nA,2,10,1\nB,3,12,NA\nC,4,15,3\nD,5,20,4\nE,1,9,2\n' > "$TMP/miss.csv"
run missing-mod 0 -- "$BIN" regress "$TMP/miss.csv" --mod dose
expect missing-mod-reason "$TMP/out" 'B \(line 3\): missing dose'

# --- permutation test: reproducible for a seed, any number of threads
run perm 0 -- "$BIN" regress "$BCG" --mod ablat --permutations 500 --seed 3 --format json
cp "$TMP/out" "$TMP/perm1"
expect perm-json "$TMP/out" '"permutation":\{"iterations":500,"exact":false,"seed":3\}'
run perm-again 0 -- "$BIN" regress "$BCG" --mod ablat --permutations 500 --seed 3 --format json
ok perm-same cmp -s "$TMP/out" "$TMP/perm1"
run perm-exact 0 -- "$BIN" regress "$REF/debruin2009.csv" --mod ethnicity --permutations 5000
expect perm-exact-line "$TMP/out" '^Permutation test: exact, every one of the [0-9]+ arrangements'

# --- errors: one line, exit 2 (usage) or 1 (input)
run no-mod 2 -- "$BIN" regress "$BCG"
one_line no-mod-msg '--mod is required'
run no-column 1 -- "$BIN" regress "$BCG" --mod dose
one_line no-column-msg 'no column "dose" \(named by --mod\)'
printf 'study,events,n,x1,x2\nA,2,10,1,2\nB,3,12,2,4\nC,4,15,3,6\nD,5,20,4,8\nE,1,9,5,10\n' > "$TMP/col.csv"
run collinear 1 -- "$BIN" regress "$TMP/col.csv" --mod x1 --mod x2
one_line collinear-msg 'rank-deficient: x2 is a linear combination of intercept, x1'
printf 'study,events,n,x1,x2\nA,2,10,1,5\nB,3,12,2,3\nC,4,15,3,9\n' > "$TMP/few.csv"
run too-few 1 -- "$BIN" regress "$TMP/few.csv" --mod x1 --mod x2
one_line too-few-msg '3 coefficients need at least 4 studies'
run bad-ref 2 -- "$BIN" regress "$BCG" --mod alloc --ref alloc=nope
one_line bad-ref-msg 'reference level "nope" of "alloc": no such level'
run bad-at 2 -- "$BIN" regress "$BCG" --mod ablat --mod alloc --at ablat=3
one_line bad-at-msg '"alloc" is missing'
run bad-btt 2 -- "$BIN" regress "$BCG" --mod ablat --btt year
one_line bad-btt-msg 'coefficient "year" to test'
run bad-perm 2 -- "$BIN" regress "$BCG" --mod ablat --permutations 1
one_line bad-perm-msg '--permutations'
run pi 2 -- "$BIN" regress "$BCG" --mod ablat --pi hts
one_line pi-msg '--pi does not apply'
run subgroup 2 -- "$BIN" regress "$BCG" --mod ablat --subgroup alloc
one_line subgroup-msg '--subgroup does not apply'
run pool-mod 2 -- "$BIN" pool "$BCG" --mod ablat
one_line pool-mod-msg '--mod is not an option of this command'
run pool-ref-level 2 -- "$BIN" pool "$BCG" --ref alloc=x
run forest-ref 2 -- "$BIN" forest "$BCG" --ref alloc=x -o "$TMP/f.svg"

# --- the GLMM (issue 12 section 3): rma.glmm(measure = "PLO", mods = ~ ablat,
# method = "ML"): b = 0.0690807 (SE 0.0250338), QM 7.6148, tau^2 1.53905,
# QE.Wld 1880.2278, QE.LRT 1748.7862; the LRT against the intercept-only
# glmer fit 5.9319 (tests/reference/glmm_regress.json)
run glmm 0 -- "$BIN" regress "$BCG" --mod ablat --method GLMM
expect glmm-head "$TMP/out" '^Mixed-effects meta-regression \(k = 13, 2 coefficients; tau\^2 by GLMM\)'
expect glmm-ablat "$TMP/out" '^ablat +0\.0691 +0\.0250 +2\.759 +0\.0058'
expect glmm-qm "$TMP/out" 'QM = 7\.61[45][0-9], df = 1'
expect glmm-lrt "$TMP/out" 'LRT = 5\.93[12][0-9], df = 1'
expect glmm-qe "$TMP/out" 'Wald QE = 1880\.2278, df = 11, p < 0\.0001; likelihood ratio QE = 1748\.7862'
expect glmm-cc "$TMP/out" '^Correction: none'
run glmm-json 0 -- "$BIN" regress "$BCG" --mod ablat --method GLMM --format json
ok glmm-json-fields grep -q '"LRT_df":1' "$TMP/out"
ok glmm-json-r2 grep -q '"R2":null' "$TMP/out"
run glmm-csv 0 -- "$BIN" regress "$BCG" --mod ablat --method GLMM --format csv
expect glmm-csv-head "$TMP/out" '^outcome,.*,QE_lrt,QE_lrt_p,tau2,I2,H2,R2,LRT,LRT_df,LRT_p,tau2_null,loglik$'
printf 'study,events,n,site\nA,2,10,a\nB,0,12,b\nC,4,15,a\nD,0,20,b\nE,3,9,a\nF,0,11,b\n' > "$TMP/sep.csv"
run glmm-separation 1 -- "$BIN" regress "$TMP/sep.csv" --mod site --method GLMM
one_line glmm-separation-msg 'site=b runs off to infinity'
# fewer studies with 0 < x < n than coefficients (this freed an unset model
# before): the common-effect model fits them exactly, so the Wald QE is 0.
# metafor 3.8-1, rma.glmm(xi = events, ni = n, mods = ~ dose, measure =
# "PLO"): QE.Wld 2.318e-07 (glm's unconverged iterates), QEp.Wld 0.99999988,
# QE.LRT 8.466574, QEp.LRT 0.0145046; with a second moderator g (0/10 g 1,
# 0/12 g 0, 3/15 g 0, 0/20 g 1, 5/25 dose 4 g 1): QE.Wld 1.789e-07,
# QEp.Wld 0.99999991, QE.LRT 11.715584
printf 'study,n,events,dose\na,10,0,1\nb,12,0,2\nc,15,3,3\nd,20,0,5\n' > "$TMP/qe.csv"
run glmm-qe-wald-exact 0 -- "$BIN" regress "$TMP/qe.csv" --mod dose --method GLMM
expect glmm-qe-wald-zero "$TMP/out" 'Wald QE = 0\.0000, df = 2, p = 1\.0000; likelihood ratio QE = 8\.4666, p = 0\.0145'
printf 'study,n,events,dose,g\na,10,0,1,1\nb,12,0,2,0\nc,15,3,3,0\nd,20,0,5,1\ne,25,5,4,1\n' > "$TMP/qe2.csv"
run glmm-qe-wald-exact2 0 -- "$BIN" regress "$TMP/qe2.csv" --mod dose --mod g --method GLMM
expect glmm-qe-wald-zero2 "$TMP/out" 'Wald QE = 0\.0000, df = 2, p = 1\.0000; likelihood ratio QE = 11\.7156'
run glmm-knha 2 -- "$BIN" regress "$BCG" --mod ablat --method GLMM --test knha
one_line glmm-knha-msg 'not --method GLMM'

# --- bubble plots (need gnuplot)
if command -v gnuplot > /dev/null 2>&1; then
    run bubble-png 0 -- "$BIN" bubble "$BCG" --mod ablat -o "$TMP/b.png"
    ok bubble-png-file test -s "$TMP/b.png"
    run bubble-factor-svg 0 -- "$BIN" bubble "$BCG" --mod alloc --ref alloc=random --title T -o "$TMP/b.svg"
    expect bubble-factor-levels "$TMP/b.svg" '>systematic<'
    # metafor: rma(yi, vi, mods = ~ relevel(factor(alloc), ref = "random"))$QM = 4.2594, df 2
    expect bubble-factor-test "$TMP/b.svg" 'QM = 4\.26, df = 2'
    run bubble-pdf 0 -- "$BIN" bubble "$DATA" --mod disease --scale 100 --ref 0.05 -o "$TMP/e.pdf"
    ok bubble-pdf-outcomes test -s "$TMP/e-serious_adverse_events.pdf"
    # hostile level names and column names reach gnuplot quoted, and run nothing
    printf 'study,events,n,%s\nA,2,10,x\nB,3,12,`touch %s/pwn`\nC,4,15,x\nD,5,20,$(touch %s/pwn2)\nE,1,9,a'"'"'b\nF,2,9,x\n' \
        "q'\`\$mod" "$TMP" "$TMP" > "$TMP/hostile.csv"
    run bubble-hostile 0 -- "$BIN" bubble "$TMP/hostile.csv" --mod "q'\`\$mod" --method DL -o "$TMP/h.svg"
    ok bubble-hostile-inert sh -c "! test -e '$TMP/pwn' && ! test -e '$TMP/pwn2'"
    # the GLMM: bubbles by n, its QM (rma.glmm 7.6148)
    run bubble-glmm 0 -- "$BIN" bubble "$BCG" --mod ablat --method GLMM -o "$TMP/g.svg"
    expect bubble-glmm-test "$TMP/g.svg" 'QM = 7\.61, df = 1'
    run bubble-two-mods 2 -- "$BIN" bubble "$BCG" --mod ablat --mod year -o "$TMP/x.png"
    one_line bubble-two-mods-msg 'give --mod once'
else
    echo "regress.sh: no gnuplot: the bubble plot checks were not run (scripts/install-deps.sh brings it)"
fi

finish cli_regress
