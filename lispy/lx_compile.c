/*
** lx_compile.c -- source forms to bytecode: the driver and the tree pass.
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

#include "lx_compiler.h"

/* ========================================================================
** Arena and errors
** ======================================================================== */

/* Charge n units of compile work as fuel; lx_charge also polls the
** deadline and the interrupt flag as the units add up (LX_CLOCK_POLL_UNITS). */
void lx_tr_work(lx_Compiler *C, int64_t n) { lx_charge(C->L, n); }

/* Zeroed arena memory. Chunks come from the accounting allocator, so the
** arena counts under the memory limit (an error here leaves the chunk
** list intact for tr_free). */
void *lx_tr_alloc(lx_Compiler *C, size_t size) {
  size = (size + 15) & ~(size_t)15;
  if (!C->arena || C->arena->used + size > C->arena->cap) {
    /* chunks double from LX_COMPILE_CHUNK_MIN up to LX_COMPILE_CHUNK: small forms stay
    ** small under tight memory limits */
    size_t cap = C->arena ? C->arena->cap * 2 : LX_COMPILE_CHUNK_MIN;
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

/* Raises a "syntax" error (never returns): the message is cut at 400
** bytes, the position is pos, or the form being compiled when pos has no
** line, and the trace is empty (the error is the compiler's, not a call's).
** lx_compile's pcall catches it and frees the arena before passing it on. */
_Noreturn void lx_tr_error(lx_Compiler *C, lx_SrcPos pos, const char *fmt, ...) {
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
lx_SrcPos lx_tr_pos(lx_Compiler *C, lx_Value form) {
  if (lx_is(form, LX_PAIR) && lx_as_pair(form)->pos.line) return lx_as_pair(form)->pos;
  return C->pos;
}

/* The name of a symbol (sym must be one). */
const char *lx_tr_symname(lx_Value sym) { return lx_as_symbol(sym)->name->data; }

/* ========================================================================
** Nodes
** ======================================================================== */

/* A node with room for nkids operands: one unit of work, plus its operands. */
lx_Node *lx_tr_node(lx_Compiler *C, lx_NodeKind kind, lx_SrcPos pos, int nkids) {
  lx_tr_work(C, 1 + nkids / LX_COMPILE_NODE_KIDS);
  lx_Node *n = lx_tr_alloc(C, sizeof(lx_Node));
  n->kind = kind;
  n->pos = pos;
  n->value = lx_nil();
  n->nkids = nkids;
  if (nkids) n->kids = lx_tr_alloc(C, (size_t)nkids * sizeof(lx_Node *));
  return n;
}

/* A node pushing the constant v (which the caller keeps reachable: the
** form, a snapshot or the protected region). */
lx_Node *lx_tr_const(lx_Compiler *C, lx_Value v, lx_SrcPos pos) {
  lx_Node *n = lx_tr_node(C, N_CONST, pos, 0);
  n->value = v;
  return n;
}

/* Items of a proper list into an arena array; errors on improper lists. */
lx_Value *lx_tr_items(lx_Compiler *C, lx_Value list, int *count, const char *what) {
  int64_t n = lx_list_length(list);
  if (n < 0) lx_tr_error(C, lx_tr_pos(C, list), "%s: malformed form (improper list)", what);
  lx_tr_work(C, 1 + n);
  if (n > INT32_MAX / 2) lx_tr_error(C, lx_tr_pos(C, list), "%s: form too long to compile", what);
  lx_Value *items = lx_tr_alloc(C, (size_t)(n ? n : 1) * sizeof(lx_Value));
  for (int64_t i = 0; i < n; i++, list = lx_cdr(list)) items[i] = lx_car(list);
  *count = (int)n;
  return items;
}

/* A node for an inlined primitive: opcode op applied to one operand (b
** NULL) or two. */
lx_Node *lx_tr_prim(lx_Compiler *C, int op, lx_SrcPos pos, lx_Node *a, lx_Node *b) {
  lx_Node *n = lx_tr_node(C, N_PRIM, pos, b ? 2 : 1);
  n->op = op;
  n->kids[0] = a;
  if (b) n->kids[1] = b;
  return n;
}

/* Room for n items, refusing literals beyond what a node can index. */
static lx_Snapshot tr_snapshot_new(lx_Compiler *C, size_t n, lx_SrcPos pos) {
  if (n > LX_MAX_LITERAL_ITEMS)
    lx_tr_error(C, pos,
                "literal too large to compile: %zu items (limit %d; hint: build it at run time)", n,
                LX_MAX_LITERAL_ITEMS);
  lx_tr_work(C, 1 + (int64_t)n);
  lx_Snapshot s;
  s.items = lx_vector_new(C->L, n);
  s.pos = lx_tr_alloc(C, (n ? n : 1) * sizeof(lx_SrcPos));
  s.n = (int)n;
  return s;
}

/* Snapshot the items of a vector literal, each with the position it was
** read at (pos when it has none). See lx_Snapshot. */
lx_Snapshot lx_tr_snapshot_vector(lx_Compiler *C, lx_Vector *v, lx_SrcPos pos) {
  lx_Snapshot s = tr_snapshot_new(C, v->len, pos);
  for (size_t i = 0; i < v->len; i++) {
    s.items->items[i] = v->items[i];
    s.pos[i] = v->pos && v->pos[i].line ? v->pos[i] : pos;
  }
  s.items->len = v->len;
  return s;
}

/* Snapshot a dict literal as key, value, key, value ... in the dict's
** iteration order, each with its read position (pos when it has none):
** d->pos holds two positions per entry, indexed by the entry's slot. */
lx_Snapshot lx_tr_snapshot_dict(lx_Compiler *C, lx_Dict *d, lx_SrcPos pos) {
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

/* Bind name (which must be a symbol) as a new local of the function being
** parsed, innermost in the scope chain; its slot comes later, from
** codegen. Callers restore C->scope when the binding's scope ends. */
lx_Var *lx_tr_bind(lx_Compiler *C, lx_Value name, lx_SrcPos pos) {
  if (!lx_is(name, LX_SYMBOL))
    lx_tr_error(C, pos, "expected a variable name (symbol), got %s",
                lx_as_string(lx_short_repr(C->L, name))->data);
  lx_Var *v = lx_tr_alloc(C, sizeof(lx_Var));
  v->name = name;
  v->owner = C->fn;
  v->slot = -1;
  v->next = C->scope;
  C->scope = v;
  return v;
}

/* The innermost binding of sym, or NULL. The scope chain can be tens of
** thousands of bindings long, so the search is charged as work. */
lx_Var *lx_tr_lookup(lx_Compiler *C, lx_Value sym) {
  int64_t steps = 0;
  lx_Var *v = C->scope;
  for (; v; v = v->next, steps++)
    if (v->name.as.o == sym.as.o) break;
  if (steps >= LX_FUEL_ITEMS) lx_tr_work(C, steps / LX_FUEL_ITEMS);
  return v;
}

/* Record that fn (and every function between it and the variable's owner)
** needs the variable as an upvalue. */
void lx_tr_capture(lx_Compiler *C, lx_Var *v) {
  v->captured = true;
  for (lx_FnInfo *f = C->fn; f && f != v->owner; f = f->parent) {
    lx_tr_work(C, 1 + f->nupvars / LX_FUEL_ITEMS);
    bool have = false;
    for (int i = 0; i < f->nupvars; i++) have |= f->upvars[i] == v;
    if (have) continue;
    if (f->nupvars == f->capupvars) {
      enum { UPVARS_INIT = 8 }; /* most closures capture a few variables */
      int ncap = f->capupvars ? f->capupvars * 2 : UPVARS_INIT;
      lx_Var **nu = lx_tr_alloc(C, (size_t)ncap * sizeof *nu);
      if (f->nupvars) memcpy(nu, f->upvars, (size_t)f->nupvars * sizeof *nu);
      f->upvars = nu;
      f->capupvars = ncap;
    }
    f->upvars[f->nupvars++] = v;
  }
}

/* A variable reference: a lexical variable (captured into every function
** between here and its owner when it is an outer function's), the running
** closure itself for a named function's own name that is never assigned,
** or else the global box of sym in the compile env (created unbound if
** new, so a reference may precede its definition). */
static lx_Node *tr_varref(lx_Compiler *C, lx_Value sym, lx_SrcPos pos) {
  lx_Var *v = lx_tr_lookup(C, sym);
  if (v) {
    if (v->self_fn == C->fn && !v->mutated) return lx_tr_node(C, N_SELF, pos, 0);
    if (v->owner != C->fn) lx_tr_capture(C, v);
    lx_Node *n = lx_tr_node(C, N_LOCAL, pos, 0);
    n->var = v;
    return n;
  }
  lx_Node *n = lx_tr_node(C, N_GLOBAL, pos, 0);
  n->value = lx_obj(lx_env_resolve(C->L, C->env, sym));
  return n;
}

/* Second, third ... elements with a clear error when missing. */
lx_Value lx_tr_nth(lx_Compiler *C, lx_Value form, int i, const char *what) {
  lx_Value x = form;
  for (int k = 0; k < i; k++) {
    if (!lx_is(x, LX_PAIR)) break;
    x = lx_cdr(x);
  }
  if (!lx_is(x, LX_PAIR)) lx_tr_error(C, lx_tr_pos(C, form), "%s", what);
  return lx_car(x);
}

/* form without its first i elements (what is left of an improper list if
** it ends first). */
lx_Value lx_tr_tail(lx_Value form, int i) {
  for (int k = 0; k < i && lx_is(form, LX_PAIR); k++) form = lx_cdr(form);
  return form;
}

lx_Value lx_tr_sym(lx_Compiler *C, const char *name) { return lx_csymbol(C->L, name); }

/* A fresh list of the n (at most TR_LIST_MAX) values given; for
** desugaring, whose lists are short (the longest has 4 items). */
enum { TR_LIST_MAX = 8 };
lx_Value lx_tr_list(lx_Compiler *C, int n, ...) {
  lx_Value items[TR_LIST_MAX];
  assert(n >= 0 && n <= TR_LIST_MAX);
  va_list ap;
  va_start(ap, n);
  for (int i = 0; i < n; i++) items[i] = va_arg(ap, lx_Value);
  va_end(ap);
  return lx_list_from(C->L, items, (size_t)n);
}

/* A variable no source name can reach (for desugaring temporaries). */
lx_Var *lx_tr_hidden_var(lx_Compiler *C) {
  lx_Var *v = lx_tr_alloc(C, sizeof(lx_Var));
  v->name = lx_nil();
  v->owner = C->fn;
  v->slot = -1;
  return v;
}

/* An uninterned symbol: unique, so desugared code cannot capture user
** variables. */
lx_Value lx_tr_gensym(lx_Compiler *C, const char *name) {
  lx_String *str = lx_string_new(C->L, name, strlen(name));
  lx_Symbol *s = (lx_Symbol *)lx_obj_new(C->L, LX_SYMBOL, sizeof(lx_Symbol));
  s->name = str;
  s->next = NULL;
  return lx_obj(s);
}

/* ========================================================================
** Expressions
** ======================================================================== */

/* The macro box for a call's head, or NULL. Lexical bindings shadow. */
static lx_Box *tr_macro_box(lx_Compiler *C, lx_Value head) {
  if (!lx_is(head, LX_SYMBOL) || lx_tr_lookup(C, head)) return NULL;
  lx_Box *b = lx_env_find(C->L, C->env, head);
  return b && (b->h.flags & LX_BOX_MACRO) ? b : NULL;
}

/* Expand macro calls at the head of form until it is no macro call. */
lx_Value lx_tr_expand(lx_Compiler *C, lx_Value form) {
  for (int guard = 0; lx_is(form, LX_PAIR); guard++) {
    lx_Box *m = tr_macro_box(C, lx_car(form));
    if (!m) break;
    if (guard > LX_MAX_MACRO_EXPANSIONS)
      lx_tr_error(C, lx_tr_pos(C, form), "macro expansion does not terminate");
    int n;
    lx_Value *args = lx_tr_items(C, lx_cdr(form), &n, "macro call");
    lx_SrcPos pos = lx_tr_pos(C, form);
    form = lx_vm_call(C->L, m->value, n, args);
    if (lx_is(form, LX_PAIR) && !lx_as_pair(form)->pos.line) lx_as_pair(form)->pos = pos;
  }
  return form;
}

/* Inlinable builtins: name, opcode, argument count. */
static const struct {
  const char *name;
  int op, nargs;
} tr_prims[] = {
    {"+", LX_OP_ADD, 2},        {"-", LX_OP_SUB, 2},       {"*", LX_OP_MUL, 2},
    {"/", LX_OP_DIV, 2},        {"<", LX_OP_LT, 2},        {"<=", LX_OP_LE, 2},
    {">", LX_OP_GT, 2},         {">=", LX_OP_GE, 2},       {"=", LX_OP_EQUAL, 2},
    {"equal?", LX_OP_EQUAL, 2}, {"eq?", LX_OP_EQ, 2},      {"cons", LX_OP_CONS, 2},
    {"car", LX_OP_CAR, 1},      {"cdr", LX_OP_CDR, 1},     {"not", LX_OP_NOT, 1},
    {"null?", LX_OP_NULLP, 1},  {"pair?", LX_OP_PAIRP, 1},
};

/* The opcode when head names an unshadowed builtin that the VM inlines. */
static int tr_prim_op(lx_Compiler *C, lx_Value head, int nargs) {
  if (!lx_is(head, LX_SYMBOL) || lx_tr_lookup(C, head)) return -1;
  lx_Box *b = lx_env_find(C->L, C->env, head);
  if (!b || !(b->h.flags & LX_BOX_CONST) || !lx_is(b->value, LX_NATIVE)) return -1;
  const char *name = lx_tr_symname(head);
  for (size_t i = 0; i < sizeof tr_prims / sizeof tr_prims[0]; i++)
    if (tr_prims[i].nargs == nargs && strcmp(tr_prims[i].name, name) == 0 &&
        strcmp(lx_as_native(b->value)->name, name) == 0)
      return tr_prims[i].op;
  return -1;
}

/* Where each of the n items of list was read (pos when unknown), taken
** before any item is compiled: a macro run while compiling one may
** rewrite the list (as for tr_snapshot). */
static lx_SrcPos *tr_item_positions(lx_Compiler *C, lx_Value list, int n, lx_SrcPos pos) {
  lx_SrcPos *at = lx_tr_alloc(C, (size_t)(n ? n : 1) * sizeof *at);
  for (int i = 0; i < n; i++, list = lx_cdr(list))
    at[i] = lx_as_pair(list)->pos.line ? lx_as_pair(list)->pos : pos;
  return at;
}

/* An item compiled with its own read position as the fallback, so that a
** bare symbol's node (an unbound variable's error) points at the symbol,
** not at the call around it. */
static lx_Node *tr_expr_at(lx_Compiler *C, lx_Value item, lx_SrcPos at) {
  lx_SrcPos saved = C->pos;
  C->pos = at;
  lx_Node *n = lx_tr_expr(C, item, false);
  C->pos = saved;
  return n;
}

/* A call form: a call of an unshadowed constant builtin that the VM
** inlines (tr_prims, matched by name and argument count) becomes one
** primitive node; anything else a generic call of its head with its
** arguments. */
static lx_Node *tr_call(lx_Compiler *C, lx_Value form, lx_SrcPos pos) {
  int n;
  lx_Value *it = lx_tr_items(C, form, &n, "call");
  lx_SrcPos *at = tr_item_positions(C, form, n, pos);
  int op = tr_prim_op(C, it[0], n - 1);
  if (op >= 0) {
    lx_Node *a = tr_expr_at(C, it[1], at[1]);
    return lx_tr_prim(C, op, pos, a, n > 2 ? tr_expr_at(C, it[2], at[2]) : NULL);
  }
  lx_Node *call = lx_tr_node(C, N_CALL, pos, n);
  for (int i = 0; i < n; i++) call->kids[i] = tr_expr_at(C, it[i], at[i]);
  return call;
}

/* [a b] and {k v}: evaluated element by element into fresh objects.
** Compiling an element may run a macro, and a macro can reach the very
** literal being compiled (it returned it and kept it) and grow, shrink or
** rewrite it. So the elements are first snapshotted (tr_snapshot) and only
** the snapshot is read: the literal compiled is the one the expansion
** returned, whatever happens to it later. */
static lx_Node *tr_vector_lit(lx_Compiler *C, lx_Vector *v, lx_SrcPos pos) {
  lx_Snapshot s = lx_tr_snapshot_vector(C, v, pos);
  lx_Node *n = lx_tr_node(C, N_VECTOR, pos, s.n);
  for (int i = 0; i < s.n; i++) {
    C->pos = s.pos[i];
    n->kids[i] = lx_tr_expr(C, s.items->items[i], false);
  }
  return n;
}

/* {k v ...}: like tr_vector_lit; keys are evaluated too, and both halves
** of an entry fall back to the value's read position. */
static lx_Node *tr_dict_lit(lx_Compiler *C, lx_Dict *d, lx_SrcPos pos) {
  lx_Snapshot s = lx_tr_snapshot_dict(C, d, pos);
  lx_Node *n = lx_tr_node(C, N_DICT, pos, s.n);
  for (int i = 0; i < s.n; i += 2) {
    C->pos = s.pos[i + 1];
    n->kids[i] = lx_tr_expr(C, s.items->items[i], false);
    n->kids[i + 1] = lx_tr_expr(C, s.items->items[i + 1], false);
  }
  return n;
}

/* The tree pass over one form: a symbol is a variable reference, a vector
** or dict literal builds a fresh object, a list is macro-expanded and then
** a special form (unless the head names a local) or a call, anything else
** evaluates to itself. top says definitions are allowed here. C->pos is
** the form's position while it is parsed (for errors) and restored after.
** Recursive, so guarded by the C depth limit. */
lx_Node *lx_tr_expr(lx_Compiler *C, lx_Value form, bool top) {
  lx_State *L = C->L;
  lx_c_enter(L);
  lx_SrcPos saved_pos = C->pos;
  lx_SrcPos pos = lx_tr_pos(C, form);
  C->pos = pos;
  lx_Node *n;
  switch (form.tag) {
    case LX_SYMBOL: n = tr_varref(C, form, pos); break;
    case LX_VECTOR: n = tr_vector_lit(C, lx_as_vector(form), pos); break;
    case LX_DICT: n = tr_dict_lit(C, lx_as_dict(form), pos); break;
    case LX_PAIR: {
      form = lx_tr_expand(C, form);
      if (!lx_is(form, LX_PAIR)) {
        n = lx_tr_expr(C, form, top);
        break;
      }
      sf_Fn sf = lx_tr_lookup(C, lx_car(form)) ? NULL : lx_sf_lookup(lx_car(form));
      n = sf ? sf(C, form, pos, top) : tr_call(C, form, pos);
      break;
    }
    default: n = lx_tr_const(C, form, pos); break; /* self-evaluating */
  }
  C->pos = saved_pos;
  lx_c_leave(L);
  return n;
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

/* Arguments and result of tr_compile_protected. */
typedef struct lx_CompileCall {
  lx_Compiler *C;  /* the compiler, set up by lx_compile */
  lx_Value form;   /* the form (kept reachable by the caller) */
  lx_Value result; /* the compiled closure */
} lx_CompileCall;

/* The two passes over one top-level form, under lx_compile's pcall: the
** form becomes the body of a "<toplevel>" function of no parameters, whose
** prototype is wrapped in a closure with no upvalues. */
static void tr_compile_protected(lx_State *L, void *ud) {
  lx_CompileCall *cc = ud;
  lx_Compiler *C = cc->C;
  lx_FnInfo *top = lx_tr_alloc(C, sizeof(lx_FnInfo));
  top->name = lx_cstring(L, "<toplevel>");
  top->doc = lx_nil();
  top->param_list = lx_empty();
  top->pos = C->pos;
  C->fn = top;
  C->toplevel = true;
  top->body = lx_tr_expr(C, cc->form, true);
  lx_Proto *p = lx_cg_function(C, top);
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

/* One step of (macroexpand-1 form) for env: when form is a call of a
** global macro, call the macro on the unevaluated arguments and return
** its expansion with *expanded set; otherwise form itself. Unlike the
** compiler's expansion, lexical shadowing is not seen (there is no scope
** here). Charged for the arguments copied. */
lx_Value lx_macroexpand_1(lx_State *L, lx_Env *env, lx_Value form, bool *expanded) {
  *expanded = false;
  if (!lx_is(form, LX_PAIR) || !lx_is(lx_car(form), LX_SYMBOL)) return form;
  lx_Box *b = lx_env_find(L, env, lx_car(form));
  if (!b || !(b->h.flags & LX_BOX_MACRO)) return form;
  int64_t n = lx_list_length(lx_cdr(form));
  if (n < 0) lx_error(L, "macroexpand: improper macro call");
  lx_charge(L, 1 + n); /* the arguments walked and copied */
  lx_Obj *saved = lx_protect_begin(L);
  lx_Vector *args = lx_seq_to_vector(L, "macroexpand", lx_cdr(form));
  lx_Value r = lx_vm_call(L, b->value, (int)args->len, args->items);
  lx_protect_end(L, saved);
  *expanded = true;
  return r;
}
