/*
 * test_regparse.c: unit tests of the .reg reader (ref/cli/regparse.c): decoding and header
 * detection, every syntax form of the list at the top of regparse.c, syntax errors with line
 * numbers, and a render -> parse round trip through regfmt.c over deterministic pseudo-random
 * values (fixed LCG seed).  No engine; the CLI allocator must end every test with nothing live.
 */
#include <stdio.h>
#include <string.h>

#include "climem.h"
#include "regfmt.h"
#include "regparse.h"

static int g_failed, g_passed;

#define CHECK(cond)                                                                   \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond);        \
      g_failed++;                                                                     \
      return;                                                                         \
    }                                                                                 \
  } while (0)

/* ---- a sink that logs events as text ------------------------------------------------------ */
typedef struct logger {
  char text[8192];
  size_t len;
} logger;

static void logf_units(logger *lg, const uint16_t *u, size_t n) {
  for (size_t i = 0; i < n && lg->len + 8 < sizeof lg->text; i++) {
    if (u[i] >= 0x20 && u[i] < 0x7F) lg->text[lg->len++] = (char)u[i];
    else lg->len += (size_t)snprintf(lg->text + lg->len, sizeof lg->text - lg->len, "<%x>", u[i]);
  }
  lg->text[lg->len] = '\0';
}

static void logs(logger *lg, const char *s) {
  size_t n = strlen(s);
  if (lg->len + n + 1 < sizeof lg->text) {
    memcpy(lg->text + lg->len, s, n + 1);
    lg->len += n;
  }
}

static int log_key(void *ctx, const uint16_t *path, size_t len, int del, size_t line) {
  logger *lg = ctx;
  char b[32];
  snprintf(b, sizeof b, "%zu:%s[", line, del ? "DEL" : "KEY");
  logs(lg, b);
  logf_units(lg, path, len);
  logs(lg, "]\n");
  return 0;
}

static int log_value(void *ctx, const uint16_t *name, size_t name_len, int del, uint32_t type,
                     const uint8_t *data, size_t size, size_t line) {
  logger *lg = ctx;
  char b[64];
  snprintf(b, sizeof b, "%zu:VAL(", line);
  logs(lg, b);
  logf_units(lg, name, name_len);
  if (del) {
    logs(lg, ")=-\n");
    return 0;
  }
  snprintf(b, sizeof b, ") t=%x:", type);
  logs(lg, b);
  for (size_t i = 0; i < size; i++) {
    snprintf(b, sizeof b, "%02x", data[i]);
    logs(lg, b);
  }
  logs(lg, "\n");
  return 0;
}

/* Parses an ASCII/UTF-8 .reg text; returns the parse status, fills lg / err. */
static int parse_text(const char *src, size_t srclen, logger *lg, size_t *line, char *err,
                      size_t errcap) {
  regparse_text t;
  const char *msg = NULL;
  memset(lg, 0, sizeof *lg);
  if (regparse_decode((const uint8_t *)src, srclen, &t, &msg) != 0) {
    snprintf(err, errcap, "decode: %s", msg);
    return -2;
  }
  regparse_sink sink = {lg, log_key, log_value};
  int rc = regparse_run(&t, &sink, line, err, errcap);
  regparse_text_release(&t);
  return rc;
}

static void test_decode_versions(void) {
  regparse_text t;
  const char *msg;
  /* UTF-16LE with BOM */
  static const uint8_t u16[] = {0xFF, 0xFE, 'R', 0, 'E', 0, 'G', 0, 'E', 0, 'D', 0, 'I', 0,
                                'T', 0, '4', 0, '\r', 0, '\n', 0};
  CHECK(regparse_decode(u16, sizeof u16, &t, &msg) == 0);
  CHECK(t.version == 4 && t.len == 10);
  regparse_text_release(&t);
  static const char v5[] = "\xEF\xBB\xBFWindows Registry Editor Version 5.00  \n";
  CHECK(regparse_decode((const uint8_t *)v5, sizeof v5 - 1, &t, &msg) == 0);
  CHECK(t.version == 5 && !t.ansi_cp1252);
  regparse_text_release(&t);
  /* Not valid UTF-8 -> Windows-1252: 0x80 is the euro sign. */
  static const char ansi[] = "REGEDIT4\r\n\x80";
  CHECK(regparse_decode((const uint8_t *)ansi, sizeof ansi - 1, &t, &msg) == 0);
  CHECK(t.ansi_cp1252 && t.u[t.len - 1] == 0x20AC);
  regparse_text_release(&t);
  static const char bad[] = "Windows Registry Editor Version 4.00\r\n";
  CHECK(regparse_decode((const uint8_t *)bad, sizeof bad - 1, &t, &msg) == -1);
  static const uint8_t odd[] = {0xFF, 0xFE, 'R'};
  CHECK(regparse_decode(odd, sizeof odd, &t, &msg) == -1);
  CHECK(regparse_decode(NULL, 0, &t, &msg) == -1);
}

