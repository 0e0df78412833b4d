/*
 * bytes.h: bounds-checked little-endian reads and writes over a span (DESIGN.md §2 "bytes";
 * STYLE.md item 3).  No struct is ever cast over file data: every field is read here.
 *
 * The *_at readers take an offset and return false when [off, off+width) is not inside the
 * span, leaving *out untouched.  The unchecked le_* helpers are for callers that already proved
 * the bound (e.g. after checking a record fits its cell, R-C08).
 */
#ifndef HIVEREF_BYTES_H
#define HIVEREF_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hr_span {
  const uint8_t *p;
  size_t len;
} hr_span;

static inline uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t le64(const uint8_t *p) {
  return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32);
}
static inline void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}
static inline void put64(uint8_t *p, uint64_t v) {
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}

static inline bool span_has(hr_span s, size_t off, size_t n) {
  return off <= s.len && n <= s.len - off;
}
static inline bool span_u8(hr_span s, size_t off, uint8_t *out) {
  if (!span_has(s, off, 1)) return false;
  *out = s.p[off];
  return true;
}
static inline bool span_u16(hr_span s, size_t off, uint16_t *out) {
  if (!span_has(s, off, 2)) return false;
  *out = le16(s.p + off);
  return true;
}
static inline bool span_u32(hr_span s, size_t off, uint32_t *out) {
  if (!span_has(s, off, 4)) return false;
  *out = le32(s.p + off);
  return true;
}
static inline bool span_i32(hr_span s, size_t off, int32_t *out) {
  uint32_t v;
  if (!span_u32(s, off, &v)) return false;
  *out = (int32_t)v;
  return true;
}
static inline bool span_u64(hr_span s, size_t off, uint64_t *out) {
  if (!span_has(s, off, 8)) return false;
  *out = le64(s.p + off);
  return true;
}
/* A sub-span [off, off+n) or false. */
static inline bool span_sub(hr_span s, size_t off, size_t n, hr_span *out) {
  if (!span_has(s, off, n)) return false;
  out->p = s.p + off;
  out->len = n;
  return true;
}

#endif /* HIVEREF_BYTES_H */
