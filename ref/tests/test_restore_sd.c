/*
 * test_restore_sd.c: what the restore module (ref/restore) can carry from a loaded hive through
 * the public API, for input the OR* API cannot produce itself: security descriptors at the edges
 * of what the loader accepts (R-H06, ref/src/secdesc.c), key names of 256 units and names with
 * embedded NULs (R-D04), and virtualization bit 0x1 (the loader keeps the 4-bit field,
 * ORSetVirtualFlags takes 2, 4 and 8).  Hives are built with hivebuild.c, opened from memory,
 * and restored by HRRestorePlanBuild/HRRestoreApply (BEHAVIOUR.md "## Restore rules": "Security
 * descriptors", "Flags and names the API cannot write").
 *
 * The descriptor table is the evidence for the question "can a descriptor the loader accepts be
 * refused by ORCreateKey/ORSetKeySecurity?": every row is first proved to be accepted by the
 * loader unchanged (the key reads back the exact bytes: a refused sk would be healed to the
 * root's descriptor, R-H06), then set on new keys through both calls, compared part by part,
 * saved and reloaded.  The answer is no: the restore has no fallback for a refused descriptor.
 */
#include <stdlib.h>
#include <string.h>

#include "../restore/restore.h"
#include "api_testlib.h"
#include "bytes.h"
#include "hivebuild.h"
#include "layout.h"

/* ---- descriptor building (MS-DTYP 2.4.2 SID, 2.4.4 ACE, 2.4.5 ACL, 2.4.6 SD) -------------- */

#define SE_SELF_REL 0x8000u
#define SE_DACL_PRES 0x0004u
#define SE_SACL_PRES 0x0010u
#define SI_ALL (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | \
                DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION)

/* SID S-1-auth-sub[0]-...: 8 + 4 * n bytes at p. */
static uint32_t put_sid(uint8_t *p, uint8_t auth, uint8_t n, uint32_t first) {
  memset(p, 0, 8u + 4u * n);
  p[0] = 1;
  p[1] = n;
  p[7] = auth;
  for (uint8_t i = 0; i < n; i++) put32(p + 8 + 4 * i, first + i);
  return 8u + 4u * n;
}

static void put_acl(uint8_t *p, uint8_t rev, uint16_t size, uint16_t count) {
  memset(p, 0, 8);
  p[0] = rev;
  put16(p + 2, size);
  put16(p + 4, count);
}

/* A basic ACE (types 0..3): header, mask, SID S-1-5-n (n sub-authorities). */
static uint16_t put_basic_ace(uint8_t *p, uint8_t type, uint8_t nsub) {
  uint16_t size = (uint16_t)(8u + 8u + 4u * nsub);
  p[0] = type;
  p[1] = 0x02; /* CONTAINER_INHERIT_ACE */
  put16(p + 2, size);
  put32(p + 4, 0x20019); /* KEY_READ */
  put_sid(p + 8, 5, nsub, 18);
  return size;
}

static void sd_header(uint8_t *sd, uint16_t control, uint32_t owner, uint32_t group,
                      uint32_t sacl, uint32_t dacl) {
  memset(sd, 0, 20);
  sd[0] = 1;
  put16(sd + 2, control);
  put32(sd + 4, owner);
  put32(sd + 8, group);
  put32(sd + 12, sacl);
  put32(sd + 16, dacl);
}

typedef struct sd_case {
  const char *name;
  uint8_t *sd;                 /* libc, len bytes */
  uint32_t len;
} sd_case;

/* The largest descriptor an sk cell holds: a cell is at most REGF_CELL_MAX bytes with its 4-byte
 * size field (R-C06), the sk record has SK_FIXED_SIZE bytes before the descriptor (R-H03). */
#define SD_MAX_IN_CELL (REGF_CELL_MAX - CELL_HEADER_SIZE - SK_FIXED_SIZE)

static uint8_t *zalloc(size_t n) {
  uint8_t *p = calloc(1, n);
  if (!p) abort();
  return p;
}

/* Fills cases[]; returns the count.  Each row is a descriptor RtlValidRelativeSecurityDescriptor
 * accepts (secdesc.c), built to sit at one edge of the checks. */
