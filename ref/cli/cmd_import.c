/*
 * cmd_import.c: `hiveref import FILE.reg -o HIVE [--base HIVE] [--os M.m] [--root PREFIX]`
 *
 * Applies a .reg file (syntax: regparse.c) to a new empty hive, or to a copy of --base, and
 * saves the result with ORSaveHive for the target OS (default 10.0, format 1.5).  Key paths must
 * lie under PREFIX (default HKEY_LOCAL_MACHINE\HIVE, the prefix `hiveref export` writes), so
 * export followed by import rebuilds the same tree, and import followed by export reproduces
 * a regedit-exported file byte for byte.  "[-KEY]" deletes a subtree and "name"=- a value
 * (meaningful with --base; deleting what does not exist is not an error, as in regedit).
 * Any syntax error stops the import with the line number, and nothing is written.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "climem.h"
#include "edit.h"
#include "hiveref.h"
#include "regparse.h"
#include "util.h"

static const char k_usage[] =
    "usage: hiveref import FILE.reg -o HIVE [--base HIVE] [--os M.m] [--root PREFIX]\n"
    "\n"
    "Builds a hive from a regedit file (\"Windows Registry Editor Version 5.00\" UTF-16LE, or\n"
    "\"REGEDIT4\"; UTF-8 and Windows-1252 text are accepted too) and saves it as HIVE (never\n"
    "overwritten).  [-KEY] deletes a key and its subkeys, \"name\"=- deletes a value.\n"
    "\n"
    "  -o, --output HIVE  the hive file to create (required; must not exist)\n"
    "      --base HIVE    start from this hive instead of an empty one\n"
    "      --os M.m       target Windows version for ORSaveHive: 5.1, 5.2 (format 1.3),\n"
    "                     6.0, 6.1, 6.2, 6.3, 10.0 (format 1.5); default 10.0\n"
    "      --root PREFIX  registry path of the hive root in the file\n"
    "                     (default HKEY_LOCAL_MACHINE\\HIVE); keys must lie below it\n"
    "  -h, --help         this text\n"
    "Exit status: 0 success, 1 syntax or engine error (nothing written), 2 usage error.\n";

typedef struct importer {
  ORHKEY root;
  ORHKEY cur;          /* the key of the last [key] line; NULL after [-key] or before any */
  int cur_owned;
  const uint16_t *prefix;
  size_t prefix_len;
  const char *file;
  uint16_t *name;      /* NUL-terminated copy of a value name */
  size_t name_cap;
} importer;

static void close_cur(importer *im) {
  if (im->cur != NULL && im->cur_owned) ORCloseKey(im->cur);
  im->cur = NULL;
  im->cur_owned = 0;
}

static uint16_t fold(uint16_t c) { return (c >= 'a' && c <= 'z') ? (uint16_t)(c - 32) : c; }

/* path relative to the root prefix, or -1 when the path is outside it. */
static int relative(const importer *im, const uint16_t *path, size_t len, const uint16_t **rel,
                    size_t *rel_len) {
  if (len < im->prefix_len) return -1;
  for (size_t i = 0; i < im->prefix_len; i++)
    if (fold(path[i]) != fold(im->prefix[i])) return -1;
  if (len > im->prefix_len && path[im->prefix_len] != '\\') return -1;
  *rel = path + im->prefix_len;
  *rel_len = len - im->prefix_len;
  return 0;
}

static int on_key(void *ctx, const uint16_t *path, size_t len, int del, size_t line) {
  importer *im = ctx;
  close_cur(im);
  const uint16_t *rel;
  size_t rel_len;
  if (relative(im, path, len, &rel, &rel_len) != 0) {
    char p8[1024];
    size_t n = HRUtf16ToUtf8(path, len, p8, sizeof p8);
    if (n == (size_t)-1) snprintf(p8, sizeof p8, "(path)");
    fprintf(stderr, "hiveref: import: %s:%zu: key [%s] is not below the root prefix (--root)\n",
            im->file, line, p8);
    return -1;
  }
  DWORD err;
  if (del) {
    err = edit_delete_tree(im->root, rel, rel_len);
    if (err == ERROR_FILE_NOT_FOUND) err = ERROR_SUCCESS; /* nothing to delete */
  } else {
    err = edit_create_path(im->root, rel, rel_len, &im->cur, &im->cur_owned);
  }
  if (err != ERROR_SUCCESS) {
    char what[600];
    snprintf(what, sizeof what, "import: %s:%zu: %s key", im->file, line,
             del ? "deleting the" : "creating the");
    cli_error(what, err, NULL);
    return -1;
  }
  return 0;
}

