/*
 * hive.c: hive lifetime helpers (see hive.h).  The default security descriptor is the one a
 * real offreg.dll gives the ORCreateHive root (offreg-api.md §1.20, parsed from nt-hive's
 * offreg-written testdata/testhive): control 0x8004, owner = group = S-1-5-32-544, a revision-2
 * DACL of four CONTAINER_INHERIT ACCESS_ALLOWED ACEs.  The component order (DACL, owner, group
 * after the 20-byte header) is the order Windows uses in the registry descriptors we have
 * (yarp OffHive's sk: Dacl 0x14, Owner 0x64, Group 0x74).
 */
#include "hive.h"

#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "handle.h"
#include "layout.h"

static _Atomic uint64_t g_leaked_hives;

void hive_count_leak(void) { atomic_fetch_add(&g_leaked_hives, 1); }

uint64_t HRLeakedHiveCount(void) { return atomic_load(&g_leaked_hives); }

/* clang-format off */
const uint8_t hive_default_sd[144] = {
    /* header: revision 1, sbz1 0, control 0x8004 (SELF_RELATIVE | DACL_PRESENT) */
    0x01, 0x00, 0x04, 0x80,
    0x70, 0x00, 0x00, 0x00,   /* OffsetOwner = 0x70 */
    0x80, 0x00, 0x00, 0x00,   /* OffsetGroup = 0x80 */
    0x00, 0x00, 0x00, 0x00,   /* OffsetSacl  = 0 (none) */
    0x14, 0x00, 0x00, 0x00,   /* OffsetDacl  = 0x14 */
    /* DACL: revision 2, size 0x5C, 4 ACEs */
    0x02, 0x00, 0x5C, 0x00, 0x04, 0x00, 0x00, 0x00,
    /* ACE 1: ACCESS_ALLOWED, CONTAINER_INHERIT, size 20, KEY_ALL_ACCESS, S-1-5-18 */
    0x00, 0x02, 0x14, 0x00, 0x3F, 0x00, 0x0F, 0x00,
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x12, 0x00, 0x00, 0x00,
    /* ACE 2: size 24, KEY_ALL_ACCESS, S-1-5-32-544 */
    0x00, 0x02, 0x18, 0x00, 0x3F, 0x00, 0x0F, 0x00,
    0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00,
    /* ACE 3: size 20, KEY_READ, S-1-1-0 */
    0x00, 0x02, 0x14, 0x00, 0x19, 0x00, 0x02, 0x00,
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
    /* ACE 4: size 20, KEY_READ, S-1-5-12 */
    0x00, 0x02, 0x14, 0x00, 0x19, 0x00, 0x02, 0x00,
    0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x0C, 0x00, 0x00, 0x00,
    /* Owner S-1-5-32-544 */
    0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00,
    /* Group S-1-5-32-544 */
    0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x20, 0x00, 0x00, 0x00, 0x20, 0x02, 0x00, 0x00,
};
/* clang-format on */

uint64_t hive_now_filetime(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return 0;
  /* 11644473600 s between 1601-01-01 and 1970-01-01. */
  return ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull + (uint64_t)ts.tv_nsec / 100u;
}

hr_hive *hive_new(const HROpenOptions *opt, uint64_t base_size) {
  hr_hive *h = handle_mem_zalloc(sizeof *h);
  if (!h) return NULL;
  mem_init(&h->mem, opt, base_size);
  h->tree.mem = &h->mem;
  return h; /* state == 0: unlocked, no pins, alive (handle.h "Locking") */
}

hr_status hive_init_empty(hr_hive *h) {
  static const uint16_t root_name[4] = {'R', 'O', 'O', 'T'};
  hr_tree *t = &h->tree;
  hr_key *root = tree_key_new(t, root_name, 4);
  if (!root) return ERROR_NOT_ENOUGH_MEMORY;
  hr_sd *sd = tree_sd_intern(t, hive_default_sd, sizeof hive_default_sd);
  if (!sd) {
    tree_key_free(t, root);
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  tree_key_set_sd(t, root, sd);
  /* §1.20: offreg writes the root with nk flags 0x0020 (KEY_COMP_NAME only; no HIVE_ENTRY or
   * NO_DELETE).  The tree keeps flags without KEY_COMP_NAME, which is a save-time choice. */
  root->flags = 0;
  root->last_write = hive_now_filetime();
  t->root = root;
  memset(&h->info, 0, sizeof h->info);
  h->info.major = REGF_MAJOR;
  h->info.minor = REGF_MINOR_LH;
  return ERROR_SUCCESS;
}

hr_status hive_reserve_deleted(hr_hive *h) {
  if (h->n_deleted == UINT32_MAX) return ERROR_NOT_ENOUGH_MEMORY;
  if (!mem_grow(&h->mem, (void **)&h->deleted, &h->cap_deleted, h->n_deleted + 1,
                sizeof *h->deleted))
    return ERROR_NOT_ENOUGH_MEMORY;
  return ERROR_SUCCESS;
}

void hive_add_deleted(hr_hive *h, hr_key *key) {
  key->deleted = 1;
  h->deleted[h->n_deleted++] = key;
}

void hive_release_deleted(hr_hive *h, hr_key *key) {
  for (uint32_t i = 0; i < h->n_deleted; i++) {
    if (h->deleted[i] == key) {
      h->deleted[i] = h->deleted[--h->n_deleted];
      break;
    }
  }
  tree_key_free(&h->tree, key);
  if (h->n_deleted == 0 && h->deleted) {
    /* Give the list back so an idle hive holds no bookkeeping memory. */
    mem_free(&h->mem, h->deleted, (size_t)h->cap_deleted * sizeof *h->deleted);
    h->deleted = NULL;
    h->cap_deleted = 0;
  }
}

bool hive_free_contents(hr_hive *h) {
  for (uint32_t i = 0; i < h->n_deleted; i++) tree_key_free(&h->tree, h->deleted[i]);
  if (h->deleted) mem_free(&h->mem, h->deleted, (size_t)h->cap_deleted * sizeof *h->deleted);
  h->deleted = NULL;
  h->n_deleted = h->cap_deleted = 0;
  tree_free(&h->tree);
  return h->mem.live_blocks != 0 || h->mem.live_bytes != 0;
}
