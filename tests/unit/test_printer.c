/*
** test_printer.c -- printed forms (lispy_repr), shortest round-tripping
** floats (lx_format_float) and the pretty printer (lx_pprint).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "lispy.h"
#include "lx_lib.h"
#include "lx_pprint.h"

/* ==== Helpers ================================================================ */

static lispy_Value eval(lispy_State *L, const char *src) {
  lispy_Value v;
  if (lispy_eval_string(L, NULL, src, strlen(src), "test", &v) != LISPY_OK) {
    char *text = lispy_error_text(L, lispy_last_error(L));
    fprintf(stderr, "unexpected error evaluating %s:\n%s\n", src, text);
    free(text);
    exit(1);
  }
  return v;
}

/* The printed form of src's value, readable or display. */
static void check_repr(lispy_State *L, const char *src, bool readable, const char *want) {
  char *text = lispy_repr(L, eval(L, src), readable);
  CHECK_STR(text, want);
  free(text);
}

static void check_float(double f, const char *want) {
  char out[64];
  lx_format_float(f, out, sizeof out);
  CHECK_STR(out, want);
}

/* Pretty-print the value of src at width into a malloc'd C string. */
typedef struct PPCall {
  lispy_Value v;
  int width;
  char *out;
} PPCall;

static void pp_body(lx_State *L, void *ud) {
  PPCall *c = ud;
  lx_Obj *saved = lx_protect_begin(L);
  lx_Buf b;
  lx_buf_init(L, &b);
  lx_pprint(L, &b, c->v, c->width, 0, 0);
  c->out = strdup(lx_buf_data(&b));
  lx_protect_end(L, saved);
}

static void check_pprint(lispy_State *L, const char *src, int width, const char *want) {
  PPCall c = {eval(L, src), width, NULL};
  lx_Value err;
  CHECK(lx_pcall(L, pp_body, &c, &err));
  CHECK_STR(c.out, want);
  free(c.out);
}

/* ==== Tests ================================================================== */

static void test_atoms(lispy_State *L) {
  check_repr(L, "nil", true, "nil");
  check_repr(L, "'()", true, "()");
  check_repr(L, "#t", true, "#t");
  check_repr(L, "#f", true, "#f");
  check_repr(L, "-17", true, "-17");
  check_repr(L, "9223372036854775807", true, "9223372036854775807");
  check_repr(L, "2.5", true, "2.5");
  check_repr(L, "'sym", true, "sym");
  check_repr(L, ":kw", true, ":kw");
  check_repr(L, "\"a\\\"b\\\\c\\n\\t\\r\"", true, "\"a\\\"b\\\\c\\n\\t\\r\"");
  check_repr(L, "\"a\\\"b\"", false, "a\"b");
  check_repr(L, "\"\\u{7}\"", true, "\"\\u{07}\"");
  check_repr(L, "\"\\u{e9}\"", true, "\"\xc3\xa9\"");
}

static void test_structures(lispy_State *L) {
  check_repr(L, "'(1 \"a\" :b c)", true, "(1 \"a\" :b c)");
  check_repr(L, "'(1 \"a\" :b c)", false, "(1 a :b c)");
  check_repr(L, "'(1 . 2)", true, "(1 . 2)");
  check_repr(L, "'(1 2 . 3)", true, "(1 2 . 3)");
  check_repr(L, "''x", true, "'x");
  check_repr(L, "'(quote x y)", true, "(quote x y)");
  check_repr(L, "'`(a ,b ,@c)", true, "`(a ,b ,@c)");
  check_repr(L, "[1 [2 3] ()]", true, "[1 [2 3] ()]");
  check_repr(L, "{:a 1 \"b c\" [2]}", true, "{:a 1 \"b c\" [2]}");
  check_repr(L, "{}", true, "{}");
  check_repr(L, "car", true, "#<builtin car>");
  check_repr(L, "(define (named-fn) 1) named-fn", true, "#<function named-fn>");
  check_repr(L, "(make-error \"boom\")", true, "#<error runtime: boom>");
}

static void test_floats(void) {
  check_float(1.0, "1.0");
  check_float(0.1, "0.1");
  check_float(-0.5, "-0.5");
  check_float(1e100, "1e+100");
  check_float(-0.0, "-0.0");
  check_float(100.0, "100.0");
  check_float(123456789.0, "123456789.0");
  check_float(1.5e-7, "1.5e-07");
  check_float(5e-324, "5e-324");
  check_float(1.7976931348623157e308, "1.7976931348623157e+308");
  check_float(1.0 / 3.0, "0.3333333333333333");
  check_float(0.0001, "0.0001");
  check_float(0.00001, "1e-05");
  check_float(1e15, "1000000000000000.0");
  check_float(1e16, "1e+16");
  check_float(123456789012345680.0, "1.2345678901234568e+17");
  check_float(0.30000000000000004, "0.30000000000000004");
  check_float(INFINITY, "+inf.0");
  check_float(-INFINITY, "-inf.0");
  check_float(NAN, "+nan.0");
  /* every finite double reads back exactly */
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 20000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double f;
    memcpy(&f, &x, sizeof f);
    if (!isfinite(f)) continue;
    char out[64];
    lx_format_float(f, out, sizeof out);
    if (strtod(out, NULL) != f || strpbrk(out, ".e") == NULL) {
      fprintf(stderr, "float %.17g printed as %s\n", f, out);
      failed++;
      break;
    }
  }
}

