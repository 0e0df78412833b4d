#!/usr/bin/env python3
"""gen/corpus.py: structure-aware corrupt-corpus generator for hive fuzzing and conformance.

  python3 gen/corpus.py --seeds DIR --out DIR --count N [--seed S] [--rules R-B03,R-E..]
                        [--jobs J] [--no-fix-checksum] [--manifest FILE]

Each seed (a real or generated hive) is parsed once per worker with gen/reader.py, which records
where every nk, vk, value list, leaf, ri, db and sk lives.  Each output copies one seed and
applies ONE mutation from a named family (offsets into the middle of cells, into free cells, out
of range, misaligned, NIL; counts off by one, zero, huge, negative; cell sizes; cycles in subkey
lists and ri; wrong hashes, hints and order; sk list and refcount faults; big-data faults; name
lengths; signatures; bins; checksum and sequence).  By default the header checksum is then
recomputed, so the mutation reaches past the base-block check.

Every output gets one JSON line in OUT/manifest.jsonl: file, seed, family, field, offset (file
offset touched), old and new bytes (hex), rule (the regf-format.md §8 rule id it is meant to
break), rule_alt (the generic R-C id for reference faults), checksum_fixed.  Output i depends only
on (--seed, i) and the seed files, not on --jobs.  --rules keeps only mutations labelled with the
given ids; an entry ending in ".." is a prefix (R-E.. = every R-E rule).

Exit codes: 0 ok; 1 runtime failure (no usable seed, no mutation matches --rules); 2 usage.
Progress goes to stderr when stderr is a terminal.
"""
import argparse
import json
import multiprocessing
import os
import random
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import layout as L  # noqa: E402
import reader  # noqa: E402

NIL = L.REGF_CELL_NIL
MAX_SEED_SIZE = 64 << 20


class Seed:
    """A parsed seed: bytes, cells, free/allocated lists and the record index."""

    def __init__(self, name, data):
        self.name, self.data = name, bytes(data)
        h = reader.Hive(data)
        self.ok = bool(h.bins) and h.root is not None
        self.length = h.header.get("length", 0)
        self.bins = h.bins
        self.cells = h.cells
        self.alloc = sorted(c for c, s in h.cells.items() if s < 0)
        self.big_alloc = [c for c in self.alloc if -h.cells[c] >= 24]
        self.free = sorted(c for c, s in h.cells.items() if s > 0)
        ix = h.index
        self.nk = ix["nk"]
        self.nk_sub = [(i, p) for i, p in ix["nk"] if self.u32(rec(i) + L.NK_OFF_SUBKEY_COUNT)]
        self.nk_val = [(i, p) for i, p in ix["nk"] if self.u32(rec(i) + L.NK_OFF_VALUE_COUNT)]
        self.cls = ix["class"]
        self.vlist = ix["vlist"]
        self.vk = ix["vk"]
        self.vk_data = ix["vk_data"]
        self.leaf = ix["leaf"]
        self.ri = ix["ri"]
        self.db = ix["db"]
        self.sk = ix["sk"]
        self.parent = dict(ix["nk"])
        self.root = h.header.get("root")

    def u32(self, off):
        return struct.unpack_from("<I", self.data, off)[0]

    def u16(self, off):
        return struct.unpack_from("<H", self.data, off)[0]


def rec(idx):
    return L.REGF_BLOCK_SIZE + idx + L.CELL_HEADER_SIZE


# ---- mutation table ---------------------------------------------------------------------------
# A mutation is fn(rng, seed) -> (field, offset, new bytes, rule, rule_alt) or None when the seed
# has no such structure.  Families group them; every entry declares the rules it can produce.
MUTATIONS = []


def mutation(family, rules):
    def deco(fn):
        MUTATIONS.append((family, tuple(rules), fn))
        return fn
    return deco


def p32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def p16(v):
    return struct.pack("<H", v & 0xFFFF)


