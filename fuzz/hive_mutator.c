/*
 * hive_mutator.c: a structure-aware libFuzzer custom mutator for [control][hive] inputs
 * (issue 6; DESIGN.md §5 "A structure-aware mutator that knows cells and offsets").
 *
 * Byte flips rarely get past a regf parser: the base block is checksummed (R-A03), cells are
 * reached through offsets that must land on cell starts (R-C04), counts are cross-checked with
 * cell sizes.  This mutator parses the input as a hive (base block, bins, cells, without the
 * engine), picks one structural edit:
 *   - a cell field (nk/vk/sk/lf/lh/li/ri/db fields from layout.h) set to a boundary number;
 *   - an offset field re-pointed at another cell, NIL, a misaligned or out-of-range index;
 *   - a count (subkey, value, list, db segment) nudged past what its cell holds;
 *   - a name edited (case flip, '\\', NUL, Latin-1/UTF-16 switch, copied from another key);
 *   - two subkey-list elements swapped or duplicated (ordering/duplicate rules R-E14);
 *   - a cell size (free/allocated, misaligned, overrunning the bin);
 *   - a base-block or bin-header field; or the control prefix (fault position);
 * then recomputes the base-block checksum (spec §2.2) so the edit reaches the deep checks.  A
 * quarter of the time, and always when the input does not parse, it falls back to libFuzzer's
 * byte mutation (still followed by the checksum fix when a base block is present).
 *
 * Set HIVEREF_MUTATOR=off in the environment to disable the structure-aware part (the A/B
 * measurement in fuzz/README.md).  Only this file may include ref/src/layout.h (DESIGN.md §5).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../ref/src/layout.h"
#include "fuzz_common.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

#define HDR FZ_CONTROL_SIZE        /* hive image starts after the control prefix */
#define MAX_CELLS 4096

typedef struct cell {
  uint32_t off;    /* file offset of the cell header (relative to the hive image) */
  uint32_t size;   /* |size| */
  uint16_t sig;
} cell;

typedef struct hive_map {
  uint8_t *h;      /* hive image */
  size_t len;      /* image length */
  uint32_t bins_len;
  cell cells[MAX_CELLS];
  size_t n;
  size_t n_bins;
  uint32_t bins[256];
} hive_map;

static uint32_t rng_next(uint32_t *s) {
  /* xorshift32: deterministic for a given libFuzzer seed (reproducible mutations). */
  uint32_t x = *s ? *s : 0x9E3779B9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}
#define RND(n) (rng_next(&seed) % (uint32_t)(n))

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static void wr32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static void wr16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

/* Base block checksum: XOR of the 127 dwords before 0x1FC, 0 -> 1 and -1 -> -2 (spec §2.2). */
static void fix_checksum(uint8_t *h, size_t len) {
  if (len < REGF_SECTOR_SIZE || rd32(h + REGF_OFF_SIGNATURE) != REGF_SIGNATURE) return;
  uint32_t x = 0;
  for (unsigned i = 0; i < REGF_CHECKSUM_DWORDS; i++) x ^= rd32(h + 4 * i);
  if (x == 0) x = 1;
  if (x == 0xFFFFFFFFu) x = 0xFFFFFFFEu;
  wr32(h + REGF_OFF_CHECKSUM, x);
}

