/*
 * test_real_hives.c: every hive of ../shared/hives/MANIFEST.tsv through hive_load and
 * hive_check (skips when ../shared is absent).
 *
 * Primaries from real Windows, made on Windows for tests, or made by tools must open; corrupt
 * files, non-hives, empty files, fragments and every log must be rejected with a rule id
 * (empty files with ERROR_BADDB).  The exceptions below are listed with the rule strict mode
 * reports and the evidence that Windows, without self-healing, refuses the file too (or, for
 * the "corrupt but valid" ones, that no Windows load check covers the damage).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "load.h"
#include "test.h"
#include "tree.h"

typedef struct exception {
  const char *rel;             /* path prefix under ../shared/hives */
  const char *rule;            /* the rule strict mode must report ("" = must open) */
  const char *why;
} exception;

static const exception k_exceptions[] = {
    /* Hand-made Parse::Win32Registry test files: shorter than a base block + one bin, version
     * 0.0 or hive bins data size 0.  Windows: read failure / HvpGetHiveHeader NotHive (Minor < 3,
     * Length 0), spec R-A01, R-A06, R-A08. */
    {"Parse-Win32Registry/t/fake_", "R-A01", "hand-made 4-5 KiB file, version 0.0"},
    {"Parse-Win32Registry/t/winnt_entry_tests.rf", "R-A07", "hand-made, Format 0, Length 0"},
    {"Parse-Win32Registry/t/winnt_", "R-A01", "hand-made file below 8 KiB, Length 0"},
    /* One lf hint (name byte 0x9F, hint 0x81) is wrong; spec §12 item 9 and §13 item 9: probably
     * hand-edited.  Windows rewrites hints only when healing (CmpCheckLeaf, spec R-E13). */
    {"yarp/hives_for_tests/CompHive", "R-E13", "one wrong lf hint (Windows heals)"},
    /* Corrupt by the manifest, but only inside UTF-16 key-name content (an unpaired surrogate):
     * names are not validated by Windows (spec §6.1), so the hive is valid. */
    {"yarp/hives_for_tests/TruncatedPairHive", "", "unpaired surrogate in a name: not checked"},
};

static const exception *find_exception(const char *rel) {
  for (size_t i = 0; i < sizeof k_exceptions / sizeof k_exceptions[0]; i++)
    if (strncmp(rel, k_exceptions[i].rel, strlen(k_exceptions[i].rel)) == 0)
      return &k_exceptions[i];
  return NULL;
}

static int must_open(const test_manifest_row *r) {
  if (strcmp(r->file_type, "primary") != 0) return 0;
  return strcmp(r->origin, "real-windows") == 0 || strcmp(r->origin, "windows-made-test") == 0 ||
         strcmp(r->origin, "tool-made") == 0;
}

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static unsigned n_open, n_rejected, n_excepted;

