/*
 * test_subkey_list.c: subkey indexes li/lf/lh/ri, rules R-E01..R-E17 (subkey_list.c and the
 * key walk in validate.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bytes.h"
#include "layout.h"
#include "test_common.h"

static hb B;
static uint8_t *D;
static size_t N;
static uint32_t kids[40], list;

/* ROOT with n children "k00".."k(n-1)" (sorted) in one leaf of type sig, or an ri of leaves of
 * per_leaf when per_leaf > 0. */
static void build(uint16_t sig, uint32_t n, uint32_t per_leaf) {
  hb_init(&B, 5, "ROOT");
  for (uint32_t i = 0; i < n; i++) {
    char name[8];
    snprintf(name, sizeof name, "k%02u", i);
    kids[i] = hb_nk(&B, name, B.root);
  }
  list = per_leaf ? hb_set_subkeys_ri(&B, B.root, kids, n, sig, per_leaf)
                  : hb_set_subkeys(&B, B.root, kids, n, sig);
  D = hb_finish(&B, &N);
}

#define LREC(c) REC_OF(D, c)

static void test_each_leaf_type_opens(void) {
  static const uint16_t sigs[3] = {LI_SIGNATURE, LF_SIGNATURE, LH_SIGNATURE};
  for (int i = 0; i < 3; i++) {
    build(sigs[i], 10, 0);
    uint64_t keys;
    CHECK_ERR(hb_load(D, N, NULL, &keys, NULL), ERROR_SUCCESS);
    CHECK_EQ_U(keys, 11);
    hb_free(&B);
    build(sigs[i], 10, 3); /* ri over leaves of 3, 3, 3, 1 */
    CHECK_ERR(hb_load(D, N, NULL, &keys, NULL), ERROR_SUCCESS);
    CHECK_EQ_U(keys, 11);
    hb_free(&B);
  }
}

static void test_list_cell_rules(void) {
  build(LH_SIGNATURE, 3, 0);
  uint32_t spare = hb_cell(&B, 16);
  D = hb_finish(&B, &N);
  free_cell(D, spare);
  put32(LREC(B.root) + NK_OFF_SUBKEY_LIST, spare);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C05");
  EXPECT_MSG_HAS(D, N, "R-E01");
  put32(LREC(B.root) + NK_OFF_SUBKEY_LIST, list);
  put16(LREC(list) + LIST_OFF_COUNT, 0xFFFF);
  EXPECT_RULE_AT(D, N, "R-E03", FILE_OFF(list));
  put16(LREC(list) + LIST_OFF_COUNT, 0);
  EXPECT_RULE_AT(D, N, "R-E04", FILE_OFF(list));
  put16(LREC(list) + LIST_OFF_COUNT, 3);
  put16(LREC(list) + LIST_OFF_SIGNATURE, 0x7878); /* "xx" */
  EXPECT_RULE_AT(D, N, "R-E05", FILE_OFF(list));
  put16(LREC(list) + LIST_OFF_SIGNATURE, NK_SIGNATURE);
  EXPECT_RULE_AT(D, N, "R-E05", FILE_OFF(list));
  put16(LREC(list) + LIST_OFF_SIGNATURE, LH_SIGNATURE);
  put32(LREC(B.root) + NK_OFF_SUBKEY_COUNT, 4); /* nk count 4, leaf 3 */
  EXPECT_RULE_AT(D, N, "R-E06", FILE_OFF(list));
  hb_free(&B);
}

