/*
 * wow64_path.c: logical <-> physical registry paths under the WOW64 registry redirector
 * (spec §3.1-§3.4).
 *
 * Mapping a logical path for an access (HRW64MapPath):
 *  1. The view: KEY_WOW64_64KEY / KEY_WOW64_32KEY or the process's own ([ALT]); both flags:
 *     ERROR_INVALID_PARAMETER ([ALT] "If both flags are specified, the function fails with
 *     ERROR_INVALID_PARAMETER"; pre-Win7 "undefined": the same answer, BEHAVIOUR.md).
 *  2. The compatibility symbolic links of [TAB] are followed (HKLM\SOFTWARE\Wow6432Node\Classes
 *     -> HKLM\SOFTWARE\Classes\Wow6432Node always; ...\Classes\Wow6432Node\{AppId,PROTOCOLS,
 *     Typelib} -> ...\Classes\{...} from Windows 7: "Other symbolic links were added in
 *     Windows 7 and Windows Server 2008 R2").
 *  3. A path that already names Wow6432Node/WowAA32Node at a redirection point is used
 *     literally (Windows 7 semantics, [WINE]: "Software\Wow6432Node\Wine\Winetest" reaches the
 *     32-bit copy from every view, with or without KEY_WOW64_64KEY); before Windows 7 the
 *     KEY_WOW64_64KEY flag strips the node ([WINE]: is_vista ? 64 : 32).
 *  4. Otherwise the longest listed prefix of [TAB] classifies the key; a shared key, or any key
 *     in the 64-bit view, keeps its path; a redirected key seen through a 32-bit view gets the
 *     view's node at the redirection point: "HKEY_LOCAL_MACHINE\Software is redirected to
 *     HKEY_LOCAL_MACHINE\Software\Wow6432Node" ([RED]); Classes subkeys live under
 *     ...\Classes\Wow6432Node (spec §3.3, [EXA] "HKCR\Wow6432Node\CLSID\{...}"); "Redirected
 *     32-bit ARM keys are mapped to physical locations under WowAA32Node" ([RED]).
 */
#include "wow64_int.h"

#include <string.h>

const WCHAR w64_str_wow6432node[] = u"Wow6432Node";
const WCHAR w64_str_wowaa32node[] = u"WowAA32Node";
static const WCHAR s_software[] = u"SOFTWARE";
static const WCHAR s_classes[] = u"Classes";

static WCHAR fold(WCHAR c) { return (c >= 'a' && c <= 'z') ? (WCHAR)(c - 32) : c; }

size_t w64_wcslen(const WCHAR *s, size_t max) {
  size_t n = 0;
  while (n < max && s[n]) n++;
  return n;
}

bool w64_name_eq(const WCHAR *a, size_t alen, const char *ascii) {
  size_t blen = strlen(ascii);
  if (alen != blen) return false;
  for (size_t i = 0; i < alen; i++)
    if (fold(a[i]) != fold((WCHAR)(unsigned char)ascii[i])) return false;
  return true;
}

bool w64_name_eq_w(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen) {
  if (alen != blen) return false;
  for (size_t i = 0; i < alen; i++)
    if (fold(a[i]) != fold(b[i])) return false;
  return true;
}

bool w64_insert(w64_path *p, size_t i, const WCHAR *c, size_t len) {
  if (p->n >= W64_MAX_COMP || i > p->n) return false;
  memmove(&p->c[i + 1], &p->c[i], (p->n - i) * sizeof p->c[0]);
  memmove(&p->len[i + 1], &p->len[i], (p->n - i) * sizeof p->len[0]);
  p->c[i] = c;
  p->len[i] = len;
  p->n++;
  return true;
}

void w64_remove(w64_path *p, size_t i) {
  if (i >= p->n) return;
  memmove(&p->c[i], &p->c[i + 1], (p->n - i - 1) * sizeof p->c[0]);
  memmove(&p->len[i], &p->len[i + 1], (p->n - i - 1) * sizeof p->len[0]);
  p->n--;
}

static bool push(w64_path *p, const WCHAR *c, size_t len) { return w64_insert(p, p->n, c, len); }

/* Splits s into components.  Empty components (leading, doubled or trailing backslash) are
 * rejected: a logical path names one key unambiguously. */