# Reference fields: (field name, site picker -> absolute offset of the u32, record rule)
def _site_nk(sel, off):
    def f(rng, s):
        lst = getattr(s, sel)
        if not lst:
            return None
        x = rng.choice(lst)
        return rec(x[0] if isinstance(x, tuple) else x) + off
    return f


def _site_vlist_entry(rng, s):
    if not s.vlist:
        return None
    vl, vc, _ = rng.choice(s.vlist)
    return rec(vl) + 4 * rng.randrange(vc)


def _site_leaf_elem(rng, s):
    if not s.leaf:
        return None
    lidx, sig, cnt, _, _ = rng.choice(s.leaf)
    return rec(lidx) + 4 + (4 if sig == L.LI_SIGNATURE else 8) * rng.randrange(cnt)


def _site_ri_elem(rng, s):
    if not s.ri:
        return None
    sl, cnt, _ = rng.choice(s.ri)
    return rec(sl) + 4 + 4 * rng.randrange(cnt)


def _site_db_list(rng, s):
    return rec(rng.choice(s.db)[0]) + 4 if s.db else None


def _site_segment(rng, s):
    if not s.db:
        return None
    _, lst, cnt = rng.choice(s.db)
    return rec(lst) + 4 * rng.randrange(cnt)


def _site_vk_data(rng, s):
    return rec(rng.choice(s.vk_data)) + L.VK_OFF_DATA if s.vk_data else None


def _site_sk_flink(rng, s):
    return rec(rng.choice(s.sk)) + L.SK_OFF_FLINK if s.sk else None


REF_FIELDS = [
    ("nk.subkey_list", _site_nk("nk_sub", L.NK_OFF_SUBKEY_LIST), "R-E01"),
    ("nk.value_list", _site_nk("nk_val", L.NK_OFF_VALUE_LIST), "R-F01"),
    ("nk.security", _site_nk("nk", L.NK_OFF_SECURITY), "R-D20"),
    ("nk.class", _site_nk("cls", L.NK_OFF_CLASS), "R-D15"),
    ("vk.data", _site_vk_data, "R-F13"),
    ("vlist.entry", _site_vlist_entry, "R-F05"),
    ("leaf.element", _site_leaf_elem, "R-E10"),
    ("ri.element", _site_ri_elem, "R-E07"),
    ("db.list", _site_db_list, "R-G02"),
    ("dblist.segment", _site_segment, "R-G05"),
    ("sk.flink", _site_sk_flink, "R-H02"),
]


