/*
** test_builtin_work.c -- every builtin's work is inside the limits (issue 9,
** classes 4 and 7).
**
** One state holds big values made without limits (a million-item list, an
** 8 MB string, a 100,000-entry dict, a structure with heavy sharing). Then:
**
** - fuel: each builtin is called ONCE on a big value under a small fuel
**   budget (WORK_FUEL) and must fail with the fuel limit: its charge is in
**   proportion to its work (a flat charge of a few steps would let it
**   finish);
** - time: each builtin is called in a loop with no fuel limit under a
**   WORK_TIMEOUT time limit and must stop with the time limit soon after
**   the deadline: charging N units of work advances the clock poll by N,
**   so even calls that each run long read the clock. The time to stop is
**   printed for every case (the figures of the closing note).
**
** - interrupt: lispy_interrupt from another thread (what Ctrl-C does) stops
**   a long builtin call too, with kind "interrupted".
**
** After each case the state must still evaluate normal code.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lispy.h"
#include "lx_state.h"
#include "check.h"

#define WORK_FUEL    20000 /* far below what one call on the big values costs */
#define WORK_TIMEOUT 0.2   /* seconds */
#define WORK_SLACK \
  2.0 /* seconds past the deadline a case may take (loaded
                                machines and sanitizer builds; the failure this
                                catches took minutes) */

static lispy_State *L;

/* Monotonic seconds. */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void set_limits(int64_t fuel, size_t memory, double timeout) {
  lispy_Limits lim = {fuel, memory, 0, timeout};
  lispy_set_limits(L, &lim);
}

/* Evaluate src; true when it succeeded. */
static bool eval(const char *src) {
  lispy_Value v;
  return lispy_eval_string(L, NULL, src, strlen(src), "test", &v) == LISPY_OK;
}

/* The "limit" entry of the last error's data, or "" when there is none. */
static const char *last_limit(void) {
  lispy_Value err = lispy_last_error(L), v;
  if (!lx_is(err, LX_ERROR)) return "";
  if (!lispy_dict_get(L, lx_as_error(err)->data, "limit", &v)) return "";
  const char *s = lispy_to_cstring(v, NULL);
  return s ? s : "";
}

/* src must fail with the limit `which`; prints the error otherwise. */
static void expect_limit(const char *src, const char *which) {
  if (eval(src)) {
    fprintf(stderr, "%s: finished, expected the %s limit\n", src, which);
    failed++;
    return;
  }
  if (strcmp(last_limit(), which) == 0) {
    passed++;
    return;
  }
  char *text = lispy_error_text(L, lispy_last_error(L));
  fprintf(stderr, "%s: expected the %s limit, got:\n%s\n", src, which, text);
  free(text);
  failed++;
}

/* The big values, made once without limits. */
static const char *SETUP =
    "(define big-list (range 1000000))"
    "(define big-list2 (range 1000000))"
    "(define mid-list (range 100000))"
    "(define big-vec (list->vector big-list))"
    "(define big-str (string-repeat \"abcdefgh\" 1000000))"
    "(define big-str2 (string-repeat \"abcdefgh\" 1000000))"
    "(define uni-str (string-repeat \"\u00e9\" 1000000))"
    "(define hard-str (string-repeat (string-append \"a\" (string-repeat \"\u0301\u0316\" 450)) "
    "100))"
    "(define big-dict (zipmap (range 400000) (range 400000)))"
    "(define (dag n) (let loop ((i 0) (x (list 1))) (if (= i n) x (loop (+ i 1) (list x x)))))"
    "(define dag-a (dag 40))"
    "(define dag-b (dag 40))";

