"""gen/fixtures_n.py: n_ fixtures, each breaking exactly one rule of regf-format.md §8 whose Engine
column says S (reject).  Named n_<area>_<what>; recipes follow the spec's Mutation column.
Every fixture starts from a valid hive, applies one mutation and refreshes the header checksum
(except the checksum cases).  gen/tests/test_fixtures.py proves with the python validator that
each one breaks its rule and no other S rule.
"""
import layout as L
from fxlib import (Key, Value, build, n, sz, dw, pattern, std, many_bins, mut, nk_set, vk_set,
                   rec_set, shrink, bin_at, last_cell, NS, NIL)
from regf import make_sd, acl, ace, SID_EVERYONE, SID_SYSTEM, chain


_TARGET = "\\Registry\\Machine\\X".encode("utf-16-le")


def H(off, v):
    return lambda s: s.img.set_u32(off, v)


def S(minor=5, **kw):
    return lambda: std(minor, **kw)


def N_(base, *patches, checksum=True):
    return lambda: mut(base(), *patches, checksum=checksum)


# ---- R-A: file and base block -----------------------------------------------------------------
n("n_file_empty", "R-A01", "Empty file (0 bytes)", lambda: b"", error="ERROR_BADDB")
n("n_file_truncated_1fff", "R-A01", "Valid hive truncated to 0x1FFF bytes",
  lambda: bytes(std().img)[:0x1FFF])
n("n_file_base_block_only", "R-A01", "Only the 4 KiB base block", lambda: bytes(std().img)[:0x1000])
n("n_file_truncated_100", "R-A01", "Only 256 bytes of a base block", lambda: bytes(std().img)[:0x100])
n("n_base_signature_flipped", "R-A02", "Signature regF", N_(S(), lambda s: s.img.__setitem__(3, ord("F"))))
n("n_base_signature_zero", "R-A02", "Signature zeroed", N_(S(), H(0, 0)))
n("n_base_signature_hbin", "R-A02", "Signature hbin (a bin where the base block should be)",
  N_(S(), H(0, L.HBIN_SIGNATURE)))


def _xor_zero(s, target):
    """Make the raw XOR equal target via the (ignored) dword at 0x1F8, store it unremapped."""
    img = s.img
    img.set_u32(0x1F8, 0)
    from regf import raw_checksum
    img.set_u32(0x1F8, raw_checksum(img) ^ target)
    img.set_u32(L.REGF_OFF_CHECKSUM, target)


n("n_base_checksum_plus_one", "R-A03", "Stored checksum + 1",
  N_(S(), lambda s: s.img.set_u32(L.REGF_OFF_CHECKSUM, s.img.checksum() + 1), checksum=False))
n("n_base_checksum_zero", "R-A03", "Stored checksum 0", N_(S(), H(L.REGF_OFF_CHECKSUM, 0),
                                                          checksum=False))
n("n_base_checksum_unremapped_0", "R-A03", "Raw XOR is 0 and the stored checksum is 0 (Samba "
  "style, without the 0 -> 1 remap)", N_(S(), lambda s: _xor_zero(s, 0), checksum=False))
n("n_base_checksum_unremapped_ffffffff", "R-A03", "Raw XOR is 0xFFFFFFFF and is stored as is "
  "(must be 0xFFFFFFFE)", N_(S(), lambda s: _xor_zero(s, 0xFFFFFFFF), checksum=False))
for _t in (1, 2, 6):
    n("n_base_type_%d" % _t, "R-A04", "File type %d (a log), not a primary" % _t,
      N_(S(), H(L.REGF_OFF_TYPE, _t)))
for _v in (0, 2):
    n("n_base_major_%d" % _v, "R-A05", "Major version %d" % _v, N_(S(), H(L.REGF_OFF_MAJOR, _v)))
for _v, _nm in ((0, "0"), (1, "1"), (2, "2"), (7, "7"), (0xFFFFFFFF, "ffffffff")):
    n("n_base_minor_%s" % _nm, "R-A06", "Minor version %s" % _nm, N_(S(), H(L.REGF_OFF_MINOR, _v)))
for _v in (0, 2):
    n("n_base_format_%d" % _v, "R-A07", "Format %d (only 1 is defined)" % _v,
      N_(S(), H(L.REGF_OFF_FORMAT, _v)))
for _v, _nm in ((0, "zero"), (0x1001, "not_4k"), (0x80000000, "80000000"),
                (0xFFFFF000, "fffff000")):
    n("n_base_length_%s" % _nm, "R-A08", "Hive bins data length 0x%x" % _v,
      N_(S(), H(L.REGF_OFF_LENGTH, _v)))
n("n_base_length_past_eof", "R-A09", "Length one page beyond the end of a clean file",
  N_(S(), lambda s: s.img.set_u32(L.REGF_OFF_LENGTH, len(s.img))))
n("n_base_length_max_small_file", "R-A09", "Length 0x7FFFE000 in a small clean file",
  N_(S(), H(L.REGF_OFF_LENGTH, 0x7FFFE000)))
n("n_base_root_volatile", "R-A12", "RootCell 0x80000020 (volatile storage)",
  N_(S(), H(L.REGF_OFF_ROOT_CELL, 0x80000020)))
n("n_base_root_nil", "R-A13", "RootCell NIL", N_(S(), H(L.REGF_OFF_ROOT_CELL, NIL)), alt="R-C01")
n("n_base_root_free_cell", "R-A13", "RootCell points at a free cell",
  N_(S(), lambda s: s.img.set_u32(L.REGF_OFF_ROOT_CELL, s.free)), alt="R-C05")
n("n_base_root_misaligned", "R-A13", "RootCell 4 (inside the header of the first cell)",
  N_(S(), H(L.REGF_OFF_ROOT_CELL, 4)), alt="R-C03")
def _root_small():
    v = Value("nkdata", 3, b"nk" + bytes(6))  # a 16-byte cell whose bytes start with "nk"
    root = Key("ROOT", [v])
    return NS(build(root, 5), root=root, v=v)


n("n_base_root_small_cell", "R-A13", "RootCell points at a 16-byte cell that starts with 'nk' "
  "(too small for an nk)", N_(_root_small, lambda s: s.img.set_u32(L.REGF_OFF_ROOT_CELL, s.v.off_data)))
n("n_base_root_mid_cell", "R-A13", "RootCell points into the middle of the root nk",
  N_(S(), lambda s: s.img.set_u32(L.REGF_OFF_ROOT_CELL, s.root.off_nk + 8)), alt="R-C04")


