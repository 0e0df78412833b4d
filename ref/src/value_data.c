/*
 * value_data.c: value data resolution and big-data reassembly (regf-format.md §5.4-§5.5,
 * §8.6-§8.7; CmpCheckValueList / CmpIsHKeyValueBig facts as cited there).
 */
#include "value_data.h"

#include <string.h>

#include "cell.h"
#include "layout.h"
#include "validate.h"

static hr_status resolve_big(hr_hv *v, const hr_vk *vk, uint32_t len, hr_span db,
                             hr_vdata *out) {
  uint64_t at = cell_file_off(cell_at(vk->data));
  if (db.len < LIST_HEADER_SIZE || le16(db.p + DB_OFF_SIGNATURE) != DB_SIGNATURE)
    return hv_reject(v, "R-G01", at, "data of %u bytes in a 1.%u hive is not in a \"db\" cell "
                     "(R-G08)", len, v->base.minor);
  if (db.len < DB_FIXED_SIZE)
    return hv_reject(v, "R-G01", at, "db usable size %zu below 8", db.len);
  uint16_t count = le16(db.p + DB_OFF_COUNT);
  uint32_t list = le32(db.p + DB_OFF_LIST);
  if (count == 0) return hv_reject(v, "R-G01", at, "db segment count 0");
  if (list == REGF_CELL_NIL) return hv_reject(v, "R-G01", at, "db segment list is NIL");
  hr_span segs;
  hr_status st = cell_ref(v, cell_at(list), CELL_TAKE, at + 4 + DB_OFF_LIST,
                          "db segment list (R-G02)", &segs);
  if (st != ERROR_SUCCESS) return st;
  if (4u * (uint32_t)count > segs.len)
    return hv_reject(v, "R-G03", cell_file_off(cell_at(list)), "%u segments overrun the "
                     "%zu-byte segment list", count, segs.len);
  uint32_t need = (uint32_t)(((uint64_t)len + DB_SEGMENT_SIZE - 1) / DB_SEGMENT_SIZE);
  if (count != need)
    return hv_reject(v, "R-G04", at + 4 + DB_OFF_COUNT, "db has %u segments, %u bytes need %u",
                     count, len, need);
  for (uint32_t i = 0; i < count; i++) {
    uint64_t at_el = cell_file_off(cell_at(list)) + 4 + 4 * (uint64_t)i;
    hr_span seg;
    st = cell_ref(v, cell_at(le32(segs.p + 4 * (size_t)i)), CELL_TAKE, at_el,
                  "big data segment (R-G05)", &seg);
    if (st != ERROR_SUCCESS) return st;
    if (seg.len < DB_SEGMENT_SIZE)
      return hv_reject(v, "R-G06", at_el, "segment %u has %zu usable bytes, below 16344", i,
                       seg.len);
  }
  out->kind = VDATA_BIG;
  out->segs = segs.p;
  out->nseg = count;
  return ERROR_SUCCESS;
}

hr_status value_data_resolve(hr_hv *v, const hr_vk *vk, hr_vdata *out) {
  uint64_t at = cell_file_off(vk->cell);
  out->kind = VDATA_NONE;
  out->p = out->segs = NULL;
  out->nseg = 0;
  if (vk->raw_len & VK_DATA_INLINE_BIT) {
    /* Inline (CM_KEY_VALUE_SPECIAL_SIZE): 0..4 bytes in the Data field (R-F11 checked). */
    out->size = vk->raw_len & ~VK_DATA_INLINE_BIT;
    out->kind = out->size ? VDATA_INLINE : VDATA_NONE;
    out->p = vk->rec + VK_OFF_DATA;
    return ERROR_SUCCESS;
  }
  uint32_t len = vk->raw_len;
  out->size = len;
  if (len == 0) {
    if (vk->data != REGF_CELL_NIL)
      hv_note(v, HR_SEV_WARN, "R-F12", at + 4 + VK_OFF_DATA, "data length 0 with data cell "
              "0x%X (not followed)", vk->data);
    return ERROR_SUCCESS;
  }
  hr_span cell;
  hr_status st = cell_ref(v, cell_at(vk->data), CELL_TAKE, at + 4 + VK_OFF_DATA,
                          "value data (R-F13)", &cell);
  if (st != ERROR_SUCCESS) return st;
  if (len > DB_SEGMENT_SIZE && v->base.minor >= REGF_MINOR_BIGDATA)
    return resolve_big(v, vk, len, cell, out);
  if (len > cell.len)
    return hv_reject(v, len > DB_SEGMENT_SIZE ? "R-G07" : "R-F14", at + 4 + VK_OFF_DATA_LEN,
                     "data length %u exceeds the %zu-byte data cell", len, cell.len);
  out->kind = VDATA_CELL;
  out->p = cell.p;
  return ERROR_SUCCESS;
}

void value_data_copy(const hr_hv *v, const hr_vdata *d, uint8_t *out) {
  switch (d->kind) {
    case VDATA_NONE:
      return;
    case VDATA_INLINE:
    case VDATA_CELL:
      memcpy(out, d->p, d->size);
      return;
    case VDATA_BIG: {
      uint32_t left = d->size;
      for (uint32_t i = 0; i < d->nseg && left; i++) {
        hr_span seg = cell_record(&v->cells, cell_at(le32(d->segs + 4 * (size_t)i)));
        uint32_t n = left < DB_SEGMENT_SIZE ? left : DB_SEGMENT_SIZE;
        memcpy(out, seg.p, n);
        out += n;
        left -= n;
      }
      return;
    }
  }
}

uint8_t *value_data_borrow(const hr_hv *v, const hr_vdata *d) {
  if (!v->tree || !v->tree->image || (d->kind != VDATA_INLINE && d->kind != VDATA_CELL))
    return NULL;
  /* d->p .. d->p + d->size lies inside v->file (value_data_resolve bounds it by its cell or
   * the vk record), and the tree's image is that same buffer (load.h hive_load_image). */
  return v->tree->image + (d->p - v->file);
}
