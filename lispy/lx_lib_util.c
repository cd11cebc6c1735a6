/*
** lx_lib_util.c -- argument checks and the string buffer shared by every
** builtin library.
*/
#define _GNU_SOURCE /* memmem: linear-time substring search */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_lib.h"

/* ========================================================================
** Argument checks
** ======================================================================== */

int64_t lx_check_int(lx_State *L, const char *fn, lx_Value v) {
  if (!lx_is(v, LX_INT)) lx_type_error(L, fn, "an integer", v);
  return v.as.i;
}

double lx_check_number(lx_State *L, const char *fn, lx_Value v) {
  if (lx_is(v, LX_INT)) return (double)v.as.i;
  if (!lx_is(v, LX_FLOAT)) lx_type_error(L, fn, "a number", v);
  return v.as.f;
}

lx_String *lx_check_string(lx_State *L, const char *fn, lx_Value v) {
  if (!lx_is(v, LX_STRING)) lx_type_error(L, fn, "a string", v);
  return lx_as_string(v);
}

/* The text of a string, or the name of a keyword or symbol (no colon);
** anything else raises a type error naming fn. */
lx_String *lx_check_strlike(lx_State *L, const char *fn, lx_Value v) {
  if (lx_is(v, LX_STRING)) return lx_as_string(v);
  if (lx_is(v, LX_KEYWORD) || lx_is(v, LX_SYMBOL)) return lx_as_symbol(v)->name;
  lx_type_error(L, fn, "a string, keyword or symbol", v);
}

lx_Dict *lx_check_dict(lx_State *L, const char *fn, lx_Value v) {
  if (!lx_is(v, LX_DICT)) lx_type_error(L, fn, "a dict", v);
  return lx_as_dict(v);
}

lx_Vector *lx_check_vector(lx_State *L, const char *fn, lx_Value v) {
  if (!lx_is(v, LX_VECTOR)) lx_type_error(L, fn, "a vector", v);
  return lx_as_vector(v);
}

/* The walk polls the deadline as it goes (callers charge for it). */
int64_t lx_check_list(lx_State *L, const char *fn, lx_Value v) {
  int64_t n = 0;
  lx_Value p = v;
  for (; p.tag == LX_PAIR; p = lx_cdr(p), n++) lx_paid_item(L);
  /* a cycle cannot be built (pairs are immutable), so the walk ends */
  if (p.tag != LX_EMPTY) lx_type_error(L, fn, "a proper list", v);
  return n;
}

void lx_check_callable(lx_State *L, const char *fn, lx_Value v) {
  if (!lx_is(v, LX_CLOSURE) && !lx_is(v, LX_NATIVE)) lx_type_error(L, fn, "a function", v);
}

/* An integer index in [0, limit), else "FN: index I out of range". */
size_t lx_check_index(lx_State *L, const char *fn, lx_Value v, size_t limit) {
  int64_t i = lx_check_int(L, fn, v);
  if (i < 0 || (uint64_t)i >= limit)
    lx_error(L, "%s: index %lld out of range (length %zu)", fn, (long long)i, limit);
  return (size_t)i;
}

/* A fresh vector of the items of a list or vector (nil: empty), which the
** caller may reorder or fill without touching seq; anything else raises.
** Charged for the items copied. */
lx_Vector *lx_seq_to_vector(lx_State *L, const char *fn, lx_Value seq) {
  if (lx_is(seq, LX_VECTOR)) {
    lx_Vector *src = lx_as_vector(seq);
    lx_Vector *v = lx_vector_new(L, src->len);
    if (src->len) memcpy(v->items, src->items, src->len * sizeof(lx_Value));
    v->len = src->len;
    lx_charge(L, lx_items_cost(src->len));
    return v;
  }
  if (lx_is(seq, LX_NIL)) return lx_vector_new(L, 0);
  int64_t n = lx_check_list(L, fn, seq);
  lx_charge(L, lx_items_cost((size_t)n));
  lx_Vector *v = lx_vector_new(L, (size_t)n);
  for (; lx_is(seq, LX_PAIR); seq = lx_cdr(seq)) {
    v->items[v->len++] = lx_car(seq);
    lx_paid_item(L);
  }
  return v;
}

