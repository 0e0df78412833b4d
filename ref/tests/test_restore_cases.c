/*
 * test_restore_cases.c: runs the table-driven restore cases of the .json files of conformance/cases/restore
 * against the restore module (ref/restore).  The JSON files are the single source of the cases
 * (format: conformance/cases/restore/README.md); this file only interprets them:
 *
 *   for each case: build the existing and the restored hive through the OR* API, save both to a
 *   temporary directory and reopen them (as a user's files), compute the plan, compare it with
 *   "expect_plan", apply it, save the result as a new file, reopen it and check "expect_result";
 *   then check that both input files are byte-identical to what was written.
 *
 * A minimal JSON reader (test-side libc memory) is included; strings become UTF-16 code units
 * (\uD800 alone stays a lone surrogate, which the bad-UTF-16 cases need).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../restore/restore.h"
#include "test.h"

/* ---- JSON -------------------------------------------------------------------------------- */

typedef enum jt { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ } jt;
typedef struct jv {
  jt t;
  int b;
  long long num;
  uint16_t *s;                 /* J_STR: units, NUL-terminated */
  size_t slen;
  struct jv *items;            /* J_ARR / J_OBJ values */
  struct jv *keys;             /* J_OBJ keys (J_STR) */
  size_t n;
} jv;

typedef struct jp {
  const char *p, *end;
  const char *err;
  int depth;
} jp;

static void jws(jp *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t')) j->p++;
}

static int jparse(jp *j, jv *v);

static int hexv(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int jstring(jp *j, jv *v) {
  memset(v, 0, sizeof *v);
  j->p++; /* quote */
  size_t cap = 16, n = 0;
  uint16_t *s = malloc(cap * 2);
  while (j->p < j->end && *j->p != '"') {
    if (n + 3 >= cap) {
      cap *= 2;
      s = realloc(s, cap * 2);
    }
    unsigned char c = (unsigned char)*j->p++;
    if (c == '\\') {
      if (j->p >= j->end) break;
      char e = *j->p++;
      switch (e) {
      case 'n': s[n++] = '\n'; break;
      case 't': s[n++] = '\t'; break;
      case 'r': s[n++] = '\r'; break;
      case 'b': s[n++] = '\b'; break;
      case 'f': s[n++] = '\f'; break;
      case 'u': {
        if (j->end - j->p < 4) { j->err = "bad \\u"; free(s); return 0; }
        int u = 0;
        for (int k = 0; k < 4; k++) {
          int h = hexv(j->p[k]);
          if (h < 0) { j->err = "bad \\u"; free(s); return 0; }
          u = u * 16 + h;
        }
        j->p += 4;
        s[n++] = (uint16_t)u;
        break;
      }
      default: s[n++] = (uint16_t)(unsigned char)e; break;
      }
    } else if (c < 0x80) {
      s[n++] = c;
    } else {
      /* UTF-8 -> UTF-16 */
      uint32_t cp;
      int more;
      if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; more = 1; }
      else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; more = 2; }
      else { cp = c & 0x07; more = 3; }
      for (int k = 0; k < more && j->p < j->end; k++) cp = (cp << 6) | ((unsigned char)*j->p++ & 0x3F);
      if (cp >= 0x10000) {
        cp -= 0x10000;
        s[n++] = (uint16_t)(0xD800 + (cp >> 10));
        s[n++] = (uint16_t)(0xDC00 + (cp & 0x3FF));
      } else {
        s[n++] = (uint16_t)cp;
      }
    }
  }
  if (j->p >= j->end) { j->err = "unterminated string"; free(s); return 0; }
  j->p++;
  s[n] = 0;
  v->t = J_STR;
  v->s = s;
  v->slen = n;
  return 1;
}

