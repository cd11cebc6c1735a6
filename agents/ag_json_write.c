/*
** ag_json_write.c -- the one JSON writer for what lispy prints.
**
** ag_json_print writes a cJSON tree compact (one line, no spaces, as
** cJSON_PrintUnformatted) or pretty (2-space indent, "key": value, empty
** arrays and objects as [] and {}). Strings are escaped as cJSON does
** (\" \\ \b \f \n \r \t, other control characters \u00XX, every other byte
** as is, so valid UTF-8 passes through). Numbers: integer-valued doubles
** within 2^53 as integers, other doubles as the shortest %.Ng (N 1..17)
** that strtod reads back identical (0.005356, not 0.00535599997965619);
** NaN and infinities, which JSON lacks, as null. Raw items verbatim.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ag_config.h"
#include "agents.h"

typedef struct agj_Buf {
  char *data;
  size_t len, cap;
  bool failed; /* out of memory or too deep: the result is NULL */
} agj_Buf;

/* Append n bytes of s; on failure mark b failed. */
static void agj_add(agj_Buf *b, const char *s, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
      b->failed = true;
      return;
    }
    b->data = d, b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void agj_puts(agj_Buf *b, const char *s) { agj_add(b, s, strlen(s)); }

/* A newline and 2 spaces per level (pretty only). */
static void agj_newline(agj_Buf *b, bool pretty, int depth) {
  if (!pretty) return;
  agj_add(b, "\n", 1);
  for (int i = 0; i < depth; i++) agj_add(b, "  ", 2);
}

/* s as a JSON string literal. */
static void agj_string(agj_Buf *b, const char *s) {
  agj_add(b, "\"", 1);
  const unsigned char *p = (const unsigned char *)(s ? s : "");
  while (*p) {
    const unsigned char *run = p;
    while (*p >= 0x20 && *p != '"' && *p != '\\') p++;
    agj_add(b, (const char *)run, (size_t)(p - run));
    if (!*p) break;
    char esc[8];
    switch (*p) {
      case '"': strcpy(esc, "\\\""); break;
      case '\\': strcpy(esc, "\\\\"); break;
      case '\b': strcpy(esc, "\\b"); break;
      case '\f': strcpy(esc, "\\f"); break;
      case '\n': strcpy(esc, "\\n"); break;
      case '\r': strcpy(esc, "\\r"); break;
      case '\t': strcpy(esc, "\\t"); break;
      default: snprintf(esc, sizeof esc, "\\u%04x", *p); break;
    }
    agj_puts(b, esc);
    p++;
  }
  agj_add(b, "\"", 1);
}

/* d's shortest text that reads back as d (see the file comment). The
** decimal separator is '.' whatever the locale. */
static void agj_number(agj_Buf *b, double d) {
  char tmp[64];
  if (isnan(d) || isinf(d)) {
    agj_puts(b, "null");
    return;
  }
  if (d == floor(d) && fabs(d) <= 9007199254740992.0) {
    snprintf(tmp, sizeof tmp, "%.0f", d);
  } else {
    for (int digits = 1; digits <= 17; digits++) {
      snprintf(tmp, sizeof tmp, "%.*g", digits, d);
      for (char *p = tmp; *p; p++)
        if (*p == ',') *p = '.';
      if (strtod(tmp, NULL) == d) break;
    }
  }
  agj_puts(b, tmp);
}

static void agj_value(agj_Buf *b, const cJSON *j, bool pretty, int depth);

/* The items of an array or object (open and close are "[]" or "{}"). */
static void agj_container(agj_Buf *b, const cJSON *j, bool pretty, int depth, const char *oc) {
  if (depth >= AG_JSON_PRINT_MAX_DEPTH) {
    b->failed = true;
    return;
  }
  agj_add(b, oc, 1);
  bool object = oc[0] == '{';
  const cJSON *it;
  for (it = j->child; it && !b->failed; it = it->next) {
    if (it != j->child) agj_add(b, ",", 1);
    agj_newline(b, pretty, depth + 1);
    if (object) {
      agj_string(b, it->string);
      agj_add(b, pretty ? ": " : ":", pretty ? 2 : 1);
    }
    agj_value(b, it, pretty, depth + 1);
  }
  if (j->child) agj_newline(b, pretty, depth);
  agj_add(b, oc + 1, 1);
}

static void agj_value(agj_Buf *b, const cJSON *j, bool pretty, int depth) {
  switch (j->type & 0xFF) {
    case cJSON_False: agj_puts(b, "false"); break;
    case cJSON_True: agj_puts(b, "true"); break;
    case cJSON_NULL: agj_puts(b, "null"); break;
    case cJSON_Number: agj_number(b, j->valuedouble); break;
    case cJSON_String: agj_string(b, j->valuestring); break;
    case cJSON_Raw: agj_puts(b, j->valuestring ? j->valuestring : "null"); break;
    case cJSON_Array: agj_container(b, j, pretty, depth, "[]"); break;
    case cJSON_Object: agj_container(b, j, pretty, depth, "{}"); break;
    default: b->failed = true; break;
  }
}

char *ag_json_print(const cJSON *j, bool pretty) {
  if (!j) return NULL;
  agj_Buf b = {0};
  agj_value(&b, j, pretty, 0);
  if (!b.failed && !b.data) agj_add(&b, "", 0);
  if (b.failed) {
    free(b.data);
    return NULL;
  }
  return b.data;
}

/* The length of the string literal starting at s (s[0] == '"'), quotes
** included; up to the end if it is unterminated. */
static size_t agj_string_len(const char *s) {
  size_t i = 1;
  while (s[i] && s[i] != '"') i += s[i] == '\\' && s[i + 1] ? 2 : 1;
  return s[i] ? i + 1 : i;
}

char *ag_json_reindent(const char *s) {
  if (!s) return NULL;
  agj_Buf b = {0};
  int depth = 0;
  for (size_t i = 0; s[i] && !b.failed;) {
    char c = s[i];
    if (c == '"') {
      size_t n = agj_string_len(s + i);
      agj_add(&b, s + i, n);
      i += n;
    } else if ((c == '{' && s[i + 1] == '}') || (c == '[' && s[i + 1] == ']')) {
      agj_add(&b, s + i, 2), i += 2;
    } else if (c == '{' || c == '[') {
      if (++depth > AG_JSON_PRINT_MAX_DEPTH) b.failed = true;
      agj_add(&b, &c, 1), agj_newline(&b, true, depth), i++;
    } else if (c == '}' || c == ']') {
      agj_newline(&b, true, depth > 0 ? --depth : 0), agj_add(&b, &c, 1), i++;
    } else if (c == ',') {
      agj_add(&b, ",", 1), agj_newline(&b, true, depth), i++;
    } else if (c == ':') {
      agj_add(&b, ": ", 2), i++;
    } else {
      agj_add(&b, &c, 1), i++;
    }
  }
  if (!b.failed && !b.data) agj_add(&b, "", 0);
  if (b.failed) {
    free(b.data);
    return NULL;
  }
  return b.data;
}
