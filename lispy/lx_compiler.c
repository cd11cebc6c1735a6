/*
** lx_compiler.c -- source forms to bytecode.
**
** Two passes over each top-level form:
**
**   1. parse: macro-expand and desugar every special form (let*, named let,
**      cond, case, when, ->, defn, quasiquote, ...) into a small tree of
**      nodes whose variable references are already resolved to lexical
**      variables, captured upvalues or global boxes. While parsing we learn
**      which variables are captured by inner functions and which are
**      assigned, so
**   2. codegen can keep most variables in plain stack slots and box only
**      the captured-and-assigned ones (flat closures copy values).
**
** Nodes live in an arena freed when compilation ends, also on error.
**
** Compiling is agent work like any other: every node built, list item
** walked and scope entry searched is charged as fuel (tr_work, which
** polls the deadline and interrupt as the work accumulates), the arena
** and code buffers are allocated through the accounting allocator, so a
** form with heavy sharing or a huge literal stops at the fuel, time or
** memory limit instead of running the host out of time or memory.
*/
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_lib.h"
#include "lx_opcodes.h"

/* Every index the compiler emits fits the instruction's signed 24-bit operand. */
_Static_assert(LX_MAX_CONSTANTS - 1 <= LX_MAX_SARG, "constant indexes must fit an operand");
_Static_assert(LX_MAX_CALL_ARGS <= LX_MAX_SARG, "argument counts must fit an operand");
_Static_assert(LX_MAX_STACK_SLOTS <= LX_MAX_SARG, "slot numbers must fit an operand");

/* ========================================================================
** Data structures
** ======================================================================== */

typedef struct lx_FnInfo lx_FnInfo;

typedef struct lx_Var {
  lx_Value name;           /* symbol */
  lx_FnInfo *owner;        /* function whose frame holds it */
  int slot;                /* stack slot, assigned by codegen */
  bool captured;           /* referenced from an inner function */
  bool mutated;            /* target of set! */
  bool letrec;             /* bound before its value exists */
  lx_FnInfo *self_fn;      /* letrec var bound to this lambda */
  struct lx_Var *next;     /* enclosing binding (scope chain) */
} lx_Var;

typedef enum {
  N_CONST, N_LOCAL, N_GLOBAL, N_SETLOCAL, N_SETGLOBAL, N_DEFINE, N_IF,
  N_SEQ, N_LAMBDA, N_CALL, N_LET, N_LETREC, N_AND, N_OR, N_TRY, N_PRIM,
  N_VECTOR, N_DICT, N_SELF
} lx_NodeKind;

typedef struct lx_Node {
  lx_NodeKind kind;
  lx_SrcPos pos;
  lx_Value value;          /* CONST: the value; GLOBAL/SET/DEFINE: the box */
  lx_Var *var;             /* LOCAL, SETLOCAL; TRY: the catch variable */
  lx_FnInfo *fn;           /* LAMBDA */
  int op;                  /* PRIM: opcode; DEFINE: 1 for a macro */
  struct lx_Node **kids;   /* operands, in order */
  int nkids;
  lx_Var **vars;           /* LET/LETREC: bound variables */
  int nvars;
} lx_Node;

struct lx_FnInfo {
  lx_FnInfo *parent;
  lx_Var **upvars;         /* captured variables, in upvalue order */
  int nupvars, capupvars;
  lx_Var **params;
  int nparams;
  bool rest;
  lx_Node *body;
  lx_Value name, doc, param_list;
  lx_SrcPos pos;
};

typedef struct lx_Chunk { struct lx_Chunk *next; size_t used, cap; char data[]; } lx_Chunk;

/* Growable arrays for code generation (accounted memory, freed by tr_free
** also on error). */
typedef struct lx_CodeBuf {
  lx_Instr *code; size_t n, capcode;  /* instructions */
  lx_SrcPos *lines; size_t caplines;  /* position of each instruction */
  lx_Value *consts; size_t nconsts, capconsts;
  int32_t *cindex;         /* open-addressed: const hash -> index, -1 empty */
  size_t capcindex;        /* power of two, > 2 * nconsts (0: none yet) */
  lx_Proto **protos; size_t nprotos, capprotos;
} lx_CodeBuf;

typedef struct lx_Compiler {
  lx_State *L;
  lx_Env *env;
  lx_Chunk *arena;
  lx_Var *scope;           /* innermost binding */
  lx_FnInfo *fn;           /* function being parsed */
  bool toplevel;           /* defines are global here */
  lx_SrcPos pos;           /* position of the form being parsed */
  /* codegen */
  lx_CodeBuf *cb;
  int depth, maxdepth;     /* stack height above the frame base */
  lx_CodeBuf *bufs[LX_MAX_FN_NESTING]; /* every live buffer, freed on error */
  int nbufs;
} lx_Compiler;

/* ========================================================================
** Arena and errors
** ======================================================================== */

/* Charge n units of compile work as fuel; lx_charge also polls the
** deadline and the interrupt flag as the units add up (LX_CLOCK_POLL_UNITS). */
static void tr_work(lx_Compiler *C, int64_t n) {
  lx_charge(C->L, n);
}

/* Zeroed arena memory. Chunks come from the accounting allocator, so the
** arena counts under the memory limit (an error here leaves the chunk
** list intact for tr_free). */
static void *tr_alloc(lx_Compiler *C, size_t size) {
  size = (size + 15) & ~(size_t)15;
  if (!C->arena || C->arena->used + size > C->arena->cap) {
    /* chunks double from 1 KB up to LX_COMPILE_CHUNK: small forms stay
    ** small under tight memory limits */
    size_t cap = C->arena ? C->arena->cap * 2 : 1024;
    if (cap > LX_COMPILE_CHUNK) cap = LX_COMPILE_CHUNK;
    if (cap < size) cap = size;
    lx_Chunk *ch = lx_mem_alloc(C->L, sizeof(lx_Chunk) + cap);
    ch->next = C->arena;
    ch->used = 0;
    ch->cap = cap;
    C->arena = ch;
  }
  void *p = C->arena->data + C->arena->used;
  C->arena->used += size;
  memset(p, 0, size);
  return p;
}

/* A syntax error at the form being compiled. */
static _Noreturn void tr_error(lx_Compiler *C, lx_SrcPos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static _Noreturn void tr_error(lx_Compiler *C, lx_SrcPos pos, const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  lx_Value err = lx_error_new(C->L, "syntax", lx_cstring(C->L, msg), lx_nil());
  lx_as_error(err)->pos = pos.line ? pos : C->pos;
  lx_as_error(err)->trace = lx_empty();
  lx_throw(C->L, err);
}

/* The position of a pair (where its car was read), or the fallback. */
static lx_SrcPos tr_pos(lx_Compiler *C, lx_Value form) {
  if (lx_is(form, LX_PAIR) && lx_as_pair(form)->pos.line) return lx_as_pair(form)->pos;
  return C->pos;
}

static const char *tr_symname(lx_Value sym) {
  return lx_as_symbol(sym)->name->data;
}

/* ========================================================================
** Nodes
** ======================================================================== */

/* A node with room for nkids operands: one unit of work, plus its operands. */
static lx_Node *tr_node(lx_Compiler *C, lx_NodeKind kind, lx_SrcPos pos, int nkids) {
  tr_work(C, 1 + nkids / 8);
  lx_Node *n = tr_alloc(C, sizeof(lx_Node));
  n->kind = kind;
  n->pos = pos;
  n->value = lx_nil();
  n->nkids = nkids;
  if (nkids) n->kids = tr_alloc(C, (size_t)nkids * sizeof(lx_Node *));
  return n;
}

static lx_Node *tr_const(lx_Compiler *C, lx_Value v, lx_SrcPos pos) {
  lx_Node *n = tr_node(C, N_CONST, pos, 0);
  n->value = v;
  return n;
}

/* Items of a proper list into an arena array; errors on improper lists. */
static lx_Value *tr_items(lx_Compiler *C, lx_Value list, int *count, const char *what) {
  int64_t n = lx_list_length(list);
  if (n < 0) tr_error(C, tr_pos(C, list), "%s: malformed form (improper list)", what);
  tr_work(C, 1 + n);
  if (n > INT32_MAX / 2) tr_error(C, tr_pos(C, list), "%s: form too long to compile", what);
  lx_Value *items = tr_alloc(C, (size_t)(n ? n : 1) * sizeof(lx_Value));
  for (int64_t i = 0; i < n; i++, list = lx_cdr(list)) items[i] = lx_car(list);
  *count = (int)n;
  return items;
}

/* A copy of a vector's or dict's elements taken before any of them is
** compiled (compiling one can run a macro that mutates the original).
** The items live in a fresh vector, a GC root for the whole compilation
** (lx_compile's protected region), so elements the macro drops from the
** original stay alive while the nodes refer to them; the positions are
** copied into the arena. */
typedef struct lx_Snapshot {
  lx_Vector *items;        /* vector: the items; dict: key, value, key, ... */
  lx_SrcPos *pos;          /* position of each item (fallback: the literal's) */
  int n;                   /* number of items */
} lx_Snapshot;

/* Room for n items, refusing literals beyond what a node can index. */
static lx_Snapshot tr_snapshot_new(lx_Compiler *C, size_t n, lx_SrcPos pos) {
  if (n > LX_MAX_LITERAL_ITEMS)
    tr_error(C, pos, "literal too large to compile: %zu items (limit %d; hint: build it at run time)",
             n, LX_MAX_LITERAL_ITEMS);
  tr_work(C, 1 + (int64_t)n);
  lx_Snapshot s;
  s.items = lx_vector_new(C->L, n);
  s.pos = tr_alloc(C, (n ? n : 1) * sizeof(lx_SrcPos));
  s.n = (int)n;
  return s;
}

static lx_Snapshot tr_snapshot_vector(lx_Compiler *C, lx_Vector *v, lx_SrcPos pos) {
  lx_Snapshot s = tr_snapshot_new(C, v->len, pos);
  for (size_t i = 0; i < v->len; i++) {
    s.items->items[i] = v->items[i];
    s.pos[i] = v->pos && v->pos[i].line ? v->pos[i] : pos;
  }
  s.items->len = v->len;
  return s;
}

static lx_Snapshot tr_snapshot_dict(lx_Compiler *C, lx_Dict *d, lx_SrcPos pos) {
  lx_Snapshot s = tr_snapshot_new(C, d->count * 2, pos);
  lx_Value k, v;
  size_t i = 0;
  for (size_t it = 0; lx_dict_next(d, &it, &k, &v); i += 2) {
    assert(i + 1 < (size_t)s.n);
    s.items->items[i] = k;
    s.items->items[i + 1] = v;
    s.pos[i] = d->pos && d->pos[2 * (it - 1)].line ? d->pos[2 * (it - 1)] : pos;
    s.pos[i + 1] = d->pos && d->pos[2 * (it - 1) + 1].line ? d->pos[2 * (it - 1) + 1] : pos;
  }
  assert(i == (size_t)s.n);
  s.items->len = i;
  return s;
}

/* ========================================================================
** Scopes and variable resolution
** ======================================================================== */

static lx_Var *tr_bind(lx_Compiler *C, lx_Value name, lx_SrcPos pos) {
  if (!lx_is(name, LX_SYMBOL))
    tr_error(C, pos, "expected a variable name (symbol), got %s",
             lx_as_string(lx_short_repr(C->L, name))->data);
  lx_Var *v = tr_alloc(C, sizeof(lx_Var));
  v->name = name;
  v->owner = C->fn;
  v->slot = -1;
  v->next = C->scope;
  C->scope = v;
  return v;
}

/* The innermost binding of sym, or NULL. The scope chain can be tens of
** thousands of bindings long, so the search is charged as work. */
static lx_Var *tr_lookup(lx_Compiler *C, lx_Value sym) {
  int64_t steps = 0;
  lx_Var *v = C->scope;
  for (; v; v = v->next, steps++)
    if (v->name.as.o == sym.as.o) break;
  if (steps >= 16) tr_work(C, steps / 16);
  return v;
}

/* Record that fn (and every function between it and the variable's owner)
** needs the variable as an upvalue. */
static void tr_capture(lx_Compiler *C, lx_Var *v) {
  v->captured = true;
  for (lx_FnInfo *f = C->fn; f && f != v->owner; f = f->parent) {
    tr_work(C, 1 + f->nupvars / 16);
    bool have = false;
    for (int i = 0; i < f->nupvars; i++) have |= f->upvars[i] == v;
    if (have) continue;
    if (f->nupvars == f->capupvars) {
      int ncap = f->capupvars ? f->capupvars * 2 : 8;
      lx_Var **nu = tr_alloc(C, (size_t)ncap * sizeof *nu);
      if (f->nupvars) memcpy(nu, f->upvars, (size_t)f->nupvars * sizeof *nu);
      f->upvars = nu;
      f->capupvars = ncap;
    }
    f->upvars[f->nupvars++] = v;
  }
}

static lx_Node *tr_varref(lx_Compiler *C, lx_Value sym, lx_SrcPos pos) {
  lx_Var *v = tr_lookup(C, sym);
  if (v) {
    if (v->self_fn == C->fn && !v->mutated) return tr_node(C, N_SELF, pos, 0);
    if (v->owner != C->fn) tr_capture(C, v);
    lx_Node *n = tr_node(C, N_LOCAL, pos, 0);
    n->var = v;
    return n;
  }
  lx_Node *n = tr_node(C, N_GLOBAL, pos, 0);
  n->value = lx_obj(lx_env_resolve(C->L, C->env, sym));
  return n;
}

/* ========================================================================
** Special form table
** ======================================================================== */

typedef lx_Node *(*sf_Fn)(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top);

static lx_Node *tr_expr(lx_Compiler *C, lx_Value form, bool top);
static lx_Node *tr_body(lx_Compiler *C, lx_Value body, lx_SrcPos pos);
static lx_Node *tr_seq(lx_Compiler *C, lx_Value forms, lx_SrcPos pos, bool top);
static lx_Node *tr_lambda(lx_Compiler *C, lx_Value params, lx_Value body,
                          lx_Value name, lx_SrcPos pos);

/* Second, third ... elements with a clear error when missing. */
static lx_Value tr_nth(lx_Compiler *C, lx_Value form, int i, const char *what) {
  lx_Value x = form;
  for (int k = 0; k < i; k++) {
    if (!lx_is(x, LX_PAIR)) break;
    x = lx_cdr(x);
  }
  if (!lx_is(x, LX_PAIR)) tr_error(C, tr_pos(C, form), "%s", what);
  return lx_car(x);
}

static lx_Value tr_tail(lx_Value form, int i) {
  for (int k = 0; k < i && lx_is(form, LX_PAIR); k++) form = lx_cdr(form);
  return form;
}

static lx_Value tr_sym(lx_Compiler *C, const char *name) {
  return lx_csymbol(C->L, name);
}

static lx_Value tr_list(lx_Compiler *C, int n, ...) {
  lx_Value items[8];
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) items[i] = va_arg(ap, lx_Value);
  va_end(ap);
  return lx_list_from(C->L, items, (size_t)n);
}

