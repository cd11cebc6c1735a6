/*
** test_compiler.c -- the compiler against hostile forms (issue 9):
**
**   - a macro that mutates the vector or dict literal being compiled
**     (grow, shrink, rewrite; quasiquoted too; let's [bindings]) compiles
**     the literal as the expansion returned it, under GC stress so an
**     element the macro drops would be collected if the compiler did not
**     keep it;
**   - compiling and macro expansion charge fuel in proportion to the work
**     (big literals, heavily shared forms) and poll the deadline;
**   - the compiler's arena is counted under the memory limit.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lispy.h"
#include "check.h"

static lispy_State *L;

/* Install limits: fuel (<=0 none), memory (0 none), timeout in seconds (0 none). */
static void set_limits(int64_t fuel, size_t memory, double timeout) {
  lispy_Limits lim = lispy_default_limits();
  lim.fuel = fuel;
  lim.memory = memory;
  lim.timeout = timeout;
  lispy_set_limits(L, &lim);
}

/* Evaluate src and return its printed form (malloc'd), or NULL after an
** error (printed unless quiet). */
static char *eval_repr(const char *src, bool quiet) {
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

static void check_eval(const char *src, const char *want) {
  check_result(src, eval_repr(src, false), want);
}

/* src must fail with an error of this kind whose message contains msg. */
static void check_fails(const char *src, const char *kind, const char *msg) {
  char *got = eval_repr(src, true);
  CHECK(got == NULL);
  free(got);
  if (got) return;
  lispy_Value err = lispy_last_error(L);
  const char *k = lispy_error_kind(err), *m = lispy_error_message(err);
  bool ok = k && strcmp(k, kind) == 0 && m && strstr(m, msg);
  if (!ok) fprintf(stderr, "%s\n  got %s: %s\n  want %s: ...%s...\n", src, k, m, kind, msg);
  CHECK(ok);
}

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ==== Class 2: literals mutated while they are compiled ================== */

/* The macros keep the literal they return in `keep` and a second macro,
** expanded while the first literal's elements are compiled, mutates it. */
static void test_mutated_literals(void) {
  lispy_gc_stress(L, true);
  /* a dict grown far past the node array sized from its count */
  check_eval("(define keep nil)"
             "(defmacro grow () (dotimes (i 2000) (dict-set! keep (+ i 10) i)) 0)"
             "(defmacro mk () (set! keep (dict :a (list 'grow) :b 2)) keep)"
             "(mk)", "{:a 0 :b 2}");
  /* a dict emptied: the entries the macro removed still compile */
  check_eval("(define keep nil)"
             "(defmacro shrink () (dict-remove! keep :b) (dict-remove! keep :c)"
             "  (dict-remove! keep :d) (dict-set! keep :e (string-repeat \"x\" 100)) 0)"
             "(defmacro mk () (set! keep (dict :a (list 'shrink) :b (list 'list 1 2)"
             "  :c (string-append \"s\" \"t\") :d 4)) keep)"
             "(mk)", "{:a 0 :b (1 2) :c \"st\" :d 4}");
  /* a vector grown (its item block reallocated under the compiler) */
  check_eval("(define keep nil)"
             "(defmacro grow () (dotimes (i 5000) (vector-push! keep i)) 0)"
             "(defmacro mk () (set! keep (vector (list 'grow) (list '+ 1 2))) keep)"
             "(mk)", "[0 3]");
  /* a vector rewritten: the replaced item was only referenced by it */
  check_eval("(define keep nil)"
             "(defmacro rw () (vector-set! keep 1 99) 0)"
             "(defmacro mk () (set! keep (vector (list 'rw) (list 'quote (list 1 2)))) keep)"
             "(mk)", "[0 (1 2)]");
  /* Clojure let bindings [a init b init] rewritten by a macro in an init */
  check_eval("(define keep nil)"
             "(defmacro rw () (vector-set! keep 3 'oops) (vector-push! keep 'c) 0)"
             "(defmacro mk () (set! keep (vector 'a (list 'rw) 'b (list 'list 1 2)))"
             "  (list 'let keep (list 'list 'a 'b)))"
             "(mk)", "(0 (1 2))");
  /* quasiquoted dict and vector templates */
  check_eval("(define keep nil)"
             "(defmacro grow () (dotimes (i 2000) (dict-set! keep (+ i 10) i)) 0)"
             "(defmacro mk () (set! keep (dict :a (list 'unquote (list 'grow)) :b 2))"
             "  (list 'quasiquote keep))"
             "(mk)", "{:a 0 :b 2}");
  check_eval("(define keep nil)"
             "(defmacro shrink () (dict-remove! keep :b) 0)"
             "(defmacro mk () (set! keep (dict :a (list 'unquote (list 'shrink))"
             "  :b (list 'unquote (list '+ 1 2)))) (list 'quasiquote keep))"
             "(mk)", "{:a 0 :b 3}");
  check_eval("(define keep nil)"
             "(defmacro grow () (dotimes (i 5000) (vector-push! keep i)) 0)"
             "(defmacro mk () (set! keep (vector (list 'unquote (list 'grow)) 2))"
             "  (list 'quasiquote keep))"
             "(mk)", "[0 2]");
  lispy_gc_stress(L, false);
  /* and the state is sound afterwards */
  check_eval("(+ 1 2)", "3");
}

int main(void) {
  L = lispy_open();
  if (!L) return 1;
  run_isolated("mutated literals", test_mutated_literals);
  (void)set_limits;
  (void)check_fails;
  (void)now_seconds;
  lispy_close(L);
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
