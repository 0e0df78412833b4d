/*
 * handle.c: the global handle table (see handle.h for the encoding and the locking protocol).
 */
#include "handle.h"

#include <stdatomic.h>
#include <string.h>

#include "lock.h"

#define SLOT_BITS 24u
#define SLOT_MASK ((1u << SLOT_BITS) - 1u)
#define SLOT_MAX (SLOT_MASK - 1u) /* encoded index is slot + 1, never 0 */
#if UINTPTR_MAX > 0xFFFFFFFFu
#define GEN_BITS 39u              /* bits 24..62; bit 63 stays clear */
#else
#define GEN_BITS 8u
#endif
#define GEN_MASK ((((uint64_t)1) << GEN_BITS) - 1u)

enum { SLOT_FREE = 0, SLOT_RESERVED = 1, SLOT_BOUND = 2 };

typedef struct slot {
  uint64_t gen;
  hr_hive *hive;
  hr_key *key;
  uint32_t next_free;
  uint8_t state;
  uint8_t is_root;
} slot;

static hr_lock g_lock = HR_LOCK_INIT;
static hr_mem g_mem;
static bool g_mem_ready;
static slot *g_slots;
static uint32_t g_cap, g_live, g_free_head = UINT32_MAX;
static uint64_t g_gen;

static hr_mem *gmem(void) {
  if (!g_mem_ready) {
    /* Bookkeeping only: a large budget, never fault-injected (hive contexts are). */
    HROpenOptions o;
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.mem_budget = (uint64_t)1 << 40;
    mem_init(&g_mem, &o, 0);
    g_mem_ready = true;
  }
  return &g_mem;
}

void *handle_mem_zalloc(size_t size) {
  hr_lock_acquire(&g_lock);
  void *p = mem_zalloc(gmem(), size);
  hr_lock_release(&g_lock);
  return p;
}

void handle_mem_free(void *p, size_t size) {
  hr_lock_acquire(&g_lock);
  mem_free(gmem(), p, size);
  hr_lock_release(&g_lock);
}

static ORHKEY encode(uint32_t index, uint64_t gen) {
  uintptr_t v = (uintptr_t)(index + 1u) | ((uintptr_t)gen << SLOT_BITS);
  return (ORHKEY)v;
}

/* Decodes and validates under g_lock: the bound slot h names, or NULL.  Inline: it is on the
 * path of every call.  Fewer tests than the encoding has fields, on purpose: index 0 wraps to
 * UINT32_MAX and fails the bounds test; a bound slot's generation is never 0 and never above
 * GEN_MASK, so comparing it with the handle's rejects those values too. */
static inline slot *lookup(ORHKEY h, uint32_t *index) {
  uintptr_t v = (uintptr_t)h;
  uint32_t i = (uint32_t)(v & SLOT_MASK) - 1u;
  uint64_t gen = (uint64_t)(v >> SLOT_BITS);
  if (i >= g_cap) return NULL;
  slot *s = &g_slots[i];
  if (s->gen != gen || s->state != SLOT_BOUND) return NULL;
  *index = i;
  return s;
}

static void free_hive_locked(hr_hive *hive) { mem_free(gmem(), hive, sizeof *hive); }

static void free_hive(hr_hive *hive) {
  hr_lock_acquire(&g_lock);
  free_hive_locked(hive);
  hr_lock_release(&g_lock);
}

/* Spins on a busy hive before sleeping (see lock.c's SPIN_ROUNDS). */
#define HIVE_SPIN_ROUNDS 100

/* Waits for the lock of a pinned hive.  false when the hive died meanwhile (still pinned,
 * not locked).  Nobody locks a dead hive: HIVE_DEAD is tested before every attempt, and the
 * CAS fails if it appears in between.
 * Sleeping (after a bounded spin) sets HIVE_SLEEPERS first, so that an unlock makes a system
 * call only when someone may sleep.  A waiter that slept takes the lock with HIVE_SLEEPERS set
 * again, because others may still sleep and the unlock that woke it cleared the bit; its own
 * unlock then wakes the next one (U. Drepper, "Futexes Are Tricky", mutex #3: the woken
 * thread locks in the "contended" state). */
static bool hive_lock_wait(hr_hive *hive) {
  uint32_t sleeper = 0;
  for (uint32_t round = 0;; round++) {
    uint32_t w = atomic_load_explicit(&hive->state, memory_order_relaxed);
    if (w & HIVE_DEAD) return false;
    if (!(w & HIVE_LOCKED)) {
      if (atomic_compare_exchange_weak_explicit(&hive->state, &w, w | HIVE_LOCKED | sleeper,
                                                memory_order_acquire, memory_order_relaxed))
        return true;
      continue;
    }
    if (round < HIVE_SPIN_ROUNDS) {
      hr_spin_pause();
      continue;
    }
    if (!(w & HIVE_SLEEPERS) &&
        !atomic_compare_exchange_weak_explicit(&hive->state, &w, w | HIVE_SLEEPERS,
                                               memory_order_relaxed, memory_order_relaxed))
      continue; /* the word moved: look again */
    /* Sleeps only while the word is still this value: an unlock, a new pin or HIVE_DEAD in
     * between changes it and the wait returns at once (futex semantics, lock.h). */
    hr_wait(&hive->state, w | HIVE_SLEEPERS);
    sleeper = HIVE_SLEEPERS;
  }
}

