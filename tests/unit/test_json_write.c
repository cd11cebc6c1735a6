/*
** test_json_write.c -- ag_json_print, the JSON writer of what lispy prints:
** floats in their shortest round-tripping text (0.005356, 0.1, 1e-07,
** 1e+300), integers within 2^53 as integers, -0.0 reading back negative,
** string escapes, nesting, empty containers, pretty (2 spaces, never tabs)
** against compact (one line) and the depth bound; and ag_json_reindent,
** which indents compact text the same way, keeping its numbers.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agents.h"
#include "check.h"

/* The compact text of one number. */
static void check_number(int line, double d, const char *want) {
  cJSON *n = cJSON_CreateNumber(d);
  char *s = ag_json_print(n, false);
  CHECK_AT(line, s && strcmp(s, want) == 0, "%.17g printed [%s], want [%s]", d, s ? s : "(null)",
           want);
  CHECK_AT(line, s && strtod(s, NULL) == d && signbit(strtod(s, NULL)) == signbit(d),
           "[%s] does not read back as %.17g", s ? s : "(null)", d);
  free(s);
  cJSON_Delete(n);
}

static void test_numbers(void) {
  check_number(__LINE__, 0.005356, "0.005356");
  check_number(__LINE__, (double)(float)0.005356f, "0.005355999805033207");
  check_number(__LINE__, 0.1, "0.1");
  check_number(__LINE__, 1e-7, "1e-07");
  check_number(__LINE__, 1e300, "1e+300");
  check_number(__LINE__, 9007199254740992.0, "9007199254740992");
  check_number(__LINE__, -9007199254740992.0, "-9007199254740992");
  check_number(__LINE__, 9007199254740994.0, "9007199254740994");
  check_number(__LINE__, -0.0, "-0");
  check_number(__LINE__, 0.0, "0");
  check_number(__LINE__, 42, "42");
  check_number(__LINE__, 0.0015820041298866272, "0.0015820041298866272");
  check_number(__LINE__, 1.5, "1.5");
  check_number(__LINE__, 2.0 / 3.0, "0.6666666666666666");
  cJSON *nan = cJSON_CreateNumber(NAN);
  char *s = ag_json_print(nan, false);
  CHECK_STR(s, "null");
  free(s);
  cJSON_Delete(nan);
}

static void test_strings(void) {
  cJSON *j = cJSON_CreateString("a\"b\\c\n\t\r\b\f\x01\x1f/é→");
  char *s = ag_json_print(j, false);
  CHECK_STR(s, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f/é→\"");
  cJSON *back = s ? cJSON_Parse(s) : NULL;
  CHECK(back && strcmp(back->valuestring, j->valuestring) == 0);
  cJSON_Delete(back);
  free(s);
  cJSON_Delete(j);
  j = cJSON_Parse("{\"k\\n\\\"\":\"\"}");
  s = ag_json_print(j, false);
  CHECK_STR(s, "{\"k\\n\\\"\":\"\"}");
  free(s);
  cJSON_Delete(j);
}

static void test_layout(void) {
  const char *in = "{\"a\":[1,2.5,{\"b\":null}],\"e\":[],\"o\":{},\"t\":true,\"f\":false}";
  cJSON *j = cJSON_Parse(in);
  CHECK(j != NULL);
  char *c = ag_json_print(j, false), *p = ag_json_print(j, true);
  CHECK_STR(c, in);
  CHECK_STR(p, "{\n"
               "  \"a\": [\n"
               "    1,\n"
               "    2.5,\n"
               "    {\n"
               "      \"b\": null\n"
               "    }\n"
               "  ],\n"
               "  \"e\": [],\n"
               "  \"o\": {},\n"
               "  \"t\": true,\n"
               "  \"f\": false\n"
               "}");
  CHECK(p && !strchr(p, '\t'));
  CHECK(c && !strchr(c, '\n'));
  char *r = ag_json_reindent(c);
  CHECK_STR(r, p ? p : "");
  free(r);
  r = ag_json_reindent("{\"s\":\"a,b:{[\\\"\",\"n\":12345678901234567890}");
  CHECK_STR(r, "{\n  \"s\": \"a,b:{[\\\"\",\n  \"n\": 12345678901234567890\n}");
  free(r);
  free(c), free(p);
  cJSON_Delete(j);
  cJSON *e = cJSON_CreateArray();
  c = ag_json_print(e, true);
  CHECK_STR(c, "[]");
  free(c);
  cJSON_Delete(e);
  e = cJSON_CreateObject();
  c = ag_json_print(e, true);
  CHECK_STR(c, "{}");
  free(c);
  cJSON_Delete(e);
  cJSON *raw = cJSON_CreateRaw("12345678901234567890");
  c = ag_json_print(raw, false);
  CHECK_STR(c, "12345678901234567890");
  free(c);
  cJSON_Delete(raw);
}

/* Arrays nested n deep, built by hand (cJSON's parser stops at 1000). */
static cJSON *nested(int n) {
  cJSON *j = cJSON_CreateArray();
  for (int i = 1; j && i < n; i++) {
    cJSON *outer = cJSON_CreateArray();
    if (!outer) break;
    cJSON_AddItemToArray(outer, j);
    j = outer;
  }
  return j;
}

static void test_depth(void) {
  cJSON *ok = nested(AG_JSON_PRINT_MAX_DEPTH), *deep = nested(AG_JSON_PRINT_MAX_DEPTH + 1);
  char *s = ag_json_print(ok, false);
  CHECK(s && strlen(s) == 2 * (size_t)AG_JSON_PRINT_MAX_DEPTH);
  free(s);
  s = ag_json_print(deep, false);
  CHECK(s == NULL);
  free(s);
  cJSON_Delete(ok);
  cJSON_Delete(deep);
}

int main(void) {
  test_numbers();
  test_strings();
  test_layout();
  test_depth();
  printf("test_json_write: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
