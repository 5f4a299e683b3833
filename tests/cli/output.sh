#!/usr/bin/env bash
# Nothing lost, nothing clobbered (issue 5, part 4): the input is never the
# output, a failed or interrupted run leaves neither a partial output file
# nor a temporary (.mscmeta-*), an existing output survives a failed run,
# devices and FIFOs are written in place (never replaced), symbolic links
# are written through, and every write error (/dev/full, a closed stdout, a
# closed pipe, a missing folder) is exit 4 with a message.
# Usage: output.sh PATH/TO/mscmeta PATH/TO/msc_gen
set -u
BIN=${1:?usage: output.sh PATH/TO/mscmeta PATH/TO/msc_gen}
GEN=${2:?usage: output.sh PATH/TO/mscmeta PATH/TO/msc_gen}
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
case $GEN in /*) ;; *) GEN=$(pwd)/$GEN ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
DATA="$HERE/../../data/msc_autoimmune.csv"
TMP=$(mktemp -d)
trap 'chmod -R u+rwx "$TMP" 2>/dev/null; rm -rf "$TMP"' EXIT
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:exitcode=86"
cd "$TMP" || exit 1 # out and err below are $TMP/out and $TMP/err
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"

sum() { cksum < "$1"; }

cp "$DATA" in.csv
printf 'study,n,events\nA,10,2\nB,12.5,2\n' > bad.csv
before=$(sum in.csv)

# --- the output is never the input: refused with exit 2, input unchanged
mkdir -p sub
ln -s in.csv link_to_input.csv
ln in.csv hardlink_to_input.csv
for o in in.csv ./in.csv sub/../in.csv "$TMP/in.csv" link_to_input.csv hardlink_to_input.csv; do
    run "output-is-input ($o)" 2 -- "$BIN" pool in.csv -o "$o" && one_line "output-is-input ($o)" 'is the input file'
    [ "$(sum in.csv)" = "$before" ] || fail "output-is-input ($o): the input changed"
done
run "forest-is-input" 2 -- "$BIN" pool in.csv --forest in.csv
[ "$(sum in.csv)" = "$before" ] || fail "forest-is-input: the input changed"
no_temps output-is-input .

# --- a failing run writes nothing and keeps an existing output as it was
run fail-new 1 -- "$BIN" pool bad.csv --events events -o new.json && one_line fail-new 'bad\.csv:3:'
[ -e new.json ] && fail "fail-new: output file created"
echo "precious" > old.json
run fail-existing 1 -- "$BIN" pool bad.csv --events events -o old.json
[ "$(cat old.json)" = precious ] || fail "fail-existing: the existing output was clobbered"
run fail-usage 2 -- "$BIN" pool in.csv --method nope -o old.json
[ "$(cat old.json)" = precious ] || fail "fail-usage: the existing output was clobbered"
no_temps failing-run .

# --- output folder missing, or the output is a folder: exit 4, nothing left
run no-folder 4 -- "$BIN" pool in.csv -o missing/dir/r.json && one_line no-folder 'missing/dir/r\.json: cannot create a file in missing/dir'
[ -e missing ] && fail "no-folder: something was created"
mkdir -p adir
run output-is-folder 4 -- "$BIN" pool in.csv -o adir && one_line output-is-folder 'adir'
no_temps output-is-folder .
# As root the case runs as nobody, which must be able to read its input:
# the copy here, not $DATA, whose folders (a clone under `mktemp -d`, say)
# may be closed to others.
if [ "$(id -u)" != 0 ] || command -v setpriv > /dev/null 2>&1; then
    mkdir -p ro && chmod 555 ro
    as=""
    [ "$(id -u)" = 0 ] && as="setpriv --reuid=65534 --regid=65534 --clear-groups" &&
        chmod 755 "$TMP" && chmod 644 in.csv
    run read-only-folder 4 -- $as "$BIN" pool in.csv -o "$TMP/ro/r.json" &&
        one_line read-only-folder 'cannot create a file in .*ro: Permission denied'
    [ -e ro/r.json ] && fail "read-only-folder: file written"
fi

# --- success replaces an existing output whole, through symbolic links
run replace 0 -- "$BIN" pool in.csv --format json -o old.json
grep -q '"tool":"mscmeta"' old.json || fail "replace: old.json not replaced"
echo old > target.json
ln -s target.json link.json
run symlink 0 -- "$BIN" pool in.csv --format json -o link.json
[ -L link.json ] || fail "symlink: the link itself was replaced"
grep -q '"tool":"mscmeta"' target.json || fail "symlink: the target was not written"
no_temps success .

# --- devices and FIFOs are written in place, never replaced
run dev-null 0 -- "$BIN" pool in.csv -o /dev/null
[ -c /dev/null ] || fail "dev-null: /dev/null is no longer a device"
mkfifo fifo
cat fifo > from_fifo & reader=$!
run fifo 0 -- "$BIN" pool in.csv --format json -o fifo
wait "$reader"
[ -p fifo ] || fail "fifo: the FIFO was replaced"
grep -q '"tool":"mscmeta"' from_fifo || fail "fifo: the reader got no report"
run dev-stdout 0 -- "$BIN" pool in.csv --format csv -o /dev/stdout
[ -L /dev/stdout ] || [ ! -e /dev/stdout ] || [ -c /dev/stdout ] || fail "dev-stdout: /dev/stdout replaced"
grep -q '^outcome,type,' out || fail "dev-stdout: the report did not reach stdout"

# --- write errors: exit 4 with a message, never a silent truncation
if [ -w /dev/full ]; then
    run dev-full-o 4 -- "$BIN" pool in.csv -o /dev/full && one_line dev-full-o '/dev/full.*No space left on device'
    [ -c /dev/full ] || fail "dev-full-o: /dev/full is no longer a device"
    run dev-full-stdout 4 -- sh -c "'$BIN' pool in.csv > /dev/full" &&
        one_line dev-full-stdout 'writing to standard output failed: No space left on device'
    run dev-full-json 4 -- sh -c "'$BIN' pool in.csv --format json > /dev/full"
    run dev-full-csv 4 -- sh -c "'$BIN' pool in.csv --format csv > /dev/full"
    run dev-full-version 4 -- sh -c "'$BIN' --version > /dev/full" &&
        one_line dev-full-version 'writing to standard output failed: No space left on device'
fi
run closed-stdout 4 -- sh -c "'$BIN' pool in.csv >&-" &&
    one_line closed-stdout 'writing to standard output failed: Bad file descriptor'
run closed-stdout-json 4 -- sh -c "'$BIN' pool in.csv --format json >&-"
run closed-stdout-help 4 -- sh -c "'$BIN' pool --help >&-" &&
    one_line closed-stdout-help 'writing to standard output failed: Bad file descriptor'
# a reader that stops early: EPIPE (SIGPIPE is ignored), exit 4
"$GEN" 20000 3 > mid.csv
count=$((count + 1))
"$BIN" pool mid.csv --events events --format json 2> err | head -c 100 > /dev/null
rc=${PIPESTATUS[0]}
if [ "$rc" != 4 ]; then fail "closed-pipe: exit $rc, want 4"; else one_line closed-pipe 'Broken pipe'; fi
# -o to a file, stdout closed: the report is still written
run closed-stdout-o 0 -- sh -c "'$BIN' pool in.csv --format json -o ok.json >&-"
grep -q '"tool":"mscmeta"' ok.json || fail "closed-stdout-o: report missing"
# standard input closed: reading it fails as such (the input is not empty)
run closed-stdin 1 -- sh -c "'$BIN' pool - <&-" && one_line closed-stdin '<stdin>: cannot read: Bad file descriptor'

# --- SIGINT, SIGTERM, SIGHUP while the report is being written: no partial
# file, no temporary, and the process ends by that signal
"$GEN" 500000 11 > big.csv
tested=0
for sig in INT TERM HUP; do
    count=$((count + 1))
    rm -f big.json
    "$BIN" pool big.csv --events events --format json -o big.json 2> err &
    pid=$!
    caught=0
    for _ in $(seq 1 1200); do # up to 60 s for the analysis to finish
        if has_temp .; then
            kill -s "$sig" "$pid"
            caught=1
            break
        fi
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.05
    done
    wait "$pid" 2> /dev/null
    rc=$?
    if [ "$caught" = 0 ]; then
        echo "note: SIG$sig: the run finished before its temporary file was seen; not tested"
        continue
    fi
    tested=$((tested + 1))
    want=$((128 + $(kill -l "$sig")))
    [ "$rc" = "$want" ] || fail "SIG$sig: exit $rc, want $want (killed by the signal)"
    [ -e big.json ] && fail "SIG$sig: partial output big.json left"
    no_temps "SIG$sig" .
done
[ "$tested" -gt 0 ] || fail "signals: no run was caught with its temporary file; none of SIGINT, SIGTERM, SIGHUP tested"

finish output
