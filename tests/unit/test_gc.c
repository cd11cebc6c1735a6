/*
** test_gc.c -- the collector and the accounting allocator.
**
**   - GC stress mode (a collection at every allocation) running a workload
**     of lists, dicts, vectors, strings, closures, errors and JSON whose
**     results are checked;
**   - memory returns to its baseline after lispy_gc;
**   - fault injection in the SQLite spirit: the same program under memory
**     limits from 1 KB up to a few MB (doubling), and a fine sweep over
**     every small limit for a short program; each run must either give the
**     right answer or fail with a "memory" limit error, the state's
**     invariants must hold afterwards and the next evaluation must work;
**   - the weak symbol table: 100k fresh symbols are dropped by a collection.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lispy.h"
#include "lx_state.h"
#include "check.h"
#include "audit.h"

/* ==== A tiny check harness ================================================ */


/* ==== Helpers ================================================================ */

/* Bytes that may stay behind after a collection (last error, its trace). */
#define MEM_MARGIN (64u * 1024u)

static lispy_State *L;

/* Install a memory limit (0: none) with the other limits at defaults. */
static void set_memory_limit(size_t bytes) {
  lispy_Limits lim = lispy_default_limits();
  lim.memory = bytes;
  lispy_set_limits(L, &lim);
}

/* Evaluate src in L; its readable printed form or NULL (check.h). */
static char *eval_repr(const char *src, bool quiet) { return eval_repr_in(L, src, quiet); }

/* Evaluate src and compare its printed form with want. */
static void check_eval(const char *src, const char *want) {
  check_result(src, eval_repr(src, false), want);
}

static size_t baseline(void) {
  lispy_gc(L);
  return lispy_memory_used(L);
}

/* Memory after a collection is back within the margin of `before`. */
static void check_memory_back(const char *label, size_t before, size_t extra) {
  size_t after = baseline();
  if (after <= before + extra + MEM_MARGIN) {
    passed++;
  } else {
    fprintf(stderr, "%s: memory not given back: %zu before, %zu after gc\n", label, before, after);
    failed++;
  }
}

/* Between evaluations the state must be at rest: nothing left protected,
** no frames, no C depth, no pending limit error. */
static bool state_at_rest(void) {
  return L->protect_mark == NULL && L->nframes == 0 && L->nhandlers == 0 && L->c_depth == 0 &&
         L->api_depth == 0 && L->nested_runs == 0 && !L->in_limit_error && !L->gc_inhibit &&
         !L->gc_running && L->jump == NULL && L->sp == 0;
}

/* ==== Accounting audit (audit.h) ============================================ */

/* mem_used must equal the recomputed total of owned bytes, to the byte. */
#define check_accounting(label) check_accounting_of(L, label)

/* ==== GC stress workload ====================================================== */

/* Each entry: an expression and its readable printed value. */
/* clang-format off */
static const char *const WORKLOAD[][2] = {
  /* lists */
  {"(let loop ((i 0) (acc '())) (if (< i 200) (loop (+ i 1) (cons (* i i) acc)) (sum acc)))",
   "2646700"},
  {"(reverse (map (lambda (x) (list x (* x 10))) (range 5)))",
   "((4 40) (3 30) (2 20) (1 10) (0 0))"},
  {"(sort (list 5 3 9 1 7 2) <)", "(1 2 3 5 7 9)"},
  {"(append '(1 2) (list 3 4) '() (list 5))", "(1 2 3 4 5)"},
  /* dicts */
  {"(let ((d (dict))) (dotimes (i 50) (dict-set! d (format \"k~a\" i) (list i (* 2 i))))"
   "  (list (length (keys d)) (get d \"k49\") (get d :k7)))",
   "(50 (49 98) (7 14))"},
  {"(get-in {:a {:b [1 2 {:c \"deep\"}]}} [:a :b 2 :c])", "\"deep\""},
  {"(let ((d {:x 1 :y 2})) (dict-remove! d :x) (dict-set! d :z 3) (keys d))", "(:y :z)"},
  /* vectors */
  {"(let ((v (vector))) (dotimes (i 100) (vector-push! v (* i 3)))"
   "  (list (vector-length v) (vector-ref v 99) (vector-ref v 0)))",
   "(100 297 0)"},
  {"(vector->list (list->vector (map inc (range 4))))", "(1 2 3 4)"},
  /* strings */
  {"(string-join (map (lambda (i) (string-append \"s\" (number->string i))) (range 8)) \"-\")",
   "\"s0-s1-s2-s3-s4-s5-s6-s7\""},
  {"(string-upcase (string-repeat \"ab\\u{e9}\" 3))", "\"AB\xc3\x89" "AB\xc3\x89" "AB\xc3\x89\""},
  {"(string-split \"a,b,,c\" \",\")", "(\"a\" \"b\" \"\" \"c\")"},
  {"(format \"~a+~s=~a\" 1 \"two\" 3)", "\"1+\\\"two\\\"=3\""},
  /* closures */
  {"(define (make-counter) (let ((n 0)) (lambda () (set! n (+ n 1)) n)))"
   "(let ((c (make-counter)) (d (make-counter))) (c) (c) (d) (list (c) (d)))",
   "(3 2)"},
  {"(map (lambda (f) (f 10)) (map (lambda (k) (lambda (x) (+ x k))) (range 5)))",
   "(10 11 12 13 14)"},
  {"((compose inc (partial * 2)) 20)", "41"},
  /* errors, JSON, regex, symbols */
  {"(try (car 1) (catch e (error-kind e)))", "\"runtime\""},
  {"(try (error \"boom\" {:code 7}) (catch e (get (error-data e) :code)))", "7"},
  {"(json-encode (json-parse \"{\\\"a\\\":[1,2.5,{\\\"b\\\":null}],\\\"c\\\":\\\"x\\\"}\"))",
   "\"{\\\"a\\\":[1,2.5,{\\\"b\\\":null}],\\\"c\\\":\\\"x\\\"}\""},
  {"(regex-match-all \"[0-9]+\" \"a1b22c333\")", "(\"1\" \"22\" \"333\")"},
  {"(eq? (string->symbol (string-append \"gc-\" \"sym\")) 'gc-sym)", "#t"},
  {"(eval '(let ((x 4)) (* x x)))", "16"},
};
/* clang-format on */

