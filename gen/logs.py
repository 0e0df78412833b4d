"""gen/logs.py: transaction-log checks (regf-format.md §7 and §8.9, rules R-J01..R-J07).

validate_log(log, primary=None) parses an old-format (type 1/2, "DIRT" bitmap) or new-format
(type 6, HvLE entries) log and returns (findings, entries): header problems are 'reject'
(the log is unusable); for new logs, the first entry that fails R-J04..R-J07 ends the valid run
and is reported as 'info' (remnant entries after the run are normal, §7.3).  Every loop is
bounded by the file size.  Marvin32 follows the spec (seed lo 0x7A4E55C5, hi 0x82EF4D88).
"""
import struct

import layout as L
from reader import Finding
from regf import header_checksum

HLOG_DV_SIGNATURE = b"DIRT"
HVLE_SIGNATURE = b"HvLE"
HVLE_HEADER = 0x28
MARVIN_LO, MARVIN_HI = 0x7A4E55C5, 0x82EF4D88
M32 = 0xFFFFFFFF


def _rotl(x, n):
    return ((x << n) | (x >> (32 - n))) & M32


def marvin32(data, lo=MARVIN_LO, hi=MARVIN_HI):
    """Marvin32 over data (length a multiple of 4 here, spec §7.3) -> 64-bit hash."""
    def block(lo, hi, w):
        lo = (lo + w) & M32
        hi ^= lo
        lo = (_rotl(lo, 20) + hi) & M32
        hi = _rotl(hi, 9) ^ lo
        lo = (_rotl(lo, 27) + hi) & M32
        hi = _rotl(hi, 19)
        return lo, hi
    n = len(data) // 4 * 4
    for (w,) in struct.iter_unpack("<I", data[:n]):
        lo, hi = block(lo, hi, w)
    final = int.from_bytes(data[n:] + b"\x80", "little")  # the 0x80 pad byte after the tail
    lo, hi = block(lo, hi, final)
    lo, hi = block(lo, hi, 0)
    return (hi << 32) | lo


def validate_log(log, primary=None):
    """-> (findings, entries).  entries: for new logs the list of valid entries as
    (offset, sequence, hive_bins_size, [(page offset, size)]); for old logs the set bits."""
    f = []
    d = bytes(log)
    n = len(d)
    if n < L.REGF_SECTOR_SIZE:
        f.append(Finding("R-J01", "reject", 0, "log shorter than 512 bytes"))
        return f, []
    sig, seq1, seq2 = struct.unpack_from("<4sII", d, 0)
    typ = struct.unpack_from("<I", d, L.REGF_OFF_TYPE)[0]
    length = struct.unpack_from("<I", d, L.REGF_OFF_LENGTH)[0]
    bad = []
    if sig != b"regf":
        bad.append("signature")
    if typ not in (L.REGF_TYPE_LOG_OLD, L.REGF_TYPE_LOG_OLD_NT4, L.REGF_TYPE_LOG_NEW):
        bad.append("type %d" % typ)
    if seq1 != seq2:
        bad.append("sequence %d != %d" % (seq1, seq2))
    if struct.unpack_from("<I", d, L.REGF_OFF_CHECKSUM)[0] != header_checksum(d):
        bad.append("checksum")
    if primary is not None and typ != L.REGF_TYPE_LOG_NEW and \
            d[L.REGF_OFF_TIMESTAMP:L.REGF_OFF_TIMESTAMP + 8] != \
            bytes(primary[L.REGF_OFF_TIMESTAMP:L.REGF_OFF_TIMESTAMP + 8]):
        bad.append("timestamp differs from the primary's")
    if bad:
        f.append(Finding("R-J01", "reject", 0, "log header: " + ", ".join(bad)))
        return f, []
    if typ == L.REGF_TYPE_LOG_NEW:
        return _new(d, seq1, primary, f)
    return _old(d, length, f)


