/*
 * test_api_oom.c: OOM sweeps over every write call, ORSaveHive, hive creation, opening and
 * merging (STYLE.md item 7; issue "every write call is atomic").  For fail_at = 1, 2, 3 ...
 * each run builds a fresh fixture, arms the hive's fault injection (HRSetAllocFailure), runs
 * one call and checks: the status is ERROR_SUCCESS or ERROR_NOT_ENOUGH_MEMORY; after a failure
 * the full internal dump (tree, descriptors and their reference counts, deleted list) equals the
 * dump taken before; the tree invariants hold; nothing leaks (test_oom_sweep checks the process
 * counters after each run, with the hive closed); a failed save leaves no file.  Each sweep runs
 * twice: failing one allocation, and failing every allocation from the Nth on.
 */
#include "api.h"
#include "api_testlib.h"

static uint64_t g_total_runs;

typedef struct fixture {
  ORHKEY root, app, sw, del_open, ren;
  const char *dir;
} fixture;

static BYTE g_sd[64];
static size_t g_sd_len;

static void make_sd(void) {
  static const BYTE sys[12] = {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0};
  memset(g_sd, 0, sizeof g_sd);
  g_sd[0] = 1;
  g_sd[2] = 0x04;
  g_sd[3] = 0x80;
  g_sd[16] = 20; /* DACL: empty, revision 2 */
  g_sd[20] = 2;
  g_sd[22] = 8;
  g_sd[4] = 28;
  memcpy(g_sd + 28, sys, 12);
  g_sd[8] = 40;
  memcpy(g_sd + 40, sys, 12);
  g_sd_len = 52;
}

static DWORD fixture_build(fixture *f, ORHKEY root) {
  memset(f, 0, sizeof *f);
  f->root = root;
  ORHKEY k;
  DWORD st;
  if ((st = ORCreateKey(root, W("Software\\Vendor\\App"), W("cls"), 0, NULL, &f->app, NULL)))
    return st;
  if ((st = OROpenKey(root, W("Software"), &f->sw))) return st;
  for (int i = 0; i < 6; i++) {
    char nm[16];
    snprintf(nm, sizeof nm, "v%d", i);
    if ((st = ORSetValue(f->app, W(nm), REG_DWORD, (const BYTE *)"\1\2\3\4", 4))) return st;
  }
  if ((st = ORSetValue(f->app, W("str"), REG_SZ, (const BYTE *)"a\0b\0\0\0", 6))) return st;
  if ((st = ORCreateKey(root, W("DelMe"), NULL, 0, NULL, &f->del_open, NULL))) return st;
  if ((st = ORCreateKey(root, W("DelClosed"), NULL, 0, NULL, &k, NULL))) return st;
  ORCloseKey(k);
  if ((st = ORCreateKey(root, W("RenameMe"), NULL, 0, NULL, &f->ren, NULL))) return st;
  if ((st = ORCreateKey(root, W("Vol"), NULL, REG_OPTION_VOLATILE, NULL, &k, NULL))) return st;
  ORCloseKey(k);
  return ERROR_SUCCESS;
}

static void fixture_close(fixture *f) {
  ORHKEY hs[] = {f->app, f->sw, f->del_open, f->ren};
  for (size_t i = 0; i < sizeof hs / sizeof hs[0]; i++)
    if (hs[i]) ORCloseKey(hs[i]);
  ORCloseHive(f->root);
}

typedef DWORD (*action_fn)(fixture *f);

typedef struct sweep_ctx {
  action_fn act;
  const uint8_t *img;          /* non-NULL: the fixture hive is opened from this saved image */
  size_t img_len;
  int repeat;
  const char *dir;             /* for saves: must stay empty after a failure */
} sweep_ctx;

static uint64_t failures_of(ORHKEY h) {
  HRMemStats s;
  if (HRGetMemStats(h, &s) != ERROR_SUCCESS) return 0;
  return s.failures;
}

