/*
 * tree.c: the in-memory hive model; see tree.h for the invariants.
 * Every mutator allocates everything it needs before it changes anything, so an allocation
 * failure leaves the tree exactly as it was (issue #4 "every write call is atomic").
 */
#include "tree.h"

#include <string.h>

#include "layout.h"
#include "name.h"

/* ---- keys ---------------------------------------------------------------------------------- */

hr_key *tree_key_alloc(hr_tree *t, uint32_t len, bool arena) {
  size_t size;
  if (!mem_add(&size, sizeof(hr_key), (size_t)len * 2)) return NULL;
  bool in_arena = false;
  hr_key *k = arena ? mem_arena_alloc(t->mem, &t->arena, size, &in_arena) : mem_alloc(t->mem, size);
  if (!k) return NULL;
  memset(k, 0, sizeof *k); /* name_buf is the caller's to fill */
  k->arena_bits = in_arena ? TREE_ARENA_KEY : 0;
  k->inline_len = len;
  k->name_inline = len ? 1 : 0;
  k->name = len ? k->name_buf : NULL;
  k->name_len = len;
  k->cell = REGF_CELL_NIL;
  return k;
}

hr_key *tree_key_new(hr_tree *t, const uint16_t *name, uint32_t len) {
  hr_key *k = tree_key_alloc(t, len, false);
  if (k && len) memcpy(k->name_buf, name, (size_t)len * 2);
  return k;
}

/* Frees a value's owned storage: joined = one block at name (or at data when the name is
 * empty) holding the name and, unless borrowed, the data; borrowed data is the image's. */
static void value_free_storage(hr_tree *t, hr_value *v) {
  size_t data_bytes = v->borrowed ? 0 : v->size;
  if (v->joined) {
    void *block = v->name_len ? (void *)v->name : (data_bytes ? (void *)v->data : NULL);
    size_t bytes = (size_t)v->name_len * 2 + data_bytes;
    if (block && v->joined == 2) mem_arena_forget(t->mem, block, bytes);
    else if (block) mem_free(t->mem, block, bytes);
    return;
  }
  if (v->name) mem_free(t->mem, v->name, (size_t)v->name_len * 2);
  if (v->data && data_bytes) mem_free(t->mem, v->data, data_bytes);
}

void tree_value_clear(hr_tree *t, hr_value *v) {
  value_free_storage(t, v);
  memset(v, 0, sizeof *v);
}

/* Frees one key's own storage (not its subkeys). */
/* Frees one block that is an arena object when bit is set in bits. */
static void free_maybe_arena(hr_tree *t, void *p, size_t size, uint8_t bits, uint8_t bit) {
  if (!p) return;
  if (bits & bit) mem_arena_forget(t->mem, p, size);
  else mem_free(t->mem, p, size);
}

/* Frees one key's own storage (not its subkeys). */
static void key_free_self(hr_tree *t, hr_key *k) {
  /* No tree_value_clear: the slots go with the array.  A value whose storage is one arena
   * block (joined == 2: name + data, or name + borrowed data) owns nothing else, and
   * forgetting an arena object is a no-op outside strict mode and AddressSanitizer: the
   * loader's values cost nothing here then (90,000 per 15 MB hive at close). */
  bool skip_arena = mem_arena_forget_is_noop(t->mem);
  for (uint32_t i = 0; i < k->n_values; i++) {
    hr_value *v = &k->values[i];
    if (!(skip_arena && v->joined == 2)) value_free_storage(t, v);
  }
  free_maybe_arena(t, k->values, (size_t)k->cap_values * sizeof *k->values, k->arena_bits,
                   TREE_ARENA_VALUES);
  free_maybe_arena(t, k->subkeys, (size_t)k->cap_subkeys * sizeof *k->subkeys, k->arena_bits,
                   TREE_ARENA_SUBKEYS);
  if (k->class_data) mem_free(t->mem, k->class_data, k->class_len);
  if (k->name && !k->name_inline) mem_free(t->mem, k->name, (size_t)k->name_len * 2);
  if (k->sd) tree_sd_unref(t, k->sd);
  free_maybe_arena(t, k, sizeof *k + (size_t)k->inline_len * 2, k->arena_bits, TREE_ARENA_KEY);
}

