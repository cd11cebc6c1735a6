/*
** ag_diag.c -- diagnostics: collecting, printing and JSON.
*/
#include <assert.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "agents.h"
#include "ag_internal.h"

/* strdup that keeps NULL (NULL in, NULL out), for optional strings. */
char *ag_strdup(const char *s) { return s ? strdup(s) : NULL; }

void ag_diags_init(ag_Diags *d) {
  d->items = NULL;
  d->n = d->cap = 0;
}

/* Free every diagnostic's strings and the array; d is empty again. */
void ag_diags_free(ag_Diags *d) {
  for (size_t i = 0; i < d->n; i++) {
    free(d->items[i].path);
    free(d->items[i].message);
    free(d->items[i].hint);
  }
  free(d->items);
  ag_diags_init(d);
}

/* Append a diagnostic: path ("<unknown>" when NULL), hint (may be NULL)
** and code are copied, the message is formatted into 1024 bytes (longer
** is cut). On out of memory it is dropped silently. */
void ag_diags_add(ag_Diags *d, const char *path, int line, int col, ag_Severity sev,
                  const char *code, const char *hint, const char *fmt, ...) {
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

/* One byte sequence of s that a terminal could take as a control: a C0
** byte other than tab (newline too: a message cannot forge a second
** diagnostic line), DEL, or a C1 control encoded in UTF-8 (U+0080..U+009F).
** Its length (1 or 2), 0 for ordinary text. */
static size_t ag_control_len(const unsigned char *s) {
  if ((*s < 0x20 && *s != '\t') || *s == 0x7f) return 1;
  if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f) return 2;
  return 0;
}

/* See agents.h. An escape that does not fit whole is left out, so out
** never ends in half of one; NULL s is "". */
size_t ag_plain_text(const char *s, char *out, size_t len) {
  assert(out && len > 0);
  size_t n = 0;
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && n + 1 < len;) {
    size_t c = ag_control_len(p);
    char esc[8];
    if (c == 0) {
      out[n++] = (char)*p++;
      continue;
    }
    snprintf(esc, sizeof esc, c == 1 ? "\\x%02x" : "\\u%04x", c == 1 ? p[0] : p[1]);
    size_t e = strlen(esc);
    if (n + e >= len) break;
    memcpy(out + n, esc, e);
    n += e;
    p += c;
  }
  out[n] = '\0';
  return n;
}

/* fputs with the controls of s escaped as ag_plain_text does. */
static void ag_fputs_plain(FILE *out, const char *s) {
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;) {
    size_t c = ag_control_len(p);
    if (c == 0) fputc(*p, out);
    else fprintf(out, c == 1 ? "\\x%02x" : "\\u%04x", c == 1 ? p[0] : p[1]);
    p += c ? c : 1;
  }
}

/* Paths, messages and hints can carry an agent's text (file names, error
** messages, descriptor keys): their control characters are escaped so a
** hostile folder cannot drive the terminal of whoever lints it. */
void ag_diag_print(FILE *out, const ag_Diag *d, bool color) {
  static const char *colors[] = {"\033[1;31m", "\033[1;35m", "\033[1;36m"};
  ag_fputs_plain(out, d->path);
  fprintf(out, ":%d:%d: %s%s%s[%s]: ", d->line, d->col, color ? colors[d->severity] : "",
          ag_severity_name(d->severity), color ? "\033[0m" : "", d->code);
  ag_fputs_plain(out, d->message);
  fputc('\n', out);
  if (d->hint) {
    fputs("    hint: ", out);
    ag_fputs_plain(out, d->hint);
    fputc('\n', out);
  }
}

/* The diagnostics as a JSON array of {path, line, col, severity, code,
** message, hint (when set)}; the caller owns it. Controls are left to
** the JSON encoder. */
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
