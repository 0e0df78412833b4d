/*
 * save_reader.h: an independent, strict regf reader for the serializer's tests (test_save.c).
 *
 * It shares nothing with the engine's loader: it re-reads the image field by field against the
 * writer rules of regf-format.md §10 and fails on anything a fresh, compact hive must not
 * contain: base block fields and checksum, bin tiling and headers, cell sizes and alignment,
 * every allocated cell except sk referenced exactly once, exact lh hashes / lf hints, strictly
 * sorted leaves of <= 1012 entries (ri only above that), exact max fields, value storage forms
 * (inline / one cell / db with 0x3FE0 segments), the sk ring with exact reference counts and no
 * duplicate descriptors, zero runtime fields.  It rebuilds what it read as an hr_tree (through
 * tree.h) so the test can compare it with the source tree.  Test-side memory uses libc.
 */
#ifndef HIVEREF_TEST_SAVE_READER_H
#define HIVEREF_TEST_SAVE_READER_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "layout.h"
#include "name.h"
#include "tree.h"

enum { RD_NONE = 0, RD_ALLOC, RD_USED, RD_FREE, RD_SK };

typedef struct rd_sk {
  uint32_t off, uses;
  hr_sd *sd;
} rd_sk;

typedef struct rd_item {
  uint32_t off, parent_off, depth;
  hr_key *parent;
} rd_item;

typedef struct rd {
  const uint8_t *img;
  size_t len;
  const uint8_t *bins;
  uint32_t length, minor;
  uint8_t *state; /* one byte per 8-byte slot of the bins */
  hr_tree *t;
  rd_sk *sks;
  uint32_t n_sks, cap_sks;
  char err[300];
  bool failed;
  /* statistics */
  uint32_t n_keys, n_values, n_bins, n_ri, n_leaves, n_db, n_free;
} rd;

static bool rd_fail(rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool rd_fail(rd *r, const char *fmt, ...) {
  if (!r->failed) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->failed = true;
  }
  return false;
}

static uint32_t rd_csize(const rd *r, uint32_t off) { return (uint32_t)-(int32_t)le32(r->bins + off); }

/* A reference to an allocated cell: must start a cell, be allocated, unreferenced so far (unless
 * shared, for sk), hold at least `need` usable bytes, and be at most 1 MiB. */
static const uint8_t *rd_cell(rd *r, uint32_t off, uint32_t need, bool shared, uint32_t *usable,
                              const char *what) {
  if (off == REGF_CELL_NIL || off % 8 || off >= r->length)
    return rd_fail(r, "%s: bad cell index 0x%x", what, off), NULL;
  uint8_t s = r->state[off / 8];
  if (s == RD_NONE || s == RD_FREE)
    return rd_fail(r, "%s: 0x%x is not an allocated cell", what, off), NULL;
  if (!shared && s != RD_ALLOC)
    return rd_fail(r, "%s: cell 0x%x referenced twice", what, off), NULL;
  if (shared && s == RD_USED)
    return rd_fail(r, "%s: sk 0x%x also used as another record", what, off), NULL;
  uint32_t size = rd_csize(r, off);
  if (size > REGF_CELL_MAX) return rd_fail(r, "%s: cell 0x%x over 1 MiB", what, off), NULL;
  if (size - 4 < need)
    return rd_fail(r, "%s: cell 0x%x usable %u < %u", what, off, size - 4, need), NULL;
  r->state[off / 8] = shared ? RD_SK : RD_USED;
  if (usable) *usable = size - 4;
  return r->bins + off + 4;
}

