/*
 * mem.h: the audited allocator (DESIGN.md §2 "mem"; STYLE.md items 5-8).
 *
 * One hr_mem context per hive.  Every engine allocation goes through it: a backend vtable
 * (HRAllocator, or the built-in libc backend), accounting (live bytes/blocks, high-water,
 * totals), a byte budget, a largest-single-allocation limit, fault injection (fail the Nth
 * attempt once or from then on) and a strict mode (realloc always moves, freed blocks are
 * poisoned).  Size arithmetic is overflow-checked; an overflow is an allocation failure.
 * Nothing else in ref/ calls malloc/free (ref/tests/check_no_malloc.sh enforces it).
 *
 * Contract: every function returns NULL (or false) on failure and changes nothing else; the
 * caller maps that to ERROR_NOT_ENOUGH_MEMORY.  mem_free/mem_realloc need the exact size that
 * was allocated (the backend and the counters are told it).
 */
#ifndef HIVEREF_MEM_H
#define HIVEREF_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hiveref.h"

typedef struct hr_mem {
  HRAllocator backend;       /* copy of the caller's vtable, or the libc one */
  bool counts_process;       /* backend is the built-in libc one: update process counters */
  bool strict;               /* realloc moves, free poisons */
  uint64_t budget;           /* max live bytes */
  uint64_t max_single;       /* max bytes in one block */
  uint64_t live_bytes, live_blocks, high_water, total_allocs, attempts, failures;
  uint64_t fail_at;          /* absolute attempt number to fail (0 = off) */
  bool fail_repeat;
} hr_mem;

#define HR_MEM_DEFAULT_EXTRA ((uint64_t)64 << 20)  /* budget = 4 x file + 64 MiB */

/* Initialises a context from options (NULL = defaults).  base_size is the input size the
 * default budget scales with (0 for ORCreateHive). */
void mem_init(hr_mem *m, const HROpenOptions *opt, uint64_t base_size);

void *mem_alloc(hr_mem *m, size_t size);
void *mem_zalloc(hr_mem *m, size_t size);
/* count * size, overflow-checked. */
void *mem_alloc_array(hr_mem *m, size_t count, size_t size);
void *mem_zalloc_array(hr_mem *m, size_t count, size_t size);
/* On failure returns NULL and leaves ptr valid and unchanged. */
void *mem_realloc(hr_mem *m, void *ptr, size_t old_size, size_t new_size);
void mem_free(hr_mem *m, void *ptr, size_t size);
/* Copies n bytes into a new block. */
void *mem_dup(hr_mem *m, const void *src, size_t n);

/* Arms fault injection relative to the current attempt counter (nth 1 = the next attempt). */
void mem_fail_after(hr_mem *m, uint64_t nth, bool repeat);
void mem_stats(const hr_mem *m, HRMemStats *out);

/* Overflow-checked size arithmetic (libgit2 GIT_ERROR_CHECK_ALLOC_ADD style). */
static inline bool mem_add(size_t *out, size_t a, size_t b) {
  if (a > SIZE_MAX - b) return false;
  *out = a + b;
  return true;
}
static inline bool mem_mul(size_t *out, size_t a, size_t b) {
  if (a != 0 && b > SIZE_MAX / a) return false;
  *out = a * b;
  return true;
}

/* ---- arena (the loader's tree objects) ----------------------------------------------------
 * A bump allocator over large chunks taken from a context.  The chunks are the accounted
 * blocks (live_bytes/live_blocks/high_water/budget see chunks); every object request is still
 * one attempt (fault injection fails it exactly like mem_alloc, so OOM sweeps reach every
 * call site) and counts in total_allocs.  Freeing an object is deferred: mem_arena_forget
 * poisons it (strict mode, AddressSanitizer) but the bytes stay live until
 * mem_arena_release frees every chunk, after which the context holds nothing of the arena.
 * Objects above HR_ARENA_MAX_OBJECT bytes, or every object when a chunk would exceed the
 * context's max_single limit, come from mem_alloc instead (*in_arena false): the caller
 * must remember which kind it got and free it with mem_free or mem_arena_forget. */
/* The largest block (and the most arena bytes per tree) backed by transparent huge pages.  With
 * THP's usual defrag=madvise, faulting in MADV_HUGEPAGE memory compacts synchronously when free
 * huge pages run out: on a long-running machine that added 0.1-3 s of system time to opening
 * or saving 128 MiB-1 GiB hives (issue #9, RESULTS.md), against a few ms saved.  Bigger blocks
 * get ordinary pages, still pre-faulted in one call. */
