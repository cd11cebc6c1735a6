/*
** test_api.c -- the embedding API (lispy.h) as an outside embedder uses it:
** state lifecycle, isolated environments, native functions, host objects
** and their finalizers, calling closures, references across collections,
** the JSON bridge, error text, the accessors that read values (types,
** lists, vectors, dicts, functions, source positions), incremental
** reading, output capture, and values handed to the API staying alive
** while the API works on them.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lispy.h"
#include "check.h"

/* ==== A tiny check harness ================================================ */


/* ==== Helpers ================================================================ */

/* The readable printed form of v (malloc'd). v is pinned while it prints:
** lispy_repr allocates, and an unpinned result could be collected
** meanwhile (test_api_keeps_arguments_alive checks the API does this). */
static char *repr_pinned(lispy_State *L, lispy_Value v) {
  int ref = lispy_ref(L, v);
  char *s = lispy_repr(L, v, true);
  lispy_unref(L, ref);
  return s;
}

/* Evaluate len bytes of src in env; on success the printed value
** (malloc'd), else NULL (the error is printed unless expected). */
static char *eval_len(lispy_State *L, lispy_Env *env, const char *src, size_t len,
                      bool expect_error) {
  lispy_Value v;
  if (lispy_eval_string(L, env, src, len, "api", &v) != LISPY_OK) {
    if (!expect_error) {
      char *text = lispy_error_text(L, lispy_last_error(L));
      fprintf(stderr, "unexpected error evaluating %s:\n%s\n", src, text);
      free(text);
    }
    return NULL;
  }
  return repr_pinned(L, v);
}

/* lispy_eval_string of a C string in the default environment. */
static int eval_value(lispy_State *L, const char *src, const char *file, lispy_Value *out) {
  return lispy_eval_string(L, NULL, src, strlen(src), file, out);
}

static char *eval_in(lispy_State *L, lispy_Env *env, const char *src, bool expect_error) {
  return eval_len(L, env, src, strlen(src), expect_error);
}

/* src evaluates in env to a value printing as want. */
static void check_eval(lispy_State *L, lispy_Env *env, const char *src, const char *want) {
  check_result(src, eval_in(L, env, src, false), want);
}

/* src fails in env with an error whose message contains needle. */
static void check_error(lispy_State *L, lispy_Env *env, const char *src, const char *needle) {
  char *got = eval_in(L, env, src, true);
  if (got != NULL) {
    fprintf(stderr, "%s: expected an error, got %s\n", src, got);
    failed++;
    free(got);
    return;
  }
  const char *msg = lispy_error_message(lispy_last_error(L));
  if (strstr(msg, needle) != NULL) {
    passed++;
  } else {
    fprintf(stderr, "%s: error [%s] lacks [%s]\n", src, msg, needle);
    failed++;
  }
}


/* ==== Host objects with a finalizer that counts ============================== */

typedef struct Probe {
  int finalized; /* times the finalizer ran */
  int id;        /* for messages */
} Probe;

static void probe_finalize(void *p) { ((Probe *)p)->finalized++; }

/* ==== Natives ==================================================================== */

/* (add3 a b c): the sum of three integers. */
static lispy_Value nat_add3(lispy_State *L, int argc, lispy_Value *argv) {
  int64_t sum = 0;
  for (int i = 0; i < argc; i++) {
    if (strcmp(lispy_type_name(argv[i]), "integer") != 0)
      lispy_raise(L, "runtime", "add3: integers only");
    sum += lispy_to_int(argv[i]);
  }
  return lispy_int(sum);
}

/* (host-fail msg): raise an error of kind "host" with msg. */
static lispy_Value nat_fail(lispy_State *L, int argc, lispy_Value *argv) {
  (void)argc;
  const char *msg = lispy_to_cstring(argv[0], NULL);
  lispy_raise(L, "host", msg ? msg : "?");
}

/* (make-record name): a dict built host-side with fresh values. */
static lispy_Value nat_make_record(lispy_State *L, int argc, lispy_Value *argv) {
  (void)argc;
  lispy_Value d = lispy_dict(L);
  lispy_dict_put(L, d, "name", argv[0]);
  lispy_dict_put(L, d, "tag", lispy_keyword(L, "record"));
  lispy_dict_put(L, d, "label", lispy_string(L, "made in C", 9));
  lispy_dict_put(L, d, "n", lispy_int(7));
  return d;
}

static Probe native_probe = {0, 99};

/* (make-probe): a host object wrapping native_probe. */
static lispy_Value nat_make_probe(lispy_State *L, int argc, lispy_Value *argv) {
  (void)argc;
  (void)argv;
  return lispy_host_new(L, "probe", &native_probe, probe_finalize);
}

/* ==== Lifecycle, values ============================================================ */

static void test_lifecycle(void) {
  for (int i = 0; i < 3; i++) {
    lispy_State *L = lispy_open();
    CHECK(L != NULL);
    if (!L) return;
    check_eval(L, NULL, "(+ 40 2)", "42");
    lispy_close(L);
  }
  lispy_close(NULL);
  CHECK(lispy_version() != NULL && lispy_version()[0] != '\0');
  lispy_Limits d = lispy_default_limits();
  CHECK(d.fuel > 0 && d.memory > 0 && d.depth > 0);
}