/* One call each, under WORK_FUEL: every one costs more. */
/* clang-format off */
static const char *FUEL_CASES[] = {
  /* equality, ordering, hashing */
  "(= big-list big-list2)", "(equal? big-list big-list2)", "(equal? dag-a dag-b)",
  "(= big-vec (list->vector big-list2))", "(compare dag-a dag-b)",
  "(sort (list dag-a dag-b))", "(dict dag-a 1)", "(has-key? big-dict dag-a)",
  /* lists and vectors */
  "(length big-list)", "(list? big-list)", "(reverse big-list)", "(list-copy big-list)",
  "(append big-list '(1))", "(last big-list)", "(butlast big-list)", "(sort big-list)",
  "(list->vector big-list)", "(vector->list big-vec)", "(vec big-list)",
  "(member -1 big-list)", "(member -1 big-vec)", "(index-of big-list -1)",
  "(contains? big-list -1)", "(nth big-list 999999)", "(list-ref big-list 999999)",
  "(drop 999999 big-list)", "(take 999999 big-list)", "(unique big-list)",
  "(flatten big-list)", "(zip big-list big-list)", "(rest big-vec)",
  "(conj big-vec 1)", "(range 10000000)", "(iota 10000000)", "(repeat 10000000 1)",
  "(make-vector 10000000 0)",
  "(get big-list 999999)", "(get-in big-list '(999999))",
  /* strings */
  "(string-upcase big-str)", "(string-downcase big-str)", "(string-titlecase big-str)",
  "(string-reverse big-str)", "(string-split big-str \"x\")", "(string-split big-str)",
  "(string-split big-str \"\")", "(string->list big-str)",
  "(string-replace big-str \"a\" \"b\")", "(string-contains? big-str \"z\")",
  "(string-index big-str \"z\")", "(contains? big-str \"z\")", "(index-of big-str \"z\")",
  "(substring uni-str 999990)", "(string-ref uni-str 999999)", "(char-at uni-str 999999)",
  "(string-width big-str)", "(string-pad-left \"x\" 10000000)",
  "(string-pad-right \"x\" 10000000)", "(string-trim big-str \"abcdefgh\")",
  "(string-normalize big-str)", "(string-normalize hard-str \"NFD\")",
  "(string->symbol big-str)", "(keyword big-str)", "(format big-str)",
  "(string=? big-str big-str2)", "(string<? big-str big-str2)",
  "(string-append big-str big-str)", "(string-join (list big-str big-str))",
  "(string-repeat big-str 10)", "(string->number big-str)", "(str big-list)",
  "(->string big-list)",
  /* dicts */
  "(keys big-dict)", "(values big-dict)", "(entries big-dict)", "(merge big-dict big-dict)",
  "(dict-copy big-dict)", "(assoc big-dict -1 1)", "(dissoc big-dict -1)",
  "(zipmap big-list big-list)", "(= big-dict (dict-copy big-dict))",
  /* regex */
  "(regex-match-all \"a\" big-str)", "(regex-replace \"a\" big-str \"b\")",
  "(regex-replace \"a\" big-str (fn (m) m))", "(regex-split \"a\" big-str)",
  "(regex-test? \"z\" big-str)", "(regex-quote big-str)",
  "(regex-test? \"^(a|aa)+$\" (string-append (string-repeat \"a\" 26) \"!\"))",
};
/* clang-format on */

/* One call each on 100,000 items (the most apply passes), under
** WORK_FUEL / 10. */
/* clang-format off */
static const char *SMALL_FUEL_CASES[] = {
  "(apply + mid-list)", "(apply max mid-list)", "(apply dict mid-list)",
  "(apply list mid-list)", "(apply (fn xs (length xs)) mid-list)",
  "(select-keys big-dict mid-list)",
};
/* clang-format on */

/* Called in a loop with no fuel limit: the deadline must stop each. */
/* clang-format off */
static const char *TIME_CASES[] = {
  "(sort big-list)", "(= big-list big-list2)", "(equal? dag-a dag-b)", "(dict dag-a 1)",
  "(reverse big-list)", "(unique mid-list)", "(string-upcase big-str)",
  "(string-split big-str \"\")", "(string-normalize hard-str \"NFD\")",
  "(string-repeat big-str 8)", "(contains? big-str \"abcdefgz\")",
  "(string-trim big-str \"abcdefgh\")", "(keys big-dict)", "(merge big-dict big-dict)",
  "(regex-replace \"(a|aa)+b|a\" (string-repeat \"aaaaaaaaaaaaaaaaaa! \" 20000) \"x\")",
  "(regex-match-all \"a\" big-str)", "(apply + mid-list)", "(substring uni-str 999990)",
};
/* clang-format on */

