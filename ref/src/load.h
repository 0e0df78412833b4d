/*
 * load.h: bytes -> validated tree (DESIGN.md §2: bytes -> base block -> bin map -> cells ->
 * validated tree).  Implemented by base_block.c, hbin.c, cell.c, nk.c, vk.c, sk.c,
 * subkey_list.c, value_data.c, validate.c and load.c.
 *
 * Both entry points run the same rule catalogue of regf-format.md §8 (R-A .. R-H; ids as in the
 * spec, listed in ref/RULES.md).  Severity follows the spec's "Engine" column: S rejects, warn
 * and IGN never reject but are reported.  Walks are iterative, depth <= 512 (R-E16), with a
 * visited bitmap (R-C07) and every loop bounded by its count and its containing cell.
 */
#ifndef HIVEREF_LOAD_H
#define HIVEREF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "hiveref.h"
#include "mem.h"
#include "status.h"
#include "tree.h"

/* Validates data[0..size) and builds the tree into t (t->mem set, t->root NULL on entry).
 * On success t holds the whole hive and info the header fields.  On failure t is left empty
 * (everything freed), f->diag names the first rejecting rule and offset, and the return is
 * ERROR_BADDB (empty / > 4 GiB), ERROR_NOT_REGISTRY_FILE (a rule failed) or
 * ERROR_NOT_ENOUGH_MEMORY.  Warnings go to f. */
hr_status hive_load(hr_tree *t, const uint8_t *data, size_t size, hr_findings *f,
                    HRHiveInfo *info);

/* As hive_load for an image allocated from t->mem (size bytes, e.g. a file read by OROpenHive)
 * that the tree may keep: on success t owns it (t->image; freed by tree_free) and loaded values
 * borrow their inline and cell data from it instead of copying it (tree.h "File bytes"); on
 * failure it is still the caller's.  The bytes must not change while the tree lives. */
hr_status hive_load_image(hr_tree *t, uint8_t *data, size_t size, hr_findings *f,
                          HRHiveInfo *info);

/* Validates without building the tree, reporting every finding it can reach (it continues past
 * a rejection where the structure still allows a bounded walk).  mem is used for the cell map
 * and visited bitmap only.  summary counts keys, values, data bytes and findings. */
hr_status hive_check(hr_mem *mem, const uint8_t *data, size_t size, hr_findings *f,
                     HRCheckSummary *summary);

#endif /* HIVEREF_LOAD_H */
