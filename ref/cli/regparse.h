/*
 * regparse.h: reading regedit .reg files ("Windows Registry Editor Version 5.00" in UTF-16LE
 * with a BOM, and "REGEDIT4" in ANSI), the inverse of regfmt.h.  The accepted syntax and its
 * sources are listed at the top of regparse.c.
 *
 * Two steps: regparse_decode turns the file bytes into UTF-16 text and detects the version;
 * regparse_run walks the text and calls back once per key line and once per value line.  Both
 * depend on libc and the CLI allocator only (unit-tested in ref/cli/tests/test_regparse.c).
 */
#ifndef HIVEREF_CLI_REGPARSE_H
#define HIVEREF_CLI_REGPARSE_H

#include <stddef.h>
#include <stdint.h>

typedef struct regparse_text {
  uint16_t *u;      /* the decoded text, BOM removed (cli_alloc; regparse_text_release) */
  size_t len, cap;
  int version;      /* 5: "Windows Registry Editor Version 5.00"; 4: "REGEDIT4" */
  int ansi_cp1252;  /* 1: bytes were decoded as Windows-1252 (not valid UTF-8) */
} regparse_text;

/* Decodes a .reg file: FF FE -> UTF-16LE; otherwise UTF-8 (an EF BB BF BOM is skipped) when the
 * bytes are valid UTF-8, else Windows-1252.  Checks the header line.
 * Returns 0, or -1 with msg set (not a .reg file, odd UTF-16 length, no memory). */
int regparse_decode(const uint8_t *data, size_t size, regparse_text *t, const char **msg);
void regparse_text_release(regparse_text *t);

typedef struct regparse_sink {
  void *ctx;
  /* A "[path]" line (del = 0) or "[-path]" (del = 1).  Return 0 to go on, -1 to stop. */
  int (*key)(void *ctx, const uint16_t *path, size_t len, int del, size_t line);
  /* A value line.  name_len 0 = the default value "@".  del = 1 for "name"=-.  Otherwise type
   * and data as they go to ORSetValue (REG_SZ data includes the terminating NUL). */
  int (*value)(void *ctx, const uint16_t *name, size_t name_len, int del, uint32_t type,
               const uint8_t *data, size_t size, size_t line);
} regparse_sink;

/* Parses t and calls the sink.  Returns 0 on success; -1 on a syntax error (*err_line and
 * errbuf describe it), on no memory, or when a callback returned -1 (errbuf empty then). */
int regparse_run(const regparse_text *t, const regparse_sink *sink, size_t *err_line,
                 char *errbuf, size_t errcap);

#endif /* HIVEREF_CLI_REGPARSE_H */
