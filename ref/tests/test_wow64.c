/*
 * test_wow64.c: unit tests of the WOW64 module (ref/wow64) and of the public pieces it relies
 * on (HRGetKeyUserFlags / HRSetKeyUserFlags, HRHiveAlloc / HRHiveFree: ref/src/api_userflags.c).
 * The table-driven conformance cases run in test_wow64_cases.c; this file covers argument
 * checks, buffer limits, out-of-memory behaviour, persistence through ORSaveHive, the audit and
 * real UsrClass hives from ../shared/hives (skipped when absent).
 */
#include "test.h"
#include "../wow64/wow64.h"

#include <stdlib.h>
#include <unistd.h>

static void wcopy(WCHAR *out, const char *s) {
  size_t i = 0;
  for (; s[i]; i++) out[i] = (WCHAR)(unsigned char)s[i];
  out[i] = 0;
}

static bool weq(const WCHAR *a, const char *b) {
  size_t i = 0;
  for (; b[i]; i++)
    if (a[i] != (WCHAR)(unsigned char)b[i]) return false;
  return a[i] == 0;
}

/* ---- user flags ---------------------------------------------------------------------------- */
static void test_user_flags_api(void) {
  ORHKEY root, k;
  DWORD f = 99;
  REQUIRE_OK(ORCreateHive(&root));
  REQUIRE_OK(ORCreateKey(root, W("A\\B"), NULL, 0, NULL, &k, NULL));
  CHECK_ERR(HRGetKeyUserFlags(k, &f), ERROR_SUCCESS);
  CHECK_EQ_U(f, 0);
  CHECK_ERR(HRSetKeyUserFlags(k, 0x5), ERROR_SUCCESS);
  CHECK_ERR(HRGetKeyUserFlags(k, &f), ERROR_SUCCESS);
  CHECK_EQ_U(f, 5);
  CHECK_ERR(HRSetKeyUserFlags(k, 0x10), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRGetKeyUserFlags(k, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRGetKeyUserFlags(NULL, &f), ERROR_INVALID_HANDLE);
  CHECK_ERR(HRSetKeyUserFlags((ORHKEY)(uintptr_t)0x12345, 1), ERROR_INVALID_HANDLE);
  CHECK_ERR(HRSetKeyUserFlags(root, 0xF), ERROR_SUCCESS); /* the root too */
  /* A deleted key: ERROR_KEY_DELETED (api.h convention). */
  CHECK_ERR(ORDeleteKey(root, W("A\\B")), ERROR_SUCCESS);
  CHECK_ERR(HRGetKeyUserFlags(k, &f), ERROR_KEY_DELETED);
  CHECK_ERR(HRSetKeyUserFlags(k, 1), ERROR_KEY_DELETED);
  ORCloseKey(k);
  CHECK_ERR(HRGetKeyUserFlags(k, &f), ERROR_INVALID_HANDLE);
  ORCloseHive(root);
}

static void test_user_flags_persist(void) {
  ORHKEY root, k;
  char path[256];
  DWORD f = 0;
  snprintf(path, sizeof path, "/tmp/hiveref_wow64_uf_%d.hiv", (int)getpid());
  unlink(path);
  REQUIRE_OK(ORCreateHive(&root));
  REQUIRE_OK(ORCreateKey(root, W("Wow6432Node\\X"), NULL, 0, NULL, &k, NULL));
  REQUIRE_OK(HRSetKeyUserFlags(k, HRW64_UF_CREATED_32BIT | HRW64_UF_REFLECTION_DISABLED));
  ORCloseKey(k);
  REQUIRE_OK(HRSaveHiveUtf8(root, path, 6, 1));
  ORCloseHive(root);
  REQUIRE_OK(HROpenHiveUtf8(path, NULL, &root, NULL));
  REQUIRE_OK(OROpenKey(root, W("Wow6432Node\\X"), &k));
  CHECK_ERR(HRGetKeyUserFlags(k, &f), ERROR_SUCCESS);
  CHECK_EQ_U(f, 5);
  ORCloseKey(k);
  ORCloseHive(root);
  unlink(path);
}

static void test_hive_alloc(void) {
  ORHKEY root;
  HRMemStats a, b;
  REQUIRE_OK(ORCreateHive(&root));
  REQUIRE_OK(HRGetMemStats(root, &a));
  void *p = HRHiveAlloc(root, 1000);
  REQUIRE(p != NULL);
  REQUIRE_OK(HRGetMemStats(root, &b));
  CHECK_EQ_U(b.live_bytes - a.live_bytes, 1000);
  HRHiveFree(root, p, 1000);
  REQUIRE_OK(HRGetMemStats(root, &b));
  CHECK_EQ_U(b.live_bytes, a.live_bytes);
  CHECK(HRHiveAlloc(root, 0) == NULL);
  CHECK(HRHiveAlloc(NULL, 8) == NULL);
  REQUIRE_OK(HRSetAllocFailure(root, 1, 0));
  CHECK(HRHiveAlloc(root, 8) == NULL);
  ORCloseHive(root);
}

/* ---- pure parts: argument checks and limits ------------------------------------------------ */
static void test_map_arguments(void) {
  HRW64Ctx c = {HRW64_OS_WIN7, HRW64_VIEW_X86, 0, 0};
  WCHAR in[64], out[64];
  HRW64View v;
  wcopy(in, "HKLM\\SOFTWARE\\Foo");
  CHECK_ERR(HRW64MapPath(NULL, in, out, 64, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64MapPath(&c, NULL, out, 64, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64MapPath(&c, in, NULL, 64, NULL), ERROR_INVALID_PARAMETER);
  /* "HKLM\SOFTWARE\Wow6432Node\Foo" is 29 units + NUL. */
  CHECK_ERR(HRW64MapPath(&c, in, out, 29, NULL), ERROR_INSUFFICIENT_BUFFER);
  CHECK_ERR(HRW64MapPath(&c, in, out, 30, NULL), ERROR_SUCCESS);
  CHECK(weq(out, "HKLM\\SOFTWARE\\Wow6432Node\\Foo"));
  c.os = (HRW64Os)7;
  CHECK_ERR(HRW64MapPath(&c, in, out, 64, NULL), ERROR_INVALID_PARAMETER);
  c.os = HRW64_OS_WIN7;
  c.process = (HRW64View)9;
  CHECK_ERR(HRW64EffectiveView(&c, &v), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64EffectiveView(NULL, &v), ERROR_INVALID_PARAMETER);
  /* Other samDesired bits do not matter. */
  c.process = HRW64_VIEW_X86;
  c.sam = KEY_ALL_ACCESS | KEY_WOW64_64KEY;
  CHECK_ERR(HRW64EffectiveView(&c, &v), ERROR_SUCCESS);
  CHECK(v == HRW64_VIEW_64);

  /* A path longer than HRW64_PATH_MAX and one deeper than the component bound. */
  WCHAR *big = calloc(HRW64_PATH_MAX + 8, sizeof(WCHAR));
  WCHAR *res = calloc(HRW64_PATH_MAX, sizeof(WCHAR));
  REQUIRE(big && res);
  wcopy(big, "HKLM\\SOFTWARE");
  for (size_t i = 13; i < HRW64_PATH_MAX + 4; i++) big[i] = (i % 2) ? '\\' : 'a';
  big[HRW64_PATH_MAX + 4] = 0;
  CHECK_ERR(HRW64MapPath(&c, big, res, HRW64_PATH_MAX, NULL), ERROR_FILENAME_EXCED_RANGE);
  big[2001] = 0; /* ~995 components */
  CHECK_ERR(HRW64MapPath(&c, big, res, HRW64_PATH_MAX, NULL), ERROR_FILENAME_EXCED_RANGE);
  big[801] = 0; /* ~395 components: fine */
  CHECK_ERR(HRW64MapPath(&c, big, res, HRW64_PATH_MAX, NULL), ERROR_SUCCESS);
  free(big);
  free(res);

  CHECK_ERR(HRW64UnmapPath((HRW64Os)3, in, out, 64, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64HiveRelative(NULL, in, out, 64), ERROR_INVALID_PARAMETER);
  WCHAR mount[32];
  wcopy(mount, "HKLM\\SOFTWARE");
  CHECK_ERR(HRW64HiveRelative(mount, in, out, 64), ERROR_SUCCESS);
  CHECK(weq(out, "Foo"));
  CHECK_ERR(HRW64HiveRelative(mount, mount, out, 64), ERROR_SUCCESS);
  CHECK(weq(out, ""));
  wcopy(in, "HKLM\\SOFTWAREX\\Foo");
  CHECK_ERR(HRW64HiveRelative(mount, in, out, 64), ERROR_PATH_NOT_FOUND);
  wcopy(in, "HKCU\\SOFTWARE\\Foo");
  CHECK_ERR(HRW64HiveRelative(mount, in, out, 64), ERROR_PATH_NOT_FOUND);
  CHECK(strcmp(HRW64ViewName(HRW64_VIEW_ARM32), "arm32") == 0);
  CHECK(strcmp(HRW64OsName(HRW64_OS_VISTA), "vista") == 0);
  CHECK(strcmp(HRW64ClassName(HRW64_REFLECTED), "reflected") == 0);
}

static void test_rewrite_arguments(void) {
  HRW64WriteCtx w = {HRW64_OS_WIN7, HRW64_VIEW_X86, 0, 0, NULL};
  uint8_t d[64] = {0};
  DWORD cb = 4;
  CHECK_ERR(HRW64Rewrite(NULL, REG_SZ, d, &cb, 64, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64Rewrite(&w, REG_SZ, d, NULL, 64, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64Rewrite(&w, REG_SZ, NULL, &cb, 64, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64Rewrite(&w, REG_SZ, d, &cb, 3, NULL, NULL), ERROR_INVALID_PARAMETER);
  w.process = (HRW64View)3;
  CHECK_ERR(HRW64Rewrite(&w, REG_SZ, d, &cb, 64, NULL, NULL), ERROR_INVALID_PARAMETER);
  w.process = HRW64_VIEW_X86;
  w.os = (HRW64Os)2;
  CHECK_ERR(HRW64Rewrite(&w, REG_SZ, d, &cb, 64, NULL, NULL), ERROR_INVALID_PARAMETER);
  w.os = HRW64_OS_WIN7;
  cb = 0;
  CHECK_ERR(HRW64Rewrite(&w, REG_SZ, NULL, &cb, 0, NULL, NULL), ERROR_SUCCESS);
  /* Odd size: the stray byte follows the string and moves with it. */
  const char *s = "%ProgramFiles%\\a";
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i++) d[2 * i] = (uint8_t)s[i], d[2 * i + 1] = 0;
  d[2 * n] = 0xAB;
  cb = (DWORD)(2 * n + 1);
  unsigned applied = 0;
  CHECK_ERR(HRW64Rewrite(&w, REG_SZ, d, &cb, 64, &applied, NULL), ERROR_SUCCESS);
  CHECK_EQ_U(applied, HRW64_RW_PROGRAMFILES);
  CHECK_EQ_U(cb, 2 * n + 1 + 10);
  CHECK_EQ_U(d[cb - 1], 0xAB);
  /* A custom Windows directory for the system32 rule. */
  WCHAR windir[16];
  wcopy(windir, "D:\\WINNT\\");
  w.windir = windir;
  w.key_reflected_pre_win7 = 1;
  s = "d:\\winnt\\System32\\x";
  n = strlen(s);
  for (size_t i = 0; i < n; i++) d[2 * i] = (uint8_t)s[i], d[2 * i + 1] = 0;
  cb = (DWORD)(2 * n);
  CHECK_ERR(HRW64Rewrite(&w, REG_SZ, d, &cb, 64, &applied, NULL), ERROR_SUCCESS);
  CHECK_EQ_U(applied, HRW64_RW_SYSTEM32);
  CHECK(d[2 * 9] == 's' && d[2 * 12] == 'w' && d[2 * 15] == '6');
}

/* ---- hive operations: OOM and invalid use -------------------------------------------------- */
typedef struct oom_ctx {
  HRW64Os os;
} oom_ctx;

static DWORD oom_op(void *vctx, uint64_t fail_at, bool *injected) {
  oom_ctx *oc = vctx;
  ORHKEY root = NULL;
  HRMemStats st;
  static HRW64Mount m;
  static HRW64Key k;
  DWORD rc = HRCreateHiveEx(NULL, &root);
  if (rc) return rc;
  WCHAR mount[32];
  wcopy(mount, "HKLM\\SOFTWARE");
  rc = HRW64MountInit(&m, root, mount, oc->os);
  HRW64Ctx c = {oc->os, HRW64_VIEW_X86, 0, 0};
  HRSetAllocFailure(root, fail_at, 0);
  /* Create through the 32-bit view (and, pre-Win7, reflect the new key on close), then write. */
  if (!rc) rc = HRW64OpenKey(&m, &c, W("HKCR\\CLSID\\{Z}\\LocalServer32"), 1, &k, NULL);
  if (!rc) rc = HRW64CloseKey(&k);
  if (!rc) rc = HRW64OpenKey(&m, &c, W("HKCR\\CLSID\\{Z}\\LocalServer32"), 1, &k, NULL);
  if (!rc) {
    uint8_t data[128];
    const char *s = "%ProgramFiles%\\z.exe";
    size_t n = strlen(s);
    for (size_t i = 0; i <= n; i++) data[2 * i] = i < n ? (uint8_t)s[i] : 0, data[2 * i + 1] = 0;
    rc = HRW64SetValue(&k, W(""), REG_SZ, data, (DWORD)(2 * n + 2), sizeof data, NULL, NULL);
    DWORD rc2 = HRW64CloseKey(&k);
    if (!rc) rc = rc2;
  }
  if (!rc) {
    uint64_t keys = 0;
    rc = HRW64Audit(&m, NULL, NULL, &keys, NULL);
  }
  HRGetMemStats(root, &st);
  *injected = st.failures > 0;
  HRSetAllocFailure(root, 0, 0);
  /* The hive stays usable whatever happened. */
  ORHKEY probe;
  if (OROpenKey(root, W("Classes\\Wow6432Node\\CLSID\\{Z}"), &probe) == ERROR_SUCCESS) ORCloseKey(probe);
  ORCloseHive(root);
  return rc;
}

static void test_oom_sweep_hive_ops(void) {
  oom_ctx c = {HRW64_OS_VISTA};
  uint64_t n1 = test_oom_sweep("wow64 vista open/set/close/audit", oom_op, &c, 2000);
  c.os = HRW64_OS_WIN7;
  uint64_t n2 = test_oom_sweep("wow64 win7 open/set/close/audit", oom_op, &c, 2000);
  CHECK(n1 > 1 && n2 > 1);
  printf("  OOM sweeps: %llu runs (vista, with reflection), %llu runs (win7)\n",
         (unsigned long long)n1, (unsigned long long)n2);
}

static void test_key_misuse(void) {
  ORHKEY root;
  HRW64Mount m;
  HRW64Key k;
  BOOL dis;
  REQUIRE_OK(ORCreateHive(&root));
  CHECK_ERR(HRW64MountInit(&m, root, W("NOPE\\X"), HRW64_OS_WIN7), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64MountInit(&m, root, W("HKLM\\SOFTWARE"), (HRW64Os)5), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64MountInit(NULL, root, W("HKLM\\SOFTWARE"), HRW64_OS_WIN7), ERROR_INVALID_PARAMETER);
  REQUIRE_OK(HRW64MountInit(&m, root, W("HKEY_LOCAL_MACHINE\\Software"), HRW64_OS_VISTA));
  CHECK(weq(m.mount, "HKLM\\Software"));
  HRW64Ctx c = {HRW64_OS_VISTA, HRW64_VIEW_ARM32, 0, 0};
  CHECK_ERR(HRW64OpenKey(&m, &c, W("X"), 1, &k, NULL), ERROR_NOT_SUPPORTED);
  c.process = HRW64_VIEW_X86;
  CHECK_ERR(HRW64OpenKey(&m, &c, W("X\\\\Y"), 1, &k, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64OpenKey(NULL, &c, W("X"), 1, &k, NULL), ERROR_INVALID_PARAMETER);
  /* The mount's own root in the 64-bit view is the hive root handle, which is never closed. */
  c.process = HRW64_VIEW_64;
  DWORD disp = 0;
  REQUIRE_OK(HRW64OpenKey(&m, &c, NULL, 1, &k, &disp));
  CHECK(k.h == root);
  CHECK_EQ_U(disp, REG_OPENED_EXISTING_KEY);
  CHECK_ERR(HRW64QueryReflection(&k, &dis), ERROR_SUCCESS);
  CHECK_ERR(HRW64QueryReflection(&k, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64CloseKey(&k), ERROR_SUCCESS);
  CHECK_ERR(HRW64CloseKey(&k), ERROR_INVALID_PARAMETER); /* already closed */
  CHECK_ERR(HRW64SetValue(&k, W("a"), REG_SZ, NULL, 0, 0, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRW64DisableReflection(&k), ERROR_INVALID_PARAMETER);
  /* A write through a 32-bit view: the rewrite result is reported and stored. */
  c.process = HRW64_VIEW_X86;
  REQUIRE_OK(HRW64OpenKey(&m, &c, W("V"), 1, &k, &disp));
  CHECK_EQ_U(disp, REG_CREATED_NEW_KEY);
  uint8_t data[64];
  const char *s = "%commonprogramfiles%";
  for (size_t i = 0; i < 20; i++) data[2 * i] = (uint8_t)s[i], data[2 * i + 1] = 0;
  DWORD stored = 0;
  unsigned applied = 0;
  CHECK_ERR(HRW64SetValue(&k, W("p"), REG_SZ, data, 40, 49, &stored, &applied), ERROR_INSUFFICIENT_BUFFER);
  CHECK_ERR(HRW64SetValue(&k, W("p"), REG_SZ, data, 40, 50, &stored, &applied), ERROR_SUCCESS);
  CHECK_EQ_U(stored, 50);
  CHECK_EQ_U(applied, HRW64_RW_COMMONPROGRAMFILES);
  CHECK(weq(k.physical, "HKLM\\Software\\Wow6432Node\\V"));
  CHECK(weq(k.logical, "HKLM\\Software\\V"));
  CHECK_ERR(HRW64CloseKey(&k), ERROR_SUCCESS);
  ORCloseHive(root);
}

/* ---- audit -------------------------------------------------------------------------------- */
typedef struct seen {
  int a[5];
  char last[256];
} seen;

static void on_finding(void *ctx, const HRW64Finding *f) {
  seen *s = ctx;
  int i = f->code[5] - '0';
  if (i >= 1 && i <= 4) s->a[i]++;
  size_t j = 0;
  for (; f->physical[j] && j + 1 < sizeof s->last; j++) s->last[j] = (char)f->physical[j];
  s->last[j] = 0;
}

static void mk(ORHKEY root, const char *path, DWORD flags, const char *dflt) {
  ORHKEY k;
  if (ORCreateKey(root, W(path), NULL, 0, NULL, &k, NULL)) {
    test_fail(__FILE__, __LINE__, "create %s", path);
    return;
  }
  if (flags) HRSetKeyUserFlags(k, flags);
  if (dflt) {
    uint8_t d[256];
    size_t n = strlen(dflt);
    for (size_t i = 0; i <= n; i++) d[2 * i] = i < n ? (uint8_t)dflt[i] : 0, d[2 * i + 1] = 0;
    ORSetValue(k, W(""), REG_SZ, d, (DWORD)(2 * n + 2));
  }
  ORCloseKey(k);
}

static void test_audit_synthetic(void) {
  ORHKEY root;
  HRW64Mount m;
  seen s;
  uint64_t keys = 0, findings = 0;
  memset(&s, 0, sizeof s);
  REQUIRE_OK(ORCreateHive(&root));
  mk(root, "Wow6432Node\\Vendor\\App", 0, NULL);                       /* fine */
  mk(root, "Wow6432Node\\Policies\\Microsoft\\X", 0, NULL);            /* A1 (row 57 shared) */
  mk(root, "Wow6432Node\\Microsoft\\Cryptography\\Services\\Y", 0, NULL); /* A1 (row 15) */
  mk(root, "Classes\\Wow6432Node\\CLSID\\{A}", 0, NULL);               /* fine (row 5 redirected) */
  mk(root, "Classes\\Wow6432Node\\txtfile", 0, NULL);                  /* A1 on Win7 (row 3 shared) */
  mk(root, "Vendor\\Wow6432Node\\Z", 0, NULL);                         /* A3 */
  mk(root, "Vendor\\Thing", HRW64_UF_CREATED_32BIT, NULL);             /* A2 */
  mk(root, "Classes\\CLSID\\{B}\\InprocServer32", 0, "C:\\Program Files (x86)\\b\\b.dll"); /* A4 */
  mk(root, "Classes\\CLSID\\{C}\\InprocServer32", 0, "%SystemRoot%\\System32\\c.dll");   /* fine */
  REQUIRE_OK(HRW64MountInit(&m, root, W("HKLM\\SOFTWARE"), HRW64_OS_WIN7));
  REQUIRE_OK(HRW64Audit(&m, on_finding, &s, &keys, &findings));
  CHECK_EQ_U(s.a[1], 3);
  CHECK_EQ_U(s.a[2], 1);
  CHECK_EQ_U(s.a[3], 1);
  CHECK_EQ_U(s.a[4], 1);
  CHECK_EQ_U(findings, 6);
  CHECK(keys >= 20);
  /* Under the pre-Win7 column, HKLM\SOFTWARE\Classes is redirected: txtfile is legitimate. */
  memset(&s, 0, sizeof s);
  REQUIRE_OK(HRW64MountInit(&m, root, W("HKLM\\SOFTWARE"), HRW64_OS_VISTA));
  REQUIRE_OK(HRW64Audit(&m, on_finding, &s, &keys, &findings));
  CHECK_EQ_U(s.a[1], 2);
  ORCloseHive(root);

  /* A user Classes hive: its virtual store mirrors HKLM\SOFTWARE (spec §2.10). */
  memset(&s, 0, sizeof s);
  REQUIRE_OK(ORCreateHive(&root));
  mk(root, "VirtualStore\\MACHINE\\SOFTWARE\\Wow6432Node\\Vendor", 0, NULL); /* fine */
  mk(root, "VirtualStore\\MACHINE\\SOFTWARE\\Wow6432Node\\Policies", 0, NULL); /* A1 */
  mk(root, "Wow6432Node\\CLSID\\{D}", 0, NULL);                                 /* fine */
  mk(root, "Wow6432Node\\Wow6432Node", 0, NULL);                                  /* A3 */
  REQUIRE_OK(HRW64MountInit(&m, root, W("HKU\\S-1-5-21-9_Classes"), HRW64_OS_WIN7));
  REQUIRE_OK(HRW64Audit(&m, on_finding, &s, &keys, &findings));
  CHECK_EQ_U(s.a[1], 1);
  CHECK_EQ_U(s.a[3], 1);
  CHECK_EQ_U(findings, 2);
  ORCloseHive(root);
}

/* ---- real hives ---------------------------------------------------------------------------- */
/* Every key of a real hive: physical -> logical -> physical (same view) is the identity for
 * table-decided placements, and the audit runs to completion. */
static void check_real_hive(const char *rel, const char *mount_path) {
  const char *path = test_shared_hive(rel);
  ORHKEY root;
  HRW64Mount m;
  if (!path) {
    test_skip("../shared/hives absent");
    return;
  }
  HRDiagnostic diag;
  DWORD rc = HROpenHiveUtf8(path, NULL, &root, &diag);
  if (rc == ERROR_FILE_NOT_FOUND) {
    test_skip("hive file absent");
    return;
  }
  if (rc == ERROR_NOT_REGISTRY_FILE || rc == ERROR_BADDB) {
    /* The loader's verdict on this file is tested elsewhere (test_open_*); nothing to audit. */
    printf("  %s: not opened (%s %s at %llu: %s)\n", rel, HRErrorName(rc), diag.rule,
           (unsigned long long)diag.offset, diag.message);
    test_skip("the engine rejects this hive");
    return;
  }
  REQUIRE_OK(rc);
  WCHAR mp[64];
  wcopy(mp, mount_path);
  for (int os = 0; os < 2; os++) {
    seen s;
    uint64_t keys = 0, findings = 0;
    memset(&s, 0, sizeof s);
    REQUIRE_OK(HRW64MountInit(&m, root, mp, (HRW64Os)os));
    rc = HRW64Audit(&m, on_finding, &s, &keys, &findings);
    CHECK_ERR(rc, ERROR_SUCCESS);
    CHECK(keys > 10);
    printf("  %s as %s, %s: %llu keys, %llu findings (A1 %d, A2 %d, A3 %d, A4 %d)%s%s\n", rel,
           mount_path, HRW64OsName((HRW64Os)os), (unsigned long long)keys,
           (unsigned long long)findings, s.a[1], s.a[2], s.a[3], s.a[4], findings ? "; last: " : "",
           findings ? s.last : "");
  }
  /* A 32-bit write into the real hive lands under Wow6432Node and survives a save. */
  HRW64Key k;
  HRW64Ctx c = {HRW64_OS_WIN7, HRW64_VIEW_X86, 0, 0};
  REQUIRE_OK(HRW64MountInit(&m, root, mp, HRW64_OS_WIN7));
  REQUIRE_OK(HRW64OpenKey(&m, &c, W("HKCR\\CLSID\\{0BADF00D-0000-0000-0000-000000000001}\\LocalServer32"), 1, &k, NULL));
  uint8_t data[96];
  const char *s = "%ProgramFiles%\\t.exe";
  size_t n = strlen(s);
  for (size_t i = 0; i <= n; i++) data[2 * i] = i < n ? (uint8_t)s[i] : 0, data[2 * i + 1] = 0;
  REQUIRE_OK(HRW64SetValue(&k, W(""), REG_SZ, data, (DWORD)(2 * n + 2), sizeof data, NULL, NULL));
  static WCHAR hrel[HRW64_PATH_MAX];
  REQUIRE_OK(HRW64HiveRelative(m.mount, k.physical, hrel, HRW64_PATH_MAX));
  REQUIRE_OK(HRW64CloseKey(&k));
  char out[256];
  snprintf(out, sizeof out, "/tmp/hiveref_wow64_real_%d.hiv", (int)getpid());
  unlink(out);
  REQUIRE_OK(HRSaveHiveUtf8(root, out, 6, 1));
  ORCloseHive(root);
  REQUIRE_OK(HROpenHiveUtf8(out, NULL, &root, NULL));
  DWORD type = 0, cb = sizeof data;
  CHECK(weq(hrel + (hrel[0] == 'C' ? 8 : 0), "Wow6432Node\\CLSID\\{0BADF00D-0000-0000-0000-000000000001}\\LocalServer32"));
  CHECK_ERR(ORGetValue(root, hrel, W(""), &type, data, &cb), ERROR_SUCCESS);
  CHECK_EQ_U(cb, 2 * n + 2 + 10);
  CHECK(data[2 * 13] == '(');
  ORCloseHive(root);
  unlink(out);
}

static void test_real_usrclass_plaso(void) {
  check_real_hive("plaso/test_data/regf/UsrClass.dat", "HKCU\\Software\\Classes");
}
static void test_real_usrclass_shellbags(void) {
  check_real_hive("shellbags/tests/Issue7/UsrClass.dat", "HKU\\S-1-5-21-1-2-3-1000_Classes");
}

static void test_real_usrclass_acronis(void) {
  check_real_hive("Registry/Registry.Test/Hives/Acronis_0x52_Usrclass.dat", "HKCU\\Software\\Classes");
}
static void test_real_usrclass_deletedbags(void) {
  check_real_hive("Registry/Registry.Test/Hives/UsrClassDeletedBags.dat", "HKCU\\Software\\Classes");
}

static void test_real_ntuser_software(void) {
  check_real_hive("regipy/regipy_tests/data/ntuser_software_partial", "HKCU\\Software");
}

int main(void) {
  TEST_RUN(test_user_flags_api);
  TEST_RUN(test_user_flags_persist);
  TEST_RUN(test_hive_alloc);
  TEST_RUN(test_map_arguments);
  TEST_RUN(test_rewrite_arguments);
  TEST_RUN(test_key_misuse);
  TEST_RUN(test_oom_sweep_hive_ops);
  TEST_RUN(test_audit_synthetic);
  TEST_RUN(test_real_usrclass_plaso);
  TEST_RUN(test_real_usrclass_shellbags);
  TEST_RUN(test_real_usrclass_acronis);
  TEST_RUN(test_real_usrclass_deletedbags);
  TEST_RUN(test_real_ntuser_software);
  return test_finish();
}
