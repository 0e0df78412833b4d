/*
 * test_regfmt.c: unit tests of the .reg renderer (ref/cli/regfmt.c), one test per rule of the
 * list at the top of regfmt.c.  Expected texts are written out by hand from the rules (and, for
 * the wrapping cases, counted column by column in the comments), not produced by the code under
 * test.  Links regfmt.c and climem.c only (no engine), and checks that the CLI allocator ends
 * every test with nothing live.
 */
#include <stdio.h>
#include <string.h>

#include "climem.h"
#include "regfmt.h"

static int g_failed, g_passed;

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);        \
      g_failed++;                                                                     \
      return;                                                                         \
    }                                                                                 \
  } while (0)

/* Converts the rendered UTF-16 (all ASCII in these tests unless noted) to a char string. */
static const char *ascii(const regfmt_out *o) {
  static char buf[8192];
  size_t n = o->len < sizeof buf - 1 ? o->len : sizeof buf - 1;
  for (size_t i = 0; i < n; i++) buf[i] = o->u[i] < 0x80 ? (char)o->u[i] : '?';
  buf[n] = '\0';
  return buf;
}

/* Renders one value and compares with want. */
static int value_is(const char *name, uint32_t type, const uint8_t *data, size_t size,
                    const char *want) {
  regfmt_out o;
  regfmt_init(&o);
  uint16_t wname[256];
  size_t nl = strlen(name);
  for (size_t i = 0; i < nl; i++) wname[i] = (uint8_t)name[i];
  int rc = regfmt_value(&o, wname, nl, type, data, size);
  int ok = rc == 0 && strcmp(ascii(&o), want) == 0;
  if (!ok) fprintf(stderr, "got:  [%s]\nwant: [%s]\n", ascii(&o), want);
  regfmt_release(&o);
  return ok;
}

static void test_header_key_footer(void) {
  regfmt_out o;
  regfmt_init(&o);
  static const uint16_t path[] = {'H', 'K', 'L', 'M', '\\', 'A', ' ', 'b'};
  regfmt_header(&o);
  regfmt_key(&o, path, 8);
  regfmt_footer(&o);
  int ok = strcmp(ascii(&o), "Windows Registry Editor Version 5.00\r\n\r\n[HKLM\\A b]\r\n\r\n") == 0;
  regfmt_release(&o);
  CHECK(ok);
}

static void test_default_and_escapes(void) {
  static const uint8_t abc[] = {'a', 0, 'b', 0, 'c', 0, 0, 0};
  CHECK(value_is("", 1, abc, sizeof abc, "@=\"abc\"\r\n"));
  /* name a"b\c, data x\y"z */
  static const uint8_t xyz[] = {'x', 0, '\\', 0, 'y', 0, '"', 0, 'z', 0, 0, 0};
  CHECK(value_is("a\"b\\c", 1, xyz, sizeof xyz, "\"a\\\"b\\\\c\"=\"x\\\\y\\\"z\"\r\n"));
  /* Embedded CR/LF are written raw (Windows regedit; rule 5). */
  static const uint8_t crlf[] = {'a', 0, '\r', 0, '\n', 0, 'b', 0, 0, 0};
  CHECK(value_is("m", 1, crlf, sizeof crlf, "\"m\"=\"a\r\nb\"\r\n"));
  /* Just the terminator: the empty string. */
  static const uint8_t nul[] = {0, 0};
  CHECK(value_is("e", 1, nul, 2, "\"e\"=\"\"\r\n"));
}

static void test_sz_not_a_string(void) {
  static const uint8_t odd[] = {'a', 0, 'b'};
  CHECK(value_is("o", 1, odd, 3, "\"o\"=hex(1):61,00,62\r\n"));
  static const uint8_t unterminated[] = {'a', 0};
  CHECK(value_is("u", 1, unterminated, 2, "\"u\"=hex(1):61,00\r\n"));
  static const uint8_t embedded[] = {'a', 0, 0, 0, 'b', 0, 0, 0};
  CHECK(value_is("n", 1, embedded, 8, "\"n\"=hex(1):61,00,00,00,62,00,00,00\r\n"));
  CHECK(value_is("z", 1, NULL, 0, "\"z\"=hex(1):\r\n"));
  CHECK(regfmt_sz_is_string(embedded + 4, 4));
  CHECK(!regfmt_sz_is_string(embedded, 8));
}

