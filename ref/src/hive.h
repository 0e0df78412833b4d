/*
 * hive.h: one offline hive as the OR* API sees it (DESIGN.md §2 "api").
 *
 * A hive owns its allocation context (every byte of its tree is counted there), the tree, the
 * base-block fields it was opened with, one mutex ("simple locking", offreg-api.md §1.0) and
 * the keys that ORDeleteKey detached while handles to them were still open (offreg-api.md §1.8:
 * "A deleted key is not removed until the last handle to it is closed").
 *
 * The hive struct itself is not allocated from its own context (it holds it); handle.c
 * allocates it from the handle table's context, so process counters still see it.
 * Lifetime is managed by handle.c: `pins` counts API calls in flight, its HIVE_DEAD bit is set by
 * ORCloseHive, and the struct is freed when a dead hive has no pins (see handle.h).  The hive
 * is zero-initialised (handle_mem_zalloc), which is a valid initial state for the atomics.
 */
#ifndef HIVEREF_HIVE_H
#define HIVEREF_HIVE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hiveref.h"
#include "mem.h"
#include "status.h"
#include "tree.h"

#define HIVE_DEAD 0x80000000u   /* in hr_hive.pins */

typedef struct hr_hive {
  hr_mem mem;                 /* the hive's audited allocation context */
  hr_tree tree;               /* tree.mem == &mem */
  HRHiveInfo info;            /* base-block fields (ORCreateHive: zeroes, format 1.5) */
  pthread_mutex_t lock;       /* one lock per hive */
  hr_key **deleted;           /* detached deleted keys that still have open handles */
  uint32_t n_deleted, cap_deleted;
  /* Owned by handle.c (see handle.h "Locking"): */
  _Atomic uint32_t pins;      /* bits 0-30: calls in flight that resolved a handle into this
                               * hive; bit 31 (HIVE_DEAD): ORCloseHive ran, every handle is
                               * invalid.  One word, so the decrement that reaches "dead, no
                               * pins" is the one that frees the struct (handle.c) */
  uint64_t close_seq;         /* bumped on every release of one of this hive's handle slots;
                               * written only with both the global lock and this hive's lock
                               * held, so either lock suffices to read it */
} hr_hive;

/* Allocates an empty hive (no tree yet) with its context initialised from opt (NULL =
 * defaults) and base_size (the default budget scales with it).  NULL on failure. */
hr_hive *hive_new(const HROpenOptions *opt, uint64_t base_size);

/* Builds the ORCreateHive tree: a root named "ROOT" (nk flags as offreg writes them,
 * offreg-api.md §1.20) with offreg's default security descriptor and the current time. */
hr_status hive_init_empty(hr_hive *h);

/* The default descriptor ORCreateHive gives the root (§1.20), 144 bytes, self-relative. */
extern const uint8_t hive_default_sd[144];

/* Registers a detached deleted key (the caller reserved room with hive_reserve_deleted). */
void hive_add_deleted(hr_hive *h, hr_key *key);
/* Ensures room for one more deleted key: ERROR_NOT_ENOUGH_MEMORY or ERROR_SUCCESS. */
hr_status hive_reserve_deleted(hr_hive *h);
/* Frees a deleted key whose last handle was closed and drops it from the list. */
void hive_release_deleted(hr_hive *h, hr_key *key);

/* Frees the tree, the deleted keys and the list (ORCloseHive).  Returns true when the
 * context still had live allocations afterwards (a leak; HRLeakedHiveCount counts it). */
bool hive_free_contents(hr_hive *h);

/* Current time as a FILETIME (100 ns ticks since 1601-01-01 UTC). */
uint64_t hive_now_filetime(void);

/* Process-wide leak counter behind HRLeakedHiveCount. */
void hive_count_leak(void);

#endif /* HIVEREF_HIVE_H */
