/*
 * cmd_wow64.c: `hiveref wow64 map|set|audit`: the WOW64 registry redirector on offline hives
 * (ref/wow64/wow64.h; ../shared/spec/offreg-api.md §3).
 *
 *   map PATH --view 32|64|arm32 [--os win7|vista] [--sam 64|32|both] [--mount ROOT] [--unmap]
 *       where a logical key lives physically (or, with --unmap, which logical key and view a
 *       physical path is), with the deciding table row and rule.
 *   set HIVE --mount ROOT --view 32|64|arm32 [--os ...] [--sam ...] KEY NAME TYPE [DATA...]
 *       -o OUT [--target M.m]
 *       writes one value through a view, exactly where and what Windows would write (string
 *       rewrite; pre-Windows 7 reflection on close), and saves OUT.
 *   audit HIVE --mount ROOT [--os win7|vista]
 *       lists keys whose physical placement contradicts the table (exit 1 when any).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../wow64/wow64.h"
#include "cli.h"
#include "climem.h"
#include "edit.h"
#include "hiveref.h"
#include "util.h"

static const char k_usage[] =
    "usage: hiveref wow64 map PATH --view 32|64|arm32 [--os win7|vista] [--sam 64|32|both]\n"
    "                         [--mount ROOT] [--unmap]\n"
    "       hiveref wow64 set HIVE --mount ROOT --view 32|64|arm32 [--os win7|vista] [--sam 64|32]\n"
    "                         KEY NAME TYPE [DATA...] -o OUT [--target M.m]\n"
    "       hiveref wow64 audit HIVE --mount ROOT [--os win7|vista]\n"
    "\n"
    "The WOW64 registry redirector (learn.microsoft.com .../winprog64/registry-redirector) on\n"
    "offline hives.  PATH and KEY are logical paths (HKLM\\SOFTWARE\\..., HKCR\\..., HKCU\\...,\n"
    "HKU\\<SID>_Classes\\...); KEY may also be relative to the mount.  ROOT is the logical key\n"
    "the hive file stands for: HKLM\\SOFTWARE for a SOFTWARE hive, HKCU\\Software\\Classes (or\n"
    "HKU\\<SID>_Classes) for a UsrClass.dat.\n"
    "  --view V     the writing/reading process: 64-bit, 32-bit x86 (Wow6432Node) or 32-bit ARM\n"
    "               (WowAA32Node, Windows 10 on ARM)\n"
    "  --os G       win7 = Windows 7 / Server 2008 R2 and later (default); vista = Vista, Server\n"
    "               2008, Server 2003, XP (reflection on close)\n"
    "  --sam F      KEY_WOW64_64KEY (64), KEY_WOW64_32KEY (32) or both (an error, as in Windows)\n"
    "  --unmap      map: PATH is physical; print its logical key and view\n"
    "  --target M.m set: the OS version to save for (default: from the hive's format)\n"
    "TYPE and DATA: REG_SZ / REG_EXPAND_SZ one string; REG_MULTI_SZ strings; REG_DWORD,\n"
    "REG_QWORD a number; REG_BINARY / other hex bytes.\n"
    "Exit status: 0 success (audit: no finding), 1 failure (audit: findings), 2 usage error.\n";

typedef struct opts {
  const char *mount, *out, *target;
  HRW64Ctx ctx;
  int have_view, unmap;
  char *pos[64];
  int npos;
} opts;

static int parse_opts(int argc, char **argv, opts *o) {
  memset(o, 0, sizeof *o);
  o->ctx.os = HRW64_OS_WIN7;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--view") && v) {
      i++;
      o->have_view = 1;
      if (!strcmp(v, "64")) o->ctx.process = HRW64_VIEW_64;
      else if (!strcmp(v, "32") || !strcmp(v, "x86")) o->ctx.process = HRW64_VIEW_X86;
      else if (!strcmp(v, "arm32")) o->ctx.process = HRW64_VIEW_ARM32;
      else return cli_msg("wow64: --view wants 32, 64 or arm32"), -1;
    } else if (!strcmp(a, "--os") && v) {
      i++;
      if (!strcmp(v, "win7")) o->ctx.os = HRW64_OS_WIN7;
      else if (!strcmp(v, "vista")) o->ctx.os = HRW64_OS_VISTA;
      else return cli_msg("wow64: --os wants win7 or vista"), -1;
    } else if (!strcmp(a, "--sam") && v) {
      i++;
      if (!strcmp(v, "64")) o->ctx.sam = KEY_WOW64_64KEY;
      else if (!strcmp(v, "32")) o->ctx.sam = KEY_WOW64_32KEY;
      else if (!strcmp(v, "both")) o->ctx.sam = KEY_WOW64_64KEY | KEY_WOW64_32KEY;
      else return cli_msg("wow64: --sam wants 64, 32 or both"), -1;
    } else if (!strcmp(a, "--mount") && v) {
      o->mount = argv[++i];
    } else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) {
      o->out = argv[++i];
    } else if (!strcmp(a, "--target") && v) {
      o->target = argv[++i];
    } else if (!strcmp(a, "--unmap")) {
      o->unmap = 1;
    } else if (!strcmp(a, "--")) {
      for (i++; i < argc && o->npos < 64; i++) o->pos[o->npos++] = argv[i];
    } else if (a[0] == '-' && a[1] && !(a[1] >= '0' && a[1] <= '9')) {
      return cli_msg("wow64: unknown option or missing argument '%s'", a), -1;
    } else if (o->npos < 64) {
      o->pos[o->npos++] = argv[i];
    } else {
      return cli_msg("wow64: too many arguments"), -1;
    }
  }
  return 0;
}

/* UTF-8 -> UTF-16 into a fixed buffer of HRW64_PATH_MAX units. */
static int to_w(const char *s, WCHAR *out, size_t cap) {
  size_t n = HRUtf8ToUtf16(s, strlen(s), out, cap);
  if (n == (size_t)-1) return cli_msg("wow64: invalid or too long string '%s'", s), -1;
  out[n] = 0;
  return 0;
}

