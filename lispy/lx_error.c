/*
** lx_error.c -- error values, raising (longjmp to the innermost protected
** call), limit errors, stack traces and the human-readable error text.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_lib.h"

/* ========================================================================
** Error values
** ======================================================================== */

/* A new error value of kind with message and data (the caller keeps those
** reachable), no position and no trace yet: lx_throw attaches them. The
** kind string is made after the object, inside the protected region. */
lx_Value lx_error_new(lx_State *L, const char *kind, lx_Value message, lx_Value data) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Error *e = (lx_Error *)lx_obj_new(L, LX_ERROR, sizeof(lx_Error));
  e->kind = lx_nil();
  e->message = message;
  e->data = data;
  e->trace = lx_nil();
  e->pos = (lx_SrcPos){0, 0, 0};
  e->kind = lx_cstring(L, kind);
  lx_protect_end(L, saved);
  return lx_obj(e);
}

/* {:kind :message :data :trace}: an error as plain data, for JSON and
** for hosts that report errors in envelopes. */
lx_Value lx_error_to_dict(lx_State *L, lx_Value err) {
  lx_Error *e = lx_as_error(err);
  lx_Obj *saved = lx_protect_begin(L);
  lx_Dict *d = lx_dict_new(L, 4);
  lx_dict_setc(L, d, "kind", e->kind);
  lx_dict_setc(L, d, "message", e->message);
  lx_dict_setc(L, d, "data", e->data);
  lx_dict_setc(L, d, "trace", lx_is(e->trace, LX_NIL) ? lx_empty() : e->trace);
  lx_protect_end(L, saved);
  return lx_obj(d);
}

/* One trace entry: {:function NAME :file F :line N :col N}. */
static lx_Value lx_trace_entry(lx_State *L, lx_Closure *fn, lx_SrcPos pos) {
  lx_Dict *d = lx_dict_new(L, 4);
  lx_Value name = fn->proto->name;
  lx_dict_setc(L, d, "function", lx_is(name, LX_NIL) ? lx_cstring(L, "<lambda>") : name);
  lx_dict_setc(L, d, "file", lx_cstring(L, lx_file_name(L, pos.file)));
  lx_dict_setc(L, d, "line", lx_int(pos.line));
  lx_dict_setc(L, d, "col", lx_int(pos.col));
  return lx_obj(d);
}

/* The position of the instruction a frame is executing. The saved pc
** points after the current instruction. */
static lx_SrcPos lx_frame_pos(const lx_Frame *f) {
  const lx_Proto *p = f->fn->proto;
  if (f->pc == NULL || p->ncode == 0) return p->pos;
  size_t i = (size_t)(f->pc - p->code);
  if (i > 0) i--;
  if (i >= p->ncode) i = p->ncode - 1;
  return p->lines[i];
}

/* Record where the error happened and the frames leading there (at most
** LX_TRACE_INNER innermost and LX_TRACE_OUTER outermost frames: a runaway
** recursion stays short). */
void lx_error_attach_trace(lx_State *L, lx_Error *e) {
  if (!lx_is(e->trace, LX_NIL) || L->nframes == 0) return;
  lx_Obj *saved = lx_protect_begin(L);
  e->pos = lx_frame_pos(&L->frames[L->nframes - 1]);
  lx_Value trace = lx_empty();
  size_t n = L->nframes;
  for (size_t k = 0; k < n; k++) {
    if (k >= LX_TRACE_OUTER && k + LX_TRACE_INNER < n) continue;
    const lx_Frame *f = &L->frames[k];
    trace = lx_cons(L, lx_trace_entry(L, f->fn, lx_frame_pos(f)), trace);
  }
  e->trace = trace;
  lx_protect_end(L, saved);
}

/* ========================================================================
** Raising
** ======================================================================== */

/* Unwind to the innermost lx_pcall with err. An error value gets its
** position and trace from the frames live now, unless it has a trace
** already (a rethrow keeps the original one). Raising with no protected
** call around is a bug in the C code: it aborts. */
_Noreturn void lx_throw(lx_State *L, lx_Value err) {
  L->thrown = err; /* rooted before the trace allocates */
  if (lx_is(err, LX_ERROR)) lx_error_attach_trace(L, lx_as_error(err));
  if (L->jump == NULL) {
    fprintf(stderr, "lispy: error raised outside any protected call\n");
    abort();
  }
  longjmp(L->jump->buf, 1);
}

