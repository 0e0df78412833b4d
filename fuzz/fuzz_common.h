/*
 * fuzz_common.h: what every fuzz target shares (DESIGN.md §5; STYLE.md item 18).
 *
 * Targets reach the engine through ref/include only (offreg.h + hiveref.h), as users do.  This
 * header gives them:
 *  - the input control prefix: the first FZ_CONTROL_SIZE bytes of every input choose the fault
 *    to inject (mode, which allocation, once or from then on) and target-specific options, so
 *    the fuzzer explores out-of-memory paths like any other input-driven branch (libxml2's
 *    fuzz.c does the same with its malloc-failure byte);
 *  - a counting allocator (an HRAllocator backend) that can fail its Nth call and audits live
 *    blocks and bytes by the sizes the engine passes to free;
 *  - the audit checks: a failed allocation must surface as ERROR_NOT_ENOUGH_MEMORY, success is
 *    never reported after a failure inside the same call, and nothing is live after close
 *    (HRGetProcessMemStats, HRLeakedHiveCount, and the counting allocator's own counters);
 *  - a bounded, iterative walk of a whole hive through the public API (every key, value, class
 *    and security descriptor; ORQueryInfoKey on each key, cross-checked with enumeration) that
 *    can also render a canonical text dump (../shared/DUMP.md shape) for round-trip comparison;
 *  - save-to-temporary-file helpers (the public API saves to files only).
 * Any violated invariant calls fz_fail(), which prints the reason and abort()s: the fuzzing
 * engine records the input as a crash.
 */
#ifndef HIVEREF_FUZZ_COMMON_H
#define HIVEREF_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hiveref.h"
#include "offreg.h"

#ifdef __cplusplus
extern "C" {
#endif

/* libFuzzer entry points (also called by replay_main.c and libAFLDriver). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* ---- Failure reporting ------------------------------------------------------------------ */
void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));
#define FZ_CHECK(cond, ...) \
  do { \
    if (!(cond)) fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
  } while (0)

/* ---- Input control prefix -------------------------------------------------------------------
 * byte 0: bits 0-1 fault mode (FZ_FAULT_*), bit 2 repeat (fail the Nth and every later
 *         attempt), bit 3 HR_OPEN_STRICT_ALLOC, bits 4-6 target-specific, bit 7
 *         HR_OPEN_KEEP_IMAGE (opens from memory keep a copy of the image and borrow value data
 *         from it, as OROpenHive of a file does).
 * bytes 1-2: N, little-endian (the injected failure is the Nth allocation attempt, 1-based;
 *         0 disables injection).
 * byte 3: target-specific (api_fuzzer: the step at which the fault is armed).
 * A seed without faults starts with 00 00 00 00. */
#define FZ_CONTROL_SIZE 4u
enum {
  FZ_FAULT_NONE = 0,         /* no injection */
  FZ_FAULT_ENGINE = 1,       /* the engine's own injection: HROpenOptions.fail_alloc_at or
                                HRSetAllocFailure (counts the engine's attempts) */
  FZ_FAULT_BACKEND = 2,      /* the counting backend fails its Nth call during open/create */
  FZ_FAULT_BACKEND_LATER = 3 /* the counting backend fails its Nth call after open (walk, save,
                                api step) */
};
typedef struct fz_control {
  unsigned mode;       /* FZ_FAULT_* */
  bool repeat;
  bool strict_alloc;
  bool keep_image;      /* byte 0 bit 7 */
  unsigned target_bits; /* byte 0 bits 4-6 */
  uint32_t nth;         /* 0 = no injection */
  uint8_t target_byte;  /* byte 3 */
} fz_control;
/* Parses the prefix; returns false (and zeroes c) when size < FZ_CONTROL_SIZE. */
bool fz_control_parse(const uint8_t *data, size_t size, fz_control *c);

/* ---- Counting allocator ------------------------------------------------------------------- */
typedef struct fz_alloc {
  HRAllocator vt;         /* pass &a->vt as HROpenOptions.allocator */
  uint64_t calls;         /* alloc + realloc calls seen */
  uint64_t injected;      /* failures this backend injected */
  uint64_t live_blocks;
  uint64_t live_bytes;    /* by the sizes the engine reports; must return to 0 */
  uint64_t fail_at;       /* absolute call number to fail, 0 = off */
  bool repeat;
} fz_alloc;
void fz_alloc_init(fz_alloc *a);
/* Fails the nth call from now (1 = the next), once or from then on; nth 0 disarms. */
void fz_alloc_arm(fz_alloc *a, uint64_t nth, bool repeat);

/* Open options for a control prefix.  alloc may be NULL (then FZ_FAULT_BACKEND* fall back to
 * no injection).  Arms alloc for FZ_FAULT_BACKEND. */
void fz_options(HROpenOptions *opt, const fz_control *c, fz_alloc *alloc);

/* ---- Fault bookkeeping around one API call ---------------------------------------------------
 * fz_failures() is the number of allocation failures seen so far for the hive of key h (engine
 * counters, which include the backend's NULL returns and budget refusals) plus the backend's
 * injected count; fz_after() checks one call: if failures grew, rc must be
 * ERROR_NOT_ENOUGH_MEMORY; ERROR_NOT_ENOUGH_MEMORY without any failure is also a bug. */
