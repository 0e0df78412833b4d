/*
 * lock.h: a small lock for short critical sections, and the futex wait/wake primitives the
 * hive lock (handle.c) sleeps with.
 *
 * Why not pthread_mutex_t: every OR* call takes a lock, and a walk of a large hive is hundreds
 * of thousands of short calls (conformance/bench/RESULTS.md, issue #9: glibc's lock + unlock
 * were ~60 instructions per round trip, a sixth of the walk).  Atomic read-modify-write
 * operations are what a call's locking costs in time (~20 ns each on the bench machine, a
 * plain store ~1 ns), so each one counts.
 *
 * hr_lock guards only sections of a few dozen instructions (the handle table, handle.c): the
 * uncontended lock is one compare-and-swap and the unlock one release store, both inline.  A
 * waiter spins a bounded number of times (with the CPU's pause hint), then yields the
 * processor (sched_yield) between attempts: never an unbounded pure spin.  It has no sleeping
 * waiters, which is what lets the unlock be a plain store (a futex lock's unlock must read the
 * word back to know whether to wake someone: an exchange).  Sections that may last long (the
 * hive lock: an ORSaveHive holds it for milliseconds) sleep with hr_wait instead.
 *
 * hr_wait(w, v) sleeps while *w == v (it may also return early: callers re-check in a loop);
 * hr_wake(w, all) wakes one (or every) thread sleeping on w.  On Linux they are the futex
 * system call (FUTEX_WAIT / FUTEX_WAKE, private); elsewhere hr_wait yields the processor and
 * hr_wake does nothing, which is correct because every waiter re-checks the word after each
 * hr_wait (a bounded spin then yield).
 *
 * Memory order: acquiring is an acquire operation on the word, releasing a release operation,
 * so the word orders the protected data like a mutex does (ThreadSanitizer sees the C11
 * atomics; the system calls only sleep).
 */
#ifndef HIVEREF_LOCK_H
#define HIVEREF_LOCK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct hr_lock {
  _Atomic uint32_t w;         /* 0 free, 1 held */
} hr_lock;

#define HR_LOCK_INIT {0}

void hr_wait(_Atomic uint32_t *w, uint32_t v);
void hr_wake(_Atomic uint32_t *w, bool all);
/* One step of a bounded spin (the CPU's pause hint where there is one). */
void hr_spin_pause(void);

void hr_lock_acquire_slow(hr_lock *l);

static inline void hr_lock_acquire(hr_lock *l) {
  uint32_t e = 0;
  if (!atomic_compare_exchange_strong_explicit(&l->w, &e, 1u, memory_order_acquire,
                                               memory_order_relaxed))
    hr_lock_acquire_slow(l);
}

static inline void hr_lock_release(hr_lock *l) {
  atomic_store_explicit(&l->w, 0u, memory_order_release);
}

#endif /* HIVEREF_LOCK_H */
