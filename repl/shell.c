/*
** shell.c -- the interactive shell: line editing (libedit), multi-line
** input driven by the reader's "incomplete" status, evaluation with
** readable results and located errors, live agent definitions linted on
** the spot, history, Ctrl-C, and Tab completion.
**
** With stdin not a terminal the same shell reads forms and commands
** without prompts or colours, so it can be scripted and tested.
*/
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <editline/readline.h>

#include "shell.h"

#define RP_HISTORY_MAX 1000

static rp_Shell *rp_sh;                     /* for libedit callbacks */
static volatile sig_atomic_t rp_sigint;     /* Ctrl-C seen */
static volatile sig_atomic_t rp_evaluating; /* Ctrl-C interrupts LisPy */

/* ========================================================================
** Output helpers
** ======================================================================== */

void rp_shell_printf_color(rp_Shell *sh, const char *color, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (sh->color && color) printf("\033[%sm", color);
  vprintf(fmt, ap);
  if (sh->color && color) printf("\033[0m");
  va_end(ap);
}

/* Line n (1-based) of src into out. */
static bool rp_source_line(const char *src, int n, char *out, size_t len) {
  for (int i = 1; src && *src && i < n; i++) {
    src = strchr(src, '\n');
    if (!src) return false;
    src++;
  }
  if (!src || !*src) return false;
  size_t l = strcspn(src, "\n");
  snprintf(out, len, "%.*s", (int)l, src);
  return true;
}

/* "  3 | (car 42)" then a caret under column col (code points). */
static void rp_show_caret(rp_Shell *sh, const char *src, int line, int col) {
  char text[512];
  if (line <= 0 || !rp_source_line(src, line, text, sizeof text)) return;
  rp_shell_printf_color(sh, RP_DIM, "%4d | ", line);
  printf("%s\n", text);
  rp_shell_printf_color(sh, RP_DIM, "     | ");
  for (int i = 1; i < col; i++) putchar(' ');
  rp_shell_printf_color(sh, RP_RED, "^\n");
}

void rp_shell_print_value(rp_Shell *sh, lispy_Value v) {
  char *s = lispy_pprint(sh->L, v, 78);
  if (!s) {
    rp_out_of_memory();
    return;
  }
  rp_shell_printf_color(sh, RP_GREEN, "=> ");
  printf("%s\n", s);
  free(s);
}

/* The last error: message line, the source line with a caret when the
** error is in src, then the LisPy stack trace. */
void rp_shell_print_error(rp_Shell *sh, const char *src) {
  lispy_Value e = lispy_last_error(sh->L);
  char *text = lispy_error_text(sh->L, e);
  if (!text) {
    rp_out_of_memory();
    return;
  }
  char *nl = strchr(text, '\n');
  if (nl) *nl = '\0';
  rp_shell_printf_color(sh, RP_RED, "%s\n", text);
  lispy_SrcPos at = lispy_error_pos(e);
  if (at.line && src) rp_show_caret(sh, src, (int)at.line, at.col);
  if (nl) rp_shell_printf_color(sh, RP_DIM, "%s\n", nl + 1);
  free(text);
  lispy_env_set(sh->L, sh->env, "*e", e);
}

void rp_shell_print_diags(rp_Shell *sh, const ag_Diags *d, const char *src) {
  static const char *colors[] = {RP_RED, RP_YELLOW, RP_CYAN};
  for (size_t i = 0; i < d->n; i++) {
    const ag_Diag *g = &d->items[i];
    rp_shell_printf_color(sh, colors[g->severity], "%s:%d:%d: %s[%s]: ", g->path, g->line, g->col,
                          ag_severity_name(g->severity), g->code);
    printf("%s\n", g->message);
    if (src) rp_show_caret(sh, src, g->line, g->col);
    if (g->hint) rp_shell_printf_color(sh, RP_DIM, "     hint: %s\n", g->hint);
  }
}

