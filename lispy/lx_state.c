/*
** lx_state.c -- state lifecycle, environments, file names, budgets, and
** the public embedding API of lispy.h.
*/
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_json.h"
#include "lx_lib.h"
#include "lx_pprint.h"

extern const char lx_prelude_source[];
extern const size_t lx_prelude_len;

/* ========================================================================
** Environments
** ======================================================================== */

lx_Box *lx_env_find(lx_State *L, lx_Env *env, lx_Value sym) {
  for (lx_Env *e = env; e; e = e->parent) {
    lx_Value box;
    if (lx_dict_get(L, e->table, sym, &box)) return lx_as_box(box);
  }
  return NULL;
}

/* The box for sym in env's own table, never a parent's: created unbound
** (nil, without LX_BOX_DEFINED) when missing, so the compiler can point
** code at it before the definition runs. The new box stays protected until
** lx_dict_set, which may collect, has stored it. */
lx_Box *lx_env_own_box(lx_State *L, lx_Env *env, lx_Value sym) {
  lx_Value box;
  if (lx_dict_get(L, env->table, sym, &box)) return lx_as_box(box);
  lx_Obj *saved = lx_protect_begin(L);
  lx_Box *b = lx_box_new(L, lx_nil(), lx_as_symbol(sym));
  lx_dict_set(L, env->table, sym, lx_obj(b));
  lx_protect_end(L, saved);
  return b;
}

lx_Box *lx_env_resolve(lx_State *L, lx_Env *env, lx_Value sym) {
  lx_Box *b = lx_env_find(L, env, sym);
  return b ? b : lx_env_own_box(L, env, sym);
}

void lx_env_define(lx_State *L, lx_Env *env, lx_Value sym, lx_Value v) {
  lx_Box *b = lx_env_own_box(L, env, sym);
  b->value = v;
  b->h.flags |= LX_BOX_DEFINED;
}

/* See lx_state.h. Walks the frames top down; each lx_EnvMark bounds the
** frames of one region: the first frame whose closure was compiled outside
** the base wins, else the region's own env answers. Only the prelude, while
** it loads, may see a mark for the base. */
lx_Env *lx_code_env(lx_State *L) {
  size_t i = L->nframes;
  for (const lx_EnvMark *m = L->env_marks;; m = m->prev) {
    size_t stop = m ? m->frames : 0;
    for (; i > stop; i--) {
      lx_Env *e = L->frames[i - 1].fn->proto->env;
      if (e != L->base_env) return e;
    }
    if (!m) break;
    assert(m->env != NULL && (m->env != L->base_env || !L->base_frozen)); /* prelude only */
    return m->env;
  }
  assert(L->env != L->base_env);
  return L->env;
}

/* Arguments and result of lx_compile_for's protected run. */
typedef struct lx_CompileFor {
  lx_Env *env;   /* compile for this environment */
  lx_Value form; /* the form (rooted by the caller) */
  lx_SrcPos pos; /* where it was read */
  lx_Value out;  /* the compiled thunk */
} lx_CompileFor;

static void lx_compile_for_protected(lx_State *L, void *ud) {
  lx_CompileFor *c = ud;
  c->out = lx_compile(L, c->env, c->form, c->pos);
}

/* The mark lives in this C frame; the compilation runs under lx_pcall so
** the mark is popped before an error is passed on (lx_throw), and
** L->env_marks never points into a dead frame. Returns the thunk that runs
** the compiled form. */
lx_Value lx_compile_for(lx_State *L, lx_Env *env, lx_Value form, lx_SrcPos pos) {
  if (env == L->base_env && L->base_frozen)
    lx_error(L, "the base environment (builtins and prelude) is read-only "
                "(hint: evaluate in an agent's own or the user environment)");
  lx_EnvMark mark = {env, L->nframes, L->env_marks};
  L->env_marks = &mark;
  lx_CompileFor c = {env, form, pos, lx_nil()};
  lx_Value err;
  bool ok = lx_pcall(L, lx_compile_for_protected, &c, &err);
  L->env_marks = mark.prev; /* popped on errors too: never dangles */
  if (!ok) lx_throw(L, err);
  return c.out;
}

void lx_defnative(lx_State *L, const char *name, lx_NativeFn fn, int min_args, int max_args,
                  const char *params, const char *doc) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Value n = lx_native_new(L, name, fn, min_args, max_args, params, doc);
  lx_env_define(L, L->base_env, lx_csymbol(L, name), n);
  lx_protect_end(L, saved);
}

/* ========================================================================
** File names (for source positions)
** ======================================================================== */

/* The id of a file name for lx_SrcPos.file (1-based; 0 is "<unknown>"),
** registering a copy on first sight (accounted memory, freed by
** lispy_close). The table holds 65535 names: once it is full every new
** name shares the id 65535, which lx_file_name shows as "<many files>". */
uint16_t lx_file_id(lx_State *L, const char *name) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Value key = lx_cstring(L, name), id;
  uint16_t r;
  if (lx_dict_get(L, L->file_index, key, &id)) {
    r = (uint16_t)id.as.i;
  } else if (L->nfiles >= 65535) {
    r = 65535; /* table full: positions say "<many files>" */
  } else {
    if (L->nfiles == L->files_cap) {
      size_t ncap = L->files_cap ? L->files_cap * 2 : 16;
      L->files = lx_mem_realloc(L, L->files, L->files_cap * sizeof(char *), ncap * sizeof(char *));
      L->files_cap = ncap;
    }
    size_t len = strlen(name);
    char *copy = lx_mem_alloc(L, len + 1);
    memcpy(copy, name, len + 1);
    L->files[L->nfiles++] = copy;
    r = (uint16_t)L->nfiles; /* ids start at 1 */
    lx_dict_set(L, L->file_index, key, lx_int(r));
  }
  lx_protect_end(L, saved);
  return r;
}