static void test_stress_workload(void) {
  size_t n = sizeof WORKLOAD / sizeof WORKLOAD[0];
  size_t before = baseline(), gcs = L->gc_count;
  lispy_gc_stress(L, true);
  for (size_t i = 0; i < n; i++) check_eval(WORKLOAD[i][0], WORKLOAD[i][1]);
  lispy_gc_stress(L, false);
  CHECK(L->gc_count > gcs + 1000); /* stress mode really collected */
  CHECK(state_at_rest());
  check_accounting("stress workload");
  /* the workload defined make-counter: a few hundred bytes */
  check_memory_back("stress workload", before, 0);
  /* and the same answers without stress */
  for (size_t i = 0; i < n; i++) check_eval(WORKLOAD[i][0], WORKLOAD[i][1]);
}

/* Garbage made by many evaluations is reclaimed: memory stays flat. */
static void test_memory_returns(void) {
  size_t before = baseline();
  for (int round = 0; round < 20; round++)
    check_eval("(length (map (lambda (i) (list (format \"~a\" i) (dict :i i) (vector i)))"
               "             (range 5000)))",
               "5000");
  check_memory_back("repeated evaluations", before, 0);

  /* A value the host holds by reference survives; once unreferenced, it goes. */
  lispy_Value big;
  const char *src = "(map (lambda (i) (string-repeat \"x\" 100)) (range 10000))";
  CHECK(lispy_eval_string(L, NULL, src, strlen(src), "test", &big) == LISPY_OK);
  int ref = lispy_ref(L, big);
  lispy_gc(L);
  CHECK(lispy_memory_used(L) > before + 1000000);
  lispy_Value again = lispy_deref(L, ref);
  CHECK(lx_is(again, LX_PAIR));
  char *first = lispy_repr(L, lx_car(again), false);
  CHECK(first != NULL && strlen(first) == 100);
  free(first);
  lispy_unref(L, ref);
  check_memory_back("unref", before, 0);
  check_accounting("references");
}

/* Empty literals and zero-sized arrays are accounted like any other. */
static void test_empty_literals(void) {
  check_accounting("before empty literals");
  for (int i = 0; i < 10; i++)
    check_eval("(list [] {} \"\" '() (vector) (dict))", "([] {} \"\" () [] {})");
  lispy_gc(L);
  check_accounting("empty literals");
}

/* ==== Fault injection ========================================================= */

/* A moderately allocating program: reader, compiler, closures, strings,
** dicts, sorting, JSON, and a caught runtime error (limit errors are
** rethrown, so a caught memory error cannot masquerade as an answer). */
static const char *FI_FORMAT =
    "(define (fi-build n) (let loop ((i 0) (acc '()))"
    "  (if (< i n) (loop (+ i 1) (cons (format \"item-~a\" i) acc)) (reverse acc))))\n"
    "(let* ((xs (fi-build %d)) (d (dict)))\n"
    "  (for-each (lambda (s) (dict-set! d s (string-length s))) xs)\n"
    "  (list (length xs) (length (keys d)) (sum (values d))\n"
    "        (json-encode (take (sort xs string<?) 3))\n"
    "        (try (car 1) (catch e (if (equal? (error-kind e) \"runtime\")\n"
    "                                  (error-kind e) (throw e))))\n"
    "        (string-length (string-join xs \",\"))))";

