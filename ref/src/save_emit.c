/*
 * save_emit.c: the serializer's tree walk: places and writes nk, class, value list, vk, value
 * data (inline / one cell / big data) and subkey indexes (regf-format.md §10.5-§10.12).
 *
 * Order of cells for one key (deterministic, and identical in both passes): class, value list,
 * then per value its vk and data cells, then the nk cells of all saved children (so siblings sit
 * together), then the subkey index (one leaf, or an ri followed by its leaves).  The root nk is
 * the first cell of the hive (cell index 0x20, as offreg writes it) and the security cells come
 * last.  The walk is iterative (an explicit stack of at most HR_MAX_DEPTH frames, R-E16).
 *
 * Pass 1 (c->img == NULL) also checks that the tree can be written so that the output passes
 * hive_check with zero findings.  Two error classes (BEHAVIOUR.md "Save targets and format"):
 * ERROR_INVALID_PARAMETER when the tree is fine but the chosen format cannot hold it (a value
 * over 1 MiB - 4 in 1.3, layered-key data below 1.6, a hive over 2 GiB ...), and
 * ERROR_INVALID_DATA when the tree breaks its own invariants (tree.h) in a way the format rules
 * would reject (bad names, unsorted subkeys, a broken symbolic link key ...).
 */
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "bytes.h"
#include "layout.h"
#include "name.h"
#include "save_int.h"
#include "upcase.h"

#define NIL REGF_CELL_NIL
#define REG_LINK_TYPE 6u
/* Values per key: the value list is one cell of at most 1 MiB (§9, R-C06). */
#define SAVE_MAX_VALUES ((REGF_CELL_MAX - CELL_HEADER_SIZE) / 4u)
/* Minor 3 stores every value in one cell: at most 1 MiB - 4 bytes of data (§10.9). */
#define SAVE_MAX_SINGLE_CELL_DATA (REGF_CELL_MAX - CELL_HEADER_SIZE)
/* Subkeys per key: an ri holds at most 0xFFFF leaves of LEAF_SPLIT_COUNT entries (§5.2). */
#define SAVE_MAX_SUBKEYS ((uint64_t)0xFFFFu * LEAF_SPLIT_COUNT)

static const uint16_t k_symlink_value_name[] = {'S', 'y', 'm', 'b', 'o', 'l', 'i', 'c', 'L',
                                                'i', 'n', 'k', 'V', 'a', 'l', 'u', 'e'};

/* The word-at-a-time helpers below load four UTF-16 units into one uint64_t with memcpy.  OR,
 * XOR and lane tests do not depend on where each unit lands; packing and hashing do, so they
 * take the word path only where unit i sits in bits 16i..16i+15 (little-endian). */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define SAVE_LE_WORDS 1
#else
#define SAVE_LE_WORDS 0
#endif
/* x in each of the four 16-bit lanes. */
#define LANES(x) ((uint64_t)(x) * 0x0001000100010001ull)

/* The name scans below (compression test, backslash test, packing) run over 8 units per SSE2
 * step where the compiler targets it (every x86-64), else over 4 units per 64-bit word.  A
 * name of at least one step's length is covered by whole steps plus one last step ending at its
 * last unit (overlapping the previous one: harmless for a test, and packing writes the same
 * bytes twice), so no unit-by-unit tail remains.  name_is_latin1 (unit by unit) was 18% of
 * ORSaveHive's instructions on a 15 MB SYSTEM hive, units_latin1 (4-unit words plus a unit
 * tail) still 11% (conformance/bench/RESULTS.md "hot spots"). */
static inline uint64_t load4(const uint16_t *n) {
  uint64_t w;
  memcpy(&w, n, sizeof w);
  return w;
}

/* Same answer as name_is_latin1: true iff every unit is <= 0xFF (the OR of every unit). */
static bool units_latin1(const uint16_t *n, uint32_t len) {
#ifdef __SSE2__
  if (len >= 8) {
    __m128i acc = _mm_loadu_si128((const __m128i *)(const void *)(n + len - 8));
    for (uint32_t i = 0; i + 8 <= len; i += 8)
      acc = _mm_or_si128(acc, _mm_loadu_si128((const __m128i *)(const void *)(n + i)));
    /* A unit > 0xFF has a non-zero high byte; movemask collects bit 7 of every byte. */
    __m128i hi = _mm_cmpeq_epi8(_mm_and_si128(acc, _mm_set1_epi16((short)0xFF00)),
                                _mm_setzero_si128());
    return _mm_movemask_epi8(hi) == 0xFFFF;
  }
#else
  if (len >= 8) {
    uint64_t wide = load4(n + len - 4);
    for (uint32_t i = 0; i + 4 <= len; i += 4) wide |= load4(n + i);
    return (wide & LANES(0xFF00)) == 0;
  }
#endif
  if (len >= 4) return ((load4(n) | load4(n + len - 4)) & LANES(0xFF00)) == 0;
  uint16_t tail = 0;
  for (uint32_t i = 0; i < len; i++) tail |= n[i];
  return tail <= 0xFF;
}