# ---- R-B: bins and the cell walk ------------------------------------------------------------------
def MB():
    return many_bins()


def _bin(k, off, v):
    return lambda s: s.img.set_u32(bin_at(s.img, k)[0] + off, v)


n("n_hbin_signature_bin2", "R-B01", "Second bin signature hbix", N_(MB, _bin(1, 0, 0x78696268)))
n("n_hbin_signature_bin1", "R-B01", "First bin signature zeroed", N_(MB, _bin(0, 0, 0)))
n("n_hbin_offset_off_by_4k", "R-B02", "Second bin FileOffset off by 0x1000",
  N_(MB, lambda s: s.img.set_u32(bin_at(s.img, 1)[0] + 4, bin_at(s.img, 1)[0])))
n("n_hbin_offset_first_nonzero", "R-B02", "First bin FileOffset 0x1000", N_(MB, _bin(0, 4, 0x1000)))
for _v, _nm in ((0, "zero"), (0x20, "20"), (0x1800, "1800")):
    n("n_hbin_size_%s" % _nm, "R-B03", "Bin size 0x%x" % _v, N_(MB, _bin(0, 8, _v)))
n("n_hbin_size_past_length", "R-B04", "Last bin size runs 0x2000 past Length",
  N_(MB, lambda s: s.img.set_u32(bin_at(s.img, len(s.built.bins) - 1)[0] + 8,
                                 bin_at(s.img, len(s.built.bins) - 1)[1] + 0x2000)))
n("n_hbin_size_overflow", "R-B04", "Bin size 0xFFFFF000 (32-bit overflow of offset + size)",
  N_(MB, _bin(1, 8, 0xFFFFF000)))


def _grow_length(s, pages):
    s.img += bytes(0x1000 * pages)
    s.img.set_u32(L.REGF_OFF_LENGTH, s.img.u32(L.REGF_OFF_LENGTH) + 0x1000 * pages)


n("n_hbin_length_exceeds_bins", "R-B05", "Length one page more than the bins (zero page)",
  N_(S(), lambda s: _grow_length(s, 1)))
n("n_hbin_length_exceeds_bins_3p", "R-B05", "Length three pages more than the bins",
  N_(S(), lambda s: _grow_length(s, 3)))


def _ff_insert(s):
    a = bin_at(s.img, 1)[0]
    s.img[a:a] = b"\xff" * 0x200


def _ff_overwrite(s):
    a = bin_at(s.img, 1)[0]
    s.img[a:a + 0x200] = b"\xff" * 0x200


n("n_hbin_misaligned_ff_inserted", "R-B06", "0x200 bytes of 0xFF inserted before the second bin",
  N_(MB, _ff_insert))
n("n_hbin_misaligned_ff_overwrite", "R-B06", "The second bin's first 0x200 bytes are 0xFF filler",
  N_(MB, _ff_overwrite))
n("n_cell_size_zero_free", "R-B07", "The trailing free cell of bin 1 has size 0",
  N_(S(), lambda s: s.img.set_i32(s.img.abs(last_cell(s.img, 0x1000)), 0)))
n("n_cell_size_zero_allocated", "R-B07", "An allocated vk cell has size 0",
  N_(S(), lambda s: s.img.set_i32(s.img.abs(s.va1.off_vk), 0)))
n("n_cell_size_not_8_allocated", "R-B08", "An allocated cell of size -0x1C",
  N_(S(), lambda s: s.img.set_i32(s.img.abs(s.va1.off_vk), -0x1C)))
n("n_cell_size_not_8_free", "R-B08", "A free cell of size 0x1C",
  N_(S(), lambda s: s.img.set_i32(s.img.abs(s.free), 0x1C)))
n("n_cell_size_int_min", "R-B09", "Cell size 0x80000000 (cannot be negated)",
  N_(S(), lambda s: s.img.set_u32(s.img.abs(s.va1.off_vk), 0x80000000)))
n("n_cell_size_overruns_bin", "R-B10", "The last cell of bin 1 overruns the bin by 8",
  N_(S(), lambda s: s.img.set_i32(s.img.abs(last_cell(s.img, 0x1000)),
                                  s.img.i32(s.img.abs(last_cell(s.img, 0x1000))) + 8)))
n("n_cell_size_huge_allocated", "R-B10", "An allocated cell of size -0x10000 in a 4 KiB bin",
  N_(S(), lambda s: s.img.set_i32(s.img.abs(s.va1.off_vk), -0x10000)))


# ---- R-C: cell references ------------------------------------------------------------------------
def VL(s, k):
    return s.img.rec(s.a.off_vlist) + 4 * k


n("n_cellref_nil_value_entry", "R-C01", "A value-list entry is NIL",
  N_(S(), lambda s: s.img.set_u32(VL(s, 0), NIL)), alt="R-F05")
n("n_cellref_nil_security", "R-C01", "A key's Security is NIL",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_SECURITY, NIL)), alt="R-D20")
n("n_cellref_out_of_range_value", "R-C02", "A value-list entry equals Length (out of range)",
  N_(S(), lambda s: s.img.set_u32(VL(s, 0), s.img.u32(L.REGF_OFF_LENGTH))), alt="R-F05")
n("n_cellref_volatile_subkey", "R-C02", "A leaf element 0x80000020 (volatile index)",
  N_(S(), lambda s: s.img.set_u32(s.img.rec(s.b.off_slist) + 4, 0x80000020)), alt="R-E10")
n("n_cellref_out_of_range_class", "R-C02", "Class index 0x7FFFFFF8",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_CLASS, 0x7FFFFFF8)), alt="R-D15")
n("n_cellref_misaligned_data", "R-C03", "Data index + 4 (not 8-aligned)",
  N_(S(), lambda s: vk_set(s.img, s.va3, L.VK_OFF_DATA, s.va3.off_data + 4)), alt="R-F13")
n("n_cellref_misaligned_security", "R-C03", "Security index + 4",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_SECURITY, s.built.sks[0][1] + 4)), alt="R-D20")
n("n_cellref_mid_cell_value_list", "R-C04", "Value list index + 8 (inside a cell)",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_VALUE_LIST, s.a.off_vlist + 8)), alt="R-F01")
n("n_cellref_mid_cell_class", "R-C04", "Class index + 8 (inside the class cell)",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_CLASS, s.a.off_cls + 8)), alt="R-D15")
n("n_cellref_free_data", "R-C05", "Data points at a free cell",
  N_(S(), lambda s: vk_set(s.img, s.va3, L.VK_OFF_DATA, s.free)), alt="R-F13")
