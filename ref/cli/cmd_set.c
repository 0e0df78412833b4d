/*
 * cmd_set.c: `hiveref set (HIVE | --new) KEY NAME TYPE [DATA...] -o OUT [--os M.m]`
 *
 * Creates KEY (and missing parents), sets one value with ORSetValue and saves the result as
 * OUT.  With --new the hive starts empty (ORCreateHive), which makes `set` a small hive
 * builder for scripts and tests.  DATA syntax per type is in the usage text below.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "climem.h"
#include "edit.h"
#include "hiveref.h"
#include "util.h"

static const char k_usage[] =
    "usage: hiveref set (HIVE | --new) KEY NAME TYPE [DATA...] -o OUT [--os M.m]\n"
    "\n"
    "Sets value NAME (\"\" = the default value) of KEY (created with its parents if missing;\n"
    "\"\" or \"\\\" = the root) and writes the result to OUT (must not exist).\n"
    "\n"
    "TYPE is a name (REG_NONE, REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD,\n"
    "REG_DWORD_BIG_ENDIAN, REG_LINK, REG_MULTI_SZ, REG_RESOURCE_LIST,\n"
    "REG_FULL_RESOURCE_DESCRIPTOR, REG_RESOURCE_REQUIREMENTS_LIST, REG_QWORD) or a number\n"
    "(decimal or 0x hex).  DATA:\n"
    "  REG_SZ, REG_EXPAND_SZ  one string (stored as UTF-16 with its terminating NUL)\n"
    "  REG_LINK               one string (UTF-16, no terminator, as symbolic links store it)\n"
    "  REG_MULTI_SZ           zero or more strings, one per argument\n"
    "  REG_DWORD(_BIG_ENDIAN) one number (decimal or 0x hex)\n"
    "  REG_QWORD              one 64-bit number\n"
    "  any other type         hex bytes, e.g. 01,02,ff or 0102ff (nothing = empty data)\n"
    "\n"
    "      --new         start from an empty hive instead of HIVE\n"
    "  -o, --output OUT  the hive file to create (required)\n"
    "      --os M.m      target Windows version (default: 5.1 for a format 1.3 hive, else 10.0)\n"
    "  -h, --help        this text\n"
    "Exit status: 0 success, 1 engine error, 2 usage error.\n";

static const struct {
  const char *name;
  DWORD type;
} k_types[] = {
    {"REG_NONE", REG_NONE},
    {"REG_SZ", REG_SZ},
    {"REG_EXPAND_SZ", REG_EXPAND_SZ},
    {"REG_BINARY", REG_BINARY},
    {"REG_DWORD", REG_DWORD},
    {"REG_DWORD_LITTLE_ENDIAN", REG_DWORD},
    {"REG_DWORD_BIG_ENDIAN", REG_DWORD_BIG_ENDIAN},
    {"REG_LINK", REG_LINK},
    {"REG_MULTI_SZ", REG_MULTI_SZ},
    {"REG_RESOURCE_LIST", REG_RESOURCE_LIST},
    {"REG_FULL_RESOURCE_DESCRIPTOR", REG_FULL_RESOURCE_DESCRIPTOR},
    {"REG_RESOURCE_REQUIREMENTS_LIST", REG_RESOURCE_REQUIREMENTS_LIST},
    {"REG_QWORD", REG_QWORD},
    {"REG_QWORD_LITTLE_ENDIAN", REG_QWORD},
};

/* Decimal or 0x-hex unsigned number up to max; 0 on success. */
static int parse_number(const char *s, uint64_t max, uint64_t *v) {
  int base = 10;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, s += 2;
  if (*s == '\0') return -1;
  uint64_t x = 0;
  for (; *s; s++) {
    int d;
    if (*s >= '0' && *s <= '9') d = *s - '0';
    else if (base == 16 && *s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
    else if (base == 16 && *s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
    else return -1;
    if (x > (max - (uint64_t)d) / (uint64_t)base) return -1;
    x = x * (uint64_t)base + (uint64_t)d;
  }
  *v = x;
  return 0;
}

static int parse_type(const char *s, DWORD *type) {
  for (size_t i = 0; i < sizeof k_types / sizeof k_types[0]; i++)
    if (strcmp(s, k_types[i].name) == 0) {
      *type = k_types[i].type;
      return 0;
    }
  uint64_t v;
  if (parse_number(s, UINT32_MAX, &v) != 0) return -1;
  *type = (DWORD)v;
  return 0;
}

typedef struct buf {
  uint8_t *p;
  size_t len, cap;
} buf;

static int buf_put(buf *b, const void *d, size_t n) {
  if (n > b->cap - b->len) {
    size_t nc = b->cap ? b->cap : 256;
    while (nc - b->len < n) nc *= 2;
    uint8_t *np = cli_realloc(b->p, b->cap, nc);
    if (np == NULL) return -1;
    b->p = np;
    b->cap = nc;
  }
  if (n) memcpy(b->p + b->len, d, n);
  b->len += n;
  return 0;
}

/* Appends a UTF-8 string as UTF-16LE, with a NUL when nul is set.  -2 on invalid UTF-8. */
static int put_utf16(buf *b, const char *s, int nul) {
  size_t n;
  uint16_t *w = cli_utf16_from_utf8(s, &n);
  if (w == NULL) return -2;
  int rc = 0;
  for (size_t i = 0; i < n + (nul ? 1 : 0) && rc == 0; i++) {
    uint8_t le[2] = {(uint8_t)(w[i] & 0xFF), (uint8_t)(w[i] >> 8)};
    rc = buf_put(b, le, 2);
  }
  cli_free(w, (n + 1) * sizeof(uint16_t));
  return rc;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Hex bytes: digit pairs, optionally separated by ',', ':' or blanks.  -2 on bad syntax. */
static int put_hex(buf *b, const char *s) {
  while (*s) {
    if (*s == ',' || *s == ':' || *s == ' ' || *s == '\t') {
      s++;
      continue;
    }
    int hi = hexval(s[0]);
    int lo = hi >= 0 ? hexval(s[1]) : -1;
    if (lo < 0) return -2;
    uint8_t v = (uint8_t)(hi * 16 + lo);
    if (buf_put(b, &v, 1) != 0) return -1;
    s += 2;
  }
  return 0;
}

/* Builds the value data for type from the DATA arguments: 0, -1 no memory, -2 bad DATA. */
static int build_data(DWORD type, char **data, int ndata, buf *b) {
  uint64_t v;
  switch (type) {
  case REG_SZ:
  case REG_EXPAND_SZ:
  case REG_LINK:
    if (ndata != 1) return -2;
    return put_utf16(b, data[0], type != REG_LINK);
  case REG_MULTI_SZ:
    for (int i = 0; i < ndata; i++) {
      int rc = put_utf16(b, data[i], 1);
      if (rc != 0) return rc;
    }
    return buf_put(b, "\0", 2); /* the list terminator: one more NUL unit */
  case REG_DWORD:
  case REG_DWORD_BIG_ENDIAN: {
    if (ndata != 1 || parse_number(data[0], UINT32_MAX, &v) != 0) return -2;
    uint8_t d[4];
    for (int i = 0; i < 4; i++) {
      int shift = type == REG_DWORD ? 8 * i : 8 * (3 - i);
      d[i] = (uint8_t)(v >> shift);
    }
    return buf_put(b, d, 4);
  }
  case REG_QWORD: {
    if (ndata != 1 || parse_number(data[0], UINT64_MAX, &v) != 0) return -2;
    uint8_t d[8];
    for (int i = 0; i < 8; i++) d[i] = (uint8_t)(v >> (8 * i));
    return buf_put(b, d, 8);
  }
  default:
    if (ndata > 1) return -2;
    return ndata ? put_hex(b, data[0]) : 0;
  }
}

int cmd_set(int argc, char **argv) {
  char *pos[64];
  int npos = 0, fresh = 0;
  const char *out = NULL, *os = NULL;
  for (int i = 1; i < argc; i++) {
    char *a = argv[i];
    if (cli_is_help(a)) {
      fputs(k_usage, stdout);
      return CLI_EXIT_OK;
    }
    if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) out = argv[++i];
    else if (strcmp(a, "--os") == 0 && i + 1 < argc) os = argv[++i];
    else if (strcmp(a, "--new") == 0) fresh = 1;
    else if (strcmp(a, "--") == 0) {
      for (i++; i < argc && npos < 64; i++) pos[npos++] = argv[i];
    } else if (a[0] == '-' && a[1] != '\0') {
      cli_msg("set: unknown option or missing argument '%s' (put -- before DATA that starts with -)",
              a);
      fputs(k_usage, stderr);
      return CLI_EXIT_USAGE;
    } else if (npos < 64) {
      pos[npos++] = a;
    } else {
      cli_msg("set: too many arguments");
      return CLI_EXIT_USAGE;
    }
  }
  int need = fresh ? 3 : 4; /* [HIVE] KEY NAME TYPE */
  if (npos < need || out == NULL) {
    cli_msg("set: need %sKEY NAME TYPE [DATA...] and -o OUT", fresh ? "" : "HIVE ");
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }
  const char *hive = fresh ? NULL : pos[0];
  char **rest = pos + (fresh ? 0 : 1);
  const char *key8 = rest[0], *name8 = rest[1];
  DWORD type;
  if (parse_type(rest[2], &type) != 0) {
    cli_msg("set: unknown TYPE '%s'", rest[2]);
    return CLI_EXIT_USAGE;
  }
  DWORD major = 10, minor = 0;
  if (os != NULL && cli_parse_os_version(os, &major, &minor) != 0) {
    cli_msg("set: --os wants M.m (e.g. 10.0, 6.1, 5.1), got '%s'", os);
    return CLI_EXIT_USAGE;
  }
  buf b = {NULL, 0, 0};
  int brc = build_data(type, rest + 3, npos - need, &b);
  if (brc != 0) {
    cli_free(b.p, b.cap);
    if (brc == -1) {
      cli_error("set", ERROR_NOT_ENOUGH_MEMORY, NULL);
      return CLI_EXIT_FAIL;
    }
    cli_msg("set: DATA does not fit TYPE %s (see hiveref set --help)", rest[2]);
    return CLI_EXIT_USAGE;
  }
  size_t klen = 0, nlen = 0;
  uint16_t *key = cli_utf16_from_utf8(key8, &klen);
  uint16_t *name = cli_utf16_from_utf8(name8, &nlen);
  int rc = CLI_EXIT_FAIL;
  ORHKEY root = NULL, h = NULL;
  int owned = 0;
  if (key == NULL || name == NULL) {
    cli_msg("set: invalid UTF-8 in KEY or NAME");
    rc = CLI_EXIT_USAGE;
  } else if (edit_open(hive, &root) == ERROR_SUCCESS) {
    if (os == NULL && hive != NULL) {
      HRHiveInfo hi;
      memset(&hi, 0, sizeof hi);
      if (HRGetHiveInfo(root, &hi) == ERROR_SUCCESS) edit_default_os(hi.minor, &major, &minor);
    }
    DWORD err = edit_create_path(root, key, klen, &h, &owned);
    if (err != ERROR_SUCCESS) {
      cli_error("set: creating the key", err, NULL);
    } else {
      err = b.len > UINT32_MAX ? ERROR_INVALID_PARAMETER
                               : ORSetValue(h, name, type, b.p, (DWORD)b.len);
      if (owned) ORCloseKey(h);
      if (err != ERROR_SUCCESS) cli_error("set: ORSetValue", err, NULL);
      else if (edit_save(root, out, major, minor) == ERROR_SUCCESS) rc = CLI_EXIT_OK;
    }
  }
  if (root) ORCloseHive(root);
  if (key) cli_free(key, (klen + 1) * sizeof(uint16_t));
  if (name) cli_free(name, (nlen + 1) * sizeof(uint16_t));
  cli_free(b.p, b.cap);
  return rc;
}