/* One limited run: the right answer or a memory limit error, and the
** state healthy afterwards. Returns true when the run succeeded. */
static bool fault_run(const char *src, size_t limit, const char *want) {
  lispy_gc(L); /* no old garbage: a collection cannot make room for free */
  set_memory_limit(limit);
  lispy_Value v;
  int rc = lispy_eval_string(L, NULL, src, strlen(src), "fault", &v);
  bool ok = true;
  char *got = NULL;
  if (rc == LISPY_OK) {
    set_memory_limit(0);
    int ref = lispy_ref(L, v); /* pinned while printing */
    got = lispy_repr(L, v, true);
    lispy_unref(L, ref);
    ok = strcmp(got, want) == 0;
  } else {
    lispy_Value err = lispy_last_error(L), which;
    const char *kind = lispy_error_kind(err);
    ok = strcmp(kind, "limit") == 0 && lispy_dict_get(L, lx_as_error(err)->data, "limit", &which) &&
         strcmp(lispy_to_cstring(which, NULL), "memory") == 0;
    if (!ok) got = lispy_error_text(L, err);
  }
  if (!ok) fprintf(stderr, "fault run at limit %zu: got %s\n", limit, got);
  free(got);
  CHECK(ok);
  CHECK(state_at_rest());
  set_memory_limit(0);
  check_eval("(+ 1 2)", "3");
  check_eval("(length (string-split (string-repeat \"ab,\" 300) \",\"))", "301");
  return rc == LISPY_OK;
}

/* Limits from 1 KB doubling up to 8 MB; the largest must succeed. */
static void fault_sweep_doubling(int n, bool stress) {
  char src[2048];
  snprintf(src, sizeof src, FI_FORMAT, n);
  char *want = eval_repr(src, false);
  CHECK(want != NULL);
  if (want == NULL) return;
  size_t before = baseline();
  int failures_seen = 0;
  bool last_ok = false;
  lispy_gc_stress(L, stress);
  for (size_t limit = 1024; limit <= (8u << 20); limit *= 2) {
    last_ok = fault_run(src, limit, want);
    failures_seen += !last_ok;
  }
  lispy_gc_stress(L, false);
  CHECK(last_ok);
  CHECK(failures_seen > 0); /* the small limits really failed */
  check_memory_back(stress ? "doubling sweep (stress)" : "doubling sweep", before, 0);
  check_accounting(stress ? "doubling sweep (stress)" : "doubling sweep");
  free(want);
}

/* Every limit from 1 byte to past what a short program needs, in steps of
** `step` bytes (8: the limit trips at nearly every allocation site in
** turn), optionally with a collection at every allocation as well. */
static void fault_sweep_fine(size_t step, bool stress) {
  const char *src =
      "(let ((d {:a [1 2] :b \"x\"}))"
      "  (list (json-encode d) (map (lambda (k) (string-append (name k) \"!\")) (keys d))"
      "        (try (vector-ref [1] 5) (catch e (if (equal? (error-kind e) \"runtime\") 'caught "
      "(throw e))))"
      "        (string-upcase (format \"~a-~a\" 'sym :kw))))";
  char *want = eval_repr(src, false);
  CHECK(want != NULL);
  if (want == NULL) return;
  size_t before = baseline();
  size_t limit = 1, successes = 0, runs = 0;
  int before_failed = failed;
  /* Stop after 64 consecutive successes (past the program's needs). */
  size_t streak = stress ? 8 : 64;
  lispy_gc_stress(L, stress);
  for (; successes < streak && limit < (1u << 20) && failed == before_failed; limit += step, runs++)
    successes = fault_run(src, limit, want) ? successes + 1 : 0;
  lispy_gc_stress(L, false);
  CHECK(successes == streak);
  CHECK(runs > 50);
  printf("fine sweep%s: %zu runs, success from %zu bytes\n", stress ? " (stress)" : "", runs,
         limit - step * streak);
  check_memory_back("fine sweep", before, 0);
  check_accounting(stress ? "fine sweep (stress)" : "fine sweep");
  free(want);
}

/* ==== The weak symbol table ==================================================== */