/* units_latin1 and R-D03's "no backslash" in one scan (pass 1 key names).  Word path: a lane
 * of x = w ^ 0x5C is zero iff that unit is a backslash; (x - 1) & ~x & 0x8000 per lane is
 * non-zero for the word iff some lane of x is zero (the exact "has a zero lane" test). */
static inline uint64_t lanes_backslash(uint64_t w) {
  uint64_t x = w ^ LANES(0x5C);
  return (x - LANES(1)) & ~x & LANES(0x8000);
}
static bool key_units_latin1(const uint16_t *n, uint32_t len, bool *backslash) {
#ifdef __SSE2__
  if (len >= 8) {
    const __m128i bsl = _mm_set1_epi16(0x5C);
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(n + len - 8));
    __m128i acc = v, bs = _mm_cmpeq_epi16(v, bsl);
    for (uint32_t i = 0; i + 8 <= len; i += 8) {
      v = _mm_loadu_si128((const __m128i *)(const void *)(n + i));
      acc = _mm_or_si128(acc, v);
      bs = _mm_or_si128(bs, _mm_cmpeq_epi16(v, bsl));
    }
    *backslash = _mm_movemask_epi8(bs) != 0;
    __m128i hi = _mm_cmpeq_epi8(_mm_and_si128(acc, _mm_set1_epi16((short)0xFF00)),
                                _mm_setzero_si128());
    return _mm_movemask_epi8(hi) == 0xFFFF;
  }
#else
  if (len >= 8) {
    uint64_t w = load4(n + len - 4), wide = w, bs = lanes_backslash(w);
    for (uint32_t i = 0; i + 4 <= len; i += 4) {
      w = load4(n + i);
      wide |= w;
      bs |= lanes_backslash(w);
    }
    *backslash = bs != 0;
    return (wide & LANES(0xFF00)) == 0;
  }
#endif
  if (len >= 4) {
    uint64_t a = load4(n), b = load4(n + len - 4);
    *backslash = (lanes_backslash(a) | lanes_backslash(b)) != 0;
    return ((a | b) & LANES(0xFF00)) == 0;
  }
  uint16_t tail = 0;
  bool bs = false;
  for (uint32_t i = 0; i < len; i++) {
    tail |= n[i];
    bs |= n[i] == 0x5C;
  }
  *backslash = bs;
  return tail <= 0xFF;
}

/* §10.6: a name is stored compressed (Latin-1 bytes) iff every unit is <= 0xFF. */
static uint32_t stored_name_bytes(uint32_t len, bool latin1) { return latin1 ? len : 2 * len; }

/* Pass 1 appends a name's answer to the bit list; pass 2 reads the next one (save_int.h).
 * Words are zeroed when the list grows, so appending only sets bits. */
static hr_status latin1_grow(save_ctx *c) {
  uint32_t old = c->latin1_cap;
  if ((c->latin1_n >> 6) >= UINT32_MAX ||
      !mem_grow(c->mem, (void **)&c->latin1_bits, &c->latin1_cap,
                (uint32_t)(c->latin1_n >> 6) + 1, sizeof *c->latin1_bits))
    return diag_set(c->diag, ERROR_NOT_ENOUGH_MEMORY, "", HR_NO_OFFSET, "save: out of memory");
  memset(c->latin1_bits + old, 0, (size_t)(c->latin1_cap - old) * sizeof *c->latin1_bits);
  return ERROR_SUCCESS;
}

static inline hr_status latin1_put(save_ctx *c, bool latin1) {
  hr_status st;
  if ((c->latin1_n >> 6) == c->latin1_cap && (st = latin1_grow(c)) != ERROR_SUCCESS) return st;
  c->latin1_bits[c->latin1_n >> 6] |= (uint64_t)latin1 << (c->latin1_n & 63);
  c->latin1_n++;
  return ERROR_SUCCESS;
}

