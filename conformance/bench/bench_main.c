/*
 * bench_main.c: hiveref-bench, the benchmark driver of conformance/bench (issue 9); also the
 * engine of `hiveref bench` (ref/cli/cmd_bench.c execs this program).
 *
 * For every hive and operation it runs a warm-up, then N rounds; a round runs every selected
 * implementation once, each in a fresh child process (bench_child.c), starting with a
 * different implementation each round so that drift on a shared machine hits all alike.
 * Reported per implementation: median, min and max wall time, MB/s (10^6 bytes of hive file
 * per second at the median), peak RSS; and per round the ratio ref/other, whose median is
 * the "median of pairs" the targets are judged on.  --callgrind instead runs each
 * (hive, op, impl) once under valgrind --tool=callgrind and reports instruction counts of the
 * timed region, which do not depend on the machine's load.
 *
 * Inputs: the HIVE arguments; with none, every primary hive >= 1 MiB listed in
 * ../shared/hives/MANIFEST.tsv (relative to the source tree) plus the generated hives
 * (bench_gen.c; 1, 16 and 128 MiB by default, 1024 MiB with --big), cached in --cache.
 */
#define _DEFAULT_SOURCE 1 /* wait4 (the rusage of one child) */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

extern char **environ;

#define MAX_HIVES 256
#define MAX_RUNS 1000
#define MAX_SIZES 16
/* The third-party export tools are reference lines only (the issue): one run, no warm-up, and
 * only on hives up to this size (hivexregedit and regfexport need ~0.1-0.6 s of CPU per MB). */
#define EXPORT_REFLINE_MAX_BYTES (32ull << 20)

typedef struct sample {
  int ok;
  uint64_t ns, cpu_ns, phase_ns, phase_cpu_ns, hwm_kib, base_kib, keys, values, bytes;
} sample;

typedef struct cell {
  int attempted, available;
  sample runs[MAX_RUNS];
  int nruns;
  char err[256];
  uint64_t ir;        /* callgrind instruction count, 0 = not measured */
} cell;

typedef struct hive {
  char path[4096];
  char label[128];
  uint64_t size;
  int generated;
} hive;

typedef struct options {
  int impl_on[IMPL_COUNT];
  int op_on[OP_COUNT];
  int runs, warmup;
  int callgrind;
  const char *callgrind_keep;
  int quiet;
  const char *out_md, *out_tsv;
  const char *hives_dir, *cache_dir, *tmp_dir;
  uint32_t sizes[MAX_SIZES];
  int nsizes;
  int no_real;
} options;

static char g_self[4096];
static FILE *g_md;

/* ---- small utilities ------------------------------------------------------------------------ */

static void emit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void emit(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  if (g_md) {
    va_start(ap, fmt);
    vfprintf(g_md, fmt, ap);
    va_end(ap);
  }
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}
static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static uint64_t median_u64(uint64_t *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_u64);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
static double median_dbl(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_dbl);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* An executable named cmd in PATH (or cmd itself when it contains '/'). */
static int find_exe(const char *cmd, char *out, size_t cap) {
  if (strchr(cmd, '/')) {
    snprintf(out, cap, "%s", cmd);
    return access(out, X_OK) == 0;
  }
  const char *p = getenv("PATH");
  if (!p) p = "/usr/bin:/bin";
  while (*p) {
    const char *e = strchr(p, ':');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    snprintf(out, cap, "%.*s/%s", (int)n, p, cmd);
    if (n && access(out, X_OK) == 0) return 1;
    p += n + (e ? 1 : 0);
  }
  return 0;
}

static void read_line_file(const char *path, const char *key, char *out, size_t cap) {
  out[0] = 0;
  FILE *f = fopen(path, "r");
  if (!f) return;
  char line[512];
  while (fgets(line, sizeof line, f)) {
    if (key && strncmp(line, key, strlen(key)) != 0) continue;
    char *s = key ? strchr(line, ':') : line;
    if (!s) continue;
    if (key) s++;
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strcspn(s, "\n");
    if (n >= cap) n = cap - 1;
    memcpy(out, s, n);
    out[n] = 0;
    break;
  }
  fclose(f);
}

/* ---- running children ----------------------------------------------------------------------- */

/* Spawns argv with stdout to a pipe (captured into out) or to /dev/null (out NULL), stderr to
 * /dev/null; returns the exit status (-1 spawn failure) and the child's rusage. */