static int jparse(jp *j, jv *v) {
  memset(v, 0, sizeof *v);
  jws(j);
  if (j->p >= j->end) { j->err = "unexpected end"; return 0; }
  if (++j->depth > 64) { j->err = "too deep"; return 0; }
  int ok = 1;
  char c = *j->p;
  if (c == '"') {
    ok = jstring(j, v);
  } else if (c == '{' || c == '[') {
    int obj = c == '{';
    j->p++;
    v->t = obj ? J_OBJ : J_ARR;
    size_t cap = 0;
    jws(j);
    if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
      j->p++;
    } else {
      for (;;) {
        if (v->n == cap) {
          cap = cap ? cap * 2 : 8;
          v->items = realloc(v->items, cap * sizeof(jv));
          if (obj) v->keys = realloc(v->keys, cap * sizeof(jv));
        }
        if (obj) {
          jws(j);
          if (j->p >= j->end || *j->p != '"') { j->err = "expected key"; ok = 0; break; }
          if (!jstring(j, &v->keys[v->n])) { ok = 0; break; }
          jws(j);
          if (j->p >= j->end || *j->p != ':') { j->err = "expected ':'"; ok = 0; break; }
          j->p++;
        }
        if (!jparse(j, &v->items[v->n])) { ok = 0; break; }
        v->n++;
        jws(j);
        if (j->p < j->end && *j->p == ',') { j->p++; continue; }
        if (j->p < j->end && *j->p == (obj ? '}' : ']')) { j->p++; break; }
        j->err = "expected ',' or end";
        ok = 0;
        break;
      }
    }
  } else if (!strncmp(j->p, "true", 4)) { v->t = J_BOOL; v->b = 1; j->p += 4; }
  else if (!strncmp(j->p, "false", 5)) { v->t = J_BOOL; j->p += 5; }
  else if (!strncmp(j->p, "null", 4)) { v->t = J_NULL; j->p += 4; }
  else if (c == '-' || (c >= '0' && c <= '9')) {
    char *e;
    v->t = J_NUM;
    v->num = strtoll(j->p, &e, 0);
    j->p = e;
  } else {
    j->err = "unexpected character";
    ok = 0;
  }
  j->depth--;
  return ok;
}

static void jfree(jv *v) {
  free(v->s);
  for (size_t i = 0; i < v->n; i++) {
    jfree(&v->items[i]);
    if (v->keys) jfree(&v->keys[i]);
  }
  free(v->items);
  free(v->keys);
}

static int jeq(const jv *s, const char *ascii) {
  if (s->t != J_STR || s->slen != strlen(ascii)) return 0;
  for (size_t i = 0; i < s->slen; i++)
    if (s->s[i] != (unsigned char)ascii[i]) return 0;
  return 1;
}

static const jv *jget(const jv *o, const char *key) {
  if (!o || o->t != J_OBJ) return NULL;
  for (size_t i = 0; i < o->n; i++)
    if (jeq(&o->keys[i], key)) return &o->items[i];
  return NULL;
}

/* UTF-16 -> printable ASCII-ish for messages (static rotating buffer). */
static const char *jshow(const uint16_t *s, size_t n) {
  static char buf[4][512];
  static int k;
  char *b = buf[k++ & 3];
  size_t o = 0;
  for (size_t i = 0; i < n && o + 8 < sizeof buf[0]; i++) {
    if (s[i] >= 0x20 && s[i] < 0x7F) b[o++] = (char)s[i];
    else o += (size_t)snprintf(b + o, sizeof buf[0] - o, "\\u%04x", s[i]);
  }
  b[o] = 0;
  return b;
}

/* ---- building hives from a case's spec ----------------------------------------------------- */

static const struct { const char *name; DWORD v; } k_types[] = {
    {"REG_NONE", 0}, {"REG_SZ", 1}, {"REG_EXPAND_SZ", 2}, {"REG_BINARY", 3}, {"REG_DWORD", 4},
    {"REG_DWORD_BIG_ENDIAN", 5}, {"REG_LINK", 6}, {"REG_MULTI_SZ", 7}, {"REG_QWORD", 11}};

static int type_of(const jv *t, DWORD *out) {
  if (!t) return 0;
  if (t->t == J_NUM) { *out = (DWORD)t->num; return 1; }
  for (size_t i = 0; i < sizeof k_types / sizeof k_types[0]; i++)
    if (jeq(t, k_types[i].name)) { *out = k_types[i].v; return 1; }
  return 0;
}

/* Value data from a spec: "dword", "sz", "multi" (each string + NUL, then the final NUL), "hex". */
typedef struct vdata {
  uint8_t *p;
  size_t n;
  DWORD type;
} vdata;

