/*
 * restore_tree.c: whole-subtree operations over the public OR* API, for key replace and key
 * merge ([VSS]: "This key and all subordinate keys and data must be copied from the existing
 * registry ... into the newly restored registry").
 *
 * offreg has no copy-tree and no delete-tree call: ORDeleteKey refuses a key with subkeys
 * (offreg-api.md §1.8, ERROR_KEY_HAS_CHILDREN), so trees are walked here.  Walks are iterative
 * with an explicit stack (no recursion that a hive can drive); the depth is bounded by the
 * engine's 512-level limit (§2.1) and checked again here.
 *
 * What a copied key carries: its name, class name, security descriptor (owner, group, DACL and
 * SACL as ORGetKeySecurity returns them), virtualization flags, user flags, every value byte for
 * byte (type and size as stored, so REG_MULTI_SZ data with embedded empty strings such as
 * PendingFileRenameOperations survives intact, [MFX]) and all subkeys.  Not carried: the
 * last-write time (ORSaveHive stamps it; no OR* call sets it).  A key that holds exactly one
 * REG_LINK value named SymbolicLinkValue and no subkeys is recreated as a link
 * (REG_OPTION_CREATE_LINK): the public API does not expose the link flag itself.
 * Names with an embedded NUL cannot be passed to ORCreateKey/ORSetValue (NUL-terminated
 * strings); such keys/values are counted as unrepresentable and reported, never guessed.
 */
#include <string.h>

#include "restore_int.h"

#define HRR_SI_ALL (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | \
                    DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION)
#define HRR_NAME_CAP (HRR_LOAD_KEY_NAME + 1u)
#define HRR_CLASS_CAP 32768u     /* class names are at most 32,767 units (api_key.c) */
#define HRR_VNAME_CAP (HRR_MAX_VALUE_NAME + 1u)
#define HRR_PROGRESS_EVERY 1024u

static const WCHAR k_symlink[] = {'S', 'y', 'm', 'b', 'o', 'l', 'i', 'c', 'L',
                                  'i', 'n', 'k', 'V', 'a', 'l', 'u', 'e', 0};

DWORD hrr_open_path(ORHKEY root, const WCHAR *path, size_t n, ORHKEY *key, int *owned) {
  *key = NULL;
  *owned = 0;
  if (n == 0) {
    *key = root;
    return ERROR_SUCCESS;
  }
  /* OROpenKey wants a NUL-terminated string; the plan's paths are arena copies with a NUL at
   * path[n] (hrr_arena_wdup), which callers guarantee. */
  if (path[n] != 0) return ERROR_INVALID_PARAMETER;
  DWORD st = OROpenKey(root, path, key);
  if (st == ERROR_SUCCESS) *owned = 1;
  return st;
}

DWORD hrr_create_path(hrr_walk *w, ORHKEY root, const WCHAR *path, size_t n, ORHKEY *key,
                      int *owned) {
  *key = root;
  *owned = 0;
  if (n == 0) return ERROR_SUCCESS;
  if (!hrr_buf_reserve(&w->name, (HRR_MAX_KEY_NAME + 1) * sizeof(WCHAR)))
    return ERROR_NOT_ENOUGH_MEMORY;
  WCHAR *comp = (WCHAR *)w->name.p;
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && path[i] != '\\') continue;
    size_t len = i - start;
    if (len == 0 || len > HRR_MAX_KEY_NAME) {
      if (*owned) ORCloseKey(*key);
      *key = NULL;
      *owned = 0;
      return ERROR_INVALID_PARAMETER;
    }
    memcpy(comp, path + start, len * sizeof(WCHAR));
    comp[len] = 0;
    ORHKEY next = NULL;
    DWORD st = ORCreateKey(*key, comp, NULL, 0, NULL, &next, NULL);
    if (*owned) ORCloseKey(*key);
    if (st != ERROR_SUCCESS) {
      *key = NULL;
      *owned = 0;
      return st;
    }
    *key = next;
    *owned = 1;
    start = i + 1;
  }
  return ERROR_SUCCESS;
}

