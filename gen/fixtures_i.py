"""gen/fixtures_i.py: i_ fixtures, implementation-defined outcomes: rules whose Engine column says
warn / R: fix (Windows repairs, a strict reader may accept), and points where sources disagree
(regf-format.md §13).  `ref` records what the strict reference engine is expected to do.
"""
import layout as L
from fxlib import Key, Value, build, i, sz, dw, pattern, std, mut, nk_set, vk_set, rec_set


def S(minor=5, **kw):
    return lambda: std(minor, **kw)


def I_(base, *patches):
    return lambda: mut(base(), *patches)


i("i_base_cluster_8", "Cluster 8 (Windows ignores it; ReactOS and yarp require 1)",
  I_(S(), lambda s: s.img.set_u32(L.REGF_OFF_CLUSTER, 8)), "R-A11", ref="accept")
i("i_base_cluster_0", "Cluster 0", I_(S(), lambda s: s.img.set_u32(L.REGF_OFF_CLUSTER, 0)),
  "R-A11", ref="accept")
i("i_base_dirty_length_past_eof", "Dirty hive (Seq 3/2) whose Length runs past the file end: "
  "the log would regrow it (spec R-A09 'R: treat as truncated if dirty'); the strict reference "
  "engine rejects it because every real dirty primary in ../shared/hives has all its bins "
  "(ref/RULES.md, R-A09)",
  I_(S(seq=(3, 2)), lambda s: s.img.set_u32(L.REGF_OFF_LENGTH, s.img.u32(L.REGF_OFF_LENGTH) + 0x3000)),
  "R-A09", ref="reject")


def _garbage_tail(s):
    s.img += pattern(0x2000, 5)
    s.img.set_u32(L.REGF_OFF_LENGTH, s.img.u32(L.REGF_OFF_LENGTH) + 0x2000)


i("i_hbin_dirty_garbage_after_bins", "Dirty hive whose Length covers 2 pages of garbage after the "
  "last good bin (yarp treats it as normal; Windows recovers it from the log)",
  I_(S(seq=(5, 4)), _garbage_tail), "R-B01", ref="reject", doc="regf-format.md §12.18")
i("i_nk_class_zero_length_zero", "Class = 0 with ClassLength 0 (seen in the wild; Windows heals "
  "Class to NIL)", I_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_CLASS, 0)), "R-D13", ref="accept")
i("i_nk_class_set_length_zero", "Class points at a real cell but ClassLength is 0",
  I_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_CLASS_LEN, 0, 2)), "R-D13", ref="accept")
i("i_nk_parent_max_name_len_zero", "The root's MaxNameLen is 0 (stale; Windows raises it)",
  I_(S(), lambda s: nk_set(s.img, s.root, L.NK_OFF_MAX_NAME_LEN, 0)), "R-D18", ref="accept")
i("i_nk_parent_max_class_len_zero", "The root's MaxClassLen is 0 while a child has a class",
  I_(S(), lambda s: nk_set(s.img, s.root, L.NK_OFF_MAX_CLASS_LEN, 0)), "R-D19", ref="accept")
i("i_nk_volatile_flag_on_disk", "KEY_VOLATILE set on a stored key (Windows ignores it)",
  I_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_FLAGS, 0x21, 2)), "R-D23", ref="accept")
i("i_nk_subkey_count_zero_list_set", "SubKeyCount 0 but SubKeyList points at a list (not checked)",
  I_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_SUBKEY_LIST, s.b.off_slist)), None, ref="accept",
  doc="regf-format.md §5.1")
i("i_values_count_zero_list_set", "ValueCount 0 with ValueList set (Windows heals to NIL)",
  I_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_VALUE_COUNT, 0)), "R-F03", ref="accept")
i("i_values_len_zero_data_set", "DataLength 0 with Data pointing at a cell",
  I_(S(), lambda s: vk_set(s.img, s.va2, L.VK_OFF_DATA_LEN, 0)), "R-F12", ref="accept")
i("i_values_max_data_len_zero", "MaxValueDataLen 0 while values have data (stale)",
  I_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_MAX_VALUE_DATA, 0)), "R-F15", ref="accept")
i("i_values_max_name_len_zero", "MaxValueNameLen 0 while values have names (stale)",
  I_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_MAX_VALUE_NAME, 0)), "R-F15", ref="accept")
i("i_values_duplicate_names_case", "Two values named A and a (no load check; yarp refuses)",
  lambda: bytes(build(Key("ROOT", [Value("A", 4, dw(1)), Value("a", 4, dw(2))]), 5).img),
  "R-F16", ref="accept")
i("i_values_duplicate_names_exact", "Two values with the same name",
  lambda: bytes(build(Key("ROOT", [Value("dup", 1, sz("1")), Value("dup", 1, sz("2"))]), 5).img),
  "R-F16", ref="accept")
