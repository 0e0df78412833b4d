/*
 * test_handle_race.c: the handle/lock protocol of handle.h ("Locking") under contention.
 *
 * DESIGN.md §2 "api": a stale or foreign handle gets ERROR_INVALID_HANDLE and never crashes,
 * including a handle closed by another thread, a closed hive and a reused slot; calls on one
 * hive from several threads are safe; ORCloseHive racing with calls on the same hive is safe.
 *
 *  - Deterministic waits: the test holds a hive's lock (handle_enter), lets threads queue on it
 *    (they pin the hive: the pin count in hr_hive.state shows them), then releases it in three
 *    ways: plainly (every waiter's call succeeds), after closing the waiters' handle (they all
 *    get ERROR_INVALID_HANDLE), and after ORCloseHive's steps (the hive dies with waiters
 *    queued: they all get ERROR_INVALID_HANDLE and the last one frees the struct: the
 *    allocation audit and the process counters prove it happened once).
 *  - Stress: threads walk a hive (open, enumerate keys and values, close) while the main thread
 *    closes and reopens a shared handle (slot reuse) and finally closes the hive.
 * Worker threads record problems in atomic counters (the harness's test_fail is not for
 * threads); the main thread checks them.  Run it under -fsanitize=thread as well.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "api_testlib.h"

/* test.h's W() uses a static rotating buffer: not for threads.  Thread-local slots instead. */
static const uint16_t *WT(const char *utf8) {
  static _Thread_local uint16_t buf[4][64];
  static _Thread_local int i;
  i = (i + 1) % 4;
  if (HRUtf8ToUtf16(utf8, strlen(utf8), buf[i], 64) == (size_t)-1) buf[i][0] = 0;
  return buf[i];
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

/* Calls in flight on a hive: holder and waiters (hive.h HIVE_PIN units). */
static uint32_t pins_of(hr_hive *hive) {
  return (atomic_load(&hive->state) & HIVE_PIN_MASK) / HIVE_PIN;
}

/* Waits (bounded: 20 s) until n calls are pinned on hive. */
static bool wait_pins(hr_hive *hive, uint32_t n) {
  for (int i = 0; i < 20000; i++) {
    if (pins_of(hive) == n) return true;
    sleep_ms(1);
  }
  return false;
}

/* ---- deterministic waits ------------------------------------------------------------------ */

#define N_WAITERS 4

typedef struct waiter {
  pthread_t th;
  ORHKEY key;
  DWORD st;        /* what the queued call returned */
  DWORD n_values;  /* its result when it succeeded */
} waiter;

static void *waiter_main(void *arg) {
  waiter *w = arg;
  w->st = ORQueryInfoKey(w->key, NULL, NULL, NULL, NULL, NULL, &w->n_values, NULL, NULL, NULL,
                         NULL);
  return NULL;
}

/* Holds key's hive lock while N_WAITERS threads queue a call on key, then runs `then` with the
 * lock still held and releases it. */
typedef enum { THEN_NOTHING, THEN_CLOSE_KEY, THEN_CLOSE_HIVE } then_what;

static void queue_and_release(ORHKEY key, then_what then, waiter *ws) {
  hr_ref r;
  REQUIRE_OK(handle_enter(key, &r));
  hr_hive *hive = r.hive;
  for (int i = 0; i < N_WAITERS; i++) {
    ws[i].key = key;
    ws[i].st = 0xFFFFFFFFu;
    REQUIRE(pthread_create(&ws[i].th, NULL, waiter_main, &ws[i]) == 0);
  }
  /* Every waiter resolved the handle and pinned the hive: it is queued on the lock. */
  CHECK(wait_pins(hive, 1 + N_WAITERS));
  sleep_ms(20); /* let them pass the bounded spin and sleep in the kernel */
  if (then == THEN_CLOSE_KEY) {
    handle_close(r.slot); /* what ORCloseKey does under the lock */
  } else if (then == THEN_CLOSE_HIVE) {
    handle_kill_hive(hive); /* what ORCloseHive does under the lock */
    if (hive_free_contents(hive)) hive_count_leak();
  }
  handle_leave(&r);
  for (int i = 0; i < N_WAITERS; i++) pthread_join(ws[i].th, NULL);
}

static void test_waiters_get_the_lock(void) {
  ORHKEY h, k;
  REQUIRE_OK(ORCreateHive(&h));
  REQUIRE_OK(ORCreateKey(h, W("K"), NULL, 0, NULL, &k, NULL));
  REQUIRE_OK(ORSetValue(k, W("v"), REG_NONE, NULL, 0));
  waiter ws[N_WAITERS];
  queue_and_release(k, THEN_NOTHING, ws);
  for (int i = 0; i < N_WAITERS; i++) {
    CHECK_ERR(ws[i].st, ERROR_SUCCESS);
    CHECK_EQ_U(ws[i].n_values, 1);
  }
  hr_ref r;
  REQUIRE_OK(handle_enter(h, &r));
  CHECK_EQ_U(pins_of(r.hive), 1); /* every waiter unpinned */
  handle_leave(&r);
  CHECK_ERR(ORCloseKey(k), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(h), ERROR_SUCCESS);
}

static void test_waiters_see_their_handle_closed(void) {
  ORHKEY h, k, k2;
  REQUIRE_OK(ORCreateHive(&h));
  REQUIRE_OK(ORCreateKey(h, W("K"), NULL, 0, NULL, &k, NULL));
  waiter ws[N_WAITERS];
  queue_and_release(k, THEN_CLOSE_KEY, ws);
  for (int i = 0; i < N_WAITERS; i++) CHECK_ERR(ws[i].st, ERROR_INVALID_HANDLE);
  /* The slot is free again: a new handle (likely the same slot, a new generation) works and
   * the old value stays refused. */
  REQUIRE_OK(OROpenKey(h, W("K"), &k2));
  CHECK(k2 != k);
  CHECK_ERR(ORCloseKey(k), ERROR_INVALID_HANDLE);
  CHECK_ERR(ORQueryInfoKey(k2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(k2), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(h), ERROR_SUCCESS);
}

static void test_waiters_see_the_hive_die(void) {
  uint64_t b0, n0;
  HRGetProcessMemStats(&b0, &n0);
  ORHKEY h, k;
  REQUIRE_OK(ORCreateHive(&h));
  REQUIRE_OK(ORCreateKey(h, W("K"), NULL, 0, NULL, &k, NULL));
  waiter ws[N_WAITERS];
  queue_and_release(k, THEN_CLOSE_HIVE, ws);
  for (int i = 0; i < N_WAITERS; i++) CHECK_ERR(ws[i].st, ERROR_INVALID_HANDLE);
  CHECK_ERR(ORCloseKey(k), ERROR_INVALID_HANDLE);
  CHECK_ERR(ORCloseHive(h), ERROR_INVALID_HANDLE);
  /* The struct was freed (by the last waiter to unpin), once: counters are back. */
  uint64_t b1, n1;
  HRGetProcessMemStats(&b1, &n1);
  CHECK_EQ_U(b1, b0);
  CHECK_EQ_U(n1, n0);
  CHECK_EQ_U(handle_live_count(), 0);
}

/* ---- stress ------------------------------------------------------------------------------- */

#define N_WALKERS 4
#define FANOUT 6

static ORHKEY g_hive;
static _Atomic(ORHKEY) g_shared; /* a handle the main thread closes and reopens */
static atomic_bool g_stop;
static atomic_uint g_bad;         /* unexpected results */
static atomic_uint g_ok_calls, g_invalid_calls;

static void note(DWORD st, DWORD also_fine) {
  if (st == ERROR_SUCCESS || st == also_fine) atomic_fetch_add(&g_ok_calls, 1);
  else if (st == ERROR_INVALID_HANDLE) atomic_fetch_add(&g_invalid_calls, 1);
  else atomic_fetch_add(&g_bad, 1);
}

/* Opens, enumerates and closes key's children (one level), through the API. */
static void walk_children(ORHKEY key) {
  for (DWORD i = 0; i <= FANOUT; i++) {
    uint16_t nm[64];
    DWORD cn = 64;
    DWORD st = OREnumKey(key, i, nm, &cn, NULL, NULL, NULL);
    note(st, ERROR_NO_MORE_ITEMS);
    if (st != ERROR_SUCCESS) continue;
    ORHKEY c;
    st = OROpenKey(key, nm, &c);
    note(st, ERROR_SUCCESS);
    if (st != ERROR_SUCCESS) continue;
    for (DWORD j = 0; j < 3; j++) {
      uint16_t vn[64];
      DWORD vcn = 64, type, cb = 8;
      BYTE data[8];
      note(OREnumValue(c, j, vn, &vcn, &type, data, &cb), ERROR_NO_MORE_ITEMS);
    }
    note(ORCloseKey(c), ERROR_SUCCESS);
  }
}

static void *walker(void *arg) {
  (void)arg;
  for (int round = 0; round < 200000 && !atomic_load(&g_stop); round++) {
    walk_children(g_hive);
    walk_children(atomic_load(&g_shared));
    ORHKEY k;
    DWORD st = OROpenKey(g_hive, WT("A2\\B3"), &k);
    note(st, ERROR_SUCCESS);
    if (st == ERROR_SUCCESS) note(ORCloseKey(k), ERROR_SUCCESS);
    if (st == ERROR_INVALID_HANDLE) break; /* the hive is gone */
  }
  return NULL;
}

static void build_tree(ORHKEY h) {
  char path[32];
  for (int a = 0; a < FANOUT; a++) {
    for (int b = 0; b < FANOUT; b++) {
      snprintf(path, sizeof path, "A%d\\B%d", a, b);
      ORHKEY k;
      REQUIRE_OK(ORCreateKey(h, W(path), NULL, 0, NULL, &k, NULL));
      DWORD d = (DWORD)(a * FANOUT + b);
      REQUIRE_OK(ORSetValue(k, W("d"), REG_DWORD, (const BYTE *)&d, 4));
      REQUIRE_OK(ORSetValue(k, W("e"), REG_DWORD, (const BYTE *)&d, 4));
      REQUIRE_OK(ORCloseKey(k));
    }
  }
}

static void test_walk_while_closing(void) {
  uint64_t b0, n0;
  HRGetProcessMemStats(&b0, &n0);
  for (int round = 0; round < 4; round++) {
    REQUIRE_OK(ORCreateHive(&g_hive));
    build_tree(g_hive);
    ORHKEY s;
    REQUIRE_OK(OROpenKey(g_hive, W("A1"), &s));
    atomic_store(&g_shared, s);
    atomic_store(&g_stop, false);
    atomic_store(&g_bad, 0);
    atomic_store(&g_ok_calls, 0);
    atomic_store(&g_invalid_calls, 0);
    pthread_t th[N_WALKERS];
    for (int i = 0; i < N_WALKERS; i++) REQUIRE(pthread_create(&th[i], NULL, walker, NULL) == 0);
    /* Let them get going (bounded wait). */
    for (int i = 0; i < 20000 && atomic_load(&g_ok_calls) < 200; i++) sleep_ms(1);
    /* Close the shared handle under the walkers' feet and reopen it: stale values and reused
     * slots (new generations) while they run. */
    for (int i = 0; i < 50; i++) {
      ORHKEY old = atomic_load(&g_shared), nk;
      CHECK_ERR(ORCloseKey(old), ERROR_SUCCESS);
      REQUIRE_OK(OROpenKey(g_hive, W((i & 1) ? "A1" : "A4"), &nk));
      atomic_store(&g_shared, nk);
      if (round & 1) sleep_ms(1);
    }
    /* Then close the hive while they run (round 3: after they stopped, the plain case). */
    if (round == 3) {
      atomic_store(&g_stop, true);
      for (int i = 0; i < N_WALKERS; i++) pthread_join(th[i], NULL);
    }
    CHECK_ERR(ORCloseHive(g_hive), ERROR_SUCCESS);
    atomic_store(&g_stop, true);
    if (round != 3)
      for (int i = 0; i < N_WALKERS; i++) pthread_join(th[i], NULL);
    CHECK_EQ_U(atomic_load(&g_bad), 0);
    CHECK(atomic_load(&g_ok_calls) > 0);
    /* Every handle is gone with the hive, including the last shared one. */
    CHECK_ERR(ORCloseKey(atomic_load(&g_shared)), ERROR_INVALID_HANDLE);
    CHECK_EQ_U(handle_live_count(), 0);
  }
  uint64_t b1, n1;
  HRGetProcessMemStats(&b1, &n1);
  CHECK_EQ_U(b1, b0);
  CHECK_EQ_U(n1, n0);
}

/* Threads on different hives never wait for each other's hive lock: a held lock on one hive
 * does not stop calls on another. */
static ORHKEY g_other;
static atomic_int g_other_done;

static void *other_hive_user(void *arg) {
  (void)arg;
  DWORD n = 0;
  DWORD st = ORQueryInfoKey(g_other, NULL, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
  atomic_store(&g_other_done, st == ERROR_SUCCESS ? 1 : 2);
  return NULL;
}

static void test_hives_do_not_serialise(void) {
  ORHKEY h1;
  REQUIRE_OK(ORCreateHive(&h1));
  REQUIRE_OK(ORCreateHive(&g_other));
  atomic_store(&g_other_done, 0);
  hr_ref r;
  REQUIRE_OK(handle_enter(h1, &r)); /* h1's lock held by this thread */
  pthread_t th;
  REQUIRE(pthread_create(&th, NULL, other_hive_user, NULL) == 0);
  for (int i = 0; i < 20000 && !atomic_load(&g_other_done); i++) sleep_ms(1);
  CHECK_EQ_U(atomic_load(&g_other_done), 1);
  handle_leave(&r);
  pthread_join(th, NULL);
  CHECK_ERR(ORCloseHive(g_other), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(h1), ERROR_SUCCESS);
}

int main(void) {
  TEST_RUN(test_waiters_get_the_lock);
  TEST_RUN(test_waiters_see_their_handle_closed);
  TEST_RUN(test_waiters_see_the_hive_die);
  TEST_RUN(test_walk_while_closing);
  TEST_RUN(test_hives_do_not_serialise);
  return test_finish(); /* also checks the process counters are zero */
}
