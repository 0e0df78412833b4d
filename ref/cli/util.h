/*
 * util.h: helpers shared by the hiveref CLI commands: reading a whole file, error messages with
 * the engine's diagnostic, JSON string output, UTF-8 <-> UTF-16 arguments and number parsing.
 * Uses the public API only (ref/include, DESIGN.md §6).
 */
#ifndef HIVEREF_CLI_UTIL_H
#define HIVEREF_CLI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "hiveref.h"

/* Exit codes shared by every command (README "CLI"). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1     /* a file was rejected / an operation failed */
#define CLI_EXIT_USAGE 2    /* bad command line */
#define CLI_EXIT_INTERNAL 3 /* the end-of-command allocation audit failed */

/* A whole file in memory: mapped read-only for regular files, else read into a CLI buffer. */
typedef struct cli_file {
  const uint8_t *data;
  size_t size;
  int mapped;     /* 1: munmap; 0: cli_free(buf, cap) */
  size_t cap;
} cli_file;

/* Reads path into f.  Returns ERROR_SUCCESS, ERROR_FILE_NOT_FOUND, ERROR_PATH_NOT_FOUND,
 * ERROR_ACCESS_DENIED, ERROR_BADDB (larger than 4 GiB, regf-format.md limits),
 * ERROR_NOT_ENOUGH_MEMORY or ERROR_READ_FAULT. */
DWORD cli_read_file(const char *path, cli_file *f);
void cli_release_file(cli_file *f);

/* "hiveref: <what>: ERROR_NAME" plus " [R-B03 at 0x1000] message" when diag names a rule or
 * carries a message.  diag may be NULL. */
void cli_error(const char *what, DWORD err, const HRDiagnostic *diag);
/* "hiveref: <printf message>" on stderr. */
void cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes s as a JSON string literal (quotes included).  UTF-8 sequences are passed through;
 * control characters and stray non-UTF-8 bytes (file names) are escaped as \u00XX. */
void cli_json_string(FILE *f, const char *s);

/* UTF-8 argument -> newly allocated NUL-terminated UTF-16 (cli_alloc; *units excludes the NUL,
 * free with cli_free(p, (*units + 1) * 2)).  NULL on invalid UTF-8 or no memory. */
uint16_t *cli_utf16_from_utf8(const char *s, size_t *units);

/* Parses "M.m" (e.g. "10.0", "6.1", "5.1") into major/minor.  0 on success. */
int cli_parse_os_version(const char *s, DWORD *major, DWORD *minor);

/* True when arg is "-h" or "--help". */
int cli_is_help(const char *arg);

#endif /* HIVEREF_CLI_UTIL_H */
