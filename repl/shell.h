/*
** shell.h -- the interactive shell: state shared by shell.c (input,
** evaluation, printing) and shell_cmds.c (the :meta-commands).
*/
#ifndef RP_SHELL_H
#define RP_SHELL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "completions.h"

/* Text of the prompt's inputs kept for error snippets, in bytes: past it
** the oldest texts are dropped (their snippets are no longer shown). A
** person types far less; a pasted or piped script may not. Ceiling: what
** the machine can hold. */
#ifndef RP_INPUTS_MAX_BYTES
#define RP_INPUTS_MAX_BYTES (16u << 20)
#endif

/* After the watcher sees an agent file change, it waits this long for the
** editor to finish writing (a save is often several writes or a rename)
** before re-scanning. Short enough that a reload shows within a second of
** the save; ceiling 900 ms, to keep that promise. */
#ifndef RP_WATCH_SETTLE_MS
#define RP_WATCH_SETTLE_MS 50
#endif
_Static_assert(RP_WATCH_SETTLE_MS >= 0 && RP_WATCH_SETTLE_MS <= 900,
               "RP_WATCH_SETTLE_MS out of range");

/* Results at the prompt are cut for reading: RP_PRINT_LENGTH items per
** container, then "… N more", and RP_PRINT_DEPTH levels of nesting (:set
** print-length / print-depth change them; 0 means no cut). Ceiling of
** either setting: RP_PRINT_MAX. */
#ifndef RP_PRINT_LENGTH
#define RP_PRINT_LENGTH 200
#endif
#ifndef RP_PRINT_DEPTH
#define RP_PRINT_DEPTH 30
#endif
#define RP_PRINT_MAX 100000000

/* :calls of one prompt agent kept as test cases for :save --tests; each
** holds the mock state it ran against, so the later calls past this are
** not recorded (:save says so). Ceiling: memory. */
#ifndef RP_SAVE_MAX_CASES
#define RP_SAVE_MAX_CASES 500
#endif

/* One input evaluated at the prompt, named "<repl#N>" (N from 1). */
typedef struct rp_Input {
  char name[24]; /* "<repl#N>", the file name of its source positions */
  char *text;    /* what was evaluated; NULL once dropped */
} rp_Input;

/* The line being edited at the prompt (shell_line.c). */
typedef struct rp_Line {
  char *buf;                     /* UTF-8 text, NUL-terminated */
  size_t len, cap;               /* bytes used (without the NUL), allocated */
  size_t pos;                    /* the cursor: a byte offset on a grapheme boundary */
  const char *prompt;            /* shown first; escapes between \001 and \002 */
  const char *more;              /* shown after a line break in the text */
  int crow;                      /* terminal row of the cursor, from the prompt's */
  bool dirty;                    /* changed since it was drawn */
  unsigned char esc[16], utf[4]; /* an escape / UTF-8 sequence being read */
  size_t nesc, nutf, need;
} rp_Line;

/* What a key asks the caller of rp_line_feed to do. */
enum {
  RP_KEY_MORE = -1, /* inside an escape sequence (rp_line_feed only) */
  RP_KEY_NONE = 0,  /* edited (or ignored) in place */
  RP_KEY_ENTER,
  RP_KEY_EOF, /* Ctrl-D on an empty line */
  RP_KEY_TAB,
  RP_KEY_SEARCH, /* Ctrl-R */
  RP_KEY_UP,
  RP_KEY_DOWN,
  RP_KEY_LEFT, /* the rest are handled inside */
  RP_KEY_RIGHT,
  RP_KEY_HOME,
  RP_KEY_END,
  RP_KEY_DELETE
};

void rp_line_begin(rp_Line *l, const char *prompt, const char *more);
int rp_line_feed(rp_Line *l, unsigned char c);
bool rp_line_splice(rp_Line *l, size_t from, size_t to, const char *text, size_t n);
void rp_line_set(rp_Line *l, const char *text);
void rp_line_hide(rp_Line *l);
void rp_line_show(rp_Line *l);
void rp_line_refresh(rp_Line *l);
void rp_line_flush(rp_Line *l); /* refresh if changed since drawn */
void rp_line_free(rp_Line *l);
size_t rp_grapheme_next(const char *s, size_t len, size_t at);
size_t rp_grapheme_prev(const char *s, size_t len, size_t at);