static bool rd_base(rd *r, uint32_t minor, uint64_t serial) {
  const uint8_t *b = r->img;
  if (r->len < REGF_MIN_FILE_SIZE) return rd_fail(r, "file too small");
  if (le32(b) != REGF_SIGNATURE) return rd_fail(r, "signature");
  if (le32(b + REGF_OFF_SEQ1) != 1 || le32(b + REGF_OFF_SEQ2) != 1) return rd_fail(r, "seq");
  if (le64(b + REGF_OFF_TIMESTAMP) != 0) return rd_fail(r, "timestamp not 0");
  if (le32(b + REGF_OFF_MAJOR) != 1 || le32(b + REGF_OFF_MINOR) != minor)
    return rd_fail(r, "version 1.%u, want 1.%u", le32(b + REGF_OFF_MINOR), minor);
  if (le32(b + REGF_OFF_TYPE) != 0 || le32(b + REGF_OFF_FORMAT) != 1) return rd_fail(r, "type");
  if (le32(b + REGF_OFF_ROOT_CELL) != 0x20) return rd_fail(r, "root cell");
  r->length = le32(b + REGF_OFF_LENGTH);
  if (r->length == 0 || r->length % REGF_BLOCK_SIZE || r->length + (size_t)REGF_BLOCK_SIZE != r->len)
    return rd_fail(r, "length 0x%x vs file %zu", r->length, r->len);
  if (le32(b + REGF_OFF_CLUSTER) != 1) return rd_fail(r, "cluster");
  if (le32(b + REGF_OFF_FLAGS) != (minor == 6 ? 2u : 0u)) return rd_fail(r, "flags");
  if (le32(b + REGF_OFF_OFRG) != REGF_OFRG_SIGNATURE || le32(b + REGF_OFF_OFRG_FLAGS) != 1)
    return rd_fail(r, "OfRg");
  if (le64(b + REGF_OFF_OFRG_TIMESTAMP) != serial) return rd_fail(r, "serialization time");
  uint32_t x = 0;
  for (int i = 0; i < 127; i++) x ^= le32(b + 4 * i);
  if (x == 0) x = 1;
  if (x == 0xFFFFFFFFu) x = 0xFFFFFFFEu;
  if (le32(b + REGF_OFF_CHECKSUM) != x) return rd_fail(r, "checksum");
  /* Everything else in the base block is zero. */
  for (size_t i = 0; i < REGF_BLOCK_SIZE; i++) {
    bool field = i < 0x30 || (i >= REGF_OFF_FLAGS && i < REGF_OFF_FLAGS + 4) ||
                 (i >= REGF_OFF_OFRG && i < REGF_OFF_OFRG + 8) ||
                 (i >= REGF_OFF_CHECKSUM && i < REGF_OFF_OFRG_TIMESTAMP + 8);
    if (!field && b[i]) return rd_fail(r, "base block byte 0x%zx not zero", i);
  }
  return true;
}

static bool rd_bins(rd *r) {
  r->bins = r->img + REGF_BLOCK_SIZE;
  uint32_t off = 0;
  while (off < r->length) {
    const uint8_t *h = r->bins + off;
    if (r->length - off < REGF_BLOCK_SIZE) return rd_fail(r, "bin at 0x%x truncated", off);
    uint32_t size = le32(h + HBIN_OFF_SIZE);
    if (le32(h) != HBIN_SIGNATURE || le32(h + HBIN_OFF_FILE_OFFSET) != off || size == 0 ||
        size % REGF_BLOCK_SIZE || size > r->length - off)
      return rd_fail(r, "bin header at 0x%x", off);
    for (uint32_t i = HBIN_OFF_RESERVED; i < HBIN_HEADER_SIZE; i++)
      if (h[i]) return rd_fail(r, "bin 0x%x header byte %u not zero", off, i);
    uint32_t c = off + HBIN_HEADER_SIZE;
    while (c < off + size) {
      int32_t s = (int32_t)le32(r->bins + c);
      if (s == 0 || s == INT32_MIN) return rd_fail(r, "cell 0x%x size 0", c);
      uint32_t a = (uint32_t)(s < 0 ? -s : s);
      if (a % 8 || a > off + size - c) return rd_fail(r, "cell 0x%x size %d", c, s);
      r->state[c / 8] = s < 0 ? RD_ALLOC : RD_FREE;
      if (s > 0) r->n_free++;
      c += a;
    }
    r->n_bins++;
    off += size;
  }
  return true;
}

