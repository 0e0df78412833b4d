/*
 * test_api_enum.c: OREnumKey, OREnumValue, ORQueryInfoKey buffer semantics and order
 * (offreg-api.md §1.10, §1.11, §1.14, §2.4; BEHAVIOUR.md "enumeration").
 */
#include "api_testlib.h"

static ORHKEY new_hive(void) {
  ORHKEY h = NULL;
  if (ORCreateHive(&h) != ERROR_SUCCESS) return NULL;
  return h;
}

/* Subkeys enumerate in the Windows order (upcased code units), §1.10 / DUMP.md. */
static void test_enum_key_order(void) {
  ORHKEY root = new_hive(), k;
  REQUIRE(root);
  const char *names[] = {"key1", "Key0", "Key10", "_x", "a", "B", "\xC3\xBF" /* U+00FF */, "Z"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    REQUIRE_OK(ORCreateKey(root, W(names[i]), NULL, 0, NULL, &k, NULL));
    ORCloseKey(k);
  }
  /* Upcase: '_' (0x5F) sorts after 'Z' (0x5A) but before U+0178 (upcase of U+00FF). */
  const char *want[] = {"a", "B", "Key0", "key1", "Key10", "Z", "_x", "\xC3\xBF"};
  for (DWORD i = 0; i < 8; i++) {
    uint16_t nm[64];
    DWORD cn = 64;
    REQUIRE_OK(OREnumKey(root, i, nm, &cn, NULL, NULL, NULL));
    CHECK(test_weq(nm, want[i]));
  }
  uint16_t nm[64];
  DWORD cn = 64;
  CHECK_ERR(OREnumKey(root, 8, nm, &cn, NULL, NULL, NULL), ERROR_NO_MORE_ITEMS);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_enum_key_buffers(void) {
  ORHKEY root = new_hive(), k;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("Hello"), W("Cls"), 0, NULL, &k, NULL));
  ORCloseKey(k);
  uint16_t nm[16], cls[16];
  DWORD cn, cc;
  FILETIME ft = {0, 0};
  /* Exactly length + 1 fits; length does not: ERROR_MORE_DATA with length + 1
   * (IMPLEMENTATION-DEFINED, WAC), nothing copied. */
  cn = 5;
  nm[0] = 0xAAAA;
  CHECK_ERR(OREnumKey(root, 0, nm, &cn, NULL, NULL, NULL), ERROR_MORE_DATA);
  CHECK_EQ_U(cn, 6);
  CHECK_EQ_U(nm[0], 0xAAAA);
  cn = 6;
  REQUIRE_OK(OREnumKey(root, 0, nm, &cn, NULL, NULL, &ft));
  CHECK_EQ_U(cn, 5);
  CHECK(test_weq(nm, "Hello"));
  CHECK(ft.dwHighDateTime != 0);
  /* Class. */
  cn = 16;
  cc = 3;
  CHECK_ERR(OREnumKey(root, 0, nm, &cn, cls, &cc, NULL), ERROR_MORE_DATA);
  CHECK_EQ_U(cc, 4);
  cn = 16;
  cc = 4;
  REQUIRE_OK(OREnumKey(root, 0, nm, &cn, cls, &cc, NULL));
  CHECK_EQ_U(cc, 3);
  CHECK(test_weq(cls, "Cls"));
  /* lpcClass without a buffer: the length. */
  cn = 16;
  cc = 0;
  REQUIRE_OK(OREnumKey(root, 0, nm, &cn, NULL, &cc, NULL));
  CHECK_EQ_U(cc, 3);
  /* Parameter errors. */
  CHECK_ERR(OREnumKey(root, 0, NULL, &cn, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(OREnumKey(root, 0, nm, NULL, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(OREnumKey(root, 0, nm, &cn, cls, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_enum_value_buffers(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  const BYTE sz[14] = {'a', 0, 'b', 0, 'c', 0, 'd', 0, 'e', 0, 'f', 0, 0, 0};
  REQUIRE_OK(ORSetValue(root, W("Name"), REG_SZ, sz, 14));
  REQUIRE_OK(ORSetValue(root, W("Second"), REG_DWORD, (const BYTE *)"\5\0\0\0", 4));
  uint16_t nm[16];
  BYTE data[32];
  DWORD cn, cb, t;
  /* Name too small: ERROR_MORE_DATA, required size incl. NUL, data size reported, nothing
   * copied. */
  cn = 4;
  cb = 32;
  t = 0;
  memset(data, 0xEE, sizeof data);
  CHECK_ERR(OREnumValue(root, 0, nm, &cn, &t, data, &cb), ERROR_MORE_DATA);
  CHECK_EQ_U(cn, 5);
  CHECK_EQ_U(cb, 14);
  CHECK_EQ_U(t, REG_SZ);
  CHECK_EQ_U(data[0], 0xEE);
  /* Data too small: name is copied, ERROR_MORE_DATA, required size. */
  cn = 16;
  cb = 13;
  CHECK_ERR(OREnumValue(root, 0, nm, &cn, &t, data, &cb), ERROR_MORE_DATA);
  CHECK_EQ_U(cn, 4);
  CHECK(test_weq(nm, "Name"));
  CHECK_EQ_U(cb, 14);
  /* lpData NULL with a small *lpcbData: ERROR_MORE_DATA (WAC); with enough: success. */
  cn = 16;
  cb = 0;
  CHECK_ERR(OREnumValue(root, 0, nm, &cn, &t, NULL, &cb), ERROR_MORE_DATA);
  CHECK_EQ_U(cb, 14);
  cn = 16;
  REQUIRE_OK(OREnumValue(root, 0, nm, &cn, &t, NULL, &cb));
  CHECK_EQ_U(cb, 14);
  /* Exact buffers. */
  cn = 5;
  cb = 14;
  REQUIRE_OK(OREnumValue(root, 0, nm, &cn, &t, data, &cb));
  CHECK(memcmp(data, sz, 14) == 0);
  /* No data pointers at all. */
  cn = 16;
  REQUIRE_OK(OREnumValue(root, 1, nm, &cn, NULL, NULL, NULL));
  CHECK(test_weq(nm, "Second"));
  cn = 16;
  CHECK_ERR(OREnumValue(root, 2, nm, &cn, NULL, NULL, NULL), ERROR_NO_MORE_ITEMS);
  /* Parameter errors (§2.4 Wine: NULL name / count -> 87; data without count -> 87). */
  CHECK_ERR(OREnumValue(root, 0, NULL, &cn, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(OREnumValue(root, 0, nm, NULL, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(OREnumValue(root, 0, nm, &cn, NULL, data, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_query_info(void) {
  ORHKEY root = new_hive(), k;
  REQUIRE(root);
  DWORD sub = 9, msub = 9, mcls = 9, nv = 9, mvn = 9, mvd = 9, sdl = 0;
  uint16_t cls[16];
  DWORD cc = 16;
  REQUIRE_OK(ORQueryInfoKey(root, cls, &cc, &sub, &msub, &mcls, &nv, &mvn, &mvd, &sdl, NULL));
  CHECK_EQ_U(cc, 0);
  CHECK_EQ_U(cls[0], 0);
  CHECK_EQ_U(sub, 0);
  CHECK_EQ_U(msub, 0);
  CHECK_EQ_U(nv, 0);
  CHECK_EQ_U(sdl, sizeof hive_default_sd);
  REQUIRE_OK(ORCreateKey(root, W("Short"), W("ClassName"), 0, NULL, &k, NULL));
  ORCloseKey(k);
  REQUIRE_OK(ORCreateKey(root, W("LongerName"), NULL, 0, NULL, &k, NULL));
  ORCloseKey(k);
  REQUIRE_OK(ORSetValue(root, W("v1"), REG_BINARY, (const BYTE *)"12345", 5));
  REQUIRE_OK(ORSetValue(root, W("value2"), REG_BINARY, (const BYTE *)"1", 1));
  REQUIRE_OK(ORQueryInfoKey(root, NULL, NULL, &sub, &msub, &mcls, &nv, &mvn, &mvd, NULL, NULL));
  CHECK_EQ_U(sub, 2);
  CHECK_EQ_U(msub, 10);
  CHECK_EQ_U(mcls, 9);
  CHECK_EQ_U(nv, 2);
  CHECK_EQ_U(mvn, 6);
  CHECK_EQ_U(mvd, 5);
  /* Maxima are live: after deleting the long key they drop (IMPLEMENTATION-DEFINED). */
  REQUIRE_OK(ORDeleteKey(root, W("LongerName")));
  REQUIRE_OK(ORQueryInfoKey(root, NULL, NULL, NULL, &msub, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(msub, 5);
  /* Class buffer rules (§1.14). */
  REQUIRE_OK(OROpenKey(root, W("Short"), &k));
  cc = 9;
  CHECK_ERR(ORQueryInfoKey(k, cls, &cc, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            ERROR_MORE_DATA);
  CHECK_EQ_U(cc, 9); /* size WITHOUT the NUL */
  cc = 10;
  REQUIRE_OK(ORQueryInfoKey(k, cls, &cc, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(cc, 9);
  CHECK(test_weq(cls, "ClassName"));
  cc = 0;
  REQUIRE_OK(ORQueryInfoKey(k, NULL, &cc, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(cc, 9);
  CHECK_ERR(ORQueryInfoKey(k, cls, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            ERROR_INVALID_PARAMETER);
  ORCloseKey(k);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* Many subkeys: enumeration by index visits every key once, in sorted order. */
static void test_enum_many(void) {
  ORHKEY root = new_hive(), k;
  REQUIRE(root);
  char nm8[32];
  for (int i = 0; i < 600; i++) {
    snprintf(nm8, sizeof nm8, "%s%d", (i & 1) ? "key" : "Key", i);
    REQUIRE_OK(ORCreateKey(root, W(nm8), NULL, 0, NULL, &k, NULL));
    ORCloseKey(k);
  }
  uint16_t prev[64] = {0}, cur[64];
  for (DWORD i = 0; i < 600; i++) {
    DWORD cn = 64;
    REQUIRE_OK(OREnumKey(root, i, cur, &cn, NULL, NULL, NULL));
    if (i) {
      /* strictly ascending by upcased units */
      size_t j = 0;
      while (prev[j] && cur[j] && (prev[j] & ~0x20) == (cur[j] & ~0x20)) j++;
      uint16_t a = prev[j] >= 'a' && prev[j] <= 'z' ? prev[j] - 32 : prev[j];
      uint16_t b = cur[j] >= 'a' && cur[j] <= 'z' ? cur[j] - 32 : cur[j];
      CHECK(a < b);
    }
    memcpy(prev, cur, sizeof prev);
  }
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

int main(void) {
  TEST_RUN(test_enum_key_order);
  TEST_RUN(test_enum_key_buffers);
  TEST_RUN(test_enum_value_buffers);
  TEST_RUN(test_query_info);
  TEST_RUN(test_enum_many);
  return test_finish();
}
