/*
 * test_base_block.c: base block rules R-A01..R-A17 and the §2.2 checksum (base_block.c).
 */
#include <stdlib.h>
#include <string.h>

#include "base_block.h"
#include "bytes.h"
#include "hivebuild.h"
#include "layout.h"
#include "load.h"
#include "test.h"

static hb B;
static uint8_t *D;
static size_t N;

static void build(void) {
  hb_init(&B, 5, "ROOT");
  D = hb_finish(&B, &N);
}

/* Expects hive_load to reject with err and rule at offset off (off UINT64_MAX: any). */
#define EXPECT_REJECT(err, rule_id, off)                                              \
  do {                                                                                \
    HRDiagnostic _d;                                                                  \
    CHECK_ERR(hb_load(D, N, &_d, NULL, NULL), err);                                   \
    if (strcmp(_d.rule, rule_id) != 0)                                                \
      test_fail(__FILE__, __LINE__, "rule %s, want %s (%s)", _d.rule, rule_id, _d.message); \
    if ((uint64_t)(off) != UINT64_MAX) CHECK_EQ_U(_d.offset, off);                    \
  } while (0)

static void test_valid_minimal(void) {
  build();
  uint64_t keys = 0;
  CHECK_ERR(hb_load(D, N, NULL, &keys, NULL), ERROR_SUCCESS);
  CHECK_EQ_U(keys, 1);
  CHECK(!hb_check_has(D, N, "R-A10"));
  hb_free(&B);
}

static void test_checksum_function_remap(void) {
  uint8_t h[0x200];
  memset(h, 0, sizeof h);
  CHECK_EQ_U(base_block_checksum(h), 1);          /* XOR 0 -> 1 */
  put32(h + 0x10, 0xFFFFFFFFu);
  CHECK_EQ_U(base_block_checksum(h), 0xFFFFFFFEu); /* XOR -1 -> -2 */
  put32(h + 0x1FC, 0x12345678u);                  /* the checksum field itself is excluded */
  CHECK_EQ_U(base_block_checksum(h), 0xFFFFFFFEu);
  put32(h + 0x10, 0x00000005u);
  put32(h + 0x1F8, 0x00000003u);
  CHECK_EQ_U(base_block_checksum(h), 6);
}

static void test_checksum_zero_edge(void) {
  build();
  /* Make the raw XOR 0 by choosing the last covered dword (0x1F8): stored value must be 1. */
  put32(D + 0x1F8, 0);
  uint32_t x = 0;
  for (unsigned i = 0; i < REGF_CHECKSUM_DWORDS; i++) x ^= le32(D + 4 * i);
  put32(D + 0x1F8, x);
  put32(D + REGF_OFF_CHECKSUM, 1);
  CHECK_ERR(hb_load(D, N, NULL, NULL, NULL), ERROR_SUCCESS);
  put32(D + REGF_OFF_CHECKSUM, 0); /* the raw XOR (Samba's writer) is not accepted */
  EXPECT_REJECT(ERROR_NOT_REGISTRY_FILE, "R-A03", REGF_OFF_CHECKSUM);
  hb_free(&B);
}

static void test_checksum_ffffffff_edge(void) {
  build();
  put32(D + 0x1F8, 0);
  uint32_t x = 0;
  for (unsigned i = 0; i < REGF_CHECKSUM_DWORDS; i++) x ^= le32(D + 4 * i);
  put32(D + 0x1F8, ~x);
  put32(D + REGF_OFF_CHECKSUM, 0xFFFFFFFEu);
  CHECK_ERR(hb_load(D, N, NULL, NULL, NULL), ERROR_SUCCESS);
  put32(D + REGF_OFF_CHECKSUM, 0xFFFFFFFFu);
  EXPECT_REJECT(ERROR_NOT_REGISTRY_FILE, "R-A03", REGF_OFF_CHECKSUM);
  hb_free(&B);
}

static void test_checksum_bad(void) {
  build();
  put32(D + REGF_OFF_CHECKSUM, le32(D + REGF_OFF_CHECKSUM) + 1);
  EXPECT_REJECT(ERROR_NOT_REGISTRY_FILE, "R-A03", REGF_OFF_CHECKSUM);
  hb_free(&B);
}

