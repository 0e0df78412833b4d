/*
 * hivebuild.c: the test-only hive writer (see hivebuild.h).  Test-side memory uses libc.
 * Layout facts from ../shared/spec/regf-format.md §2-§5 (via layout.h).
 */
#include "hivebuild.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "layout.h"
#include "load.h"
#include "tree.h"
#include "upcase.h"

const uint8_t hb_default_sd[64] = {
    /* header: rev 1, control SE_SELF_RELATIVE | SE_DACL_PRESENT, owner @20, no group/SACL,
     * DACL @36 */
    1, 0, 0x04, 0x80, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 36, 0, 0, 0,
    /* owner S-1-5-32-544 */
    1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0,
    /* ACL rev 2, size 28, 1 ACE */
    2, 0, 28, 0, 1, 0, 0, 0,
    /* ACCESS_ALLOWED_ACE, size 20, mask KEY_READ, SID S-1-1-0 */
    0, 0, 20, 0, 0x19, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};

static void ensure(hb *b, size_t need) {
  if (need <= b->cap) return;
  size_t cap = b->cap ? b->cap : 0x4000;
  while (cap < need) cap *= 2;
  uint8_t *d = realloc(b->d, cap);
  if (!d) abort();
  memset(d + b->cap, 0, cap - b->cap);
  b->d = d;
  b->cap = cap;
}

static uint8_t *bins(hb *b) { return b->d + REGF_BLOCK_SIZE; }

static void open_bin(hb *b, uint32_t size) {
  b->bin_start += b->bin_size;
  b->bin_size = size;
  ensure(b, REGF_BLOCK_SIZE + (size_t)b->bin_start + size);
  uint8_t *h = bins(b) + b->bin_start;
  memset(h, 0, size);
  put32(h + HBIN_OFF_SIGNATURE, HBIN_SIGNATURE);
  put32(h + HBIN_OFF_FILE_OFFSET, b->bin_start);
  put32(h + HBIN_OFF_SIZE, size);
  b->pos = b->bin_start + HBIN_HEADER_SIZE;
}

void hb_close_bin(hb *b) {
  uint32_t end = b->bin_start + b->bin_size;
  if (b->pos < end) put32(bins(b) + b->pos, end - b->pos); /* one free cell */
  b->pos = end;
}

uint32_t hb_cell(hb *b, uint32_t usable) {
  uint32_t size = (usable + CELL_HEADER_SIZE + 7) & ~7u;
  if (size < 8) size = 8;
  if (b->pos + size > b->bin_start + b->bin_size) {
    hb_close_bin(b);
    uint32_t bin = (size + HBIN_HEADER_SIZE + REGF_BLOCK_SIZE - 1) & ~(REGF_BLOCK_SIZE - 1);
    open_bin(b, bin);
  }
  uint32_t cell = b->pos;
  memset(bins(b) + cell, 0, size);
  put32(bins(b) + cell, (uint32_t)-(int32_t)size);
  b->pos += size;
  return cell;
}

uint8_t *hb_p(hb *b, uint32_t cell) { return bins(b) + cell + CELL_HEADER_SIZE; }
uint8_t *hb_file(hb *b) { return b->d; }

uint32_t hb_sk(hb *b, const uint8_t *sd, uint32_t len) {
  uint32_t c = hb_cell(b, SK_FIXED_SIZE + len);
  uint8_t *r = hb_p(b, c);
  put16(r + SK_OFF_SIGNATURE, SK_SIGNATURE);
  put32(r + SK_OFF_FLINK, c);
  put32(r + SK_OFF_BLINK, c);
  put32(r + SK_OFF_DESC_LEN, len);
  memcpy(r + SK_OFF_DESC, sd, len);
  if (b->n_sks < 64) b->sks[b->n_sks++] = c;
  return c;
}

static uint32_t nk_common(hb *b, const uint8_t *name, uint32_t name_bytes, int comp,
                          uint32_t parent) {
  uint32_t c = hb_cell(b, NK_FIXED_SIZE + name_bytes);
  uint8_t *r = hb_p(b, c);
  put16(r + NK_OFF_SIGNATURE, NK_SIGNATURE);
  put16(r + NK_OFF_FLAGS, comp ? KEY_COMP_NAME : 0);
  put64(r + NK_OFF_LAST_WRITE, 0x01D0000000000000ull);
  put32(r + NK_OFF_PARENT, parent);
  put32(r + NK_OFF_SUBKEY_LIST, REGF_CELL_NIL);
  put32(r + NK_OFF_VSUBKEY_LIST, REGF_CELL_NIL);
  put32(r + NK_OFF_VALUE_LIST, REGF_CELL_NIL);
  put32(r + NK_OFF_SECURITY, b->sk);
  put32(r + NK_OFF_CLASS, REGF_CELL_NIL);
  put16(r + NK_OFF_NAME_LEN, (uint16_t)name_bytes);
  memcpy(r + NK_OFF_NAME, name, name_bytes);
  if (b->sk != REGF_CELL_NIL) {
    uint8_t *s = hb_p(b, b->sk);
    put32(s + SK_OFF_REFCOUNT, le32(s + SK_OFF_REFCOUNT) + 1);
  }
  return c;
}