static void test_ri_rules(void) {
  build(LF_SIGNATURE, 10, 3);
  uint32_t other_ri = hb_cell(&B, 8), spare = hb_cell(&B, 16);
  D = hb_finish(&B, &N);
  put16(LREC(other_ri), RI_SIGNATURE);
  put16(LREC(other_ri) + 2, 1);
  put32(LREC(other_ri) + 4, le32(LREC(list) + 4));
  uint32_t leaf0 = le32(LREC(list) + 4);
  /* ri -> ri (nesting) */
  put32(LREC(list) + 4, other_ri);
  EXPECT_RULE_AT(D, N, "R-E08", FILE_OFF(other_ri));
  /* ri -> itself: a nested ri (the signature is checked before the claim) */
  put32(LREC(list) + 4, list);
  EXPECT_RULE_AT(D, N, "R-E08", FILE_OFF(list));
  /* ri -> a leaf that another element already names: claimed twice */
  put32(LREC(list) + 4, le32(LREC(list) + 8));
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C07");
  /* ri element -> free cell */
  free_cell(D, spare);
  put32(LREC(list) + 4, spare);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C05");
  EXPECT_MSG_HAS(D, N, "R-E07");
  put32(LREC(list) + 4, leaf0);
  EXPECT_OPEN(D, N);
  /* leaf under ri with count 0 / too big */
  put16(LREC(leaf0) + 2, 0);
  EXPECT_RULE_AT(D, N, "R-E04", FILE_OFF(leaf0));
  put16(LREC(leaf0) + 2, 200);
  EXPECT_RULE_AT(D, N, "R-E03", FILE_OFF(leaf0));
  put16(LREC(leaf0) + 2, 3);
  put32(LREC(B.root) + NK_OFF_SUBKEY_COUNT, 11);
  EXPECT_RULE_AT(D, N, "R-E09", FILE_OFF(list));
  hb_free(&B);
}

static void test_element_rules(void) {
  build(LH_SIGNATURE, 3, 0);
  uint32_t vk = hb_vk(&B, "notakey", 4, "abcd", 4), spare = hb_cell(&B, 0x60);
  D = hb_finish(&B, &N);
  free_cell(D, spare);
  put32(LREC(list) + 4 + 8, spare);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C05");
  EXPECT_MSG_HAS(D, N, "R-E10");
  put32(LREC(list) + 4 + 8, vk);
  EXPECT_RULE_AT(D, N, "R-E11", FILE_OFF(list) + 4 + 4 + 8);
  put32(LREC(list) + 4 + 8, list); /* at the list itself (claimed already): still R-E11 */
  EXPECT_RULE_AT(D, N, "R-E11", FILE_OFF(list) + 4 + 4 + 8);
  put32(LREC(list) + 4 + 8, B.sk); /* at the sk */
  EXPECT_RULE_AT(D, N, "R-E11", FILE_OFF(list) + 4 + 4 + 8);
  put32(LREC(list) + 4 + 8, kids[1]);
  EXPECT_OPEN(D, N);
  put32(LREC(list) + 4 + 8 + 4, 0x12345678); /* lh hash */
  EXPECT_RULE_AT(D, N, "R-E12", FILE_OFF(list) + 4 + 4 + 8 + 4);
  hb_free(&B);
  build(LF_SIGNATURE, 3, 0);
  LREC(list)[4 + 4] = 'K'; /* the hint is not upcased (§6.4): "K" != "k" */
  EXPECT_RULE_AT(D, N, "R-E13", FILE_OFF(list) + 4 + 4 + 4);
  hb_free(&B);
}

static void test_order_rules(void) {
  build(LH_SIGNATURE, 3, 0);
  /* swap two elements */
  uint8_t tmp[8];
  memcpy(tmp, LREC(list) + 4, 8);
  memcpy(LREC(list) + 4, LREC(list) + 12, 8);
  memcpy(LREC(list) + 12, tmp, 8);
  EXPECT_RULE_AT(D, N, "R-E14", FILE_OFF(list) + 4 + 4 + 8);
  hb_free(&B);
  /* case-insensitive duplicate "a" / "A" */
  hb_init(&B, 5, "ROOT");
  uint32_t two[2] = {hb_nk(&B, "A", B.root), hb_nk(&B, "a", B.root)};
  hb_set_subkeys(&B, B.root, two, 2, LH_SIGNATURE);
  D = hb_finish(&B, &N);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-E14");
  hb_free(&B);
  /* order across ri leaves */
  build(LI_SIGNATURE, 6, 3);
  uint32_t leaf0 = le32(LREC(list) + 4), leaf1 = le32(LREC(list) + 8);
  put32(LREC(list) + 4, leaf1);
  put32(LREC(list) + 8, leaf0);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-E14");
  hb_free(&B);
  /* Ordering uses the Windows upcase table: "_" (0x5F) sorts after "A".."Z" but before "a"
   * would if case-sensitive; "b" vs "_": upcase('b') = 'B' (0x42) < '_' (0x5F). */
  hb_init(&B, 5, "ROOT");
  uint32_t ord[2] = {hb_nk(&B, "b", B.root), hb_nk(&B, "_", B.root)};
  hb_set_subkeys(&B, B.root, ord, 2, LH_SIGNATURE);
  D = hb_finish(&B, &N);
  EXPECT_OPEN(D, N);
  hb_free(&B);
}

