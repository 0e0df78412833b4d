/*
 * test_api_thread.c: "simple locking" (offreg-api.md §1.0): several threads doing mixed calls on
 * one shared hive, while others work on hives of their own, and threads racing ORCloseKey /
 * ORCloseHive against users of the same handles.  Run it under -fsanitize=thread too (the
 * report lists the result).  Deterministic: each thread's sequence is fixed by its index.
 */
#include <pthread.h>

#include "api_testlib.h"

/* test.h's W() uses a static rotating buffer: not for threads.  Thread-local slots instead. */
static const uint16_t *WT(const char *utf8) {
  static _Thread_local uint16_t buf[4][128];
  static _Thread_local int i;
  i = (i + 1) % 4;
  if (HRUtf8ToUtf16(utf8, strlen(utf8), buf[i], 128) == (size_t)-1) buf[i][0] = 0;
  return buf[i];
}

#define N_SHARED 4
#define N_PRIVATE 2
#define ITER 300

static ORHKEY g_shared;

static void *shared_worker(void *arg) {
  int id = (int)(intptr_t)arg;
  char path[64], val[32];
  for (int i = 0; i < ITER; i++) {
    snprintf(path, sizeof path, "T%d\\K%d", id, i % 17);
    ORHKEY k;
    DWORD st = ORCreateKey(g_shared, WT(path), NULL, 0, NULL, &k, NULL);
    if (st != ERROR_SUCCESS) {
      test_fail(__FILE__, __LINE__, "create %s: %s", path, HRErrorName(st));
      continue;
    }
    snprintf(val, sizeof val, "v%d", i % 5);
    DWORD d = (DWORD)i;
    if (ORSetValue(k, WT(val), REG_DWORD, (const BYTE *)&d, 4) != ERROR_SUCCESS)
      test_fail(__FILE__, __LINE__, "set");
    DWORD cb = 4, got;
    if (ORGetValue(k, NULL, WT(val), NULL, &got, &cb) != ERROR_SUCCESS)
      test_fail(__FILE__, __LINE__, "get");
    /* Enumerate the shared root while others add keys. */
    uint16_t nm[300];
    DWORD cn = 300;
    DWORD est = OREnumKey(g_shared, (DWORD)(i % 4), nm, &cn, NULL, NULL, NULL);
    if (est != ERROR_SUCCESS && est != ERROR_NO_MORE_ITEMS) test_fail(__FILE__, __LINE__, "enum");
    DWORD n;
    ORQueryInfoKey(g_shared, NULL, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
    if (i % 3 == 0) ORDeleteValue(k, WT(val));
    ORCloseKey(k);
    if (i % 7 == 6) {
      snprintf(path, sizeof path, "T%d\\K%d", id, (i + 3) % 17);
      DWORD dst = ORDeleteKey(g_shared, WT(path));
      if (dst != ERROR_SUCCESS && dst != ERROR_FILE_NOT_FOUND)
        test_fail(__FILE__, __LINE__, "delete: %s", HRErrorName(dst));
    }
  }
  return NULL;
}

static void *private_worker(void *arg) {
  int id = (int)(intptr_t)arg;
  for (int round = 0; round < 20; round++) {
    ORHKEY root, k;
    if (ORCreateHive(&root) != ERROR_SUCCESS) {
      test_fail(__FILE__, __LINE__, "create hive");
      continue;
    }
    for (int i = 0; i < 20; i++) {
      char path[32];
      snprintf(path, sizeof path, "P%d\\%d", id, i);
      if (ORCreateKey(root, WT(path), NULL, 0, NULL, &k, NULL) == ERROR_SUCCESS) {
        ORSetValue(k, WT("x"), REG_BINARY, (const BYTE *)"abc", 3);
        ORCloseKey(k);
      }
    }
    if (!test_tree_ok(root)) test_fail(__FILE__, __LINE__, "private tree");
    ORCloseHive(root);
  }
  return NULL;
}

/* Saves, merges, security and rename on the shared hive while the workers write to it. */
static const char *g_dir;

static void *heavy_worker(void *arg) {
  (void)arg;
  for (int i = 0; i < 20; i++) {
    char p[600];
    snprintf(p, sizeof p, "%s/s%d.hiv", g_dir, i);
    DWORD st = ORSaveHive(g_shared, WT(p), 6, 1);
    if (st != ERROR_SUCCESS) test_fail(__FILE__, __LINE__, "save: %s", HRErrorName(st));
    ORHKEY in[2] = {g_shared, g_shared}, m;
    st = ORMergeHives(in, 2, &m);
    if (st == ERROR_SUCCESS) {
      if (!test_tree_ok(m)) test_fail(__FILE__, __LINE__, "merged tree");
      ORCloseHive(m);
    } else {
      test_fail(__FILE__, __LINE__, "merge: %s", HRErrorName(st));
    }
    ORHKEY k;
    if (ORCreateKey(g_shared, WT("Sec\\Key"), NULL, 0, NULL, &k, NULL) == ERROR_SUCCESS) {
      BYTE sd[256];
      DWORD cb = sizeof sd;
      if (ORGetKeySecurity(k, DACL_SECURITY_INFORMATION | OWNER_SECURITY_INFORMATION, sd, &cb) ==
          ERROR_SUCCESS) {
        sd[cb - 1] ^= (BYTE)(i & 1); /* alternate between two owners' last sub-authority */
        ORSetKeySecurity(k, OWNER_SECURITY_INFORMATION, sd);
      }
      ORRenameKey(k, WT((i & 1) ? "Key" : "KeyRenamed"));
      ORCloseKey(k);
    }
  }
  return NULL;
}

static void test_mixed_threads(void) {
  REQUIRE_OK(ORCreateHive(&g_shared));
  g_dir = test_tmpdir("threads");
  REQUIRE(g_dir);
  pthread_t heavy;
  REQUIRE(pthread_create(&heavy, NULL, heavy_worker, NULL) == 0);
  pthread_t th[N_SHARED + N_PRIVATE];
  for (int i = 0; i < N_SHARED; i++)
    REQUIRE(pthread_create(&th[i], NULL, shared_worker, (void *)(intptr_t)i) == 0);
  for (int i = 0; i < N_PRIVATE; i++)
    REQUIRE(pthread_create(&th[N_SHARED + i], NULL, private_worker, (void *)(intptr_t)i) == 0);
  for (int i = 0; i < N_SHARED + N_PRIVATE; i++) pthread_join(th[i], NULL);
  pthread_join(heavy, NULL);
  CHECK(test_tree_ok(g_shared));
  DWORD n;
  REQUIRE_OK(ORQueryInfoKey(g_shared, NULL, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(n, N_SHARED + 1); /* T0..T3 and Sec */
  /* Every snapshot saved during the writes is a valid hive. */
  for (int i = 0; i < 20; i++) {
    char p[600];
    snprintf(p, sizeof p, "%s/s%d.hiv", g_dir, i);
    ORHKEY h;
    CHECK_ERR(HROpenHiveUtf8(p, NULL, &h, NULL), ERROR_SUCCESS);
    if (h) ORCloseHive(h);
  }
  test_rmdir(g_dir);
  CHECK_ERR(ORCloseHive(g_shared), ERROR_SUCCESS);
}

/* Threads use handles of a hive while another thread closes the hive: every call either works
 * or reports ERROR_INVALID_HANDLE; nothing crashes and nothing leaks. */
static ORHKEY g_victim, g_victim_key;

static void *racer(void *arg) {
  (void)arg;
  for (int i = 0; i < 2000; i++) {
    DWORD st = ORSetValue(g_victim_key, WT("r"), REG_DWORD, (const BYTE *)"\1\0\0\0", 4);
    if (st != ERROR_SUCCESS && st != ERROR_INVALID_HANDLE)
      test_fail(__FILE__, __LINE__, "racer: %s", HRErrorName(st));
    ORHKEY k;
    st = OROpenKey(g_victim, WT("Key"), &k);
    if (st == ERROR_SUCCESS) ORCloseKey(k);
    else if (st != ERROR_INVALID_HANDLE) test_fail(__FILE__, __LINE__, "racer open: %s", HRErrorName(st));
    if (st == ERROR_INVALID_HANDLE) break;
  }
  return NULL;
}

static void test_close_races(void) {
  for (int round = 0; round < 10; round++) {
    REQUIRE_OK(ORCreateHive(&g_victim));
    REQUIRE_OK(ORCreateKey(g_victim, WT("Key"), NULL, 0, NULL, &g_victim_key, NULL));
    pthread_t th[3];
    for (int i = 0; i < 3; i++) REQUIRE(pthread_create(&th[i], NULL, racer, NULL) == 0);
    for (volatile int spin = 0; spin < 1000 * round; spin++) {
    }
    CHECK_ERR(ORCloseHive(g_victim), ERROR_SUCCESS);
    for (int i = 0; i < 3; i++) pthread_join(th[i], NULL);
    CHECK_ERR(ORCloseKey(g_victim_key), ERROR_INVALID_HANDLE);
  }
}

int main(void) {
  TEST_RUN(test_mixed_threads);
  TEST_RUN(test_close_races);
  return test_finish();
}
