/*
 * restore_mem.c: memory of the restore module.  The module may use the public headers only
 * (DESIGN.md §6), so every byte comes from HRHiveAlloc on the restored hive: audited, budgeted
 * and subject to fault injection like the engine's own allocations (hiveref.h "client memory").
 *
 * The plan is built once and freed once, so it lives in an arena of chunks; scratch buffers of
 * the copy walk grow by doubling.  Size arithmetic is overflow-checked (STYLE.md item 6).
 */
#include <string.h>

#include "restore_int.h"

#define HRR_CHUNK_MIN 16384u
#define HRR_ALIGN 8u

void *hrr_arena_alloc(HRRestorePlan *plan, size_t size) {
  if (size > SIZE_MAX / 2 - sizeof(hrr_chunk)) return NULL;
  size = (size + HRR_ALIGN - 1) & ~(size_t)(HRR_ALIGN - 1);
  if (size == 0) size = HRR_ALIGN;
  hrr_chunk *c = plan->chunks;
  if (!c || c->size - c->used < size) {
    size_t want = size > HRR_CHUNK_MIN ? size : HRR_CHUNK_MIN;
    hrr_chunk *n = HRHiveAlloc(plan->mem, sizeof(hrr_chunk) + want);
    if (!n) return NULL;
    n->size = want;
    n->used = 0;
    if (c && c->size - c->used >= HRR_CHUNK_MIN / 4) {
      /* Keep the roomier current chunk in front: a big request got its own chunk. */
      n->next = c->next;
      c->next = n;
      c = n;
    } else {
      n->next = c;
      plan->chunks = n;
      c = n;
    }
  }
  uint8_t *p = (uint8_t *)(c + 1) + c->used;
  c->used += size;
  memset(p, 0, size);
  return p;
}

WCHAR *hrr_arena_wdup(HRRestorePlan *plan, const WCHAR *s, size_t n) {
  if (n > SIZE_MAX / sizeof(WCHAR) - 1) return NULL;
  WCHAR *d = hrr_arena_alloc(plan, (n + 1) * sizeof(WCHAR));
  if (!d) return NULL;
  if (n) memcpy(d, s, n * sizeof(WCHAR));
  d[n] = 0;
  return d;
}

void hrr_arena_free_all(HRRestorePlan *plan) {
  hrr_chunk *c = plan->chunks;
  /* Bounded: each iteration frees one chunk of a finite list. */
  while (c) {
    hrr_chunk *next = c->next;
    HRHiveFree(plan->mem, c, sizeof(hrr_chunk) + c->size);
    c = next;
  }
  plan->chunks = NULL;
}

bool hrr_buf_reserve(hrr_buf *b, size_t size) {
  if (size <= b->cap) return true;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < size) {
    if (cap > SIZE_MAX / 2) return false;
    cap *= 2;
  }
  uint8_t *p = HRHiveAlloc(b->mem, cap);
  if (!p) return false;
  if (b->p) {
    memcpy(p, b->p, b->cap);
    HRHiveFree(b->mem, b->p, b->cap);
  }
  b->p = p;
  b->cap = cap;
  return true;
}

void hrr_buf_free(hrr_buf *b) {
  if (b->p) HRHiveFree(b->mem, b->p, b->cap);
  b->p = NULL;
  b->cap = 0;
}

void hrr_walk_init(hrr_walk *w, ORHKEY mem) {
  memset(w, 0, sizeof *w);
  w->mem = mem;
  w->name.mem = w->cls.mem = w->vname.mem = w->data.mem = w->sd.mem = w->stack.mem = mem;
}

void hrr_walk_free(hrr_walk *w) {
  hrr_buf_free(&w->name);
  hrr_buf_free(&w->cls);
  hrr_buf_free(&w->vname);
  hrr_buf_free(&w->data);
  hrr_buf_free(&w->sd);
  hrr_buf_free(&w->stack);
}

static WCHAR fold(WCHAR c) { return (c >= 'a' && c <= 'z') ? (WCHAR)(c - 32) : c; }

bool hrr_eq_ascii(const WCHAR *a, size_t alen, const char *ascii) {
  size_t n = strlen(ascii);
  if (n != alen) return false;
  for (size_t i = 0; i < n; i++)
    if (fold(a[i]) != fold((WCHAR)(unsigned char)ascii[i])) return false;
  return true;
}

bool hrr_eq_fold(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen) {
  if (alen != blen) return false;
  for (size_t i = 0; i < alen; i++)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}

size_t hrr_wcslen(const WCHAR *s, size_t max) {
  size_t n = 0;
  while (n < max && s[n]) n++;
  return n;
}

void hrr_split_last(const WCHAR *path, size_t n, size_t *plen, const WCHAR **leaf, size_t *llen) {
  size_t i = n;
  while (i > 0 && path[i - 1] != '\\') i--;
  *leaf = path + i;
  *llen = n - i;
  *plen = i ? i - 1 : 0;
}