n("n_cellref_free_value_list", "R-C05", "Value list points at a free cell",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_VALUE_LIST, s.free)), alt="R-F01")


def _cell_2m():
    v = Value("huge", 3, pattern(0x100000, 21))
    return NS(build(Key("ROOT", [v]), 3), v=v)


n("n_cellref_cell_over_1mib", "R-C06", "A 1.3 hive whose data cell is larger than 1 MiB "
  "(HSANE_CELL_MAX)", lambda: bytes(_cell_2m().img), alt="R-F13")


def _share_vlist(s):
    nk_set(s.img, s.g, L.NK_OFF_VALUE_COUNT, 3)
    nk_set(s.img, s.g, L.NK_OFF_VALUE_LIST, s.a.off_vlist)
    nk_set(s.img, s.g, L.NK_OFF_MAX_VALUE_NAME, 6)
    nk_set(s.img, s.g, L.NK_OFF_MAX_VALUE_DATA, 64)


n("n_cellref_shared_value_list", "R-C07", "Two keys share one value list", N_(S(), _share_vlist),
  alt="R-F01")
n("n_cellref_value_listed_twice", "R-C07", "The same vk appears twice in one value list",
  N_(S(), lambda s: s.img.set_u32(VL(s, 1), s.va1.off_vk)), alt="R-F05")


def _share_class(s):
    nk_set(s.img, s.g, L.NK_OFF_CLASS, s.a.off_cls)
    nk_set(s.img, s.g, L.NK_OFF_CLASS_LEN, 20, 2)
    nk_set(s.img, s.root, L.NK_OFF_MAX_CLASS_LEN, 20)


n("n_cellref_shared_class", "R-C07", "Two keys share one class cell", N_(S(), _share_class),
  alt="R-D15")
n("n_cellref_nk_name_len_ffff", "R-C08", "nk NameLength 0xFFFF (record exceeds its cell)",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_NAME_LEN, 0xFFFF, 2)), alt="R-D02")
n("n_cellref_vk_name_len_ffff", "R-C08", "vk NameLength 0xFFFF (record exceeds its cell)",
  N_(S(), lambda s: vk_set(s.img, s.va1, L.VK_OFF_NAME_LEN, 0xFFFF, 2)), alt="R-F07")
n("n_cellref_sk_desc_len_huge", "R-C08", "sk DescriptorLength 0xFFFFFFF0",
  N_(S(), lambda s: rec_set(s.img, s.built.sks[0][1], L.SK_OFF_DESC_LEN, 0xFFFFFFF0)), alt="R-H03")


# ---- R-D: key nodes -------------------------------------------------------------------------------
def _nk_cell(extra):
    k = Key("victim", cell_extra=extra)
    return NS(build(Key("ROOT", [], [k, Key("zz")]), 5), k=k)


n("n_nk_cell_too_big", "R-D01", "An nk in a 0x480-byte cell (usable 0x47C > 0x45C)",
  lambda: bytes(_nk_cell(0x480 - 0x58).img))
n("n_nk_cell_too_small", "R-D01", "An nk cell cut to 0x48 bytes (usable 0x44 < 0x4C)",
  lambda: mut(_nk_cell(0x48), lambda s: shrink(s.img, s.k.off_nk, 0x48)))
n("n_nk_root_cell_too_big", "R-D01", "The root nk in a 0x480-byte cell",
  lambda: bytes(build(Key("ROOT", [], [Key("a")], cell_extra=0x480 - 0x58), 5).img))
n("n_nk_name_len_zero", "R-D02", "A subkey with NameLength 0",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_NAME_LEN, 0, 2)))
n("n_nk_name_len_over_cell", "R-D02", "NameLength one byte beyond the usable size",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_NAME_LEN, -s.img.cell_size(s.g.off_nk) - 4 - 0x4C + 1, 2)),
  alt="R-C08")


def _one_child(**kw):
    k = Key("x", **kw)
    return NS(build(Key("ROOT", [], [k]), 5), k=k)


n("n_nk_name_compressed_257", "R-D03", "Compressed key name of 257 bytes (> 0x100)",
  lambda: bytes(_one_child(raw_name=b"n" * 257, comp=True).img))
n("n_nk_name_compressed_nul_first", "R-D03", "Compressed key name starting with NUL (\\0abc)",
  lambda: bytes(_one_child(raw_name=b"\0abc", comp=True).img))
n("n_nk_name_compressed_backslash", "R-D03", "Compressed key name a\\b",
  lambda: bytes(_one_child(raw_name=b"a\\b", comp=True).img))
n("n_nk_name_utf16_257_chars", "R-D04", "UTF-16 key name of 0x202 bytes (> 0x200)",
  lambda: bytes(_one_child(raw_name="Я".encode("utf-16-le") * 257, comp=False).img))
n("n_nk_name_utf16_odd_length", "R-D04", "UTF-16 key name with an odd length (5 bytes)",
  lambda: bytes(_one_child(raw_name="Яx".encode("utf-16-le") + b"y", comp=False).img))
n("n_nk_name_utf16_nul_first", "R-D04", "UTF-16 key name starting with U+0000",
  lambda: bytes(_one_child(raw_name="\0Яb".encode("utf-16-le"), comp=False).img))
n("n_nk_name_utf16_backslash", "R-D04", "UTF-16 key name containing U+005C",
  lambda: bytes(_one_child(raw_name="Я\\b".encode("utf-16-le"), comp=False).img))
n("n_nk_signature_subkey", "R-D05", "A subkey's signature is nx",
  N_(S(), lambda s: nk_set(s.img, s.g, 0, 0x786E, 2)), alt="R-E11")
n("n_nk_signature_root", "R-D05", "The root's signature is nx",
  N_(S(), lambda s: nk_set(s.img, s.root, 0, 0x786E, 2)))
n("n_nk_parent_sibling", "R-D06", "A subkey's Parent points at its sibling",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_PARENT, s.a.off_nk)))
n("n_nk_parent_nil", "R-D06", "A subkey's Parent is NIL",
  N_(S(), lambda s: nk_set(s.img, s.c1, L.NK_OFF_PARENT, NIL)))
for _f in (0x2C, 0x24, 0x28):
    n("n_nk_subkey_flags_%02x" % _f, "R-D07", "A subkey with root-only flags 0x%02x" % _f,
      N_(S(), (lambda f: lambda s: nk_set(s.img, s.g, L.NK_OFF_FLAGS, f, 2))(_f)))
