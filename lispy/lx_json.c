/*
** lx_json.c -- the JSON bridge between LisPy values and cJSON trees.
**
** JSON -> LisPy: objects become dicts with string keys, arrays become lists
** ('() when empty), integral numbers within int64 become integers, other
** numbers floats, null becomes nil. Strings must be valid UTF-8.
**
** LisPy -> cJSON runs in two passes so that nothing malloc'd is ever held
** across a call that may raise: lx_json_check validates the whole value
** (raising with a JSON pointer to the culprit), then a build pass that
** cannot raise makes the cJSON tree (returning NULL only when malloc fails).
**
** LisPy -> JSON text (json-encode, lispy_to_json_text) is one pass into a
** GC-owned buffer, so a raise leaks nothing: the writer hands anything
** unusual to lx_json_check, which raises for what JSON cannot carry.
**
** Every pass is bounded (JsonBound): a value with heavy sharing is small
** in the heap but its JSON is exponential, so the passes count the bytes
** the JSON comes to as they go and stop at the JSON cap (values leaving
** the state) or at what the memory limit still allows, charge fuel per
** value and poll the deadline, never first building what is too big.
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

/* Integers beyond +-2^53 do not survive a trip through a double; they are
** built as raw cJSON number text instead. */
#define JSON_SAFE_INT 9007199254740992LL

/* Hard ceiling of lispy_set_json_cap (sizes stay far from overflow). */
#define JSON_CAP_CEILING ((size_t)1 << 30)

/* ========================================================================
** Bounds: how big the JSON of a value may get
** ======================================================================== */

/* How big a pass may get. */
typedef struct JsonBound {
  size_t cap;  /* bytes of JSON text allowed (SIZE_MAX: none) */
  size_t room; /* bytes the memory limit still allows the pass
                              to malloc outside the heap (SIZE_MAX: none) */
} JsonBound;

void lispy_set_json_cap(lispy_State *L, size_t bytes) {
  L->json_cap = bytes > JSON_CAP_CEILING ? JSON_CAP_CEILING : bytes;
}

/* Bytes the memory limit still allows above what is in use (SIZE_MAX
** when the evaluation has no memory limit). */
static size_t json_mem_room(const lx_State *L) {
  if (L->budget.mem_limit == 0) return SIZE_MAX;
  size_t used = L->mem_used > L->budget.mem_base ? L->mem_used - L->budget.mem_base : 0;
  return used < L->budget.mem_limit ? L->budget.mem_limit - used : 0;
}

/* The bound of a pass: the JSON cap when the value leaves the state
** (leaving), and the memory limit's room when the pass mallocs outside
** the heap's accounting (outside: host text, cJSON trees). */
static JsonBound json_bound(const lx_State *L, bool leaving, bool outside) {
  JsonBound B = {SIZE_MAX, SIZE_MAX};
  if (leaving) B.cap = L->json_cap ? L->json_cap : LX_DEFAULT_JSON_CAP;
  if (outside) B.room = json_mem_room(L);
  return B;
}

/* Raise the limit error of a pass whose text passed the JSON cap: data
** limit "result", the message naming the cap. */
_Noreturn static void json_too_big(lx_State *L, const JsonBound *B) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Dict *data = lx_dict_new(L, 1);
  lx_dict_setc(L, data, "limit", lx_cstring(L, "result"));
  lx_protect_end(L, saved);
  lx_error_kind(L, "limit", lx_obj(data),
                "result too large: its JSON passes the %zu-byte cap on values leaving "
                "the sandbox (hint: return less, or a summary of it)",
                B->cap);
}

/* Text of `text` bytes and malloc'd bytes `outside` against B: past the
** cap a "result" limit error, past the memory room a memory one. */
static inline void json_within(lx_State *L, const JsonBound *B, size_t text, size_t outside) {
  if (text > B->cap) json_too_big(L, B);
  if (outside > B->room) lx_limit_error(L, "memory");
}

/* Once per LX_JSON_POLL_EVERY values: the deadline and the interrupt. */
static inline void json_poll(lx_State *L, unsigned *count) {
  if ((++*count & (LX_JSON_POLL_EVERY - 1)) == 0) lx_vm_poll(L);
}

/* ========================================================================
** Validation (pass 1)
** ======================================================================== */

