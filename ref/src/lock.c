/*
 * lock.c: the slow paths of lock.h (spinning, waiting and waking).
 */
/* syscall() is not POSIX (the build defines _POSIX_C_SOURCE): ask glibc for its default
 * feature set, before any header. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE 1
#endif
#include "lock.h"

#include <sched.h>

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* Spins before yielding: long enough to cover a table section (a few dozen instructions) on
 * another core, short enough to be cheap when the holder was descheduled. */
#define SPIN_ROUNDS 100

void hr_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

void hr_wait(_Atomic uint32_t *w, uint32_t v) {
#if defined(__linux__)
  /* futex(2): sleeps only if *w still equals v (checked atomically with the enqueue, so a wake
   * after the caller's last read is not lost); EAGAIN / EINTR / spurious returns are fine. */
  syscall(SYS_futex, (void *)w, FUTEX_WAIT_PRIVATE, v, NULL, NULL, 0);
#else
  (void)w;
  (void)v;
  sched_yield();
#endif
}

void hr_wake(_Atomic uint32_t *w, bool all) {
#if defined(__linux__)
  syscall(SYS_futex, (void *)w, FUTEX_WAKE_PRIVATE, all ? INT32_MAX : 1, NULL, NULL, 0);
#else
  (void)w;
  (void)all;
#endif
}

void hr_lock_acquire_slow(hr_lock *l) {
  for (uint32_t round = 0;; round++) {
    uint32_t e = 0;
    if (atomic_load_explicit(&l->w, memory_order_relaxed) == 0 &&
        atomic_compare_exchange_weak_explicit(&l->w, &e, 1u, memory_order_acquire,
                                              memory_order_relaxed))
      return;
    /* The holder runs a few dozen instructions: spin briefly; if it was descheduled, give it
     * the processor (sched_yield) rather than burn ours. */
    if (round < SPIN_ROUNDS) hr_spin_pause();
    else sched_yield();
  }
}
