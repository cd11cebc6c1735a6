/*
** lx_equal.c -- identity, structural equality, hashing, ordering and type
** names of LisPy values.
**
** Equality and hashing agree: whenever lx_key_equal(a, b) holds,
** lx_hash(a) == lx_hash(b). Numbers compare by exact numeric value (1 = 1.0,
** but 2^53 + 1 is not 2^53 as a float), lists and vectors with equal items
** are equal, dicts are equal when they hold the same keys with equal
** values. Recursion happens only into list cars, vector items and dict
** values, under the C depth guard; list spines are walked iteratively.
**
** Work is charged as it is done (with a state): one fuel step per
** container visited and one per LX_FUEL_ITEMS items, so a structure with
** heavy sharing (level n is (list x x) of level n-1) costs the 2^n visits
** it causes and stops at the fuel or time limit, polled as it goes.
**
** Called with L == NULL (no state at hand), the depth guard is a local
** counter and, past the limit, equality answers false and hashing stops
** descending; nothing is charged.
*/
#include <math.h>
#include <string.h>

#include "lx_lib.h"

/* ========================================================================
** Depth guard that tolerates a missing state
** ======================================================================== */

/* Enter one level of C recursion; false when L is NULL and the local depth
** is past the limit (with a state, the guard raises instead). */
static bool eq_enter(lx_State *L, int depth) {
  if (L != NULL) {
    lx_c_enter(L);
    return true;
  }
  return depth <= LX_MAX_C_DEPTH;
}

static void eq_leave(lx_State *L) {
  if (L != NULL) lx_c_leave(L);
}

/* One container visited: one fuel step (polls deadline and interrupt). */
static void eq_node(lx_State *L) {
  if (L != NULL) lx_charge(L, 1);
}

/* One item of a sequence or dict visited. */
static void eq_item(lx_State *L) {
  if (L != NULL) lx_tick(L);
}

/* Bytes about to be compared or hashed. */
static void eq_bytes(lx_State *L, size_t n) {
  if (L != NULL && n >= LX_FUEL_BYTES) lx_charge(L, lx_bytes_cost(n));
}

/* ========================================================================
** Numbers
** ======================================================================== */

/* If f holds an integral value representable as int64, store it in *out. */
static bool float_as_int(double f, int64_t *out) {
  if (!(f >= -9223372036854775808.0 && f < 9223372036854775808.0)) return false;
  if (f != floor(f)) return false;
  *out = (int64_t)f;
  return true;
}

/* Exact comparison of an integer with a double: -1, 0, 1; 2 if f is NaN. */
static int cmp_int_float(int64_t i, double f) {
  if (isnan(f)) return 2;
  if (f >= 9223372036854775808.0) return -1;
  if (f < -9223372036854775808.0) return 1;
  double fl = floor(f);
  int64_t fi = (int64_t)fl;
  if (i < fi) return -1;
  if (i > fi) return 1;
  return f > fl ? -1 : 0; /* i == floor(f): i < f iff f has a fraction */
}

/* Numeric comparison of two numbers: -1, 0, 1, or 2 when unordered (NaN). */
static int num_cmp(lx_Value a, lx_Value b) {
  if (a.tag == LX_INT && b.tag == LX_INT) return (a.as.i > b.as.i) - (a.as.i < b.as.i);
  if (a.tag == LX_INT) return cmp_int_float(a.as.i, b.as.f);
  if (b.tag == LX_INT) {
    int c = cmp_int_float(b.as.i, a.as.f);
    return c == 2 ? 2 : -c;
  }
  if (isnan(a.as.f) || isnan(b.as.f)) return 2;
  return (a.as.f > b.as.f) - (a.as.f < b.as.f);
}

/* ========================================================================
** Sequence cursors: one walk over lists and vectors alike
** ======================================================================== */

typedef struct SeqCursor {
  lx_Value list;  /* remaining list (lists only) */
  lx_Vector *vec; /* the vector, or NULL for lists */
  size_t i;       /* next vector index */
} SeqCursor;

static void seq_init(SeqCursor *c, lx_Value v) {
  c->list = v;
  c->vec = v.tag == LX_VECTOR ? lx_as_vector(v) : NULL;
  c->i = 0;
}

