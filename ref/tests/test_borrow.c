/*
 * test_borrow.c: values that borrow their data from the hive's file image (tree.h "File
 * bytes"; issue #9 peak memory of open).  A hive opened from a file keeps the image and its
 * loaded inline / cell data points into it; big data (db) is reassembled into owned storage;
 * a hive opened from memory copies.  Every mutation must replace borrowed bytes with an owned
 * copy and never write the image; merge copies deeply; close frees the image after every key
 * (also detached ones).  An OOM sweep covers ORSetValue / ORDeleteValue on loaded values.
 */
#include "api.h"
#include "api_testlib.h"
#include "layout.h"

static BYTE g_big[20000]; /* > 16344 bytes: big data (db) in a 1.5+ hive */
static char g_path[600];
static const char *g_dir;

/* A hive with every kind of value storage, saved once to g_path. */
static DWORD build_fixture(void) {
  ORHKEY root, app, del;
  DWORD st = ORCreateHive(&root);
  if (st) return st;
  for (size_t i = 0; i < sizeof g_big; i++) g_big[i] = (BYTE)(i * 7 + 3);
  if (!(st = ORCreateKey(root, W("Software\\App"), NULL, 0, NULL, &app, NULL))) {
    if (!st) st = ORSetValue(app, W("dw"), REG_DWORD, (const BYTE *)"\x01\x02\x03\x04", 4);
    if (!st) st = ORSetValue(app, W("two"), REG_BINARY, (const BYTE *)"\xAA\xBB", 2);
    if (!st) st = ORSetValue(app, W("sz"), REG_SZ, (const BYTE *)"h\0e\0l\0l\0o\0\0\0", 12);
    if (!st) st = ORSetValue(app, NULL, REG_BINARY, (const BYTE *)"default data", 12);
    if (!st) st = ORSetValue(app, W("empty"), REG_NONE, NULL, 0);
    if (!st) st = ORSetValue(app, W("big"), REG_BINARY, g_big, sizeof g_big);
    ORCloseKey(app);
  }
  if (!st && !(st = ORCreateKey(root, W("DelMe\\Child"), NULL, 0, NULL, &del, NULL))) {
    st = ORSetValue(del, W("cv"), REG_SZ, (const BYTE *)"c\0v\0\0\0", 6);
    ORCloseKey(del);
  }
  if (!st) st = ORSaveHive(root, W(g_path), 6, 1);
  ORCloseHive(root);
  return st;
}

/* The hive's tree (the caller holds no other reference; for inspection only). */
static const hr_tree *tree_of(ORHKEY h, hr_ref *r) {
  if (handle_enter(h, r) != ERROR_SUCCESS) return NULL;
  return &r->hive->tree;
}

static const hr_value *value_of(const hr_key *k, const char *name) {
  int64_t i = tree_find_value(k, W(name), (uint32_t)strlen(name));
  return i >= 0 ? &k->values[i] : NULL;
}

static bool in_image(const hr_tree *t, const void *p, uint32_t n) {
  const uint8_t *b = p;
  return t->image && b >= t->image && b + n <= t->image + t->image_size;
}

static bool get_eq(ORHKEY k, const char *name, DWORD type, const void *data, DWORD n) {
  BYTE buf[32768];
  DWORD t = 0, cb = sizeof buf;
  if (ORGetValue(k, NULL, name ? W(name) : NULL, &t, buf, &cb) != ERROR_SUCCESS) return false;
  return t == type && cb == n && memcmp(buf, data, n) == 0;
}

