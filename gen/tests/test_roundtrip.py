"""The builder (gen/regf.py) produces what the reader (gen/reader.py) reads back, for every
feature, with no finding at all; plus on-disk facts the writer rules of regf-format.md §10 fix."""
import struct
import unittest

import _paths  # noqa: F401
import layout as L
import names as N
import reader
from regf import Key, Value, build, chain, make_sd, acl, ace, SID_EVERYONE, header_checksum
from fxlib import pattern, sz, dw


def expected(key):
    raw, comp, u = key.encoded()
    cls = key.cls.encode("utf-16-le") if isinstance(key.cls, str) else key.cls
    vals = [(v.encoded()[2], v.type, v.data) for v in key.values]
    return u, cls or None, vals


def compare_tree(tc, model, node):
    stack = [(model, node)]
    n = 0
    while stack:
        m, nd = stack.pop()
        u, cls, vals = expected(m)
        tc.assertEqual(nd.units, u)
        tc.assertEqual(nd.cls, cls)
        tc.assertEqual([(v.units, v.type, v.data) for v in nd.values], vals)
        tc.assertEqual(len(nd.children), len(m.subkeys))
        kids = sorted(m.subkeys, key=lambda k: N.sort_key(k.encoded()[2]))
        got = sorted(nd.children, key=lambda c: N.sort_key(c.units))
        stack.extend(zip(kids, got))
        n += 1
    return n