static inline hr_status latin1_get(save_ctx *c, bool *latin1) {
  uint64_t i = c->latin1_next;
  if (i >= c->latin1_n)
    return diag_set(c->diag, ERROR_INVALID_DATA, "", HR_NO_OFFSET,
                    "save: internal layout mismatch (name %llu)", (unsigned long long)i);
  *latin1 = (c->latin1_bits[i >> 6] >> (i & 63)) & 1;
  c->latin1_next = i + 1;
  return ERROR_SUCCESS;
}

/* A value name's compression: tested in pass 1, read back in pass 2. */
static inline hr_status value_name_latin1(save_ctx *c, const hr_value *v, bool *latin1) {
  if (c->img) return latin1_get(c, latin1);
  *latin1 = units_latin1(v->name, v->name_len);
  return latin1_put(c, *latin1);
}

#if SAVE_LE_WORDS
/* Four units (each <= 0xFF) of a little-endian word -> four bytes: fold every lane's zero high
 * byte away. */
static inline void pack4(uint8_t *dst, const uint16_t *n) {
  uint64_t w = load4(n);
  w = (w | (w >> 8)) & 0x0000FFFF0000FFFFull;
  uint32_t b = (uint32_t)(w | (w >> 16));
  memcpy(dst, &b, sizeof b);
}
#endif

static void put_name(uint8_t *dst, const uint16_t *n, uint32_t len, bool latin1) {
  if (!latin1) {
#if SAVE_LE_WORDS
    if (len) memcpy(dst, n, (size_t)2 * len); /* in-memory units are already UTF-16LE */
#else
    for (uint32_t i = 0; i < len; i++) put16(dst + 2 * i, n[i]);
#endif
    return;
  }
#ifdef __SSE2__
  if (len >= 8) { /* packus saturates: exact for units <= 0xFF */
    for (uint32_t i = 0; i + 8 <= len; i += 8) {
      __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(n + i));
      _mm_storel_epi64((__m128i *)(void *)(dst + i), _mm_packus_epi16(v, v));
    }
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(n + len - 8));
    _mm_storel_epi64((__m128i *)(void *)(dst + len - 8), _mm_packus_epi16(v, v));
    return;
  }
#endif
#if SAVE_LE_WORDS
  if (len >= 4) {
    for (uint32_t i = 0; i + 4 <= len; i += 4) pack4(dst + i, n + i);
    pack4(dst + len - 4, n + len - 4);
    return;
  }
#endif
  for (uint32_t i = 0; i < len; i++) dst[i] = (uint8_t)n[i];
}

static hr_status bad_tree(save_ctx *c, const char *rule, const char *what) {
  return diag_set(c->diag, ERROR_INVALID_DATA, rule, HR_NO_OFFSET, "save: %s", what);
}

/* ---- pass-1 checks ---------------------------------------------------------------------------- */

/* R-D02..R-D04: 1..256 units, first unit not NUL, no backslash.  *latin1: the name's
 * compression (§10.6), from the same scan. */
static hr_status check_key_name(save_ctx *c, const hr_key *k, bool *latin1) {
  if (k->name_len == 0 || k->name_len > NK_MAX_NAME_UTF16 / 2 || !k->name)
    return bad_tree(c, "R-D02", "key name length outside 1..256 units");
  if (k->name[0] == 0) return bad_tree(c, "R-D03", "key name starts with NUL");
  bool backslash;
  *latin1 = key_units_latin1(k->name, k->name_len, &backslash);
  if (backslash) return bad_tree(c, "R-D03", "key name contains a backslash");
  return ERROR_SUCCESS;
}

static hr_status check_value(save_ctx *c, const hr_value *v) {
  if (v->name_len > HR_MAX_VALUE_NAME_CHARS)
    return bad_tree(c, "R-F08", "value name longer than 16383 units");
  if ((v->name_len && !v->name) || (v->size && !v->data))
    return bad_tree(c, "", "value storage inconsistent (tree.h invariant)");
  if (v->flags & VK_FLAG_TOMBSTONE) {
    c->layered = true;
    if (c->minor < REGF_MINOR_LAYERED)
      return diag_set(c->diag, ERROR_INVALID_PARAMETER, "R-F09", HR_NO_OFFSET,
                      "save: a tombstone value needs format 1.6 (minor %u requested)", c->minor);
    if (v->size != 0 || v->type != 0)
      return bad_tree(c, "R-F10", "tombstone value with data or a type");
    return ERROR_SUCCESS;
  }
  if (c->minor < REGF_MINOR_BIGDATA) {
    if (v->size > SAVE_MAX_SINGLE_CELL_DATA)
      return diag_set(c->diag, ERROR_INVALID_PARAMETER, "R-G07", HR_NO_OFFSET,
                      "save: a %u-byte value does not fit format 1.%u (max %u bytes)", v->size,
                      c->minor, SAVE_MAX_SINGLE_CELL_DATA);
  } else if (v->size > DB_MAX_DATA) {
    return diag_set(c->diag, ERROR_INVALID_PARAMETER, "R-G04", HR_NO_OFFSET,
                    "save: a %u-byte value exceeds the big-data limit of %u bytes", v->size,
                    DB_MAX_DATA);
  }
  return ERROR_SUCCESS;
}

