/*
 * api_security.c: ORGetKeySecurity, ORSetKeySecurity, ORGetVirtualFlags, ORSetVirtualFlags
 * (offreg-api.md §1.15-§1.17, §2.9, §2.10; MS-DTYP 2.4.6 self-relative SECURITY_DESCRIPTOR,
 * 2.4.7 SECURITY_INFORMATION).
 *
 * offreg stores descriptors and never enforces them (§1.0).  Descriptors are shared between
 * keys and reference-counted through tree_sd_intern (identical bytes = one hr_sd).
 *
 * IMPLEMENTATION-DEFINED (BEHAVIOUR.md "security"):
 *  - ORGetKeySecurity returns a self-relative descriptor holding only the requested parts
 *    (RegGetKeySecurity parity); LABEL_ and ATTRIBUTE_SECURITY_INFORMATION select the SACL
 *    (where those ACEs live).  When every present part is requested, the stored bytes are
 *    returned unchanged.  A NULL buffer counts as a zero-byte buffer.
 *  - ORSetKeySecurity takes a self-relative descriptor only (there is no length parameter; its
 *    extent is measured from its own offsets and sizes, then checked with secdesc_valid), replaces
 *    the parts SecurityInformation selects, honours PROTECTED_/UNPROTECTED_ DACL/SACL bits, and
 *    changes this key only (no propagation to subkeys that share the old descriptor).
 *  - A rebuilt descriptor is laid out header, SACL, DACL, owner, group (the order Windows
 *    registry descriptors show: yarp OffHive's sk has DACL at 0x14, then owner, then group),
 *    each part in a slot rounded up to 4 bytes (sd_slot).
 */
#include <string.h>

#include "api.h"
#include "bytes.h"
#include "layout.h"
#include "secdesc.h"

#define SE_OWNER_DEFAULTED 0x0001u
#define SE_GROUP_DEFAULTED 0x0002u
#define SE_DACL_BITS 0x150Cu /* PRESENT 0x4, DEFAULTED 0x8, AUTO_INHERIT_REQ 0x100,
                                AUTO_INHERITED 0x400, PROTECTED 0x1000 */
#define SE_SACL_BITS 0x2A30u /* PRESENT 0x10, DEFAULTED 0x20, AUTO_INHERIT_REQ 0x200,
                                AUTO_INHERITED 0x800, PROTECTED 0x2000 */
#define SE_DACL_PROTECTED 0x1000u
#define SE_SACL_PROTECTED 0x2000u

#define SI_PARTS (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | \
                  DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION |   \
                  LABEL_SECURITY_INFORMATION | ATTRIBUTE_SECURITY_INFORMATION)
#define SI_PROTECT (PROTECTED_DACL_SECURITY_INFORMATION | UNPROTECTED_DACL_SECURITY_INFORMATION | \
                    PROTECTED_SACL_SECURITY_INFORMATION | UNPROTECTED_SACL_SECURITY_INFORMATION)
#define SI_SACL_ANY (SACL_SECURITY_INFORMATION | LABEL_SECURITY_INFORMATION | \
                     ATTRIBUTE_SECURITY_INFORMATION)

/* The components of a valid self-relative descriptor, as spans into its bytes. */
typedef struct sd_parts {
  uint16_t control;
  const uint8_t *owner, *group, *sacl, *dacl; /* NULL when absent */
  uint32_t owner_len, group_len, sacl_len, dacl_len;
} sd_parts;

/* Splits sd[0..len).  false if a component does not fit (cannot happen for descriptors that
 * passed secdesc_valid, which every stored one did; checked anyway). */
