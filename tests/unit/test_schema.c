/*
** test_schema.c -- our own cases for the agents' JSON Schema validator
** (agents/ag_schema.h): error messages and pointers, several problems at
** once, defaults, code-point lengths, pattern match limits, recursion
** guards, unsupported keywords and schema (compile) errors.
*/
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "ag_schema.h"
#include "check.h"

/* ==== Helpers ============================================================= */

/* Parse JSON text; aborts the run on a typo in a test. */
static cJSON *json(const char *text) {
  cJSON *j = cJSON_Parse(text);
  if (j == NULL) {
    fprintf(stderr, "test bug: bad JSON: %s\n", text);
    exit(2);
  }
  return j;
}

/* Compile schema text; aborts the run when it does not compile. */
static ag_Schema *compile(const char *schema_text) {
  cJSON *j = json(schema_text);
  ag_SchemaErrors errs;
  ag_schema_errors_init(&errs);
  ag_Schema *s = ag_schema_compile(j, &errs);
  if (s == NULL) {
    char *why = ag_schema_errors_join(&errs, "\n");
    fprintf(stderr, "test bug: schema does not compile: %s\n%s\n", schema_text, why);
    exit(2);
  }
  ag_schema_errors_free(&errs);
  cJSON_Delete(j);
  return s;
}

/* Validate instance text against schema text; returns all the errors joined
** by newlines (malloc'd, "" when valid) and checks that validity and the
** error list agree. */
static char *validate(const char *schema_text, const char *instance_text) {
  ag_Schema *s = compile(schema_text);
  cJSON *x = json(instance_text);
  ag_SchemaErrors errs;
  ag_schema_errors_init(&errs);
  bool ok = ag_schema_validate(s, x, &errs);
  CHECK(ok == (ag_schema_errors_count(&errs) == 0));
  char *text = ag_schema_errors_join(&errs, "\n");
  ag_schema_errors_free(&errs);
  cJSON_Delete(x);
  ag_schema_free(s);
  return text;
}

/* validate() compared with the expected errors ("" for valid). */
static void check_errors(const char *schema, const char *instance, const char *want) {
  char *got = validate(schema, instance);
  CHECK_STR(got, want);
  free(got);
}

/* The errors of compiling schema text joined by newlines ("" when it
** compiles), freeing the schema. */
static char *compile_errors(const char *schema_text) {
  cJSON *j = json(schema_text);
  ag_SchemaErrors errs;
  ag_schema_errors_init(&errs);
  ag_Schema *s = ag_schema_compile(j, &errs);
  CHECK((s == NULL) == (ag_schema_errors_count(&errs) > 0));
  char *text = ag_schema_errors_join(&errs, "\n");
  ag_schema_errors_free(&errs);
  ag_schema_free(s);
  cJSON_Delete(j);
  return text;
}

/* Fill the defaults of schema into instance text and compare the compact
** JSON of the result with want (NULL: any). Checks on the way that the dry run
** (ag_schema_needs_fill) foresaw whether filling would change anything,
** and that the dispatcher's check (ag_schema_validate_fill) agrees with
** both ag_schema_validate and the dry run. */
static void check_filled(const char *schema_text, const char *instance_text, const char *want) {
  ag_Schema *s = compile(schema_text);
  cJSON *x = json(instance_text);
  char *before = cJSON_PrintUnformatted(x);
  bool needs = ag_schema_needs_fill(s, x), needs_too = !needs;
  bool valid = ag_schema_validate_fill(s, x, NULL, &needs_too);
  CHECK(valid == ag_schema_validate(s, x, NULL));
  CHECK(valid ? needs_too == needs : !needs_too);
  ag_schema_fill_defaults(s, x);
  char *text = cJSON_PrintUnformatted(x);
  CHECK(needs == (strcmp(before, text) != 0));
  if (want) CHECK_STR(text, want);
  free(text);
  free(before);
  cJSON_Delete(x);
  ag_schema_free(s);
}

/* ==== Error messages and pointers ========================================= */

static const char *WEATHER = "{\"type\": \"object\","
                             " \"properties\": {"
                             "   \"city\": {\"type\": \"string\"},"
                             "   \"max_words\": {\"type\": \"integer\"},"
                             "   \"unit\": {\"enum\": [\"celsius\", \"fahrenheit\"]},"
                             "   \"count\": {\"type\": \"integer\", \"minimum\": 1}},"
                             " \"required\": [\"city\"],"
                             " \"additionalProperties\": false}";

