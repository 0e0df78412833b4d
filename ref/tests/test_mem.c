/*
 * test_mem.c: the audited allocator (ref/src/mem.c): accounting, budget, single-allocation
 * limit, overflow-checked sizes, fault injection (once / from N on), strict mode.
 */
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "test.h"

static void test_mem__accounting(void) {
  test_counting_alloc ca;
  test_counting_alloc_init(&ca);
  HROpenOptions o = {.struct_size = sizeof o, .allocator = &ca.vt};
  hr_mem m;
  mem_init(&m, &o, 0);
  void *a = mem_alloc(&m, 100), *b = mem_zalloc(&m, 50);
  REQUIRE(a && b);
  CHECK_EQ_U(m.live_bytes, 150);
  CHECK_EQ_U(m.live_blocks, 2);
  CHECK_EQ_U(ca.live_bytes, 150);
  CHECK(((uint8_t *)b)[49] == 0);
  a = mem_realloc(&m, a, 100, 400);
  REQUIRE(a);
  CHECK_EQ_U(m.live_bytes, 450);
  CHECK_EQ_U(m.high_water, 450);
  a = mem_realloc(&m, a, 400, 10);
  REQUIRE(a);
  CHECK_EQ_U(m.live_bytes, 60);
  CHECK_EQ_U(m.high_water, 450);
  mem_free(&m, a, 10);
  mem_free(&m, b, 50);
  CHECK_EQ_U(m.live_bytes, 0);
  CHECK_EQ_U(m.live_blocks, 0);
  CHECK_EQ_U(ca.live_bytes, 0);
  CHECK_EQ_U(ca.live_blocks, 0);
  HRMemStats s;
  mem_stats(&m, &s);
  CHECK_EQ_U(s.total_allocs, 3);
}

static void test_mem__budget_and_single_limit(void) {
  HROpenOptions o = {.struct_size = sizeof o, .mem_budget = 1000, .max_single_alloc = 600};
  hr_mem m;
  mem_init(&m, &o, 0);
  void *a = mem_alloc(&m, 600);
  REQUIRE(a);
  CHECK(mem_alloc(&m, 601) == NULL);       /* over the single limit */
  CHECK(mem_alloc(&m, 500) == NULL);       /* 600 + 500 > budget */
  void *b = mem_alloc(&m, 400);            /* exactly at the budget */
  REQUIRE(b);
  CHECK(mem_realloc(&m, b, 400, 401) == NULL); /* growth over budget: b untouched */
  CHECK_EQ_U(m.live_bytes, 1000);
  CHECK_EQ_U(m.failures, 3);
  mem_free(&m, a, 600);
  mem_free(&m, b, 400);
  CHECK_EQ_U(m.live_bytes, 0);
}

static void test_mem__default_budget_scales_with_input(void) {
  hr_mem m;
  mem_init(&m, NULL, 1000);
  CHECK_EQ_U(m.budget, HR_MEM_DEFAULT_EXTRA + 4000);
  mem_init(&m, NULL, UINT64_MAX / 2); /* saturates, no overflow */
  CHECK_EQ_U(m.budget, UINT64_MAX);
}

static void test_mem__overflow_is_oom(void) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  CHECK(mem_alloc_array(&m, SIZE_MAX / 2, 3) == NULL);
  CHECK(mem_zalloc_array(&m, 3, SIZE_MAX / 2) == NULL);
  CHECK(mem_alloc(&m, 0) == NULL); /* zero-size requests are refused, not UB */
  size_t out;
  CHECK(!mem_add(&out, SIZE_MAX, 1));
  CHECK(mem_add(&out, 1, 2) && out == 3);
  CHECK(!mem_mul(&out, SIZE_MAX, 2));
  CHECK_EQ_U(m.live_blocks, 0);
}

static void test_mem__fault_once(void) {
  HROpenOptions o = {.struct_size = sizeof o, .fail_alloc_at = 2};
  hr_mem m;
  mem_init(&m, &o, 0);
  void *a = mem_alloc(&m, 8);
  void *b = mem_alloc(&m, 8); /* attempt 2 fails */
  void *c = mem_alloc(&m, 8); /* later attempts succeed again */
  CHECK(a != NULL);
  CHECK(b == NULL);
  CHECK(c != NULL);
  CHECK_EQ_U(m.failures, 1);
  mem_free(&m, a, 8);
  mem_free(&m, c, 8);
}

