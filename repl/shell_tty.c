/*
** shell_tty.c -- the shell on a terminal: the prompt loop (the line
** editor is shell_line.c), Tab completion, the history (libedit's list and
** file), Ctrl-R, Ctrl-C and the folder watcher.
*/
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include "shell.h"

#define RP_HISTORY_MAX 1000

static rp_Line rp_line; /* the line being edited */

/* The bytes of the last read from the terminal, taken one key at a time:
** a key that reads more itself (Ctrl-R's search) takes the rest of the
** batch first, so nothing typed with it is lost. */
static unsigned char rp_in[256];
static size_t rp_in_len, rp_in_at;

/* The continuation prompt: inside an unfinished form, and after a line
** break in a recalled multi-line entry. */
static const char *rp_more_prompt(rp_Shell *sh) {
  return sh->color ? "\001\033[2m\002  ...  \001\033[0m\002" : "  ...  ";
}

/* "lispy> ", "lispy[NAME]> " inside :in NAME, or the continuation prompt. */
static const char *rp_prompt(rp_Shell *sh) {
  static char buf[200];
  if (sh->pending) return rp_more_prompt(sh);
  if (!sh->in_agent[0]) return sh->color ? "\001\033[1;34m\002lispy>\001\033[0m\002 " : "lispy> ";
  snprintf(buf, sizeof buf,
           sh->color ? "\001\033[1;34m\002lispy[%s]>\001\033[0m\002 " : "lispy[%s]> ",
           sh->in_agent);
  return buf;
}

/* A new line to edit, after the prompt for what comes next. */
static void rp_line_new(rp_Shell *sh) {
  rp_line_begin(&rp_line, rp_prompt(sh), rp_more_prompt(sh));
}

/* ========================================================================
** The terminal: raw while a line is edited, as it was while input runs
** ======================================================================== */

static struct termios rp_cooked;
static bool rp_is_raw;

static void rp_raw(bool on) {
  if (on == rp_is_raw) return;
  if (on) {
    struct termios t;
    if (tcgetattr(STDIN_FILENO, &rp_cooked) != 0) return;
    t = rp_cooked;
    t.c_lflag &= (tcflag_t) ~(ICANON | ECHO | IEXTEN); /* ISIG stays: Ctrl-C is SIGINT */
    t.c_iflag &= (tcflag_t) ~(ICRNL | IXON);
    t.c_cc[VMIN] = 1;
    t.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSADRAIN, &t);
  } else {
    tcsetattr(STDIN_FILENO, TCSADRAIN, &rp_cooked);
  }
  rp_is_raw = on;
}

/* ========================================================================
** Tab completion (the engine is in completions/)
** ======================================================================== */

/* The candidates with their help (types, signatures...) in columns below
** the line, which is drawn again under them. */
static void rp_list_candidates(rp_Shell *sh, const cp_Result *r) {
  size_t keep = rp_line.pos;
  rp_line.pos = rp_line.len;
  rp_line_refresh(&rp_line); /* cursor at the end, to print below the text */
  printf("\r\n");
  for (size_t i = 0; i < r->n; i++) {
    printf("  %-28s", r->items[i].text);
    if (r->items[i].help) rp_shell_printf_color(sh, RP_DIM, " %s", r->items[i].help);
    printf("\r\n");
    if (i == 199 && r->n > 200) {
      printf("  ... and %zu more\r\n", r->n - 200);
      break;
    }
  }
  rp_line.pos = keep;
  rp_line.crow = 0;
  rp_line_show(&rp_line);
}

/* Length of the longest common prefix of the candidates' texts. */
static size_t rp_common_len(const cp_Result *r) {
  size_t common = strlen(r->items[0].text);
  for (size_t i = 1; i < r->n; i++) {
    size_t k = 0;
    while (k < common && r->items[i].text[k] == r->items[0].text[k]) k++;
    common = k;
  }
  return common;
}

