/*
 * bench_child.c: one measured run in a fresh process, and the implementation table.
 *
 * `hiveref-bench --child IMPL OP FILE OUT` performs one operation and prints one line:
 *   ok <ns> <cpu_ns> <phase_ns> <phase_cpu_ns> <peak_rss_kib> <base_rss_kib> <keys> <values> <data_bytes>
 *   err <message>
 * ns is the wall time of bench_measured() (CLOCK_MONOTONIC), cpu_ns its CPU time (user + system,
 * CLOCK_PROCESS_CPUTIME_ID: less sensitive to other processes on a loaded machine); peak_rss_kib is VmHWM at the end
 * (the process's own high-water mark: a fresh exec starts a fresh one, proc(5)), base_rss_kib
 * VmRSS before the operation (the binary and its libraries).  Under valgrind the driver passes
 * --toggle-collect=bench_measured so that only this function's instructions are counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

uint64_t bench_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static const bench_impl_ops k_ref = {"ref", bench_ref_run, bench_ref_version};
#ifdef HIVEREF_BENCH_HAVE_HIVEX
static const bench_impl_ops k_hivex = {"hivex", bench_hivex_run, bench_hivex_version};
#endif
#ifdef HIVEREF_BENCH_HAVE_LIBREGF
static const bench_impl_ops k_libregf = {"libregf", bench_libregf_run, bench_libregf_version};
#endif

const bench_impl_ops *bench_impl_get(bench_impl impl) {
  switch (impl) {
  case IMPL_REF: return &k_ref;
#ifdef HIVEREF_BENCH_HAVE_HIVEX
  case IMPL_HIVEX: return &k_hivex;
#endif
#ifdef HIVEREF_BENCH_HAVE_LIBREGF
  case IMPL_LIBREGF: return &k_libregf;
#endif
  default: return NULL;
  }
}

const char *bench_impl_name(bench_impl impl) {
  static const char *const names[IMPL_COUNT] = {"ref", "hivex", "libregf"};
  return impl < IMPL_COUNT ? names[impl] : "?";
}

const char *bench_op_name(bench_op op) {
  static const char *const names[OP_COUNT] = {"open", "walk", "export", "save", "validate"};
  return op < OP_COUNT ? names[op] : "?";
}

/* The in-process operation matrix of the issue: save exists for ref and hivex (libregf is
 * read-only), validate-only for ref.  Export is a process per implementation (bench_main.c). */
int bench_impl_has_op(bench_impl impl, bench_op op) {
  switch (op) {
  case OP_OPEN:
  case OP_WALK: return 1;
  case OP_SAVE: return impl == IMPL_REF || impl == IMPL_HIVEX;
  case OP_VALIDATE: return impl == IMPL_REF;
  default: return 0;
  }
}

/* Reads "Key:   123 kB" from /proc/self/status; 0 when unavailable. */
static uint64_t status_kib(const char *key) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  uint64_t v = 0;
  size_t klen = strlen(key);
  while (fgets(line, sizeof line, f))
    if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
      v = strtoull(line + klen + 1, NULL, 10);
      break;
    }
  fclose(f);
  return v;
}

/* The timed region; noinline so that callgrind can collect exactly this function. */
__attribute__((noinline)) int bench_measured(const bench_impl_ops *ops, bench_op op,
                                             const char *path, const char *out,
                                             bench_result *res, char *err, size_t errcap);
__attribute__((noinline)) int bench_measured(const bench_impl_ops *ops, bench_op op,
                                             const char *path, const char *out,
                                             bench_result *res, char *err, size_t errcap) {
  return ops->run(op, path, out, res, err, errcap);
}

int bench_child_main(int argc, char **argv) {
  if (argc != 4) {
    printf("err usage: --child IMPL OP FILE OUT\n");
    return 2;
  }
  int impl = -1, op = -1;
  for (int i = 0; i < IMPL_COUNT; i++)
    if (strcmp(argv[0], bench_impl_name((bench_impl)i)) == 0) impl = i;
  for (int i = 0; i < OP_COUNT; i++)
    if (strcmp(argv[1], bench_op_name((bench_op)i)) == 0) op = i;
  const bench_impl_ops *ops = impl >= 0 ? bench_impl_get((bench_impl)impl) : NULL;
  if (!ops || op < 0 || !bench_impl_has_op((bench_impl)impl, (bench_op)op)) {
    printf("err unavailable\n");
    return 1;
  }
  const char *out = argv[3];
  if (op == OP_SAVE) unlink(out);
  bench_result res;
  memset(&res, 0, sizeof res);
  char err[768] = "";
  uint64_t base = status_kib("VmRSS");
  uint64_t c0 = bench_cpu_ns(), t0 = bench_now_ns();
  int rc = bench_measured(ops, (bench_op)op, argv[2], out, &res, err, sizeof err);
  uint64_t ns = bench_now_ns() - t0, cpu = bench_cpu_ns() - c0;
  uint64_t hwm = status_kib("VmHWM");
  if (op == OP_SAVE) unlink(out);
  if (rc != 0) {
    for (char *p = err; *p; p++)
      if (*p == '\n' || *p == '\t') *p = ' ';
    printf("err %s\n", err[0] ? err : "failed");
    return 1;
  }
  printf("ok %llu %llu %llu %llu %llu %llu %llu %llu %llu\n", (unsigned long long)ns,
         (unsigned long long)cpu, (unsigned long long)res.phase_ns,
         (unsigned long long)res.phase_cpu_ns, (unsigned long long)hwm, (unsigned long long)base,
         (unsigned long long)res.keys, (unsigned long long)res.values,
         (unsigned long long)res.data_bytes);
  return 0;
}