/* ---- delete ------------------------------------------------------------------------------ */

typedef struct del_frame {
  ORHKEY h;
  WCHAR name[HRR_NAME_CAP];
} del_frame;

DWORD hrr_delete_tree(hrr_walk *w, ORHKEY parent, const WCHAR *name) {
  size_t depth = 0;
  DWORD st = ERROR_SUCCESS;
  size_t nlen = hrr_wcslen(name, HRR_NAME_CAP);
  if (nlen == 0 || nlen > HRR_MAX_KEY_NAME) return ERROR_INVALID_PARAMETER;
  if (!hrr_buf_reserve(&w->stack, 4 * sizeof(del_frame))) return ERROR_NOT_ENOUGH_MEMORY;
  del_frame *f = (del_frame *)w->stack.p;
  st = OROpenKey(parent, name, &f[0].h);
  if (st != ERROR_SUCCESS) return st;
  memcpy(f[0].name, name, (nlen + 1) * sizeof(WCHAR));
  depth = 1;
  while (depth > 0) {
    f = (del_frame *)w->stack.p;
    WCHAR child[HRR_NAME_CAP];
    DWORD cn = HRR_NAME_CAP;
    st = OREnumKey(f[depth - 1].h, 0, child, &cn, NULL, NULL, NULL);
    if (st == ERROR_SUCCESS) {
      if (depth >= HRR_MAX_DEPTH + 1) {
        st = ERROR_INVALID_DATA; /* deeper than any valid hive (§2.1) */
        break;
      }
      if (!hrr_buf_reserve(&w->stack, (depth + 1) * sizeof(del_frame))) {
        st = ERROR_NOT_ENOUGH_MEMORY;
        break;
      }
      f = (del_frame *)w->stack.p;
      if (cn > HRR_MAX_KEY_NAME || hrr_wcslen(child, cn) != cn) {
        st = ERROR_INVALID_DATA; /* an embedded NUL: ORDeleteKey could not name it */
        break;
      }
      child[cn] = 0;
      st = OROpenKey(f[depth - 1].h, child, &f[depth].h);
      if (st != ERROR_SUCCESS) break;
      memcpy(f[depth].name, child, (cn + 1) * sizeof(WCHAR));
      depth++;
      continue;
    }
    if (st != ERROR_NO_MORE_ITEMS) break;
    /* A leaf: close it and delete it from its parent. */
    ORCloseKey(f[depth - 1].h);
    f[depth - 1].h = NULL;
    ORHKEY up = depth >= 2 ? f[depth - 2].h : parent;
    st = ORDeleteKey(up, f[depth - 1].name);
    depth--;
    if (st != ERROR_SUCCESS) break;
    w->keys_deleted++;
  }
  f = (del_frame *)w->stack.p;
  for (size_t i = 0; i < depth; i++)
    if (f[i].h) ORCloseKey(f[i].h);
  return st;
}

/* ---- copy -------------------------------------------------------------------------------- */

static DWORD walk_buffers(hrr_walk *w) {
  if (!hrr_buf_reserve(&w->name, HRR_NAME_CAP * sizeof(WCHAR)) ||
      !hrr_buf_reserve(&w->cls, HRR_CLASS_CAP * sizeof(WCHAR)) ||
      !hrr_buf_reserve(&w->vname, HRR_VNAME_CAP * sizeof(WCHAR)) ||
      !hrr_buf_reserve(&w->data, 4096) || !hrr_buf_reserve(&w->sd, 1024))
    return ERROR_NOT_ENOUGH_MEMORY;
  return ERROR_SUCCESS;
}