/* mem_grow for an array that may be an arena object: an arena array is first copied to a
 * block of its own (arena objects never grow).  Atomic: on failure nothing changed. */
static bool grow_array_slow(hr_tree *t, hr_key *k, void **arr, uint32_t *cap, uint32_t need,
                            size_t elem, uint8_t bit) {
  if (!(k->arena_bits & bit)) return mem_grow(t->mem, arr, cap, need, elem);
  void *na = NULL;
  uint32_t ncap = 0;
  if (!mem_grow(t->mem, &na, &ncap, need, elem)) return false;
  if (*arr) {
    memcpy(na, *arr, (size_t)*cap * elem);
    mem_arena_forget(t->mem, *arr, (size_t)*cap * elem);
  }
  *arr = na;
  *cap = ncap;
  k->arena_bits = (uint8_t)(k->arena_bits & ~bit);
  return true;
}

/* The common case (the loader's exact-size arrays have room) without a call. */
static inline bool grow_array(hr_tree *t, hr_key *k, void **arr, uint32_t *cap, uint32_t need,
                              size_t elem, uint8_t bit) {
  return need <= *cap || grow_array_slow(t, k, arr, cap, need, elem, bit);
}

/* An exact-size array for the loader, from the arena when small enough.  Not zeroed: only
 * the first n_values / n_subkeys slots are ever read, and the loader fills them in order. */
static hr_status reserve_array(hr_tree *t, hr_key *k, void **arr, uint32_t *cap, uint32_t n,
                               size_t elem, uint8_t bit) {
  size_t bytes;
  if (*arr || n == 0) return ERROR_SUCCESS;
  if (!mem_mul(&bytes, n, elem)) return ERROR_NOT_ENOUGH_MEMORY;
  bool in_arena;
  void *p = mem_arena_alloc(t->mem, &t->arena, bytes, &in_arena);
  if (!p) return ERROR_NOT_ENOUGH_MEMORY;
  *arr = p;
  *cap = n;
  if (in_arena) k->arena_bits = (uint8_t)(k->arena_bits | bit);
  return ERROR_SUCCESS;
}

hr_status tree_key_reserve_values(hr_tree *t, hr_key *key, uint32_t n) {
  return reserve_array(t, key, (void **)&key->values, &key->cap_values, n, sizeof *key->values,
                       TREE_ARENA_VALUES);
}

hr_status tree_key_reserve_subkeys(hr_tree *t, hr_key *key, uint32_t n) {
  return reserve_array(t, key, (void **)&key->subkeys, &key->cap_subkeys, n,
                       sizeof *key->subkeys, TREE_ARENA_SUBKEYS);
}

void tree_key_free(hr_tree *t, hr_key *key) {
  if (!key) return;
  hr_key *top_parent = key->parent;
  key->parent = NULL; /* so the walk stops at key */
  hr_key *cur = key;
  for (;;) {
    if (cur->n_subkeys) {
      hr_key *child = cur->subkeys[--cur->n_subkeys];
      child->parent = cur;
      cur = child;
      continue;
    }
    hr_key *up = cur->parent;
    key_free_self(t, cur);
    if (cur == key || !up) break;
    cur = up;
  }
  (void)top_parent;
}

bool tree_find_subkey(const hr_key *key, const uint16_t *name, uint32_t len, uint32_t *index) {
  uint32_t lo = 0, hi = key->n_subkeys;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    const hr_key *c = key->subkeys[mid];
    int d = name_cmp(c->name, c->name_len, name, len);
    if (d == 0) {
      *index = mid;
      return true;
    }
    if (d < 0) lo = mid + 1;
    else hi = mid;
  }
  *index = lo;
  return false;
}

