/*
 * test_wow64_cases.c: runs the WOW64 conformance tables of conformance/cases/wow64 against the
 * reference module (ref/wow64).  The tables are the single source of the cases:
 *  table.tsv      the 67 rows parsed from the spec (gen_wow64_cases.py): the C table must agree;
 *  map.tsv        logical -> physical per row x OS generation x view, flags, links, examples;
 *                 every successful table-decided mapping is also inverted (HRW64UnmapPath);
 *  rewrite.tsv    the string rewrite conditions and their boundaries;
 *  scenarios.tsv  steps on a new hive: views, reflection rules, the documented examples.
 * A failing case prints its id; the per-file count of cases run is printed at the end.
 */
#include "test.h"
#include "../wow64/wow64.h"

#include <stdlib.h>

#define MAX_FIELDS 16

/* ---- TSV reading (test-side memory) -------------------------------------------------------- */
typedef struct tsv {
  char *text;
  char *cur;
} tsv;

static bool tsv_open(tsv *t, const char *name) {
  char rel[256];
  size_t len;
  snprintf(rel, sizeof rel, "conformance/cases/wow64/%s", name);
  t->text = (char *)test_read_file(test_src_path(rel), &len);
  if (!t->text) return false;
  char *z = realloc(t->text, len + 1);
  if (!z) return false;
  t->text = z;
  t->text[len] = 0;
  t->cur = t->text;
  return true;
}

/* Next data row (skips comments and the header row starting with "id" or "row"). */
static int tsv_next(tsv *t, char **f) {
  while (*t->cur) {
    char *line = t->cur;
    char *nl = strchr(line, '\n');
    if (nl) {
      *nl = 0;
      t->cur = nl + 1;
    } else {
      t->cur = line + strlen(line);
    }
    if (!*line || line[0] == '#' || !strncmp(line, "id\t", 3) || !strncmp(line, "row\t", 4)) continue;
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < MAX_FIELDS; p++)
      if (*p == '\t') {
        *p = 0;
        f[n++] = p + 1;
      }
    return n;
  }
  return 0;
}

static void tsv_close(tsv *t) { free(t->text); }

/* ---- helpers ------------------------------------------------------------------------------- */
static size_t g_cases[4];

/* Decodes the case-text syntax into UTF-16LE bytes: \\ = backslash, \0 = NUL, {c*N} = c x N. */
static size_t decode(const char *s, uint8_t *out, size_t cap) {
  size_t n = 0;
  for (size_t i = 0; s[i];) {
    unsigned c = (unsigned char)s[i];
    size_t rep = 1;
    if (c == '\\' && s[i + 1] == '\\') {
      c = '\\', i += 2;
    } else if (c == '\\' && s[i + 1] == '0') {
      c = 0, i += 2;
    } else if (c == '{' && s[i + 1] && s[i + 2] == '*') {
      c = (unsigned char)s[i + 1];
      rep = strtoul(s + i + 3, NULL, 10);
      const char *e = strchr(s + i, '}');
      i = e ? (size_t)(e - s) + 1 : strlen(s);
    } else {
      i++;
    }
    for (size_t k = 0; k < rep && n + 2 <= cap; k++) {
      out[n++] = (uint8_t)(c & 0xFF);
      out[n++] = (uint8_t)(c >> 8);
    }
  }
  return n;
}

static void to_w(const char *s, WCHAR *out, size_t cap) {
  size_t i = 0;
  if (!strcmp(s, "(empty)")) s = "";
  for (; s[i] && i + 1 < cap; i++) out[i] = (WCHAR)(unsigned char)s[i];
  out[i] = 0;
}

static void from_w(const WCHAR *s, char *out, size_t cap) {
  size_t i = 0;
  for (; s[i] && i + 1 < cap; i++) out[i] = s[i] < 128 ? (char)s[i] : '?';
  out[i] = 0;
}

static HRW64Os parse_os(const char *s) { return !strcmp(s, "vista") ? HRW64_OS_VISTA : HRW64_OS_WIN7; }
static HRW64View parse_view(const char *s) {
  return !strcmp(s, "64") ? HRW64_VIEW_64 : !strcmp(s, "arm32") ? HRW64_VIEW_ARM32 : HRW64_VIEW_X86;
}
static DWORD parse_sam(const char *s) {
  if (!strcmp(s, "64key")) return KEY_WOW64_64KEY;
  if (!strcmp(s, "32key")) return KEY_WOW64_32KEY;
  if (!strcmp(s, "both")) return KEY_WOW64_64KEY | KEY_WOW64_32KEY;
  return 0;
}
static DWORD parse_type(const char *s) {
  static const struct { const char *n; DWORD t; } types[] = {
      {"REG_SZ", REG_SZ}, {"REG_EXPAND_SZ", REG_EXPAND_SZ}, {"REG_BINARY", REG_BINARY},
      {"REG_DWORD", REG_DWORD}, {"REG_MULTI_SZ", REG_MULTI_SZ}, {"REG_QWORD", REG_QWORD}};
  for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
    if (!strcmp(types[i].n, s)) return types[i].t;
  return REG_NONE;
}

