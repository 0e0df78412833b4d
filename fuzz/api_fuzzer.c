/*
 * api_fuzzer.c: the input selects a sequence of OR* calls with their arguments (names, types,
 * data, options, security descriptors) on a new hive (DESIGN.md §5; issue 6).
 *
 * Input: the control prefix of fuzz_common.h, then steps.  Each step is an opcode byte followed
 * by operands read from the input (names from a dictionary of registry-relevant words or raw
 * UTF-16, lengths at the documented limits, value sizes around the 16344-byte big-data
 * boundary).  Up to API_MAX_STEPS steps run on up to API_SLOTS open key handles (slot 0 is the
 * root).
 *
 * After every step:
 *  - each open key's ORQueryInfoKey counts equal what OREnumKey/OREnumValue enumerate;
 *  - every status is a documented Win32 code (HRErrorName knows it);
 *  - a successful write reads back: ORSetValue -> ORGetValue gives the same type and bytes,
 *    ORDeleteValue -> ERROR_FILE_NOT_FOUND, ORCreateKey -> OROpenKey finds it,
 *    ORSetVirtualFlags -> ORGetVirtualFlags returns it;
 *  - after a successful mutating step the hive validates: it is saved (fz_save), HRCheckHive
 *    reports zero findings, it reopens, and the reopened dump equals the live dump (unless a
 *    volatile key exists: save skips those).
 * Faults: control mode 2 fails an allocation inside HRCreateHiveEx; modes 1 (engine injection)
 * and 3 (backend) arm the fault just before the primary call of step (byte 3 % 64).  That call
 * must then return ERROR_NOT_ENOUGH_MEMORY and leave the hive unchanged (dump before == dump
 * after), and nothing may leak at close.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define API_MAX_STEPS 40
#define API_SLOTS 8
#define API_MAX_FULL_CHECKS 12
#define SI_ALL (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | \
                DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  return 0;
}

/* The input is read with fz_rd / fz_u8 / fz_u16 / fz_u32 (fuzz_common.h). */

/* ---- Names -------------------------------------------------------------------------------- */
#define NAME_CAP 16400u
static const WCHAR *const k_words[] = {
    u"a",         u"A",           u"b",        u"B",        u"Software", u"SOFTWARE",
    u"Microsoft", u"Wow6432Node", u"Classes",  u"\u00df",   u"\u00e9",   u"\u00c9",
    u"x\\y",      u"\\lead",      u"trail\\",  u"",         u"a\\b\\c",  u"SymbolicLinkValue",
    u"@",         u"\u03a9",      u"\u03c9",   u"\u00ff",   u"\u0178",   u"ROOT",
    u"..",        u".",           u" ",        u"\u0130",   u"i",        u"I",
    u"\U0001F600", u"CurrentControlSet"};
#define N_WORDS (sizeof k_words / sizeof k_words[0])

static size_t wlen(const WCHAR *s) {
  size_t n = 0;
  while (s[n]) n++;
  return n;
}

/* Fills out (NUL-terminated) from the input; returns false for "pass NULL". */
static bool get_name(fz_rd *r, WCHAR *out, bool value_name) {
  uint8_t kind = fz_u8(r);
  size_t n = 0;
  switch (kind % 9) {
    case 0: case 1: case 2: case 3: {
      const WCHAR *w = k_words[fz_u8(r) % N_WORDS];
      n = wlen(w);
      memcpy(out, w, n * sizeof(WCHAR));
      break;
    }
    case 4: { /* short ASCII-ish name from the input */
      size_t len = fz_u8(r) % 16;
      for (size_t i = 0; i < len; i++) out[n++] = (WCHAR)(fz_u8(r) & 0x7F);
      break;
    }
    case 5: { /* raw UTF-16 units (lone surrogates, NULs, anything) */
      size_t len = fz_u8(r) % 8;
      for (size_t i = 0; i < len; i++) out[n++] = fz_u16(r);
      break;
    }
    case 6: { /* at the length limits: key 255/256/257, value 16383/16384 */
      size_t base = value_name ? 16380 : 253;
      size_t len = base + fz_u8(r) % 6;
      WCHAR c = (kind & 0x80) ? 0x00E9 : 'k';
      for (size_t i = 0; i < len; i++) out[n++] = c;
      break;
    }
    case 7: { /* a two-level path */
      const WCHAR *a = k_words[fz_u8(r) % N_WORDS], *b = k_words[fz_u8(r) % N_WORDS];
      size_t la = wlen(a), lb = wlen(b);
      memcpy(out, a, la * sizeof(WCHAR));
      out[la] = '\\';
      memcpy(out + la + 1, b, lb * sizeof(WCHAR));
      n = la + 1 + lb;
      break;
    }
    default:
      return false;
  }
  out[n] = 0;
  return true;
}