static void test_syntax_forms(void) {
  static const char src[] =
      "Windows Registry Editor Version 5.00\r\n"
      "\r\n"
      "; a comment\r\n"
      "[HKEY_LOCAL_MACHINE\\HIVE]\r\n"
      "@=\"root\"\r\n"
      "  \"a\\\"b\" = \"c\\\\d\\x\"\r\n"
      "\"dw\"=dword:ABC\r\n"
      "\"bin\"=hex:01,02 , 03,\\\r\n"
      "    0a,\\\r\n"
      "  ff\r\n"
      "\"t\"=HEX(ffff0010):\r\n"
      "\"gone\"=-\r\n"
      "\"multi\"=\"line1\r\nline2\"\r\n"
      "\"\"=hex(0):00 ; trailing comment\n"
      "[-HKEY_LOCAL_MACHINE\\HIVE\\old]\r"
      "[HKEY_LOCAL_MACHINE\\HIVE\\odd]name]]  \n";
  logger lg;
  size_t line = 0;
  char err[256];
  int rc = parse_text(src, sizeof src - 1, &lg, &line, err, sizeof err);
  if (rc != 0) fprintf(stderr, "line %zu: %s\n", line, err);
  CHECK(rc == 0);
  static const char want[] =
      "4:KEY[HKEY_LOCAL_MACHINE\\HIVE]\n"
      "5:VAL() t=1:72006f006f0074000000\n"
      "6:VAL(a\"b) t=1:63005c0064005c0078000000\n"
      "7:VAL(dw) t=4:bc0a0000\n"
      "8:VAL(bin) t=3:0102030aff\n"
      "11:VAL(t) t=ffff0010:\n"
      "12:VAL(gone)=-\n"
      "13:VAL(multi) t=1:6c0069006e00650031000d000a006c0069006e00650032000000\n"
      "15:VAL() t=0:00\n"
      "16:DEL[HKEY_LOCAL_MACHINE\\HIVE\\old]\n"
      "17:KEY[HKEY_LOCAL_MACHINE\\HIVE\\odd]name]]\n";
  if (strcmp(lg.text, want) != 0) fprintf(stderr, "got:\n%s\nwant:\n%s", lg.text, want);
  CHECK(strcmp(lg.text, want) == 0);
}

static void test_regedit4_widening(void) {
  /* REGEDIT4: hex(2) holds ANSI bytes "%a%\0" -> UTF-16LE; hex(7) too; hex(3)/hex: not. */
  static const char src[] = "REGEDIT4\r\n\r\n[K]\r\n"
                            "\"e\"=hex(2):25,61,25,00\r\n"
                            "\"m\"=hex(7):61,00,80,00,00\r\n"
                            "\"b\"=hex:25,61\r\n";
  logger lg;
  size_t line;
  char err[256];
  CHECK(parse_text(src, sizeof src - 1, &lg, &line, err, sizeof err) == 0);
  /* 0x80 alone is not valid UTF-8 -> Windows-1252 euro sign U+20AC. */
  static const char want[] = "3:KEY[K]\n"
                             "4:VAL(e) t=2:250061002500" "0000\n"
                             "5:VAL(m) t=7:61000000ac20" "00000000\n"
                             "6:VAL(b) t=3:2561\n";
  if (strcmp(lg.text, want) != 0) fprintf(stderr, "got:\n%s\nwant:\n%s", lg.text, want);
  CHECK(strcmp(lg.text, want) == 0);
}

/* Expects a syntax error at line want_line. */
static int error_at(const char *body, size_t want_line) {
  char src[512];
  snprintf(src, sizeof src, "Windows Registry Editor Version 5.00\r\n[K]\r\n%s", body);
  logger lg;
  size_t line = 0;
  char err[256];
  int rc = parse_text(src, strlen(src), &lg, &line, err, sizeof err);
  if (rc != -1 || line != want_line || err[0] == '\0') {
    fprintf(stderr, "body [%s]: rc %d line %zu err '%s'\n", body, rc, line, err);
    return 0;
  }
  return 1;
}

static void test_syntax_errors(void) {
  CHECK(error_at("\"x\"=bogus\r\n", 3));
  CHECK(error_at("\"x\"=dword:123456789\r\n", 3));
  CHECK(error_at("\"x\"=dword:\r\n", 3));
  CHECK(error_at("\"x\"\r\n", 3));
  CHECK(error_at("\r\n[K\r\n", 4));
  CHECK(error_at("\"x\"=\"abc\r\n", 4)); /* unterminated: runs to the end of the text */
  CHECK(error_at("\"x\"=\"abc\" junk\r\n", 3));
  CHECK(error_at("\"x\"=hex:01 02\r\n", 3));
  CHECK(error_at("\"x\"=hex:01,zz\r\n", 3));
  CHECK(error_at("\"x\"=hex:01,\\ x\r\n", 3));
  CHECK(error_at("\"x\"=hex(12:01\r\n", 3));
  CHECK(error_at("junk\r\n", 3));
  CHECK(error_at("\"x\r\n\"=\"a\r\n", 5)); /* a name may span lines; the data is open */
}

