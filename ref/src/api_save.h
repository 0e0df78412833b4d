/*
 * api_save.h: the file layer under ORSaveHive, injectable so tests can simulate write errors,
 * a full disk or a target that appears during the save (DESIGN.md §2 "save": temp file in the
 * target's folder, fsync, no-overwrite publish; a failed save leaves nothing behind).
 *
 * Every callback returns 0 / a non-negative result on success and -errno on failure.
 */
#ifndef HIVEREF_API_SAVE_H
#define HIVEREF_API_SAVE_H

#include <stddef.h>
#include <sys/types.h>

typedef struct hr_save_io {
  /* Creates path exclusively for writing (O_CREAT | O_EXCL): a descriptor or -errno. */
  int (*create_excl)(void *ctx, const char *path);
  /* Writes up to n bytes at the current position: bytes written (> 0) or -errno. */
  ssize_t (*write)(void *ctx, int fd, const void *buf, size_t n);
  int (*fsync)(void *ctx, int fd);
  int (*close)(void *ctx, int fd);
  /* Publishes from as to without ever replacing an existing to (link(2)): -EEXIST if it exists. */
  int (*link_noreplace)(void *ctx, const char *from, const char *to);
  /* Fallback publish for filesystems without hard links (rename(2) after an existence check). */
  int (*rename)(void *ctx, const char *from, const char *to);
  int (*unlink)(void *ctx, const char *path);
  /* Makes the directory entry durable (fsync of the folder); failures are ignored. */
  int (*fsync_dir)(void *ctx, const char *dir);
  void *ctx;
} hr_save_io;

/* Replaces the I/O layer for every later save (NULL restores POSIX).  Not thread-safe: tests
 * call it while no save runs. */
void api_save_set_io(const hr_save_io *io);
/* The POSIX layer (tests wrap it to fail selected calls). */
const hr_save_io *api_save_posix_io(void);

#endif /* HIVEREF_API_SAVE_H */
