/*
 * sk.c: the security list walk (regf-format.md §5.6, §8.8; CmpValidateHiveSecurityDescriptors
 * facts as cited there).  The walk is bounded: each step claims a new cell in the seen bitmap,
 * so a Flink cycle that skips the anchor is caught the first time it revisits a cell (R-H07),
 * after at most as many steps as there are allocated cells.
 */
#include "sk.h"

#include <stdlib.h>
#include <string.h>

#include "cell.h"
#include "layout.h"
#include "secdesc.h"
#include "validate.h"

static int entry_cmp(const void *a, const void *b) {
  uint32_t x = ((const hr_sk_entry *)a)->cell, y = ((const hr_sk_entry *)b)->cell;
  return x < y ? -1 : x > y;
}

hr_status sk_list_load(hr_hv *v, uint32_t root_security, uint64_t at) {
  hr_sktab *t = &v->sks;
  hr_cellmap *m = &v->cells;
  hr_status st;
  uint32_t anchor = root_security, cur = anchor, prev = REGF_CELL_NIL;
  for (;;) {
    hr_span rec;
    bool first = cur == anchor && prev == REGF_CELL_NIL;
    /* The anchor is the root key's own sk (R-H01); later entries come through Flink (R-H02). */
    if (!first && cur < m->length && cur % 8 == 0 && cellmap_is_seen(m, cur))
      return hv_reject(v, "R-H07", at, "sk list: Flink 0x%X revisits an sk without returning "
                       "to the anchor 0x%X", cur, anchor);
    st = cell_ref(v, cell_at(cur), CELL_TAKE, at, first ? "root key security (R-H01)" :
                  "sk Flink (R-H02)", &rec);
    if (st != ERROR_SUCCESS) return st;
    uint64_t off = cell_file_off(cell_at(cur));
    if (rec.len < SK_FIXED_SIZE)
      return hv_reject(v, "R-H03", off, "sk usable size %zu below 0x14", rec.len);
    if (le16(rec.p + SK_OFF_SIGNATURE) != SK_SIGNATURE)
      return hv_reject(v, "R-H08", off, "signature 0x%04X is not \"sk\"",
                       le16(rec.p + SK_OFF_SIGNATURE));
    uint32_t flink = le32(rec.p + SK_OFF_FLINK), blink = le32(rec.p + SK_OFF_BLINK);
    uint32_t dlen = le32(rec.p + SK_OFF_DESC_LEN);
    if ((uint64_t)SK_FIXED_SIZE + dlen > rec.len)
      return hv_reject(v, "R-H03", off, "descriptor length %u overruns the %zu-byte sk", dlen,
                       rec.len);
    const char *why;
    if (!secdesc_check(rec.p + SK_OFF_DESC, dlen, &why))
      return hv_reject(v, "R-H06", off + 4 + SK_OFF_DESC, "invalid security descriptor: %s",
                       why);
    if (!first && blink != prev)
      return hv_reject(v, "R-H04", off + 4 + SK_OFF_BLINK, "sk Blink 0x%X, previous entry is "
                       "0x%X", blink, prev);
    if (t->n == UINT32_MAX ||
        !mem_grow(v->mem, (void **)&t->e, &t->cap, t->n + 1, sizeof *t->e))
      return ERROR_NOT_ENOUGH_MEMORY;
    hr_sk_entry *e = &t->e[t->n++];
    e->cell = cur;
    e->stored_refs = le32(rec.p + SK_OFF_REFCOUNT);
    e->refs = 0;
    e->desc_len = dlen;
    e->desc = rec.p + SK_OFF_DESC;
    e->sd = NULL;
    e->leader = 0;
    prev = cur;
    at = off + 4 + SK_OFF_FLINK;
    if (flink == anchor) break;
    cur = flink;
  }
  /* R-H05: the anchor's Blink closes the ring at the last entry. */
  hr_span a = cell_record(m, cell_at(anchor));
  uint32_t ablink = le32(a.p + SK_OFF_BLINK);
  if (ablink != prev)
    return hv_reject(v, "R-H05", cell_file_off(cell_at(anchor)) + 4 + SK_OFF_BLINK,
                     "anchor sk Blink 0x%X, last entry is 0x%X", ablink, prev);
  qsort(t->e, t->n, sizeof *t->e, entry_cmp);
  return ERROR_SUCCESS;
}

typedef struct sd_key {
  const uint8_t *desc;
  uint32_t len, idx;
} sd_key;

static int sd_key_cmp(const void *a, const void *b) {
  const sd_key *x = a, *y = b;
  if (x->len != y->len) return x->len < y->len ? -1 : 1;
  int d = memcmp(x->desc, y->desc, x->len);
  if (d) return d;
  return x->idx < y->idx ? -1 : x->idx > y->idx; /* the lowest index leads its group */
}

hr_status sk_group_identical(hr_hv *v) {
  hr_sktab *t = &v->sks;
  if (t->n == 0) return ERROR_SUCCESS;
  sd_key *k = mem_alloc_array(v->mem, t->n, sizeof *k);
  if (!k) return ERROR_NOT_ENOUGH_MEMORY;
  for (uint32_t i = 0; i < t->n; i++) {
    k[i].desc = t->e[i].desc;
    k[i].len = t->e[i].desc_len;
    k[i].idx = i;
  }
  qsort(k, t->n, sizeof *k, sd_key_cmp);
  uint32_t lead = k[0].idx;
  for (uint32_t i = 0; i < t->n; i++) {
    if (i && (k[i].len != k[i - 1].len || memcmp(k[i].desc, k[i - 1].desc, k[i].len) != 0))
      lead = k[i].idx;
    t->e[k[i].idx].leader = lead;
  }
  mem_free(v->mem, k, (size_t)t->n * sizeof *k);
  return ERROR_SUCCESS;
}

hr_sk_entry *sk_find(const hr_sktab *t, uint32_t cell) {
  uint32_t lo = 0, hi = t->n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (t->e[mid].cell == cell) return &t->e[mid];
    if (t->e[mid].cell < cell) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

void sk_check_refcounts(hr_hv *v) {
  for (uint32_t i = 0; i < v->sks.n; i++) {
    const hr_sk_entry *e = &v->sks.e[i];
    if (e->refs != e->stored_refs)
      hv_note(v, HR_SEV_WARN, "R-H09", cell_file_off(cell_at(e->cell)) + 4 + SK_OFF_REFCOUNT,
              "sk reference count %u, %u keys reference it", e->stored_refs, e->refs);
  }
}

void sk_table_free(hr_mem *mem, hr_sktab *t) {
  if (t->e) mem_free(mem, t->e, (size_t)t->cap * sizeof *t->e);
  t->e = NULL;
  t->n = t->cap = 0;
}