hr_status tree_insert_subkey(hr_tree *t, hr_key *parent, hr_key *child, uint32_t index) {
  if (parent->n_subkeys == UINT32_MAX) return ERROR_NOT_ENOUGH_MEMORY;
  if (!grow_array(t, parent, (void **)&parent->subkeys, &parent->cap_subkeys,
                  parent->n_subkeys + 1, sizeof *parent->subkeys, TREE_ARENA_SUBKEYS))
    return ERROR_NOT_ENOUGH_MEMORY;
  if (index < parent->n_subkeys) /* not for the loader's appends */
    memmove(parent->subkeys + index + 1, parent->subkeys + index,
            (size_t)(parent->n_subkeys - index) * sizeof *parent->subkeys);
  parent->subkeys[index] = child;
  parent->n_subkeys++;
  child->parent = parent;
  return ERROR_SUCCESS;
}

hr_status tree_append_subkey(hr_tree *t, hr_key *parent, hr_key *child) {
  return tree_insert_subkey(t, parent, child, parent->n_subkeys);
}

void tree_remove_subkey(hr_key *parent, uint32_t index) {
  hr_key *child = parent->subkeys[index];
  memmove(parent->subkeys + index, parent->subkeys + index + 1,
          (size_t)(parent->n_subkeys - index - 1) * sizeof *parent->subkeys);
  parent->n_subkeys--;
  child->parent = NULL;
}

hr_status tree_key_set_name(hr_tree *t, hr_key *key, const uint16_t *name, uint32_t len) {
  if (len && len <= key->inline_len) {
    /* Fits the key's own name storage: no allocation, cannot fail.  memmove: name may be
     * the key's current name. */
    memmove(key->name_buf, name, (size_t)len * 2);
    if (key->name && !key->name_inline) mem_free(t->mem, key->name, (size_t)key->name_len * 2);
    key->name = key->name_buf;
    key->name_inline = 1;
    key->name_len = len;
    return ERROR_SUCCESS;
  }
  uint16_t *copy = mem_dup(t->mem, name, (size_t)len * 2);
  if (!copy) return ERROR_NOT_ENOUGH_MEMORY;
  if (key->name && !key->name_inline) mem_free(t->mem, key->name, (size_t)key->name_len * 2);
  key->name = copy;
  key->name_inline = 0;
  key->name_len = len;
  return ERROR_SUCCESS;
}

void tree_resort_child(hr_key *parent, uint32_t index) {
  hr_key **a = parent->subkeys;
  hr_key *c = a[index];
  uint32_t i = index;
  while (i > 0 && name_cmp(a[i - 1]->name, a[i - 1]->name_len, c->name, c->name_len) > 0) {
    a[i] = a[i - 1];
    i--;
  }
  while (i + 1 < parent->n_subkeys &&
         name_cmp(a[i + 1]->name, a[i + 1]->name_len, c->name, c->name_len) < 0) {
    a[i] = a[i + 1];
    i++;
  }
  a[i] = c;
}

hr_status tree_key_set_class(hr_tree *t, hr_key *key, const uint8_t *data, uint32_t len) {
  uint8_t *copy = NULL;
  if (len) {
    copy = mem_dup(t->mem, data, len);
    if (!copy) return ERROR_NOT_ENOUGH_MEMORY;
  }
  if (key->class_data) mem_free(t->mem, key->class_data, key->class_len);
  key->class_data = copy;
  key->class_len = len;
  return ERROR_SUCCESS;
}

/* ---- values -------------------------------------------------------------------------------- */

int64_t tree_find_value(const hr_key *key, const uint16_t *name, uint32_t len) {
  for (uint32_t i = 0; i < key->n_values; i++) {
    const hr_value *v = &key->values[i];
    if (name_eq(v->name, v->name_len, name, len)) return i;
  }
  return -1;
}

