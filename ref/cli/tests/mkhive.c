/*
 * mkhive.c: builds the CLI test hive through the public offreg API (ORCreateHive, ORCreateKey,
 * ORSetValue, ORSaveHive) and saves it to argv[1].  test_cli.py exports it and compares the
 * result with a .reg text written by hand from regedit's rules (ref/cli/regfmt.c).
 *
 * Contents (chosen to exercise the export rules):
 *  - root: default value REG_SZ "root default";
 *  - subkeys created in the order Zeta, alpha, _under, a b, Beta\Sub, so that Windows order
 *    (upcased compare: "A B" < "ALPHA" < "BETA" < "ZETA" < "_UNDER") differs from both creation
 *    order and a plain byte compare;
 *  - alpha: one value of every export form, in a stored order that is not sorted.
 * Exit: 0 saved; 77 when the engine cannot save yet (ERROR_CALL_NOT_IMPLEMENTED /
 * ERROR_NOT_SUPPORTED), so the caller skips; 1 on any other failure.
 */
#include <stdio.h>
#include <string.h>

#include "hiveref.h"
#include "offreg.h"

#define TRY(expr)                                                                  \
  do {                                                                             \
    DWORD _e = (expr);                                                             \
    if (_e != ERROR_SUCCESS) {                                                     \
      fprintf(stderr, "mkhive: %s: %s\n", #expr, HRErrorName(_e));                 \
      return 1;                                                                    \
    }                                                                              \
  } while (0)

static DWORD set_sz(ORHKEY h, const char *name, DWORD type, const char *utf8) {
  uint16_t w[256];
  size_t n = HRUtf8ToUtf16(utf8, strlen(utf8), w, 256);
  if (n == (size_t)-1) return ERROR_INVALID_PARAMETER;
  w[n] = 0;
  return HRSetValueUtf8(h, name, type, w, (DWORD)((n + 1) * 2));
}

static int build(ORHKEY root, const char *out) {
  ORHKEY zeta, alpha, under, ab, sub;
  TRY(set_sz(root, "", REG_SZ, "root default"));
  TRY(HRCreateKeyUtf8(root, "Zeta", &zeta, NULL));
  TRY(HRCreateKeyUtf8(root, "alpha", &alpha, NULL));
  TRY(HRCreateKeyUtf8(root, "_under", &under, NULL));
  TRY(HRCreateKeyUtf8(root, "a b", &ab, NULL));
  TRY(HRCreateKeyUtf8(root, "Beta\\Sub", &sub, NULL));

  TRY(set_sz(alpha, "s", REG_SZ, "quote\"back\\slash"));
  static const BYTE dw[] = {0xcd, 0xab, 0x34, 0x12};
  TRY(HRSetValueUtf8(alpha, "d", REG_DWORD, dw, 4));
  static const BYTE qw[] = {1, 2, 3, 4, 5, 6, 7, 8};
  TRY(HRSetValueUtf8(alpha, "q", REG_QWORD, qw, 8));
  BYTE bin[40];
  for (int i = 0; i < 40; i++) bin[i] = (BYTE)(i * 7);
  TRY(HRSetValueUtf8(alpha, "Binary Value", REG_BINARY, bin, 40));
  TRY(set_sz(alpha, "e", REG_EXPAND_SZ, "%SystemRoot%\\x"));
  static const BYTE multi[] = {'o', 0, 'n', 0, 'e', 0, 0, 0, 't', 0, 'w', 0, 'o', 0, 0, 0, 0, 0};
  TRY(HRSetValueUtf8(alpha, "m", REG_MULTI_SZ, multi, sizeof multi));
  TRY(HRSetValueUtf8(alpha, "n", REG_NONE, NULL, 0));
  static const BYTE one[] = {0x5a};
  TRY(HRSetValueUtf8(alpha, "x", 0x12345, one, 1));
  static const BYTE odd[] = {'a', 0, 'b'};
  TRY(HRSetValueUtf8(alpha, "odd", REG_SZ, odd, 3));
  TRY(set_sz(alpha, "", REG_SZ, "alpha default"));
  TRY(set_sz(sub, "caf\xc3\xa9", REG_SZ, "\xe2\x82\xac"));

  ORCloseKey(zeta);
  ORCloseKey(alpha);
  ORCloseKey(under);
  ORCloseKey(ab);
  ORCloseKey(sub);
  DWORD err = HRSaveHiveUtf8(root, out, 10, 0);
  if (err == ERROR_CALL_NOT_IMPLEMENTED || err == ERROR_NOT_SUPPORTED) {
    fprintf(stderr, "mkhive: saving not available yet (%s)\n", HRErrorName(err));
    return 77;
  }
  TRY(err);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: cli_mkhive OUT.hive\n");
    return 2;
  }
  ORHKEY root = NULL;
  DWORD err = ORCreateHive(&root);
  if (err != ERROR_SUCCESS) {
    fprintf(stderr, "mkhive: ORCreateHive: %s\n", HRErrorName(err));
    return err == ERROR_CALL_NOT_IMPLEMENTED ? 77 : 1;
  }
  int rc = build(root, argv[1]);
  ORCloseHive(root);
  return rc;
}