/* handle_enter when the hive is busy: called with g_lock held and the slot's hive alive (its
 * slot is bound, so it is not dead).  Kept out of line so the common path stays short (no
 * registers to save for it). */
static __attribute__((noinline)) hr_status enter_busy(ORHKEY h, hr_hive *hive, hr_ref *out) {
  atomic_fetch_add_explicit(&hive->state, HIVE_PIN, memory_order_relaxed);
  hr_lock_release(&g_lock);
  if (!hive_lock_wait(hive)) {
    /* Dead: unpin; the subtraction that leaves "dead, no pins" frees the struct. */
    uint32_t before = atomic_fetch_sub_explicit(&hive->state, HIVE_PIN, memory_order_acq_rel);
    if ((before & (HIVE_LOCKED | HIVE_PIN_MASK)) == HIVE_PIN) free_hive(hive);
    out->hive = NULL;
    return ERROR_INVALID_HANDLE;
  }
  /* Locked.  Another thread may have closed this handle while we waited: look it up again.
   * From here on its slot cannot change (releases need this hive's lock). */
  out->hive = hive;
  hr_lock_acquire(&g_lock);
  uint32_t i;
  slot *s = lookup(h, &i);
  bool ok = s && s->hive == hive;
  if (ok) {
    out->key = s->key;
    out->is_root = s->is_root != 0;
    out->slot = i;
  }
  hr_lock_release(&g_lock);
  if (!ok) {
    handle_leave(out);
    return ERROR_INVALID_HANDLE;
  }
  return ERROR_SUCCESS;
}

hr_status handle_enter(ORHKEY h, hr_ref *out) {
  hr_lock_acquire(&g_lock);
  uint32_t i;
  slot *s = lookup(h, &i);
  if (!s) {
    hr_lock_release(&g_lock);
    out->hive = NULL;
    return ERROR_INVALID_HANDLE;
  }
  hr_hive *hive = s->hive;
  out->key = s->key;
  out->is_root = s->is_root != 0;
  out->slot = i;
  /* A bound slot's hive is alive and not dead (handle_kill_hive sets HIVE_DEAD and releases
   * the hive's slots in one g_lock section).  Idle hive: lock and pin in one step; the slot
   * just read then stays valid until handle_leave (handle.h "Locking"). */
  uint32_t idle = 0;
  if (!atomic_compare_exchange_strong_explicit(&hive->state, &idle, HIVE_LOCKED | HIVE_PIN,
                                               memory_order_acquire, memory_order_relaxed))
    return enter_busy(h, hive, out);
  hr_lock_release(&g_lock);
  out->hive = hive;
  return ERROR_SUCCESS;
}

void handle_leave_slow(hr_hive *hive, uint32_t old) {
  /* One atomic step unlocks, unpins and (hive alive) clears HIVE_SLEEPERS: after it, another
   * caller may lock the hive, close it and free the struct, so nothing below reads or writes
   * *hive (a first version cleared the bit in a second step: ThreadSanitizer caught that write
   * racing with the free, in test_api_thread). */
  uint32_t nw;
  do {
    nw = old - (HIVE_LOCKED | HIVE_PIN);
    if (!(old & HIVE_DEAD)) nw &= ~HIVE_SLEEPERS;
  } while (!atomic_compare_exchange_weak_explicit(&hive->state, &old, nw, memory_order_acq_rel,
                                                  memory_order_relaxed));
  if (!(old & HIVE_DEAD)) {
    /* Others are pinned (waiting for the lock).  Spinning waiters see the unlock by
     * themselves; sleeping ones announced themselves with HIVE_SLEEPERS: wake one (it sets the
     * bit again when it gets the lock, see hive_lock_wait).  The wake may name a struct that a
     * woken caller already freed: the futex call only uses the address (the kernel does not
     * touch the memory), and at worst a later user of the address sees a spurious wake-up,
     * which every waiter tolerates (it re-checks the word). */
    if (old & HIVE_SLEEPERS) hr_wake(&hive->state, false);
    return;
  }
  if (!(nw & HIVE_PIN_MASK)) {
    free_hive(hive); /* ORCloseHive's own leave, nobody waiting: the last user */
    return;
  }
  /* ORCloseHive's leave with calls waiting: wake them all (sleeping or not); each sees
   * HIVE_DEAD and unpins, and the last one frees the struct (same address-only wake). */
  hr_wake(&hive->state, true);
}

