/*
** lx_lib_list.c -- list and vector builtins.
**
** Sequence functions accept lists, vectors and nil (as the empty sequence)
** and return lists unless stated otherwise. Everything here is first-order:
** the higher-order functions (map, filter, sort with a comparator...) live
** in stdlib/prelude.lispy, since natives cannot call LisPy functions.
** Work proportional to the input charges fuel (1 step per LX_FUEL_ITEMS
** items), mostly up front (fail fast); the loops then poll the deadline and
** the interrupt as they go (lx_paid_item, in seq_next and the builders).
*/
#include <string.h>

#include "lx_lib.h"

/* ========================================================================
** Sequence cursor and list builder
** ======================================================================== */

/* A walk over a list, a vector or nil. */
typedef struct Seq {
  lx_Value list;  /* remaining list (lists only) */
  lx_Vector *vec; /* the vector, or NULL for lists and nil */
  size_t i;       /* next vector index */
  lx_Value orig;  /* the sequence, for error messages */
  const char *fn; /* builtin name, for error messages */
} Seq;

/* True for the values the sequence functions accept. */
static bool is_seq(lx_Value v) {
  return v.tag == LX_NIL || v.tag == LX_EMPTY || v.tag == LX_PAIR || v.tag == LX_VECTOR;
}

/* Start walking v, raising a type error unless it is a sequence. */
static void seq_open(lx_State *L, Seq *s, const char *fn, lx_Value v) {
  if (!is_seq(v)) lx_type_error(L, fn, "a list or vector", v);
  s->list = v.tag == LX_NIL ? lx_empty() : v;
  s->vec = v.tag == LX_VECTOR ? lx_as_vector(v) : NULL;
  s->i = 0;
  s->orig = v;
  s->fn = fn;
}

/* Next item into *out; false at the end. An improper tail is an error. */
static bool seq_next(lx_State *L, Seq *s, lx_Value *out) {
  lx_paid_item(L);
  if (s->vec != NULL) {
    if (s->i >= s->vec->len) return false;
    *out = s->vec->items[s->i++];
    return true;
  }
  if (s->list.tag == LX_PAIR) {
    *out = lx_car(s->list);
    s->list = lx_cdr(s->list);
    return true;
  }
  if (s->list.tag != LX_EMPTY) lx_type_error(L, s->fn, "a proper list", s->orig);
  return false;
}

/* Number of items of a sequence (raises on improper lists). */
static size_t seq_length(lx_State *L, const char *fn, lx_Value v) {
  if (!is_seq(v)) lx_type_error(L, fn, "a list or vector", v);
  if (v.tag == LX_VECTOR) return lx_as_vector(v)->len;
  if (v.tag == LX_NIL) return 0;
  return (size_t)lx_check_list(L, fn, v);
}

/* Builds a list front to back by linking fresh pairs (they are rooted by
** the builtin's protected region until it returns). */
typedef struct ListBuilder {
  lx_Value head; /* the list so far ('() when empty) */
  lx_Pair *tail; /* last pair, or NULL */
} ListBuilder;

static void lb_init(ListBuilder *b) {
  b->head = lx_empty();
  b->tail = NULL;
}

static void lb_add(lx_State *L, ListBuilder *b, lx_Value x) {
  lx_Value cell = lx_cons(L, x, lx_empty());
  if (b->tail) b->tail->cdr = cell;
  else b->head = cell;
  b->tail = lx_as_pair(cell);
}

/* Finish with a shared tail (append's last argument). */
static lx_Value lb_finish(ListBuilder *b, lx_Value tail) {
  if (b->tail == NULL) return tail;
  b->tail->cdr = tail;
  return b->head;
}

/* Charge fuel for touching n items. */
static void charge_items(lx_State *L, size_t n) { lx_charge(L, lx_items_cost(n)); }

/* Copy the items of a sequence into a new list. */
static lx_Value seq_to_list(lx_State *L, const char *fn, lx_Value v) {
  if (v.tag == LX_NIL) return lx_empty();
  if (v.tag != LX_VECTOR) {
    charge_items(L, seq_length(L, fn, v));
    return v;
  }
  lx_Vector *vec = lx_as_vector(v);
  charge_items(L, vec->len);
  return lx_list_from(L, vec->items, vec->len);
}

/* ========================================================================
** Pairs
** ======================================================================== */

/* A new pair. Plain Scheme cons, like the VM's inlined version: the cdr
** is kept as is (so (cons 1 2) is the dotted pair (1 . 2)). */
static lx_Value bi_cons(lx_State *L, int argc, lx_Value *argv) {
  return lx_cons(L, argv[0], argv[1]);
}

/* Follow a path of car ('a') / cdr ('d') steps, applied right to left as
** in the name (cadr = car of cdr), raising with the full name. */
static lx_Value cxr(lx_State *L, const char *fn, const char *path, lx_Value v) {
  for (size_t i = strlen(path); i-- > 0;) {
    if (v.tag != LX_PAIR) lx_type_error(L, fn, "a pair", v);
    v = path[i] == 'a' ? lx_car(v) : lx_cdr(v);
  }
  return v;
}

