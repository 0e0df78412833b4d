/*
 * test_values.c: values and their data, rules R-F01..R-F17 and R-G01..R-G08 (vk.c,
 * value_data.c, the value part of validate.c), plus the loaded values' content.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bytes.h"
#include "layout.h"
#include "load.h"
#include "test_common.h"
#include "tree.h"

static hb B;
static uint8_t *D;
static size_t N;
static uint32_t vk, list;

#define VREC(c) REC_OF(D, c)

/* ROOT with one value of len bytes (pattern data) in a 1.minor hive. */
static uint8_t *pattern(uint32_t len) {
  uint8_t *p = malloc(len ? len : 1);
  for (uint32_t i = 0; i < len; i++) p[i] = (uint8_t)(i * 7 + i / 251);
  return p;
}
static void build_value(uint32_t minor, uint32_t len) {
  uint8_t *p = pattern(len);
  hb_init(&B, minor, "ROOT");
  vk = hb_vk(&B, "val", 3, p, len);
  list = hb_set_values(&B, B.root, &vk, 1);
  D = hb_finish(&B, &N);
  free(p);
}

/* Loads and compares the single value's bytes with the pattern. */
static void check_loaded(uint32_t len) {
  hr_mem m;
  mem_init(&m, NULL, N);
  hr_tree t = {0};
  t.mem = &m;
  REQUIRE_OK(hive_load(&t, D, N, NULL, NULL));
  REQUIRE(t.root->n_values == 1);
  hr_value *v = &t.root->values[0];
  CHECK_EQ_U(v->size, len);
  CHECK_EQ_U(v->type, 3);
  CHECK_EQ_U(v->name_len, 3);
  uint8_t *p = pattern(len);
  CHECK(len == 0 ? v->data == NULL : memcmp(v->data, p, len) == 0);
  free(p);
  tree_free(&t);
}

static void test_sizes_roundtrip(void) {
  static const uint32_t sizes[] = {0, 1, 3, 4, 5, 100, 16343, 16344, 16345, 40000, 81725};
  for (unsigned i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    build_value(5, sizes[i]);
    check_loaded(sizes[i]);
    uint32_t raw = le32(VREC(vk) + VK_OFF_DATA_LEN);
    if (sizes[i] <= 4) CHECK(raw & VK_DATA_INLINE_BIT);
    if (sizes[i] > 16344) CHECK_EQ_U(le16(VREC(le32(VREC(vk) + VK_OFF_DATA))), DB_SIGNATURE);
    if (sizes[i] == 16344) CHECK(le16(VREC(le32(VREC(vk) + VK_OFF_DATA))) != DB_SIGNATURE);
    hb_free(&B);
  }
  /* 1.3: no big data; 40000 bytes in one cell is fine (R-G07). */
  build_value(3, 40000);
  check_loaded(40000);
  hb_free(&B);
}

static void test_value_list_rules(void) {
  build_value(5, 10);
  uint32_t spare = hb_cell(&B, 32);
  D = hb_finish(&B, &N);
  free_cell(D, spare);
  put32(VREC(B.root) + NK_OFF_VALUE_LIST, spare);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C05");
  EXPECT_MSG_HAS(D, N, "R-F01");
  put32(VREC(B.root) + NK_OFF_VALUE_LIST, list);
  put32(VREC(B.root) + NK_OFF_VALUE_COUNT, 0x40000001u);
  EXPECT_RULE_AT(D, N, "R-F02", FILE_OFF(B.root) + 4 + NK_OFF_VALUE_COUNT);
  put32(VREC(B.root) + NK_OFF_VALUE_COUNT, 0); /* count 0, list set: warn; list not claimed */
  EXPECT_NOTE(D, N, "R-F03");
  put32(VREC(B.root) + NK_OFF_VALUE_COUNT, 1);
  put32(VREC(list), REGF_CELL_NIL);
  EXPECT_RULE_AT(D, N, "R-F05", FILE_OFF(list) + 4);
  hb_free(&B);
}