static void maybe_free_table_locked(void) {
  if (g_live == 0 && g_slots) {
    mem_free(gmem(), g_slots, (size_t)g_cap * sizeof *g_slots);
    g_slots = NULL;
    g_cap = 0;
    g_free_head = UINT32_MAX;
  }
}

/* Takes a free slot for hive (g_lock held), growing the table when needed. */
static hr_status reserve_locked(hr_hive *hive, uint32_t *out) {
  if (g_free_head == UINT32_MAX) {
    if (g_cap >= SLOT_MAX) return ERROR_NOT_ENOUGH_MEMORY;
    uint32_t old = g_cap, ncap = g_cap ? g_cap * 2u : 16u;
    if (ncap > SLOT_MAX) ncap = SLOT_MAX;
    slot *ns = g_slots ? mem_realloc(gmem(), g_slots, (size_t)old * sizeof *ns,
                                     (size_t)ncap * sizeof *ns)
                       : mem_alloc(gmem(), (size_t)ncap * sizeof *ns);
    if (!ns) return ERROR_NOT_ENOUGH_MEMORY;
    memset(ns + old, 0, (size_t)(ncap - old) * sizeof *ns);
    /* Thread the new slots onto the free list, lowest index first. */
    for (uint32_t i = ncap; i-- > old;) {
      ns[i].next_free = g_free_head;
      g_free_head = i;
    }
    g_slots = ns;
    g_cap = ncap;
  }
  uint32_t i = g_free_head;
  slot *s = &g_slots[i];
  g_free_head = s->next_free;
  do {
    g_gen = (g_gen + 1u) & GEN_MASK;
  } while (g_gen == 0);
  s->gen = g_gen;
  s->hive = hive;
  s->key = NULL;
  s->state = SLOT_RESERVED;
  s->is_root = 0;
  g_live++;
  *out = i;
  return ERROR_SUCCESS;
}

static ORHKEY bind_locked(uint32_t i, hr_key *key, bool is_root) {
  slot *s = &g_slots[i];
  s->key = key;
  s->is_root = is_root ? 1 : 0;
  s->state = SLOT_BOUND;
  key->handles++;
  return encode(i, s->gen);
}

hr_status handle_reserve(hr_hive *hive, uint32_t *out) {
  hr_lock_acquire(&g_lock);
  hr_status st = reserve_locked(hive, out);
  hr_lock_release(&g_lock);
  return st;
}

hr_status handle_open(hr_hive *hive, hr_key *key, bool is_root, ORHKEY *out) {
  hr_lock_acquire(&g_lock);
  uint32_t i;
  hr_status st = reserve_locked(hive, &i);
  if (st == ERROR_SUCCESS) *out = bind_locked(i, key, is_root);
  hr_lock_release(&g_lock);
  return st;
}

ORHKEY handle_bind(uint32_t i, hr_key *key, bool is_root) {
  hr_lock_acquire(&g_lock);
  ORHKEY h = bind_locked(i, key, is_root);
  hr_lock_release(&g_lock);
  return h;
}

static void release_locked(uint32_t i) {
  slot *s = &g_slots[i];
  /* The caller holds the slot's hive lock (or the hive is not published): handle_enter's
   * snapshot relies on it (handle.h "Locking"). */
  s->state = SLOT_FREE;
  s->hive = NULL;
  s->key = NULL;
  s->gen = 0;
  s->next_free = g_free_head;
  g_free_head = i;
  g_live--;
  maybe_free_table_locked();
}

void handle_unreserve(uint32_t i) {
  hr_lock_acquire(&g_lock);
  release_locked(i);
  hr_lock_release(&g_lock);
}

void handle_close(uint32_t i) {
  hr_lock_acquire(&g_lock);
  slot *s = &g_slots[i];
  if (s->key && s->key->handles) s->key->handles--;
  release_locked(i);
  hr_lock_release(&g_lock);
}

void handle_kill_hive(hr_hive *hive) {
  hr_lock_acquire(&g_lock);
  atomic_fetch_or_explicit(&hive->state, HIVE_DEAD, memory_order_relaxed);
  /* Iterate over a snapshot of the capacity: release_locked may free the table when the last
   * entry goes, which also ends the loop. */
  for (uint32_t i = 0; i < g_cap; i++) {
    slot *s = &g_slots[i];
    if (s->state != SLOT_FREE && s->hive == hive) {
      if (s->key && s->key->handles) s->key->handles--;
      release_locked(i);
    }
  }
  hr_lock_release(&g_lock);
}

void handle_discard_hive(hr_hive *hive) {
  hr_lock_acquire(&g_lock);
  free_hive_locked(hive);
  hr_lock_release(&g_lock);
}

uint32_t handle_live_count(void) {
  hr_lock_acquire(&g_lock);
  uint32_t n = g_live;
  hr_lock_release(&g_lock);
  return n;
}
