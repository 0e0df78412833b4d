/*
 * cmd_rm.c: `hiveref rm HIVE KEY [NAME] -o OUT [--os M.m]`
 *
 * Deletes a value (NAME given; "" is the default value) or a key with its whole subtree
 * (bottom-up, offreg-api.md §1.8: offreg has no ORDeleteTree), then saves the result as OUT.
 * Deleting something that does not exist is an error (exit 1), unlike a .reg import.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "climem.h"
#include "edit.h"
#include "hiveref.h"
#include "util.h"

static const char k_usage[] =
    "usage: hiveref rm HIVE KEY [NAME] -o OUT [--os M.m]\n"
    "\n"
    "Without NAME deletes KEY and all its subkeys; with NAME deletes that value of KEY\n"
    "(NAME \"\" is the default value).  Writes the result to OUT (must not exist).\n"
    "\n"
    "  -o, --output OUT  the hive file to create (required)\n"
    "      --os M.m      target Windows version (default: 5.1 for a format 1.3 hive, else 10.0)\n"
    "  -h, --help        this text\n"
    "Exit status: 0 success, 1 not found or engine error, 2 usage error.\n";

int cmd_rm(int argc, char **argv) {
  const char *pos[3] = {NULL, NULL, NULL};
  const char *out = NULL, *os = NULL;
  int npos = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (cli_is_help(a)) {
      fputs(k_usage, stdout);
      return CLI_EXIT_OK;
    }
    if ((strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) && i + 1 < argc) out = argv[++i];
    else if (strcmp(a, "--os") == 0 && i + 1 < argc) os = argv[++i];
    else if (a[0] == '-' && a[1] != '\0') {
      cli_msg("rm: unknown option or missing argument '%s'", a);
      fputs(k_usage, stderr);
      return CLI_EXIT_USAGE;
    } else if (npos < 3) pos[npos++] = a;
    else {
      cli_msg("rm: unexpected argument '%s'", a);
      return CLI_EXIT_USAGE;
    }
  }
  if (npos < 2 || out == NULL) {
    cli_msg("rm: need HIVE, KEY and -o OUT");
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }
  DWORD major = 10, minor = 0;
  if (os != NULL && cli_parse_os_version(os, &major, &minor) != 0) {
    cli_msg("rm: --os wants M.m (e.g. 10.0, 6.1, 5.1), got '%s'", os);
    return CLI_EXIT_USAGE;
  }
  ORHKEY root = NULL;
  if (edit_open(pos[0], &root) != ERROR_SUCCESS) return CLI_EXIT_FAIL;
  int rc = CLI_EXIT_FAIL;
  if (os == NULL) {
    HRHiveInfo hi;
    memset(&hi, 0, sizeof hi);
    if (HRGetHiveInfo(root, &hi) == ERROR_SUCCESS) edit_default_os(hi.minor, &major, &minor);
  }
  size_t klen = 0;
  uint16_t *key = cli_utf16_from_utf8(pos[1], &klen);
  DWORD err;
  if (key == NULL) {
    cli_msg("rm: invalid UTF-8 in KEY");
    ORCloseHive(root);
    return CLI_EXIT_USAGE;
  }
  if (npos == 3) {
    ORHKEY h = root;
    err = strspn(pos[1], "\\") == strlen(pos[1]) ? ERROR_SUCCESS : HROpenKeyUtf8(root, pos[1], &h);
    if (err == ERROR_SUCCESS) {
      err = HRDeleteValueUtf8(h, pos[2]);
      if (h != root) ORCloseKey(h);
    }
    if (err != ERROR_SUCCESS) cli_error("rm: deleting the value", err, NULL);
  } else {
    err = edit_delete_tree(root, key, klen);
    if (err != ERROR_SUCCESS) cli_error("rm: deleting the key", err, NULL);
  }
  if (err == ERROR_SUCCESS && edit_save(root, out, major, minor) == ERROR_SUCCESS) rc = CLI_EXIT_OK;
  cli_free(key, (klen + 1) * sizeof(uint16_t));
  ORCloseHive(root);
  return rc;
}
