/*
** cp_internal.h -- what the files of completions/ share: the engine's
** sorted name indexes and the line scanner.
*/
#ifndef CP_INTERNAL_H
#define CP_INTERNAL_H

#include "completions.h"

/* ========================================================================
** Sorted name indexes (cp_index.c)
** ======================================================================== */

/* What a symbol is; lower kinds win when two entries share a name. */
typedef enum cp_Kind {
  CP_SPECIAL, /* special form */
  CP_CONTEXT, /* context method (help = its parameters) */
  CP_BUILTIN, /* builtin or prelude definition */
  CP_AGENT    /* agent name (help = description) */
} cp_Kind;

typedef struct cp_Entry {
  char *name;      /* malloc'd */
  char *help;      /* malloc'd or NULL */
  cp_Kind kind;    /* what the name is; decides which of equal names stays */
  size_t seq;      /* order of addition: the first of equals wins */
  ag_Agent *agent; /* CP_AGENT: the agent (valid until the registry
                              generation changes) */
} cp_Entry;

typedef struct cp_Index {
  cp_Entry *items; /* sorted by name once cp_index_sort ran */
  size_t n, cap;   /* entries used, slots allocated */
} cp_Index;

/* Add an entry (the strings are copied); returns it, or NULL. */
cp_Entry *cp_index_add(cp_Index *x, const char *name, const char *help, cp_Kind kind);
void cp_index_sort(cp_Index *x);
void cp_index_clear(cp_Index *x);
/* First entry whose name is >= prefix (binary search). */
size_t cp_index_lower(const cp_Index *x, const char *prefix);
/* Append the entries starting with prefix to out. */
void cp_index_complete(const cp_Index *x, const char *prefix, cp_Result *out);

/* ========================================================================
** The engine (cp_engine.c)
** ======================================================================== */

struct cp_Engine {
  ag_Runtime *rt;      /* agents and the lispy state (may be NULL); not owned */
  char **meta;         /* meta-command names (":call"), malloc'd copies */
  size_t nmeta;        /* entries of meta */
  lispy_Env *env;      /* user globals come from here (NULL: default) */
  cp_Index agents;     /* agent names, rebuilt when the generation moves */
  unsigned agents_gen; /* registry generation agents was built from */
  bool agents_built;   /* agents was built at least once */
  cp_Index base;       /* special forms, context methods, builtins */
  bool base_built;     /* base was built (once, on first symbol completion) */
  char **user;         /* sorted user global names */
  size_t nuser;        /* entries of user */
  size_t user_seen;    /* name count user was built from */
};

/* Like cp_add_agents, with suffix after each name (a closing quote). */
void cp_add_agents_quoted(cp_Engine *e, const char *prefix, const char *suffix, cp_Result *out);
/* Append user globals, special forms and builtins starting with prefix. */
void cp_add_symbols(cp_Engine *e, const char *prefix, cp_Result *out);

/* ========================================================================
** Line contexts (cp_code.c, cp_meta.c)
** ======================================================================== */

/* Code: prefix is the line up to the cursor; after is the rest. */
void cp_complete_code(cp_Engine *e, const char *prefix, size_t len, const char *after,
                      cp_Result *out);
/* A ":command ..." line (prefix starts at the colon, at offset off). */
void cp_complete_meta(cp_Engine *e, const char *prefix, size_t len, size_t off, cp_Result *out);

#endif
