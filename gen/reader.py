"""gen/reader.py: an independent regf reader, strict validator and canonical dumper.

validate(data) runs the rule catalogue of ../shared/spec/regf-format.md §8 (same rule ids as the
C engine, R-A01 .. R-H10) and returns findings; load(data) also returns the tree; dump(data)
prints conformance/DUMP.md.  Severity follows the spec's "Engine" column: S rules are 'reject',
warn/IGN rules are 'warn'/'info'.  A reference fault (spec §8.3, R-C01..R-C08) is reported under
the rule of the referencing record (e.g. R-F01) with the generic R-C id as `alt`, because the
spec's mutation recipes name the record rule while a generic cell resolver names the R-C rule.

Walks are iterative, bounded by counts and by the cells that hold them, with a once-only set
(R-C07) and a 512-deep limit (R-E16); bad input yields findings, never an exception.
"""
import hashlib
import struct

import layout as L
import names as N

NIL = L.REGF_CELL_NIL
LEAF_SIGS = {L.LI_SIGNATURE: "li", L.LF_SIGNATURE: "lf", L.LH_SIGNATURE: "lh"}
KNOWN_SIGS = {L.VK_SIGNATURE, L.SK_SIGNATURE, L.LI_SIGNATURE, L.LF_SIGNATURE, L.LH_SIGNATURE,
              L.RI_SIGNATURE, L.DB_SIGNATURE}


class Finding:
    __slots__ = ("rule", "sev", "off", "msg", "alt")

    def __init__(self, rule, sev, off, msg, alt=None):
        self.rule, self.sev, self.off, self.msg, self.alt = rule, sev, off, msg, alt

    def ids(self):
        return {self.rule} | ({self.alt} if self.alt else set())

    def __repr__(self):
        a = "/" + self.alt if self.alt else ""
        off = "-" if self.off is None else "0x%x" % self.off
        return "%s%s %s @%s: %s" % (self.rule, a, self.sev, off, self.msg)


class ValueRec:
    __slots__ = ("units", "type", "data")

    def __init__(self, units, vtype, data):
        self.units, self.type, self.data = units, vtype, data


class Node:
    __slots__ = ("units", "cls", "last_write", "flags", "maxname", "values", "children", "sd")

    def __init__(self, units, cls, last_write, flags, maxname, sd):
        self.units, self.cls, self.last_write, self.flags = units, cls, last_write, flags
        self.maxname, self.sd = maxname, sd
        self.values, self.children = [], []


