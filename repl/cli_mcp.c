/*
** cli_mcp.c -- `lispy mcp`: the agent folders served to LLM clients over
** the Model Context Protocol, JSON-RPC 2.0 on stdin/stdout, one message
** per line. The messages are agents/ag_mcp.c's; this file is the stdio
** transport.
**
** Three threads. The reader reads lines (capped, a trailing \r tolerated)
** and triages them without touching the runtime: a ping is answered at
** once, a cancellation interrupts the call it names (lispy_interrupt is
** safe from any thread) or drops it from the queue, everything else is
** queued. The main thread owns the runtime: it runs the queued messages
** in order and, between them, re-scans the folders when inotify says an
** agent file changed, sending notifications/tools/list_changed. So the
** server answers pings and takes cancellations while a call runs, and a
** runaway agent never stalls it (its limits still end it). The ticker
** sends notifications/progress while a call whose client passed a
** progressToken runs past half a second. Nothing but
** protocol messages goes to stdout: agents' output goes to stderr.
*/
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* ========================================================================
** Shared between the threads (all under rp_mcp.lock)
** ======================================================================== */

static struct {
  pthread_mutex_t lock;
  pthread_mutex_t out; /* one message at a time on stdout */
  char **queue;        /* lines for the main thread, oldest first */
  size_t head, n, cap;
  bool eof;       /* stdin ended: finish the queue, then stop */
  char *running;  /* the id (compact JSON) of the request running, or NULL */
  char *progress; /* ... its progressToken (compact JSON), or NULL */
  double started; /* ... when it started (rp_mcp_now) */
  bool stop;      /* the ticker ends */
  bool cancelled; /* ... and the client cancelled it: no answer */
  char **dropped; /* ids cancelled before they ran */
  size_t ndropped;
  int wake[2]; /* a byte per queued line (and at end of input) */
  lispy_State *L;
} rp_mcp = {.lock = PTHREAD_MUTEX_INITIALIZER, .out = PTHREAD_MUTEX_INITIALIZER};

/* An agent's display/print output: stderr, never the protocol's stdout. */
static void rp_mcp_output(void *ud, const char *s, size_t len) {
  (void)ud;
  fwrite(s, 1, len, stderr);
}