const char *lx_file_name(lx_State *L, uint16_t id) {
  if (id == 0) return "<unknown>";
  if (id == 65535 && L->nfiles >= 65535) return "<many files>";
  return id <= L->nfiles ? L->files[id - 1] : "<unknown>";
}

const char *lispy_file_name(lispy_State *L, lispy_SrcPos pos) { return lx_file_name(L, pos.file); }

/* ========================================================================
** Output sink
** ======================================================================== */

void lx_output(lx_State *L, const char *s, size_t len) {
  if (L->output_bytes + len > LX_OUTPUT_LIMIT) lx_limit_error(L, "output");
  L->output_bytes += len;
  if (L->output) L->output(L->output_ud, s, len);
}

/* ========================================================================
** Budgets: each outermost API evaluation starts with fresh limits
** ======================================================================== */

/* Entering an API evaluation. Only the outermost one (api_depth 0 -> 1)
** starts a fresh budget from the host's limits: fuel and timeout 0 mean
** unlimited, depth 0 the default; memory counts from the heap in use now;
** the output count and a pending interrupt are cleared. A nested one (a
** native calling back into the API) runs inside the enclosing budget.
** Always paired with lx_budget_end. */
static void lx_budget_begin(lx_State *L) {
  if (L->api_depth++ > 0) return;
  const lispy_Limits *lim = &L->limits;
  L->budget.fuel = lim->fuel > 0 ? lim->fuel : INT64_MAX;
  L->budget.mem_limit = lim->memory;
  L->budget.mem_base = L->mem_used;
  L->limit_gc_floor = 0;
  L->budget.depth = lim->depth ? lim->depth : LX_DEFAULT_DEPTH;
  L->budget.deadline = lim->timeout > 0 ? lx_deadline_clock() + lim->timeout : 0;
  L->budget.clock_poll = LX_CLOCK_POLL_UNITS;
  L->budget.ticks = L->budget.paid = LX_FUEL_BYTES;
  L->output_bytes = 0;
  L->interrupt = 0;
}

/* From here on the work is the host's: allocations, fuel and time are not
** limited (the end of a budget, or host work inside a protected run). */
static void lx_budget_lift(lx_State *L) {
  L->budget.mem_limit = 0;
  L->budget.fuel = INT64_MAX;
  L->budget.deadline = 0;
}

/* Leaving the outermost evaluation: clear stale stack slots so garbage
** they point to can be collected, and shrink a stack a deep recursion
** grew. */
static void lx_budget_end(lx_State *L) {
  if (--L->api_depth > 0) return;
  if (L->stack_cap > 4 * LX_STACK_INIT && L->sp < LX_STACK_INIT) {
    L->stack = lx_mem_realloc(L, L->stack, L->stack_cap * sizeof(lx_Value),
                              LX_STACK_INIT * sizeof(lx_Value));
    L->stack_cap = LX_STACK_INIT;
  }
  size_t hi = L->stack_hi < L->stack_cap ? L->stack_hi : L->stack_cap;
  for (size_t i = L->sp; i < hi; i++) L->stack[i].tag = LX_NIL; /* what marking reads */
  L->stack_hi = L->sp;
  if (L->frames_cap > 4 * LX_FRAMES_INIT && L->nframes < LX_FRAMES_INIT) {
    L->frames = lx_mem_realloc(L, L->frames, L->frames_cap * sizeof(lx_Frame),
                               LX_FRAMES_INIT * sizeof(lx_Frame));
    L->frames_cap = LX_FRAMES_INIT;
  }
  L->tc_fn = L->tc_args = lx_nil();
  lx_budget_lift(L);
}

/* ========================================================================
** Evaluating source
** ======================================================================== */

/* Names a top-level form defines: (define x ..), (define (f ..) ..),
** (def x ..), (defn f ..). Declared before anything runs so a function
** may call one defined later in the file, even over a builtin's name. */
static void lx_predeclare(lx_State *L, lx_Env *env, lx_Value form) {
  if (!lx_is(form, LX_PAIR) || !lx_is(lx_car(form), LX_SYMBOL)) return;
  const char *h = lx_as_symbol(lx_car(form))->name->data;
  if (strcmp(h, "define") && strcmp(h, "def") && strcmp(h, "defn")) return;
  if (!lx_is(lx_cdr(form), LX_PAIR)) return;
  lx_Value target = lx_car(lx_cdr(form));
  if (lx_is(target, LX_PAIR)) target = lx_car(target);
  if (lx_is(target, LX_SYMBOL)) lx_env_own_box(L, env, target);
}

/* Arguments and result of lx_eval_source. */
typedef struct lx_SourceCall {
  lx_Env *env;                /* evaluate in it */
  const char *src, *filename; /* the text, and the name its positions carry */
  size_t len;                 /* bytes of src */
  lx_Value result;            /* value of the last form (nil if none) */
} lx_SourceCall;

