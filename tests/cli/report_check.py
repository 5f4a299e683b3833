#!/usr/bin/env python3
"""Checks an HTML report (mscmeta report) against `pool --format json` of
the same data and options: for every outcome that was pooled, the
common- and random-effects estimates with their intervals, the prediction
interval, the exact pooled proportion and each study's proportion and
interval appear, as the table rounds them (4 decimals), in a cell or line
of the page; tau^2 and the subgroup estimates too. Any HTML (the file, or
Chromium's --dump-dom of it) is parsed with html.parser, so the numbers
are checked as text the page shows, not as bytes of markup.
Usage: report_check.py POOL.json PAGE.html"""
import html.parser
import json
import sys


class Text(html.parser.HTMLParser):
    """The page's text, without what <svg>, <style> and <head> hold."""

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("svg", "style", "head", "script"):
            self.skip += 1
        if tag in ("td", "th", "p", "tr", "li", "dd", "h2", "h3"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("svg", "style", "head", "script"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def f4(v):
    return "NA" if v is None else "%.4f" % v


def main():
    pool = json.load(open(sys.argv[1], encoding="utf-8"))
    t = Text()
    t.feed(open(sys.argv[2], encoding="utf-8").read())
    text = "".join(t.parts)
    bad = []

    def want(what, s):
        if s not in text:
            bad.append("%s: %r not in the page" % (what, s))

    n = 0
    for o in pool["outcomes"]:
        if o["skipped"]:
            continue
        name = o["outcome"]
        want(name + " heading", "%s (k = %d studies" % (name, o["k"]))
        for block in ("common", "random"):
            e = o[block]
            want("%s %s estimate" % (name, block), f4(e["estimate"]))
            want("%s %s CI" % (name, block), "[%s, %s]" % (f4(e["ci_lower"]), f4(e["ci_upper"])))
            n += 3
        r = o["random"]
        if r.get("pi_lower") is not None:
            want(name + " PI", "[%s, %s]" % (f4(r["pi_lower"]), f4(r["pi_upper"])))
        x = o["exact"]
        want(name + " exact", "[%s, %s]" % (f4(x["ci_lower"]), f4(x["ci_upper"])))
        tau2 = o["heterogeneity"].get("tau2")
        if tau2 is not None:
            want(name + " tau^2", "tau^2 = %s" % ("%.4g" % tau2 if tau2 else "0"))
        want(name + " exact events", "%d events / %d patients" % (o["events_total"], o["n_total"]))
        for s in o["studies"]:
            want("%s study %s" % (name, s["study"]),
                 "[%s, %s]" % (f4(s["ci_lower"]), f4(s["ci_upper"])))
            n += 2
        for g in o.get("subgroups") or []:
            e = g.get("random") or {}
            if e.get("estimate") is not None:
                want("%s subgroup %s" % (name, g.get("group")),
                     "[%s, %s]" % (f4(e["ci_lower"]), f4(e["ci_upper"])))
                n += 2
    if n == 0:
        bad.append("no outcome was checked")
    for b in bad:
        print("FAIL " + b)
    print("report_check: %d numbers, %d missing" % (n, len(bad)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
