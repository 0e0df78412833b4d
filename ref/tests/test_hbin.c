/*
 * test_hbin.c: bin headers and the cell walk, rules R-B01..R-B11 (hbin.c).
 */
#include <stdlib.h>

#include "bytes.h"
#include "layout.h"
#include "test_common.h"

static hb B;
static uint8_t *D;
static size_t N;
static uint32_t spare; /* an allocated, unreferenced cell in bin 1 */
static uint32_t bin2_cell;

/* Two bins: [0, 0x1000) with root, sk, a spare cell and a free tail; [0x1000, 0x2000). */
static void build(void) {
  hb_init(&B, 5, "ROOT");
  spare = hb_cell(&B, 60);
  hb_close_bin(&B);
  bin2_cell = hb_cell(&B, 100);
  D = hb_finish(&B, &N);
}

static uint8_t *bin2(void) { return D + 0x1000 + 0x1000; }

static void test_two_bins_open(void) {
  build();
  EXPECT_OPEN(D, N);
  HRCheckSummary s;
  CHECK_ERR(hb_check(D, N, NULL, &s), ERROR_SUCCESS);
  CHECK_EQ_U(s.findings_reject, 0);
  hb_free(&B);
}

static void test_bin_header_rules(void) {
  build();
  bin2()[0] = 'x';
  EXPECT_RULE_AT(D, N, "R-B01", 0x2000);
  hb_free(&B);
  build();
  put32(bin2() + HBIN_OFF_FILE_OFFSET, 0x2000);
  EXPECT_RULE_AT(D, N, "R-B02", 0x2004);
  hb_free(&B);
  static const uint32_t bad_sizes[] = {0, 0x20, 0x1800};
  for (unsigned i = 0; i < 3; i++) {
    build();
    put32(bin2() + HBIN_OFF_SIZE, bad_sizes[i]);
    EXPECT_RULE_AT(D, N, "R-B03", 0x2008);
    hb_free(&B);
  }
  build();
  put32(bin2() + HBIN_OFF_SIZE, 0x2000); /* last bin runs 0x1000 past Length */
  EXPECT_RULE_AT(D, N, "R-B04", 0x2008);
  hb_free(&B);
  /* R-B05: Length shorter than the bins' sum: the first bin then overruns Length. */
  build();
  put32(D + 0x1000 + HBIN_OFF_SIZE, 0x2000);
  put32(D + REGF_OFF_LENGTH, 0x1000);
  hb_fix_checksum(&B);
  EXPECT_RULE(D, 0x2000, ERROR_NOT_REGISTRY_FILE, "R-B04");
  hb_free(&B);
}

static void test_misaligned_and_missing_bins(void) {
  /* R-B06: 0xFF filler where a bin header is expected (misaligned bins, §12 item 17). */
  build();
  memset(bin2(), 0xFF, 0x200);
  EXPECT_RULE_AT(D, N, "R-B06", 0x2000);
  hb_free(&B);
  /* R-B06: the second bin shifted by 0x200 (a header at a non-bin boundary). */
  build();
  uint8_t *shifted = malloc(N + 0x200);
  REQUIRE(shifted);
  memcpy(shifted, D, 0x2000);
  memset(shifted + 0x2000, 0, 0x200);
  memcpy(shifted + 0x2200, D + 0x2000, N - 0x2000);
  EXPECT_RULE_AT(shifted, N + 0x200, "R-B06", 0x2000);
  free(shifted);
  hb_free(&B);
  /* R-B05: Length one page beyond the bins (a zero page). */
  build();
  uint8_t *longer = calloc(1, N + 0x1000);
  REQUIRE(longer);
  memcpy(longer, D, N);
  put32(longer + REGF_OFF_LENGTH, (uint32_t)(N - 0x1000 + 0x1000));
  memcpy(D, longer, 0x200);
  hb_fix_checksum(&B);
  memcpy(longer, D, 0x200);
  EXPECT_RULE_AT(longer, N + 0x1000, "R-B05", N);
  free(longer);
  hb_free(&B);
  /* R-B01: a damaged header with a bin after it. */
  hb_init(&B, 5, "ROOT");
  hb_close_bin(&B);
  hb_cell(&B, 100);
  hb_close_bin(&B);
  hb_cell(&B, 100);
  D = hb_finish(&B, &N);
  bin2()[1] = 'X';
  EXPECT_RULE_AT(D, N, "R-B01", 0x2000);
  hb_free(&B);
  build();
  bin2()[1] = 'X';
  EXPECT_RULE_AT(D, N, "R-B01", 0x2000); /* the last bin, header damaged */
  memset(bin2(), 0, 0x20);
  EXPECT_RULE_AT(D, N, "R-B05", 0x2000); /* the last bin, header zeroed: bins end early */
  hb_free(&B);
}