/* The byte offset of the first needle in hay at or after off, or -1. The
** search runs memmem over windows of LX_COPY_CHUNK bytes (overlapping by
** needle->len - 1, so no match is missed), charging the bytes each window
** scanned before going on: a search of a huge string stays within the
** fuel and polls the deadline. An empty needle matches at off. */
ptrdiff_t lx_find_bytes(lx_State *L, const lx_String *hay, size_t off, const lx_String *needle) {
  if (needle->len == 0) return off <= hay->len ? (ptrdiff_t)off : -1;
  for (size_t at = off; at <= hay->len && hay->len - at >= needle->len; at += LX_COPY_CHUNK) {
    size_t span = hay->len - at, window = LX_COPY_CHUNK + needle->len - 1;
    if (span > window) span = window;
    const char *hit = memmem(hay->data + at, span, needle->data, needle->len);
    size_t scanned = hit ? (size_t)(hit - (hay->data + at)) + needle->len : span;
    lx_work(L, (int64_t)scanned);
    if (hit) return hit - hay->data;
  }
  return -1;
}

/* Define each builtin of a library's table in the base environment. */
void lx_register_fns(lx_State *L, const lx_LibFn *fns, size_t n) {
  for (size_t i = 0; i < n; i++)
    lx_defnative(L, fns[i].name, fns[i].fn, fns[i].min, fns[i].max, fns[i].params, fns[i].doc);
}

/* ========================================================================
** String buffer
** ======================================================================== */

/* An empty buffer: no storage until the first byte is added. */
void lx_buf_init(lx_State *L, lx_Buf *b) { *b = (lx_Buf){L, NULL, 0, 0, NULL, NULL}; }

/* See lx_lib.h: the buffer writes straight into t's storage. */
void lx_buf_init_text(lx_State *L, lx_Buf *b, lispy_Text *t) {
  *b = (lx_Buf){L, t->data, t->len, t->cap ? t->cap - 1 : 0, NULL, t};
}

/* Host storage: realloc the text (it stays the host's whatever happens). */
static void lx_buf_grow_text(lx_Buf *b, size_t ncap) {
  char *data = realloc(b->data, ncap + 1);
  if (data == NULL) lx_error(b->L, "out of memory");
  b->text->data = b->data = data;
  b->text->cap = ncap + 1;
  b->cap = ncap;
}

/* Grow to hold at least need bytes plus a NUL. GC-owned storage: the old
** one becomes garbage; the caller's protected region keeps the new one
** alive until the buffer is finished. */
void lx_buf_grow(lx_Buf *b, size_t need) {
  if (need <= b->cap && b->data != NULL) return;
  size_t ncap = b->cap ? b->cap * 2 : 64;
  while (ncap < need) ncap *= 2;
  if (b->text != NULL) {
    lx_buf_grow_text(b, ncap);
    return;
  }
  lx_Obj *saved = lx_protect_begin(b->L);
  lx_String *s = (lx_String *)lx_obj_new(b->L, LX_STRING, sizeof(lx_String) + ncap + 1);
  s->len = ncap;
  s->hash = 0;
  s->nchars = 0;
  if (b->len) memcpy(s->data, b->data, b->len);
  s->data[b->len] = '\0';
  b->store = s;
  b->data = s->data;
  b->cap = ncap;
  lx_protect_end(b->L, saved);
}

/* Decimal digits written backwards into a small array: printf would do,
** at several times the cost, and printers and the JSON writer add
** integers all the time. */
void lx_buf_add_int(lx_Buf *b, int64_t i) {
  char digits[24], *p = digits + sizeof digits;
  uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
  do *--p = (char)('0' + u % 10);
  while ((u /= 10) != 0);
  if (i < 0) *--p = '-';
  size_t n = (size_t)(digits + sizeof digits - p);
  char *out = lx_buf_extend(b, n);
  for (size_t k = 0; k < n; k++) out[k] = p[k]; /* a few bytes: no memcpy call */
}

/* Append printf-style text: formatted on the C stack when it fits 256
** bytes, else a second time straight into the grown buffer. An encoding
** error appends nothing. */
void lx_buf_addf(lx_Buf *b, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  if ((size_t)n < sizeof small) {
    lx_buf_add(b, small, (size_t)n);
    return;
  }
  lx_buf_grow(b, b->len + (size_t)n);
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

/* The buffer's bytes as a new sealed string (a copy: the store is left to
** the collector). */
lx_Value lx_buf_finish(lx_Buf *b) { return lx_string(b->L, lx_buf_data(b), b->len); }
