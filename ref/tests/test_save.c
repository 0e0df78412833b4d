/*
 * test_save.c: the serializer (save.h; regf-format.md §10; BEHAVIOUR.md "Save targets and
 * format").  Every output is re-read by the independent strict reader of save_reader.h and the
 * rebuilt tree is compared with the source; tests then look at specific bytes.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>

#include "layout.h"
#include "load.h"
#include "mem.h"
#include "name.h"
#include "save.h"
#include "save_reader.h"
#include "test.h"
#include "tree.h"

#define SERIAL 0x01D92B3C4D5E6F70ull

/* ---- fixtures --------------------------------------------------------------------------------- */

typedef struct fx {
  hr_mem mem;
  hr_tree t;
  hr_sd *sd0;
} fx;

/* UTF-8 (BMP only) -> UTF-16 units; returns the unit count. */
static uint32_t U(const char *s, uint16_t *out) {
  const uint8_t *p = (const uint8_t *)s;
  uint32_t n = 0;
  while (*p) {
    uint32_t c = *p++;
    if (c >= 0xE0) {
      c = ((c & 0x0F) << 12) | ((uint32_t)(p[0] & 0x3F) << 6) | (p[1] & 0x3F);
      p += 2;
    } else if (c >= 0xC0) {
      c = ((c & 0x1F) << 6) | (p[0] & 0x3F);
      p += 1;
    }
    out[n++] = (uint16_t)c;
  }
  return n;
}

/* A valid self-relative SD (owner/group BUILTIN\Administrators, a DACL with one ACE granting
 * `mask` to Everyone).  Different masks give different descriptors. */
static uint32_t make_sd(uint8_t *b, uint32_t mask) {
  static const uint8_t admins[16] = {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0};
  static const uint8_t everyone[12] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
  memset(b, 0, 80);
  b[0] = 1;
  put16(b + 2, 0x8004);
  put32(b + 4, 20);
  put32(b + 8, 36);
  put32(b + 16, 52);
  memcpy(b + 20, admins, 16);
  memcpy(b + 36, admins, 16);
  uint8_t *acl = b + 52;
  acl[0] = 2;
  put16(acl + 2, 28);
  put16(acl + 4, 1);
  uint8_t *ace = acl + 8;
  ace[0] = 0;
  ace[1] = 2;
  put16(ace + 2, 20);
  put32(ace + 4, mask);
  memcpy(ace + 8, everyone, 12);
  return 80;
}

static hr_sd *fx_sd(fx *f, uint32_t mask) {
  uint8_t b[80];
  uint32_t n = make_sd(b, mask);
  return tree_sd_intern(&f->t, b, n);
}

static void fx_init_opts(fx *f, const HROpenOptions *opt) {
  memset(f, 0, sizeof *f);
  mem_init(&f->mem, opt, 0);
  f->t.mem = &f->mem;
  uint16_t n[8];
  uint32_t len = U("ROOT", n);
  f->t.root = tree_key_new(&f->t, n, len);
  f->sd0 = fx_sd(f, 0x000F003F);
  tree_key_set_sd(&f->t, f->t.root, f->sd0);
}
static void fx_init(fx *f) { fx_init_opts(f, NULL); }
static void fx_free(fx *f) { tree_free(&f->t); }

/* Adds (or finds) a subkey with the parent's descriptor. */
static hr_key *add_key_n(fx *f, hr_key *parent, const uint16_t *n, uint32_t len) {
  uint32_t idx;
  if (tree_find_subkey(parent, n, len, &idx)) return parent->subkeys[idx];
  hr_key *k = tree_key_new(&f->t, n, len);
  if (!k) return NULL;
  tree_key_set_sd(&f->t, k, parent->sd);
  k->last_write = 0x01D00000DEADBEEFull + parent->n_subkeys;
  if (tree_insert_subkey(&f->t, parent, k, idx) != ERROR_SUCCESS) {
    tree_key_free(&f->t, k);
    return NULL;
  }
  return k;
}
static hr_key *add_key(fx *f, hr_key *parent, const char *name) {
  uint16_t n[300];
  uint32_t len = U(name, n);
  return add_key_n(f, parent, n, len);
}

static bool set_val(fx *f, hr_key *k, const char *name, uint32_t type, const void *data,
                    uint32_t size) {
  uint16_t n[300];
  uint32_t len = U(name, n);
  return tree_set_value(&f->t, k, n, len, type, data, size) == ERROR_SUCCESS;
}

/* Deterministic bytes. */
static uint8_t *pattern(uint32_t size, uint32_t seed) {
  uint8_t *p = malloc(size ? size : 1);
  uint32_t x = seed * 2654435761u + 1;
  for (uint32_t i = 0; i < size; i++) {
    x = x * 1103515245u + 12345u;
    p[i] = (uint8_t)(x >> 16);
  }
  return p;
}

/* ---- comparison of the source subtree with what the reader rebuilt --------------------------- */

static uint16_t expected_flags(const hr_key *k, bool root) {
  uint16_t fl = (uint16_t)(k->flags & ~(KEY_COMP_NAME | KEY_VOLATILE | KEY_HIVE_EXIT |
                                        KEY_PREDEF_HANDLE));
  if (root) fl &= (uint16_t)~KEY_SYM_LINK;
  else fl &= (uint16_t)~(KEY_HIVE_ENTRY | KEY_NO_DELETE);
  return fl;
}

static bool same_key(const hr_key *a, const hr_key *b, bool root, int depth) {
  char why[120] = "";
  if (a->name_len != b->name_len || memcmp(a->name, b->name, (size_t)a->name_len * 2))
    snprintf(why, sizeof why, "name");
  else if (expected_flags(a, root) != b->flags)
    snprintf(why, sizeof why, "flags 0x%x vs 0x%x", expected_flags(a, root), b->flags);
  else if (a->last_write != b->last_write || a->access_bits != b->access_bits ||
           a->layer != b->layer || a->virt_flags != b->virt_flags ||
           a->user_flags != b->user_flags || a->debug_flags != b->debug_flags)
    snprintf(why, sizeof why, "nk fields");
  else if (a->class_len != b->class_len ||
           (a->class_len && memcmp(a->class_data, b->class_data, a->class_len)))
    snprintf(why, sizeof why, "class");
  else if (a->sd->len != b->sd->len || memcmp(a->sd->bytes, b->sd->bytes, a->sd->len))
    snprintf(why, sizeof why, "security");
  else if (a->n_values != b->n_values)
    snprintf(why, sizeof why, "value count %u vs %u", a->n_values, b->n_values);
  for (uint32_t i = 0; !why[0] && i < a->n_values; i++) {
    const hr_value *x = &a->values[i], *y = &b->values[i];
    if (x->name_len != y->name_len || (x->name_len && memcmp(x->name, y->name, 2 * x->name_len)) ||
        x->type != y->type || x->size != y->size || (x->size && memcmp(x->data, y->data, x->size)) ||
        (x->flags & VK_FLAG_TOMBSTONE) != y->flags)
      snprintf(why, sizeof why, "value %u", i);
  }
  uint32_t j = 0;
  for (uint32_t i = 0; !why[0] && i < a->n_subkeys; i++) {
    if (a->subkeys[i]->is_volatile) continue;
    if (j >= b->n_subkeys) {
      snprintf(why, sizeof why, "missing subkeys");
      break;
    }
    if (!same_key(a->subkeys[i], b->subkeys[j++], false, depth + 1)) return false;
  }
  if (!why[0] && j != b->n_subkeys) snprintf(why, sizeof why, "extra subkeys");
  if (why[0]) {
    test_fail(__FILE__, __LINE__, "tree mismatch at depth %d: %s", depth, why);
    return false;
  }
  return true;
}

/* ---- the engine's own validator and loader on the output (regf-format.md §10.15) ------------ */

typedef struct fnd {
  uint32_t n, n_data;
  char first[256];
} fnd;