static void test_messages(void) {
  /* WEATHER is flat: valid instances take the one-pass check, invalid
  ** ones the full walk (the messages below) */
  ag_Schema *flat = compile(WEATHER),
            *deep = compile("{\"properties\": {\"o\": {\"required\": [\"x\"]}}}");
  CHECK(ag_schema_fast(flat) && !ag_schema_fast(deep));
  ag_schema_free(flat);
  ag_schema_free(deep);
  check_errors(WEATHER, "{\"city\": \"Paris\", \"unit\": \"celsius\", \"count\": 3}", "");
  /* every problem at once, in a stable order */
  check_errors(WEATHER, "{\"max_words\": \"ten\", \"unit\": \"kelvinn\", \"count\": 0, \"foo\": 1}",
               "/city: missing required property\n"
               "/max_words: expected integer, got string\n"
               "/unit: \"kelvinn\" is not one of \"celsius\", \"fahrenheit\"\n"
               "/count: 0 is less than the minimum 1\n"
               ": unexpected property \"foo\"");
  check_errors(WEATHER, "[1]", ": expected object, got array");
  check_errors("{\"type\": [\"integer\", \"string\", \"null\"]}", "1.5",
               ": expected null, string or integer, got number");
}

/* Messages of the scalar keywords. */
static void test_value_messages(void) {
  check_errors("{\"type\": \"integer\"}", "1.0", "");
  check_errors("{\"type\": \"string\"}", "7", ": expected string, got integer");
  /* nested pointers, with ~0 / ~1 escapes */
  check_errors("{\"properties\": {\"a/b\": {\"items\": {\"properties\": {\"m~n\": "
               "{\"type\": \"boolean\"}}}}}}",
               "{\"a/b\": [{}, {\"m~n\": true}, {\"m~n\": 0}]}",
               "/a~1b/2/m~0n: expected boolean, got integer");
  check_errors("{\"maximum\": 2.5, \"exclusiveMinimum\": 0, \"multipleOf\": 0.5}", "3.25",
               ": 3.25 is greater than the maximum 2.5\n: 3.25 is not a multiple of 0.5");
  check_errors("{\"exclusiveMinimum\": 0}", "0", ": 0 is not greater than the exclusive minimum 0");
  check_errors("{\"const\": \"circle\"}", "\"square\"",
               ": \"square\" is not the required value \"circle\"");
  check_errors("{\"minItems\": 2, \"uniqueItems\": true}", "[1.0]",
               ": has 1 items, fewer than the minimum 2");
  check_errors("{\"uniqueItems\": true}", "[1, \"1\", 1.0]",
               ": items 0 and 2 are equal (items must be unique)");
  check_errors("{\"prefixItems\": [{\"type\": \"string\"}], \"items\": false}", "[\"a\", 2]",
               "/1: unexpected item (at most 1 items allowed)");
  check_errors("{\"properties\": {\"when\": {\"format\": \"date\"}}}", "{\"when\": \"2020-13-01\"}",
               "/when: \"2020-13-01\" is not a valid date");
  check_errors("{\"format\": \"made-up-format\"}", "\"anything\"", "");
}

/* Messages of the applicators and of the object keywords. */
static void test_applicator_messages(void) {
  check_errors("{\"anyOf\": [{\"type\": \"integer\"}, {\"minLength\": 3}]}", "\"ab\"",
               ": does not match any alternative of anyOf: [1] : expected integer, got "
               "string; [2] : \"ab\" is too short (2 characters, minimum 3)");
  check_errors("{\"oneOf\": [{\"type\": \"integer\"}, {\"minimum\": 2}]}", "3",
               ": matches alternatives 1 and 2 of oneOf (exactly one must match)");
  check_errors("{\"not\": {\"type\": \"null\"}}", "null", ": must not match the schema of \"not\"");
  check_errors("{\"properties\": {\"x\": false}}", "{\"x\": 1}", "/x: no value is allowed here");
  check_errors("{\"patternProperties\": {\"^n_\": {\"type\": \"number\"}}, "
               "\"additionalProperties\": {\"type\": \"string\"}}",
               "{\"n_a\": 1, \"n_b\": \"x\", \"s\": \"ok\", \"t\": 2}",
               "/n_b: expected number, got string\n/t: expected string, got integer");
  check_errors("{\"minProperties\": 1, \"maxProperties\": 1}", "{}",
               ": has 0 properties, fewer than the minimum 1");
}