hr_status tree_set_value(hr_tree *t, hr_key *key, const uint16_t *name, uint32_t name_len,
                         uint32_t type, const uint8_t *data, uint32_t size) {
  int64_t idx = tree_find_value(key, name, name_len);
  uint8_t *dcopy = NULL;
  if (size) {
    dcopy = mem_dup(t->mem, data, size);
    if (!dcopy) return ERROR_NOT_ENOUGH_MEMORY;
  }
  if (idx >= 0) {
    /* Replace data and type in place; the stored name keeps its original case (as Windows). */
    hr_value *v = &key->values[idx];
    if (v->joined && v->name_len) {
      /* The name shares its block with the old data: give the name a block of its own. */
      uint16_t *ncopy = mem_dup(t->mem, v->name, (size_t)v->name_len * 2);
      if (!ncopy) {
        if (dcopy) mem_free(t->mem, dcopy, size);
        return ERROR_NOT_ENOUGH_MEMORY;
      }
      value_free_storage(t, v);
      v->name = ncopy;
    } else if (v->joined) {
      value_free_storage(t, v); /* unnamed: the block is the data alone (none if borrowed) */
    } else if (v->data && !v->borrowed) {
      mem_free(t->mem, v->data, v->size);
    }
    /* Copy-on-write: borrowed image bytes are replaced, never written (tree.h). */
    v->joined = 0;
    v->borrowed = 0;
    v->data = dcopy;
    v->size = size;
    v->type = type;
    v->flags = 0;
    return ERROR_SUCCESS;
  }
  uint16_t *ncopy = NULL;
  if (name_len) {
    ncopy = mem_dup(t->mem, name, (size_t)name_len * 2);
    if (!ncopy) {
      if (dcopy) mem_free(t->mem, dcopy, size);
      return ERROR_NOT_ENOUGH_MEMORY;
    }
  }
  hr_status st = tree_append_value_owned(t, key, ncopy, name_len, type, dcopy, size, 0);
  if (st != ERROR_SUCCESS) {
    if (ncopy) mem_free(t->mem, ncopy, (size_t)name_len * 2);
    if (dcopy) mem_free(t->mem, dcopy, size);
  }
  return st;
}

hr_status tree_append_value_owned(hr_tree *t, hr_key *key, uint16_t *name, uint32_t name_len,
                                  uint32_t type, uint8_t *data, uint32_t size, uint16_t flags) {
  if (key->n_values == UINT32_MAX) return ERROR_NOT_ENOUGH_MEMORY;
  if (!grow_array(t, key, (void **)&key->values, &key->cap_values, key->n_values + 1,
                  sizeof *key->values, TREE_ARENA_VALUES))
    return ERROR_NOT_ENOUGH_MEMORY;
  hr_value *v = &key->values[key->n_values++];
  v->name = name_len ? name : NULL;
  v->name_len = name_len;
  v->type = type;
  v->size = size;
  v->flags = flags;
  v->joined = 0;
  v->borrowed = 0;
  v->data = size ? data : NULL;
  return ERROR_SUCCESS;
}

hr_status tree_append_value_joined(hr_tree *t, hr_key *key, uint32_t name_len, uint32_t type,
                                   uint32_t size, uint16_t flags, uint8_t *borrow,
                                   hr_value **out) {
  if (key->n_values == UINT32_MAX) return ERROR_NOT_ENOUGH_MEMORY;
  size_t bytes;
  if (!mem_add(&bytes, (size_t)name_len * 2, borrow ? 0 : size)) return ERROR_NOT_ENOUGH_MEMORY;
  uint8_t *block = NULL;
  bool in_arena = false;
  if (bytes && !(block = mem_arena_alloc(t->mem, &t->arena, bytes, &in_arena)))
    return ERROR_NOT_ENOUGH_MEMORY;
  if (!grow_array(t, key, (void **)&key->values, &key->cap_values, key->n_values + 1,
                  sizeof *key->values, TREE_ARENA_VALUES)) {
    if (block && in_arena) mem_arena_forget(t->mem, block, bytes);
    else if (block) mem_free(t->mem, block, bytes);
    return ERROR_NOT_ENOUGH_MEMORY;
  }
  hr_value *v = &key->values[key->n_values++];
  /* The name comes first (2-byte aligned at the block start); data follows it. */
  v->name = name_len ? (uint16_t *)(void *)block : NULL;
  v->name_len = name_len;
  v->type = type;
  v->size = size;
  v->flags = flags;
  v->joined = in_arena ? 2 : 1;
  v->borrowed = borrow && size ? 1 : 0;
  v->data = !size ? NULL : borrow ? borrow : block + (size_t)name_len * 2;
  *out = v;
  return ERROR_SUCCESS;
}

