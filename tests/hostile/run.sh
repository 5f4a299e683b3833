#!/bin/sh
# The hostile-input corpus: runs `mscmeta pool` on every case in cases.tsv
# and checks that none crashes, hangs (timeout), or uses more than
# MSC_MAX_RSS_MB of memory (default 1536: ASan builds need several times
# the memory of a plain build), and that each ends with its documented exit
# code and message.
#
# cases.tsv, tab-separated: FILE ARGS EXIT STDERR STDOUT [MIN_BYTES]
#   FILE    a file in tests/hostile/, or a case made at run time:
#           gen:NAME (huge files, generated below), @dir, @fifo (no writer),
#           @unreadable (chmod 000), @missing, @stdin:FILE (FILE on stdin)
#   ARGS    extra arguments after the file ("-" for none)
#   EXIT    the expected exit code; for a failing case "CODE/LINES" allows
#           LINES lines of stderr instead of one (a file with several bad
#           cells lists them all)
#   STDERR  an extended regex a line of stderr must match; for a failing
#           case stderr must also be exactly one line (or LINES), each
#           starting with "mscmeta: ", and name the file. "-" for a
#           passing case: stderr must be empty.
#   STDOUT  an extended regex that a line of stdout, or all of stdout with
#           newlines read as spaces, must match ("-": none); with a leading
#           "!", a regex that no line of a non-empty stdout may match
#   MIN_BYTES optional: stdout must be at least this long (nothing cut)
# Usage: tests/hostile/run.sh PATH_TO_MSCMETA
set -u
MSC=$1
case $MSC in /*) ;; *) MSC=$(pwd)/$MSC ;; esac
here=$(cd "$(dirname "$0")" && pwd)
max_rss_mb=${MSC_MAX_RSS_MB:-1536}
limit_s=${MSC_CASE_TIMEOUT:-120}
work=$(mktemp -d "${TMPDIR:-/tmp}/mscmeta-hostile.XXXXXX")
chmod 755 "$work" # @unreadable runs as nobody when we are root
trap 'chmod -R u+rwx "$work" 2>/dev/null; rm -rf "$work"' EXIT INT TERM
# A sanitizer report must not pass for an input error (exit 1).
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:exitcode=86:halt_on_error=1:print_stacktrace=1"

# repeat CHAR COUNT: COUNT copies of CHAR on stdout
repeat() { head -c "$2" /dev/zero | tr '\0' "$1"; }

# gen NAME PATH: writes the generated case NAME to PATH
gen() {
    case $1 in
    line_64mb.csv) # a 64 MiB study name: past the 32 MiB record limit
        { printf 'study,n,events\nA,10,2\n'; repeat x 67108864; printf ',10,2\n'; } > "$2" ;;
    header_64mb.csv) # a 64 MiB header line with no newline at all
        { printf 'study,n,events,'; repeat h 67108864; } > "$2" ;;
    cols_100000.csv) # 100,000 columns: valid
        awk 'BEGIN { printf "study,n,events"; for (i = 4; i <= 100000; i++) printf ",c%d", i;
                     printf "\nA,10,3"; for (i = 4; i <= 100000; i++) printf ",%d", i;
                     printf "\nB,20,4"; for (i = 4; i <= 100000; i++) printf ",";
                     printf "\n" }' > "$2" ;;
    cols_over_limit.csv) # 1,000,003 columns: past the 1,000,000-field limit
        { printf 'study,n,events'; repeat , 1000000; printf '\nA,10,2\n'; } > "$2" ;;
    row_over_limit.csv) # a data row with 1,000,003 fields
        { printf 'study,n,events\nA,10,2'; repeat , 1000000; printf '\n'; } > "$2" ;;
    name_10m.csv) # a 10-million-character study name: valid
        { printf 'study,n,events\n'; repeat y 10000000; printf ',10,2\nB,10,3\n'; } > "$2" ;;
    rows_200k_error.csv) # 200,000 good rows, then a bad one on line 200002
        awk 'BEGIN { print "study,n,events"; for (i = 1; i <= 200000; i++) printf "S%d,%d,%d\n", i, 10 + i % 90, i % 10;
                     print "Bad,10,11" }' > "$2" ;;
    quote_64mb.csv) # an unterminated quote followed by 64 MiB of text
        { printf 'study,n,events\nA,10,2\n"B'; repeat z 67108864; } > "$2" ;;
    *) echo "run.sh: no generator for $1" >&2; return 1 ;;
    esac
}

pass=0 fail=0 skip=0
report_fail() {
    fail=$((fail + 1))
    echo "FAIL $case_id: $*"
    [ -s "$work/err" ] && head -c 600 "$work/err" | sed 's/^/    stderr: /'
}

tab=$(printf '\t')
while IFS="$tab" read -r file args want_rc want_err want_out min_bytes; do
    case $file in '' | '#'*) continue ;; esac
    case_id="$file${args:+ $args}"
    want_lines=1
    case $want_rc in */*) want_lines=${want_rc#*/}; want_rc=${want_rc%%/*} ;; esac
    [ "$args" = - ] && args=""
    stdin=/dev/null
    run_as=""
    path=$work/$file
    case $file in
    gen:*)
        path=$work/${file#gen:}
        gen "${file#gen:}" "$path" || { report_fail "generator"; continue; } ;;
    @dir) path=$work/a_directory.csv; mkdir -p "$path" ;;
    @fifo) path=$work/a_fifo.csv; rm -f "$path"; mkfifo "$path" ;;
    @missing) path=$work/no_such_file.csv ;;
    @unreadable)
        path=$work/unreadable.csv
        printf 'study,n,events\nA,10,2\n' > "$path"
        chmod 000 "$path"
        if [ "$(id -u)" = 0 ]; then
            # root reads mode-000 files: run as nobody, or say we cannot test it
            if command -v setpriv > /dev/null 2>&1; then
                run_as="setpriv --reuid=65534 --regid=65534 --clear-groups"
                # nobody must be able to run mscmeta (or the wrapper around
                # it: valgrind reads the binary), which a clone under a
                # folder closed to other users does not allow
                if ! $run_as "$MSC" --version > /dev/null 2>&1; then
                    skip=$((skip + 1))
                    echo "SKIP $case_id: nobody cannot run $MSC (a folder above it is closed to other users)"
                    continue
                fi
            else
                skip=$((skip + 1))
                echo "SKIP $case_id: running as root without setpriv; root can read mode-000 files"
                continue
            fi
        fi ;;
    @stdin:*) stdin=$here/${file#@stdin:}; path=- ;;
    *) path=$here/$file ;;
    esac
    rm -f "$work/out" "$work/err" "$work/rss"
    # shellcheck disable=SC2086
    timeout -k 5 "$limit_s" /usr/bin/time -f '%M' -o "$work/rss" \
        $run_as "$MSC" pool "$path" $args < "$stdin" > "$work/out" 2> "$work/err"
    rc=$?
    rss_kb=$(tail -1 "$work/rss" 2> /dev/null | tr -cd 0-9)
    if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
        report_fail "no result within ${limit_s} s (a hang?)"
        continue
    fi
    if [ "$rc" != "$want_rc" ]; then
        report_fail "exit $rc, expected $want_rc"
        continue
    fi
    if [ -n "$rss_kb" ] && [ "$rss_kb" -gt $((max_rss_mb * 1024)) ]; then
        report_fail "max RSS $((rss_kb / 1024)) MB > $max_rss_mb MB"
        continue
    fi
    if [ "$want_rc" = 0 ]; then
        if [ -s "$work/err" ]; then
            report_fail "stderr should be empty"
            continue
        fi
    else
        lines=$(wc -l < "$work/err")
        name=$path
        [ "$path" = - ] && name="<stdin>"
        if [ "$lines" != "$want_lines" ] || grep -qv '^mscmeta: ' "$work/err"; then
            report_fail "stderr is not $want_lines line(s) each starting with 'mscmeta: '"
            continue
        fi
        if ! grep -qF -- "$name" "$work/err"; then
            report_fail "the message does not name $name"
            continue
        fi
        if ! grep -qE -- "$want_err" "$work/err"; then
            report_fail "stderr does not match /$want_err/"
            continue
        fi
    fi
    # a line of stdout must match, or the whole of it with newlines as spaces
    # (the JSON puts each study on a line of its own)
    case $want_out in
    -) ;;
    !*)
        if [ ! -s "$work/out" ]; then # no line matches an empty stdout
            report_fail "stdout is empty"
            continue
        fi
        if grep -qE -- "${want_out#!}" "$work/out"; then
            report_fail "stdout matches /${want_out#!}/"
            continue
        fi ;;
    *)
        if ! grep -qE -- "$want_out" "$work/out" &&
            ! tr '\n' ' ' < "$work/out" | grep -qE -- "$want_out"; then
            report_fail "stdout does not match /$want_out/"
            continue
        fi ;;
    esac
    # the table goes to terminals: no escape sequence from a label gets through
    case " $args " in *" --format "*) ;; *)
        if grep -q "$(printf '\033')" "$work/out"; then
            report_fail "an ESC character reached the table"
            continue
        fi ;;
    esac
    if [ -n "$min_bytes" ] && [ "$(wc -c < "$work/out")" -lt "$min_bytes" ]; then
        report_fail "stdout is shorter than $min_bytes bytes"
        continue
    fi
    pass=$((pass + 1))
    echo "ok   $case_id (exit $rc, max RSS $((${rss_kb:-0} / 1024)) MB)"
    # generated files are big: do not keep them around
    case $file in gen:*) rm -f "$path" ;; esac
done < "$here/cases.tsv"

echo "hostile corpus: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