/* ========================================================================
** Live agents: definitions typed at the prompt
** ======================================================================== */

/* What a chunk of input defines: 1 = a descriptor part, 2 = run. */
static int rp_defines(rp_Shell *sh, const char *text, size_t len) {
  static const char *desc[] = {
      "AGENT", "DESCRIPTOR", "agent-name", "agent-description", "agent-parameters", NULL};
  int what = 0;
  size_t pos = 0;
  lispy_Value form;
  while (lispy_read(sh->L, text, len, &pos, "<repl>", &form) == LISPY_OK) {
    if (lispy_type(form) != LISPY_TPAIR || lispy_type(lispy_cdr(form)) != LISPY_TPAIR) continue;
    const char *head = lispy_to_cstring(lispy_car(form), NULL);
    if (!head || (strcmp(head, "define") && strcmp(head, "def") && strcmp(head, "defn"))) continue;
    lispy_Value target = lispy_car(lispy_cdr(form));
    if (lispy_type(target) == LISPY_TPAIR) target = lispy_car(target);
    const char *name = lispy_to_cstring(target, NULL);
    if (!name) continue;
    for (int i = 0; desc[i]; i++) what |= strcmp(name, desc[i]) == 0 ? 1 : 0;
    if (strcmp(name, "run") == 0 || strcmp(name, "agent-run") == 0) what |= 2;
  }
  return what;
}

static void rp_set_src(char **slot, const char *text) {
  free(*slot);
  *slot = rp_strdup(text); /* NULL (said so): as if not typed yet */
}

/* Drop the diagnostics that only say the other half is not typed yet. */
static void rp_filter_diags(rp_Shell *sh, ag_Diags *d) {
  size_t keep = 0;
  for (size_t i = 0; i < d->n; i++) {
    ag_Diag *g = &d->items[i];
    bool missing_run = strcmp(g->code, "A301") == 0 && !sh->run_src;
    bool missing_desc =
        (strcmp(g->code, "A100") == 0 || strcmp(g->code, "A302") == 0) && !sh->desc_src;
    bool note = g->severity == AG_NOTE; /* strict-mode advice: :lint shows it */
    if (missing_run || missing_desc || note) {
      free(g->path);
      free(g->message);
      free(g->hint);
      continue;
    }
    d->items[keep++] = *g;
  }
  d->n = keep;
}

/* Re-extract and lint the prompt's agent; register it when clean. */
static void rp_update_agent(rp_Shell *sh) {
  size_t n1 = sh->desc_src ? strlen(sh->desc_src) : 0, n2 = sh->run_src ? strlen(sh->run_src) : 0;
  char *src = rp_malloc(n1 + n2 + 2);
  if (!src) return;
  snprintf(src, n1 + n2 + 2, "%s%s%s", sh->desc_src ? sh->desc_src : "", n1 ? "\n" : "",
           sh->run_src ? sh->run_src : "");
  ag_Agent *a = ag_agent_from_env(sh->rt, sh->env, src, strlen(src), "<repl>");
  rp_filter_diags(sh, &a->diags);
  rp_shell_print_diags(sh, &a->diags, src);
  free(src);
  if (!ag_agent_ok(a)) {
    ag_agent_free(a);
    return;
  }
  ag_Agent *file = ag_registry_find(sh->rt, a->name);
  bool shadows = file && strcmp(file->path, "<repl>") != 0;
  char params[512];
  rp_param_summary(a, params, sizeof params);
  rp_shell_printf_color(sh, RP_CYAN, "agent %s defined", a->name);
  printf(": %s", *params ? params : "no parameters");
  if (shadows) printf(" (shadows %s until :reload)", file->path);
  printf("\n");
  ag_registry_put(sh->rt, a);
}

/* ========================================================================
** Evaluation
** ======================================================================== */