/* Send one message: the line and a newline, flushed, whole. */
static void rp_mcp_send(const char *line) {
  pthread_mutex_lock(&rp_mcp.out);
  fputs(line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
  pthread_mutex_unlock(&rp_mcp.out);
}

static void rp_mcp_wake(void) {
  char b = 1;
  if (write(rp_mcp.wake[1], &b, 1) < 0) perror("lispy mcp: wake");
}

/* ========================================================================
** The reader thread
** ======================================================================== */

/* The next line of stdin into *buf (grown as needed, without its newline
** or a \r before it). Returns its length; -1 at end of input; -2 for a
** line longer than AG_MCP_MAX_MESSAGE_BYTES, which is read to its end and
** dropped. */
static long rp_mcp_read_line(char **buf, size_t *cap) {
  size_t len = 0;
  bool over = false;
  int c;
  while ((c = getchar()) != EOF && c != '\n') {
    if (over) continue;
    if (len + 1 >= *cap) {
      size_t ncap = *cap ? *cap * 2 : 4096;
      char *p = rp_realloc(*buf, ncap);
      if (!p) return -1;
      *buf = p;
      *cap = ncap;
    }
    (*buf)[len++] = (char)c;
    if (len > AG_MCP_MAX_MESSAGE_BYTES) over = true;
  }
  if (c == EOF && len == 0 && !over) return -1;
  if (over) return -2;
  if (len > 0 && (*buf)[len - 1] == '\r') len--;
  (*buf)[len] = '\0';
  return (long)len;
}

static void rp_mcp_enqueue(char *line) {
  pthread_mutex_lock(&rp_mcp.lock);
  if (rp_mcp.head + rp_mcp.n == rp_mcp.cap) { /* full at the end: slide down, or grow */
    if (rp_mcp.head > 0)
      memmove(rp_mcp.queue, rp_mcp.queue + rp_mcp.head, rp_mcp.n * sizeof *rp_mcp.queue);
    rp_mcp.head = 0;
    if (rp_mcp.n == rp_mcp.cap) {
      size_t cap = rp_mcp.cap ? rp_mcp.cap * 2 : 16;
      char **q = rp_realloc(rp_mcp.queue, cap * sizeof *q);
      if (!q) {
        pthread_mutex_unlock(&rp_mcp.lock);
        free(line);
        return;
      }
      rp_mcp.queue = q;
      rp_mcp.cap = cap;
    }
  }
  rp_mcp.queue[rp_mcp.head + rp_mcp.n++] = line;
  pthread_mutex_unlock(&rp_mcp.lock);
  rp_mcp_wake();
}

/* notifications/cancelled for id: interrupt it if it runs, else make sure
** it never does. */
static void rp_mcp_cancel(char *id) {
  pthread_mutex_lock(&rp_mcp.lock);
  if (rp_mcp.running && strcmp(rp_mcp.running, id) == 0) {
    rp_mcp.cancelled = true;
    lispy_interrupt(rp_mcp.L);
    free(id);
  } else {
    char **d = rp_realloc(rp_mcp.dropped, (rp_mcp.ndropped + 1) * sizeof *d);
    if (d) rp_mcp.dropped = d, rp_mcp.dropped[rp_mcp.ndropped++] = id;
    else free(id);
  }
  pthread_mutex_unlock(&rp_mcp.lock);
}

static void *rp_mcp_reader(void *unused) {
  (void)unused;
  char *buf = NULL;
  size_t cap = 0;
  for (long n; (n = rp_mcp_read_line(&buf, &cap)) != -1;) {
    if (n == -2) { /* stands for the dropped line: the main thread refuses it */
      rp_mcp_enqueue(NULL);
      continue;
    }
    if (buf[strspn(buf, " \t")] == '\0') continue; /* blank lines between messages */
    char *out;
    int what = ag_mcp_triage(buf, (size_t)n, &out);
    if (what == AG_MCP_PING) rp_mcp_send(out), free(out);
    else if (what == AG_MCP_CANCEL) rp_mcp_cancel(out);
    else if (what == AG_MCP_QUEUE) rp_mcp_enqueue(rp_strdup(buf));
  }
  free(buf);
  pthread_mutex_lock(&rp_mcp.lock);
  rp_mcp.eof = true;
  pthread_mutex_unlock(&rp_mcp.lock);
  rp_mcp_wake();
  return NULL;
}

/* ========================================================================
** The ticker thread: progress of a long call whose client asked for it
** ======================================================================== */

/* Every RP_MCP_PROGRESS_MS while a call that carries a progressToken
** runs: notifications/progress with the seconds it has run (the total is
** unknown: an agent's work is not counted ahead). */
#define RP_MCP_PROGRESS_MS 500

/* Monotonic milliseconds. */
static double rp_mcp_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void *rp_mcp_ticker(void *unused) {
  (void)unused;
  for (;;) {
    usleep(RP_MCP_PROGRESS_MS * 1000);
    pthread_mutex_lock(&rp_mcp.lock);
    if (rp_mcp.stop) {
      pthread_mutex_unlock(&rp_mcp.lock);
      return NULL;
    }
    double ran = rp_mcp.progress ? (rp_mcp_now() - rp_mcp.started) / 1000.0 : 0;
    char *note = NULL;
    if (rp_mcp.progress && ran * 1000 >= RP_MCP_PROGRESS_MS) {
      char msg[64];
      snprintf(msg, sizeof msg, "running for %.1f s", ran);
      note = ag_mcp_progress(rp_mcp.progress, ran, msg);
    }
    pthread_mutex_unlock(&rp_mcp.lock);
    if (note) rp_mcp_send(note);
    free(note);
  }
}

/* ========================================================================
** The main thread
** ======================================================================== */

/* The next queued line (*line NULL for an oversized one); false when the
** queue is empty. */
static bool rp_mcp_next(char **line) {
  pthread_mutex_lock(&rp_mcp.lock);
  bool any = rp_mcp.n > 0;
  if (any) *line = rp_mcp.queue[rp_mcp.head++], rp_mcp.n--;
  pthread_mutex_unlock(&rp_mcp.lock);
  return any;
}

/* Whether the request id was cancelled before it ran (and forget it). */
static bool rp_mcp_was_dropped(const char *id) {
  bool found = false;
  pthread_mutex_lock(&rp_mcp.lock);
  for (size_t i = 0; id && i < rp_mcp.ndropped && !found; i++)
    if (strcmp(rp_mcp.dropped[i], id) == 0) {
      free(rp_mcp.dropped[i]);
      rp_mcp.dropped[i] = rp_mcp.dropped[--rp_mcp.ndropped];
      found = true;
    }
  pthread_mutex_unlock(&rp_mcp.lock);
  return found;
}

/* Run one queued message; its answer goes out unless it was cancelled. */
static void rp_mcp_run(ag_McpServer *s, char *line) {
  static const char too_big[] = "x";
  size_t len = line ? strlen(line) : AG_MCP_MAX_MESSAGE_BYTES + 1;
  char *id = NULL, *token = NULL;
  if (line) ag_mcp_request_info(line, len, &id, &token);
  if (rp_mcp_was_dropped(id)) {
    free(id);
    free(token);
    return;
  }
  pthread_mutex_lock(&rp_mcp.lock);
  rp_mcp.running = id;
  rp_mcp.progress = token;
  rp_mcp.started = rp_mcp_now();
  rp_mcp.cancelled = false;
  pthread_mutex_unlock(&rp_mcp.lock);
  char *reply = ag_mcp_handle(s, line ? line : too_big, len);
  pthread_mutex_lock(&rp_mcp.lock);
  bool cancelled = rp_mcp.cancelled;
  rp_mcp.running = NULL;
  rp_mcp.progress = NULL;
  pthread_mutex_unlock(&rp_mcp.lock);
  free(token);
  if (reply && !cancelled) rp_mcp_send(reply);
  free(reply);
  free(id);
}

/* inotify saw a change: wait for the writer to finish, re-scan, and tell
** the client when the tools changed. */
static void rp_mcp_rescan(ag_Runtime *rt, ag_McpServer *s, int fd) {
  bool relevant = ag_registry_watch_drain(fd);
  usleep(50 * 1000);
  relevant |= ag_registry_watch_drain(fd);
  if (!relevant) return;
  ag_ScanReport r;
  ag_registry_scan(rt, &r);
  bool changed = r.nadded || r.nchanged || r.nremoved;
  ag_scan_report_free(&r);
  char *note = changed ? ag_mcp_list_changed(s) : NULL;
  if (note) rp_mcp_send(note);
  free(note);
}

int rp_cli_mcp(ag_Runtime *rt, const rp_Options *o) {
  (void)o;
  rp_scan(rt, false);
  rp_mcp.L = ag_runtime_lispy(rt);
  lispy_set_output(rp_mcp.L, rp_mcp_output, NULL); /* loads print too */
  ag_CallOptions call = {false, rp_mcp_output, NULL};
  ag_McpServer *s = ag_mcp_new(rt, &call);
  pthread_t reader, ticker;
  if (!s || pipe(rp_mcp.wake) != 0 || pthread_create(&reader, NULL, rp_mcp_reader, NULL) != 0 ||
      pthread_create(&ticker, NULL, rp_mcp_ticker, NULL) != 0) {
    fprintf(stderr, "lispy mcp: cannot start the server\n");
    ag_mcp_free(s);
    return 1;
  }
  int watch = ag_registry_watch_open(rt); /* -1: no list_changed, the rest works */
  for (;;) {
    char *line;
    while (rp_mcp_next(&line)) {
      rp_mcp_run(s, line);
      free(line);
    }
    pthread_mutex_lock(&rp_mcp.lock);
    bool done = rp_mcp.eof && rp_mcp.n == 0;
    pthread_mutex_unlock(&rp_mcp.lock);
    if (done) break;
    struct pollfd p[2] = {{rp_mcp.wake[0], POLLIN, 0}, {watch, POLLIN, 0}};
    if (poll(p, watch >= 0 ? 2 : 1, -1) < 0) continue;
    char drain[64];
    if (p[0].revents & POLLIN && read(rp_mcp.wake[0], drain, sizeof drain) < 0) break;
    if (watch >= 0 && (p[1].revents & POLLIN)) rp_mcp_rescan(rt, s, watch);
  }
  pthread_mutex_lock(&rp_mcp.lock);
  rp_mcp.stop = true;
  pthread_mutex_unlock(&rp_mcp.lock);
  pthread_join(ticker, NULL);
  pthread_join(reader, NULL);
  if (watch >= 0) close(watch);
  for (size_t i = 0; i < rp_mcp.ndropped; i++) free(rp_mcp.dropped[i]);
  free(rp_mcp.dropped);
  free(rp_mcp.queue);
  ag_mcp_free(s);
  return 0;
}
