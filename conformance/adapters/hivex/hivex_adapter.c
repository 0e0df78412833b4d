/*
 * hivex_adapter.c: the conformance adapter for libhivex (libguestfs), PROTOCOL.md.
 *
 * open: hivex_open(path, 0) then a walk printing the canonical dump.  hivex gives names as
 * UTF-8 (converted back to UTF-16 for sorting and escaping), timestamps, raw value bytes; it
 * exposes no class names, nk flags or security descriptors, so those capabilities are not
 * declared.  run: the write verbs map onto hivex_node_add_child / hivex_node_delete_child /
 * hivex_node_set_value and save_hive onto hivex_commit.  hivex cannot create a hive from
 * nothing: create_hive opens the empty template named by $HIVEREF_EMPTY_HIVE when set (a
 * generated fixture), and `create` is declared only then.  Failures print errno (hivex's error
 * channel), so `win32-errors` is not declared and the runner compares success vs failure only.
 * Semantics are hivex's own: e.g. hivex_node_delete_child deletes a whole subtree and
 * hivex_commit overwrites an existing file; the matrix shows where that departs from offreg.
 */
#include <errno.h>
#include <hivex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dumpfmt.h"
#include "plan.h"

#define MAX_DEPTH 512

static dump_totals g_tot;

typedef struct child {
  hive_node_h node;
  uint16_t *name;
  size_t n;
} child;

static uint16_t *utf16_of(const char *s, size_t *n) {
  size_t len = strlen(s);
  uint16_t *u = malloc((len + 1) * sizeof *u);
  if (!u) return NULL;
  size_t k = dump_utf8_to_utf16(s, len, u, len + 1);
  if (k == (size_t)-1) {
    free(u);
    return NULL;
  }
  *n = k;
  return u;
}

static int child_cmp(const void *a, const void *b) {
  const child *x = a, *y = b;
  return dump_name_cmp(x->name, x->n, y->name, y->n);
}

static char *utf8_of_units(const uint8_t *b, size_t nbytes);

/* Prints the subtree at node; returns 0, or -1 with errno set when hivex fails mid-walk. */
static int walk(FILE *out, hive_h *h, hive_node_h node, dump_path *path, int depth) {
  if (depth > MAX_DEPTH) {
    errno = ELOOP;
    return -1;
  }
  int64_t ts = hivex_node_timestamp(h, node);
  g_tot.keys++;
  fprintf(out, "K %s\t-\t", dump_path_str(path));
  if (ts >= 0)
    fprintf(out, "%016llx", (unsigned long long)ts);
  else
    fprintf(out, "-");
  fprintf(out, "\t-\n");
  errno = 0;
  hive_value_h *vals = hivex_node_values(h, node);
  if (!vals) return -1;
  for (size_t i = 0; vals[i]; i++) {
    char *key = hivex_value_key(h, vals[i]);
    if (!key) {
      free(vals);
      return -1;
    }
    size_t kn = 0;
    uint16_t *ku = utf16_of(key, &kn);
    hive_type t;
    size_t len;
    char *data = hivex_value_value(h, vals[i], &t, &len);
    if (!data || !ku) {
      free(key);
      free(ku);
      free(data);
      free(vals);
      if (!errno) errno = EINVAL;
      return -1;
    }
    fprintf(out, "V %s\t", dump_path_str(path));
    dump_name(out, ku, kn, 1);
    fprintf(out, "\t%u\t%zu\t", (unsigned)t, len);
    dump_data(out, (const uint8_t *)data, len);
    g_tot.values++;
    g_tot.bytes += len;
    fprintf(out, "\n");
    free(key);
    free(ku);
    free(data);
  }
  free(vals);
  errno = 0;
  hive_node_h *kids = hivex_node_children(h, node);
  if (!kids) return -1;
  size_t nk = 0;
  while (kids[nk]) nk++;
  child *c = calloc(nk ? nk : 1, sizeof *c);
  int rc = 0;
  for (size_t i = 0; i < nk && rc == 0; i++) {
    char *nm = hivex_node_name(h, kids[i]);
    c[i].node = kids[i];
    c[i].name = nm ? utf16_of(nm, &c[i].n) : NULL;
    free(nm);
    if (!c[i].name) {
      if (!errno) errno = EILSEQ;
      rc = -1;
    }
  }
  if (rc == 0) {
    qsort(c, nk, sizeof *c, child_cmp);
    for (size_t i = 0; i < nk && rc == 0; i++) {
      size_t keep = path->len;
      if (dump_path_push(path, c[i].name, c[i].n) != 0) {
        errno = ENOMEM;
        rc = -1;
        break;
      }
      rc = walk(out, h, c[i].node, path, depth + 1);
      dump_path_pop(path, keep);
    }
  }
  for (size_t i = 0; i < nk; i++) free(c[i].name);
  free(c);
  free(kids);
  return rc;
}

