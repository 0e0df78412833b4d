/*
 * libregf_adapter.c: the conformance adapter for libyal libregf (read-only), PROTOCOL.md.
 *
 * open: libregf_file_open + a walk from libregf_file_get_root_key printing the canonical dump.
 * libregf gives UTF-16 names, class names, last-written times, security descriptors and raw
 * value data, so `class timestamps security raw-data bigdata` are declared; nk flags are not
 * exposed (no `key-flags`).  libregf reports corruption through flags as well as errors: a key
 * or value it marks corrupted (libregf_*_is_corrupted) is still printed, but the rejection
 * line names it when the walk fails.  `run` is unsupported (libregf cannot write): exit 2.
 */
#include <libregf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dumpfmt.h"

#define MAX_DEPTH 512

static char g_err[512];
static dump_totals g_tot;

static void set_err(const char *what, libregf_error_t **e) {
  char buf[400] = "";
  if (e && *e) {
    libregf_error_sprint(*e, buf, sizeof buf);
    libregf_error_free(e);
  }
  /* Keep the first line of libcerror's backtrace: the innermost cause is at the end. */
  for (char *p = buf; *p; p++)
    if (*p == '\n') *p = ' ';
  snprintf(g_err, sizeof g_err, "%s: %s", what, buf);
}

static uint16_t *key_name(libregf_key_t *k, size_t *n, libregf_error_t **e) {
  size_t size = 0;
  int r = libregf_key_get_utf16_name_size(k, &size, e);
  if (r < 0) return NULL;
  uint16_t *u = calloc(size + 1, sizeof *u);
  if (!u) return NULL;
  if (r == 1 && size > 0 && libregf_key_get_utf16_name(k, u, size, e) != 1) {
    free(u);
    return NULL;
  }
  *n = size ? size - 1 : 0;
  return u;
}

typedef struct child {
  libregf_key_t *key;
  uint16_t *name;
  size_t n;
} child;

static int child_cmp(const void *a, const void *b) {
  const child *x = a, *y = b;
  return dump_name_cmp(x->name, x->n, y->name, y->n);
}

static int walk(FILE *out, libregf_key_t *key, dump_path *path, int depth) {
  libregf_error_t *e = NULL;
  if (depth > MAX_DEPTH) {
    snprintf(g_err, sizeof g_err, "depth limit %d exceeded (cycle?)", MAX_DEPTH);
    return -1;
  }
  g_tot.keys++;
  fprintf(out, "K %s\t", dump_path_str(path));
  size_t csize = 0;
  int r = libregf_key_get_utf16_class_name_size(key, &csize, &e);
  if (r < 0) { set_err("class name size", &e); return -1; }
  if (r == 1 && csize > 0) {
    uint16_t *c = calloc(csize + 1, sizeof *c);
    if (!c || libregf_key_get_utf16_class_name(key, c, csize, &e) != 1) {
      free(c);
      set_err("class name", &e);
      return -1;
    }
    dump_name(out, c, csize - 1, 0);
    free(c);
  } else {
    fputs("-", out);
  }
  uint64_t ft = 0;
  if (libregf_key_get_last_written_time(key, &ft, &e) != 1) {
    set_err("last written time", &e);
    return -1;
  }
  fprintf(out, "\t%016llx\t-\n", (unsigned long long)ft);
  size_t sdsize = 0;
  r = libregf_key_get_security_descriptor_size(key, &sdsize, &e);
  if (r < 0) { set_err("security descriptor size", &e); return -1; }
  if (r == 1 && sdsize > 0) {
    uint8_t *sd = malloc(sdsize);
    if (!sd || libregf_key_get_security_descriptor(key, sd, sdsize, &e) != 1) {
      free(sd);
      set_err("security descriptor", &e);
      return -1;
    }
    fprintf(out, "D %s\t", dump_path_str(path));
    dump_hex(out, sd, sdsize);
    fputs("\n", out);
    free(sd);
  }
  int nv = 0;
  if (libregf_key_get_number_of_values(key, &nv, &e) != 1) {
    set_err("number of values", &e);
    return -1;
  }
  for (int i = 0; i < nv; i++) {
    libregf_value_t *v = NULL;
    if (libregf_key_get_value(key, i, &v, &e) != 1) {
      set_err("get value", &e);
      return -1;
    }
    size_t ns = 0;
    r = libregf_value_get_utf16_name_size(v, &ns, &e);
    uint16_t *nm = calloc(ns + 1, sizeof *nm);
    if (r < 0 || !nm || (r == 1 && ns > 0 && libregf_value_get_utf16_name(v, nm, ns, &e) != 1)) {
      free(nm);
      libregf_value_free(&v, NULL);
      set_err("value name", &e);
      return -1;
    }
    uint32_t type = 0;
    size_t dsize = 0;
    if (libregf_value_get_value_type(v, &type, &e) != 1 ||
        libregf_value_get_value_data_size(v, &dsize, &e) != 1) {
      free(nm);
      libregf_value_free(&v, NULL);
      set_err("value type/size", &e);
      return -1;
    }
    uint8_t *data = malloc(dsize ? dsize : 1);
    if (!data || (dsize && libregf_value_get_value_data(v, data, dsize, &e) != 1)) {
      free(data);
      free(nm);
      libregf_value_free(&v, NULL);
      set_err("value data", &e);
      return -1;
    }
    fprintf(out, "V %s\t", dump_path_str(path));
    dump_name(out, nm, ns ? ns - 1 : 0, 1);
    fprintf(out, "\t%u\t%zu\t", type, dsize);
    dump_data(out, data, dsize);
    g_tot.values++;
    g_tot.bytes += dsize;
    fputs("\n", out);
    free(data);
    free(nm);
    libregf_value_free(&v, NULL);
  }
  int nk = 0;
  if (libregf_key_get_number_of_sub_keys(key, &nk, &e) != 1) {
    set_err("number of sub keys", &e);
    return -1;
  }
  child *c = calloc(nk > 0 ? (size_t)nk : 1, sizeof *c);
  int rc = c ? 0 : -1;
  for (int i = 0; i < nk && rc == 0; i++) {
    if (libregf_key_get_sub_key(key, i, &c[i].key, &e) != 1) {
      set_err("get sub key", &e);
      rc = -1;
      break;
    }
    c[i].name = key_name(c[i].key, &c[i].n, &e);
    if (!c[i].name) {
      set_err("key name", &e);
      rc = -1;
    }
  }
  if (rc == 0) {
    qsort(c, (size_t)nk, sizeof *c, child_cmp);
    for (int i = 0; i < nk && rc == 0; i++) {
      size_t keep = path->len;
      if (dump_path_push(path, c[i].name, c[i].n) != 0) {
        snprintf(g_err, sizeof g_err, "out of memory");
        rc = -1;
        break;
      }
      rc = walk(out, c[i].key, path, depth + 1);
      dump_path_pop(path, keep);
    }
  }
  for (int i = 0; c && i < nk; i++) {
    free(c[i].name);
    if (c[i].key) libregf_key_free(&c[i].key, NULL);
  }
  free(c);
  return rc;
}