static size_t build_cases(sd_case *c) {
  size_t n = 0;
  uint8_t *sd;
  uint32_t o;

  /* Owner + DACL with one ACE (the common shape). */
  c[n] = (sd_case){"default", zalloc(sizeof hb_default_sd), sizeof hb_default_sd};
  memcpy(c[n++].sd, hb_default_sd, sizeof hb_default_sd);

  /* The last component is a SID with no sub-authority (8 bytes): the loader needs sizeof(SID) =
   * 12 bytes at the offset, so the descriptor carries 4 more (commit ab0446a). */
  sd = zalloc(56);
  sd_header(sd, SE_SELF_REL | SE_DACL_PRES, 28, 44, 0, 20);
  put_acl(sd + 20, 2, 8, 0);
  put_sid(sd + 28, 5, 2, 32);
  put_sid(sd + 44, 0, 0, 0);
  c[n++] = (sd_case){"group-sid-no-subauthority-last", sd, 56};
  sd = zalloc(36);
  sd_header(sd, SE_SELF_REL, 24, 0, 0, 0);
  put_sid(sd + 24, 1, 0, 0); /* owner S-1-1, bytes 20..23 unused */
  c[n++] = (sd_case){"owner-sid-no-subauthority-gap-before", sd, 36};

  /* Header only: no owner, no group, no ACL. */
  sd = zalloc(20);
  sd_header(sd, SE_SELF_REL, 0, 0, 0, 0);
  c[n++] = (sd_case){"header-only", sd, 20};

  /* NULL DACL and NULL SACL (PRESENT with offset 0), Sbz1 set, every other control bit set. */
  sd = zalloc(32);
  sd_header(sd, 0xFFFF, 20, 0, 0, 0);
  sd[1] = 0xA5;
  put_sid(sd + 20, 5, 1, 18);
  c[n++] = (sd_case){"null-acls-all-control-bits", sd, 32};

  /* DACL/SACL offsets that are garbage but not PRESENT: never looked at. */
  sd = zalloc(32);
  sd_header(sd, SE_SELF_REL, 20, 20, 0xFFFFFFF0u, 3);
  put_sid(sd + 20, 5, 1, 18);
  c[n++] = (sd_case){"acl-offsets-without-present-bit", sd, 32};

  /* Owner and group share one SID; SACL and DACL share one ACL. */
  sd = zalloc(20 + 28 + 12);
  sd_header(sd, SE_SELF_REL | SE_DACL_PRES | SE_SACL_PRES, 48, 48, 20, 20);
  put_acl(sd + 20, 2, 28, 1);
  put_basic_ace(sd + 28, 0, 1);
  put_sid(sd + 48, 5, 1, 18);
  c[n++] = (sd_case){"shared-components", sd, 60};

  /* Reverse order (group, owner, DACL, SACL), SID of 15 sub-authorities, ACL revision 4 with
   * slack after its ACEs, SYSTEM_AUDIT and SYSTEM_ALARM ACEs, an object ACE with both GUIDs,
   * an ACE of an unknown type with AceSize 6 (only its header is checked) and a mandatory-label
   * ACE. */
  sd = zalloc(512);
  o = 20;
  uint32_t group = o;
  o += put_sid(sd + o, 5, 15, 1);
  uint32_t owner = o;
  o += put_sid(sd + o, 5, 2, 32);
  uint32_t dacl = o;
  {
    uint32_t a = dacl + 8;
    a += put_basic_ace(sd + a, 1, 1);          /* ACCESS_DENIED */
    uint8_t *obj = sd + a;                      /* ACCESS_ALLOWED_OBJECT: 4+4+4+16+16+SID(12) */
    obj[0] = 5;
    put16(obj + 2, 56);
    put32(obj + 4, 0x100);
    put32(obj + 8, 3);
    memset(obj + 12, 0x11, 32);
    put_sid(obj + 44, 5, 1, 18);
    a += 56;
    put_acl(sd + dacl, 4, (uint16_t)(a - dacl + 16), 2); /* 16 bytes of slack */
    o = a + 16;
  }
  uint32_t sacl = o;
  {
    uint32_t a = sacl + 8;
    a += put_basic_ace(sd + a, 2, 1);          /* SYSTEM_AUDIT */
    a += put_basic_ace(sd + a, 3, 0);          /* SYSTEM_ALARM, SID without sub-authority */
    sd[a] = 0x7F;                               /* unknown type, 6 bytes */
    put16(sd + a + 2, 6);
    a += 6;
    a += put_basic_ace(sd + a, 0x11, 1);       /* SYSTEM_MANDATORY_LABEL (header checks only) */
    put_acl(sd + sacl, 2, (uint16_t)(a - sacl), 4);
    o = a;
  }
  o = (o + 3u) & ~3u;
  sd_header(sd, SE_SELF_REL | SE_DACL_PRES | SE_SACL_PRES | 0x1400, owner, group, sacl, dacl);
  c[n++] = (sd_case){"reverse-order-every-ace-kind", sd, o};

  /* Bytes after the last component (the sk's DescriptorLength is larger than the descriptor). */
  sd = zalloc(64 + 40);
  memcpy(sd, hb_default_sd, 64);
  memset(sd + 64, 0xEE, 40);
  c[n++] = (sd_case){"trailing-bytes", sd, 104};

  /* A component at offset 0x10000, after a gap of zeros. */
  sd = zalloc(0x10000 + 16);
  sd_header(sd, SE_SELF_REL, 0x10000, 0, 0, 0);
  put_sid(sd + 0x10000, 5, 2, 32);
  c[n++] = (sd_case){"owner-at-0x10000", sd, 0x10000 + 16};

  /* Descriptors larger than 64 KiB whose components lie past offset 0x10000: the loader accepts
   * them (an sk cell holds up to SD_MAX_IN_CELL bytes), and so does the API (api_sd_extent reads
   * components up to that size; it refused offsets above 0x10000 before). */
  sd = zalloc(0x10004 + 16);
  sd_header(sd, SE_SELF_REL, 0x10004, 0, 0, 0);
  put_sid(sd + 0x10004, 5, 2, 32);
  c[n++] = (sd_case){"owner-past-0x10000", sd, 0x10004 + 16};

  /* Packed, no gap: a SACL of 0xFFF8 bytes (one audit ACE, the rest slack), then DACL, owner,
   * group: the DACL starts past 0x10000 only because the SACL before it is large. */
  {
    uint32_t len = 20 + 0xFFF8 + 28 + 16 + 12;
    sd = zalloc(len);
    put_acl(sd + 20, 2, 0xFFF8, 1);
    put_basic_ace(sd + 28, 2, 1);
    uint32_t d = 20 + 0xFFF8;
    put_acl(sd + d, 2, 28, 1);
    put_basic_ace(sd + d + 8, 0, 1);
    put_sid(sd + d + 28, 5, 2, 32);
    put_sid(sd + d + 44, 5, 1, 18);
    sd_header(sd, SE_SELF_REL | SE_DACL_PRES | SE_SACL_PRES, d + 28, d + 44, 20, d);
    c[n++] = (sd_case){"packed-two-acls-past-0x10000", sd, len};
  }

  /* The largest descriptor an sk cell holds, group SID in its last 12 bytes. */
  sd = zalloc(SD_MAX_IN_CELL);
  o = (SD_MAX_IN_CELL - 12u) & ~3u;
  sd_header(sd, SE_SELF_REL, 0, o, 0, 0);
  put_sid(sd + o, 5, 1, 18);
  c[n++] = (sd_case){"largest-sk-cell", sd, SD_MAX_IN_CELL};
  return n;
}

