/*
 * name.c: ordinal case-insensitive comparison, lh hash and lf hint (regf-format.md §6.2-§6.4,
 * WRK cmname.c / cmindex.c semantics, re-derived; no code copied).
 */
#include "name.h"

#include <string.h>

#include "upcase.h"

/* The order of two different units: upcase_unit's difference.  Two ASCII units are folded
 * with one range check ('a'..'z' -> 'A'..'Z'; the table maps the rest of ASCII to itself). */
static inline int unit_order(uint32_t x, uint32_t y) {
  if ((x | y) < 0x80u) {
    x -= (uint32_t)(x - 'a' < 26u) << 5;
    y -= (uint32_t)(y - 'a' < 26u) << 5;
    return (int)x - (int)y;
  }
  return (int)upcase_unit((uint16_t)x) - (int)upcase_unit((uint16_t)y);
}

int name_cmp(const uint16_t *a, size_t na, const uint16_t *b, size_t nb) {
  size_t n = na < nb ? na : nb, i = 0;
  /* Identical units four at a time first (sibling names often share long prefixes, and an
   * equal name is usually equal unit for unit); the loads stay inside both names. */
  for (; i + 4u <= n; i += 4u) {
    uint64_t x, y;
    memcpy(&x, a + i, 8);
    memcpy(&y, b + i, 8);
    if (x != y) break;
  }
  for (; i < n; i++) {
    if (a[i] == b[i]) continue;
    int d = unit_order(a[i], b[i]);
    if (d) return d;
  }
  return na < nb ? -1 : na > nb ? 1 : 0;
}

/* §6.3: h = 37 * h + upcase(unit).  Four units per step while they are ASCII, on hosts where a
 * memcpy'd word holds unit i in bits 16i..16i+15: upcasing below 0x80 is "a".."z" minus 0x20
 * (the Windows table maps 0x7B..0x7F to themselves), done per lane, and four steps of the
 * recurrence fold into h * 37^4 + u0 * 37^3 + u1 * 37^2 + u2 * 37 + u3 (mod 2^32).  The first
 * word with a unit >= 0x80 hands over to the unit loop.  ORSaveHive hashes every subkey name
 * of an lh list: this was 7% of its instructions unit by unit. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define LANES(x) ((uint64_t)(x) * 0x0001000100010001ull)
#define HASH_WORDS 1
#endif
uint32_t name_hash_lh(const uint16_t *n, size_t len) {
  uint32_t h = 0;
  size_t i = 0;
#ifdef HASH_WORDS
  for (; i + 4 <= len; i += 4) {
    uint64_t w;
    memcpy(&w, n + i, sizeof w);
    if (w & LANES(0xFF80)) break;
    /* Bit 7 of a lane: unit >= 'a' in ge_a, unit >= '{' in ge_brace (no lane carries: <= 0x9E). */
    uint64_t ge_a = w + LANES(0x80 - 'a'), ge_brace = w + LANES(0x80 - '{');
    w -= (ge_a & ~ge_brace & LANES(0x80)) >> 2;
    h = h * 1874161u + (uint32_t)(w & 0xFFFF) * 50653u + (uint32_t)((w >> 16) & 0xFFFF) * 1369u +
        (uint32_t)((w >> 32) & 0xFFFF) * 37u + (uint32_t)(w >> 48);
  }
#endif
  for (; i < len; i++) h = 37u * h + upcase_unit(n[i]);
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
