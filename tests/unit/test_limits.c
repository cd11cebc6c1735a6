/*
** test_limits.c -- the sandbox limits through the embedding API.
**
** One state serves the whole file. Each case sets limits, runs something
** hostile, and checks that the evaluation ends with a "limit" (or
** "interrupted") error naming the limit in its data, that the same state
** still evaluates normal code afterwards, and that a collection gives the
** memory back (lispy_memory_used returns to within a small margin of what
** it was before the case).
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lispy.h"
#include "lx_state.h"
#include "check.h"
#include "audit.h"

/* ==== A tiny check harness ================================================ */


/* ==== Helpers ================================================================ */

/* Bytes a case may leave behind after lispy_gc (the last error value with
** its short trace, a grown handler array, ...). */
#define MEM_MARGIN (64u * 1024u)

static lispy_State *L;

/* Monotonic seconds. */
static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Install limits for the next evaluations (0 fields mean "none"/default). */
static void set_limits(int64_t fuel, size_t memory, size_t depth, double timeout) {
  lispy_Limits lim = {fuel, memory, depth, timeout};
  lispy_set_limits(L, &lim);
}

static void default_limits(void) {
  lispy_Limits lim = lispy_default_limits();
  lispy_set_limits(L, &lim);
}

/* Evaluate src that must succeed; returns the value (nil on failure). */
static lispy_Value eval_ok(const char *src) {
  lispy_Value v = lispy_nil();
  if (lispy_eval_string(L, NULL, src, strlen(src), "test", &v) != LISPY_OK) {
    char *text = lispy_error_text(L, lispy_last_error(L));
    fprintf(stderr, "unexpected error evaluating %s:\n%s\n", src, text);
    free(text);
    failed++;
    return lispy_nil();
  }
  passed++;
  return v;
}

/* The "limit" entry of an error's data dict, or NULL. */
static const char *error_limit_name(lispy_Value err) {
  if (!lx_is(err, LX_ERROR)) return NULL;
  lispy_Value v;
  if (!lispy_dict_get(L, lx_as_error(err)->data, "limit", &v)) return NULL;
  return lispy_to_cstring(v, NULL);
}

/* The last error must have this kind and name this limit. */
static void check_last_error(const char *label, const char *kind, const char *which) {
  lispy_Value err = lispy_last_error(L);
  const char *k = lispy_error_kind(err), *w = error_limit_name(err);
  if (strcmp(k, kind) == 0 && w != NULL && strcmp(w, which) == 0) {
    passed++;
    return;
  }
  char *text = lispy_error_text(L, err);
  fprintf(stderr, "%s: want kind %s limit %s, got kind %s limit %s:\n%s\n", label, kind, which, k,
          w ? w : "(none)", text);
  free(text);
  failed++;
}

/* Evaluate src, which must fail with the given kind and limit name. */
static void expect_limit(const char *label, const char *src, const char *kind, const char *which) {
  lispy_Value v;
  int rc = lispy_eval_string(L, NULL, src, strlen(src), "test", &v);
  if (rc != LISPY_ERROR) {
    int ref = lispy_ref(L, v);
    char *text = lispy_repr(L, v, true);
    lispy_unref(L, ref);
    fprintf(stderr, "%s: expected a %s error, got a value: %.200s\n", label, which, text);
    free(text);
    failed++;
    return;
  }
  check_last_error(label, kind, which);
}

/* ---- Accounting audit (as in test_gc.c) ----------------------------------------
**
** Every byte the allocator counts must belong to something: an object's
** header block and the arrays it owns, or one of the state's tables. The
** audit recomputes the total from scratch and compares it with mem_used,
** so accounted memory that leaks (or is freed with the wrong size) shows
** up even without a leak checker. */

/* Checks the accounting of the test's state (see audit.h). */
#define check_accounting(label) check_accounting_of(L, label)

/* The state still works: arithmetic, and something that allocates. */
static void check_alive(const char *label) {
  default_limits();
  lispy_Value v = eval_ok("(+ 1 2)");
  if (!(lx_is(v, LX_INT) && v.as.i == 3)) {
    fprintf(stderr, "%s: (+ 1 2) did not give 3 afterwards\n", label);
    failed++;
  }
  v = eval_ok("(length (string-split (string-join (map ->string (range 2000)) \",\") \",\"))");
  if (!(lx_is(v, LX_INT) && v.as.i == 2000)) {
    fprintf(stderr, "%s: allocating expression gave a wrong result afterwards\n", label);
    failed++;
  }
}

