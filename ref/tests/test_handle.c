/*
 * test_handle.c: the handle table (handle.h): encoded index+generation handles, validation of
 * closed, foreign and garbage values (ERROR_INVALID_HANDLE, never a crash), the table's memory
 * returning to zero when no handle is open, and the pin/lock protocol's basic contract.
 */
#include "api_testlib.h"

static void test_garbage_handles(void) {
  /* None of these point at anything; all must be refused without touching memory. */
  static int local;
  ORHKEY bad[] = {NULL,
                  (ORHKEY)1,
                  (ORHKEY)(intptr_t)-1,
                  (ORHKEY)0x1000000,
                  (ORHKEY)(uintptr_t)0x7FFFFFFFFFFFull,
                  (ORHKEY)&local,
                  (ORHKEY)(uintptr_t)0xDEADBEEFCAFEull,
                  (ORHKEY)(uintptr_t)(((uint64_t)5 << 24) | 3)};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    ORHKEY k;
    uint16_t nm[8];
    DWORD cn = 8, f;
    CHECK_ERR(OROpenKey(bad[i], W("x"), &k), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORCreateKey(bad[i], W("x"), NULL, 0, NULL, &k, NULL), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORCloseKey(bad[i]), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORCloseHive(bad[i]), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORDeleteKey(bad[i], NULL), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORSetValue(bad[i], NULL, REG_NONE, NULL, 0), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORGetValue(bad[i], NULL, NULL, NULL, NULL, NULL), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORDeleteValue(bad[i], NULL), ERROR_INVALID_HANDLE);
    CHECK_ERR(OREnumKey(bad[i], 0, nm, &cn, NULL, NULL, NULL), ERROR_INVALID_HANDLE);
    CHECK_ERR(OREnumValue(bad[i], 0, nm, &cn, NULL, NULL, NULL), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORQueryInfoKey(bad[i], NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              ERROR_INVALID_HANDLE);
    CHECK_ERR(ORGetVirtualFlags(bad[i], &f), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORSetVirtualFlags(bad[i], 0), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORRenameKey(bad[i], W("y")), ERROR_INVALID_HANDLE);
    CHECK_ERR(ORSaveHive(bad[i], W("./never.hiv"), 6, 1), ERROR_INVALID_HANDLE);
    HRMemStats ms;
    CHECK_ERR(HRGetMemStats(bad[i], &ms), ERROR_INVALID_HANDLE);
    CHECK_ERR(HRSetAllocFailure(bad[i], 1, 0), ERROR_INVALID_HANDLE);
  }
  CHECK(!test_file_exists("./never.hiv"));
}

/* Closed handles stay invalid, even when their slot is reused by a new handle. */
static void test_stale_handles(void) {
  ORHKEY h, k1, k2;
  REQUIRE_OK(ORCreateHive(&h));
  REQUIRE_OK(ORCreateKey(h, W("A"), NULL, 0, NULL, &k1, NULL));
  CHECK_ERR(ORCloseKey(k1), ERROR_SUCCESS);
  REQUIRE_OK(OROpenKey(h, W("A"), &k2)); /* likely the same slot, new generation */
  CHECK(k1 != k2);
  CHECK_ERR(ORSetValue(k1, W("x"), REG_NONE, NULL, 0), ERROR_INVALID_HANDLE);
  CHECK_ERR(ORCloseKey(k1), ERROR_INVALID_HANDLE);
  CHECK_ERR(ORSetValue(k2, W("x"), REG_NONE, NULL, 0), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(k2), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(h), ERROR_SUCCESS);
  /* After the table was freed and rebuilt, the old values are still refused. */
  CHECK_EQ_U(handle_live_count(), 0);
  ORHKEY h2;
  REQUIRE_OK(ORCreateHive(&h2));
  CHECK(h2 != h);
  CHECK_ERR(ORCloseHive(h), ERROR_INVALID_HANDLE);
  CHECK_ERR(ORSetValue(k2, W("x"), REG_NONE, NULL, 0), ERROR_INVALID_HANDLE);
  CHECK_ERR(ORCloseHive(h2), ERROR_SUCCESS);
}

/* A handle of one hive is never accepted as a handle of another, and keys of both hives keep
 * working independently. */
static void test_foreign_handles(void) {
  ORHKEY h1, h2, k1, k2;
  REQUIRE_OK(ORCreateHive(&h1));
  REQUIRE_OK(ORCreateHive(&h2));
  REQUIRE_OK(ORCreateKey(h1, W("One"), NULL, 0, NULL, &k1, NULL));
  REQUIRE_OK(ORCreateKey(h2, W("Two"), NULL, 0, NULL, &k2, NULL));
  CHECK_ERR(ORCloseHive(k2), ERROR_INVALID_HANDLE);
  CHECK_ERR(ORCloseHive(h1), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(k1), ERROR_INVALID_HANDLE);
  CHECK_ERR(ORSetValue(k2, W("v"), REG_NONE, NULL, 0), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(k2), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(h2), ERROR_SUCCESS);
}

/* Many handles: the table grows, and returns to zero process memory when all are closed. */
static void test_table_growth_and_release(void) {
  uint64_t b0, k0;
  HRGetProcessMemStats(&b0, &k0);
  ORHKEY h;
  REQUIRE_OK(ORCreateHive(&h));
  ORHKEY kept; /* left open on purpose: ORCloseHive closes it */
  REQUIRE_OK(ORCreateKey(h, W("K"), NULL, 0, NULL, &kept, NULL));
  enum { N = 3000 };
  static ORHKEY ks[N];
  for (int i = 0; i < N; i++) REQUIRE_OK(OROpenKey(h, W("K"), &ks[i]));
  CHECK(handle_live_count() >= N + 1);
  for (int i = 0; i < N; i++) CHECK_ERR(ORCloseKey(ks[i]), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(h), ERROR_SUCCESS); /* also closes the handle leaked above */
  CHECK_EQ_U(handle_live_count(), 0);
  uint64_t b1, k1;
  HRGetProcessMemStats(&b1, &k1);
  CHECK_EQ_U(b1, b0);
  CHECK_EQ_U(k1, k0);
}

int main(void) {
  TEST_RUN(test_garbage_handles);
  TEST_RUN(test_stale_handles);
  TEST_RUN(test_foreign_handles);
  TEST_RUN(test_table_growth_and_release);
  return test_finish(); /* also checks the process counters are zero */
}
