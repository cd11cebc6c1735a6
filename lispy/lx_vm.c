/*
** lx_vm.c -- the bytecode interpreter.
**
** LisPy calls never recurse on the C stack: a call pushes a frame and the
** loop carries on in the callee; a tail call reuses the caller's frame.
** Errors longjmp back to lx_vm_execute, which resumes at the innermost
** `try` handler installed by this run, or passes the error outward.
**
** Fuel is charged at every call (builtins charge for their own work); the
** interrupt flag and the deadline are polled at calls as well.
*/
#include <assert.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "lx_lib.h"
#include "lx_opcodes.h"

/* ========================================================================
** Stack and frames
** ======================================================================== */

/* Make room for `need` slots; new slots are nil so the collector, which
** scans the whole stack, never sees garbage. Pointers into the stack must
** be recomputed afterwards. */
void lx_vm_reserve(lx_State *L, size_t need) {
  if (need > L->stack_hi) L->stack_hi = need < L->stack_cap ? need : L->stack_cap;
  if (need <= L->stack_cap) return;
  size_t ncap = L->stack_cap * 2;
  while (ncap < need) ncap *= 2;
  /* No collection here: callers may hold values not yet on the stack. */
  bool inhibit = L->gc_inhibit;
  L->gc_inhibit = true;
  L->stack = lx_mem_realloc(L, L->stack, L->stack_cap * sizeof(lx_Value), ncap * sizeof(lx_Value));
  L->gc_inhibit = inhibit;
  for (size_t i = L->stack_cap; i < ncap; i++) L->stack[i] = lx_nil();
  L->stack_cap = ncap;
  L->stack_hi = need;
}

/* A new frame on top (fields for the caller to fill): past the budget's
** depth a "depth" limit error; the frame array doubles when full (may
** collect: the frames already pushed are roots). */
static lx_Frame *lx_vm_push_frame(lx_State *L) {
  if (L->nframes >= L->budget.depth) lx_limit_error(L, "depth");
  if (L->nframes == L->frames_cap) {
    size_t ncap = L->frames_cap * 2;
    L->frames =
        lx_mem_realloc(L, L->frames, L->frames_cap * sizeof(lx_Frame), ncap * sizeof(lx_Frame));
    L->frames_cap = ncap;
  }
  return &L->frames[L->nframes++];
}