def _old(d, length, f):
    n = len(d)
    if d[0x200:0x204] != HLOG_DV_SIGNATURE:
        f.append(Finding("R-J02", "reject", 0x200, "no DIRT signature"))
        return f, []
    if length == 0 or length % L.REGF_BLOCK_SIZE or length > L.REGF_MAX_LENGTH:
        f.append(Finding("R-J03", "reject", L.REGF_OFF_LENGTH, "length 0x%x" % length))
        return f, []
    nbytes = length // L.REGF_BLOCK_SIZE
    if 0x204 + nbytes > n:
        f.append(Finding("R-J03", "reject", 0x204, "bitmap of %d bytes past the log end" % nbytes))
        return f, []
    bitmap = d[0x204:0x204 + nbytes]
    bits = [i for i in range(nbytes * 8) if bitmap[i // 8] >> (i % 8) & 1]
    data_off = 0x200 + (4 + nbytes + 511) // 512 * 512
    if data_off + 512 * len(bits) > n:
        f.append(Finding("R-J03", "reject", data_off, "%d dirty sectors, log holds %d"
                         % (len(bits), max(0, (n - data_off) // 512))))
        return f, []
    return f, bits


def _new(d, seq, primary, f):
    n = len(d)
    if primary is not None:
        pseq2 = struct.unpack_from("<I", primary, L.REGF_OFF_SEQ2)[0]
        if seq < pseq2:
            f.append(Finding("R-J06", "reject", L.REGF_OFF_SEQ1,
                             "log sequence %d < primary's %d" % (seq, pseq2)))
            return f, []
    entries = []
    off, expect = 0x200, seq
    while off + HVLE_HEADER <= n:
        why = _entry(d, off, expect)
        if why:
            rule, msg = why
            if d[off:off + 4] == HVLE_SIGNATURE or not entries:
                f.append(Finding(rule, "info", off, "log ends: " + msg))
            break
        size, _, eseq, hbsize, npages = struct.unpack_from("<IIIII", d, off + 4)
        refs = [struct.unpack_from("<II", d, off + HVLE_HEADER + 8 * k) for k in range(npages)]
        entries.append((off, eseq, hbsize, refs))
        off += size
        expect += 1
    return f, entries


def _entry(d, off, expect):
    """None if the entry at off is valid, else (rule, reason)."""
    n = len(d)
    if d[off:off + 4] != HVLE_SIGNATURE:
        return "R-J04", "no HvLE signature"
    size, _, eseq, hbsize, npages = struct.unpack_from("<IIIII", d, off + 4)
    if size <= HVLE_HEADER or size % 512 or off + size > n:
        return "R-J04", "entry size 0x%x" % size
    if hbsize == 0 or hbsize % L.REGF_BLOCK_SIZE or hbsize > L.REGF_MAX_LENGTH:
        return "R-J04", "hive bins data size 0x%x" % hbsize
    if npages == 0 or HVLE_HEADER + 8 * npages > size:
        return "R-J04", "%d dirty pages" % npages
    h1, h2 = struct.unpack_from("<QQ", d, off + 0x18)
    if marvin32(d[off:off + 0x20]) != h2:
        return "R-J05", "hash-2 mismatch"
    if marvin32(d[off + HVLE_HEADER:off + size]) != h1:
        return "R-J05", "hash-1 mismatch"
    if eseq != expect:
        return "R-J06", "sequence %d, expected %d" % (eseq, expect)
    total, prev_end = 0, None
    for k in range(npages):
        po, ps = struct.unpack_from("<II", d, off + HVLE_HEADER + 8 * k)
        if ps == 0 or ps % L.REGF_BLOCK_SIZE or po % L.REGF_BLOCK_SIZE or po + ps > hbsize:
            return "R-J07", "page ref {0x%x, 0x%x}" % (po, ps)
        if prev_end is not None and po <= prev_end:
            return "R-J07", "page refs not ascending / adjacent"
        prev_end = po + ps
        total += ps
    if HVLE_HEADER + 8 * npages + total > size:
        return "R-J07", "page data exceeds the entry"
    return None
