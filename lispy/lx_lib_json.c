/*
** lx_lib_json.c -- the json-parse and json-encode builtins.
**
** json-parse reads the text itself, straight into LisPy values (no cJSON
** tree, so the memory limit sees everything it makes), strictly: the
** whole string must be one JSON value, surrounded only by white space.
** json-encode writes the text with lx_json_write (lx_json.c), which
** raises naming the JSON pointer of anything JSON cannot carry.
*/
#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lx_json.h"

/* ========================================================================
** json-parse: a strict RFC 8259 reader straight into LisPy values
** ======================================================================== */

/* No intermediate cJSON tree: every value is allocated on the heap as it
** is read, so the memory limit counts all of it, and errors are precise.
** Objects become dicts with string keys (a duplicate key keeps the last
** value), arrays lists, integers that fit int64 integers (exactly, from
** their digits), other numbers floats (an integral one within int64 an
** integer, as before). Refused with an error giving line and column:
** anything but white space after the value, control characters and
** invalid UTF-8 in strings, invalid escapes (\u needs four hex digits and
** surrogates must pair), numbers that overflow to infinity. Nesting past
** the C depth guard is a depth limit error that says so. */

typedef struct JsonParser {
  lx_State *L;
  const lx_String *src; /* the text (only its start and length are read) */
  const char *p;        /* next byte */
  const char *end;      /* one past the last byte */
  unsigned polls;       /* values read, for polling the deadline */
} JsonParser;

/* Raise "json-parse: invalid JSON at line L col C: WHAT near "..."" for
** the byte at `at` (the snippet is at most 12 characters, never the whole
** argument; at the end of input it says so instead). */
_Noreturn static void jp_fail(JsonParser *P, const char *at, const char *what) {
  const lx_String *s = P->src;
  size_t off = (size_t)(at - s->data);
  unsigned line = 1, col = 1;
  for (size_t i = 0; i < off; i++) {
    if (s->data[i] == '\n') {
      line++;
      col = 1;
    } else if (((unsigned char)s->data[i] & 0xC0) != 0x80) col++;
  }
  if (off >= s->len)
    lx_error(P->L, "json-parse: invalid JSON at line %u col %u: unexpected end of input", line,
             col);
  char near[24];
  size_t n = 0;
  for (size_t i = off; i < s->len && n < 16; i++) {
    unsigned char c = (unsigned char)s->data[i];
    if (n >= 12 && (c & 0xC0) != 0x80) break; /* stop at a character boundary */
    near[n++] = (c < 0x20 || c == '"' || c == '\\') ? ' ' : (char)c;
  }
  near[n] = '\0';
  lx_error(P->L, "json-parse: invalid JSON at line %u col %u: %s near \"%s\"", line, col, what,
           near);
}

/* Nesting past the C depth guard: a depth limit error naming the cause. */
_Noreturn static void jp_too_deep(JsonParser *P) {
  lx_State *L = P->L;
  lx_Obj *saved = lx_protect_begin(L);
  lx_Dict *data = lx_dict_new(L, 1);
  lx_dict_setc(L, data, "limit", lx_cstring(L, "depth"));
  lx_protect_end(L, saved);
  lx_error_kind(L, "limit", lx_obj(data),
                "json-parse: JSON nested too deeply (past the depth limit of %d levels of arrays "
                "and objects)",
                LX_MAX_C_DEPTH);
}

static bool json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

static void jp_space(JsonParser *P) {
  while (P->p < P->end && json_space(*P->p)) P->p++;
}

/* The next byte, or -1 at the end of input. */
static int jp_peek(const JsonParser *P) { return P->p < P->end ? (unsigned char)*P->p : -1; }

static bool jp_digit(int c) { return c >= '0' && c <= '9'; }

/* The literal word (true, false, null) at P->p. */
static void jp_word(JsonParser *P, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(P->end - P->p) < n || memcmp(P->p, word, n) != 0)
    jp_fail(P, P->p, "unexpected character");
  P->p += n;
}

/* The value of one hex digit, or -1. */
static int jp_hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The four hex digits after "\u" at q (q points at the backslash), or
** raises. */
static uint32_t jp_hex4(JsonParser *P, const char *q) {
  if (P->end - q < 6) jp_fail(P, q, "invalid \\u escape (four hex digits expected)");
  uint32_t v = 0;
  for (int i = 2; i < 6; i++) {
    int h = jp_hex(q[i]);
    if (h < 0) jp_fail(P, q, "invalid \\u escape (four hex digits expected)");
    v = v * 16 + (uint32_t)h;
  }
  return v;
}

