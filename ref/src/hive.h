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
 * Lock and lifetime are one atomic word managed by handle.c (`state`, see handle.h "Locking"):
 * the lock bit, the number of API calls in flight on the hive (holding or waiting for the
 * lock: "pins") and the HIVE_DEAD bit ORCloseHive sets; the struct is freed when a dead hive
 * has no pins.  The hive is zero-initialised (handle_mem_zalloc): unlocked, no pins, alive.
 */
#ifndef HIVEREF_HIVE_H
#define HIVEREF_HIVE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hiveref.h"
#include "mem.h"
#include "status.h"
#include "tree.h"

/* hr_hive.state (handle.c): one 32-bit word so that one compare-and-swap both locks and pins
 * the hive, one atomic operation both unlocks and unpins, and exactly one update leaves
 * "dead, unlocked, no pins" (that caller frees the struct). */
#define HIVE_LOCKED 0x1u          /* the hive lock is held */
#define HIVE_PIN 0x2u             /* one call in flight (bits 1-29 count them) */
#define HIVE_PIN_MASK 0x3FFFFFFEu
#define HIVE_SLEEPERS 0x40000000u /* a waiter may sleep in the kernel: the unlock must wake it */
#define HIVE_DEAD 0x80000000u     /* ORCloseHive ran: every handle of the hive is invalid */

typedef struct hr_hive {
  hr_mem mem;                 /* the hive's audited allocation context */
  hr_tree tree;               /* tree.mem == &mem */
  HRHiveInfo info;            /* base-block fields (ORCreateHive: zeroes, format 1.5) */
  hr_key **deleted;           /* detached deleted keys that still have open handles */
  uint32_t n_deleted, cap_deleted;
  /* Owned by handle.c (see handle.h "Locking"): the hive's lock ("one lock per hive",
   * offreg-api.md §1.0), its pin count and its HIVE_DEAD bit (HIVE_* above). */
  _Atomic uint32_t state;
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