typedef struct fz_faults {
  ORHKEY hive;          /* any key of the hive; NULL = only the backend counts */
  const fz_alloc *alloc; /* may be NULL */
} fz_faults;
uint64_t fz_failures(const fz_faults *f);
void fz_after(const fz_faults *f, uint64_t before, DWORD rc, const char *what);

/* Checks the process-wide audit: HRLeakedHiveCount() == 0, HRGetProcessMemStats == 0/0 and, if
 * alloc is given, its live blocks and bytes are 0.  Call when no hive is open. */
void fz_check_no_leaks(const fz_alloc *alloc);

/* ---- Text buffer (dumps) ------------------------------------------------------------------- */
typedef struct fz_buf {
  char *p;
  size_t len, cap;
} fz_buf;
void fz_buf_free(fz_buf *b);
void fz_buf_reset(fz_buf *b);
void fz_buf_put(fz_buf *b, const void *s, size_t n);
void fz_buf_printf(fz_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends UTF-16 text escaped as DUMP.md says (\\ \t \n \r \0 \u{XXXX}, pairs as UTF-8). */
void fz_buf_put_utf16(fz_buf *b, const WCHAR *s, size_t n);

/* ---- The bounded walk ------------------------------------------------------------------------ */
#define FZ_WALK_MAX_KEYS   200000u
#define FZ_WALK_MAX_VALUES 1000000u
#define FZ_WALK_MAX_DEPTH  600u     /* above the engine's 512 limit: the walk never truncates a
                                       hive the engine accepted */
typedef struct fz_walk_stats {
  uint64_t keys, values, value_bytes, sd_bytes;
  uint64_t unopenable;   /* enumerated subkeys whose name holds a NUL (not addressable by name) */
  bool truncated;        /* a FZ_WALK_MAX_* cap was hit */
} fz_walk_stats;
/* Walks the hive under root.  Every key: ORQueryInfoKey, ORGetVirtualFlags, ORGetKeySecurity,
 * every value through OREnumValue (+ ORGetValue by name), every subkey through OREnumKey and
 * OROpenKey.  Enumeration counts must equal ORQueryInfoKey's.  dump (optional) receives the
 * canonical text.  Returns ERROR_SUCCESS, or ERROR_NOT_ENOUGH_MEMORY when a call reported it
 * (after fz_after() verified that a failure really happened); any other anomaly aborts. */
DWORD fz_walk(ORHKEY root, const fz_faults *faults, fz_buf *dump, fz_walk_stats *stats);

/* ---- Saving through the public API ------------------------------------------------------------
 * A per-process scratch directory ($HIVEREF_FUZZ_TMPDIR, else /dev/shm, else $TMPDIR or /tmp)
 * holds saved hives; fz_save() saves key h
 * under a fresh name and returns its bytes (malloc'ed, caller frees) and removes the file.
 * Returns the ORSaveHive code; *out is NULL unless it is ERROR_SUCCESS.  On failure it checks
 * that no file was left behind (DESIGN.md §2 save: "a failed save leaves nothing behind"). */
DWORD fz_save(ORHKEY h, DWORD os_major, DWORD os_minor, uint8_t **out, size_t *out_len);

/* Byte offset and size of offreg's serialization FILETIME in a saved base block
 * (offreg-api.md §1.19: "serialization timestamp at 512"): the only bytes two saves of the same
 * tree may differ in. */
#define FZ_SAVE_TIMESTAMP_OFF 512u
#define FZ_SAVE_TIMESTAMP_LEN 8u
/* Compares two saved images ignoring the serialization timestamp. */
bool fz_same_image(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

/* Content rules: findings about what the hive holds rather than how it is laid out.  A faithful
 * save preserves the content, so they may reappear in a saved hive (only if the source had
 * them): R-F16 duplicate value names, R-F17 type/size mismatch (offreg stores bytes). */
#define FZ_CONTENT_F16 1u
#define FZ_CONTENT_F17 2u
/* Runs HRCheckHive on an image and returns the number of findings of every severity (the
 * serializer's output must have none), not counting the content rules in content_ok.  The first
 * findings are printed to stderr.  *content (optional) receives the content rules seen. */
uint64_t fz_check_findings(const uint8_t *data, size_t size, unsigned content_ok, DWORD *rc,
                           HRCheckSummary *sum, unsigned *content);

/* Duplicates size bytes into an exact-size heap block so ASan sees any read outside the hive. */
uint8_t *fz_exact_copy(const uint8_t *data, size_t size);

#ifdef __cplusplus
}
#endif

/* ---- Input reader: targets consume their input as a little-endian byte stream; reads past
 * the end give 0, so every input is a valid program. ---- */
typedef struct fz_rd {
  const uint8_t *p;
  size_t n;
} fz_rd;
static inline uint8_t fz_u8(fz_rd *r) {
  if (!r->n) return 0;
  r->n--;
  return *r->p++;
}
static inline uint16_t fz_u16(fz_rd *r) { return (uint16_t)(fz_u8(r) | (fz_u8(r) << 8)); }
static inline uint32_t fz_u32(fz_rd *r) { return (uint32_t)fz_u16(r) | ((uint32_t)fz_u16(r) << 16); }

#endif /* HIVEREF_FUZZ_COMMON_H */