/* ---- render -> parse round trip ---------------------------------------------------------- */
typedef struct expect_ctx {
  const uint16_t *name;
  size_t name_len;
  uint32_t type;
  const uint8_t *data;
  size_t size;
  int seen, ok;
} expect_ctx;

static int rt_key(void *ctx, const uint16_t *path, size_t len, int del, size_t line) {
  (void)ctx, (void)path, (void)len, (void)del, (void)line;
  return 0;
}

static int rt_value(void *ctx, const uint16_t *name, size_t name_len, int del, uint32_t type,
                    const uint8_t *data, size_t size, size_t line) {
  expect_ctx *e = ctx;
  (void)line;
  e->seen++;
  e->ok = !del && name_len == e->name_len &&
          (name_len == 0 || memcmp(name, e->name, name_len * 2) == 0) && type == e->type &&
          size == e->size && (size == 0 || memcmp(data, e->data, size) == 0);
  return 0;
}

static uint32_t g_seed = 12345u;
static uint32_t lcg(void) {
  g_seed = g_seed * 1103515245u + 12345u;
  return g_seed >> 8;
}

static void test_round_trip(void) {
  static const uint32_t types[] = {0, 1, 1, 1, 2, 3, 4, 4, 5, 7, 11, 0x12345, 0xFFFFFFFFu};
  static uint8_t data[600];
  static uint16_t name[40];
  for (int iter = 0; iter < 2000; iter++) {
    uint32_t type = types[lcg() % (sizeof types / sizeof types[0])];
    size_t size = lcg() % 8 == 0 ? 0 : lcg() % sizeof data;
    if (type == 4 && lcg() % 2) size = 4;
    for (size_t i = 0; i < size; i++) data[i] = (uint8_t)lcg();
    if (type == 1 && size >= 2 && lcg() % 2) {
      /* a well-formed string, with quotes, backslashes, CR/LF and non-ASCII units */
      size &= ~(size_t)1;
      static const uint16_t pool[] = {'a', '"', '\\', '\r', '\n', ' ', 0xE9, 0x20AC, 0xD83D, ']'};
      for (size_t i = 0; i + 2 < size; i += 2) {
        uint16_t c = pool[lcg() % (sizeof pool / sizeof pool[0])];
        data[i] = (uint8_t)c;
        data[i + 1] = (uint8_t)(c >> 8);
      }
      data[size - 2] = data[size - 1] = 0;
    }
    size_t name_len = lcg() % 6 == 0 ? 0 : 1 + lcg() % (sizeof name / sizeof name[0] - 1);
    static const uint16_t npool[] = {'n', '"', '\\', '=', ' ', '@', '[', 0xE9, ';', '\r', '\n'};
    for (size_t i = 0; i < name_len; i++) name[i] = npool[lcg() % (sizeof npool / sizeof npool[0])];

    regfmt_out o;
    regfmt_init(&o);
    regfmt_header(&o);
    static const uint16_t key[] = {'K'};
    regfmt_key(&o, key, 1);
    regfmt_value(&o, name, name_len, type, data, size);
    regfmt_footer(&o);
    CHECK(!o.failed);
    regparse_text t;
    memset(&t, 0, sizeof t);
    t.u = o.u; /* parse the rendered units directly (regparse_run reads t.u/t.len only) */
    t.len = o.len;
    t.version = 5;
    expect_ctx e = {name, name_len, type, data, size, 0, 0};
    regparse_sink sink = {&e, rt_key, rt_value};
    size_t line;
    char err[256];
    int rc = regparse_run(&t, &sink, &line, err, sizeof err);
    if (rc != 0 || e.seen != 1 || !e.ok)
      fprintf(stderr, "iter %d type %x size %zu name_len %zu: rc %d seen %d ok %d (%s)\n", iter,
              type, size, name_len, rc, e.seen, e.ok, err);
    regfmt_release(&o);
    CHECK(rc == 0 && e.seen == 1 && e.ok);
  }
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
  run("decode_versions", test_decode_versions);
  run("syntax_forms", test_syntax_forms);
  run("regedit4_widening", test_regedit4_widening);
  run("syntax_errors", test_syntax_errors);
  run("round_trip", test_round_trip);
  printf("%d passed, %d failed\n", g_passed, g_failed);
  return g_failed ? 1 : 0;
}