class Hive:
    """Parsed header + cell map + tree (after a walk).  Attributes: findings, root (Node or None),
    header dict, bins [(off, size)], cells {cell index: signed size}."""

    def __init__(self, data):
        self.d = bytes(data)
        self.findings = []
        self.header = {}
        self.bins = []
        self.cells = {}
        self.root = None
        self.sks = []
        self.refd = set()
        self.n_keys = self.n_values = self.n_bytes = 0
        # Record locations by kind (cell indexes), for structure-aware mutators (gen/corpus.py).
        self.index = {k: [] for k in ("nk", "vlist", "vk", "vk_data", "class", "leaf", "ri", "db",
                                      "sk")}
        self._run()

    # -- reporting --------------------------------------------------------------------------
    def rej(self, rule, off, msg, alt=None):
        self.findings.append(Finding(rule, "reject", off, msg, alt))

    def warn(self, rule, off, msg, alt=None):
        self.findings.append(Finding(rule, "warn", off, msg, alt))

    def rejects(self):
        return [f for f in self.findings if f.sev == "reject"]

    # -- little-endian access (bounds come from the checks before each use) -------------------
    def u16(self, off):
        return struct.unpack_from("<H", self.d, off)[0]

    def u32(self, off):
        return struct.unpack_from("<I", self.d, off)[0]

    def i32(self, off):
        return struct.unpack_from("<i", self.d, off)[0]

    @staticmethod
    def rec(idx):
        return L.REGF_BLOCK_SIZE + idx + L.CELL_HEADER_SIZE

    # -- stages -----------------------------------------------------------------------------
    def _run(self):
        if not self._header():
            return
        if not self._bins():
            return
        root = self.header["root"]
        us = self.ref(root, "R-A13", L.REGF_OFF_ROOT_CELL, "root cell")
        if us is None:
            return
        if us < L.NK_FIXED_SIZE:
            self.rej("R-A13", L.REGF_OFF_ROOT_CELL, "root cell too small for an nk (%d)" % us)
            return
        if not self._security(root):
            return
        self._tree(root)

    def _header(self):
        d, n = self.d, len(self.d)
        if n < L.REGF_MIN_FILE_SIZE:
            self.rej("R-A01", 0, "file is %d bytes (< 0x2000)%s" % (n, ", empty" if not n else ""))
            return False
        (sig, seq1, seq2, ts, major, minor, typ, fmt, root, length,
         cluster) = struct.unpack_from("<IIIQIIIIIII", d, 0)
        flags = self.u32(L.REGF_OFF_FLAGS)
        self.header = dict(seq1=seq1, seq2=seq2, timestamp=ts, major=major, minor=minor,
                           type=typ, format=fmt, root=root, length=length, cluster=cluster,
                           flags=flags)
        ok = True
        if sig != L.REGF_SIGNATURE:
            self.rej("R-A02", 0, "signature is not regf")
            ok = False
        from regf import header_checksum
        stored = self.u32(L.REGF_OFF_CHECKSUM)
        if stored != header_checksum(d):
            self.rej("R-A03", L.REGF_OFF_CHECKSUM, "checksum 0x%08x, expected 0x%08x"
                     % (stored, header_checksum(d)))
            ok = False
        if typ != L.REGF_TYPE_PRIMARY:
            self.rej("R-A04", L.REGF_OFF_TYPE, "type %d is not primary" % typ)
            ok = False
        if major != L.REGF_MAJOR:
            self.rej("R-A05", L.REGF_OFF_MAJOR, "major %d" % major)
            ok = False
        if not L.REGF_MINOR_MIN <= minor <= L.REGF_MINOR_MAX:
            self.rej("R-A06", L.REGF_OFF_MINOR, "minor %d" % minor)
            ok = False
        if fmt != L.REGF_FORMAT_MEMORY:
            self.rej("R-A07", L.REGF_OFF_FORMAT, "format %d" % fmt)
            ok = False
        self.dirty = seq1 != seq2
        self.end = length
        if length == 0 or length % L.REGF_BLOCK_SIZE or length > L.REGF_MAX_LENGTH:
            self.rej("R-A08", L.REGF_OFF_LENGTH, "length 0x%x" % length)
            ok = False
        elif L.REGF_BLOCK_SIZE + length > n:
            # Strict reading of R-A09 (spec Engine column "S"), dirty or not: treating a short
            # dirty file as truncated is the repair mode's job ("R"), which needs its logs.  The
            # project chose this in ref/RULES.md (every real dirty primary has all its bins).
            self.rej("R-A09", L.REGF_OFF_LENGTH, "length 0x%x past the file end%s"
                     % (length, " (dirty hive: its log would regrow it)" if self.dirty else ""))
            ok = False
        if self.dirty:
            self.warn("R-A10", L.REGF_OFF_SEQ1, "dirty: sequence %d != %d" % (seq1, seq2))
        if cluster != 1:
            self.warn("R-A11", L.REGF_OFF_CLUSTER, "cluster %d" % cluster)
        if root != NIL and root & L.REGF_CELL_VOLATILE_BIT:
            self.rej("R-A12", L.REGF_OFF_ROOT_CELL, "volatile root cell 0x%x" % root)
            ok = False
        if ok and n > L.REGF_BLOCK_SIZE + length:
            self.findings.append(Finding("R-A17", "info", L.REGF_BLOCK_SIZE + length,
                                         "%d bytes after the bins" % (n - L.REGF_BLOCK_SIZE - length)))
        return ok

    def _bins(self):
        d, end = self.d, self.end
        off = 0
        cells = self.cells
        while off < end:
            a = L.REGF_BLOCK_SIZE + off
            if self.u32(a) != L.HBIN_SIGNATURE:
                rest = d[a:L.REGF_BLOCK_SIZE + end]
                if not rest.strip(b"\0"):
                    self.rej("R-B05", a, "length exceeds the bins: zeros from 0x%x" % off)
                elif d[a:a + 4] == b"\xff\xff\xff\xff":
                    self.rej("R-B06", a, "0xFF filler where a bin should start (misaligned)")
                else:
                    self.rej("R-B01", a, "no hbin signature at bin 0x%x" % off)
                return False
            if self.u32(a + L.HBIN_OFF_FILE_OFFSET) != off:
                self.rej("R-B02", a + 4, "bin offset 0x%x at 0x%x"
                         % (self.u32(a + L.HBIN_OFF_FILE_OFFSET), off))
                return False
            size = self.u32(a + L.HBIN_OFF_SIZE)
            if size < L.REGF_BLOCK_SIZE or size % L.REGF_BLOCK_SIZE:
                self.rej("R-B03", a + 8, "bin size 0x%x" % size)
                return False
            if off + size > end:
                self.rej("R-B04", a + 8, "bin 0x%x size 0x%x past length 0x%x" % (off, size, end))
                return False
            p, bend = off + L.HBIN_HEADER_SIZE, off + size
            while p < bend:
                s = self.i32(L.REGF_BLOCK_SIZE + p)
                at = L.REGF_BLOCK_SIZE + p
                if s == 0:
                    self.rej("R-B07", at, "cell size 0")
                    return False
                if s == -0x80000000:
                    self.rej("R-B09", at, "cell size INT_MIN")
                    return False
                ab = -s if s < 0 else s
                if ab % L.REGF_CELL_ALIGN:
                    self.rej("R-B08", at, "cell size %d not a multiple of 8" % s)
                    return False
                if p + ab > bend:
                    self.rej("R-B10", at, "cell of %d bytes overruns its bin" % ab)
                    return False
                cells[p] = s
                p += ab
            self.bins.append((off, size))
            off += size
        return True

    # -- references (spec §8.3) -----------------------------------------------------------------
    def ref(self, idx, rule, at, what):
        """Checks a referenced cell; returns its usable size or None after reporting."""
        if idx == NIL:
            self.rej(rule, at, "%s is NIL" % what, "R-C01")
            return None
        if idx & L.REGF_CELL_VOLATILE_BIT or idx >= self.end:
            self.rej(rule, at, "%s 0x%x out of range" % (what, idx), "R-C02")
            return None
        if idx % L.REGF_CELL_ALIGN:
            self.rej(rule, at, "%s 0x%x misaligned" % (what, idx), "R-C03")
            return None
        s = self.cells.get(idx)
        if s is None:
            self.rej(rule, at, "%s 0x%x is not a cell start" % (what, idx), "R-C04")
            return None
        if s > 0:
            self.rej(rule, at, "%s 0x%x is a free cell" % (what, idx), "R-C05")
            return None
        if -s > L.REGF_CELL_MAX:
            self.rej(rule, at, "%s 0x%x cell larger than 1 MiB" % (what, idx), "R-C06")
            return None
        return -s - L.CELL_HEADER_SIZE

    def once(self, idx, rule, at, what):
        if idx in self.refd:
            self.rej(rule, at, "%s 0x%x referenced twice" % (what, idx), "R-C07")
            return False
        self.refd.add(idx)
        return True

    # -- security (spec §8.8) -------------------------------------------------------------------
    def _security(self, root):
        anchor = self.u32(self.rec(root) + L.NK_OFF_SECURITY)
        at = self.rec(root) + L.NK_OFF_SECURITY
        if self.ref(anchor, "R-H01", at, "root security") is None:
            return False
        limit = sum(1 for s in self.cells.values() if s < 0)
        seen, order, cur = {anchor}, [anchor], anchor
        while True:
            if not self._sk_ok(cur):
                return False
            nxt = self.u32(self.rec(cur) + L.SK_OFF_FLINK)
            if nxt == anchor:
                break
            if self.ref(nxt, "R-H02", self.rec(cur) + L.SK_OFF_FLINK, "sk flink") is None:
                return False
            if nxt in seen or len(order) > limit:
                self.rej("R-H07", self.rec(cur) + L.SK_OFF_FLINK, "sk list cycles without the anchor")
                return False
            if -self.cells[nxt] - 4 >= L.SK_FIXED_SIZE and \
                    self.u16(self.rec(nxt)) == L.SK_SIGNATURE and \
                    self.u32(self.rec(nxt) + L.SK_OFF_BLINK) != cur:
                self.rej("R-H04", self.rec(nxt) + L.SK_OFF_BLINK, "sk blink is not the previous sk")
                return False
            seen.add(nxt)
            order.append(nxt)
            cur = nxt
        if self.u32(self.rec(anchor) + L.SK_OFF_BLINK) != cur:
            self.rej("R-H05", self.rec(anchor) + L.SK_OFF_BLINK, "anchor blink is not the last sk")
            return False
        self.sks = order
        self.index["sk"] = order
        self.sk_set = seen
        self.sk_refs = dict.fromkeys(order, 0)
        return True

    def _sk_ok(self, idx):
        a = self.rec(idx)
        us = -self.cells[idx] - 4
        if us < 2 or self.u16(a) != L.SK_SIGNATURE:
            self.rej("R-H08", a, "sk signature missing")
            return False
        if us < L.SK_FIXED_SIZE or L.SK_FIXED_SIZE + self.u32(a + L.SK_OFF_DESC_LEN) > us:
            self.rej("R-H03", a + L.SK_OFF_DESC_LEN, "sk descriptor does not fit its cell",
                     "R-C08")
            return False
        sd = self.d[a + L.SK_OFF_DESC:a + L.SK_OFF_DESC + self.u32(a + L.SK_OFF_DESC_LEN)]
        why = sd_invalid(sd)
        if why:
            self.rej("R-H06", a + L.SK_OFF_DESC, "invalid security descriptor: " + why)
            return False
        return True

    # -- key tree (spec §8.4-8.7) ---------------------------------------------------------------
    def _tree(self, root):
        self.refd.add(root)
        self.layered = bool(self.header["flags"] & L.REGF_FLAG_LAYERED)
        self.minor = self.header["minor"]
        stack = [(root, None, 1, None, 0)]
        while stack:
            idx, pidx, depth, pnode, player = stack.pop()
            r = self._key(idx, pidx, player)
            if r is None:
                continue
            node, layer, kids = r
            self.n_keys += 1
            if pnode is None:
                self.root = node
            else:
                pnode.children.append(node)
            if kids and depth >= L.HR_MAX_DEPTH:
                self.rej("R-E16", self.rec(idx) + L.NK_OFF_SUBKEY_LIST,
                         "key at depth %d has subkeys (max depth 512)" % depth)
                continue
            for c in reversed(kids):
                stack.append((c, idx, depth + 1, node, layer))
        for sk, n in getattr(self, "sk_refs", {}).items():
            stored = self.u32(self.rec(sk) + L.SK_OFF_REFCOUNT)
            if stored != n:
                self.warn("R-H09", self.rec(sk) + L.SK_OFF_REFCOUNT,
                          "sk refcount %d, %d keys reference it" % (stored, n))

    def _name(self, a, raw_off, nl, comp):
        raw = self.d[a + raw_off:a + raw_off + nl]
        return raw, N.name_units(raw, comp)

    def _key(self, idx, pidx, player):
        a = self.rec(idx)
        us = -self.cells[idx] - 4
        is_root = pidx is None
        if us < 2 or self.u16(a) != L.NK_SIGNATURE:
            # For a subkey the same defect is R-E11 (the leaf element's target is not an nk).
            self.rej("R-D05", a, "nk signature missing", None if is_root else "R-E11")
            return None
        if not L.NK_FIXED_SIZE <= us <= L.NK_MAX_USABLE:
            self.rej("R-D01", a, "nk usable size %d" % us)
            return None
        fl = self.u16(a + L.NK_OFF_FLAGS)
        nl = self.u16(a + L.NK_OFF_NAME_LEN)
        if nl == 0 or L.NK_FIXED_SIZE + nl > us:
            self.rej("R-D02", a + L.NK_OFF_NAME_LEN, "name length %d in %d usable" % (nl, us),
                     None if nl == 0 else "R-C08")
            return None
        comp = bool(fl & L.KEY_COMP_NAME)
        raw, u = self._name(a, L.NK_OFF_NAME, nl, comp)
        if comp:
            if nl > L.NK_MAX_NAME_COMP or raw[0] == 0 or 0x5C in raw:
                self.rej("R-D03", a + L.NK_OFF_NAME, "bad compressed key name")
                return None
        elif nl > L.NK_MAX_NAME_UTF16 or nl % 2 or u[0] == 0 or 0x5C in u:
            self.rej("R-D04", a + L.NK_OFF_NAME, "bad UTF-16 key name")
            return None
        ok = True
        if not is_root and self.u32(a + L.NK_OFF_PARENT) != pidx:
            self.rej("R-D06", a + L.NK_OFF_PARENT, "parent 0x%x, expected 0x%x"
                     % (self.u32(a + L.NK_OFF_PARENT), pidx))
        if is_root:
            if fl & (L.KEY_SYM_LINK | L.KEY_PREDEF_HANDLE):
                self.rej("R-D08", a + 2, "root flags 0x%x" % fl)
            if fl & L.KEY_HIVE_EXIT:
                self.rej("R-D09", a + 2, "root has HIVE_EXIT")
        else:
            if fl & (L.KEY_HIVE_EXIT | L.KEY_HIVE_ENTRY | L.KEY_NO_DELETE):
                self.rej("R-D07", a + 2, "non-root flags 0x%x" % fl)
            if fl & L.KEY_PREDEF_HANDLE:
                self.rej("R-D22", a + 2, "PREDEF_HANDLE on a non-root key")
        if fl & L.KEY_VOLATILE:
            self.warn("R-D23", a + 2, "KEY_VOLATILE on disk")
        layer = self.d[a + L.NK_OFF_LAYER] & L.NK_LAYER_SEMANTICS_MASK
        if layer and not self.layered:
            # Implementation-defined (ref/RULES.md R-D10): nk+0x0D was spare before RS1 and a real
            # Windows 7 hive carries junk there; Windows clears it, so a warning and layer 0.
            self.warn("R-D10", a + L.NK_OFF_LAYER, "layer bits %d in a non-layered hive (ignored)" % layer)
            layer = 0
        if False:
            pass
        elif is_root and layer in (L.NK_LAYER_TOMBSTONE, L.NK_LAYER_SUPERSEDE_TREE):
            self.rej("R-D11", a + L.NK_OFF_LAYER, "root layer semantics %d" % layer)
        elif self.layered and player == L.NK_LAYER_SUPERSEDE_TREE and \
                layer not in (L.NK_LAYER_TOMBSTONE, L.NK_LAYER_SUPERSEDE_TREE):
            self.rej("R-D12", a + L.NK_OFF_LAYER, "child of supersede-tree has layer %d" % layer)
        # class (R-D13..R-D17)
        clen = self.u16(a + L.NK_OFF_CLASS_LEN)
        cidx = self.u32(a + L.NK_OFF_CLASS)
        cls = None
        if clen == 0:
            if cidx != NIL:
                self.warn("R-D13", a + L.NK_OFF_CLASS, "class 0x%x with length 0" % cidx)
        elif cidx == NIL:
            self.rej("R-D14", a + L.NK_OFF_CLASS_LEN, "class length %d, class NIL" % clen)
        else:
            cus = self.ref(cidx, "R-D15", a + L.NK_OFF_CLASS, "class")
            if cus is not None and self.once(cidx, "R-D15", a + L.NK_OFF_CLASS, "class"):
                if clen > cus:
                    self.rej("R-D16", a + L.NK_OFF_CLASS_LEN, "class length %d > cell %d"
                             % (clen, cus))
                else:
                    cls = self.d[self.rec(cidx):self.rec(cidx) + clen]
            if layer == L.NK_LAYER_TOMBSTONE and self.layered:
                self.rej("R-D17", a + L.NK_OFF_CLASS, "tombstone key with a class")
        # security (R-D20, R-H10)
        sidx = self.u32(a + L.NK_OFF_SECURITY)
        sd = None
        if sidx in self.sk_set:
            self.sk_refs[sidx] += 1
            sa = self.rec(sidx)
            sd = self.d[sa + L.SK_OFF_DESC:sa + L.SK_OFF_DESC + self.u32(sa + L.SK_OFF_DESC_LEN)]
        elif sidx != NIL and self.cells.get(sidx, 1) < 0 and \
                self.u16(self.rec(sidx)) == L.SK_SIGNATURE:
            self.rej("R-H10", a + L.NK_OFF_SECURITY, "sk 0x%x is not in the sk list" % sidx,
                     "R-D20")
        else:
            us2 = self.ref(sidx, "R-D20", a + L.NK_OFF_SECURITY, "security")
            if us2 is not None:
                self.rej("R-D20", a + L.NK_OFF_SECURITY, "security 0x%x is not an sk" % sidx)
        self.index["nk"].append((idx, pidx))
        if cls is not None:
            self.index["class"].append(idx)
        node = Node(u, cls, struct.unpack_from("<Q", self.d, a + 4)[0], fl,
                    self.u32(a + L.NK_OFF_MAX_NAME_LEN), sd)
        # values (R-F01..R-F17, R-G)
        vc = self.u32(a + L.NK_OFF_VALUE_COUNT)
        vl = self.u32(a + L.NK_OFF_VALUE_LIST)
        if vc == 0:
            if vl != NIL:
                self.warn("R-F03", a + L.NK_OFF_VALUE_LIST, "no values but list 0x%x" % vl)
        else:
            if layer == L.NK_LAYER_TOMBSTONE and self.layered:
                self.rej("R-F04", a + L.NK_OFF_VALUE_COUNT, "tombstone key has values")
            lus = self.ref(vl, "R-F01", a + L.NK_OFF_VALUE_LIST, "value list")
            if lus is not None and self.once(vl, "R-F01", a + L.NK_OFF_VALUE_LIST, "value list"):
                if 4 * vc > lus:
                    self.rej("R-F02", a + L.NK_OFF_VALUE_COUNT, "%d values in a %d-byte list"
                             % (vc, lus))
                else:
                    la = self.rec(vl)
                    self.index["vlist"].append((vl, vc, idx))
                    for i in range(vc):
                        v = self._value(self.u32(la + 4 * i), la + 4 * i)
                        if v is not None:
                            node.values.append(v)
        self._value_summary(a, node, fl, is_root)
        # subkeys (R-E)
        sc = self.u32(a + L.NK_OFF_SUBKEY_COUNT)
        kids = []
        if sc:
            if layer == L.NK_LAYER_TOMBSTONE and self.layered:
                self.rej("R-E02", a + L.NK_OFF_SUBKEY_COUNT, "tombstone key has subkeys")
            kids = self._subkeys(a, sc, self.u32(a + L.NK_OFF_SUBKEY_LIST), node) or []
        return (node, layer, kids) if ok else None

    def _value_summary(self, a, node, fl, is_root):
        vals = node.values
        self.n_values += len(vals)
        for v in vals:
            self.n_bytes += len(v.data)
        if vals:
            mx_name = max(2 * len(v.units) for v in vals)
            mx_data = max(len(v.data) for v in vals)
            if self.u32(a + L.NK_OFF_MAX_VALUE_NAME) < mx_name or \
                    self.u32(a + L.NK_OFF_MAX_VALUE_DATA) < mx_data:
                self.warn("R-F15", a + L.NK_OFF_MAX_VALUE_NAME, "stale value max fields")
            seen = set()
            for v in vals:
                k = N.sort_key(v.units)
                if k in seen:
                    self.warn("R-F16", a + L.NK_OFF_VALUE_LIST, "duplicate value name")
                    break
                seen.add(k)
        if fl & L.KEY_SYM_LINK and not is_root:
            at = a + L.NK_OFF_VALUE_COUNT
            if len(vals) != 1 or self.u32(at) != 1:
                self.rej("R-D26", at, "symlink key with %d values" % len(vals))
            else:
                v = vals[0]
                if N.sort_key(v.units) != N.sort_key(N.units(L.SYMLINK_VALUE_NAME)):
                    self.rej("R-D27", at, "symlink value is not SymbolicLinkValue")
                elif v.type != L.REG_LINK:
                    self.rej("R-D28", at, "symlink value type %d" % v.type)
                elif len(v.data) % 2 or len(v.data) > 0xFFFF:
                    self.rej("R-D29", at, "symlink data length %d" % len(v.data))

    def _value(self, vidx, at):
        if vidx == NIL:
            self.rej("R-F05", at, "value entry is NIL", "R-C01")
            return None
        us = self.ref(vidx, "R-F05", at, "value")
        if us is None or not self.once(vidx, "R-F05", at, "value"):
            return None
        a = self.rec(vidx)
        if us < L.VK_FIXED_SIZE or self.u16(a) != L.VK_SIGNATURE:
            self.rej("R-F06", a, "not a vk (usable %d)" % us)
            return None
        nl = self.u16(a + L.VK_OFF_NAME_LEN)
        if L.VK_FIXED_SIZE + nl > us:
            self.rej("R-F07", a + 2, "value name length %d in %d usable" % (nl, us), "R-C08")
            return None
        vfl = self.u16(a + L.VK_OFF_FLAGS)
        comp = bool(vfl & L.VK_FLAG_COMP_NAME)
        if (comp and nl > L.VK_MAX_NAME_COMP) or (not comp and (nl % 2 or nl > L.VK_MAX_NAME_UTF16)):
            self.rej("R-F08", a + 2, "value name length %d" % nl)
            return None
        _, u = self._name(a, L.VK_OFF_NAME, nl, comp)
        self.index["vk"].append(vidx)
        dl = self.u32(a + L.VK_OFF_DATA_LEN)
        df = self.u32(a + L.VK_OFF_DATA)
        typ = self.u32(a + L.VK_OFF_TYPE)
        if vfl & L.VK_FLAG_TOMBSTONE:
            if not self.layered:
                self.rej("R-F09", a + L.VK_OFF_FLAGS, "tombstone value in a non-layered hive")
            elif dl != 0 or typ != 0:
                self.rej("R-F10", a + L.VK_OFF_DATA_LEN, "tombstone value with data")
                return None
        if dl & L.VK_DATA_INLINE_BIT:
            n = dl - L.VK_DATA_INLINE_BIT
            if n > L.VK_INLINE_MAX:
                self.rej("R-F11", a + 4, "inline length %d" % n)
                return None
            return ValueRec(u, typ, self.d[a + 8:a + 8 + n])
        if dl == 0:
            if df != NIL:
                self.warn("R-F12", a + 8, "empty value with data 0x%x" % df)
            return ValueRec(u, typ, b"")
        if self.minor >= L.REGF_MINOR_BIGDATA and dl > L.DB_SEGMENT_SIZE:
            data = self._big(df, dl, a + 8)
            return None if data is None else ValueRec(u, typ, data)
        dus = self.ref(df, "R-F13", a + 8, "value data")
        if dus is None or not self.once(df, "R-F13", a + 8, "value data"):
            return None
        self.index["vk_data"].append(vidx)
        if dl > dus:
            if dl > L.DB_SEGMENT_SIZE:
                self.rej("R-G07", a + 4, "1.%d hive: %d bytes in a %d-byte cell"
                         % (self.minor, dl, dus))
            else:
                self.rej("R-F14", a + 4, "data length %d > cell %d" % (dl, dus))
            return None
        return ValueRec(u, typ, self.d[self.rec(df):self.rec(df) + dl])

    def _big(self, df, dl, at):
        dus = self.ref(df, "R-F13", at, "big data")
        if dus is None or not self.once(df, "R-F13", at, "big data"):
            return None
        b = self.rec(df)
        if dus < 2 or self.u16(b) != L.DB_SIGNATURE:
            if dus >= dl:
                # R-G08 names the case; the check itself is R-G01's (spec: "DROP-VAL (R-G01)")
                self.rej("R-G08", b, "1.%d hive: %d bytes in a plain cell, not db" % (self.minor, dl),
                         "R-G01")
            else:
                self.rej("R-G01", b, "big data cell is not a db")
            return None
        if dus < L.DB_FIXED_SIZE:
            self.rej("R-G01", b, "db cell too small")
            return None
        cnt, lst = struct.unpack_from("<HI", self.d, b + 2)
        if cnt == 0 or lst == NIL:
            self.rej("R-G01", b + 2, "db count %d list 0x%x" % (cnt, lst), None if cnt == 0 else "R-C01")
            return None
        lus = self.ref(lst, "R-G02", b + 4, "db list")
        if lus is None or not self.once(lst, "R-G02", b + 4, "db list"):
            return None
        if 4 * cnt > lus:
            self.rej("R-G03", b + 2, "%d segments in a %d-byte list" % (cnt, lus))
            return None
        need = (dl + L.DB_SEGMENT_SIZE - 1) // L.DB_SEGMENT_SIZE
        if cnt != need:
            self.rej("R-G04", b + 2, "db count %d, %d needed" % (cnt, need))
            return None
        self.index["db"].append((df, lst, cnt))
        parts = []
        la = self.rec(lst)
        for i in range(cnt):
            s = self.u32(la + 4 * i)
            sus = self.ref(s, "R-G05", la + 4 * i, "segment")
            if sus is None or not self.once(s, "R-G05", la + 4 * i, "segment"):
                return None
            if sus < L.DB_SEGMENT_SIZE:
                self.rej("R-G06", self.rec(s) - 4, "segment usable %d < 16344" % sus)
                return None
            parts.append(self.d[self.rec(s):self.rec(s) + L.DB_SEGMENT_SIZE])
        return b"".join(parts)[:dl]

    def _subkeys(self, a, sc, sl, node):
        at = a + L.NK_OFF_SUBKEY_LIST
        us = self.ref(sl, "R-E01", at, "subkey list")
        if us is None or not self.once(sl, "R-E01", at, "subkey list"):
            return None
        b = self.rec(sl)
        if us < 4:
            self.rej("R-E03", b, "index cell too small")
            return None
        sig, cnt = struct.unpack_from("<HH", self.d, b)
        if sig not in LEAF_SIGS and sig != L.RI_SIGNATURE:
            self.rej("R-E05", b, "index signature 0x%04x" % sig)
            return None
        if cnt == 0:
            self.rej("R-E04", b + 2, "index count 0")
            return None
        elem = 4 if sig in (L.LI_SIGNATURE, L.RI_SIGNATURE) else 8
        if us < 8 or 4 + cnt * elem > us:
            self.rej("R-E03", b + 2, "%d elements in %d bytes" % (cnt, us))
            return None
        if sig == L.RI_SIGNATURE:
            leaves = []
            for i in range(cnt):
                lidx = self.u32(b + 4 + 4 * i)
                lus = self.ref(lidx, "R-E07", b + 4 + 4 * i, "ri element")
                if lus is None:
                    return None
                lb = self.rec(lidx)
                lsig = self.u16(lb) if lus >= 2 else 0
                if lsig not in LEAF_SIGS:
                    self.rej("R-E08", lb, "ri element is not a leaf (0x%04x)" % lsig)
                    return None
                if not self.once(lidx, "R-E07", b + 4 + 4 * i, "ri element"):
                    return None
                lcnt = self.u16(lb + 2) if lus >= 4 else 0
                lelem = 4 if lsig == L.LI_SIGNATURE else 8
                if lcnt == 0:
                    self.rej("R-E04", lb + 2, "leaf count 0")
                    return None
                if lus < 8 or 4 + lcnt * lelem > lus:
                    self.rej("R-E03", lb + 2, "%d elements in %d bytes" % (lcnt, lus))
                    return None
                leaves.append((lidx, lsig, lcnt))
            self.index["ri"].append((sl, cnt, a))
            if sum(x[2] for x in leaves) != sc:
                self.rej("R-E09", a + L.NK_OFF_SUBKEY_COUNT, "ri leaves hold %d, key says %d"
                         % (sum(x[2] for x in leaves), sc))
                return None
        else:
            if cnt != sc:
                self.rej("R-E06", a + L.NK_OFF_SUBKEY_COUNT, "leaf holds %d, key says %d"
                         % (cnt, sc))
                return None
            leaves = [(sl, sig, cnt)]
        for lf in leaves:
            self.index["leaf"].append(lf + (lf[0] == sl, a))
        kids, prev = [], None
        max_name = max_class = 0
        for lidx, lsig, lcnt in leaves:
            lb = self.rec(lidx)
            lelem = 4 if lsig == L.LI_SIGNATURE else 8
            for j in range(lcnt):
                e = lb + 4 + j * lelem
                cidx = self.u32(e)
                cus = self.ref(cidx, "R-E10", e, "subkey")
                if cus is None:
                    continue
                ca = self.rec(cidx)
                csig = self.u16(ca) if cus >= 2 else 0
                if csig != L.NK_SIGNATURE and csig in KNOWN_SIGS:
                    self.rej("R-E11", e, "subkey element points at a 0x%04x record" % csig)
                    continue
                if csig == L.NK_SIGNATURE and cus >= L.NK_FIXED_SIZE:
                    cfl = self.u16(ca + 2)
                    cnl = self.u16(ca + L.NK_OFF_NAME_LEN)
                    if 0 < cnl and L.NK_FIXED_SIZE + cnl <= cus:
                        ccomp = bool(cfl & L.KEY_COMP_NAME)
                        _, cu = self._name(ca, L.NK_OFF_NAME, cnl, ccomp)
                        if lsig == L.LH_SIGNATURE and (ccomp or cnl % 2 == 0):
                            if self.u32(e + 4) != N.lh_hash(cu):
                                self.rej("R-E12", e + 4, "lh hash 0x%08x, expected 0x%08x"
                                         % (self.u32(e + 4), N.lh_hash(cu)))
                        if lsig == L.LF_SIGNATURE and self.d[e + 4:e + 8] != N.lf_hint(cu):
                            self.rej("R-E13", e + 4, "lf hint %s, expected %s"
                                     % (self.d[e + 4:e + 8].hex(), N.lf_hint(cu).hex()))
                        if prev is not None and N.compare(prev, cu) >= 0:
                            self.rej("R-E14", e, "subkeys out of order / duplicate name")
                        prev = cu
                        max_name = max(max_name, 2 * cnl if ccomp else cnl)
                        max_class = max(max_class, self.u16(ca + L.NK_OFF_CLASS_LEN))
                if not self.once(cidx, "R-E17", e, "subkey"):
                    continue
                kids.append(cidx)
        if (self.u32(a + L.NK_OFF_MAX_NAME_LEN) & L.NK_MAXNAME_LEN_MASK) < max_name:
            self.warn("R-D18", a + L.NK_OFF_MAX_NAME_LEN, "MaxNameLen below the longest subkey")
        if self.u32(a + L.NK_OFF_MAX_CLASS_LEN) < max_class:
            self.warn("R-D19", a + L.NK_OFF_MAX_CLASS_LEN, "MaxClassLen below the longest class")
        return kids


