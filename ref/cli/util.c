/*
 * util.c: shared CLI helpers (see util.h).
 */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "climem.h"

/* regf files are at most 4 GiB (hive bins length is a 32-bit field; offreg-api.md §1.2 gives
 * ERROR_BADDB for larger files).  Non-regular inputs are read up to one byte past it so that
 * the limit is still detected. */
#define CLI_MAX_FILE ((uint64_t)4 << 30)

static DWORD errno_to_win32(int e) {
  switch (e) {
  case ENOENT: return ERROR_FILE_NOT_FOUND;
  case ENOTDIR: return ERROR_PATH_NOT_FOUND;
  case EACCES:
  case EPERM:
  case EISDIR: return ERROR_ACCESS_DENIED;
  case ENOMEM: return ERROR_NOT_ENOUGH_MEMORY;
  default: return ERROR_READ_FAULT;
  }
}

/* Reads a non-regular file (pipe, character device) into a growing buffer. */
static DWORD read_stream(int fd, cli_file *f) {
  size_t cap = 0, len = 0;
  uint8_t *buf = NULL;
  for (;;) {
    if (len == cap) {
      if ((uint64_t)cap > CLI_MAX_FILE) {
        cli_free(buf, cap);
        return ERROR_BADDB;
      }
      size_t ncap = cap ? cap * 2 : 65536;
      uint8_t *nb = cli_realloc(buf, cap, ncap);
      if (nb == NULL) {
        cli_free(buf, cap);
        return ERROR_NOT_ENOUGH_MEMORY;
      }
      buf = nb;
      cap = ncap;
    }
    ssize_t r = read(fd, buf + len, cap - len);
    if (r < 0) {
      if (errno == EINTR) continue;
      DWORD err = errno_to_win32(errno);
      cli_free(buf, cap);
      return err;
    }
    if (r == 0) break;
    len += (size_t)r;
  }
  f->data = buf;
  f->size = len;
  f->cap = cap;
  f->mapped = 0;
  return ERROR_SUCCESS;
}

DWORD cli_read_file(const char *path, cli_file *f) {
  memset(f, 0, sizeof *f);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno_to_win32(errno);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    DWORD err = errno_to_win32(errno);
    close(fd);
    return err;
  }
  DWORD err = ERROR_SUCCESS;
  if (S_ISDIR(st.st_mode)) {
    err = ERROR_ACCESS_DENIED;
  } else if (!S_ISREG(st.st_mode)) {
    err = read_stream(fd, f);
  } else if ((uint64_t)st.st_size > CLI_MAX_FILE) {
    err = ERROR_BADDB;
  } else if (st.st_size == 0) {
    f->data = NULL; /* an empty file: the engine answers ERROR_BADDB */
    f->size = 0;
  } else {
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      err = errno_to_win32(errno);
    } else {
      f->data = p;
      f->size = (size_t)st.st_size;
      f->mapped = 1;
    }
  }
  close(fd);
  return err;
}

void cli_release_file(cli_file *f) {
  if (f->data != NULL) {
    if (f->mapped) munmap((void *)(uintptr_t)f->data, f->size);
    else cli_free((void *)(uintptr_t)f->data, f->cap);
  }
  memset(f, 0, sizeof *f);
}

void cli_error(const char *what, DWORD err, const HRDiagnostic *diag) {
  fprintf(stderr, "hiveref: %s: %s", what, HRErrorName(err));
  if (diag != NULL && diag->error == err && (diag->rule[0] || diag->message[0])) {
    if (diag->rule[0]) {
      fprintf(stderr, " [%s", diag->rule);
      if (diag->offset != UINT64_MAX)
        fprintf(stderr, " at 0x%llx", (unsigned long long)diag->offset);
      fputc(']', stderr);
    }
    if (diag->message[0]) fprintf(stderr, " %s", diag->message);
  }
  fputc('\n', stderr);
}

void cli_msg(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("hiveref: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

void cli_json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
    switch (*p) {
    case '"': fputs("\\\"", f); break;
    case '\\': fputs("\\\\", f); break;
    case '\n': fputs("\\n", f); break;
    case '\r': fputs("\\r", f); break;
    case '\t': fputs("\\t", f); break;
    default:
      if (*p < 0x20) {
        fprintf(f, "\\u%04x", *p);
      } else if (*p < 0x80) {
        fputc(*p, f);
      } else {
        /* Pass a well-formed UTF-8 sequence through; a stray byte (a non-UTF-8 file name)
         * becomes \u00XX so that the output stays valid JSON. */
        size_t len = (*p & 0xE0) == 0xC0   ? 2
                     : (*p & 0xF0) == 0xE0 ? 3
                     : (*p & 0xF8) == 0xF0 ? 4
                                           : 0;
        size_t k = 1;
        while (len && k < len && (p[k] & 0xC0) == 0x80) k++;
        if (len && k == len) {
          fwrite(p, 1, len, f);
          p += len - 1;
        } else {
          fprintf(f, "\\u%04x", *p);
        }
      }
    }
  }
  fputc('"', f);
}

uint16_t *cli_utf16_from_utf8(const char *s, size_t *units) {
  size_t len = strlen(s);
  /* A UTF-8 string never needs more UTF-16 units than it has bytes. */
  uint16_t *w = cli_alloc((len + 1) * sizeof(uint16_t));
  if (w == NULL) return NULL;
  size_t n = len ? HRUtf8ToUtf16(s, len, w, len + 1) : 0;
  if (n == (size_t)-1) {
    cli_free(w, (len + 1) * sizeof(uint16_t));
    return NULL;
  }
  /* Shrink the accounting to the documented size so the caller can free with (*units+1)*2. */
  uint16_t *r = cli_realloc(w, (len + 1) * sizeof(uint16_t), (n + 1) * sizeof(uint16_t));
  if (r == NULL) {
    cli_free(w, (len + 1) * sizeof(uint16_t));
    return NULL;
  }
  r[n] = 0;
  *units = n;
  return r;
}

int cli_parse_os_version(const char *s, DWORD *major, DWORD *minor) {
  unsigned long a = 0, b = 0;
  const char *p = s;
  int nd = 0;
  while (*p >= '0' && *p <= '9' && nd < 4) a = a * 10 + (unsigned long)(*p++ - '0'), nd++;
  if (nd == 0 || *p != '.') return -1;
  p++;
  nd = 0;
  while (*p >= '0' && *p <= '9' && nd < 4) b = b * 10 + (unsigned long)(*p++ - '0'), nd++;
  if (nd == 0 || *p != '\0') return -1;
  *major = (DWORD)a;
  *minor = (DWORD)b;
  return 0;
}

int cli_is_help(const char *arg) { return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0; }