/* Read every form first (a syntax error anywhere runs nothing), keep them
** on the VM stack, then compile and run each in turn. */
static void lx_eval_source(lx_State *L, void *ud) {
  lx_SourceCall *sc = ud;
  lx_Reader R;
  lx_reader_init(&R, L, sc->src, sc->len, sc->filename);
  lx_Obj *saved = lx_protect_begin(L);
  lx_Vector *forms = lx_vector_new(L, 8);
  lx_Buf pos;
  lx_buf_init(L, &pos);
  lx_Value form;
  lx_ReadStatus st;
  while ((st = lx_reader_next(&R, &form)) == LX_READ_OK) {
    lx_vector_push(L, forms, form);
    lx_buf_add(&pos, (const char *)&R.datum_pos, sizeof R.datum_pos);
  }
  if (st != LX_READ_EOF) lx_throw(L, R.error);
  if (sc->env == L->base_env && L->base_frozen)
    lx_error(L,
             "%s: the base environment (builtins and prelude) is read-only "
             "(hint: evaluate in an agent's own or the user environment)",
             sc->filename);
  for (size_t i = 0; i < forms->len; i++) lx_predeclare(L, sc->env, forms->items[i]);
  size_t slot = L->sp;
  lx_vm_reserve(L, slot + 3);
  L->stack[slot] = lx_obj(forms);
  L->stack[slot + 1] = pos.store ? lx_obj(pos.store) : lx_nil();
  L->sp = slot + 2;
  lx_protect_end(L, saved);
  sc->result = lx_nil();
  for (size_t i = 0; i < forms->len; i++) {
    lx_SrcPos p;
    memcpy(&p, lx_buf_data(&pos) + i * sizeof p, sizeof p);
    L->stack[L->sp] = lx_nil();
    lx_Value fn = lx_compile_for(L, sc->env, forms->items[i], p);
    sc->result = lx_vm_call(L, fn, 0, NULL);
    L->stack[slot + 2] = sc->result; /* keep the last value rooted */
    L->sp = slot + 3;
  }
  L->sp = slot;
}

/* Turn a thrown non-error value into an error value at the API boundary. */
static lx_Value lx_as_error_value(lx_State *L, lx_Value thrown) {
  if (lx_is(thrown, LX_ERROR)) return thrown;
  lx_Obj *saved = lx_protect_begin(L);
  lx_Value shown = lx_short_repr(L, thrown);
  lx_Value e = lx_error_new(L, "runtime",
                            lx_stringf(L, "uncaught throw: %s", lx_as_string(shown)->data), thrown);
  lx_protect_end(L, saved);
  return e;
}

static void lx_convert_protected(lx_State *L, void *ud) {
  lx_Value *v = ud;
  *v = lx_as_error_value(L, *v);
}

/* Run fn under the API's budget and error conventions. */
int lx_api_run(lx_State *L, lx_ProtectedFn fn, void *ud) {
  lx_budget_begin(L);
  lx_Value err;
  bool ok = lx_pcall(L, fn, ud, &err);
  if (!ok) {
    L->last_error = err; /* rooted while converting */
    lx_Value e = err, ignored;
    if (lx_pcall(L, lx_convert_protected, &e, &ignored)) L->last_error = e;
  }
  lx_budget_end(L);
  if (!ok) lx_gc_after_error(L);
  return ok ? LISPY_OK : LISPY_ERROR;
}

int lispy_eval_string(lispy_State *L, lispy_Env *env, const char *src, size_t len,
                      const char *filename, lispy_Value *result) {
  lx_SourceCall sc = {env ? env : L->env, src, filename ? filename : "<string>", len, lx_nil()};
  int rc = lx_api_run(L, lx_eval_source, &sc);
  if (result) *result = rc == LISPY_OK ? sc.result : lx_nil();
  return rc;
}

/* Read all of path with plain malloc (the text is never a LisPy value, so
** it stays outside the accounted heap), then evaluate it as
** lispy_eval_string does, path naming the positions. An unopenable file
** sets an "io" error in lispy_last_error; running out of memory while
** reading returns LISPY_ERROR without setting one. */
int lispy_eval_file(lispy_State *L, lispy_Env *env, const char *path, lispy_Value *result) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    lx_Obj *saved = lx_protect_begin(L);
    L->last_error = lx_error_new(L, "io", lx_stringf(L, "%s: cannot open file", path), lx_nil());
    lx_protect_end(L, saved);
    return LISPY_ERROR;
  }
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  size_t n;
  while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      char *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return LISPY_ERROR;
  int rc = lispy_eval_string(L, env, buf, len, path, result);
  free(buf);
  return rc;
}

/* Arguments and results of a host call (lispy_call_json*). */
typedef struct lx_CallCall {
  lx_Value fn; /* the function called */
  int argc;    /* values in argv */
  const lx_Value *argv;
  int njson; /* trees in json, converted after argv */
  const cJSON *const *json;
  lispy_Text *text; /* where to write the result as JSON, or NULL */
  bool converted;   /* the JSON arguments are on the stack */
  bool returned;    /* fn returned: a failure now is the writing's */
  lx_Value result;  /* fn's value (unrooted once the call is over) */
} lx_CallCall;

/* Push fn and its arguments, converting the JSON ones in place on the
** stack (each rooted as soon as it exists), call, and write the result
** as JSON text when asked (rooted on the stack). The writing is part of
** the call: it spends the call's fuel and time, and its text counts
** against the call's memory limit and the JSON cap (lx_json_write_text). */
static void lx_call_protected(lx_State *L, void *ud) {
  lx_CallCall *cc = ud;
  size_t fnslot = L->sp;
  lx_vm_reserve(L, fnslot + 1 + (size_t)cc->argc + (size_t)cc->njson + LX_STACK_SLACK);
  L->stack[L->sp++] = cc->fn;
  for (int i = 0; i < cc->argc; i++) L->stack[L->sp++] = cc->argv[i];
  for (int i = 0; i < cc->njson; i++) {
    lx_Value v = cc->json[i] ? lx_json_to_value(L, cc->json[i], false) : lx_nil();
    L->stack[L->sp++] = v;
  }
  cc->converted = true;
  cc->result = lx_vm_call_slot(L, fnslot, cc->argc + cc->njson);
  if (cc->text == NULL) return;
  cc->returned = true;
  L->stack[L->sp++] = cc->result;
  lx_json_write_text(L, cc->text, cc->result);
  L->sp--;
}

