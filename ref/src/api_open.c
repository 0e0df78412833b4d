/*
 * api_open.c: creating, opening and closing hives, plus the hive-level extensions of
 * hiveref.h (info, memory statistics, fault injection, diagnostics, versions).
 *
 * offreg-api.md §1.1 ORCreateHive, §1.2 OROpenHive, §1.3 OROpenHiveByHandle, §1.4 ORCloseHive,
 * §1.18 ORGetVersion.  OROpenHive reads the whole file into the hive's audited context, runs
 * the loader (hive_load_image, the only validation, §1.0) and keeps no file open ([3P-EMP]
 * hcsshim deletes the file while the hive is open).  The image stays with the hive, which
 * borrows its value data from it (tree.h "File bytes"): peak memory of open is image + tree
 * without data instead of image + tree with a copy of the data (issue #9: <= 2x the file).
 * HROpenHiveFromMemory copies the data out of the caller's buffer instead (a private copy of
 * the whole buffer would cost more than the data it saves), unless HR_OPEN_KEEP_IMAGE asks for
 * the file path's behaviour: one copy of the buffer, kept, borrowed from (the fuzz targets use
 * it to reach the borrowing code in-process).  Nothing here writes to disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "layout.h"
#include "load.h"

/* §1.2: "must be less than 4 GB"; empty or larger is ERROR_BADDB under R-A01.  The loader
 * checks it for every image (base_block.c); a file is also checked here, before it is read. */
#define MAX_HIVE_FILE REGF_MAX_FILE_SIZE

static _Thread_local HRDiagnostic t_last_diag = {0, "", UINT64_MAX, ""};

void api_set_last_diag(const HRDiagnostic *d) { t_last_diag = *d; }

const HRDiagnostic *HRGetLastDiagnostic(void) { return &t_last_diag; }

const char *HRVersionString(void) { return "hiveref " HIVEREF_VERSION_STRING; }

VOID WINAPI ORGetVersion(PDWORD pdwMajorVersion, PDWORD pdwMinorVersion) {
  /* §1.18: "For the initial release of the library": 1.0. */
  if (pdwMajorVersion) *pdwMajorVersion = 1;
  if (pdwMinorVersion) *pdwMinorVersion = 0;
}

/* Options check shared by every HR* entry point that takes HROpenOptions. */
static hr_status check_options(const HROpenOptions *opt) {
  if (!opt) return ERROR_SUCCESS;
  if (opt->struct_size != sizeof *opt) return ERROR_INVALID_PARAMETER;
  if (opt->flags & ~(uint32_t)(HR_OPEN_REPAIR | HR_OPEN_STRICT_ALLOC | HR_OPEN_KEEP_IMAGE))
    return ERROR_INVALID_FLAGS;
  /* The repair mode (emulating Windows' self-healing) is reserved: hiveref.h. */
  if (opt->flags & HR_OPEN_REPAIR) return ERROR_NOT_SUPPORTED;
  return ERROR_SUCCESS;
}

/* Publishes a built hive: binds its root handle.  On failure frees the hive. */
static hr_status publish(hr_hive *hive, PORHKEY out) {
  uint32_t slot;
  hr_status st = handle_reserve(hive, &slot);
  if (st != ERROR_SUCCESS) {
    if (hive_free_contents(hive)) hive_count_leak();
    handle_discard_hive(hive);
    return st;
  }
  *out = handle_bind(slot, hive->tree.root, true);
  return ERROR_SUCCESS;
}

static void fail_hive(hr_hive *hive) {
  if (hive_free_contents(hive)) hive_count_leak();
  handle_discard_hive(hive);
}

DWORD HRCreateHiveEx(const HROpenOptions *options, PORHKEY phkResult) {
  if (!phkResult) return ERROR_INVALID_PARAMETER;
  *phkResult = NULL;
  hr_status st = check_options(options);
  if (st != ERROR_SUCCESS) return st;
  hr_hive *hive = hive_new(options, 0);
  if (!hive) return ERROR_NOT_ENOUGH_MEMORY;
  st = hive_init_empty(hive);
  if (st != ERROR_SUCCESS) {
    fail_hive(hive);
    return st;
  }
  return publish(hive, phkResult);
}

DWORD WINAPI ORCreateHive(PORHKEY phkResult) { return HRCreateHiveEx(NULL, phkResult); }

/* A block for a whole image in the hive's context, or NULL with the diagnostic set. */
static uint8_t *image_alloc(hr_hive *hive, size_t size, HRDiagnostic *d) {
  uint8_t *p = mem_alloc(&hive->mem, size);
  if (!p)
    diag_set(d, ERROR_NOT_ENOUGH_MEMORY, "", HR_NO_OFFSET, "cannot allocate %zu bytes for the image",
             size);
  return p;
}

/* Loads an image that is already in memory into a new hive.  own NULL: the image stays the
 * caller's; own == data (from image_alloc): load_into takes it, the hive keeps it on success
 * (hive_load_image) and it is freed on failure. */
