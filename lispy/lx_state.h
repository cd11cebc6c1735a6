/*
** lx_state.h -- the interpreter state, memory accounting, the collector,
** error raising and the VM entry points. Internal to lispy/.
*/
#ifndef LX_STATE_H
#define LX_STATE_H

#include <assert.h>
#include <setjmp.h>
#include <signal.h>

#include "lx_object.h"
#include "lispy.h"

/* ========================================================================
** Call frames and error handlers
** ======================================================================== */

typedef struct lx_Frame {
  lx_Closure *fn;     /* the running closure */
  const lx_Instr *pc; /* next instruction (saved on call) */
  size_t base;        /* stack index of argument 0 */
} lx_Frame;

/* A `try` in progress: where to resume and what to unwind to. */
typedef struct lx_Handler {
  size_t frame;           /* index of the frame that installed it */
  size_t sp;              /* stack height to restore */
  const lx_Instr *target; /* catch code */
} lx_Handler;

/* One protected C region (see lx_protect). */
typedef struct lx_Jump {
  jmp_buf buf;
  struct lx_Jump *prev;
  lx_Obj *protect_mark; /* saved L->protect_mark */
  int c_depth;          /* saved C recursion depth */
} lx_Jump;

/* A region of the VM's frames run on behalf of one environment: a form
** being compiled for env (its macros expand now), or a host call made for
** env (lispy_set_call_env). Frames pushed after `frames` act for env
** unless they run code of their own environment. Marks live in C locals
** of the functions that push them and are popped on every exit. */
typedef struct lx_EnvMark {
  lx_Env *env;             /* never NULL; the base only while the prelude
                              loads (before base_frozen) */
  size_t frames;           /* L->nframes when the region began */
  struct lx_EnvMark *prev; /* the enclosing region, or NULL */
} lx_EnvMark;

/* Limits in force for the current evaluation. */
typedef struct lx_Budget {
  int64_t fuel;       /* steps left; <0 means exhausted */
  size_t mem_limit;   /* bytes allowed above mem_base */
  size_t mem_base;    /* heap in use when the evaluation began */
  size_t depth;       /* frames allowed */
  double deadline;    /* monotonic seconds; 0 = none */
  int64_t clock_poll; /* units of work left before the next clock read */
  int64_t ticks;      /* parts of a fuel step left before lx_work charges one */
  int64_t paid;       /* parts left before lx_paid counts a step of polling */
} lx_Budget;

/* ========================================================================
** The state
** ======================================================================== */

struct lispy_State {
  /* ---- memory and collector ---- */
  size_t mem_used;        /* bytes currently allocated through lx_mem_* */
  size_t mem_peak;        /* high-water mark */
  uint64_t mem_allocated; /* bytes ever allocated (grown, for realloc) */
  size_t gc_threshold;    /* collect when mem_used passes this */
  lx_Obj *objects;        /* list of every heap object, newest first */
  lx_Obj *protect_mark;   /* objects newer than this are roots (C regions) */
  bool gc_running;
  bool gc_stress;                    /* collect at every allocation (tests) */
  bool gc_inhibit;                   /* allocate without collecting (stack growth) */
  size_t limit_gc_floor;             /* heap in use after the last limit-driven GC */
  bool in_limit_error;               /* raising a memory error: don't recurse */
  bool mem_release_due;              /* a memory limit was hit: the next collection
                              gives free pool chunks back (lx_mem_release) */
  size_t gc_count;                   /* collections run */
  void *pool_free[LX_POOL_MAX / 16]; /* free small blocks, per 16-byte class */
  void *pool_chunks;                 /* chunks the pools carve (freed at close) */
  lx_Obj **gray;                     /* mark stack */
  size_t ngray, gray_cap;
  lx_Env *measure_env;  /* while lx_gc_env_size runs: whose holdings */
  size_t measure_bytes; /* what it has counted so far */

  /* ---- interning ---- */
  lx_Symbol **symtab; /* chained hash table of symbols and keywords */
  size_t symtab_cap, symtab_count;

  /* ---- environments ---- */
  lx_Env *base_env; /* builtins + prelude */
  lx_Env *env;      /* where top-level evaluation happens now */
  lx_Env **envs;    /* every environment made by lispy_env_new */
  size_t nenvs, envs_cap;
  bool base_frozen;             /* start-up is over: no LisPy code may define,
                              set or compile in base_env any more */
  struct lx_EnvMark *env_marks; /* innermost region run for an env (a
                              compilation, a host call), or NULL */
  lx_Env *call_env;             /* the env host calls act for (lispy_set_call_env),
                              or NULL */