static int run_child(char *const argv[], char *out, size_t cap, struct rusage *ru) {
  int pfd[2] = {-1, -1};
  if (out && pipe(pfd) != 0) return -1;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (out) {
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pfd[0]);
    posix_spawn_file_actions_addclose(&fa, pfd[1]);
  } else {
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (out) close(pfd[1]);
  if (rc != 0) {
    if (out) close(pfd[0]);
    return -1;
  }
  size_t n = 0;
  if (out) {
    for (;;) {
      ssize_t got = read(pfd[0], out + n, cap - 1 - n);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) break;
      n += (size_t)got;
      if (n == cap - 1) {
        char sink[4096]; /* drain anything longer so the child never blocks */
        while (read(pfd[0], sink, sizeof sink) > 0) {
        }
        break;
      }
    }
    out[n] = 0;
    close(pfd[0]);
  }
  int status = 0;
  while (wait4(pid, &status, 0, ru) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void parse_child(const char *line, sample *s, char *err, size_t errcap) {
  unsigned long long v[9];
  memset(s, 0, sizeof *s);
  if (sscanf(line, "ok %llu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
             &v[4], &v[5], &v[6], &v[7], &v[8]) == 9) {
    s->ok = 1;
    s->ns = v[0];
    s->cpu_ns = v[1];
    s->phase_ns = v[2];
    s->phase_cpu_ns = v[3];
    s->hwm_kib = v[4];
    s->base_kib = v[5];
    s->keys = v[6];
    s->values = v[7];
    s->bytes = v[8];
    return;
  }
  const char *m = strncmp(line, "err ", 4) == 0 ? line + 4 : (line[0] ? line : "child crashed");
  snprintf(err, errcap, "%.*s", (int)strcspn(m, "\n"), m);
}

/* The export command of an implementation (its own tool; a process).  Returns 0 when absent. */
static int export_argv(bench_impl impl, const char *hive_path, char *exe, size_t cap,
                       char **argv) {
  int n = 0;
  switch (impl) {
  case IMPL_REF: {
    const char *cli = getenv("HIVEREF_BENCH_CLI");
#ifdef HIVEREF_BENCH_CLI_PATH
    if (!cli) cli = HIVEREF_BENCH_CLI_PATH;
#endif
    if (!cli || !find_exe(cli, exe, cap)) return 0;
    argv[n++] = exe;
    argv[n++] = (char *)"export";
    argv[n++] = (char *)hive_path;
    break;
  }
  case IMPL_HIVEX:
    if (!find_exe("hivexregedit", exe, cap)) return 0;
    argv[n++] = exe;
    argv[n++] = (char *)"--export";
    argv[n++] = (char *)hive_path;
    argv[n++] = (char *)"\\";
    break;
  case IMPL_LIBREGF:
    if (!find_exe("regfexport", exe, cap)) return 0;
    argv[n++] = exe;
    argv[n++] = (char *)hive_path;
    break;
  default: return 0;
  }
  argv[n] = NULL;
  return 1;
}

static int impl_available(bench_impl impl, bench_op op, const char *hive_path) {
  if (op == OP_EXPORT) {
    char exe[4096], *argv[8];
    return export_argv(impl, hive_path, exe, sizeof exe, argv);
  }
  return bench_impl_get(impl) != NULL && bench_impl_has_op(impl, op);
}

/* One measured run of (impl, op) on h. */
static void run_one(const options *o, const hive *h, bench_impl impl, bench_op op, sample *s,
                    char *err, size_t errcap) {
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  memset(s, 0, sizeof *s);
  if (op == OP_EXPORT) {
    char exe[4096], *argv[8];
    export_argv(impl, h->path, exe, sizeof exe, argv);
    uint64_t t0 = bench_now_ns();
    int rc = run_child(argv, NULL, 0, &ru);
    s->ns = bench_now_ns() - t0;
    if (rc != 0) {
      snprintf(err, errcap, "%s exited with %d", argv[0], rc);
      return;
    }
    s->ok = 1;
    s->cpu_ns = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000u +
                (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000u;
    s->hwm_kib = (uint64_t)ru.ru_maxrss; /* includes the driver's RSS at spawn: see RESULTS */
    return;
  }
  char out_path[4096], line[1024];
  snprintf(out_path, sizeof out_path, "%s/save-%ld.hive", o->tmp_dir, (long)getpid());
  char *argv[] = {g_self, (char *)"--child", (char *)bench_impl_name(impl),
                  (char *)bench_op_name(op), (char *)h->path, out_path, NULL};
  run_child(argv, line, sizeof line, &ru);
  parse_child(line, s, err, errcap);
}

/* Instruction count of the timed region of (impl, op) on h under callgrind; 0 on failure. */
static uint64_t run_callgrind(const options *o, const hive *h, bench_impl impl, bench_op op,
                              char *err, size_t errcap) {
  char vg[4096];
  if (!find_exe("valgrind", vg, sizeof vg)) {
    snprintf(err, errcap, "valgrind not found");
    return 0;
  }
  char cg[4096], outopt[4200], out_path[4096], line[1024];
  const char *dir = o->callgrind_keep ? o->callgrind_keep : o->tmp_dir;
  snprintf(cg, sizeof cg, "%s/callgrind.%s.%s.%s", dir, h->label, bench_impl_name(impl),
           bench_op_name(op));
  for (char *p = cg + strlen(dir) + 1; *p; p++)
    if (*p == '/' || *p == ' ') *p = '_';
  snprintf(outopt, sizeof outopt, "--callgrind-out-file=%s", cg);
  snprintf(out_path, sizeof out_path, "%s/save-%ld.hive", o->tmp_dir, (long)getpid());
  char *argv[] = {vg, (char *)"--tool=callgrind", (char *)"--collect-atstart=no",
                  (char *)"--toggle-collect=bench_measured", outopt, g_self, (char *)"--child",
                  (char *)bench_impl_name(impl), (char *)bench_op_name(op), (char *)h->path,
                  out_path, NULL};
  struct rusage ru;
  run_child(argv, line, sizeof line, &ru);
  sample s;
  parse_child(line, &s, err, errcap);
  uint64_t ir = 0;
  FILE *f = s.ok ? fopen(cg, "r") : NULL;
  if (f) {
    char l[512];
    while (fgets(l, sizeof l, f))
      if (strncmp(l, "summary:", 8) == 0 || strncmp(l, "totals:", 7) == 0)
        ir = strtoull(strchr(l, ':') + 1, NULL, 10);
    fclose(f);
  }
  if (!o->callgrind_keep) unlink(cg);
  if (s.ok && ir == 0) snprintf(err, errcap, "no callgrind totals in %.200s", cg);
  return ir;
}

/* ---- inputs ---------------------------------------------------------------------------------- */

static int add_hive(hive *hs, int *n, const char *path, const char *label, int generated) {
  struct stat st;
  if (*n >= MAX_HIVES || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  hive *h = &hs[(*n)++];
  snprintf(h->path, sizeof h->path, "%s", path);
  snprintf(h->label, sizeof h->label, "%s", label);
  h->size = (uint64_t)st.st_size;
  h->generated = generated;
  return 0;
}

/* Primaries >= 1 MiB of MANIFEST.tsv (columns: local_path ... size_bytes(6th) ... file_type
 * (10th)), labelled "<first path component>:<file name>". */
static void add_manifest_hives(const options *o, hive *hs, int *n) {
  char mf[4096];
  snprintf(mf, sizeof mf, "%s/MANIFEST.tsv", o->hives_dir);
  FILE *f = fopen(mf, "r");
  if (!f) {
    fprintf(stderr, "hiveref-bench: %s absent: no real hives\n", mf);
    return;
  }
  char line[8192];
  while (fgets(line, sizeof line, f)) {
    char *col[12] = {0};
    int nc = 0;
    for (char *p = line; nc < 12;) {
      col[nc++] = p;
      char *t = strchr(p, '\t');
      if (!t) break;
      *t = 0;
      p = t + 1;
    }
    if (nc < 10 || strcmp(col[9], "primary") != 0) continue;
    if (strtoull(col[5], NULL, 10) < (1u << 20)) continue;
    char path[4096], label[128];
    snprintf(path, sizeof path, "%.2000s/%.2000s", o->hives_dir, col[0]);
    const char *base = strrchr(col[0], '/');
    base = base ? base + 1 : col[0];
    size_t top = strcspn(col[0], "/");
    snprintf(label, sizeof label, "%.*s:%.80s", (int)(top > 24 ? 24 : top), col[0], base);
    for (int i = 0; i < *n; i++)
      if (strcmp(hs[i].label, label) == 0) { /* disambiguate with the parent folder */
        const char *par = base - 1;
        while (par > col[0] && par[-1] != '/') par--;
        snprintf(label, sizeof label, "%.*s:%.*s", (int)(top > 24 ? 24 : top), col[0],
                 (int)(strlen(par) > 60 ? 60 : strlen(par)), par);
        break;
      }
    add_hive(hs, n, path, label, 0);
  }
  fclose(f);
}

static int ensure_generated(const options *o, uint32_t mib, char *path, size_t cap) {
  snprintf(path, cap, "%s/gen-v%d-%uMiB.hive", o->cache_dir, BENCH_GEN_VERSION, mib);
  if (access(path, R_OK) == 0) return 0;
  mkdir(o->cache_dir, 0755);
  if (!o->quiet) fprintf(stderr, "hiveref-bench: generating %s ...\n", path);
  char sz[16];
  snprintf(sz, sizeof sz, "%u", mib);
  char *argv[] = {g_self, (char *)"--gen-one", sz, path, NULL};
  struct rusage ru;
  uint64_t t0 = bench_now_ns();
  int rc = run_child(argv, NULL, 0, &ru);
  if (!o->quiet)
    fprintf(stderr, "hiveref-bench: generated %u MiB in %.1f s (peak RSS %.0f MiB)\n", mib,
            (double)(bench_now_ns() - t0) / 1e9, (double)ru.ru_maxrss / 1024.0);
  return rc == 0 && access(path, R_OK) == 0 ? 0 : -1;
}

/* ---- report ---------------------------------------------------------------------------------- */

typedef struct stats {
  int n;
  uint64_t med, min, max, med_phase, med_phase_cpu, med_cpu, peak_kib, base_kib;
  uint64_t keys, values, bytes;
} stats;

static int cell_stats(const cell *c, bench_op op, stats *st) {
  memset(st, 0, sizeof *st);
  uint64_t v[MAX_RUNS], ph[MAX_RUNS], phc[MAX_RUNS], cpu[MAX_RUNS];
  for (int i = 0; i < c->nruns; i++) {
    const sample *s = &c->runs[i];
    if (!s->ok) continue;
    v[st->n] = op == OP_VALIDATE ? s->phase_ns : s->ns;
    ph[st->n] = s->phase_ns;
    cpu[st->n] = op == OP_VALIDATE ? s->phase_cpu_ns : s->cpu_ns;
    phc[st->n] = s->phase_cpu_ns;
    if (st->n == 0 || v[st->n] < st->min) st->min = v[st->n];
    if (v[st->n] > st->max) st->max = v[st->n];
    if (s->hwm_kib > st->peak_kib) st->peak_kib = s->hwm_kib;
    st->base_kib = s->base_kib;
    st->keys = s->keys;
    st->values = s->values;
    st->bytes = s->bytes;
    st->n++;
  }
  if (st->n == 0) return 0;
  st->med = median_u64(v, st->n);
  st->med_phase = median_u64(ph, st->n);
  st->med_cpu = median_u64(cpu, st->n);
  st->med_phase_cpu = median_u64(phc, st->n);
  return 1;
}

/* Median over rounds of ref_time / other_time, both from the same round (wall time; CPU time
 * when use_cpu). */
static double pair_ratio(const cell *ref, const cell *other, bench_op op, int use_cpu,
                         int *npairs) {
  double r[MAX_RUNS];
  int n = 0;
  for (int i = 0; i < ref->nruns && i < other->nruns; i++) {
    const sample *a = &ref->runs[i], *b = &other->runs[i];
    if (!a->ok || !b->ok) continue;
    int ph = op == OP_VALIDATE;
    double x = (double)(use_cpu ? (ph ? a->phase_cpu_ns : a->cpu_ns) : ph ? a->phase_ns : a->ns);
    double y = (double)(use_cpu ? (ph ? b->phase_cpu_ns : b->cpu_ns) : ph ? b->phase_ns : b->ns);
    if (y > 0) r[n++] = x / y;
  }
  *npairs = n;
  return n ? median_dbl(r, n) : 0;
}

static double mbps(uint64_t bytes, uint64_t ns) { return ns ? (double)bytes * 1e3 / (double)ns : 0; }

static void machine_description(const options *o, const char *when, char *load, size_t cap) {
  char cpu[256], mem[64], model[256];
  struct utsname u;
  uname(&u);
  read_line_file("/proc/cpuinfo", "model name", cpu, sizeof cpu);
  read_line_file("/proc/meminfo", "MemTotal", mem, sizeof mem);
  read_line_file("/proc/loadavg", NULL, load, cap);
  snprintf(model, sizeof model, "%s", cpu);
  emit("## Machine\n\n");
  emit("- date: %s", when);
  emit("- CPU: %s, %ld online CPUs; memory %s; %s %s %s\n", model[0] ? model : "?",
       sysconf(_SC_NPROCESSORS_ONLN), mem, u.sysname, u.release, u.machine);
  emit("- load average at start: %s (a shared machine: see the noise notes)\n", load);
#ifdef HIVEREF_BENCH_BUILD_TYPE
  emit("- build: %s, compiler %s\n", HIVEREF_BENCH_BUILD_TYPE, __VERSION__);
#else
  emit("- compiler %s\n", __VERSION__);
#endif
  emit("- implementations:");
  for (int i = 0; i < IMPL_COUNT; i++) {
    const bench_impl_ops *ops = bench_impl_get((bench_impl)i);
    emit(" %s%s", ops ? ops->version() : bench_impl_name((bench_impl)i),
         ops ? (i + 1 < IMPL_COUNT ? ";" : "") : " (unavailable in this build;)");
  }
  emit("\n- runs: %d measured + %d warm-up per implementation, each run a fresh process; "
       "scratch dir %s\n\n",
       o->callgrind ? 1 : o->runs, o->callgrind ? 0 : o->warmup, o->tmp_dir);
}

static void usage(FILE *f) {
  fputs("usage: hiveref-bench [OPTIONS] [HIVE...]\n"
        "       hiveref bench [OPTIONS] [HIVE...]\n"
        "\n"
        "Measures hiveref (ref), libhivex and libregf on the same hive files: open, walk (every\n"
        "key and value with its data), export (.reg to /dev/null by each library's own tool),\n"
        "save (open + save unchanged; ref and hivex) and validate (ref HRCheckHive).  Prints a\n"
        "Markdown table: median/min/max wall time, MB/s, peak RSS, and ref/other ratios taken\n"
        "as the median over rounds of the per-round ratio.\n"
        "\n"
        "With no HIVE: every primary hive >= 1 MiB of ../shared/hives/MANIFEST.tsv plus the\n"
        "generated hives (1, 16, 128 MiB; 1024 with --big).\n"
        "\n"
        "  --impl LIST      ref,hivex,libregf (default: all available)\n"
        "  --op LIST        open,walk,export,save,validate (default: all)\n"
        "  --runs N         measured rounds (default 5), --warmup N (default 1)\n"
        "  --callgrind      instruction counts under valgrind --tool=callgrind instead of time\n"
        "  --callgrind-keep DIR  keep the callgrind.out files there (for callgrind_annotate)\n"
        "  --gen LIST       generated sizes in MiB (default 1,16,128), --big adds 1024,\n"
        "                   --gen none: no generated hives\n"
        "  --no-real        skip the MANIFEST hives (corpus mode)\n"
        "  --hives-dir DIR  real hives (default <source>/../shared/hives)\n"
        "  --cache DIR      where generated hives are kept (default <build>/conformance/bench/cache)\n"
        "  --tmp DIR        scratch dir for saved hives (default /dev/shm, else $TMPDIR)\n"
        "  --out FILE       also write the Markdown report to FILE\n"
        "  --tsv FILE       also write the raw medians as TSV (for plot.py)\n"
        "  --quiet          no progress on stderr\n"
        "Exit status: 0 success, 1 a measurement failed everywhere, 2 usage error.\n",
        f);
}

static int parse_list(const char *s, const char *const *names, int count, int *on) {
  for (int i = 0; i < count; i++) on[i] = 0;
  char buf[256];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
    int found = 0;
    for (int i = 0; i < count; i++)
      if (strcmp(t, names[i]) == 0) on[i] = found = 1;
    if (!found) {
      fprintf(stderr, "hiveref-bench: unknown name '%s'\n", t);
      return -1;
    }
  }
  return 0;
}

/* ---- main ------------------------------------------------------------------------------------ */

static cell g_cells[MAX_HIVES][OP_COUNT][IMPL_COUNT];
static hive g_hives[MAX_HIVES];

static void print_table(const options *o, int nh);
static void print_targets(const options *o, int nh);

int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "--child") == 0) return bench_child_main(argc - 2, argv + 2);
  if (argc == 4 && strcmp(argv[1], "--gen-one") == 0)
    return bench_gen_hive((uint32_t)strtoul(argv[2], NULL, 10), argv[3]) == 0 ? 0 : 1;

  ssize_t sl = readlink("/proc/self/exe", g_self, sizeof g_self - 1);
  if (sl <= 0) {
    fprintf(stderr, "hiveref-bench: cannot find my own executable\n");
    return 1;
  }
  g_self[sl] = 0;

  static const char *const impl_names[IMPL_COUNT] = {"ref", "hivex", "libregf"};
  static const char *const op_names[OP_COUNT] = {"open", "walk", "export", "save", "validate"};
  options o;
  memset(&o, 0, sizeof o);
  for (int i = 0; i < IMPL_COUNT; i++) o.impl_on[i] = 1;
  for (int i = 0; i < OP_COUNT; i++) o.op_on[i] = 1;
  o.runs = 5;
  o.warmup = 1;
  o.sizes[0] = 1, o.sizes[1] = 16, o.sizes[2] = 128, o.nsizes = 3;
  int big = 0;
