/*
 * save_cells.c: the serializer's cell allocator and base block (regf-format.md §10.1-§10.3).
 *
 * A bump allocator over contiguous bins: cells are placed in order, 8-byte aligned, and never
 * span a bin.  When a cell does not fit in what is left of the current bin, the remainder becomes
 * one free cell (positive size, zero bytes) and a new bin starts right after, sized
 * round_up(0x20 + cell size, 4 KiB): a 4 KiB bin for ordinary cells, a bigger dedicated bin for
 * a big cell (the tail of that bin serves the next cells, as the Windows allocator does after
 * HvpAddBin).  Every bin header is complete: "hbin", own offset, size, zero reserved/timestamp/
 * spare (§10.2, §10.13).  The allocator runs identically in both passes; only pass 2 writes.
 */
#include <string.h>

#include "bytes.h"
#include "layout.h"
#include "save_int.h"

static uint64_t round_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

/* Turns the unused tail of the current bin into one free cell (§10.3: no gaps). */
static void close_bin(save_ctx *c) {
  if (c->cur < c->bin_end) {
    if (c->img) put32(c->bins + c->cur, (uint32_t)(c->bin_end - c->cur));
    c->cur = c->bin_end;
  }
}

hr_status cells_alloc_bin(save_ctx *c, uint64_t size, uint32_t *off) {
  /* R-C06: no referenced cell above 1 MiB.  The plan pass refuses every record that could need
   * more (values in 1.3, value lists, classes), so this only guards the invariant. */
  if (size > REGF_CELL_MAX)
    return diag_set(c->diag, ERROR_INVALID_PARAMETER, "", HR_NO_OFFSET,
                    "save: a %llu-byte cell exceeds the 1 MiB cell limit",
                    (unsigned long long)size);
  if (c->cur + size > c->bin_end) {
    close_bin(c);
    uint64_t bin_size = round_up(HBIN_HEADER_SIZE + size, REGF_BLOCK_SIZE);
    uint64_t start = c->bin_end;
    /* R-A08: the hive bins data is at most 0x7FFFE000 bytes. */
    if (start + bin_size > REGF_MAX_LENGTH)
      return diag_set(c->diag, ERROR_INVALID_PARAMETER, "", HR_NO_OFFSET,
                      "save: the hive would exceed the 0x7FFFE000-byte format limit");
    if (c->img) {
      uint8_t *b = c->bins + start;
      put32(b + HBIN_OFF_SIGNATURE, HBIN_SIGNATURE);
      put32(b + HBIN_OFF_FILE_OFFSET, (uint32_t)start);
      put32(b + HBIN_OFF_SIZE, (uint32_t)bin_size);
      /* Reserved, TimeStamp (= the base block TimeStamp, 0) and Spare stay zero. */
    }
    c->bin_start = start;
    c->bin_end = start + bin_size;
    c->cur = start + HBIN_HEADER_SIZE;
  }
  *off = (uint32_t)c->cur;
  if (c->img) put32(c->bins + c->cur, (uint32_t)-(int32_t)size);
  c->cur += size;
  return ERROR_SUCCESS;
}

hr_status cells_finish(save_ctx *c, uint32_t *length) {
  close_bin(c);
  *length = (uint32_t)c->bin_end;
  return ERROR_SUCCESS;
}

/* §2.2: XOR of the 127 dwords before the checksum, remapped so it is never 0 or 0xFFFFFFFF. */
static uint32_t header_checksum(const uint8_t *base) {
  uint32_t sum = 0;
  for (unsigned i = 0; i < REGF_CHECKSUM_DWORDS; i++) sum ^= le32(base + 4 * i);
  if (sum == 0xFFFFFFFFu) sum = 0xFFFFFFFEu;
  if (sum == 0) sum = 1;
  return sum;
}

void cells_base_block(save_ctx *c, uint32_t length, uint64_t serial_time) {
  uint8_t *b = c->img;
  /* The image is zeroed: FileName, the TxR GUIDs, "rmtm", LastReorganizeTime, BootType/
   * BootRecover and the Thaw fields stay 0 (§10.1, §10.13). */
  put32(b + REGF_OFF_SIGNATURE, REGF_SIGNATURE);
  /* offreg writes Sequence 1/1 and TimeStamp 0 (offreg-api.md §1.19, observed); the first bin's
   * TimeStamp mirrors the base TimeStamp and is therefore 0 too. */
  put32(b + REGF_OFF_SEQ1, 1);
  put32(b + REGF_OFF_SEQ2, 1);
  put64(b + REGF_OFF_TIMESTAMP, 0);
  put32(b + REGF_OFF_MAJOR, REGF_MAJOR);
  put32(b + REGF_OFF_MINOR, c->minor);
  put32(b + REGF_OFF_TYPE, REGF_TYPE_PRIMARY);
  put32(b + REGF_OFF_FORMAT, REGF_FORMAT_MEMORY);
  put32(b + REGF_OFF_ROOT_CELL, HBIN_HEADER_SIZE); /* the root nk is the first cell */
  put32(b + REGF_OFF_LENGTH, length);
  put32(b + REGF_OFF_CLUSTER, 1);
  /* Flags bit 0x2 "supports layered keys" gates the layer bits and tombstones (R-D10, R-F09). */
  put32(b + REGF_OFF_FLAGS, c->minor >= REGF_MINOR_LAYERED ? REGF_FLAG_LAYERED : 0);
  /* offreg 6.2+ marks its output with "OfRg", flags 1 at 0xB0/0xB4 and the serialization
   * FILETIME at 0x200 (MSU base block notes; offreg-api.md §1.19). */
  put32(b + REGF_OFF_OFRG, REGF_OFRG_SIGNATURE);
  put32(b + REGF_OFF_OFRG_FLAGS, 1);
  put64(b + REGF_OFF_OFRG_TIMESTAMP, serial_time);
  put32(b + REGF_OFF_CHECKSUM, header_checksum(b));
}
