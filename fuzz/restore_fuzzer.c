/*
 * restore_fuzzer.c: the KeysNotToRestore engine (ref/restore) on hostile input (DESIGN.md §5;
 * issue 8).  Two fuzzed hives, or fuzzed KeysNotToRestore lists over a fixed pair of SYSTEM-like
 * hives, must never crash the engine, hang it or leak.
 *
 * Input: the control prefix of fuzz_common.h, then a mode byte:
 *   bit 0 = 0  list mode: u16 L, then L bytes = the existing hive's KeysNotToRestore REG_MULTI_SZ
 *              data and the rest = the restored hive's; both hives are built through the API
 *              (Select\Current, ControlSet00N\Services with Start values of every kind,
 *              MountedDevices, PendingFileRenameOperations).  bit 1: the restored hive uses
 *              ControlSet002; bit 2: the restored hive has no Select key; bit 3: the lists are
 *              REG_SZ instead of REG_MULTI_SZ.
 *   bit 0 = 1  hive mode: u32 L, then L bytes = the existing hive file, the rest = the restored
 *              hive file (each opened from memory; one that does not open is replaced by the
 *              built hive, so a single valid hive still reaches the planner).
 * Checks: HRRestorePlanBuild returns only ERROR_SUCCESS or ERROR_NOT_ENOUGH_MEMORY, and
 * HRRestoreApply also the documented refusals (status_ok below); an injected allocation failure (control mode 1, armed on the restored
 * hive before planning) surfaces as ERROR_NOT_ENOUGH_MEMORY; every plan renders as text and JSON;
 * afterwards the restored hive walks cleanly, saves, and the saved image has no findings; nothing
 * leaks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ref/restore/restore.h"
#include "fuzz_common.h"

static FILE *g_null;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  g_null = fopen("/dev/null", "w");
  return 0;
}


static DWORD mk(ORHKEY root, const WCHAR *path, ORHKEY *out) {
  DWORD st = ORCreateKey(root, path, NULL, 0, NULL, out, NULL);
  return st;
}

static void set_dw(ORHKEY root, const WCHAR *path, const WCHAR *name, DWORD type, const void *d,
                   DWORD cb) {
  ORHKEY k;
  if (mk(root, path, &k) != ERROR_SUCCESS) return;
  ORSetValue(k, name, type, d, cb);
  ORCloseKey(k);
}

/* A SYSTEM-like hive whose current control set is ControlSet00<cs>. */
static ORHKEY build(DWORD cs, int select, const uint8_t *list, size_t list_len, DWORD list_type,
                    int existing) {
  ORHKEY h = NULL;
  if (ORCreateHive(&h) != ERROR_SUCCESS) return NULL;
  if (select) set_dw(h, u"Select", u"Current", REG_DWORD, &cs, 4);
  const WCHAR *list_key = cs == 1 ? u"ControlSet001\\Control\\BackupRestore\\KeysNotToRestore"
                                  : u"ControlSet002\\Control\\BackupRestore\\KeysNotToRestore";
  if (list) set_dw(h, list_key, u"Fuzzed", list_type, list_len ? list : NULL, (DWORD)list_len);
  const WCHAR *svc[] = {u"ControlSet001\\Services\\S0", u"ControlSet001\\Services\\S1",
                        u"ControlSet001\\Services\\S2", u"ControlSet001\\Services\\S3"};
  const WCHAR *svc2[] = {u"ControlSet002\\Services\\S0", u"ControlSet002\\Services\\S1",
                         u"ControlSet002\\Services\\S2", u"ControlSet002\\Services\\S3"};
  DWORD v0 = existing ? 0 : 3, v2 = existing ? 4 : 1;
  const WCHAR *const *s = cs == 1 ? svc : svc2;
  set_dw(h, s[0], u"Start", REG_DWORD, &v0, 4);
  if (existing) set_dw(h, s[1], u"Start", REG_DWORD, &v0, 4);
  else set_dw(h, s[1], u"Type", REG_DWORD, &v0, 4);
  set_dw(h, s[2], u"Start", existing ? REG_SZ : REG_DWORD, &v2, existing ? 2 : 4);
  set_dw(h, s[3], u"Start", REG_DWORD, &v2, existing ? 2 : 4);
  static const WCHAR pfro[] = u"\\??\\C:\\a\0\0\\??\\C:\\b\0\\??\\C:\\c\0";
  set_dw(h, cs == 1 ? u"ControlSet001\\Control\\Session Manager"
                    : u"ControlSet002\\Control\\Session Manager",
         u"PendingFileRenameOperations", REG_MULTI_SZ, pfro, sizeof pfro);
  set_dw(h, u"MountedDevices", existing ? u"\\DosDevices\\C:" : u"\\DosDevices\\D:", REG_BINARY,
         &v2, 4);
  if (existing) {
    ORHKEY k;
    if (mk(h, u"ControlSet001\\Services\\New\\Parameters\\Deep", &k) == ERROR_SUCCESS) ORCloseKey(k);
  }
  return h;
}

/* ERROR_ACCESS_DENIED: a symbolic-link target refuses ordinary values (§2.11).
 * ERROR_INVALID_DATA: a restored subtree to be replaced holds a key no OR* call can name
 * (256-unit name or embedded NUL), so it cannot be deleted (BEHAVIOUR.md "## Restore rules"). */