#define MAX_CASES 16

static void free_cases(sd_case *c, size_t n) {
  for (size_t i = 0; i < n; i++) free(c[i].sd);
}

/* Finishes b and opens the image (the hive keeps its own copy: the caller frees b). */
static DWORD open_built(hb *b, ORHKEY *h) {
  size_t size = 0;
  uint8_t *img = hb_finish(b, &size);
  HRDiagnostic diag;
  memset(&diag, 0, sizeof diag);
  DWORD st = HROpenHiveFromMemory(img, size, NULL, h, &diag);
  if (st != ERROR_SUCCESS) fprintf(stderr, "open: %s (%s)\n", HRErrorName(st), diag.rule);
  return st;
}

/* The root's subkey Edge with one subkey per case, named after it and carrying its descriptor. */
static int name_cmp(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return (unsigned char)*a - (unsigned char)*b;
}

static uint32_t build_edge_hive(hb *b, const sd_case *c, size_t n) {
  hb_init(b, 5, "ROOT");
  uint32_t edge = hb_nk(b, "Edge", b->root);
  uint32_t def = b->sk;
  /* Children in name order: lh leaves must be sorted (R-E14); the names are lower-case ASCII,
   * digits and '-', which order the same upcased or not. */
  size_t idx[MAX_CASES];
  for (size_t i = 0; i < n; i++) idx[i] = i;
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && name_cmp(c[idx[j - 1]].name, c[idx[j]].name) > 0; j--) {
      size_t t = idx[j];
      idx[j] = idx[j - 1];
      idx[j - 1] = t;
    }
  uint32_t kids[MAX_CASES];
  for (size_t i = 0; i < n; i++) {
    b->sk = hb_sk(b, c[idx[i]].sd, c[idx[i]].len);
    kids[i] = hb_nk(b, c[idx[i]].name, edge);
  }
  b->sk = def;
  hb_set_subkeys(b, edge, kids, (uint32_t)n, LH_SIGNATURE);
  uint32_t top[1] = {edge};
  hb_set_subkeys(b, b->root, top, 1, LH_SIGNATURE);
  return edge;
}

/* The bytes ORGetKeySecurity returns for si (libc buffer, *len). */
static uint8_t *get_sd(ORHKEY k, SECURITY_INFORMATION si, DWORD *len) {
  DWORD cb = 0;
  DWORD st = ORGetKeySecurity(k, si, NULL, &cb);
  if (st != ERROR_INSUFFICIENT_BUFFER) return NULL;
  uint8_t *p = zalloc(cb ? cb : 1);
  if (ORGetKeySecurity(k, si, p, &cb) != ERROR_SUCCESS) {
    free(p);
    return NULL;
  }
  *len = cb;
  return p;
}

/* A descriptor's parts as spans (test-side parse of MS-DTYP 2.4.6; the input is valid). */
typedef struct parts {
  uint8_t sbz1;
  uint16_t control;
  const uint8_t *p[4];         /* owner, group, DACL, SACL; NULL when absent (or a NULL ACL) */
  uint32_t n[4];
} parts;

