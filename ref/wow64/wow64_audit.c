/*
 * wow64_audit.c: lists the keys of an offline hive whose physical placement contradicts the
 * "Registry Keys Affected by WOW64" table ([TAB]) for one OS generation.
 *
 * Each key's physical path is mapped back to its logical key and view (HRW64UnmapPath); then:
 *  W64-A1  a copy under Wow6432Node/WowAA32Node of a key the table classifies as shared: no
 *          view reaches it through the redirector ("one physical copy of the key is mapped into
 *          each logical view", [RED]).  Reported once per subtree.
 *  W64-A2  a key in the 64-bit copy of a redirected key that carries user flag 0x1, "a 32-bit
 *          key created through Wow64" (spec §3.5): a 32-bit key written in the 64-bit view.
 *  W64-A3  Wow6432Node / WowAA32Node used as an ordinary key name (not at a redirection point,
 *          nor HKCU\SOFTWARE\Wow6432Node which Windows writes itself): "it is essential not to
 *          name any registry key you create Wow6432Node" (spec §3.1).
 *  W64-A4  an InprocServer32 in the 64-bit copy of a redirected CLSID whose default value points
 *          at 32-bit code (Program Files (x86), SysWOW64): "it is not possible to load a 32-bit
 *          DLL for execution in a 64-bit process" ([REF]).
 * Compatibility symbolic links (keys holding a REG_LINK SymbolicLinkValue) are not descended.
 * Keys of the registry virtual store (<SID>_Classes\VirtualStore\MACHINE\SOFTWARE) are judged
 * as the HKLM\SOFTWARE keys they mirror.
 * The walk is iterative with an explicit stack bounded by the registry depth.
 */
#include "wow64_int.h"

#include <string.h>

#define AUDIT_MAX_DEPTH 512

typedef struct frame {
  ORHKEY h;
  DWORD next;                  /* next subkey index */
  size_t path_len;             /* units of the path buffer up to this key */
  bool shared_reported;        /* W64-A1 already reported at or above this key */
} frame;

typedef struct audit {
  const HRW64Mount *m;
  HRW64FindingCallback cb;
  void *cbctx;
  uint64_t keys, findings;
  WCHAR path[HRW64_PATH_MAX];
  WCHAR logical[HRW64_PATH_MAX];
} audit;

static void report(audit *a, const char *code, const HRW64Decision *d, const char *msg) {
  HRW64Finding f;
  f.code = code;
  f.physical = a->path;
  f.logical = a->logical;
  f.placed = d->placed;
  f.row = d->row;
  f.message = msg;
  a->findings++;
  if (a->cb) a->cb(a->cbctx, &f);
}

static bool is_symlink(ORHKEY h) {
  static const WCHAR name[] = u"SymbolicLinkValue";
  DWORD type = 0, cb = 0;
  return ORGetValue(h, NULL, name, &type, NULL, &cb) == ERROR_SUCCESS && type == REG_LINK;
}

/* Case-insensitive search of an ASCII needle in UTF-16LE bytes (units before the first NUL). */
static bool contains_ci(const BYTE *d, DWORD cb, const char *needle, bool at_start) {
  size_t n = cb / 2, nl = strlen(needle), units = 0;
  while (units < n && (d[2 * units] | d[2 * units + 1]) != 0) units++;
  for (size_t s = 0; s + nl <= units; s++) {
    size_t i = 0;
    for (; i < nl; i++) {
      WCHAR c = (WCHAR)(d[2 * (s + i)] | (d[2 * (s + i) + 1] << 8));
      char e = needle[i];
      if (c >= 'a' && c <= 'z') c = (WCHAR)(c - 32);
      if (e >= 'a' && e <= 'z') e = (char)(e - 32);
      if (c != (WCHAR)(unsigned char)e) break;
    }
    if (i == nl) return true;
    if (at_start) break;
  }
  return false;
}