/* See lx_state.h: seconds on LX_DEADLINE_CLOCK (a coarse monotonic clock). */
double lx_deadline_clock(void) {
  struct timespec ts;
  clock_gettime(LX_DEADLINE_CLOCK, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* See lx_state.h. Fuel first, then a pending interrupt (cleared as it is
** raised), then, when the poll countdown has run out, the clock: it is
** read once per LX_CLOCK_POLL_UNITS units of work, never per call. */
void lx_budget_check(lx_State *L) {
  if (L->budget.fuel < 0) lx_limit_error(L, "fuel");
  if (L->interrupt) {
    L->interrupt = 0;
    lx_limit_error(L, "interrupted");
  }
  if (L->budget.clock_poll <= 0) {
    L->budget.clock_poll = LX_CLOCK_POLL_UNITS;
    if (L->budget.deadline > 0 && lx_deadline_clock() > L->budget.deadline)
      lx_limit_error(L, "time");
  }
}

/* A closure's name for messages, "<lambda>" when anonymous. */
static const char *lx_fn_name(const lx_Proto *p) {
  return lx_is(p->name, LX_STRING) ? lx_as_string(p->name)->data : "<lambda>";
}

/* Raise "NAME: expected [at least] N argument(s), got ARGC". */
static _Noreturn void lx_arity_error(lx_State *L, const lx_Proto *p, int argc) {
  lx_error(L, "%s: expected %s%d argument%s, got %d", lx_fn_name(p), p->has_rest ? "at least " : "",
           p->nparams, p->nparams == 1 ? "" : "s", argc);
}

/* Enter the closure at stack[fnslot] with argc arguments above it: check
** arity, collect rest arguments, reserve stack, push the frame. Leaves
** L->sp at the top of the new frame's parameters. */
static void lx_vm_enter(lx_State *L, size_t fnslot, int argc) {
  lx_Closure *cl = lx_as_closure(L->stack[fnslot]);
  const lx_Proto *p = cl->proto;
  size_t base = fnslot + 1;
  if (argc != p->nparams) {
    if (argc < p->nparams || !p->has_rest) lx_arity_error(L, p, argc);
  }
  if (p->has_rest) {
    lx_Obj *saved = lx_protect_begin(L);
    lx_Value rest = lx_empty();
    for (int i = argc - 1; i >= p->nparams; i--)
      rest = lx_cons(L, L->stack[base + (size_t)i], rest);
    L->stack[base + p->nparams] = rest;
    lx_protect_end(L, saved);
  }
  lx_vm_reserve(L, base + p->nslots + LX_STACK_SLACK);
  lx_Frame *f = lx_vm_push_frame(L);
  f->fn = cl;
  f->pc = p->code;
  f->base = base;
  L->sp = base + p->nparams + (p->has_rest ? 1 : 0);
}

/* Call the native at stack[fnslot]. Objects it allocates stay rooted while
** it runs (protected region). */
static lx_Value lx_vm_native(lx_State *L, size_t fnslot, int argc) {
  lx_Native *n = lx_as_native(L->stack[fnslot]);
  if (argc < n->min_args || (n->max_args >= 0 && argc > n->max_args)) {
    if (n->min_args == n->max_args)
      lx_error(L, "%s: expected %d argument%s, got %d", n->name, n->min_args,
               n->min_args == 1 ? "" : "s", argc);
    if (argc < n->min_args)
      lx_error(L, "%s: expected at least %d argument%s, got %d", n->name, n->min_args,
               n->min_args == 1 ? "" : "s", argc);
    lx_error(L, "%s: expected at most %d argument%s, got %d", n->name, n->max_args,
             n->max_args == 1 ? "" : "s", argc);
  }
  lx_charge(L, lx_items_cost((size_t)argc)); /* variadic builtins walk argv */
  L->sp = fnslot + 1 + (size_t)argc;
  lx_Obj *saved = lx_protect_begin(L);
  L->native = n;
  lx_Value r = n->fn(L, argc, &L->stack[fnslot + 1]);
  lx_protect_end(L, saved);
  return r;
}

/* See lx_state.h: the request rides in L->tc_fn / L->tc_args (GC roots),
** and the returned marker value (tag LX_TAILCALL_TAG) tells the VM to
** spread and call it in the native's place (lx_vm_spread). */
lx_Value lx_tailcall(lx_State *L, lx_Value fn, lx_Value args) {
  L->tc_fn = fn;
  L->tc_args = args;
  lx_Value v;
  v.tag = LX_TAILCALL_TAG;
  v.as.i = 0;
  return v;
}

/* Replace the call at stack[fnslot] by the native's tail-call request;
** returns the new argument count. */
static int lx_vm_spread(lx_State *L, size_t fnslot) {
  lx_Value fn = L->tc_fn, args = L->tc_args;
  int64_t n = lx_list_length(args);
  if (n < 0) lx_type_error(L, "apply", "a proper list of arguments", args);
  if (n > LX_MAX_APPLY_ARGS) lx_error(L, "apply: too many arguments (%lld)", (long long)n);
  lx_charge(L, lx_items_cost((size_t)n)); /* the spread (and a rest list) */
  lx_vm_reserve(L, fnslot + (size_t)n + LX_STACK_SLACK);
  L->stack[fnslot] = fn;
  for (int64_t i = 0; i < n; i++, args = lx_cdr(args))
    L->stack[fnslot + 1 + (size_t)i] = lx_car(args);
  L->tc_fn = L->tc_args = lx_nil();
  return (int)n;
}

/* Raise "not a function: <short printed form>". */
static _Noreturn void lx_not_callable(lx_State *L, lx_Value v) {
  lx_Value shown = lx_short_repr(L, v);
  lx_error(L, "not a function: %s", lx_as_string(shown)->data);
}

/* Raise "unbound variable: NAME" for a global read before it is defined. */
static _Noreturn void lx_unbound(lx_State *L, lx_Box *b) {
  lx_error_kind(L, "runtime", lx_nil(), "unbound variable: %s",
                b->name ? b->name->name->data : "?");
}

/* set! of a global: the box must be defined already and must not be a
** builtin's (constant). */
static void lx_vm_setglobal(lx_State *L, lx_Box *b, lx_Value v) {
  if (!(b->h.flags & LX_BOX_DEFINED))
    lx_error(L, "set!: unbound variable: %s (hint: define it first)", b->name->name->data);
  if (b->h.flags & LX_BOX_CONST)
    lx_error(L, "set!: cannot change builtin %s (hint: define your own)", b->name->name->data);
  b->value = v;
}

/* define / defmacro of a global. A builtin's box (only the base has
** them) is never redefined: the compiler gives agents boxes of their own,
** so reaching one here means code is defining in the base; refuse. */
static void lx_vm_defglobal(lx_State *L, lx_Box *b, lx_Value v, uint16_t macro) {
  if (b->h.flags & LX_BOX_CONST)
    lx_error(L,
             "define: cannot redefine builtin %s (hint: the base environment is read-only; "
             "define it in your own file)",
             b->name->name->data);
  b->value = v;
  b->h.flags = (uint16_t)((b->h.flags & ~LX_BOX_MACRO) | LX_BOX_DEFINED | macro);
}

/* Install a try handler for the running frame: on an error the stack is
** cut back to sp, the error pushed and execution resumes at target
** (lx_vm_handle). The handler array grows as needed (may collect). */
static void lx_vm_push_handler(lx_State *L, size_t sp, const lx_Instr *target) {
  if (L->nhandlers == L->handlers_cap) {
    size_t ncap = L->handlers_cap ? L->handlers_cap * 2 : 16;
    L->handlers = lx_mem_realloc(L, L->handlers, L->handlers_cap * sizeof(lx_Handler),
                                 ncap * sizeof(lx_Handler));
    L->handlers_cap = ncap;
  }
  lx_Handler *h = &L->handlers[L->nhandlers++];
  h->frame = L->nframes - 1;
  h->sp = sp;
  h->target = target;
}

/* A closure of p made by the running closure parent in the frame at base:
** each capture (see cg_lambda) copies a slot of the frame or one of the
** parent's upvalues. Captured variables that change are boxes, so the
** copy shares them. */
static lx_Value lx_vm_closure(lx_State *L, const lx_Closure *parent, lx_Proto *p,
                              const lx_Value *base) {
  lx_Closure *c =
      (lx_Closure *)lx_obj_new(L, LX_CLOSURE, sizeof(lx_Closure) + p->nupvals * sizeof(lx_Value));
  c->proto = p;
  c->nupvals = p->nupvals;
  for (uint32_t i = 0; i < p->nupvals; i++) {
    uint32_t cap = p->captures[i];
    c->upvals[i] = (cap & 1) ? parent->upvals[cap >> 1] : base[cap >> 1];
  }
  return lx_obj(c);
}

/* Multi-allocation helpers run in a protected region: the VM itself runs
** unprotected, so a half-built object must not be collected. */
static lx_Value lx_vm_vector(lx_State *L, const lx_Value *items, size_t n) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Vector *v = lx_vector_new(L, n);
  if (n) memcpy(v->items, items, n * sizeof(lx_Value));
  v->len = n;
  lx_protect_end(L, saved);
  return lx_obj(v);
}

static lx_Value lx_vm_dict(lx_State *L, const lx_Value *items, size_t n) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Dict *d = lx_dict_new(L, n);
  for (size_t i = 0; i < n; i++) lx_dict_set(L, d, items[2 * i], items[2 * i + 1]);
  lx_protect_end(L, saved);
  return lx_obj(d);
}