static lx_Value bi_car(lx_State *L, int argc, lx_Value *argv) {
  return cxr(L, "car", "a", argv[0]);
}

static lx_Value bi_cdr(lx_State *L, int argc, lx_Value *argv) {
  return cxr(L, "cdr", "d", argv[0]);
}

static lx_Value bi_caar(lx_State *L, int argc, lx_Value *argv) {
  return cxr(L, "caar", "aa", argv[0]);
}

static lx_Value bi_cadr(lx_State *L, int argc, lx_Value *argv) {
  return cxr(L, "cadr", "ad", argv[0]);
}

static lx_Value bi_cdar(lx_State *L, int argc, lx_Value *argv) {
  return cxr(L, "cdar", "da", argv[0]);
}

static lx_Value bi_cddr(lx_State *L, int argc, lx_Value *argv) {
  return cxr(L, "cddr", "dd", argv[0]);
}

static lx_Value bi_caddr(lx_State *L, int argc, lx_Value *argv) {
  return cxr(L, "caddr", "add", argv[0]);
}

static lx_Value bi_cdddr(lx_State *L, int argc, lx_Value *argv) {
  return cxr(L, "cdddr", "ddd", argv[0]);
}

static lx_Value bi_cadddr(lx_State *L, int argc, lx_Value *argv) {
  return cxr(L, "cadddr", "addd", argv[0]);
}

/* ========================================================================
** Building lists
** ======================================================================== */

static lx_Value bi_list(lx_State *L, int argc, lx_Value *argv) {
  return lx_list_from(L, argv, (size_t)argc);
}

/* (list* a b tail): items consed onto the last argument. */
static lx_Value bi_list_star(lx_State *L, int argc, lx_Value *argv) {
  lx_Value tail = argv[argc - 1];
  if (tail.tag == LX_NIL || tail.tag == LX_VECTOR) tail = seq_to_list(L, "list*", tail);
  for (int i = argc - 1; i-- > 0;) tail = lx_cons(L, argv[i], tail);
  return tail;
}

/* (append xs ... last): copies every argument but the last, which is
** shared (a vector or nil last argument is converted to a list). */
static lx_Value bi_append(lx_State *L, int argc, lx_Value *argv) {
  if (argc == 0) return lx_empty();
  ListBuilder b;
  lb_init(&b);
  for (int i = 0; i < argc - 1; i++) {
    Seq s;
    lx_Value x;
    seq_open(L, &s, "append", argv[i]);
    charge_items(L, seq_length(L, "append", argv[i]));
    while (seq_next(L, &s, &x)) lb_add(L, &b, x);
  }
  lx_Value last = argv[argc - 1];
  if (!is_seq(last)) lx_type_error(L, "append", "a list or vector", last);
  if (last.tag != LX_PAIR) last = seq_to_list(L, "append", last);
  return lb_finish(&b, last);
}

static lx_Value bi_reverse(lx_State *L, int argc, lx_Value *argv) {
  Seq s;
  lx_Value x, r = lx_empty();
  seq_open(L, &s, "reverse", argv[0]);
  charge_items(L, seq_length(L, "reverse", argv[0]));
  while (seq_next(L, &s, &x)) r = lx_cons(L, x, r);
  return r;
}

/* A fresh copy of the list structure (items shared). */
static lx_Value bi_list_copy(lx_State *L, int argc, lx_Value *argv) {
  Seq s;
  lx_Value x;
  ListBuilder b;
  lb_init(&b);
  seq_open(L, &s, "list-copy", argv[0]);
  charge_items(L, seq_length(L, "list-copy", argv[0]));
  while (seq_next(L, &s, &x)) lb_add(L, &b, x);
  return b.head;
}

/* Number of items of a count argument (negative counts as 0). */
static size_t count_arg(lx_State *L, const char *fn, lx_Value v) {
  int64_t n = lx_check_int(L, fn, v);
  return n < 0 ? 0 : (size_t)n;
}

/* (iota count [start [step]]): count numbers from start (0) by step (1). */
static lx_Value bi_iota(lx_State *L, int argc, lx_Value *argv) {
  size_t n = count_arg(L, "iota", argv[0]);
  lx_Value start = argc > 1 ? argv[1] : lx_int(0);
  lx_Value step = argc > 2 ? argv[2] : lx_int(1);
  lx_check_number(L, "iota", start);
  lx_check_number(L, "iota", step);
  charge_items(L, n);
  lx_Value r = lx_empty();
  for (size_t i = n; i-- > 0;) {
    lx_paid_item(L);
    lx_Value k = lx_num_mul(L, lx_int((int64_t)i), step);
    r = lx_cons(L, lx_num_add(L, start, k), r);
  }
  return r;
}

/* (repeat n x): a list of n copies of x. */
static lx_Value bi_repeat(lx_State *L, int argc, lx_Value *argv) {
  size_t n = count_arg(L, "repeat", argv[0]);
  charge_items(L, n);
  lx_Value r = lx_empty();
  for (size_t i = 0; i < n; i++) {
    lx_paid_item(L);
    r = lx_cons(L, argv[1], r);
  }
  return r;
}

