/*
** ag_schema.c -- JSON Schema (draft 2020-12 subset) over cJSON: the parts the
** compiler, validator and default filler share (memory, growable strings,
** JSON pointers, error lists, values shown in messages, member lookup,
** freeing a compiled schema). See ag_schema.h for the supported keywords.
*/
#include "ag_schema_internal.h"

/* ==== Memory ============================================================== */

/* The host is out of memory: nothing sensible remains to do. */
void ag_sc_out_of_memory(void) {
  fputs("lispy: out of memory in the schema validator\n", stderr);
  abort();
}

void *ag_sc_malloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) ag_sc_out_of_memory();
  return p;
}

void *ag_sc_calloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (p == NULL) ag_sc_out_of_memory();
  return p;
}

void *ag_sc_realloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (p == NULL) ag_sc_out_of_memory();
  return p;
}

char *ag_sc_strdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(ag_sc_malloc(n), s, n);
}


/* printf into a fresh malloc'd string. */
char *ag_sc_vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) n = 0;
  char *s = ag_sc_malloc((size_t)n + 1);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

char *ag_sc_format(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = ag_sc_vformat(fmt, ap);
  va_end(ap);
  return s;
}

/* ==== Growable strings ==================================================== */


void ag_sc_buf_putn(ag_ScBuf *b, const char *s, size_t n) {
  GROW(b->data, b->cap, b->len + n + 1);
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void ag_sc_buf_puts(ag_ScBuf *b, const char *s) { ag_sc_buf_putn(b, s, strlen(s)); }

/* Append s and free it. */
void ag_sc_buf_put_owned(ag_ScBuf *b, char *s) {
  ag_sc_buf_puts(b, s);
  free(s);
}

const char *ag_sc_buf_str(const ag_ScBuf *b) { return b->data ? b->data : ""; }

void ag_sc_buf_truncate(ag_ScBuf *b, size_t len) {
  b->len = len;
  if (b->data) b->data[len] = '\0';
}

/* Hand the text over to the caller (a fresh "" when empty). */
char *ag_sc_buf_take(ag_ScBuf *b) {
  char *s = b->data ? b->data : ag_sc_strdup("");
  *b = (ag_ScBuf){0};
  return s;
}

/* ==== JSON pointers ======================================================= */

/* Append "/" and token escaped per RFC 6901; returns the previous length
** to pass to ag_sc_buf_truncate. */
size_t ag_sc_path_push_key(ag_ScBuf *path, const char *token) {
  size_t mark = path->len;
  ag_sc_buf_putn(path, "/", 1);
  for (const char *p = token; *p; p++) {
    if (*p == '~') ag_sc_buf_putn(path, "~0", 2);
    else if (*p == '/') ag_sc_buf_putn(path, "~1", 2);
    else ag_sc_buf_putn(path, p, 1);
  }
  return mark;
}

size_t ag_sc_path_push_index(ag_ScBuf *path, size_t i) {
  size_t mark = path->len;
  ag_sc_buf_put_owned(path, ag_sc_format("/%zu", i));
  return mark;
}

/* ==== Error lists ========================================================= */

void ag_schema_errors_init(ag_SchemaErrors *errs) {
  memset(errs, 0, sizeof *errs);
  errs->max = AG_SCHEMA_MAX_ERRORS;
  errs->max_steps = AG_SCHEMA_MAX_STEPS;
}

/* Free every error's strings and the array, then re-init errs keeping the
** limits the caller set (max, max_steps, deadline_ms), so one list can be
** reused across validations. */
void ag_schema_errors_free(ag_SchemaErrors *errs) {
  size_t max = errs->max;
  uint64_t max_steps = errs->max_steps;
  double deadline_ms = errs->deadline_ms;
  for (size_t i = 0; i < errs->count; i++) {
    free(errs->items[i].pointer);
    free(errs->items[i].message);
  }
  free(errs->items);
  ag_schema_errors_init(errs);
  errs->max = max;
  errs->max_steps = max_steps;
  errs->deadline_ms = deadline_ms;
}

size_t ag_schema_errors_count(const ag_SchemaErrors *errs) { return errs ? errs->count : 0; }

const char *ag_schema_error_pointer(const ag_SchemaErrors *errs, size_t i) {
  return errs && i < errs->count ? errs->items[i].pointer : NULL;
}

const char *ag_schema_error_message(const ag_SchemaErrors *errs, size_t i) {
  return errs && i < errs->count ? errs->items[i].message : NULL;
}

/* "pointer: message" lines joined by sep, and "... and N more errors" when
** some were dropped; errs may be NULL. The malloc'd result ("" when empty)
** is the caller's to free. */
char *ag_schema_errors_join(const ag_SchemaErrors *errs, const char *sep) {
  ag_ScBuf b = {0};
  for (size_t i = 0; errs && i < errs->count; i++) {
    if (i > 0) ag_sc_buf_puts(&b, sep);
    ag_sc_buf_put_owned(&b, ag_sc_format("%s: %s", errs->items[i].pointer, errs->items[i].message));
  }
  if (errs && errs->dropped > 0)
    ag_sc_buf_put_owned(&b, ag_sc_format("%s... and %zu more error%s", errs->count ? sep : "",
                                         errs->dropped, errs->dropped == 1 ? "" : "s"));
  return ag_sc_buf_take(&b);
}

/* Whether errs can take one more error (counting it as dropped if not). */
bool ag_sc_errs_room(ag_SchemaErrors *errs) {
  if (errs == NULL) return false;
  if (errs->count < errs->max) return true;
  errs->dropped++;
  return false;
}

/* Append an error, taking ownership of pointer and message. */
void ag_sc_errs_add(ag_SchemaErrors *errs, char *pointer, char *message) {
  GROW(errs->items, errs->cap, errs->count + 1);
  errs->items[errs->count].pointer = pointer;
  errs->items[errs->count].message = message;
  errs->count++;
}

/* ==== Showing values in messages ========================================== */

/* s as a JSON string literal, cut after AG_SCHEMA_SHOW_CHARS code points. */
char *ag_sc_show_string(const char *s) {
  ag_ScBuf b = {0};
  size_t chars = 0;
  ag_sc_buf_putn(&b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p & 0xC0) != 0x80 && chars++ == AG_SCHEMA_SHOW_CHARS) {
      ag_sc_buf_puts(&b, "...");
      break;
    }
    if (*p == '"' || *p == '\\') {
      ag_sc_buf_putn(&b, "\\", 1);
      ag_sc_buf_putn(&b, (const char *)p, 1);
    } else if (*p < 0x20) {
      ag_sc_buf_put_owned(&b, ag_sc_format("\\u%04x", *p));
    } else {
      ag_sc_buf_putn(&b, (const char *)p, 1);
    }
  }
  ag_sc_buf_putn(&b, "\"", 1);
  return ag_sc_buf_take(&b);
}