#ifdef HIVEREF_BENCH_SOURCE_DIR
  static char hd[4096];
  snprintf(hd, sizeof hd, "%s/../shared/hives", HIVEREF_BENCH_SOURCE_DIR);
  o.hives_dir = hd;
#else
  o.hives_dir = "../shared/hives";
#endif
#ifdef HIVEREF_BENCH_CACHE_DIR
  o.cache_dir = HIVEREF_BENCH_CACHE_DIR;
#else
  o.cache_dir = "hiveref-bench-cache";
#endif
  const char *files[MAX_HIVES];
  int nfiles = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG()                                                                              \
  do {                                                                                          \
    if (!next) {                                                                                \
      fprintf(stderr, "hiveref-bench: %s needs an argument\n", a);                              \
      return 2;                                                                                 \
    }                                                                                           \
    i++;                                                                                        \
  } while (0)
    if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(a, "--impl") == 0) {
      NEED_ARG();
      if (parse_list(next, impl_names, IMPL_COUNT, o.impl_on)) return 2;
    } else if (strcmp(a, "--op") == 0) {
      NEED_ARG();
      if (parse_list(next, op_names, OP_COUNT, o.op_on)) return 2;
    } else if (strcmp(a, "--runs") == 0 || strcmp(a, "--warmup") == 0) {
      NEED_ARG();
      char *end;
      long v = strtol(next, &end, 10);
      int is_runs = strcmp(a, "--runs") == 0;
      if (*end || v < (is_runs ? 1 : 0) || v > MAX_RUNS) {
        fprintf(stderr, "hiveref-bench: bad %s '%s'\n", a, next);
        return 2;
      }
      *(is_runs ? &o.runs : &o.warmup) = (int)v;
    } else if (strcmp(a, "--callgrind") == 0) {
      o.callgrind = 1;
    } else if (strcmp(a, "--callgrind-keep") == 0) {
      NEED_ARG();
      o.callgrind = 1;
      o.callgrind_keep = next;
      mkdir(next, 0755);
    } else if (strcmp(a, "--gen") == 0) {
      NEED_ARG();
      o.nsizes = 0;
      if (strcmp(next, "none") != 0) {
        char buf[256];
        snprintf(buf, sizeof buf, "%s", next);
        for (char *t = strtok(buf, ","); t && o.nsizes < MAX_SIZES; t = strtok(NULL, ",")) {
          unsigned long v = strtoul(t, NULL, 10);
          if (v < 1 || v > 3072) {
            fprintf(stderr, "hiveref-bench: bad size '%s' (1..3072 MiB)\n", t);
            return 2;
          }
          o.sizes[o.nsizes++] = (uint32_t)v;
        }
      }
    } else if (strcmp(a, "--big") == 0) {
      big = 1;
    } else if (strcmp(a, "--no-real") == 0) {
      o.no_real = 1;
    } else if (strcmp(a, "--hives-dir") == 0) {
      NEED_ARG();
      o.hives_dir = next;
    } else if (strcmp(a, "--cache") == 0) {
      NEED_ARG();
      o.cache_dir = next;
    } else if (strcmp(a, "--tmp") == 0) {
      NEED_ARG();
      o.tmp_dir = next;
    } else if (strcmp(a, "--out") == 0) {
      NEED_ARG();
      o.out_md = next;
    } else if (strcmp(a, "--tsv") == 0) {
      NEED_ARG();
      o.out_tsv = next;
    } else if (strcmp(a, "--quiet") == 0) {
      o.quiet = 1;
    } else if (a[0] == '-' && a[1]) {
      fprintf(stderr, "hiveref-bench: unknown option '%s' (see --help)\n", a);
      return 2;
    } else if (nfiles < MAX_HIVES) {
      files[nfiles++] = a;
    }
