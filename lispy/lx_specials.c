/*
** lx_specials.c -- the special forms, desugared into the compiler's nodes.
**
** Each handler (sf_if, sf_let, ...) checks its form's shape and builds the
** nodes of lx_compiler.h through the tree pass (lx_compile.c); derived
** forms (cond, case, when, named let, dotimes, ->, defn, quasiquote) are
** rewritten into the core nodes here. Bodies (lambda, let) are handled here
** too: their internal definitions become letrec* variables.
*/
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_compiler.h"

static lx_Node *sf_body(lx_Compiler *C, lx_Value body, lx_SrcPos pos);
static lx_Node *sf_seq(lx_Compiler *C, lx_Value forms, lx_SrcPos pos, bool top);

/* ---- quote, if, begin, and/or, when/unless ------------------------------- */

static lx_Node *sf_quote(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return lx_tr_const(C, lx_tr_nth(C, form, 1, "quote: expected (quote datum)"), pos);
}

/* An if node; a missing else branch (e NULL) is nil. */
static lx_Node *sf_make_if(lx_Compiler *C, lx_SrcPos pos, lx_Node *c, lx_Node *t, lx_Node *e) {
  lx_Node *n = lx_tr_node(C, N_IF, pos, 3);
  n->kids[0] = c;
  n->kids[1] = t;
  n->kids[2] = e ? e : lx_tr_const(C, lx_nil(), pos);
  return n;
}

static lx_Node *sf_if(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = lx_tr_items(C, form, &n, "if");
  if (n < 3 || n > 4)
    lx_tr_error(C, pos, "if: expected (if test then [else]), got %d parts", n - 1);
  return sf_make_if(C, pos, lx_tr_expr(C, it[1], false), lx_tr_expr(C, it[2], false),
                    n == 4 ? lx_tr_expr(C, it[3], false) : NULL);
}

static lx_Node *sf_begin(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return sf_seq(C, lx_cdr(form), pos, top);
}

/* (and ...) / (or ...): no operand is true / false, one operand is
** itself; more become one N_AND / N_OR node. k is the node kind. */
static lx_Node *sf_andor(lx_Compiler *C, lx_Value form, lx_SrcPos pos, lx_NodeKind k) {
  int n;
  lx_Value *it = lx_tr_items(C, form, &n, k == N_AND ? "and" : "or");
  if (n == 1) return lx_tr_const(C, lx_bool(k == N_AND), pos);
  if (n == 2) return lx_tr_expr(C, it[1], false);
  lx_Node *node = lx_tr_node(C, k, pos, n - 1);
  for (int i = 1; i < n; i++) node->kids[i - 1] = lx_tr_expr(C, it[i], false);
  return node;
}

static lx_Node *sf_and(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return sf_andor(C, form, pos, N_AND);
}

static lx_Node *sf_or(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return sf_andor(C, form, pos, N_OR);
}

/* (when test body...) is (if test (begin body...)); (unless test
** body...) is (if test nil (begin body...)). */
static lx_Node *sf_whenunless(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool unless) {
  lx_Node *test = lx_tr_expr(C, lx_tr_nth(C, form, 1, "when/unless: missing test"), false);
  lx_Node *body = sf_seq(C, lx_tr_tail(form, 2), pos, false);
  return unless ? sf_make_if(C, pos, test, lx_tr_const(C, lx_nil(), pos), body)
                : sf_make_if(C, pos, test, body, NULL);
}

static lx_Node *sf_when(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return sf_whenunless(C, form, pos, false);
}

static lx_Node *sf_unless(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return sf_whenunless(C, form, pos, true);
}

/* ---- cond and case ------------------------------------------------------- */

/* Whether v is the symbol called name (uninterned ones included). */
static bool sf_is_sym(lx_Value v, const char *name) {
  return lx_is(v, LX_SYMBOL) && lx_as_symbol(v)->name && strcmp(lx_tr_symname(v), name) == 0;
}

/* The else marker of cond and case: the symbol else or the keyword :else. */
static bool sf_is_else(lx_Value v) {
  return sf_is_sym(v, "else") ||
         (lx_is(v, LX_KEYWORD) && strcmp(lx_as_symbol(v)->name->data, "else") == 0);
}

/* One clause (test body...) -> node, given the node for what follows. */
static lx_Node *sf_cond_clause(lx_Compiler *C, lx_Value clause, lx_Node *rest) {
  lx_SrcPos pos = lx_tr_pos(C, clause);
  if (!lx_is(clause, LX_PAIR))
    lx_tr_error(C, pos, "cond: each clause must be a list (test body...)");
  if (sf_is_else(lx_car(clause))) return sf_seq(C, lx_cdr(clause), pos, false);
  lx_Node *test = lx_tr_expr(C, lx_car(clause), false);
  if (lx_is(lx_cdr(clause), LX_EMPTY)) { /* (test): value of test */
    lx_Node *n = lx_tr_node(C, N_OR, pos, 2);
    n->kids[0] = test;
    n->kids[1] = rest;
    return n;
  }
  return sf_make_if(C, pos, test, sf_seq(C, lx_cdr(clause), pos, false), rest);
}

/* (cond (test body...) ...) or, when any clause is not a list, Clojure's
** (cond t1 e1 t2 e2 :else e3). The nested ifs are built from the last
** clause back (so later clauses are compiled first); no clause matching
** gives nil. */
static lx_Node *sf_cond(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = lx_tr_items(C, form, &n, "cond");
  lx_Node *acc = lx_tr_const(C, lx_nil(), pos);
  bool clojure = false; /* Scheme clauses are all lists */
  for (int i = 1; i < n; i++) clojure |= !lx_is(it[i], LX_PAIR);
  if (clojure) { /* (cond t1 e1 t2 e2 :else e3) */
    if ((n - 1) % 2) lx_tr_error(C, pos, "cond: odd number of forms in (cond test expr ...)");
    for (int i = n - 2; i >= 1; i -= 2)
      acc = sf_is_else(it[i]) ? lx_tr_expr(C, it[i + 1], false)
                              : sf_make_if(C, pos, lx_tr_expr(C, it[i], false),
                                           lx_tr_expr(C, it[i + 1], false), acc);
    return acc;
  }
  for (int i = n - 1; i >= 1; i--) acc = sf_cond_clause(C, it[i], acc);
  return acc;
}

