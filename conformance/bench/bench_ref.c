/*
 * bench_ref.c: the hiveref engine's operations for the benchmark, through the public API only
 * (ref/include, DESIGN.md §6), the way an offreg client does them:
 *   open      HROpenHiveUtf8 (= OROpenHive: read + full validation + tree build) + ORCloseHive
 *   walk      open, then every key by OREnumKey + OROpenKey (depth first, explicit stack: no
 *             recursion the hive can drive) and every value by OREnumValue with its data
 *   save      open, HRSaveHiveUtf8 (= ORSaveHive) to a new file in the hive's own format
 *             (1.3 -> target 5.1, otherwise 6.1 = format 1.5), close
 *   validate  HRCheckHive on the file already read into memory (reading is not timed)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "hiveref.h"

const char *bench_ref_version(void) { return HRVersionString(); }

static int fail(char *err, size_t cap, const char *what, DWORD code) {
  const HRDiagnostic *d = HRGetLastDiagnostic();
  if (d && d->rule[0])
    snprintf(err, cap, "%s: %s [%s at 0x%llx] %s", what, HRErrorName(code), d->rule,
             (unsigned long long)d->offset, d->message);
  else
    snprintf(err, cap, "%s: %s", what, HRErrorName(code));
  return -1;
}

/* Key names are at most 255 characters, value names 16383 (offreg-api.md §1.6, §1.13). */
#define NAME_UNITS 16384u

typedef struct walker {
  ORHKEY *stack;
  DWORD *next;
  size_t depth, cap;
  uint16_t name[NAME_UNITS];
  uint8_t *data;
  DWORD data_cap;
} walker;

static int push(walker *w, ORHKEY h) {
  if (w->depth == w->cap) {
    size_t ncap = w->cap ? w->cap * 2 : 64;
    ORHKEY *ns = realloc(w->stack, ncap * sizeof *ns);
    if (!ns) return -1;
    w->stack = ns;
    DWORD *nn = realloc(w->next, ncap * sizeof *nn);
    if (!nn) return -1;
    w->next = nn;
    w->cap = ncap;
  }
  w->stack[w->depth] = h;
  w->next[w->depth] = 0;
  w->depth++;
  return 0;
}

/* Every value of h: name, type and data (the data buffer grows on ERROR_MORE_DATA). */
static int walk_values(walker *w, ORHKEY h, bench_result *res, char *err, size_t errcap) {
  for (DWORD i = 0;; i++) {
    DWORD cch = NAME_UNITS, cb = w->data_cap, type = 0;
    DWORD e = OREnumValue(h, i, w->name, &cch, &type, w->data, &cb);
    if (e == ERROR_MORE_DATA && cb > w->data_cap) {
      uint8_t *nd = realloc(w->data, cb);
      if (!nd) return fail(err, errcap, "walk", ERROR_NOT_ENOUGH_MEMORY);
      w->data = nd;
      w->data_cap = cb;
      cch = NAME_UNITS;
      e = OREnumValue(h, i, w->name, &cch, &type, w->data, &cb);
    }
    if (e == ERROR_NO_MORE_ITEMS) return 0;
    if (e != ERROR_SUCCESS) return fail(err, errcap, "OREnumValue", e);
    res->values++;
    res->data_bytes += cb;
  }
}

