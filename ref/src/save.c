/*
 * save.c: the serializer's entry points (save.h): target OS version -> format minor, the
 * security-descriptor table, and the two-pass driver (save_int.h explains the passes).
 *
 * Target map (https://learn.microsoft.com/en-us/windows/win32/devnotes/orsavehive; offreg-api.md
 * §1.19; BEHAVIOUR.md "Save targets and format"):
 *   5.1, 5.2                 -> 1.3 (lf leaves, no big data; a value over 1 MiB - 4 is refused)
 *   6.0, 6.1, 6.2, 6.3, 10.0 -> 1.5 (lh leaves, big data), or 1.6 when the saved subtree uses
 *                               layered-key features (a non-zero nk layer byte or a tombstone
 *                               value); offreg 6.1 output observed as 1.5 (offreg-api.md §1.19)
 *   anything else            -> ERROR_INVALID_PARAMETER
 * A 5.x target with layered-key features is refused (ERROR_INVALID_PARAMETER): 1.3 cannot hold
 * them (R-D10, R-F09) and dropping them silently would change the data.
 */
#include "save.h"

#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "save_int.h"
#include "secdesc.h"

/* ---- target map ------------------------------------------------------------------------------ */

/* True when a saved (non-volatile) key under top has layer bits or a tombstone value.
 * Iterative, with a fixed index stack of HR_MAX_DEPTH levels; *too_deep if the tree is deeper. */
static bool uses_layered(const hr_key *top, bool *too_deep) {
  const hr_key *path[HR_MAX_DEPTH];
  uint32_t next[HR_MAX_DEPTH];
  uint32_t depth = 1;
  *too_deep = false;
  path[0] = top;
  next[0] = 0;
  for (;;) {
    const hr_key *k = path[depth - 1];
    if (next[depth - 1] == 0) { /* first time at k */
      if (k->layer) return true;
      for (uint32_t i = 0; i < k->n_values; i++)
        if (k->values[i].flags & VK_FLAG_TOMBSTONE) return true;
    }
    uint32_t *i = &next[depth - 1];
    while (*i < k->n_subkeys && k->subkeys[*i]->is_volatile) (*i)++;
    if (*i == k->n_subkeys) {
      if (--depth == 0) return false;
      next[depth - 1]++;
      continue;
    }
    if (depth == HR_MAX_DEPTH) {
      *too_deep = true;
      return false;
    }
    path[depth] = k->subkeys[*i];
    next[depth] = 0;
    depth++;
  }
}

hr_status save_target_minor(uint32_t os_major, uint32_t os_minor, const hr_tree *t,
                            const hr_key *top, uint32_t *minor) {
  uint32_t m;
  if (os_major == 5 && (os_minor == 1 || os_minor == 2)) m = 3;
  else if ((os_major == 6 && os_minor <= 3) || (os_major == 10 && os_minor == 0)) m = 5;
  else return ERROR_INVALID_PARAMETER;
  if (!minor) return ERROR_INVALID_PARAMETER;
  if (!top) top = t ? t->root : NULL;
  if (!top) return ERROR_INVALID_PARAMETER;
  bool too_deep;
  if (uses_layered(top, &too_deep)) {
    if (m < REGF_MINOR_LH) return ERROR_INVALID_PARAMETER;
    m = REGF_MINOR_LAYERED;
  }
  if (too_deep) return ERROR_INVALID_DATA;
  *minor = m;
  return ERROR_SUCCESS;
}

hr_status save_target_format(uint32_t os_major, uint32_t os_minor, const hr_tree *t,
                             const hr_key *top, uint32_t *minor) {
  uint32_t m;
  if (os_major == 5 && (os_minor == 1 || os_minor == 2)) m = REGF_MINOR_MIN;
  else if ((os_major == 6 && os_minor <= 3) || (os_major == 10 && os_minor == 0))
    m = SAVE_MINOR_LH_AUTO;
  else return ERROR_INVALID_PARAMETER;
  if (!minor) return ERROR_INVALID_PARAMETER;
  if (!top) top = t ? t->root : NULL;
  if (!top) return ERROR_INVALID_PARAMETER;
  *minor = m;
  return ERROR_SUCCESS;
}

/* ---- security table (§10.10) ---------------------------------------------------------------- */

static int cmp_sd_ptr(const void *a, const void *b) {
  uintptr_t x = (uintptr_t)((const save_sd_ref *)a)->sd, y = (uintptr_t)((const save_sd_ref *)b)->sd;
  return x < y ? -1 : x > y;
}