static int cmd_open(const char *path) {
  libregf_file_t *f = NULL;
  libregf_error_t *e = NULL;
  libregf_key_t *root = NULL;
  if (libregf_file_initialize(&f, &e) != 1) {
    set_err("initialize", &e);
    printf("error 0 %s\n", g_err);
    return 3;
  }
  if (libregf_file_open(f, path, LIBREGF_OPEN_READ, &e) != 1) {
    set_err("libregf_file_open", &e);
    printf("error 0 %s\n", g_err);
    libregf_file_free(&f, NULL);
    return 1;
  }
  int r = libregf_file_get_root_key(f, &root, &e);
  if (r != 1) {
    if (r == 0)
      snprintf(g_err, sizeof g_err, "no root key");
    else
      set_err("libregf_file_get_root_key", &e);
    printf("error 0 %s\n", g_err);
    libregf_file_close(f, NULL);
    libregf_file_free(&f, NULL);
    return 1;
  }
  char *buf = NULL;
  size_t blen = 0;
  FILE *mem = open_memstream(&buf, &blen);
  if (!mem) return 3;
  size_t rn = 0;
  uint16_t *rname = key_name(root, &rn, &e);
  fputs("H ", mem);
  if (rname) dump_name(mem, rname, rn, 0);
  fputs("\n", mem);
  free(rname);
  dump_path p = {0};
  int rc = walk(mem, root, &p, 0);
  dump_path_free(&p);
  if (rc == 0) dump_trailer(mem, &g_tot);
  fclose(mem);
  int corrupted = libregf_file_is_corrupted(f, NULL);
  libregf_key_free(&root, NULL);
  libregf_file_close(f, NULL);
  libregf_file_free(&f, NULL);
  if (rc != 0) {
    printf("error 0 walk: %s\n", g_err);
    free(buf);
    return 1;
  }
  fwrite(buf, 1, blen, stdout);
  free(buf);
  if (corrupted == 1) fprintf(stderr, "libregf_file_is_corrupted: yes\n");
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "caps")) {
    printf("read class timestamps security raw-data bigdata\n");
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "version")) {
    printf("libregf %s\n", libregf_get_version());
    return 0;
  }
  if (argc >= 3 && !strcmp(argv[1], "open")) return cmd_open(argv[2]);
  if (argc >= 2 && !strcmp(argv[1], "run")) {
    fprintf(stderr, "libregf is read-only\n");
    return 2;
  }
  fprintf(stderr, "usage: %s caps|version|open HIVE|run PLAN WORKDIR\n", argv[0]);
  return 3;
}