int lispy_call(lispy_State *L, lispy_Value fn, int argc, const lispy_Value *argv,
               lispy_Value *result) {
  return lispy_call_json(L, fn, argc, argv, 0, NULL, result);
}

/* A host call: run under the API's conventions, as a region acting for
** the host's call env when one is set (lx_EnvMark; popped here, outside
** the protected run, so errors cannot skip it). */
static int lx_call_run(lx_State *L, lx_CallCall *cc) {
  lx_EnvMark mark = {L->call_env, L->nframes, L->env_marks};
  if (mark.env) L->env_marks = &mark;
  int rc = lx_api_run(L, lx_call_protected, cc);
  L->env_marks = mark.prev;
  return rc;
}

void lispy_set_call_env(lispy_State *L, lispy_Env *env) {
  L->call_env = env == L->base_env ? NULL : env;
}

int lispy_call_json(lispy_State *L, lispy_Value fn, int argc, const lispy_Value *argv, int njson,
                    const cJSON *const *json, lispy_Value *result) {
  assert(argc >= 0 && njson >= 0);
  lx_CallCall cc = {fn, argc, argv, njson, json, NULL, false, false, lx_nil()};
  int rc = lx_call_run(L, &cc);
  if (result) *result = cc.result;
  return rc == LISPY_OK || cc.converted ? rc : LISPY_BADJSON;
}

/* Sorts a failure into the header's codes: LISPY_BADJSON when an argument
** could not be converted (fn never ran), LISPY_NOTJSON when fn returned a
** value JSON cannot hold, LISPY_ERROR for fn's own errors and every limit
** (a result past the JSON cap or the memory limit is a limit). The writer
** moves out->len only on success, so terminating there again drops any
** partial text. */
int lispy_call_json_text(lispy_State *L, lispy_Value fn, int argc, const lispy_Value *argv,
                         int njson, const cJSON *const *json, lispy_Text *out) {
  assert(argc >= 0 && njson >= 0 && out != NULL);
  lx_CallCall cc = {fn, argc, argv, njson, json, out, false, false, lx_nil()};
  int rc = lx_call_run(L, &cc);
  if (rc == LISPY_OK) return rc;
  if (out->data != NULL) out->data[out->len] = '\0'; /* drop a partial value */
  if (!cc.converted) return LISPY_BADJSON;
  bool limit = strcmp(lispy_error_kind(L->last_error), "limit") == 0;
  return cc.returned && !limit ? LISPY_NOTJSON : rc; /* too big is a limit */
}

/* Not an API evaluation: no budget, and *out is not rooted (the caller
** roots it before allocating again). The reader restarts at the top of
** src (skipping a BOM and a #! line) and counts lines and columns
** (columns in code points) up to *pos, so positions are those of the
** whole text. On LISPY_ERROR and LISPY_INCOMPLETE lispy_last_error holds
** the syntax error. */
int lispy_read(lispy_State *L, const char *src, size_t len, size_t *pos, const char *filename,
               lispy_Value *out) {
  lx_Reader R;
  lx_reader_init(&R, L, src, len, filename ? filename : "<input>");
  for (size_t i = R.pos; i < *pos && i < len; i++) { /* line/col of *pos */
    if (src[i] == '\n') {
      R.line++;
      R.col = 1;
    } else if (((unsigned char)src[i] & 0xC0) != 0x80) R.col++;
  }
  if (*pos > R.pos) R.pos = *pos;
  lx_ReadStatus st = lx_reader_next(&R, out);
  *pos = R.pos;
  if (st == LX_READ_OK) return LISPY_OK;
  if (st == LX_READ_EOF) {
    *pos = len;
    return LISPY_EOF;
  }
  L->last_error = R.error;
  return st == LX_READ_INCOMPLETE ? LISPY_INCOMPLETE : LISPY_ERROR;
}

/* ========================================================================
** Lifecycle
** ======================================================================== */

/* The reader's quote symbols, interned once at open (lx_State's note:
** the collector marks these four fields as one array). */
static void lx_intern_common(lx_State *L) {
  L->sym_quote = lx_csymbol(L, "quote");
  L->sym_quasiquote = lx_csymbol(L, "quasiquote");
  L->sym_unquote = lx_csymbol(L, "unquote");
  L->sym_unquote_splicing = lx_csymbol(L, "unquote-splicing");
}

/* Everything in the base environment becomes read-only for LisPy code. */
static void lx_freeze_base(lx_State *L) {
  lx_Value k, v;
  for (size_t it = 0; lx_dict_next(L->base_env->table, &it, &k, &v);) v.as.o->flags |= LX_BOX_CONST;
}

/* Build the state under lx_pcall: the roots, the base and user
** environments, the builtins, then the prelude. The base is frozen twice:
** before the prelude so the compiler may inline the builtins it calls
** (constant boxes), and after it so the prelude's own definitions are
** read-only too; from then on (base_frozen) no LisPy code may define,
** set or compile in the base. */
static void lx_open_protected(lx_State *L, void *ud) {
  (void)ud;
  L->permanent = lx_vector_new(L, 64);
  L->file_index = lx_dict_new(L, 16);
  lx_intern_common(L);
  L->base_env = lx_env_new(L, NULL, "base");
  L->env = lx_env_new(L, L->base_env, "user");
  lx_rng_seed(L->env->rng, L->seed);
  lx_compiler_init(L);
  lx_lib_core_open(L);
  lx_lib_list_open(L);
  lx_lib_string_open(L);
  lx_lib_dict_open(L);
  lx_lib_json_open(L);
  lx_lib_regex_open(L);
  lx_lib_eval_open(L);
  lx_freeze_base(L); /* builtins first, so the prelude inlines them */
  lx_SourceCall sc = {L->base_env, lx_prelude_source, "<prelude>", lx_prelude_len, lx_nil()};
  lx_eval_source(L, &sc);
  lx_freeze_base(L);
  L->base_frozen = true;
}