/* Tab: the engine's candidates for the word before the cursor. Their
** common prefix replaces the word when it is longer (a single candidate
** gets a space after it, unless it ends in '=' or '/'); otherwise, or on a
** second Tab at the same place, they are listed with their help. */
static void rp_complete(rp_Shell *sh) {
  static char *last_line;
  static size_t last_pos = (size_t)-1;
  cp_Result r = {0};
  cp_complete(sh->cp, rp_line.buf, rp_line.pos, &r);
  bool again = last_line && rp_line.pos == last_pos && strcmp(last_line, rp_line.buf) == 0;
  free(last_line);
  last_line = rp_strdup(rp_line.buf);
  last_pos = rp_line.pos;
  if (r.n == 0 || r.start > rp_line.pos) {
    cp_result_free(&r);
    return;
  }
  size_t common = rp_common_len(&r), word = rp_line.pos - r.start;
  if (r.n > 1 && (again || common <= word)) {
    rp_list_candidates(sh, &r);
  } else {
    const char *c = r.items[0].text;
    rp_line_splice(&rp_line, r.start, rp_line.pos, c, common);
    if (r.n == 1 && common > 0 && c[common - 1] != '=' && c[common - 1] != '/')
      rp_line_splice(&rp_line, rp_line.pos, rp_line.pos, " ", 1);
    rp_line_refresh(&rp_line);
    free(last_line); /* a change: the next Tab is a new one */
    last_line = rp_strdup(rp_line.buf);
    last_pos = rp_line.pos;
  }
  cp_result_free(&r);
}

/* ========================================================================
** Ctrl-R: a search of the history entries
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
  rp_line_hide(&rp_line);
  printf("(history search)`%s': %s", q, h && h->line ? h->line : "");
  fflush(stdout);
}

/* One byte from the terminal; -1 on Ctrl-C (SIGINT) or end of input. */
static int rp_search_key(void) {
  if (rp_in_at < rp_in_len) return rp_in[rp_in_at++]; /* typed with the Ctrl-R */
  unsigned char c;
  for (;;) {
    ssize_t n = read(STDIN_FILENO, &c, 1);
    if (n == 1) return c;
    if (n < 0 && errno == EINTR && !rp_sigint) continue;
    return -1;
  }
}

/* Typing narrows, Ctrl-R goes to an older match, Backspace widens; Enter
** or any other control key takes the match into the line to edit; Ctrl-C
** and Ctrl-G cancel and leave an empty line. */
static void rp_history_search(void) {
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
      rp_line_set(&rp_line, h && h->line ? h->line : "");
      break;
    }
    rp_search_draw(q, found);
  }
  if (c < 0 || c == 7) { /* cancelled: nothing runs, nothing is kept */
    rp_sigint = 0;
    rp_line_set(&rp_line, "");
  }
  printf("\r\033[K");
  rp_line.crow = 0;
  rp_line_show(&rp_line);
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
** Up and Down: the history, the new line kept aside
** ======================================================================== */

static int rp_hist_at = -1; /* entry shown (index from the oldest), -1: the new line */
static char *rp_hist_new;   /* the new line while an entry is shown */

static void rp_history_move(int dir) {
  int at = rp_hist_at < 0 ? history_length : rp_hist_at;
  int to = at + dir;
  if (to < 0 || to > history_length) return;
  if (rp_hist_at < 0) {
    free(rp_hist_new);
    rp_hist_new = rp_strdup(rp_line.buf);
  }
  HIST_ENTRY *h = to < history_length ? history_get(history_base + to) : NULL;
  rp_line_set(&rp_line, h && h->line ? h->line : rp_hist_new ? rp_hist_new : "");
  rp_hist_at = to < history_length ? to : -1;
  rp_line_refresh(&rp_line);
}

/* ========================================================================
** The loop
** ======================================================================== */

/* Enter: the line goes to the shell (cooked terminal while it runs); a
** form typed over several lines is one history entry, added when it is
** complete, so Up recalls it whole and Enter runs it as one form. */
static void rp_on_line(rp_Shell *sh) {
  rp_line.pos = rp_line.len;
  rp_line_refresh(&rp_line);
  printf("\r\n");
  fflush(stdout);
  char *line = rp_strdup(rp_line.buf);
  if (!line) return rp_line_new(sh);
  char *whole = NULL;
  if (sh->pending) {
    size_t n = strlen(sh->pending) + strlen(line) + 1;
    if ((whole = rp_malloc(n)))
      snprintf(whole, n, "%s%s", sh->pending, line); /* it ends in a newline */
  }
  rp_raw(false);
  rp_shell_input(sh, line);
  rp_raw(true);
  const char *entry = whole ? whole : line;
  if (!sh->pending && !rp_blank(entry)) {
    add_history(entry);
    rp_history_save(sh);
  }
  free(whole);
  free(line);
  rp_hist_at = -1;
  if (!sh->quit) rp_line_new(sh);
}

