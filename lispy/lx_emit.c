/*
** lx_emit.c -- code generation: the compiler's node tree to bytecode.
**
** One code buffer per function being generated (instructions, their
** source positions, a hashed constant table, inner prototypes), in
** accounted memory freed by the driver also on error. Variables get stack
** slots in order; only captured variables that are assigned or bound
** before their value exists are boxed. C->depth tracks the stack height so
** each prototype's nslots covers its highest point.
*/
#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_compiler.h"

/* ========================================================================
** Code generation
** ======================================================================== */

/* Double a code-buffer array in accounted memory; *cap changes only once
** the array has moved, so the driver's tr_free always frees it with its true size. */
enum { CG_INIT_CAP = 32 }; /* first size of a code-buffer array: a small function's */
static void cg_grow(lx_Compiler *C, void **p, size_t *cap, size_t elem) {
  size_t ncap = *cap ? *cap * 2 : CG_INIT_CAP;
  *p = lx_mem_realloc(C->L, *p, *cap * elem, ncap * elem);
  *cap = ncap;
}

/* Append one instruction with its source position to the current buffer
** and return its index (what cg_patch later fixes up). An operand outside
** the signed 24 bits is a compile error, not a silent wrap. The caller
** accounts the stack effect (cg_push, C->depth). */
static size_t cg_emit(lx_Compiler *C, int op, int32_t arg, lx_SrcPos pos) {
  lx_CodeBuf *cb = C->cb;
  if (cb->n == cb->capcode) cg_grow(C, (void **)&cb->code, &cb->capcode, sizeof *cb->code);
  if (cb->n == cb->caplines) cg_grow(C, (void **)&cb->lines, &cb->caplines, sizeof *cb->lines);
  if (arg > LX_MAX_SARG || arg < -LX_MAX_SARG - 1)
    lx_tr_error(C, pos, "function too large to compile (operand overflow)");
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
  enum { CINDEX_INIT = 64 }; /* first index size: a power of two (probes mask with it) */
  size_t ncap = cb->capcindex ? cb->capcindex * 2 : CINDEX_INIT;
  int32_t *old = cb->cindex;
  size_t oldcap = cb->capcindex;
  cb->cindex = lx_mem_alloc(C->L, ncap * sizeof *cb->cindex);
  cb->capcindex = ncap;
  memset(cb->cindex, 0xFF, ncap * sizeof *cb->cindex);
  for (size_t i = 0; i < cb->nconsts; i++)
    cb->cindex[cg_const_slot(cb, cb->consts[i])] = (int32_t)i;
  lx_mem_free(C->L, old, oldcap * sizeof *old);
}

/* The index of v in the constant table, added if new. Hashed: a function
** with a huge literal has tens of thousands of constants. */
static int cg_const(lx_Compiler *C, lx_Value v) {
  lx_CodeBuf *cb = C->cb;
  if (2 * (cb->nconsts + 1) >= cb->capcindex) cg_const_rehash(C, cb);
  size_t slot = cg_const_slot(cb, v);
  if (cb->cindex[slot] >= 0) return cb->cindex[slot];
  if (cb->nconsts >= LX_MAX_CONSTANTS)
    lx_tr_error(C, C->pos, "function too large to compile (too many constants)");
  if (cb->nconsts == cb->capconsts)
    cg_grow(C, (void **)&cb->consts, &cb->capconsts, sizeof(lx_Value));
  cb->consts[cb->nconsts] = v;
  cb->cindex[slot] = (int32_t)cb->nconsts;
  return (int)cb->nconsts++;
}

/* Point the jump at `at` to the next instruction to be emitted (offsets
** count from the instruction after the jump). */
static void cg_patch(lx_Compiler *C, size_t at) {
  int32_t off = (int32_t)(C->cb->n - at - 1);
  lx_Instr i = C->cb->code[at];
  C->cb->code[at] = LX_MKI(LX_OP(i), (uint32_t)off & LX_MAX_ARG);
}

/* Whether v lives in a box: only a captured variable that is assigned
** (set!) or bound before its value exists (letrec) needs one, so that the
** closure and the frame share its changes; every other variable is
** copied into closures by value. */
static bool cg_boxed(const lx_Var *v) { return v->captured && (v->mutated || v->letrec); }