class TestRoundTrip(unittest.TestCase):
    def check(self, root, minor=5, **kw):
        b = build(root, minor, **kw)
        h = reader.load(bytes(b.img))
        bad = [f for f in h.findings if f.sev != "info" and f.rule != "R-A10"]
        self.assertEqual(bad, [])
        compare_tree(self, root, h.root)
        return b, h

    def test_versions(self):
        for m in (3, 4, 5, 6):
            with self.subTest(minor=m):
                root = Key("ROOT", [Value("", 1, sz("d"))], [Key("a", [Value("x", 4, dw(1))]), Key("b")])
                b, h = self.check(root, m)
                self.assertEqual(h.header["minor"], m)
                sig = b.img.u16(b.img.rec(root.off_slist))
                self.assertEqual(sig, L.LH_SIGNATURE if m >= 5 else L.LF_SIGNATURE)

    def test_list_types(self):
        for lt in ("li", "lf", "lh"):
            for minor in (3, 5):
                with self.subTest(lt=lt, minor=minor):
                    root = Key("ROOT", [], [Key("k%03d" % i) for i in range(30)], list_type=lt)
                    self.check(root, minor)
            with self.subTest(ri=lt):
                root = Key("ROOT", [], [Key("k%03d" % i) for i in range(30)], list_type="ri",
                           leaf_type=lt, leaf_split=7)
                b, _ = self.check(root)
                self.assertEqual(b.img.u16(b.img.rec(root.off_slist)), L.RI_SIGNATURE)
                self.assertEqual(len(root.off_leaves), 5)

    def test_auto_ri_above_1012(self):
        root = Key("ROOT", [], [Key("k%04d" % i) for i in range(1013)])
        b, h = self.check(root)
        self.assertEqual(b.img.u16(b.img.rec(root.off_slist)), L.RI_SIGNATURE)

    def test_lh_hashes_on_disk(self):
        names = ["Software", "ëigenaardig", "Привет", "ÿ"]
        root = Key("ROOT", [], [Key(x) for x in names])
        b, _ = self.check(root)
        a = b.img.rec(root.off_slist)
        for j, k in enumerate(root.subkeys):
            self.assertEqual(b.img.u32(a + 4 + 8 * j + 4), N.lh_hash(N.units(k.name)))

    def test_data_sizes(self):
        for n in (0, 1, 2, 3, 4, 5, 100, 16343, 16344, 16345, 32688, 32689, 81725):
            with self.subTest(n=n):
                v = Value("v", 3, pattern(n, n))
                b, _ = self.check(Key("ROOT", [v]))
                dl = b.img.u32(b.img.rec(v.off_vk) + L.VK_OFF_DATA_LEN)
                if n <= 4:
                    self.assertEqual(dl, n | L.VK_DATA_INLINE_BIT)
                elif n <= 16344:
                    self.assertEqual(dl, n)
                    self.assertIsNone(v.off_dblist)
                else:
                    self.assertEqual(len(v.off_segs), (n + 16343) // 16344)
                    self.assertEqual(-b.img.cell_size(v.off_data), 16)
                    for s in v.off_segs:
                        self.assertEqual(-b.img.cell_size(s), L.DB_SEGMENT_CELL_SIZE)

    def test_big_in_1_3_is_one_cell(self):
        v = Value("v", 3, pattern(40000, 1))
        b, _ = self.check(Key("ROOT", [v]), 3)
        self.assertIsNone(v.off_dblist)

    def test_empty_value_encodings(self):
        v1, v2 = Value("a", 1, b""), Value("b", 1, b"", storage="empty_nil")
        b, _ = self.check(Key("ROOT", [v1, v2]))
        self.assertEqual(b.img.u32(b.img.rec(v1.off_vk) + 4), 0x80000000)
        self.assertEqual(b.img.u32(b.img.rec(v2.off_vk) + 4), 0)
        self.assertEqual(b.img.u32(b.img.rec(v2.off_vk) + 8), L.REGF_CELL_NIL)

    def test_types_and_names(self):
        vals = [Value("t%d" % t, t, pattern(t * 3, t)) for t in range(12)]
        vals += [Value("unk", 0xFFFFFFFF, b"x"), Value("", 1, sz("default")),
                 Value("значение", 1, sz("u")), Value("a\ud800", 3, b"ls")]
        kids = [Key(x) for x in ("ëigen", "Привет", "\U0001D11E", "a\udc00", "nu\x00l", "line\r\n")]
        self.check(Key("ROOT", vals, kids))

    def test_name_compression_rule(self):
        root = Key("ROOT", [], [Key("latin"), Key("ëé"), Key("Я")])
        b, _ = self.check(root)
        flags = {k.name: b.img.u16(b.img.rec(k.off_nk) + 2) for k in root.subkeys}
        self.assertTrue(flags["latin"] & L.KEY_COMP_NAME)
        self.assertTrue(flags["ëé"] & L.KEY_COMP_NAME)
        self.assertFalse(flags["Я"] & L.KEY_COMP_NAME)

    def test_classes(self):
        self.check(Key("ROOT", [], [Key("a", cls="Class"), Key("b", cls="Клас"), Key("c", cls=b"odd")],
                       cls="R"))

    def test_depth_512(self):
        root, deepest = chain(512)
        _, h = self.check(root)
        self.assertEqual(h.n_keys, 512)

    def test_security_refcounts(self):
        sd2 = make_sd(dacl=acl(ace(SID_EVERYONE)))
        root = Key("ROOT", [], [Key("a", sd=sd2), Key("b", sd=sd2, subkeys=[Key("c")]), Key("d")])
        b, h = self.check(root)
        self.assertEqual(len(b.sks), 2)
        counts = [b.img.u32(b.img.rec(c) + L.SK_OFF_REFCOUNT) for _, c in b.sks]
        self.assertEqual(counts, [2, 3])
        by_name = {N.units_to_str(c.units): c for c in h.root.children}
        self.assertEqual(by_name["a"].sd, sd2)
        self.assertEqual(by_name["b"].children[0].sd, sd2)
        self.assertNotEqual(by_name["d"].sd, sd2)
        self.assertEqual(by_name["d"].sd, h.root.sd)

    def test_slack_dirty_empty_tail(self):
        self.check(Key("ROOT"), 5, slack=[b"nk" * 40, pattern(300, 4)], seq=(9, 8),
                   tail=b"\xee" * 0x3000, free_fill=0xFC)

    def test_header(self):
        b = build(Key("ROOT"), 5)
        img = b.img
        self.assertEqual(img[0:4], b"regf")
        self.assertEqual(img.u32(L.REGF_OFF_ROOT_CELL), 0x20)
        self.assertEqual(img.u32(L.REGF_OFF_LENGTH), len(img) - 0x1000)
        self.assertEqual(img.u32(L.REGF_OFF_CHECKSUM), header_checksum(img))
        self.assertEqual(img[0x1000:0x1004], b"hbin")

    def test_checksum_remap(self):
        data = bytearray(0x200)
        self.assertEqual(header_checksum(data), 1)
        struct.pack_into("<I", data, 0, 0xFFFFFFFF)
        self.assertEqual(header_checksum(data), 0xFFFFFFFE)

    def test_deterministic(self):
        def mk():
            return bytes(build(Key("ROOT", [Value("v", 3, pattern(20000, 2))],
                                   [Key("k%d" % i, cls="c") for i in range(50)]), 5).img)
        self.assertEqual(mk(), mk())

    def test_dump_shape(self):
        root = Key("ROOT", [Value("", 1, sz("d")), Value("@", 4, dw(1))],
                   [Key("b\tx", cls="C"), Key("A")])
        text = reader.dump(bytes(build(root, 5).img), security=False)
        lines = text.split("\n")
        self.assertEqual(lines[0], "H ROOT")
        self.assertTrue(lines[1].startswith("K \\\t-\t"))
        self.assertEqual(lines[2], "V \\\t@\t1\t4\t64000000")
        self.assertEqual(lines[3], "V \\\t\\@\t4\t4\t01000000")
        self.assertTrue(lines[4].startswith("K \\A\t-\t"))
        self.assertTrue(lines[5].startswith("K \\b\\tx\tC\t"))
        self.assertEqual(lines[6], "S\t3\t2\t8")
        self.assertEqual(text[-1], "\n")


if __name__ == "__main__":
    unittest.main()
