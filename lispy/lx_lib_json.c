/*
** lx_lib_json.c -- the json-parse and json-encode builtins.
**
** json-parse reads text with cJSON (the whole string must be one JSON
** value, surrounded only by whitespace) and converts the tree in a
** protected call, so the malloc'd tree is freed whatever happens.
** json-encode writes the text with lx_json_write (lx_json.c), which
** raises naming the JSON pointer of anything JSON cannot carry.
*/
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "lx_json.h"

/* ========================================================================
** json-parse
** ======================================================================== */

static bool json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Deepest [ / { nesting reached in s[0..upto), skipping strings. */
static int nesting_before(const char *s, size_t upto) {
  int depth = 0, max = 0;
  bool in_str = false;
  for (size_t i = 0; i < upto; i++) {
    char c = s[i];
    if (in_str) {
      if (c == '\\') i++;
      else if (c == '"') in_str = false;
    } else if (c == '"') {
      in_str = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) max = depth;
    } else if (c == ']' || c == '}') {
      depth--;
    }
  }
  return max;
}

/* Raise "json-parse: invalid JSON at line L col C near "...""; input
** nested past cJSON's limit is a depth limit error instead. */
_Noreturn static void parse_error(lx_State *L, const lx_String *s, const char *at) {
  size_t off = at != NULL && at >= s->data && at <= s->data + s->len
                   ? (size_t)(at - s->data) : s->len;
  if (nesting_before(s->data, off) >= CJSON_NESTING_LIMIT) lx_limit_error(L, "depth");
  unsigned line = 1, col = 1;
  for (size_t i = 0; i < off; i++) {
    if (s->data[i] == '\n') { line++; col = 1; }
    else if (((unsigned char)s->data[i] & 0xC0) != 0x80) col++;
  }
  if (off >= s->len)
    lx_error(L, "json-parse: invalid JSON at line %u col %u: unexpected end of input",
             line, col);
  char near[24];
  size_t n = 0;
  for (size_t i = off; i < s->len && n < 16; i++) {
    unsigned char c = (unsigned char)s->data[i];
    if (n >= 12 && (c & 0xC0) != 0x80) break;   /* stop at a character boundary */
    near[n++] = (c < 0x20 || c == '"') ? ' ' : (char)c;
  }
  near[n] = '\0';
  lx_error(L, "json-parse: invalid JSON at line %u col %u near \"%s\"", line, col, near);
}

/* True if s holds a \u0000 escape (an odd run of backslashes before "u0000"):
** cJSON strings end at the first NUL, so such text would be cut silently. */
static bool has_nul_escape(const lx_String *s) {
  const char *p = s->data, *end = s->data + s->len;
  while ((p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
    size_t run = 0;
    while (p + run < end && p[run] == '\\') run++;
    p += run;
    if (run % 2 == 1 && end - p >= 5 && memcmp(p, "u0000", 5) == 0) return true;
  }
  return false;
}

typedef struct ParseCall {
  const cJSON *tree;       /* in */
  lx_Value value;          /* out */
} ParseCall;

static void parse_convert(lx_State *L, void *ud) {
  ParseCall *c = ud;
  c->value = lx_json_to_value(L, c->tree, true);
}

/* Parse with cJSON, require only whitespace after the value, convert under
** lx_pcall, free the tree, and re-raise a conversion error if any. */
static lx_Value bi_json_parse(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "json-parse", argv[0]);
  lx_charge(L, 1 + (int64_t)(s->len >> 5));
  const char *end = NULL;
  cJSON *tree = cJSON_ParseWithLengthOpts(s->data, s->len, &end, false);
  if (tree == NULL) parse_error(L, s, end);
  const char *stop = s->data + s->len;
  while (end != NULL && end < stop && json_space(*end)) end++;
  if (end != stop) {
    cJSON_Delete(tree);
    parse_error(L, s, end);
  }
  if (has_nul_escape(s)) {
    cJSON_Delete(tree);
    lx_error(L, "json-parse: strings holding \\u0000 are not supported");
  }
  ParseCall c = { tree, lx_nil() };
  lx_Value err;
  bool ok = lx_pcall(L, parse_convert, &c, &err);
  cJSON_Delete(tree);
  if (!ok) lx_throw(L, err);
  return c.value;
}

/* ========================================================================
** json-encode
** ======================================================================== */

/* (json-encode v [pretty]) => JSON text; pretty indents by 2 spaces. */
static lx_Value bi_json_encode(lx_State *L, int argc, lx_Value *argv) {
  lx_Buf b;
  lx_buf_init(L, &b);
  lx_json_write(&b, argv[0], argc > 1 && lx_truthy(argv[1]) ? 2 : 0, true);
  return lx_buf_finish(&b);
}

/* ========================================================================
** Registration
** ======================================================================== */

void lx_lib_json_open(lx_State *L) {
  lx_defnative(L, "json-parse", bi_json_parse, 1, 1, "(text)",
               "Parse JSON text: objects -> dicts (string keys), arrays -> lists, null -> nil.");
  lx_defnative(L, "json-encode", bi_json_encode, 1, 2, "(value [pretty])",
               "Encode a value as JSON text; with a true pretty, indent by 2 spaces.");
}
