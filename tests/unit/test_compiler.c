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
**   - the compiler's arena is counted under the memory limit;
**   - no pass of the compiler recurses per list item or per nesting level
**     without the depth guard (long and deep quasiquote templates, nested
**     begins, a vector containing itself).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lispy.h"
#include "lx_state.h"
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

/* Evaluate src in L; its readable printed form or NULL (check.h). */
static char *eval_repr(const char *src, bool quiet) { return eval_repr_in(L, src, quiet); }

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

/* ==== Class 2: literals mutated while they are compiled ================== */

/* The macros keep the literal they return in `keep` and a second macro,
** expanded while the first literal's elements are compiled, mutates it. */
static void test_mutated_literals(void) {
  lispy_gc_stress(L, true);
  /* a dict grown far past the node array sized from its count */
  check_eval("(define keep nil)"
             "(defmacro grow () (dotimes (i 2000) (dict-set! keep (+ i 10) i)) 0)"
             "(defmacro mk () (set! keep (dict :a (list 'grow) :b 2)) keep)"
             "(mk)",
             "{:a 0 :b 2}");
  /* a dict emptied: the entries the macro removed still compile */
  check_eval("(define keep nil)"
             "(defmacro shrink () (dict-remove! keep :b) (dict-remove! keep :c)"
             "  (dict-remove! keep :d) (dict-set! keep :e (string-repeat \"x\" 100)) 0)"
             "(defmacro mk () (set! keep (dict :a (list 'shrink) :b (list 'list 1 2)"
             "  :c (string-append \"s\" \"t\") :d 4)) keep)"
             "(mk)",
             "{:a 0 :b (1 2) :c \"st\" :d 4}");
  /* a vector grown (its item block reallocated under the compiler) */
  check_eval("(define keep nil)"
             "(defmacro grow () (dotimes (i 5000) (vector-push! keep i)) 0)"
             "(defmacro mk () (set! keep (vector (list 'grow) (list '+ 1 2))) keep)"
             "(mk)",
             "[0 3]");
  /* a vector rewritten: the replaced item was only referenced by it */
  check_eval("(define keep nil)"
             "(defmacro rw () (vector-set! keep 1 99) 0)"
             "(defmacro mk () (set! keep (vector (list 'rw) (list 'quote (list 1 2)))) keep)"
             "(mk)",
             "[0 (1 2)]");
  /* Clojure let bindings [a init b init] rewritten by a macro in an init */
  check_eval("(define keep nil)"
             "(defmacro rw () (vector-set! keep 3 'oops) (vector-push! keep 'c) 0)"
             "(defmacro mk () (set! keep (vector 'a (list 'rw) 'b (list 'list 1 2)))"
             "  (list 'let keep (list 'list 'a 'b)))"
             "(mk)",
             "(0 (1 2))");
  /* quasiquoted dict and vector templates */
  check_eval("(define keep nil)"
             "(defmacro grow () (dotimes (i 2000) (dict-set! keep (+ i 10) i)) 0)"
             "(defmacro mk () (set! keep (dict :a (list 'unquote (list 'grow)) :b 2))"
             "  (list 'quasiquote keep))"
             "(mk)",
             "{:a 0 :b 2}");
  check_eval("(define keep nil)"
             "(defmacro shrink () (dict-remove! keep :b) 0)"
             "(defmacro mk () (set! keep (dict :a (list 'unquote (list 'shrink))"
             "  :b (list 'unquote (list '+ 1 2)))) (list 'quasiquote keep))"
             "(mk)",
             "{:a 0 :b 3}");
  check_eval("(define keep nil)"
             "(defmacro grow () (dotimes (i 5000) (vector-push! keep i)) 0)"
             "(defmacro mk () (set! keep (vector (list 'unquote (list 'grow)) 2))"
             "  (list 'quasiquote keep))"
             "(mk)",
             "[0 2]");
  lispy_gc_stress(L, false);
  /* and the state is sound afterwards */
  check_eval("(+ 1 2)", "3");
}

