"""Real hives in ../shared/hives (primaries of origin real-windows, windows-made-test and
tool-made) parse with the python reader (skipped when the folder is absent: it is never part of
the project tree).  Files of at least 8 KiB must validate without a reject finding, except the
few whose rejection is explained below; every accepted one must produce a dump."""
import os
import unittest

import _paths
import reader

# Known rejections, each a real property of the file, not a reader bug:
KNOWN = {
    # lf hint 0x81 for name byte 0x9F: deliberate mismatch (regf-format.md §12.9) -> R-E13
    "yarp/hives_for_tests/CompHive": "R-E13",
}
ORIGINS = ("real-windows", "windows-made-test", "tool-made")


class TestRealHives(unittest.TestCase):
    def test_parse(self):
        man = os.path.join(_paths.SHARED_HIVES, "MANIFEST.tsv")
        if not os.path.exists(man):
            self.skipTest("../shared/hives absent")
        n = 0
        with open(man, encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f][1:]
        for r in rows:
            if len(r) < 11 or r[9] != "primary" or r[10] not in ORIGINS:
                continue
            path = os.path.join(_paths.SHARED_HIVES, r[0])
            if not os.path.exists(path):
                continue
            with open(path, "rb") as fh:
                data = fh.read()
            with self.subTest(r[0]):
                h = reader.load(data)
                rej = h.rejects()
                if len(data) < 0x2000:
                    self.assertEqual([x.rule for x in rej], ["R-A01"])
                    continue
                if r[0] in KNOWN:
                    self.assertTrue(rej and all(x.rule == KNOWN[r[0]] for x in rej), rej[:2])
                    continue
                # hand-crafted Parse-Win32Registry files use format 0 / version 0.0
                if r[0].startswith("Parse-Win32Registry/") and rej:
                    continue
                self.assertEqual(rej, [])
                self.assertGreater(h.n_keys, 0)
                text = reader.dump(data)
                self.assertTrue(text.startswith("H ") and text.rstrip("\n").split("\n")[-1].startswith("S\t"))
                n += 1
        self.assertGreater(n, 20)


if __name__ == "__main__":
    unittest.main()
