/*
 * restore_plan.c: computing the restore plan (nothing is modified).
 *
 * [VSS] step 3: "Enumerate the values in the KeysNotToRestore subkey from both of the registry
 * copies and create a superset of the lists."  Both lists are read from
 * <ControlSet>\Control\BackupRestore\KeysNotToRestore, where <ControlSet> is ControlSet%03u of
 * each hive's own Select\Current (an offline SYSTEM hive has no CurrentControlSet: it is a
 * volatile link Windows creates at boot).  Every string becomes exactly one plan entry; the same
 * rule named twice (in one list or both, absolute or relative, "X*" or "X\*") is one entry whose
 * `sources` says where it came from.  Equality of rules folds ASCII case ([KNR]'s own defaults
 * mix "CurrentControlset" and "CurrentControlSet").
 *
 * Then each rule is resolved in each hive (CurrentControlSet -> ControlSet%03u, separately: the
 * two hives may use different control sets) and checked against the existing hive: a missing
 * source key or value is a skip, reported.  A key merge lists the decision for every direct
 * subkey of the existing key ([VSS] "start" rule, see HRRestoreChildAction and BEHAVIOUR.md).
 */
#include <stdio.h>
#include <string.h>

#include "restore_int.h"

static const WCHAR k_select[] = {'S', 'e', 'l', 'e', 'c', 't', 0};
static const WCHAR k_current[] = {'C', 'u', 'r', 'r', 'e', 'n', 't', 0};
static const WCHAR k_start[] = {'S', 't', 'a', 'r', 't', 0};
static const char k_list_tail[] = "\\Control\\BackupRestore\\KeysNotToRestore";

typedef struct build {
  HRRestorePlan *plan;
  ORHKEY root[2];              /* 0 existing, 1 restored */
  HRRestoreHiveInfo *info[2];
  size_t cap;
  /* Dedup index: open addressing over op indices + 1 (0 = empty). */
  uint32_t *slots;
  size_t n_slots;
  uint32_t *hashes;            /* per op */
  hrr_buf tmp;                 /* value data while reading lists */
} build;

/* ---- dedup ------------------------------------------------------------------------------- */

static WCHAR fold(WCHAR c) { return (c >= 'a' && c <= 'z') ? (WCHAR)(c - 32) : c; }

static uint32_t hash_rule(unsigned kind, const WCHAR *s, size_t n) {
  uint32_t h = 2166136261u ^ kind;
  for (size_t i = 0; i < n; i++) h = (h ^ fold(s[i])) * 16777619u;
  return h;
}

/* The identity of an entry: its form and normalised body for a parsed rule, the raw text (form
 * 0) for a malformed one. */
typedef struct rule_id {
  unsigned kind;
  const WCHAR *s;
  size_t n;
} rule_id;

static void op_id(const HRRestoreOp *op, rule_id *id);

static bool index_grow(build *b) {
  size_t n = b->n_slots ? b->n_slots * 2 : 64;
  uint32_t *slots = hrr_arena_alloc(b->plan, n * sizeof(uint32_t));
  uint32_t *hashes = hrr_arena_alloc(b->plan, (n / 2) * sizeof(uint32_t));
  if (!slots || !hashes) return false;
  for (size_t i = 0; i < b->plan->n_ops; i++) {
    hashes[i] = b->hashes[i];
    size_t j = hashes[i] & (n - 1);
    while (slots[j]) j = (j + 1) & (n - 1);
    slots[j] = (uint32_t)i + 1;
  }
  b->slots = slots;
  b->hashes = hashes;
  b->n_slots = n;
  return true;
}

static HRRestoreOp *index_find(build *b, const rule_id *id, uint32_t h) {
  if (!b->n_slots) return NULL;
  size_t j = h & (b->n_slots - 1);
  while (b->slots[j]) {
    size_t i = b->slots[j] - 1;
    if (b->hashes[i] == h) {
      rule_id o;
      op_id(&b->plan->ops[i], &o);
      if (o.kind == id->kind && hrr_eq_fold(o.s, o.n, id->s, id->n)) return &b->plan->ops[i];
    }
    j = (j + 1) & (b->n_slots - 1);
  }
  return NULL;
}

