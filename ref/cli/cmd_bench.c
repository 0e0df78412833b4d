/*
 * cmd_bench.c: `hiveref bench [--impl ref,hivex,libregf] [--op walk,...] [--runs N] HIVE...`
 * measures hiveref against libhivex and libregf on the user's hives and prints the Markdown
 * table of conformance/bench (median/min/max wall time, MB/s, peak RSS, ref/other ratios).
 *
 * A thin wrapper: the benchmark is the program conformance/bench builds (hiveref-bench), which
 * links the third-party libraries when they are installed; the CLI itself never links them, so
 * it builds without them and the benchmark reports those implementations as unavailable.  The
 * program's path is compiled in by conformance/bench/CMakeLists.txt; the environment variable
 * HIVEREF_BENCH overrides it.  Options: `hiveref bench --help` (the program's own usage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

#define MAX_ARGS 256

int cmd_bench(int argc, char **argv) {
  const char *prog = getenv("HIVEREF_BENCH");
#ifdef HIVEREF_BENCH_PATH
  if (prog == NULL) prog = HIVEREF_BENCH_PATH;
#endif
  if (prog == NULL) {
    fputs("hiveref bench: this build has no benchmark program (conformance/bench was not\n"
          "configured); set HIVEREF_BENCH=/path/to/hiveref-bench\n", stderr);
    return CLI_EXIT_USAGE;
  }
  if (argc > MAX_ARGS - 2) {
    fputs("hiveref bench: too many arguments\n", stderr);
    return CLI_EXIT_USAGE;
  }
  /* prog ARGS... NULL: a fixed array, no allocation. */
  char *args[MAX_ARGS];
  int n = 0;
  args[n++] = (char *)prog;
  for (int i = 1; i < argc; i++) args[n++] = argv[i];
  args[n] = NULL;
  fflush(NULL);
  execv(prog, args);
  fprintf(stderr, "hiveref bench: cannot run %s\n", prog);
  return CLI_EXIT_FAIL;
}
