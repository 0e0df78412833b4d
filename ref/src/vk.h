/*
 * vk.h: value records (regf-format.md §5.4; rules R-F06..R-F11 of §8.6).
 */
#ifndef HIVEREF_VK_H
#define HIVEREF_VK_H

#include <stdint.h>

#include "cell.h"
#include "nk.h"
#include "status.h"

typedef struct hr_vk {
  hr_cell cell;
  const uint8_t *rec;
  hr_rawname name;             /* len 0: the default value */
  uint32_t raw_len;            /* DataLength as stored (bit 31 = inline) */
  uint32_t data;               /* Data field: cell index or inline bytes */
  uint32_t type;
  uint16_t flags;
} hr_vk;

struct hr_hv;

/* Decodes and checks one vk record: R-F06 (size, signature), R-F07 (name fits), R-F08 (name
 * length limits), R-F09 (tombstone flag only in layered hives), R-F10 (tombstone shape), R-F11
 * (inline length <= 4).  ERROR_SUCCESS or ERROR_NOT_REGISTRY_FILE. */
hr_status vk_parse(struct hr_hv *v, hr_cell cell, hr_span rec, hr_vk *out);

#endif /* HIVEREF_VK_H */