static void split(const uint8_t *sd, parts *q) {
  memset(q, 0, sizeof *q);
  q->sbz1 = sd[1];
  q->control = le16(sd + 2);
  static const uint32_t field[4] = {4, 8, 16, 12};
  static const uint16_t present[4] = {0, 0, SE_DACL_PRES, SE_SACL_PRES};
  for (int i = 0; i < 4; i++) {
    uint32_t off = le32(sd + field[i]);
    if (!off || (i >= 2 && !(q->control & present[i]))) continue;
    q->p[i] = sd + off;
    q->n[i] = i < 2 ? 8u + 4u * sd[off + 1] : le16(sd + off + 2);
  }
}

/* Each part of a's descriptor that `si` names is the same in b's: the same SID or ACL bytes and
 * the same control bits of that part.  With part_bits only those (ORSetKeySecurity takes each
 * part with its own control bits and rebuilds the layout); without it also the whole control
 * word and Sbz1 (ORCreateKey stores the caller's descriptor as it is). */
static bool same_parts(ORHKEY a, ORHKEY b, SECURITY_INFORMATION si, bool part_bits) {
  static const SECURITY_INFORMATION info[4] = {OWNER_SECURITY_INFORMATION,
                                               GROUP_SECURITY_INFORMATION,
                                               DACL_SECURITY_INFORMATION,
                                               SACL_SECURITY_INFORMATION};
  static const uint16_t bits[4] = {0x0001, 0x0002, 0x150C, 0x2A30};
  DWORD la = 0, lb = 0;
  uint8_t *x = get_sd(a, SI_ALL, &la), *y = get_sd(b, SI_ALL, &lb);
  bool eq = x && y;
  if (eq) {
    parts px, py;
    split(x, &px);
    split(y, &py);
    if (!part_bits) eq = px.sbz1 == py.sbz1 && px.control == py.control;
    for (int i = 0; eq && i < 4; i++) {
      if (!(si & info[i])) continue;
      eq = (px.control & bits[i]) == (py.control & bits[i]) && px.n[i] == py.n[i] &&
           (px.n[i] == 0 || memcmp(px.p[i], py.p[i], px.n[i]) == 0);
    }
  }
  free(x);
  free(y);
  return eq;
}

/* The parts ORSetKeySecurity can take from sd: an owner or group only when present (setting an
 * absent one is refused by design, api_security.c), the ACLs always. */
static SECURITY_INFORMATION parts_of(const uint8_t *sd) {
  SECURITY_INFORMATION si = DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION;
  if (le32(sd + 4)) si |= OWNER_SECURITY_INFORMATION;
  if (le32(sd + 8)) si |= GROUP_SECURITY_INFORMATION;
  return si;
}

/* Every row is accepted by the loader as it is; ORCreateKey and ORSetKeySecurity accept it (or
 * refuse exactly the rows marked), and what they stored survives a save and a reload. */