static int walk(ORHKEY root, bench_result *res, char *err, size_t errcap) {
  walker *w = calloc(1, sizeof *w);
  if (!w) return fail(err, errcap, "walk", ERROR_NOT_ENOUGH_MEMORY);
  int rc = -1;
  w->data_cap = 1u << 16;
  w->data = malloc(w->data_cap);
  if (!w->data || push(w, root) != 0) {
    fail(err, errcap, "walk", ERROR_NOT_ENOUGH_MEMORY);
    goto out;
  }
  res->keys = 1;
  if (walk_values(w, root, res, err, errcap) != 0) goto out;
  while (w->depth > 0) {
    size_t top = w->depth - 1;
    DWORD cch = NAME_UNITS;
    DWORD e = OREnumKey(w->stack[top], w->next[top], w->name, &cch, NULL, NULL, NULL);
    if (e == ERROR_NO_MORE_ITEMS) {
      if (top > 0) ORCloseKey(w->stack[top]);
      w->depth--;
      continue;
    }
    if (e != ERROR_SUCCESS) {
      fail(err, errcap, "OREnumKey", e);
      goto out;
    }
    w->next[top]++;
    w->name[cch] = 0;
    ORHKEY child = NULL;
    e = OROpenKey(w->stack[top], w->name, &child);
    if (e != ERROR_SUCCESS) {
      fail(err, errcap, "OROpenKey", e);
      goto out;
    }
    if (push(w, child) != 0) {
      ORCloseKey(child);
      fail(err, errcap, "walk", ERROR_NOT_ENOUGH_MEMORY);
      goto out;
    }
    res->keys++;
    if (walk_values(w, child, res, err, errcap) != 0) goto out;
  }
  rc = 0;
out:
  /* On failure close what is still open (the root belongs to the caller). */
  while (w->depth > 1) ORCloseKey(w->stack[--w->depth]);
  free(w->stack);
  free(w->next);
  free(w->data);
  free(w);
  return rc;
}

static int read_file(const char *path, uint8_t **data, size_t *size, char *err, size_t errcap) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, errcap, "%s: %s", path, strerror(errno));
    return -1;
  }
  size_t cap = 1u << 20, n = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (!buf) break;
    if (n == cap) {
      uint8_t *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
    size_t got = fread(buf + n, 1, cap - n, f);
    n += got;
    if (got == 0) break;
  }
  int bad = ferror(f);
  fclose(f);
  if (!buf || bad) {
    free(buf);
    snprintf(err, errcap, "%s: read failed", path);
    return -1;
  }
  *data = buf;
  *size = n;
  return 0;
}

static void count_finding(void *ctx, const HRFinding *f) {
  (void)f;
  (*(uint64_t *)ctx)++;
}

int bench_ref_run(bench_op op, const char *path, const char *out_path, bench_result *res,
                  char *err, size_t errcap) {
  if (op == OP_VALIDATE) {
    uint8_t *data = NULL;
    size_t size = 0;
    if (read_file(path, &data, &size, err, errcap) != 0) return -1;
    uint64_t findings = 0;
    HRCheckSummary sum;
    memset(&sum, 0, sizeof sum);
    uint64_t c0 = bench_cpu_ns(), t0 = bench_now_ns();
    DWORD e = HRCheckHive(data, size, NULL, count_finding, &findings, &sum);
    res->phase_ns = bench_now_ns() - t0;
    res->phase_cpu_ns = bench_cpu_ns() - c0;
    free(data);
    if (e != ERROR_SUCCESS) return fail(err, errcap, "HRCheckHive", e);
    res->keys = sum.keys;
    res->values = sum.values;
    res->data_bytes = sum.value_bytes;
    return 0;
  }
  ORHKEY root = NULL;
  DWORD e = HROpenHiveUtf8(path, NULL, &root, NULL);
  if (e != ERROR_SUCCESS) return fail(err, errcap, "OROpenHive", e);
  int rc = 0;
  if (op == OP_WALK) {
    rc = walk(root, res, err, errcap);
  } else if (op == OP_SAVE) {
    HRHiveInfo info;
    memset(&info, 0, sizeof info);
    e = HRGetHiveInfo(root, &info);
    if (e != ERROR_SUCCESS) {
      rc = fail(err, errcap, "HRGetHiveInfo", e);
    } else {
      DWORD major = info.minor <= 3 ? 5 : 6, minor = 1;
      uint64_t c0 = bench_cpu_ns(), t0 = bench_now_ns();
      e = HRSaveHiveUtf8(root, out_path, major, minor);
      res->phase_ns = bench_now_ns() - t0;
      res->phase_cpu_ns = bench_cpu_ns() - c0;
      if (e != ERROR_SUCCESS) rc = fail(err, errcap, "ORSaveHive", e);
    }
  } else if (op != OP_OPEN) {
    snprintf(err, errcap, "operation not supported");
    rc = -1;
  }
  e = ORCloseHive(root);
  if (rc == 0 && e != ERROR_SUCCESS) rc = fail(err, errcap, "ORCloseHive", e);
  return rc;
}