/* Long values are cut in messages; the error list has a cap. */
static void test_limits_of_reports(void) {
  char long_text[400];
  memset(long_text, 'x', sizeof long_text);
  memcpy(long_text, "\"", 1);
  memcpy(long_text + sizeof long_text - 2, "\"", 2);
  char *got = validate("{\"enum\": [\"a\"]}", long_text);
  CHECK(strlen(got) < 120 && strstr(got, "...\" is not one of \"a\"") != NULL);
  free(got);

  ag_Schema *s = compile("{\"items\": {\"type\": \"string\"}}");
  cJSON *x = json("[1, 2, 3, 4, 5]");
  ag_SchemaErrors errs;
  ag_schema_errors_init(&errs);
  errs.max = 2;
  CHECK(!ag_schema_validate(s, x, &errs));
  CHECK(ag_schema_errors_count(&errs) == 2 && errs.dropped == 3);
  CHECK_STR(ag_schema_error_pointer(&errs, 1), "/1");
  CHECK_STR(ag_schema_error_message(&errs, 0), "expected string, got integer");
  CHECK(ag_schema_error_pointer(&errs, 2) == NULL);
  got = ag_schema_errors_join(&errs, "; ");
  CHECK_STR(got, "/0: expected string, got integer; /1: expected string, got integer; "
                 "... and 3 more errors");
  free(got);
  ag_schema_errors_free(&errs);
  CHECK(ag_schema_validate(s, x, NULL) == false); /* no list at all is fine */
  CHECK(!ag_schema_validate(s, NULL, &errs));
  CHECK_STR(ag_schema_error_message(&errs, 0), "no value");
  ag_schema_errors_free(&errs);
  cJSON_Delete(x);
  ag_schema_free(s);
}

/* ==== Strings: code points, patterns, UTF-8 =============================== */

static void test_strings(void) {
  check_errors("{\"maxLength\": 5}", "\"h\\u00e9llo\"", ""); /* 6 bytes, 5 chars */
  check_errors("{\"minLength\": 5}", "\"h\\u00e9llo\"", "");
  check_errors("{\"maxLength\": 4}", "\"h\\u00e9llo\"",
               ": \"héllo\" is too long (5 characters, maximum 4)");
  check_errors("{\"minLength\": 2}", "\"\\ud83d\\ude00\"", /* one emoji, 4 bytes */
               ": \"\xF0\x9F\x98\x80\" is too short (1 characters, minimum 2)");
  /* ECMAScript-flavoured patterns */
  check_errors("{\"pattern\": \"^\\\\p{Letter}+$\"}", "\"\\u03c0r\"", "");
  check_errors("{\"pattern\": \"^\\\\p{Lu}\\\\u0062$\"}", "\"Ab\"", "");
  check_errors("{\"pattern\": \"^a$\"}", "\"a\\n\"",
               ": \"a\\u000a\" does not match the pattern \"^a$\"");
  check_errors("{\"pattern\": \"^\\\\d+$\"}", "\"\\u0661\"", /* \d is ASCII only */
               ": \"\xD9\xA1\" does not match the pattern \"^\\\\d+$\"");
  /* a string that is not UTF-8 (cJSON keeps raw bytes) */
  ag_Schema *s = compile("{\"maxLength\": 10}");
  cJSON *bad = cJSON_CreateString("ab\xC3(");
  ag_SchemaErrors errs;
  ag_schema_errors_init(&errs);
  CHECK(!ag_schema_validate(s, bad, &errs));
  CHECK_STR(ag_schema_error_message(&errs, 0), "is not valid UTF-8");
  ag_schema_errors_free(&errs);
  cJSON_Delete(bad);
  ag_schema_free(s);
}

