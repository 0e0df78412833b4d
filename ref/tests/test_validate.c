/*
 * test_validate.c: the whole-hive check (validate.c, check.c): check mode keeps going and
 * reports every finding, open stops at the first; HRCheckHive's contract and summary.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bytes.h"
#include "layout.h"
#include "test_common.h"

static hb B;
static uint8_t *D;
static size_t N;

typedef struct collect {
  unsigned n, reject, warn, info;
  char rules[32][16];
} collect;

static void on_finding(void *ctx, const HRFinding *fi) {
  collect *c = ctx;
  if (c->n < 32) snprintf(c->rules[c->n], sizeof c->rules[0], "%s", fi->rule);
  c->n++;
  if (fi->severity == HR_SEV_REJECT) c->reject++;
  else if (fi->severity == HR_SEV_WARN) c->warn++;
  else c->info++;
  CHECK(fi->message != NULL && fi->message[0] != 0);
  CHECK(fi->offset != UINT64_MAX);
}

static int has_rule(const collect *c, const char *rule) {
  for (unsigned i = 0; i < c->n && i < 32; i++)
    if (strcmp(c->rules[i], rule) == 0) return 1;
  return 0;
}

/* ROOT -> a, b, c with one value each. */
static uint32_t k[3], vk[3];
static void build(void) {
  hb_init(&B, 5, "ROOT");
  for (int i = 0; i < 3; i++) {
    char name[2] = {(char)('a' + i), 0};
    k[i] = hb_nk(&B, name, B.root);
    vk[i] = hb_vk(&B, "v", 3, "0123456789", 10);
    hb_set_values(&B, k[i], &vk[i], 1);
  }
  hb_set_subkeys(&B, B.root, k, 3, LF_SIGNATURE);
  D = hb_finish(&B, &N);
}

static void test_clean_hive_summary(void) {
  build();
  collect c = {0};
  HRCheckSummary s;
  CHECK_ERR(HRCheckHive(D, N, NULL, on_finding, &c, &s), ERROR_SUCCESS);
  CHECK_EQ_U(s.keys, 4);
  CHECK_EQ_U(s.values, 3);
  CHECK_EQ_U(s.value_bytes, 30);
  CHECK_EQ_U(s.security_descriptors, 1);
  CHECK_EQ_U(s.major, 1);
  CHECK_EQ_U(s.minor, 5);
  CHECK_EQ_U(s.findings_reject + s.findings_warn + s.findings_info, 0);
  CHECK_EQ_U(c.n, 0);
  hb_free(&B);
}

static void test_check_reports_every_independent_fault(void) {
  build();
  REC_OF(D, vk[0])[1] = 'x';                           /* R-F06 under a */
  put32(REC_OF(D, k[1]) + NK_OFF_PARENT, k[2]);         /* R-D06 on b */
  put32(REC_OF(D, vk[2]) + VK_OFF_DATA_LEN, 0x80000009); /* R-F11 under c */
  put32(REC_OF(D, B.root) + NK_OFF_MAX_VALUE_DATA, 1);  /* nothing: root has no values */
  put32(REC_OF(D, k[2]) + NK_OFF_MAX_VALUE_NAME, 0);    /* R-F15 warn on c */
  collect c = {0};
  HRCheckSummary s;
  CHECK_ERR(HRCheckHive(D, N, NULL, on_finding, &c, &s), ERROR_NOT_REGISTRY_FILE);
  CHECK_EQ_U(c.reject, 3);
  CHECK(has_rule(&c, "R-F06"));
  CHECK(has_rule(&c, "R-D06"));
  CHECK(has_rule(&c, "R-F11"));
  CHECK_EQ_U(s.findings_reject, 3);
  CHECK_EQ_U(s.keys, 4); /* every key was still visited */
  /* Open stops at the first rejection, in walk order. */
  EXPECT_RULE(D, N, ERROR_NOT_REGISTRY_FILE, "R-F06");
  hb_free(&B);
}

