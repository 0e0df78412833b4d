/*
 * test_wow64_cli.c: `hiveref wow64 map|set|audit` end to end (ref/cli/cmd_wow64.c), with the
 * CLI's allocation audit on (HIVEREF_AUDIT=1).  The CLI binary is ../hiveref relative to the
 * test's working directory (build/ref/tests); the test skips when it is absent.  The set/audit
 * test uses a real UsrClass.dat from ../shared/hives and skips when that is absent.
 */
#include "test.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *k_cli = "../hiveref";

/* Runs `HIVEREF_AUDIT=1 ../hiveref ARGS`, captures stdout into out; returns the exit status. */
static int run(const char *args, char *out, size_t cap) {
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "HIVEREF_AUDIT=1 %s %s 2>/dev/null", k_cli, args);
  FILE *p = popen(cmd, "r");
  if (!p) return -1;
  size_t n = fread(out, 1, cap - 1, p);
  out[n] = 0;
  int st = pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool have_cli(void) {
  struct stat st;
  return stat(k_cli, &st) == 0;
}

static void test_cli_map(void) {
  static char out[8192];
  if (!have_cli()) {
    test_skip("hiveref CLI not built");
    return;
  }
  CHECK_EQ_U(run("wow64 map 'HKCR\\CLSID\\{X}\\LocalServer32' --view 32 --os vista --mount 'HKLM\\SOFTWARE'",
                 out, sizeof out), 0);
  CHECK(strstr(out, "HKLM\\SOFTWARE\\Classes\\Wow6432Node\\CLSID\\{X}\\LocalServer32\n") == out);
  CHECK(strstr(out, "class=reflected") != NULL);
  CHECK(strstr(out, "row 5:") != NULL);
  CHECK(strstr(out, "hive path: Classes\\Wow6432Node\\CLSID\\{X}\\LocalServer32") != NULL);
  CHECK_EQ_U(run("wow64 map 'HKLM\\Software\\Hello' --view arm32", out, sizeof out), 0);
  CHECK(strstr(out, "HKLM\\Software\\WowAA32Node\\Hello\n") == out);
  CHECK_EQ_U(run("wow64 map 'HKLM\\SOFTWARE\\Wow6432Node\\Policies\\X' --unmap", out, sizeof out), 0);
  CHECK(strstr(out, "HKLM\\SOFTWARE\\Policies\\X\n") == out);
  CHECK(strstr(out, "placed=32 class=shared") != NULL);
  /* Both KEY_WOW64 flags: the documented error, exit 1. */
  CHECK_EQ_U(run("wow64 map 'HKLM\\SOFTWARE\\X' --view 32 --sam both", out, sizeof out), 1);
  /* Usage errors: exit 2. */
  CHECK_EQ_U(run("wow64 map 'HKLM\\SOFTWARE\\X'", out, sizeof out), 2);
  CHECK_EQ_U(run("wow64 map X --view 16", out, sizeof out), 2);
  CHECK_EQ_U(run("wow64 frob", out, sizeof out), 2);
  CHECK_EQ_U(run("wow64 --help", out, sizeof out), 0);
  CHECK(strstr(out, "usage: hiveref wow64 map") != NULL);
}

static void test_cli_set_audit_real(void) {
  static char out[16384], args[2048];
  if (!have_cli()) {
    test_skip("hiveref CLI not built");
    return;
  }
  const char *hive = test_shared_hive("plaso/test_data/regf/UsrClass.dat");
  struct stat st;
  if (!hive || stat(hive, &st) != 0) {
    test_skip("../shared/hives UsrClass.dat absent");
    return;
  }
  char o1[128], o2[128];
  snprintf(o1, sizeof o1, "/tmp/hiveref_wow64_cli_%d_a.dat", (int)getpid());
  snprintf(o2, sizeof o2, "/tmp/hiveref_wow64_cli_%d_b.dat", (int)getpid());
  unlink(o1);
  unlink(o2);
  /* Windows 7: a 32-bit write of a CLSID lands under Wow6432Node, %ProgramFiles% rewritten. */
  snprintf(args, sizeof args,
           "wow64 set '%s' --mount 'HKCU\\Software\\Classes' --view 32 "
           "'HKCR\\CLSID\\{11111111-2222-3333-4444-555555555555}\\LocalServer32' '' REG_EXPAND_SZ "
           "'%%ProgramFiles%%\\Vendor\\srv.exe' -o %s", hive, o1);
  CHECK_EQ_U(run(args, out, sizeof out), 0);
  CHECK(strstr(out, "physical: HKCU\\SOFTWARE\\Classes\\Wow6432Node\\CLSID\\{11111111-2222-3333-4444-555555555555}\\LocalServer32") != NULL);
  CHECK(strstr(out, "rewrote %ProgramFiles%") != NULL);
  snprintf(args, sizeof args, "wow64 audit %s --mount 'HKCU\\Software\\Classes'", o1);
  CHECK_EQ_U(run(args, out, sizeof out), 0);
  CHECK(strstr(out, " keys, 0 findings") != NULL);
  /* Before Windows 7: reflected on close into the 64-bit view, system32 -> syswow64. */
  snprintf(args, sizeof args,
           "wow64 set '%s' --mount 'HKCU\\Software\\Classes' --os vista --view 32 "
           "'HKCR\\CLSID\\{11111111-2222-3333-4444-555555555555}\\LocalServer32' '' REG_SZ "
           "'C:\\Windows\\System32\\x.exe' -o %s", hive, o2);
  CHECK_EQ_U(run(args, out, sizeof out), 0);
  CHECK(strstr(out, "rewrote system32 -> syswow64") != NULL);
  CHECK(strstr(out, "reflected to the other view on close") != NULL);
  ORHKEY root;
  REQUIRE_OK(HROpenHiveUtf8(o2, NULL, &root, NULL));
  uint8_t data[128];
  DWORD type = 0, cb = sizeof data;
  CHECK_ERR(ORGetValue(root, W("CLSID\\{11111111-2222-3333-4444-555555555555}\\LocalServer32"), W(""),
                       &type, data, &cb), ERROR_SUCCESS);
  CHECK(cb == 52 && data[22] == 's' && data[24] == 'y' && data[26] == 's' && data[28] == 'w');
  ORCloseHive(root);
  /* An audit finding gives exit 1: a copy of a shared key under Wow6432Node (Windows 7). */
  unlink(o1);
  snprintf(args, sizeof args,
           "wow64 set '%s' --mount 'HKCU\\Software\\Classes' --view 64 'Wow6432Node\\txtfile' x REG_DWORD 1 -o %s",
           hive, o1);
  CHECK_EQ_U(run(args, out, sizeof out), 0);
  snprintf(args, sizeof args, "wow64 audit %s --mount 'HKCU\\Software\\Classes'", o1);
  CHECK_EQ_U(run(args, out, sizeof out), 1);
  CHECK(strstr(out, "W64-A1\tHKCU\\Software\\Classes\\Wow6432Node\\txtfile") != NULL);
  unlink(o1);
  unlink(o2);
}

int main(void) {
  TEST_RUN(test_cli_map);
  TEST_RUN(test_cli_set_audit_real);
  return test_finish();
}