/* A node reading the local variable v. */
static lx_Node *sf_local(lx_Compiler *C, lx_Var *v, lx_SrcPos pos) {
  lx_Node *n = lx_tr_node(C, N_LOCAL, pos, 0);
  n->var = v;
  return n;
}

/* Test key against each datum of a case clause (equal? semantics). */
static lx_Node *sf_case_test(lx_Compiler *C, lx_Var *key, lx_Value datums, lx_SrcPos pos) {
  if (!lx_is(datums, LX_PAIR) && !lx_is(datums, LX_EMPTY))
    return lx_tr_prim(C, LX_OP_EQUAL, pos, sf_local(C, key, pos), lx_tr_const(C, datums, pos));
  int n;
  lx_Value *it = lx_tr_items(C, datums, &n, "case");
  lx_Node *acc = lx_tr_const(C, lx_bool(false), pos);
  if (n == 0) return acc;
  lx_Node * or = lx_tr_node(C, N_OR, pos, n);
  for (int i = 0; i < n; i++)
    or->kids[i] =
        lx_tr_prim(C, LX_OP_EQUAL, pos, sf_local(C, key, pos), lx_tr_const(C, it[i], pos));
  return or ;
}

/* (let ((v init)) body) as a node, for a variable already bound. */
static lx_Node *sf_let1(lx_Compiler *C, lx_Var *v, lx_Node *init, lx_Node *body, lx_SrcPos pos) {
  lx_Node *n = lx_tr_node(C, N_LET, pos, 2);
  n->vars = lx_tr_alloc(C, sizeof(lx_Var *));
  n->vars[0] = v;
  n->nvars = 1;
  n->kids[0] = init;
  n->kids[1] = body;
  return n;
}

/* (case key ((d...) body...) ... (else body...)) and Clojure's
** (case key d1 e1 d2 e2 default). The key is evaluated once into a
** hidden variable; each clause tests it with equal? against its datums
** (sf_case_test), the ifs built from the last clause back. No match and
** no default gives nil. */
static lx_Node *sf_case(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = lx_tr_items(C, form, &n, "case");
  if (n < 2) lx_tr_error(C, pos, "case: expected (case key clause...)");
  lx_Node *keyinit = lx_tr_expr(C, it[1], false);
  lx_Var *key = lx_tr_hidden_var(C);
  lx_Node *acc = lx_tr_const(C, lx_nil(), pos);
  bool clojure = false; /* Scheme clauses are all lists */
  for (int i = 2; i < n; i++) clojure |= !lx_is(it[i], LX_PAIR);
  if (clojure) {
    int i = n - 1;
    if ((n - 2) % 2) acc = lx_tr_expr(C, it[i--], false); /* default */
    for (; i >= 3; i -= 2)
      acc = sf_make_if(C, pos, sf_case_test(C, key, it[i - 1], pos), lx_tr_expr(C, it[i], false),
                       acc);
  } else {
    for (int i = n - 1; i >= 2; i--) {
      lx_SrcPos cpos = lx_tr_pos(C, it[i]);
      if (!lx_is(it[i], LX_PAIR))
        lx_tr_error(C, cpos, "case: each clause must be ((datum...) body...)");
      lx_Node *body = sf_seq(C, lx_cdr(it[i]), cpos, false);
      acc = sf_is_else(lx_car(it[i]))
                ? body
                : sf_make_if(C, cpos, sf_case_test(C, key, lx_car(it[i]), cpos), body, acc);
    }
  }
  return sf_let1(C, key, keyinit, acc, pos);
}

/* ---- set! ------------------------------------------------------------------ */

/* (set! name value): a lexical variable is marked mutated (so codegen
** boxes it if it is captured) and captured when it belongs to an outer
** function; otherwise the global box of name in the compile env (created
** unbound if new: assigning an undefined global fails when it runs). */
static lx_Node *sf_set(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = lx_tr_items(C, form, &n, "set!");
  if (n != 3 || !lx_is(it[1], LX_SYMBOL)) lx_tr_error(C, pos, "set!: expected (set! name value)");
  lx_Node *value = lx_tr_expr(C, it[2], false);
  lx_Var *v = lx_tr_lookup(C, it[1]);
  if (v) {
    v->mutated = true;
    if (v->owner != C->fn) lx_tr_capture(C, v);
    lx_Node *node = lx_tr_node(C, N_SETLOCAL, pos, 1);
    node->var = v;
    node->kids[0] = value;
    return node;
  }
  lx_Node *node = lx_tr_node(C, N_SETGLOBAL, pos, 1);
  node->value = lx_obj(lx_env_resolve(C->L, C->env, it[1]));
  node->kids[0] = value;
  return node;
}

/* ---- lambda ------------------------------------------------------------------ */

/* Bind the parameters: (a b . rest), (a b & rest), [a b & rest], or a
** lone symbol collecting every argument. */
static void sf_params(lx_Compiler *C, lx_FnInfo *f, lx_Value params, lx_SrcPos pos) {
  lx_Value list = params;
  if (lx_is(params, LX_VECTOR))
    list = lx_list_from(C->L, lx_as_vector(params)->items, lx_as_vector(params)->len);
  lx_Var *vars[LX_MAX_LOCALS + 1];
  int n = 0;
  f->param_list = list;
  while (lx_is(list, LX_PAIR)) {
    lx_Value p = lx_car(list);
    if (sf_is_sym(p, "&")) {
      lx_Value r = lx_cdr(list);
      if (!lx_is(r, LX_PAIR) || !lx_is(lx_cdr(r), LX_EMPTY))
        lx_tr_error(C, pos, "parameters: '&' must be followed by exactly one name");
      list = lx_car(r);
      break;
    }
    if (n >= LX_MAX_LOCALS) lx_tr_error(C, pos, "too many parameters (limit %d)", LX_MAX_LOCALS);
    vars[n++] = lx_tr_bind(C, p, lx_tr_pos(C, list));
    list = lx_cdr(list);
  }
  if (!lx_is(list, LX_EMPTY)) { /* rest parameter */
    vars[n++] = lx_tr_bind(C, list, pos);
    f->rest = true;
  }
  f->nparams = n - (f->rest ? 1 : 0);
  f->params = lx_tr_alloc(C, (size_t)(n ? n : 1) * sizeof(lx_Var *));
  memcpy(f->params, vars, (size_t)n * sizeof(lx_Var *));
}

