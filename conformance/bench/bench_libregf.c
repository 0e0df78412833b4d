/*
 * bench_libregf.c: libyal libregf operations for the benchmark (read-only; thirdparty.md §2.2):
 *   open  libregf_file_initialize + libregf_file_open(READ) + close/free (libregf parses the
 *         header and the hbins lazily: its open does less than the others')
 *   walk  open, then from libregf_file_get_root_key every key's UTF-16 name and every value's
 *         UTF-16 name, type and data (libregf_value_get_value_data), depth first with an
 *         explicit stack of key objects
 * Built only when pkg-config finds libregf (conformance/bench/CMakeLists.txt).
 */
#include <libregf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

const char *bench_libregf_version(void) {
  static char buf[64];
  snprintf(buf, sizeof buf, "libregf %s", libregf_get_version());
  return buf;
}

static int fail(char *err, size_t cap, const char *what, libregf_error_t **e) {
  char msg[512] = "";
  if (e && *e) {
    libregf_error_sprint(*e, msg, sizeof msg);
    libregf_error_free(e);
  }
  char *nl = strchr(msg, '\n');
  if (nl) *nl = 0;
  snprintf(err, cap, "%s failed: %s", what, msg);
  return -1;
}

typedef struct bufs {
  uint16_t name[65536];
  uint8_t *data;
  size_t data_cap;
} bufs;

static int key_name(libregf_key_t *k, bufs *b, libregf_error_t **e) {
  size_t size = 0;
  if (libregf_key_get_utf16_name_size(k, &size, e) != 1) return -1;
  if (size > 0 && size <= 65536 && libregf_key_get_utf16_name(k, b->name, size, e) != 1)
    return -1;
  return 0;
}

static int walk_values(libregf_key_t *k, bufs *b, bench_result *res, char *err, size_t cap) {
  libregf_error_t *e = NULL;
  int nv = 0;
  if (libregf_key_get_number_of_values(k, &nv, &e) != 1)
    return fail(err, cap, "libregf_key_get_number_of_values", &e);
  for (int i = 0; i < nv; i++) {
    libregf_value_t *v = NULL;
    if (libregf_key_get_value(k, i, &v, &e) != 1)
      return fail(err, cap, "libregf_key_get_value", &e);
    size_t ns = 0, ds = 0;
    uint32_t type = 0;
    int r = libregf_value_get_utf16_name_size(v, &ns, &e);
    if (r == 1 && ns > 0 && ns <= 65536) r = libregf_value_get_utf16_name(v, b->name, ns, &e);
    if (r == 1) r = libregf_value_get_value_type(v, &type, &e);
    if (r == 1) r = libregf_value_get_value_data_size(v, &ds, &e);
    if (r == 1 && ds > b->data_cap) {
      uint8_t *nd = realloc(b->data, ds);
      if (!nd) r = -1;
      else {
        b->data = nd;
        b->data_cap = ds;
      }
    }
    if (r == 1 && ds > 0) r = libregf_value_get_value_data(v, b->data, ds, &e);
    libregf_value_free(&v, NULL);
    if (r != 1) return fail(err, cap, "libregf value", &e);
    res->values++;
    res->data_bytes += ds;
  }
  return 0;
}

static int walk(libregf_file_t *f, bench_result *res, char *err, size_t cap) {
  libregf_error_t *e = NULL;
  bufs *b = calloc(1, sizeof *b);
  size_t n = 0, scap = 256;
  libregf_key_t **stack = malloc(scap * sizeof *stack);
  if (!b || !stack) {
    free(b);
    free(stack);
    snprintf(err, cap, "walk: out of memory");
    return -1;
  }
  int rc = 0;
  libregf_key_t *root = NULL;
  if (libregf_file_get_root_key(f, &root, &e) != 1) {
    rc = fail(err, cap, "libregf_file_get_root_key", &e);
  } else {
    stack[n++] = root;
  }
  while (n > 0 && rc == 0) {
    libregf_key_t *k = stack[--n];
    int nk = 0;
    if (key_name(k, b, &e) != 0) rc = fail(err, cap, "libregf key name", &e);
    if (rc == 0) rc = walk_values(k, b, res, err, cap);
    if (rc == 0 && libregf_key_get_number_of_sub_keys(k, &nk, &e) != 1)
      rc = fail(err, cap, "libregf_key_get_number_of_sub_keys", &e);
    for (int i = 0; rc == 0 && i < nk; i++) {
      if (n == scap) {
        libregf_key_t **ns = realloc(stack, 2 * scap * sizeof *ns);
        if (!ns) {
          snprintf(err, cap, "walk: out of memory");
          rc = -1;
          break;
        }
        stack = ns;
        scap *= 2;
      }
      libregf_key_t *c = NULL;
      if (libregf_key_get_sub_key(k, i, &c, &e) != 1) {
        rc = fail(err, cap, "libregf_key_get_sub_key", &e);
        break;
      }
      stack[n++] = c;
    }
    libregf_key_free(&k, NULL);
    if (rc == 0) res->keys++;
  }
  while (n > 0) libregf_key_free(&stack[--n], NULL);
  free(stack);
  free(b->data);
  free(b);
  return rc;
}

int bench_libregf_run(bench_op op, const char *path, const char *out_path, bench_result *res,
                      char *err, size_t errcap) {
  (void)out_path;
  if (op != OP_OPEN && op != OP_WALK) {
    snprintf(err, errcap, "operation not supported");
    return -1;
  }
  libregf_error_t *e = NULL;
  libregf_file_t *f = NULL;
  if (libregf_file_initialize(&f, &e) != 1) return fail(err, errcap, "libregf_file_initialize", &e);
  int rc = 0;
  if (libregf_file_open(f, path, LIBREGF_OPEN_READ, &e) != 1) {
    rc = fail(err, errcap, "libregf_file_open", &e);
  } else {
    if (op == OP_WALK) rc = walk(f, res, err, errcap);
    if (libregf_file_close(f, &e) != 0 && rc == 0) rc = fail(err, errcap, "libregf_file_close", &e);
  }
  libregf_file_free(&f, NULL);
  return rc;
}