/* An agent typed at the prompt: its text and the :calls made to it. */
typedef struct rp_Defined {
  char *name;
  char *src;      /* the descriptor's and run's inputs, as lint saw them */
  cJSON *calls;   /* test cases recorded by :call (for :save --tests) */
  size_t dropped; /* calls past RP_SAVE_MAX_CASES, not recorded */
} rp_Defined;

typedef struct rp_Shell {
  ag_Runtime *rt;
  lispy_State *L;
  lispy_Env *env; /* where the shell evaluates ("repl") */
  cp_Engine *cp;  /* Tab completion: the engine and its caches
                              (the last Tab's candidates: rp_last, shell.c) */
  const rp_Options *opt;
  bool tty;         /* stdin is a terminal: prompts, editing */
  bool color;       /* ANSI colours (terminal and no NO_COLOR) */
  bool trace;       /* :trace on: show context calls after :call */
  int print_length; /* :set print-length (0: no cut) */
  int print_depth;  /* :set print-depth (0: no cut) */
  bool quit;
  bool failed;        /* an input failed (scripted: the exit status is 1) */
  FILE *to;           /* where the print helpers write; NULL: stdout */
  bool output_open;   /* display/print output so far ends inside a line */
  char history[4096]; /* history file path, "" if none */
  char *pending;      /* input lines of an unfinished form */
  size_t npending;
  int nresults;     /* results printed so far (for *1 *2 *3) */
  rp_Input *inputs; /* every input evaluated so far, oldest first */
  size_t ninputs, inputs_cap;
  size_t input_bytes;  /* bytes of the texts still held */
  char *desc_src;      /* text that defined the descriptor at the prompt */
  char *run_src;       /* text that defined run at the prompt */
  char desc_name[128]; /* :name of the descriptor typed last, "" if none */
  char desc_input[24]; /* the inputs ("<repl#N>") desc_src and run_src were */
  char run_input[24];
  char in_agent[128];  /* :in NAME: forms run in NAME's environment; "" off */
  rp_Defined *defined; /* the agents typed at the prompt, by name */
  size_t ndefined;
} rp_Shell;

/* shell.c */
extern rp_Shell *rp_sh;                     /* the running shell, for callbacks */
extern volatile sig_atomic_t rp_sigint;     /* Ctrl-C seen */
extern volatile sig_atomic_t rp_evaluating; /* Ctrl-C interrupts LisPy */
int rp_shell_main(const rp_Options *o);
void rp_shell_eval_text(rp_Shell *sh, const char *text, const char *name);
/* Bind `context` at the prompt to a context on the shell's backend (again
** after :ctx changes its fields). */
void rp_bind_context(rp_Shell *sh);
/* Where forms typed now are evaluated: the agent of :in NAME (looked up
** each time: a reload may have replaced or dropped it, which ends :in with
** a message), else the shell's environment. */
lispy_Env *rp_eval_env(rp_Shell *sh);
void rp_shell_input(rp_Shell *sh, const char *line);
void rp_pending_clear(rp_Shell *sh);
bool rp_blank(const char *s);
const char *rp_input_add(rp_Shell *sh, const char *text);
const char *rp_input_text(const rp_Shell *sh, const char *name);
void rp_inputs_free(rp_Shell *sh);

