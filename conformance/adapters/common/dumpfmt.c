/*
 * dumpfmt.c: canonical dump printing and wire-token decoding shared by the C adapters
 * (conformance/DUMP.md, conformance/adapters/PROTOCOL.md).
 */
#include "dumpfmt.h"

#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "upcase.h"

static int put_utf8(char *o, uint32_t c) {
  if (c < 0x80) { o[0] = (char)c; return 1; }
  if (c < 0x800) { o[0] = (char)(0xC0 | (c >> 6)); o[1] = (char)(0x80 | (c & 0x3F)); return 2; }
  if (c < 0x10000) {
    o[0] = (char)(0xE0 | (c >> 12)); o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
    o[2] = (char)(0x80 | (c & 0x3F)); return 3;
  }
  o[0] = (char)(0xF0 | (c >> 18)); o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
  o[2] = (char)(0x80 | ((c >> 6) & 0x3F)); o[3] = (char)(0x80 | (c & 0x3F)); return 4;
}

/* Escapes u[0..n) into o (capacity >= 12*n+3); returns the length. */
static size_t escape(char *o, const uint16_t *u, size_t n, int is_value) {
  size_t k = 0;
  if (is_value && n == 0) { o[k++] = '@'; return k; }
  if (is_value && n == 1 && u[0] == '@') { o[k++] = '\\'; o[k++] = '@'; return k; }
  for (size_t i = 0; i < n; i++) {
    uint16_t c = u[i];
    if (c == '\\') { o[k++] = '\\'; o[k++] = '\\'; continue; }
    if (c == '\t') { o[k++] = '\\'; o[k++] = 't'; continue; }
    if (c == '\n') { o[k++] = '\\'; o[k++] = 'n'; continue; }
    if (c == '\r') { o[k++] = '\\'; o[k++] = 'r'; continue; }
    if (c == 0) { o[k++] = '\\'; o[k++] = '0'; continue; }
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
      uint32_t cp = 0x10000u + (((uint32_t)c - 0xD800u) << 10) + ((uint32_t)u[i + 1] - 0xDC00u);
      k += (size_t)put_utf8(o + k, cp);
      i++;
      continue;
    }
    if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF)) {
      k += (size_t)sprintf(o + k, "\\u{%04X}", c);
      continue;
    }
    k += (size_t)put_utf8(o + k, c);
  }
  return k;
}

void dump_name(FILE *out, const uint16_t *u, size_t n, int is_value) {
  char *o = malloc(12 * n + 4);
  if (!o) { fputs("?", out); return; }
  size_t k = escape(o, u, n, is_value);
  fwrite(o, 1, k, out);
  free(o);
}

int dump_path_push(dump_path *p, const uint16_t *u, size_t n) {
  size_t need = p->len + 12 * n + 4;
  if (need > p->cap) {
    size_t cap = p->cap ? p->cap : 256;
    while (cap < need) cap *= 2;
    char *b = realloc(p->buf, cap);
    if (!b) return -1;
    p->buf = b;
    p->cap = cap;
  }
  p->buf[p->len++] = '\\';
  p->len += escape(p->buf + p->len, u, n, 0);
  p->buf[p->len] = 0;
  return 0;
}

void dump_path_pop(dump_path *p, size_t len) {
  p->len = len;
  if (p->buf) p->buf[len] = 0;
}

void dump_path_free(dump_path *p) {
  free(p->buf);
  p->buf = NULL;
  p->len = p->cap = 0;
}

const char *dump_path_str(const dump_path *p) { return p->len ? p->buf : "\\"; }

void dump_hex(FILE *out, const uint8_t *b, size_t n) {
  static const char hx[] = "0123456789abcdef";
  char buf[4096];
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    buf[k++] = hx[b[i] >> 4];
    buf[k++] = hx[b[i] & 15];
    if (k == sizeof buf) { fwrite(buf, 1, k, out); k = 0; }
  }
  fwrite(buf, 1, k, out);
}

void dump_data(FILE *out, const uint8_t *b, size_t n) {
  if (n <= 65536) {
    dump_hex(out, b, n);
    return;
  }
  uint8_t d[32];
  sha256(b, n, d);
  fputs("sha256:", out);
  dump_hex(out, d, 32);
}

void dump_trailer(FILE *out, const dump_totals *t) {
  fprintf(out, "S\t%llu\t%llu\t%llu\n", (unsigned long long)t->keys,
          (unsigned long long)t->values, (unsigned long long)t->bytes);
}

int dump_name_cmp(const uint16_t *a, size_t an, const uint16_t *b, size_t bn) {
  size_t n = an < bn ? an : bn;
  for (size_t i = 0; i < n; i++) {
    uint16_t x = upcase_unit(a[i]), y = upcase_unit(b[i]);
    if (x != y) return x < y ? -1 : 1;
  }
  return an < bn ? -1 : (an > bn ? 1 : 0);
}

size_t dump_utf8_to_utf16(const char *s, size_t len, uint16_t *out, size_t cap) {
  size_t k = 0, i = 0;
  const unsigned char *p = (const unsigned char *)s;
  while (i < len) {
    uint32_t c = p[i];
    int extra = c < 0x80 ? 0 : (c >> 5) == 6 ? 1 : (c >> 4) == 14 ? 2 : (c >> 3) == 30 ? 3 : -1;
    if (extra < 0 || i + (size_t)extra >= len + (extra ? 0 : 1)) return (size_t)-1;
    if (extra) c &= (0x3Fu >> extra);
    for (int j = 1; j <= extra; j++) {
      if ((p[i + (size_t)j] & 0xC0) != 0x80) return (size_t)-1;
      c = (c << 6) | (p[i + (size_t)j] & 0x3F);
    }
    i += (size_t)extra + 1;
    if (c >= 0x10000) {
      if (k + 2 > cap) return (size_t)-1;
      c -= 0x10000;
      out[k++] = (uint16_t)(0xD800 + (c >> 10));
      out[k++] = (uint16_t)(0xDC00 + (c & 0x3FF));
    } else {
      if (k + 1 > cap) return (size_t)-1;
      out[k++] = (uint16_t)c;
    }
  }
  return k;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

int wire_decode(const char *tok, char kind, uint8_t **out, size_t *len) {
  *out = NULL;
  *len = 0;
  if (strcmp(tok, "-") == 0) return 0;
  if (tok[0] != kind || tok[1] != ':') return -1;
  const char *h = tok + 2;
  size_t n = strlen(h);
  if (n % 2) return -1;
  uint8_t *b = malloc(n / 2 + 2);
  if (!b) return -1;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);
    if (hi < 0 || lo < 0) { free(b); return -1; }
    b[i] = (uint8_t)(hi << 4 | lo);
  }
  b[n / 2] = 0;
  b[n / 2 + 1] = 0;
  *out = b;
  *len = n / 2;
  return 0;
}

int wire_dword(const char *tok, uint32_t *v) {
  char *end;
  if (!tok[0] || tok[0] == '-') return -1;
  unsigned long long x = strtoull(tok, &end, 10);
  if (*end || x > 0xFFFFFFFFull) return -1;
  *v = (uint32_t)x;
  return 0;
}
