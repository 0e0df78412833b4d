"""gen/regf.py: an independent regf hive builder (python3 stdlib only; never imports ref/).

A hive is described as a tree of Key/Value objects and serialised field by field by build():
base block with checksum, bins, cells, nk / vk / sk / lf / lh / li / ri / db, class names,
compressed (Latin-1) and UTF-16 names, format versions 1.3 .. 1.6.  Every derived field can be
overridden (Key.nk / Value.vk / build(header=...)), storage can be forced (inline / cell / big /
empty-NIL), and after build every record's cell index is recorded on the objects (key.off_nk,
value.off_vk, ...) so that mutators can corrupt any field of the result (Image.set_* + fix_checksum).

Spec: ../shared/spec/regf-format.md §2 (base block), §3 (bins), §4 (cells), §5 (records),
§6 (names), §10 (writer rules).  Deterministic: no clock, no randomness.
The reader / validator / canonical dump live in gen/reader.py (re-exported here).
"""
import struct

import layout as L
import names as N

NIL = L.REGF_CELL_NIL
T0 = 0x01D9B6A0C0DE0000  # fixed FILETIME (2023-06) so builds are reproducible


# ---- security descriptors (MS-DTYP 2.4.6, spec §5.6) ---------------------------------------
def sid(authority, *subs):
    """A binary SID: revision 1, count, 6-byte big-endian authority, LE sub-authorities."""
    return bytes([1, len(subs)]) + authority.to_bytes(6, "big") + b"".join(
        struct.pack("<I", s) for s in subs)


SID_EVERYONE = sid(1, 0)
SID_SYSTEM = sid(5, 18)
SID_ADMINS = sid(5, 32, 544)
SID_USERS = sid(5, 32, 545)


def ace(sid_bytes, mask=0x000F003F, ace_type=0, flags=0):
    """ACCESS_ALLOWED_ACE (type 0) by default; KEY_ALL_ACCESS mask."""
    size = 8 + len(sid_bytes)
    return struct.pack("<BBHI", ace_type, flags, size, mask) + sid_bytes


def acl(*aces, revision=2):
    body = b"".join(aces)
    return struct.pack("<BBHHH", revision, 0, 8 + len(body), len(aces), 0) + body


def make_sd(owner=SID_ADMINS, group=SID_SYSTEM, dacl=None, sacl=None, control=None):
    """Self-relative SD laid out as Windows does: header, SACL, DACL, owner, group."""
    if dacl is None:
        dacl = acl(ace(SID_ADMINS), ace(SID_SYSTEM), ace(SID_USERS, 0x00020019))
    ctl = L.SE_SELF_RELATIVE
    parts = []
    pos = L.SD_MIN_SIZE
    off = {"sacl": 0, "dacl": 0, "owner": 0, "group": 0}
    for key, blob in (("sacl", sacl), ("dacl", dacl), ("owner", owner), ("group", group)):
        if blob is not None:
            off[key] = pos
            parts.append(blob)
            pos += len(blob)
    if sacl is not None:
        ctl |= L.SE_SACL_PRESENT
    if dacl is not None:
        ctl |= L.SE_DACL_PRESENT
    if control is not None:
        ctl = control
    hdr = struct.pack("<BBHIIII", L.SD_REVISION, 0, ctl, off["owner"], off["group"],
                      off["sacl"], off["dacl"])
    return hdr + b"".join(parts)


DEFAULT_SD = make_sd()


# ---- the logical model ------------------------------------------------------------------------
def _encode_name(name, raw, comp):
    """-> (stored bytes, compressed flag, units).  Compress iff every unit <= 0xFF (spec §10.6)."""
    if raw is not None:
        c = bool(comp)
        return bytes(raw), c, N.name_units(bytes(raw), c)
    u = N.units(name)
    if comp is None:
        comp = all(x <= 0xFF for x in u)
    if comp:
        return bytes(u), True, u
    return name.encode("utf-16-le", "surrogatepass"), False, u


class Value:
    """A value.  storage: None (Windows rule), 'inline', 'cell', 'big' or 'empty_nil'
    (DataLength 0 / Data NIL).  vk: field overrides {sig, name_len, data_len, data, type, flags,
    spare}.  seg_cell: usable bytes of each big-data segment cell (default 16344)."""

    def __init__(self, name="", type=1, data=b"", *, raw_name=None, comp=None, storage=None,
                 vk=None, seg_cell=None, cell_extra=0):
        self.name, self.type, self.data = name, type, bytes(data)
        self.raw_name, self.comp, self.storage = raw_name, comp, storage
        self.vk = dict(vk or {})
        self.seg_cell = seg_cell
        self.cell_extra = cell_extra
        self.off_vk = self.off_data = self.off_dblist = None
        self.off_segs = []

    def encoded(self):
        return _encode_name(self.name, self.raw_name, self.comp)


