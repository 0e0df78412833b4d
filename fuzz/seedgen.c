/*
 * seedgen.c: small, feature-distinct seeds built through the public API (issue 6: "also
 * generate small seeds through the API"; fuzzing.md §5.9: give each seed unique coverage).
 *
 * Usage: fuzz_seedgen OUTDIR
 * Writes OUTDIR/open_fuzzer/, OUTDIR/roundtrip_fuzzer/ (control prefix + a saved hive) and
 * OUTDIR/api_fuzzer/ (control prefix + step scripts in api_fuzzer.c's encoding).  Each hive
 * exercises one feature: every value type and the inline/resident/big-data sizes, a subkey
 * list split into ri (> 1012 children), lf (format 1.3) vs lh (1.5), classes, security
 * descriptors, virtualization flags, symbolic links, UTF-16 and Latin-1 names, the 255-character
 * name limit, depth 512 (the deepest legal chain, root included).  The engine writes them, so seeds are only as
 * good as the serializer; fixtures/ (helper D's independent python writer) are imported too by
 * ci/fuzz.sh --seed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

static const char *g_out;

static void die(const char *what, DWORD rc) {
  fprintf(stderr, "seedgen: %s failed: %s\n", what, HRErrorName(rc));
  exit(1);
}
#define OK(call) \
  do { \
    DWORD rc_ = (call); \
    if (rc_ != ERROR_SUCCESS) die(#call, rc_); \
  } while (0)

static void write_seed(const char *target, const char *name, const uint8_t ctl[4],
                       const uint8_t *body, size_t len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", g_out, target);
  if (mkdir(path, 0755) != 0 && errno != EEXIST) {
    perror(path);
    exit(1);
  }
  snprintf(path, sizeof path, "%s/%s/seed-%s", g_out, target, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(ctl, 1, 4, f) != 4 || fwrite(body, 1, len, f) != len || fclose(f) != 0) {
    perror(path);
    exit(1);
  }
}

/* Saves root for (maj, min) and writes open/roundtrip seeds; closes the hive. */
static void emit_hive(ORHKEY root, const char *name, DWORD maj, DWORD min) {
  uint8_t *img;
  size_t len;
  OK(fz_save(root, maj, min, &img, &len));
  OK(ORCloseHive(root));
  static const uint8_t plain[4] = {0, 0, 0, 0};
  write_seed("open_fuzzer", name, plain, img, len);
  /* roundtrip: bits 5-6 of byte 0 pick the save target (0 = 10.0, 2 = 5.1). */
  uint8_t rt[4] = {0, 0, 0, 0};
  if (maj == 5) rt[0] = 2u << 5;
  write_seed("roundtrip_fuzzer", name, rt, img, len);
  if (strcmp(name, "features-10.0") == 0) {
    /* Fault seeds (fuzz_common.h control prefix): engine injection in open, backend failure in
     * open, backend failure after open (walk / save), repeated failures; bit 4 also runs
     * HRCheckHive under the fault in open_fuzzer. */
    static const uint8_t faults[4][4] = {{0x11, 20, 0, 0}, {0x12, 10, 0, 0}, {0x13, 5, 0, 0},
                                         {0x17, 3, 0, 0}};
    static const char *const names[4] = {"fault-engine-open", "fault-backend-open",
                                         "fault-backend-later", "fault-backend-later-repeat"};
    for (int i = 0; i < 4; i++) {
      write_seed("open_fuzzer", names[i], faults[i], img, len);
      write_seed("roundtrip_fuzzer", names[i], faults[i], img, len);
    }
  }
  free(img);
}

static ORHKEY create(ORHKEY parent, const WCHAR *name) {
  ORHKEY k;
  OK(ORCreateKey(parent, name, NULL, 0, NULL, &k, NULL));
  return k;
}

