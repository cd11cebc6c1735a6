/*
** lx_lib_core.c -- core builtins: arithmetic, numeric comparison, equality,
** type predicates, error values and the random number generator.
**
** Also implements the arithmetic shared with the VM fast paths
** (lx_num_add/sub/mul/div and lx_num_cmp, declared in lx_lib.h).
*/
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "lx_lib.h"

/* ========================================================================
** Number helpers
** ======================================================================== */

/* Raise "NAME: expected a number, got V" unless v is a number. */
static void num_check(lx_State *L, const char *fn, lx_Value v) {
  if (!lx_isnumber(v)) lx_type_error(L, fn, "a number", v);
}

/* The value of a number as a double (v must be a number). */
static double num_to_double(lx_Value v) { return v.tag == LX_INT ? (double)v.as.i : v.as.f; }

/* Raise "integer overflow in OP". */
static _Noreturn void overflow(lx_State *L, const char *op) {
  lx_error(L, "integer overflow in %s", op);
}

/* An integer argument (floats are rejected). */
static int64_t int_arg(lx_State *L, const char *fn, lx_Value v) {
  if (v.tag != LX_INT) lx_type_error(L, fn, "an integer", v);
  return v.as.i;
}

/* ========================================================================
** Shared arithmetic (lx_lib.h)
** ======================================================================== */

/* a + b for the + builtin and the VM's slow path: integers stay integers
** (overflow is an error, never a wrap or a silent float), any float makes
** the result a float. Non-numbers raise a type error naming "+". */
lx_Value lx_num_add(lx_State *L, lx_Value a, lx_Value b) {
  num_check(L, "+", a);
  num_check(L, "+", b);
  if (a.tag == LX_INT && b.tag == LX_INT) {
    int64_t r;
    if (__builtin_add_overflow(a.as.i, b.as.i, &r)) overflow(L, "+");
    return lx_int(r);
  }
  return lx_float(num_to_double(a) + num_to_double(b));
}

/* a - b, with lx_num_add's rules. */
lx_Value lx_num_sub(lx_State *L, lx_Value a, lx_Value b) {
  num_check(L, "-", a);
  num_check(L, "-", b);
  if (a.tag == LX_INT && b.tag == LX_INT) {
    int64_t r;
    if (__builtin_sub_overflow(a.as.i, b.as.i, &r)) overflow(L, "-");
    return lx_int(r);
  }
  return lx_float(num_to_double(a) - num_to_double(b));
}

/* a * b, with lx_num_add's rules. */
lx_Value lx_num_mul(lx_State *L, lx_Value a, lx_Value b) {
  num_check(L, "*", a);
  num_check(L, "*", b);
  if (a.tag == LX_INT && b.tag == LX_INT) {
    int64_t r;
    if (__builtin_mul_overflow(a.as.i, b.as.i, &r)) overflow(L, "*");
    return lx_int(r);
  }
  return lx_float(num_to_double(a) * num_to_double(b));
}

/* Integer division by zero is an error; an exact integer quotient stays an
** integer, anything else becomes a float (IEEE rules for floats). */
lx_Value lx_num_div(lx_State *L, lx_Value a, lx_Value b) {
  num_check(L, "/", a);
  num_check(L, "/", b);
  if (a.tag == LX_INT && b.tag == LX_INT) {
    if (b.as.i == 0) lx_error(L, "/: division by zero");
    if (b.as.i == -1) {
      if (a.as.i == INT64_MIN) overflow(L, "/");
      return lx_int(-a.as.i);
    }
    if (a.as.i % b.as.i == 0) return lx_int(a.as.i / b.as.i);
  }
  return lx_float(num_to_double(a) / num_to_double(b));
}

/* Compare an integer with a double exactly (no rounding of large ints).
** NaN compares as equal to nothing; it is reported as "greater". */
static int cmp_int_float(int64_t i, double f) {
  if (isnan(f)) return 1;
  double di = (double)i;
  if (di < f) return -1;
  if (di > f) return 1;
  /* di == f: f is integral and within [-2^63, 2^63]. */
  if (f >= 9223372036854775808.0) return -1;
  int64_t fi = (int64_t)f;
  return i < fi ? -1 : i > fi ? 1 : 0;
}

