/*
** test_json.c -- the JSON bridge through the public API: lispy_to_json,
** lispy_from_json, and the json-parse / json-encode builtins.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "lispy.h"
#include "measure.h"

/* ==== Helpers ================================================================ */

/* Evaluate src; aborts the test run on an unexpected error. */
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

/* Encode the value of src with lispy_to_json and compare the compact text. */
static void check_encode(lispy_State *L, const char *src, const char *want) {
  char why[256] = "";
  cJSON *j = lispy_to_json(L, eval(L, src), why, sizeof why);
  if (j == NULL) {
    fprintf(stderr, "lispy_to_json(%s) failed: %s\n", src, why);
    failed++;
    return;
  }
  char *text = cJSON_PrintUnformatted(j);
  CHECK_STR(text, want);
  free(text);
  cJSON_Delete(j);
}

/* lispy_to_json must fail with a message containing needle. */
static void check_encode_error(lispy_State *L, const char *src, const char *needle) {
  char why[256] = "";
  cJSON *j = lispy_to_json(L, eval(L, src), why, sizeof why);
  CHECK(j == NULL);
  cJSON_Delete(j);
  if (strstr(why, needle) == NULL) {
    fprintf(stderr, "encode %s: message [%s] lacks [%s]\n", src, why, needle);
    failed++;
  }
}

/* Parse text with cJSON, convert, and compare the readable printed form. */
static void check_decode(lispy_State *L, const char *json, const char *want) {
  cJSON *j = cJSON_Parse(json);
  CHECK(j != NULL);
  lispy_Value v;
  int rc = lispy_from_json(L, j, &v);
  cJSON_Delete(j);
  CHECK(rc == LISPY_OK);
  if (rc != LISPY_OK) return;
  char *text = lispy_repr(L, v, true);
  CHECK_STR(text, want);
  free(text);
}

/* Evaluate src (which must yield a string) and compare it. */
static void check_eval_str(lispy_State *L, const char *src, const char *want) {
  size_t len;
  const char *s = lispy_to_cstring(eval(L, src), &len);
  CHECK_STR(s, want);
}

/* ==== Tests ================================================================== */

static void test_encode(lispy_State *L) {
  check_encode(L, "nil", "null");
  check_encode(L, "#t", "true");
  check_encode(L, "42", "42");
  check_encode(L, "1.5", "1.5");
  check_encode(L, "\"caf\\u{e9}\"", "\"caf\xc3\xa9\"");
  check_encode(L, "'(1 2 3)", "[1,2,3]");
  check_encode(L, "[]", "[]");
  check_encode(L, "'()", "[]");
  check_encode(L, "{:a 1 \"b\" [nil :kw]}", "{\"a\":1,\"b\":[null,\"kw\"]}");
  check_encode(L, "{7 'sym}", "{\"7\":\"sym\"}");
  /* integers past 2^53 stay exact */
  check_encode(L, "9007199254740993", "9007199254740993");
  check_encode(L, "-9223372036854775807", "-9223372036854775807");
}

static void test_encode_errors(lispy_State *L) {
  check_encode_error(L, "car", "cannot encode function");
  check_encode_error(L, "{:a [1 2 (lambda () 1)]}", "at /a/2");
  check_encode_error(L, "(cons 1 2)", "improper list");
  check_encode_error(L, "{[1] 2}", "object key");
  check_encode_error(L, "\"a\\u{0}b\"", "NUL");
  check_encode_error(
      L, "(let loop ((i 0) (acc '())) (if (= i 3000) acc (loop (+ i 1) (list acc))))", "depth");
  /* the state is still usable after failures */
  check_encode(L, "[1]", "[1]");
}

static void test_decode(lispy_State *L) {
  check_decode(L, "null", "nil");
  check_decode(L, "[1, 2.5, \"x\", true, false, null]", "(1 2.5 \"x\" #t #f nil)");
  check_decode(L, "[]", "()");
  check_decode(L, "{\"a\": {\"b\": []}}", "{\"a\" {\"b\" ()}}");
  check_decode(L, "\"\\u00e9\\ud83d\\ude00\"", "\"\xc3\xa9\xf0\x9f\x98\x80\"");
  check_decode(L, "1e2", "100");
  check_decode(L, "-0.25", "-0.25");
}