/* ========================================================================
** range
** ======================================================================== */

/* Number of elements of [a, b) by step (step != 0). */
static uint64_t range_count(int64_t a, int64_t b, int64_t step) {
  uint64_t span, st;
  if (step > 0) {
    if (a >= b) return 0;
    span = (uint64_t)b - (uint64_t)a;
    st = (uint64_t)step;
  } else {
    if (a <= b) return 0;
    span = (uint64_t)a - (uint64_t)b;
    st = (uint64_t)0 - (uint64_t)step;
  }
  return span / st + (span % st != 0);
}

/* (range n), (range a b), (range a b step): integers from a up to (not
** including) b. */
static lx_Value bi_range(lx_State *L, int argc, lx_Value *argv) {
  int64_t a = 0, b, step = 1;
  if (argc == 1) {
    b = lx_check_int(L, "range", argv[0]);
  } else {
    a = lx_check_int(L, "range", argv[0]);
    b = lx_check_int(L, "range", argv[1]);
    if (argc == 3) step = lx_check_int(L, "range", argv[2]);
  }
  if (step == 0) lx_error(L, "range: step must not be 0");
  uint64_t n = range_count(a, b, step);
  if (n > (uint64_t)INT64_MAX / 2) lx_error(L, "range: too many elements");
  lx_charge(L, lx_items_cost((size_t)n));
  lx_Value r = lx_empty();
  for (uint64_t i = n; i-- > 0;) {
    lx_paid_item(L);
    uint64_t x = (uint64_t)a + i * (uint64_t)step; /* wraps back into range */
    r = lx_cons(L, lx_int((int64_t)x), r);
  }
  return r;
}

/* ========================================================================
** Access
** ======================================================================== */

/* Length of lists, vectors, strings (code points), dicts; nil is 0. */
static lx_Value bi_length(lx_State *L, int argc, lx_Value *argv) {
  lx_Value v = argv[0];
  switch (v.tag) {
    case LX_STRING: return lx_int(lx_as_string(v)->nchars);
    case LX_DICT: return lx_int((int64_t)lx_as_dict(v)->count);
    case LX_NIL:
    case LX_EMPTY:
    case LX_VECTOR:
    case LX_PAIR: {
      size_t n = seq_length(L, "length", v);
      if (v.tag == LX_PAIR) charge_items(L, n);
      return lx_int((int64_t)n);
    }
    default: lx_type_error(L, "length", "a list, vector, string or dict", v);
  }
}

/* Item i of a list or vector, or raise naming fn. */
static lx_Value item_at(lx_State *L, const char *fn, lx_Value xs, lx_Value iv) {
  if (xs.tag == LX_VECTOR) {
    lx_Vector *v = lx_as_vector(xs);
    return v->items[lx_check_index(L, fn, iv, v->len)];
  }
  if (!is_seq(xs)) lx_type_error(L, fn, "a list or vector", xs);
  int64_t i = lx_check_int(L, fn, iv);
  int64_t k = 0;
  lx_Value p = xs;
  for (; p.tag == LX_PAIR && k < i; k++) {
    p = lx_cdr(p);
    lx_tick(L);
  }
  if (i < 0 || p.tag != LX_PAIR)
    lx_error(L, "%s: index %lld out of range (length %zu)", fn, (long long)i,
             seq_length(L, fn, xs));
  return lx_car(p);
}

static lx_Value bi_nth(lx_State *L, int argc, lx_Value *argv) {
  return item_at(L, "nth", argv[0], argv[1]);
}

static lx_Value bi_list_ref(lx_State *L, int argc, lx_Value *argv) {
  return item_at(L, "list-ref", argv[0], argv[1]);
}

/* Item i of a sequence, or nil when it is shorter. */
static lx_Value item_or_nil(lx_State *L, const char *fn, lx_Value xs, size_t i) {
  Seq s;
  lx_Value x;
  seq_open(L, &s, fn, xs);
  if (s.vec) return i < s.vec->len ? s.vec->items[i] : lx_nil();
  for (size_t k = 0; seq_next(L, &s, &x); k++)
    if (k == i) return x;
  return lx_nil();
}

static lx_Value bi_first(lx_State *L, int argc, lx_Value *argv) {
  return item_or_nil(L, "first", argv[0], 0);
}

static lx_Value bi_second(lx_State *L, int argc, lx_Value *argv) {
  return item_or_nil(L, "second", argv[0], 1);
}

static lx_Value bi_third(lx_State *L, int argc, lx_Value *argv) {
  return item_or_nil(L, "third", argv[0], 2);
}