typedef struct JsonCheck {
  lx_State *L;     /* allocates messages, raises the bound */
  bool charge;     /* charge fuel per element */
  bool for_cjson;  /* refuse strings with NUL bytes; count tree bytes */
  lx_Value msg;    /* failure message (string) once failed */
  lx_Vector *path; /* path segments, innermost first, on failure */
  JsonBound bound; /* raise once the sizes below pass it */
  size_t text;     /* bytes of compact text so far (a lower bound) */
  size_t tree;     /* bytes of cJSON tree so far (for_cjson) */
  unsigned polls;  /* values seen, for json_poll */
} JsonCheck;

/* Count what one more value or string comes to (text bytes, and tree
** bytes when building a tree); past the bound raise at once, so a value
** whose JSON is too big costs no more than the bound's worth of work. */
static inline void check_grow(JsonCheck *C, size_t text, size_t tree) {
  C->text += text;
  C->tree += tree;
  json_within(C->L, &C->bound, C->text, C->for_cjson ? C->tree : C->text);
}

static bool check_value(JsonCheck *C, lx_Value v);

/* Record the failure at the current value; the callers add the path. */
static bool check_fail(JsonCheck *C, lx_Value msg) {
  C->msg = msg;
  return false;
}

/* On the way out of a failed child, remember which key or index it was. */
static bool check_segment(JsonCheck *C, lx_Value seg) {
  if (C->path == NULL) C->path = lx_vector_new(C->L, 8);
  lx_vector_push(C->L, C->path, seg);
  return false;
}

/* A string (or name) that cJSON can carry: no NUL byte when for_cjson. */
static bool check_text(JsonCheck *C, const lx_String *s) {
  check_grow(C, s->len + 1, s->len + 1); /* (with the value's byte) quotes / a NUL */
  if (C->for_cjson && memchr(s->data, '\0', s->len) != NULL)
    return check_fail(C, lx_cstring(C->L, "cannot encode a string holding a NUL byte"));
  return true;
}

/* NaN and the infinities have no JSON form. */
static bool check_float(JsonCheck *C, double f) {
  if (isnan(f)) return check_fail(C, lx_cstring(C->L, "cannot encode NaN"));
  if (isinf(f)) return check_fail(C, lx_cstring(C->L, "cannot encode infinity"));
  return true;
}

/* Proper lists only; the index of a failing item joins the path. */
static bool check_list(JsonCheck *C, lx_Value v) {
  int64_t i = 0;
  for (; v.tag == LX_PAIR; v = lx_cdr(v), i++)
    if (!check_value(C, lx_car(v))) return check_segment(C, lx_int(i));
  if (v.tag != LX_EMPTY) return check_fail(C, lx_cstring(C->L, "cannot encode an improper list"));
  return true;
}

/* Every item; the index of a failing one joins the path. */
static bool check_vector(JsonCheck *C, const lx_Vector *vec) {
  for (size_t i = 0; i < vec->len; i++)
    if (!check_value(C, vec->items[i])) return check_segment(C, lx_int((int64_t)i));
  return true;
}

/* Keys: strings, keywords, symbols, or integers (whose decimal text must
** not also be present as a string key). */
static bool check_key(JsonCheck *C, lx_Dict *d, lx_Value k) {
  lx_State *L = C->L;
  if (lx_isstrlike(k)) return check_text(C, lx_strlike(k));
  if (k.tag == LX_SYMBOL) return check_text(C, lx_as_symbol(k)->name);
  if (k.tag != LX_INT)
    return check_fail(C, lx_stringf(L, "cannot use %s as an object key", lx_type_name(k)));
  char num[32];
  snprintf(num, sizeof num, "%" PRId64, k.as.i);
  lx_Value other;
  if (lx_dict_getc(L, d, num, &other))
    return check_fail(C, lx_stringf(L, "duplicate object key \"%s\"", num));
  return true;
}

/* Every key (check_key) and value; the key of a failing value joins the
** path. */
static bool check_dict(JsonCheck *C, lx_Dict *d) {
  lx_Value k, v;
  for (size_t it = 0; lx_dict_next(d, &it, &k, &v);) {
    if (!check_key(C, d, k)) return false;
    if (!check_value(C, v)) return check_segment(C, k);
  }
  return true;
}

