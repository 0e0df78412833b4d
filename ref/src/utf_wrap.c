/*
 * utf_wrap.c: the HR*Utf8 convenience wrappers (hiveref.h): UTF-8 arguments are converted
 * (strictly validated, utf.c) into temporary UTF-16 copies in a short-lived audited context,
 * then the W function runs; UTF-16 names come back in UTF-8 with the W API's count rules.
 */
#include <string.h>

#include "api.h"
#include "layout.h"
#include "mem.h"

/* ---- wrappers --------------------------------------------------------------------------- */

/* A temporary UTF-16 copy of a UTF-8 argument (NULL stays NULL). */
typedef struct wtmp {
  uint16_t *w;
  size_t cap;                 /* units allocated */
} wtmp;

static hr_status to_w(hr_mem *m, const char *s, wtmp *t) {
  t->w = NULL;
  t->cap = 0;
  if (!s) return ERROR_SUCCESS;
  size_t len = strnlen(s, (size_t)API_MAX_PATH_UNITS * 3u + 1u);
  if (len > (size_t)API_MAX_PATH_UNITS * 3u) return ERROR_INVALID_PARAMETER;
  size_t units = HRUtf8ToUtf16(s, len, NULL, 0);
  if (units == (size_t)-1) return ERROR_INVALID_PARAMETER;
  t->cap = units + 1;
  t->w = mem_alloc_array(m, t->cap, sizeof *t->w);
  if (!t->w) return ERROR_NOT_ENOUGH_MEMORY;
  HRUtf8ToUtf16(s, len, t->w, t->cap);
  return ERROR_SUCCESS;
}

static void wfree(hr_mem *m, wtmp *t) {
  if (t->w) mem_free(m, t->w, t->cap * sizeof *t->w);
  t->w = NULL;
}

/* Converts a UTF-16 name into a caller buffer with the W API's count convention (in: buffer
 * size including the NUL; out: length without it; ERROR_MORE_DATA: required size with it). */
static DWORD name_out(const uint16_t *w, size_t wlen, char *out, PDWORD cb) {
  size_t need = HRUtf16ToUtf8(w, wlen, NULL, 0);
  if (need == (size_t)-1 || need + 1 > UINT32_MAX) return ERROR_INVALID_DATA;
  if (*cb < need + 1) {
    *cb = (DWORD)(need + 1);
    return ERROR_MORE_DATA;
  }
  HRUtf16ToUtf8(w, wlen, out, *cb);
  *cb = (DWORD)need;
  return ERROR_SUCCESS;
}

DWORD HROpenKeyUtf8(ORHKEY h, const char *subkey, PORHKEY result) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  wtmp a;
  DWORD st = to_w(&m, subkey, &a);
  if (st == ERROR_SUCCESS) st = OROpenKey(h, a.w, result);
  wfree(&m, &a);
  return st;
}

DWORD HRCreateKeyUtf8(ORHKEY h, const char *subkey, PORHKEY result, PDWORD disposition) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  wtmp a;
  DWORD st = to_w(&m, subkey, &a);
  if (st == ERROR_SUCCESS) st = ORCreateKey(h, a.w, NULL, 0, NULL, result, disposition);
  wfree(&m, &a);
  return st;
}

DWORD HRGetValueUtf8(ORHKEY h, const char *subkey, const char *value, PDWORD type, void *data,
                     PDWORD cbData) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  wtmp a, b = {NULL, 0};
  DWORD st = to_w(&m, subkey, &a);
  if (st == ERROR_SUCCESS) st = to_w(&m, value, &b);
  if (st == ERROR_SUCCESS) st = ORGetValue(h, a.w, b.w, type, data, cbData);
  wfree(&m, &b);
  wfree(&m, &a);
  return st;
}

DWORD HRSetValueUtf8(ORHKEY h, const char *value, DWORD type, const void *data, DWORD cbData) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  wtmp a;
  DWORD st = to_w(&m, value, &a);
  if (st == ERROR_SUCCESS) st = ORSetValue(h, a.w, type, data, cbData);
  wfree(&m, &a);
  return st;
}

DWORD HRDeleteKeyUtf8(ORHKEY h, const char *subkey) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  wtmp a;
  DWORD st = to_w(&m, subkey, &a);
  if (st == ERROR_SUCCESS) st = ORDeleteKey(h, a.w);
  wfree(&m, &a);
  return st;
}

DWORD HRDeleteValueUtf8(ORHKEY h, const char *value) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  wtmp a;
  DWORD st = to_w(&m, value, &a);
  if (st == ERROR_SUCCESS) st = ORDeleteValue(h, a.w);
  wfree(&m, &a);
  return st;
}

DWORD HREnumKeyUtf8(ORHKEY h, DWORD index, char *name, PDWORD cbName) {
  if (!name || !cbName) return ERROR_INVALID_PARAMETER;
  uint16_t w[NK_MAX_NAME_UTF16 / 2 + 2];
  DWORD cw = (DWORD)(sizeof w / sizeof w[0]);
  DWORD st = OREnumKey(h, index, w, &cw, NULL, NULL, NULL);
  if (st != ERROR_SUCCESS) return st;
  return name_out(w, cw, name, cbName);
}

DWORD HREnumValueUtf8(ORHKEY h, DWORD index, char *name, PDWORD cbName, PDWORD type,
                      void *data, PDWORD cbData) {
  if (!name || !cbName) return ERROR_INVALID_PARAMETER;
  hr_mem m;
  mem_init(&m, NULL, 0);
  /* Value names are at most 16383 units in any hive the loader accepts (R-F08). */
  DWORD cap = VK_MAX_NAME_COMP + 2u;
  uint16_t *w = mem_alloc_array(&m, cap, sizeof *w);
  if (!w) return ERROR_NOT_ENOUGH_MEMORY;
  DWORD cw = cap;
  DWORD st = OREnumValue(h, index, w, &cw, type, data, cbData);
  if (st == ERROR_SUCCESS || (st == ERROR_MORE_DATA && cw < cap)) {
    /* On a data-only ERROR_MORE_DATA the W call still stored the name (api_enum.c). */
    DWORD nst = name_out(w, cw, name, cbName);
    if (nst != ERROR_SUCCESS) st = nst;
  }
  mem_free(&m, w, (size_t)cap * sizeof *w);
  return st;
}

DWORD HRSaveHiveUtf8(ORHKEY h, const char *path, DWORD osMajor, DWORD osMinor) {
  if (!path) return ERROR_INVALID_PARAMETER;
  size_t len = strnlen(path, 4097);
  if (len > 4096) return ERROR_FILENAME_EXCED_RANGE;
  /* Validate the UTF-8 like every other wrapper. */
  if (HRUtf8ToUtf16(path, len, NULL, 0) == (size_t)-1) return ERROR_INVALID_PARAMETER;
  return api_save_utf8(h, path, osMajor, osMinor);
}
