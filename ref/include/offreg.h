/*
 * offreg.h: the Offline Registry Library API (offreg.dll) with Microsoft's exact names,
 * signatures and constants, for a portable C reference implementation (hiveref).
 *
 * A program written for offreg.dll compiles against this header unchanged.  On Windows the
 * types come from <windows.h>; elsewhere the header provides windows.h-style typedefs.  Strings
 * are UTF-16 (WCHAR is a 16-bit unit, so C11 u"..." literals work on Linux; L"..." does not).
 *
 * Semantics follow https://learn.microsoft.com/en-us/windows/win32/devnotes/offline-registry-library-functions
 * as compiled in ../shared/spec/offreg-api.md §1-§2.  Where the documentation is silent or
 * contradicts itself, the choice made is marked IMPLEMENTATION-DEFINED below and recorded in
 * ref/BEHAVIOUR.md with its evidence.
 *
 * General contract (offreg-api.md §1.0):
 *  - Every function except ORGetVersion returns a Win32 error code (ERROR_SUCCESS = 0).
 *  - Handles: ORCreateHive/OROpenHive return the hive's root key handle.  ORCreateKey and
 *    OROpenKey never return the root; ORCloseKey cannot close it; ORDeleteKey cannot delete it:
 *    each of those fails with ERROR_INVALID_PARAMETER.
 *  - Handles are validated on every call: a closed, foreign or garbage handle gives
 *    ERROR_INVALID_HANDLE and never crashes (hiveref keeps a handle table; handles are not
 *    pointers into memory).
 *  - Only OROpenHive validates a hive.  Changes reach disk only through ORSaveHive, which never
 *    overwrites an existing file.  OROpenHive reads the whole file and does not keep it open.
 *  - One lock per hive ("simple locking"): calls on one hive from several threads are safe.
 */
#ifndef HIVEREF_OFFREG_H
#define HIVEREF_OFFREG_H

#ifdef _WIN32
#include <windows.h>
#else
#include <stdint.h>
#include <stddef.h>

#ifndef WINAPI
#define WINAPI
#endif
#ifndef _In_
#define _In_
#define _In_opt_
#define _Out_
#define _Out_opt_
#define _Inout_
#define _Inout_opt_
#endif

typedef uint32_t DWORD, *PDWORD, *LPDWORD;
typedef uint8_t BYTE, *PBYTE, *LPBYTE;
typedef uint16_t WCHAR, *PWSTR, *LPWSTR;
typedef const uint16_t *PCWSTR, *LPCWSTR;
typedef void VOID, *PVOID, *LPVOID;
typedef int32_t LONG;
typedef int BOOL;
typedef void *HANDLE;
typedef DWORD SECURITY_INFORMATION, *PSECURITY_INFORMATION;
typedef PVOID PSECURITY_DESCRIPTOR;
typedef struct _FILETIME {
  DWORD dwLowDateTime;
  DWORD dwHighDateTime;
} FILETIME, *PFILETIME, *LPFILETIME;

