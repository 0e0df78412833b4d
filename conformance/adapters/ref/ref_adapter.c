/*
 * ref_adapter.c: the conformance adapter for hiveref, our engine, through its public API only
 * (ref/include/offreg.h + hiveref.h; DESIGN.md §6), PROTOCOL.md.
 *
 * open: HROpenHiveUtf8 (OROpenHive's semantics plus the diagnostic naming the rule), then a walk
 * with OREnumKey / OROpenKey / OREnumValue / ORQueryInfoKey / ORGetKeySecurity printing the
 * canonical dump.  The offreg API does not expose the root key's stored name or the nk flags,
 * so the dump prints `H ?` and `-` flags (no `key-flags` capability).
 * run: every verb maps onto the OR* function of the same name with the arguments exactly as the
 * plan gives them (NULL pointers, buffer sizes, counts), so that caller-buffer semantics are
 * tested, not emulated.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumpfmt.h"
#include "hiveref.h"
#include "offreg.h"
#include "plan.h"

#define MAX_DEPTH 600
#define SEC_ALL (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | \
                 DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION)

static dump_totals g_tot;
static DWORD g_fail;        /* first failing call of a walk */
static const char *g_fail_what;

static int fail(DWORD e, const char *what) {
  g_fail = e;
  g_fail_what = what;
  return -1;
}

typedef struct child {
  WCHAR *name;
  DWORD n;
  WCHAR *cls;       /* from OREnumKey: used when the key cannot be opened by name */
  DWORD ncls;
  FILETIME ft;
} child;

static int child_cmp(const void *a, const void *b) {
  const child *x = a, *y = b;
  return dump_name_cmp(x->name, x->n, y->name, y->n);
}

static void hex_units(FILE *out, const WCHAR *u, size_t n) {
  for (size_t i = 0; i < n; i++) fprintf(out, "%02x%02x", u[i] & 0xFF, u[i] >> 8);
}