static void check_alive(const char *label) {
  set_limits(0, 0, 0);
  if (eval("(length (string-split (string-join (map ->string (range 2000)) \",\") \",\"))")) {
    passed++;
  } else {
    fprintf(stderr, "%s: the state no longer evaluates normal code\n", label);
    failed++;
  }
}

static void test_fuel(void) {
  for (size_t i = 0; i < sizeof FUEL_CASES / sizeof FUEL_CASES[0]; i++) {
    set_limits(WORK_FUEL, 0, 0);
    expect_limit(FUEL_CASES[i], "fuel");
    check_alive(FUEL_CASES[i]);
  }
  for (size_t i = 0; i < sizeof SMALL_FUEL_CASES / sizeof SMALL_FUEL_CASES[0]; i++) {
    set_limits(WORK_FUEL / 10, 0, 0);
    expect_limit(SMALL_FUEL_CASES[i], "fuel");
    check_alive(SMALL_FUEL_CASES[i]);
  }
}

static void test_time(void) {
  double worst = 0;
  for (size_t i = 0; i < sizeof TIME_CASES / sizeof TIME_CASES[0]; i++) {
    char src[512];
    snprintf(src, sizeof src, "(let loop () %s (loop))", TIME_CASES[i]);
    set_limits(0, 0, WORK_TIMEOUT);
    double t0 = now();
    expect_limit(src, "time");
    double late = now() - t0 - WORK_TIMEOUT;
    printf("  time: stopped %6.1f ms after the deadline: %s\n", late * 1000, TIME_CASES[i]);
    CHECK(late < WORK_SLACK);
    if (late > worst) worst = late;
    check_alive(TIME_CASES[i]);
  }
  printf("  time: worst %.1f ms after the deadline\n", worst * 1000);
}

/* Interrupt the state after 100 ms, as a Ctrl-C handler would. */
static void *interrupter(void *arg) {
  struct timespec ts = {0, 100 * 1000 * 1000};
  nanosleep(&ts, NULL);
  lispy_interrupt((lispy_State *)arg);
  return NULL;
}

/* One long builtin call each (seconds of work), no fuel or time limit. */
/* clang-format off */
static const char *INTERRUPT_CASES[] = {
  "(equal? dag-a dag-b)", "(dict dag-a 1)",
  "(let loop () (sort big-list) (loop))",
  "(string-normalize (string-repeat hard-str 20) \"NFD\")",
};
/* clang-format on */

static void test_interrupt(void) {
  for (size_t i = 0; i < sizeof INTERRUPT_CASES / sizeof INTERRUPT_CASES[0]; i++) {
    set_limits(0, 0, 20.0); /* the timeout only guards against a hang */
    pthread_t th;
    CHECK(pthread_create(&th, NULL, interrupter, L) == 0);
    double t0 = now();
    bool ok = eval(INTERRUPT_CASES[i]);
    double dt = now() - t0;
    pthread_join(th, NULL);
    const char *kind = ok ? "(none)" : lispy_error_kind(lispy_last_error(L));
    printf("  interrupt: stopped after %6.1f ms: %s\n", dt * 1000, INTERRUPT_CASES[i]);
    if (!ok && strcmp(kind, "interrupted") == 0 && dt < 0.1 + WORK_SLACK) {
      passed++;
    } else {
      fprintf(stderr, "%s: want interrupted within %.1f s, got %s after %.2f s\n",
              INTERRUPT_CASES[i], 0.1 + WORK_SLACK, kind, dt);
      failed++;
    }
    check_alive(INTERRUPT_CASES[i]);
  }
}

int main(void) {
  L = lispy_open();
  if (L == NULL) return 1;
  set_limits(0, 0, 0);
  if (!eval(SETUP)) {
    char *text = lispy_error_text(L, lispy_last_error(L));
    fprintf(stderr, "setup failed:\n%s\n", text);
    free(text);
    return 1;
  }
  test_fuel();
  test_time();
  test_interrupt();
  lispy_close(L);
  printf("test_builtin_work: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
