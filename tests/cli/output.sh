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
printf 'study,n,events\nA,10,2\nB,12.5,2\nC,ten,1\n' > bad2.csv
run fail-cells 1 -- "$BIN" pool bad2.csv -o new.json
[ "$(grep -c '^mscmeta: bad2\.csv:[34]: column "n"' err)" = 2 ] || fail "fail-cells: not both bad cells listed"
[ -e new.json ] && fail "fail-cells: output file created"
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
# nobody must also be able to run mscmeta (or the wrapper around it:
# valgrind reads the binary), which a clone under a closed folder forbids.
as=""
[ "$(id -u)" = 0 ] && command -v setpriv > /dev/null 2>&1 &&
    as="setpriv --reuid=65534 --regid=65534 --clear-groups"
if [ "$(id -u)" = 0 ] && { [ -z "$as" ] || ! $as "$BIN" --version > /dev/null 2>&1; }; then
    echo "skip read-only-folder: as root it runs as nobody, who cannot run $BIN here" \
        "(no setpriv, or a folder above it is closed to other users)"
else
    mkdir -p ro && chmod 555 ro
    [ -n "$as" ] && chmod 755 "$TMP" && chmod 644 in.csv
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

# --- output paths (issue 15, section 2)
# a path longer than the system takes (PATH_MAX) is refused at once (exit 2),
# never cut to another name
long=$(printf 'x/..%.0s/' $(seq 1 1100))r.json
mkdir -p x
run long-path 2 -- "$BIN" pool in.csv -o "$long" && one_line long-path 'longer than 4095 bytes'
[ -e r.json ] && fail "long-path: a file was written"
# a long name the system takes (3,000 bytes, 15 folders) is written whole
deep=$(printf 'd%.0s' $(seq 1 200))
dp=.
for _ in $(seq 1 15); do dp=$dp/$deep; done
mkdir -p "$dp"
run long-path-ok 0 -- "$BIN" pool in.csv --format json -o "$dp/r.json"
grep -q '"tool":"mscmeta"' "$dp/r.json" 2> /dev/null || fail "long-path-ok: the report is not at the full path"
no_temps long-path-ok "$dp"
rm -rf "./$deep"
# -o "" and --forest "": exit 2 before any work
run empty-o 2 -- "$BIN" pool in.csv -o "" && one_line empty-o 'the path is empty'
run empty-forest 2 -- "$BIN" pool in.csv --forest "" && one_line empty-forest 'the path is empty'
run empty-o-forest 2 -- "$BIN" forest in.csv -o "" && one_line empty-o-forest 'the path is empty'

# standard-stream paths are written in place: `>>` still appends
for o in /dev/stdout /dev/fd/1 /proc/self/fd/1 -; do
    echo "first line" > log.txt
    count=$((count + 1))
    "$BIN" pool in.csv --format csv -o "$o" >> log.txt 2> err
    rc=$?
    [ "$rc" = 0 ] || fail "append ($o): exit $rc"
    [ "$(head -1 log.txt)" = "first line" ] || fail "append ($o): log.txt was replaced, not appended to"
    grep -q '^outcome,type,' log.txt || fail "append ($o): the report is not in log.txt"
    [ -f log.txt ] && [ ! -L log.txt ] || fail "append ($o): log.txt is no longer a plain file"
done
# a link to /dev/stdout, and the file behind stdout named directly
ln -sf /dev/stdout to_stdout.csv
echo "first line" > log.txt
count=$((count + 1))
"$BIN" pool in.csv --format csv -o to_stdout.csv >> log.txt 2> err || fail "append (link): exit $?"
[ "$(head -1 log.txt)" = "first line" ] || fail "append (link): log.txt was replaced"
[ -L to_stdout.csv ] || fail "append (link): the link was replaced"
echo "first line" > log.txt
count=$((count + 1))
"$BIN" pool in.csv --format csv -o log.txt >> log.txt 2> err || fail "append (same file): exit $?"
[ "$(head -1 log.txt)" = "first line" ] || fail "append (same file): log.txt was replaced"
grep -q '^outcome,type,' log.txt || fail "append (same file): the report is not in log.txt"
# stderr's file too
echo "first line" > errlog.txt
count=$((count + 1))
"$BIN" pool in.csv --format csv -o /dev/stderr > /dev/null 2>> errlog.txt || fail "append (stderr): exit $?"
[ "$(head -1 errlog.txt)" = "first line" ] || fail "append (stderr): errlog.txt was replaced"
grep -q '^outcome,type,' errlog.txt || fail "append (stderr): the report is not in errlog.txt"

# the input on standard input is not the output either
run stdin-is-output 2 -- sh -c "'$BIN' pool - -o in.csv < in.csv" && one_line stdin-is-output 'is the input file'
run stdin-is-output-link 2 -- sh -c "'$BIN' pool - -o link_to_input.csv < in.csv"
ln in.csv in_hard.png
run stdin-is-forest 2 -- sh -c "'$BIN' pool - --forest in_hard.png < in.csv" && one_line stdin-is-forest 'is the input file'
rm -f in.png
run stdin-is-forest-hard 2 -- sh -c "'$BIN' pool - -o r.json --forest hardlink_to_input.csv < in.csv"
[ "$(sum in.csv)" = "$before" ] || { fail "stdin-is-output: the input changed"; cp "$DATA" in.csv; }
run stdin-other-output 0 -- sh -c "'$BIN' pool - --format json -o from_stdin.json < in.csv"
grep -q '"tool":"mscmeta"' from_stdin.json || fail "stdin-other-output: no report"
run stdin-to-stdout 0 -- sh -c "'$BIN' pool - -o - < in.csv"