static void test_dword(void) {
  static const uint8_t d[] = {0x78, 0x56, 0x34, 0x12};
  CHECK(value_is("d", 4, d, 4, "\"d\"=dword:12345678\r\n"));
  static const uint8_t ff[] = {0xff, 0xff, 0xff, 0xff};
  CHECK(value_is("d", 4, ff, 4, "\"d\"=dword:ffffffff\r\n"));
  CHECK(value_is("d", 4, d, 3, "\"d\"=hex(4):78,56,34\r\n"));
  CHECK(value_is("d", 4, NULL, 0, "\"d\"=hex(4):\r\n"));
  /* Big-endian DWORD is not "dword:". */
  CHECK(value_is("b", 5, d, 4, "\"b\"=hex(5):78,56,34,12\r\n"));
}

static void test_type_prefixes(void) {
  CHECK(value_is("b", 3, NULL, 0, "\"b\"=hex:\r\n"));
  CHECK(value_is("n", 0, NULL, 0, "\"n\"=hex(0):\r\n"));
  static const uint8_t q[] = {1, 0, 0, 0, 0, 0, 0, 0};
  CHECK(value_is("q", 11, q, 8, "\"q\"=hex(b):01,00,00,00,00,00,00,00\r\n"));
  static const uint8_t aa[] = {0xAA};
  CHECK(value_is("x", 0xFFFF0010u, aa, 1, "\"x\"=hex(ffff0010):aa\r\n"));
  CHECK(value_is("x", 0x100, aa, 1, "\"x\"=hex(100):aa\r\n"));
  /* REG_EXPAND_SZ "%a%" and REG_MULTI_SZ "a","b": raw UTF-16 bytes. */
  static const uint8_t ex[] = {'%', 0, 'a', 0, '%', 0, 0, 0};
  CHECK(value_is("e", 2, ex, 8, "\"e\"=hex(2):25,00,61,00,25,00,00,00\r\n"));
  static const uint8_t ms[] = {'a', 0, 0, 0, 'b', 0, 0, 0, 0, 0};
  CHECK(value_is("m", 7, ms, 10, "\"m\"=hex(7):61,00,00,00,62,00,00,00,00,00\r\n"));
}

static void test_wrap_shellstate(void) {
  /* "ShellState"=hex: is 17 columns; 20 bytes bring it to 17 + 60 = 77: break.  The first line
   * is 78 characters with the backslash; the rest (16 bytes) follows after two spaces. */
  uint8_t b[36];
  for (int i = 0; i < 36; i++) b[i] = (uint8_t)i;
  CHECK(value_is("ShellState", 3, b, 36,
                 "\"ShellState\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,\\\r\n"
                 "  14,15,16,17,18,19,1a,1b,1c,1d,1e,1f,20,21,22,23\r\n"));
}

static void test_wrap_continuation_25(void) {
  /* @=hex: is 6 columns: 24 bytes reach 78 >= 77.  Continuation lines: 2 + 25*3 = 77, so 25
   * bytes each, and the break follows the comma even when only the final byte remains. */
  uint8_t b[50];
  for (int i = 0; i < 50; i++) b[i] = (uint8_t)i;
  CHECK(value_is("", 3, b, 50,
                 "@=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,17,\\\r\n"
                 "  18,19,1a,1b,1c,1d,1e,1f,20,21,22,23,24,25,26,27,28,29,2a,2b,2c,2d,2e,2f,30,\\\r\n"
                 "  31\r\n"));
  /* Exactly the first line's worth plus one: no dangling continuation. */
  CHECK(value_is("", 3, b, 25,
                 "@=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,17,\\\r\n"
                 "  18\r\n"));
  CHECK(value_is("", 3, b, 24,
                 "@=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,17\r\n"));
}

