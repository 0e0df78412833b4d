/*
 * tree.h: the in-memory hive model (DESIGN.md §2 "tree").
 *
 * OROpenHive builds it from validated cells (load.c), the OR* API reads and edits it (api_*.c),
 * ORSaveHive serialises it into a fresh hive (save.c).
 *
 * File bytes: a hive opened from a file keeps its file image for its whole lifetime
 * (hr_tree.image, owned by the tree, freed last by tree_free) and a loaded value's data points
 * into it (hr_value.borrowed: resident cell or inline data, which are contiguous in the image;
 * big-data values are reassembled into a block of their own).  Peak memory of open is then
 * image + tree without the value data, instead of image + tree with a copy of it (issue #9).
 * Borrowed bytes are never written: every mutation replaces the pointer with an owned copy
 * (tree_set_value), deleting a value frees only its owned storage, and copies between hives
 * (merge) are deep.  Everything else (names, classes, descriptors, arrays) is owned by the tree;
 * a hive loaded from a caller's buffer (HROpenHiveFromMemory) has no image and copies its data.
 *
 * Invariants (checked by tree_check in tests and fuzzers):
 *  - key->subkeys is sorted strictly ascending by name_cmp (§6.2): no case-insensitive
 *    duplicates; key->subkeys[i]->parent == key.
 *  - key->values is in stored/insertion order.  The API never creates two values with the same
 *    name (case-insensitive), but a loaded hive may hold duplicates (R-F16 is only a warning, as
 *    Windows has no load check for it); lookups then act on the first one.
 *  - Every key has an sd (except transiently during construction); sd->refs equals the number
 *    of keys (attached, or detached but alive) that reference it; the sd ring holds each
 *    distinct descriptor once.
 *  - Names are UTF-16 code units; name_len counts units.  Key names: 1..256 units on read,
 *    1..255 on write.  Value names: 0 (the default value) ..16383 units.
 * All mutators are atomic: on failure (ERROR_NOT_ENOUGH_MEMORY) nothing changed.
 * No function here recurses: walks are iterative (depth is input-driven).
 */
#ifndef HIVEREF_TREE_H
#define HIVEREF_TREE_H

#include <stdbool.h>
#include <stdint.h>

#include "mem.h"
#include "status.h"

typedef struct hr_sd {
  struct hr_sd *next, *prev;  /* ring of the hive's descriptors */
  uint32_t refs;              /* keys referencing it */
  uint32_t len;
  uint8_t *bytes;             /* self-relative SECURITY_DESCRIPTOR */
} hr_sd;

typedef struct hr_value {
  uint16_t *name;             /* NULL when name_len == 0 (default value) */
  uint32_t name_len;
  uint32_t type;
  uint32_t size;
  uint16_t flags;             /* VK_FLAG_TOMBSTONE only; compression is a save-time choice */
  uint8_t joined;             /* 1: name and data share one block (name first, data right
                               * after it: name_len * 2 + size bytes, allocated at name;
                               * name_len * 2 bytes when the data is borrowed);
                               * 2: the same block, in the tree's arena; 0: separate blocks.
                               * Only tree.c frees value storage. */
  uint8_t borrowed;           /* 1: data points into the tree's file image (not owned, read
                               * only; see the header comment); 0: data is owned storage */
  uint8_t *data;              /* NULL when size == 0 */
} hr_value;

