"""gen/fixtures_y.py: y_ fixtures, hives every implementation must open, one feature each.

Spec: ../shared/spec/regf-format.md §2-§6 (format), §10 (writer rules), §12 (real-hive facts).
"""
import struct

import layout as L
from fxlib import Key, Value, build, y, sz, dw, pattern, std, many_bins
from regf import make_sd, acl, ace, SID_EVERYONE, SID_SYSTEM, SID_ADMINS, chain, T0


def _b(root, minor=5, **kw):
    return lambda: bytes(build(root() if callable(root) else root, minor, **kw).img)


def _one(*values, minor=5, **kw):
    return lambda: bytes(build(Key("ROOT", [v() for v in values]), minor, **kw).img)


# ---- versions and the empty hive (spec §2.4, Appendix A) -------------------------------------
for _m in (3, 4, 5, 6):
    y("y_base_version_1_%d" % _m, "A small hive in format 1.%d (its default leaf type)" % _m,
      (lambda m: lambda: bytes(std(m).img))(_m), "version", doc="regf-format.md §2.4")
    y("y_base_empty_hive_1_%d" % _m, "Empty hive (root key only, no values) in format 1.%d" % _m,
      (lambda m: lambda: bytes(build(Key("ROOT"), m).img))(_m), "empty", doc="regf-format.md Appendix A")
y("y_base_empty_hive_guid_root", "Empty hive whose root is named like a saved hive ({GUID}), "
  "with rmtm and FileName as Windows writes them",
  lambda: bytes(build(Key("{dedef10d-8c21-11e9-a2e2-000c29a5c4c0}"), 3, rmtm=True,
                      seq=(2, 2), filename="\\??\\C:\\Users\\x\\Desktop\\EmptyHive").img),
  "empty", doc="regf-format.md Appendix A; §12.2-12.4")
y("y_base_dirty_sequence", "Dirty hive: Sequence1 = 3, Sequence2 = 2, no log (engine opens it as is)",
  lambda: bytes(std(5, seq=(3, 2)).img), "dirty", doc="regf-format.md §2.3 R-A10")
y("y_base_tail_after_bins", "File much larger than 0x1000 + Length (0x3E000 bytes of tail, as "
  "real Windows hives)", lambda: bytes(build(Key("ROOT"), 3, tail=b"\0" * 0x3E000).img),
  "tail", doc="regf-format.md §12.1 R-A17")
y("y_base_tail_junk", "Junk bytes after the last bin are ignored",
  lambda: bytes(std(5, tail=pattern(0x1800, 7)).img), "tail", doc="regf-format.md R-A17")
y("y_base_reserved_junk", "Bytes 0x200..0xFFF of the base block hold junk (never read)",
  lambda: _reserved_junk(), "header", doc="regf-format.md R-A14")
y("y_base_flags_all_set", "Base-block Flags = 0xFFFFFFFD (every bit but layered; ignored)",
  lambda: bytes(std(5, flags=0xFFFFFFFD).img), "header", doc="regf-format.md R-A15")
y("y_base_guids_and_ofrg", "RmId/LogId/TmId GUIDs, rmtm, LastReorganizeTime and OfRg present",
  lambda: _guids(), "header", doc="regf-format.md R-A16, §12.4")
y("y_base_timestamp_zero", "Base-block TimeStamp 0 (not updated since Windows 8.1)",
  lambda: bytes(build(Key("ROOT"), 5, timestamp=0).img), "header", doc="regf-format.md §2.1")


def _reserved_junk():
    b = std(5)
    b.img[0x200:0xFF8] = pattern(0xFF8 - 0x200, 3)
    b.img[0xFF8:0x1000] = b"\x04\0\0\0\x01\0\0\0"
    return bytes(b.img)


def _guids():
    b = std(5)
    img = b.img
    img[L.REGF_OFF_RMID:L.REGF_OFF_RMID + 16] = bytes(range(16))
    img[L.REGF_OFF_LOGID:L.REGF_OFF_LOGID + 16] = bytes(range(16))
    img[L.REGF_OFF_TMID:L.REGF_OFF_TMID + 16] = bytes(range(16, 32))
    img.set_u32(L.REGF_OFF_GUID_SIGNATURE, L.REGF_RMTM_SIGNATURE)
    img.set_u32(L.REGF_OFF_OFRG, L.REGF_OFRG_SIGNATURE)
    img.set_u32(L.REGF_OFF_OFRG_FLAGS, 1)
    struct.pack_into("<Q", img, L.REGF_OFF_OFRG_TIMESTAMP, T0)
    return bytes(img.fix_checksum())