static void test_wrap_long_name(void) {
  /* A name longer than the line: the column is already past 77 after the first comma. */
  char name[81];
  memset(name, 'a', 80);
  name[80] = '\0';
  static const uint8_t b[] = {0, 1};
  char want[200];
  snprintf(want, sizeof want, "\"%s\"=hex:00,\\\r\n  01\r\n", name);
  CHECK(value_is(name, 3, b, 2, want));
  /* Escapes count as written: 37 quotes escape to 74 columns + 2 quotes + "=" + "hex(2):". */
  char qname[38];
  memset(qname, '"', 37);
  qname[37] = '\0';
  /* col = 1 + 74 + 2 + 7 = 84 -> break after the first byte. */
  static const uint8_t c[] = {0x41, 0};
  char want2[200];
  char esc[80];
  for (int i = 0; i < 37; i++) esc[2 * i] = '\\', esc[2 * i + 1] = '"';
  esc[74] = '\0';
  snprintf(want2, sizeof want2, "\"%s\"=hex(2):41,\\\r\n  00\r\n", esc);
  CHECK(value_is(qname, 2, c, 2, want2));
}

/* Real regedit output (a Windows export of HKLM\SYSTEM\CurrentControlSet\Services\TermService
 * and webthreatdefsvc, as quoted in public write-ups): the data is rebuilt here and the text
 * must come out identical, wrapping included. */
static void test_real_regedit_samples(void) {
  static const char *path = "%SystemRoot%\\System32\\svchost.exe -k NetworkService";
  uint8_t img[200];
  size_t n = strlen(path);
  for (size_t i = 0; i <= n; i++) img[2 * i] = (uint8_t)path[i], img[2 * i + 1] = 0;
  CHECK(value_is("ImagePath", 2, img, 2 * (n + 1),
                 "\"ImagePath\"=hex(2):25,00,53,00,79,00,73,00,74,00,65,00,6d,00,52,00,6f,00,6f,00,\\\r\n"
                 "  74,00,25,00,5c,00,53,00,79,00,73,00,74,00,65,00,6d,00,33,00,32,00,5c,00,73,\\\r\n"
                 "  00,76,00,63,00,68,00,6f,00,73,00,74,00,2e,00,65,00,78,00,65,00,20,00,2d,00,\\\r\n"
                 "  6b,00,20,00,4e,00,65,00,74,00,77,00,6f,00,72,00,6b,00,53,00,65,00,72,00,76,\\\r\n"
                 "  00,69,00,63,00,65,00,00,00\r\n"));
  static const uint8_t fa[] = {0x80, 0x51, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03, 0, 0, 0,
                               0x14, 0, 0, 0, 0x01, 0, 0, 0, 0x60, 0xea, 0, 0, 0x01, 0, 0, 0,
                               0x60, 0xea, 0, 0, 0, 0, 0, 0, 0x60, 0xea, 0, 0};
  CHECK(value_is("FailureActions", 3, fa, sizeof fa,
                 "\"FailureActions\"=hex:80,51,01,00,00,00,00,00,00,00,00,00,03,00,00,00,14,00,00,\\\r\n"
                 "  00,01,00,00,00,60,ea,00,00,01,00,00,00,60,ea,00,00,00,00,00,00,60,ea,00,00\r\n"));
  static const uint8_t dep[] = {'R', 0, 'p', 0, 'c', 0, 'S', 0, 's', 0, 0, 0,
                                'w', 0, 't', 0, 'd', 0, 0, 0, 0, 0};
  CHECK(value_is("DependOnService", 7, dep, sizeof dep,
                 "\"DependOnService\"=hex(7):52,00,70,00,63,00,53,00,73,00,00,00,77,00,74,00,64,00,\\\r\n"
                 "  00,00,00,00\r\n"));
}

/* Reads back what regfmt_write produced. */
static size_t written(regfmt_encoding enc, const uint16_t *u, size_t n, uint8_t *out, size_t cap) {
  FILE *f = tmpfile();
  if (f == NULL) return (size_t)-1;
  regfmt_write_bom(f, enc);
  regfmt_write(f, u, n, enc);
  rewind(f);
  size_t got = fread(out, 1, cap, f);
  fclose(f);
  return got;
}

