"""gen/logs.py: R-J01..R-J07 on real logs (../shared/hives, skipped when absent; facts from
regf-format.md §12.10-12.11) and on synthetic new-format logs mutated once per rule."""
import os
import struct
import unittest

import _paths
import logs
from regf import Key, build, header_checksum

H = _paths.SHARED_HIVES


def rd(rel):
    p = os.path.join(H, rel)
    if not os.path.exists(p):
        raise unittest.SkipTest("../shared/hives absent")
    with open(p, "rb") as f:
        return f.read()


def new_log(primary, seq, entries):
    """A type-6 log: base block copy + HvLE entries [(seq, [(offset, size)])]."""
    hdr = bytearray(primary[:0x200])
    struct.pack_into("<II", hdr, 4, seq, seq)
    struct.pack_into("<I", hdr, 0x1C, 6)
    struct.pack_into("<I", hdr, 0x1FC, header_checksum(hdr))
    out = bytearray(hdr)
    length = struct.unpack_from("<I", primary, 0x28)[0]
    for eseq, refs in entries:
        body = b"".join(struct.pack("<II", o, s) for o, s in refs)
        body += b"".join(primary[0x1000 + o:0x1000 + o + s] for o, s in refs)
        size = (0x28 + len(body) + 511) // 512 * 512
        body = body.ljust(size - 0x28, b"\0")
        e = bytearray(struct.pack("<4sIIIII", b"HvLE", size, 0, eseq, length, len(refs)))
        e += struct.pack("<Q", logs.marvin32(bytes(body))) + b"\0" * 8
        struct.pack_into("<Q", e, 0x20, logs.marvin32(bytes(e[:0x20])))
        out += e + body
    return bytes(out)


class TestRealLogs(unittest.TestCase):
    def test_new_dirty_hive_log1(self):
        f, e = logs.validate_log(rd("yarp/hives_for_tests/NewDirtyHive1/NewDirtyHive.LOG1"))
        self.assertEqual([x for x in f if x.sev == "reject"], [])
        self.assertEqual(len(e), 1)
        off, seq, hb, refs = e[0]
        self.assertEqual((off, seq, hb, refs), (0x200, 2, 0x5000, [(0, 0x5000)]))

    def test_old_log_bits(self):
        f, bits = logs.validate_log(rd("yarp/hives_for_tests/OldLogWithRemnantData"))
        self.assertEqual(f, [])
        self.assertEqual(len(bits), 64)

    def test_bad_logs(self):
        self.assertEqual(logs.validate_log(rd("yarp/hives_for_tests/BadLogHive1/BadLogHive.LOG1"))[0][0].rule, "R-J01")
        self.assertEqual(logs.validate_log(rd("yarp/hives_for_tests/BadLogHive2/BadLogHive.LOG1"))[0][0].rule, "R-J02")

    def test_many_entries_hash(self):
        f, e = logs.validate_log(rd("python-registry/testing/reg_samples/new_log_2/SYSTEM.LOG1"))
        self.assertGreaterEqual(len(e), 30)  # every one passed both Marvin32 hashes


class TestSyntheticLogs(unittest.TestCase):
    def setUp(self):
        self.p = bytes(build(Key("ROOT", [], [Key("k%03d" % i) for i in range(200)]), 5).img)

    def first_rule(self, log):
        f, _ = logs.validate_log(log, self.p)
        return f[0].rule if f else None

    def test_valid(self):
        log = new_log(self.p, 1, [(1, [(0, 0x1000)]), (2, [(0, 0x1000), (0x2000, 0x1000)])])
        f, e = logs.validate_log(log, self.p)
        self.assertEqual(f, [])
        self.assertEqual([x[1] for x in e], [1, 2])

    def test_each_rule(self):
        good = new_log(self.p, 1, [(1, [(0, 0x1000)])])
        def mut(off, fmt, v):
            b = bytearray(good)
            struct.pack_into(fmt, b, off, v)
            return bytes(b)
        self.assertEqual(self.first_rule(good[:0x100]), "R-J01")
        self.assertEqual(self.first_rule(mut(4, "<I", 7)), "R-J01")            # seq1 != seq2
        self.assertEqual(self.first_rule(mut(0x200, "<I", 0)), "R-J04")        # signature
        self.assertEqual(self.first_rule(mut(0x204, "<I", 0x201)), "R-J04")    # size % 512
        self.assertEqual(self.first_rule(mut(0x240, "<B", 0x55)), "R-J05")     # data changed
        self.assertEqual(self.first_rule(new_log(self.p, 1, [(3, [(0, 0x1000)])])), "R-J06")
        self.assertEqual(self.first_rule(new_log(self.p, 1, [(1, [(0x800, 0x1000)])])), "R-J07")
        self.assertEqual(self.first_rule(new_log(self.p, 1, [(1, [(0, 0x1000), (0x1000, 0x1000)])])),
                         "R-J07")                                              # adjacent refs
        old = bytearray(self.p[:0x200])
        struct.pack_into("<I", old, 0x1C, 1)
        struct.pack_into("<I", old, 0x1FC, header_checksum(old))
        self.assertEqual(self.first_rule(bytes(old) + b"XXXX"), "R-J02")
        self.assertEqual(self.first_rule(bytes(old) + b"DIRT" + b"\xff" * 8), "R-J03")


if __name__ == "__main__":
    unittest.main()
