/*
 * handle.h: the process-global handle table (DESIGN.md §2 "api": "Handles are validated on
 * every call; a stale or foreign handle gets ERROR_INVALID_HANDLE, never a crash").
 *
 * An ORHKEY is not a pointer: it encodes a table index and a generation number, so a closed,
 * foreign or garbage value decodes to a slot that is free, out of range or of another
 * generation, and is refused without touching memory it names.  Generations come from one
 * global counter, so a handle stays invalid even after the table was freed and rebuilt.
 *
 * Locking (offreg-api.md §1.0 "simple locking"): one global mutex protects the table and the
 * table's allocation context; each hive has its own mutex for everything else.  A call takes
 * the global lock once: it resolves its handle, snapshots the slot and the hive's close_seq
 * and pins the hive (hr_hive.pins, an atomic count with a HIVE_DEAD bit), drops the global lock and takes the hive lock.  Every
 * release of a slot of that hive (close, unreserve, kill) happens under the hive lock (and
 * the global lock) and bumps close_seq, so an unchanged close_seq proves the snapshot still
 * holds; only when it moved is the handle looked up again under the global lock.  The handle
 * is then stable until handle_leave, which unlocks the hive and unpins it with an atomic
 * decrement (no global lock unless it frees a dead hive).  Calls that create or close a
 * handle (handle_open, handle_close) take the global lock once more.  The global lock is
 * never held while waiting for a hive lock, so hives do not serialise one another.  A hive
 * that ORCloseHive marked dead is freed by the last call that unpins it.
 *
 * The table's memory (and every hr_hive struct) comes from a process-level hr_mem context over
 * the libc backend; the table is freed when its last entry goes, so with no hive open the
 * process counters (HRGetProcessMemStats) are back to zero.
 */
#ifndef HIVEREF_HANDLE_H
#define HIVEREF_HANDLE_H

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
/* Unlocks and unpins (frees the hive struct if it is dead and this was the last pin). */
void handle_leave(hr_ref *r);

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