/* Raise an error of kind with data and a message formatted into 512 bytes
** (longer messages are cut). */
static _Noreturn void lx_error_va(lx_State *L, const char *kind, lx_Value data, const char *fmt,
                                  va_list ap) {
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  lx_Obj *saved = lx_protect_begin(L);
  lx_Value err = lx_error_new(L, kind, lx_cstring(L, msg), data);
  lx_protect_end(L, saved);
  lx_throw(L, err);
}

/* Raise a "runtime" error (lx_state.h). */
_Noreturn void lx_error(lx_State *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lx_error_va(L, "runtime", lx_nil(), fmt, ap);
}

/* Raise an error of the given kind with data (lx_state.h). */
_Noreturn void lx_error_kind(lx_State *L, const char *kind, lx_Value data, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lx_error_va(L, kind, data, fmt, ap);
}

/* Limit errors allocate while the limit is exceeded, so the allocator is
** told to let these few bytes through. Fuel, time and interrupts cannot be
** caught by `try` (they would just run out again); memory and depth can. */
_Noreturn void lx_limit_error(lx_State *L, const char *which) {
  static const struct {
    const char *which, *msg;
  } msgs[] = {
      {"fuel", "fuel exhausted: the evaluation ran too many steps"},
      {"memory", "memory limit exceeded"},
      {"depth", "call depth limit exceeded (nesting too deep)"},
      {"time", "time limit exceeded"},
      {"interrupted", "interrupted"},
      {"output", "output limit exceeded (display/print wrote too much)"},
  };
  const char *msg = which;
  for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
    if (strcmp(msgs[i].which, which) == 0) msg = msgs[i].msg;
  /* Let these few bytes past the limit; catching the error clears it. */
  L->in_limit_error = true;
  bool interrupted = strcmp(which, "interrupted") == 0;
  if (strcmp(which, "memory") == 0) L->mem_release_due = true; /* see lx_mem_release */
  lx_Obj *saved = lx_protect_begin(L);
  lx_Dict *data = lx_dict_new(L, 1);
  lx_dict_setc(L, data, "limit", lx_cstring(L, which));
  lx_Value err =
      lx_error_new(L, interrupted ? "interrupted" : "limit", lx_cstring(L, msg), lx_obj(data));
  if (strcmp(which, "memory") != 0 && strcmp(which, "depth") != 0)
    err.as.o->flags |= LX_ERROR_UNCATCHABLE;
  lx_protect_end(L, saved);
  lx_throw(L, err);
}

/* lx_short_repr's protected run: the value in, its printed form out. */
typedef struct lx_ShortRepr {
  lx_Value in, out;
} lx_ShortRepr;

static void lx_short_repr_protected(lx_State *L, void *ud) {
  lx_ShortRepr *r = ud;
  r->out = lx_repr(L, r->in, true);
}

/* The printed form of v for an error message, at most LX_SHORT_REPR_BYTES bytes.
** Printing runs on a small private fuel budget, so a huge or deeply nested
** value costs little and cannot itself fail the raise. */
lx_Value lx_short_repr(lx_State *L, lx_Value v) {
  int64_t fuel = L->budget.fuel;
  L->budget.fuel = LX_SHORT_REPR_FUEL;
  lx_ShortRepr r = {v, lx_nil()};
  lx_Value ignored;
  bool ok = lx_pcall(L, lx_short_repr_protected, &r, &ignored);
  L->budget.fuel = fuel;
  /* a pending interrupt the printing consumed (and the pcall swallowed)
  ** must still stop the evaluation */
  if (!ok && lx_is(ignored, LX_ERROR) && strcmp(lispy_error_kind(ignored), "interrupted") == 0)
    L->interrupt = 1;
  if (!ok) return lx_stringf(L, "a large %s", lx_type_name(v));
  lx_String *s = lx_as_string(r.out);
  if (s->len <= LX_SHORT_REPR_BYTES) return r.out;
  size_t cut = LX_SHORT_REPR_BYTES - 3; /* room for the "..." */
  while (cut > 0 && ((unsigned char)s->data[cut] & 0xC0) == 0x80) cut--;
  return lx_stringf(L, "%.*s...", (int)cut, s->data);
}

/* Raise "FN: expected WHAT, got <short printed form of got>" (runtime). */
_Noreturn void lx_type_error(lx_State *L, const char *fn, const char *what, lx_Value got) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Value shown = lx_short_repr(L, got);
  lx_Value msg = lx_stringf(L, "%s: expected %s, got %s", fn, what, lx_as_string(shown)->data);
  lx_Value err = lx_error_new(L, "runtime", msg, lx_nil());
  lx_protect_end(L, saved);
  lx_throw(L, err);
}

