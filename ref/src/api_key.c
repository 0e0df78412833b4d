/*
 * api_key.c: ORCreateKey, OROpenKey, ORCloseKey, ORDeleteKey, ORRenameKey
 * (offreg-api.md §1.5-§1.8, §1.22, §2.2).
 *
 * Root-key rules (§1.0): ORCreateKey and OROpenKey never return the root, ORCloseKey cannot
 * close it and ORDeleteKey cannot delete it: ERROR_INVALID_PARAMETER.  Every write is atomic:
 * all allocations happen before the tree changes (or are undone), so an ERROR_NOT_ENOUGH_MEMORY
 * leaves the hive exactly as it was.
 */
#include <string.h>

#include "api.h"
#include "layout.h"
#include "secdesc.h"

/* Class strings are stored as UTF-16LE bytes without the NUL; ClassLength is a u16 (§9). */
#define MAX_CLASS_UNITS 32767u

/* A caller's descriptor: *len = its extent (the bytes read from the caller), *stored = the
 * size it is stored with (zero-padded, api_sd_stored_size).  It is validated as stored, which
 * reads only the components, all inside the extent. */
static hr_status validate_sd_arg(const void *psd, uint32_t *len, uint32_t *stored) {
  const uint8_t *sd = psd;
  uint32_t n = api_sd_extent(sd);
  if (n == 0) return ERROR_INVALID_PARAMETER;
  uint32_t m = api_sd_stored_size(sd, n);
  if (!secdesc_valid(sd, m)) return ERROR_INVALID_PARAMETER;
  *len = n;
  *stored = m;
  return ERROR_SUCCESS;
}

/* Creates the missing tail comps[first..n) of p under parent as one detached chain, then links
 * it in at once.  *out = the last key of the chain. */
static hr_status create_chain(hr_hive *hive, hr_key *parent, uint32_t ins_index,
                              const api_path *p, size_t pos, const uint8_t *cls,
                              uint32_t cls_len, DWORD options, hr_sd *sd, hr_key **out) {
  hr_tree *t = &hive->tree;
  uint64_t now = hive_now_filetime();
  hr_key *head = NULL, *cur = NULL;
  const uint16_t *name;
  uint32_t len;
  hr_status st = ERROR_SUCCESS;
  /* §2.10: REG_KEY_RECURSE_FLAG propagates the parent's virtualization flags to keys created
   * after it was set (IMPLEMENTATION-DEFINED: the whole 4-bit field is copied). */
  uint8_t virt = (parent->virt_flags & REG_KEY_RECURSE_FLAG) ? parent->virt_flags : 0;
  while (api_path_next(p, &pos, &name, &len)) {
    hr_key *k = tree_key_new(t, name, len);
    if (!k) {
      st = ERROR_NOT_ENOUGH_MEMORY;
      break;
    }
    tree_key_set_sd(t, k, sd);
    k->last_write = now;
    k->virt_flags = virt;
    k->is_volatile = (options & REG_OPTION_VOLATILE) ? 1 : 0;
    if (cur) {
      st = tree_insert_subkey(t, cur, k, 0);
      if (st != ERROR_SUCCESS) {
        tree_key_free(t, k);
        break;
      }
    } else {
      head = k;
    }
    cur = k;
  }
  if (st == ERROR_SUCCESS && cls_len) st = tree_key_set_class(t, cur, cls, cls_len);
  if (st == ERROR_SUCCESS) st = tree_insert_subkey(t, parent, head, ins_index);
  if (st != ERROR_SUCCESS) {
    if (head) tree_key_free(t, head);
    return st;
  }
  if (options & REG_OPTION_CREATE_LINK) cur->flags |= KEY_SYM_LINK;
  parent->last_write = now;
  *out = cur;
  return ERROR_SUCCESS;
}