/* The escape at q (a backslash): its code point in *cp, the bytes it
** takes as the result. Surrogates must come as a high-low pair. */
static size_t jp_escape(JsonParser *P, const char *q, int32_t *cp) {
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  if (P->end - q < 2) jp_fail(P, q + 1, "unterminated string");
  const char *e = q[1] != '\0' ? strchr(from, q[1]) : NULL;
  if (e != NULL) {
    *cp = (unsigned char)to[e - from];
    return 2;
  }
  if (q[1] != 'u')
    jp_fail(P, q, "invalid escape (use \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)");
  uint32_t hi = jp_hex4(P, q);
  if (hi >= 0xDC00 && hi <= 0xDFFF) jp_fail(P, q, "invalid \\u escape (unpaired low surrogate)");
  if (hi < 0xD800 || hi > 0xDBFF) {
    *cp = (int32_t)hi;
    return 6;
  }
  if (P->end - q < 12 || q[6] != '\\' || q[7] != 'u')
    jp_fail(P, q, "invalid \\u escape (unpaired high surrogate)");
  uint32_t lo = jp_hex4(P, q + 6);
  if (lo < 0xDC00 || lo > 0xDFFF) jp_fail(P, q, "invalid \\u escape (unpaired high surrogate)");
  *cp = (int32_t)(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00));
  return 12;
}

/* Bytes of the UTF-8 encoding of a code point. */
static size_t jp_utf8_len(int32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* A string: one pass finds its end, checks it and measures it, a second
** decodes it into a string of the exact size. */
static lx_Value jp_string(JsonParser *P) {
  const char *s = P->p + 1, *q = s;
  size_t len = 0;
  uint32_t nchars = 0;
  int32_t cp;
  for (;; nchars++) {
    if (q >= P->end) jp_fail(P, q, "unterminated string");
    unsigned char c = (unsigned char)*q;
    if (c == '"') break;
    if (c < 0x20) jp_fail(P, q, "control character in a string (escape it)");
    if (c == '\\') {
      q += jp_escape(P, q, &cp);
      len += jp_utf8_len(cp);
    } else if (c < 0x80) {
      q++;
      len++;
    } else {
      utf8proc_ssize_t n =
          utf8proc_iterate((const utf8proc_uint8_t *)q, (utf8proc_ssize_t)(P->end - q), &cp);
      if (n <= 0) jp_fail(P, q, "invalid UTF-8 in a string");
      q += n;
      len += (size_t)n;
    }
  }
  lx_charge(P->L, (int64_t)((size_t)(q - s) / LX_FUEL_BYTES));
  lx_String *str = lx_string_uninit(P->L, len);
  char *o = str->data;
  for (const char *r = s; r < q;) {
    if (*r != '\\') {
      *o++ = *r++;
      continue;
    }
    r += jp_escape(P, r, &cp);
    o += utf8proc_encode_char(cp, (utf8proc_uint8_t *)o);
  }
  assert(o == str->data + len);
  str->nchars = nchars;
  P->p = q + 1;
  return lx_obj(str);
}

/* Skip a run of digits; raises unless there is at least one. */
static void jp_digits(JsonParser *P) {
  if (!jp_digit(jp_peek(P))) jp_fail(P, P->p, "invalid number (a digit expected)");
  while (jp_digit(jp_peek(P))) P->p++;
}

/* A number: integers exactly while they fit int64, others as doubles
** (integral ones within int64 as integers); overflow to infinity is an
** error. The text is copied for strtod/strtoll, which need a terminator
** and accept more than JSON does. */
static lx_Value jp_number(JsonParser *P) {
  const char *s = P->p;
  bool integral = true;
  if (jp_peek(P) == '-') P->p++;
  if (jp_peek(P) == '0') P->p++;
  else jp_digits(P);
  if (jp_peek(P) == '.') {
    P->p++;
    jp_digits(P);
    integral = false;
  }
  if (jp_peek(P) == 'e' || jp_peek(P) == 'E') {
    P->p++;
    if (jp_peek(P) == '+' || jp_peek(P) == '-') P->p++;
    jp_digits(P);
    integral = false;
  }
  size_t n = (size_t)(P->p - s);
  char small[64];
  const char *text = small;
  if (n < sizeof small) {
    memcpy(small, s, n);
    small[n] = '\0';
  } else {
    lx_charge(P->L, (int64_t)(n / LX_FUEL_BYTES));
    text = lx_as_string(lx_string(P->L, s, n))->data; /* a long one: on the heap */
  }
  if (integral) {
    errno = 0;
    long long i = strtoll(text, NULL, 10);
    if (errno == 0) return lx_int((int64_t)i);
  }
  double d = strtod(text, NULL);
  if (isinf(d)) jp_fail(P, s, "number out of range (it overflows to infinity)");
  if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == floor(d))
    return lx_int((int64_t)d);
  return lx_float(d);
}