static void on_finding(void *ctx, const HRFinding *x) {
  fnd *f = ctx;
  /* Findings about value contents (REG_DWORD of 3 bytes ...) come with the data, not the
   * writer; only real-hive round trips may carry them. */
  if (strcmp(x->rule, "R-F17") == 0) {
    f->n_data++;
    return;
  }
  if (f->n++ == 0)
    snprintf(f->first, sizeof f->first, "%s %s @0x%llx: %s", x->severity == HR_SEV_REJECT ? "REJECT"
             : x->severity == HR_SEV_WARN ? "WARN" : "INFO", x->rule,
             (unsigned long long)x->offset, x->message);
}

/* hive_check must report nothing (allow_data: R-F17 findings carried by real data). */
static bool check_clean(const uint8_t *img, size_t len, uint64_t serial, bool allow_data) {
  hr_mem m;
  mem_init(&m, NULL, len);
  fnd fc = {0};
  hr_findings f = {0};
  f.cb = on_finding;
  f.ctx = &fc;
  HRCheckSummary sum;
  hr_status st = hive_check(&m, img, len, &f, &sum);
  /* The validator knows offreg's serialization FILETIME at 0x200 (next to "OfRg"), so the
   * output carries no finding at all, whatever serial is (regf-format.md §10.15). */
  (void)serial;
  bool ok = st == ERROR_SUCCESS && fc.n == 0 && (allow_data || fc.n_data == 0);
  if (!ok)
    test_fail(__FILE__, __LINE__, "hive_check: %s, %u findings (%u R-F17): %s",
              HRErrorName(st), fc.n, fc.n_data, fc.first);
  return ok;
}

/* hive_load of the output gives the source tree back, and saving that gives the same bytes. */
static void check_reload(const hr_key *top, const uint8_t *img, size_t len, uint32_t minor,
                         uint64_t serial) {
  hr_mem m;
  mem_init(&m, NULL, len);
  m.budget = UINT64_MAX;
  m.max_single = UINT64_MAX;
  hr_tree t = {0};
  t.mem = &m;
  HRDiagnostic d;
  diag_clear(&d);
  hr_findings f = {0};
  f.diag = &d;
  f.stop_on_reject = 1;
  hr_status st = hive_load(&t, img, len, &f, NULL);
  if (st != ERROR_SUCCESS) {
    test_fail(__FILE__, __LINE__, "hive_load: %s %s %s", HRErrorName(st), d.rule, d.message);
    return;
  }
  if (same_key(top, t.root, true, 0)) {
    uint8_t *again = NULL;
    size_t len2 = 0;
    st = save_serialize(&t, NULL, minor, serial, &m, &again, &len2, &d);
    if (st != ERROR_SUCCESS)
      test_fail(__FILE__, __LINE__, "re-save: %s %s", HRErrorName(st), d.message);
    else if (len2 != len || memcmp(again, img, len) != 0)
      test_fail(__FILE__, __LINE__, "save(load(save(T))) differs from save(T)");
    if (again) mem_free(&m, again, len2);
  }
  tree_free(&t);
}

/* Saves top, re-reads the image strictly and compares.  Returns the image (libc copy) or NULL. */
static uint8_t *save_ok(fx *f, const hr_key *top, uint32_t minor, size_t *len, rd *stats) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  m.budget = UINT64_MAX;
  m.max_single = UINT64_MAX;
  uint8_t *img = NULL;
  HRDiagnostic d;
  hr_status st = save_serialize(&f->t, top, minor, SERIAL, &m, &img, len, &d);
  if (st != ERROR_SUCCESS) {
    test_fail(__FILE__, __LINE__, "save_serialize: %s (%s)", HRErrorName(st), d.message);
    return NULL;
  }
  uint8_t *copy = malloc(*len);
  memcpy(copy, img, *len);
  mem_free(&m, img, *len);
  hr_mem rm;
  mem_init(&rm, NULL, 0);
  rm.budget = UINT64_MAX;
  rm.max_single = UINT64_MAX;
  hr_tree rt = {0};
  rt.mem = &rm;
  rd r;
  bool ok = rd_read(&r, &rt, copy, *len, minor, SERIAL);
  if (!ok) test_fail(__FILE__, __LINE__, "reader: %s", r.err);
  else same_key(top ? top : f->t.root, rt.root, true, 0);
  if (stats) *stats = r;
  tree_free(&rt);
  if (!ok) {
    free(copy);
    return NULL;
  }
  check_clean(copy, *len, SERIAL, false);
  check_reload(top ? top : f->t.root, copy, *len, minor, SERIAL);
  return copy;
}

static hr_status save_status(fx *f, const hr_key *top, uint32_t minor, HRDiagnostic *d) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  m.budget = UINT64_MAX;
  m.max_single = UINT64_MAX;
  uint8_t *img = NULL;
  size_t len = 0;
  hr_status st = save_serialize(&f->t, top, minor, SERIAL, &m, &img, &len, d);
  if (img) mem_free(&m, img, len);
  if (st != ERROR_SUCCESS && (img || len)) test_fail(__FILE__, __LINE__, "output on failure");
  return st;
}

static const uint8_t *rec(const uint8_t *img, uint32_t off) { return img + 0x1000 + off + 4; }

/* ---- tests ------------------------------------------------------------------------------------ */

static void test_save__empty_root(void) {
  fx f;
  fx_init(&f);
  size_t len;
  uint8_t *img = save_ok(&f, NULL, 5, &len, NULL);
  if (img) {
    CHECK_EQ_U(len, 0x2000);
    const uint8_t *nk = rec(img, 0x20);
    CHECK_EQ_U(le16(nk + NK_OFF_FLAGS), KEY_COMP_NAME); /* as offreg writes an ORCreateHive root */
    CHECK_EQ_U(le32(nk + NK_OFF_PARENT), REGF_CELL_NIL);
    CHECK_EQ_U(le32(nk + NK_OFF_SUBKEY_LIST), REGF_CELL_NIL);
    CHECK_EQ_U(le32(nk + NK_OFF_VALUE_LIST), REGF_CELL_NIL);
    CHECK_EQ_U(le32(nk + NK_OFF_CLASS), REGF_CELL_NIL);
    uint32_t sk = le32(nk + NK_OFF_SECURITY);
    CHECK_EQ_U(le32(rec(img, sk) + SK_OFF_FLINK), sk);
    CHECK_EQ_U(le32(rec(img, sk) + SK_OFF_BLINK), sk);
    CHECK_EQ_U(le32(rec(img, sk) + SK_OFF_REFCOUNT), 1);
    CHECK_EQ_U(le32(img + REGF_OFF_OFRG), REGF_OFRG_SIGNATURE);
    CHECK_EQ_U(le64(img + REGF_OFF_OFRG_TIMESTAMP), SERIAL);
  }
  free(img);
  fx_free(&f);
}

static void test_save__root_flags(void) {
  fx f;
  fx_init(&f);
  f.t.root->flags = KEY_HIVE_ENTRY | KEY_NO_DELETE; /* a kernel-written root, loaded */
  size_t len;
  uint8_t *img = save_ok(&f, NULL, 5, &len, NULL);
  if (img) CHECK_EQ_U(le16(rec(img, 0x20) + NK_OFF_FLAGS), KEY_ROOT_FLAGS);
  free(img);
  /* A UTF-16 root name: 0x0C, stored uncompressed. */
  uint16_t n[8];
  uint32_t nl = U("Ключ", n);
  REQUIRE_OK(tree_key_set_name(&f.t, f.t.root, n, nl));
  img = save_ok(&f, NULL, 5, &len, NULL);
  if (img) {
    CHECK_EQ_U(le16(rec(img, 0x20) + NK_OFF_FLAGS), KEY_HIVE_ENTRY | KEY_NO_DELETE);
    CHECK_EQ_U(le16(rec(img, 0x20) + NK_OFF_NAME_LEN), 8);
  }
  free(img);
  fx_free(&f);
}

