/*
 * wow64_hive.c: views on an offline hive through the public OR* API: open or create a key
 * through a view, write values with the string rewrite, close with (pre-Windows 7) reflection,
 * and RegDisableReflectionKey / RegEnableReflectionKey / RegQueryReflectionKey.
 *
 * Reflection, [REF] (Windows Server 2008, Vista, 2003, XP; HRW64_OS_VISTA only):
 *  - "A reflected key is copied when a key is closed by calling RegCloseKey. ... the last
 *    RegCloseKey call determines the key's final value": on HRW64CloseKey of a key created or
 *    written through its handle, the key and its values are copied to the other view's physical
 *    copy; the destination's values become the source's (last writer wins).  Only the closed key
 *    is copied: each subkey is reflected when its own handle closes.
 *  - "Reflection is not enabled for shared registry keys or for registry keys that are not
 *    redirected": only rows classified "Redirected and reflected" in column B.
 *  - "For HKEY_LOCAL_MACHINE\Software\Classes\CLSID and HKEY_CURRENT_USER\Software\Classes\CLSID,
 *    only CLSIDs that do not specify InprocServer32 or InprocHandler32 are reflected", and "the
 *    InprocServer32 key is not reflected ... the LocalServer32 key gets reflected" ([EXA]: on
 *    these systems LocalServer32 has the same value in both views once its handle is closed).
 *  - "For ...\Classes\Appid ..., the DllSurrogate and DllSurrogateExecutable registry values
 *    are not reflected if their value is an empty string."
 *  - A key whose copy in either view carries the "reflection disabled" user flag is not
 *    reflected ([DIS]: "Disabling reflection for a key does not affect reflection of any
 *    subkeys"; the flag lives in the nk user flags, spec §3.5).
 * Flags written: a key created through a 32-bit view gets 0x1 (pre-Windows 7 only: "not used
 * for user-mode-created keys since Win7"); a key created by reflection gets 0x2.
 */
#include "wow64_int.h"

#include <string.h>

static const WCHAR s_default_windir[] = u"C:\\Windows";

DWORD HRW64MountInit(HRW64Mount *m, ORHKEY root, const WCHAR *mount, HRW64Os os) {
  w64_path p;
  DWORD rc;
  if (!m || !root || !mount || (os != HRW64_OS_WIN7 && os != HRW64_OS_VISTA))
    return ERROR_INVALID_PARAMETER;
  if ((rc = w64_parse(mount, 0, &p))) return rc;
  memset(m, 0, sizeof *m);
  m->root = root;
  m->os = os;
  if ((rc = w64_format(&p, m->mount, HRW64_PATH_MAX))) return rc;
  memcpy(m->windir, s_default_windir, sizeof s_default_windir);
  return ERROR_SUCCESS;
}

static bool is_root_name(const WCHAR *s, size_t l) {
  static const char *const roots[] = {"HKLM", "HKEY_LOCAL_MACHINE", "HKCU", "HKEY_CURRENT_USER",
                                      "HKCR", "HKEY_CLASSES_ROOT", "HKU", "HKEY_USERS"};
  for (size_t i = 0; i < sizeof roots / sizeof roots[0]; i++)
    if (w64_name_eq(s, l, roots[i])) return true;
  return false;
}

/* Absolute logical path of `path` (absolute, or relative to the mount; NULL/"" = the mount). */
static DWORD absolute_path(const HRW64Mount *m, const WCHAR *path, WCHAR *out, size_t cap) {
  size_t ml = w64_wcslen(m->mount, HRW64_PATH_MAX);
  size_t pl = path ? w64_wcslen(path, HRW64_PATH_MAX) : 0;
  if (pl >= HRW64_PATH_MAX) return ERROR_FILENAME_EXCED_RANGE;
  size_t first = 0;
  while (first < pl && path[first] != '\\') first++;
  if (pl && is_root_name(path, first)) {
    if (pl + 1 > cap) return ERROR_FILENAME_EXCED_RANGE;
    memcpy(out, path, (pl + 1) * sizeof(WCHAR));
    return ERROR_SUCCESS;
  }
  if (ml + 1 + pl + 1 > cap) return ERROR_FILENAME_EXCED_RANGE;
  memcpy(out, m->mount, ml * sizeof(WCHAR));
  if (pl) {
    out[ml] = '\\';
    memcpy(out + ml + 1, path, pl * sizeof(WCHAR));
    out[ml + 1 + pl] = 0;
  } else {
    out[ml] = 0;
  }
  return ERROR_SUCCESS;
}