static int dump_hive_node(FILE *out, hive_h *h, hive_node_h node, int with_header) {
  if (with_header) {
    char *rn = hivex_node_name(h, hivex_root(h));
    size_t n = 0;
    uint16_t *u = rn ? utf16_of(rn, &n) : NULL;
    fprintf(out, "H ");
    if (u) dump_name(out, u, n, 0);
    fprintf(out, "\n");
    free(u);
    free(rn);
  }
  dump_path p = {0};
  memset(&g_tot, 0, sizeof g_tot);
  int rc = walk(out, h, node, &p, 0);
  dump_path_free(&p);
  if (rc == 0) dump_trailer(out, &g_tot);
  return rc;
}

static int cmd_open(const char *path) {
  hive_h *h = hivex_open(path, 0);
  if (!h) {
    int e = errno;
    printf("error %d hivex_open: %s\n", e, strerror(e));
    return 1;
  }
  /* The dump is buffered: a walk failure part-way is a rejection, with no partial dump. */
  char *buf = NULL;
  size_t blen = 0;
  FILE *mem = open_memstream(&buf, &blen);
  if (!mem) return 3;
  int r = dump_hive_node(mem, h, hivex_root(h), 1);
  int e = errno;
  fclose(mem);
  hivex_close(h);
  if (r != 0) {
    printf("error %d walk: %s\n", e, strerror(e));
    free(buf);
    return 1;
  }
  fwrite(buf, 1, blen, stdout);
  free(buf);
  return 0;
}

/* ---- run ------------------------------------------------------------------------------------ */
typedef struct state {
  hive_h *hives[64];
  int nh;
  plan_vars vars;   /* value: (hive index << 32) | node */
} state;

static char *utf8_of_units(const uint8_t *b, size_t nbytes) {
  /* UTF-16LE -> UTF-8 (lone surrogates become U+FFFD). */
  size_t n = nbytes / 2;
  char *o = malloc(4 * n + 1);
  if (!o) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t c = (uint32_t)b[2 * i] | ((uint32_t)b[2 * i + 1] << 8);
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n) {
      uint32_t d = (uint32_t)b[2 * i + 2] | ((uint32_t)b[2 * i + 3] << 8);
      if (d >= 0xDC00 && d <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
        i++;
      } else {
        c = 0xFFFD;
      }
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    if (c < 0x80) o[k++] = (char)c;
    else if (c < 0x800) { o[k++] = (char)(0xC0 | (c >> 6)); o[k++] = (char)(0x80 | (c & 0x3F)); }
    else if (c < 0x10000) {
      o[k++] = (char)(0xE0 | (c >> 12)); o[k++] = (char)(0x80 | ((c >> 6) & 0x3F));
      o[k++] = (char)(0x80 | (c & 0x3F));
    } else {
      o[k++] = (char)(0xF0 | (c >> 18)); o[k++] = (char)(0x80 | ((c >> 12) & 0x3F));
      o[k++] = (char)(0x80 | ((c >> 6) & 0x3F)); o[k++] = (char)(0x80 | (c & 0x3F));
    }
  }
  o[k] = 0;
  return o;
}

static int get_h(state *s, const char *tok, hive_h **h, hive_node_h *node) {
  uint64_t v;
  if (plan_var_get(&s->vars, tok, &v) != 0) return -1;
  *h = s->hives[v >> 32];
  *node = (hive_node_h)(v & 0xFFFFFFFFu);
  return *h ? 0 : -1;
}

/* Walks a backslash-separated UTF-8 path from node; create = add missing components. */
static hive_node_h walk_path(hive_h *h, hive_node_h node, char *path, int create, int *created) {
  if (created) *created = 0;
  char *save = NULL;
  for (char *c = strtok_r(path, "\\", &save); c; c = strtok_r(NULL, "\\", &save)) {
    errno = 0;
    hive_node_h next = hivex_node_get_child(h, node, c);
    if (!next) {
      if (errno || !create) return 0;
      next = hivex_node_add_child(h, node, c);
      if (!next) return 0;
      if (created) *created = 1;
    }
    node = next;
  }
  return node;
}

static int err_code(void) { return errno ? errno : 1; }

