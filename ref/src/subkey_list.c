/*
 * subkey_list.c: subkey index validation and iteration (regf-format.md §5.2, §8.5; CmpCheckKey
 * and CmpCheckLeaf facts as cited there).
 */
#include "subkey_list.h"

#include <string.h>

#include "layout.h"
#include "validate.h"

static bool is_leaf_sig(uint16_t s) {
  return s == LI_SIGNATURE || s == LF_SIGNATURE || s == LH_SIGNATURE;
}
static uint32_t elem_size(uint16_t s) {
  return (s == LF_SIGNATURE || s == LH_SIGNATURE) ? LF_ELEMENT_SIZE : LI_ELEMENT_SIZE;
}

/* Header checks of one index record: R-E03 (fits), R-E04 (count != 0); the signature is
 * checked by the caller (R-E05 top, R-E08 under ri). */
static hr_status list_header(hr_hv *v, hr_span rec, uint64_t at, uint16_t *sig,
                             uint16_t *count) {
  if (rec.len < LIST_HEADER_SIZE)
    return hv_reject(v, "R-E03", at, "subkey index cell of %zu usable bytes", rec.len);
  *sig = le16(rec.p + LIST_OFF_SIGNATURE);
  *count = le16(rec.p + LIST_OFF_COUNT);
  return ERROR_SUCCESS;
}

static hr_status list_fits(hr_hv *v, hr_span rec, uint64_t at, uint16_t sig, uint16_t count) {
  if (count == 0) return hv_reject(v, "R-E04", at, "subkey index with count 0");
  if ((uint64_t)LIST_HEADER_SIZE + (uint64_t)count * elem_size(sig) > rec.len)
    return hv_reject(v, "R-E03", at, "subkey index of %u elements overruns its %zu-byte cell",
                     count, rec.len);
  return ERROR_SUCCESS;
}

hr_status sublist_open(hr_hv *v, const hr_nk *k, hr_sublist *it) {
  hr_span rec;
  uint64_t at_field = cell_file_off(k->cell) + 4 + NK_OFF_SUBKEY_LIST;
  hr_status st = cell_ref(v, cell_at(k->subkey_list), CELL_TAKE, at_field,
                          "subkey list (R-E01)", &rec);
  if (st != ERROR_SUCCESS) return st;
  uint64_t at = cell_file_off(cell_at(k->subkey_list));
  uint16_t sig = 0, count = 0;
  if ((st = list_header(v, rec, at, &sig, &count)) != ERROR_SUCCESS) return st;
  if (!is_leaf_sig(sig) && sig != RI_SIGNATURE)
    return hv_reject(v, "R-E05", at, "subkey index signature 0x%04X is not li/lf/lh/ri", sig);
  if ((st = list_fits(v, rec, at, sig, count)) != ERROR_SUCCESS) return st;
  memset(it, 0, sizeof *it);
  it->bins = v->cells.bins;
  it->top = rec.p;
  it->top_sig = sig;
  it->top_count = count;
  if (is_leaf_sig(sig)) {
    if (count != k->n_subkeys)
      return hv_reject(v, "R-E06", at, "leaf count %u != key's subkey count %u", count,
                       k->n_subkeys);
    it->leaf = rec.p;
    it->leaf_sig = sig;
    it->leaf_count = count;
    it->ri_i = 1; /* no ri level */
    return ERROR_SUCCESS;
  }
  /* ri: every element must be a valid leaf (never another ri), counts sum to the key's. */
  uint64_t total = 0;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t leaf_idx = le32(rec.p + LIST_OFF_ELEMENTS + 4 * (size_t)i);
    uint64_t at_elem = at + 4 + LIST_OFF_ELEMENTS + 4 * (uint64_t)i;
    hr_span leaf;
    /* Signature before the claim: an ri pointing at itself is a nested ri (R-E08). */
    if ((st = cell_ref(v, cell_at(leaf_idx), CELL_PEEK, at_elem, "ri element (R-E07)", &leaf)) !=
        ERROR_SUCCESS)
      return st;
    uint64_t at_leaf = cell_file_off(cell_at(leaf_idx));
    uint16_t lsig = 0, lcount = 0;
    if ((st = list_header(v, leaf, at_leaf, &lsig, &lcount)) != ERROR_SUCCESS) return st;
    if (!is_leaf_sig(lsig))
      return hv_reject(v, "R-E08", at_leaf, "ri element signature 0x%04X is not li/lf/lh%s",
                       lsig, lsig == RI_SIGNATURE ? " (nested ri)" : "");
    if ((st = cell_ref(v, cell_at(leaf_idx), CELL_TAKE, at_elem, "ri element (R-E07)", &leaf)) !=
        ERROR_SUCCESS)
      return st;
    if ((st = list_fits(v, leaf, at_leaf, lsig, lcount)) != ERROR_SUCCESS) return st;
    total += lcount;
  }
  if (total != k->n_subkeys)
    return hv_reject(v, "R-E09", at, "leaf counts under ri sum to %llu, key says %u",
                     (unsigned long long)total, k->n_subkeys);
  it->ri_i = 0;
  it->leaf_count = 0;
  it->leaf_i = 0;
  return ERROR_SUCCESS;
}

void sublist_next_leaf(const hr_hv *v, hr_sublist *it) {
  hr_cell lc = cell_at(le32(it->top + LIST_OFF_ELEMENTS + 4 * (size_t)it->ri_i++));
  hr_span leaf = cell_record(&v->cells, lc); /* validated by sublist_open */
  it->leaf = leaf.p;
  it->leaf_sig = le16(leaf.p + LIST_OFF_SIGNATURE);
  it->leaf_count = le16(leaf.p + LIST_OFF_COUNT);
  it->leaf_i = 0;
  it->leaf_cell = lc;
}

hr_status sublist_check_elem_slow(hr_hv *v, const hr_subelem *e, const hr_nk *c) {
  hr_rawname child = c->name;
  if (e->sig == LH_SIGNATURE) {
    /* The modern checker skips odd-length UTF-16 names (R-D04 already rejects them). */
    if (!child.comp && (child.len & 1)) return ERROR_SUCCESS;
    uint32_t stored = le32(e->elem + 4), want = c->name_hash;
    if (stored != want)
      return hv_reject(v, "R-E12", e->at + 4, "lh hash 0x%08X, name hashes to 0x%08X", stored,
                       want);
  } else if (e->sig == LF_SIGNATURE) {
    uint8_t want[4];
    rawname_hint(child, want);
    if (memcmp(e->elem + 4, want, 4) != 0)
      return hv_reject(v, "R-E13", e->at + 4, "lf hint %02X%02X%02X%02X, name gives "
                       "%02X%02X%02X%02X", e->elem[4], e->elem[5], e->elem[6], e->elem[7],
                       want[0], want[1], want[2], want[3]);
  }
  return ERROR_SUCCESS;
}