static int value_data(const jv *v, vdata *d, const char **why) {
  memset(d, 0, sizeof *d);
  const jv *x;
  d->p = malloc(1 << 16);
  if ((x = jget(v, "dword"))) {
    d->type = REG_DWORD;
    uint32_t u = (uint32_t)x->num;
    memcpy(d->p, &u, 4);
    d->n = 4;
  } else if ((x = jget(v, "sz"))) {
    d->type = REG_SZ;
    memcpy(d->p, x->s, (x->slen + 1) * 2);
    d->n = (x->slen + 1) * 2;
  } else if ((x = jget(v, "multi"))) {
    d->type = REG_MULTI_SZ;
    for (size_t i = 0; i < x->n; i++) {
      memcpy(d->p + d->n, x->items[i].s, (x->items[i].slen + 1) * 2);
      d->n += (x->items[i].slen + 1) * 2;
    }
    d->p[d->n] = d->p[d->n + 1] = 0;
    d->n += 2;
  } else if ((x = jget(v, "hex"))) {
    d->type = REG_BINARY;
    for (size_t i = 0; i + 1 < x->slen; i += 2)
      d->p[d->n++] = (uint8_t)(hexv((char)x->s[i]) * 16 + hexv((char)x->s[i + 1]));
  } else {
    *why = "value without dword/sz/multi/hex";
    return 0;
  }
  type_of(jget(v, "type"), &d->type);
  return 1;
}

static DWORD create_path(ORHKEY root, const uint16_t *path, ORHKEY *out) {
  /* One level at a time (ORCreateKey takes at most 32 levels per call). */
  ORHKEY cur = root;
  int owned = 0;
  uint16_t comp[300];
  size_t i = 0;
  *out = root;
  if (!path[0]) return ERROR_SUCCESS;
  for (;;) {
    size_t n = 0;
    while (path[i] && path[i] != '\\' && n < 299) comp[n++] = path[i++];
    comp[n] = 0;
    ORHKEY next;
    DWORD st = ORCreateKey(cur, comp, NULL, 0, NULL, &next, NULL);
    if (owned) ORCloseKey(cur);
    if (st != ERROR_SUCCESS) return st;
    cur = next;
    owned = 1;
    if (!path[i]) break;
    i++;
  }
  *out = cur;
  return ERROR_SUCCESS;
}

static DWORD set_spec_value(ORHKEY key, const jv *v, const char **why) {
  vdata d;
  if (!value_data(v, &d, why)) { free(d.p); return ERROR_INVALID_PARAMETER; }
  const jv *name = jget(v, "name");
  DWORD st = ORSetValue(key, name ? name->s : NULL, d.type, d.p, (DWORD)d.n);
  free(d.p);
  return st;
}

/* Builds one side: {"select": N|null, "lists": {component: [strings]}, "keys": [...]}. */
static int build_hive(const jv *spec, const char *path, const char **why) {
  ORHKEY root;
  if (ORCreateHive(&root) != ERROR_SUCCESS) { *why = "ORCreateHive"; return 0; }
  int ok = 1;
  const jv *sel = jget(spec, "select");
  long long current = (sel && sel->t == J_NUM) ? sel->num : 1;
  if (sel && sel->t == J_NUM) {
    ORHKEY k;
    DWORD v = (DWORD)sel->num;
    ok = create_path(root, W("Select"), &k) == ERROR_SUCCESS &&
         ORSetValue(k, W("Current"), REG_DWORD, (const BYTE *)&v, 4) == ERROR_SUCCESS;
    ORCloseKey(k);
  }
  const jv *lists = jget(spec, "lists");
  if (ok && lists && lists->n) {
    char p[128];
    snprintf(p, sizeof p, "ControlSet%03lld\\Control\\BackupRestore\\KeysNotToRestore", current);
    ORHKEY k;
    ok = create_path(root, W(p), &k) == ERROR_SUCCESS;
    for (size_t i = 0; ok && i < lists->n; i++) {
      jv fake = {0};
      jv keys[2], items[2];
      memset(keys, 0, sizeof keys);
      memset(items, 0, sizeof items);
      keys[0] = (jv){.t = J_STR, .s = (uint16_t *)W("name"), .slen = 4};
      keys[1] = (jv){.t = J_STR, .s = (uint16_t *)W("multi"), .slen = 5};
      items[0] = lists->keys[i];
      items[1] = lists->items[i];
      fake.t = J_OBJ;
      fake.keys = keys;
      fake.items = items;
      fake.n = 2;
      ok = set_spec_value(k, &fake, why) == ERROR_SUCCESS;
    }
    if (k != root) ORCloseKey(k);
    if (!ok && !*why) *why = "writing a list";
  }
  const jv *keys = jget(spec, "keys");
  for (size_t i = 0; ok && keys && i < keys->n; i++) {
    const jv *kp = jget(&keys->items[i], "path");
    ORHKEY k;
    if (!kp || create_path(root, kp->s, &k) != ERROR_SUCCESS) { *why = "creating a key"; ok = 0; break; }
    const jv *vals = jget(&keys->items[i], "values");
    for (size_t j = 0; ok && vals && j < vals->n; j++)
      if (set_spec_value(k, &vals->items[j], why) != ERROR_SUCCESS) {
        if (!*why) *why = "setting a value";
        ok = 0;
      }
    if (k != root) ORCloseKey(k);
  }
  if (ok && ORSaveHive(root, W(path), 6, 1) != ERROR_SUCCESS) { *why = "ORSaveHive"; ok = 0; }
  ORCloseHive(root);
  return ok;
}

