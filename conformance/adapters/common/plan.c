/*
 * plan.c: the plan reader and handle-variable table of plan.h (PROTOCOL.md "Plans").
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

int plan_next(FILE *f, plan_step *st) {
  memset(st, 0, sizeof *st);
  for (;;) {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    if (n < 0) {
      free(line);
      return 0;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
    if (n == 0) {
      free(line);
      continue;
    }
    st->line = line;
    char *save = NULL;
    for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
      if (st->ntok == PLAN_MAX_TOKENS) return -1;
      st->tok[st->ntok++] = t;
    }
    return 1;
  }
}

void plan_step_free(plan_step *st) {
  free(st->line);
  st->line = NULL;
}

void plan_var_set(plan_vars *v, const char *name, uint64_t val) {
  if (!strcmp(name, "-")) return;
  for (int i = 0; i < v->n; i++)
    if (!strcmp(v->name[i], name)) {
      v->val[i] = val;
      return;
    }
  if (v->n < 256 && strlen(name) < sizeof v->name[0]) {
    strcpy(v->name[v->n], name);
    v->val[v->n++] = val;
  }
}

int plan_var_get(const plan_vars *v, const char *name, uint64_t *val) {
  for (int i = 0; i < v->n; i++)
    if (!strcmp(v->name[i], name)) {
      *val = v->val[i];
      return 0;
    }
  return -1;
}

void plan_var_unset(plan_vars *v, const char *name) {
  for (int i = 0; i < v->n; i++)
    if (!strcmp(v->name[i], name)) {
      v->n--;
      memmove(v->name[i], v->name[v->n], sizeof v->name[0]);
      v->val[i] = v->val[v->n];
      return;
    }
}
