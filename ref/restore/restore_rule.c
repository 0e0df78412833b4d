/*
 * restore_rule.c: the KeysNotToRestore key-string grammar (offreg-api.md §4.4), a pure function.
 *
 * [VSS]: "The way the key strings are interpreted is determined by their terminal character":
 *   "\" -> key replace, "*" -> key merge, anything else -> the string names a value.
 * [KNR]: "The paths are relative from HKEY_LOCAL_MACHINE\SYSTEM"; [VSS]'s examples are absolute
 * ("HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\*").  Both are accepted: an absolute
 * string must lie below HKEY_LOCAL_MACHINE\SYSTEM (also spelt HKLM\SYSTEM, or the native
 * \REGISTRY\MACHINE\SYSTEM), and the prefix is removed.
 * Malformed strings give a skip reason; the caller reports them in the plan.
 */
#include "restore_int.h"

static const char *const k_machine[] = {"HKEY_LOCAL_MACHINE", "HKLM"};

const char *HRRestoreKindName(HRRestoreKind kind) {
  switch (kind) {
  case HRR_REPLACE: return "replace";
  case HRR_MERGE: return "merge";
  case HRR_VALUE: return "value";
  case HRR_SKIP: return "skip";
  }
  return "none";
}

const char *HRRestoreSkipName(HRRestoreSkip skip) {
  static const char *const names[HRR_SKIP_COUNT] = {
      "none", "empty", "empty-component", "wildcard", "bad-utf16", "too-long",
      "outside-system", "hive-root", "no-control-set", "source-key-missing",
      "source-value-missing", "list-not-multi-sz"};
  return (unsigned)skip < HRR_SKIP_COUNT ? names[skip] : "unknown";
}

const char *HRRestoreChildActionName(HRRestoreChildAction a) {
  switch (a) {
  case HRR_CHILD_ADD: return "add";
  case HRR_CHILD_CARRY_START_MISSING: return "carry-start-missing";
  case HRR_CHILD_CARRY_START_LOWER: return "carry-start-lower";
  case HRR_CHILD_KEEP_START_NOT_LOWER: return "keep-start-not-lower";
  case HRR_CHILD_KEEP_NO_START: return "keep-no-start";
  case HRR_CHILD_KEEP_RESTORED_START: return "keep-restored-start";
  case HRR_CHILD_KEEP_START_NOT_DWORD: return "keep-start-not-dword";
  }
  return "unknown";
}

/* Length of the first component of s[0, n). */
static size_t comp_len(const WCHAR *s, size_t n) {
  size_t i = 0;
  while (i < n && s[i] != '\\') i++;
  return i;
}

/* Strips an absolute prefix.  Returns HRR_SKIP_NONE and advances s and n past
 * "HKEY_LOCAL_MACHINE\SYSTEM\" when present; HRR_SKIP_OUTSIDE_SYSTEM for another root. */
static HRRestoreSkip strip_prefix(const WCHAR **s, size_t *n, HRRestoreKind kind) {
  const WCHAR *p = *s;
  size_t m = *n;
  size_t skip = 0;
  if (m > 0 && p[0] == '\\') {
    /* The NT native form \REGISTRY\MACHINE\...; any other leading "\" is an empty component. */
    size_t a = comp_len(p + 1, m - 1);
    if (!hrr_eq_ascii(p + 1, a, "REGISTRY")) return HRR_SKIP_NONE;
    size_t b = 1 + a + 1 < m ? comp_len(p + a + 2, m - a - 2) : 0;
    if (1 + a + 1 > m || !hrr_eq_ascii(p + a + 2, b, "MACHINE")) return HRR_SKIP_OUTSIDE_SYSTEM;
    skip = a + 2 + b;
  } else {
    size_t a = comp_len(p, m);
    bool machine = false;
    for (size_t i = 0; i < sizeof k_machine / sizeof k_machine[0]; i++)
      if (hrr_eq_ascii(p, a, k_machine[i])) machine = true;
    if (!machine) {
      /* Another predefined root (HKEY_CURRENT_USER, HKEY_USERS, ...) is not in a SYSTEM hive. */
      if (a >= 5 && hrr_eq_ascii(p, 5, "HKEY_")) return HRR_SKIP_OUTSIDE_SYSTEM;
      return HRR_SKIP_NONE;
    }
    skip = a;
  }
  /* Now at "\SYSTEM\..." */
  if (skip >= m || p[skip] != '\\') return HRR_SKIP_OUTSIDE_SYSTEM;
  size_t c = comp_len(p + skip + 1, m - skip - 1);
  if (!hrr_eq_ascii(p + skip + 1, c, "SYSTEM")) return HRR_SKIP_OUTSIDE_SYSTEM;
  skip += 1 + c;
  if (skip == m) {
    /* "HKLM\SYSTEM" once the terminal "\" or "\*" is removed: the hive root itself.  As a value
     * string it would name the value SYSTEM of HKLM, which no SYSTEM hive holds. */
    if (kind == HRR_VALUE) return HRR_SKIP_OUTSIDE_SYSTEM;
    *s = p + m;
    *n = 0;
    return HRR_SKIP_NONE;
  }
  /* p[skip] is '\\': the relative part follows it ("" for "HKLM\SYSTEM\", the hive root). */
  *s = p + skip + 1;
  *n = m - skip - 1;
  return HRR_SKIP_NONE;
}

