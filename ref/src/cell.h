/*
 * cell.h: the map of valid cell starts and cell access by index (regf-format.md §4, §8.3
 * R-C01..R-C07; STYLE.md item 4).
 *
 * A cell index (hr_cell) is an offset relative to the start of the hive bins data (file offset
 * 0x1000 + index).  It has its own struct type so that it cannot be mixed up with a length or a
 * file offset, and it becomes a pointer in exactly one place, cell_ref() in cell.c.
 * The map holds two bitmaps with one bit per 8-byte slot of the bins data (Length/64 bytes
 * each, spec §9): `start` (a cell, allocated or free, begins here; filled by the bin walk in
 * hbin.c) and `seen` (the cell has been referenced once, R-C07).  No hash maps, no per-cell
 * allocation.
 */
#ifndef HIVEREF_CELL_H
#define HIVEREF_CELL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "layout.h"
#include "mem.h"
#include "status.h"

typedef struct hr_cell {
  uint32_t idx;
} hr_cell;

static inline hr_cell cell_at(uint32_t idx) {
  hr_cell c = {idx};
  return c;
}
static inline bool cell_is_nil(hr_cell c) { return c.idx == REGF_CELL_NIL; }
/* Absolute file offset of a cell (the unit every diagnostic uses). */
static inline uint64_t cell_file_off(hr_cell c) { return (uint64_t)REGF_BLOCK_SIZE + c.idx; }

typedef struct hr_cellmap {
  hr_mem *mem;
  const uint8_t *bins;   /* file + 0x1000 */
  uint32_t length;       /* validated hive bins data size (base block Length) */
  uint64_t *start;
  uint64_t *seen;
  size_t words;          /* uint64 words per bitmap */
  uint64_t n_alloc;      /* allocated cells found by the bin walk */
  uint64_t n_free;
} hr_cellmap;

/* Allocates both bitmaps (zeroed).  ERROR_NOT_ENOUGH_MEMORY or ERROR_SUCCESS. */
hr_status cellmap_init(hr_cellmap *m, hr_mem *mem, const uint8_t *bins, uint32_t length);
void cellmap_free(hr_cellmap *m);

static inline void cellmap_mark_start(hr_cellmap *m, uint32_t idx) {
  m->start[idx >> 9] |= (uint64_t)1 << ((idx >> 3) & 63);
}
static inline bool cellmap_is_start(const hr_cellmap *m, uint32_t idx) {
  return (m->start[idx >> 9] >> ((idx >> 3) & 63)) & 1;
}
static inline bool cellmap_is_seen(const hr_cellmap *m, uint32_t idx) {
  return (m->seen[idx >> 9] >> ((idx >> 3) & 63)) & 1;
}
static inline void cellmap_mark_seen(hr_cellmap *m, uint32_t idx) {
  m->seen[idx >> 9] |= (uint64_t)1 << ((idx >> 3) & 63);
}

struct hr_hv;

/* How a reference is used: CELL_PEEK only resolves it, CELL_TAKE also claims it for R-C07
 * (a second claim of the same cell is rejected). */
enum { CELL_PEEK = 0, CELL_TAKE = 1 };

/* Resolves a referenced cell index to its record bytes (the usable part after the 4-byte size
 * header) after checking R-C01 (not NIL), R-C02 (stable, < Length), R-C03 (8-aligned),
 * R-C04 (a cell start in the map), R-C05 (allocated), R-C06 (8 <= |size| <= 1 MiB) and, for
 * CELL_TAKE, R-C07.  A failure is reported with the R-C rule id, at file offset `at` (the
 * referencing field), and the message names the field (`what`, e.g. "value list (R-F01)").
 * Returns ERROR_SUCCESS or ERROR_NOT_REGISTRY_FILE. */
hr_status cell_ref(struct hr_hv *v, hr_cell c, int mode, uint64_t at, const char *what,
                   hr_span *rec);

/* Record bytes of a cell that cell_ref() already accepted (no checks repeated). */
hr_span cell_record(const hr_cellmap *m, hr_cell c);

#endif /* HIVEREF_CELL_H */