/* One value; containers under the depth guard. Each value is at least a
** byte of text and a cJSON node of a tree. */
static bool check_value(JsonCheck *C, lx_Value v) {
  if (C->charge) lx_charge(C->L, 1);
  json_poll(C->L, &C->polls);
  check_grow(C, 1, sizeof(cJSON));
  switch (v.tag) {
    case LX_NIL:
    case LX_EMPTY:
    case LX_BOOL:
    case LX_INT: return true;
    case LX_FLOAT: return check_float(C, v.as.f);
    case LX_STRING:
    case LX_KEYWORD: return check_text(C, lx_strlike(v));
    case LX_SYMBOL: return check_text(C, lx_as_symbol(v)->name);
    case LX_PAIR:
    case LX_VECTOR:
    case LX_DICT: break;
    case LX_ERROR: v = lx_error_to_dict(C->L, v); break;
    default: return check_fail(C, lx_stringf(C->L, "cannot encode %s", lx_type_name(v)));
  }
  lx_c_enter(C->L);
  bool ok = v.tag == LX_PAIR     ? check_list(C, v)
            : v.tag == LX_VECTOR ? check_vector(C, lx_as_vector(v))
                                 : check_dict(C, lx_as_dict(v));
  lx_c_leave(C->L);
  return ok;
}

/* Append one JSON pointer segment: "/" then the name with ~ and / escaped. */
static void add_segment(lx_Buf *b, lx_Value seg) {
  lx_buf_addc(b, '/');
  if (seg.tag == LX_INT) {
    lx_buf_addf(b, "%" PRId64, seg.as.i);
    return;
  }
  const lx_String *s = seg.tag == LX_SYMBOL ? lx_as_symbol(seg)->name : lx_strlike(seg);
  for (size_t i = 0; i < s->len; i++) {
    if (s->data[i] == '~') lx_buf_adds(b, "~0");
    else if (s->data[i] == '/') lx_buf_adds(b, "~1");
    else lx_buf_addc(b, s->data[i]);
  }
}

/* Raise "json-encode: MESSAGE at /a/0" (no "at" for the value itself). */
_Noreturn static void check_raise(JsonCheck *C) {
  lx_Buf b;
  lx_buf_init(C->L, &b);
  lx_buf_adds(&b, "json-encode: ");
  lx_buf_add(&b, lx_as_string(C->msg)->data, lx_as_string(C->msg)->len);
  if (C->path != NULL) {
    lx_buf_adds(&b, " at ");
    for (size_t i = C->path->len; i-- > 0;) add_segment(&b, C->path->items[i]);
  }
  lx_Value msg = lx_buf_finish(&b);
  lx_error(C->L, "%s", lx_as_string(msg)->data);
}

/* The check under a given bound (json-encode's writer: none but memory;
** host conversions: the JSON cap too). */
static void json_check_bounded(lx_State *L, lx_Value v, bool charge, bool for_cjson,
                               JsonBound bound) {
  JsonCheck C = {L, charge, for_cjson, lx_nil(), NULL, bound, 0, 0, 0};
  lx_Obj *saved = lx_protect_begin(L);
  if (!check_value(&C, v)) check_raise(&C);
  lx_protect_end(L, saved);
}

/* See lx_json.h: the check with no JSON cap, bounded by the memory limit's
** room only when a cJSON tree (outside the heap) is to follow. */
void lx_json_check(lx_State *L, lx_Value v, bool charge, bool for_cjson) {
  json_check_bounded(L, v, charge, for_cjson, json_bound(L, false, for_cjson));
}

/* ========================================================================
** Building the cJSON tree (pass 2: never raises)
** ======================================================================== */

static cJSON *build_value(lx_Value v);

/* Integers exactly: numbers while a double holds them, else raw text. */
static cJSON *build_int(int64_t i) {
  if (i >= -JSON_SAFE_INT && i <= JSON_SAFE_INT) return cJSON_CreateNumber((double)i);
  char num[32];
  snprintf(num, sizeof num, "%" PRId64, i);
  return cJSON_CreateRaw(num);
}

/* Append the items of a list or vector to a fresh array. */
static cJSON *build_array(lx_Value v) {
  cJSON *arr = cJSON_CreateArray();
  if (arr == NULL) return NULL;
  size_t n = v.tag == LX_VECTOR ? lx_as_vector(v)->len : 0;
  for (size_t i = 0; v.tag == LX_PAIR || i < n; i++) {
    lx_Value x = v.tag == LX_VECTOR ? lx_as_vector(v)->items[i] : lx_car(v);
    if (v.tag == LX_PAIR) v = lx_cdr(v);
    cJSON *item = build_value(x);
    if (item == NULL || !cJSON_AddItemToArray(arr, item)) {
      cJSON_Delete(item);
      cJSON_Delete(arr);
      return NULL;
    }
  }
  return arr;
}