static void test_values(lispy_State *L) {
  CHECK_STR(lispy_type_name(lispy_nil()), lispy_type_name(lispy_nil()));
  CHECK(strcmp(lispy_type_name(lispy_int(1)), lispy_type_name(lispy_float(1.0))) != 0);
  size_t len = 0;
  lispy_Value s = lispy_string(L, "h\0i", 3);
  const char *p = lispy_to_cstring(s, &len);
  CHECK(p != NULL && len == 3 && memcmp(p, "h\0i", 3) == 0);
  CHECK_STR(lispy_to_cstring(lispy_keyword(L, "kw"), NULL), "kw");
  CHECK(lispy_to_cstring(lispy_int(3), NULL) == NULL);
  CHECK(!lispy_is_function(lispy_int(3)));
  lispy_Value car;
  CHECK(lispy_env_get(L, NULL, "car", &car) && lispy_is_function(car));
  /* keywords and strings name the same key, both ways */
  lispy_Value d;
  CHECK(eval_value(L, "{:a 1 \"b\" 2}", "api", &d) == LISPY_OK);
  lispy_Value out;
  CHECK(lispy_dict_get(L, d, "a", &out) && lispy_to_int(out) == 1);
  CHECK(lispy_dict_get(L, d, "b", &out) && lispy_to_int(out) == 2);
  CHECK(!lispy_dict_get(L, d, "c", &out));
  CHECK(!lispy_dict_get(L, lispy_int(1), "a", &out));
  /* lispy_error_kind / message tolerate non-errors */
  CHECK_STR(lispy_error_kind(lispy_int(1)), "runtime");
  CHECK_STR(lispy_error_message(lispy_int(1)), "");
  /* limits round-trip */
  lispy_Limits lim = {12345, 1 << 20, 77, 1.5};
  lispy_set_limits(L, &lim);
  lispy_Limits got = lispy_get_limits(L);
  CHECK(got.fuel == 12345 && got.memory == (1u << 20) && got.depth == 77 && got.timeout == 1.5);
  lim = lispy_default_limits();
  lispy_set_limits(L, &lim);
  /* seeding makes random reproducible */
  lispy_seed(L, 42);
  char *a = eval_in(L, NULL, "(list (random 1000000) (random 1000000))", false);
  lispy_seed(L, 42);
  char *b = eval_in(L, NULL, "(list (random 1000000) (random 1000000))", false);
  CHECK(a && b && strcmp(a, b) == 0);
  free(a);
  free(b);
}

/* ==== Environments ==================================================================== */

static void test_env_isolation(lispy_State *L) {
  lispy_Env *A = lispy_env_new(L, "agent-a"), *B = lispy_env_new(L, "agent-b");
  CHECK(A != NULL && B != NULL && A != B);
  check_eval(L, A, "(define secret 42)", "secret");
  check_eval(L, A, "secret", "42");
  check_error(L, B, "secret", "secret");
  check_error(L, NULL, "secret", "secret");
  lispy_Value v;
  CHECK(lispy_env_get(L, A, "secret", &v) && lispy_to_int(v) == 42);
  CHECK(!lispy_env_get(L, B, "secret", &v));
  /* builtins and the prelude are visible in both */
  check_eval(L, A, "(car '(1 2))", "1");
  check_eval(L, B, "(map inc '(1 2))", "(2 3)");
  CHECK(lispy_env_get(L, A, "map", NULL) && lispy_env_get(L, B, "car", NULL));
  /* builtins cannot be changed with set!, from any environment */
  check_error(L, A, "(set! car 1)", "car");
  check_error(L, NULL, "(set! map 1)", "map");
  check_eval(L, B, "(car '(1 2))", "1");
  /* a definition shadowing a builtin stays private to its environment */
  char *shadow = eval_in(L, A, "(define (first xs) 'mine) (first '(1 2))", true);
  free(shadow);
  check_eval(L, B, "(first '(1 2))", "1");
  check_eval(L, NULL, "(first '(1 2))", "1");
  /* eval through prelude functions defines in the caller's env, not the base */
  check_eval(L, A, "(map eval '((define (second xs) 'hijacked))) (second '(1 2))", "hijacked");
  check_eval(L, A, "(apply eval '((define (last xs) 'hijacked))) (last '(1 2))", "hijacked");
  check_eval(L, B, "(list (second '(1 2)) (last '(1 2)))", "(2 2)");
  check_eval(L, NULL, "(second '(1 2))", "2");
  check_error(L, A, "(for-each eval '((set! filter 1)))", "cannot change builtin filter");
  /* the base environment itself is read-only to LisPy code */
  check_error(L, lispy_base_env(L), "(define car 1)", "read-only");
  check_error(L, lispy_base_env(L), "1", "read-only");
  check_eval(L, B, "(car '(1 2))", "1");
  /* the same name in both environments holds different values */
  check_eval(L, B, "(define secret \"b's\") secret", "\"b's\"");
  check_eval(L, A, "secret", "42");
  /* lispy_env_set and lispy_env_names */
  lispy_env_set(L, B, "from-host", lispy_int(5));
  check_eval(L, B, "(+ from-host 1)", "6");
  check_error(L, A, "from-host", "from-host");
  lispy_Value names = lispy_env_names(L, B);
  char *printed = repr_pinned(L, names);
  CHECK(printed && strstr(printed, "secret") && strstr(printed, "from-host") &&
        !strstr(printed, "car"));
  free(printed);
  /* a closure defined in A keeps A's globals when called from B */
  check_eval(L, A, "(define (get-secret) secret)", "get-secret");
  lispy_Value fn;
  CHECK(lispy_env_get(L, A, "get-secret", &fn));
  lispy_env_set(L, B, "a-getter", fn);
  check_eval(L, B, "(a-getter)", "42");
}

/* ==== Natives ========================================================================== */

static void test_natives(lispy_State *L) {
  lispy_register(L, NULL, "add3", nat_add3, 3, 3, "(a b c)", "Sum of three integers.");
  lispy_register(L, NULL, "host-fail", nat_fail, 1, 1, "(msg)", "Raise a host error.");
  lispy_register(L, NULL, "make-record", nat_make_record, 1, 1, "(name)", "A record dict.");
  lispy_Env *A = lispy_env_new(L, "natives-a"), *B = lispy_env_new(L, "natives-b");
  check_eval(L, NULL, "(add3 1 2 3)", "6");
  check_eval(L, A, "(map (lambda (x) (add3 x x x)) '(1 2))", "(3 6)");
  check_eval(L, NULL, "(apply add3 '(10 20 30))", "60");
  check_error(L, NULL, "(add3 1 2)", "add3");
  check_error(L, NULL, "(add3 1 2 \"x\")", "integers only");
  check_eval(L, NULL, "(function? add3)", "#t");
  check_eval(L, NULL, "(doc add3)", "\"Sum of three integers.\"");
  /* an error raised by a native: kind and message reach the host and LisPy */
  check_error(L, NULL, "(host-fail \"no luck\")", "no luck");
  CHECK_STR(lispy_error_kind(lispy_last_error(L)), "host");
  check_eval(L, NULL, "(try (host-fail \"x\") (catch e (list (error-kind e) (error-message e))))",
             "(\"host\" \"x\")");
  check_eval(L, NULL,
             "(let ((r (make-record \"n1\"))) (list (get r :name) (get r :label) (get r :n)))",
             "(\"n1\" \"made in C\" 7)");
  /* registered into one environment only */
  lispy_register(L, A, "only-in-a", nat_add3, 3, 3, "(a b c)", "Private native.");
  check_eval(L, A, "(only-in-a 1 1 1)", "3");
  check_error(L, B, "(only-in-a 1 1 1)", "only-in-a");
  /* base-environment natives are builtins: not set!-able */
  check_error(L, A, "(set! add3 1)", "add3");
}