/* Prints the subtree of h (its path is in path). */
static int walk(FILE *out, ORHKEY h, dump_path *path, int depth) {
  if (depth > MAX_DEPTH) return fail(ERROR_INVALID_PARAMETER, "depth");
  DWORD nsub = 0, maxsub = 0, maxcls = 0, nval = 0, maxvname = 0, maxvlen = 0, cbsd = 0;
  FILETIME ft = {0, 0};
  DWORD e = ORQueryInfoKey(h, NULL, NULL, &nsub, &maxsub, &maxcls, &nval, &maxvname, &maxvlen,
                           &cbsd, &ft);
  if (e) return fail(e, "ORQueryInfoKey");
  /* Class: ask for the size first (ERROR_MORE_DATA gives the length without the NUL). */
  DWORD ccnt = 0;
  WCHAR one[1];
  e = ORQueryInfoKey(h, one, &ccnt, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  g_tot.keys++;
  fprintf(out, "K %s\t", dump_path_str(path));
  if (e == ERROR_SUCCESS && ccnt == 0) {
    fputs("-", out);
  } else if (e == ERROR_MORE_DATA || e == ERROR_SUCCESS) {
    DWORD cap = ccnt + 1;
    WCHAR *cls = calloc(cap + 1, sizeof *cls);
    if (!cls) return fail(ERROR_NOT_ENOUGH_MEMORY, "class");
    e = ORQueryInfoKey(h, cls, &cap, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    if (e) { free(cls); return fail(e, "ORQueryInfoKey(class)"); }
    if (cap == 0) fputs("-", out);
    else dump_name(out, cls, cap, 0);
    free(cls);
  } else {
    return fail(e, "ORQueryInfoKey(class size)");
  }
  fprintf(out, "\t%08lx%08lx\t-\n", (unsigned long)ft.dwHighDateTime,
          (unsigned long)ft.dwLowDateTime);
  DWORD sdn = 0;
  e = ORGetKeySecurity(h, SEC_ALL, NULL, &sdn);
  if (e == ERROR_INSUFFICIENT_BUFFER || (e == ERROR_SUCCESS && sdn)) {
    uint8_t *sd = malloc(sdn ? sdn : 1);
    if (!sd) return fail(ERROR_NOT_ENOUGH_MEMORY, "sd");
    e = ORGetKeySecurity(h, SEC_ALL, sd, &sdn);
    if (e) { free(sd); return fail(e, "ORGetKeySecurity"); }
    fprintf(out, "D %s\t", dump_path_str(path));
    dump_hex(out, sd, sdn);
    fputs("\n", out);
    free(sd);
  } else if (e) {
    return fail(e, "ORGetKeySecurity(size)");
  }
  WCHAR *vname = calloc((size_t)maxvname + 2, sizeof *vname);
  uint8_t *data = malloc((size_t)maxvlen + 1);
  if (!vname || !data) { free(vname); free(data); return fail(ERROR_NOT_ENOUGH_MEMORY, "buf"); }
  for (DWORD i = 0; i < nval; i++) {
    DWORD nc = maxvname + 1, type = 0, dc = maxvlen;
    e = OREnumValue(h, i, vname, &nc, &type, data, &dc);
    if (e) { free(vname); free(data); return fail(e, "OREnumValue"); }
    fprintf(out, "V %s\t", dump_path_str(path));
    dump_name(out, vname, nc, 1);
    fprintf(out, "\t%lu\t%lu\t", (unsigned long)type, (unsigned long)dc);
    dump_data(out, data, dc);
    g_tot.values++;
    g_tot.bytes += dc;
    fputs("\n", out);
  }
  free(vname);
  free(data);
  child *c = calloc(nsub ? nsub : 1, sizeof *c);
  if (!c) return fail(ERROR_NOT_ENOUGH_MEMORY, "children");
  int rc = 0;
  for (DWORD i = 0; i < nsub && rc == 0; i++) {
    c[i].name = calloc((size_t)maxsub + 2, sizeof(WCHAR));
    c[i].n = maxsub + 1;
    c[i].cls = calloc((size_t)maxcls + 2, sizeof(WCHAR));
    c[i].ncls = maxcls + 1;
    if (!c[i].name || !c[i].cls) { rc = fail(ERROR_NOT_ENOUGH_MEMORY, "name"); break; }
    e = OREnumKey(h, i, c[i].name, &c[i].n, c[i].cls, &c[i].ncls, &c[i].ft);
    if (e) rc = fail(e, "OREnumKey");
  }
  if (rc == 0) {
    qsort(c, nsub, sizeof *c, child_cmp);
    for (DWORD i = 0; i < nsub && rc == 0; i++) {
      ORHKEY sub = NULL;
      int has_nul = 0;
      for (DWORD j = 0; j < c[i].n; j++) has_nul |= c[i].name[j] == 0;
      if (has_nul) {
        /* A name with an embedded NUL cannot be passed to OROpenKey (NUL-terminated strings):
         * print what OREnumKey told (name, class, time); its contents are out of reach of the
         * offreg API, which the dump then shows. */
        size_t keep = path->len;
        if (dump_path_push(path, c[i].name, c[i].n) != 0) { rc = fail(ERROR_NOT_ENOUGH_MEMORY, "path"); break; }
        g_tot.keys++;
        fprintf(out, "K %s\t", dump_path_str(path));
        if (c[i].ncls) dump_name(out, c[i].cls, c[i].ncls, 0); else fputs("-", out);
        fprintf(out, "\t%08lx%08lx\t-\n", (unsigned long)c[i].ft.dwHighDateTime,
                (unsigned long)c[i].ft.dwLowDateTime);
        dump_path_pop(path, keep);
        continue;
      }
      e = OROpenKey(h, c[i].name, &sub);
      if (e) { rc = fail(e, "OROpenKey"); break; }
      size_t keep = path->len;
      if (dump_path_push(path, c[i].name, c[i].n) != 0) {
        rc = fail(ERROR_NOT_ENOUGH_MEMORY, "path");
      } else {
        rc = walk(out, sub, path, depth + 1);
      }
      dump_path_pop(path, keep);
      ORCloseKey(sub);
    }
  }
  for (DWORD i = 0; i < nsub; i++) {
    free(c[i].name);
    free(c[i].cls);
  }
  free(c);
  return rc;
}

static int dump_key(FILE *out, ORHKEY h) {
  fputs("H ?\n", out);
  dump_path p = {0};
  memset(&g_tot, 0, sizeof g_tot);
  int rc = walk(out, h, &p, 0);
  dump_path_free(&p);
  if (rc == 0) dump_trailer(out, &g_tot);
  return rc;
}

static int cmd_open(const char *path) {
  ORHKEY root = NULL;
  HRDiagnostic diag;
  memset(&diag, 0, sizeof diag);
  DWORD e = HROpenHiveUtf8(path, NULL, &root, &diag);
  if (e) {
    printf("error %lu rule=%s %s at=%llu %s\n", (unsigned long)e, diag.rule[0] ? diag.rule : "-",
           HRErrorName(e), (unsigned long long)diag.offset, diag.message);
    return 1;
  }
  char *buf = NULL;
  size_t blen = 0;
  FILE *mem = open_memstream(&buf, &blen);
  if (!mem) return 3;
  int rc = dump_key(mem, root);
  fclose(mem);
  ORCloseHive(root);
  if (rc) {
    /* A hive that opened but cannot be walked is an engine bug: report it as a harness error so
     * it never hides as a rejection. */
    fprintf(stderr, "walk failed: %s returned %s\n", g_fail_what, HRErrorName(g_fail));
    free(buf);
    return 3;
  }
  fwrite(buf, 1, blen, stdout);
  free(buf);
  return 0;
}

/* ---- run ------------------------------------------------------------------------------------ */
static plan_vars g_vars;

/* Decodes a w: token into a NUL-terminated WCHAR string (NULL for "-"). */
static int wstr(const char *tok, WCHAR **out) {
  uint8_t *b;
  size_t n;
  *out = NULL;
  if (wire_decode(tok, 'w', &b, &n) != 0 || n % 2) return -1;
  if (!b) return 0;
  WCHAR *w = calloc(n / 2 + 1, sizeof *w);
  if (!w) { free(b); return -1; }
  for (size_t i = 0; i < n / 2; i++) w[i] = (WCHAR)(b[2 * i] | (b[2 * i + 1] << 8));
  free(b);
  *out = w;
  return 0;
}

static int handle(const char *tok, ORHKEY *h) {
  uint64_t v;
  if (!strcmp(tok, "-")) { *h = NULL; return 0; }
  if (plan_var_get(&g_vars, tok, &v) != 0) { *h = NULL; return 0; } /* unset: NULL handle */
  *h = (ORHKEY)(uintptr_t)v;
  return 0;
}

/* A count argument: "-" = NULL pointer, else its initial value. */
static int count(const char *tok, DWORD *v, DWORD **p) {
  if (!strcmp(tok, "-")) { *p = NULL; return 0; }
  if (wire_dword(tok, v)) return -1;
  *p = v;
  return 0;
}

/* A buffer argument: "-" = NULL, else a zeroed buffer of n units of size sz. */
static int buffer(const char *tok, size_t sz, void **p, DWORD *n) {
  *p = NULL;
  *n = 0;
  if (!strcmp(tok, "-")) return 0;
  if (wire_dword(tok, n)) return -1;
  *p = calloc((size_t)*n + 1, sz);
  return *p ? 0 : -1;
}

static int more(DWORD e) { return e == ERROR_SUCCESS || e == ERROR_MORE_DATA ||
                                  e == ERROR_INSUFFICIENT_BUFFER; }

static int run_step(plan_step *st, int idx) {
  const char *verb = st->tok[0];
  char **a = st->tok + 1;
  int na = st->ntok - 1;
  DWORD e = 0;
  ORHKEY h = NULL, out = NULL;
#define NEED(n) do { if (na != (n)) return -1; } while (0)
#define OUTVAR(tok) (strcmp((tok), "-") ? &out : NULL)
  if (!strcmp(verb, "create_hive")) {
    NEED(1);
    e = ORCreateHive(OUTVAR(a[0]));
    if (!e) plan_var_set(&g_vars, a[0], (uint64_t)(uintptr_t)out);
    printf("%d %s %lu\n", idx, verb, (unsigned long)e);
  } else if (!strcmp(verb, "open_hive")) {
    NEED(2);
    uint8_t *p;
    size_t pl;
    if (wire_decode(a[0], 'f', &p, &pl) != 0 || !p) return -1;
    WCHAR *wp = calloc(pl + 1, sizeof *wp);
    size_t n = wp ? HRUtf8ToUtf16((const char *)p, pl, wp, pl + 1) : (size_t)-1;
    free(p);
    if (n == (size_t)-1) { free(wp); return -1; }
    e = OROpenHive(wp, OUTVAR(a[1]));
    free(wp);
    if (!e) plan_var_set(&g_vars, a[1], (uint64_t)(uintptr_t)out);
    printf("%d %s %lu\n", idx, verb, (unsigned long)e);
  } else if (!strcmp(verb, "get_version")) {
    NEED(0);
    DWORD ma = 0, mi = 0;
    ORGetVersion(&ma, &mi);
    printf("%d %s 0 major=%lu minor=%lu\n", idx, verb, (unsigned long)ma, (unsigned long)mi);
  } else if (!strcmp(verb, "close_hive") || !strcmp(verb, "close_key")) {
    NEED(1);
    handle(a[0], &h);
    e = verb[6] == 'h' ? ORCloseHive(h) : ORCloseKey(h);
    printf("%d %s %lu\n", idx, verb, (unsigned long)e);
  } else if (!strcmp(verb, "create_key")) {
    NEED(7);
    WCHAR *sub, *cls;
    uint8_t *sd;
    size_t sdl;
    DWORD opt, disp = 0xDEADBEEF;
    handle(a[0], &h);
    if (wstr(a[1], &sub) || wstr(a[2], &cls) || wire_dword(a[3], &opt) ||
        wire_decode(a[4], 'b', &sd, &sdl))
      return -1;
    int want_disp = strcmp(a[6], "-") != 0;
    e = ORCreateKey(h, sub, cls, opt, sd, OUTVAR(a[5]), want_disp ? &disp : NULL);
    free(sub);
    free(cls);
    free(sd);
    if (!e) plan_var_set(&g_vars, a[5], (uint64_t)(uintptr_t)out);
    printf("%d %s %lu", idx, verb, (unsigned long)e);
    if (!e && want_disp) printf(" disp=%lu", (unsigned long)disp);
    printf("\n");
  } else if (!strcmp(verb, "open_key")) {
    NEED(3);
    WCHAR *sub;
    handle(a[0], &h);
    if (wstr(a[1], &sub)) return -1;
    e = OROpenKey(h, sub, OUTVAR(a[2]));
    free(sub);
    if (!e) plan_var_set(&g_vars, a[2], (uint64_t)(uintptr_t)out);
    printf("%d %s %lu\n", idx, verb, (unsigned long)e);
  } else if (!strcmp(verb, "delete_key") || !strcmp(verb, "delete_value") ||
             !strcmp(verb, "rename_key")) {
    NEED(2);
    WCHAR *s;
    handle(a[0], &h);
    if (wstr(a[1], &s)) return -1;
    e = verb[0] == 'r' ? ORRenameKey(h, s) : verb[7] == 'k' ? ORDeleteKey(h, s) : ORDeleteValue(h, s);
    free(s);
    printf("%d %s %lu\n", idx, verb, (unsigned long)e);
  } else if (!strcmp(verb, "set_value")) {
    NEED(5);
    WCHAR *nm;
    uint8_t *d;
    size_t dl;
    DWORD type, cb;
    handle(a[0], &h);
    if (wstr(a[1], &nm) || wire_dword(a[2], &type) || wire_decode(a[3], 'b', &d, &dl) ||
        wire_dword(a[4], &cb))
      return -1;
    if (d && cb > dl) {
      /* The case asks to pass a count larger than the data: give a buffer that large. */
      uint8_t *big = calloc(cb, 1);
      if (!big) return -1;
      memcpy(big, d, dl);
      free(d);
      d = big;
    }
    e = ORSetValue(h, nm, type, d, cb);
    free(nm);
    free(d);
    printf("%d %s %lu\n", idx, verb, (unsigned long)e);
  } else if (!strcmp(verb, "get_value")) {
    NEED(6);
    WCHAR *sub, *nm;
    DWORD type = 0xDEADBEEF, nbuf, cnt, *pcnt;
    void *buf;
    handle(a[0], &h);
    if (wstr(a[1], &sub) || wstr(a[2], &nm) || buffer(a[4], 1, &buf, &nbuf) ||
        count(a[5], &cnt, &pcnt))
      return -1;
    int typep = strcmp(a[3], "-") != 0;
    e = ORGetValue(h, sub, nm, typep ? &type : NULL, buf, pcnt);
    printf("%d %s %lu", idx, verb, (unsigned long)e);
    if (more(e)) {
      if (typep) printf(" type=%lu", (unsigned long)type);
      if (pcnt) printf(" cnt=%lu", (unsigned long)cnt);
      if (!e && buf && pcnt) {
        printf(" data=b:");
        dump_hex(stdout, buf, cnt <= nbuf ? cnt : nbuf);
      }
    }
    printf("\n");
    free(sub);
    free(nm);
    free(buf);
  } else if (!strcmp(verb, "enum_key")) {
    NEED(7);
    DWORD index, nb, cnt, *pcnt, ncb, ccnt, *pccnt;
    void *nbuf, *cbuf;
    FILETIME ft;
    handle(a[0], &h);
    if (wire_dword(a[1], &index) || buffer(a[2], sizeof(WCHAR), &nbuf, &nb) ||
        count(a[3], &cnt, &pcnt) || buffer(a[4], sizeof(WCHAR), &cbuf, &ncb) ||
        count(a[5], &ccnt, &pccnt))
      return -1;
    e = OREnumKey(h, index, nbuf, pcnt, cbuf, pccnt, strcmp(a[6], "-") ? &ft : NULL);
    printf("%d %s %lu", idx, verb, (unsigned long)e);
    if (more(e)) {
      if (pcnt) printf(" cnt=%lu", (unsigned long)cnt);
      if (!e && nbuf && pcnt) { printf(" name=w:"); hex_units(stdout, nbuf, cnt <= nb ? cnt : nb); }
      if (pccnt) printf(" ccnt=%lu", (unsigned long)ccnt);
      if (!e && cbuf && pccnt) { printf(" class=w:"); hex_units(stdout, cbuf, ccnt <= ncb ? ccnt : ncb); }
    }
    printf("\n");
    free(nbuf);
    free(cbuf);
  } else if (!strcmp(verb, "enum_value")) {
    NEED(7);
    DWORD index, nb, cnt, *pcnt, db, dcnt, *pdcnt, type = 0xDEADBEEF;
    void *nbuf, *dbuf;
    handle(a[0], &h);
    if (wire_dword(a[1], &index) || buffer(a[2], sizeof(WCHAR), &nbuf, &nb) ||
        count(a[3], &cnt, &pcnt) || buffer(a[5], 1, &dbuf, &db) || count(a[6], &dcnt, &pdcnt))
      return -1;
    int typep = strcmp(a[4], "-") != 0;
    e = OREnumValue(h, index, nbuf, pcnt, typep ? &type : NULL, dbuf, pdcnt);
    printf("%d %s %lu", idx, verb, (unsigned long)e);
    if (more(e)) {
      if (pcnt) printf(" cnt=%lu", (unsigned long)cnt);
      if (!e && nbuf && pcnt) { printf(" name=w:"); hex_units(stdout, nbuf, cnt <= nb ? cnt : nb); }
      if (typep) printf(" type=%lu", (unsigned long)type);
      if (pdcnt) printf(" dcnt=%lu", (unsigned long)dcnt);
      if (!e && dbuf && pdcnt) { printf(" data=b:"); dump_hex(stdout, dbuf, dcnt <= db ? dcnt : db); }
    }
    printf("\n");
    free(nbuf);
    free(dbuf);
  } else if (!strcmp(verb, "query_info")) {
    NEED(3);
    DWORD ncb, ccnt, *pccnt, s[7] = {0};
    void *cbuf;
    FILETIME ft;
    handle(a[0], &h);
    if (buffer(a[1], sizeof(WCHAR), &cbuf, &ncb) || count(a[2], &ccnt, &pccnt)) return -1;
    e = ORQueryInfoKey(h, cbuf, pccnt, &s[0], &s[1], &s[2], &s[3], &s[4], &s[5], &s[6], &ft);
    printf("%d %s %lu", idx, verb, (unsigned long)e);
    if (more(e)) {
      if (pccnt) printf(" ccnt=%lu", (unsigned long)ccnt);
      if (!e && cbuf && pccnt) { printf(" class=w:"); hex_units(stdout, cbuf, ccnt <= ncb ? ccnt : ncb); }
      if (!e)
        printf(" subkeys=%lu maxsubkeylen=%lu maxclasslen=%lu values=%lu maxvaluenamelen=%lu "
               "maxvaluelen=%lu cbsd=%lu", (unsigned long)s[0], (unsigned long)s[1],
               (unsigned long)s[2], (unsigned long)s[3], (unsigned long)s[4], (unsigned long)s[5],
               (unsigned long)s[6]);
    }
    printf("\n");
    free(cbuf);
  } else if (!strcmp(verb, "get_security")) {
    NEED(4);
    DWORD si, nb, cnt, *pcnt;
    void *buf;
    handle(a[0], &h);
    if (wire_dword(a[1], &si) || buffer(a[2], 1, &buf, &nb) || count(a[3], &cnt, &pcnt)) return -1;
    e = ORGetKeySecurity(h, si, buf, pcnt);
    printf("%d %s %lu", idx, verb, (unsigned long)e);
    if (more(e) && pcnt) printf(" cnt=%lu", (unsigned long)cnt);
    if (!e && buf && pcnt) { printf(" sd=b:"); dump_hex(stdout, buf, cnt <= nb ? cnt : nb); }
    printf("\n");
    free(buf);
  } else if (!strcmp(verb, "set_security")) {
    NEED(3);
    DWORD si;
    uint8_t *sd;
    size_t sdl;
    handle(a[0], &h);
    if (wire_dword(a[1], &si) || wire_decode(a[2], 'b', &sd, &sdl)) return -1;
    e = ORSetKeySecurity(h, si, sd);
    free(sd);
    printf("%d %s %lu\n", idx, verb, (unsigned long)e);
  } else if (!strcmp(verb, "get_virtual_flags")) {
    NEED(1);
    DWORD fl = 0xDEADBEEF;
    handle(a[0], &h);
    e = ORGetVirtualFlags(h, &fl);
    printf("%d %s %lu", idx, verb, (unsigned long)e);
    if (!e) printf(" flags=%lu", (unsigned long)fl);
    printf("\n");
  } else if (!strcmp(verb, "set_virtual_flags")) {
    NEED(2);
    DWORD fl;
    handle(a[0], &h);
    if (wire_dword(a[1], &fl)) return -1;
    e = ORSetVirtualFlags(h, fl);
    printf("%d %s %lu\n", idx, verb, (unsigned long)e);
  } else if (!strcmp(verb, "save_hive")) {
    NEED(4);
    uint8_t *p;
    size_t pl;
    DWORD ma, mi;
    handle(a[0], &h);
    if (wire_decode(a[1], 'f', &p, &pl) != 0 || !p || wire_dword(a[2], &ma) ||
        wire_dword(a[3], &mi))
      return -1;
    WCHAR *wp = calloc(pl + 1, sizeof *wp);
    size_t n = wp ? HRUtf8ToUtf16((const char *)p, pl, wp, pl + 1) : (size_t)-1;
    free(p);
    if (n == (size_t)-1) { free(wp); return -1; }
    e = ORSaveHive(h, wp, ma, mi);
    free(wp);
    printf("%d %s %lu\n", idx, verb, (unsigned long)e);
  } else if (!strcmp(verb, "dump")) {
    NEED(1);
    handle(a[0], &h);
    char *buf = NULL;
    size_t blen = 0;
    FILE *mem = open_memstream(&buf, &blen);
    if (!mem) return -1;
    int rc = dump_key(mem, h);
    fclose(mem);
    printf("%d %s %lu\n", idx, verb, rc ? (unsigned long)g_fail : 0ul);
    for (char *line = buf, *nl; rc == 0 && line && *line; line = nl + 1) {
      nl = strchr(line, '\n');
      if (!nl) break;
      printf("| %.*s\n", (int)(nl - line), line);
    }
    free(buf);
  } else {
    printf("%d %s unsupported\n", idx, verb);
  }
  return 0;
}

static int cmd_run(const char *planpath) {
  FILE *f = fopen(planpath, "r");
  if (!f) {
    fprintf(stderr, "cannot open plan %s\n", planpath);
    return 3;
  }
  plan_step st;
  int idx = 0, r;
  while ((r = plan_next(f, &st)) == 1) {
    if (run_step(&st, idx) != 0) {
      fprintf(stderr, "malformed step %d: %s\n", idx, st.tok[0]);
      plan_step_free(&st);
      fclose(f);
      return 3;
    }
    fflush(stdout);
    plan_step_free(&st);
    idx++;
  }
  fclose(f);
  return r < 0 ? 3 : 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "caps")) {
    printf("read write create save security class timestamps virtual-flags win32-errors "
           "buffers raw-data bigdata rule-ids rename\n");
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "version")) {
    printf("%s\n", HRVersionString());
    return 0;
  }
  if (argc >= 3 && !strcmp(argv[1], "open")) return cmd_open(argv[2]);
  if (argc >= 4 && !strcmp(argv[1], "run")) return cmd_run(argv[2]);
  fprintf(stderr, "usage: %s caps|version|open HIVE|run PLAN WORKDIR\n", argv[0]);
  return 3;
}