/* Lists bins and allocated cells; bounded by the image, stops a bin at the first bad cell. */
static bool map_hive(hive_map *m) {
  m->n = 0;
  m->n_bins = 0;
  if (m->len < REGF_BLOCK_SIZE + HBIN_HEADER_SIZE) return false;
  if (rd32(m->h + REGF_OFF_SIGNATURE) != REGF_SIGNATURE) return false;
  uint32_t length = rd32(m->h + REGF_OFF_LENGTH);
  size_t end = m->len;
  if ((uint64_t)REGF_BLOCK_SIZE + length < end) end = REGF_BLOCK_SIZE + (size_t)length;
  m->bins_len = length;
  size_t pos = REGF_BLOCK_SIZE;
  while (pos + HBIN_HEADER_SIZE <= end && m->n_bins < 256) {
    if (rd32(m->h + pos) != HBIN_SIGNATURE) break;
    uint32_t bsize = rd32(m->h + pos + HBIN_OFF_SIZE);
    if (bsize < REGF_BLOCK_SIZE || bsize % REGF_BLOCK_SIZE) break;
    size_t bend = pos + bsize > end ? end : pos + bsize;
    m->bins[m->n_bins++] = (uint32_t)pos;
    size_t c = pos + HBIN_HEADER_SIZE;
    while (c + CELL_HEADER_SIZE <= bend) {
      int32_t sz = (int32_t)rd32(m->h + c);
      if (sz == 0 || sz == INT32_MIN) break;
      uint32_t asz = sz < 0 ? (uint32_t)-sz : (uint32_t)sz;
      if (asz % REGF_CELL_ALIGN || asz > bend - c) break;
      if (sz < 0 && asz >= CELL_HEADER_SIZE + 2 && m->n < MAX_CELLS) {
        m->cells[m->n].off = (uint32_t)c;
        m->cells[m->n].size = asz;
        m->cells[m->n].sig = rd16(m->h + c + CELL_HEADER_SIZE);
        m->n++;
      }
      c += asz;
    }
    pos += bsize;
  }
  return m->n_bins > 0;
}

/* Cell index (what records store) of a cell at file offset off. */
static uint32_t index_of(uint32_t off) { return off - REGF_BLOCK_SIZE; }

static uint32_t interesting32(uint32_t *s, uint32_t cur) {
  static const uint32_t k[] = {0,          1,          2,          3,          4,
                               7,          8,          0x7F,       0x80,       0xFF,
                               0x100,      0x101,      0x1FF,      0x200,      0x3FD8,
                               0x3FD9,     0x3FE0,     0x4000,     0x7FFF,     0x8000,
                               0xFFFF,     0x10000,    0x100000,   0x7FFFFFFF, 0x80000000u,
                               0x80000001u, 0x80000004u, 0x80000005u, 0xFFFFFFFEu, 0xFFFFFFFFu,
                               0xBAADF00Du, 0x1000,    0x7FFFE000};
  uint32_t seed = *s;
  uint32_t v;
  switch (RND(4)) {
    case 0: v = k[RND(sizeof k / sizeof k[0])]; break;
    case 1: v = cur + 1 + RND(8); break;
    case 2: v = cur - 1 - RND(8); break;
    default: v = cur ^ (1u << RND(32)); break;
  }
  *s = seed;
  return v;
}

typedef enum fkind { F_OFF, F_COUNT, F_U16, F_U8 } fkind;
typedef struct field {
  uint16_t at;   /* offset inside the record (after the 4-byte cell header) */
  uint8_t kind;
} field;

static const field nk_fields[] = {
    {NK_OFF_FLAGS, F_U16},          {NK_OFF_LAYER, F_U8},           {NK_OFF_PARENT, F_OFF},
    {NK_OFF_SUBKEY_COUNT, F_COUNT}, {NK_OFF_VSUBKEY_COUNT, F_COUNT}, {NK_OFF_SUBKEY_LIST, F_OFF},
    {NK_OFF_VSUBKEY_LIST, F_OFF},   {NK_OFF_VALUE_COUNT, F_COUNT},  {NK_OFF_VALUE_LIST, F_OFF},
    {NK_OFF_SECURITY, F_OFF},       {NK_OFF_CLASS, F_OFF},          {NK_OFF_MAX_NAME_LEN, F_COUNT},
    {NK_OFF_MAX_CLASS_LEN, F_COUNT}, {NK_OFF_MAX_VALUE_NAME, F_COUNT},
    {NK_OFF_MAX_VALUE_DATA, F_COUNT}, {NK_OFF_NAME_LEN, F_U16},     {NK_OFF_CLASS_LEN, F_U16}};
static const field vk_fields[] = {{VK_OFF_NAME_LEN, F_U16}, {VK_OFF_DATA_LEN, F_COUNT},
                                  {VK_OFF_DATA, F_OFF},     {VK_OFF_TYPE, F_COUNT},
                                  {VK_OFF_FLAGS, F_U16}};
