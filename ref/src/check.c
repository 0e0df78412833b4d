/*
 * check.c: HRCheckHive (hiveref.h), whole-hive validation without building a tree.
 */
#include <string.h>

#include "hiveref.h"
#include "load.h"
#include "mem.h"
#include "status.h"

DWORD HRCheckHive(const void *data, size_t size, const HROpenOptions *options,
                  HRFindingCallback cb, void *ctx, HRCheckSummary *summary) {
  if (!data && size) return ERROR_INVALID_PARAMETER;
  /* The same option rules as the open functions (api_open.c). */
  if (options) {
    if (options->struct_size != sizeof *options) return ERROR_INVALID_PARAMETER;
    if (options->flags & ~(uint32_t)(HR_OPEN_REPAIR | HR_OPEN_STRICT_ALLOC))
      return ERROR_INVALID_FLAGS;
    /* Repair mode is reserved (hiveref.h): checking is always strict. */
    if (options->flags & HR_OPEN_REPAIR) return ERROR_NOT_SUPPORTED;
  }
  hr_mem mem;
  mem_init(&mem, options, size);
  HRDiagnostic diag;
  diag_clear(&diag);
  hr_findings f;
  memset(&f, 0, sizeof f);
  f.cb = cb;
  f.ctx = ctx;
  f.diag = &diag;
  f.stop_on_reject = 0; /* report everything reachable */
  hr_status st = hive_check(&mem, data, size, &f, summary);
  /* hive_check frees what it allocates; a leak here is an engine bug worth failing loudly on. */
  if (mem.live_blocks != 0 && st == ERROR_SUCCESS) st = ERROR_INVALID_DATA;
  return st;
}
