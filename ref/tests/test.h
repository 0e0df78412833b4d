/*
 * test.h: the unit-test harness (STYLE.md item 16: assertions carry their location; every test
 * ends with the allocation audit).
 *
 * A test file defines test functions and a main that calls TEST_RUN(fn) for each, then
 * returns test_finish().  TEST_RUN checks, after each test, that the process-wide live
 * allocation counters are back to where they were and that no hive was closed with a leak.
 * test_finish prints "N passed, N failed" (the line CI reads), checks that the process-wide
 * counters are zero, and returns 0, 1 (a failure or anything still live), or 77 when
 * every test skipped.
 */
#ifndef HIVEREF_TEST_H
#define HIVEREF_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hiveref.h"
#include "offreg.h"

extern int test_failures_in_current;
extern const char *test_current_name;

void test_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void test_run(const char *name, void (*fn)(void));
int test_finish(void);
/* Marks the current test skipped with a reason (e.g. ../shared/hives absent). */
void test_skip(const char *why);

#define TEST_RUN(fn) test_run(#fn, fn)

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);            \
  } while (0)
#define REQUIRE(cond)                                                          \
  do {                                                                         \
    if (!(cond)) {                                                             \
      test_fail(__FILE__, __LINE__, "REQUIRE(%s)", #cond);                     \
      return;                                                                  \
    }                                                                          \
  } while (0)
#define CHECK_EQ_U(a, b)                                                       \
  do {                                                                         \
    unsigned long long _a = (unsigned long long)(a), _b = (unsigned long long)(b); \
    if (_a != _b) test_fail(__FILE__, __LINE__, "%s == %s: %llu != %llu", #a, #b, _a, _b); \
  } while (0)
/* Win32 status comparison with names in the message. */
#define CHECK_ERR(expr, want)                                                  \
  do {                                                                         \
    DWORD _got = (DWORD)(expr), _want = (DWORD)(want);                         \
    if (_got != _want)                                                         \
      test_fail(__FILE__, __LINE__, "%s: got %s, want %s", #expr, HRErrorName(_got), \
                HRErrorName(_want));                                           \
  } while (0)
#define REQUIRE_OK(expr)                                                       \
  do {                                                                         \
    DWORD _got = (DWORD)(expr);                                                \
    if (_got != ERROR_SUCCESS) {                                               \
      test_fail(__FILE__, __LINE__, "%s: got %s", #expr, HRErrorName(_got));   \
      return;                                                                  \
    }                                                                          \
  } while (0)

/* ---- paths and data ---- */
/* HIVEREF_SOURCE_DIR-relative path into a static buffer (valid until the next call). */
const char *test_src_path(const char *rel);
/* ../shared/hives/<rel>, or NULL when ../shared/hives is absent (caller skips). */
const char *test_shared_hive(const char *rel);
bool test_shared_available(void);
/* Reads a whole file (libc allocation: test-side memory, not audited). *len set. NULL on error.
 * The buffer holds one extra NUL byte after the *len bytes, for text parsing. */
uint8_t *test_read_file(const char *path, size_t *len);
void test_free_file(uint8_t *p);

/* One row of ../shared/hives/MANIFEST.tsv. */
typedef struct test_manifest_row {
  char path[512];              /* absolute path */
  char rel[400];
  char file_type[32];          /* primary, log(...), - */
  char origin[32];             /* real-windows, windows-made-test, tool-made, corrupt, ... */
  char version[16];
  char dirty[8];
  char description[512];
} test_manifest_row;
/* Loads the manifest; returns the row count (0 if absent).  Rows are test-side memory. */
size_t test_manifest(test_manifest_row **rows);
void test_manifest_free(test_manifest_row *rows);

/* UTF-16 literal helper for tests: converts ASCII/UTF-8 into a static rotating buffer. */
const uint16_t *W(const char *utf8);

/* ---- allocation audit ---- */
/* A counting HRAllocator over libc for tests that want their own backend-level count. */
typedef struct test_counting_alloc {
  HRAllocator vt;
  uint64_t live_bytes, live_blocks, total;
} test_counting_alloc;
void test_counting_alloc_init(test_counting_alloc *a);

/* OOM sweep (STYLE.md item 7): runs op(ctx, fail_at) for fail_at = 1, 2, 3 ... until a run
 * reports that no failure was injected.  op returns the Win32 status of the operation and sets
 * *injected when the armed failure fired.  Each status must be ERROR_SUCCESS or
 * ERROR_NOT_ENOUGH_MEMORY, and the process live counters must return to their start value
 * after every run.  Returns the number of runs (0 on a harness failure, already reported).
 * max_runs bounds the sweep (0 = 1,000,000). */
typedef DWORD (*test_oom_op)(void *ctx, uint64_t fail_at, bool *injected);
uint64_t test_oom_sweep(const char *what, test_oom_op op, void *ctx, uint64_t max_runs);

#endif /* HIVEREF_TEST_H */