static int on_value(void *ctx, const uint16_t *name, size_t name_len, int del, uint32_t type,
                    const uint8_t *data, size_t size, size_t line) {
  importer *im = ctx;
  if (im->cur == NULL) {
    fprintf(stderr, "hiveref: import: %s:%zu: value outside a key (no [key] line before it, "
                    "or the key was deleted)\n", im->file, line);
    return -1;
  }
  if (name_len + 1 > im->name_cap) {
    size_t nc = name_len + 1;
    uint16_t *nn = cli_realloc(im->name, im->name_cap * sizeof(uint16_t), nc * sizeof(uint16_t));
    if (nn == NULL) {
      cli_error("import", ERROR_NOT_ENOUGH_MEMORY, NULL);
      return -1;
    }
    im->name = nn;
    im->name_cap = nc;
  }
  if (name_len) memcpy(im->name, name, name_len * sizeof(uint16_t)); /* name is NULL for "@" */
  im->name[name_len] = 0;
  DWORD err;
  if (del) {
    err = ORDeleteValue(im->cur, im->name);
    if (err == ERROR_FILE_NOT_FOUND) err = ERROR_SUCCESS;
  } else if (size > UINT32_MAX) {
    err = ERROR_INVALID_PARAMETER;
  } else {
    err = ORSetValue(im->cur, im->name, type, data, (DWORD)size);
  }
  if (err != ERROR_SUCCESS) {
    char what[600];
    snprintf(what, sizeof what, "import: %s:%zu: %s value", im->file, line,
             del ? "deleting the" : "setting the");
    cli_error(what, err, NULL);
    return -1;
  }
  return 0;
}

int cmd_import(int argc, char **argv) {
  const char *in = NULL, *out = NULL, *base = NULL, *os = "10.0";
  const char *prefix8 = "HKEY_LOCAL_MACHINE\\HIVE";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      fputs(k_usage, stdout);
      return CLI_EXIT_OK;
    }
    if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) out = argv[++i];
    else if (strcmp(a, "--base") == 0 && i + 1 < argc) base = argv[++i];
    else if (strcmp(a, "--os") == 0 && i + 1 < argc) os = argv[++i];
    else if (strcmp(a, "--root") == 0 && i + 1 < argc) prefix8 = argv[++i];
    else if (a[0] == '-' && a[1] != '\0') {
      cli_msg("import: unknown option or missing argument '%s'", a);
      fputs(k_usage, stderr);
      return CLI_EXIT_USAGE;
    } else if (in == NULL) {
      in = a;
    } else {
      cli_msg("import: unexpected argument '%s'", a);
      return CLI_EXIT_USAGE;
    }
  }
  DWORD os_major, os_minor;
  if (in == NULL || out == NULL) {
    cli_msg("import: need FILE.reg and -o HIVE");
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }
  if (cli_parse_os_version(os, &os_major, &os_minor) != 0) {
    cli_msg("import: --os wants M.m (e.g. 10.0, 6.1, 5.1), got '%s'", os);
    return CLI_EXIT_USAGE;
  }
  size_t plen = 0;
  uint16_t *prefix = cli_utf16_from_utf8(prefix8, &plen);
  if (prefix == NULL) {
    cli_msg("import: invalid UTF-8 in --root");
    return CLI_EXIT_USAGE;
  }
  size_t prefix_alloc = plen; /* the size to free, before trimming */
  while (plen > 0 && prefix[plen - 1] == '\\') plen--; /* "HKLM\X\" = "HKLM\X" */

  int rc = CLI_EXIT_FAIL;
  cli_file f;
  regparse_text text;
  memset(&text, 0, sizeof text);
  importer im;
  memset(&im, 0, sizeof im);
  im.prefix = prefix;
  im.prefix_len = plen;
  im.file = in;
  DWORD err = cli_read_file(in, &f);
  if (err != ERROR_SUCCESS) {
    cli_error(in, err, NULL);
    goto done;
  }
  const char *msg = NULL;
  int drc = regparse_decode(f.data, f.size, &text, &msg);
  cli_release_file(&f);
  if (drc != 0) {
    cli_msg("import: %s: %s", in, msg);
    goto done;
  }
  if (edit_open(base, &im.root) != ERROR_SUCCESS) goto done;
  regparse_sink sink = {&im, on_key, on_value};
  size_t line = 0;
  char errbuf[256];
  int prc = regparse_run(&text, &sink, &line, errbuf, sizeof errbuf);
  close_cur(&im);
  if (prc != 0) {
    if (errbuf[0]) fprintf(stderr, "hiveref: import: %s:%zu: %s\n", in, line, errbuf);
    goto done;
  }
  if (edit_save(im.root, out, os_major, os_minor) == ERROR_SUCCESS) rc = CLI_EXIT_OK;

done:
  if (im.root) ORCloseHive(im.root);
  cli_free(im.name, im.name_cap * sizeof(uint16_t));
  regparse_text_release(&text);
  cli_free(prefix, (prefix_alloc + 1) * sizeof(uint16_t));
  return rc;
}
