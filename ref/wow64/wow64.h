/*
 * wow64.h: the WOW64 registry redirector, string rewrite and (pre-Windows 7) reflection for
 * offline hives (DESIGN.md §3; ../shared/spec/offreg-api.md §3).
 *
 * Users: servicing tools that edit an offline SOFTWARE or UsrClass hive on behalf of a 32-bit
 * installer and must write exactly where, and exactly what, Windows would; validators that check
 * another library's WOW64 handling.
 *
 * The module is a client of the engine: it includes only offreg.h and hiveref.h.  Pure parts
 * (the table, logical <-> physical mapping, the string rewrite) need no hive and allocate
 * nothing; the hive parts use the public OR* API on a hive "mounted" as a logical root (the
 * SOFTWARE hive file stands for HKLM\SOFTWARE, a UsrClass.dat for HKCU\SOFTWARE\Classes).
 *
 * Sources (quoted sentences are cited at the code that implements them):
 *  [RED] Registry Redirector     https://learn.microsoft.com/en-us/windows/win32/winprog64/registry-redirector
 *  [TAB] Registry Keys Affected by WOW64  .../winprog64/shared-registry-keys (spec §3.2, 67 rows)
 *  [ALT] Accessing an Alternate Registry View  .../winprog64/accessing-an-alternate-registry-view
 *  [REF] Registry Reflection     .../winprog64/registry-reflection
 *  [EXA] Example of Registry Redirection on WOW64  .../winprog64/example-of-registry-reflection-and-redirection-on-wow64
 *  [DIS] RegDisableReflectionKey / RegEnableReflectionKey / RegQueryReflectionKey (spec §3.6)
 *  [WINE] Wine advapi32 test_redirection, run on real Windows (spec §3.4 [3P-EMP])
 * Implementation-defined choices are listed in ref/BEHAVIOUR.md, section "## WOW64".
 */
#ifndef HIVEREF_WOW64_H
#define HIVEREF_WOW64_H

#include "hiveref.h"
#include "offreg.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Views, OS generations, classifications -------------------------------------------- */

/* A registry view.  [RED]: the 64-bit view; the 32-bit x86 view (physical node Wow6432Node);
 * "Windows 10 on ARM: ... a separate logical view for 32-bit ARM applications" (WowAA32Node). */
typedef enum HRW64View { HRW64_VIEW_64 = 0, HRW64_VIEW_X86 = 1, HRW64_VIEW_ARM32 = 2 } HRW64View;

/* [TAB] column A ("Windows Server 2008 R2, Windows 7 and newer") or column B ("Windows Server
 * 2008, Windows Vista, Windows Server 2003 and Windows XP"). */
typedef enum HRW64Os { HRW64_OS_WIN7 = 0, HRW64_OS_VISTA = 1 } HRW64Os;

/* [TAB] classifications.  REFLECTED = "Redirected and reflected" (column B only). */
typedef enum HRW64Class { HRW64_SHARED = 0, HRW64_REDIRECTED = 1, HRW64_REFLECTED = 2 } HRW64Class;

/* Row exceptions ([TAB] rows 4/62 and 5/63, [REF]). */
#define HRW64_EXC_CLSID_INPROC     0x1u /* reflect only CLSIDs without InprocServer32/InprocHandler32 */
#define HRW64_EXC_APPID_SURROGATE  0x2u /* empty DllSurrogate / DllSurrogateExecutable not reflected */

/* One row of [TAB].  root is "HKLM" or "HKCU"; path is below the root ("" for the root row);
 * alias is a second path the row also matches (row 28 only, see BEHAVIOUR.md) or NULL. */
typedef struct HRW64Row {
  unsigned number;             /* 1..67, the row number of spec §3.2 */
  const char *root;
  const char *path;
  const char *alias;
  HRW64Class cls[2];           /* indexed by HRW64Os */
  unsigned exceptions;         /* HRW64_EXC_* (apply under HRW64_OS_VISTA only) */
  const char *text_a;          /* the row's column A text, as documented */
  const char *text_b;          /* the row's column B text, as documented */
} HRW64Row;

#define HRW64_TABLE_ROWS 67
/* Row by number (1..67), NULL otherwise. */
const HRW64Row *HRW64TableRow(unsigned number);