static void test_cycles_and_sharing(void) {
  /* A subkey list that contains the root: the root nk is claimed already (R-E17 via R-C07). */
  build(LH_SIGNATURE, 3, 0);
  put32(LREC(list) + 4 + 16, B.root);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C07");
  EXPECT_MSG_HAS(D, N, "R-E17");
  hb_free(&B);
  /* Two parents sharing one child. */
  hb_init(&B, 5, "ROOT");
  uint32_t a = hb_nk(&B, "a", B.root), b = hb_nk(&B, "b", B.root), c = hb_nk(&B, "c", a);
  uint32_t ab[2] = {a, b};
  hb_set_subkeys(&B, B.root, ab, 2, LH_SIGNATURE);
  hb_set_subkeys(&B, a, &c, 1, LH_SIGNATURE);
  hb_set_subkeys(&B, b, &c, 1, LH_SIGNATURE);
  D = hb_finish(&B, &N);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C07");
  hb_free(&B);
  /* A key listing itself as its own child. */
  hb_init(&B, 5, "ROOT");
  a = hb_nk(&B, "a", B.root);
  hb_set_subkeys(&B, B.root, &a, 1, LH_SIGNATURE);
  hb_set_subkeys(&B, a, &a, 1, LH_SIGNATURE);
  D = hb_finish(&B, &N);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C07");
  hb_free(&B);
}

/* A chain root -> k1 -> ... -> k(n) of n nested keys. */
static void build_chain(uint32_t n) {
  hb_init(&B, 5, "ROOT");
  uint32_t parent = B.root;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t k = hb_nk(&B, "k", parent);
    hb_set_subkeys(&B, parent, &k, 1, LH_SIGNATURE);
    parent = k;
  }
  D = hb_finish(&B, &N);
}

static void test_depth_limit(void) {
  build_chain(511); /* root + 511 nested keys = 512 on the path: passes */
  uint64_t keys;
  CHECK_ERR(hb_load(D, N, NULL, &keys, NULL), ERROR_SUCCESS);
  CHECK_EQ_U(keys, 512);
  hb_free(&B);
  build_chain(512); /* root + 512: fails */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-E16");
  hb_free(&B);
}

static void test_many_subkeys(void) {
  /* 3000 children under an ri of lh leaves of 1000 (leaves exceed 507 entries, §12). */
  hb_init(&B, 5, "ROOT");
  uint32_t *k = malloc(3000 * sizeof *k);
  REQUIRE(k);
  for (uint32_t i = 0; i < 3000; i++) {
    char name[8];
    snprintf(name, sizeof name, "%05u", i);
    k[i] = hb_nk(&B, name, B.root);
  }
  hb_set_subkeys_ri(&B, B.root, k, 3000, LH_SIGNATURE, 1000);
  D = hb_finish(&B, &N);
  free(k);
  uint64_t keys;
  CHECK_ERR(hb_load(D, N, NULL, &keys, NULL), ERROR_SUCCESS);
  CHECK_EQ_U(keys, 3001);
  hb_free(&B);
}

int main(void) {
  TEST_RUN(test_each_leaf_type_opens);
  TEST_RUN(test_list_cell_rules);
  TEST_RUN(test_ri_rules);
  TEST_RUN(test_element_rules);
  TEST_RUN(test_order_rules);
  TEST_RUN(test_cycles_and_sharing);
  TEST_RUN(test_depth_limit);
  TEST_RUN(test_many_subkeys);
  return test_finish();
}