/* Heap in use after a full collection. */
static size_t baseline(void) {
  lispy_gc(L);
  return lispy_memory_used(L);
}

/* After a case: the state works and the memory came back. */
static void check_after(const char *label, size_t before) {
  check_alive(label);
  size_t after = baseline();
  check_accounting(label);
  if (after <= before + MEM_MARGIN) {
    passed++;
  } else {
    fprintf(stderr, "%s: memory not given back: %zu bytes before, %zu after gc\n", label, before,
            after);
    failed++;
  }
}

/* ==== Fuel, time, depth, memory ============================================== */

static void test_infinite_loop(void) {
  size_t before = baseline();
  set_limits(100000, 0, 0, 0);
  expect_limit("loop/fuel", "(let loop () (loop))", "limit", "fuel");
  check_after("loop/fuel", before);

  before = baseline();
  set_limits(0, 0, 0, 0.2);
  double t0 = now();
  expect_limit("loop/time", "(let loop () (loop))", "limit", "time");
  double dt = now() - t0;
  CHECK(dt >= 0.19 && dt < 5.0);
  check_after("loop/time", before);
}

static const char *DEEP_F = "(define (f n) (if (= n 0) 0 (+ 1 (f (- n 1))))) (f 1000000)";

static void test_deep_recursion(void) {
  size_t before = baseline();
  default_limits();
  expect_limit("recursion/depth", DEEP_F, "limit", "depth");
  check_after("recursion/depth", before);

  /* With the depth limit out of the way, the frames and stack hit memory. */
  before = baseline();
  set_limits(0, 64u << 20, 10000000, 0);
  expect_limit("recursion/memory", DEEP_F, "limit", "memory");
  check_after("recursion/memory", before);
}

static void test_string_doubling(void) {
  size_t before = baseline();
  set_limits(0, 32u << 20, 0, 0);
  expect_limit("doubling", "(let loop ((s \"x\")) (loop (string-append s s)))", "limit", "memory");
  check_after("doubling", before);
}

/* ==== Deeply nested data ======================================================= */

#define DEEP_LEVELS 1000000

/* "((((...))))" nested n levels, malloc'd. */
static char *nested_parens(size_t n) {
  char *s = malloc(2 * n + 1);
  if (s == NULL) abort();
  memset(s, '(', n);
  memset(s + n, ')', n);
  s[2 * n] = '\0';
  return s;
}

static void test_deep_text(void) {
  size_t before = baseline();
  default_limits();
  char *src = nested_parens(DEEP_LEVELS);
  size_t len = strlen(src), pos = 0;
  lispy_Value v;
  int rc = lispy_read(L, src, len, &pos, "deep", &v);
  CHECK(rc == LISPY_ERROR);
  check_last_error("deep text/lispy_read", "limit", "depth");
  rc = lispy_eval_string(L, NULL, src, len, "deep", &v);
  CHECK(rc == LISPY_ERROR);
  check_last_error("deep text/eval", "limit", "depth");
  free(src);
  check_after("deep text", before);
}

static void test_deep_runtime(void) {
  default_limits();
  eval_ok("(define (deep n) (let loop ((i 0) (acc '()))"
          "  (if (< i n) (loop (+ i 1) (list acc)) acc)))");
  size_t before = baseline();

  expect_limit("deep/->string", "(->string (deep 1000000))", "limit", "depth");
  check_after("deep/->string", before);

  expect_limit("deep/equal?", "(equal? (deep 1000000) (deep 1000000))", "limit", "depth");
  check_after("deep/equal?", before);

  expect_limit("deep/json-encode", "(json-encode (deep 1000000))", "limit", "depth");
  check_after("deep/json-encode", before);

  /* The host prints the value itself: lispy_repr must not crash either. */
  lispy_Value v = eval_ok("(deep 1000000)");
  int ref = lispy_ref(L, v); /* pinned: lispy_repr allocates */
  char *text = lispy_repr(L, v, true);
  CHECK(text != NULL && strstr(text, "nested too deeply") != NULL);
  free(text);
  char why[200] = "";
  cJSON *j = lispy_to_json(L, v, why, sizeof why);
  CHECK(j == NULL);
  cJSON_Delete(j);
  lispy_unref(L, ref);
  check_after("deep/lispy_repr", before);
}

/* ==== Regex, interrupt, output =================================================== */