/* -1, 0 or 1 for a < b, a = b, a > b, exact between integers and floats
** (cmp_int_float). A NaN never answers 0 (1, or -1 when a is the NaN and
** b an integer): callers that need "unordered" check for NaN themselves
** (lx_vm_compare, chain). Non-numbers raise naming fn. */
int lx_num_cmp(lx_State *L, const char *fn, lx_Value a, lx_Value b) {
  num_check(L, fn, a);
  num_check(L, fn, b);
  if (a.tag == LX_INT && b.tag == LX_INT) return a.as.i < b.as.i ? -1 : a.as.i > b.as.i ? 1 : 0;
  if (a.tag == LX_INT) return cmp_int_float(a.as.i, b.as.f);
  if (b.tag == LX_INT) return -cmp_int_float(b.as.i, a.as.f);
  if (a.as.f < b.as.f) return -1;
  if (a.as.f > b.as.f) return 1;
  return a.as.f == b.as.f ? 0 : 1;
}

/* ========================================================================
** Arithmetic builtins
** ======================================================================== */

/* (+ x ...): 0 for no arguments, folded left to right. */
static lx_Value bi_add(lx_State *L, int argc, lx_Value *argv) {
  lx_Value acc = lx_int(0);
  for (int i = 0; i < argc; i++) acc = lx_num_add(L, acc, argv[i]);
  return acc;
}

/* (* x ...): 1 for no arguments, folded left to right. */
static lx_Value bi_mul(lx_State *L, int argc, lx_Value *argv) {
  lx_Value acc = lx_int(1);
  for (int i = 0; i < argc; i++) acc = lx_num_mul(L, acc, argv[i]);
  return acc;
}

/* (- x) negates; (- x y ...) subtracts left to right. */
static lx_Value bi_sub(lx_State *L, int argc, lx_Value *argv) {
  if (argc == 1 && argv[0].tag == LX_FLOAT) return lx_float(-argv[0].as.f);
  if (argc == 1) return lx_num_sub(L, lx_int(0), argv[0]);
  lx_Value acc = argv[0];
  for (int i = 1; i < argc; i++) acc = lx_num_sub(L, acc, argv[i]);
  return acc;
}

/* (/ x) is the reciprocal; (/ x y ...) divides left to right. */
static lx_Value bi_div(lx_State *L, int argc, lx_Value *argv) {
  if (argc == 1) return lx_num_div(L, lx_int(1), argv[0]);
  lx_Value acc = argv[0];
  for (int i = 1; i < argc; i++) acc = lx_num_div(L, acc, argv[i]);
  return acc;
}

/* Check integer division operands: nonzero divisor. */
static void div_args(lx_State *L, const char *fn, lx_Value *argv, int64_t *a, int64_t *b) {
  *a = int_arg(L, fn, argv[0]);
  *b = int_arg(L, fn, argv[1]);
  if (*b == 0) lx_error(L, "%s: division by zero", fn);
}

/* Truncating division. */
static lx_Value bi_quotient(lx_State *L, int argc, lx_Value *argv) {
  int64_t a, b;
  div_args(L, "quotient", argv, &a, &b);
  if (a == INT64_MIN && b == -1) overflow(L, "quotient");
  return lx_int(a / b);
}

/* Remainder with the sign of the dividend. */
static lx_Value bi_remainder(lx_State *L, int argc, lx_Value *argv) {
  int64_t a, b;
  div_args(L, "remainder", argv, &a, &b);
  if (b == -1) return lx_int(0);
  return lx_int(a % b);
}

/* Modulo with the sign of the divisor. */
static lx_Value bi_modulo(lx_State *L, int argc, lx_Value *argv) {
  int64_t a, b;
  div_args(L, "modulo", argv, &a, &b);
  if (b == -1) return lx_int(0);
  int64_t r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return lx_int(r);
}

static lx_Value bi_abs(lx_State *L, int argc, lx_Value *argv) {
  num_check(L, "abs", argv[0]);
  if (argv[0].tag == LX_FLOAT) return lx_float(fabs(argv[0].as.f));
  if (argv[0].as.i == INT64_MIN) overflow(L, "abs");
  return lx_int(argv[0].as.i < 0 ? -argv[0].as.i : argv[0].as.i);
}