/* See lx_state.h. The same accounting as lx_charge, but it only reports:
** on an expired deadline the poll countdown is left at 0 so the caller's
** lx_budget_check reads the clock again and raises. */
bool lx_budget_pay(lx_State *L, int64_t steps) {
  lx_Budget *b = &L->budget;
  b->fuel = steps <= b->fuel ? b->fuel - steps : -1;
  b->clock_poll = steps < b->clock_poll ? b->clock_poll - steps : 0;
  if (b->fuel < 0 || L->interrupt) return false;
  if (b->clock_poll > 0) return true;
  b->clock_poll = LX_CLOCK_POLL_UNITS;
  if (b->deadline > 0 && lx_deadline_clock() > b->deadline) {
    b->clock_poll = 0; /* so lx_budget_check reads the clock and raises */
    return false;
  }
  return true;
}

/* See lx_state.h: forces the clock read by zeroing the poll countdown. */
void lx_vm_poll(lx_State *L) {
  L->budget.clock_poll = 0;
  lx_budget_check(L);
}

/* Comparison for the inlined < <= > >=: any NaN makes every ordering
** false, so NaN compares as "unordered" (1 for < and <=, -1 for > and >=,
** which fails each of them). */
static int lx_vm_compare(lx_State *L, const char *op, lx_Value a, lx_Value b) {
  int c = lx_num_cmp(L, op, a, b);
  bool nan = (a.tag == LX_FLOAT && isnan(a.as.f)) || (b.tag == LX_FLOAT && isnan(b.as.f));
  if (!nan) return c;
  return op[0] == '<' ? 1 : -1; /* fails both x<0 / x<=0 and x>0 / x>=0 */
}