/* A lambda node: a new function whose parameters and body are parsed with
** it as the current function, the scope, function and top-level flag of
** the caller restored afterwards. A leading string in a body of two or
** more forms is the doc string. name may be nil (anonymous); self, when
** not NULL, is the variable a named function or named let binds to it
** (references to it inside become N_SELF). */
static lx_Node *sf_lambda_ex(lx_Compiler *C, lx_Value params, lx_Value body, lx_Value name,
                             lx_SrcPos pos, lx_Var *self) {
  lx_FnInfo *f = lx_tr_alloc(C, sizeof(lx_FnInfo));
  f->parent = C->fn;
  f->name = name;
  f->doc = lx_nil();
  f->pos = pos;
  if (self) self->self_fn = f;
  lx_Var *saved_scope = C->scope;
  lx_FnInfo *saved_fn = C->fn;
  bool saved_top = C->toplevel;
  C->fn = f;
  C->toplevel = false;
  sf_params(C, f, params, pos);
  if (lx_is(body, LX_PAIR) && lx_is(lx_car(body), LX_STRING) && lx_is(lx_cdr(body), LX_PAIR)) {
    f->doc = lx_car(body);
    body = lx_cdr(body);
  }
  f->body = sf_body(C, body, pos);
  C->scope = saved_scope;
  C->fn = saved_fn;
  C->toplevel = saved_top;
  lx_Node *n = lx_tr_node(C, N_LAMBDA, pos, 0);
  n->fn = f;
  return n;
}

/* An anonymous or named lambda with no self variable. */
static lx_Node *sf_make_lambda(lx_Compiler *C, lx_Value params, lx_Value body, lx_Value name,
                               lx_SrcPos pos) {
  return sf_lambda_ex(C, params, body, name, pos, NULL);
}

static lx_Node *sf_setvar(lx_Compiler *C, lx_Var *v, lx_Node *value, lx_SrcPos pos);
static lx_Node *sf_local(lx_Compiler *C, lx_Var *v, lx_SrcPos pos);

/* A letrec of one function: var is set to fn, then `then` is evaluated
** (the named fn and the named let; the caller restores the scope). */
static lx_Node *sf_letrec1(lx_Compiler *C, lx_Var *var, lx_Node *fn, lx_Node *then, lx_SrcPos pos) {
  lx_Node *seq = lx_tr_node(C, N_SEQ, pos, 2);
  seq->kids[0] = sf_setvar(C, var, fn, pos);
  seq->kids[1] = then;
  lx_Node *rec = lx_tr_node(C, N_LETREC, pos, 1);
  rec->vars = lx_tr_alloc(C, sizeof(lx_Var *));
  rec->vars[0] = var;
  rec->nvars = 1;
  rec->kids[0] = seq;
  return rec;
}

/* (fn name [params] body...): name is bound to the function in its body. */
static lx_Node *sf_named_fn(lx_Compiler *C, lx_Value name, lx_Value params, lx_Value body,
                            lx_SrcPos pos) {
  lx_Var *saved = C->scope;
  lx_Var *self = lx_tr_bind(C, name, pos);
  self->letrec = true;
  lx_Node *fn = sf_lambda_ex(C, params, body, lx_obj(lx_as_symbol(name)->name), pos, self);
  lx_Node *rec = sf_letrec1(C, self, fn, sf_local(C, self, pos), pos);
  C->scope = saved;
  return rec;
}

/* (lambda params body...), (fn [params] body...), (fn name [params] body...) */
static lx_Node *sf_lambda(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  lx_Value params = lx_tr_nth(C, form, 1, "lambda: expected (lambda (params...) body...)");
  lx_Value body = lx_tr_tail(form, 2);
  lx_Value name = lx_nil();
  if (lx_is(params, LX_SYMBOL) && lx_is(body, LX_PAIR) &&
      (lx_is(lx_car(body), LX_VECTOR) || lx_is(lx_car(body), LX_PAIR) ||
       lx_is(lx_car(body), LX_EMPTY)) &&
      sf_is_sym(lx_car(form), "fn")) {
    return sf_named_fn(C, params, lx_car(body), lx_cdr(body), pos);
  }
  return sf_make_lambda(C, params, body, name, pos);
}

/* ---- define, def, defn, define-macro, defmacro ---------------------------- */

/* A defining form taken apart (sf_define_parts). */
typedef struct lx_DefParts {
  lx_Value name;         /* symbol being defined */
  lx_Value expr;         /* value expression, or */
  lx_Value params, body; /* a function's parameters and body */
  bool is_fn, is_macro;  /* a function (params, body) / a macro */
  lx_SrcPos pos;         /* the defining form's position */
} lx_DefParts;

/* Whether form is one of the defining forms (define, def, defn,
** define-macro, defmacro): what a body's internal definitions are. */
static bool sf_is_define_form(lx_Value form) {
  if (!lx_is(form, LX_PAIR) || !lx_is(lx_car(form), LX_SYMBOL)) return false;
  static const char *names[] = {"define", "def", "defn", "define-macro", "defmacro", NULL};
  for (int i = 0; names[i]; i++)
    if (sf_is_sym(lx_car(form), names[i])) return true;
  return false;
}

