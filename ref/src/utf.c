/*
 * utf.c: UTF-16 <-> UTF-8 conversion (hiveref.h HRUtf16ToUtf8 / HRUtf8ToUtf16); the HR*Utf8
 * wrappers over it are in utf_wrap.c.
 *
 * UTF-8 input is validated strictly (RFC 3629: no overlongs, no encoded surrogates, nothing
 * above U+10FFFF, no truncated sequences); the wrappers turn a failure into
 * ERROR_INVALID_PARAMETER.  UTF-16 from a hive is whatever the hive stores: lone surrogates
 * become U+FFFD in UTF-8 (hiveref.h).  A NULL output buffer asks for the length (without NUL).
 */
#include <stdbool.h>
#include <string.h>

#include "hiveref.h"

/* ---- conversion ------------------------------------------------------------------------- */

size_t HRUtf16ToUtf8(const uint16_t *in, size_t in_len, char *out, size_t out_cap) {
  size_t n = 0;
  if (!in && in_len) return (size_t)-1;
  for (size_t i = 0; i < in_len; i++) {
    uint32_t c = in[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < in_len && in[i + 1] >= 0xDC00 &&
        in[i + 1] <= 0xDFFF) {
      c = 0x10000u + ((c - 0xD800u) << 10) + (in[i + 1] - 0xDC00u);
      i++;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    uint8_t b[4];
    size_t k;
    if (c < 0x80) {
      b[0] = (uint8_t)c;
      k = 1;
    } else if (c < 0x800) {
      b[0] = (uint8_t)(0xC0 | (c >> 6));
      b[1] = (uint8_t)(0x80 | (c & 0x3F));
      k = 2;
    } else if (c < 0x10000) {
      b[0] = (uint8_t)(0xE0 | (c >> 12));
      b[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
      b[2] = (uint8_t)(0x80 | (c & 0x3F));
      k = 3;
    } else {
      b[0] = (uint8_t)(0xF0 | (c >> 18));
      b[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3F));
      b[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3F));
      b[3] = (uint8_t)(0x80 | (c & 0x3F));
      k = 4;
    }
    if (out) {
      if (n + k + 1 > out_cap) return (size_t)-1;
      memcpy(out + n, b, k);
    }
    n += k;
  }
  if (out) {
    if (n + 1 > out_cap) return (size_t)-1;
    out[n] = 0;
  }
  return n;
}

/* Decodes one UTF-8 scalar at s[*i..len); false on any malformation. */
static bool utf8_next(const uint8_t *s, size_t len, size_t *i, uint32_t *cp) {
  uint8_t b0 = s[*i];
  uint32_t c, min;
  size_t k;
  if (b0 < 0x80) {
    *cp = b0;
    (*i)++;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    c = b0 & 0x1Fu;
    k = 1;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    c = b0 & 0x0Fu;
    k = 2;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    c = b0 & 0x07u;
    k = 3;
    min = 0x10000;
  } else {
    return false;
  }
  if (k > len - *i - 1) return false;
  for (size_t j = 1; j <= k; j++) {
    uint8_t b = s[*i + j];
    if ((b & 0xC0) != 0x80) return false;
    c = (c << 6) | (b & 0x3Fu);
  }
  if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return false;
  *cp = c;
  *i += k + 1;
  return true;
}

size_t HRUtf8ToUtf16(const char *in, size_t in_len, uint16_t *out, size_t out_cap) {
  const uint8_t *s = (const uint8_t *)in;
  size_t n = 0, i = 0;
  if (!in && in_len) return (size_t)-1;
  while (i < in_len) {
    uint32_t c;
    if (!utf8_next(s, in_len, &i, &c)) return (size_t)-1;
    size_t k = c >= 0x10000 ? 2 : 1;
    if (out) {
      if (n + k + 1 > out_cap) return (size_t)-1;
      if (k == 2) {
        out[n] = (uint16_t)(0xD800 + ((c - 0x10000) >> 10));
        out[n + 1] = (uint16_t)(0xDC00 + ((c - 0x10000) & 0x3FF));
      } else {
        out[n] = (uint16_t)c;
      }
    }
    n += k;
  }
  if (out) {
    if (n + 1 > out_cap) return (size_t)-1;
    out[n] = 0;
  }
  return n;
}