static void test_mem__fault_from_n_on(void) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  void *a = mem_alloc(&m, 8);
  mem_fail_after(&m, 1, true); /* the next attempt and all later ones fail */
  CHECK(mem_alloc(&m, 8) == NULL);
  CHECK(mem_alloc(&m, 8) == NULL);
  CHECK(mem_realloc(&m, a, 8, 16) == NULL); /* growth is an attempt too; a stays valid */
  void *shrunk = mem_realloc(&m, a, 8, 4);   /* shrinking never fails */
  CHECK(shrunk != NULL);
  mem_fail_after(&m, 0, false);
  void *d = mem_alloc(&m, 8);
  CHECK(d != NULL);
  mem_free(&m, shrunk, 4);
  mem_free(&m, d, 8);
  CHECK_EQ_U(m.live_blocks, 0);
}

/* Strict mode: realloc always moves and the old block is poisoned before release. */
typedef struct {
  HRAllocator vt;
  uint8_t last_freed_first_byte;
  int frees;
} spy_alloc;
static void *spy_alloc_fn(void *o, size_t n) { (void)o; return malloc(n); }
static void *spy_realloc_fn(void *o, void *p, size_t a, size_t b) { (void)o; (void)a; return realloc(p, b); }
static void spy_free_fn(void *o, void *p, size_t n) {
  spy_alloc *s = o;
  s->frees++;
  if (n) s->last_freed_first_byte = *(uint8_t *)p;
  free(p);
}

static void test_mem__strict_moves_and_poisons(void) {
  spy_alloc s = {{spy_alloc_fn, spy_realloc_fn, spy_free_fn, NULL}, 0, 0};
  s.vt.opaque = &s;
  HROpenOptions o = {.struct_size = sizeof o, .allocator = &s.vt, .flags = HR_OPEN_STRICT_ALLOC};
  hr_mem m;
  mem_init(&m, &o, 0);
  uint8_t *a = mem_alloc(&m, 16);
  REQUIRE(a);
  CHECK(a[0] == 0xB2); /* fresh blocks are filled, so uninitialised reads show */
  memset(a, 0x11, 16);
  uint8_t *b = mem_realloc(&m, a, 16, 8);
  REQUIRE(b);
  CHECK(b != a || s.frees == 1); /* moved: the old block was released */
  CHECK_EQ_U(s.frees, 1);
  CHECK(s.last_freed_first_byte == 0xDB);
  CHECK(b[0] == 0x11 && b[7] == 0x11);
  mem_free(&m, b, 8);
  CHECK(s.last_freed_first_byte == 0xDB);
  CHECK_EQ_U(m.live_blocks, 0);
}

static void test_mem__grow(void) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  uint32_t *arr = NULL, cap = 0;
  for (uint32_t i = 0; i < 1000; i++) {
    REQUIRE(mem_grow(&m, (void **)&arr, &cap, i + 1, sizeof *arr));
    arr[i] = i;
  }
  CHECK(cap >= 1000);
  CHECK(arr[999] == 999);
  mem_fail_after(&m, 1, true);
  uint32_t oldcap = cap;
  CHECK(!mem_grow(&m, (void **)&arr, &cap, cap + 1, sizeof *arr));
  CHECK_EQ_U(cap, oldcap);
  CHECK(arr[500] == 500);
  mem_fail_after(&m, 0, false);
  mem_free(&m, arr, (size_t)cap * sizeof *arr);
  CHECK_EQ_U(m.live_bytes, 0);
}

/* The arena over the libc backend (mem.c "populated windows"): chunks past the huge budget are
 * populated window by window, chunks within it are whole huge-page blocks (also in strict
 * mode, whose poisoning at release must not hide which kind a chunk is); either way every
 * object is usable, distinct, one attempt and one allocation (the inline fast path counts
 * like the slow one), the accounting sees whole chunks and release returns everything. */