/* ---- checking --------------------------------------------------------------------------- */

static int sources_match(const jv *want, unsigned got) {
  if (!want) return 1;
  unsigned w = jeq(want, "existing") ? HRR_FROM_EXISTING
               : jeq(want, "restored") ? HRR_FROM_RESTORED
                                       : (HRR_FROM_EXISTING | HRR_FROM_RESTORED);
  return w == got;
}

static int wide_eq(const uint16_t *a, size_t an, const WCHAR *b, size_t bn) {
  return an == bn && (an == 0 || memcmp(a, b, an * 2) == 0);
}

static void check_plan(const char *id, const jv *want, const HRRestorePlan *plan) {
  if (!want) return;
  if (plan->n_ops != want->n)
    test_fail(__FILE__, __LINE__, "%s: %zu plan entries, want %zu", id, plan->n_ops, want->n);
  for (size_t i = 0; i < want->n && i < plan->n_ops; i++) {
    const jv *w = &want->items[i];
    const HRRestoreOp *op = &plan->ops[i];
    const jv *x;
    if ((x = jget(w, "kind")) && !jeq(x, HRRestoreKindName(op->kind)))
      test_fail(__FILE__, __LINE__, "%s: entry %zu kind %s, want %s", id, i,
                HRRestoreKindName(op->kind), jshow(x->s, x->slen));
    if ((x = jget(w, "rule")) && !wide_eq(x->s, x->slen, op->rule, op->rule_len))
      test_fail(__FILE__, __LINE__, "%s: entry %zu rule '%s', want '%s'", id, i,
                jshow(op->rule, op->rule_len), jshow(x->s, x->slen));
    if ((x = jget(w, "skip")) && !jeq(x, HRRestoreSkipName(op->skip)))
      test_fail(__FILE__, __LINE__, "%s: entry %zu skip %s, want %s", id, i,
                HRRestoreSkipName(op->skip), jshow(x->s, x->slen));
    if (!sources_match(jget(w, "sources"), op->sources))
      test_fail(__FILE__, __LINE__, "%s: entry %zu sources %u", id, i, op->sources);
    if ((x = jget(w, "source_path")) && !wide_eq(x->s, x->slen, op->src_path, op->src_path_len))
      test_fail(__FILE__, __LINE__, "%s: entry %zu source_path '%s', want '%s'", id, i,
                op->src_path ? jshow(op->src_path, op->src_path_len) : "(none)",
                jshow(x->s, x->slen));
    if ((x = jget(w, "target_path")) && !wide_eq(x->s, x->slen, op->dst_path, op->dst_path_len))
      test_fail(__FILE__, __LINE__, "%s: entry %zu target_path '%s', want '%s'", id, i,
                op->dst_path ? jshow(op->dst_path, op->dst_path_len) : "(none)",
                jshow(x->s, x->slen));
    if ((x = jget(w, "star_without_backslash")) && x->b != op->star_without_backslash)
      test_fail(__FILE__, __LINE__, "%s: entry %zu star_without_backslash", id, i);
    if ((x = jget(w, "subkeys"))) {
      if (x->n != op->n_children)
        test_fail(__FILE__, __LINE__, "%s: entry %zu has %zu subkey decisions, want %zu", id, i,
                  op->n_children, x->n);
      for (size_t c = 0; c < x->n; c++) {
        size_t k = 0;
        while (k < op->n_children &&
               !wide_eq(x->keys[c].s, x->keys[c].slen, op->children[k].name,
                        op->children[k].name_len))
          k++;
        if (k == op->n_children)
          test_fail(__FILE__, __LINE__, "%s: entry %zu: no decision for subkey %s", id, i,
                    jshow(x->keys[c].s, x->keys[c].slen));
        else if (!jeq(&x->items[c], HRRestoreChildActionName(op->children[k].action)))
          test_fail(__FILE__, __LINE__, "%s: entry %zu subkey %s: %s, want %s", id, i,
                    jshow(x->keys[c].s, x->keys[c].slen),
                    HRRestoreChildActionName(op->children[k].action),
                    jshow(x->items[c].s, x->items[c].slen));
      }
    }
    if ((x = jget(w, "add_values"))) {
      if (x->n != op->n_add_values)
        test_fail(__FILE__, __LINE__, "%s: entry %zu adds %zu values, want %zu", id, i,
                  op->n_add_values, x->n);
      for (size_t c = 0; c < x->n && c < op->n_add_values; c++)
        if (!wide_eq(x->items[c].s, x->items[c].slen, op->add_values[c], op->add_value_lens[c]))
          test_fail(__FILE__, __LINE__, "%s: entry %zu add_values[%zu]", id, i, c);
    }
    if ((x = jget(w, "pending"))) {
      const jv *p;
      if (!op->pending.present) test_fail(__FILE__, __LINE__, "%s: entry %zu: no pairs", id, i);
      if ((p = jget(x, "pairs")) && (long long)op->pending.pairs != p->num)
        test_fail(__FILE__, __LINE__, "%s: entry %zu: %u pairs, want %lld", id, i,
                  op->pending.pairs, p->num);
      if ((p = jget(x, "deletes")) && (long long)op->pending.deletes != p->num)
        test_fail(__FILE__, __LINE__, "%s: entry %zu: %u deletes, want %lld", id, i,
                  op->pending.deletes, p->num);
      if ((p = jget(x, "odd")) && p->b != op->pending.odd)
        test_fail(__FILE__, __LINE__, "%s: entry %zu: odd %d", id, i, op->pending.odd);
    }
  }
}

