/*
 * api_userflags.c: the nk user flags accessor pair and the client-memory pair of hiveref.h,
 * for the WOW64 module (ref/wow64), which may use only the public headers.
 *
 * User flags: MaxNameLen bits 20-23 of the nk cell (tree.h hr_key.user_flags), where Windows
 * keeps the WOW64 flags (offreg-api.md §3.5, msuhanov regf "User flags"): 0x1 a 32-bit key
 * created through WOW64, 0x2 created by reflection, 0x4 reflection disabled (the state
 * RegDisableReflectionKey persists), 0x8 pre-release Vista.  Setting them changes no timestamp:
 * like the virtualization flags they are metadata, not key content.
 * Locking and the deleted-key rule follow api.h (api_enter / handle_leave).
 */
#include "api.h"
#include "mem.h"

#define USER_FLAGS_MASK 0xFu

DWORD HRGetKeyUserFlags(ORHKEY Handle, PDWORD pdwFlags) {
  hr_ref r;
  hr_status st;
  if (!pdwFlags) return ERROR_INVALID_PARAMETER;
  if ((st = api_enter(Handle, &r)) != ERROR_SUCCESS) return st;
  *pdwFlags = r.key->user_flags & USER_FLAGS_MASK;
  handle_leave(&r);
  return ERROR_SUCCESS;
}

DWORD HRSetKeyUserFlags(ORHKEY Handle, DWORD dwFlags) {
  hr_ref r;
  hr_status st;
  if (dwFlags & ~USER_FLAGS_MASK) return ERROR_INVALID_PARAMETER;
  if ((st = api_enter(Handle, &r)) != ERROR_SUCCESS) return st;
  r.key->user_flags = (uint8_t)dwFlags;
  handle_leave(&r);
  return ERROR_SUCCESS;
}

void *HRHiveAlloc(ORHKEY anyKeyOfHive, size_t size) {
  hr_ref r;
  if (size == 0) return NULL;
  if (handle_enter(anyKeyOfHive, &r) != ERROR_SUCCESS) return NULL;
  void *p = mem_alloc(&r.hive->mem, size);
  handle_leave(&r);
  return p;
}

void HRHiveFree(ORHKEY anyKeyOfHive, void *ptr, size_t size) {
  hr_ref r;
  if (!ptr) return;
  if (handle_enter(anyKeyOfHive, &r) != ERROR_SUCCESS) return;
  mem_free(&r.hive->mem, ptr, size);
  handle_leave(&r);
}
