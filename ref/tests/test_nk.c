/*
 * test_nk.c: key-node rules R-D01..R-D29 (nk.c and the key walk in validate.c).
 */
#include "bytes.h"
#include "layout.h"
#include "name.h"
#include "nk.h"
#include "test_common.h"
#include "upcase.h"

static hb B;
static uint8_t *D;
static size_t N;
static uint32_t kid, kid2;

/* ROOT -> {child, other}. */
static void build_minor(uint32_t minor) {
  hb_init(&B, minor, "ROOT");
  kid = hb_nk(&B, "child", B.root);
  kid2 = hb_nk(&B, "other", B.root);
  uint32_t kids[2] = {kid, kid2};
  hb_set_subkeys(&B, B.root, kids, 2, LH_SIGNATURE);
  D = hb_finish(&B, &N);
}
static void build(void) { build_minor(5); }

#define KREC(c) REC_OF(D, c)

static void test_valid(void) {
  build();
  uint64_t keys;
  CHECK_ERR(hb_load(D, N, NULL, &keys, NULL), ERROR_SUCCESS);
  CHECK_EQ_U(keys, 3);
  hb_free(&B);
}

static void test_size_bounds(void) {
  build();
  shrink_cell(D, kid, 0x48); /* usable 0x44 < 0x4C */
  EXPECT_RULE_AT(D, N, "R-D01", FILE_OFF(kid));
  hb_free(&B);
  /* usable > 0x45C: a long name, then shortened (R-D01 comes first). */
  char name[0x420];
  memset(name, 'n', sizeof name - 1);
  name[sizeof name - 1] = 0;
  hb_init(&B, 5, "ROOT");
  kid = hb_nk(&B, name, B.root);
  hb_set_subkeys(&B, B.root, &kid, 1, LH_SIGNATURE);
  D = hb_finish(&B, &N);
  put16(KREC(kid) + NK_OFF_NAME_LEN, 1);
  hb_fix_checksum(&B);
  EXPECT_RULE_AT(D, N, "R-D01", FILE_OFF(kid));
  hb_free(&B);
}

static void test_name_length(void) {
  build();
  put16(KREC(kid) + NK_OFF_NAME_LEN, 0);
  EXPECT_RULE_AT(D, N, "R-D02", FILE_OFF(kid));
  put16(KREC(kid) + NK_OFF_NAME_LEN, 0x100); /* past the cell */
  EXPECT_RULE_AT(D, N, "R-D02", FILE_OFF(kid));
  hb_free(&B);
}

static void test_compressed_name_rules(void) {
  char name[258];
  memset(name, 'a', 257);
  name[257] = 0;
  hb_init(&B, 5, "ROOT");
  kid = hb_nk(&B, name, B.root);
  hb_set_subkeys(&B, B.root, &kid, 1, LH_SIGNATURE);
  D = hb_finish(&B, &N);
  EXPECT_RULE_AT(D, N, "R-D03", FILE_OFF(kid));
  put16(KREC(kid) + NK_OFF_NAME_LEN, 256); /* exactly 256: accepted on read (spec §9) */
  put32(KREC(B.root) + NK_OFF_MAX_NAME_LEN, 512);
  uint32_t h = 0;
  for (int i = 0; i < 256; i++) h = 37u * h + 'A';
  put32(REC_OF(D, le32(KREC(B.root) + NK_OFF_SUBKEY_LIST)) + 8, h);
  EXPECT_OPEN(D, N);
  hb_free(&B);
  build();
  KREC(kid)[NK_OFF_NAME] = 0;
  EXPECT_RULE_AT(D, N, "R-D03", FILE_OFF(kid));
  KREC(kid)[NK_OFF_NAME] = 'c';
  KREC(kid)[NK_OFF_NAME + 2] = '\\';
  EXPECT_RULE_AT(D, N, "R-D03", FILE_OFF(kid));
  hb_free(&B);
}

