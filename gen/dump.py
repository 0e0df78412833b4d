#!/usr/bin/env python3
"""gen/dump.py: print the canonical dump (conformance/DUMP.md) of a hive with gen/'s independent
reader, or its validation findings.

  python3 gen/dump.py HIVE            dump to stdout; exit 1 (and the first rejecting rule on
                                      stderr) when the strict validator rejects the hive
  python3 gen/dump.py --check HIVE... every finding (rule, severity, offset, message) per file
  python3 gen/dump.py --no-security HIVE   dump without D records

Exit codes: 0 accepted, 1 rejected / unreadable, 2 usage.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reader  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description="Canonical dump / validation with gen/'s reader.")
    ap.add_argument("hives", nargs="+", metavar="HIVE")
    ap.add_argument("--check", action="store_true", help="print findings instead of the dump")
    ap.add_argument("--no-security", action="store_true", help="omit D records")
    args = ap.parse_args(argv)
    if not args.check and len(args.hives) != 1:
        ap.error("dump takes exactly one HIVE (use --check for several)")
    rc = 0
    for path in args.hives:
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            print("%s: %s" % (path, e), file=sys.stderr)
            rc = 1
            continue
        h = reader.load(data)
        rej = h.rejects()
        if args.check:
            for fi in h.findings:
                print("%s: %r" % (path, fi))
            print("%s: %s (%d keys, %d values)" % (path, "rejected" if rej else "ok",
                                                   h.n_keys, h.n_values))
        elif rej or h.root is None:
            print("%s: rejected: %r" % (path, rej[0] if rej else "no root"), file=sys.stderr)
        else:
            lines = reader.dump_tree(h.root, not args.no_security)
            lines.append("S\t%d\t%d\t%d" % (h.n_keys, h.n_values, h.n_bytes))
            sys.stdout.buffer.write(("\n".join(lines) + "\n").encode("utf-8", "surrogatepass"))
        if rej:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main())