static void test_mem__arena_windows_and_huge_budget(void) {
  for (int variant = 0; variant < 4; variant++) {
    hr_mem m;
    /* Variant 3: a caller's backend (chunks are its blocks, never mapped by mem.c). */
    test_counting_alloc ca;
    test_counting_alloc_init(&ca);
    HROpenOptions opt;
    memset(&opt, 0, sizeof opt);
    opt.struct_size = sizeof opt;
    opt.allocator = &ca.vt;
    mem_init(&m, variant == 3 ? &opt : NULL, 0);
    /* Strict mode poisons chunks (headers included) at release: the slow path throughout. */
    m.strict = variant >= 2;
    hr_arena a;
    memset(&a, 0, sizeof a);
    a.huge_budget = variant ? (size_t)4 << 20 : 0; /* two 2 MiB chunks may be huge pages */
    bool in;
    const size_t obj = 1000; /* 1000 bytes -> 1000 used (8-aligned) */
    const uint64_t n = ((uint64_t)9 << 20) / obj; /* 9 MiB: 256K+512K+1M+2M+2M+2M+2M */
    uint8_t *prev = NULL;
    uint64_t a0 = m.attempts, t0 = m.total_allocs;
    for (uint64_t i = 0; i < n; i++) {
      uint8_t *p = mem_arena_alloc(&m, &a, obj, &in);
      REQUIRE(p && in);
      memset(p, (int)(i & 0xFF), obj); /* every byte of every window is writable */
      if (prev) CHECK(prev[obj - 1] == (uint8_t)((i - 1) & 0xFF)); /* no overlap */
      prev = p;
    }
    CHECK_EQ_U(m.attempts - a0, n);
    CHECK_EQ_U(m.total_allocs - t0, n);
    CHECK_EQ_U(a.n_chunks, 7);
    CHECK_EQ_U(m.live_blocks, 7);
    CHECK_EQ_U(m.live_bytes, ((size_t)1792 << 10) + ((size_t)8 << 20));
#ifndef HR_ASAN /* (AddressSanitizer builds take every chunk from the backend, mem.c) */
    if (variant == 1 || variant == 2) CHECK_EQ_U(a.huge_budget, 0); /* both huge chunks taken */
#endif
    /* Injection armed now fails exactly the next object, inside the current chunk. */
    mem_fail_after(&m, 1, false);
    CHECK(mem_arena_alloc(&m, &a, 8, &in) == NULL);
    CHECK(mem_arena_alloc(&m, &a, 8, &in) != NULL);
    mem_arena_release(&m, &a);
    CHECK_EQ_U(m.live_blocks, 0);
    CHECK_EQ_U(m.live_bytes, 0);
    CHECK_EQ_U(a.huge_budget, 0);
    CHECK_EQ_U(ca.live_blocks, 0); /* every backend chunk went back to the backend */
    CHECK_EQ_U(ca.live_bytes, 0);
    if (variant == 3) CHECK_EQ_U(ca.total, 7);
  }
}

/* mem_zalloc skips the memset for big libc blocks (fresh anonymous mappings): they must still
 * read as zero, also when a freed big block was dirtied just before (a reused address). */
static void test_mem__zalloc_big_blocks_are_zero(void) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  const size_t big = (size_t)3 << 20;
  for (int round = 0; round < 3; round++) {
    uint8_t *p = mem_zalloc(&m, big + (size_t)round * 4097u);
    REQUIRE(p);
    size_t n = big + (size_t)round * 4097u, nonzero = 0;
    for (size_t i = 0; i < n; i++) nonzero += p[i] != 0;
    CHECK_EQ_U(nonzero, 0);
    memset(p, 0xA5, n); /* dirty it: the next round must not see this */
    mem_free(&m, p, n);
  }
  /* Strict mode: the block is filled with 0xB2 by mem_alloc, so zalloc must clear it. */
  HROpenOptions o = {.struct_size = sizeof o, .flags = HR_OPEN_STRICT_ALLOC};
  hr_mem s;
  mem_init(&s, &o, 0);
  uint8_t *q = mem_zalloc(&s, big);
  REQUIRE(q);
  CHECK(q[0] == 0 && q[big / 2] == 0 && q[big - 1] == 0);
  mem_free(&s, q, big);
  CHECK_EQ_U(m.live_blocks, 0);
  CHECK_EQ_U(s.live_blocks, 0);
}

int main(void) {
  TEST_RUN(test_mem__accounting);
  TEST_RUN(test_mem__budget_and_single_limit);
  TEST_RUN(test_mem__default_budget_scales_with_input);
  TEST_RUN(test_mem__overflow_is_oom);
  TEST_RUN(test_mem__fault_once);
  TEST_RUN(test_mem__fault_from_n_on);
  TEST_RUN(test_mem__strict_moves_and_poisons);
  TEST_RUN(test_mem__grow);
  TEST_RUN(test_mem__arena_windows_and_huge_budget);
  TEST_RUN(test_mem__zalloc_big_blocks_are_zero);
  return test_finish();
}