/* The upvalue index of v in f (a linear search, charged by the caller's
** cg_upval). */
static int cg_upval_index(lx_FnInfo *f, const lx_Var *v) {
  for (int i = 0; i < f->nupvars; i++)
    if (f->upvars[i] == v) return i;
  return -1;
}

static void cg_expr(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail);

/* cg_upval_index, charged: a function may capture thousands of variables. */
static int cg_upval(lx_Compiler *C, lx_FnInfo *f, const lx_Var *v) {
  if (f->nupvars >= LX_FUEL_ITEMS) lx_tr_work(C, f->nupvars / LX_FUEL_ITEMS);
  return cg_upval_index(f, v);
}

/* Push the constant v: small integers, nil, '(), true and false have
** their own opcodes; anything else goes through the constant table. */
static void cg_const_node(lx_Compiler *C, lx_Value v, lx_SrcPos pos) {
  if (lx_is(v, LX_INT) && v.as.i >= -LX_MAX_SARG && v.as.i <= LX_MAX_SARG)
    cg_emit(C, LX_OP_INT, (int32_t)v.as.i, pos);
  else if (lx_is(v, LX_NIL)) cg_emit(C, LX_OP_NIL, 0, pos);
  else if (lx_is(v, LX_EMPTY)) cg_emit(C, LX_OP_EMPTY, 0, pos);
  else if (lx_is(v, LX_BOOL)) cg_emit(C, v.as.b ? LX_OP_TRUE : LX_OP_FALSE, 0, pos);
  else cg_emit(C, LX_OP_CONST, cg_const(C, v), pos);
  cg_push(C, 1);
}

/* Push the value of the local variable v as seen from f: a slot of f's
** own frame, or one of f's upvalues when v belongs to an enclosing
** function; through the box when v is boxed. */
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

/* Assign the top of the stack (kept) to v. A variable of an enclosing
** function is assigned through its box: being captured and mutated, it is
** always boxed. */
static void cg_setlocal(lx_Compiler *C, lx_FnInfo *f, lx_Var *v, lx_SrcPos pos) {
  if (v->owner == f) cg_emit(C, cg_boxed(v) ? LX_OP_SETLOCALBOX : LX_OP_SETLOCAL, v->slot, pos);
  else cg_emit(C, LX_OP_SETUPVALBOX, cg_upval(C, f, v), pos);
}

/* Give v the slot at the current stack top (already pushed). */
static void cg_bind_slot(lx_Compiler *C, lx_Var *v, lx_SrcPos pos) {
  v->slot = C->depth - 1;
  if (cg_boxed(v)) cg_emit(C, LX_OP_BOX, v->slot, pos);
}

/* let: each init is evaluated onto the stack and becomes its variable's
** slot (in order, so an init sees only earlier slots); the body's value
** then slides down over them. */
static void cg_let(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail) {
  for (int i = 0; i < n->nvars; i++) {
    cg_expr(C, f, n->kids[i], false);
    cg_bind_slot(C, n->vars[i], n->pos);
  }
  cg_expr(C, f, n->kids[n->nvars], tail);
  if (n->nvars) cg_emit(C, LX_OP_SLIDE, n->nvars, n->pos);
  C->depth -= n->nvars;
}

/* letrec: every variable gets a nil slot (boxed if captured) before any
** init runs; kids[0] is a sequence lx_specials.c builds of the inits'
** assignments followed by the body, whose value slides over the slots. */
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

/* if: JUMPF pops the test; each branch leaves one value, so the depth is
** counted once for the two (the then branch's push is undone before the
** else branch is generated). */
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

/* and/or: AND/OR keep the deciding value and jump to the end, or pop it
** and go on to the next operand; the last operand is in tail position. At
** most LX_MAX_ANDOR operands (the jumps to patch live in a C array). */
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
    else lx_tr_error(C, n->pos, "too many operands in and/or (limit %d)", LX_MAX_ANDOR);
    C->depth--;
  }
  for (int i = 0; i < nj; i++) cg_patch(C, jumps[i]);
}

/* begin: every value but the last is popped; an empty body is nil. */
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