/* Next item into *out; false at the end (or at an improper tail). */
static bool seq_next(SeqCursor *c, lx_Value *out) {
  if (c->vec != NULL) {
    if (c->i >= c->vec->len) return false;
    *out = c->vec->items[c->i++];
    return true;
  }
  if (c->list.tag != LX_PAIR) return false;
  *out = lx_car(c->list);
  c->list = lx_cdr(c->list);
  return true;
}

/* What follows the items: '() for vectors and proper lists, else the tail. */
static lx_Value seq_tail(const SeqCursor *c) { return c->vec != NULL ? lx_empty() : c->list; }

/* Lists ('() included) and vectors: what equal_seq compares item by item. */
static bool is_seq(lx_Value v) {
  return v.tag == LX_PAIR || v.tag == LX_EMPTY || v.tag == LX_VECTOR;
}

/* ========================================================================
** Identity
** ======================================================================== */

/* Identity (eq?): immediates by value, heap objects by address, so two
** equal strings that are different objects are not eq?. Floats compare
** with ==: NaN is not eq? to itself, and 0.0 is eq? to -0.0. */
bool lx_eq(lx_Value a, lx_Value b) {
  if (a.tag != b.tag) return false;
  switch (a.tag) {
    case LX_NIL:
    case LX_EMPTY: return true;
    case LX_BOOL: return a.as.b == b.as.b;
    case LX_INT: return a.as.i == b.as.i;
    case LX_FLOAT: return a.as.f == b.as.f;
    default: return a.as.o == b.as.o;
  }
}

/* ========================================================================
** Structural equality
** ======================================================================== */

static bool equal_rec(lx_State *L, lx_Value a, lx_Value b, bool keys, int depth);

/* Items pairwise equal and tails equal (lists, vectors, improper lists). */
static bool equal_seq(lx_State *L, lx_Value a, lx_Value b, bool keys, int depth) {
  if (a.tag == LX_VECTOR && b.tag == LX_VECTOR && lx_as_vector(a)->len != lx_as_vector(b)->len)
    return false;
  SeqCursor ca, cb;
  lx_Value x, y;
  seq_init(&ca, a);
  seq_init(&cb, b);
  for (;;) {
    bool hx = seq_next(&ca, &x), hy = seq_next(&cb, &y);
    if (hx != hy) return false;
    if (!hx) break;
    eq_item(L);
    if (!equal_rec(L, x, y, keys, depth)) return false;
  }
  lx_Value ta = seq_tail(&ca), tb = seq_tail(&cb);
  if (ta.tag == LX_EMPTY || tb.tag == LX_EMPTY) return ta.tag == tb.tag;
  return equal_rec(L, ta, tb, keys, depth);
}

/* Same number of keys, and every key of a maps to an equal value in b. */
static bool equal_dict(lx_State *L, lx_Dict *a, lx_Dict *b, bool keys, int depth) {
  if (a->count != b->count) return false;
  if (L != NULL) lx_charge(L, lx_items_cost(a->used - a->count)); /* tombstones */
  lx_Value k, va, vb;
  for (size_t it = 0; lx_dict_next(a, &it, &k, &va);) {
    eq_item(L);
    if (!lx_dict_get(L, b, k, &vb)) return false;
    if (!equal_rec(L, va, vb, keys, depth)) return false;
  }
  return true;
}

/* Compare two strings (or keyword names) byte for byte. */
static bool str_same(lx_State *L, const lx_String *a, const lx_String *b) {
  if (a->len != b->len) return false;
  eq_bytes(L, a->len);
  return memcmp(a->data, b->data, a->len) == 0;
}

/* Equality of one level; containers recurse under the depth guard. */
static bool equal_rec(lx_State *L, lx_Value a, lx_Value b, bool keys, int depth) {
  if (lx_isnumber(a) && lx_isnumber(b)) return num_cmp(a, b) == 0;
  if (keys && lx_isstrlike(a) && lx_isstrlike(b)) return str_same(L, lx_strlike(a), lx_strlike(b));
  if (a.tag == LX_STRING && b.tag == LX_STRING)
    return a.as.o == b.as.o || str_same(L, lx_as_string(a), lx_as_string(b));
  bool seqs = is_seq(a) && is_seq(b);
  if (!seqs && !(a.tag == LX_DICT && b.tag == LX_DICT)) return lx_eq(a, b);
  if (a.tag != LX_EMPTY && a.tag != LX_NIL && a.as.o == b.as.o) return true;
  if (!eq_enter(L, depth + 1)) return false;
  eq_node(L);
  bool r = seqs ? equal_seq(L, a, b, keys, depth + 1)
                : equal_dict(L, lx_as_dict(a), lx_as_dict(b), keys, depth + 1);
  eq_leave(L);
  return r;
}

