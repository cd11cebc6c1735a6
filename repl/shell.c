/*
** shell.c -- the interactive shell: multi-line input driven by the
** reader's "incomplete" status, evaluation with readable results and
** located errors, Ctrl-C, start-up. The terminal's line editing is in
** shell_tty.c, printing in shell_print.c, live agents in shell_live.c and
** the :meta-commands in shell_cmds*.c.
**
** With stdin not a terminal the same shell reads forms and commands
** without prompts or colours, so it can be scripted and tested.
*/
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shell.h"

rp_Shell *rp_sh;                     /* for libedit and signal callbacks */
volatile sig_atomic_t rp_sigint;     /* Ctrl-C seen */
volatile sig_atomic_t rp_evaluating; /* Ctrl-C interrupts LisPy */

/* ========================================================================
** Inputs: each evaluated input has a name, "<repl#N>", so that errors
** raised later in code it defined point back into its text
** ======================================================================== */

/* Keep text as the next input and return its name (static storage in
** sh->inputs, valid until the next rp_input_add); "<repl>" when memory
** runs out. Past RP_INPUTS_MAX_BYTES the oldest texts are dropped. */
const char *rp_input_add(rp_Shell *sh, const char *text) {
  if (sh->ninputs == sh->inputs_cap) {
    size_t cap = sh->inputs_cap ? sh->inputs_cap * 2 : 64;
    rp_Input *p = rp_realloc(sh->inputs, cap * sizeof *p);
    if (!p) return "<repl>";
    sh->inputs = p;
    sh->inputs_cap = cap;
  }
  rp_Input *in = &sh->inputs[sh->ninputs];
  if (!(in->text = rp_strdup(text))) return "<repl>";
  snprintf(in->name, sizeof in->name, "<repl#%zu>", ++sh->ninputs);
  sh->input_bytes += strlen(text) + 1;
  for (size_t i = 0; sh->input_bytes > RP_INPUTS_MAX_BYTES && i + 1 < sh->ninputs; i++)
    if (sh->inputs[i].text) {
      sh->input_bytes -= strlen(sh->inputs[i].text) + 1;
      free(sh->inputs[i].text);
      sh->inputs[i].text = NULL;
    }
  return in->name;
}

/* The text of the input called name ("<repl#N>"), NULL if none is held. */
const char *rp_input_text(const rp_Shell *sh, const char *name) {
  size_t n;
  char end;
  if (!name || sscanf(name, "<repl#%zu%c", &n, &end) != 2 || end != '>') return NULL;
  return n >= 1 && n <= sh->ninputs ? sh->inputs[n - 1].text : NULL;
}

void rp_inputs_free(rp_Shell *sh) {
  for (size_t i = 0; i < sh->ninputs; i++) free(sh->inputs[i].text);
  free(sh->inputs);
  sh->inputs = NULL;
  sh->ninputs = sh->inputs_cap = sh->input_bytes = 0;
}

/* ========================================================================
** Evaluation
** ======================================================================== */

/* Shift *1 -> *2 -> *3 and store the new result. */
void rp_shell_remember(rp_Shell *sh, lispy_Value v) {
  lispy_Value a, b;
  lispy_Env *env = rp_eval_env(sh);
  int ref = lispy_ref(sh->L, v);
  if (lispy_env_get(sh->L, env, "*2", &b)) lispy_env_set(sh->L, env, "*3", b);
  if (lispy_env_get(sh->L, env, "*1", &a)) lispy_env_set(sh->L, env, "*2", a);
  lispy_env_set(sh->L, env, "*1", lispy_deref(sh->L, ref));
  lispy_unref(sh->L, ref);
}

lispy_Env *rp_eval_env(rp_Shell *sh) {
  if (!sh->in_agent[0]) return sh->env;
  ag_Agent *a = ag_registry_find(sh->rt, sh->in_agent);
  if (a && a->env) return a->env;
  printf("agent %s is gone (reloaded or dropped): back in the shell\n", sh->in_agent);
  sh->in_agent[0] = '\0';
  cp_engine_set_env(sh->cp, sh->env);
  return sh->env;
}

void rp_bind_context(rp_Shell *sh) {
  lispy_env_set(sh->L, sh->env, "context", ag_runtime_context(sh->rt));
}

void rp_shell_eval_text(rp_Shell *sh, const char *text, const char *name) {
  size_t len = strlen(text);
  lispy_Env *env = rp_eval_env(sh);
  int defines = env == sh->env ? rp_live_defines(sh, text, len) : 0; /* not inside :in */
  lispy_Value v;
  rp_evaluating = 1;
  int rc = lispy_eval_string(sh->L, env, text, len, name, &v);
  rp_evaluating = 0;
  if (rp_sigint && sh->tty) printf("\n"); /* after the echoed ^C */
  rp_sigint = 0;
  if (rc != LISPY_OK) {
    rp_shell_print_error(sh, text);
    return;
  }
  rp_shell_print_value(sh, v);
  rp_shell_remember(sh, v);
  rp_live_defined(sh, text, name, defines);
}

/* Status of the pending text: complete (evaluate), incomplete (ask for
** more), or a syntax error (report and drop). */
static int rp_input_status(rp_Shell *sh) {
  size_t pos = 0;
  lispy_Value form;
  bool any = false;
  for (;;) {
    int rc = lispy_read(sh->L, sh->pending, sh->npending, &pos, "<repl>", &form);
    if (rc == LISPY_OK) {
      any = true;
      continue;
    }
    if (rc == LISPY_EOF && any) return LISPY_OK;
    return rc; /* LISPY_EOF: nothing but blanks and comments */
  }
}