static const field sk_fields[] = {{SK_OFF_FLINK, F_OFF},       {SK_OFF_BLINK, F_OFF},
                                  {SK_OFF_REFCOUNT, F_COUNT},  {SK_OFF_DESC_LEN, F_COUNT},
                                  {SK_OFF_DESC + SD_OFF_REVISION, F_U8},
                                  {SK_OFF_DESC + SD_OFF_CONTROL, F_U16},
                                  {SK_OFF_DESC + SD_OFF_OWNER, F_COUNT},
                                  {SK_OFF_DESC + SD_OFF_GROUP, F_COUNT},
                                  {SK_OFF_DESC + SD_OFF_SACL, F_COUNT},
                                  {SK_OFF_DESC + SD_OFF_DACL, F_COUNT}};
static const field db_fields[] = {{DB_OFF_COUNT, F_U16}, {DB_OFF_LIST, F_OFF}};

static const cell *pick(const hive_map *m, uint32_t *s, uint16_t want) {
  uint32_t seed = *s;
  const cell *c = NULL;
  for (int tries = 0; tries < 16 && m->n; tries++) {
    const cell *x = &m->cells[RND(m->n)];
    if (!want || x->sig == want) {
      c = x;
      break;
    }
  }
  *s = seed;
  return c;
}

/* Writes a new value into a field of cell c; returns false if it does not fit the cell. */
static bool mutate_field(hive_map *m, const cell *c, field f, uint32_t *s) {
  uint32_t seed = *s;
  size_t at = (size_t)c->off + CELL_HEADER_SIZE + f.at;
  size_t w = f.kind == F_U8 ? 1 : f.kind == F_U16 ? 2 : 4;
  if (f.at + w + CELL_HEADER_SIZE > c->size || at + w > m->len) return false;
  uint8_t *p = m->h + at;
  switch (f.kind) {
    case F_OFF: {
      uint32_t v;
      switch (RND(6)) {
        case 0: v = REGF_CELL_NIL; break;
        case 1: v = rd32(p) + (RND(2) ? 4u : 8u); break;
        case 2: v = m->bins_len + RND(2) * 8; break;
        case 3: v = rd32(p) | REGF_CELL_VOLATILE_BIT; break;
        default: v = m->n ? index_of(m->cells[RND(m->n)].off) : 0; break;
      }
      wr32(p, v);
      break;
    }
    case F_COUNT: wr32(p, interesting32(&seed, rd32(p))); break;
    case F_U16: wr16(p, (uint16_t)interesting32(&seed, rd16(p))); break;
    default: p[0] = (uint8_t)(RND(2) ? interesting32(&seed, p[0]) : p[0] ^ (1u << RND(8))); break;
  }
  *s = seed;
  return true;
}

static bool mutate_name(hive_map *m, uint32_t *s) {
  uint32_t seed = *s;
  const cell *c = pick(m, &seed, RND(2) ? NK_SIGNATURE : VK_SIGNATURE);
  if (!c) return false;
  bool nk = c->sig == NK_SIGNATURE;
  size_t rec = (size_t)c->off + CELL_HEADER_SIZE;
  size_t name_at = rec + (nk ? NK_OFF_NAME : VK_OFF_NAME);
  size_t nlen = rd16(m->h + rec + (nk ? NK_OFF_NAME_LEN : VK_OFF_NAME_LEN));
  size_t cell_end = c->off + c->size;
  if (name_at >= cell_end) return false;
  if (nlen > cell_end - name_at) nlen = cell_end - name_at;
  uint8_t *name = m->h + name_at;
  switch (RND(6)) {
    case 0: /* toggle compressed (Latin-1) vs UTF-16 */
      m->h[rec + (nk ? NK_OFF_FLAGS : VK_OFF_FLAGS)] ^=
          (uint8_t)(nk ? KEY_COMP_NAME : VK_FLAG_COMP_NAME);
      break;
    case 1: { /* copy another record's name: duplicates and ordering violations */
      const cell *o = pick(m, &seed, c->sig);
      if (!o || o == c) return false;
      size_t orec = (size_t)o->off + CELL_HEADER_SIZE;
      size_t oat = orec + (nk ? NK_OFF_NAME : VK_OFF_NAME);
      size_t olen = rd16(m->h + orec + (nk ? NK_OFF_NAME_LEN : VK_OFF_NAME_LEN));
      if (oat >= o->off + o->size) return false;
      if (olen > o->off + o->size - oat) olen = o->off + o->size - oat;
      if (olen > cell_end - name_at) olen = cell_end - name_at;
      memmove(name, m->h + oat, olen);
      wr16(m->h + rec + (nk ? NK_OFF_NAME_LEN : VK_OFF_NAME_LEN), (uint16_t)olen);
      break;
    }
    default: { /* edit one character */
      if (!nlen) return false;
      static const uint8_t chars[] = {'\\', 0, 'a', 'A', 'z', 'Z', 0xE9, 0xC9, 0xFF, '[', '_',
                                      0x7F, 0x80, 0xDF, 0x20};
      size_t i = RND(nlen);
      if (RND(2) && ((name[i] | 0x20) >= 'a' && (name[i] | 0x20) <= 'z')) name[i] ^= 0x20;
      else name[i] = chars[RND(sizeof chars)];
      break;
    }
  }
  *s = seed;
  return true;
}