static void test_save__classes_and_max_fields(void) {
  fx f;
  fx_init(&f);
  hr_key *a = add_key(&f, f.t.root, "Alpha");
  hr_key *b = add_key(&f, f.t.root, "BetaLonger");
  REQUIRE(a && b);
  uint16_t cls[20];
  uint32_t cn = U("ClassName", cls);
  REQUIRE_OK(tree_key_set_class(&f.t, a, (const uint8_t *)cls, cn * 2));
  REQUIRE_OK(tree_key_set_class(&f.t, b, (const uint8_t *)cls, 6));
  REQUIRE(set_val(&f, f.t.root, "v", 1, "abcdefgh", 8));
  REQUIRE(set_val(&f, f.t.root, "LongerValueName", 4, "\1\0\0\0", 4));
  a->virt_flags = 0x2;
  a->user_flags = 0x1;
  a->debug_flags = 0x80;
  size_t len;
  uint8_t *img = save_ok(&f, NULL, 5, &len, NULL);
  if (img) {
    const uint8_t *nk = rec(img, 0x20);
    CHECK_EQ_U(le32(nk + NK_OFF_MAX_NAME_LEN), 20);
    CHECK_EQ_U(le32(nk + NK_OFF_MAX_CLASS_LEN), 18);
    CHECK_EQ_U(le32(nk + NK_OFF_MAX_VALUE_NAME), 30);
    CHECK_EQ_U(le32(nk + NK_OFF_MAX_VALUE_DATA), 8);
  }
  free(img);
  fx_free(&f);
}

/* §10.9: 0..4 inline, 5..16344 one cell, >= 16345 db in 1.4+, one cell in 1.3. */
static void test_save__value_sizes(void) {
  static const uint32_t sizes[] = {0, 1, 4, 5, 16344, 16345, 3 * 16344 + 1};
  for (uint32_t minor = 3; minor <= 5; minor += 2) {
    fx f;
    fx_init(&f);
    for (uint32_t i = 0; i < 7; i++) {
      char name[16];
      snprintf(name, sizeof name, "v%u", sizes[i]);
      uint8_t *d = pattern(sizes[i], i);
      CHECK(set_val(&f, f.t.root, name, 3, d, sizes[i]));
      free(d);
    }
    size_t len;
    rd st;
    uint8_t *img = save_ok(&f, NULL, minor, &len, &st);
    if (img) {
      CHECK_EQ_U(st.n_db, minor == 5 ? 2 : 0);
      const uint8_t *nk = rec(img, 0x20);
      const uint8_t *list = rec(img, le32(nk + NK_OFF_VALUE_LIST));
      const uint8_t *v0 = rec(img, le32(list));
      CHECK_EQ_U(le32(v0 + VK_OFF_DATA_LEN), 0x80000000u); /* empty: inline 0 / 0 */
      CHECK_EQ_U(le32(v0 + VK_OFF_DATA), 0);
      CHECK_EQ_U(le32(rec(img, le32(list + 8)) + VK_OFF_DATA_LEN), 0x80000004u);
      CHECK_EQ_U(le32(rec(img, le32(list + 12)) + VK_OFF_DATA_LEN), 5);
      if (minor == 5) {
        uint32_t db = le32(rec(img, le32(list + 24)) + VK_OFF_DATA);
        CHECK_EQ_U(le16(rec(img, db)), DB_SIGNATURE);
        CHECK_EQ_U(le16(rec(img, db) + DB_OFF_COUNT), 4);
      }
      CHECK_EQ_U(le32(nk + NK_OFF_MAX_VALUE_DATA), 3 * 16344 + 1);
    }
    free(img);
    fx_free(&f);
  }
}

/* 1.3: one cell up to 1 MiB - 4; more is refused; 1.5 puts it in big data. */
static void test_save__format13_value_limit(void) {
  fx f;
  fx_init(&f);
  uint32_t max = REGF_CELL_MAX - 4;
  uint8_t *d = pattern(max + 1, 7);
  REQUIRE(set_val(&f, f.t.root, "big", 3, d, max));
  size_t len;
  free(save_ok(&f, NULL, 3, &len, NULL));
  REQUIRE(set_val(&f, f.t.root, "big", 3, d, max + 1));
  HRDiagnostic diag;
  CHECK_ERR(save_status(&f, NULL, 3, &diag), ERROR_INVALID_PARAMETER);
  CHECK(strstr(diag.message, "1.3") != NULL);
  free(save_ok(&f, NULL, 5, &len, NULL));
  free(d);
  fx_free(&f);
}

static void many_subkeys(uint32_t n, uint32_t minor, uint32_t want_leaves) {
  fx f;
  fx_init(&f);
  hr_key *p = add_key(&f, f.t.root, "Parent");
  REQUIRE(p);
  for (uint32_t i = 0; i < n; i++) {
    char name[32];
    snprintf(name, sizeof name, "%s%u", (i & 1) ? "key" : "KEY", i * 7919u % 100003u);
    REQUIRE(add_key(&f, p, name));
  }
  REQUIRE(p->n_subkeys == n);
  size_t len;
  rd st;
  uint8_t *img = save_ok(&f, NULL, minor, &len, &st);
  if (img) {
    CHECK_EQ_U(st.n_ri, n > LEAF_SPLIT_COUNT ? 1 : 0);
    CHECK_EQ_U(st.n_leaves, want_leaves + 1 /* the root's own leaf */);
    CHECK_EQ_U(st.n_keys, n + 2);
  }
  free(img);
  fx_free(&f);
}

static void test_save__subkeys_1012(void) { many_subkeys(1012, 5, 1); }
static void test_save__subkeys_1013_ri(void) { many_subkeys(1013, 5, 2); }
static void test_save__subkeys_5000_ri(void) { many_subkeys(5000, 5, 5); }
static void test_save__subkeys_5000_ri_lf(void) { many_subkeys(5000, 3, 5); }

/* Compressed vs UTF-16 names and the §6.2 order (ÿ upcases to U+0178, after every Latin-1). */
static void test_save__names(void) {
  static const char *names[] = {"abc", "ABD", "Zeta", "été", "ÿkey", "Привет", "mixedЖ", "_x",
                                "a", "é", "\xc3\xb7"};
  for (uint32_t minor = 3; minor <= 5; minor += 2) {
    fx f;
    fx_init(&f);
    for (uint32_t i = 0; i < sizeof names / sizeof *names; i++) {
      hr_key *k = add_key(&f, f.t.root, names[i]);
      REQUIRE(k);
      CHECK(set_val(&f, k, names[i], 1, "x\0", 2));
    }
    size_t len;
    uint8_t *img = save_ok(&f, NULL, minor, &len, NULL);
    if (img) {
      const uint8_t *nk = rec(img, 0x20);
      const uint8_t *leaf = rec(img, le32(nk + NK_OFF_SUBKEY_LIST));
      CHECK_EQ_U(le16(leaf), minor == 5 ? LH_SIGNATURE : LF_SIGNATURE);
      /* Each child: compressed iff Latin-1. */
      for (uint32_t i = 0; i < le16(leaf + 2); i++) {
        const uint8_t *c = rec(img, le32(leaf + 4 + 8 * i));
        const hr_key *k = f.t.root->subkeys[i];
        CHECK_EQ_U((le16(c + NK_OFF_FLAGS) & KEY_COMP_NAME) != 0, name_is_latin1(k->name, k->name_len));
      }
      CHECK_EQ_U(le32(nk + NK_OFF_MAX_NAME_LEN), 12);
    }
    free(img);
    fx_free(&f);
  }
}

/* The serializer's word-at-a-time name scans (compression test, backslash test, packing, the lh
 * hash): every length from 1 to 40 units, with one special unit at every position, so each
 * path (units, 4-unit words, 8-unit steps, the overlapping last step) meets it everywhere.
 * save_ok re-reads and compares names; the hash and compression flag are checked here. */
