/*
 * handle.h: the process-global handle table (DESIGN.md §2 "api": "Handles are validated on
 * every call; a stale or foreign handle gets ERROR_INVALID_HANDLE, never a crash").
 *
 * An ORHKEY is not a pointer: it encodes a table index and a generation number, so a closed,
 * foreign or garbage value decodes to a slot that is free, out of range or of another
 * generation, and is refused without touching memory it names.  Generations come from one
 * global counter, so a handle stays invalid even after the table was freed and rebuilt.
 *
 * Locking (offreg-api.md §1.0 "simple locking"; DESIGN.md §2 "api"): one global lock (g_lock,
 * an hr_lock, lock.h) protects the table and the table's allocation context; each hive has its
 * own lock for everything else.  The hive lock, the hive's count of calls in flight ("pins")
 * and its HIVE_DEAD bit are one atomic word, hr_hive.state (hive.h).
 *  - handle_enter takes g_lock once: it resolves the handle and, with one compare-and-swap on
 *    state (0 -> LOCKED | one pin), locks and pins the hive.  Every release of a slot (close,
 *    unreserve, kill) is done by a holder of that slot's hive lock, so once the CAS succeeded
 *    the slot read under g_lock stays true until handle_leave: no re-check.
 *  - When the hive is busy (the CAS fails) the call pins it (still under g_lock, so the struct
 *    cannot go away), drops g_lock, waits for the hive lock (bounded spin, then futex sleep),
 *    and looks the handle up again under g_lock, since it may have been closed meanwhile.  The
 *    global lock is never held while waiting for a hive lock, so hives do not serialise one
 *    another.
 *  - handle_leave unlocks and unpins with one atomic operation; it makes a system call only
 *    when the word says a waiter may sleep (HIVE_SLEEPERS).  Once that operation is done the
 *    caller touches the struct no more (another caller may free it at once): everything the
 *    unlock changes, it changes in that one operation.
 *  - ORCloseHive (handle_kill_hive, hive lock held) sets HIVE_DEAD and releases every slot of
 *    the hive in one g_lock section, so no call can resolve a handle of it afterwards; waiters
 *    see HIVE_DEAD, unpin without locking, and the subtraction that leaves "dead, no pins"
 *    frees the struct (exactly one does: it is one word).
 * Calls that create or close a handle (handle_open, handle_close) take g_lock once more.
 *
 * The table's memory (and every hr_hive struct) comes from a process-level hr_mem context over
 * the libc backend; the table is freed when its last entry goes, so with no hive open the
 * process counters (HRGetProcessMemStats) are back to zero.
 */
#ifndef HIVEREF_HANDLE_H
#define HIVEREF_HANDLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hive.h"
#include "offreg.h"
#include "status.h"

/* A resolved, locked handle. */
typedef struct hr_ref {
  hr_hive *hive;
  hr_key *key;
  bool is_root;               /* the hive's root handle (the one ORCreateHive/OROpenHive gave) */
  uint32_t slot;
} hr_ref;

/* Resolves h, pins and locks its hive.  ERROR_INVALID_HANDLE for NULL, garbage, closed or
 * dead-hive handles (nothing is locked then).  Does not check key->deleted. */
hr_status handle_enter(ORHKEY h, hr_ref *out);
/* The part of handle_leave that runs when another call waits or the hive is dead (old_state:
 * the word as the failed compare-and-swap read it). */
void handle_leave_slow(hr_hive *hive, uint32_t old_state);

/* Unlocks and unpins (frees the hive struct if it is dead and this was the last pin).  Inline:
 * every OR* call ends here, and the common case (nobody else on the hive) is one
 * compare-and-swap from "locked, one pin" to 0.  acq_rel: the release publishes this call's
 * writes to the next holder; the acquire matters to the caller that frees the struct, which
 * must see every other caller's last use of it. */
static inline void handle_leave(hr_ref *r) {
  hr_hive *hive = r->hive;
  if (!hive) return;
  r->hive = NULL;
  uint32_t old = HIVE_LOCKED | HIVE_PIN;
  if (!atomic_compare_exchange_strong_explicit(&hive->state, &old, 0u, memory_order_acq_rel,
                                               memory_order_relaxed))
    handle_leave_slow(hive, old);
}

/* Reserves a slot for a new handle into hive (the caller holds the hive lock, or the hive is
 * not published yet).  ERROR_NOT_ENOUGH_MEMORY when the table cannot grow. */
hr_status handle_reserve(hr_hive *hive, uint32_t *slot);
/* Reserves and binds in one step (one global-lock round trip): OROpenKey and any caller that
 * has nothing to undo between the two.  ERROR_NOT_ENOUGH_MEMORY when the table cannot grow. */
hr_status handle_open(hr_hive *hive, hr_key *key, bool is_root, ORHKEY *out);
/* Binds a reserved slot to key (key->handles++) and returns the encoded handle. */
ORHKEY handle_bind(uint32_t slot, hr_key *key, bool is_root);
/* Gives back a reserved, unbound slot. */
void handle_unreserve(uint32_t slot);
/* Closes a bound slot (key->handles--); the caller decides what happens to the key. */
void handle_close(uint32_t slot);
/* Invalidates every handle of hive and marks it dead (ORCloseHive; hive lock held). */
void handle_kill_hive(hr_hive *hive);
/* Frees a hive struct that never got a handle (creation failed before publication). */
void handle_discard_hive(hr_hive *hive);

/* Allocation from the table's process-level context (the hr_hive structs). */
void *handle_mem_zalloc(size_t size);
void handle_mem_free(void *p, size_t size);

/* Number of live handles (tests). */
uint32_t handle_live_count(void);

#endif /* HIVEREF_HANDLE_H */