/* An object of d's entries in insertion order, integer keys written as
** their decimal text (lx_json_check ruled out clashes); NULL, with
** everything built so far freed, when out of memory. */
static cJSON *build_object(const lx_Dict *d) {
  cJSON *obj = cJSON_CreateObject();
  lx_Value k, v;
  char num[32];
  for (size_t it = 0; obj != NULL && lx_dict_next(d, &it, &k, &v);) {
    const char *key = num;
    if (k.tag == LX_INT) snprintf(num, sizeof num, "%" PRId64, k.as.i);
    else key = k.tag == LX_SYMBOL ? lx_as_symbol(k)->name->data : lx_strlike(k)->data;
    cJSON *item = build_value(v);
    if (item == NULL || !cJSON_AddItemToObject(obj, key, item)) {
      cJSON_Delete(item);
      cJSON_Delete(obj);
      obj = NULL;
    }
  }
  return obj;
}

/* An error value as {"kind", "message", "data", "trace"}. */
static cJSON *build_error(const lx_Error *e) {
  cJSON *obj = cJSON_CreateObject();
  const char *names[4] = {"kind", "message", "data", "trace"};
  lx_Value vals[4] = {e->kind, e->message, e->data,
                      lx_is(e->trace, LX_NIL) ? lx_empty() : e->trace};
  for (int i = 0; obj && i < 4; i++) {
    cJSON *item = build_value(vals[i]);
    if (!item || !cJSON_AddItemToObject(obj, names[i], item)) {
      cJSON_Delete(item);
      cJSON_Delete(obj);
      obj = NULL;
    }
  }
  return obj;
}

/* A value already accepted by lx_json_check; NULL when out of memory. */
static cJSON *build_value(lx_Value v) {
  switch (v.tag) {
    case LX_NIL: return cJSON_CreateNull();
    case LX_BOOL: return cJSON_CreateBool(v.as.b);
    case LX_INT: return build_int(v.as.i);
    case LX_FLOAT: return cJSON_CreateNumber(v.as.f);
    case LX_STRING:
    case LX_KEYWORD: return cJSON_CreateString(lx_strlike(v)->data);
    case LX_SYMBOL: return cJSON_CreateString(lx_as_symbol(v)->name->data);
    case LX_DICT: return build_object(lx_as_dict(v));
    case LX_ERROR: return build_error(lx_as_error(v));
    default: return build_array(v); /* '(), pairs, vectors */
  }
}

/* A cJSON tree of v for the host: checked first under the JSON cap and
** the memory limit's room (the tree is malloc'd outside the heap's
** accounting), so building it can neither raise nor grow unbounded. */
cJSON *lx_value_to_json(lx_State *L, lx_Value v) {
  json_check_bounded(L, v, true, true, json_bound(L, true, true));
  return build_value(v);
}

/* ========================================================================
** JSON text (json-encode, lispy_to_json_text): one pass, checked lazily
** ======================================================================== */

typedef struct JsonWriter {
  lx_State *L;     /* charged, polled, raises */
  lx_Buf *b;       /* where the text goes */
  lx_Value root;   /* the value being written */
  int indent;      /* spaces per level; 0 = compact */
  bool charge;     /* charge fuel per element and per LX_FUEL_BYTES bytes */
  bool verified;   /* lx_json_check has accepted root */
  JsonBound bound; /* what the text written may come to */
  size_t start;    /* b->len when writing began */
  unsigned polls;  /* values written, for json_poll */
} JsonWriter;

/* Before writing a value or a string of n more bytes: the text so far
** plus n within the bound (raises past it). */
static inline void write_within(JsonWriter *W, size_t n) {
  size_t text = W->b->len - W->start + n;
  json_within(W->L, &W->bound, text, text);
}

/* The writer met something unusual (a value JSON may not carry, an
** integer key that may clash with a string key): the checker decides,
** raising with the JSON pointer of the culprit. Values that pass go on
** being written. Checking only then keeps the common case one pass. */
static void write_verify(JsonWriter *W) {
  if (W->verified) return;
  json_check_bounded(W->L, W->root, W->charge, false, W->bound);
  W->verified = true;
}

static void write_value(JsonWriter *W, lx_Value v, int level);

