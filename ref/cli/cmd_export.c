/*
 * cmd_export.c: `hiveref export HIVE [KEY] [-o FILE] [--root PREFIX] [--utf8]`
 *
 * Writes a key and everything below it in regedit's "Windows Registry Editor Version 5.00"
 * format (rules and sources: regfmt.c).  The hive is opened with full validation; keys come
 * from OREnumKey (Windows order), values from OREnumValue (stored order), so the output is what
 * regedit would export after mounting the hive at PREFIX (default HKEY_LOCAL_MACHINE\HIVE, the
 * way one loads a hive file into HKLM with `reg load HKLM\HIVE file`).
 *
 * The walk is iterative (an explicit stack of open handles), so hive depth cannot drive
 * recursion; the engine bounds depth anyway (regf-format.md R-E16).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "climem.h"
#include "hiveref.h"
#include "regfmt.h"
#include "util.h"

static const char k_usage[] =
    "usage: hiveref export HIVE [KEY] [-o FILE] [--root PREFIX] [--utf8] [--regedit4]\n"
    "\n"
    "Exports KEY (default: the root key) and all its subkeys in regedit's .reg format:\n"
    "\"Windows Registry Editor Version 5.00\", UTF-16LE with a byte-order mark and CRLF line\n"
    "endings, exactly as regedit.exe writes it (value order as stored, subkeys in Windows order,\n"
    "hex data wrapped at 80 columns).\n"
    "\n"
    "  -o, --output FILE  write to FILE (overwritten) instead of standard output\n"
    "      --root PREFIX  registry path the hive root is shown at\n"
    "                     (default HKEY_LOCAL_MACHINE\\HIVE)\n"
    "      --utf8         write UTF-8 without a byte-order mark instead of UTF-16LE\n"
    "      --regedit4     the older \"REGEDIT4\" format (regedit /a): Windows-1252 text,\n"
    "                     hex(2)/hex(7) data as ANSI bytes; '?' for what Windows-1252 lacks\n"
    "  -h, --help         this text\n"
    "Exit status: 0 success, 1 the hive was rejected or an error occurred, 2 usage error.\n";

#define DEFAULT_ROOT "HKEY_LOCAL_MACHINE\\HIVE"
/* Names are at most 0xFFFF bytes on disk (nk/vk NameLength is 16 bits); compressed names are
 * one byte per character, so 65535 characters plus the NUL always fit. */
#define NAME_CAP 65536u
#define FLUSH_AT (1u << 16)

typedef struct frame {
  ORHKEY h;
  DWORD next;       /* next subkey index to visit */
  size_t path_len;  /* length of this key's path in units */
  int owned;        /* 1: close with ORCloseKey when done */
} frame;

typedef struct exporter {
  regfmt_out out;       /* rendered text not yet written */
  regfmt_out path;      /* the current key path (UTF-16) */
  frame *stack;
  size_t depth, stack_cap;
  uint16_t *name;       /* NAME_CAP units, shared by key and value enumeration */
  uint8_t *data;
  size_t data_cap;
  FILE *f;
  regfmt_encoding enc;
  uint64_t skipped;     /* subkeys that could not be opened (see walk) */
} exporter;

static int flush_out(exporter *x) {
  if (regfmt_write(x->f, x->out.u, x->out.len, x->enc) != 0) {
    cli_msg("export: write error");
    return -1;
  }
  regfmt_clear(&x->out);
  return 0;
}

/* Emits the header line and every value of key h (whose path is x->path). */
static int export_key(exporter *x, ORHKEY h) {
  regfmt_key(&x->out, x->path.u, x->path.len);
  for (DWORD i = 0;; i++) {
    DWORD err;
    DWORD type = 0;
    DWORD cch, cb;
    /* ERROR_MORE_DATA reports the size needed; a value cannot grow between two calls on a
     * hive only we hold, so two attempts suffice, a third guards against a misbehaving engine. */
    int tries = 0;
    for (;;) {
      cch = NAME_CAP;
      cb = x->data_cap > UINT32_MAX ? UINT32_MAX : (DWORD)x->data_cap;
      err = OREnumValue(h, i, x->name, &cch, &type, x->data, &cb);
      if (err != ERROR_MORE_DATA || ++tries > 3) break;
      if (cb <= x->data_cap) break; /* the name did not fit: cannot happen with NAME_CAP */
      uint8_t *nd = cli_realloc(x->data, x->data_cap, cb);
      if (nd == NULL) {
        err = ERROR_NOT_ENOUGH_MEMORY;
        break;
      }
      x->data = nd;
      x->data_cap = cb;
    }
    if (err == ERROR_NO_MORE_ITEMS) break;
    if (err != ERROR_SUCCESS) {
      cli_error("export: OREnumValue", err, NULL);
      return -1;
    }
    regfmt_value(&x->out, x->name, cch, type, x->data, cb);
  }
  if (x->out.failed) {
    cli_error("export", ERROR_NOT_ENOUGH_MEMORY, NULL);
    return -1;
  }
  if (x->out.len >= FLUSH_AT) return flush_out(x);
  return 0;
}

