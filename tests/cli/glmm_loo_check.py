#!/usr/bin/env python3
"""GLMM sensitivity rows against separate runs (issue 11): every row of
`pool --method GLMM --leave-one-out` (or --cumulative) must print the same
JSON numbers, as text, as `pool --method GLMM` on a file of the studies
that row fits, and the rows' warnings must be the separate runs' warnings,
counted.

  glmm_loo_check.py BIN CSV EVENTS MODE TMPDIR [ARGS...]

MODE is leave-one-out or cumulative (file order). ARGS go to every run.
Prints one line per failure and exits 1 on any.
"""
import json
import os
import re
import subprocess
import sys

EST = ["estimate", "ci_lower", "ci_upper", "yi", "se", "statistic", "p", "ci_yi_lower",
       "ci_yi_upper"]
HET = {"tau2": "tau2", "I2": "I2", "H2": "H2", "Q": "Q", "Q_p": "p"}
# warnings a row does not carry: the prediction interval's (rows have none)
ROW_FREE = re.compile(r"prediction interval")


def pool(bin_, path, events, args, extra):
    cmd = [bin_, "pool", path, "--events", events, "--method", "GLMM", "--format", "json"]
    out = subprocess.run(cmd + extra + args, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd + extra + args), out.returncode,
                                                out.stderr.strip()))
    # numbers kept as their text: the comparison is of the printed digits
    return json.loads(out.stdout, parse_float=str, parse_int=str)["outcomes"][0]


def main():
    bin_, csv, events, mode, tmp = sys.argv[1:6]
    args = sys.argv[6:]
    with open(csv, newline="") as f:
        lines = f.read().splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    whole = pool(bin_, csv, events, args, ["--" + mode])
    key = "leave_one_out" if mode == "leave-one-out" else "cumulative"
    rows = whole[key]
    fails = 0

    def bad(msg):
        nonlocal fails
        fails += 1
        print("FAIL %s %s: %s" % (os.path.basename(csv), mode, msg))

    if len(rows) != int(whole["k"]):
        bad("%d rows for k = %s" % (len(rows), whole["k"]))
    seen = {}  # warning -> separate runs that gave it
    added = []
    for i, r in enumerate(rows):
        line = int(r["row"]) - 1  # "row" is the line in the file, the header line 1
        if mode == "leave-one-out":
            keep = body[:line - 1] + body[line:]
        else:
            added.append(body[line - 1])
            keep = added
        sub = os.path.join(tmp, "sub.csv")
        with open(sub, "w", newline="") as f:
            f.write(header)
            f.writelines(keep)
        sep = pool(bin_, sub, events, args, [])
        want = {k: sep["random"].get(k) for k in EST}
        # One study: pool shows no heterogeneity (null), a cumulative row
        # metafor's cumul() values for it (tau2 0, I2 0, H2 1, Q 0), by design.
        if sep["k"] != "1":
            want.update({k: sep["heterogeneity"].get(v) for k, v in HET.items()})
        if mode == "cumulative":
            want["k"] = sep["k"]
        for k, v in want.items():
            if r.get(k) != v:
                bad("row %d (%s) %s: %r, separately %r" % (i + 1, r["study"], k, r.get(k), v))
        for w in sep["warnings"]:
            if not ROW_FREE.search(w):
                seen[w] = seen.get(w, 0) + 1
    # the rows' warnings: "<mode>: MSG (in c of the m fits)" or "(in every one ...)"
    got = {}
    pat = re.compile(r"^%s: (.*) \(in (?:(\d+) of the (\d+)|every one of the (\d+)) fits\)$" % mode)
    for w in whole["warnings"]:
        m = pat.match(w)
        if m:
            got[m.group(1)] = int(m.group(2) or m.group(4))
        elif w.startswith(mode + ":"):
            bad("a row warning not understood: %s" % w)
    if got != seen:
        bad("row warnings %r, separately %r" % (got, seen))
    print("%s %s: %d rows, %d warnings compared" % (os.path.basename(csv), mode, len(rows),
                                                    len(seen)))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
