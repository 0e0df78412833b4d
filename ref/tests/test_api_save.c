/*
 * test_api_save.c: ORSaveHive (offreg-api.md §1.19; BEHAVIOUR.md "save"): round trips through
 * OROpenHive, no overwrite, injected I/O failures leave no file, save-required persistence,
 * subtree saves, target versions, volatile keys.
 */
#include <errno.h>
#include <fcntl.h>

#include "api_save.h"
#include "api_testlib.h"
#include "layout.h"

static ORHKEY build_sample(void) {
  ORHKEY root = NULL, k;
  if (ORCreateHive(&root) != ERROR_SUCCESS) return NULL;
  if (ORCreateKey(root, W("Software\\Vendor\\App"), W("cls"), 0, NULL, &k, NULL)) return NULL;
  ORSetValue(k, W("Name"), REG_SZ, (const BYTE *)"a\0b\0\0\0", 6);
  ORSetValue(k, W("Count"), REG_DWORD, (const BYTE *)"\5\0\0\0", 4);
  ORSetValue(k, NULL, REG_BINARY, (const BYTE *)"xyz", 3);
  static BYTE big[20000];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (BYTE)i;
  ORSetValue(k, W("Big"), REG_BINARY, big, sizeof big);
  ORCloseKey(k);
  if (ORCreateKey(root, W("System\\\xC3\xA9t\xC3\xA9"), NULL, 0, NULL, &k, NULL)) return NULL;
  ORSetVirtualFlags(k, REG_KEY_DONT_VIRTUALIZE);
  ORCloseKey(k);
  if (ORCreateKey(root, W("Volatile"), NULL, REG_OPTION_VOLATILE, NULL, &k, NULL)) return NULL;
  ORCloseKey(k);
  return root;
}

static const char *join(const char *dir, const char *name) {
  static char buf[4][600];
  static int i;
  i = (i + 1) % 4;
  snprintf(buf[i], sizeof buf[i], "%s/%s", dir, name);
  return buf[i];
}