# ---- bins and cells (spec §3, §4) ------------------------------------------------------------
y("y_hbin_several_bins", "Several bins, one larger than 4 KiB holding a 6000-byte cell",
  lambda: bytes(many_bins().img), "hbin", doc="regf-format.md §3")
y("y_hbin_first_bin_8k", "A first bin of 0x2000 bytes (bins are any multiple of 4 KiB)",
  lambda: bytes(build(Key("ROOT", [Value("a", 1, sz("a"))]), 5, first_bin=0x2000).img), "hbin",
  doc="regf-format.md §3")
y("y_hbin_reserved_spare_junk", "hbin Reserved and Spare fields hold leftovers (ignored)",
  lambda: _hbin_junk(), "hbin", doc="regf-format.md §3, §12.19-20")
y("y_cell_free_slack_data", "Free cells holding remnant records (nk, vk, junk) as slack",
  lambda: bytes(build(Key("ROOT", [Value("v", 1, sz("v"))]), 5,
                      slack=[b"nk" + b"\0" * 0x50 + b"deleted", b"vk\x03\0" + b"\xff" * 30,
                             pattern(200, 9)], free_fill=0xFC).img),
  "slack", doc="regf-format.md R-B13, §12.21")
y("y_cell_free_fill_b2", "Unused bin space filled with 0xB2/0xFC patterns inside free cells",
  lambda: bytes(build(Key("ROOT", [], [Key("a"), Key("b")]), 5, free_fill=0xB2).img),
  "slack", doc="regf-format.md §4")


def _hbin_junk():
    b = many_bins()
    off = L.REGF_BLOCK_SIZE
    while off < len(b.img):
        if b.img.u32(off) != L.HBIN_SIGNATURE:
            break
        size = b.img.u32(off + 8)
        b.img.set_u32(off + L.HBIN_OFF_RESERVED, 0x12345678)
        b.img.set_u32(off + L.HBIN_OFF_SPARE, size)
        off += size
    return bytes(b.img.fix_checksum())


# ---- subkey indexes (spec §5.2) ----------------------------------------------------------------
def _kids(n, prefix="key"):
    return [Key("%s%05d" % (prefix, k)) for k in range(n)]


for _lt, _m in (("li", 5), ("lf", 5), ("lh", 5), ("li", 3), ("lf", 3)):
    y("y_subkeys_%s_leaf_1_%d" % (_lt, _m), "Subkeys in one %s leaf (format 1.%d)" % (_lt, _m),
      (lambda lt, m: lambda: bytes(build(Key("ROOT", [], _kids(20), list_type=lt), m).img))(_lt, _m),
      "subkeys " + _lt, doc="regf-format.md §5.2")
for _lt in ("li", "lf", "lh"):
    y("y_subkeys_ri_over_%s" % _lt, "An ri over three %s leaves (40 subkeys, 15 per leaf)" % _lt,
      (lambda lt: lambda: bytes(build(Key("ROOT", [], _kids(40), list_type="ri", leaf_type=lt,
                                          leaf_split=15), 5).img))(_lt),
      "subkeys ri " + _lt, doc="regf-format.md §5.2")
y("y_subkeys_ri_1013", "1,013 subkeys: the writer splits them into an ri over lh leaves",
  lambda: bytes(build(Key("ROOT", [], _kids(1013)), 5).img), "subkeys ri many",
  doc="regf-format.md §5.2, §10.7")
y("y_subkeys_ri_li_5000_like_windows", "5,000 subkeys as Windows 1.3 stores them: ri over li "
  "leaves of 506 entries (yarp ManySubkeysHive shape)",
  lambda: bytes(build(Key("ROOT", [], _kids(5000, "k"), list_type="ri", leaf_type="li", leaf_split=506), 3).img),
  "subkeys ri li many", doc="regf-format.md §12.7")
y("y_subkeys_lh_single_leaf_1500", "1,500 subkeys in a single lh leaf (bigger than a page; "
  "leaves may exceed 1013 entries)",
  lambda: bytes(build(Key("ROOT", [], _kids(1500), list_type="lh"), 5).img), "subkeys lh many",
  doc="regf-format.md §5.2 (do not assume <= 1013)")