/* ========================================================================
** The interpreter loop
** ======================================================================== */

#if defined(__GNUC__)
#define LX_COMPUTED_GOTO 1
#endif

/* Run until the frame at index `entry` returns; returns its value. */
static lx_Value lx_vm_loop(lx_State *L, size_t entry) {
  lx_Frame *frame;
  lx_Closure *cl;
  const lx_Instr *pc;
  lx_Value *base, *sp;
  const lx_Value *k;
  lx_Instr i;

#define LOAD()                          \
  do {                                  \
    frame = &L->frames[L->nframes - 1]; \
    cl = frame->fn;                     \
    pc = frame->pc;                     \
    base = L->stack + frame->base;      \
    sp = L->stack + L->sp;              \
    k = cl->proto->consts;              \
  } while (0)
#define SAVE() (frame->pc = pc, L->sp = (size_t)(sp - L->stack))
#define SPI()  ((size_t)(sp - L->stack))

#ifdef LX_COMPUTED_GOTO
  static const void *labels[] = {
#define LX_OP_LABEL(name) &&op_##name,
      LX_OPCODES(LX_OP_LABEL)
#undef LX_OP_LABEL
  };
#define DISPATCH()          \
  do {                      \
    i = *pc++;              \
    goto *labels[LX_OP(i)]; \
  } while (0)
#define CASE(name) op_##name:
#else
#define DISPATCH() goto dispatch
#define CASE(name) case LX_OP_##name:
#endif

  LOAD();
#ifdef LX_COMPUTED_GOTO
  DISPATCH();
#else
dispatch:
  i = *pc++;
  switch (LX_OP(i)) {
#endif

  CASE(CONST) *sp++ = k[LX_ARG(i)];
  DISPATCH();
  CASE(INT) *sp++ = lx_int(LX_SARG(i));
  DISPATCH();
  CASE(NIL) *sp++ = lx_nil();
  DISPATCH();
  CASE(TRUE) *sp++ = lx_bool(true);
  DISPATCH();
  CASE(FALSE) *sp++ = lx_bool(false);
  DISPATCH();
  CASE(EMPTY) *sp++ = lx_empty();
  DISPATCH();
  CASE(LOCAL) *sp++ = base[LX_ARG(i)];
  DISPATCH();
  CASE(SETLOCAL) base[LX_ARG(i)] = sp[-1];
  DISPATCH();
  CASE(BOX) {
    SAVE();
    lx_Box *b = lx_box_new(L, base[LX_ARG(i)], NULL);
    base[LX_ARG(i)] = lx_obj(b);
    DISPATCH();
  }
  CASE(LOCALBOX) *sp++ = lx_as_box(base[LX_ARG(i)])->value;
  DISPATCH();
  CASE(SETLOCALBOX) lx_as_box(base[LX_ARG(i)])->value = sp[-1];
  DISPATCH();
  CASE(UPVAL) *sp++ = cl->upvals[LX_ARG(i)];
  DISPATCH();
  CASE(UPVALBOX) *sp++ = lx_as_box(cl->upvals[LX_ARG(i)])->value;
  DISPATCH();
  CASE(SETUPVALBOX) lx_as_box(cl->upvals[LX_ARG(i)])->value = sp[-1];
  DISPATCH();
  CASE(SELF) *sp++ = lx_obj(cl);
  DISPATCH();
  CASE(GLOBAL) {
    lx_Box *b = lx_as_box(k[LX_ARG(i)]);
    if (!(b->h.flags & LX_BOX_DEFINED)) {
      SAVE();
      lx_unbound(L, b);
    }
    *sp++ = b->value;
    DISPATCH();
  }
  CASE(SETGLOBAL) {
    SAVE();
    lx_vm_setglobal(L, lx_as_box(k[LX_ARG(i)]), sp[-1]);
    DISPATCH();
  }
  CASE(DEFGLOBAL) {
    lx_Box *b = lx_as_box(k[LX_ARG(i)]);
    SAVE();
    lx_vm_defglobal(L, b, sp[-1], 0);
    sp[-1] = lx_obj(b->name);
    DISPATCH();
  }
  CASE(DEFMACRO) {
    lx_Box *b = lx_as_box(k[LX_ARG(i)]);
    SAVE();
    lx_vm_defglobal(L, b, sp[-1], LX_BOX_MACRO);
    sp[-1] = lx_obj(b->name);
    DISPATCH();
  }
  CASE(POP) sp--;
  DISPATCH();
  CASE(SLIDE) {
    uint32_t n = LX_ARG(i);
    sp[-1 - (int32_t)n] = sp[-1];
    sp -= n;
    DISPATCH();
  }
  CASE(JUMP) pc += LX_SARG(i);
  DISPATCH();
  CASE(JUMPF) {
    sp--;
    if (!lx_truthy(*sp)) pc += LX_SARG(i);
    DISPATCH();
  }
  CASE(AND) {
    if (!lx_truthy(sp[-1])) pc += LX_SARG(i);
    else sp--;
    DISPATCH();
  }
  CASE(OR) {
    if (lx_truthy(sp[-1])) pc += LX_SARG(i);
    else sp--;
    DISPATCH();
  }
  CASE(CLOSURE) {
    SAVE();
    lx_Value c = lx_vm_closure(L, cl, cl->proto->protos[LX_ARG(i)], base);
    *sp++ = c;
    DISPATCH();
  }
  CASE(CALL) {
    int argc = (int)LX_ARG(i);
    bool tail = false;
    size_t fnslot;
  do_call:
    fnslot = SPI() - (size_t)argc - 1;
    SAVE();
    for (;;) {
      lx_Value fn = L->stack[fnslot];
      if (fn.tag == LX_CLOSURE) {
        if (--L->budget.fuel < 0 || L->interrupt || --L->budget.clock_poll <= 0) lx_budget_check(L);
        /* Fast paths: exact arity, room on the stack (and for a new frame). */
        lx_Closure *ncl = lx_as_closure(fn);
        const lx_Proto *np = ncl->proto;
        if (argc == np->nparams && !np->has_rest) {
          size_t nbase = tail ? frame->base : fnslot + 1;
          size_t top = nbase + np->nslots + LX_STACK_SLACK;
          bool room = top <= L->stack_cap;
          if (room && top > L->stack_hi) L->stack_hi = top;
          if (tail && room) {
            memmove(&L->stack[nbase - 1], &L->stack[fnslot], ((size_t)argc + 1) * sizeof(lx_Value));
          } else if (!tail && room && L->nframes < L->frames_cap && L->nframes < L->budget.depth) {
            frame = &L->frames[L->nframes++];
            frame->base = nbase;
          } else {
            goto slow_call;
          }
          frame->fn = cl = ncl;
          frame->pc = pc = np->code;
          k = np->consts;
          base = L->stack + nbase;
          sp = base + argc;
          DISPATCH();
        }
      slow_call:
        if (tail) { /* reuse the frame: move callee and args down */
          size_t dst = frame->base - 1;
          memmove(&L->stack[dst], &L->stack[fnslot], ((size_t)argc + 1) * sizeof(lx_Value));
          fnslot = dst;
          L->nframes--;
        }
        lx_vm_enter(L, fnslot, argc);
        LOAD();
        DISPATCH();
      }
      if (fn.tag != LX_NATIVE) lx_not_callable(L, fn);
      lx_Value r = lx_vm_native(L, fnslot, argc);
      if (r.tag == LX_TAILCALL_TAG) {
        argc = lx_vm_spread(L, fnslot);
        L->sp = fnslot + 1 + (size_t)argc;
        continue;
      }
      frame = &L->frames[L->nframes - 1]; /* natives may move stack/frames */
      base = L->stack + frame->base;
      sp = L->stack + fnslot;
      *sp++ = r;
      break;
    }
    if (!tail) DISPATCH();
    goto do_return;
    CASE(TAILCALL)
    argc = (int)LX_ARG(i);
    tail = true;
    goto do_call;
  }
  CASE(RETURN) {
  do_return:;
    lx_Value v = sp[-1];
    size_t fnslot = frame->base - 1;
    L->nframes--;
    L->sp = fnslot;
    if (L->nframes == entry) return v;
    LOAD();
    *sp++ = v;
    DISPATCH();
  }
  CASE(TRY) {
    SAVE();
    lx_vm_push_handler(L, SPI(), pc + LX_SARG(i));
    DISPATCH();
  }
  CASE(ENDTRY) L->nhandlers--;
  DISPATCH();
  CASE(RETHROW) SAVE();
  lx_throw(L, sp[-1]);
  CASE(VECTOR) {
    uint32_t n = LX_ARG(i);
    SAVE();
    lx_Value v = lx_vm_vector(L, sp - n, n);
    sp -= n;
    *sp++ = v;
    DISPATCH();
  }
  CASE(DICT) {
    uint32_t n = LX_ARG(i);
    SAVE();
    lx_Value v = lx_vm_dict(L, sp - 2 * n, n);
    sp -= 2 * n;
    *sp++ = v;
    DISPATCH();
  }
  CASE(ADD) {
    lx_Value a = sp[-2], b = sp[-1];
    int64_t r;
    if (a.tag == LX_INT && b.tag == LX_INT && !__builtin_add_overflow(a.as.i, b.as.i, &r)) {
      sp[-2].as.i = r;
    } else {
      SAVE();
      sp[-2] = lx_num_add(L, a, b);
    }
    sp--;
    DISPATCH();
  }
  CASE(SUB) {
    lx_Value a = sp[-2], b = sp[-1];
    int64_t r;
    if (a.tag == LX_INT && b.tag == LX_INT && !__builtin_sub_overflow(a.as.i, b.as.i, &r)) {
      sp[-2].as.i = r;
    } else {
      SAVE();
      sp[-2] = lx_num_sub(L, a, b);
    }
    sp--;
    DISPATCH();
  }
  CASE(MUL) {
    lx_Value a = sp[-2], b = sp[-1];
    int64_t r;
    if (a.tag == LX_INT && b.tag == LX_INT && !__builtin_mul_overflow(a.as.i, b.as.i, &r)) {
      sp[-2].as.i = r;
    } else {
      SAVE();
      sp[-2] = lx_num_mul(L, a, b);
    }
    sp--;
    DISPATCH();
  }
  CASE(DIV) {
    SAVE();
    sp[-2] = lx_num_div(L, sp[-2], sp[-1]);
    sp--;
    DISPATCH();
  }
  CASE(ADDI) {
    int64_t r;
    if (sp[-1].tag == LX_INT && !__builtin_add_overflow(sp[-1].as.i, (int64_t)LX_SARG(i), &r)) {
      sp[-1].as.i = r;
    } else {
      SAVE();
      sp[-1] = lx_num_add(L, sp[-1], lx_int(LX_SARG(i)));
    }
    DISPATCH();
  }
#define LX_CMP_OP(NAME, OP, STR)                                  \
  CASE(NAME) {                                                    \
    lx_Value a = sp[-2], b = sp[-1];                              \
    bool r;                                                       \
    if (a.tag == LX_INT && b.tag == LX_INT) r = a.as.i OP b.as.i; \
    else {                                                        \
      SAVE();                                                     \
      r = lx_vm_compare(L, STR, a, b) OP 0;                       \
    }                                                             \
    sp--;                                                         \
    sp[-1] = lx_bool(r);                                          \
    DISPATCH();                                                   \
  }
  LX_CMP_OP(LT, <, "<")
  LX_CMP_OP(LE, <=, "<=")
  LX_CMP_OP(GT, >, ">")
  LX_CMP_OP(GE, >=, ">=")
#undef LX_CMP_OP
  CASE(EQUAL) {
    lx_Value a = sp[-2], b = sp[-1];
    bool r;
    if (a.tag == LX_INT && b.tag == LX_INT) r = a.as.i == b.as.i;
    else {
      SAVE();
      r = lx_equal(L, a, b);
    }
    sp--;
    sp[-1] = lx_bool(r);
    DISPATCH();
  }
  CASE(EQ) {
    bool r = lx_eq(sp[-2], sp[-1]);
    sp--;
    sp[-1] = lx_bool(r);
    DISPATCH();
  }
  CASE(CONS) {
    SAVE();
    lx_Value c = lx_cons(L, sp[-2], sp[-1]);
    sp--;
    sp[-1] = c;
    DISPATCH();
  }
  CASE(CAR) {
    if (sp[-1].tag != LX_PAIR) {
      SAVE();
      lx_type_error(L, "car", "a pair", sp[-1]);
    }
    sp[-1] = lx_car(sp[-1]);
    DISPATCH();
  }
  CASE(CDR) {
    if (sp[-1].tag != LX_PAIR) {
      SAVE();
      lx_type_error(L, "cdr", "a pair", sp[-1]);
    }
    sp[-1] = lx_cdr(sp[-1]);
    DISPATCH();
  }
  CASE(NOT) sp[-1] = lx_bool(!lx_truthy(sp[-1]));
  DISPATCH();
  CASE(NULLP) sp[-1] = lx_bool(sp[-1].tag == LX_NIL || sp[-1].tag == LX_EMPTY);
  DISPATCH();
  CASE(PAIRP) sp[-1] = lx_bool(sp[-1].tag == LX_PAIR);
  DISPATCH();

#ifndef LX_COMPUTED_GOTO
  default: break;
}
#endif
assert(!"bad opcode");
return lx_nil();
#undef LOAD
#undef SAVE
#undef SPI
#undef DISPATCH
#undef CASE
}