static DWORD run_action(void *vctx, uint64_t fail_at, bool *injected) {
  sweep_ctx *c = vctx;
  ORHKEY root;
  fixture f;
  DWORD st;
  if (c->img) {
    st = HROpenHiveFromMemory(c->img, c->img_len, NULL, &root, NULL);
    if (st) return st;
    memset(&f, 0, sizeof f);
    f.root = root;
    if (!(st = OROpenKey(root, W("Software\\Vendor\\App"), &f.app)) &&
        !(st = OROpenKey(root, W("Software"), &f.sw)) &&
        !(st = OROpenKey(root, W("DelMe"), &f.del_open)))
      st = OROpenKey(root, W("RenameMe"), &f.ren);
  } else {
    st = ORCreateHive(&root);
    if (st) return st;
    st = fixture_build(&f, root);
  }
  if (st) {
    test_fail(__FILE__, __LINE__, "fixture: %s", HRErrorName(st));
    fixture_close(&f);
    return st;
  }
  f.dir = c->dir;
  char *before = test_dump_hive(root);
  uint64_t f0 = failures_of(root);
  HRSetAllocFailure(root, fail_at, c->repeat);
  st = c->act(&f);
  HRSetAllocFailure(root, 0, 0);
  *injected = failures_of(root) > f0;
  if (st != ERROR_SUCCESS) {
    char *after = test_dump_hive(root);
    if (strcmp(before, after) != 0)
      test_fail(__FILE__, __LINE__, "fail_at=%llu: %s changed the hive:\n--- before\n%s--- after\n%s",
                (unsigned long long)fail_at, HRErrorName(st), before, after);
    free(after);
    if (c->dir && test_count_entries(c->dir) != 0)
      test_fail(__FILE__, __LINE__, "fail_at=%llu: save left a file", (unsigned long long)fail_at);
  }
  if (!test_tree_ok(root)) test_fail(__FILE__, __LINE__, "fail_at=%llu: tree broken",
                                     (unsigned long long)fail_at);
  free(before);
  fixture_close(&f);
  g_total_runs++;
  return st;
}

/* allocates: the call must allocate from the hive (so at least one run injects a failure). */
static const uint8_t *g_fix_img;
static size_t g_fix_len;

static void sweep(const char *what, action_fn act, const char *dir, bool allocates) {
  for (int variant = 0; variant < 4; variant++) {
    int repeat = variant & 1;
    bool loaded = variant >= 2;
    sweep_ctx c = {act, loaded ? g_fix_img : NULL, loaded ? g_fix_len : 0, repeat, dir};
    uint64_t n = test_oom_sweep(what, run_action, &c, 100000);
    CHECK(allocates ? n > 1 : n == 1);
    printf("  sweep %-36s repeat=%d %s: %llu runs\n", what, repeat,
           loaded ? "loaded " : "created", (unsigned long long)n);
    if (dir) {
      /* The last run succeeded: remove its output for the next sweep. */
      char cmd[600];
      snprintf(cmd, sizeof cmd, "rm -f '%s'/*", dir);
      if (system(cmd) != 0) test_fail(__FILE__, __LINE__, "cleanup");
    }
  }
}

