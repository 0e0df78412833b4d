/*
 * wow64_int.h: internals shared by the wow64 module's files (not installed, not public).
 *
 * A parsed path is a root (HKLM or HKCU) and up to W64_MAX_COMP components, each a pointer
 * and a length into the caller's string or into a constant of this module: parsing and
 * mapping copy nothing and allocate nothing.
 */
#ifndef HIVEREF_WOW64_INT_H
#define HIVEREF_WOW64_INT_H

#include "wow64.h"

#include <stdbool.h>

enum { W64_HKLM = 0, W64_HKCU = 1 };

/* Registry depth is bounded well below this (spec §2.1: about 512 levels); three more slots
 * hold what a mapping inserts (SOFTWARE, Classes, a redirection node). */
#define W64_MAX_COMP 520

typedef struct w64_path {
  int root;
  size_t n;
  const WCHAR *c[W64_MAX_COMP];
  size_t len[W64_MAX_COMP];
} w64_path;

/* Case-insensitive equality of a UTF-16 name with an ASCII name (ASCII folding only). */
bool w64_name_eq(const WCHAR *a, size_t alen, const char *ascii);
/* Case-insensitive equality of two UTF-16 names (ASCII folding only). */
bool w64_name_eq_w(const WCHAR *a, size_t alen, const WCHAR *b, size_t blen);
size_t w64_wcslen(const WCHAR *s, size_t max);

DWORD w64_parse(const WCHAR *s, int hkcr_user, w64_path *p);
DWORD w64_format(const w64_path *p, WCHAR *out, size_t cap);
/* Components from index `from` joined with backslashes ("" when from == n). */
DWORD w64_format_tail(const w64_path *p, size_t from, WCHAR *out, size_t cap);

/* The deciding row of a logical path: the longest listed prefix ([TAB]). Never NULL. */
const HRW64Row *w64_lookup(const w64_path *p);
/* Number of components of a row's path (0 for a root row). */
size_t w64_row_depth(const HRW64Row *row, bool alias);

/* Index at which a redirection node belongs for this path, or -1 outside every redirected
 * subtree: after HKLM\SOFTWARE (1), after HKLM\SOFTWARE\Classes or HKCU\SOFTWARE\Classes (2). */
int w64_redir_point(const w64_path *p);
/* Which reserved node name a component is: HRW64_VIEW_X86 (Wow6432Node), HRW64_VIEW_ARM32
 * (WowAA32Node), or HRW64_VIEW_64 (neither). */
HRW64View w64_node_kind(const WCHAR *c, size_t len);
/* Follows the compatibility symbolic links of [TAB]; returns the number followed. */
int w64_follow_links(w64_path *p, HRW64Os os);

/* Inserts / removes component i (false: no room). */
bool w64_insert(w64_path *p, size_t i, const WCHAR *c, size_t len);
void w64_remove(w64_path *p, size_t i);

/* Node names as UTF-16 constants. */
extern const WCHAR w64_str_wow6432node[];
extern const WCHAR w64_str_wowaa32node[];

#endif /* HIVEREF_WOW64_INT_H */
