/*
 * edit.c: hive-editing helpers (see edit.h).
 */
#include "edit.h"

#include <string.h>

#include "climem.h"
#include "util.h"

/* Enough for any key name: NameLength is a 16-bit byte count (regf-format.md §4). */
#define EDIT_NAME_CAP 65536u

DWORD edit_open(const char *base, ORHKEY *root) {
  *root = NULL;
  if (base == NULL) {
    DWORD err = ORCreateHive(root);
    if (err != ERROR_SUCCESS) cli_error("ORCreateHive", err, NULL);
    return err;
  }
  HRDiagnostic diag;
  memset(&diag, 0, sizeof diag);
  DWORD err = HROpenHiveUtf8(base, NULL, root, &diag);
  if (err != ERROR_SUCCESS) cli_error(base, err, &diag);
  return err;
}

/* Trims leading/trailing separators. */
static void trim(const uint16_t **path, size_t *len) {
  while (*len > 0 && (*path)[0] == '\\') (*path)++, (*len)--;
  while (*len > 0 && (*path)[*len - 1] == '\\') (*len)--;
}

DWORD edit_create_path(ORHKEY root, const uint16_t *path, size_t len, ORHKEY *key, int *owned) {
  trim(&path, &len);
  *key = root;
  *owned = 0;
  if (len == 0) return ERROR_SUCCESS;
  uint16_t *comp = cli_alloc((len + 1) * sizeof(uint16_t));
  if (comp == NULL) return ERROR_NOT_ENOUGH_MEMORY;
  ORHKEY cur = root;
  DWORD err = ERROR_SUCCESS;
  size_t i = 0;
  while (i <= len) {
    size_t j = i;
    while (j < len && path[j] != '\\') j++;
    if (j == i) { /* "a\\b": an empty component names no key; skip it */
      i = j + 1;
      continue;
    }
    memcpy(comp, path + i, (j - i) * sizeof(uint16_t));
    comp[j - i] = 0;
    ORHKEY next = NULL;
    err = ORCreateKey(cur, comp, NULL, REG_OPTION_NON_VOLATILE, NULL, &next, NULL);
    if (cur != root) ORCloseKey(cur);
    if (err != ERROR_SUCCESS) break;
    cur = next;
    i = j + 1;
  }
  cli_free(comp, (len + 1) * sizeof(uint16_t));
  if (err != ERROR_SUCCESS) return err;
  *key = cur;
  *owned = 1;
  return ERROR_SUCCESS;
}

/* Opens path (NUL-terminated in buf) below root; an empty path is root itself. */
static DWORD open_at(ORHKEY root, const uint16_t *buf, size_t len, ORHKEY *h) {
  if (len == 0) {
    *h = root;
    return ERROR_SUCCESS;
  }
  return OROpenKey(root, buf, h);
}

static void close_at(ORHKEY root, ORHKEY h) {
  if (h != root) ORCloseKey(h);
}

DWORD edit_delete_tree(ORHKEY root, const uint16_t *path, size_t len) {
  trim(&path, &len);
  if (len == 0) return ERROR_INVALID_PARAMETER;
  /* buf holds the path of the key being examined: the target, extended by first children
   * until a leaf is reached; the leaf is deleted and buf drops back to its parent.  Every
   * iteration either descends one level (bounded by the engine's depth limit) or deletes a
   * key, so the loop ends. */
  size_t bcap = len + 1 + EDIT_NAME_CAP;
  uint16_t *buf = cli_alloc(bcap * sizeof(uint16_t));
  uint16_t *name = cli_alloc(EDIT_NAME_CAP * sizeof(uint16_t));
  DWORD err = ERROR_SUCCESS;
  if (buf == NULL || name == NULL) {
    err = ERROR_NOT_ENOUGH_MEMORY;
    goto out;
  }
  memcpy(buf, path, len * sizeof(uint16_t));
  size_t blen = len;
  buf[blen] = 0;
  for (;;) {
    ORHKEY h = NULL;
    err = open_at(root, buf, blen, &h);
    if (err != ERROR_SUCCESS) goto out;
    DWORD cch = EDIT_NAME_CAP;
    err = OREnumKey(h, 0, name, &cch, NULL, NULL, NULL);
    close_at(root, h);
    if (err == ERROR_SUCCESS) {
      if (blen + 1 + cch + 1 > bcap) {
        size_t ncap = (blen + 1 + cch + 1) * 2;
        uint16_t *nb = cli_realloc(buf, bcap * sizeof(uint16_t), ncap * sizeof(uint16_t));
        if (nb == NULL) {
          err = ERROR_NOT_ENOUGH_MEMORY;
          goto out;
        }
        buf = nb;
        bcap = ncap;
      }
      buf[blen++] = '\\';
      memcpy(buf + blen, name, cch * sizeof(uint16_t));
      blen += cch;
      buf[blen] = 0;
      continue;
    }
    if (err != ERROR_NO_MORE_ITEMS) goto out;
    /* buf is a leaf: delete it through its parent. */
    size_t k = blen;
    while (k > 0 && buf[k - 1] != '\\') k--;
    size_t parent_len = k ? k - 1 : 0;
    ORHKEY ph = root;
    err = ERROR_SUCCESS;
    if (k) {
      buf[parent_len] = 0; /* temporarily terminate the parent path */
      err = open_at(root, buf, parent_len, &ph);
      buf[parent_len] = '\\';
    }
    if (err != ERROR_SUCCESS) goto out;
    err = ORDeleteKey(ph, buf + k);
    close_at(root, ph);
    if (err != ERROR_SUCCESS) goto out;
    if (blen == len) break; /* the target itself is gone */
    blen = parent_len;
    buf[blen] = 0;
  }
out:
  cli_free(buf, bcap * sizeof(uint16_t));
  cli_free(name, EDIT_NAME_CAP * sizeof(uint16_t));
  return err;
}

void edit_default_os(uint32_t format_minor, DWORD *os_major, DWORD *os_minor) {
  if (format_minor <= 3) {
    *os_major = 5;
    *os_minor = 1;
  } else {
    *os_major = 10;
    *os_minor = 0;
  }
}

DWORD edit_save(ORHKEY root, const char *out, DWORD os_major, DWORD os_minor) {
  DWORD err = HRSaveHiveUtf8(root, out, os_major, os_minor);
  if (err != ERROR_SUCCESS) {
    char what[600];
    snprintf(what, sizeof what, "saving %s for Windows %u.%u", out, os_major, os_minor);
    cli_error(what, err, NULL);
  }
  return err;
}