/* Decodes a stored name into units (caller frees). */
static uint16_t *rd_name(const uint8_t *p, uint32_t nbytes, bool comp, uint32_t *units) {
  uint32_t n = comp ? nbytes : nbytes / 2;
  uint16_t *u = malloc((size_t)n * 2 + 2);
  for (uint32_t i = 0; i < n; i++) u[i] = comp ? p[i] : le16(p + 2 * i);
  *units = n;
  return u;
}

/* A name buffer duplicated with the tree's allocator (tree_append_value_owned takes ownership). */
static uint16_t *rd_dup_name(rd *r, const uint16_t *u, uint32_t n) {
  return n ? mem_dup(r->t->mem, u, (size_t)n * 2) : NULL;
}

static bool rd_sk_at(rd *r, uint32_t off, hr_sd **out) {
  for (uint32_t i = 0; i < r->n_sks; i++)
    if (r->sks[i].off == off) {
      r->sks[i].uses++;
      *out = r->sks[i].sd;
      return true;
    }
  uint32_t usable;
  const uint8_t *p = rd_cell(r, off, SK_FIXED_SIZE, true, &usable, "sk");
  if (!p) return false;
  if (le16(p) != SK_SIGNATURE) return rd_fail(r, "sk 0x%x signature", off);
  uint32_t len = le32(p + SK_OFF_DESC_LEN);
  if (SK_FIXED_SIZE + (uint64_t)len > usable) return rd_fail(r, "sk 0x%x length", off);
  hr_sd *sd = tree_sd_intern(r->t, p + SK_OFF_DESC, len);
  if (!sd) return rd_fail(r, "oom");
  for (uint32_t i = 0; i < r->n_sks; i++)
    if (r->sks[i].sd == sd) return rd_fail(r, "sk 0x%x duplicates another sk", off);
  if (r->n_sks == r->cap_sks) {
    r->cap_sks = r->cap_sks ? 2 * r->cap_sks : 16;
    r->sks = realloc(r->sks, r->cap_sks * sizeof *r->sks);
  }
  r->sks[r->n_sks++] = (rd_sk){off, 1, sd};
  *out = sd;
  return true;
}

