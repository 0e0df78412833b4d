/*
 * restore_int.h: internals shared by the restore module's files (not public).
 *
 * restore_mem.c   the plan's arena (HRHiveAlloc chunks of the restored hive) and scratch buffers
 * restore_rule.c  the key-string grammar (pure)
 * restore_tree.c  subtree copy / delete / path creation through the OR* API, iteratively
 * restore_plan.c  reading both lists, the union, CurrentControlSet, the merge decisions
 * restore_apply.c executing a plan
 * restore_print.c text and JSON forms
 */
#ifndef HIVEREF_RESTORE_INT_H
#define HIVEREF_RESTORE_INT_H

#include "restore.h"

#include <stdbool.h>

/* Registry limits (offreg-api.md §2.1): key names 255 units, value names 16,383 units, a tree at
 * most 512 levels deep. */
#define HRR_MAX_KEY_NAME 255u
#define HRR_MAX_VALUE_NAME 16383u
#define HRR_MAX_DEPTH 512u
/* The loader accepts key names of up to 256 units (regf-format.md R-D04: NameLength <= 0x200),
 * one more than the API can address: enumeration buffers hold 256 + NUL, and longer names are
 * reported as unrepresentable. */
#define HRR_LOAD_KEY_NAME 256u

typedef struct hrr_chunk {
  struct hrr_chunk *next;
  size_t size, used;           /* bytes after the header */
} hrr_chunk;

/* Arena allocation from the plan's context; zeroed, 8-aligned.  NULL on failure. */
void *hrr_arena_alloc(HRRestorePlan *plan, size_t size);
WCHAR *hrr_arena_wdup(HRRestorePlan *plan, const WCHAR *s, size_t n); /* NUL-terminated copy */
void hrr_arena_free_all(HRRestorePlan *plan);

/* A growable scratch buffer from a hive's context (freed with hrr_buf_free). */
typedef struct hrr_buf {
  ORHKEY mem;
  uint8_t *p;
  size_t cap;
} hrr_buf;
bool hrr_buf_reserve(hrr_buf *b, size_t size);
void hrr_buf_free(hrr_buf *b);

/* ASCII-folding comparisons (the rule grammar's keywords are ASCII). */
bool hrr_eq_ascii(const WCHAR *a, size_t alen, const char *ascii);
bool hrr_eq_fold(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen);
size_t hrr_wcslen(const WCHAR *s, size_t max);

/* Scratch space of a copy/delete walk. */
typedef struct hrr_walk {
  ORHKEY mem;
  hrr_buf name, cls, vname, data, sd, stack;
  uint64_t keys_copied, values_copied, keys_deleted, unrepresentable;
  HRRestoreProgress progress;
  void *ctx;
  size_t done, total;
} hrr_walk;
void hrr_walk_init(hrr_walk *w, ORHKEY mem);
void hrr_walk_free(hrr_walk *w);

/* Opens the key at the backslash-separated path (n units; "" = the root itself, returned with
 * *owned = 0).  ERROR_FILE_NOT_FOUND when absent. */
DWORD hrr_open_path(ORHKEY root, const WCHAR *path, size_t n, ORHKEY *key, int *owned);
/* As hrr_open_path, creating missing levels one at a time (their security descriptor is the
 * parent's, ORCreateKey with NULL). */
DWORD hrr_create_path(hrr_walk *w, ORHKEY root, const WCHAR *path, size_t n, ORHKEY *key,
                      int *owned);
/* Deletes the subkey `name` of parent and its whole subtree, bottom-up (offreg has no delete
 * tree: ORDeleteKey fails with ERROR_KEY_HAS_CHILDREN, §1.8). */
DWORD hrr_delete_tree(hrr_walk *w, ORHKEY parent, const WCHAR *name);
/* Copies src (a key of the existing hive) with its class, security descriptor, flags, values and
 * whole subtree as the new subkey `name` of dst_parent (which must not have it). */
DWORD hrr_copy_tree(hrr_walk *w, ORHKEY src, ORHKEY dst_parent, const WCHAR *name);
/* Reads a value's data exactly as stored (type, *cb bytes into data->p). */
DWORD hrr_read_value_raw(ORHKEY key, const WCHAR *name, hrr_buf *vname, hrr_buf *data,
                         DWORD *type, DWORD *cb);
/* Copies one value (name NUL-terminated, "" = default value) byte for byte. */
DWORD hrr_copy_value(hrr_walk *w, ORHKEY src, ORHKEY dst, const WCHAR *name);

/* Splits "a\b\c" at its last backslash: parent path [0, *plen), leaf after it. */
void hrr_split_last(const WCHAR *path, size_t n, size_t *plen, const WCHAR **leaf, size_t *llen);

#endif /* HIVEREF_RESTORE_INT_H */