/* Content order: length, then bytes; ties (identical descriptors) by pointer for a total order. */
static int cmp_sd_content(const void *a, const void *b) {
  const hr_sd *x = ((const save_sd_ref *)a)->sd, *y = ((const save_sd_ref *)b)->sd;
  if (x->len != y->len) return x->len < y->len ? -1 : 1;
  int d = x->len ? memcmp(x->bytes, y->bytes, x->len) : 0;
  return d ? d : cmp_sd_ptr(a, b);
}

/* Lists the ring, groups equal descriptors (the ring should hold each once, but a saved hive
 * must never carry two sk cells with the same bytes) and sorts the list by pointer for lookup. */
static hr_status sd_table_build(save_ctx *c, const hr_tree *t) {
  uint32_t n = 0;
  if (t->sds) {
    const hr_sd *s = t->sds;
    do {
      n++;
      s = s->next;
    } while (s && s != t->sds && n <= t->n_sds);
    if (!s || n != t->n_sds)
      return diag_set(c->diag, ERROR_INVALID_DATA, "", HR_NO_OFFSET,
                      "save: security descriptor ring inconsistent with its count");
  }
  if (n == 0) return ERROR_SUCCESS; /* every key lookup will fail: no descriptor at all */
  c->n_sd_refs = n; /* the three tables are freed with this count, even after a failure */
  c->sd_refs = mem_alloc_array(c->mem, n, sizeof *c->sd_refs);
  c->group_slot = mem_alloc_array(c->mem, n, sizeof *c->group_slot);
  c->sks = mem_alloc_array(c->mem, n, sizeof *c->sks);
  if (!c->sd_refs || !c->group_slot || !c->sks)
    return diag_set(c->diag, ERROR_NOT_ENOUGH_MEMORY, "", HR_NO_OFFSET, "save: out of memory");
  const hr_sd *s = t->sds;
  for (uint32_t i = 0; i < n; i++, s = s->next) {
    c->sd_refs[i].sd = s;
    c->group_slot[i] = SAVE_UNSET;
  }
  qsort(c->sd_refs, n, sizeof *c->sd_refs, cmp_sd_content);
  uint32_t g = 0;
  for (uint32_t i = 0; i < n; i++) {
    const hr_sd *a = c->sd_refs[i].sd;
    if (i) {
      const hr_sd *p = c->sd_refs[i - 1].sd;
      if (p->len != a->len || (a->len && memcmp(p->bytes, a->bytes, a->len) != 0)) g++;
    }
    c->sd_refs[i].group = g;
  }
  qsort(c->sd_refs, n, sizeof *c->sd_refs, cmp_sd_ptr);
  return ERROR_SUCCESS;
}

hr_status save_sd_slot(save_ctx *c, const hr_key *key, uint32_t *slot) {
  save_sd_ref probe = {key->sd, 0};
  /* A one-entry cache before the binary search: the bsearch was 8% of ORSaveHive's
   * instructions on a 15 MB SYSTEM hive (conformance/bench/RESULTS.md), and consecutive keys
   * mostly share one descriptor.  sd_refs is not modified after sd_table_build. */
  const save_sd_ref *r = c->sd_last && key->sd && c->sd_last->sd == key->sd ? c->sd_last : NULL;
  if (!r) {
    r = key->sd && c->n_sd_refs ? bsearch(&probe, c->sd_refs, c->n_sd_refs, sizeof probe, cmp_sd_ptr)
                                : NULL;
    c->sd_last = r;
  }
  if (!r)
    return diag_set(c->diag, ERROR_INVALID_DATA, "R-D20", HR_NO_OFFSET,
                    "save: a key has no security descriptor from the hive's ring");
  uint32_t *gs = &c->group_slot[r->group];
  if (c->img) { /* pass 2: every slot exists */
    *slot = *gs;
    c->slot_sd = key->sd;
    c->slot_last = *gs;
    return ERROR_SUCCESS;
  }
  if (*gs == SAVE_UNSET) {
    const char *why = NULL;
    if (!secdesc_check(r->sd->bytes, r->sd->len, &why))
      return diag_set(c->diag, ERROR_INVALID_DATA, "R-H06", HR_NO_OFFSET,
                      "save: invalid security descriptor (%s)", why ? why : "?");
    *gs = c->n_sks++;
    c->sks[*gs].sd = r->sd;
    c->sks[*gs].refs = 0;
    c->sks[*gs].off = REGF_CELL_NIL;
  }
  save_sk *sk = &c->sks[*gs];
  if (sk->refs == UINT32_MAX)
    return diag_set(c->diag, ERROR_INVALID_PARAMETER, "R-D21", HR_NO_OFFSET,
                    "save: security descriptor reference count overflow");
  sk->refs++;
  *slot = *gs;
  c->slot_sd = key->sd;
  c->slot_last = *gs;
  return ERROR_SUCCESS;
}