/* Split any defining form into its parts. */
static lx_DefParts sf_define_parts(lx_Compiler *C, lx_Value form) {
  lx_DefParts d = {lx_nil(), lx_nil(), lx_nil(), lx_nil(), false, false, lx_tr_pos(C, form)};
  const char *kw = lx_tr_symname(lx_car(form));
  d.is_macro = strcmp(kw, "define-macro") == 0 || strcmp(kw, "defmacro") == 0;
  lx_Value target = lx_tr_nth(
      C, form, 1, "define: expected (define name value) or (define (name params...) body...)");
  lx_Value rest = lx_tr_tail(form, 2);
  if (lx_is(target, LX_PAIR)) { /* (define (name . params) body...) */
    d.name = lx_car(target);
    d.params = lx_cdr(target);
    d.body = rest;
    d.is_fn = true;
  } else if (strcmp(kw, "defn") == 0 || strcmp(kw, "defmacro") == 0) {
    d.name = target;
    if (lx_is(rest, LX_PAIR) && lx_is(lx_car(rest), LX_STRING) && lx_is(lx_cdr(rest), LX_PAIR)) {
      lx_Value doc = lx_car(rest); /* (defn f "doc" [x] ...) */
      rest = lx_cdr(rest);
      d.body = lx_cons(C->L, doc, lx_tr_tail(rest, 1));
    } else {
      d.body = lx_tr_tail(rest, 1);
    }
    if (!lx_is(rest, LX_PAIR))
      lx_tr_error(C, d.pos, "%s: expected (%s name [params] body...)", kw, kw);
    if (lx_is(lx_car(rest), LX_PAIR) && lx_is(lx_car(lx_car(rest)), LX_VECTOR))
      lx_tr_error(C, d.pos, "%s: multi-arity functions are not supported (hint: use & rest)", kw);
    d.params = lx_car(rest);
    d.is_fn = true;
  } else { /* (define name value) or (def name "doc" value) */
    d.name = target;
    if (lx_is(rest, LX_PAIR) && lx_is(lx_cdr(rest), LX_PAIR) && lx_is(lx_car(rest), LX_STRING))
      rest = lx_cdr(rest);
    d.expr = lx_is(rest, LX_PAIR) ? lx_car(rest) : lx_nil();
    if (lx_is(rest, LX_PAIR) && !lx_is(lx_cdr(rest), LX_EMPTY))
      lx_tr_error(C, d.pos, "%s: too many forms (hint: (define name value))", kw);
  }
  if (!lx_is(d.name, LX_SYMBOL)) lx_tr_error(C, d.pos, "%s: the name must be a symbol", kw);
  return d;
}

/* The value node of a definition; self binds the name for self-calls. */
static lx_Node *sf_define_value(lx_Compiler *C, const lx_DefParts *d, lx_Var *self) {
  lx_Value name = lx_obj(lx_as_symbol(d->name)->name);
  if (d->is_fn) return sf_lambda_ex(C, d->params, d->body, name, d->pos, self);
  lx_Node *v = lx_tr_expr(C, d->expr, false);
  if (v->kind == N_LAMBDA && lx_is(v->fn->name, LX_NIL)) v->fn->name = name;
  return v;
}

/* A top-level definition: (define ...) and every other defining form,
** where top allows it. The box is env's own (created unbound now, so
** references compiled later in the same form resolve to it); the node
** defines it, as a macro for define-macro and defmacro. */
static lx_Node *sf_define(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  if (!top)
    lx_tr_error(C, pos, "%s is only allowed at the top level or at the start of a body",
                lx_tr_symname(lx_car(form)));
  lx_DefParts d = sf_define_parts(C, form);
  lx_Box *box = lx_env_own_box(C->L, C->env, d.name);
  lx_Node *n = lx_tr_node(C, N_DEFINE, pos, 1);
  n->value = lx_obj(box);
  n->op = d.is_macro;
  n->kids[0] = sf_define_value(C, &d, NULL);
  return n;
}

/* ---- let, let*, letrec, named let ---------------------------------------- */

/* Bindings as parallel arrays of names and init forms: ((a 1) (b 2)),
** ((a 1) b) or Clojure's [a 1 b 2]. */
static int sf_bindings(lx_Compiler *C, lx_Value b, lx_Value **names, lx_Value **inits,
                       lx_SrcPos pos) {
  int n;
  if (lx_is(b, LX_VECTOR)) {
    /* The snapshot keeps the forms alive if a macro in an init rewrites
    ** the vector (the arrays below are not seen by the collector). */
    lx_Snapshot s = lx_tr_snapshot_vector(C, lx_as_vector(b), pos);
    if (s.n % 2) lx_tr_error(C, pos, "let: [bindings] need name/value pairs");
    n = s.n / 2;
    *names = lx_tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Value));
    *inits = lx_tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Value));
    for (int i = 0; i < n; i++) {
      (*names)[i] = s.items->items[2 * i];
      (*inits)[i] = s.items->items[2 * i + 1];
    }
    return n;
  }
  lx_Value *it = lx_tr_items(C, b, &n, "let bindings");
  *names = lx_tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Value));
  *inits = lx_tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Value));
  for (int i = 0; i < n; i++) {
    if (lx_is(it[i], LX_SYMBOL)) {
      (*names)[i] = it[i];
      (*inits)[i] = lx_nil();
      continue;
    }
    int k;
    lx_Value *pair = lx_is(it[i], LX_PAIR) ? lx_tr_items(C, it[i], &k, "let binding") : NULL;
    if (!pair || k < 1 || k > 2)
      lx_tr_error(C, lx_tr_pos(C, it[i]), "let: each binding must be (name value)");
    (*names)[i] = pair[0];
    (*inits)[i] = k == 2 ? pair[1] : lx_nil();
  }
  return n;
}

/* let (parallel) or let* (sequential): same code, different scoping. let
** binds its variables after all inits are parsed, so inits see the outer
** scope; let* (and a let with [bindings], Clojure's) binds each one after
** its own init, so later inits see earlier variables. */
static lx_Node *sf_make_let(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool sequential) {
  lx_Value *names, *inits;
  int n = sf_bindings(C, lx_tr_nth(C, form, 1, "let: expected (let (bindings...) body...)"), &names,
                      &inits, pos);
  lx_Var *saved = C->scope;
  lx_Node *node = lx_tr_node(C, N_LET, pos, n + 1);
  node->vars = lx_tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Var *));
  node->nvars = n;
  for (int i = 0; i < n; i++) {
    node->kids[i] = lx_tr_expr(C, inits[i], false);
    if (sequential) node->vars[i] = lx_tr_bind(C, names[i], pos);
  }
  if (!sequential)
    for (int i = 0; i < n; i++) node->vars[i] = lx_tr_bind(C, names[i], pos);
  node->kids[n] = sf_body(C, lx_tr_tail(form, 2), pos);
  C->scope = saved;
  return node;
}

/* A node assigning value to the local variable v (what letrec inits and
** internal definitions become). */
static lx_Node *sf_setvar(lx_Compiler *C, lx_Var *v, lx_Node *value, lx_SrcPos pos) {
  lx_Node *n = lx_tr_node(C, N_SETLOCAL, pos, 1);
  n->var = v;
  n->kids[0] = value;
  return n;
}