/* A variable no source name can reach (for desugaring temporaries). */
static lx_Var *tr_hidden_var(lx_Compiler *C) {
  lx_Var *v = tr_alloc(C, sizeof(lx_Var));
  v->name = lx_nil();
  v->owner = C->fn;
  v->slot = -1;
  return v;
}

/* An uninterned symbol: unique, so desugared code cannot capture user
** variables. */
static lx_Value tr_gensym(lx_Compiler *C, const char *name) {
  lx_String *str = lx_string_new(C->L, name, strlen(name));
  lx_Symbol *s = (lx_Symbol *)lx_obj_new(C->L, LX_SYMBOL, sizeof(lx_Symbol));
  s->name = str;
  s->next = NULL;
  return lx_obj(s);
}

/* ---- quote, if, begin, and/or, when/unless ------------------------------- */

static lx_Node *sf_quote(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return tr_const(C, tr_nth(C, form, 1, "quote: expected (quote datum)"), pos);
}

static lx_Node *tr_if(lx_Compiler *C, lx_SrcPos pos, lx_Node *c, lx_Node *t, lx_Node *e) {
  lx_Node *n = tr_node(C, N_IF, pos, 3);
  n->kids[0] = c;
  n->kids[1] = t;
  n->kids[2] = e ? e : tr_const(C, lx_nil(), pos);
  return n;
}

static lx_Node *sf_if(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = tr_items(C, form, &n, "if");
  if (n < 3 || n > 4) tr_error(C, pos, "if: expected (if test then [else]), got %d parts", n - 1);
  return tr_if(C, pos, tr_expr(C, it[1], false), tr_expr(C, it[2], false),
               n == 4 ? tr_expr(C, it[3], false) : NULL);
}

static lx_Node *sf_begin(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return tr_seq(C, lx_cdr(form), pos, top);
}

static lx_Node *tr_andor(lx_Compiler *C, lx_Value form, lx_SrcPos pos, lx_NodeKind k) {
  int n;
  lx_Value *it = tr_items(C, form, &n, k == N_AND ? "and" : "or");
  if (n == 1) return tr_const(C, lx_bool(k == N_AND), pos);
  if (n == 2) return tr_expr(C, it[1], false);
  lx_Node *node = tr_node(C, k, pos, n - 1);
  for (int i = 1; i < n; i++) node->kids[i - 1] = tr_expr(C, it[i], false);
  return node;
}

static lx_Node *sf_and(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return tr_andor(C, form, pos, N_AND);
}

static lx_Node *sf_or(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return tr_andor(C, form, pos, N_OR);
}

static lx_Node *tr_whenunless(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool unless) {
  lx_Node *test = tr_expr(C, tr_nth(C, form, 1, "when/unless: missing test"), false);
  lx_Node *body = tr_seq(C, tr_tail(form, 2), pos, false);
  return unless ? tr_if(C, pos, test, tr_const(C, lx_nil(), pos), body)
                : tr_if(C, pos, test, body, NULL);
}

static lx_Node *sf_when(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return tr_whenunless(C, form, pos, false);
}

static lx_Node *sf_unless(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return tr_whenunless(C, form, pos, true);
}

/* ---- cond and case ------------------------------------------------------- */

static bool tr_is_sym(lx_Value v, const char *name) {
  return lx_is(v, LX_SYMBOL) && lx_as_symbol(v)->name &&
         strcmp(tr_symname(v), name) == 0;
}

static bool tr_is_else(lx_Value v) {
  return tr_is_sym(v, "else") || (lx_is(v, LX_KEYWORD) && strcmp(lx_as_symbol(v)->name->data, "else") == 0);
}

/* One clause (test body...) -> node, given the node for what follows. */
static lx_Node *tr_cond_clause(lx_Compiler *C, lx_Value clause, lx_Node *rest) {
  lx_SrcPos pos = tr_pos(C, clause);
  if (!lx_is(clause, LX_PAIR)) tr_error(C, pos, "cond: each clause must be a list (test body...)");
  if (tr_is_else(lx_car(clause))) return tr_seq(C, lx_cdr(clause), pos, false);
  lx_Node *test = tr_expr(C, lx_car(clause), false);
  if (lx_is(lx_cdr(clause), LX_EMPTY)) {  /* (test): value of test */
    lx_Node *n = tr_node(C, N_OR, pos, 2);
    n->kids[0] = test;
    n->kids[1] = rest;
    return n;
  }
  return tr_if(C, pos, test, tr_seq(C, lx_cdr(clause), pos, false), rest);
}

static lx_Node *sf_cond(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = tr_items(C, form, &n, "cond");
  lx_Node *acc = tr_const(C, lx_nil(), pos);
  bool clojure = false;  /* Scheme clauses are all lists */
  for (int i = 1; i < n; i++) clojure |= !lx_is(it[i], LX_PAIR);
  if (clojure) {  /* (cond t1 e1 t2 e2 :else e3) */
    if ((n - 1) % 2) tr_error(C, pos, "cond: odd number of forms in (cond test expr ...)");
    for (int i = n - 2; i >= 1; i -= 2)
      acc = tr_is_else(it[i]) ? tr_expr(C, it[i + 1], false)
          : tr_if(C, pos, tr_expr(C, it[i], false), tr_expr(C, it[i + 1], false), acc);
    return acc;
  }
  for (int i = n - 1; i >= 1; i--) acc = tr_cond_clause(C, it[i], acc);
  return acc;
}

static lx_Node *tr_local(lx_Compiler *C, lx_Var *v, lx_SrcPos pos) {
  lx_Node *n = tr_node(C, N_LOCAL, pos, 0);
  n->var = v;
  return n;
}

static lx_Node *tr_prim(lx_Compiler *C, int op, lx_SrcPos pos, lx_Node *a, lx_Node *b) {
  lx_Node *n = tr_node(C, N_PRIM, pos, b ? 2 : 1);
  n->op = op;
  n->kids[0] = a;
  if (b) n->kids[1] = b;
  return n;
}

/* Test key against each datum of a case clause (equal? semantics). */
static lx_Node *tr_case_test(lx_Compiler *C, lx_Var *key, lx_Value datums, lx_SrcPos pos) {
  if (!lx_is(datums, LX_PAIR) && !lx_is(datums, LX_EMPTY))
    return tr_prim(C, LX_OP_EQUAL, pos, tr_local(C, key, pos), tr_const(C, datums, pos));
  int n;
  lx_Value *it = tr_items(C, datums, &n, "case");
  lx_Node *acc = tr_const(C, lx_bool(false), pos);
  if (n == 0) return acc;
  lx_Node *or = tr_node(C, N_OR, pos, n);
  for (int i = 0; i < n; i++)
    or->kids[i] = tr_prim(C, LX_OP_EQUAL, pos, tr_local(C, key, pos), tr_const(C, it[i], pos));
  return or;
}