static bool sd_split(const uint8_t *sd, uint32_t len, sd_parts *p) {
  memset(p, 0, sizeof *p);
  hr_span s = {sd, len};
  uint32_t o;
  if (len < SD_MIN_SIZE) return false;
  p->control = le16(sd + SD_OFF_CONTROL);
  const uint32_t fields[4] = {SD_OFF_OWNER, SD_OFF_GROUP, SD_OFF_SACL, SD_OFF_DACL};
  for (int i = 0; i < 4; i++) {
    if (!span_u32(s, fields[i], &o)) return false;
    if (o == 0) continue;
    if (i == 2 && !(p->control & SE_SACL_PRESENT)) continue;
    if (i == 3 && !(p->control & SE_DACL_PRESENT)) continue;
    uint32_t n;
    if (i < 2) {
      uint8_t subs;
      if (!span_u8(s, (size_t)o + 1u, &subs)) return false;
      n = 8u + 4u * subs;
    } else {
      uint16_t sz;
      if (!span_u16(s, (size_t)o + 2u, &sz)) return false;
      n = sz;
    }
    if (!span_has(s, o, n)) return false;
    const uint8_t **dst[4] = {&p->owner, &p->group, &p->sacl, &p->dacl};
    uint32_t *dlen[4] = {&p->owner_len, &p->group_len, &p->sacl_len, &p->dacl_len};
    *dst[i] = sd + o;
    *dlen[i] = n;
  }
  return true;
}

/* The room a component takes in a rebuilt descriptor: its size rounded up to 4 bytes, as
 * Windows' RtlMakeSelfRelativeSD sizes each part (RtlpQuerySecurityDescriptor), so every offset
 * after it stays 4-byte aligned as RtlValidRelativeSecurityDescriptor requires (secdesc.c).  An
 * ACL's AclSize need only be even (MS-DTYP 2.4.5; R-H06 accepts 2 mod 4). */
static uint32_t sd_slot(uint32_t n) { return (n + 3u) & ~3u; }

static uint32_t sd_size(const sd_parts *p) {
  return SD_MIN_SIZE + sd_slot(p->sacl_len) + sd_slot(p->dacl_len) + sd_slot(p->owner_len) +
         sd_slot(p->group_len);
}

/* Writes p as a self-relative descriptor into out (sd_size(p) bytes; padding zeroed). */
static void sd_write(const sd_parts *p, uint8_t *out) {
  memset(out, 0, sd_size(p));
  out[SD_OFF_REVISION] = SD_REVISION;
  uint16_t control = p->control | SE_SELF_RELATIVE;
  control = (uint16_t)(p->sacl ? control | SE_SACL_PRESENT : control);
  control = (uint16_t)(p->dacl ? control | SE_DACL_PRESENT : control);
  put16(out + SD_OFF_CONTROL, control);
  uint32_t off = SD_MIN_SIZE;
  const uint8_t *src[4] = {p->sacl, p->dacl, p->owner, p->group};
  const uint32_t len[4] = {p->sacl_len, p->dacl_len, p->owner_len, p->group_len};
  const uint32_t field[4] = {SD_OFF_SACL, SD_OFF_DACL, SD_OFF_OWNER, SD_OFF_GROUP};
  for (int i = 0; i < 4; i++) {
    if (!src[i]) continue;
    memcpy(out + off, src[i], len[i]);
    put32(out + field[i], off);
    off += sd_slot(len[i]);
  }
}

/* The parts of stored that a query for si returns. */
static void sd_select(const sd_parts *stored, SECURITY_INFORMATION si, sd_parts *q) {
  *q = *stored;
  if (!(si & OWNER_SECURITY_INFORMATION)) {
    q->owner = NULL;
    q->owner_len = 0;
    q->control &= (uint16_t)~SE_OWNER_DEFAULTED;
  }
  if (!(si & GROUP_SECURITY_INFORMATION)) {
    q->group = NULL;
    q->group_len = 0;
    q->control &= (uint16_t)~SE_GROUP_DEFAULTED;
  }
  if (!(si & DACL_SECURITY_INFORMATION)) {
    q->dacl = NULL;
    q->dacl_len = 0;
    q->control &= (uint16_t)~SE_DACL_BITS;
  }
  if (!(si & SI_SACL_ANY)) {
    q->sacl = NULL;
    q->sacl_len = 0;
    q->control &= (uint16_t)~SE_SACL_BITS;
  }
}

