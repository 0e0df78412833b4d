/*
 * test_tree.c: the in-memory model (tree.h): sorted subkeys, value order and replacement,
 * descriptor interning and exact reference counts, rename re-sorting, tree_check catching broken
 * invariants, iterative free of deep trees, and atomic mutators under injected allocation
 * failures.
 */
#include "test.h"
#include "tree.h"

static const uint16_t *U(const char *s) { return W(s); }
static uint32_t L(const char *s) { return (uint32_t)strlen(s); }

static void init(hr_mem *m, hr_tree *t) {
  mem_init(m, NULL, 0);
  memset(t, 0, sizeof *t);
  t->mem = m;
}

static hr_key *add(hr_tree *t, hr_key *parent, const char *name, hr_sd *sd) {
  uint32_t idx;
  if (tree_find_subkey(parent, U(name), L(name), &idx)) return parent->subkeys[idx];
  hr_key *k = tree_key_new(t, U(name), L(name));
  if (!k) return NULL;
  tree_key_set_sd(t, k, sd);
  if (tree_insert_subkey(t, parent, k, idx) != ERROR_SUCCESS) {
    tree_key_free(t, k);
    return NULL;
  }
  return k;
}

static const uint8_t SD1[20] = {1, 0, 0x00, 0x80};
static const uint8_t SD2[20] = {1, 0, 0x04, 0x80};

static void test_sorted_subkeys(void) {
  hr_mem m;
  hr_tree t;
  init(&m, &t);
  t.root = tree_key_new(&t, U("ROOT"), 4);
  REQUIRE(t.root);
  hr_sd *sd = tree_sd_intern(&t, SD1, sizeof SD1);
  REQUIRE(sd);
  tree_key_set_sd(&t, t.root, sd);
  const char *names[] = {"b", "A", "c", "_", "Z", "a0"};
  for (size_t i = 0; i < 6; i++) REQUIRE(add(&t, t.root, names[i], sd));
  CHECK_EQ_U(t.root->n_subkeys, 6);
  const char *want[] = {"A", "a0", "b", "c", "Z", "_"};
  for (uint32_t i = 0; i < 6; i++) {
    hr_key *k = t.root->subkeys[i];
    CHECK(k->name_len == L(want[i]) && memcmp(k->name, U(want[i]), k->name_len * 2) == 0);
    CHECK(k->parent == t.root);
  }
  uint32_t idx;
  CHECK(tree_find_subkey(t.root, U("B"), 1, &idx) && idx == 2);
  CHECK(!tree_find_subkey(t.root, U("bb"), 2, &idx) && idx == 3);
  CHECK_EQ_U(sd->refs, 7);
  HRDiagnostic d;
  CHECK_ERR(tree_check(&t, &d), ERROR_SUCCESS);
  /* Rename "A" to "zz" and re-sort. */
  REQUIRE_OK(tree_key_set_name(&t, t.root->subkeys[0], U("zz"), 2));
  tree_resort_child(t.root, 0);
  CHECK(t.root->subkeys[4]->name_len == 2 && t.root->subkeys[4]->name[0] == 'z');
  CHECK_ERR(tree_check(&t, &d), ERROR_SUCCESS);
  /* Broken order is caught. */
  hr_key *tmp = t.root->subkeys[0];
  t.root->subkeys[0] = t.root->subkeys[1];
  t.root->subkeys[1] = tmp;
  CHECK_ERR(tree_check(&t, &d), ERROR_INVALID_DATA);
  t.root->subkeys[1] = t.root->subkeys[0];
  t.root->subkeys[0] = tmp;
  /* Remove and free one. */
  hr_key *c = t.root->subkeys[2];
  tree_remove_subkey(t.root, 2);
  CHECK(c->parent == NULL);
  tree_key_free(&t, c);
  CHECK_EQ_U(t.root->n_subkeys, 5);
  CHECK_EQ_U(sd->refs, 6);
  uint64_t nk, nv;
  tree_count(t.root, &nk, &nv);
  CHECK_EQ_U(nk, 6);
  tree_free(&t);
  CHECK_EQ_U(m.live_blocks, 0);
}

static void test_values(void) {
  hr_mem m;
  hr_tree t;
  init(&m, &t);
  hr_key *k = tree_key_new(&t, U("k"), 1);
  REQUIRE(k);
  REQUIRE_OK(tree_set_value(&t, k, U("One"), 3, REG_DWORD, (const uint8_t *)"1234", 4));
  REQUIRE_OK(tree_set_value(&t, k, NULL, 0, REG_SZ, NULL, 0));
  REQUIRE_OK(tree_set_value(&t, k, U("two"), 3, REG_BINARY, (const uint8_t *)"xy", 2));
  REQUIRE_OK(tree_set_value(&t, k, U("ONE"), 3, REG_BINARY, (const uint8_t *)"z", 1));
  CHECK_EQ_U(k->n_values, 3);
  CHECK(k->values[0].name[0] == 'O' && k->values[0].name[1] == 'n'); /* first spelling kept */
  CHECK_EQ_U(k->values[0].type, REG_BINARY);
  CHECK_EQ_U(k->values[0].size, 1);
  CHECK_EQ_U(tree_find_value(k, NULL, 0), 1);
  CHECK_EQ_U(tree_find_value(k, U("TWO"), 3), 2);
  CHECK(tree_find_value(k, U("three"), 5) < 0);
  tree_delete_value(&t, k, 1);
  CHECK_EQ_U(k->n_values, 2);
  CHECK_EQ_U(tree_find_value(k, U("two"), 3), 1);
  REQUIRE_OK(tree_key_set_class(&t, k, (const uint8_t *)"c\0l\0", 4));
  REQUIRE_OK(tree_key_set_class(&t, k, NULL, 0));
  CHECK(k->class_data == NULL && k->class_len == 0);
  tree_key_free(&t, k);
  CHECK_EQ_U(m.live_blocks, 0);
}