/* Everything after the first item, as a list ('() when empty). */
static lx_Value bi_rest(lx_State *L, int argc, lx_Value *argv) {
  lx_Value v = argv[0];
  if (v.tag == LX_PAIR) return lx_cdr(v);
  if (v.tag == LX_VECTOR) {
    lx_Vector *vec = lx_as_vector(v);
    if (vec->len == 0) return lx_empty();
    charge_items(L, vec->len);
    return lx_list_from(L, vec->items + 1, vec->len - 1);
  }
  if (!is_seq(v)) lx_type_error(L, "rest", "a list or vector", v);
  return lx_empty();
}

/* Last item, or nil when empty. */
static lx_Value bi_last(lx_State *L, int argc, lx_Value *argv) {
  Seq s;
  lx_Value x, last = lx_nil();
  seq_open(L, &s, "last", argv[0]);
  if (s.vec) return s.vec->len ? s.vec->items[s.vec->len - 1] : lx_nil();
  charge_items(L, seq_length(L, "last", argv[0]));
  while (seq_next(L, &s, &x)) last = x;
  return last;
}

/* The last pair of a non-empty list. */
static lx_Value bi_last_pair(lx_State *L, int argc, lx_Value *argv) {
  lx_Value p = argv[0];
  if (p.tag != LX_PAIR) lx_type_error(L, "last-pair", "a pair", p);
  for (; lx_cdr(p).tag == LX_PAIR; p = lx_cdr(p)) lx_tick(L);
  return p;
}

/* All items but the last, as a list. */
static lx_Value bi_butlast(lx_State *L, int argc, lx_Value *argv) {
  size_t n = seq_length(L, "butlast", argv[0]);
  Seq s;
  lx_Value x;
  ListBuilder b;
  lb_init(&b);
  seq_open(L, &s, "butlast", argv[0]);
  charge_items(L, n);
  for (size_t i = 0; i + 1 < n && seq_next(L, &s, &x); i++) lb_add(L, &b, x);
  return b.head;
}

/* take/drop accept (take n xs) and (take xs n); sets *n and *xs. */
static void count_and_seq(lx_State *L, const char *fn, lx_Value *argv, size_t *n, lx_Value *xs) {
  bool seq_first = argv[1].tag == LX_INT && argv[0].tag != LX_INT;
  *n = count_arg(L, fn, argv[seq_first ? 1 : 0]);
  *xs = argv[seq_first ? 0 : 1];
}

/* The first n items (fewer if the sequence is shorter), as a list. */
static lx_Value bi_take(lx_State *L, int argc, lx_Value *argv) {
  size_t n;
  lx_Value xs, x;
  count_and_seq(L, "take", argv, &n, &xs);
  Seq s;
  ListBuilder b;
  lb_init(&b);
  seq_open(L, &s, "take", xs);
  for (size_t i = 0; i < n && seq_next(L, &s, &x); i++) {
    lx_tick(L);
    lb_add(L, &b, x);
  }
  return b.head;
}

/* Everything after the first n items (a shared tail for lists). */
static lx_Value bi_drop(lx_State *L, int argc, lx_Value *argv) {
  size_t n;
  lx_Value xs;
  count_and_seq(L, "drop", argv, &n, &xs);
  if (!is_seq(xs)) lx_type_error(L, "drop", "a list or vector", xs);
  if (xs.tag == LX_VECTOR) {
    lx_Vector *v = lx_as_vector(xs);
    if (n >= v->len) return lx_empty();
    charge_items(L, v->len - n);
    return lx_list_from(L, v->items + n, v->len - n);
  }
  for (size_t i = 0; i < n && xs.tag == LX_PAIR; i++) {
    xs = lx_cdr(xs);
    lx_tick(L);
  }
  return xs.tag == LX_NIL ? lx_empty() : xs;
}

/* ========================================================================
** Searching
** ======================================================================== */

/* (member x xs): the tail of xs starting at the first item equal to x, or
** #f. For vectors the tail is a fresh list. */
static lx_Value bi_member(lx_State *L, int argc, lx_Value *argv) {
  lx_Value xs = argv[1];
  if (!is_seq(xs)) lx_type_error(L, "member", "a list or vector", xs);
  if (xs.tag == LX_VECTOR) {
    lx_Vector *v = lx_as_vector(xs);
    for (size_t i = 0; i < v->len; i++) {
      lx_tick(L);
      if (lx_equal(L, argv[0], v->items[i])) {
        charge_items(L, v->len - i);
        return lx_list_from(L, v->items + i, v->len - i);
      }
    }
    return lx_bool(false);
  }
  for (; xs.tag == LX_PAIR; xs = lx_cdr(xs)) {
    lx_tick(L);
    if (lx_equal(L, argv[0], lx_car(xs))) break;
  }
  return xs.tag == LX_PAIR ? xs : lx_bool(false);
}


/* Index of x in a sequence (lx_equal), or -1. */
static int64_t seq_index(lx_State *L, const char *fn, lx_Value xs, lx_Value x) {
  Seq s;
  lx_Value y;
  int64_t i = 0;
  seq_open(L, &s, fn, xs);
  for (; seq_next(L, &s, &y); i++) {
    lx_tick(L);
    if (lx_equal(L, x, y)) return i;
  }
  return -1;
}

