/*
 * api.h: helpers shared by the OR* entry points (api_*.c): handle entry with the deleted-key
 * rule, bounded string lengths, path parsing and walking, and the internal entry points the
 * UTF-8 wrappers and the tests use.
 *
 * Path rules (offreg-api.md §2.2; IMPLEMENTATION-DEFINED, BEHAVIOUR.md "paths"):
 *  - components are separated by '\'; a leading '\' is ERROR_BAD_PATHNAME (Win32 RegOpenKey /
 *    RegCreateKeyEx parity, Wine test_reg_open_key); trailing '\'s are ignored (Win32 parity,
 *    Wine "Subkey4\\\\"); an empty component inside the path ("a\\\\b") is ERROR_BAD_PATHNAME;
 *  - a path is at most API_MAX_PATH_UNITS code units (512 levels of 256 units plus
 *    separators); longer strings are ERROR_INVALID_PARAMETER (and are never scanned further).
 */
#ifndef HIVEREF_API_H
#define HIVEREF_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handle.h"
#include "hive.h"
#include "offreg.h"
#include "status.h"
#include "tree.h"

#define API_MAX_PATH_UNITS (512u * 257u)

/* handle_enter plus offreg-api.md §1.8: "Only the ORCloseKey function may be called on a
 * deleted key": a deleted key's handle gives ERROR_KEY_DELETED (the hive is left unlocked).
 * Inline: every OR* call but ORCloseKey / ORCloseHive starts here. */
static inline hr_status api_enter(ORHKEY h, hr_ref *r) {
  hr_status st = handle_enter(h, r);
  if (st != ERROR_SUCCESS) return st;
  if (r->key->deleted) {
    handle_leave(r);
    return ERROR_KEY_DELETED;
  }
  return ERROR_SUCCESS;
}

/* Length of a NUL-terminated UTF-16 string, scanning at most max units.  false when there is
 * no NUL within max units (the caller's limit error). */
bool api_wcslen(const uint16_t *s, size_t max, size_t *len);

/* A parsed path: components point into the caller's string. */
typedef struct api_path {
  const uint16_t *s;
  size_t len;                 /* units after trailing separators were stripped */
  size_t first;               /* units of the first component */
  uint32_t n;                 /* components */
} api_path;

/* Parses s (NULL or "" = no components).  ERROR_BAD_PATHNAME, ERROR_INVALID_PARAMETER (too
 * long) or ERROR_SUCCESS. */
hr_status api_path_parse(const uint16_t *s, api_path *p);
/* Iterates the components: *pos starts at 0; returns false at the end.  Inline: OROpenKey
 * calls it twice per key of a walk. */
static inline bool api_path_next(const api_path *p, size_t *pos, const uint16_t **name,
                                 uint32_t *len) {
  if (*pos >= p->len) return false;
  size_t start = *pos, i = start;
  if (start == 0) i = p->first; /* found by api_path_parse */
  else
    while (i < p->len && p->s[i] != '\\') i++;
  *name = p->s + start;
  *len = (uint32_t)(i - start);
  *pos = i + 1;
  return true;
}

/* tree_find_subkey with the tree's lookup hint (tree.h hr_tree.hint_key): an enumerate-then-
 * open walk (OREnumKey(k, i) then OROpenKey(k, name)) finds subkeys[i] with one name
 * comparison instead of a binary search.  Same result as tree_find_subkey: true and *index
 * when found (the hint then moves to *index + 1, the next sibling), otherwise false and
 * *index = the insertion point. */
bool api_find_child(hr_tree *t, const hr_key *key, const uint16_t *name, uint32_t len,
                    uint32_t *index);
/* Sets the lookup hint: the next lookup under key tries subkeys[index] first. */
static inline void api_set_hint(hr_tree *t, const hr_key *key, uint32_t index) {
  t->hint_key = (uintptr_t)key;
  t->hint_index = index;
}

/* Walks p from start: ERROR_FILE_NOT_FOUND when a component is missing. */
hr_status api_walk(hr_tree *t, hr_key *start, const api_path *p, hr_key **out);

/* Depth of key (root = 1), iterative. */
uint32_t api_depth(const hr_key *key);

/* Key-name validity for writes (ORCreateKey, ORRenameKey): 1..255 units, no '\'. */
bool api_key_name_ok(const uint16_t *name, uint32_t len);

/* Length of a self-relative descriptor supplied through the API (no length parameter): the
 * end of its furthest component, with every read bounded by the structures' own size fields.
 * 0 when the header is not a self-relative descriptor. */
uint32_t api_sd_extent(const uint8_t *sd);
/* The size a descriptor of that extent is stored with (>= extent; the extra bytes are zeros). */
uint32_t api_sd_stored_size(const uint8_t *sd, uint32_t extent);

/* Save through a UTF-8 path (ORSaveHive converts its UTF-16 path first). */
DWORD api_save_utf8(ORHKEY h, const char *path, DWORD os_major, DWORD os_minor);

/* ORMergeHives with explicit options for the result hive (tests arm fault injection). */
DWORD api_merge_hives_ex(ORHKEY *hives, DWORD count, const HROpenOptions *opt,
                         PORHKEY result);

/* Thread-local last diagnostic (HRGetLastDiagnostic). */
void api_set_last_diag(const HRDiagnostic *d);

#endif /* HIVEREF_API_H */