/* ORGetValue returns string data with missing terminators added (RegGetValue semantics,
 * BEHAVIOUR.md "ORGetValue terminators"), so the stored bytes are read through OREnumValue,
 * which returns them as stored: the value is found by name (ASCII case folded), then read.
 * A name that only the engine's full case folding matches (non-ASCII case difference) falls
 * back to ORGetValue. */
DWORD hrr_read_value_raw(ORHKEY key, const WCHAR *name, hrr_buf *vname, hrr_buf *data,
                         DWORD *type, DWORD *cb) {
  size_t nlen = hrr_wcslen(name, HRR_VNAME_CAP);
  DWORD nvals = 0, maxname = 0, maxdata = 0;
  DWORD st = ORQueryInfoKey(key, NULL, NULL, NULL, NULL, NULL, &nvals, &maxname, &maxdata, NULL,
                            NULL);
  if (st != ERROR_SUCCESS) return st;
  if (!hrr_buf_reserve(vname, ((size_t)maxname + 1) * sizeof(WCHAR)) ||
      !hrr_buf_reserve(data, maxdata ? maxdata : 1))
    return ERROR_NOT_ENOUGH_MEMORY;
  for (DWORD i = 0; i < nvals; i++) {
    WCHAR *vn = (WCHAR *)vname->p;
    DWORD cn = maxname + 1;
    st = OREnumValue(key, i, vn, &cn, NULL, NULL, NULL);
    if (st == ERROR_NO_MORE_ITEMS) break;
    if (st != ERROR_SUCCESS) return st;
    if (!hrr_eq_fold(vn, cn, name, nlen)) continue;
    cn = maxname + 1;
    *cb = (DWORD)(data->cap > 0xFFFFFFFFu ? 0xFFFFFFFFu : data->cap);
    return OREnumValue(key, i, vn, &cn, type, data->p, cb);
  }
  /* Not found by ASCII folding: ask the engine (full Windows case folding). */
  for (int round = 0; round < 3; round++) {
    *cb = (DWORD)(data->cap > 0xFFFFFFFFu ? 0xFFFFFFFFu : data->cap);
    st = ORGetValue(key, NULL, name, type, data->p, cb);
    if (st != ERROR_MORE_DATA) break;
    if (!hrr_buf_reserve(data, *cb)) return ERROR_NOT_ENOUGH_MEMORY;
  }
  return st;
}

DWORD hrr_copy_value(hrr_walk *w, ORHKEY src, ORHKEY dst, const WCHAR *name) {
  DWORD st = walk_buffers(w);
  if (st != ERROR_SUCCESS) return st;
  DWORD type = 0, cb = 0;
  st = hrr_read_value_raw(src, name, &w->vname, &w->data, &type, &cb);
  if (st != ERROR_SUCCESS) return st;
  st = ORSetValue(dst, name, type, cb ? w->data.p : NULL, cb);
  if (st == ERROR_SUCCESS) w->values_copied++;
  return st;
}

