/*
 * test_secdesc.c: self-relative security descriptor validation (secdesc.c, rule R-H06;
 * MS-DTYP 2.4.6 / 2.4.5 / 2.4.4 / 2.4.2).
 */
#include <string.h>

#include "bytes.h"
#include "hivebuild.h"
#include "secdesc.h"
#include "test.h"

static uint8_t sd[256];

static size_t base_sd(void) {
  memcpy(sd, hb_default_sd, sizeof hb_default_sd);
  return sizeof hb_default_sd;
}

static void test_default_sd_is_valid(void) {
  size_t n = base_sd();
  CHECK(secdesc_valid(sd, n));
}

static void test_header_rules(void) {
  size_t n = base_sd();
  CHECK(!secdesc_valid(NULL, 0));
  CHECK(!secdesc_valid(sd, 19));       /* shorter than the 20-byte header */
  sd[0] = 2;                           /* revision */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  put16(sd + 2, 0x0004);               /* SE_SELF_RELATIVE missing */
  CHECK(!secdesc_valid(sd, n));
}

static void test_minimal_header_only(void) {
  /* No owner, group or ACLs: valid when nothing is required (RequiredInformation 0). */
  uint8_t h[20] = {1, 0, 0x00, 0x80};
  CHECK(secdesc_valid(h, sizeof h));
  /* DACL_PRESENT with offset 0: a NULL DACL, still valid. */
  h[2] = 0x04;
  CHECK(secdesc_valid(h, sizeof h));
}

static void test_owner_offset_rules(void) {
  size_t n = base_sd();
  put32(sd + 4, (uint32_t)n);          /* OffsetOwner = len (V12 mutation) */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  put32(sd + 4, 8);                    /* inside the header */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  put32(sd + 4, 22);                   /* unaligned */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  sd[21] = 255;                        /* SubAuthorityCount 255 */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  sd[20] = 2;                          /* SID revision */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  put32(sd + 4, (uint32_t)n - 12);     /* the ACE's SID, made to claim 16 bytes: 12 left */
  CHECK(secdesc_valid(sd, n));
  sd[n - 11] = 2;
  CHECK(!secdesc_valid(sd, n));
}

static void test_group_sid(void) {
  size_t n = base_sd();
  put32(sd + 8, 20);                   /* group = the owner SID: valid */
  CHECK(secdesc_valid(sd, n));
  put32(sd + 8, (uint32_t)n - 4);
  CHECK(!secdesc_valid(sd, n));
}

static void test_dacl_rules(void) {
  size_t n = base_sd();
  put32(sd + 16, (uint32_t)n - 2);     /* OffsetDacl = len - 2 (V12) */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  sd[36] = 1;                          /* ACL revision 1 */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  sd[36] = 5;
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  put16(sd + 38, 200);                 /* AclSize past the descriptor */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  put16(sd + 38, 27);                  /* odd AclSize */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  put16(sd + 40, 2);                   /* AceCount 2 but room for one */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  put16(sd + 46, 40);                  /* AceSize past AclSize */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  put16(sd + 46, 2);                   /* AceSize below the header (no progress) */
  CHECK(!secdesc_valid(sd, n));
  base_sd();
  sd[53] = 4;                          /* ACE SID with 4 sub-authorities: past AceSize */
  CHECK(!secdesc_valid(sd, n));
  /* Without DACL_PRESENT the DACL offset is not looked at. */
  base_sd();
  put16(sd + 2, 0x8000);
  put32(sd + 16, 9999);
  CHECK(secdesc_valid(sd, n));
}

static void test_sacl_and_other_aces(void) {
  /* SACL with a mandatory-label ACE (type 0x11): only header checks apply to it. */
  size_t n = base_sd();
  uint8_t *sacl = sd + n;
  const uint8_t acl[] = {2, 0, 28, 0, 1, 0, 0, 0,
                         0x11, 0, 20, 0, 1, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 16, 0, 0x10, 0, 0};
  memcpy(sacl, acl, sizeof acl);
  put16(sd + 2, 0x8014);
  put32(sd + 12, (uint32_t)n);
  CHECK(secdesc_valid(sd, n + sizeof acl));
  CHECK(!secdesc_valid(sd, n + sizeof acl - 4)); /* ACL cut short */
  /* An object ACE (type 5) with an object-type GUID: SID located after the GUID. */
  uint8_t obj[8 + 4 + 4 + 4 + 16 + 12] = {2, 0, sizeof obj, 0, 1, 0, 0, 0,
                                          5, 0, sizeof obj - 8, 0, 1, 0, 0, 0, 1, 0, 0, 0};
  uint8_t *sid = obj + 8 + 12 + 16;
  sid[0] = 1;
  sid[1] = 1;
  sid[7] = 1;
  memcpy(sacl, obj, sizeof obj);
  CHECK(secdesc_valid(sd, n + sizeof obj));
  obj[8 + 8] = 3; /* both GUIDs claimed: the SID would start past AceSize */
  memcpy(sacl, obj, sizeof obj);
  CHECK(!secdesc_valid(sd, n + sizeof obj));
}

static void test_check_names_reason(void) {
  size_t n = base_sd();
  const char *why = NULL;
  sd[0] = 3;
  CHECK(!secdesc_check(sd, n, &why));
  CHECK(why && strstr(why, "revision") != NULL);
}

int main(void) {
  TEST_RUN(test_default_sd_is_valid);
  TEST_RUN(test_header_rules);
  TEST_RUN(test_minimal_header_only);
  TEST_RUN(test_owner_offset_rules);
  TEST_RUN(test_group_sid);
  TEST_RUN(test_dacl_rules);
  TEST_RUN(test_sacl_and_other_aces);
  TEST_RUN(test_check_names_reason);
  return test_finish();
}