static bool rd_value(rd *r, hr_key *k, uint32_t vk_off, uint32_t *max_name, uint32_t *max_data) {
  uint32_t usable;
  const uint8_t *p = rd_cell(r, vk_off, VK_FIXED_SIZE, false, &usable, "vk");
  if (!p) return false;
  if (le16(p) != VK_SIGNATURE) return rd_fail(r, "vk 0x%x signature", vk_off);
  uint32_t nb = le16(p + VK_OFF_NAME_LEN), dl = le32(p + VK_OFF_DATA_LEN);
  uint32_t data = le32(p + VK_OFF_DATA), type = le32(p + VK_OFF_TYPE);
  uint16_t fl = le16(p + VK_OFF_FLAGS);
  if (VK_FIXED_SIZE + nb > usable) return rd_fail(r, "vk name overflow");
  if (le16(p + VK_OFF_SPARE)) return rd_fail(r, "vk spare");
  if (fl & ~(VK_FLAG_COMP_NAME | VK_FLAG_TOMBSTONE)) return rd_fail(r, "vk flags 0x%x", fl);
  bool comp = fl & VK_FLAG_COMP_NAME;
  uint32_t units;
  uint16_t *u = rd_name(p + VK_OFF_NAME, nb, comp, &units);
  if (comp != name_is_latin1(u, units)) {
    free(u);
    return rd_fail(r, "vk name compression not canonical");
  }
  if (!comp && (nb & 1)) {
    free(u);
    return rd_fail(r, "odd UTF-16 vk name");
  }
  if (2 * units > *max_name) *max_name = 2 * units;
  uint32_t size = 0;
  uint8_t *buf = NULL;
  if (fl & VK_FLAG_TOMBSTONE) {
    if (r->minor != 6 || dl != 0 || data != REGF_CELL_NIL || type != 0) {
      free(u);
      return rd_fail(r, "tombstone form");
    }
  } else if (dl & VK_DATA_INLINE_BIT) {
    size = dl & ~VK_DATA_INLINE_BIT;
    if (size > 4) {
      free(u);
      return rd_fail(r, "inline size %u", size);
    }
    for (uint32_t i = size; i < 4; i++)
      if (p[VK_OFF_DATA + i]) {
        free(u);
        return rd_fail(r, "inline padding not zero");
      }
    if (size) {
      buf = malloc(size);
      memcpy(buf, p + VK_OFF_DATA, size);
    }
  } else {
    size = dl;
    if (size <= 4) {
      free(u);
      return rd_fail(r, "%u-byte value not inline", size);
    }
    buf = malloc(size);
    if (size <= DB_SEGMENT_SIZE || r->minor < 4) {
      uint32_t du;
      const uint8_t *d = rd_cell(r, data, size, false, &du, "data");
      if (!d) {
        free(u), free(buf);
        return false;
      }
      if (du - size >= 8) {
        free(u), free(buf);
        return rd_fail(r, "data cell not tight");
      }
      memcpy(buf, d, size);
    } else {
      uint32_t du;
      const uint8_t *db = rd_cell(r, data, DB_FIXED_SIZE, false, &du, "db");
      uint32_t n_seg = (size + DB_SEGMENT_SIZE - 1) / DB_SEGMENT_SIZE;
      if (!db || le16(db) != DB_SIGNATURE || le16(db + DB_OFF_COUNT) != n_seg) {
        free(u), free(buf);
        return rd_fail(r, "db at 0x%x", data);
      }
      const uint8_t *list = rd_cell(r, le32(db + DB_OFF_LIST), 4 * n_seg, false, NULL, "dblist");
      for (uint32_t i = 0; list && i < n_seg; i++) {
        uint32_t seg = le32(list + 4 * i);
        const uint8_t *s = rd_cell(r, seg, DB_SEGMENT_SIZE, false, NULL, "segment");
        if (!s || rd_csize(r, seg) != DB_SEGMENT_CELL_SIZE) {
          free(u), free(buf);
          return rd_fail(r, "segment %u", i);
        }
        uint32_t from = i * DB_SEGMENT_SIZE, n = size - from < DB_SEGMENT_SIZE ? size - from : DB_SEGMENT_SIZE;
        memcpy(buf + from, s, n);
      }
      if (!list) {
        free(u), free(buf);
        return false;
      }
      r->n_db++;
    }
  }
  if (size > *max_data) *max_data = size;
  uint16_t *tn = rd_dup_name(r, u, units);
  uint8_t *td = size ? mem_dup(r->t->mem, buf, size) : NULL;
  free(u);
  free(buf);
  if (tree_append_value_owned(r->t, k, tn, units, type, td, size, fl & VK_FLAG_TOMBSTONE))
    return rd_fail(r, "oom");
  r->n_values++;
  return true;
}

