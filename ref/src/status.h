/*
 * status.h: Win32 status codes, their names, and the diagnostic slot (DESIGN.md §2 "status";
 * STYLE.md items 9-10).
 *
 * The engine's status type is the Win32 DWORD error code offreg returns (real numbers from
 * offreg.h).  Corruption is raised through one macro, HR_CORRUPT, which records the rule id of
 * regf-format.md §8 and the file offset in the diagnostic: one breakpoint for every rejection
 * (SQLite's SQLITE_CORRUPT_BKPT).  The validator also reports findings that do not reject
 * (warn/info) through an hr_findings sink, which `hiveref check` prints.
 */
#ifndef HIVEREF_STATUS_H
#define HIVEREF_STATUS_H

#include <stdarg.h>
#include <stdint.h>

#include "hiveref.h"

typedef DWORD hr_status;

#define HR_NO_OFFSET UINT64_MAX

/* Clears a diagnostic. */
void diag_clear(HRDiagnostic *d);

/* Records error, rule, offset and a printf-style message in d (if non-NULL) and returns err.
 * rule may be "" for non-format failures. */
hr_status diag_set(HRDiagnostic *d, hr_status err, const char *rule, uint64_t offset,
                   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The one corruption breakpoint: a failed format rule.  Returns ERROR_NOT_REGISTRY_FILE. */
#define HR_CORRUPT(diag, rule, off, ...) \
  diag_set((diag), ERROR_NOT_REGISTRY_FILE, (rule), (uint64_t)(off), __VA_ARGS__)

/* A findings sink: the validator reports every finding here; the first REJECT finding is also
 * copied into diag.  cb may be NULL (open only needs the first rejection). */
typedef struct hr_findings {
  HRFindingCallback cb;
  void *ctx;
  HRDiagnostic *diag;
  uint64_t n_reject, n_warn, n_info;
  int stop_on_reject;   /* open: stop at the first rejection; check: keep going where safe */
} hr_findings;

/* Reports a finding.  Returns ERROR_NOT_REGISTRY_FILE for HR_SEV_REJECT, else ERROR_SUCCESS. */
hr_status findings_report(hr_findings *f, HRSeverity sev, const char *rule, uint64_t offset,
                          const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif /* HIVEREF_STATUS_H */
