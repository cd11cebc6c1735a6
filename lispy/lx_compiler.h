/*
** lx_compiler.h -- what the compiler's three files share (internal to lispy/).
**
**   lx_compile.c   the driver and the tree pass: arena, errors, nodes,
**                  scopes and variable resolution, macro expansion, calls
**                  and literals, the entry points (tr_ statics, lx_tr_ shared)
**   lx_specials.c  the special forms desugared into nodes: quote, if, let,
**                  lambda, define, try, quasiquote ... and bodies with
**                  internal definitions (sf_)
**   lx_emit.c      code generation: code buffers, constants, jumps, stack
**                  slots, emitting each node kind (cg_)
**
** See lx_compile.c for the two passes and how their work is charged.
*/
#ifndef LX_COMPILER_H
#define LX_COMPILER_H

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
  lx_Value name;       /* symbol */
  lx_FnInfo *owner;    /* function whose frame holds it */
  int slot;            /* stack slot, assigned by codegen */
  bool captured;       /* referenced from an inner function */
  bool mutated;        /* target of set! */
  bool letrec;         /* bound before its value exists */
  lx_FnInfo *self_fn;  /* letrec var bound to this lambda */
  struct lx_Var *next; /* enclosing binding (scope chain) */
} lx_Var;

typedef enum {
  N_CONST,
  N_LOCAL,
  N_GLOBAL,
  N_SETLOCAL,
  N_SETGLOBAL,
  N_DEFINE,
  N_IF,
  N_SEQ,
  N_LAMBDA,
  N_CALL,
  N_LET,
  N_LETREC,
  N_AND,
  N_OR,
  N_TRY,
  N_PRIM,
  N_VECTOR,
  N_DICT,
  N_SELF
} lx_NodeKind;

typedef struct lx_Node {
  lx_NodeKind kind;
  lx_SrcPos pos;
  lx_Value value;        /* CONST: the value; GLOBAL/SET/DEFINE: the box */
  lx_Var *var;           /* LOCAL, SETLOCAL; TRY: the catch variable */
  lx_FnInfo *fn;         /* LAMBDA */
  int op;                /* PRIM: opcode; DEFINE: 1 for a macro */
  struct lx_Node **kids; /* operands, in order */
  int nkids;
  lx_Var **vars; /* LET/LETREC: bound variables */
  int nvars;
} lx_Node;

struct lx_FnInfo {
  lx_FnInfo *parent;
  lx_Var **upvars; /* captured variables, in upvalue order */
  int nupvars, capupvars;
  lx_Var **params;
  int nparams;
  bool rest;
  lx_Node *body;
  lx_Value name, doc, param_list;
  lx_SrcPos pos;
};

typedef struct lx_Chunk {
  struct lx_Chunk *next;
  size_t used, cap;
  char data[];
} lx_Chunk;

/* Growable arrays for code generation (accounted memory, freed by tr_free
** also on error). */
typedef struct lx_CodeBuf {
  lx_Instr *code;
  size_t n, capcode; /* instructions */
  lx_SrcPos *lines;
  size_t caplines; /* position of each instruction */
  lx_Value *consts;
  size_t nconsts, capconsts;
  int32_t *cindex;  /* open-addressed: const hash -> index, -1 empty */
  size_t capcindex; /* power of two, > 2 * nconsts (0: none yet) */
  lx_Proto **protos;
  size_t nprotos, capprotos;
} lx_CodeBuf;

typedef struct lx_Compiler {
  lx_State *L;
  lx_Env *env;
  lx_Chunk *arena;
  lx_Var *scope; /* innermost binding */
  lx_FnInfo *fn; /* function being parsed */
  bool toplevel; /* defines are global here */
  lx_SrcPos pos; /* position of the form being parsed */
  /* codegen */
  lx_CodeBuf *cb;
  int depth, maxdepth;                 /* stack height above the frame base */
  lx_CodeBuf *bufs[LX_MAX_FN_NESTING]; /* every live buffer, freed on error */
  int nbufs;
} lx_Compiler;

/* A copy of a vector's or dict's elements taken before any of them is
** compiled (compiling one can run a macro that mutates the original).
** The items live in a fresh vector, a GC root for the whole compilation
** (lx_compile's protected region), so elements the macro drops from the
** original stay alive while the nodes refer to them; the positions are
** copied into the arena. */
typedef struct lx_Snapshot {
  lx_Vector *items; /* vector: the items; dict: key, value, key, ... */
  lx_SrcPos *pos;   /* position of each item (fallback: the literal's) */
  int n;            /* number of items */
} lx_Snapshot;


/* A special form's handler: form is the whole (head ...) list, top is true
** where definitions are allowed (top level, start of a body). */
typedef lx_Node *(*sf_Fn)(lx_Compiler *C, lx_Value form, lx_SrcPos pos, bool top);

/* ---- lx_compile.c: the tree pass ----------------------------------------- */
void lx_tr_work(lx_Compiler *C, int64_t n);
void *lx_tr_alloc(lx_Compiler *C, size_t size);
_Noreturn void lx_tr_error(lx_Compiler *C, lx_SrcPos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
lx_SrcPos lx_tr_pos(lx_Compiler *C, lx_Value form);
const char *lx_tr_symname(lx_Value sym);
lx_Node *lx_tr_node(lx_Compiler *C, lx_NodeKind kind, lx_SrcPos pos, int nkids);
lx_Node *lx_tr_const(lx_Compiler *C, lx_Value v, lx_SrcPos pos);
lx_Node *lx_tr_prim(lx_Compiler *C, int op, lx_SrcPos pos, lx_Node *a, lx_Node *b);
lx_Value *lx_tr_items(lx_Compiler *C, lx_Value list, int *count, const char *what);
lx_Snapshot lx_tr_snapshot_vector(lx_Compiler *C, lx_Vector *v, lx_SrcPos pos);
lx_Snapshot lx_tr_snapshot_dict(lx_Compiler *C, lx_Dict *d, lx_SrcPos pos);
lx_Var *lx_tr_bind(lx_Compiler *C, lx_Value name, lx_SrcPos pos);
lx_Var *lx_tr_lookup(lx_Compiler *C, lx_Value sym);
void lx_tr_capture(lx_Compiler *C, lx_Var *v);
lx_Value lx_tr_nth(lx_Compiler *C, lx_Value form, int i, const char *what);
lx_Value lx_tr_tail(lx_Value form, int i);
lx_Value lx_tr_sym(lx_Compiler *C, const char *name);
lx_Value lx_tr_list(lx_Compiler *C, int n, ...);
lx_Var *lx_tr_hidden_var(lx_Compiler *C);
lx_Value lx_tr_gensym(lx_Compiler *C, const char *name);
lx_Node *lx_tr_expr(lx_Compiler *C, lx_Value form, bool top);
/* form with the macro calls at its head expanded until it is none. */
lx_Value lx_tr_expand(lx_Compiler *C, lx_Value form);

/* ---- lx_specials.c ------------------------------------------------------- */
/* The handler of a special-form symbol, or NULL (head is any value). */
sf_Fn lx_sf_lookup(lx_Value head);

/* ---- lx_emit.c ----------------------------------------------------------- */
/* The prototype of function f, its inner functions generated first. */
lx_Proto *lx_cg_function(lx_Compiler *C, lx_FnInfo *f);

#endif