static int push(exporter *x, ORHKEY h, int owned) {
  if (x->depth == x->stack_cap) {
    size_t ncap = x->stack_cap ? x->stack_cap * 2 : 64;
    frame *ns = cli_realloc(x->stack, x->stack_cap * sizeof(frame), ncap * sizeof(frame));
    if (ns == NULL) return -1;
    x->stack = ns;
    x->stack_cap = ncap;
  }
  frame *fr = &x->stack[x->depth++];
  fr->h = h;
  fr->next = 0;
  fr->path_len = x->path.len;
  fr->owned = owned;
  return 0;
}

/* Walks the tree below start depth first (rule 2 of regfmt.c). */
static int walk(exporter *x, ORHKEY start, int start_owned) {
  if (export_key(x, start) != 0) return -1;
  if (push(x, start, start_owned) != 0) {
    cli_error("export", ERROR_NOT_ENOUGH_MEMORY, NULL);
    return -1;
  }
  while (x->depth > 0) {
    frame *top = &x->stack[x->depth - 1];
    DWORD cch = NAME_CAP;
    DWORD err = OREnumKey(top->h, top->next, x->name, &cch, NULL, NULL, NULL);
    if (err == ERROR_NO_MORE_ITEMS) {
      if (top->owned) ORCloseKey(top->h);
      x->depth--;
      continue;
    }
    if (err != ERROR_SUCCESS) {
      cli_error("export: OREnumKey", err, NULL);
      return -1;
    }
    top->next++;
    x->path.len = top->path_len;
    static const uint16_t bs = '\\';
    regfmt_put(&x->path, &bs, 1);
    regfmt_put(&x->path, x->name, cch);
    if (x->path.failed) {
      cli_error("export", ERROR_NOT_ENOUGH_MEMORY, NULL);
      return -1;
    }
    x->name[cch] = 0;
    /* A name with an embedded NUL or a backslash (real hives have both: hivex "special",
     * yarp BogusKeyNamesHive) cannot be passed to OROpenKey, whose name is a NUL-terminated
     * path; offreg.dll has the same limit.  regedit skips subkeys it cannot open, so do we,
     * but say so. */
    int addressable = 1;
    for (DWORD k = 0; k < cch; k++)
      if (x->name[k] == 0 || x->name[k] == '\\') addressable = 0;
    if (!addressable) {
      char p8[600];
      for (size_t k = 0; k < x->path.len; k++)
        if (x->path.u[k] == 0) x->path.u[k] = '?';
      if (HRUtf16ToUtf8(x->path.u, x->path.len, p8, sizeof p8) == (size_t)-1)
        snprintf(p8, sizeof p8, "(long or invalid path)");
      cli_msg("export: warning: skipped key [%s] (its name contains NUL or \\, which the "
              "offreg API cannot open)", p8);
      x->skipped++;
      continue;
    }
    for (DWORD k = 0; k < cch; k++)
      if (x->name[k] == '\r' || x->name[k] == '\n') {
        /* Written raw, as regedit does; a .reg reader then sees a broken key line. */
        cli_msg("export: warning: a key name below the current path contains a line break; "
                "the .reg file cannot be imported back");
        break;
      }
    ORHKEY child = NULL;
    err = OROpenKey(top->h, x->name, &child);
    if (err != ERROR_SUCCESS) {
      char what[700], p8[600];
      if (HRUtf16ToUtf8(x->path.u, x->path.len, p8, sizeof p8) == (size_t)-1)
        snprintf(p8, sizeof p8, "(long or invalid path)");
      snprintf(what, sizeof what, "export: OROpenKey [%s]", p8);
      cli_error(what, err, NULL);
      return -1;
    }
    if (push(x, child, 1) != 0) {
      ORCloseKey(child);
      cli_error("export", ERROR_NOT_ENOUGH_MEMORY, NULL);
      return -1;
    }
    if (export_key(x, child) != 0) return -1;
  }
  return 0;
}

/* Closes every handle still on the stack (after an error). */
static void unwind(exporter *x) {
  while (x->depth > 0) {
    frame *top = &x->stack[--x->depth];
    if (top->owned) ORCloseKey(top->h);
  }
}