/* (let name ((v init)...) body...): a self-recursive local function. */
static lx_Node *sf_named_let(lx_Compiler *C, lx_Value form, lx_SrcPos pos) {
  lx_Value name = lx_car(lx_cdr(form));
  lx_Value *names, *inits;
  int n =
      sf_bindings(C, lx_tr_nth(C, form, 2, "named let: expected (let name (bindings...) body...)"),
                  &names, &inits, pos);
  lx_Node *call = lx_tr_node(C, N_CALL, pos, n + 1);
  for (int i = 0; i < n; i++) call->kids[i + 1] = lx_tr_expr(C, inits[i], false);
  lx_Var *saved = C->scope;
  lx_Var *loop = lx_tr_bind(C, name, pos);
  loop->letrec = true;
  lx_Value params = lx_list_from(C->L, names, (size_t)n);
  lx_Node *fn =
      sf_lambda_ex(C, params, lx_tr_tail(form, 3), lx_obj(lx_as_symbol(name)->name), pos, loop);
  call->kids[0] = sf_local(C, loop, pos);
  lx_Node *rec = sf_letrec1(C, loop, fn, call, pos);
  C->scope = saved;
  return rec;
}

/* (let name bindings body...) is a named let; a [vector] of bindings is
** sequential like let*; otherwise a parallel let. */
static lx_Node *sf_let(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  lx_Value second = lx_tr_nth(C, form, 1, "let: expected (let (bindings...) body...)");
  if (lx_is(second, LX_SYMBOL)) return sf_named_let(C, form, pos);
  return sf_make_let(C, form, pos, lx_is(second, LX_VECTOR));
}

static lx_Node *sf_letstar(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return sf_make_let(C, form, pos, true);
}

/* (letrec ((v init) ...) body...): every variable is bound (nil) before
** any init is parsed, so inits may refer to each other; the inits become
** assignments in order, followed by the body. */
static lx_Node *sf_letrec(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  lx_Value *names, *inits;
  int n = sf_bindings(C, lx_tr_nth(C, form, 1, "letrec: expected (letrec (bindings...) body...)"),
                      &names, &inits, pos);
  lx_Var *saved = C->scope;
  lx_Node *rec = lx_tr_node(C, N_LETREC, pos, 1);
  rec->vars = lx_tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Var *));
  rec->nvars = n;
  for (int i = 0; i < n; i++) {
    rec->vars[i] = lx_tr_bind(C, names[i], pos);
    rec->vars[i]->letrec = true;
  }
  lx_Node *seq = lx_tr_node(C, N_SEQ, pos, n + 1);
  for (int i = 0; i < n; i++)
    seq->kids[i] = sf_setvar(C, rec->vars[i], lx_tr_expr(C, inits[i], false), pos);
  seq->kids[n] = sf_body(C, lx_tr_tail(form, 2), pos);
  rec->kids[0] = seq;
  C->scope = saved;
  return rec;
}

/* ---- try / catch / finally ------------------------------------------------- */

/* (try body... [(catch e handler...)] [(finally cleanup...)]): body forms
** come first, then the clauses in either order (a repeated clause
** replaces the earlier one). Clojure's (catch Type e ...) is accepted and
** the type ignored. The catch variable is scoped to the handler. See
** cg_try for the code. */
static lx_Node *sf_try(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = lx_tr_items(C, form, &n, "try");
  lx_Value catch_clause = lx_nil(), finally_clause = lx_nil();
  int body_end = n;
  for (int i = 1; i < n; i++) {
    bool is_catch = lx_is(it[i], LX_PAIR) && sf_is_sym(lx_car(it[i]), "catch");
    bool is_fin = lx_is(it[i], LX_PAIR) && sf_is_sym(lx_car(it[i]), "finally");
    if (!is_catch && !is_fin) {
      if (body_end < n)
        lx_tr_error(C, lx_tr_pos(C, it[i]), "try: body forms must come before catch/finally");
      continue;
    }
    if (body_end == n) body_end = i;
    if (is_catch) catch_clause = it[i];
    else finally_clause = it[i];
  }
  lx_Node *node = lx_tr_node(C, N_TRY, pos, 3);
  node->kids[0] = sf_seq(C, lx_list_from(C->L, it + 1, (size_t)(body_end - 1)), pos, false);
  if (!lx_is(catch_clause, LX_NIL)) {
    lx_Value rest = lx_cdr(catch_clause);
    lx_SrcPos cpos = lx_tr_pos(C, catch_clause);
    if (!lx_is(rest, LX_PAIR)) lx_tr_error(C, cpos, "catch: expected (catch e body...)");
    /* Clojure: (catch Exception e body...) */
    if (lx_is(lx_cdr(rest), LX_PAIR) && lx_is(lx_car(lx_cdr(rest)), LX_SYMBOL) &&
        lx_is(lx_car(rest), LX_SYMBOL) && !lx_is(lx_cdr(lx_cdr(rest)), LX_EMPTY))
      rest = lx_cdr(rest);
    lx_Var *saved = C->scope;
    node->var = lx_tr_bind(C, lx_car(rest), cpos);
    node->kids[1] = sf_body(C, lx_cdr(rest), cpos);
    C->scope = saved;
  }
  if (!lx_is(finally_clause, LX_NIL))
    node->kids[2] = sf_seq(C, lx_cdr(finally_clause), lx_tr_pos(C, finally_clause), false);
  return node;
}

/* ---- dotimes, ->, ->> (rewritten to other forms) -------------------------- */

