/*
 * validate.h: the whole-hive check shared by hive_load and hive_check (regf-format.md §8;
 * DESIGN.md §2 "validate").
 *
 * hr_hv is the validation context: the file image, the parsed base block, the cell map, the sk
 * table, the findings sink and, for hive_load, the tree being built.  validate_hive() runs the
 * pipeline of §8.0 in Windows' order: base block (R-A), bin walk and cell map (R-B), root cell
 * (R-A12/R-A13), sk list (R-H), then one iterative depth-first key walk (R-C..R-G) with an
 * explicit stack of at most 512 keys (R-E16) and the once-only bitmap (R-C07).
 *
 * Severity: a rule marked S in the spec's "Engine" column is reported as HR_SEV_REJECT; warn and
 * IGN rules are reported as HR_SEV_WARN / HR_SEV_INFO and never reject (ref/RULES.md).
 */
#ifndef HIVEREF_VALIDATE_H
#define HIVEREF_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base_block.h"
#include "cell.h"
#include "mem.h"
#include "sk.h"
#include "status.h"
#include "tree.h"

typedef struct hr_hv {
  hr_mem *mem;
  hr_findings *f;
  bool stop;                   /* open: stop at the first rejection; check: go on where safe */
  const uint8_t *file;
  size_t file_size;
  hr_base base;
  hr_cellmap cells;
  hr_sktab sks;
  hr_tree *tree;               /* NULL: validate only */
  uint64_t keys, values, value_bytes;
  uint64_t *scratch;           /* reusable per-key buffer (duplicate value names, R-F16) */
  hr_sk_entry *last_sk;        /* one-entry cache for sk_find: siblings share descriptors */
  uint32_t scratch_cap;
} hr_hv;

/* Runs the whole catalogue; builds v->tree when it is non-NULL.  Returns ERROR_SUCCESS,
 * ERROR_NOT_REGISTRY_FILE (a rule rejected; the first one is in v->f->diag), ERROR_BADDB or
 * ERROR_NOT_ENOUGH_MEMORY.  The caller frees the context with validate_free(). */
hr_status validate_hive(hr_hv *v);
void validate_free(hr_hv *v);

/* Reports an S-rule failure (HR_SEV_REJECT) and returns ERROR_NOT_REGISTRY_FILE. */
hr_status hv_reject(hr_hv *v, const char *rule, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Reports a warn/info finding (never rejects).  Cheap when nobody listens (no callback). */
void hv_note(hr_hv *v, HRSeverity sev, const char *rule, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Resolves a referenced cell index to its record bytes (the usable part after the 4-byte size
 * header) after checking R-C01..R-C06 and, for CELL_TAKE, claiming it (R-C07).  The fast path
 * is inline; failures are reported by cell_ref_fail (cell.c).  ERROR_SUCCESS or
 * ERROR_NOT_REGISTRY_FILE. */
static inline hr_status cell_ref(hr_hv *v, hr_cell c, int mode, uint64_t at, const char *what,
                                 hr_span *rec) {
  hr_cellmap *m = &v->cells;
  if (!cellmap_valid_ref(m, c.idx) || (mode == CELL_TAKE && cellmap_is_seen(m, c.idx))) {
    rec->p = NULL;
    rec->len = 0;
    return cell_ref_fail(v, c, mode, at, what);
  }
  if (mode == CELL_TAKE) cellmap_mark_seen(m, c.idx);
  *rec = cell_record(m, c);
  return ERROR_SUCCESS;
}

#endif /* HIVEREF_VALIDATE_H */
