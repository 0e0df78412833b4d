/*
 * hiveref.h: extensions to the offreg API (DESIGN.md §2, §6).
 *
 * Everything a tool, a fuzz target or a conformance adapter needs beyond offreg.h: opening from
 * memory with options (limits, allocator, fault injection), the diagnostic slot that names the
 * rule and file offset of a rejection, whole-hive checking with every finding, allocation audit
 * counters, UTF-8 convenience wrappers, and version information.  Clients use ref/include only.
 */
#ifndef HIVEREF_HIVEREF_H
#define HIVEREF_HIVEREF_H

#include "offreg.h"
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HIVEREF_VERSION_MAJOR 0
#define HIVEREF_VERSION_MINOR 1
#define HIVEREF_VERSION_PATCH 0
#define HIVEREF_VERSION_STRING "0.1.0"

/* Library version string, e.g. "hiveref 0.1.0". */
const char *HRVersionString(void);

/* ---- Allocator (STYLE.md items 5-8) ---------------------------------------------------------
 * A backend vtable with an opaque pointer; free and realloc are told the block size.  The
 * engine wraps it with accounting, the byte budget, the largest-allocation limit and fault
 * injection.  NULL = the built-in libc backend. */
typedef struct HRAllocator {
  void *(*alloc)(void *opaque, size_t size);
  void *(*realloc)(void *opaque, void *ptr, size_t old_size, size_t new_size);
  void (*free)(void *opaque, void *ptr, size_t size);
  void *opaque;
} HRAllocator;

/* Counters of one allocation context (one hive). */
typedef struct HRMemStats {
  uint64_t live_bytes;
  uint64_t live_blocks;
  uint64_t high_water_bytes;
  uint64_t total_allocs;      /* successful allocations + growing reallocs */
  uint64_t attempts;          /* allocation attempts, the index fault injection counts */
  uint64_t failures;          /* injected or budget failures */
  uint64_t budget_bytes;      /* current byte budget */
} HRMemStats;

/* ---- Open options ---------------------------------------------------------------------------
 * Zero-initialise, set struct_size = sizeof(HROpenOptions), then set what you need. */
#define HR_OPEN_STRICT        0x0000u  /* default: every violated S rule rejects */
#define HR_OPEN_REPAIR        0x0001u  /* reserved for the repair mode (emulates Windows healing);
                                          currently rejected with ERROR_NOT_SUPPORTED */
#define HR_OPEN_STRICT_ALLOC  0x0002u  /* strict debug allocator: realloc moves, free poisons */
#define HR_OPEN_KEEP_IMAGE    0x0004u  /* HROpenHiveFromMemory: copy the caller's buffer into the
                                          hive once and let loaded values borrow their data from
                                          the copy, as OROpenHive does with a file (peak memory
                                          image + tree without data; the copy lives until
                                          ORCloseHive).  Without it only the data is copied.
                                          Either way the caller's buffer is not used after the
                                          call.  OROpenHive always keeps its image. */

typedef struct HROpenOptions {
  uint32_t struct_size;
  uint32_t flags;              /* HR_OPEN_* */
  uint64_t mem_budget;         /* 0 = default: 4 x file size + 64 MiB */
  uint64_t max_single_alloc;   /* 0 = default: budget */
  const HRAllocator *allocator;/* NULL = libc */
  uint64_t fail_alloc_at;      /* fault injection: 0 = off; N = fail the Nth attempt (1-based) */
  uint32_t fail_alloc_repeat;  /* 0 = fail once; 1 = fail the Nth and every later attempt */
  uint32_t reserved;
} HROpenOptions;

/* ---- Diagnostics ------------------------------------------------------------------------------
 * Every rejection records the rule id of regf-format.md §8 (e.g. "R-B03"), the file offset
 * and a message. */
typedef struct HRDiagnostic {
  DWORD error;                 /* the Win32 code returned */
  char rule[16];               /* "R-B03", or "" when not a format rule (I/O, memory, argument) */
  uint64_t offset;             /* file offset the rule failed at (UINT64_MAX if none) */
  char message[256];
} HRDiagnostic;

/* The diagnostic of the last failed open on this thread (OROpenHive, OROpenHiveByHandle and
 * the HROpen* functions set it; a successful open clears it). */
const HRDiagnostic *HRGetLastDiagnostic(void);

/* Name of a Win32 error code ("ERROR_NOT_REGISTRY_FILE"), or "ERROR_<number>" if unknown. */
const char *HRErrorName(DWORD code);

/* ---- Opening --------------------------------------------------------------------------------- */
DWORD HROpenHiveFromMemory(const void *data, size_t size, const HROpenOptions *options,
                           PORHKEY phkResult, HRDiagnostic *diag /* optional */);
DWORD HROpenHiveUtf8(const char *path, const HROpenOptions *options, PORHKEY phkResult,
                     HRDiagnostic *diag /* optional */);
DWORD HRCreateHiveEx(const HROpenOptions *options, PORHKEY phkResult);

/* ---- Checking (hiveref check, fuzzers, the validate-only benchmark) -------------------------
 * Validates without building the tree and reports every finding, S (reject) and warn alike.
 * Returns ERROR_SUCCESS when no S-rule failed, ERROR_NOT_REGISTRY_FILE / ERROR_BADDB as open
 * would, ERROR_NOT_ENOUGH_MEMORY. */
