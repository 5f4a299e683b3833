#!/usr/bin/env python3
"""pool --by against separate runs (issue 16), used by tests/cli/by.sh.

  by_compare.py gen FILE [mods]     writes the test data: 1,000 meta-analyses
                                    (column "ma"), rows shuffled, plus a group
                                    of one study, one with no events at all and
                                    one whose counts are all missing; with
                                    "mods", moderator columns dose (numeric)
                                    and arm (a factor of levels a, b, c)
  by_compare.py check MSCMETA FILE DIR [--command regress] ARGS...
                                    runs `pool FILE --by ma --format jsonl ARGS`
                                    once and `pool GROUP.csv --format json ARGS`
                                    for every group (or regress), and compares
                                    every member of each record (but "by") with
                                    the separate run's outcome; line numbers
                                    ("row") are compared through the study
                                    labels. A group whose separate run fails
                                    must carry that run's reason in its record.

The expected values are mscmeta's own pool on each group's rows alone: this
checks that --by is exactly the separate analyses, not the numbers (which
tests/reference checks against metafor).
"""
import json, os, random, subprocess, sys
from concurrent.futures import ThreadPoolExecutor

HEADER = "ma,study,n,events"


def gen(path, mods=False):
    rnd = random.Random(16)
    mrnd = random.Random(3)
    rows = []
    for g in range(1000):
        k = rnd.randint(2, 12)
        mu, tau = rnd.uniform(-3, 0.5), rnd.uniform(0, 1.2)
        for i in range(k):
            n = rnd.randint(5, 120)
            p = 1 / (1 + pow(2.718281828459045, -(mu + tau * rnd.gauss(0, 1))))
            x = sum(rnd.random() < p for _ in range(n))
            rows.append(f"m{g},m{g}s{i},{n},{x}")
    rows.append("one,one_s1,20,4")                          # k = 1
    rows += [f"zero,zero_s{i},{10 + i},0" for i in range(4)]  # every study 0 events
    rows += [f"miss,miss_s{i},{10 + i}," for i in range(3)]   # every count missing
    rows.append("m3,m3_late,50,")                           # a missing count in a good group
    rnd.shuffle(rows)
    header = HEADER
    if mods:  # the factor's levels: some groups lack one, or have one level only
        header += ",dose,arm"
        rows = [r + f",{mrnd.randint(1, 20)},{mrnd.choice('abc' if r[1] != '1' else 'bc')}"
                for r in rows]
    with open(path, "w") as f:
        f.write(header + "\n" + "\n".join(rows) + "\n")


def groups_of(path):
    groups, line_of = {}, {}
    with open(path) as f:
        next(f)
        for lineno, line in enumerate(f, start=2):
            g = line.split(",")[0]
            groups.setdefault(g, []).append(line)
            line_of[line.split(",")[1]] = lineno
    return groups, line_of


def relabel(rec, line_of, sep_run):
    """Each study's and exclusion's "row" replaced by its label, after
    checking that it is the study's line in the file it came from."""
    for key in ("studies", "excluded"):
        for i, s in enumerate(rec.get(key) or []):
            want = sep_run[s["study"]] if sep_run is not None else line_of[s["study"]]
            if s["row"] != want:
                raise AssertionError(f'{s["study"]}: row {s["row"]}, want {want}')
            s["row"] = s["study"]
    return rec


def check(mscmeta, path, tmp, args):
    command = "pool"
    if args[:1] == ["--command"]:
        command, args = args[1], args[2:]
    with open(path) as f:
        header = f.readline().rstrip("\n")
    groups, line_of = groups_of(path)
    out = subprocess.run([mscmeta, command, path, "--by", "ma", "--format", "jsonl", *args],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"pool --by exited {out.returncode}: {out.stderr}")
    recs = [json.loads(l) for l in out.stdout.splitlines()]
    order = list(groups)  # first appearance
    if [r["by"] for r in recs] != order:
        sys.exit("the records are not one per group in the order of first appearance")

    def separate(g):
        f = os.path.join(tmp, f"g_{g}.csv")
        with open(f, "w") as fh:
            fh.write(header + "\n" + "".join(groups[g]))
        r = subprocess.run([mscmeta, command, f, "--format", "json", *args],
                           capture_output=True, text=True)
        return g, r.returncode, r.stdout, r.stderr

    # MSC_BY_STRIDE=N compares every Nth group (and every special one) with
    # its separate run: sanitizer builds run mscmeta ~10x slower, and the
    # plain build compares them all (tests/CMakeLists.txt).
    stride = int(os.environ.get("MSC_BY_STRIDE", "1"))
    chosen = [g for i, g in enumerate(order) if i % stride == 0 or not g.startswith("m")]
    fails, compared = 0, 0
    with ThreadPoolExecutor(2) as ex:
        results = dict((g, (rc, o, e)) for g, rc, o, e in ex.map(separate, chosen))
    for rec in recs:
        g = rec.pop("by")
        if g not in results:
            continue
        rc, o, e = results[g]
        if rc != 0 and command == "regress":  # regress alone refuses it: --by says why
            why = e.strip().split(": ", 2)[-1]  # "mscmeta: error: FILE: why"
            ok = rc == 1 and not rec["fitted"] and (
                any(why in w for w in rec["warnings"]) or  # alone it says so as an error
                rec["skipped"] and "no outcome has a study" in why and
                any("no study has usable" in w for w in rec["warnings"]))
            if not ok:
                print(f"FAIL group {g}: regress alone exited {rc} ({e.strip()}); --by: {rec}")
                fails += 1
            compared += 1
            continue
        if g == "miss":  # pool alone refuses it; --by reports it skipped
            ok = rc == 1 and rec["skipped"] and rec["k"] == 0 and any(
                "no study has usable" in w for w in rec["warnings"]) and len(rec["excluded"]) == 3
            if not ok:
                print(f"FAIL group miss: {rec}")
                fails += 1
            continue
        if rc != 0:
            print(f"FAIL group {g}: pool alone exited {rc}: {e}")
            fails += 1
            continue
        want = json.loads(o)["outcomes"][0]
        sep_lines = {l.split(",")[1]: i for i, l in enumerate(groups[g], start=2)}
        try:
            relabel(rec, line_of, None)
            relabel(want, None, sep_lines)
        except AssertionError as err:
            print(f"FAIL group {g}: {err}")
            fails += 1
            continue
        if rec != want:
            diff = [k for k in set(rec) | set(want) if rec.get(k) != want.get(k)]
            print(f"FAIL group {g}: members differ: {sorted(diff)}")
            fails += 1
        compared += 1
    if compared < len(chosen) - 1:  # every chosen group but "miss" was compared
        print(f"FAIL only {compared} of {len(chosen) - 1} groups were compared")
        fails += 1
    # the group of one study carries its own warning (and was compared above)
    one = [r for r in recs if "one_s1" in [s["study"] for s in r["studies"] or []]]
    if command == "pool" and (len(one) != 1 or not any("k = 1" in w for w in one[0]["warnings"])):
        print("FAIL group one: no k = 1 warning")
        fails += 1
    print(f"by_compare {' '.join(args)}: {compared} groups equal to separate runs, {fails} failures")
    return fails


if __name__ == "__main__":
    if sys.argv[1] == "gen":
        gen(sys.argv[2], sys.argv[3:] == ["mods"])
    else:
        sys.exit(1 if check(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]) else 0)
