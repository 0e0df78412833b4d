#!/usr/bin/env python3
"""gen/bench_corpus.py: throughput of gen/corpus.py, printed as hives/s.

Builds deterministic seed hives of about 16, 64 and 256 KiB with gen/regf.py into a temporary
directory, runs corpus.py with --jobs J (default 2) for --count N outputs (default 4000) into a
temporary output directory, and prints the rate.  Target (issue): >= 1,000 hives/s on 2 cores for
seeds <= 256 KiB.  Usage: bench_corpus.py [--count N] [--jobs J] [--keep DIR]
"""
import argparse
import os
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import corpus  # noqa: E402
from regf import Key, Value, build  # noqa: E402
from fxlib import pattern, sz, dw  # noqa: E402


def seed_hive(nkeys, nvals, big=False):
    kids = []
    for k in range(nkeys):
        vals = [Value("v%d" % j, (1, 3, 4)[j % 3], sz("x" * (j % 40)) if j % 3 == 0 else
                      pattern(12 + j % 50, k) if j % 3 == 1 else dw(j)) for j in range(nvals)]
        kids.append(Key("Key%04d" % k, vals, [Key("Sub%d" % j) for j in range(k % 4)],
                        cls="C" if k % 7 == 0 else None))
    root_vals = [Value("big", 3, pattern(40000, 3))] if big else []
    return bytes(build(Key("ROOT", root_vals, kids), 5).img)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=4000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", default=None, help="write outputs here instead of a temp dir")
    args = ap.parse_args()
    # tmpfs when available: the bench measures the generator, not the disk (on a plain disk the
    # page-cache writeback of ~1 GB of output dominates).
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    tmp = tempfile.mkdtemp(prefix="hiveref-bench-", dir=shm)
    try:
        seeds = os.path.join(tmp, "seeds")
        os.makedirs(seeds)
        for name, h in (("s16k", seed_hive(20, 6)), ("s64k", seed_hive(80, 8, True)),
                        ("s256k", seed_hive(230, 12, True))):
            with open(os.path.join(seeds, name), "wb") as f:
                f.write(h)
        sizes = sorted(os.path.getsize(os.path.join(seeds, f)) for f in os.listdir(seeds))
        out = args.keep or os.path.join(tmp, "out")
        t = time.time()
        rc = corpus.main(["--seeds", seeds, "--out", out, "--count", str(args.count),
                          "--jobs", str(args.jobs), "--seed", "1"])
        el = time.time() - t
        print("seeds %s bytes; %d hives in %.2f s with %d jobs (output on %s): %.0f hives/s"
              % ("/".join(map(str, sizes)), args.count, el, args.jobs, os.path.dirname(os.path.abspath(out)),
                 args.count / el))
        return rc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