n("n_nk_root_symlink", "R-D08", "The root has KEY_SYM_LINK (and one valid SymbolicLinkValue)",
  lambda: bytes(build(Key("ROOT", [Value("SymbolicLinkValue", 6, _TARGET)], [Key("a")],
                          flags=L.KEY_SYM_LINK), 5).img))
n("n_nk_root_predef_handle", "R-D08", "The root has KEY_PREDEF_HANDLE",
  N_(S(), lambda s: nk_set(s.img, s.root, L.NK_OFF_FLAGS, 0x2C | 0x40, 2)))
n("n_nk_root_hive_exit", "R-D09", "The root has KEY_HIVE_EXIT",
  N_(S(), lambda s: nk_set(s.img, s.root, L.NK_OFF_FLAGS, 0x2C | 0x02, 2)))



def LY():
    return std(6, flags=L.REGF_FLAG_LAYERED)


def _lroot(layer):
    return lambda: bytes(build(Key("ROOT", layer=layer), 6, flags=L.REGF_FLAG_LAYERED).img)


n("n_nk_root_layer_tombstone", "R-D11", "Layered hive: an empty root with LayerSemantics 1",
  _lroot(1))
n("n_nk_root_layer_supersede_tree", "R-D11", "Layered hive: an empty root with LayerSemantics 3",
  _lroot(3))
n("n_nk_layer_child_of_supersede_tree", "R-D12", "Layered hive: parent 3, child 0",
  N_(LY, lambda s: nk_set(s.img, s.b, L.NK_OFF_LAYER, 3, 1),
     lambda s: nk_set(s.img, s.c1, L.NK_OFF_LAYER, 3, 1)))
n("n_nk_layer_child_supersede_local", "R-D12", "Layered hive: parent 3, child 2",
  N_(LY, lambda s: nk_set(s.img, s.b, L.NK_OFF_LAYER, 3, 1),
     lambda s: nk_set(s.img, s.c1, L.NK_OFF_LAYER, 3, 1),
     lambda s: nk_set(s.img, s.c2, L.NK_OFF_LAYER, 2, 1)))
n("n_nk_class_nil_with_length", "R-D14", "ClassLength 10 with Class NIL",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_CLASS_LEN, 10, 2)))
n("n_nk_class_free_cell", "R-D15", "Class points at a free cell",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_CLASS, s.free)), alt="R-C05")
n("n_nk_class_into_vk", "R-D15", "Class points into the middle of a vk cell",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_CLASS, s.va2.off_vk + 8)), alt="R-C04")
n("n_nk_class_len_0x1000", "R-D16", "ClassLength 0x1000 in a small class cell",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_CLASS_LEN, 0x1000, 2),
     lambda s: nk_set(s.img, s.root, L.NK_OFF_MAX_CLASS_LEN, 0x1000)))
n("n_nk_class_len_usable_plus_1", "R-D16", "ClassLength = class cell usable size + 1",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_CLASS_LEN, -s.img.cell_size(s.a.off_cls) - 3, 2),
     lambda s: nk_set(s.img, s.root, L.NK_OFF_MAX_CLASS_LEN, 0x100)))


def _tomb(**kw):
    k = Key("tomb", layer=1, **kw)
    return NS(build(Key("ROOT", [], [k, Key("z")], layer=2), 6, flags=L.REGF_FLAG_LAYERED), k=k)


n("n_nk_tombstone_with_class", "R-D17", "Layered hive: a tombstone key with a class",
  lambda: bytes(_tomb(cls="c").img))
n("n_nk_security_free_cell", "R-D20", "A key's Security points at a free cell",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_SECURITY, s.free)), alt="R-C05")
n("n_nk_security_not_sk", "R-D20", "A key's Security points at a value-list cell",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_SECURITY, s.a.off_vlist)))
n("n_nk_security_out_of_range", "R-D20", "A key's Security is out of range",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_SECURITY, 0x7FFFF000)), alt="R-C02")
n("n_nk_predef_handle_subkey", "R-D22", "A subkey with KEY_PREDEF_HANDLE",
  N_(S(), lambda s: nk_set(s.img, s.g, L.NK_OFF_FLAGS, 0x20 | 0x40, 2)))


def _link(values, flags=L.KEY_SYM_LINK):
    return lambda: bytes(build(Key("ROOT", [], [Key("Link", [v() for v in values], flags=flags)]),
                               5).img)


n("n_nk_symlink_no_value", "R-D26", "A symlink key with no values", _link([]))
n("n_nk_symlink_two_values", "R-D26", "A symlink key with two values (both SymbolicLinkValue, "
  "REG_LINK)", _link([lambda: Value("SymbolicLinkValue", 6, _TARGET),
                      lambda: Value("SymbolicLinkValue", 6, _TARGET)]))
n("n_nk_symlink_value_name", "R-D27", "A symlink whose value is named Target",
  _link([lambda: Value("Target", 6, _TARGET)]))
n("n_nk_symlink_value_type", "R-D28", "A symlink whose value is REG_SZ",
  _link([lambda: Value("SymbolicLinkValue", 1, _TARGET)]))
n("n_nk_symlink_odd_length", "R-D29", "A symlink value of 7 bytes (odd)",
  _link([lambda: Value("SymbolicLinkValue", 6, _TARGET[:7])]))
n("n_nk_symlink_too_long", "R-D29", "A symlink value of 0x10001 bytes",
  _link([lambda: Value("SymbolicLinkValue", 6, pattern(0x10001, 3))]))


# ---- R-E: subkey indexes --------------------------------------------------------------------------
def KL(lt, nkids=4, minor=5, **kw):
    def f():
        kids = [Key("k%02d" % k) for k in range(nkids)]
        p = Key("P", [], kids, list_type=lt, **kw)
        return NS(build(Key("ROOT", [], [p, Key("Q")]), minor), p=p, kids=kids)
    return f


def SL(s, k=0, elem=8):
    """Absolute offset of element k of P's first leaf."""
    return s.img.rec(s.p.off_leaves[0]) + 4 + elem * k


n("n_subkeys_list_free_cell", "R-E01", "SubKeyList points at a free cell",
  N_(S(), lambda s: nk_set(s.img, s.b, L.NK_OFF_SUBKEY_LIST, s.free)), alt="R-C05")