/* ==== Classes 4 and 5: compiling inside fuel, time and memory ============= */

/* Macros building forms with heavy sharing: level n of sh is (+ x x) with x
** level n-1 (2^n nodes to compile, n conses to build); qsh is the same
** shape inside a quasiquote template. */
static const char *SHARING =
    "(defmacro sh (n) (let loop ((i 0) (x 1)) (if (= i n) x (loop (+ i 1) (list '+ x x)))))"
    "(defmacro qsh (n) (let loop ((i 0) (x '(a)))"
    "  (if (= i n) (list 'quasiquote (list x (list 'unquote 1))) (loop (+ i 1) (list x x)))))";

/* A dict literal of n entries as source text (malloc'd). */
static char *dict_literal(int n) {
  size_t cap = (size_t)n * 24 + 64;
  char *s = malloc(cap);
  size_t len = (size_t)snprintf(s, cap, "(define (big-dict) {");
  for (int i = 0; i < n; i++) len += (size_t)snprintf(s + len, cap - len, ":k%d %d ", i, i);
  snprintf(s + len, cap - len, "}) (length (keys (big-dict)))");
  return s;
}

static void test_compile_limits(void) {
  set_limits(0, 0, 0);
  check_eval(SHARING, "qsh");
  check_eval("(sh 10)", "1024");
  check_eval("(length (qsh 10))", "2");
  /* a 25,000-entry dict literal compiles (fast), but not under 1000 fuel */
  char *big = dict_literal(25000);
  double t0 = now_s();
  check_eval(big, "25000");
  double took = now_s() - t0;
  CHECK(took < 5.0 * time_scale());
  set_limits(1000, 0, 0);
  check_fails(big, "limit", "fuel");
  free(big);
  /* a literal past LX_MAX_LITERAL_ITEMS is refused before any work */
  set_limits(0, 0, 0);
  big = dict_literal(40000);
  check_fails(big, "syntax", "literal too large to compile");
  free(big);
  /* sharing: 2^24 nodes to compile stop at the fuel limit ... */
  set_limits(100000, 0, 0);
  check_fails("(sh 24)", "limit", "fuel");
  check_fails("(length (qsh 45))", "limit", "fuel");
  /* ... at the memory limit, counting the arena (the form itself is 24
  ** conses) ... */
  set_limits(0, 16u << 20, 0);
  check_fails("(sh 24)", "limit", "memory");
  /* ... and at the deadline, within 100 ms of it */
  static const char *const slow[] = {"(sh 30)", "(length (qsh 60))"};
  for (int i = 0; i < 2; i++) {
    set_limits(0, 0, 0.3);
    t0 = now_s();
    check_fails(slow[i], "limit", "time");
    took = now_s() - t0;
    if (took > 0.4) fprintf(stderr, "%s: time limit 0.3 s stopped after %.3f s\n", slow[i], took);
    CHECK(took < 0.4 * time_scale());
  }
  /* the heap comes back after the limit errors */
  set_limits(0, 0, 0);
  lispy_gc(L);
  size_t before = ((lx_State *)L)->mem_used;
  set_limits(0, 8u << 20, 0);
  check_fails("(sh 26)", "limit", "memory");
  set_limits(0, 0, 0);
  lispy_gc(L);
  size_t after = ((lx_State *)L)->mem_used;
  CHECK(after < before + 64 * 1024);
  check_eval("(sh 3)", "8");
}

/* read-string of a huge text: charged as fuel, stopped at the deadline. */
static void test_reader_limits(void) {
  set_limits(100000, 0, 0);
  check_fails("(read-string (string-append \"(\" (string-repeat \"1 \" 1000000) \")\"))", "limit",
              "fuel");
  set_limits(0, 0, 0);
  check_eval("(define big-text (string-append \"(\" (string-repeat \"[1] \" 10000000) \")\"))",
             "big-text");
  set_limits(0, 0, 0.2);
  double t0 = now_s();
  check_fails("(read-string big-text)", "limit", "time");
  double took = now_s() - t0;
  if (took > 0.3) fprintf(stderr, "read-string: time limit 0.2 s stopped after %.3f s\n", took);
  CHECK(took < 0.3 * time_scale());
  set_limits(0, 0, 0);
  check_eval("(length (read-string (string-append \"(\" (string-repeat \"1 \" 100000) \")\")))",
             "100000");
}