#undef NEED_ARG
  }
  if (big && o.nsizes < MAX_SIZES) o.sizes[o.nsizes++] = 1024;
  if (!o.tmp_dir) {
    const char *t = getenv("TMPDIR");
    o.tmp_dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : (t ? t : "/tmp");
  }

  int nh = 0;
  if (nfiles > 0) {
    for (int i = 0; i < nfiles; i++) {
      const char *base = strrchr(files[i], '/');
      if (add_hive(g_hives, &nh, files[i], base ? base + 1 : files[i], 0) != 0) {
        fprintf(stderr, "hiveref-bench: %s: not a readable file\n", files[i]);
        return 2;
      }
    }
  } else {
    if (!o.no_real) add_manifest_hives(&o, g_hives, &nh);
    for (int i = 0; i < o.nsizes; i++) {
      char path[4096], label[64];
      if (ensure_generated(&o, o.sizes[i], path, sizeof path) != 0) {
        fprintf(stderr, "hiveref-bench: generating the %u MiB hive failed\n", o.sizes[i]);
        return 1;
      }
      snprintf(label, sizeof label, "generated %u MiB", o.sizes[i]);
      add_hive(g_hives, &nh, path, label, 1);
    }
  }
  if (nh == 0) {
    fprintf(stderr, "hiveref-bench: no hives to measure\n");
    return 2;
  }
  if (o.out_md && !(g_md = fopen(o.out_md, "w"))) {
    fprintf(stderr, "hiveref-bench: %s: %s\n", o.out_md, strerror(errno));
    return 2;
  }

  time_t now = time(NULL);
  char load0[128];
  emit("# hiveref benchmark: %s\n\n", o.callgrind ? "instruction counts (callgrind)" : "wall time");
  machine_description(&o, ctime(&now), load0, sizeof load0);

  int any_ok = 0;
  uint64_t t_start = bench_now_ns();
  for (int hi = 0; hi < nh; hi++) {
    const hive *h = &g_hives[hi];
    for (int op = 0; op < OP_COUNT; op++) {
      if (!o.op_on[op]) continue;
      if (o.callgrind && op == OP_EXPORT) continue; /* external tools: not instrumented */
      bench_impl impls[IMPL_COUNT];
      int ni = 0;
      for (int im = 0; im < IMPL_COUNT; im++) {
        cell *c = &g_cells[hi][op][im];
        if (!o.impl_on[im]) continue;
        if (op != OP_EXPORT && !bench_impl_has_op((bench_impl)im, (bench_op)op)) continue;
        c->attempted = 1;
        c->available = impl_available((bench_impl)im, (bench_op)op, h->path);
        if (c->available) impls[ni++] = (bench_impl)im;
        else snprintf(c->err, sizeof c->err, "unavailable");
      }
      if (ni == 0) continue;
      if (!o.quiet)
        fprintf(stderr, "hiveref-bench: %s (%.1f MiB) %s ...\n", h->label,
                (double)h->size / 1048576.0, bench_op_name((bench_op)op));
      if (o.callgrind) {
        for (int k = 0; k < ni; k++) {
          cell *c = &g_cells[hi][op][impls[k]];
          c->ir = run_callgrind(&o, h, impls[k], (bench_op)op, c->err, sizeof c->err);
          any_ok |= c->ir != 0;
        }
        continue;
      }
      int rejected[IMPL_COUNT] = {0};
      for (int k = 0; k < ni; k++) {
        if (op != OP_EXPORT || impls[k] == IMPL_REF || h->size <= EXPORT_REFLINE_MAX_BYTES) continue;
        cell *c = &g_cells[hi][op][impls[k]];
        snprintf(c->err, sizeof c->err, "skipped: reference line only on hives <= %llu MiB",
                 EXPORT_REFLINE_MAX_BYTES >> 20);
        rejected[k] = 2;
      }
      for (int w = 0; w < o.warmup; w++)
        for (int k = 0; k < ni; k++) {
          sample s;
          if (rejected[k] || (op == OP_EXPORT && impls[k] != IMPL_REF)) continue;
          cell *c = &g_cells[hi][op][impls[k]];
          run_one(&o, h, impls[k], (bench_op)op, &s, c->err, sizeof c->err);
          if (!s.ok) rejected[k] = 1; /* deterministic failure: do not repeat it N times */
        }
      for (int r = 0; r < o.runs; r++)
        for (int k0 = 0; k0 < ni; k0++) {
          int k = (k0 + r) % ni;
          cell *c = &g_cells[hi][op][impls[k]];
          sample *s = &c->runs[c->nruns];
          if (rejected[k] || (op == OP_EXPORT && impls[k] != IMPL_REF && r > 0)) {
            memset(s, 0, sizeof *s);
          } else {
            run_one(&o, h, impls[k], (bench_op)op, s, c->err, sizeof c->err);
          }
          c->nruns++;
          any_ok |= s->ok;
        }
    }
  }
  double elapsed = (double)(bench_now_ns() - t_start) / 1e9;
  print_table(&o, nh);
  print_targets(&o, nh);
  char load1[128];
  read_line_file("/proc/loadavg", NULL, load1, sizeof load1);
  emit("Measured in %.0f s; load average at start %s, at end %s.\n", elapsed, load0, load1);

  if (o.out_tsv) {
    FILE *t = fopen(o.out_tsv, "w");
    if (t) {
      fprintf(t, "hive\tgenerated\tsize\top\timpl\tmedian_ns\tmin_ns\tmax_ns\tphase_ns\tcpu_ns\t"
                 "peak_kib\tbase_kib\tir\n");
      for (int hi = 0; hi < nh; hi++)
        for (int op = 0; op < OP_COUNT; op++)
          for (int im = 0; im < IMPL_COUNT; im++) {
            cell *c = &g_cells[hi][op][im];
            stats st;
            if (!c->attempted) continue;
            if (!cell_stats(c, (bench_op)op, &st) && !c->ir) continue;
            fprintf(t, "%s\t%d\t%llu\t%s\t%s\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\n",
                    g_hives[hi].label, g_hives[hi].generated,
                    (unsigned long long)g_hives[hi].size, bench_op_name((bench_op)op),
                    bench_impl_name((bench_impl)im), (unsigned long long)st.med,
                    (unsigned long long)st.min, (unsigned long long)st.max,
                    (unsigned long long)st.med_phase, (unsigned long long)st.med_cpu,
                    (unsigned long long)st.peak_kib,
                    (unsigned long long)st.base_kib, (unsigned long long)c->ir);
          }
      fclose(t);
    }
  }
  if (g_md) fclose(g_md);
  return any_ok ? 0 : 1;
}

