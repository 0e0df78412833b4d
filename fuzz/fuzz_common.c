/*
 * fuzz_common.c: control prefix, counting allocator, audit checks, save helpers and the text
 * buffer shared by every fuzz target (see fuzz_common.h for the contracts).  The walk itself is
 * in fuzz_walk.c.  This is test-side code: it may use the libc allocator directly.
 */
#include "fuzz_common.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void fz_fail(const char *file, int line, const char *cond, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "\n==hiveref-fuzz== INVARIANT VIOLATED at %s:%d: %s\n==hiveref-fuzz== ", file,
          line, cond);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  abort();
}

bool fz_control_parse(const uint8_t *data, size_t size, fz_control *c) {
  memset(c, 0, sizeof *c);
  if (size < FZ_CONTROL_SIZE) return false;
  c->mode = data[0] & 3u;
  c->repeat = (data[0] & 4u) != 0;
  c->strict_alloc = (data[0] & 8u) != 0;
  c->target_bits = (data[0] >> 4) & 7u;
  c->keep_image = (data[0] & 0x80u) != 0;
  c->nth = (uint32_t)data[1] | ((uint32_t)data[2] << 8);
  c->target_byte = data[3];
  if (c->nth == 0) c->mode = FZ_FAULT_NONE;
  return true;
}

/* ---- Counting allocator ------------------------------------------------------------------- */

static bool fz_alloc_should_fail(fz_alloc *a) {
  a->calls++;
  if (a->fail_at && (a->calls == a->fail_at || (a->repeat && a->calls > a->fail_at))) {
    a->injected++;
    return true;
  }
  return false;
}

static void *fz_backend_alloc(void *opaque, size_t size) {
  fz_alloc *a = opaque;
  if (fz_alloc_should_fail(a)) return NULL;
  void *p = malloc(size ? size : 1);
  if (p) {
    a->live_blocks++;
    a->live_bytes += size;
  }
  return p;
}

static void *fz_backend_realloc(void *opaque, void *ptr, size_t old_size, size_t new_size) {
  fz_alloc *a = opaque;
  if (fz_alloc_should_fail(a)) return NULL;
  void *p = realloc(ptr, new_size ? new_size : 1);
  if (p) {
    FZ_CHECK(a->live_bytes >= old_size, "realloc of %zu bytes with only %llu live", old_size,
             (unsigned long long)a->live_bytes);
    a->live_bytes = a->live_bytes - old_size + new_size;
  }
  return p;
}

static void fz_backend_free(void *opaque, void *ptr, size_t size) {
  fz_alloc *a = opaque;
  if (!ptr) return;
  FZ_CHECK(a->live_blocks > 0, "free of a block nobody allocated (%zu bytes)", size);
  FZ_CHECK(a->live_bytes >= size, "free of %zu bytes with only %llu live", size,
           (unsigned long long)a->live_bytes);
  a->live_blocks--;
  a->live_bytes -= size;
  free(ptr);
}

void fz_alloc_init(fz_alloc *a) {
  memset(a, 0, sizeof *a);
  a->vt.alloc = fz_backend_alloc;
  a->vt.realloc = fz_backend_realloc;
  a->vt.free = fz_backend_free;
  a->vt.opaque = a;
}

void fz_alloc_arm(fz_alloc *a, uint64_t nth, bool repeat) {
  a->fail_at = nth ? a->calls + nth : 0;
  a->repeat = repeat;
}

void fz_options(HROpenOptions *opt, const fz_control *c, fz_alloc *alloc) {
  memset(opt, 0, sizeof *opt);
  opt->struct_size = sizeof *opt;
  if (c->strict_alloc) opt->flags |= HR_OPEN_STRICT_ALLOC;
  if (c->keep_image) opt->flags |= HR_OPEN_KEEP_IMAGE;
  /* A budget well above anything a fuzz input can legitimately need keeps the run inside
   * libFuzzer's -rss_limit_mb while still letting the engine's default scaling apply. */
  if (alloc) opt->allocator = &alloc->vt;
  if (c->mode == FZ_FAULT_ENGINE) {
    opt->fail_alloc_at = c->nth;
    opt->fail_alloc_repeat = c->repeat ? 1u : 0u;
  } else if (c->mode == FZ_FAULT_BACKEND && alloc) {
    fz_alloc_arm(alloc, c->nth, c->repeat);
  }
}

uint64_t fz_failures(const fz_faults *f) {
  if (f->hive) {
    HRMemStats st;
    if (HRGetMemStats(f->hive, &st) == ERROR_SUCCESS) return st.failures;
  }
  return f->alloc ? f->alloc->injected : 0;
}