static void test_utf16_name_rules(void) {
  uint16_t nm[3] = {'a', '\\', 'b'};
  hb_init(&B, 5, "ROOT");
  kid = hb_nk_utf16(&B, nm, 3, B.root);
  hb_set_subkeys(&B, B.root, &kid, 1, LH_SIGNATURE);
  D = hb_finish(&B, &N);
  EXPECT_RULE_AT(D, N, "R-D04", FILE_OFF(kid));
  put16(KREC(kid) + NK_OFF_NAME + 2, 'c');
  put32(REC_OF(D, le32(KREC(B.root) + NK_OFF_SUBKEY_LIST)) + 8, ('A' * 37u + 'C') * 37u + 'B');
  EXPECT_OPEN(D, N);
  put16(KREC(kid) + NK_OFF_NAME_LEN, 5); /* odd */
  EXPECT_RULE_AT(D, N, "R-D04", FILE_OFF(kid));
  put16(KREC(kid) + NK_OFF_NAME_LEN, 6);
  put16(KREC(kid) + NK_OFF_NAME, 0);
  EXPECT_RULE_AT(D, N, "R-D04", FILE_OFF(kid));
  hb_free(&B);
  uint16_t long_name[257];
  for (int i = 0; i < 257; i++) long_name[i] = 0x0411;
  hb_init(&B, 5, "ROOT");
  kid = hb_nk_utf16(&B, long_name, 257, B.root); /* 0x202 bytes */
  hb_set_subkeys(&B, B.root, &kid, 1, LH_SIGNATURE);
  D = hb_finish(&B, &N);
  EXPECT_RULE_AT(D, N, "R-D04", FILE_OFF(kid));
  hb_free(&B);
}

static void test_signature_parent_flags(void) {
  build();
  KREC(kid)[1] = 'x';
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-E11"); /* R-D05 for a child */
  EXPECT_MSG_HAS(D, N, "R-D05");
  hb_free(&B);
  build();
  put32(KREC(kid) + NK_OFF_PARENT, kid2);
  EXPECT_RULE_AT(D, N, "R-D06", FILE_OFF(kid) + 4 + NK_OFF_PARENT);
  hb_free(&B);
  build();
  put16(KREC(kid) + NK_OFF_FLAGS, 0x2C);
  EXPECT_RULE_AT(D, N, "R-D07", FILE_OFF(kid) + 4 + NK_OFF_FLAGS);
  hb_free(&B);
  build();
  put16(KREC(B.root) + NK_OFF_FLAGS, 0x2C | KEY_SYM_LINK);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D08");
  put16(KREC(B.root) + NK_OFF_FLAGS, 0x2C | KEY_PREDEF_HANDLE);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D08");
  put16(KREC(B.root) + NK_OFF_FLAGS, 0x2C | KEY_HIVE_EXIT);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D09");
  put16(KREC(B.root) + NK_OFF_FLAGS, 0x0C); /* UTF-16 flag combos are fine: name "RO" "OT" */
  put16(KREC(B.root) + NK_OFF_FLAGS, 0x2C);
  put16(KREC(kid) + NK_OFF_FLAGS, KEY_COMP_NAME | KEY_PREDEF_HANDLE);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D22");
  put16(KREC(kid) + NK_OFF_FLAGS, KEY_COMP_NAME | KEY_VOLATILE);
  EXPECT_NOTE(D, N, "R-D23");
  put16(KREC(kid) + NK_OFF_FLAGS, KEY_COMP_NAME | 0x1000 | KEY_VIRTUAL_STORE);
  EXPECT_OPEN(D, N);
  hb_free(&B);
}

static void test_layer_rules(void) {
  build();
  KREC(kid)[NK_OFF_LAYER] = 3; /* R-D10 is a warning: the spare byte is cleared (RULES.md) */
  EXPECT_NOTE(D, N, "R-D10");
  KREC(kid)[NK_OFF_LAYER] = 0x80; /* InheritClass alone is not a layer semantic */
  EXPECT_OPEN(D, N);
  hb_free(&B);
  build_minor(6); /* hb_finish sets the layered flag for 1.6 */
  KREC(B.root)[NK_OFF_LAYER] = 1;
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D11");
  KREC(B.root)[NK_OFF_LAYER] = 2;
  EXPECT_OPEN(D, N);
  KREC(B.root)[NK_OFF_LAYER] = 3;
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D11");
  KREC(B.root)[NK_OFF_LAYER] = 0;
  KREC(kid)[NK_OFF_LAYER] = 3; /* supersede-tree parent: children must be 1 or 3 */
  EXPECT_OPEN(D, N);
  hb_free(&B);
  hb_init(&B, 6, "ROOT");
  kid = hb_nk(&B, "a", B.root);
  kid2 = hb_nk(&B, "b", kid);
  hb_set_subkeys(&B, B.root, &kid, 1, LH_SIGNATURE);
  hb_set_subkeys(&B, kid, &kid2, 1, LH_SIGNATURE);
  D = hb_finish(&B, &N);
  KREC(kid)[NK_OFF_LAYER] = 3;
  EXPECT_RULE_AT(D, N, "R-D12", FILE_OFF(kid2) + 4 + NK_OFF_LAYER);
  KREC(kid2)[NK_OFF_LAYER] = 1;
  EXPECT_OPEN(D, N);
  KREC(kid)[NK_OFF_LAYER] = 1; /* tombstone with subkeys */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-E02");
  hb_free(&B);
}