/* (dotimes (i n) body...) => (let ((lim n)) (let loop ((i 0))
**   (when (< i lim) body... (loop (+ i 1))))) with fresh lim/loop names. */
static lx_Node *sf_dotimes(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  lx_Value spec = lx_tr_nth(C, form, 1, "dotimes: expected (dotimes (i n) body...)");
  lx_Value *names, *inits;
  lx_Value pairlist = spec;
  if (lx_is(spec, LX_PAIR)) pairlist = lx_cons(C->L, spec, lx_empty());
  if (sf_bindings(C, pairlist, &names, &inits, pos) != 1)
    lx_tr_error(C, pos, "dotimes: expected (dotimes (i n) body...)");
  lx_Value lim = lx_tr_gensym(C, "limit"), loop = lx_tr_gensym(C, "dotimes");
  lx_Value next = lx_tr_list(C, 2, loop, lx_tr_list(C, 3, lx_tr_sym(C, "+"), names[0], lx_int(1)));
  lx_Value body = lx_cons(C->L, lx_tr_sym(C, "begin"), lx_tr_tail(form, 2));
  lx_Value test = lx_tr_list(C, 3, lx_tr_sym(C, "<"), names[0], lim);
  lx_Value when = lx_tr_list(C, 4, lx_tr_sym(C, "if"), test,
                             lx_tr_list(C, 3, lx_tr_sym(C, "begin"), body, next), lx_nil());
  lx_Value inner = lx_tr_list(C, 4, lx_tr_sym(C, "let"), loop,
                              lx_tr_list(C, 1, lx_tr_list(C, 2, names[0], lx_int(0))), when);
  lx_Value outer = lx_tr_list(C, 3, lx_tr_sym(C, "let"),
                              lx_tr_list(C, 1, lx_tr_list(C, 2, lim, inits[0])), inner);
  return lx_tr_expr(C, outer, false);
}

/* (-> x (f a) g) => (g (f x a)); ->> threads into the last position. */
static lx_Node *sf_thread(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool last) {
  lx_Value acc = lx_tr_nth(C, form, 1, "->: expected (-> value forms...)");
  for (lx_Value f = lx_tr_tail(form, 2); lx_is(f, LX_PAIR); f = lx_cdr(f)) {
    lx_Value step = lx_car(f);
    if (!lx_is(step, LX_PAIR)) {
      acc = lx_tr_list(C, 2, step, acc);
      continue;
    }
    if (!last) {
      acc = lx_cons(C->L, lx_car(step), lx_cons(C->L, acc, lx_cdr(step)));
      continue;
    }
    int n;
    lx_Value *it = lx_tr_items(C, step, &n, "->>");
    lx_Value tail = lx_cons(C->L, acc, lx_empty());
    for (int i = n - 1; i >= 0; i--) tail = lx_cons(C->L, it[i], tail);
    acc = tail;
  }
  return lx_tr_expr(C, acc, false);
}

static lx_Node *sf_thread_first(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return sf_thread(C, form, pos, false);
}

static lx_Node *sf_thread_last(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return sf_thread(C, form, pos, true);
}

/* ---- quasiquote ---------------------------------------------------------------- */

/* A builtin by name, straight from the base environment (so user
** definitions cannot hijack desugared code). */
static lx_Node *sf_builtin(lx_Compiler *C, const char *name, lx_SrcPos pos) {
  lx_Box *b = lx_env_find(C->L, C->L->base_env, lx_tr_sym(C, name));
  if (!b || !(b->h.flags & LX_BOX_DEFINED))
    lx_tr_error(C, pos, "internal: builtin %s is missing", name);
  return lx_tr_const(C, b->value, pos);
}

/* A call of the builtin fn (sf_builtin) with one operand (b NULL) or two. */
static lx_Node *sf_call2(lx_Compiler *C, const char *fn, lx_SrcPos pos, lx_Node *a, lx_Node *b) {
  lx_Node *n = lx_tr_node(C, N_CALL, pos, b ? 3 : 2);
  n->kids[0] = sf_builtin(C, fn, pos);
  n->kids[1] = a;
  if (b) n->kids[2] = b;
  return n;
}

/* True when x is the two-item list (sym e), e.g. (unquote e). */
static bool sf_is_tagged(lx_Value x, lx_Value sym) {
  return lx_is(x, LX_PAIR) && lx_car(x).as.o == sym.as.o && lx_is(lx_car(x), LX_SYMBOL) &&
         lx_is(lx_cdr(x), LX_PAIR) && lx_is(lx_cdr(lx_cdr(x)), LX_EMPTY);
}

static lx_Node *sf_qq(lx_Compiler *C, lx_Value x, int depth, lx_SrcPos pos);

/* A call of a builtin with the given operand nodes. */
static lx_Node *sf_calln(lx_Compiler *C, const char *fn, lx_SrcPos pos, lx_Node **args, int n) {
  lx_Node *call = lx_tr_node(C, N_CALL, pos, n + 1);
  call->kids[0] = sf_builtin(C, fn, pos);
  memcpy(call->kids + 1, args, (size_t)n * sizeof *args);
  return call;
}

/* True when item is ,@e at quasiquote depth 1 (spliced, not consed). */
static bool sf_qq_splices(lx_Compiler *C, lx_Value item, int depth) {
  return depth == 1 && sf_is_tagged(item, C->L->sym_unquote_splicing);
}

/* One item of a quasiquoted list (not a depth-1 splice). */
static lx_Node *sf_qq_item(lx_Compiler *C, lx_Value item, int depth, lx_SrcPos pos) {
  lx_State *L = C->L;
  if (!sf_is_tagged(item, L->sym_unquote_splicing)) return sf_qq(C, item, depth, pos);
  return sf_call2(C, "list", pos, lx_tr_const(C, L->sym_unquote_splicing, pos),
                  sf_qq(C, lx_car(lx_cdr(item)), depth - 1, pos));
}

