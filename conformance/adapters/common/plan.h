/*
 * plan.h: reading `run` plans (conformance/adapters/PROTOCOL.md, "Plans") in C adapters:
 * one step per line, tokens separated by single spaces, and a table of handle variables.
 */
#ifndef HIVEREF_ADAPTER_PLAN_H
#define HIVEREF_ADAPTER_PLAN_H

#include <stdint.h>
#include <stdio.h>

#define PLAN_MAX_TOKENS 16

typedef struct plan_step {
  char *line;                    /* owned; tokens point into it */
  int ntok;
  char *tok[PLAN_MAX_TOKENS];
} plan_step;

/* Reads the next non-empty line; returns 1, 0 at end of file, -1 on error. */
int plan_next(FILE *f, plan_step *st);
void plan_step_free(plan_step *st);

/* Handle variables: name ("$k") -> opaque 64-bit value, or unset. */
typedef struct plan_vars {
  int n;
  char name[256][32];
  uint64_t val[256];
} plan_vars;
void plan_var_set(plan_vars *v, const char *name, uint64_t val);
int plan_var_get(const plan_vars *v, const char *name, uint64_t *val);  /* 0 = found */
void plan_var_unset(plan_vars *v, const char *name);

#endif
