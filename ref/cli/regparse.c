/*
 * regparse.c: the .reg reader (see regparse.h).
 *
 * Syntax accepted (the export rules of regfmt.c read backwards; sources as there: Microsoft
 * KB 310516 for [key], [-key], "name"=-, @=, dword:, hex:, hex(N):; the itprotoday note that
 * REGEDIT4 files are ANSI and keep REG_EXPAND_SZ/REG_MULTI_SZ hex data as single-byte
 * characters; Wine's regedit import for the continuation-line and whitespace details):
 *  - First line: "Windows Registry Editor Version 5.00" or "REGEDIT4" (trailing blanks ok).
 *  - Lines end in CRLF, LF or CR.  Blank lines and lines starting with ';' are ignored;
 *    leading blanks (space, tab) are skipped everywhere.
 *  - "[" path "]": the key path runs to the LAST "]" on the line (key names may contain "]").
 *    "[-" path "]" deletes the key and its subtree.
 *  - Value lines: "@" (default value) or '"' name '"', blanks, "=", blanks, then one of
 *      -                       delete the value
 *      '"' text '"'            REG_SZ; "\\" and '\"' are escapes; a backslash before any
 *                              other character is kept with it (hand-written paths like
 *                              "C:\Temp" survive); the text may contain raw line breaks
 *                              (regedit exports embedded CR/LF raw), so it runs to the next
 *                              unescaped quote, which must be followed by blanks/EOL.
 *                              Value names are quoted strings with the same rules.
 *      dword:XXXXXXXX          REG_DWORD, 1 to 8 hex digits (case-insensitive)
 *      hex:b,b,...             REG_BINARY
 *      hex(T):b,b,...          type T in hex (1 to 8 digits)
 *    Hex bytes are 1-2 hex digits separated by commas, blanks allowed around them; a "\" at
 *    the end of a line continues the list on the next line (its leading blanks skipped); a
 *    trailing comma is allowed.  In REGEDIT4 files hex(2) and hex(7) carry ANSI bytes and are
 *    widened to UTF-16 (with the file's decoding) before being stored.
 *  - Anything else is a syntax error with its line number: hiveref is strict where regedit
 *    silently skips bad lines, so a typo never goes unnoticed.
 */
#include "regparse.h"

#include <stdio.h>
#include <string.h>

#include "climem.h"
#include "cp1252.h"

/* Decodes one UTF-8 sequence at s[0..n); returns its length and *cp, or 0 if invalid
 * (overlong, surrogate, beyond U+10FFFF, truncated). */
static size_t utf8_one(const uint8_t *s, size_t n, uint32_t *cp) {
  uint8_t c = s[0];
  size_t len;
  uint32_t v, min;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    len = 2, v = c & 0x1F, min = 0x80;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3, v = c & 0x0F, min = 0x800;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4, v = c & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (len > n) return 0;
  for (size_t i = 1; i < len; i++) {
    if ((s[i] & 0xC0) != 0x80) return 0;
    v = (v << 6) | (s[i] & 0x3F);
  }
  if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return 0;
  *cp = v;
  return len;
}

static int utf8_valid(const uint8_t *s, size_t n) {
  uint32_t cp;
  for (size_t i = 0; i < n;) {
    size_t l = utf8_one(s + i, n - i, &cp);
    if (l == 0) return 0;
    i += l;
  }
  return 1;
}

/* Converts bytes to UTF-16 (UTF-8 or Windows-1252) into a new block of n + 1 units
 * (*units set; free with cli_free(p, cap * 2), cap returned in *cap). */