static void test_save__name_scans(void) {
  static const uint16_t special[] = {'a', 'z', '{', '`', 0x7F, 0x80, 0xE9, 0xFF, 0x100, 0x430,
                                     0xFFFF};
  for (uint32_t len = 1; len <= 40; len++) {
    for (uint32_t pos = 0; pos < len; pos++) {
      for (uint32_t s = 0; s < sizeof special / sizeof *special; s++) {
        uint32_t minor = (pos + s) % 2 ? 3 : 5;
        fx f;
        fx_init(&f);
        uint16_t n[64];
        for (uint32_t i = 0; i < len; i++) n[i] = (uint16_t)("Key0_bcdeFGHI"[i % 13]);
        n[pos] = special[s];
        hr_key *k = add_key_n(&f, f.t.root, n, len);
        REQUIRE(k);
        REQUIRE_OK(tree_set_value(&f.t, k, n, len, 4, (const uint8_t *)"\1\0\0\0", 4));
        size_t img_len;
        uint8_t *img = save_ok(&f, NULL, minor, &img_len, NULL);
        if (img) {
          bool latin1 = name_is_latin1(n, len);
          const uint8_t *leaf = rec(img, le32(rec(img, 0x20) + NK_OFF_SUBKEY_LIST));
          const uint8_t *nk = rec(img, le32(leaf + 4));
          CHECK_EQ_U((le16(nk + NK_OFF_FLAGS) & KEY_COMP_NAME) != 0, latin1);
          CHECK_EQ_U(le16(nk + NK_OFF_NAME_LEN), latin1 ? len : 2 * len);
          const uint8_t *vk = rec(img, le32(rec(img, le32(nk + NK_OFF_VALUE_LIST))));
          CHECK_EQ_U((le16(vk + VK_OFF_FLAGS) & VK_FLAG_COMP_NAME) != 0, latin1);
          for (uint32_t i = 0; i < len; i++) {
            uint16_t u = latin1 ? nk[NK_OFF_NAME + i] : le16(nk + NK_OFF_NAME + 2 * i);
            uint16_t w = latin1 ? vk[VK_OFF_NAME + i] : le16(vk + VK_OFF_NAME + 2 * i);
            CHECK_EQ_U(u, n[i]);
            CHECK_EQ_U(w, n[i]);
          }
          if (minor == 5) {
            CHECK_EQ_U(le32(leaf + 8), name_hash_lh(n, len));
          } else {
            uint8_t hint[4];
            name_lf_hint(n, len, hint);
            CHECK(memcmp(leaf + 8, hint, 4) == 0);
          }
        }
        free(img);
        /* The same name with a backslash at pos: R-D03. */
        n[pos] = 0x5C;
        memcpy(k->name, n, len * sizeof *n);
        HRDiagnostic d;
        CHECK_ERR(save_status(&f, NULL, minor, &d), ERROR_INVALID_DATA);
        CHECK(strcmp(d.rule, "R-D03") == 0);
        fx_free(&f);
      }
    }
  }
}

/* Several descriptors: exact refcounts over saved keys only; an sd used only by a volatile key is
 * not written; a duplicate ring entry (same bytes) is merged into one sk. */
static void test_save__security(void) {
  fx f;
  fx_init(&f);
  hr_sd *s1 = fx_sd(&f, 0x00020019), *s2 = fx_sd(&f, 0x00010000), *s3 = fx_sd(&f, 0x1);
  REQUIRE(s1 && s2 && s3);
  hr_key *a = add_key(&f, f.t.root, "A");
  hr_key *b = add_key(&f, f.t.root, "B");
  hr_key *c = add_key(&f, a, "C");
  hr_key *v = add_key(&f, f.t.root, "Vol");
  REQUIRE(a && b && c && v);
  tree_key_set_sd(&f.t, a, s1);
  tree_key_set_sd(&f.t, c, s1);
  tree_key_set_sd(&f.t, b, s2);
  tree_key_set_sd(&f.t, v, s3);
  v->is_volatile = 1;
  /* A second ring entry with s2's bytes (the ring should not hold one, but save dedupes). */
  hr_sd *dup = mem_zalloc(&f.mem, sizeof *dup);
  REQUIRE(dup);
  dup->bytes = mem_dup(&f.mem, s2->bytes, s2->len);
  dup->len = s2->len;
  dup->next = f.t.sds;
  dup->prev = f.t.sds->prev;
  f.t.sds->prev->next = dup;
  f.t.sds->prev = dup;
  f.t.n_sds++;
  hr_key *d = add_key(&f, f.t.root, "D");
  REQUIRE(d);
  tree_key_set_sd(&f.t, d, dup);
  size_t len;
  rd st;
  uint8_t *img = save_ok(&f, NULL, 5, &len, &st);
  if (img) {
    CHECK_EQ_U(st.n_sks, 3);
    const uint8_t *root = rec(img, 0x20);
    CHECK_EQ_U(le32(rec(img, le32(root + NK_OFF_SECURITY)) + SK_OFF_REFCOUNT), 1);
    CHECK_EQ_U(le32(root + NK_OFF_SUBKEY_COUNT), 3);
    /* Walk the ring: refcounts by descriptor (root 1, s1: A+C = 2, s2: B+D = 2). */
    uint32_t anchor = le32(root + NK_OFF_SECURITY), cur = anchor, seen = 0;
    do {
      const uint8_t *sk = rec(img, cur);
      uint32_t dl = le32(sk + SK_OFF_DESC_LEN), want = 1;
      if (dl == s1->len && !memcmp(sk + SK_OFF_DESC, s1->bytes, dl)) want = 2;
      if (dl == s2->len && !memcmp(sk + SK_OFF_DESC, s2->bytes, dl)) want = 2;
      CHECK(!(dl == s3->len && !memcmp(sk + SK_OFF_DESC, s3->bytes, dl)));
      CHECK_EQ_U(le32(sk + SK_OFF_REFCOUNT), want);
      cur = le32(sk + SK_OFF_FLINK);
    } while (cur != anchor && ++seen < 10);
    CHECK_EQ_U(seen, 2);
  }
  free(img);
  fx_free(&f);
}

static void test_save__volatile_skipped(void) {
  fx f;
  fx_init(&f);
  hr_key *a = add_key(&f, f.t.root, "Keep");
  hr_key *v = add_key(&f, f.t.root, "Volatile");
  REQUIRE(a && v);
  REQUIRE(add_key(&f, v, "Child"));
  hr_key *vv = add_key(&f, a, "LongVolatileNameHere");
  REQUIRE(vv);
  vv->is_volatile = 1;
  v->is_volatile = 1;
  size_t len;
  rd st;
  uint8_t *img = save_ok(&f, NULL, 5, &len, &st);
  if (img) {
    CHECK_EQ_U(st.n_keys, 2);
    /* Max fields count only what is written. */
    CHECK_EQ_U(le32(rec(img, 0x20) + NK_OFF_MAX_NAME_LEN), 8);
    CHECK_EQ_U(le32(rec(img, 0x20) + NK_OFF_SUBKEY_COUNT), 1);
  }
  free(img);
  fx_free(&f);
}

static void test_save__subtree(void) {
  fx f;
  fx_init(&f);
  f.t.root->flags = KEY_HIVE_ENTRY | KEY_NO_DELETE;
  hr_key *a = add_key(&f, f.t.root, "Software");
  hr_key *b = add_key(&f, a, "Vendor");
  hr_key *c = add_key(&f, b, "Product");
  REQUIRE(a && b && c);
  hr_sd *s1 = fx_sd(&f, 0x00020019);
  tree_key_set_sd(&f.t, c, s1);
  REQUIRE(set_val(&f, c, "Version", 1, "1\0.\0" "0\0\0\0", 8));
  REQUIRE(add_key(&f, f.t.root, "Other"));
  size_t len;
  rd st;
  uint8_t *img = save_ok(&f, a, 5, &len, &st);
  if (img) {
    CHECK_EQ_U(st.n_keys, 3);
    CHECK_EQ_U(st.n_sks, 2);
    const uint8_t *nk = rec(img, 0x20);
    CHECK_EQ_U(le16(nk + NK_OFF_FLAGS), KEY_COMP_NAME); /* the new root keeps the key's flags */
    CHECK_EQ_U(le32(nk + NK_OFF_PARENT), REGF_CELL_NIL);
    CHECK(memcmp(nk + NK_OFF_NAME, "Software", 8) == 0);
  }
  free(img);
  fx_free(&f);
}

