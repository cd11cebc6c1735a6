/*
** ag_lint_locate.h -- source positions for the descriptor linter.
**
** By the time the linter runs, the descriptor is JSON and has lost every
** position. The locator re-reads the agent's source (without evaluating
** it) and builds a small C-side tree that mirrors the descriptor literal:
** each object entry keeps where its key and its value were read, each
** array item where it was read. It also records every top-level function
** definition (for `run`'s parameters) and every (context-...) call.
**
** Everything here is plain malloc'd C data: no LisPy value is held after
** agl_source_read returns, so the garbage collector can do as it likes.
*/
#ifndef AG_LINT_LOCATE_H
#define AG_LINT_LOCATE_H

#include <stdbool.h>
#include <stddef.h>

#include "lispy.h"

/* ========================================================================
** Positions and the descriptor tree
** ======================================================================== */

typedef struct agl_Pos {
  int line, col; /* 1-based; line 0 means unknown */
} agl_Pos;

typedef enum agl_Kind {
  AGL_LEAF, /* anything that is not a literal container */
  AGL_OBJ,  /* (dict ...), (make-dict ...), {...} */
  AGL_ARR   /* '(...), (list ...), [...] */
} agl_Kind;

typedef struct agl_Node {
  char *key;             /* key within the parent object, else NULL */
  agl_Pos kpos;          /* where the key was read */
  agl_Pos vpos;          /* where the value was read */
  agl_Kind kind;         /* leaf, object or array */
  char *ref;             /* leaf that is a bare symbol: its name */
  struct agl_Node *kids; /* object entries or array items, in order */
  size_t nkids, cap;     /* kids used, slots allocated */
  size_t *index;         /* object with many entries: a hash table of
                                 kid numbers + 1 by key (0: free), built on
                                 the first lookup, so that looking up every
                                 key stays linear (agl_child); or NULL */
  size_t index_cap;      /* its slots (a power of two) */
} agl_Node;

/* A named tree: a top-level (define NAME literal) other code may refer to. */
typedef struct agl_Def {
  char *name;     /* the symbol defined */
  agl_Pos pos;    /* where the name was read */
  agl_Node value; /* the value expression's tree */
} agl_Def;

/* ========================================================================
** Functions and calls
** ======================================================================== */

typedef struct agl_Param {
  char *name;  /* parameter symbol */
  agl_Pos pos; /* where it was read */
} agl_Param;

/* A top-level function definition: (define (f a b) ...), (defn f [a b]),
** (define f (lambda (a b) ...)), (def f (fn [a b] ...)). */
typedef struct agl_Fn {
  char *name;         /* the function's name */
  agl_Pos pos;        /* where the name was read */
  agl_Pos params_pos; /* where the parameter list starts */
  agl_Param *params;  /* fixed parameters, in order */
  size_t nparams;     /* entries of params */
  bool rest;          /* takes a rest parameter (. r or & r) */
} agl_Fn;

/* A call whose head is a symbol starting with "context-". */
typedef struct agl_Call {
  char *name;  /* "context-llm" */
  agl_Pos pos; /* where the head symbol was read */
  int nargs;   /* arguments, the context included */
} agl_Call;

/* ========================================================================
** The whole file
** ======================================================================== */

typedef struct agl_Source {
  agl_Def *defs;           /* every top-level (define NAME expr) */
  size_t ndefs, capdefs;   /* used, allocated */
  agl_Fn *fns;             /* every top-level function definition */
  size_t nfns, capfns;     /* used, allocated */
  agl_Call *calls;         /* every (context-...) call, in source order */
  size_t ncalls, capcalls; /* used, allocated */
  agl_Node legacy;         /* the legacy defines as one descriptor tree
                                 (AGL_OBJ when agent-name or
                                 agent-parameters is defined) */
} agl_Source;

/* Read src (without evaluating) and fill *s; never fails (positions
** simply stay unknown for what could not be read). */
void agl_source_read(lispy_State *L, const char *src, size_t len, const char *path, agl_Source *s);
void agl_source_free(agl_Source *s);

/* The last top-level definition of name (value trees), or NULL. */
const agl_Def *agl_source_def(const agl_Source *s, const char *name);
/* How many top-level definitions name has. */
size_t agl_source_def_count(const agl_Source *s, const char *name);
/* The last top-level function definition of name, or NULL. */
const agl_Fn *agl_source_fn(const agl_Source *s, const char *name);
/* True when the file defines name at top level (any form). */
bool agl_source_defines(const agl_Source *s, const char *name);

/* ========================================================================
** Navigating the tree (NULL-tolerant: a NULL node yields NULL)
** ======================================================================== */

/* The entry key of object n, following bare-symbol references to other
** top-level definitions of s. */
const agl_Node *agl_child(const agl_Source *s, const agl_Node *n, const char *key);
/* Item i of array n (also following references). */
const agl_Node *agl_item(const agl_Source *s, const agl_Node *n, size_t i);
/* The value / key position of n, or fallback when unknown. */
agl_Pos agl_vpos(const agl_Node *n, agl_Pos fallback);
agl_Pos agl_kpos(const agl_Node *n, agl_Pos fallback);

#endif