i("i_vk_inline_unused_bytes_junk", "Inline data of 2 bytes whose 2 unused bytes are not zero",
  lambda: bytes(build(Key("ROOT", [Value("v", 3, b"\x01\x02", vk={"data": 0xAAAA0201})]), 5).img),
  None, ref="accept", doc="regf-format.md §5.4")
for _rc, _nm in ((0, "zero"), (0xFFFFFFFF, "ffffffff"), (1000, "too_high")):
    i("i_sk_refcount_%s" % _nm, "sk ReferenceCount %d instead of the real count (Windows "
      "recomputes it)" % _rc,
      (lambda rc: I_(S(), lambda s: rec_set(s.img, s.built.sks[0][1], L.SK_OFF_REFCOUNT, rc)))(_rc),
      "R-H09", ref="accept")


def _orphan_sk():
    from regf import make_sd, SID_SYSTEM
    b = build(Key("ROOT", [], [Key("a")]), 5)
    # add a second descriptor to the ring that no key uses: rebuild with one key using it, then
    # point that key back at the root's sk (refcount stays 1: an orphan with a stale count)
    k = Key("b", sd=make_sd(owner=SID_SYSTEM))
    root = Key("ROOT", [], [Key("a"), k])
    b = build(root, 5)
    nk_set(b.img, k, L.NK_OFF_SECURITY, b.sks[0][1])
    rec_set(b.img, b.sks[0][1], L.SK_OFF_REFCOUNT, 3)
    return bytes(b.img.fix_checksum())


i("i_sk_orphan_in_list", "An sk in the ring that no key references (Windows tolerates orphans)",
  _orphan_sk, "R-H09", ref="accept")


def _upcased_hint():
    p = Key("P", [], [Key("abc"), Key("xyz")], list_type="lf")
    b = build(Key("ROOT", [], [p]), 3)
    a = b.img.rec(p.off_slist)
    b.img[a + 8:a + 11] = b"ABC"
    b.img[a + 16:a + 19] = b"XYZ"
    return bytes(b.img.fix_checksum())


i("i_subkeys_lf_hint_upcased", "lf hints stored upcased (WRK cmdata.h comment) rather than raw "
  "(WRK code, modern Windows)", _upcased_hint, "R-E13", ref="reject",
  doc="regf-format.md §6.4, §13.9")


def _hint_9f():
    p = Key("P", [], [Key(raw_name=b"\x9fx", comp=True, name="")], list_type="lf")
    b = build(Key("ROOT", [], [p]), 3)
    b.img[b.img.rec(p.off_slist) + 8] = 0x81
    return bytes(b.img.fix_checksum())


i("i_subkeys_lf_hint_9f_81", "A compressed name byte 0x9F with hint 0x81 (yarp CompHive quirk)",
  _hint_9f, "R-E13", ref="reject", doc="regf-format.md §12.9, §13.9")


i("i_nk_class_odd_length", "A class of 3 bytes (odd): the API returns WCHARs, so how the last "
  "byte surfaces is implementation-defined (DUMP.md prints it as \\x{XX})",
  lambda: bytes(build(Key("ROOT", [], [Key("c", cls=b"xyz")]), 5).img), None, ref="accept",
  features="class", doc="regf-format.md §5.7")
i("i_name_embedded_nul", "A key name with an embedded NUL (nu\\0l, seen in real hives): valid on "
  "disk, but an API taking NUL-terminated names cannot open it",
  lambda: bytes(build(Key("ROOT", [Value("nu\x00l", 1, sz("v"))], [Key("nu\x00l"), Key("ok")]), 5).img),
  None, ref="accept", doc="regf-format.md §6.1, §12.16")


# R-D10: before Windows 10 RS1 nk+0x0D was spare; a real Windows 7 UsrClass.dat
# (Acronis_0x52_Usrclass.dat in ../shared/hives) has junk there.  Windows clears the bits
# (CmpCheckKey pts 146/148); the reference engine warns and treats the key as normal.
i("i_nk_layer_in_1_5_hive", "Layer semantics 3 in a non-layered 1.5 hive (spare byte before RS1)",
  I_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_LAYER, 3, 1)), "R-D10", ref="accept")
i("i_nk_layer_tombstone_1_5", "Layer semantics 1 in a non-layered 1.5 hive",
  I_(S(), lambda s: nk_set(s.img, s.c1, L.NK_OFF_LAYER, 1, 1)), "R-D10", ref="accept")
i("i_nk_layer_parent_in_1_5_hive", "Layer semantics 3 on a key with a normal child in a "
  "non-layered 1.5 hive (the layered checks are gated by base Flags 0x2, so R-D12 does not apply)",
  I_(S(), lambda s: nk_set(s.img, s.b, L.NK_OFF_LAYER, 3, 1)), "R-D10", ref="accept")