/* Ctrl-D on an empty line: inside a form, drop it and stay; else quit. */
static void rp_on_eof(rp_Shell *sh) {
  if (!sh->pending) {
    sh->quit = true;
    printf("\r\n");
    return;
  }
  size_t lines = 0;
  for (const char *p = sh->pending; *p; p++) lines += *p == '\n';
  rp_pending_clear(sh);
  printf("\r\nunfinished form dropped (%zu line%s; Ctrl-D at an empty prompt quits)\r\n", lines,
         lines == 1 ? "" : "s");
  rp_line_new(sh);
}

/* Ctrl-C at the prompt: drop the line and any unfinished form. */
static void rp_cancel_line(rp_Shell *sh) {
  rp_sigint = 0;
  rp_pending_clear(sh);
  rp_line.pos = rp_line.len;
  rp_line_refresh(&rp_line);
  printf("\r\n");
  rp_hist_at = -1;
  rp_line_new(sh);
}

/* The folders changed on disk: wait a moment for the editor to finish
** writing, take every event, re-scan, and report above the line being
** edited, which is drawn again below. */
static void rp_on_watch(rp_Shell *sh, int fd) {
  bool relevant = ag_registry_watch_drain(fd);
  usleep(RP_WATCH_SETTLE_MS * 1000);
  relevant |= ag_registry_watch_drain(fd);
  if (!relevant) return;
  rp_line_hide(&rp_line);
  rp_raw(false);
  rp_shell_rescan(sh);
  fflush(stdout);
  rp_raw(true);
  rp_line_show(&rp_line);
}

static void rp_on_key(rp_Shell *sh, unsigned char c) {
  switch (rp_line_feed(&rp_line, c)) {
    case RP_KEY_ENTER: rp_on_line(sh); break;
    case RP_KEY_EOF: rp_on_eof(sh); break;
    case RP_KEY_TAB: rp_complete(sh); break;
    case RP_KEY_SEARCH: rp_history_search(); break;
    case RP_KEY_UP: rp_history_move(-1); break;
    case RP_KEY_DOWN: rp_history_move(+1); break;
    default: break;
  }
}

/* The shell's text is UTF-8 (the editor decodes it with utf8proc, not
** the locale): take the user's locale, falling back to C.UTF-8 when theirs
** is plain ASCII, for libedit's history file and the C library. */
static void rp_utf8_locale(void) {
  setlocale(LC_CTYPE, "");
  if (!strstr(nl_langinfo(CODESET), "UTF-8")) setlocale(LC_CTYPE, "C.UTF-8");
}

static void rp_loop_tty(rp_Shell *sh) {
  int watch = ag_registry_watch_open(sh->rt); /* -1: no hot reload, the rest works */
  rp_raw(true);
  rp_line_new(sh);
  while (!sh->quit) {
    struct pollfd p[2] = {{STDIN_FILENO, POLLIN, 0}, {watch, POLLIN, 0}};
    int r = poll(p, watch >= 0 ? 2 : 1, -1);
    if (r < 0 && errno == EINTR) {
      if (rp_sigint) rp_cancel_line(sh);
      continue;
    }
    if (r < 0) break;
    if (watch >= 0 && (p[1].revents & POLLIN)) rp_on_watch(sh, watch);
    if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
    ssize_t n = read(STDIN_FILENO, rp_in, sizeof rp_in);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      sh->quit = true; /* the terminal went away */
      break;
    }
    rp_in_len = (size_t)n;
    for (rp_in_at = 0; rp_in_at < rp_in_len && !sh->quit;) rp_on_key(sh, rp_in[rp_in_at++]);
    if (!sh->quit) rp_line_flush(&rp_line);
  }
  rp_raw(false);
  if (watch >= 0) close(watch);
}

/* The shell on a terminal, until :quit or Ctrl-D. */
void rp_tty_run(rp_Shell *sh) {
  rp_utf8_locale();
  rp_history_open(sh);
  rp_loop_tty(sh);
  rp_line_free(&rp_line);
  free(rp_hist_new);
  rp_hist_new = NULL;
}