/* Values, virtualization flags and user flags of src onto dst. */
static DWORD copy_contents(hrr_walk *w, ORHKEY src, ORHKEY dst) {
  DWORD nvals = 0, maxname = 0, maxdata = 0;
  DWORD st = ORQueryInfoKey(src, NULL, NULL, NULL, NULL, NULL, &nvals, &maxname, &maxdata, NULL,
                            NULL);
  if (st != ERROR_SUCCESS) return st;
  if (!hrr_buf_reserve(&w->data, maxdata ? maxdata : 1) ||
      !hrr_buf_reserve(&w->vname, ((size_t)maxname + 1) * sizeof(WCHAR)))
    return ERROR_NOT_ENOUGH_MEMORY;
  DWORD vcap = (DWORD)(w->vname.cap / sizeof(WCHAR));
  for (DWORD i = 0; i < nvals; i++) {
    DWORD cn = 0, type = 0, cb = 0;
    int tries = 0;
    for (;;) {
      cn = vcap;
      cb = (DWORD)(w->data.cap > 0xFFFFFFFFu ? 0xFFFFFFFFu : w->data.cap);
      st = OREnumValue(src, i, (WCHAR *)w->vname.p, &cn, &type, w->data.p, &cb);
      if (st != ERROR_MORE_DATA || ++tries > 2) break;
      size_t want = cb > w->data.cap ? cb : w->data.cap * 2;
      if (!hrr_buf_reserve(&w->data, want)) return ERROR_NOT_ENOUGH_MEMORY;
    }
    if (st == ERROR_NO_MORE_ITEMS) break;
    if (st != ERROR_SUCCESS) return st;
    WCHAR *vn = (WCHAR *)w->vname.p;
    /* ORSetValue takes at most 16,383 units and stops at a NUL; the loader may accept more. */
    if (cn >= vcap || cn > HRR_MAX_VALUE_NAME || hrr_wcslen(vn, cn) != cn) {
      w->unrepresentable++;
      continue;
    }
    vn[cn] = 0;
    st = ORSetValue(dst, vn, type, cb ? w->data.p : NULL, cb);
    if (st != ERROR_SUCCESS) return st;
    w->values_copied++;
  }
  DWORD flags = 0;
  if (ORGetVirtualFlags(src, &flags) == ERROR_SUCCESS && flags) {
    /* ORSetVirtualFlags takes only the documented bits (BEHAVIOUR.md Q19); a loaded hive may
     * carry the other bit of the 4-bit field, which no OR* call can set: counted, not guessed. */
    const DWORD settable = REG_KEY_DONT_VIRTUALIZE | REG_KEY_DONT_SILENT_FAIL | REG_KEY_RECURSE_FLAG;
    if (flags & ~settable) w->unrepresentable++;
    if (flags & settable) {
      st = ORSetVirtualFlags(dst, flags & settable);
      if (st != ERROR_SUCCESS) return st;
    }
  }
  flags = 0;
  if (HRGetKeyUserFlags(src, &flags) == ERROR_SUCCESS && flags) {
    st = HRSetKeyUserFlags(dst, flags);
    if (st != ERROR_SUCCESS) return st;
  }
  return ERROR_SUCCESS;
}

/* Creates the subkey `name` (class cls/ccn) of dst_parent as a copy of src's own attributes. */
static DWORD create_like(hrr_walk *w, ORHKEY src, ORHKEY dst_parent, const WCHAR *name,
                         const WCHAR *cls, ORHKEY *out) {
  DWORD cb = (DWORD)w->sd.cap;
  DWORD st = ORGetKeySecurity(src, HRR_SI_ALL, w->sd.p, &cb);
  if (st == ERROR_INSUFFICIENT_BUFFER) {
    if (!hrr_buf_reserve(&w->sd, cb)) return ERROR_NOT_ENOUGH_MEMORY;
    cb = (DWORD)w->sd.cap;
    st = ORGetKeySecurity(src, HRR_SI_ALL, w->sd.p, &cb);
  }
  if (st != ERROR_SUCCESS) return st;
  DWORD nsub = 0, nval = 0, options = 0;
  st = ORQueryInfoKey(src, NULL, NULL, &nsub, NULL, NULL, &nval, NULL, NULL, NULL, NULL);
  if (st != ERROR_SUCCESS) return st;
  if (nsub == 0 && nval == 1) {
    DWORD type = 0, vcb = 0;
    if (ORGetValue(src, NULL, k_symlink, &type, NULL, &vcb) == ERROR_SUCCESS && type == REG_LINK)
      options = REG_OPTION_CREATE_LINK;
  }
  DWORD disp = 0;
  const WCHAR *c = (cls && cls[0]) ? cls : NULL;
  /* Every descriptor the loader accepts is one ORCreateKey takes (ref/tests/test_restore_sd.c):
   * a refusal here is an error of the apply, like any other OR* failure. */
  return ORCreateKey(dst_parent, name, c, options, w->sd.p, out, &disp);
}