/* The body an op was keyed on is kept in src_path before resolution; to avoid a second copy the
 * id is recomputed from the rule text (pure, cheap). */
static void op_id(const HRRestoreOp *op, rule_id *id) {
  HRRestoreKind k;
  const WCHAR *body;
  size_t blen;
  int ccs, star;
  HRRestoreSkip r = HRRestoreParseRule(op->rule, op->rule_len, &k, &body, &blen, &ccs, &star);
  if ((op->kind == HRR_SKIP && op->rule_kind == 0) || r != HRR_SKIP_NONE) {
    id->kind = 16u + (unsigned)op->skip;
    id->s = op->rule;
    id->n = op->rule_len;
  } else {
    id->kind = (unsigned)k;
    id->s = body;
    id->n = blen;
  }
}

/* Appends a zeroed op and indexes it under h. */
static HRRestoreOp *push_op(build *b, uint32_t h) {
  HRRestorePlan *p = b->plan;
  if (p->n_ops >= UINT32_MAX - 1) return NULL;
  if (p->n_ops == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 32;
    HRRestoreOp *ops = hrr_arena_alloc(p, cap * sizeof(HRRestoreOp));
    if (!ops) return NULL;
    if (p->n_ops) memcpy(ops, p->ops, p->n_ops * sizeof(HRRestoreOp));
    p->ops = ops;
    b->cap = cap;
  }
  if ((p->n_ops + 1) * 2 > b->n_slots && !index_grow(b)) return NULL;
  size_t i = p->n_ops++;
  memset(&p->ops[i], 0, sizeof p->ops[i]);
  b->hashes[i] = h;
  size_t j = h & (b->n_slots - 1);
  while (b->slots[j]) j = (j + 1) & (b->n_slots - 1);
  b->slots[j] = (uint32_t)i + 1;
  return &p->ops[i];
}

/* ---- reading ----------------------------------------------------------------------------- */

/* Select\Current ([VSS] names CurrentControlSet; offline it is resolved here). */
static void read_select(ORHKEY root, HRRestoreHiveInfo *info) {
  DWORD type = 0, v = 0, cb = sizeof v;
  if (ORGetValue(root, k_select, k_current, &type, &v, &cb) == ERROR_SUCCESS &&
      type == REG_DWORD && cb == 4) {
    info->select_ok = 1;
    info->current = v;
  }
}

/* "ControlSet%03u" for a hive, as UTF-16 into out (capacity 32); returns the length. */
static size_t control_set_name(DWORD current, WCHAR *out) {
  char a[32];
  int n = snprintf(a, sizeof a, "ControlSet%03u", (unsigned)current);
  for (int i = 0; i < n; i++) out[i] = (WCHAR)(unsigned char)a[i];
  out[n] = 0;
  return (size_t)n;
}

/* Physical path of body in a hive: CurrentControlSet replaced by that hive's control set. */
static WCHAR *resolve(build *b, int side, const WCHAR *body, size_t n, int ccs, size_t *out_len) {
  WCHAR cs[32];
  size_t skip = 0, cs_len = 0;
  if (ccs) {
    cs_len = control_set_name(b->info[side]->current, cs);
    while (skip < n && body[skip] != '\\') skip++;
  }
  size_t len = cs_len + (n - skip);
  WCHAR *p = hrr_arena_alloc(b->plan, (len + 1) * sizeof(WCHAR));
  if (!p) return NULL;
  memcpy(p, cs, cs_len * sizeof(WCHAR));
  memcpy(p + cs_len, body + skip, (n - skip) * sizeof(WCHAR));
  p[len] = 0;
  *out_len = len;
  return p;
}