class Key:
    """A key.  cls: class (str -> UTF-16LE, bytes -> raw).  sd: descriptor bytes (None =
    inherit).  list_type: None (by version), 'li', 'lf', 'lh' (one leaf) or 'ri'; leaf_type and
    leaf_split shape an ri.  nk: field overrides (sig, flags, parent, subkey_count, ...
    see _write_nk).  sort=False keeps the given subkey order (for order mutations)."""

    def __init__(self, name, values=(), subkeys=(), *, cls=None, sd=None, raw_name=None,
                 comp=None, flags=0, last_write=None, nk=None, list_type=None, leaf_type=None,
                 leaf_split=None, sort=True, max_name_hi=0, layer=0, cell_extra=0):
        self.name = name
        self.values = list(values)
        self.subkeys = list(subkeys)
        self.cls, self.sd = cls, sd
        self.raw_name, self.comp = raw_name, comp
        self.flags = flags
        self.last_write = T0 if last_write is None else last_write
        self.nk = dict(nk or {})
        self.list_type, self.leaf_type, self.leaf_split = list_type, leaf_type, leaf_split
        self.sort = sort
        self.max_name_hi = max_name_hi
        self.layer = layer
        self.cell_extra = cell_extra
        self.off_nk = self.off_cls = self.off_vlist = self.off_slist = None
        self.off_leaves = []
        self.parent = None

    def add(self, *children):
        self.subkeys.extend(children)
        return self

    def encoded(self):
        return _encode_name(self.name, self.raw_name, self.comp)


# ---- the image: a bytearray with field helpers ------------------------------------------------
class Image(bytearray):
    """Hive bytes plus helpers.  Offsets named `cell` are cell indexes (relative to 0x1000);
    rec(cell) is the absolute offset of the record (after the 4-byte size)."""

    @staticmethod
    def rec(cell):
        return L.REGF_BLOCK_SIZE + cell + L.CELL_HEADER_SIZE

    @staticmethod
    def abs(cell):
        return L.REGF_BLOCK_SIZE + cell

    def u16(self, off):
        return struct.unpack_from("<H", self, off)[0]

    def u32(self, off):
        return struct.unpack_from("<I", self, off)[0]

    def i32(self, off):
        return struct.unpack_from("<i", self, off)[0]

    def set_u8(self, off, v):
        self[off] = v & 0xFF

    def set_u16(self, off, v):
        struct.pack_into("<H", self, off, v & 0xFFFF)

    def set_u32(self, off, v):
        struct.pack_into("<I", self, off, v & 0xFFFFFFFF)

    def set_i32(self, off, v):
        struct.pack_into("<i", self, off, v)

    def cell_size(self, cell):
        return self.i32(self.abs(cell))

    def checksum(self):
        return header_checksum(self)

    def fix_checksum(self):
        self.set_u32(L.REGF_OFF_CHECKSUM, header_checksum(self))
        return self


def header_checksum(data):
    """Spec §2.2: XOR of the 127 dwords at 0x000..0x1F8, remapped away from 0 and 0xFFFFFFFF."""
    s = 0
    for (w,) in struct.iter_unpack("<I", bytes(data[:L.REGF_CHECKSUM_SPAN])):
        s ^= w
    if s == 0xFFFFFFFF:
        return 0xFFFFFFFE
    if s == 0:
        return 1
    return s


def raw_checksum(data):
    s = 0
    for (w,) in struct.iter_unpack("<I", bytes(data[:L.REGF_CHECKSUM_SPAN])):
        s ^= w
    return s


# ---- cell allocator ---------------------------------------------------------------------------
def _round(n, a):
    return (n + a - 1) // a * a


