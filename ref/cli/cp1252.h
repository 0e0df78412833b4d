/*
 * cp1252.h: Windows-1252, the ANSI code page of REGEDIT4 files (regparse.c, regfmt.c).
 * Mapping: https://www.unicode.org/Public/MAPPINGS/VENDORS/MICSFT/WINDOWS/CP1252.TXT; the five
 * unassigned bytes (81 8D 8F 90 9D) map to the C1 code points of the same value, as Windows'
 * MultiByteToWideChar does.
 */
#ifndef HIVEREF_CLI_CP1252_H
#define HIVEREF_CLI_CP1252_H

#include <stdint.h>

/* Byte -> UTF-16 code unit (every byte has one). */
uint16_t cp1252_decode(uint8_t b);
/* UTF-16 code unit -> byte, or -1 when the code page has no such character. */
int cp1252_encode(uint16_t u);

#endif /* HIVEREF_CLI_CP1252_H */