/* The API takes a security descriptor without its length: the engine trusts the descriptor's
 * own offsets and sizes, bounded to components that fit one sk cell (api_path.c
 * api_sd_extent: below 1 MiB, R-C06), and reads at most a few bytes past that bound (an ACL's
 * size field, a SID's sub-authority count).  Descriptors are therefore built at the start of a
 * zeroed buffer of 1 MiB + 4 KiB: a caller passing a shorter buffer with offsets pointing past
 * it is the caller's bug, as with Windows' own RtlValidSecurityDescriptor.  Only the bytes
 * get_sd wrote are cleared again (g_sd_dirty), not the whole buffer per step. */
#define SD_BUF_SIZE ((1u << 20) + 0x1000u)
static uint8_t g_sd[SD_BUF_SIZE];
static size_t g_sd_dirty = SD_BUF_SIZE; /* bytes of g_sd that may be non-zero */

/* A self-relative security descriptor: a valid template (owner = group = BUILTIN\Administrators,
 * DACL with Everyone:KEY_READ), optionally perturbed, or raw bytes. */
static size_t get_sd(fz_rd *r, uint8_t *sd, size_t cap) {
  static const uint8_t tmpl[] = {
      1, 0, 0x04, 0x80, 20, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 52, 0, 0, 0,   /* header */
      1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0,                   /* owner S-1-5-32-544 */
      1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0,                   /* group */
      2, 0, 28, 0, 1, 0, 0, 0,                                              /* ACL rev 2, 1 ACE */
      0, 2, 20, 0, 0x19, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};      /* Everyone read */
  uint8_t kind = fz_u8(r) % 4;
  memset(sd, 0, g_sd_dirty);
  g_sd_dirty = 0;
  if (kind == 3) {
    size_t len = fz_u8(r) % 96;
    if (len > cap) len = cap;
    for (size_t i = 0; i < len; i++) sd[i] = fz_u8(r);
    g_sd_dirty = len;
    return len;
  }
  g_sd_dirty = sizeof tmpl;
  memcpy(sd, tmpl, sizeof tmpl);
  if (kind == 1) sd[fz_u8(r) % sizeof tmpl] = fz_u8(r);
  if (kind == 2) sd[2] |= fz_u8(r); /* control bits: SACL present, protected, ... */
  return sizeof tmpl;
}

/* ---- State -------------------------------------------------------------------------------- */
typedef struct api {
  ORHKEY slot[API_SLOTS];
  fz_alloc alloc;
  fz_faults faults;
  bool had_volatile;
  bool had_link;       /* a REG_OPTION_CREATE_LINK key exists: save refuses it until it holds
                          exactly one SymbolicLinkValue (R-D26), with ERROR_INVALID_DATA */
  int full_checks;
  bool trace;          /* HIVEREF_API_TRACE set: print every step (debugging a reproducer) */
  DWORD os_major, os_minor;
  WCHAR name[NAME_CAP], name2[NAME_CAP];
  uint8_t buf[70000];
} api;

static void check_status(DWORD rc, const char *what) {
  const char *n = HRErrorName(rc);
  FZ_CHECK(!(n[0] == 'E' && n[6] >= '0' && n[6] <= '9'), "%s returned an undocumented status "
           "%lu", what, (unsigned long)rc);
}