/* A value's bytes as stored: OREnumValue (ORGetValue adds missing string terminators). */
static DWORD get_raw(ORHKEY k, const jv *name, DWORD *type, uint8_t *buf, DWORD *cb) {
  for (DWORD i = 0;; i++) {
    uint16_t vn[16384];
    DWORD cn = 16384, cap = *cb;
    DWORD st = OREnumValue(k, i, vn, &cn, type, buf, &cap);
    if (st == ERROR_NO_MORE_ITEMS) return ERROR_FILE_NOT_FOUND;
    if (st != ERROR_SUCCESS) return st;
    int eq = cn == name->slen;
    for (DWORD j = 0; eq && j < cn; j++) {
      uint16_t a = vn[j], b = name->s[j];
      if (a >= 'a' && a <= 'z') a -= 32;
      if (b >= 'a' && b <= 'z') b -= 32;
      eq = a == b;
    }
    if (eq) {
      *cb = cap;
      return ERROR_SUCCESS;
    }
  }
}

/* One expect_result item against the output hive. */
static void check_result(const char *id, size_t idx, ORHKEY root, const jv *w) {
  const jv *kp = jget(w, "key"), *vn = jget(w, "value"), *ex = jget(w, "exists");
  if (!kp) { test_fail(__FILE__, __LINE__, "%s: result %zu without key", id, idx); return; }
  int want_exists = ex ? ex->b : 1;
  ORHKEY k = root;
  DWORD st = kp->slen ? OROpenKey(root, kp->s, &k) : ERROR_SUCCESS;
  if (!vn) {
    if ((st == ERROR_SUCCESS) != want_exists)
      test_fail(__FILE__, __LINE__, "%s: key '%s' %s", id, jshow(kp->s, kp->slen),
                want_exists ? "missing" : "present");
    const jv *ns = jget(w, "subkeys"), *nv = jget(w, "values");
    if (st == ERROR_SUCCESS && (ns || nv)) {
      DWORD cs = 0, cv = 0;
      ORQueryInfoKey(k, NULL, NULL, &cs, NULL, NULL, &cv, NULL, NULL, NULL, NULL);
      if (ns && cs != (DWORD)ns->num)
        test_fail(__FILE__, __LINE__, "%s: key '%s' has %u subkeys, want %lld", id,
                  jshow(kp->s, kp->slen), cs, ns->num);
      if (nv && cv != (DWORD)nv->num)
        test_fail(__FILE__, __LINE__, "%s: key '%s' has %u values, want %lld", id,
                  jshow(kp->s, kp->slen), cv, nv->num);
    }
  } else if (st != ERROR_SUCCESS) {
    if (want_exists)
      test_fail(__FILE__, __LINE__, "%s: key '%s' missing", id, jshow(kp->s, kp->slen));
  } else {
    static uint8_t buf[1 << 16];
    DWORD type = 0, cb = sizeof buf;
    DWORD g = get_raw(k, vn, &type, buf, &cb);
    if ((g == ERROR_SUCCESS) != want_exists) {
      test_fail(__FILE__, __LINE__, "%s: value '%s' : '%s' %s (%s)", id, jshow(kp->s, kp->slen),
                jshow(vn->s, vn->slen), want_exists ? "missing" : "present", HRErrorName(g));
    } else if (g == ERROR_SUCCESS && want_exists &&
               (jget(w, "dword") || jget(w, "sz") || jget(w, "multi") || jget(w, "hex"))) {
      vdata d;
      const char *why = NULL;
      value_data(w, &d, &why);
      if (d.type != type || d.n != cb || memcmp(d.p, buf, cb) != 0)
        test_fail(__FILE__, __LINE__, "%s: value '%s' : '%s' differs (type %u, %u bytes)", id,
                  jshow(kp->s, kp->slen), jshow(vn->s, vn->slen), type, cb);
      free(d.p);
    }
  }
  if (k != root && st == ERROR_SUCCESS) ORCloseKey(k);
}