static void test_decode_errors(lispy_State *L) {
  /* invalid UTF-8 inside a string */
  cJSON *bad = cJSON_CreateString("a\xff"
                                  "b");
  lispy_Value v;
  CHECK(lispy_from_json(L, bad, &v) == LISPY_ERROR);
  const char *msg = lispy_error_message(lispy_last_error(L));
  CHECK(msg != NULL && strstr(msg, "UTF-8") != NULL);
  cJSON_Delete(bad);

  /* a tree nested deeper than the C depth guard */
  cJSON *root = cJSON_CreateArray(), *cur = root;
  for (int i = 0; i < 3000; i++) {
    cJSON *next = cJSON_CreateArray();
    cJSON_AddItemToArray(cur, next);
    cur = next;
  }
  CHECK(lispy_from_json(L, root, &v) == LISPY_ERROR);
  const char *kind = lispy_error_kind(lispy_last_error(L));
  CHECK(kind != NULL && strcmp(kind, "limit") == 0);
  cJSON_Delete(root);

  /* raw number text (as lispy_to_json makes for big integers) */
  cJSON *raw = cJSON_CreateRaw("9007199254740993");
  CHECK(lispy_from_json(L, raw, &v) == LISPY_OK);
  char *text = lispy_repr(L, v, true);
  CHECK_STR(text, "9007199254740993");
  free(text);
  cJSON_Delete(raw);
}

static void test_builtins(lispy_State *L) {
  check_eval_str(L,
                 "(json-encode (json-parse \"{\\\"b\\\": [1, 2.0, \\\"x\\\"], \\\"a\\\": null}\"))",
                 "{\"b\":[1,2,\"x\"],\"a\":null}");
  check_eval_str(L, "(json-encode [1 {:a 2}] #t)", "[\n  1,\n  {\n    \"a\": 2\n  }\n]");
  check_eval_str(L, "(json-encode 0.1)", "0.1");
  check_eval_str(L, "(json-encode \"\\u{1F600}\")", "\"\xf0\x9f\x98\x80\"");
  lispy_Value v;
  const char *src = "(json-parse \"[1, 2\")";
  CHECK(lispy_eval_string(L, NULL, src, strlen(src), "test", &v) == LISPY_ERROR);
  const char *msg = lispy_error_message(lispy_last_error(L));
  CHECK(msg != NULL && strstr(msg, "invalid JSON at line 1") != NULL);
}

/* Round trip through both directions many times (exercises the collector). */
static void test_round_trip(lispy_State *L) {
  const char *doc = "{\"name\":\"t\",\"n\":3,\"xs\":[1,2.5,[true,null]],\"o\":{\"k\":\"v\"}}";
  for (int i = 0; i < 200; i++) {
    cJSON *j = cJSON_Parse(doc);
    lispy_Value v;
    CHECK(lispy_from_json(L, j, &v) == LISPY_OK);
    cJSON_Delete(j);
    char why[128];
    cJSON *back = lispy_to_json(L, v, why, sizeof why);
    CHECK(back != NULL);
    char *text = cJSON_PrintUnformatted(back);
    CHECK_STR(text, doc);
    free(text);
    cJSON_Delete(back);
  }
}

/* ==== Bounds on JSON leaving the state ====================================== */

/* Source of a structure with heavy sharing: level n is (list x x) of level
** n-1, so n conses make a JSON text of about 2^(n+1) bytes. */
static char *dag_src(int n) {
  static char src[160];
  snprintf(src, sizeof src, "(let loop ((i 0) (x 1)) (if (= i %d) x (loop (+ i 1) (list x x))))",
           n);
  return src;
}

/* The kind and data.limit of the last error are limit / which. */
static void check_last_limit(lispy_State *L, const char *which) {
  lispy_Value e = lispy_last_error(L);
  CHECK_STR(lispy_error_kind(e), "limit");
  char why[64];
  cJSON *j = lispy_to_json(L, e, why, sizeof why);
  const cJSON *data = cJSON_GetObjectItem(j, "data");
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(data, "limit")), which);
  cJSON_Delete(j);
}

/* A value within the cap converts; past it (a long string, a shared
** structure 2 GB as text) every host conversion stops with a "result"
** limit error at once, and the state goes on. */
static void test_json_cap(lispy_State *L) {
  lispy_set_json_cap(L, 1000);
  check_encode(L, "[1 2 3]", "[1,2,3]");
  check_encode_error(L, "(string-repeat \"x\" 2000)", "1000-byte cap");
  check_last_limit(L, "result");
  double t0 = now_s();
  check_encode_error(L, dag_src(30), "result too large");
  lispy_Text t = {0};
  char why[256] = "";
  CHECK(lispy_to_json_text(L, eval(L, dag_src(30)), &t, why, sizeof why) == LISPY_ERROR);
  CHECK(strstr(why, "1000-byte cap") != NULL);
  CHECK(t.len == 0);
  CHECK(lispy_to_json_text(L, eval(L, "{:a [1 2]}"), &t, why, sizeof why) == LISPY_OK);
  CHECK_STR(t.data, "{\"a\":[1,2]}");
  CHECK(now_s() - t0 < 1.0 * time_scale());

  /* the result of lispy_call_json_text: a limit error, not "not JSON" */
  lispy_Value fn =
      eval(L, "(fn [n] (let loop ((i 0) (x 1)) (if (= i n) x (loop (+ i 1) (list x x)))))");
  cJSON *n = cJSON_CreateNumber(30);
  const cJSON *args[1] = {n};
  size_t before = t.len;
  t0 = now_s();
  CHECK(lispy_call_json_text(L, fn, 0, NULL, 1, args, &t) == LISPY_ERROR);
  CHECK(now_s() - t0 < 1.0 * time_scale());
  check_last_limit(L, "result");
  CHECK(t.len == before);
  cJSON_Delete(n);
  free(t.data);
  lispy_set_json_cap(L, 0); /* the default again */
  cJSON *j = lispy_to_json(L, eval(L, "(string-repeat \"x\" 2000)"), why, sizeof why);
  CHECK(cJSON_IsString(j) && strlen(j->valuestring) == 2000);
  cJSON_Delete(j);
}

