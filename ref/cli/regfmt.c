/*
 * regfmt.c: the regedit 5.00 .reg renderer.
 *
 * The format as regedit.exe writes it ("Export" / `regedit /e FILE KEY`).  Sources: Microsoft
 * KB 310516 "How to add, modify, or delete registry subkeys and values by using a .reg file"
 * (header, [key] lines, "name"=, @=, dword:, hex:, hex(N): syntax); the itprotoday "Understanding
 * Regedit.exe .reg files" note (5.00 files are Unicode, REGEDIT4 ANSI); and Wine's regedit
 * export code (programs/regedit/regproc.c: REGPROC_open_export_file, export_key_name,
 * export_value_name, export_data, export_hex_data), written to reproduce Windows output
 * byte for byte and also used by ReactOS.  Read for the facts below; no code was copied.
 * The wrapping was then checked against real regedit.exe output quoted in public material
 * (Services\TermService ImagePath/FailureActions, webthreatdefsvc DependOnService, Explorer
 * ShellState): ref/cli/tests/test_regfmt.c reproduces those exports exactly.
 *
 *  1. File: UTF-16LE with a BOM (FF FE).  Every line ends in CRLF.  First line:
 *     "Windows Registry Editor Version 5.00".
 *  2. Keys are visited depth first: a key's header, then its values in stored (enumeration)
 *     order, then each subkey in enumeration order (Windows order: sorted by upcased name).
 *     Each key header is preceded by an empty line: CRLF "[" path "]" CRLF.  The path is the
 *     root prefix and the key names joined by "\", written verbatim (no escaping of key names).
 *  3. After the last key regedit writes one more CRLF, so the file ends with an empty line.
 *  4. Value name: the default (unnamed) value is "@=", others '"' escaped-name '"='.
 *  5. Escaping in names and string data: "\" becomes "\\" and '"' becomes '\"'; nothing else
 *     is escaped.  (Wine additionally writes \r and \n as escapes; Windows regedit writes
 *     embedded CR/LF raw, and we follow Windows: the importer reads quoted strings across
 *     line breaks.)
 *  6. REG_SZ (1): '"' escaped-text '"' where text is the data up to the terminating NUL.
 *     Only data that is a well-formed NUL-terminated string (even size >= 2, last unit NUL,
 *     no earlier NUL) is written that way; otherwise (odd size, missing terminator, embedded
 *     NUL, empty data) the value is written as hex(1): so that no byte is lost.
 *  7. REG_DWORD (4) of exactly 4 bytes: "dword:" and 8 lower-case hex digits of the
 *     little-endian value.  A REG_DWORD of any other size is written as hex(4):.
 *  8. REG_BINARY (3): "hex:".  Every other type, including REG_NONE (0), REG_EXPAND_SZ (2),
 *     REG_DWORD_BIG_ENDIAN (5), REG_LINK (6), REG_MULTI_SZ (7), REG_RESOURCE_LIST (8..10),
 *     REG_QWORD (b) and unknown types: "hex(" type in lower-case hex without leading zeros
 *     "):" (e.g. hex(0):, hex(2):, hex(7):, hex(b):, hex(ffff0010):).  The bytes are the raw
 *     value data (5.00 files keep UTF-16 in hex(2)/hex(7) as is).
 *  9. Hex bytes: two lower-case hex digits each, separated by ",".  Empty data: nothing
 *     follows the prefix ("x"=hex:).
 * 10. Wrapping: a column counter starts at the length of the line so far (the name part
 *     including quotes and "=", plus the type prefix, counted in UTF-16 units of the escaped
 *     name).  After each byte except the last, "," is written and the counter grows by 3; when
 *     it reaches 77 or more the line is ended with "\" CRLF and the next line starts with two
 *     spaces (counter = 2).  So a line never exceeds 80 characters with its "\" when the name
 *     is short, continuation lines carry 25 bytes each, and the break happens after the comma
 *     even if only the final byte remains.
 * 11. REGEDIT4 (`regedit /a`, "Win9x/NT4 Registration Files"): first line "REGEDIT4", the file
 *     in the ANSI code page (Windows-1252 here) without a BOM, and REG_EXPAND_SZ/REG_MULTI_SZ
 *     data converted to ANSI bytes before the hex dump (itprotoday note; Wine
 *     export_hex_data converts with WideCharToMultiByte).  Everything else as in 5.00.
 */
#include "regfmt.h"

#include <string.h>

#include "climem.h"
#include "cp1252.h"

#define REGFMT_WRAP_COLUMN 77 /* rule 10 */