static void test_class_rules(void) {
  hb_init(&B, 5, "ROOT");
  kid = hb_nk(&B, "child", B.root);
  hb_set_subkeys(&B, B.root, &kid, 1, LH_SIGNATURE);
  uint32_t cls = hb_set_class(&B, kid, "C\0l\0s\0", 6);
  uint32_t spare = hb_cell(&B, 8);
  D = hb_finish(&B, &N);
  put32(KREC(B.root) + NK_OFF_MAX_CLASS_LEN, 6);
  EXPECT_OPEN(D, N);
  CHECK(!hb_check_has(D, N, "R-D19"));
  put32(KREC(B.root) + NK_OFF_MAX_CLASS_LEN, 0);
  EXPECT_NOTE(D, N, "R-D19");
  put16(KREC(kid) + NK_OFF_CLASS_LEN, 0); /* class cell with length 0: warn, not followed */
  EXPECT_NOTE(D, N, "R-D13");
  put16(KREC(kid) + NK_OFF_CLASS_LEN, 10);
  put32(KREC(kid) + NK_OFF_CLASS, REGF_CELL_NIL);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D14");
  put32(KREC(kid) + NK_OFF_CLASS, cls);
  put16(KREC(kid) + NK_OFF_CLASS_LEN, 0x1000);
  EXPECT_RULE_AT(D, N, "R-D16", FILE_OFF(kid) + 4 + NK_OFF_CLASS_LEN);
  put16(KREC(kid) + NK_OFF_CLASS_LEN, 6);
  free_cell(D, spare);
  put32(KREC(kid) + NK_OFF_CLASS, spare);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-C05");
  EXPECT_MSG_HAS(D, N, "R-D15");
  hb_free(&B);
  /* R-D17: a tombstone key with a class (1.6). */
  hb_init(&B, 6, "ROOT");
  kid = hb_nk(&B, "child", B.root);
  hb_set_subkeys(&B, B.root, &kid, 1, LH_SIGNATURE);
  hb_set_class(&B, kid, "C\0", 2);
  D = hb_finish(&B, &N);
  put32(KREC(B.root) + NK_OFF_MAX_CLASS_LEN, 2);
  EXPECT_OPEN(D, N);
  KREC(kid)[NK_OFF_LAYER] = 1;
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D17");
  hb_free(&B);
}

static void test_max_name_len(void) {
  build();
  put32(KREC(B.root) + NK_OFF_MAX_NAME_LEN, 0x00230000); /* flags kept, length 0 */
  EXPECT_NOTE(D, N, "R-D18");
  hb_free(&B);
}

static void test_security_ref(void) {
  build();
  put32(KREC(kid) + NK_OFF_SECURITY, REGF_CELL_NIL);
  EXPECT_RULE_AT(D, N, "R-D20", FILE_OFF(kid) + 4 + NK_OFF_SECURITY);
  put32(KREC(kid) + NK_OFF_SECURITY, kid2); /* a valid cell that is not an sk */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D20");
  hb_free(&B);
}

static void test_volatile_fields_ignored(void) {
  build();
  put32(KREC(B.root) + NK_OFF_VSUBKEY_COUNT, 5);
  put32(KREC(B.root) + NK_OFF_VSUBKEY_LIST, 0x80000180u); /* as in System_Delta (§12) */
  EXPECT_NOTE(D, N, "R-D24");
  put32(KREC(B.root) + NK_OFF_VSUBKEY_COUNT, 0);
  put32(KREC(B.root) + NK_OFF_VSUBKEY_LIST, NK_BADFOOD);
  EXPECT_OPEN(D, N);
  hb_free(&B);
}

