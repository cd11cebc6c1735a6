/*
** check.h -- the tiny check harness the C unit tests share. Each CHECK
** counts a pass or a failure, printing a failure with file:line and the
** values compared: CHECK(cond), CHECK_STR (C strings), CHECK_INT and
** CHECK_SIZE (integers), CHECK_POS (a source position), CHECK_JSON (a
** cJSON tree against its compact text), CHECK_JSON_THAT (a condition on a
** tree, printed on failure), CHECK_AT (a helper's check, reported at its
** caller's line) and CHECK_FAIL (a failure found by code with no single
** condition). Each test ends by printing "N passed, N failed"
** and returning failed != 0.
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

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (cond) {                                                                \
      passed++;                                                                \
    } else {                                                                   \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failed++;                                                                \
    }                                                                          \
  } while (0)

/* Compare two C strings, printing both on mismatch. */
#define CHECK_STR(got, want)                                                                       \
  do {                                                                                             \
    const char *g_ = (got), *w_ = (want);                                                          \
    if (g_ != NULL && strcmp(g_, w_) == 0) {                                                       \
      passed++;                                                                                    \
    } else {                                                                                       \
      fprintf(stderr, "%s:%d: got [%s], want [%s]\n", __FILE__, __LINE__, g_ ? g_ : "(null)", w_); \
      failed++;                                                                                    \
    }                                                                                              \
  } while (0)

/* Compare two signed integers (as long long), printing both on mismatch. */
#define CHECK_INT(got, want)                                                               \
  do {                                                                                     \
    long long g_ = (got), w_ = (want);                                                     \
    if (g_ == w_) {                                                                        \
      passed++;                                                                            \
    } else {                                                                               \
      fprintf(stderr, "%s:%d: %s is %lld, want %lld\n", __FILE__, __LINE__, #got, g_, w_); \
      failed++;                                                                            \
    }                                                                                      \
  } while (0)

/* Compare two sizes (size_t), printing both on mismatch. */
#define CHECK_SIZE(got, want)                                                            \
  do {                                                                                   \
    size_t g_ = (got), w_ = (want);                                                      \
    if (g_ == w_) {                                                                      \
      passed++;                                                                          \
    } else {                                                                             \
      fprintf(stderr, "%s:%d: %s is %zu, want %zu\n", __FILE__, __LINE__, #got, g_, w_); \
      failed++;                                                                          \
    }                                                                                    \
  } while (0)

/* A source position (any struct with line and col fields; pos is read
** twice, so it must have no side effects) is l:c, printing both on
** mismatch. */
#define CHECK_POS(pos, l, c)                                                                    \
  do {                                                                                          \
    unsigned gl_ = (pos).line, gc_ = (pos).col, wl_ = (l), wc_ = (c);                           \
    if (gl_ == wl_ && gc_ == wc_) {                                                             \
      passed++;                                                                                 \
    } else {                                                                                    \
      fprintf(stderr, "%s:%d: position %u:%u, want %u:%u\n", __FILE__, __LINE__, gl_, gc_, wl_, \
              wc_);                                                                             \
      failed++;                                                                                 \
    }                                                                                           \
  } while (0)

/* A cJSON tree printed compactly is the text want, printing both on
** mismatch; a NULL tree fails. */
#define CHECK_JSON(got, want)                          \
  do {                                                 \
    const cJSON *j_ = (got);                           \
    char *t_ = j_ ? cJSON_PrintUnformatted(j_) : NULL; \
    CHECK_STR(t_, want);                               \
    free(t_);                                          \
  } while (0)

/* CHECK(cond) where cond is about the cJSON tree j: a failure prints the
** condition and j (compactly), e.g. the whole envelope of a call. */
#define CHECK_JSON_THAT(j, cond)                                                       \
  do {                                                                                 \
    if (cond) {                                                                        \
      passed++;                                                                        \
    } else {                                                                           \
      char *t_ = cJSON_PrintUnformatted(j);                                            \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n  in %s\n", __FILE__, __LINE__, #cond, \
              t_ ? t_ : "(null)");                                                     \
      free(t_);                                                                        \
      failed++;                                                                        \
    }                                                                                  \
  } while (0)

/* A check that a helper makes for its caller at line (such helpers take
** __LINE__, so that a failure names the line that asked): count it, and
** on failure print file:line and the message (printf arguments). */
#define CHECK_AT(line, cond, ...)                   \
  do {                                              \
    if (cond) {                                     \
      passed++;                                     \
    } else {                                        \
      fprintf(stderr, "%s:%d: ", __FILE__, (line)); \
      fprintf(stderr, __VA_ARGS__);                 \
      fputc('\n', stderr);                          \
      failed++;                                     \
    }                                               \
  } while (0)

/* Count one failure found by code that has no single condition to CHECK
** (a list compared item by item...), printing file:line and the message
** (printf arguments). */
#define CHECK_FAIL(...) CHECK_AT(__LINE__, false, __VA_ARGS__)

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
    else fprintf(stderr, "%s: failed (exit status %d)\n", name, WEXITSTATUS(status));
    failed++;
  }
}

#endif