/* min / max: the extreme argument itself (its type is kept). */
static lx_Value extreme(lx_State *L, const char *fn, int argc, lx_Value *argv, int want) {
  lx_Value best = argv[0];
  num_check(L, fn, best);
  for (int i = 1; i < argc; i++) {
    num_check(L, fn, argv[i]);
    if (argv[i].tag == LX_FLOAT && isnan(argv[i].as.f)) return argv[i];
    if (lx_num_cmp(L, fn, argv[i], best) == want) best = argv[i];
  }
  return best;
}

static lx_Value bi_min(lx_State *L, int argc, lx_Value *argv) {
  return extreme(L, "min", argc, argv, -1);
}

static lx_Value bi_max(lx_State *L, int argc, lx_Value *argv) {
  return extreme(L, "max", argc, argv, 1);
}

static lx_Value bi_inc(lx_State *L, int argc, lx_Value *argv) {
  num_check(L, "inc", argv[0]);
  if (argv[0].tag == LX_FLOAT) return lx_float(argv[0].as.f + 1);
  if (argv[0].as.i == INT64_MAX) overflow(L, "inc");
  return lx_int(argv[0].as.i + 1);
}

static lx_Value bi_dec(lx_State *L, int argc, lx_Value *argv) {
  num_check(L, "dec", argv[0]);
  if (argv[0].tag == LX_FLOAT) return lx_float(argv[0].as.f - 1);
  if (argv[0].as.i == INT64_MIN) overflow(L, "dec");
  return lx_int(argv[0].as.i - 1);
}

/* ========================================================================
** Rounding: integers pass through; floats give integers (like Python), and
** values that no integer represents (inf, nan, huge) are errors.
** ======================================================================== */

/* Convert an integral double to an int value, or raise. */
static lx_Value float_to_int(lx_State *L, const char *fn, double f) {
  if (isnan(f) || f < -9223372036854775808.0 || f >= 9223372036854775808.0)
    lx_error(L, "%s: %g has no integer value", fn, f);
  return lx_int((int64_t)f);
}

/* Apply a rounding function to a number argument. */
static lx_Value round_with(lx_State *L, const char *fn, lx_Value v, double (*op)(double)) {
  num_check(L, fn, v);
  if (v.tag == LX_INT) return v;
  return float_to_int(L, fn, op(v.as.f));
}

static lx_Value bi_floor(lx_State *L, int argc, lx_Value *argv) {
  return round_with(L, "floor", argv[0], floor);
}

static lx_Value bi_ceiling(lx_State *L, int argc, lx_Value *argv) {
  return round_with(L, "ceiling", argv[0], ceil);
}

static lx_Value bi_truncate(lx_State *L, int argc, lx_Value *argv) {
  return round_with(L, "truncate", argv[0], trunc);
}

/* (round x) -> nearest integer, ties to even; (round x digits) -> a float
** rounded to that many decimal digits. */
static lx_Value bi_round(lx_State *L, int argc, lx_Value *argv) {
  if (argc == 1) return round_with(L, "round", argv[0], nearbyint);
  num_check(L, "round", argv[0]);
  int64_t digits = int_arg(L, "round", argv[1]);
  if (argv[0].tag == LX_INT && digits >= 0) return argv[0];
  if (digits > 300 || digits < -300) lx_error(L, "round: too many digits");
  double scale = pow(10.0, (double)digits);
  double x = num_to_double(argv[0]);
  double r = nearbyint(x * scale) / scale;
  return lx_float(isfinite(r) ? r : x);
}

/* ========================================================================
** Powers, roots, transcendental functions
** ======================================================================== */

/* Exact integer power base^e (e >= 0) by squaring, raising on overflow. */
static int64_t ipow(lx_State *L, int64_t base, int64_t e) {
  int64_t r = 1;
  while (e > 0) {
    if ((e & 1) && __builtin_mul_overflow(r, base, &r)) overflow(L, "expt");
    e >>= 1;
    if (e > 0 && __builtin_mul_overflow(base, base, &base)) overflow(L, "expt");
  }
  return r;
}

static lx_Value bi_expt(lx_State *L, int argc, lx_Value *argv) {
  num_check(L, "expt", argv[0]);
  num_check(L, "expt", argv[1]);
  if (argv[0].tag == LX_INT && argv[1].tag == LX_INT && argv[1].as.i >= 0)
    return lx_int(ipow(L, argv[0].as.i, argv[1].as.i));
  return lx_float(pow(num_to_double(argv[0]), num_to_double(argv[1])));
}