DWORD w64_parse(const WCHAR *s, int hkcr_user, w64_path *p) {
  if (!s || !p) return ERROR_INVALID_PARAMETER;
  size_t total = w64_wcslen(s, HRW64_PATH_MAX);
  if (total >= HRW64_PATH_MAX) return ERROR_FILENAME_EXCED_RANGE;
  if (total == 0) return ERROR_INVALID_PARAMETER;
  /* Split. */
  const WCHAR *comp[W64_MAX_COMP];
  size_t clen[W64_MAX_COMP];
  size_t n = 0, start = 0;
  for (size_t i = 0; i <= total; i++) {
    if (i == total || s[i] == '\\') {
      if (i == start) return ERROR_INVALID_PARAMETER;
      if (n >= W64_MAX_COMP - 3) return ERROR_FILENAME_EXCED_RANGE;
      comp[n] = s + start;
      clen[n] = i - start;
      n++;
      start = i + 1;
    }
  }
  p->n = 0;
  size_t first = 1;
  if (w64_name_eq(comp[0], clen[0], "HKLM") || w64_name_eq(comp[0], clen[0], "HKEY_LOCAL_MACHINE")) {
    p->root = W64_HKLM;
  } else if (w64_name_eq(comp[0], clen[0], "HKCU") ||
             w64_name_eq(comp[0], clen[0], "HKEY_CURRENT_USER")) {
    p->root = W64_HKCU;
  } else if (w64_name_eq(comp[0], clen[0], "HKCR") ||
             w64_name_eq(comp[0], clen[0], "HKEY_CLASSES_ROOT")) {
    /* [TAB]: "HKEY_CLASSES_ROOT is a merged view of HKEY_LOCAL_MACHINE\SOFTWARE\Classes and
     * HKEY_CURRENT_USER\SOFTWARE\Classes. Redirected keys in these registry paths are
     * effectively redirected for HKEY_CLASSES_ROOT also." */
    p->root = hkcr_user ? W64_HKCU : W64_HKLM;
    push(p, s_software, 8);
    push(p, s_classes, 7);
  } else if (w64_name_eq(comp[0], clen[0], "HKU") || w64_name_eq(comp[0], clen[0], "HKEY_USERS")) {
    /* [TAB]: HKCU -> HKEY_USERS\[SID]; HKEY_USERS\[SID]\SOFTWARE\Classes -> HKEY_USERS\[SID]_Classes. */
    if (n < 2) return ERROR_INVALID_PARAMETER;
    p->root = W64_HKCU;
    first = 2;
    if (clen[1] > 8 && w64_name_eq(comp[1] + clen[1] - 8, 8, "_Classes")) {
      push(p, s_software, 8);
      push(p, s_classes, 7);
    }
  } else {
    return ERROR_INVALID_PARAMETER;
  }
  for (size_t i = first; i < n; i++)
    if (!push(p, comp[i], clen[i])) return ERROR_FILENAME_EXCED_RANGE;
  return ERROR_SUCCESS;
}

static DWORD put(WCHAR *out, size_t cap, size_t *at, const WCHAR *s, size_t len) {
  if (*at + len + 1 > cap) return ERROR_INSUFFICIENT_BUFFER;
  memcpy(out + *at, s, len * sizeof(WCHAR));
  *at += len;
  out[*at] = 0;
  return ERROR_SUCCESS;
}

DWORD w64_format_tail(const w64_path *p, size_t from, WCHAR *out, size_t cap) {
  static const WCHAR bs[] = u"\\";
  size_t at = 0;
  if (!out || cap == 0) return ERROR_INSUFFICIENT_BUFFER;
  out[0] = 0;
  for (size_t i = from; i < p->n; i++) {
    DWORD rc;
    if (i > from && (rc = put(out, cap, &at, bs, 1))) return rc;
    if ((rc = put(out, cap, &at, p->c[i], p->len[i]))) return rc;
  }
  return ERROR_SUCCESS;
}

