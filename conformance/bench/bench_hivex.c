/*
 * bench_hivex.c: libhivex (libguestfs) operations for the benchmark (thirdparty.md §2.1):
 *   open  hivex_open(path, 0) + hivex_close
 *   walk  open, then every node's name (hivex_node_name), children (hivex_node_children) and
 *         values: hivex_value_key + hivex_value_value (name, type, a copy of the data), i.e.
 *         what hivexregedit --export reads; depth first with an explicit stack
 *   save  hivex_open(path, HIVEX_OPEN_WRITE), hivex_commit(h, out, 0), hivex_close
 * Built only when pkg-config finds hivex (conformance/bench/CMakeLists.txt).
 */
#include <errno.h>
#include <hivex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#ifndef HIVEX_BENCH_LIBVERSION
#define HIVEX_BENCH_LIBVERSION "?"
#endif

const char *bench_hivex_version(void) { return "hivex " HIVEX_BENCH_LIBVERSION; }

static int fail(char *err, size_t cap, const char *what) {
  snprintf(err, cap, "%s: %s", what, strerror(errno));
  return -1;
}

static int walk_values(hive_h *h, hive_node_h node, bench_result *res, char *err, size_t cap) {
  hive_value_h *vals = hivex_node_values(h, node);
  if (!vals) return fail(err, cap, "hivex_node_values");
  int rc = 0;
  for (size_t i = 0; vals[i]; i++) {
    char *key = hivex_value_key(h, vals[i]);
    if (!key) {
      rc = fail(err, cap, "hivex_value_key");
      break;
    }
    free(key);
    hive_type t;
    size_t len = 0;
    char *data = hivex_value_value(h, vals[i], &t, &len);
    if (!data) {
      rc = fail(err, cap, "hivex_value_value");
      break;
    }
    free(data);
    res->values++;
    res->data_bytes += len;
  }
  free(vals);
  return rc;
}

static int walk(hive_h *h, bench_result *res, char *err, size_t cap) {
  size_t n = 0, scap = 256;
  hive_node_h *stack = malloc(scap * sizeof *stack);
  if (!stack) return fail(err, cap, "walk");
  stack[n++] = hivex_root(h);
  int rc = 0;
  while (n > 0 && rc == 0) {
    hive_node_h node = stack[--n];
    char *name = hivex_node_name(h, node);
    if (!name) {
      rc = fail(err, cap, "hivex_node_name");
      break;
    }
    free(name);
    res->keys++;
    if (walk_values(h, node, res, err, cap) != 0) {
      rc = -1;
      break;
    }
    hive_node_h *kids = hivex_node_children(h, node);
    if (!kids) {
      rc = fail(err, cap, "hivex_node_children");
      break;
    }
    for (size_t i = 0; kids[i]; i++) {
      if (n == scap) {
        hive_node_h *ns = realloc(stack, 2 * scap * sizeof *ns);
        if (!ns) {
          rc = fail(err, cap, "walk");
          break;
        }
        stack = ns;
        scap *= 2;
      }
      stack[n++] = kids[i];
    }
    free(kids);
  }
  free(stack);
  return rc;
}

int bench_hivex_run(bench_op op, const char *path, const char *out_path, bench_result *res,
                    char *err, size_t errcap) {
  if (op != OP_OPEN && op != OP_WALK && op != OP_SAVE) {
    snprintf(err, errcap, "operation not supported");
    return -1;
  }
  hive_h *h = hivex_open(path, op == OP_SAVE ? HIVEX_OPEN_WRITE : 0);
  if (!h) return fail(err, errcap, "hivex_open");
  int rc = 0;
  if (op == OP_WALK) {
    rc = walk(h, res, err, errcap);
  } else if (op == OP_SAVE) {
    uint64_t c0 = bench_cpu_ns(), t0 = bench_now_ns();
    if (hivex_commit(h, out_path, 0) != 0) rc = fail(err, errcap, "hivex_commit");
    res->phase_ns = bench_now_ns() - t0;
    res->phase_cpu_ns = bench_cpu_ns() - c0;
  }
  if (hivex_close(h) != 0 && rc == 0) rc = fail(err, errcap, "hivex_close");
  return rc;
}