uint32_t hb_nk(hb *b, const char *name, uint32_t parent) {
  return nk_common(b, (const uint8_t *)name, (uint32_t)strlen(name), 1, parent);
}

uint32_t hb_nk_utf16(hb *b, const uint16_t *name, uint32_t units, uint32_t parent) {
  uint8_t buf[1024];
  for (uint32_t i = 0; i < units && i < 512; i++) put16(buf + 2 * i, name[i]);
  return nk_common(b, buf, units * 2, 0, parent);
}

void hb_init(hb *b, uint32_t minor, const char *root_name) {
  memset(b, 0, sizeof *b);
  b->minor = minor;
  b->sk = REGF_CELL_NIL;
  ensure(b, REGF_BLOCK_SIZE);
  b->bin_start = 0;
  b->bin_size = 0;
  open_bin(b, REGF_BLOCK_SIZE);
  /* Root first (cell 0x20, as Windows lays it out), then its sk. */
  b->root = hb_nk(b, root_name, REGF_CELL_NIL);
  b->sk = hb_sk(b, hb_default_sd, sizeof hb_default_sd);
  uint8_t *r = hb_p(b, b->root);
  put16(r + NK_OFF_FLAGS, KEY_ROOT_FLAGS);
  put32(r + NK_OFF_SECURITY, b->sk);
  put32(hb_p(b, b->sk) + SK_OFF_REFCOUNT, 1);
}

void hb_free(hb *b) {
  free(b->d);
  memset(b, 0, sizeof *b);
}

uint32_t hb_vk(hb *b, const char *name, uint32_t type, const void *data, uint32_t len) {
  uint32_t nl = (uint32_t)strlen(name);
  uint32_t c = hb_cell(b, VK_FIXED_SIZE + nl);
  uint32_t raw = len, dcell = REGF_CELL_NIL;
  uint8_t inl[4] = {0};
  if (len <= VK_INLINE_MAX) {
    raw = len | VK_DATA_INLINE_BIT;
    memcpy(inl, data, len);
  } else if (len > DB_SEGMENT_SIZE && b->minor >= REGF_MINOR_BIGDATA) {
    uint32_t nseg = (len + DB_SEGMENT_SIZE - 1) / DB_SEGMENT_SIZE;
    dcell = hb_cell(b, DB_FIXED_SIZE + 4);
    uint32_t list = hb_cell(b, 4 * nseg);
    put16(hb_p(b, dcell) + DB_OFF_SIGNATURE, DB_SIGNATURE);
    put16(hb_p(b, dcell) + DB_OFF_COUNT, (uint16_t)nseg);
    put32(hb_p(b, dcell) + DB_OFF_LIST, list);
    for (uint32_t i = 0; i < nseg; i++) {
      uint32_t seg = hb_cell(b, DB_SEGMENT_SIZE);
      uint32_t n = len - i * DB_SEGMENT_SIZE;
      if (n > DB_SEGMENT_SIZE) n = DB_SEGMENT_SIZE;
      memcpy(hb_p(b, seg), (const uint8_t *)data + (size_t)i * DB_SEGMENT_SIZE, n);
      put32(hb_p(b, list) + 4 * i, seg);
    }
  } else {
    dcell = hb_cell(b, len);
    memcpy(hb_p(b, dcell), data, len);
  }
  uint8_t *r = hb_p(b, c);
  put16(r + VK_OFF_SIGNATURE, VK_SIGNATURE);
  put16(r + VK_OFF_NAME_LEN, (uint16_t)nl);
  put32(r + VK_OFF_DATA_LEN, raw);
  if (raw & VK_DATA_INLINE_BIT) memcpy(r + VK_OFF_DATA, inl, 4);
  else put32(r + VK_OFF_DATA, dcell);
  put32(r + VK_OFF_TYPE, type);
  put16(r + VK_OFF_FLAGS, VK_FLAG_COMP_NAME);
  memcpy(r + VK_OFF_NAME, name, nl);
  return c;
}

