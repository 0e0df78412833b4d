/*
 * save_int.h: internals shared by the serializer's files (save.c: entry points, security table
 * and the two-pass driver; save_cells.c: bins, cells and the base block; save_emit.c: the tree
 * walk that places and writes nk/vk/data/lists).  Not a public contract: only save*.c include it.
 *
 * How a save works (regf-format.md §10; BEHAVIOUR.md "Save targets and format"):
 *  - Pass 1 ("plan", img == NULL) walks the subtree iteratively, checks that the tree can be
 *    written in the target format, assigns every distinct security descriptor a slot in
 *    first-use order with its exact reference count, and runs the cell allocator without
 *    writing, which gives the final hive length.
 *  - The output image is allocated once (base block + bins, zeroed).
 *  - Pass 2 ("write", img != NULL) repeats the very same walk and allocator, now writing every
 *    record in place.  Both passes share one code path, so the offsets they compute agree; pass 2
 *    re-checks the offsets pass 1 recorded (security cells, final length).
 * No per-cell allocation happens: the only allocations are the security tables, the walk stack
 * (512 frames), a growable array of child nk offsets (4 bytes per key on the current path), a
 * growable bit list (one bit per stored name: which names are compressed) and the image.
 */
#ifndef HIVEREF_SAVE_INT_H
#define HIVEREF_SAVE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "layout.h"
#include "mem.h"
#include "status.h"
#include "tree.h"

#define SAVE_UNSET UINT32_MAX
/* child_off entries: a cell index (always < REGF_MAX_LENGTH < 2^31) plus, in bit 31, whether
 * the child's name is stored compressed, so the child's visit does not test its name again. */
#define SAVE_CHILD_LATIN1 0x80000000u
#define SAVE_CHILD_OFF_MASK 0x7FFFFFFFu

/* One entry of the pointer-sorted lookup table: every descriptor of the tree's ring. */
typedef struct save_sd_ref {
  const hr_sd *sd;
  uint32_t group;              /* content group: equal bytes share a group (deduplication) */
} save_sd_ref;

/* One sk cell to write, in first-use order (slot 0 = the root's descriptor, the list anchor). */
typedef struct save_sk {
  const hr_sd *sd;             /* a representative of the content group */
  uint32_t refs;               /* saved keys referencing it (volatile keys excluded) */
  uint32_t off;                /* cell index assigned by pass 1 */
} save_sk;

/* One level of the iterative walk. */
typedef struct save_frame {
  const hr_key *key;
  uint32_t off;                /* this key's nk cell */
  bool latin1;                 /* its name is stored compressed (§10.6) */
  uint32_t child_base;         /* index in child_off of this key's first saved child */
  uint32_t n_saved;            /* saved (non-volatile) children */
  uint32_t next_saved;         /* saved children already descended into */
  uint32_t next_index;         /* position in key->subkeys of the next candidate child */
} save_frame;

typedef struct save_ctx {
  hr_mem *mem;
  HRDiagnostic *diag;
  uint32_t minor;
  const hr_key *top;
  bool layered;                /* pass 1 met a layered-key feature (nk layer byte, tombstone) */

  /* Image: NULL during pass 1.  bins = img + REGF_BLOCK_SIZE (cell index 0). */
  uint8_t *img;
  uint8_t *bins;
  size_t img_len;

  /* Cell allocator state, in cell-index space (relative to the first bin). */
  uint64_t bin_start, bin_end, cur;

  /* Security: ring entries sorted by pointer; groups -> slot; slots in first-use order. */
  save_sd_ref *sd_refs;
  uint32_t n_sd_refs;
  uint32_t *group_slot;        /* n_sd_refs entries (groups <= ring entries) */
  save_sk *sks;
  uint32_t n_sks;
  const save_sd_ref *sd_last;  /* save_sd_slot's last hit: siblings usually share a descriptor */
  const hr_sd *slot_sd;        /* the descriptor of save_sd_slot's last answer (NULL: none) */
  uint32_t slot_last;          /* ... and that answer (a slot never changes once assigned) */

  /* Walk. */
  save_frame *frames;          /* HR_MAX_DEPTH entries */
  uint32_t *child_off;
  uint32_t child_cap, child_top;

  /* One bit per stored name (every saved key below the root, every value), in the order the
   * walk meets them: pass 1 tests each name and appends the answer, pass 2 reads it back, so
   * no name is scanned twice (units_latin1 was 11% of ORSaveHive's instructions). */
  uint64_t *latin1_bits;
  uint32_t latin1_cap;         /* words */
  uint64_t latin1_n;           /* bits written (pass 1) */
  uint64_t latin1_next;        /* next bit to read (pass 2) */
} save_ctx;

/* ---- save_cells.c ---- */
/* cells_alloc's slow path: a cell of `size` bytes (header included, aligned) that does not fit
 * the current bin, or is over the 1 MiB limit. */
hr_status cells_alloc_bin(save_ctx *c, uint64_t size, uint32_t *off);
/* Reserves an allocated cell whose usable part holds `usable` bytes: 8-aligned, never spanning a
 * bin; a cell that does not fit the current bin opens a new bin sized round_up(0x20 + size,
 * 4 KiB) (§10.2-§10.3).  In pass 2 writes the negative size header.  *off = the cell index.
 * Inline: one call per record (350,000 on a 12 MB hive), and the common case is a bump. */
static inline hr_status cells_alloc(save_ctx *c, uint64_t usable, uint32_t *off) {
  uint64_t size = (usable + CELL_HEADER_SIZE + REGF_CELL_ALIGN - 1) &
                  ~(uint64_t)(REGF_CELL_ALIGN - 1); /* REGF_CELL_ALIGN is a power of 2 */
  if (size > REGF_CELL_MAX || c->cur + size > c->bin_end) return cells_alloc_bin(c, size, off);
  *off = (uint32_t)c->cur;
  if (c->img) put32(c->bins + c->cur, (uint32_t)-(int32_t)size);
  c->cur += size;
  return ERROR_SUCCESS;
}
/* Closes the last bin (its tail becomes one free cell).  *length = the hive bins data size. */
hr_status cells_finish(save_ctx *c, uint32_t *length);
/* Record pointer (cell index + 4) in the image; pass 2 only. */
static inline uint8_t *cells_rec(const save_ctx *c, uint32_t off) { return c->bins + off + 4; }
/* Fills the base block (§2.1, §10.1, offreg observation in offreg-api.md §1.19). */
void cells_base_block(save_ctx *c, uint32_t length, uint64_t serial_time);

/* ---- save_emit.c ---- */
/* One full pass over the subtree (see the top of this file).  Pass 1 also validates the tree
 * and fills the security slots; pass 2 writes. */
hr_status emit_pass(save_ctx *c);

/* ---- save.c ---- */
/* The slot of key's descriptor (pass 1 assigns slots on first use and counts references). */
hr_status save_sd_slot(save_ctx *c, const hr_key *key, uint32_t *slot);
/* save_sd_slot with its last answer inline: consecutive keys mostly share one descriptor, and
 * the call was 4% of ORSaveHive's instructions. */
static inline hr_status save_sd_slot_fast(save_ctx *c, const hr_key *key, uint32_t *slot) {
  if (key->sd && key->sd == c->slot_sd && (c->img || c->sks[c->slot_last].refs < UINT32_MAX)) {
    if (!c->img) c->sks[c->slot_last].refs++;
    *slot = c->slot_last;
    return ERROR_SUCCESS;
  }
  return save_sd_slot(c, key, slot);
}

#endif /* HIVEREF_SAVE_INT_H */