static lx_Node *tr_let1(lx_Compiler *C, lx_Var *v, lx_Node *init, lx_Node *body, lx_SrcPos pos) {
  lx_Node *n = tr_node(C, N_LET, pos, 2);
  n->vars = tr_alloc(C, sizeof(lx_Var *));
  n->vars[0] = v;
  n->nvars = 1;
  n->kids[0] = init;
  n->kids[1] = body;
  return n;
}

/* (case key ((d...) body...) ... (else body...)) and Clojure's
** (case key d1 e1 d2 e2 default). */
static lx_Node *sf_case(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = tr_items(C, form, &n, "case");
  if (n < 2) tr_error(C, pos, "case: expected (case key clause...)");
  lx_Node *keyinit = tr_expr(C, it[1], false);
  lx_Var *key = tr_hidden_var(C);
  lx_Node *acc = tr_const(C, lx_nil(), pos);
  bool clojure = false;  /* Scheme clauses are all lists */
  for (int i = 2; i < n; i++) clojure |= !lx_is(it[i], LX_PAIR);
  if (clojure) {
    int i = n - 1;
    if ((n - 2) % 2) acc = tr_expr(C, it[i--], false);  /* default */
    for (; i >= 3; i -= 2)
      acc = tr_if(C, pos, tr_case_test(C, key, it[i - 1], pos), tr_expr(C, it[i], false), acc);
  } else {
    for (int i = n - 1; i >= 2; i--) {
      lx_SrcPos cpos = tr_pos(C, it[i]);
      if (!lx_is(it[i], LX_PAIR)) tr_error(C, cpos, "case: each clause must be ((datum...) body...)");
      lx_Node *body = tr_seq(C, lx_cdr(it[i]), cpos, false);
      acc = tr_is_else(lx_car(it[i])) ? body
          : tr_if(C, cpos, tr_case_test(C, key, lx_car(it[i]), cpos), body, acc);
    }
  }
  return tr_let1(C, key, keyinit, acc, pos);
}

/* ---- set! ------------------------------------------------------------------ */

static lx_Node *sf_set(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = tr_items(C, form, &n, "set!");
  if (n != 3 || !lx_is(it[1], LX_SYMBOL)) tr_error(C, pos, "set!: expected (set! name value)");
  lx_Node *value = tr_expr(C, it[2], false);
  lx_Var *v = tr_lookup(C, it[1]);
  if (v) {
    v->mutated = true;
    if (v->owner != C->fn) tr_capture(C, v);
    lx_Node *node = tr_node(C, N_SETLOCAL, pos, 1);
    node->var = v;
    node->kids[0] = value;
    return node;
  }
  lx_Node *node = tr_node(C, N_SETGLOBAL, pos, 1);
  node->value = lx_obj(lx_env_resolve(C->L, C->env, it[1]));
  node->kids[0] = value;
  return node;
}

/* ---- lambda ------------------------------------------------------------------ */

/* Bind the parameters: (a b . rest), (a b & rest), [a b & rest], or a
** lone symbol collecting every argument. */
static void tr_params(lx_Compiler *C, lx_FnInfo *f, lx_Value params, lx_SrcPos pos) {
  lx_Value list = params;
  if (lx_is(params, LX_VECTOR)) list = lx_list_from(C->L, lx_as_vector(params)->items, lx_as_vector(params)->len);
  lx_Var *vars[LX_MAX_LOCALS + 1];
  int n = 0;
  f->param_list = list;
  while (lx_is(list, LX_PAIR)) {
    lx_Value p = lx_car(list);
    if (tr_is_sym(p, "&")) {
      lx_Value r = lx_cdr(list);
      if (!lx_is(r, LX_PAIR) || !lx_is(lx_cdr(r), LX_EMPTY))
        tr_error(C, pos, "parameters: '&' must be followed by exactly one name");
      list = lx_car(r);
      break;
    }
    if (n >= LX_MAX_LOCALS) tr_error(C, pos, "too many parameters (limit %d)", LX_MAX_LOCALS);
    vars[n++] = tr_bind(C, p, tr_pos(C, list));
    list = lx_cdr(list);
  }
  if (!lx_is(list, LX_EMPTY)) {  /* rest parameter */
    vars[n++] = tr_bind(C, list, pos);
    f->rest = true;
  }
  f->nparams = n - (f->rest ? 1 : 0);
  f->params = tr_alloc(C, (size_t)(n ? n : 1) * sizeof(lx_Var *));
  memcpy(f->params, vars, (size_t)n * sizeof(lx_Var *));
}

static lx_Node *tr_lambda_ex(lx_Compiler *C, lx_Value params, lx_Value body,
                             lx_Value name, lx_SrcPos pos, lx_Var *self) {
  lx_FnInfo *f = tr_alloc(C, sizeof(lx_FnInfo));
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
  tr_params(C, f, params, pos);
  if (lx_is(body, LX_PAIR) && lx_is(lx_car(body), LX_STRING) && lx_is(lx_cdr(body), LX_PAIR)) {
    f->doc = lx_car(body);
    body = lx_cdr(body);
  }
  f->body = tr_body(C, body, pos);
  C->scope = saved_scope;
  C->fn = saved_fn;
  C->toplevel = saved_top;
  lx_Node *n = tr_node(C, N_LAMBDA, pos, 0);
  n->fn = f;
  return n;
}

static lx_Node *tr_lambda(lx_Compiler *C, lx_Value params, lx_Value body,
                          lx_Value name, lx_SrcPos pos) {
  return tr_lambda_ex(C, params, body, name, pos, NULL);
}

static lx_Node *tr_setvar(lx_Compiler *C, lx_Var *v, lx_Node *value, lx_SrcPos pos);
static lx_Node *tr_local(lx_Compiler *C, lx_Var *v, lx_SrcPos pos);

/* A letrec of one function: var is set to fn, then `then` is evaluated
** (the named fn and the named let; the caller restores the scope). */
static lx_Node *tr_letrec1(lx_Compiler *C, lx_Var *var, lx_Node *fn, lx_Node *then,
                           lx_SrcPos pos) {
  lx_Node *seq = tr_node(C, N_SEQ, pos, 2);
  seq->kids[0] = tr_setvar(C, var, fn, pos);
  seq->kids[1] = then;
  lx_Node *rec = tr_node(C, N_LETREC, pos, 1);
  rec->vars = tr_alloc(C, sizeof(lx_Var *));
  rec->vars[0] = var;
  rec->nvars = 1;
  rec->kids[0] = seq;
  return rec;
}

/* (fn name [params] body...): name is bound to the function in its body. */
static lx_Node *tr_named_fn(lx_Compiler *C, lx_Value name, lx_Value params, lx_Value body,
                            lx_SrcPos pos) {
  lx_Var *saved = C->scope;
  lx_Var *self = tr_bind(C, name, pos);
  self->letrec = true;
  lx_Node *fn = tr_lambda_ex(C, params, body, lx_obj(lx_as_symbol(name)->name), pos, self);
  lx_Node *rec = tr_letrec1(C, self, fn, tr_local(C, self, pos), pos);
  C->scope = saved;
  return rec;
}

/* (lambda params body...), (fn [params] body...), (fn name [params] body...) */
static lx_Node *sf_lambda(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  lx_Value params = tr_nth(C, form, 1, "lambda: expected (lambda (params...) body...)");
  lx_Value body = tr_tail(form, 2);
  lx_Value name = lx_nil();
  if (lx_is(params, LX_SYMBOL) && lx_is(body, LX_PAIR) &&
      (lx_is(lx_car(body), LX_VECTOR) || lx_is(lx_car(body), LX_PAIR) || lx_is(lx_car(body), LX_EMPTY)) &&
      tr_is_sym(lx_car(form), "fn")) {
    return tr_named_fn(C, params, lx_car(body), lx_cdr(body), pos);
  }
  return tr_lambda(C, params, body, name, pos);
}

/* ---- define, def, defn, define-macro, defmacro ---------------------------- */

typedef struct lx_DefParts {
  lx_Value name;           /* symbol being defined */
  lx_Value expr;           /* value expression, or */
  lx_Value params, body;   /* a function's parameters and body */
  bool is_fn, is_macro;
  lx_SrcPos pos;
} lx_DefParts;

static bool tr_is_define_form(lx_Value form) {
  if (!lx_is(form, LX_PAIR) || !lx_is(lx_car(form), LX_SYMBOL)) return false;
  static const char *names[] = {"define", "def", "defn", "define-macro", "defmacro", NULL};
  for (int i = 0; names[i]; i++) if (tr_is_sym(lx_car(form), names[i])) return true;
  return false;
}

/* Split any defining form into its parts. */
static lx_DefParts tr_define_parts(lx_Compiler *C, lx_Value form) {
  lx_DefParts d = {lx_nil(), lx_nil(), lx_nil(), lx_nil(), false, false, tr_pos(C, form)};
  const char *kw = tr_symname(lx_car(form));
  d.is_macro = strcmp(kw, "define-macro") == 0 || strcmp(kw, "defmacro") == 0;
  lx_Value target = tr_nth(C, form, 1, "define: expected (define name value) or (define (name params...) body...)");
  lx_Value rest = tr_tail(form, 2);
  if (lx_is(target, LX_PAIR)) {  /* (define (name . params) body...) */
    d.name = lx_car(target);
    d.params = lx_cdr(target);
    d.body = rest;
    d.is_fn = true;
  } else if (strcmp(kw, "defn") == 0 || strcmp(kw, "defmacro") == 0) {
    d.name = target;
    if (lx_is(rest, LX_PAIR) && lx_is(lx_car(rest), LX_STRING) && lx_is(lx_cdr(rest), LX_PAIR)) {
      lx_Value doc = lx_car(rest);  /* (defn f "doc" [x] ...) */
      rest = lx_cdr(rest);
      d.body = lx_cons(C->L, doc, tr_tail(rest, 1));
    } else {
      d.body = tr_tail(rest, 1);
    }
    if (!lx_is(rest, LX_PAIR)) tr_error(C, d.pos, "%s: expected (%s name [params] body...)", kw, kw);
    if (lx_is(lx_car(rest), LX_PAIR) && lx_is(lx_car(lx_car(rest)), LX_VECTOR))
      tr_error(C, d.pos, "%s: multi-arity functions are not supported (hint: use & rest)", kw);
    d.params = lx_car(rest);
    d.is_fn = true;
  } else {  /* (define name value) or (def name "doc" value) */
    d.name = target;
    if (lx_is(rest, LX_PAIR) && lx_is(lx_cdr(rest), LX_PAIR) && lx_is(lx_car(rest), LX_STRING))
      rest = lx_cdr(rest);
    d.expr = lx_is(rest, LX_PAIR) ? lx_car(rest) : lx_nil();
    if (lx_is(rest, LX_PAIR) && !lx_is(lx_cdr(rest), LX_EMPTY))
      tr_error(C, d.pos, "%s: too many forms (hint: (define name value))", kw);
  }
  if (!lx_is(d.name, LX_SYMBOL)) tr_error(C, d.pos, "%s: the name must be a symbol", kw);
  return d;
}

