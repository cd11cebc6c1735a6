/*
** lx_lib_eval.c -- builtins that reach the evaluator itself: apply, eval,
** macroexpand, gensym, read-string, doc, and output to the host's sink.
*/
#include <stdio.h>
#include <string.h>

#include "lx_lib.h"

/* ========================================================================
** Calling and evaluating
** ======================================================================== */

/* (apply f a b '(c d)) calls (f a b c d); the VM performs the call. */
static lx_Value bi_apply(lx_State *L, int argc, lx_Value *argv) {
  lx_check_callable(L, "apply", argv[0]);
  lx_Value last = argv[argc - 1];
  if (lx_is(last, LX_VECTOR)) {
    lx_Vector *v = lx_as_vector(last);
    last = lx_list_from(L, v->items, v->len);
  } else if (lx_is(last, LX_NIL)) {
    last = lx_empty();
  } else if (argc > 1) {
    lx_check_list(L, "apply", last);
  }
  lx_Value args = argc > 1 ? last : lx_empty();
  for (int i = argc - 2; i >= 1; i--) args = lx_cons(L, argv[i], args);
  return lx_tailcall(L, argv[0], args);
}

/* The environment eval, macroexpand and doc work in: that of the code
** that wrote the call, even when it comes through a prelude function
** (map, for-each, apply ...), never the read-only base (lx_code_env). */
static lx_Env *lx_caller_env(lx_State *L) { return lx_code_env(L); }

/* (eval form): compile form for the caller's environment (lx_compile_for:
** its macros expand for that env; the frozen base is refused), then have
** the VM run the thunk as a tail call, so the evaluation is charged and
** limited like the code around it and its errors carry its frames. */
static lx_Value bi_eval(lx_State *L, int argc, lx_Value *argv) {
  lx_SrcPos pos = {0, 0, 0};
  lx_Value fn = lx_compile_for(L, lx_caller_env(L), argv[0], pos);
  return lx_tailcall(L, fn, lx_empty());
}

/* (macroexpand-1 form): see lx_macroexpand_1. */
static lx_Value bi_macroexpand_1(lx_State *L, int argc, lx_Value *argv) {
  bool expanded;
  return lx_macroexpand_1(L, lx_caller_env(L), argv[0], &expanded);
}

/* (macroexpand form): lx_macroexpand_1 until the head is no macro call,
** at most 1000 steps (then an error: the expansion does not terminate). */
static lx_Value bi_macroexpand(lx_State *L, int argc, lx_Value *argv) {
  lx_Value form = argv[0];
  bool expanded = true;
  for (int guard = 0; expanded; guard++) {
    if (guard > LX_MAX_MACRO_EXPANSIONS) lx_error(L, "macroexpand: expansion does not terminate");
    form = lx_macroexpand_1(L, lx_caller_env(L), form, &expanded);
  }
  return form;
}

/* A fresh uninterned symbol, e.g. g__12; the counter is the calling
** code's environment's, so one agent's gensyms never shift another's. */
static lx_Value bi_gensym(lx_State *L, int argc, lx_Value *argv) {
  const char *prefix = argc > 0 ? lx_check_strlike(L, "gensym", argv[0])->data : "g__";
  lx_Value name =
      lx_stringf(L, "%s%llu", prefix, (unsigned long long)++lx_code_env(L)->gensym_counter);
  lx_Symbol *s = (lx_Symbol *)lx_obj_new(L, LX_SYMBOL, sizeof(lx_Symbol));
  s->name = lx_as_string(name);
  s->next = NULL;
  return lx_obj(s);
}

/* (read-string "(+ 1 2)") => the list (+ 1 2); errors on bad syntax. */
static lx_Value bi_read_string(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "read-string", argv[0]);
  lx_charge(L, 1 + (int64_t)(s->len / LX_FUEL_SCAN_BYTES));
  lx_Reader R;
  lx_reader_init(&R, L, s->data, s->len, "<read-string>");
  lx_Value out;
  lx_ReadStatus st = lx_reader_next(&R, &out);
  if (st == LX_READ_ERROR || st == LX_READ_INCOMPLETE) lx_throw(L, R.error);
  return st == LX_READ_EOF ? lx_nil() : out;
}

/* ========================================================================
** Documentation
** ======================================================================== */