static void test_pprint(lispy_State *L) {
  check_pprint(L, "[1 2 3]", 80, "[1 2 3]");
  check_pprint(L, "[100 200 300]", 8, "[100\n 200\n 300]");
  check_pprint(L, "{:alpha 1 :beta [1 2]}", 12, "{:alpha 1\n :beta [1 2]}");
  check_pprint(L, "'(define (f x) (+ x 1))", 16, "(define (f x)\n  (+ x 1))");
  check_pprint(L, "'(1 2)", 3, "(1\n 2)");
  check_pprint(L, "{:a {:bb 1 :cc 2}}", 10, "{:a {:bb 1\n     :cc 2}}");
}

static void test_depth(lispy_State *L) {
  lispy_Value r;
  const char *src = "(format \"~s\" (let loop ((i 0) (acc '())) "
                    "(if (= i 5000) acc (loop (+ i 1) (list acc)))))";
  CHECK(lispy_eval_string(L, NULL, src, strlen(src), "test", &r) == LISPY_ERROR);
  const char *kind = lispy_error_kind(lispy_last_error(L));
  CHECK(kind != NULL && strcmp(kind, "limit") == 0);
  /* the state is still usable */
  check_repr(L, "'(1 2)", true, "(1 2)");
}

/* lispy_pprint_cut: "… N more" after max_items items of each container,
** (…) [… ] {…} past max_depth, in flat and broken layouts alike. */
static void check_cut(lispy_State *L, const char *src, int width, size_t items, int depth,
                      const char *want) {
  char *got = lispy_pprint_cut(L, eval(L, src), width, items, depth);
  CHECK_STR(got, want);
  free(got);
}

static void test_cut(lispy_State *L) {
  check_cut(L, "(range 10)", 80, 3, 0, "(0 1 2 \xe2\x80\xa6 7 more)");
  check_cut(L, "(range 3)", 80, 3, 0, "(0 1 2)"); /* exactly max_items: no cut */
  check_cut(L, "(list->vector (range 5))", 80, 2, 0, "[0 1 \xe2\x80\xa6 3 more]");
  check_cut(L, "{:a 1 :b 2 :c 3}", 80, 1, 0, "{:a 1 \xe2\x80\xa6 2 more}");
  check_cut(L, "'(1 (2 (3 (4))))", 80, 0, 2, "(1 (2 (\xe2\x80\xa6)))");
  check_cut(L, "[[1] {:a [2]}]", 80, 0, 2, "[[1] {:a [\xe2\x80\xa6]}]");
  char *big = lispy_pprint_cut(L, eval(L, "(range 1000000)"), 80, 100, 0);
  CHECK(big && strstr(big, "\xe2\x80\xa6 999900 more)") && strlen(big) < 2000);
  free(big);
  /* a vector holding itself prints bounded at the depth (without a cut it
  ** is "#<unprintable: nested too deeply>", see test_depth) */
  check_cut(L, "(let ((v (vector 1 2))) (vector-set! v 0 v) v)", 80, 0, 3,
            "[[[[\xe2\x80\xa6] 2] 2] 2]");
  /* broken over lines: the cut ends the last line */
  check_cut(L, "(list \"aaaaaaaaaa\" \"bbbbbbbbbb\" \"cccccccccc\" \"dddddddddd\")", 20, 2, 0,
            "(\"aaaaaaaaaa\"\n \"bbbbbbbbbb\" \xe2\x80\xa6 2 more)");
  check_cut(L, "'(define (f x) (+ x 1) (* x 2) (- x 3))", 16, 3, 0,
            "(define (f x)\n  (+ x 1) \xe2\x80\xa6 2 more)");
}

int main(void) {
  lispy_State *L = lispy_open();
  if (L == NULL) {
    fprintf(stderr, "lispy_open failed\n");
    return 1;
  }
  test_atoms(L);
  test_structures(L);
  test_floats();
  test_pprint(L);
  test_depth(L);
  test_cut(L);
  lispy_close(L);
  if (failed) fprintf(stderr, "test_printer: %d failure(s)\n", failed);
  else printf("test_printer: all checks passed\n");
  return failed ? 1 : 0;
}
