/*
 * nk.h: key nodes (regf-format.md §5.1, rules R-D01..R-D24 of §8.4) and the raw-name helpers
 * shared by nk and vk names (§6: compressed Latin-1 or UTF-16LE, compared through the Windows
 * upcase table, hashed for lh, hinted for lf).
 */
#ifndef HIVEREF_NK_H
#define HIVEREF_NK_H

#include <stdbool.h>
#include <stdint.h>

#include "bytes.h"
#include "cell.h"
#include "status.h"

/* A name as stored in the file: len bytes at p, Latin-1 when comp (one byte = one UTF-16 code
 * unit, §6.1), else UTF-16LE. */
typedef struct hr_rawname {
  const uint8_t *p;
  uint32_t len;
  bool comp;
} hr_rawname;

static inline uint32_t rawname_units(hr_rawname n) { return n.comp ? n.len : n.len / 2; }
static inline uint16_t rawname_unit(hr_rawname n, uint32_t i) {
  return n.comp ? n.p[i] : le16(n.p + 2 * (size_t)i);
}
/* §6.2 ordinal case-insensitive comparison (same order as name_cmp). */
int rawname_cmp(hr_rawname a, hr_rawname b);
/* §6.3 lh hash. */
uint32_t rawname_hash(hr_rawname n);
/* §6.4 lf hint. */
void rawname_hint(hr_rawname n, uint8_t hint[4]);
/* Widens to UTF-16 code units (out has rawname_units(n) units). */
void rawname_widen(hr_rawname n, uint16_t *out);

typedef struct hr_nk {
  hr_cell cell;
  const uint8_t *rec;          /* record bytes (cell + 4) */
  uint32_t usable;
  uint16_t flags;
  uint8_t access_bits, layer;
  uint64_t last_write;
  uint32_t parent, n_subkeys, subkey_list, n_values, value_list, security, class_cell;
  uint32_t max_name, max_class, max_value_name, max_value_data;
  uint16_t class_len;
  hr_rawname name;
  uint32_t name_hash;          /* §6.3 lh hash of the name, computed by nk_parse's name pass */
} hr_nk;

struct hr_hv;

/* Decodes and checks one nk record (the caller checked its signature: R-A13 for the root, R-E11
 * for a child).  Key-local rules: R-D01..R-D04 (size, name), R-D07..R-D11 (flags, layer),
 * R-D13/R-D14/R-D17 (class fields), R-D22, R-D23 (warn), R-D24 (info), R-E02, R-F04.
 * Returns ERROR_SUCCESS or ERROR_NOT_REGISTRY_FILE; *walkable is true when the record is intact
 * enough to keep walking under it in check mode (size and name valid). */
hr_status nk_parse(struct hr_hv *v, hr_cell cell, hr_span rec, bool is_root, hr_nk *out,
                   bool *walkable);

#endif /* HIVEREF_NK_H */