static int run_step(state *s, plan_step *st, int idx, const char *workdir) {
  const char *verb = st->tok[0];
  char **a = st->tok + 1;
  int na = st->ntok - 1;
  hive_h *h = NULL;
  hive_node_h node = 0;
  (void)workdir;
#define NEED(n) do { if (na < (n)) return -1; } while (0)
  if (!strcmp(verb, "open_hive") || !strcmp(verb, "create_hive")) {
    const char *path;
    uint8_t *p = NULL;
    size_t pl;
    if (!strcmp(verb, "create_hive")) {
      path = getenv("HIVEREF_EMPTY_HIVE");
      if (!path) { printf("%d %s unsupported\n", idx, verb); return 0; }
    } else {
      NEED(2);
      if (wire_decode(a[0], 'f', &p, &pl) != 0 || !p) return -1;
      path = (const char *)p;
    }
    errno = 0;
    hive_h *nh = s->nh < 64 ? hivex_open(path, HIVEX_OPEN_WRITE) : NULL;
    free(p);
    if (!nh) { printf("%d %s %d\n", idx, verb, err_code()); return 0; }
    s->hives[s->nh] = nh;
    plan_var_set(&s->vars, a[na - 1], ((uint64_t)s->nh << 32) | hivex_root(nh));
    s->nh++;
    printf("%d %s 0\n", idx, verb);
    return 0;
  }
  if (!strcmp(verb, "get_version")) {
    printf("%d %s unsupported\n", idx, verb);
    return 0;
  }
  NEED(1);
  if (get_h(s, a[0], &h, &node) != 0) {
    printf("%d %s %d\n", idx, verb, EBADF);
    return 0;
  }
  if (!strcmp(verb, "close_hive")) {
    uint64_t v;
    plan_var_get(&s->vars, a[0], &v);
    int r = hivex_close(h);
    s->hives[v >> 32] = NULL;
    printf("%d %s %d\n", idx, verb, r ? err_code() : 0);
  } else if (!strcmp(verb, "close_key")) {
    /* hivex has no key handles: closing is a no-op, and offreg's root-handle rule cannot be
     * expressed (so it is reported unsupported rather than passed or failed). */
    if (node == hivex_root(h))
      printf("%d %s unsupported\n", idx, verb);
    else
      printf("%d %s 0\n", idx, verb);
  } else if (!strcmp(verb, "create_key") || !strcmp(verb, "open_key")) {
    int create = !strcmp(verb, "create_key");
    NEED(create ? 7 : 3);
    uint8_t *sub = NULL;
    size_t sl;
    if (wire_decode(a[1], 'w', &sub, &sl) != 0) return -1;
    if (create && strcmp(a[2], "-")) { free(sub); printf("%d %s unsupported\n", idx, verb); return 0; }
    if (create && (strcmp(a[3], "0") || strcmp(a[4], "-"))) {
      free(sub);
      printf("%d %s unsupported\n", idx, verb);
      return 0;
    }
    if (!sub || (!create && sl == 0)) {
      /* OROpenKey(h, NULL/"") returns h itself: hivex has no handles to duplicate. */
      free(sub);
      if (!create) printf("%d %s unsupported\n", idx, verb);
      else printf("%d %s %d\n", idx, verb, EINVAL);
      return 0;
    }
    char *u8 = utf8_of_units(sub, sl);
    free(sub);
    int created = 0;
    errno = 0;
    hive_node_h r = (u8 && *u8) ? walk_path(h, node, u8, create, &created) : 0;
    if (u8 && !*u8) errno = EINVAL;
    free(u8);
    if (!r) { printf("%d %s %d\n", idx, verb, err_code()); return 0; }
    uint64_t v;
    plan_var_get(&s->vars, a[0], &v);
    plan_var_set(&s->vars, a[create ? 5 : 2], (v & 0xFFFFFFFF00000000ull) | r);
    if (create && strcmp(a[6], "-"))
      printf("%d %s 0 disp=%d\n", idx, verb, created ? 1 : 2);
    else
      printf("%d %s 0\n", idx, verb);
  } else if (!strcmp(verb, "delete_key")) {
    NEED(2);
    uint8_t *sub = NULL;
    size_t sl;
    if (wire_decode(a[1], 'w', &sub, &sl) != 0) return -1;
    hive_node_h target = node;
    errno = 0;
    if (sub && sl) {
      char *u8 = utf8_of_units(sub, sl);
      target = u8 ? walk_path(h, node, u8, 0, NULL) : 0;
      free(u8);
    }
    free(sub);
    if (!target) { printf("%d %s %d\n", idx, verb, err_code()); return 0; }
    int r = hivex_node_delete_child(h, target);
    printf("%d %s %d\n", idx, verb, r ? err_code() : 0);
  } else if (!strcmp(verb, "set_value")) {
    NEED(5);
    uint8_t *nm = NULL, *data = NULL;
    size_t nl, dl;
    uint32_t type, cb;
    if (wire_decode(a[1], 'w', &nm, &nl) != 0 || wire_decode(a[3], 'b', &data, &dl) != 0 ||
        wire_dword(a[2], &type) || wire_dword(a[4], &cb)) {
      free(nm);
      free(data);
      return -1;
    }
    if (cb > dl) { free(nm); free(data); printf("%d %s unsupported\n", idx, verb); return 0; }
    char *key = nm ? utf8_of_units(nm, nl) : strdup("");
    hive_set_value sv = {.key = key, .t = (hive_type)type, .len = cb, .value = (char *)data};
    errno = 0;
    int r = key ? hivex_node_set_value(h, node, &sv, 0) : -1;
    printf("%d %s %d\n", idx, verb, r ? err_code() : 0);
    free(key);
    free(nm);
    free(data);
  } else if (!strcmp(verb, "get_value")) {
    NEED(6);
    uint8_t *sub = NULL, *nm = NULL;
    size_t sl, nl;
    if (wire_decode(a[1], 'w', &sub, &sl) != 0 || wire_decode(a[2], 'w', &nm, &nl) != 0) {
      free(sub);
      return -1;
    }
    hive_node_h target = node;
    errno = 0;
    if (sub && sl) {
      char *u8 = utf8_of_units(sub, sl);
      target = u8 ? walk_path(h, node, u8, 0, NULL) : 0;
      free(u8);
    }
    free(sub);
    char *key = nm ? utf8_of_units(nm, nl) : strdup("");
    free(nm);
    hive_value_h v = (target && key) ? hivex_node_get_value(h, target, key) : 0;
    free(key);
    if (!v) { printf("%d %s %d\n", idx, verb, errno ? errno : ENOENT); return 0; }
    hive_type t;
    size_t len;
    char *data = hivex_value_value(h, v, &t, &len);
    if (!data) { printf("%d %s %d\n", idx, verb, err_code()); return 0; }
    printf("%d %s 0 type=%u cnt=%zu data=b:", idx, verb, (unsigned)t, len);
    dump_hex(stdout, (uint8_t *)data, len);
    printf("\n");
    free(data);
  } else if (!strcmp(verb, "delete_value")) {
    NEED(2);
    uint8_t *nm = NULL;
    size_t nl;
    if (wire_decode(a[1], 'w', &nm, &nl) != 0) return -1;
    char *key = nm ? utf8_of_units(nm, nl) : strdup("");
    free(nm);
    /* hivex has no single-value delete: rewrite the list without it (hivex_node_set_values). */
    hive_value_h *vals = hivex_node_values(h, node);
    int found = 0, r = -1;
    if (vals && key) {
      size_t n = 0;
      while (vals[n]) n++;
      hive_set_value *sv = calloc(n ? n : 1, sizeof *sv);
      size_t k = 0;
      for (size_t i = 0; i < n; i++) {
        char *vk = hivex_value_key(h, vals[i]);
        if (vk && !found && strcasecmp(vk, key) == 0) { found = 1; free(vk); continue; }
        hive_type t;
        size_t len;
        sv[k].key = vk;
        sv[k].value = hivex_value_value(h, vals[i], &t, &len);
        sv[k].t = t;
        sv[k].len = len;
        k++;
      }
      errno = found ? 0 : ENOENT;
      r = found ? hivex_node_set_values(h, node, k, sv, 0) : -1;
      for (size_t i = 0; i < k; i++) { free(sv[i].key); free(sv[i].value); }
      free(sv);
    }
    free(vals);
    free(key);
    printf("%d %s %d\n", idx, verb, r ? err_code() : 0);
  } else if (!strcmp(verb, "enum_key") || !strcmp(verb, "enum_value")) {
    NEED(2);
    uint32_t i;
    if (wire_dword(a[1], &i)) return -1;
    int keys = !strcmp(verb, "enum_key");
    if (keys) {
      hive_node_h *kids = hivex_node_children(h, node);
      size_t n = 0;
      while (kids && kids[n]) n++;
      if (!kids) printf("%d %s %d\n", idx, verb, err_code());
      else if (i >= n) printf("%d %s 259\n", idx, verb);
      else {
        char *nm = hivex_node_name(h, kids[i]);
        size_t un = 0;
        uint16_t *u = nm ? utf16_of(nm, &un) : NULL;
        printf("%d %s 0 cnt=%zu name=w:", idx, verb, un);
        for (size_t j = 0; j < un; j++) printf("%02x%02x", u[j] & 0xFF, u[j] >> 8);
        printf("\n");
        free(u);
        free(nm);
      }
      free(kids);
    } else {
      hive_value_h *vals = hivex_node_values(h, node);
      size_t n = 0;
      while (vals && vals[n]) n++;
      if (!vals) printf("%d %s %d\n", idx, verb, err_code());
      else if (i >= n) printf("%d %s 259\n", idx, verb);
      else {
        char *nm = hivex_value_key(h, vals[i]);
        size_t un = 0;
        uint16_t *u = nm ? utf16_of(nm, &un) : NULL;
        hive_type t;
        size_t len;
        char *data = hivex_value_value(h, vals[i], &t, &len);
        printf("%d %s 0 cnt=%zu type=%u dcnt=%zu name=w:", idx, verb, un, (unsigned)t, len);
        for (size_t j = 0; j < un; j++) printf("%02x%02x", u[j] & 0xFF, u[j] >> 8);
        printf(" data=b:");
        if (data) dump_hex(stdout, (uint8_t *)data, len);
        printf("\n");
        free(data);
        free(u);
        free(nm);
      }
      free(vals);
    }
  } else if (!strcmp(verb, "query_info")) {
    printf("%d %s 0 subkeys=%zu values=%zu\n", idx, verb, hivex_node_nr_children(h, node),
           hivex_node_nr_values(h, node));
  } else if (!strcmp(verb, "save_hive")) {
    NEED(2);
    uint8_t *p = NULL;
    size_t pl;
    if (wire_decode(a[1], 'f', &p, &pl) != 0 || !p) return -1;
    /* hivex_commit writes the hive in the format it was opened in: no target versions, so
     * only the suite's default target (6.1, format 1.5 like the template) is expressible; and
     * it saves whole hives only. */
    if (node != hivex_root(h) || na < 4 || strcmp(a[2], "6") || strcmp(a[3], "1")) {
      free(p);
      printf("%d %s unsupported\n", idx, verb);
      return 0;
    }
    errno = 0;
    int r = hivex_commit(h, (const char *)p, 0);
    free(p);
    printf("%d %s %d\n", idx, verb, r ? err_code() : 0);
  } else if (!strcmp(verb, "dump")) {
    printf("%d %s 0\n", idx, verb);
    fflush(stdout);
    /* Prefix every dump line: print to a buffer first. */
    char *buf = NULL;
    size_t blen = 0;
    FILE *mem = open_memstream(&buf, &blen);
    if (!mem) return -1;
    int r = dump_hive_node(mem, h, node, node == hivex_root(h));
    fclose(mem);
    if (node != hivex_root(h)) printf("| H ?\n");
    for (char *line = buf, *nl; line && *line; line = nl + 1) {
      nl = strchr(line, '\n');
      if (!nl) break;
      printf("| %.*s\n", (int)(nl - line), line);
    }
    if (r) printf("| error %d\n", errno);
    free(buf);
  } else {
    printf("%d %s unsupported\n", idx, verb);
  }
  return 0;
}