/* ---- table.tsv ------------------------------------------------------------------------------ */
static void test_table_matches_spec(void) {
  tsv t;
  char *f[MAX_FIELDS];
  int n, rows = 0;
  REQUIRE(tsv_open(&t, "table.tsv"));
  while ((n = tsv_next(&t, f)) > 0) {
    REQUIRE(n >= 5);
    unsigned num = (unsigned)atoi(f[0]);
    const HRW64Row *r = HRW64TableRow(num);
    if (!r) {
      test_fail(__FILE__, __LINE__, "row %u missing", num);
      continue;
    }
    rows++;
    if (strcmp(r->root, f[1]) || strcmp(r->path, f[2]) ||
        strcmp(HRW64ClassName(r->cls[HRW64_OS_WIN7]), f[3]) ||
        strcmp(HRW64ClassName(r->cls[HRW64_OS_VISTA]), f[4]))
      test_fail(__FILE__, __LINE__, "row %u: C table {%s %s %s %s} != spec {%s %s %s %s}", num,
                r->root, r->path, HRW64ClassName(r->cls[0]), HRW64ClassName(r->cls[1]), f[1], f[2],
                f[3], f[4]);
    if (n >= 7 && (strcmp(r->text_a, f[5]) || strcmp(r->text_b, f[6])))
      test_fail(__FILE__, __LINE__, "row %u: documented text differs", num);
  }
  CHECK_EQ_U(rows, HRW64_TABLE_ROWS);
  CHECK(HRW64TableRow(0) == NULL && HRW64TableRow(68) == NULL);
  g_cases[0] = (size_t)rows;
  tsv_close(&t);
}

/* ---- map.tsv -------------------------------------------------------------------------------- */
static void test_map_cases(void) {
  tsv t;
  char *f[MAX_FIELDS];
  int n;
  size_t count = 0, inverted = 0;
  REQUIRE(tsv_open(&t, "map.tsv"));
  while ((n = tsv_next(&t, f)) > 0) {
    REQUIRE(n >= 8);
    const char *id = f[0];
    HRW64Ctx ctx = {parse_os(f[1]), parse_view(f[2]), parse_sam(f[3]), 0};
    WCHAR in[HRW64_PATH_MAX], out[HRW64_PATH_MAX];
    char got[HRW64_PATH_MAX];
    HRW64Decision d;
    to_w(f[4], in, HRW64_PATH_MAX);
    DWORD rc = HRW64MapPath(&ctx, in, out, HRW64_PATH_MAX, &d);
    count++;
    if (!strncmp(f[5], "ERROR_", 6)) {
      if (rc == ERROR_SUCCESS || strcmp(HRErrorName(rc), f[5]))
        test_fail(__FILE__, __LINE__, "%s: got %s, want %s", id, HRErrorName(rc), f[5]);
      continue;
    }
    if (rc) {
      test_fail(__FILE__, __LINE__, "%s: got %s, want %s", id, HRErrorName(rc), f[5]);
      continue;
    }
    from_w(out, got, sizeof got);
    if (strcmp(got, f[5])) test_fail(__FILE__, __LINE__, "%s: got %s, want %s", id, got, f[5]);
    if (strcmp(f[6], "-") && d.row->number != (unsigned)atoi(f[6]))
      test_fail(__FILE__, __LINE__, "%s: decided by row %u, want %s", id, d.row->number, f[6]);
    if (strcmp(f[7], "-") && strcmp(HRW64ClassName(d.cls), f[7]))
      test_fail(__FILE__, __LINE__, "%s: class %s, want %s", id, HRW64ClassName(d.cls), f[7]);
    /* The inverse mapping gives back the logical key and the view of the copy. */
    if (d.rule == HRW64_RULE_TABLE && !d.link) {
      HRW64Ctx c64 = {ctx.os, HRW64_VIEW_64, 0, 0};
      WCHAR canon[HRW64_PATH_MAX], back[HRW64_PATH_MAX];
      HRW64Decision u;
      REQUIRE_OK(HRW64MapPath(&c64, in, canon, HRW64_PATH_MAX, NULL));
      REQUIRE_OK(HRW64UnmapPath(ctx.os, out, back, HRW64_PATH_MAX, &u));
      char a[HRW64_PATH_MAX], b[HRW64_PATH_MAX];
      from_w(canon, a, sizeof a);
      from_w(back, b, sizeof b);
      if (strcmp(a, b) || u.placed != d.placed || u.row != d.row)
        test_fail(__FILE__, __LINE__, "%s: unmap(%s) = %s view %s, want %s view %s", id, got, b,
                  HRW64ViewName(u.placed), a, HRW64ViewName(d.placed));
      inverted++;
    }
  }
  CHECK(count > 800);
  CHECK(inverted > 600);
  g_cases[1] = count;
  tsv_close(&t);
}

