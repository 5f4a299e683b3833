#!/usr/bin/env bash
# Many meta-analyses in one pass (issue 16): pool, safety and regress --by.
#  - on 1,000 meta-analyses (rows shuffled), every JSON Lines record equals
#    pool run alone on that group's rows, every member, for REML, DL, GLMM
#    and knha (by_compare.py);
#  - a group of one study, one with no events and one with no counts carry
#    their own warnings and leave the others as they are;
#  - the output is the same bytes for --threads 1 and 2, in every format;
#  - safety --by exits 3 when a group is not shown below its limit;
#  - regress --by: every record equals regress alone on the group's rows
#    (REML, DL with knha, GLMM; a numeric moderator and a factor whose
#    levels differ between groups); a group regress alone refuses carries
#    the reason; one CSV row per group; the same bytes for any threads;
#  - the README's composition over split files (xargs -P) and over
#    standard input gives the records of one run.
# Usage: by.sh PATH/TO/mscmeta
set -u
BIN=${1:?usage: by.sh PATH/TO/mscmeta}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
HERE=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
. "$HERE/lib.sh"
command -v python3 > /dev/null || { echo "by: python3 is needed"; exit 77; }

D=$TMP/by.csv
python3 "$HERE/by_compare.py" gen "$D"

# --- equal to separate runs, method by method
methods=("--method REML" "--method DL" "--method GLMM" "--method REML --test knha")
[ -n "${MSC_BY_QUICK-}" ] && methods=("--method DL") # while developing
for args in "${methods[@]}"; do
    count=$((count + 1))
    mkdir -p "$TMP/sep"
    # shellcheck disable=SC2086
    python3 "$HERE/by_compare.py" check "$BIN" "$D" "$TMP/sep" $args || fail "by_compare $args"
    rm -rf "$TMP/sep"
done

# --- regress --by: equal to separate regress runs, method by method
R=$TMP/byr.csv
python3 "$HERE/by_compare.py" gen "$R" mods
rmethods=("--method REML" "--method DL --test knha" "--method GLMM")
[ -n "${MSC_BY_QUICK-}" ] && rmethods=("--method DL")
for args in "${rmethods[@]}"; do
    count=$((count + 1))
    mkdir -p "$TMP/sep"
    # shellcheck disable=SC2086
    python3 "$HERE/by_compare.py" check "$BIN" "$R" "$TMP/sep" --command regress --mod dose \
        --mod arm $args || fail "by_compare regress $args"
    rm -rf "$TMP/sep"
done
run "regress csv" 0 -- "$BIN" regress "$R" --by ma --mod dose --mod arm --at dose=5,arm=b \
    --format csv &&
    ok "regress csv: header + 1003 rows" test "$(wc -l < "$TMP/out")" = 1004 &&
    expect "regress csv: header" "$TMP/out" '^by,outcome,k,skipped,fitted,n_excluded,n_coefficients,QM_tests,QM,.*,coef1_name,coef1_estimate,.*,coef4_ci_upper,at1_name,.*,at1_se,warnings$' &&
    expect "regress csv: a group whose rows lack the --at level" "$TMP/out" '^"one","events",,false,false,0,.*"not fitted: prediction ""dose=5,arm=b"": ""b"" is not a level of ""arm"""$' &&
    expect "regress csv: the skipped group" "$TMP/out" '^"miss","events",0,true,false,3,'
run "regress table" 0 -- "$BIN" regress "$R" --by ma --mod dose --mod arm &&
    expect "regress table: title" "$TMP/out" '^mscmeta .* regress: 1003 meta-analyses by "ma" of ' &&
    expect "regress table: a fitted line" "$TMP/out" '^m[0-9]+ +events +[0-9]+ +[0-9.]+ +[0-9.<]+ +[0-9.]+ +[0-9.]+% +'
