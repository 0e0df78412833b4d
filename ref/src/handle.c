/*
 * handle.c: the global handle table (see handle.h for the encoding and the locking protocol).
 */
#include "handle.h"

#include <stdatomic.h>
#include <string.h>

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

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
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
  pthread_mutex_lock(&g_lock);
  void *p = mem_zalloc(gmem(), size);
  pthread_mutex_unlock(&g_lock);
  return p;
}

void handle_mem_free(void *p, size_t size) {
  pthread_mutex_lock(&g_lock);
  mem_free(gmem(), p, size);
  pthread_mutex_unlock(&g_lock);
}

static ORHKEY encode(uint32_t index, uint64_t gen) {
  uintptr_t v = (uintptr_t)(index + 1u) | ((uintptr_t)gen << SLOT_BITS);
  return (ORHKEY)v;
}

/* Decodes and validates under g_lock: the bound slot h names, or NULL. */
static slot *lookup(ORHKEY h, uint32_t *index) {
  uintptr_t v = (uintptr_t)h;
  uint32_t enc = (uint32_t)(v & SLOT_MASK);
  uint64_t gen = (uint64_t)(v >> SLOT_BITS);
  if (enc == 0 || gen == 0 || gen > GEN_MASK) return NULL;
  uint32_t i = enc - 1u;
  if (i >= g_cap) return NULL;
  slot *s = &g_slots[i];
  if (s->state != SLOT_BOUND || s->gen != gen) return NULL;
  *index = i;
  return s;
}

static void free_hive_locked(hr_hive *hive) {
  pthread_mutex_destroy(&hive->lock);
  mem_free(gmem(), hive, sizeof *hive);
}

hr_status handle_enter(ORHKEY h, hr_ref *out) {
  memset(out, 0, sizeof *out);
  pthread_mutex_lock(&g_lock);
  uint32_t i;
  slot *s = lookup(h, &i);
  if (!s || (atomic_load(&s->hive->pins) & HIVE_DEAD)) {
    pthread_mutex_unlock(&g_lock);
    return ERROR_INVALID_HANDLE;
  }
  /* Snapshot the slot and the hive's close counter under g_lock (close_seq is written with
   * both g_lock and the hive lock held, so reading it under either one is race-free). */
  hr_hive *hive = s->hive;
  hr_key *key = s->key;
  bool is_root = s->is_root != 0;
  uint64_t seq = hive->close_seq;
  atomic_fetch_add(&hive->pins, 1);
  pthread_mutex_unlock(&g_lock);

  pthread_mutex_lock(&hive->lock);
  /* Re-check: another thread may have closed this handle (or the hive) meanwhile.  Every
   * release of one of this hive's slots (handle_close, handle_unreserve, handle_kill_hive)
   * happens under this hive's lock and bumps close_seq, and nothing else changes a bound
   * slot: an unchanged counter proves the snapshot is still the slot's state, without
   * touching the table again.  Only when a handle of this hive was closed meanwhile is the
   * slot looked up again (under g_lock).  From here on the slot cannot change. */
  bool ok;
  if (hive->close_seq == seq) {
    ok = !(atomic_load(&hive->pins) & HIVE_DEAD);
  } else {
    pthread_mutex_lock(&g_lock);
    s = lookup(h, &i);
    ok = s && s->hive == hive && !(atomic_load(&hive->pins) & HIVE_DEAD);
    if (ok) {
      key = s->key;
      is_root = s->is_root != 0;
    }
    pthread_mutex_unlock(&g_lock);
  }
  if (!ok) {
    hr_ref tmp = {hive, NULL, false, 0};
    handle_leave(&tmp);
    memset(out, 0, sizeof *out);
    return ERROR_INVALID_HANDLE;
  }
  out->hive = hive;
  out->key = key;
  out->is_root = is_root;
  out->slot = i;
  return ERROR_SUCCESS;
}

void handle_leave(hr_ref *r) {
  hr_hive *hive = r->hive;
  if (!hive) return;
  pthread_mutex_unlock(&hive->lock);
  /* pins is an atomic word holding the count and the HIVE_DEAD bit: no table lock here.
   * ORCloseHive sets HIVE_DEAD while it holds a pin, and no pin is taken once it is set
   * (handle_enter tests it under g_lock, where it is set), so exactly one decrement sees
   * "dead and no other pin" and frees the struct; nobody touches the hive after their own
   * decrement. */
  if (atomic_fetch_sub(&hive->pins, 1) == (HIVE_DEAD | 1u)) {
    pthread_mutex_lock(&g_lock);
    free_hive_locked(hive);
    pthread_mutex_unlock(&g_lock);
  }
  r->hive = NULL;
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
  pthread_mutex_lock(&g_lock);
  hr_status st = reserve_locked(hive, out);
  pthread_mutex_unlock(&g_lock);
  return st;
}

hr_status handle_open(hr_hive *hive, hr_key *key, bool is_root, ORHKEY *out) {
  pthread_mutex_lock(&g_lock);
  uint32_t i;
  hr_status st = reserve_locked(hive, &i);
  if (st == ERROR_SUCCESS) *out = bind_locked(i, key, is_root);
  pthread_mutex_unlock(&g_lock);
  return st;
}

ORHKEY handle_bind(uint32_t i, hr_key *key, bool is_root) {
  pthread_mutex_lock(&g_lock);
  ORHKEY h = bind_locked(i, key, is_root);
  pthread_mutex_unlock(&g_lock);
  return h;
}

static void release_locked(uint32_t i) {
  slot *s = &g_slots[i];
  /* The caller holds the slot's hive lock too: handle_enter's snapshot check relies on it. */
  if (s->hive) s->hive->close_seq++;
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
  pthread_mutex_lock(&g_lock);
  release_locked(i);
  pthread_mutex_unlock(&g_lock);
}

void handle_close(uint32_t i) {
  pthread_mutex_lock(&g_lock);
  slot *s = &g_slots[i];
  if (s->key && s->key->handles) s->key->handles--;
  release_locked(i);
  pthread_mutex_unlock(&g_lock);
}

void handle_kill_hive(hr_hive *hive) {
  pthread_mutex_lock(&g_lock);
  atomic_fetch_or(&hive->pins, HIVE_DEAD);
  /* Iterate over a snapshot of the capacity: release_locked may free the table when the last
   * entry goes, which also ends the loop. */
  for (uint32_t i = 0; i < g_cap; i++) {
    slot *s = &g_slots[i];
    if (s->state != SLOT_FREE && s->hive == hive) {
      if (s->key && s->key->handles) s->key->handles--;
      release_locked(i);
    }
  }
  pthread_mutex_unlock(&g_lock);
}

void handle_discard_hive(hr_hive *hive) {
  pthread_mutex_lock(&g_lock);
  free_hive_locked(hive);
  pthread_mutex_unlock(&g_lock);
}

uint32_t handle_live_count(void) {
  pthread_mutex_lock(&g_lock);
  uint32_t n = g_live;
  pthread_mutex_unlock(&g_lock);
  return n;
}
