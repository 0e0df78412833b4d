#!/usr/bin/env python3
"""saveread.py: third-party libraries read what ORSaveHive writes (issue 4, "the saved file ...
libhivex and libregf open it and read the same keys and values").

For every real primary hive in ../shared/hives that the reference engine opens, and for each
save target format (10.0 -> regf 1.5, 5.1 -> regf 1.3), the hive is re-saved with
`hiveref convert` and every installed adapter (ref, hivex, libregf, ...) opens both the original
and the saved file.  Each library must read the saved file exactly as it reads the original
(same canonical dump, projected onto its own capabilities; the root's stored name aside).
Comparing a library with itself keeps its known reading bugs (conformance/FINDINGS.md) out of
the verdict: what is tested is that our writer produces nothing a reader sees differently.

Usage: saveread.py --build BUILD [--hives DIR] [--adapter NAME]... [--limit-mb N]
Exit 0 when every comparison agrees (or nothing could run: no ../shared), 1 otherwise.
Prints "N passed, N failed, N skipped".
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import caselib  # noqa: E402
import dumpcmp  # noqa: E402

TARGETS = (("10.0", "1.5"), ("5.1", "1.3"))
ORIGINS = ("real-windows", "windows-made-test", "tool-made")


def adapters(build, wanted):
    lst = os.path.join(build, "conformance", "adapters.tsv")
    out = {}
    if os.path.exists(lst):
        for row in caselib.read_tsv(lst):
            if os.path.exists(row["path"]) and (not wanted or row["name"] in wanted):
                out[row["name"]] = row["path"]
    return out


def caps(path):
    r = subprocess.run([path, "caps"], capture_output=True, text=True, timeout=60)
    return set(r.stdout.split())


def dump(path, hive):
    r = subprocess.run([path, "open", hive], capture_output=True, timeout=300)
    if r.returncode != 0:
        return None
    text = r.stdout.decode("utf-8", "surrogateescape")
    return [ln for ln in text.split("\n") if ln[:1] in ("K", "V", "D", "S")]


def overread(line, truth):
    """True when a V line is the true value plus bytes read past its stored length (the
    libregf string over-read of FINDINGS.md): same key, name and type, a larger size, and data
    that starts with the true data."""
    lf, tf = line.split("\t"), truth.split("\t")
    if len(lf) != 5 or len(tf) != 5 or lf[:3] != tf[:3] or not lf[0].startswith("V "):
        return False
    try:
        return int(lf[3]) > int(tf[3]) and lf[4].startswith(tf[4])
    except ValueError:
        return False


def writer_diff(orig, saved, truth):
    """The first difference that is the writer's fault, or None.  A line the library reads
    differently in the saved file counts against the writer when the library read that line of
    the original correctly (as the reference reading, the truth, has it).  Where the library
    misread the original already, the writer cannot be judged by it: e.g. libregf reads string
    data past its stored length into cell slack (FINDINGS.md), so its reading of a value depends
    on whatever bytes follow the data in the cell."""
    if len(orig) != len(saved):
        return dumpcmp.compare(orig, saved)
    for i, (a, b) in enumerate(zip(orig, saved)):
        t = truth[i] if i < len(truth) else None
        if a != b and (t is None or a == t) and not (t and overread(b, t)):
            return dumpcmp.compare(orig[i:i + 1], saved[i:i + 1]).replace("line 1", "line %d" % (i + 1))
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", required=True)
    ap.add_argument("--hives", default=os.path.join(PROJECT, "..", "shared", "hives"))
    ap.add_argument("--adapter", action="append", default=[])
    ap.add_argument("--limit-mb", type=float, default=16.0, help="skip hives larger than this")
    args = ap.parse_args()
    man = os.path.join(args.hives, "MANIFEST.tsv")
    cli = os.path.join(args.build, "ref", "hiveref")
    ads = adapters(args.build, set(args.adapter))
    if not os.path.exists(man) or "ref" not in ads or not os.path.exists(cli):
        print("saveread: ../shared/hives, the ref adapter or the CLI is absent: nothing to do")
        print("0 passed, 0 failed, 1 skipped")
        return 0
    capsets = {n: caps(p) for n, p in ads.items()}
    passed = failed = skipped = 0
    with tempfile.TemporaryDirectory(prefix="hiveref-saveread-") as tmp:
        for row in caselib.read_tsv(man):
            if row["file_type"] != "primary" or row["origin_class"] not in ORIGINS:
                continue
            src = os.path.join(args.hives, row["local_path"])
            if os.path.getsize(src) > args.limit_mb * (1 << 20):
                skipped += 1
                continue
            originals = {n: dump(p, src) for n, p in ads.items()}
            if originals["ref"] is None:
                skipped += 1   # the engine rejects it (RULES.md lists why)
                continue
            for os_ver, fmt in TARGETS:
                out = os.path.join(tmp, "%d-%s.hive" % (passed + failed + skipped, os_ver))
                r = subprocess.run([cli, "convert", src, out, "--os", os_ver], capture_output=True,
                                   text=True, timeout=300)
                if r.returncode != 0:
                    # 1.3 cannot hold values over 1 MiB (BEHAVIOUR.md): a refusal is legitimate
                    # only with ERROR_INVALID_PARAMETER.
                    if fmt == "1.3" and "ERROR_INVALID_PARAMETER" in r.stderr + r.stdout:
                        skipped += 1
                        continue
                    failed += 1
                    print("FAIL convert %s --os %s: %s" % (row["local_path"], os_ver,
                                                           (r.stderr or r.stdout).strip()[:300]))
                    continue
                for name, path in ads.items():
                    orig = originals[name]
                    if orig is None:
                        continue   # this library cannot read the original: nothing to compare
                    saved = dump(path, out)
                    c = capsets[name]
                    diff = "cannot open the saved file" if saved is None else writer_diff(
                        dumpcmp.project(orig, c), dumpcmp.project(saved, c),
                        dumpcmp.project(originals["ref"], c))
                    if diff:
                        failed += 1
                        print("FAIL %s reads %s saved as %s differently: %s"
                              % (name, row["local_path"], fmt, diff))
                    else:
                        passed += 1
                os.unlink(out)
    print("saveread: adapters %s" % ", ".join(sorted(ads)))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
