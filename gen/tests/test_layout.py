"""gen/layout.py mirrors ref/src/layout.h: every name defined in both has the same value
(STYLE.md item 2).  The header is read as text; gen/ never imports ref/."""
import os
import re
import unittest

import _paths
import layout

DEFINE = re.compile(r"^\s*#define\s+([A-Z][A-Z0-9_]*)\s+(0x[0-9A-Fa-f]+|\d+)[uUlL]*\b")


def parse_header(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = DEFINE.match(line)
            if m:
                out[m.group(1)] = int(m.group(2), 0)
    return out


class TestLayout(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(_paths.LAYOUT_H):
            self.skipTest("ref/src/layout.h absent")
        self.c = parse_header(_paths.LAYOUT_H)

    def test_same_values(self):
        py = {k: v for k, v in vars(layout).items() if k.isupper() and isinstance(v, int)}
        common = sorted(set(py) & set(self.c))
        self.assertGreater(len(common), 150, "too few shared names: parser broken?")
        bad = ["%s: layout.h %#x, layout.py %#x" % (k, self.c[k], py[k])
               for k in common if self.c[k] != py[k]]
        self.assertEqual(bad, [])

    def test_core_names_present_in_header(self):
        for name in ("REGF_OFF_CHECKSUM", "NK_OFF_NAME", "VK_OFF_DATA", "DB_SEGMENT_SIZE",
                     "SK_OFF_DESC", "LH_SIGNATURE", "HBIN_HEADER_SIZE"):
            self.assertIn(name, self.c)


if __name__ == "__main__":
    unittest.main()