y("y_key_depth_512", "A chain of 512 keys, root included (the deepest allowed)",
  lambda: bytes(build(chain(512)[0], 5).img), "depth", doc="regf-format.md R-E16")


# ---- names (spec §6) -------------------------------------------------------------------------
def _names_hive(names, minor=5, lt=None, values=False):
    def f():
        kids = [Key(nm) for nm in names]
        vals = [Value(nm, 1, sz(nm.encode("utf-16-le", "surrogatepass").hex()[:8])) for nm in names] if values else []
        return bytes(build(Key("ROOT", vals, kids, list_type=lt), minor).img)
    return f


y("y_name_compressed_ascii", "ASCII key and value names stored compressed (KEY_COMP_NAME)",
  _names_hive(["Software", "Microsoft", "a b c", "Z-9_x.y"], values=True), "names",
  doc="regf-format.md §6.1")
y("y_name_latin1_compressed", "Latin-1 names (ëigenaardig, Ü, ÿ, µ) stored compressed",
  _names_hive(["ëigenaardig", "Ümlaut", "ÿ", "µ", "ß"], values=True), "names latin1",
  doc="regf-format.md §6.1")
y("y_name_latin1_lf_hints", "Latin-1 names under an lf leaf: raw (not upcased) hints",
  _names_hive(["ëigen", "Ärger", "zebra", "Éa"], minor=3, lt="lf"), "names latin1 lf",
  doc="regf-format.md §6.4")
y("y_name_utf16_cyrillic", "UTF-16 (uncompressed) names: Cyrillic, Greek, CJK",
  _names_hive(["Привет", "Ωμέγα", "中文", "ключ"], values=True), "names utf16",
  doc="regf-format.md §6.1, §6.3")
y("y_name_utf16_lf_hint_zero", "UTF-16 names under lf: hints stop at the first unit > 0xFF",
  _names_hive(["Привет", "aПb", "abcПd"], minor=3, lt="lf"), "names utf16 lf",
  doc="regf-format.md §6.4")
y("y_name_bmp_case_variants", "Names whose order needs the Windows upcase table (ÿ->Ÿ U+0178, "
  "ё->Ё, ⅰ->Ⅰ, ａ->Ａ; µ, ß, ı, ς unchanged)",
  _names_hive(["ÿx", "Žz", "ёa", "Ёb", "ⅰ", "Ⅱ", "ａ", "Ｂ", "µ", "ß", "ı", "ς", "Σ", "a", "B"]),
  "names case", doc="regf-format.md §6.2")
y("y_name_case_pairs_lh_hash", "lh hashes of mixed-case names equal those of the upcased form",
  _names_hive(["SOFTWARE-x", "software-y", "MiXeD", "ÀÉÎ", "àéî-2"]), "names lh",
  doc="regf-format.md §6.3")
y("y_name_supplementary_plane", "Supplementary-plane names (surrogate pairs: U+1D11E, U+1F600)",
  _names_hive(["\U0001D11E", "a\U0001F600b", "\U00010400"], values=True), "names surrogate",
  doc="regf-format.md §6.1")
y("y_name_lone_surrogate", "UTF-16 names with unpaired surrogates (not validated by Windows)",
  _names_hive(["a\ud800b", "\udc00z"], values=True), "names surrogate",
  doc="regf-format.md §6.1, §12.16")
y("y_name_control_chars", "Key and value names with CR/LF, TAB and other control characters",
  _names_hive(["line\r\nbreak", "tab\there", "bell\x07esc\x1b"], values=True), "names escape",
  doc="regf-format.md §12.16")
y("y_name_slash_and_at", "A key named a/b, a value named with a backslash, a value named @",
  lambda: bytes(build(Key("ROOT", [Value("x\\y", 1, sz("bs")), Value("@", 1, sz("at")),
                                   Value("", 1, sz("def"))], [Key("a/b")]), 5).img),
  "names escape", doc="regf-format.md §6.5; conformance/DUMP.md")
y("y_name_key_255_chars", "A key name of 255 characters (the write limit)",
  _names_hive(["k" * 255]), "names limits", doc="regf-format.md §9")
y("y_name_key_256_compressed", "A compressed key name of 256 bytes (the read limit, 0x100)",
  _names_hive(["x" * 256]), "names limits", doc="regf-format.md R-D03, §9")