/* ---- rewrite.tsv ---------------------------------------------------------------------------- */
static unsigned parse_applied(const char *s) {
  unsigned a = 0;
  if (strstr(s, "cpf")) a |= HRW64_RW_COMMONPROGRAMFILES;
  else if (strstr(s, "pf")) a |= HRW64_RW_PROGRAMFILES;
  if (strstr(s, "sys32")) a |= HRW64_RW_SYSTEM32;
  return a;
}

static void test_rewrite_cases(void) {
  tsv t;
  char *f[MAX_FIELDS];
  int n;
  size_t count = 0;
  static uint8_t data[8192], want[8192];
  REQUIRE(tsv_open(&t, "rewrite.tsv"));
  while ((n = tsv_next(&t, f)) > 0) {
    REQUIRE(n >= 9);
    const char *id = f[0];
    HRW64WriteCtx w = {parse_os(f[1]), parse_view(f[2]), parse_sam(f[3]), atoi(f[4]), NULL};
    DWORD type = parse_type(f[5]);
    DWORD cb = (DWORD)decode(f[6], data, sizeof data - 16);
    size_t wl = !strcmp(f[7], "=") ? cb : decode(f[7], want, sizeof want);
    if (!strcmp(f[7], "=")) memcpy(want, data, cb);
    unsigned applied = 0, why = 0;
    count++;
    /* Too small a buffer for a growing rewrite: error, data untouched. */
    if (wl > cb) {
      DWORD c2 = cb;
      uint8_t keep[8192];
      memcpy(keep, data, cb);
      CHECK_ERR(HRW64Rewrite(&w, type, data, &c2, cb + HRW64_REWRITE_GROWTH - 1, &applied, &why),
                ERROR_INSUFFICIENT_BUFFER);
      if (c2 != cb || memcmp(keep, data, cb)) test_fail(__FILE__, __LINE__, "%s: touched on error", id);
    }
    DWORD rc = HRW64Rewrite(&w, type, data, &cb, (DWORD)sizeof data, &applied, &why);
    if (rc) {
      test_fail(__FILE__, __LINE__, "%s: %s", id, HRErrorName(rc));
      continue;
    }
    if (cb != wl || memcmp(data, want, wl))
      test_fail(__FILE__, __LINE__, "%s: stored %u bytes, want %zu (or different bytes)", id, cb, wl);
    if (applied != parse_applied(f[8]))
      test_fail(__FILE__, __LINE__, "%s: applied 0x%x, want %s (why_not 0x%x)", id, applied, f[8], why);
    if (!applied && !why) test_fail(__FILE__, __LINE__, "%s: no rule applied and no reason given", id);
  }
  CHECK(count >= 60);
  g_cases[2] = count;
  tsv_close(&t);
}

/* ---- scenarios.tsv -------------------------------------------------------------------------- */
#define MAX_VARS 4
typedef struct scen {
  ORHKEY root;
  HRW64Mount m;
  HRW64Key keys[MAX_VARS];
  char names[MAX_VARS][8];
  bool open[MAX_VARS];
  char id[128];
  int failed;
} scen;

static HRW64Key *var(scen *s, const char *name, bool create) {
  for (int i = 0; i < MAX_VARS; i++)
    if (s->names[i][0] && !strcmp(s->names[i], name)) return &s->keys[i];
  if (!create) return NULL;
  for (int i = 0; i < MAX_VARS; i++)
    if (!s->names[i][0]) {
      snprintf(s->names[i], sizeof s->names[i], "%s", name);
      return &s->keys[i];
    }
  return NULL;
}

static bool *var_open(scen *s, HRW64Key *k) { return &s->open[k - s->keys]; }