/* ==== Host objects ======================================================================== */

static void test_host_objects(void) {
  Probe collected = {0, 1}, kept = {0, 2}, closing = {0, 3};
  lispy_State *L = lispy_open();
  if (!L) return;
  /* unreferenced: the collector finalizes it exactly once */
  lispy_Value h = lispy_host_new(L, "probe", &collected, probe_finalize);
  CHECK(lispy_host_ptr(h, "probe") == &collected);
  CHECK(lispy_host_ptr(h, "other") == NULL);
  CHECK(lispy_host_ptr(lispy_int(1), "probe") == NULL);
  CHECK(!lispy_is_function(h));
  lispy_gc(L);
  CHECK(collected.finalized == 1);
  lispy_gc(L);
  CHECK(collected.finalized == 1);

  /* held by a global: survives collections, visible to LisPy */
  lispy_env_set(L, NULL, "ctx", lispy_host_new(L, "probe", &kept, probe_finalize));
  lispy_gc(L);
  CHECK(kept.finalized == 0);
  check_eval(L, NULL, "(list (type-of ctx) (function? ctx))", "(\"probe\" #f)");
  lispy_Value back;
  CHECK(lispy_env_get(L, NULL, "ctx", &back) && lispy_host_ptr(back, "probe") == &kept);
  /* dropped by LisPy: collected */
  check_eval(L, NULL, "(set! ctx nil)", "nil");
  lispy_gc(L);
  CHECK(kept.finalized == 1);

  /* still referenced at close: finalized by lispy_close */
  int ref = lispy_ref(L, lispy_host_new(L, "probe", &closing, probe_finalize));
  CHECK(ref >= 0);
  lispy_gc(L);
  CHECK(closing.finalized == 0);
  /* a host object made by a native, collected once LisPy forgets it */
  lispy_register(L, NULL, "make-probe", nat_make_probe, 0, 0, "()", "A probe.");
  check_eval(L, NULL, "(begin (make-probe) 1)", "1");
  lispy_gc(L);
  CHECK(native_probe.finalized == 1);
  lispy_close(L);
  CHECK(closing.finalized == 1);
  CHECK(collected.finalized == 1 && kept.finalized == 1);
}

/* ==== lispy_call ============================================================================= */

static void test_call(lispy_State *L) {
  lispy_Value fn;
  CHECK(eval_value(L, "(lambda (a b . rest) (list a b (+ a b) rest))", "api", &fn) == LISPY_OK);
  CHECK(lispy_is_function(fn));
  int ref = lispy_ref(L, fn);
  lispy_Value args[3] = {lispy_int(1), lispy_int(2), lispy_float(0.5)};
  lispy_Value r;
  CHECK(lispy_call(L, lispy_deref(L, ref), 3, args, &r) == LISPY_OK);
  char *s = repr_pinned(L, r);
  CHECK_STR(s, "(1 2 3 (0.5))");
  free(s);
  /* wrong arity and a runtime error inside */
  CHECK(lispy_call(L, lispy_deref(L, ref), 1, args, &r) == LISPY_ERROR);
  args[1] = lispy_string(L, "x", 1);
  CHECK(lispy_call(L, lispy_deref(L, ref), 2, args, &r) == LISPY_ERROR);
  CHECK_STR(lispy_error_kind(lispy_last_error(L)), "runtime");
  lispy_unref(L, ref);
  /* calling a builtin, and calling a non-function */
  lispy_Value car;
  CHECK(lispy_env_get(L, NULL, "string-upcase", &car));
  args[0] = lispy_string(L, "abc", 3);
  CHECK(lispy_call(L, car, 1, args, &r) == LISPY_OK);
  CHECK_STR(lispy_to_cstring(r, NULL), "ABC");
  CHECK(lispy_call(L, lispy_int(3), 0, NULL, &r) == LISPY_ERROR);
  /* the call runs under the limits */
  CHECK(eval_value(L, "(lambda () (let loop () (loop)))", "api", &fn) == LISPY_OK);
  ref = lispy_ref(L, fn);
  lispy_Limits lim = lispy_default_limits();
  lim.fuel = 10000;
  lispy_set_limits(L, &lim);
  CHECK(lispy_call(L, lispy_deref(L, ref), 0, NULL, &r) == LISPY_ERROR);
  CHECK_STR(lispy_error_kind(lispy_last_error(L)), "limit");
  lim = lispy_default_limits();
  lispy_set_limits(L, &lim);
  lispy_unref(L, ref);
  /* a higher-order call: a LisPy function receiving a host-made function */
  CHECK(eval_value(L, "(lambda (f xs) (map f xs))", "api", &fn) == LISPY_OK);
  ref = lispy_ref(L, fn);
  lispy_Value inc;
  CHECK(lispy_env_get(L, NULL, "inc", &inc));
  args[0] = inc;
  CHECK(eval_value(L, "[1 2 3]", "api", &args[1]) == LISPY_OK);
  CHECK(lispy_call(L, lispy_deref(L, ref), 2, args, &r) == LISPY_OK);
  s = repr_pinned(L, r);
  CHECK_STR(s, "(2 3 4)");
  free(s);
  lispy_unref(L, ref);
}

/* ==== References =============================================================================== */