/* Quasiquote over a list, iteratively (a list can have a million items):
** the items become pieces -- runs of at most LX_QQ_RUN ordinary items
** built by one (list ...) call, and the spliced expressions -- joined by
** one (append ...) call, so neither this pass nor code generation nests
** deeper per item. A dotted tail `(a . ,b) is consed onto the last item
** (append shares its last argument, as splicing at the end always has). */
static lx_Node *sf_qq_list(lx_Compiler *C, lx_Value x, int depth, lx_SrcPos pos) {
  lx_State *L = C->L;
  lx_Value tail = x;
  int64_t n = 0;
  while (lx_is(tail, LX_PAIR) && !sf_is_tagged(tail, L->sym_unquote) &&
         !sf_is_tagged(tail, L->sym_quasiquote)) {
    tail = lx_cdr(tail);
    n++;
  }
  lx_tr_work(C, 1 + n);
  if (n > INT32_MAX / 4) lx_tr_error(C, pos, "quasiquote: template too long to compile");
  lx_Node *last = NULL; /* the final piece when the tail is not () */
  if (!lx_is(tail, LX_EMPTY)) {
    last = lx_is(tail, LX_PAIR) ? sf_qq(C, tail, depth, pos) : lx_tr_const(C, tail, pos);
    if (n == 0) return last;
  }
  lx_Node **pieces = lx_tr_alloc(C, (size_t)(n + 1) * sizeof *pieces);
  lx_Node **run = lx_tr_alloc(C, (size_t)(n + 1) * sizeof *run);
  int npieces = 0, nrun = 0;
  lx_SrcPos run_pos = pos;
  for (int64_t i = 0; i < n; i++, x = lx_cdr(x)) {
    lx_Value item = lx_car(x);
    lx_SrcPos ipos = lx_tr_pos(C, x);
    bool splice = sf_qq_splices(C, item, depth);
    bool final = i == n - 1 && last && !splice; /* consed onto the tail */
    if (nrun > 0 && (splice || final || nrun == LX_QQ_RUN)) {
      pieces[npieces++] = sf_calln(C, "list", run_pos, run, nrun);
      nrun = 0;
    }
    if (splice) {
      pieces[npieces++] = lx_tr_expr(C, lx_car(lx_cdr(item)), false);
    } else if (final) {
      last = lx_tr_prim(C, LX_OP_CONS, ipos, sf_qq_item(C, item, depth, ipos), last);
    } else {
      if (nrun == 0) run_pos = ipos;
      run[nrun++] = sf_qq_item(C, item, depth, ipos);
    }
  }
  if (nrun > 0) pieces[npieces++] = sf_calln(C, "list", run_pos, run, nrun);
  if (last) pieces[npieces++] = last;
  if (npieces == 1) return pieces[0]; /* a lone splice is shared as before */
  return sf_calln(C, "append", pos, pieces, npieces);
}

/* True when x holds no unquote at this depth (it can be a constant).
** Charged per node visited: a template with heavy sharing is walked once
** per path, and that is the work. */
static bool sf_qq_static(lx_Compiler *C, lx_Value x) {
  lx_State *L = C->L;
  lx_c_enter(L);
  bool is_static = true;
  while (is_static && lx_is(x, LX_PAIR)) {
    lx_tr_work(C, 1);
    lx_Value h = lx_car(x);
    if (lx_is(h, LX_SYMBOL) &&
        (h.as.o == L->sym_unquote.as.o || h.as.o == L->sym_unquote_splicing.as.o ||
         h.as.o == L->sym_quasiquote.as.o))
      is_static = false;
    else if (lx_is(h, LX_PAIR) || lx_is(h, LX_VECTOR) || lx_is(h, LX_DICT))
      is_static = sf_qq_static(C, h);
    x = lx_cdr(x);
  }
  if (is_static && lx_is(x, LX_VECTOR)) {
    lx_Vector *v = lx_as_vector(x);
    lx_tr_work(C, 1 + (int64_t)v->len);
    for (size_t i = 0; is_static && i < v->len; i++) is_static = sf_qq_static(C, v->items[i]);
  }
  lx_c_leave(L);
  return is_static && !lx_is(x, LX_DICT);
}

/* The node building the value of template x at quasiquote depth `depth`
** (1 inside the outermost `; each nested ` adds one, each , removes one):
**   - a part with no unquote at this depth is a constant (shared, as quote);
**   - ,e at depth 1 is e evaluated; deeper it stays the list (unquote ...)
**     with its inside expanded one level lower;
**   - a nested `x stays (quasiquote ...) with x expanded one level deeper;
**   - a vector is built as a list and converted (list->vector);
**   - a dict's keys and values are each expanded (snapshotted first: the
**     unquoted parts run macros);
**   - a list goes to sf_qq_list (splices, long lists, dotted tails).
** Recursion follows the template's nesting only, under the C depth guard. */
static lx_Node *sf_qq(lx_Compiler *C, lx_Value x, int depth, lx_SrcPos pos) {
  lx_State *L = C->L;
  lx_c_enter(L);
  lx_Node *r;
  if (sf_qq_static(C, x)) {
    r = lx_tr_const(C, x, pos);
  } else if (sf_is_tagged(x, L->sym_unquote)) {
    lx_Value e = lx_car(lx_cdr(x));
    r = depth == 1 ? lx_tr_expr(C, e, false)
                   : sf_call2(C, "list", pos, lx_tr_const(C, L->sym_unquote, pos),
                              sf_qq(C, e, depth - 1, pos));
  } else if (sf_is_tagged(x, L->sym_quasiquote)) {
    r = sf_call2(C, "list", pos, lx_tr_const(C, L->sym_quasiquote, pos),
                 sf_qq(C, lx_car(lx_cdr(x)), depth + 1, pos));
  } else if (lx_is(x, LX_VECTOR)) {
    lx_Vector *v = lx_as_vector(x);
    r = sf_call2(C, "list->vector", pos,
                 sf_qq_list(C, lx_list_from(L, v->items, v->len), depth, pos), NULL);
  } else if (lx_is(x, LX_DICT)) {
    /* Unquoted parts run macros: snapshot first (see sf_vector_lit). */
    lx_Snapshot s = lx_tr_snapshot_dict(C, lx_as_dict(x), pos);
    lx_Node *n = lx_tr_node(C, N_DICT, pos, s.n);
    for (int i = 0; i < s.n; i++) n->kids[i] = sf_qq(C, s.items->items[i], depth, pos);
    r = n;
  } else {
    r = sf_qq_list(C, x, depth, pos);
  }
  lx_c_leave(L);
  return r;
}

static lx_Node *sf_quasiquote(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return sf_qq(C, lx_tr_nth(C, form, 1, "quasiquote: expected `datum"), 1, pos);
}

/* , and ,@ reach the compiler only outside a quasiquote (sf_qq handles
** them inside): always an error. */
static lx_Node *sf_unquote(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  lx_tr_error(C, pos, "%s outside of a quasiquote (hint: use ` before the template)",
              lx_tr_symname(lx_car(form)));
}

/* catch and finally outside a try (sf_try takes them as its clauses). */
static lx_Node *sf_catch(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  lx_tr_error(C, pos, "%s is only allowed inside (try ...)", lx_tr_symname(lx_car(form)));
}

