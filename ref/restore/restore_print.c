/*
 * restore_print.c: the restore plan as text (for a person deciding whether to apply it) and as
 * JSON (for tools and the conformance cases).  Names are UTF-16 in the hive; they are printed as
 * UTF-8, an unpaired surrogate as U+FFFD, control characters escaped (\u00XX).
 *
 * JSON shape (one object):
 *  {"existing": HIVE, "restored": HIVE, "operations": [OP...], "summary": {...}}
 *  HIVE = {"select_current": N|null, "list_found": B, "list_values": N, "strings": N}
 *  OP   = {"kind": "replace|merge|value|skip", "rule": S, "sources": ["existing","restored"],
 *          "component": S|null, "source_path": S, "target_path": S, "value": S (value),
 *          "source_exists": B, "target_exists": B, "star_without_backslash": B,
 *          "skip": REASON, "rule_kind": KIND (skip only), "skip_side": [...] (no-control-set),
 *          "subkeys": [{"name": S, "action": ACTION, "existing_start": N|null,
 *                       "restored_start": N|null, ...}] (merge),
 *          "add_values": [S...] (merge),
 *          "pending_renames": {"strings": N, "pairs": N, "deletes": N, "odd": B} (value),
 *          "applied": B, "keys_copied": N, "values_copied": N, "keys_deleted": N,
 *          "unrepresentable": N}
 */
#include <stdio.h>
#include <string.h>

#include "restore_int.h"

