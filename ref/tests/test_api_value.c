/*
 * test_api_value.c: ORSetValue, ORGetValue, ORDeleteValue (offreg-api.md §1.9, §1.12, §1.13,
 * §2.3, §2.5, §2.6; BEHAVIOUR.md "values").
 */
#include "api_testlib.h"
#include "layout.h"

static ORHKEY new_hive(void) {
  ORHKEY h = NULL;
  if (ORCreateHive(&h) != ERROR_SUCCESS) return NULL;
  return h;
}

static void test_set_get_roundtrip(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  const BYTE dw[4] = {1, 2, 3, 4};
  REQUIRE_OK(ORSetValue(root, W("Dword"), REG_DWORD, dw, 4));
  DWORD t = 0, cb = 4;
  BYTE out[64];
  REQUIRE_OK(ORGetValue(root, NULL, W("dword"), &t, out, &cb));
  CHECK_EQ_U(t, REG_DWORD);
  CHECK_EQ_U(cb, 4);
  CHECK(memcmp(out, dw, 4) == 0);
  /* pvData NULL with pcbData: success and the size (§1.12). */
  cb = 0;
  REQUIRE_OK(ORGetValue(root, NULL, W("Dword"), NULL, NULL, &cb));
  CHECK_EQ_U(cb, 4);
  /* Too small: ERROR_MORE_DATA with the required size; type still returned. */
  cb = 3;
  t = 0;
  CHECK_ERR(ORGetValue(root, NULL, W("Dword"), &t, out, &cb), ERROR_MORE_DATA);
  CHECK_EQ_U(cb, 4);
  CHECK_EQ_U(t, REG_DWORD);
  /* pvData without pcbData: ERROR_INVALID_PARAMETER. */
  CHECK_ERR(ORGetValue(root, NULL, W("Dword"), &t, out, NULL), ERROR_INVALID_PARAMETER);
  /* Both NULL: existence check. */
  CHECK_ERR(ORGetValue(root, NULL, W("Dword"), NULL, NULL, NULL), ERROR_SUCCESS);
  /* Missing value / missing subkey: ERROR_FILE_NOT_FOUND. */
  CHECK_ERR(ORGetValue(root, NULL, W("nope"), &t, out, &cb), ERROR_FILE_NOT_FOUND);
  CHECK_ERR(ORGetValue(root, W("NoKey"), W("Dword"), &t, out, &cb), ERROR_FILE_NOT_FOUND);
  /* Replacing keeps the stored name, changes type and data. */
  REQUIRE_OK(ORSetValue(root, W("DWORD"), REG_BINARY, (const BYTE *)"xyz", 3));
  uint16_t nm[32];
  DWORD cn = 32;
  cb = sizeof out;
  REQUIRE_OK(OREnumValue(root, 0, nm, &cn, &t, out, &cb));
  CHECK(test_weq(nm, "Dword"));
  CHECK_EQ_U(t, REG_BINARY);
  CHECK_EQ_U(cb, 3);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* ORGetValue with lpSubKey ("" = the key itself, hcsshim; a path otherwise). */
static void test_get_subkey(void) {
  ORHKEY root = new_hive(), k;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("A\\B"), NULL, 0, NULL, &k, NULL));
  REQUIRE_OK(ORSetValue(k, W("v"), REG_DWORD, (const BYTE *)"\7\0\0\0", 4));
  DWORD cb = 4, val = 0;
  REQUIRE_OK(ORGetValue(root, W("a\\b"), W("V"), NULL, &val, &cb));
  CHECK_EQ_U(val, 7);
  cb = 4;
  REQUIRE_OK(ORGetValue(k, W(""), W("v"), NULL, &val, &cb));
  CHECK_ERR(ORGetValue(root, W("\\A"), W("v"), NULL, &val, &cb), ERROR_BAD_PATHNAME);
  ORCloseKey(k);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* §2.3: the default value is named NULL or "". */