static void test_refs(lispy_State *L) {
  Probe p = {0, 4};
  lispy_Value v;
  CHECK(eval_value(L, "(list (string-repeat \"ab\" 3) {:k [1 2]})", "api", &v) == LISPY_OK);
  int r1 = lispy_ref(L, v);
  int r2 = lispy_ref(L, lispy_host_new(L, "probe", &p, probe_finalize));
  CHECK(r1 != r2);
  /* lots of garbage and collections in between */
  for (int i = 0; i < 5; i++) {
    check_eval(L, NULL, "(length (map (lambda (i) (format \"~a~a\" i i)) (range 20000)))", "20000");
    lispy_gc(L);
  }
  char *s = lispy_repr(L, lispy_deref(L, r1), true);
  CHECK_STR(s, "(\"ababab\" {:k [1 2]})");
  free(s);
  CHECK(p.finalized == 0);
  CHECK(lispy_host_ptr(lispy_deref(L, r2), "probe") == &p);
  lispy_unref(L, r2);
  lispy_gc(L);
  CHECK(p.finalized == 1);
  CHECK(strcmp(lispy_type_name(lispy_deref(L, r2)), lispy_type_name(lispy_nil())) == 0);
  lispy_unref(L, r1);
  lispy_unref(L, r1); /* twice is harmless */
  lispy_unref(L, -1);
  lispy_unref(L, 1 << 20);
}

/* ==== JSON bridge ================================================================================ */

static void test_json(lispy_State *L) {
  const char *doc = "{\"name\":\"summarize\",\"n\":3,\"neg\":-42,\"f\":0.25,"
                    "\"ok\":true,\"none\":null,\"xs\":[1,\"two\",[3]],\"o\":{\"k\":\"v\"},"
                    "\"u\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\"}";
  cJSON *j = cJSON_Parse(doc);
  CHECK(j != NULL);
  lispy_Value v;
  CHECK(lispy_from_json(L, j, &v) == LISPY_OK);
  cJSON_Delete(j);
  int ref = lispy_ref(L, v);
  /* LisPy sees it with string or keyword keys */
  lispy_env_set(L, NULL, "doc", v);
  check_eval(L, NULL,
             "(list (get doc :name) (get doc \"n\") (get-in doc [:o :k]) (nth (get doc :xs) 1))",
             "(\"summarize\" 3 \"v\" \"two\")");
  char why[256] = "";
  cJSON *back = lispy_to_json(L, lispy_deref(L, ref), why, sizeof why);
  CHECK(back != NULL);
  char *text = back ? cJSON_PrintUnformatted(back) : NULL;
  CHECK_STR(text, doc);
  free(text);
  cJSON_Delete(back);
  lispy_unref(L, ref);
  /* LisPy-made values: keywords become strings, vectors and lists arrays */
  CHECK(eval_value(L, "{:a :kw :b '(1 2) :c [nil #f]}", "api", &v) == LISPY_OK);
  back = lispy_to_json(L, v, why, sizeof why);
  text = back ? cJSON_PrintUnformatted(back) : NULL;
  CHECK_STR(text, "{\"a\":\"kw\",\"b\":[1,2],\"c\":[null,false]}");
  free(text);
  cJSON_Delete(back);
  /* not representable: NULL and a reason */
  CHECK(eval_value(L, "{:f car}", "api", &v) == LISPY_OK);
  why[0] = '\0';
  back = lispy_to_json(L, v, why, sizeof why);
  CHECK(back == NULL && why[0] != '\0');
  cJSON_Delete(back);
}

/* lispy_to_json_text: text straight from values, appended; on failure the
** buffer is left as it was and why names the culprit's JSON pointer. */
static void test_json_text(lispy_State *L) {
  lispy_Text t = {0};
  char why[256] = "";
  CHECK(lispy_text_add(&t, "<", 1));
  lispy_Value v;
  CHECK(eval_value(L, "{:a [1 -22 9007199254740993] :b \"q\\\"\\n\\u0001\" :c nil :d #t :e 0.5}",
                   "api", &v) == LISPY_OK);
  CHECK(lispy_to_json_text(L, v, &t, why, sizeof why) == LISPY_OK);
  CHECK_STR(t.data, "<{\"a\":[1,-22,9007199254740993],\"b\":\"q\\\"\\n\\u0001\",\"c\":null,\"d\":"
                    "true,\"e\":0.5}");
  /* integer keys are written once the checker rules out a clash */
  t.len = 0;
  CHECK(eval_value(L, "{1 :one :two '(2)}", "api", &v) == LISPY_OK);
  CHECK(lispy_to_json_text(L, v, &t, why, sizeof why) == LISPY_OK);
  CHECK_STR(t.data, "{\"1\":\"one\",\"two\":[2]}");
  /* failures deep inside: nothing appended, the path in why */
  const char *bad[] = {"{:ok 1 :f [1 car]}", "{:x (/ 0.0 0.0)}", "{1 :a \"1\" :b}", "(cons 1 2)"};
  const char *where[] = {"/f/1", "/x", "duplicate", "improper"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    size_t before = t.len;
    why[0] = '\0';
    CHECK(eval_value(L, bad[i], "api", &v) == LISPY_OK);
    CHECK(lispy_to_json_text(L, v, &t, why, sizeof why) == LISPY_ERROR);
    CHECK(t.len == before && t.data[before] == '\0');
    if (!strstr(why, where[i])) fprintf(stderr, "json text %s: %s\n", bad[i], why);
    CHECK(strstr(why, where[i]) != NULL);
  }
  free(t.data);
}

/* lispy_call_json: JSON arguments converted inside the call's protected
** run; NULL passes nil; a tree that cannot convert is LISPY_BADJSON. */
static void test_call_json(lispy_State *L) {
  lispy_Value fn, v;
  CHECK(eval_value(L, "(fn [pre a b] (list pre (get a :k) b))", "api", &fn) == LISPY_OK);
  int fref = lispy_ref(L, fn);
  cJSON *a = cJSON_Parse("{\"k\": [1, \"x\"]}");
  const cJSON *json[2] = {a, NULL};
  lispy_Value pre = lispy_int(7);
  CHECK(lispy_call_json(L, lispy_deref(L, fref), 1, &pre, 2, json, &v) == LISPY_OK);
  char *shown = lispy_repr(L, v, true);
  CHECK_STR(shown, "(7 (1 \"x\") nil)");
  free(shown);
  cJSON *bad = cJSON_CreateString("\xff\xfe"); /* not UTF-8 */
  json[1] = bad;
  CHECK(lispy_call_json(L, lispy_deref(L, fref), 1, &pre, 2, json, &v) == LISPY_BADJSON);
  CHECK(strstr(lispy_error_message(lispy_last_error(L)), "UTF-8") != NULL);
  /* an error raised by the function itself is LISPY_ERROR */
  json[1] = a;
  CHECK(eval_value(L, "(fn [x] (car x))", "api", &fn) == LISPY_OK);
  CHECK(lispy_call_json(L, fn, 0, NULL, 1, json, &v) == LISPY_ERROR);
  cJSON_Delete(bad);
  cJSON_Delete(a);
  lispy_unref(L, fref);
}

