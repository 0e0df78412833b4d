/*
 * test_restore.c: unit tests of the restore module (ref/restore): the key-string grammar, the
 * argument contract, the allocation-failure sweep, and the real-hive scenario.
 *
 * The table-driven behaviour cases are data (conformance/cases/restore, run by
 * test_restore_cases.c); this file covers what a table cannot: pure parsing of many strings,
 * OOM, and two real SYSTEM hives from ../shared/hives with KeysNotToRestore entries planted
 * through the API, restored, and verified by an independent reader (gen/reader.py through
 * ref/restore/verify_restore.py).  The real-hive test skips when ../shared is absent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../restore/restore.h"
#include "test.h"

/* ---- grammar ------------------------------------------------------------------------------ */

typedef struct rule_row {
  const char *s;
  HRRestoreSkip skip;
  HRRestoreKind kind;
  const char *body;            /* expected body (NULL: not checked) */
  int ccs, star;
} rule_row;

static const rule_row k_rules[] = {
    /* [KNR] defaults, relative */
    {"MountedDevices\\", HRR_SKIP_NONE, HRR_REPLACE, "MountedDevices", 0, 0},
    {"Disk\\", HRR_SKIP_NONE, HRR_REPLACE, "Disk", 0, 0},
    {"CurrentControlSet\\Services\\*", HRR_SKIP_NONE, HRR_MERGE, "CurrentControlSet\\Services", 1, 0},
    {"CurrentControlSet\\Services*", HRR_SKIP_NONE, HRR_MERGE, "CurrentControlSet\\Services", 1, 1},
    {"CurrentControlset\\Control\\Session Manager\\PendingFileRenameOperations", HRR_SKIP_NONE,
     HRR_VALUE, "CurrentControlset\\Control\\Session Manager\\PendingFileRenameOperations", 1, 0},
    {"Setup\\SystemPartition", HRR_SKIP_NONE, HRR_VALUE, "Setup\\SystemPartition", 0, 0},
    /* [VSS] absolute examples */
    {"HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\dmio\\boot info\\", HRR_SKIP_NONE,
     HRR_REPLACE, "CurrentControlSet\\Services\\dmio\\boot info", 1, 0},
    {"HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\*", HRR_SKIP_NONE, HRR_MERGE,
     "CurrentControlSet\\Services", 1, 0},
    {"hklm\\system\\MountedDevices\\", HRR_SKIP_NONE, HRR_REPLACE, "MountedDevices", 0, 0},
    {"\\Registry\\Machine\\System\\Setup\\X", HRR_SKIP_NONE, HRR_VALUE, "Setup\\X", 0, 0},
    {"HKLM\\SYSTEM\\*", HRR_SKIP_NONE, HRR_MERGE, "", 0, 0},
    {"*", HRR_SKIP_NONE, HRR_MERGE, "", 0, 1},
    {"Value", HRR_SKIP_NONE, HRR_VALUE, "Value", 0, 0},
    {"CurrentControlSet", HRR_SKIP_NONE, HRR_VALUE, "CurrentControlSet", 0, 0},
    {"CurrentControlSet\\", HRR_SKIP_NONE, HRR_REPLACE, "CurrentControlSet", 1, 0},
    /* Malformed */
    {"", HRR_SKIP_EMPTY, 0, NULL, 0, 0},
    {"\\", HRR_SKIP_HIVE_ROOT, HRR_REPLACE, NULL, 0, 0},
    {"HKEY_LOCAL_MACHINE\\SYSTEM\\", HRR_SKIP_HIVE_ROOT, HRR_REPLACE, NULL, 0, 0},
    {"HKEY_LOCAL_MACHINE\\SYSTEM", HRR_SKIP_OUTSIDE_SYSTEM, HRR_VALUE, NULL, 0, 0},
    {"HKEY_LOCAL_MACHINE\\SOFTWARE\\X\\", HRR_SKIP_OUTSIDE_SYSTEM, HRR_REPLACE, NULL, 0, 0},
    {"HKEY_LOCAL_MACHINE\\", HRR_SKIP_OUTSIDE_SYSTEM, HRR_REPLACE, NULL, 0, 0},
    {"HKEY_LOCAL_MACHINE", HRR_SKIP_OUTSIDE_SYSTEM, HRR_VALUE, NULL, 0, 0},
    {"HKEY_USERS\\S-1-5-18\\X\\", HRR_SKIP_OUTSIDE_SYSTEM, HRR_REPLACE, NULL, 0, 0},
    {"\\Registry\\User\\X\\", HRR_SKIP_OUTSIDE_SYSTEM, HRR_REPLACE, NULL, 0, 0},
    {"\\Registry", HRR_SKIP_OUTSIDE_SYSTEM, HRR_VALUE, NULL, 0, 0},
    {"\\MountedDevices\\", HRR_SKIP_EMPTY_COMPONENT, HRR_REPLACE, NULL, 0, 0},
    {"A\\\\B\\", HRR_SKIP_EMPTY_COMPONENT, HRR_REPLACE, NULL, 0, 0},
    {"A\\\\", HRR_SKIP_EMPTY_COMPONENT, HRR_REPLACE, NULL, 0, 0},
    {"A\\\\*", HRR_SKIP_EMPTY_COMPONENT, HRR_MERGE, NULL, 0, 0},
    {"A\\*\\B\\", HRR_SKIP_WILDCARD, HRR_REPLACE, NULL, 0, 0},
    {"A*B", HRR_SKIP_WILDCARD, HRR_VALUE, NULL, 0, 0},
    {"A\\**", HRR_SKIP_WILDCARD, HRR_MERGE, NULL, 0, 1},
    {"HKLM\\SYSTEM\\A*\\B\\", HRR_SKIP_WILDCARD, HRR_REPLACE, NULL, 0, 0},
};