static hr_status load_into(hr_hive *hive, const uint8_t *data, size_t size, uint8_t *own,
                           HRDiagnostic *diag) {
  hr_findings f;
  memset(&f, 0, sizeof f);
  f.diag = diag;
  f.stop_on_reject = 1;
  hr_status st = own ? hive_load_image(&hive->tree, own, size, &f, &hive->info)
                     : hive_load(&hive->tree, data, size, &f, &hive->info);
  if (st == ERROR_SUCCESS && !hive->tree.root) {
    st = ERROR_NOT_REGISTRY_FILE;
    hive->tree.image = NULL; /* back to the caller, as for any failure */
    hive->tree.image_size = 0;
  }
  if (st != ERROR_SUCCESS && diag->error == ERROR_SUCCESS)
    diag_set(diag, st, "", HR_NO_OFFSET, "load failed: %s", HRErrorName(st));
  if (st != ERROR_SUCCESS && own) mem_free(&hive->mem, own, size);
  return st;
}

static DWORD finish_open(hr_status st, HRDiagnostic *d, HRDiagnostic *user) {
  if (st == ERROR_SUCCESS) diag_clear(d);
  else if (d->error == ERROR_SUCCESS) diag_set(d, st, "", HR_NO_OFFSET, "%s", HRErrorName(st));
  api_set_last_diag(d);
  if (user) *user = *d;
  return st;
}

DWORD HROpenHiveFromMemory(const void *data, size_t size, const HROpenOptions *options,
                           PORHKEY phkResult, HRDiagnostic *diag) {
  HRDiagnostic d;
  diag_clear(&d);
  if (!phkResult || (!data && size)) return finish_open(ERROR_INVALID_PARAMETER, &d, diag);
  *phkResult = NULL;
  hr_status st = check_options(options);
  if (st != ERROR_SUCCESS) return finish_open(st, &d, diag);
  hr_hive *hive = hive_new(options, size);
  if (!hive) return finish_open(ERROR_NOT_ENOUGH_MEMORY, &d, diag);
  uint8_t *own = NULL;
  if (options && (options->flags & HR_OPEN_KEEP_IMAGE) && size) {
    if (!(own = image_alloc(hive, size, &d))) {
      fail_hive(hive);
      return finish_open(ERROR_NOT_ENOUGH_MEMORY, &d, diag);
    }
    memcpy(own, data, size);
  }
  st = load_into(hive, own ? own : data, size, own, &d);
  if (st != ERROR_SUCCESS) {
    fail_hive(hive);
    return finish_open(st, &d, diag);
  }
  return finish_open(publish(hive, phkResult), &d, diag);
}

static hr_status errno_open_status(int e) {
  switch (e) {
    case ENOENT:
    case ENOTDIR: return ERROR_FILE_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EISDIR: return ERROR_ACCESS_DENIED;
    case ENAMETOOLONG: return ERROR_FILENAME_EXCED_RANGE;
    case ENOMEM: return ERROR_NOT_ENOUGH_MEMORY;
    default: return ERROR_CANTOPEN;
  }
}

