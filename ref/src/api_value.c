/*
 * api_value.c: ORGetValue, ORSetValue, ORDeleteValue (offreg-api.md §1.9, §1.12, §1.13, §2.3,
 * §2.5, §2.6).
 *
 * ORSetValue stores the data byte for byte, whatever the type ([3P-EMP] OffregLib
 * InvalidValueTests: odd REG_SZ, short REG_DWORD, unterminated REG_MULTI_SZ all read back
 * unchanged).  No NUL is appended (IMPLEMENTATION-DEFINED: nt-hive's 2021+ DLL appended one to
 * even-length REG_SZ data; the older DLL did not; storing what the caller gave is the choice
 * that loses nothing).  ORGetValue then applies the RegGetValue text the ORGetValue page copies:
 * string data without its terminator is returned with one added if the buffer has room,
 * otherwise ERROR_MORE_DATA; the size reported includes the added terminator.
 */
#include <string.h>

#include "api.h"
#include "layout.h"
#include "name.h"

static bool value_name(PCWSTR s, uint32_t *len) {
  size_t n = 0;
  if (s && !api_wcslen(s, HR_MAX_VALUE_NAME_CHARS, &n)) return false;
  *len = (uint32_t)n;
  return true;
}

/* Bytes ORGetValue appends to terminate string data (RegGetValue semantics, BEHAVIOUR.md):
 * REG_SZ / REG_EXPAND_SZ need a final UTF-16 NUL; REG_MULTI_SZ needs two (or is the single-NUL
 * empty sequence).  An odd size is first padded with one zero byte to whole code units. */
static uint32_t terminator_extra(const hr_value *v) {
  if (v->type != REG_SZ && v->type != REG_EXPAND_SZ && v->type != REG_MULTI_SZ) return 0;
  uint32_t pad = v->size & 1u;
  uint32_t units = (v->size + pad) / 2u;
  /* Unit i of the padded data (the padding byte is zero). */
#define UNIT(i) ((uint16_t)(v->data[2u * (i)] | \
                 ((2u * (i) + 1u < v->size ? v->data[2u * (i) + 1u] : 0u) << 8)))
  uint32_t need_units;
  if (v->type == REG_MULTI_SZ) {
    if (units == 0) need_units = 1;
    else if (units == 1) need_units = UNIT(0) == 0 ? 0 : 2;
    else if (UNIT(units - 1) != 0) need_units = 2;
    else need_units = UNIT(units - 2) != 0 ? 1 : 0;
  } else {
    need_units = (units == 0 || UNIT(units - 1) != 0) ? 1 : 0;
  }
#undef UNIT
  return pad + 2u * need_units;
}

DWORD WINAPI ORGetValue(ORHKEY Handle, PCWSTR lpSubKey, PCWSTR lpValue, PDWORD pdwType,
                        PVOID pvData, PDWORD pcbData) {
  /* §1.12: pcbData may be NULL only if pvData is NULL. */
  if (pvData && !pcbData) return ERROR_INVALID_PARAMETER;
  api_path p;
  hr_status pst = api_path_parse(lpSubKey, &p);
  uint32_t nlen;
  bool name_ok = value_name(lpValue, &nlen);
  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  hr_key *k = NULL;
  st = pst;
  if (st == ERROR_SUCCESS) st = api_walk(&r.hive->tree, r.key, &p, &k);
  int64_t idx = -1;
  if (st == ERROR_SUCCESS) {
    /* A name longer than any storable one cannot exist. */
    if (name_ok) idx = tree_find_value(k, lpValue, nlen);
    if (idx < 0) st = ERROR_FILE_NOT_FOUND;
  }
  if (st == ERROR_SUCCESS) {
    const hr_value *v = &k->values[idx];
    uint32_t extra = terminator_extra(v);
    uint64_t need = (uint64_t)v->size + extra;
    if (pdwType) *pdwType = v->type;
    if (need > UINT32_MAX) {
      st = ERROR_MORE_DATA; /* cannot be reported in a DWORD; data limits keep this unreachable */
    } else if (pcbData) {
      if (pvData && *pcbData < need) {
        st = ERROR_MORE_DATA;
      } else if (pvData) {
        if (v->size) memcpy(pvData, v->data, v->size);
        if (extra) memset((uint8_t *)pvData + v->size, 0, extra);
      }
      *pcbData = (DWORD)need;
    }
  }
  handle_leave(&r);
  return st;
}

static const uint16_t k_symlink_value[] = {'S', 'y', 'm', 'b', 'o', 'l', 'i', 'c', 'L',
                                           'i', 'n', 'k', 'V', 'a', 'l', 'u', 'e'};

DWORD WINAPI ORSetValue(ORHKEY Handle, PCWSTR lpValueName, DWORD dwType, const BYTE *lpData,
                        DWORD cbData) {
  uint32_t nlen;
  /* §1.13 [3P-EMP] OffregLib: 16,383 characters accepted, 16,384 -> ERROR_INVALID_PARAMETER. */
  if (!value_name(lpValueName, &nlen)) return ERROR_INVALID_PARAMETER;
  /* §2.6 (Wine test_set_value): NULL data with a non-zero size is ERROR_NOACCESS. */
  if (!lpData && cbData) return ERROR_NOACCESS;
  /* regf-format.md §9: a big-data value holds at most 65535 x 16344 bytes; writers refuse more. */
  if (cbData > DB_MAX_DATA) return ERROR_INVALID_PARAMETER;
  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  hr_key *k = r.key;
  if (k->flags & KEY_SYM_LINK) {
    /* A link key holds exactly its REG_LINK "SymbolicLinkValue" (R-D26..R-D29; Win32 gives
     * ERROR_ACCESS_DENIED for any other name or type, Wine test_symlinks, §2.11). */
    bool is_link_name =
        name_eq(lpValueName ? lpValueName : k_symlink_value, nlen, k_symlink_value,
                sizeof k_symlink_value / sizeof k_symlink_value[0]);
    if (!is_link_name || dwType != REG_LINK) st = ERROR_ACCESS_DENIED;
    else if ((cbData & 1u) || cbData > 0xFFFFu) st = ERROR_INVALID_PARAMETER;
  }
  if (st == ERROR_SUCCESS) {
    st = tree_set_value(&r.hive->tree, k, lpValueName, nlen, dwType, lpData, cbData);
    if (st == ERROR_SUCCESS) k->last_write = hive_now_filetime();
  }
  handle_leave(&r);
  return st;
}

DWORD WINAPI ORDeleteValue(ORHKEY Handle, PCWSTR lpValueName) {
  uint32_t nlen;
  bool name_ok = value_name(lpValueName, &nlen);
  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  hr_key *k = r.key;
  int64_t idx = name_ok ? tree_find_value(k, lpValueName, nlen) : -1;
  if (idx < 0) {
    st = ERROR_FILE_NOT_FOUND; /* §1.9 / §2.7 (Win32 RegDeleteValue) */
  } else {
    tree_delete_value(&r.hive->tree, k, (uint32_t)idx);
    k->last_write = hive_now_filetime();
  }
  handle_leave(&r);
  return st;
}
