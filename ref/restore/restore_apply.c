/*
 * restore_apply.c: executing a restore plan on the restored hive (in memory; the caller saves).
 *
 * [VSS] step 3: "Copy each key from the existing HKLM\SYSTEM into HKLM\TMP_SYSTEM according to
 * the semantics described above":
 *  - key replace: "This key and all subordinate keys and data must be copied from the existing
 *    registry ... into the newly restored registry ... This operation replaces the corresponding
 *    key in the restored registry": the restored subtree is deleted, the existing one copied.
 *  - key merge: existing subkeys absent from restored are copied whole; for subkeys in both the
 *    restored one is kept, and in the two Start exceptions the existing Start value is carried
 *    into it ("the lower value must be preserved"); values of the merged key that exist only in
 *    existing are added.  One level: subkeys present in both are not merged further.
 *  - value preserve: the value is copied byte for byte (type and size as stored).
 * Missing parent keys in the restored hive are created (with their parent's security).
 * Entries are applied in plan order; each decision the plan recorded is re-checked against the
 * restored hive as it is at that moment (an earlier entry may have created the key already), so
 * overlapping rules never copy twice.
 */
#include <string.h>

#include "restore_int.h"

static const WCHAR k_start[] = {'S', 't', 'a', 'r', 't', 0};

static DWORD apply_replace(hrr_walk *w, const HRRestoreOp *op, ORHKEY src, ORHKEY restored) {
  size_t plen, llen;
  const WCHAR *leaf;
  hrr_split_last(op->dst_path, op->dst_path_len, &plen, &leaf, &llen);
  if (llen == 0) return ERROR_INVALID_PARAMETER; /* the root: refused by the grammar */
  ORHKEY parent;
  int owned;
  DWORD st = hrr_create_path(w, restored, op->dst_path, plen, &parent, &owned);
  if (st != ERROR_SUCCESS) return st;
  ORHKEY old = NULL;
  st = OROpenKey(parent, leaf, &old); /* leaf is NUL-terminated: the tail of dst_path */
  if (st == ERROR_SUCCESS) {
    ORCloseKey(old);
    st = hrr_delete_tree(w, parent, leaf);
  } else if (st == ERROR_FILE_NOT_FOUND) {
    st = ERROR_SUCCESS;
  }
  if (st == ERROR_SUCCESS) st = hrr_copy_tree(w, src, parent, leaf);
  if (owned) ORCloseKey(parent);
  return st;
}

static DWORD apply_merge(hrr_walk *w, const HRRestoreOp *op, ORHKEY src, ORHKEY restored) {
  ORHKEY dst;
  int owned;
  DWORD st = hrr_create_path(w, restored, op->dst_path, op->dst_path_len, &dst, &owned);
  if (st != ERROR_SUCCESS) return st;
  for (size_t i = 0; st == ERROR_SUCCESS && i < op->n_children; i++) {
    const HRRestoreChild *c = &op->children[i];
    bool carry = c->action == HRR_CHILD_CARRY_START_MISSING ||
                 c->action == HRR_CHILD_CARRY_START_LOWER;
    if (c->action != HRR_CHILD_ADD && !carry) continue;
    ORHKEY s = NULL, d = NULL;
    st = OROpenKey(src, c->name, &s);
    if (st != ERROR_SUCCESS) break;
    DWORD dst_st = OROpenKey(dst, c->name, &d);
    if (c->action == HRR_CHILD_ADD) {
      if (dst_st == ERROR_FILE_NOT_FOUND) st = hrr_copy_tree(w, s, dst, c->name);
      else if (dst_st != ERROR_SUCCESS) st = dst_st;
      /* else: an earlier entry created it; the restored copy is kept. */
    } else if (dst_st == ERROR_SUCCESS) {
      st = hrr_copy_value(w, s, d, k_start);
    } else {
      st = dst_st;
    }
    if (d) ORCloseKey(d);
    ORCloseKey(s);
  }
  for (size_t i = 0; st == ERROR_SUCCESS && i < op->n_add_values; i++) {
    DWORD type = 0, cb = 0;
    DWORD g = ORGetValue(dst, NULL, op->add_values[i], &type, NULL, &cb);
    if (g == ERROR_FILE_NOT_FOUND) st = hrr_copy_value(w, src, dst, op->add_values[i]);
    else if (g != ERROR_SUCCESS) st = g;
  }
  if (owned) ORCloseKey(dst);
  return st;
}

static DWORD apply_value(hrr_walk *w, const HRRestoreOp *op, ORHKEY src, ORHKEY restored) {
  ORHKEY dst;
  int owned;
  DWORD st = hrr_create_path(w, restored, op->dst_path, op->dst_path_len, &dst, &owned);
  if (st != ERROR_SUCCESS) return st;
  st = hrr_copy_value(w, src, dst, op->value);
  if (owned) ORCloseKey(dst);
  return st;
}

DWORD HRRestoreApply(HRRestorePlan *plan, ORHKEY existing, ORHKEY restored,
                     HRRestoreProgress progress, void *ctx) {
  if (!plan || !existing || !restored || existing == restored || plan->mem != restored)
    return ERROR_INVALID_PARAMETER;
  hrr_walk w;
  hrr_walk_init(&w, restored);
  w.progress = progress;
  w.ctx = ctx;
  w.total = plan->n_ops;
  DWORD st = ERROR_SUCCESS;
  for (size_t i = 0; st == ERROR_SUCCESS && i < plan->n_ops; i++) {
    HRRestoreOp *op = &plan->ops[i];
    w.done = i;
    if (op->kind == HRR_SKIP) {
      if (progress) progress(ctx, i + 1, plan->n_ops, w.keys_copied);
      continue;
    }
    uint64_t k0 = w.keys_copied, v0 = w.values_copied, d0 = w.keys_deleted, u0 = w.unrepresentable;
    ORHKEY src;
    int owned;
    st = hrr_open_path(existing, op->src_path, op->src_path_len, &src, &owned);
    if (st != ERROR_SUCCESS) break;
    switch (op->kind) {
    case HRR_REPLACE: st = apply_replace(&w, op, src, restored); break;
    case HRR_MERGE: st = apply_merge(&w, op, src, restored); break;
    case HRR_VALUE: st = apply_value(&w, op, src, restored); break;
    case HRR_SKIP: break;
    }
    if (owned) ORCloseKey(src);
    op->keys_copied = w.keys_copied - k0;
    op->values_copied = w.values_copied - v0;
    op->keys_deleted = w.keys_deleted - d0;
    op->unrepresentable += w.unrepresentable - u0; /* plus what planning found */
    op->applied = st == ERROR_SUCCESS;
    if (progress) progress(ctx, i + 1, plan->n_ops, w.keys_copied);
  }
  hrr_walk_free(&w);
  return st;
}