lispy_Limits lispy_default_limits(void) {
  lispy_Limits l = {LX_DEFAULT_FUEL, LX_DEFAULT_MEMORY, LX_DEFAULT_DEPTH,
                    LX_DEFAULT_TIMEOUT_MS / 1000.0};
  return l;
}

/* The stack and frames are plain calloc'd (they exist before the heap)
** but are counted in mem_used. Start-up runs under lx_pcall with the
** unlimited budget set here, api_depth held at 1 as inside an evaluation
** (any API call it makes is a nested one and keeps that budget). A failure
** prints the error to stderr and returns NULL, as does out of memory. */
lispy_State *lispy_open(void) {
  lx_State *L = calloc(1, sizeof *L);
  if (!L) return NULL;
  L->gc_threshold = LX_GC_MIN_THRESHOLD;
  L->ref_free = -1;
  L->limits = lispy_default_limits();
  L->budget.fuel = INT64_MAX;
  L->budget.depth = LX_DEFAULT_DEPTH;
  L->budget.clock_poll = LX_CLOCK_POLL_UNITS;
  L->budget.ticks = L->budget.paid = LX_FUEL_BYTES;
  L->stack = calloc(LX_STACK_INIT, sizeof(lx_Value));
  L->frames = calloc(LX_FRAMES_INIT, sizeof(lx_Frame));
  if (!L->stack || !L->frames) {
    free(L->stack);
    free(L->frames);
    free(L);
    return NULL;
  }
  L->stack_cap = LX_STACK_INIT;
  L->frames_cap = LX_FRAMES_INIT;
  L->mem_used = LX_STACK_INIT * sizeof(lx_Value) + LX_FRAMES_INIT * sizeof(lx_Frame);
  lispy_seed(L, 0x5eed);
  lx_Value err;
  L->api_depth = 1;
  bool ok = lx_pcall(L, lx_open_protected, NULL, &err);
  L->api_depth = 0;
  if (!ok) {
    char *text = lispy_error_text(L, err);
    fprintf(stderr, "lispy: start-up failed: %s\n", text ? text : "?");
    free(text);
    lispy_close(L);
    return NULL;
  }
  return L;
}

/* Free every object (finalizers of host objects run), then the tables the
** state owns, then the pools (lx_mem_shutdown). L may be NULL. */
void lispy_close(lispy_State *L) {
  if (!L) return;
  lx_gc_free_all(L);
  for (size_t i = 0; i < L->nfiles; i++) lx_mem_free(L, L->files[i], strlen(L->files[i]) + 1);
  lx_mem_free(L, L->files, L->files_cap * sizeof(char *));
  lx_mem_free(L, L->symtab, L->symtab_cap * sizeof(lx_Symbol *));
  lx_mem_free(L, L->handlers, L->handlers_cap * sizeof(lx_Handler));
  lx_mem_free(L, L->refs, L->refs_cap * sizeof(lx_Value));
  lx_mem_free(L, L->envs, L->envs_cap * sizeof(lx_Env *));
  free(L->stack);
  free(L->frames);
  lx_mem_shutdown(L);
  free(L);
}

void lispy_set_limits(lispy_State *L, const lispy_Limits *limits) { L->limits = *limits; }
lispy_Limits lispy_get_limits(const lispy_State *L) { return L->limits; }
void lispy_interrupt(lispy_State *L) { L->interrupt = 1; }
void lispy_gc(lispy_State *L) { lx_gc_collect(L); }
size_t lispy_memory_used(const lispy_State *L) { return L->mem_used; }
uint64_t lispy_memory_allocated(const lispy_State *L) { return L->mem_allocated; }
void lispy_gc_stress(lispy_State *L, bool on) { L->gc_stress = on; }
const char *lispy_version(void) { return LX_VERSION; }

lispy_OutputFn lispy_get_output(const lispy_State *L, void **ud) {
  if (ud) *ud = L->output_ud;
  return L->output;
}

void lispy_set_output(lispy_State *L, lispy_OutputFn fn, void *ud) {
  L->output = fn;
  L->output_ud = ud;
}

void lx_check_mutable(lx_State *L, const char *fn, lx_Obj *o) {
  if (!(o->flags & LX_FROZEN)) return;
  const char *what = o->type == LX_DICT ? "dict" : "vector";
  lx_error(L,
           "%s: the %s is read-only (host data such as the context's fields; "
           "hint: change a copy, e.g. (dict-set d key value))",
           fn, what);
}

/* Freeze the dicts and vectors of v, depth levels deep at most (the data
** comes from JSON, already bounded by the converter's nesting guard). */
static void lx_freeze(lx_Value v, int depth) {
  if (depth > LX_MAX_C_DEPTH) return;
  if (lx_is(v, LX_DICT)) {
    v.as.o->flags |= LX_FROZEN;
    lx_Value k, x;
    for (size_t it = 0; lx_dict_next(lx_as_dict(v), &it, &k, &x);) lx_freeze(x, depth + 1);
  } else if (lx_is(v, LX_VECTOR)) {
    v.as.o->flags |= LX_FROZEN;
    for (size_t i = 0; i < lx_as_vector(v)->len; i++)
      lx_freeze(lx_as_vector(v)->items[i], depth + 1);
  } else if (lx_is(v, LX_PAIR)) {
    for (; lx_is(v, LX_PAIR); v = lx_cdr(v)) lx_freeze(lx_car(v), depth + 1);
  }
}