static lx_Value jp_value(JsonParser *P);

/* Enter one more level of nesting (P->p at the bracket). */
static void jp_enter(JsonParser *P) {
  if (P->L->c_depth >= LX_MAX_C_DEPTH) jp_too_deep(P);
  P->L->c_depth++;
  P->p++;
  jp_space(P);
}

/* After an item: "," (true: another item follows) or the closing byte. */
static bool jp_next(JsonParser *P, char close, const char *what) {
  jp_space(P);
  int c = jp_peek(P);
  if (c == ',') {
    P->p++;
    return true;
  }
  if (c == close) {
    P->p++;
    return false;
  }
  jp_fail(P, P->p, what);
}

/* [v, ...] as a proper list built front to back ('() when empty), P->p at
** the '['. The depth counted by jp_enter is given back here; on an error
** the protected call that catches it restores the count. */
static lx_Value jp_array(JsonParser *P) {
  jp_enter(P);
  lx_Value head = lx_empty(), tail = lx_empty();
  if (jp_peek(P) == ']') P->p++;
  else do {
      lx_Value cell = lx_cons(P->L, jp_value(P), lx_empty());
      if (tail.tag == LX_EMPTY) head = cell;
      else lx_as_pair(tail)->cdr = cell;
      tail = cell;
    } while (jp_next(P, ']', "',' or ']' expected"));
  P->L->c_depth--;
  return head;
}

/* {"k": v, ...} as a dict with string keys in document order, P->p at the
** '{'; a repeated key keeps its first place and its last value. */
static lx_Value jp_object(JsonParser *P) {
  jp_enter(P);
  lx_Dict *d = lx_dict_new(P->L, 0);
  if (jp_peek(P) == '}') P->p++;
  else do {
      jp_space(P);
      if (jp_peek(P) != '"') jp_fail(P, P->p, "a string key expected");
      lx_Value key = jp_string(P);
      jp_space(P);
      if (jp_peek(P) != ':') jp_fail(P, P->p, "':' expected");
      P->p++;
      lx_dict_set(P->L, d, key, jp_value(P));
    } while (jp_next(P, '}', "',' or '}' expected"));
  P->L->c_depth--;
  return lx_obj(d);
}

/* One value: a fuel unit each, the deadline polled every so often. */
static lx_Value jp_value(JsonParser *P) {
  lx_charge(P->L, 1);
  if ((++P->polls & (LX_JSON_POLL_EVERY - 1)) == 0) lx_vm_poll(P->L);
  jp_space(P);
  switch (jp_peek(P)) {
    case '{': return jp_object(P);
    case '[': return jp_array(P);
    case '"': return jp_string(P);
    case 't': jp_word(P, "true"); return lx_bool(true);
    case 'f': jp_word(P, "false"); return lx_bool(false);
    case 'n': jp_word(P, "null"); return lx_nil();
    case -1: jp_fail(P, P->p, "unexpected end of input");
    default:
      if (jp_peek(P) == '-' || jp_digit(jp_peek(P))) return jp_number(P);
      jp_fail(P, P->p, "unexpected character");
  }
}

/* (json-parse text): the one JSON value text holds, surrounded only by
** white space. The values are built in a protected region (roots until
** it ends); an error raised midway leaves them to the collector. */
static lx_Value bi_json_parse(lx_State *L, int argc, lx_Value *argv) {
  (void)argc;
  lx_String *s = lx_check_string(L, "json-parse", argv[0]);
  lx_charge(L, 1 + (int64_t)(s->len / LX_FUEL_SCAN_BYTES));
  JsonParser P = {L, s, s->data, s->data + s->len, 0};
  lx_Obj *saved = lx_protect_begin(L);
  lx_Value v = jp_value(&P);
  jp_space(&P);
  if (P.p != P.end) jp_fail(&P, P.p, "text after the JSON value");
  lx_protect_end(L, saved);
  return v;
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
