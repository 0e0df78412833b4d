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
 * (512 frames), a growable array of child nk offsets (4 bytes per key on the current path) and
 * the image.
 */
#ifndef HIVEREF_SAVE_INT_H
#define HIVEREF_SAVE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "status.h"
#include "tree.h"

#define SAVE_UNSET UINT32_MAX

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

  /* Walk. */
  save_frame *frames;          /* HR_MAX_DEPTH entries */
  uint32_t *child_off;
  uint32_t child_cap, child_top;
} save_ctx;

/* ---- save_cells.c ---- */
/* Reserves an allocated cell whose usable part holds `usable` bytes: 8-aligned, never spanning a
 * bin; a cell that does not fit the current bin opens a new bin sized round_up(0x20 + size,
 * 4 KiB) (§10.2-§10.3).  In pass 2 writes the negative size header.  *off = the cell index. */
hr_status cells_alloc(save_ctx *c, uint64_t usable, uint32_t *off);
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

#endif /* HIVEREF_SAVE_INT_H */
