/*
 * test_api_key.c: ORCreateKey, OROpenKey, ORCloseKey, ORDeleteKey, ORRenameKey
 * (offreg-api.md §1.0 root-key rules, §1.5-§1.8, §1.22, §2.1, §2.2; BEHAVIOUR.md).
 */
#include "api.h"
#include "api_testlib.h"
#include "layout.h"

static ORHKEY new_hive(void) {
  ORHKEY h = NULL;
  if (ORCreateHive(&h) != ERROR_SUCCESS) return NULL;
  return h;
}

/* §1.0: the four root-key cases give ERROR_INVALID_PARAMETER. */
static void test_root_key_rules(void) {
  ORHKEY root = new_hive(), k = (ORHKEY)1;
  REQUIRE(root);
  /* 1. ORCreateKey cannot return the root. */
  CHECK_ERR(ORCreateKey(root, W(""), NULL, 0, NULL, &k, NULL), ERROR_INVALID_PARAMETER);
  CHECK(k == NULL);
  CHECK_ERR(ORCreateKey(root, W("\\\\"), NULL, 0, NULL, &k, NULL), ERROR_BAD_PATHNAME);
  /* 2. OROpenKey cannot return the root: NULL and "". */
  k = (ORHKEY)1;
  CHECK_ERR(OROpenKey(root, NULL, &k), ERROR_INVALID_PARAMETER);
  CHECK(k == NULL);
  CHECK_ERR(OROpenKey(root, W(""), &k), ERROR_INVALID_PARAMETER);
  /* 3. ORCloseKey cannot close the root. */
  CHECK_ERR(ORCloseKey(root), ERROR_INVALID_PARAMETER);
  /* 4. ORDeleteKey cannot delete the root (NULL and ""). */
  CHECK_ERR(ORDeleteKey(root, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORDeleteKey(root, W("")), ERROR_INVALID_PARAMETER);
  /* The root still works after all of that. */
  ORHKEY a;
  REQUIRE_OK(ORCreateKey(root, W("A"), NULL, 0, NULL, &a, NULL));
  /* Root rules from a non-root handle: no path leads back up, and the root cannot be renamed. */
  CHECK_ERR(ORRenameKey(root, W("X")), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORCloseKey(a), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_create_open_basic(void) {
  ORHKEY root = new_hive(), a, b, c;
  REQUIRE(root);
  DWORD disp = 0;
  REQUIRE_OK(ORCreateKey(root, W("Software"), NULL, 0, NULL, &a, &disp));
  CHECK_EQ_U(disp, REG_CREATED_NEW_KEY);
  REQUIRE_OK(ORCreateKey(root, W("SOFTWARE"), NULL, 0, NULL, &b, &disp));
  CHECK_EQ_U(disp, REG_OPENED_EXISTING_KEY); /* case-insensitive, §1.6 */
  CHECK(a != b);                            /* a second, independent handle */
  REQUIRE_OK(OROpenKey(root, W("software"), &c));
  DWORD n = 0;
  REQUIRE_OK(ORQueryInfoKey(root, NULL, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(n, 1); /* re-creating does not add a key ([3P-EMP] OffregLib RegHiveCreate) */
  /* The stored name keeps the first spelling. */
  uint16_t name[300];
  DWORD cn = 300;
  REQUIRE_OK(OREnumKey(root, 0, name, &cn, NULL, NULL, NULL));
  CHECK(test_weq(name, "Software"));
  /* pdwDisposition is optional. */
  ORHKEY d;
  REQUIRE_OK(ORCreateKey(a, W("X"), NULL, 0, NULL, &d, NULL));
  CHECK_ERR(ORCloseKey(d), ERROR_SUCCESS);
  /* NULL subkey / NULL result. */
  CHECK_ERR(ORCreateKey(root, NULL, NULL, 0, NULL, &d, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORCreateKey(root, W("Y"), NULL, 0, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(OROpenKey(root, W("Y"), NULL), ERROR_INVALID_PARAMETER);
  /* Missing key: ERROR_FILE_NOT_FOUND. */
  d = (ORHKEY)1;
  CHECK_ERR(OROpenKey(root, W("Nope"), &d), ERROR_FILE_NOT_FOUND);
  CHECK(d == NULL);
  CHECK_ERR(ORCloseKey(a), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(b), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(c), ERROR_SUCCESS);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* §1.7 IMPLEMENTATION-DEFINED: NULL/"" on a non-root handle returns the same handle value. */
static void test_open_same_handle(void) {
  ORHKEY root = new_hive(), a, s;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("A"), NULL, 0, NULL, &a, NULL));
  REQUIRE_OK(OROpenKey(a, NULL, &s));
  CHECK(s == a);
  REQUIRE_OK(OROpenKey(a, W(""), &s));
  CHECK(s == a);
  CHECK_ERR(ORCloseKey(s), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(a), ERROR_INVALID_HANDLE); /* it was the same handle */
  /* ORCreateKey(non-root, "") opens a NEW handle to the same key (Win32 RegCreateKeyEx). */
  REQUIRE_OK(OROpenKey(root, W("A"), &a));
  DWORD disp;
  REQUIRE_OK(ORCreateKey(a, W(""), NULL, 0, NULL, &s, &disp));
  CHECK(s != a);
  CHECK_EQ_U(disp, REG_OPENED_EXISTING_KEY);
  CHECK_ERR(ORCloseKey(s), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(a), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_multilevel_paths(void) {
  ORHKEY root = new_hive(), k, o;
  REQUIRE(root);
  DWORD disp;
  REQUIRE_OK(ORCreateKey(root, W("A\\B\\C"), NULL, 0, NULL, &k, &disp));
  CHECK_EQ_U(disp, REG_CREATED_NEW_KEY);
  CHECK_ERR(ORCloseKey(k), ERROR_SUCCESS);
  REQUIRE_OK(OROpenKey(root, W("a\\b\\c"), &o));
  CHECK_ERR(ORCloseKey(o), ERROR_SUCCESS);
  /* [3P-EMP] OffregLib KeyOpenMulti: a missing middle component fails. */
  CHECK_ERR(OROpenKey(root, W("A\\X\\C"), &o), ERROR_FILE_NOT_FOUND);
  /* Trailing separators are ignored (Win32 parity); leading and doubled are bad paths. */
  REQUIRE_OK(OROpenKey(root, W("A\\B\\\\"), &o));
  CHECK_ERR(ORCloseKey(o), ERROR_SUCCESS);
  CHECK_ERR(OROpenKey(root, W("\\A"), &o), ERROR_BAD_PATHNAME);
  CHECK_ERR(OROpenKey(root, W("A\\\\B"), &o), ERROR_BAD_PATHNAME);
  CHECK_ERR(ORCreateKey(root, W("\\Z"), NULL, 0, NULL, &o, NULL), ERROR_BAD_PATHNAME);
  CHECK_ERR(ORCreateKey(root, W("Z\\\\Y"), NULL, 0, NULL, &o, NULL), ERROR_BAD_PATHNAME);
  REQUIRE_OK(ORCreateKey(root, W("Z\\"), NULL, 0, NULL, &o, &disp));
  CHECK_EQ_U(disp, REG_CREATED_NEW_KEY);
  CHECK_ERR(ORCloseKey(o), ERROR_SUCCESS);
  REQUIRE_OK(OROpenKey(root, W("Z"), &o));
  CHECK_ERR(ORCloseKey(o), ERROR_SUCCESS);
  /* Relative to a non-root handle. */
  REQUIRE_OK(OROpenKey(root, W("A"), &k));
  REQUIRE_OK(OROpenKey(k, W("B\\C"), &o));
  CHECK_ERR(ORCloseKey(o), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(k), ERROR_SUCCESS);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* §2.1 / [3P-EMP] OffregLib: 255 accepted, 257 refused; 256 refused on write too (the MSDN
 * limit; IMPLEMENTATION-DEFINED); a component with '\' is a separator, so it cannot occur. */
static void test_name_lengths(void) {
  static uint16_t nm[300];
  ORHKEY root = new_hive(), k;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, test_wfill(nm, 255, 'a'), NULL, 0, NULL, &k, NULL));
  CHECK_ERR(ORCloseKey(k), ERROR_SUCCESS);
  REQUIRE_OK(OROpenKey(root, test_wfill(nm, 255, 'A'), &k));
  CHECK_ERR(ORCloseKey(k), ERROR_SUCCESS);
  CHECK_ERR(ORCreateKey(root, test_wfill(nm, 256, 'b'), NULL, 0, NULL, &k, NULL),
            ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORCreateKey(root, test_wfill(nm, 257, 'c'), NULL, 0, NULL, &k, NULL),
            ERROR_INVALID_PARAMETER);
  /* A too-long name cannot exist, so opening it is "not found". */
  CHECK_ERR(OROpenKey(root, test_wfill(nm, 257, 'c'), &k), ERROR_FILE_NOT_FOUND);
  /* Rename limits. */
  REQUIRE_OK(ORCreateKey(root, W("R"), NULL, 0, NULL, &k, NULL));
  REQUIRE_OK(ORRenameKey(k, test_wfill(nm, 255, 'r')));
  CHECK_ERR(ORRenameKey(k, test_wfill(nm, 256, 'r')), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORRenameKey(k, W("")), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORRenameKey(k, W("a\\b")), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORRenameKey(k, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORCloseKey(k), ERROR_SUCCESS);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* A 256-unit name can come from a loaded hive (the read limit, regf §9): it opens and deletes by
 * name, while ORCreateKey (the write limit, 255) refuses to name it. */
static void test_loaded_256_name(void) {
  static uint16_t nm[300];
  ORHKEY root, k, o;
  REQUIRE_OK(ORCreateHive(&root));
  REQUIRE_OK(ORCreateKey(root, W("short"), NULL, 0, NULL, &k, NULL));
  {
    hr_ref r;
    REQUIRE_OK(handle_enter(k, &r));
    REQUIRE_OK(tree_key_set_name(&r.hive->tree, r.key, test_wfill(nm, 256, 'n'), 256));
    handle_leave(&r);
  }
  ORCloseKey(k);
  REQUIRE_OK(OROpenKey(root, test_wfill(nm, 256, 'N'), &o));
  CHECK_ERR(ORCloseKey(o), ERROR_SUCCESS);
  uint16_t out[300];
  DWORD cn = 257;
  REQUIRE_OK(OREnumKey(root, 0, out, &cn, NULL, NULL, NULL));
  CHECK_EQ_U(cn, 256);
  CHECK_ERR(ORCreateKey(root, test_wfill(nm, 256, 'n'), NULL, 0, NULL, &o, NULL),
            ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORDeleteKey(root, test_wfill(nm, 256, 'n')), ERROR_SUCCESS);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* §2.1: up to 32 levels per call; 512 keys deep counting the root (IMPLEMENTATION-DEFINED; the
 * real DLL stopped near 508, OffregLib KeyCreateMaxLevels). */
static void test_depth_limits(void) {
  static uint16_t path[33 * 3 + 1];
  ORHKEY root = new_hive(), k, cur;
  REQUIRE(root);
  for (int n = 32; n <= 33; n++) {
    size_t j = 0;
    for (int i = 0; i < n; i++) {
      if (i) path[j++] = '\\';
      path[j++] = (uint16_t)(n == 32 ? 'p' : 'q');
    }
    path[j] = 0;
    DWORD st = ORCreateKey(root, path, NULL, 0, NULL, &k, NULL);
    if (n == 32) {
      CHECK_ERR(st, ERROR_SUCCESS);
      if (st == ERROR_SUCCESS) ORCloseKey(k);
    } else {
      CHECK_ERR(st, ERROR_INVALID_PARAMETER);
    }
  }
  /* Depth: root = 1; keys at depth 2..512 can be created, 513 cannot. */
  REQUIRE_OK(ORCreateKey(root, W("d"), NULL, 0, NULL, &cur, NULL));
  for (int depth = 3; depth <= 512; depth++) {
    DWORD st = ORCreateKey(cur, W("d"), NULL, 0, NULL, &k, NULL);
    if (st != ERROR_SUCCESS) {
      CHECK_ERR(st, ERROR_SUCCESS);
      fprintf(stderr, "depth %d\n", depth);
      break;
    }
    ORCloseKey(cur);
    cur = k;
  }
  CHECK_ERR(ORCreateKey(cur, W("d"), NULL, 0, NULL, &k, NULL), ERROR_INVALID_PARAMETER);
  /* Opening existing keys is not limited by the depth rule. */
  ORHKEY up;
  REQUIRE_OK(OROpenKey(root, W("d\\d\\d"), &up));
  CHECK_ERR(ORCloseKey(up), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(cur), ERROR_SUCCESS);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_delete_key(void) {
  ORHKEY root = new_hive(), a, b;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("A\\B"), NULL, 0, NULL, &b, NULL));
  CHECK_ERR(ORCloseKey(b), ERROR_SUCCESS);
  /* §1.8: a key with subkeys: ERROR_KEY_HAS_CHILDREN; missing: ERROR_FILE_NOT_FOUND. */
  CHECK_ERR(ORDeleteKey(root, W("A")), ERROR_KEY_HAS_CHILDREN);
  CHECK_ERR(ORDeleteKey(root, W("Missing")), ERROR_FILE_NOT_FOUND);
  CHECK_ERR(ORDeleteKey(root, W("A\\Missing")), ERROR_FILE_NOT_FOUND);
  CHECK_ERR(ORDeleteKey(root, W("a\\b")), ERROR_SUCCESS); /* case-insensitive, multi-level */
  CHECK_ERR(OROpenKey(root, W("A\\B"), &b), ERROR_FILE_NOT_FOUND);
  /* §1.8 [3P-EMP] KeyDeleteSelf: NULL deletes the handle's own key. */
  REQUIRE_OK(OROpenKey(root, W("A"), &a));
  CHECK_ERR(ORDeleteKey(a, NULL), ERROR_SUCCESS);
  CHECK_ERR(OROpenKey(root, W("A"), &b), ERROR_FILE_NOT_FOUND);
  CHECK_ERR(ORCloseKey(a), ERROR_SUCCESS);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* §1.8: "Only the ORCloseKey function may be called on a deleted key; all other offline
 * registry operations fail" -> ERROR_KEY_DELETED (Wine test_deleted_key parity). */
static void test_deleted_key_semantics(void) {
  ORHKEY root = new_hive(), a, a2, o;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("A"), NULL, 0, NULL, &a, NULL));
  REQUIRE_OK(OROpenKey(root, W("A"), &a2));
  REQUIRE_OK(ORSetValue(a, W("v"), REG_DWORD, (const BYTE *)"\1\0\0\0", 4));
  CHECK_ERR(ORDeleteKey(root, W("A")), ERROR_SUCCESS);
  CHECK(test_tree_ok(root));
  uint16_t nm[64];
  DWORD cn = 64, cb = 64, t, flags;
  BYTE data[64];
  CHECK_ERR(OROpenKey(a, W("x"), &o), ERROR_KEY_DELETED);
  CHECK_ERR(OROpenKey(a, NULL, &o), ERROR_KEY_DELETED);
  CHECK_ERR(ORCreateKey(a, W("x"), NULL, 0, NULL, &o, NULL), ERROR_KEY_DELETED);
  CHECK_ERR(ORSetValue(a, W("v"), REG_SZ, NULL, 0), ERROR_KEY_DELETED);
  CHECK_ERR(ORGetValue(a, NULL, W("v"), &t, data, &cb), ERROR_KEY_DELETED);
  CHECK_ERR(ORDeleteValue(a, W("v")), ERROR_KEY_DELETED);
  CHECK_ERR(OREnumKey(a, 0, nm, &cn, NULL, NULL, NULL), ERROR_KEY_DELETED);
  CHECK_ERR(OREnumValue(a, 0, nm, &cn, NULL, NULL, NULL), ERROR_KEY_DELETED);
  CHECK_ERR(ORQueryInfoKey(a, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            ERROR_KEY_DELETED);
  CHECK_ERR(ORDeleteKey(a, NULL), ERROR_KEY_DELETED);
  CHECK_ERR(ORRenameKey(a, W("B")), ERROR_KEY_DELETED);
  cb = 64;
  CHECK_ERR(ORGetKeySecurity(a, OWNER_SECURITY_INFORMATION, data, &cb), ERROR_KEY_DELETED);
  CHECK_ERR(ORSetKeySecurity(a, OWNER_SECURITY_INFORMATION, (PSECURITY_DESCRIPTOR)hive_default_sd),
            ERROR_KEY_DELETED);
  CHECK_ERR(ORGetVirtualFlags(a, &flags), ERROR_KEY_DELETED);
  CHECK_ERR(ORSetVirtualFlags(a, 2), ERROR_KEY_DELETED);
  CHECK_ERR(ORSaveHive(a, W("./never_written.hiv"), 6, 1), ERROR_KEY_DELETED);
  CHECK(!test_file_exists("./never_written.hiv"));
  /* A new key of the same name is a different key. */
  REQUIRE_OK(ORCreateKey(root, W("A"), NULL, 0, NULL, &o, NULL));
  DWORD nv = 9;
  REQUIRE_OK(ORQueryInfoKey(o, NULL, NULL, NULL, NULL, NULL, &nv, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(nv, 0);
  CHECK_ERR(ORCloseKey(o), ERROR_SUCCESS);
  /* ORCloseKey works on both handles; the deleted key is freed with the last one. */
  CHECK_ERR(ORCloseKey(a), ERROR_SUCCESS);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseKey(a2), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(a2), ERROR_INVALID_HANDLE);
  CHECK(test_tree_ok(root));
  /* A deleted key still open at ORCloseHive is freed with the hive (the audit checks it). */
  REQUIRE_OK(ORCreateKey(root, W("Z"), NULL, 0, NULL, &a, NULL));
  CHECK_ERR(ORDeleteKey(a, W("")), ERROR_SUCCESS);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
  CHECK_ERR(ORCloseKey(a), ERROR_INVALID_HANDLE);
}

static void test_rename_key(void) {
  ORHKEY root = new_hive(), a, b, c;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("Alpha"), NULL, 0, NULL, &a, NULL));
  REQUIRE_OK(ORCreateKey(root, W("Beta"), NULL, 0, NULL, &b, NULL));
  REQUIRE_OK(ORCreateKey(a, W("Child"), NULL, 0, NULL, &c, NULL));
  CHECK_ERR(ORRenameKey(a, W("BETA")), ERROR_ALREADY_EXISTS);
  CHECK_ERR(ORRenameKey(a, W("ALPHA")), ERROR_SUCCESS); /* case change of itself */
  CHECK_ERR(ORRenameKey(a, W("Zeta")), ERROR_SUCCESS);
  uint16_t nm[64];
  DWORD cn = 64;
  REQUIRE_OK(OREnumKey(root, 0, nm, &cn, NULL, NULL, NULL));
  CHECK(test_weq(nm, "Beta"));
  cn = 64;
  REQUIRE_OK(OREnumKey(root, 1, nm, &cn, NULL, NULL, NULL));
  CHECK(test_weq(nm, "Zeta"));
  ORHKEY o;
  REQUIRE_OK(OROpenKey(root, W("zeta\\child"), &o)); /* subtree moved with it */
  CHECK_ERR(ORCloseKey(o), ERROR_SUCCESS);
  CHECK_ERR(OROpenKey(root, W("Alpha"), &o), ERROR_FILE_NOT_FOUND);
  CHECK(test_tree_ok(root));
  ORCloseKey(a);
  ORCloseKey(b);
  ORCloseKey(c);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* §1.6 options: VOLATILE kept in memory; CREATE_LINK sets KEY_SYM_LINK; bad combinations. */
static void test_create_options(void) {
  ORHKEY root = new_hive(), v, c, l, o;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("Vol"), NULL, REG_OPTION_VOLATILE, NULL, &v, NULL));
  /* Wine test_reg_create_key: a stable child of a volatile key is refused. */
  CHECK_ERR(ORCreateKey(v, W("Stable"), NULL, 0, NULL, &c, NULL), ERROR_CHILD_MUST_BE_VOLATILE);
  REQUIRE_OK(ORCreateKey(v, W("Vchild"), NULL, REG_OPTION_VOLATILE, NULL, &c, NULL));
  ORCloseKey(c);
  /* Opening an existing key under a volatile parent with options 0 succeeds. */
  DWORD disp;
  REQUIRE_OK(ORCreateKey(v, W("Vchild"), NULL, 0, NULL, &c, &disp));
  CHECK_EQ_U(disp, REG_OPENED_EXISTING_KEY);
  ORCloseKey(c);
  CHECK_ERR(ORCreateKey(root, W("L"), NULL, REG_OPTION_CREATE_LINK | REG_OPTION_VOLATILE, NULL,
                        &c, NULL),
            ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORCreateKey(root, W("L"), NULL, REG_OPTION_BACKUP_RESTORE, NULL, &c, NULL),
            ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORCreateKey(root, W("L"), NULL, 0x100, NULL, &c, NULL), ERROR_INVALID_PARAMETER);
  REQUIRE_OK(ORCreateKey(root, W("Link"), NULL, REG_OPTION_CREATE_LINK, NULL, &l, &disp));
  CHECK_EQ_U(disp, REG_CREATED_NEW_KEY);
  {
    hr_ref r;
    REQUIRE_OK(handle_enter(l, &r));
    CHECK(r.key->flags & KEY_SYM_LINK);
    handle_leave(&r);
  }
  /* Link value rules (R-D26..R-D29; Win32 ERROR_ACCESS_DENIED, Wine test_symlinks). */
  static const uint16_t target[] = {'\\', 'R', 'e', 'g', 'i', 's', 't', 'r', 'y'};
  CHECK_ERR(ORSetValue(l, W("Other"), REG_LINK, (const BYTE *)target, sizeof target),
            ERROR_ACCESS_DENIED);
  CHECK_ERR(ORSetValue(l, W("SymbolicLinkValue"), REG_SZ, (const BYTE *)target, sizeof target),
            ERROR_ACCESS_DENIED);
  CHECK_ERR(ORSetValue(l, W("SymbolicLinkValue"), REG_LINK, (const BYTE *)target, 3),
            ERROR_INVALID_PARAMETER);
  CHECK_ERR(ORSetValue(l, W("symboliclinkvalue"), REG_LINK, (const BYTE *)target, sizeof target),
            ERROR_SUCCESS);
  /* Re-creating an existing link with CREATE_LINK opens it; on a normal key it is refused. */
  REQUIRE_OK(ORCreateKey(root, W("Link"), NULL, REG_OPTION_CREATE_LINK, NULL, &o, &disp));
  CHECK_EQ_U(disp, REG_OPENED_EXISTING_KEY);
  ORCloseKey(o);
  CHECK_ERR(ORCreateKey(root, W("Vol"), NULL, REG_OPTION_CREATE_LINK, NULL, &o, NULL),
            ERROR_ALREADY_EXISTS);
  /* REG_LINK values can be created in normal keys (§2.11). */
  CHECK_ERR(ORSetValue(root, W("lnk"), REG_LINK, (const BYTE *)target, 11), ERROR_SUCCESS);
  ORCloseKey(l);
  ORCloseKey(v);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* Class on create (applies to a created key only) and NULL SD shares the parent's (§1.20). */
static void test_create_class_and_sd(void) {
  ORHKEY root = new_hive(), a, b;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("A"), W("MyClass"), 0, NULL, &a, NULL));
  uint16_t cls[32];
  DWORD cc = 32;
  REQUIRE_OK(ORQueryInfoKey(a, cls, &cc, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(cc, 7);
  CHECK(test_weq(cls, "MyClass"));
  /* Existing key: the class argument is ignored. */
  REQUIRE_OK(ORCreateKey(root, W("A"), W("Other"), 0, NULL, &b, NULL));
  cc = 32;
  REQUIRE_OK(ORQueryInfoKey(b, cls, &cc, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK(test_weq(cls, "MyClass"));
  ORCloseKey(b);
  {
    hr_ref r;
    REQUIRE_OK(handle_enter(a, &r));
    CHECK(r.key->sd == r.hive->tree.root->sd);
    CHECK_EQ_U(r.hive->tree.n_sds, 1);
    CHECK_EQ_U(r.key->sd->refs, 2);
    handle_leave(&r);
  }
  ORCloseKey(a);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* Last-write times are set on create and on value change (tests never depend on the value
 * itself, only that it is set and that it does not go backwards). */
static void test_last_write(void) {
  ORHKEY root = new_hive(), a;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("A"), NULL, 0, NULL, &a, NULL));
  FILETIME t1, t2;
  REQUIRE_OK(ORQueryInfoKey(a, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &t1));
  CHECK(t1.dwHighDateTime != 0);
  REQUIRE_OK(ORSetValue(a, W("x"), REG_BINARY, (const BYTE *)"ab", 2));
  REQUIRE_OK(ORQueryInfoKey(a, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &t2));
  uint64_t v1 = ((uint64_t)t1.dwHighDateTime << 32) | t1.dwLowDateTime;
  uint64_t v2 = ((uint64_t)t2.dwHighDateTime << 32) | t2.dwLowDateTime;
  CHECK(v2 >= v1);
  ORCloseKey(a);
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* Non-BMP names do not fold; BMP names fold through the Windows table ([3P-EMP] nt-hive). */
static void test_case_folding(void) {
  ORHKEY root = new_hive(), k;
  REQUIRE(root);
  static const uint16_t fw_A[] = {0xFF21, 0}, fw_a[] = {0xFF41, 0};
  static const uint16_t des_H[] = {0xD801, 0xDC10, 0}, des_h[] = {0xD801, 0xDC38, 0};
  DWORD disp;
  REQUIRE_OK(ORCreateKey(root, fw_A, NULL, 0, NULL, &k, &disp));
  ORCloseKey(k);
  REQUIRE_OK(ORCreateKey(root, fw_a, NULL, 0, NULL, &k, &disp));
  CHECK_EQ_U(disp, REG_OPENED_EXISTING_KEY);
  ORCloseKey(k);
  REQUIRE_OK(ORCreateKey(root, des_H, NULL, 0, NULL, &k, &disp));
  ORCloseKey(k);
  REQUIRE_OK(ORCreateKey(root, des_h, NULL, 0, NULL, &k, &disp));
  CHECK_EQ_U(disp, REG_CREATED_NEW_KEY);
  ORCloseKey(k);
  DWORD n;
  REQUIRE_OK(ORQueryInfoKey(root, NULL, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  CHECK_EQ_U(n, 3);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* ---- path parsing (api.h path rules) -------------------------------------------------------
 * api_path_parse finds the NUL and the separators in one pass; ref_parse states the rules
 * directly (scan for the NUL, then leading, trailing and doubled separators, then split). */

static DWORD ref_parse(const uint16_t *s, size_t *len_out, uint32_t *n_out) {
  size_t len = 0;
  while (len <= API_MAX_PATH_UNITS && s[len]) len++;
  if (len > API_MAX_PATH_UNITS) return ERROR_INVALID_PARAMETER;
  if (len && s[0] == '\\') return ERROR_BAD_PATHNAME;
  while (len && s[len - 1] == '\\') len--;
  uint32_t n = len ? 1 : 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] != '\\') continue;
    if (s[i + 1] == '\\') return ERROR_BAD_PATHNAME;
    n++;
  }
  *len_out = len;
  *n_out = n;
  return ERROR_SUCCESS;
}

static void test_path_parse_matches_rules(void) {
  /* Every string of up to 10 units over {'a', U+00E9, '\'}: status, component count and the
   * components themselves (joined back with '\', they must give the stripped path). */
  static const uint16_t alpha[3] = {'a', 0xE9, '\\'};
  unsigned bad = 0, total = 0;
  uint16_t s[12];
  for (size_t len = 0; len <= 10; len++) {
    size_t combos = 1;
    for (size_t i = 0; i < len; i++) combos *= 3;
    for (size_t c = 0; c < combos; c++) {
      size_t x = c;
      for (size_t i = 0; i < len; i++, x /= 3) s[i] = alpha[x % 3];
      s[len] = 0;
      size_t rlen = 0;
      uint32_t rn = 0;
      DWORD want = ref_parse(s, &rlen, &rn);
      api_path p;
      DWORD got = api_path_parse(s, &p);
      total++;
      if (got != want) {
        bad++;
        continue;
      }
      if (got != ERROR_SUCCESS) continue;
      if (p.len != rlen || p.n != rn) bad++;
      size_t pos = 0, at = 0;
      uint32_t count = 0, clen;
      const uint16_t *comp;
      while (api_path_next(&p, &pos, &comp, &clen)) {
        if (count) at++; /* the separator */
        if (clen == 0 || comp != s + at) bad++;
        for (uint32_t i = 0; i < clen; i++)
          if (comp[i] == '\\') bad++;
        at += clen;
        count++;
      }
      if (count != rn || at != rlen) bad++;
    }
  }
  CHECK_EQ_U(bad, 0);
  CHECK(total > 88000);
  api_path p;
  CHECK_ERR(api_path_parse(NULL, &p), ERROR_SUCCESS);
  CHECK_EQ_U(p.n, 0);
}

static void test_path_length_limit(void) {
  /* Exactly sized heap buffers (ASan builds catch any read past them). */
  size_t units = API_MAX_PATH_UNITS + 1;
  uint16_t *s = malloc(units * 2);
  REQUIRE(s);
  for (size_t i = 0; i < units; i++) s[i] = 'a';
  api_path p;
  /* No NUL within API_MAX_PATH_UNITS + 1 units: too long, whatever the string holds. */
  CHECK_ERR(api_path_parse(s, &p), ERROR_INVALID_PARAMETER);
  s[0] = '\\';
  CHECK_ERR(api_path_parse(s, &p), ERROR_INVALID_PARAMETER);
  s[0] = 'a';
  s[1] = s[2] = '\\';
  CHECK_ERR(api_path_parse(s, &p), ERROR_INVALID_PARAMETER);
  /* The NUL as the last unit scanned: the longest accepted path. */
  s[units - 1] = 0;
  CHECK_ERR(api_path_parse(s, &p), ERROR_BAD_PATHNAME); /* "a\\\\aaa..." */
  s[2] = 'a';
  CHECK_ERR(api_path_parse(s, &p), ERROR_SUCCESS);
  CHECK_EQ_U(p.len, API_MAX_PATH_UNITS);
  CHECK_EQ_U(p.n, 2);
  /* Through the API: too long is ERROR_INVALID_PARAMETER, a long name is not found. */
  ORHKEY root = new_hive(), k = NULL;
  if (root) {
    CHECK_ERR(OROpenKey(root, s, &k), ERROR_FILE_NOT_FOUND);
    s[units - 1] = 'a';
    CHECK_ERR(OROpenKey(root, s, &k), ERROR_INVALID_PARAMETER);
    CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
  }
  free(s);
}

/* ---- the lookup hint (api.h api_find_child) ----------------------------------------------
 * OREnumKey(k, i) makes the next OROpenKey(k, name) try subkeys[i] first, and a successful
 * lookup moves the hint to the next sibling.  The hint is only a starting guess: these tests
 * change the siblings between the enumeration and the open (insert before, delete before,
 * rename or delete the enumerated key itself, reuse of a freed key's address, another parent)
 * and check every lookup against an id stored in each key. */

#define NO_KEY 0xFFFFFFFFu

/* Creates parent\name with a REG_DWORD "id". */
static bool make_key(ORHKEY parent, const uint16_t *name, DWORD id) {
  ORHKEY k;
  if (ORCreateKey(parent, name, NULL, 0, NULL, &k, NULL) != ERROR_SUCCESS) return false;
  DWORD st = ORSetValue(k, W("id"), REG_DWORD, (const BYTE *)&id, sizeof id);
  ORCloseKey(k);
  return st == ERROR_SUCCESS;
}

/* The id of the key OROpenKey(parent, path) opens, or NO_KEY when it is not found (any other
 * error is a test failure, reported as NO_KEY - 1). */
static DWORD open_id(ORHKEY parent, const uint16_t *path) {
  ORHKEY k = NULL;
  DWORD st = OROpenKey(parent, path, &k);
  if (st == ERROR_FILE_NOT_FOUND) return NO_KEY;
  if (st != ERROR_SUCCESS) return NO_KEY - 1;
  DWORD id = NO_KEY - 1, cb = sizeof id;
  if (ORGetValue(k, NULL, W("id"), NULL, &id, &cb) != ERROR_SUCCESS) id = NO_KEY - 1;
  ORCloseKey(k);
  return id;
}

/* OREnumKey(parent, i) into name (64 units). */
static bool enum_name(ORHKEY parent, DWORD i, uint16_t name[64]) {
  DWORD cn = 64;
  return OREnumKey(parent, i, name, &cn, NULL, NULL, NULL) == ERROR_SUCCESS;
}

static void upcase_ascii(uint16_t *s) {
  for (; *s; s++)
    if (*s >= 'a' && *s <= 'z') *s = (uint16_t)(*s - 0x20);
}

static void test_hint_enumerate_then_open(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  char nm[16];
  for (DWORD i = 0; i < 40; i++) { /* "k00".."k39": enumeration order = creation order */
    snprintf(nm, sizeof nm, "k%02u", (unsigned)i);
    REQUIRE(make_key(root, W(nm), i));
  }
  uint16_t name[64];
  for (DWORD i = 0; i < 40; i++) {
    REQUIRE(enum_name(root, i, name));
    CHECK_EQ_U(open_id(root, name), i);
    /* Another case: the hint compares case-insensitively like the search. */
    REQUIRE(enum_name(root, i, name));
    upcase_ascii(name);
    CHECK_EQ_U(open_id(root, name), i);
    /* Trailing separator, and the enumerated name as the first of two components. */
    REQUIRE(enum_name(root, i, name));
    size_t n = 0;
    while (name[n]) n++;
    name[n] = '\\';
    name[n + 1] = 0;
    CHECK_EQ_U(open_id(root, name), i);
    name[n + 1] = 'x';
    name[n + 2] = 0;
    uint16_t scratch[64];
    REQUIRE(enum_name(root, i, scratch)); /* sets the hint again */
    CHECK_EQ_U(open_id(root, name), NO_KEY);
  }
  /* Opens in order, in reverse order and by stride (the hint moves to the next sibling after
   * each open): every one finds its own key. */
  for (DWORD i = 0; i < 40; i++) {
    snprintf(nm, sizeof nm, "K%02u", (unsigned)i);
    CHECK_EQ_U(open_id(root, W(nm)), i);
  }
  for (DWORD i = 40; i-- > 0;) {
    snprintf(nm, sizeof nm, "k%02u", (unsigned)i);
    CHECK_EQ_U(open_id(root, W(nm)), i);
  }
  for (DWORD i = 0; i < 40 * 7; i += 7) {
    snprintf(nm, sizeof nm, "k%02u", (unsigned)(i % 40));
    CHECK_EQ_U(open_id(root, W(nm)), i % 40);
  }
  /* Names that are not there, between and around existing ones. */
  CHECK_EQ_U(open_id(root, W("k")), NO_KEY);
  CHECK_EQ_U(open_id(root, W("k005")), NO_KEY);
  CHECK_EQ_U(open_id(root, W("k40")), NO_KEY);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_hint_siblings_change(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  static const char *const names[] = {"b", "d", "f", "h", "j"};
  for (DWORD i = 0; i < 5; i++) REQUIRE(make_key(root, W(names[i]), i));
  uint16_t name[64];

  /* A sibling inserted before the enumerated key: subkeys[hint] is now the new key. */
  REQUIRE(enum_name(root, 2, name)); /* "f" */
  REQUIRE(make_key(root, W("c"), 100));
  CHECK_EQ_U(open_id(root, name), 2);
  REQUIRE(enum_name(root, 2, name)); /* "d" (shifted) */
  CHECK(test_weq(name, "d"));
  CHECK_EQ_U(open_id(root, W("C")), 100);

  /* A sibling deleted before it: subkeys[hint] is the key after it. */
  REQUIRE(enum_name(root, 3, name)); /* "f" */
  CHECK_ERR(ORDeleteKey(root, W("c")), ERROR_SUCCESS);
  CHECK_EQ_U(open_id(root, name), 2);
  CHECK_EQ_U(open_id(root, W("c")), NO_KEY);

  /* The enumerated key renamed: its old name is gone, the new one is found. */
  REQUIRE(enum_name(root, 2, name)); /* "f" */
  {
    ORHKEY f;
    REQUIRE_OK(OROpenKey(root, W("f"), &f));
    REQUIRE(enum_name(root, 2, name)); /* the hint again, after OROpenKey moved it */
    CHECK_ERR(ORRenameKey(f, W("a")), ERROR_SUCCESS); /* now sorts first */
    ORCloseKey(f);
  }
  CHECK_EQ_U(open_id(root, name), NO_KEY);
  CHECK_EQ_U(open_id(root, W("A")), 2);
  REQUIRE(enum_name(root, 0, name));
  CHECK(test_weq(name, "a"));
  REQUIRE(enum_name(root, 2, name)); /* "d" */
  CHECK_EQ_U(open_id(root, name), 1);

  /* The enumerated key deleted, and the hint index beyond the end afterwards. */
  REQUIRE(enum_name(root, 4, name)); /* "j", the last */
  CHECK(test_weq(name, "j"));
  CHECK_ERR(ORDeleteKey(root, name), ERROR_SUCCESS);
  CHECK_EQ_U(open_id(root, name), NO_KEY);
  REQUIRE(enum_name(root, 3, name)); /* "h" */
  CHECK_ERR(ORDeleteKey(root, W("H")), ERROR_SUCCESS);
  CHECK_EQ_U(open_id(root, name), NO_KEY);
  CHECK_EQ_U(open_id(root, W("d")), 1);

  /* ORCreateKey after an enumeration: an existing name in another case is opened, a new name
   * is inserted at its sorted place (test_tree_ok checks the order). */
  REQUIRE(enum_name(root, 1, name)); /* "b" */
  ORHKEY k;
  DWORD disp = 0;
  REQUIRE_OK(ORCreateKey(root, W("B"), NULL, 0, NULL, &k, &disp));
  CHECK_EQ_U(disp, REG_OPENED_EXISTING_KEY);
  ORCloseKey(k);
  REQUIRE(enum_name(root, 1, name));
  REQUIRE_OK(ORCreateKey(root, W("bb"), NULL, 0, NULL, &k, &disp));
  CHECK_EQ_U(disp, REG_CREATED_NEW_KEY);
  ORCloseKey(k);
  REQUIRE(enum_name(root, 2, name));
  CHECK(test_weq(name, "bb"));
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

static void test_hint_other_parent_and_reused_key(void) {
  ORHKEY root = new_hive(), a, b;
  REQUIRE(root);
  REQUIRE_OK(ORCreateKey(root, W("A"), NULL, 0, NULL, &a, NULL));
  REQUIRE_OK(ORCreateKey(root, W("B"), NULL, 0, NULL, &b, NULL));
  REQUIRE(make_key(a, W("x"), 1));
  REQUIRE(make_key(a, W("y"), 2));
  REQUIRE(make_key(b, W("x"), 3));
  REQUIRE(make_key(b, W("z"), 4));
  uint16_t name[64];
  /* The hint names A and index 1 ("y"); the same index under B is "z". */
  REQUIRE(enum_name(a, 1, name));
  CHECK_EQ_U(open_id(b, name), NO_KEY);
  REQUIRE(enum_name(a, 1, name));
  CHECK_EQ_U(open_id(b, W("z")), 4);
  REQUIRE(enum_name(a, 0, name));
  CHECK_EQ_U(open_id(b, name), 3);
  /* Through a path from the root: the hint is on A, the lookups run under root then B. */
  REQUIRE(enum_name(a, 1, name));
  CHECK_EQ_U(open_id(root, W("b\\z")), 4);
  CHECK_EQ_U(open_id(root, W("a\\y")), 2);
  /* The hinted key is freed and another key may take its address: still verified by name. */
  REQUIRE(enum_name(a, 1, name)); /* "y" under A */
  ORCloseKey(a);
  CHECK_ERR(ORDeleteKey(root, W("A\\x")), ERROR_SUCCESS);
  CHECK_ERR(ORDeleteKey(root, W("A\\y")), ERROR_SUCCESS);
  CHECK_ERR(ORDeleteKey(root, W("A")), ERROR_SUCCESS);
  ORHKEY c;
  REQUIRE_OK(ORCreateKey(root, W("C"), NULL, 0, NULL, &c, NULL));
  REQUIRE(make_key(c, W("q"), 5));
  REQUIRE(make_key(c, W("w"), 6));
  CHECK_EQ_U(open_id(c, name), NO_KEY); /* "y" */
  CHECK_EQ_U(open_id(c, W("w")), 6);
  CHECK_EQ_U(open_id(root, W("A")), NO_KEY);
  ORCloseKey(b);
  ORCloseKey(c);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* Non-ASCII names through the hint and the search: the Windows table folds é/É and fullwidth
 * a/A, never ı (U+0131) to I or i. */
static void test_hint_non_ascii(void) {
  ORHKEY root = new_hive();
  REQUIRE(root);
  static const uint16_t e_lower[] = {0xE9, 't', 0xE9, 0}, e_upper[] = {0xC9, 'T', 0xC9, 0};
  static const uint16_t fw_lower[] = {0xFF41, 0}, fw_upper[] = {0xFF21, 0};
  static const uint16_t dotless[] = {0x131, 0}, cap_i[] = {'I', 0}, small_i[] = {'i', 0};
  REQUIRE(make_key(root, e_lower, 1));
  REQUIRE(make_key(root, fw_lower, 2));
  REQUIRE(make_key(root, dotless, 3));
  uint16_t name[64];
  DWORD n;
  REQUIRE_OK(ORQueryInfoKey(root, NULL, NULL, &n, NULL, NULL, NULL, NULL, NULL, NULL, NULL));
  REQUIRE(n == 3);
  for (DWORD i = 0; i < n; i++) {
    REQUIRE(enum_name(root, i, name));
    DWORD want = name[0] == 0xE9 ? 1 : name[0] == 0xFF41 ? 2 : 3;
    /* The other case of the enumerated name, while the hint points at it. */
    const uint16_t *other = want == 1 ? e_upper : want == 2 ? fw_upper : dotless;
    CHECK_EQ_U(open_id(root, other), want);
    REQUIRE(enum_name(root, i, name));
    CHECK_EQ_U(open_id(root, cap_i), NO_KEY);
    REQUIRE(enum_name(root, i, name));
    CHECK_EQ_U(open_id(root, small_i), NO_KEY);
  }
  DWORD disp = 0;
  ORHKEY k;
  REQUIRE_OK(ORCreateKey(root, cap_i, NULL, 0, NULL, &k, &disp)); /* a new key, not ı */
  CHECK_EQ_U(disp, REG_CREATED_NEW_KEY);
  ORCloseKey(k);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

/* Invalid security descriptor arguments to ORCreateKey. */
static void test_create_bad_sd(void) {
  ORHKEY root = new_hive(), k;
  REQUIRE(root);
  uint8_t sd[sizeof hive_default_sd];
  memcpy(sd, hive_default_sd, sizeof sd);
  sd[0] = 2; /* revision */
  CHECK_ERR(ORCreateKey(root, W("K"), NULL, 0, sd, &k, NULL), ERROR_INVALID_PARAMETER);
  memcpy(sd, hive_default_sd, sizeof sd);
  sd[3] = 0x00; /* not self-relative */
  CHECK_ERR(ORCreateKey(root, W("K"), NULL, 0, sd, &k, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(OROpenKey(root, W("K"), &k), ERROR_FILE_NOT_FOUND);
  CHECK(test_tree_ok(root));
  CHECK_ERR(ORCloseHive(root), ERROR_SUCCESS);
}

int main(void) {
  TEST_RUN(test_root_key_rules);
  TEST_RUN(test_create_open_basic);
  TEST_RUN(test_open_same_handle);
  TEST_RUN(test_multilevel_paths);
  TEST_RUN(test_name_lengths);
  TEST_RUN(test_loaded_256_name);
  TEST_RUN(test_depth_limits);
  TEST_RUN(test_delete_key);
  TEST_RUN(test_deleted_key_semantics);
  TEST_RUN(test_rename_key);
  TEST_RUN(test_create_options);
  TEST_RUN(test_create_class_and_sd);
  TEST_RUN(test_last_write);
  TEST_RUN(test_case_folding);
  TEST_RUN(test_create_bad_sd);
  TEST_RUN(test_path_parse_matches_rules);
  TEST_RUN(test_path_length_limit);
  TEST_RUN(test_hint_enumerate_then_open);
  TEST_RUN(test_hint_siblings_change);
  TEST_RUN(test_hint_other_parent_and_reused_key);
  TEST_RUN(test_hint_non_ascii);
  return test_finish();
}
