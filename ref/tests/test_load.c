/*
 * test_load.c: hive_load's tree (names, class, flags, timestamps, MaxNameLen flag bits, values,
 * descriptors), cleanup on failure, and the OOM sweep over small real hives (load.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "bytes.h"
#include "layout.h"
#include "load.h"
#include "test_common.h"
#include "tree.h"

static hb B;
static uint8_t *D;
static size_t N;

static void test_key_fields(void) {
  hb_init(&B, 6, "ROOT");
  static const uint16_t cyr[3] = {0x041F, 0x0440, 0x0438};
  uint32_t a = hb_nk(&B, "\xEBigen", B.root); /* Latin-1 compressed "ëigen" */
  uint32_t b = hb_nk_utf16(&B, cyr, 3, B.root);
  uint32_t kids[2] = {a, b};
  hb_set_subkeys(&B, B.root, kids, 2, LH_SIGNATURE);
  hb_set_class(&B, b, "K\0l\0", 4);
  D = hb_finish(&B, &N);
  uint8_t *r = REC_OF(D, b);
  put16(r + NK_OFF_FLAGS, KEY_VIRTUAL_STORE | 0x1000);
  put64(r + NK_OFF_LAST_WRITE, 0x01D9ABCDEF012345ull);
  r[NK_OFF_ACCESS_BITS] = 2;
  r[NK_OFF_LAYER] = 0x82; /* InheritClass | supersede-local (1.6 hive: layered flag set) */
  put32(REC_OF(D, B.root) + NK_OFF_MAX_NAME_LEN, 0x84210000u | 10); /* debug 0x84, user 2, virt 1 */
  put32(REC_OF(D, B.root) + NK_OFF_MAX_CLASS_LEN, 4);
  hr_mem m;
  mem_init(&m, NULL, N);
  hr_tree t = {0};
  t.mem = &m;
  HRHiveInfo info;
  REQUIRE_OK(hive_load(&t, D, N, NULL, &info));
  hr_key *root = t.root;
  CHECK_EQ_U(root->name_len, 4);
  CHECK(root->name[0] == 'R' && root->name[3] == 'T');
  CHECK_EQ_U(root->flags, KEY_HIVE_ENTRY | KEY_NO_DELETE); /* KEY_COMP_NAME dropped */
  CHECK_EQ_U(root->virt_flags, 1);
  CHECK_EQ_U(root->user_flags, 2);
  CHECK_EQ_U(root->debug_flags, 0x84);
  CHECK(root->parent == NULL);
  CHECK_EQ_U(root->cell, 0x20);
  REQUIRE(root->n_subkeys == 2);
  hr_key *ka = root->subkeys[0], *kb = root->subkeys[1];
  CHECK(ka->parent == root && kb->parent == root);
  CHECK_EQ_U(ka->name_len, 5);
  CHECK_EQ_U(ka->name[0], 0xEB); /* widened, not a code page */
  CHECK_EQ_U(kb->name_len, 3);
  CHECK_EQ_U(kb->name[0], 0x041F);
  CHECK_EQ_U(kb->flags, KEY_VIRTUAL_STORE | 0x1000);
  CHECK_EQ_U(kb->last_write, 0x01D9ABCDEF012345ull);
  CHECK_EQ_U(kb->access_bits, 2);
  CHECK_EQ_U(kb->layer, 0x82);
  REQUIRE(kb->class_len == 4);
  CHECK(memcmp(kb->class_data, "K\0l\0", 4) == 0);
  CHECK(ka->class_data == NULL && ka->class_len == 0);
  CHECK_EQ_U(ka->cell, a);
  HRDiagnostic d;
  CHECK_ERR(tree_check(&t, &d), ERROR_SUCCESS);
  CHECK_EQ_U(info.minor, 6);
  tree_free(&t);
  CHECK_EQ_U(m.live_bytes, 0);
  hb_free(&B);
}

static void test_failure_leaves_tree_empty(void) {
  /* A rejection deep in the tree (after keys and values were built) frees everything. */
  hb_init(&B, 5, "ROOT");
  uint32_t a = hb_nk(&B, "a", B.root), z = hb_nk(&B, "z", B.root);
  uint32_t kids[2] = {a, z};
  hb_set_subkeys(&B, B.root, kids, 2, LH_SIGNATURE);
  uint32_t v = hb_vk(&B, "v", 3, "0123456789", 10);
  hb_set_values(&B, a, &v, 1);
  D = hb_finish(&B, &N);
  REC_OF(D, z)[1] = 'x';
  hr_mem m;
  mem_init(&m, NULL, N);
  hr_tree t = {0};
  t.mem = &m;
  HRDiagnostic diag;
  diag_clear(&diag);
  hr_findings f = {0};
  f.diag = &diag;
  CHECK_ERR(hive_load(&t, D, N, &f, NULL), ERROR_NOT_REGISTRY_FILE);
  CHECK(t.root == NULL && t.sds == NULL);
  CHECK_EQ_U(m.live_bytes, 0);
  CHECK_EQ_U(m.live_blocks, 0);
  CHECK(strcmp(diag.rule, "R-E11") == 0);
  CHECK_EQ_U(diag.error, ERROR_NOT_REGISTRY_FILE);
  hb_free(&B);
}