void fz_after(const fz_faults *f, uint64_t before, DWORD rc, const char *what) {
  uint64_t now = fz_failures(f);
  if (now > before) {
    FZ_CHECK(rc == ERROR_NOT_ENOUGH_MEMORY,
             "%s returned %s (%lu) after %llu allocation failure(s) inside the call", what,
             HRErrorName(rc), (unsigned long)rc, (unsigned long long)(now - before));
  } else {
    FZ_CHECK(rc != ERROR_NOT_ENOUGH_MEMORY,
             "%s returned ERROR_NOT_ENOUGH_MEMORY but no allocation failed", what);
  }
}

void fz_check_no_leaks(const fz_alloc *alloc) {
  uint64_t bytes = 0, blocks = 0;
  FZ_CHECK(HRLeakedHiveCount() == 0, "HRLeakedHiveCount() = %llu: a hive was closed with live "
           "allocations", (unsigned long long)HRLeakedHiveCount());
  HRGetProcessMemStats(&bytes, &blocks);
  FZ_CHECK(bytes == 0 && blocks == 0, "process audit not zero after close: %llu bytes in %llu "
           "blocks", (unsigned long long)bytes, (unsigned long long)blocks);
  if (alloc) {
    FZ_CHECK(alloc->live_blocks == 0 && alloc->live_bytes == 0,
             "backend audit not zero after close: %llu bytes in %llu blocks",
             (unsigned long long)alloc->live_bytes, (unsigned long long)alloc->live_blocks);
  }
}

/* ---- Text buffer --------------------------------------------------------------------------- */

void fz_buf_free(fz_buf *b) {
  free(b->p);
  memset(b, 0, sizeof *b);
}

void fz_buf_reset(fz_buf *b) { b->len = 0; }

void fz_buf_put(fz_buf *b, const void *s, size_t n) {
  if (b->cap - b->len < n + 1) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < n + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    FZ_CHECK(p != NULL, "fuzzer-side out of memory (%zu bytes)", cap);
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void fz_buf_printf(fz_buf *b, const char *fmt, ...) {
  char tmp[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  FZ_CHECK(n >= 0 && (size_t)n < sizeof tmp, "dump line too long");
  fz_buf_put(b, tmp, (size_t)n);
}

static void put_utf8(fz_buf *b, uint32_t cp) {
  char o[4];
  size_t n;
  if (cp < 0x80) {
    o[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    o[0] = (char)(0xC0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    o[0] = (char)(0xE0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  fz_buf_put(b, o, n);
}

/* DUMP.md "Names are printed as stored, with these escapes". */
void fz_buf_put_utf16(fz_buf *b, const WCHAR *s, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint32_t c = s[i];
    switch (c) {
      case '\\': fz_buf_put(b, "\\\\", 2); continue;
      case '\t': fz_buf_put(b, "\\t", 2); continue;
      case '\n': fz_buf_put(b, "\\n", 2); continue;
      case '\r': fz_buf_put(b, "\\r", 2); continue;
      case 0: fz_buf_put(b, "\\0", 2); continue;
      default: break;
    }
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      put_utf8(b, 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00u));
      i++;
    } else if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF)) {
      fz_buf_printf(b, "\\u{%04X}", (unsigned)c);
    } else {
      put_utf8(b, c);
    }
  }
}

/* ---- Saving ---------------------------------------------------------------------------------- */

static char g_tmpdir[4096];
static unsigned long g_save_counter;

static void fz_tmpdir_cleanup(void) {
  if (g_tmpdir[0]) rmdir(g_tmpdir);
}

static const char *fz_tmpdir(void) {
  if (!g_tmpdir[0]) {
    /* ORSaveHive fsyncs (DESIGN.md §2 save): on a disk that costs milliseconds per save, on
     * tmpfs nothing.  HIVEREF_FUZZ_TMPDIR overrides; /dev/shm is preferred when present. */
    const char *base = getenv("HIVEREF_FUZZ_TMPDIR");
    if ((!base || !*base) && access("/dev/shm", W_OK) == 0) base = "/dev/shm";
    if (!base || !*base) base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    int n = snprintf(g_tmpdir, sizeof g_tmpdir, "%s/hiveref-fuzz-XXXXXX", base);
    FZ_CHECK(n > 0 && (size_t)n < sizeof g_tmpdir, "TMPDIR too long");
    FZ_CHECK(mkdtemp(g_tmpdir) != NULL, "mkdtemp(%s): %s", g_tmpdir, strerror(errno));
    static bool registered;
    if (!registered) atexit(fz_tmpdir_cleanup);
    registered = true;
  }
  return g_tmpdir;
}

/* The scratch directory must be empty between saves: ORSaveHive writes a temporary file next to
 * the target and renames it; neither may survive a failed save. */
static void fz_check_tmpdir_empty(const char *after) {
  DIR *d = opendir(fz_tmpdir());
  FZ_CHECK(d != NULL, "opendir(%s): %s", fz_tmpdir(), strerror(errno));
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    char name[512];
    snprintf(name, sizeof name, "%s", e->d_name);
    closedir(d);
    FZ_CHECK(0, "file '%s' left in the save directory after %s", name, after);
  }
  closedir(d);
}