static char g_dir[256];
static int g_cases;

static void run_case(const jv *c) {
  const jv *idv = jget(c, "id");
  char id[128] = "?";
  if (idv && idv->t == J_STR) snprintf(id, sizeof id, "%s", jshow(idv->s, idv->slen));
  const char *why = NULL;
  char pe[400], pr[400], po[400];
  snprintf(pe, sizeof pe, "%s/%s.existing", g_dir, id);
  snprintf(pr, sizeof pr, "%s/%s.restored", g_dir, id);
  snprintf(po, sizeof po, "%s/%s.out", g_dir, id);
  unlink(pe);
  unlink(pr);
  unlink(po);
  if (!jget(c, "description") || !jget(c, "doc") || !jget(c, "features"))
    test_fail(__FILE__, __LINE__, "%s: metadata (description, doc, features) missing", id);
  if (id[0] != 'y' && id[0] != 'n' && id[0] != 'i')
    test_fail(__FILE__, __LINE__, "%s: the id must start with y_, n_ or i_", id);
  if (!build_hive(jget(c, "existing"), pe, &why) || !build_hive(jget(c, "restored"), pr, &why)) {
    test_fail(__FILE__, __LINE__, "%s: building the hives: %s", id, why ? why : "?");
    return;
  }
  size_t ne, nr;
  uint8_t *be = test_read_file(pe, &ne), *br = test_read_file(pr, &nr);
  ORHKEY ex = NULL, re = NULL, out = NULL;
  HRRestorePlan *plan = NULL;
  DWORD st = OROpenHive(W(pe), &ex);
  if (st == ERROR_SUCCESS) st = OROpenHive(W(pr), &re);
  if (st == ERROR_SUCCESS) st = HRRestorePlanBuild(ex, re, &plan);
  if (st != ERROR_SUCCESS) {
    test_fail(__FILE__, __LINE__, "%s: plan: %s", id, HRErrorName(st));
  } else {
    check_plan(id, jget(c, "expect_plan"), plan);
    const jv *sm = jget(c, "expect_summary");
    static const char *const kinds[] = {"", "replace", "merge", "value", "skip"};
    for (int k = 1; sm && k <= 4; k++) {
      const jv *x = jget(sm, kinds[k]);
      if (x && (long long)plan->count[k] != x->num)
        test_fail(__FILE__, __LINE__, "%s: %zu %s entries, want %lld", id, plan->count[k],
                  kinds[k], x->num);
    }
    /* The text and JSON forms must render every entry (to /dev/null: no crash, no error). */
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
      CHECK_ERR(HRRestorePlanPrint(plan, devnull, 0), ERROR_SUCCESS);
      CHECK_ERR(HRRestorePlanPrint(plan, devnull, 1), ERROR_SUCCESS);
      fclose(devnull);
    }
    st = HRRestoreApply(plan, ex, re, NULL, NULL);
    if (st != ERROR_SUCCESS) test_fail(__FILE__, __LINE__, "%s: apply: %s", id, HRErrorName(st));
    else if ((st = ORSaveHive(re, W(po), 6, 1)) != ERROR_SUCCESS)
      test_fail(__FILE__, __LINE__, "%s: save: %s", id, HRErrorName(st));
    else if ((st = OROpenHive(W(po), &out)) != ERROR_SUCCESS)
      test_fail(__FILE__, __LINE__, "%s: reopening the result: %s", id, HRErrorName(st));
  }
  if (out) {
    const jv *res = jget(c, "expect_result");
    for (size_t i = 0; res && i < res->n; i++) check_result(id, i, out, &res->items[i]);
    ORCloseHive(out);
  }
  HRRestorePlanFree(plan);
  if (re) ORCloseHive(re);
  if (ex) ORCloseHive(ex);
  /* "Neither input is modified." */
  size_t ne2, nr2;
  uint8_t *be2 = test_read_file(pe, &ne2), *br2 = test_read_file(pr, &nr2);
  CHECK(be && be2 && ne == ne2 && memcmp(be, be2, ne) == 0);
  CHECK(br && br2 && nr == nr2 && memcmp(br, br2, nr) == 0);
  test_free_file(be);
  test_free_file(br);
  test_free_file(be2);
  test_free_file(br2);
  unlink(pe);
  unlink(pr);
  unlink(po);
  g_cases++;
}