/* R-D26..R-D29: a link key has exactly one value, SymbolicLinkValue, REG_LINK (or a tombstone),
 * even length <= 0xFFFF. */
static hr_status check_symlink(save_ctx *c, const hr_key *k) {
  if (k->n_values != 1) return bad_tree(c, "R-D26", "symbolic link key without exactly 1 value");
  const hr_value *v = &k->values[0];
  if (!name_eq(v->name, v->name_len, k_symlink_value_name, 17))
    return bad_tree(c, "R-D27", "symbolic link value not named SymbolicLinkValue");
  if (!(v->flags & VK_FLAG_TOMBSTONE)) {
    if (v->type != REG_LINK_TYPE) return bad_tree(c, "R-D28", "symbolic link value not REG_LINK");
    if ((v->size & 1) || v->size > 0xFFFF)
      return bad_tree(c, "R-D29", "symbolic link value length odd or over 0xFFFF");
  }
  return ERROR_SUCCESS;
}

/* R-D10..R-D12, R-D17, R-E02, R-F04: layered-key structure. */
static hr_status check_layer(save_ctx *c, const hr_key *k, const hr_key *parent,
                             uint32_t n_saved) {
  if (k->layer) c->layered = true;
  if (k->layer && c->minor < REGF_MINOR_LAYERED)
    return diag_set(c->diag, ERROR_INVALID_PARAMETER, "R-D10", HR_NO_OFFSET,
                    "save: a layered key needs format 1.6 (minor %u requested)", c->minor);
  uint8_t sem = k->layer & NK_LAYER_SEMANTICS_MASK;
  /* A tombstone or supersede-tree key saved as the root of a subtree hive: the format allows
   * only 0 or 2 on a root, and rewriting the semantics would change the data. */
  if (!parent && sem != NK_LAYER_NORMAL && sem != NK_LAYER_SUPERSEDE_LOCAL)
    return diag_set(c->diag, ERROR_INVALID_PARAMETER, "R-D11", HR_NO_OFFSET,
                    "save: a root key cannot have layer semantics %u", sem);
  if (parent && (parent->layer & NK_LAYER_SEMANTICS_MASK) == NK_LAYER_SUPERSEDE_TREE &&
      sem != NK_LAYER_TOMBSTONE && sem != NK_LAYER_SUPERSEDE_TREE)
    return bad_tree(c, "R-D12", "child of a supersede-tree key is not tombstone/supersede-tree");
  if (sem == NK_LAYER_TOMBSTONE && (k->class_len || k->n_values || n_saved))
    return bad_tree(c, "R-D17", "tombstone key with a class, values or subkeys");
  return ERROR_SUCCESS;
}

/* ---- value data (§10.9) --------------------------------------------------------------------- */

