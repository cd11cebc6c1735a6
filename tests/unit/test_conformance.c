/*
** test_conformance.c -- the conformance runner behind `lispy test`.
**
**   - structural JSON equality (1 equals 1.0, members in any order);
**   - every example agent passes its test file (examples/agents);
**   - tests/conformance/bad, whose test files are wrong on purpose, reports
**     exactly the expected passes, failures and diff lines;
**   - the base fixture falls back to --mock (tests/conformance/good);
**   - single agent files, missing paths and repeated runs.
**
** Run from the project root (ctest does), or pass the project root as the
** only argument. LISPY_GC_STRESS=1 collects at every allocation (slow).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ag_conformance.h"
#include "agents.h"
#include "check.h"

/* ========================================================================
** Helpers
** ======================================================================== */

/* A run's counts and its text report (malloc'd). */
typedef struct Run {
  size_t passed, failed, nfiles;
  int untested; /* agents listed as untested */
  char *text;   /* everything printed */
} Run;

/* Run the conformance cases of path (with an optional --mock fixture). */
static Run run_path(ag_Runtime *rt, const char *path, const char *mock) {
  Run run = {0, 0, 0, 0, NULL};
  size_t len = 0;
  FILE *out = open_memstream(&run.text, &len);
  ag_ConfOptions o = {mock, out};
  ag_ConfReport r;
  ag_conformance_init(&r);
  ag_conformance_run_path(rt, path, &o, &r);
  ag_conformance_summary(out, &r);
  fclose(out);
  run.passed = r.passed;
  run.failed = r.failed;
  run.nfiles = r.nfiles;
  run.untested = cJSON_GetArraySize(cJSON_GetObjectItem(r.json, "untested"));
  CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(r.json, "failed")) == (double)r.failed);
  ag_conformance_free(&r);
  return run;
}

static bool has(const Run *run, const char *needle) {
  if (strstr(run->text, needle)) return true;
  fprintf(stderr, "missing from the report: %s\n", needle);
  return false;
}

/* The text ends with exactly this last line. */
static bool ends_with(const Run *run, const char *line) {
  size_t n = strlen(run->text), k = strlen(line);
  return n >= k && strcmp(run->text + n - k, line) == 0 && (n == k || run->text[n - k - 1] == '\n');
}

static bool json_equal(const char *a, const char *b) {
  cJSON *x = cJSON_Parse(a), *y = cJSON_Parse(b);
  bool eq = ag_conformance_json_equal(x, y);
  cJSON_Delete(x);
  cJSON_Delete(y);
  return eq;
}

/* ========================================================================
** Tests
** ======================================================================== */

static void test_json_equal(void) {
  CHECK(json_equal("1", "1.0"));
  CHECK(json_equal("{\"a\":1,\"b\":[1,2]}", "{\"b\":[1.0,2],\"a\":1}"));
  CHECK(json_equal("[{\"x\":null}]", "[{\"x\":null}]"));
  CHECK(!json_equal("[1,2]", "[2,1]"));
  CHECK(!json_equal("{\"a\":1}", "{\"a\":1,\"b\":2}"));
  CHECK(!json_equal("{\"a\":null}", "{}"));
  CHECK(!json_equal("\"1\"", "1"));
  CHECK(!json_equal("true", "1"));
  CHECK(!json_equal("[]", "{}"));
  CHECK(ag_conformance_json_equal(NULL, NULL));
}

static void test_examples(ag_Runtime *rt) {
  Run run = run_path(rt, "examples/agents", NULL);
  if (run.failed) fputs(run.text, stderr);
  CHECK(run.failed == 0);
  CHECK(run.nfiles >= 8);
  CHECK(run.passed >= 8 * 5);
  CHECK(run.untested == 0);
  CHECK(!strstr(run.text, "FAIL"));
  free(run.text);
}

static void test_bad(ag_Runtime *rt) {
  Run run = run_path(rt, "tests/conformance/bad", NULL);
  CHECK(run.passed == 2);
  CHECK(run.failed == 6);
  CHECK(run.nfiles == 3);
  CHECK(run.untested == 1);
  CHECK(has(&run, "  PASS right value\n"));
  CHECK(has(&run, "  PASS right error\n"));
  CHECK(has(&run, "  FAIL wrong value\n"));
  CHECK(has(&run, "value differs at /length: expected 6, got 5"));
  CHECK(has(&run, "expected an error of kind invalid_args, but the call returned a value"));
  CHECK(has(&run, "logs: log line 1 does not match"));
  CHECK(has(&run, "calls: the context calls differ"));
  CHECK(has(&run, "unknown key \"expect_log\" in a case"));
  CHECK(has(&run, "broken.test.json is not valid JSON"));
  CHECK(has(&run, "no_such_agent.lispy does not exist"));
  CHECK(has(&run, "SKIP tests/conformance/bad/untested_agent.lispy"));
  CHECK(ends_with(&run, "2 passed, 6 failed\n"));
  free(run.text);
}

/* The good folder's test file names no fixture: --mock supplies it. */
static void test_mock_option(ag_Runtime *rt) {
  Run with = run_path(rt, "tests/conformance/good", "examples/mock.json");
  CHECK(with.passed == 2 && with.failed == 0);
  Run without = run_path(rt, "tests/conformance/good", NULL);
  CHECK(without.passed == 0 && without.failed == 2);
  Run bad = run_path(rt, "tests/conformance/good", "tests/conformance/no-such-mock.json");
  CHECK(bad.failed == 1 && has(&bad, "cannot read"));
  free(with.text);
  free(without.text);
  free(bad.text);
}

static void test_paths(ag_Runtime *rt) {
  Run one = run_path(rt, "examples/agents/get_weather_agent.lispy", NULL);
  CHECK(one.nfiles == 1 && one.failed == 0 && one.passed > 0);
  Run again = run_path(rt, "examples/agents/get_weather_agent.test.json", NULL);
  CHECK(again.passed == one.passed && again.failed == 0);
  Run none = run_path(rt, "tests/conformance/no-such-folder", NULL);
  CHECK(none.failed == 1 && none.passed == 0);
  Run untested = run_path(rt, "tests/conformance/bad/untested_agent.lispy", NULL);
  CHECK(untested.failed == 1 && has(&untested, "has no test file"));
  free(one.text);
  free(again.text);
  free(none.text);
  free(untested.text);
}

int main(int argc, char **argv) {
  if (argc > 1 && chdir(argv[1]) != 0) {
    perror(argv[1]);
    return 2;
  }
  ag_Runtime *rt = ag_runtime_new();
  if (!rt) return 2;
  const char *stress = getenv("LISPY_GC_STRESS");
  if (stress && *stress && strcmp(stress, "0") != 0) lispy_gc_stress(ag_runtime_lispy(rt), true);
  test_json_equal();
  test_examples(rt);
  test_bad(rt);
  test_mock_option(rt);
  test_paths(rt);
  ag_runtime_free(rt);
  if (failed) fprintf(stderr, "%d check(s) failed\n", failed);
  else printf("conformance: all checks passed\n");
  return failed ? 1 : 0;
}