  /* ---- VM ---- */
  lx_Value *stack;
  size_t stack_cap;
  size_t sp;       /* first free slot */
  size_t stack_hi; /* slots at or above this are nil (cleared) */
  lx_Frame *frames;
  size_t nframes, frames_cap;
  lx_Handler *handlers;
  size_t nhandlers, handlers_cap;
  int nested_runs; /* VM re-entries from C */

  /* ---- errors ---- */
  lx_Jump *jump;           /* innermost protected region */
  lx_Value last_error;     /* the error of the last failed evaluation */
  lx_Value thrown;         /* the value in flight during a longjmp */
  lx_Value tc_fn, tc_args; /* a native's tail-call request (apply, eval) */
  lx_Native *native;       /* the builtin running now (for its data) */
  int c_depth;             /* current C recursion depth (guards) */

  /* ---- limits ---- */
  lispy_Limits limits; /* host defaults for each evaluation */
  lx_Budget budget;
  volatile sig_atomic_t interrupt; /* set from signal handlers */

  /* ---- host ---- */
  char **files; /* file-name table for lx_SrcPos.file */
  size_t nfiles, files_cap;
  lx_Dict *file_index;   /* file name -> id */
  lx_Vector *permanent;  /* values never collected (special-form symbols) */
  int api_depth;         /* nesting of public API evaluations */
  lispy_OutputFn output; /* display/print sink */
  void *output_ud;
  size_t output_bytes; /* written in this evaluation */
  lx_Value *refs;      /* host-held references (lispy_ref) */
  size_t nrefs, refs_cap;
  int64_t ref_free;           /* first free slot in refs (chained), -1 if none */
  uint64_t seed;              /* every new env's random generator starts
                              from it (lispy_seed) */
  size_t json_cap;            /* largest JSON leaving the state (lispy_set_json_cap) */
  lx_Value pins[LX_MAX_PINS]; /* API arguments pinned while the API allocates */
  int npins;

  /* ---- the reader's quote symbols (interned at open; the collector marks
  ** these four consecutive fields as one array) ---- */
  lx_Value sym_quote, sym_quasiquote, sym_unquote, sym_unquote_splicing;
};

/* ========================================================================
** Memory (lx_gc.c)
** ======================================================================== */

void *lx_mem_alloc(lx_State *L, size_t size);
void *lx_mem_realloc(lx_State *L, void *p, size_t old_size, size_t new_size);
void lx_mem_free(lx_State *L, void *p, size_t size);
lx_Obj *lx_obj_new(lx_State *L, lx_Type type, size_t size);

void lx_gc_collect(lx_State *L);
/* After a failed outermost evaluation: collect and give memory back to
** the OS if it hit the memory limit. */
void lx_gc_after_error(lx_State *L);
/* Bytes reachable from env's own definitions (see lispy_env_size). */
size_t lx_gc_env_size(lx_State *L, lx_Env *env);
void lx_gc_free_all(lx_State *L);
void lx_mem_shutdown(lx_State *L);

/* Protected C regions. While C code (builtins, reader, compiler, JSON) runs,
** every object it allocates is a GC root until the region ends, so C code
** may hold fresh objects in locals without registering them.
** Regions nest; the outermost mark wins. The VM clears the mark when it
** resumes executing bytecode. */
#define LX_PROTECT_ALL(L) ((lx_Obj *)(L)) /* mark meaning "whole list" */
static inline lx_Obj *lx_protect_begin(lx_State *L) {
  lx_Obj *saved = L->protect_mark;
  if (saved == NULL) L->protect_mark = L->objects ? L->objects : LX_PROTECT_ALL(L);
  return saved;
}
/* Only the outermost region clears the mark (the collector may have moved
** it past a freed object, so inner regions never restore a stale copy). */
static inline void lx_protect_end(lx_State *L, lx_Obj *saved) {
  if (saved == NULL) L->protect_mark = NULL;
}

/* ========================================================================
** Errors (lx_error.c)
** ======================================================================== */