static void scen_end(scen *s) {
  for (int i = 0; i < MAX_VARS; i++) {
    if (s->open[i]) {
      test_fail(__FILE__, __LINE__, "%s: key variable %s left open", s->id, s->names[i]);
      HRW64CloseKey(&s->keys[i]);
    }
    s->open[i] = false;
    s->names[i][0] = 0;
  }
  if (s->root) ORCloseHive(s->root);
  s->root = NULL;
}

#define SFAIL(...)                                                   \
  do {                                                               \
    test_fail(__FILE__, __LINE__, __VA_ARGS__);                      \
    s->failed = 1;                                                   \
  } while (0)

/* Opens the key at physical path p inside the mounted hive (NULL when missing). */
static ORHKEY phys_open(scen *s, const char *p, DWORD *rc) {
  WCHAR wp[HRW64_PATH_MAX], rel[HRW64_PATH_MAX];
  ORHKEY h = NULL;
  to_w(p, wp, HRW64_PATH_MAX);
  *rc = HRW64HiveRelative(s->m.mount, wp, rel, HRW64_PATH_MAX);
  if (*rc) return NULL;
  if (!rel[0]) return s->root;
  *rc = OROpenKey(s->root, rel, &h);
  return *rc ? NULL : h;
}
static void phys_close(scen *s, ORHKEY h) {
  if (h && h != s->root) ORCloseKey(h);
}

static void value_data(const char *type, const char *text, uint8_t *buf, DWORD *cb) {
  DWORD t = parse_type(type);
  if (t == REG_DWORD) {
    uint32_t v = (uint32_t)strtoul(text, NULL, 10);
    memcpy(buf, &v, 4);
    *cb = 4;
  } else {
    *cb = (DWORD)decode(text, buf, 4096);
  }
}

static void check_value(scen *s, ORHKEY h, const char *where, const char *name, const char *type,
                        const char *text) {
  uint8_t want[4096 + 16], got[4096 + 16];
  DWORD wcb, gcb = sizeof got, gt = 0;
  WCHAR wn[512];
  value_data(type, text, want, &wcb);
  to_w(strcmp(name, "(default)") ? name : "", wn, 512);
  DWORD rc = ORGetValue(h, NULL, wn, &gt, got, &gcb);
  if (rc) {
    SFAIL("%s: value %s\\%s: %s", s->id, where, name, HRErrorName(rc));
    return;
  }
  if (gt != parse_type(type) || gcb != wcb || memcmp(got, want, wcb))
    SFAIL("%s: value %s\\%s differs (type %u, %u bytes; want %s, %u bytes)", s->id, where, name, gt,
          gcb, type, wcb);
}