/* lispy_call_json_text: the result appended as JSON text in the call's
** own protected run; on any failure the text is left as it was, and the
** return code says whose fault it was. */
static void test_call_json_text(lispy_State *L) {
  lispy_Value fn;
  cJSON *a = cJSON_Parse("{\"k\": [1, \"x\"]}"), *bad = cJSON_CreateString("\xff");
  const cJSON *json[1] = {a};
  lispy_Text t = {0};
  CHECK(lispy_text_add(&t, "<", 1));
  CHECK(eval_value(L, "(fn [pre a] {:pre pre :k (get a :k)})", "api", &fn) == LISPY_OK);
  lispy_Value pre = lispy_int(7);
  CHECK(lispy_call_json_text(L, fn, 1, &pre, 1, json, &t) == LISPY_OK);
  CHECK_STR(t.data, "<{\"pre\":7,\"k\":[1,\"x\"]}");
  size_t before = t.len;
  /* a value JSON cannot carry, an argument that cannot convert, a raise */
  CHECK(eval_value(L, "(fn [a] {:f car})", "api", &fn) == LISPY_OK);
  CHECK(lispy_call_json_text(L, fn, 0, NULL, 1, json, &t) == LISPY_NOTJSON);
  CHECK(strstr(lispy_error_message(lispy_last_error(L)), "/f") != NULL);
  CHECK(t.len == before && t.data[before] == '\0');
  json[0] = bad;
  CHECK(lispy_call_json_text(L, fn, 0, NULL, 1, json, &t) == LISPY_BADJSON);
  CHECK(t.len == before && t.data[before] == '\0');
  json[0] = a;
  CHECK(eval_value(L, "(fn [a] (car a))", "api", &fn) == LISPY_OK);
  CHECK(lispy_call_json_text(L, fn, 0, NULL, 1, json, &t) == LISPY_ERROR);
  CHECK(t.len == before && t.data[before] == '\0');
  /* writing is part of the call: a big result spends the call's fuel
  ** (a fuel limit, out unchanged) and fits once the fuel does */
  lispy_Value big;
  CHECK(eval_value(L, "(define big (range 20000)) (fn [a] big)", "api", &big) == LISPY_OK);
  lispy_Limits saved = lispy_get_limits(L), lim = saved;
  lim.fuel = 100;
  lispy_set_limits(L, &lim);
  CHECK(lispy_call_json_text(L, big, 0, NULL, 1, json, &t) == LISPY_ERROR);
  CHECK_STR(lispy_error_kind(lispy_last_error(L)), "limit");
  CHECK(t.len == before && t.data[before] == '\0');
  lim.fuel = 30000;
  lispy_set_limits(L, &lim);
  CHECK(lispy_call_json_text(L, big, 0, NULL, 1, json, &t) == LISPY_OK);
  CHECK(t.len > before + 20000 && strncmp(t.data + before, "[0,1,2,", 7) == 0);
  lispy_set_limits(L, &saved);
  cJSON_Delete(bad);
  cJSON_Delete(a);
  free(t.data);
}

/* ==== Error text ================================================================================== */

static void test_error_text(lispy_State *L) {
  const char *src = "(define (f x) (car x))\n"
                    "(define (g) (+ 1 (f 5)))\n"
                    "(g)\n";
  lispy_Value v;
  CHECK(lispy_eval_string(L, NULL, src, strlen(src), "script.lispy", &v) == LISPY_ERROR);
  lispy_Value err = lispy_last_error(L);
  CHECK_STR(lispy_error_kind(err), "runtime");
  CHECK(strstr(lispy_error_message(err), "car") != NULL);
  char *text = lispy_error_text(L, err);
  CHECK(text != NULL);
  if (!text) return;
  /* first line: file:line:col: error: message */
  CHECK(strncmp(text, "script.lispy:1:", 15) == 0);
  unsigned col = 0;
  CHECK(sscanf(text, "script.lispy:1:%u:", &col) == 1 && col >= 15 && col <= 22);
  char *nl = strchr(text, '\n');
  CHECK(strstr(text, ": error: ") != NULL && (nl == NULL || strstr(text, ": error: ") < nl));
  CHECK(strstr(text, "car: expected") != NULL);
  /* then the trace, innermost first */
  char *at_f = strstr(text, "\n  at f (script.lispy:1:");
  char *at_g = strstr(text, "\n  at g (script.lispy:2:");
  CHECK(at_f != NULL && at_g != NULL && at_f < at_g);
  free(text);

  /* a syntax error names its position too */
  CHECK(eval_value(L, "(ok)\n  (oops", "syn.lispy", &v) == LISPY_ERROR);
  text = lispy_error_text(L, lispy_last_error(L));
  CHECK(text && strncmp(text, "syn.lispy:2:3: error: ", 22) == 0);
  free(text);
  /* a syntax error anywhere runs nothing */
  check_error(L, NULL, "(define ran-anyway 1) (oops", "unclosed");
  check_error(L, NULL, "ran-anyway", "ran-anyway");
  /* throw of a non-error value */
  CHECK(eval_value(L, "(throw {:code 7})", "t.lispy", &v) == LISPY_ERROR);
  text = lispy_error_text(L, lispy_last_error(L));
  CHECK(text && strstr(text, "error: ") && strstr(text, ":code 7"));
  free(text);
  /* an error value passed in directly renders as well */
  CHECK(eval_value(L, "(make-error \"made\")", "t.lispy", &v) == LISPY_OK);
  text = lispy_error_text(L, v);
  CHECK(text && strstr(text, "error: made"));
  free(text);
}

