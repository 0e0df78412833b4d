/*
 * bench.h: the hive benchmark (conformance/bench, issue 9): shared types of the driver
 * (bench_main.c), the per-run child (bench_child.c), the implementations (bench_ref.c,
 * bench_hivex.c, bench_libregf.c) and the hive generator (bench_gen.c).
 *
 * Measurement model (README section of RESULTS.md): every measured run is a fresh process (the
 * driver spawns itself with --child), so peak RSS is the child's own high-water mark (VmHWM)
 * and no allocator state carries over between runs or implementations.  The child times the
 * operation itself with CLOCK_MONOTONIC; process start-up and library loading are outside the
 * timed region.  Export is the exception: it is an external tool per implementation, timed by
 * the driver around fork/exec/wait, start-up included.
 */
#ifndef HIVEREF_BENCH_H
#define HIVEREF_BENCH_H

#include <stddef.h>
#include <stdint.h>

typedef enum bench_impl { IMPL_REF = 0, IMPL_HIVEX = 1, IMPL_LIBREGF = 2, IMPL_COUNT = 3 } bench_impl;

typedef enum bench_op {
  OP_OPEN = 0,     /* open (with whatever validation the library does) + close */
  OP_WALK = 1,     /* open, every key name, every value's name, type and data, close */
  OP_EXPORT = 2,   /* .reg export to /dev/null by the implementation's own tool (a process) */
  OP_SAVE = 3,     /* open, save unchanged to a new file, close */
  OP_VALIDATE = 4, /* ref only: HRCheckHive on the file already in memory */
  OP_COUNT = 5
} bench_op;

/* What one in-process run did: counts let the driver check that every implementation walked
 * the same content, phase_ns is the time of the save call alone (OP_SAVE). */
typedef struct bench_result {
  uint64_t keys, values, data_bytes;
  uint64_t phase_ns, phase_cpu_ns; /* wall and CPU time of the phase */
} bench_result;

/* One implementation's in-process operations.  run returns 0 on success, -1 on failure with a
 * message in err.  out_path is where OP_SAVE writes (the child removes it first). */
typedef struct bench_impl_ops {
  const char *name;
  int (*run)(bench_op op, const char *path, const char *out_path, bench_result *res, char *err,
             size_t errcap);
  const char *(*version)(void);
} bench_impl_ops;

/* The implementations built into this binary; NULL entries are unavailable (library not
 * installed at build time). */
const bench_impl_ops *bench_impl_get(bench_impl impl);
const char *bench_impl_name(bench_impl impl);
const char *bench_op_name(bench_op op);
/* Whether impl supports op in-process (export is handled by bench_export_argv). */
int bench_impl_has_op(bench_impl impl, bench_op op);

int bench_ref_run(bench_op op, const char *path, const char *out_path, bench_result *res,
                  char *err, size_t errcap);
const char *bench_ref_version(void);
#ifdef HIVEREF_BENCH_HAVE_HIVEX
int bench_hivex_run(bench_op op, const char *path, const char *out_path, bench_result *res,
                    char *err, size_t errcap);
const char *bench_hivex_version(void);
#endif
#ifdef HIVEREF_BENCH_HAVE_LIBREGF
int bench_libregf_run(bench_op op, const char *path, const char *out_path, bench_result *res,
                      char *err, size_t errcap);
const char *bench_libregf_version(void);
#endif

/* Monotonic clock / this process's CPU time (user + system), in nanoseconds. */
uint64_t bench_now_ns(void);
uint64_t bench_cpu_ns(void);

/* The child side of the driver: `--child IMPL OP FILE OUT` prints one result line. */
int bench_child_main(int argc, char **argv);

/* Builds the deterministic generated hive of about size_mib MiB at path (bench_gen.c).
 * Returns 0 on success, -1 with a message on stderr. */
int bench_gen_hive(uint32_t size_mib, const char *path);
/* The generator's format version: part of cached file names, bumped when the shape changes. */
#define BENCH_GEN_VERSION 1

#endif /* HIVEREF_BENCH_H */