for f in csv jsonl table; do
    "$BIN" regress "$R" --by ma --mod dose --mod arm --format $f --threads 1 > "$TMP/r1" 2> /dev/null
    "$BIN" regress "$R" --by ma --mod dose --mod arm --format $f --threads 2 > "$TMP/r2" 2> /dev/null
    ok "regress threads 1: some output: $f" test -s "$TMP/r1"
    ok "regress threads 1 = 2: $f" cmp -s "$TMP/r1" "$TMP/r2"
done
run "regress: a level no row has" 2 -- "$BIN" regress "$R" --by ma --mod arm --ref arm=zz &&
    expect "regress: names the levels" "$TMP/err" 'reference level "zz" of "arm": no such level'

# --- the bad groups: their own records, the others untouched
run "jsonl" 0 -- "$BIN" pool "$D" --by ma --format jsonl --summary-only --method GLMM &&
    cp "$TMP/out" "$TMP/glmm.jsonl"
ok "one record per group" test "$(wc -l < "$TMP/glmm.jsonl")" = 1003
expect "zero: GLMM fallback" "$TMP/glmm.jsonl" '^\{"by":"zero",.*"random":\{[^}]*"exact":true.*every study has 0 events'
expect "miss: skipped" "$TMP/glmm.jsonl" '^\{"by":"miss",.*"skipped":true,.*no study has usable events counts'
expect "one: k = 1" "$TMP/glmm.jsonl" '^\{"by":"one",.*"k":1,.*k = 1'
ok "no other group has no counts" test "$(grep -c 'no study has usable' "$TMP/glmm.jsonl")" = 1
ok "only groups with no events warn of it" \
    test "$(grep 'every study has 0 events' "$TMP/glmm.jsonl" | grep -vc '"events_total":0.0,')" = 0

# --- the same bytes for any number of threads, in every format
for spec in "pool jsonl REML" "pool jsonl GLMM" "pool csv REML" "pool table DL" \
    "safety jsonl GLMM" "safety csv GLMM" "safety table GLMM"; do
    set -- $spec
    extra=(); [ "$1" = safety ] && extra=(--max-rate 0.5)
    "$BIN" "$1" "$D" --by ma --format "$2" --method "$3" "${extra[@]}" --threads 1 > "$TMP/t1" 2> /dev/null
    "$BIN" "$1" "$D" --by ma --format "$2" --method "$3" "${extra[@]}" --threads 2 > "$TMP/t2" 2> /dev/null
    "$BIN" "$1" "$D" --by ma --format "$2" --method "$3" "${extra[@]}" --threads 7 > "$TMP/t7" 2> /dev/null
    ok "threads 1: some output: $spec" test -s "$TMP/t1" # not equal because empty
    ok "threads 1 = 2 = 7: $spec" cmp -s "$TMP/t1" "$TMP/t2"
    ok "threads 1 = 7: $spec" cmp -s "$TMP/t1" "$TMP/t7"
done

# --- CSV and table: one row / line per group
run "csv" 0 -- "$BIN" pool "$D" --by ma --format csv &&
    ok "csv: header + 1003 rows" test "$(wc -l < "$TMP/out")" = 1004 &&
    expect "csv: header" "$TMP/out" '^by,outcome,k,events_total,n_total,skipped,model,estimate,' &&
    expect "csv: the skipped group" "$TMP/out" '^"miss","events",0,,,true,.*"no study has usable events counts: this outcome is skipped"$'
run "table" 0 -- "$BIN" pool "$D" --by ma &&
    expect "table: title" "$TMP/out" '^mscmeta .* pool: 1003 meta-analyses by "ma" of ' &&
    expect "table: the skipped group" "$TMP/out" '^miss +events +0  no usable study$' &&
    ok "table: a line per group" test "$(grep -c '^m[0-9]* *events ' "$TMP/out")" = 1000

