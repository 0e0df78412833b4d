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

/* True when idx passes R-C01..R-C06 against the map (the bin walk proved every mapped cell lies
 * inside its bin, so a mapped, allocated start is safe to read). */
static inline bool cellmap_valid_ref(const hr_cellmap *m, uint32_t idx) {
  if (idx >= m->length || (idx & (REGF_CELL_ALIGN - 1)) || !cellmap_is_start(m, idx)) return false;
  int32_t size = (int32_t)le32(m->bins + idx);
  return size < 0 && (uint32_t)-size <= REGF_CELL_MAX;
}

/* The reporting half of cell_ref() (validate.h): names the R-C rule idx fails (R-C01 NIL,
 * R-C02 volatile or >= Length, R-C03 unaligned, R-C04 not a cell start, R-C05 free, R-C06 size,
 * R-C07 claimed twice) at file offset `at`, with the referencing field (`what`, e.g.
 * "value list (R-F01)") in the message.  Returns ERROR_NOT_REGISTRY_FILE. */
hr_status cell_ref_fail(struct hr_hv *v, hr_cell c, int mode, uint64_t at, const char *what);

/* The one place a cell index becomes a pointer: the record bytes of a cell that cell_ref()
 * (validate.h) or the bin walk already accepted, i.e. idx is the start of a cell whose whole
 * extent lies inside the bins data.  No checks repeated. */
static inline hr_span cell_record(const hr_cellmap *m, hr_cell c) {
  const uint8_t *p = m->bins + c.idx;
  int32_t size = (int32_t)le32(p);
  uint32_t abs_size = size < 0 ? (uint32_t)-size : (uint32_t)size;
  hr_span s = {p + CELL_HEADER_SIZE, (size_t)abs_size - CELL_HEADER_SIZE};
  return s;
}

#endif /* HIVEREF_CELL_H */
