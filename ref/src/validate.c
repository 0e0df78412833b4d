/*
 * validate.c: the whole-hive walk (regf-format.md §8.0 pipeline; §8.3-§8.8 rules; §9 caps).
 *
 * Order as Windows loads: base block -> bins and cell map -> root cell -> sk list -> key tree.
 * The key walk is an explicit-stack depth-first traversal: at most HR_MAX_DEPTH (512) frames
 * (R-E16), every key, list, value and data cell claimed once in the seen bitmap (R-C07, which
 * also rules out cycles and shared subtrees, R-E17), every loop bounded by a count that was
 * checked against its containing cell.  Nothing recurses.
 *
 * With v->tree set the walk also builds the tree (load.c); without it nothing is allocated per
 * cell (check.c): the only allocations are the two bitmaps, the sk table, the frame stack and
 * one reusable scratch array.
 */
#include "validate.h"

#include <stdio.h>
#include <string.h>

#include "hbin.h"
#include "layout.h"
#include "name.h"
#include "nk.h"
#include "subkey_list.h"
#include "upcase.h"
#include "value_data.h"
#include "vk.h"

hr_status hv_reject(hr_hv *v, const char *rule, uint64_t off, const char *fmt, ...) {
  char msg[224];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return findings_report(v->f, HR_SEV_REJECT, rule, off, "%s", msg);
}

void hv_note(hr_hv *v, HRSeverity sev, const char *rule, uint64_t off, const char *fmt, ...) {
  if (!v->f->cb) {
    /* Nobody listens (open): count only, skip the formatting. */
    if (sev == HR_SEV_WARN) v->f->n_warn++;
    else v->f->n_info++;
    return;
  }
  char msg[224];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  findings_report(v->f, sev, rule, off, "%s", msg);
}

/* ---- duplicate value names (R-F16, warn) ----------------------------------------------------
 * Each value contributes (key << 32 | vk cell), key being a case-insensitive digest that equal
 * names share.  Small lists (DUP_PAIRWISE_MAX values or fewer) compare pairs on a cheap key
 * (unit count and three upcased units); large ones (55,000 values per key in real hives) use the
 * §6.3 hash of the whole upcased name as key and are heap-sorted by (key, name, cell) so that
 * equal names meet: O(n log n), no allocation per key.  The whole-name key keeps the sort on
 * integers: the cheap key is shared by every GUID-named value of a list (same length, same
 * first, middle and last character), which sent most heap steps to the name comparison. */
#define DUP_PAIRWISE_MAX 32u

static uint32_t dup_key(hr_rawname n) {
  uint32_t units = rawname_units(n), a, z, mid;
  if (units == 0) return 0;
  if (n.comp) { /* the usual case: one table load per unit */
    a = upcase_latin1[n.p[0]];
    z = upcase_latin1[n.p[units - 1]];
    mid = upcase_latin1[n.p[units / 2]];
  } else {
    a = upcase_unit(le16(n.p));
    z = upcase_unit(le16(n.p + 2 * (size_t)(units - 1)));
    mid = upcase_unit(le16(n.p + 2 * (size_t)(units / 2)));
  }
  return (units << 16) ^ a ^ (z << 5) ^ (mid << 10);
}

/* The names of the vk cells in the low halves of a and b (cells vk_parse accepted). */
static int dup_name_cmp(const hr_hv *v, uint64_t a, uint64_t b) {
  hr_span ra = cell_record(&v->cells, cell_at((uint32_t)a));
  hr_span rb = cell_record(&v->cells, cell_at((uint32_t)b));
  hr_rawname na = {ra.p + VK_OFF_NAME, le16(ra.p + VK_OFF_NAME_LEN),
                   (le16(ra.p + VK_OFF_FLAGS) & VK_FLAG_COMP_NAME) != 0};
  hr_rawname nb = {rb.p + VK_OFF_NAME, le16(rb.p + VK_OFF_NAME_LEN),
                   (le16(rb.p + VK_OFF_FLAGS) & VK_FLAG_COMP_NAME) != 0};
  return rawname_cmp(na, nb);
}

static int dup_cmp(const hr_hv *v, uint64_t a, uint64_t b) {
  if ((a >> 32) != (b >> 32)) return (a >> 32) < (b >> 32) ? -1 : 1;
  int d = dup_name_cmp(v, a, b);
  /* Equal names: the cell index decides, so the sorted order (and which duplicate is reported)
   * does not depend on the heap's path. */
  if (d == 0 && (uint32_t)a != (uint32_t)b) d = (uint32_t)a < (uint32_t)b ? -1 : 1;
  return d;
}

