/*
 * handle.c: the global handle table (see handle.h for the encoding and the locking protocol).
 */
#include "handle.h"

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
  if (!s || s->hive->dead) {
    pthread_mutex_unlock(&g_lock);
    return ERROR_INVALID_HANDLE;
  }
  hr_hive *hive = s->hive;
  hive->pins++;
  pthread_mutex_unlock(&g_lock);

  pthread_mutex_lock(&hive->lock);
  /* Re-check: another thread may have closed this handle (or the hive) meanwhile.  From here
   * on the slot cannot change: closes of this hive's handles need its lock. */
  pthread_mutex_lock(&g_lock);
  s = lookup(h, &i);
  bool ok = s && s->hive == hive && !hive->dead;
  if (ok) {
    out->hive = hive;
    out->key = s->key;
    out->is_root = s->is_root != 0;
    out->slot = i;
  }
  pthread_mutex_unlock(&g_lock);
  if (!ok) {
    hr_ref tmp = {hive, NULL, false, 0};
    handle_leave(&tmp);
    memset(out, 0, sizeof *out);
    return ERROR_INVALID_HANDLE;
  }
  return ERROR_SUCCESS;
}

void handle_leave(hr_ref *r) {
  hr_hive *hive = r->hive;
  if (!hive) return;
  pthread_mutex_unlock(&hive->lock);
  pthread_mutex_lock(&g_lock);
  hive->pins--;
  if (hive->dead && hive->pins == 0) free_hive_locked(hive);
  pthread_mutex_unlock(&g_lock);
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

hr_status handle_reserve(hr_hive *hive, uint32_t *out) {
  pthread_mutex_lock(&g_lock);
  if (g_free_head == UINT32_MAX) {
    if (g_cap >= SLOT_MAX) {
      pthread_mutex_unlock(&g_lock);
      return ERROR_NOT_ENOUGH_MEMORY;
    }
    uint32_t old = g_cap, ncap = g_cap ? g_cap * 2u : 16u;
    if (ncap > SLOT_MAX) ncap = SLOT_MAX;
    slot *ns = g_slots ? mem_realloc(gmem(), g_slots, (size_t)old * sizeof *ns,
                                     (size_t)ncap * sizeof *ns)
                       : mem_alloc(gmem(), (size_t)ncap * sizeof *ns);
    if (!ns) {
      pthread_mutex_unlock(&g_lock);
      return ERROR_NOT_ENOUGH_MEMORY;
    }
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
  pthread_mutex_unlock(&g_lock);
  *out = i;
  return ERROR_SUCCESS;
}

ORHKEY handle_bind(uint32_t i, hr_key *key, bool is_root) {
  pthread_mutex_lock(&g_lock);
  slot *s = &g_slots[i];
  s->key = key;
  s->is_root = is_root ? 1 : 0;
  s->state = SLOT_BOUND;
  key->handles++;
  ORHKEY h = encode(i, s->gen);
  pthread_mutex_unlock(&g_lock);
  return h;
}

static void release_locked(uint32_t i) {
  slot *s = &g_slots[i];
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
  hive->dead = true;
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