static void test_save__lf_vs_lh(void) {
  fx f;
  fx_init(&f);
  REQUIRE(add_key(&f, f.t.root, "Software"));
  REQUIRE(add_key(&f, f.t.root, "Привет"));
  uint8_t *big = pattern(40000, 3);
  REQUIRE(set_val(&f, f.t.root, "Big", 3, big, 40000));
  free(big);
  size_t l3, l5;
  rd s3, s5;
  uint8_t *i3 = save_ok(&f, NULL, 3, &l3, &s3);
  uint8_t *i5 = save_ok(&f, NULL, 5, &l5, &s5);
  if (i3 && i5) {
    CHECK_EQ_U(le32(i3 + REGF_OFF_MINOR), 3);
    CHECK_EQ_U(le32(i5 + REGF_OFF_MINOR), 5);
    const uint8_t *leaf3 = rec(i3, le32(rec(i3, 0x20) + NK_OFF_SUBKEY_LIST));
    const uint8_t *leaf5 = rec(i5, le32(rec(i5, 0x20) + NK_OFF_SUBKEY_LIST));
    CHECK_EQ_U(le16(leaf3), LF_SIGNATURE);
    CHECK(memcmp(leaf3 + 8, "Soft", 4) == 0);          /* raw hint */
    CHECK(memcmp(leaf3 + 16, "\0\0\0\0", 4) == 0);     /* Cyrillic: no hint */
    CHECK_EQ_U(le16(leaf5), LH_SIGNATURE);
    CHECK_EQ_U(le32(leaf5 + 8), 0xE9FE1463u);          /* spec §6.3 vector "Software" */
    CHECK_EQ_U(le32(leaf5 + 16), 0x81C3D610u);         /* "Привет" */
    CHECK_EQ_U(s3.n_db, 0);
    CHECK_EQ_U(s5.n_db, 1);
  }
  free(i3);
  free(i5);
  fx_free(&f);
}

static void test_save__target_minor(void) {
  fx f;
  fx_init(&f);
  uint32_t m = 99;
  CHECK_ERR(save_target_minor(5, 1, &f.t, NULL, &m), ERROR_SUCCESS);
  CHECK_EQ_U(m, 3);
  CHECK_ERR(save_target_minor(5, 2, &f.t, NULL, &m), ERROR_SUCCESS);
  CHECK_EQ_U(m, 3);
  static const uint32_t ok5[][2] = {{6, 0}, {6, 1}, {6, 2}, {6, 3}, {10, 0}};
  for (int i = 0; i < 5; i++) {
    m = 99;
    CHECK_ERR(save_target_minor(ok5[i][0], ok5[i][1], &f.t, NULL, &m), ERROR_SUCCESS);
    CHECK_EQ_U(m, 5);
  }
  static const uint32_t bad[][2] = {{5, 0}, {5, 3}, {4, 0}, {6, 4}, {7, 0}, {10, 1}, {11, 0}, {0, 0}};
  for (int i = 0; i < 8; i++)
    CHECK_ERR(save_target_minor(bad[i][0], bad[i][1], &f.t, NULL, &m), ERROR_INVALID_PARAMETER);
  /* Layered features: 1.6 for 6.x/10.0, refused for 5.x; a volatile key's do not count. */
  hr_key *k = add_key(&f, f.t.root, "Layered");
  REQUIRE(k);
  k->layer = NK_LAYER_SUPERSEDE_LOCAL;
  k->is_volatile = 1;
  CHECK_ERR(save_target_minor(10, 0, &f.t, NULL, &m), ERROR_SUCCESS);
  CHECK_EQ_U(m, 5);
  k->is_volatile = 0;
  CHECK_ERR(save_target_minor(10, 0, &f.t, NULL, &m), ERROR_SUCCESS);
  CHECK_EQ_U(m, 6);
  CHECK_ERR(save_target_minor(5, 1, &f.t, NULL, &m), ERROR_INVALID_PARAMETER);
  k->layer = 0;
  REQUIRE_OK(tree_append_value_owned(&f.t, k, NULL, 0, 0, NULL, 0, VK_FLAG_TOMBSTONE));
  CHECK_ERR(save_target_minor(6, 1, &f.t, NULL, &m), ERROR_SUCCESS);
  CHECK_EQ_U(m, 6);
  CHECK_ERR(save_target_minor(6, 1, &f.t, f.t.root->subkeys[0], &m), ERROR_SUCCESS);
  CHECK_EQ_U(m, 6);
  fx_free(&f);
}

/* Serialises with the given minor into a libc copy; NULL on failure (*st says why). */
static uint8_t *save_copy(fx *f, uint32_t minor, size_t *len, hr_status *st) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  m.budget = UINT64_MAX;
  m.max_single = UINT64_MAX;
  uint8_t *img = NULL;
  *len = 0;
  *st = save_serialize(&f->t, NULL, minor, SERIAL, &m, &img, len, NULL);
  if (*st != ERROR_SUCCESS) return NULL;
  uint8_t *copy = malloc(*len);
  memcpy(copy, img, *len);
  mem_free(&m, img, *len);
  return copy;
}

/* ORSaveHive's target map without the tree walk: 5.x -> 3, 6.x/10.0 -> SAVE_MINOR_LH_AUTO, and
 * the serializer then writes exactly what save_target_minor's minor gives (1.5 or 1.6), or
 * refuses layered-key features in 1.3 as save_target_minor(5, x) does. */
static void test_save__target_format(void) {
  fx f;
  fx_init(&f);
  uint32_t m = 99;
  CHECK_ERR(save_target_format(5, 1, &f.t, NULL, &m), ERROR_SUCCESS);
  CHECK_EQ_U(m, 3);
  CHECK_ERR(save_target_format(5, 2, &f.t, NULL, &m), ERROR_SUCCESS);
  CHECK_EQ_U(m, 3);
  static const uint32_t ok5[][2] = {{6, 0}, {6, 1}, {6, 2}, {6, 3}, {10, 0}};
  for (int i = 0; i < 5; i++) {
    m = 99;
    CHECK_ERR(save_target_format(ok5[i][0], ok5[i][1], &f.t, NULL, &m), ERROR_SUCCESS);
    CHECK_EQ_U(m, SAVE_MINOR_LH_AUTO);
  }
  static const uint32_t bad[][2] = {{5, 0}, {5, 3}, {4, 0}, {6, 4}, {7, 0}, {10, 1}, {11, 0}, {0, 0}};
  for (int i = 0; i < 8; i++)
    CHECK_ERR(save_target_format(bad[i][0], bad[i][1], &f.t, NULL, &m), ERROR_INVALID_PARAMETER);
  CHECK_ERR(save_target_format(10, 0, &f.t, NULL, NULL), ERROR_INVALID_PARAMETER);
  hr_tree empty = {0};
  CHECK_ERR(save_target_format(10, 0, &empty, NULL, &m), ERROR_INVALID_PARAMETER);
  CHECK_ERR(save_target_format(5, 1, NULL, NULL, &m), ERROR_INVALID_PARAMETER);

  hr_key *a = add_key(&f, f.t.root, "A");
  hr_key *k = add_key(&f, f.t.root, "Layered");
  REQUIRE(a && k);
  CHECK(set_val(&f, a, "v", 1, "x\0", 2));
  /* 0: nothing layered; 1: a volatile layered key; 2: the key saved; 3: a tombstone value. */
  for (int step = 0; step < 4; step++) {
    if (step == 1) {
      k->layer = NK_LAYER_SUPERSEDE_LOCAL;
      k->is_volatile = 1;
    }
    if (step == 2) k->is_volatile = 0;
    if (step == 3) {
      k->layer = 0;
      REQUIRE_OK(tree_append_value_owned(&f.t, k, NULL, 0, 0, NULL, 0, VK_FLAG_TOMBSTONE));
    }
    uint32_t exact;
    REQUIRE_OK(save_target_minor(10, 0, &f.t, NULL, &exact));
    CHECK_EQ_U(exact, step < 2 ? 5 : 6);
    size_t l1, l2;
    hr_status s1, s2;
    uint8_t *i1 = save_copy(&f, exact, &l1, &s1), *i2 = save_copy(&f, SAVE_MINOR_LH_AUTO, &l2, &s2);
    CHECK_ERR(s1, ERROR_SUCCESS);
    CHECK_ERR(s2, ERROR_SUCCESS);
    if (i1 && i2) {
      CHECK(l1 == l2 && memcmp(i1, i2, l1) == 0);
      CHECK_EQ_U(le32(i2 + REGF_OFF_MINOR), exact);
    }
    free(i1);
    free(i2);
    /* 5.x: refused exactly when save_target_minor refuses. */
    hr_status want = save_target_minor(5, 1, &f.t, NULL, &m);
    REQUIRE_OK(save_target_format(5, 1, &f.t, NULL, &m));
    uint8_t *i3 = save_copy(&f, m, &l1, &s1);
    CHECK_ERR(s1, want);
    free(i3);
  }
  fx_free(&f);
}