/* Code-point index of a byte offset in a UTF-8 string. */
static int64_t codepoint_index(lx_State *L, const lx_String *s, int64_t byte) {
  lx_charge(L, lx_bytes_cost((size_t)byte));
  int64_t n = 0;
  for (int64_t i = 0; i < byte; i++)
    if (((unsigned char)s->data[i] & 0xC0) != 0x80) n++;
  return n;
}

/* (contains? coll x): dicts: has key x; strings: has substring x;
** lists and vectors: has an item equal to x; nil: #f. */
static lx_Value bi_containsp(lx_State *L, int argc, lx_Value *argv) {
  lx_Value c = argv[0];
  if (c.tag == LX_DICT) return lx_bool(lx_dict_get(L, lx_as_dict(c), argv[1], NULL));
  if (c.tag == LX_STRING) {
    lx_String *needle = lx_check_strlike(L, "contains?", argv[1]);
    return lx_bool(lx_find_bytes(L, lx_as_string(c), 0, needle) >= 0);
  }
  if (!is_seq(c)) lx_type_error(L, "contains?", "a collection or string", c);
  return lx_bool(seq_index(L, "contains?", c, argv[1]) >= 0);
}

/* (index-of coll x): position of x in a list or vector, or of substring x
** in a string (in code points); nil when absent. */
static lx_Value bi_index_of(lx_State *L, int argc, lx_Value *argv) {
  lx_Value c = argv[0];
  int64_t i;
  if (c.tag == LX_STRING) {
    lx_String *s = lx_as_string(c);
    i = lx_find_bytes(L, s, 0, lx_check_strlike(L, "index-of", argv[1]));
    if (i >= 0) i = codepoint_index(L, s, i);
  } else {
    i = seq_index(L, "index-of", c, argv[1]);
  }
  return i < 0 ? lx_nil() : lx_int(i);
}

/* ========================================================================
** Restructuring
** ======================================================================== */

/* (zip xs ys ...): a list of lists taking one item from each, as long as
** the shortest argument. */
static lx_Value bi_zip(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *cols = lx_vector_new(L, (size_t)argc); /* one vector per arg */
  lx_Vector *row = lx_vector_new(L, (size_t)argc);  /* scratch row */
  size_t n = argc ? SIZE_MAX : 0;
  for (int i = 0; i < argc; i++) {
    if (!is_seq(argv[i])) lx_type_error(L, "zip", "a list or vector", argv[i]);
    lx_Vector *c = lx_seq_to_vector(L, "zip", argv[i]);
    cols->items[cols->len++] = lx_obj(c);
    if (c->len < n) n = c->len;
  }
  charge_items(L, n * (size_t)argc);
  ListBuilder b;
  lb_init(&b);
  for (size_t k = 0; k < n; k++) {
    lx_paid(L, argc * (LX_FUEL_BYTES / LX_FUEL_ITEMS));
    for (int i = 0; i < argc; i++) row->items[i] = lx_as_vector(cols->items[i])->items[k];
    lb_add(L, &b, lx_list_from(L, row->items, (size_t)argc));
  }
  return b.head;
}

/* Append the leaves of v (lists and vectors are opened) to b. */
static void flatten_into(lx_State *L, ListBuilder *b, lx_Value v) {
  if (v.tag != LX_PAIR && v.tag != LX_VECTOR && v.tag != LX_EMPTY) {
    lb_add(L, b, v);
    return;
  }
  lx_c_enter(L);
  Seq s;
  lx_Value x;
  size_t n = 0;
  seq_open(L, &s, "flatten", v);
  for (; seq_next(L, &s, &x); n++) flatten_into(L, b, x);
  charge_items(L, n);
  lx_c_leave(L);
}

/* All non-sequence leaves of nested lists and vectors, in order. */
static lx_Value bi_flatten(lx_State *L, int argc, lx_Value *argv) {
  ListBuilder b;
  lb_init(&b);
  if (argv[0].tag == LX_NIL) return lx_empty();
  if (!is_seq(argv[0])) lx_type_error(L, "flatten", "a list or vector", argv[0]);
  flatten_into(L, &b, argv[0]);
  return b.head;
}

/* Dict key standing for x in unique's seen-table: string-like keys merge
** under lx_key_equal, so the bucket (a list) is rechecked with lx_equal. */
static bool seen_before(lx_State *L, lx_Dict *seen, lx_Value x) {
  lx_Value bucket;
  if (!lx_dict_get(L, seen, x, &bucket)) bucket = lx_empty();
  for (lx_Value p = bucket; p.tag == LX_PAIR; p = lx_cdr(p)) {
    lx_tick(L);
    if (lx_equal(L, lx_car(p), x)) return true;
  }
  lx_dict_set(L, seen, x, lx_cons(L, x, bucket));
  return false;
}

