/*
 * base_block.c: header parse, checksum, sequence numbers (regf-format.md §2, §8.1).
 *
 * Only the first 512 bytes are validated, as the kernel reads only Cluster*512 bytes of the base
 * block (§2.1, R-A14); the rest of the 4 KiB block is reported as info when non-zero.
 */
#include "base_block.h"

#include <string.h>

#include "bytes.h"
#include "layout.h"
#include "validate.h"

uint32_t base_block_checksum(const uint8_t *p) {
  uint32_t sum = 0;
  for (unsigned i = 0; i < REGF_CHECKSUM_DWORDS; i++) sum ^= le32(p + 4 * i);
  if (sum == 0xFFFFFFFFu) sum = 0xFFFFFFFEu; /* §2.2 remap: a stored checksum is never -1 ... */
  if (sum == 0) sum = 1;                     /* ... nor 0 */
  return sum;
}

hr_status base_block_parse(hr_hv *v, bool *fatal) {
  const uint8_t *d = v->file;
  size_t size = v->file_size;
  hr_base *b = &v->base;
  hr_status st = ERROR_SUCCESS;
  *fatal = true;
  memset(b, 0, sizeof *b);

  /* Empty or oversized input is not a hive at all: ERROR_BADDB (offreg's answer for a file it
   * cannot map), recorded under R-A01, the file-size rule. */
  if (size == 0 || (uint64_t)size >= REGF_MAX_FILE_SIZE) {
    hv_reject(v, "R-A01", 0, size ? "file larger than 4 GiB" : "empty file");
    if (v->f->diag && v->f->n_reject == 1) v->f->diag->error = ERROR_BADDB;
    return ERROR_BADDB;
  }
  if (size < REGF_MIN_FILE_SIZE)
    return hv_reject(v, "R-A01", 0, "file is %zu bytes, below the 8 KiB minimum (base block + "
                     "one bin)", size);

  b->seq1 = le32(d + REGF_OFF_SEQ1);
  b->seq2 = le32(d + REGF_OFF_SEQ2);
  b->timestamp = le64(d + REGF_OFF_TIMESTAMP);
  b->major = le32(d + REGF_OFF_MAJOR);
  b->minor = le32(d + REGF_OFF_MINOR);
  b->type = le32(d + REGF_OFF_TYPE);
  b->format = le32(d + REGF_OFF_FORMAT);
  b->root = le32(d + REGF_OFF_ROOT_CELL);
  b->length = le32(d + REGF_OFF_LENGTH);
  b->cluster = le32(d + REGF_OFF_CLUSTER);
  b->flags = le32(d + REGF_OFF_FLAGS);
  b->checksum = le32(d + REGF_OFF_CHECKSUM);
  b->dirty = b->seq1 != b->seq2;

  if (le32(d + REGF_OFF_SIGNATURE) != REGF_SIGNATURE)
    return hv_reject(v, "R-A02", REGF_OFF_SIGNATURE, "signature is not \"regf\"");

  /* The rest in the catalogue's order (R-A03 .. R-A09), so that a file that fails several
   * header rules names the first one (a log: R-A04 before its short-file R-A09).  Check mode
   * reports them all; R-A08/R-A09 decide whether the bins can be mapped at all. */
  uint32_t want = base_block_checksum(d);
  if (b->checksum != want) {
    st = hv_reject(v, "R-A03", REGF_OFF_CHECKSUM, "header checksum 0x%08X, computed 0x%08X",
                   b->checksum, want);
    if (v->stop) return st;
  }
  if (b->type != REGF_TYPE_PRIMARY) {
    st = hv_reject(v, "R-A04", REGF_OFF_TYPE, "file type %u is not a primary hive (0)%s",
                   b->type, b->type == REGF_TYPE_LOG_OLD || b->type == REGF_TYPE_LOG_OLD_NT4 ||
                   b->type == REGF_TYPE_LOG_NEW ? ": a transaction log" : "");
    if (v->stop) return st;
  }
  if (b->major != REGF_MAJOR) {
    st = hv_reject(v, "R-A05", REGF_OFF_MAJOR, "major version %u is not 1", b->major);
    if (v->stop) return st;
  }
  if (b->minor < REGF_MINOR_MIN || b->minor > REGF_MINOR_MAX) {
    st = hv_reject(v, "R-A06", REGF_OFF_MINOR, "minor version %u outside 3..6", b->minor);
    if (v->stop) return st;
  }
  if (b->format != REGF_FORMAT_MEMORY) {
    st = hv_reject(v, "R-A07", REGF_OFF_FORMAT, "format %u is not 1 (direct memory load)",
                   b->format);
    if (v->stop) return st;
  }
  bool length_ok = true;
  if (b->length == 0 || b->length % REGF_BLOCK_SIZE || b->length > REGF_MAX_LENGTH) {
    st = hv_reject(v, "R-A08", REGF_OFF_LENGTH, "hive bins data size 0x%X is 0, not a multiple "
                   "of 0x1000 or above 0x7FFFE000", b->length);
    length_ok = false;
    if (v->stop) return st;
  } else if ((uint64_t)REGF_BLOCK_SIZE + b->length > size) {
    /* R-A09: the spec allows treating a dirty hive as truncated; every real dirty hive in
     * ../shared/hives has all its bins present, so strict mode rejects both (RULES.md). */
    st = hv_reject(v, "R-A09", REGF_OFF_LENGTH, "hive bins data size 0x%X runs past the end of "
                   "the %zu-byte file%s", b->length, size, b->dirty ? " (dirty hive)" : "");
    length_ok = false;
    if (v->stop) return st;
  }
  if (b->dirty)
    hv_note(v, HR_SEV_WARN, "R-A10", REGF_OFF_SEQ1, "dirty hive: sequence numbers %u != %u; "
            "opened as stored, without log recovery", b->seq1, b->seq2);
  if (b->cluster != 1)
    hv_note(v, HR_SEV_WARN, "R-A11", REGF_OFF_CLUSTER, "cluster factor %u (Windows ignores it)",
            b->cluster);
  if ((b->root & REGF_CELL_VOLATILE_BIT) && b->root != REGF_CELL_NIL) {
    /* NIL is not a volatile index: it fails R-A13 (via R-C01) when the root is resolved. */
    st = hv_reject(v, "R-A12", REGF_OFF_ROOT_CELL, "root cell 0x%X is a volatile index",
                   b->root);
    if (v->stop) return st;
  }
  if (b->flags & ~(uint32_t)(REGF_FLAG_KTM_LOCKED | REGF_FLAG_LAYERED))
    hv_note(v, HR_SEV_INFO, "R-A15", REGF_OFF_FLAGS, "unknown base block flags 0x%X",
            b->flags);
  /* offreg writes its serialization FILETIME at 0x200 next to "OfRg" (spec §2.1, offreg-api.md
   * §1.19): that is a known field, not unexplained bytes. */
  size_t unread_from = REGF_SECTOR_SIZE;
  if (le32(d + REGF_OFF_OFRG) == REGF_OFRG_SIGNATURE ||
      le32(d + REGF_OFF_OFRG_LEGACY) == REGF_OFRG_SIGNATURE)
    unread_from = REGF_OFF_OFRG_TIMESTAMP + 8;
  /* Scanned 8 bytes at a time (this runs on every open; the fuzzers showed it hot), then the
   * first non-zero byte of the first non-zero word is located for the offset. */
  size_t i = unread_from;
  while (i < REGF_BLOCK_SIZE && (i & 7)) {
    if (d[i]) break;
    i++;
  }
  while (i + 8 <= REGF_BLOCK_SIZE && le64(d + i) == 0) i += 8;
  while (i < REGF_BLOCK_SIZE && !d[i]) i++;
  if (i < REGF_BLOCK_SIZE)
    hv_note(v, HR_SEV_INFO, "R-A14", i, "non-zero bytes in the unread part of the base block");
  if (length_ok && size > (uint64_t)REGF_BLOCK_SIZE + b->length)
    hv_note(v, HR_SEV_INFO, "R-A17", REGF_BLOCK_SIZE + (uint64_t)b->length,
            "%llu bytes after the last bin (ignored)",
            (unsigned long long)(size - REGF_BLOCK_SIZE - b->length));
  *fatal = !length_ok;
  return st;
}

void base_block_info(const hr_base *b, const uint8_t *file, size_t size, HRHiveInfo *info) {
  memset(info, 0, sizeof *info);
  info->seq1 = b->seq1;
  info->seq2 = b->seq2;
  info->major = b->major;
  info->minor = b->minor;
  info->type = b->type;
  info->format = b->format;
  info->root_cell = b->root;
  info->length = b->length;
  info->cluster = b->cluster;
  info->flags = b->flags;
  info->timestamp = b->timestamp;
  for (unsigned i = 0; i < 32; i++) info->file_name[i] = le16(file + REGF_OFF_FILENAME + 2 * i);
  info->dirty = b->dirty;
  info->file_size = size;
}