void tree_delete_value(hr_tree *t, hr_key *key, uint32_t index) {
  tree_value_clear(t, &key->values[index]);
  memmove(key->values + index, key->values + index + 1,
          (size_t)(key->n_values - index - 1) * sizeof *key->values);
  key->n_values--;
}

/* ---- security descriptors ------------------------------------------------------------------ */

hr_sd *tree_sd_intern(hr_tree *t, const uint8_t *bytes, uint32_t len) {
  if (t->sds) {
    hr_sd *s = t->sds;
    do {
      if (s->len == len && memcmp(s->bytes, bytes, len) == 0) return s;
      s = s->next;
    } while (s != t->sds);
  }
  return tree_sd_new(t, bytes, len);
}

static bool all_zero(const uint8_t *p, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (p[i]) return false;
  return true;
}

hr_sd *tree_sd_intern_padded(hr_tree *t, const uint8_t *bytes, uint32_t len, uint32_t stored_len) {
  if (stored_len <= len) return tree_sd_intern(t, bytes, len);
  if (t->sds) {
    hr_sd *s = t->sds;
    do {
      if (s->len == stored_len && memcmp(s->bytes, bytes, len) == 0 &&
          all_zero(s->bytes + len, stored_len - len))
        return s;
      s = s->next;
    } while (s != t->sds);
  }
  uint8_t *copy = mem_zalloc(t->mem, stored_len);
  if (!copy) return NULL;
  memcpy(copy, bytes, len);
  hr_sd *s = tree_sd_new(t, copy, stored_len);
  mem_free(t->mem, copy, stored_len);
  return s;
}

hr_sd *tree_sd_new(hr_tree *t, const uint8_t *bytes, uint32_t len) {
  hr_sd *s = mem_zalloc(t->mem, sizeof *s);
  if (!s) return NULL;
  s->bytes = mem_dup(t->mem, bytes, len);
  if (!s->bytes) {
    mem_free(t->mem, s, sizeof *s);
    return NULL;
  }
  s->len = len;
  if (t->sds) {
    s->next = t->sds;
    s->prev = t->sds->prev;
    t->sds->prev->next = s;
    t->sds->prev = s;
  } else {
    s->next = s->prev = s;
    t->sds = s;
  }
  t->n_sds++;
  return s;
}

static void sd_free(hr_tree *t, hr_sd *s) {
  if (s->next == s) {
    t->sds = NULL;
  } else {
    s->prev->next = s->next;
    s->next->prev = s->prev;
    if (t->sds == s) t->sds = s->next;
  }
  t->n_sds--;
  mem_free(t->mem, s->bytes, s->len ? s->len : 1);
  mem_free(t->mem, s, sizeof *s);
}

void tree_sd_unref(hr_tree *t, hr_sd *sd) {
  if (sd->refs && --sd->refs == 0) sd_free(t, sd);
}

void tree_key_set_sd(hr_tree *t, hr_key *key, hr_sd *sd) {
  sd->refs++;
  if (key->sd) tree_sd_unref(t, key->sd);
  key->sd = sd;
}

/* ---- whole tree ---------------------------------------------------------------------------- */