n("n_subkeys_list_nil", "R-E01", "SubKeyCount 2 with SubKeyList NIL",
  N_(S(), lambda s: nk_set(s.img, s.b, L.NK_OFF_SUBKEY_LIST, NIL)), alt="R-C01")


def _tomb_kids():
    k = Key("tomb", [], [Key("c")], layer=1)
    return bytes(build(Key("ROOT", [], [k], layer=2), 6, flags=L.REGF_FLAG_LAYERED).img)


n("n_subkeys_tombstone_has_subkeys", "R-E02", "Layered hive: a tombstone key with subkeys",
  _tomb_kids)
n("n_subkeys_leaf_count_ffff", "R-E03", "lh Count 0xFFFF in a small cell",
  N_(KL("lh"), lambda s: rec_set(s.img, s.p.off_slist, 2, 0xFFFF, 2)))
n("n_subkeys_ri_count_ffff", "R-E03", "ri Count 0xFFFF in a small cell",
  N_(KL("ri", 8, leaf_split=3), lambda s: rec_set(s.img, s.p.off_slist, 2, 0xFFFF, 2)))
n("n_subkeys_ri_leaf_count_ffff", "R-E03", "A leaf under ri with Count 0xFFFF",
  N_(KL("ri", 8, leaf_split=3), lambda s: rec_set(s.img, s.p.off_leaves[1], 2, 0xFFFF, 2)))
n("n_subkeys_leaf_count_zero", "R-E04", "lh leaf Count 0",
  N_(KL("lh"), lambda s: rec_set(s.img, s.p.off_slist, 2, 0, 2)))
n("n_subkeys_ri_count_zero", "R-E04", "ri Count 0",
  N_(KL("ri", 8, leaf_split=3), lambda s: rec_set(s.img, s.p.off_slist, 2, 0, 2)))
n("n_subkeys_ri_leaf_count_zero", "R-E04", "A leaf under ri with Count 0",
  N_(KL("ri", 8, leaf_split=3), lambda s: rec_set(s.img, s.p.off_leaves[2], 2, 0, 2)))
n("n_subkeys_signature_xx", "R-E05", "Subkey list signature xx",
  N_(KL("lh"), lambda s: rec_set(s.img, s.p.off_slist, 0, 0x7878, 2)))
n("n_subkeys_signature_nk", "R-E05", "Subkey list signature nk",
  N_(KL("lf"), lambda s: rec_set(s.img, s.p.off_slist, 0, L.NK_SIGNATURE, 2)))
n("n_subkeys_count_above_leaf", "R-E06", "SubKeyCount 5, leaf holds 4",
  N_(KL("lh"), lambda s: nk_set(s.img, s.p, L.NK_OFF_SUBKEY_COUNT, 5)))
n("n_subkeys_count_below_leaf", "R-E06", "SubKeyCount 3, leaf holds 4",
  N_(KL("li"), lambda s: nk_set(s.img, s.p, L.NK_OFF_SUBKEY_COUNT, 3)))
n("n_subkeys_ri_element_free", "R-E07", "An ri element points at a free cell",
  lambda: mut(_ri_free(), lambda s: rec_set(s.img, s.p.off_slist, 4, s.built.free[0])), alt="R-C05")
n("n_subkeys_ri_element_out_of_range", "R-E07", "An ri element out of range",
  N_(KL("ri", 8, leaf_split=3), lambda s: rec_set(s.img, s.p.off_slist, 8, 0x7FFFFFF0)), alt="R-C02")


def _ri_free():
    kids = [Key("k%02d" % k) for k in range(8)]
    p = Key("P", [], kids, list_type="ri", leaf_split=3)
    return NS(build(Key("ROOT", [], [p]), 5, slack=[b"x" * 40]), p=p)


n("n_subkeys_ri_points_to_itself", "R-E08", "An ri element points at the ri itself",
  N_(KL("ri", 8, leaf_split=3), lambda s: rec_set(s.img, s.p.off_slist, 4, s.p.off_slist)))


def _ri_ri():
    kids = [Key("k%02d" % k) for k in range(8)]
    p = Key("P", [], kids, list_type="ri", leaf_split=4)
    q = Key("Q", [], [Key("q%d" % k) for k in range(4)], list_type="ri", leaf_split=2)
    return NS(build(Key("ROOT", [], [p, q]), 5), p=p, q=q)


n("n_subkeys_ri_to_ri", "R-E08", "An ri element points at another key's ri",
  lambda: mut(_ri_ri(), lambda s: rec_set(s.img, s.p.off_slist, 4, s.q.off_slist)))
n("n_subkeys_ri_to_nk", "R-E08", "An ri element points at an nk cell",
  N_(KL("ri", 8, leaf_split=3), lambda s: rec_set(s.img, s.p.off_slist, 4, s.kids[0].off_nk)))
n("n_subkeys_ri_sum_above", "R-E09", "ri leaves hold 8, SubKeyCount 9",
  N_(KL("ri", 8, leaf_split=3), lambda s: nk_set(s.img, s.p, L.NK_OFF_SUBKEY_COUNT, 9)))
n("n_subkeys_ri_sum_below", "R-E09", "ri leaves hold 8, SubKeyCount 7",
  N_(KL("ri", 8, leaf_split=3), lambda s: nk_set(s.img, s.p, L.NK_OFF_SUBKEY_COUNT, 7)))
n("n_subkeys_element_free", "R-E10", "A leaf element points at a free cell",
  N_(S(), lambda s: s.img.set_u32(s.img.rec(s.b.off_slist) + 4, s.free)), alt="R-C05")
n("n_subkeys_element_out_of_range", "R-E10", "A leaf element out of range",
  N_(KL("li"), lambda s: s.img.set_u32(SL(s, 1, 4), 0x00FFFFF8)), alt="R-C02")
n("n_subkeys_element_misaligned", "R-E10", "A leaf element not 8-aligned",
  N_(KL("lh"), lambda s: s.img.set_u32(SL(s, 2), s.kids[2].off_nk + 4)), alt="R-C03")
n("n_subkeys_element_to_vk", "R-E11", "A leaf element points at a vk cell",
  N_(S(), lambda s: s.img.set_u32(s.img.rec(s.b.off_slist) + 4, s.va1.off_vk)))
n("n_subkeys_element_to_sk", "R-E11", "A leaf element points at the sk cell",
  N_(S(), lambda s: s.img.set_u32(s.img.rec(s.b.off_slist) + 12, s.built.sks[0][1])))
