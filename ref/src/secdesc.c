/*
 * secdesc.c: RtlValidRelativeSecurityDescriptor-equivalent validation (regf-format.md §5.6,
 * R-H06).  Layouts from MS-DTYP:
 *   2.4.6 SECURITY_DESCRIPTOR (self-relative): u8 Revision, u8 Sbz1, u16 Control,
 *         u32 OffsetOwner, OffsetGroup, OffsetSacl, OffsetDacl (0 = absent).
 *   2.4.5 ACL: u8 AclRevision, u8 Sbz1, u16 AclSize, u16 AceCount, u16 Sbz2, then the ACEs.
 *   2.4.4 ACE: ACE_HEADER {u8 AceType, u8 AceFlags, u16 AceSize}, then per type.
 *   2.4.2 SID: u8 Revision, u8 SubAuthorityCount, u8 IdentifierAuthority[6], u32 SubAuthority[n].
 *
 * Checks, in the order Windows' RtlValidRelativeSecurityDescriptor applies them (facts also
 * visible in ReactOS sdk/lib/rtl/sd.c and acl.c, RtlpValidateSDOffsetAndSize / RtlValidAcl):
 *  - len >= 20, Revision == 1, Control has SE_SELF_RELATIVE;
 *  - each present owner/group/SACL/DACL offset is >= 20, < len, 4-byte aligned, and leaves at
 *    least the minimum structure size (SID 12 bytes, ACL 8 bytes) before len;
 *  - SIDs: Revision 1, SubAuthorityCount <= 15, 8 + 4*count bytes inside the descriptor;
 *  - SACL/DACL are only looked at when their *_PRESENT control bit is set and the offset is
 *    non-zero; then AclRevision in 2..4, AclSize even, >= 8 and inside the descriptor; every ACE
 *    header and body inside AclSize, AceSize even (a multiple of 4 for the known types); for
 *    the basic (types 0..3) and object (types 5..8) ACEs the embedded SID is valid and fits.
 * Every loop is bounded by AceCount (u16) and makes forward progress (AceSize >= 4).
 */
#include "secdesc.h"

#include "bytes.h"
#include "layout.h"

/* MS-DTYP constants local to descriptor validation (not regf layout). */
enum {
  SID_REVISION = 1,
  SID_MAX_SUB_AUTHORITIES = 15,
  SID_HEADER_SIZE = 8,        /* Revision, SubAuthorityCount, IdentifierAuthority[6] */
  SID_MIN_SIZE = 12,          /* sizeof(SID): one sub-authority */
  ACL_HEADER_SIZE = 8,        /* sizeof(ACL) */
  ACL_REVISION_MIN = 2,       /* ACL_REVISION */
  ACL_REVISION_MAX = 4,       /* ACL_REVISION_DS */
  ACE_HEADER_SIZE = 4,
  ACE_MAX_MS_V2_TYPE = 3,     /* ACCESS_ALLOWED/DENIED, SYSTEM_AUDIT/ALARM: header, mask, SID */
  ACE_OBJECT_FIRST = 5,       /* ACCESS_ALLOWED_OBJECT_ACE_TYPE */
  ACE_OBJECT_LAST = 8,        /* SYSTEM_ALARM_OBJECT_ACE_TYPE (ACCESS_MAX_MS_V4_ACE_TYPE) */
  ACE_OBJECT_TYPE_PRESENT = 1,
  ACE_INHERITED_OBJECT_TYPE_PRESENT = 2,
  GUID_SIZE = 16,
};

/* A SID at sd[off..avail_end): valid revision, sub-authority count, and fully inside. */
static bool sid_ok(const uint8_t *sd, size_t off, size_t end) {
  if (off > end || end - off < SID_HEADER_SIZE) return false;
  if (sd[off] != SID_REVISION) return false;
  uint8_t n = sd[off + 1];
  if (n > SID_MAX_SUB_AUTHORITIES) return false;
  return (size_t)SID_HEADER_SIZE + 4u * n <= end - off;
}

/* RtlpValidateSDOffsetAndSize: offset >= header, < len, aligned, min bytes left. */
static bool sd_offset_ok(uint32_t off, size_t len, size_t min) {
  if (off < SD_MIN_SIZE || off >= len) return false;
  if (len - off < min) return false;
  return (off & 3u) == 0;
}