static void test_weak_symbols(void) {
  check_eval("(define kept-symbol (string->symbol \"sym-kept\"))", "kept-symbol");
  size_t before = baseline();
  size_t count_before = L->symtab_count, cap_before = L->symtab_cap;
  check_eval("(let loop ((i 0)) (if (< i 100000)"
             "  (begin (string->symbol (format \"sym~a\" i)) (loop (+ i 1))) i))",
             "100000");
  CHECK(L->symtab_count >= count_before); /* not yet collected, or some collected */
  size_t cap_growth = (L->symtab_cap - cap_before) * sizeof(lx_Symbol *);
  lispy_gc(L);
  /* the 100k symbols are gone; the table itself may stay grown */
  CHECK(L->symtab_count <= count_before + 16);
  check_memory_back("weak symbols", before, cap_growth);
  /* a referenced symbol survived and is still the interned one */
  check_eval("(eq? kept-symbol (string->symbol \"sym-kept\"))", "#t");
  check_eval("(eq? kept-symbol 'sym-kept)", "#t");
  /* a collected name interns afresh and is consistent with itself */
  check_eval("(eq? (string->symbol \"sym123\") 'sym123)", "#t");
  check_eval("(symbol->string (string->symbol \"sym99999\"))", "\"sym99999\"");
  /* keywords are interned in the same weak table */
  check_eval("(let loop ((i 0)) (if (< i 20000)"
             "  (begin (keyword (format \"kw~a\" i)) (loop (+ i 1))) i))",
             "20000");
  lispy_gc(L);
  CHECK(L->symtab_count <= count_before + 16);
  check_eval("(get {:kw5 1} (keyword \"kw5\"))", "1");
  check_accounting("weak symbols");
}

/* A dict rehash stopped by a limit restores the dict's fields, and must
** not restore its header: the collection that ran while the new block was
** allocated may have relinked d->h.gc_next past a freed neighbour, and an
** old copy would put that freed object back on the object list (a double
** free at the next sweep; the flaky crash of unit_builtin_work under a
** time limit). White-box, so the timing is exact: the neighbour is
** unreferenced when the rehash begins, stress mode collects in the block
** allocation, and the fuel pays the up-front charge but not the probes. */
typedef struct RehashCall {
  lx_Dict *d;
  int64_t from, to; /* integer keys [from, to) */
} RehashCall;

static void rehash_fill(lx_State *S, void *ud) {
  RehashCall *rc = ud;
  for (int64_t i = rc->from; i < rc->to; i++) lx_dict_set(S, rc->d, lx_int(i), lx_int(i));
}

static void test_rehash_limit_keeps_header(void) {
  enum { N = 1 << 16 }; /* fills the dict's block exactly: the next key rehashes */
  lx_Value neighbour = lx_cstring(L, "the dict's older neighbour");
  int nref = lispy_ref(L, neighbour);
  lx_Dict *d = lx_dict_new(L, 0);
  int dref = lispy_ref(L, lx_obj(d));
  CHECK(d->h.gc_next == neighbour.as.o); /* allocated just before d */
  RehashCall fill = {d, 0, N};
  CHECK(lx_pcall(L, rehash_fill, &fill, NULL));
  CHECK(d->used == d->cap && d->index != NULL);
  CHECK(d->h.gc_next == neighbour.as.o);
  lispy_unref(L, nref); /* garbage now; the next collection frees it */
  lispy_gc_stress(L, true);
  L->budget.fuel = lx_items_cost(d->used) + 40; /* the rehash's up-front charge, not the probes */
  RehashCall one = {d, -1, 0};
  lx_Value err;
  bool ok = lx_pcall(L, rehash_fill, &one, &err);
  lispy_gc_stress(L, false);
  L->budget.fuel = INT64_MAX;
  CHECK(!ok && strcmp(lispy_error_kind(err), "limit") == 0);
  CHECK(d->count == N && d->used == N);  /* the dict is as it was */
  CHECK(d->h.gc_next != neighbour.as.o); /* not the freed neighbour */
  lispy_gc(L);
  check_accounting("rehash stopped by a limit");
  lispy_unref(L, dref);
}

int main(void) {
  L = lispy_open();
  if (L == NULL) {
    fprintf(stderr, "lispy_open failed\n");
    return 1;
  }
  CHECK(state_at_rest());
  check_accounting("after lispy_open");
  /* Grow the reference table once, outside stress mode (a growing
  ** lispy_ref may collect before it stores its value: see test_api). */
  for (int i = 0; i < 4; i++) lispy_unref(L, lispy_ref(L, lispy_nil()));
  test_stress_workload();
  test_memory_returns();
  test_empty_literals();
  fault_sweep_doubling(2000, false);
  fault_sweep_doubling(60, true);
  fault_sweep_fine(8, false);
  fault_sweep_fine(128, true);
  test_weak_symbols();
  test_rehash_limit_keeps_header();
  lispy_close(L);
  printf("test_gc: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
