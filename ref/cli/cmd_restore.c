/*
 * cmd_restore.c: `hiveref restore`: carry KeysNotToRestore keys and values from an existing
 * SYSTEM hive into a restored (backup) SYSTEM hive, offline (ref/restore/restore.h;
 * ../shared/spec/offreg-api.md §4.4-4.5).
 *
 *   hiveref restore --existing SYSTEM --restored SYSTEM.bak -o SYSTEM.new
 *                   [--dry-run] [--json] [--strict] [--target M.m]
 *
 * The plan is computed first and printed (text, or JSON with --json); --dry-run stops there.
 * Otherwise the plan is applied to the restored hive in memory and saved as a NEW file (-o;
 * never overwritten; neither input is modified).  Progress goes to stderr, only on a terminal.
 * Exit: 0 success; 1 failure (a hive rejected, apply or save failed) or, with --strict, any
 * skipped rule (then nothing is written); 2 usage error.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../restore/restore.h"
#include "cli.h"
#include "edit.h"
#include "hiveref.h"
#include "util.h"

static const char k_usage[] =
    "usage: hiveref restore --existing SYSTEM --restored SYSTEM.bak -o SYSTEM.new\n"
    "                       [--dry-run] [--json] [--strict] [--target M.m]\n"
    "\n"
    "Before a machine's SYSTEM hive is replaced by a backup, carries over what the running\n"
    "installation needs, as Windows backup tools do with KeysNotToRestore (learn.microsoft.com\n"
    ".../vss/registry-backup-and-restore-operations-under-vss): the REG_MULTI_SZ values under\n"
    "<ControlSet>\\Control\\BackupRestore\\KeysNotToRestore of BOTH hives are united, and each\n"
    "string is applied from the existing hive into the restored one by its last character:\n"
    "  ...\\   key replace: the existing key and subtree replace the restored key\n"
    "  ...\\*  key merge: existing subkeys missing from restored are added; for subkeys in both\n"
    "         the restored one is kept, except that a lower (or missing) Start value is carried\n"
    "  other  value preserve: the named value is copied (PendingFileRenameOperations intact)\n"
    "Strings may be absolute (HKEY_LOCAL_MACHINE\\SYSTEM\\...) or relative to HKLM\\SYSTEM;\n"
    "CurrentControlSet is resolved through each hive's own Select\\Current.  Malformed strings\n"
    "and missing sources are listed as skipped, never applied.\n"
    "  --existing F  the SYSTEM hive of the new installation (read only)\n"
    "  --restored F  the backup SYSTEM hive (read only)\n"
    "  -o F          the result: the restored hive with the preserved data (must not exist)\n"
    "  --dry-run     print the plan only (-o not needed)\n"
    "  --json        print the plan as JSON\n"
    "  --strict      exit 1 without writing when any rule is skipped\n"
    "  --target M.m  OS version to save for (default: from the restored hive's format)\n"
    "Exit status: 0 success, 1 failure (or skipped rules with --strict), 2 usage error.\n";

typedef struct opts {
  const char *existing, *restored, *out, *target;
  int dry_run, json, strict;
} opts;

static int parse_opts(int argc, char **argv, opts *o) {
  memset(o, 0, sizeof *o);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (cli_is_help(a)) return 1;
    if (!strcmp(a, "--existing") && v) o->existing = argv[++i];
    else if (!strcmp(a, "--restored") && v) o->restored = argv[++i];
    else if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && v) o->out = argv[++i];
    else if (!strcmp(a, "--target") && v) o->target = argv[++i];
    else if (!strcmp(a, "--dry-run")) o->dry_run = 1;
    else if (!strcmp(a, "--json")) o->json = 1;
    else if (!strcmp(a, "--strict")) o->strict = 1;
    else {
      cli_msg("restore: unexpected argument '%s'", a);
      return -1;
    }
  }
  if (!o->existing || !o->restored) {
    cli_msg("restore: --existing and --restored are required");
    return -1;
  }
  if (!o->dry_run && !o->out) {
    cli_msg("restore: -o OUTPUT is required (or --dry-run)");
    return -1;
  }
  return 0;
}

/* Progress on a terminal only (the plan on stdout stays clean for pipes). */
static void progress(void *ctx, size_t done, size_t total, uint64_t keys) {
  (void)ctx;
  fprintf(stderr, "\rhiveref: restore: entry %zu/%zu, %llu keys copied", done, total,
          (unsigned long long)keys);
  if (done == total) fputc('\n', stderr);
  fflush(stderr);
}

int cmd_restore(int argc, char **argv) {
  opts o;
  int r = parse_opts(argc, argv, &o);
  if (r == 1) {
    fputs(k_usage, stdout);
    return CLI_EXIT_OK;
  }
  if (r < 0) {
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }
  DWORD major = 0, minor = 0;
  if (o.target && cli_parse_os_version(o.target, &major, &minor) != 0) {
    cli_msg("restore: --target wants M.m (e.g. 10.0)");
    return CLI_EXIT_USAGE;
  }
  if (o.out && !o.dry_run && access(o.out, F_OK) == 0) {
    cli_error(o.out, ERROR_FILE_EXISTS, NULL); /* ORSaveHive never overwrites */
    return CLI_EXIT_FAIL;
  }
  ORHKEY ex = NULL, re = NULL;
  if (edit_open(o.existing, &ex) != ERROR_SUCCESS) return CLI_EXIT_FAIL;
  if (edit_open(o.restored, &re) != ERROR_SUCCESS) {
    ORCloseHive(ex);
    return CLI_EXIT_FAIL;
  }
  int rc = CLI_EXIT_OK;
  HRRestorePlan *plan = NULL;
  DWORD st = HRRestorePlanBuild(ex, re, &plan);
  if (st != ERROR_SUCCESS) {
    cli_error("restore: plan", st, NULL);
    rc = CLI_EXIT_FAIL;
  } else if (o.dry_run || (o.strict && plan->count[HRR_SKIP])) {
    HRRestorePlanPrint(plan, stdout, o.json);
    if (o.strict && plan->count[HRR_SKIP]) {
      cli_msg("restore: %zu rule(s) skipped (--strict)%s", plan->count[HRR_SKIP],
              o.dry_run ? "" : ": nothing written");
      rc = CLI_EXIT_FAIL;
    }
  } else {
    st = HRRestoreApply(plan, ex, re, isatty(2) ? progress : NULL, NULL);
    if (st != ERROR_SUCCESS) {
      cli_error("restore: apply", st, NULL);
      rc = CLI_EXIT_FAIL;
    } else {
      if (!o.target) {
        HRHiveInfo info;
        memset(&info, 0, sizeof info);
        HRGetHiveInfo(re, &info);
        edit_default_os(info.minor, &major, &minor);
      }
      if (edit_save(re, o.out, major, minor) != ERROR_SUCCESS) rc = CLI_EXIT_FAIL;
    }
    HRRestorePlanPrint(plan, stdout, o.json);
  }
  HRRestorePlanFree(plan);
  ORCloseHive(re);
  ORCloseHive(ex);
  return rc;
}