/* Whether a byte goes into a JSON string as it is. */
static inline bool json_plain(char ch) {
  unsigned char c = (unsigned char)ch;
  return c >= 0x20 && c != '"' && c != '\\';
}

/* Length of the prefix of s that needs no escaping. */
static size_t json_plain_prefix(const char *s, size_t len) {
  size_t plain = 0;
  while (plain < len && json_plain(s[plain])) plain++;
  return plain;
}

/* A string literal of bytes that need no escaping (one capacity check). */
static inline void write_plain(JsonWriter *W, const char *s, size_t len) {
  char *p = lx_buf_extend(W->b, len + 2);
  p[0] = '"';
  memcpy(p + 1, s, len);
  p[len + 1] = '"';
}

/* A string literal whose first `plain` bytes need no escaping: ", \ and
** control characters escaped; other characters (valid UTF-8) copied as
** they are. */
static void write_escaped(JsonWriter *W, const char *s, size_t len, size_t plain) {
  assert(plain < len);
  lx_buf_addc(W->b, '"');
  size_t run = 0;
  for (size_t i = plain; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (json_plain(s[i])) continue;
    lx_buf_add(W->b, s + run, i - run);
    run = i + 1;
    switch (c) {
      case '"': lx_buf_adds(W->b, "\\\""); break;
      case '\\': lx_buf_adds(W->b, "\\\\"); break;
      case '\n': lx_buf_adds(W->b, "\\n"); break;
      case '\r': lx_buf_adds(W->b, "\\r"); break;
      case '\t': lx_buf_adds(W->b, "\\t"); break;
      case '\b': lx_buf_adds(W->b, "\\b"); break;
      case '\f': lx_buf_adds(W->b, "\\f"); break;
      default: lx_buf_addf(W->b, "\\u%04x", c); break;
    }
  }
  lx_buf_add(W->b, s + run, len - run);
  lx_buf_addc(W->b, '"');
}

/* A string object's literal. Whether it needs escaping is learned once
** and kept in its flags: strings are immutable, and keys (interned
** keyword names) are written again and again. */
static inline void write_str(JsonWriter *W, lx_String *s) {
  if (W->charge) lx_charge(W->L, (int64_t)(s->len / LX_FUEL_BYTES));
  write_within(W, s->len);
  if (!(s->h.flags & LX_STRING_JSON_KNOWN)) {
    bool plain = json_plain_prefix(s->data, s->len) == s->len;
    s->h.flags |= (uint16_t)(LX_STRING_JSON_KNOWN | (plain ? LX_STRING_JSON_PLAIN : 0));
  }
  if (s->h.flags & LX_STRING_JSON_PLAIN) write_plain(W, s->data, s->len);
  else write_escaped(W, s->data, s->len, json_plain_prefix(s->data, s->len));
}

/* Strings, keywords and symbols write their text; integers their digits. */
static void write_name(JsonWriter *W, lx_Value v) {
  if (v.tag == LX_INT) { /* a key (rare): its decimal text */
    char num[24];
    int n = snprintf(num, sizeof num, "%" PRId64, v.as.i);
    write_plain(W, num, (size_t)n);
    return;
  }
  write_str(W, v.tag == LX_SYMBOL ? lx_as_symbol(v)->name : lx_strlike(v));
}

/* An object key: strings, keywords and symbols; integers once the checker
** has ruled out a clash with a string key. */
static void write_key(JsonWriter *W, lx_Value k) {
  if (!lx_isstrlike(k) && k.tag != LX_SYMBOL) write_verify(W);
  write_name(W, k);
}

/* Before an item: a comma after the first, then in pretty mode a newline
** and the indentation of that level. */
static inline void write_sep(JsonWriter *W, bool first, int level) {
  if (!first) lx_buf_addc(W->b, ',');
  if (W->indent == 0) return;
  lx_buf_addc(W->b, '\n');
  for (int i = 0; i < level * W->indent; i++) lx_buf_addc(W->b, ' ');
}