static void print_w(FILE *f, const WCHAR *s) {
  char buf[HRW64_PATH_MAX * 3];
  size_t n = 0;
  while (n < HRW64_PATH_MAX && s[n]) n++;
  if (HRUtf16ToUtf8(s, n, buf, sizeof buf) == (size_t)-1) buf[0] = 0;
  fputs(buf, f);
}

static void print_decision(const HRW64Decision *d, HRW64Os os) {
  static const char *const rules[] = {"?", "table (longest listed prefix)", "explicit node (used literally)",
                                      "pre-Win7 KEY_WOW64_64KEY strips the node", "outside redirected subtrees"};
  const HRW64Row *r = d->row;
  printf("view=%s placed=%s class=%s os=%s\n", HRW64ViewName(d->view), HRW64ViewName(d->placed),
         HRW64ClassName(d->cls), HRW64OsName(os));
  printf("row %u: %s%s%s | %s | %s\n", r->number, r->root, r->path[0] ? "\\" : "", r->path,
         r->text_a, r->text_b);
  printf("rule: %s%s\n", rules[d->rule >= 1 && d->rule <= 4 ? d->rule : 0],
         d->link ? "; a compatibility symbolic link was followed" : "");
}

static int do_map(opts *o) {
  static WCHAR in[HRW64_PATH_MAX], out[HRW64_PATH_MAX], rel[HRW64_PATH_MAX], m[HRW64_PATH_MAX];
  HRW64Decision d;
  DWORD rc;
  if (o->npos != 1 || (!o->have_view && !o->unmap)) {
    cli_msg("wow64 map: need PATH and --view");
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }
  if (to_w(o->pos[0], in, HRW64_PATH_MAX)) return CLI_EXIT_USAGE;
  if (o->unmap) rc = HRW64UnmapPath(o->ctx.os, in, out, HRW64_PATH_MAX, &d);
  else rc = HRW64MapPath(&o->ctx, in, out, HRW64_PATH_MAX, &d);
  if (rc) {
    cli_error("wow64 map", rc, NULL);
    return CLI_EXIT_FAIL;
  }
  print_w(stdout, out);
  putchar('\n');
  print_decision(&d, o->ctx.os);
  if (o->mount && !o->unmap) {
    if (to_w(o->mount, m, HRW64_PATH_MAX)) return CLI_EXIT_USAGE;
    rc = HRW64HiveRelative(m, out, rel, HRW64_PATH_MAX);
    if (rc == ERROR_SUCCESS) {
      printf("hive path: ");
      print_w(stdout, rel[0] ? rel : u"(the hive root)");
      putchar('\n');
    } else {
      printf("hive path: outside the hive mounted as %s\n", o->mount);
    }
  }
  return CLI_EXIT_OK;
}

