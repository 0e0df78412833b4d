/*
 * base_block.h: the regf file header (regf-format.md §2, rules R-A01..R-A17 of §8.1).
 */
#ifndef HIVEREF_BASE_BLOCK_H
#define HIVEREF_BASE_BLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hiveref.h"
#include "status.h"

typedef struct hr_base {
  uint32_t seq1, seq2, major, minor, type, format, root, length, cluster, flags;
  uint32_t checksum;
  uint64_t timestamp;
  bool dirty;                  /* Sequence1 != Sequence2 (R-A10) */
} hr_base;

struct hr_hv;

/* The §2.2 checksum of a 512-byte header: XOR of the 127 dwords at 0x000..0x1F8, with 0xFFFFFFFF
 * remapped to 0xFFFFFFFE and 0 to 1.  p must have at least 0x200 bytes. */
uint32_t base_block_checksum(const uint8_t *p);

/* Parses and validates the header of v->file (R-A01..R-A12, R-A14, R-A15, R-A17) into v->base.
 * Returns ERROR_SUCCESS; ERROR_BADDB for an empty or > 4 GiB file; ERROR_NOT_REGISTRY_FILE when a
 * rule rejects (in check mode it goes on to the next header rule where that is meaningful).
 * *fatal is set when the bins cannot be mapped at all (no signature, bad Length, short file). */
hr_status base_block_parse(struct hr_hv *v, bool *fatal);

/* Copies the header fields into an HRHiveInfo. */
void base_block_info(const hr_base *b, const uint8_t *file, size_t size, HRHiveInfo *info);

#endif /* HIVEREF_BASE_BLOCK_H */