/* The value node of a definition; self binds the name for self-calls. */
static lx_Node *tr_define_value(lx_Compiler *C, const lx_DefParts *d, lx_Var *self) {
  lx_Value name = lx_obj(lx_as_symbol(d->name)->name);
  if (d->is_fn) return tr_lambda_ex(C, d->params, d->body, name, d->pos, self);
  lx_Node *v = tr_expr(C, d->expr, false);
  if (v->kind == N_LAMBDA && lx_is(v->fn->name, LX_NIL)) v->fn->name = name;
  return v;
}

static lx_Node *sf_define(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  if (!top)
    tr_error(C, pos, "%s is only allowed at the top level or at the start of a body",
             tr_symname(lx_car(form)));
  lx_DefParts d = tr_define_parts(C, form);
  lx_Box *box = lx_env_own_box(C->L, C->env, d.name);
  lx_Node *n = tr_node(C, N_DEFINE, pos, 1);
  n->value = lx_obj(box);
  n->op = d.is_macro;
  n->kids[0] = tr_define_value(C, &d, NULL);
  return n;
}

/* ---- let, let*, letrec, named let ---------------------------------------- */

/* Bindings as parallel arrays of names and init forms: ((a 1) (b 2)),
** ((a 1) b) or Clojure's [a 1 b 2]. */
static int tr_bindings(lx_Compiler *C, lx_Value b, lx_Value **names, lx_Value **inits,
                       lx_SrcPos pos) {
  int n;
  if (lx_is(b, LX_VECTOR)) {
    /* The snapshot keeps the forms alive if a macro in an init rewrites
    ** the vector (the arrays below are not seen by the collector). */
    lx_Snapshot s = tr_snapshot_vector(C, lx_as_vector(b), pos);
    if (s.n % 2) tr_error(C, pos, "let: [bindings] need name/value pairs");
    n = s.n / 2;
    *names = tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Value));
    *inits = tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Value));
    for (int i = 0; i < n; i++) {
      (*names)[i] = s.items->items[2 * i];
      (*inits)[i] = s.items->items[2 * i + 1];
    }
    return n;
  }
  lx_Value *it = tr_items(C, b, &n, "let bindings");
  *names = tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Value));
  *inits = tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Value));
  for (int i = 0; i < n; i++) {
    if (lx_is(it[i], LX_SYMBOL)) {
      (*names)[i] = it[i];
      (*inits)[i] = lx_nil();
      continue;
    }
    int k;
    lx_Value *pair = lx_is(it[i], LX_PAIR) ? tr_items(C, it[i], &k, "let binding") : NULL;
    if (!pair || k < 1 || k > 2)
      tr_error(C, tr_pos(C, it[i]), "let: each binding must be (name value)");
    (*names)[i] = pair[0];
    (*inits)[i] = k == 2 ? pair[1] : lx_nil();
  }
  return n;
}

/* let (parallel) or let* (sequential): same code, different scoping. */
static lx_Node *tr_let(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool sequential) {
  lx_Value *names, *inits;
  int n = tr_bindings(C, tr_nth(C, form, 1, "let: expected (let (bindings...) body...)"),
                      &names, &inits, pos);
  lx_Var *saved = C->scope;
  lx_Node *node = tr_node(C, N_LET, pos, n + 1);
  node->vars = tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Var *));
  node->nvars = n;
  for (int i = 0; i < n; i++) {
    node->kids[i] = tr_expr(C, inits[i], false);
    if (sequential) node->vars[i] = tr_bind(C, names[i], pos);
  }
  if (!sequential)
    for (int i = 0; i < n; i++) node->vars[i] = tr_bind(C, names[i], pos);
  node->kids[n] = tr_body(C, tr_tail(form, 2), pos);
  C->scope = saved;
  return node;
}

static lx_Node *tr_setvar(lx_Compiler *C, lx_Var *v, lx_Node *value, lx_SrcPos pos) {
  lx_Node *n = tr_node(C, N_SETLOCAL, pos, 1);
  n->var = v;
  n->kids[0] = value;
  return n;
}

/* (let name ((v init)...) body...): a self-recursive local function. */
static lx_Node *tr_named_let(lx_Compiler *C, lx_Value form, lx_SrcPos pos) {
  lx_Value name = lx_car(lx_cdr(form));
  lx_Value *names, *inits;
  int n = tr_bindings(C, tr_nth(C, form, 2, "named let: expected (let name (bindings...) body...)"),
                      &names, &inits, pos);
  lx_Node *call = tr_node(C, N_CALL, pos, n + 1);
  for (int i = 0; i < n; i++) call->kids[i + 1] = tr_expr(C, inits[i], false);
  lx_Var *saved = C->scope;
  lx_Var *loop = tr_bind(C, name, pos);
  loop->letrec = true;
  lx_Value params = lx_list_from(C->L, names, (size_t)n);
  lx_Node *fn = tr_lambda_ex(C, params, tr_tail(form, 3), lx_obj(lx_as_symbol(name)->name), pos, loop);
  call->kids[0] = tr_local(C, loop, pos);
  lx_Node *rec = tr_letrec1(C, loop, fn, call, pos);
  C->scope = saved;
  return rec;
}

static lx_Node *sf_let(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  lx_Value second = tr_nth(C, form, 1, "let: expected (let (bindings...) body...)");
  if (lx_is(second, LX_SYMBOL)) return tr_named_let(C, form, pos);
  return tr_let(C, form, pos, lx_is(second, LX_VECTOR));
}

static lx_Node *sf_letstar(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return tr_let(C, form, pos, true);
}

static lx_Node *sf_letrec(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  lx_Value *names, *inits;
  int n = tr_bindings(C, tr_nth(C, form, 1, "letrec: expected (letrec (bindings...) body...)"),
                      &names, &inits, pos);
  lx_Var *saved = C->scope;
  lx_Node *rec = tr_node(C, N_LETREC, pos, 1);
  rec->vars = tr_alloc(C, (size_t)(n + 1) * sizeof(lx_Var *));
  rec->nvars = n;
  for (int i = 0; i < n; i++) {
    rec->vars[i] = tr_bind(C, names[i], pos);
    rec->vars[i]->letrec = true;
  }
  lx_Node *seq = tr_node(C, N_SEQ, pos, n + 1);
  for (int i = 0; i < n; i++) seq->kids[i] = tr_setvar(C, rec->vars[i], tr_expr(C, inits[i], false), pos);
  seq->kids[n] = tr_body(C, tr_tail(form, 2), pos);
  rec->kids[0] = seq;
  C->scope = saved;
  return rec;
}

/* ---- try / catch / finally ------------------------------------------------- */

static lx_Node *sf_try(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = tr_items(C, form, &n, "try");
  lx_Value catch_clause = lx_nil(), finally_clause = lx_nil();
  int body_end = n;
  for (int i = 1; i < n; i++) {
    bool is_catch = lx_is(it[i], LX_PAIR) && tr_is_sym(lx_car(it[i]), "catch");
    bool is_fin = lx_is(it[i], LX_PAIR) && tr_is_sym(lx_car(it[i]), "finally");
    if (!is_catch && !is_fin) {
      if (body_end < n) tr_error(C, tr_pos(C, it[i]), "try: body forms must come before catch/finally");
      continue;
    }
    if (body_end == n) body_end = i;
    if (is_catch) catch_clause = it[i];
    else finally_clause = it[i];
  }
  lx_Node *node = tr_node(C, N_TRY, pos, 3);
  node->kids[0] = tr_seq(C, lx_list_from(C->L, it + 1, (size_t)(body_end - 1)), pos, false);
  if (!lx_is(catch_clause, LX_NIL)) {
    lx_Value rest = lx_cdr(catch_clause);
    lx_SrcPos cpos = tr_pos(C, catch_clause);
    if (!lx_is(rest, LX_PAIR)) tr_error(C, cpos, "catch: expected (catch e body...)");
    /* Clojure: (catch Exception e body...) */
    if (lx_is(lx_cdr(rest), LX_PAIR) && lx_is(lx_car(lx_cdr(rest)), LX_SYMBOL) &&
        lx_is(lx_car(rest), LX_SYMBOL) && !lx_is(lx_cdr(lx_cdr(rest)), LX_EMPTY))
      rest = lx_cdr(rest);
    lx_Var *saved = C->scope;
    node->var = tr_bind(C, lx_car(rest), cpos);
    node->kids[1] = tr_body(C, lx_cdr(rest), cpos);
    C->scope = saved;
  }
  if (!lx_is(finally_clause, LX_NIL))
    node->kids[2] = tr_seq(C, lx_cdr(finally_clause), tr_pos(C, finally_clause), false);
  return node;
}

/* ---- dotimes, ->, ->> (rewritten to other forms) -------------------------- */

/* (dotimes (i n) body...) => (let ((lim n)) (let loop ((i 0))
**   (when (< i lim) body... (loop (+ i 1))))) with fresh lim/loop names. */
static lx_Node *sf_dotimes(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  lx_Value spec = tr_nth(C, form, 1, "dotimes: expected (dotimes (i n) body...)");
  lx_Value *names, *inits;
  lx_Value pairlist = spec;
  if (lx_is(spec, LX_PAIR)) pairlist = lx_cons(C->L, spec, lx_empty());
  if (tr_bindings(C, pairlist, &names, &inits, pos) != 1)
    tr_error(C, pos, "dotimes: expected (dotimes (i n) body...)");
  lx_Value lim = tr_gensym(C, "limit"), loop = tr_gensym(C, "dotimes");
  lx_Value next = tr_list(C, 2, loop, tr_list(C, 3, tr_sym(C, "+"), names[0], lx_int(1)));
  lx_Value body = lx_cons(C->L, tr_sym(C, "begin"), tr_tail(form, 2));
  lx_Value test = tr_list(C, 3, tr_sym(C, "<"), names[0], lim);
  lx_Value when = tr_list(C, 4, tr_sym(C, "if"), test, tr_list(C, 3, tr_sym(C, "begin"), body, next), lx_nil());
  lx_Value inner = tr_list(C, 4, tr_sym(C, "let"), loop,
                           tr_list(C, 1, tr_list(C, 2, names[0], lx_int(0))), when);
  lx_Value outer = tr_list(C, 3, tr_sym(C, "let"), tr_list(C, 1, tr_list(C, 2, lim, inits[0])), inner);
  return tr_expr(C, outer, false);
}