typedef struct hr_key {
  /* Fields are ordered by size so the struct has no padding holes (43,000 keys per 15 MB
   * hive: every 8 bytes here is 0.35 MB of peak memory at open). */
  struct hr_key *parent;      /* NULL for the root and for detached (deleted) keys */
  uint16_t *name;
  uint8_t *class_data;        /* raw class bytes (normally UTF-16LE); NULL when class_len 0 */
  uint64_t last_write;        /* FILETIME */
  hr_sd *sd;
  struct hr_key **subkeys;
  hr_value *values;
  uint32_t name_len;
  uint32_t class_len;         /* bytes */
  uint32_t n_subkeys, cap_subkeys;
  uint32_t n_values, cap_values;
  uint32_t handles;           /* open API handles to this key (owned by api) */
  uint32_t cell;              /* source nk cell index, for diagnostics; REGF_CELL_NIL if created */
  uint32_t inline_len;        /* units of name_buf (fixed at allocation; the key block is
                               * sizeof(hr_key) + 2 * inline_len bytes) */
  uint16_t flags;             /* nk Flags as stored, without KEY_COMP_NAME */
  uint8_t access_bits;        /* nk+0x0C */
  uint8_t layer;              /* nk+0x0D: layer semantics (bits 0-1) and InheritClass (bit 7) */
  uint8_t virt_flags;         /* MaxNameLen bits 16-19 (REG_KEY_DONT_VIRTUALIZE ...) */
  uint8_t user_flags;         /* MaxNameLen bits 20-23 (WOW64 reflection flags) */
  uint8_t debug_flags;        /* MaxNameLen bits 24-31 */
  uint8_t is_volatile;        /* REG_OPTION_VOLATILE: never saved */
  uint8_t deleted;            /* ORDeleteKey'd while handles were open */
  uint8_t name_inline;        /* 1: name points at name_buf; 0: a separate block of name_len
                               * units (after a rename that did not fit, or no name) */
  uint8_t arena_bits;         /* TREE_ARENA_*: which of the key's blocks are arena objects */
  uint16_t name_buf[];        /* the name as loaded/created, allocated with the key */
} hr_key;

/* hr_key.arena_bits: the key block itself / the values array / the subkeys array come from
 * the tree's arena (the loader's objects).  An arena array is copied to a block of its own
 * the first time it must grow; an arena object's free is deferred to tree_free. */
#define TREE_ARENA_KEY 1u
#define TREE_ARENA_VALUES 2u
#define TREE_ARENA_SUBKEYS 4u

typedef struct hr_tree {
  hr_mem *mem;
  hr_arena arena;             /* the loader's keys, arrays and value blocks (mem.h "arena"):
                               * chunks of 256 KiB..2 MiB instead of one block per object;
                               * the chunks stay live (accounted in mem) until tree_free, also
                               * for keys deleted meanwhile.  A zeroed tree is valid. */
  hr_key *root;
  hr_sd *sds;                 /* ring head, NULL if none */
  uint8_t *image;             /* the file image loaded values borrow their data from (owned:
                               * image_size bytes from mem, freed by tree_free after every
                               * key), or NULL (a created hive, or one loaded from memory) */
  size_t image_size;
  uint32_t n_sds;
  /* Lookup hint (api.h "api_find_child"): the parent key of the last subkey OREnumKey
   * returned or OROpenKey found, and the index worth trying first there.  The key is kept as
   * an address only and never dereferenced (it may have been freed since): a lookup under a
   * key with that address checks subkeys[hint_index] (if in range) by name and otherwise
   * searches, so the hint can never change a result.  Written under the hive lock. */
  uint32_t hint_index;
  uintptr_t hint_key;
} hr_tree;

/* ---- keys ---- */
/* A new detached key with a copy of name (len units, may be 0 only for transient use).  The
 * name is stored in the key's own block (one allocation per key). */
hr_key *tree_key_new(hr_tree *t, const uint16_t *name, uint32_t len);
/* A new zeroed detached key with room for a len-unit name: key->name points at name_buf and
 * name_len = len; the caller fills the units (the loader widens them from the cell).  arena:
 * take the block from the tree's arena (the loader). */
hr_key *tree_key_alloc(hr_tree *t, uint32_t len, bool arena);
/* The loader's exact-size arrays (counts validated from the cells), from the arena: a key
 * without values (subkeys) gets a zeroed array of n; ERROR_NOT_ENOUGH_MEMORY or success. */
hr_status tree_key_reserve_values(hr_tree *t, hr_key *key, uint32_t n);
hr_status tree_key_reserve_subkeys(hr_tree *t, hr_key *key, uint32_t n);
/* Frees key and its whole subtree (values, classes, sd references).  Iterative. */
void tree_key_free(hr_tree *t, hr_key *key);
/* Binary search among key's subkeys.  Returns true and *index when found; otherwise false and
 * *index = the insertion point. */