static void test_loaded_descriptors_through_the_api(void) {
  sd_case c[MAX_CASES];
  size_t n = build_cases(c);
  hb b;
  build_edge_hive(&b, c, n);
  ORHKEY h = NULL;
  DWORD st = open_built(&b, &h);
  hb_free(&b);
  if (st != ERROR_SUCCESS) {
    free_cases(c, n);
    REQUIRE_OK(st);
  }
  ORHKEY copies = NULL;
  REQUIRE_OK(ORCreateKey(h, W("Copies"), NULL, 0, NULL, &copies, NULL));
  bool stored[2][MAX_CASES] = {{false}}; /* ORCreateKey / ORSetKeySecurity succeeded */
  for (size_t i = 0; i < n; i++) {
    char path[128];
    snprintf(path, sizeof path, "Edge\\%s", c[i].name);
    ORHKEY src = NULL;
    CHECK_ERR(HROpenKeyUtf8(h, path, &src), ERROR_SUCCESS);
    if (!src) continue;
    /* Loaded unchanged (not healed to the root's descriptor by R-H06). */
    DWORD len = 0;
    uint8_t *got = get_sd(src, SI_ALL, &len);
    if (!got || len != c[i].len || memcmp(got, c[i].sd, len) != 0)
      test_fail(__FILE__, __LINE__, "%s: the loader did not keep the descriptor", c[i].name);
    /* ORCreateKey with the bytes ORGetKeySecurity returned (what the restore passes). */
    char name[140];
    snprintf(name, sizeof name, "C-%s", c[i].name);
    ORHKEY k1 = NULL;
    DWORD rc = got ? ORCreateKey(copies, W(name), NULL, 0, got, &k1, NULL) : ERROR_INVALID_DATA;
    if (rc != ERROR_SUCCESS)
      test_fail(__FILE__, __LINE__, "%s: ORCreateKey %s", c[i].name, HRErrorName(rc));
    stored[0][i] = k1 != NULL;
    if (k1 && !same_parts(src, k1, SI_ALL, false))
      test_fail(__FILE__, __LINE__, "%s: ORCreateKey stored another descriptor", c[i].name);
    /* ORSetKeySecurity on a key created with its parent's descriptor. */
    snprintf(name, sizeof name, "S-%s", c[i].name);
    ORHKEY k2 = NULL;
    CHECK_ERR(ORCreateKey(copies, W(name), NULL, 0, NULL, &k2, NULL), ERROR_SUCCESS);
    SECURITY_INFORMATION si = parts_of(c[i].sd);
    rc = k2 && got ? ORSetKeySecurity(k2, si, got) : ERROR_INVALID_DATA;
    if (rc != ERROR_SUCCESS)
      test_fail(__FILE__, __LINE__, "%s: ORSetKeySecurity %s", c[i].name, HRErrorName(rc));
    stored[1][i] = rc == ERROR_SUCCESS;
    if (rc == ERROR_SUCCESS && !same_parts(src, k2, si, true))
      test_fail(__FILE__, __LINE__, "%s: ORSetKeySecurity stored other parts", c[i].name);
    /* Every partial descriptor ORGetKeySecurity returns (a rebuilt layout: each part in a slot
     * rounded to 4 bytes) is taken back by ORCreateKey and ORSetKeySecurity. */
    for (SECURITY_INFORMATION sub = 1; sub < 16; sub++) {
      SECURITY_INFORMATION si3 = 0;
      for (int bit = 0; bit < 4; bit++)
        if (sub & (1u << bit)) si3 |= (SECURITY_INFORMATION[]){OWNER_SECURITY_INFORMATION,
                                                               GROUP_SECURITY_INFORMATION,
                                                               DACL_SECURITY_INFORMATION,
                                                               SACL_SECURITY_INFORMATION}[bit];
      DWORD ql = 0;
      uint8_t *q = get_sd(src, si3, &ql);
      if (!q) {
        test_fail(__FILE__, __LINE__, "%s: ORGetKeySecurity(0x%x)", c[i].name, (unsigned)si3);
        continue;
      }
      si3 &= parts_of(q);
      if (!si3) { /* only an owner or group the descriptor does not have */
        free(q);
        continue;
      }
      snprintf(name, sizeof name, "P%u-%s", (unsigned)sub, c[i].name);
      ORHKEY k3 = NULL, k4 = NULL;
      rc = ORCreateKey(copies, W(name), NULL, 0, q, &k3, NULL);
      if (rc != ERROR_SUCCESS || !same_parts(src, k3, si3, true))
        test_fail(__FILE__, __LINE__, "%s: ORCreateKey of parts 0x%x: %s", c[i].name,
                  (unsigned)si3, HRErrorName(rc));
      snprintf(name, sizeof name, "Q%u-%s", (unsigned)sub, c[i].name);
      CHECK_ERR(ORCreateKey(copies, W(name), NULL, 0, NULL, &k4, NULL), ERROR_SUCCESS);
      rc = k4 ? ORSetKeySecurity(k4, si3, q) : ERROR_INVALID_HANDLE;
      if (rc != ERROR_SUCCESS || !same_parts(src, k4, si3, true))
        test_fail(__FILE__, __LINE__, "%s: ORSetKeySecurity of parts 0x%x: %s", c[i].name,
                  (unsigned)si3, HRErrorName(rc));
      free(q);
      if (k3) ORCloseKey(k3);
      if (k4) ORCloseKey(k4);
    }
    free(got);
    if (k1) ORCloseKey(k1);
    if (k2) ORCloseKey(k2);
    ORCloseKey(src);
  }
  ORCloseKey(copies);
  /* Saved and reloaded: every stored descriptor passes R-H06 again (a healed one would read
   * back as the root's). */
  ORHKEY r;
  CHECK_ERR(test_save_reopen(h, "restoresd", &r), ERROR_SUCCESS);
  for (size_t i = 0; r && i < n; i++) {
    for (int kind = 0; kind < 3; kind++) {
      if (kind > 0 && !stored[kind - 1][i]) continue;
      char p1[160], p2[160];
      snprintf(p1, sizeof p1, "Edge\\%s", c[i].name);
      snprintf(p2, sizeof p2, kind == 0 ? "Edge\\%s" : kind == 1 ? "Copies\\C-%s" : "Copies\\S-%s",
               c[i].name);
      ORHKEY a = NULL, z = NULL;
      CHECK_ERR(HROpenKeyUtf8(h, p1, &a), ERROR_SUCCESS);
      CHECK_ERR(HROpenKeyUtf8(r, p2, &z), ERROR_SUCCESS);
      SECURITY_INFORMATION si = kind == 2 ? parts_of(c[i].sd) : SI_ALL;
      if (a && z && !same_parts(a, z, si, kind == 2))
        test_fail(__FILE__, __LINE__, "%s (%d): changed by save and reload", c[i].name, kind);
      if (a) ORCloseKey(a);
      if (z) ORCloseKey(z);
    }
  }
  if (r) ORCloseHive(r);
  ORCloseHive(h);
  free_cases(c, n);
}

/* The API's bound is the largest descriptor an sk cell holds: a SID needing its 12 bytes, or an
 * ACL, past SD_MAX_IN_CELL is refused (the saved sk cell would break R-C06); at the bound the
 * descriptor is taken, saved and reloaded (the largest-sk-cell row above). */
