/*
** lx_lib.h -- helpers shared by the builtin libraries (lx_lib_*.c), the
** printer, the reader and the compiler. Internal to lispy/.
*/
#ifndef LX_LIB_H
#define LX_LIB_H

#include <assert.h>
#include <string.h>

#include "lx_state.h"

/* ========================================================================
** Builtin tables: each library lists its builtins in one of these and
** registers them with lx_register_fns.
** ======================================================================== */

typedef struct lx_LibFn {
  const char *name;   /* LisPy name */
  lx_NativeFn fn;     /* implementation */
  int min, max;       /* arity (max -1: variadic) */
  const char *params; /* synopsis, e.g. "(xs n)" */
  const char *doc;    /* one-line doc */
} lx_LibFn;

void lx_register_fns(lx_State *L, const lx_LibFn *fns, size_t n);

/* ========================================================================
** Argument checking: each raises "NAME: expected WHAT, got VALUE".
** ======================================================================== */

int64_t lx_check_int(lx_State *L, const char *fn, lx_Value v);
double lx_check_number(lx_State *L, const char *fn, lx_Value v);
lx_String *lx_check_string(lx_State *L, const char *fn, lx_Value v);
/* string, keyword or symbol: its name */
lx_String *lx_check_strlike(lx_State *L, const char *fn, lx_Value v);
lx_Dict *lx_check_dict(lx_State *L, const char *fn, lx_Value v);
lx_Vector *lx_check_vector(lx_State *L, const char *fn, lx_Value v);
/* A proper list or '() (returns its length). */
int64_t lx_check_list(lx_State *L, const char *fn, lx_Value v);
void lx_check_callable(lx_State *L, const char *fn, lx_Value v);
/* Nonnegative index below limit. */
size_t lx_check_index(lx_State *L, const char *fn, lx_Value v, size_t limit);

/* Any sequence (list, vector, nil as empty) copied into a fresh vector
** object; strings are not sequences here. */
lx_Vector *lx_seq_to_vector(lx_State *L, const char *fn, lx_Value seq);
/* Byte offset of the first occurrence of needle in hay at or after byte
** off, or -1. Linear (memmem), searched in windows of LX_COPY_CHUNK bytes
** with fuel charged for the bytes scanned, so a long search polls. */
ptrdiff_t lx_find_bytes(lx_State *L, const lx_String *hay, size_t off, const lx_String *needle);

/* ========================================================================
** Arithmetic shared by the VM fast paths and the builtins (lx_lib_core.c).
** Integers stay integers (overflow raises "integer overflow"), any float
** operand makes a float; fn names the operator in error messages.
** ======================================================================== */

lx_Value lx_num_add(lx_State *L, lx_Value a, lx_Value b);
lx_Value lx_num_sub(lx_State *L, lx_Value a, lx_Value b);
lx_Value lx_num_mul(lx_State *L, lx_Value a, lx_Value b);
lx_Value lx_num_div(lx_State *L, lx_Value a, lx_Value b); /* exact int result stays int */
/* -1, 0, 1; raises a type error (naming fn) unless both are numbers. */
int lx_num_cmp(lx_State *L, const char *fn, lx_Value a, lx_Value b);

/* ========================================================================
** String buffer: grows inside GC objects, so an error raised while
** building never leaks (the region protects the partial buffer). A
** buffer made with lx_buf_init_text appends to the host's lispy_Text
** instead (malloc'd, owned by the host), so what the JSON writer makes
** for a host is never copied.
** ======================================================================== */

typedef struct lx_Buf {
  lx_State *L;      /* the state whose heap holds the store */
  char *data;       /* the bytes, NUL-terminated once any were added */
  size_t len;       /* bytes used */
  size_t cap;       /* bytes data can hold, not counting the NUL */
  lx_String *store; /* the GC-owned string holding data, or NULL */
  lispy_Text *text; /* host storage instead (lx_buf_init_text) */
} lx_Buf;

