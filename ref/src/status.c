/*
 * status.c: Win32 error names (LMDB mdb_strerror style), the diagnostic slot and findings.
 */
#include "status.h"

#include <stdio.h>
#include <string.h>

static const struct {
  DWORD code;
  const char *name;
} k_names[] = {
    {ERROR_SUCCESS, "ERROR_SUCCESS"},
    {ERROR_INVALID_FUNCTION, "ERROR_INVALID_FUNCTION"},
    {ERROR_FILE_NOT_FOUND, "ERROR_FILE_NOT_FOUND"},
    {ERROR_PATH_NOT_FOUND, "ERROR_PATH_NOT_FOUND"},
    {ERROR_ACCESS_DENIED, "ERROR_ACCESS_DENIED"},
    {ERROR_INVALID_HANDLE, "ERROR_INVALID_HANDLE"},
    {ERROR_NOT_ENOUGH_MEMORY, "ERROR_NOT_ENOUGH_MEMORY"},
    {ERROR_INVALID_DATA, "ERROR_INVALID_DATA"},
    {ERROR_OUTOFMEMORY, "ERROR_OUTOFMEMORY"},
    {ERROR_WRITE_FAULT, "ERROR_WRITE_FAULT"},
    {ERROR_READ_FAULT, "ERROR_READ_FAULT"},
    {ERROR_SHARING_VIOLATION, "ERROR_SHARING_VIOLATION"},
    {ERROR_HANDLE_DISK_FULL, "ERROR_HANDLE_DISK_FULL"},
    {ERROR_NOT_SUPPORTED, "ERROR_NOT_SUPPORTED"},
    {ERROR_FILE_EXISTS, "ERROR_FILE_EXISTS"},
    {ERROR_INVALID_PARAMETER, "ERROR_INVALID_PARAMETER"},
    {ERROR_BUFFER_OVERFLOW, "ERROR_BUFFER_OVERFLOW"},
    {ERROR_DISK_FULL, "ERROR_DISK_FULL"},
    {ERROR_CALL_NOT_IMPLEMENTED, "ERROR_CALL_NOT_IMPLEMENTED"},
    {ERROR_INSUFFICIENT_BUFFER, "ERROR_INSUFFICIENT_BUFFER"},
    {ERROR_INVALID_NAME, "ERROR_INVALID_NAME"},
    {ERROR_BAD_PATHNAME, "ERROR_BAD_PATHNAME"},
    {ERROR_ALREADY_EXISTS, "ERROR_ALREADY_EXISTS"},
    {ERROR_FILENAME_EXCED_RANGE, "ERROR_FILENAME_EXCED_RANGE"},
    {ERROR_MORE_DATA, "ERROR_MORE_DATA"},
    {ERROR_NO_MORE_ITEMS, "ERROR_NO_MORE_ITEMS"},
    {ERROR_NOACCESS, "ERROR_NOACCESS"},
    {ERROR_INVALID_FLAGS, "ERROR_INVALID_FLAGS"},
    {ERROR_BADDB, "ERROR_BADDB"},
    {ERROR_BADKEY, "ERROR_BADKEY"},
    {ERROR_CANTOPEN, "ERROR_CANTOPEN"},
    {ERROR_CANTREAD, "ERROR_CANTREAD"},
    {ERROR_CANTWRITE, "ERROR_CANTWRITE"},
    {ERROR_REGISTRY_RECOVERED, "ERROR_REGISTRY_RECOVERED"},
    {ERROR_REGISTRY_CORRUPT, "ERROR_REGISTRY_CORRUPT"},
    {ERROR_REGISTRY_IO_FAILED, "ERROR_REGISTRY_IO_FAILED"},
    {ERROR_NOT_REGISTRY_FILE, "ERROR_NOT_REGISTRY_FILE"},
    {ERROR_KEY_DELETED, "ERROR_KEY_DELETED"},
    {ERROR_NO_LOG_SPACE, "ERROR_NO_LOG_SPACE"},
    {ERROR_KEY_HAS_CHILDREN, "ERROR_KEY_HAS_CHILDREN"},
    {ERROR_CHILD_MUST_BE_VOLATILE, "ERROR_CHILD_MUST_BE_VOLATILE"},
    {ERROR_NOT_FOUND, "ERROR_NOT_FOUND"},
    {ERROR_NO_SYSTEM_RESOURCES, "ERROR_NO_SYSTEM_RESOURCES"},
    {ERROR_DATATYPE_MISMATCH, "ERROR_DATATYPE_MISMATCH"},
    {ERROR_UNSUPPORTED_TYPE, "ERROR_UNSUPPORTED_TYPE"},
};

const char *HRErrorName(DWORD code) {
  static _Thread_local char buf[32];
  for (size_t i = 0; i < sizeof k_names / sizeof k_names[0]; i++)
    if (k_names[i].code == code) return k_names[i].name;
  snprintf(buf, sizeof buf, "ERROR_%lu", (unsigned long)code);
  return buf;
}

void diag_clear(HRDiagnostic *d) {
  if (!d) return;
  memset(d, 0, sizeof *d);
  d->offset = HR_NO_OFFSET;
}

static void diag_vset(HRDiagnostic *d, hr_status err, const char *rule, uint64_t offset,
                      const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));
static void diag_vset(HRDiagnostic *d, hr_status err, const char *rule, uint64_t offset,
                      const char *fmt, va_list ap) {
  d->error = err;
  snprintf(d->rule, sizeof d->rule, "%s", rule ? rule : "");
  d->offset = offset;
  vsnprintf(d->message, sizeof d->message, fmt, ap);
}

hr_status diag_set(HRDiagnostic *d, hr_status err, const char *rule, uint64_t offset,
                   const char *fmt, ...) {
  if (d) {
    va_list ap;
    va_start(ap, fmt);
    diag_vset(d, err, rule, offset, fmt, ap);
    va_end(ap);
  }
  return err;
}

hr_status findings_report(hr_findings *f, HRSeverity sev, const char *rule, uint64_t offset,
                          const char *fmt, ...) {
  char msg[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (f) {
    if (sev == HR_SEV_REJECT) f->n_reject++;
    else if (sev == HR_SEV_WARN) f->n_warn++;
    else f->n_info++;
    if (sev == HR_SEV_REJECT && f->diag && f->n_reject == 1)
      diag_set(f->diag, ERROR_NOT_REGISTRY_FILE, rule, offset, "%s", msg);
    if (f->cb) {
      HRFinding fi = {rule, sev, offset, msg};
      f->cb(f->ctx, &fi);
    }
  }
  return sev == HR_SEV_REJECT ? ERROR_NOT_REGISTRY_FILE : ERROR_SUCCESS;
}