static void check_row(const test_manifest_row *r) {
  size_t len;
  uint8_t *d = test_read_file(r->path, &len);
  if (!d) {
    test_fail(__FILE__, __LINE__, "%s: cannot read", r->rel);
    return;
  }
  hr_mem m;
  mem_init(&m, NULL, len);
  hr_tree t = {0};
  t.mem = &m;
  HRDiagnostic diag;
  diag_clear(&diag);
  hr_findings f = {0};
  f.diag = &diag;
  hr_status st = hive_load(&t, d, len, &f, NULL);
  if (st == ERROR_SUCCESS) {
    HRDiagnostic td;
    if (tree_check(&t, &td) != ERROR_SUCCESS)
      test_fail(__FILE__, __LINE__, "%s: tree_check: %s", r->rel, td.message);
    tree_free(&t);
  }
  if (m.live_bytes) test_fail(__FILE__, __LINE__, "%s: leaked %llu bytes", r->rel,
                              (unsigned long long)m.live_bytes);
  /* The check mode must agree with open on accept/reject. */
  hr_mem m2;
  mem_init(&m2, NULL, len);
  hr_findings f2 = {0};
  HRDiagnostic d2;
  diag_clear(&d2);
  f2.diag = &d2;
  hr_status st2 = hive_check(&m2, d, len, &f2, NULL);
  if ((st == ERROR_SUCCESS) != (st2 == ERROR_SUCCESS))
    test_fail(__FILE__, __LINE__, "%s: open %s but check %s", r->rel, HRErrorName(st),
              HRErrorName(st2));
  test_free_file(d);

  const exception *ex = find_exception(r->rel);
  int want_open = ex ? ex->rule[0] == 0 : must_open(r);
  if (st == ERROR_SUCCESS) n_open++;
  else n_rejected++;
  if (ex) n_excepted++;
  if (want_open) {
    if (st != ERROR_SUCCESS)
      test_fail(__FILE__, __LINE__, "%s (%s, %s) rejected: %s %s @0x%llx %s", r->rel, r->origin,
                r->file_type, HRErrorName(st), diag.rule, (unsigned long long)diag.offset,
                diag.message);
    return;
  }
  if (st == ERROR_SUCCESS) {
    test_fail(__FILE__, __LINE__, "%s (%s, %s) opened but must be rejected", r->rel, r->origin,
              r->file_type);
    return;
  }
  if (diag.rule[0] == 0)
    test_fail(__FILE__, __LINE__, "%s rejected without a rule id (%s)", r->rel, HRErrorName(st));
  if (ex && strcmp(diag.rule, ex->rule) != 0)
    test_fail(__FILE__, __LINE__, "%s: listed exception expects %s, got %s (%s)", r->rel,
              ex->rule, diag.rule, diag.message);
  hr_status want_err = len == 0 ? ERROR_BADDB : ERROR_NOT_REGISTRY_FILE;
  if (st != want_err)
    test_fail(__FILE__, __LINE__, "%s: %s, want %s", r->rel, HRErrorName(st),
              HRErrorName(want_err));
}

static void test_manifest_hives(void) {
  test_manifest_row *rows;
  size_t n = test_manifest(&rows);
  if (n == 0) {
    test_skip("../shared/hives absent");
    return;
  }
  for (size_t i = 0; i < n; i++) check_row(&rows[i]);
  printf("real hives: opened %u, rejected %u (%u listed exceptions) of %zu files\n", n_open,
         n_rejected, n_excepted, n);
  test_manifest_free(rows);
}

/* Timing of the largest real hive (information only: no assertion on speed). */
static void test_timing_largest(void) {
  const char *p = test_shared_hive("regipy/regipy_tests/data/SYSTEM_WIN_10_1709");
  if (!p) {
    test_skip("../shared/hives absent");
    return;
  }
  size_t len;
  uint8_t *d = test_read_file(p, &len);
  REQUIRE(d);
  double best_load = 1e9, best_check = 1e9;
  for (int i = 0; i < 5; i++) {
    hr_mem m;
    mem_init(&m, NULL, len);
    hr_tree t = {0};
    t.mem = &m;
    double t0 = now();
    hr_status st = hive_load(&t, d, len, NULL, NULL);
    double t1 = now();
    CHECK_ERR(st, ERROR_SUCCESS);
    tree_free(&t);
    hr_mem m2;
    mem_init(&m2, NULL, len);
    double t2 = now();
    CHECK_ERR(hive_check(&m2, d, len, NULL, NULL), ERROR_SUCCESS);
    double t3 = now();
    if (t1 - t0 < best_load) best_load = t1 - t0;
    if (t3 - t2 < best_check) best_check = t3 - t2;
  }
  printf("SYSTEM_WIN_10_1709 (%zu bytes): hive_load %.1f ms, hive_check %.1f ms (%.2f GB/s)\n",
         len, best_load * 1e3, best_check * 1e3, (double)len / best_check / 1e9);
  test_free_file(d);
}

int main(void) {
  TEST_RUN(test_manifest_hives);
  TEST_RUN(test_timing_largest);
  return test_finish();
}