static void hive_values(DWORD maj, DWORD min, const char *name) {
  ORHKEY root, k;
  OK(ORCreateHive(&root));
  k = create(root, u"Values");
  static const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  uint32_t dw = 0x12345678;
  uint64_t qw = 0x1122334455667788ull;
  static const WCHAR sz[] = u"text";
  static const WCHAR msz[] = u"one\0two\0";
  OK(ORSetValue(k, NULL, REG_SZ, (const BYTE *)sz, sizeof sz));
  OK(ORSetValue(k, u"sz", REG_SZ, (const BYTE *)sz, sizeof sz));
  OK(ORSetValue(k, u"sz_odd", REG_SZ, (const BYTE *)sz, 3));
  OK(ORSetValue(k, u"expand", REG_EXPAND_SZ, (const BYTE *)u"%SystemRoot%", 26));
  OK(ORSetValue(k, u"multi", REG_MULTI_SZ, (const BYTE *)msz, sizeof msz));
  OK(ORSetValue(k, u"dword", REG_DWORD, (const BYTE *)&dw, 4));
  OK(ORSetValue(k, u"dword_be", REG_DWORD_BIG_ENDIAN, (const BYTE *)&dw, 4));
  OK(ORSetValue(k, u"qword", REG_QWORD, (const BYTE *)&qw, 8));
  OK(ORSetValue(k, u"none0", REG_NONE, NULL, 0));
  for (DWORD n = 1; n <= 5; n++) {
    WCHAR vn[8] = u"bin0";
    vn[3] = (WCHAR)('0' + n);
    OK(ORSetValue(k, vn, REG_BINARY, b, n));
  }
  OK(ORSetValue(k, u"type_unknown", 0x12345, b, sizeof b));
  OK(ORSetValue(k, u"Lat\u00e9", REG_BINARY, b, 2));
  OK(ORSetValue(k, u"\u03a9mega", REG_BINARY, b, 2));
  emit_hive(root, name, maj, min);
}

static void hive_bigdata(DWORD maj, DWORD min, const char *name, size_t size) {
  ORHKEY root, k;
  OK(ORCreateHive(&root));
  k = create(root, u"Big");
  uint8_t *d = malloc(size);
  for (size_t i = 0; i < size; i++) d[i] = (uint8_t)(i * 131 + 7);
  OK(ORSetValue(k, u"blob", REG_BINARY, d, (DWORD)size));
  OK(ORSetValue(k, u"edge", REG_BINARY, d, 16344));
  free(d);
  emit_hive(root, name, maj, min);
}

static void hive_wide(DWORD maj, DWORD min, const char *name, unsigned n) {
  ORHKEY root, k;
  OK(ORCreateHive(&root));
  k = create(root, u"Wide");
  for (unsigned i = 0; i < n; i++) {
    WCHAR kn[16];
    unsigned v = i * 2654435761u % 100000u; /* unsorted insertion order */
    for (int j = 5; j >= 0; j--) {
      kn[j] = (WCHAR)('0' + v % 10);
      v /= 10;
    }
    kn[6] = 'k';
    kn[7] = 0;
    ORHKEY c;
    DWORD disp;
    OK(ORCreateKey(k, kn, NULL, 0, NULL, &c, &disp));
    OK(ORCloseKey(c));
  }
  emit_hive(root, name, maj, min);
}

static void hive_deep(const char *name, unsigned depth) {
  ORHKEY root, k;
  OK(ORCreateHive(&root));
  k = root;
  for (unsigned i = 1; i < depth; i++) {
    ORHKEY c;
    /* The engine may cap creation depth below the load limit: keep what it allows. */
    if (ORCreateKey(k, (i % 2) ? u"d" : u"D2", NULL, 0, NULL, &c, NULL) != ERROR_SUCCESS) break;
    if (k != root) OK(ORCloseKey(k));
    k = c;
  }
  if (k != root) OK(ORCloseKey(k));
  emit_hive(root, name, 10, 0);
}