static void test_rule_grammar(void) {
  for (size_t i = 0; i < sizeof k_rules / sizeof k_rules[0]; i++) {
    const rule_row *r = &k_rules[i];
    const WCHAR *s = W(r->s);
    size_t n = strlen(r->s); /* ASCII rows: one unit per byte */
    HRRestoreKind kind;
    const WCHAR *body;
    size_t blen;
    int ccs, star;
    HRRestoreSkip got = HRRestoreParseRule(s, n, &kind, &body, &blen, &ccs, &star);
    if (got != r->skip)
      test_fail(__FILE__, __LINE__, "'%s': skip %s, want %s", r->s, HRRestoreSkipName(got),
                HRRestoreSkipName(r->skip));
    if (r->kind && kind != r->kind)
      test_fail(__FILE__, __LINE__, "'%s': kind %s, want %s", r->s, HRRestoreKindName(kind),
                HRRestoreKindName(r->kind));
    if (got != HRR_SKIP_NONE) continue;
    if (ccs != r->ccs || star != r->star)
      test_fail(__FILE__, __LINE__, "'%s': ccs %d star %d", r->s, ccs, star);
    if (r->body) {
      const WCHAR *want = W(r->body);
      if (blen != strlen(r->body) || (blen && memcmp(body, want, blen * 2) != 0))
        test_fail(__FILE__, __LINE__, "'%s': body length %zu, want '%s'", r->s, blen, r->body);
    }
  }
  /* Unit-level cases a UTF-8 table cannot spell. */
  WCHAR lone[] = {'A', 0xD800, '\\'};
  WCHAR pair[] = {'A', 0xD83D, 0xDE00, '\\'};
  WCHAR rev[] = {'A', 0xDC00, 0xD800, '\\'};
  HRRestoreKind kind;
  const WCHAR *body;
  size_t blen;
  int ccs, star;
  CHECK_EQ_U(HRRestoreParseRule(lone, 3, &kind, &body, &blen, &ccs, &star), HRR_SKIP_BAD_UTF16);
  CHECK_EQ_U(HRRestoreParseRule(pair, 4, &kind, &body, &blen, &ccs, &star), HRR_SKIP_NONE);
  CHECK_EQ_U(HRRestoreParseRule(rev, 4, &kind, &body, &blen, &ccs, &star), HRR_SKIP_BAD_UTF16);
  /* Limits: 255-unit key names pass, 256 do not; 16,383-unit value names pass. */
  static WCHAR big[20000];
  for (size_t i = 0; i < 20000; i++) big[i] = 'k';
  big[255] = '\\';
  CHECK_EQ_U(HRRestoreParseRule(big, 256, &kind, &body, &blen, &ccs, &star), HRR_SKIP_NONE);
  big[255] = 'k';
  big[256] = '\\';
  CHECK_EQ_U(HRRestoreParseRule(big, 257, &kind, &body, &blen, &ccs, &star), HRR_SKIP_TOO_LONG);
  big[256] = 'k';
  big[3] = '\\';
  CHECK_EQ_U(HRRestoreParseRule(big, 4 + 16383, &kind, &body, &blen, &ccs, &star), HRR_SKIP_NONE);
  CHECK_EQ_U(HRRestoreParseRule(big, 4 + 16384, &kind, &body, &blen, &ccs, &star),
             HRR_SKIP_TOO_LONG);
  big[3] = 'k';
  /* 512 levels: too deep. */
  for (size_t i = 0; i < 1024; i += 2) big[i] = 'a', big[i + 1] = '\\';
  CHECK_EQ_U(HRRestoreParseRule(big, 1024, &kind, &body, &blen, &ccs, &star), HRR_SKIP_TOO_LONG);
  CHECK_EQ_U(HRRestoreParseRule(big, 1000, &kind, &body, &blen, &ccs, &star), HRR_SKIP_NONE);
  /* Names of every enum value exist. */
  for (int s = 0; s < HRR_SKIP_COUNT; s++) CHECK(strcmp(HRRestoreSkipName((HRRestoreSkip)s), "unknown") != 0);
  for (int a = HRR_CHILD_ADD; a <= HRR_CHILD_KEEP_START_NOT_DWORD; a++)
    CHECK(strcmp(HRRestoreChildActionName((HRRestoreChildAction)a), "unknown") != 0);
}

