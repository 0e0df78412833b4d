/*
 * test_sk.c: the security list and descriptors, rules R-H01..R-H10 (sk.c, secdesc.c), and the
 * interned descriptors of the loaded tree (refcounts exact).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bytes.h"
#include "layout.h"
#include "load.h"
#include "test_common.h"
#include "tree.h"

static hb B;
static uint8_t *D;
static size_t N;
static uint32_t ka, kb, sk2, sk3;

#define SREC(c) REC_OF(D, c)

/* ROOT(sk1) -> a(sk2), b(sk3), c(sk1).  Ring sk1 -> sk2 -> sk3 -> sk1; exact refcounts. */
static void build(void) {
  hb_init(&B, 5, "ROOT");
  uint8_t sd[sizeof hb_default_sd];
  memcpy(sd, hb_default_sd, sizeof sd);
  sd[28] = 0x21; /* a different owner RID: a distinct descriptor */
  sk2 = hb_sk(&B, sd, sizeof sd);
  sd[28] = 0x22;
  sk3 = hb_sk(&B, sd, sizeof sd);
  ka = hb_nk(&B, "a", B.root);
  kb = hb_nk(&B, "b", B.root);
  uint32_t kc = hb_nk(&B, "c", B.root);
  uint32_t kids[3] = {ka, kb, kc};
  hb_set_subkeys(&B, B.root, kids, 3, LH_SIGNATURE);
  D = hb_finish(&B, &N);
  put32(SREC(ka) + NK_OFF_SECURITY, sk2);
  put32(SREC(kb) + NK_OFF_SECURITY, sk3);
  put32(SREC(B.sk) + SK_OFF_REFCOUNT, 2);
  put32(SREC(sk2) + SK_OFF_REFCOUNT, 1);
  put32(SREC(sk3) + SK_OFF_REFCOUNT, 1);
}

static void test_valid_and_interned(void) {
  build();
  HRCheckSummary s;
  CHECK_ERR(hb_check(D, N, NULL, &s), ERROR_SUCCESS);
  CHECK_EQ_U(s.security_descriptors, 3);
  CHECK_EQ_U(s.findings_warn, 0);
  hr_mem m;
  mem_init(&m, NULL, N);
  hr_tree t = {0};
  t.mem = &m;
  REQUIRE_OK(hive_load(&t, D, N, NULL, NULL));
  CHECK_EQ_U(t.n_sds, 3);
  CHECK_EQ_U(t.root->sd->refs, 2);            /* root and c */
  CHECK(t.root->subkeys[2]->sd == t.root->sd);
  CHECK_EQ_U(t.root->subkeys[0]->sd->refs, 1);
  CHECK(t.root->subkeys[0]->sd != t.root->subkeys[1]->sd);
  CHECK_EQ_U(t.root->sd->len, sizeof hb_default_sd);
  CHECK(memcmp(t.root->sd->bytes, hb_default_sd, sizeof hb_default_sd) == 0);
  HRDiagnostic d;
  CHECK_ERR(tree_check(&t, &d), ERROR_SUCCESS);
  tree_free(&t);
  hb_free(&B);
}

static void test_identical_descriptors_share_one_sd(void) {
  build();
  memcpy(SREC(sk2) + SK_OFF_DESC, hb_default_sd, sizeof hb_default_sd); /* same bytes as sk1 */
  hr_mem m;
  mem_init(&m, NULL, N);
  hr_tree t = {0};
  t.mem = &m;
  REQUIRE_OK(hive_load(&t, D, N, NULL, NULL));
  CHECK_EQ_U(t.n_sds, 2);
  CHECK_EQ_U(t.root->sd->refs, 3);
  tree_free(&t);
  hb_free(&B);
}

static void test_list_rules(void) {
  build();
  uint32_t spare = hb_cell(&B, 0x60);
  D = hb_finish(&B, &N); /* relinks the ring and the refcounts of the builder */
  put32(SREC(ka) + NK_OFF_SECURITY, sk2);
  put32(SREC(kb) + NK_OFF_SECURITY, sk3);
  EXPECT_OPEN(D, N);
  free_cell(D, spare);
  put32(SREC(B.root) + NK_OFF_SECURITY, spare);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C05");
  EXPECT_MSG_HAS(D, N, "R-H01");
  put32(SREC(B.root) + NK_OFF_SECURITY, B.sk);
  put32(SREC(B.sk) + SK_OFF_FLINK, spare);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C05");
  EXPECT_MSG_HAS(D, N, "R-H02");
  put32(SREC(B.sk) + SK_OFF_FLINK, sk2);
  put32(SREC(sk2) + SK_OFF_DESC_LEN, 0xFFFFFFF0u);
  EXPECT_RULE_AT(D, N, "R-H03", FILE_OFF(sk2));
  put32(SREC(sk2) + SK_OFF_DESC_LEN, sizeof hb_default_sd);
  put32(SREC(sk3) + SK_OFF_BLINK, B.sk); /* should be sk2 */
  EXPECT_RULE_AT(D, N, "R-H04", FILE_OFF(sk3) + 4 + SK_OFF_BLINK);
  put32(SREC(sk3) + SK_OFF_BLINK, sk2);
  put32(SREC(B.sk) + SK_OFF_BLINK, sk2); /* should be sk3 (the last) */
  EXPECT_RULE_AT(D, N, "R-H05", FILE_OFF(B.sk) + 4 + SK_OFF_BLINK);
  put32(SREC(B.sk) + SK_OFF_BLINK, sk3);
  SREC(sk2)[SK_OFF_DESC] = 2; /* descriptor revision */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-H06");
  SREC(sk2)[SK_OFF_DESC] = 1;
  put32(SREC(sk2) + SK_OFF_FLINK, sk3);
  put32(SREC(sk3) + SK_OFF_FLINK, sk3); /* cycle that skips the anchor */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-H07");
  put32(SREC(sk3) + SK_OFF_FLINK, sk2);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-H07");
  put32(SREC(sk3) + SK_OFF_FLINK, B.sk);
  SREC(sk3)[1] = 'x';
  EXPECT_RULE_AT(D, N, "R-H08", FILE_OFF(sk3));
  SREC(sk3)[1] = 'k';
  EXPECT_OPEN(D, N);
  hb_free(&B);
}