static void test_cell_size_rules(void) {
  build();
  put32(D + 0x1000 + spare, 0);
  EXPECT_RULE_AT(D, N, "R-B07", FILE_OFF(spare));
  hb_free(&B);
  build();
  put32(D + 0x1000 + spare, (uint32_t)-0x1C);
  EXPECT_RULE_AT(D, N, "R-B08", FILE_OFF(spare));
  hb_free(&B);
  build();
  put32(D + 0x1000 + spare, 0x1C); /* free cells too */
  EXPECT_RULE_AT(D, N, "R-B08", FILE_OFF(spare));
  hb_free(&B);
  build();
  put32(D + 0x1000 + spare, 0x80000000u);
  EXPECT_RULE_AT(D, N, "R-B09", FILE_OFF(spare));
  hb_free(&B);
  build();
  /* The last cell of bin 2 (its free tail) overruns the bin by 8 (R-B10; R-B11: the walk must
   * end exactly at the bin end). */
  uint32_t tail = 0x1000 + 0x20 + 104;
  int32_t sz = (int32_t)le32(D + 0x1000 + tail);
  CHECK(sz > 0);
  put32(D + 0x1000 + tail, (uint32_t)(sz + 8));
  EXPECT_RULE_AT(D, N, "R-B10", FILE_OFF(tail));
  hb_free(&B);
  build();
  put32(D + 0x1000 + spare, (uint32_t)-0x7FFFFFF8); /* huge: no overflow in the bound check */
  EXPECT_RULE_AT(D, N, "R-B10", FILE_OFF(spare));
  hb_free(&B);
}

static void test_check_mode_goes_on_to_next_bin(void) {
  /* A bad cell in bin 1 stops that bin's walk; bin 2 is still walked.  The root is before the
   * bad cell, so the tree is still checked. */
  build();
  put32(D + 0x1000 + spare, 0);
  HRCheckSummary s;
  CHECK_ERR(hb_check(D, N, NULL, &s), ERROR_NOT_REGISTRY_FILE);
  CHECK_EQ_U(s.findings_reject, 1);
  CHECK_EQ_U(s.keys, 1);
  hb_free(&B);
}

static void test_big_bin(void) {
  /* A bin larger than 4 KiB holding one big cell (spec §3: bins > 4 KiB exist). */
  hb_init(&B, 5, "ROOT");
  uint32_t big = hb_cell(&B, 0x2800);
  D = hb_finish(&B, &N);
  CHECK_EQ_U(le32(D + 0x1000 + 0x1000 + HBIN_OFF_SIZE), 0x3000);
  EXPECT_OPEN(D, N);
  (void)big;
  hb_free(&B);
}

int main(void) {
  TEST_RUN(test_two_bins_open);
  TEST_RUN(test_bin_header_rules);
  TEST_RUN(test_misaligned_and_missing_bins);
  TEST_RUN(test_cell_size_rules);
  TEST_RUN(test_check_mode_goes_on_to_next_bin);
  TEST_RUN(test_big_bin);
  return test_finish();
}
