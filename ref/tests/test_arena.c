/*
 * test_arena.c: the loader's arena (mem.h "arena") and the tree storage forms built on it
 * (tree.h: names stored in the key block, joined value blocks, arena arrays that are copied
 * out when they grow).  Checks exact accounting (chunks are the live blocks, objects count as
 * attempts and allocations, forgetting an object changes nothing until release), fault
 * injection per object, the max_single fallback, and that every tree mutator still works on
 * loader-made keys and ends with zero live bytes.
 */
#include "test.h"
#include "tree.h"

static void init(hr_mem *m, hr_tree *t) {
  mem_init(m, NULL, 0);
  memset(t, 0, sizeof *t);
  t->mem = m;
}

static void test_arena_accounting(void) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  hr_arena a;
  memset(&a, 0, sizeof a);
  bool in;
  uint8_t *p = mem_arena_alloc(&m, &a, 10, &in);
  REQUIRE(p && in);
  CHECK(((uintptr_t)p & 7u) == 0);
  memset(p, 0x11, 10);
  uint64_t chunk_bytes = m.live_bytes;
  CHECK_EQ_U(chunk_bytes, HR_ARENA_CHUNK_SIZE);
  CHECK_EQ_U(m.live_blocks, 1);
  uint8_t *q = mem_arena_alloc(&m, &a, 24, &in);
  REQUIRE(q && in);
  CHECK(q >= p + 16); /* 10 rounded up to 8-byte alignment, no overlap */
  CHECK_EQ_U(m.live_blocks, 1);
  CHECK_EQ_U(m.live_bytes, chunk_bytes);
  CHECK_EQ_U(m.total_allocs, 2);
  mem_arena_forget(&m, p, 10);
  CHECK_EQ_U(m.live_bytes, chunk_bytes); /* deferred */
  /* Above the object limit: a block of its own. */
  uint8_t *big = mem_arena_alloc(&m, &a, HR_ARENA_MAX_OBJECT + 1, &in);
  REQUIRE(big && !in);
  CHECK_EQ_U(m.live_blocks, 2);
  mem_free(&m, big, HR_ARENA_MAX_OBJECT + 1);
  /* Filling past one chunk takes a second one. */
  uint64_t n = HR_ARENA_CHUNK_SIZE / HR_ARENA_MAX_OBJECT + 1;
  for (uint64_t i = 0; i < n; i++) REQUIRE(mem_arena_alloc(&m, &a, HR_ARENA_MAX_OBJECT, &in));
  CHECK_EQ_U(m.live_blocks, 2);
  CHECK_EQ_U(m.live_bytes, 3 * HR_ARENA_CHUNK_SIZE); /* the second chunk is twice the first */
  mem_arena_release(&m, &a);
  CHECK_EQ_U(m.live_blocks, 0);
  CHECK_EQ_U(m.live_bytes, 0);
  CHECK(a.head == NULL);
  mem_arena_release(&m, &a); /* empty arena: no-op */
  CHECK_EQ_U(m.live_bytes, 0);
}

static void test_arena_injection_and_limits(void) {
  hr_mem m;
  mem_init(&m, NULL, 0);
  hr_arena a;
  memset(&a, 0, sizeof a);
  bool in;
  REQUIRE(mem_arena_alloc(&m, &a, 8, &in));
  uint64_t att = m.attempts, fails = m.failures, live = m.live_bytes;
  mem_fail_after(&m, 1, false);
  CHECK(mem_arena_alloc(&m, &a, 8, &in) == NULL); /* served from a chunk, still injected */
  CHECK_EQ_U(m.attempts, att + 1);
  CHECK_EQ_U(m.failures, fails + 1);
  CHECK_EQ_U(m.live_bytes, live);
  CHECK(mem_arena_alloc(&m, &a, 8, &in) != NULL); /* once only */
  mem_arena_release(&m, &a);
  CHECK_EQ_U(m.live_bytes, 0);

  /* A budget below one chunk (max_single above it): the chunk request fails cleanly. */
  HROpenOptions o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  o.mem_budget = 4096;
  o.max_single_alloc = (uint64_t)1 << 30;
  mem_init(&m, &o, 0);
  CHECK(mem_arena_alloc(&m, &a, 8, &in) == NULL);
  CHECK_EQ_U(m.live_bytes, 0);
  CHECK(a.head == NULL);

  /* max_single below a chunk: every object is a plain block. */
  o.mem_budget = 1 << 20;
  o.max_single_alloc = 1024;
  mem_init(&m, &o, 0);
  void *p = mem_arena_alloc(&m, &a, 100, &in);
  REQUIRE(p && !in);
  CHECK_EQ_U(m.live_bytes, 100);
  mem_free(&m, p, 100);
  CHECK(a.head == NULL);
  CHECK_EQ_U(m.live_bytes, 0);
}