typedef struct start_info {
  int has, dword;
  DWORD type, value;
} start_info;

static DWORD read_start(ORHKEY key, start_info *s) {
  memset(s, 0, sizeof *s);
  DWORD type = 0, cb = 0;
  DWORD st = ORGetValue(key, NULL, k_start, &type, NULL, &cb);
  if (st == ERROR_FILE_NOT_FOUND) return ERROR_SUCCESS;
  if (st != ERROR_SUCCESS) return st;
  s->has = 1;
  s->type = type;
  if (type == REG_DWORD && cb == 4) {
    DWORD v = 0;
    cb = 4;
    st = ORGetValue(key, NULL, k_start, &type, &v, &cb);
    if (st != ERROR_SUCCESS) return st;
    s->dword = 1;
    s->value = v;
  }
  return ERROR_SUCCESS;
}

/* [VSS] key merge: "if a subkey exists in both the existing hive and the restored hive, the key
 * in the restored directory is preserved with the following exceptions: If the subkey in the
 * existing hive contains a value named 'start', and the subkey in the restored does not.  If the
 * subkey in both ... contain a value named 'start', and its numeric value in the existing hive is
 * less."  "If the value in the existing hive is lower ..., the lower value must be preserved." */
static HRRestoreChildAction start_rule(const start_info *e, const start_info *r) {
  if (!e->has && !r->has) return HRR_CHILD_KEEP_NO_START;
  if (!e->has) return HRR_CHILD_KEEP_RESTORED_START;
  if (!e->dword || (r->has && !r->dword)) return HRR_CHILD_KEEP_START_NOT_DWORD;
  if (!r->has) return HRR_CHILD_CARRY_START_MISSING;
  return e->value < r->value ? HRR_CHILD_CARRY_START_LOWER : HRR_CHILD_KEEP_START_NOT_LOWER;
}