/* ---- Paths ---------------------------------------------------------------------------------
 * Logical paths are absolute, components separated by one backslash, no empty component:
 *   HKLM\..., HKEY_LOCAL_MACHINE\..., HKCU\..., HKEY_CURRENT_USER\...,
 *   HKCR\... / HKEY_CLASSES_ROOT\... (the merged Classes view: resolved to HKLM\SOFTWARE\Classes
 *   or, with HRW64Ctx.hkcr_user, to HKCU\SOFTWARE\Classes),
 *   HKU\<SID>\... / HKEY_USERS\<SID>\... (= HKCU\...), HKU\<SID>_Classes\... (= HKCU\SOFTWARE\Classes\...)
 *   ([TAB]: "HKEY_CURRENT_USER is a symbolic link to HKEY_USERS\[SID] ... HKEY_USERS\[SID]\SOFTWARE\Classes
 *   is a symbolic link to HKEY_USERS\[SID]_Classes").
 * Output paths use the roots HKLM and HKCU and keep the caller's spelling of every component.
 * Names compare case-insensitively (ASCII folding: every name the table holds is ASCII). */
#define HRW64_PATH_MAX 4096    /* UTF-16 units including the NUL */

/* Context of an access. */
typedef struct HRW64Ctx {
  HRW64Os os;
  HRW64View process;           /* the calling process: 64-bit, 32-bit x86, 32-bit ARM */
  DWORD sam;                   /* samDesired; only KEY_WOW64_64KEY / KEY_WOW64_32KEY matter */
  int hkcr_user;               /* HKCR resolves to HKCU\SOFTWARE\Classes (else HKLM) */
} HRW64Ctx;

/* How a mapping was decided (every decision traces to a table row or a documented sentence). */
enum {
  HRW64_RULE_TABLE = 1,        /* longest listed prefix of [TAB] (row != NULL) */
  HRW64_RULE_EXPLICIT_NODE,    /* the path names Wow6432Node/WowAA32Node: used literally [WINE] */
  HRW64_RULE_VISTA_64KEY_STRIP,/* pre-Win7 KEY_WOW64_64KEY removes an explicit Wow6432Node [WINE] */
  HRW64_RULE_OUTSIDE           /* outside every redirected subtree: shared */
};

typedef struct HRW64Decision {
  const HRW64Row *row;         /* deciding row of the logical key */
  HRW64Class cls;              /* its classification under ctx->os */
  HRW64View view;              /* effective view of the access (after KEY_WOW64_* flags) */
  HRW64View placed;            /* whose physical copy the result is: the node's view under
                                  Wow6432Node/WowAA32Node, else HRW64_VIEW_64 (the native copy,
                                  which a shared key maps into every view) */
  int rule;                    /* HRW64_RULE_* */
  int link;                    /* a compatibility symbolic link was followed ([TAB]) */
} HRW64Decision;

/* The view an access uses ([ALT]): KEY_WOW64_64KEY -> 64; KEY_WOW64_32KEY -> 32-bit ARM for an
 * ARM process, x86 otherwise; neither -> the process's view.  Both -> ERROR_INVALID_PARAMETER.
 * A 32-bit ARM process or view with HRW64_OS_VISTA -> ERROR_NOT_SUPPORTED (no such system). */
DWORD HRW64EffectiveView(const HRW64Ctx *ctx, HRW64View *view);

/* Logical -> physical.  Writes the physical path (NUL-terminated) into out[cap].
 * ERROR_INVALID_PARAMETER (NULL, bad path, both flags), ERROR_NOT_SUPPORTED (ARM32 + Vista),
 * ERROR_FILENAME_EXCED_RANGE (a path longer than HRW64_PATH_MAX), ERROR_INSUFFICIENT_BUFFER. */
DWORD HRW64MapPath(const HRW64Ctx *ctx, const WCHAR *logical, WCHAR *out, size_t cap,
                   HRW64Decision *decision /* optional */);

/* Physical -> logical (auditing a hive): the logical path, the view the physical key belongs to
 * (placed), and the classification of the logical key under os.  A key outside any redirection
 * node belongs to the 64-bit view (and, when shared, to every view). */
