/*
 * cmd_conformance.c: `hiveref conformance ...` runs the conformance suite.
 *
 * A thin wrapper: it execs the runner, conformance/runner/run.py (python3 standard library),
 * with `--build <this build tree>` followed by the user's arguments, so that
 * `hiveref conformance --adapter hivex --out results/` works from any directory.  The runner's
 * path and the build tree are compiled in by conformance/CMakeLists.txt; the environment
 * variable HIVEREF_CONFORMANCE_RUNNER overrides the runner (an installed copy, say).  Options
 * and exit status: conformance/README.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util.h"

#define MAX_ARGS 256

int cmd_conformance(int argc, char **argv) {
  const char *runner = getenv("HIVEREF_CONFORMANCE_RUNNER");
#ifdef HIVEREF_CONFORMANCE_RUNNER_PATH
  if (runner == NULL) runner = HIVEREF_CONFORMANCE_RUNNER_PATH;
#endif
  if (runner == NULL) {
    fputs("hiveref conformance: this build does not know where conformance/runner/run.py is;\n"
          "set HIVEREF_CONFORMANCE_RUNNER=/path/to/conformance/runner/run.py\n", stderr);
    return CLI_EXIT_USAGE;
  }
  if (argc > MAX_ARGS - 6) {
    fputs("hiveref conformance: too many arguments\n", stderr);
    return CLI_EXIT_USAGE;
  }
  /* python3 run.py [--build DIR] ARGS... NULL: a fixed array, no allocation. */
  char *args[MAX_ARGS];
  int n = 0;
  args[n++] = (char *)"python3";
  args[n++] = (char *)runner;
#ifdef HIVEREF_CONFORMANCE_BUILD_DIR
  args[n++] = (char *)"--build";
  args[n++] = (char *)HIVEREF_CONFORMANCE_BUILD_DIR;
#endif
  for (int i = 1; i < argc; i++) args[n++] = argv[i];
  args[n] = NULL;
  fflush(NULL);
  execvp(args[0], args);
  fprintf(stderr, "hiveref conformance: cannot run python3 %s\n", runner);
  return CLI_EXIT_FAIL;
}
