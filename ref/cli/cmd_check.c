/*
 * cmd_check.c: `hiveref check [--quiet|--json] HIVE...`
 *
 * Validates each file with HRCheckHive (hiveref.h "Checking"): every rule of regf-format.md §8
 * that fails is printed with its id, severity, file offset and message, then one verdict line
 * per file.  Exit 0 when every file is accepted, 1 when any is rejected or unreadable, 2 on a
 * usage error.  With several files and stderr on a terminal, a progress line is drawn there.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "hiveref.h"
#include "util.h"

static const char k_usage[] =
    "usage: hiveref check [--quiet | --json] HIVE...\n"
    "\n"
    "Validates each hive file against every rule of the regf format (rule ids R-A01..R-J08 as in\n"
    "spec/regf-format.md) without building the tree, and reports every finding.\n"
    "\n"
    "  -q, --quiet   print only findings that reject and the verdict of rejected files\n"
    "      --json    one JSON object per file per line: file, status (ok | rejected),\n"
    "                error, version, dirty, counts and\n"
    "                findings[] {rule, severity, offset, message}\n"
    "  -h, --help    this text\n"
    "\n"
    "Output (text): one line per finding, then one verdict line per file:\n"
    "  FILE: reject R-B03 at 0x1000: message\n"
    "  FILE: ok: format 1.5, clean, 1234 keys, 5678 values, 0 warnings\n"
    "  FILE: rejected: ERROR_NOT_REGISTRY_FILE (1 reject, 0 warn)\n"
    "Exit status: 0 all accepted, 1 any rejected or unreadable, 2 usage error.\n";

/* The progress line on stderr is erased before anything goes to stdout, so that the two never
 * share a terminal line. */
static int g_progress_shown;

static void progress_clear(void) {
  if (g_progress_shown) {
    fputs("\r\033[K", stderr);
    g_progress_shown = 0;
  }
}

typedef struct check_ctx {
  const char *file;
  int quiet, json;
  int nfindings;    /* JSON: findings printed so far (comma placement) */
} check_ctx;

static const char *sev_name(HRSeverity s) {
  switch (s) {
  case HR_SEV_REJECT: return "reject";
  case HR_SEV_WARN: return "warn";
  default: return "info";
  }
}

static void on_finding(void *vctx, const HRFinding *fi) {
  check_ctx *c = vctx;
  progress_clear();
  if (c->json) {
    fputs(c->nfindings ? "," : "", stdout);
    fputs("{\"rule\":", stdout);
    cli_json_string(stdout, fi->rule);
    printf(",\"severity\":\"%s\",\"offset\":", sev_name(fi->severity));
    if (fi->offset == UINT64_MAX) fputs("null", stdout);
    else printf("%llu", (unsigned long long)fi->offset);
    fputs(",\"message\":", stdout);
    cli_json_string(stdout, fi->message);
    fputc('}', stdout);
    c->nfindings++;
    return;
  }
  if (c->quiet && fi->severity != HR_SEV_REJECT) return;
  printf("%s: %s %s at ", c->file, sev_name(fi->severity), fi->rule ? fi->rule : "-");
  if (fi->offset == UINT64_MAX) fputs("-", stdout);
  else printf("0x%llx", (unsigned long long)fi->offset);
  printf(": %s\n", fi->message ? fi->message : "");
}

static int check_one(const char *path, int quiet, int json) {
  check_ctx c = {path, quiet, json, 0};
  cli_file f;
  HRCheckSummary s;
  memset(&s, 0, sizeof s);
  DWORD err = cli_read_file(path, &f);
  if (json) {
    progress_clear();
    fputs("{\"file\":", stdout);
    cli_json_string(stdout, path);
    fputs(",\"findings\":[", stdout);
  }
  if (err == ERROR_SUCCESS) {
    err = HRCheckHive(f.data, f.size, NULL, on_finding, &c, &s);
    cli_release_file(&f);
  }
  int ok = err == ERROR_SUCCESS;
  progress_clear();
  if (json) {
    printf("],\"status\":\"%s\",\"error\":\"%s\"", ok ? "ok" : "rejected", HRErrorName(err));
    printf(",\"version\":\"%u.%u\",\"dirty\":%s", s.major, s.minor, s.dirty ? "true" : "false");
    printf(",\"keys\":%llu,\"values\":%llu,\"value_bytes\":%llu,\"security_descriptors\":%llu",
           (unsigned long long)s.keys, (unsigned long long)s.values,
           (unsigned long long)s.value_bytes, (unsigned long long)s.security_descriptors);
    printf(",\"reject\":%llu,\"warn\":%llu,\"info\":%llu}\n",
           (unsigned long long)s.findings_reject, (unsigned long long)s.findings_warn,
           (unsigned long long)s.findings_info);
  } else if (ok) {
    if (!quiet)
      printf("%s: ok: format %u.%u, %s, %llu keys, %llu values, %llu warnings\n", path, s.major,
             s.minor, s.dirty ? "dirty" : "clean", (unsigned long long)s.keys,
             (unsigned long long)s.values, (unsigned long long)s.findings_warn);
  } else {
    printf("%s: rejected: %s (%llu reject, %llu warn)\n", path, HRErrorName(err),
           (unsigned long long)s.findings_reject, (unsigned long long)s.findings_warn);
  }
  return ok;
}

int cmd_check(int argc, char **argv) {
  int quiet = 0, json = 0, first = argc, i;
  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0) {
      first = i + 1;
      break;
    }
    if (cli_is_help(a)) {
      fputs(k_usage, stdout);
      return CLI_EXIT_OK;
    }
    if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) quiet = 1;
    else if (strcmp(a, "--json") == 0) json = 1;
    else if (a[0] == '-' && a[1] != '\0') {
      cli_msg("check: unknown option '%s'", a);
      fputs(k_usage, stderr);
      return CLI_EXIT_USAGE;
    } else {
      first = i;
      break;
    }
  }
  if (first >= argc) {
    cli_msg("check: no hive file given");
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }
  int n = argc - first, rejected = 0;
  int progress = n > 1 && isatty(STDERR_FILENO);
  for (i = first; i < argc; i++) {
    if (progress) {
      fprintf(stderr, "\r\033[K[%d/%d] %s", i - first + 1, n, argv[i]);
      fflush(stderr);
      g_progress_shown = 1;
    }
    if (!check_one(argv[i], quiet, json)) rejected++;
    fflush(stdout);
  }
  progress_clear();
  if (n > 1 && !json && !quiet) printf("%d files: %d ok, %d rejected\n", n, n - rejected, rejected);
  return rejected ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}