# two outputs with one path, however spelled: a usage error, nothing written
echo keep > p.png
for pair in "p.png p.png" "./p.png p.png" "sub/../p.png $TMP/p.png" "p.png link_p.png" "p.png hard_p.png"; do
    ln -sf p.png link_p.png
    ln -f p.png hard_p.png
    set -- $pair
    run "one-path ($pair)" 2 -- "$BIN" pool in.csv -o "$1" --forest "$2" && one_line "one-path ($pair)" 'name one file'
    [ "$(cat p.png)" = keep ] || fail "one-path ($pair): p.png was written"
done
rm -f p.png link_p.png hard_p.png
run one-path-new 2 -- "$BIN" pool in.csv -o ./q.png --forest q.png
[ -e q.png ] && fail "one-path-new: q.png was written"

# a dangling link is written through (its target created), the link kept
ln -sf made_by_link.json dangling.json
run dangling 0 -- "$BIN" pool in.csv --format json -o dangling.json
[ -L dangling.json ] || fail "dangling: the link was replaced by a file"
grep -q '"tool":"mscmeta"' made_by_link.json 2> /dev/null || fail "dangling: the target was not created"
mkdir -p tgt
ln -sf ../tgt/deep.json sub/rel.json
ln -sf sub/rel.json chain.json
run dangling-chain 0 -- "$BIN" pool in.csv --format json -o chain.json
[ -L chain.json ] && [ -L sub/rel.json ] || fail "dangling-chain: a link was replaced"
grep -q '"tool":"mscmeta"' tgt/deep.json 2> /dev/null || fail "dangling-chain: tgt/deep.json not written"
# a loop of links: refused with a message, the links kept
ln -sf loop_b.json loop_a.json
ln -sf loop_a.json loop_b.json
run link-loop 4 -- "$BIN" pool in.csv -o loop_a.json && one_line link-loop 'loop_a\.json: cannot write: a loop of symbolic links'
[ -L loop_a.json ] && [ -L loop_b.json ] || fail "link-loop: a link was replaced"
no_temps links . ; no_temps links sub ; no_temps links tgt

# a replaced output keeps its mode (a private report stays private)
echo old > private.json
chmod 600 private.json
run keep-mode 0 -- "$BIN" pool in.csv --format json -o private.json
[ "$(stat -c %a private.json)" = 600 ] || fail "keep-mode: private.json is now $(stat -c %a private.json)"
chmod 640 private.json
ln -sf private.json private_link.json
run keep-mode-link 0 -- "$BIN" pool in.csv --format json -o private_link.json
[ "$(stat -c %a private.json)" = 640 ] || fail "keep-mode-link: private.json is now $(stat -c %a private.json)"
if command -v gnuplot > /dev/null 2>&1; then
    echo old > private.png
    chmod 600 private.png
    run keep-mode-picture 0 -- "$BIN" forest in.csv --events responders -o private.png
    [ "$(stat -c %a private.png)" = 600 ] || fail "keep-mode-picture: private.png is now $(stat -c %a private.png)"
fi
( umask 022 && "$BIN" pool in.csv -o new_mode.txt ) || fail "new-mode: exit $?"
[ "$(stat -c %a new_mode.txt)" = 644 ] || fail "new-mode: a new report is $(stat -c %a new_mode.txt), want 644"

# a link in a shared sticky folder (/tmp), owned by someone else, is not
# followed (the kernel's protected_symlinks), even by root
if [ "$(id -u)" = 0 ]; then
    mkdir -p shared && chmod 1777 shared
    echo "important" > important.conf
    ln -s "$TMP/important.conf" shared/report_x.json
    chown -h 65534:65534 shared/report_x.json
    run sticky-link 2 -- "$BIN" pool in.csv -o shared/report_x.json &&
        one_line sticky-link 'refusing to follow the symbolic link .*shared/report_x\.json'
    [ "$(cat important.conf)" = important ] || fail "sticky-link: the link's target was replaced"
    [ -L shared/report_x.json ] || fail "sticky-link: the link was replaced"
    # the same link reached through a folder link, and a link the caller owns
    ln -s shared via_dir
    run sticky-link-dir 2 -- "$BIN" pool in.csv -o via_dir/report_x.json
    [ "$(cat important.conf)" = important ] || fail "sticky-link-dir: the link's target was replaced"
    ln -s "$TMP/important.conf" shared/mine.json
    run sticky-own-link 0 -- "$BIN" pool in.csv --format json -o shared/mine.json
    grep -q '"tool":"mscmeta"' important.conf || fail "sticky-own-link: the caller's own link was not followed"
    no_temps sticky shared
else
    echo "note: not root: the link in a sticky folder owned by another user is not tested"
fi

# file names in messages are shown as labels are: no ESC reaches the terminal
esc=$(printf 'x\033[2J\033]0;pwned\007.csv')
no_esc() { if grep -q "$(printf '\033')" "$TMP/err"; then fail "$1: an ESC reached stderr"; fi; }
run esc-input 1 -- "$BIN" pool "$esc" && one_line esc-input 'x\?\[2J\?\]0;pwned\?\.csv: cannot open'
no_esc esc-input
run esc-option 2 -- "$BIN" pool in.csv --method "$esc" && one_line esc-option 'unknown value "x\?\[2J'
no_esc esc-option
run esc-output 4 -- "$BIN" pool in.csv -o "nodir/$esc" && one_line esc-output 'cannot create a file in nodir'
no_esc esc-output
run esc-events 1 -- "$BIN" pool in.csv --events "$esc" && one_line esc-events 'no column "x'
no_esc esc-events

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