/* Raise an error value: unwinds to the innermost lx_try. */
_Noreturn void lx_throw(lx_State *L, lx_Value err);
/* Raise a "runtime" error with a formatted message. */
_Noreturn void lx_error(lx_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Raise an error of a given kind ("runtime", "limit", ...). */
_Noreturn void lx_error_kind(lx_State *L, const char *kind, lx_Value data, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Raise a limit error; which is "fuel", "memory", "depth", "time". */
_Noreturn void lx_limit_error(lx_State *L, const char *which);
/* Raise a type error: "NAME: expected WHAT, got <printed value>". */
_Noreturn void lx_type_error(lx_State *L, const char *fn, const char *what, lx_Value got);

lx_Value lx_error_new(lx_State *L, const char *kind, lx_Value message, lx_Value data);
/* Fill in trace and position of an error from the current VM frames. */
void lx_error_attach_trace(lx_State *L, lx_Error *e);
/* Render "file:line:col: error: message\n  trace..." into a string. */
lx_Value lx_error_format(lx_State *L, lx_Value err);

/* C recursion guard for reader, printer, equality, JSON, compiler. */
static inline void lx_c_enter(lx_State *L) {
  if (++L->c_depth > LX_MAX_C_DEPTH) {
    L->c_depth--;
    lx_limit_error(L, "depth");
  }
}
static inline void lx_c_leave(lx_State *L) { L->c_depth--; }

/* setjmp-based protected call: run fn(L, ud); on error return false and
** leave the error value in *err. */
typedef void (*lx_ProtectedFn)(lx_State *L, void *ud);
bool lx_pcall(lx_State *L, lx_ProtectedFn fn, void *ud, lx_Value *err);

/* Run fn as one API evaluation (what lispy_eval_string and lispy_call do):
** under the host's limits when it is the outermost one, inside the running
** evaluation's budget otherwise. On error L->last_error holds the error
** value. Returns LISPY_OK or LISPY_ERROR. */
int lx_api_run(lx_State *L, lx_ProtectedFn fn, void *ud);

/* The slow half of lx_charge and of the VM's per-call check: raises on
** exhausted fuel or an interrupt, and reads the clock (raising past the
** deadline) once the clock-poll countdown has run out. */
void lx_budget_check(lx_State *L);

/* Charge steps like lx_charge, but report an exhausted limit instead of
** raising it: false when fuel is out, an interrupt is pending or the
** deadline has passed; the caller restores its data structure, then calls
** lx_budget_check, which raises the limit. For work that cannot be left
** half done (a dict's rehash). */
bool lx_budget_pay(lx_State *L, int64_t steps);

/* Charge `steps` units of work done in C (proportional to its size): fuel,
** and the same count off the clock-poll countdown, so a builtin doing N
** units of work reads the clock as often as N calls would. Raises a limit
** error on exhausted fuel, an expired deadline or an interrupt. Long loops
** charge as they go (lx_tick), so the limits also hold during the work.
** Saturating: a huge charge never wraps the counters. */
static inline void lx_charge(lx_State *L, int64_t steps) {
  assert(steps >= 0);
  lx_Budget *b = &L->budget;
  b->fuel = steps <= b->fuel ? b->fuel - steps : -1;
  b->clock_poll = steps < b->clock_poll ? b->clock_poll - steps : 0;
  if (b->fuel < 0 || b->clock_poll <= 0 || L->interrupt) lx_budget_check(L);
}

/* Work finer than a fuel step, counted as it is done in a long C loop:
** `parts` of the LX_FUEL_BYTES parts a step has (a byte is one part, an
** item LX_FUEL_BYTES / LX_FUEL_ITEMS parts). Each completed step is
** charged with lx_charge, so the loop polls the deadline as it goes. */
static inline void lx_work(lx_State *L, int64_t parts) {
  lx_Budget *b = &L->budget;
  b->ticks -= parts;
  if (b->ticks <= 0) {
    int64_t steps = 1 + (-b->ticks) / LX_FUEL_BYTES;
    b->ticks += steps * LX_FUEL_BYTES;
    lx_charge(L, steps);
  }
}

/* Work in a long C loop that was paid for up front (the builtin charged
** its whole cost before starting, to fail fast): counted like lx_work
** toward the next clock read, without charging fuel again, so the deadline
** and the interrupt are still polled during the loop. */
static inline void lx_paid(lx_State *L, int64_t parts) {
  lx_Budget *b = &L->budget;
  b->paid -= parts; /* its own counter: lx_work's steps must all be charged */
  if (b->paid <= 0) {
    int64_t steps = 1 + (-b->paid) / LX_FUEL_BYTES;
    b->paid += steps * LX_FUEL_BYTES;
    b->clock_poll = steps < b->clock_poll ? b->clock_poll - steps : 0;
    if (b->clock_poll <= 0 || L->interrupt) lx_budget_check(L);
  }
}

/* One item of prepaid work (see lx_paid). */
static inline void lx_paid_item(lx_State *L) { lx_paid(L, LX_FUEL_BYTES / LX_FUEL_ITEMS); }

/* One item of work in a long C loop or recursion (a node compared, hashed,
** copied, an element sorted, ...): every LX_FUEL_ITEMS items charge a step. */
static inline void lx_tick(lx_State *L) { lx_work(L, LX_FUEL_BYTES / LX_FUEL_ITEMS); }

/* lx_string_hash charging fuel in chunks for a long string (lx_object.c);
** L may be NULL (then nothing is charged). */
uint32_t lx_string_hash_charged(lx_State *L, lx_String *s);

/* Fuel steps for touching n items / n bytes (charged up front by builtins
** whose work is one short pass; long passes use lx_tick or charge in
** chunks). */
static inline int64_t lx_items_cost(size_t n) { return 1 + (int64_t)(n / LX_FUEL_ITEMS); }
static inline int64_t lx_bytes_cost(size_t n) { return 1 + (int64_t)(n / LX_FUEL_BYTES); }

/* ========================================================================
** Files, environments, VM (lx_state.c, lx_vm.c)
** ======================================================================== */

uint16_t lx_file_id(lx_State *L, const char *name);
const char *lx_file_name(lx_State *L, uint16_t id);

/* Look up / create the global box for sym, as the compiler resolves it:
** the env's own table, then its parents; created undefined in env if new. */
lx_Box *lx_env_resolve(lx_State *L, lx_Env *env, lx_Value sym);
lx_Box *lx_env_find(lx_State *L, lx_Env *env, lx_Value sym); /* or NULL */
/* The box for sym in env itself (never a parent's), created if missing:
** what `define` assigns. */
lx_Box *lx_env_own_box(lx_State *L, lx_Env *env, lx_Value sym);
void lx_env_define(lx_State *L, lx_Env *env, lx_Value sym, lx_Value v);

/* The environment of the LisPy code on whose behalf a builtin runs: the
** innermost frame not running base (prelude) code, searched region by
** region (lx_EnvMark): a region with no such frame acts for its mark's
** env (the form being compiled, the agent a host call is for); past the
** outermost region, L->env. Never the base once it is frozen, so eval,
** gensym and random reached through prelude functions (map, apply,
** compose ...) act for the code that wrote the call, or the agent whose
** call it is, never for code further down the stack. */
lx_Env *lx_code_env(lx_State *L);
/* Raise "FN: the dict/vector is read-only" when o is frozen (LX_FROZEN):
** the mutating builtins call it before they change anything. */
void lx_check_mutable(lx_State *L, const char *fn, lx_Obj *o);

/* Seed a xoshiro256** state (splitmix64 expands the seed). */
void lx_rng_seed(uint64_t rng[4], uint64_t seed);

/* Compile form for env (lx_compile), recording env as the compile env
** while macros expand; refuses the frozen base environment. */
lx_Value lx_compile_for(lx_State *L, lx_Env *env, lx_Value form, lx_SrcPos pos);

/* Seconds on the clock time limits are measured with (LX_DEADLINE_CLOCK). */
double lx_deadline_clock(void);
/* Poll interrupt and deadline now; raises on either (for long builtins
** whose work is not counted in fuel units, such as a PCRE2 callout). */
void lx_vm_poll(lx_State *L);
/* Grow the value stack to at least need slots (never collects). */
void lx_vm_reserve(lx_State *L, size_t need);
/* Call fn with args from C (re-enters the VM; errors propagate by throw). */
lx_Value lx_vm_call(lx_State *L, lx_Value fn, int argc, const lx_Value *argv);
/* Call the function at stack[fnslot] with the argc values above it (sp
** just past them); the host pushes arguments it makes in place this way. */
lx_Value lx_vm_call_slot(lx_State *L, size_t fnslot, int argc);

/* Natives may ask the VM to call fn with the items of list args in their
** place (apply, eval): return lx_tailcall(L, fn, args). */
lx_Value lx_tailcall(lx_State *L, lx_Value fn, lx_Value args);
#define LX_TAILCALL_TAG LX_NTYPES

/* Output sink (bounded). */
void lx_output(lx_State *L, const char *s, size_t len);

/* Registration of builtins into the base environment. */
void lx_defnative(lx_State *L, const char *name, lx_NativeFn fn, int min_args, int max_args,
                  const char *params, const char *doc);

/* Compiler set-up: pins the special-form symbols (lx_specials.c). */
void lx_compiler_init(lx_State *L);

/* Library openers (one per lx_lib_*.c file). */
void lx_lib_core_open(lx_State *L);   /* type preds, numbers, equality, errors */
void lx_lib_list_open(lx_State *L);   /* lists and vectors */
void lx_lib_string_open(lx_State *L); /* strings, Unicode, format */
void lx_lib_dict_open(lx_State *L);   /* dicts */
void lx_lib_json_open(lx_State *L);   /* json-parse, json-encode */
void lx_lib_regex_open(lx_State *L);  /* PCRE2 */
void lx_lib_eval_open(lx_State *L);   /* eval, read, macroexpand, doc, gensym */

#endif