static void test_save__layered_16(void) {
  fx f;
  fx_init(&f);
  f.t.root->layer = NK_LAYER_SUPERSEDE_LOCAL;
  hr_key *t = add_key(&f, f.t.root, "Gone");
  hr_key *s = add_key(&f, f.t.root, "Tree");
  REQUIRE(t && s);
  t->layer = NK_LAYER_TOMBSTONE;
  s->layer = NK_LAYER_SUPERSEDE_TREE | NK_LAYER_INHERIT_CLASS;
  hr_key *sc = add_key(&f, s, "Child");
  REQUIRE(sc);
  sc->layer = NK_LAYER_SUPERSEDE_TREE;
  uint16_t n[8];
  uint32_t nl = U("Dead", n);
  uint16_t *nm = mem_dup(&f.mem, n, nl * 2);
  REQUIRE(nm);
  REQUIRE_OK(tree_append_value_owned(&f.t, s, nm, nl, 0, NULL, 0, VK_FLAG_TOMBSTONE));
  uint32_t m;
  REQUIRE_OK(save_target_minor(10, 0, &f.t, NULL, &m));
  CHECK_EQ_U(m, 6);
  size_t len;
  uint8_t *img = save_ok(&f, NULL, 6, &len, NULL);
  if (img) {
    CHECK_EQ_U(le32(img + REGF_OFF_FLAGS), REGF_FLAG_LAYERED);
    const uint8_t *vl = rec(img, le32(rec(img, le32(rec(img, le32(rec(img, 0x20) + NK_OFF_SUBKEY_LIST) + 12)) + NK_OFF_VALUE_LIST)));
    const uint8_t *vk = rec(img, le32(vl));
    CHECK_EQ_U(le16(vk + VK_OFF_FLAGS), VK_FLAG_COMP_NAME | VK_FLAG_TOMBSTONE);
    CHECK_EQ_U(le32(vk + VK_OFF_DATA_LEN), 0);
    CHECK_EQ_U(le32(vk + VK_OFF_DATA), REGF_CELL_NIL);
  }
  free(img);
  /* Below 1.6 the same tree is refused. */
  CHECK_ERR(save_status(&f, NULL, 5, NULL), ERROR_INVALID_PARAMETER);
  /* R-D11: a supersede-tree key cannot become the root of a subtree hive. */
  CHECK_ERR(save_status(&f, s, 6, NULL), ERROR_INVALID_PARAMETER);
  /* R-D12: a normal child under supersede-tree is a broken tree. */
  sc->layer = 0;
  CHECK_ERR(save_status(&f, NULL, 6, NULL), ERROR_INVALID_DATA);
  fx_free(&f);
}

static void test_save__symlink(void) {
  fx f;
  fx_init(&f);
  hr_key *l = add_key(&f, f.t.root, "Link");
  REQUIRE(l);
  l->flags = KEY_SYM_LINK;
  uint16_t target[40];
  uint32_t tn = U("\\Registry\\Machine\\Software", target);
  REQUIRE(set_val(&f, l, "SymbolicLinkValue", 6, target, tn * 2));
  size_t len;
  uint8_t *img = save_ok(&f, NULL, 5, &len, NULL);
  free(img);
  /* Saved as a root, the link flag is dropped (R-D08) and the value kept. */
  img = save_ok(&f, l, 5, &len, NULL);
  if (img) CHECK_EQ_U(le16(rec(img, 0x20) + NK_OFF_FLAGS), KEY_COMP_NAME);
  free(img);
  REQUIRE(set_val(&f, l, "Other", 1, "ab", 2));
  CHECK_ERR(save_status(&f, NULL, 5, NULL), ERROR_INVALID_DATA);
  fx_free(&f);
}

/* R-E16: 512 keys on a path (root included) save; 513 do not. */
static void test_save__depth(void) {
  fx f;
  fx_init(&f);
  hr_key *k = f.t.root;
  for (int i = 1; i < 512; i++) {
    k = add_key(&f, k, "d");
    REQUIRE(k);
  }
  size_t len;
  rd st;
  uint8_t *img = save_ok(&f, NULL, 5, &len, &st);
  if (img) CHECK_EQ_U(st.n_keys, 512);
  free(img);
  REQUIRE(add_key(&f, k, "d"));
  HRDiagnostic d;
  CHECK_ERR(save_status(&f, NULL, 5, &d), ERROR_INVALID_DATA);
  CHECK(strcmp(d.rule, "R-E16") == 0);
  fx_free(&f);
}