/* An ACL at sd[off..), with at most avail bytes left in the descriptor. */
static bool acl_ok(const uint8_t *sd, size_t off, size_t avail, const char **why) {
  const uint8_t *acl = sd + off;
  uint8_t rev = acl[0];
  uint16_t size = le16(acl + 2), count = le16(acl + 4);
  if (rev < ACL_REVISION_MIN || rev > ACL_REVISION_MAX) {
    *why = "ACL revision not in 2..4";
    return false;
  }
  if ((size & 1u) != 0 || size < ACL_HEADER_SIZE) {
    *why = "AclSize odd or smaller than the ACL header";
    return false;
  }
  if (size > avail) {
    *why = "ACL extends past the descriptor";
    return false;
  }
  size_t pos = ACL_HEADER_SIZE;
  for (uint32_t i = 0; i < count; i++) {
    if (size - pos < ACE_HEADER_SIZE) {
      *why = "ACE header past AclSize";
      return false;
    }
    uint8_t type = acl[pos];
    uint16_t ace_size = le16(acl + pos + 2);
    if (ace_size < ACE_HEADER_SIZE || (ace_size & 1u) != 0) {
      *why = "AceSize too small or odd";
      return false;
    }
    if (ace_size > size - pos) {
      *why = "ACE extends past AclSize";
      return false;
    }
    size_t ace_end = off + pos + ace_size; /* descriptor-relative */
    if (type <= ACE_MAX_MS_V2_TYPE) {
      /* KNOWN_ACE: header, ACCESS_MASK, SID (sizeof(KNOWN_ACE) = 12). */
      if ((ace_size & 3u) != 0 || ace_size < ACE_HEADER_SIZE + 8) {
        *why = "basic ACE size not a multiple of 4 or too small";
        return false;
      }
      if (!sid_ok(sd, off + pos + 8, ace_end)) {
        *why = "basic ACE SID invalid or past AceSize";
        return false;
      }
    } else if (type >= ACE_OBJECT_FIRST && type <= ACE_OBJECT_LAST) {
      /* Object ACE: header, mask, u32 Flags, optional GUIDs, SID. */
      if ((ace_size & 3u) != 0 || ace_size < ACE_HEADER_SIZE + 8) {
        *why = "object ACE size not a multiple of 4 or too small";
        return false;
      }
      uint32_t flags = le32(acl + pos + 8);
      size_t sid_off = off + pos + 12;
      if (flags & ACE_OBJECT_TYPE_PRESENT) sid_off += GUID_SIZE;
      if (flags & ACE_INHERITED_OBJECT_TYPE_PRESENT) sid_off += GUID_SIZE;
      if (!sid_ok(sd, sid_off, ace_end)) {
        *why = "object ACE SID invalid or past AceSize";
        return false;
      }
    }
    /* Other ACE types (compound, callback, mandatory label, ...): the header checks above. */
    pos += ace_size;
  }
  return true;
}

bool secdesc_check(const uint8_t *sd, size_t len, const char **why) {
  const char *dummy;
  if (!why) why = &dummy;
  *why = "";
  if (!sd || len < SD_MIN_SIZE) {
    *why = "descriptor shorter than 20 bytes";
    return false;
  }
  if (sd[SD_OFF_REVISION] != SD_REVISION) {
    *why = "descriptor revision is not 1";
    return false;
  }
  uint16_t control = le16(sd + SD_OFF_CONTROL);
  if ((control & SE_SELF_RELATIVE) == 0) {
    *why = "SE_SELF_RELATIVE not set";
    return false;
  }
  static const struct {
    size_t field;
    const char *bad;
  } sids[2] = {{SD_OFF_OWNER, "owner SID offset or SID invalid"},
               {SD_OFF_GROUP, "group SID offset or SID invalid"}};
  for (int i = 0; i < 2; i++) {
    uint32_t off = le32(sd + sids[i].field);
    if (off == 0) continue; /* absent: allowed when no information is required */
    if (!sd_offset_ok(off, len, SID_MIN_SIZE) || !sid_ok(sd, off, len)) {
      *why = sids[i].bad;
      return false;
    }
  }
  static const struct {
    size_t field;
    uint16_t present;
    const char *bad;
  } acls[2] = {{SD_OFF_SACL, SE_SACL_PRESENT, "SACL offset out of range"},
               {SD_OFF_DACL, SE_DACL_PRESENT, "DACL offset out of range"}};
  for (int i = 0; i < 2; i++) {
    uint32_t off = le32(sd + acls[i].field);
    if ((control & acls[i].present) == 0 || off == 0) continue; /* NULL or absent ACL */
    if (!sd_offset_ok(off, len, ACL_HEADER_SIZE)) {
      *why = acls[i].bad;
      return false;
    }
    if (!acl_ok(sd, off, len - off, why)) return false;
  }
  return true;
}

bool secdesc_valid(const uint8_t *sd, size_t len) { return secdesc_check(sd, len, NULL); }
