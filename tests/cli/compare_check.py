#!/usr/bin/env python3
"""Checks `mscmeta compare` against separate `mscmeta pool` runs (issue 10
section 4): for every outcome and EVERY row, the row's numbers (estimate,
CI, yi, se, tau^2, I^2, rho, k) equal, exactly (same doubles, JSON read
back), the JSON of `pool FILE <the row's options (same_as)> <shared options>`:
the random block for a model's row, random.marginal for the GLMM's
marginal row, the exact block for the exact row, and heterogeneity (null
where pool shows null). The CSV's model rows hold the same numbers.

Usage: compare_check.py MSCMETA FILE [shared options...]
Exit 0 when every check holds; prints each failure."""
import csv
import io
import json
import shlex
import subprocess
import sys


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit("FAIL %s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr))
    return p.stdout


def main():
    bin_, path, shared = sys.argv[1], sys.argv[2], sys.argv[3:]
    cmp = json.loads(run([bin_, "compare", path, "--format", "json"] + shared))
    csv_rows = list(csv.DictReader(io.StringIO(
        run([bin_, "compare", path, "--format", "csv"] + shared))))
    fails = checks = 0
    pools = {}

    def pool(opts):
        if opts not in pools:
            pools[opts] = json.loads(run([bin_, "pool", path, "--format", "json",
                                          "--summary-only"] + list(opts) + shared))
        return pools[opts]

    def same(what, got, want):
        nonlocal fails, checks
        checks += 1
        if got != want and not (got is None and want is None):
            fails += 1
            print("FAIL %s %s: compare %r, pool %r" % (path, what, got, want))

    for j, out in enumerate(cmp["outcomes"]):
        assert len(out["models"]) == 11, "11 rows per outcome"
        for row in out["models"]:
            opts = () if row["model"] == "exact" else tuple(shlex.split(row["same_as"])[1:])
            po = pool(opts)["outcomes"][j]
            same("%s outcome name" % row["model"], out["outcome"], po["outcome"])
            what = "%s/%s" % (out["outcome"], row["model"])
            same(what + " k", row["k"], po["k"])
            if po["skipped"]:
                for key in ("estimate", "ci_lower", "ci_upper"):
                    same(what + " " + key, row[key], None)
                continue
            het = po["heterogeneity"] or {}
            if row["model"] == "exact":
                blk, yi, se, tau2, i2, rho = po["exact"], None, None, None, None, None
            elif row["model"] == "glmm_marginal":
                blk = po["random"]["marginal"]
                yi, se, tau2, i2, rho = None, None, het.get("tau2"), het.get("I2"), None
            else:
                blk = po["random"]
                yi, se = blk["yi"], blk["se"]
                tau2, i2, rho = het.get("tau2"), het.get("I2"), het.get("rho")
            for key in ("estimate", "ci_lower", "ci_upper"):
                same(what + " " + key, row[key], blk[key] if blk else None)
            same(what + " yi", row["yi"], yi)
            same(what + " se", row["se"], se)
            same(what + " tau2", row["tau2"], tau2)
            same(what + " I2", row["I2"], i2)
            same(what + " rho", row["rho"], rho)
            if row["model"] not in ("exact", "glmm_marginal"):
                s = pool(opts)["settings"]
                for key in ("method", "measure", "test", "cc"):
                    same(what + " " + key, row[key], s[key])
            # the CSV row: the same doubles, empty for null
            c = [r for r in csv_rows if r["type"] == "model" and r["outcome"] == out["outcome"]
                 and r["model"] == row["model"]]
            same(what + " CSV rows", len(c), 1)
            for key in ("estimate", "ci_lower", "ci_upper", "yi", "se", "tau2", "I2", "rho"):
                if c:
                    v = c[0][key]
                    same(what + " CSV " + key, None if v == "" else float(v), row[key])
            if c:
                same(what + " CSV same_as", c[0]["same_as"], row["same_as"])
    print("compare_check %s %s: %d checks, %d failures" % (path, " ".join(shared), checks, fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