# --- safety: exit 3 when any group is not shown below its limit
run "safety: a group with no bound" 3 -- "$BIN" safety "$D" --by ma --max-rate 0.99 --format csv &&
    expect "safety: not shown" "$TMP/out" '^"miss","events",0,.*,not shown,' &&
    expect "safety: below" "$TMP/out" ',below,'
grep -v '^miss,' "$D" > "$TMP/nomiss.csv"
run "safety: every group below" 0 -- "$BIN" safety "$TMP/nomiss.csv" --by ma --max-rate 0.99
run "safety: a group exceeded" 3 -- "$BIN" safety "$TMP/nomiss.csv" --by ma --max-rate 0.05
# a safety record is the safety JSON of that group alone
grep -E '^(ma,|m7,)' "$D" > "$TMP/m7.csv"
"$BIN" safety "$D" --by ma --max-rate 0.2 --format jsonl | grep '^{"by":"m7"' > "$TMP/m7.by"
"$BIN" safety "$TMP/m7.csv" --max-rate 0.2 --format json > "$TMP/m7.json"
ok "safety record = safety alone" python3 -c '
import json, sys
a = json.loads(open(sys.argv[1]).read()); a.pop("by")
b = json.load(open(sys.argv[2]))["outcomes"][0]
for r in (a, b):
    for s in r["studies"]: s.pop("row")
sys.exit(a != b)' "$TMP/m7.by" "$TMP/m7.json"

# --- usage and input errors
run "jsonl needs --by" 2 -- "$BIN" pool "$D" --format jsonl
run "--by with json" 2 -- "$BIN" pool "$D" --by ma --format json
run "--threads 0" 2 -- "$BIN" pool "$D" --by ma --threads 0
run "--by: no such column" 1 -- "$BIN" pool "$D" --by nope &&
    expect "names the column" "$TMP/err" 'nope'
printf 'ma,study,n,events\nA,a1,10,2\n,x,10,3\nA,a2,12,4\n' > "$TMP/gap.csv"
run "a row with no value" 0 -- "$BIN" pool "$TMP/gap.csv" --by ma --format jsonl &&
    expect "warned" "$TMP/err" '1 row with no "ma" value is in no meta-analysis'

printf 'ma,study,n,events\n,x,10,3\n' > "$TMP/nogroup.csv"
run "no row has a value" 1 -- "$BIN" pool "$TMP/nogroup.csv" --by ma &&
    expect "says so" "$TMP/err" 'no row has a "ma" value'

# --- the README's examples: split files through xargs -P, and standard input
# (a record's "row" is the line in the file mscmeta read: it differs in a part)
norow() { sed 's/"row":[0-9]*/"row":_/g' | sort; }
"$BIN" pool "$D" --by ma --format jsonl --summary-only | norow > "$TMP/one.jsonl"
(
    cd "$TMP" || exit 1
    # README: split by group (each group whole in one part), run the parts in parallel
    awk -F, -v N=4 'NR == 1 { for (i = 0; i < N; i++) print > ("part" i ".csv"); next }
                    !($1 in p) { p[$1] = n++ % N }
                    { print > ("part" p[$1] ".csv") }' by.csv
    ls part*.csv | xargs -P 2 -I{} sh -c "'$BIN' pool {} --by ma --format jsonl --summary-only > {}.jsonl"
    cat part*.csv.jsonl | norow > parts.jsonl
    # README: a partition's rows on standard input (Spark RDD.pipe), header first
    tail -n +2 by.csv | { echo "ma,study,n,events"; cat; } |
        "$BIN" pool - --by ma --format jsonl --summary-only | norow > stdin.jsonl
)
ok "one run: a record per group" test "$(wc -l < "$TMP/one.jsonl")" = 1003
ok "xargs -P over split files = one run" cmp -s "$TMP/one.jsonl" "$TMP/parts.jsonl"
ok "standard input = one run" cmp -s "$TMP/one.jsonl" "$TMP/stdin.jsonl"

finish by
