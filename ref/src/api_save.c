/*
 * api_save.c: ORSaveHive (offreg-api.md §1.19) and its file layer.
 *
 * "This cannot be the name of an existing file" / "will not overwrite an existing file": the
 * image is written to a temporary file in the target's folder (same filesystem), fsynced, then
 * published with link(2), which fails with EEXIST instead of replacing a file that appeared in
 * the meantime; the temporary name is then removed and the folder fsynced.  On filesystems
 * without hard links the publish falls back to an existence check plus rename(2) (a race with a
 * concurrent creator is then possible; BEHAVIOUR.md).  On any failure the temporary file is
 * removed: nothing is left behind, and no file other than the new one is ever written (the
 * source hive file in particular: OROpenHive did not keep it).
 *
 * The hive lock is held for the whole save (§1.19: the function "locks the registry hive while
 * it is writing").  A non-root handle saves its subtree with that key as the new root (§1.19
 * remark; IMPLEMENTATION-DEFINED, BEHAVIOUR.md).
 *
 * Error codes (IMPLEMENTATION-DEFINED mapping of errno): existing target ERROR_ALREADY_EXISTS
 * (183, the ORSaveHive page; OffregLib's DLL gave 80); EACCES/EPERM/EROFS ERROR_ACCESS_DENIED;
 * ENOSPC/EDQUOT ERROR_DISK_FULL; ENOENT/ENOTDIR ERROR_PATH_NOT_FOUND; ENAMETOOLONG
 * ERROR_FILENAME_EXCED_RANGE; ENOMEM ERROR_NOT_ENOUGH_MEMORY; anything else ERROR_WRITE_FAULT.
 * Unknown target versions: ERROR_INVALID_PARAMETER (save_target_format).
 */
#include "api_save.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "save.h"

/* ---- the POSIX layer ---------------------------------------------------------------------- */

