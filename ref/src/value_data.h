/*
 * value_data.h: where a value's bytes live (regf-format.md §5.4, §5.5; rules R-F12..R-F14 and
 * R-G01..R-G08 of §8.6-§8.7): inline in the vk (<= 4 bytes), in one data cell, or in big-data
 * segments (db -> segment list -> segments of 16344 bytes, format >= 1.4).
 */
#ifndef HIVEREF_VALUE_DATA_H
#define HIVEREF_VALUE_DATA_H

#include <stdint.h>

#include "status.h"
#include "vk.h"

enum hr_vdata_kind { VDATA_NONE, VDATA_INLINE, VDATA_CELL, VDATA_BIG };

typedef struct hr_vdata {
  enum hr_vdata_kind kind;
  uint32_t size;               /* data bytes */
  const uint8_t *p;            /* inline bytes or the data cell's record */
  const uint8_t *segs;         /* big: the segment list record (nseg u32 cell indexes) */
  uint32_t nseg;
} hr_vdata;

struct hr_hv;

/* Resolves and claims (R-C07) the data cells of a parsed vk.  ERROR_SUCCESS or
 * ERROR_NOT_REGISTRY_FILE. */
hr_status value_data_resolve(struct hr_hv *v, const hr_vk *vk, hr_vdata *out);

/* Copies the resolved data (out has d->size bytes); big data is reassembled in order. */
void value_data_copy(const struct hr_hv *v, const hr_vdata *d, uint8_t *out);

/* When the tree being built owns the image (v->tree->image, the same bytes as v->file) and the
 * data is contiguous in it (inline or one data cell), the data's address inside the tree's
 * image, for the value to borrow (tree.h "File bytes"); otherwise NULL (copy it). */
uint8_t *value_data_borrow(const struct hr_hv *v, const hr_vdata *d);

#endif /* HIVEREF_VALUE_DATA_H */
