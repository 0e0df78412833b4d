/*
 * main.c: the hiveref command-line tool: dispatch, global --help/--version, and the
 * end-of-command allocation audit.
 *
 * The CLI is a client of libhiveref through ref/include only (DESIGN.md §6).  With the
 * environment variable HIVEREF_AUDIT=1 (the CLI tests set it) main() checks after the command
 * that the CLI's own allocator and the engine's process-wide counters are back to zero and that
 * no hive was closed with a leak, and exits 3 otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "climem.h"
#include "hiveref.h"
#include "util.h"

typedef struct command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *summary;
} command;

static const command k_commands[] = {
    {"check", cmd_check, "validate hive files and print every finding (rule, offset, message)"},
    {"info", cmd_info, "print the base block fields and the key/value counts of a hive"},
    {"export", cmd_export, "export a key and its subkeys as a regedit .reg file"},
    {"import", cmd_import, "build a hive from a .reg file (optionally on top of a base hive)"},
    {"convert", cmd_convert, "rewrite a hive for another Windows version (format 1.3 / 1.5)"},
    {"set", cmd_set, "set one value (creating the key) and save as a new hive"},
    {"rm", cmd_rm, "delete a key with its subkeys, or one value, and save as a new hive"},
    {"wow64", cmd_wow64, "WOW64 views: map a path, write through a view, audit a hive's placement"},
    {"restore", cmd_restore, "carry KeysNotToRestore keys/values from an existing SYSTEM hive into a backup"},
    {"conformance", cmd_conformance, "run the conformance suite on adapters (conformance/README.md)"},
    {"bench", cmd_bench, "measure hiveref against hivex and libregf on hives (conformance/bench)"},
};

static void usage(FILE *f) {
  fputs("usage: hiveref COMMAND [OPTIONS] ARGS...\n"
        "       hiveref --help | --version\n"
        "\n"
        "hiveref is the reference implementation of the Windows Offline Registry Library\n"
        "(offreg.dll): it reads, validates and writes registry hive (regf) files.\n"
        "\n"
        "Commands:\n",
        f);
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
    fprintf(f, "  %-12s %s\n", k_commands[i].name, k_commands[i].summary);
  fputs("\n"
        "`hiveref COMMAND --help` describes a command.  Exit status: 0 success, 1 a hive was\n"
        "rejected or an operation failed, 2 usage error.  Errors print the Win32 error name and\n"
        "the engine's diagnostic (rule id, file offset, message).\n",
        f);
}

/* The optional leak audit (see the file comment). */
static int audit(int rc) {
  const char *env = getenv("HIVEREF_AUDIT");
  if (env == NULL || strcmp(env, "1") != 0) return rc;
  uint64_t bytes = 0, blocks = 0;
  HRGetProcessMemStats(&bytes, &blocks);
  if (cli_mem_live_blocks() != 0 || blocks != 0 || HRLeakedHiveCount() != 0) {
    fprintf(stderr,
            "hiveref: audit: leak: cli %llu blocks (%llu bytes), engine %llu blocks "
            "(%llu bytes), %llu leaked hives\n",
            (unsigned long long)cli_mem_live_blocks(), (unsigned long long)cli_mem_live_bytes(),
            (unsigned long long)blocks, (unsigned long long)bytes,
            (unsigned long long)HRLeakedHiveCount());
    return CLI_EXIT_INTERNAL;
  }
  return rc;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  if (cli_is_help(cmd) || strcmp(cmd, "help") == 0) {
    usage(stdout);
    return CLI_EXIT_OK;
  }
  if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
    DWORD major = 0, minor = 0;
    ORGetVersion(&major, &minor);
    printf("%s (offreg API %u.%u)\n", HRVersionString(), major, minor);
    return CLI_EXIT_OK;
  }
  for (size_t i = 0; i < sizeof k_commands / sizeof k_commands[0]; i++)
    if (strcmp(cmd, k_commands[i].name) == 0) {
      int rc = k_commands[i].run(argc - 1, argv + 1);
      if (fflush(stdout) != 0 && rc == CLI_EXIT_OK) {
        cli_msg("write error on standard output");
        rc = CLI_EXIT_FAIL;
      }
      return audit(rc);
    }
  cli_msg("unknown command '%s' (see hiveref --help)", cmd);
  return CLI_EXIT_USAGE;
}