/* Structural equality (equal?, =): numbers by value across int and float,
** strings by contents, lists and vectors alike item by item, dicts by
** their entries in any order. Charged per node and item; L may be NULL
** (then nothing is charged). */
bool lx_equal(lx_State *L, lx_Value a, lx_Value b) { return equal_rec(L, a, b, false, 0); }

/* Dict-key equality: like lx_equal, but a string and a keyword with the
** same name are the same key (at every level, to agree with lx_hash). */
bool lx_key_equal(lx_State *L, lx_Value a, lx_Value b) { return equal_rec(L, a, b, true, 0); }

/* ========================================================================
** Hashing
** ======================================================================== */

/* Finalizer from MurmurHash3: spreads the bits of a 64-bit value. */
static uint32_t mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return (uint32_t)x;
}

/* Fold one item hash into a running sequence hash (order matters). */
static uint32_t hash_combine(uint32_t h, uint32_t item) {
  return (h ^ item) * 16777619u + 0x9e3779b9u;
}

static uint32_t hash_rec(lx_State *L, lx_Value v, int depth);

/* Lists and vectors with equal items hash alike. */
static uint32_t hash_seq(lx_State *L, lx_Value v, int depth) {
  uint32_t h = 0x51ed270bu;
  SeqCursor c;
  lx_Value x;
  seq_init(&c, v);
  while (seq_next(&c, &x)) {
    eq_item(L);
    h = hash_combine(h, hash_rec(L, x, depth));
  }
  lx_Value tail = seq_tail(&c);
  if (tail.tag != LX_EMPTY) h = hash_combine(h ^ 0x2eu, hash_rec(L, tail, depth));
  return h;
}

/* Order-independent: a sum of per-entry hashes. */
static uint32_t hash_dict(lx_State *L, lx_Dict *d, int depth) {
  uint32_t h = 0x7a3c1d5bu + (uint32_t)d->count;
  if (L != NULL) lx_charge(L, lx_items_cost(d->used - d->count)); /* tombstones */
  lx_Value k, val;
  for (size_t it = 0; lx_dict_next(d, &it, &k, &val);) {
    eq_item(L);
    h += mix64(((uint64_t)hash_rec(L, k, depth) << 32) | hash_rec(L, val, depth));
  }
  return h;
}

/* Hash of one value; containers recurse under the depth guard. */
static uint32_t hash_rec(lx_State *L, lx_Value v, int depth) {
  int64_t i;
  switch (v.tag) {
    case LX_NIL: return 0x6e696cu;
    case LX_EMPTY: return hash_seq(L, v, depth);
    case LX_BOOL: return v.as.b ? 0x74727565u : 0x66616c73u;
    case LX_INT: return mix64((uint64_t)v.as.i);
    case LX_FLOAT: {
      if (float_as_int(v.as.f, &i)) return mix64((uint64_t)i);
      uint64_t bits;
      memcpy(&bits, &v.as.f, sizeof bits);
      return mix64(bits ^ 0x5bd1e995u);
    }
    case LX_STRING:
    case LX_KEYWORD: return lx_string_hash_charged(L, lx_strlike(v));
    case LX_SYMBOL: return lx_string_hash(lx_as_symbol(v)->name) ^ 0x5f3759dfu;
    case LX_PAIR:
    case LX_VECTOR:
    case LX_DICT: break;
    default: return mix64((uint64_t)(uintptr_t)v.as.o);
  }
  if (!eq_enter(L, depth + 1)) return 0x0badu;
  eq_node(L);
  uint32_t h =
      v.tag == LX_DICT ? hash_dict(L, lx_as_dict(v), depth + 1) : hash_seq(L, v, depth + 1);
  eq_leave(L);
  return h;
}

/* A hash agreeing with lx_key_equal: equal keys hash alike (1 and 1.0, a
** list and a vector of the same items, a string and a keyword of one
** name). Charged like lx_equal. */
uint32_t lx_hash(lx_State *L, lx_Value v) { return hash_rec(L, v, 0); }

/* ========================================================================
** Ordering (for sort)
** ======================================================================== */