/* ==== Recursion in every pass under the depth guard ======================== */

static void test_long_and_deep_forms(void) {
  set_limits(0, 0, 0);
  /* a quasiquoted list of 200,000 items with an unquote at the end */
  check_eval("(defmacro qq-long (n) (let loop ((i 0) (acc (list (list 'unquote 'x))))"
             "  (if (= i n) (list 'quasiquote acc) (loop (+ i 1) (cons i acc)))))"
             "(let* ((x 'end) (v (qq-long 200000))) (list (length v) (car v) (list-ref v 199999) "
             "(last v)))",
             "(200001 199999 0 end)");
  /* the same with splices and a dotted tail */
  check_eval(
      "(defmacro qq-mixed (n) (let loop ((i 0) (acc (list 'unquote 'x)))"
      "  (if (= i n) (list 'quasiquote acc)"
      "      (loop (+ i 1) (cons (if (= (modulo i 1000) 0) (list 'unquote-splicing 'y) i) acc)))))"
      "(let* ((x '(t)) (y '(s s)) (v (qq-mixed 10000))) (list (length v) (car v) (last v)))",
      "(10011 9999 t)");
  /* quasiquote results as before */
  check_eval("(let ((x (list 5)) (y 7)) (list `(1 ,x) `(,@x) (eq? x `(,@x)) `(a `(b ,(c ,@x)))"
             "  `[1 ,@x] `(1 . ,x) `(1 ,@x . ,x) `(,@x ,@x) `(a b ,y c ,@x d) `(,y . 3)"
             "  `((,y) [,y] {:a ,y}) `(1 2 ,y . ,y)))",
             "((1 (5)) (5) #t (a `(b ,(c 5))) [1 5] (1 5) (1 5 5) (5 5) (a b 7 c 5 d) (7 . 3)"
             " ((7) [7] {:a 7}) (1 2 7 . 7))");
  /* nesting built by macros: a depth error, not a C stack overflow */
  check_fails("(defmacro deep-begin (n) (let loop ((i 0) (x 1)) (if (= i n) x (loop (+ i 1) (list "
              "'begin x)))))"
              "(define (f) (deep-begin 1000000))",
              "limit", "depth");
  check_fails("(defmacro deep-qq (n) (let loop ((i 0) (x '(unquote 1)))"
              "  (if (= i n) (list 'quasiquote x) (loop (+ i 1) (list x)))))"
              "(deep-qq 1000000)",
              "limit", "depth");
  check_fails(
      "(defmacro self-vec () (let ((v (vector 1 2))) (vector-set! v 0 v) (list 'quasiquote v)))"
      "(self-vec)",
      "limit", "depth");
  /* a shared form where a name belongs: the message shows a short form */
  double t0 = now_s();
  check_fails("(defmacro bad-let (n) (let loop ((i 0) (x '(a)))"
              "  (if (= i n) (list 'let (list (list x 1)) 1) (loop (+ i 1) (list x x)))))"
              "(bad-let 40)",
              "syntax", "expected a variable name (symbol), got a large list");
  CHECK(now_s() - t0 < 1.0);
  check_eval("(+ 1 2)", "3");
}

int main(void) {
  L = lispy_open();
  if (!L) return 1;
  run_isolated("mutated literals", test_mutated_literals);
  run_isolated("compile limits", test_compile_limits);
  run_isolated("long and deep forms", test_long_and_deep_forms);
  run_isolated("reader limits", test_reader_limits);
  lispy_close(L);
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