static void test_save_roundtrip(void) {
  const char *dir = test_tmpdir("save_rt");
  REQUIRE(dir);
  ORHKEY root = build_sample();
  REQUIRE(root);
  const char *p = join(dir, "out.hiv");
  REQUIRE_OK(ORSaveHive(root, W(p), 6, 1));
  ORHKEY re;
  REQUIRE_OK(OROpenHive(W(p), &re));
  char *a = test_logical_dump(root), *b = test_logical_dump(re);
  /* The volatile key is not saved: remove it from the source and compare. */
  REQUIRE_OK(ORDeleteKey(root, W("Volatile")));
  free(a);
  a = test_logical_dump(root);
  CHECK(strcmp(a, b) == 0);
  if (strcmp(a, b)) fprintf(stderr, "--- source\n%s--- reopened\n%s", a, b);
  free(a);
  free(b);
  ORHKEY v;
  CHECK_ERR(OROpenKey(re, W("Volatile"), &v), ERROR_FILE_NOT_FOUND);
  HRHiveInfo info;
  REQUIRE_OK(HRGetHiveInfo(re, &info));
  CHECK_EQ_U(info.major, 1);
  CHECK_EQ_U(info.minor, 5);
  /* Only the target file exists in the folder: no temporary left. */
  CHECK_EQ_U(test_count_entries(dir), 1);
  CHECK_ERR(ORCloseHive(re), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
  test_rmdir(dir);
}

/* §1.19: "will not overwrite an existing file" -> ERROR_ALREADY_EXISTS; the file is untouched. */
static void test_save_existing(void) {
  const char *dir = test_tmpdir("save_ex");
  REQUIRE(dir);
  const char *p = join(dir, "exists.hiv");
  FILE *f = fopen(p, "wb");
  REQUIRE(f);
  fputs("precious", f);
  fclose(f);
  ORHKEY root = build_sample();
  REQUIRE(root);
  CHECK_ERR(ORSaveHive(root, W(p), 6, 1), ERROR_ALREADY_EXISTS);
  size_t n;
  uint8_t *c = test_read_file(p, &n);
  CHECK(c && n == 8 && memcmp(c, "precious", 8) == 0);
  test_free_file(c);
  CHECK_EQ_U(test_count_entries(dir), 1);
  /* A folder as the target is "existing" too. */
  CHECK_ERR(ORSaveHive(root, W(dir), 6, 1), ERROR_ALREADY_EXISTS);
  /* A missing folder: ERROR_PATH_NOT_FOUND; NULL path: ERROR_INVALID_PARAMETER. */
  CHECK_ERR(ORSaveHive(root, W(join(dir, "no/such.hiv")), 6, 1), ERROR_PATH_NOT_FOUND);
  CHECK_ERR(ORSaveHive(root, NULL, 6, 1), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORSaveHive((ORHKEY)12345, W(join(dir, "x.hiv")), 6, 1), ERROR_INVALID_HANDLE);
  CHECK_EQ_U(test_count_entries(dir), 1);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
  test_rmdir(dir);
}

/* ---- injected I/O failures ---------------------------------------------------------------- */
typedef struct fault_io {
  hr_save_io io;
  const hr_save_io *real;
  int fail_create, fail_write, fail_fsync, fail_close, fail_link; /* errno to return, or 0 */
  int trickle;                 /* write one byte per call */
  int write_calls;
  int fail_write_after;        /* fail the Nth write call (1-based), 0 = first */
  const char *appear;          /* create this file just before linking (a racing creator) */
} fault_io;

static int f_create(void *ctx, const char *p) {
  fault_io *f = ctx;
  if (f->fail_create) return -f->fail_create;
  return f->real->create_excl(NULL, p);
}
static ssize_t f_write(void *ctx, int fd, const void *b, size_t n) {
  fault_io *f = ctx;
  f->write_calls++;
  if (f->fail_write && f->write_calls > f->fail_write_after) return -f->fail_write;
  return f->real->write(NULL, fd, b, f->trickle ? 1 : n);
}
static int f_fsync(void *ctx, int fd) {
  fault_io *f = ctx;
  if (f->fail_fsync) return -f->fail_fsync;
  return f->real->fsync(NULL, fd);
}
static int f_close(void *ctx, int fd) {
  fault_io *f = ctx;
  int r = f->real->close(NULL, fd);
  return f->fail_close ? -f->fail_close : r;
}
static int f_link(void *ctx, const char *a, const char *b) {
  fault_io *f = ctx;
  if (f->appear) {
    FILE *x = fopen(f->appear, "wb");
    if (x) {
      fputs("racer", x);
      fclose(x);
    }
  }
  if (f->fail_link) return -f->fail_link;
  return f->real->link_noreplace(NULL, a, b);
}
static int f_rename(void *ctx, const char *a, const char *b) {
  (void)ctx;
  return api_save_posix_io()->rename(NULL, a, b);
}
static int f_unlink(void *ctx, const char *p) {
  (void)ctx;
  return api_save_posix_io()->unlink(NULL, p);
}
static int f_fsync_dir(void *ctx, const char *d) {
  (void)ctx;
  return api_save_posix_io()->fsync_dir(NULL, d);
}

static void fault_init(fault_io *f) {
  memset(f, 0, sizeof *f);
  f->real = api_save_posix_io();
  f->io.create_excl = f_create;
  f->io.write = f_write;
  f->io.fsync = f_fsync;
  f->io.close = f_close;
  f->io.link_noreplace = f_link;
  f->io.rename = f_rename;
  f->io.unlink = f_unlink;
  f->io.fsync_dir = f_fsync_dir;
  f->io.ctx = f;
}

static void test_save_io_failures(void) {
  const char *dir = test_tmpdir("save_io");
  REQUIRE(dir);
  ORHKEY root = build_sample();
  REQUIRE(root);
  char *before = test_dump_hive(root);
  const char *p = join(dir, "t.hiv");
  struct {
    const char *what;
    int create, write, after, fsync, close, link;
    DWORD want;
  } cases[] = {
      {"create EACCES", EACCES, 0, 0, 0, 0, 0, ERROR_ACCESS_DENIED},
      {"create EROFS", EROFS, 0, 0, 0, 0, 0, ERROR_ACCESS_DENIED},
      {"write ENOSPC", 0, ENOSPC, 0, 0, 0, 0, ERROR_DISK_FULL},
      {"write ENOSPC later", 0, ENOSPC, 3, 0, 0, 0, ERROR_DISK_FULL},
      {"write EIO", 0, EIO, 0, 0, 0, 0, ERROR_WRITE_FAULT},
      {"write EDQUOT", 0, EDQUOT, 0, 0, 0, 0, ERROR_DISK_FULL},
      {"fsync EIO", 0, 0, 0, EIO, 0, 0, ERROR_WRITE_FAULT},
      {"close EIO", 0, 0, 0, 0, EIO, 0, ERROR_WRITE_FAULT},
      {"link EIO", 0, 0, 0, 0, 0, EIO, ERROR_WRITE_FAULT},
      {"link EEXIST", 0, 0, 0, 0, 0, EEXIST, ERROR_ALREADY_EXISTS},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    fault_io f;
    fault_init(&f);
    f.trickle = cases[i].after != 0;
    f.fail_create = cases[i].create;
    f.fail_write = cases[i].write;
    f.fail_write_after = cases[i].after;
    f.fail_fsync = cases[i].fsync;
    f.fail_close = cases[i].close;
    f.fail_link = cases[i].link;
    api_save_set_io(&f.io);
    DWORD st = ORSaveHive(root, W(p), 6, 1);
    api_save_set_io(NULL);
    if (st != cases[i].want)
      test_fail(__FILE__, __LINE__, "%s: got %s, want %s", cases[i].what, HRErrorName(st),
                HRErrorName(cases[i].want));
    if (test_count_entries(dir) != 0)
      test_fail(__FILE__, __LINE__, "%s: a file was left behind", cases[i].what);
  }
  /* A file that appears while the save runs is never replaced. */
  {
    fault_io f;
    fault_init(&f);
    f.appear = p;
    api_save_set_io(&f.io);
    CHECK_ERR(ORSaveHive(root, W(p), 6, 1), ERROR_ALREADY_EXISTS);
    api_save_set_io(NULL);
    size_t n;
    uint8_t *c = test_read_file(p, &n);
    CHECK(c && n == 5 && memcmp(c, "racer", 5) == 0);
    test_free_file(c);
    CHECK_EQ_U(test_count_entries(dir), 1);
    unlink(p);
  }
  /* No hard links on the filesystem: the rename fallback publishes. */
  {
    fault_io f;
    fault_init(&f);
    f.fail_link = EPERM;
    f.trickle = 1;
    api_save_set_io(&f.io);
    CHECK_ERR(ORSaveHive(root, W(p), 6, 1), ERROR_SUCCESS);
    api_save_set_io(NULL);
    CHECK_EQ_U(test_count_entries(dir), 1);
    ORHKEY re;
    REQUIRE_OK(OROpenHive(W(p), &re));
    CHECK_ERR(ORCloseHive(re), ERROR_SUCCESS);
  }
  char *after = test_dump_hive(root);
  CHECK(strcmp(before, after) == 0); /* saving never changes the hive */
  free(before);
  free(after);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
  test_rmdir(dir);
}

/* Save-required persistence (§1.0 "Changes are not saved until ORSaveHive is called"; §1.2
 * "the file is not kept open"). */
static void test_save_required_persistence(void) {
  const char *dir = test_tmpdir("save_persist");
  REQUIRE(dir);
  ORHKEY root = build_sample();
  REQUIRE(root);
  const char *p = join(dir, "a.hiv");
  REQUIRE_OK(ORSaveHive(root, W(p), 10, 0));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
  size_t n0;
  uint8_t *orig = test_read_file(p, &n0);
  REQUIRE(orig);
  ORHKEY h, k;
  REQUIRE_OK(OROpenHive(W(p), &h));
  REQUIRE_OK(ORCreateKey(h, W("New\\Keys"), NULL, 0, NULL, &k, NULL));
  REQUIRE_OK(ORSetValue(k, W("v"), REG_SZ, (const BYTE *)"x\0\0\0", 4));
  REQUIRE_OK(ORDeleteKey(h, W("System\\\xC3\xA9t\xC3\xA9")));
  ORCloseKey(k);
  /* Saving elsewhere writes only the new file. */
  REQUIRE_OK(ORSaveHive(h, W(join(dir, "b.hiv")), 6, 1));
  CHECK_ERR(ORCloseHive(h), ERROR_SUCCESS);
  size_t n1;
  uint8_t *now = test_read_file(p, &n1);
  CHECK(now && n1 == n0 && memcmp(now, orig, n0) == 0);
  test_free_file(now);
  /* Change and close without any save at all: still byte-identical. */
  REQUIRE_OK(OROpenHive(W(p), &h));
  REQUIRE_OK(ORSetValue(h, W("unsaved"), REG_DWORD, (const BYTE *)"\1\0\0\0", 4));
  CHECK_ERR(ORDeleteKey(h, W("Volatile")), ERROR_FILE_NOT_FOUND); /* volatile: never saved */
  CHECK_ERR(ORDeleteKey(h, W("New\\Keys")), ERROR_FILE_NOT_FOUND); /* never saved to a.hiv */
  CHECK_ERR(ORCloseHive(h), ERROR_SUCCESS);
  now = test_read_file(p, &n1);
  CHECK(now && n1 == n0 && memcmp(now, orig, n0) == 0);
  test_free_file(now);
  /* hcsshim pattern: open, delete the file, save to the same path while still open. */
  REQUIRE_OK(OROpenHive(W(p), &h));
  REQUIRE(unlink(p) == 0);
  REQUIRE_OK(ORSetValue(h, W("after"), REG_DWORD, (const BYTE *)"\1\0\0\0", 4));
  REQUIRE_OK(ORSaveHive(h, W(p), 10, 0));
  CHECK_ERR(ORCloseHive(h), ERROR_SUCCESS);
  REQUIRE_OK(OROpenHive(W(p), &h));
  CHECK_ERR(ORGetValue(h, NULL, W("after"), NULL, NULL, NULL), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(h), ERROR_SUCCESS);
  test_free_file(orig);
  test_rmdir(dir);
}

/* §1.19: a non-root handle saves its subtree with that key as the new root. */
static void test_save_subtree(void) {
  const char *dir = test_tmpdir("save_sub");
  REQUIRE(dir);
  ORHKEY root = build_sample(), k, re;
  REQUIRE(root);
  REQUIRE_OK(OROpenKey(root, W("Software"), &k));
  const char *p = join(dir, "sub.hiv");
  REQUIRE_OK(ORSaveHive(k, W(p), 6, 1));
  REQUIRE_OK(OROpenHive(W(p), &re));
  char *a = test_logical_dump(k), *b = test_logical_dump(re);
  CHECK(strcmp(a, b) == 0);
  free(a);
  free(b);
  ORHKEY app;
  REQUIRE_OK(OROpenKey(re, W("Vendor\\App"), &app));
  ORCloseKey(app);
  ORCloseKey(k);
  CHECK_ERR(ORCloseHive(re), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
  test_rmdir(dir);
}

static void test_save_versions(void) {
  const char *dir = test_tmpdir("save_ver");
  REQUIRE(dir);
  ORHKEY root = build_sample();
  REQUIRE(root);
  const struct {
    DWORD maj, min, minor;
  } ok[] = {{5, 1, 3}, {5, 2, 3}, {6, 0, 5}, {6, 1, 5}, {6, 2, 5}, {6, 3, 5}, {10, 0, 5}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char name[32];
    snprintf(name, sizeof name, "v%u_%u.hiv", (unsigned)ok[i].maj, (unsigned)ok[i].min);
    const char *p = join(dir, name);
    DWORD st = ORSaveHive(root, W(p), ok[i].maj, ok[i].min);
    CHECK_ERR(st, ERROR_SUCCESS);
    if (st) continue;
    ORHKEY re;
    REQUIRE_OK(OROpenHive(W(p), &re));
    HRHiveInfo info;
    REQUIRE_OK(HRGetHiveInfo(re, &info));
    CHECK_EQ_U(info.minor, ok[i].minor);
    CHECK_ERR(ORCloseHive(re), ERROR_SUCCESS);
  }
  const DWORD bad[][2] = {{6, 4}, {7, 0}, {10, 1}, {4, 0}, {5, 0}, {11, 0}};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    CHECK_ERR(ORSaveHive(root, W(join(dir, "bad.hiv")), bad[i][0], bad[i][1]),
              ERROR_INVALID_PARAMETER);
  CHECK_EQ_U(test_count_entries(dir), (int)(sizeof ok / sizeof ok[0]));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
  test_rmdir(dir);
}

/* The UTF-8 entry point shares the same path. */
static void test_save_utf8(void) {
  const char *dir = test_tmpdir("save_u8");
  REQUIRE(dir);
  ORHKEY root = build_sample(), re;
  REQUIRE(root);
  const char *p = join(dir, "\xC3\xA9l\xC3\xA9ment.hiv");
  REQUIRE_OK(HRSaveHiveUtf8(root, p, 6, 1));
  CHECK_ERR(HRSaveHiveUtf8(root, p, 6, 1), ERROR_ALREADY_EXISTS);
  CHECK_ERR(HRSaveHiveUtf8(root, "\xFF\xFE", 6, 1), ERROR_INVALID_PARAMETER);
  REQUIRE_OK(HROpenHiveUtf8(p, NULL, &re, NULL));
  CHECK_ERR(ORCloseHive(re), ERROR_SUCCESS);
  REQUIRE_OK(OROpenHive(W(p), &re)); /* the UTF-16 path reaches the same file */
  CHECK_ERR(ORCloseHive(re), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
  test_rmdir(dir);
}

int main(void) {
  TEST_RUN(test_save_roundtrip);
  TEST_RUN(test_save_existing);
  TEST_RUN(test_save_io_failures);
  TEST_RUN(test_save_required_persistence);
  TEST_RUN(test_save_subtree);
  TEST_RUN(test_save_versions);
  TEST_RUN(test_save_utf8);
  return test_finish();
}