static void heap_sift(const hr_hv *v, uint64_t *a, size_t i, size_t n) {
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    if (l < n && dup_cmp(v, a[l], a[m]) > 0) m = l;
    if (l + 1 < n && dup_cmp(v, a[l + 1], a[m]) > 0) m = l + 1;
    if (m == i) return;
    uint64_t tmp = a[i];
    a[i] = a[m];
    a[m] = tmp;
    i = m;
  }
}

static void check_duplicate_names(hr_hv *v, const hr_nk *k, uint32_t n) {
  uint64_t *a = v->scratch;
  if (n <= DUP_PAIRWISE_MAX) {
    for (uint32_t i = 1; i < n; i++)
      for (uint32_t j = 0; j < i; j++)
        if ((a[i] >> 32) == (a[j] >> 32) && dup_name_cmp(v, a[j], a[i]) == 0) {
          hv_note(v, HR_SEV_WARN, "R-F16", cell_file_off(cell_at((uint32_t)a[i])),
                  "value name duplicates another value of key 0x%X (case-insensitive)",
                  k->cell.idx);
          break;
        }
    return;
  }
  for (size_t i = n / 2; i-- > 0;) heap_sift(v, a, i, n);
  for (size_t end = n; end-- > 1;) {
    uint64_t tmp = a[0];
    a[0] = a[end];
    a[end] = tmp;
    heap_sift(v, a, 0, end);
  }
  for (uint32_t i = 1; i < n; i++)
    if ((a[i - 1] >> 32) == (a[i] >> 32) && dup_name_cmp(v, a[i - 1], a[i]) == 0)
      hv_note(v, HR_SEV_WARN, "R-F16", cell_file_off(cell_at((uint32_t)a[i])),
              "value name duplicates another value of key 0x%X (case-insensitive)",
              k->cell.idx);
}

/* ---- one key ------------------------------------------------------------------------------ */

typedef struct frame {
  hr_nk nk;
  hr_sublist it;
  bool has_list;
  bool has_prev;
  hr_rawname prev;             /* previous child's name (R-E14) */
  hr_key *key;                 /* load mode */
} frame;

#define FAIL_OR_GO_ON(expr)                                    \
  do {                                                         \
    hr_status _s = (expr);                                     \
    if (_s == ERROR_NOT_ENOUGH_MEMORY) return _s;              \
    if (_s != ERROR_SUCCESS) {                                 \
      if (v->stop) return _s;                                  \
      bad = true;                                              \
    }                                                          \
  } while (0)

static hr_status key_create(hr_hv *v, frame *fr, hr_key *parent) {
  hr_tree *t = v->tree;
  const hr_nk *k = &fr->nk;
  uint32_t units = rawname_units(k->name); /* >= 1 (R-D02) */
  hr_key *key = tree_key_alloc(t, units, true); /* name in the key's block; arena */
  if (!key) return ERROR_NOT_ENOUGH_MEMORY;
  rawname_widen(k->name, key->name);
  key->last_write = k->last_write;
  key->flags = (uint16_t)(k->flags & ~KEY_COMP_NAME);
  key->access_bits = k->access_bits;
  key->layer = k->layer;
  key->virt_flags = (uint8_t)((k->max_name >> NK_VIRT_SHIFT) & NK_VIRT_MASK);
  key->user_flags = (uint8_t)((k->max_name >> NK_USER_SHIFT) & NK_USER_MASK);
  key->debug_flags = (uint8_t)((k->max_name >> NK_DEBUG_SHIFT) & NK_DEBUG_MASK);
  key->cell = k->cell.idx;
  if (parent) {
    if (tree_append_subkey(t, parent, key) != ERROR_SUCCESS) {
      tree_key_free(t, key);
      return ERROR_NOT_ENOUGH_MEMORY;
    }
  } else {
    t->root = key;
  }
  fr->key = key; /* attached: tree_free reaches it from now on */
  return ERROR_SUCCESS;
}