/* Value data from DATA arguments (cli_alloc; *cap for cli_free; room for the rewrite). */
static int build_data(DWORD type, char **data, int n, uint8_t **out, size_t *len, size_t *cap) {
  size_t need = HRW64_REWRITE_GROWTH + 16;
  for (int i = 0; i < n; i++) need += 4 * strlen(data[i]) + 4;
  uint8_t *b = cli_alloc(need);
  if (!b) return -1;
  size_t at = 0;
  *out = b, *cap = need;
  if (type == REG_SZ || type == REG_EXPAND_SZ || type == REG_MULTI_SZ) {
    if (type != REG_MULTI_SZ && n != 1) return -2;
    for (int i = 0; i < n; i++) {
      size_t units = 0;
      uint16_t *w = cli_utf16_from_utf8(data[i], &units);
      if (!w) return -2;
      for (size_t k = 0; k <= units; k++) b[at++] = (uint8_t)(w[k] & 0xFF), b[at++] = (uint8_t)(w[k] >> 8);
      cli_free(w, (units + 1) * sizeof(uint16_t));
    }
    if (type == REG_MULTI_SZ) b[at++] = 0, b[at++] = 0;
  } else if (type == REG_DWORD || type == REG_QWORD) {
    if (n != 1) return -2;
    char *end;
    unsigned long long v = strtoull(data[0], &end, 0);
    if (*end || (type == REG_DWORD && v > 0xFFFFFFFFull)) return -2;
    for (int i = 0; i < (type == REG_DWORD ? 4 : 8); i++) b[at++] = (uint8_t)(v >> (8 * i));
  } else {
    if (n > 1) return -2;
    for (const char *s = n ? data[0] : ""; *s;) {
      if (*s == ',' || *s == ':' || *s == ' ') {
        s++;
        continue;
      }
      char hx[3] = {s[0], s[1], 0};
      char *end;
      if (!s[1]) return -2;
      unsigned long v = strtoul(hx, &end, 16);
      if (*end) return -2;
      b[at++] = (uint8_t)v;
      s += 2;
    }
  }
  *len = at;
  return 0;
}

static int parse_type(const char *s, DWORD *t) {
  static const struct { const char *n; DWORD t; } k[] = {
      {"REG_NONE", REG_NONE}, {"REG_SZ", REG_SZ}, {"REG_EXPAND_SZ", REG_EXPAND_SZ},
      {"REG_BINARY", REG_BINARY}, {"REG_DWORD", REG_DWORD}, {"REG_MULTI_SZ", REG_MULTI_SZ},
      {"REG_QWORD", REG_QWORD}};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (!strcmp(s, k[i].n)) return *t = k[i].t, 0;
  return -1;
}