#define HUGE_BLOCK_MAX ((size_t)64 << 20)

typedef struct hr_arena_chunk hr_arena_chunk;
typedef struct hr_arena {
  hr_arena_chunk *head;      /* newest chunk, NULL when empty (a zeroed arena is valid) */
  size_t used, cap;          /* bytes used / usable in head (header included): cap is the
                              * chunk's size, or for a chunk mem.c maps itself the end of its
                              * populated part (mem.c "populated windows") */
  uint32_t n_chunks;         /* chunks taken so far: sizes double from HR_ARENA_CHUNK_SIZE */
  size_t huge_budget;        /* bytes of chunks that may still be huge-page backed and
                              * pre-faulted whole (set by the user of the arena from what it
                              * knows will certainly be filled; 0: populated windows only) */
} hr_arena;

/* Chunk blocks (header included): 256 KiB, then doubling up to 2 MiB, so a small hive takes
 * few small chunks and a big one few large ones.  With the libc backend mem.c maps the chunks
 * itself: a 2 MiB chunk within huge_budget is one pre-faulted huge page (fast), any other is
 * populated in windows as the objects reach them, so that the last chunk is not resident
 * beyond its last object's window (issue #9 peak memory). */
#define HR_ARENA_CHUNK_SIZE ((size_t)256 << 10)
#define HR_ARENA_CHUNK_MAX ((size_t)2 << 20)
#define HR_ARENA_MAX_OBJECT ((size_t)4096)

/* AddressSanitizer builds: arena objects are poisoned until handed out and after being
 * forgotten (mem.c), so every object goes through mem_arena_alloc_slow there. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HR_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(HR_ASAN)
#define HR_ASAN 1
#endif

/* The general case of mem_arena_alloc (a new chunk, fault injection armed, strict mode, an
 * object for mem_alloc, AddressSanitizer). */
void *mem_arena_alloc_slow(hr_mem *m, hr_arena *a, size_t size, bool *in_arena);

/* size bytes, 8-byte aligned; NULL on failure (nothing changed but the attempt counters).
 * Inline fast path for the loader's ~180,000 objects per 15 MB hive: with no fault injection
 * armed and not in strict mode, an object that fits the current chunk is a bump of the chunk
 * offset plus the two counters.  It is still one attempt (m->attempts), so arming injection
 * later (which always takes the slow path) counts every object exactly as mem_alloc would. */
static inline void *mem_arena_alloc(hr_mem *m, hr_arena *a, size_t size, bool *in_arena) {
#ifndef HR_ASAN
  size_t need = (size + 7u) & ~(size_t)7u;
  /* size - 1 wraps for 0, which takes the slow path (mem_alloc's failure). */
  if (!m->fail_at && !m->strict && size - 1 < HR_ARENA_MAX_OBJECT && need <= a->cap - a->used) {
    uint8_t *p = (uint8_t *)a->head + a->used;
    a->used += need;
    m->attempts++;
    m->total_allocs++;
    *in_arena = true;
    return p;
  }
#endif
  return mem_arena_alloc_slow(m, a, size, in_arena);
}
/* Logical free of an arena object (size as requested): poisons it in strict mode and under
 * AddressSanitizer (mem_arena_forget_slow); otherwise there is nothing to do. */
void mem_arena_forget_slow(hr_mem *m, void *p, size_t size);
/* Whether mem_arena_forget does nothing in this context (a caller freeing many arena objects
 * at once, tree_free, may then skip them). */
static inline bool mem_arena_forget_is_noop(const hr_mem *m) {
#ifdef HR_ASAN
  (void)m;
  return false;
#else
  return !m->strict;
#endif
}
static inline void mem_arena_forget(hr_mem *m, void *p, size_t size) {
  if (mem_arena_forget_is_noop(m)) return;
  mem_arena_forget_slow(m, p, size);
}
/* Frees every chunk; the arena is empty (and reusable) afterwards. */
void mem_arena_release(hr_mem *m, hr_arena *a);

/* Growth helper for arrays: ensures *cap >= need, growing geometrically. */
bool mem_grow(hr_mem *m, void **arr, uint32_t *cap, uint32_t need, size_t elem);

#endif /* HIVEREF_MEM_H */
