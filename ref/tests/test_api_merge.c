/*
 * test_api_merge.c: ORMergeHives layering (offreg-api.md §1.21; BEHAVIOUR.md "ORMergeHives"):
 * index 0 is the base, later hives win; tombstone keys and values delete, supersede-local
 * replaces a key's values, supersede-tree replaces a subtree; the result is independent.
 */
#include "api.h"
#include "api_testlib.h"
#include "layout.h"

/* Sets layer bits / value flags directly (the API has no call for them; the loader does). */
static void set_layer(ORHKEY root, const char *path, uint8_t layer) {
  ORHKEY k;
  if (OROpenKey(root, W(path), &k) != ERROR_SUCCESS) {
    test_fail(__FILE__, __LINE__, "open %s", path);
    return;
  }
  hr_ref r;
  if (handle_enter(k, &r) == ERROR_SUCCESS) {
    r.key->layer = layer;
    handle_leave(&r);
  }
  ORCloseKey(k);
}

static void tombstone_value(ORHKEY key, const char *name) {
  if (ORSetValue(key, W(name), REG_NONE, NULL, 0) != ERROR_SUCCESS) return;
  hr_ref r;
  if (handle_enter(key, &r) == ERROR_SUCCESS) {
    int64_t i = tree_find_value(r.key, W(name), (uint32_t)strlen(name));
    if (i >= 0) r.key->values[i].flags = VK_FLAG_TOMBSTONE;
    handle_leave(&r);
  }
}

static ORHKEY mk(ORHKEY root, const char *path) {
  ORHKEY k = NULL;
  if (ORCreateKey(root, W(path), NULL, 0, NULL, &k, NULL) != ERROR_SUCCESS)
    test_fail(__FILE__, __LINE__, "create %s", path);
  return k;
}

static DWORD get_dword(ORHKEY root, const char *key, const char *val, DWORD *out) {
  DWORD cb = 4;
  return ORGetValue(root, W(key), W(val), NULL, out, &cb);
}