/* A list or vector as a JSON array ('() is []), items indented one level
** deeper in pretty mode and the closing bracket on its own line unless
** empty. An improper list goes to the checker, which raises. */
static void write_array(JsonWriter *W, lx_Value v, int level) {
  bool first = true;
  lx_buf_addc(W->b, '[');
  if (v.tag == LX_VECTOR) {
    const lx_Vector *vec = lx_as_vector(v);
    for (size_t i = 0; i < vec->len; i++, first = false) {
      write_sep(W, first, level + 1);
      write_value(W, vec->items[i], level + 1);
    }
  } else {
    for (; v.tag == LX_PAIR; v = lx_cdr(v), first = false) {
      write_sep(W, first, level + 1);
      write_value(W, lx_car(v), level + 1);
    }
    if (v.tag != LX_EMPTY) { /* an improper list */
      write_verify(W);
      assert(!"lx_json_check accepted an improper list");
    }
  }
  if (!first && W->indent) write_sep(W, true, level);
  lx_buf_addc(W->b, ']');
}

/* A dict as a JSON object in insertion order, laid out like write_array;
** pretty mode puts ": " between key and value. */
static void write_object(JsonWriter *W, const lx_Dict *d, int level) {
  lx_Value k, v;
  bool first = true;
  lx_buf_addc(W->b, '{');
  for (size_t it = 0; lx_dict_next(d, &it, &k, &v); first = false) {
    write_sep(W, first, level + 1);
    write_key(W, k);
    if (W->indent) lx_buf_add(W->b, ": ", 2);
    else lx_buf_addc(W->b, ':');
    write_value(W, v, level + 1);
  }
  if (!first && W->indent) write_sep(W, true, level);
  lx_buf_addc(W->b, '}');
}

/* One value; what JSON cannot carry goes to write_verify, which raises. */
static void write_value(JsonWriter *W, lx_Value v, int level) {
  char num[48];
  if (W->charge) lx_charge(W->L, 1);
  json_poll(W->L, &W->polls);
  write_within(W, 0);
  switch (v.tag) {
    case LX_NIL: lx_buf_adds(W->b, "null"); return;
    case LX_BOOL: lx_buf_adds(W->b, v.as.b ? "true" : "false"); return;
    case LX_INT: lx_buf_add_int(W->b, v.as.i); return;
    case LX_FLOAT:
      if (!isfinite(v.as.f)) write_verify(W); /* raises */
      lx_format_float(v.as.f, num, sizeof num);
      lx_buf_adds(W->b, num);
      return;
    case LX_STRING:
    case LX_KEYWORD:
    case LX_SYMBOL: write_name(W, v); return;
    case LX_EMPTY:
    case LX_PAIR:
    case LX_VECTOR:
    case LX_DICT:
    case LX_ERROR: break;
    default:
      write_verify(W);
      assert(!"lx_json_check accepted a value the writer cannot write");
      return;
  }
  lx_c_enter(W->L);
  if (v.tag == LX_ERROR) v = lx_error_to_dict(W->L, v);
  if (v.tag == LX_DICT) write_object(W, lx_as_dict(v), level);
  else write_array(W, v, level);
  lx_c_leave(W->L);
}

/* Write v into b under a bound. */
static void json_write_bounded(lx_Buf *b, lx_Value v, int indent, bool charge, JsonBound bound) {
  JsonWriter W = {b->L, b, v, indent, charge, false, bound, b->len, 0};
  write_value(&W, v, 0);
}

/* See lx_json.h: json-encode's writer, bounded only by the memory limit
** (the buffer is in the heap, so the limit applies as it grows). */
void lx_json_write(lx_Buf *b, lx_Value v, int indent, bool charge) {
  json_write_bounded(b, v, indent, charge, json_bound(b->L, false, false));
}

/* ========================================================================
** cJSON -> LisPy
** ======================================================================== */

typedef struct JsonConv {
  lx_State *L; /* allocates the values, raises */
  bool charge; /* charge fuel per element */
} JsonConv;

static lx_Value conv_value(JsonConv *C, const cJSON *j);

/* The code points of s[0..len); raises unless it is valid UTF-8. */
static uint32_t conv_check_utf8(lx_State *L, const char *s, size_t len) {
  const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
  size_t i = 0;
  uint32_t count = 0;
  for (; i < len; count++) {
    if (p[i] < 0x80) {
      i++;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &cp);
    if (n <= 0) lx_error(L, "json: invalid UTF-8 in string");
    i += (size_t)n;
  }
  return count;
}

/* The check counts the code points, so the string needs no sealing. */
static lx_Value conv_string(JsonConv *C, const char *s) {
  size_t len = strlen(s);
  if (C->charge) lx_charge(C->L, (int64_t)(len / LX_FUEL_BYTES));
  uint32_t nchars = conv_check_utf8(C->L, s, len);
  lx_String *str = lx_string_uninit(C->L, len);
  memcpy(str->data, s, len);
  str->nchars = nchars;
  return lx_obj(str);
}