static int px_create_excl(void *ctx, const char *path) {
  (void)ctx;
  int fd;
  do {
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  } while (fd < 0 && errno == EINTR);
  return fd < 0 ? -errno : fd;
}
static ssize_t px_write(void *ctx, int fd, const void *buf, size_t n) {
  (void)ctx;
  ssize_t r;
  do {
    r = write(fd, buf, n);
  } while (r < 0 && errno == EINTR);
  if (r < 0) return -errno;
  return r == 0 ? -EIO : r;
}
static int px_fsync(void *ctx, int fd) {
  (void)ctx;
  return fsync(fd) == 0 ? 0 : -errno;
}
static int px_close(void *ctx, int fd) {
  (void)ctx;
  return close(fd) == 0 ? 0 : -errno;
}
static int px_link(void *ctx, const char *from, const char *to) {
  (void)ctx;
  return link(from, to) == 0 ? 0 : -errno;
}
static int px_rename(void *ctx, const char *from, const char *to) {
  (void)ctx;
  return rename(from, to) == 0 ? 0 : -errno;
}
static int px_unlink(void *ctx, const char *path) {
  (void)ctx;
  return unlink(path) == 0 ? 0 : -errno;
}
static int px_fsync_dir(void *ctx, const char *dir) {
  (void)ctx;
  int fd = open(dir, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  int r = fsync(fd) == 0 ? 0 : -errno;
  close(fd);
  return r;
}

static const hr_save_io k_posix = {px_create_excl, px_write, px_fsync, px_close,
                                   px_link, px_rename, px_unlink, px_fsync_dir, NULL};
static const hr_save_io *g_io = &k_posix;

void api_save_set_io(const hr_save_io *io) { g_io = io ? io : &k_posix; }
const hr_save_io *api_save_posix_io(void) { return &k_posix; }

/* ---- helpers ------------------------------------------------------------------------------ */

static hr_status errno_status(int e) {
  switch (e) {
    case EEXIST: return ERROR_ALREADY_EXISTS;
    case EACCES:
    case EPERM:
    case EROFS: return ERROR_ACCESS_DENIED;
    case ENOSPC:
#ifdef EDQUOT
    case EDQUOT:
#endif
      return ERROR_DISK_FULL;
    case ENOENT:
    case ENOTDIR: return ERROR_PATH_NOT_FOUND;
    case ENAMETOOLONG: return ERROR_FILENAME_EXCED_RANGE;
    case ENOMEM: return ERROR_NOT_ENOUGH_MEMORY;
    default: return ERROR_WRITE_FAULT;
  }
}

static _Atomic uint32_t g_tmp_counter;

/* Writes img to a fresh temporary file tmp (created exclusively), fsynced and closed. */
static hr_status write_temp(const hr_save_io *io, char *tmp, size_t tmp_cap, const char *dir,
                            const char *base, const uint8_t *img, size_t len) {
  int fd = -EEXIST;
  /* Bounded retries: a collision means another writer picked the same name. */
  for (int attempt = 0; attempt < 64 && fd == -EEXIST; attempt++) {
    uint32_t n = atomic_fetch_add(&g_tmp_counter, 1);
    /* dir + "/." + base + ".hrtmp.<pid>.<n>"; the caller sized tmp for it. */
    size_t dl = strlen(dir), bl = strlen(base);
    memcpy(tmp, dir, dl);
    memcpy(tmp + dl, "/.", 2);
    memcpy(tmp + dl + 2, base, bl);
    snprintf(tmp + dl + 2 + bl, tmp_cap - (dl + 2 + bl), ".hrtmp.%ld.%u", (long)getpid(), n);
    fd = io->create_excl(io->ctx, tmp);
  }
  if (fd < 0) return errno_status(-fd);
  size_t done = 0;
  int err = 0;
  while (done < len) { /* every iteration writes >= 1 byte or stops */
    ssize_t w = io->write(io->ctx, fd, img + done, len - done);
    if (w <= 0) {
      err = w < 0 ? (int)-w : EIO;
      break;
    }
    done += (size_t)w;
  }
  if (!err) {
    int r = io->fsync(io->ctx, fd);
    if (r < 0) err = -r;
  }
  int rc = io->close(io->ctx, fd);
  if (!err && rc < 0) err = -rc;
  if (err) {
    io->unlink(io->ctx, tmp);
    return errno_status(err);
  }
  return ERROR_SUCCESS;
}

/* Publishes tmp as path without replacing anything; removes tmp in every case. */
static hr_status publish(const hr_save_io *io, const char *tmp, const char *path,
                         const char *dir) {
  int r = io->link_noreplace(io->ctx, tmp, path);
  if (r == 0) {
    io->unlink(io->ctx, tmp);
    io->fsync_dir(io->ctx, dir);
    return ERROR_SUCCESS;
  }
  if (r == -EEXIST) {
    io->unlink(io->ctx, tmp);
    return ERROR_ALREADY_EXISTS;
  }
  if (r == -EPERM || r == -ENOTSUP || r == -EOPNOTSUPP || r == -EXDEV || r == -EMLINK ||
      r == -ENOSYS) {
    struct stat st;
    if (lstat(path, &st) == 0) {
      io->unlink(io->ctx, tmp);
      return ERROR_ALREADY_EXISTS;
    }
    r = io->rename(io->ctx, tmp, path);
    if (r == 0) {
      io->fsync_dir(io->ctx, dir);
      return ERROR_SUCCESS;
    }
  }
  io->unlink(io->ctx, tmp);
  return errno_status(-r);
}

DWORD api_save_utf8(ORHKEY h, const char *path, DWORD os_major, DWORD os_minor) {
  if (!path) return ERROR_INVALID_PARAMETER;
  size_t plen = strlen(path);
  if (plen == 0) return ERROR_PATH_NOT_FOUND;
  if (path[plen - 1] == '/') return ERROR_PATH_NOT_FOUND; /* names a folder, not a file */
  hr_ref r;
  hr_status st = api_enter(h, &r);
  if (st != ERROR_SUCCESS) return st;
  hr_hive *hive = r.hive;
  uint32_t minor = 0;
  uint8_t *img = NULL;
  size_t img_len = 0;
  char *buf = NULL;
  size_t buf_cap = 0;
  struct stat sst;
  const hr_save_io *io = g_io;

  /* §1.19: never overwrite.  Checked first so an existing target costs no serialisation. */
  if (lstat(path, &sst) == 0) st = ERROR_ALREADY_EXISTS;
  if (st == ERROR_SUCCESS) st = save_target_format(os_major, os_minor, &hive->tree, r.key, &minor);
  if (st == ERROR_SUCCESS) {
    HRDiagnostic d;
    st = save_serialize(&hive->tree, r.key, minor, hive_now_filetime(), &hive->mem, &img,
                        &img_len, &d);
  }
  if (st == ERROR_SUCCESS) {
    /* One buffer: folder, base name and the temporary path. */
    buf_cap = 3 * plen + 80;
    buf = mem_alloc(&hive->mem, buf_cap);
    if (!buf) st = ERROR_NOT_ENOUGH_MEMORY;
  }
  if (st == ERROR_SUCCESS) {
    char *dir = buf, *base = buf + plen + 2, *tmp = buf + 2 * plen + 4;
    const char *slash = strrchr(path, '/');
    if (slash) {
      size_t dl = (size_t)(slash - path);
      if (dl == 0) dl = 1; /* "/name" -> folder "/" */
      memcpy(dir, path, dl);
      dir[dl] = 0;
      strcpy(base, slash + 1);
    } else {
      strcpy(dir, ".");
      strcpy(base, path);
    }
    st = write_temp(io, tmp, buf_cap - (2 * plen + 4), dir, base, img, img_len);
    if (st == ERROR_SUCCESS) st = publish(io, tmp, path, dir);
  }
  if (buf) mem_free(&hive->mem, buf, buf_cap);
  if (img) mem_free(&hive->mem, img, img_len);
  handle_leave(&r);
  return st;
}

DWORD WINAPI ORSaveHive(ORHKEY Handle, PCWSTR lpHivePath, DWORD dwOsMajorVersion,
                        DWORD dwOsMinorVersion) {
  if (!lpHivePath) return ERROR_INVALID_PARAMETER;
  size_t wlen;
  if (!api_wcslen(lpHivePath, 32767, &wlen)) return ERROR_FILENAME_EXCED_RANGE;
  /* UTF-16 at the API, bytes for open(2): UTF-8, at most 3 bytes per unit. */
  hr_mem m;
  mem_init(&m, NULL, 0);
  size_t cap = wlen * 3 + 1;
  char *p = mem_alloc(&m, cap);
  if (!p) return ERROR_NOT_ENOUGH_MEMORY;
  HRUtf16ToUtf8(lpHivePath, wlen, p, cap);
  DWORD st = api_save_utf8(Handle, p, dwOsMajorVersion, dwOsMinorVersion);
  mem_free(&m, p, cap);
  return st;
}