/* ---- driver ------------------------------------------------------------------------------------ */

static void ctx_free(save_ctx *c) {
  if (c->sd_refs) mem_free(c->mem, c->sd_refs, (size_t)c->n_sd_refs * sizeof *c->sd_refs);
  if (c->group_slot) mem_free(c->mem, c->group_slot, (size_t)c->n_sd_refs * sizeof *c->group_slot);
  if (c->sks) mem_free(c->mem, c->sks, (size_t)c->n_sd_refs * sizeof *c->sks);
  if (c->frames) mem_free(c->mem, c->frames, (size_t)HR_MAX_DEPTH * sizeof *c->frames);
  if (c->child_off) mem_free(c->mem, c->child_off, (size_t)c->child_cap * sizeof *c->child_off);
  if (c->latin1_bits)
    mem_free(c->mem, c->latin1_bits, (size_t)c->latin1_cap * sizeof *c->latin1_bits);
}

hr_status save_serialize(const hr_tree *t, const hr_key *top, uint32_t minor,
                         uint64_t serial_time, hr_mem *mem, uint8_t **out, size_t *out_len,
                         HRDiagnostic *diag) {
  diag_clear(diag);
  if (!out || !out_len) return ERROR_INVALID_PARAMETER;
  *out = NULL;
  *out_len = 0;
  if (!t || !mem) return ERROR_INVALID_PARAMETER;
  if (!top) top = t->root;
  bool lh_auto = minor == SAVE_MINOR_LH_AUTO;
  if (!top || (!lh_auto && (minor < REGF_MINOR_MIN || minor > REGF_MINOR_MAX)))
    return diag_set(diag, ERROR_INVALID_PARAMETER, "", HR_NO_OFFSET,
                    "save: no key to save or format minor %u outside 3..6", minor);

  save_ctx c;
  memset(&c, 0, sizeof c);
  c.mem = mem;
  c.diag = diag;
  /* SAVE_MINOR_LH_AUTO: pass 1 runs as 1.6, which checks exactly what 1.5 checks when no
   * layered-key feature is present (the 1.6-only allowances need one), and notes whether one is
   * present; 1.5 and 1.6 lay cells out identically, so pass 2 writes the chosen minor. */
  c.minor = lh_auto ? REGF_MINOR_LAYERED : minor;
  c.top = top;
  hr_status st = sd_table_build(&c, t);
  uint32_t length = 0, length2 = 0;
  if (st == ERROR_SUCCESS) {
    c.frames = mem_alloc_array(mem, HR_MAX_DEPTH, sizeof *c.frames);
    if (!c.frames)
      st = diag_set(diag, ERROR_NOT_ENOUGH_MEMORY, "", HR_NO_OFFSET, "save: out of memory");
  }
  /* Pass 1: check, count references, lay out. */
  if (st == ERROR_SUCCESS) st = emit_pass(&c);
  if (st == ERROR_SUCCESS) st = cells_finish(&c, &length);
  if (lh_auto && !c.layered) c.minor = REGF_MINOR_LH;
  /* One allocation for the whole file. */
  if (st == ERROR_SUCCESS) {
    c.img_len = (size_t)REGF_BLOCK_SIZE + length;
    c.img = mem_zalloc(mem, c.img_len);
    if (!c.img)
      st = diag_set(diag, ERROR_NOT_ENOUGH_MEMORY, "", HR_NO_OFFSET,
                    "save: cannot allocate the %zu-byte image", c.img_len);
    else c.bins = c.img + REGF_BLOCK_SIZE;
  }
  /* Pass 2: the same walk, writing. */
  if (st == ERROR_SUCCESS) st = emit_pass(&c);
  if (st == ERROR_SUCCESS) st = cells_finish(&c, &length2);
  if (st == ERROR_SUCCESS && length2 != length)
    st = diag_set(diag, ERROR_INVALID_DATA, "", HR_NO_OFFSET,
                  "save: internal layout mismatch (%u != %u)", length2, length);
  if (st == ERROR_SUCCESS) cells_base_block(&c, length, serial_time);
  ctx_free(&c);
  if (st != ERROR_SUCCESS) {
    if (c.img) mem_free(mem, c.img, c.img_len);
    return st;
  }
  *out = c.img;
  *out_len = c.img_len;
  return ERROR_SUCCESS;
}