DWORD WINAPI ORCreateKey(ORHKEY Handle, PCWSTR lpSubKey, PCWSTR lpClass, DWORD dwOptions,
                         PSECURITY_DESCRIPTOR pSecurityDescriptor, PORHKEY phkResult,
                         PDWORD pdwDisposition) {
  if (!phkResult) return ERROR_INVALID_PARAMETER;
  *phkResult = NULL;
  /* §1.6: lpSubKey "cannot be NULL". */
  if (!lpSubKey) return ERROR_INVALID_PARAMETER;
  /* §1.6: "0 or one of" NON_VOLATILE / CREATE_LINK; VOLATILE is accepted too (kept in memory,
   * never saved); CREATE_LINK with VOLATILE is the testable reading of "CREATE_LINK but
   * NON_VOLATILE clear" -> ERROR_INVALID_PARAMETER.  Any other bit: ERROR_INVALID_PARAMETER. */
  if (dwOptions & ~(DWORD)(REG_OPTION_VOLATILE | REG_OPTION_CREATE_LINK))
    return ERROR_INVALID_PARAMETER;
  if ((dwOptions & REG_OPTION_CREATE_LINK) && (dwOptions & REG_OPTION_VOLATILE))
    return ERROR_INVALID_PARAMETER;
  api_path p;
  hr_status st = api_path_parse(lpSubKey, &p);
  if (st != ERROR_SUCCESS) return st;
  /* MSDN "Registry element size limits": up to 32 levels through a single call. */
  if (p.n > HR_MAX_LEVELS_PER_CALL) return ERROR_INVALID_PARAMETER;
  {
    size_t pos = 0;
    const uint16_t *name;
    uint32_t len;
    while (api_path_next(&p, &pos, &name, &len))
      if (!api_key_name_ok(name, len)) return ERROR_INVALID_PARAMETER;
  }
  size_t cls_units = 0;
  if (lpClass && !api_wcslen(lpClass, MAX_CLASS_UNITS, &cls_units)) return ERROR_INVALID_PARAMETER;
  uint32_t sd_len = 0, sd_stored = 0;
  if (pSecurityDescriptor) {
    st = validate_sd_arg(pSecurityDescriptor, &sd_len, &sd_stored);
    if (st != ERROR_SUCCESS) return st;
  }

  hr_ref r;
  st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  hr_hive *hive = r.hive;
  hr_tree *t = &hive->tree;
  hr_key *k = r.key;
  if (p.n == 0 && r.is_root) {
    /* §1.6: the handle to be returned would be the root. */
    handle_leave(&r);
    return ERROR_INVALID_PARAMETER;
  }
  /* Walk the existing prefix. */
  size_t pos = 0, last_pos = 0;
  const uint16_t *name;
  uint32_t len, idx = 0, have = 0;
  bool missing = false;
  for (;;) {
    last_pos = pos;
    if (!api_path_next(&p, &pos, &name, &len)) break;
    if (!api_find_child(t, k, name, len, &idx)) {
      missing = true;
      break;
    }
    k = k->subkeys[idx];
    have++;
  }
  uint32_t slot;
  DWORD disp;
  if (!missing) {
    if ((dwOptions & REG_OPTION_CREATE_LINK) && !(k->flags & KEY_SYM_LINK)) {
      /* §1.6: an existing key opened with CREATE_LINK "must have been created with
       * REG_OPTION_CREATE_LINK"; Win32 gives ERROR_ALREADY_EXISTS for link collisions (§2.11).
       * IMPLEMENTATION-DEFINED. */
      st = ERROR_ALREADY_EXISTS;
    } else {
      st = handle_open(hive, k, false, phkResult);
    }
    if (st == ERROR_SUCCESS) disp = REG_OPENED_EXISTING_KEY;
  } else {
    uint32_t to_create = p.n - have;
    if (api_depth(k) + to_create > HR_MAX_DEPTH) {
      st = ERROR_INVALID_PARAMETER; /* §2.1: a tree is at most 512 levels deep */
    } else if (k->is_volatile && !(dwOptions & REG_OPTION_VOLATILE)) {
      st = ERROR_CHILD_MUST_BE_VOLATILE; /* §2.2, Wine test_reg_create_key */
    } else {
      st = handle_reserve(hive, &slot);
    }
    if (st == ERROR_SUCCESS) {
      hr_sd *sd = k->sd;
      if (pSecurityDescriptor) {
        sd = tree_sd_intern_padded(t, pSecurityDescriptor, sd_len, sd_stored);
        if (!sd) st = ERROR_NOT_ENOUGH_MEMORY;
      }
      if (st == ERROR_SUCCESS) {
        /* Hold a reference across the build so a descriptor interned just now is freed by the
         * final unref if the chain fails (tree_sd_unref frees at zero). */
        sd->refs++;
        hr_key *leaf = NULL;
        st = create_chain(hive, k, idx, &p, last_pos, (const uint8_t *)lpClass,
                          (uint32_t)cls_units * 2u, dwOptions, sd, &leaf);
        tree_sd_unref(t, sd);
        if (st == ERROR_SUCCESS) {
          *phkResult = handle_bind(slot, leaf, false);
          disp = REG_CREATED_NEW_KEY;
        }
      }
      if (st != ERROR_SUCCESS) handle_unreserve(slot);
    }
  }
  if (st == ERROR_SUCCESS && pdwDisposition) *pdwDisposition = disp;
  handle_leave(&r);
  return st;
}