/* Places and writes v's data; sets the vk DataLength and Data fields. */
static hr_status emit_data(save_ctx *c, const hr_value *v, uint32_t *data_len, uint32_t *data) {
  hr_status st;
  if (v->flags & VK_FLAG_TOMBSTONE) { /* 0 / NIL / REG_NONE (§5.4, System_Delta) */
    *data_len = 0;
    *data = NIL;
    return ERROR_SUCCESS;
  }
  if (v->size <= VK_INLINE_MAX) { /* inline, unused bytes 0; empty = 0x80000000 / 0 */
    uint32_t d = 0; /* le32 of the data padded with zero bytes; mostly a REG_DWORD */
    if (v->size == 4) d = le32(v->data);
    else
      for (uint32_t i = 0; i < v->size; i++) d |= (uint32_t)v->data[i] << (8 * i);
    *data_len = v->size | VK_DATA_INLINE_BIT;
    *data = d;
    return ERROR_SUCCESS;
  }
  *data_len = v->size;
  if (v->size <= DB_SEGMENT_SIZE || c->minor < REGF_MINOR_BIGDATA) {
    if ((st = cells_alloc(c, v->size, data)) != ERROR_SUCCESS) return st;
    if (c->img) memcpy(cells_rec(c, *data), v->data, v->size);
    return ERROR_SUCCESS;
  }
  /* Big data: db, segment list, ceil(n / 16344) segments, each a 0x3FE0-byte cell (R-G). */
  uint32_t n_seg = (uint32_t)(((uint64_t)v->size + DB_SEGMENT_SIZE - 1) / DB_SEGMENT_SIZE);
  uint32_t db, list;
  if ((st = cells_alloc(c, DB_FIXED_SIZE, &db)) != ERROR_SUCCESS) return st;
  if ((st = cells_alloc(c, (uint64_t)n_seg * 4, &list)) != ERROR_SUCCESS) return st;
  for (uint32_t i = 0; i < n_seg; i++) {
    uint32_t seg;
    if ((st = cells_alloc(c, DB_SEGMENT_SIZE, &seg)) != ERROR_SUCCESS) return st;
    if (c->img) {
      uint64_t from = (uint64_t)i * DB_SEGMENT_SIZE;
      uint64_t n = v->size - from < DB_SEGMENT_SIZE ? v->size - from : DB_SEGMENT_SIZE;
      memcpy(cells_rec(c, seg), v->data + from, (size_t)n);
      put32(cells_rec(c, list) + 4 * i, seg);
    }
  }
  if (c->img) {
    uint8_t *r = cells_rec(c, db);
    put16(r + DB_OFF_SIGNATURE, DB_SIGNATURE);
    put16(r + DB_OFF_COUNT, (uint16_t)n_seg);
    put32(r + DB_OFF_LIST, list);
  }
  *data = db;
  return ERROR_SUCCESS;
}

static hr_status emit_value(save_ctx *c, const hr_value *v, uint32_t *vk) {
  bool latin1 = false;
  hr_status st = value_name_latin1(c, v, &latin1);
  if (st != ERROR_SUCCESS) return st;
  uint32_t nb = stored_name_bytes(v->name_len, latin1);
  uint32_t data_len, data;
  st = cells_alloc(c, VK_FIXED_SIZE + (uint64_t)nb, vk);
  if (st == ERROR_SUCCESS) st = emit_data(c, v, &data_len, &data);
  if (st != ERROR_SUCCESS || !c->img) return st;
  uint8_t *r = cells_rec(c, *vk);
  put16(r + VK_OFF_SIGNATURE, VK_SIGNATURE);
  put16(r + VK_OFF_NAME_LEN, (uint16_t)nb);
  put32(r + VK_OFF_DATA_LEN, data_len);
  put32(r + VK_OFF_DATA, data);
  put32(r + VK_OFF_TYPE, v->type);
  /* VALUE_COMP_NAME follows the name (set for the empty default name too, as CmpCopyName
   * reports an empty name compressed); the tombstone bit is kept; Spare 0. */
  put16(r + VK_OFF_FLAGS,
        (uint16_t)((latin1 ? VK_FLAG_COMP_NAME : 0) | (v->flags & VK_FLAG_TOMBSTONE)));
  put_name(r + VK_OFF_NAME, v->name, v->name_len, latin1);
  return ERROR_SUCCESS;
}

/* ---- subkey index (§10.7) -------------------------------------------------------------------- */

static void put_leaf_entry(save_ctx *c, uint8_t *e, const hr_key *child, uint32_t nk) {
  put32(e, nk);
  if (c->minor >= REGF_MINOR_LH) {
    put32(e + 4, name_hash_lh(child->name, child->name_len));
  } else {
    name_lf_hint(child->name, child->name_len, e + 4);
  }
}

/* Writes one leaf holding saved children [from, from + n) of f, in order. */
static hr_status emit_leaf(save_ctx *c, const save_frame *f, uint32_t *index, uint32_t from,
                           uint32_t n, uint32_t *leaf) {
  hr_status st = cells_alloc(c, LIST_HEADER_SIZE + (uint64_t)n * LH_ELEMENT_SIZE, leaf);
  if (st != ERROR_SUCCESS || !c->img) return st;
  uint8_t *r = cells_rec(c, *leaf);
  put16(r + LIST_OFF_SIGNATURE, c->minor >= REGF_MINOR_LH ? LH_SIGNATURE : LF_SIGNATURE);
  put16(r + LIST_OFF_COUNT, (uint16_t)n);
  uint8_t *e = r + LIST_OFF_ELEMENTS;
  for (uint32_t i = 0; i < n; i++, e += LH_ELEMENT_SIZE) {
    const hr_key *ch;
    do ch = f->key->subkeys[(*index)++];
    while (ch->is_volatile);
    put_leaf_entry(c, e, ch, c->child_off[f->child_base + from + i] & SAVE_CHILD_OFF_MASK);
  }
  return ERROR_SUCCESS;
}