/* ==== Reading values: types, lists, vectors, dicts, functions, positions ==== */

/* The one datum of src, read (not evaluated) as file; nil on failure. */
static lispy_Value read_one(lispy_State *L, const char *src, const char *file) {
  size_t pos = 0;
  lispy_Value v = lispy_nil();
  CHECK(lispy_read(L, src, strlen(src), &pos, file, &v) == LISPY_OK);
  return v;
}

/* src evaluates to a value of type t. */
static void check_type(lispy_State *L, const char *src, lispy_Type t) {
  lispy_Value v;
  CHECK(eval_value(L, src, "api", &v) == LISPY_OK);
  if (lispy_type(v) != t)
    fprintf(stderr, "%s: type %d, want %d\n", src, (int)lispy_type(v), (int)t);
  CHECK(lispy_type(v) == t);
}

/* p is line:col (and, when file is not NULL, in that file). */
static void check_pos(lispy_State *L, lispy_SrcPos p, unsigned line, unsigned col,
                      const char *file) {
  if (p.line != line || p.col != col)
    fprintf(stderr, "position %u:%u, want %u:%u\n", (unsigned)p.line, (unsigned)p.col, line, col);
  CHECK(p.line == line && p.col == col);
  if (file) CHECK_STR(lispy_file_name(L, p), file);
}

static void test_types(lispy_State *L) {
  check_type(L, "nil", LISPY_TNIL);
  check_type(L, "'()", LISPY_TEMPTY);
  check_type(L, "true", LISPY_TBOOL);
  check_type(L, "7", LISPY_TINT);
  check_type(L, "1.5", LISPY_TFLOAT);
  check_type(L, "\"s\"", LISPY_TSTRING);
  check_type(L, "'sym", LISPY_TSYMBOL);
  check_type(L, ":kw", LISPY_TKEYWORD);
  check_type(L, "'(1)", LISPY_TPAIR);
  check_type(L, "[1]", LISPY_TVECTOR);
  check_type(L, "{}", LISPY_TDICT);
  check_type(L, "(fn [] 1)", LISPY_TCLOSURE);
  check_type(L, "car", LISPY_TNATIVE);
  check_type(L, "(make-error \"x\")", LISPY_TERROR);
  CHECK(lispy_type(lispy_host_new(L, "probe", NULL, NULL)) == LISPY_THOST);
  CHECK(lispy_type(lispy_nil()) == LISPY_TNIL && lispy_type(lispy_float(2)) == LISPY_TFLOAT);
  /* integers, and 0 for anything else */
  CHECK(lispy_to_int(lispy_int(-5)) == -5);
  CHECK(lispy_to_int(lispy_float(2.0)) == 0 && lispy_to_int(lispy_nil()) == 0);
}

static void test_lists_and_symbols(lispy_State *L) {
  lispy_Value v = read_one(L, "(a :b \"c\" . d)", "api");
  CHECK(lispy_type(v) == LISPY_TPAIR);
  CHECK_STR(lispy_symbol_name(lispy_car(v)), "a");
  lispy_Value kw = lispy_car(lispy_cdr(v)), str = lispy_car(lispy_cdr(lispy_cdr(v)));
  CHECK(lispy_symbol_name(kw) == NULL && lispy_symbol_name(str) == NULL);
  CHECK_STR(lispy_to_cstring(kw, NULL), "b");
  CHECK_STR(lispy_to_cstring(lispy_car(v), NULL), "a");
  CHECK_STR(lispy_symbol_name(lispy_cdr(lispy_cdr(lispy_cdr(v)))), "d");
  CHECK(lispy_symbol_name(lispy_int(1)) == NULL);
  CHECK(lispy_list_length(v) == -1); /* improper */
  /* car and cdr of anything but a pair are nil */
  CHECK(lispy_type(lispy_car(lispy_int(1))) == LISPY_TNIL);
  CHECK(lispy_type(lispy_cdr(lispy_nil())) == LISPY_TNIL);
  CHECK(lispy_type(lispy_car(read_one(L, "()", "api"))) == LISPY_TNIL);
  CHECK(lispy_list_length(read_one(L, "(1 2 3)", "api")) == 3);
  CHECK(lispy_list_length(read_one(L, "()", "api")) == 0);
  CHECK(lispy_list_length(lispy_nil()) == -1 && lispy_list_length(lispy_int(3)) == -1);
}

static void test_vectors_and_dicts(lispy_State *L) {
  lispy_Value v = read_one(L, "[1 :x \"s\"]", "api");
  CHECK(lispy_vector_length(v) == 3);
  CHECK(lispy_to_int(lispy_vector_item(v, 0)) == 1);
  CHECK(lispy_type(lispy_vector_item(v, 1)) == LISPY_TKEYWORD);
  CHECK(lispy_type(lispy_vector_item(v, 3)) == LISPY_TNIL); /* out of range */
  CHECK(lispy_vector_length(lispy_int(1)) == 0);
  CHECK(lispy_vector_length(read_one(L, "(1 2)", "api")) == 0);
  CHECK(lispy_type(lispy_vector_item(lispy_nil(), 0)) == LISPY_TNIL);
  /* dicts in insertion order, past removed entries */
  lispy_Value d;
  CHECK(eval_value(L, "(let [d {:a 1 :b 2 :c 3}] (dict-remove! d :b) d)", "api", &d) == LISPY_OK);
  lispy_Value key, value;
  char keys[8] = "";
  int64_t sum = 0;
  for (size_t it = 0; lispy_dict_next(d, &it, &key, &value);) {
    strcat(keys, lispy_to_cstring(key, NULL));
    sum += lispy_to_int(value);
  }
  CHECK_STR(keys, "ac");
  CHECK(sum == 4);
  size_t it = 0;
  CHECK(lispy_dict_next(d, &it, NULL, NULL) && lispy_dict_next(d, &it, NULL, &value) &&
        lispy_to_int(value) == 3 && !lispy_dict_next(d, &it, &key, &value));
  it = 0;
  CHECK(!lispy_dict_next(lispy_int(1), &it, &key, &value));
  CHECK(!lispy_dict_next(v, &it, &key, &value)); /* a vector is no dict */
}