class _Alloc:
    """Sequential cells in bins (spec §3, §10.2-3).  A cell that does not fit closes the bin with
    one free cell; a cell larger than a page gets a bin rounded up to 4 KiB."""

    def __init__(self, timestamp, free_fill=0, first_bin=0x1000):
        self.buf = bytearray()
        self.bins = []
        self.ts = timestamp
        self.free_fill = free_fill
        self.ptr = self.end = 0
        self._first_bin = first_bin

    def _new_bin(self, need):
        size = max(_round(L.HBIN_HEADER_SIZE + need, L.REGF_BLOCK_SIZE),
                   self._first_bin if not self.bins else L.REGF_BLOCK_SIZE)
        start = len(self.buf)
        self.buf += bytearray(size)
        struct.pack_into("<III", self.buf, start, L.HBIN_SIGNATURE, start, size)
        if not self.bins:
            struct.pack_into("<Q", self.buf, start + L.HBIN_OFF_TIMESTAMP, self.ts)
        self.bins.append((start, size))
        self.ptr, self.end = start + L.HBIN_HEADER_SIZE, start + size

    free_cells = ()

    def _close(self):
        rem = self.end - self.ptr
        if rem > 0:
            struct.pack_into("<i", self.buf, self.ptr, rem)
            if self.free_fill:
                self.buf[self.ptr + 4:self.end] = bytes([self.free_fill]) * (rem - 4)
        self.ptr = self.end

    def alloc(self, payload_len, min_usable=0, extra=0):
        size = max(_round(L.CELL_HEADER_SIZE + max(payload_len, min_usable) + extra,
                          L.REGF_CELL_ALIGN), 8)
        if self.ptr + size > self.end:
            self._close()
            self._new_bin(size)
        off = self.ptr
        struct.pack_into("<i", self.buf, off, -size)
        self.ptr += size
        return off

    def free_cell(self, content):
        """A free cell holding `content` (slack / remnant data, spec §8.2 R-B13)."""
        size = max(_round(4 + len(content), 8), 8)
        if self.ptr + size > self.end:
            self._close()
            self._new_bin(size)
        off = self.ptr
        struct.pack_into("<i", self.buf, off, size)
        self.buf[off + 4:off + 4 + len(content)] = content
        self.ptr += size
        self.free_cells = tuple(self.free_cells) + (off,)
        return off

    def put(self, off, payload):
        self.buf[off + 4:off + 4 + len(payload)] = payload

    def finish(self):
        if not self.bins:
            self._new_bin(0)
        self._close()
        return self.buf


# ---- serialisation ----------------------------------------------------------------------------
class Built:
    """Result of build(): img (Image), root, sks (list of (sd bytes, cell)), bins."""

    def __init__(self, img, root, sks, bins, free=()):
        self.img, self.root, self.sks, self.bins = img, root, sks, bins
        self.free = list(free)  # cells made by build(slack=...)

    def bytes(self):
        return bytes(self.img)


def _default_leaf(minor):
    if minor >= L.REGF_MINOR_LH:
        return "lh"
    if minor >= 3:
        return "lf"
    return "li"


def _leaf_bytes(kind, entries):
    """entries: list of (child nk cell, units)."""
    sig = {"li": L.LI_SIGNATURE, "lf": L.LF_SIGNATURE, "lh": L.LH_SIGNATURE}[kind]
    out = bytearray(struct.pack("<HH", sig, len(entries) & 0xFFFF))
    for off, u in entries:
        if kind == "li":
            out += struct.pack("<I", off)
        elif kind == "lf":
            out += struct.pack("<I", off) + N.lf_hint(u)
        else:
            out += struct.pack("<II", off, N.lh_hash(u))
    return bytes(out)


def _value_storage(v, minor):
    if v.storage:
        return v.storage
    n = len(v.data)
    if n <= L.VK_INLINE_MAX:
        return "inline"
    if n > L.DB_SEGMENT_SIZE and minor >= L.REGF_MINOR_BIGDATA:
        return "big"
    return "cell"