n("n_subkeys_element_to_list", "R-E11", "A leaf element points at another key's lh list",
  N_(S(), lambda s: s.img.set_u32(s.img.rec(s.b.off_slist) + 4, s.root.off_slist)))
n("n_subkeys_lh_hash_corrupt", "R-E12", "One lh hash is wrong",
  N_(KL("lh"), lambda s: s.img.set_u32(SL(s, 1) + 4, s.img.u32(SL(s, 1) + 4) ^ 0x100)))
n("n_subkeys_lh_hash_not_upcased", "R-E12", "lh hash computed without upcasing",
  lambda: mut(_lh_lower(), lambda s: s.img.set_u32(s.img.rec(s.p.off_slist) + 8, _raw_hash("lower"))))


def _raw_hash(name):
    h = 0
    for c in name.encode():
        h = (37 * h + c) & 0xFFFFFFFF
    return h


def _lh_lower():
    p = Key("P", [], [Key("lower")], list_type="lh")
    return NS(build(Key("ROOT", [], [p]), 5), p=p)


n("n_subkeys_lf_hint_corrupt", "R-E13", "One lf hint is wrong (1.3 hive)",
  N_(KL("lf", minor=3), lambda s: s.img.set_u8(SL(s, 1) + 4, ord("z"))))
n("n_subkeys_order_swapped", "R-E14", "Two leaf entries swapped (hashes follow their names)",
  lambda: bytes(build(Key("ROOT", [], [Key("P", [], [Key("b"), Key("a"), Key("c")], sort=False)]), 5).img))
n("n_subkeys_duplicate_case", "R-E14", "Two subkeys whose names differ only in case (abc, ABC)",
  lambda: bytes(build(Key("ROOT", [], [Key("P", [], [Key("abc"), Key("ABC")], sort=False)]), 5).img))
n("n_subkeys_order_across_ri", "R-E14", "ri leaves individually sorted but not across leaves",
  lambda: bytes(build(Key("ROOT", [], [Key("P", [], [Key(x) for x in ("c", "d", "a", "b")],
                                           sort=False, list_type="ri", leaf_split=2)]), 5).img))
n("n_subkeys_depth_513", "R-E16", "A chain of 513 keys (root + 512): one too deep",
  lambda: bytes(build(chain(513)[0], 5).img))


def _li_tree():
    d = Key("grandchild")
    c = Key("child", [], [d], list_type="li")
    p = Key("P", [], [c], list_type="li")
    q = Key("Q", [], [Key("other")], list_type="li")
    root = Key("ROOT", [], [p, q], list_type="li")
    return NS(build(root, 3), root=root, p=p, q=q, c=c, d=d)


n("n_subkeys_cycle_to_root", "R-E17", "A leaf element points back at the root",
  lambda: mut(_li_tree(), lambda s: rec_set(s.img, s.p.off_slist, 4, s.root.off_nk)), alt="R-C07")
n("n_subkeys_shared_child", "R-E17", "Two parents list the same child",
  lambda: mut(_li_tree(), lambda s: rec_set(s.img, s.q.off_slist, 4, s.c.off_nk)), alt="R-C07")
n("n_subkeys_cycle_to_parent", "R-E17", "A key lists its own parent as a subkey",
  lambda: mut(_li_tree(), lambda s: rec_set(s.img, s.c.off_slist, 4, s.p.off_nk)),
  alt="R-C07")