void tree_free(hr_tree *t) {
  if (t->root) tree_key_free(t, t->root);
  t->root = NULL;
  /* Descriptors interned but never referenced (refs 0) are still in the ring. */
  while (t->sds) sd_free(t, t->sds);
  mem_arena_release(t->mem, &t->arena);
  /* Last: every value that borrowed from the image is gone (detached keys first, tree.h). */
  if (t->image) mem_free(t->mem, t->image, t->image_size);
  t->image = NULL;
  t->image_size = 0;
}

/* Pre-order iterative walk helper: next key after cur within the subtree of top. */
static const hr_key *walk_next(const hr_key *top, const hr_key *cur) {
  if (cur->n_subkeys) return cur->subkeys[0];
  while (cur != top) {
    const hr_key *p = cur->parent;
    uint32_t i;
    /* Position of cur among p's children: binary search by name (sorted invariant). */
    if (tree_find_subkey(p, cur->name, cur->name_len, &i) && p->subkeys[i] == cur) {
      if (i + 1 < p->n_subkeys) return p->subkeys[i + 1];
    } else {
      /* Invariant broken; linear fallback keeps the walk correct for tree_check. */
      uint32_t j = 0;
      while (j < p->n_subkeys && p->subkeys[j] != cur) j++;
      if (j + 1 < p->n_subkeys) return p->subkeys[j + 1];
    }
    cur = p;
  }
  return NULL;
}

void tree_count(const hr_key *key, uint64_t *n_keys, uint64_t *n_values) {
  uint64_t nk = 0, nv = 0;
  for (const hr_key *k = key; k; k = walk_next(key, k)) {
    nk++;
    nv += k->n_values;
  }
  if (n_keys) *n_keys = nk;
  if (n_values) *n_values = nv;
}

hr_status tree_check(const hr_tree *t, HRDiagnostic *diag) {
  if (!t->root) return diag_set(diag, ERROR_INVALID_DATA, "", HR_NO_OFFSET, "tree has no root");
  for (const hr_key *k = t->root; k; k = walk_next(t->root, k)) {
    if (!k->sd) return diag_set(diag, ERROR_INVALID_DATA, "", k->cell, "key without security");
    if (k != t->root && (k->name_len == 0 || k->name_len > 256))
      return diag_set(diag, ERROR_INVALID_DATA, "", k->cell, "key name length %u", k->name_len);
    for (uint32_t i = 0; i < k->n_subkeys; i++) {
      const hr_key *c = k->subkeys[i];
      if (c->parent != k)
        return diag_set(diag, ERROR_INVALID_DATA, "", c->cell, "child parent pointer broken");
      if (i && name_cmp(k->subkeys[i - 1]->name, k->subkeys[i - 1]->name_len, c->name,
                        c->name_len) >= 0)
        return diag_set(diag, ERROR_INVALID_DATA, "", c->cell, "subkeys not strictly sorted");
    }
    for (uint32_t i = 0; i < k->n_values; i++) {
      const hr_value *v = &k->values[i];
      if ((v->size == 0) != (v->data == NULL) || (v->name_len == 0) != (v->name == NULL))
        return diag_set(diag, ERROR_INVALID_DATA, "", k->cell, "value storage inconsistent");
    }
  }
  /* Reference counts: count keys per descriptor (attached tree only; detached keys are the
   * API's, which checks them separately). */
  if (t->sds) {
    const hr_sd *s = t->sds;
    uint32_t n = 0;
    do {
      n++;
      if (s->next->prev != s)
        return diag_set(diag, ERROR_INVALID_DATA, "", HR_NO_OFFSET, "sd ring broken");
      s = s->next;
    } while (s != t->sds && n <= t->n_sds);
    if (n != t->n_sds)
      return diag_set(diag, ERROR_INVALID_DATA, "", HR_NO_OFFSET, "sd ring count %u != %u", n,
                      t->n_sds);
  }
  return ERROR_SUCCESS;
}