static void hive_features(const char *name) {
  static const uint8_t sd[] = {
      1, 0, 0x14, 0x80, 20, 0, 0, 0, 32, 0, 0, 0, 44, 0, 0, 0, 0, 0, 0, 0,
      1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,             /* owner S-1-5-18 */
      1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0,             /* group S-1-5-18 */
      2, 0, 8, 0, 0, 0, 0, 0};                          /* empty SACL */
  ORHKEY root, k, c;
  OK(ORCreateHive(&root));
  OK(ORCreateKey(root, u"Classy", u"SomeClass", 0, NULL, &k, NULL));
  OK(ORCreateKey(k, u"child", u"\u00e9\u03a9", 0, NULL, &c, NULL));
  OK(ORCloseKey(c));
  OK(ORCreateKey(root, u"Secured", NULL, 0, (PSECURITY_DESCRIPTOR)sd, &c, NULL));
  OK(ORCloseKey(c));
  OK(ORCloseKey(k));
  k = create(root, u"Virt");
  OK(ORSetVirtualFlags(k, REG_KEY_DONT_VIRTUALIZE | REG_KEY_RECURSE_FLAG));
  OK(ORCloseKey(k));
  WCHAR longname[256];
  for (int i = 0; i < 255; i++) longname[i] = (WCHAR)('a' + i % 26);
  longname[255] = 0;
  k = create(root, longname);
  OK(ORCloseKey(k));
  k = create(root, u"\u041a\u043b\u044e\u0447"); /* UTF-16 name (not Latin-1) */
  OK(ORCloseKey(k));
  k = create(root, u"caf\u00e9"); /* Latin-1, stored compressed */
  OK(ORCloseKey(k));
  DWORD rc = ORCreateKey(root, u"Link", NULL, REG_OPTION_CREATE_LINK, NULL, &k, NULL);
  if (rc == ERROR_SUCCESS) {
    static const WCHAR target[] = u"\\Registry\\Machine\\Software";
    OK(ORSetValue(k, u"SymbolicLinkValue", REG_LINK, (const BYTE *)target,
                  sizeof target - 2));
    OK(ORCloseKey(k));
  }
  k = create(root, u"Software");
  c = create(k, u"Wow6432Node");
  OK(ORCloseKey(c));
  c = create(k, u"Classes");
  OK(ORCloseKey(c));
  OK(ORCloseKey(k));
  emit_hive(root, name, 10, 0);
}

/* ---- api_fuzzer scripts (encoding: api_fuzzer.c) -------------------------------------------- */
typedef struct script {
  uint8_t b[4096];
  size_t n;
} script;
static void E(script *s, unsigned v) { s->b[s->n++] = (uint8_t)v; }
static void word(script *s, unsigned i) { E(s, 0); E(s, i); }  /* k_words[i] */
static void op_create(script *s, unsigned slot, unsigned w, int cls_word, unsigned opts) {
  E(s, 0); E(s, slot); word(s, w);
  if (cls_word >= 0) { E(s, 1); word(s, (unsigned)cls_word); } else E(s, 0);
  E(s, opts); E(s, 0);
}
static void op_setval(script *s, unsigned slot, unsigned w, unsigned type, unsigned lk,
                      unsigned extra) {
  E(s, 4); E(s, slot); word(s, w); E(s, type); E(s, lk);
  if (lk % 5 == 2) E(s, extra);
  if (lk % 5 == 3) { E(s, extra); E(s, 0); }
  E(s, 0x10); /* fill, no explicit data bytes */
}
static void emit_script(const char *name, const uint8_t ctl[4], const script *s) {
  write_seed("api_fuzzer", name, ctl, s->b, s->n);
}