/* A number in its shortest round-tripping form. */
void ag_sc_show_number(double d, char out[40]) {
  if (d == floor(d) && fabs(d) < 1e17) {
    snprintf(out, 40, "%.0f", d);
    return;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(out, 40, "%.*g", prec, d);
    if (strtod(out, NULL) == d) return;
  }
}

/* Any value as compact JSON, cut at about 2 * AG_SCHEMA_SHOW_CHARS bytes. */
char *ag_sc_show(const cJSON *v) {
  if (cJSON_IsString(v)) return ag_sc_show_string(v->valuestring);
  if (cJSON_IsNumber(v)) {
    char num[40];
    ag_sc_show_number(v->valuedouble, num);
    return ag_sc_strdup(num);
  }
  char *text = cJSON_PrintUnformatted(v);
  if (text == NULL) ag_sc_out_of_memory();
  size_t len = strlen(text), cut = 2 * AG_SCHEMA_SHOW_CHARS;
  if (len > cut + 3) { /* room for the "..." that replaces the rest */
    while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80) cut--;
    strcpy(text + cut, "...");
  }
  return text;
}

/* ==== Member lookup ======================================================= */

/* Whether two names are equal, the first bytes compared before strcmp:
** names mostly differ there, and every call validates, fills and maps
** its arguments by name. */
bool ag_sc_same_name(const char *a, const char *b) { return a[0] == b[0] && strcmp(a, b) == 0; }

/* Like cJSON_GetObjectItemCaseSensitive, faster (ag_sc_same_name). */
const cJSON *ag_json_member(const cJSON *obj, const char *name) {
  if (obj == NULL || name == NULL) return NULL;
  for (const cJSON *m = obj->child; m != NULL; m = m->next)
    if (m->string != NULL && ag_sc_same_name(m->string, name)) return m;
  return NULL;
}


/* Free one node's compiled regexes and arrays. What it points into (the
** owned document, other nodes) is freed by ag_schema_free. */
static void sc_node_free(ag_ScNode *n) {
  for (size_t i = 0; i < n->npprops; i++) pcre2_code_free(n->pprops[i].re);
  pcre2_code_free(n->pattern);
  free(n->pprops);
  free(n->props);
  free(n->prefix.items);
  free(n->all.items);
  free(n->any.items);
  free(n->one.items);
  free(n);
}

/* Free every node (s->nodes lists them all, so shared and recursive $ref
** targets are freed once), the unsupported-keyword strings, the match
** context and the owned document. NULL is fine. */
void ag_schema_free(ag_Schema *s) {
  if (s == NULL) return;
  for (size_t i = 0; i < s->nnodes; i++) sc_node_free(s->nodes[i]);
  for (size_t i = 0; i < s->nunsup; i++) {
    free((char *)s->unsup[i].keyword);
    free((char *)s->unsup[i].pointer);
    free((char *)s->unsup[i].detail);
  }
  free(s->nodes);
  free(s->unsup);
  free(s->root_id);
  pcre2_match_context_free(s->mctx);
  cJSON_Delete(s->doc);
  free(s);
}

const char *ag_schema_unsupported(const ag_Schema *s) {
  return s && s->nunsup > 0 ? s->unsup[0].keyword : NULL;
}

size_t ag_schema_unsupported_count(const ag_Schema *s) { return s ? s->nunsup : 0; }

const ag_SchemaUnsupported *ag_schema_unsupported_at(const ag_Schema *s, size_t i) {
  return s && i < s->nunsup ? &s->unsup[i] : NULL;
}