void regfmt_init(regfmt_out *o) { memset(o, 0, sizeof *o); }

void regfmt_release(regfmt_out *o) {
  cli_free(o->u, o->cap * sizeof(uint16_t));
  memset(o, 0, sizeof *o);
}

void regfmt_clear(regfmt_out *o) { o->len = 0; }

/* Makes room for n more units (amortised doubling). */
static int reserve(regfmt_out *o, size_t n) {
  if (o->failed) return -1;
  if (n <= o->cap - o->len) return 0;
  size_t want = o->cap ? o->cap : 4096;
  while (want - o->len < n) {
    if (want > SIZE_MAX / 2 / sizeof(uint16_t)) {
      o->failed = 1;
      return -1;
    }
    want *= 2;
  }
  uint16_t *nu = cli_realloc(o->u, o->cap * sizeof(uint16_t), want * sizeof(uint16_t));
  if (nu == NULL) {
    o->failed = 1;
    return -1;
  }
  o->u = nu;
  o->cap = want;
  return 0;
}

int regfmt_put(regfmt_out *o, const uint16_t *u, size_t n) {
  if (reserve(o, n) != 0) return -1;
  if (n) memcpy(o->u + o->len, u, n * sizeof(uint16_t));
  o->len += n;
  return 0;
}

static int put_unit(regfmt_out *o, uint16_t c) { return regfmt_put(o, &c, 1); }

int regfmt_put_ascii(regfmt_out *o, const char *s) {
  size_t n = strlen(s);
  if (reserve(o, n) != 0) return -1;
  for (size_t i = 0; i < n; i++) o->u[o->len + i] = (uint8_t)s[i];
  o->len += n;
  return 0;
}

int regfmt_header(regfmt_out *o) {
  if (o->regedit4) return regfmt_put_ascii(o, "REGEDIT4\r\n");               /* rule 11 */
  return regfmt_put_ascii(o, "Windows Registry Editor Version 5.00\r\n");    /* rule 1 */
}

int regfmt_key(regfmt_out *o, const uint16_t *path, size_t path_len) {
  regfmt_put_ascii(o, "\r\n[");                                              /* rule 2 */
  regfmt_put(o, path, path_len);
  return regfmt_put_ascii(o, "]\r\n");
}

int regfmt_footer(regfmt_out *o) { return regfmt_put_ascii(o, "\r\n"); }     /* rule 3 */

/* Appends s with rule 5's escapes; returns the number of units appended. */
static size_t put_escaped(regfmt_out *o, const uint16_t *s, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' || s[i] == '"') {
      put_unit(o, '\\');
      w++;
    }
    put_unit(o, s[i]);
    w++;
  }
  return w;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }

int regfmt_sz_is_string(const uint8_t *data, size_t size) {
  if (size < 2 || (size & 1) != 0) return 0;
  size_t n = size / 2;
  if (le16(data + 2 * (n - 1)) != 0) return 0;
  for (size_t i = 0; i + 1 < n; i++)
    if (le16(data + 2 * i) == 0) return 0;
  return 1;
}

static const char hexdig[] = "0123456789abcdef";

/* Rules 8-10: the hex(N): / hex: form starting at column col. */
static void put_hex(regfmt_out *o, size_t col, uint32_t type, const uint8_t *data, size_t size) {
  char prefix[24];
  if (type == 3) {
    memcpy(prefix, "hex:", 5);
  } else {
    /* "hex(" + up to 8 digits + "):" */
    char digits[9];
    int nd = 0;
    uint32_t t = type;
    do {
      digits[nd++] = hexdig[t & 0xF];
      t >>= 4;
    } while (t != 0);
    size_t p = 0;
    memcpy(prefix, "hex(", 4);
    p = 4;
    while (nd > 0) prefix[p++] = digits[--nd];
    prefix[p++] = ')';
    prefix[p++] = ':';
    prefix[p] = '\0';
  }
  regfmt_put_ascii(o, prefix);
  col += strlen(prefix);
  for (size_t i = 0; i < size; i++) {
    uint16_t two[2] = {(uint16_t)hexdig[data[i] >> 4], (uint16_t)hexdig[data[i] & 0xF]};
    regfmt_put(o, two, 2);
    if (i + 1 == size) break;
    put_unit(o, ',');
    col += 3;
    if (col >= REGFMT_WRAP_COLUMN) {
      regfmt_put_ascii(o, "\\\r\n  ");
      col = 2;
    }
  }
}