/* Exact root of a perfect square stays an integer; else a float. */
static lx_Value bi_sqrt(lx_State *L, int argc, lx_Value *argv) {
  num_check(L, "sqrt", argv[0]);
  double r = sqrt(num_to_double(argv[0]));
  if (argv[0].tag == LX_INT && argv[0].as.i >= 0 && r < 3037000500.0) {
    int64_t k = (int64_t)r;
    for (int64_t c = k > 0 ? k - 1 : 0, sq; c <= k + 1; c++)
      if (!__builtin_mul_overflow(c, c, &sq) && sq == argv[0].as.i) return lx_int(c);
  }
  return lx_float(r);
}

/* One-argument float functions share this shape. */
static lx_Value float_fn(lx_State *L, const char *fn, lx_Value v, double (*op)(double)) {
  num_check(L, fn, v);
  return lx_float(op(num_to_double(v)));
}

static lx_Value bi_exp(lx_State *L, int argc, lx_Value *argv) {
  return float_fn(L, "exp", argv[0], exp);
}

static lx_Value bi_sin(lx_State *L, int argc, lx_Value *argv) {
  return float_fn(L, "sin", argv[0], sin);
}

static lx_Value bi_cos(lx_State *L, int argc, lx_Value *argv) {
  return float_fn(L, "cos", argv[0], cos);
}

static lx_Value bi_tan(lx_State *L, int argc, lx_Value *argv) {
  return float_fn(L, "tan", argv[0], tan);
}

static lx_Value bi_asin(lx_State *L, int argc, lx_Value *argv) {
  return float_fn(L, "asin", argv[0], asin);
}

static lx_Value bi_acos(lx_State *L, int argc, lx_Value *argv) {
  return float_fn(L, "acos", argv[0], acos);
}

/* (log x) natural logarithm; (log x base). */
static lx_Value bi_log(lx_State *L, int argc, lx_Value *argv) {
  num_check(L, "log", argv[0]);
  double x = log(num_to_double(argv[0]));
  if (argc == 1) return lx_float(x);
  num_check(L, "log", argv[1]);
  return lx_float(x / log(num_to_double(argv[1])));
}

/* (atan y) or (atan y x). */
static lx_Value bi_atan(lx_State *L, int argc, lx_Value *argv) {
  num_check(L, "atan", argv[0]);
  if (argc == 1) return lx_float(atan(num_to_double(argv[0])));
  num_check(L, "atan", argv[1]);
  return lx_float(atan2(num_to_double(argv[0]), num_to_double(argv[1])));
}

static lx_Value bi_inexact(lx_State *L, int argc, lx_Value *argv) {
  num_check(L, "exact->inexact", argv[0]);
  return lx_float(num_to_double(argv[0]));
}

/* Floats with an integral value become integers; others are errors. */
static lx_Value bi_exact(lx_State *L, int argc, lx_Value *argv) {
  num_check(L, "inexact->exact", argv[0]);
  if (argv[0].tag == LX_INT) return argv[0];
  double f = argv[0].as.f;
  if (f != trunc(f)) lx_error(L, "inexact->exact: %g is not an integer (use round)", f);
  return float_to_int(L, "inexact->exact", f);
}

/* ========================================================================
** Number predicates
** ======================================================================== */

/* Sign of a number argument: -1, 0, 1 (NaN gives 2). */
static int sign_of(lx_State *L, const char *fn, lx_Value v) {
  num_check(L, fn, v);
  if (v.tag == LX_INT) return v.as.i < 0 ? -1 : v.as.i > 0;
  if (isnan(v.as.f)) return 2;
  return v.as.f < 0 ? -1 : v.as.f > 0;
}

static lx_Value bi_zerop(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(sign_of(L, "zero?", argv[0]) == 0);
}

static lx_Value bi_positivep(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(sign_of(L, "positive?", argv[0]) == 1);
}

static lx_Value bi_negativep(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(sign_of(L, "negative?", argv[0]) == -1);
}

static lx_Value bi_evenp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(int_arg(L, "even?", argv[0]) % 2 == 0);
}

static lx_Value bi_oddp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(int_arg(L, "odd?", argv[0]) % 2 != 0);
}

