/*
 * test_cell.c: the cell map and reference rules R-C01..R-C08 (cell.c).
 * Each case points the root's value list (a field that requires a valid, allocated,
 * once-referenced cell) somewhere wrong.
 */
#include "bytes.h"
#include "cell.h"
#include "layout.h"
#include "test_common.h"

static hb B;
static uint8_t *D;
static size_t N;
static uint32_t list, spare, bigcell, child;

static void build(void) {
  hb_init(&B, 5, "ROOT");
  uint32_t vk = hb_vk(&B, "v", 3, "0123456789", 10);
  list = hb_set_values(&B, B.root, &vk, 1);
  spare = hb_cell(&B, 60);
  child = hb_nk(&B, "child", B.root);
  hb_set_subkeys(&B, B.root, &child, 1, LH_SIGNATURE);
  D = hb_finish(&B, &N);
}

static void set_list(uint32_t idx) { put32(D + 0x1000 + B.root + 4 + NK_OFF_VALUE_LIST, idx); }
static const uint64_t AT_LIST = 0x1000 + 0x20 + 4 + NK_OFF_VALUE_LIST;

static void test_map_bits(void) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  hr_cellmap cm;
  uint8_t bins[0x2000] = {0};
  REQUIRE_OK(cellmap_init(&cm, &m, bins, 0x2000));
  CHECK(!cellmap_is_start(&cm, 0x20));
  cellmap_mark_start(&cm, 0x20);
  cellmap_mark_start(&cm, 0x1FF8);
  CHECK(cellmap_is_start(&cm, 0x20));
  CHECK(!cellmap_is_start(&cm, 0x28));
  CHECK(!cellmap_is_start(&cm, 0x18));
  CHECK(cellmap_is_start(&cm, 0x1FF8));
  CHECK(!cellmap_is_seen(&cm, 0x20));
  cellmap_mark_seen(&cm, 0x20);
  CHECK(cellmap_is_seen(&cm, 0x20));
  CHECK(!cellmap_is_seen(&cm, 0x1FF8));
  CHECK_EQ_U(cell_file_off(cell_at(0x20)), 0x1020);
  CHECK(cell_is_nil(cell_at(REGF_CELL_NIL)));
  cellmap_free(&cm);
  CHECK_EQ_U(m.live_bytes, 0);
}

static void test_valid(void) {
  build();
  uint64_t keys, values;
  CHECK_ERR(hb_load(D, N, NULL, &keys, &values), ERROR_SUCCESS);
  CHECK_EQ_U(keys, 2);
  CHECK_EQ_U(values, 1);
  hb_free(&B);
}

static void test_range_and_alignment(void) {
  build();
  set_list((uint32_t)(N - 0x1000)); /* idx = Length */
  EXPECT_RULE_AT(D, N, "R-C02", AT_LIST);
  set_list(0x80000020u);
  EXPECT_RULE_AT(D, N, "R-C02", AT_LIST);
  set_list(list + 4);
  EXPECT_RULE_AT(D, N, "R-C03", AT_LIST);
  set_list(spare + 8); /* 8-aligned, inside the spare cell */
  EXPECT_RULE_AT(D, N, "R-C04", AT_LIST);
  set_list(REGF_CELL_NIL);
  EXPECT_RULE_AT(D, N, "R-C01", AT_LIST);
  hb_free(&B);
}

static void test_free_cell(void) {
  build();
  put32(D + 0x1000 + spare, 64); /* free the spare cell, then point at it */
  set_list(spare);
  EXPECT_RULE_AT(D, N, "R-C05", AT_LIST);
  hb_free(&B);
}

static void test_cell_over_1mib(void) {
  hb_init(&B, 5, "ROOT");
  uint32_t vk = hb_vk(&B, "v", 3, "0123456789", 10);
  hb_set_values(&B, B.root, &vk, 1);
  bigcell = hb_cell(&B, 0x200000); /* a 2 MiB cell in its own 2 MiB+ bin */
  D = hb_finish(&B, &N);
  EXPECT_OPEN(D, N); /* an unreferenced big cell is fine */
  put32(D + 0x1000 + vk + 4 + VK_OFF_DATA, bigcell);
  EXPECT_RULE_AT(D, N, "R-C06", 0x1000 + vk + 4 + VK_OFF_DATA);
  hb_free(&B);
}

static void test_shared_cell(void) {
  build();
  /* The child uses the root's value list too: the second claim fails. */
  put32(D + 0x1000 + child + 4 + NK_OFF_VALUE_COUNT, 1);
  put32(D + 0x1000 + child + 4 + NK_OFF_VALUE_LIST, list);
  EXPECT_RULE_AT(D, N, "R-C07", 0x1000 + child + 4 + NK_OFF_VALUE_LIST);
  hb_free(&B);
  /* A value list naming the same vk twice. */
  hb_init(&B, 5, "ROOT");
  uint32_t vk = hb_vk(&B, "v", 4, "\1\0\0\0", 4);
  uint32_t two[2] = {vk, vk};
  hb_set_values(&B, B.root, two, 2);
  D = hb_finish(&B, &N);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C07");
  hb_free(&B);
}

static void test_record_fits_cell(void) {
  /* R-C08: a record never reads past its cell: a vk whose name runs past the cell. */
  build();
  uint32_t vk = le32(D + 0x1000 + list + 4);
  put16(D + 0x1000 + vk + 4 + VK_OFF_NAME_LEN, 0xFFFF);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-F07");
  hb_free(&B);
}

int main(void) {
  TEST_RUN(test_map_bits);
  TEST_RUN(test_valid);
  TEST_RUN(test_range_and_alignment);
  TEST_RUN(test_free_cell);
  TEST_RUN(test_cell_over_1mib);
  TEST_RUN(test_shared_cell);
  TEST_RUN(test_record_fits_cell);
  return test_finish();
}