typedef struct copy_frame {
  ORHKEY src, dst;
  DWORD next;
} copy_frame;

static void tick(hrr_walk *w) {
  w->keys_copied++;
  if (w->progress && w->keys_copied % HRR_PROGRESS_EVERY == 0)
    w->progress(w->ctx, w->done, w->total, w->keys_copied);
}

DWORD hrr_copy_tree(hrr_walk *w, ORHKEY src, ORHKEY dst_parent, const WCHAR *name) {
  DWORD st = walk_buffers(w);
  if (st != ERROR_SUCCESS) return st;
  if (!hrr_buf_reserve(&w->stack, 8 * sizeof(copy_frame))) return ERROR_NOT_ENOUGH_MEMORY;
  /* The top key: its class comes from ORQueryInfoKey. */
  WCHAR *cls = (WCHAR *)w->cls.p;
  DWORD ccn = HRR_CLASS_CAP;
  st = ORQueryInfoKey(src, cls, &ccn, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  if (st != ERROR_SUCCESS) return st;
  cls[ccn < HRR_CLASS_CAP ? ccn : HRR_CLASS_CAP - 1] = 0;
  ORHKEY top = NULL;
  st = create_like(w, src, dst_parent, name, cls, &top);
  if (st != ERROR_SUCCESS) return st;
  tick(w);
  st = copy_contents(w, src, top);
  if (st != ERROR_SUCCESS) {
    ORCloseKey(top);
    return st;
  }
  copy_frame *f = (copy_frame *)w->stack.p;
  f[0].src = src; /* the caller's handle: not closed here */
  f[0].dst = top;
  f[0].next = 0;
  size_t depth = 1;
  while (depth > 0) {
    f = (copy_frame *)w->stack.p;
    copy_frame *cur = &f[depth - 1];
    WCHAR *nm = (WCHAR *)w->name.p;
    DWORD cn = HRR_NAME_CAP;
    ccn = HRR_CLASS_CAP;
    st = OREnumKey(cur->src, cur->next, nm, &cn, cls, &ccn, NULL);
    if (st == ERROR_NO_MORE_ITEMS) {
      if (depth > 1) ORCloseKey(cur->src);
      ORCloseKey(cur->dst);
      depth--;
      st = ERROR_SUCCESS;
      continue;
    }
    if (st != ERROR_SUCCESS) break;
    cur->next++;
    if (cn > HRR_MAX_KEY_NAME || hrr_wcslen(nm, cn) != cn) {
      w->unrepresentable++;
      continue;
    }
    nm[cn] = 0;
    cls[ccn < HRR_CLASS_CAP ? ccn : HRR_CLASS_CAP - 1] = 0;
    if (depth >= HRR_MAX_DEPTH + 1) {
      st = ERROR_INVALID_DATA;
      break;
    }
    if (!hrr_buf_reserve(&w->stack, (depth + 1) * sizeof(copy_frame))) {
      st = ERROR_NOT_ENOUGH_MEMORY;
      break;
    }
    f = (copy_frame *)w->stack.p;
    cur = &f[depth - 1];
    ORHKEY s = NULL, d = NULL;
    st = OROpenKey(cur->src, nm, &s);
    if (st != ERROR_SUCCESS) break;
    st = create_like(w, s, cur->dst, nm, cls, &d);
    if (st == ERROR_SUCCESS) {
      tick(w);
      st = copy_contents(w, s, d);
    }
    if (st != ERROR_SUCCESS) {
      ORCloseKey(s);
      if (d) ORCloseKey(d);
      break;
    }
    f[depth].src = s;
    f[depth].dst = d;
    f[depth].next = 0;
    depth++;
  }
  f = (copy_frame *)w->stack.p;
  for (size_t i = 0; i < depth; i++) {
    if (i > 0) ORCloseKey(f[i].src);
    ORCloseKey(f[i].dst);
  }
  return st;
}