/* A builtin's registered doc (copied into a string), a closure's doc
** string, else nil. */
lx_Value lx_doc_of(lx_State *L, lx_Value fn) {
  if (lx_is(fn, LX_NATIVE)) {
    lx_Native *n = lx_as_native(fn);
    return n->doc ? lx_cstring(L, n->doc) : lx_nil();
  }
  if (lx_is(fn, LX_CLOSURE)) return lx_as_closure(fn)->proto->doc;
  return lx_nil();
}

/* (doc f) or (doc 'name): the doc string, or nil. */
static lx_Value bi_doc(lx_State *L, int argc, lx_Value *argv) {
  lx_Value v = argv[0];
  if (lx_is(v, LX_SYMBOL)) {
    lx_Box *b = lx_env_find(L, lx_caller_env(L), v);
    if (!b || !(b->h.flags & LX_BOX_DEFINED)) return lx_nil();
    v = b->value;
  }
  return lx_doc_of(L, v);
}

/* ========================================================================
** Output (to the host's bounded sink, never straight to stdout)
** ======================================================================== */

/* Write v to the host's output sink: a string as is when !readable, else
** its printed form (readable: strings quoted). The sink is bounded per
** evaluation (lx_output raises the "output" limit). */
static void lx_emit(lx_State *L, lx_Value v, bool readable) {
  lx_Value s = lx_is(v, LX_STRING) && !readable ? v : lx_repr(L, v, readable);
  lx_output(L, lx_as_string(s)->data, lx_as_string(s)->len);
}

static lx_Value bi_display(lx_State *L, int argc, lx_Value *argv) {
  lx_emit(L, argv[0], false);
  return lx_nil();
}

static lx_Value bi_write(lx_State *L, int argc, lx_Value *argv) {
  lx_emit(L, argv[0], true);
  return lx_nil();
}

static lx_Value bi_newline(lx_State *L, int argc, lx_Value *argv) {
  lx_output(L, "\n", 1);
  return lx_nil();
}

/* print/println: display forms separated by spaces. */
static lx_Value bi_print(lx_State *L, int argc, lx_Value *argv) {
  for (int i = 0; i < argc; i++) {
    if (i) lx_output(L, " ", 1);
    lx_emit(L, argv[i], false);
  }
  return lx_nil();
}

static lx_Value bi_println(lx_State *L, int argc, lx_Value *argv) {
  bi_print(L, argc, argv);
  lx_output(L, "\n", 1);
  return lx_nil();
}

/* Register this file's builtins in the base environment. */
void lx_lib_eval_open(lx_State *L) {
  lx_defnative(L, "apply", bi_apply, 1, -1, "(f arg... args)",
               "Call f with the given arguments followed by the items of the last list.");
  lx_defnative(L, "eval", bi_eval, 1, 1, "(form)",
               "Evaluate a form in the caller's environment, inside the same sandbox.");
  lx_defnative(L, "macroexpand-1", bi_macroexpand_1, 1, 1, "(form)",
               "Expand the macro call at the head of form once.");
  lx_defnative(L, "macroexpand", bi_macroexpand, 1, 1, "(form)",
               "Expand the macro call at the head of form until it is no macro call.");
  lx_defnative(L, "gensym", bi_gensym, 0, 1, "([prefix])",
               "Return a fresh symbol that no other symbol equals (for macros).");
  lx_defnative(L, "read-string", bi_read_string, 1, 1, "(s)",
               "Read the first datum from the string s without evaluating it.");
  lx_defnative(L, "doc", bi_doc, 1, 1, "(f)",
               "Return the doc string of a function (or of the global a symbol names).");
  lx_defnative(L, "display", bi_display, 1, 1, "(x)",
               "Write x to the output for people (strings without quotes).");
  lx_defnative(L, "write", bi_write, 1, 1, "(x)",
               "Write x to the output in readable form (strings quoted).");
  lx_defnative(L, "newline", bi_newline, 0, 0, "()", "Write a newline to the output.");
  lx_defnative(L, "print", bi_print, 0, -1, "(x...)",
               "Write the display forms of the arguments, separated by spaces.");
  lx_defnative(L, "println", bi_println, 0, -1, "(x...)", "Like print, then a newline.");
}
