/*
 * cmd_convert.c: `hiveref convert IN OUT --os M.m`
 *
 * Opens IN (full validation) and saves it with ORSaveHive for the target OS, which picks the
 * format (save.h: 5.1/5.2 -> regf 1.3 with lf lists; 6.0 and later -> 1.5 with lh lists and
 * big data).  OUT must not exist (ORSaveHive never overwrites).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "edit.h"
#include "hiveref.h"
#include "util.h"

static const char k_usage[] =
    "usage: hiveref convert IN OUT --os M.m\n"
    "\n"
    "Rewrites hive IN as a fresh, compact hive OUT for the target Windows version\n"
    "(5.1, 5.2 -> format 1.3; 6.0, 6.1, 6.2, 6.3, 10.0 -> format 1.5).  OUT must not exist.\n"
    "\n"
    "      --os M.m   target Windows version (required)\n"
    "  -h, --help     this text\n"
    "Exit status: 0 success, 1 IN rejected or the save failed, 2 usage error.\n";

int cmd_convert(int argc, char **argv) {
  const char *in = NULL, *out = NULL, *os = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      fputs(k_usage, stdout);
      return CLI_EXIT_OK;
    }
    if (strcmp(a, "--os") == 0 && i + 1 < argc) os = argv[++i];
    else if (a[0] == '-' && a[1] != '\0') {
      cli_msg("convert: unknown option or missing argument '%s'", a);
      fputs(k_usage, stderr);
      return CLI_EXIT_USAGE;
    } else if (in == NULL) in = a;
    else if (out == NULL) out = a;
    else {
      cli_msg("convert: unexpected argument '%s'", a);
      return CLI_EXIT_USAGE;
    }
  }
  DWORD major, minor;
  if (in == NULL || out == NULL || os == NULL) {
    cli_msg("convert: need IN, OUT and --os M.m");
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }
  if (cli_parse_os_version(os, &major, &minor) != 0) {
    cli_msg("convert: --os wants M.m (e.g. 10.0, 6.1, 5.1), got '%s'", os);
    return CLI_EXIT_USAGE;
  }
  ORHKEY root = NULL;
  if (edit_open(in, &root) != ERROR_SUCCESS) return CLI_EXIT_FAIL;
  DWORD err = edit_save(root, out, major, minor);
  ORCloseHive(root);
  return err == ERROR_SUCCESS ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
