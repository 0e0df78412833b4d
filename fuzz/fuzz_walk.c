/*
 * fuzz_walk.c: the bounded walk of a whole hive through the public API (fuzz_common.h).
 *
 * Iterative depth-first pre-order with an explicit stack (no recursion an input can drive), the
 * order of the canonical dump (../shared/DUMP.md: a key, its values, then its subkeys).  Every
 * key gets ORQueryInfoKey, ORGetVirtualFlags and ORGetKeySecurity; every value is read through
 * OREnumValue (size query, then data) and looked up again by name with ORGetValue; every subkey
 * is enumerated with OREnumKey and opened with OROpenKey.  Cross-checks (any mismatch aborts):
 *  - enumeration counts equal ORQueryInfoKey's lpcSubKeys / lpcValues;
 *  - the class and last-write time OREnumKey reports for a child equal the child's own
 *    ORQueryInfoKey answers;
 *  - the size-query and the data call of OREnumValue agree on type and size;
 *  - a value enumerated under a name is found by ORGetValue under that name;
 *  - every call's status is one the API documents for a valid handle; every failed allocation
 *    inside a call surfaces as ERROR_NOT_ENOUGH_MEMORY (fz_after).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"

#define NAME_CAP 1024u          /* key names: <= 256 characters on disk (R-D03/R-D04) */
#define VNAME_CAP 16386u        /* value names: <= 16383 characters (R-F08) */
#define CLASS_CAP 32770u        /* class: <= 0xFFFF bytes */
#define SI_ALL (OWNER_SECURITY_INFORMATION | GROUP_SECURITY_INFORMATION | \
                DACL_SECURITY_INFORMATION | SACL_SECURITY_INFORMATION)

typedef struct frame {
  ORHKEY h;
  DWORD next;        /* next subkey index to enumerate */
  DWORD n_sub;       /* ORQueryInfoKey's count */
  size_t path_len;   /* length of this key's path in the path buffer */
} frame;

typedef struct walk {
  const fz_faults *faults;
  fz_buf *dump;
  fz_walk_stats *st;
  fz_buf path;
  WCHAR name[NAME_CAP];
  WCHAR vname[VNAME_CAP];
  WCHAR cls[CLASS_CAP];
  WCHAR child_cls[CLASS_CAP];
} walk;

static void put_hex(fz_buf *b, const uint8_t *p, size_t n) {
  static const char hx[] = "0123456789abcdef";
  char chunk[512];
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    chunk[k++] = hx[p[i] >> 4];
    chunk[k++] = hx[p[i] & 15];
    if (k == sizeof chunk) {
      fz_buf_put(b, chunk, k);
      k = 0;
    }
  }
  fz_buf_put(b, chunk, k);
}

static uint64_t ft64(const FILETIME *ft) {
  return ((uint64_t)ft->dwHighDateTime << 32) | ft->dwLowDateTime;
}

static bool has_nul(const WCHAR *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] == 0) return true;
  return false;
}