typedef enum HRSeverity { HR_SEV_INFO = 0, HR_SEV_WARN = 1, HR_SEV_REJECT = 2 } HRSeverity;
typedef struct HRFinding {
  const char *rule;            /* "R-A10" */
  HRSeverity severity;
  uint64_t offset;
  const char *message;
} HRFinding;
typedef void (*HRFindingCallback)(void *ctx, const HRFinding *finding);
typedef struct HRCheckSummary {
  uint32_t major, minor;
  int dirty;                   /* Sequence1 != Sequence2 */
  uint64_t keys, values, value_bytes, security_descriptors;
  uint64_t findings_reject, findings_warn, findings_info;
} HRCheckSummary;
DWORD HRCheckHive(const void *data, size_t size, const HROpenOptions *options,
                  HRFindingCallback cb, void *ctx, HRCheckSummary *summary /* optional */);

/* ---- Hive information ------------------------------------------------------------------------ */
typedef struct HRHiveInfo {
  uint32_t seq1, seq2, major, minor, type, format, root_cell, length, cluster, flags;
  uint64_t timestamp;
  uint16_t file_name[32];      /* base block FileName (UTF-16, not necessarily terminated) */
  int dirty;
  uint64_t file_size;
} HRHiveInfo;
/* Header fields of an opened hive (zeroes and format 1.5 for ORCreateHive hives). */
DWORD HRGetHiveInfo(ORHKEY hive, HRHiveInfo *info);

/* ---- Allocation audit and fault injection ------------------------------------------------- */
DWORD HRGetMemStats(ORHKEY anyKeyOfHive, HRMemStats *stats);
/* Arms fault injection on an open hive: fail the Nth allocation attempt from now (1-based),
 * once (repeat 0) or from then on (repeat 1).  nth 0 disarms. */
DWORD HRSetAllocFailure(ORHKEY anyKeyOfHive, uint64_t nth, int repeat);
/* Process-wide counters over every context that uses the built-in libc backend, plus the
 * library's own handle table: both are 0/0 when no hive is open and nothing leaked. */
void HRGetProcessMemStats(uint64_t *live_bytes, uint64_t *live_blocks);
/* Number of hives closed with live allocations (a leak), process-wide.  Tests assert 0. */
uint64_t HRLeakedHiveCount(void);

/* ---- nk user flags and client memory (the WOW64 module, ref/wow64) --------------------------
 * User flags are the 4 bits at MaxNameLen bits 20-23 of the key's nk cell (msuhanov's "User
 * flags", the WOW64 flags of offreg-api.md §3.5: 0x1 a 32-bit key created through WOW64, 0x2
 * created by reflection, 0x4 reflection disabled, 0x8 pre-release Vista).  They are saved by
 * ORSaveHive.  Set: bits above 0xF give ERROR_INVALID_PARAMETER.  Both: ERROR_INVALID_HANDLE,
 * ERROR_KEY_DELETED, ERROR_INVALID_PARAMETER (NULL out pointer).  Implemented in
 * ref/src/api_userflags.c. */
DWORD HRGetKeyUserFlags(ORHKEY Handle, PDWORD pdwFlags);
DWORD HRSetKeyUserFlags(ORHKEY Handle, DWORD dwFlags);
/* Audited memory from the allocation context of the hive a key belongs to, for client modules
 * that may use only these headers (ref/wow64): counted in HRGetMemStats, subject to the hive's
 * budget and fault injection.  NULL when the handle is invalid, size is 0 or on failure.  Free
 * with the same size, through a key of the same hive, before the hive is closed. */
void *HRHiveAlloc(ORHKEY anyKeyOfHive, size_t size);
void HRHiveFree(ORHKEY anyKeyOfHive, void *ptr, size_t size);

/* ---- UTF-8 convenience wrappers (Linux users, the CLI) ---------------------------------------
 * Same semantics and error codes as the UTF-16 functions; invalid UTF-8 gives
 * ERROR_INVALID_PARAMETER.  Output names are UTF-8 with *cb counting bytes like the W API
 * counts characters (buffer size including the NUL on input; length without it on output). */
DWORD HROpenKeyUtf8(ORHKEY h, const char *subkey, PORHKEY result);
DWORD HRCreateKeyUtf8(ORHKEY h, const char *subkey, PORHKEY result, PDWORD disposition);
DWORD HRGetValueUtf8(ORHKEY h, const char *subkey, const char *value, PDWORD type, void *data,
                     PDWORD cbData);
DWORD HRSetValueUtf8(ORHKEY h, const char *value, DWORD type, const void *data, DWORD cbData);
DWORD HREnumKeyUtf8(ORHKEY h, DWORD index, char *name, PDWORD cbName);
DWORD HREnumValueUtf8(ORHKEY h, DWORD index, char *name, PDWORD cbName, PDWORD type,
                      void *data, PDWORD cbData);
DWORD HRDeleteKeyUtf8(ORHKEY h, const char *subkey);
DWORD HRDeleteValueUtf8(ORHKEY h, const char *value);
DWORD HRSaveHiveUtf8(ORHKEY h, const char *path, DWORD osMajor, DWORD osMinor);

/* UTF-16 <-> UTF-8 helpers.  Lone surrogates become U+FFFD in UTF-8 output.  Return the number
 * of units written excluding the NUL, or (size_t)-1 if out is too small (out_cap includes the
 * NUL) or the input is invalid. */
size_t HRUtf16ToUtf8(const uint16_t *in, size_t in_len, char *out, size_t out_cap);
size_t HRUtf8ToUtf16(const char *in, size_t in_len, uint16_t *out, size_t out_cap);

#ifdef __cplusplus
}
#endif
#endif /* HIVEREF_HIVEREF_H */