/* Values of a key (R-F01..R-F17, R-G*, R-D26..R-D29). */
static hr_status key_values(hr_hv *v, frame *fr) {
  const hr_nk *k = &fr->nk;
  uint64_t at_key = cell_file_off(k->cell);
  bool bad = false;
  if (k->n_values == 0) {
    if (k->value_list != REGF_CELL_NIL)
      hv_note(v, HR_SEV_WARN, "R-F03", at_key + 4 + NK_OFF_VALUE_LIST,
              "value count 0 with value list 0x%X", k->value_list);
    if (k->flags & KEY_SYM_LINK)
      return hv_reject(v, "R-D26", at_key, "symbolic link key without a value");
    return ERROR_SUCCESS;
  }
  hr_span list;
  hr_status st = cell_ref(v, cell_at(k->value_list), CELL_TAKE, at_key + 4 + NK_OFF_VALUE_LIST,
                          "value list (R-F01)", &list);
  if (st != ERROR_SUCCESS) return st;
  if ((uint64_t)k->n_values * 4 > list.len)
    return hv_reject(v, "R-F02", at_key + 4 + NK_OFF_VALUE_COUNT, "%u values overrun the "
                     "%zu-byte value list", k->n_values, list.len);
  if ((k->flags & KEY_SYM_LINK) && k->n_values != 1)
    FAIL_OR_GO_ON(hv_reject(v, "R-D26", at_key, "symbolic link key with %u values",
                            k->n_values));
  hr_key *key = fr->key;
  if (key && tree_key_reserve_values(v->tree, key, k->n_values) != ERROR_SUCCESS)
    return ERROR_NOT_ENOUGH_MEMORY;
  bool dups = k->n_values > 1;
  if (dups && k->n_values > v->scratch_cap) {
    uint64_t *s = mem_alloc_array(v->mem, k->n_values, sizeof *s);
    if (!s) return ERROR_NOT_ENOUGH_MEMORY;
    if (v->scratch) mem_free(v->mem, v->scratch, (size_t)v->scratch_cap * sizeof *s);
    v->scratch = s;
    v->scratch_cap = k->n_values;
  }
  uint32_t n_dup = 0, max_name = 0, max_data = 0, n_ok = 0;
  uint64_t data_bytes = 0; /* v->values, v->value_bytes: added once after the loop */
  uint64_t list_at = cell_file_off(cell_at(k->value_list)) + 4;
  for (uint32_t i = 0; i < k->n_values; i++) {
    uint32_t idx = le32(list.p + 4 * (size_t)i);
    uint64_t at = list_at + 4 * (uint64_t)i;
    if (idx == REGF_CELL_NIL) {
      FAIL_OR_GO_ON(hv_reject(v, "R-F05", at, "value list entry %u is NIL", i));
      continue;
    }
    hr_span rec;
    hr_vk vk;
    hr_vdata d;
    st = cell_ref(v, cell_at(idx), CELL_TAKE, at, "value (R-F05)", &rec);
    if (st == ERROR_SUCCESS) st = vk_parse(v, cell_at(idx), rec, &vk);
    if (st == ERROR_SUCCESS) st = value_data_resolve(v, &vk, &d);
    if (st != ERROR_SUCCESS) {
      FAIL_OR_GO_ON(st);
      continue;
    }
    uint32_t name_bytes = vk.name.comp ? 2 * vk.name.len : vk.name.len;
    if (name_bytes > max_name) max_name = name_bytes;
    if (d.size > max_data) max_data = d.size;
    if (k->flags & KEY_SYM_LINK) {
      /* R-D27..R-D29: the link target value (CmpCheckValueList). */
      static const char link_name[] = "SymbolicLinkValue";
      hr_rawname want = {(const uint8_t *)link_name, sizeof link_name - 1, true};
      if (rawname_cmp(vk.name, want) != 0)
        FAIL_OR_GO_ON(hv_reject(v, "R-D27", at, "symbolic link value is not named "
                                "SymbolicLinkValue"));
      if (vk.type != 6 /* REG_LINK */ && !(vk.flags & VK_FLAG_TOMBSTONE))
        FAIL_OR_GO_ON(hv_reject(v, "R-D28", at, "symbolic link value type %u is not REG_LINK",
                                vk.type));
      if ((d.size & 1) || d.size > 0xFFFF)
        FAIL_OR_GO_ON(hv_reject(v, "R-D29", at, "symbolic link data length %u (odd or above "
                                "0xFFFF)", d.size));
    }
    if ((vk.type == 4 || vk.type == 5) && d.size != 4)
      hv_note(v, HR_SEV_INFO, "R-F17", at, "REG_DWORD value of %u bytes", d.size);
    else if (vk.type == 11 && d.size != 8)
      hv_note(v, HR_SEV_INFO, "R-F17", at, "REG_QWORD value of %u bytes", d.size);
    n_ok++;
    data_bytes += d.size;
    if (dups)
      v->scratch[n_dup++] = ((uint64_t)(k->n_values > DUP_PAIRWISE_MAX ? rawname_hash(vk.name)
                                                                       : dup_key(vk.name))
                             << 32) | idx;
    if (key) {
      /* One block per value: the widened name, then the data (tree.h "joined"), unless the
       * data is borrowed from the tree's image (tree.h "File bytes"). */
      hr_value *tv;
      uint8_t *borrow = value_data_borrow(v, &d);
      if (tree_append_value_joined(v->tree, key, rawname_units(vk.name), vk.type, d.size,
                                   (uint16_t)(vk.flags & VK_FLAG_TOMBSTONE), borrow, &tv) !=
          ERROR_SUCCESS)
        return ERROR_NOT_ENOUGH_MEMORY;
      if (tv->name) rawname_widen(vk.name, tv->name);
      if (tv->data && !borrow) value_data_copy(v, &d, tv->data);
    }
  }
  v->values += n_ok;
  v->value_bytes += data_bytes;
  if (max_name > k->max_value_name)
    hv_note(v, HR_SEV_WARN, "R-F15", at_key + 4 + NK_OFF_MAX_VALUE_NAME, "MaxValueNameLen %u "
            "below the longest value name (%u bytes)", k->max_value_name, max_name);
  if (max_data > k->max_value_data)
    hv_note(v, HR_SEV_WARN, "R-F15", at_key + 4 + NK_OFF_MAX_VALUE_DATA, "MaxValueDataLen %u "
            "below the largest value data (%u bytes)", k->max_value_data, max_data);
  if (n_dup > 1) check_duplicate_names(v, k, n_dup);
  return bad ? ERROR_NOT_REGISTRY_FILE : ERROR_SUCCESS;
}