DWORD w64_format(const w64_path *p, WCHAR *out, size_t cap) {
  static const WCHAR hklm[] = u"HKLM", hkcu[] = u"HKCU", bs[] = u"\\";
  size_t at = 0;
  DWORD rc;
  if (!out || cap == 0) return ERROR_INSUFFICIENT_BUFFER;
  out[0] = 0;
  if ((rc = put(out, cap, &at, p->root == W64_HKLM ? hklm : hkcu, 4))) return rc;
  for (size_t i = 0; i < p->n; i++) {
    if ((rc = put(out, cap, &at, bs, 1))) return rc;
    if ((rc = put(out, cap, &at, p->c[i], p->len[i]))) return rc;
  }
  return ERROR_SUCCESS;
}

/* Matches an ASCII row path ("SOFTWARE\Classes\CLSID") against the first components of p.
 * Returns the row depth on a match, or (size_t)-1. */
static size_t match_row_path(const w64_path *p, const char *rp) {
  size_t depth = 0;
  if (!*rp) return 0;
  const char *q = rp;
  for (;;) {
    const char *e = strchr(q, '\\');
    size_t l = e ? (size_t)(e - q) : strlen(q);
    if (depth >= p->n || p->len[depth] != l) return (size_t)-1;
    for (size_t i = 0; i < l; i++)
      if (fold(p->c[depth][i]) != fold((WCHAR)(unsigned char)q[i])) return (size_t)-1;
    depth++;
    if (!e) return depth;
    q = e + 1;
  }
}

size_t w64_row_depth(const HRW64Row *row, bool alias) {
  const char *s = alias ? row->alias : row->path;
  if (!s || !*s) return 0;
  size_t d = 1;
  for (; *s; s++)
    if (*s == '\\') d++;
  return d;
}

/* [TAB] "Subkeys of the keys in this table inherit the parent key's behavior unless otherwise
 * specified. If a key has no parent listed in this table, the key is shared."  Rows 1 and 59
 * (the roots, Shared) make every path have a listed parent. */
const HRW64Row *w64_lookup(const w64_path *p) {
  const HRW64Row *best = NULL;
  size_t best_depth = 0;
  const char *root = p->root == W64_HKLM ? "HKLM" : "HKCU";
  for (unsigned r = 1; r <= HRW64_TABLE_ROWS; r++) {
    const HRW64Row *row = HRW64TableRow(r);
    if (strcmp(row->root, root) != 0) continue;
    for (int a = 0; a < 2; a++) {
      const char *rp = a ? row->alias : row->path;
      if (!rp) continue;
      size_t d = match_row_path(p, rp);
      if (d == (size_t)-1) continue;
      if (!best || d > best_depth) {
        best = row;
        best_depth = d;
      }
    }
  }
  return best;
}

int w64_redir_point(const w64_path *p) {
  if (p->n < 1 || !w64_name_eq(p->c[0], p->len[0], "SOFTWARE")) return -1;
  if (p->n >= 2 && w64_name_eq(p->c[1], p->len[1], "Classes")) return 2;
  return p->root == W64_HKLM ? 1 : -1;
}

HRW64View w64_node_kind(const WCHAR *c, size_t len) {
  if (w64_name_eq(c, len, "Wow6432Node")) return HRW64_VIEW_X86;
  if (w64_name_eq(c, len, "WowAA32Node")) return HRW64_VIEW_ARM32;
  return HRW64_VIEW_64;
}

/* [TAB] WOW64 compatibility symbolic links. */
int w64_follow_links(w64_path *p, HRW64Os os) {
  int followed = 0;
  for (int pass = 0; pass < 2; pass++) {
    if (p->root != W64_HKLM || p->n < 3 || !w64_name_eq(p->c[0], p->len[0], "SOFTWARE")) break;
    /* HKLM\SOFTWARE\Wow6432Node\Classes -> HKLM\SOFTWARE\Classes\Wow6432Node (every version). */
    if (w64_name_eq(p->c[1], p->len[1], "Wow6432Node") && w64_name_eq(p->c[2], p->len[2], "Classes")) {
      const WCHAR *c1 = p->c[1], *c2 = p->c[2];
      size_t l1 = p->len[1], l2 = p->len[2];
      p->c[1] = c2, p->len[1] = l2;
      p->c[2] = c1, p->len[2] = l1;
      followed++;
      continue;
    }
    /* HKLM\SOFTWARE\Classes\Wow6432Node\{AppId,PROTOCOLS,Typelib} -> HKLM\SOFTWARE\Classes\...
     * ("Other symbolic links were added in Windows 7 and Windows Server 2008 R2"). */
    if (os == HRW64_OS_WIN7 && p->n >= 4 && w64_name_eq(p->c[1], p->len[1], "Classes") &&
        w64_name_eq(p->c[2], p->len[2], "Wow6432Node") &&
        (w64_name_eq(p->c[3], p->len[3], "AppId") || w64_name_eq(p->c[3], p->len[3], "PROTOCOLS") ||
         w64_name_eq(p->c[3], p->len[3], "Typelib"))) {
      w64_remove(p, 2);
      followed++;
      continue;
    }
    break;
  }
  return followed;
}

