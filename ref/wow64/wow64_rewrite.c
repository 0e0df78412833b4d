/*
 * wow64_rewrite.c: the string rewrite WOW64 applies when a 32-bit application writes REG_SZ or
 * REG_EXPAND_SZ data ([RED], spec §3.7).  Pure: works in place on the caller's buffer.
 *
 * Rule 1, [RED]: "WOW64 intercepts these write operations and replaces them with
 * "%ProgramFiles(x86)%" and "%commonprogramfiles(x86)%"".  Only when all hold:
 *  - "The string must begin with %ProgramFiles% or %commonprogramfiles%. If the string begins
 *    with a space or any character other than %, it is not replaced."
 *  - "The case of %ProgramFiles% or %commonprogramfiles% must be exactly as shown because the
 *    string comparison is case-sensitive."
 *  - "The string cannot exceed MAX_PATH*2+15 characters. If it exceeds this length, it is not
 *    replaced."  The string is the UTF-16 units before the first NUL (all units when there is
 *    none): its terminating NUL is not counted, so 535 characters are replaced and 536 are not.
 *  - "The key cannot be opened with KEY_WOW64_64KEY." and "Windows Server 2008, Windows Vista,
 *    Windows Server 2003 and Windows XP: The KEY_WOW_64_64KEY flag does not affect whether a
 *    key is replaced."
 *  What is written back: the data with the token alone replaced; every other byte (the rest of
 *  the string, its NUL, anything after it) is kept; the size grows by 10 bytes.
 *
 * Rule 2, [RED]: "REG_SZ or REG_EXPAND_SZ keys containing system32 are replaced with syswow64.
 * The string must begin with the path pointing to or under %windir%\system32. The string
 * comparison is not case-sensitive. Environment variables are expanded before matching the
 * path, so all of the following paths are replaced: %windir%\system32, %SystemRoot%\system32,
 * and C:\windows\system32. This patch is applied only to the keys that were reflected prior to
 * Windows 7."
 *  What is written back: the original text with the eight characters of the system32 component
 *  replaced by "syswow64" (lower case, as the page spells it); variables stay unexpanded, so a
 *  REG_EXPAND_SZ stays expandable and the size is unchanged (BEHAVIOUR.md, spec §6 Q30).
 *
 * Both rules are WOW64's: a 64-bit writer never triggers them.
 */
#include "wow64_int.h"

#include <string.h>

static WCHAR unit_at(const BYTE *d, size_t i) { return (WCHAR)(d[2 * i] | (d[2 * i + 1] << 8)); }
static WCHAR fold(WCHAR c) { return (c >= 'a' && c <= 'z') ? (WCHAR)(c - 32) : c; }

/* Length of the string: units before the first NUL, or every whole unit. */
static size_t string_units(const BYTE *d, DWORD cb) {
  size_t n = cb / 2, i = 0;
  while (i < n && unit_at(d, i) != 0) i++;
  return i;
}

/* Case-sensitive prefix test against an ASCII token. */
static bool begins_exact(const BYTE *d, size_t units, const char *tok) {
  size_t l = strlen(tok);
  if (units < l) return false;
  for (size_t i = 0; i < l; i++)
    if (unit_at(d, i) != (WCHAR)(unsigned char)tok[i]) return false;
  return true;
}

/* Finds where "system32" sits in the original text when the string, after environment
 * expansion, begins with <windir>\system32 followed by its end or a backslash.  Returns the
 * unit index of the 's', or (size_t)-1. */
static size_t find_system32(const BYTE *d, size_t units, const WCHAR *windir, size_t wlen) {
  static const char sys32[] = "\\system32";
  WCHAR target[300];
  size_t tlen = 0;
  while (wlen > 0 && windir[wlen - 1] == '\\') wlen--;
  if (wlen == 0 || wlen + 9 > sizeof target / sizeof target[0]) return (size_t)-1;
  memcpy(target, windir, wlen * sizeof(WCHAR));
  tlen = wlen;
  for (size_t i = 0; i < 9; i++) target[tlen++] = (WCHAR)sys32[i];
  size_t drive_len = (wlen >= 2 && windir[1] == ':') ? 2 : 0;
  size_t lit_from = tlen - 8; /* the 8 units "system32" must come from literal text */

  size_t t = 0, i = 0, sys_pos = (size_t)-1;
  while (t < tlen) {
    if (i >= units) return (size_t)-1;
    WCHAR c = unit_at(d, i);
    if (c == '%') {
      size_t j = i + 1;
      while (j < units && unit_at(d, j) != '%') j++;
      if (j >= units) return (size_t)-1; /* no closing %: a literal %, which T never holds */
      size_t nl = j - i - 1;
      WCHAR name[16];
      if (nl == 0 || nl >= 16) return (size_t)-1;
      for (size_t k = 0; k < nl; k++) name[k] = unit_at(d, i + 1 + k);
      const WCHAR *val;
      size_t vlen;
      if (w64_name_eq(name, nl, "windir") || w64_name_eq(name, nl, "SystemRoot")) {
        val = windir, vlen = wlen;
      } else if (w64_name_eq(name, nl, "SystemDrive") && drive_len) {
        val = windir, vlen = drive_len;
      } else {
        return (size_t)-1; /* not a variable whose value can start %windir% */
      }
      if (t + vlen > lit_from) return (size_t)-1;
      for (size_t k = 0; k < vlen; k++)
        if (fold(val[k]) != fold(target[t + k])) return (size_t)-1;
      t += vlen;
      i = j + 1;
      continue;
    }
    if (fold(c) != fold(target[t])) return (size_t)-1;
    if (t == lit_from) sys_pos = i;
    t++, i++;
  }
  /* "pointing to or under": the path ends here or continues with a backslash. */
  if (i < units && unit_at(d, i) != '\\') return (size_t)-1;
  return sys_pos;
}