/* W64-A4: the default value of a 64-bit InprocServer32 names 32-bit code. */
static void check_inproc(audit *a, ORHKEY h, const w64_path *lp, const HRW64Decision *d) {
  size_t rd = w64_row_depth(d->row, false);
  if (!(d->row->exceptions & HRW64_EXC_CLSID_INPROC) || lp->n != rd + 2 ||
      !w64_name_eq(lp->c[rd + 1], lp->len[rd + 1], "InprocServer32"))
    return;
  BYTE buf[1024];
  DWORD type = 0, cb = sizeof buf;
  static const WCHAR empty[] = u"";
  if (ORGetValue(h, NULL, empty, &type, buf, &cb) != ERROR_SUCCESS) return;
  if (type != REG_SZ && type != REG_EXPAND_SZ) return;
  if (contains_ci(buf, cb, "%ProgramFiles(x86)%", true) ||
      contains_ci(buf, cb, "%commonprogramfiles(x86)%", true) ||
      contains_ci(buf, cb, "Program Files (x86)\\", false) || contains_ci(buf, cb, "\\SysWOW64\\", false))
    report(a, "W64-A4", d, "32-bit in-process server registered in the 64-bit view");
}

/* The registry virtual store mirrors HKLM\SOFTWARE: "HKEY_USERS\<User SID>_Classes\VirtualStore\
 * Machine\Software" (spec §2.10, Registry Virtualization).  A key there is judged as the HKLM
 * key it stands for, so its Wow6432Node is a redirection node, not a misuse of the name. */
static bool virtual_store(w64_path *p) {
  if (p->root != W64_HKCU || p->n < 5 || !w64_name_eq(p->c[0], p->len[0], "SOFTWARE") ||
      !w64_name_eq(p->c[1], p->len[1], "Classes") || !w64_name_eq(p->c[2], p->len[2], "VirtualStore") ||
      !w64_name_eq(p->c[3], p->len[3], "MACHINE"))
    return false;
  for (int i = 0; i < 4; i++) w64_remove(p, 0);
  p->root = W64_HKLM;
  return true;
}

/* Examines the key whose physical path is a->path. */
static DWORD visit(audit *a, ORHKEY h, bool parent_reported, bool *reported) {
  HRW64Decision d;
  w64_path pp, lp;
  DWORD rc;
  *reported = parent_reported;
  a->keys++;
  if ((rc = w64_parse(a->path, 0, &pp))) return rc;
  if (virtual_store(&pp)) {
    WCHAR hklm[HRW64_PATH_MAX];
    if ((rc = w64_format(&pp, hklm, HRW64_PATH_MAX))) return rc;
    if ((rc = HRW64UnmapPath(a->m->os, hklm, a->logical, HRW64_PATH_MAX, &d))) return rc;
  } else if ((rc = HRW64UnmapPath(a->m->os, a->path, a->logical, HRW64_PATH_MAX, &d))) {
    return rc;
  }
  w64_follow_links(&pp, a->m->os);
  if ((rc = w64_parse(a->logical, 0, &lp))) return rc;

  /* Is this key itself a redirection node (a view's container), or a node-named ordinary key? */
  bool container = false, misused = false;
  if (pp.n > 0 && w64_node_kind(pp.c[pp.n - 1], pp.len[pp.n - 1]) != HRW64_VIEW_64) {
    w64_path parent = pp;
    parent.n--;
    /* HKCU\SOFTWARE\Wow6432Node: not a redirection point (row 60 is shared) but a key Windows
     * itself writes (Active Setup's per-user 32-bit data in the real NTUSER hive
     * regipy ntuser_software_partial), so it is not reported as a misuse of the name. */
    bool hkcu_software = pp.root == W64_HKCU && parent.n == 1 &&
                         w64_name_eq(parent.c[0], parent.len[0], "SOFTWARE");
    if (w64_redir_point(&parent) == (int)parent.n || hkcu_software) {
      container = true;
    } else {
      report(a, "W64-A3", &d, "reserved name Wow6432Node/WowAA32Node used as an ordinary key name");
      misused = true; /* one finding per key: A1 is not repeated for it */
    }
  }
  if (d.placed != HRW64_VIEW_64 && d.cls == HRW64_SHARED && !container) {
    if (!parent_reported && !misused)
      report(a, "W64-A1", &d, "32-bit copy of a key the table classifies as shared: no view reaches it");
    *reported = true;
  } else {
    *reported = false;
  }
  if (d.placed == HRW64_VIEW_64 && d.cls != HRW64_SHARED) {
    DWORD f = 0;
    if (HRGetKeyUserFlags(h, &f) == ERROR_SUCCESS && (f & HRW64_UF_CREATED_32BIT))
      report(a, "W64-A2", &d, "32-bit key (created through WOW64, user flag 0x1) in the 64-bit view");
    check_inproc(a, h, &lp, &d);
  }
  return ERROR_SUCCESS;
}