def sd_invalid(sd):
    """RtlValidRelativeSecurityDescriptor-like check (spec R-H06); returns a reason or ''."""
    n = len(sd)
    if n < L.SD_MIN_SIZE:
        return "shorter than 20 bytes"
    rev, _, ctl, oo, og, osa, oda = struct.unpack_from("<BBHIIII", sd, 0)
    if rev != L.SD_REVISION:
        return "revision %d" % rev
    if not ctl & L.SE_SELF_RELATIVE:
        return "not self-relative"

    def sid_bad(off):
        if off < L.SD_MIN_SIZE or off + 8 > n:
            return True
        if sd[off] != 1 or sd[off + 1] > 15:
            return True
        return off + 8 + 4 * sd[off + 1] > n

    def acl_bad(off):
        if off < L.SD_MIN_SIZE or off + 8 > n:
            return True
        arev, _, asize, acount, _ = struct.unpack_from("<BBHHH", sd, off)
        if not 2 <= arev <= 4 or asize < 8 or off + asize > n:
            return True
        p, end = off + 8, off + asize
        for _ in range(acount):
            if p + 4 > end:
                return True
            atype = sd[p]
            s = struct.unpack_from("<H", sd, p + 2)[0]
            if s < 4 or p + s > end:
                return True
            # RtlValidAcl: a basic ACE (ACCESS_ALLOWED/DENIED, SYSTEM_AUDIT/ALARM, MS-DTYP
            # 2.4.4.2-2.4.4.11) holds Mask + SID, and that SID must be valid inside AceSize.
            if atype <= 3:
                q = p + 8
                if s < 16 or sd[q] != 1 or sd[q + 1] > 15 or 16 + 4 * sd[q + 1] > s:
                    return True
            p += s
        return False

    if oo and sid_bad(oo):
        return "owner SID"
    if og and sid_bad(og):
        return "group SID"
    if ctl & L.SE_SACL_PRESENT and osa and acl_bad(osa):
        return "SACL"
    if ctl & L.SE_DACL_PRESENT and oda and acl_bad(oda):
        return "DACL"
    return ""