DWORD WINAPI ORGetKeySecurity(ORHKEY Handle, SECURITY_INFORMATION SecurityInformation,
                              PSECURITY_DESCRIPTOR pSecurityDescriptor,
                              PDWORD lpcbSecurityDescriptor) {
  if (!lpcbSecurityDescriptor) return ERROR_INVALID_PARAMETER;
  /* MS-DTYP / §0.5: the PROTECTED_ and UNPROTECTED_ bits can only be set, never queried. */
  if (SecurityInformation & ~(SECURITY_INFORMATION)SI_PARTS) return ERROR_INVALID_PARAMETER;
  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  const hr_sd *sd = r.key->sd;
  sd_parts all, q;
  if (!sd || !sd_split(sd->bytes, sd->len, &all)) {
    handle_leave(&r);
    return ERROR_INVALID_DATA; /* unreachable for a validated tree */
  }
  sd_select(&all, SecurityInformation, &q);
  bool whole = q.owner == all.owner && q.group == all.group && q.sacl == all.sacl &&
               q.dacl == all.dacl;
  uint32_t need = whole ? sd->len : sd_size(&q);
  if (!pSecurityDescriptor || *lpcbSecurityDescriptor < need) {
    st = ERROR_INSUFFICIENT_BUFFER; /* §1.15: not ERROR_MORE_DATA */
  } else if (whole) {
    memcpy(pSecurityDescriptor, sd->bytes, sd->len);
  } else {
    sd_write(&q, pSecurityDescriptor);
  }
  *lpcbSecurityDescriptor = need;
  handle_leave(&r);
  return st;
}