static lx_Value bi_numberp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(lx_isnumber(argv[0]));
}

static lx_Value bi_integerp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_INT);
}

static lx_Value bi_floatp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_FLOAT);
}

/* ========================================================================
** Comparison and equality
** ======================================================================== */

/* = and ==: every argument equal to the first (structural, 1 = 1.0). */
static lx_Value bi_equals(lx_State *L, int argc, lx_Value *argv) {
  for (int i = 1; i < argc; i++)
    if (!lx_equal(L, argv[0], argv[i])) return lx_bool(false);
  return lx_bool(true);
}

static lx_Value bi_not_equals(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(!lx_truthy(bi_equals(L, argc, argv)));
}

/* True if v is a float NaN (NaN makes every ordering test false). */
static bool is_nan(lx_Value v) { return v.tag == LX_FLOAT && isnan(v.as.f); }

/* Chain a numeric ordering test over all adjacent pairs; ok[c+1] tells
** whether comparison result c satisfies the relation. */
static lx_Value chain(lx_State *L, const char *fn, int argc, lx_Value *argv, const bool ok[3]) {
  bool result = true;
  num_check(L, fn, argv[0]);
  for (int i = 1; i < argc; i++) {
    int c = lx_num_cmp(L, fn, argv[i - 1], argv[i]);
    if (is_nan(argv[i - 1]) || is_nan(argv[i]) || !ok[c + 1]) result = false;
  }
  return lx_bool(result);
}

static lx_Value bi_lt(lx_State *L, int argc, lx_Value *argv) {
  static const bool ok[3] = {true, false, false};
  return chain(L, "<", argc, argv, ok);
}

static lx_Value bi_gt(lx_State *L, int argc, lx_Value *argv) {
  static const bool ok[3] = {false, false, true};
  return chain(L, ">", argc, argv, ok);
}

static lx_Value bi_le(lx_State *L, int argc, lx_Value *argv) {
  static const bool ok[3] = {true, true, false};
  return chain(L, "<=", argc, argv, ok);
}

static lx_Value bi_ge(lx_State *L, int argc, lx_Value *argv) {
  static const bool ok[3] = {false, true, true};
  return chain(L, ">=", argc, argv, ok);
}

static lx_Value bi_eqp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(lx_eq(argv[0], argv[1]));
}

static lx_Value bi_equalp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(lx_equal(L, argv[0], argv[1]));
}

static lx_Value bi_not(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(!lx_truthy(argv[0]));
}

static lx_Value bi_compare(lx_State *L, int argc, lx_Value *argv) {
  int c = lx_compare(L, argv[0], argv[1]);
  return lx_int(c < 0 ? -1 : c > 0);
}

/* ========================================================================
** Type predicates
** ======================================================================== */

static lx_Value bi_nilp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_NIL);
}

static lx_Value bi_nullp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_NIL || argv[0].tag == LX_EMPTY);
}

static lx_Value bi_somep(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag != LX_NIL);
}

/* nil, '(), "", [] and {} are empty; other types are errors. */
static lx_Value bi_emptyp(lx_State *L, int argc, lx_Value *argv) {
  lx_Value v = argv[0];
  switch (v.tag) {
    case LX_NIL:
    case LX_EMPTY: return lx_bool(true);
    case LX_PAIR: return lx_bool(false);
    case LX_STRING: return lx_bool(lx_as_string(v)->len == 0);
    case LX_VECTOR: return lx_bool(lx_as_vector(v)->len == 0);
    case LX_DICT: return lx_bool(lx_as_dict(v)->count == 0);
    default: lx_type_error(L, "empty?", "a collection or string", v);
  }
}

static lx_Value bi_pairp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_PAIR);
}

/* Proper lists (including '()). */
static lx_Value bi_listp(lx_State *L, int argc, lx_Value *argv) {
  if (argv[0].tag == LX_EMPTY) return lx_bool(true);
  if (argv[0].tag != LX_PAIR) return lx_bool(false);
  lx_Value p = argv[0];
  for (; p.tag == LX_PAIR; p = lx_cdr(p)) lx_tick(L); /* pairs never form cycles */
  return lx_bool(p.tag == LX_EMPTY);
}

static lx_Value bi_vectorp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_VECTOR);
}