/* (-> x (f a) g) => (g (f x a)); ->> threads into the last position. */
static lx_Node *tr_thread(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool last) {
  lx_Value acc = tr_nth(C, form, 1, "->: expected (-> value forms...)");
  for (lx_Value f = tr_tail(form, 2); lx_is(f, LX_PAIR); f = lx_cdr(f)) {
    lx_Value step = lx_car(f);
    if (!lx_is(step, LX_PAIR)) {
      acc = tr_list(C, 2, step, acc);
      continue;
    }
    if (!last) {
      acc = lx_cons(C->L, lx_car(step), lx_cons(C->L, acc, lx_cdr(step)));
      continue;
    }
    int n;
    lx_Value *it = tr_items(C, step, &n, "->>");
    lx_Value tail = lx_cons(C->L, acc, lx_empty());
    for (int i = n - 1; i >= 0; i--) tail = lx_cons(C->L, it[i], tail);
    acc = tail;
  }
  return tr_expr(C, acc, false);
}

static lx_Node *sf_thread_first(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return tr_thread(C, form, pos, false);
}

static lx_Node *sf_thread_last(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return tr_thread(C, form, pos, true);
}

/* ---- quasiquote ---------------------------------------------------------------- */

/* A builtin by name, straight from the base environment (so user
** definitions cannot hijack desugared code). */
static lx_Node *tr_builtin(lx_Compiler *C, const char *name, lx_SrcPos pos) {
  lx_Box *b = lx_env_find(C->L, C->L->base_env, tr_sym(C, name));
  if (!b || !(b->h.flags & LX_BOX_DEFINED)) tr_error(C, pos, "internal: builtin %s is missing", name);
  return tr_const(C, b->value, pos);
}

static lx_Node *tr_call2(lx_Compiler *C, const char *fn, lx_SrcPos pos, lx_Node *a, lx_Node *b) {
  lx_Node *n = tr_node(C, N_CALL, pos, b ? 3 : 2);
  n->kids[0] = tr_builtin(C, fn, pos);
  n->kids[1] = a;
  if (b) n->kids[2] = b;
  return n;
}

static bool tr_is_tagged(lx_Value x, lx_Value sym) {
  return lx_is(x, LX_PAIR) && lx_car(x).as.o == sym.as.o && lx_is(lx_car(x), LX_SYMBOL) &&
         lx_is(lx_cdr(x), LX_PAIR) && lx_is(lx_cdr(lx_cdr(x)), LX_EMPTY);
}

static lx_Node *tr_qq(lx_Compiler *C, lx_Value x, int depth, lx_SrcPos pos);

/* A call of a builtin with the given operand nodes. */
static lx_Node *tr_calln(lx_Compiler *C, const char *fn, lx_SrcPos pos, lx_Node **args, int n) {
  lx_Node *call = tr_node(C, N_CALL, pos, n + 1);
  call->kids[0] = tr_builtin(C, fn, pos);
  memcpy(call->kids + 1, args, (size_t)n * sizeof *args);
  return call;
}

/* True when item is ,@e at quasiquote depth 1 (spliced, not consed). */
static bool tr_qq_splices(lx_Compiler *C, lx_Value item, int depth) {
  return depth == 1 && tr_is_tagged(item, C->L->sym_unquote_splicing);
}

/* One item of a quasiquoted list (not a depth-1 splice). */
static lx_Node *tr_qq_item(lx_Compiler *C, lx_Value item, int depth, lx_SrcPos pos) {
  lx_State *L = C->L;
  if (!tr_is_tagged(item, L->sym_unquote_splicing)) return tr_qq(C, item, depth, pos);
  return tr_call2(C, "list", pos, tr_const(C, L->sym_unquote_splicing, pos),
                  tr_qq(C, lx_car(lx_cdr(item)), depth - 1, pos));
}

/* Quasiquote over a list, iteratively (a list can have a million items):
** the items become pieces -- runs of at most LX_QQ_RUN ordinary items
** built by one (list ...) call, and the spliced expressions -- joined by
** one (append ...) call, so neither this pass nor code generation nests
** deeper per item. A dotted tail `(a . ,b) is consed onto the last item
** (append shares its last argument, as splicing at the end always has). */
static lx_Node *tr_qq_list(lx_Compiler *C, lx_Value x, int depth, lx_SrcPos pos) {
  lx_State *L = C->L;
  lx_Value tail = x;
  int64_t n = 0;
  while (lx_is(tail, LX_PAIR) && !tr_is_tagged(tail, L->sym_unquote) &&
         !tr_is_tagged(tail, L->sym_quasiquote)) {
    tail = lx_cdr(tail);
    n++;
  }
  tr_work(C, 1 + n);
  if (n > INT32_MAX / 4) tr_error(C, pos, "quasiquote: template too long to compile");
  lx_Node *last = NULL;    /* the final piece when the tail is not () */
  if (!lx_is(tail, LX_EMPTY)) {
    last = lx_is(tail, LX_PAIR) ? tr_qq(C, tail, depth, pos) : tr_const(C, tail, pos);
    if (n == 0) return last;
  }
  lx_Node **pieces = tr_alloc(C, (size_t)(n + 1) * sizeof *pieces);
  lx_Node **run = tr_alloc(C, (size_t)(n + 1) * sizeof *run);
  int npieces = 0, nrun = 0;
  lx_SrcPos run_pos = pos;
  for (int64_t i = 0; i < n; i++, x = lx_cdr(x)) {
    lx_Value item = lx_car(x);
    lx_SrcPos ipos = tr_pos(C, x);
    bool splice = tr_qq_splices(C, item, depth);
    bool final = i == n - 1 && last && !splice;  /* consed onto the tail */
    if (nrun > 0 && (splice || final || nrun == LX_QQ_RUN)) {
      pieces[npieces++] = tr_calln(C, "list", run_pos, run, nrun);
      nrun = 0;
    }
    if (splice) {
      pieces[npieces++] = tr_expr(C, lx_car(lx_cdr(item)), false);
    } else if (final) {
      last = tr_prim(C, LX_OP_CONS, ipos, tr_qq_item(C, item, depth, ipos), last);
    } else {
      if (nrun == 0) run_pos = ipos;
      run[nrun++] = tr_qq_item(C, item, depth, ipos);
    }
  }
  if (nrun > 0) pieces[npieces++] = tr_calln(C, "list", run_pos, run, nrun);
  if (last) pieces[npieces++] = last;
  if (npieces == 1) return pieces[0];  /* a lone splice is shared as before */
  return tr_calln(C, "append", pos, pieces, npieces);
}

/* True when x holds no unquote at this depth (it can be a constant).
** Charged per node visited: a template with heavy sharing is walked once
** per path, and that is the work. */
static bool tr_qq_static(lx_Compiler *C, lx_Value x) {
  lx_State *L = C->L;
  lx_c_enter(L);
  bool is_static = true;
  while (is_static && lx_is(x, LX_PAIR)) {
    tr_work(C, 1);
    lx_Value h = lx_car(x);
    if (lx_is(h, LX_SYMBOL) && (h.as.o == L->sym_unquote.as.o ||
        h.as.o == L->sym_unquote_splicing.as.o || h.as.o == L->sym_quasiquote.as.o))
      is_static = false;
    else if (lx_is(h, LX_PAIR) || lx_is(h, LX_VECTOR) || lx_is(h, LX_DICT))
      is_static = tr_qq_static(C, h);
    x = lx_cdr(x);
  }
  if (is_static && lx_is(x, LX_VECTOR)) {
    lx_Vector *v = lx_as_vector(x);
    tr_work(C, 1 + (int64_t)v->len);
    for (size_t i = 0; is_static && i < v->len; i++) is_static = tr_qq_static(C, v->items[i]);
  }
  lx_c_leave(L);
  return is_static && !lx_is(x, LX_DICT);
}

static lx_Node *tr_qq(lx_Compiler *C, lx_Value x, int depth, lx_SrcPos pos) {
  lx_State *L = C->L;
  lx_c_enter(L);
  lx_Node *r;
  if (tr_qq_static(C, x)) {
    r = tr_const(C, x, pos);
  } else if (tr_is_tagged(x, L->sym_unquote)) {
    lx_Value e = lx_car(lx_cdr(x));
    r = depth == 1 ? tr_expr(C, e, false)
        : tr_call2(C, "list", pos, tr_const(C, L->sym_unquote, pos), tr_qq(C, e, depth - 1, pos));
  } else if (tr_is_tagged(x, L->sym_quasiquote)) {
    r = tr_call2(C, "list", pos, tr_const(C, L->sym_quasiquote, pos),
                 tr_qq(C, lx_car(lx_cdr(x)), depth + 1, pos));
  } else if (lx_is(x, LX_VECTOR)) {
    lx_Vector *v = lx_as_vector(x);
    r = tr_call2(C, "list->vector", pos,
                 tr_qq_list(C, lx_list_from(L, v->items, v->len), depth, pos), NULL);
  } else if (lx_is(x, LX_DICT)) {
    /* Unquoted parts run macros: snapshot first (see tr_vector_lit). */
    lx_Snapshot s = tr_snapshot_dict(C, lx_as_dict(x), pos);
    lx_Node *n = tr_node(C, N_DICT, pos, s.n);
    for (int i = 0; i < s.n; i++) n->kids[i] = tr_qq(C, s.items->items[i], depth, pos);
    r = n;
  } else {
    r = tr_qq_list(C, x, depth, pos);
  }
  lx_c_leave(L);
  return r;
}

static lx_Node *sf_quasiquote(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  return tr_qq(C, tr_nth(C, form, 1, "quasiquote: expected `datum"), 1, pos);
}

static lx_Node *sf_unquote(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  tr_error(C, pos, "%s outside of a quasiquote (hint: use ` before the template)",
           tr_symname(lx_car(form)));
}

static lx_Node *sf_catch(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top) {
  tr_error(C, pos, "%s is only allowed inside (try ...)", tr_symname(lx_car(form)));
}

/* ---- the table ------------------------------------------------------------------ */