# ---- public entry points --------------------------------------------------------------------
def validate(data):
    """All findings of the strict validator (list of Finding)."""
    return Hive(data).findings


def load(data):
    """-> Hive (findings, root tree, counters)."""
    return Hive(data)


DUMP_HEX_MAX = 65536
FLAG_NAMES = ((L.KEY_SYM_LINK, "SYM_LINK"), (L.KEY_VIRTUAL_SOURCE, "VIRTUAL_SOURCE"),
              (L.KEY_VIRTUAL_TARGET, "VIRTUAL_TARGET"), (L.KEY_VIRTUAL_STORE, "VIRTUAL_STORE"))


def _flags_text(node):
    parts = [name for bit, name in FLAG_NAMES if node.flags & bit]
    if node.flags & L.KEY_USER_FLAGS_MASK:
        parts.append("NKUSER=%x" % ((node.flags & L.KEY_USER_FLAGS_MASK) >> 12))
    for shift, mask, name in ((L.NK_VIRT_SHIFT, L.NK_VIRT_MASK, "VIRT"),
                              (L.NK_USER_SHIFT, L.NK_USER_MASK, "USER"),
                              (L.NK_DEBUG_SHIFT, L.NK_DEBUG_MASK, "DEBUG")):
        x = (node.maxname >> shift) & mask
        if x:
            parts.append("%s=%x" % (name, x))
    return "|".join(parts) or "-"


