"""gen/names.py: upcase table facts, lh hash vectors, lf hints, ordering, dump escapes
(regf-format.md §6.2-§6.4; conformance/DUMP.md)."""
import unittest

import _paths  # noqa: F401
import names as N


class TestNames(unittest.TestCase):
    def test_upcase_facts(self):
        self.assertEqual(N.upcase_unit(0xFF), 0x178)
        self.assertEqual(N.upcase_unit(0xE0), 0xC0)
        self.assertEqual(N.upcase_unit(0xF7), 0xF7)
        for c in (0xB5, 0xDF, 0x131, 0x17F, 0x1C5, 0x3C2, 0x1E9E, 0x10D0):
            self.assertEqual(N.upcase_unit(c), c, hex(c))
        self.assertEqual(N.upcase_unit(0x451), 0x401)
        self.assertEqual(N.upcase_unit(0x2170), 0x2160)
        self.assertEqual(N.upcase_unit(0x24D0), 0x24B6)
        self.assertEqual(N.upcase_unit(0xFF41), 0xFF21)
        self.assertEqual(sum(1 for c in range(0x10000) if N.upcase_unit(c) != c), 973)

    def test_lh_hash_vectors(self):
        vec = {"A": 0x41, "Software": 0xE9FE1463, "SOFTWARE": 0xE9FE1463,
               "Microsoft": 0x7F00CD26, "ControlSet001": 0x8F3BA9A2,
               "ëigenaardig": 0x4B098ECE, "Привет": 0x81C3D610, "ÿ": 0x178, "µ": 0xB5}
        for s, h in vec.items():
            self.assertEqual(N.lh_hash(N.units(s)), h, s)

    def test_lf_hint(self):
        self.assertEqual(N.lf_hint(N.units("abcdef")), b"abcd")
        self.assertEqual(N.lf_hint(N.units("ab")), b"ab\0\0")
        self.assertEqual(N.lf_hint(N.units("aПb")), b"\0\0b\0")
        self.assertEqual(N.lf_hint(N.units("abcПd")), b"\0\0\0\0")
        self.assertEqual(N.lf_hint(N.units("Пab")), b"\0ab\0")
        self.assertEqual(N.lf_hint(N.units("ëa")), b"\xeba\0\0")

    def test_order(self):
        self.assertLess(N.compare(N.units("a"), N.units("B")), 0)
        self.assertLess(N.compare(N.units("ab"), N.units("abc")), 0)
        self.assertEqual(N.compare(N.units("ÿ"), N.units("Ÿ")), 0)
        # '_' (0x5F) sorts after 'a' because 'a' compares as 'A' (0x41): Windows order, not ASCII
        self.assertGreater(N.compare(N.units("_"), N.units("a")), 0)
        self.assertGreater(N.compare(N.units("_"), N.units("A")), 0)

    def test_escape(self):
        self.assertEqual(N.escape_units(N.units("a\\b\tc\nd\re\0")), "a\\\\b\\tc\\nd\\re\\0")
        self.assertEqual(N.escape_units(N.units("\x01")), "\\u{0001}")
        self.assertEqual(N.escape_units(N.units("\U0001D11E")), "\U0001D11E")
        self.assertEqual(N.escape_units((0xD800, 0x41)), "\\u{D800}A")
        self.assertEqual(N.escape_units((0xDC00,)), "\\u{DC00}")
        self.assertEqual(N.escape_units(N.units("ë")), "ë")


if __name__ == "__main__":
    unittest.main()