static void test_functions(lispy_State *L) {
  lispy_Value f;
  bool rest = false;
  CHECK(eval_value(L, "(define (f ctx a . r) \"Doc.\" r) f", "api", &f) == LISPY_OK);
  CHECK(lispy_fn_nparams(f, &rest) == 2 && rest);
  CHECK_STR(lispy_doc(f), "Doc.");
  lispy_Value ps = lispy_fn_params(f);
  CHECK_STR(lispy_symbol_name(lispy_car(ps)), "ctx");
  CHECK_STR(lispy_symbol_name(lispy_cdr(lispy_cdr(ps))), "r");
  CHECK(lispy_list_length(ps) == -1);
  CHECK(eval_value(L, "(fn [x y] x)", "api", &f) == LISPY_OK);
  CHECK(lispy_fn_nparams(f, &rest) == 2 && !rest);
  CHECK(lispy_list_length(lispy_fn_params(f)) == 2); /* the vector, as a list */
  CHECK(lispy_doc(f) == NULL);
  CHECK(eval_value(L, "(fn [a & more] a)", "api", &f) == LISPY_OK);
  CHECK(lispy_fn_nparams(f, NULL) == 1);
  CHECK(lispy_list_length(lispy_fn_params(f)) == 3); /* as written: (a & more) */
  CHECK(eval_value(L, "(lambda args args)", "api", &f) == LISPY_OK);
  CHECK(lispy_fn_nparams(f, &rest) == 0 && rest);
  CHECK_STR(lispy_symbol_name(lispy_fn_params(f)), "args");
  /* builtins and other values have no parameter list */
  CHECK(lispy_env_get(L, NULL, "car", &f));
  rest = false;
  CHECK(lispy_fn_nparams(f, &rest) == -1 && !rest);
  CHECK(lispy_type(lispy_fn_params(f)) == LISPY_TNIL);
  CHECK(lispy_doc(f) != NULL);
  CHECK(lispy_fn_nparams(lispy_int(1), NULL) == -1);
  CHECK(lispy_type(lispy_fn_params(lispy_nil())) == LISPY_TNIL);
}

static void test_positions(lispy_State *L) {
  const char *src = "(define x\n"
                    "  [10 20]\n"
                    "  {:k \"v\"})";
  lispy_Value form = read_one(L, src, "pos.lispy");
  int ref = lispy_ref(L, form);
  check_pos(L, lispy_car_pos(form), 1, 2, "pos.lispy");     /* define */
  check_pos(L, lispy_car_pos(lispy_cdr(form)), 1, 9, NULL); /* x */
  lispy_Value vec = lispy_car(lispy_cdr(lispy_cdr(form)));
  check_pos(L, lispy_car_pos(lispy_cdr(lispy_cdr(form))), 2, 3, NULL); /* [ */
  check_pos(L, lispy_vector_pos(vec, 0), 2, 4, "pos.lispy");
  check_pos(L, lispy_vector_pos(vec, 1), 2, 7, NULL);
  check_pos(L, lispy_vector_pos(vec, 2), 0, 0, NULL); /* out of range */
  lispy_Value dict = lispy_car(lispy_cdr(lispy_cdr(lispy_cdr(form))));
  lispy_SrcPos kp, vp;
  size_t it = 0;
  lispy_dict_pos(dict, it, &kp, &vp); /* nothing returned yet */
  check_pos(L, kp, 0, 0, NULL);
  CHECK(lispy_dict_next(dict, &it, NULL, NULL));
  lispy_dict_pos(dict, it, &kp, &vp);
  check_pos(L, kp, 3, 4, "pos.lispy");
  check_pos(L, vp, 3, 7, NULL);
  lispy_dict_pos(dict, it, NULL, &vp);
  check_pos(L, vp, 3, 7, NULL);
  lispy_unref(L, ref);
  /* wrong types and data made at run time have no position */
  check_pos(L, lispy_car_pos(lispy_int(1)), 0, 0, NULL);
  check_pos(L, lispy_vector_pos(lispy_nil(), 0), 0, 0, NULL);
  lispy_dict_pos(lispy_int(1), 1, &kp, &vp);
  check_pos(L, kp, 0, 0, NULL);
  check_pos(L, vp, 0, 0, NULL);
  lispy_Value made;
  CHECK(eval_value(L, "(list 1 2)", "api", &made) == LISPY_OK);
  check_pos(L, lispy_car_pos(made), 0, 0, NULL);
  CHECK(eval_value(L, "(vector 1 2)", "api", &made) == LISPY_OK);
  check_pos(L, lispy_vector_pos(made, 0), 0, 0, NULL);
  CHECK_STR(lispy_file_name(L, lispy_car_pos(made)), "<unknown>");
  /* where an error was raised */
  CHECK(eval_value(L, "(+ 1\n   (car 5))", "err.lispy", &made) == LISPY_ERROR);
  lispy_SrcPos ep = lispy_error_pos(lispy_last_error(L));
  CHECK(ep.line == 2 && ep.col >= 4);
  CHECK_STR(lispy_file_name(L, ep), "err.lispy");
  check_pos(L, lispy_error_pos(lispy_int(1)), 0, 0, NULL);
}

/* ==== Incremental reading and output ================================================================= */

static void test_read_incremental(lispy_State *L) {
  char buf[256] = "";
  const char *chunks[] = {"(define (tw", "ice x)\n", "  (* 2 x)) (twice", " 21)"};
  size_t pos = 0;
  lispy_Value form;
  int forms_run = 0;
  char *last = NULL;
  for (int i = 0; i < 4; i++) {
    strcat(buf, chunks[i]);
    for (;;) {
      size_t start = pos;
      int rc = lispy_read(L, buf, strlen(buf), &pos, "shell", &form);
      if (rc == LISPY_INCOMPLETE) {
        pos = start; /* wait for more input */
        break;
      }
      if (rc == LISPY_EOF) break;
      CHECK(rc == LISPY_OK);
      if (rc != LISPY_OK) break;
      /* evaluate exactly the text of the datum just read */
      free(last);
      last = eval_len(L, NULL, buf + start, pos - start, false);
      forms_run++;
      (void)form;
    }
  }
  CHECK(forms_run == 2);
  CHECK_STR(last, "42");
  free(last);
}