static void test_check_api_contract(void) {
  build();
  CHECK_ERR(HRCheckHive(NULL, 10, NULL, NULL, NULL, NULL), ERROR_INVALID_PARAMETER);
  CHECK_ERR(HRCheckHive(NULL, 0, NULL, NULL, NULL, NULL), ERROR_BADDB);
  HROpenOptions o;
  memset(&o, 0, sizeof o);
  CHECK_ERR(HRCheckHive(D, N, &o, NULL, NULL, NULL), ERROR_INVALID_PARAMETER); /* struct_size */
  o.struct_size = sizeof o;
  CHECK_ERR(HRCheckHive(D, N, &o, NULL, NULL, NULL), ERROR_SUCCESS);
  o.flags = HR_OPEN_REPAIR;
  CHECK_ERR(HRCheckHive(D, N, &o, NULL, NULL, NULL), ERROR_NOT_SUPPORTED);
  o.flags = 0x80;
  CHECK_ERR(HRCheckHive(D, N, &o, NULL, NULL, NULL), ERROR_INVALID_FLAGS);
  /* Memory: the check allocates only its bitmaps, the sk table, the frame stack and a scratch
   * array; a failed allocation is reported as such. */
  o.flags = 0;
  o.fail_alloc_at = 1;
  CHECK_ERR(HRCheckHive(D, N, &o, NULL, NULL, NULL), ERROR_NOT_ENOUGH_MEMORY);
  o.fail_alloc_at = 0;
  o.mem_budget = 64; /* far below the two bitmaps + stack */
  CHECK_ERR(HRCheckHive(D, N, &o, NULL, NULL, NULL), ERROR_NOT_ENOUGH_MEMORY);
  hb_free(&B);
}

static void test_check_oom_sweep_op_like(void) {
  /* Every allocation of the check path failing once gives ERROR_NOT_ENOUGH_MEMORY. */
  build();
  HROpenOptions o;
  memset(&o, 0, sizeof o);
  o.struct_size = sizeof o;
  DWORD st = ERROR_NOT_ENOUGH_MEMORY;
  uint64_t n;
  for (n = 1; n < 100 && st == ERROR_NOT_ENOUGH_MEMORY; n++) {
    o.fail_alloc_at = n;
    st = HRCheckHive(D, N, &o, NULL, NULL, NULL);
  }
  CHECK_ERR(st, ERROR_SUCCESS);
  CHECK(n > 3);
  hb_free(&B);
}

static void test_empty_input(void) {
  uint8_t z = 0;
  HRCheckSummary s;
  collect c = {0};
  CHECK_ERR(HRCheckHive(&z, 0, NULL, on_finding, &c, &s), ERROR_BADDB);
  CHECK_EQ_U(s.findings_reject, 1);
  CHECK(has_rule(&c, "R-A01"));
}

static void test_garbage_is_bounded(void) {
  /* Pseudo-random bytes behind a valid header and bin header: no crash, a clean verdict. */
  build();
  uint32_t x = 12345;
  for (int round = 0; round < 200; round++) {
    uint8_t *copy = malloc(N);
    REQUIRE(copy);
    memcpy(copy, D, N);
    for (int j = 0; j < 8; j++) {
      x = x * 1103515245u + 12345u;
      size_t pos = 0x1020 + (x >> 8) % (N - 0x1020);
      copy[pos] = (uint8_t)(x >> 3);
    }
    DWORD a = hb_load(copy, N, NULL, NULL, NULL);
    DWORD b = HRCheckHive(copy, N, NULL, NULL, NULL, NULL);
    CHECK(a == ERROR_SUCCESS || a == ERROR_NOT_REGISTRY_FILE);
    CHECK((a == ERROR_SUCCESS) == (b == ERROR_SUCCESS));
    free(copy);
  }
  hb_free(&B);
}

int main(void) {
  TEST_RUN(test_clean_hive_summary);
  TEST_RUN(test_check_reports_every_independent_fault);
  TEST_RUN(test_check_api_contract);
  TEST_RUN(test_check_oom_sweep_op_like);
  TEST_RUN(test_empty_input);
  TEST_RUN(test_garbage_is_bounded);
  return test_finish();
}
