/*
 * cmd_info.c: `hiveref info [--json] HIVE`
 *
 * Opens the hive (full validation, as OROpenHive) and prints its base-block fields
 * (HRGetHiveInfo; field meanings from regf-format.md §2.1) and its key/value/security counts
 * (HRCheckHive's summary over the same bytes).  A rejected hive prints the error and the
 * diagnostic (rule, offset, message) and exits 1.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "hiveref.h"
#include "util.h"

static const char k_usage[] =
    "usage: hiveref info [--json] HIVE\n"
    "\n"
    "Prints the base block fields (sequence numbers and dirty state, format version, type,\n"
    "root cell, hive bins size, cluster, flags, timestamp, embedded file name) and the number\n"
    "of keys, values, value data bytes and security descriptors.\n"
    "\n"
    "      --json    one JSON object instead of the text table\n"
    "  -h, --help    this text\n"
    "Exit status: 0 success, 1 the hive was rejected or could not be read, 2 usage error.\n";

/* regf-format.md §2.1 Type. */
static const char *type_name(uint32_t t) {
  switch (t) {
  case 0: return "primary";
  case 1: return "transaction log (old format)";
  case 2: return "log (NT 3.51/4.0/2000)";
  case 6: return "transaction log (new format)";
  default: return "unknown";
  }
}

/* FILETIME (100 ns ticks since 1601-01-01 UTC) -> "YYYY-MM-DD HH:MM:SS UTC", or "-" for 0 or
 * a date outside what gmtime handles. */
static void format_filetime(uint64_t ft, char *out, size_t cap) {
  const uint64_t epoch_diff = 116444736000000000ull; /* 1601 -> 1970 in 100 ns ticks */
  if (ft < epoch_diff) {
    snprintf(out, cap, "-");
    return;
  }
  time_t secs = (time_t)((ft - epoch_diff) / 10000000ull);
  struct tm tm;
  if (gmtime_r(&secs, &tm) == NULL || strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
    snprintf(out, cap, "-");
}

/* The base block FileName field (UTF-16, zero-padded, not necessarily terminated) as UTF-8. */
static void file_name_utf8(const uint16_t *fn, char *out, size_t cap) {
  size_t n = 0;
  while (n < 32 && fn[n] != 0) n++;
  out[0] = '\0';
  if (n == 0) return;
  if (HRUtf16ToUtf8(fn, n, out, cap) == (size_t)-1) snprintf(out, cap, "?");
}

int cmd_info(int argc, char **argv) {
  int json = 0;
  const char *path = NULL;
  for (int i = 1; i < argc; i++) {
    if (cli_is_help(argv[i])) {
      fputs(k_usage, stdout);
      return CLI_EXIT_OK;
    }
    if (strcmp(argv[i], "--json") == 0) {
      json = 1;
    } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
      cli_msg("info: unknown option '%s'", argv[i]);
      fputs(k_usage, stderr);
      return CLI_EXIT_USAGE;
    } else if (path == NULL) {
      path = argv[i];
    } else {
      cli_msg("info: one hive at a time");
      return CLI_EXIT_USAGE;
    }
  }
  if (path == NULL) {
    cli_msg("info: no hive file given");
    fputs(k_usage, stderr);
    return CLI_EXIT_USAGE;
  }

  cli_file f;
  DWORD err = cli_read_file(path, &f);
  if (err != ERROR_SUCCESS) {
    cli_error(path, err, NULL);
    return CLI_EXIT_FAIL;
  }
  ORHKEY root = NULL;
  HRDiagnostic diag;
  memset(&diag, 0, sizeof diag);
  err = HROpenHiveFromMemory(f.data, f.size, NULL, &root, &diag);
  if (err != ERROR_SUCCESS) {
    cli_release_file(&f);
    cli_error(path, err, &diag);
    return CLI_EXIT_FAIL;
  }
  HRHiveInfo hi;
  HRCheckSummary s;
  memset(&hi, 0, sizeof hi);
  memset(&s, 0, sizeof s);
  err = HRGetHiveInfo(root, &hi);
  DWORD cerr = err == ERROR_SUCCESS ? HRCheckHive(f.data, f.size, NULL, NULL, NULL, &s) : err;
  ORCloseHive(root);
  cli_release_file(&f);
  if (err != ERROR_SUCCESS || cerr != ERROR_SUCCESS) {
    cli_error(path, err != ERROR_SUCCESS ? err : cerr, NULL);
    return CLI_EXIT_FAIL;
  }

  char ts[64], fname[200];
  format_filetime(hi.timestamp, ts, sizeof ts);
  file_name_utf8(hi.file_name, fname, sizeof fname);
  if (json) {
    fputs("{\"file\":", stdout);
    cli_json_string(stdout, path);
    printf(",\"file_size\":%llu,\"seq1\":%u,\"seq2\":%u,\"dirty\":%s,\"version\":\"%u.%u\"",
           (unsigned long long)hi.file_size, hi.seq1, hi.seq2, hi.dirty ? "true" : "false",
           hi.major, hi.minor);
    printf(",\"type\":%u,\"format\":%u,\"root_cell\":%u,\"length\":%u,\"cluster\":%u,"
           "\"flags\":%u,\"timestamp\":%llu,\"timestamp_utc\":",
           hi.type, hi.format, hi.root_cell, hi.length, hi.cluster, hi.flags,
           (unsigned long long)hi.timestamp);
    cli_json_string(stdout, ts);
    fputs(",\"file_name\":", stdout);
    cli_json_string(stdout, fname);
    printf(",\"keys\":%llu,\"values\":%llu,\"value_bytes\":%llu,\"security_descriptors\":%llu,"
           "\"warnings\":%llu}\n",
           (unsigned long long)s.keys, (unsigned long long)s.values,
           (unsigned long long)s.value_bytes, (unsigned long long)s.security_descriptors,
           (unsigned long long)s.findings_warn);
    return CLI_EXIT_OK;
  }
  printf("file:                 %s\n", path);
  printf("file size:            %llu\n", (unsigned long long)hi.file_size);
  printf("sequence numbers:     %u / %u (%s)\n", hi.seq1, hi.seq2, hi.dirty ? "dirty" : "clean");
  printf("format version:       %u.%u\n", hi.major, hi.minor);
  printf("type:                 %u (%s)\n", hi.type, type_name(hi.type));
  printf("format:               %u%s\n", hi.format, hi.format == 1 ? " (direct memory load)" : "");
  printf("root cell:            0x%x\n", hi.root_cell);
  printf("hive bins size:       %u (0x%x)\n", hi.length, hi.length);
  printf("cluster:              %u\n", hi.cluster);
  printf("flags:                0x%x\n", hi.flags);
  printf("timestamp:            %s (0x%016llx)\n", ts, (unsigned long long)hi.timestamp);
  printf("embedded file name:   %s\n", fname);
  printf("keys:                 %llu\n", (unsigned long long)s.keys);
  printf("values:               %llu\n", (unsigned long long)s.values);
  printf("value data bytes:     %llu\n", (unsigned long long)s.value_bytes);
  printf("security descriptors: %llu\n", (unsigned long long)s.security_descriptors);
  printf("warnings:             %llu\n", (unsigned long long)s.findings_warn);
  return CLI_EXIT_OK;
}