/* Reads every value of key h; returns ERROR_SUCCESS or ERROR_NOT_ENOUGH_MEMORY. */
static DWORD walk_values(walk *w, ORHKEY h, DWORD n_values) {
  DWORD i;
  for (i = 0;; i++) {
    if (w->st->values >= FZ_WALK_MAX_VALUES) {
      w->st->truncated = true;
      return ERROR_SUCCESS;
    }
    DWORD cname = VNAME_CAP, type = 0xDEADBEEF, cb = 0;
    uint64_t before = fz_failures(w->faults);
    DWORD rc = OREnumValue(h, i, w->vname, &cname, &type, NULL, &cb);
    fz_after(w->faults, before, rc, "OREnumValue(size query)");
    if (rc == ERROR_NOT_ENOUGH_MEMORY) return rc;
    if (rc == ERROR_NO_MORE_ITEMS) break;
    /* lpData NULL with a too-small *lpcbData: ERROR_MORE_DATA with the size (offreg-api.md
     * §1.11, the WAC observation the engine follows) or ERROR_SUCCESS (the doc's wording). */
    FZ_CHECK(rc == ERROR_SUCCESS || rc == ERROR_MORE_DATA,
             "OREnumValue(%lu) size query returned %s", (unsigned long)i, HRErrorName(rc));
    uint8_t *data = malloc(cb ? cb : 1);
    FZ_CHECK(data != NULL, "fuzzer-side out of memory (%lu bytes)", (unsigned long)cb);
    DWORD cname2 = VNAME_CAP, type2 = 0xDEADBEEF, cb2 = cb;
    before = fz_failures(w->faults);
    rc = OREnumValue(h, i, w->vname, &cname2, &type2, data, &cb2);
    fz_after(w->faults, before, rc, "OREnumValue(data)");
    if (rc == ERROR_NOT_ENOUGH_MEMORY) {
      free(data);
      return rc;
    }
    FZ_CHECK(rc == ERROR_SUCCESS, "OREnumValue(%lu) with a %lu-byte buffer returned %s",
             (unsigned long)i, (unsigned long)cb, HRErrorName(rc));
    FZ_CHECK(type2 == type && cb2 == cb,
             "OREnumValue(%lu) disagrees with itself: type %lu/%lu size %lu/%lu",
             (unsigned long)i, (unsigned long)type, (unsigned long)type2, (unsigned long)cb,
             (unsigned long)cb2);
    FZ_CHECK(cname2 < VNAME_CAP, "OREnumValue name length %lu out of range",
             (unsigned long)cname2);
    cname = cname2;
    w->st->values++;
    w->st->value_bytes += cb;
    /* ORGetValue by the same name must find a value (with duplicate names, possibly another
     * one: R-F16 only warns, so only existence is asserted). */
    if (!has_nul(w->vname, cname)) {
      w->vname[cname] = 0;
      DWORD gtype = 0, gcb = 0;
      before = fz_failures(w->faults);
      rc = ORGetValue(h, NULL, w->vname, &gtype, NULL, &gcb);
      fz_after(w->faults, before, rc, "ORGetValue(size query)");
      if (rc == ERROR_NOT_ENOUGH_MEMORY) {
        free(data);
        return rc;
      }
      FZ_CHECK(rc == ERROR_SUCCESS, "value %lu enumerated but ORGetValue by its name returned %s",
               (unsigned long)i, HRErrorName(rc));
    }
    if (w->dump) {
      fz_buf *d = w->dump;
      fz_buf_put(d, "V ", 2);
      fz_buf_put(d, w->path.p, w->path.len);
      fz_buf_put(d, "\t", 1);
      if (cname == 0) fz_buf_put(d, "@", 1);
      else if (cname == 1 && w->vname[0] == '@') fz_buf_put(d, "\\@", 2);
      else fz_buf_put_utf16(d, w->vname, cname);
      fz_buf_printf(d, "\t%lu\t%lu\t", (unsigned long)type, (unsigned long)cb);
      put_hex(d, data, cb);
      fz_buf_put(d, "\n", 1);
    }
    free(data);
  }
  FZ_CHECK(i == n_values, "OREnumValue gave %lu values, ORQueryInfoKey said %lu", (unsigned long)i,
           (unsigned long)n_values);
  return ERROR_SUCCESS;
}

/* Everything about one key except its subkeys.  exp_cls/exp_ft: what the parent's OREnumKey
 * reported (NULL for the root). */
