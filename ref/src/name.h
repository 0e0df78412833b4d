/*
 * name.h: key and value names (regf-format.md §6).
 *
 * In memory every name is an array of UTF-16 code units (compressed Latin-1 names are widened
 * byte by byte, §6.1).  Comparison, sort order and the lh hash use upcase_unit (§6.2-§6.4);
 * all are purely ordinal per code unit, so supplementary-plane characters never fold.
 */
#ifndef HIVEREF_NAME_H
#define HIVEREF_NAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* §6.2: <0, 0, >0 like strcmp; case-insensitive by upcase_unit; a prefix sorts first. */
int name_cmp(const uint16_t *a, size_t na, const uint16_t *b, size_t nb);
/* Case-insensitive equality.  Identical units (the usual case: a name the caller got from an
 * enumeration) are settled by memcmp without any upcasing. */
static inline bool name_eq(const uint16_t *a, size_t na, const uint16_t *b, size_t nb) {
  return na == nb && (na == 0 || memcmp(a, b, na * 2u) == 0 || name_cmp(a, na, b, nb) == 0);
}
/* §6.3: h = 37*h + upcase(c) mod 2^32 over code units. */
uint32_t name_hash_lh(const uint16_t *n, size_t len);
/* §6.4: the 4-byte lf hint (raw, not upcased; stops at the first unit > 0xFF from the end). */
void name_lf_hint(const uint16_t *n, size_t len, uint8_t hint[4]);
/* True when every unit is <= 0xFF, i.e. Windows stores the name compressed (§10.6). */
bool name_is_latin1(const uint16_t *n, size_t len);

#endif /* HIVEREF_NAME_H */