/* Everything about one key after its nk passed nk_parse: tree node, class, security, values,
 * subkey index.  parent is NULL for the root. */
static hr_status key_enter(hr_hv *v, frame *fr, hr_key *parent) {
  hr_nk *k = &fr->nk;
  uint64_t at_key = cell_file_off(k->cell);
  bool bad = false;
  hr_status st;
  fr->has_list = false;
  fr->has_prev = false;
  fr->key = NULL;
  v->keys++;
  if (v->tree) {
    st = key_create(v, fr, parent);
    if (st != ERROR_SUCCESS) return st;
  }
  /* Class (R-D15, R-D16).  ClassLength 0 never follows the cell (R-D13 warned). */
  if (k->class_len > 0 && k->class_cell != REGF_CELL_NIL) {
    hr_span cls;
    st = cell_ref(v, cell_at(k->class_cell), CELL_TAKE, at_key + 4 + NK_OFF_CLASS,
                  "class (R-D15)", &cls);
    if (st == ERROR_SUCCESS && k->class_len > cls.len)
      st = hv_reject(v, "R-D16", at_key + 4 + NK_OFF_CLASS_LEN, "class length %u exceeds the "
                     "%zu-byte class cell", k->class_len, cls.len);
    if (st == ERROR_SUCCESS && fr->key &&
        tree_key_set_class(v->tree, fr->key, cls.p, k->class_len) != ERROR_SUCCESS)
      return ERROR_NOT_ENOUGH_MEMORY;
    FAIL_OR_GO_ON(st);
  }
  /* Security (R-D20 / R-H10, R-D21). */
  hr_sk_entry *sk = v->last_sk;
  if (!sk || sk->cell != k->security)
    sk = k->security == REGF_CELL_NIL ? NULL : sk_find(&v->sks, k->security);
  if (sk) v->last_sk = sk;
  if (!sk) {
    FAIL_OR_GO_ON(hv_reject(v, "R-D20", at_key + 4 + NK_OFF_SECURITY, "security cell 0x%X is "
                            "%s", k->security, k->security == REGF_CELL_NIL ? "NIL" :
                            "not in the hive's sk list (R-H10)"));
  } else if (sk->refs == UINT32_MAX) {
    FAIL_OR_GO_ON(hv_reject(v, "R-D21", at_key + 4 + NK_OFF_SECURITY, "sk 0x%X reference "
                            "count overflows", sk->cell));
  } else {
    sk->refs++;
    if (fr->key) {
      /* One hr_sd per distinct descriptor (sk_group_identical), created on first use so that
       * no unreferenced descriptor enters the tree. */
      hr_sk_entry *lead = &v->sks.e[sk->leader];
      if (!lead->sd && !(lead->sd = tree_sd_new(v->tree, lead->desc, lead->desc_len)))
        return ERROR_NOT_ENOUGH_MEMORY;
      tree_key_set_sd(v->tree, fr->key, lead->sd);
    }
  }
  FAIL_OR_GO_ON(key_values(v, fr));
  /* Subkey index (R-E01..R-E09). */
  if (k->n_subkeys > 0) {
    st = sublist_open(v, k, &fr->it);
    FAIL_OR_GO_ON(st);
    if (st == ERROR_SUCCESS) {
      fr->has_list = true;
      if (fr->key && tree_key_reserve_subkeys(v->tree, fr->key, k->n_subkeys) != ERROR_SUCCESS)
        return ERROR_NOT_ENOUGH_MEMORY;
    }
  }
  return bad ? ERROR_NOT_REGISTRY_FILE : ERROR_SUCCESS;
}

