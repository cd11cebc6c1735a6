/*
** test_json.c -- the JSON bridge through the public API: lispy_to_json,
** lispy_from_json, and the json-parse / json-encode builtins.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lispy.h"

/* ==== A tiny check harness ================================================ */

static int failures = 0;

#define CHECK(cond)                                                         \
  do {                                                                      \
    if (!(cond)) {                                                          \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      failures++;                                                           \
    }                                                                       \
  } while (0)

/* Compare two C strings, printing both on mismatch. */
#define CHECK_STR(got, want)                                                \
  do {                                                                      \
    const char *g_ = (got), *w_ = (want);                                   \
    if (g_ == NULL || strcmp(g_, w_) != 0) {                                \
      fprintf(stderr, "%s:%d: got [%s], want [%s]\n", __FILE__, __LINE__,   \
              g_ ? g_ : "(null)", w_);                                      \
      failures++;                                                           \
    }                                                                       \
  } while (0)

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
    failures++;
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
    failures++;
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
  check_encode_error(L,
      "(let loop ((i 0) (acc '())) (if (= i 3000) acc (loop (+ i 1) (list acc))))",
      "depth");
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
  cJSON *bad = cJSON_CreateString("a\xff" "b");
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
  check_eval_str(L, "(json-encode (json-parse \"{\\\"b\\\": [1, 2.0, \\\"x\\\"], \\\"a\\\": null}\"))",
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
  lispy_gc_stress(L, true);
  test_round_trip(L);
  lispy_gc_stress(L, false);
  lispy_close(L);
  if (failures) fprintf(stderr, "test_json: %d failure(s)\n", failures);
  else printf("test_json: all checks passed\n");
  return failures ? 1 : 0;
}
