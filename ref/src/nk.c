/*
 * nk.c: key-node decoding and the key-local rules of regf-format.md §8.4 (CmpCheckKey facts
 * as cited there), plus the raw-name helpers of §6.
 */
#include "nk.h"

#include <string.h>

#include "layout.h"
#include "upcase.h"
#include "validate.h"

int rawname_cmp(hr_rawname a, hr_rawname b) {
  uint32_t na = rawname_units(a), nb = rawname_units(b);
  uint32_t n = na < nb ? na : nb;
  for (uint32_t i = 0; i < n; i++) {
    uint16_t x = rawname_unit(a, i), y = rawname_unit(b, i);
    if (x != y) {
      int d = (int)upcase_unit(x) - (int)upcase_unit(y);
      if (d) return d;
    }
  }
  return na < nb ? -1 : na > nb ? 1 : 0;
}

uint32_t rawname_hash(hr_rawname n) {
  uint32_t h = 0, units = rawname_units(n);
  for (uint32_t i = 0; i < units; i++) h = 37u * h + upcase_unit(rawname_unit(n, i));
  return h;
}

void rawname_hint(hr_rawname n, uint8_t hint[4]) {
  /* As name_lf_hint (§6.4): the positions after the last unit > 0xFF among the first four,
   * written forward into a local array (gcc -O3 misreads the backward loop's bounds). */
  uint32_t units = rawname_units(n), k = units < 4 ? units : 4, start = 0;
  for (uint32_t i = 0; i < k; i++)
    if (rawname_unit(n, i) > 0xFF) start = i + 1;
  uint8_t h[4] = {0, 0, 0, 0};
  for (uint32_t i = start; i < k && i < 4; i++) h[i] = (uint8_t)rawname_unit(n, i);
  memcpy(hint, h, 4);
}

void rawname_widen(hr_rawname n, uint16_t *out) {
  uint32_t units = rawname_units(n);
  if (n.comp)
    for (uint32_t i = 0; i < units; i++) out[i] = n.p[i];
  else
    for (uint32_t i = 0; i < units; i++) out[i] = le16(n.p + 2 * (size_t)i);
}

/* Records a rejection; in open mode the caller returns at once. */
#define NK_FAIL(...)                              \
  do {                                              \
    st = hv_reject(v, __VA_ARGS__);                 \
    if (v->stop) return st;                         \
  } while (0)