static void test_catastrophic_regex(void) {
  size_t before = baseline();
  default_limits();
  double t0 = now();
  expect_limit("regex", "(regex-match \"(a+)+$\" (string-append (string-repeat \"a\" 40) \"!\"))",
               "limit", "fuel");
  double dt = now() - t0;
  if (dt >= 5.0) fprintf(stderr, "regex: took %.2f s\n", dt);
  CHECK(dt < 5.0);
  /* with unlimited fuel, PCRE2's own match limit still ends it */
  set_limits(0, 0, 0, 20.0);
  t0 = now();
  expect_limit("regex/no fuel",
               "(regex-match \"(a+)+$\" (string-append (string-repeat \"a\" 40) \"!\"))", "limit",
               "fuel");
  CHECK(now() - t0 < 5.0);
  check_after("regex", before);
}

/* Sleeps 100 ms, then interrupts the state. */
static void *interrupter(void *arg) {
  struct timespec ts = {0, 100 * 1000 * 1000};
  nanosleep(&ts, NULL);
  lispy_interrupt((lispy_State *)arg);
  return NULL;
}

static void test_interrupt(void) {
  size_t before = baseline();
  set_limits(0, 0, 0, 20.0); /* the timeout only guards against a hang */
  pthread_t th;
  CHECK(pthread_create(&th, NULL, interrupter, L) == 0);
  double t0 = now();
  expect_limit("interrupt", "(let loop () (loop))", "interrupted", "interrupted");
  double dt = now() - t0;
  pthread_join(th, NULL);
  CHECK(dt < 5.0);
  check_after("interrupt", before);
}

static size_t output_bytes;

/* Output sink counting what LisPy displays. */
static void count_output(void *ud, const char *s, size_t len) {
  (void)ud;
  (void)s;
  output_bytes += len;
}

static void test_output_bound(void) {
  size_t before = baseline();
  lispy_set_output(L, count_output, NULL);
  set_limits(0, 0, 0, 20.0);
  expect_limit("output", "(let loop () (display \"xxxxxxxx\") (loop))", "limit", "output");
  CHECK(output_bytes > 0 && output_bytes <= LX_OUTPUT_LIMIT);
  lispy_set_output(L, NULL, NULL);
  check_after("output", before);
}

/* ==== Which limit errors LisPy can catch ========================================= */

static void check_str_value(lispy_Value v, const char *want) {
  CHECK_STR(lispy_to_cstring(v, NULL), want);
}

static void test_catchable(void) {
  default_limits();
  eval_ok("(define (memory-bomb) (let loop ((s \"x\")) (loop (string-append s s))))");
  eval_ok("(define (deep-call n) (if (= n 0) 0 (+ 1 (deep-call (- n 1)))))");
  size_t before = baseline();

  set_limits(0, 32u << 20, 0, 0);
  check_str_value(eval_ok("(try (memory-bomb) (catch e (error-kind e)))"), "limit");
  check_str_value(eval_ok("(try (memory-bomb) (catch e (get (error-data e) :limit)))"), "memory");
  /* After catching, the same evaluation can go on allocating. */
  check_str_value(eval_ok("(begin (try (memory-bomb) (catch e nil))"
                          "       (string-append \"still\" \" \" \"here\"))"),
                  "still here");
  check_after("catch memory", before);

  default_limits();
  check_str_value(eval_ok("(try (deep-call 1000000) (catch e (get (error-data e) :limit)))"),
                  "depth");
  check_after("catch depth", before);

  /* Fuel, time and interrupts cannot be caught: they would run out again. */
  set_limits(100000, 0, 0, 0);
  expect_limit("catch fuel", "(try (let loop () (loop)) (catch e \"caught\"))", "limit", "fuel");
  check_after("catch fuel", before);
  set_limits(0, 0, 0, 0.1);
  expect_limit("catch time", "(try (let loop () (loop)) (catch e \"caught\"))", "limit", "time");
  check_after("catch time", before);
}

/* Limits are per evaluation: a fresh budget each time, never inherited. */
static void test_fresh_budget(void) {
  set_limits(200000, 0, 0, 0);
  for (int i = 0; i < 5; i++) {
    lispy_Value v = eval_ok("(let loop ((i 0)) (if (< i 10000) (loop (+ i 1)) i))");
    CHECK(lx_is(v, LX_INT) && v.as.i == 10000);
  }
  default_limits();
}

int main(void) {
  L = lispy_open();
  if (L == NULL) {
    fprintf(stderr, "lispy_open failed\n");
    return 1;
  }
  test_infinite_loop();
  test_deep_recursion();
  test_string_doubling();
  test_deep_text();
  test_deep_runtime();
  test_catastrophic_regex();
  test_interrupt();
  test_output_bound();
  test_catchable();
  test_fresh_budget();
  lispy_close(L);
  printf("test_limits: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