static void test_empty_and_short(void) {
  uint8_t one = 0;
  HRDiagnostic d;
  CHECK_ERR(hb_load(&one, 0, &d, NULL, NULL), ERROR_BADDB);
  CHECK(strcmp(d.rule, "R-A01") == 0);
  CHECK_ERR(d.error, ERROR_BADDB);
  build();
  N = 0x1FFF; /* R-A01 mutation: truncate to 0x1FFF */
  EXPECT_REJECT(ERROR_NOT_REGISTRY_FILE, "R-A01", 0);
  hb_free(&B);
}

/* Edits a header dword, fixes the checksum, expects the rule. */
static void header_case(uint32_t off, uint32_t value, const char *rule, uint64_t at) {
  build();
  put32(D + off, value);
  hb_fix_checksum(&B);
  EXPECT_REJECT(ERROR_NOT_REGISTRY_FILE, rule, at);
  hb_free(&B);
}

static void test_header_fields(void) {
  header_case(REGF_OFF_SIGNATURE, 0x66676573u, "R-A02", 0);
  header_case(REGF_OFF_TYPE, REGF_TYPE_LOG_OLD, "R-A04", REGF_OFF_TYPE);
  header_case(REGF_OFF_TYPE, REGF_TYPE_LOG_NEW, "R-A04", REGF_OFF_TYPE);
  header_case(REGF_OFF_MAJOR, 2, "R-A05", REGF_OFF_MAJOR);
  header_case(REGF_OFF_MAJOR, 0, "R-A05", REGF_OFF_MAJOR);
  header_case(REGF_OFF_MINOR, 2, "R-A06", REGF_OFF_MINOR);
  header_case(REGF_OFF_MINOR, 7, "R-A06", REGF_OFF_MINOR);
  header_case(REGF_OFF_MINOR, 0xFFFFFFFFu, "R-A06", REGF_OFF_MINOR);
  header_case(REGF_OFF_FORMAT, 0, "R-A07", REGF_OFF_FORMAT);
  header_case(REGF_OFF_FORMAT, 2, "R-A07", REGF_OFF_FORMAT);
  header_case(REGF_OFF_LENGTH, 0, "R-A08", REGF_OFF_LENGTH);
  header_case(REGF_OFF_LENGTH, 0x1001, "R-A08", REGF_OFF_LENGTH);
  header_case(REGF_OFF_LENGTH, 0x80000000u, "R-A08", REGF_OFF_LENGTH);
  header_case(REGF_OFF_LENGTH, 0xFFFFF000u, "R-A08", REGF_OFF_LENGTH);
  header_case(REGF_OFF_LENGTH, 0x2000, "R-A09", REGF_OFF_LENGTH); /* = file size */
  header_case(REGF_OFF_ROOT_CELL, 0x80000020u, "R-A12", REGF_OFF_ROOT_CELL);
}

static void test_minor_3_to_6_accepted(void) {
  for (uint32_t minor = 3; minor <= 6; minor++) {
    hb_init(&B, minor, "ROOT");
    D = hb_finish(&B, &N);
    CHECK_ERR(hb_load(D, N, NULL, NULL, NULL), ERROR_SUCCESS);
    hb_free(&B);
  }
}

static void test_root_cell(void) {
  header_case(REGF_OFF_ROOT_CELL, 0xFFFFFFFFu, "R-C01", REGF_OFF_ROOT_CELL);
  header_case(REGF_OFF_ROOT_CELL, 4, "R-C03", REGF_OFF_ROOT_CELL);
  /* Root pointing at the sk cell: allocated, but not an nk. */
  build();
  put32(D + REGF_OFF_ROOT_CELL, B.sk);
  hb_fix_checksum(&B);
  EXPECT_REJECT(ERROR_NOT_REGISTRY_FILE, "R-D05", 0x1000 + B.sk);
  hb_free(&B);
  /* Root in a cell too small for an nk (usable 0x44), signature intact. */
  build();
  uint8_t *root = D + 0x1000 + 0x20;
  int32_t rs = (int32_t)le32(root);
  put32(root, (uint32_t)-0x48);
  put32(root + 0x48, (uint32_t)(-rs - 0x48));
  EXPECT_REJECT(ERROR_NOT_REGISTRY_FILE, "R-A13", REGF_OFF_ROOT_CELL);
  hb_free(&B);
  /* Root inside a free cell: the tail of the bin. */
  hb_init(&B, 5, "ROOT");
  uint32_t spare = hb_cell(&B, 200);
  D = hb_finish(&B, &N);
  put32(D + REGF_BLOCK_SIZE + spare, 208); /* free it */
  put32(D + REGF_OFF_ROOT_CELL, spare);
  hb_fix_checksum(&B);
  EXPECT_REJECT(ERROR_NOT_REGISTRY_FILE, "R-C05", REGF_OFF_ROOT_CELL);
  hb_free(&B);
}