/* ---- OOM sweep: hive_load + a full walk over small real hives ------------------------------ */

typedef struct blob {
  uint8_t *d;
  size_t n;
} blob;

static DWORD load_op(void *ctx, uint64_t fail_at, bool *injected) {
  blob *b = ctx;
  HROpenOptions o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.fail_alloc_at = fail_at;
  hr_mem m;
  mem_init(&m, &o, b->n);
  hr_tree t = {0};
  t.mem = &m;
  HRDiagnostic diag;
  diag_clear(&diag);
  hr_findings f = {0};
  f.diag = &diag;
  hr_status st = hive_load(&t, b->d, b->n, &f, NULL);
  if (st == ERROR_SUCCESS) {
    uint64_t nk = 0, nv = 0;
    tree_count(t.root, &nk, &nv);
    HRDiagnostic d2;
    if (tree_check(&t, &d2) != ERROR_SUCCESS) st = ERROR_INVALID_DATA;
    tree_free(&t);
  } else if (st == ERROR_NOT_ENOUGH_MEMORY && diag.error != ERROR_NOT_ENOUGH_MEMORY) {
    st = ERROR_INVALID_DATA; /* the diagnostic must say why */
  }
  if (t.root || m.live_bytes) st = ERROR_INVALID_DATA;
  *injected = m.failures > 0;
  return st;
}

static void sweep_file(const char *rel) {
  const char *path = test_shared_hive(rel);
  if (!path) {
    test_skip("../shared/hives absent");
    return;
  }
  blob b;
  b.d = test_read_file(path, &b.n);
  REQUIRE(b.d);
  uint64_t runs = test_oom_sweep(rel, load_op, &b, 200000);
  printf("  oom sweep %s: %llu runs\n", rel, (unsigned long long)runs);
  CHECK(runs > 1);
  test_free_file(b.d);
}

static void test_oom_sweep_empty_hive(void) { sweep_file("yarp/hives_for_tests/EmptyHive"); }
static void test_oom_sweep_big_data(void) { sweep_file("yarp/hives_for_tests/BigDataHive"); }
static void test_oom_sweep_strings(void) { sweep_file("yarp/hives_for_tests/StringValuesHive"); }
static void test_oom_sweep_delta(void) { sweep_file("yarp/hives_for_tests/System_Delta"); }

static void test_oom_sweep_built(void) {
  /* Independent of ../shared: classes, big data, several sks, an ri. */
  hb_init(&B, 5, "ROOT");
  uint8_t big[20000];
  for (size_t i = 0; i < sizeof big; i++) big[i] = (uint8_t)i;
  uint32_t k[5];
  for (int i = 0; i < 5; i++) {
    char name[4] = {'k', (char)('0' + i), 0, 0};
    k[i] = hb_nk(&B, name, B.root);
  }
  hb_set_subkeys_ri(&B, B.root, k, 5, LF_SIGNATURE, 2);
  hb_set_class(&B, k[1], "c\0", 2);
  uint32_t v[3] = {hb_vk(&B, "big", 3, big, sizeof big), hb_vk(&B, "", 1, "x\0", 2),
                   hb_vk(&B, "d", 4, "1234", 4)};
  hb_set_values(&B, k[2], v, 3);
  D = hb_finish(&B, &N);
  put32(REC_OF(D, B.root) + NK_OFF_MAX_CLASS_LEN, 2);
  blob b = {D, N};
  CHECK(test_oom_sweep("built hive", load_op, &b, 10000) > 10);
  hb_free(&B);
}

int main(void) {
  TEST_RUN(test_key_fields);
  TEST_RUN(test_failure_leaves_tree_empty);
  TEST_RUN(test_oom_sweep_built);
  TEST_RUN(test_oom_sweep_empty_hive);
  TEST_RUN(test_oom_sweep_big_data);
  TEST_RUN(test_oom_sweep_strings);
  TEST_RUN(test_oom_sweep_delta);
  return test_finish();
}