/* ========================================================================
** Entering and leaving the VM
** ======================================================================== */

/* After an error: resume at the innermost handler installed by this run,
** unless the error cannot be caught. Returns false to propagate. */
static bool lx_vm_handle(lx_State *L, size_t entry_handlers, lx_Value err) {
  bool catchable = !(lx_is(err, LX_ERROR) && (err.as.o->flags & LX_ERROR_UNCATCHABLE));
  if (!catchable || L->nhandlers <= entry_handlers) return false;
  lx_Handler h = L->handlers[--L->nhandlers];
  L->nframes = h.frame + 1;
  L->frames[h.frame].pc = h.target;
  L->sp = h.sp;
  L->stack[L->sp++] = err;
  return true;
}

/* Run the frame just pushed at index entry (L->nframes - 1) to completion,
** resuming at `try` handlers after errors. */
static lx_Value lx_vm_execute(lx_State *L, size_t entry) {
  size_t entry_handlers = L->nhandlers;
  lx_Jump j;
  j.prev = L->jump;
  j.protect_mark = L->protect_mark;
  j.c_depth = L->c_depth;
  L->jump = &j;
  L->nested_runs++;
  for (;;) {
    if (setjmp(j.buf) == 0) {
      lx_Value v = lx_vm_loop(L, entry);
      L->jump = j.prev;
      L->nested_runs--;
      return v;
    }
    lx_Value err = L->thrown;
    L->c_depth = j.c_depth;
    L->in_limit_error = false;
    if (j.protect_mark == NULL) L->protect_mark = NULL;
    if (!lx_vm_handle(L, entry_handlers, err)) break;
  }
  L->nframes = entry;
  L->nhandlers = entry_handlers;
  L->jump = j.prev;
  L->nested_runs--;
  lx_throw(L, L->thrown);
}

