/*
 * test_name.c: name comparison, lh hash and lf hint against the test vectors of
 * regf-format.md §6.2-§6.4 (cross-checked there against 585 lh entries of a real hive).
 */
#include <stdlib.h>

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
}

/* The comparison as §6.2 states it, one unit at a time through upcase_unit: name_cmp's fast
 * paths (identical 4-unit blocks, the ASCII fold) must order every input exactly like it. */
static int ref_cmp(const uint16_t *a, size_t na, const uint16_t *b, size_t nb) {
  size_t n = na < nb ? na : nb;
  for (size_t i = 0; i < n; i++) {
    int d = (int)upcase_unit(a[i]) - (int)upcase_unit(b[i]);
    if (d) return d;
  }
  return na < nb ? -1 : na > nb ? 1 : 0;
}

static int sign(int d) { return d < 0 ? -1 : d > 0; }

/* Units around every boundary of the fast paths: ASCII letters and their neighbours, the
 * Latin-1 and other table pages, the units whose folding Windows does NOT do (dotless i,
 * sharp s, micro sign), fullwidth letters, surrogates. */
static const uint16_t k_probe[] = {
    0x00,   0x01,   '0',    '@',    'A',    'I',    'Z',    '[',    '\\',   '_',    '`',
    'a',    'i',    'z',    '{',    0x7F,   0x80,   0xB5,   0xC0,   0xC9,   0xDF,   0xE0,
    0xE9,   0xF7,   0xFF,   0x100,  0x101,  0x130,  0x131,  0x178,  0x401,  0x451,  0x10D0,
    0x2160, 0x2170, 0xD801, 0xDC10, 0xDC38, 0xFF21, 0xFF41, 0xFFFF};

static void test_name__compare_matches_upcase_table(void) {
  size_t np = sizeof k_probe / sizeof k_probe[0];
  /* Every unit against every probe, as one-unit names and behind a shared 5-unit prefix (so
   * the difference falls after the first identical 4-unit block). */
  unsigned bad = 0;
  for (uint32_t x = 0; x <= 0xFFFF; x++) {
    for (size_t j = 0; j < np; j++) {
      uint16_t a[6] = {'P', 'r', 'e', 'f', 'x', (uint16_t)x};
      uint16_t b[6] = {'P', 'r', 'e', 'f', 'x', k_probe[j]};
      if (sign(name_cmp(a + 5, 1, b + 5, 1)) != sign(ref_cmp(a + 5, 1, b + 5, 1))) bad++;
      if (sign(name_cmp(a, 6, b, 6)) != sign(ref_cmp(a, 6, b, 6))) bad++;
      if (sign(name_cmp(b, 6, a, 6)) != sign(ref_cmp(b, 6, a, 6))) bad++;
      if (name_eq(a, 6, b, 6) != (ref_cmp(a, 6, b, 6) == 0)) bad++;
    }
  }
  CHECK_EQ_U(bad, 0);
  /* Names of 0..13 units built from the probes, differing (or not) at every position: the
   * block loop, its tail and the length rule. */
  bad = 0;
  uint16_t a[13], b[13];
  for (size_t len = 0; len <= 13; len++) {
    for (size_t pos = 0; pos < 13; pos++) {
      for (size_t j = 0; j < np; j++) {
        for (size_t k = 0; k < 13; k++) a[k] = b[k] = k_probe[(k * 7 + 3) % np];
        if (pos < len) b[pos] = k_probe[j];
        for (size_t lb = len ? len - 1 : 0; lb <= len + 1 && lb <= 13; lb++) {
          /* Exact-size heap copies: ASan builds catch a read past either name. */
          uint16_t *ha = malloc(len * 2 + 1), *hb = malloc(lb * 2 + 1);
          if (!ha || !hb) {
            free(ha);
            free(hb);
            CHECK(!"malloc");
            return;
          }
          memcpy(ha, a, len * 2);
          memcpy(hb, b, lb * 2);
          if (sign(name_cmp(ha, len, hb, lb)) != sign(ref_cmp(a, len, b, lb))) bad++;
          if (name_eq(ha, len, hb, lb) != (ref_cmp(a, len, b, lb) == 0)) bad++;
          free(ha);
          free(hb);
        }
      }
    }
  }
  CHECK_EQ_U(bad, 0);
}

static void test_name__non_ascii_equality(void) {
  uint16_t e_acute = 0xE9, E_acute = 0xC9, dotless_i = 0x131, I = 'I', i = 'i';
  uint16_t fw_a = 0xFF41, fw_A = 0xFF21, sharp_s = 0xDF, SS[2] = {'S', 'S'};
  CHECK(name_eq(&e_acute, 1, &E_acute, 1));      /* é / É fold (Latin-1 page) */
  CHECK(name_eq(&fw_a, 1, &fw_A, 1));            /* fullwidth a / A fold */
  CHECK(!name_eq(&dotless_i, 1, &I, 1));         /* ı does not upcase to I */
  CHECK(!name_eq(&dotless_i, 1, &i, 1));
  CHECK(name_eq(&i, 1, &I, 1));
  CHECK(!name_eq(&sharp_s, 1, SS, 2));           /* one unit never matches two */
  /* Mixed: "Caf\u00e9-\uff41bc" vs "CAF\u00c9-\uff21BC" (a case difference in every class). */
  uint16_t m1[8] = {'C', 'a', 'f', 0xE9, '-', 0xFF41, 'b', 'c'};
  uint16_t m2[8] = {'C', 'A', 'F', 0xC9, '-', 0xFF21, 'B', 'C'};
  CHECK(name_eq(m1, 8, m2, 8));
  CHECK(name_cmp(m1, 8, m2, 8) == 0);
  m2[7] = 'D';
  CHECK(!name_eq(m1, 8, m2, 8));
  CHECK(name_cmp(m1, 8, m2, 8) < 0);
  CHECK(name_eq(NULL, 0, NULL, 0));              /* the default value's empty name */
  CHECK(!name_eq(NULL, 0, m1, 1));
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
  TEST_RUN(test_name__compare_matches_upcase_table);
  TEST_RUN(test_name__non_ascii_equality);
  TEST_RUN(test_name__lf_hint);
  return test_finish();
}