/* Reads one leaf's elements, checking hash/hint, order, and pushing children onto the stack. */
static bool rd_leaf(rd *r, const uint8_t *leaf, uint32_t count, uint32_t nk_off, hr_key *k,
                    uint32_t depth, rd_item **stack, size_t *top, size_t *cap, uint16_t **prev,
                    uint32_t *prev_n, uint32_t *max_name, uint32_t *max_class) {
  uint16_t sig = le16(leaf);
  if (sig != (r->minor >= 5 ? LH_SIGNATURE : LF_SIGNATURE)) return rd_fail(r, "leaf signature");
  if (count == 0 || count > LEAF_SPLIT_COUNT) return rd_fail(r, "leaf count %u", count);
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t *e = leaf + 4 + 8 * i;
    uint32_t child = le32(e);
    if (child == REGF_CELL_NIL || child % 8 || child >= r->length || r->state[child / 8] != RD_ALLOC)
      return rd_fail(r, "leaf element 0x%x", child);
    const uint8_t *c = r->bins + child + 4;
    if (le16(c) != NK_SIGNATURE) return rd_fail(r, "leaf element not nk");
    uint32_t units;
    uint16_t *u = rd_name(c + NK_OFF_NAME, le16(c + NK_OFF_NAME_LEN),
                          le16(c + NK_OFF_FLAGS) & KEY_COMP_NAME, &units);
    bool ok = true;
    if (r->minor >= 5) {
      ok = le32(e + 4) == name_hash_lh(u, units);
    } else {
      uint8_t h[4];
      name_lf_hint(u, units, h);
      ok = memcmp(h, e + 4, 4) == 0;
    }
    if (ok && *prev) ok = name_cmp(*prev, *prev_n, u, units) < 0;
    free(*prev);
    *prev = u;
    *prev_n = units;
    if (!ok) return rd_fail(r, "leaf entry %u hash/hint/order", i);
    if (2 * units > *max_name) *max_name = 2 * units;
    if (le16(c + NK_OFF_CLASS_LEN) > *max_class) *max_class = le16(c + NK_OFF_CLASS_LEN);
    if (*top == *cap) {
      *cap *= 2;
      *stack = realloc(*stack, *cap * sizeof **stack);
    }
    (*stack)[(*top)++] = (rd_item){child, nk_off, depth + 1, k};
  }
  return true;
}

