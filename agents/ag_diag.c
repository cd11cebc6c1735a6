/*
** ag_diag.c -- diagnostics: collecting, printing and JSON.
*/
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agents.h"

static char *ag_strdup(const char *s) {
  return s ? strdup(s) : NULL;
}

void ag_diags_init(ag_Diags *d) {
  d->items = NULL;
  d->n = d->cap = 0;
}

void ag_diags_free(ag_Diags *d) {
  for (size_t i = 0; i < d->n; i++) {
    free(d->items[i].path);
    free(d->items[i].message);
    free(d->items[i].hint);
  }
  free(d->items);
  ag_diags_init(d);
}

void ag_diags_add(ag_Diags *d, const char *path, int line, int col,
                  ag_Severity sev, const char *code, const char *hint,
                  const char *fmt, ...) {
  if (d->n == d->cap) {
    size_t ncap = d->cap ? d->cap * 2 : 8;
    ag_Diag *ni = realloc(d->items, ncap * sizeof *ni);
    if (!ni) return;
    d->items = ni;
    d->cap = ncap;
  }
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  ag_Diag *g = &d->items[d->n++];
  g->path = ag_strdup(path ? path : "<unknown>");
  g->line = line;
  g->col = col;
  g->severity = sev;
  snprintf(g->code, sizeof g->code, "%s", code ? code : "");
  g->message = ag_strdup(msg);
  g->hint = ag_strdup(hint);
}

size_t ag_diags_count(const ag_Diags *d, ag_Severity sev) {
  size_t n = 0;
  for (size_t i = 0; i < d->n; i++) n += d->items[i].severity == sev;
  return n;
}

const char *ag_severity_name(ag_Severity s) {
  return s == AG_ERROR ? "error" : s == AG_WARNING ? "warning" : "note";
}

void ag_diag_print(FILE *out, const ag_Diag *d, bool color) {
  static const char *colors[] = {"\033[1;31m", "\033[1;35m", "\033[1;36m"};
  fprintf(out, "%s:%d:%d: %s%s%s[%s]: %s\n", d->path, d->line, d->col,
          color ? colors[d->severity] : "", ag_severity_name(d->severity),
          color ? "\033[0m" : "", d->code, d->message);
  if (d->hint) fprintf(out, "    hint: %s\n", d->hint);
}

cJSON *ag_diags_json(const ag_Diags *d) {
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; arr && i < d->n; i++) {
    const ag_Diag *g = &d->items[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", g->path);
    cJSON_AddNumberToObject(o, "line", g->line);
    cJSON_AddNumberToObject(o, "col", g->col);
    cJSON_AddStringToObject(o, "severity", ag_severity_name(g->severity));
    cJSON_AddStringToObject(o, "code", g->code);
    cJSON_AddStringToObject(o, "message", g->message);
    if (g->hint) cJSON_AddStringToObject(o, "hint", g->hint);
    cJSON_AddItemToArray(arr, o);
  }
  return arr;
}