const char *HRW64ViewName(HRW64View v) {
  return v == HRW64_VIEW_64 ? "64" : v == HRW64_VIEW_X86 ? "32" : v == HRW64_VIEW_ARM32 ? "arm32" : "?";
}
const char *HRW64ClassName(HRW64Class c) {
  return c == HRW64_SHARED ? "shared" : c == HRW64_REDIRECTED ? "redirected"
       : c == HRW64_REFLECTED ? "reflected" : "?";
}
const char *HRW64OsName(HRW64Os os) { return os == HRW64_OS_WIN7 ? "win7" : os == HRW64_OS_VISTA ? "vista" : "?"; }

DWORD HRW64EffectiveView(const HRW64Ctx *ctx, HRW64View *view) {
  if (!ctx || !view) return ERROR_INVALID_PARAMETER;
  if (ctx->os != HRW64_OS_WIN7 && ctx->os != HRW64_OS_VISTA) return ERROR_INVALID_PARAMETER;
  if (ctx->process != HRW64_VIEW_64 && ctx->process != HRW64_VIEW_X86 &&
      ctx->process != HRW64_VIEW_ARM32)
    return ERROR_INVALID_PARAMETER;
  /* [ALT]: "If both flags are specified, the function fails with ERROR_INVALID_PARAMETER." */
  if ((ctx->sam & KEY_WOW64_64KEY) && (ctx->sam & KEY_WOW64_32KEY)) return ERROR_INVALID_PARAMETER;
  /* "Windows 10 on ARM" has the 32-bit ARM view; no pre-Windows 7 system has one. */
  if (ctx->process == HRW64_VIEW_ARM32 && ctx->os == HRW64_OS_VISTA) return ERROR_NOT_SUPPORTED;
  if (ctx->sam & KEY_WOW64_64KEY)
    *view = HRW64_VIEW_64;
  else if (ctx->sam & KEY_WOW64_32KEY)
    /* [ALT] KEY_WOW64_32KEY on Windows 10 on ARM: "the 32-bit ARM registry view for 32-bit ARM
     * processes and the 32-bit x86 registry view for 64-bit ARM64 and 32-bit x86 processes". */
    *view = ctx->process == HRW64_VIEW_ARM32 ? HRW64_VIEW_ARM32 : HRW64_VIEW_X86;
  else
    *view = ctx->process;
  return ERROR_SUCCESS;
}

/* Finds a reserved node at the redirection point of the path with that node removed.
 * Returns its index or -1; *kind receives the node's view. */
static int find_explicit_node(const w64_path *p, HRW64View *kind) {
  for (int k = 1; k <= 2 && (size_t)k < p->n; k++) {
    HRW64View v = w64_node_kind(p->c[k], p->len[k]);
    if (v == HRW64_VIEW_64) continue;
    /* The node at k is at a redirection point when the components before it form HKLM\SOFTWARE
     * (k = 1, and the next component is not Classes: that is the Classes link, already followed)
     * or a Classes root (k = 2). */
    if (!w64_name_eq(p->c[0], p->len[0], "SOFTWARE")) return -1;
    if (k == 1 && p->root == W64_HKLM) {
      *kind = v;
      return 1;
    }
    if (k == 2 && w64_name_eq(p->c[1], p->len[1], "Classes")) {
      *kind = v;
      return 2;
    }
  }
  return -1;
}

