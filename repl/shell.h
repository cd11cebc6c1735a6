/*
** shell.h -- the interactive shell: state shared by shell.c (input,
** evaluation, printing) and shell_cmds.c (the :meta-commands).
*/
#ifndef RP_SHELL_H
#define RP_SHELL_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"
#include "completions.h"

typedef struct rp_Shell {
  ag_Runtime *rt;
  lispy_State *L;
  lispy_Env *env; /* where the shell evaluates ("repl") */
  cp_Engine *cp;  /* Tab completion: the engine and its caches
                              (the last Tab's candidates: rp_last, shell.c) */
  const rp_Options *opt;
  bool tty;   /* stdin is a terminal: prompts, editing */
  bool color; /* ANSI colours (terminal and no NO_COLOR) */
  bool trace; /* :trace on: show context calls after :call */
  bool quit;
  char history[4096]; /* history file path, "" if none */
  char *pending;      /* input lines of an unfinished form */
  size_t npending;
  int nresults;   /* results printed so far (for *1 *2 *3) */
  char *desc_src; /* text that defined the descriptor at the prompt */
  char *run_src;  /* text that defined run at the prompt */
} rp_Shell;

/* shell.c */
int rp_shell_main(const rp_Options *o);
void rp_shell_eval_text(rp_Shell *sh, const char *text, const char *name);
void rp_shell_print_value(rp_Shell *sh, lispy_Value v);
void rp_shell_print_error(rp_Shell *sh, const char *src);
void rp_shell_printf_color(rp_Shell *sh, const char *color, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rp_shell_print_diags(rp_Shell *sh, const ag_Diags *d, const char *src);

/* shell_cmds.c */
extern const char *const rp_meta_names[];
extern const size_t rp_meta_count;
void rp_shell_command(rp_Shell *sh, const char *line);

#define RP_RED    "31"
#define RP_GREEN  "32"
#define RP_YELLOW "33"
#define RP_CYAN   "36"
#define RP_DIM    "2"
#define RP_BOLD   "1"

#endif