/* Reads one nk and everything it owns except its children (which it pushes). */
static bool rd_key(rd *r, rd_item it, rd_item **stack, size_t *top, size_t *cap) {
  uint32_t usable;
  const uint8_t *p = rd_cell(r, it.off, NK_FIXED_SIZE, false, &usable, "nk");
  if (!p) return false;
  if (it.depth > HR_MAX_DEPTH) return rd_fail(r, "depth");
  if (le16(p) != NK_SIGNATURE) return rd_fail(r, "nk signature");
  uint16_t flags = le16(p + NK_OFF_FLAGS);
  uint32_t nb = le16(p + NK_OFF_NAME_LEN), cl = le16(p + NK_OFF_CLASS_LEN);
  if (NK_FIXED_SIZE + nb > usable || usable - (NK_FIXED_SIZE + nb) >= 8)
    return rd_fail(r, "nk cell size not tight");
  if (le32(p + NK_OFF_PARENT) != (it.parent ? it.parent_off : REGF_CELL_NIL))
    return rd_fail(r, "nk parent field");
  if (le32(p + NK_OFF_VSUBKEY_COUNT) || le32(p + NK_OFF_VSUBKEY_LIST) != REGF_CELL_NIL ||
      le32(p + NK_OFF_WORKVAR) || le16(p + 0x0E))
    return rd_fail(r, "nk runtime fields not clean");
  if (flags & (KEY_VOLATILE | KEY_HIVE_EXIT | KEY_PREDEF_HANDLE))
    return rd_fail(r, "nk flags 0x%x", flags);
  if (it.parent && (flags & (KEY_HIVE_ENTRY | KEY_NO_DELETE))) return rd_fail(r, "R-D07");
  if (!it.parent && (flags & KEY_SYM_LINK)) return rd_fail(r, "R-D08");
  bool comp = flags & KEY_COMP_NAME;
  uint32_t units;
  uint16_t *u = rd_name(p + NK_OFF_NAME, nb, comp, &units);
  if (units == 0 || comp != name_is_latin1(u, units) || (!comp && (nb & 1))) {
    free(u);
    return rd_fail(r, "nk name encoding");
  }
  hr_key *k = tree_key_new(r->t, u, units);
  free(u);
  if (!k) return rd_fail(r, "oom");
  k->flags = flags & (uint16_t)~KEY_COMP_NAME;
  k->last_write = le64(p + NK_OFF_LAST_WRITE);
  k->access_bits = p[NK_OFF_ACCESS_BITS];
  k->layer = p[NK_OFF_LAYER];
  if (k->layer && r->minor != 6) {
    tree_key_free(r->t, k);
    return rd_fail(r, "layer bits below 1.6");
  }
  uint32_t mnl = le32(p + NK_OFF_MAX_NAME_LEN);
  k->virt_flags = (mnl >> NK_VIRT_SHIFT) & NK_VIRT_MASK;
  k->user_flags = (mnl >> NK_USER_SHIFT) & NK_USER_MASK;
  k->debug_flags = (uint8_t)(mnl >> NK_DEBUG_SHIFT);
  if (it.parent ? tree_append_subkey(r->t, it.parent, k) : ERROR_SUCCESS) {
    tree_key_free(r->t, k);
    return rd_fail(r, "oom");
  }
  if (!it.parent) r->t->root = k;
  r->n_keys++;
  hr_sd *sd = NULL;
  if (!rd_sk_at(r, le32(p + NK_OFF_SECURITY), &sd)) return false;
  tree_key_set_sd(r->t, k, sd);
  /* Class: NIL iff length 0. */
  uint32_t cls = le32(p + NK_OFF_CLASS);
  if ((cl == 0) != (cls == REGF_CELL_NIL)) return rd_fail(r, "class NIL rule");
  if (cl) {
    uint32_t cu;
    const uint8_t *c = rd_cell(r, cls, cl, false, &cu, "class");
    if (!c) return false;
    if (tree_key_set_class(r->t, k, c, cl)) return rd_fail(r, "oom");
  }
  /* Values. */
  uint32_t nv = le32(p + NK_OFF_VALUE_COUNT), vl = le32(p + NK_OFF_VALUE_LIST);
  uint32_t max_vn = 0, max_vd = 0;
  if ((nv == 0) != (vl == REGF_CELL_NIL)) return rd_fail(r, "value list NIL rule");
  if (nv) {
    uint32_t lu;
    const uint8_t *l = rd_cell(r, vl, 4 * nv, false, &lu, "value list");
    if (!l) return false;
    for (uint32_t i = 0; i < nv; i++)
      if (!rd_value(r, k, le32(l + 4 * i), &max_vn, &max_vd)) return false;
  }
  if (le32(p + NK_OFF_MAX_VALUE_NAME) != max_vn || le32(p + NK_OFF_MAX_VALUE_DATA) != max_vd)
    return rd_fail(r, "value max fields %u/%u want %u/%u", le32(p + NK_OFF_MAX_VALUE_NAME),
                   le32(p + NK_OFF_MAX_VALUE_DATA), max_vn, max_vd);
  if ((flags & KEY_SYM_LINK) && nv != 1) return rd_fail(r, "R-D26");
  /* Subkeys: push in reverse so the stack pops them in order (appends stay sorted). */
  uint32_t ns = le32(p + NK_OFF_SUBKEY_COUNT), sl = le32(p + NK_OFF_SUBKEY_LIST);
  uint32_t max_n = 0, max_c = 0;
  if ((ns == 0) != (sl == REGF_CELL_NIL)) return rd_fail(r, "subkey list NIL rule");
  if (ns) {
    size_t first = *top;
    uint16_t *prev = NULL;
    uint32_t prev_n = 0, total = 0;
    const uint8_t *l = rd_cell(r, sl, 8, false, NULL, "index");
    if (!l) return false;
    if (le16(l) == RI_SIGNATURE) {
      uint32_t nl = le16(l + 2);
      if (ns <= LEAF_SPLIT_COUNT || nl != (ns + LEAF_SPLIT_COUNT - 1) / LEAF_SPLIT_COUNT)
        return rd_fail(r, "ri used for %u subkeys with %u leaves", ns, nl);
      r->n_ri++;
      for (uint32_t i = 0; i < nl; i++) {
        uint32_t lu;
        const uint8_t *leaf = rd_cell(r, le32(l + 4 + 4 * i), 4, false, &lu, "leaf");
        if (!leaf) break;
        uint32_t cnt = le16(leaf + 2);
        if (4 + 8 * cnt > lu || !rd_leaf(r, leaf, cnt, it.off, k, it.depth, stack, top, cap,
                                          &prev, &prev_n, &max_n, &max_c))
          break;
        total += cnt;
        r->n_leaves++;
      }
    } else {
      uint32_t cnt = le16(l + 2);
      if (cnt == ns) rd_leaf(r, l, cnt, it.off, k, it.depth, stack, top, cap, &prev, &prev_n,
                             &max_n, &max_c);
      total = cnt;
      r->n_leaves++;
    }
    free(prev);
    if (r->failed) return false;
    if (total != ns) return rd_fail(r, "subkey count %u vs %u", total, ns);
    for (size_t a = first, b = *top - 1; a < b; a++, b--) {
      rd_item tmp = (*stack)[a];
      (*stack)[a] = (*stack)[b];
      (*stack)[b] = tmp;
    }
  }
  if ((mnl & NK_MAXNAME_LEN_MASK) != max_n || le32(p + NK_OFF_MAX_CLASS_LEN) != max_c)
    return rd_fail(r, "subkey max fields");
  return true;
}