/* Integral doubles within int64 become integers, the rest floats. */
static lx_Value conv_number(double d) {
  if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == floor(d))
    return lx_int((int64_t)d);
  return lx_float(d);
}

/* Raw items (as lx_value_to_json makes for big integers): number text. */
static lx_Value conv_raw(JsonConv *C, const char *text) {
  char *end;
  errno = 0;
  long long i = strtoll(text, &end, 10);
  if (*text != '\0' && *end == '\0' && errno == 0) return lx_int((int64_t)i);
  double d = strtod(text, &end);
  if (*text != '\0' && *end == '\0') return lx_float(d);
  lx_error(C->L, "json: cannot convert raw JSON text");
}

/* A JSON array as a proper list built front to back ('() when empty). */
static lx_Value conv_array(JsonConv *C, const cJSON *j) {
  lx_Value head = lx_empty(), tail = lx_empty();
  for (const cJSON *it = j->child; it != NULL; it = it->next) {
    lx_Value cell = lx_cons(C->L, conv_value(C, it), lx_empty());
    if (tail.tag == LX_EMPTY) head = cell;
    else lx_as_pair(tail)->cdr = cell;
    tail = cell;
  }
  return head;
}

/* A JSON object as a dict with string keys, sized for its members up
** front; a repeated name keeps its first place and its last value. */
static lx_Value conv_object(JsonConv *C, const cJSON *j) {
  size_t n = 0;
  for (const cJSON *it = j->child; it != NULL; it = it->next) n++;
  lx_Dict *d = lx_dict_new(C->L, n);
  for (const cJSON *it = j->child; it != NULL; it = it->next) {
    lx_Value key = conv_string(C, it->string != NULL ? it->string : "");
    lx_dict_set(C->L, d, key, conv_value(C, it));
  }
  return lx_obj(d);
}

/* One cJSON item; arrays and objects under the depth guard. */
static lx_Value conv_value(JsonConv *C, const cJSON *j) {
  if (C->charge) lx_charge(C->L, 1);
  if (j == NULL) lx_error(C->L, "json: missing value");
  switch (j->type & 0xff) {
    case cJSON_NULL: return lx_nil();
    case cJSON_False: return lx_bool(false);
    case cJSON_True: return lx_bool(true);
    case cJSON_Number: /* cJSON reads 1e400 as infinity, which JSON cannot carry */
      if (isinf(j->valuedouble))
        lx_error(C->L, "json: number out of range (it overflows to infinity)");
      return conv_number(j->valuedouble);
    case cJSON_String: return conv_string(C, j->valuestring ? j->valuestring : "");
    case cJSON_Raw: return conv_raw(C, j->valuestring ? j->valuestring : "");
    case cJSON_Array:
    case cJSON_Object: break;
    default: lx_error(C->L, "json: invalid cJSON item");
  }
  lx_c_enter(C->L);
  lx_Value v = (j->type & 0xff) == cJSON_Array ? conv_array(C, j) : conv_object(C, j);
  lx_c_leave(C->L);
  return v;
}

/* Every object made is protected until the conversion returns; the value
** is the caller's to root. Raises on invalid UTF-8, on a number cJSON read
** as infinity, and past the depth guard. */
lx_Value lx_json_to_value(lx_State *L, const cJSON *j, bool charge) {
  JsonConv C = {L, charge};
  lx_Obj *saved = lx_protect_begin(L);
  lx_Value v = conv_value(&C, j);
  lx_protect_end(L, saved);
  return v;
}

/* ========================================================================
** Public API (lispy.h): protected conversions for hosts
** ======================================================================== */

typedef struct JsonCall {
  lx_Value value;   /* in: value to encode / out: decoded value */
  const cJSON *in;  /* in: tree to decode */
  cJSON *out;       /* out: encoded tree */
  lispy_Text *text; /* out: where JSON text is appended */
} JsonCall;

/* The host holds the value it encodes in a C variable only: keep it on
** the stack, a root, while checking may allocate (a pcall pops it). */
static void root_value(lx_State *L, lx_Value v) {
  lx_vm_reserve(L, L->sp + 1);
  L->stack[L->sp++] = v;
}