/* The merge details of op: every direct subkey and every value of the existing key. */
static DWORD plan_merge(build *b, HRRestoreOp *op, ORHKEY src, ORHKEY dst) {
  DWORD nsub = 0, nval = 0, maxvname = 0;
  DWORD st = ORQueryInfoKey(src, NULL, NULL, &nsub, NULL, NULL, &nval, &maxvname, NULL, NULL, NULL);
  if (st != ERROR_SUCCESS) return st;
  if (nsub) {
    op->children = hrr_arena_alloc(b->plan, (size_t)nsub * sizeof(HRRestoreChild));
    if (!op->children) return ERROR_NOT_ENOUGH_MEMORY;
  }
  for (DWORD i = 0; i < nsub; i++) {
    WCHAR name[HRR_LOAD_KEY_NAME + 1];
    DWORD cn = HRR_LOAD_KEY_NAME + 1;
    st = OREnumKey(src, i, name, &cn, NULL, NULL, NULL);
    if (st == ERROR_NO_MORE_ITEMS) break;
    if (st != ERROR_SUCCESS) return st;
    if (cn > HRR_MAX_KEY_NAME || hrr_wcslen(name, cn) != cn) {
      op->unrepresentable++; /* no OR* call can name it: reported, not merged */
      continue;
    }
    name[cn] = 0;
    HRRestoreChild *c = &op->children[op->n_children++];
    c->name = hrr_arena_wdup(b->plan, name, cn);
    if (!c->name) return ERROR_NOT_ENOUGH_MEMORY;
    c->name_len = cn;
    ORHKEY rk = NULL;
    DWORD ost = dst ? OROpenKey(dst, name, &rk) : ERROR_FILE_NOT_FOUND;
    if (ost == ERROR_FILE_NOT_FOUND) {
      c->action = HRR_CHILD_ADD;
      continue;
    }
    if (ost != ERROR_SUCCESS) return ost;
    ORHKEY ek = NULL;
    st = OROpenKey(src, name, &ek);
    start_info es, rs;
    if (st == ERROR_SUCCESS) st = read_start(ek, &es);
    if (st == ERROR_SUCCESS) st = read_start(rk, &rs);
    if (ek) ORCloseKey(ek);
    ORCloseKey(rk);
    if (st != ERROR_SUCCESS) return st;
    c->existing_has_start = es.has;
    c->restored_has_start = rs.has;
    c->existing_start_type = es.type;
    c->restored_start_type = rs.type;
    c->existing_start = es.value;
    c->restored_start = rs.value;
    c->action = start_rule(&es, &rs);
  }
  /* [KNR]: "... but new entries will be merged": values of the merged key itself that exist only
   * in the existing hive are added; where both have one, the restored value stays. */
  if (nval) {
    op->add_values = hrr_arena_alloc(b->plan, (size_t)nval * sizeof(WCHAR *));
    op->add_value_lens = hrr_arena_alloc(b->plan, (size_t)nval * sizeof(size_t));
    if (!op->add_values || !op->add_value_lens) return ERROR_NOT_ENOUGH_MEMORY;
    if (!hrr_buf_reserve(&b->tmp, ((size_t)maxvname + 1) * sizeof(WCHAR)))
      return ERROR_NOT_ENOUGH_MEMORY;
  }
  for (DWORD i = 0; i < nval; i++) {
    WCHAR *vn = (WCHAR *)b->tmp.p;
    DWORD cn = maxvname + 1;
    st = OREnumValue(src, i, vn, &cn, NULL, NULL, NULL);
    if (st == ERROR_NO_MORE_ITEMS) break;
    if (st != ERROR_SUCCESS) return st;
    if (cn > maxvname || cn > HRR_MAX_VALUE_NAME || hrr_wcslen(vn, cn) != cn) {
      op->unrepresentable++;
      continue;
    }
    vn[cn] = 0;
    DWORD type = 0, cb = 0;
    DWORD gst = dst ? ORGetValue(dst, NULL, vn, &type, NULL, &cb) : ERROR_FILE_NOT_FOUND;
    if (gst == ERROR_SUCCESS) continue;
    if (gst != ERROR_FILE_NOT_FOUND) return gst;
    op->add_values[op->n_add_values] = hrr_arena_wdup(b->plan, vn, cn);
    if (!op->add_values[op->n_add_values]) return ERROR_NOT_ENOUGH_MEMORY;
    op->add_value_lens[op->n_add_values++] = cn;
  }
  return ERROR_SUCCESS;
}

/* [MFX]: "szDstFile\0\0" (delete) or "szSrcFile\0szDstFile\0": pairs whose destination may be
 * empty.  Counted for the plan only; the data itself is copied byte for byte. */
static void count_pairs(const uint8_t *d, size_t cb, HRRestorePairs *p) {
  size_t n = cb / 2, strings = 0, i = 0;
  int last_empty = 0;
  while (i < n) {
    size_t start = i;
    while (i < n && (d[2 * i] | d[2 * i + 1])) i++;
    last_empty = i == start;
    if (i < n) i++; /* its NUL */
    strings++;
  }
  /* An odd count ending in an empty string: that string is the multi-string terminator
   * ("szSrc\0szDst\0" followed by the final "\0"). */
  if (strings % 2 == 1 && last_empty) strings--;
  uint32_t del = 0;
  i = 0;
  for (size_t k = 0; k < strings; k++) {
    size_t start = i;
    while (i < n && (d[2 * i] | d[2 * i + 1])) i++;
    if (k % 2 == 1 && i == start) del++;
    if (i < n) i++;
  }
  p->present = 1;
  p->strings = (uint32_t)strings;
  p->pairs = (uint32_t)(strings / 2);
  p->deletes = del;
  p->odd = (int)(strings % 2);
}

static bool is_pfro(const WCHAR *v, size_t n) {
  return hrr_eq_ascii(v, n, "PendingFileRenameOperations");
}