static void test_save__bad_trees(void) {
  fx f;
  fx_init(&f);
  hr_key *a = add_key(&f, f.t.root, "A");
  hr_key *b = add_key(&f, f.t.root, "B");
  REQUIRE(a && b);
  /* Unsorted subkeys. */
  f.t.root->subkeys[0] = b;
  f.t.root->subkeys[1] = a;
  CHECK_ERR(save_status(&f, NULL, 5, NULL), ERROR_INVALID_DATA);
  f.t.root->subkeys[0] = a;
  f.t.root->subkeys[1] = b;
  /* A backslash in a name. */
  a->name[0] = '\\';
  CHECK_ERR(save_status(&f, NULL, 5, NULL), ERROR_INVALID_DATA);
  a->name[0] = 'A';
  /* A key whose descriptor is not in the ring. */
  hr_sd fake = {0};
  hr_sd *keep = a->sd;
  a->sd = &fake;
  CHECK_ERR(save_status(&f, NULL, 5, NULL), ERROR_INVALID_DATA);
  a->sd = keep;
  /* Bad arguments. */
  CHECK_ERR(save_status(&f, NULL, 2, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(save_status(&f, NULL, 7, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(save_status(&f, NULL, 5, NULL), ERROR_SUCCESS);
  fx_free(&f);
}

static void build_mixed(fx *f, uint32_t n_top, uint32_t n_sub) {
  for (uint32_t i = 0; i < n_top; i++) {
    char name[32];
    snprintf(name, sizeof name, "Top%04u", i);
    hr_key *t = add_key(f, f->t.root, name);
    if (!t) return;
    if (i % 3 == 0) tree_key_set_sd(&f->t, t, fx_sd(f, 0x100 + i % 7));
    for (uint32_t j = 0; j < n_sub; j++) {
      snprintf(name, sizeof name, "%sSub%u", j % 2 ? "é" : "", j);
      hr_key *k = add_key(f, t, name);
      if (!k) return;
      uint32_t sz = (i * 31 + j * 17) % 6000;
      uint8_t *d = pattern(sz, i * 1000 + j);
      set_val(f, k, "", 3, d, sz);
      set_val(f, k, "dword", 4, "\x01\x02\x03\x04", 4);
      set_val(f, k, "small", 3, d, sz < 4 ? sz : 3);
      free(d);
    }
  }
}

static void test_save__deterministic(void) {
  fx f;
  fx_init(&f);
  build_mixed(&f, 30, 40);
  uint8_t *big = pattern(100000, 9);
  REQUIRE(set_val(&f, f.t.root, "big", 3, big, 100000));
  free(big);
  size_t l1, l2;
  uint8_t *a = save_ok(&f, NULL, 5, &l1, NULL);
  uint8_t *b = save_ok(&f, NULL, 5, &l2, NULL);
  if (a && b) CHECK(l1 == l2 && memcmp(a, b, l1) == 0);
  free(a);
  free(b);
  fx_free(&f);
}

typedef struct oom_ctx {
  fx *f;
  uint32_t minor;
} oom_ctx;

static DWORD oom_op(void *ctx, uint64_t fail_at, bool *injected) {
  oom_ctx *o = ctx;
  hr_mem m;
  mem_init(&m, NULL, 0);
  mem_fail_after(&m, fail_at, false);
  uint8_t *img = NULL;
  size_t len = 0;
  hr_status st = save_serialize(&o->f->t, NULL, o->minor, SERIAL, &m, &img, &len, NULL);
  *injected = m.failures > 0;
  if (img) mem_free(&m, img, len);
  if (st != ERROR_SUCCESS && img) return ERROR_INVALID_DATA;
  return st;
}

static void test_save__oom_sweep(void) {
  fx f;
  fx_init(&f);
  build_mixed(&f, 3, 300); /* enough children to grow the child-offset array several times */
  hr_sd *s = fx_sd(&f, 0x55);
  tree_key_set_sd(&f.t, f.t.root->subkeys[1], s);
  uint64_t runs = test_oom_sweep("save_serialize", oom_op, &(oom_ctx){&f, 5}, 1000);
  CHECK(runs >= 5);
  printf("# OOM sweep: %llu runs\n", (unsigned long long)runs);
  fx_free(&f);
}

/* Throughput and peak memory on a large synthetic tree (~120 MB of output). */
static void test_save__benchmark(void) {
  HROpenOptions opt = {0};
  opt.struct_size = sizeof opt;
  opt.mem_budget = (uint64_t)1 << 40;
  fx f;
  fx_init_opts(&f, &opt);
  build_mixed(&f, 100, 200);
  for (uint32_t i = 0; i < 400; i++) {
    char name[32];
    snprintf(name, sizeof name, "big%u", i);
    uint8_t *d = pattern(50000, i);
    set_val(&f, f.t.root->subkeys[i % 100], name, 3, d, 50000);
    free(d);
  }
  double best = 1e9;
  size_t len = 0;
  uint64_t peak = 0;
  for (int rep = 0; rep < 3; rep++) {
    hr_mem m;
    mem_init(&m, &opt, 0);
    uint8_t *img = NULL;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    hr_status st = save_serialize(&f.t, NULL, 5, SERIAL, &m, &img, &len, NULL);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK_ERR(st, ERROR_SUCCESS);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (s < best) best = s;
    peak = m.high_water;
    if (img) mem_free(&m, img, len);
  }
  printf("# save benchmark: %zu bytes in %.1f ms = %.0f MB/s; peak save memory %.3f x output\n",
         len, best * 1e3, (double)len / best / 1e6, (double)peak / (double)len);
  CHECK((double)peak <= 1.5 * (double)len);
  rd st;
  free(save_ok(&f, NULL, 5, &len, &st));
  printf("# %u keys, %u values, %u bins, %u db\n", st.n_keys, st.n_values, st.n_bins, st.n_db);
  fx_free(&f);
}

/* With serialization time 0 the base block past 0x200 is all zero: strictly no finding. */
static void test_save__zero_serial_time_no_findings(void) {
  fx f;
  fx_init(&f);
  build_mixed(&f, 4, 10);
  hr_mem m;
  mem_init(&m, NULL, 0);
  uint8_t *img = NULL;
  size_t len = 0;
  REQUIRE_OK(save_serialize(&f.t, NULL, 5, 0, &m, &img, &len, NULL));
  CHECK(check_clean(img, len, 0, false));
  check_reload(f.t.root, img, len, 5, 0);
  mem_free(&m, img, len);
  fx_free(&f);
}

/* Every loadable real hive of ../shared/hives: load, save for 10.0, re-read strictly, compare,
 * hive_check clean, and save(load(save)) == save.  Measures throughput on the largest. */
static void test_save__real_hives(void) {
  test_manifest_row *rows = NULL;
  size_t n = test_manifest(&rows);
  if (!n) {
    test_skip("../shared/hives absent");
    return;
  }
  uint32_t loaded = 0, saved = 0;
  size_t big_len = 0;
  double big_ms = 0;
  char big_name[400] = "";
  for (size_t i = 0; i < n; i++) {
    if (strcmp(rows[i].file_type, "primary") != 0) continue;
    size_t flen;
    uint8_t *file = test_read_file(rows[i].path, &flen);
    if (!file) continue;
    HROpenOptions opt = {0};
    opt.struct_size = sizeof opt;
    opt.mem_budget = (uint64_t)1 << 40;
    fx f;
    memset(&f, 0, sizeof f);
    mem_init(&f.mem, &opt, flen);
    f.t.mem = &f.mem;
    hr_findings fi = {0};
    fi.stop_on_reject = 1;
    hr_status st = hive_load(&f.t, file, flen, &fi, NULL);
    test_free_file(file);
    if (st != ERROR_SUCCESS) continue; /* corrupt inputs are the loader's business */
    loaded++;
    uint32_t minor;
    st = save_target_minor(10, 0, &f.t, NULL, &minor);
    CHECK_ERR(st, ERROR_SUCCESS);
    hr_mem m;
    mem_init(&m, &opt, 0);
    uint8_t *img = NULL;
    size_t len = 0;
    HRDiagnostic d;
    double best = 1e9;
    for (int rep = 0; rep < 3 && st == ERROR_SUCCESS; rep++) {
      if (img) mem_free(&m, img, len);
      img = NULL;
      struct timespec t0, t1;
      clock_gettime(CLOCK_MONOTONIC, &t0);
      st = save_serialize(&f.t, NULL, minor, SERIAL, &m, &img, &len, &d);
      clock_gettime(CLOCK_MONOTONIC, &t1);
      double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
      if (ms < best) best = ms;
      if (flen < 4u << 20) break; /* time only the large ones */
    }
    if (st != ERROR_SUCCESS) {
      test_fail(__FILE__, __LINE__, "%s: save %s %s", rows[i].rel, HRErrorName(st), d.message);
    } else {
      saved++;
      if (len > big_len) {
        big_len = len;
        big_ms = best;
        snprintf(big_name, sizeof big_name, "%s", rows[i].rel);
      }
      hr_mem rm;
      mem_init(&rm, &opt, 0);
      hr_tree rt = {0};
      rt.mem = &rm;
      rd r;
      if (!rd_read(&r, &rt, img, len, minor, SERIAL))
        test_fail(__FILE__, __LINE__, "%s: reader: %s", rows[i].rel, r.err);
      else if (!same_key(f.t.root, rt.root, true, 0))
        test_fail(__FILE__, __LINE__, "%s: tree differs", rows[i].rel);
      tree_free(&rt);
      if (!check_clean(img, len, SERIAL, true)) printf("#   in %s\n", rows[i].rel);
      check_reload(f.t.root, img, len, minor, SERIAL);
      mem_free(&m, img, len);
    }
    tree_free(&f.t);
  }
  test_manifest_free(rows);
  printf("# real hives: %u loaded, %u saved; largest output %s: %zu bytes in %.2f ms = %.0f MB/s\n",
         loaded, saved, big_name, big_len, big_ms, big_ms > 0 ? (double)big_len / big_ms / 1e3 : 0);
  CHECK(saved == loaded);
}

/* The checks above are not vacuous: a wrong hash or refcount is caught by both the test reader
 * and the engine's validator. */
static bool reader_accepts(const uint8_t *img, size_t len) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  hr_tree t = {0};
  t.mem = &m;
  rd r;
  bool ok = rd_read(&r, &t, img, len, 5, SERIAL);
  tree_free(&t);
  return ok;
}

static uint64_t validator_findings(const uint8_t *img, size_t len) {
  hr_mem m;
  mem_init(&m, NULL, len);
  hr_findings f = {0};
  HRCheckSummary sum;
  hive_check(&m, img, len, &f, &sum);
  return sum.findings_reject + sum.findings_warn + sum.findings_info;
}

static void test_save__checks_catch_corruption(void) {
  fx f;
  fx_init(&f);
  REQUIRE(add_key(&f, f.t.root, "One"));
  REQUIRE(add_key(&f, f.t.root, "Two"));
  size_t len;
  uint8_t *img = save_ok(&f, NULL, 5, &len, NULL);
  REQUIRE(img);
  CHECK(reader_accepts(img, len));
  uint64_t base = validator_findings(img, len);
  CHECK_EQ_U(base, 0); /* a clean save has no finding at all */
  uint8_t *bad = malloc(len);
  /* A wrong lh hash. */
  memcpy(bad, img, len);
  uint32_t leaf = le32(rec(bad, 0x20) + NK_OFF_SUBKEY_LIST);
  bad[0x1000 + leaf + 4 + 8] ^= 1;
  CHECK(!reader_accepts(bad, len));
  CHECK(validator_findings(bad, len) > base);
  /* A wrong sk reference count. */
  memcpy(bad, img, len);
  uint32_t sk = le32(rec(bad, 0x20) + NK_OFF_SECURITY);
  put32(bad + 0x1000 + sk + 4 + SK_OFF_REFCOUNT, 7);
  CHECK(!reader_accepts(bad, len));
  CHECK(validator_findings(bad, len) > base);
  /* An exaggerated max field. */
  memcpy(bad, img, len);
  put32(bad + 0x1000 + 0x20 + 4 + NK_OFF_MAX_CLASS_LEN, 2);
  CHECK(!reader_accepts(bad, len));
  free(bad);
  free(img);
  fx_free(&f);
}

/* ---- randomized round trips (fixed seed) ------------------------------------------------------ */

static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n) {
  g_rng ^= g_rng << 13;
  g_rng ^= g_rng >> 7;
  g_rng ^= g_rng << 17;
  return n ? (uint32_t)(g_rng % n) : 0;
}

static uint32_t rnd_name(uint16_t *out, uint32_t max) {
  static const uint16_t pool[] = {'a', 'B', 'z', 'Z', '0', '_', ' ', '.', 0xE9, 0xC9, 0xFF, 0x178,
                                  0xDF, 0xB5, 0x41F, 0x43F, 0x3A3, 0x3C2, 0x4E2D, 0xFF41, 0xD800,
                                  0x7F, 0x01, '{', '}'};
  uint32_t len = 1 + rnd(rnd(8) == 0 ? max : 12);
  for (uint32_t i = 0; i < len; i++) out[i] = pool[rnd(sizeof pool / sizeof *pool)];
  return len;
}

static void random_tree(fx *f, hr_sd **sds, uint32_t n_sds, uint32_t n_keys, bool big) {
  static const uint32_t sizes[] = {0, 1, 2, 3, 4, 5, 8, 100, 4060, 4064, 4065, 8000, 16344, 16345,
                                   20000, 32688, 32689};
  hr_key *keys[400];
  uint32_t n = 0;
  keys[n++] = f->t.root;
  while (n < n_keys && n < 400) {
    hr_key *p = keys[rnd(n)];
    uint16_t name[260];
    uint32_t len = rnd_name(name, 255);
    uint32_t idx;
    if (tree_find_subkey(p, name, len, &idx)) continue;
    hr_key *k = add_key_n(f, p, name, len);
    if (!k) return;
    keys[n++] = k;
    tree_key_set_sd(&f->t, k, sds[rnd(n_sds)]);
    k->is_volatile = rnd(10) == 0;
    k->flags = (uint16_t)(rnd(4) == 0 ? (0x0080u << rnd(3)) | (rnd(2) ? 0x1000u : 0) : 0);
    k->access_bits = (uint8_t)rnd(4);
    k->virt_flags = (uint8_t)rnd(16);
    k->user_flags = (uint8_t)rnd(16);
    k->debug_flags = (uint8_t)rnd(256);
    k->last_write = ((uint64_t)rnd(UINT32_MAX) << 24) | rnd(1u << 24);
    if (rnd(4) == 0) {
      uint8_t cls[300];
      uint32_t cl = 2 + 2 * rnd(140);
      for (uint32_t i = 0; i < cl; i++) cls[i] = (uint8_t)rnd(256);
      tree_key_set_class(&f->t, k, cls, cl);
    }
    uint32_t nv = rnd(5);
    for (uint32_t i = 0; i < nv; i++) {
      uint16_t vn[300];
      uint32_t vl = rnd(4) == 0 ? 0 : rnd_name(vn, 300);
      uint32_t sz = sizes[rnd(big ? 17 : 12)];
      uint32_t type = sz == 4 ? 4 : sz == 8 ? 11 : rnd(3) ? 3 : 1 + rnd(2);
      uint8_t *d = pattern(sz, rnd(1000));
      tree_set_value(&f->t, k, vn, vl, type, d, sz);
      free(d);
    }
  }
}

static void test_save__random_round_trips(void) {
  for (int iter = 0; iter < 120; iter++) {
    fx f;
    fx_init(&f);
    hr_sd *sds[4] = {f.sd0, fx_sd(&f, 1), fx_sd(&f, 2), fx_sd(&f, 0x20019)};
    random_tree(&f, sds, 4, 5 + rnd(120), iter % 4 == 0);
    if (rnd(3) == 0) f.t.root->flags = KEY_HIVE_ENTRY | KEY_NO_DELETE;
    uint32_t minor = rnd(3) == 0 ? 3 : 5;
    const hr_key *top = NULL;
    if (rnd(4) == 0 && f.t.root->n_subkeys) top = f.t.root->subkeys[rnd(f.t.root->n_subkeys)];
    size_t len;
    uint8_t *img = save_ok(&f, top, minor, &len, NULL);
    free(img);
    fx_free(&f);
    if (test_failures_in_current) {
      printf("# failed at iteration %d\n", iter);
      return;
    }
  }
}

int main(void) {
  TEST_RUN(test_save__empty_root);
  TEST_RUN(test_save__root_flags);
  TEST_RUN(test_save__classes_and_max_fields);
  TEST_RUN(test_save__value_sizes);
  TEST_RUN(test_save__format13_value_limit);
  TEST_RUN(test_save__subkeys_1012);
  TEST_RUN(test_save__subkeys_1013_ri);
  TEST_RUN(test_save__subkeys_5000_ri);
  TEST_RUN(test_save__subkeys_5000_ri_lf);
  TEST_RUN(test_save__names);
  TEST_RUN(test_save__name_scans);
  TEST_RUN(test_save__security);
  TEST_RUN(test_save__volatile_skipped);
  TEST_RUN(test_save__subtree);
  TEST_RUN(test_save__lf_vs_lh);
  TEST_RUN(test_save__target_minor);
  TEST_RUN(test_save__target_format);
  TEST_RUN(test_save__layered_16);
  TEST_RUN(test_save__symlink);
  TEST_RUN(test_save__depth);
  TEST_RUN(test_save__bad_trees);
  TEST_RUN(test_save__deterministic);
  TEST_RUN(test_save__oom_sweep);
  TEST_RUN(test_save__random_round_trips);
  TEST_RUN(test_save__checks_catch_corruption);
  TEST_RUN(test_save__zero_serial_time_no_findings);
  TEST_RUN(test_save__real_hives);
  TEST_RUN(test_save__benchmark);
  return test_finish();
}