static void test_small_sk_cell(void) {
  build();
  shrink_cell(D, sk3, 16);
  EXPECT_RULE_AT(D, N, "R-H03", FILE_OFF(sk3));
  hb_free(&B);
}

static void test_refcount_warn_and_orphans(void) {
  build();
  put32(SREC(sk2) + SK_OFF_REFCOUNT, 0);
  EXPECT_NOTE(D, N, "R-H09");
  put32(SREC(sk2) + SK_OFF_REFCOUNT, 0xFFFFFFFFu);
  EXPECT_NOTE(D, N, "R-H09");
  /* A key referencing an sk that is not in the list (an orphan): R-D20 (R-H10). */
  put32(SREC(B.sk) + SK_OFF_FLINK, sk3);
  put32(SREC(sk3) + SK_OFF_BLINK, B.sk);
  EXPECT_RULE_AT(D, N, "R-D20", FILE_OFF(ka) + 4 + NK_OFF_SECURITY);
  EXPECT_MSG_HAS(D, N, "R-H10");
  hb_free(&B);
}

static void test_sk_cell_not_claimable(void) {
  /* A value list pointing at an sk cell: sk cells are claimed by the list walk. */
  build();
  put32(SREC(ka) + NK_OFF_VALUE_COUNT, 1);
  put32(SREC(ka) + NK_OFF_VALUE_LIST, sk3);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C07");
  hb_free(&B);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void test_many_distinct_descriptors(void) {
  /* 40,000 keys with 40,000 distinct descriptors: grouping is O(n log n); a ring search per
   * descriptor (quadratic: ~8e8 comparisons) would take many seconds. */
  enum { NK = 40000 };
  uint32_t *keys = malloc(NK * sizeof *keys), *sks = malloc(NK * sizeof *sks);
  REQUIRE(keys && sks);
  hb_init(&B, 5, "ROOT");
  B.no_sk_ring = 1;
  uint8_t sd[sizeof hb_default_sd];
  memcpy(sd, hb_default_sd, sizeof sd);
  for (uint32_t i = 0; i < NK; i++) {
    char name[8];
    snprintf(name, sizeof name, "%05u", i);
    keys[i] = hb_nk(&B, name, B.root);
    put32(sd + 28, 0x10000 + i); /* owner RID */
    sks[i] = hb_sk(&B, sd, sizeof sd);
  }
  hb_set_subkeys_ri(&B, B.root, keys, NK, LH_SIGNATURE, 1000);
  D = hb_finish(&B, &N);
  uint32_t prev = B.sk;
  for (uint32_t i = 0; i < NK; i++) {
    put32(SREC(keys[i]) + NK_OFF_SECURITY, sks[i]);
    put32(SREC(sks[i]) + SK_OFF_REFCOUNT, 1);
    put32(SREC(prev) + SK_OFF_FLINK, sks[i]);
    put32(SREC(sks[i]) + SK_OFF_BLINK, prev);
    prev = sks[i];
  }
  put32(SREC(prev) + SK_OFF_FLINK, B.sk);
  put32(SREC(B.sk) + SK_OFF_BLINK, prev);
  put32(SREC(B.sk) + SK_OFF_REFCOUNT, 1);
  hr_mem m;
  mem_init(&m, NULL, N);
  hr_tree t = {0};
  t.mem = &m;
  double t0 = now_s();
  hr_status st = hive_load(&t, D, N, NULL, NULL);
  double dt = now_s() - t0;
  CHECK_ERR(st, ERROR_SUCCESS);
  CHECK_EQ_U(t.n_sds, NK + 1);
  CHECK(dt < 5.0);
  tree_free(&t);
  free(keys);
  free(sks);
  hb_free(&B);
}

int main(void) {
  TEST_RUN(test_many_distinct_descriptors);
  TEST_RUN(test_valid_and_interned);
  TEST_RUN(test_identical_descriptors_share_one_sd);
  TEST_RUN(test_list_rules);
  TEST_RUN(test_small_sk_cell);
  TEST_RUN(test_refcount_warn_and_orphans);
  TEST_RUN(test_sk_cell_not_claimable);
  return test_finish();
}