uint32_t hb_set_values(hb *b, uint32_t nk, const uint32_t *vks, uint32_t n) {
  uint32_t list = hb_cell(b, 4 * (n ? n : 1));
  uint32_t max_name = 0, max_data = 0;
  for (uint32_t i = 0; i < n; i++) {
    put32(hb_p(b, list) + 4 * i, vks[i]);
    const uint8_t *v = hb_p(b, vks[i]);
    uint32_t nl = le16(v + VK_OFF_NAME_LEN) * ((le16(v + VK_OFF_FLAGS) & 1) ? 2u : 1u);
    uint32_t dl = le32(v + VK_OFF_DATA_LEN) & ~VK_DATA_INLINE_BIT;
    if (nl > max_name) max_name = nl;
    if (dl > max_data) max_data = dl;
  }
  uint8_t *r = hb_p(b, nk);
  put32(r + NK_OFF_VALUE_COUNT, n);
  put32(r + NK_OFF_VALUE_LIST, list);
  put32(r + NK_OFF_MAX_VALUE_NAME, max_name);
  put32(r + NK_OFF_MAX_VALUE_DATA, max_data);
  return list;
}

/* Name of an nk as UTF-16 units (test-side). */
static uint32_t nk_units(hb *b, uint32_t nk, uint16_t *out) {
  const uint8_t *r = hb_p(b, nk);
  uint32_t len = le16(r + NK_OFF_NAME_LEN);
  int comp = (le16(r + NK_OFF_FLAGS) & KEY_COMP_NAME) != 0;
  uint32_t units = comp ? len : len / 2;
  if (units > 512) units = 512; /* longer names are invalid anyway (R-D03/R-D04) */
  for (uint32_t i = 0; i < units; i++)
    out[i] = comp ? r[NK_OFF_NAME + i] : le16(r + NK_OFF_NAME + 2 * i);
  return units;
}

static void write_leaf_elems(hb *b, uint32_t leaf, uint16_t sig, const uint32_t *children,
                             uint32_t n, uint32_t *max_name) {
  uint32_t esz = sig == LI_SIGNATURE ? 4 : 8;
  put16(hb_p(b, leaf) + LIST_OFF_SIGNATURE, sig);
  put16(hb_p(b, leaf) + LIST_OFF_COUNT, (uint16_t)n);
  for (uint32_t i = 0; i < n; i++) {
    uint16_t name[512];
    uint32_t units = nk_units(b, children[i], name);
    uint8_t *el = hb_p(b, leaf) + LIST_OFF_ELEMENTS + esz * i;
    put32(el, children[i]);
    if (sig == LH_SIGNATURE) {
      uint32_t h = 0;
      for (uint32_t k = 0; k < units; k++) h = 37u * h + upcase_unit(name[k]);
      put32(el + 4, h);
    } else if (sig == LF_SIGNATURE) {
      uint8_t hint[4] = {0};
      uint32_t k = units < 4 ? units : 4;
      while (k-- > 0) {
        if (name[k] > 0xFF) break;
        hint[k] = (uint8_t)name[k];
      }
      memcpy(el + 4, hint, 4);
    }
    if (2 * units > *max_name) *max_name = 2 * units;
  }
}

static void set_subkey_fields(hb *b, uint32_t nk, uint32_t n, uint32_t list, uint32_t max_name) {
  uint8_t *r = hb_p(b, nk);
  put32(r + NK_OFF_SUBKEY_COUNT, n);
  put32(r + NK_OFF_SUBKEY_LIST, list);
  put32(r + NK_OFF_MAX_NAME_LEN, (le32(r + NK_OFF_MAX_NAME_LEN) & ~0xFFFFu) | max_name);
}

uint32_t hb_set_subkeys(hb *b, uint32_t nk, const uint32_t *children, uint32_t n, uint16_t sig) {
  uint32_t esz = sig == LI_SIGNATURE ? 4 : 8, max_name = 0;
  uint32_t leaf = hb_cell(b, LIST_HEADER_SIZE + esz * (n ? n : 1));
  write_leaf_elems(b, leaf, sig, children, n, &max_name);
  set_subkey_fields(b, nk, n, leaf, max_name);
  return leaf;
}

uint32_t hb_set_subkeys_ri(hb *b, uint32_t nk, const uint32_t *children, uint32_t n,
                           uint16_t sig, uint32_t per_leaf) {
  uint32_t esz = sig == LI_SIGNATURE ? 4 : 8, max_name = 0;
  uint32_t nleaves = (n + per_leaf - 1) / per_leaf;
  uint32_t ri = hb_cell(b, LIST_HEADER_SIZE + 4 * nleaves);
  put16(hb_p(b, ri) + LIST_OFF_SIGNATURE, RI_SIGNATURE);
  put16(hb_p(b, ri) + LIST_OFF_COUNT, (uint16_t)nleaves);
  for (uint32_t l = 0; l < nleaves; l++) {
    uint32_t cnt = n - l * per_leaf < per_leaf ? n - l * per_leaf : per_leaf;
    uint32_t leaf = hb_cell(b, LIST_HEADER_SIZE + esz * cnt);
    write_leaf_elems(b, leaf, sig, children + l * per_leaf, cnt, &max_name);
    put32(hb_p(b, ri) + LIST_OFF_ELEMENTS + 4 * l, leaf);
  }
  set_subkey_fields(b, nk, n, ri, max_name);
  return ri;
}