static const struct { const char *name; sf_Fn fn; } sf_specials[] = {
  {"quote", sf_quote}, {"quasiquote", sf_quasiquote}, {"unquote", sf_unquote},
  {"unquote-splicing", sf_unquote}, {"if", sf_if}, {"define", sf_define},
  {"def", sf_define}, {"defn", sf_define}, {"define-macro", sf_define},
  {"defmacro", sf_define}, {"lambda", sf_lambda}, {"fn", sf_lambda},
  {"let", sf_let}, {"let*", sf_letstar}, {"letrec", sf_letrec},
  {"letrec*", sf_letrec}, {"cond", sf_cond}, {"case", sf_case},
  {"when", sf_when}, {"unless", sf_unless}, {"and", sf_and}, {"or", sf_or},
  {"begin", sf_begin}, {"do", sf_begin}, {"set!", sf_set}, {"try", sf_try},
  {"catch", sf_catch}, {"finally", sf_catch}, {"dotimes", sf_dotimes},
  {"->", sf_thread_first}, {"->>", sf_thread_last},
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

const char *const *lispy_special_forms(size_t *n) {
  static const char *names[SF_NSPECIALS];
  for (size_t i = 0; i < SF_NSPECIALS; i++) names[i] = sf_specials[i].name;
  *n = SF_NSPECIALS;
  return names;
}

static sf_Fn sf_lookup(lx_Value head) {
  if (!lx_is(head, LX_SYMBOL) || head.as.o->flags == 0) return NULL;
  return sf_specials[head.as.o->flags - 1].fn;
}

/* ========================================================================
** Expressions
** ======================================================================== */

/* The macro box for a call's head, or NULL. Lexical bindings shadow. */
static lx_Box *tr_macro_box(lx_Compiler *C, lx_Value head) {
  if (!lx_is(head, LX_SYMBOL) || tr_lookup(C, head)) return NULL;
  lx_Box *b = lx_env_find(C->L, C->env, head);
  return b && (b->h.flags & LX_BOX_MACRO) ? b : NULL;
}

/* Expand macro calls at the head of form until it is no macro call. */
static lx_Value tr_expand(lx_Compiler *C, lx_Value form) {
  for (int guard = 0; lx_is(form, LX_PAIR); guard++) {
    lx_Box *m = tr_macro_box(C, lx_car(form));
    if (!m) break;
    if (guard > LX_MAX_MACRO_EXPANSIONS) tr_error(C, tr_pos(C, form), "macro expansion does not terminate");
    int n;
    lx_Value *args = tr_items(C, lx_cdr(form), &n, "macro call");
    lx_SrcPos pos = tr_pos(C, form);
    form = lx_vm_call(C->L, m->value, n, args);
    if (lx_is(form, LX_PAIR) && !lx_as_pair(form)->pos.line) lx_as_pair(form)->pos = pos;
  }
  return form;
}

/* Inlinable builtins: name, opcode, argument count. */
static const struct { const char *name; int op, nargs; } tr_prims[] = {
  {"+", LX_OP_ADD, 2}, {"-", LX_OP_SUB, 2}, {"*", LX_OP_MUL, 2}, {"/", LX_OP_DIV, 2},
  {"<", LX_OP_LT, 2}, {"<=", LX_OP_LE, 2}, {">", LX_OP_GT, 2}, {">=", LX_OP_GE, 2},
  {"=", LX_OP_EQUAL, 2}, {"equal?", LX_OP_EQUAL, 2}, {"eq?", LX_OP_EQ, 2},
  {"cons", LX_OP_CONS, 2}, {"car", LX_OP_CAR, 1}, {"cdr", LX_OP_CDR, 1},
  {"not", LX_OP_NOT, 1}, {"null?", LX_OP_NULLP, 1}, {"pair?", LX_OP_PAIRP, 1},
};

/* The opcode when head names an unshadowed builtin that the VM inlines. */
static int tr_prim_op(lx_Compiler *C, lx_Value head, int nargs) {
  if (!lx_is(head, LX_SYMBOL) || tr_lookup(C, head)) return -1;
  lx_Box *b = lx_env_find(C->L, C->env, head);
  if (!b || !(b->h.flags & LX_BOX_CONST) || !lx_is(b->value, LX_NATIVE)) return -1;
  const char *name = tr_symname(head);
  for (size_t i = 0; i < sizeof tr_prims / sizeof tr_prims[0]; i++)
    if (tr_prims[i].nargs == nargs && strcmp(tr_prims[i].name, name) == 0 &&
        strcmp(lx_as_native(b->value)->name, name) == 0)
      return tr_prims[i].op;
  return -1;
}

static lx_Node *tr_call(lx_Compiler *C, lx_Value form, lx_SrcPos pos) {
  int n;
  lx_Value *it = tr_items(C, form, &n, "call");
  int op = tr_prim_op(C, it[0], n - 1);
  if (op >= 0) {
    lx_Node *a = tr_expr(C, it[1], false);
    return tr_prim(C, op, pos, a, n > 2 ? tr_expr(C, it[2], false) : NULL);
  }
  lx_Node *call = tr_node(C, N_CALL, pos, n);
  for (int i = 0; i < n; i++) call->kids[i] = tr_expr(C, it[i], false);
  return call;
}

/* [a b] and {k v}: evaluated element by element into fresh objects.
** Compiling an element may run a macro, and a macro can reach the very
** literal being compiled (it returned it and kept it) and grow, shrink or
** rewrite it. So the elements are first snapshotted (tr_snapshot) and only
** the snapshot is read: the literal compiled is the one the expansion
** returned, whatever happens to it later. */
static lx_Node *tr_vector_lit(lx_Compiler *C, lx_Vector *v, lx_SrcPos pos) {
  lx_Snapshot s = tr_snapshot_vector(C, v, pos);
  lx_Node *n = tr_node(C, N_VECTOR, pos, s.n);
  for (int i = 0; i < s.n; i++) {
    C->pos = s.pos[i];
    n->kids[i] = tr_expr(C, s.items->items[i], false);
  }
  return n;
}

static lx_Node *tr_dict_lit(lx_Compiler *C, lx_Dict *d, lx_SrcPos pos) {
  lx_Snapshot s = tr_snapshot_dict(C, d, pos);
  lx_Node *n = tr_node(C, N_DICT, pos, s.n);
  for (int i = 0; i < s.n; i += 2) {
    C->pos = s.pos[i + 1];
    n->kids[i] = tr_expr(C, s.items->items[i], false);
    n->kids[i + 1] = tr_expr(C, s.items->items[i + 1], false);
  }
  return n;
}

static lx_Node *tr_expr(lx_Compiler *C, lx_Value form, bool top) {
  lx_State *L = C->L;
  lx_c_enter(L);
  lx_SrcPos saved_pos = C->pos;
  lx_SrcPos pos = tr_pos(C, form);
  C->pos = pos;
  lx_Node *n;
  switch (form.tag) {
  case LX_SYMBOL: n = tr_varref(C, form, pos); break;
  case LX_VECTOR: n = tr_vector_lit(C, lx_as_vector(form), pos); break;
  case LX_DICT: n = tr_dict_lit(C, lx_as_dict(form), pos); break;
  case LX_PAIR: {
    form = tr_expand(C, form);
    if (!lx_is(form, LX_PAIR)) {
      n = tr_expr(C, form, top);
      break;
    }
    sf_Fn sf = tr_lookup(C, lx_car(form)) ? NULL : sf_lookup(lx_car(form));
    n = sf ? sf(C, form, pos, top) : tr_call(C, form, pos);
    break;
  }
  default: n = tr_const(C, form, pos); break;  /* self-evaluating */
  }
  C->pos = saved_pos;
  lx_c_leave(L);
  return n;
}

/* A sequence of forms: nil when empty, the node itself when one. */
static lx_Node *tr_seq(lx_Compiler *C, lx_Value forms, lx_SrcPos pos, bool top) {
  int n;
  lx_Value *it = tr_items(C, forms, &n, "body");
  if (n == 0) return tr_const(C, lx_nil(), pos);
  if (n == 1) return tr_expr(C, it[0], top);
  lx_Node *seq = tr_node(C, N_SEQ, pos, n);
  for (int i = 0; i < n; i++) seq->kids[i] = tr_expr(C, it[i], top);
  return seq;
}

/* Collect a body's forms, expanding macros at their heads and splicing
** (begin ...) so that definitions produced either way are seen. */
static void tr_flatten_body(lx_Compiler *C, lx_Value body, lx_Vector *out) {
  lx_c_enter(C->L);  /* (begin (begin ...)) from a macro can nest deeply */
  for (; lx_is(body, LX_PAIR); body = lx_cdr(body)) {
    tr_work(C, 1);
    lx_Value f = tr_expand(C, lx_car(body));
    if (lx_is(f, LX_PAIR) && tr_is_sym(lx_car(f), "begin") && !tr_lookup(C, lx_car(f))) {
      tr_flatten_body(C, lx_cdr(f), out);
      continue;
    }
    if (lx_is(f, LX_PAIR) && !lx_as_pair(f)->pos.line && lx_is(body, LX_PAIR))
      lx_as_pair(f)->pos = lx_as_pair(body)->pos;
    lx_vector_push(C->L, out, f);
  }
  lx_c_leave(C->L);
}

/* A lambda or let body: internal definitions become letrec* variables. */
static lx_Node *tr_body(lx_Compiler *C, lx_Value body, lx_SrcPos pos) {
  lx_Vector *forms = lx_vector_new(C->L, 4);
  tr_flatten_body(C, body, forms);
  int ndefs = 0;
  for (size_t i = 0; i < forms->len; i++) ndefs += tr_is_define_form(forms->items[i]);
  if (ndefs == 0) {
    lx_Value list = lx_list_from(C->L, forms->items, forms->len);
    return tr_seq(C, list, pos, false);
  }
  lx_Var *saved = C->scope;
  lx_Node *rec = tr_node(C, N_LETREC, pos, 1);
  rec->vars = tr_alloc(C, (size_t)ndefs * sizeof(lx_Var *));
  lx_DefParts *parts = tr_alloc(C, (size_t)ndefs * sizeof(lx_DefParts));
  for (size_t i = 0; i < forms->len; i++) {
    if (!tr_is_define_form(forms->items[i])) continue;
    parts[rec->nvars] = tr_define_parts(C, forms->items[i]);
    if (parts[rec->nvars].is_macro)
      tr_error(C, parts[rec->nvars].pos, "macros can only be defined at the top level");
    lx_Var *v = tr_bind(C, parts[rec->nvars].name, parts[rec->nvars].pos);
    v->letrec = true;
    rec->vars[rec->nvars++] = v;
  }
  lx_Node *seq = tr_node(C, N_SEQ, pos, (int)forms->len + 1);
  for (size_t i = 0, d = 0; i < forms->len; i++) {
    lx_Value f = forms->items[i];
    if (tr_is_define_form(f)) {
      seq->kids[i] = tr_setvar(C, rec->vars[d], tr_define_value(C, &parts[d], rec->vars[d]), parts[d].pos);
      d++;
    } else {
      seq->kids[i] = tr_expr(C, f, false);
    }
  }
  seq->kids[forms->len] = tr_const(C, lx_nil(), pos);
  if (!tr_is_define_form(forms->items[forms->len - 1])) seq->nkids--;
  rec->kids[0] = seq;
  C->scope = saved;
  return rec;
}

/* ========================================================================
** Code generation
** ======================================================================== */

/* Double a code-buffer array in accounted memory; *cap changes only once
** the array has moved, so tr_free always frees it with its true size. */
static void cg_grow(lx_Compiler *C, void **p, size_t *cap, size_t elem) {
  size_t ncap = *cap ? *cap * 2 : 32;
  *p = lx_mem_realloc(C->L, *p, *cap * elem, ncap * elem);
  *cap = ncap;
}

static size_t cg_emit(lx_Compiler *C, int op, int32_t arg, lx_SrcPos pos) {
  lx_CodeBuf *cb = C->cb;
  if (cb->n == cb->capcode) cg_grow(C, (void **)&cb->code, &cb->capcode, sizeof *cb->code);
  if (cb->n == cb->caplines) cg_grow(C, (void **)&cb->lines, &cb->caplines, sizeof *cb->lines);
  if (arg > LX_MAX_SARG || arg < -LX_MAX_SARG - 1)
    tr_error(C, pos, "function too large to compile (operand overflow)");
  cb->code[cb->n] = LX_MKI(op, (uint32_t)arg & LX_MAX_ARG);
  cb->lines[cb->n] = pos;
  return cb->n++;
}

/* Stack effect bookkeeping: nslots must cover the highest point. */
static void cg_push(lx_Compiler *C, int n) {
  C->depth += n;
  if (C->depth > C->maxdepth) C->maxdepth = C->depth;
}

/* Slot of the constant index for v (identity: tag and payload). */
static size_t cg_const_slot(const lx_CodeBuf *cb, lx_Value v) {
  uint64_t h = ((uint64_t)v.as.i ^ ((uint64_t)v.tag << 56)) * 0x9E3779B97F4A7C15ull;
  size_t mask = cb->capcindex - 1;
  for (size_t i = (size_t)(h >> 32) & mask;; i = (i + 1) & mask) {
    int32_t k = cb->cindex[i];
    if (k < 0 || (cb->consts[k].tag == v.tag && cb->consts[k].as.i == v.as.i)) return i;
  }
}

/* Rebuild the constant index at twice the size (kept above 2 * nconsts,
** so the probe above always meets an empty slot). */
static void cg_const_rehash(lx_Compiler *C, lx_CodeBuf *cb) {
  size_t ncap = cb->capcindex ? cb->capcindex * 2 : 64;
  int32_t *old = cb->cindex;
  size_t oldcap = cb->capcindex;
  cb->cindex = lx_mem_alloc(C->L, ncap * sizeof *cb->cindex);
  cb->capcindex = ncap;
  memset(cb->cindex, 0xFF, ncap * sizeof *cb->cindex);
  for (size_t i = 0; i < cb->nconsts; i++) cb->cindex[cg_const_slot(cb, cb->consts[i])] = (int32_t)i;
  lx_mem_free(C->L, old, oldcap * sizeof *old);
}

/* The index of v in the constant table, added if new. Hashed: a function
** with a huge literal has tens of thousands of constants. */
static int cg_const(lx_Compiler *C, lx_Value v) {
  lx_CodeBuf *cb = C->cb;
  if (2 * (cb->nconsts + 1) >= cb->capcindex) cg_const_rehash(C, cb);
  size_t slot = cg_const_slot(cb, v);
  if (cb->cindex[slot] >= 0) return cb->cindex[slot];
  if (cb->nconsts >= LX_MAX_CONSTANTS) tr_error(C, C->pos, "function too large to compile (too many constants)");
  if (cb->nconsts == cb->capconsts) cg_grow(C, (void **)&cb->consts, &cb->capconsts, sizeof(lx_Value));
  cb->consts[cb->nconsts] = v;
  cb->cindex[slot] = (int32_t)cb->nconsts;
  return (int)cb->nconsts++;
}

static void cg_patch(lx_Compiler *C, size_t at) {
  int32_t off = (int32_t)(C->cb->n - at - 1);
  lx_Instr i = C->cb->code[at];
  C->cb->code[at] = LX_MKI(LX_OP(i), (uint32_t)off & LX_MAX_ARG);
}

static bool cg_boxed(const lx_Var *v) {
  return v->captured && (v->mutated || v->letrec);
}

/* The upvalue index of v in f (a linear search, charged by the caller's
** cg_upval). */
static int cg_upval_index(lx_FnInfo *f, const lx_Var *v) {
  for (int i = 0; i < f->nupvars; i++) if (f->upvars[i] == v) return i;
  return -1;
}

static void cg_expr(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail);

/* cg_upval_index, charged: a function may capture thousands of variables. */
static int cg_upval(lx_Compiler *C, lx_FnInfo *f, const lx_Var *v) {
  if (f->nupvars >= 16) tr_work(C, f->nupvars / 16);
  return cg_upval_index(f, v);
}

static void cg_const_node(lx_Compiler *C, lx_Value v, lx_SrcPos pos) {
  if (lx_is(v, LX_INT) && v.as.i >= -LX_MAX_SARG && v.as.i <= LX_MAX_SARG)
    cg_emit(C, LX_OP_INT, (int32_t)v.as.i, pos);
  else if (lx_is(v, LX_NIL)) cg_emit(C, LX_OP_NIL, 0, pos);
  else if (lx_is(v, LX_EMPTY)) cg_emit(C, LX_OP_EMPTY, 0, pos);
  else if (lx_is(v, LX_BOOL)) cg_emit(C, v.as.b ? LX_OP_TRUE : LX_OP_FALSE, 0, pos);
  else cg_emit(C, LX_OP_CONST, cg_const(C, v), pos);
  cg_push(C, 1);
}

static void cg_local(lx_Compiler *C, lx_FnInfo *f, lx_Var *v, lx_SrcPos pos) {
  bool boxed = cg_boxed(v);
  if (v->owner == f) {
    assert(v->slot >= 0);
    cg_emit(C, boxed ? LX_OP_LOCALBOX : LX_OP_LOCAL, v->slot, pos);
  } else {
    int i = cg_upval(C, f, v);
    assert(i >= 0);
    cg_emit(C, boxed ? LX_OP_UPVALBOX : LX_OP_UPVAL, i, pos);
  }
  cg_push(C, 1);
}

static void cg_setlocal(lx_Compiler *C, lx_FnInfo *f, lx_Var *v, lx_SrcPos pos) {
  if (v->owner == f)
    cg_emit(C, cg_boxed(v) ? LX_OP_SETLOCALBOX : LX_OP_SETLOCAL, v->slot, pos);
  else
    cg_emit(C, LX_OP_SETUPVALBOX, cg_upval(C, f, v), pos);
}

/* Give v the slot at the current stack top (already pushed). */
static void cg_bind_slot(lx_Compiler *C, lx_Var *v, lx_SrcPos pos) {
  v->slot = C->depth - 1;
  if (cg_boxed(v)) cg_emit(C, LX_OP_BOX, v->slot, pos);
}

static void cg_let(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail) {
  for (int i = 0; i < n->nvars; i++) {
    cg_expr(C, f, n->kids[i], false);
    cg_bind_slot(C, n->vars[i], n->pos);
  }
  cg_expr(C, f, n->kids[n->nvars], tail);
  if (n->nvars) cg_emit(C, LX_OP_SLIDE, n->nvars, n->pos);
  C->depth -= n->nvars;
}

static void cg_letrec(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail) {
  for (int i = 0; i < n->nvars; i++) {
    cg_emit(C, LX_OP_NIL, 0, n->pos);
    cg_push(C, 1);
    cg_bind_slot(C, n->vars[i], n->pos);
  }
  cg_expr(C, f, n->kids[0], tail);
  if (n->nvars) cg_emit(C, LX_OP_SLIDE, n->nvars, n->pos);
  C->depth -= n->nvars;
}

static void cg_if(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail) {
  cg_expr(C, f, n->kids[0], false);
  size_t jf = cg_emit(C, LX_OP_JUMPF, 0, n->pos);
  C->depth--;
  cg_expr(C, f, n->kids[1], tail);
  size_t jend = cg_emit(C, LX_OP_JUMP, 0, n->pos);
  C->depth--;
  cg_patch(C, jf);
  cg_expr(C, f, n->kids[2], tail);
  cg_patch(C, jend);
}

static void cg_andor(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail) {
  size_t jumps[LX_MAX_ANDOR];
  int nj = 0;
  int op = n->kind == N_AND ? LX_OP_AND : LX_OP_OR;
  for (int i = 0; i < n->nkids; i++) {
    bool last = i == n->nkids - 1;
    cg_expr(C, f, n->kids[i], tail && last);
    if (last) break;
    size_t j = cg_emit(C, op, 0, n->pos);
    if (nj < LX_MAX_ANDOR) jumps[nj++] = j;
    else tr_error(C, n->pos, "too many operands in and/or (limit %d)", LX_MAX_ANDOR);
    C->depth--;
  }
  for (int i = 0; i < nj; i++) cg_patch(C, jumps[i]);
}

static void cg_seq(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail) {
  for (int i = 0; i < n->nkids; i++) {
    bool last = i == n->nkids - 1;
    cg_expr(C, f, n->kids[i], tail && last);
    if (!last) {
      cg_emit(C, LX_OP_POP, 0, n->pos);
      C->depth--;
    }
  }
  if (n->nkids == 0) cg_const_node(C, lx_nil(), n->pos);
}

static void cg_call(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail) {
  for (int i = 0; i < n->nkids; i++) cg_expr(C, f, n->kids[i], false);
  int argc = n->nkids - 1;
  if (argc > LX_MAX_CALL_ARGS) tr_error(C, n->pos, "too many arguments in one call");
  cg_emit(C, tail ? LX_OP_TAILCALL : LX_OP_CALL, argc, n->pos);
  C->depth -= argc;
}

/* try body / catch e handler / finally cleanup; see lx_opcodes.h. */
static void cg_try(lx_Compiler *C, lx_FnInfo *f, lx_Node *n) {
  lx_Node *body = n->kids[0], *handler = n->kids[1], *fin = n->kids[2];
  size_t try1 = cg_emit(C, LX_OP_TRY, 0, n->pos);
  cg_expr(C, f, body, false);
  cg_emit(C, LX_OP_ENDTRY, 0, n->pos);
  size_t jok = cg_emit(C, LX_OP_JUMP, 0, n->pos);
  cg_patch(C, try1);  /* error value is on the stack here */
  size_t try2 = 0;
  if (handler) {
    if (fin) try2 = cg_emit(C, LX_OP_TRY, 0, n->pos);
    cg_bind_slot(C, n->var, n->pos);
    cg_expr(C, f, handler, false);
    cg_emit(C, LX_OP_SLIDE, 1, n->pos);
    C->depth--;
    if (fin) cg_emit(C, LX_OP_ENDTRY, 0, n->pos);
  } else if (!fin) {
    cg_emit(C, LX_OP_POP, 0, n->pos);  /* (try body): errors give nil */
    cg_emit(C, LX_OP_NIL, 0, n->pos);
  }
  cg_patch(C, jok);
  if (!fin) return;
  cg_expr(C, f, fin, false);
  cg_emit(C, LX_OP_POP, 0, n->pos);
  C->depth--;
  size_t jend = cg_emit(C, LX_OP_JUMP, 0, n->pos);
  if (handler) cg_patch(C, try2);
  else {
    /* no handler: the first TRY lands here directly */
    C->cb->code[try1] = LX_MKI(LX_OP_TRY, (uint32_t)(C->cb->n - try1 - 1) & LX_MAX_ARG);
  }
  /* After a failed handler the first error value still sits below the
  ** second one: account for that slot while the cleanup runs. */
  int extra = handler ? 1 : 0;
  cg_push(C, extra);
  cg_expr(C, f, fin, false);
  cg_emit(C, LX_OP_POP, 0, n->pos);
  C->depth--;
  cg_emit(C, LX_OP_RETHROW, 0, n->pos);
  C->depth -= extra;
  cg_patch(C, jend);
}

static lx_Proto *cg_function(lx_Compiler *C, lx_FnInfo *f);

static void cg_lambda(lx_Compiler *C, lx_FnInfo *parent, lx_Node *n) {
  lx_Proto *p = cg_function(C, n->fn);
  lx_FnInfo *child = n->fn;
  for (int i = 0; i < child->nupvars; i++) {
    lx_Var *u = child->upvars[i];
    p->captures[i] = u->owner == parent ? (uint32_t)u->slot << 1
                                        : (uint32_t)cg_upval(C, parent, u) << 1 | 1;
  }
  lx_CodeBuf *cb = C->cb;
  if (cb->nprotos == cb->capprotos) cg_grow(C, (void **)&cb->protos, &cb->capprotos, sizeof(lx_Proto *));
  cb->protos[cb->nprotos] = p;
  cg_emit(C, LX_OP_CLOSURE, (int32_t)cb->nprotos++, n->pos);
  cg_push(C, 1);
}

static void cg_expr(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail) {
  lx_c_enter(C->L);
  tr_work(C, 1 + n->nkids / 8);
  switch (n->kind) {
  case N_CONST: cg_const_node(C, n->value, n->pos); break;
  case N_LOCAL: cg_local(C, f, n->var, n->pos); break;
  case N_SELF: cg_emit(C, LX_OP_SELF, 0, n->pos); cg_push(C, 1); break;
  case N_GLOBAL:
    cg_emit(C, LX_OP_GLOBAL, cg_const(C, n->value), n->pos);
    cg_push(C, 1);
    break;
  case N_SETLOCAL:
    cg_expr(C, f, n->kids[0], false);
    cg_setlocal(C, f, n->var, n->pos);
    break;
  case N_SETGLOBAL:
    cg_expr(C, f, n->kids[0], false);
    cg_emit(C, LX_OP_SETGLOBAL, cg_const(C, n->value), n->pos);
    break;
  case N_DEFINE:
    cg_expr(C, f, n->kids[0], false);
    cg_emit(C, n->op ? LX_OP_DEFMACRO : LX_OP_DEFGLOBAL, cg_const(C, n->value), n->pos);
    break;
  case N_IF: cg_if(C, f, n, tail); break;
  case N_SEQ: cg_seq(C, f, n, tail); break;
  case N_LAMBDA: cg_lambda(C, f, n); break;
  case N_CALL: cg_call(C, f, n, tail); break;
  case N_LET: cg_let(C, f, n, tail); break;
  case N_LETREC: cg_letrec(C, f, n, tail); break;
  case N_AND: case N_OR: cg_andor(C, f, n, tail); break;
  case N_TRY: cg_try(C, f, n); break;
  case N_PRIM:
    for (int i = 0; i < n->nkids; i++) cg_expr(C, f, n->kids[i], false);
    cg_emit(C, n->op, 0, n->pos);
    C->depth -= n->nkids - 1;
    break;
  case N_VECTOR: case N_DICT:
    for (int i = 0; i < n->nkids; i++) cg_expr(C, f, n->kids[i], false);
    cg_emit(C, n->kind == N_VECTOR ? LX_OP_VECTOR : LX_OP_DICT,
            n->kind == N_VECTOR ? n->nkids : n->nkids / 2, n->pos);
    C->depth -= n->nkids - 1;
    break;
  }
  lx_c_leave(C->L);
}

/* Copy a growable array into accounted memory owned by a proto. */
static void *cg_copy(lx_State *L, const void *src, size_t n, size_t elem) {
  if (n == 0) return NULL;
  void *p = lx_mem_alloc(L, n * elem);
  memcpy(p, src, n * elem);
  return p;
}

static lx_Proto *cg_finish(lx_Compiler *C, lx_FnInfo *f, lx_CodeBuf *cb) {
  lx_State *L = C->L;
  lx_Proto *p = (lx_Proto *)lx_obj_new(L, LX_PROTO, sizeof(lx_Proto));
  memset((char *)p + sizeof(lx_Obj), 0, sizeof(lx_Proto) - sizeof(lx_Obj));
  p->name = f->name;
  p->doc = f->doc;
  p->params = f->param_list;
  p->env = C->env;
  p->pos = f->pos;
  p->nparams = (uint16_t)f->nparams;
  p->has_rest = f->rest;
  p->nslots = (uint16_t)(C->maxdepth + 2);
  /* Each count is set with its array, so that a memory error at the next
  ** copy leaves a proto the collector frees with the right sizes (lines
  ** is NULL until copied). */
  p->code = cg_copy(L, cb->code, cb->n, sizeof *cb->code);
  p->ncode = (uint32_t)cb->n;
  p->lines = cg_copy(L, cb->lines, cb->n, sizeof *cb->lines);
  p->consts = cg_copy(L, cb->consts, cb->nconsts, sizeof(lx_Value));
  p->nconsts = (uint32_t)cb->nconsts;
  p->protos = cg_copy(L, cb->protos, cb->nprotos, sizeof(lx_Proto *));
  p->nprotos = (uint32_t)cb->nprotos;
  p->captures = f->nupvars ? lx_mem_alloc(L, (size_t)f->nupvars * sizeof(uint32_t)) : NULL;
  p->nupvals = (uint32_t)f->nupvars;
  return p;
}

static lx_Proto *cg_function(lx_Compiler *C, lx_FnInfo *f) {
  if (C->nbufs == LX_MAX_FN_NESTING)
    tr_error(C, f->pos, "functions nested too deeply (limit %d)", LX_MAX_FN_NESTING);
  lx_CodeBuf *cb = lx_mem_alloc(C->L, sizeof *cb);
  memset(cb, 0, sizeof *cb);
  C->bufs[C->nbufs++] = cb;
  lx_CodeBuf *saved_cb = C->cb;
  int saved_depth = C->depth, saved_max = C->maxdepth;
  C->cb = cb;
  C->depth = C->maxdepth = 0;
  int nparams = f->nparams + (f->rest ? 1 : 0);
  for (int i = 0; i < nparams; i++) {
    cg_push(C, 1);
    cg_bind_slot(C, f->params[i], f->pos);
  }
  /* The top-level thunk makes no tail calls, so traces keep its line. */
  cg_expr(C, f, f->body, f->parent != NULL);
  cg_emit(C, LX_OP_RETURN, 0, f->pos);
  if (C->maxdepth > LX_MAX_STACK_SLOTS) tr_error(C, f->pos, "function needs too many stack slots");
  lx_Proto *p = cg_finish(C, f, cb);
  C->cb = saved_cb;
  C->depth = saved_depth;
  C->maxdepth = saved_max;
  return p;
}

/* ========================================================================
** Entry points
** ======================================================================== */

/* Free the arena and every code buffer (after success or an error). */
static void tr_free(lx_Compiler *C) {
  lx_State *L = C->L;
  while (C->arena) {
    lx_Chunk *next = C->arena->next;
    lx_mem_free(L, C->arena, sizeof(lx_Chunk) + C->arena->cap);
    C->arena = next;
  }
  for (int i = 0; i < C->nbufs; i++) {
    lx_CodeBuf *cb = C->bufs[i];
    lx_mem_free(L, cb->code, cb->capcode * sizeof *cb->code);
    lx_mem_free(L, cb->lines, cb->caplines * sizeof *cb->lines);
    lx_mem_free(L, cb->consts, cb->capconsts * sizeof *cb->consts);
    lx_mem_free(L, cb->cindex, cb->capcindex * sizeof *cb->cindex);
    lx_mem_free(L, cb->protos, cb->capprotos * sizeof *cb->protos);
    lx_mem_free(L, cb, sizeof *cb);
  }
  C->nbufs = 0;
}

typedef struct lx_CompileCall {
  lx_Compiler *C;
  lx_Value form;
  lx_Value result;
} lx_CompileCall;

static void tr_compile_protected(lx_State *L, void *ud) {
  lx_CompileCall *cc = ud;
  lx_Compiler *C = cc->C;
  lx_FnInfo *top = tr_alloc(C, sizeof(lx_FnInfo));
  top->name = lx_cstring(L, "<toplevel>");
  top->doc = lx_nil();
  top->param_list = lx_empty();
  top->pos = C->pos;
  C->fn = top;
  C->toplevel = true;
  top->body = tr_expr(C, cc->form, true);
  lx_Proto *p = cg_function(C, top);
  lx_Closure *cl = (lx_Closure *)lx_obj_new(L, LX_CLOSURE, sizeof(lx_Closure));
  cl->proto = p;
  cl->nupvals = 0;
  cc->result = lx_obj(cl);
}

/* Compile one top-level form into a closure of no arguments. Runs inside a
** protected region; the caller keeps `form` reachable. */
lx_Value lx_compile(lx_State *L, lx_Env *env, lx_Value form, lx_SrcPos pos) {
  lx_Compiler C;
  memset(&C, 0, sizeof C);
  C.L = L;
  C.env = env;
  C.pos = pos;
  lx_CompileCall cc = {&C, form, lx_nil()};
  lx_Obj *saved = lx_protect_begin(L);
  lx_Value err;
  bool ok = lx_pcall(L, tr_compile_protected, &cc, &err);
  tr_free(&C);
  lx_protect_end(L, saved);
  if (!ok) lx_throw(L, err);
  return cc.result;
}

lx_Value lx_macroexpand_1(lx_State *L, lx_Env *env, lx_Value form, bool *expanded) {
  *expanded = false;
  if (!lx_is(form, LX_PAIR) || !lx_is(lx_car(form), LX_SYMBOL)) return form;
  lx_Box *b = lx_env_find(L, env, lx_car(form));
  if (!b || !(b->h.flags & LX_BOX_MACRO)) return form;
  int64_t n = lx_list_length(lx_cdr(form));
  if (n < 0) lx_error(L, "macroexpand: improper macro call");
  lx_charge(L, 1 + n);  /* the arguments walked and copied */
  lx_Obj *saved = lx_protect_begin(L);
  lx_Vector *args = lx_seq_to_vector(L, "macroexpand", lx_cdr(form));
  lx_Value r = lx_vm_call(L, b->value, (int)args->len, args->items);
  lx_protect_end(L, saved);
  *expanded = true;
  return r;
}