DWORD WINAPI ORSetKeySecurity(ORHKEY Handle, SECURITY_INFORMATION SecurityInformation,
                              PSECURITY_DESCRIPTOR pSecurityDescriptor) {
  if (!pSecurityDescriptor) return ERROR_INVALID_PARAMETER;
  if (SecurityInformation & ~(SECURITY_INFORMATION)(SI_PARTS | SI_PROTECT))
    return ERROR_INVALID_PARAMETER;
  if (!(SecurityInformation & SI_PARTS)) return ERROR_INVALID_PARAMETER;
  const uint8_t *in = pSecurityDescriptor;
  uint32_t in_len = api_sd_extent(in);
  if (in_len == 0 || !secdesc_valid(in, api_sd_stored_size(in, in_len)))
    return ERROR_INVALID_PARAMETER;
  sd_parts nw;
  if (!sd_split(in, in_len, &nw)) return ERROR_INVALID_PARAMETER;
  /* A descriptor must keep an owner and a group: setting them from a descriptor without one
   * would remove them (RtlSetSecurityObject refuses it as well). */
  if ((SecurityInformation & OWNER_SECURITY_INFORMATION) && !nw.owner)
    return ERROR_INVALID_PARAMETER;
  if ((SecurityInformation & GROUP_SECURITY_INFORMATION) && !nw.group)
    return ERROR_INVALID_PARAMETER;

  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  hr_tree *t = &r.hive->tree;
  hr_key *k = r.key;
  sd_parts old, m;
  if (!k->sd || !sd_split(k->sd->bytes, k->sd->len, &old)) {
    handle_leave(&r);
    return ERROR_INVALID_DATA;
  }
  m = old;
  if (SecurityInformation & OWNER_SECURITY_INFORMATION) {
    m.owner = nw.owner;
    m.owner_len = nw.owner_len;
    m.control = (uint16_t)((m.control & ~SE_OWNER_DEFAULTED) | (nw.control & SE_OWNER_DEFAULTED));
  }
  if (SecurityInformation & GROUP_SECURITY_INFORMATION) {
    m.group = nw.group;
    m.group_len = nw.group_len;
    m.control = (uint16_t)((m.control & ~SE_GROUP_DEFAULTED) | (nw.control & SE_GROUP_DEFAULTED));
  }
  if (SecurityInformation & DACL_SECURITY_INFORMATION) {
    m.dacl = nw.dacl;
    m.dacl_len = nw.dacl_len;
    m.control = (uint16_t)((m.control & ~SE_DACL_BITS) | (nw.control & SE_DACL_BITS));
    if (!nw.dacl && (nw.control & SE_DACL_PRESENT)) m.control |= SE_DACL_PRESENT; /* NULL DACL */
  }
  if (SecurityInformation & SI_SACL_ANY) {
    m.sacl = nw.sacl;
    m.sacl_len = nw.sacl_len;
    m.control = (uint16_t)((m.control & ~SE_SACL_BITS) | (nw.control & SE_SACL_BITS));
    if (!nw.sacl && (nw.control & SE_SACL_PRESENT)) m.control |= SE_SACL_PRESENT;
  }
  if (SecurityInformation & PROTECTED_DACL_SECURITY_INFORMATION) m.control |= SE_DACL_PROTECTED;
  if (SecurityInformation & UNPROTECTED_DACL_SECURITY_INFORMATION)
    m.control &= (uint16_t)~SE_DACL_PROTECTED;
  if (SecurityInformation & PROTECTED_SACL_SECURITY_INFORMATION) m.control |= SE_SACL_PROTECTED;
  if (SecurityInformation & UNPROTECTED_SACL_SECURITY_INFORMATION)
    m.control &= (uint16_t)~SE_SACL_PROTECTED;

  uint32_t len = sd_size(&m);
  uint8_t *buf = mem_alloc(&r.hive->mem, len);
  if (!buf) {
    st = ERROR_NOT_ENOUGH_MEMORY;
  } else {
    sd_write(&m, buf);
    /* Stored zero-padded so that every SID offset has 12 bytes (api_sd_stored_size): the
     * merged descriptor may end with a SID of no sub-authority. */
    uint32_t stored = api_sd_stored_size(buf, len);
    if (stored > len) {
      uint8_t *grown = mem_realloc(&r.hive->mem, buf, len, stored);
      if (!grown) {
        mem_free(&r.hive->mem, buf, len);
        handle_leave(&r);
        return ERROR_NOT_ENOUGH_MEMORY;
      }
      memset(grown + len, 0, stored - len);
      buf = grown;
      len = stored;
    }
    /* sd_write sets PRESENT from the pointers; a NULL DACL/SACL keeps PRESENT from control. */
    if (!secdesc_valid(buf, len)) {
      st = ERROR_INVALID_PARAMETER;
    } else {
      hr_sd *sd = tree_sd_intern(t, buf, len);
      if (!sd) st = ERROR_NOT_ENOUGH_MEMORY;
      else tree_key_set_sd(t, k, sd);
    }
    mem_free(&r.hive->mem, buf, len);
  }
  handle_leave(&r);
  return st;
}

DWORD WINAPI ORGetVirtualFlags(ORHKEY Handle, PDWORD pdwFlags) {
  if (!pdwFlags) return ERROR_INVALID_PARAMETER;
  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  *pdwFlags = r.key->virt_flags;
  handle_leave(&r);
  return ERROR_SUCCESS;
}

DWORD WINAPI ORSetVirtualFlags(ORHKEY Handle, DWORD dwFlags) {
  /* §1.17 / §0.6: the three documented bits only; bit 1 and anything above 0xF have no
   * meaning and no room in the 4-bit on-disk field (IMPLEMENTATION-DEFINED: refused). */
  const DWORD ok = REG_KEY_DONT_VIRTUALIZE | REG_KEY_DONT_SILENT_FAIL | REG_KEY_RECURSE_FLAG;
  if (dwFlags & ~ok) return ERROR_INVALID_PARAMETER;
  hr_ref r;
  hr_status st = api_enter(Handle, &r);
  if (st != ERROR_SUCCESS) return st;
  r.key->virt_flags = (uint8_t)dwFlags;
  handle_leave(&r);
  return ERROR_SUCCESS;
}