DWORD WINAPI OROpenKey(ORHKEY Handle, PCWSTR lpSubKeyName, PORHKEY phkResult) {
  if (!phkResult) return ERROR_INVALID_PARAMETER;
  *phkResult = NULL;
  api_path p;
  hr_status st = api_path_parse(lpSubKeyName, &p);
  hr_ref r;
  hr_status est = api_enter(Handle, &r);
  if (est != ERROR_SUCCESS) return est;
  if (st == ERROR_SUCCESS && p.n == 0) {
    /* §1.7: NULL or "" returns the same handle; for the root, ERROR_INVALID_PARAMETER.  The
     * same handle VALUE is returned (IMPLEMENTATION-DEFINED): it is not a second handle, so
     * closing it once closes the caller's handle. */
    if (r.is_root) st = ERROR_INVALID_PARAMETER;
    else *phkResult = Handle;
  } else if (st == ERROR_SUCCESS) {
    hr_key *k;
    st = api_walk(&r.hive->tree, r.key, &p, &k);
    if (st == ERROR_SUCCESS) st = handle_open(r.hive, k, false, phkResult);
  }
  handle_leave(&r);
  return st;
}

DWORD WINAPI ORCloseKey(ORHKEY Handle) {
  hr_ref r;
  /* A deleted key's handle may (only) be closed: handle_enter, not api_enter. */
  hr_status st = handle_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  if (r.is_root) {
    handle_leave(&r); /* §1.5: the root is closed by ORCloseHive */
    return ERROR_INVALID_PARAMETER;
  }
  hr_key *k = r.key;
  handle_close(r.slot);
  /* §1.8: a deleted key "is not removed until the last handle to it is closed". */
  if (k->deleted && k->handles == 0) hive_release_deleted(r.hive, k);
  handle_leave(&r);
  return ERROR_SUCCESS;
}

/* Index of child among its parent's subkeys (the sorted invariant makes it a binary search). */
static uint32_t child_index(const hr_key *child) {
  const hr_key *p = child->parent;
  uint32_t i;
  if (tree_find_subkey(p, child->name, child->name_len, &i) && p->subkeys[i] == child) return i;
  for (i = 0; i < p->n_subkeys && p->subkeys[i] != child; i++) {
  }
  return i;
}

DWORD WINAPI ORDeleteKey(ORHKEY Handle, PCWSTR lpSubKey) {
  api_path p;
  hr_status st = api_path_parse(lpSubKey, &p);
  hr_ref r;
  hr_status est = api_enter(Handle, &r);
  if (est != ERROR_SUCCESS) return est;
  hr_key *k = NULL;
  if (st == ERROR_SUCCESS) st = api_walk(&r.hive->tree, r.key, &p, &k);
  if (st == ERROR_SUCCESS && !k->parent) st = ERROR_INVALID_PARAMETER; /* §1.8: the root */
  if (st == ERROR_SUCCESS && k->n_subkeys) st = ERROR_KEY_HAS_CHILDREN;  /* §1.8 [3P-EMP] */
  if (st == ERROR_SUCCESS && k->handles) st = hive_reserve_deleted(r.hive);
  if (st == ERROR_SUCCESS) {
    hr_key *parent = k->parent;
    tree_remove_subkey(parent, child_index(k));
    parent->last_write = hive_now_filetime();
    if (k->handles) hive_add_deleted(r.hive, k);
    else tree_key_free(&r.hive->tree, k);
  }
  handle_leave(&r);
  return st;
}

DWORD WINAPI ORRenameKey(ORHKEY Handle, PCWSTR lpNewName) {
  size_t len = 0;
  if (!lpNewName || !api_wcslen(lpNewName, HR_MAX_KEY_NAME_CHARS + 1u, &len) ||
      !api_key_name_ok(lpNewName, (uint32_t)len))
    return ERROR_INVALID_PARAMETER;
  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  hr_key *k = r.key;
  hr_key *parent = k->parent;
  if (!parent) {
    st = ERROR_INVALID_PARAMETER; /* the root keeps its name (root-key rules, §1.0) */
  } else {
    uint32_t other;
    if (tree_find_subkey(parent, lpNewName, (uint32_t)len, &other) && parent->subkeys[other] != k)
      st = ERROR_ALREADY_EXISTS; /* RegRenameKey: "The new name must not already exist" */
  }
  if (st == ERROR_SUCCESS) {
    uint32_t idx = child_index(k);
    st = tree_key_set_name(&r.hive->tree, k, lpNewName, (uint32_t)len);
    if (st == ERROR_SUCCESS) {
      tree_resort_child(parent, idx);
      k->last_write = parent->last_write = hive_now_filetime();
    }
  }
  handle_leave(&r);
  return st;
}