static void api_scripts(void) {
  static const uint8_t plain[4] = {0, 0, 0, 0};
  script s;
  /* keys, values of several types, classes, query/enum, explicit save check */
  memset(&s, 0, sizeof s);
  op_create(&s, 0, 4, 8, 0);          /* Software, class "Classes" -> slot 1 */
  op_create(&s, 1, 6, -1, 0);         /* Software\Microsoft -> slot 2 */
  op_setval(&s, 1, 0, 1, 0x20, 0);    /* "a" REG_SZ 4 bytes */
  op_setval(&s, 1, 1, 4, 1, 0);       /* "A" REG_DWORD 4 bytes (same name, case) */
  op_setval(&s, 2, 15, 3, 0x28, 0);   /* default value REG_BINARY 5 bytes */
  E(&s, 9); E(&s, 1); E(&s, 1);       /* ORQueryInfoKey with class buffer */
  E(&s, 7); E(&s, 0); E(&s, 0); E(&s, 40); E(&s, 1);  /* OREnumKey */
  E(&s, 8); E(&s, 1); E(&s, 0); E(&s, 40); E(&s, 0); E(&s, 64); E(&s, 0);  /* OREnumValue */
  E(&s, 13); E(&s, 0);                /* save + check */
  emit_script("keys-values", plain, &s);

  /* big data, delete value, security, virtual flags, rename, delete key */
  memset(&s, 0, sizeof s);
  op_create(&s, 0, 0, -1, 0);
  op_setval(&s, 1, 2, 3, 3, 1);       /* "b" 2*16344 bytes: big data */
  op_setval(&s, 1, 3, 3, 2, 8);       /* "B" 16344 bytes: the edge */
  E(&s, 5); E(&s, 1); word(&s, 2);    /* delete "b" */
  E(&s, 10); E(&s, 1); E(&s, 4); E(&s, 0);   /* DACL from the template */
  E(&s, 11); E(&s, 1); E(&s, 2);      /* virtual flags */
  E(&s, 12); E(&s, 1); word(&s, 7);   /* rename to Wow6432Node */
  E(&s, 3); E(&s, 0); word(&s, 7);    /* delete it */
  emit_script("bigdata-security", plain, &s);

  /* volatile key, link key, paths, long names */
  memset(&s, 0, sizeof s);
  op_create(&s, 0, 16, -1, 0);        /* a\b\c */
  op_create(&s, 0, 4, -1, 1);         /* volatile Software */
  op_create(&s, 0, 17, -1, 2);        /* create-link option */
  E(&s, 0); E(&s, 0); E(&s, 6); E(&s, 2); E(&s, 0); E(&s, 0); E(&s, 0);  /* 255-char name */
  E(&s, 1); E(&s, 0); word(&s, 16);   /* open a\b\c */
  E(&s, 2); E(&s, 1);                 /* close slot 1 */
  emit_script("paths-volatile", plain, &s);

  /* the same scripts under faults: backend fault at the first steps */
  static const uint8_t f1[4] = {3, 1, 0, 0}, f2[4] = {3, 2, 0, 1}, f3[4] = {2, 3, 0, 0},
                       f4[4] = {1, 2, 0, 2};
  memset(&s, 0, sizeof s);
  op_create(&s, 0, 4, 8, 0);
  op_setval(&s, 1, 0, 1, 0x20, 0);
  op_setval(&s, 1, 2, 3, 3, 1);
  E(&s, 13); E(&s, 0);
  emit_script("fault-step0", f1, &s);
  emit_script("fault-step1", f2, &s);
  emit_script("fault-create", f3, &s);
  emit_script("fault-engine-step2", f4, &s);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
    return 2;
  }
  g_out = argv[1];
  if (mkdir(g_out, 0755) != 0 && errno != EEXIST) {
    perror(g_out);
    return 1;
  }
  ORHKEY root;
  OK(ORCreateHive(&root));
  emit_hive(root, "empty-10.0", 10, 0);
  OK(ORCreateHive(&root));
  emit_hive(root, "empty-5.1", 5, 1);
  hive_values(10, 0, "values-10.0");
  hive_values(5, 1, "values-5.1");
  hive_bigdata(10, 0, "bigdata-10.0", 40000);
  hive_bigdata(5, 1, "bigcell-5.1", 20000);
  hive_wide(10, 0, "ri-lh-10.0", 1100);
  hive_wide(5, 1, "ri-lf-5.1", 1100);
  hive_wide(6, 1, "lh-small-6.1", 12);
  hive_deep("deep-512", 512);
  hive_features("features-10.0");
  api_scripts();
  fz_check_no_leaks(NULL);
  printf("seedgen: seeds written under %s\n", g_out);
  return 0;
}
