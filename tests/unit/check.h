/*
** check.h -- the tiny check harness the C unit tests share: CHECK(cond)
** and CHECK_STR(got, want) count passes and failures (printing the
** failures with file:line); each test ends by printing
** "N passed, N failed" and returning failed != 0.
*/
#ifndef LISPY_TEST_CHECK_H
#define LISPY_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lispy.h"
#include "measure.h"

static int passed = 0, failed = 0;

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (cond) {                                                             \
      passed++;                                                             \
    } else {                                                                \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failed++;                                                             \
    }                                                                       \
  } while (0)

/* Compare two C strings, printing both on mismatch. */
#define CHECK_STR(got, want)                                                \
  do {                                                                      \
    const char *g_ = (got), *w_ = (want);                                   \
    if (g_ != NULL && strcmp(g_, w_) == 0) {                                \
      passed++;                                                             \
    } else {                                                                \
      fprintf(stderr, "%s:%d: got [%s], want [%s]\n", __FILE__, __LINE__,   \
              g_ ? g_ : "(null)", w_);                                      \
      failed++;                                                             \
    }                                                                       \
  } while (0)

/* Evaluate src in L and return its readable printed form (malloc'd), or
** NULL after an error (reported unless quiet). lispy_repr allocates, so
** the value is pinned while it prints. */
static inline char *eval_repr_in(lispy_State *L, const char *src, bool quiet) {
  lispy_Value v;
  if (lispy_eval_string(L, NULL, src, strlen(src), "test", &v) != LISPY_OK) {
    if (!quiet) {
      char *text = lispy_error_text(L, lispy_last_error(L));
      fprintf(stderr, "unexpected error evaluating %s:\n%s\n", src, text);
      free(text);
    }
    return NULL;
  }
  int ref = lispy_ref(L, v);
  char *s = lispy_repr(L, v, true);
  lispy_unref(L, ref);
  return s;
}

/* The printed result of evaluating src (malloc'd, NULL after an error:
** freed here) compared with want; a mismatch prints src with both. */
static inline void check_result(const char *src, char *got, const char *want) {
  if (got != NULL && strcmp(got, want) == 0) {
    passed++;
  } else {
    fprintf(stderr, "%s\n  got  [%s]\n  want [%s]\n", src, got ? got : "(error)", want);
    failed++;
  }
  free(got);
}

/* Run fn in a child process, so that a crash (a core bug) is reported as
** one failure instead of ending the whole test run. */
static inline void run_isolated(const char *name, void (*fn)(void)) {
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    failed++;
    return;
  }
  if (pid == 0) {
    passed = failed = 0;
    fn();
    fflush(stdout);
    fflush(stderr);
    _exit(failed ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
    passed++;
  } else {
    if (WIFSIGNALED(status))
      fprintf(stderr, "%s: crashed with signal %d\n", name, WTERMSIG(status));
    else
      fprintf(stderr, "%s: failed (exit status %d)\n", name, WEXITSTATUS(status));
    failed++;
  }
}

#endif
