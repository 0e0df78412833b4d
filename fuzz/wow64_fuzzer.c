/*
 * wow64_fuzzer.c: the WOW64 module's mapping and string rewrite, and a write through a view on a
 * new hive (DESIGN.md §5 "wow64 rewrite"; ref/wow64/wow64.h; issue 7).
 *
 * Input: the control prefix of fuzz_common.h, then
 *   byte 0   OS generation (bit 0), process view (bits 1-2), KEY_WOW64_* flags (bits 3-4),
 *            HKCR resolution (bit 5), whether the hive part runs (bit 6)
 *   byte 1   number of path components (low 4 bits) and the rewrite prefix (high 4 bits)
 *   then one byte per component: a word of the dictionary below, or (high bit set) a raw name
 *   of (byte & 7) + 1 units taken from the input; the rest is the value data.
 * Properties:
 *  - HRW64MapPath returns a documented code; on success the physical path is re-parsed by
 *    HRW64UnmapPath; for a table-decided mapping without a symbolic link the inverse gives the
 *    64-bit-view spelling of the logical key, the same view and the same deciding row; mapping the
 *    physical path again in the same context is the identity (paths already name their node);
 *  - HRW64Rewrite never fails with room for the growth; the size grows by exactly 10 bytes when a
 *    %ProgramFiles% rule applied (the token's tail moves, nothing else changes) and is unchanged
 *    otherwise; the system32 rule changes exactly 8 units; with no growth room a growing rewrite
 *    gives ERROR_INSUFFICIENT_BUFFER and leaves the data untouched;
 *  - the hive part (HRW64OpenKey / HRW64SetValue / HRW64CloseKey / HRW64Audit) returns only
 *    documented codes, ERROR_NOT_ENOUGH_MEMORY exactly when an injected allocation failed, and
 *    leaks nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "../ref/wow64/wow64.h"
#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  return 0;
}

static const char *const k_words[] = {
    "HKLM", "HKCU", "HKCR", "HKU", "HKEY_LOCAL_MACHINE", "HKEY_CLASSES_ROOT", "SOFTWARE",
    "Classes", "Wow6432Node", "WowAA32Node", "CLSID", "AppID", "Interface", "Microsoft",
    "InprocServer32", "LocalServer32", "InprocHandler32", "Typelib", "PROTOCOLS", "Policies",
    "Windows NT", "CurrentVersion", "Console", "OLE", "S-1-5-21-1_Classes", "SYSTEM", "Media Type",
    "Shared Tools", "MSInfo", "Cryptography", "Calais", "Current", "{X}", "Hello"};
#define N_WORDS (sizeof k_words / sizeof k_words[0])

static const char *const k_prefixes[] = {"", "%ProgramFiles%", "%commonprogramfiles%",
                                         "%windir%\\system32", "%SystemRoot%\\System32\\",
                                         "C:\\Windows\\system32", "%SystemDrive%\\Windows\\SYSTEM32",
                                         "%ProgramFiles%\\x\\0"};


static bool documented(DWORD rc) {
  switch (rc) {
  case ERROR_SUCCESS: case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND:
  case ERROR_NOT_ENOUGH_MEMORY: case ERROR_NOT_SUPPORTED: case ERROR_INVALID_PARAMETER:
  case ERROR_INSUFFICIENT_BUFFER: case ERROR_FILENAME_EXCED_RANGE: case ERROR_BAD_PATHNAME:
  case ERROR_KEY_DELETED: case ERROR_INVALID_HANDLE:
    return true;
  default:
    return false;
  }
}

static bool wsame(const WCHAR *a, const WCHAR *b) {
  size_t i = 0;
  for (; a[i] && a[i] == b[i]; i++) {
  }
  return a[i] == b[i];
}

static void check_mapping(const HRW64Ctx *ctx, const WCHAR *logical) {
  static WCHAR out[HRW64_PATH_MAX], back[HRW64_PATH_MAX], canon[HRW64_PATH_MAX], again[HRW64_PATH_MAX];
  HRW64Decision d, u;
  DWORD rc = HRW64MapPath(ctx, logical, out, HRW64_PATH_MAX, &d);
  FZ_CHECK(documented(rc), "HRW64MapPath returned %s", HRErrorName(rc));
  if (rc) return;
  FZ_CHECK(d.row && d.row->number >= 1 && d.row->number <= HRW64_TABLE_ROWS, "no deciding row");
  rc = HRW64UnmapPath(ctx->os, out, back, HRW64_PATH_MAX, &u);
  FZ_CHECK(rc == ERROR_SUCCESS, "HRW64UnmapPath of a mapped path: %s", HRErrorName(rc));
  if (d.rule == HRW64_RULE_TABLE && !d.link) {
    HRW64Ctx c64 = *ctx;
    c64.process = HRW64_VIEW_64;
    c64.sam = 0;
    rc = HRW64MapPath(&c64, logical, canon, HRW64_PATH_MAX, NULL);
    FZ_CHECK(rc == ERROR_SUCCESS, "64-bit view mapping failed: %s", HRErrorName(rc));
    FZ_CHECK(wsame(canon, back), "unmap(map(p)) is not p");
    FZ_CHECK(u.placed == d.placed && u.row == d.row, "unmap gives another view or row");
  }
  if (!(ctx->os == HRW64_OS_VISTA && (ctx->sam & KEY_WOW64_64KEY))) {
    HRW64Ctx c = *ctx;
    c.hkcr_user = 0;
    rc = HRW64MapPath(&c, out, again, HRW64_PATH_MAX, NULL);
    FZ_CHECK(rc == ERROR_SUCCESS && wsame(again, out), "mapping a physical path again moved it");
  }
}

static void check_rewrite(const HRW64WriteCtx *w, DWORD type, const uint8_t *in, DWORD cb) {
  static uint8_t a[4096 + 32], b[4096 + 32];
  unsigned applied = 0, why = 0;
  memcpy(a, in, cb);
  DWORD n = cb;
  DWORD rc = HRW64Rewrite(w, type, a, &n, cb + HRW64_REWRITE_GROWTH, &applied, &why);
  FZ_CHECK(rc == ERROR_SUCCESS, "HRW64Rewrite: %s", HRErrorName(rc));
  bool grew = (applied & (HRW64_RW_PROGRAMFILES | HRW64_RW_COMMONPROGRAMFILES)) != 0;
  FZ_CHECK(n == cb + (grew ? HRW64_REWRITE_GROWTH : 0), "size %u from %u", n, cb);
  FZ_CHECK(applied || why, "no rule applied and no reason");
  if (grew) {
    size_t tok = (applied & HRW64_RW_PROGRAMFILES) ? 13 : 19; /* units before the closing % */
    FZ_CHECK(!memcmp(a, in, 2 * tok), "the token's head changed");
    FZ_CHECK(a[2 * tok] == '(' && a[2 * tok + 8] == ')', "no (x86)");
    if (!(applied & HRW64_RW_SYSTEM32))
      FZ_CHECK(!memcmp(a + 2 * tok + 10, in + 2 * tok, cb - 2 * tok), "bytes after the token changed");
  } else {
    size_t diff = 0;
    for (DWORD i = 0; i < cb; i++) diff += a[i] != in[i];
    FZ_CHECK((applied & HRW64_RW_SYSTEM32) ? (diff >= 1 && diff <= 16) : diff == 0,
             "%zu bytes changed", diff);
  }
  /* No room to grow. */
  memcpy(b, in, cb);
  n = cb;
  rc = HRW64Rewrite(w, type, b, &n, cb, &applied, &why);
  if (grew) {
    FZ_CHECK(rc == ERROR_INSUFFICIENT_BUFFER && n == cb && !memcmp(b, in, cb),
             "growing rewrite without room: %s", HRErrorName(rc));
  } else {
    FZ_CHECK(rc == ERROR_SUCCESS && n == cb && !memcmp(b, a, cb), "non-growing rewrite differs");
  }
}