/* shell_print.c */
void rp_shell_output(void *ud, const char *s, size_t len);
void rp_shell_output_end(rp_Shell *sh);
void rp_shell_print_value(rp_Shell *sh, lispy_Value v);
/* v becomes *1 (the older results shift to *2 and *3). */
void rp_shell_remember(rp_Shell *sh, lispy_Value v);
/* "  3 | (car 42)" then a caret under column col (code points) of src. */
void rp_show_caret(rp_Shell *sh, const char *src, int line, int col);
void rp_shell_print_error(rp_Shell *sh, const char *src);
void rp_shell_printf_color(rp_Shell *sh, const char *color, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rp_shell_print_diags(rp_Shell *sh, const ag_Diags *d, const char *src);

/* shell_live.c */
int rp_live_defines(rp_Shell *sh, const char *text, size_t len);
void rp_diag_free(ag_Diag *g); /* its strings: the caller drops it from its list */
/* shell_save.c: the prompt agents' table, :save and :forget. */
rp_Defined *rp_defined_find(rp_Shell *sh, const char *name);
void rp_defined_set(rp_Shell *sh, const char *name, const char *src);
void rp_defined_forget(rp_Shell *sh, const char *name);
void rp_defined_clear(rp_Shell *sh);
/* Around a :call: the mock state before it (NULL unless a is a prompt
** agent), then the call recorded as a case (state is taken). */
cJSON *rp_defined_call_begin(rp_Shell *sh, const ag_Agent *a);
void rp_defined_call_end(rp_Shell *sh, const ag_Agent *a, const cJSON *args, cJSON *state,
                         const cJSON *env);
void rp_cmd_save(rp_Shell *sh, char *args);
void rp_cmd_edit(rp_Shell *sh, char *args); /* shell_edit.c */
void rp_cmd_forget(rp_Shell *sh, char *args);
void rp_live_defined(rp_Shell *sh, const char *text, const char *input, int defines);

/* shell_tty.c */
void rp_tty_run(rp_Shell *sh);

/* shell_cmds.c: the table, dispatch and helpers the commands share */
const char *const *rp_meta_names(size_t *n);
void rp_shell_command(rp_Shell *sh, const char *line);
char *rp_next_word(char **s);
void rp_print_json(rp_Shell *sh, const cJSON *j);
/* The agent called name, or NULL after saying there is none (with the
** nearest name as a "did you mean"). */
ag_Agent *rp_agent_arg(rp_Shell *sh, const char *name);
size_t rp_edit_distance(const char *a, const char *b);
/* The "did you mean" search: candidates are tried one by one and the one
** fewest edits from name is kept, if fewer than limit (an exact match is
** not a suggestion). RP_NEAREST_SHORT: fewer than 3 and than name's length,
** so a short name is not "corrected" into an unrelated one. */
typedef struct rp_Nearest {
  const char *name;  /* what was typed */
  size_t best;       /* edits of found, or the limit while none */
  const char *found; /* the nearest candidate so far, or NULL */
} rp_Nearest;
#define RP_NEAREST_SHORT 0
rp_Nearest rp_nearest_start(const char *name, size_t limit);
void rp_nearest_try(rp_Nearest *n, const char *cand);
const char *rp_nearest_agent(rp_Shell *sh, const char *name);
char *rp_agent_source(const ag_Agent *a, char *why, size_t whylen);
double rp_ms(void);

/* shell_cmd_agents.c */
void rp_cmd_agents(rp_Shell *sh, char *args);
void rp_cmd_describe(rp_Shell *sh, char *args);
void rp_cmd_call(rp_Shell *sh, char *args);
void rp_cmd_lint(rp_Shell *sh, char *args);
void rp_cmd_reload(rp_Shell *sh, char *args);
/* Re-scan the folders after the watcher saw a change: one line per agent
** reloaded, added or removed (diagnostics for a broken one); true when
** anything changed. Prompt definitions keep shadowing files. */
bool rp_shell_rescan(rp_Shell *sh);
void rp_cmd_load(rp_Shell *sh, char *args);
void rp_cmd_source(rp_Shell *sh, char *args);
void rp_meta_test(rp_Shell *sh, char *args);

/* shell_cmd_lang.c */
void rp_cmd_doc(rp_Shell *sh, char *args);
void rp_cmd_apropos(rp_Shell *sh, char *args);
void rp_cmd_in(rp_Shell *sh, char *args);
void rp_cmd_ctx(rp_Shell *sh, char *args);
void rp_cmd_trace(rp_Shell *sh, char *args);
void rp_cmd_time(rp_Shell *sh, char *args);
void rp_cmd_set(rp_Shell *sh, char *args);
void rp_cmd_limits(rp_Shell *sh, char *args);
void rp_cmd_quit(rp_Shell *sh, char *args);

#define RP_RED    "31"
#define RP_GREEN  "32"
#define RP_YELLOW "33"
#define RP_CYAN   "36"
#define RP_DIM    "2"
#define RP_BOLD   "1"

#endif
