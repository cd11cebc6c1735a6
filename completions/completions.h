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
**   anywhere else in code           special forms, builtins, user globals
*/
#ifndef COMPLETIONS_H
#define COMPLETIONS_H

#include <stddef.h>

#include "agents.h"

typedef struct cp_Candidate {
  char *text;              /* what replaces the word being completed */
  char *help;              /* shown when listing (type, "builtin", ...) or NULL */
} cp_Candidate;

typedef struct cp_Result {
  cp_Candidate *items;
  size_t n, cap;
  size_t start;            /* byte offset in the line where the word begins */
} cp_Result;

typedef struct cp_Engine cp_Engine;

/* meta: the shell's meta-command names with their colon (":call", ...). */
cp_Engine *cp_engine_new(ag_Runtime *rt, const char *const *meta, size_t nmeta);
void       cp_engine_free(cp_Engine *e);
/* Candidates for the word before cursor (a byte offset into line), sorted,
** unique; agents defined a moment ago appear at once. */
void       cp_complete(cp_Engine *e, const char *line, size_t cursor, cp_Result *out);
void       cp_result_free(cp_Result *r);

#endif