DWORD HRW64UnmapPath(HRW64Os os, const WCHAR *physical, WCHAR *logical, size_t cap,
                     HRW64Decision *decision /* optional */);

/* Physical path -> path relative to the hive mounted as `mount` (a logical root such as
 * HKLM\SOFTWARE).  "" when physical is the mount itself.  ERROR_PATH_NOT_FOUND when the path
 * lies outside the mounted hive. */
DWORD HRW64HiveRelative(const WCHAR *mount, const WCHAR *physical, WCHAR *out, size_t cap);

/* ---- The string rewrite on write ([RED]) ----------------------------------------------------*/
#define HRW64_RW_PROGRAMFILES        0x01u /* %ProgramFiles% -> %ProgramFiles(x86)% */
#define HRW64_RW_COMMONPROGRAMFILES  0x02u /* %commonprogramfiles% -> %commonprogramfiles(x86)% */
#define HRW64_RW_SYSTEM32            0x04u /* system32 -> syswow64 */
/* Why a rule did not apply (bits, for tracing and the conformance cases). */
#define HRW64_NO_TYPE        0x0001u /* not REG_SZ / REG_EXPAND_SZ */
#define HRW64_NO_NATIVE      0x0002u /* the writer is a 64-bit process (WOW64 is not involved) */
#define HRW64_NO_PREFIX      0x0004u /* does not begin with a token, exactly as shown */
#define HRW64_NO_LENGTH      0x0008u /* longer than MAX_PATH*2+15 characters */
#define HRW64_NO_64KEY       0x0010u /* opened with KEY_WOW64_64KEY (Windows 7 and later) */
#define HRW64_NO_SYS_PATH    0x0020u /* does not begin with a path to or under %windir%\system32 */
#define HRW64_NO_NOT_REFLECTED 0x0040u /* the key was not reflected prior to Windows 7 */
#define HRW64_NO_ARM32       0x0080u /* system32 rule: not for 32-bit ARM writers (BEHAVIOUR.md) */

/* "MAX_PATH*2+15" characters, the terminating NUL not counted (BEHAVIOUR.md). */
#define HRW64_REWRITE_MAX_CHARS (260 * 2 + 15)
/* Bytes a rewrite can add: "(x86)" is 5 UTF-16 units. */
#define HRW64_REWRITE_GROWTH 10u

typedef struct HRW64WriteCtx {
  HRW64Os os;
  HRW64View process;           /* the writing process */
  DWORD sam;                   /* the samDesired the key was opened with */
  int key_reflected_pre_win7;  /* the key's column B class is "Redirected and reflected" */
  const WCHAR *windir;         /* %windir% / %SystemRoot% for expansion; NULL = C:\Windows */
} HRW64WriteCtx;

/* Applies the rewrite to data[0..*cb) in place.  cap is the buffer capacity in bytes; the
 * %ProgramFiles% rules need *cb + HRW64_REWRITE_GROWTH.  On return *cb is the size of what is
 * to be stored, *applied the HRW64_RW_* bits, *why_not the HRW64_NO_* bits of rules that were
 * considered and did not apply.  ERROR_INSUFFICIENT_BUFFER (cap too small: data untouched),
 * ERROR_INVALID_PARAMETER. */
DWORD HRW64Rewrite(const HRW64WriteCtx *w, DWORD type, BYTE *data, DWORD *cb, DWORD cap,
                   unsigned *applied, unsigned *why_not);

/* ---- Offline hives -------------------------------------------------------------------------*/
/* nk user flags (MaxNameLen bits 20-23; msuhanov regf spec, spec §3.5). */
#define HRW64_UF_CREATED_32BIT      0x1u /* a 32-bit key created through WOW64 (pre-Win7) */
#define HRW64_UF_CREATED_REFLECTION 0x2u /* created by reflection */
#define HRW64_UF_REFLECTION_DISABLED 0x4u /* RegDisableReflectionKey */

typedef struct HRW64Mount {
  ORHKEY root;                 /* root key of the offline hive (OROpenHive / ORCreateHive) */
  HRW64Os os;
  WCHAR mount[HRW64_PATH_MAX]; /* canonical logical root the hive stands for */
  WCHAR windir[261];           /* for the system32 rule; default C:\Windows */
} HRW64Mount;