static void test_restore_case_files(void) {
  const char *dir = test_src_path("conformance/cases/restore");
  char dirbuf[512];
  snprintf(dirbuf, sizeof dirbuf, "%s", dir);
  DIR *d = opendir(dirbuf);
  REQUIRE(d != NULL);
  snprintf(g_dir, sizeof g_dir, "/tmp/hiveref-restore-cases-XXXXXX");
  REQUIRE(mkdtemp(g_dir) != NULL);
  char *names[64];
  size_t nn = 0;
  struct dirent *e;
  while ((e = readdir(d)) && nn < 64) {
    size_t l = strlen(e->d_name);
    if (l > 5 && !strcmp(e->d_name + l - 5, ".json")) names[nn++] = strdup(e->d_name);
  }
  closedir(d);
  CHECK(nn > 0);
  for (size_t i = 0; i < nn; i++) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dirbuf, names[i]);
    size_t len;
    uint8_t *text = test_read_file(path, &len);
    if (!text) {
      test_fail(__FILE__, __LINE__, "cannot read %s", path);
      continue;
    }
    jp j = {(const char *)text, (const char *)text + len, NULL, 0};
    jv root;
    if (!jparse(&j, &root)) {
      test_fail(__FILE__, __LINE__, "%s: JSON: %s at byte %ld", names[i], j.err,
                (long)(j.p - (const char *)text));
    } else {
      const jv *cases = jget(&root, "cases");
      if (!cases || cases->t != J_ARR) test_fail(__FILE__, __LINE__, "%s: no \"cases\"", names[i]);
      for (size_t c = 0; cases && c < cases->n; c++) run_case(&cases->items[c]);
    }
    jfree(&root);
    test_free_file(text);
    free(names[i]);
  }
  rmdir(g_dir);
  printf("restore cases run: %d\n", g_cases);
}

int main(void) {
  TEST_RUN(test_restore_case_files);
  return test_finish();
}