/* ---- actions (the handle each creates is closed so the fixture stays comparable) ---------- */
static DWORD a_create_one(fixture *f) {
  ORHKEY k;
  DWORD st = ORCreateKey(f->root, W("NewKey"), NULL, 0, NULL, &k, NULL);
  if (!st) ORCloseKey(k);
  return st;
}
static DWORD a_create_deep_sd_class(fixture *f) {
  ORHKEY k;
  DWORD st = ORCreateKey(f->sw, W("Vendor\\New\\Deeper\\Leaf"), W("TheClass"), 0, g_sd, &k, NULL);
  if (!st) ORCloseKey(k);
  return st;
}
static DWORD a_create_volatile(fixture *f) {
  ORHKEY k;
  DWORD st = ORCreateKey(f->root, W("Vol\\Child\\Sub"), NULL, REG_OPTION_VOLATILE, NULL, &k, NULL);
  if (!st) ORCloseKey(k);
  return st;
}
static DWORD a_create_link(fixture *f) {
  ORHKEY k;
  DWORD st = ORCreateKey(f->root, W("Link"), NULL, REG_OPTION_CREATE_LINK, NULL, &k, NULL);
  if (!st) ORCloseKey(k);
  return st;
}
static DWORD a_create_existing(fixture *f) {
  ORHKEY k;
  DWORD st = ORCreateKey(f->root, W("Software\\Vendor"), NULL, 0, NULL, &k, NULL);
  if (!st) ORCloseKey(k);
  return st;
}
static DWORD a_set_new(fixture *f) {
  return ORSetValue(f->app, W("brand new value"), REG_SZ, (const BYTE *)"x\0y\0\0\0", 6);
}
static DWORD a_set_replace(fixture *f) {
  return ORSetValue(f->app, W("V3"), REG_BINARY, (const BYTE *)"0123456789", 10);
}
static DWORD a_set_default(fixture *f) { return ORSetValue(f->root, NULL, REG_DWORD, (const BYTE *)"\0\0\0\0", 4); }
static DWORD a_set_big(fixture *f) {
  static BYTE big[40000];
  return ORSetValue(f->app, W("big"), REG_BINARY, big, sizeof big);
}
static DWORD a_delete_value(fixture *f) { return ORDeleteValue(f->app, W("v2")); }
static DWORD a_delete_key_open(fixture *f) { return ORDeleteKey(f->root, W("DelMe")); }
static DWORD a_delete_key_closed(fixture *f) { return ORDeleteKey(f->root, W("DelClosed")); }
static DWORD a_delete_self(fixture *f) { return ORDeleteKey(f->del_open, NULL); }
static DWORD a_rename(fixture *f) { return ORRenameKey(f->ren, W("Renamed To Something Longer")); }
static DWORD a_set_security(fixture *f) {
  return ORSetKeySecurity(f->app, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, g_sd);
}
static DWORD a_set_security_same(fixture *f) {
  return ORSetKeySecurity(f->app, DACL_SECURITY_INFORMATION, (PSECURITY_DESCRIPTOR)hive_default_sd);
}
static DWORD a_set_virtual(fixture *f) { return ORSetVirtualFlags(f->app, REG_KEY_RECURSE_FLAG); }
static DWORD a_open_key(fixture *f) {
  ORHKEY k;
  DWORD st = OROpenKey(f->root, W("Software\\Vendor\\App"), &k);
  if (!st) ORCloseKey(k);
  return st;
}
static DWORD a_save(fixture *f) {
  char p[600];
  snprintf(p, sizeof p, "%s/oom.hiv", f->dir);
  return ORSaveHive(f->root, W(p), 6, 1);
}
static DWORD a_save_subtree_xp(fixture *f) {
  char p[600];
  snprintf(p, sizeof p, "%s/oom_sub.hiv", f->dir);
  return ORSaveHive(f->sw, W(p), 5, 1);
}

/* Saves the fixture once so the sweeps also run on a hive built by the loader. */
static void fixture_image(void) {
  if (g_fix_img) return;
  const char *dir = test_tmpdir("oom_img");
  if (!dir) return;
  char p[600];
  snprintf(p, sizeof p, "%s/fix.hiv", dir);
  ORHKEY root;
  fixture f;
  if (ORCreateHive(&root) || fixture_build(&f, root) || ORSaveHive(root, W(p), 6, 1)) {
    test_fail(__FILE__, __LINE__, "fixture image");
  } else {
    g_fix_img = test_read_file(p, &g_fix_len);
  }
  fixture_close(&f);
  test_rmdir(dir);
}

