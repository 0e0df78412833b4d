"""gen/fxlib.py: the fixture registry and the small mutation helpers the fixture tables use.

A fixture is a function returning hive bytes plus metadata (fixtures/README.md).  Registration
order does not matter: make_fixtures.py writes them sorted by id.
"""
import struct

import layout as L
from regf import Key, Value, build, NIL  # noqa: F401  (re-exported for the tables)

CASES = {}

SECTION = {"A": "8.1", "B": "8.2", "C": "8.3", "D": "8.4", "E": "8.5", "F": "8.6", "G": "8.7",
           "H": "8.8"}


def doc_for(rule):
    return "regf-format.md §%s %s" % (SECTION[rule[2]], rule)


def register(cid, fn, desc, expect, *, rule=None, alt=None, doc=None, features="",
             error=None, ref=None):
    assert cid not in CASES, cid
    assert cid[:2] in ("y_", "n_", "i_"), cid
    if error is None:
        error = "ERROR_SUCCESS" if expect == "accept" else "ERROR_NOT_REGISTRY_FILE"
    CASES[cid] = dict(id=cid, fn=fn, description=desc, expect=expect, rule=rule, alt=alt,
                      doc=doc or (doc_for(rule) if rule else "regf-format.md"),
                      features=features, error=error, ref=ref)


def y(cid, desc, fn, features="", doc=None):
    register(cid, fn, desc, "accept", features=features, doc=doc)


def n(cid, rule, desc, fn, alt=None, features="", doc=None, error=None):
    register(cid, fn, desc, "reject", rule=rule, alt=alt, features=features, doc=doc,
             error=error)


def i(cid, desc, fn, rule=None, features="", doc=None, ref=None):
    register(cid, fn, desc, "either", rule=rule, features=features, doc=doc, ref=ref)


# ---- data helpers -----------------------------------------------------------------------------
def sz(s):
    """REG_SZ bytes: UTF-16LE with the terminating NUL."""
    return (s + "\0").encode("utf-16-le")


def dw(x):
    return struct.pack("<I", x)


def pattern(n, seed=1):
    """Deterministic, non-repeating-looking bytes (an LCG), so segment mix-ups show."""
    out = bytearray(n)
    x = seed
    for k in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out[k] = (x >> 16) & 0xFF
    return bytes(out)


class NS:
    """Named results of a base builder: .built (Built), .img, plus keys/values by name."""

    def __init__(self, built, **kw):
        self.built, self.img = built, built.img
        self.__dict__.update(kw)


def std(minor=5, flags=0, **kw):
    """A small hive with values, a class, nested keys and one slack free cell."""
    v_ver = Value("Version", 4, dw(5))
    v_def = Value("", 1, sz("default"))
    va1 = Value("v1", 4, dw(1))
    va2 = Value("str", 1, sz("hello world"))
    va3 = Value("bin", 3, bytes(range(64)))
    a = Key("Alpha", [va1, va2, va3], cls="AlphaClass")
    c1, c2 = Key("Child1"), Key("Child2", [Value("x", 1, sz("x"))])
    b = Key("Beta", [Value("q", 11, bytes(8))], [c1, c2])
    g = Key("Gamma")
    root = Key("ROOT", [v_def, v_ver], [a, b, g])
    bb = build(root, minor, flags=flags, slack=kw.pop("slack", [b"SLACKSLACKSLACK!" * 2]), **kw)
    return NS(bb, root=root, a=a, b=b, g=g, c1=c1, c2=c2, va1=va1, va2=va2, va3=va3,
              v_ver=v_ver, v_def=v_def, free=bb.free[0] if bb.free else None)


def many_bins(minor=5):
    """A hive with several bins (a 6000-byte value forces a second, bigger bin)."""
    big = Value("blob", 3, pattern(6000))
    k2 = Key("K2", [Value("s", 1, sz("after"))])
    root = Key("ROOT", [], [Key("K1", [big]), k2])
    bb = build(root, minor)
    return NS(bb, root=root, big=big, k2=k2)


def mut(ns, *patches, checksum=True):
    """Apply patches (callables taking ns) to ns.img; refresh the checksum; return bytes."""
    for p in patches:
        p(ns)
    if checksum:
        ns.img.fix_checksum()
    return bytes(ns.img)


# field setters on records (cell indexes), offsets from layout.py
def nk_set(img, key, off, v, width=4):
    a = img.rec(key.off_nk) + off
    (img.set_u32 if width == 4 else img.set_u16 if width == 2 else img.set_u8)(a, v)


def vk_set(img, val, off, v, width=4):
    a = img.rec(val.off_vk) + off
    (img.set_u32 if width == 4 else img.set_u16 if width == 2 else img.set_u8)(a, v)


def rec_set(img, cell, off, v, width=4):
    a = img.rec(cell) + off
    (img.set_u32 if width == 4 else img.set_u16 if width == 2 else img.set_u8)(a, v)


def shrink(img, cell, new_size):
    """Cut an allocated cell to new_size bytes; the rest becomes a free cell (walk stays valid)."""
    old = -img.cell_size(cell)
    assert old - new_size >= 8 and new_size % 8 == 0, (old, new_size)
    img.set_i32(img.abs(cell), -new_size)
    img.set_i32(img.abs(cell) + new_size, old - new_size)


def set_header(img, off, v):
    img.set_u32(off, v)


def bin_at(img, k):
    """(absolute offset, size) of the k-th bin."""
    off = L.REGF_BLOCK_SIZE
    for _ in range(k):
        off += img.u32(off + L.HBIN_OFF_SIZE)
    return off, img.u32(off + L.HBIN_OFF_SIZE)


def last_cell(img, bin_abs):
    """Cell index of the last cell of the bin starting at absolute offset bin_abs."""
    size = img.u32(bin_abs + L.HBIN_OFF_SIZE)
    p, end, last = bin_abs + L.HBIN_HEADER_SIZE, bin_abs + size, None
    while p < end:
        last = p
        p += abs(img.i32(p))
    return last - L.REGF_BLOCK_SIZE