/* One leaf while count <= LEAF_SPLIT_COUNT, else an ri over ceil(n / 1012) leaves of balanced
 * sizes (each <= 1012), globally sorted because the children are. */
static hr_status emit_index(save_ctx *c, const save_frame *f, uint32_t *list) {
  uint32_t n = f->n_saved, index = 0;
  if (n <= LEAF_SPLIT_COUNT) return emit_leaf(c, f, &index, 0, n, list);
  uint32_t n_leaves = (n + LEAF_SPLIT_COUNT - 1) / LEAF_SPLIT_COUNT;
  uint32_t base = n / n_leaves, extra = n % n_leaves, from = 0;
  hr_status st = cells_alloc(c, LIST_HEADER_SIZE + (uint64_t)n_leaves * RI_ELEMENT_SIZE, list);
  if (st != ERROR_SUCCESS) return st;
  if (c->img) {
    uint8_t *r = cells_rec(c, *list);
    put16(r + LIST_OFF_SIGNATURE, RI_SIGNATURE);
    put16(r + LIST_OFF_COUNT, (uint16_t)n_leaves);
  }
  for (uint32_t i = 0; i < n_leaves; i++) {
    uint32_t cnt = base + (i < extra ? 1 : 0), leaf;
    if ((st = emit_leaf(c, f, &index, from, cnt, &leaf)) != ERROR_SUCCESS) return st;
    if (c->img) put32(cells_rec(c, *list) + LIST_OFF_ELEMENTS + 4 * i, leaf);
    from += cnt;
  }
  return ERROR_SUCCESS;
}

/* ---- one key ---------------------------------------------------------------------------------- */

static hr_status push_child_off(save_ctx *c, uint32_t off) {
  if (c->child_top == c->child_cap) {
    if (c->child_cap == UINT32_MAX ||
        !mem_grow(c->mem, (void **)&c->child_off, &c->child_cap, c->child_top + 1,
                  sizeof *c->child_off))
      return diag_set(c->diag, ERROR_NOT_ENOUGH_MEMORY, "", HR_NO_OFFSET, "save: out of memory");
  }
  c->child_off[c->child_top++] = off;
  return ERROR_SUCCESS;
}

static uint64_t nk_usable(const hr_key *k, bool latin1) {
  return NK_FIXED_SIZE + (uint64_t)stored_name_bytes(k->name_len, latin1);
}

/* Places f->key's own cells and its children's nk cells, then writes its nk (pass 2).
 * parent is the parent frame, NULL for the saved root. */
