/*
 * dumpfmt.h: printing the canonical dump (conformance/DUMP.md) for C adapters.
 *
 * Every adapter prints names with the same escapes, data as lowercase hex and subkeys in the
 * Windows order (ascending by upcased UTF-16 code units, regf-format.md §6.2), whatever order its
 * library returns them in.  The upcase table is the project's generated data table
 * (ref/src/upcase_table.c, from data/upcase-win10.tsv): data about Windows, not engine logic.
 * Also: the wire-format helpers of PROTOCOL.md (hex tokens) shared by the adapters' `run`.
 */
#ifndef HIVEREF_ADAPTER_DUMPFMT_H
#define HIVEREF_ADAPTER_DUMPFMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Prints a name with DUMP.md's escapes; is_value selects the `@` rules of value names. */
void dump_name(FILE *out, const uint16_t *u, size_t n, int is_value);
/* Appends the escaped name to a growable path buffer (for K/V paths). */
typedef struct dump_path {
  char *buf;
  size_t len, cap;
} dump_path;
int dump_path_push(dump_path *p, const uint16_t *u, size_t n); /* adds "\" + escaped name */
void dump_path_pop(dump_path *p, size_t len);                    /* truncates back to len */
void dump_path_free(dump_path *p);
const char *dump_path_str(const dump_path *p);                   /* "\" for the root */

void dump_hex(FILE *out, const uint8_t *b, size_t n);
/* Prints a V record's <data>: hex, or `sha256:<hex>` above 65,536 bytes (DUMP.md). */
void dump_data(FILE *out, const uint8_t *b, size_t n);

/* Totals for the mandatory trailer `S\t<keys>\t<values>\t<data bytes>`. */
typedef struct dump_totals {
  uint64_t keys, values, bytes;
} dump_totals;
void dump_trailer(FILE *out, const dump_totals *t);
/* Windows order of two names: <0, 0, >0. */
int dump_name_cmp(const uint16_t *a, size_t an, const uint16_t *b, size_t bn);

/* UTF-8 -> UTF-16 (for libraries that only give UTF-8 names).  Returns units written or
 * (size_t)-1 on invalid input or overflow. */
size_t dump_utf8_to_utf16(const char *s, size_t len, uint16_t *out, size_t cap);

/* Wire tokens: decode "w:<hex>" / "b:<hex>" / "f:<hex>" into a malloc'd buffer (NUL-terminated
 * as bytes; for w: also as a UTF-16 unit).  Returns 0 on success, -1 on a malformed token.
 * "-" gives *out = NULL, *len = 0. */
int wire_decode(const char *tok, char kind, uint8_t **out, size_t *len);
int wire_dword(const char *tok, uint32_t *v);   /* decimal DWORD; -1 if malformed */

#endif