/* Appends a UTF-8 path to x->path, dropping leading/trailing backslashes. */
static int append_utf8_path(regfmt_out *p, const char *s) {
  size_t n;
  uint16_t *w = cli_utf16_from_utf8(s, &n);
  if (w == NULL) return -1;
  size_t a = 0, b = n;
  while (a < b && w[a] == '\\') a++;
  while (b > a && w[b - 1] == '\\') b--;
  regfmt_put(p, w + a, b - a);
  cli_free(w, (n + 1) * sizeof(uint16_t));
  return p->failed ? -1 : 0;
}

int cmd_export(int argc, char **argv) {
  const char *hive = NULL, *key = NULL, *outpath = NULL, *prefix = DEFAULT_ROOT;
  regfmt_encoding enc = REGFMT_UTF16LE;
  int utf8 = 0, regedit4 = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      fputs(k_usage, stdout);
      return CLI_EXIT_OK;
    }
    if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) {
      outpath = argv[++i];
    } else if (strcmp(a, "--root") == 0 && i + 1 < argc) {
      prefix = argv[++i];
    } else if (strcmp(a, "--utf8") == 0) {
      utf8 = 1;
    } else if (strcmp(a, "--regedit4") == 0) {
      regedit4 = 1;
    } else if (a[0] == '-' && a[1] != '\0') {
      cli_msg("export: unknown option or missing argument '%s'", a);
      fputs(k_usage, stderr);
      return CLI_EXIT_USAGE;
    } else if (hive == NULL) {
      hive = a;
    } else if (key == NULL) {
      key = a;
    } else {
      cli_msg("export: unexpected argument '%s'", a);
      fputs(k_usage, stderr);
      return CLI_EXIT_USAGE;
    }
  }
  if (hive == NULL) {
    cli_msg("export: no hive file given");
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }

  if (utf8) enc = REGFMT_UTF8;
  else if (regedit4) enc = REGFMT_CP1252;
  exporter x;
  memset(&x, 0, sizeof x);
  regfmt_init(&x.out);
  regfmt_init(&x.path);
  x.out.regedit4 = regedit4;
  x.enc = enc;
  int rc = CLI_EXIT_FAIL;
  ORHKEY root = NULL, start = NULL;
  HRDiagnostic diag;
  memset(&diag, 0, sizeof diag);

  /* The header path: PREFIX, then "\KEY" as the user spelled it (regedit /e also prints the
   * path it was given). */
  int bad_path = append_utf8_path(&x.path, prefix) != 0;
  if (!bad_path && key && strspn(key, "\\") != strlen(key)) {
    regfmt_put_ascii(&x.path, "\\");
    bad_path = append_utf8_path(&x.path, key) != 0;
  }
  if (bad_path) {
    cli_msg("export: invalid UTF-8 in --root or KEY");
    rc = CLI_EXIT_USAGE;
    goto done;
  }

  DWORD err = HROpenHiveUtf8(hive, NULL, &root, &diag);
  if (err != ERROR_SUCCESS) {
    cli_error(hive, err, &diag);
    goto done;
  }
  start = root;
  int start_owned = 0;
  if (key && strspn(key, "\\") != strlen(key)) {
    err = HROpenKeyUtf8(root, key, &start);
    if (err != ERROR_SUCCESS) {
      cli_error(key, err, NULL);
      goto done;
    }
    start_owned = 1;
  }
  x.name = cli_alloc(NAME_CAP * sizeof(uint16_t));
  x.data_cap = 65536;
  x.data = cli_alloc(x.data_cap);
  if (x.name == NULL || x.data == NULL) {
    if (start_owned) ORCloseKey(start);
    cli_error("export", ERROR_NOT_ENOUGH_MEMORY, NULL);
    goto done;
  }
  x.f = outpath ? fopen(outpath, "wb") : stdout;
  if (x.f == NULL) {
    if (start_owned) ORCloseKey(start);
    cli_msg("export: cannot create '%s'", outpath);
    goto done;
  }
  regfmt_write_bom(x.f, enc);
  regfmt_header(&x.out);
  int ok = walk(&x, start, start_owned) == 0;
  unwind(&x);
  if (ok) {
    regfmt_footer(&x.out);
    ok = !x.out.failed && flush_out(&x) == 0;
  }
  if (fflush(x.f) != 0) ok = 0;
  if (outpath) {
    if (fclose(x.f) != 0) ok = 0;
    if (!ok) unlink(outpath); /* no partial export left behind */
  }
  if (ok) rc = CLI_EXIT_OK;
  if (x.skipped)
    cli_msg("export: %llu key(s) skipped (see the warnings above)", (unsigned long long)x.skipped);

done:
  if (root) ORCloseHive(root);
  cli_free(x.stack, x.stack_cap * sizeof(frame));
  cli_free(x.name, NAME_CAP * sizeof(uint16_t));
  cli_free(x.data, x.data_cap);
  regfmt_release(&x.out);
  regfmt_release(&x.path);
  return rc;
}