static void test_merge_layers(void) {
  ORHKEY base, delta, k;
  REQUIRE_OK(ORCreateHive(&base));
  REQUIRE_OK(ORCreateHive(&delta));
  DWORD one = 1, two = 2, ten = 10, three = 3;
  k = mk(base, "A");
  ORSetValue(k, W("v1"), REG_DWORD, (BYTE *)&one, 4);
  ORSetValue(k, W("v2"), REG_DWORD, (BYTE *)&two, 4);
  ORCloseKey(k);
  ORCloseKey(mk(base, "B\\C"));
  REQUIRE_OK(ORCreateKey(base, W("D"), W("dclass"), 0, NULL, &k, NULL));
  ORSetValue(k, W("old"), REG_DWORD, (BYTE *)&one, 4);
  ORCloseKey(k);
  ORCloseKey(mk(base, "E\\OldChild"));
  k = mk(base, "H");
  ORSetValue(k, W("keep"), REG_DWORD, (BYTE *)&one, 4);
  ORCloseKey(k);
  REQUIRE_OK(ORCreateKey(base, W("I"), W("iclass"), 0, NULL, &k, NULL));
  ORCloseKey(k);

  k = mk(delta, "A");
  ORSetValue(k, W("v1"), REG_DWORD, (BYTE *)&ten, 4);
  tombstone_value(k, "v2");
  ORSetValue(k, W("v3"), REG_DWORD, (BYTE *)&three, 4);
  ORCloseKey(k);
  ORCloseKey(mk(delta, "B"));
  set_layer(delta, "B", NK_LAYER_TOMBSTONE);
  k = mk(delta, "D");
  ORSetValue(k, W("x"), REG_DWORD, (BYTE *)&three, 4);
  ORCloseKey(k);
  set_layer(delta, "D", NK_LAYER_SUPERSEDE_LOCAL);
  ORCloseKey(mk(delta, "E\\F"));
  set_layer(delta, "E", NK_LAYER_SUPERSEDE_TREE);
  set_layer(delta, "E\\F", NK_LAYER_SUPERSEDE_TREE);
  ORCloseKey(mk(delta, "G"));
  ORCloseKey(mk(delta, "I"));
  set_layer(delta, "I", NK_LAYER_INHERIT_CLASS);
  ORCloseKey(mk(delta, "Gone")); /* tombstone of a key absent below: no effect */
  set_layer(delta, "Gone", NK_LAYER_TOMBSTONE);

  char *b0 = test_dump_hive(base), *d0 = test_dump_hive(delta);
  ORHKEY in[2] = {base, delta}, m;
  REQUIRE_OK(ORMergeHives(in, 2, &m));
  char *b1 = test_dump_hive(base), *d1 = test_dump_hive(delta);
  CHECK(strcmp(b0, b1) == 0 && strcmp(d0, d1) == 0); /* inputs untouched */
  free(b0);
  free(b1);
  free(d0);
  free(d1);
  CHECK(test_tree_ok(m));
  DWORD v;
  CHECK(get_dword(m, "A", "v1", &v) == ERROR_SUCCESS && v == 10);
  CHECK_ERR(get_dword(m, "A", "v2", &v), ERROR_FILE_NOT_FOUND);
  CHECK(get_dword(m, "A", "v3", &v) == ERROR_SUCCESS && v == 3);
  CHECK_ERR(OROpenKey(m, W("B"), &k), ERROR_FILE_NOT_FOUND);
  CHECK_ERR(get_dword(m, "D", "old", &v), ERROR_FILE_NOT_FOUND);
  CHECK(get_dword(m, "D", "x", &v) == ERROR_SUCCESS && v == 3);
  DWORD cc = 0;
  REQUIRE_OK(OROpenKey(m, W("D"), &k));
  REQUIRE_OK(ORQueryInfoKey(k, NULL, &cc, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(cc, 0); /* the upper layer's (empty) class wins */
  ORCloseKey(k);
  REQUIRE_OK(OROpenKey(m, W("I"), &k));
  REQUIRE_OK(ORQueryInfoKey(k, NULL, &cc, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(cc, 6); /* InheritClass keeps "iclass" */
  ORCloseKey(k);
  CHECK_ERR(OROpenKey(m, W("E\\OldChild"), &k), ERROR_FILE_NOT_FOUND);
  REQUIRE_OK(OROpenKey(m, W("E\\F"), &k));
  ORCloseKey(k);
  REQUIRE_OK(OROpenKey(m, W("G"), &k));
  ORCloseKey(k);
  CHECK_ERR(OROpenKey(m, W("Gone"), &k), ERROR_FILE_NOT_FOUND);
  CHECK(get_dword(m, "H", "keep", &v) == ERROR_SUCCESS && v == 1);
  {
    hr_ref r;
    REQUIRE_OK(handle_enter(m, &r));
    CHECK_EQ_U(r.hive->tree.root->layer, 0);
    CHECK_EQ_U(r.hive->tree.n_sds, 1);
    handle_leave(&r);
  }
  /* Independent of the inputs. */
  ORCloseHive(base);
  ORCloseHive(delta);
  CHECK(get_dword(m, "A", "v1", &v) == ERROR_SUCCESS && v == 10);
  CHECK_ERR(ORCloseHive(m), ERROR_SUCCESS);
}

static void test_merge_order_and_errors(void) {
  ORHKEY h[3], m, k;
  for (int i = 0; i < 3; i++) {
    REQUIRE_OK(ORCreateHive(&h[i]));
    DWORD v = (DWORD)i;
    REQUIRE_OK(ORSetValue(h[i], W("who"), REG_DWORD, (BYTE *)&v, 4));
  }
  REQUIRE_OK(ORMergeHives(h, 3, &m));
  DWORD v = 99, cb = 4;
  REQUIRE_OK(ORGetValue(m, NULL, W("who"), NULL, &v, &cb));
  CHECK_EQ_U(v, 2); /* the last hive wins */
  ORCloseHive(m);
  REQUIRE_OK(ORMergeHives(h, 1, &m)); /* one hive: a copy */
  char *a = test_logical_dump(h[0]), *b = test_logical_dump(m);
  CHECK(strcmp(a, b) == 0);
  free(a);
  free(b);
  ORCloseHive(m);
  m = (ORHKEY)1;
  CHECK_ERR(ORMergeHives(h, 0, &m), ERROR_INVALID_PARAMETER);
  CHECK(m == NULL);
  CHECK_ERR(ORMergeHives(NULL, 2, &m), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORMergeHives(h, 2, NULL), ERROR_INVALID_PARAMETER);
  REQUIRE_OK(ORCreateKey(h[1], W("K"), NULL, 0, NULL, &k, NULL));
  ORHKEY bad[2] = {h[0], k};
  CHECK_ERR(ORMergeHives(bad, 2, &m), ERROR_INVALID_PARAMETER);
  bad[1] = (ORHKEY)0x1234;
  CHECK_ERR(ORMergeHives(bad, 2, &m), ERROR_INVALID_HANDLE);
  ORCloseKey(k);
  for (int i = 0; i < 3; i++) ORCloseHive(h[i]);
}

/* A real Windows delta hive (yarp System_Delta, Minor 6 with layered keys) over an empty base. */
static void test_merge_system_delta(void) {
  const char *p = test_shared_hive("yarp/hives_for_tests/System_Delta");
  if (!p) {
    test_skip("../shared/hives absent");
    return;
  }
  ORHKEY base, delta, m;
  DWORD st = HROpenHiveUtf8(p, NULL, &delta, NULL);
  if (st != ERROR_SUCCESS) {
    test_skip("System_Delta does not open");
    return;
  }
  REQUIRE_OK(ORCreateHive(&base));
  ORHKEY in[2] = {base, delta};
  REQUIRE_OK(ORMergeHives(in, 2, &m));
  CHECK(test_tree_ok(m));
  /* Tombstones are gone from the result. */
  {
    hr_ref r;
    REQUIRE_OK(handle_enter(m, &r));
    const hr_key *stack[600];
    uint32_t next[600], depth = 1;
    stack[0] = r.hive->tree.root;
    next[0] = 0;
    while (depth) {
      const hr_key *k = stack[depth - 1];
      if (next[depth - 1] == 0) {
        CHECK_EQ_U(k->layer, 0);
        for (uint32_t i = 0; i < k->n_values; i++) CHECK_EQ_U(k->values[i].flags, 0);
      }
      if (next[depth - 1] >= k->n_subkeys || depth >= 599) {
        depth--;
        continue;
      }
      stack[depth] = k->subkeys[next[depth - 1]++];
      next[depth++] = 0;
    }
    handle_leave(&r);
  }
  ORCloseHive(m);
  ORCloseHive(base);
  ORCloseHive(delta);
}

int main(void) {
  TEST_RUN(test_merge_layers);
  TEST_RUN(test_merge_order_and_errors);
  TEST_RUN(test_merge_system_delta);
  return test_finish();
}
