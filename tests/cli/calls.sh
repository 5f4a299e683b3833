#!/usr/bin/env bash
# The calls among the command line's files go one way (cli/cli.h lists
# the files in that order): from the symbols each object of libmsc_cli.a
# (every cli/*.c but main.c, which nothing calls) defines and uses, the
# graph "file -> file it calls" must have no cycle.
# Usage: calls.sh PATH/TO/libmsc_cli.a
set -u
lib=${1:?usage: calls.sh PATH/TO/libmsc_cli.a}
syms=$(nm -A "$lib") || { echo "calls: nm cannot read $lib"; exit 1; }
# "lib:member.c.o:<value> T name" defines name; "lib:member.c.o: U name" uses it
edges=$(awk '{ n = split($1, p, ":"); m = p[n - 1]; sub(/\.c\.o$/, "", m)
               if ($(NF - 1) == "U") use[m, $NF] = 1
               else if ($(NF - 1) ~ /^[TDBR]$/) def[$NF] = m }
         END { for (k in use) { split(k, q, SUBSEP); d = def[q[2]]
                                if (d != "" && d != q[1]) print q[1], d } }' <<< "$syms" | sort -u)
if [ -z "$edges" ]; then
    echo "calls: found no call between the files of $lib; the check cannot work"
    exit 1
fi
if ! loop=$(tsort <<< "$edges" 2>&1 > /dev/null) || [ -n "$loop" ]; then
    echo "calls: the files of cli/ call each other in a cycle:"
    sed 's/^/  /' <<< "$loop"
    exit 1
fi
echo "calls: $(wc -l <<< "$edges") calls between cli/ files, no cycle"