/* ========================================================================
** Protected calls
** ======================================================================== */

/* Run fn(L, ud); true if it returned, false if it threw (the thrown value
** in *err). An lx_throw longjmps to the innermost lx_Jump, which lives in
** this C frame and is linked through L->jump, so on a throw the state is
** put back to what it was at the call, field by field:
**   L->jump          the enclosing handler (j.prev), on both paths;
**   L->nframes       VM call frames pushed by fn are dropped;
**   L->nhandlers     the try handlers fn's code installed are dropped;
**   L->sp            the value stack is cut back (its slots above are dead);
**   L->nested_runs   VM re-entries made by fn no longer count;
**   L->c_depth       the C recursion guard counts only live C frames;
**   L->in_limit_error  cleared: the memory error being raised has landed;
**   L->protect_mark  cleared only if no protected region was open at the
**                    call (an outer region's mark may have been moved by
**                    the collector, so a saved copy is never restored: as
**                    lx_protect_end);
**   L->thrown        handed to *err and reset to nil.
** The heap is not rolled back: objects fn made are garbage unless reached. */
bool lx_pcall(lx_State *L, lx_ProtectedFn fn, void *ud, lx_Value *err) {
  lx_Jump j;
  j.prev = L->jump;
  j.protect_mark = L->protect_mark;
  j.c_depth = L->c_depth;
  size_t nframes = L->nframes, nhandlers = L->nhandlers, sp = L->sp;
  int nested = L->nested_runs;
  L->jump = &j;
  if (setjmp(j.buf) == 0) {
    fn(L, ud);
    L->jump = j.prev;
    return true;
  }
  L->jump = j.prev;
  L->nframes = nframes;
  L->nhandlers = nhandlers;
  L->sp = sp;
  L->nested_runs = nested;
  L->c_depth = j.c_depth;
  L->in_limit_error = false;
  if (j.protect_mark == NULL) L->protect_mark = NULL;
  if (err) *err = L->thrown;
  L->thrown = lx_nil();
  return false;
}

/* ========================================================================
** Rendering
** ======================================================================== */

/* Append "file:line:col". */
static void lx_format_pos(lx_State *L, lx_Buf *b, lx_SrcPos pos) {
  lx_buf_adds(b, lx_file_name(L, pos.file));
  lx_buf_addf(b, ":%u:%u", (unsigned)pos.line, (unsigned)pos.col);
}

/* Append one "\n  at FUNCTION (file:line:col)" line per trace entry,
** skipping entries that are not dicts (a trace is data a host may have
** made); missing fields print as nil or 0. */
static void lx_format_trace(lx_State *L, lx_Buf *b, lx_Value trace) {
  for (; lx_is(trace, LX_PAIR); trace = lx_cdr(trace)) {
    lx_Value fn = lx_nil(), file = lx_nil(), line = lx_nil(), col = lx_nil();
    if (!lx_is(lx_car(trace), LX_DICT)) continue;
    lx_Dict *d = lx_as_dict(lx_car(trace));
    lx_dict_getc(L, d, "function", &fn);
    lx_dict_getc(L, d, "file", &file);
    lx_dict_getc(L, d, "line", &line);
    lx_dict_getc(L, d, "col", &col);
    lx_buf_adds(b, "\n  at ");
    lx_print(L, b, fn, false);
    lx_buf_adds(b, " (");
    lx_print(L, b, file, false);
    lx_buf_addf(b, ":%lld:%lld)", (long long)(lx_is(line, LX_INT) ? line.as.i : 0),
                (long long)(lx_is(col, LX_INT) ? col.as.i : 0));
  }
}

/* "file:line:col: error: message" then "  at fn (file:line:col)" lines.
** Non-error values (from throw) render as "uncaught throw: VALUE". */
lx_Value lx_error_format(lx_State *L, lx_Value err) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Buf b;
  lx_buf_init(L, &b);
  if (!lx_is(err, LX_ERROR)) {
    lx_buf_adds(&b, "error: uncaught throw: ");
    lx_print(L, &b, err, true);
  } else {
    lx_Error *e = lx_as_error(err);
    if (e->pos.line) {
      lx_format_pos(L, &b, e->pos);
      lx_buf_adds(&b, ": ");
    }
    lx_buf_adds(&b, "error: ");
    lx_print(L, &b, e->message, false);
    lx_format_trace(L, &b, e->trace);
  }
  lx_Value s = lx_buf_finish(&b);
  lx_protect_end(L, saved);
  return s;
}
