/*
 * save.h: tree -> a fresh, compact hive image (DESIGN.md §2 "save"; regf-format.md §10).
 *
 * Deterministic: the same tree, target and timestamp give the same bytes.  The output passes
 * hive_check with zero findings.
 */
#ifndef HIVEREF_SAVE_H
#define HIVEREF_SAVE_H

#include <stddef.h>
#include <stdint.h>

#include "mem.h"
#include "status.h"
#include "tree.h"

/* Target OS version -> format minor (BEHAVIOUR.md): 5.1/5.2 -> 1.3 (lf, no big data);
 * 6.0 and later (6.1, 6.2, 6.3, 10.0) -> 1.5 (lh, big data); 1.6 only when layered-key features
 * are present.  Returns ERROR_INVALID_PARAMETER for unknown targets. */
hr_status save_target_minor(uint32_t os_major, uint32_t os_minor, const hr_tree *t,
                            const hr_key *top, uint32_t *minor);

/* save_serialize's minor for "1.5, or 1.6 when the saved subtree uses layered-key features":
 * save_target_minor's answer for a 6.0+ target, found by the serializer's own plan pass instead
 * of a separate walk of the tree (that walk was 2.7% of ORSaveHive's instructions). */
#define SAVE_MINOR_LH_AUTO 0x100u
/* save_target_minor without its walk of the tree, for ORSaveHive: a 6.0+ target gives
 * SAVE_MINOR_LH_AUTO, a 5.x target 3, whose plan pass refuses layered-key features with the
 * same ERROR_INVALID_PARAMETER (R-D10, R-F09); only a tree that also breaks tree.h invariants
 * could then report another error first. */
hr_status save_target_format(uint32_t os_major, uint32_t os_minor, const hr_tree *t,
                             const hr_key *top, uint32_t *minor);

/* Serialises the subtree at top (top becomes the root) into a new image allocated with mem
 * (*out, *out_len; free with mem_free(mem, *out, *out_len)).  Volatile keys are skipped.
 * minor: 3..6, or SAVE_MINOR_LH_AUTO (the image then says 5 or 6).
 * serial_time is the FILETIME written as offreg's serialization timestamp. */
hr_status save_serialize(const hr_tree *t, const hr_key *top, uint32_t minor,
                         uint64_t serial_time, hr_mem *mem, uint8_t **out, size_t *out_len,
                         HRDiagnostic *diag);

#endif /* HIVEREF_SAVE_H */