/* A symlink key with one value (name, type, data) — R-D26..R-D29. */
static void build_link(const char *vname, uint32_t type, uint32_t len) {
  static const uint8_t target[64] = {'\\', 0, 'R', 0, 'E', 0, 'G', 0};
  hb_init(&B, 5, "ROOT");
  kid = hb_nk(&B, "link", B.root);
  hb_set_subkeys(&B, B.root, &kid, 1, LH_SIGNATURE);
  uint32_t vk = hb_vk(&B, vname, type, target, len);
  hb_set_values(&B, kid, &vk, 1);
  D = hb_finish(&B, &N);
  put16(KREC(kid) + NK_OFF_FLAGS, KEY_COMP_NAME | KEY_SYM_LINK);
}

static void test_symlink_rules(void) {
  build_link("SymbolicLinkValue", 6, 16);
  EXPECT_OPEN(D, N);
  put32(KREC(kid) + NK_OFF_VALUE_COUNT, 0);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D26");
  hb_free(&B);
  build_link("symboliclinkvalue", 6, 16); /* case-insensitive name */
  EXPECT_OPEN(D, N);
  hb_free(&B);
  build_link("Target", 6, 16);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D27");
  hb_free(&B);
  build_link("SymbolicLinkValue", 1, 16);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D28");
  hb_free(&B);
  build_link("SymbolicLinkValue", 6, 7);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D29");
  hb_free(&B);
  /* Two values on a link. */
  hb_init(&B, 5, "ROOT");
  kid = hb_nk(&B, "link", B.root);
  hb_set_subkeys(&B, B.root, &kid, 1, LH_SIGNATURE);
  uint32_t v2[2] = {hb_vk(&B, "SymbolicLinkValue", 6, "\\\0R\0", 4), hb_vk(&B, "x", 4, "1234", 4)};
  hb_set_values(&B, kid, v2, 2);
  D = hb_finish(&B, &N);
  put16(KREC(kid) + NK_OFF_FLAGS, KEY_COMP_NAME | KEY_SYM_LINK);
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-D26");
  hb_free(&B);
}

/* ---- raw-name helpers against plain one-unit-at-a-time references ---------------------- */

/* upcase_unit as specified (regf-format.md §6.2) without the Latin-1 table shortcut. */
static uint16_t ref_upcase(uint16_t c) {
  if (c < 'a') return c;
  if (c <= 'z') return (uint16_t)(c - 0x20);
  const uint16_t *page = upcase_pages[c >> 8];
  return page ? page[c & 0xFF] : c;
}

static void test_upcase_latin1_page(void) {
  CHECK(upcase_pages[0] == upcase_latin1);
  for (uint32_t c = 0; c <= 0xFFFF; c++)
    if (upcase_unit((uint16_t)c) != ref_upcase((uint16_t)c)) {
      test_fail(__FILE__, __LINE__, "upcase_unit(0x%X) = 0x%X, want 0x%X", c,
                upcase_unit((uint16_t)c), ref_upcase((uint16_t)c));
      return;
    }
}

static uint32_t rng_state = 12345;
static uint32_t rng(void) {
  rng_state = rng_state * 1103515245u + 12345u;
  return rng_state >> 8;
}

/* Units that fold onto each other (or nearly), in both encodings. */
static const uint16_t k_alpha[] = {'a', 'A', 'b', 'B', 'z', 'Z', '0', '_', '{', '-', 0xE0, 0xC0,
                                   0xFF, 0xB5, 0xF7, 0xD7, 0x178, 0x3BC, 0x39C, 0x451, 0x401};

typedef struct tname {
  uint8_t raw[80];
  uint16_t units[40];
  uint32_t n;
  hr_rawname r;
} tname;

/* A random name of 0..39 units; compressed when every unit is <= 0xFF and comp_ok. */
static void random_name(tname *t, const tname *like, bool comp_ok) {
  uint32_t n = rng() % 40;
  bool comp = comp_ok;
  for (uint32_t i = 0; i < n; i++) {
    uint16_t c;
    /* Often a copy of `like` (long shared prefixes, case variants): the block paths. */
    if (like && i < like->n && rng() % 8 != 0) {
      c = like->units[i];
      if (rng() % 16 == 0 && c < 0x80) c ^= 0x20;
    } else {
      c = k_alpha[rng() % (sizeof k_alpha / sizeof k_alpha[0])];
    }
    t->units[i] = c;
    if (c > 0xFF) comp = false;
  }
  t->n = n;
  for (uint32_t i = 0; i < n; i++) {
    if (comp) t->raw[i] = (uint8_t)t->units[i];
    else put16(t->raw + 2 * i, t->units[i]);
  }
  t->r.p = t->raw;
  t->r.len = comp ? n : 2 * n;
  t->r.comp = comp;
}