static bool mutate_list(hive_map *m, uint32_t *s) {
  uint32_t seed = *s;
  static const uint16_t sigs[] = {LF_SIGNATURE, LH_SIGNATURE, LI_SIGNATURE, RI_SIGNATURE};
  const cell *c = pick(m, &seed, sigs[RND(4)]);
  if (!c) return false;
  size_t rec = (size_t)c->off + CELL_HEADER_SIZE;
  uint32_t count = rd16(m->h + rec + LIST_OFF_COUNT);
  size_t elem = (c->sig == LF_SIGNATURE || c->sig == LH_SIGNATURE) ? LF_ELEMENT_SIZE
                                                                   : LI_ELEMENT_SIZE;
  size_t room = (c->size - CELL_HEADER_SIZE - LIST_HEADER_SIZE) / elem;
  if (count > room) count = (uint32_t)room;
  uint8_t *el = m->h + rec + LIST_OFF_ELEMENTS;
  switch (RND(5)) {
    case 0: { /* swap two elements */
      if (count < 2) return false;
      size_t i = RND(count), j = RND(count);
      uint8_t tmp[8];
      memcpy(tmp, el + i * elem, elem);
      memcpy(el + i * elem, el + j * elem, elem);
      memcpy(el + j * elem, tmp, elem);
      break;
    }
    case 1: { /* duplicate an element over its neighbour */
      if (count < 2) return false;
      size_t i = RND(count - 1);
      memcpy(el + (i + 1) * elem, el + i * elem, elem);
      break;
    }
    case 2: /* the count */
      wr16(m->h + rec + LIST_OFF_COUNT, (uint16_t)interesting32(&seed, count));
      break;
    case 3: /* an element's target */
      if (!count || !m->n) return false;
      wr32(el + RND(count) * elem, index_of(m->cells[RND(m->n)].off));
      break;
    default: /* an lf hint / lh hash */
      if (!count || elem != LF_ELEMENT_SIZE) return false;
      wr32(el + RND(count) * elem + 4, interesting32(&seed, rd32(el + 4)));
      break;
  }
  *s = seed;
  return true;
}

static bool mutate_cell_size(hive_map *m, uint32_t *s) {
  uint32_t seed = *s;
  const cell *c = pick(m, &seed, 0);
  if (!c) return false;
  int32_t sz = -(int32_t)c->size;
  switch (RND(5)) {
    case 0: sz = -sz; break;                  /* mark free */
    case 1: sz -= 8 * (int32_t)(1 + RND(4)); break;  /* grow over the next cell */
    case 2: sz += 8; break;                   /* shrink */
    case 3: sz -= 4; break;                   /* misalign */
    default: sz = (int32_t)interesting32(&seed, (uint32_t)sz); break;
  }
  wr32(m->h + c->off, (uint32_t)sz);
  *s = seed;
  return true;
}