static void test_sd_interning(void) {
  hr_mem m;
  hr_tree t;
  init(&m, &t);
  hr_sd *a = tree_sd_intern(&t, SD1, sizeof SD1), *b = tree_sd_intern(&t, SD2, sizeof SD2);
  REQUIRE(a && b && a != b);
  CHECK(tree_sd_intern(&t, SD1, sizeof SD1) == a);
  CHECK_EQ_U(t.n_sds, 2);
  hr_key *k1 = tree_key_new(&t, U("a"), 1), *k2 = tree_key_new(&t, U("b"), 1);
  REQUIRE(k1 && k2);
  tree_key_set_sd(&t, k1, a);
  tree_key_set_sd(&t, k2, a);
  CHECK_EQ_U(a->refs, 2);
  tree_key_set_sd(&t, k1, b);
  CHECK_EQ_U(a->refs, 1);
  CHECK_EQ_U(b->refs, 1);
  tree_key_set_sd(&t, k2, b); /* a drops to 0 and is freed */
  CHECK_EQ_U(t.n_sds, 1);
  CHECK_EQ_U(b->refs, 2);
  tree_key_set_sd(&t, k2, b); /* same descriptor: count unchanged */
  CHECK_EQ_U(b->refs, 2);
  tree_key_free(&t, k1);
  tree_key_free(&t, k2);
  CHECK_EQ_U(t.n_sds, 0);
  tree_free(&t);
  CHECK_EQ_U(m.live_blocks, 0);
}

/* A 100,000-deep chain is freed iteratively (no recursion that input depth could drive). */
static void test_deep_free(void) {
  hr_mem m;
  hr_tree t;
  init(&m, &t);
  hr_sd *sd = tree_sd_intern(&t, SD1, sizeof SD1);
  REQUIRE(sd);
  t.root = tree_key_new(&t, U("r"), 1);
  REQUIRE(t.root);
  tree_key_set_sd(&t, t.root, sd);
  hr_key *cur = t.root;
  for (int i = 0; i < 100000; i++) {
    hr_key *c = add(&t, cur, "d", sd);
    REQUIRE(c);
    cur = c;
  }
  uint64_t nk;
  tree_count(t.root, &nk, NULL);
  CHECK_EQ_U(nk, 100001);
  tree_free(&t);
  CHECK_EQ_U(m.live_blocks, 0);
}

/* Every mutator is atomic under allocation failure. */
static void test_mutators_atomic(void) {
  for (uint64_t n = 1; n < 20; n++) {
    hr_mem m;
    hr_tree t;
    init(&m, &t);
    hr_key *k = tree_key_new(&t, U("k"), 1);
    REQUIRE(k);
    REQUIRE_OK(tree_set_value(&t, k, U("v"), 1, REG_DWORD, (const uint8_t *)"1234", 4));
    uint64_t blocks = m.live_blocks;
    mem_fail_after(&m, n, true);
    hr_status s1 = tree_set_value(&t, k, U("w"), 1, REG_DWORD, (const uint8_t *)"5678", 4);
    hr_status s2 = tree_set_value(&t, k, U("v"), 1, REG_BINARY, (const uint8_t *)"99", 2);
    hr_status s3 = tree_key_set_name(&t, k, U("kk"), 2);
    hr_status s4 = tree_key_set_class(&t, k, (const uint8_t *)"c\0", 2);
    mem_fail_after(&m, 0, false);
    if (s1 != ERROR_SUCCESS) {
      CHECK_EQ_U(k->n_values, 1);
    }
    if (s2 != ERROR_SUCCESS) {
      CHECK_EQ_U(k->values[0].type, REG_DWORD);
      CHECK_EQ_U(k->values[0].size, 4);
    }
    if (s3 != ERROR_SUCCESS) CHECK_EQ_U(k->name_len, 1);
    if (s4 != ERROR_SUCCESS) CHECK_EQ_U(k->class_len, 0);
    if (s1 && s2 && s3 && s4) CHECK_EQ_U(m.live_blocks, blocks);
    tree_key_free(&t, k);
    CHECK_EQ_U(m.live_blocks, 0);
  }
}

int main(void) {
  TEST_RUN(test_sorted_subkeys);
  TEST_RUN(test_values);
  TEST_RUN(test_sd_interning);
  TEST_RUN(test_deep_free);
  TEST_RUN(test_mutators_atomic);
  return test_finish();
}