static void test_default_value(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  CHECK_ERR(ORGetValue(root, NULL, NULL, NULL, NULL, NULL), ERROR_FILE_NOT_FOUND);
  REQUIRE_OK(ORSetValue(root, NULL, 42, (const BYTE *)"q", 1)); /* any type, even unknown */
  DWORD t, cb = 8;
  BYTE out[8];
  REQUIRE_OK(ORGetValue(root, NULL, W(""), &t, out, &cb));
  CHECK_EQ_U(t, 42);
  CHECK_EQ_U(cb, 1);
  REQUIRE_OK(ORSetValue(root, W(""), REG_DWORD, (const BYTE *)"\1\0\0\0", 4));
  DWORD nv;
  REQUIRE_OK(ORQueryInfoKey(root, NULL, NULL, NULL, NULL, NULL, &nv, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(nv, 1);
  uint16_t nm[4];
  DWORD cn = 4;
  REQUIRE_OK(OREnumValue(root, 0, nm, &cn, &t, NULL, NULL));
  CHECK_EQ_U(cn, 0);
  CHECK_EQ_U(nm[0], 0);
  CHECK_ERR(ORDeleteValue(root, NULL), ERROR_SUCCESS);
  CHECK_ERR(ORDeleteValue(root, W("")), ERROR_FILE_NOT_FOUND);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* §1.13 [3P-EMP] OffregLib: names of 16,383 characters accepted, 16,384 refused. */
static void test_value_name_lengths(void) {
  static uint16_t nm[16400];
  ORHKEY root = new_hive();
  REQUIRE(root);
  REQUIRE_OK(ORSetValue(root, test_wfill(nm, 16383, 'v'), REG_SZ, NULL, 0));
  CHECK_ERR(ORGetValue(root, NULL, test_wfill(nm, 16383, 'V'), NULL, NULL, NULL), ERROR_SUCCESS);
  CHECK_ERR(ORSetValue(root, test_wfill(nm, 16384, 'w'), REG_SZ, NULL, 0),
            ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORGetValue(root, NULL, test_wfill(nm, 16384, 'w'), NULL, NULL, NULL),
            ERROR_FILE_NOT_FOUND);
  CHECK_ERR(ORDeleteValue(root, test_wfill(nm, 16384, 'w')), ERROR_FILE_NOT_FOUND);
  DWORD mx;
  REQUIRE_OK(ORQueryInfoKey(root, NULL, NULL, NULL, NULL, NULL, NULL, &mx, NULL, NULL, NULL));
  CHECK_EQ_U(mx, 16383);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* [3P-EMP] OffregLib InvalidValueTests: malformed data stored and read back byte for byte with
 * OREnumValue (raw); no NUL is appended at set time (IMPLEMENTATION-DEFINED). */
static void test_data_stored_verbatim(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  const BYTE odd_sz[11] = {'a', 0, 'b', 0, 'c', 0, 'd', 0, 'e', 0, 'f'};
  const struct {
    const char *name;
    DWORD type;
    const BYTE *data;
    DWORD size;
  } cases[] = {
      {"oddsz", REG_SZ, odd_sz, 11},
      {"dw3", REG_DWORD, (const BYTE *)"\1\2\3", 3},
      {"dwbe3", REG_DWORD_BIG_ENDIAN, (const BYTE *)"\1\2\3", 3},
      {"qw5", REG_QWORD, (const BYTE *)"\1\2\3\4\5", 5},
      {"msz0", REG_MULTI_SZ, NULL, 0},
      {"msz3", REG_MULTI_SZ, (const BYTE *)"a\0b", 3},
      {"unterminated", REG_MULTI_SZ, (const BYTE *)"a\0b\0", 4},
      {"unknown", 0x12345678u, (const BYTE *)"zz", 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    REQUIRE_OK(ORSetValue(root, W(cases[i].name), cases[i].type, cases[i].data, cases[i].size));
  for (DWORD i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    uint16_t nm[32];
    DWORD cn = 32, t, cb = 64;
    BYTE out[64];
    REQUIRE_OK(OREnumValue(root, i, nm, &cn, &t, out, &cb));
    CHECK(test_weq(nm, cases[i].name)); /* insertion order */
    CHECK_EQ_U(t, cases[i].type);
    CHECK_EQ_U(cb, cases[i].size);
    CHECK(cases[i].size == 0 || memcmp(out, cases[i].data, cb) == 0);
  }
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* ORGetValue's RegGetValue string rule (BEHAVIOUR.md "ORGetValue terminators"). */
static void test_get_string_termination(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  const BYTE sz_nonul[4] = {'h', 0, 'i', 0};
  const BYTE sz_nul[6] = {'h', 0, 'i', 0, 0, 0};
  REQUIRE_OK(ORSetValue(root, W("a"), REG_SZ, sz_nonul, 4));
  REQUIRE_OK(ORSetValue(root, W("b"), REG_EXPAND_SZ, sz_nul, 6));
  REQUIRE_OK(ORSetValue(root, W("c"), REG_MULTI_SZ, sz_nul, 6));
  REQUIRE_OK(ORSetValue(root, W("d"), REG_BINARY, sz_nonul, 4));
  REQUIRE_OK(ORSetValue(root, W("e"), REG_SZ, NULL, 0));
  REQUIRE_OK(ORSetValue(root, W("f"), REG_SZ, (const BYTE *)"abc", 3));
  BYTE out[32];
  DWORD cb;
  /* a: 4 bytes without NUL -> 6 with one added. */
  cb = 0;
  REQUIRE_OK(ORGetValue(root, NULL, W("a"), NULL, NULL, &cb));
  CHECK_EQ_U(cb, 6);
  cb = 4; /* room for the data but not the NUL */
  CHECK_ERR(ORGetValue(root, NULL, W("a"), NULL, out, &cb), ERROR_MORE_DATA);
  CHECK_EQ_U(cb, 6);
  memset(out, 0xEE, sizeof out);
  cb = sizeof out;
  REQUIRE_OK(ORGetValue(root, NULL, W("a"), NULL, out, &cb));
  CHECK_EQ_U(cb, 6);
  CHECK(memcmp(out, "h\0i\0\0\0", 6) == 0);
  /* b: already terminated. */
  cb = 6;
  REQUIRE_OK(ORGetValue(root, NULL, W("b"), NULL, out, &cb));
  CHECK_EQ_U(cb, 6);
  /* c: REG_MULTI_SZ "hi\0" needs the second NUL. */
  cb = sizeof out;
  REQUIRE_OK(ORGetValue(root, NULL, W("c"), NULL, out, &cb));
  CHECK_EQ_U(cb, 8);
  CHECK(memcmp(out, "h\0i\0\0\0\0\0", 8) == 0);
  /* d: REG_BINARY is never touched. */
  cb = sizeof out;
  REQUIRE_OK(ORGetValue(root, NULL, W("d"), NULL, out, &cb));
  CHECK_EQ_U(cb, 4);
  /* e: an empty REG_SZ reads back as the empty string. */
  cb = sizeof out;
  REQUIRE_OK(ORGetValue(root, NULL, W("e"), NULL, out, &cb));
  CHECK_EQ_U(cb, 2);
  /* f: odd size 3 ("ab" + 'c' low byte) is padded to 4 then terminated: 6. */
  cb = sizeof out;
  REQUIRE_OK(ORGetValue(root, NULL, W("f"), NULL, out, &cb));
  CHECK_EQ_U(cb, 6);
  CHECK(memcmp(out, "abc\0\0\0", 6) == 0);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_set_value_errors(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  /* §2.6 Wine test_set_value: NULL data with a size -> ERROR_NOACCESS. */
  CHECK_ERR(ORSetValue(root, W("x"), REG_SZ, NULL, 4), ERROR_NOACCESS);
  /* regf-format.md §9: more than 1,071,104,040 bytes is refused (checked before reading). */
  BYTE b = 0;
  CHECK_ERR(ORSetValue(root, W("x"), REG_BINARY, &b, DB_MAX_DATA + 1u), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORSetValue(NULL, W("x"), REG_BINARY, &b, 1), ERROR_INVALID_HANDLE);
  CHECK_ERR(ORGetValue(root, NULL, W("x"), NULL, NULL, NULL), ERROR_FILE_NOT_FOUND);
  CHECK_ERR(ORDeleteValue(root, W("x")), ERROR_FILE_NOT_FOUND);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* A large value (big-data sized) round-trips through set/get. */
static void test_large_value(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  size_t n = 100000;
  BYTE *d = malloc(n), *o = malloc(n);
  REQUIRE(d && o);
  for (size_t i = 0; i < n; i++) d[i] = (BYTE)(i * 7);
  REQUIRE_OK(ORSetValue(root, W("big"), REG_BINARY, d, (DWORD)n));
  DWORD cb = (DWORD)n;
  REQUIRE_OK(ORGetValue(root, NULL, W("big"), NULL, o, &cb));
  CHECK(cb == n && memcmp(d, o, n) == 0);
  DWORD mx;
  REQUIRE_OK(ORQueryInfoKey(root, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &mx, NULL, NULL));
  CHECK_EQ_U(mx, n);
  free(d);
  free(o);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_delete_value(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  REQUIRE_OK(ORSetValue(root, W("a"), REG_DWORD, (const BYTE *)"\1\0\0\0", 4));
  REQUIRE_OK(ORSetValue(root, W("b"), REG_DWORD, (const BYTE *)"\2\0\0\0", 4));
  REQUIRE_OK(ORSetValue(root, W("c"), REG_DWORD, (const BYTE *)"\3\0\0\0", 4));
  CHECK_ERR(ORDeleteValue(root, W("B")), ERROR_SUCCESS);
  uint16_t nm[8];
  DWORD cn = 8;
  REQUIRE_OK(OREnumValue(root, 1, nm, &cn, NULL, NULL, NULL));
  CHECK(test_weq(nm, "c")); /* order of the rest kept */
  CHECK_ERR(ORDeleteValue(root, W("b")), ERROR_FILE_NOT_FOUND);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

int main(void) {
  TEST_RUN(test_set_get_roundtrip);
  TEST_RUN(test_get_subkey);
  TEST_RUN(test_default_value);
  TEST_RUN(test_value_name_lengths);
  TEST_RUN(test_data_stored_verbatim);
  TEST_RUN(test_get_string_termination);
  TEST_RUN(test_set_value_errors);
  TEST_RUN(test_large_value);
  TEST_RUN(test_delete_value);
  return test_finish();
}