static ORHKEY key_at(api *a, uint8_t b) {
  ORHKEY h = a->slot[b % API_SLOTS];
  return h ? h : a->slot[0];
}

static void store(api *a, ORHKEY h, uint8_t b) {
  int s = -1;
  for (int i = 1; i < API_SLOTS; i++)
    if (!a->slot[i]) {
      s = i;
      break;
    }
  if (s < 0) {
    s = 1 + b % (API_SLOTS - 1);
    DWORD rc = ORCloseKey(a->slot[s]);
    FZ_CHECK(rc == ERROR_SUCCESS, "ORCloseKey of slot %d returned %s", s, HRErrorName(rc));
  }
  if (a->trace) fprintf(stderr, "api:   slot %d <- %p\n", s, h);
  a->slot[s] = h;
}

/* Enumeration counts of one key equal ORQueryInfoKey's. */
static void check_counts(api *a, ORHKEY h) {
  DWORD nsub = 0, nval = 0;
  uint64_t before = fz_failures(&a->faults);
  DWORD rc = ORQueryInfoKey(h, NULL, NULL, &nsub, NULL, NULL, &nval, NULL, NULL, NULL, NULL);
  fz_after(&a->faults, before, rc, "ORQueryInfoKey");
  if (rc != ERROR_SUCCESS) return; /* deleted key, or out of memory */
  DWORD i;
  for (i = 0; i <= nsub; i++) {
    DWORD cch = 300;
    rc = OREnumKey(h, i, a->name2, &cch, NULL, NULL, NULL);
    if (rc != ERROR_SUCCESS) break;
  }
  FZ_CHECK(rc == ERROR_NO_MORE_ITEMS && i == nsub, "OREnumKey stopped at %lu with %s, "
           "ORQueryInfoKey counts %lu subkeys", (unsigned long)i, HRErrorName(rc),
           (unsigned long)nsub);
  for (i = 0; i <= nval; i++) {
    DWORD cch = NAME_CAP;
    rc = OREnumValue(h, i, a->name2, &cch, NULL, NULL, NULL);
    if (rc != ERROR_SUCCESS) break;
  }
  FZ_CHECK(rc == ERROR_NO_MORE_ITEMS && i == nval, "OREnumValue stopped at %lu with %s, "
           "ORQueryInfoKey counts %lu values", (unsigned long)i, HRErrorName(rc),
           (unsigned long)nval);
}

/* The whole hive validates: save, zero findings, reopen, same dump. */
static void full_check(api *a) {
  if (a->full_checks >= API_MAX_FULL_CHECKS) return;
  a->full_checks++;
  uint8_t *img = NULL;
  size_t len = 0;
  DWORD rc = fz_save(a->slot[0], a->os_major, a->os_minor, &img, &len);
  if (rc == ERROR_INVALID_DATA && a->had_link) return;
  FZ_CHECK(rc == ERROR_SUCCESS, "ORSaveHive of the API-built hive returned %s", HRErrorName(rc));
  DWORD crc;
  /* R-F17 (type/size mismatch) is content the API lets a caller store (offreg keeps bytes). */
  uint64_t nf = fz_check_findings(img, len, FZ_CONTENT_F17, &crc, NULL, NULL);
  FZ_CHECK(crc == ERROR_SUCCESS && nf == 0, "saved API hive: %s with %llu finding(s)",
           HRErrorName(crc), (unsigned long long)nf);
  ORHKEY again = NULL;
  rc = HROpenHiveFromMemory(img, len, NULL, &again, NULL);
  FZ_CHECK(rc == ERROR_SUCCESS, "saved API hive does not reopen: %s (%s)", HRErrorName(rc),
           HRGetLastDiagnostic()->rule);
  if (!a->had_volatile) {
    fz_buf d0 = {0}, d1 = {0};
    fz_faults none = {again, NULL};
    FZ_CHECK(fz_walk(a->slot[0], &a->faults, &d0, NULL) == ERROR_SUCCESS, "walk failed");
    FZ_CHECK(fz_walk(again, &none, &d1, NULL) == ERROR_SUCCESS, "walk failed");
    FZ_CHECK(d0.len == d1.len && memcmp(d0.p, d1.p, d0.len) == 0,
             "the saved API hive reopens with different content:\n--- live\n%s--- reopened\n%s",
             d0.p, d1.p);
    fz_buf_free(&d0);
    fz_buf_free(&d1);
  }
  FZ_CHECK(ORCloseHive(again) == ERROR_SUCCESS, "ORCloseHive failed");
  free(img);
}