static void test_vk_rules(void) {
  build_value(5, 10);
  VREC(vk)[1] = 'x';
  EXPECT_RULE_AT(D, N, "R-F06", FILE_OFF(vk));
  VREC(vk)[1] = 'k';
  put16(VREC(vk) + VK_OFF_NAME_LEN, 0xFFFF);
  EXPECT_RULE_AT(D, N, "R-F07", FILE_OFF(vk));
  put16(VREC(vk) + VK_OFF_NAME_LEN, 3);
  put16(VREC(vk) + VK_OFF_FLAGS, 0); /* UTF-16 name of 3 bytes: odd */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-F08");
  put16(VREC(vk) + VK_OFF_FLAGS, VK_FLAG_COMP_NAME | VK_FLAG_TOMBSTONE); /* not layered */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-F09");
  put16(VREC(vk) + VK_OFF_FLAGS, VK_FLAG_COMP_NAME);
  put32(VREC(vk) + VK_OFF_DATA_LEN, 0x80000005u);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-F11");
  put32(VREC(vk) + VK_OFF_DATA_LEN, 0xFFFFFFFFu);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-F11");
  put32(VREC(vk) + VK_OFF_DATA_LEN, 0x80000000u); /* inline, 0 bytes: the Windows empty value */
  EXPECT_OPEN(D, N);
  hb_free(&B);
  /* A vk in a 16-byte cell (usable 12 < 0x14). */
  build_value(5, 10);
  shrink_cell(D, vk, 16);
  EXPECT_RULE_AT(D, N, "R-F06", FILE_OFF(vk));
  hb_free(&B);
  /* Compressed name of 0x4000 bytes (max 0x3FFF). */
  char *name = malloc(0x4001);
  REQUIRE(name);
  memset(name, 'v', 0x4000);
  name[0x4000] = 0;
  hb_init(&B, 5, "ROOT");
  vk = hb_vk(&B, name, 4, "abcd", 4);
  hb_set_values(&B, B.root, &vk, 1);
  D = hb_finish(&B, &N);
  free(name);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-F08");
  put16(VREC(vk) + VK_OFF_NAME_LEN, 0x3FFF);
  EXPECT_OPEN(D, N);
  hb_free(&B);
}

static void test_tombstones(void) {
  hb_init(&B, 6, "ROOT");
  vk = hb_vk(&B, "gone", 0, "", 0);
  hb_set_values(&B, B.root, &vk, 1);
  D = hb_finish(&B, &N);
  put16(VREC(vk) + VK_OFF_FLAGS, VK_FLAG_COMP_NAME | VK_FLAG_TOMBSTONE);
  put32(VREC(vk) + VK_OFF_DATA_LEN, 0);
  put32(VREC(vk) + VK_OFF_DATA, REGF_CELL_NIL);
  EXPECT_OPEN(D, N); /* the layered-hive tombstone shape (§12 item 12) */
  put32(VREC(vk) + VK_OFF_TYPE, 1);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-F10");
  put32(VREC(vk) + VK_OFF_TYPE, 0);
  REC_OF(D, B.root)[NK_OFF_LAYER] = 0; /* fine */
  hb_free(&B);
  /* A tombstone key (layer 1) with values. */
  hb_init(&B, 6, "ROOT");
  uint32_t k = hb_nk(&B, "k", B.root);
  hb_set_subkeys(&B, B.root, &k, 1, LH_SIGNATURE);
  vk = hb_vk(&B, "v", 4, "abcd", 4);
  hb_set_values(&B, k, &vk, 1);
  D = hb_finish(&B, &N);
  EXPECT_OPEN(D, N);
  REC_OF(D, k)[NK_OFF_LAYER] = 1;
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-F04");
  hb_free(&B);
}

static void test_data_cell_rules(void) {
  build_value(5, 10);
  uint32_t spare = hb_cell(&B, 8);
  D = hb_finish(&B, &N);
  uint32_t data = le32(VREC(vk) + VK_OFF_DATA);
  put32(VREC(vk) + VK_OFF_DATA_LEN, 0); /* length 0 with a data cell: warn */
  EXPECT_NOTE(D, N, "R-F12");
  put32(VREC(vk) + VK_OFF_DATA_LEN, 10);
  free_cell(D, spare);
  put32(VREC(vk) + VK_OFF_DATA, spare);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C05");
  EXPECT_MSG_HAS(D, N, "R-F13");
  put32(VREC(vk) + VK_OFF_DATA, data);
  put32(VREC(vk) + VK_OFF_DATA_LEN, 0x100); /* 0x100 bytes in a 16-byte cell */
  EXPECT_RULE_AT(D, N, "R-F14", FILE_OFF(vk) + 4 + VK_OFF_DATA_LEN);
  hb_free(&B);
}

/* R-F16 on both sides of the pairwise / sorted boundary (validate.c DUP_PAIRWISE_MAX = 32),
 * with GUID-like names that share length, first, middle and last character (the pairwise key)
 * and names whose whole-name hashes are laid out to meet in the sort: each duplicate is
 * reported once, and nothing else. */
