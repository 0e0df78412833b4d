/*
 * vk.c: value-record decoding and checks (regf-format.md §5.4, §8.6; CmpCheckValueList facts
 * as cited there).
 */
#include "vk.h"

#include "layout.h"
#include "validate.h"

hr_status vk_parse_full(hr_hv *v, hr_cell cell, hr_span rec, hr_vk *out) {
  uint64_t at = cell_file_off(cell);
  if (rec.len < VK_FIXED_SIZE)
    return hv_reject(v, "R-F06", at, "vk usable size %zu below 0x14", rec.len);
  const uint8_t *r = rec.p;
  if (le16(r + VK_OFF_SIGNATURE) != VK_SIGNATURE)
    return hv_reject(v, "R-F06", at, "signature 0x%04X is not \"vk\"", le16(r));
  uint16_t name_len = le16(r + VK_OFF_NAME_LEN);
  out->cell = cell;
  out->rec = r;
  out->raw_len = le32(r + VK_OFF_DATA_LEN);
  out->data = le32(r + VK_OFF_DATA);
  out->type = le32(r + VK_OFF_TYPE);
  out->flags = le16(r + VK_OFF_FLAGS);
  out->name.p = r + VK_OFF_NAME;
  out->name.len = name_len;
  out->name.comp = (out->flags & VK_FLAG_COMP_NAME) != 0;
  if ((size_t)VK_FIXED_SIZE + name_len > rec.len)
    return hv_reject(v, "R-F07", at, "value name of %u bytes overruns the %zu-byte vk", name_len,
                     rec.len);
  if (out->name.comp ? name_len > VK_MAX_NAME_COMP
                     : (name_len > VK_MAX_NAME_UTF16 || (name_len & 1)))
    return hv_reject(v, "R-F08", at + 4 + VK_OFF_NAME_LEN, "%s value name of %u bytes",
                     out->name.comp ? "compressed" : "UTF-16", name_len);
  if (out->flags & VK_FLAG_TOMBSTONE) {
    if (!(v->base.flags & REGF_FLAG_LAYERED))
      return hv_reject(v, "R-F09", at + 4 + VK_OFF_FLAGS, "tombstone value in a hive without "
                       "the layered flag");
    if (out->raw_len != 0 || out->type != 0)
      return hv_reject(v, "R-F10", at, "tombstone value with data length 0x%X, type %u",
                       out->raw_len, out->type);
  }
  if ((out->raw_len & VK_DATA_INLINE_BIT) &&
      (out->raw_len & ~VK_DATA_INLINE_BIT) > VK_INLINE_MAX)
    return hv_reject(v, "R-F11", at + 4 + VK_OFF_DATA_LEN, "inline data length %u above 4",
                     out->raw_len & ~VK_DATA_INLINE_BIT);
  return ERROR_SUCCESS;
}