def _target_mid(rng, s):
    if not s.big_alloc:
        return None
    c = rng.choice(s.big_alloc)
    return c + 8 * rng.randrange(1, max(2, (-s.cells[c]) // 8))


def _target_free(rng, s):
    return rng.choice(s.free) if s.free else None


def _target_oob(rng, s):
    return rng.choice((s.length, s.length + 8 * rng.randrange(1, 1 << 16), 0x7FFFFFF8,
                       0x80000000 | 0x20, 0x80000000 | (8 * rng.randrange(1 << 20))))


def _target_misaligned(rng, s):
    return rng.choice(s.alloc) + rng.choice((1, 2, 4, 6)) if s.alloc else None


def _target_nil(rng, s):
    return NIL


TARGETS = [("offset_mid_cell", _target_mid, "R-C04"), ("offset_free_cell", _target_free, "R-C05"),
           ("offset_out_of_range", _target_oob, "R-C02"),
           ("offset_misaligned", _target_misaligned, "R-C03"), ("offset_nil", _target_nil, "R-C01")]


def _make_ref(field, site, rule, tfam, target, crule):
    def fn(rng, s):
        off = site(rng, s)
        if off is None:
            return None
        new = target(rng, s)
        if new is None:
            return None
        if field == "nk.class" and new == NIL:
            return field, off, p32(new), "R-D14", None  # ClassLength > 0 with Class NIL
        if field == "db.list" and new == NIL:
            return field, off, p32(new), "R-G01", crule  # R-G01: "List != NIL"
        return field, off, p32(new), classify_rule(rule, s, new), classify_ref(s, new)
    mutation(tfam, (rule, crule))(fn)


for _field, _site, _rule in REF_FIELDS:
    for _fam, _tgt, _crule in TARGETS:
        if _field == "sk.flink" and _crule == "R-C01":
            continue
        _make_ref(_field, _site, _rule, _fam, _tgt, _crule)


def classify_ref(s, idx):
    """The generic R-C rule a reference to idx breaks (spec §8.3), or None if it is a valid,
    allocated cell (then only a second reference, R-C07, or the record's own checks apply)."""
    if idx == NIL:
        return "R-C01"
    if idx & 0x80000000 or idx >= s.length:
        return "R-C02"
    if idx % 8:
        return "R-C03"
    c = s.cells.get(idx)
    if c is None:
        return "R-C04"
    if c > 0:
        return "R-C05"
    return "R-C07"


def classify_rule(rule, s, idx):
    """sk Flink to a valid cell that is already in the list is a cycle (R-H07)."""
    return rule


# ---- counts -----------------------------------------------------------------------------------
def _leaf_elem_size(sig):
    return 4 if sig in (L.LI_SIGNATURE, L.RI_SIGNATURE) else 8


@mutation("count_off_by_one", ("R-E06", "R-E09", "R-E03"))
def m_subkey_count(rng, s):
    if not s.nk_sub:
        return None
    i, _ = rng.choice(s.nk_sub)
    off = rec(i) + L.NK_OFF_SUBKEY_COUNT
    top = s.u32(rec(i) + L.NK_OFF_SUBKEY_LIST)
    rule = "R-E09" if s.u16(rec(top)) == L.RI_SIGNATURE else "R-E06"
    old = s.u32(off)
    # never 0: a count of 0 means "no subkeys" and the list is ignored (a valid hive)
    return "nk.subkey_count", off, p32(old + (1 if old == 1 else rng.choice((1, -1)))), rule, None


@mutation("count_off_by_one", ("R-F02", "R-F05"))
def m_value_count(rng, s):
    if not s.vlist:
        return None
    vl, vc, nk = rng.choice(s.vlist)
    usable = -s.cells[vl] - 4
    if 4 * (vc + 1) > usable:
        return "nk.value_count", rec(nk) + L.NK_OFF_VALUE_COUNT, p32(vc + 1), "R-F02", None
    # the list cell has room: the extra entry is whatever the slack holds
    extra = s.u32(rec(vl) + 4 * vc)
    return "nk.value_count", rec(nk) + L.NK_OFF_VALUE_COUNT, p32(vc + 1), "R-F05", \
        classify_ref(s, extra)


@mutation("count_off_by_one", ("R-E06", "R-E09", "R-E03"))
def m_leaf_count(rng, s):
    if not s.leaf:
        return None
    lidx, sig, cnt, top, _ = rng.choice(s.leaf)
    new = cnt + rng.choice((1, -1))
    usable = -s.cells[lidx] - 4
    if 4 + new * _leaf_elem_size(sig) > usable:
        rule = "R-E03"
    elif new == 0:
        rule = "R-E04"
    else:
        rule = "R-E06" if top else "R-E09"
    return "leaf.count", rec(lidx) + 2, p16(new), rule, None


@mutation("count_off_by_one", ("R-G04", "R-G03"))
def m_db_count(rng, s):
    if not s.db:
        return None
    df, lst, cnt = rng.choice(s.db)
    new = cnt + rng.choice((1, -1))
    rule = "R-G03" if 4 * new > -s.cells[lst] - 4 else ("R-G01" if new == 0 else "R-G04")
    return "db.count", rec(df) + 2, p16(new), rule, None


@mutation("count_zero", ("R-E04", "R-G01"))
def m_count_zero(rng, s):
    opts = []
    if s.leaf:
        lidx = rng.choice(s.leaf)[0]
        opts.append(("leaf.count", rec(lidx) + 2, "R-E04"))
    if s.ri:
        opts.append(("ri.count", rec(rng.choice(s.ri)[0]) + 2, "R-E04"))
    if s.db:
        opts.append(("db.count", rec(rng.choice(s.db)[0]) + 2, "R-G01"))
    if not opts:
        return None
    field, off, rule = rng.choice(opts)
    return field, off, p16(0), rule, None


@mutation("count_huge", ("R-E03", "R-F02", "R-G03", "R-E06", "R-E09"))
def m_count_huge(rng, s):
    opts = []
    if s.leaf:
        opts.append(("leaf.count", rec(rng.choice(s.leaf)[0]) + 2, p16(0xFFFF), "R-E03"))
    if s.ri:
        opts.append(("ri.count", rec(rng.choice(s.ri)[0]) + 2, p16(0xFFFF), "R-E03"))
    if s.vlist:
        nk = rng.choice(s.vlist)[2]
        opts.append(("nk.value_count", rec(nk) + L.NK_OFF_VALUE_COUNT,
                     p32(rng.choice((0xFFFFFFFF, 0x40000001, 0x7FFFFFFF))), "R-F02"))
    if s.db:
        opts.append(("db.count", rec(rng.choice(s.db)[0]) + 2, p16(0xFFFF), "R-G03"))
    if not opts:
        return None
    field, off, new, rule = rng.choice(opts)
    return field, off, new, rule, None


@mutation("count_negative", ("R-F02", "R-E06", "R-E09"))
def m_count_negative(rng, s):
    opts = []
    if s.vlist:
        nk = rng.choice(s.vlist)[2]
        opts.append(("nk.value_count", rec(nk) + L.NK_OFF_VALUE_COUNT, "R-F02"))
    if s.nk_sub:
        i = rng.choice(s.nk_sub)[0]
        top = s.u32(rec(i) + L.NK_OFF_SUBKEY_LIST)
        opts.append(("nk.subkey_count", rec(i) + L.NK_OFF_SUBKEY_COUNT,
                     "R-E09" if s.u16(rec(top)) == L.RI_SIGNATURE else "R-E06"))
    if not opts:
        return None
    field, off, rule = rng.choice(opts)
    return field, off, p32(rng.choice((0x80000000, 0xFFFFFFFF, 0xFFFFFFFE))), rule, None


# ---- cell sizes --------------------------------------------------------------------------------
@mutation("cell_size", ("R-B07", "R-B08", "R-B09", "R-B10", "R-C05"))
def m_cell_size(rng, s):
    c = rng.choice(s.alloc)
    size = s.cells[c]
    kind = rng.randrange(5)
    if kind == 0:
        return "cell.size", L.REGF_BLOCK_SIZE + c, p32(0), "R-B07", None
    if kind == 1:
        return "cell.size", L.REGF_BLOCK_SIZE + c, struct.pack("<i", size + rng.choice((1, -1, 4, -4))), "R-B08", None
    if kind == 2:
        return "cell.size", L.REGF_BLOCK_SIZE + c, p32(0x80000000), "R-B09", None
    if kind == 3:
        return "cell.size", L.REGF_BLOCK_SIZE + c, struct.pack("<i", -0x7FFFFFF8), "R-B10", None
    return "cell.size", L.REGF_BLOCK_SIZE + c, struct.pack("<i", -size), "R-C05", None


# ---- cycles -------------------------------------------------------------------------------------
@mutation("cycle_subkey", ("R-E17",))
def m_cycle_subkey(rng, s):
    leaves = [x for x in s.leaf]
    if not leaves:
        return None
    lidx, sig, cnt, _, owner_abs = rng.choice(leaves)
    owner = owner_abs - L.REGF_BLOCK_SIZE - 4
    anc = [owner]
    p = s.parent.get(owner)
    while p is not None and len(anc) < 600:
        anc.append(p)
        p = s.parent.get(p)
    tgt = rng.choice(anc)
    off = rec(lidx) + 4 + (4 if sig == L.LI_SIGNATURE else 8) * rng.randrange(cnt)
    return "leaf.element", off, p32(tgt), "R-E17", "R-C07"


@mutation("cycle_ri", ("R-E08",))
def m_cycle_ri(rng, s):
    if not s.ri:
        return None
    sl, cnt, _ = rng.choice(s.ri)
    tgt = rng.choice(s.ri)[0]
    return "ri.element", rec(sl) + 4 + 4 * rng.randrange(cnt), p32(tgt), "R-E08", None


# ---- hashes, hints and order ------------------------------------------------------------------------
@mutation("hash_order", ("R-E12", "R-E13", "R-E14"))
def m_hash_order(rng, s):
    if not s.leaf:
        return None
    lidx, sig, cnt, _, _ = rng.choice(s.leaf)
    esz = 4 if sig == L.LI_SIGNATURE else 8
    if cnt >= 2 and (sig == L.LI_SIGNATURE or rng.random() < 0.4):
        j = rng.randrange(cnt - 1)
        a = rec(lidx) + 4 + esz * j
        pair = s.data[a:a + 2 * esz]
        return "leaf.order", a, pair[esz:] + pair[:esz], "R-E14", None
    if sig == L.LI_SIGNATURE:
        return None
    a = rec(lidx) + 4 + 8 * rng.randrange(cnt) + 4
    if sig == L.LH_SIGNATURE:
        return "lh.hash", a, p32(s.u32(a) ^ (1 << rng.randrange(32))), "R-E12", None
    old = s.data[a]
    return "lf.hint", a, bytes([old ^ (1 << rng.randrange(8)) or 1]), "R-E13", None


# ---- security ------------------------------------------------------------------------------------------
@mutation("sk_fault", ("R-H03", "R-H04", "R-H05", "R-H06", "R-H07", "R-H08", "R-H09"))
def m_sk(rng, s):
    if not s.sk:
        return None
    sk = rng.choice(s.sk)
    a = rec(sk)
    kind = rng.randrange(7)
    if kind == 0:
        old = s.u32(a + L.SK_OFF_REFCOUNT)
        new = rng.choice([x for x in (0, 1, 0xFFFFFFFF, old + 1) if x != old])
        return "sk.refcount", a + L.SK_OFF_REFCOUNT, p32(new), "R-H09", None
    if kind == 1:
        return "sk.desc_len", a + L.SK_OFF_DESC_LEN, p32(rng.choice((0xFFFFFFF0, -s.cells[sk] - 4 - 0x13))), "R-H03", "R-C08"
    if kind == 2:
        return "sk.signature", a, p16(0x7873), "R-H08", None
    if kind == 3:
        return "sd.revision", a + L.SK_OFF_DESC, bytes([rng.choice((0, 2, 0xFF))]), "R-H06", None
    if kind == 4:
        return "sd.control", a + L.SK_OFF_DESC + 2, p16(0), "R-H06", None
    if len(s.sk) < 2:
        return "sk.blink", a + L.SK_OFF_BLINK, p32(rng.choice([c for c in s.alloc[:16] if c != sk] or [NIL])), "R-H05", None
    k = s.sk.index(sk)
    if kind == 5:
        prev = s.sk[k - 1]
        new = rng.choice([c for c in s.sk + s.alloc[:16] if c != prev])
        return "sk.blink", a + L.SK_OFF_BLINK, p32(new), "R-H05" if k == 0 else "R-H04", None
    if k == 0:
        return None
    return "sk.flink", a + L.SK_OFF_FLINK, p32(s.sk[rng.randrange(1, k + 1)]), "R-H07", None


# ---- big data -------------------------------------------------------------------------------------------
@mutation("bigdata_fault", ("R-G01", "R-G06"))
def m_bigdata(rng, s):
    if not s.db:
        return None
    df, lst, cnt = rng.choice(s.db)
    if rng.random() < 0.5:
        return "db.signature", rec(df), p16(0x7864), "R-G01", None
    # Cut one segment cell to 16 bytes and make the rest a free cell: one contiguous write of
    # [size -16][12 data bytes][free size] keeps the cell walk valid.
    seg = s.u32(rec(lst) + 4 * rng.randrange(cnt))
    a = L.REGF_BLOCK_SIZE + seg
    old = -s.cells[seg]
    new = struct.pack("<i", -16) + s.data[a + 4:a + 16] + struct.pack("<i", old - 16)
    return "segment.cell_size", a, new, "R-G06", None


# ---- names -------------------------------------------------------------------------------------------
@mutation("name_length", ("R-D02", "R-F07", "R-D04", "R-F08"))
def m_name_length(rng, s):
    if s.vk and rng.random() < 0.4:
        v = rng.choice(s.vk)
        us = -s.cells[v] - 4
        new = rng.choice((0xFFFF, us - 0x13))
        return "vk.name_len", rec(v) + L.VK_OFF_NAME_LEN, p16(new), "R-F07", "R-C08"
    i, p = rng.choice(s.nk)
    us = -s.cells[i] - 4
    kind = rng.randrange(3)
    if kind == 0:
        return "nk.name_len", rec(i) + L.NK_OFF_NAME_LEN, p16(0), "R-D02", None
    if kind == 1:
        return "nk.name_len", rec(i) + L.NK_OFF_NAME_LEN, p16(rng.choice((0xFFFF, us - 0x4B))), "R-D02", "R-C08"
    fl = s.u16(rec(i) + L.NK_OFF_FLAGS)
    nl = s.u16(rec(i) + L.NK_OFF_NAME_LEN)
    if fl & L.KEY_COMP_NAME:
        return "nk.name_len", rec(i) + L.NK_OFF_NAME_LEN, p16(0x101), "R-D03" if us >= 0x4C + 0x101 else "R-D02", None
    return "nk.name_len", rec(i) + L.NK_OFF_NAME_LEN, p16(nl - 1 if nl > 1 else 1), "R-D04", None


# ---- signatures -------------------------------------------------------------------------------------
@mutation("signature", ("R-D05", "R-F06", "R-H08", "R-E05"))
def m_signature(rng, s):
    nk, parent = rng.choice(s.nk)
    opts = [("nk.signature", rec(nk), "R-D05", None if parent is None else "R-E11")]
    if s.vk:
        opts.append(("vk.signature", rec(rng.choice(s.vk)), "R-F06", None))
    if s.sk:
        opts.append(("sk.signature", rec(rng.choice(s.sk)), "R-H08", None))
    if s.leaf:
        top = [x for x in s.leaf if x[3]]
        if top:
            opts.append(("list.signature", rec(rng.choice(top)[0]), "R-E05", None))
    field, off, rule, alt = rng.choice(opts)
    if rule == "R-E05":
        return field, off, p16(rng.choice((0x7878, 0x0000, L.NK_SIGNATURE))), rule, None
    return field, off, p16(s.u16(off) ^ (1 << rng.randrange(8, 16))), rule, alt


# ---- bins ------------------------------------------------------------------------------------------
@mutation("hbin_fault", ("R-B01", "R-B02", "R-B03", "R-B04"))
def m_hbin(rng, s):
    off, size = rng.choice(s.bins)
    a = L.REGF_BLOCK_SIZE + off
    kind = rng.randrange(4)
    if kind == 0:
        return "hbin.signature", a, p32(0x6E696268 ^ (1 << rng.randrange(32))), "R-B01", None
    if kind == 1:
        return "hbin.offset", a + 4, p32(off + rng.choice((0x1000, -0x1000, 8))), "R-B02", None
    if kind == 2:
        return "hbin.size", a + 8, p32(rng.choice((0, 0x20, 0x800, size + 0x800))), "R-B03", None
    return "hbin.size", a + 8, p32(rng.choice((s.length - off + 0x1000, 0xFFFFF000))), "R-B04", None


# ---- header: checksum, sequence and fields ---------------------------------------------------------------
@mutation("checksum_sequence", ("R-A03", "R-A10"))
def m_checksum_seq(rng, s):
    if rng.random() < 0.5:
        old = s.u32(L.REGF_OFF_CHECKSUM)
        return "base.checksum", L.REGF_OFF_CHECKSUM, p32(old ^ (1 << rng.randrange(32))), "R-A03", None
    return "base.sequence1", L.REGF_OFF_SEQ1, p32(s.u32(L.REGF_OFF_SEQ1) + rng.randrange(1, 4)), "R-A10", None


@mutation("header_field", ("R-A04", "R-A05", "R-A06", "R-A07", "R-A08", "R-A09", "R-A12", "R-A13"))
def m_header(rng, s):
    choices = [("base.type", L.REGF_OFF_TYPE, (1, 2, 6), "R-A04"),
               ("base.major", L.REGF_OFF_MAJOR, (0, 2), "R-A05"),
               ("base.minor", L.REGF_OFF_MINOR, (0, 2, 7, 0xFFFFFFFF), "R-A06"),
               ("base.format", L.REGF_OFF_FORMAT, (0, 2), "R-A07"),
               ("base.length", L.REGF_OFF_LENGTH, (0, 0x1001, 0x80000000), "R-A08"),
               ("base.length", L.REGF_OFF_LENGTH, (0x7FFFE000,), "R-A09"),
               ("base.root", L.REGF_OFF_ROOT_CELL, (0x80000020,), "R-A12"),
               ("base.root", L.REGF_OFF_ROOT_CELL, (NIL, 4), "R-A13")]
    field, off, vals, rule = rng.choice(choices)
    v = rng.choice(vals)
    return field, off, p32(v), rule, classify_ref(s, v) if field == "base.root" and rule == "R-A13" else None


# ---- driver ----------------------------------------------------------------------------------------
def header_checksum(buf):
    x = 0
    for (w,) in struct.iter_unpack("<I", bytes(buf[:L.REGF_CHECKSUM_SPAN])):
        x ^= w
    return 0xFFFFFFFE if x == 0xFFFFFFFF else (1 if x == 0 else x)


def rule_match(rule_ids, filters):
    if not filters:
        return True
    for r in rule_ids:
        if r is None:
            continue
        for f in filters:
            if (f.endswith("..") and r.startswith(f[:-2])) or r == f:
                return True
    return False


_W = {}


def _init_worker(seed_paths, filters, out, seed, fix):
    seeds = []
    for p in seed_paths:
        with open(p, "rb") as f:
            s = Seed(os.path.basename(p), f.read())
        if s.ok:
            seeds.append(s)
    muts = {}
    for fam, rules, fn in MUTATIONS:
        if rule_match(rules, filters):
            muts.setdefault(fam, []).append((rules, fn))
    muts = sorted(muts.items())
    _W.update(seeds=seeds, muts=muts, out=out, seed=seed, fix=fix, filters=filters)


def make_one(i):
    """Generate output i: -> manifest dict (or None if no mutation applied after retries)."""
    w = _W
    rng = random.Random((w["seed"] << 32) ^ (i * 0x9E3779B1))
    for _ in range(32):
        s = rng.choice(w["seeds"])
        family, entries = rng.choice(w["muts"])
        rules, fn = rng.choice(entries)
        r = fn(rng, s)
        if r is None:
            continue
        field, off, new, rule, alt = r
        if w["filters"] and not rule_match((rule, alt), w["filters"]):
            continue
        if off < 0 or off + len(new) > len(s.data):
            continue
        buf = bytearray(s.data)
        old = bytes(buf[off:off + len(new)])
        buf[off:off + len(new)] = new
        fixed = False
        if w["fix"] and rule != "R-A03":
            struct.pack_into("<I", buf, L.REGF_OFF_CHECKSUM, header_checksum(buf))
            fixed = True
        name = "mut-%08d.hive" % i
        with open(os.path.join(w["out"], name), "wb") as f:
            f.write(buf)
        return {"file": name, "seed": s.name, "family": family, "field": field, "offset": off,
                "old": old.hex(), "new": bytes(new).hex(), "rule": rule, "rule_alt": alt,
                "checksum_fixed": fixed}
    return None


def _chunk(args):
    lo, hi = args
    return [make_one(i) for i in range(lo, hi)]


def main(argv=None):
    ap = argparse.ArgumentParser(description="Generate a labelled corrupt-hive corpus from seed hives.")
    ap.add_argument("--seeds", required=True, help="directory of seed hives (real or generated)")
    ap.add_argument("--out", required=True, help="output directory (created)")
    ap.add_argument("--count", required=True, type=int, help="number of hives to write")
    ap.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    ap.add_argument("--rules", default="", help="comma list of rule ids; 'R-E..' = prefix")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("--no-fix-checksum", action="store_true",
                    help="leave the header checksum as mutated")
    ap.add_argument("--manifest", default=None, help="manifest path (default OUT/manifest.jsonl)")
    args = ap.parse_args(argv)
    if args.count < 0 or args.jobs < 1:
        ap.error("--count must be >= 0 and --jobs >= 1")
    filters = [r.strip() for r in args.rules.split(",") if r.strip()]
    if not os.path.isdir(args.seeds):
        ap.error("--seeds %s is not a directory" % args.seeds)
    paths = []
    for root, _, files in os.walk(args.seeds):
        for f in sorted(files):
            p = os.path.join(root, f)
            if os.path.getsize(p) <= MAX_SEED_SIZE:
                paths.append(p)
    paths.sort()
    os.makedirs(args.out, exist_ok=True)
    _init_worker(paths, filters, args.out, args.seed, not args.no_fix_checksum)
    if not _W["seeds"]:
        print("corpus.py: no parsable seed hive in %s" % args.seeds, file=sys.stderr)
        return 1
    if not _W["muts"]:
        print("corpus.py: no mutation family produces rules %s" % args.rules, file=sys.stderr)
        return 1
    manifest = args.manifest or os.path.join(args.out, "manifest.jsonl")
    tty = sys.stderr.isatty()
    t0 = time.time()
    step = 256
    chunks = [(lo, min(lo + step, args.count)) for lo in range(0, args.count, step)]
    done = failed = 0
    with open(manifest, "w", encoding="utf-8") as mf:
        if args.jobs == 1:
            results = map(_chunk, chunks)
            pool = None
        else:
            pool = multiprocessing.get_context("fork").Pool(
                args.jobs, _init_worker, (paths, filters, args.out, args.seed,
                                          not args.no_fix_checksum))
            results = pool.imap(_chunk, chunks)
        try:
            for res in results:
                for m in res:
                    if m is None:
                        failed += 1
                        continue
                    mf.write(json.dumps(m, sort_keys=True) + "\n")
                    done += 1
                if tty:
                    el = time.time() - t0
                    sys.stderr.write("\r%d/%d hives, %.0f/s" % (done, args.count, done / el if el else 0))
                    sys.stderr.flush()
        finally:
            if pool is not None:
                pool.close()
                pool.join()
    if tty:
        sys.stderr.write("\n")
    if failed:
        print("corpus.py: %d outputs had no applicable mutation" % failed, file=sys.stderr)
        return 1 if done == 0 else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