static lx_Value bi_dictp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_DICT);
}

static lx_Value bi_stringp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_STRING);
}

static lx_Value bi_symbolp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_SYMBOL);
}

static lx_Value bi_keywordp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_KEYWORD);
}

static lx_Value bi_booleanp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_BOOL);
}

static lx_Value bi_functionp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_CLOSURE || argv[0].tag == LX_NATIVE);
}

static lx_Value bi_errorp(lx_State *L, int argc, lx_Value *argv) {
  return lx_bool(argv[0].tag == LX_ERROR);
}

static lx_Value bi_type_of(lx_State *L, int argc, lx_Value *argv) {
  return lx_cstring(L, lx_type_name(argv[0]));
}

static lx_Value bi_identity(lx_State *L, int argc, lx_Value *argv) { return argv[0]; }

/* ========================================================================
** Error values
** ======================================================================== */

/* A string as is; anything else as its display text. */
static lx_Value display_string(lx_State *L, lx_Value v) {
  return v.tag == LX_STRING ? v : lx_repr(L, v, false);
}

/* (error msg irritant ...): raise a runtime error whose data is nil, the
** single irritant, or the list of irritants. */
static lx_Value bi_error(lx_State *L, int argc, lx_Value *argv) {
  lx_Value data = lx_nil();
  if (argc == 2) data = argv[1];
  else if (argc > 2) data = lx_list_from(L, argv + 1, (size_t)argc - 1);
  lx_throw(L, lx_error_new(L, "runtime", display_string(L, argv[0]), data));
}

static lx_Value bi_throw(lx_State *L, int argc, lx_Value *argv) { lx_throw(L, argv[0]); }

static lx_Value bi_make_error(lx_State *L, int argc, lx_Value *argv) {
  lx_Value data = argc > 1 ? argv[1] : lx_nil();
  return lx_error_new(L, "runtime", display_string(L, argv[0]), data);
}

/* error-message of a non-error value is its display text. */
static lx_Value bi_error_message(lx_State *L, int argc, lx_Value *argv) {
  if (argv[0].tag == LX_ERROR) return lx_as_error(argv[0])->message;
  return display_string(L, argv[0]);
}

/* A thrown non-error value has kind nil. */
static lx_Value bi_error_kind(lx_State *L, int argc, lx_Value *argv) {
  return argv[0].tag == LX_ERROR ? lx_as_error(argv[0])->kind : lx_nil();
}

/* A thrown non-error value is its own data. */
static lx_Value bi_error_data(lx_State *L, int argc, lx_Value *argv) {
  return argv[0].tag == LX_ERROR ? lx_as_error(argv[0])->data : argv[0];
}

static lx_Value bi_error_trace(lx_State *L, int argc, lx_Value *argv) {
  if (argv[0].tag != LX_ERROR) return lx_empty();
  lx_Value t = lx_as_error(argv[0])->trace;
  return t.tag == LX_NIL ? lx_empty() : t;
}