HRRestoreSkip HRRestoreParseRule(const WCHAR *s, size_t n, HRRestoreKind *kind,
                                 const WCHAR **body, size_t *body_len, int *ccs,
                                 int *star_without_backslash) {
  *kind = (HRRestoreKind)0;
  *body = s;
  *body_len = 0;
  *ccs = 0;
  *star_without_backslash = 0;
  if (n == 0) return HRR_SKIP_EMPTY;
  for (size_t i = 0; i < n; i++) {
    if (s[i] >= 0xD800 && s[i] <= 0xDBFF) {
      if (i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) i++;
      else return HRR_SKIP_BAD_UTF16;
    } else if (s[i] >= 0xDC00 && s[i] <= 0xDFFF) {
      return HRR_SKIP_BAD_UTF16;
    }
  }
  /* [VSS]: the terminal character decides. */
  HRRestoreKind k;
  size_t m = n;
  if (s[n - 1] == '\\') {
    k = HRR_REPLACE;
    m = n - 1;
  } else if (s[n - 1] == '*') {
    k = HRR_MERGE;
    if (n >= 2 && s[n - 2] == '\\') {
      m = n - 2;
    } else {
      /* "CurrentControlSet\Services*" is how the Windows 2000 reference renders the Installed
       * Services default ([KNR] mirror, spec §4.4): read as "\*" and flagged in the plan. */
      m = n - 1;
      *star_without_backslash = 1;
    }
  } else {
    k = HRR_VALUE;
  }
  *kind = k;
  const WCHAR *p = s;
  HRRestoreSkip r = strip_prefix(&p, &m, k);
  if (r != HRR_SKIP_NONE) return r;
  if (m == 0) {
    /* The hive root: a merge of it is well defined; a replace would discard the whole backup;
     * a value needs a name.  "HKLM\SYSTEM\*" or "*" alone: merge of the root. */
    if (k == HRR_MERGE) {
      *body = p;
      return HRR_SKIP_NONE;
    }
    return k == HRR_VALUE ? HRR_SKIP_EMPTY_COMPONENT : HRR_SKIP_HIVE_ROOT;
  }
  /* Components: none empty, no wildcard, names within the limits. */
  size_t depth = 0, start = 0;
  for (size_t i = 0; i <= m; i++) {
    if (i < m && p[i] != '\\') {
      if (p[i] == '*') return HRR_SKIP_WILDCARD;
      continue;
    }
    size_t len = i - start;
    if (len == 0) return HRR_SKIP_EMPTY_COMPONENT;
    bool is_value = (k == HRR_VALUE && i == m);
    if (len > (is_value ? HRR_MAX_VALUE_NAME : HRR_MAX_KEY_NAME)) return HRR_SKIP_TOO_LONG;
    if (!is_value) depth++;
    if (depth >= HRR_MAX_DEPTH) return HRR_SKIP_TOO_LONG;
    start = i + 1;
  }
  size_t first = comp_len(p, m);
  /* A value directly below the root named CurrentControlSet is not a control set reference. */
  *ccs = hrr_eq_ascii(p, first, "CurrentControlSet") && !(k == HRR_VALUE && first == m);
  *body = p;
  *body_len = m;
  return HRR_SKIP_NONE;
}