static DWORD walk_key(walk *w, ORHKEY h, const WCHAR *exp_cls, DWORD exp_ncls,
                      const FILETIME *exp_ft, DWORD *n_sub) {
  DWORD ccls = CLASS_CAP, nsub = 0, maxsub = 0, maxcls = 0, nval = 0, maxvname = 0, maxvlen = 0,
        cbsd = 0;
  FILETIME ft = {0, 0};
  uint64_t before = fz_failures(w->faults);
  DWORD rc = ORQueryInfoKey(h, w->cls, &ccls, &nsub, &maxsub, &maxcls, &nval, &maxvname, &maxvlen,
                            &cbsd, &ft);
  fz_after(w->faults, before, rc, "ORQueryInfoKey");
  if (rc == ERROR_NOT_ENOUGH_MEMORY) return rc;
  FZ_CHECK(rc == ERROR_SUCCESS, "ORQueryInfoKey returned %s", HRErrorName(rc));
  FZ_CHECK(ccls < CLASS_CAP, "class length %lu out of range", (unsigned long)ccls);
  if (exp_cls) {
    FZ_CHECK(ccls == exp_ncls && memcmp(w->cls, exp_cls, ccls * sizeof(WCHAR)) == 0,
             "OREnumKey class (%lu chars) differs from the key's ORQueryInfoKey class (%lu)",
             (unsigned long)exp_ncls, (unsigned long)ccls);
    FZ_CHECK(ft64(exp_ft) == ft64(&ft), "OREnumKey last-write %016llx differs from "
             "ORQueryInfoKey's %016llx", (unsigned long long)ft64(exp_ft),
             (unsigned long long)ft64(&ft));
  }
  *n_sub = nsub;

  DWORD vflags = 0;
  before = fz_failures(w->faults);
  DWORD vrc = ORGetVirtualFlags(h, &vflags);
  fz_after(w->faults, before, vrc, "ORGetVirtualFlags");
  if (vrc == ERROR_NOT_ENOUGH_MEMORY) return vrc;

  DWORD sdlen = 0;
  before = fz_failures(w->faults);
  rc = ORGetKeySecurity(h, SI_ALL, NULL, &sdlen);
  fz_after(w->faults, before, rc, "ORGetKeySecurity(size query)");
  if (rc == ERROR_NOT_ENOUGH_MEMORY) return rc;
  FZ_CHECK(rc == ERROR_INSUFFICIENT_BUFFER || rc == ERROR_SUCCESS,
           "ORGetKeySecurity size query returned %s", HRErrorName(rc));
  uint8_t *sd = malloc(sdlen ? sdlen : 1);
  FZ_CHECK(sd != NULL, "fuzzer-side out of memory");
  DWORD sdlen2 = sdlen;
  if (sdlen) {
    before = fz_failures(w->faults);
    rc = ORGetKeySecurity(h, SI_ALL, sd, &sdlen2);
    fz_after(w->faults, before, rc, "ORGetKeySecurity");
    if (rc == ERROR_NOT_ENOUGH_MEMORY) {
      free(sd);
      return rc;
    }
    FZ_CHECK(rc == ERROR_SUCCESS && sdlen2 <= sdlen, "ORGetKeySecurity with %lu bytes returned "
             "%s (%lu)", (unsigned long)sdlen, HRErrorName(rc), (unsigned long)sdlen2);
  }
  w->st->sd_bytes += sdlen2;

  if (w->dump) {
    fz_buf *d = w->dump;
    fz_buf_put(d, "K ", 2);
    fz_buf_put(d, w->path.p, w->path.len);
    fz_buf_put(d, "\t", 1);
    if (ccls) fz_buf_put_utf16(d, w->cls, ccls);
    else fz_buf_put(d, "-", 1);
    fz_buf_printf(d, "\t%016llx\t", (unsigned long long)ft64(&ft));
    if (vrc == ERROR_SUCCESS) fz_buf_printf(d, "v%lx\n", (unsigned long)vflags);
    else fz_buf_put(d, "-\n", 2);
  }
  rc = walk_values(w, h, nval);
  if (rc == ERROR_SUCCESS && w->dump && sdlen2) {
    fz_buf_put(w->dump, "D ", 2);
    fz_buf_put(w->dump, w->path.p, w->path.len);
    fz_buf_put(w->dump, "\t", 1);
    put_hex(w->dump, sd, sdlen2);
    fz_buf_put(w->dump, "\n", 1);
  }
  free(sd);
  return rc;
}