/* ---- hives built through the API ---------------------------------------------------------- */

static DWORD mkpath(ORHKEY root, const char *path, ORHKEY *out) {
  ORHKEY cur = root;
  char buf[512];
  snprintf(buf, sizeof buf, "%s", path);
  char *save = NULL;
  for (char *t = strtok_r(buf, "\\", &save); t; t = strtok_r(NULL, "\\", &save)) {
    ORHKEY next;
    DWORD st = ORCreateKey(cur, W(t), NULL, 0, NULL, &next, NULL);
    if (cur != root) ORCloseKey(cur);
    if (st != ERROR_SUCCESS) return st;
    cur = next;
  }
  *out = cur;
  return ERROR_SUCCESS;
}

static DWORD set_dword(ORHKEY root, const char *path, const char *name, DWORD v) {
  ORHKEY k;
  DWORD st = mkpath(root, path, &k);
  if (st != ERROR_SUCCESS) return st;
  st = ORSetValue(k, W(name), REG_DWORD, (const BYTE *)&v, 4);
  if (k != root) ORCloseKey(k);
  return st;
}

/* REG_MULTI_SZ from strings (an empty string allowed: PendingFileRenameOperations pairs). */
static DWORD set_multi(ORHKEY root, const char *path, const char *name, const char *const *v,
                       size_t n) {
  WCHAR data[4096];
  size_t u = 0;
  for (size_t i = 0; i < n; i++) {
    const WCHAR *w = W(v[i]);
    size_t l = strlen(v[i]);
    memcpy(data + u, w, l * 2);
    u += l;
    data[u++] = 0;
  }
  data[u++] = 0;
  ORHKEY k;
  DWORD st = mkpath(root, path, &k);
  if (st != ERROR_SUCCESS) return st;
  st = ORSetValue(k, W(name), REG_MULTI_SZ, (const BYTE *)data, (DWORD)(u * 2));
  if (k != root) ORCloseKey(k);
  return st;
}

static const char *const k_list[] = {
    "MountedDevices\\", "CurrentControlSet\\Services\\*",
    "CurrentControlSet\\Control\\Session Manager\\PendingFileRenameOperations", "Bad\\*\\x",
    "Missing\\"};
static const char *const k_pfro[] = {"\\??\\C:\\a", "", "\\??\\C:\\b", "\\??\\C:\\c"};

