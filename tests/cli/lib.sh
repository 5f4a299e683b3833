# shellcheck shell=bash
# Helpers for the command-line test scripts (sourced by run.sh and
# output.sh; bash). The script sets TMP, a scratch folder, before calling
# them; each command's stdout goes to $TMP/out and its stderr to $TMP/err.
# Every check counts in $count; each failure prints "FAIL ..." and counts in
# $fails. End the script with `finish NAME`.
fails=0 count=0

# fail MESSAGE...: one failure
fail() {
    echo "FAIL $*"
    fails=$((fails + 1))
}

# run NAME WANT_EXIT -- command...: runs the command (stdout -> $TMP/out,
# stderr -> $TMP/err); a failure unless it exits with WANT_EXIT. Returns
# 0 when it did, so that checks of its output can follow with &&.
run() {
    local name=$1 want=$2
    if [ "${3-}" != -- ]; then
        fail "$name: the test script calls run without -- (run NAME WANT -- command...)"
        return 1
    fi
    shift 3
    count=$((count + 1))
    "$@" > "$TMP/out" 2> "$TMP/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "$name: exit $got, want $want"
        sed 's/^/  stderr: /' "$TMP/err" | head -5
        return 1
    fi
    return 0
}

# ok NAME test...: one assertion (a command that must succeed)
ok() {
    local name=$1
    shift
    count=$((count + 1))
    "$@" || fail "$name"
}

# expect NAME FILE REGEX: the file has a line matching the (extended) regex
expect() {
    if ! grep -Eq -- "$3" "$2"; then
        fail "$1: $(basename "$2") does not match /$3/"
        head -5 "$2" | sed 's/^/  /'
    fi
}

# lines NAME FILE N: the file has exactly N lines
lines() {
    local n
    n=$(wc -l < "$2")
    [ "$n" = "$3" ] || fail "$1: $n lines in $(basename "$2"), want $3"
}

# one_line NAME REGEX: stderr is one line, "mscmeta: ...", matching REGEX
one_line() {
    if [ "$(wc -l < "$TMP/err")" != 1 ] || ! grep -Eq -- "^mscmeta: .*$2" "$TMP/err"; then
        fail "$1: stderr is not one line matching /$2/"
        sed 's/^/  stderr: /' "$TMP/err" | head -5
    fi
}

# has_temp DIR: is there a temporary output file (.mscmeta-*) in DIR?
has_temp() {
    local f
    for f in "$1"/.mscmeta-*; do [ -e "$f" ] && return 0; done
    return 1
}

# no_temps NAME DIR: no temporary output file left in DIR
no_temps() {
    if has_temp "$2"; then
        fail "$1: temporary file left in $2"
        rm -f "$2"/.mscmeta-*
    fi
}

# finish NAME: the summary line; the exit status is 0 when nothing failed
finish() {
    echo "$1: $count commands, $fails failure(s)"
    [ "$fails" = 0 ]
}