static const uint8_t SD1[20] = {1, 0, 0x00, 0x80};

/* A key as the loader makes it: arena block, exact arrays, joined values. */
static hr_key *loader_key(hr_tree *t, const char *name, uint32_t n_values, uint32_t n_sub) {
  uint32_t len = (uint32_t)strlen(name);
  hr_key *k = tree_key_alloc(t, len, true);
  if (!k) return NULL;
  memcpy(k->name, W(name), (size_t)len * 2);
  if (tree_key_reserve_values(t, k, n_values) != ERROR_SUCCESS ||
      tree_key_reserve_subkeys(t, k, n_sub) != ERROR_SUCCESS) {
    tree_key_free(t, k);
    return NULL;
  }
  return k;
}

static hr_status add_joined(hr_tree *t, hr_key *k, const char *name, const char *data) {
  uint32_t nl = (uint32_t)strlen(name), dl = (uint32_t)strlen(data);
  hr_value *v;
  hr_status st = tree_append_value_joined(t, k, nl, 1, dl, 0, NULL, &v);
  if (st != ERROR_SUCCESS) return st;
  if (nl) memcpy(v->name, W(name), (size_t)nl * 2);
  if (dl) memcpy(v->data, data, dl);
  return ERROR_SUCCESS;
}

static void test_tree_on_loader_keys(void) {
  hr_mem m;
  hr_tree t;
  init(&m, &t);
  hr_sd *sd = tree_sd_new(&t, SD1, sizeof SD1);
  REQUIRE(sd);
  hr_key *root = loader_key(&t, "ROOT", 2, 1);
  REQUIRE(root);
  CHECK(root->arena_bits == (TREE_ARENA_KEY | TREE_ARENA_VALUES | TREE_ARENA_SUBKEYS));
  CHECK(root->name_inline && root->name == root->name_buf && root->name_len == 4);
  tree_key_set_sd(&t, root, sd);
  t.root = root;
  REQUIRE_OK(add_joined(&t, root, "", "dflt"));
  REQUIRE_OK(add_joined(&t, root, "Alpha", ""));
  CHECK(root->values[0].joined == 2 && root->values[0].name == NULL);
  CHECK(root->values[1].data == NULL && root->values[1].name_len == 5);
  hr_key *b = loader_key(&t, "b", 1, 0);
  REQUIRE(b);
  tree_key_set_sd(&t, b, sd);
  REQUIRE_OK(tree_append_subkey(&t, root, b));
  REQUIRE_OK(add_joined(&t, b, "x", "1234"));

  /* Growth copies the arena arrays out; the flags follow. */
  REQUIRE_OK(tree_set_value(&t, root, W("Beta"), 4, 3, (const uint8_t *)"zz", 2));
  CHECK(!(root->arena_bits & TREE_ARENA_VALUES));
  CHECK_EQ_U(root->n_values, 3);
  CHECK(root->values[1].name_len == 5 && memcmp(root->values[1].name, W("Alpha"), 10) == 0);
  hr_key *a = tree_key_new(&t, W("a"), 1);
  REQUIRE(a);
  tree_key_set_sd(&t, a, sd);
  REQUIRE_OK(tree_insert_subkey(&t, root, a, 0));
  CHECK(!(root->arena_bits & TREE_ARENA_SUBKEYS));
  CHECK(root->subkeys[1] == b && b->parent == root);

  /* Replacing a joined value's data keeps its name. */
  REQUIRE_OK(tree_set_value(&t, b, W("X"), 1, 4, (const uint8_t *)"abcdefgh", 8));
  CHECK(b->values[0].joined == 0 && b->values[0].size == 8 && b->values[0].name[0] == 'x');
  CHECK(memcmp(b->values[0].data, "abcdefgh", 8) == 0);
  REQUIRE_OK(tree_set_value(&t, root, W(""), 0, 4, NULL, 0));
  CHECK(root->values[0].joined == 0 && root->values[0].data == NULL);

  /* Renames: longer than the key block's name goes to a block, shorter fits back. */
  REQUIRE_OK(tree_key_set_name(&t, b, W("bbbbbb"), 6));
  CHECK(!b->name_inline && b->name_len == 6);
  tree_resort_child(root, 1);
  REQUIRE_OK(tree_key_set_name(&t, b, W("c"), 1));
  CHECK(b->name_inline && b->name == b->name_buf && b->name[0] == 'c');
  HRDiagnostic d;
  CHECK_ERR(tree_check(&t, &d), ERROR_SUCCESS);

  /* Deleting values and a loader key: the arena part is deferred, the rest freed now. */
  tree_delete_value(&t, root, 1);
  CHECK_EQ_U(root->n_values, 2);
  tree_remove_subkey(root, 1);
  tree_key_free(&t, b);
  CHECK_ERR(tree_check(&t, &d), ERROR_SUCCESS);
  tree_free(&t);
  CHECK_EQ_U(m.live_bytes, 0);
  CHECK_EQ_U(m.live_blocks, 0);
}