/* Host conversions run as API evaluations (lx_api_run): under the call's
** budget inside one, else under a fresh one, so they are charged fuel,
** polled for time and bounded like any work of the sandbox. */
static void to_json_body(lx_State *L, void *ud) {
  JsonCall *c = ud;
  root_value(L, c->value);
  c->out = lx_value_to_json(L, c->value);
  L->sp--;
}

/* Grow t to hold need more bytes and a NUL; false when out of memory. */
static bool text_reserve(lispy_Text *t, size_t need) {
  if (t->len + need < t->cap) return true;
  size_t cap = t->cap ? t->cap : 64;
  while (cap <= t->len + need) cap *= 2;
  char *data = realloc(t->data, cap);
  if (data == NULL) return false;
  t->data = data;
  t->cap = cap;
  return true;
}

bool lispy_text_add(lispy_Text *t, const char *s, size_t len) {
  if (!text_reserve(t, len)) return false;
  memcpy(t->data + t->len, s, len);
  t->len += len;
  t->data[t->len] = '\0';
  return true;
}

/* Append the compact JSON text of v to t, written in place (t->len moves
** only when all of it is there). v must be rooted. The text leaves the
** state and is malloc'd outside the heap: bounded by the JSON cap and the
** memory limit's room, and charged fuel. */
void lx_json_write_text(lx_State *L, lispy_Text *t, lx_Value v) {
  lx_Buf b;
  lx_buf_init_text(L, &b, t);
  json_write_bounded(&b, v, 0, true, json_bound(L, true, true));
  lx_buf_text_done(&b);
}

/* lispy_to_json_text's protected run: write v's text, v rooted meanwhile. */
static void to_text_body(lx_State *L, void *ud) {
  JsonCall *c = ud;
  root_value(L, c->value);
  lx_json_write_text(L, c->text, c->value);
  L->sp--;
}

/* The message of a failed conversion, into why. */
static void conversion_failed(lx_Value err, char *why, size_t whylen) {
  const char *msg = "cannot encode value";
  if (err.tag == LX_ERROR && lx_isstrlike(lx_as_error(err)->message))
    msg = lx_strlike(lx_as_error(err)->message)->data;
  if (why != NULL && whylen > 0) snprintf(why, whylen, "%s", msg);
}

/* lispy_from_json's protected run (uncharged: see lispy_from_json). */
static void from_json_body(lx_State *L, void *ud) {
  JsonCall *c = ud;
  c->value = lx_json_to_value(L, c->in, false);
}

/* Re-raise err from a native, as it is (kind, data and trace kept). */
_Noreturn void lispy_rethrow(lispy_State *L, lispy_Value err) { lx_throw(L, err); }

/* An API evaluation (to_json_body). On failure why gets the error's
** message, "out of memory" when cJSON's malloc failed; the caller owns
** the tree (cJSON_Delete). */
cJSON *lispy_to_json(lispy_State *L, lispy_Value v, char *why, size_t whylen) {
  JsonCall c = {v, NULL, NULL, NULL};
  if (lx_api_run(L, to_json_body, &c) != LISPY_OK) {
    conversion_failed(L->last_error, why, whylen);
    return NULL;
  }
  if (c.out == NULL && why != NULL && whylen > 0) snprintf(why, whylen, "out of memory");
  return c.out;
}

/* An API evaluation (to_text_body); on failure out's text is dropped back
** to where it was (out->len never moved) and why gets the message. */
int lispy_to_json_text(lispy_State *L, lispy_Value v, lispy_Text *out, char *why, size_t whylen) {
  JsonCall c = {v, NULL, NULL, out};
  if (lx_api_run(L, to_text_body, &c) == LISPY_OK) return LISPY_OK;
  if (out->data != NULL) out->data[out->len] = '\0'; /* drop the partial text */
  conversion_failed(L->last_error, why, whylen);
  return LISPY_ERROR;
}

/* Not an API evaluation: a plain protected run, uncharged, inside the
** running evaluation's memory limit when there is one. *out is not
** rooted; on failure it is nil and the error is in lispy_last_error. */
int lispy_from_json(lispy_State *L, const cJSON *json, lispy_Value *out) {
  JsonCall c = {lx_nil(), json, NULL, NULL};
  lx_Value err;
  if (!lx_pcall(L, from_json_body, &c, &err)) {
    L->last_error = err;
    if (out != NULL) *out = lx_nil();
    return LISPY_ERROR;
  }
  if (out != NULL) *out = c.value;
  return LISPY_OK;
}