y("y_name_key_256_utf16", "A UTF-16 key name of 256 characters (0x200 bytes, the read limit)",
  _names_hive(["Я" * 256]), "names limits", doc="regf-format.md R-D04, §9")
y("y_name_value_16383_chars", "A value name of 16,383 characters (the MSDN limit)",
  lambda: bytes(build(Key("ROOT", [Value("v" * 16383, 4, dw(7))]), 5).img), "names limits",
  doc="regf-format.md §9")
y("y_name_root_utf16", "A root key with a UTF-16 name (root Flags 0x0C)",
  lambda: bytes(build(Key("Корень", [], [Key("a")]), 5).img), "names root",
  doc="regf-format.md §10.5")


# ---- values (spec §5.4, §5.5) ------------------------------------------------------------------
for _n in range(5):
    y("y_vk_inline_data_%d_bytes" % _n, "REG_BINARY of %d bytes stored inline in the vk" % _n,
      (lambda k: _one(lambda: Value("v", 3, pattern(k, 5))))(_n), "values inline",
      doc="regf-format.md §5.4")
y("y_vk_data_5_bytes_cell", "REG_BINARY of 5 bytes: the smallest data cell",
  _one(lambda: Value("v", 3, pattern(5, 5))), "values", doc="regf-format.md §5.4")
y("y_vk_empty_data_nil", "An empty value stored as DataLength 0 / Data NIL (older writers)",
  _one(lambda: Value("e", 1, b"", storage="empty_nil")), "values empty",
  doc="regf-format.md §13.14")
y("y_vk_inline_dword_1_byte", "REG_DWORD with 1 byte inline (offreg writes 0x80000001)",
  _one(lambda: Value("d", 4, b"\x01")), "values typesize", doc="regf-format.md §12.13, R-F17")
_TYPES = [(0, b"\x01\x02\x03"), (1, sz("string")), (2, sz("%SystemRoot%\\x")),
          (3, bytes(range(32))), (4, dw(0x12345678)), (5, struct.pack(">I", 0x12345678)),
          (6, "\\Registry\\Machine\\Software".encode("utf-16-le")),
          (7, sz("one") + sz("two") + b"\0\0"), (8, pattern(48, 8)), (9, pattern(40, 9)),
          (10, pattern(24, 10)), (11, struct.pack("<Q", 0x0123456789ABCDEF))]
for _t, _d in _TYPES:
    y("y_vk_type_%d" % _t, "A value of type %d" % _t,
      (lambda t, d: _one(lambda: Value("t%d" % t, t, d)))(_t, _d), "values types",
      doc="regf-format.md §5.4")
y("y_vk_type_unknown", "Unknown type numbers: 12, 0x1F4, 0x10000001, 0xFFFFFFFF",
  _one(lambda: Value("t12", 12, b"abcdef"), lambda: Value("t500", 0x1F4, b""),
       lambda: Value("schema", 0x10000001, dw(1)), lambda: Value("max", 0xFFFFFFFF, b"zz")),
  "values types", doc="regf-format.md §5.4")
y("y_vk_type_size_mismatch", "Typed values with the 'wrong' sizes: DWORD of 8, QWORD of 2, "
  "REG_SZ without NUL, odd-length REG_SZ, MULTI_SZ without the final empty string",
  _one(lambda: Value("dw8", 4, pattern(8, 1)), lambda: Value("qw2", 11, b"\1\2"),
       lambda: Value("sz", 1, "abc".encode("utf-16-le")), lambda: Value("odd", 1, b"abcde"),
       lambda: Value("multi", 7, sz("x"))), "values typesize", doc="regf-format.md R-F17")
y("y_vk_default_value", "The default value (empty name) next to named ones",
  _one(lambda: Value("", 1, sz("default")), lambda: Value("named", 4, dw(2))), "values default",
  doc="regf-format.md §5.4")
y("y_vk_utf16_names", "Value names stored in UTF-16 (non-Latin-1)",
  _one(lambda: Value("значение", 1, sz("x")), lambda: Value("値", 4, dw(3))), "values names",
  doc="regf-format.md §6.1")
y("y_vk_spare_junk", "vk Spare fields hold junk (0x000b, 0xffff) and are ignored",
  _one(lambda: Value("a", 4, dw(1), vk={"spare": 0x000B}),
       lambda: Value("b", 1, sz("b"), vk={"spare": 0xFFFF})), "values", doc="regf-format.md §5.4")
