/*
 * climem.h: the hiveref CLI's own audited allocator.
 *
 * House rule (DESIGN.md §2 "mem"): nothing in ref/ calls the libc allocator outside
 * ref/src/mem.c, and every allocation is accounted for.  The CLI is a client of the engine and
 * may use only ref/include (DESIGN.md §6), where no allocation entry point exists, so it keeps
 * its own small audited allocator: blocks come from anonymous mmap (the CLI holds a handful of
 * growable buffers, never many small objects), the size is passed back on free as in mem.h, and
 * live blocks/bytes are counted so that main() can check that a command ended with nothing live.
 *
 * Contract: cli_alloc/cli_realloc return NULL on failure (including size overflow) and leave
 * any existing block untouched; callers report ERROR_NOT_ENOUGH_MEMORY.
 */
#ifndef HIVEREF_CLI_CLIMEM_H
#define HIVEREF_CLI_CLIMEM_H

#include <stddef.h>
#include <stdint.h>

void *cli_alloc(size_t size);
/* Grows or shrinks a block; ptr may be NULL (then old_size must be 0).  On failure returns NULL
 * and ptr stays valid. */
void *cli_realloc(void *ptr, size_t old_size, size_t new_size);
void cli_free(void *ptr, size_t size);

/* Live blocks and bytes (for the end-of-command audit). */
uint64_t cli_mem_live_blocks(void);
uint64_t cli_mem_live_bytes(void);

#endif /* HIVEREF_CLI_CLIMEM_H */