/* Every mutator above is atomic under injected failures on loader keys. */
static DWORD oom_op(void *ctx, uint64_t fail_at, bool *injected) {
  (void)ctx;
  hr_mem m;
  hr_tree t;
  init(&m, &t);
  DWORD st = ERROR_NOT_ENOUGH_MEMORY;
  mem_fail_after(&m, fail_at, false);
  hr_sd *sd = tree_sd_new(&t, SD1, sizeof SD1);
  hr_key *root = sd ? loader_key(&t, "ROOT", 1, 1) : NULL;
  if (root) {
    tree_key_set_sd(&t, root, sd);
    t.root = root;
    hr_key *b = loader_key(&t, "b", 0, 0);
    if (b) {
      tree_key_set_sd(&t, b, sd);
      if (tree_append_subkey(&t, root, b) != ERROR_SUCCESS) tree_key_free(&t, b);
      else if (add_joined(&t, root, "v", "data") == ERROR_SUCCESS &&
               tree_set_value(&t, root, W("V"), 1, 1, (const uint8_t *)"x", 1) == ERROR_SUCCESS &&
               tree_set_value(&t, root, W("w"), 1, 1, (const uint8_t *)"y", 1) == ERROR_SUCCESS &&
               tree_key_set_name(&t, b, W("longer"), 6) == ERROR_SUCCESS) {
        hr_key *c = tree_key_new(&t, W("a"), 1);
        if (c) {
          tree_key_set_sd(&t, c, sd);
          if (tree_insert_subkey(&t, root, c, 0) == ERROR_SUCCESS) st = ERROR_SUCCESS;
          else tree_key_free(&t, c);
        }
      }
    }
    HRDiagnostic d;
    if (tree_check(&t, &d) != ERROR_SUCCESS) st = ERROR_INVALID_DATA;
    if (st == ERROR_SUCCESS && (root->n_values != 2 || root->n_subkeys != 2))
      st = ERROR_INVALID_DATA;
  }
  *injected = m.failures > 0;
  tree_free(&t);
  if (m.live_bytes || m.live_blocks) st = ERROR_INVALID_DATA;
  return st;
}

static void test_oom(void) {
  uint64_t runs = test_oom_sweep("arena tree mutators", oom_op, NULL, 200);
  CHECK(runs > 8);
}

int main(void) {
  TEST_RUN(test_arena_accounting);
  TEST_RUN(test_arena_injection_and_limits);
  TEST_RUN(test_tree_on_loader_keys);
  TEST_RUN(test_oom);
  return test_finish();
}
