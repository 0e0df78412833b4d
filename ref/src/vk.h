/*
 * vk.h: value records (regf-format.md §5.4; rules R-F06..R-F11 of §8.6).
 */
#ifndef HIVEREF_VK_H
#define HIVEREF_VK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "cell.h"
#include "layout.h"
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

/* The complete decoder below (vk.c): every check in rule order, with the report. */
hr_status vk_parse_full(struct hr_hv *v, hr_cell cell, hr_span rec, hr_vk *out);

/* Decodes and checks one vk record: R-F06 (size, signature), R-F07 (name fits), R-F08 (name
 * length limits), R-F09 (tombstone flag only in layered hives), R-F10 (tombstone shape), R-F11
 * (inline length <= 4).  ERROR_SUCCESS or ERROR_NOT_REGISTRY_FILE.
 * Inline: a record that passes every check without a tombstone flag is decoded here with one
 * combined test (90,000 values in a real SYSTEM hive); anything else, including a valid
 * tombstone, goes through vk_parse_full, which makes the same decisions one rule at a time. */
static inline hr_status vk_parse(struct hr_hv *v, hr_cell cell, hr_span rec, hr_vk *out) {
  const uint8_t *r = rec.p;
  if (rec.len < VK_FIXED_SIZE) return vk_parse_full(v, cell, rec, out);
  uint16_t name_len = le16(r + VK_OFF_NAME_LEN), flags = le16(r + VK_OFF_FLAGS);
  uint32_t raw_len = le32(r + VK_OFF_DATA_LEN);
  bool comp = (flags & VK_FLAG_COMP_NAME) != 0;
  if (le16(r + VK_OFF_SIGNATURE) != VK_SIGNATURE || (size_t)VK_FIXED_SIZE + name_len > rec.len ||
      (comp ? name_len > VK_MAX_NAME_COMP : (name_len > VK_MAX_NAME_UTF16 || (name_len & 1))) ||
      (flags & VK_FLAG_TOMBSTONE) ||
      ((raw_len & VK_DATA_INLINE_BIT) && (raw_len & ~VK_DATA_INLINE_BIT) > VK_INLINE_MAX))
    return vk_parse_full(v, cell, rec, out);
  out->cell = cell;
  out->rec = r;
  out->raw_len = raw_len;
  out->data = le32(r + VK_OFF_DATA);
  out->type = le32(r + VK_OFF_TYPE);
  out->flags = flags;
  out->name.p = r + VK_OFF_NAME;
  out->name.len = name_len;
  out->name.comp = comp;
  return ERROR_SUCCESS;
}

#endif /* HIVEREF_VK_H */
