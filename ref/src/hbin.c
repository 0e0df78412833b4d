/*
 * hbin.c: bin headers and the cell walk (regf-format.md §3-§4, §8.2; Windows HvpBuildMap,
 * HvpEnlistFreeCells and HvCheckBin facts from [DEC]/[WRK] as cited there).
 *
 * Every loop here advances by at least 8 bytes (a cell) or 0x1000 (a bin) and is bounded by
 * Length, which base_block.c proved to lie inside the file.
 */
#include "hbin.h"

#include "bytes.h"
#include "cell.h"
#include "layout.h"
#include "validate.h"

/* The rule a cell size breaks (R-B07..R-B10), reported at file offset `at`; end is the end
 * of its bin. */
static hr_status bad_cell(hr_hv *v, int32_t cs, uint64_t at, uint32_t end) {
  if (cs == 0) return hv_reject(v, "R-B07", at, "cell size 0");
  if (cs == INT32_MIN) return hv_reject(v, "R-B09", at, "cell size 0x80000000 cannot be negated");
  uint32_t abs_size = (uint32_t)(cs < 0 ? -cs : cs);
  if (abs_size % REGF_CELL_ALIGN)
    return hv_reject(v, "R-B08", at, "cell size %u not a multiple of 8", abs_size);
  return hv_reject(v, "R-B10", at, "cell of %u bytes runs past its bin end (0x%X)", abs_size,
                   REGF_BLOCK_SIZE + end);
}

/* Walks the cells of one bin [off, off+size); marks starts.  R-B07..R-B10; R-B11 (the cells
 * tile the bin exactly) follows from each cell being checked to end inside the bin.  One test
 * per cell on the good path: a size that is 0, INT32_MIN (the only |size| with bit 31 set),
 * not a multiple of 8 or larger than the rest of the bin goes to bad_cell, which names the
 * rule in the order R-B07, R-B09, R-B08, R-B10. */
static hr_status walk_cells(hr_hv *v, uint32_t off, uint32_t size) {
  hr_cellmap *m = &v->cells;
  const uint8_t *bins = m->bins;
  uint64_t *start = m->start; /* a local: the stores below cannot move it */
  uint32_t pos = off + HBIN_HEADER_SIZE, end = off + size;
  uint64_t n_cells = 0, n_alloc = 0;
  hr_status st = ERROR_SUCCESS;
  while (pos < end) {
    uint32_t raw = le32(bins + pos);
    uint32_t sign = 0u - (raw >> 31);    /* all ones for an allocated (negative) cell */
    uint32_t abs_size = (raw ^ sign) - sign;
    /* end - pos >= 8 (both 8-aligned, pos < end): abs_size - 8 wraps for 0 and exceeds
     * end - pos - 8 for a cell past the bin; bit 31 is INT32_MIN. */
    if ((abs_size - 8u > end - pos - 8u) | ((abs_size & (0x80000000u | (REGF_CELL_ALIGN - 1))) != 0)) {
      st = bad_cell(v, (int32_t)raw, REGF_BLOCK_SIZE + (uint64_t)pos, end);
      break;
    }
    start[pos >> 9] |= (uint64_t)1 << ((pos >> 3) & 63); /* cellmap_mark_start */
    n_cells++;
    n_alloc += sign & 1u;
    pos += abs_size;
  }
  m->n_alloc += n_alloc;
  m->n_free += n_cells - n_alloc;
  return st;
}

/* A bin start without "hbin": names the rule for the most likely cause (spec §8.2, §12 item 17).
 * 0xFF filler at the bin start, or an "hbin" at a 512-byte position that is not a bin
 * boundary, is a misaligned bin (R-B06); no "hbin" anywhere up to Length and a zeroed
 * header slot means Length is larger than the bins (R-B05); otherwise the header itself is
 * damaged (R-B01).  Bounded by Length. */
static hr_status missing_bin(hr_hv *v, uint32_t off) {
  const uint8_t *bins = v->cells.bins;
  uint32_t length = v->cells.length;
  uint64_t at = REGF_BLOCK_SIZE + (uint64_t)off;
  if (le32(bins + off) == 0xFFFFFFFFu && le32(bins + off + 4) == 0xFFFFFFFFu)
    return hv_reject(v, "R-B06", at, "0xFF filler instead of a bin header at bin offset 0x%X "
                     "(misaligned bins)", off);
  for (uint32_t p = off + REGF_SECTOR_SIZE; p + HBIN_HEADER_SIZE <= length;
       p += REGF_SECTOR_SIZE) {
    if (le32(bins + p) != HBIN_SIGNATURE) continue;
    if (p % REGF_BLOCK_SIZE)
      return hv_reject(v, "R-B06", at, "no bin header at bin offset 0x%X; an \"hbin\" appears "
                       "at the misaligned offset 0x%X", off, p);
    return hv_reject(v, "R-B01", at, "no \"hbin\" signature at bin offset 0x%X", off);
  }
  /* No bin anywhere after this point: an all-zero header slot means the bins simply ended
   * (Length larger than the bins, R-B05); anything else is a damaged header (R-B01). */
  for (uint32_t i = 0; i < HBIN_HEADER_SIZE; i++)
    if (bins[off + i]) return hv_reject(v, "R-B01", at, "no \"hbin\" signature at bin offset "
                                        "0x%X", off);
  return hv_reject(v, "R-B05", at, "the bins end at 0x%X but the hive bins data size is 0x%X",
                   off, length);
}

hr_status hbin_walk(hr_hv *v) {
  const uint8_t *bins = v->cells.bins;
  uint32_t length = v->cells.length;
  uint32_t off = 0;
  hr_status result = ERROR_SUCCESS;
  while (off < length) {
    const uint8_t *h = bins + off;
    uint64_t at = REGF_BLOCK_SIZE + (uint64_t)off;
    /* off < length and both are multiples of 0x1000, so the 32-byte header is inside. */
    if (le32(h + HBIN_OFF_SIGNATURE) != HBIN_SIGNATURE) return missing_bin(v, off);
    uint32_t fo = le32(h + HBIN_OFF_FILE_OFFSET), size = le32(h + HBIN_OFF_SIZE);
    if (fo != off)
      return hv_reject(v, "R-B02", at + HBIN_OFF_FILE_OFFSET, "bin at 0x%X claims offset 0x%X",
                       off, fo);
    if (size < REGF_BLOCK_SIZE || size % REGF_BLOCK_SIZE)
      return hv_reject(v, "R-B03", at + HBIN_OFF_SIZE, "bin size 0x%X is not a non-zero "
                       "multiple of 0x1000", size);
    if (size > length - off)
      return hv_reject(v, "R-B04", at + HBIN_OFF_SIZE, "bin at 0x%X of size 0x%X ends past the "
                       "hive bins data size 0x%X", off, size, length);
    hr_status st = walk_cells(v, off, size);
    if (st != ERROR_SUCCESS) {
      result = st;
      if (v->stop) return st;
    }
    off += size;
  }
  return result;
}