/* Checks that only need the parent and the child nk: R-D06, R-D12, R-D18, R-D19, R-E12..R-E14. */
static hr_status child_links(hr_hv *v, frame *pf, const hr_nk *c, const hr_subelem *e) {
  bool bad = false;
  uint64_t at = cell_file_off(c->cell);
  FAIL_OR_GO_ON(sublist_check_elem(v, e, c));
  if (pf->has_prev && rawname_cmp(pf->prev, c->name) >= 0)
    FAIL_OR_GO_ON(hv_reject(v, "R-E14", e->at, "subkey not strictly after its predecessor "
                            "(order or case-insensitive duplicate)"));
  pf->prev = c->name;
  pf->has_prev = true;
  if (c->parent != pf->nk.cell.idx)
    FAIL_OR_GO_ON(hv_reject(v, "R-D06", at + 4 + NK_OFF_PARENT, "parent field 0x%X, actual "
                            "parent 0x%X", c->parent, pf->nk.cell.idx));
  if ((pf->nk.layer & NK_LAYER_SEMANTICS_MASK) == NK_LAYER_SUPERSEDE_TREE) {
    uint8_t s = c->layer & NK_LAYER_SEMANTICS_MASK;
    if (s != NK_LAYER_TOMBSTONE && s != NK_LAYER_SUPERSEDE_TREE)
      FAIL_OR_GO_ON(hv_reject(v, "R-D12", at + 4 + NK_OFF_LAYER, "child of a supersede-tree "
                              "key has layer semantics %u", s));
  }
  uint32_t name_bytes = c->name.comp ? 2 * c->name.len : c->name.len;
  if (name_bytes > (pf->nk.max_name & NK_MAXNAME_LEN_MASK))
    hv_note(v, HR_SEV_WARN, "R-D18", cell_file_off(pf->nk.cell) + 4 + NK_OFF_MAX_NAME_LEN,
            "MaxNameLen %u below subkey name of %u bytes", pf->nk.max_name & NK_MAXNAME_LEN_MASK,
            name_bytes);
  if (c->class_len > pf->nk.max_class)
    hv_note(v, HR_SEV_WARN, "R-D19", cell_file_off(pf->nk.cell) + 4 + NK_OFF_MAX_CLASS_LEN,
            "MaxClassLen %u below subkey class of %u bytes", pf->nk.max_class, c->class_len);
  return bad ? ERROR_NOT_REGISTRY_FILE : ERROR_SUCCESS;
}