static int ref_cmp(const tname *a, const tname *b) {
  uint32_t n = a->n < b->n ? a->n : b->n;
  for (uint32_t i = 0; i < n; i++) {
    int d = (int)ref_upcase(a->units[i]) - (int)ref_upcase(b->units[i]);
    if (d) return d;
  }
  return a->n < b->n ? -1 : a->n > b->n ? 1 : 0;
}

static int sign(int x) { return (x > 0) - (x < 0); }

static void test_rawname_helpers(void) {
  tname a, b;
  for (int round = 0; round < 20000; round++) {
    random_name(&a, NULL, round % 3 != 0);
    random_name(&b, round % 2 ? &a : NULL, round % 5 != 0);
    int want = sign(ref_cmp(&a, &b));
    if (sign(rawname_cmp(a.r, b.r)) != want || sign(rawname_cmp(b.r, a.r)) != -want) {
      test_fail(__FILE__, __LINE__, "rawname_cmp disagrees (round %d, units %u / %u)", round,
                a.n, b.n);
      return;
    }
    uint32_t h = 0;
    for (uint32_t i = 0; i < a.n; i++) h = 37u * h + ref_upcase(a.units[i]);
    CHECK_EQ_U(rawname_hash(a.r), h);
    CHECK_EQ_U(name_hash_lh(a.units, a.n), h);
    uint16_t out[42];
    for (int i = 0; i < 42; i++) out[i] = 0xBEEF;
    rawname_widen(a.r, out + 1);
    CHECK(out[0] == 0xBEEF && out[a.n + 1] == 0xBEEF);
    CHECK(memcmp(out + 1, a.units, 2 * (size_t)a.n) == 0);
  }
}

/* The name pass of nk_parse (backslash test, lh hash) at every length and position around the
 * eight-byte blocks it works in. */
static void test_name_pass_lengths(void) {
  for (uint32_t len = 1; len <= 19; len++) {
    char name[20];
    for (uint32_t i = 0; i < len; i++) name[i] = (char)("aBcDeFgHiJ"[i % 10] + (i >= 10));
    name[len] = 0;
    hb_init(&B, 5, "ROOT");
    kid = hb_nk(&B, name, B.root);
    hb_set_subkeys(&B, B.root, &kid, 1, LH_SIGNATURE);
    D = hb_finish(&B, &N);
    EXPECT_OPEN(D, N); /* the builder's lh hash matches nk_parse's */
    uint8_t *lh = REC_OF(D, le32(KREC(B.root) + NK_OFF_SUBKEY_LIST));
    put32(lh + 8, le32(lh + 8) ^ 1);
    EXPECT_RULE_AT(D, N, "R-E12", FILE_OFF(le32(KREC(B.root) + NK_OFF_SUBKEY_LIST)) + 4 + 8);
    put32(lh + 8, le32(lh + 8) ^ 1);
    for (uint32_t pos = 1; pos < len; pos++) {
      uint8_t save = KREC(kid)[NK_OFF_NAME + pos];
      KREC(kid)[NK_OFF_NAME + pos] = '\\';
      EXPECT_RULE_AT(D, N, "R-D03", FILE_OFF(kid));
      KREC(kid)[NK_OFF_NAME + pos] = save;
    }
    EXPECT_OPEN(D, N);
    hb_free(&B);
  }
}

int main(void) {
  TEST_RUN(test_valid);
  TEST_RUN(test_size_bounds);
  TEST_RUN(test_name_length);
  TEST_RUN(test_compressed_name_rules);
  TEST_RUN(test_utf16_name_rules);
  TEST_RUN(test_signature_parent_flags);
  TEST_RUN(test_layer_rules);
  TEST_RUN(test_class_rules);
  TEST_RUN(test_max_name_len);
  TEST_RUN(test_security_ref);
  TEST_RUN(test_volatile_fields_ignored);
  TEST_RUN(test_symlink_rules);
  TEST_RUN(test_upcase_latin1_page);
  TEST_RUN(test_rawname_helpers);
  TEST_RUN(test_name_pass_lengths);
  return test_finish();
}
