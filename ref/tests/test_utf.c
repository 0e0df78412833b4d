/*
 * test_utf.c: HRUtf16ToUtf8 / HRUtf8ToUtf16 (strict UTF-8, lone surrogates -> U+FFFD) and the
 * HR*Utf8 wrappers (hiveref.h).
 */
#include "api_testlib.h"

static void test_utf16_to_utf8(void) {
  const uint16_t in[] = {'A', 0xE9, 0x20AC, 0xD83D, 0xDE00, 0xD800, 'z', 0xDC00};
  char out[64];
  size_t n = HRUtf16ToUtf8(in, 8, out, sizeof out);
  const char want[] = "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xEF\xBF\xBDz\xEF\xBF\xBD";
  CHECK_EQ_U(n, sizeof want - 1);
  CHECK(memcmp(out, want, sizeof want) == 0);
  CHECK_EQ_U(HRUtf16ToUtf8(in, 8, NULL, 0), sizeof want - 1); /* size query */
  CHECK(HRUtf16ToUtf8(in, 8, out, sizeof want - 1) == (size_t)-1); /* no room for the NUL */
  CHECK(HRUtf16ToUtf8(in, 8, out, sizeof want) != (size_t)-1);
  CHECK_EQ_U(HRUtf16ToUtf8(in, 0, out, 1), 0);
  CHECK_EQ_U(out[0], 0);
}

static void test_utf8_to_utf16(void) {
  uint16_t out[16];
  size_t n = HRUtf8ToUtf16("A\xC3\xA9\xF0\x9F\x98\x80", 7, out, 16);
  CHECK_EQ_U(n, 4);
  CHECK(out[0] == 'A' && out[1] == 0xE9 && out[2] == 0xD83D && out[3] == 0xDE00 && out[4] == 0);
  const char *bad[] = {"\xC0\xAF",         /* overlong '/' */
                       "\xE0\x80\xAF",     /* overlong */
                       "\xED\xA0\x80",     /* encoded surrogate */
                       "\xF4\x90\x80\x80", /* > U+10FFFF */
                       "\xC3",             /* truncated */
                       "\x80",             /* lone continuation */
                       "\xFF"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK(HRUtf8ToUtf16(bad[i], strlen(bad[i]), out, 16) == (size_t)-1);
  CHECK(HRUtf8ToUtf16("abc", 3, out, 3) == (size_t)-1); /* no room for the NUL */
  CHECK_EQ_U(HRUtf8ToUtf16("abc", 3, NULL, 0), 3);
}

static void test_wrappers(void) {
  ORHKEY h, k;
  REQUIRE_OK(ORCreateHive(&h));
  DWORD disp;
  REQUIRE_OK(HRCreateKeyUtf8(h, "Cl\xC3\xA9\\Sub", &k, &disp));
  CHECK_EQ_U(disp, REG_CREATED_NEW_KEY);
  ORCloseKey(k);
  REQUIRE_OK(HROpenKeyUtf8(h, "CL\xC3\x89", &k)); /* É folds to é */
  REQUIRE_OK(HRSetValueUtf8(k, "N\xC3\xA4me", REG_DWORD, "\1\0\0\0", 4));
  DWORD t, cb = 4, v = 0;
  REQUIRE_OK(HRGetValueUtf8(h, "cl\xC3\xA9", "n\xC3\x84me", &t, &v, &cb));
  CHECK_EQ_U(v, 1);
  char name[64];
  DWORD cn = 3;
  CHECK_ERR(HREnumKeyUtf8(h, 0, name, &cn), ERROR_MORE_DATA);
  CHECK_EQ_U(cn, 5); /* "Clé" is 4 bytes + NUL */
  REQUIRE_OK(HREnumKeyUtf8(h, 0, name, &cn));
  CHECK_EQ_U(cn, 4);
  CHECK(strcmp(name, "Cl\xC3\xA9") == 0);
  cn = sizeof name;
  cb = 4;
  REQUIRE_OK(HREnumValueUtf8(k, 0, name, &cn, &t, &v, &cb));
  CHECK(strcmp(name, "N\xC3\xA4me") == 0);
  CHECK_EQ_U(t, REG_DWORD);
  cn = 2;
  CHECK_ERR(HREnumValueUtf8(k, 0, name, &cn, NULL, NULL, NULL), ERROR_MORE_DATA);
  CHECK_EQ_U(cn, 6); /* "Näme" is 5 bytes + NUL */
  CHECK_ERR(HRDeleteValueUtf8(k, "n\xC3\xA4ME"), ERROR_SUCCESS);
  CHECK_ERR(HRDeleteKeyUtf8(k, "sub"), ERROR_SUCCESS);
  /* Invalid UTF-8 in any wrapper: ERROR_INVALID_PARAMETER. */
  CHECK_ERR(HROpenKeyUtf8(h, "\xFF", &k), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRCreateKeyUtf8(h, "a\xC3", &k, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRSetValueUtf8(h, "\xED\xA0\x80", REG_NONE, NULL, 0), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRGetValueUtf8(h, NULL, "\xC0\xAF", NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRDeleteKeyUtf8(h, "\x80"), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRDeleteValueUtf8(h, "\x80"), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HREnumKeyUtf8(h, 0, NULL, &cn), ERROR_INVALID_PARAMETER);
  ORCloseKey(k);
  CHECK_ERR(ORCloseHive(h), ERROR_SUCCESS);
}

int main(void) {
  TEST_RUN(test_utf16_to_utf8);
  TEST_RUN(test_utf8_to_utf16);
  TEST_RUN(test_wrappers);
  return test_finish();
}
