/*
** ag_lint_effects.c -- lint rule A407: host effects in code an agent file
** runs when it loads.
**
** An agent file's top level may define and compute, but not call other
** agents or the context: the loader refuses `invoke` and the context
** methods while the file evaluates (ag_refuse_at_load). This rule finds
** such calls without running anything, so `lispy lint` names the line
** even when the load itself fails because of one (or the call sits in a
** branch the load did not take).
**
** Load-time code is everything outside function bodies: the top level,
** the value of a (define x ...), the bodies of macros (they run when the
** forms that use them compile, which is at load). Function bodies (fn,
** lambda, (define (f ...) ...), defn) run only when called; quoted and
** quasiquoted data is not code.
*/
#include <string.h>

#include "ag_config.h"
#include "ag_internal.h"

/* One walk over a file's forms. */
typedef struct ae_Walk {
  ag_Agent *a;      /* the agent: diagnostics, and its own names */
  lispy_State *L;   /* the runtime's state, to read and look names up */
  const char *path; /* for diagnostics */
  size_t found;     /* load-time host calls seen so far */
} ae_Walk;

static bool ae_is(const char *s, const char *name) { return s != NULL && strcmp(s, name) == 0; }

/* Does calling name reach the host from LisPy: invoke, or a context
** method by its binding name (context-llm ...)? A name the file defines
** itself is its own function and passes. */
static bool ae_effect(ae_Walk *w, const char *name) {
  const ag_MethodSpec *m = ag_context_method(name);
  bool host = ae_is(name, "invoke") || (m != NULL && strcmp(m->lispy_name, name) == 0);
  return host && !lispy_env_get_own(w->L, w->a->env, name, NULL);
}

/* One A407 diagnostic, up to AG_LINT_MAX_EFFECT_DIAGS per file. */
static void ae_report(ae_Walk *w, lispy_Value form, const char *name) {
  if (++w->found > AG_LINT_MAX_EFFECT_DIAGS) return;
  lispy_SrcPos pos = lispy_car_pos(form);
  bool inv = ae_is(name, "invoke");
  ag_diags_add(&w->a->diags, w->path, (int)pos.line, pos.col, AG_ERROR, "A407",
               inv ? "remove it: agents never call agents (the shell and hosts invoke them)"
                   : "move the call into run (or a function run calls)",
               "%s is called when the file loads: an agent file's top level cannot call "
               "agents or use the context",
               name);
}

static void ae_walk(ae_Walk *w, lispy_Value form);

/* Walk every item of the list from `items` on (a body, arguments). */
static void ae_walk_items(ae_Walk *w, lispy_Value items) {
  for (; lispy_type(items) == LISPY_TPAIR; items = lispy_cdr(items)) ae_walk(w, lispy_car(items));
}

/* (define (f ...) body) and (defn f ...) define functions: nothing in them
** runs at load. (define x value): the value does. (defmacro ...): the
** macro body runs whenever a use of it compiles, at load. */
static void ae_walk_define(ae_Walk *w, const char *head, lispy_Value rest) {
  if (lispy_type(rest) != LISPY_TPAIR) return;
  bool macro = ae_is(head, "defmacro") || ae_is(head, "define-macro");
  if (ae_is(head, "defn")) return;
  if (lispy_type(lispy_car(rest)) == LISPY_TPAIR && !macro) return; /* (define (f ...) ...) */
  ae_walk_items(w, lispy_cdr(rest));
}

/* One form of load-time code. Recursion follows the data's nesting, which
** the reader already bounds (LISPY_MAX_DEPTH); lists are walked in a loop. */
static void ae_walk(ae_Walk *w, lispy_Value form) {
  if (lispy_type(form) == LISPY_TVECTOR) {
    for (size_t i = 0, n = lispy_vector_length(form); i < n; i++)
      ae_walk(w, lispy_vector_item(form, i));
    return;
  }
  if (lispy_type(form) == LISPY_TDICT) {
    lispy_Value k, v;
    for (size_t it = 0; lispy_dict_next(form, &it, &k, &v);) {
      ae_walk(w, k);
      ae_walk(w, v);
    }
    return;
  }
  if (lispy_type(form) != LISPY_TPAIR) return;
  const char *head = lispy_symbol_name(lispy_car(form));
  if (ae_is(head, "quote") || ae_is(head, "quasiquote") || ae_is(head, "fn") ||
      ae_is(head, "lambda"))
    return;
  if (ae_is(head, "define") || ae_is(head, "def") || ae_is(head, "defn") ||
      ae_is(head, "defmacro") || ae_is(head, "define-macro")) {
    ae_walk_define(w, head, lispy_cdr(form));
    return;
  }
  if (head && ae_effect(w, head)) ae_report(w, form, head);
  ae_walk_items(w, lispy_type(lispy_car(form)) == LISPY_TPAIR ? form : lispy_cdr(form));
}

/* Read src form by form (without evaluating it) and walk each for
** load-time calls of invoke or context methods: one A407 error each, the
** first AG_LINT_MAX_EFFECT_DIAGS listed and the rest counted in one more.
** Reading stops at the first syntax error (the loader reports it). */
void ag_lint_effects(ag_Runtime *rt, ag_Agent *a, const char *src, size_t len) {
  ae_Walk w = {a, ag_runtime_lispy(rt), a->path ? a->path : "<unknown>", 0};
  size_t pos = 0;
  while (src && pos < len) {
    lispy_Value form;
    int rc = lispy_read(w.L, src, len, &pos, w.path, &form);
    if (rc != LISPY_OK) break; /* the end, or a syntax error reported elsewhere */
    ae_walk(&w, form);         /* allocates nothing: form stays valid */
  }
  if (w.found > AG_LINT_MAX_EFFECT_DIAGS)
    ag_diags_add(&a->diags, w.path, 0, 0, AG_ERROR, "A407", "fix the calls above, then lint again",
                 "%zu more load-time calls of invoke or context methods not listed",
                 w.found - AG_LINT_MAX_EFFECT_DIAGS);
}