static void scen_step(scen *s, char **f, int n) {
  const char *op = f[1];
  DWORD rc;
  if (!strcmp(op, "seed")) return;
  if (!strcmp(op, "mount")) {
    WCHAR mp[512];
    to_w(f[2], mp, 512);
    if (ORCreateHive(&s->root)) {
      SFAIL("%s: ORCreateHive", s->id);
      return;
    }
    if ((rc = HRW64MountInit(&s->m, s->root, mp, parse_os(f[3])))) SFAIL("%s: mount %s", s->id, HRErrorName(rc));
    return;
  }
  if (!strcmp(op, "open") || !strcmp(op, "openx")) {
    HRW64Key *k = var(s, f[2], true);
    HRW64Ctx ctx = {s->m.os, parse_view(f[3]), parse_sam(f[4]), 0};
    WCHAR p[HRW64_PATH_MAX];
    to_w(f[5], p, HRW64_PATH_MAX);
    if (!k || *var_open(s, k)) {
      SFAIL("%s: variable %s busy", s->id, f[2]);
      return;
    }
    rc = HRW64OpenKey(&s->m, &ctx, p, !strcmp(op, "open"), k, NULL);
    if (rc != (DWORD)atoi(f[6])) SFAIL("%s: %s %s: got %s, want %s", s->id, op, f[5], HRErrorName(rc), f[6]);
    *var_open(s, k) = rc == ERROR_SUCCESS;
    return;
  }
  HRW64Key *k = NULL;
  if (!strcmp(op, "set") || !strcmp(op, "close") || !strcmp(op, "disable") ||
      !strcmp(op, "enable") || !strcmp(op, "query") || !strcmp(op, "get") || !strcmp(op, "delete")) {
    k = var(s, f[2], false);
    if (!k || !*var_open(s, k)) {
      SFAIL("%s: %s on a variable that is not open", s->id, op);
      return;
    }
  }
  if (!strcmp(op, "set")) {
    uint8_t buf[4096 + 16];
    DWORD cb;
    WCHAR wn[512];
    value_data(f[4], f[5], buf, &cb);
    to_w(strcmp(f[3], "(default)") ? f[3] : "", wn, 512);
    rc = HRW64SetValue(k, wn, parse_type(f[4]), buf, cb, (DWORD)sizeof buf, NULL, NULL);
    if (rc != (DWORD)atoi(f[6])) SFAIL("%s: set: got %s", s->id, HRErrorName(rc));
  } else if (!strcmp(op, "delete")) {
    WCHAR wn[512];
    to_w(f[3], wn, 512);
    rc = HRW64DeleteValue(k, wn);
    if (rc != (DWORD)atoi(f[4])) SFAIL("%s: delete: got %s", s->id, HRErrorName(rc));
  } else if (!strcmp(op, "get")) {
    check_value(s, k->h, f[2], f[3], f[4], f[5]);
  } else if (!strcmp(op, "close")) {
    rc = HRW64CloseKey(k);
    *var_open(s, k) = false;
    if (rc != (DWORD)atoi(f[3])) SFAIL("%s: close: got %s", s->id, HRErrorName(rc));
  } else if (!strcmp(op, "disable") || !strcmp(op, "enable")) {
    rc = op[0] == 'd' ? HRW64DisableReflection(k) : HRW64EnableReflection(k);
    if (rc != (DWORD)atoi(f[3])) SFAIL("%s: %s: got %s", s->id, op, HRErrorName(rc));
  } else if (!strcmp(op, "query")) {
    BOOL dis = -1;
    rc = HRW64QueryReflection(k, &dis);
    if (rc || dis != atoi(f[3])) SFAIL("%s: query: %s, disabled %d, want %s", s->id, HRErrorName(rc), dis, f[3]);
  } else if (!strcmp(op, "value") || !strcmp(op, "novalue") || !strcmp(op, "nokey") ||
             !strcmp(op, "flags")) {
    ORHKEY h = phys_open(s, f[2], &rc);
    if (!strcmp(op, "nokey")) {
      if (rc != ERROR_FILE_NOT_FOUND) SFAIL("%s: key %s exists (%s)", s->id, f[2], HRErrorName(rc));
      phys_close(s, h);
      return;
    }
    if (!h) {
      if (strcmp(op, "novalue") || rc != ERROR_FILE_NOT_FOUND) SFAIL("%s: key %s: %s", s->id, f[2], HRErrorName(rc));
      return;
    }
    if (!strcmp(op, "value")) {
      check_value(s, h, f[2], f[3], f[4], f[5]);
    } else if (!strcmp(op, "novalue")) {
      WCHAR wn[512];
      DWORD cb = 0;
      to_w(strcmp(f[3], "(default)") ? f[3] : "", wn, 512);
      rc = ORGetValue(h, NULL, wn, NULL, NULL, &cb);
      if (rc != ERROR_FILE_NOT_FOUND) SFAIL("%s: value %s\\%s present (%s)", s->id, f[2], f[3], HRErrorName(rc));
    } else {
      DWORD fl = 99;
      rc = HRGetKeyUserFlags(h, &fl);
      if (rc || fl != (DWORD)atoi(f[3])) SFAIL("%s: flags of %s = %u (%s), want %s", s->id, f[2], fl, HRErrorName(rc), f[3]);
    }
    phys_close(s, h);
  } else {
    SFAIL("%s: unknown step %s (%d fields)", s->id, op, n);
  }
}

static void test_scenarios(void) {
  tsv t;
  char *f[MAX_FIELDS];
  int n;
  size_t count = 0;
  static scen s;
  memset(&s, 0, sizeof s);
  REQUIRE(tsv_open(&t, "scenarios.tsv"));
  while ((n = tsv_next(&t, f)) > 0) {
    REQUIRE(n >= 2);
    if (strcmp(s.id, f[0])) {
      scen_end(&s);
      snprintf(s.id, sizeof s.id, "%s", f[0]);
      s.failed = 0;
      count++;
    }
    scen_step(&s, f, n);
  }
  scen_end(&s);
  CHECK(count >= 30);
  g_cases[3] = count;
  tsv_close(&t);
}

int main(void) {
  TEST_RUN(test_table_matches_spec);
  TEST_RUN(test_map_cases);
  TEST_RUN(test_rewrite_cases);
  TEST_RUN(test_scenarios);
  printf("wow64 cases: %zu table rows, %zu mapping, %zu rewrite, %zu scenarios\n", g_cases[0],
         g_cases[1], g_cases[2], g_cases[3]);
  return test_finish();
}