/* Opens or creates the hive key at a physical path.  *h == m->root for the mount itself. */
static DWORD open_physical(const HRW64Mount *m, const WCHAR *physical, int create, ORHKEY *h,
                           DWORD *disp) {
  WCHAR rel[HRW64_PATH_MAX];
  DWORD rc = HRW64HiveRelative(m->mount, physical, rel, HRW64_PATH_MAX);
  if (rc) return rc;
  if (disp) *disp = REG_OPENED_EXISTING_KEY;
  if (!rel[0]) {
    *h = m->root;
    return ERROR_SUCCESS;
  }
  if (create) return ORCreateKey(m->root, rel, NULL, REG_OPTION_NON_VOLATILE, NULL, h, disp);
  return OROpenKey(m->root, rel, h);
}

static void close_physical(const HRW64Mount *m, ORHKEY h) {
  if (h && h != m->root) ORCloseKey(h);
}

DWORD HRW64OpenKey(const HRW64Mount *m, const HRW64Ctx *ctx, const WCHAR *path, int create,
                   HRW64Key *key, PDWORD disposition) {
  DWORD rc, disp = REG_OPENED_EXISTING_KEY;
  if (!m || !ctx || !key) return ERROR_INVALID_PARAMETER;
  memset(key, 0, sizeof *key);
  key->m = m;
  key->ctx = *ctx;
  key->ctx.os = m->os;
  /* HKCR resolves into the user's Classes when the hive is a user hive. */
  key->ctx.hkcr_user = m->mount[2] == 'C';
  WCHAR abs[HRW64_PATH_MAX];
  if ((rc = absolute_path(m, path, abs, HRW64_PATH_MAX))) return rc;
  if ((rc = HRW64MapPath(&key->ctx, abs, key->physical, HRW64_PATH_MAX, &key->d))) return rc;
  HRW64Decision u;
  if ((rc = HRW64UnmapPath(m->os, key->physical, key->logical, HRW64_PATH_MAX, &u))) return rc;
  ORHKEY h = NULL;
  if ((rc = open_physical(m, key->physical, create, &h, &disp))) return rc;
  key->h = h;
  if (disp == REG_CREATED_NEW_KEY) {
    key->written = 1;
    if (m->os == HRW64_OS_VISTA && key->d.placed != HRW64_VIEW_64) {
      DWORD f = 0;
      if ((rc = HRGetKeyUserFlags(h, &f)) || (rc = HRSetKeyUserFlags(h, f | HRW64_UF_CREATED_32BIT))) {
        close_physical(m, h);
        key->h = NULL;
        return rc;
      }
    }
  }
  if (disposition) *disposition = disp;
  return ERROR_SUCCESS;
}

DWORD HRW64SetValue(HRW64Key *key, const WCHAR *name, DWORD type, BYTE *data, DWORD cb,
                    DWORD cap, DWORD *stored_cb, unsigned *applied) {
  HRW64WriteCtx w;
  unsigned done = 0;
  DWORD rc;
  if (!key || !key->h || (cb && !data)) return ERROR_INVALID_PARAMETER;
  w.os = key->m->os;
  w.process = key->ctx.process;
  w.sam = key->ctx.sam;
  w.key_reflected_pre_win7 = key->d.row && key->d.row->cls[HRW64_OS_VISTA] == HRW64_REFLECTED;
  w.windir = key->m->windir;
  if (cap < cb) cap = cb;
  if ((rc = HRW64Rewrite(&w, type, data, &cb, cap, &done, NULL))) return rc;
  if ((rc = ORSetValue(key->h, name, type, data, cb))) return rc;
  key->written = 1;
  if (stored_cb) *stored_cb = cb;
  if (applied) *applied = done;
  return ERROR_SUCCESS;
}

DWORD HRW64DeleteValue(HRW64Key *key, const WCHAR *name) {
  DWORD rc;
  if (!key || !key->h) return ERROR_INVALID_PARAMETER;
  if ((rc = ORDeleteValue(key->h, name))) return rc;
  key->written = 1;
  return ERROR_SUCCESS;
}

/* ---- reflection ------------------------------------------------------------------------- */

static bool flag_disabled(ORHKEY h) {
  DWORD f = 0;
  return HRGetKeyUserFlags(h, &f) == ERROR_SUCCESS && (f & HRW64_UF_REFLECTION_DISABLED);
}

/* [REF] CLSID rule.  Returns true when the key at logical path lp may be reflected; src_view is
 * the view of the closed key (its CLSID key is looked up in the same view). */