/* Reads the whole file behind fd (from offset 0) into a new hive and loads it. */
static hr_status open_fd(int fd, const HROpenOptions *options, PORHKEY out, HRDiagnostic *d) {
  struct stat stt;
  if (fstat(fd, &stt) != 0)
    return diag_set(d, ERROR_CANTREAD, "", HR_NO_OFFSET, "fstat failed (errno %d)", errno);
  if (S_ISDIR(stt.st_mode))
    return diag_set(d, ERROR_ACCESS_DENIED, "", HR_NO_OFFSET, "path is a directory");
  if (!S_ISREG(stt.st_mode))
    return diag_set(d, ERROR_ACCESS_DENIED, "", HR_NO_OFFSET, "not a regular file");
  if (stt.st_size <= 0 || (uint64_t)stt.st_size >= MAX_HIVE_FILE || (uint64_t)stt.st_size > SIZE_MAX)
    return diag_set(d, ERROR_BADDB, "R-A01", 0,
                    "hive file is empty or not less than 4 GiB (%lld bytes)",
                    (long long)stt.st_size);
  size_t size = (size_t)stt.st_size;
  hr_hive *hive = hive_new(options, size);
  if (!hive) return ERROR_NOT_ENOUGH_MEMORY;
  uint8_t *buf = image_alloc(hive, size, d);
  if (!buf) {
    fail_hive(hive);
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  size_t got = 0;
  hr_status st = ERROR_SUCCESS;
  /* Bounded: every iteration reads at least one byte or stops. */
  while (got < size) {
    ssize_t r = pread(fd, buf + got, size - got, (off_t)got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      st = diag_set(d, ERROR_READ_FAULT, "", got, "read failed at %zu (errno %d)", got,
                    r < 0 ? errno : 0);
      break;
    }
    got += (size_t)r;
  }
  if (st == ERROR_SUCCESS) st = load_into(hive, buf, size, buf, d); /* takes buf */
  else mem_free(&hive->mem, buf, size);
  if (st != ERROR_SUCCESS) {
    fail_hive(hive);
    return st;
  }
  return publish(hive, out);
}

DWORD HROpenHiveUtf8(const char *path, const HROpenOptions *options, PORHKEY phkResult,
                     HRDiagnostic *diag) {
  HRDiagnostic d;
  diag_clear(&d);
  if (!phkResult || !path) return finish_open(ERROR_INVALID_PARAMETER, &d, diag);
  *phkResult = NULL;
  hr_status st = check_options(options);
  if (st != ERROR_SUCCESS) return finish_open(st, &d, diag);
  if (!path[0]) return finish_open(ERROR_FILE_NOT_FOUND, &d, diag);
  int fd;
  /* O_NONBLOCK: opening a FIFO must not wait for a writer (fstat then refuses it); it has no
   * effect on the regular files that are read. */
  do {
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int e = errno;
    st = errno_open_status(e);
    diag_set(&d, st, "", HR_NO_OFFSET, "cannot open (errno %d)", e);
    return finish_open(st, &d, diag);
  }
  st = open_fd(fd, options, phkResult, &d);
  close(fd);
  return finish_open(st, &d, diag);
}

DWORD WINAPI OROpenHive(PCWSTR lpHivePath, PORHKEY phkResult) {
  HRDiagnostic d;
  diag_clear(&d);
  if (!phkResult || !lpHivePath) return finish_open(ERROR_INVALID_PARAMETER, &d, NULL);
  *phkResult = NULL;
  size_t wlen;
  if (!api_wcslen(lpHivePath, 32767, &wlen))
    return finish_open(ERROR_FILENAME_EXCED_RANGE, &d, NULL);
  /* Paths are UTF-16 at the API; open(2) takes bytes: convert to UTF-8 (3 bytes per unit at
   * most).  The buffer comes from a short-lived audited context. */
  hr_mem m;
  mem_init(&m, NULL, 0);
  size_t cap = wlen * 3 + 1;
  char *p = mem_alloc(&m, cap);
  if (!p) return finish_open(ERROR_NOT_ENOUGH_MEMORY, &d, NULL);
  HRUtf16ToUtf8(lpHivePath, wlen, p, cap);
  DWORD st = HROpenHiveUtf8(p, NULL, phkResult, NULL);
  mem_free(&m, p, cap);
  return st;
}

DWORD WINAPI OROpenHiveByHandle(HANDLE FileHandle, PORHKEY phkResult) {
  HRDiagnostic d;
  diag_clear(&d);
  if (!phkResult) return finish_open(ERROR_INVALID_PARAMETER, &d, NULL);
  *phkResult = NULL;
  intptr_t v = (intptr_t)FileHandle;
  if (v < 0 || v > INT32_MAX) return finish_open(ERROR_INVALID_HANDLE, &d, NULL);
  struct stat stt;
  if (fstat((int)v, &stt) != 0) return finish_open(ERROR_INVALID_HANDLE, &d, NULL);
  return finish_open(open_fd((int)v, NULL, phkResult, &d), &d, NULL);
}

DWORD WINAPI ORCloseHive(ORHKEY Handle) {
  hr_ref r;
  hr_status st = handle_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  if (!r.is_root) {
    /* §1.4 IMPLEMENTATION-DEFINED (WAC): a non-root handle is not a hive handle. */
    handle_leave(&r);
    return ERROR_INVALID_HANDLE;
  }
  handle_kill_hive(r.hive);
  if (hive_free_contents(r.hive)) hive_count_leak();
  handle_leave(&r);
  return ERROR_SUCCESS;
}

DWORD HRGetHiveInfo(ORHKEY hive, HRHiveInfo *info) {
  if (!info) return ERROR_INVALID_PARAMETER;
  hr_ref r;
  hr_status st = handle_enter(hive, &r);
  if (st != ERROR_SUCCESS) return st;
  *info = r.hive->info;
  handle_leave(&r);
  return ERROR_SUCCESS;
}

DWORD HRGetMemStats(ORHKEY anyKeyOfHive, HRMemStats *stats) {
  if (!stats) return ERROR_INVALID_PARAMETER;
  hr_ref r;
  hr_status st = handle_enter(anyKeyOfHive, &r);
  if (st != ERROR_SUCCESS) return st;
  mem_stats(&r.hive->mem, stats);
  handle_leave(&r);
  return ERROR_SUCCESS;
}

DWORD HRSetAllocFailure(ORHKEY anyKeyOfHive, uint64_t nth, int repeat) {
  hr_ref r;
  hr_status st = handle_enter(anyKeyOfHive, &r);
  if (st != ERROR_SUCCESS) return st;
  mem_fail_after(&r.hive->mem, nth, repeat != 0);
  handle_leave(&r);
  return ERROR_SUCCESS;
}