DWORD HRW64Audit(const HRW64Mount *m, HRW64FindingCallback cb, void *cbctx, uint64_t *keys,
                 uint64_t *findings) {
  static const WCHAR bs = '\\';
  audit *a;
  frame *st;
  DWORD rc = ERROR_SUCCESS;
  if (!m || !m->root) return ERROR_INVALID_PARAMETER;
  a = HRHiveAlloc(m->root, sizeof *a);
  st = HRHiveAlloc(m->root, sizeof *st * AUDIT_MAX_DEPTH);
  if (!a || !st) {
    HRHiveFree(m->root, a, sizeof *a);
    HRHiveFree(m->root, st, sizeof *st * AUDIT_MAX_DEPTH);
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  memset(a, 0, sizeof *a);
  a->m = m;
  a->cb = cb;
  a->cbctx = cbctx;
  size_t ml = w64_wcslen(m->mount, HRW64_PATH_MAX);
  memcpy(a->path, m->mount, (ml + 1) * sizeof(WCHAR));

  size_t depth = 0;
  bool rep = false;
  if ((rc = visit(a, m->root, false, &rep))) goto out;
  st[0] = (frame){m->root, 0, ml, rep};
  depth = 1;
  while (depth > 0) {
    frame *f = &st[depth - 1];
    WCHAR name[257]; /* key names: at most 256 units (regf-format.md limits) */
    DWORD nl = 257;
    a->path[f->path_len] = 0;
    rc = OREnumKey(f->h, f->next, name, &nl, NULL, NULL, NULL);
    if (rc == ERROR_NO_MORE_ITEMS) {
      if (f->h != m->root) ORCloseKey(f->h);
      depth--;
      rc = ERROR_SUCCESS;
      continue;
    }
    if (rc == ERROR_MORE_DATA) { /* longer than the 256 units a valid hive holds: skip it */
      f->next++;
      rc = ERROR_SUCCESS;
      continue;
    }
    if (rc) goto out;
    f->next++;
    if (depth >= AUDIT_MAX_DEPTH || f->path_len + 1 + nl + 1 > HRW64_PATH_MAX) continue;
    ORHKEY child = NULL;
    if ((rc = OROpenKey(f->h, name, &child))) goto out;
    a->path[f->path_len] = bs;
    memcpy(a->path + f->path_len + 1, name, nl * sizeof(WCHAR));
    size_t plen = f->path_len + 1 + nl;
    a->path[plen] = 0;
    if ((rc = visit(a, child, f->shared_reported, &rep))) {
      ORCloseKey(child);
      goto out;
    }
    if (is_symlink(child)) {
      ORCloseKey(child);
      continue;
    }
    st[depth] = (frame){child, 0, plen, rep};
    depth++;
  }
out:
  while (depth > 0) {
    if (st[depth - 1].h != m->root) ORCloseKey(st[depth - 1].h);
    depth--;
  }
  if (keys) *keys = a->keys;
  if (findings) *findings = a->findings;
  HRHiveFree(m->root, st, sizeof *st * AUDIT_MAX_DEPTH);
  HRHiveFree(m->root, a, sizeof *a);
  return rc;
}
