#!/usr/bin/env python3
"""mkopen: (re)generates conformance/cases/open/hives.tsv, the open cases of every file listed in
../shared/hives/MANIFEST.tsv, with their expectations taken from gen/reader.py, the project's
independent python reader (never from the engine under test).

usage: mkopen.py [--hives DIR] [--out FILE]

Expectation per file:
  * a primary hive made by Windows (origin_class real-windows) must be accepted (y_): a real hive
    that strict mode rejects is a bug until proven otherwise (DESIGN.md §2);
  * every other file takes the reader's verdict: accepted -> y_, rejected -> n_ with the
    rejecting rule ids (`rule`, and the others in `rule_alt`); an empty file is ERROR_BADDB (OROpenHive doc), anything else rejected is
    ERROR_NOT_REGISTRY_FILE.
The expected dump is recorded as digests (real hives dump to tens of MB): `dump` is the sha256 of
the full-fidelity projection and `digests` holds the projections the in-tree adapters can read
(capability letters: c class, t timestamps, f key flags, r raw data, s security), so a run
compares digests and only re-runs the reader to show a difference.
"""
import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(PROJECT, "gen"))
import caselib  # noqa: E402
import dumpcmp  # noqa: E402
import reader  # noqa: E402

SIGNATURES = ("ctfrs", "ctrs", "tr", "cr", "c")   # full, ref/libregf, hivex, pwr, reglookup
COLUMNS = ("id", "file", "sha256", "expect", "error", "rule", "rule_alt", "dump", "digests", "summary",
           "features", "doc", "description")


def ident(path, seen):
    base = re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_")
    base = re.sub(r"_+", "_", base)[:90].strip("_")
    n, out = 2, base
    while out in seen:
        out = "%s_%d" % (base, n)
        n += 1
    seen.add(out)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hives", default=os.path.join(PROJECT, "..", "shared", "hives"))
    ap.add_argument("--out", default=os.path.join(PROJECT, "conformance", "cases", "open", "hives.tsv"))
    args = ap.parse_args()
    rows, seen = [], set()
    manifest = caselib.read_tsv(os.path.join(args.hives, "MANIFEST.tsv"))
    for m in manifest:
        rel = m["local_path"]
        path = os.path.join(args.hives, rel)
        if not os.path.exists(path):
            continue
        with open(path, "rb") as fh:
            data = fh.read()
        hive = reader.load(data)
        rej = hive.rejects()
        accepted = not rej and hive.root is not None
        real = m.get("origin_class") == "real-windows" and m.get("file_type") == "primary"
        prefix = "y" if (accepted or real) else "n"
        row = {"id": "%s_hive_%s" % (prefix, ident(rel, seen)), "file": "hives/" + rel,
               "sha256": caselib.sha256_file(path), "expect": caselib.EXPECT_BY_PREFIX[prefix],
               "error": "-", "rule": "-", "rule_alt": "-", "dump": "-", "digests": "", "summary": "",
               "features": "read", "doc": "regf-format.md §12" if real else "regf-format.md §8",
               "description": ("%s (%s, %s, %s bytes)" % (m.get("description", ""), m.get("origin_class", "-"),
                                                          m.get("file_type", "-"), m.get("size_bytes", "?"))
                               ).replace("\t", " ")[:300]}
        if accepted:
            lines = [ln for ln in reader.dump(data).split("\n") if ln]
            row["dump"] = "sha256:" + dumpcmp.digest(dumpcmp.project(lines, dumpcmp.caps_of_signature("ctfrs")))
            row["digests"] = ",".join("%s=%s" % (sig, dumpcmp.digest(dumpcmp.project(
                lines, dumpcmp.caps_of_signature(sig)))) for sig in SIGNATURES[1:])
            s = lines[-1].split("\t")
            row["summary"] = " ".join(s[1:4]) if s[0] == "S" else ""
        elif real:
            row["description"] = ("NOTE: gen/reader.py rejects this real hive (%s); " % rej[0]
                                  + row["description"])[:300]
        else:
            # A real file may break several rules at once and which one an engine reports first
            # is its own business: the first is `rule`, the others are accepted as `rule_alt`.
            # An empty file is ERROR_BADDB by the OROpenHive documentation, not a format rule.
            row["error"] = "ERROR_BADDB" if len(data) == 0 else "ERROR_NOT_REGISTRY_FILE"
            ids = []
            for fnd in rej:
                for r in sorted(fnd.ids()):
                    if r not in ids:
                        ids.append(r)
            if len(data) and ids:
                row["rule"] = ids[0]
                row["rule_alt"] = " ".join(ids[1:]) or "-"
        rows.append(row)
        print("%s %s" % (row["id"][:70], row["rule"] if prefix == "n" else row["summary"]), flush=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        fh.write("# open/ family, part 2: every file of ../shared/hives (MANIFEST.tsv), generated by\n"
                 "# conformance/runner/mkopen.py from gen/reader.py; cases SKIP when ../shared is absent.\n")
        fh.write("\t".join(COLUMNS) + "\n")
        for r in rows:
            fh.write("\t".join(r[c] for c in COLUMNS) + "\n")
    print("%d hive cases -> %s" % (len(rows), args.out))


if __name__ == "__main__":
    main()