static void test_duplicates_boundary(void) {
  static const int counts[] = {2, 31, 32, 33, 34, 64};
  for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
    int n = counts[c];
    for (int dups = 0; dups <= 2; dups++) {
      hb_init(&B, 5, "ROOT");
      uint32_t ids[70];
      for (int i = 0; i < n; i++) {
        char name[40];
        snprintf(name, sizeof name, "{%08X-0000-0000-0000-%012X}", (unsigned)(i * 7919u),
                 (unsigned)(i * 104729u));
        name[19] = '-';
        ids[i] = hb_vk(&B, name, 4, "abcd", 4);
      }
      /* dups 1: the last value repeats the first (case-folded); dups 2: also the middle one
       * repeats value 1, placed first in the list. */
      char first[40];
      snprintf(first, sizeof first, "{%08x-0000-0000-0000-%012x}", 0u, 0u);
      first[19] = '-';
      if (dups >= 1 && n >= 2) ids[n - 1] = hb_vk(&B, first, 4, "abcd", 4);
      if (dups >= 2 && n >= 3) {
        char second[40];
        snprintf(second, sizeof second, "{%08X-0000-0000-0000-%012X}", 7919u, 104729u);
        second[19] = '-';
        ids[n / 2] = hb_vk(&B, second, 4, "abcd", 4);
      }
      hb_set_values(&B, B.root, ids, (uint32_t)n);
      D = hb_finish(&B, &N);
      EXPECT_OPEN(D, N);
      HRCheckSummary s;
      CHECK_ERR(hb_check(D, N, NULL, &s), ERROR_SUCCESS);
      uint32_t want = (uint32_t)(dups >= 2 && n >= 3 ? 2 : dups >= 1 ? 1 : 0);
      if (s.findings_warn != want)
        test_fail(__FILE__, __LINE__, "%d values, %d duplicates: %u warnings", n, dups,
                  (unsigned)s.findings_warn);
      CHECK(want == 0 || hb_check_has(D, N, "R-F16"));
      hb_free(&B);
    }
  }
}

static void test_max_fields_and_duplicates(void) {
  build_value(5, 10);
  put32(VREC(B.root) + NK_OFF_MAX_VALUE_DATA, 0);
  EXPECT_NOTE(D, N, "R-F15");
  put32(VREC(B.root) + NK_OFF_MAX_VALUE_DATA, 10);
  put32(VREC(B.root) + NK_OFF_MAX_VALUE_NAME, 2);
  EXPECT_NOTE(D, N, "R-F15");
  hb_free(&B);
  hb_init(&B, 5, "ROOT");
  uint32_t v[3] = {hb_vk(&B, "A", 4, "abcd", 4), hb_vk(&B, "b", 4, "abcd", 4),
                   hb_vk(&B, "a", 4, "abcd", 4)};
  hb_set_values(&B, B.root, v, 3);
  D = hb_finish(&B, &N);
  EXPECT_NOTE(D, N, "R-F16"); /* duplicates open: no load check (spec R-F16) */
  hb_free(&B);
  hb_init(&B, 5, "ROOT");
  uint32_t w[2] = {hb_vk(&B, "d", 4, "a", 1), hb_vk(&B, "q", 11, "abcd", 4)};
  hb_set_values(&B, B.root, w, 2);
  D = hb_finish(&B, &N);
  EXPECT_NOTE(D, N, "R-F17");
  CHECK(!hb_check_has(D, N, "R-F16"));
  hb_free(&B);
  /* The sorted path (more than DUP_PAIRWISE_MAX = 32 values): 300 distinct names, then one
   * case-variant. */
  hb_init(&B, 5, "ROOT");
  uint32_t many[301];
  for (int i = 0; i < 300; i++) {
    char name[16];
    snprintf(name, sizeof name, "Value%03d", i);
    many[i] = hb_vk(&B, name, 4, "abcd", 4);
  }
  hb_set_values(&B, B.root, many, 300);
  D = hb_finish(&B, &N);
  EXPECT_OPEN(D, N);
  CHECK(!hb_check_has(D, N, "R-F16"));
  hb_free(&B);
  hb_init(&B, 5, "ROOT");
  for (int i = 0; i < 300; i++) {
    char name[16];
    snprintf(name, sizeof name, "Value%03d", i);
    many[i] = hb_vk(&B, name, 4, "abcd", 4);
  }
  many[300] = hb_vk(&B, "vALUE123", 4, "abcd", 4);
  hb_set_values(&B, B.root, many, 301);
  D = hb_finish(&B, &N);
  EXPECT_NOTE(D, N, "R-F16");
  HRCheckSummary s;
  CHECK_ERR(hb_check(D, N, NULL, &s), ERROR_SUCCESS);
  CHECK_EQ_U(s.findings_warn, 1);
  hb_free(&B);
}