y("y_vk_duplicate_free_order", "Value list order is stored order, not sorted (z, a, M)",
  _one(lambda: Value("z", 4, dw(1)), lambda: Value("a", 4, dw(2)), lambda: Value("M", 4, dw(3))),
  "values order", doc="regf-format.md §5.3")
for _n in (16343, 16344):
    y("y_vk_data_%d_single_cell" % _n, "%d bytes: one data cell (no big data)" % _n,
      (lambda k: _one(lambda: Value("v", 3, pattern(k, 11))))(_n), "values bigdata",
      doc="regf-format.md §5.4")
for _n in (16345, 32688, 32689, 81725, 100000):
    y("y_vk_bigdata_%d" % _n, "%d bytes as big data (db, %d segments of 16,344)"
      % (_n, (_n + 16343) // 16344), (lambda k: _one(lambda: Value("v", 3, pattern(k, 12))))(_n),
      "values bigdata", doc="regf-format.md §5.5")
y("y_vk_bigdata_1_3_single_cell", "A 1.3 hive: 40,000 bytes in one plain cell (no db before 1.4)",
  _one(lambda: Value("v", 3, pattern(40000, 13)), minor=3), "values bigdata version",
  doc="regf-format.md §5.4, R-G07")
y("y_vk_bigdata_1_4", "A 1.4 hive uses big data (db) for 20,000 bytes",
  _one(lambda: Value("v", 3, pattern(20000, 14)), minor=4), "values bigdata version",
  doc="regf-format.md §2.4, §13.1")
y("y_vk_bigdata_oversized_segments", "Big data whose segment cells are larger than 16,344 (the "
  "extra bytes are ignored)",
  _one(lambda: Value("v", 3, pattern(20000, 15), seg_cell=16400)), "values bigdata",
  doc="regf-format.md §5.5 (Windows ignores bytes beyond 16344)")
y("y_vk_data_cell_slack", "A data cell larger than DataLength (slack after the data)",
  _one(lambda: Value("v", 3, pattern(10, 16), cell_extra=64)), "values slack",
  doc="regf-format.md §12.21")
y("y_values_20000", "A key with 20,000 values (inline DWORDs)",
  lambda: bytes(build(Key("ROOT", [], [Key("Many", [Value("v%05d" % k, 4, dw(k))
                                                     for k in range(20000)])]), 5).img),
  "values many", doc="regf-format.md §9, §12.15")

# ---- keys: class, timestamps, flags (spec §5.1, §5.7) -----------------------------------------
y("y_nk_class_names", "Class names: on the root, an ASCII and a UTF-16 class",
  lambda: bytes(build(Key("ROOT", [], [Key("a", cls="ClassA"), Key("b", cls="Клас"),
                                       Key("c")], cls="RootClass"), 5).img),
  "class", doc="regf-format.md §5.7")
y("y_nk_last_write_times", "Distinct LastWriteTime per key (0, max, typical)",
  lambda: bytes(build(Key("ROOT", [], [Key("a", last_write=0), Key("b", last_write=0x7FFFFFFFFFFFFFFF),
                                       Key("c", last_write=0x01D0000000000000)]), 5).img),
  "timestamps", doc="regf-format.md §5.1")
y("y_nk_virtualization_flags", "Keys with VirtualSource/Target/Store flags and MaxNameLen "
  "virtualization/user/debug bits",
  lambda: bytes(build(Key("ROOT", [], [Key("src", flags=L.KEY_VIRTUAL_SOURCE, max_name_hi=0x0012),
                                       Key("tgt", flags=L.KEY_VIRTUAL_TARGET),
                                       Key("sto", flags=L.KEY_VIRTUAL_STORE, max_name_hi=0x0340)]),
                      5).img), "flags", doc="regf-format.md §5.1")
y("y_nk_user_flags_xp", "XP-style user flags in the nk Flags high nibble (0x1000, 0x8000)",
  lambda: bytes(build(Key("ROOT", [], [Key("u1", flags=0x1000), Key("u8", flags=0x8000)]), 3).img),
  "flags", doc="regf-format.md §5.1 nk Flags")
y("y_nk_symlink", "A symbolic link key: one REG_LINK value named SymbolicLinkValue",
  lambda: bytes(build(Key("ROOT", [], [Key("Link", [Value("SymbolicLinkValue", 6,
      "\\Registry\\Machine\\Software\\Target".encode("utf-16-le"))], flags=L.KEY_SYM_LINK),
      Key("Target")]), 5).img), "symlink", doc="regf-format.md R-D26..R-D29")
y("y_nk_cell_max_usable", "An nk in a 0x460-byte cell (usable 0x45C, the upper bound)",
  lambda: bytes(build(Key("ROOT", [], [Key("big", cell_extra=0x460 - 0x58)]), 5).img), "nk",
  doc="regf-format.md R-D01")
y("y_nk_volatile_fields_junk", "Volatile subkey count/list hold junk (5 / 0x80000180, as seen in "
  "a real delta hive): ignored", lambda: bytes(build(Key("ROOT", [], [Key("a", nk={"vsubkey_count": 5,
      "vsubkey_list": 0x80000180})], nk={"vsubkey_count": 1, "vsubkey_list": L.NK_BADFOOD}), 5).img),
  "nk volatile", doc="regf-format.md R-D24, §12.5")
y("y_nk_root_parent_leftover", "The root's Parent holds a leftover (0x7C0), as in real hives",
  lambda: bytes(build(Key("ROOT", [], [Key("a")], nk={"parent": 0x7C0}), 5).img), "nk root",
  doc="regf-format.md §12.2")
y("y_nk_workvar_access_bits", "WorkVar and AccessBits set (runtime fields, ignored)",
  lambda: bytes(build(Key("ROOT", [], [Key("a", nk={"workvar": 0xDEADBEEF, "access": 2})]), 5).img),
  "nk", doc="regf-format.md §5.1")
y("y_nk_layered_hive", "A 1.6 layered hive (base Flags 0x2): supersede-local root, tombstone "
  "child, tombstone value",
  lambda: bytes(build(Key("ROOT", [], [Key("gone", layer=1), Key("tree", [Value("t", 0, b"",
      storage="empty_nil", vk={"flags": 3})], [Key("sub", layer=3)], layer=3)], layer=2), 6,
      flags=L.REGF_FLAG_LAYERED).img), "layered", doc="regf-format.md §5.8")
y("y_nk_deep_mixed_tree", "A mixed tree: values, classes, lists of every kind at several levels",
  lambda: bytes(_mixed().img), "mixed", doc="regf-format.md §5")


def _mixed():
    leaf = [Key("L%02d" % k, [Value("n", 4, dw(k))]) for k in range(12)]
    return build(Key("ROOT", [Value("", 1, sz("r"))], [
        Key("A", [], leaf[:6], list_type="li", cls="c"),
        Key("B", [], leaf[6:], list_type="ri", leaf_type="lf", leaf_split=4),
        Key("C", [Value("big", 3, pattern(17000, 3))], [Key("x"), Key("y")])]), 5)


# ---- security (spec §5.6) ----------------------------------------------------------------------
def _sds():
    sd2 = make_sd(owner=SID_SYSTEM, group=SID_SYSTEM, dacl=acl(ace(SID_EVERYONE, 0x20019)))
    sd3 = make_sd(owner=SID_ADMINS, group=SID_ADMINS, dacl=None)
    kids = [Key("s2_%d" % k, sd=sd2) for k in range(3)] + [Key("s3", sd=sd3)] + \
        [Key("d%d" % k) for k in range(4)]
    return build(Key("ROOT", [], kids), 5)


y("y_sk_three_descriptors", "Three security descriptors with exact reference counts (5, 3, 1)",
  lambda: bytes(_sds().img), "security", doc="regf-format.md §5.6, R-H09")
y("y_sk_sacl_and_null_dacl", "Descriptors with a SACL, and with DACL_PRESENT but a NULL DACL",
  lambda: bytes(build(Key("ROOT", [], [
      Key("sacl", sd=make_sd(sacl=acl(ace(SID_EVERYONE, 0x000F003F, ace_type=2, flags=0xC0)))),
      Key("nulldacl", sd=make_sd(dacl=None, control=L.SE_SELF_RELATIVE | L.SE_DACL_PRESENT))]),
      5).img), "security", doc="regf-format.md R-H06; MS-DTYP 2.4.6")
y("y_sk_many_keys_one_sd", "500 keys sharing the root's descriptor (refcount 501)",
  lambda: bytes(build(Key("ROOT", [], _kids(500)), 5).img), "security",
  doc="regf-format.md §12.6")
