/*
 * restore.h: carrying KeysNotToRestore keys and values from an existing SYSTEM hive into a
 * restored (backup) SYSTEM hive, offline (DESIGN.md §3; ../shared/spec/offreg-api.md §4.4,
 * §4.5, §6 items 35-37).
 *
 * Users: backup and bare-metal-restore tools.  Before a machine's SYSTEM hive is replaced by a
 * backup, what the running installation needs (freshly detected devices and services, mounted
 * devices, pending file renames) must be carried over.  On Windows this is done with
 * RegLoadKey on a live machine ([VSS]); here it is done on two hive files with a plan the user
 * can read before anything is written.
 *
 * The module is a client of the engine: it includes only offreg.h and hiveref.h, reads the
 * existing hive and edits the restored hive through the public OR* API.  Neither input file is
 * modified: the caller saves the edited restored hive under a new name (ORSaveHive never
 * overwrites).
 *
 * Sources:
 *  [VSS] "Registry Backup and Restore Operations Under VSS", section "Registry Restore Using
 *        Non-VSS Win32 APIs in Windows Server 2003",
 *        https://learn.microsoft.com/en-us/windows/win32/vss/registry-backup-and-restore-operations-under-vss
 *  [KNR] Windows Server 2003 Registry Reference, "KeysNotToRestore",
 *        https://learn.microsoft.com/en-us/previous-versions/windows/it-pro/windows-server-2003/cc737538(v=ws.10)
 *  [MFX] MoveFileExW (PendingFileRenameOperations),
 *        https://learn.microsoft.com/en-us/windows/win32/api/winbase/nf-winbase-movefileexw
 * Every choice where they are silent or disagree is in ref/BEHAVIOUR.md "## Restore rules".
 *
 * Memory: the plan and the apply step's scratch buffers come from the restored hive's audited
 * allocation context (HRHiveAlloc): they are counted in its HRGetMemStats, subject to its
 * budget and fault injection, and the plan must be freed before that hive is closed.
 */
#ifndef HIVEREF_RESTORE_H
#define HIVEREF_RESTORE_H

#include "hiveref.h"
#include "offreg.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What one plan entry does ([VSS]: "determined by their terminal character"). */
typedef enum HRRestoreKind {
  HRR_REPLACE = 1, /* "\"  key replace: the existing key and its whole subtree replace the restored one */
  HRR_MERGE = 2,   /* "*"  key merge: existing subkeys (and values) merged into the restored key */
  HRR_VALUE = 3,   /* else value preserve: the named value is copied from existing into restored */
  HRR_SKIP = 4     /* reported and not applied; `skip` says why */
} HRRestoreKind;

/* Why an entry is skipped.  Never a crash and never a silent drop: every string read from a
 * KeysNotToRestore list ends up as exactly one plan entry. */
typedef enum HRRestoreSkip {
  HRR_SKIP_NONE = 0,
  HRR_SKIP_EMPTY,               /* an empty string inside the list */
  HRR_SKIP_EMPTY_COMPONENT,     /* leading "\" or doubled "\\": an empty path component */
  HRR_SKIP_WILDCARD,            /* "*" anywhere but at the end */
  HRR_SKIP_BAD_UTF16,           /* an unpaired surrogate */
  HRR_SKIP_TOO_LONG,            /* a key name > 255, a value name > 16383 units, or > 512 levels */
  HRR_SKIP_OUTSIDE_SYSTEM,      /* absolute, but not below HKEY_LOCAL_MACHINE\SYSTEM */
  HRR_SKIP_HIVE_ROOT,           /* key replace of the hive root itself */
  HRR_SKIP_NO_CONTROL_SET,      /* CurrentControlSet used but Select\Current is unusable */
  HRR_SKIP_SOURCE_KEY_MISSING,  /* the key is absent from the existing hive */
  HRR_SKIP_SOURCE_VALUE_MISSING,/* the value is absent from the existing hive */
  HRR_SKIP_LIST_NOT_MULTI_SZ,   /* a KeysNotToRestore value that is not REG_MULTI_SZ */
  HRR_SKIP_COUNT
} HRRestoreSkip;

/* The fate of one direct subkey of a merged key ([VSS] key merge and its "start" rule). */
typedef enum HRRestoreChildAction {
  HRR_CHILD_ADD = 1,            /* only in existing: the whole subtree is copied */
  HRR_CHILD_CARRY_START_MISSING,/* exception (a): existing has Start, restored lacks it */
  HRR_CHILD_CARRY_START_LOWER,  /* exception (b): both have Start, existing lower */
  HRR_CHILD_KEEP_START_NOT_LOWER,/* both have Start, existing equal or higher */
  HRR_CHILD_KEEP_NO_START,      /* neither has Start */
  HRR_CHILD_KEEP_RESTORED_START,/* only the restored subkey has Start */
  HRR_CHILD_KEEP_START_NOT_DWORD/* a Start value that is not a 4-byte REG_DWORD: not compared */
} HRRestoreChildAction;

typedef struct HRRestoreChild {
  const WCHAR *name;           /* UTF-16, name_len units, not NUL-terminated */
  size_t name_len;
  HRRestoreChildAction action;
  int existing_has_start, restored_has_start;   /* a value named Start exists */
  DWORD existing_start_type, restored_start_type;
  DWORD existing_start, restored_start;         /* valid when the type is a 4-byte REG_DWORD */
} HRRestoreChild;