DWORD HRW64MapPath(const HRW64Ctx *ctx, const WCHAR *logical, WCHAR *out, size_t cap,
                   HRW64Decision *decision) {
  HRW64Decision d;
  w64_path p;
  DWORD rc;
  memset(&d, 0, sizeof d);
  if (!ctx || !logical || !out) return ERROR_INVALID_PARAMETER;
  if ((rc = HRW64EffectiveView(ctx, &d.view))) return rc;
  if ((rc = w64_parse(logical, ctx->hkcr_user, &p))) return rc;
  d.link = w64_follow_links(&p, ctx->os);

  HRW64View node_kind = HRW64_VIEW_64;
  int k = find_explicit_node(&p, &node_kind);
  if (k >= 0) {
    /* The logical key the explicit path names, for its classification. */
    w64_path lp = p;
    w64_remove(&lp, (size_t)k);
    d.row = w64_lookup(&lp);
    d.cls = d.row->cls[ctx->os];
    if (ctx->os == HRW64_OS_VISTA && (ctx->sam & KEY_WOW64_64KEY)) {
      /* [WINE] Vista: KEY_WOW64_64KEY on "Software\Wow6432Node\..." reaches the 64-bit copy. */
      p = lp;
      d.rule = HRW64_RULE_VISTA_64KEY_STRIP;
      d.placed = HRW64_VIEW_64;
    } else {
      d.rule = HRW64_RULE_EXPLICIT_NODE;
      d.placed = node_kind;
    }
  } else {
    d.row = w64_lookup(&p);
    d.cls = d.row->cls[ctx->os];
    d.rule = HRW64_RULE_TABLE;
    d.placed = HRW64_VIEW_64;
    if (d.cls != HRW64_SHARED && d.view != HRW64_VIEW_64) {
      int at = w64_redir_point(&p);
      if (at < 0) {
        d.rule = HRW64_RULE_OUTSIDE; /* unreachable with the documented table */
      } else {
        const WCHAR *node = d.view == HRW64_VIEW_X86 ? w64_str_wow6432node : w64_str_wowaa32node;
        if (!w64_insert(&p, (size_t)at, node, 11)) return ERROR_FILENAME_EXCED_RANGE;
        d.placed = d.view;
      }
    }
    /* A shared key has one physical copy that "is mapped into each logical view" ([RED]):
     * placed stays HRW64_VIEW_64, the native location. */
  }
  if ((rc = w64_format(&p, out, cap))) return rc;
  if (decision) *decision = d;
  return ERROR_SUCCESS;
}

DWORD HRW64UnmapPath(HRW64Os os, const WCHAR *physical, WCHAR *logical, size_t cap,
                     HRW64Decision *decision) {
  HRW64Decision d;
  w64_path p;
  DWORD rc;
  memset(&d, 0, sizeof d);
  if (!physical || !logical || (os != HRW64_OS_WIN7 && os != HRW64_OS_VISTA))
    return ERROR_INVALID_PARAMETER;
  if ((rc = w64_parse(physical, 0, &p))) return rc;
  d.link = w64_follow_links(&p, os);
  HRW64View kind = HRW64_VIEW_64;
  int k = find_explicit_node(&p, &kind);
  if (k >= 0) {
    w64_remove(&p, (size_t)k);
    d.rule = HRW64_RULE_EXPLICIT_NODE;
    d.placed = kind;
  } else {
    d.rule = HRW64_RULE_TABLE;
    d.placed = HRW64_VIEW_64;
  }
  d.view = d.placed;
  d.row = w64_lookup(&p);
  d.cls = d.row->cls[os];
  if ((rc = w64_format(&p, logical, cap))) return rc;
  if (decision) *decision = d;
  return ERROR_SUCCESS;
}

DWORD HRW64HiveRelative(const WCHAR *mount, const WCHAR *physical, WCHAR *out, size_t cap) {
  w64_path mp, pp;
  DWORD rc;
  if (!mount || !physical || !out) return ERROR_INVALID_PARAMETER;
  if ((rc = w64_parse(mount, 0, &mp))) return rc;
  if ((rc = w64_parse(physical, 0, &pp))) return rc;
  if (mp.root != pp.root || mp.n > pp.n) return ERROR_PATH_NOT_FOUND;
  for (size_t i = 0; i < mp.n; i++)
    if (!w64_name_eq_w(mp.c[i], mp.len[i], pp.c[i], pp.len[i])) return ERROR_PATH_NOT_FOUND;
  return w64_format_tail(&pp, mp.n, out, cap);
}