/* A small existing/restored pair exercising replace, merge (every Start branch), value and skips. */
static DWORD build_pair(ORHKEY *ex, ORHKEY *re) {
  DWORD st = ORCreateHive(ex);
  if (st != ERROR_SUCCESS) return st;
  st = ORCreateHive(re);
  if (st != ERROR_SUCCESS) {
    ORCloseHive(*ex);
    return st;
  }
  ORHKEY e = *ex, r = *re;
  const char *svc = "ControlSet001\\Services";
  char p[128];
  DWORD s = ERROR_SUCCESS;
  s |= set_dword(e, "Select", "Current", 1);
  s |= set_dword(r, "Select", "Current", 2);
  s |= set_multi(e, "ControlSet001\\Control\\BackupRestore\\KeysNotToRestore", "L", k_list, 5);
  s |= set_multi(r, "ControlSet002\\Control\\BackupRestore\\KeysNotToRestore", "L", k_list, 2);
  s |= set_dword(e, "MountedDevices", "a", 1);
  s |= set_dword(e, "MountedDevices\\Sub", "b", 2);
  s |= set_dword(r, "MountedDevices\\Old\\Deeper", "c", 3);
  s |= set_multi(e, "ControlSet001\\Control\\Session Manager", "PendingFileRenameOperations",
                 k_pfro, 4);
  const DWORD es[] = {0, 2, 3, 2, 9};
  const DWORD rs[] = {3, 9, 1, 2, 9}; /* 9 = no Start */
  for (int i = 0; i < 5; i++) {
    snprintf(p, sizeof p, "%s\\S%d", svc, i);
    if (es[i] != 9) s |= set_dword(e, p, "Start", es[i]);
    else s |= set_dword(e, p, "Type", 1);
    snprintf(p, sizeof p, "ControlSet002\\Services\\S%d", i);
    if (rs[i] != 9) s |= set_dword(r, p, "Start", rs[i]);
    else s |= set_dword(r, p, "Type", 2);
  }
  s |= set_dword(e, "ControlSet001\\Services\\New\\Parameters", "P", 1);
  s |= set_dword(e, "ControlSet001\\Services", "OnlyExisting", 1);
  return s == ERROR_SUCCESS ? ERROR_SUCCESS : ERROR_INVALID_DATA;
}