/* Items in order, keeping only the first of equal ones. */
static lx_Value bi_unique(lx_State *L, int argc, lx_Value *argv) {
  Seq s;
  lx_Value x;
  ListBuilder b;
  lx_Dict *seen = lx_dict_new(L, 0);
  lb_init(&b);
  seq_open(L, &s, "unique", argv[0]);
  charge_items(L, 4 * seq_length(L, "unique", argv[0]));
  while (seq_next(L, &s, &x))
    if (!seen_before(L, seen, x)) lb_add(L, &b, x);
  return b.head;
}

/* ========================================================================
** Vectors
** ======================================================================== */

/* A new vector of n items copied from items. */
static lx_Value vector_of(lx_State *L, const lx_Value *items, size_t n) {
  lx_Vector *v = lx_vector_new(L, n);
  if (n) memcpy(v->items, items, n * sizeof *items);
  v->len = n;
  return lx_obj(v);
}

/* (vector x ...): a new vector of the arguments. */
static lx_Value bi_vector(lx_State *L, int argc, lx_Value *argv) {
  return vector_of(L, argv, (size_t)argc);
}

/* (make-vector n [fill]): n slots of fill (nil by default), charged for n
** items up front, before the allocation. */
static lx_Value bi_make_vector(lx_State *L, int argc, lx_Value *argv) {
  int64_t n = lx_check_int(L, "make-vector", argv[0]);
  if (n < 0) lx_type_error(L, "make-vector", "a nonnegative integer", argv[0]);
  lx_charge(L, lx_items_cost((size_t)n));
  lx_Vector *v = lx_vector_new(L, (size_t)n);
  lx_Value fill = argc > 1 ? argv[1] : lx_nil();
  for (int64_t i = 0; i < n; i++) v->items[i] = fill;
  v->len = (size_t)n;
  return lx_obj(v);
}

/* (vector-ref v i): the item at i; an index out of range is an error. */
static lx_Value bi_vector_ref(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *v = lx_check_vector(L, "vector-ref", argv[0]);
  return v->items[lx_check_index(L, "vector-ref", argv[1], v->len)];
}

/* Mutates the vector in place; returns it. */
static lx_Value bi_vector_set(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *v = lx_check_vector(L, "vector-set!", argv[0]);
  lx_check_mutable(L, "vector-set!", &v->h);
  v->items[lx_check_index(L, "vector-set!", argv[1], v->len)] = argv[2];
  return argv[0];
}

/* Appends to the vector in place; returns it. */
static lx_Value bi_vector_push(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *v = lx_check_vector(L, "vector-push!", argv[0]);
  lx_check_mutable(L, "vector-push!", &v->h);
  for (int i = 1; i < argc; i++) lx_vector_push(L, v, argv[i]);
  return argv[0];
}

static lx_Value bi_vector_length(lx_State *L, int argc, lx_Value *argv) {
  return lx_int((int64_t)lx_check_vector(L, "vector-length", argv[0])->len);
}

static lx_Value bi_vector_to_list(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *v = lx_check_vector(L, "vector->list", argv[0]);
  charge_items(L, v->len);
  return lx_list_from(L, v->items, v->len);
}

/* A fresh vector with the items of any sequence. */
static lx_Value to_vector(lx_State *L, const char *fn, lx_Value seq) {
  if (!is_seq(seq)) lx_type_error(L, fn, "a list or vector", seq);
  return lx_obj(lx_seq_to_vector(L, fn, seq));
}

static lx_Value bi_list_to_vector(lx_State *L, int argc, lx_Value *argv) {
  return to_vector(L, "list->vector", argv[0]);
}

static lx_Value bi_vec(lx_State *L, int argc, lx_Value *argv) {
  return to_vector(L, "vec", argv[0]);
}

/* (conj coll x ...): a new collection with the items added where they are
** cheap: in front of lists (and nil), at the end of vectors; for dicts
** each x is a (key value) pair. */
static lx_Value bi_conj(lx_State *L, int argc, lx_Value *argv) {
  lx_Value c = argv[0];
  if (c.tag == LX_NIL || lx_islist(c)) {
    if (c.tag == LX_NIL) c = lx_empty();
    for (int i = 1; i < argc; i++) c = lx_cons(L, argv[i], c);
    return c;
  }
  if (c.tag == LX_VECTOR) {
    lx_Vector *src = lx_as_vector(c);
    charge_items(L, src->len);
    lx_Value r = vector_of(L, src->items, src->len);
    for (int i = 1; i < argc; i++) lx_vector_push(L, lx_as_vector(r), argv[i]);
    return r;
  }
  if (c.tag != LX_DICT) lx_type_error(L, "conj", "a list, vector or dict", c);
  lx_Dict *d = lx_dict_copy(L, lx_as_dict(c));
  charge_items(L, d->count);
  for (int i = 1; i < argc; i++) {
    if (!is_seq(argv[i]) || seq_length(L, "conj", argv[i]) != 2)
      lx_type_error(L, "conj", "a (key value) pair", argv[i]);
    lx_dict_set(L, d, item_or_nil(L, "conj", argv[i], 0), item_or_nil(L, "conj", argv[i], 1));
  }
  return lx_obj(d);
}

/* ========================================================================
** Sorting: a stable merge sort over value arrays held in GC vectors
** ======================================================================== */

