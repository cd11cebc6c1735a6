/*
** cli_util.c -- what every file of repl/ shares: allocation that says so
** when memory runs out.
**
** The wrappers behave as the C library's functions and return NULL on
** failure, after printing "lispy: out of memory" on stderr; the caller
** then takes its error path (a command ends with status 1, the shell
** drops the line or the completion). No allocation of repl/ goes
** unchecked, so none of them is ever dereferenced as NULL.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void rp_out_of_memory(void) {
  fflush(stdout);
  fprintf(stderr, "lispy: out of memory\n");
}

void *rp_malloc(size_t size) {
  void *p = malloc(size);
  if (!p) rp_out_of_memory();
  return p;
}

void *rp_calloc(size_t n, size_t size) {
  void *p = calloc(n, size);
  if (!p) rp_out_of_memory();
  return p;
}

void *rp_realloc(void *old, size_t size) {
  void *p = realloc(old, size);
  if (!p) rp_out_of_memory();
  return p;
}

/* NULL-keeping: rp_strdup(NULL) is NULL, and says nothing. */
char *rp_strdup(const char *s) {
  char *p = s ? strdup(s) : NULL;
  if (s && !p) rp_out_of_memory();
  return p;
}

char *rp_strndup(const char *s, size_t n) {
  char *p = strndup(s, n);
  if (!p) rp_out_of_memory();
  return p;
}