DWORD fz_walk(ORHKEY root, const fz_faults *faults, fz_buf *dump, fz_walk_stats *stats) {
  walk *w = calloc(1, sizeof *w);
  frame *stack = calloc(FZ_WALK_MAX_DEPTH, sizeof *stack);
  FZ_CHECK(w != NULL && stack != NULL, "fuzzer-side out of memory");
  fz_walk_stats local;
  memset(stats ? stats : &local, 0, sizeof local);
  w->faults = faults;
  w->dump = dump;
  w->st = stats ? stats : &local;
  fz_buf_put(&w->path, "\\", 1);

  DWORD rc = walk_key(w, root, NULL, 0, NULL, &stack[0].n_sub);
  size_t depth = 0;
  if (rc == ERROR_SUCCESS) {
    w->st->keys = 1;
    stack[0].h = root;
    stack[0].path_len = 0; /* the root's children are "\Name": prefix "" + "\" */
    depth = 1;
  }
  while (depth > 0 && rc == ERROR_SUCCESS) {
    frame *f = &stack[depth - 1];
    DWORD cname = NAME_CAP, ccls = CLASS_CAP;
    FILETIME ft = {0, 0};
    uint64_t before = fz_failures(faults);
    DWORD erc = OREnumKey(f->h, f->next, w->name, &cname, w->child_cls, &ccls, &ft);
    fz_after(faults, before, erc, "OREnumKey");
    if (erc == ERROR_NOT_ENOUGH_MEMORY) {
      rc = erc;
      break;
    }
    if (erc == ERROR_NO_MORE_ITEMS) {
      FZ_CHECK(f->next == f->n_sub, "OREnumKey gave %lu subkeys, ORQueryInfoKey said %lu",
               (unsigned long)f->next, (unsigned long)f->n_sub);
      if (depth > 1) {
        DWORD crc = ORCloseKey(f->h);
        FZ_CHECK(crc == ERROR_SUCCESS, "ORCloseKey returned %s", HRErrorName(crc));
      }
      depth--;
      continue;
    }
    FZ_CHECK(erc == ERROR_SUCCESS, "OREnumKey(%lu) returned %s", (unsigned long)f->next,
             HRErrorName(erc));
    FZ_CHECK(cname > 0 && cname < NAME_CAP && ccls < CLASS_CAP,
             "OREnumKey lengths out of range: name %lu class %lu", (unsigned long)cname,
             (unsigned long)ccls);
    f->next++;
    if (has_nul(w->name, cname)) {
      w->st->unopenable++;
      continue;
    }
    if (w->st->keys >= FZ_WALK_MAX_KEYS || depth >= FZ_WALK_MAX_DEPTH) {
      w->st->truncated = true;
      continue;
    }
    w->name[cname] = 0;
    ORHKEY child = NULL;
    before = fz_failures(faults);
    DWORD orc = OROpenKey(f->h, w->name, &child);
    fz_after(faults, before, orc, "OROpenKey");
    if (orc == ERROR_NOT_ENOUGH_MEMORY) {
      rc = orc;
      break;
    }
    FZ_CHECK(orc == ERROR_SUCCESS && child != NULL,
             "subkey %lu enumerated but OROpenKey by its name returned %s",
             (unsigned long)(f->next - 1), HRErrorName(orc));
    frame *c = &stack[depth];
    memset(c, 0, sizeof *c);
    c->h = child;
    /* path of the child = parent path + "\" + name (the root's prefix is empty, its own
     * printed path is "\" alone). */
    w->path.len = f->path_len;
    fz_buf_put(&w->path, "\\", 1);
    fz_buf_put_utf16(&w->path, w->name, cname);
    c->path_len = w->path.len;
    w->st->keys++;
    depth++;
    rc = walk_key(w, child, w->child_cls, ccls, &ft, &c->n_sub);
  }
  /* Unwind after an out-of-memory report: close every handle the walk opened. */
  while (depth > 1) {
    DWORD crc = ORCloseKey(stack[depth - 1].h);
    FZ_CHECK(crc == ERROR_SUCCESS, "ORCloseKey (unwind) returned %s", HRErrorName(crc));
    depth--;
  }
  if (rc == ERROR_SUCCESS && dump) {
    fz_buf_printf(dump, "S %llu %llu %llu\n", (unsigned long long)w->st->keys,
                  (unsigned long long)w->st->values, (unsigned long long)w->st->value_bytes);
  }
  fz_buf_free(&w->path);
  free(stack);
  free(w);
  return rc;
}