static hr_status visit(save_ctx *c, save_frame *f, const save_frame *parent) {
  const hr_key *k = f->key;
  bool check = c->img == NULL;
  hr_status st;

  /* Saved children and the subkey max fields (exact, over what is written: §10.8). */
  /* Each saved child's compression goes on the child_off stack now (it is known here in both
   * passes) and is joined by its nk cell index below. */
  uint32_t n_saved = 0, max_name = 0, max_class = 0;
  const hr_key *prev = NULL;
  f->child_base = c->child_top;
  for (uint32_t i = 0; i < k->n_subkeys; i++) {
    const hr_key *ch = k->subkeys[i];
    if (ch->is_volatile) continue;
    bool latin1 = false;
    if (check) {
      if ((st = check_key_name(c, ch, &latin1)) != ERROR_SUCCESS) return st;
      if (prev && name_cmp(prev->name, prev->name_len, ch->name, ch->name_len) >= 0)
        return bad_tree(c, "R-E14", "subkeys not strictly sorted by name");
      if (n_saved == UINT32_MAX || n_saved + 1 > SAVE_MAX_SUBKEYS)
        return diag_set(c->diag, ERROR_INVALID_PARAMETER, "R-E03", HR_NO_OFFSET,
                        "save: too many subkeys for one index");
      if ((st = latin1_put(c, latin1)) != ERROR_SUCCESS) return st;
    } else if ((st = latin1_get(c, &latin1)) != ERROR_SUCCESS) {
      return st;
    }
    if ((st = push_child_off(c, latin1 ? SAVE_CHILD_LATIN1 : 0)) != ERROR_SUCCESS) return st;
    prev = ch;
    n_saved++;
    if (2 * ch->name_len > max_name) max_name = 2 * ch->name_len;
    if (ch->class_len > max_class) max_class = ch->class_len;
  }
  uint32_t max_vname = 0, max_vdata = 0;
  for (uint32_t i = 0; i < k->n_values; i++) {
    const hr_value *v = &k->values[i];
    if (check && (st = check_value(c, v)) != ERROR_SUCCESS) return st;
    if (2 * v->name_len > max_vname) max_vname = 2 * v->name_len;
    if (v->size > max_vdata) max_vdata = v->size;
  }
  uint32_t slot;
  if ((st = save_sd_slot_fast(c, k, &slot)) != ERROR_SUCCESS) return st;
  if (check) {
    if (k->class_len > 0xFFFF || (k->class_len && !k->class_data))
      return bad_tree(c, "R-D16", "class longer than 65535 bytes");
    if (k->n_values > SAVE_MAX_VALUES)
      return diag_set(c->diag, ERROR_INVALID_PARAMETER, "R-F02", HR_NO_OFFSET,
                      "save: %u values exceed the 1 MiB value list", k->n_values);
    if ((st = check_layer(c, k, parent ? parent->key : NULL, n_saved)) != ERROR_SUCCESS)
      return st;
    if (parent && (k->flags & KEY_SYM_LINK) && (st = check_symlink(c, k)) != ERROR_SUCCESS)
      return st;
  }

  /* Class (§10.11: NIL iff length 0). */
  uint32_t class_off = NIL;
  if (k->class_len) {
    if ((st = cells_alloc(c, k->class_len, &class_off)) != ERROR_SUCCESS) return st;
    if (c->img) memcpy(cells_rec(c, class_off), k->class_data, k->class_len);
  }
  /* Values, in stored order (§5.3); list NIL when there are none. */
  uint32_t vlist = NIL;
  if (k->n_values) {
    if ((st = cells_alloc(c, (uint64_t)k->n_values * 4, &vlist)) != ERROR_SUCCESS) return st;
    for (uint32_t i = 0; i < k->n_values; i++) {
      uint32_t vk;
      if ((st = emit_value(c, &k->values[i], &vk)) != ERROR_SUCCESS) return st;
      if (c->img) put32(cells_rec(c, vlist) + 4 * i, vk);
    }
  }
  /* Children's nk cells, remembered for the index and for their own visit. */
  f->n_saved = n_saved;
  f->next_saved = 0;
  f->next_index = 0;
  uint32_t *slot_off = n_saved ? c->child_off + f->child_base : NULL; /* NULL: no child yet */
  for (uint32_t i = 0; i < k->n_subkeys; i++) {
    const hr_key *ch = k->subkeys[i];
    if (ch->is_volatile) continue;
    uint32_t off;
    if ((st = cells_alloc(c, nk_usable(ch, (*slot_off & SAVE_CHILD_LATIN1) != 0), &off)) !=
        ERROR_SUCCESS)
      return st;
    *slot_off++ |= off;
  }
  uint32_t slist = NIL;
  if (n_saved && (st = emit_index(c, f, &slist)) != ERROR_SUCCESS) return st;
  if (!c->img) return ERROR_SUCCESS;

  /* The nk itself (§5.1, §10.5-§10.8, §10.13). */
  bool latin1 = f->latin1;
  uint32_t nb = stored_name_bytes(k->name_len, latin1);
  uint16_t flags = (uint16_t)(k->flags & ~(KEY_COMP_NAME | KEY_VOLATILE | KEY_HIVE_EXIT |
                                           KEY_PREDEF_HANDLE));
  /* Root: keep HIVE_ENTRY/NO_DELETE as the tree has them (offreg-created roots carry neither,
   * kernel roots both), never SYM_LINK (R-D08).  Others: never the root bits (R-D07). */
  if (parent) flags &= (uint16_t)~(KEY_HIVE_ENTRY | KEY_NO_DELETE);
  else flags &= (uint16_t)~KEY_SYM_LINK;
  if (latin1) flags |= KEY_COMP_NAME;
  uint8_t *r = cells_rec(c, f->off);
  put16(r + NK_OFF_SIGNATURE, NK_SIGNATURE);
  put16(r + NK_OFF_FLAGS, flags);
  put64(r + NK_OFF_LAST_WRITE, k->last_write);
  r[NK_OFF_ACCESS_BITS] = k->access_bits;
  r[NK_OFF_LAYER] = k->layer;
  put32(r + NK_OFF_PARENT, parent ? parent->off : NIL);
  put32(r + NK_OFF_SUBKEY_COUNT, n_saved);
  put32(r + NK_OFF_VSUBKEY_COUNT, 0);
  put32(r + NK_OFF_SUBKEY_LIST, slist);
  put32(r + NK_OFF_VSUBKEY_LIST, NIL);
  put32(r + NK_OFF_VALUE_COUNT, k->n_values);
  put32(r + NK_OFF_VALUE_LIST, vlist);
  put32(r + NK_OFF_SECURITY, c->sks[slot].off);
  put32(r + NK_OFF_CLASS, class_off);
  put32(r + NK_OFF_MAX_NAME_LEN, (max_name & NK_MAXNAME_LEN_MASK) |
                                     ((uint32_t)(k->virt_flags & NK_VIRT_MASK) << NK_VIRT_SHIFT) |
                                     ((uint32_t)(k->user_flags & NK_USER_MASK) << NK_USER_SHIFT) |
                                     ((uint32_t)k->debug_flags << NK_DEBUG_SHIFT));
  put32(r + NK_OFF_MAX_CLASS_LEN, max_class);
  put32(r + NK_OFF_MAX_VALUE_NAME, max_vname);
  put32(r + NK_OFF_MAX_VALUE_DATA, max_vdata);
  put32(r + NK_OFF_WORKVAR, 0);
  put16(r + NK_OFF_NAME_LEN, (uint16_t)nb);
  put16(r + NK_OFF_CLASS_LEN, (uint16_t)k->class_len);
  put_name(r + NK_OFF_NAME, k->name, k->name_len, latin1);
  return ERROR_SUCCESS;
}

