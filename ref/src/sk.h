/*
 * sk.h: security cells and the hive's sk list (regf-format.md §5.6, rules R-H01..R-H10).
 *
 * Like Windows' CmpValidateHiveSecurityDescriptors, the list is validated once, before the key
 * walk, starting at the root key's Security cell and following Flink until it returns to it.
 * The result is a table sorted by cell index, so the key walk resolves a key's Security field
 * by binary search (R-D20/R-H10) and counts references per sk (R-D21, R-H09).
 */
#ifndef HIVEREF_SK_H
#define HIVEREF_SK_H

#include <stdint.h>

#include "status.h"
#include "tree.h"

typedef struct hr_sk_entry {
  uint32_t cell;
  uint32_t stored_refs;        /* ReferenceCount field */
  uint32_t refs;               /* keys found referencing it */
  uint32_t desc_len;
  const uint8_t *desc;         /* into the file image */
  uint32_t leader;             /* index of the first entry with identical descriptor bytes */
  hr_sd *sd;                   /* load: created on the leader's first use */
} hr_sk_entry;

typedef struct hr_sktab {
  hr_sk_entry *e;
  uint32_t n, cap;
} hr_sktab;

struct hr_hv;

/* Walks and validates the sk list anchored at the root's Security cell (R-H01..R-H08) and fills
 * v->sks.  The sk cells are marked in the seen bitmap (no other record may claim them).  Returns
 * ERROR_SUCCESS, ERROR_NOT_REGISTRY_FILE or ERROR_NOT_ENOUGH_MEMORY. */
hr_status sk_list_load(struct hr_hv *v, uint32_t root_security, uint64_t at);

/* Groups entries with byte-identical descriptors (sets each entry's leader) by sorting, so the
 * loader creates one hr_sd per distinct descriptor without a quadratic search.  Uses one
 * temporary array.  ERROR_SUCCESS or ERROR_NOT_ENOUGH_MEMORY. */
hr_status sk_group_identical(struct hr_hv *v);

/* The table entry of an sk cell, or NULL if the cell is not in the validated list. */
hr_sk_entry *sk_find(const hr_sktab *t, uint32_t cell);

/* Reports R-H09 (stored ReferenceCount != counted references) for every entry. */
void sk_check_refcounts(struct hr_hv *v);

void sk_table_free(hr_mem *mem, hr_sktab *t);

#endif /* HIVEREF_SK_H */