/* Reads and checks the whole image into t (t->mem set, empty).  false + r->err on a failure. */
static bool rd_read(rd *r, hr_tree *t, const uint8_t *img, size_t len, uint32_t minor,
                    uint64_t serial) {
  memset(r, 0, sizeof *r);
  r->img = img;
  r->len = len;
  r->t = t;
  r->minor = minor;
  if (!rd_base(r, minor, serial)) return false;
  r->state = calloc(r->length / 8 + 1, 1);
  bool ok = rd_bins(r);
  size_t cap = 64, top = 0;
  rd_item *stack = malloc(cap * sizeof *stack);
  if (ok) stack[top++] = (rd_item){0x20, REGF_CELL_NIL, 1, NULL};
  while (ok && top) {
    rd_item it = stack[--top];
    ok = rd_key(r, it, &stack, &top, &cap);
  }
  free(stack);
  /* The sk ring: anchor = the root's sk; Flink/Blink; exact refcounts; covers every sk. */
  if (ok && r->n_sks) {
    uint32_t anchor = r->sks[0].off, cur = anchor, prev = le32(r->bins + anchor + 4 + SK_OFF_BLINK);
    uint32_t seen = 0;
    do {
      const uint8_t *p = r->bins + cur + 4;
      if (cur >= r->length || r->state[cur / 8] != RD_SK) {
        ok = rd_fail(r, "sk ring reaches 0x%x, not a used sk", cur);
        break;
      }
      if (le32(p + SK_OFF_BLINK) != prev) {
        ok = rd_fail(r, "sk 0x%x blink", cur);
        break;
      }
      rd_sk *s = NULL;
      for (uint32_t i = 0; i < r->n_sks; i++)
        if (r->sks[i].off == cur) s = &r->sks[i];
      if (!s || le32(p + SK_OFF_REFCOUNT) != s->uses) {
        ok = rd_fail(r, "sk 0x%x refcount %u, %u uses", cur, le32(p + SK_OFF_REFCOUNT),
                     s ? s->uses : 0);
        break;
      }
      seen++;
      prev = cur;
      cur = le32(p + SK_OFF_FLINK);
    } while (cur != anchor && seen <= r->n_sks);
    if (ok && seen != r->n_sks) ok = rd_fail(r, "sk ring has %u of %u sk", seen, r->n_sks);
  }
  /* Every allocated cell was referenced (R-C07 / §10.4). */
  for (uint32_t i = 0; ok && i < r->length / 8; i++)
    if (r->state[i] == RD_ALLOC) ok = rd_fail(r, "cell 0x%x allocated but unreferenced", i * 8);
  free(r->state);
  free(r->sks);
  r->state = NULL;
  r->sks = NULL;
  return ok && !r->failed;
}

#endif /* HIVEREF_TEST_SAVE_READER_H */