/* mount is a logical path (HKLM\SOFTWARE, HKCU\Software\Classes, HKU\S-1-5-21-..._Classes ...).
 * ERROR_INVALID_PARAMETER for a bad mount. */
DWORD HRW64MountInit(HRW64Mount *m, ORHKEY root, const WCHAR *mount, HRW64Os os);

typedef struct HRW64Key {
  const HRW64Mount *m;
  ORHKEY h;                    /* the physical key; == m->root for the hive root (not closed) */
  HRW64Ctx ctx;
  HRW64Decision d;
  int written;                 /* created or written through this handle: reflect on close */
  WCHAR logical[HRW64_PATH_MAX];
  WCHAR physical[HRW64_PATH_MAX];
} HRW64Key;

/* Opens (create = 0) or creates (create = 1) `path` through the view of ctx.  path is an
 * absolute logical path or a path relative to the mount (NULL or "" = the mount itself).  The
 * generation is the mount's (ctx->os is ignored); HKCR resolves into HKCU\SOFTWARE\Classes
 * when the mount is under HKCU.  *disposition (optional) as ORCreateKey.  Errors: those of HRW64MapPath, ERROR_PATH_NOT_FOUND (maps outside the hive),
 * and OROpenKey / ORCreateKey's. */
DWORD HRW64OpenKey(const HRW64Mount *m, const HRW64Ctx *ctx, const WCHAR *path, int create,
                   HRW64Key *key, PDWORD disposition);

/* ORSetValue through the view, with the string rewrite: data[0..cb) may be rewritten in place
 * (cap >= cb + HRW64_REWRITE_GROWTH always suffices); *stored_cb (optional) receives the size
 * written; applied (optional) the HRW64_RW_* bits. */
DWORD HRW64SetValue(HRW64Key *key, const WCHAR *name, DWORD type, BYTE *data, DWORD cb,
                    DWORD cap, DWORD *stored_cb, unsigned *applied);

/* ORDeleteValue through the view (a write: the key is reflected on close). */
DWORD HRW64DeleteValue(HRW64Key *key, const WCHAR *name);

/* Closes the key.  Under HRW64_OS_VISTA a written key of a reflected row is first copied to the
 * other view ([REF]: copied "when a key is closed"; last writer wins; CLSID and AppID filters;
 * never for shared or non-redirected keys; not when reflection is disabled on either copy).
 * The handle is closed even when reflection fails; the reflection error is returned. */
DWORD HRW64CloseKey(HRW64Key *key);

/* [DIS] on an open key.  A key not on the reflection list (or any key under HRW64_OS_WIN7,
 * where reflection no longer exists): success, no effect. */
DWORD HRW64DisableReflection(HRW64Key *key);
DWORD HRW64EnableReflection(HRW64Key *key);
DWORD HRW64QueryReflection(HRW64Key *key, BOOL *disabled);

/* ---- Audit ---------------------------------------------------------------------------------*/
typedef struct HRW64Finding {
  const char *code;            /* "W64-A1" ... (BEHAVIOUR.md) */
  const WCHAR *physical;       /* the key, hive path form (mount\...) */
  const WCHAR *logical;
  HRW64View placed;
  const HRW64Row *row;
  const char *message;
} HRW64Finding;
typedef void (*HRW64FindingCallback)(void *cbctx, const HRW64Finding *f);

/* Walks the whole hive (iteratively, depth-bounded) and reports every key whose physical
 * placement contradicts the table under m->os.  *keys (optional) counts keys visited,
 * *findings (optional) findings reported. */
DWORD HRW64Audit(const HRW64Mount *m, HRW64FindingCallback cb, void *cbctx, uint64_t *keys,
                 uint64_t *findings);

/* Names for printing. */
const char *HRW64ViewName(HRW64View v);   /* "64", "32", "arm32" */
const char *HRW64ClassName(HRW64Class c); /* "shared", "redirected", "reflected" */
const char *HRW64OsName(HRW64Os os);      /* "win7", "vista" */

#ifdef __cplusplus
}
#endif
#endif /* HIVEREF_WOW64_H */