static void test_value_order_kept(void) {
  hb_init(&B, 5, "ROOT");
  uint32_t v[3] = {hb_vk(&B, "zeta", 4, "1111", 4), hb_vk(&B, "alpha", 1, "a\0\0", 3),
                   hb_vk(&B, "", 3, "default", 7)};
  hb_set_values(&B, B.root, v, 3);
  D = hb_finish(&B, &N);
  hr_mem m;
  mem_init(&m, NULL, N);
  hr_tree t = {0};
  t.mem = &m;
  REQUIRE_OK(hive_load(&t, D, N, NULL, NULL));
  REQUIRE(t.root->n_values == 3);
  CHECK_EQ_U(t.root->values[0].name_len, 4);
  CHECK(t.root->values[0].name[0] == 'z');
  CHECK(t.root->values[1].name[0] == 'a');
  CHECK_EQ_U(t.root->values[1].type, 1);
  CHECK(t.root->values[2].name == NULL && t.root->values[2].name_len == 0);
  CHECK(memcmp(t.root->values[2].data, "default", 7) == 0);
  tree_free(&t);
  hb_free(&B);
}

/* Big data (R-G*): hive 1.5 with a 40000-byte value: db, list of 3 segments. */
static uint32_t db, seglist;
static void build_big(void) {
  build_value(5, 40000);
  db = le32(VREC(vk) + VK_OFF_DATA);
  seglist = le32(VREC(db) + DB_OFF_LIST);
}

static void test_big_data_rules(void) {
  build_big();
  EXPECT_OPEN(D, N);
  put16(VREC(db) + DB_OFF_COUNT, 0);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-G01");
  put16(VREC(db) + DB_OFF_COUNT, 3);
  put32(VREC(db) + DB_OFF_LIST, REGF_CELL_NIL);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-G01");
  put32(VREC(db) + DB_OFF_LIST, seglist + 8); /* into the middle of something */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C04");
  EXPECT_MSG_HAS(D, N, "R-G02");
  put32(VREC(db) + DB_OFF_LIST, seglist);
  put16(VREC(db) + DB_OFF_COUNT, 0xFFFF); /* with a 16-byte list */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-G03");
  put16(VREC(db) + DB_OFF_COUNT, 2); /* needs 3 */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-G04");
  put16(VREC(db) + DB_OFF_COUNT, 3);
  uint32_t seg2 = le32(VREC(seglist) + 8);
  free_cell(D, seg2);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C05");
  EXPECT_MSG_HAS(D, N, "R-G05");
  hb_free(&B);
  build_big();
  uint32_t seg2b = le32(VREC(seglist) + 8);
  shrink_cell(D, seg2b, 16); /* a short last segment */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-G06");
  hb_free(&B);
  build_big();
  VREC(db)[0] = 'x'; /* a 1.5 hive, > 16344 bytes, not a db: R-G01 (the R-G08 case) */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-G01");
  EXPECT_MSG_HAS(D, N, "R-G08");
  hb_free(&B);
  /* R-G07: a 1.3 hive with a db: the data is read as one plain cell, which is too small. */
  build_big();
  put32(D + REGF_OFF_MINOR, 3);
  hb_fix_checksum(&B);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-G07");
  hb_free(&B);
  /* Count = needed + 1 with room in the list. */
  build_value(5, 16345);
  db = le32(VREC(vk) + VK_OFF_DATA);
  seglist = le32(VREC(db) + DB_OFF_LIST);
  CHECK_EQ_U(le16(VREC(db) + DB_OFF_COUNT), 2);
  put16(VREC(db) + DB_OFF_COUNT, 3); /* needed + 1; the 16-byte list has room for 3 */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-G04");
  put16(VREC(db) + DB_OFF_COUNT, 4); /* 16 bytes of entries in 12 usable bytes */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-G03");
  hb_free(&B);
}

int main(void) {
  TEST_RUN(test_sizes_roundtrip);
  TEST_RUN(test_value_list_rules);
  TEST_RUN(test_vk_rules);
  TEST_RUN(test_tombstones);
  TEST_RUN(test_data_cell_rules);
  TEST_RUN(test_max_fields_and_duplicates);
  TEST_RUN(test_duplicates_boundary);
  TEST_RUN(test_value_order_kept);
  TEST_RUN(test_big_data_rules);
  return test_finish();
}