static void test_api_descriptor_bound(void) {
  uint8_t *sd = zalloc(SD_MAX_IN_CELL + 16);
  uint32_t o = SD_MAX_IN_CELL - 8; /* a SID of 8 bytes fits, its sizeof(SID) padding does not */
  sd_header(sd, SE_SELF_REL, o, 0, 0, 0);
  put_sid(sd + o, 5, 0, 0);
  ORHKEY h = NULL, k = NULL;
  REQUIRE_OK(ORCreateHive(&h));
  CHECK_ERR(ORCreateKey(h, W("a"), NULL, 0, sd, &k, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORSetKeySecurity(h, OWNER_SECURITY_INFORMATION, sd), ERROR_INVALID_PARAMETER);
  o = SD_MAX_IN_CELL - 4; /* an ACL header of 8 bytes ends 4 bytes past the bound */
  sd_header(sd, SE_SELF_REL | SE_DACL_PRES, 0, 0, 0, o);
  put_acl(sd + o, 2, 8, 0);
  CHECK_ERR(ORCreateKey(h, W("b"), NULL, 0, sd, &k, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORSetKeySecurity(h, DACL_SECURITY_INFORMATION, sd), ERROR_INVALID_PARAMETER);
  o = SD_MAX_IN_CELL - 8; /* the same ACL ending exactly at the bound */
  memset(sd, 0, SD_MAX_IN_CELL + 16);
  sd_header(sd, SE_SELF_REL | SE_DACL_PRES, 0, 0, 0, o);
  put_acl(sd + o, 2, 8, 0);
  CHECK_ERR(ORCreateKey(h, W("c"), NULL, 0, sd, &k, NULL), ERROR_SUCCESS);
  if (k) ORCloseKey(k);
  CHECK_ERR(ORSetKeySecurity(h, DACL_SECURITY_INFORMATION, sd), ERROR_SUCCESS);
  ORCloseHive(h);
  free(sd);
}

/* ---- the restore ------------------------------------------------------------------------- */

/* Select\Current = 1 and, when rules is not NULL, one KeysNotToRestore value holding them. */
static DWORD plant(ORHKEY h, const char *const *rules, size_t n) {
  ORHKEY k = NULL;
  DWORD one = 1;
  DWORD st = HRCreateKeyUtf8(h, "Select", &k, NULL);
  if (st == ERROR_SUCCESS) st = HRSetValueUtf8(k, "Current", REG_DWORD, &one, 4);
  if (k) ORCloseKey(k);
  if (st != ERROR_SUCCESS || !rules) return st;
  uint8_t buf[1024]; /* REG_MULTI_SZ: UTF-16LE strings, each NUL-terminated, then a NUL */
  size_t u = 0;
  for (size_t i = 0; i < n; i++) {
    for (const char *p = rules[i]; *p && u < 500; p++) put16(buf + 2 * u++, (uint8_t)*p);
    put16(buf + 2 * u++, 0);
  }
  put16(buf + 2 * u++, 0);
  k = NULL;
  st = HRCreateKeyUtf8(h, "ControlSet001\\Control\\BackupRestore\\KeysNotToRestore", &k, NULL);
  if (st == ERROR_SUCCESS) st = ORSetValue(k, W("Test"), REG_MULTI_SZ, buf, (DWORD)(2 * u));
  if (k) ORCloseKey(k);
  return st;
}

/* The plan's only entry of that kind (NULL if none or several). */
static HRRestoreOp *only_op(HRRestorePlan *plan, HRRestoreKind kind) {
  HRRestoreOp *found = NULL;
  for (size_t i = 0; i < plan->n_ops; i++) {
    if (plan->ops[i].kind != kind) continue;
    if (found) return NULL;
    found = &plan->ops[i];
  }
  return found;
}

/* The plan printed as text or JSON (libc string). */
static char *printed(const HRRestorePlan *plan, int json) {
  char *s = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&s, &n);
  if (!f) return NULL;
  DWORD st = HRRestorePlanPrint(plan, f, json);
  fclose(f);
  if (st != ERROR_SUCCESS) {
    free(s);
    return NULL;
  }
  return s;
}

/* Key replace of Edge\ carries every edge-case key with its own descriptor: ORCreateKey takes
 * every descriptor the loader accepts, so the restore has no fallback for a refused one. */
static void test_restore_carries_loaded_descriptors(void) {
  sd_case c[MAX_CASES];
  size_t n = build_cases(c);
  hb b;
  build_edge_hive(&b, c, n);
  ORHKEY ex = NULL, re = NULL;
  DWORD st = open_built(&b, &ex);
  hb_free(&b);
  if (st != ERROR_SUCCESS) {
    free_cases(c, n);
    REQUIRE_OK(st);
  }
  static const char *const rules[] = {"Edge\\"};
  CHECK_ERR(plant(ex, rules, 1), ERROR_SUCCESS);
  CHECK_ERR(ORCreateHive(&re), ERROR_SUCCESS);
  if (re) CHECK_ERR(plant(re, NULL, 0), ERROR_SUCCESS);
  HRRestorePlan *plan = NULL;
  if (re) CHECK_ERR(HRRestorePlanBuild(ex, re, &plan), ERROR_SUCCESS);
  HRRestoreOp *op = plan ? only_op(plan, HRR_REPLACE) : NULL;
  CHECK(op != NULL);
  if (op) {
    CHECK_ERR(HRRestoreApply(plan, ex, re, NULL, NULL), ERROR_SUCCESS);
    CHECK(op->applied);
    CHECK_EQ_U(op->keys_copied, n + 1);
    CHECK_EQ_U(op->unrepresentable, 0);
    for (size_t i = 0; i < n; i++) {
      char path[128];
      snprintf(path, sizeof path, "Edge\\%s", c[i].name);
      ORHKEY a = NULL, z = NULL;
      CHECK_ERR(HROpenKeyUtf8(ex, path, &a), ERROR_SUCCESS);
      CHECK_ERR(HROpenKeyUtf8(re, path, &z), ERROR_SUCCESS);
      bool ok = a && z && same_parts(a, z, SI_ALL, false);
      if (!ok) test_fail(__FILE__, __LINE__, "%s: restored descriptor", c[i].name);
      if (a) ORCloseKey(a);
      if (z) ORCloseKey(z);
    }
  }
  HRRestorePlanFree(plan);
  if (re) ORCloseHive(re);
  ORCloseHive(ex);
  free_cases(c, n);
}

/* Odd: subkeys "a<NUL>b", Fine (virtualization flags `virt`, one value) and 256 x's; values
 * "v" and "n<NUL>m".  Returns Odd's cell. */
static uint32_t build_odd(hb *b, uint32_t virt) {
  hb_init(b, 5, "ROOT");
  uint32_t odd = hb_nk(b, "Odd", b->root);
  uint32_t nul = hb_nk(b, "aXb", odd);
  hb_p(b, nul)[NK_OFF_NAME + 1] = 0;
  uint32_t fine = hb_nk(b, "Fine", odd);
  uint8_t *r = hb_p(b, fine);
  put32(r + NK_OFF_MAX_NAME_LEN, le32(r + NK_OFF_MAX_NAME_LEN) | (virt << NK_VIRT_SHIFT));
  DWORD one = 1;
  uint32_t fv = hb_vk(b, "w", REG_DWORD, &one, 4);
  hb_set_values(b, fine, &fv, 1);
  char longname[257];
  memset(longname, 'x', 256);
  longname[256] = 0;
  uint32_t lng = hb_nk(b, longname, odd);
  uint32_t kids[3] = {nul, fine, lng}; /* upcased order: "A\0B" < "FINE" < "XXX..." */
  hb_set_subkeys(b, odd, kids, 3, LH_SIGNATURE);
  uint32_t vv[2] = {hb_vk(b, "v", REG_DWORD, &one, 4), hb_vk(b, "nXm", REG_DWORD, &one, 4)};
  hb_p(b, vv[1])[VK_OFF_NAME + 1] = 0;
  hb_set_values(b, odd, vv, 2);
  uint32_t top[1] = {odd};
  hb_set_subkeys(b, b->root, top, 1, LH_SIGNATURE);
  return odd;
}

/* What no OR* call can write is counted per entry (`unrepresentable`), never guessed: a key name
 * of 256 units (the loader allows NameLength 0x100 compressed, R-D03; the API 255 units), key
 * and value names holding a NUL (ORCreateKey/ORSetValue take NUL-terminated names), and
 * virtualization bit 0x1 (ORSetVirtualFlags takes 2, 4, 8: the other bits are copied). */
static void test_restore_unrepresentable(void) {
  for (int merge = 0; merge < 2; merge++) {
    hb b;
    build_odd(&b, 0x3);
    ORHKEY ex = NULL, re = NULL;
    DWORD st = open_built(&b, &ex);
    hb_free(&b);
    REQUIRE_OK(st);
    /* The loader kept all three subkeys, both values and the whole virtualization field. */
    ORHKEY odd = NULL, fine = NULL;
    DWORD nsub = 0, nval = 0, virt = 0;
    CHECK_ERR(HROpenKeyUtf8(ex, "Odd", &odd), ERROR_SUCCESS);
    if (odd) CHECK_ERR(ORQueryInfoKey(odd, NULL, NULL, &nsub, NULL, NULL, &nval, NULL, NULL,
                                      NULL, NULL), ERROR_SUCCESS);
    CHECK_EQ_U(nsub, 3);
    CHECK_EQ_U(nval, 2);
    CHECK_ERR(HROpenKeyUtf8(ex, "Odd\\Fine", &fine), ERROR_SUCCESS);
    if (fine) CHECK_ERR(ORGetVirtualFlags(fine, &virt), ERROR_SUCCESS);
    CHECK_EQ_U(virt, 0x3);
    CHECK_ERR(ORSetVirtualFlags(fine ? fine : ex, 0x3), ERROR_INVALID_PARAMETER);
    if (fine) ORCloseKey(fine);
    if (odd) ORCloseKey(odd);

    const char *rule = merge ? "Odd\\*" : "Odd\\";
    CHECK_ERR(plant(ex, &rule, 1), ERROR_SUCCESS);
    REQUIRE_OK(ORCreateHive(&re));
    CHECK_ERR(plant(re, NULL, 0), ERROR_SUCCESS);
    HRRestorePlan *plan = NULL;
    CHECK_ERR(HRRestorePlanBuild(ex, re, &plan), ERROR_SUCCESS);
    HRRestoreOp *op = plan ? only_op(plan, merge ? HRR_MERGE : HRR_REPLACE) : NULL;
    CHECK(op != NULL);
    if (op) {
      /* Merge: the plan lists the representable children and values only and counts the two
       * unnameable subkeys and the NUL-holding value at once. */
      if (merge) {
        CHECK_EQ_U(op->n_children, 1);
        CHECK_EQ_U(op->n_add_values, 1);
        CHECK_EQ_U(op->unrepresentable, 3);
        char *tx = printed(plan, 0);
        CHECK(tx && strstr(tx, "3 subkey(s)/value(s) cannot be named through the API"));
        free(tx);
      }
      CHECK_ERR(HRRestoreApply(plan, ex, re, NULL, NULL), ERROR_SUCCESS);
      CHECK(op->applied);
      /* Both: Odd (replace) or nothing (merge) plus Fine; the NUL key, the 256-unit key and the
       * NUL value are counted; so is bit 0x1 of Fine's virtualization flags. */
      CHECK_EQ_U(op->keys_copied, merge ? 1 : 2);
      CHECK_EQ_U(op->values_copied, 2);
      CHECK_EQ_U(op->unrepresentable, 4);
      char *js = printed(plan, 1), *tx = printed(plan, 0);
      CHECK(js && strstr(js, "\"unrepresentable\":4"));
      CHECK(tx && strstr(tx, "not copied)"));
      free(js);
      free(tx);
      nsub = nval = virt = 0;
      odd = fine = NULL;
      CHECK_ERR(HROpenKeyUtf8(re, "Odd", &odd), ERROR_SUCCESS);
      if (odd) CHECK_ERR(ORQueryInfoKey(odd, NULL, NULL, &nsub, NULL, NULL, &nval, NULL, NULL,
                                        NULL, NULL), ERROR_SUCCESS);
      CHECK_EQ_U(nsub, 1);
      CHECK_EQ_U(nval, 1);
      CHECK_ERR(HROpenKeyUtf8(re, "Odd\\Fine", &fine), ERROR_SUCCESS);
      if (fine) CHECK_ERR(ORGetVirtualFlags(fine, &virt), ERROR_SUCCESS);
      CHECK_EQ_U(virt, 0x2);
      if (fine) ORCloseKey(fine);
      if (odd) ORCloseKey(odd);
    }
    HRRestorePlanFree(plan);
    ORCloseHive(re);
    ORCloseHive(ex);
  }
}

/* A restored subtree to be replaced that holds a key no OR* call can name cannot be deleted
 * through the API (ORDeleteKey needs the name): the apply stops with ERROR_INVALID_DATA and the
 * restored hive stays valid (it saves and reloads). */
static void test_restore_replace_over_unnameable_key(void) {
  hb b;
  build_odd(&b, 0);
  ORHKEY ex = NULL, re = NULL;
  DWORD st = open_built(&b, &re);
  hb_free(&b);
  REQUIRE_OK(st);
  REQUIRE_OK(ORCreateHive(&ex));
  ORHKEY k = NULL;
  CHECK_ERR(HRCreateKeyUtf8(ex, "Odd\\New", &k, NULL), ERROR_SUCCESS);
  if (k) ORCloseKey(k);
  static const char *const rules[] = {"Odd\\"};
  CHECK_ERR(plant(ex, rules, 1), ERROR_SUCCESS);
  CHECK_ERR(plant(re, NULL, 0), ERROR_SUCCESS);
  HRRestorePlan *plan = NULL;
  CHECK_ERR(HRRestorePlanBuild(ex, re, &plan), ERROR_SUCCESS);
  if (plan) {
    CHECK_ERR(HRRestoreApply(plan, ex, re, NULL, NULL), ERROR_INVALID_DATA);
    HRRestoreOp *op = only_op(plan, HRR_REPLACE);
    CHECK(op && !op->applied);
    HRRestorePlanFree(plan);
  }
  ORHKEY r;
  CHECK_ERR(test_save_reopen(re, "restoreodd", &r), ERROR_SUCCESS);
  if (r) ORCloseHive(r);
  ORCloseHive(re);
  ORCloseHive(ex);
}

int main(void) {
  TEST_RUN(test_loaded_descriptors_through_the_api);
  TEST_RUN(test_api_descriptor_bound);
  TEST_RUN(test_restore_carries_loaded_descriptors);
  TEST_RUN(test_restore_unrepresentable);
  TEST_RUN(test_restore_replace_over_unnameable_key);
  return test_finish();
}
