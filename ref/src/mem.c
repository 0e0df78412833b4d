/*
 * mem.c: the audited allocator; the only file in ref/ that calls the libc allocator.
 * See mem.h for the contract.  The accounting wrapper lives here, not in backends (SQLite
 * src/malloc.c); fault injection is a countdown on the attempt counter (SQLite test_malloc.c).
 */
/* MAP_ANONYMOUS, MAP_POPULATE and MADV_HUGEPAGE are not POSIX (the build defines
 * _POSIX_C_SOURCE): ask glibc for its default feature set, before any header. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif
#include "mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define POISON_BYTE 0xDB

/* AddressSanitizer (HR_ASAN, mem.h): arena objects are poisoned until handed out and after
 * being forgotten, so the sanitizer still sees overruns and use after free inside a chunk. */
#ifdef HR_ASAN
#include <sanitizer/asan_interface.h>
#define ARENA_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define ARENA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define ARENA_POISON(p, n) ((void)(p), (void)(n))
#define ARENA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

static _Atomic uint64_t g_live_bytes, g_live_blocks;

/* Big blocks (the file image OROpenHive reads, ORSaveHive's output image): the libc backend
 * maps them itself, eligible for transparent huge pages and pre-faulted in one call
 * (MADV_POPULATE_WRITE) instead of a page fault per 4 KiB (3,800 of them for a 15 MB hive).  The backend is told
 * every block's size (mem.h contract), so free knows which kind it holds.  Not under
 * AddressSanitizer, whose malloc puts redzones around every block. */
#if !defined(HR_ASAN) && defined(MAP_ANONYMOUS)
#define BIG_BLOCK ((size_t)2 << 20)
#endif

#ifdef BIG_BLOCK
static size_t big_len(size_t size) { return (size + 4095u) & ~(size_t)4095u; }

