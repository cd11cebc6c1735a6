/*
** shell_tty.c -- the shell on a terminal: line editing (libedit), Tab
** completion, history and Ctrl-C at the prompt.
*/
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include "shell.h"

#define RP_HISTORY_MAX 1000

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
static void rp_redraw_line(rp_Shell *sh);

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
  rp_redraw_line(sh);
}

/* The prompt and the line being edited drawn again (after text printed
** above them), the cursor where it was. */
static void rp_redraw_line(rp_Shell *sh) {
  printf("%s%s", rp_prompt(sh), rl_line_buffer);
  int back = rp_columns(rl_line_buffer + rl_point);
  if (back > 0) printf("\033[%dD", back);
  fflush(stdout);
}

/* The folders changed on disk: wait a moment for the editor to finish
** writing, take every event, re-scan, and report above the prompt. */
static void rp_on_watch(rp_Shell *sh, int fd) {
  bool relevant = ag_registry_watch_drain(fd);
  usleep(RP_WATCH_SETTLE_MS * 1000);
  relevant |= ag_registry_watch_drain(fd);
  if (!relevant) return;
  printf("\r\033[K");
  rp_shell_rescan(sh);
  rp_redraw_line(sh);
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
** Ctrl-R: a history search of our own. libedit's keeps its search state
** when Ctrl-C interrupts it, and its "bck:" text then enters the line and
** runs (issue 11); this one is a small loop over the history entries.
** ======================================================================== */

/* The newest history entry older than index `before` that contains q,
** or -1. Indexes count from the oldest entry, 0-based. */
static int rp_search_from(const char *q, int before) {
  for (int i = before - 1; i >= 0; i--) {
    HIST_ENTRY *h = history_get(history_base + i);
    if (h && h->line && strstr(h->line, q)) return i;
  }
  return -1;
}

static void rp_search_draw(const char *q, int found) {
  HIST_ENTRY *h = found >= 0 ? history_get(history_base + found) : NULL;
  printf("\r\033[K(history search)`%s': %s", q, h && h->line ? h->line : "");
  fflush(stdout);
}

/* One byte from the terminal; -1 on Ctrl-C (SIGINT) or end of input. */
static int rp_search_key(void) {
  unsigned char c;
  for (;;) {
    ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n == 1) return c;
    if (n < 0 && errno == EINTR && !rp_sigint) continue;
    return -1;
  }
}

/* Bound to Ctrl-R. Typing narrows, Ctrl-R goes to an older match,
** Backspace widens; Enter or any other control key takes the match into
** the line to edit; Ctrl-C and Ctrl-G cancel and leave an empty line. */
static int rp_history_search(int count, int key) {
  (void)count, (void)key;
  char q[256] = "";
  size_t qn = 0;
  int found = rp_search_from(q, history_length), c;
  rp_search_draw(q, found);
  while ((c = rp_search_key()) >= 0 && c != 7) {
    if (c == 18) {
      int older = rp_search_from(q, found >= 0 ? found : history_length);
      if (older >= 0) found = older;
    } else if (c == 127 || c == 8) {
      while (qn > 0 && ((unsigned char)q[--qn] & 0xC0) == 0x80) {} /* a whole code point */
      q[qn] = '\0';
      found = rp_search_from(q, history_length);
    } else if (c >= 32) {
      if (qn + 1 < sizeof q) q[qn++] = (char)c, q[qn] = '\0';
      found = rp_search_from(q, history_length);
    } else {
      HIST_ENTRY *h = found >= 0 ? history_get(history_base + found) : NULL;
      rl_replace_line(h && h->line ? h->line : "", 0);
      rl_point = rl_end;
      break;
    }
    rp_search_draw(q, found);
  }
  if (c < 0 || c == 7) { /* cancelled: nothing runs, nothing is kept */
    rp_sigint = 0;
    rl_replace_line("", 0);
    rl_point = 0;
  }
  printf("\r\033[K");
  rl_forced_update_display();
  return 0;
}

/* ========================================================================
** History
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

/* The history file rewritten from memory (at most RP_HISTORY_MAX entries,
** mode 0600): after every input, so a shell that is killed keeps it. */
static void rp_history_save(rp_Shell *sh) {
  if (!sh->history[0]) return;
  write_history(sh->history);
  chmod(sh->history, 0600);
}

/* ========================================================================
** The loops
** ======================================================================== */

/* "lispy> ", "lispy[NAME]> " inside :in NAME, or the continuation prompt. */
static const char *rp_prompt(rp_Shell *sh) {
  static char buf[200];
  if (sh->pending) return sh->color ? "\001\033[2m\002  ...  \001\033[0m\002" : "  ...  ";
  if (!sh->in_agent[0]) return sh->color ? "\001\033[1;34m\002lispy>\001\033[0m\002 " : "lispy> ";
  snprintf(buf, sizeof buf,
           sh->color ? "\001\033[1;34m\002lispy[%s]>\001\033[0m\002 " : "lispy[%s]> ",
           sh->in_agent);
  return buf;
}

static void rp_on_line(char *line) {
  rp_Shell *sh = rp_sh;
  if (!line && sh->pending) { /* Ctrl-D inside a form: drop it, stay */
    size_t lines = 0;
    for (const char *p = sh->pending; *p; p++) lines += *p == '\n';
    rp_pending_clear(sh);
    printf("\nunfinished form dropped (%zu line%s; Ctrl-D at an empty prompt quits)\n", lines,
           lines == 1 ? "" : "s");
    rl_callback_handler_remove();
    rl_callback_handler_install(rp_prompt(sh), rp_on_line);
    return;
  }
  if (!line) { /* Ctrl-D */
    sh->quit = true;
    printf("\n");
    return;
  }
  /* A form typed over several lines is one history entry, added when it
  ** is complete: Up recalls it whole and Enter runs it as one form. */
  char *whole = NULL;
  if (sh->pending) {
    size_t n = strlen(sh->pending) + strlen(line) + 2;
    if ((whole = rp_malloc(n)))
      snprintf(whole, n, "%s%s", sh->pending, line); /* it ends in a newline */
  }
  rl_callback_handler_remove();
  rp_shell_input(sh, line);
  const char *entry = whole ? whole : line;
  if (!sh->pending && !rp_blank(entry)) {
    add_history(entry);
    rp_history_save(sh);
  }
  free(whole);
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
  rl_add_defun("lispy-history-search", rp_history_search, 18); /* Ctrl-R */
  int watch = ag_registry_watch_open(sh->rt); /* -1: no hot reload, the rest works */
  while (!sh->quit) {
    struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {watch, POLLIN, 0}};
    int r = poll(p, watch >= 0 ? 2 : 1, -1);
    if (r < 0 && errno == EINTR) {
      if (rp_sigint) rp_cancel_line(sh);
      continue;
    }
    if (r < 0) break;
    if (watch >= 0 && (p[1].revents & POLLIN)) rp_on_watch(sh, watch);
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) rl_callback_read_char();
  }
  if (watch >= 0) close(watch);
  rl_callback_handler_remove();
}


/* The shell on a terminal, until :quit or Ctrl-D. */
void rp_tty_run(rp_Shell *sh) {
  rp_utf8_locale(); /* before libedit initializes */
  rp_history_open(sh);
  rp_loop_tty(sh);
  cp_result_free(&rp_last);
}
