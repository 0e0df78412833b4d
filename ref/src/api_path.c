/*
 * api_path.c: bounded string scans, path parsing and walking for the OR* entry points (rules
 * in api.h).  api_enter, the handle entry with the deleted-key rule, is inline in api.h.
 */
#include "api.h"

#include "bytes.h"
#include "layout.h"
#include "name.h"

bool api_wcslen(const uint16_t *s, size_t max, size_t *len) {
  for (size_t i = 0; i <= max; i++) {
    if (s[i] == 0) {
      *len = i;
      return true;
    }
  }
  return false;
}

/* Neither the terminator nor a separator. */
static inline bool path_plain(uint16_t c) { return c != 0 && c != '\\'; }

hr_status api_path_parse(const uint16_t *s, api_path *p) {
  p->s = s;
  p->len = 0;
  p->first = 0;
  p->n = 0;
  if (!s) return ERROR_SUCCESS;
  /* One pass finds the NUL and the separators (the path is usually one component: a name
   * from OREnumKey).  The error order of the rules in api.h is kept: a string without a NUL
   * within API_MAX_PATH_UNITS is ERROR_INVALID_PARAMETER whatever it contains, so a bad
   * separator is only noted here and judged after the NUL was found. */
  size_t i = 0, seps = 0, first_sep = SIZE_MAX, first_double = SIZE_MAX;
  for (;; i++) {
    /* Ordinary units four at a time (one bound check per four); the && stops at the first
     * NUL, so nothing past the string is read. */
    while (i + 3u <= API_MAX_PATH_UNITS && path_plain(s[i]) && path_plain(s[i + 1]) &&
           path_plain(s[i + 2]) && path_plain(s[i + 3]))
      i += 4;
    if (i > API_MAX_PATH_UNITS) return ERROR_INVALID_PARAMETER;
    uint16_t c = s[i];
    if (c == 0) break;
    if (c != '\\') continue;
    if (seps++ == 0) first_sep = i;
    else if (s[i - 1] == '\\' && first_double == SIZE_MAX) first_double = i;
  }
  size_t len = i;
  if (len && s[0] == '\\') return ERROR_BAD_PATHNAME;
  /* Trailing separators are ignored; an empty component before them ("a\\\\b") is not. */
  while (len && s[len - 1] == '\\') {
    len--;
    seps--;
  }
  if (first_double < len) return ERROR_BAD_PATHNAME;
  p->len = len;
  p->first = first_sep < len ? first_sep : len;
  p->n = len ? (uint32_t)seps + 1u : 0;
  return ERROR_SUCCESS;
}

/* api_find_child, inlined into api_walk (one call per OROpenKey component). */
static inline bool find_child(hr_tree *t, const hr_key *key, const uint16_t *name, uint32_t len,
                              uint32_t *index) {
  uint32_t i = t->hint_index;
  bool found;
  /* The hint is verified: subkey names are unique case-insensitively (tree.h invariant), so a
   * name equal to subkeys[i]'s is found exactly there, whatever happened since it was set. */
  if (t->hint_key == (uintptr_t)key && i < key->n_subkeys &&
      name_eq(key->subkeys[i]->name, key->subkeys[i]->name_len, name, len)) {
    *index = i;
    found = true;
  } else {
    found = tree_find_subkey(key, name, len, index);
  }
  if (found) api_set_hint(t, key, *index + 1u);
  return found;
}

bool api_find_child(hr_tree *t, const hr_key *key, const uint16_t *name, uint32_t len,
                    uint32_t *index) {
  return find_child(t, key, name, len, index);
}

hr_status api_walk(hr_tree *t, hr_key *start, const api_path *p, hr_key **out) {
  hr_key *k = start;
  size_t pos = 0;
  const uint16_t *name;
  uint32_t len;
  while (api_path_next(p, &pos, &name, &len)) {
    uint32_t idx;
    if (!find_child(t, k, name, len, &idx)) return ERROR_FILE_NOT_FOUND;
    k = k->subkeys[idx];
  }
  *out = k;
  return ERROR_SUCCESS;
}

uint32_t api_depth(const hr_key *key) {
  uint32_t d = 0;
  /* Bounded by the tree's depth, which writes keep <= HR_MAX_DEPTH and the loader checks. */
  for (const hr_key *k = key; k; k = k->parent) d++;
  return d;
}

bool api_key_name_ok(const uint16_t *name, uint32_t len) {
  if (len == 0 || len > HR_MAX_KEY_NAME_CHARS) return false;
  for (uint32_t i = 0; i < len; i++)
    if (name[i] == '\\') return false;
  return true;
}

/* Size of a SID at p (8 + 4 * SubAuthorityCount), MS-DTYP 2.4.2.2. */
static uint32_t sid_size(const uint8_t *p) { return 8u + 4u * p[1]; }

uint32_t api_sd_stored_size(const uint8_t *sd, uint32_t extent) {
  /* RtlValidRelativeSecurityDescriptor, which Windows runs on every sk at load (R-H06), wants
   * sizeof(SID) = 12 bytes available at each SID offset and sizeof(ACL) = 8 at each ACL offset,
   * whatever the component's own size (a SID with no sub-authority is 8 bytes).  A caller's
   * descriptor is measured by its components (it comes without a length), so it is stored
   * zero-padded up to those minimums: the hive we save then loads again. */
  uint32_t need = extent;
  const uint32_t fields[2] = {SD_OFF_OWNER, SD_OFF_GROUP};
  for (int i = 0; i < 2; i++) {
    uint32_t off = le32(sd + fields[i]);
    if (off && off + 12u > need) need = off + 12u;
  }
  return need;
}

uint32_t api_sd_extent(const uint8_t *sd) {
  if (sd[SD_OFF_REVISION] != SD_REVISION) return 0;
  uint16_t control = le16(sd + SD_OFF_CONTROL);
  if (!(control & SE_SELF_RELATIVE)) return 0;
  uint32_t end = SD_MIN_SIZE;
  uint32_t off_owner = le32(sd + SD_OFF_OWNER), off_group = le32(sd + SD_OFF_GROUP);
  uint32_t off_sacl = le32(sd + SD_OFF_SACL), off_dacl = le32(sd + SD_OFF_DACL);
  /* A registry descriptor lives in one sk cell: at most REGF_CELL_MAX bytes with the cell's
   * size field and the sk header (R-C06, R-H03), the largest a loaded hive can hold.  A
   * component beyond that cannot be part of one, and a SID needs sizeof(SID) = 12 bytes at its
   * offset (api_sd_stored_size pads to it), so a stored descriptor always fits a cell; the bound
   * also keeps every read below within reason (the caller gives no length). */
  const uint32_t lim = REGF_CELL_MAX - CELL_HEADER_SIZE - SK_FIXED_SIZE;
  uint32_t offs[2] = {off_owner, off_group};
  for (int i = 0; i < 2; i++) {
    if (!offs[i]) continue;
    if (offs[i] > lim - 12u) return 0;
    uint32_t e = offs[i] + sid_size(sd + offs[i]);
    if (e > end) end = e;
  }
  uint32_t acls[2] = {(control & SE_SACL_PRESENT) ? off_sacl : 0,
                      (control & SE_DACL_PRESENT) ? off_dacl : 0};
  for (int i = 0; i < 2; i++) {
    if (!acls[i]) continue;
    if (acls[i] > lim) return 0;
    uint32_t e = acls[i] + le16(sd + acls[i] + 2);
    if (e > end) end = e;
  }
  return end > lim ? 0 : end;
}
