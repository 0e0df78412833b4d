/*
 * regfmt.h: rendering registry keys and values in the regedit "Windows Registry Editor
 * Version 5.00" (.reg) text format, as regedit.exe exports it.  The exact rules (header, key
 * lines, escaping, type prefixes, 80-column hex wrapping) and their sources are listed at the
 * top of regfmt.c.
 *
 * The renderer works on UTF-16 code units (the registry's own string type), appending to a
 * growable buffer; regfmt_write encodes the buffer as UTF-16LE (regedit's encoding), UTF-8, or
 * Windows-1252 for the older REGEDIT4 format (regfmt_out.regedit4).  It depends on libc and the
 * CLI allocator only, so it is unit-tested without the engine
 * (ref/cli/tests/test_regfmt.c).
 */
#ifndef HIVEREF_CLI_REGFMT_H
#define HIVEREF_CLI_REGFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A growable UTF-16 text buffer.  failed is sticky: after an allocation failure every append
 * is a no-op and returns -1. */
typedef struct regfmt_out {
  uint16_t *u;
  size_t len, cap;
  int failed;
  int regedit4;  /* 1: REGEDIT4 rendering (header; hex(2)/hex(7) data as ANSI bytes) */
} regfmt_out;

void regfmt_init(regfmt_out *o);
void regfmt_release(regfmt_out *o);
/* Forgets the content (keeps the storage). */
void regfmt_clear(regfmt_out *o);

/* Appends raw units / an ASCII string.  0 on success, -1 on allocation failure. */
int regfmt_put(regfmt_out *o, const uint16_t *u, size_t n);
int regfmt_put_ascii(regfmt_out *o, const char *s);

/* "Windows Registry Editor Version 5.00" CRLF (the BOM is written by regfmt_write_bom), or
 * "REGEDIT4" CRLF when o->regedit4 is set. */
int regfmt_header(regfmt_out *o);
/* A blank line, then "[" path "]" CRLF.  path is written verbatim (regedit does not escape
 * key names). */
int regfmt_key(regfmt_out *o, const uint16_t *path, size_t path_len);
/* One value line (with continuation lines for hex data), ending in CRLF.  name_len 0 means
 * the default value ("@="). */
int regfmt_value(regfmt_out *o, const uint16_t *name, size_t name_len, uint32_t type,
                 const uint8_t *data, size_t size);
/* The final blank line regedit ends every export with. */
int regfmt_footer(regfmt_out *o);

/* True when a REG_SZ payload is exported as a quoted string: even size >= 2, last code unit
 * NUL, no NUL before it.  Anything else is exported as hex(1):. */
int regfmt_sz_is_string(const uint8_t *data, size_t size);

/* Output encodings: UTF-16LE (5.00 files), UTF-8, Windows-1252 (REGEDIT4 files; characters the
 * code page lacks become '?', as WideCharToMultiByte's default character). */
typedef enum regfmt_encoding {
  REGFMT_UTF16LE = 0,
  REGFMT_UTF8 = 1,
  REGFMT_CP1252 = 2
} regfmt_encoding;

/* Writes the byte-order mark for enc (FF FE for UTF-16LE; nothing for UTF-8). */
int regfmt_write_bom(FILE *f, regfmt_encoding enc);
/* Encodes n units to f.  UTF-8: surrogate pairs become one 4-byte sequence, lone surrogates
 * U+FFFD (UTF-16LE output is exact; Windows-1252 writes '?' for what it cannot hold, one per
 * surrogate pair).  Callers flush at value boundaries,
 * so a pair never straddles two calls.  0 on success, -1 on a write error. */
int regfmt_write(FILE *f, const uint16_t *u, size_t n, regfmt_encoding enc);

#endif /* HIVEREF_CLI_REGFMT_H */
