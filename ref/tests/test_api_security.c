/*
 * test_api_security.c: ORGetKeySecurity, ORSetKeySecurity, ORGetVirtualFlags,
 * ORSetVirtualFlags and the ORCreateHive default descriptor (offreg-api.md §1.15-§1.17, §1.20).
 */
#include "api_testlib.h"

static ORHKEY new_hive(void) {
  ORHKEY h = NULL;
  if (ORCreateHive(&h) != ERROR_SUCCESS) return NULL;
  return h;
}

/* §1.20: the default descriptor, checked field by field (not only against our own table). */
static void test_default_sd_bytes(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  BYTE sd[256];
  DWORD cb = sizeof sd;
  SECURITY_INFORMATION all = OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                             DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION;
  REQUIRE_OK(ORGetKeySecurity(root, all, sd, &cb));
  CHECK_EQ_U(cb, 144);
  CHECK_EQ_U(sd[0], 1);                          /* revision */
  CHECK_EQ_U(sd[2] | (sd[3] << 8), 0x8004);      /* SELF_RELATIVE | DACL_PRESENT */
  uint32_t owner = sd[4] | (sd[5] << 8), group = sd[8] | (sd[9] << 8);
  uint32_t sacl = sd[12] | (sd[13] << 8), dacl = sd[16] | (sd[17] << 8);
  CHECK_EQ_U(sacl, 0);
  static const BYTE admins[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};
  REQUIRE(owner + 16 <= cb && group + 16 <= cb && dacl + 8 <= cb);
  CHECK(memcmp(sd + owner, admins, 16) == 0);
  CHECK(memcmp(sd + group, admins, 16) == 0);
  const BYTE *acl = sd + dacl;
  CHECK_EQ_U(acl[0], 2);        /* ACL revision 2 */
  CHECK_EQ_U(acl[4], 4);        /* 4 ACEs */
  const struct {
    uint32_t mask;
    BYTE sid[16];
    size_t sid_len;
  } want[4] = {
      {0xF003F, {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}, 12},
      {0xF003F, {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0}, 16},
      {0x20019, {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0}, 12},
      {0x20019, {1, 1, 0, 0, 0, 0, 0, 5, 12, 0, 0, 0}, 12},
  };
  const BYTE *ace = acl + 8;
  for (int i = 0; i < 4; i++) {
    CHECK_EQ_U(ace[0], 0);      /* ACCESS_ALLOWED_ACE_TYPE */
    CHECK_EQ_U(ace[1], 0x02);   /* CONTAINER_INHERIT_ACE */
    uint32_t mask = ace[4] | (ace[5] << 8) | ((uint32_t)ace[6] << 16) | ((uint32_t)ace[7] << 24);
    CHECK_EQ_U(mask, want[i].mask);
    CHECK(memcmp(ace + 8, want[i].sid, want[i].sid_len) == 0);
    ace += ace[2] | (ace[3] << 8);
  }
  CHECK(ace == sd + 144 - 32); /* owner and group follow the DACL */
  CHECK(memcmp(sd, hive_default_sd, 144) == 0);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_get_security_buffers(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  BYTE sd[256];
  DWORD cb = 10;
  /* §1.15: too small -> ERROR_INSUFFICIENT_BUFFER (not MORE_DATA) with the size. */
  CHECK_ERR(ORGetKeySecurity(root, DACL_SECURITY_INFORMATION | OWNER_SECURITY_INFORMATION |
                                       GROUP_SECURITY_INFORMATION,
                             sd, &cb),
            ERROR_INSUFFICIENT_BUFFER);
  CHECK_EQ_U(cb, 144);
  cb = 500;
  CHECK_ERR(ORGetKeySecurity(root, OWNER_SECURITY_INFORMATION, NULL, &cb),
            ERROR_INSUFFICIENT_BUFFER);
  CHECK_EQ_U(cb, 20 + 16);
  CHECK_ERR(ORGetKeySecurity(root, OWNER_SECURITY_INFORMATION, sd, NULL),
            ERROR_INVALID_PARAMETER);
  /* Only the owner: header + SID, DACL_PRESENT cleared. */
  cb = sizeof sd;
  REQUIRE_OK(ORGetKeySecurity(root, OWNER_SECURITY_INFORMATION, sd, &cb));
  CHECK_EQ_U(cb, 36);
  CHECK_EQ_U(sd[2] | (sd[3] << 8), 0x8000);
  CHECK_EQ_U(sd[4], 20);
  CHECK_EQ_U(sd[16], 0);
  /* Set-only bits cannot be queried. */
  cb = sizeof sd;
  CHECK_ERR(ORGetKeySecurity(root, PROTECTED_DACL_SECURITY_INFORMATION, sd, &cb),
            ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* A small valid descriptor: owner/group S-1-5-18, DACL with one ACE for Everyone. */
static size_t make_sd(BYTE *out, uint32_t mask, uint16_t extra_control) {
  static const BYTE sys[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
  static const BYTE world[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
  memset(out, 0, 20);
  out[0] = 1;
  uint16_t control = 0x8004 | extra_control;
  out[2] = (BYTE)control;
  out[3] = (BYTE)(control >> 8);
  size_t o = 20;
  /* DACL */
  out[16] = (BYTE)o;
  BYTE *acl = out + o;
  memset(acl, 0, 8);
  acl[0] = 2;
  acl[2] = 8 + 20;
  acl[4] = 1;
  BYTE *ace = acl + 8;
  ace[0] = 0;
  ace[1] = 0x02;
  ace[2] = 20;
  ace[3] = 0;
  ace[4] = (BYTE)mask;
  ace[5] = (BYTE)(mask >> 8);
  ace[6] = (BYTE)(mask >> 16);
  ace[7] = (BYTE)(mask >> 24);
  memcpy(ace + 8, world, 12);
  o += 28;
  out[4] = (BYTE)o;
  memcpy(out + o, sys, 12);
  o += 12;
  out[8] = (BYTE)o;
  memcpy(out + o, sys, 12);
  o += 12;
  return o;
}

static void test_set_security_merge_and_sharing(void) {
  ORHKEY root = new_hive(), a, b;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("A"), NULL, 0, NULL, &a, NULL));
  REQUIRE_OK(ORCreateKey(root, W("B"), NULL, 0, NULL, &b, NULL));
  BYTE nsd[128], got[256];
  size_t nlen = make_sd(nsd, 0x20019, 0);
  /* Replace only the DACL of A: owner/group stay the Administrators of the default. */
  REQUIRE_OK(ORSetKeySecurity(a, DACL_SECURITY_INFORMATION, nsd));
  DWORD cb = sizeof got;
  REQUIRE_OK(ORGetKeySecurity(a, DACL_SECURITY_INFORMATION | OWNER_SECURITY_INFORMATION, got,
                              &cb));
  CHECK_EQ_U(cb, 20 + 28 + 16);
  CHECK(memcmp(got + 20, nsd + 20, 28) == 0); /* the new DACL */
  CHECK_EQ_U(got[20 + 28 + 8], 32);            /* owner still S-1-5-32-544 */
  CHECK(test_tree_ok(root));
  /* B gets the same merged descriptor: one shared hr_sd with refs 2. */
  REQUIRE_OK(ORSetKeySecurity(b, DACL_SECURITY_INFORMATION, nsd));
  {
    hr_ref r;
    REQUIRE_OK(handle_enter(a, &r));
    const hr_key *ka = r.key;
    hr_key *kb = r.hive->tree.root->subkeys[1];
    CHECK(ka->sd == kb->sd);
    CHECK_EQ_U(ka->sd->refs, 2);
    CHECK_EQ_U(r.hive->tree.n_sds, 2);
    handle_leave(&r);
  }
  /* Setting everything from nsd gives exactly nsd. */
  REQUIRE_OK(ORSetKeySecurity(a, OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                                     DACL_SECURITY_INFORMATION,
                              nsd));
  cb = sizeof got;
  REQUIRE_OK(ORGetKeySecurity(a, OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                                     DACL_SECURITY_INFORMATION,
                              got, &cb));
  CHECK_EQ_U(cb, nlen);
  CHECK(memcmp(got, nsd, nlen) == 0);
  CHECK(test_tree_ok(root));
  /* PROTECTED_DACL sets SE_DACL_PROTECTED (0x1000). */
  REQUIRE_OK(ORSetKeySecurity(a, DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
                              nsd));
  cb = sizeof got;
  REQUIRE_OK(ORGetKeySecurity(a, DACL_SECURITY_INFORMATION, got, &cb));
  CHECK((got[2] | (got[3] << 8)) & 0x1000);
  /* Back to the default: everything collapses to the single root descriptor. */
  REQUIRE_OK(ORSetKeySecurity(a, OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                                     DACL_SECURITY_INFORMATION,
                              (PSECURITY_DESCRIPTOR)hive_default_sd));
  REQUIRE_OK(ORSetKeySecurity(b, OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                                     DACL_SECURITY_INFORMATION,
                              (PSECURITY_DESCRIPTOR)hive_default_sd));
  {
    hr_ref r;
    REQUIRE_OK(handle_enter(a, &r));
    CHECK_EQ_U(r.hive->tree.n_sds, 1);
    CHECK_EQ_U(r.hive->tree.root->sd->refs, 3);
    handle_leave(&r);
  }
  CHECK(test_tree_ok(root));
  /* A key created with a descriptor uses it; its children share it. */
  ORHKEY c, d;
  REQUIRE_OK(ORCreateKey(root, W("C\\D"), NULL, 0, nsd, &c, NULL));
  REQUIRE_OK(ORCreateKey(c, W("E"), NULL, 0, NULL, &d, NULL));
  cb = sizeof got;
  REQUIRE_OK(ORGetKeySecurity(d, OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                                     DACL_SECURITY_INFORMATION,
                              got, &cb));
  CHECK(cb == nlen && memcmp(got, nsd, nlen) == 0);
  CHECK(test_tree_ok(root));
  ORCloseKey(c);
  ORCloseKey(d);
  ORCloseKey(a);
  ORCloseKey(b);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_set_security_errors(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  BYTE nsd[128];
  make_sd(nsd, 0x20019, 0);
  char *before = test_dump_hive(root);
  CHECK_ERR(ORSetKeySecurity(root, DACL_SECURITY_INFORMATION, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORSetKeySecurity(root, 0, nsd), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORSetKeySecurity(root, 0x400, nsd), ERROR_INVALID_PARAMETER);
  BYTE bad[128];
  memcpy(bad, nsd, sizeof bad);
  bad[0] = 3; /* revision */
  CHECK_ERR(ORSetKeySecurity(root, DACL_SECURITY_INFORMATION, bad), ERROR_INVALID_PARAMETER);
  memcpy(bad, nsd, sizeof bad);
  bad[20 + 8 + 2] = 200; /* ACE size beyond its ACL */
  CHECK_ERR(ORSetKeySecurity(root, DACL_SECURITY_INFORMATION, bad), ERROR_INVALID_PARAMETER);
  memcpy(bad, nsd, sizeof bad);
  bad[4] = 0; /* no owner */
  CHECK_ERR(ORSetKeySecurity(root, OWNER_SECURITY_INFORMATION, bad), ERROR_INVALID_PARAMETER);
  char *after = test_dump_hive(root);
  CHECK(strcmp(before, after) == 0);
  free(before);
  free(after);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_virtual_flags(void) {
  ORHKEY root = new_hive(), a, b;
  REQUIRE(root);
  DWORD f = 99;
  REQUIRE_OK(ORGetVirtualFlags(root, &f));
  CHECK_EQ_U(f, 0);
  CHECK_ERR(ORGetVirtualFlags(root, NULL), ERROR_INVALID_PARAMETER);
  REQUIRE_OK(ORCreateKey(root, W("A"), NULL, 0, NULL, &a, NULL));
  for (DWORD v = 0; v <= 0x20; v++) {
    DWORD st = ORSetVirtualFlags(a, v);
    bool ok = (v & ~(DWORD)0xE) == 0;
    CHECK_ERR(st, ok ? ERROR_SUCCESS : ERROR_INVALID_PARAMETER);
    if (ok) {
      REQUIRE_OK(ORGetVirtualFlags(a, &f));
      CHECK_EQ_U(f, v);
    }
  }
  /* REG_KEY_RECURSE_FLAG propagates to keys created later (IMPLEMENTATION-DEFINED). */
  REQUIRE_OK(ORSetVirtualFlags(a, REG_KEY_RECURSE_FLAG | REG_KEY_DONT_VIRTUALIZE));
  REQUIRE_OK(ORCreateKey(a, W("B\\C"), NULL, 0, NULL, &b, NULL));
  REQUIRE_OK(ORGetVirtualFlags(b, &f));
  CHECK_EQ_U(f, REG_KEY_RECURSE_FLAG | REG_KEY_DONT_VIRTUALIZE);
  ORCloseKey(b);
  REQUIRE_OK(ORSetVirtualFlags(a, REG_KEY_DONT_VIRTUALIZE));
  REQUIRE_OK(ORCreateKey(a, W("X"), NULL, 0, NULL, &b, NULL));
  REQUIRE_OK(ORGetVirtualFlags(b, &f));
  CHECK_EQ_U(f, 0);
  ORCloseKey(b);
  ORCloseKey(a);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* A descriptor whose last component is a SID with no sub-authority (8 bytes) is stored
 * zero-padded to sizeof(SID) = 12 bytes, so what the API accepts from a caller (measured by its
 * components) is what R-H06 (RtlValidRelativeSecurityDescriptor) accepts at load: create, set,
 * save and reopen all work (regression: fuzz/regressions/restore_fuzzer/sd-refused-by-orcreatekey). */
static void test_sd_with_short_last_sid(void) {
  /* header(20) | DACL at 20: rev 2, size 8, 0 ACEs | owner S-1-5-32-544 at 28 (16) |
   * group S-1-0 (no sub-authority) at 44 (8): extent 52, stored 56. */
  uint8_t sd[52] = {1, 0, 0x04, 0x80, 28, 0, 0, 0, 44, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0,
                    2, 0, 8, 0, 0, 0, 0, 0,
                    1, 2, 0, 0, 0, 0, 0, 5, 0x20, 0, 0, 0, 0x20, 2, 0, 0,
                    1, 0, 0, 0, 0, 0, 0, 0};
  ORHKEY h = new_hive(), k = NULL;
  REQUIRE(h);
  REQUIRE_OK(ORCreateKey(h, u"k", NULL, 0, sd, &k, NULL));
  uint8_t out[256];
  DWORD cb = sizeof out;
  REQUIRE_OK(ORGetKeySecurity(k, OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                              DACL_SECURITY_INFORMATION, out, &cb));
  CHECK_EQ_U(cb, 56);
  CHECK(memcmp(out, sd, sizeof sd) == 0);
  CHECK(out[52] == 0 && out[55] == 0);
  CHECK_ERR(ORSetKeySecurity(h, GROUP_SECURITY_INFORMATION, sd), ERROR_SUCCESS);
  CHECK_ERR(ORSetKeySecurity(k, OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION |
                             DACL_SECURITY_INFORMATION, out), ERROR_SUCCESS);
  ORHKEY r;
  CHECK_ERR(test_save_reopen(h, "sdpad", &r), ERROR_SUCCESS);
  if (r) ORCloseHive(r);
  ORCloseKey(k);
  ORCloseHive(h);
}

int main(void) {
  TEST_RUN(test_default_sd_bytes);
  TEST_RUN(test_get_security_buffers);
  TEST_RUN(test_set_security_merge_and_sharing);
  TEST_RUN(test_set_security_errors);
  TEST_RUN(test_virtual_flags);
  TEST_RUN(test_sd_with_short_last_sid);
  return test_finish();
}