void lx_buf_init(lx_State *L, lx_Buf *b);
/* A buffer appending to t from t->len on. t->data and t->cap follow every
** growth at once; t->len only when the writer is done (lx_buf_text_done),
** so text left by an error is not part of t. Out of memory raises. */
void lx_buf_init_text(lx_State *L, lx_Buf *b, lispy_Text *t);
static inline void lx_buf_text_done(lx_Buf *b) { b->text->len = b->len; }
/* Make room for need bytes in all plus a NUL (the slow path of adding). */
void lx_buf_grow(lx_Buf *b, size_t need);
/* Adding is inline: the printers and the JSON writer add a few bytes at a
** time, and a call per byte would cost more than the copy. */
static inline void lx_buf_add(lx_Buf *b, const char *s, size_t len) {
  if (len == 0) return;
  if (b->len + len > b->cap) lx_buf_grow(b, b->len + len);
  memcpy(b->data + b->len, s, len);
  b->len += len;
  b->data[b->len] = '\0';
}
static inline void lx_buf_addc(lx_Buf *b, char c) { lx_buf_add(b, &c, 1); }
/* Make n (> 0) more bytes part of b and return where they start, for the
** caller to fill (one capacity check for a whole token). */
static inline char *lx_buf_extend(lx_Buf *b, size_t n) {
  assert(n > 0);
  if (b->len + n > b->cap) lx_buf_grow(b, b->len + n);
  char *p = b->data + b->len;
  b->len += n;
  b->data[b->len] = '\0';
  return p;
}
/* Take back what was added after the first len bytes. */
static inline void lx_buf_truncate(lx_Buf *b, size_t len) {
  assert(len <= b->len);
  b->len = len;
  if (b->data != NULL) b->data[len] = '\0';
}
static inline void lx_buf_adds(lx_Buf *b, const char *s) { lx_buf_add(b, s, strlen(s)); }
void lx_buf_add_int(lx_Buf *b, int64_t i); /* decimal digits */
void lx_buf_addf(lx_Buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
lx_Value lx_buf_finish(lx_Buf *b); /* a new immutable string */
static inline const char *lx_buf_data(lx_Buf *b) { return b->data ? b->data : ""; }

/* ========================================================================
** Printer (lx_printer.c)
** ======================================================================== */

/* Append the printed form of v: readable (write) quotes strings and escapes
** them; otherwise (display) strings print raw. Raises a depth limit error
** past LX_MAX_C_DEPTH nesting. Cycles are not possible without mutation of
** pairs, which LisPy does not offer; dicts and vectors guard by depth. */
void lx_print(lx_State *L, lx_Buf *b, lx_Value v, bool readable);
lx_Value lx_repr(lx_State *L, lx_Value v, bool readable);
/* An error value as {:kind :message :data :trace} (lx_error.c). */
lx_Value lx_error_to_dict(lx_State *L, lx_Value err);
/* At most ~60 characters of v's printed form, for error messages; never
** fails (lx_error.c). */
lx_Value lx_short_repr(lx_State *L, lx_Value v);
/* Shortest round-tripping text for a double ("1.0", "0.1", "1e+100"). */
void lx_format_float(double f, char *out, size_t outlen);

/* ========================================================================
** Reader (lx_reader.c)
** ======================================================================== */

typedef enum { LX_READ_OK, LX_READ_ERROR, LX_READ_INCOMPLETE, LX_READ_EOF } lx_ReadStatus;

typedef struct lx_Reader {
  lx_State *L;         /* allocates the data read, raises its errors */
  const char *src;     /* the text (not NUL-terminated, not owned) */
  size_t len, pos;     /* bytes of src; offset of the next byte to read */
  uint32_t line, col;  /* of src[pos] */
  uint16_t file;       /* file id for positions */
  lx_SrcPos datum_pos; /* position of the datum just read */
  lx_Value error;      /* error value when status is ERROR/INCOMPLETE */
  size_t charged;      /* src offset up to which reading was charged */
  unsigned datums;     /* datums read since the last charge */
} lx_Reader;

void lx_reader_init(lx_Reader *R, lx_State *L, const char *src, size_t len, const char *filename);
/* Read the next datum into *out. Never raises: syntax errors come back as
** LX_READ_ERROR with R->error set (kind "syntax"). */
lx_ReadStatus lx_reader_next(lx_Reader *R, lx_Value *out);

/* ========================================================================
** Compiler and VM (lx_compile.c, lx_vm.c)
** ======================================================================== */

/* Compile one top-level form into a closure of no arguments. */
lx_Value lx_compile(lx_State *L, lx_Env *env, lx_Value form, lx_SrcPos pos);
/* Macro-expand a form once / fully at the top (for macroexpand). */
lx_Value lx_macroexpand_1(lx_State *L, lx_Env *env, lx_Value form, bool *expanded);

/* Doc string of a callable (native doc or closure docstring), or nil. */
lx_Value lx_doc_of(lx_State *L, lx_Value fn);

/* ========================================================================
** JSON bridge (lx_json.c)
** ======================================================================== */

#include <cjson/cJSON.h>

/* cJSON -> value: objects -> dicts (string keys), arrays -> lists. Raises a
** depth limit error past LX_MAX_C_DEPTH; with charge, charges fuel per
** element (json-parse; host conversions are free). */
lx_Value lx_json_to_value(lx_State *L, const cJSON *j, bool charge);
/* value -> cJSON; raises a runtime error naming the path of the first
** non-JSON value (function, host object, NaN...). Caller deletes. */
cJSON *lx_value_to_json(lx_State *L, lx_Value v);

#endif
