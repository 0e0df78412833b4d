/*
 * test_name.c: name comparison, lh hash and lf hint against the test vectors of
 * regf-format.md §6.2-§6.4 (cross-checked there against 585 lh entries of a real hive).
 */
#include "name.h"
#include "test.h"
#include "upcase.h"

static size_t u16(const char *s, uint16_t *out) {
  size_t n = HRUtf8ToUtf16(s, strlen(s), out, 64);
  return n == (size_t)-1 ? 0 : n;
}

static void test_name__upcase_table_facts(void) {
  CHECK_EQ_U(upcase_changed_units, 973);
  CHECK_EQ_U(upcase_unit('a'), 'A');
  CHECK_EQ_U(upcase_unit(0xE0), 0xC0);
  CHECK_EQ_U(upcase_unit(0xF7), 0xF7);   /* division sign unchanged */
  CHECK_EQ_U(upcase_unit(0xFF), 0x178);  /* ÿ -> Ÿ */
  CHECK_EQ_U(upcase_unit(0xB5), 0xB5);   /* µ unchanged */
  CHECK_EQ_U(upcase_unit(0xDF), 0xDF);   /* ß unchanged */
  CHECK_EQ_U(upcase_unit(0x131), 0x131); /* dotless i unchanged */
  CHECK_EQ_U(upcase_unit(0x451), 0x401);
  CHECK_EQ_U(upcase_unit(0x2170), 0x2160);
  CHECK_EQ_U(upcase_unit(0x24D0), 0x24B6);
  CHECK_EQ_U(upcase_unit(0xFF41), 0xFF21);
  CHECK_EQ_U(upcase_unit(0x10D0), 0x10D0);
}

static void test_name__lh_vectors(void) {
  uint16_t b[64];
  size_t n;
  n = u16("A", b);
  CHECK_EQ_U(name_hash_lh(b, n), 0x00000041);
  n = u16("Software", b);
  CHECK_EQ_U(name_hash_lh(b, n), 0xE9FE1463);
  n = u16("SOFTWARE", b);
  CHECK_EQ_U(name_hash_lh(b, n), 0xE9FE1463);
  n = u16("Microsoft", b);
  CHECK_EQ_U(name_hash_lh(b, n), 0x7F00CD26);
  n = u16("ControlSet001", b);
  CHECK_EQ_U(name_hash_lh(b, n), 0x8F3BA9A2);
  n = u16("\xc3\xab" "igenaardig", b);
  CHECK_EQ_U(name_hash_lh(b, n), 0x4B098ECE);
  n = u16("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82", b); /* Привет */
  CHECK_EQ_U(name_hash_lh(b, n), 0x81C3D610);
  n = u16("\xc3\xbf", b); /* ÿ */
  CHECK_EQ_U(name_hash_lh(b, n), 0x00000178);
  n = u16("\xc2\xb5", b); /* µ */
  CHECK_EQ_U(name_hash_lh(b, n), 0x000000B5);
}

static void test_name__compare_order(void) {
  uint16_t a[64], b[64];
  size_t na = u16("key1", a), nb = u16("Key10", b);
  CHECK(name_cmp(a, na, b, nb) < 0); /* prefix sorts first */
  na = u16("ABC", a);
  nb = u16("abc", b);
  CHECK(name_cmp(a, na, b, nb) == 0);
  /* '_' (0x5F) vs 'a' (upcased 0x41): '_' sorts after letters. */
  na = u16("_", a);
  nb = u16("a", b);
  CHECK(name_cmp(a, na, b, nb) > 0);
  /* FULLWIDTH A / a fold (BMP); Deseret pairs do not (offreg-api.md §1.6). */
  uint16_t fa = 0xFF21, fb = 0xFF41;
  CHECK(name_cmp(&fa, 1, &fb, 1) == 0);
  uint16_t d1[2] = {0xD801, 0xDC10}, d2[2] = {0xD801, 0xDC38};
  CHECK(name_cmp(d1, 2, d2, 2) != 0);
  uint8_t lat[3] = {'a', 'B', 'c'};
  na = u16("ABC", a);
  CHECK(name_cmp_latin1(a, na, lat, 3) == 0);
}

static void test_name__lf_hint(void) {
  uint16_t b[64];
  uint8_t h[4];
  size_t n = u16("Software", b);
  name_lf_hint(b, n, h);
  CHECK(h[0] == 'S' && h[1] == 'o' && h[2] == 'f' && h[3] == 't'); /* raw, not upcased */
  n = u16("ab", b);
  name_lf_hint(b, n, h);
  CHECK(h[0] == 'a' && h[1] == 'b' && h[2] == 0 && h[3] == 0);
  n = u16("\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2", b); /* Cyrillic: zero hint */
  name_lf_hint(b, n, h);
  CHECK(h[0] == 0 && h[1] == 0 && h[2] == 0 && h[3] == 0);
  b[0] = 'x'; b[1] = 0x400; b[2] = 'y'; b[3] = 'z'; /* stops at the first unit > 0xFF from the end */
  name_lf_hint(b, 4, h);
  CHECK(h[0] == 0 && h[1] == 0 && h[2] == 'y' && h[3] == 'z');
  CHECK(name_is_latin1(b, 1));
  CHECK(!name_is_latin1(b, 2));
}

int main(void) {
  TEST_RUN(test_name__upcase_table_facts);
  TEST_RUN(test_name__lh_vectors);
  TEST_RUN(test_name__compare_order);
  TEST_RUN(test_name__lf_hint);
  return test_finish();
}
