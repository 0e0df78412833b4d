/*
 * api_merge.c: ORMergeHives, ORStart, ORShutdown (offreg-api.md §1.21, §1.23; undocumented by
 * Microsoft, so the semantics here are IMPLEMENTATION-DEFINED and recorded in BEHAVIOUR.md).
 *
 * ORMergeHives(handles, n, &result) builds a NEW in-memory hive, independent of its inputs
 * (hcsshim closes the inputs after saving the merged hive).  HiveHandles[0] is the base layer
 * and every later hive is laid over the result so far (hcsshim: index 0 = parent, 1 = delta).
 * Layers use msuhanov's "layered keys" model (regf-format.md §5.8, nk+0x0D):
 *  - a key with LayerSemantics 1 (tombstone) deletes the lower key and its subtree;
 *  - 3 (supersede tree) replaces the lower subtree: the lower key and its subtree are dropped,
 *    then the upper key is copied;
 *  - 2 (supersede local) replaces the key's own values (and class) but merges its subkeys;
 *  - 0 (normal) merges: upper values replace same-named lower values, a tombstone value
 *    (vk flag 0x2) deletes the lower value, others are appended in the upper layer's order.
 *  - For every key present in a layer, that layer's class (unless the InheritClass bit 0x80 is
 *    set), security descriptor, flags, virtualization bits and last-write time win.
 * The result carries no layer bits and no tombstones: it is a flat hive.  The root keeps the
 * base hive's root name.  Every input must be a hive (root) handle: ERROR_INVALID_PARAMETER
 * otherwise; HiveCount 0 is ERROR_INVALID_PARAMETER.
 */
#include <string.h>

#include "api.h"
#include "layout.h"

typedef struct merge_frame {
  const hr_key *src;
  hr_key *dst;
  uint32_t next;
} merge_frame;

static uint8_t semantics(const hr_key *k) { return k->layer & NK_LAYER_SEMANTICS_MASK; }

/* Applies src's own data (values, class, security, flags) onto dst. */
static hr_status apply_key(hr_tree *t, const hr_key *src, hr_key *dst, bool replace_values) {
  if (replace_values) {
    while (dst->n_values) tree_delete_value(t, dst, dst->n_values - 1);
  }
  for (uint32_t i = 0; i < src->n_values; i++) {
    const hr_value *v = &src->values[i];
    if (v->flags & VK_FLAG_TOMBSTONE) {
      int64_t j = tree_find_value(dst, v->name, v->name_len);
      if (j >= 0) tree_delete_value(t, dst, (uint32_t)j);
      continue;
    }
    hr_status st = tree_set_value(t, dst, v->name, v->name_len, v->type, v->data, v->size);
    if (st != ERROR_SUCCESS) return st;
  }
  if (!(src->layer & NK_LAYER_INHERIT_CLASS)) {
    hr_status st = tree_key_set_class(t, dst, src->class_data, src->class_len);
    if (st != ERROR_SUCCESS) return st;
  }
  if (src->sd) {
    hr_sd *sd = tree_sd_intern(t, src->sd->bytes, src->sd->len);
    if (!sd) return ERROR_NOT_ENOUGH_MEMORY;
    tree_key_set_sd(t, dst, sd);
  }
  dst->flags = src->flags;
  dst->access_bits = src->access_bits;
  dst->virt_flags = src->virt_flags;
  dst->user_flags = src->user_flags;
  dst->debug_flags = src->debug_flags;
  dst->is_volatile = src->is_volatile;
  dst->last_write = src->last_write;
  dst->layer = 0;
  return ERROR_SUCCESS;
}