static uint16_t *widen(const uint8_t *s, size_t n, int cp1252, size_t *units, size_t *cap) {
  /* Each byte gives at most one unit (a 4-byte UTF-8 sequence gives two). */
  size_t c = n + 1;
  uint16_t *w = cli_alloc(c * sizeof(uint16_t));
  if (w == NULL) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    if (cp1252) {
      w[o++] = cp1252_decode(s[i++]);
      continue;
    }
    uint32_t cp = 0;
    size_t l = utf8_one(s + i, n - i, &cp);
    i += l ? l : 1; /* callers validated the input */
    if (cp >= 0x10000) {
      w[o++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
      w[o++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      w[o++] = (uint16_t)cp;
    }
  }
  w[o] = 0;
  *units = o;
  *cap = c;
  return w;
}

static int ascii_eq(const uint16_t *u, size_t n, const char *s) {
  size_t l = strlen(s);
  if (n != l) return 0;
  for (size_t i = 0; i < l; i++)
    if (u[i] != (uint8_t)s[i]) return 0;
  return 1;
}

int regparse_decode(const uint8_t *data, size_t size, regparse_text *t, const char **msg) {
  memset(t, 0, sizeof *t);
  if (size >= 2 && data[0] == 0xFF && data[1] == 0xFE) {
    if ((size & 1) != 0) {
      *msg = "UTF-16LE file with an odd number of bytes";
      return -1;
    }
    size_t n = (size - 2) / 2;
    t->cap = n + 1;
    t->u = cli_alloc(t->cap * sizeof(uint16_t));
    if (t->u == NULL) {
      *msg = "out of memory";
      return -1;
    }
    for (size_t i = 0; i < n; i++) t->u[i] = (uint16_t)(data[2 + 2 * i] | data[3 + 2 * i] << 8);
    t->len = n;
  } else {
    if (size >= 3 && data[0] == 0xEF && data[1] == 0xBB && data[2] == 0xBF) data += 3, size -= 3;
    t->ansi_cp1252 = !utf8_valid(data, size);
    t->u = widen(data, size, t->ansi_cp1252, &t->len, &t->cap);
    if (t->u == NULL) {
      *msg = "out of memory";
      return -1;
    }
  }
  size_t e = 0;
  while (e < t->len && t->u[e] != '\r' && t->u[e] != '\n') e++;
  size_t h = e;
  while (h > 0 && (t->u[h - 1] == ' ' || t->u[h - 1] == '\t')) h--;
  if (ascii_eq(t->u, h, "Windows Registry Editor Version 5.00")) {
    t->version = 5;
  } else if (ascii_eq(t->u, h, "REGEDIT4")) {
    t->version = 4;
  } else {
    regparse_text_release(t);
    *msg = "not a .reg file: the first line is neither "
           "\"Windows Registry Editor Version 5.00\" nor \"REGEDIT4\"";
    return -1;
  }
  return 0;
}

void regparse_text_release(regparse_text *t) {
  cli_free(t->u, t->cap * sizeof(uint16_t));
  memset(t, 0, sizeof *t);
}

/* ---- the line parser ----------------------------------------------------------------------- */

typedef struct parser {
  const regparse_text *t;
  const uint16_t *u;
  size_t n, pos, line;
  uint16_t *name;
  size_t name_len, name_cap;
  uint8_t *data;
  size_t data_len, data_cap;
  char *err;
  size_t errcap;
} parser;

static int fail(parser *p, const char *msg) {
  snprintf(p->err, p->errcap, "%s", msg);
  return -1;
}

static int at_eol(const parser *p) {
  return p->pos >= p->n || p->u[p->pos] == '\r' || p->u[p->pos] == '\n';
}

/* Consumes one line break (CRLF, LF or CR) if present. */
static void eat_newline(parser *p) {
  if (p->pos < p->n && p->u[p->pos] == '\r') {
    p->pos++;
    if (p->pos < p->n && p->u[p->pos] == '\n') p->pos++;
    p->line++;
  } else if (p->pos < p->n && p->u[p->pos] == '\n') {
    p->pos++;
    p->line++;
  }
}

static void skip_blanks(parser *p) {
  while (p->pos < p->n && (p->u[p->pos] == ' ' || p->u[p->pos] == '\t')) p->pos++;
}

/* Only blanks (or a ';' comment) may follow data on its line. */
static int expect_line_end(parser *p) {
  skip_blanks(p);
  if (p->pos < p->n && p->u[p->pos] == ';')
    while (!at_eol(p)) p->pos++;
  if (!at_eol(p)) return fail(p, "unexpected text after the value data");
  eat_newline(p);
  return 0;
}

static int name_put(parser *p, uint16_t c) {
  if (p->name_len == p->name_cap) {
    size_t nc = p->name_cap ? p->name_cap * 2 : 256;
    uint16_t *nn = cli_realloc(p->name, p->name_cap * sizeof(uint16_t), nc * sizeof(uint16_t));
    if (nn == NULL) return fail(p, "out of memory");
    p->name = nn;
    p->name_cap = nc;
  }
  p->name[p->name_len++] = c;
  return 0;
}

static int data_put(parser *p, const void *b, size_t n) {
  if (n == 0) return 0;
  if (n > p->data_cap - p->data_len) {
    size_t nc = p->data_cap ? p->data_cap : 4096;
    while (nc - p->data_len < n) {
      if (nc > SIZE_MAX / 2) return fail(p, "out of memory");
      nc *= 2;
    }
    uint8_t *nd = cli_realloc(p->data, p->data_cap, nc);
    if (nd == NULL) return fail(p, "out of memory");
    p->data = nd;
    p->data_cap = nc;
  }
  memcpy(p->data + p->data_len, b, n);
  p->data_len += n;
  return 0;
}

/* Reads a quoted string starting at the opening quote into name (for names) or, as UTF-16LE
 * bytes, into data.  The escapes and line-break rule are those of the file comment. */
static int read_quoted(parser *p, int to_data) {
  p->pos++; /* the opening quote */
  for (;;) {
    if (p->pos >= p->n) return fail(p, "unterminated string");
    uint16_t c = p->u[p->pos];
    if (c == '"') {
      p->pos++;
      return 0;
    }
    if (c == '\n' || (c == '\r' && !(p->pos + 1 < p->n && p->u[p->pos + 1] == '\n'))) p->line++;
    p->pos++;
    if (c == '\\' && p->pos < p->n && (p->u[p->pos] == '\\' || p->u[p->pos] == '"')) {
      c = p->u[p->pos++];
    }
    int rc;
    if (to_data) {
      uint8_t b[2] = {(uint8_t)(c & 0xFF), (uint8_t)(c >> 8)};
      rc = data_put(p, b, 2);
    } else {
      rc = name_put(p, c);
    }
    if (rc != 0) return -1;
  }
}

static int hexval(uint16_t c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Case-insensitive ASCII prefix test at the current position. */
static int looking_at(const parser *p, const char *s) {
  size_t l = strlen(s);
  if (p->n - p->pos < l) return 0;
  for (size_t i = 0; i < l; i++) {
    uint16_t c = p->u[p->pos + i];
    if (c >= 'A' && c <= 'Z') c = (uint16_t)(c + 32);
    if (c != (uint8_t)s[i]) return 0;
  }
  return 1;
}

/* Reads 1..8 hex digits into *v. */
static int read_hex32(parser *p, uint32_t *v) {
  int nd = 0;
  uint32_t x = 0;
  while (p->pos < p->n && hexval(p->u[p->pos]) >= 0) {
    if (++nd > 8) return fail(p, "more than 8 hex digits");
    x = x << 4 | (uint32_t)hexval(p->u[p->pos++]);
  }
  if (nd == 0) return fail(p, "hex digits expected");
  *v = x;
  return 0;
}

/* The comma-separated byte list of hex: / hex(T):, with "\" continuations. */
static int read_hex_bytes(parser *p) {
  int need_byte = 0; /* after a comma a byte may follow (or the line may end) */
  for (;;) {
    skip_blanks(p);
    if (p->pos < p->n && p->u[p->pos] == '\\') {
      /* a continuation: "\" then blanks then the line break */
      size_t save = p->pos;
      p->pos++;
      skip_blanks(p);
      if (!at_eol(p) || p->pos >= p->n) {
        p->pos = save;
        return fail(p, "\"\\\" must end the line in a hex list");
      }
      eat_newline(p);
      skip_blanks(p);
      continue;
    }
    if (at_eol(p) || (p->pos < p->n && p->u[p->pos] == ';')) return expect_line_end(p);
    int hi = hexval(p->u[p->pos]);
    if (hi < 0) return fail(p, need_byte ? "hex byte expected" : "hex byte or ',' expected");
    p->pos++;
    int v = hi;
    if (p->pos < p->n && hexval(p->u[p->pos]) >= 0) v = v * 16 + hexval(p->u[p->pos++]);
    uint8_t b = (uint8_t)v;
    if (data_put(p, &b, 1) != 0) return -1;
    skip_blanks(p);
    if (p->pos < p->n && p->u[p->pos] == ',') {
      p->pos++;
      need_byte = 1;
      continue;
    }
    need_byte = 0;
    skip_blanks(p);
    if (p->pos < p->n && p->u[p->pos] != '\\' && !at_eol(p) && p->u[p->pos] != ';')
      return fail(p, "',' expected between hex bytes");
  }
}

/* REGEDIT4: hex(2)/hex(7) carry ANSI bytes; widen them to UTF-16LE in place of data. */
static int widen_ansi_data(parser *p) {
  const uint8_t *s = p->data;
  size_t n = p->data_len;
  int cp1252 = p->t->ansi_cp1252 || !utf8_valid(s, n);
  size_t units, cap;
  uint16_t *w = widen(s, n, cp1252, &units, &cap);
  if (w == NULL) return fail(p, "out of memory");
  p->data_len = 0;
  int rc = 0;
  for (size_t i = 0; i < units && rc == 0; i++) {
    uint8_t b[2] = {(uint8_t)(w[i] & 0xFF), (uint8_t)(w[i] >> 8)};
    rc = data_put(p, b, 2);
  }
  cli_free(w, cap * sizeof(uint16_t));
  return rc;
}

static int parse_value(parser *p, const regparse_sink *sink) {
  size_t line = p->line;
  p->name_len = 0;
  p->data_len = 0;
  if (p->u[p->pos] == '@') {
    p->pos++;
  } else if (read_quoted(p, 0) != 0) {
    return -1;
  }
  /* An empty quoted name ("") is the default value, as "@" (the API has one unnamed value). */
  skip_blanks(p);
  if (p->pos >= p->n || p->u[p->pos] != '=') return fail(p, "'=' expected after the value name");
  p->pos++;
  skip_blanks(p);
  if (p->pos < p->n && p->u[p->pos] == '-') {
    p->pos++;
    if (expect_line_end(p) != 0) return -1;
    return sink->value(sink->ctx, p->name, p->name_len, 1, 0, NULL, 0, line);
  }
  uint32_t type;
  if (p->pos < p->n && p->u[p->pos] == '"') {
    if (read_quoted(p, 1) != 0) return -1;
    static const uint8_t nul[2] = {0, 0};
    if (data_put(p, nul, 2) != 0 || expect_line_end(p) != 0) return -1;
    type = 1; /* REG_SZ */
  } else if (looking_at(p, "dword:")) {
    p->pos += 6;
    uint32_t v;
    if (read_hex32(p, &v) != 0) return -1;
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    if (data_put(p, b, 4) != 0 || expect_line_end(p) != 0) return -1;
    type = 4; /* REG_DWORD */
  } else if (looking_at(p, "hex:")) {
    p->pos += 4;
    type = 3; /* REG_BINARY */
    if (read_hex_bytes(p) != 0) return -1;
  } else if (looking_at(p, "hex(")) {
    p->pos += 4;
    if (read_hex32(p, &type) != 0) return -1;
    if (!looking_at(p, "):")) return fail(p, "\"):\" expected after the type");
    p->pos += 2;
    if (read_hex_bytes(p) != 0) return -1;
    if (p->t->version == 4 && (type == 2 || type == 7) && widen_ansi_data(p) != 0) return -1;
  } else {
    return fail(p, "unknown value data (expected -, \"string\", dword:, hex: or hex(T):)");
  }
  return sink->value(sink->ctx, p->name, p->name_len, 0, type, p->data, p->data_len, line);
}

static int parse_key(parser *p, const regparse_sink *sink) {
  size_t start = p->pos + 1, end = start, last = 0;
  int found = 0;
  while (end < p->n && p->u[end] != '\r' && p->u[end] != '\n') {
    if (p->u[end] == ']') last = end, found = 1;
    end++;
  }
  if (!found) return fail(p, "key line without ']'");
  for (size_t i = last + 1; i < end; i++)
    if (p->u[i] != ' ' && p->u[i] != '\t') return fail(p, "unexpected text after ']'");
  int del = start < last && p->u[start] == '-';
  size_t line = p->line;
  p->pos = end;
  eat_newline(p);
  return sink->key(sink->ctx, p->u + start + del, last - start - (size_t)del, del, line);
}

int regparse_run(const regparse_text *t, const regparse_sink *sink, size_t *err_line,
                 char *errbuf, size_t errcap) {
  parser p;
  memset(&p, 0, sizeof p);
  p.t = t;
  p.u = t->u;
  p.n = t->len;
  p.line = 1;
  p.err = errbuf;
  p.errcap = errcap;
  if (errcap) errbuf[0] = '\0';
  /* Skip the header line (regparse_decode checked it). */
  while (!at_eol(&p)) p.pos++;
  eat_newline(&p);
  int rc = 0;
  while (rc == 0) {
    skip_blanks(&p);
    if (p.pos >= p.n) break;
    uint16_t c = p.u[p.pos];
    if (c == '\r' || c == '\n') {
      eat_newline(&p);
    } else if (c == ';') {
      while (!at_eol(&p)) p.pos++;
      eat_newline(&p);
    } else if (c == '[') {
      rc = parse_key(&p, sink);
    } else if (c == '"' || c == '@') {
      rc = parse_value(&p, sink);
    } else {
      rc = fail(&p, "unexpected text (expected [key], \"name\"=, @= or ;comment)");
    }
  }
  *err_line = p.line;
  cli_free(p.name, p.name_cap * sizeof(uint16_t));
  cli_free(p.data, p.data_cap);
  return rc;
}