/* ---- security cells (§10.10) ----------------------------------------------------------------- */

static hr_status emit_security(save_ctx *c) {
  for (uint32_t i = 0; i < c->n_sks; i++) {
    save_sk *s = &c->sks[i];
    uint32_t off;
    hr_status st = cells_alloc(c, SK_FIXED_SIZE + (uint64_t)s->sd->len, &off);
    if (st != ERROR_SUCCESS) return st;
    if (!c->img) {
      s->off = off;
    } else if (off != s->off) {
      return diag_set(c->diag, ERROR_INVALID_DATA, "", HR_NO_OFFSET,
                      "save: internal layout mismatch at sk %u", i);
    }
  }
  if (!c->img) return ERROR_SUCCESS;
  /* One circular list in slot order; slot 0 (the root's descriptor) is the anchor. */
  for (uint32_t i = 0; i < c->n_sks; i++) {
    const save_sk *s = &c->sks[i];
    uint8_t *r = cells_rec(c, s->off);
    put16(r + SK_OFF_SIGNATURE, SK_SIGNATURE);
    put16(r + SK_OFF_RESERVED, 0);
    put32(r + SK_OFF_FLINK, c->sks[(i + 1) % c->n_sks].off);
    put32(r + SK_OFF_BLINK, c->sks[(i + c->n_sks - 1) % c->n_sks].off);
    put32(r + SK_OFF_REFCOUNT, s->refs);
    put32(r + SK_OFF_DESC_LEN, s->sd->len);
    memcpy(r + SK_OFF_DESC, s->sd->bytes, s->sd->len);
  }
  return ERROR_SUCCESS;
}

/* ---- the pass --------------------------------------------------------------------------------- */

hr_status emit_pass(save_ctx *c) {
  hr_status st;
  c->bin_start = c->bin_end = c->cur = 0;
  c->child_top = 0;
  c->latin1_next = 0;
  save_frame *f = &c->frames[0];
  f->key = c->top;
  /* The root's name is not in the bit list: it is tested in both passes. */
  if (!c->img) {
    if ((st = check_key_name(c, c->top, &f->latin1)) != ERROR_SUCCESS) return st;
  } else {
    f->latin1 = units_latin1(c->top->name, c->top->name_len);
  }
  if ((st = cells_alloc(c, nk_usable(c->top, f->latin1), &f->off)) != ERROR_SUCCESS) return st;
  if ((st = visit(c, f, NULL)) != ERROR_SUCCESS) return st;
  uint32_t depth = 1;
  while (depth > 0) {
    f = &c->frames[depth - 1];
    if (f->next_saved == f->n_saved) {
      c->child_top = f->child_base; /* the children's offsets are no longer needed */
      depth--;
      continue;
    }
    const hr_key *ch;
    do ch = f->key->subkeys[f->next_index++];
    while (ch->is_volatile);
    if (depth == HR_MAX_DEPTH) return bad_tree(c, "R-E16", "tree deeper than 512 keys");
    save_frame *g = &c->frames[depth++];
    g->key = ch;
    uint32_t e = c->child_off[f->child_base + f->next_saved++];
    g->off = e & SAVE_CHILD_OFF_MASK;
    g->latin1 = (e & SAVE_CHILD_LATIN1) != 0;
    if ((st = visit(c, g, f)) != ERROR_SUCCESS) return st;
  }
  return emit_security(c);
}
