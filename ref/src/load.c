/*
 * load.c: hive_load and hive_check (load.h), the two entry points over validate.c.
 */
#include "load.h"

#include <string.h>

#include "validate.h"

static void hv_init(hr_hv *v, hr_mem *mem, hr_findings *f, const uint8_t *data, size_t size) {
  memset(v, 0, sizeof *v);
  v->mem = mem;
  v->f = f;
  v->file = data;
  v->file_size = size;
}

/* A memory failure is not a format rule: record it with an empty rule id if nothing else was. */
static void note_oom(hr_findings *f) {
  if (f->diag && f->n_reject == 0)
    diag_set(f->diag, ERROR_NOT_ENOUGH_MEMORY, "", HR_NO_OFFSET, "out of memory while loading");
}

/* own: data as the tree's image to borrow from (hive_load_image), or NULL (copy). */
static hr_status load(hr_tree *t, const uint8_t *data, size_t size, uint8_t *own,
                      hr_findings *f, HRHiveInfo *info) {
  hr_findings local;
  if (!f) {
    memset(&local, 0, sizeof local);
    f = &local;
  }
  if (!data) size = 0;
  hr_hv v;
  hv_init(&v, t->mem, f, data, size);
  v.stop = true; /* open stops at the first rejection */
  v.tree = t;
  if (own && size) {
    t->image = own;
    t->image_size = size;
  }
  /* The tree of a real hive takes 0.8-1.1x its file (without data: issue #9 breakdown of
   * SYSTEM_WIN_10_1709, 12.5 MiB for 14.75), so half the file size in arena chunks is filled
   * for certain: those may be pre-faulted huge pages (fast); the rest is populated in windows
   * so that the last chunk's unused tail never counts in the peak (mem.h). */
  t->arena.huge_budget = size / 2 < HUGE_BLOCK_MAX ? size / 2 : HUGE_BLOCK_MAX;
  hr_status st = validate_hive(&v);
  if (st == ERROR_SUCCESS && info) base_block_info(&v.base, data, size, info);
  validate_free(&v);
  if (st != ERROR_SUCCESS) {
    /* The image stays the caller's: tree_free must not free it (nothing borrows from it
     * once the tree is gone). */
    t->image = NULL;
    t->image_size = 0;
    tree_free(t);
    if (st == ERROR_NOT_ENOUGH_MEMORY) note_oom(f);
  }
  return st;
}

hr_status hive_load(hr_tree *t, const uint8_t *data, size_t size, hr_findings *f,
                    HRHiveInfo *info) {
  return load(t, data, size, NULL, f, info);
}

hr_status hive_load_image(hr_tree *t, uint8_t *data, size_t size, hr_findings *f,
                          HRHiveInfo *info) {
  return load(t, data, size, data, f, info);
}

hr_status hive_check(hr_mem *mem, const uint8_t *data, size_t size, hr_findings *f,
                     HRCheckSummary *summary) {
  hr_findings local;
  if (!f) {
    memset(&local, 0, sizeof local);
    f = &local;
  }
  if (!data) size = 0;
  hr_hv v;
  hv_init(&v, mem, f, data, size);
  v.stop = f->stop_on_reject != 0;
  hr_status st = validate_hive(&v);
  if (st == ERROR_NOT_ENOUGH_MEMORY) note_oom(f);
  if (summary) {
    memset(summary, 0, sizeof *summary);
    summary->major = v.base.major;
    summary->minor = v.base.minor;
    summary->dirty = v.base.dirty;
    summary->keys = v.keys;
    summary->values = v.values;
    summary->value_bytes = v.value_bytes;
    summary->security_descriptors = v.sks.n;
    summary->findings_reject = f->n_reject;
    summary->findings_warn = f->n_warn;
    summary->findings_info = f->n_info;
  }
  validate_free(&v);
  return st;
}
