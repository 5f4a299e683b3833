#!/usr/bin/env bash
# GLMM leave-one-out and cumulative rows (issue 11): every row prints the
# same JSON numbers, as text, as `pool --method GLMM` run on a file of the
# studies that row fits, and the rows' warnings are those runs' warnings,
# counted (glmm_loo_check.py). The data: zero-event studies, all-n
# studies, a study whose removal leaves only zeros (the exact fallback),
# k = 2 and 3 after one is left out, 25, 60 and 150 studies (from 100 on,
# rows the interpolant certifies skip the profile search). The output is
# the same bytes with 1 and 2 threads. MSC_GLMM_LOO_SMALL=1 (the sanitizer
# build: 150 sanitized runs under load take over 15 minutes) leaves the 150
# studies' rows to the threads check.
# Usage: glmm_loo.sh PATH/TO/mscmeta
set -u
BIN=${1:?usage: glmm_loo.sh PATH/TO/mscmeta}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "$0")" && pwd)
REF=$HERE/../reference
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$HERE/lib.sh"
command -v python3 > /dev/null || { echo "glmm_loo: python3 is needed"; exit 77; }

sets=(
    "$HERE/glmm_loo_fallback.csv events"
    "$HERE/glmm_loo_k4.csv events"
    "$REF/k3_trio.csv events"
    "$REF/zeros_mixed_n.csv events"
    "$REF/events_eq_n.csv events"
    "$REF/sens_rare.csv events"
    "$HERE/../../data/msc_autoimmune.csv responders"
    "$HERE/../../data/msc_autoimmune.csv adverse_events"
    "$REF/sens_k60.csv events"
    "$REF/sens_k150.csv events"
)
for spec in "${sets[@]}"; do
    set -- $spec
    for mode in leave-one-out cumulative; do
        # the cumulative rows of 150 studies add nothing the 60 do not
        [ "$(basename "$1")" = sens_k150.csv ] &&
            { [ "$mode" = cumulative ] || [ -n "${MSC_GLMM_LOO_SMALL-}" ]; } && continue
        count=$((count + 1))
        python3 "$HERE/glmm_loo_check.py" "$BIN" "$1" "$2" "$mode" "$TMP" ||
            fail "$(basename "$1") $2 $mode: rows differ from separate runs"
    done
done

# --- the same bytes for any number of threads
for t in 1 2; do
    run "threads $t" 0 -- "$BIN" pool "$REF/sens_k150.csv" --events events --method GLMM \
        --leave-one-out --cumulative --format json --threads "$t" && cp "$TMP/out" "$TMP/t$t.json"
done
ok "threads 1 and 2: same bytes" cmp -s "$TMP/t1.json" "$TMP/t2.json"

finish glmm_loo