/* Win32 error codes (System Error Codes pages; offreg-api.md §0.1). */
#define ERROR_SUCCESS                 0L
#define ERROR_INVALID_FUNCTION        1L
#define ERROR_FILE_NOT_FOUND          2L
#define ERROR_PATH_NOT_FOUND          3L
#define ERROR_ACCESS_DENIED           5L
#define ERROR_INVALID_HANDLE          6L
#define ERROR_NOT_ENOUGH_MEMORY       8L
#define ERROR_INVALID_DATA            13L
#define ERROR_OUTOFMEMORY             14L
#define ERROR_WRITE_FAULT             29L
#define ERROR_READ_FAULT              30L
#define ERROR_SHARING_VIOLATION       32L
#define ERROR_HANDLE_DISK_FULL        39L
#define ERROR_NOT_SUPPORTED           50L
#define ERROR_FILE_EXISTS             80L
#define ERROR_INVALID_PARAMETER       87L
#define ERROR_BUFFER_OVERFLOW         111L
#define ERROR_DISK_FULL               112L
#define ERROR_CALL_NOT_IMPLEMENTED    120L
#define ERROR_INSUFFICIENT_BUFFER     122L
#define ERROR_INVALID_NAME            123L
#define ERROR_BAD_PATHNAME            161L
#define ERROR_ALREADY_EXISTS          183L
#define ERROR_FILENAME_EXCED_RANGE    206L
#define ERROR_MORE_DATA               234L
#define ERROR_NO_MORE_ITEMS           259L
#define ERROR_NOACCESS                998L
#define ERROR_INVALID_FLAGS           1004L
#define ERROR_BADDB                   1009L
#define ERROR_BADKEY                  1010L
#define ERROR_CANTOPEN                1011L
#define ERROR_CANTREAD                1012L
#define ERROR_CANTWRITE               1013L
#define ERROR_REGISTRY_RECOVERED      1014L
#define ERROR_REGISTRY_CORRUPT        1015L
#define ERROR_REGISTRY_IO_FAILED      1016L
#define ERROR_NOT_REGISTRY_FILE       1017L
#define ERROR_KEY_DELETED             1018L
#define ERROR_NO_LOG_SPACE            1019L
#define ERROR_KEY_HAS_CHILDREN        1020L
#define ERROR_CHILD_MUST_BE_VOLATILE  1021L
#define ERROR_NOT_FOUND               1168L
#define ERROR_NO_SYSTEM_RESOURCES     1450L
#define ERROR_DATATYPE_MISMATCH       1629L
#define ERROR_UNSUPPORTED_TYPE        1630L

/* Registry value types (offreg-api.md §0.2). */
#define REG_NONE                       0
#define REG_SZ                         1
#define REG_EXPAND_SZ                  2
#define REG_BINARY                     3
#define REG_DWORD                      4
#define REG_DWORD_LITTLE_ENDIAN        4
#define REG_DWORD_BIG_ENDIAN           5
#define REG_LINK                       6
#define REG_MULTI_SZ                   7
#define REG_RESOURCE_LIST              8
#define REG_FULL_RESOURCE_DESCRIPTOR   9
#define REG_RESOURCE_REQUIREMENTS_LIST 10
#define REG_QWORD                      11
#define REG_QWORD_LITTLE_ENDIAN        11

/* Key options and dispositions (§0.3). */
#define REG_OPTION_RESERVED            0x00000000L
#define REG_OPTION_NON_VOLATILE        0x00000000L
#define REG_OPTION_VOLATILE            0x00000001L
#define REG_OPTION_CREATE_LINK         0x00000002L
#define REG_OPTION_BACKUP_RESTORE      0x00000004L
#define REG_OPTION_OPEN_LINK           0x00000008L
#define REG_CREATED_NEW_KEY            0x00000001L
#define REG_OPENED_EXISTING_KEY        0x00000002L

/* Access rights (§0.4); offreg performs no access checks, the values are for completeness. */
#define KEY_QUERY_VALUE                0x0001
#define KEY_SET_VALUE                  0x0002
#define KEY_CREATE_SUB_KEY             0x0004
#define KEY_ENUMERATE_SUB_KEYS         0x0008
#define KEY_NOTIFY                     0x0010
#define KEY_CREATE_LINK                0x0020
#define KEY_WOW64_64KEY                0x0100
#define KEY_WOW64_32KEY                0x0200
#define KEY_READ                       0x20019
#define KEY_EXECUTE                    0x20019
#define KEY_WRITE                      0x20006
#define KEY_ALL_ACCESS                 0xF003F

/* SECURITY_INFORMATION bits (MS-DTYP 2.4.7; §0.5). */
#define OWNER_SECURITY_INFORMATION             0x00000001L
#define GROUP_SECURITY_INFORMATION             0x00000002L
#define DACL_SECURITY_INFORMATION              0x00000004L
#define SACL_SECURITY_INFORMATION              0x00000008L
#define LABEL_SECURITY_INFORMATION             0x00000010L
#define ATTRIBUTE_SECURITY_INFORMATION         0x00000020L
#define UNPROTECTED_SACL_SECURITY_INFORMATION  0x10000000L
#define UNPROTECTED_DACL_SECURITY_INFORMATION  0x20000000L
#define PROTECTED_SACL_SECURITY_INFORMATION    0x40000000L
#define PROTECTED_DACL_SECURITY_INFORMATION    0x80000000L

#define MAX_PATH 260
#endif /* !_WIN32 */