static bool status_ok(DWORD rc) {
  return rc == ERROR_SUCCESS || rc == ERROR_NOT_ENOUGH_MEMORY || rc == ERROR_ACCESS_DENIED ||
         rc == ERROR_INVALID_DATA;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_control ctl;
  if (!fz_control_parse(data, size, &ctl)) return 0;
  fz_rd r = {data + FZ_CONTROL_SIZE, size - FZ_CONTROL_SIZE};
  uint8_t mode = fz_u8(&r);
  ORHKEY ex = NULL, re = NULL;
  uint8_t *copy1 = NULL, *copy2 = NULL;
  if (mode & 1) {
    uint32_t l = (uint32_t)fz_u8(&r) | ((uint32_t)fz_u8(&r) << 8) | ((uint32_t)fz_u8(&r) << 16);
    if (l > r.n) l = (uint32_t)r.n;
    copy1 = fz_exact_copy(r.p, l);
    copy2 = fz_exact_copy(r.p + l, r.n - l);
    if (HROpenHiveFromMemory(copy1, l, NULL, &ex, NULL) != ERROR_SUCCESS) ex = NULL;
    if (HROpenHiveFromMemory(copy2, r.n - l, NULL, &re, NULL) != ERROR_SUCCESS) re = NULL;
    if (!ex) ex = build(1, 1, NULL, 0, 0, 1);
    if (!re) re = build(2, 1, NULL, 0, 0, 0);
  } else {
    size_t l = (size_t)fz_u8(&r) | ((size_t)fz_u8(&r) << 8);
    if (l > r.n) l = r.n;
    DWORD type = (mode & 8) ? REG_SZ : REG_MULTI_SZ;
    ex = build(1, 1, r.p, l, type, 1);
    re = build((mode & 2) ? 2 : 1, !(mode & 4), r.p + l, r.n - l, type, 0);
  }
  FZ_CHECK(ex && re, "building the hives failed");

  fz_faults faults = {re, NULL};
  if (ctl.mode == FZ_FAULT_ENGINE && ctl.nth)
    FZ_CHECK(HRSetAllocFailure(re, ctl.nth, ctl.repeat) == ERROR_SUCCESS, "arming failed");
  uint64_t before = fz_failures(&faults);
  HRRestorePlan *plan = NULL;
  DWORD rc = HRRestorePlanBuild(ex, re, &plan);
  FZ_CHECK(rc == ERROR_SUCCESS || rc == ERROR_NOT_ENOUGH_MEMORY, "plan returned %s",
           HRErrorName(rc));
  if (fz_failures(&faults) > before)
    FZ_CHECK(rc == ERROR_NOT_ENOUGH_MEMORY, "plan returned %s after an allocation failure",
             HRErrorName(rc));
  FZ_CHECK((rc == ERROR_SUCCESS) == (plan != NULL), "plan pointer does not match the status");
  if (plan) {
    size_t sum = 0;
    for (int k = 1; k <= 4; k++) sum += plan->count[k];
    FZ_CHECK(sum == plan->n_ops, "per-kind counts do not add up");
    for (size_t i = 0; i < plan->n_ops; i++) {
      const HRRestoreOp *op = &plan->ops[i];
      FZ_CHECK(op->sources != 0, "entry without a source list");
      FZ_CHECK((op->kind == HRR_SKIP) == (op->skip != HRR_SKIP_NONE), "skip reason mismatch");
      if (op->kind != HRR_SKIP) FZ_CHECK(op->src_path && op->dst_path, "unresolved entry");
    }
    if (g_null) {
      FZ_CHECK(HRRestorePlanPrint(plan, g_null, 0) == ERROR_SUCCESS, "text print failed");
      FZ_CHECK(HRRestorePlanPrint(plan, g_null, 1) == ERROR_SUCCESS, "JSON print failed");
    }
    before = fz_failures(&faults);
    rc = HRRestoreApply(plan, ex, re, NULL, NULL);
    FZ_CHECK(status_ok(rc), "apply returned %s", HRErrorName(rc));
    if (fz_failures(&faults) > before)
      FZ_CHECK(rc == ERROR_NOT_ENOUGH_MEMORY, "apply returned %s after an allocation failure",
               HRErrorName(rc));
    HRRestorePlanFree(plan);
  }
  HRSetAllocFailure(re, 0, 0);
  /* Whatever happened, the restored hive is valid: it walks, saves, and the image is clean. */
  fz_faults none = {re, NULL};
  fz_walk_stats ws;
  DWORD wrc = fz_walk(re, &none, NULL, &ws);
  FZ_CHECK(wrc == ERROR_SUCCESS, "walk after restore returned %s", HRErrorName(wrc));
  uint8_t *img = NULL;
  size_t img_len = 0;
  DWORD src = fz_save(re, 6, 1, &img, &img_len);
  FZ_CHECK(src == ERROR_SUCCESS, "save after restore returned %s", HRErrorName(src));
  if (img) {
    DWORD crc;
    unsigned content = 0;
    uint64_t n = fz_check_findings(img, img_len, FZ_CONTENT_F16 | FZ_CONTENT_F17, &crc, NULL,
                                   &content);
    FZ_CHECK(crc == ERROR_SUCCESS && n == 0, "saved result has %llu findings (%s)",
             (unsigned long long)n, HRErrorName(crc));
    free(img);
  }
  ORCloseHive(re);
  ORCloseHive(ex);
  free(copy1);
  free(copy2);
  fz_check_no_leaks(NULL);
  return 0;
}