/* Compare for sorting: keyed sorts compare the cars of (key . item) pairs. */
static int sort_cmp(lx_State *L, lx_Value a, lx_Value b, bool keyed) {
  if (keyed) return lx_compare(L, lx_car(a), lx_car(b));
  return lx_compare(L, a, b);
}

/* Bottom-up merge sort of a[0..n) using tmp as scratch; stable. Leaves the
** result in a. */
static void merge_sort(lx_State *L, lx_Value *a, lx_Value *tmp, size_t n, bool keyed) {
  lx_Value *src = a, *dst = tmp;
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n;
      size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) {
        lx_tick(L);
        dst[k++] = sort_cmp(L, src[j], src[i], keyed) < 0 ? src[j++] : src[i++];
      }
      while (i < mid) dst[k++] = src[i++];
      while (j < hi) dst[k++] = src[j++];
      charge_items(L, hi - lo);
    }
    lx_Value *t = src;
    src = dst;
    dst = t;
  }
  if (src != a) memcpy(a, src, n * sizeof *a);
}

/* Sort a copy of seq's items into a fresh vector. */
static lx_Vector *sorted_vector(lx_State *L, const char *fn, lx_Value seq, bool keyed) {
  if (!is_seq(seq)) lx_type_error(L, fn, "a list or vector", seq);
  lx_Vector *v = lx_seq_to_vector(L, fn, seq);
  lx_Vector *tmp = lx_vector_new(L, v->len);
  if (keyed)
    for (size_t i = 0; i < v->len; i++)
      if (v->items[i].tag != LX_PAIR) lx_type_error(L, fn, "a (key . item) pair", v->items[i]);
  merge_sort(L, v->items, tmp->items, v->len, keyed);
  return v;
}

/* (%sort-default xs): xs sorted by compare; a vector for a vector, else a
** list. */
static lx_Value bi_sort_default(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *v = sorted_vector(L, "sort", argv[0], false);
  if (argv[0].tag == LX_VECTOR) return lx_obj(v);
  return lx_list_from(L, v->items, v->len);
}

/* (%sort-keyed pairs): the items of a list of (key . item) pairs, stably
** sorted by key. */
static lx_Value bi_sort_keyed(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *v = sorted_vector(L, "sort-by", argv[0], true);
  lx_Value r = lx_empty();
  for (size_t i = v->len; i-- > 0;) r = lx_cons(L, lx_cdr(v->items[i]), r);
  return r;
}

/* (%seq name xs): xs as a list (nil -> '(), vectors copied), raising a
** type error naming the caller otherwise. For the prelude. */
static lx_Value bi_seq(lx_State *L, int argc, lx_Value *argv) {
  lx_String *name = lx_check_strlike(L, "%seq", argv[0]);
  return seq_to_list(L, name->data, argv[1]);
}

/* (%cars lists): the list of the first items of each list, or #f as soon
** as one of them is empty. For the prelude's multi-list map. */
static lx_Value bi_cars(lx_State *L, int argc, lx_Value *argv) {
  ListBuilder b;
  lb_init(&b);
  for (lx_Value p = argv[0]; p.tag == LX_PAIR; p = lx_cdr(p)) {
    if (lx_car(p).tag != LX_PAIR) return lx_bool(false);
    lb_add(L, &b, lx_car(lx_car(p)));
  }
  return b.head;
}

/* (%cdrs lists): the list of the rests of each (non-empty) list. */
static lx_Value bi_cdrs(lx_State *L, int argc, lx_Value *argv) {
  ListBuilder b;
  lb_init(&b);
  for (lx_Value p = argv[0]; p.tag == LX_PAIR; p = lx_cdr(p)) {
    if (lx_car(p).tag != LX_PAIR) lx_type_error(L, "%cdrs", "a pair", lx_car(p));
    lb_add(L, &b, lx_cdr(lx_car(p)));
  }
  return b.head;
}

/* ========================================================================
** Registration
** ======================================================================== */