bool tree_find_subkey(const hr_key *key, const uint16_t *name, uint32_t len, uint32_t *index);
/* Inserts child at index (from tree_find_subkey) and sets child->parent. */
hr_status tree_insert_subkey(hr_tree *t, hr_key *parent, hr_key *child, uint32_t index);
/* Appends child (the loader, whose input order is validated sorted). */
hr_status tree_append_subkey(hr_tree *t, hr_key *parent, hr_key *child);
/* Detaches subkeys[index] from parent (child->parent = NULL); does not free it. */
void tree_remove_subkey(hr_key *parent, uint32_t index);
/* Replaces the key's name (rename); the caller re-sorts the parent (tree_resort_child). */
hr_status tree_key_set_name(hr_tree *t, hr_key *key, const uint16_t *name, uint32_t len);
/* Moves parent->subkeys[index] to its sorted position after a rename. */
void tree_resort_child(hr_key *parent, uint32_t index);
hr_status tree_key_set_class(hr_tree *t, hr_key *key, const uint8_t *data, uint32_t len);

/* ---- values ---- */
/* Index of the value named name (case-insensitive), or -1. */
int64_t tree_find_value(const hr_key *key, const uint16_t *name, uint32_t len);
/* Sets (replaces or appends) a value with copies of name and data. */
hr_status tree_set_value(hr_tree *t, hr_key *key, const uint16_t *name, uint32_t name_len,
                         uint32_t type, const uint8_t *data, uint32_t size);
/* Appends a value, taking ownership of name (name_len units, allocated with mem) and data
 * (size bytes) as separate blocks.  On failure the caller still owns them. */
hr_status tree_append_value_owned(hr_tree *t, hr_key *key, uint16_t *name, uint32_t name_len,
                                  uint32_t type, uint8_t *data, uint32_t size, uint16_t flags);
/* The loader's form: reserves the next value slot and one block for name + data
 * (name_len * 2 + size bytes, joined storage, from the arena when small enough).  On success
 * *v is the new value (name, data point into the block; the caller fills them and the other
 * fields are set); on failure (ERROR_NOT_ENOUGH_MEMORY) nothing changed.
 * borrow: when non-NULL, size bytes inside t->image that become the value's data without a
 * copy (v->borrowed; the block then holds the name only, and none is taken for a value
 * without a name). */
hr_status tree_append_value_joined(hr_tree *t, hr_key *key, uint32_t name_len, uint32_t type,
                                   uint32_t size, uint16_t flags, uint8_t *borrow, hr_value **v);
void tree_delete_value(hr_tree *t, hr_key *key, uint32_t index);
void tree_value_clear(hr_tree *t, hr_value *v);

/* ---- security descriptors ---- */
/* Returns the ring entry with these exact bytes, creating it (refs 0) if absent. */
hr_sd *tree_sd_intern(hr_tree *t, const uint8_t *bytes, uint32_t len);
/* As tree_sd_intern for the descriptor bytes[0..len) followed by (stored_len - len) zero bytes;
 * reads only len bytes of the source. */
hr_sd *tree_sd_intern_padded(hr_tree *t, const uint8_t *bytes, uint32_t len, uint32_t stored_len);
/* Adds a descriptor to the ring (refs 0) without searching it: the caller guarantees no equal
 * one is there (the loader, which deduplicates a hive's descriptors itself in O(n log n)). */
hr_sd *tree_sd_new(hr_tree *t, const uint8_t *bytes, uint32_t len);
/* Points key at sd (refs+1), releasing its previous one (refs-1, freed at 0). */
void tree_key_set_sd(hr_tree *t, hr_key *key, hr_sd *sd);
void tree_sd_unref(hr_tree *t, hr_sd *sd);

/* ---- whole tree ---- */
/* Frees the root subtree, every remaining descriptor, the arena and the file image.  Detached
 * keys (which may hold arena objects and borrowed data) must be freed before
 * (hive_free_contents does). */
void tree_free(hr_tree *t);
/* Checks the invariants above over the subtree at key; returns ERROR_SUCCESS or
 * ERROR_INVALID_DATA with a message in diag.  Iterative. */
hr_status tree_check(const hr_tree *t, HRDiagnostic *diag);
/* Counts keys and values under key (inclusive).  Iterative. */
void tree_count(const hr_key *key, uint64_t *n_keys, uint64_t *n_values);

#endif /* HIVEREF_TREE_H */