static int cmd_run(const char *planpath, const char *workdir) {
  FILE *f = fopen(planpath, "r");
  if (!f) {
    fprintf(stderr, "cannot open plan %s\n", planpath);
    return 3;
  }
  static state s;
  plan_step st;
  int idx = 0, r;
  while ((r = plan_next(f, &st)) == 1) {
    if (run_step(&s, &st, idx, workdir) != 0) {
      fprintf(stderr, "malformed step %d\n", idx);
      plan_step_free(&st);
      fclose(f);
      return 3;
    }
    fflush(stdout);
    plan_step_free(&st);
    idx++;
  }
  fclose(f);
  for (int i = 0; i < s.nh; i++)
    if (s.hives[i]) hivex_close(s.hives[i]);
  return r < 0 ? 3 : 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "caps")) {
    const char *tpl = getenv("HIVEREF_EMPTY_HIVE");
    FILE *t = tpl ? fopen(tpl, "rb") : NULL;
    printf("read write save timestamps raw-data bigdata%s\n", t ? " create" : "");
    if (t) fclose(t);
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "version")) {
    printf("hivex %s\n", HIVEX_ADAPTER_LIBVERSION);
    return 0;
  }
  if (argc >= 3 && !strcmp(argv[1], "open")) return cmd_open(argv[2]);
  if (argc >= 4 && !strcmp(argv[1], "run")) return cmd_run(argv[2], argv[3]);
  fprintf(stderr, "usage: %s caps|version|open HIVE|run PLAN WORKDIR\n", argv[0]);
  return 3;
}