static void test_dirty_opens_with_warning(void) {
  build();
  put32(D + REGF_OFF_SEQ1, 3);
  put32(D + REGF_OFF_SEQ2, 2);
  hb_fix_checksum(&B);
  CHECK_ERR(hb_load(D, N, NULL, NULL, NULL), ERROR_SUCCESS);
  CHECK(hb_check_has(D, N, "R-A10"));
  HRCheckSummary s;
  CHECK_ERR(hb_check(D, N, NULL, &s), ERROR_SUCCESS);
  CHECK(s.dirty);
  CHECK(s.findings_warn >= 1);
  hb_free(&B);
}

static void test_warn_and_info_rules_do_not_reject(void) {
  build();
  put32(D + REGF_OFF_CLUSTER, 8);          /* R-A11 warn */
  put32(D + REGF_OFF_FLAGS, 0xFFFFFFF0u);  /* R-A15 info */
  D[0x800] = 0x5A;                          /* R-A14 info: never read */
  hb_fix_checksum(&B);
  CHECK_ERR(hb_load(D, N, NULL, NULL, NULL), ERROR_SUCCESS);
  CHECK(hb_check_has(D, N, "R-A11"));
  CHECK(hb_check_has(D, N, "R-A15"));
  CHECK(hb_check_has(D, N, "R-A14"));
  /* R-A17: a tail after the last bin is ignored and reported. */
  uint8_t *big = malloc(N + 0x1000);
  REQUIRE(big);
  memcpy(big, D, N);
  memset(big + N, 0xEE, 0x1000);
  CHECK_ERR(hb_load(big, N + 0x1000, NULL, NULL, NULL), ERROR_SUCCESS);
  CHECK(hb_check_has(big, N + 0x1000, "R-A17"));
  free(big);
  hb_free(&B);
}

static void test_check_continues_past_header_rules(void) {
  build();
  put32(D + REGF_OFF_TYPE, 1);
  put32(D + REGF_OFF_FORMAT, 3);
  HRCheckSummary s;
  CHECK_ERR(hb_check(D, N, NULL, &s), ERROR_NOT_REGISTRY_FILE);
  CHECK_EQ_U(s.findings_reject, 3); /* checksum, type, format */
  CHECK_EQ_U(s.keys, 1);            /* and still walked the tree */
  hb_free(&B);
}

static void test_info_fields(void) {
  build();
  hr_mem m;
  mem_init(&m, NULL, N);
  hr_tree t = {0};
  t.mem = &m;
  HRHiveInfo info;
  CHECK_ERR(hive_load(&t, D, N, NULL, &info), ERROR_SUCCESS);
  CHECK_EQ_U(info.minor, 5);
  CHECK_EQ_U(info.root_cell, 0x20);
  CHECK_EQ_U(info.length, 0x1000);
  CHECK_EQ_U(info.file_size, N);
  CHECK(!info.dirty);
  tree_free(&t);
  hb_free(&B);
}

int main(void) {
  TEST_RUN(test_valid_minimal);
  TEST_RUN(test_checksum_function_remap);
  TEST_RUN(test_checksum_zero_edge);
  TEST_RUN(test_checksum_ffffffff_edge);
  TEST_RUN(test_checksum_bad);
  TEST_RUN(test_empty_and_short);
  TEST_RUN(test_header_fields);
  TEST_RUN(test_minor_3_to_6_accepted);
  TEST_RUN(test_root_cell);
  TEST_RUN(test_dirty_opens_with_warning);
  TEST_RUN(test_warn_and_info_rules_do_not_reject);
  TEST_RUN(test_check_continues_past_header_rules);
  TEST_RUN(test_info_fields);
  return test_finish();
}