/* Lays the tree of one layer over the result (iterative, depth-bounded). */
static hr_status overlay(hr_tree *t, const hr_key *src_root, hr_key *dst_root) {
  merge_frame stack[HR_MAX_DEPTH];
  uint32_t depth = 1;
  stack[0].src = src_root;
  stack[0].dst = dst_root;
  stack[0].next = 0;
  hr_status st = apply_key(t, src_root, dst_root, semantics(src_root) != NK_LAYER_NORMAL);
  while (st == ERROR_SUCCESS && depth) {
    merge_frame *f = &stack[depth - 1];
    if (f->next >= f->src->n_subkeys) {
      depth--;
      continue;
    }
    const hr_key *sc = f->src->subkeys[f->next++];
    uint8_t sem = semantics(sc);
    uint32_t idx;
    bool found = tree_find_subkey(f->dst, sc->name, sc->name_len, &idx);
    if (found && (sem == NK_LAYER_TOMBSTONE || sem == NK_LAYER_SUPERSEDE_TREE)) {
      hr_key *old = f->dst->subkeys[idx];
      tree_remove_subkey(f->dst, idx);
      tree_key_free(t, old);
      found = false;
    }
    if (sem == NK_LAYER_TOMBSTONE) continue;
    hr_key *dc;
    if (found) {
      dc = f->dst->subkeys[idx];
    } else {
      dc = tree_key_new(t, sc->name, sc->name_len);
      if (!dc) return ERROR_NOT_ENOUGH_MEMORY;
      /* A new key needs a descriptor before it joins the tree (apply_key sets the real one). */
      tree_key_set_sd(t, dc, f->dst->sd);
      st = tree_insert_subkey(t, f->dst, dc, idx);
      if (st != ERROR_SUCCESS) {
        tree_key_free(t, dc);
        return st;
      }
    }
    st = apply_key(t, sc, dc, sem != NK_LAYER_NORMAL);
    if (st != ERROR_SUCCESS) return st;
    if (depth == HR_MAX_DEPTH) return ERROR_INVALID_DATA; /* deeper than any valid hive */
    stack[depth].src = sc;
    stack[depth].dst = dc;
    stack[depth].next = 0;
    depth++;
  }
  return st;
}

DWORD api_merge_hives_ex(ORHKEY *hives, DWORD count, const HROpenOptions *opt, PORHKEY result) {
  if (!result) return ERROR_INVALID_PARAMETER;
  *result = NULL;
  if (!hives || count == 0) return ERROR_INVALID_PARAMETER;
  if (opt && opt->struct_size != sizeof *opt) return ERROR_INVALID_PARAMETER;
  /* Validate every input before building anything. */
  for (DWORD i = 0; i < count; i++) {
    hr_ref r;
    hr_status st = handle_enter(hives[i], &r);
    if (st != ERROR_SUCCESS) return st;
    bool root = r.is_root;
    handle_leave(&r);
    if (!root) return ERROR_INVALID_PARAMETER;
  }
  hr_hive *out = hive_new(opt, 0);
  if (!out) return ERROR_NOT_ENOUGH_MEMORY;
  hr_tree *t = &out->tree;
  hr_status st = ERROR_SUCCESS;
  for (DWORD i = 0; i < count && st == ERROR_SUCCESS; i++) {
    hr_ref r;
    st = handle_enter(hives[i], &r);
    if (st != ERROR_SUCCESS) break; /* closed by another thread meanwhile */
    const hr_key *src = r.hive->tree.root;
    if (!t->root) {
      t->root = tree_key_new(t, src->name, src->name_len);
      if (!t->root) st = ERROR_NOT_ENOUGH_MEMORY;
      else if (src->sd) {
        hr_sd *sd = tree_sd_intern(t, src->sd->bytes, src->sd->len);
        if (!sd) st = ERROR_NOT_ENOUGH_MEMORY;
        else tree_key_set_sd(t, t->root, sd);
      }
    }
    if (st == ERROR_SUCCESS) st = overlay(t, src, t->root);
    handle_leave(&r);
  }
  if (st == ERROR_SUCCESS) {
    memset(&out->info, 0, sizeof out->info);
    out->info.major = REGF_MAJOR;
    out->info.minor = REGF_MINOR_LH;
    uint32_t slot;
    st = handle_reserve(out, &slot);
    if (st == ERROR_SUCCESS) {
      *result = handle_bind(slot, t->root, true);
      return ERROR_SUCCESS;
    }
  }
  if (hive_free_contents(out)) hive_count_leak();
  handle_discard_hive(out);
  return st;
}

DWORD WINAPI ORMergeHives(ORHKEY *HiveHandles, DWORD HiveCount, PORHKEY phkResult) {
  return api_merge_hives_ex(HiveHandles, HiveCount, NULL, phkResult);
}

/* §1.23: no documentation or usage exists; hiveref needs no library-wide initialisation (the
 * handle table initialises itself under its lock), so both succeed and change nothing
 * (IMPLEMENTATION-DEFINED).  ORShutdown does not close open hives. */
DWORD WINAPI ORStart(void) { return ERROR_SUCCESS; }
DWORD WINAPI ORShutdown(void) { return ERROR_SUCCESS; }