static void *big_alloc(size_t size) {
  size_t len = big_len(size);
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  /* Both advisory: a kernel without them leaves an ordinary lazily-faulted mapping.  Huge
   * pages first, so that the pre-faulting uses them; only up to HUGE_BLOCK_MAX (mem.h). */
#ifdef MADV_HUGEPAGE
  if (len <= HUGE_BLOCK_MAX) (void)madvise(p, len, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
  (void)madvise(p, len, MADV_POPULATE_WRITE);
#endif
  return p;
}
#endif

static void *libc_alloc(void *opaque, size_t size) {
  (void)opaque;
#ifdef BIG_BLOCK
  if (size >= BIG_BLOCK) return big_alloc(size);
#endif
  return malloc(size);
}
static void libc_free(void *opaque, void *ptr, size_t size) {
  (void)opaque;
  (void)size;
#ifdef BIG_BLOCK
  if (size >= BIG_BLOCK) {
    munmap(ptr, big_len(size));
    return;
  }
#endif
  free(ptr);
}
static void *libc_realloc(void *opaque, void *ptr, size_t old_size, size_t new_size) {
  (void)opaque;
  (void)old_size;
#ifdef BIG_BLOCK
  if (old_size >= BIG_BLOCK || new_size >= BIG_BLOCK) {
    /* A block changes kind (or stays big): move it. */
    void *p = libc_alloc(opaque, new_size);
    if (!p) return NULL;
    memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    libc_free(opaque, ptr, old_size);
    return p;
  }
#endif
  return realloc(ptr, new_size);
}

void HRGetProcessMemStats(uint64_t *live_bytes, uint64_t *live_blocks) {
  if (live_bytes) *live_bytes = atomic_load(&g_live_bytes);
  if (live_blocks) *live_blocks = atomic_load(&g_live_blocks);
}

void mem_init(hr_mem *m, const HROpenOptions *opt, uint64_t base_size) {
  memset(m, 0, sizeof *m);
  if (opt && opt->allocator) {
    m->backend = *opt->allocator;
  } else {
    m->backend.alloc = libc_alloc;
    m->backend.realloc = libc_realloc;
    m->backend.free = libc_free;
    m->backend.opaque = NULL;
    m->counts_process = true;
  }
  uint64_t budget = HR_MEM_DEFAULT_EXTRA;
  if (base_size <= (UINT64_MAX - budget) / 4) budget += 4 * base_size;
  else budget = UINT64_MAX;
  if (opt && opt->mem_budget) budget = opt->mem_budget;
  m->budget = budget;
  m->max_single = (opt && opt->max_single_alloc) ? opt->max_single_alloc : budget;
#ifdef HIVEREF_STRICT_ALLOC_DEFAULT
  m->strict = true;
#endif
  if (opt && (opt->flags & HR_OPEN_STRICT_ALLOC)) m->strict = true;
  if (opt && opt->fail_alloc_at) {
    m->fail_at = opt->fail_alloc_at;
    m->fail_repeat = opt->fail_alloc_repeat != 0;
  }
}

/* Whether the attempt just counted is one fault injection fails. */
static bool injected(const hr_mem *m) {
  return m->fail_at && (m->attempts == m->fail_at || (m->fail_repeat && m->attempts > m->fail_at));
}

/* Whether a new block of size bytes fits the budget and the single-block limit. */
static bool fits(const hr_mem *m, size_t size) {
  return !(size == 0 || size > m->max_single || (uint64_t)size > m->budget - m->live_bytes ||
           m->live_bytes > m->budget);
}

/* Counts an attempt and decides whether it may proceed (budget, single limit, injection). */
static bool admit(hr_mem *m, size_t size) {
  m->attempts++;
  if (injected(m) || !fits(m, size)) {
    m->failures++;
    return false;
  }
  return true;
}

static void account_add(hr_mem *m, size_t size) {
  m->live_bytes += size;
  m->live_blocks++;
  m->total_allocs++;
  if (m->live_bytes > m->high_water) m->high_water = m->live_bytes;
  if (m->counts_process) {
    atomic_fetch_add(&g_live_bytes, size);
    atomic_fetch_add(&g_live_blocks, 1);
  }
}

static void account_sub(hr_mem *m, size_t size) {
  m->live_bytes -= size;
  m->live_blocks--;
  if (m->counts_process) {
    atomic_fetch_sub(&g_live_bytes, size);
    atomic_fetch_sub(&g_live_blocks, 1);
  }
}

void *mem_alloc(hr_mem *m, size_t size) {
  if (!admit(m, size)) return NULL;
  void *p = m->backend.alloc(m->backend.opaque, size);
  if (!p) {
    m->failures++;
    return NULL;
  }
  if (m->strict) memset(p, 0xB2, size); /* HCELL_ALLOCATE_FILL: uninitialised reads show up */
  account_add(m, size);
  return p;
}

void *mem_zalloc(hr_mem *m, size_t size) {
  void *p = mem_alloc(m, size);
  if (!p) return NULL;
#ifdef BIG_BLOCK
  /* A big block of the libc backend is a fresh anonymous mapping (big_alloc): the kernel hands
   * it out zero-filled, so clearing it again only costs time (ORSaveHive's output image: 12-15 M
   * instructions on a 15 MB hive).  Strict mode filled it with 0xB2 in mem_alloc. */
  if (size >= BIG_BLOCK && m->backend.alloc == libc_alloc && !m->strict) return p;
#endif
  memset(p, 0, size);
  return p;
}

void *mem_alloc_array(hr_mem *m, size_t count, size_t size) {
  size_t total;
  if (!mem_mul(&total, count, size)) {
    m->attempts++;
    m->failures++;
    return NULL;
  }
  return mem_alloc(m, total);
}

void *mem_zalloc_array(hr_mem *m, size_t count, size_t size) {
  size_t total;
  if (!mem_mul(&total, count, size)) {
    m->attempts++;
    m->failures++;
    return NULL;
  }
  return mem_zalloc(m, total);
}

void mem_free(hr_mem *m, void *ptr, size_t size) {
  if (!ptr) return;
  if (m->strict) memset(ptr, POISON_BYTE, size);
  account_sub(m, size);
  m->backend.free(m->backend.opaque, ptr, size);
}

void *mem_realloc(hr_mem *m, void *ptr, size_t old_size, size_t new_size) {
  if (!ptr) return mem_alloc(m, new_size);
  if (new_size == 0) {
    mem_free(m, ptr, old_size);
    return NULL;
  }
  if (new_size > old_size) {
    /* Growth is an attempt: it may fail by budget or injection. */
    size_t extra = new_size - old_size;
    m->attempts++;
    if (m->fail_at && (m->attempts == m->fail_at || (m->fail_repeat && m->attempts > m->fail_at))) {
      m->failures++;
      return NULL;
    }
    if (new_size > m->max_single || (uint64_t)extra > m->budget - m->live_bytes ||
        m->live_bytes > m->budget) {
      m->failures++;
      return NULL;
    }
  }
  void *p;
  if (m->strict) {
    /* Always move, so stale pointers into the old block fault under ASan/valgrind. */
    p = m->backend.alloc(m->backend.opaque, new_size);
    if (!p) {
      m->failures++;
      return NULL;
    }
    memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    if (new_size > old_size) memset((char *)p + old_size, 0xB2, new_size - old_size);
    memset(ptr, POISON_BYTE, old_size);
    m->backend.free(m->backend.opaque, ptr, old_size);
  } else {
    p = m->backend.realloc(m->backend.opaque, ptr, old_size, new_size);
    if (!p) {
      m->failures++;
      return NULL;
    }
  }
  m->live_bytes = m->live_bytes - old_size + new_size;
  if (new_size > old_size) m->total_allocs++;
  if (m->live_bytes > m->high_water) m->high_water = m->live_bytes;
  if (m->counts_process) {
    if (new_size > old_size) atomic_fetch_add(&g_live_bytes, new_size - old_size);
    else atomic_fetch_sub(&g_live_bytes, old_size - new_size);
  }
  return p;
}

void *mem_dup(hr_mem *m, const void *src, size_t n) {
  void *p = mem_alloc(m, n ? n : 1);
  if (p && n) memcpy(p, src, n);
  return p;
}

void mem_fail_after(hr_mem *m, uint64_t nth, bool repeat) {
  m->fail_at = nth ? m->attempts + nth : 0;
  m->fail_repeat = repeat;
}

void mem_stats(const hr_mem *m, HRMemStats *out) {
  out->live_bytes = m->live_bytes;
  out->live_blocks = m->live_blocks;
  out->high_water_bytes = m->high_water;
  out->total_allocs = m->total_allocs;
  out->attempts = m->attempts;
  out->failures = m->failures;
  out->budget_bytes = m->budget;
}

bool mem_grow(hr_mem *m, void **arr, uint32_t *cap, uint32_t need, size_t elem) {
  if (need <= *cap) return true;
  uint64_t ncap = *cap ? (uint64_t)*cap * 2 : 4;
  while (ncap < need) ncap *= 2;
  if (ncap > UINT32_MAX) ncap = UINT32_MAX;
  size_t old_bytes, new_bytes;
  if (!mem_mul(&old_bytes, *cap, elem) || !mem_mul(&new_bytes, (size_t)ncap, elem)) {
    m->attempts++;
    m->failures++;
    return false;
  }
  void *p = *arr ? mem_realloc(m, *arr, old_bytes, new_bytes) : mem_alloc(m, new_bytes);
  if (!p) return false;
  *arr = p;
  *cap = (uint32_t)ncap;
  return true;
}

/* ---- arena ----------------------------------------------------------------------------------- */

struct hr_arena_chunk {
  hr_arena_chunk *next;
  size_t size;               /* whole block, header included */
  bool mapped;               /* mapped by chunk_alloc (populated windows), not the backend's */
};

/* Header rounded up so objects start 16-byte aligned (malloc's alignment). */
#define ARENA_HDR ((sizeof(hr_arena_chunk) + 15u) & ~(size_t)15u)

/* Populated windows (libc backend, not under AddressSanitizer).  A chunk is an anonymous
 * mapping of its own and its pages are pre-faulted one window at a time (one
 * MADV_POPULATE_WRITE call instead of a page fault per 4 KiB), when the bump pointer first
 * needs them.  Unlike a pre-faulted (or huge-page) 2 MiB block, the unused tail of the newest
 * chunk is never resident: issue #9 measures peak RSS, and that tail was up to 2 MiB (0.6x the
 * file for a 3 MB hive).  No MADV_HUGEPAGE: a huge page would make the whole 2 MiB resident at
 * the first touch. */
/* Windows are 1/16 of their chunk (16 KiB for the first 256 KiB chunk, 128 KiB for 2 MiB
 * ones; chunk sizes are powers of two, so windows are whole pages): at most that much of a
 * chunk is resident without holding objects, 16 madvise calls per chunk. */
#define ARENA_WINDOW(c) ((c)->size / 16u)

#ifdef BIG_BLOCK
static void *chunk_map(size_t csz) {
  void *p = mmap(NULL, big_len(csz), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

/* Pre-faults [from, to) of a mapped chunk (page-aligned offsets; advisory: without it the
 * pages fault in one by one). */
static void chunk_populate(hr_arena_chunk *c, size_t from, size_t to) {
#ifdef MADV_POPULATE_WRITE
  (void)madvise((uint8_t *)c + from, to - from, MADV_POPULATE_WRITE);
#else
  (void)c;
  (void)from;
  (void)to;
#endif
}
#endif

/* The end of the first window that holds [0, need) of a mapped chunk, populated. */
static size_t chunk_first_window(hr_arena_chunk *c, size_t need) {
#ifdef BIG_BLOCK
  size_t w = ARENA_WINDOW(c);
  size_t end = (need + w - 1) / w * w;
  if (end > c->size) end = c->size;
  chunk_populate(c, 0, end);
  return end;
#else
  (void)need;
  return c->size;
#endif
}

/* A new chunk block of csz bytes: for the libc backend a huge-page block (big_alloc, whole and
 * pre-faulted) while a's huge_budget covers it, else mapped here for populated windows
 * (mapped); for other backends the backend's. */
static hr_arena_chunk *chunk_alloc(hr_mem *m, hr_arena *a, size_t csz) {
#ifdef BIG_BLOCK
  if (m->backend.alloc == libc_alloc) {
    hr_arena_chunk *c;
    if (csz >= BIG_BLOCK && csz <= a->huge_budget) {
      if ((c = big_alloc(csz)) != NULL) {
        c->mapped = false; /* libc_free unmaps it (size >= BIG_BLOCK) */
        a->huge_budget -= csz;
      }
      return c;
    }
    if ((c = chunk_map(csz)) != NULL) c->mapped = true;
    return c;
  }
#else
  (void)a;
#endif
  hr_arena_chunk *c = m->backend.alloc(m->backend.opaque, csz);
  if (c) c->mapped = false;
  return c;
}

/* mapped: c->mapped, read by the caller (the header may be poisoned by now). */
static void chunk_free(hr_mem *m, hr_arena_chunk *c, size_t csz, bool mapped) {
#ifdef BIG_BLOCK
  if (mapped) {
    munmap(c, big_len(csz));
    return;
  }
#else
  (void)mapped;
#endif
  m->backend.free(m->backend.opaque, c, csz);
}

void *mem_arena_alloc_slow(hr_mem *m, hr_arena *a, size_t size, bool *in_arena) {
  *in_arena = false;
  if (size == 0 || size > HR_ARENA_MAX_OBJECT || HR_ARENA_CHUNK_SIZE > m->max_single)
    return mem_alloc(m, size);
  size_t need = (size + 7u) & ~(size_t)7u;
  m->attempts++;
  if (injected(m)) {
    m->failures++;
    return NULL;
  }
#ifdef BIG_BLOCK
  if (a->head && a->head->mapped && a->cap < a->head->size && need <= a->head->size - a->used) {
    /* The next window(s) of the current chunk. */
    size_t w = ARENA_WINDOW(a->head);
    size_t end = (a->used + need + w - 1) / w * w;
    if (end > a->head->size) end = a->head->size;
    chunk_populate(a->head, a->cap, end);
    a->cap = end;
  }
#endif
  if (!a->head || a->cap - a->used < need) {
    size_t csz = HR_ARENA_CHUNK_SIZE << (a->n_chunks < 3 ? a->n_chunks : 3);
    if (csz > HR_ARENA_CHUNK_MAX) csz = HR_ARENA_CHUNK_MAX;
    if (csz > m->max_single) csz = HR_ARENA_CHUNK_SIZE; /* <= max_single, checked above */
    if (!fits(m, csz)) {
      m->failures++;
      return NULL;
    }
    hr_arena_chunk *c = chunk_alloc(m, a, csz);
    if (!c) {
      m->failures++;
      return NULL;
    }
    account_add(m, csz);
    m->total_allocs--; /* total_allocs counts the objects, below */
    c->next = a->head;
    c->size = csz;
    ARENA_POISON((uint8_t *)c + ARENA_HDR, csz - ARENA_HDR);
    a->head = c;
    a->used = ARENA_HDR;
    a->cap = c->mapped ? chunk_first_window(c, ARENA_HDR + need) : csz;
    a->n_chunks++;
  }
  uint8_t *p = (uint8_t *)a->head + a->used;
  a->used += need;
  m->total_allocs++;
  ARENA_UNPOISON(p, size);
  if (m->strict) memset(p, 0xB2, size);
  *in_arena = true;
  return p;
}

void mem_arena_forget_slow(hr_mem *m, void *p, size_t size) {
  if (!p) return;
  if (m->strict) memset(p, POISON_BYTE, size);
  ARENA_POISON(p, size);
}

void mem_arena_release(hr_mem *m, hr_arena *a) {
  hr_arena_chunk *c = a->head;
  while (c) { /* bounded: one step per chunk, each allocated once */
    hr_arena_chunk *next = c->next;
    size_t csz = c->size;
    ARENA_UNPOISON((uint8_t *)c + ARENA_HDR, csz - ARENA_HDR);
    /* Poison what was handed out (a mapped chunk's unpopulated tail stays untouched). */
    bool mapped = c->mapped; /* before the poison overwrites the header */
    if (m->strict) memset(c, POISON_BYTE, c == a->head ? a->used : csz);
    account_sub(m, csz);
    chunk_free(m, c, csz, mapped);
    c = next;
  }
  a->head = NULL;
  a->used = a->cap = 0;
  a->n_chunks = 0;
  a->huge_budget = 0;
}
