/*
 * name.c: ordinal case-insensitive comparison, lh hash and lf hint (regf-format.md §6.2-§6.4,
 * WRK cmname.c / cmindex.c semantics, re-derived; no code copied).
 */
#include "name.h"

#include <string.h>

#include "upcase.h"

int name_cmp(const uint16_t *a, size_t na, const uint16_t *b, size_t nb) {
  size_t n = na < nb ? na : nb;
  for (size_t i = 0; i < n; i++) {
    if (a[i] != b[i]) {
      int d = (int)upcase_unit(a[i]) - (int)upcase_unit(b[i]);
      if (d) return d;
    }
  }
  return na < nb ? -1 : na > nb ? 1 : 0;
}

int name_cmp_latin1(const uint16_t *a, size_t na, const uint8_t *b, size_t nb) {
  size_t n = na < nb ? na : nb;
  for (size_t i = 0; i < n; i++) {
    if (a[i] != b[i]) {
      int d = (int)upcase_unit(a[i]) - (int)upcase_unit(b[i]);
      if (d) return d;
    }
  }
  return na < nb ? -1 : na > nb ? 1 : 0;
}

uint32_t name_hash_lh(const uint16_t *n, size_t len) {
  uint32_t h = 0;
  for (size_t i = 0; i < len; i++) h = 37u * h + upcase_unit(n[i]);
  return h;
}

void name_lf_hint(const uint16_t *n, size_t len, uint8_t hint[4]) {
  /* Filled from unit k-1 down to the first unit > 0xFF: i.e. every position after the last
   * such unit among the first k (written forward, which also keeps gcc's bounds analysis happy). */
  size_t k = len < 4 ? len : 4, start = 0;
  for (size_t i = 0; i < k; i++)
    if (n[i] > 0xFF) start = i + 1;
  uint8_t h[4] = {0, 0, 0, 0};
  for (size_t i = start; i < k && i < 4; i++) h[i] = (uint8_t)n[i];
  memcpy(hint, h, 4);
}

bool name_is_latin1(const uint16_t *n, size_t len) {
  for (size_t i = 0; i < len; i++)
    if (n[i] > 0xFF) return false;
  return true;
}