static void put_cp(FILE *f, uint32_t cp) {
  char b[4];
  int n;
  if (cp < 0x80) { b[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { b[0] = (char)(0xC0 | (cp >> 6)); b[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) {
    b[0] = (char)(0xE0 | (cp >> 12)); b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
  } else {
    b[0] = (char)(0xF0 | (cp >> 18)); b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
  }
  fwrite(b, 1, (size_t)n, f);
}

/* UTF-16 -> UTF-8; json: also escape quote and backslash. */
static void put_w(FILE *f, const WCHAR *s, size_t n, int json) {
  for (size_t i = 0; i < n; i++) {
    uint32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00u);
      i++;
    } else if (c >= 0xD800 && c <= 0xDFFF) {
      c = 0xFFFD;
    }
    if (c < 0x20 || c == 0x7F) fprintf(f, "\\u%04x", (unsigned)c);
    else if (json && (c == '"' || c == '\\')) fprintf(f, "\\%c", (int)c);
    else put_cp(f, c);
  }
}

static void jstr(FILE *f, const WCHAR *s, size_t n) {
  fputc('"', f);
  put_w(f, s, n, 1);
  fputc('"', f);
}

static void jstr_or_null(FILE *f, const WCHAR *s, size_t n) {
  if (s) jstr(f, s, n);
  else fputs("null", f);
}

static const char *skip_message(HRRestoreSkip s) {
  switch (s) {
  case HRR_SKIP_EMPTY: return "an empty string in the list";
  case HRR_SKIP_EMPTY_COMPONENT: return "an empty path component (leading or doubled backslash)";
  case HRR_SKIP_WILDCARD: return "'*' is only allowed as the terminal character";
  case HRR_SKIP_BAD_UTF16: return "an unpaired UTF-16 surrogate";
  case HRR_SKIP_TOO_LONG: return "a name or the path exceeds the registry limits";
  case HRR_SKIP_OUTSIDE_SYSTEM: return "absolute path not below HKEY_LOCAL_MACHINE\\SYSTEM";
  case HRR_SKIP_HIVE_ROOT: return "replacing the hive root would discard the whole backup";
  case HRR_SKIP_NO_CONTROL_SET: return "Select\\Current is missing or not a REG_DWORD";
  case HRR_SKIP_SOURCE_KEY_MISSING: return "the key does not exist in the existing hive";
  case HRR_SKIP_SOURCE_VALUE_MISSING: return "the value does not exist in the existing hive";
  case HRR_SKIP_LIST_NOT_MULTI_SZ: return "a KeysNotToRestore value that is not REG_MULTI_SZ";
  case HRR_SKIP_NONE: case HRR_SKIP_COUNT: break;
  }
  return "";
}

static void sources_json(FILE *f, unsigned s) {
  fputc('[', f);
  if (s & HRR_FROM_EXISTING) fputs("\"existing\"", f);
  if ((s & HRR_FROM_EXISTING) && (s & HRR_FROM_RESTORED)) fputc(',', f);
  if (s & HRR_FROM_RESTORED) fputs("\"restored\"", f);
  fputc(']', f);
}

static void hive_json(FILE *f, const HRRestoreHiveInfo *h) {
  fputs("{\"select_current\":", f);
  if (h->select_ok) fprintf(f, "%u", (unsigned)h->current);
  else fputs("null", f);
  fprintf(f, ",\"list_found\":%s,\"list_values\":%u,\"strings\":%u}",
          h->list_found ? "true" : "false", (unsigned)h->list_values, (unsigned)h->strings);
}

static void start_json(FILE *f, const char *key, int has, DWORD type, DWORD v) {
  fprintf(f, ",\"%s\":", key);
  if (!has) fputs("null", f);
  else if (type == REG_DWORD) fprintf(f, "%u", (unsigned)v);
  else fprintf(f, "{\"type\":%u}", (unsigned)type);
}

static void op_json(FILE *f, const HRRestoreOp *op) {
  fprintf(f, "{\"kind\":\"%s\",\"rule\":", HRRestoreKindName(op->kind));
  jstr(f, op->rule, op->rule_len);
  fputs(",\"sources\":", f);
  sources_json(f, op->sources);
  fputs(",\"component\":", f);
  jstr_or_null(f, op->component, op->component_len);
  if (op->kind == HRR_SKIP) {
    fprintf(f, ",\"skip\":\"%s\",\"message\":\"", HRRestoreSkipName(op->skip));
    const char *m = skip_message(op->skip);
    for (; *m; m++) {
      if (*m == '\\' || *m == '"') fputc('\\', f);
      fputc(*m, f);
    }
    fprintf(f, "\",\"rule_kind\":\"%s\"", HRRestoreKindName(op->rule_kind));
    if (op->skip == HRR_SKIP_NO_CONTROL_SET) {
      fputs(",\"skip_side\":", f);
      sources_json(f, op->skip_side);
    }
  }
  if (op->src_path) {
    fputs(",\"source_path\":", f);
    jstr(f, op->src_path, op->src_path_len);
    fputs(",\"target_path\":", f);
    jstr(f, op->dst_path, op->dst_path_len);
    fprintf(f, ",\"source_exists\":%s,\"target_exists\":%s", op->src_exists ? "true" : "false",
            op->dst_exists ? "true" : "false");
  }
  if (op->value) {
    fputs(",\"value\":", f);
    jstr(f, op->value, op->value_len);
  }
  if (op->star_without_backslash) fputs(",\"star_without_backslash\":true", f);
  if (op->kind == HRR_MERGE) {
    fputs(",\"subkeys\":[", f);
    for (size_t i = 0; i < op->n_children; i++) {
      const HRRestoreChild *c = &op->children[i];
      fputs(i ? ",{\"name\":" : "{\"name\":", f);
      jstr(f, c->name, c->name_len);
      fprintf(f, ",\"action\":\"%s\"", HRRestoreChildActionName(c->action));
      if (c->action != HRR_CHILD_ADD) {
        start_json(f, "existing_start", c->existing_has_start, c->existing_start_type,
                   c->existing_start);
        start_json(f, "restored_start", c->restored_has_start, c->restored_start_type,
                   c->restored_start);
      }
      fputc('}', f);
    }
    fputs("],\"add_values\":[", f);
    for (size_t i = 0; i < op->n_add_values; i++) {
      if (i) fputc(',', f);
      jstr(f, op->add_values[i], op->add_value_lens[i]);
    }
    fputc(']', f);
  }
  if (op->pending.present)
    fprintf(f, ",\"pending_renames\":{\"strings\":%u,\"pairs\":%u,\"deletes\":%u,\"odd\":%s}",
            (unsigned)op->pending.strings, (unsigned)op->pending.pairs,
            (unsigned)op->pending.deletes, op->pending.odd ? "true" : "false");
  if (op->kind != HRR_SKIP)
    fprintf(f, ",\"applied\":%s,\"keys_copied\":%llu,\"values_copied\":%llu,"
               "\"keys_deleted\":%llu,\"unrepresentable\":%llu",
            op->applied ? "true" : "false", (unsigned long long)op->keys_copied,
            (unsigned long long)op->values_copied, (unsigned long long)op->keys_deleted,
            (unsigned long long)op->unrepresentable);
  fputc('}', f);
}

static void hive_text(FILE *f, const char *what, const HRRestoreHiveInfo *h) {
  fprintf(f, "%s: ", what);
  if (h->select_ok) fprintf(f, "Select\\Current = %u (ControlSet%03u)", (unsigned)h->current,
                            (unsigned)h->current);
  else fputs("no usable Select\\Current", f);
  if (h->list_found)
    fprintf(f, ", KeysNotToRestore: %u values, %u strings\n", (unsigned)h->list_values,
            (unsigned)h->strings);
  else fputs(", no KeysNotToRestore key\n", f);
}

static void child_text(FILE *f, const HRRestoreChild *c) {
  static const char *const verb[] = {"", "add", "carry", "carry", "keep", "keep", "keep", "keep"};
  fprintf(f, "       %-6s ", verb[c->action]);
  put_w(f, c->name, c->name_len, 0);
  switch (c->action) {
  case HRR_CHILD_ADD: fputs("  (only in existing: whole subkey copied)", f); break;
  case HRR_CHILD_CARRY_START_MISSING:
    fprintf(f, "  Start %u carried (restored has none) [exception a]", (unsigned)c->existing_start);
    break;
  case HRR_CHILD_CARRY_START_LOWER:
    fprintf(f, "  Start %u carried (restored %u) [exception b: existing lower]",
            (unsigned)c->existing_start, (unsigned)c->restored_start);
    break;
  case HRR_CHILD_KEEP_START_NOT_LOWER:
    fprintf(f, "  restored kept (Start %u, existing %u not lower)", (unsigned)c->restored_start,
            (unsigned)c->existing_start);
    break;
  case HRR_CHILD_KEEP_NO_START: fputs("  restored kept (no Start in either)", f); break;
  case HRR_CHILD_KEEP_RESTORED_START: fputs("  restored kept (only restored has Start)", f); break;
  case HRR_CHILD_KEEP_START_NOT_DWORD:
    fputs("  restored kept (a Start value is not a 4-byte REG_DWORD: not compared)", f);
    break;
  }
  fputc('\n', f);
}

static void op_text(FILE *f, size_t i, const HRRestoreOp *op) {
  fprintf(f, "%4zu. %-7s ", i + 1, HRRestoreKindName(op->kind));
  put_w(f, op->rule, op->rule_len, 0);
  fputs("   [", f);
  fputs(op->sources == (HRR_FROM_EXISTING | HRR_FROM_RESTORED) ? "both lists"
        : op->sources & HRR_FROM_EXISTING                     ? "existing list"
                                                              : "restored list",
        f);
  if (op->component) {
    fputs(": ", f);
    put_w(f, op->component, op->component_len, 0);
  }
  fputs("]\n", f);
  if (op->kind == HRR_SKIP) {
    fprintf(f, "       skipped: %s (%s)", HRRestoreSkipName(op->skip), skip_message(op->skip));
    if (op->skip == HRR_SKIP_NO_CONTROL_SET)
      fprintf(f, " in the %s hive", op->skip_side & HRR_FROM_EXISTING ? "existing" : "restored");
    fputc('\n', f);
  }
  if (op->src_path) {
    fputs("       existing \\", f);
    put_w(f, op->src_path, op->src_path_len, 0);
    if (op->value) {
      fputs(" : ", f);
      put_w(f, op->value, op->value_len, 0);
    }
    fputs(" -> restored \\", f);
    put_w(f, op->dst_path, op->dst_path_len, 0);
    const char *what = "";
    switch (op->kind) {
    case HRR_REPLACE: what = op->dst_exists ? " (present: replaced)" : " (absent: created)"; break;
    case HRR_MERGE: what = op->dst_exists ? " (present: merged into)" : " (absent: created)"; break;
    case HRR_VALUE:
      what = op->dst_exists ? " (value present: overwritten)" : " (value absent: added)";
      break;
    case HRR_SKIP: what = " (not applied)"; break;
    }
    fprintf(f, "%s\n", what);
  }
  if (op->star_without_backslash) fputs("       note: \"Name*\" read as \"Name\\*\"\n", f);
  if (op->kind == HRR_MERGE) {
    for (size_t c = 0; c < op->n_children; c++) child_text(f, &op->children[c]);
    for (size_t v = 0; v < op->n_add_values; v++) {
      fputs("       value+ ", f);
      put_w(f, op->add_values[v], op->add_value_lens[v], 0);
      fputs("  (only in existing: added)\n", f);
    }
  }
  if (op->kind == HRR_MERGE && op->unrepresentable && !op->applied)
    fprintf(f, "       note: %llu subkey(s)/value(s) cannot be named through the API (256-unit or "
               "NUL-holding names): not merged\n", (unsigned long long)op->unrepresentable);
  if (op->pending.present)
    fprintf(f, "       PendingFileRenameOperations: %u pairs (%u deletes)%s, copied intact\n",
            (unsigned)op->pending.pairs, (unsigned)op->pending.deletes,
            op->pending.odd ? ", last source without destination" : "");
  if (op->applied)
    fprintf(f, "       applied: %llu keys copied, %llu values copied, %llu keys deleted%s\n",
            (unsigned long long)op->keys_copied, (unsigned long long)op->values_copied,
            (unsigned long long)op->keys_deleted,
            op->unrepresentable ? " (some 256-unit or NUL-holding names or virtualization bit "
                                  "0x1 not copied)" : "");
}

DWORD HRRestorePlanPrint(const HRRestorePlan *plan, FILE *f, int json) {
  if (!plan || !f) return ERROR_INVALID_PARAMETER;
  if (json) {
    fputs("{\"existing\":", f);
    hive_json(f, &plan->existing);
    fputs(",\"restored\":", f);
    hive_json(f, &plan->restored);
    fputs(",\"operations\":[", f);
    for (size_t i = 0; i < plan->n_ops; i++) {
      if (i) fputc(',', f);
      fputc('\n', f);
      op_json(f, &plan->ops[i]);
    }
    fprintf(f, "\n],\"summary\":{\"replace\":%zu,\"merge\":%zu,\"value\":%zu,\"skip\":%zu}}\n",
            plan->count[HRR_REPLACE], plan->count[HRR_MERGE], plan->count[HRR_VALUE],
            plan->count[HRR_SKIP]);
  } else {
    hive_text(f, "existing", &plan->existing);
    hive_text(f, "restored", &plan->restored);
    for (size_t i = 0; i < plan->n_ops; i++) op_text(f, i, &plan->ops[i]);
    fprintf(f, "plan: %zu replace, %zu merge, %zu value, %zu skipped\n", plan->count[HRR_REPLACE],
            plan->count[HRR_MERGE], plan->count[HRR_VALUE], plan->count[HRR_SKIP]);
  }
  return ferror(f) ? ERROR_WRITE_FAULT : ERROR_SUCCESS;
}
