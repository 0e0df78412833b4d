/*
 * upcase.h: Windows' name upcase (CmUpcaseUnicodeChar, regf-format.md §6.2).
 * c < 'a' -> c; 'a'..'z' -> c - 0x20; otherwise the Windows 10 RtlUpcaseUnicodeChar table,
 * a 1:1 map over UTF-16 code units (no surrogate pairs, no locale).  towupper()/ICU disagree.
 */
#ifndef HIVEREF_UPCASE_H
#define HIVEREF_UPCASE_H

#include <stdint.h>

extern const uint16_t *const upcase_pages[256];
extern const unsigned upcase_changed_units;
/* Page 0 of the table (units 0x00..0xFF, including 'a'..'z'): every unit of a compressed name
 * upcases with one load.  upcase_pages[0] points at it. */
extern const uint16_t upcase_latin1[256];

static inline uint16_t upcase_unit(uint16_t c) {
  if (c < 0x100) return upcase_latin1[c];
  const uint16_t *page = upcase_pages[c >> 8];
  return page ? page[c & 0xFF] : c;
}

#endif /* HIVEREF_UPCASE_H */