static void test_oom_write_calls(void) {
  make_sd();
  fixture_image();
  REQUIRE(g_fix_img);
  const struct {
    const char *name;
    action_fn fn;
    bool allocates;
  } acts[] = {
      {"ORCreateKey one level", a_create_one, true},
      {"ORCreateKey 3 levels + class + SD", a_create_deep_sd_class, true},
      {"ORCreateKey volatile", a_create_volatile, true},
      {"ORCreateKey link", a_create_link, true},
      {"ORCreateKey existing", a_create_existing, false},
      {"OROpenKey", a_open_key, false},
      {"ORSetValue new", a_set_new, true},
      {"ORSetValue replace", a_set_replace, true},
      {"ORSetValue default", a_set_default, true},
      {"ORSetValue big", a_set_big, true},
      {"ORDeleteValue", a_delete_value, false},
      {"ORDeleteKey (open handle)", a_delete_key_open, true},
      {"ORDeleteKey (no handle)", a_delete_key_closed, false},
      {"ORDeleteKey self", a_delete_self, true},
      {"ORRenameKey", a_rename, true},
      {"ORSetKeySecurity new SD", a_set_security, true},
      {"ORSetKeySecurity same SD", a_set_security_same, true},
      {"ORSetVirtualFlags", a_set_virtual, false},
  };
  for (size_t i = 0; i < sizeof acts / sizeof acts[0]; i++) sweep(acts[i].name, acts[i].fn, NULL, acts[i].allocates);
}

static void test_oom_save(void) {
  fixture_image();
  REQUIRE(g_fix_img);
  const char *dir = test_tmpdir("oom_save");
  REQUIRE(dir);
  static char d[512];
  snprintf(d, sizeof d, "%s", dir);
  sweep("ORSaveHive", a_save, d, true);
  sweep("ORSaveHive subtree 5.1", a_save_subtree_xp, d, true);
  test_rmdir(d);
}

/* ---- creation, opening and merging: injection through HROpenOptions ---------------------- */
static uint8_t *g_img;
static size_t g_img_len;

static DWORD run_create(void *ctx, uint64_t fail_at, bool *injected) {
  int repeat = *(int *)ctx;
  HROpenOptions o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.fail_alloc_at = fail_at;
  o.fail_alloc_repeat = (uint32_t)repeat;
  ORHKEY h = (ORHKEY)1;
  DWORD st = HRCreateHiveEx(&o, &h);
  *injected = st == ERROR_NOT_ENOUGH_MEMORY;
  if (st == ERROR_SUCCESS) {
    *injected = failures_of(h) > 0;
    CHECK(test_tree_ok(h));
    ORCloseHive(h);
  } else if (h != NULL) {
    test_fail(__FILE__, __LINE__, "result not NULL on failure");
  }
  g_total_runs++;
  return st;
}

static DWORD open_mem(int repeat, uint32_t flags, uint64_t fail_at, bool *injected);
static DWORD run_open_mem(void *ctx, uint64_t fail_at, bool *injected) {
  return open_mem(*(int *)ctx, 0, fail_at, injected);
}
/* HR_OPEN_KEEP_IMAGE: the image copy is one more allocation, and the loaded values borrow. */
static DWORD run_open_mem_keep(void *ctx, uint64_t fail_at, bool *injected) {
  return open_mem(*(int *)ctx, HR_OPEN_KEEP_IMAGE, fail_at, injected);
}
static DWORD open_mem(int repeat, uint32_t flags, uint64_t fail_at, bool *injected) {
  HROpenOptions o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.flags = flags;
  o.fail_alloc_at = fail_at;
  o.fail_alloc_repeat = (uint32_t)repeat;
  ORHKEY h;
  DWORD st = HROpenHiveFromMemory(g_img, g_img_len, &o, &h, NULL);
  *injected = st == ERROR_NOT_ENOUGH_MEMORY;
  if (st == ERROR_SUCCESS) {
    *injected = failures_of(h) > 0;
    ORCloseHive(h);
  }
  g_total_runs++;
  return st;
}

static const char *g_img_path;

static DWORD run_open_file(void *ctx, uint64_t fail_at, bool *injected) {
  int repeat = *(int *)ctx;
  HROpenOptions o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.fail_alloc_at = fail_at;
  o.fail_alloc_repeat = (uint32_t)repeat;
  ORHKEY h;
  DWORD st = HROpenHiveUtf8(g_img_path, &o, &h, NULL);
  *injected = st == ERROR_NOT_ENOUGH_MEMORY;
  if (st == ERROR_SUCCESS) {
    *injected = failures_of(h) > 0;
    ORCloseHive(h);
  }
  g_total_runs++;
  return st;
}

static ORHKEY g_merge_in[3];