void lispy_freeze(lispy_State *L, lispy_Value v) {
  (void)L;
  lx_freeze(v, 0);
}

void lx_rng_seed(uint64_t rng[4], uint64_t seed) {
  for (int i = 0; i < 4; i++) {
    uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    rng[i] = z ^ (z >> 31);
  }
}

/* Each environment has its own generator (one agent's random-seed! or
** draws never change another's numbers). Seeding the state restarts
** every one of them, and every later one, from seed. */
void lispy_seed(lispy_State *L, uint64_t seed) {
  L->seed = seed;
  if (L->env) lx_rng_seed(L->env->rng, seed);
  for (size_t i = 0; i < L->nenvs; i++) lx_rng_seed(L->envs[i]->rng, seed);
}

/* ========================================================================
** Pinning: values handed to the API stay alive while it allocates
** ======================================================================== */

static void lx_pin(lx_State *L, lx_Value v) {
  assert(L->npins < LX_MAX_PINS);
  L->pins[L->npins++] = v;
}

static void lx_unpin(lx_State *L, int n) {
  while (n-- > 0) L->pins[--L->npins] = lx_nil();
}

/* ========================================================================
** Public API: environments
** ======================================================================== */

lispy_Env *lispy_base_env(lispy_State *L) { return L->base_env; }

/* A new environment under the base, registered in L->envs (a GC root
** until lispy_env_free) and seeded from the state's seed so its random
** numbers are reproducible. */
lispy_Env *lispy_env_new(lispy_State *L, const char *name) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Env *e = lx_env_new(L, L->base_env, name);
  lx_rng_seed(e->rng, L->seed);
  if (L->nenvs == L->envs_cap) {
    size_t ncap = L->envs_cap ? L->envs_cap * 2 : 16;
    L->envs = lx_mem_realloc(L, L->envs, L->envs_cap * sizeof(lx_Env *), ncap * sizeof(lx_Env *));
    L->envs_cap = ncap;
  }
  L->envs[L->nenvs++] = e;
  lx_protect_end(L, saved);
  return e;
}

/* Drop env from the roots (swap with the last entry: order is irrelevant
** to marking). What only env held is freed by the next collection; a
** closure made in env that is still referenced keeps env alive, as it must.
** The base and the default user environment are never freed this way. */
void lispy_env_free(lispy_State *L, lispy_Env *env) {
  if (env == NULL || env == L->base_env || env == L->env) return;
  if (env == L->call_env) L->call_env = NULL;
  for (size_t i = 0; i < L->nenvs; i++) {
    if (L->envs[i] != env) continue;
    L->envs[i] = L->envs[--L->nenvs];
    L->envs[L->nenvs] = NULL;
    return;
  }
  assert(!"lispy_env_free: not an environment of lispy_env_new");
}

bool lispy_env_get(lispy_State *L, lispy_Env *env, const char *name, lispy_Value *out) {
  lx_Box *b = lx_env_find(L, env ? env : L->env, lx_csymbol(L, name));
  if (!b || !(b->h.flags & LX_BOX_DEFINED)) return false;
  if (out) *out = b->value;
  return true;
}

bool lispy_env_get_own(lispy_State *L, lispy_Env *env, const char *name, lispy_Value *out) {
  lx_Value box;
  lx_Env *e = env ? env : L->env;
  if (!lx_dict_get(L, e->table, lx_csymbol(L, name), &box)) return false;
  if (!(box.as.o->flags & LX_BOX_DEFINED)) return false;
  if (out) *out = lx_as_box(box)->value;
  return true;
}

void lispy_env_set(lispy_State *L, lispy_Env *env, const char *name, lispy_Value value) {
  lx_pin(L, value);
  lx_Obj *saved = lx_protect_begin(L);
  lx_env_define(L, env ? env : L->env, lx_csymbol(L, name), value);
  lx_protect_end(L, saved);
  lx_unpin(L, 1);
}

/* Only bindings that have been defined: a box created unbound (a name
** compiled before its define ran) is not listed. The list is unrooted. */
lispy_Value lispy_env_names(lispy_State *L, lispy_Env *env) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Value list = lx_empty(), k, v;
  lx_Dict *t = (env ? env : L->env)->table;
  for (size_t it = 0; lx_dict_next(t, &it, &k, &v);)
    if (v.as.o->flags & LX_BOX_DEFINED) list = lx_cons(L, k, list);
  lx_protect_end(L, saved);
  return list;
}

/* ========================================================================
** Public API: errors
** ======================================================================== */

lispy_Value lispy_last_error(lispy_State *L) { return L->last_error; }

/* lispy_error_text's protected run: the error in, its text out. */
typedef struct lx_Render {
  lx_Value in, out;
} lx_Render;

static void lx_render_protected(lx_State *L, void *ud) {
  lx_Render *r = ud;
  r->out = lx_error_format(L, r->in);
}

/* Rendered under lx_pcall so a failure to format (a limit, out of
** memory) yields a fixed message instead of unwinding the host. The
** result is strdup'd: the caller frees it (NULL if strdup fails). */
char *lispy_error_text(lispy_State *L, lispy_Value err) {
  lx_pin(L, err);
  lx_Obj *saved = lx_protect_begin(L);
  lx_Render r = {err, lx_nil()};
  lx_Value ignored;
  char *out = lx_pcall(L, lx_render_protected, &r, &ignored)
                  ? strdup(lx_as_string(r.out)->data)
                  : strdup("error: (the error could not be rendered)");
  lx_protect_end(L, saved);
  lx_unpin(L, 1);
  return out;
}