static bool mutate_header(hive_map *m, uint32_t *s) {
  uint32_t seed = *s;
  if (RND(3) == 0 && m->n_bins) { /* a bin header */
    uint32_t b = m->bins[RND(m->n_bins)];
    size_t at = b + (RND(2) ? HBIN_OFF_FILE_OFFSET : HBIN_OFF_SIZE);
    wr32(m->h + at, RND(2) ? interesting32(&seed, rd32(m->h + at)) : rd32(m->h + at) + 0x1000);
  } else {
    static const uint16_t offs[] = {REGF_OFF_SEQ1,  REGF_OFF_SEQ2,      REGF_OFF_MAJOR,
                                    REGF_OFF_MINOR, REGF_OFF_TYPE,      REGF_OFF_FORMAT,
                                    REGF_OFF_ROOT_CELL, REGF_OFF_LENGTH, REGF_OFF_CLUSTER,
                                    REGF_OFF_FLAGS};
    uint16_t at = offs[RND(sizeof offs / sizeof offs[0])];
    uint32_t v = rd32(m->h + at);
    if (at == REGF_OFF_ROOT_CELL && m->n && RND(2)) v = index_of(m->cells[RND(m->n)].off);
    else if (at == REGF_OFF_MINOR && RND(2)) v = REGF_MINOR_MIN + RND(4);
    else if (at == REGF_OFF_FLAGS && RND(2)) v = RND(4);
    else v = interesting32(&seed, v);
    wr32(m->h + at, v);
  }
  *s = seed;
  return true;
}

static bool mutate_record(hive_map *m, uint32_t *s) {
  uint32_t seed = *s;
  const cell *c = pick(m, &seed, 0);
  if (!c) return false;
  const field *fs;
  size_t nf;
  switch (c->sig) {
    case NK_SIGNATURE: fs = nk_fields; nf = sizeof nk_fields / sizeof nk_fields[0]; break;
    case VK_SIGNATURE: fs = vk_fields; nf = sizeof vk_fields / sizeof vk_fields[0]; break;
    case SK_SIGNATURE: fs = sk_fields; nf = sizeof sk_fields / sizeof sk_fields[0]; break;
    case DB_SIGNATURE: fs = db_fields; nf = sizeof db_fields / sizeof db_fields[0]; break;
    default: {
      /* data cells and lists: a random dword */
      if (c->size < CELL_HEADER_SIZE + 4) return false;
      size_t at = c->off + CELL_HEADER_SIZE + 4 * RND((c->size - CELL_HEADER_SIZE) / 4);
      if (at + 4 > m->len) return false;
      wr32(m->h + at, interesting32(&seed, rd32(m->h + at)));
      *s = seed;
      return true;
    }
  }
  bool ok = mutate_field(m, c, fs[RND(nf)], &seed);
  *s = seed;
  return ok;
}

static bool structure_disabled(void) {
  static int cached = -1;
  if (cached < 0) {
    const char *e = getenv("HIVEREF_MUTATOR");
    cached = e && (strcmp(e, "off") == 0 || strcmp(e, "0") == 0);
  }
  return cached != 0;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int s) {
  uint32_t seed = s;
  if (structure_disabled()) return LLVMFuzzerMutate(data, size, max_size);
  static hive_map m;
  bool parsed = false;
  if (size > HDR) {
    m.h = data + HDR;
    m.len = size - HDR;
    parsed = map_hive(&m);
  }
  uint32_t choice = RND(16);
  if (!parsed || choice < 4) {
    size = LLVMFuzzerMutate(data, size, max_size);
    if (size > HDR) fix_checksum(data + HDR, size - HDR);
    return size;
  }
  bool done = false;
  for (int tries = 0; tries < 4 && !done; tries++) {
    switch (RND(10)) {
      case 0: case 1: case 2: done = mutate_record(&m, &seed); break;
      case 3: case 4: done = mutate_name(&m, &seed); break;
      case 5: case 6: done = mutate_list(&m, &seed); break;
      case 7: done = mutate_cell_size(&m, &seed); break;
      case 8: done = mutate_header(&m, &seed); break;
      default: /* the control prefix: a fault position near the allocations a hive needs */
        /* half the time clear the fault (keep the target bits), else a random mode */
        data[0] = RND(2) ? (uint8_t)(data[0] & 0xF0u) : (uint8_t)RND(256);
        wr16(data + 1, (uint16_t)(RND(4) ? 1 + RND(64) : RND(65536)));
        data[3] = (uint8_t)RND(256);
        done = true;
        break;
    }
  }
  if (!done) size = LLVMFuzzerMutate(data, size, max_size); /* nothing structural applied */
  if (size > HDR && RND(16) != 0) fix_checksum(data + HDR, size - HDR); /* rarely stale (R-A03) */
  return size;
}
