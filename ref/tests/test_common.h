/*
 * test_common.h: shared helpers for the validator tests (test-side only).
 */
#ifndef HIVEREF_TEST_COMMON_H
#define HIVEREF_TEST_COMMON_H

#include <string.h>

#include "hivebuild.h"
#include "test.h"

/* Expects hive_load to reject d[0..n) with err and rule (and check mode to report the rule). */
#define EXPECT_RULE(d, n, err, rule_id)                                                  \
  do {                                                                                   \
    HRDiagnostic _d;                                                                     \
    CHECK_ERR(hb_load((d), (n), &_d, NULL, NULL), err);                                  \
    if (strcmp(_d.rule, rule_id) != 0)                                                   \
      test_fail(__FILE__, __LINE__, "rule %s, want %s (%s)", _d.rule, rule_id, _d.message); \
    if (!hb_check_has((d), (n), rule_id))                                                \
      test_fail(__FILE__, __LINE__, "check mode did not report %s", rule_id);            \
  } while (0)

/* Expects the first rejection at this absolute file offset. */
#define EXPECT_RULE_AT(d, n, rule_id, off)                                               \
  do {                                                                                   \
    HRDiagnostic _d;                                                                     \
    CHECK_ERR(hb_load((d), (n), &_d, NULL, NULL), ERROR_NOT_REGISTRY_FILE);              \
    if (strcmp(_d.rule, rule_id) != 0)                                                   \
      test_fail(__FILE__, __LINE__, "rule %s, want %s (%s)", _d.rule, rule_id, _d.message); \
    CHECK_EQ_U(_d.offset, (off));                                                        \
  } while (0)

#define EXPECT_OPEN(d, n) CHECK_ERR(hb_load((d), (n), NULL, NULL, NULL), ERROR_SUCCESS)

/* Expects success and a non-rejecting finding with this rule. */
#define EXPECT_NOTE(d, n, rule_id)                                                       \
  do {                                                                                   \
    EXPECT_OPEN(d, n);                                                                   \
    if (!hb_check_has((d), (n), rule_id))                                                \
      test_fail(__FILE__, __LINE__, "check mode did not report %s", rule_id);            \
  } while (0)

#define FILE_OFF(cell) (0x1000u + (cell))



/* Record bytes of a cell in a finished hive buffer d. */
#define REC_OF(d, cell) ((d) + 0x1000 + (cell) + 4)

/* Shrinks an allocated cell to new_size bytes and turns the rest into a free cell (keeps the
 * bin tiled). */
static inline void shrink_cell(uint8_t *d, uint32_t cell, uint32_t new_size) {
  uint8_t *p = d + 0x1000 + cell;
  uint32_t old = (uint32_t)-(int32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
  uint32_t rest = old - new_size;
  uint32_t neg = (uint32_t)-(int32_t)new_size;
  p[0] = (uint8_t)neg, p[1] = (uint8_t)(neg >> 8), p[2] = (uint8_t)(neg >> 16),
  p[3] = (uint8_t)(neg >> 24);
  p += new_size;
  p[0] = (uint8_t)rest, p[1] = (uint8_t)(rest >> 8), p[2] = (uint8_t)(rest >> 16),
  p[3] = (uint8_t)(rest >> 24);
}

/* Frees an allocated cell in place (size made positive). */
static inline void free_cell(uint8_t *d, uint32_t cell) {
  uint8_t *p = d + 0x1000 + cell;
  uint32_t v = (uint32_t)-(int32_t)(p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24);
  p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
  p[3] = (uint8_t)(v >> 24);
}

/* The first rejection's message contains s. */
#define EXPECT_MSG_HAS(d, n, s)                                                          \
  do {                                                                                   \
    HRDiagnostic _d;                                                                     \
    hb_load((d), (n), &_d, NULL, NULL);                                                  \
    if (!strstr(_d.message, s))                                                          \
      test_fail(__FILE__, __LINE__, "message \"%s\" lacks \"%s\"", _d.message, s);      \
  } while (0)
#endif /* HIVEREF_TEST_COMMON_H */
