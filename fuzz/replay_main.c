/*
 * replay_main.c: the one replay driver every fuzz target links when it is built without a
 * fuzzing engine (STYLE.md item 18; libgit2 fuzzers/standalone_driver.c, zstd's
 * regression_driver.c).  It needs no clang: the gcc build and ctest use it to run each target
 * over fuzz/corpora/<target>/ and fuzz/regressions/<target>/.
 *
 * Usage: <target>_replay [-bench=SECONDS] [-quiet] FILE|DIR...
 *   Every regular file named (directories: every regular file inside, not recursive; names
 *   starting with '.' and README* are skipped) is passed to LLVMFuzzerTestOneInput once.
 *   Other arguments starting with '-' are ignored, so libFuzzer-style flags are harmless.
 *   -bench=S replays the whole set repeatedly for S seconds and prints exec/s (the benchmark
 *   of ci/fuzz.sh --bench; a plain-binary figure, no engine overhead).
 * Exit status 0 when every input ran (a violated invariant aborts the process instead).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz_common.h"

typedef struct input {
  char *path;
  uint8_t *data;
  size_t size;
} input;

static input *g_in;
static size_t g_n, g_cap;

static void add_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    exit(2);
  }
  struct stat st;
  if (fstat(fileno(f), &st) != 0) exit(2);
  size_t n = (size_t)st.st_size;
  uint8_t *buf = malloc(n ? n : 1);
  if (!buf || fread(buf, 1, n, f) != n) {
    fprintf(stderr, "replay: cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  if (g_n == g_cap) {
    g_cap = g_cap ? 2 * g_cap : 64;
    g_in = realloc(g_in, g_cap * sizeof *g_in);
    if (!g_in) exit(2);
  }
  g_in[g_n].path = strdup(path);
  g_in[g_n].data = buf;
  g_in[g_n].size = n;
  g_n++;
}

static int cmp_path(const void *a, const void *b) {
  return strcmp(((const input *)a)->path, ((const input *)b)->path);
}

static void add_arg(const char *arg) {
  struct stat st;
  if (stat(arg, &st) != 0) return; /* a missing corpus directory is an empty one */
  if (S_ISREG(st.st_mode)) {
    add_file(arg);
    return;
  }
  if (!S_ISDIR(st.st_mode)) return;
  DIR *d = opendir(arg);
  if (!d) return;
  struct dirent *e;
  size_t first = g_n;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || strncmp(e->d_name, "README", 6) == 0) continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", arg, e->d_name);
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) add_file(path);
  }
  closedir(d);
  qsort(g_in + first, g_n - first, sizeof *g_in, cmp_path); /* deterministic order */
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  double bench = 0;
  int quiet = 0;
  LLVMFuzzerInitialize(&argc, &argv);
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "-bench=", 7) == 0) bench = atof(argv[i] + 7);
    else if (strcmp(argv[i], "-quiet") == 0) quiet = 1;
    else if (argv[i][0] != '-') add_arg(argv[i]);
  }
  for (size_t i = 0; i < g_n; i++) {
    if (!quiet) fprintf(stderr, "replay: %s (%zu bytes)\n", g_in[i].path, g_in[i].size);
    /* An exact-size copy: ASan sees any read past the end, as under libFuzzer. */
    uint8_t *copy = malloc(g_in[i].size ? g_in[i].size : 1);
    memcpy(copy, g_in[i].data, g_in[i].size);
    LLVMFuzzerTestOneInput(copy, g_in[i].size);
    free(copy);
  }
  printf("replay: %zu input(s) ran clean\n", g_n);
  if (bench > 0 && g_n > 0) {
    unsigned long long execs = 0;
    size_t bytes = 0;
    double t0 = now_s(), t;
    do {
      for (size_t i = 0; i < g_n; i++) {
        LLVMFuzzerTestOneInput(g_in[i].data, g_in[i].size);
        bytes += g_in[i].size;
      }
      execs += g_n;
      t = now_s();
    } while (t - t0 < bench);
    printf("bench: %llu execs in %.2f s = %.0f exec/s (%zu inputs, mean %.1f KiB)\n", execs,
           t - t0, (double)execs / (t - t0), g_n, (double)bytes / (double)execs / 1024.0);
  }
  for (size_t i = 0; i < g_n; i++) {
    free(g_in[i].path);
    free(g_in[i].data);
  }
  free(g_in);
  return 0;
}