static hr_status walk_keys(hr_hv *v, frame *stack) {
  bool bad = false;
  hr_base *b = &v->base;
  /* R-A13: the root cell is an allocated, valid nk with a usable size >= 0x4C. */
  hr_span rec;
  hr_cell root = cell_at(b->root);
  hr_status st = cell_ref(v, root, CELL_TAKE, REGF_OFF_ROOT_CELL, "root cell (R-A13)", &rec);
  if (st != ERROR_SUCCESS) return st;
  if (rec.len >= 2 && le16(rec.p) != NK_SIGNATURE)
    return hv_reject(v, "R-D05", cell_file_off(root), "root cell 0x%X is not an nk (R-A13)",
                     root.idx);
  if (rec.len < NK_FIXED_SIZE)
    return hv_reject(v, "R-A13", REGF_OFF_ROOT_CELL, "root cell 0x%X is too small for an nk",
                     root.idx);
  bool walkable;
  st = nk_parse(v, root, rec, true, &stack[0].nk, &walkable);
  if (!walkable) return st;
  FAIL_OR_GO_ON(st);
  /* The sk list is validated before any key uses it (CmpValidateHiveSecurityDescriptors runs
   * before CmpCheckRegistry2). */
  st = sk_list_load(v, stack[0].nk.security, cell_file_off(root) + 4 + NK_OFF_SECURITY);
  if (st != ERROR_SUCCESS) return st; /* no usable sk list: nothing below can be judged */
  if (v->tree && (st = sk_group_identical(v)) != ERROR_SUCCESS) return st;
  FAIL_OR_GO_ON(key_enter(v, &stack[0], NULL));
  uint32_t depth = 1;
  while (depth > 0) {
    frame *pf = &stack[depth - 1];
    hr_subelem e;
    if (!pf->has_list || !sublist_next(v, &pf->it, &e)) {
      depth--;
      continue;
    }
    /* Resolve, check the signature (R-E11), then claim (R-C07, R-E17): an element aimed at
     * another record type is reported as such even when that record is claimed already
     * (cell_ref's PEEK then TAKE, with the reference checked once.) */
    st = ERROR_SUCCESS;
    if (!cellmap_valid_ref(&v->cells, e.child.idx)) {
      st = cell_ref_fail(v, e.child, CELL_PEEK, e.at, "subkey (R-E10)");
    } else {
      rec = cell_record(&v->cells, e.child);
      if (rec.len < 2 || le16(rec.p) != NK_SIGNATURE)
        st = hv_reject(v, "R-E11", e.at, "subkey element 0x%X is not an nk (R-D05)",
                       e.child.idx);
      else if (cellmap_is_seen(&v->cells, e.child.idx))
        st = cell_ref_fail(v, e.child, CELL_TAKE, e.at, "subkey (R-E17: reached twice)");
      else
        cellmap_mark_seen(&v->cells, e.child.idx);
    }
    if (st != ERROR_SUCCESS) {
      FAIL_OR_GO_ON(st);
      continue;
    }
    if (depth >= HR_MAX_DEPTH) {
      FAIL_OR_GO_ON(hv_reject(v, "R-E16", cell_file_off(e.child), "key nested deeper than "
                              "512 levels"));
      continue;
    }
    frame *cf = &stack[depth];
    st = nk_parse(v, e.child, rec, false, &cf->nk, &walkable);
    FAIL_OR_GO_ON(st);
    if (!walkable) continue;
    FAIL_OR_GO_ON(child_links(v, pf, &cf->nk, &e));
    FAIL_OR_GO_ON(key_enter(v, cf, pf->key));
    depth++;
  }
  return bad ? ERROR_NOT_REGISTRY_FILE : ERROR_SUCCESS;
}

hr_status validate_hive(hr_hv *v) {
  uint64_t rejects0 = v->f->n_reject;
  bool fatal;
  hr_status st = base_block_parse(v, &fatal);
  if (st == ERROR_BADDB || fatal || (st != ERROR_SUCCESS && v->stop)) return st;
  st = cellmap_init(&v->cells, v->mem, v->file + REGF_BLOCK_SIZE, v->base.length);
  if (st != ERROR_SUCCESS) return st;
  st = hbin_walk(v);
  if (st != ERROR_SUCCESS && v->stop) return st;
  if ((v->base.root & REGF_CELL_VOLATILE_BIT) && v->base.root != REGF_CELL_NIL)
    return ERROR_NOT_REGISTRY_FILE; /* R-A12 reported by base_block_parse */
  frame *stack = mem_alloc_array(v->mem, HR_MAX_DEPTH, sizeof *stack);
  if (!stack) return ERROR_NOT_ENOUGH_MEMORY;
  st = walk_keys(v, stack);
  mem_free(v->mem, stack, (size_t)HR_MAX_DEPTH * sizeof *stack);
  if (st == ERROR_NOT_ENOUGH_MEMORY) return st;
  if (st == ERROR_SUCCESS || !v->stop) sk_check_refcounts(v);
  if (st == ERROR_SUCCESS && v->f->n_reject != rejects0) st = ERROR_NOT_REGISTRY_FILE;
  return st;
}

void validate_free(hr_hv *v) {
  cellmap_free(&v->cells);
  sk_table_free(v->mem, &v->sks);
  if (v->scratch) mem_free(v->mem, v->scratch, (size_t)v->scratch_cap * sizeof *v->scratch);
  v->scratch = NULL;
  v->scratch_cap = 0;
}