/* Rank of a value's kind when kinds differ: numbers together, lists and
** vectors together, otherwise by type tag. */
static int kind_rank(lx_Value v) {
  switch (v.tag) {
    case LX_FLOAT: return LX_INT;
    case LX_PAIR:
    case LX_VECTOR: return LX_EMPTY;
    case LX_NATIVE: return LX_CLOSURE;
    default: return (int)v.tag;
  }
}

/* Byte-wise (hence code-point) order of two strings. */
static int str_cmp(lx_State *L, const lx_String *a, const lx_String *b) {
  size_t n = a->len < b->len ? a->len : b->len;
  eq_bytes(L, n);
  int c = memcmp(a->data, b->data, n);
  if (c != 0) return c < 0 ? -1 : 1;
  return (a->len > b->len) - (a->len < b->len);
}

static int compare_rec(lx_State *L, lx_Value a, lx_Value b);

/* Lexicographic order of two sequences; a shorter prefix sorts first. */
static int compare_seq(lx_State *L, lx_Value a, lx_Value b) {
  SeqCursor ca, cb;
  lx_Value x, y;
  seq_init(&ca, a);
  seq_init(&cb, b);
  for (;;) {
    bool hx = seq_next(&ca, &x), hy = seq_next(&cb, &y);
    if (!hx || !hy) {
      if (hx != hy) return hx ? 1 : -1;
      break;
    }
    lx_tick(L);
    int c = compare_rec(L, x, y);
    if (c != 0) return c;
  }
  lx_Value ta = seq_tail(&ca), tb = seq_tail(&cb);
  if (ta.tag == LX_EMPTY || tb.tag == LX_EMPTY) return (ta.tag != LX_EMPTY) - (tb.tag != LX_EMPTY);
  return compare_rec(L, ta, tb);
}

/* NaN sorts after every other number and equal to itself. */
static int compare_numbers(lx_Value a, lx_Value b) {
  int c = num_cmp(a, b);
  if (c != 2) return c;
  bool na = a.tag == LX_FLOAT && isnan(a.as.f);
  bool nb = b.tag == LX_FLOAT && isnan(b.as.f);
  return (int)na - (int)nb;
}

/* Total order on comparable values; raises on dicts, functions etc. */
static int compare_rec(lx_State *L, lx_Value a, lx_Value b) {
  int ra = kind_rank(a), rb = kind_rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (a.tag) {
    case LX_NIL: return 0;
    case LX_BOOL: return (int)a.as.b - (int)b.as.b;
    case LX_INT:
    case LX_FLOAT: return compare_numbers(a, b);
    case LX_STRING:
    case LX_KEYWORD: return str_cmp(L, lx_strlike(a), lx_strlike(b));
    case LX_SYMBOL: return str_cmp(L, lx_as_symbol(a)->name, lx_as_symbol(b)->name);
    case LX_EMPTY:
    case LX_PAIR:
    case LX_VECTOR: break;
    default: lx_error(L, "sort: cannot compare %s and %s", lx_type_name(a), lx_type_name(b));
  }
  lx_c_enter(L);
  eq_node(L);
  int c = compare_seq(L, a, b);
  lx_c_leave(L);
  return c;
}

/* sort's order: -1, 0 or 1 (compare_rec); raises on incomparable values. */
int lx_compare(lx_State *L, lx_Value a, lx_Value b) { return compare_rec(L, a, b); }

/* ========================================================================
** Type names
** ======================================================================== */

/* The LisPy name of v's type, as messages and (type-of x) say it: '() and
** pairs are both "list", closures and builtins both "function", a host
** object its own type name. */
const char *lx_type_name(lx_Value v) {
  switch (v.tag) {
    case LX_NIL: return "nil";
    case LX_EMPTY:
    case LX_PAIR: return "list";
    case LX_BOOL: return "boolean";
    case LX_INT: return "integer";
    case LX_FLOAT: return "float";
    case LX_STRING: return "string";
    case LX_SYMBOL: return "symbol";
    case LX_KEYWORD: return "keyword";
    case LX_VECTOR: return "vector";
    case LX_DICT: return "dict";
    case LX_CLOSURE:
    case LX_NATIVE: return "function";
    case LX_ERROR: return "error";
    case LX_HOST: return lx_as_host(v)->type_name ? lx_as_host(v)->type_name : "host";
    case LX_PROTO: return "proto";
    case LX_BOX: return "box";
    case LX_ENV: return "environment";
    default: return "unknown";
  }
}