/* ---- the table ------------------------------------------------------------------ */

static const struct {
  const char *name;
  sf_Fn fn;
} sf_specials[] = {
    {"quote", sf_quote},
    {"quasiquote", sf_quasiquote},
    {"unquote", sf_unquote},
    {"unquote-splicing", sf_unquote},
    {"if", sf_if},
    {"define", sf_define},
    {"def", sf_define},
    {"defn", sf_define},
    {"define-macro", sf_define},
    {"defmacro", sf_define},
    {"lambda", sf_lambda},
    {"fn", sf_lambda},
    {"let", sf_let},
    {"let*", sf_letstar},
    {"letrec", sf_letrec},
    {"letrec*", sf_letrec},
    {"cond", sf_cond},
    {"case", sf_case},
    {"when", sf_when},
    {"unless", sf_unless},
    {"and", sf_and},
    {"or", sf_or},
    {"begin", sf_begin},
    {"do", sf_begin},
    {"set!", sf_set},
    {"try", sf_try},
    {"catch", sf_catch},
    {"finally", sf_catch},
    {"dotimes", sf_dotimes},
    {"->", sf_thread_first},
    {"->>", sf_thread_last},
};
#define SF_NSPECIALS (sizeof sf_specials / sizeof sf_specials[0])

/* Special-form symbols carry their table index + 1 in their flags; they
** are pinned in L->permanent so the weak symbol table never drops them. */
void lx_compiler_init(lx_State *L) {
  for (size_t i = 0; i < SF_NSPECIALS; i++) {
    lx_Value sym = lx_csymbol(L, sf_specials[i].name);
    sym.as.o->flags = (uint16_t)(i + 1);
    lx_vector_push(L, L->permanent, sym);
  }
}

/* The names in table order, in a static array filled on each call. */
const char *const *lispy_special_forms(size_t *n) {
  static const char *names[SF_NSPECIALS];
  for (size_t i = 0; i < SF_NSPECIALS; i++) names[i] = sf_specials[i].name;
  *n = SF_NSPECIALS;
  return names;
}

/* The handler from the table index lx_compiler_init stored in the
** symbol's flags (0: not a special form). */
sf_Fn lx_sf_lookup(lx_Value head) {
  if (!lx_is(head, LX_SYMBOL) || head.as.o->flags == 0) return NULL;
  return sf_specials[head.as.o->flags - 1].fn;
}

/* A sequence of forms: nil when empty, the node itself when one. */
static lx_Node *sf_seq(lx_Compiler *C, lx_Value forms, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = lx_tr_items(C, forms, &n, "body");
  if (n == 0) return lx_tr_const(C, lx_nil(), pos);
  if (n == 1) return lx_tr_expr(C, it[0], top);
  lx_Node *seq = lx_tr_node(C, N_SEQ, pos, n);
  for (int i = 0; i < n; i++) seq->kids[i] = lx_tr_expr(C, it[i], top);
  return seq;
}

/* Collect a body's forms, expanding macros at their heads and splicing
** (begin ...) so that definitions produced either way are seen. */
static void sf_flatten_body(lx_Compiler *C, lx_Value body, lx_Vector *out) {
  lx_c_enter(C->L); /* (begin (begin ...)) from a macro can nest deeply */
  for (; lx_is(body, LX_PAIR); body = lx_cdr(body)) {
    lx_tr_work(C, 1);
    lx_Value f = lx_tr_expand(C, lx_car(body));
    if (lx_is(f, LX_PAIR) && sf_is_sym(lx_car(f), "begin") && !lx_tr_lookup(C, lx_car(f))) {
      sf_flatten_body(C, lx_cdr(f), out);
      continue;
    }
    if (lx_is(f, LX_PAIR) && !lx_as_pair(f)->pos.line && lx_is(body, LX_PAIR))
      lx_as_pair(f)->pos = lx_as_pair(body)->pos;
    lx_vector_push(C->L, out, f);
  }
  lx_c_leave(C->L);
}

/* A lambda or let body: internal definitions become letrec* variables. */
static lx_Node *sf_body(lx_Compiler *C, lx_Value body, lx_SrcPos pos) {
  lx_Vector *forms = lx_vector_new(C->L, 4);
  sf_flatten_body(C, body, forms);
  int ndefs = 0;
  for (size_t i = 0; i < forms->len; i++) ndefs += sf_is_define_form(forms->items[i]);
  if (ndefs == 0) {
    lx_Value list = lx_list_from(C->L, forms->items, forms->len);
    return sf_seq(C, list, pos, false);
  }
  lx_Var *saved = C->scope;
  lx_Node *rec = lx_tr_node(C, N_LETREC, pos, 1);
  rec->vars = lx_tr_alloc(C, (size_t)ndefs * sizeof(lx_Var *));
  lx_DefParts *parts = lx_tr_alloc(C, (size_t)ndefs * sizeof(lx_DefParts));
  for (size_t i = 0; i < forms->len; i++) {
    if (!sf_is_define_form(forms->items[i])) continue;
    parts[rec->nvars] = sf_define_parts(C, forms->items[i]);
    if (parts[rec->nvars].is_macro)
      lx_tr_error(C, parts[rec->nvars].pos, "macros can only be defined at the top level");
    lx_Var *v = lx_tr_bind(C, parts[rec->nvars].name, parts[rec->nvars].pos);
    v->letrec = true;
    rec->vars[rec->nvars++] = v;
  }
  lx_Node *seq = lx_tr_node(C, N_SEQ, pos, (int)forms->len + 1);
  for (size_t i = 0, d = 0; i < forms->len; i++) {
    lx_Value f = forms->items[i];
    if (sf_is_define_form(f)) {
      seq->kids[i] =
          sf_setvar(C, rec->vars[d], sf_define_value(C, &parts[d], rec->vars[d]), parts[d].pos);
      d++;
    } else {
      seq->kids[i] = lx_tr_expr(C, f, false);
    }
  }
  seq->kids[forms->len] = lx_tr_const(C, lx_nil(), pos);
  if (!sf_is_define_form(forms->items[forms->len - 1])) seq->nkids--;
  rec->kids[0] = seq;
  C->scope = saved;
  return rec;
}
