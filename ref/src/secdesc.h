/*
 * secdesc.h: validation of a self-relative security descriptor (regf-format.md §5.6, rule
 * R-H06; MS-DTYP 2.4.6 SECURITY_DESCRIPTOR, 2.4.5 ACL, 2.4.4 ACE, 2.4.2 SID).
 *
 * The check is the equivalent of RtlValidRelativeSecurityDescriptor(sd, len, 0) as Windows runs
 * it on every sk at hive load (CmpValidateHiveSecurityDescriptors) and as ORSetKeySecurity needs
 * it before storing a caller's descriptor: header revision and control, owner/group SIDs and the
 * SACL/DACL in range, and the ACL/ACE/SID structure inside each ACL.  Pure function of the bytes.
 */
#ifndef HIVEREF_SECDESC_H
#define HIVEREF_SECDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True when sd[0..len) is a valid self-relative security descriptor (see secdesc.c for the exact
 * list of checks).  sd may be NULL only when len is 0 (then false). */
bool secdesc_valid(const uint8_t *sd, size_t len);

/* Same check, also naming the first failed check (a static string, for diagnostics). */
bool secdesc_check(const uint8_t *sd, size_t len, const char **why);

#endif /* HIVEREF_SECDESC_H */