/* The results table: one row per (hive, op, impl). */
static void print_table(const options *o, int nh) {
  if (o->callgrind) {
    emit("## Instructions (callgrind, timed region only)\n\n"
         "| hive | MiB | op | impl | instructions | instr/byte | ref/impl |\n"
         "|---|---:|---|---|---:|---:|---:|\n");
  } else {
    emit("## Results\n\n"
         "Times in ms (median [min-max] of %d runs), MB/s = 10^6 bytes of hive file per second at "
         "the median, cpu = median CPU time (user + system) of the same runs, peak RSS = the "
         "run's VmHWM (export: ru_maxrss of the tool), delta = peak minus the process's RSS "
         "before the operation; ref/impl = median over rounds of the per-round ratio of wall "
         "times (and of CPU times).\n\n"
         "| hive | MiB | op | impl | median ms | min-max ms | cpu ms | MB/s | peak RSS MiB | "
         "delta/size | ref/impl wall | ref/impl cpu | keys / values |\n"
         "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
         o->runs);
  }
  for (int hi = 0; hi < nh; hi++) {
    const hive *h = &g_hives[hi];
    double mib = (double)h->size / 1048576.0;
    for (int op = 0; op < OP_COUNT; op++) {
      const cell *ref = &g_cells[hi][op][IMPL_REF];
      for (int im = 0; im < IMPL_COUNT; im++) {
        const cell *c = &g_cells[hi][op][im];
        if (!c->attempted) continue;
        const char *opn = bench_op_name((bench_op)op);
        const char *imn = bench_impl_name((bench_impl)im);
        if (op == OP_EXPORT && im != IMPL_REF) imn = im == IMPL_HIVEX ? "hivexregedit (ref. line)" : "regfexport (ref. line)";
        if (o->callgrind) {
          if (!c->ir) {
            emit("| %s | %.1f | %s | %s | %s | | |\n", h->label, mib, opn, imn, c->err);
            continue;
          }
          char ratio[32] = "";
          if (im != IMPL_REF && ref->ir) snprintf(ratio, sizeof ratio, "%.3f", (double)ref->ir / (double)c->ir);
          emit("| %s | %.1f | %s | %s | %llu | %.1f | %s |\n", h->label, mib, opn, imn,
               (unsigned long long)c->ir, (double)c->ir / (double)h->size, ratio);
          continue;
        }
        stats st;
        if (!cell_stats(c, (bench_op)op, &st)) {
          emit("| %s | %.1f | %s | %s | %s | | | | | | | | |\n", h->label, mib, opn, imn,
               c->err[0] ? c->err : "no result");
          continue;
        }
        char ratio[48] = "", ratio_cpu[32] = "";
        if (im != IMPL_REF) {
          int np = 0;
          double r = pair_ratio(ref, c, (bench_op)op, 0, &np);
          if (np) snprintf(ratio, sizeof ratio, "%.3f (%d pairs)", r, np);
          r = pair_ratio(ref, c, (bench_op)op, 1, &np);
          if (np && op != OP_VALIDATE) snprintf(ratio_cpu, sizeof ratio_cpu, "%.3f", r);
        }
        char delta[32] = "";
        if (op != OP_EXPORT && st.peak_kib >= st.base_kib)
          snprintf(delta, sizeof delta, "%.2f", (double)(st.peak_kib - st.base_kib) * 1024.0 / (double)h->size);
        char counts[96] = "";
        stats rst;
        if (op == OP_WALK || op == OP_VALIDATE)
          snprintf(counts, sizeof counts, "%llu / %llu%s", (unsigned long long)st.keys,
                   (unsigned long long)st.values,
                   im != IMPL_REF && cell_stats(ref, (bench_op)op, &rst) &&
                           (rst.keys != st.keys || rst.values != st.values)
                       ? " (DIFFERS from ref)"
                       : "");
        char extra[96] = "";
        if (op == OP_SAVE)
          snprintf(extra, sizeof extra, " (save call: %.2f ms = %.0f MB/s; CPU %.2f ms = %.0f MB/s)",
                   (double)st.med_phase / 1e6, mbps(h->size, st.med_phase),
                   (double)st.med_phase_cpu / 1e6, mbps(h->size, st.med_phase_cpu));
        emit("| %s | %.1f | %s | %s | %.2f%s | %.2f-%.2f | %.2f | %.0f | %.1f | %s | %s | %s | %s |\n",
             h->label, mib, opn, imn, (double)st.med / 1e6, extra, (double)st.min / 1e6,
             (double)st.max / 1e6, (double)st.med_cpu / 1e6, mbps(h->size, st.med),
             (double)st.peak_kib / 1024.0, delta, ratio, ratio_cpu, counts);
      }
    }
  }
  emit("\n");
}