static void test_encodings(void) {
  /* 'A', U+00E9, U+20AC, U+1F600 (pair D83D DE00), a lone high surrogate, 'z'. */
  static const uint16_t u[] = {'A', 0xE9, 0x20AC, 0xD83D, 0xDE00, 0xD800, 'z'};
  uint8_t out[64];
  size_t n = written(REGFMT_UTF16LE, u, 7, out, sizeof out);
  static const uint8_t want16[] = {0xFF, 0xFE, 'A', 0, 0xE9, 0, 0xAC, 0x20, 0x3D, 0xD8,
                                   0x00, 0xDE, 0x00, 0xD8, 'z', 0};
  CHECK(n == sizeof want16 && memcmp(out, want16, n) == 0);
  n = written(REGFMT_UTF8, u, 7, out, sizeof out);
  static const uint8_t want8[] = {'A', 0xC3, 0xA9, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98, 0x80,
                                  0xEF, 0xBF, 0xBD, 'z'};
  CHECK(n == sizeof want8 && memcmp(out, want8, n) == 0);
}

static void test_large_buffer_growth(void) {
  /* 1 MiB of binary data: the buffer grows many times; line count is exact. */
  static uint8_t big[1 << 20];
  regfmt_out o;
  regfmt_init(&o);
  static const uint16_t nm[] = {'b'};
  int rc = regfmt_value(&o, nm, 1, 3, big, sizeof big);
  size_t lines = 0;
  for (size_t i = 0; i < o.len; i++) lines += o.u[i] == '\n';
  /* "b"=hex: is 8 columns: 23 bytes reach 77; then 25 per line: 1 + ceil((2^20 - 23 - 1) / 25)
   * continuation breaks... count directly: bytes after the first line = 1048576 - 23 = 1048553,
   * broken after every 25th comma -> floor((1048553 - 1) / 25) = 41942 more breaks. */
  regfmt_release(&o);
  CHECK(rc == 0);
  CHECK(lines == 1 + 1 + 41942);
}

static void test_regedit4(void) {
  /* Rule 11: header, and hex(2)/hex(7) data narrowed to Windows-1252 bytes ('?' when absent). */
  regfmt_out o;
  regfmt_init(&o);
  o.regedit4 = 1;
  regfmt_header(&o);
  static const uint16_t e[] = {'e'};
  static const uint8_t ex[] = {'%', 0, 0xAC, 0x20, 0x3D, 0xD8, 0x00, 0xDE, 0x01, 0x01, 0, 0, 7};
  regfmt_value(&o, e, 1, 2, ex, sizeof ex);
  regfmt_value(&o, e, 1, 3, ex, 2); /* REG_BINARY is not narrowed */
  int ok = !o.failed && strcmp(ascii(&o), "REGEDIT4\r\n\"e\"=hex(2):25,80,3f,3f,00\r\n"
                                           "\"e\"=hex:25,00\r\n") == 0;
  if (!ok) fprintf(stderr, "got [%s]\n", ascii(&o));
  regfmt_release(&o);
  CHECK(ok);
  /* Output in Windows-1252: e-acute, euro, a pair -> one '?', U+0101 -> '?'. */
  static const uint16_t u[] = {0xE9, 0x20AC, 0xD83D, 0xDE00, 0x0101, 'z'};
  uint8_t out[16];
  size_t n = written(REGFMT_CP1252, u, 6, out, sizeof out);
  CHECK(n == 5 && memcmp(out, "\xe9\x80??z", 5) == 0);
}

static void run(const char *name, void (*fn)(void)) {
  int before = g_failed;
  fn();
  if (cli_mem_live_blocks() != 0) {
    fprintf(stderr, "%s: %llu CLI blocks still live\n", name,
            (unsigned long long)cli_mem_live_blocks());
    g_failed++;
  }
  if (g_failed == before) g_passed++;
  else fprintf(stderr, "FAIL %s\n", name);
}

int main(void) {
  run("header_key_footer", test_header_key_footer);
  run("default_and_escapes", test_default_and_escapes);
  run("sz_not_a_string", test_sz_not_a_string);
  run("dword", test_dword);
  run("type_prefixes", test_type_prefixes);
  run("wrap_shellstate", test_wrap_shellstate);
  run("wrap_continuation_25", test_wrap_continuation_25);
  run("wrap_long_name", test_wrap_long_name);
  run("real_regedit_samples", test_real_regedit_samples);
  run("encodings", test_encodings);
  run("regedit4", test_regedit4);
  run("large_buffer_growth", test_large_buffer_growth);
  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed ? 1 : 0;
}