/* Runs one step.  armed: a fault is armed around the primary call.  Returns true if the step
 * changed the hive (successfully). */
static bool step(api *a, fz_rd *r, bool armed, fz_control *ctl) {
  uint8_t op = fz_u8(r) % 14;
  ORHKEY h = key_at(a, fz_u8(r));
  DWORD rc = ERROR_SUCCESS;
  bool mutating = false;
  uint64_t before = 0;
#define ARM()                                                                      \
  do {                                                                             \
    if (armed) {                                                                   \
      if (ctl->mode == FZ_FAULT_ENGINE) HRSetAllocFailure(a->slot[0], ctl->nth, ctl->repeat); \
      else fz_alloc_arm(&a->alloc, ctl->nth, ctl->repeat);                         \
    }                                                                              \
    before = fz_failures(&a->faults);                                              \
  } while (0)
#define DISARM(what)                                                               \
  do {                                                                             \
    if (a->trace) fprintf(stderr, "api: %-16s key %p -> %s\n", what, h, HRErrorName(rc)); \
    fz_after(&a->faults, before, rc, what);                                        \
    if (armed) {                                                                   \
      HRSetAllocFailure(a->slot[0], 0, 0);                                         \
      fz_alloc_arm(&a->alloc, 0, false);                                           \
    }                                                                              \
    check_status(rc, what);                                                        \
  } while (0)

  switch (op) {
    case 0: { /* ORCreateKey */
      bool have = get_name(r, a->name, false);
      bool with_class = (fz_u8(r) & 1) != 0;
      if (with_class) get_name(r, a->name2, true);
      uint8_t o = fz_u8(r);
      DWORD opts = (o & 0x40) ? (DWORD)fz_u32(r) : (DWORD)(o & 3);
      uint8_t *sdb = g_sd;
      size_t sdlen = (o & 0x80) ? get_sd(r, sdb, 128) : 0;
      ORHKEY nk = NULL;
      DWORD disp = 0;
      ARM();
      rc = ORCreateKey(h, have ? a->name : NULL, with_class ? a->name2 : NULL, opts,
                       sdlen ? sdb : NULL, &nk, &disp);
      DISARM("ORCreateKey");
      if (rc == ERROR_SUCCESS) {
        FZ_CHECK(nk != NULL, "ORCreateKey succeeded without a handle");
        FZ_CHECK(disp == REG_CREATED_NEW_KEY || disp == REG_OPENED_EXISTING_KEY,
                 "bad disposition %lu", (unsigned long)disp);
        if (opts & REG_OPTION_VOLATILE) a->had_volatile = true;
        if (opts & REG_OPTION_CREATE_LINK) a->had_link = true;
        mutating = disp == REG_CREATED_NEW_KEY;
        if (have) {
          ORHKEY chk = NULL;
          DWORD orc = OROpenKey(h, a->name, &chk);
          FZ_CHECK(orc == ERROR_SUCCESS || orc == ERROR_NOT_ENOUGH_MEMORY,
                   "created key not found by OROpenKey: %s", HRErrorName(orc));
          if (orc == ERROR_SUCCESS && chk != a->slot[0] && chk != h) ORCloseKey(chk);
        }
        store(a, nk, fz_u8(r));
      }
      break;
    }
    case 1: { /* OROpenKey */
      bool have = get_name(r, a->name, false);
      ORHKEY k = NULL;
      ARM();
      rc = OROpenKey(h, have ? a->name : NULL, &k);
      DISARM("OROpenKey");
      if (rc == ERROR_SUCCESS && k != h && k != a->slot[0]) store(a, k, fz_u8(r));
      break;
    }
    case 2: { /* ORCloseKey */
      uint8_t s = fz_u8(r) % API_SLOTS;
      ORHKEY k = a->slot[s] ? a->slot[s] : a->slot[0];
      ARM();
      rc = ORCloseKey(k);
      DISARM("ORCloseKey");
      if (k == a->slot[0]) {
        FZ_CHECK(rc == ERROR_INVALID_PARAMETER, "ORCloseKey(root) returned %s", HRErrorName(rc));
      } else {
        FZ_CHECK(rc == ERROR_SUCCESS, "ORCloseKey of an open handle returned %s", HRErrorName(rc));
        a->slot[s] = NULL;
      }
      break;
    }
    case 3: { /* ORDeleteKey */
      bool have = get_name(r, a->name, false);
      ARM();
      rc = ORDeleteKey(h, have ? a->name : NULL);
      DISARM("ORDeleteKey");
      mutating = rc == ERROR_SUCCESS;
      if (rc == ERROR_SUCCESS && have && a->name[0]) {
        ORHKEY k = NULL;
        DWORD orc = OROpenKey(h, a->name, &k);
        FZ_CHECK(orc != ERROR_SUCCESS, "deleted key still opens");
      }
      break;
    }
    case 4: { /* ORSetValue */
      bool have = get_name(r, a->name, true);
      uint8_t t = fz_u8(r);
      DWORD type = (t & 0x80) ? fz_u32(r) : (DWORD)(t % 12);
      uint8_t lk = fz_u8(r);
      size_t len;
      switch (lk % 5) {
        case 0: len = lk >> 3; break;
        case 1: len = (lk & 8) ? 8 : 4; break;
        case 2: len = 16336 + fz_u8(r) % 16; break;
        case 3: len = 16344u * (1 + fz_u8(r) % 4) + (fz_u8(r) % 3); break;
        default: len = fz_u16(r) % sizeof a->buf; break;
      }
      uint8_t fill = fz_u8(r);
      for (size_t i = 0; i < len; i++) a->buf[i] = (uint8_t)(fill + i * 7);
      /* fill & 7 leading data bytes come from the input (a DWORD, a short string ...). */
      for (size_t i = 0; i < (size_t)(fill & 7); i++) {
        uint8_t b = fz_u8(r);
        if (i < len) a->buf[i] = b;
      }
      ARM();
      rc = ORSetValue(h, have ? a->name : NULL, type, len ? a->buf : NULL, (DWORD)len);
      DISARM("ORSetValue");
      mutating = rc == ERROR_SUCCESS;
      if (rc == ERROR_SUCCESS) {
        static uint8_t back[sizeof ((api *)0)->buf];
        DWORD gt = 0, gcb = sizeof back;
        DWORD grc = ORGetValue(h, NULL, have ? a->name : NULL, &gt, back, &gcb);
        FZ_CHECK(grc == ERROR_SUCCESS, "ORGetValue after ORSetValue returned %s",
                 HRErrorName(grc));
        /* ORGetValue NUL-terminates string data stored without a terminator when the buffer
         * allows (offreg-api.md §1.12): a pad byte for odd sizes plus up to two NUL characters. */
        bool str = type == REG_SZ || type == REG_EXPAND_SZ || type == REG_MULTI_SZ;
        bool same = gt == type && memcmp(back, a->buf, len < gcb ? len : gcb) == 0 &&
                    (gcb == len || (str && gcb > len && gcb <= len + 5));
        for (size_t i = len; same && i < gcb; i++) same = back[i] == 0;
        FZ_CHECK(same, "value reads back as type %lu, %lu bytes; written type %lu, %zu bytes",
                 (unsigned long)gt, (unsigned long)gcb, (unsigned long)type, len);
      }
      break;
    }
    case 5: { /* ORDeleteValue */
      bool have = get_name(r, a->name, true);
      ARM();
      rc = ORDeleteValue(h, have ? a->name : NULL);
      DISARM("ORDeleteValue");
      mutating = rc == ERROR_SUCCESS;
      if (rc == ERROR_SUCCESS) {
        DWORD grc = ORGetValue(h, NULL, have ? a->name : NULL, NULL, NULL, NULL);
        FZ_CHECK(grc == ERROR_FILE_NOT_FOUND, "deleted value: ORGetValue returned %s",
                 HRErrorName(grc));
      }
      break;
    }
    case 6: { /* ORGetValue with an input-chosen buffer */
      bool sub = get_name(r, a->name2, false) && (fz_u8(r) & 1);
      bool have = get_name(r, a->name, true);
      DWORD type = 0, cb = fz_u16(r) % sizeof a->buf;
      bool nodata = (fz_u8(r) & 3) == 0;
      ARM();
      rc = ORGetValue(h, sub ? a->name2 : NULL, have ? a->name : NULL, &type,
                      nodata ? NULL : a->buf, &cb);
      DISARM("ORGetValue");
      break;
    }
    case 7: { /* OREnumKey with an input-chosen buffer */
      DWORD idx = fz_u8(r), cch = fz_u8(r) % 300, ccls = fz_u8(r);
      FILETIME ft;
      ARM();
      rc = OREnumKey(h, idx, a->name, &cch, (ccls & 1) ? a->name2 : NULL,
                     (ccls & 1) ? &ccls : NULL, &ft);
      DISARM("OREnumKey");
      break;
    }
    case 8: { /* OREnumValue with input-chosen buffers */
      DWORD idx = fz_u8(r), cch = fz_u16(r) % NAME_CAP, type = 0, cb = fz_u16(r) % sizeof a->buf;
      ARM();
      rc = OREnumValue(h, idx, a->name, &cch, &type, (cb & 1) ? a->buf : NULL, &cb);
      DISARM("OREnumValue");
      break;
    }
    case 9: { /* ORQueryInfoKey with an input-chosen class buffer */
      DWORD ccls = fz_u8(r), n[7];
      FILETIME ft;
      ARM();
      rc = ORQueryInfoKey(h, (ccls & 1) ? a->name : NULL, (ccls & 1) ? &ccls : NULL, &n[0], &n[1],
                          &n[2], &n[3], &n[4], &n[5], &n[6], &ft);
      DISARM("ORQueryInfoKey");
      break;
    }
    case 10: { /* ORSetKeySecurity */
      SECURITY_INFORMATION si = fz_u8(r);
      si = (si & 0x3F) | ((si & 0xC0) ? ((DWORD)(si & 0xC0) << 24) : 0);
      uint8_t *sdb = g_sd;
      size_t sdlen = get_sd(r, sdb, 128);
      ARM();
      rc = ORSetKeySecurity(h, si, sdlen ? sdb : NULL);
      DISARM("ORSetKeySecurity");
      mutating = rc == ERROR_SUCCESS;
      if (rc == ERROR_SUCCESS) {
        DWORD cb = 0;
        DWORD grc = ORGetKeySecurity(h, SI_ALL, NULL, &cb);
        FZ_CHECK(grc == ERROR_INSUFFICIENT_BUFFER || grc == ERROR_SUCCESS,
                 "ORGetKeySecurity after a set returned %s", HRErrorName(grc));
      }
      break;
    }
    case 11: { /* ORSetVirtualFlags */
      DWORD flags = fz_u8(r);
      flags = (flags & 0x80) ? (flags << 24) | flags : (flags & 0x0E);
      ARM();
      rc = ORSetVirtualFlags(h, flags);
      DISARM("ORSetVirtualFlags");
      mutating = rc == ERROR_SUCCESS;
      if (rc == ERROR_SUCCESS) {
        DWORD got = 0;
        DWORD grc = ORGetVirtualFlags(h, &got);
        FZ_CHECK(grc == ERROR_SUCCESS && got == flags, "ORGetVirtualFlags returned %s/%lx after "
                 "setting %lx", HRErrorName(grc), (unsigned long)got, (unsigned long)flags);
      }
      break;
    }
    case 12: { /* ORRenameKey */
      bool have = get_name(r, a->name, false);
      ARM();
      rc = ORRenameKey(h, have ? a->name : NULL);
      DISARM("ORRenameKey");
      mutating = rc == ERROR_SUCCESS;
      break;
    }
    default: { /* explicit full validation, also under an armed fault */
      uint8_t *img = NULL;
      size_t len = 0;
      ARM();
      rc = fz_save(a->slot[0], a->os_major, a->os_minor, &img, &len);
      DISARM("ORSaveHive");
      free(img);
      mutating = rc == ERROR_SUCCESS;
      break;
    }
  }
#undef ARM
#undef DISARM
  return mutating;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const DWORD targets[4][2] = {{10, 0}, {6, 1}, {5, 1}, {6, 3}};
  fz_control ctl;
  if (!fz_control_parse(data, size, &ctl)) return 0;
  api *a = calloc(1, sizeof *a);
  FZ_CHECK(a != NULL, "fuzzer-side out of memory");
  fz_alloc_init(&a->alloc);
  a->trace = getenv("HIVEREF_API_TRACE") != NULL;
  a->os_major = targets[ctl.target_bits & 3u][0];
  a->os_minor = targets[ctl.target_bits & 3u][1];
  HROpenOptions opt;
  fz_control create_ctl = ctl;
  if (ctl.mode != FZ_FAULT_BACKEND) create_ctl.mode = FZ_FAULT_NONE;
  fz_options(&opt, &create_ctl, &a->alloc);
  DWORD rc = HRCreateHiveEx(&opt, &a->slot[0]);
  if (a->alloc.injected) {
    FZ_CHECK(rc == ERROR_NOT_ENOUGH_MEMORY, "HRCreateHiveEx returned %s after an injected "
             "failure", HRErrorName(rc));
  }
  if (rc != ERROR_SUCCESS) {
    FZ_CHECK(rc == ERROR_NOT_ENOUGH_MEMORY, "HRCreateHiveEx returned %s", HRErrorName(rc));
    fz_check_no_leaks(&a->alloc);
    free(a);
    return 0;
  }
  fz_alloc_arm(&a->alloc, 0, false);
  a->faults.hive = a->slot[0];
  a->faults.alloc = &a->alloc;

  fz_rd r = {data + FZ_CONTROL_SIZE, size - FZ_CONTROL_SIZE};
  unsigned armed_step = ctl.target_byte % 64;
  bool fault_later = ctl.mode == FZ_FAULT_ENGINE || ctl.mode == FZ_FAULT_BACKEND_LATER;
  for (unsigned s = 0; s < API_MAX_STEPS && r.n > 0; s++) {
    bool armed = fault_later && s == armed_step;
    fz_buf before = {0};
    if (armed) {
      FZ_CHECK(fz_walk(a->slot[0], &a->faults, &before, NULL) == ERROR_SUCCESS, "walk failed");
    }
    uint64_t f0 = fz_failures(&a->faults);
    bool changed = step(a, &r, armed, &ctl);
    if (armed && fz_failures(&a->faults) > f0) {
      /* The step failed with ERROR_NOT_ENOUGH_MEMORY (fz_after checked): nothing changed. */
      fz_buf after = {0};
      FZ_CHECK(fz_walk(a->slot[0], &a->faults, &after, NULL) == ERROR_SUCCESS, "walk failed");
      FZ_CHECK(before.len == after.len && memcmp(before.p, after.p, before.len) == 0,
               "a call that ran out of memory changed the hive:\n--- before\n%s--- after\n%s",
               before.p, after.p);
      fz_buf_free(&after);
    }
    fz_buf_free(&before);
    for (int i = 0; i < API_SLOTS; i++)
      if (a->slot[i]) check_counts(a, a->slot[i]);
    if (changed) full_check(a);
  }
  a->full_checks = 0;
  full_check(a);
  for (int i = 1; i < API_SLOTS; i++)
    if (a->slot[i]) ORCloseKey(a->slot[i]);
  FZ_CHECK(ORCloseHive(a->slot[0]) == ERROR_SUCCESS, "ORCloseHive failed");
  fz_check_no_leaks(&a->alloc);
  free(a);
  return 0;
}