static int do_set(opts *o) {
  static HRW64Mount m;
  static HRW64Key k;
  static WCHAR w[HRW64_PATH_MAX], key[HRW64_PATH_MAX], name[16384];
  DWORD type, major = 10, minor = 0, rc;
  if (o->npos < 4 || !o->mount || !o->out || !o->have_view) {
    cli_msg("wow64 set: need HIVE KEY NAME TYPE [DATA...], --mount, --view and -o OUT");
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }
  if (parse_type(o->pos[3], &type)) return cli_msg("wow64 set: unknown TYPE '%s'", o->pos[3]), CLI_EXIT_USAGE;
  if (o->target && cli_parse_os_version(o->target, &major, &minor))
    return cli_msg("wow64 set: --target wants M.m"), CLI_EXIT_USAGE;
  if (to_w(o->mount, w, HRW64_PATH_MAX) || to_w(o->pos[1], key, HRW64_PATH_MAX) ||
      to_w(o->pos[2], name, 16384))
    return CLI_EXIT_USAGE;
  uint8_t *data = NULL;
  size_t len = 0, cap = 0;
  int brc = build_data(type, o->pos + 4, o->npos - 4, &data, &len, &cap);
  if (brc) {
    cli_free(data, cap);
    if (brc == -1) return cli_error("wow64 set", ERROR_NOT_ENOUGH_MEMORY, NULL), CLI_EXIT_FAIL;
    return cli_msg("wow64 set: DATA does not fit TYPE %s", o->pos[3]), CLI_EXIT_USAGE;
  }
  ORHKEY root = NULL;
  int ret = CLI_EXIT_FAIL;
  if (edit_open(o->pos[0], &root) != ERROR_SUCCESS) goto out;
  if (!o->target) {
    HRHiveInfo hi;
    memset(&hi, 0, sizeof hi);
    if (HRGetHiveInfo(root, &hi) == ERROR_SUCCESS) edit_default_os(hi.minor, &major, &minor);
  }
  if ((rc = HRW64MountInit(&m, root, w, o->ctx.os))) {
    cli_error("wow64 set: --mount", rc, NULL);
    goto out;
  }
  if ((rc = HRW64OpenKey(&m, &o->ctx, key, 1, &k, NULL))) {
    cli_error("wow64 set: opening the key through the view", rc, NULL);
    goto out;
  }
  DWORD stored = 0;
  unsigned applied = 0;
  rc = HRW64SetValue(&k, name, type, data, (DWORD)len, (DWORD)cap, &stored, &applied);
  printf("logical:  ");
  print_w(stdout, k.logical);
  printf("\nphysical: ");
  print_w(stdout, k.physical);
  printf("\n");
  print_decision(&k.d, o->ctx.os);
  if (rc == ERROR_SUCCESS)
    printf("stored %u bytes%s%s%s\n", stored, applied & HRW64_RW_PROGRAMFILES ? "; rewrote %ProgramFiles%" : "",
           applied & HRW64_RW_COMMONPROGRAMFILES ? "; rewrote %commonprogramfiles%" : "",
           applied & HRW64_RW_SYSTEM32 ? "; rewrote system32 -> syswow64" : "");
  DWORD crc = HRW64CloseKey(&k);
  if (rc) {
    cli_error("wow64 set: ORSetValue", rc, NULL);
    goto out;
  }
  if (crc) {
    cli_error("wow64 set: reflection on close", crc, NULL);
    goto out;
  }
  if (o->ctx.os == HRW64_OS_VISTA && k.d.cls == HRW64_REFLECTED) printf("reflected to the other view on close\n");
  if (edit_save(root, o->out, major, minor) == ERROR_SUCCESS) ret = CLI_EXIT_OK;
out:
  if (root) ORCloseHive(root);
  cli_free(data, cap);
  return ret;
}

static void on_finding(void *ctx, const HRW64Finding *f) {
  (void)ctx;
  printf("%s\t", f->code);
  print_w(stdout, f->physical);
  printf("\t");
  print_w(stdout, f->logical);
  printf("\tview=%s\trow %u\t%s\n", HRW64ViewName(f->placed), f->row ? f->row->number : 0, f->message);
}

static int do_audit(opts *o) {
  static HRW64Mount m;
  static WCHAR w[HRW64_PATH_MAX];
  uint64_t keys = 0, findings = 0;
  DWORD rc;
  if (o->npos != 1 || !o->mount) {
    cli_msg("wow64 audit: need HIVE and --mount");
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }
  if (to_w(o->mount, w, HRW64_PATH_MAX)) return CLI_EXIT_USAGE;
  ORHKEY root = NULL;
  if (edit_open(o->pos[0], &root) != ERROR_SUCCESS) return CLI_EXIT_FAIL;
  int ret = CLI_EXIT_FAIL;
  if ((rc = HRW64MountInit(&m, root, w, o->ctx.os))) {
    cli_error("wow64 audit: --mount", rc, NULL);
  } else if ((rc = HRW64Audit(&m, on_finding, NULL, &keys, &findings))) {
    cli_error("wow64 audit", rc, NULL);
  } else {
    printf("%llu keys, %llu findings (table column %s)\n", (unsigned long long)keys,
           (unsigned long long)findings, o->ctx.os == HRW64_OS_WIN7 ? "A, Windows 7 and later" : "B, before Windows 7");
    ret = findings ? CLI_EXIT_FAIL : CLI_EXIT_OK;
  }
  ORCloseHive(root);
  return ret;
}

int cmd_wow64(int argc, char **argv) {
  opts o;
  if (argc < 2 || cli_is_help(argv[1])) {
    fputs(k_usage, argc < 2 ? stderr : stdout);
    return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
  }
  for (int i = 2; i < argc; i++)
    if (cli_is_help(argv[i])) return fputs(k_usage, stdout), CLI_EXIT_OK;
  if (parse_opts(argc - 1, argv + 1, &o)) return CLI_EXIT_USAGE;
  if (!strcmp(argv[1], "map")) return do_map(&o);
  if (!strcmp(argv[1], "set")) return do_set(&o);
  if (!strcmp(argv[1], "audit")) return do_audit(&o);
  cli_msg("wow64: unknown subcommand '%s' (map, set, audit)", argv[1]);
  return CLI_EXIT_USAGE;
}