const char *lispy_error_kind(lispy_Value err) {
  if (!lx_is(err, LX_ERROR) || !lx_is(lx_as_error(err)->kind, LX_STRING)) return "runtime";
  return lx_as_string(lx_as_error(err)->kind)->data;
}

const char *lispy_error_message(lispy_Value err) {
  if (!lx_is(err, LX_ERROR) || !lx_is(lx_as_error(err)->message, LX_STRING)) return "";
  return lx_as_string(lx_as_error(err)->message)->data;
}

lispy_Value lispy_error_trace(lispy_Value err) {
  if (!lx_is(err, LX_ERROR) || lx_is(lx_as_error(err)->trace, LX_NIL)) return lx_empty();
  return lx_as_error(err)->trace;
}

lispy_SrcPos lispy_error_pos(lispy_Value err) {
  lx_SrcPos none = {0, 0, 0};
  return lx_is(err, LX_ERROR) ? lx_as_error(err)->pos : none;
}

_Noreturn void lispy_raise(lispy_State *L, const char *kind, const char *message) {
  lx_error_kind(L, kind, lx_nil(), "%s", message);
}

/* ========================================================================
** Public API: values
** ======================================================================== */

lispy_Value lispy_nil(void) { return lx_nil(); }
lispy_Value lispy_bool(bool b) { return lx_bool(b); }
lispy_Value lispy_int(int64_t i) { return lx_int(i); }
lispy_Value lispy_float(double f) { return lx_float(f); }
lispy_Value lispy_string(lispy_State *L, const char *s, size_t len) { return lx_string(L, s, len); }
lispy_Value lispy_keyword(lispy_State *L, const char *name) {
  return lx_keyword(L, name, strlen(name));
}
lispy_Value lispy_dict(lispy_State *L) { return lx_obj(lx_dict_new(L, 0)); }
lispy_Type lispy_type(lispy_Value v) { return (lispy_Type)v.tag; }
const char *lispy_type_name(lispy_Value v) { return lx_type_name(v); }
bool lispy_is_function(lispy_Value v) { return lx_is(v, LX_CLOSURE) || lx_is(v, LX_NATIVE); }

void lispy_dict_put(lispy_State *L, lispy_Value dict, const char *key, lispy_Value value) {
  lx_pin(L, dict);
  lx_pin(L, value);
  lx_Obj *saved = lx_protect_begin(L);
  lx_dict_setc(L, lx_as_dict(dict), key, value);
  lx_protect_end(L, saved);
  lx_unpin(L, 2);
}

/* False for a non-dict. dict is pinned because looking up a C string key
** makes a string, which may collect. *out is unrooted. */
bool lispy_dict_get(lispy_State *L, lispy_Value dict, const char *key, lispy_Value *out) {
  if (!lx_is(dict, LX_DICT)) return false;
  lx_pin(L, dict);
  lx_Obj *saved = lx_protect_begin(L);
  bool found = lx_dict_getc(L, lx_as_dict(dict), key, out);
  lx_protect_end(L, saved);
  lx_unpin(L, 1);
  return found;
}

const char *lispy_to_cstring(lispy_Value v, size_t *len) {
  if (!lx_isstrlike(v) && !lx_is(v, LX_SYMBOL)) return NULL;
  lx_String *s = lx_is(v, LX_STRING) ? lx_as_string(v) : lx_as_symbol(v)->name;
  if (len) *len = s->len;
  return s->data;
}

/* lispy_repr's protected run: value in, string out, strings quoted or not. */
typedef struct lx_ReprCall {
  lx_Value in, out;
  bool readable;
} lx_ReprCall;

static void lx_repr_protected(lx_State *L, void *ud) {
  lx_ReprCall *r = ud;
  r->out = lx_repr(L, r->in, r->readable);
}

/* lispy_pprint's protected run: value in, string out, lines to fit width. */
typedef struct lx_PprintCall {
  lx_Value in, out;
  int width;
  size_t max_items;
  int max_depth;
} lx_PprintCall;

static void lx_pprint_protected(lx_State *L, void *ud) {
  lx_PprintCall *p = ud;
  lx_Buf b;
  lx_buf_init(L, &b);
  lx_pprint(L, &b, p->in, p->width, p->max_items, p->max_depth);
  p->out = lx_buf_finish(&b);
}

/* Print v for the host by fn (repr or pprint): as an API evaluation, so
** the printing is charged fuel and bounded by the memory limit and the
** deadline like any work in the sandbox (the text of a structure with
** heavy sharing is exponential in its size). A print that fails is
** "#<unprintable: WHY>"; the last error stays the host's. */
static char *lx_print_for_host(lx_State *L, lx_ProtectedFn fn, void *ud, lx_Value *out) {
  lx_Value last = L->last_error;
  lx_pin(L, last);
  char *text;
  lx_Obj *saved = lx_protect_begin(L); /* the printers' buffers: roots */
  int rc = lx_api_run(L, fn, ud);
  lx_protect_end(L, saved);
  if (rc == LISPY_OK) {
    text = strdup(lx_as_string(*out)->data);
  } else {
    const char *why = lispy_error_message(L->last_error);
    if (why && strstr(why, "depth limit")) why = "nested too deeply"; /* the usual case */
    size_t n = strlen(why ? why : "") + 20;
    text = malloc(n);
    if (text) snprintf(text, n, "#<unprintable: %s>", why ? why : "error");
  }
  L->last_error = last;
  lx_unpin(L, 1);
  return text;
}

char *lispy_pprint(lispy_State *L, lispy_Value v, int width) {
  return lispy_pprint_cut(L, v, width, 0, 0);
}

