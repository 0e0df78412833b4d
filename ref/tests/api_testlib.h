/*
 * api_testlib.h: helpers for the OR* API tests (test_api_*.c, test_handle.c): a full internal
 * dump of a hive (used to prove that a failed write call changed nothing), temporary folders,
 * and small UTF-16 helpers.  Header-only (static inline) so each test executable stays one file.
 * Test-side memory uses libc (it is not engine memory).
 */
#ifndef HIVEREF_API_TESTLIB_H
#define HIVEREF_API_TESTLIB_H

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "handle.h"
#include "hive.h"
#include "test.h"
#include "tree.h"

/* ---- growable text buffer --------------------------------------------------------------- */
typedef struct tbuf {
  char *p;
  size_t len, cap;
} tbuf;

static inline void tb_putf(tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void tb_putf(tbuf *b, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->len;
    int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (b->p && (size_t)n < room) {
      b->len += (size_t)n;
      return;
    }
    size_t ncap = b->cap ? b->cap * 2 : 4096;
    while (ncap < b->len + (size_t)n + 1) ncap *= 2;
    char *np = realloc(b->p, ncap);
    if (!np) abort();
    b->p = np;
    b->cap = ncap;
  }
}

static inline void tb_hex(tbuf *b, const void *data, size_t n) {
  const uint8_t *d = data;
  for (size_t i = 0; i < n; i++) tb_putf(b, "%02x", d[i]);
}

/* ---- internal dump ------------------------------------------------------------------------ */
static inline void dump_key(tbuf *b, const hr_key *k, uint32_t depth) {
  tb_putf(b, "K%u ", depth);
  tb_hex(b, k->name, (size_t)k->name_len * 2);
  tb_putf(b, " c=");
  tb_hex(b, k->class_data, k->class_len);
  tb_putf(b, " t=%llx f=%x a=%x l=%x v=%x u=%x d=%x vol=%u del=%u sd=%p:%u\n",
          (unsigned long long)k->last_write, k->flags, k->access_bits, k->layer, k->virt_flags,
          k->user_flags, k->debug_flags, k->is_volatile, k->deleted, (const void *)k->sd,
          k->sd ? k->sd->refs : 0);
  for (uint32_t i = 0; i < k->n_values; i++) {
    const hr_value *v = &k->values[i];
    tb_putf(b, " V ");
    tb_hex(b, v->name, (size_t)v->name_len * 2);
    tb_putf(b, " %u %u %x ", v->type, v->size, v->flags);
    tb_hex(b, v->data, v->size);
    tb_putf(b, "\n");
  }
}

/* Dumps everything observable in a hive's model: the tree (pre-order, explicit stack), the
 * descriptor ring with reference counts, and the deleted-key list.  malloc'd string. */
static inline char *test_dump_hive(ORHKEY h) {
  tbuf b = {0};
  hr_ref r;
  if (handle_enter(h, &r) != ERROR_SUCCESS) {
    tb_putf(&b, "<invalid handle>");
    return b.p;
  }
  const hr_tree *t = &r.hive->tree;
  const hr_key *stack[600];
  uint32_t next[600], depth = 0;
  if (t->root) {
    stack[0] = t->root;
    next[0] = 0;
    depth = 1;
    dump_key(&b, t->root, 0);
  }
  while (depth) {
    const hr_key *k = stack[depth - 1];
    if (next[depth - 1] >= k->n_subkeys || depth >= 600) {
      depth--;
      continue;
    }
    const hr_key *c = k->subkeys[next[depth - 1]++];
    dump_key(&b, c, depth);
    stack[depth] = c;
    next[depth] = 0;
    depth++;
  }
  tb_putf(&b, "SDs %u\n", t->n_sds);
  if (t->sds) {
    const hr_sd *s = t->sds;
    uint32_t n = 0;
    do {
      tb_putf(&b, " SD %p refs=%u ", (const void *)s, s->refs);
      tb_hex(&b, s->bytes, s->len);
      tb_putf(&b, "\n");
      s = s->next;
    } while (s != t->sds && ++n < 100000);
  }
  tb_putf(&b, "deleted %u\n", r.hive->n_deleted);
  handle_leave(&r);
  return b.p;
}

/* The logical content (names, classes, values, descriptor bytes, virtualization flags) of the
 * subtree at h, independent of pointers and timestamps: equal for a hive and its saved copy. */
static inline char *test_logical_dump(ORHKEY h) {
  tbuf b = {0};
  hr_ref r;
  if (handle_enter(h, &r) != ERROR_SUCCESS) {
    tb_putf(&b, "<invalid handle>");
    return b.p;
  }
  const hr_key *stack[600];
  uint32_t next[600], depth = 1;
  stack[0] = r.key;
  next[0] = 0;
  for (bool first = true; depth;) {
    const hr_key *k = stack[depth - 1];
    if (first) {
      first = false;
    } else {
      if (next[depth - 1] >= k->n_subkeys || depth >= 600) {
        depth--;
        continue;
      }
      k = k->subkeys[next[depth - 1]++];
      if (k->is_volatile) continue;
      stack[depth] = k;
      next[depth] = 0;
      depth++;
    }
    tb_putf(&b, "K%u ", depth);
    if (depth > 1) tb_hex(&b, k->name, (size_t)k->name_len * 2);
    tb_putf(&b, " c=");
    tb_hex(&b, k->class_data, k->class_len);
    tb_putf(&b, " v=%x u=%x sl=%u sd=", k->virt_flags, k->user_flags,
            (k->flags & 0x10) ? 1 : 0);
    if (k->sd) tb_hex(&b, k->sd->bytes, k->sd->len);
    tb_putf(&b, "\n");
    for (uint32_t i = 0; i < k->n_values; i++) {
      const hr_value *v = &k->values[i];
      tb_putf(&b, " V ");
      tb_hex(&b, v->name, (size_t)v->name_len * 2);
      tb_putf(&b, " %u %u ", v->type, v->size);
      tb_hex(&b, v->data, v->size);
      tb_putf(&b, "\n");
    }
  }
  handle_leave(&r);
  return b.p;
}