/* Shift *1 -> *2 -> *3 and store the new result. */
static void rp_remember(rp_Shell *sh, lispy_Value v) {
  lispy_Value a, b;
  int ref = lispy_ref(sh->L, v);
  if (lispy_env_get(sh->L, sh->env, "*2", &b)) lispy_env_set(sh->L, sh->env, "*3", b);
  if (lispy_env_get(sh->L, sh->env, "*1", &a)) lispy_env_set(sh->L, sh->env, "*2", a);
  lispy_env_set(sh->L, sh->env, "*1", lispy_deref(sh->L, ref));
  lispy_unref(sh->L, ref);
}

void rp_shell_eval_text(rp_Shell *sh, const char *text, const char *name) {
  size_t len = strlen(text);
  int defines = rp_defines(sh, text, len);
  lispy_Value v;
  rp_evaluating = 1;
  int rc = lispy_eval_string(sh->L, sh->env, text, len, name, &v);
  rp_evaluating = 0;
  if (rp_sigint && sh->tty) printf("\n"); /* after the echoed ^C */
  rp_sigint = 0;
  if (rc != LISPY_OK) {
    rp_shell_print_error(sh, text);
    return;
  }
  rp_shell_print_value(sh, v);
  rp_remember(sh, v);
  if (defines & 1) rp_set_src(&sh->desc_src, text);
  if (defines & 2) rp_set_src(&sh->run_src, text);
  if (defines) rp_update_agent(sh);
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

static void rp_pending_clear(rp_Shell *sh) {
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

static bool rp_blank(const char *s) { return s[strspn(s, " \t\r\n")] == '\0'; }

/* One line of input: a :command, or part of LisPy forms. */
static void rp_shell_input(rp_Shell *sh, const char *line) {
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
  else rp_shell_eval_text(sh, sh->pending, "<repl>");
  rp_pending_clear(sh);
  fflush(stdout);
}

/* ========================================================================
** Tab completion (the engine is in completions/)
** ======================================================================== */

/* The Tab-completion state, all of it here: rp_last holds the candidates
** of the most recent Tab (freed and refilled by each one), so that
** rp_matches can hand libedit copies and rp_list_candidates can show them
** with their help; rp_complete keeps the line and cursor of that Tab in two
** statics, to tell a second Tab on the same text (list) from a new one. */
static cp_Result rp_last; /* the candidates of the last Tab, for listing */

/* libedit completes the word it sees (text starts at byte `start` of the
** line); the engine may see a different word start: adjust candidates to
** libedit's word. */
static char *rp_adjust(const char *line, size_t cp_start, size_t rl_start, const char *cand) {
  if (cp_start == rl_start) return rp_strdup(cand);
  if (cp_start < rl_start) {
    size_t skip = rl_start - cp_start;
    return rp_strdup(strlen(cand) >= skip ? cand + skip : "");
  }
  size_t extra = cp_start - rl_start, n = strlen(cand);
  char *s = rp_malloc(extra + n + 1);
  if (!s) return NULL;
  memcpy(s, line + rl_start, extra);
  memcpy(s + extra, cand, n + 1);
  return s;
}

static const char *rp_prompt(rp_Shell *sh);

/* Display columns of UTF-8 text (code points; enough for a cursor move). */
static int rp_columns(const char *s) {
  int n = 0;
  for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
  return n;
}

/* The candidates with their help (types, "builtin", ...) in columns, then
** the prompt and line drawn again below with the cursor where it was:
** libedit keeps editing as if nothing had moved. */
static void rp_list_candidates(rp_Shell *sh, const cp_Result *r) {
  printf("\n");
  for (size_t i = 0; i < r->n; i++) {
    printf("  %-28s", r->items[i].text);
    if (r->items[i].help) rp_shell_printf_color(sh, RP_DIM, " %s", r->items[i].help);
    printf("\n");
    if (i == 199 && r->n > 200) {
      printf("  ... and %zu more\n", r->n - 200);
      break;
    }
  }
  printf("%s%s", rp_prompt(sh), rl_line_buffer);
  int back = rp_columns(rl_line_buffer + rl_point);
  if (back > 0) printf("\033[%dD", back);
  fflush(stdout);
}

/* Length of the longest common prefix of n (>= 1) strings. */
static size_t rp_common_len(const char *const *s, size_t n) {
  size_t common = strlen(s[0]);
  for (size_t i = 1; i < n; i++) {
    size_t k = 0;
    while (k < common && s[i][k] == s[0][k]) k++;
    common = k;
  }
  return common;
}

/* Free a list of rp_matches whose slot 0 is still empty. */
static void rp_matches_free(char **m) {
  for (size_t i = 1; m[i]; i++) free(m[i]);
  free(m);
}

/* The list libedit takes: slot 0 left for the common prefix, then the
** candidates of rp_last adjusted to libedit's word (which starts at byte
** start), then NULL. NULL, all freed, when memory runs out. */
static char **rp_matches(size_t start) {
  char **m = rp_calloc(rp_last.n + 2, sizeof *m);
  for (size_t i = 0; m && i < rp_last.n; i++)
    if (!(m[i + 1] = rp_adjust(rl_line_buffer, rp_last.start, start, rp_last.items[i].text))) {
      rp_matches_free(m);
      return NULL;
    }
  return m;
}

/* libedit's completion hook. Asks the engine for the candidates at the
** cursor (the whole line, not libedit's word: the engine knows LisPy's
** words, paths and meta-commands) and either returns them for libedit to
** insert the common prefix, or, when there is nothing to insert or on a
** second Tab at the same place, lists them with their help and returns
** NULL. last_line/last_end remember the previous Tab for that test. */
static char **rp_complete(const char *text, int start, int end) {
  rp_Shell *sh = rp_sh;
  static char last_line[1024];
  static int last_end = -1;
  (void)text;
  rl_attempted_completion_over = 1; /* never fall back to file names */
  cp_result_free(&rp_last);
  size_t cursor = (size_t)end;
  cp_complete(sh->cp, rl_line_buffer, cursor, &rp_last);
  if (rp_last.n == 0) return NULL;
  /* A second Tab on the same text lists the candidates with their help;
  ** libedit's own listing would show the names only. */
  bool again = end == last_end && strncmp(last_line, rl_line_buffer, sizeof last_line - 1) == 0;
  snprintf(last_line, sizeof last_line, "%s", rl_line_buffer);
  last_end = end;
  char **m = rp_matches((size_t)start);
  if (!m) return NULL;
  size_t common = rp_common_len((const char *const *)m + 1, rp_last.n);
  /* Nothing more to insert: list right away (also on a second Tab). */
  if (rp_last.n > 1 && (again || common <= (size_t)(end - start))) {
    rp_matches_free(m);
    rp_list_candidates(sh, &rp_last);
    return NULL;
  }
  if (!(m[0] = rp_strndup(m[1], common))) {
    rp_matches_free(m);
    return NULL;
  }
  const char *last = rp_last.items[0].text;
  rl_completion_append_character =
      rp_last.n == 1 && last[strlen(last) - 1] != '=' && last[strlen(last) - 1] != '/' ? ' ' : '\0';
  return m;
}

/* ========================================================================
** History and signals
** ======================================================================== */

static void rp_history_open(rp_Shell *sh) {
  const char *path = getenv("LISPY_HISTORY");
  const char *home = getenv("HOME");
  if (path && *path) snprintf(sh->history, sizeof sh->history, "%s", path);
  else if (home && *home) snprintf(sh->history, sizeof sh->history, "%s/.lispy_history", home);
  using_history();
  stifle_history(RP_HISTORY_MAX);
  if (!sh->history[0]) return;
  int fd = open(sh->history, O_CREAT | O_RDONLY, 0600); /* private from the start */
  if (fd >= 0) close(fd);
  read_history(sh->history);
}

static void rp_history_close(rp_Shell *sh) {
  if (!sh->history[0]) return;
  write_history(sh->history);
  history_truncate_file(sh->history, RP_HISTORY_MAX);
  chmod(sh->history, 0600);
}

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

/* ========================================================================
** The loops
** ======================================================================== */

static const char *rp_prompt(rp_Shell *sh) {
  if (sh->pending) return sh->color ? "\001\033[2m\002  ...  \001\033[0m\002" : "  ...  ";
  return sh->color ? "\001\033[1;34m\002lispy>\001\033[0m\002 " : "lispy> ";
}

static void rp_on_line(char *line) {
  rp_Shell *sh = rp_sh;
  if (!line) { /* Ctrl-D */
    sh->quit = true;
    printf("\n");
    return;
  }
  if (!rp_blank(line)) add_history(line);
  rl_callback_handler_remove();
  rp_shell_input(sh, line);
  free(line);
  if (!sh->quit) rl_callback_handler_install(rp_prompt(sh), rp_on_line);
}

/* Ctrl-C at the prompt: drop the line and any unfinished form. */
static void rp_cancel_line(rp_Shell *sh) {
  rp_sigint = 0;
  rp_pending_clear(sh);
  rl_replace_line("", 0);
  printf("\n");
  rl_callback_handler_remove();
  rl_callback_handler_install(rp_prompt(sh), rp_on_line);
}

/* libedit edits multibyte text only under a UTF-8 locale: take the
** user's, and fall back to C.UTF-8 when theirs is plain ASCII. */
static void rp_utf8_locale(void) {
  setlocale(LC_CTYPE, "");
  if (!strstr(nl_langinfo(CODESET), "UTF-8")) setlocale(LC_CTYPE, "C.UTF-8");
}

static void rp_loop_tty(rp_Shell *sh) {
  rl_readline_name = "lispy";
  rl_catch_signals = 0;
  rl_attempted_completion_function = rp_complete;
  rl_basic_word_break_characters = " \t\n\"'`()[]{},;";
  rl_completer_word_break_characters = (char *)" \t\n\"'`()[]{},;";
  rl_callback_handler_install(rp_prompt(sh), rp_on_line);
  while (!sh->quit) {
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    int r = poll(&p, 1, -1);
    if (r < 0 && errno == EINTR) {
      if (rp_sigint) rp_cancel_line(sh);
      continue;
    }
    if (r < 0) break;
    rl_callback_read_char();
  }
  rl_callback_handler_remove();
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
    printf("error: input ended inside an unfinished form\n");
    rp_pending_clear(sh);
  }
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
  sh.rt = rp_runtime(o);
  if (!sh.rt) return 1;
  sh.L = ag_runtime_lispy(sh.rt);
  sh.env = lispy_env_new(sh.L, "repl");
  sh.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  const char *nc = getenv("NO_COLOR");
  sh.color = sh.tty && !(nc && *nc);
  rp_add_dirs(sh.rt, o);
  ag_ScanReport r;
  ag_registry_scan(sh.rt, &r);
  sh.cp = cp_engine_new(sh.rt, rp_meta_names, rp_meta_count);
  cp_engine_set_env(sh.cp, sh.env); /* names defined at the prompt complete */
  rp_sh = &sh;
  rp_install_sigint();
  if (sh.tty) rp_banner(&sh, &r);
  ag_scan_report_free(&r);
  if (sh.tty) {
    rp_utf8_locale(); /* before libedit initializes */
    rp_history_open(&sh);
    rp_loop_tty(&sh);
    rp_history_close(&sh);
  } else {
    rp_loop_pipe(&sh);
  }
  cp_result_free(&rp_last);
  cp_engine_free(sh.cp);
  rp_pending_clear(&sh);
  free(sh.desc_src);
  free(sh.run_src);
  rp_sh = NULL;
  ag_runtime_free(sh.rt);
  return 0;
}