/* Resolves and checks one parsed rule (op->kind, body). */
static DWORD plan_rule(build *b, HRRestoreOp *op, const WCHAR *body, size_t n, int ccs) {
  if (ccs) {
    for (int side = 0; side < 2; side++)
      if (!b->info[side]->select_ok) {
        op->rule_kind = op->kind;
        op->kind = HRR_SKIP;
        op->skip = HRR_SKIP_NO_CONTROL_SET;
        op->skip_side = side ? HRR_FROM_RESTORED : HRR_FROM_EXISTING;
        return ERROR_SUCCESS;
      }
  }
  size_t key_n = n;
  if (op->kind == HRR_VALUE) {
    const WCHAR *leaf;
    size_t llen;
    hrr_split_last(body, n, &key_n, &leaf, &llen);
    op->value = hrr_arena_wdup(b->plan, leaf, llen);
    if (!op->value) return ERROR_NOT_ENOUGH_MEMORY;
    op->value_len = llen;
  }
  op->src_path = resolve(b, 0, body, key_n, ccs, &op->src_path_len);
  op->dst_path = resolve(b, 1, body, key_n, ccs, &op->dst_path_len);
  if (!op->src_path || !op->dst_path) return ERROR_NOT_ENOUGH_MEMORY;

  ORHKEY src = NULL, dst = NULL;
  int src_owned = 0, dst_owned = 0;
  DWORD st = hrr_open_path(b->root[0], op->src_path, op->src_path_len, &src, &src_owned);
  if (st != ERROR_SUCCESS && st != ERROR_FILE_NOT_FOUND) return st;
  DWORD dst_st = hrr_open_path(b->root[1], op->dst_path, op->dst_path_len, &dst, &dst_owned);
  if (dst_st != ERROR_SUCCESS && dst_st != ERROR_FILE_NOT_FOUND) {
    if (src_owned) ORCloseKey(src);
    return dst_st;
  }
  DWORD result = ERROR_SUCCESS;
  op->src_exists = st == ERROR_SUCCESS;
  op->dst_exists = dst_st == ERROR_SUCCESS;
  if (!op->src_exists) {
    op->rule_kind = op->kind;
    op->kind = HRR_SKIP;
    op->skip = HRR_SKIP_SOURCE_KEY_MISSING;
  } else if (op->kind == HRR_VALUE) {
    DWORD type = 0, cb = 0;
    DWORD g = ORGetValue(src, NULL, op->value, &type, NULL, &cb);
    if (g == ERROR_FILE_NOT_FOUND) {
      op->rule_kind = op->kind;
      op->kind = HRR_SKIP;
      op->skip = HRR_SKIP_SOURCE_VALUE_MISSING;
      op->src_exists = 0;
    } else if (g != ERROR_SUCCESS) {
      result = g;
    } else {
      DWORD t2 = 0, cb2 = 0;
      op->dst_exists = op->dst_exists &&
                       ORGetValue(dst, NULL, op->value, &t2, NULL, &cb2) == ERROR_SUCCESS;
      if (is_pfro(op->value, op->value_len)) {
        hrr_buf vname = {b->plan->mem, NULL, 0};
        DWORD cb3 = 0;
        result = hrr_read_value_raw(src, op->value, &vname, &b->tmp, &type, &cb3);
        hrr_buf_free(&vname);
        if (result == ERROR_SUCCESS) count_pairs(b->tmp.p, cb3, &op->pending);
      }
    }
  } else if (op->kind == HRR_MERGE) {
    result = plan_merge(b, op, src, op->dst_exists ? dst : NULL);
  }
  if (src_owned) ORCloseKey(src);
  if (dst_owned) ORCloseKey(dst);
  return result;
}