static DWORD clsid_allows(const HRW64Key *key, const w64_path *lp, bool *allow) {
  const HRW64Row *row = key->d.row;
  size_t rd = w64_row_depth(row, false);
  *allow = true;
  if (lp->n <= rd) return ERROR_SUCCESS; /* the CLSID key itself */
  if (lp->n > rd + 1) {
    const WCHAR *sub = lp->c[rd + 1];
    size_t sl = lp->len[rd + 1];
    if (w64_name_eq(sub, sl, "InprocServer32") || w64_name_eq(sub, sl, "InprocHandler32")) {
      *allow = false; /* in-process data is never reflected */
      return ERROR_SUCCESS;
    }
    if (w64_name_eq(sub, sl, "LocalServer32")) return ERROR_SUCCESS; /* "gets reflected" */
  }
  /* Does this view's CLSID\{X} specify InprocServer32 or InprocHandler32? */
  w64_path cp = *lp;
  cp.n = rd + 1;
  WCHAR logical[HRW64_PATH_MAX], phys[HRW64_PATH_MAX];
  DWORD rc = w64_format(&cp, logical, HRW64_PATH_MAX);
  if (rc) return rc;
  HRW64Ctx c = key->ctx;
  c.process = key->d.placed;
  c.sam = 0;
  if ((rc = HRW64MapPath(&c, logical, phys, HRW64_PATH_MAX, NULL))) return rc;
  ORHKEY hc = NULL;
  rc = open_physical(key->m, phys, 0, &hc, NULL);
  if (rc == ERROR_FILE_NOT_FOUND) return ERROR_SUCCESS;
  if (rc) return rc;
  static const WCHAR inproc_s[] = u"InprocServer32", inproc_h[] = u"InprocHandler32";
  for (int i = 0; i < 2 && *allow; i++) {
    ORHKEY hs = NULL;
    DWORD r2 = OROpenKey(hc, i ? inproc_h : inproc_s, &hs);
    if (r2 == ERROR_SUCCESS) {
      ORCloseKey(hs);
      *allow = false;
    } else if (r2 != ERROR_FILE_NOT_FOUND) {
      rc = r2;
      break;
    }
  }
  close_physical(key->m, hc);
  return rc;
}

/* [REF] AppID rule: an empty-string DllSurrogate / DllSurrogateExecutable is not reflected. */
static bool appid_skips(const WCHAR *name, size_t nl, DWORD type, const BYTE *d, DWORD cb) {
  if (!w64_name_eq(name, nl, "DllSurrogate") && !w64_name_eq(name, nl, "DllSurrogateExecutable"))
    return false;
  if (type != REG_SZ && type != REG_EXPAND_SZ) return false;
  return cb < 2 || (d[0] == 0 && d[1] == 0);
}

#define W64_NAME_UNITS 16384 /* value names are at most 16,383 characters (spec §2.1) */

/* Copies the values of src onto dst: set every source value (but filtered ones), then delete
 * destination values the source does not have. */
static DWORD sync_values(ORHKEY src, ORHKEY dst, bool appid_filter) {
  WCHAR name[W64_NAME_UNITS];
  DWORD rc, nvals = 0;
  if ((rc = ORQueryInfoKey(src, NULL, NULL, NULL, NULL, NULL, &nvals, NULL, NULL, NULL, NULL)))
    return rc;
  for (DWORD i = 0; i < nvals; i++) {
    DWORD nl = W64_NAME_UNITS, type = 0, cb = 0;
    if ((rc = OREnumValue(src, i, name, &nl, NULL, NULL, NULL))) return rc;
    if ((rc = ORGetValue(src, NULL, name, &type, NULL, &cb))) return rc;
    BYTE *buf = NULL;
    if (cb) {
      buf = HRHiveAlloc(src, cb);
      if (!buf) return ERROR_NOT_ENOUGH_MEMORY;
      DWORD got = cb;
      rc = ORGetValue(src, NULL, name, &type, buf, &got);
      if (rc) {
        HRHiveFree(src, buf, cb);
        return rc;
      }
    }
    if (!(appid_filter && appid_skips(name, nl, type, buf, cb))) rc = ORSetValue(dst, name, type, buf, cb);
    HRHiveFree(src, buf, cb);
    if (rc) return rc;
  }
  DWORD ndst = 0;
  if ((rc = ORQueryInfoKey(dst, NULL, NULL, NULL, NULL, NULL, &ndst, NULL, NULL, NULL, NULL)))
    return rc;
  DWORD i = 0;
  for (DWORD step = 0; step < ndst && i < ndst; step++) {
    DWORD nl = W64_NAME_UNITS;
    rc = OREnumValue(dst, i, name, &nl, NULL, NULL, NULL);
    if (rc == ERROR_NO_MORE_ITEMS) break;
    if (rc) return rc;
    DWORD cb = 0;
    rc = ORGetValue(src, NULL, name, NULL, NULL, &cb);
    if (rc == ERROR_FILE_NOT_FOUND) {
      if ((rc = ORDeleteValue(dst, name))) return rc;
      continue; /* the next value moved into slot i */
    }
    if (rc) return rc;
    i++;
  }
  return ERROR_SUCCESS;
}