static void test_arguments(void) {
  ORHKEY ex, re;
  REQUIRE_OK(build_pair(&ex, &re));
  HRRestorePlan *plan = (HRRestorePlan *)1;
  CHECK_ERR(HRRestorePlanBuild(ex, ex, &plan), ERROR_INVALID_PARAMETER);
  CHECK(plan == NULL);
  CHECK_ERR(HRRestorePlanBuild(NULL, re, &plan), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRRestorePlanBuild(ex, re, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRRestorePlanBuild(ex, (ORHKEY)(uintptr_t)0x12345, &plan), ERROR_INVALID_HANDLE);
  REQUIRE_OK(HRRestorePlanBuild(ex, re, &plan));
  CHECK_EQ_U(plan->n_ops, 5);
  CHECK_EQ_U(plan->count[HRR_REPLACE], 1);
  CHECK_EQ_U(plan->count[HRR_MERGE], 1);
  CHECK_EQ_U(plan->count[HRR_VALUE], 1);
  CHECK_EQ_U(plan->count[HRR_SKIP], 2);
  CHECK_EQ_U(plan->ops[0].sources, HRR_FROM_EXISTING | HRR_FROM_RESTORED);
  CHECK_EQ_U(plan->ops[2].pending.pairs, 2);
  CHECK_EQ_U(plan->ops[2].pending.deletes, 1);
  /* The plan's memory is counted in the restored hive's context. */
  HRMemStats ms;
  REQUIRE_OK(HRGetMemStats(re, &ms));
  CHECK(ms.live_bytes > 0);
  CHECK_ERR(HRRestoreApply(plan, re, ex, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRRestoreApply(NULL, ex, re, NULL, NULL), ERROR_INVALID_PARAMETER);
  REQUIRE_OK(HRRestoreApply(plan, ex, re, NULL, NULL));
  /* Merge results: S0 carry-lower (0), S1 carry-missing (2), S2 keep (1), S3 keep (2), S4 keep. */
  static const DWORD want[] = {0, 2, 1, 2};
  for (int i = 0; i < 4; i++) {
    char p[64];
    snprintf(p, sizeof p, "ControlSet002\\Services\\S%d", i);
    DWORD v = 99, cb = 4, type = 0;
    CHECK_ERR(ORGetValue(re, W(p), W("Start"), &type, &v, &cb), ERROR_SUCCESS);
    CHECK_EQ_U(v, want[i]);
  }
  DWORD v = 0, cb = 4;
  CHECK_ERR(ORGetValue(re, W("ControlSet002\\Services\\S4"), W("Start"), NULL, &v, &cb),
            ERROR_FILE_NOT_FOUND);
  CHECK_ERR(ORGetValue(re, W("ControlSet002\\Services\\New\\Parameters"), W("P"), NULL, &v, &cb),
            ERROR_SUCCESS);
  CHECK_ERR(ORGetValue(re, W("ControlSet002\\Services"), W("OnlyExisting"), NULL, &v, &cb),
            ERROR_SUCCESS);
  ORHKEY k;
  CHECK_ERR(OROpenKey(re, W("MountedDevices\\Old"), &k), ERROR_FILE_NOT_FOUND);
  CHECK_ERR(ORGetValue(re, W("MountedDevices\\Sub"), W("b"), NULL, &v, &cb), ERROR_SUCCESS);
  /* Progress callback and both printers. */
  FILE *f = fopen("/dev/null", "w");
  if (f) {
    CHECK_ERR(HRRestorePlanPrint(plan, f, 0), ERROR_SUCCESS);
    CHECK_ERR(HRRestorePlanPrint(plan, f, 1), ERROR_SUCCESS);
    fclose(f);
  }
  CHECK_ERR(HRRestorePlanPrint(NULL, stdout, 0), ERROR_INVALID_PARAMETER);
  HRRestorePlanFree(plan);
  HRRestorePlanFree(NULL);
  ORCloseHive(re);
  ORCloseHive(ex);
}

static int g_progress_calls;
static void on_progress(void *ctx, size_t done, size_t total, uint64_t keys) {
  (void)keys;
  (void)ctx;
  if (done <= total) g_progress_calls++;
}

static void test_progress(void) {
  ORHKEY ex, re;
  REQUIRE_OK(build_pair(&ex, &re));
  /* A Services subtree of 3000 keys: progress fires every 1024 copied keys and per entry. */
  ORHKEY big;
  REQUIRE_OK(mkpath(ex, "ControlSet001\\Services\\Big", &big));
  for (int i = 0; i < 3000; i++) {
    char n[32];
    snprintf(n, sizeof n, "k%05d", i);
    ORHKEY c;
    REQUIRE_OK(ORCreateKey(big, W(n), NULL, 0, NULL, &c, NULL));
    ORCloseKey(c);
  }
  ORCloseKey(big);
  HRRestorePlan *plan;
  REQUIRE_OK(HRRestorePlanBuild(ex, re, &plan));
  g_progress_calls = 0;
  REQUIRE_OK(HRRestoreApply(plan, ex, re, on_progress, NULL));
  CHECK(g_progress_calls >= 3 + 2);
  CHECK(plan->ops[1].keys_copied >= 3001);
  HRRestorePlanFree(plan);
  ORCloseHive(re);
  ORCloseHive(ex);
}

/* ---- OOM ---------------------------------------------------------------------------------- */

typedef struct oom_ctx {
  char dir[128];
  int runs;
  int repeat;                  /* fail the Nth attempt and every later one */
} oom_ctx;

static DWORD oom_op(void *vctx, uint64_t fail_at, bool *injected) {
  oom_ctx *c = vctx;
  ORHKEY ex, re;
  DWORD st = build_pair(&ex, &re);
  if (st != ERROR_SUCCESS) return st;
  HRSetAllocFailure(re, fail_at, c->repeat);
  HRRestorePlan *plan = NULL;
  st = HRRestorePlanBuild(ex, re, &plan);
  if (st == ERROR_SUCCESS) st = HRRestoreApply(plan, ex, re, NULL, NULL);
  HRRestorePlanFree(plan);
  HRMemStats ms;
  HRGetMemStats(re, &ms);
  *injected = ms.failures > 0;
  HRSetAllocFailure(re, 0, 0);
  /* On failure the restored hive must still be valid: it saves and reopens. */
  char path[256];
  snprintf(path, sizeof path, "%s/oom%d.hive", c->dir, c->runs++);
  ORHKEY again = NULL;
  if (ORSaveHive(re, W(path), 6, 1) != ERROR_SUCCESS || OROpenHive(W(path), &again) != ERROR_SUCCESS) {
    test_fail(__FILE__, __LINE__, "fail_at=%llu: restored hive no longer saves/reopens",
              (unsigned long long)fail_at);
  }
  if (again) ORCloseHive(again);
  unlink(path);
  ORCloseHive(re);
  ORCloseHive(ex);
  return st;
}

static void test_oom_sweep_restore(void) {
  oom_ctx c = {"/tmp/hiveref-restore-oom-XXXXXX", 0, 0};
  REQUIRE(mkdtemp(c.dir) != NULL);
  uint64_t runs = test_oom_sweep("restore plan+apply", oom_op, &c, 20000);
  CHECK(runs > 10);
  c.repeat = 1;
  uint64_t runs2 = test_oom_sweep("restore plan+apply (repeat)", oom_op, &c, 20000);
  CHECK_EQ_U(runs2, runs);
  printf("restore OOM sweep: %llu runs (once), %llu runs (repeat)\n", (unsigned long long)runs,
         (unsigned long long)runs2);
  rmdir(c.dir);
}

/* ---- real hives ----------------------------------------------------------------------------- */

static DWORD plant(const char *src, const char *dst, int existing) {
  ORHKEY h;
  DWORD st = OROpenHive(W(src), &h);
  if (st != ERROR_SUCCESS) return st;
  DWORD cur = 0, cb = 4;
  if (!existing) {
    /* The backup booted its second control set (regipy SYSTEM has ControlSet001 and 002): the
     * two hives resolve CurrentControlSet differently (issue 8 rule 4). */
    DWORD two = 2;
    ORHKEY sel;
    st = OROpenKey(h, W("Select"), &sel);
    if (st == ERROR_SUCCESS) {
      st = ORSetValue(sel, W("Current"), REG_DWORD, (const BYTE *)&two, 4);
      ORCloseKey(sel);
    }
    if (st != ERROR_SUCCESS) {
      ORCloseHive(h);
      return st;
    }
  }
  st = ORGetValue(h, W("Select"), W("Current"), NULL, &cur, &cb);
  char cs[64], p[256];
  snprintf(cs, sizeof cs, "ControlSet%03u", (unsigned)cur);
  snprintf(p, sizeof p, "%s\\Control\\BackupRestore\\KeysNotToRestore", cs);
  if (existing) {
    static const char *const l[] = {
        "CurrentControlSet\\Services\\*",
        "HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Control\\HiverefPlanted\\",
        "Setup\\HiverefValue", "CurrentControlSet\\Services\\*\\Parameters\\", "NoSuchKey\\"};
    if (st == ERROR_SUCCESS) st = set_multi(h, p, "hiveref test", l, 5);
    snprintf(p, sizeof p, "%s\\Control\\HiverefPlanted\\Sub", cs);
    if (st == ERROR_SUCCESS) st = set_dword(h, p, "Planted", 0x1234);
    if (st == ERROR_SUCCESS) st = set_dword(h, "Setup", "HiverefValue", 7);
    snprintf(p, sizeof p, "%s\\Services\\HiverefNewDriver", cs);
    if (st == ERROR_SUCCESS) st = set_dword(h, p, "Start", 0);
  } else {
    static const char *const l[] = {"HKLM\\SYSTEM\\Select\\LastKnownGood"};
    if (st == ERROR_SUCCESS) st = set_multi(h, p, "hiveref restored-only", l, 1);
    snprintf(p, sizeof p, "%s\\Control\\HiverefPlanted", cs);
    if (st == ERROR_SUCCESS) st = set_dword(h, p, "RestoredOnly", 1);
  }
  if (st == ERROR_SUCCESS) st = ORSaveHive(h, W(dst), 6, 1);
  ORCloseHive(h);
  return st;
}

static void test_real_hives_scenario(void) {
  const char *e0 = test_shared_hive("regipy/regipy_tests/data/SYSTEM_WIN_10_1709");
  const char *r0 = test_shared_hive("regipy/regipy_tests/data/SYSTEM");
  if (!e0 || !r0) {
    test_skip("../shared/hives absent");
    return;
  }
  char esrc[512], rsrc[512];
  snprintf(esrc, sizeof esrc, "%s", e0);
  snprintf(rsrc, sizeof rsrc, "%s", r0);
  struct stat sb;
  if (stat(esrc, &sb) != 0 || stat(rsrc, &sb) != 0) {
    test_skip("regipy SYSTEM hives absent");
    return;
  }
  char dir[] = "/tmp/hiveref-restore-real-XXXXXX";
  REQUIRE(mkdtemp(dir) != NULL);
  char pe[600], pr[600], po[600], pj[600];
  snprintf(pe, sizeof pe, "%s/existing", dir);
  snprintf(pr, sizeof pr, "%s/restored", dir);
  snprintf(po, sizeof po, "%s/result", dir);
  snprintf(pj, sizeof pj, "%s/plan.json", dir);
  REQUIRE_OK(plant(esrc, pe, 1));
  REQUIRE_OK(plant(rsrc, pr, 0));
  ORHKEY ex, re;
  REQUIRE_OK(OROpenHive(W(pe), &ex));
  REQUIRE_OK(OROpenHive(W(pr), &re));
  struct timespec t0, t1, t2;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  HRRestorePlan *plan = NULL;
  DWORD st = HRRestorePlanBuild(ex, re, &plan);
  CHECK_ERR(st, ERROR_SUCCESS);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (plan) {
    /* Both lists read (the real Windows 10 list has 5 values), union taken. */
    CHECK(plan->existing.list_found && plan->restored.list_found);
    size_t merges = 0, carries = 0, adds = 0, keeps = 0, wild = 0, missing = 0;
    for (size_t i = 0; i < plan->n_ops; i++) {
      const HRRestoreOp *op = &plan->ops[i];
      if (op->kind == HRR_MERGE) {
        merges++;
        CHECK(op->src_path_len >= 13 && memcmp(op->src_path, W("ControlSet001"), 26) == 0);
        CHECK(op->dst_path_len >= 13 && memcmp(op->dst_path, W("ControlSet002"), 26) == 0);
        for (size_t c = 0; c < op->n_children; c++) {
          HRRestoreChildAction a = op->children[c].action;
          if (a == HRR_CHILD_ADD) adds++;
          else if (a == HRR_CHILD_CARRY_START_LOWER || a == HRR_CHILD_CARRY_START_MISSING) carries++;
          else keeps++;
        }
      }
      if (op->skip == HRR_SKIP_WILDCARD) wild++;
      if (op->skip == HRR_SKIP_SOURCE_KEY_MISSING) missing++;
    }
    CHECK_EQ_U(merges, 1);
    CHECK(adds >= 1);  /* at least the planted HiverefNewDriver */
    CHECK(keeps > 100); /* two real Services keys share most services */
    CHECK_EQ_U(wild, 1);
    CHECK_EQ_U(missing, 1);
    st = HRRestoreApply(plan, ex, re, NULL, NULL);
    CHECK_ERR(st, ERROR_SUCCESS);
    clock_gettime(CLOCK_MONOTONIC, &t2);
    CHECK_ERR(ORSaveHive(re, W(po), 6, 1), ERROR_SUCCESS);
    FILE *f = fopen(pj, "w");
    REQUIRE(f != NULL);
    CHECK_ERR(HRRestorePlanPrint(plan, f, 1), ERROR_SUCCESS);
    fclose(f);
    printf("real hives: %zu entries (%zu subkeys added, %zu Start carried, %zu kept); plan %.0f ms, "
           "apply %.0f ms\n",
           plan->n_ops, adds, carries, keeps,
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
           (double)(t2.tv_sec - t1.tv_sec) * 1e3 + (double)(t2.tv_nsec - t1.tv_nsec) / 1e6);
  }
  HRRestorePlanFree(plan);
  ORCloseHive(re);
  ORCloseHive(ex);
  /* The engine's own reading of the result. */
  ORHKEY out;
  if (OROpenHive(W(po), &out) == ERROR_SUCCESS) {
    DWORD v = 0, cb = 4;
    CHECK_ERR(ORGetValue(out, W("ControlSet002\\Control\\HiverefPlanted\\Sub"), W("Planted"), NULL,
                         &v, &cb), ERROR_SUCCESS);
    CHECK_EQ_U(v, 0x1234);
    CHECK_ERR(ORGetValue(out, W("ControlSet002\\Control\\HiverefPlanted"), W("RestoredOnly"), NULL,
                         &v, &cb), ERROR_FILE_NOT_FOUND);
    CHECK_ERR(ORGetValue(out, W("ControlSet002\\Services\\HiverefNewDriver"), W("Start"), NULL, &v,
                         &cb), ERROR_SUCCESS);
    ORHKEY k;
    /* The restored hive's other control set is untouched. */
    CHECK_ERR(OROpenKey(out, W("ControlSet001\\Services\\HiverefNewDriver"), &k),
              ERROR_FILE_NOT_FOUND);
    ORCloseHive(out);
  } else {
    test_fail(__FILE__, __LINE__, "the result does not reopen");
  }
  /* The independent reader (gen/reader.py) checks every entry and everything untouched. */
  if (system("python3 -c 'import sys' >/dev/null 2>&1") == 0) {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "python3 %s %s %s %s %s", test_src_path("ref/restore/verify_restore.py"),
             pe, pr, po, pj);
    int rc = system(cmd);
    CHECK_EQ_U(rc, 0);
  } else {
    printf("python3 absent: independent verification skipped\n");
  }
  unlink(pe);
  unlink(pr);
  unlink(po);
  unlink(pj);
  rmdir(dir);
}

/* ---- the CLI (hiveref restore), when it was built next to the tests ------------------------- */

static int run(const char *cmd) {
  int rc = system(cmd);
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void test_cli(void) {
  const char *cli = "../hiveref";
  if (access(cli, X_OK) != 0) {
    test_skip("hiveref CLI not built");
    return;
  }
  char dir[] = "/tmp/hiveref-restore-cli-XXXXXX";
  REQUIRE(mkdtemp(dir) != NULL);
  ORHKEY ex, re;
  REQUIRE_OK(build_pair(&ex, &re));
  char pe[256], pr[256], po[256], pj[256], cmd[2048];
  snprintf(pe, sizeof pe, "%s/e", dir);
  snprintf(pr, sizeof pr, "%s/r", dir);
  snprintf(po, sizeof po, "%s/o", dir);
  snprintf(pj, sizeof pj, "%s/p.json", dir);
  CHECK_ERR(ORSaveHive(ex, W(pe), 6, 1), ERROR_SUCCESS);
  CHECK_ERR(ORSaveHive(re, W(pr), 6, 1), ERROR_SUCCESS);
  ORCloseHive(re);
  ORCloseHive(ex);
  /* Usage errors: 2. */
  snprintf(cmd, sizeof cmd, "%s restore --existing %s >/dev/null 2>&1", cli, pe);
  CHECK_EQ_U(run(cmd), 2);
  snprintf(cmd, sizeof cmd, "%s restore --existing %s --restored %s >/dev/null 2>&1", cli, pe, pr);
  CHECK_EQ_U(run(cmd), 2); /* neither -o nor --dry-run */
  snprintf(cmd, sizeof cmd, "%s restore --bogus >/dev/null 2>&1", cli);
  CHECK_EQ_U(run(cmd), 2);
  snprintf(cmd, sizeof cmd, "%s restore --help | grep -q KeysNotToRestore", cli);
  CHECK_EQ_U(run(cmd), 0);
  /* Dry run: 0, nothing written; --strict with skipped entries: 1. */
  snprintf(cmd, sizeof cmd, "HIVEREF_AUDIT=1 %s restore --existing %s --restored %s --dry-run "
           "| grep -q 'plan: 1 replace, 1 merge, 1 value, 2 skipped'", cli, pe, pr);
  CHECK_EQ_U(run(cmd), 0);
  snprintf(cmd, sizeof cmd, "%s restore --existing %s --restored %s -o %s --strict >/dev/null 2>&1",
           cli, pe, pr, po);
  CHECK_EQ_U(run(cmd), 1);
  CHECK(access(po, F_OK) != 0);
  /* Apply with JSON: 0, the output reopens, the JSON parses. */
  snprintf(cmd, sizeof cmd, "HIVEREF_AUDIT=1 %s restore --existing %s --restored %s -o %s --json > %s",
           cli, pe, pr, po, pj);
  CHECK_EQ_U(run(cmd), 0);
  ORHKEY out;
  if (OROpenHive(W(po), &out) == ERROR_SUCCESS) {
    DWORD v = 9, cb = 4;
    CHECK_ERR(ORGetValue(out, W("ControlSet002\\Services\\S0"), W("Start"), NULL, &v, &cb),
              ERROR_SUCCESS);
    CHECK_EQ_U(v, 0);
    ORCloseHive(out);
  } else {
    test_fail(__FILE__, __LINE__, "CLI output does not reopen");
  }
  if (run("python3 -c 'import json' >/dev/null 2>&1") == 0) {
    snprintf(cmd, sizeof cmd, "python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); "
             "sys.exit(0 if d['summary']['skip']==2 and len(d['operations'])==5 else 1)\" %s", pj);
    CHECK_EQ_U(run(cmd), 0);
  }
  /* The output exists now: a second run refuses to overwrite it (1). */
  snprintf(cmd, sizeof cmd, "%s restore --existing %s --restored %s -o %s >/dev/null 2>&1", cli,
           pe, pr, po);
  CHECK_EQ_U(run(cmd), 1);
  unlink(pe);
  unlink(pr);
  unlink(po);
  unlink(pj);
  rmdir(dir);
}

int main(void) {
  TEST_RUN(test_rule_grammar);
  TEST_RUN(test_arguments);
  TEST_RUN(test_progress);
  TEST_RUN(test_oom_sweep_restore);
  TEST_RUN(test_cli);
  TEST_RUN(test_real_hives_scenario);
  return test_finish();
}
