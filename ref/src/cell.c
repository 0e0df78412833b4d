/*
 * cell.c: cell map and the single offset -> pointer conversion (regf-format.md §4, §8.3).
 */
#include "cell.h"

#include "validate.h"

hr_status cellmap_init(hr_cellmap *m, hr_mem *mem, const uint8_t *bins, uint32_t length) {
  m->mem = mem;
  m->bins = bins;
  m->length = length;
  m->n_alloc = m->n_free = 0;
  /* One bit per 8-byte slot; +1 word so an empty map still owns a block. */
  m->words = ((size_t)length / REGF_CELL_ALIGN + 63) / 64 + 1;
  m->start = mem_zalloc_array(mem, m->words, sizeof *m->start);
  m->seen = m->start ? mem_zalloc_array(mem, m->words, sizeof *m->seen) : NULL;
  if (!m->seen) {
    cellmap_free(m);
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  return ERROR_SUCCESS;
}

void cellmap_free(hr_cellmap *m) {
  if (m->start) mem_free(m->mem, m->start, m->words * sizeof *m->start);
  if (m->seen) mem_free(m->mem, m->seen, m->words * sizeof *m->seen);
  m->start = m->seen = NULL;
}

hr_status cell_ref_fail(hr_hv *v, hr_cell c, int mode, uint64_t at, const char *what) {
  hr_cellmap *m = &v->cells;
  uint32_t idx = c.idx;
  if (idx == REGF_CELL_NIL)
    return hv_reject(v, "R-C01", at, "%s: NIL where a cell is required", what);
  if (idx & REGF_CELL_VOLATILE_BIT)
    return hv_reject(v, "R-C02", at, "%s: cell 0x%X is a volatile index", what, idx);
  if (idx >= m->length)
    return hv_reject(v, "R-C02", at, "%s: cell 0x%X beyond hive bins data size 0x%X", what, idx,
                     m->length);
  if (idx % REGF_CELL_ALIGN)
    return hv_reject(v, "R-C03", at, "%s: cell 0x%X not 8-byte aligned", what, idx);
  if (!cellmap_is_start(m, idx))
    return hv_reject(v, "R-C04", at, "%s: 0x%X is not the start of a cell", what, idx);
  int32_t size = (int32_t)le32(m->bins + idx);
  if (size >= 0)
    return hv_reject(v, "R-C05", at, "%s: cell 0x%X is not allocated (a free cell of size %d)", what, idx, size);
  uint32_t abs_size = (uint32_t)-size; /* size != INT_MIN: the bin walk rejected it (R-B09) */
  if (abs_size > REGF_CELL_MAX)
    return hv_reject(v, "R-C06", at, "%s: cell 0x%X of %u bytes is above 1 MiB", what, idx,
                     abs_size);
  if (mode == CELL_TAKE && cellmap_is_seen(m, idx))
    return hv_reject(v, "R-C07", at, "%s: cell 0x%X is already referenced elsewhere", what,
                     idx);
  return hv_reject(v, "R-C04", at, "%s: cell 0x%X rejected", what, idx); /* not reached */
}