char *lispy_pprint_cut(lispy_State *L, lispy_Value v, int width, size_t max_items, int max_depth) {
  lx_pin(L, v);
  lx_PprintCall p = {v, lx_nil(), width, max_items, max_depth};
  char *out = lx_print_for_host(L, lx_pprint_protected, &p, &p.out);
  lx_unpin(L, 1);
  return out;
}

char *lispy_repr(lispy_State *L, lispy_Value v, bool readable) {
  lx_pin(L, v);
  lx_ReprCall r = {v, lx_nil(), readable};
  char *out = lx_print_for_host(L, lx_repr_protected, &r, &r.out);
  lx_unpin(L, 1);
  return out;
}

/* ========================================================================
** Public API: references, natives, host objects
** ======================================================================== */

#define LX_REF_FREE (LX_NTYPES + 1)

/* Free slots form a chain through their as.i fields: O(1) both ways. */
int lispy_ref(lispy_State *L, lispy_Value v) {
  if (L->ref_free >= 0) {
    int64_t i = L->ref_free;
    L->ref_free = L->refs[i].as.i;
    L->refs[i] = v;
    return (int)i;
  }
  if (L->nrefs == L->refs_cap) { /* grow without collecting: v is unrooted */
    size_t ncap = L->refs_cap ? L->refs_cap * 2 : 16;
    bool inhibit = L->gc_inhibit;
    L->gc_inhibit = true;
    L->refs = lx_mem_realloc(L, L->refs, L->refs_cap * sizeof(lx_Value), ncap * sizeof(lx_Value));
    L->gc_inhibit = inhibit;
    L->refs_cap = ncap;
  }
  L->refs[L->nrefs] = v;
  return (int)L->nrefs++;
}

lispy_Value lispy_deref(lispy_State *L, int ref) {
  if (ref < 0 || (size_t)ref >= L->nrefs || L->refs[ref].tag == LX_REF_FREE) return lx_nil();
  return L->refs[ref];
}

void lispy_unref(lispy_State *L, int ref) {
  if (ref < 0 || (size_t)ref >= L->nrefs || L->refs[ref].tag == LX_REF_FREE) return;
  L->refs[ref].tag = LX_REF_FREE;
  L->refs[ref].as.i = L->ref_free;
  L->ref_free = ref;
}

void lispy_register(lispy_State *L, lispy_Env *env, const char *name, lispy_NativeFn fn,
                    int min_args, int max_args, const char *params, const char *doc) {
  lispy_register_data(L, env, name, fn, min_args, max_args, params, doc, lx_nil());
}

const char *lispy_doc(lispy_Value fn) {
  if (lx_is(fn, LX_NATIVE)) return lx_as_native(fn)->doc;
  if (lx_is(fn, LX_CLOSURE) && lx_is(lx_as_closure(fn)->proto->doc, LX_STRING))
    return lx_as_string(lx_as_closure(fn)->proto->doc)->data;
  return NULL;
}

/* "(a b . rest)" for closures, the registered synopsis for builtins. */
const char *lispy_params(lispy_State *L, lispy_Value fn, char *buf, size_t len) {
  if (lx_is(fn, LX_NATIVE)) return lx_as_native(fn)->params;
  if (!lx_is(fn, LX_CLOSURE) || len == 0) return NULL;
  const lx_Proto *p = lx_as_closure(fn)->proto;
  size_t n = (size_t)snprintf(buf, len, "(");
  int i = 0;
  for (lx_Value it = p->params; lx_is(it, LX_PAIR) && n < len; it = lx_cdr(it), i++) {
    bool rest = p->has_rest && !lx_is(lx_cdr(it), LX_PAIR);
    n += (size_t)snprintf(buf + n, len - n, "%s%s%s", i ? " " : "", rest ? ". " : "",
                          lx_as_symbol(lx_car(it))->name->data);
  }
  if (n < len) snprintf(buf + n, len - n, ")");
  (void)L;
  return buf;
}

lispy_Value lispy_native_data(lispy_State *L) { return L->native ? L->native->data : lx_nil(); }

void lispy_host_set_fields(lispy_State *L, lispy_Value host, lispy_Value dict) {
  (void)L;
  if (lx_is(host, LX_HOST)) lx_as_host(host)->fields = dict;
}

/* Define fn in env, or in the base when env is NULL; a builtin defined in
** the base is constant (LX_BOX_CONST) like every builtin there. data is
** pinned while the native object is made. */
void lispy_register_data(lispy_State *L, lispy_Env *env, const char *name, lispy_NativeFn fn,
                         int min_args, int max_args, const char *params, const char *doc,
                         lispy_Value data) {
  lx_pin(L, data);
  lx_Obj *saved = lx_protect_begin(L);
  lx_Value n = lx_native_new(L, name, fn, min_args, max_args, params, doc);
  lx_as_native(n)->data = data;
  lx_Box *b = lx_env_own_box(L, env ? env : L->base_env, lx_csymbol(L, name));
  b->value = n;
  b->h.flags |= LX_BOX_DEFINED | (env ? 0 : LX_BOX_CONST);
  lx_protect_end(L, saved);
  lx_unpin(L, 1);
}

lispy_Value lispy_host_new(lispy_State *L, const char *type_name, void *ptr,
                           void (*finalize)(void *)) {
  return lx_host_new(L, type_name, ptr, finalize);
}

void *lispy_host_ptr(lispy_Value v, const char *type_name) {
  if (!lx_is(v, LX_HOST) || strcmp(lx_as_host(v)->type_name, type_name) != 0) return NULL;
  return lx_as_host(v)->ptr;
}