def _write_value(a, v, minor):
    raw, comp, _ = v.encoded()
    v.off_vk = a.alloc(L.VK_FIXED_SIZE + len(raw), extra=v.cell_extra)
    st = _value_storage(v, minor)
    n = len(v.data)
    if st == "inline":
        dlen, dfield = n | L.VK_DATA_INLINE_BIT, int.from_bytes(v.data[:4].ljust(4, b"\0"),
                                                                 "little")
    elif st == "empty_nil":
        dlen, dfield = 0, NIL
    elif st == "cell":
        v.off_data = a.alloc(n)
        a.put(v.off_data, v.data)
        dlen, dfield = n, v.off_data
    else:  # big data, spec §5.5
        seg = L.DB_SEGMENT_SIZE
        count = max(1, (n + seg - 1) // seg)
        v.off_data = a.alloc(L.DB_FIXED_SIZE)
        v.off_dblist = a.alloc(4 * count)
        v.off_segs = []
        for i in range(count):
            o = a.alloc(min(seg, n - i * seg), min_usable=v.seg_cell or seg)
            a.put(o, v.data[i * seg:(i + 1) * seg])
            v.off_segs.append(o)
        a.put(v.off_data, struct.pack("<HHI", L.DB_SIGNATURE, count, v.off_dblist))
        a.put(v.off_dblist, b"".join(struct.pack("<I", o) for o in v.off_segs))
        dlen, dfield = n, v.off_data
    f = {"sig": L.VK_SIGNATURE, "name_len": len(raw), "data_len": dlen, "data": dfield,
         "type": v.type, "flags": L.VK_FLAG_COMP_NAME if comp else 0, "spare": 0}
    f.update(v.vk)
    a.put(v.off_vk, struct.pack("<HHIIIHH", f["sig"], f["name_len"], f["data_len"], f["data"],
                                f["type"], f["flags"], f["spare"]) + raw)


def build(root, minor=5, *, seq=(1, 1), timestamp=T0, flags=0, cluster=1, header=None,
          rmtm=False, filename=None, tail=b"", free_fill=0, sk_fields=None, major=1,
          length=None, slack=None, first_bin=0x1000, fix_checksum=True):
    """Serialise the tree under `root` (a Key) into a hive.  header: {offset: (fmt, value)}
    patches applied to the base block before the checksum.  sk_fields: {sk index: {field:
    value}} overrides (flink, blink, refcount, desc_len, sig).  slack: list of byte strings put
    into free cells right after the root's cells (R-B13).  Returns a Built."""
    a = _Alloc(timestamp, free_fill, first_bin)
    # Effective descriptors: a key without sd inherits its parent's (spec §10.10: dedupe).
    sds, refs = [], {}
    order = []                       # preorder list of (key, parent, effective sd)
    stack = [(root, None, root.sd if root.sd is not None else DEFAULT_SD)]
    while stack:
        k, parent, sd = stack.pop()
        k.parent = parent
        k.off_nk = None
        order.append((k, sd))
        if sd not in refs:
            refs[sd] = 0
            sds.append(sd)
        refs[sd] += 1
        kids = k.subkeys
        if k.sort:
            kids = sorted(kids, key=lambda c: N.sort_key(c.encoded()[2]))
            k.subkeys = kids
        for c in reversed(kids):
            stack.append((c, k, c.sd if c.sd is not None else sd))
    rraw, _, _ = root.encoded()
    root.off_nk = a.alloc(L.NK_FIXED_SIZE + len(rraw), extra=root.cell_extra)
    sk_cells = []
    for sd in sds:
        sk_cells.append(a.alloc(L.SK_FIXED_SIZE + len(sd)))
    for i, sd in enumerate(sds):
        f = {"sig": L.SK_SIGNATURE, "reserved": 0, "flink": sk_cells[(i + 1) % len(sds)],
             "blink": sk_cells[i - 1], "refcount": refs[sd], "desc_len": len(sd)}
        f.update((sk_fields or {}).get(i, {}))
        a.put(sk_cells[i], struct.pack("<HHIIII", f["sig"], f["reserved"], f["flink"],
                                       f["blink"], f["refcount"], f["desc_len"]) + sd)
    sk_of = dict(zip(sds, sk_cells))
    for content in slack or ():
        a.free_cell(content)
    for k, sd in order:
        _write_key(a, k, minor, sk_of[sd], k is root)
    buf = a.finish()
    img = Image(L.REGF_BLOCK_SIZE)
    img += buf
    img += tail
    hb = struct.pack("<IIIQIIIIIII", L.REGF_SIGNATURE, seq[0], seq[1], timestamp, major, minor,
                     L.REGF_TYPE_PRIMARY, L.REGF_FORMAT_MEMORY, root.off_nk,
                     len(buf) if length is None else length, cluster)
    img[0:len(hb)] = hb
    if filename:
        fn = filename.encode("utf-16-le")[-(L.REGF_FILENAME_SIZE - 2):]
        img[L.REGF_OFF_FILENAME:L.REGF_OFF_FILENAME + len(fn)] = fn
    img.set_u32(L.REGF_OFF_FLAGS, flags)
    if rmtm:
        img.set_u32(L.REGF_OFF_GUID_SIGNATURE, L.REGF_RMTM_SIGNATURE)
    for off, (fmt, val) in (header or {}).items():
        struct.pack_into(fmt, img, off, val)
    if fix_checksum:
        img.fix_checksum()
    return Built(img, root, list(zip(sds, sk_cells)), a.bins, a.free_cells)


def _write_key(a, k, minor, sk_cell, is_root):
    raw, comp, _ = k.encoded()
    if k.off_nk is None:
        k.off_nk = a.alloc(L.NK_FIXED_SIZE + len(raw), extra=k.cell_extra)
    # class name (spec §5.7)
    cls = k.cls
    if isinstance(cls, str):
        cls = cls.encode("utf-16-le", "surrogatepass")
    if cls:
        k.off_cls = a.alloc(len(cls))
        a.put(k.off_cls, cls)
    # values (spec §5.3, §5.4)
    if k.values:
        k.off_vlist = a.alloc(4 * len(k.values))
        for v in k.values:
            _write_value(a, v, minor)
        a.put(k.off_vlist, b"".join(struct.pack("<I", v.off_vk) for v in k.values))
    # children nk cells, then the subkey index (spec §5.2, §10.7)
    for c in k.subkeys:
        craw = c.encoded()[0]
        c.off_nk = a.alloc(L.NK_FIXED_SIZE + len(craw), extra=c.cell_extra)
    if k.subkeys:
        entries = [(c.off_nk, c.encoded()[2]) for c in k.subkeys]
        lt = k.list_type
        n = len(entries)
        if lt is None:
            lt = "ri" if n > L.LEAF_SPLIT_COUNT else _default_leaf(minor)
        if lt == "ri":
            leaf = k.leaf_type or _default_leaf(minor)
            split = k.leaf_split or L.LEAF_SPLIT_COUNT
            chunks = [entries[i:i + split] for i in range(0, n, split)]
            k.off_slist = a.alloc(4 + 4 * len(chunks))
            k.off_leaves = []
            for ch in chunks:
                lb = _leaf_bytes(leaf, ch)
                o = a.alloc(len(lb))
                a.put(o, lb)
                k.off_leaves.append(o)
            a.put(k.off_slist, struct.pack("<HH", L.RI_SIGNATURE, len(chunks)) +
                  b"".join(struct.pack("<I", o) for o in k.off_leaves))
        else:
            lb = _leaf_bytes(lt, entries)
            k.off_slist = a.alloc(len(lb))
            a.put(k.off_slist, lb)
            k.off_leaves = [k.off_slist]
    # nk (spec §5.1, writer rules §10.5 and §10.8)
    def vname_bytes(v):
        r, c, _ = v.encoded()
        return 2 * len(r) if c else len(r)

    def kname_bytes(c):
        r, cc, _ = c.encoded()
        return 2 * len(r) if cc else len(r)

    def clen(c):
        x = c.cls
        if isinstance(x, str):
            return len(x.encode("utf-16-le", "surrogatepass"))
        return len(x or b"")

    if is_root:
        fl = L.KEY_HIVE_ENTRY | L.KEY_NO_DELETE | (L.KEY_COMP_NAME if comp else 0)
    else:
        fl = L.KEY_COMP_NAME if comp else 0
    fl |= k.flags
    f = {
        "sig": L.NK_SIGNATURE, "flags": fl, "last_write": k.last_write, "access": 0,
        "layer": k.layer, "spare2": 0,
        "parent": NIL if is_root else k.parent.off_nk,
        "subkey_count": len(k.subkeys), "vsubkey_count": 0,
        "subkey_list": k.off_slist if k.subkeys else NIL, "vsubkey_list": NIL,
        "value_count": len(k.values), "value_list": k.off_vlist if k.values else NIL,
        "security": sk_cell, "class": k.off_cls if cls else NIL,
        "max_name": max([kname_bytes(c) for c in k.subkeys] or [0]) | (k.max_name_hi << 16),
        "max_class": max([clen(c) for c in k.subkeys] or [0]),
        "max_vname": max([vname_bytes(v) for v in k.values] or [0]),
        "max_vdata": max([len(v.data) for v in k.values] or [0]),
        "workvar": 0, "name_len": len(raw), "class_len": len(cls or b""),
    }
    f.update(k.nk)
    a.put(k.off_nk, struct.pack(
        "<HHQBBHIIIIIIIIIIIIIIHH", f["sig"], f["flags"], f["last_write"], f["access"],
        f["layer"], f["spare2"], f["parent"], f["subkey_count"], f["vsubkey_count"],
        f["subkey_list"], f["vsubkey_list"], f["value_count"], f["value_list"], f["security"],
        f["class"], f["max_name"], f["max_class"], f["max_vname"], f["max_vdata"], f["workvar"],
        f["name_len"], f["class_len"]) + raw)


def chain(depth, name="k"):
    """root + (depth-1) nested keys: returns (root, deepest)."""
    root = Key("ROOT")
    cur = root
    for i in range(1, depth):
        nxt = Key("%s%d" % (name, i))
        cur.subkeys.append(nxt)
        cur = nxt
    return root, cur


# Re-export the reader side so callers can `import regf` only.
from reader import Hive, Finding, validate, dump, load  # noqa: E402,F401