static DWORD run_merge(void *ctx, uint64_t fail_at, bool *injected) {
  int repeat = *(int *)ctx;
  HROpenOptions o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.fail_alloc_at = fail_at;
  o.fail_alloc_repeat = (uint32_t)repeat;
  char *b0 = test_dump_hive(g_merge_in[0]), *b1 = test_dump_hive(g_merge_in[1]);
  ORHKEY h;
  DWORD st = api_merge_hives_ex(g_merge_in, 3, &o, &h);
  *injected = st == ERROR_NOT_ENOUGH_MEMORY;
  if (st == ERROR_SUCCESS) {
    *injected = failures_of(h) > 0;
    CHECK(test_tree_ok(h));
    ORCloseHive(h);
  }
  char *a0 = test_dump_hive(g_merge_in[0]), *a1 = test_dump_hive(g_merge_in[1]);
  if (strcmp(a0, b0) || strcmp(a1, b1)) test_fail(__FILE__, __LINE__, "merge changed an input");
  free(a0);
  free(a1);
  free(b0);
  free(b1);
  g_total_runs++;
  return st;
}

static void sweep2(const char *what, test_oom_op op, int repeat) {
  uint64_t n = test_oom_sweep(what, op, &repeat, 100000);
  CHECK(n > 1);
  printf("  sweep %-36s repeat=%d: %llu runs\n", what, repeat, (unsigned long long)n);
}

static void test_oom_create_open_merge(void) {
  const char *dir = test_tmpdir("oom_open");
  REQUIRE(dir);
  static char d[512], p[600];
  snprintf(d, sizeof d, "%s", dir);
  snprintf(p, sizeof p, "%s/img.hiv", d);
  for (int repeat = 0; repeat <= 1; repeat++) {
    sweep2("HRCreateHiveEx", run_create, repeat);
  }
  /* A saved sample, opened from memory and from the file. */
  ORHKEY root;
  REQUIRE_OK(ORCreateHive(&root));
  fixture f;
  REQUIRE_OK(fixture_build(&f, root));
  REQUIRE_OK(ORSaveHive(root, W(p), 6, 1));
  g_img = test_read_file(p, &g_img_len);
  REQUIRE(g_img);
  g_img_path = p;
  for (int repeat = 0; repeat <= 1; repeat++) {
    sweep2("HROpenHiveFromMemory", run_open_mem, repeat);
    sweep2("HROpenHiveFromMemory KEEP_IMAGE", run_open_mem_keep, repeat);
    sweep2("HROpenHiveUtf8", run_open_file, repeat);
  }
  /* Merge: base = fixture hive, delta with new keys and values, and a third created hive. */
  ORHKEY delta, third, k;
  REQUIRE_OK(ORCreateHive(&delta));
  REQUIRE_OK(ORCreateKey(delta, W("Software\\Vendor\\Other"), NULL, 0, g_sd, &k, NULL));
  REQUIRE_OK(ORSetValue(k, W("x"), REG_SZ, (const BYTE *)"q\0\0\0", 4));
  ORCloseKey(k);
  REQUIRE_OK(ORSetValue(delta, W("rootval"), REG_DWORD, (const BYTE *)"\1\0\0\0", 4));
  REQUIRE_OK(ORCreateHive(&third));
  REQUIRE_OK(ORCreateKey(third, W("Third"), NULL, 0, NULL, &k, NULL));
  ORCloseKey(k);
  g_merge_in[0] = root;
  g_merge_in[1] = delta;
  g_merge_in[2] = third;
  for (int repeat = 0; repeat <= 1; repeat++)
    sweep2("ORMergeHives", run_merge, repeat);
  test_free_file(g_img);
  ORCloseHive(delta);
  ORCloseHive(third);
  fixture_close(&f);
  test_rmdir(d);
}

int main(void) {
  TEST_RUN(test_oom_write_calls);
  TEST_RUN(test_oom_save);
  TEST_RUN(test_oom_create_open_merge);
  printf("OOM sweep runs: %llu\n", (unsigned long long)g_total_runs);
  test_free_file((uint8_t *)g_fix_img);
  return test_finish();
}