/* A call: the function and its arguments pushed in order, then CALL (or
** TAILCALL in tail position), which leaves one value in their place. */
static void cg_call(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail) {
  for (int i = 0; i < n->nkids; i++) cg_expr(C, f, n->kids[i], false);
  int argc = n->nkids - 1;
  if (argc > LX_MAX_CALL_ARGS) lx_tr_error(C, n->pos, "too many arguments in one call");
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
  cg_patch(C, try1); /* error value is on the stack here */
  size_t try2 = 0;
  if (handler) {
    if (fin) try2 = cg_emit(C, LX_OP_TRY, 0, n->pos);
    cg_bind_slot(C, n->var, n->pos);
    cg_expr(C, f, handler, false);
    cg_emit(C, LX_OP_SLIDE, 1, n->pos);
    C->depth--;
    if (fin) cg_emit(C, LX_OP_ENDTRY, 0, n->pos);
  } else if (!fin) {
    cg_emit(C, LX_OP_POP, 0, n->pos); /* (try body): errors give nil */
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

/* A lambda: its prototype is generated first (lx_cg_function), then its
** capture list is filled relative to the parent: captures[i] is the
** parent's slot << 1 for the parent's own variable, or the parent's
** upvalue index << 1 | 1 for one captured further out. CLOSURE then
** builds the closure from protos[n]. */
static void cg_lambda(lx_Compiler *C, lx_FnInfo *parent, lx_Node *n) {
  lx_Proto *p = lx_cg_function(C, n->fn);
  lx_FnInfo *child = n->fn;
  for (int i = 0; i < child->nupvars; i++) {
    lx_Var *u = child->upvars[i];
    p->captures[i] =
        u->owner == parent ? (uint32_t)u->slot << 1 : (uint32_t)cg_upval(C, parent, u) << 1 | 1;
  }
  lx_CodeBuf *cb = C->cb;
  if (cb->nprotos == cb->capprotos)
    cg_grow(C, (void **)&cb->protos, &cb->capprotos, sizeof(lx_Proto *));
  cb->protos[cb->nprotos] = p;
  cg_emit(C, LX_OP_CLOSURE, (int32_t)cb->nprotos++, n->pos);
  cg_push(C, 1);
}

/* Generate n, leaving exactly one value on the stack; tail says n's value
** is the function's result (calls become tail calls). Recursive over the
** tree, so guarded by the C depth limit, and charged per node. */
static void cg_expr(lx_Compiler *C, lx_FnInfo *f, lx_Node *n, bool tail) {
  lx_c_enter(C->L);
  lx_tr_work(C, 1 + n->nkids / LX_COMPILE_NODE_KIDS);
  switch (n->kind) {
    case N_CONST: cg_const_node(C, n->value, n->pos); break;
    case N_LOCAL: cg_local(C, f, n->var, n->pos); break;
    case N_SELF:
      cg_emit(C, LX_OP_SELF, 0, n->pos);
      cg_push(C, 1);
      break;
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
    case N_AND:
    case N_OR: cg_andor(C, f, n, tail); break;
    case N_TRY: cg_try(C, f, n); break;
    case N_PRIM:
      for (int i = 0; i < n->nkids; i++) cg_expr(C, f, n->kids[i], false);
      cg_emit(C, n->op, 0, n->pos);
      C->depth -= n->nkids - 1;
      break;
    case N_VECTOR:
    case N_DICT:
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

/* Make the prototype of f from its finished code buffer: every array is
** copied into accounted memory the proto owns (the buffer itself is freed
** by the driver). nslots is the deepest point plus a margin of 2. The
** captures array is allocated here but filled by cg_lambda in the parent. */
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

/* See lx_compiler.h. Each function gets its own code buffer, registered in
** C->bufs so the driver frees it even when an error unwinds (at most
** LX_MAX_FN_NESTING live at once); the parent's buffer and stack depth
** are saved and restored around it. Parameters take the first slots. */
lx_Proto *lx_cg_function(lx_Compiler *C, lx_FnInfo *f) {
  if (C->nbufs == LX_MAX_FN_NESTING)
    lx_tr_error(C, f->pos, "functions nested too deeply (limit %d)", LX_MAX_FN_NESTING);
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
  if (C->maxdepth > LX_MAX_STACK_SLOTS)
    lx_tr_error(C, f->pos, "function needs too many stack slots");
  lx_Proto *p = cg_finish(C, f, cb);
  C->cb = saved_cb;
  C->depth = saved_depth;
  C->maxdepth = saved_max;
  return p;
}