void rp_pending_clear(rp_Shell *sh) {
  free(sh->pending);
  sh->pending = NULL;
  sh->npending = 0;
}

/* Append line to the pending text; false (said so) when memory runs out. */
static bool rp_pending_add(rp_Shell *sh, const char *line) {
  size_t n = strlen(line);
  char *p = rp_realloc(sh->pending, sh->npending + n + 2);
  if (!p) return false;
  memcpy(p + sh->npending, line, n);
  p[sh->npending + n] = '\n';
  p[sh->npending + n + 1] = '\0';
  sh->pending = p;
  sh->npending += n + 1;
  return true;
}

bool rp_blank(const char *s) { return s[strspn(s, " \t\r\n")] == '\0'; }

/* One line of input: a :command, or part of LisPy forms. */
void rp_shell_input(rp_Shell *sh, const char *line) {
  if (!sh->pending && line[strspn(line, " \t")] == ':') {
    rp_evaluating = 1; /* Ctrl-C interrupts :call, :time ... too */
    rp_shell_command(sh, line + strspn(line, " \t"));
    rp_evaluating = 0;
    rp_sigint = 0;
    fflush(stdout);
    return;
  }
  if (!sh->pending && rp_blank(line)) return;
  if (!rp_pending_add(sh, line)) { /* the unfinished form is dropped */
    rp_pending_clear(sh);
    return;
  }
  int st = rp_input_status(sh);
  if (st == LISPY_INCOMPLETE) return;
  if (st == LISPY_EOF) {
    rp_pending_clear(sh);
    return;
  }
  if (st == LISPY_ERROR) rp_shell_print_error(sh, sh->pending);
  else rp_shell_eval_text(sh, sh->pending, rp_input_add(sh, sh->pending));
  rp_pending_clear(sh);
  fflush(stdout);
}

/* Scripted use: the same input handling, no prompts. */
static void rp_loop_pipe(rp_Shell *sh) {
  char *line = NULL;
  size_t cap = 0;
  ssize_t n;
  while (!sh->quit && (n = getline(&line, &cap, stdin)) >= 0) {
    if (n > 0 && line[n - 1] == '\n') line[n - 1] = '\0';
    rp_shell_input(sh, line);
  }
  free(line);
  if (sh->pending) {
    fflush(stdout);
    fprintf(stderr, "error: input ended inside an unfinished form\n");
    sh->failed = true;
    rp_pending_clear(sh);
  }
}

/* ========================================================================
** Signals
** ======================================================================== */

static void rp_on_sigint(int sig) {
  (void)sig;
  rp_sigint = 1;
  if (rp_evaluating && rp_sh) lispy_interrupt(rp_sh->L);
}

static void rp_install_sigint(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = rp_on_sigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: poll() returns EINTR at the prompt */
  sigaction(SIGINT, &sa, NULL);
}

/* One banner line: version, agents and folders, context, help. */
static void rp_banner(rp_Shell *sh, const ag_ScanReport *r) {
  rp_shell_printf_color(sh, RP_BOLD, "lispy %s", lispy_version());
  printf(" | %zu agent%s", ag_registry_count(sh->rt), ag_registry_count(sh->rt) == 1 ? "" : "s");
  for (size_t i = 0; i < ag_registry_dir_count(sh->rt); i++)
    printf("%s%s", i ? ", " : " from ", ag_registry_dir(sh->rt, i));
  if (r->nbroken) rp_shell_printf_color(sh, RP_YELLOW, " (%zu broken: :lint)", r->nbroken);
  printf(" | context: %s | :help\n", ag_runtime_backend(sh->rt)->name);
}

int rp_shell_main(const rp_Options *o) {
  rp_Shell sh;
  memset(&sh, 0, sizeof sh);
  sh.opt = o;
  sh.trace = true;
  sh.print_length = RP_PRINT_LENGTH;
  sh.print_depth = RP_PRINT_DEPTH;
  sh.rt = rp_runtime(o);
  if (!sh.rt) return 1;
  sh.L = ag_runtime_lispy(sh.rt);
  lispy_set_output(sh.L, rp_shell_output, &sh); /* shown as it is written */
  sh.env = lispy_env_new(sh.L, "repl");
  rp_bind_context(&sh);
  sh.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  const char *nc = getenv("NO_COLOR");
  sh.color = sh.tty && !(nc && *nc);
  rp_add_dirs(sh.rt, o);
  ag_ScanReport r;
  ag_registry_scan(sh.rt, &r);
  for (size_t i = 0; i < r.diags.n; i++) /* a folder that cannot be read */
    if (strcmp(r.diags.items[i].code, "A004") == 0) ag_diag_print(stderr, &r.diags.items[i], false);
  size_t nmeta;
  const char *const *meta = rp_meta_names(&nmeta);
  sh.cp = cp_engine_new(sh.rt, meta, nmeta);
  cp_engine_set_env(sh.cp, sh.env); /* names defined at the prompt complete */
  rp_sh = &sh;
  rp_install_sigint();
  if (sh.tty) rp_banner(&sh, &r);
  ag_scan_report_free(&r);
  if (sh.tty) {
    rp_tty_run(&sh);
  } else {
    rp_loop_pipe(&sh);
  }
  cp_engine_free(sh.cp);
  rp_pending_clear(&sh);
  rp_inputs_free(&sh);
  rp_defined_clear(&sh);
  free(sh.desc_src);
  free(sh.run_src);
  rp_sh = NULL;
  ag_runtime_free(sh.rt);
  return !sh.tty && sh.failed ? 1 : 0; /* a script learns that an input failed */
}
