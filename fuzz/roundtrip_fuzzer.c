/*
 * roundtrip_fuzzer.c: open -> save -> reopen (DESIGN.md §5; issue 6; zstd's simple_round_trip
 * is the model: assertions always on, determinism checked).
 *
 * Input: the control prefix of fuzz_common.h, then a hive image.  Control byte 0 bits 5-6 pick
 * the ORSaveHive target: 0 -> 10.0, 1 -> 6.1, 2 -> 5.1 (format 1.3: lf, no big data),
 * 3 -> 6.0.  For an input that opens:
 *  1. the canonical dump of the opened hive (fuzz_walk.c) is D0;
 *  2. save A: must succeed for 6.x/10.0 targets (5.x may refuse content format 1.3 cannot hold,
 *     but must then leave no file behind);
 *  3. HRCheckHive(A) reports zero findings of any severity (save.h: "The output passes
 *     hive_check with zero findings"), except the content rules R-F16/R-F17 when the source
 *     had them too (a faithful save keeps duplicate value names and odd-sized DWORDs);
 *  4. save B of the same tree is byte-identical to A except offreg's serialization timestamp;
 *  5. A reopens, its dump D1 == D0, and saving the reopened hive gives A again (fixpoint);
 *  6. nothing leaks.
 * Control modes 1 (engine injection) and 3 (backend) arm the fault just before save A: ORSaveHive must then return
 * ERROR_NOT_ENOUGH_MEMORY, leave no file, and the in-memory hive must be unchanged (dump ==
 * D0; STYLE.md item 11).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define HIVEREF_FUZZ_HIVE_INPUT 1

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  return 0;
}

static void check_same_dump(const fz_buf *a, const fz_buf *b, const char *what) {
  if (a->len == b->len && memcmp(a->p, b->p, a->len) == 0) return;
  size_t i = 0, line = 1, start = 0;
  size_t n = a->len < b->len ? a->len : b->len;
  while (i < n && a->p[i] == b->p[i]) {
    if (a->p[i] == '\n') {
      line++;
      start = i + 1;
    }
    i++;
  }
  const char *ea = memchr(a->p + start, '\n', a->len - start);
  const char *eb = memchr(b->p + start, '\n', b->len - start);
  int la = ea ? (int)(ea - (a->p + start)) : (int)(a->len - start);
  int lb = eb ? (int)(eb - (b->p + start)) : (int)(b->len - start);
  if (la > 300) la = 300;
  if (lb > 300) lb = 300;
  FZ_CHECK(0, "%s: dumps differ at line %zu:\n  before: %.*s\n  after:  %.*s", what, line, la,
           a->p + start, lb, b->p + start);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const DWORD targets[4][2] = {{10, 0}, {6, 1}, {5, 1}, {6, 0}};
  fz_control ctl;
  if (!fz_control_parse(data, size, &ctl)) return 0;
  size_t hsize = size - FZ_CONTROL_SIZE;
  uint8_t *hive = fz_exact_copy(data + FZ_CONTROL_SIZE, hsize);
  const DWORD *target = targets[(ctl.target_bits >> 1) & 3u];
  bool may_refuse = target[0] < 6;

  fz_alloc alloc;
  fz_alloc_init(&alloc);
  HROpenOptions opt;
  fz_options(&opt, &ctl, &alloc);
  ORHKEY root = NULL;
  DWORD rc = HROpenHiveFromMemory(hive, hsize, &opt, &root, NULL);
  if (alloc.injected) {
    FZ_CHECK(rc == ERROR_NOT_ENOUGH_MEMORY, "open returned %s after an injected failure",
             HRErrorName(rc));
  }
  if (rc != ERROR_SUCCESS) {
    fz_check_no_leaks(&alloc);
    free(hive);
    return 0;
  }
  HRSetAllocFailure(root, 0, 0); /* an engine fault that did not fire in open is re-armed for
                                    the save below */
  fz_faults faults = {root, &alloc};
  fz_buf d0 = {0}, d1 = {0};
  fz_walk_stats ws;
  rc = fz_walk(root, &faults, &d0, &ws);
  FZ_CHECK(rc == ERROR_SUCCESS, "walk of the opened hive returned %s", HRErrorName(rc));

  uint8_t *img_a = NULL, *img_b = NULL, *img_c = NULL;
  size_t len_a = 0, len_b = 0, len_c = 0;
  if (ctl.mode == FZ_FAULT_BACKEND_LATER) fz_alloc_arm(&alloc, ctl.nth, ctl.repeat);
  if (ctl.mode == FZ_FAULT_ENGINE) HRSetAllocFailure(root, ctl.nth, ctl.repeat);
  uint64_t before = fz_failures(&faults);
  rc = fz_save(root, target[0], target[1], &img_a, &len_a);
  fz_after(&faults, before, rc, "ORSaveHive");
  fz_alloc_arm(&alloc, 0, false);
  HRSetAllocFailure(root, 0, 0);
  if (rc == ERROR_NOT_ENOUGH_MEMORY) {
    /* A failed save changes nothing in memory. */
    rc = fz_walk(root, &faults, &d1, NULL);
    FZ_CHECK(rc == ERROR_SUCCESS, "walk after a failed save returned %s", HRErrorName(rc));
    check_same_dump(&d0, &d1, "hive changed by a save that ran out of memory");
  } else if (rc != ERROR_SUCCESS) {
    FZ_CHECK(may_refuse, "ORSaveHive(%lu.%lu) of a hive that opened returned %s",
             (unsigned long)target[0], (unsigned long)target[1], HRErrorName(rc));
  } else {
    DWORD crc;
    HRCheckSummary sum;
    /* Content findings of the source (duplicate value names, type/size mismatches) survive a
     * faithful save; everything else must be gone. */
    unsigned content = 0;
    fz_check_findings(hive, hsize, ~0u, NULL, NULL, &content);
    uint64_t nf = fz_check_findings(img_a, len_a, content, &crc, &sum, NULL);
    FZ_CHECK(crc == ERROR_SUCCESS && nf == 0,
             "the saved hive does not validate cleanly: %s, %llu finding(s)", HRErrorName(crc),
             (unsigned long long)nf);

    rc = fz_save(root, target[0], target[1], &img_b, &len_b);
    FZ_CHECK(rc == ERROR_SUCCESS, "second save returned %s", HRErrorName(rc));
    FZ_CHECK(fz_same_image(img_a, len_a, img_b, len_b),
             "saving the same tree twice gave different bytes (%zu vs %zu bytes)", len_a, len_b);

    ORHKEY again = NULL;
    HROpenOptions reopen = {.struct_size = sizeof reopen,
                            .flags = ctl.keep_image ? HR_OPEN_KEEP_IMAGE : 0u};
    rc = HROpenHiveFromMemory(img_a, len_a, &reopen, &again, NULL);
    FZ_CHECK(rc == ERROR_SUCCESS, "the saved hive does not reopen: %s (rule %s at 0x%llx)",
             HRErrorName(rc), HRGetLastDiagnostic()->rule,
             (unsigned long long)HRGetLastDiagnostic()->offset);
    fz_faults f2 = {again, NULL};
    rc = fz_walk(again, &f2, &d1, NULL);
    FZ_CHECK(rc == ERROR_SUCCESS, "walk of the reopened hive returned %s", HRErrorName(rc));
    check_same_dump(&d0, &d1, "open -> save -> reopen");
    rc = fz_save(again, target[0], target[1], &img_c, &len_c);
    FZ_CHECK(rc == ERROR_SUCCESS, "saving the reopened hive returned %s", HRErrorName(rc));
    FZ_CHECK(fz_same_image(img_a, len_a, img_c, len_c),
             "save(open(save(x))) != save(x) (%zu vs %zu bytes)", len_c, len_a);
    FZ_CHECK(ORCloseHive(again) == ERROR_SUCCESS, "ORCloseHive(reopened) failed");
  }
  FZ_CHECK(ORCloseHive(root) == ERROR_SUCCESS, "ORCloseHive failed");
  fz_check_no_leaks(&alloc);
  free(img_a);
  free(img_b);
  free(img_c);
  fz_buf_free(&d0);
  fz_buf_free(&d1);
  free(hive);
  return 0;
}
