/*
 * hivebuild.h: a small test-only regf writer for building valid and deliberately corrupt hives
 * in C unit tests (never used by the engine; the independent fixture generator is gen/).
 *
 * Cells are appended to the current bin; a cell that does not fit closes the bin (its rest
 * becomes one free cell) and opens a new bin sized to fit.  Cell indexes stay valid, pointers
 * from hb_p() only until the next allocation (the buffer grows).  hb_finish() closes the last
 * bin, links the sk ring in creation order and writes the base block with a valid checksum.
 * Tests corrupt the result through hb_p()/hb_file() and call hb_fix_checksum() after touching
 * the header.
 */
#ifndef HIVEREF_HIVEBUILD_H
#define HIVEREF_HIVEBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "hiveref.h"

typedef struct hb {
  uint8_t *d;                  /* the file: base block + bins */
  size_t cap;
  uint32_t minor;
  uint32_t bin_start, bin_size, pos;  /* current bin (relative offsets) and next free offset */
  uint32_t root;               /* root nk cell */
  uint32_t sk;                 /* default sk cell (the root's) */
  uint32_t sks[64];
  uint32_t n_sks;
  int no_sk_ring;              /* hb_finish leaves Flink/Blink as they are */
} hb;

/* Starts a hive of format 1.minor with a root key named `root_name` and one default sk. */
void hb_init(hb *b, uint32_t minor, const char *root_name);
void hb_free(hb *b);

/* Allocates a zero-filled allocated cell with at least `usable` bytes; returns its index. */
uint32_t hb_cell(hb *b, uint32_t usable);
/* Record pointer (cell index + 4) and file bytes. */
uint8_t *hb_p(hb *b, uint32_t cell);
uint8_t *hb_file(hb *b);
/* Closes the current bin early (its rest becomes a free cell); the next cell opens a new bin. */
void hb_close_bin(hb *b);

/* Records.  Names are ASCII/Latin-1 bytes stored compressed unless noted. */
uint32_t hb_sk(hb *b, const uint8_t *sd, uint32_t len);
uint32_t hb_nk(hb *b, const char *name, uint32_t parent);
uint32_t hb_nk_utf16(hb *b, const uint16_t *name, uint32_t units, uint32_t parent);
uint32_t hb_vk(hb *b, const char *name, uint32_t type, const void *data, uint32_t len);
/* Writes a value list for nk (and ValueCount / MaxValue* fields). Returns the list cell. */
uint32_t hb_set_values(hb *b, uint32_t nk, const uint32_t *vks, uint32_t n);
/* Writes one leaf (sig LI/LF/LH as u16) of the given children, in the given order, with correct
 * hashes/hints; sets SubKeyCounts, the list and MaxNameLen.  Returns the leaf cell. */
uint32_t hb_set_subkeys(hb *b, uint32_t nk, const uint32_t *children, uint32_t n, uint16_t sig);
/* Same under an ri with leaves of per_leaf children.  Returns the ri cell. */
uint32_t hb_set_subkeys_ri(hb *b, uint32_t nk, const uint32_t *children, uint32_t n,
                           uint16_t sig, uint32_t per_leaf);
/* Sets a class on nk (a new cell of len bytes). */
uint32_t hb_set_class(hb *b, uint32_t nk, const void *data, uint16_t len);

/* Finishes the hive; returns the file and its size (owned by b). */
uint8_t *hb_finish(hb *b, size_t *size);
/* Recomputes the header checksum after a header edit. */
void hb_fix_checksum(hb *b);
/* The default 64-byte self-relative descriptor used by hb_init (owner S-1-5-32-544, DACL with one
 * ACCESS_ALLOWED ACE for S-1-1-0). */
extern const uint8_t hb_default_sd[64];

/* Loads d[0..n) with hive_load into a scratch tree, frees it, and returns the status; diag gets
 * the rule.  keys/values (optional) receive the tree counts. */
DWORD hb_load(const uint8_t *d, size_t n, HRDiagnostic *diag, uint64_t *keys, uint64_t *values);
/* hive_check over d[0..n); returns the status, fills summary (optional). */
DWORD hb_check(const uint8_t *d, size_t n, HRDiagnostic *diag, HRCheckSummary *summary);
/* True when the check of d reports a finding with this rule id (any severity). */
int hb_check_has(const uint8_t *d, size_t n, const char *rule);

#endif /* HIVEREF_HIVEBUILD_H */
