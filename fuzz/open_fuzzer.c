/*
 * open_fuzzer.c: bytes -> open from memory with strict validation -> a bounded walk of
 * everything (DESIGN.md §5; issue 6).
 *
 * Input: the 4-byte control prefix of fuzz_common.h, then the hive image.  Properties:
 *  - open either succeeds or fails with ERROR_NOT_REGISTRY_FILE / ERROR_BADDB /
 *    ERROR_NOT_ENOUGH_MEMORY (offreg.h OROpenHive contract); a failure injected into the open
 *    must be reported as ERROR_NOT_ENOUGH_MEMORY;
 *  - the whole-hive checker agrees with open (HRCheckHive rejects exactly what open rejects, and
 *    its summary counts the keys and values the walk enumerates);
 *  - the walk of fuzz_walk.c succeeds and its cross-checks hold; faults armed after open
 *    (control mode 3, or mode 1 with HRSetAllocFailure) surface as ERROR_NOT_ENOUGH_MEMORY;
 *  - after ORCloseHive nothing is live (process audit, backend audit, leaked-hive count).
 * Control byte 0 bit 4: after the walk, also run HRCheckHive under the same fault (the
 * validator's out-of-memory paths).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

/* Marks this target's input as [control][hive]: CMake links the structure-aware mutator. */
#define HIVEREF_FUZZ_HIVE_INPUT 1

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  return 0;
}

static bool open_status_allowed(DWORD rc) {
  return rc == ERROR_SUCCESS || rc == ERROR_NOT_REGISTRY_FILE || rc == ERROR_BADDB ||
         rc == ERROR_NOT_ENOUGH_MEMORY;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_control ctl;
  if (!fz_control_parse(data, size, &ctl)) return 0;
  size_t hsize = size - FZ_CONTROL_SIZE;
  uint8_t *hive = fz_exact_copy(data + FZ_CONTROL_SIZE, hsize);

  fz_alloc alloc;
  fz_alloc_init(&alloc);
  HROpenOptions opt;
  fz_options(&opt, &ctl, &alloc);

  ORHKEY root = NULL;
  HRDiagnostic diag;
  DWORD rc = HROpenHiveFromMemory(hive, hsize, &opt, &root, &diag);
  FZ_CHECK(open_status_allowed(rc), "HROpenHiveFromMemory returned %s (%lu)", HRErrorName(rc),
           (unsigned long)rc);
  if (alloc.injected) {
    FZ_CHECK(rc == ERROR_NOT_ENOUGH_MEMORY, "open returned %s after the backend failed "
             "allocation %llu", HRErrorName(rc), (unsigned long long)alloc.fail_at);
  }
  if (rc != ERROR_SUCCESS) {
    FZ_CHECK(root == NULL, "failed open left *phkResult non-NULL");
    FZ_CHECK(diag.error == rc, "diagnostic error %lu differs from the returned %lu",
             (unsigned long)diag.error, (unsigned long)rc);
  } else {
    HRMemStats ms;
    FZ_CHECK(HRGetMemStats(root, &ms) == ERROR_SUCCESS, "HRGetMemStats failed");
    FZ_CHECK(ms.failures == 0, "open reported success after %llu allocation failure(s)",
             (unsigned long long)ms.failures);
  }

  /* The checker must agree with the loader on the verdict (both run the S rules). */
  HRCheckSummary sum;
  memset(&sum, 0, sizeof sum);
  DWORD crc = HRCheckHive(hive, hsize, NULL, NULL, NULL, &sum);
  FZ_CHECK(crc == ERROR_SUCCESS || crc == ERROR_NOT_REGISTRY_FILE || crc == ERROR_BADDB ||
               crc == ERROR_NOT_ENOUGH_MEMORY,
           "HRCheckHive returned %s", HRErrorName(crc));
  FZ_CHECK((crc == ERROR_SUCCESS) == (sum.findings_reject == 0) || crc == ERROR_NOT_ENOUGH_MEMORY,
           "HRCheckHive returned %s with %llu rejecting findings", HRErrorName(crc),
           (unsigned long long)sum.findings_reject);
  if (rc != ERROR_NOT_ENOUGH_MEMORY && crc != ERROR_NOT_ENOUGH_MEMORY) {
    FZ_CHECK(rc == crc, "open says %s (rule %s at 0x%llx) but HRCheckHive says %s",
             HRErrorName(rc), rc == ERROR_SUCCESS ? "-" : diag.rule,
             (unsigned long long)diag.offset, HRErrorName(crc));
  }

  if (rc == ERROR_SUCCESS) {
    fz_faults faults = {root, &alloc};
    if (ctl.mode == FZ_FAULT_BACKEND_LATER) {
      fz_alloc_arm(&alloc, ctl.nth, ctl.repeat);
    } else if (ctl.mode == FZ_FAULT_ENGINE) {
      /* The open consumed fewer attempts than N (it succeeded): re-arm the engine's injection
       * for the walk, N attempts from now. */
      FZ_CHECK(HRSetAllocFailure(root, ctl.nth, ctl.repeat) == ERROR_SUCCESS,
               "HRSetAllocFailure failed");
    }
    fz_walk_stats ws;
    DWORD wrc = fz_walk(root, &faults, NULL, &ws);
    FZ_CHECK(wrc == ERROR_SUCCESS || wrc == ERROR_NOT_ENOUGH_MEMORY, "walk returned %s",
             HRErrorName(wrc));
    if (wrc == ERROR_SUCCESS && !ws.truncated && ws.unopenable == 0 &&
        crc == ERROR_SUCCESS) {
      FZ_CHECK(sum.keys == ws.keys && sum.values == ws.values,
               "HRCheckHive counted %llu keys / %llu values, the walk %llu / %llu",
               (unsigned long long)sum.keys, (unsigned long long)sum.values,
               (unsigned long long)ws.keys, (unsigned long long)ws.values);
    }
    fz_alloc_arm(&alloc, 0, false);
    HRSetAllocFailure(root, 0, 0);
    DWORD clrc = ORCloseHive(root);
    FZ_CHECK(clrc == ERROR_SUCCESS, "ORCloseHive returned %s", HRErrorName(clrc));
  }

  /* The validator's own out-of-memory paths, with the same fault position. */
  if ((ctl.target_bits & 1u) && ctl.mode != FZ_FAULT_NONE) {
    fz_control c2 = ctl;
    c2.mode = FZ_FAULT_BACKEND;
    fz_alloc a2;
    fz_alloc_init(&a2);
    HROpenOptions o2;
    fz_options(&o2, &c2, &a2);
    DWORD r2 = HRCheckHive(hive, hsize, &o2, NULL, NULL, NULL);
    if (a2.injected) {
      FZ_CHECK(r2 == ERROR_NOT_ENOUGH_MEMORY, "HRCheckHive returned %s after an injected "
               "allocation failure", HRErrorName(r2));
    }
    fz_check_no_leaks(&a2);
  }
  fz_check_no_leaks(&alloc);
  free(hive);
  return 0;
}