static DWORD reflect(HRW64Key *key) {
  const HRW64Mount *m = key->m;
  w64_path lp;
  DWORD rc;
  if ((rc = w64_parse(key->logical, 0, &lp))) return rc;
  if (key->d.row->exceptions & HRW64_EXC_CLSID_INPROC) {
    bool allow;
    if ((rc = clsid_allows(key, &lp, &allow))) return rc;
    if (!allow) return ERROR_SUCCESS;
  }
  if (flag_disabled(key->h)) return ERROR_SUCCESS;
  /* The other view's physical copy. */
  HRW64Ctx c = key->ctx;
  c.process = key->d.placed == HRW64_VIEW_64 ? HRW64_VIEW_X86 : HRW64_VIEW_64;
  c.sam = 0;
  WCHAR other[HRW64_PATH_MAX];
  if ((rc = HRW64MapPath(&c, key->logical, other, HRW64_PATH_MAX, NULL))) return rc;
  ORHKEY dst = NULL;
  rc = open_physical(m, other, 0, &dst, NULL);
  if (rc == ERROR_SUCCESS && flag_disabled(dst)) {
    close_physical(m, dst);
    return ERROR_SUCCESS;
  }
  if (rc == ERROR_FILE_NOT_FOUND) {
    DWORD disp = 0, f = 0;
    if ((rc = open_physical(m, other, 1, &dst, &disp))) return rc;
    if (disp == REG_CREATED_NEW_KEY &&
        ((rc = HRGetKeyUserFlags(dst, &f)) ||
         (rc = HRSetKeyUserFlags(dst, f | HRW64_UF_CREATED_REFLECTION)))) {
      close_physical(m, dst);
      return rc;
    }
  }
  if (rc) return rc;
  rc = sync_values(key->h, dst, (key->d.row->exceptions & HRW64_EXC_APPID_SURROGATE) != 0);
  close_physical(m, dst);
  return rc;
}

DWORD HRW64CloseKey(HRW64Key *key) {
  DWORD rc = ERROR_SUCCESS;
  if (!key || !key->h) return ERROR_INVALID_PARAMETER;
  if (key->m->os == HRW64_OS_VISTA && key->written && key->d.row &&
      key->d.cls == HRW64_REFLECTED && key->d.placed != HRW64_VIEW_ARM32)
    rc = reflect(key);
  close_physical(key->m, key->h);
  key->h = NULL;
  return rc;
}

/* [DIS] "If the key is not on the reflection list, the function succeeds but has no effect." */
static bool on_reflection_list(const HRW64Key *key) {
  return key->m->os == HRW64_OS_VISTA && key->d.row && key->d.cls == HRW64_REFLECTED;
}

static DWORD set_disabled(HRW64Key *key, bool disabled) {
  DWORD f = 0, rc;
  if (!key || !key->h) return ERROR_INVALID_PARAMETER;
  if (!on_reflection_list(key)) return ERROR_SUCCESS;
  if ((rc = HRGetKeyUserFlags(key->h, &f))) return rc;
  f = disabled ? (f | HRW64_UF_REFLECTION_DISABLED) : (f & ~HRW64_UF_REFLECTION_DISABLED);
  return HRSetKeyUserFlags(key->h, f);
}

DWORD HRW64DisableReflection(HRW64Key *key) { return set_disabled(key, true); }
DWORD HRW64EnableReflection(HRW64Key *key) { return set_disabled(key, false); }

/* "writes TRUE or FALSE into *bIsReflectionDisabled": the stored flag of this copy. */
DWORD HRW64QueryReflection(HRW64Key *key, BOOL *disabled) {
  DWORD f = 0, rc;
  if (!key || !key->h || !disabled) return ERROR_INVALID_PARAMETER;
  if ((rc = HRGetKeyUserFlags(key->h, &f))) return rc;
  *disabled = (f & HRW64_UF_REFLECTION_DISABLED) ? 1 : 0;
  return ERROR_SUCCESS;
}