/* A catastrophic pattern ends on the match limit, as an error. */
static void test_match_limit(void) {
  const char *schema = "{\"properties\": {\"a\": {\"pattern\": \"^(a+)+$\"},"
                       " \"b\": {\"pattern\": \"^(a|aa)+$\"}}}";
  char instance[200];
  snprintf(instance, sizeof instance, "{\"a\": \"%s!\", \"b\": \"%s!\"}",
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
           "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  clock_t start = clock();
  char *got = validate(schema, instance);
  double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
  CHECK_STR(got, "/a: could not be checked against the pattern \"^(a+)+$\" (match limit "
                 "exceeded)\n/b: could not be checked against the pattern \"^(a|aa)+$\" "
                 "(match limit exceeded)");
  CHECK(seconds < 5);
  free(got);
  check_errors("{\"pattern\": \"^(a+)+$\"}", "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"", "");
  /* a limit hit inside "not" fails closed instead of letting the value pass */
  check_errors("{\"not\": {\"pattern\": \"^(a+)+$\"}}",
               "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\"",
               ": could not be fully checked (a nesting or pattern match limit was exceeded)");
}

/* ==== Defaults ============================================================ */

static void test_defaults(void) {
  const char *schema =
      "{\"type\": \"object\","
      " \"properties\": {"
      "   \"thread_id\": {\"type\": \"string\"},"
      "   \"max_words\": {\"type\": \"integer\", \"default\": 100},"
      "   \"style\": {\"type\": \"object\", \"default\": {},"
      "             \"properties\": {\"tone\": {\"default\": \"neutral\"}}},"
      "   \"opts\": {\"properties\": {\"lang\": {\"default\": \"en\"},"
      "                              \"deep\": {\"properties\": {\"x\": {\"default\": [1]}}}}},"
      "   \"unit\": {\"$ref\": \"#/$defs/unit\"},"
      "   \"rows\": {\"items\": {\"properties\": {\"n\": {\"default\": 0}}}}},"
      " \"allOf\": [{\"properties\": {\"extra\": {\"default\": true}}}],"
      " \"$defs\": {\"unit\": {\"enum\": [\"c\", \"f\"], \"default\": \"c\"}}}";
  check_filled(schema,
               "{\"thread_id\": \"t1\", \"opts\": {\"deep\": {}}, \"rows\": [{}, {\"n\": 5}, 3]}",
               "{\"thread_id\":\"t1\",\"opts\":{\"deep\":{\"x\":[1]},\"lang\":\"en\"},"
               "\"rows\":[{\"n\":0},{\"n\":5},3],\"extra\":true,\"max_words\":100,"
               "\"style\":{\"tone\":\"neutral\"},\"unit\":\"c\"}");
  /* present values are kept, non-objects are left alone */
  check_filled(schema, "{\"max_words\": 5, \"style\": {\"tone\": \"dry\"}, \"unit\": \"f\"}",
               "{\"max_words\":5,\"style\":{\"tone\":\"dry\"},\"unit\":\"f\",\"extra\":true}");
  check_filled(schema, "[1, 2]", "[1,2]");
  /* the dry run on its own: nothing to fill, and no defaults at all */
  check_filled(schema,
               "{\"max_words\": 5, \"style\": {\"tone\": \"dry\"}, \"unit\": \"f\","
               " \"extra\": false, \"opts\": {\"lang\": \"fr\", \"deep\": {\"x\": []}}}",
               NULL);
  check_filled(WEATHER, "{}", "{}");
  /* a flat schema learns whether to fill in its one pass */
  const char *flat =
      "{\"type\": \"object\", \"properties\": {\"name\": {\"type\": \"string\"},"
      " \"count\": {\"type\": \"integer\", \"default\": 1}}, \"required\": [\"name\"]}";
  check_filled(flat, "{\"name\": \"a\"}", "{\"name\":\"a\",\"count\":1}");
  check_filled(flat, "{\"name\": \"a\", \"count\": 3, \"other\": null}",
               "{\"name\":\"a\",\"count\":3,\"other\":null}");
  check_filled(flat, "{\"count\": 3}", NULL); /* invalid: no fill is reported */
  /* the filled instance validates; defaults are not validated by validate */
  check_errors(schema, "{}", "");
}

/* ==== $ref and recursion ================================================== */

/* {"child": {"child": ... {}}} nested depth levels. */
static cJSON *nested_objects(int depth) {
  cJSON *x = cJSON_CreateObject();
  for (int i = 0; i < depth; i++) {
    cJSON *outer = cJSON_CreateObject();
    cJSON_AddItemToObject(outer, "child", x);
    x = outer;
  }
  return x;
}

static void test_refs(void) {
  check_errors("{\"$defs\": {\"a~b\": {\"type\": \"integer\"}, \"c/d\": {\"type\": \"string\"},"
               " \"e%f\": {\"minimum\": 3}},"
               " \"properties\": {\"x\": {\"$ref\": \"#/$defs/a~0b\"},"
               "  \"y\": {\"$ref\": \"#/$defs/c~1d\"}, \"z\": {\"$ref\": \"#/$defs/e%25f\"}}}",
               "{\"x\": \"1\", \"y\": 2, \"z\": 1}",
               "/x: expected integer, got string\n/y: expected string, got integer\n"
               "/z: 1 is less than the minimum 3");
  check_errors("{\"definitions\": {\"pos\": {\"exclusiveMinimum\": 0}},"
               " \"items\": {\"$ref\": \"#/definitions/pos\"}}",
               "[1, 0]", "/1: 0 is not greater than the exclusive minimum 0");
  check_errors("{\"$id\": \"urn:example:root\", \"$defs\": {\"s\": {\"type\": \"string\"}},"
               " \"properties\": {\"a\": {\"$ref\": \"urn:example:root#/$defs/s\"}}}",
               "{\"a\": 1}", "/a: expected string, got integer");
}

/* Recursive schemas and $ref cycles are bounded by AG_SCHEMA_MAX_DEPTH. */
static void test_recursion(void) {
  /* a recursive schema: fine at moderate depth, guarded when deep */
  const char *tree = "{\"$ref\": \"#/$defs/node\", \"$defs\": {\"node\": {\"type\": \"object\","
                     " \"properties\": {\"child\": {\"$ref\": \"#/$defs/node\"}}}}}";
  ag_Schema *s = compile(tree);
  ag_SchemaErrors errs;
  ag_schema_errors_init(&errs);
  cJSON *x = nested_objects(40);
  CHECK(ag_schema_validate(s, x, &errs));
  cJSON_Delete(x);
  x = nested_objects(5000);
  CHECK(!ag_schema_validate(s, x, &errs));
  CHECK(ag_schema_errors_count(&errs) == 1 &&
        strstr(ag_schema_error_message(&errs, 0), "nested too deeply") != NULL &&
        strncmp(ag_schema_error_pointer(&errs, 0), "/child/child/", 13) == 0);
  ag_schema_fill_defaults(s, x); /* guarded too */
  cJSON_Delete(x);
  ag_schema_errors_free(&errs);
  ag_schema_free(s);
  /* a $ref cycle that never consumes the instance */
  char *got = validate("{\"$defs\": {\"a\": {\"$ref\": \"#/$defs/b\"},"
                       " \"b\": {\"$ref\": \"#/$defs/a\"}},"
                       " \"$ref\": \"#/$defs/a\"}",
                       "1");
  CHECK(strstr(got, ": nested too deeply (more than 200 levels of schemas)") == got);
  free(got);
}

/* ==== Schema errors and unsupported keywords ============================== */

static void check_compile_errors(const char *schema, const char *want) {
  char *got = compile_errors(schema);
  CHECK_STR(got, want);
  free(got);
}

static void test_compile_errors(void) {
  check_compile_errors(WEATHER, "");
  check_compile_errors("{\"properties\": {\"x\": {\"pattern\": \"a(\"}}}",
                       "/properties/x/pattern: invalid regular expression a(: missing "
                       "closing parenthesis");
  check_compile_errors("{\"$ref\": \"#/$defs/nope\"}",
                       "/$ref: unknown $ref target \"#/$defs/nope\"");
  check_compile_errors("{\"minimum\": \"5\", \"type\": \"strin\", \"required\": [1],"
                       " \"maxLength\": -1, \"items\": 3, \"allOf\": []}",
                       "/minimum: must be a number\n"
                       "/type: must be one of \"null\", \"boolean\", \"object\", \"array\", "
                       "\"number\", \"string\", \"integer\" or a non-empty array of them\n"
                       "/required: must be an array of strings\n"
                       "/maxLength: must be a non-negative integer\n"
                       "/items: expected a schema (an object or a boolean)\n"
                       "/allOf: must be a non-empty array of schemas");
  check_compile_errors("{\"patternProperties\": {\"[\": {}}, \"multipleOf\": 0}",
                       "/patternProperties/[: invalid regular expression [: missing terminating ] "
                       "for character class\n/multipleOf: must be greater than 0");
  /* a repeated keyword (found by fuzzing: it used to overflow) */
  check_compile_errors(
      "{\"allOf\": [{\"properties\": {\"a\": {}}, \"properties\": {\"b\": {}, \"c\": {}}}]}",
      "/allOf/0/properties: the keyword appears twice in this schema");
  check_compile_errors("true", "");
  char *got = compile_errors("3");
  CHECK_STR(got, ": expected a schema (an object or a boolean)");
  free(got);
  CHECK(ag_schema_compile(NULL, NULL) == NULL);
}

static void test_unsupported(void) {
  ag_Schema *s = compile(WEATHER);
  CHECK(ag_schema_unsupported(s) == NULL && ag_schema_unsupported_count(s) == 0);
  CHECK(ag_schema_unsupported_at(s, 0) == NULL);
  ag_schema_free(s);
  s = compile("{\"properties\": {\"tags\": {\"contains\": {\"const\": 1}}},"
              " \"if\": {}, \"then\": {}, \"$ref\": \"other.json#/x\","
              " \"$defs\": {\"d\": {\"$id\": \"d.json\"}}}");
  CHECK_STR(ag_schema_unsupported(s), "contains");
  CHECK(ag_schema_unsupported_count(s) == 5);
  const ag_SchemaUnsupported *u = ag_schema_unsupported_at(s, 0);
  CHECK_STR(u->pointer, "/properties/tags/contains");
  CHECK(u->detail == NULL);
  CHECK_STR(ag_schema_unsupported_at(s, 1)->keyword, "if");
  CHECK_STR(ag_schema_unsupported_at(s, 3)->keyword, "$id");
  CHECK_STR(ag_schema_unsupported_at(s, 3)->pointer, "/$defs/d/$id");
  u = ag_schema_unsupported_at(s, 4);
  CHECK_STR(u->keyword, "$ref");
  CHECK_STR(u->pointer, "/$ref");
  CHECK_STR(u->detail, "non-local reference \"other.json#/x\"");
  /* unsupported keywords are skipped when validating */
  cJSON *x = json("{\"tags\": [2]}");
  CHECK(ag_schema_validate(s, x, NULL));
  cJSON_Delete(x);
  ag_schema_free(s);
  s = compile("{\"items\": [{\"type\": \"string\"}]}");
  CHECK_STR(ag_schema_unsupported(s), "items");
  ag_schema_free(s);
}

/* ==== Formats ============================================================= */

static void test_formats(void) {
  CHECK(ag_schema_format_known("date-time") && ag_schema_format_known("uuid"));
  CHECK(!ag_schema_format_known("uri") && !ag_schema_format_known(NULL));
  CHECK(ag_schema_format_check("uri", "not checked"));
  CHECK(ag_schema_format_check("date-time", "2024-02-29T12:00:00.5+05:30"));
  CHECK(!ag_schema_format_check("date-time", "2023-02-29T12:00:00Z"));
  CHECK(ag_schema_format_check("email", "a.b+c@example.co.uk"));
  CHECK(!ag_schema_format_check("email", "a@b@c"));
  CHECK(ag_schema_format_check("hostname", "xn--bcher-kva.example")); /* bücher */
  CHECK(!ag_schema_format_check("hostname", "xn--bcher-kva-.example"));
  CHECK(ag_schema_format_check("ipv6", "2001:db8::8a2e:370:7334"));
  CHECK(!ag_schema_format_check("ipv4", "01.2.3.4"));
  CHECK(ag_schema_format_check("duration", "P3Y6M4DT12H30M5S"));
  /* annotation mode: format is not asserted */
  cJSON *j = json("{\"format\": \"email\"}"), *x = json("\"nope\"");
  ag_Schema *s = ag_schema_compile_ex(j, AG_SCHEMA_FORMAT_ANNOTATION, NULL);
  CHECK(s != NULL && ag_schema_validate(s, x, NULL));
  ag_schema_free(s);
  s = ag_schema_compile_ex(j, 0, NULL);
  CHECK(s != NULL && !ag_schema_validate(s, x, NULL));
  ag_schema_free(s);
  cJSON_Delete(j);
  cJSON_Delete(x);
}

int main(void) {
  test_messages();
  test_value_messages();
  test_applicator_messages();
  test_limits_of_reports();
  test_strings();
  test_match_limit();
  test_defaults();
  test_refs();
  test_recursion();
  test_compile_errors();
  test_unsupported();
  test_formats();
  printf("%d passed, %d failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}