typedef struct Capture {
  char text[256];
  size_t len;
} Capture;

/* Output sink appending to a Capture. */
static void capture_output(void *ud, const char *s, size_t len) {
  Capture *c = ud;
  size_t room = sizeof c->text - 1 - c->len;
  if (len > room) len = room;
  memcpy(c->text + c->len, s, len);
  c->len += len;
  c->text[c->len] = '\0';
}

static void test_output(lispy_State *L) {
  Capture cap = {"", 0};
  lispy_set_output(L, capture_output, &cap);
  check_eval(L, NULL, "(display \"hi \") (write \"q\") (newline) (display 42) 7", "7");
  CHECK_STR(cap.text, "hi \"q\"\n42");
  lispy_set_output(L, NULL, NULL);
  check_eval(L, NULL, "(display \"into the void\")", "nil");
  CHECK_STR(cap.text, "hi \"q\"\n42");
}

/* ==== Values handed to the API stay alive while it works ============================
**
** An embedder writes lispy_env_set(L, env, "ctx", lispy_host_new(...)) or
** builds a dict with lispy_dict_put(L, d, k, lispy_string(...)), prints a
** result with lispy_repr, and pins one with lispy_ref. Each of these calls
** allocates, so with a collection at every allocation the values passed in
** must be protected by the API for the duration of the call. A probe host
** object tells whether one was collected while still in use. */

static void test_api_keeps_arguments_alive(void) {
  lispy_State *L = lispy_open();
  if (!L) return;
  lispy_gc_stress(L, true);

  /* lispy_ref's first call grows the reference table */
  Probe p1 = {0, 11};
  int ref = lispy_ref(L, lispy_host_new(L, "probe", &p1, probe_finalize));
  if (p1.finalized) fprintf(stderr, "lispy_ref: its value was collected before being pinned\n");
  CHECK(p1.finalized == 0);
  lispy_unref(L, ref);

  /* lispy_env_set of a fresh host object under a new name */
  Probe p2 = {0, 12};
  lispy_env_set(L, NULL, "fresh-context", lispy_host_new(L, "probe", &p2, probe_finalize));
  if (p2.finalized) fprintf(stderr, "lispy_env_set: its value was collected while binding it\n");
  CHECK(p2.finalized == 0);
  lispy_env_set(L, NULL, "fresh-context", lispy_nil());

  /* lispy_dict_put into a fresh dict (the dict is pinned first, since
  ** making the probe allocates) */
  Probe p3 = {0, 13};
  int dref = lispy_ref(L, lispy_dict(L));
  lispy_dict_put(L, lispy_deref(L, dref), "probe", lispy_host_new(L, "probe", &p3, probe_finalize));
  if (p3.finalized) fprintf(stderr, "lispy_dict_put: its value was collected while storing it\n");
  CHECK(p3.finalized == 0);
  lispy_unref(L, dref);
  /* a fresh dict filled with immediates: the dict itself must survive */
  lispy_Value d = lispy_dict(L), got;
  lispy_dict_put(L, d, "one", lispy_int(1));
  lispy_dict_put(L, d, "two", lispy_int(2));
  dref = lispy_ref(L, d);
  CHECK(lispy_dict_get(L, lispy_deref(L, dref), "one", &got) && lispy_to_int(got) == 1);
  CHECK(lispy_dict_get(L, lispy_deref(L, dref), "two", &got) && lispy_to_int(got) == 2);
  lispy_unref(L, dref);

  /* lispy_repr of an evaluation's result */
  lispy_register(L, NULL, "make-probe", nat_make_probe, 0, 0, "()", "A probe.");
  native_probe.finalized = 0;
  lispy_Value v;
  const char *src = "(list (make-probe) (list 1 2) \"s\")";
  CHECK(lispy_eval_string(L, NULL, src, strlen(src), "api", &v) == LISPY_OK);
  char *s = lispy_repr(L, v, true);
  if (native_probe.finalized)
    fprintf(stderr, "lispy_repr: the value being printed was collected meanwhile\n");
  CHECK(native_probe.finalized == 0);
  CHECK(s != NULL && strstr(s, "(1 2) \"s\")") != NULL);
  free(s);

  /* lispy_call with fresh arguments */
  Probe p4 = {0, 14};
  lispy_Value fn;
  CHECK(eval_value(L, "(lambda (h s) (list (string-append s \"!\") h))", "api", &fn) == LISPY_OK);
  int fref = lispy_ref(L, fn);
  int aref = lispy_ref(L, lispy_host_new(L, "probe", &p4, probe_finalize));
  int sref = lispy_ref(L, lispy_string(L, "arg", 3));
  lispy_Value args[2] = {lispy_deref(L, aref), lispy_deref(L, sref)};
  lispy_unref(L, aref); /* from here on only the call itself keeps them */
  lispy_unref(L, sref);
  CHECK(lispy_call(L, lispy_deref(L, fref), 2, args, &v) == LISPY_OK);
  if (p4.finalized) fprintf(stderr, "lispy_call: an argument was collected during the call\n");
  CHECK(p4.finalized == 0);
  lispy_unref(L, fref);

  lispy_gc_stress(L, false);
  lispy_close(L);
}

int main(void) {
  test_lifecycle();
  lispy_State *L = lispy_open();
  if (L == NULL) {
    fprintf(stderr, "lispy_open failed\n");
    return 1;
  }
  test_values(L);
  test_env_isolation(L);
  test_natives(L);
  test_call(L);
  test_refs(L);
  test_json(L);
  test_json_text(L);
  test_call_json(L);
  test_call_json_text(L);
  test_error_text(L);
  test_types(L);
  test_lists_and_symbols(L);
  test_vectors_and_dicts(L);
  test_functions(L);
  test_positions(L);
  test_read_incremental(L);
  test_output(L);
  lispy_close(L);
  test_host_objects();
  run_isolated("API arguments under GC stress", test_api_keeps_arguments_alive);
  printf("test_api: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