static void hive_part(const fz_control *ctl, const HRW64Ctx *ctx, const WCHAR *logical,
                      const uint8_t *data, DWORD cb) {
  static HRW64Mount m;
  static HRW64Key k;
  static uint8_t buf[4096 + 32];
  fz_alloc alloc;
  HROpenOptions opt;
  ORHKEY root = NULL;
  fz_alloc_init(&alloc);
  fz_control c0 = *ctl;
  if (c0.mode != FZ_FAULT_BACKEND) c0.mode = FZ_FAULT_NONE, c0.nth = 0;
  fz_options(&opt, &c0, &alloc);
  DWORD rc = HRCreateHiveEx(&opt, &root);
  if (rc) {
    FZ_CHECK(rc == ERROR_NOT_ENOUGH_MEMORY, "HRCreateHiveEx: %s", HRErrorName(rc));
    fz_check_no_leaks(&alloc);
    return;
  }
  fz_faults fl = {root, &alloc};
  if (ctl->mode == FZ_FAULT_ENGINE && ctl->nth) HRSetAllocFailure(root, ctl->nth, ctl->repeat);
  if (ctl->mode == FZ_FAULT_BACKEND_LATER && ctl->nth) fz_alloc_arm(&alloc, ctl->nth, ctl->repeat);
  WCHAR mount[16] = {'H', 'K', 'L', 'M', '\\', 'S', 'O', 'F', 'T', 'W', 'A', 'R', 'E', 0};
  rc = HRW64MountInit(&m, root, mount, ctx->os);
  FZ_CHECK(rc == ERROR_SUCCESS, "mount: %s", HRErrorName(rc));
  uint64_t before = fz_failures(&fl);
  rc = HRW64OpenKey(&m, ctx, logical, 1, &k, NULL);
  fz_after(&fl, before, rc, "HRW64OpenKey");
  FZ_CHECK(documented(rc), "HRW64OpenKey: %s", HRErrorName(rc));
  if (rc == ERROR_SUCCESS) {
    memcpy(buf, data, cb);
    before = fz_failures(&fl);
    rc = HRW64SetValue(&k, u"v", REG_EXPAND_SZ, buf, cb, cb + HRW64_REWRITE_GROWTH, NULL, NULL);
    fz_after(&fl, before, rc, "HRW64SetValue");
    before = fz_failures(&fl);
    rc = HRW64CloseKey(&k);
    fz_after(&fl, before, rc, "HRW64CloseKey");
    FZ_CHECK(documented(rc), "HRW64CloseKey: %s", HRErrorName(rc));
  }
  before = fz_failures(&fl);
  rc = HRW64Audit(&m, NULL, NULL, NULL, NULL);
  fz_after(&fl, before, rc, "HRW64Audit");
  HRSetAllocFailure(root, 0, 0);
  fz_alloc_arm(&alloc, 0, false);
  ORCloseHive(root);
  fz_check_no_leaks(&alloc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_control ctl;
  static WCHAR path[HRW64_PATH_MAX];
  static uint8_t val[4096 + 32];
  if (!fz_control_parse(data, size, &ctl)) return 0;
  fz_rd r = {data + FZ_CONTROL_SIZE, size - FZ_CONTROL_SIZE};
  uint8_t b0 = fz_u8(&r), b1 = fz_u8(&r);
  HRW64Ctx ctx;
  ctx.os = (b0 & 1) ? HRW64_OS_VISTA : HRW64_OS_WIN7;
  ctx.process = (HRW64View)((b0 >> 1) & 3); /* 3 is invalid on purpose */
  ctx.sam = ((b0 >> 3) & 1 ? KEY_WOW64_64KEY : 0) | ((b0 >> 4) & 1 ? KEY_WOW64_32KEY : 0);
  ctx.hkcr_user = (b0 >> 5) & 1;
  size_t at = 0, ncomp = b1 & 15;
  for (size_t i = 0; i < ncomp && at + 64 < HRW64_PATH_MAX; i++) {
    uint8_t w = fz_u8(&r);
    if (i) path[at++] = '\\';
    if (w & 0x80) {
      for (size_t k = 0; k < (size_t)(w & 7) + 1u; k++) {
        uint8_t lo = fz_u8(&r), hi = fz_u8(&r);
        path[at++] = (WCHAR)(lo | (hi << 8));
      }
    } else {
      for (const char *s = k_words[w % N_WORDS]; *s; s++) path[at++] = (WCHAR)(unsigned char)*s;
    }
  }
  path[at] = 0;
  check_mapping(&ctx, path);

  /* Value data: a chosen prefix, then the rest of the input. */
  const char *pre = k_prefixes[(b1 >> 4) % (sizeof k_prefixes / sizeof k_prefixes[0])];
  DWORD cb = 0;
  for (; *pre && cb + 2 <= 4096; pre++) {
    char ch = *pre;
    if (ch == '\\' && pre[1] == '0') ch = 0, pre++;
    val[cb++] = (uint8_t)ch;
    val[cb++] = 0;
  }
  size_t rest = r.n < 4096 - cb ? r.n : 4096 - cb;
  memcpy(val + cb, r.p, rest);
  cb += (DWORD)rest;
  HRW64WriteCtx w = {ctx.os, ctx.process == 3 ? HRW64_VIEW_X86 : ctx.process, ctx.sam, (b0 >> 7) & 1, NULL};
  DWORD type = (b0 & 0x40) ? REG_EXPAND_SZ : REG_SZ;
  check_rewrite(&w, type, val, cb);

  if (b0 & 0x40) hive_part(&ctl, &ctx, path, val, cb);
  return 0;
}