/* One string of a list (or a list-level problem when skip is preset). */
static DWORD add_string(build *b, int side, const WCHAR *s, size_t n, const WCHAR *comp,
                        size_t comp_len, HRRestoreSkip preset) {
  HRRestoreKind kind = (HRRestoreKind)0;
  const WCHAR *body = s;
  size_t blen = n;
  int ccs = 0, star = 0;
  HRRestoreSkip r = preset;
  if (r == HRR_SKIP_NONE) r = HRRestoreParseRule(s, n, &kind, &body, &blen, &ccs, &star);
  rule_id id;
  if (r != HRR_SKIP_NONE) {
    id.kind = 16u + (unsigned)r;
    id.s = s;
    id.n = n;
  } else {
    id.kind = (unsigned)kind;
    id.s = body;
    id.n = blen;
  }
  uint32_t h = hash_rule(id.kind, id.s, id.n);
  unsigned bit = side ? HRR_FROM_RESTORED : HRR_FROM_EXISTING;
  HRRestoreOp *dup = index_find(b, &id, h);
  if (dup) {
    dup->sources |= bit;
    if (preset == HRR_SKIP_NO_CONTROL_SET) dup->skip_side |= bit;
    return ERROR_SUCCESS;
  }
  HRRestoreOp *op = push_op(b, h);
  if (!op) return ERROR_NOT_ENOUGH_MEMORY;
  op->sources = bit;
  op->rule = hrr_arena_wdup(b->plan, s, n);
  op->component = comp_len ? hrr_arena_wdup(b->plan, comp, comp_len) : NULL;
  if (!op->rule || (comp_len && !op->component)) return ERROR_NOT_ENOUGH_MEMORY;
  op->rule_len = n;
  op->component_len = comp_len;
  op->star_without_backslash = star;
  if (r != HRR_SKIP_NONE) {
    op->kind = HRR_SKIP;
    op->rule_kind = kind;
    op->skip = r;
    if (r == HRR_SKIP_NO_CONTROL_SET) op->skip_side = bit;
    return ERROR_SUCCESS;
  }
  op->kind = kind;
  /* body points into the caller's buffer: re-derive it from the arena copy. */
  r = HRRestoreParseRule(op->rule, n, &kind, &body, &blen, &ccs, &star);
  return plan_rule(b, op, body, blen, ccs);
}