/* The targets, judged on these measurements. */
static void print_targets(const options *o, int nh) {
  if (o->callgrind) return;
  emit("## Targets\n\n");
  /* Walk on the largest real hive. */
  int largest = -1;
  for (int hi = 0; hi < nh; hi++) {
    stats st;
    if (g_hives[hi].generated || !cell_stats(&g_cells[hi][OP_WALK][IMPL_REF], OP_WALK, &st)) continue;
    if (largest < 0 || g_hives[hi].size > g_hives[largest].size) largest = hi;
  }
  if (largest >= 0) {
    const cell *ref = &g_cells[largest][OP_WALK][IMPL_REF];
    static const double want[IMPL_COUNT] = {0, 0.5, 0.05};
    for (int im = IMPL_HIVEX; im < IMPL_COUNT; im++) {
      int np = 0, npc = 0;
      double r = pair_ratio(ref, &g_cells[largest][OP_WALK][im], OP_WALK, 0, &np);
      double rc = pair_ratio(ref, &g_cells[largest][OP_WALK][im], OP_WALK, 1, &npc);
      if (np)
        emit("- walk on the largest real hive (%s, %.1f MiB): ref/%s = %.3f wall, %.3f CPU "
             "(target <= %.2f): %s\n",
             g_hives[largest].label, (double)g_hives[largest].size / 1048576.0,
             bench_impl_name((bench_impl)im), r, rc, want[im], r <= want[im] ? "MET" : "NOT MET");
    }
  }
  /* Throughput targets: the worst hive decides. */
  struct {
    bench_op op;
    double want;
    int phase; /* 0 op wall, 1 phase wall, 2 op CPU, 3 phase CPU */
    const char *what;
  } tp[] = {{OP_VALIDATE, 1000, 0, "validate only (HRCheckHive), wall"},
            {OP_VALIDATE, 1000, 2, "validate only (HRCheckHive), CPU"},
            {OP_SAVE, 500, 1, "save (ORSaveHive call alone), wall"},
            {OP_SAVE, 500, 3, "save (ORSaveHive call alone), CPU"},
            {OP_SAVE, 500, 0, "save (open + save + close), wall"}};
  for (size_t t = 0; t < sizeof tp / sizeof tp[0]; t++) {
    double worst = -1, best = 0;
    const char *wl = "";
    for (int hi = 0; hi < nh; hi++) {
      stats st;
      if (!cell_stats(&g_cells[hi][tp[t].op][IMPL_REF], tp[t].op, &st)) continue;
      uint64_t ns = tp[t].phase == 0 ? st.med : tp[t].phase == 1 ? st.med_phase
                    : tp[t].phase == 2 ? st.med_cpu : st.med_phase_cpu;
      double m = mbps(g_hives[hi].size, ns);
      if (worst < 0 || m < worst) worst = m, wl = g_hives[hi].label;
      if (m > best) best = m;
    }
    if (worst >= 0)
      emit("- %s: %.0f MB/s worst (%s), %.0f MB/s best (target >= %.0f MB/s): %s\n", tp[t].what,
           worst, wl, best, tp[t].want, worst >= tp[t].want ? "MET" : "NOT MET");
  }
  /* Memory after open. */
  double worst_abs = -1, worst_delta = -1;
  const char *wa = "", *wd = "";
  for (int hi = 0; hi < nh; hi++) {
    stats st;
    if (!cell_stats(&g_cells[hi][OP_OPEN][IMPL_REF], OP_OPEN, &st)) continue;
    double a = (double)st.peak_kib * 1024.0 / (double)g_hives[hi].size;
    double d = (double)(st.peak_kib - st.base_kib) * 1024.0 / (double)g_hives[hi].size;
    if (a > worst_abs) worst_abs = a, wa = g_hives[hi].label;
    if (d > worst_delta) worst_delta = d, wd = g_hives[hi].label;
  }
  if (worst_delta >= 0)
    emit("- memory after open: peak RSS minus start-up RSS <= %.2f x hive size (worst %s; absolute "
         "peak <= %.2f x, %s) (target <= 2x): %s\n",
         worst_delta, wd, worst_abs, wa, worst_delta <= 2.0 ? "MET" : "NOT MET");
  /* Scaling over the generated hives: time per MB, max/min. */
  for (int op = 0; op < OP_COUNT; op++) {
    double lo = 0, hi_ = 0, clo = 0, chi = 0;
    int n = 0;
    char curve[512] = "";
    for (int hi = 0; hi < nh; hi++) {
      stats st;
      if (!g_hives[hi].generated) continue;
      if (!cell_stats(&g_cells[hi][op][IMPL_REF], (bench_op)op, &st)) continue;
      double per = (double)st.med / 1e6 / ((double)g_hives[hi].size / 1e6);
      double cper = (double)st.med_cpu / 1e6 / ((double)g_hives[hi].size / 1e6);
      if (n == 0 || per < lo) lo = per;
      if (per > hi_) hi_ = per;
      if (n == 0 || cper < clo) clo = cper;
      if (cper > chi) chi = cper;
      size_t l = strlen(curve);
      snprintf(curve + l, sizeof curve - l, "%s%.0f MiB %.2f", n ? ", " : "",
               (double)g_hives[hi].size / 1048576.0, per);
      n++;
    }
    /* Judged on CPU time: on a shared machine the wall time of the large runs is dominated by
     * other processes (the wall figure is reported beside it). */
    if (n >= 2)
      emit("- scaling, ref %s: wall ms per MB %s; max/min %.2f CPU, %.2f wall (target <= 1.5, "
           "judged on CPU): %s\n",
           bench_op_name((bench_op)op), curve, chi / clo, hi_ / lo, chi / clo <= 1.5 ? "MET" : "NOT MET");
  }
  emit("\n");
}
