/*
** ag_internal.h -- what the agents/ files share beyond agents.h.
*/
#ifndef AG_INTERNAL_H
#define AG_INTERNAL_H

#include "ag_config.h"
#include "agents.h"

/* A set of names (an object's keys or a list's strings) for membership
** tests: the checks that ask "is this property required?" for every
** property would otherwise be quadratic. Open addressing over borrowed
** strings; a set that could not be allocated is empty-handed and falls
** back to scanning (src). */
typedef struct ag_Names {
  const char **slots; /* cap slots, NULL when free */
  size_t cap;         /* a power of two, at least twice the count */
  const cJSON *src;   /* the object or list the names come from */
  bool keys;          /* src's keys (an object) or its strings (a list) */
} ag_Names;

/* The names of src: its keys when keys (an object), else its string items
** (a list); empty for anything else. Borrows the strings: src must outlive
** the set. */
ag_Names ag_names(const cJSON *src, bool keys);
bool ag_names_has(const ag_Names *set, const char *name);
void ag_names_free(ag_Names *set);

/* A registry index slot: name NULL when empty; agent NULL when two files
** declare the name (ambiguous: finds nothing). */
typedef struct ag_IndexEntry {
  const char *name;
  ag_Agent *agent;
} ag_IndexEntry;

/* The call in progress: bindings record context calls into its trace. */
typedef struct ag_CallCtx {
  ag_Agent *agent;
  cJSON *trace;         /* array of {method, args, result|error, ms}, or NULL */
  size_t trace_bytes;   /* what the trace holds (AG_MAX_TRACE_BYTES) */
  size_t trace_dropped; /* context calls left out of the full trace */
} ag_CallCtx;

struct ag_Runtime {
  lispy_State *L;
  lispy_Limits limits; /* applied to every load and call */
  ag_Backend backend;  /* context methods */
  char **dirs;         /* registry folders */
  size_t ndirs;
  ag_Agent **files; /* agents loaded from the folders */
  size_t nfiles, capfiles;
  ag_Agent **defined; /* agents defined in the shell (shadow files) */
  size_t ndefined, capdefined;
  ag_CallCtx *call;            /* the call in progress, or NULL */
  char *shared_store;          /* the store namespace every agent uses, or NULL:
                              each agent's own (its name) */
  ag_Agent *loading;           /* the agent whose file is evaluating now (its
                              top level may not invoke or use the
                              context), or NULL */
  unsigned backend_gen;        /* bumped when the backend or its fields change */
  unsigned registry_gen;       /* bumped when the set of agents changes */
  struct ag_IndexEntry *index; /* name -> agent, open addressing */
  size_t index_cap;            /* power of two, or 0 before the first lookup */
  unsigned index_gen;          /* registry_gen the index was built for */
};

/* One call's share of its agent's memory budget (ag_budget.c). */
typedef struct ag_Budget {
  lispy_Limits saved;  /* the limits before the call, put back after */
  size_t held;         /* heap the agent's globals held before it (at most) */
  ag_Agent *agent;     /* whose call lowered the limit, or NULL */
  uint64_t allocated0; /* lispy_memory_allocated when the call began */
} ag_Budget;

bool ag_budget_begin(ag_Runtime *rt, ag_Agent *a, ag_Budget *b, cJSON **refused);
void ag_budget_end(ag_Runtime *rt, ag_Budget *b);
void ag_budget_note(const ag_Budget *b, cJSON *env);

/* A descriptor value as JSON, under AG_MAX_DESCRIPTOR_BYTES instead of
** the result cap; NULL with why set when it does not convert. */
cJSON *ag_descriptor_json(ag_Runtime *rt, lispy_Value v, char *why, size_t whylen);

/* Register the context bindings (context-llm, ...) in the base env. */
void ag_context_register(ag_Runtime *rt);
/* A context value for a call to agent a (data fields from the backend). */
lispy_Value ag_context_value(ag_Runtime *rt, const ag_Agent *a);
/* An agent that could not be read: no code, one A002 error saying why;
** its hash is the reason's, so a rescan failing the same way is no change. */
ag_Agent *ag_agent_unreadable(ag_Runtime *rt, const char *path, const char *why);
/* Refuse a host effect (invoke, a context method) while an agent file's
** top level runs: raises a runtime error naming what and where. */
void ag_refuse_at_load(ag_Runtime *rt, const char *what);
/* Lint rule A407: calls of invoke or context methods in code an agent
** file runs when it loads (outside function bodies); adds errors. */
void ag_lint_effects(ag_Runtime *rt, ag_Agent *a, const char *src, size_t len);
double ag_now_ms(void);
uint64_t ag_hash_bytes(const char *s, size_t len);
/* Bytes a JSON tree (j and its siblings after it) holds in host memory. */
size_t ag_json_weight(const cJSON *j);
/* strdup that keeps NULL (NULL in, NULL out), for optional strings. */
char *ag_strdup(const char *s);


#endif