def _class_text(cls):
    if cls is None:
        return "-"
    t = N.escape_units(N.name_units(cls, False))
    if len(cls) % 2:
        t += "\\x{%02X}" % cls[-1]
    return t


def _data_text(data):
    if len(data) > DUMP_HEX_MAX:
        return "sha256:" + hashlib.sha256(data).hexdigest()
    return data.hex()


def dump_tree(root, security=True):
    """Canonical dump (conformance/DUMP.md) of a Node tree."""
    out = ["H " + N.escape_units(root.units)]
    stack = [(root, "\\")]
    while stack:
        node, path = stack.pop()
        out.append("K %s\t%s\t%016x\t%s" % (path, _class_text(node.cls), node.last_write,
                                           _flags_text(node)))
        if security and node.sd is not None:
            out.append("D %s\t%s" % (path, node.sd.hex()))
        for v in node.values:
            nm = N.escape_units(v.units)
            if nm == "":
                nm = "@"
            elif nm == "@":
                nm = "\\@"
            out.append("V %s\t%s\t%d\t%d\t%s" % (path, nm, v.type, len(v.data), _data_text(v.data)))
        kids = sorted(node.children, key=lambda c: N.sort_key(c.units))
        base = path if path != "\\" else ""
        for c in reversed(kids):
            stack.append((c, base + "\\" + N.escape_units(c.units)))
    return out


def dump(data, security=True):
    """Canonical dump text of hive bytes; raises ValueError when the strict validator rejects."""
    h = Hive(data)
    rej = h.rejects()
    if rej or h.root is None:
        raise ValueError("hive rejected: %s" % (rej[0] if rej else "no root"))
    lines = dump_tree(h.root, security)
    lines.append("S\t%d\t%d\t%d" % (h.n_keys, h.n_values, h.n_bytes))
    return "\n".join(lines) + "\n"