/* Checks the tree invariants plus exact descriptor reference counts (every key of the tree and
 * of the deleted list counted). */
static inline bool test_tree_ok(ORHKEY h) {
  hr_ref r;
  if (handle_enter(h, &r) != ERROR_SUCCESS) return false;
  const hr_tree *t = &r.hive->tree;
  HRDiagnostic d;
  bool ok = tree_check(t, &d) == ERROR_SUCCESS;
  if (!ok) fprintf(stderr, "tree_check: %s\n", d.message);
  /* Count references per descriptor. */
  uint32_t n = t->n_sds;
  const hr_sd **sds = calloc(n ? n : 1, sizeof *sds);
  uint32_t *cnt = calloc(n ? n : 1, sizeof *cnt);
  uint32_t i = 0;
  if (t->sds) {
    const hr_sd *s = t->sds;
    do {
      if (i < n) sds[i++] = s;
      s = s->next;
    } while (s != t->sds && i < n);
  }
  const hr_key *stack[600];
  uint32_t next[600], depth = 0;
  uint32_t extra = r.hive->n_deleted;
  for (uint32_t e = 0; e <= extra; e++) {
    const hr_key *top = e < extra ? r.hive->deleted[e] : t->root;
    if (!top) continue;
    stack[0] = top;
    next[0] = 0;
    depth = 1;
    for (uint32_t j = 0; j < n; j++)
      if (sds[j] == top->sd) cnt[j]++;
    while (depth) {
      const hr_key *k = stack[depth - 1];
      if (next[depth - 1] >= k->n_subkeys || depth >= 600) {
        depth--;
        continue;
      }
      const hr_key *c = k->subkeys[next[depth - 1]++];
      for (uint32_t j = 0; j < n; j++)
        if (sds[j] == c->sd) cnt[j]++;
      stack[depth] = c;
      next[depth] = 0;
      depth++;
    }
  }
  for (uint32_t j = 0; j < n; j++) {
    if (cnt[j] != sds[j]->refs) {
      fprintf(stderr, "sd %u: refs %u, counted %u\n", j, sds[j]->refs, cnt[j]);
      ok = false;
    }
    for (uint32_t q = 0; q < j; q++)
      if (sds[q]->len == sds[j]->len && memcmp(sds[q]->bytes, sds[j]->bytes, sds[j]->len) == 0) {
        fprintf(stderr, "sd %u duplicates sd %u\n", j, q);
        ok = false;
      }
  }
  free(sds);
  free(cnt);
  handle_leave(&r);
  return ok;
}

/* ---- temporary folders --------------------------------------------------------------------- */
/* Creates a fresh folder under the build tree's working directory; returns its path (static). */
static inline const char *test_tmpdir(const char *tag) {
  static char buf[4][512];
  static int i;
  i = (i + 1) % 4;
  snprintf(buf[i], sizeof buf[i], "./tmp_%s_%ld", tag, (long)getpid());
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", buf[i]);
  if (system(cmd) != 0) return NULL;
  if (mkdir(buf[i], 0755) != 0) return NULL;
  return buf[i];
}

/* Number of directory entries (other than . and ..) in dir. */
static inline int test_count_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

static inline void test_rmdir(const char *dir) {
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
}

/* Saves the hive at h in format 10.0 (ORSaveHive's usual target) to a fresh folder and opens the
 * file again; the folder is removed before returning (the reopened hive keeps no file open).
 * Returns the status of the save, else of the open; *reopened is the new hive or NULL. */
static inline DWORD test_save_reopen(ORHKEY h, const char *tag, ORHKEY *reopened) {
  *reopened = NULL;
  const char *dir = test_tmpdir(tag);
  if (!dir) return ERROR_CANTWRITE;
  char file[600];
  snprintf(file, sizeof file, "%s/h.hiv", dir);
  DWORD st = HRSaveHiveUtf8(h, file, 10, 0);
  if (st == ERROR_SUCCESS) st = HROpenHiveUtf8(file, NULL, reopened, NULL);
  test_rmdir(dir);
  return st;
}

static inline bool test_file_exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

/* ---- UTF-16 helpers ---------------------------------------------------------------------- */
/* A name of n units of c followed by NUL, in buf (cap units). */
static inline uint16_t *test_wfill(uint16_t *buf, size_t n, uint16_t c) {
  for (size_t i = 0; i < n; i++) buf[i] = c;
  buf[n] = 0;
  return buf;
}

static inline bool test_weq(const uint16_t *a, const char *utf8) {
  const uint16_t *b = W(utf8);
  size_t i = 0;
  for (; a[i] && b[i]; i++)
    if (a[i] != b[i]) return false;
  return a[i] == b[i];
}

#endif /* HIVEREF_API_TESTLIB_H */