/* Virtualization flags (ORGetVirtualFlags/ORSetVirtualFlags; §0.6). */
#ifndef REG_KEY_DONT_VIRTUALIZE
#define REG_KEY_DONT_VIRTUALIZE   0x00000002
#define REG_KEY_DONT_SILENT_FAIL  0x00000004
#define REG_KEY_RECURSE_FLAG      0x00000008
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef PVOID ORHKEY, *PORHKEY;

/* Creates an empty hive in memory: one empty root key named "ROOT" with offreg's default
 * security descriptor (§1.1, §1.20).  *phkResult = NULL on failure.
 * Returns ERROR_SUCCESS, ERROR_INVALID_PARAMETER (phkResult NULL), ERROR_NOT_ENOUGH_MEMORY. */
DWORD WINAPI ORCreateHive(_Out_ PORHKEY phkResult);

/* Loads and validates a hive file (§1.2).  *phkResult = NULL on failure.
 * ERROR_FILE_NOT_FOUND (missing), ERROR_ACCESS_DENIED, ERROR_BADDB (empty or > 4 GiB),
 * ERROR_NOT_REGISTRY_FILE (any validation rule failed; hiveref.h HRGetLastDiagnostic names the
 * rule and offset), ERROR_NOT_ENOUGH_MEMORY, ERROR_INVALID_PARAMETER (NULL arguments). */
DWORD WINAPI OROpenHive(_In_ PCWSTR lpHivePath, _Out_ PORHKEY phkResult);

/* As OROpenHive, from an open file handle (undocumented export; §1.3).  On POSIX the HANDLE
 * carries a file descriptor: (HANDLE)(intptr_t)fd.  The descriptor is read from its current
 * position's file start (pread from 0) and is neither closed nor kept. */
DWORD WINAPI OROpenHiveByHandle(_In_ HANDLE FileHandle, _Out_ PORHKEY phkResult);

/* Frees the hive and every handle into it (§1.4).  A non-root handle: ERROR_INVALID_HANDLE
 * (IMPLEMENTATION-DEFINED, as the WAC reimplementation). */
DWORD WINAPI ORCloseHive(_In_ ORHKEY Handle);

/* Closes a key handle (§1.5).  The root: ERROR_INVALID_PARAMETER. */
DWORD WINAPI ORCloseKey(_In_ ORHKEY Handle);

/* Creates or opens a subkey path (§1.6): up to 32 components per call, keys at most 512 deep
 * counting the root, names 1..255 characters, case-insensitive.  NULL pSecurityDescriptor:
 * the new keys share the parent's descriptor; otherwise a self-relative descriptor applied to
 * every key the call creates.  dwOptions: 0, REG_OPTION_VOLATILE (kept in memory, never
 * saved) or REG_OPTION_CREATE_LINK (KEY_SYM_LINK on the last key).  IMPLEMENTATION-DEFINED
 * (BEHAVIOUR.md "OR* API"): leading '\' or an empty inner component -> ERROR_BAD_PATHNAME,
 * trailing '\'s ignored; "" on a non-root handle opens a new handle to the same key;
 * VOLATILE|CREATE_LINK or other bits -> ERROR_INVALID_PARAMETER; a stable child of a volatile
 * key -> ERROR_CHILD_MUST_BE_VOLATILE; CREATE_LINK on an existing non-link ->
 * ERROR_ALREADY_EXISTS.  Errors: ERROR_INVALID_PARAMETER (root would be returned, NULL
 * arguments, limits, bad descriptor), ERROR_INVALID_HANDLE, ERROR_KEY_DELETED,
 * ERROR_NOT_ENOUGH_MEMORY (the hive is unchanged). */
DWORD WINAPI ORCreateKey(_In_ ORHKEY Handle, _In_ PCWSTR lpSubKey, _In_opt_ PCWSTR lpClass,
                         _In_opt_ DWORD dwOptions, _In_opt_ PSECURITY_DESCRIPTOR pSecurityDescriptor,
                         _Out_ PORHKEY phkResult, _Out_opt_ PDWORD pdwDisposition);

/* Opens a subkey (multi-level paths allowed, case-insensitive).  NULL or "" returns the same
 * handle, except for the root: ERROR_INVALID_PARAMETER (§1.7).  Missing: ERROR_FILE_NOT_FOUND.
 * IMPLEMENTATION-DEFINED: the "same handle" is the same VALUE (not a second handle). */