uint32_t hb_set_class(hb *b, uint32_t nk, const void *data, uint16_t len) {
  uint32_t c = hb_cell(b, len);
  memcpy(hb_p(b, c), data, len);
  put32(hb_p(b, nk) + NK_OFF_CLASS, c);
  put16(hb_p(b, nk) + NK_OFF_CLASS_LEN, len);
  return c;
}

void hb_fix_checksum(hb *b) {
  uint32_t sum = 0;
  for (unsigned i = 0; i < REGF_CHECKSUM_DWORDS; i++) sum ^= le32(b->d + 4 * i);
  if (sum == 0xFFFFFFFFu) sum = 0xFFFFFFFEu;
  if (sum == 0) sum = 1;
  put32(b->d + REGF_OFF_CHECKSUM, sum);
}

uint8_t *hb_finish(hb *b, size_t *size) {
  hb_close_bin(b);
  uint32_t length = b->bin_start + b->bin_size;
  if (!b->no_sk_ring && b->n_sks) {
    for (uint32_t i = 0; i < b->n_sks; i++) {
      uint8_t *s = hb_p(b, b->sks[i]);
      put32(s + SK_OFF_FLINK, b->sks[(i + 1) % b->n_sks]);
      put32(s + SK_OFF_BLINK, b->sks[(i + b->n_sks - 1) % b->n_sks]);
    }
  }
  uint8_t *h = b->d;
  memset(h, 0, REGF_BLOCK_SIZE);
  put32(h + REGF_OFF_SIGNATURE, REGF_SIGNATURE);
  put32(h + REGF_OFF_SEQ1, 1);
  put32(h + REGF_OFF_SEQ2, 1);
  put32(h + REGF_OFF_MAJOR, REGF_MAJOR);
  put32(h + REGF_OFF_MINOR, b->minor);
  put32(h + REGF_OFF_TYPE, REGF_TYPE_PRIMARY);
  put32(h + REGF_OFF_FORMAT, REGF_FORMAT_MEMORY);
  put32(h + REGF_OFF_ROOT_CELL, b->root);
  put32(h + REGF_OFF_LENGTH, length);
  put32(h + REGF_OFF_CLUSTER, 1);
  if (b->minor >= REGF_MINOR_LAYERED) put32(h + REGF_OFF_FLAGS, REGF_FLAG_LAYERED);
  hb_fix_checksum(b);
  *size = REGF_BLOCK_SIZE + (size_t)length;
  return b->d;
}

DWORD hb_load(const uint8_t *d, size_t n, HRDiagnostic *diag, uint64_t *keys, uint64_t *values) {
  hr_mem m;
  mem_init(&m, NULL, n);
  hr_tree t;
  memset(&t, 0, sizeof t);
  t.mem = &m;
  HRDiagnostic local;
  if (!diag) diag = &local;
  diag_clear(diag);
  hr_findings f;
  memset(&f, 0, sizeof f);
  f.diag = diag;
  f.stop_on_reject = 1;
  hr_status st = hive_load(&t, d, n, &f, NULL);
  if (st == ERROR_SUCCESS) {
    uint64_t nk = 0, nv = 0;
    tree_count(t.root, &nk, &nv);
    if (keys) *keys = nk;
    if (values) *values = nv;
    tree_free(&t);
  }
  return st;
}

DWORD hb_check(const uint8_t *d, size_t n, HRDiagnostic *diag, HRCheckSummary *summary) {
  hr_mem m;
  mem_init(&m, NULL, n);
  HRDiagnostic local;
  if (!diag) diag = &local;
  diag_clear(diag);
  hr_findings f;
  memset(&f, 0, sizeof f);
  f.diag = diag;
  return hive_check(&m, d, n, &f, summary);
}

typedef struct has_ctx {
  const char *rule;
  int found;
} has_ctx;

static void has_cb(void *ctx, const HRFinding *fi) {
  has_ctx *c = ctx;
  if (strcmp(fi->rule, c->rule) == 0) c->found = 1;
}

int hb_check_has(const uint8_t *d, size_t n, const char *rule) {
  hr_mem m;
  mem_init(&m, NULL, n);
  HRDiagnostic diag;
  diag_clear(&diag);
  has_ctx c = {rule, 0};
  hr_findings f;
  memset(&f, 0, sizeof f);
  f.diag = &diag;
  f.cb = has_cb;
  f.ctx = &c;
  hive_check(&m, d, n, &f, NULL);
  return c.found;
}