/* lispy_to_json of the value of src under lim fails naming needle. */
static void check_encode_limited(lispy_State *L, const char *src, const lispy_Limits *lim,
                                 const char *needle) {
  lispy_Value v = eval(L, src);
  int ref = lispy_ref(L, v);
  lispy_Limits saved = lispy_get_limits(L);
  lispy_set_limits(L, lim);
  char why[256] = "";
  double t0 = now_s();
  cJSON *j = lispy_to_json(L, v, why, sizeof why);
  CHECK(j == NULL && now_s() - t0 < 0.5 * time_scale());
  cJSON_Delete(j);
  if (strstr(why, needle) == NULL) {
    fprintf(stderr, "encode %s: message [%s] lacks [%s]\n", src, why, needle);
    failed++;
  }
  lispy_set_limits(L, &saved);
  lispy_unref(L, ref);
}

/* The memory limit bounds what conversions malloc outside the heap (a
** cJSON tree, the host's text), and fuel and time bound their work. */
static void test_json_limits(lispy_State *L) {
  lispy_Limits saved = lispy_get_limits(L), lim = saved;
  lim.memory = 1u << 20;
  lispy_set_limits(L, &lim);
  double t0 = now_s();
  check_encode_error(L, dag_src(28), "memory limit");
  check_last_limit(L, "memory");
  lispy_Text t = {0};
  char why[256] = "";
  CHECK(lispy_to_json_text(L, eval(L, dag_src(28)), &t, why, sizeof why) == LISPY_ERROR);
  CHECK(strstr(why, "memory limit") != NULL);
  /* json-encode inside the sandbox: its buffer is the heap's */
  lispy_Value v;
  char src[200];
  snprintf(src, sizeof src, "(json-encode %s)", dag_src(28));
  CHECK(lispy_eval_string(L, NULL, src, strlen(src), "test", &v) == LISPY_ERROR);
  CHECK_STR(lispy_error_kind(lispy_last_error(L)), "limit");
  CHECK(now_s() - t0 < 1.0 * time_scale());
  free(t.data);

  /* the printed form for the host is bounded the same way, and leaves
  ** the host's last error alone */
  lispy_Value err;
  const char *bad = "(car 5)";
  CHECK(lispy_eval_string(L, NULL, bad, strlen(bad), "test", &err) == LISPY_ERROR);
  const char *msg = lispy_error_message(lispy_last_error(L));
  t0 = now_s();
  char *printed = lispy_repr(L, eval(L, dag_src(28)), true);
  CHECK_STR(printed, "#<unprintable: memory limit exceeded>");
  free(printed);
  printed = lispy_pprint(L, eval(L, dag_src(28)), 78);
  CHECK_STR(printed, "#<unprintable: memory limit exceeded>");
  free(printed);
  CHECK(now_s() - t0 < 1.0 * time_scale());
  CHECK(lispy_error_message(lispy_last_error(L)) == msg);
  printed = lispy_repr(L, eval(L, dag_src(2)), true);
  CHECK_STR(printed, "((1 1) (1 1))");
  free(printed);
  lispy_set_limits(L, &saved);

  lim = saved;
  lim.fuel = 1000;
  check_encode_limited(L, "(range 5000)", &lim, "fuel");
  lim.fuel = 0;
  lim.memory = 0;
  lim.timeout = 0.05;
  lispy_set_json_cap(L, 1u << 30);
  check_encode_limited(L, dag_src(40), &lim, "time limit");
  lispy_set_json_cap(L, 0);
  check_encode(L, "[1]", "[1]");
}

int main(void) {
  lispy_State *L = lispy_open();
  if (L == NULL) {
    fprintf(stderr, "lispy_open failed\n");
    return 1;
  }
  test_encode(L);
  test_encode_errors(L);
  test_decode(L);
  test_decode_errors(L);
  test_builtins(L);
  test_json_cap(L);
  test_json_limits(L);
  lispy_gc_stress(L, true);
  test_round_trip(L);
  lispy_gc_stress(L, false);
  lispy_close(L);
  if (failed) fprintf(stderr, "test_json: %d failure(s)\n", failed);
  else printf("test_json: all checks passed\n");
  return failed ? 1 : 0;
}
