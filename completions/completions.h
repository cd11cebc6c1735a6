/*
** completions.h -- the completion engine: candidates for a line and cursor
** position, by context. Used by the shell's Tab key and by
** `lispy complete`; plain C, no terminal.
**
** Contexts:
**   ":" at the start of a line      meta-commands (as given to cp_engine_new)
**   ":call " ":describe " ":source " ":test "   agent names
**   ":call NAME "                   NAME's parameters as "key=" (required
**                                   first), help "string, required"
**   "(invoke \""                    agent names
**   "(invoke \"NAME\" {"            NAME's parameters as ":key"
**   "(context-"                     context methods (from the interface table)
**   ":load "                        file paths (*.lispy and folders)
**   ":lint " ":doc " ":help " ":trace " ":ctx " ":limits "
**                                   agents and files, symbols, commands,
**                                   on/off, set/llm/reset, limit names
**   anywhere else in code           special forms, builtins, user globals
**
** Candidates are sorted and unique, except parameters, which come in
** declaration order with the required ones first.
*/
#ifndef COMPLETIONS_H
#define COMPLETIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "agents.h"

typedef struct cp_Candidate {
  char *text; /* what replaces the word being completed */
  char *help; /* shown when listing (type, "builtin", ...) or NULL */
} cp_Candidate;

typedef struct cp_Result {
  cp_Candidate *items; /* malloc'd; each text and help malloc'd */
  size_t n, cap;       /* candidates used, slots allocated */
  size_t start;        /* byte offset in the line where the word begins */
} cp_Result;

typedef struct cp_Engine cp_Engine;

/* meta: the shell's meta-command names with their colon (":call", ...). */
cp_Engine *cp_engine_new(ag_Runtime *rt, const char *const *meta, size_t nmeta);
void cp_engine_free(cp_Engine *e);
/* Candidates for the word before cursor (a byte offset into line), sorted,
** unique; agents defined a moment ago appear at once. *out is overwritten
** (cp_result_free a previous result first); free it with cp_result_free. */
void cp_complete(cp_Engine *e, const char *line, size_t cursor, cp_Result *out);
void cp_result_free(cp_Result *r);

/* ========================================================================
** Extensions (used by the shell and `lispy complete`)
** ======================================================================== */

/* The environment whose globals complete as user symbols (the shell's
** "repl" environment); NULL (the default) means the state's default one. */
void cp_engine_set_env(cp_Engine *e, lispy_Env *env);

/* Append a candidate (both strings are copied; help may be NULL). */
void cp_result_add(cp_Result *r, const char *text, const char *help);
/* Sort by text and drop duplicates (the first of equal texts stays). */
void cp_result_sort(cp_Result *r);

/* Building blocks, each appending to out (out->start is left alone):
** agent names starting with prefix (help: the description); */
void cp_add_agents(cp_Engine *e, const char *prefix, cp_Result *out);
/* agent's parameters starting with prefix, required first, each written
** as before + key + after (":" "" or "" "="), skipping the names in
** `given` (NULL-terminated, may be NULL); help "string, required"; */
void cp_add_params(cp_Engine *e, const char *agent, const char *prefix, const char *before,
                   const char *after, const char *const *given, cp_Result *out);
/* values of an agent's parameter that start with prefix: its enum, or
** true/false for a boolean; json: written as JSON ("\"celsius\""), else
** strings bare (celsius); each written as before + value + after; */
void cp_add_values(cp_Engine *e, const char *agent, const char *key, const char *prefix, bool json,
                   const char *before, const char *after, cp_Result *out);
/* file paths starting with word: folders (with a trailing '/') and, when
** lispy_only, only *.lispy files (else every file). */
void cp_add_paths(const char *word, bool lispy_only, cp_Result *out);

#endif