/* Call fn with argc arguments from C. The arguments are copied onto the
** VM stack above the current top, so argv may point anywhere. */
lx_Value lx_vm_call(lx_State *L, lx_Value fn, int argc, const lx_Value *argv) {
  size_t fnslot = L->sp;
  lx_vm_reserve(L, fnslot + (size_t)argc + LX_STACK_SLACK);
  L->stack[fnslot] = fn;
  for (int a = 0; a < argc; a++) L->stack[fnslot + 1 + (size_t)a] = argv[a];
  L->sp = fnslot + 1 + (size_t)argc;
  return lx_vm_call_slot(L, fnslot, argc);
}

/* See lx_state.h. A closure runs in a nested VM run (lx_vm_execute) to
** completion; a native is called directly, its tail-call requests (apply,
** eval) followed in a loop. At most LX_MAX_NESTED_RUNS C-level re-entries
** ("depth" limit past them). Pops the function and arguments: L->sp is
** fnslot on return. */
lx_Value lx_vm_call_slot(lx_State *L, size_t fnslot, int argc) {
  if (L->nested_runs >= LX_MAX_NESTED_RUNS) lx_limit_error(L, "depth");
  assert(L->sp == fnslot + 1 + (size_t)argc);
  for (;;) {
    lx_Value f = L->stack[fnslot];
    if (f.tag == LX_CLOSURE) {
      size_t entry = L->nframes;
      lx_vm_enter(L, fnslot, argc);
      lx_Value v = lx_vm_execute(L, entry);
      L->sp = fnslot;
      return v;
    }
    if (f.tag != LX_NATIVE) lx_not_callable(L, f);
    lx_Value r = lx_vm_native(L, fnslot, argc);
    if (r.tag != LX_TAILCALL_TAG) {
      L->sp = fnslot;
      return r;
    }
    argc = lx_vm_spread(L, fnslot);
    L->sp = fnslot + 1 + (size_t)argc;
  }
}