/* Rule 11: REGEDIT4 keeps REG_EXPAND_SZ / REG_MULTI_SZ as ANSI bytes: each UTF-16 unit of the
 * data (a trailing odd byte is dropped) becomes its Windows-1252 byte or '?'. */
static void put_hex_ansi(regfmt_out *o, size_t col, uint32_t type, const uint8_t *data,
                         size_t size) {
  size_t n = size / 2;
  uint8_t *b = cli_alloc(n ? n : 1);
  if (b == NULL) {
    o->failed = 1;
    return;
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    uint16_t u = le16(data + 2 * i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n && le16(data + 2 * i + 2) >= 0xDC00 &&
        le16(data + 2 * i + 2) <= 0xDFFF)
      i++; /* a surrogate pair is one character: one '?' */
    int e = cp1252_encode(u);
    b[k++] = e < 0 ? (uint8_t)'?' : (uint8_t)e;
  }
  put_hex(o, col, type, b, k);
  cli_free(b, n ? n : 1);
}

int regfmt_value(regfmt_out *o, const uint16_t *name, size_t name_len, uint32_t type,
                 const uint8_t *data, size_t size) {
  size_t col;
  if (name_len == 0) {                                                        /* rule 4 */
    regfmt_put_ascii(o, "@=");
    col = 2;
  } else {
    put_unit(o, '"');
    col = 1 + put_escaped(o, name, name_len);
    regfmt_put_ascii(o, "\"=");
    col += 2;
  }
  if (type == 1 && regfmt_sz_is_string(data, size)) {                         /* rule 6 */
    size_t n = size / 2 - 1;
    put_unit(o, '"');
    for (size_t i = 0; i < n; i++) {
      uint16_t c = le16(data + 2 * i);
      put_escaped(o, &c, 1);
    }
    put_unit(o, '"');
  } else if (type == 4 && size == 4) {                                        /* rule 7 */
    uint32_t v = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
                 (uint32_t)data[3] << 24;
    char buf[16];
    memcpy(buf, "dword:", 6);
    for (int i = 0; i < 8; i++) buf[6 + i] = hexdig[(v >> (28 - 4 * i)) & 0xF];
    buf[14] = '\0';
    regfmt_put_ascii(o, buf);
  } else if (o->regedit4 && (type == 2 || type == 7)) {                      /* rule 11 */
    put_hex_ansi(o, col, type, data, size);
  } else {
    put_hex(o, col, type, data, size);
  }
  return regfmt_put_ascii(o, "\r\n");
}

int regfmt_write_bom(FILE *f, regfmt_encoding enc) {
  static const uint8_t bom[2] = {0xFF, 0xFE};
  if (enc != REGFMT_UTF16LE) return 0;
  return fwrite(bom, 1, 2, f) == 2 ? 0 : -1;
}

int regfmt_write(FILE *f, const uint16_t *u, size_t n, regfmt_encoding enc) {
  uint8_t buf[4096];
  size_t b = 0;
  for (size_t i = 0; i < n; i++) {
    if (b + 4 > sizeof buf) {
      if (fwrite(buf, 1, b, f) != b) return -1;
      b = 0;
    }
    uint16_t c = u[i];
    if (enc == REGFMT_UTF16LE) {
      buf[b++] = (uint8_t)(c & 0xFF);
      buf[b++] = (uint8_t)(c >> 8);
      continue;
    }
    if (enc == REGFMT_CP1252) {
      if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF)
        i++; /* one character, one '?' */
      int e = cp1252_encode(c);
      buf[b++] = e < 0 ? (uint8_t)'?' : (uint8_t)e;
      continue;
    }
    uint32_t cp = c;
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
      cp = 0x10000u + (((uint32_t)c - 0xD800u) << 10) + ((uint32_t)u[i + 1] - 0xDC00u);
      i++;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      cp = 0xFFFD; /* lone surrogate: not representable in UTF-8 */
    }
    if (cp < 0x80) {
      buf[b++] = (uint8_t)cp;
    } else if (cp < 0x800) {
      buf[b++] = (uint8_t)(0xC0 | (cp >> 6));
      buf[b++] = (uint8_t)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      buf[b++] = (uint8_t)(0xE0 | (cp >> 12));
      buf[b++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
      buf[b++] = (uint8_t)(0x80 | (cp & 0x3F));
    } else {
      buf[b++] = (uint8_t)(0xF0 | (cp >> 18));
      buf[b++] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
      buf[b++] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
      buf[b++] = (uint8_t)(0x80 | (cp & 0x3F));
    }
  }
  if (b && fwrite(buf, 1, b, f) != b) return -1;
  return 0;
}