DWORD fz_save(ORHKEY h, DWORD os_major, DWORD os_minor, uint8_t **out, size_t *out_len) {
  char path[4200];
  *out = NULL;
  *out_len = 0;
  snprintf(path, sizeof path, "%s/save%lu.hiv", fz_tmpdir(), ++g_save_counter);
  DWORD rc = HRSaveHiveUtf8(h, path, os_major, os_minor);
  if (rc != ERROR_SUCCESS) {
    fz_check_tmpdir_empty("a failed save");
    rmdir(g_tmpdir);
    g_tmpdir[0] = 0;
    return rc;
  }
  FILE *f = fopen(path, "rb");
  FZ_CHECK(f != NULL, "ORSaveHive succeeded but %s cannot be opened: %s", path, strerror(errno));
  struct stat st;
  FZ_CHECK(fstat(fileno(f), &st) == 0 && st.st_size > 0, "saved file %s is empty", path);
  uint8_t *buf = malloc((size_t)st.st_size);
  FZ_CHECK(buf != NULL, "fuzzer-side out of memory");
  FZ_CHECK(fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size, "short read of %s", path);
  fclose(f);
  unlink(path);
  fz_check_tmpdir_empty("a successful save");
  /* Remove the directory after every save: an engine that exits without running atexit
   * handlers (libFuzzer's -max_total_time, a crash) leaves nothing behind in /dev/shm. */
  rmdir(g_tmpdir);
  g_tmpdir[0] = 0;
  *out = buf;
  *out_len = (size_t)st.st_size;
  return rc;
}

bool fz_same_image(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen) {
  if (alen != blen) return false;
  for (size_t i = 0; i < alen; i++) {
    if (i >= FZ_SAVE_TIMESTAMP_OFF && i < FZ_SAVE_TIMESTAMP_OFF + FZ_SAVE_TIMESTAMP_LEN) continue;
    if (a[i] != b[i]) return false;
  }
  return true;
}

typedef struct fz_findings_ctx {
  uint64_t n;
  unsigned content_ok, content;
  bool quiet;
} fz_findings_ctx;

static void fz_count_finding(void *ctx, const HRFinding *f) {
  fz_findings_ctx *c = ctx;
  unsigned bit = 0;
  if (f->rule && strcmp(f->rule, "R-F16") == 0) bit = FZ_CONTENT_F16;
  if (f->rule && strcmp(f->rule, "R-F17") == 0) bit = FZ_CONTENT_F17;
  c->content |= bit;
  if (bit && (c->content_ok & bit)) return;
  if (c->n++ < 3 && !c->quiet) {
    fprintf(stderr, "finding %s (severity %d) at 0x%llx: %s\n", f->rule ? f->rule : "?",
            (int)f->severity, (unsigned long long)f->offset, f->message ? f->message : "");
  }
}

uint64_t fz_check_findings(const uint8_t *data, size_t size, unsigned content_ok, DWORD *rc,
                           HRCheckSummary *sum, unsigned *content) {
  fz_findings_ctx ctx = {0};
  ctx.content_ok = content_ok;
  ctx.quiet = content != NULL && content_ok == ~0u;
  HRCheckSummary local;
  DWORD r = HRCheckHive(data, size, NULL, fz_count_finding, &ctx, sum ? sum : &local);
  if (rc) *rc = r;
  if (content) *content = ctx.content;
  return ctx.n;
}

uint8_t *fz_exact_copy(const uint8_t *data, size_t size) {
  uint8_t *p = malloc(size ? size : 1);
  FZ_CHECK(p != NULL, "fuzzer-side out of memory");
  if (size) memcpy(p, data, size);
  return p;
}
