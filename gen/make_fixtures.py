#!/usr/bin/env python3
"""gen/make_fixtures.py: regenerate fixtures/ byte for byte (format: fixtures/README.md).

Usage:
  python3 gen/make_fixtures.py            write fixtures/ (removes stale generated files)
  python3 gen/make_fixtures.py --check    regenerate in memory, exit 1 on any difference
  python3 gen/make_fixtures.py --out DIR  write into DIR instead
  python3 gen/make_fixtures.py --list     print the case ids

Deterministic: fixed timestamps, no clock, no unseeded randomness.  The tables are
gen/fixtures_y.py, fixtures_n.py and fixtures_i.py; each case is checked against the python
validator while generating (a y_ must have no reject finding, an n_ must break its rule and
no other), so a broken table fails here before it reaches the tests.
Exit codes: 0 ok, 1 check failed / inconsistent case, 2 usage.
"""
import argparse
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import fxlib  # noqa: E402
import fixtures_y  # noqa: E402,F401
import fixtures_n  # noqa: E402,F401
import fixtures_i  # noqa: E402,F401
import reader  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "..", "fixtures")
GENERATED_EXT = (".hive", ".case", ".dump")
KEYS = ("id", "description", "doc", "expect", "error", "rule", "rule_alt", "ref", "features",
        "generator", "version", "file", "size", "sha256", "dump", "dump_sha256")
MANIFEST_COLS = ("id", "expect", "error", "rule", "rule_alt", "ref", "version", "size", "sha256",
                 "dump", "description")


def _version(data):
    if len(data) >= 0x1C and data[:4] == b"regf":
        major = int.from_bytes(data[0x14:0x18], "little")
        minor = int.from_bytes(data[0x18:0x1C], "little")
        return "%d.%d" % (major, minor)
    return "-"


def _one_line(s):
    return s.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def generate():
    """-> (files {name: bytes}, problems [str])."""
    files, problems, rows = {}, [], []
    for cid in sorted(fxlib.CASES):
        c = fxlib.CASES[cid]
        data = c["fn"]()
        h = reader.load(data)
        rej = h.rejects()
        ref = c["ref"] or ("accept" if c["expect"] == "accept" else "reject")
        if c["expect"] == "accept" and rej:
            problems.append("%s: y_ case rejected: %s" % (cid, rej[0]))
        if c["expect"] == "reject":
            if not rej:
                problems.append("%s: n_ case accepted" % cid)
            elif not all(c["rule"] in f.ids() for f in rej):
                problems.append("%s: breaks other rules: %s" % (cid, rej[:3]))
        if c["expect"] == "either" and (ref == "reject") != bool(rej):
            problems.append("%s: ref=%s but validator %s" % (cid, ref, rej[:1] or "accepts"))
        dump_name, dump_sha = "-", "-"
        if not rej and h.root is not None:
            text = reader.dump(data).encode("utf-8")
            dump_name = cid + ".dump"
            dump_sha = hashlib.sha256(text).hexdigest()
            files[dump_name] = text
        meta = {
            "id": cid, "description": _one_line(c["description"]), "doc": c["doc"],
            "expect": c["expect"], "error": c["error"], "rule": c["rule"] or "-",
            "rule_alt": c["alt"] or "-", "ref": ref, "features": c["features"] or "-",
            "generator": "gen/make_fixtures.py (%s)" % c["fn"].__module__,
            "version": _version(data), "file": cid + ".hive", "size": str(len(data)),
            "sha256": hashlib.sha256(data).hexdigest(), "dump": dump_name, "dump_sha256": dump_sha,
        }
        files[cid + ".hive"] = data
        files[cid + ".case"] = "".join("%s: %s\n" % (k, meta[k]) for k in KEYS).encode("utf-8")
        rows.append("\t".join(meta[k] for k in MANIFEST_COLS))
    files["MANIFEST.tsv"] = ("\t".join(MANIFEST_COLS) + "\n" + "\n".join(rows) + "\n").encode()
    return files, problems


def _existing(out):
    if not os.path.isdir(out):
        return {}
    return {f for f in os.listdir(out) if f.endswith(GENERATED_EXT) or f == "MANIFEST.tsv"}


def main(argv=None):
    ap = argparse.ArgumentParser(description="Regenerate fixtures/ (see fixtures/README.md).")
    ap.add_argument("--check", action="store_true", help="compare with the committed fixtures")
    ap.add_argument("--out", default=DEFAULT_OUT, help="output directory (default fixtures/)")
    ap.add_argument("--list", action="store_true", help="list case ids and exit")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(sorted(fxlib.CASES)))
        return 0
    files, problems = generate()
    for p in problems:
        print("inconsistent: " + p, file=sys.stderr)
    out = os.path.abspath(args.out)
    if args.check:
        diff = []
        have = _existing(out)
        for name, data in sorted(files.items()):
            path = os.path.join(out, name)
            if not os.path.exists(path):
                diff.append("missing " + name)
            else:
                with open(path, "rb") as f:
                    if f.read() != data:
                        diff.append("differs " + name)
        diff += ["stale " + f for f in sorted(have - set(files))]
        for d in diff:
            print(d, file=sys.stderr)
        if diff or problems:
            print("fixtures check FAILED: %d differences, %d inconsistent cases"
                  % (len(diff), len(problems)), file=sys.stderr)
            return 1
        print("fixtures check ok: %d files" % len(files))
        return 0
    os.makedirs(out, exist_ok=True)
    for stale in sorted(_existing(out) - set(files)):
        os.remove(os.path.join(out, stale))
    for name, data in files.items():
        path = os.path.join(out, name)
        if os.path.exists(path):
            with open(path, "rb") as f:
                if f.read() == data:
                    continue
        with open(path, "wb") as f:
            f.write(data)
    counts = {p: sum(1 for k in fxlib.CASES if k.startswith(p)) for p in ("y_", "n_", "i_")}
    print("wrote %d files to %s (y_ %d, n_ %d, i_ %d)" % (len(files), out, counts["y_"],
                                                           counts["n_"], counts["i_"]))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