/* One registration record. */
/* clang-format off */
static const lx_LibFn list_fns[] = {
  {"cons", bi_cons, 2, 2, "(x xs)", "A new pair: x in front of the list xs."},
  {"car", bi_car, 1, 1, "(pair)", "First item of a pair."},
  {"cdr", bi_cdr, 1, 1, "(pair)", "Rest of a pair."},
  {"caar", bi_caar, 1, 1, "(x)", "(car (car x))."},
  {"cadr", bi_cadr, 1, 1, "(x)", "(car (cdr x)): the second item."},
  {"cdar", bi_cdar, 1, 1, "(x)", "(cdr (car x))."},
  {"cddr", bi_cddr, 1, 1, "(x)", "(cdr (cdr x))."},
  {"caddr", bi_caddr, 1, 1, "(x)", "(car (cdr (cdr x))): the third item."},
  {"cdddr", bi_cdddr, 1, 1, "(x)", "(cdr (cdr (cdr x)))."},
  {"cadddr", bi_cadddr, 1, 1, "(x)", "The fourth item of a list."},
  {"list", bi_list, 0, -1, "(x ...)", "A list of the arguments."},
  {"list*", bi_list_star, 1, -1, "(x ... tail)", "The items consed in front of the list tail."},
  {"cons*", bi_list_star, 1, -1, "(x ... tail)", "The items consed in front of the list tail (alias of list*)."},
  {"length", bi_length, 1, 1, "(coll)", "Items of a list or vector, characters of a string, entries of a dict."},
  {"append", bi_append, 0, -1, "(xs ...)", "One list of the items of all arguments (the last is shared)."},
  {"reverse", bi_reverse, 1, 1, "(xs)", "The items in reverse order, as a list."},
  {"list-copy", bi_list_copy, 1, 1, "(xs)", "A fresh list with the same items."},
  {"iota", bi_iota, 1, 3, "(count [start step])", "A list of count numbers from start (0) by step (1)."},
  {"repeat", bi_repeat, 2, 2, "(n x)", "A list of n copies of x."},
  {"range", bi_range, 1, 3, "([start] end [step])", "Integers from start (0) up to but not including end."},
  {"nth", bi_nth, 2, 2, "(xs i)", "Item i (from 0) of a list or vector; error when out of range."},
  {"list-ref", bi_list_ref, 2, 2, "(xs i)", "Item i (from 0) of a list or vector (alias of nth)."},
  {"first", bi_first, 1, 1, "(xs)", "First item, or nil when empty."},
  {"second", bi_second, 1, 1, "(xs)", "Second item, or nil."},
  {"third", bi_third, 1, 1, "(xs)", "Third item, or nil."},
  {"rest", bi_rest, 1, 1, "(xs)", "All items but the first, as a list (() when empty)."},
  {"last", bi_last, 1, 1, "(xs)", "Last item, or nil when empty."},
  {"last-pair", bi_last_pair, 1, 1, "(xs)", "The last pair of a non-empty list."},
  {"butlast", bi_butlast, 1, 1, "(xs)", "All items but the last, as a list."},
  {"take", bi_take, 2, 2, "(n xs)", "The first n items, as a list ((take xs n) also works)."},
  {"drop", bi_drop, 2, 2, "(n xs)", "All but the first n items, as a list ((drop xs n) also works)."},
  {"member", bi_member, 2, 2, "(x xs)", "The tail of xs starting with x, or #f."},
  {"contains?", bi_containsp, 2, 2, "(coll x)", "Dict has key x / string has substring x / sequence has item x."},
  {"index-of", bi_index_of, 2, 2, "(coll x)", "Position of x in a list, vector or string, or nil."},
  {"zip", bi_zip, 0, -1, "(xs ys ...)", "Lists of corresponding items, as long as the shortest argument."},
  {"flatten", bi_flatten, 1, 1, "(xs)", "The leaves of nested lists and vectors, as one list."},
  {"unique", bi_unique, 1, 1, "(xs)", "The items without duplicates, keeping first occurrences."},
  {"distinct", bi_unique, 1, 1, "(xs)", "The items without duplicates (alias of unique)."},
  {"vector", bi_vector, 0, -1, "(x ...)", "A vector of the arguments."},
  {"make-vector", bi_make_vector, 1, 2, "(n [fill])", "A vector of n items, all fill (nil)."},
  {"vector-ref", bi_vector_ref, 2, 2, "(v i)", "Item i of a vector."},
  {"vector-set!", bi_vector_set, 3, 3, "(v i x)", "Store x at index i of v (mutates); returns v."},
  {"vector-push!", bi_vector_push, 2, -1, "(v x ...)", "Append items to v (mutates); returns v."},
  {"vector-length", bi_vector_length, 1, 1, "(v)", "Number of items of a vector."},
  {"vector->list", bi_vector_to_list, 1, 1, "(v)", "The items of a vector as a list."},
  {"list->vector", bi_list_to_vector, 1, 1, "(xs)", "The items of a list as a new vector."},
  {"vec", bi_vec, 1, 1, "(xs)", "The items of a list or vector as a new vector."},
  {"conj", bi_conj, 1, -1, "(coll x ...)", "New collection with items added: lists in front, vectors at the end, dicts as (k v) pairs."},
  {"%sort-default", bi_sort_default, 1, 1, "(xs)", "Internal: stable sort by compare (vector in, vector out)."},
  {"%sort-keyed", bi_sort_keyed, 1, 1, "(pairs)", "Internal: items of (key . item) pairs, stably sorted by key."},
  {"%seq", bi_seq, 2, 2, "(name xs)", "Internal: xs as a list, or a type error naming name."},
  {"%cars", bi_cars, 1, 1, "(lists)", "Internal: the first item of each list, or #f if one is empty."},
  {"%cdrs", bi_cdrs, 1, 1, "(lists)", "Internal: the rest of each list."},
};
/* clang-format on */

void lx_lib_list_open(lx_State *L) {
  lx_register_fns(L, list_fns, sizeof list_fns / sizeof list_fns[0]);
}
