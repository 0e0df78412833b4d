/*
 * climem.c: mmap-backed audited allocator for the CLI (see climem.h for why it exists).
 *
 * Every block is its own anonymous private mapping rounded up to the page size; size 0
 * requests get one page so that every successful call returns a distinct non-NULL pointer.
 */
#define _DEFAULT_SOURCE 1 /* MAP_ANONYMOUS under -std=c11 */
#include "climem.h"

#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint64_t live_blocks;
static uint64_t live_bytes;

/* Rounds size up to whole pages; 0 on overflow. */
static size_t page_round(size_t size) {
  long ps = sysconf(_SC_PAGESIZE);
  size_t page = ps > 0 ? (size_t)ps : 4096u;
  if (size == 0) size = 1;
  if (size > SIZE_MAX - (page - 1)) return 0;
  return (size + page - 1) / page * page;
}

void *cli_alloc(size_t size) {
  size_t map = page_round(size);
  if (map == 0) return NULL;
  void *p = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  live_blocks++;
  live_bytes += size;
  return p;
}

void *cli_realloc(void *ptr, size_t old_size, size_t new_size) {
  if (ptr == NULL) return cli_alloc(new_size);
  /* Same mapping size: nothing to do but the accounting. */
  if (page_round(old_size) == page_round(new_size) && page_round(new_size) != 0) {
    live_bytes = live_bytes - old_size + new_size;
    return ptr;
  }
  void *n = cli_alloc(new_size);
  if (n == NULL) return NULL;
  memcpy(n, ptr, old_size < new_size ? old_size : new_size);
  cli_free(ptr, old_size);
  return n;
}

void cli_free(void *ptr, size_t size) {
  if (ptr == NULL) return;
  munmap(ptr, page_round(size));
  live_blocks--;
  live_bytes -= size;
}

uint64_t cli_mem_live_blocks(void) { return live_blocks; }
uint64_t cli_mem_live_bytes(void) { return live_bytes; }