static void test_loaded_values_borrow(void) {
  ORHKEY root, app;
  REQUIRE_OK(HROpenHiveUtf8(g_path, NULL, &root, NULL));
  REQUIRE_OK(OROpenKey(root, W("Software\\App"), &app));
  hr_ref r;
  const hr_tree *t = tree_of(app, &r);
  REQUIRE(t);
  CHECK(t->image != NULL && t->image_size > 0);
  const hr_value *dw = value_of(r.key, "dw"), *two = value_of(r.key, "two");
  const hr_value *sz = value_of(r.key, "sz"), *def = value_of(r.key, "");
  const hr_value *empty = value_of(r.key, "empty"), *big = value_of(r.key, "big");
  if (dw && two && sz && def && empty && big) {
    /* Inline (<= 4 bytes, in the vk) and cell data: borrowed, inside the image. */
    CHECK(dw->borrowed && in_image(t, dw->data, 4) && memcmp(dw->data, "\x01\x02\x03\x04", 4) == 0);
    CHECK(two->borrowed && in_image(t, two->data, 2));
    CHECK(sz->borrowed && in_image(t, sz->data, 12));
    CHECK(def->borrowed && def->name == NULL && in_image(t, def->data, 12));
    /* No data: nothing to borrow.  Big data: reassembled into owned storage. */
    CHECK(!empty->borrowed && empty->data == NULL);
    CHECK(!big->borrowed && !in_image(t, big->data, 1) && big->size == sizeof g_big &&
          memcmp(big->data, g_big, sizeof g_big) == 0);
  } else {
    test_fail(__FILE__, __LINE__, "fixture values missing");
  }
  handle_leave(&r);
  CHECK(get_eq(app, "sz", REG_SZ, "h\0e\0l\0l\0o\0\0\0", 12));
  CHECK(get_eq(app, NULL, REG_BINARY, "default data", 12));
  CHECK(get_eq(app, "big", REG_BINARY, g_big, sizeof g_big));
  CHECK(test_tree_ok(root));
  ORCloseKey(app);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_from_memory_copies(void) {
  size_t len;
  uint8_t *img = test_read_file(g_path, &len);
  REQUIRE(img);
  ORHKEY root, app;
  DWORD st = HROpenHiveFromMemory(img, len, NULL, &root, NULL);
  if (st) {
    test_free_file(img);
    REQUIRE_OK(st);
  }
  if (OROpenKey(root, W("Software\\App"), &app) == ERROR_SUCCESS) {
    hr_ref r;
    const hr_tree *t = tree_of(app, &r);
    if (t) {
      CHECK(t->image == NULL);
      for (uint32_t i = 0; i < r.key->n_values; i++) {
        const hr_value *v = &r.key->values[i];
        CHECK(!v->borrowed);
        CHECK(v->size == 0 || !((const uint8_t *)v->data >= img && (const uint8_t *)v->data < img + len));
      }
      handle_leave(&r);
    }
    /* The caller's buffer may go away right after open. */
    memset(img, 0xEE, len);
    CHECK(get_eq(app, "sz", REG_SZ, "h\0e\0l\0l\0o\0\0\0", 12));
    CHECK(get_eq(app, "dw", REG_DWORD, "\x01\x02\x03\x04", 4));
    ORCloseKey(app);
  } else {
    test_fail(__FILE__, __LINE__, "open Software\\App");
  }
  test_free_file(img);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* HR_OPEN_KEEP_IMAGE: a from-memory open behaves as a file open (one private copy of the
 * buffer, kept; values borrow from it), and the caller's buffer is free right after the call. */
static void test_from_memory_keep_image(void) {
  size_t len;
  uint8_t *img = test_read_file(g_path, &len);
  REQUIRE(img);
  HROpenOptions o = {.struct_size = sizeof o, .flags = HR_OPEN_KEEP_IMAGE};
  ORHKEY root, app;
  DWORD st = HROpenHiveFromMemory(img, len, &o, &root, NULL);
  if (st) {
    test_free_file(img);
    REQUIRE_OK(st);
  }
  memset(img, 0xEE, len); /* the hive must not read the caller's buffer any more */
  if (OROpenKey(root, W("Software\\App"), &app) == ERROR_SUCCESS) {
    hr_ref r;
    const hr_tree *t = tree_of(app, &r);
    if (t) {
      CHECK(t->image != NULL && t->image_size == len && t->image != img);
      const hr_value *sz = value_of(r.key, "sz"), *big = value_of(r.key, "big");
      CHECK(sz && sz->borrowed && in_image(t, sz->data, 12));
      CHECK(big && !big->borrowed);
      handle_leave(&r);
    }
    CHECK(get_eq(app, "sz", REG_SZ, "h\0e\0l\0l\0o\0\0\0", 12));
    CHECK(get_eq(app, "dw", REG_DWORD, "\x01\x02\x03\x04", 4));
    CHECK(get_eq(app, "big", REG_BINARY, g_big, sizeof g_big));
    /* Copy on write works the same as for a file's image. */
    CHECK_ERR(ORSetValue(app, W("sz"), REG_SZ, (const BYTE *)"x\0\0\0", 4), ERROR_SUCCESS);
    CHECK(get_eq(app, "sz", REG_SZ, "x\0\0\0", 4));
    ORCloseKey(app);
  } else {
    test_fail(__FILE__, __LINE__, "open Software\\App");
  }
  test_free_file(img);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
  /* Unknown flags are still refused. */
  HROpenOptions bad = {.struct_size = sizeof bad, .flags = 0x80u};
  ORHKEY h = NULL;
  CHECK_ERR(HROpenHiveFromMemory("regf", 4, &bad, &h, NULL), ERROR_INVALID_FLAGS);
}

/* Set / delete on borrowed values: copy-on-write, the image never changes. */
static void test_mutations_copy_on_write(void) {
  size_t flen;
  uint8_t *file = test_read_file(g_path, &flen);
  REQUIRE(file);
  ORHKEY root, app;
  DWORD st = HROpenHiveUtf8(g_path, NULL, &root, NULL);
  if (st == ERROR_SUCCESS) st = OROpenKey(root, W("Software\\App"), &app);
  if (st) {
    test_free_file(file);
    REQUIRE_OK(st);
  }
  hr_ref r;
  const hr_tree *t = tree_of(app, &r);
  if (t) {
    CHECK(t->image_size == flen && memcmp(t->image, file, flen) == 0);
    handle_leave(&r);
  }
  /* Replace a named borrowed value with longer, shorter and empty data. */
  CHECK_ERR(ORSetValue(app, W("SZ"), REG_EXPAND_SZ, (const BYTE *)"n\0e\0w\0 \0l\0o\0n\0g\0e\0r\0\0\0", 22), ERROR_SUCCESS);
  CHECK(get_eq(app, "sz", REG_EXPAND_SZ, "n\0e\0w\0 \0l\0o\0n\0g\0e\0r\0\0\0", 22));
  CHECK_ERR(ORSetValue(app, W("two"), REG_BINARY, (const BYTE *)"\x11", 1), ERROR_SUCCESS);
  CHECK(get_eq(app, "two", REG_BINARY, "\x11", 1));
  CHECK_ERR(ORSetValue(app, W("dw"), REG_NONE, NULL, 0), ERROR_SUCCESS);
  CHECK(get_eq(app, "dw", REG_NONE, "", 0));
  /* The unnamed default value (borrowed, no name block at all). */
  CHECK_ERR(ORSetValue(app, NULL, REG_DWORD, (const BYTE *)"\x05\x06\x07\x08", 4), ERROR_SUCCESS);
  CHECK(get_eq(app, NULL, REG_DWORD, "\x05\x06\x07\x08", 4));
  if ((t = tree_of(app, &r)) != NULL) {
    const hr_value *sz = value_of(r.key, "sz"), *def = value_of(r.key, "");
    CHECK(sz && !sz->borrowed && !in_image(t, sz->data, 1));
    /* The stored name keeps its case and lives on after its block changed. */
    CHECK(sz && sz->name_len == 2 && sz->name[0] == 's' && sz->name[1] == 'z');
    CHECK(def && !def->borrowed && !in_image(t, def->data, 1));
    /* The image is untouched. */
    CHECK(memcmp(t->image, file, flen) == 0);
    handle_leave(&r);
  }
  /* Delete borrowed and owned values; the rest still reads. */
  CHECK_ERR(ORDeleteValue(app, W("sz")), ERROR_SUCCESS);
  CHECK_ERR(ORDeleteValue(app, NULL), ERROR_SUCCESS);
  CHECK_ERR(ORDeleteValue(app, W("big")), ERROR_SUCCESS);
  CHECK(get_eq(app, "two", REG_BINARY, "\x11", 1));
  CHECK(test_tree_ok(root));
  if ((t = tree_of(app, &r)) != NULL) {
    CHECK(memcmp(t->image, file, flen) == 0);
    handle_leave(&r);
  }
  ORCloseKey(app);
  test_free_file(file);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* Rename and delete keys holding borrowed values; close with a deleted key still open (its
 * values borrow from the image, which must outlive it). */
static void test_keys_with_borrowed_values(void) {
  ORHKEY root, app, child;
  REQUIRE_OK(HROpenHiveUtf8(g_path, NULL, &root, NULL));
  REQUIRE_OK(OROpenKey(root, W("Software\\App"), &app));
  CHECK_ERR(ORRenameKey(app, W("A much longer name than before")), ERROR_SUCCESS);
  CHECK(get_eq(app, "sz", REG_SZ, "h\0e\0l\0l\0o\0\0\0", 12));
  CHECK_ERR(ORRenameKey(app, W("A")), ERROR_SUCCESS);
  CHECK(get_eq(app, "dw", REG_DWORD, "\x01\x02\x03\x04", 4));
  ORCloseKey(app);
  if (OROpenKey(root, W("DelMe\\Child"), &child) == ERROR_SUCCESS) {
    CHECK_ERR(ORDeleteKey(root, W("DelMe\\Child")), ERROR_SUCCESS);
    /* ORCloseHive first: the detached key and its borrowed value go before the image. */
    CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
    ORCloseKey(child); /* invalid now; whatever it returns, nothing may leak */
  } else {
    test_fail(__FILE__, __LINE__, "open DelMe\\Child");
    ORCloseHive(root);
  }
}

/* Merge copies deeply: the result outlives its (loaded, borrowing) sources. */
static void test_merge_and_save_are_deep(void) {
  ORHKEY a, b, m, app;
  REQUIRE_OK(HROpenHiveUtf8(g_path, NULL, &a, NULL));
  DWORD st = HROpenHiveUtf8(g_path, NULL, &b, NULL);
  if (st) {
    ORCloseHive(a);
    REQUIRE_OK(st);
  }
  ORHKEY in[2] = {a, b};
  st = ORMergeHives(in, 2, &m);
  char *src_dump = test_logical_dump(a);
  ORCloseHive(a);
  ORCloseHive(b);
  if (st) {
    free(src_dump);
    REQUIRE_OK(st);
  }
  if (OROpenKey(m, W("Software\\App"), &app) == ERROR_SUCCESS) {
    hr_ref r;
    const hr_tree *t = tree_of(app, &r);
    if (t) {
      for (uint32_t i = 0; i < r.key->n_values; i++) CHECK(!r.key->values[i].borrowed);
      handle_leave(&r);
    }
    CHECK(get_eq(app, "sz", REG_SZ, "h\0e\0l\0l\0o\0\0\0", 12));
    CHECK(get_eq(app, "big", REG_BINARY, g_big, sizeof g_big));
    ORCloseKey(app);
  } else {
    test_fail(__FILE__, __LINE__, "merged Software\\App");
  }
  char *merged = test_logical_dump(m);
  CHECK(strcmp(src_dump, merged) == 0);
  /* Save a loaded hive and load the result: the same logical content. */
  char p2[700];
  snprintf(p2, sizeof p2, "%s/resaved.hiv", g_dir);
  ORHKEY l, l2;
  if (HROpenHiveUtf8(g_path, NULL, &l, NULL) == ERROR_SUCCESS) {
    CHECK_ERR(ORSetValue(l, W("rootval"), REG_SZ, (const BYTE *)"r\0\0\0", 4), ERROR_SUCCESS);
    CHECK_ERR(ORDeleteValue(l, W("rootval")), ERROR_SUCCESS);
    CHECK_ERR(ORSaveHive(l, W(p2), 6, 1), ERROR_SUCCESS);
    char *d1 = test_logical_dump(l);
    ORCloseHive(l);
    if (HROpenHiveUtf8(p2, NULL, &l2, NULL) == ERROR_SUCCESS) {
      char *d2 = test_logical_dump(l2);
      CHECK(strcmp(d1, d2) == 0);
      CHECK(strcmp(d1, src_dump) == 0);
      free(d2);
      ORCloseHive(l2);
    } else {
      test_fail(__FILE__, __LINE__, "reopen saved hive");
    }
    free(d1);
    unlink(p2);
  } else {
    test_fail(__FILE__, __LINE__, "open fixture");
  }
  free(src_dump);
  free(merged);
  ORCloseHive(m);
}

/* ---- OOM sweep: write calls on loaded (borrowed) values ----------------------------------- */
typedef DWORD (*borrow_act)(ORHKEY app);
typedef struct oom_ctx {
  borrow_act act;
  int repeat;
} oom_ctx;

static DWORD act_set_named(ORHKEY app) {
  return ORSetValue(app, W("sz"), REG_BINARY, (const BYTE *)"0123456789", 10);
}
static DWORD act_set_default(ORHKEY app) {
  return ORSetValue(app, NULL, REG_DWORD, (const BYTE *)"\0\0\0\0", 4);
}
static DWORD act_set_inline(ORHKEY app) {
  return ORSetValue(app, W("dw"), REG_QWORD, (const BYTE *)"12345678", 8);
}
static DWORD act_set_big(ORHKEY app) { return ORSetValue(app, W("big"), REG_BINARY, g_big, 100); }
static DWORD act_delete(ORHKEY app) { return ORDeleteValue(app, W("two")); }

static uint64_t failures_of(ORHKEY h) {
  HRMemStats s;
  return HRGetMemStats(h, &s) == ERROR_SUCCESS ? s.failures : 0;
}

static DWORD run_oom(void *vctx, uint64_t fail_at, bool *injected) {
  oom_ctx *c = vctx;
  ORHKEY root, app;
  *injected = false;
  DWORD st = HROpenHiveUtf8(g_path, NULL, &root, NULL);
  if (st) return st;
  if ((st = OROpenKey(root, W("Software\\App"), &app)) != ERROR_SUCCESS) {
    ORCloseHive(root);
    return st;
  }
  char *before = test_dump_hive(root);
  uint64_t f0 = failures_of(root);
  HRSetAllocFailure(root, fail_at, c->repeat);
  st = c->act(app);
  HRSetAllocFailure(root, 0, 0);
  *injected = failures_of(root) > f0;
  char *after = test_dump_hive(root);
  if (st != ERROR_SUCCESS && strcmp(before, after) != 0)
    test_fail(__FILE__, __LINE__, "fail_at=%llu: %s changed the hive", (unsigned long long)fail_at,
              HRErrorName(st));
  if (st == ERROR_SUCCESS && strcmp(before, after) == 0)
    test_fail(__FILE__, __LINE__, "fail_at=%llu: success changed nothing",
              (unsigned long long)fail_at);
  if (!test_tree_ok(root))
    test_fail(__FILE__, __LINE__, "fail_at=%llu: tree broken", (unsigned long long)fail_at);
  free(before);
  free(after);
  ORCloseKey(app);
  ORCloseHive(root);
  return st;
}

static void test_oom_writes_on_loaded_values(void) {
  static const struct {
    const char *what;
    borrow_act act;
    bool allocates;
  } acts[] = {
      {"ORSetValue named borrowed", act_set_named, true},
      {"ORSetValue default borrowed", act_set_default, true},
      {"ORSetValue inline borrowed", act_set_inline, true},
      {"ORSetValue big (owned)", act_set_big, true},
      {"ORDeleteValue borrowed", act_delete, false},
  };
  for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++)
    for (int repeat = 0; repeat < 2; repeat++) {
      oom_ctx c = {acts[i].act, repeat};
      uint64_t n = test_oom_sweep(acts[i].what, run_oom, &c, 1000);
      CHECK(acts[i].allocates ? n > 1 : n == 1);
      printf("  sweep %-30s repeat=%d: %llu runs\n", acts[i].what, repeat, (unsigned long long)n);
    }
}

int main(void) {
  g_dir = test_tmpdir("borrow");
  if (!g_dir) return 1;
  snprintf(g_path, sizeof g_path, "%s/fixture.hiv", g_dir);
  DWORD st = build_fixture();
  if (st != ERROR_SUCCESS) {
    fprintf(stderr, "fixture: %s\n", HRErrorName(st));
    return 1;
  }
  TEST_RUN(test_loaded_values_borrow);
  TEST_RUN(test_from_memory_copies);
  TEST_RUN(test_from_memory_keep_image);
  TEST_RUN(test_mutations_copy_on_write);
  TEST_RUN(test_keys_with_borrowed_values);
  TEST_RUN(test_merge_and_save_are_deep);
  TEST_RUN(test_oom_writes_on_loaded_values);
  unlink(g_path);
  test_rmdir(g_dir);
  return test_finish();
}
