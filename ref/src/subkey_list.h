/*
 * subkey_list.h: subkey indexes li / lf / lh / ri (regf-format.md §5.2; rules R-E01..R-E13 of
 * §8.5).  A key's list is one leaf, or one ri over leaves (never ri -> ri: R-E08), so the
 * iterator below is a fixed two-level loop; nothing recurses.
 */
#ifndef HIVEREF_SUBKEY_LIST_H
#define HIVEREF_SUBKEY_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include "bytes.h"
#include "cell.h"
#include "layout.h"
#include "nk.h"
#include "status.h"

typedef struct hr_sublist {
  const uint8_t *top;          /* top record (leaf or ri) */
  uint16_t top_sig, top_count;
  uint32_t ri_i;               /* next ri element */
  const uint8_t *leaf;         /* current leaf record */
  uint16_t leaf_sig, leaf_count;
  uint32_t leaf_i;             /* next element in the leaf */
  hr_cell leaf_cell;
  const uint8_t *bins;         /* the cell map's bins (element file offsets) */
} hr_sublist;

/* One leaf element. */
typedef struct hr_subelem {
  hr_cell child;
  uint16_t sig;                /* leaf signature: LI/LF/LH */
  const uint8_t *elem;         /* element bytes (4 or 8) */
  uint64_t at;                 /* file offset of the element */
} hr_subelem;

struct hr_hv;

/* Claims and checks the subkey index of key k (k->n_subkeys > 0): R-E01 (list cell valid, via the
 * R-C rules), R-E03, R-E04, R-E05, R-E06 (leaf count == SubKeyCounts), R-E07 and R-E08 (ri
 * elements are valid leaves), R-E09 (sum of leaf counts).  Fills it for sublist_next. */
hr_status sublist_open(struct hr_hv *v, const hr_nk *k, hr_sublist *it);

/* Moves the iterator to the next leaf of its ri (sublist_next). */
void sublist_next_leaf(const struct hr_hv *v, hr_sublist *it);

/* Next element, or false at the end (bounded by the counts sublist_open validated).  Inline:
 * one call per subkey of the hive. */
static inline bool sublist_next(const struct hr_hv *v, hr_sublist *it, hr_subelem *e) {
  while (it->leaf_i >= it->leaf_count) {
    if (it->top_sig != RI_SIGNATURE || it->ri_i >= it->top_count) return false;
    sublist_next_leaf(v, it);
  }
  uint32_t esize = (it->leaf_sig == LF_SIGNATURE || it->leaf_sig == LH_SIGNATURE)
                       ? LF_ELEMENT_SIZE : LI_ELEMENT_SIZE;
  const uint8_t *el = it->leaf + LIST_OFF_ELEMENTS + (size_t)it->leaf_i * esize;
  e->child = cell_at(le32(el));
  e->sig = it->leaf_sig;
  e->elem = el;
  e->at = (uint64_t)(el - it->bins) + REGF_BLOCK_SIZE;
  it->leaf_i++;
  return true;
}

/* R-E12 (lh hash) and R-E13 (lf hint) of an element against its child's name (the child passed
 * nk_parse, which computed its name_hash).  The matching lh hash is settled inline; every
 * other case goes to sublist_check_elem_slow, which decides all of them. */
hr_status sublist_check_elem_slow(struct hr_hv *v, const hr_subelem *e, const hr_nk *child);
static inline hr_status sublist_check_elem(struct hr_hv *v, const hr_subelem *e,
                                           const hr_nk *child) {
  if (e->sig == LH_SIGNATURE && le32(e->elem + 4) == child->name_hash) return ERROR_SUCCESS;
  return sublist_check_elem_slow(v, e, child);
}

#endif /* HIVEREF_SUBKEY_LIST_H */
