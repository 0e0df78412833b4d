/*
 * api_enum.c: OREnumKey, OREnumValue, ORQueryInfoKey (offreg-api.md §1.10, §1.11, §1.14, §2.4).
 *
 * Counts are in characters: on input the buffer size including the NUL, on success the length
 * stored without it.  Subkeys enumerate in the tree's sorted order (the Windows on-disk order,
 * §6.2 of regf-format.md), values in stored/insertion order.  Nothing is copied on failure.
 *
 * IMPLEMENTATION-DEFINED (BEHAVIOUR.md):
 *  - after ERROR_MORE_DATA for a name, *lpcName holds the required size INCLUDING the NUL
 *    (WAC, "checked against Microsoft's DLL"); for ORQueryInfoKey's class, the length WITHOUT
 *    the NUL (the ORQueryInfoKey page says so);
 *  - OREnumValue with lpData NULL and *lpcbData too small: ERROR_MORE_DATA with the size (WAC);
 *  - ORQueryInfoKey maxima are computed from the current subkeys and values (never stale).
 */
#include <string.h>

#include "api.h"

/* Characters a class of len bytes occupies (an odd byte count is padded with a zero byte). */
static uint32_t class_chars(const hr_key *k) { return (k->class_len + 1u) / 2u; }

static void copy_class(const hr_key *k, uint16_t *out) {
  uint32_t n = class_chars(k);
  if (k->class_len) memcpy(out, k->class_data, k->class_len);
  if (k->class_len & 1u) ((uint8_t *)out)[k->class_len] = 0;
  out[n] = 0;
}

DWORD WINAPI OREnumKey(ORHKEY Handle, DWORD dwIndex, PWSTR lpName, PDWORD lpcName, PWSTR lpClass,
                       PDWORD lpcClass, PFILETIME lpftLastWriteTime) {
  if (!lpName || !lpcName || (lpClass && !lpcClass)) return ERROR_INVALID_PARAMETER;
  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  const hr_key *k = r.key;
  if (dwIndex >= k->n_subkeys) {
    handle_leave(&r);
    return ERROR_NO_MORE_ITEMS;
  }
  const hr_key *c = k->subkeys[dwIndex];
  /* The usual next call opens this subkey by name: api_find_child tries it first. */
  api_set_hint(&r.hive->tree, k, dwIndex);
  if (*lpcName < c->name_len + 1u) {
    *lpcName = c->name_len + 1u;
    st = ERROR_MORE_DATA;
  } else if (lpClass && *lpcClass < class_chars(c) + 1u) {
    *lpcClass = class_chars(c) + 1u;
    st = ERROR_MORE_DATA;
  } else {
    memcpy(lpName, c->name, (size_t)c->name_len * 2u);
    lpName[c->name_len] = 0;
    *lpcName = c->name_len;
    if (lpClass) copy_class(c, lpClass);
    if (lpcClass) *lpcClass = class_chars(c);
    if (lpftLastWriteTime) {
      lpftLastWriteTime->dwLowDateTime = (DWORD)c->last_write;
      lpftLastWriteTime->dwHighDateTime = (DWORD)(c->last_write >> 32);
    }
  }
  handle_leave(&r);
  return st;
}

DWORD WINAPI OREnumValue(ORHKEY Handle, DWORD dwIndex, PWSTR lpValueName, PDWORD lpcValueName,
                         PDWORD lpType, PBYTE lpData, PDWORD lpcbData) {
  /* §2.4 (Wine test_enum_value): a NULL name buffer or count is ERROR_INVALID_PARAMETER;
   * §1.11: lpcbData may be NULL only if lpData is NULL. */
  if (!lpValueName || !lpcValueName || (lpData && !lpcbData)) return ERROR_INVALID_PARAMETER;
  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  const hr_key *k = r.key;
  if (dwIndex >= k->n_values) {
    handle_leave(&r);
    return ERROR_NO_MORE_ITEMS;
  }
  const hr_value *v = &k->values[dwIndex];
  if (lpType) *lpType = v->type;
  if (*lpcValueName < v->name_len + 1u) {
    *lpcValueName = v->name_len + 1u;
    if (lpcbData) *lpcbData = v->size;
    st = ERROR_MORE_DATA;
  } else {
    if (v->name_len) memcpy(lpValueName, v->name, (size_t)v->name_len * 2u);
    lpValueName[v->name_len] = 0;
    *lpcValueName = v->name_len;
    if (lpcbData) {
      if (*lpcbData < v->size) st = ERROR_MORE_DATA;
      else if (lpData && v->size) memcpy(lpData, v->data, v->size);
      *lpcbData = v->size;
    }
  }
  handle_leave(&r);
  return st;
}

DWORD WINAPI ORQueryInfoKey(ORHKEY Handle, PWSTR lpClass, PDWORD lpcClass, PDWORD lpcSubKeys,
                            PDWORD lpcMaxSubKeyLen, PDWORD lpcMaxClassLen, PDWORD lpcValues,
                            PDWORD lpcMaxValueNameLen, PDWORD lpcMaxValueLen,
                            PDWORD lpcbSecurityDescriptor, PFILETIME lpftLastWriteTime) {
  /* §1.14: "lpClass valid but lpcClass NULL -> ERROR_INVALID_PARAMETER". */
  if (lpClass && !lpcClass) return ERROR_INVALID_PARAMETER;
  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  const hr_key *k = r.key;
  uint32_t max_sub = 0, max_cls = 0, max_vn = 0, max_vd = 0;
  for (uint32_t i = 0; i < k->n_subkeys; i++) {
    const hr_key *c = k->subkeys[i];
    if (c->name_len > max_sub) max_sub = c->name_len;
    if (class_chars(c) > max_cls) max_cls = class_chars(c);
  }
  for (uint32_t i = 0; i < k->n_values; i++) {
    if (k->values[i].name_len > max_vn) max_vn = k->values[i].name_len;
    if (k->values[i].size > max_vd) max_vd = k->values[i].size;
  }
  if (lpcSubKeys) *lpcSubKeys = k->n_subkeys;
  if (lpcMaxSubKeyLen) *lpcMaxSubKeyLen = max_sub;
  if (lpcMaxClassLen) *lpcMaxClassLen = max_cls;
  if (lpcValues) *lpcValues = k->n_values;
  if (lpcMaxValueNameLen) *lpcMaxValueNameLen = max_vn;
  if (lpcMaxValueLen) *lpcMaxValueLen = max_vd;
  if (lpcbSecurityDescriptor) *lpcbSecurityDescriptor = k->sd ? k->sd->len : 0;
  if (lpftLastWriteTime) {
    lpftLastWriteTime->dwLowDateTime = (DWORD)k->last_write;
    lpftLastWriteTime->dwHighDateTime = (DWORD)(k->last_write >> 32);
  }
  if (lpcClass) {
    uint32_t n = class_chars(k);
    if (lpClass && *lpcClass < n + 1u) {
      st = ERROR_MORE_DATA; /* §1.14: the variable holds the size without the NUL */
    } else if (lpClass) {
      copy_class(k, lpClass);
    }
    *lpcClass = n;
  }
  handle_leave(&r);
  return st;
}