hr_status nk_parse(hr_hv *v, hr_cell cell, hr_span rec, bool is_root, hr_nk *k, bool *walkable) {
  const uint8_t *r = rec.p;
  uint64_t at = cell_file_off(cell);
  hr_status st = ERROR_SUCCESS;
  *walkable = false;
  k->cell = cell;
  k->rec = r;
  k->usable = (uint32_t)rec.len;
  /* R-D01: usable size within [0x4C, 0x45C] (REG_MAX_PLAUSIBLE_KEY_SIZE). */
  if (rec.len < NK_FIXED_SIZE || rec.len > NK_MAX_USABLE)
    return hv_reject(v, "R-D01", at, "nk usable size %zu outside 0x4C..0x45C", rec.len);
  k->flags = le16(r + NK_OFF_FLAGS);
  k->last_write = le64(r + NK_OFF_LAST_WRITE);
  k->access_bits = r[NK_OFF_ACCESS_BITS];
  k->layer = r[NK_OFF_LAYER];
  k->parent = le32(r + NK_OFF_PARENT);
  k->n_subkeys = le32(r + NK_OFF_SUBKEY_COUNT);
  k->subkey_list = le32(r + NK_OFF_SUBKEY_LIST);
  k->n_values = le32(r + NK_OFF_VALUE_COUNT);
  k->value_list = le32(r + NK_OFF_VALUE_LIST);
  k->security = le32(r + NK_OFF_SECURITY);
  k->class_cell = le32(r + NK_OFF_CLASS);
  k->max_name = le32(r + NK_OFF_MAX_NAME_LEN);
  k->max_class = le32(r + NK_OFF_MAX_CLASS_LEN);
  k->max_value_name = le32(r + NK_OFF_MAX_VALUE_NAME);
  k->max_value_data = le32(r + NK_OFF_MAX_VALUE_DATA);
  k->class_len = le16(r + NK_OFF_CLASS_LEN);
  uint16_t name_len = le16(r + NK_OFF_NAME_LEN);
  bool comp = (k->flags & KEY_COMP_NAME) != 0;
  k->name.p = r + NK_OFF_NAME;
  k->name.len = name_len;
  k->name.comp = comp;

  /* R-D02: a non-empty name that fits the cell (R-C08). */
  if (name_len == 0) return hv_reject(v, "R-D02", at, "key name length 0");
  if ((size_t)NK_FIXED_SIZE + name_len > rec.len)
    return hv_reject(v, "R-D02", at, "key name of %u bytes overruns the %zu-byte nk", name_len,
                     rec.len);
  const uint8_t *n = k->name.p;
  if (comp) {
    /* R-D03: compressed names <= 0x100 bytes, first byte non-zero, no backslash (§6.5). */
    if (name_len > NK_MAX_NAME_COMP)
      return hv_reject(v, "R-D03", at, "compressed key name of %u bytes (max 256)", name_len);
    if (n[0] == 0) return hv_reject(v, "R-D03", at, "key name starts with NUL");
    for (uint32_t i = 0; i < name_len; i++)
      if (n[i] == '\\') return hv_reject(v, "R-D03", at, "key name contains a backslash");
  } else {
    /* R-D04: UTF-16 names <= 0x200 bytes, even, first unit non-zero, no U+005C. */
    if (name_len > NK_MAX_NAME_UTF16 || (name_len & 1))
      return hv_reject(v, "R-D04", at, "UTF-16 key name of %u bytes (odd or above 512)",
                       name_len);
    if (le16(n) == 0) return hv_reject(v, "R-D04", at, "key name starts with NUL");
    for (uint32_t i = 0; i < name_len; i += 2)
      if (le16(n + i) == '\\') return hv_reject(v, "R-D04", at, "key name contains a backslash");
  }
  *walkable = true;

  uint16_t fl = k->flags;
  uint64_t at_flags = at + 4 + NK_OFF_FLAGS;
  if (is_root) {
    if (fl & (KEY_SYM_LINK | KEY_PREDEF_HANDLE))
      NK_FAIL("R-D08", at_flags, "root key flags 0x%04X include SYM_LINK or PREDEF_HANDLE", fl);
    if (fl & KEY_HIVE_EXIT) NK_FAIL("R-D09", at_flags, "root key flags 0x%04X: HIVE_EXIT", fl);
  } else {
    if (fl & (KEY_HIVE_EXIT | KEY_HIVE_ENTRY | KEY_NO_DELETE))
      NK_FAIL("R-D07", at_flags, "non-root key flags 0x%04X include HIVE_EXIT, HIVE_ENTRY or "
              "NO_DELETE", fl);
    if (fl & KEY_PREDEF_HANDLE)
      NK_FAIL("R-D22", at_flags, "non-root key has KEY_PREDEF_HANDLE");
  }
  if (fl & KEY_VOLATILE)
    hv_note(v, HR_SEV_WARN, "R-D23", at_flags, "KEY_VOLATILE set on disk");

  uint8_t sem = k->layer & NK_LAYER_SEMANTICS_MASK;
  if (sem && !(v->base.flags & REGF_FLAG_LAYERED)) {
    /* R-D10, IMPLEMENTATION-DEFINED (RULES.md): before Windows 10 RS1 nk+0x0D was spare, and a
     * real Windows 7 hive (Acronis_0x52_Usrclass.dat) carries junk there.  Modern Windows
     * clears the bits (CmpCheckKey pts 146/148); we do the same and warn instead of rejecting,
     * so that every later layered-key rule (R-D11, R-D12, R-D17, R-E02, R-F04) and the tree see
     * a normal key. */
    hv_note(v, HR_SEV_WARN, "R-D10", at + 4 + NK_OFF_LAYER,
            "layer semantics %u in a hive without the layered flag (ignored)", sem);
    k->layer &= (uint8_t)~NK_LAYER_SEMANTICS_MASK;
    sem = 0;
  }
  if (is_root && sem != NK_LAYER_NORMAL && sem != NK_LAYER_SUPERSEDE_LOCAL)
    NK_FAIL("R-D11", at + 4 + NK_OFF_LAYER, "root layer semantics %u (must be 0 or 2)", sem);

  /* Class fields (the class cell itself is checked by the walker: R-D15, R-D16). */
  if (k->class_len == 0 && k->class_cell != REGF_CELL_NIL)
    hv_note(v, HR_SEV_WARN, "R-D13", at + 4 + NK_OFF_CLASS, "class cell 0x%X with class length 0",
            k->class_cell);
  if (k->class_len > 0 && k->class_cell == REGF_CELL_NIL)
    NK_FAIL("R-D14", at + 4 + NK_OFF_CLASS_LEN, "class length %u with a NIL class cell",
            k->class_len);
  if (sem == NK_LAYER_TOMBSTONE) {
    if (k->class_len > 0) NK_FAIL("R-D17", at + 4 + NK_OFF_CLASS, "tombstone key has a class");
    if (k->n_subkeys > 0)
      NK_FAIL("R-E02", at + 4 + NK_OFF_SUBKEY_COUNT, "tombstone key has %u subkeys", k->n_subkeys);
    if (k->n_values > 0)
      NK_FAIL("R-F04", at + 4 + NK_OFF_VALUE_COUNT, "tombstone key has %u values", k->n_values);
  }
  uint32_t vcount = le32(r + NK_OFF_VSUBKEY_COUNT), vlist = le32(r + NK_OFF_VSUBKEY_LIST);
  if (vcount != 0 || (vlist != REGF_CELL_NIL && vlist != NK_BADFOOD && vlist != 0))
    hv_note(v, HR_SEV_INFO, "R-D24", at + 4 + NK_OFF_VSUBKEY_COUNT,
            "volatile subkey fields %u / 0x%X on disk (ignored)", vcount, vlist);
  return st;
}