/* ========================================================================
** Random numbers: xoshiro256** over the calling code's own environment's
** state (lx_code_env), so agents never share a generator
** ======================================================================== */

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* Next 64 random bits. */
static uint64_t rng_next(lx_State *L) {
  uint64_t *s = lx_code_env(L)->rng;
  uint64_t result = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

/* Uniform double in [0, 1) from the top 53 bits. */
static double rng_double(lx_State *L) { return (double)(rng_next(L) >> 11) * 0x1.0p-53; }

/* Uniform integer in [0, n) without modulo bias (rejection sampling). */
static uint64_t rng_below(lx_State *L, uint64_t n) {
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = rng_next(L);
  while (x >= limit);
  return x % n;
}

/* (random) float in [0,1); (random n) int in [0,n), or float in [0,n). */
static lx_Value bi_random(lx_State *L, int argc, lx_Value *argv) {
  if (argc == 0) return lx_float(rng_double(L));
  num_check(L, "random", argv[0]);
  if (argv[0].tag == LX_FLOAT) return lx_float(rng_double(L) * argv[0].as.f);
  if (argv[0].as.i <= 0) lx_type_error(L, "random", "a positive integer", argv[0]);
  return lx_int((int64_t)rng_below(L, (uint64_t)argv[0].as.i));
}

/* (random-seed! n): restart the generator of the calling code's own
** environment only (other agents' numbers do not change). */
static lx_Value bi_random_seed(lx_State *L, int argc, lx_Value *argv) {
  lx_rng_seed(lx_code_env(L)->rng, (uint64_t)int_arg(L, "random-seed!", argv[0]));
  return lx_nil();
}

/* ========================================================================
** Registration
** ======================================================================== */

/* One registration record. */
/* clang-format off */
static const lx_LibFn core_fns[] = {
  {"+", bi_add, 0, -1, "(x ...)", "Sum of the numbers; integers overflow with an error."},
  {"-", bi_sub, 1, -1, "(x y ...)", "Subtract left to right; (- x) negates."},
  {"*", bi_mul, 0, -1, "(x ...)", "Product of the numbers; integers overflow with an error."},
  {"/", bi_div, 1, -1, "(x y ...)", "Divide left to right; exact integer quotients stay integers; (/ x) is 1/x."},
  {"quotient", bi_quotient, 2, 2, "(a b)", "Integer division truncating toward zero."},
  {"remainder", bi_remainder, 2, 2, "(a b)", "Integer remainder with the sign of a."},
  {"modulo", bi_modulo, 2, 2, "(a b)", "Integer modulo with the sign of b."},
  {"abs", bi_abs, 1, 1, "(x)", "Absolute value."},
  {"min", bi_min, 1, -1, "(x y ...)", "Smallest of the numbers."},
  {"max", bi_max, 1, -1, "(x y ...)", "Largest of the numbers."},
  {"inc", bi_inc, 1, 1, "(x)", "x + 1."},
  {"dec", bi_dec, 1, 1, "(x)", "x - 1."},
  {"floor", bi_floor, 1, 1, "(x)", "Largest integer <= x."},
  {"ceiling", bi_ceiling, 1, 1, "(x)", "Smallest integer >= x."},
  {"ceil", bi_ceiling, 1, 1, "(x)", "Smallest integer >= x (alias of ceiling)."},
  {"truncate", bi_truncate, 1, 1, "(x)", "x rounded toward zero, as an integer."},
  {"round", bi_round, 1, 2, "(x [digits])", "Nearest integer (ties to even), or a float rounded to digits decimals."},
  {"expt", bi_expt, 2, 2, "(base power)", "base raised to power; integer powers of integers stay exact."},
  {"sqrt", bi_sqrt, 1, 1, "(x)", "Square root; exact for perfect squares."},
  {"exp", bi_exp, 1, 1, "(x)", "e raised to x."},
  {"log", bi_log, 1, 2, "(x [base])", "Natural logarithm, or logarithm in base."},
  {"sin", bi_sin, 1, 1, "(x)", "Sine (radians)."},
  {"cos", bi_cos, 1, 1, "(x)", "Cosine (radians)."},
  {"tan", bi_tan, 1, 1, "(x)", "Tangent (radians)."},
  {"asin", bi_asin, 1, 1, "(x)", "Arc sine."},
  {"acos", bi_acos, 1, 1, "(x)", "Arc cosine."},
  {"atan", bi_atan, 1, 2, "(y [x])", "Arc tangent of y, or of y/x using both signs."},
  {"exact->inexact", bi_inexact, 1, 1, "(x)", "x as a float."},
  {"inexact", bi_inexact, 1, 1, "(x)", "x as a float."},
  {"inexact->exact", bi_exact, 1, 1, "(x)", "An integral float as an integer."},
  {"exact", bi_exact, 1, 1, "(x)", "An integral float as an integer."},
  {"zero?", bi_zerop, 1, 1, "(x)", "True if x is 0."},
  {"positive?", bi_positivep, 1, 1, "(x)", "True if x > 0."},
  {"negative?", bi_negativep, 1, 1, "(x)", "True if x < 0."},
  {"even?", bi_evenp, 1, 1, "(n)", "True if the integer n is even."},
  {"odd?", bi_oddp, 1, 1, "(n)", "True if the integer n is odd."},
  {"number?", bi_numberp, 1, 1, "(x)", "True for integers and floats."},
  {"integer?", bi_integerp, 1, 1, "(x)", "True for integers (not floats)."},
  {"float?", bi_floatp, 1, 1, "(x)", "True for floats."},
  {"=", bi_equals, 1, -1, "(x y ...)", "True if all arguments are equal (structurally; 1 = 1.0)."},
  {"==", bi_equals, 1, -1, "(x y ...)", "True if all arguments are equal (alias of =)."},
  {"not=", bi_not_equals, 1, -1, "(x y ...)", "True unless all arguments are equal."},
  {"<", bi_lt, 1, -1, "(x y ...)", "True if the numbers are strictly increasing."},
  {">", bi_gt, 1, -1, "(x y ...)", "True if the numbers are strictly decreasing."},
  {"<=", bi_le, 1, -1, "(x y ...)", "True if the numbers are non-decreasing."},
  {">=", bi_ge, 1, -1, "(x y ...)", "True if the numbers are non-increasing."},
  {"eq?", bi_eqp, 2, 2, "(a b)", "True if a and b are the same object or immediate value."},
  {"eqv?", bi_eqp, 2, 2, "(a b)", "True if a and b are the same object or immediate value."},
  {"equal?", bi_equalp, 2, 2, "(a b)", "Structural equality."},
  {"not", bi_not, 1, 1, "(x)", "True if x is nil or #f."},
  {"compare", bi_compare, 2, 2, "(a b)", "-1, 0 or 1 ordering a and b (numbers, strings, lists...)."},
  {"nil?", bi_nilp, 1, 1, "(x)", "True if x is nil."},
  {"null?", bi_nullp, 1, 1, "(x)", "True if x is nil or the empty list."},
  {"some?", bi_somep, 1, 1, "(x)", "True unless x is nil."},
  {"empty?", bi_emptyp, 1, 1, "(coll)", "True for nil, (), \"\", [] and {}."},
  {"pair?", bi_pairp, 1, 1, "(x)", "True for a cons cell."},
  {"list?", bi_listp, 1, 1, "(x)", "True for a proper list or ()."},
  {"vector?", bi_vectorp, 1, 1, "(x)", "True for vectors."},
  {"dict?", bi_dictp, 1, 1, "(x)", "True for dicts."},
  {"map?", bi_dictp, 1, 1, "(x)", "True for dicts (alias of dict?)."},
  {"string?", bi_stringp, 1, 1, "(x)", "True for strings."},
  {"symbol?", bi_symbolp, 1, 1, "(x)", "True for symbols."},
  {"keyword?", bi_keywordp, 1, 1, "(x)", "True for keywords."},
  {"boolean?", bi_booleanp, 1, 1, "(x)", "True for #t and #f."},
  {"function?", bi_functionp, 1, 1, "(x)", "True for functions (LisPy or builtin)."},
  {"procedure?", bi_functionp, 1, 1, "(x)", "True for functions (alias of function?)."},
  {"fn?", bi_functionp, 1, 1, "(x)", "True for functions (alias of function?)."},
  {"error?", bi_errorp, 1, 1, "(x)", "True for error values."},
  {"type-of", bi_type_of, 1, 1, "(x)", "The type name of x as a string."},
  {"identity", bi_identity, 1, 1, "(x)", "Returns x."},
  {"error", bi_error, 1, -1, "(msg irritant ...)", "Raise a runtime error with message msg and the irritants as data."},
  {"throw", bi_throw, 1, 1, "(value)", "Raise any value as an error."},
  {"make-error", bi_make_error, 1, 2, "(msg [data])", "Build a runtime error value without raising it."},
  {"error-message", bi_error_message, 1, 1, "(err)", "Message of an error (display text of other values)."},
  {"error-kind", bi_error_kind, 1, 1, "(err)", "Kind of an error: \"runtime\", \"limit\", ... (nil for non-errors)."},
  {"error-data", bi_error_data, 1, 1, "(err)", "Data attached to an error (a thrown non-error is its own data)."},
  {"error-trace", bi_error_trace, 1, 1, "(err)", "Stack trace of an error: a list of frame dicts."},
  {"random", bi_random, 0, 1, "([n])", "Random float in [0,1), integer in [0,n), or float in [0,n) for float n."},
  {"random-seed!", bi_random_seed, 1, 1, "(n)", "Reseed the random number generator of the calling code's environment."},
};
/* clang-format on */

void lx_lib_core_open(lx_State *L) {
  lx_register_fns(L, core_fns, sizeof core_fns / sizeof core_fns[0]);
}