/* PendingFileRenameOperations as [MFX] pairs (display only: the data is copied byte for byte). */
typedef struct HRRestorePairs {
  int present;                 /* the preserved value is named PendingFileRenameOperations */
  uint32_t strings;            /* NUL-terminated strings, the final multi-string terminator excluded */
  uint32_t pairs, deletes;     /* pairs; pairs whose destination is empty (delete on reboot) */
  int odd;                     /* an odd number of strings: the last source has no destination */
} HRRestorePairs;

#define HRR_FROM_EXISTING 1u
#define HRR_FROM_RESTORED 2u

typedef struct HRRestoreOp {
  HRRestoreKind kind;
  HRRestoreKind rule_kind;     /* for HRR_SKIP: the form the string had (0 if unparsable) */
  HRRestoreSkip skip;
  unsigned sources;            /* HRR_FROM_* : which hive's list named it */
  const WCHAR *rule;           /* the string as read (UTF-16, rule_len units) */
  size_t rule_len;
  const WCHAR *component;      /* the KeysNotToRestore value that first named it */
  size_t component_len;
  const WCHAR *src_path, *dst_path; /* physical key paths below the hive roots ("" = root) */
  size_t src_path_len, dst_path_len;
  const WCHAR *value;          /* HRR_VALUE: the value name */
  size_t value_len;
  int star_without_backslash;  /* "Name*" (the Windows 2000 rendering) taken as "Name\*" */
  int src_exists, dst_exists;  /* key (HRR_VALUE: value) present in existing / restored */
  int skip_side;               /* HRR_SKIP_NO_CONTROL_SET: HRR_FROM_* of the unusable hive */
  HRRestoreChild *children;    /* HRR_MERGE: existing subkeys, in existing's order */
  size_t n_children;
  const WCHAR **add_values;    /* HRR_MERGE: values only in existing (added); lengths below */
  size_t *add_value_lens;
  size_t n_add_values;
  HRRestorePairs pending;      /* HRR_VALUE of PendingFileRenameOperations */
  /* Filled by HRRestoreApply. */
  int applied;
  uint64_t keys_copied, values_copied, keys_deleted;
  uint64_t unrepresentable;    /* key names of 256 units, key/value names with an embedded NUL,
                                  virtualization bit 0x1: what no OR* call can write */
} HRRestoreOp;

/* What was read from one hive. */
typedef struct HRRestoreHiveInfo {
  int select_ok;               /* Select\Current is a 4-byte REG_DWORD */
  DWORD current;               /* its value: the control set ControlSet%03u */
  int list_found;              /* <ControlSet>\Control\BackupRestore\KeysNotToRestore exists */
  uint32_t list_values;        /* values in it */
  uint32_t strings;            /* strings read from its REG_MULTI_SZ values */
} HRRestoreHiveInfo;

typedef struct HRRestorePlan {
  ORHKEY mem;                  /* the restored root: the plan's allocation context */
  HRRestoreHiveInfo existing, restored;
  HRRestoreOp *ops;
  size_t n_ops;
  size_t count[5];             /* entries per HRRestoreKind */
  struct hrr_chunk *chunks;    /* the arena (restore_mem.c) */
} HRRestorePlan;

/* Computes the plan (nothing is modified).  existing and restored are the ROOT handles of two
 * different open hives.  Returns ERROR_SUCCESS, ERROR_INVALID_PARAMETER (NULL arguments, the
 * same hive twice), ERROR_INVALID_HANDLE, ERROR_NOT_ENOUGH_MEMORY, or another code an OR* call
 * returned.  *plan is NULL on failure. */
DWORD HRRestorePlanBuild(ORHKEY existing, ORHKEY restored, HRRestorePlan **plan);

/* Progress: called after each entry and every 1024 copied keys. */
typedef void (*HRRestoreProgress)(void *ctx, size_t done, size_t total, uint64_t keys_copied);

/* Executes the plan: edits `restored` in memory (the caller saves it with ORSaveHive).  Skipped
 * entries are not applied.  On failure (ERROR_NOT_ENOUGH_MEMORY or an OR* error) the restored
 * hive is valid but partly edited and must be discarded (closed without saving); nothing
 * leaks.  The plan must come from HRRestorePlanBuild on the same two hives, unmodified since. */
DWORD HRRestoreApply(HRRestorePlan *plan, ORHKEY existing, ORHKEY restored,
                     HRRestoreProgress progress, void *ctx);

void HRRestorePlanFree(HRRestorePlan *plan);

/* The plan as text (one line per entry plus merge details) or as JSON (one object). */
DWORD HRRestorePlanPrint(const HRRestorePlan *plan, FILE *out, int json);

/* Stable short names used in the text and JSON forms and in the conformance cases. */
const char *HRRestoreKindName(HRRestoreKind kind);        /* replace, merge, value, skip */
const char *HRRestoreSkipName(HRRestoreSkip skip);        /* empty, empty-component, ... */
const char *HRRestoreChildActionName(HRRestoreChildAction a); /* add, carry-start-missing, ... */

/* Parses one KeysNotToRestore string (pure; no allocation).  Exposed for the fuzzer and tests.
 * On success *kind is REPLACE/MERGE/VALUE, [*body, *body_len) the key path (or, for VALUE, the
 * key path and value name) without the HKLM\SYSTEM prefix and the terminal character,
 * *ccs = first component is CurrentControlSet.  On failure returns the skip reason. */
HRRestoreSkip HRRestoreParseRule(const WCHAR *s, size_t n, HRRestoreKind *kind,
                                 const WCHAR **body, size_t *body_len, int *ccs,
                                 int *star_without_backslash);

#ifdef __cplusplus
}
#endif
#endif /* HIVEREF_RESTORE_H */