DWORD WINAPI OROpenKey(_In_ ORHKEY Handle, _In_opt_ PCWSTR lpSubKeyName, _Out_ PORHKEY phkResult);

/* Deletes a key without subkeys (§1.8); NULL or "" (IMPLEMENTATION-DEFINED) deletes Handle's
 * own key.  ERROR_KEY_HAS_CHILDREN, ERROR_FILE_NOT_FOUND (missing; the doc's ERROR_NOT_FOUND
 * is not used), ERROR_INVALID_PARAMETER (the root).  Handles to a deleted key accept only
 * ORCloseKey; every other call gives ERROR_KEY_DELETED. */
DWORD WINAPI ORDeleteKey(_In_ ORHKEY Handle, _In_opt_ PCWSTR lpSubKey);
/* NULL or "" deletes the default value (§1.9); missing: ERROR_FILE_NOT_FOUND. */
DWORD WINAPI ORDeleteValue(_In_ ORHKEY Handle, _In_opt_ PCWSTR lpValueName);

/* Enumeration (§1.10, §1.11): subkeys in the sorted Windows order, values in stored order;
 * counts in characters (in: size incl. NUL; out: length excl. NUL); ERROR_NO_MORE_ITEMS at the
 * end.  IMPLEMENTATION-DEFINED: a name (or OREnumKey class) buffer too small gives
 * ERROR_MORE_DATA with the required size INCLUDING the NUL and copies nothing; OREnumValue with
 * a too-small *lpcbData (lpData NULL or not) gives ERROR_MORE_DATA and the size. */
DWORD WINAPI OREnumKey(_In_ ORHKEY Handle, _In_ DWORD dwIndex, _Out_ PWSTR lpName,
                       _Inout_ PDWORD lpcName, _Out_opt_ PWSTR lpClass, _Inout_opt_ PDWORD lpcClass,
                       _Out_opt_ PFILETIME lpftLastWriteTime);

DWORD WINAPI OREnumValue(_In_ ORHKEY Handle, _In_ DWORD dwIndex, _Out_ PWSTR lpValueName,
                         _Inout_ PDWORD lpcValueName, _Out_opt_ PDWORD lpType,
                         _Out_opt_ PBYTE lpData, _Inout_opt_ PDWORD lpcbData);

/* §1.12: lpSubKey NULL/"" = Handle itself; pvData NULL + pcbData = size only.  String types
 * without their terminator are returned with it added (RegGetValue text; the size includes it;
 * ERROR_MORE_DATA if it does not fit).  Missing key or value: ERROR_FILE_NOT_FOUND. */
DWORD WINAPI ORGetValue(_In_ ORHKEY Handle, _In_opt_ PCWSTR lpSubKey, _In_opt_ PCWSTR lpValue,
                        _Out_opt_ PDWORD pdwType, _Out_opt_ PVOID pvData, _Inout_opt_ PDWORD pcbData);

/* §1.13: any type, data stored byte for byte (IMPLEMENTATION-DEFINED: no NUL is appended);
 * names up to 16,383 characters; more than 1,071,104,040 bytes or a longer name:
 * ERROR_INVALID_PARAMETER; NULL data with cbData > 0: ERROR_NOACCESS.  In a link key only a
 * REG_LINK "SymbolicLinkValue" is accepted (else ERROR_ACCESS_DENIED). */
DWORD WINAPI ORSetValue(_In_ ORHKEY Handle, _In_opt_ PCWSTR lpValueName, _In_ DWORD dwType,
                        _In_opt_ const BYTE *lpData, _In_ DWORD cbData);

/* §1.14: class too small -> ERROR_MORE_DATA with the length WITHOUT the NUL; lpClass without
 * lpcClass -> ERROR_INVALID_PARAMETER.  IMPLEMENTATION-DEFINED: maxima computed from the current
 * subkeys/values (never stale). */