/* Reads one hive's KeysNotToRestore values. */
static DWORD read_list(build *b, int side) {
  HRRestoreHiveInfo *info = b->info[side];
  if (!info->select_ok) {
    static const WCHAR sel[] = {'S', 'e', 'l', 'e', 'c', 't', '\\', 'C', 'u', 'r', 'r', 'e', 'n',
                                't'};
    return add_string(b, side, sel, sizeof sel / sizeof sel[0], NULL, 0, HRR_SKIP_NO_CONTROL_SET);
  }
  WCHAR path[96];
  size_t n = control_set_name(info->current, path);
  for (size_t i = 0; k_list_tail[i]; i++) path[n++] = (WCHAR)k_list_tail[i];
  path[n] = 0;
  ORHKEY key = NULL;
  DWORD st = OROpenKey(b->root[side], path, &key);
  if (st == ERROR_FILE_NOT_FOUND) return ERROR_SUCCESS;
  if (st != ERROR_SUCCESS) return st;
  info->list_found = 1;
  DWORD nval = 0, maxname = 0, maxdata = 0;
  st = ORQueryInfoKey(key, NULL, NULL, NULL, NULL, NULL, &nval, &maxname, &maxdata, NULL, NULL);
  hrr_buf name = {b->plan->mem, NULL, 0};
  if (st == ERROR_SUCCESS && (!hrr_buf_reserve(&name, ((size_t)maxname + 1) * sizeof(WCHAR)) ||
                              !hrr_buf_reserve(&b->tmp, maxdata ? maxdata : 1)))
    st = ERROR_NOT_ENOUGH_MEMORY;
  for (DWORD i = 0; st == ERROR_SUCCESS && i < nval; i++) {
    WCHAR *vn = (WCHAR *)name.p;
    DWORD cn = maxname + 1, type = 0, cb = (DWORD)b->tmp.cap;
    st = OREnumValue(key, i, vn, &cn, &type, b->tmp.p, &cb);
    if (st == ERROR_MORE_DATA && cb > b->tmp.cap && cn <= maxname) {
      /* ORQueryInfoKey's maxima are exact in hiveref (BEHAVIOUR.md Q16), but a client should not
       * depend on it: grow once to the reported size. */
      if (!hrr_buf_reserve(&b->tmp, cb)) {
        st = ERROR_NOT_ENOUGH_MEMORY;
        break;
      }
      cn = maxname + 1;
      cb = (DWORD)b->tmp.cap;
      st = OREnumValue(key, i, vn, &cn, &type, b->tmp.p, &cb);
    }
    if (st == ERROR_NO_MORE_ITEMS) {
      st = ERROR_SUCCESS;
      break;
    }
    if (st != ERROR_SUCCESS) break;
    info->list_values++;
    if (cn > maxname) cn = maxname;
    if (type != REG_MULTI_SZ) {
      st = add_string(b, side, vn, cn, vn, cn, HRR_SKIP_LIST_NOT_MULTI_SZ);
      continue;
    }
    /* The strings of a REG_MULTI_SZ: NUL-separated; trailing empty strings are the terminator,
     * an empty string before a non-empty one is reported (HRR_SKIP_EMPTY).  A last string
     * without its NUL is taken as is; an odd final byte is ignored. */
    const WCHAR *d = (const WCHAR *)(void *)b->tmp.p;
    size_t units = cb / 2, end = units;
    while (end > 0 && d[end - 1] == 0) end--;
    size_t i0 = 0;
    while (st == ERROR_SUCCESS && i0 < end) {
      size_t j = i0;
      while (j < end && d[j]) j++;
      info->strings++;
      st = add_string(b, side, d + i0, j - i0, vn, cn, HRR_SKIP_NONE);
      i0 = j + 1;
    }
  }
  hrr_buf_free(&name);
  ORCloseKey(key);
  return st;
}

DWORD HRRestorePlanBuild(ORHKEY existing, ORHKEY restored, HRRestorePlan **out) {
  if (!out) return ERROR_INVALID_PARAMETER;
  *out = NULL;
  if (!existing || !restored || existing == restored) return ERROR_INVALID_PARAMETER;
  HRHiveInfo hi;
  DWORD st = HRGetHiveInfo(existing, &hi);
  if (st == ERROR_SUCCESS) st = HRGetHiveInfo(restored, &hi);
  if (st != ERROR_SUCCESS) return st;
  HRRestorePlan *plan = HRHiveAlloc(restored, sizeof *plan);
  if (!plan) return ERROR_NOT_ENOUGH_MEMORY;
  memset(plan, 0, sizeof *plan);
  plan->mem = restored;
  build b;
  memset(&b, 0, sizeof b);
  b.plan = plan;
  b.root[0] = existing;
  b.root[1] = restored;
  b.info[0] = &plan->existing;
  b.info[1] = &plan->restored;
  b.tmp.mem = restored;
  /* Both Select values first: a rule from either list is resolved in both hives. */
  read_select(existing, &plan->existing);
  read_select(restored, &plan->restored);
  st = read_list(&b, 0);
  if (st == ERROR_SUCCESS) st = read_list(&b, 1);
  hrr_buf_free(&b.tmp);
  if (st != ERROR_SUCCESS) {
    HRRestorePlanFree(plan);
    return st;
  }
  for (size_t i = 0; i < plan->n_ops; i++) plan->count[plan->ops[i].kind]++;
  *out = plan;
  return ERROR_SUCCESS;
}

void HRRestorePlanFree(HRRestorePlan *plan) {
  if (!plan) return;
  ORHKEY mem = plan->mem;
  hrr_arena_free_all(plan);
  HRHiveFree(mem, plan, sizeof *plan);
}
