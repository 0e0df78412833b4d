/*
 * nk.c: key-node decoding and the key-local rules of regf-format.md §8.4 (CmpCheckKey facts
 * as cited there), plus the raw-name helpers of §6.
 */
#include "nk.h"

#include <string.h>

#include "layout.h"
#include "upcase.h"
#include "validate.h"

/* Both names compressed: identical 8-byte blocks are skipped whole (sibling names share long
 * prefixes), the rest compares through the Latin-1 page of the table.  Every load stays inside
 * both names.  On a little-endian host the first differing byte of a block is found from the
 * lowest set bit of x ^ y; elsewhere the block is scanned byte by byte. */
static int cmp_latin1(const uint8_t *a, uint32_t na, const uint8_t *b, uint32_t nb) {
  uint32_t n = na < nb ? na : nb, i = 0;
  while (i + 8u <= n) {
    uint64_t x, y;
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    if (x == y) {
      i += 8u;
      continue;
    }
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    i += (uint32_t)__builtin_ctzll(x ^ y) >> 3;
#else
    while (a[i] == b[i]) i++; /* x != y: a difference lies within these 8 bytes */
#endif
    int d = (int)upcase_latin1[a[i]] - (int)upcase_latin1[b[i]];
    if (d) return d;
    i++; /* a case difference only: go on after it */
  }
  for (; i < n; i++) {
    if (a[i] == b[i]) continue;
    int d = (int)upcase_latin1[a[i]] - (int)upcase_latin1[b[i]];
    if (d) return d;
  }
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/* Both names UTF-16LE (na, nb in units): the same, four units per block. */
static int cmp_utf16(const uint8_t *a, uint32_t na, const uint8_t *b, uint32_t nb) {
  uint32_t n = na < nb ? na : nb, i = 0;
  while (i < n) {
    for (; i + 4u <= n; i += 4u) {
      uint64_t x, y;
      memcpy(&x, a + 2 * (size_t)i, 8);
      memcpy(&y, b + 2 * (size_t)i, 8);
      if (x != y) break;
    }
    uint32_t stop = n - i > 4u ? i + 4u : n;
    for (; i < stop; i++) {
      uint16_t x = le16(a + 2 * (size_t)i), y = le16(b + 2 * (size_t)i);
      if (x == y) continue;
      int d = (int)upcase_unit(x) - (int)upcase_unit(y);
      if (d) return d;
    }
  }
  return na < nb ? -1 : na > nb ? 1 : 0;
}

int rawname_cmp(hr_rawname a, hr_rawname b) {
  if (a.comp && b.comp) return cmp_latin1(a.p, a.len, b.p, b.len);
  uint32_t na = rawname_units(a), nb = rawname_units(b);
  if (!a.comp && !b.comp) return cmp_utf16(a.p, na, b.p, nb);
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

/* §6.3 over a compressed name: h = 37 * h + upcase(c), four units per step (37^2 = 1369,
 * 37^3 = 50653, 37^4 = 1874161: the same sum mod 2^32 with a quarter of the dependency chain). */
static uint32_t hash_latin1(const uint8_t *n, uint32_t len) {
  const uint16_t *up = upcase_latin1;
  const uint8_t *end = n + len;
  uint32_t h = 0;
  for (; end - n >= 4; n += 4) /* a pointer, not an index: no address arithmetic per byte */
    h = 1874161u * h + 50653u * up[n[0]] + 1369u * up[n[1]] + 37u * up[n[2]] + up[n[3]];
  for (; n < end; n++) h = 37u * h + up[*n];
  return h;
}

/* True when a compressed name holds a backslash: eight bytes per step (a byte of x ^ 0x5C..5C
 * is zero iff that byte is '\'; the has-zero-byte test below is exact for "any byte"). */
static inline bool word_has_backslash(const uint8_t *p) {
  uint64_t x;
  memcpy(&x, p, 8);
  x ^= 0x5C5C5C5C5C5C5C5Cu;
  return ((x - 0x0101010101010101u) & ~x & 0x8080808080808080u) != 0;
}

/* Names of 8 bytes or more end with one overlapping word (the last eight bytes). */
static bool has_backslash_latin1(const uint8_t *n, uint32_t len) {
  if (len < 8u) {
    for (uint32_t i = 0; i < len; i++)
      if (n[i] == '\\') return true;
    return false;
  }
  for (uint32_t i = 0; i + 8u < len; i += 8u)
    if (word_has_backslash(n + i)) return true;
  return word_has_backslash(n + len - 8u);
}

uint32_t rawname_hash(hr_rawname n) {
  if (n.comp) return hash_latin1(n.p, n.len);
  uint32_t h = 0, units = n.len / 2;
  for (uint32_t i = 0; i < units; i++) h = 37u * h + upcase_unit(le16(n.p + 2 * (size_t)i));
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

/* Compressed names widen sixteen bytes per step through local blocks: a fixed-size loop over
 * locals that cannot alias the output, which gcc -O2 and clang turn into vector code.  The
 * last block of a name overlaps the one before it (it ends at the name's end, rewriting some
 * units with the same values), and shorter names take two overlapping blocks of 8 or 4. */
static inline void widen16(const uint8_t *p, uint16_t *out) {
  uint8_t b[16];
  uint16_t w[16];
  memcpy(b, p, 16);
  for (int j = 0; j < 16; j++) w[j] = b[j];
  memcpy(out, w, sizeof w);
}

static inline void widen8(const uint8_t *p, uint16_t *out) {
  uint8_t b[8];
  uint16_t w[8];
  memcpy(b, p, 8);
  for (int j = 0; j < 8; j++) w[j] = b[j];
  memcpy(out, w, sizeof w);
}

static inline void widen4(const uint8_t *p, uint16_t *out) {
  uint16_t w[4] = {p[0], p[1], p[2], p[3]};
  memcpy(out, w, sizeof w);
}

static void widen_latin1(const uint8_t *p, uint32_t len, uint16_t *out) {
  if (len >= 16u) {
    for (uint32_t i = 0; i + 16u < len; i += 16u) widen16(p + i, out + i);
    widen16(p + len - 16u, out + len - 16u);
  } else if (len >= 8u) {
    widen8(p, out);
    widen8(p + len - 8u, out + len - 8u);
  } else if (len >= 4u) {
    widen4(p, out);
    widen4(p + len - 4u, out + len - 4u);
  } else {
    for (uint32_t i = 0; i < len; i++) out[i] = p[i];
  }
}

void rawname_widen(hr_rawname n, uint16_t *out) {
  if (n.comp) {
    widen_latin1(n.p, n.len, out);
    return;
  }
  /* UTF-16LE on disk: a plain copy on a little-endian host. */
  uint32_t units = n.len / 2;
  if (units == 0) return; /* the default value's empty name */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  memcpy(out, n.p, (size_t)units * 2);
#else
  for (uint32_t i = 0; i < units; i++) out[i] = le16(n.p + 2 * (size_t)i);
#endif
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
    if (has_backslash_latin1(n, name_len))
      return hv_reject(v, "R-D03", at, "key name contains a backslash");
    k->name_hash = hash_latin1(n, name_len); /* R-E12 compares it (sublist_check_elem) */
  } else {
    /* R-D04: UTF-16 names <= 0x200 bytes, even, first unit non-zero, no U+005C. */
    if (name_len > NK_MAX_NAME_UTF16 || (name_len & 1))
      return hv_reject(v, "R-D04", at, "UTF-16 key name of %u bytes (odd or above 512)",
                       name_len);
    if (le16(n) == 0) return hv_reject(v, "R-D04", at, "key name starts with NUL");
    uint32_t h = 0, bs = 0;
    for (uint32_t i = 0; i < name_len; i += 2) {
      uint16_t c = le16(n + i);
      bs |= c == '\\';
      h = 37u * h + upcase_unit(c);
    }
    if (bs) return hv_reject(v, "R-D04", at, "key name contains a backslash");
    k->name_hash = h;
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