DWORD WINAPI ORQueryInfoKey(_In_ ORHKEY Handle, _Out_opt_ PWSTR lpClass, _Inout_opt_ PDWORD lpcClass,
                            _Out_opt_ PDWORD lpcSubKeys, _Out_opt_ PDWORD lpcMaxSubKeyLen,
                            _Out_opt_ PDWORD lpcMaxClassLen, _Out_opt_ PDWORD lpcValues,
                            _Out_opt_ PDWORD lpcMaxValueNameLen, _Out_opt_ PDWORD lpcMaxValueLen,
                            _Out_opt_ PDWORD lpcbSecurityDescriptor,
                            _Out_opt_ PFILETIME lpftLastWriteTime);

/* §1.15: self-relative; only the requested parts (IMPLEMENTATION-DEFINED; LABEL/ATTRIBUTE select
 * the SACL); too small -> ERROR_INSUFFICIENT_BUFFER with the size. */
DWORD WINAPI ORGetKeySecurity(_In_ ORHKEY Handle, _In_ SECURITY_INFORMATION SecurityInformation,
                              _Out_opt_ PSECURITY_DESCRIPTOR pSecurityDescriptor,
                              _Inout_ PDWORD lpcbSecurityDescriptor);

/* §1.16 IMPLEMENTATION-DEFINED: a valid self-relative descriptor; the parts SecurityInformation
 * selects are replaced ((UN)PROTECTED_DACL/SACL honoured); this key only; identical descriptors
 * are shared.  Invalid descriptor or bits: ERROR_INVALID_PARAMETER. */
DWORD WINAPI ORSetKeySecurity(_In_ ORHKEY Handle, _In_ SECURITY_INFORMATION SecurityInformation,
                              _In_ PSECURITY_DESCRIPTOR pSecurityDescriptor);

/* §1.17: ORSetVirtualFlags accepts only REG_KEY_DONT_VIRTUALIZE | REG_KEY_DONT_SILENT_FAIL |
 * REG_KEY_RECURSE_FLAG (IMPLEMENTATION-DEFINED: other bits -> ERROR_INVALID_PARAMETER); keys
 * created under a REG_KEY_RECURSE_FLAG parent copy its flags. */
DWORD WINAPI ORGetVirtualFlags(_In_ ORHKEY Handle, _Out_ PDWORD pdwFlags);
DWORD WINAPI ORSetVirtualFlags(_In_ ORHKEY Handle, _In_ DWORD dwFlags);

/* §1.19: writes a new file (temp file in the target folder, fsync, no-overwrite publish; a
 * failure leaves nothing behind).  Existing target: ERROR_ALREADY_EXISTS (IMPLEMENTATION-DEFINED;
 * an older DLL gave ERROR_FILE_EXISTS).  Targets 5.1, 5.2 (format 1.3), 6.0-6.3, 10.0 (1.5, or
 * 1.6 with layered keys); others ERROR_INVALID_PARAMETER.  A non-root handle saves its subtree
 * with that key as the root.  Volatile keys are not saved. */
DWORD WINAPI ORSaveHive(_In_ ORHKEY Handle, _In_ PCWSTR lpHivePath, _In_ DWORD dwOsMajorVersion,
                        _In_ DWORD dwOsMinorVersion);

/* Undocumented exports (§1.21-§1.23), IMPLEMENTATION-DEFINED (BEHAVIOUR.md "OR* API"):
 * ORMergeHives builds a new hive from hive (root) handles, index 0 the base and later hives
 * winning, with layered-key tombstone / supersede semantics; ORRenameKey renames Handle's own
 * key (root: ERROR_INVALID_PARAMETER; sibling exists: ERROR_ALREADY_EXISTS); ORStart and
 * ORShutdown succeed and do nothing. */
DWORD WINAPI ORMergeHives(_In_ ORHKEY *HiveHandles, _In_ DWORD HiveCount, _Out_ PORHKEY phkResult);
DWORD WINAPI ORRenameKey(_In_ ORHKEY Handle, _In_ PCWSTR lpNewName);
DWORD WINAPI ORStart(void);
DWORD WINAPI ORShutdown(void);

/* §1.18: "For the initial release of the library": major 1, minor 0.  Declared VOID as the
 * documentation says (the Windows metadata's WIN32_ERROR return is noted in BEHAVIOUR.md). */
VOID WINAPI ORGetVersion(_Out_ PDWORD pdwMajorVersion, _Out_ PDWORD pdwMinorVersion);

#ifdef __cplusplus
}
#endif
#endif /* HIVEREF_OFFREG_H */