DWORD HRW64Rewrite(const HRW64WriteCtx *w, DWORD type, BYTE *data, DWORD *cb, DWORD cap,
                   unsigned *applied, unsigned *why_not) {
  static const WCHAR default_windir[] = u"C:\\Windows";
  unsigned done = 0, no = 0;
  if (applied) *applied = 0;
  if (why_not) *why_not = 0;
  if (!w || !cb || (*cb && !data) || cap < *cb) return ERROR_INVALID_PARAMETER;
  if ((w->os != HRW64_OS_WIN7 && w->os != HRW64_OS_VISTA) ||
      (w->process != HRW64_VIEW_64 && w->process != HRW64_VIEW_X86 && w->process != HRW64_VIEW_ARM32))
    return ERROR_INVALID_PARAMETER;

  if (type != REG_SZ && type != REG_EXPAND_SZ) {
    no |= HRW64_NO_TYPE;
  } else if (w->process == HRW64_VIEW_64) {
    /* WOW64 intercepts the calls of 32-bit applications only ([RED] "To help 32-bit
     * applications ... WOW64 intercepts these write operations"). */
    no |= HRW64_NO_NATIVE;
  } else {
    size_t units = string_units(data, *cb);
    /* Rule 1. */
    static const char *const tok[2] = {"%ProgramFiles%", "%commonprogramfiles%"};
    int which = begins_exact(data, units, tok[0]) ? 0 : begins_exact(data, units, tok[1]) ? 1 : -1;
    if (which < 0) {
      no |= HRW64_NO_PREFIX;
    } else if (units > HRW64_REWRITE_MAX_CHARS) {
      no |= HRW64_NO_LENGTH;
    } else if (w->os == HRW64_OS_WIN7 && (w->sam & KEY_WOW64_64KEY)) {
      no |= HRW64_NO_64KEY;
    } else {
      if ((uint64_t)*cb + HRW64_REWRITE_GROWTH > cap) return ERROR_INSUFFICIENT_BUFFER;
      /* Insert "(x86)" before the token's closing '%'. */
      size_t at = 2 * (strlen(tok[which]) - 1);
      memmove(data + at + HRW64_REWRITE_GROWTH, data + at, *cb - at);
      static const char ins[] = "(x86)";
      for (size_t k = 0; k < 5; k++) {
        data[at + 2 * k] = (BYTE)ins[k];
        data[at + 2 * k + 1] = 0;
      }
      *cb += HRW64_REWRITE_GROWTH;
      done |= which == 0 ? HRW64_RW_PROGRAMFILES : HRW64_RW_COMMONPROGRAMFILES;
      units += 5;
    }
    /* Rule 2. */
    if (w->process == HRW64_VIEW_ARM32) {
      no |= HRW64_NO_ARM32;
    } else if (!w->key_reflected_pre_win7) {
      no |= HRW64_NO_NOT_REFLECTED;
    } else {
      const WCHAR *wd = w->windir ? w->windir : default_windir;
      size_t pos = find_system32(data, units, wd, w64_wcslen(wd, 261));
      if (pos == (size_t)-1) {
        no |= HRW64_NO_SYS_PATH;
      } else {
        static const char rep[] = "syswow64";
        for (size_t k = 0; k < 8; k++) {
          data[2 * (pos + k)] = (BYTE)rep[k];
          data[2 * (pos + k) + 1] = 0;
        }
        done |= HRW64_RW_SYSTEM32;
      }
    }
  }
  if (applied) *applied = done;
  if (why_not) *why_not = no;
  return ERROR_SUCCESS;
}