# ---- R-F: values ------------------------------------------------------------------------------------
n("n_values_list_free_cell", "R-F01", "ValueList points at a free cell",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_VALUE_LIST, s.free)), alt="R-C05")
n("n_values_list_nil", "R-F01", "ValueCount 3 with ValueList NIL",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_VALUE_LIST, NIL)), alt="R-C01")
n("n_values_list_out_of_range", "R-F01", "ValueList out of range",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_VALUE_LIST, 0x7FFFFF00)), alt="R-C02")
n("n_values_count_huge", "R-F02", "ValueCount 0x40000001 (4*count overflows 32 bits)",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_VALUE_COUNT, 0x40000001)))
n("n_values_count_past_list", "R-F02", "ValueCount one more than the list cell holds",
  N_(S(), lambda s: nk_set(s.img, s.a, L.NK_OFF_VALUE_COUNT, (-s.img.cell_size(s.a.off_vlist) - 4) // 4 + 1)))


def _tomb_vals():
    k = Key("tomb", [Value("v", 4, dw(1))], layer=1)
    return bytes(build(Key("ROOT", [], [k], layer=2), 6, flags=L.REGF_FLAG_LAYERED).img)


n("n_values_tombstone_key_has_values", "R-F04", "Layered hive: a tombstone key with values",
  _tomb_vals)
n("n_values_entry_nil", "R-F05", "A value-list entry is NIL", N_(S(), lambda s: s.img.set_u32(VL(s, 1), NIL)),
  alt="R-C01")
n("n_values_entry_free_cell", "R-F05", "A value-list entry points at a free cell",
  N_(S(), lambda s: s.img.set_u32(VL(s, 2), s.free)), alt="R-C05")
n("n_values_entry_duplicate", "R-F05", "A value-list entry repeats the previous vk",
  N_(S(), lambda s: s.img.set_u32(VL(s, 2), s.va2.off_vk)), alt="R-C07")
n("n_values_vk_cell_16_bytes", "R-F06", "A vk in a 16-byte cell (usable 12 < 0x14)",
  lambda: mut(_vk(Value("v", 4, dw(1), cell_extra=16)), lambda s: shrink(s.img, s.v.off_vk, 16)))
n("n_values_vk_signature", "R-F06", "vk signature vx",
  N_(S(), lambda s: vk_set(s.img, s.va1, 0, 0x7876, 2)))


def _vk(v, minor=5):
    return NS(build(Key("ROOT", [v, Value("other", 4, dw(2))]), minor), v=v)


n("n_values_name_len_over_cell", "R-F07", "vk NameLength = usable - 0x13",
  N_(S(), lambda s: vk_set(s.img, s.va2, L.VK_OFF_NAME_LEN, -s.img.cell_size(s.va2.off_vk) - 4 - 0x13, 2)),
  alt="R-C08")
n("n_values_name_len_ffff", "R-F07", "vk NameLength 0xFFFF in a small cell",
  N_(S(), lambda s: vk_set(s.img, s.v_ver, L.VK_OFF_NAME_LEN, 0xFFFF, 2)), alt="R-C08")
n("n_values_name_compressed_0x4000", "R-F08", "Compressed value name of 0x4000 bytes",
  lambda: bytes(_vk(Value("", 4, dw(1), raw_name=b"n" * 0x4000, comp=True)).img))
n("n_values_name_utf16_odd", "R-F08", "UTF-16 value name of odd length",
  lambda: bytes(_vk(Value("", 4, dw(1), raw_name="Яb".encode("utf-16-le") + b"c", comp=False)).img))
n("n_values_tombstone_flag_1_5", "R-F09", "Tombstone flag on a value in a non-layered hive",
  lambda: bytes(_vk(Value("t", 0, b"", storage="empty_nil", vk={"flags": 3})).img))


def _tomb_value(dtype, data):
    return lambda: bytes(build(Key("ROOT", [Value("t", dtype, data, vk={"flags": 3})], layer=2), 6,
                               flags=L.REGF_FLAG_LAYERED).img)


n("n_values_tombstone_with_data", "R-F10", "Layered hive: tombstone value with 4 bytes of data",
  _tomb_value(0, dw(1)))
n("n_values_tombstone_with_type", "R-F10", "Layered hive: tombstone value of type REG_SZ",
  lambda: bytes(build(Key("ROOT", [Value("t", 1, b"", storage="empty_nil", vk={"flags": 3})], layer=2),
                      6, flags=L.REGF_FLAG_LAYERED).img))
n("n_values_inline_len_5", "R-F11", "Inline DataLength 0x80000005",
  N_(S(), lambda s: vk_set(s.img, s.va1, L.VK_OFF_DATA_LEN, 0x80000005)))
n("n_values_inline_len_max", "R-F11", "Inline DataLength 0xFFFFFFFF",
  N_(S(), lambda s: vk_set(s.img, s.va1, L.VK_OFF_DATA_LEN, 0xFFFFFFFF)))
n("n_values_data_free_cell", "R-F13", "Data points at a free cell",
  N_(S(), lambda s: vk_set(s.img, s.va2, L.VK_OFF_DATA, s.free)), alt="R-C05")
n("n_values_data_nil", "R-F13", "DataLength 24 with Data NIL",
  N_(S(), lambda s: vk_set(s.img, s.va2, L.VK_OFF_DATA, NIL)), alt="R-C01")
n("n_values_data_shared", "R-F13", "Two values share one data cell",
  N_(S(), lambda s: vk_set(s.img, s.va2, L.VK_OFF_DATA, s.va3.off_data),
     lambda s: vk_set(s.img, s.va2, L.VK_OFF_DATA_LEN, 24)), alt="R-C07")
n("n_values_data_len_0x100_in_16", "R-F14", "DataLength 0x100 in a 16-byte data cell",
  lambda: mut(_vk(Value("v", 3, pattern(8, 1))), lambda s: vk_set(s.img, s.v, L.VK_OFF_DATA_LEN, 0x100)))
n("n_values_data_len_usable_plus_1", "R-F14", "DataLength = data cell usable + 1",
  N_(S(), lambda s: vk_set(s.img, s.va3, L.VK_OFF_DATA_LEN, -s.img.cell_size(s.va3.off_data) - 3)))


# ---- R-G: big data ----------------------------------------------------------------------------------
def BD(nbytes=20000, minor=5, **kw):
    def f():
        v = Value("big", 3, pattern(nbytes, 31), **kw)
        return NS(build(Key("ROOT", [v]), minor, slack=[b"free" * 8]), v=v)
    return f


n("n_bigdata_signature", "R-G01", "db signature dx", N_(BD(), lambda s: rec_set(s.img, s.v.off_data, 0, 0x7864, 2)))
n("n_bigdata_count_zero", "R-G01", "db Count 0", N_(BD(), lambda s: rec_set(s.img, s.v.off_data, 2, 0, 2)))
n("n_bigdata_list_nil", "R-G01", "db List NIL", N_(BD(), lambda s: rec_set(s.img, s.v.off_data, 4, NIL)),
  alt="R-C01")
n("n_bigdata_list_free_cell", "R-G02", "db List points at a free cell",
  N_(BD(), lambda s: rec_set(s.img, s.v.off_data, 4, s.built.free[0])), alt="R-C05")


def _two_big():
    v1 = Value("b1", 3, pattern(20000, 1))
    v2 = Value("b2", 3, pattern(20000, 2))
    return NS(build(Key("ROOT", [v1, v2]), 5), v1=v1, v2=v2)


n("n_bigdata_list_shared", "R-G02", "Two db records share one segment list",
  lambda: mut(_two_big(), lambda s: rec_set(s.img, s.v2.off_data, 4, s.v1.off_dblist)), alt="R-C07")
n("n_bigdata_count_ffff", "R-G03", "db Count 0xFFFF with a 16-byte segment list",
  N_(BD(), lambda s: rec_set(s.img, s.v.off_data, 2, 0xFFFF, 2)))
n("n_bigdata_count_plus_one", "R-G04", "db Count = needed + 1 (list has room)",
  N_(BD(), lambda s: rec_set(s.img, s.v.off_data, 2, 3, 2)))
n("n_bigdata_count_minus_one", "R-G04", "db Count = needed - 1",
  N_(BD(), lambda s: rec_set(s.img, s.v.off_data, 2, 1, 2)))
n("n_bigdata_segment_free_cell", "R-G05", "A segment points at a free cell",
  N_(BD(), lambda s: rec_set(s.img, s.v.off_dblist, 4, s.built.free[0])), alt="R-C05")
n("n_bigdata_segment_nil", "R-G05", "A segment index is NIL",
  N_(BD(), lambda s: rec_set(s.img, s.v.off_dblist, 0, NIL)), alt="R-C01")
n("n_bigdata_last_segment_small", "R-G06", "The last segment cell holds only its 1 data byte "
  "(usable < 16344)", lambda: bytes(BD(16345, seg_cell=1)().img))
n("n_bigdata_segment_short", "R-G06", "The second segment cell is sized to its 3,656 bytes",
  lambda: bytes(BD(20000, seg_cell=1)().img))
n("n_bigdata_db_in_1_3", "R-G07", "A 1.3 hive with a db record for 20,000 bytes",
  lambda: bytes(BD(20000, 3, storage="big")().img))
n("n_bigdata_1_3_len_past_cell", "R-G07", "A 1.3 hive: DataLength 20,000 with a 16-byte cell",
  lambda: mut(BD(20000, 3)(), lambda s: vk_set(s.img, s.v, L.VK_OFF_DATA_LEN, 20000),
              lambda s: shrink(s.img, s.v.off_data, 16)))
n("n_bigdata_plain_cell_1_5", "R-G08", "A 1.5 hive: 20,000 bytes in one plain cell, no db",
  lambda: bytes(BD(20000, 5, storage="cell")().img), alt="R-G01")


# ---- R-H: security -------------------------------------------------------------------------------
def SK3():
    sd2 = make_sd(owner=SID_SYSTEM)
    sd3 = make_sd(dacl=acl(ace(SID_EVERYONE)))
    a, b = Key("a", sd=sd2), Key("b", sd=sd3)
    return NS(build(Key("ROOT", [], [a, b, Key("c")]), 5, slack=[b"s" * 24]), a=a, b=b)


def SKC(k):
    return lambda s: s.built.sks[k][1]


n("n_sk_root_free_cell", "R-H01", "The root's Security points at a free cell",
  N_(S(), lambda s: nk_set(s.img, s.root, L.NK_OFF_SECURITY, s.free)), alt="R-C05")
n("n_sk_root_out_of_range", "R-H01", "The root's Security is out of range",
  N_(S(), lambda s: nk_set(s.img, s.root, L.NK_OFF_SECURITY, 0x7FFFFFF8)), alt="R-C02")
n("n_sk_flink_free_cell", "R-H02", "An sk Flink points at a free cell",
  N_(SK3, lambda s: rec_set(s.img, s.built.sks[0][1], L.SK_OFF_FLINK, s.built.free[0])), alt="R-C05")
n("n_sk_flink_out_of_range", "R-H02", "An sk Flink is out of range",
  N_(SK3, lambda s: rec_set(s.img, s.built.sks[1][1], L.SK_OFF_FLINK, 0x7FFFFFF8)), alt="R-C02")
n("n_sk_desc_len_over_cell", "R-H03", "DescriptorLength = usable - 0x13",
  N_(SK3, lambda s: rec_set(s.img, s.built.sks[1][1], L.SK_OFF_DESC_LEN,
                            -s.img.cell_size(s.built.sks[1][1]) - 4 - 0x13)), alt="R-C08")
n("n_sk_desc_len_ffffff00", "R-H03", "DescriptorLength 0xFFFFFF00 (overflow-safe check)",
  N_(SK3, lambda s: rec_set(s.img, s.built.sks[2][1], L.SK_OFF_DESC_LEN, 0xFFFFFF00)), alt="R-C08")
n("n_sk_blink_wrong", "R-H04", "The second sk's Blink points at the third",
  N_(SK3, lambda s: rec_set(s.img, s.built.sks[1][1], L.SK_OFF_BLINK, s.built.sks[2][1])))
n("n_sk_anchor_blink_wrong", "R-H05", "The anchor's Blink points at the second sk, not the last",
  N_(SK3, lambda s: rec_set(s.img, s.built.sks[0][1], L.SK_OFF_BLINK, s.built.sks[1][1])))


def _sd_patch(off, v, width=1):
    def f(s):
        a = s.img.rec(s.built.sks[1][1]) + L.SK_OFF_DESC + off
        (s.img.set_u8 if width == 1 else s.img.set_u16 if width == 2 else s.img.set_u32)(a, v)
    return f


n("n_sk_sd_revision_2", "R-H06", "Descriptor Revision 2", N_(SK3, _sd_patch(0, 2)))
n("n_sk_sd_not_self_relative", "R-H06", "Descriptor Control 0 (SE_SELF_RELATIVE clear)",
  N_(SK3, _sd_patch(2, 0, 2)))
n("n_sk_sd_owner_past_end", "R-H06", "OffsetOwner = descriptor length",
  N_(SK3, lambda s: _sd_patch(4, s.img.u32(s.img.rec(s.built.sks[1][1]) + L.SK_OFF_DESC_LEN), 4)(s)))
n("n_sk_sd_dacl_size_too_big", "R-H06", "DACL AclSize larger than the remaining bytes",
  N_(SK3, lambda s: _sd_patch(s.img.u32(s.img.rec(s.built.sks[1][1]) + L.SK_OFF_DESC + 16) + 2, 0x4000, 2)(s)))
n("n_sk_sd_sid_subauth_255", "R-H06", "Owner SID SubAuthorityCount 255",
  N_(SK3, lambda s: _sd_patch(s.img.u32(s.img.rec(s.built.sks[1][1]) + L.SK_OFF_DESC + 4) + 1, 255)(s)))
n("n_sk_sd_ace_sid_invalid", "R-H06", "The first DACL ACE's SID has revision 2",
  N_(SK3, lambda s: _sd_patch(s.img.u32(s.img.rec(s.built.sks[1][1]) + L.SK_OFF_DESC + 16) + 16, 2)(s)))
n("n_sk_sd_ace_sid_past_ace", "R-H06", "The first DACL ACE's SID claims 15 sub-authorities "
  "(longer than the ACE)",
  N_(SK3, lambda s: _sd_patch(s.img.u32(s.img.rec(s.built.sks[1][1]) + L.SK_OFF_DESC + 16) + 17, 15)(s)))
n("n_sk_sd_too_short", "R-H06", "DescriptorLength 16 (< 20)",
  N_(SK3, lambda s: rec_set(s.img, s.built.sks[1][1], L.SK_OFF_DESC_LEN, 16)))


def _sk_cycle(s):
    sk = [c for _, c in s.built.sks]
    rec_set(s.img, sk[2], L.SK_OFF_FLINK, sk[1])


n("n_sk_flink_cycle_without_anchor", "R-H07", "sk list: anchor -> 2 -> 3 -> 2 (never returns)",
  N_(SK3, _sk_cycle))
n("n_sk_signature_root", "R-H08", "The root's sk signature is sx",
  N_(S(), lambda s: rec_set(s.img, s.built.sks[0][1], 0, 0x7873, 2)))
n("n_sk_signature_second", "R-H08", "The second sk's signature is sx",
  N_(SK3, lambda s: rec_set(s.img, s.built.sks[1][1], 0, 0x7873, 2)))


def _orphan(s):
    sk = [c for _, c in s.built.sks]
    rec_set(s.img, sk[0], L.SK_OFF_FLINK, sk[2])
    rec_set(s.img, sk[2], L.SK_OFF_BLINK, sk[0])


n("n_sk_key_uses_orphan_sk", "R-H10", "A key references an sk removed from the list",
  N_(SK3, _orphan), alt="R-D20")
