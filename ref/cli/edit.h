/*
 * edit.h: hive-editing helpers shared by import, set, rm and convert: open-or-create, key
 * paths created level by level, subtree deletion (offreg has no ORDeleteTree:
 * offreg-api.md §1.8 "delete bottom-up"), saving for a target OS version, and the mapping from
 * a hive's format version back to a target OS.  Public API only.
 */
#ifndef HIVEREF_CLI_EDIT_H
#define HIVEREF_CLI_EDIT_H

#include <stddef.h>
#include <stdint.h>

#include "hiveref.h"

/* Opens base (validated) or, when base is NULL, creates an empty hive.  On failure prints the
 * error with the diagnostic and returns it. */
DWORD edit_open(const char *base, ORHKEY *root);

/* Opens or creates the key at path (UTF-16, components separated by "\", no NUL needed;
 * leading and trailing separators ignored) below root, creating missing levels.  *key is root
 * itself for an empty path (then *owned = 0); otherwise close it with ORCloseKey. */
DWORD edit_create_path(ORHKEY root, const uint16_t *path, size_t len, ORHKEY *key, int *owned);

/* Deletes the key at path and its whole subtree, bottom-up.  A missing key gives
 * ERROR_FILE_NOT_FOUND; the root (empty path) ERROR_INVALID_PARAMETER. */
DWORD edit_delete_tree(ORHKEY root, const uint16_t *path, size_t len);

/* Target OS for saving a hive that was format 1.<minor>: 1.3 and older formats -> 5.1 (XP),
 * anything newer -> 10.0 (save.h: 6.0+ all write 1.5). */
void edit_default_os(uint32_t format_minor, DWORD *os_major, DWORD *os_minor);

/* ORSaveHive to a new file (never overwrites); prints the error.  Returns the Win32 code. */
DWORD edit_save(ORHKEY root, const char *out, DWORD os_major, DWORD os_minor);

#endif /* HIVEREF_CLI_EDIT_H */
