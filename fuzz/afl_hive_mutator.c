/*
 * afl_hive_mutator.c: the structure-aware hive mutator (hive_mutator.c) as an AFL++ custom
 * mutator library (AFL++ docs/custom_mutators.md: afl_custom_init / afl_custom_fuzz /
 * afl_custom_deinit), so both engines share one mutation strategy.
 *
 * Built by ci/fuzz.sh with plain clang (a custom mutator is loaded into afl-fuzz itself and must
 * not be instrumented):
 *   clang -shared -fPIC -O2 -Iref/include -o hive_afl_mutator.so \
 *         fuzz/hive_mutator.c fuzz/afl_hive_mutator.c
 * and used for targets that define HIVEREF_FUZZ_HIVE_INPUT with
 *   AFL_CUSTOM_MUTATOR_LIBRARY=.../hive_afl_mutator.so afl-fuzz ...
 * AFL++ keeps running its own havoc stage as well (AFL_CUSTOM_MUTATOR_ONLY is not set).
 * hive_mutator.c falls back to LLVMFuzzerMutate for unparsable inputs; here that is a small
 * byte-level mutator (AFL++'s havoc does the heavy byte work anyway).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
void *afl_custom_init(void *afl, unsigned int seed);
size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size);
void afl_custom_deinit(void *data);

typedef struct afl_mut {
  uint32_t seed;
  uint8_t *buf;
  size_t cap;
} afl_mut;

static uint32_t g_seed = 0x2545F491u;

static uint32_t next(void) {
  g_seed ^= g_seed << 13;
  g_seed ^= g_seed >> 17;
  g_seed ^= g_seed << 5;
  return g_seed;
}

/* The byte-level fallback: flip, set to an interesting byte, or overwrite a dword. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size) {
  static const uint8_t k[] = {0, 1, 0x7F, 0x80, 0xFF, 0x20, 0x5C};
  (void)max_size;
  if (size == 0) return 0;
  size_t i = next() % size;
  switch (next() % 3) {
    case 0: data[i] ^= (uint8_t)(1u << (next() % 8)); break;
    case 1: data[i] = k[next() % sizeof k]; break;
    default:
      if (size >= 4) {
        uint32_t v = next();
        memcpy(data + next() % (size - 3), &v, 4);
      }
      break;
  }
  return size;
}

void *afl_custom_init(void *afl, unsigned int seed) {
  (void)afl;
  afl_mut *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  m->seed = seed ? seed : 1;
  g_seed = m->seed;
  return m;
}

size_t afl_custom_fuzz(void *data, uint8_t *buf, size_t buf_size, uint8_t **out_buf,
                       uint8_t *add_buf, size_t add_buf_size, size_t max_size) {
  afl_mut *m = data;
  (void)add_buf;
  (void)add_buf_size;
  if (m->cap < max_size || !m->buf) {
    uint8_t *p = realloc(m->buf, max_size ? max_size : 1);
    if (!p) {
      *out_buf = buf;
      return buf_size;
    }
    m->buf = p;
    m->cap = max_size;
  }
  size_t n = buf_size < max_size ? buf_size : max_size;
  memcpy(m->buf, buf, n);
  m->seed = m->seed * 1103515245u + 12345u;
  *out_buf = m->buf;
  return LLVMFuzzerCustomMutator(m->buf, n, max_size, m->seed);
}

void afl_custom_deinit(void *data) {
  afl_mut *m = data;
  if (m) free(m->buf);
  free(m);
}
