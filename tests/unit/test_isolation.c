/*
** test_isolation.c -- what agents share in one runtime, and what they must
** not (issue 9, class 10, the isolation half). Agents are written to a
** temporary folder and loaded into one runtime, as the shell and servers
** hold them, then:
**
** - random numbers: an agent's sequence is the same whether or not
**   another agent seeds or draws in between (random-seed! is per agent);
** - gensym: an agent's gensym names do not move when another agent makes
**   thousands of symbols;
** - the store: what one agent saves, another does not load (each agent
**   has the namespace of its name), unless the host shares a namespace on
**   purpose (ag_runtime_share_store); the fixture's initial store is
**   every namespace's starting point;
** - the context's data fields are read-only: mutating a field's dict or
**   vector is an error, and the next call (of any agent) sees the fields
**   as the backend gave them;
** - `eval` reached through prelude functions defines in the caller's own
**   environment, and the base is never changed, whatever runs.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "agents.h"
#include "check.h"
#include "tmpdir.h"

/* ==== Fixture ================================================================= */

static char dir[256];

/* One agent file NAME_agent.lispy with an empty schema and run's body. */
static void write_agent(const char *name, const char *toplevel, const char *body) {
  char path[512], text[4096];
  snprintf(path, sizeof path, "%s/%s_agent.lispy", dir, name);
  snprintf(text, sizeof text,
           "%s\n(def AGENT {:name \"%s\" :description \"isolation test agent\"\n"
           "            :parameters {:type \"object\" :properties {}}})\n"
           "(defn run [context] %s)\n",
           toplevel, name, body);
  write_file_text(path, text);
}

/* A runtime over dir with a mock whose fixture is the JSON text given. */
static ag_Runtime *runtime(const char *fixture_json) {
  ag_Runtime *rt = ag_runtime_new();
  lispy_Limits l = {10000000, 64u << 20, 0, 5};
  ag_runtime_set_limits(rt, &l);
  cJSON *fixture = cJSON_Parse(fixture_json);
  ag_Backend mock;
  char *err = NULL;
  if (!fixture || !ag_mock_new(fixture, &mock, &err)) {
    fprintf(stderr, "bad fixture: %s\n", err ? err : fixture_json);
    exit(2);
  }
  cJSON_Delete(fixture);
  ag_runtime_set_backend(rt, mock);
  ag_registry_add_dir(rt, dir);
  ag_ScanReport rep;
  ag_registry_scan(rt, &rep);
  CHECK(rep.nbroken == 0);
  for (size_t i = 0; i < rep.diags.n; i++)
    if (rep.diags.items[i].severity == AG_ERROR) ag_diag_print(stderr, &rep.diags.items[i], false);
  ag_scan_report_free(&rep);
  return rt;
}

/* The value of an ok call printed compactly (malloc'd), or the whole
** envelope when the call failed, prefixed "FAILED ". */
static char *call(ag_Runtime *rt, const char *name) {
  cJSON *env = ag_invoke(rt, name, NULL, NULL);
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(env, "value");
  char *text;
  if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(env, "ok")) && v) {
    text = cJSON_PrintUnformatted(v);
  } else {
    char *e = cJSON_PrintUnformatted(env);
    size_t n = strlen(e) + 8;
    text = malloc(n);
    snprintf(text, n, "FAILED %s", e);
    free(e);
  }
  cJSON_Delete(env);
  return text;
}

/* The call's value is want. */
static void check_call(ag_Runtime *rt, const char *name, const char *want) {
  char *got = call(rt, name);
  CHECK_STR(got, want);
  free(got);
}

/* The call's value (or failure) contains part. */
static void check_call_has(ag_Runtime *rt, const char *name, const char *part) {
  char *got = call(rt, name);
  if (strstr(got, part)) {
    passed++;
  } else {
    fprintf(stderr, "%s: got %s, want something containing %s\n", name, got, part);
    failed++;
  }
  free(got);
}

/* ==== Random numbers and gensym ================================================= */

#define DRAWS 5

/* The drawer's values over DRAWS calls, with the noisy agent called
** between them when noisy is set. */
static void draws(bool noisy, char *out[DRAWS]) {
  ag_Runtime *rt = runtime("{}");
  for (int i = 0; i < DRAWS; i++) {
    if (noisy) {
      char *n = call(rt, "noisy");
      CHECK(strncmp(n, "FAILED", 6) != 0);
      free(n);
    }
    out[i] = call(rt, "drawer");
    CHECK(strncmp(out[i], "FAILED", 6) != 0);
  }
  if (noisy) { /* the noisy agent's own seeding works: same draws each call */
    char *a = call(rt, "noisy"), *b = call(rt, "noisy");
    CHECK_STR(a, b);
    free(a);
    free(b);
  }
  ag_runtime_free(rt);
}

static void test_random_and_gensym(void) {
  /* The drawer draws directly, through a prelude function (map calls the
  ** builtin from the base), and names a gensym. */
  write_agent("drawer", "",
              "(list (random 1000000000) (map random '(1000000 1000000))"
              "      (symbol->string (gensym)) (symbol->string (gensym \"m\"))"
              "      (eval '(random 1000)))");
  /* The noisy agent seeds and draws at load and on every call, through
  ** map and apply too, and makes gensyms by the thousand. */
  write_agent("noisy", "(random-seed! 1) (dotimes (i 100) (random 10)) (dotimes (i 1000) (gensym))",
              "(random-seed! 7) (map random-seed! '(3 4)) (apply random-seed! '(5))"
              " (dotimes (i 1000) (gensym) (random 10))"
              " (random-seed! 9) (list (random 1000000) (random 1000000))");
  char *quiet[DRAWS], *loud[DRAWS];
  draws(false, quiet);
  draws(true, loud);
  for (int i = 0; i < DRAWS; i++) {
    CHECK_STR(loud[i], quiet[i]);
    free(quiet[i]);
    free(loud[i]);
  }
}

/* ==== The store ==================================================================== */

static void test_store(void) {
  write_agent("writer", "",
              "(context-save context \"k\" \"from writer\") (context-load context \"k\")");
  write_agent("reader", "", "(context-load context \"k\" \"none\")");
  ag_Runtime *rt = runtime("{}");
  check_call(rt, "writer", "\"from writer\"");
  check_call(rt, "reader", "\"none\""); /* its own namespace: empty */
  /* the mock shows each namespace under "stores" */
  ag_Backend *b = ag_runtime_backend(rt);
  cJSON *state = b->describe(b->self);
  const cJSON *stores = cJSON_GetObjectItemCaseSensitive(state, "stores");
  const cJSON *w =
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(stores, "writer"), "k");
  CHECK(cJSON_IsString(w) && strcmp(w->valuestring, "from writer") == 0);
  CHECK(cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(stores, "reader"), "k") ==
        NULL);
  cJSON_Delete(state);
  /* a namespace the host shares on purpose */
  ag_runtime_share_store(rt, "team");
  check_call(rt, "writer", "\"from writer\"");
  check_call(rt, "reader", "\"from writer\"");
  ag_runtime_share_store(rt, NULL);
  check_call(rt, "reader", "\"none\"");
  ag_runtime_free(rt);

  /* the fixture's store is where every namespace starts */
  rt = runtime("{\"store\": {\"k\": \"initial\"}}");
  check_call(rt, "reader", "\"initial\"");
  check_call(rt, "writer", "\"from writer\"");
  check_call(rt, "reader", "\"initial\"");
  ag_runtime_free(rt);
  char path[512];
  snprintf(path, sizeof path, "%s/writer_agent.lispy", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/reader_agent.lispy", dir);
  unlink(path);
}

/* ==== Context fields ================================================================ */

static void test_fields(void) {
  write_agent("mutator", "",
              "(list (try (dict-set! (get context :profile) :name \"hijacked\") (catch e "
              "(error-message e)))"
              "      (try (dict-remove! (get context :profile) :name) (catch e \"refused\"))"
              "      (let [tags (get (get context :profile) :tags)]"
              "        (if (vector? tags)"
              "            (try (vector-push! tags \"hijacked\") (catch e \"refused\"))"
              "            \"refused\"))"
              "      (get (dict-set (get context :profile) :name \"copy\") :name))");
  write_agent("profile_reader", "", "(get context :profile)");
  ag_Runtime *rt = runtime("{\"fields\": {\"profile\": {\"name\": \"ana\", \"tags\": [\"a\"]}}}");
  check_call_has(rt, "mutator", "dict-set!: the dict is read-only");
  check_call_has(rt, "mutator", "\"refused\",\"refused\",\"copy\"");
  check_call(rt, "profile_reader", "{\"name\":\"ana\",\"tags\":[\"a\"]}");
  check_call(rt, "mutator",
             "[\"dict-set!: the dict is read-only (host data such as the context's "
             "fields; hint: change a copy, e.g. (dict-set d key value))\",\"refused\","
             "\"refused\",\"copy\"]");
  check_call(rt, "profile_reader", "{\"name\":\"ana\",\"tags\":[\"a\"]}");
  ag_runtime_free(rt);
  char path[512];
  snprintf(path, sizeof path, "%s/mutator_agent.lispy", dir);
  unlink(path);
  snprintf(path, sizeof path, "%s/profile_reader_agent.lispy", dir);
  unlink(path);
}

/* ==== eval through the prelude ======================================================= */

static void test_eval_routes(void) {
  write_agent("hijacker",
              "(map eval '((define context-fetch-record (fn (c id) \"hijacked\"))))"
              "(for-each eval '((define filter (fn (p xs) \"hijacked\"))))"
              "(apply eval '((defmacro when (c . body) \"hijacked\")))",
              "(list (context-fetch-record context \"x\") (filter 1 2)"
              "      (try (map eval '((set! map 1))) (catch e (error-message e))))");
  write_agent(
      "victim", "",
      "(list (context-fetch-record context \"r\") (filter odd? '(1 2 3)) (when #t \"mine\"))");
  ag_Runtime *rt = runtime("{\"records\": {\"r\": \"the record\"}}");
  check_call(
      rt, "hijacker",
      "[\"hijacked\",\"hijacked\",\"set!: cannot change builtin map (hint: define your own)\"]");
  check_call(rt, "victim", "[\"the record\",[1,3],\"mine\"]");
  /* a run that is a prelude function over eval (no frame of the agent's
  ** own) still defines in the agent's env: not the base, not the host's
  ** default environment (the shell's) */
  char path[512];
  snprintf(path, sizeof path, "%s/orphan_agent.lispy", dir);
  write_file_text(
      path, "(def AGENT {:name \"orphan\" :description \"d\"\n"
            "  :parameters {:type \"object\" :properties {}}})\n"
            "(def run (compose eval (constantly '(define filter (fn (p xs) \"hijacked\")))))\n");
  ag_ScanReport rep;
  ag_registry_scan(rt, &rep);
  ag_scan_report_free(&rep);
  check_call(rt, "orphan", "\"filter\"");
  lispy_State *L = ag_runtime_lispy(rt);
  lispy_Value v;
  CHECK(lispy_eval_string(L, NULL, "(filter odd? '(1 2 3))", 22, "<test>", &v) == LISPY_OK);
  char *shown = lispy_repr(L, v, true);
  CHECK_STR(shown, "(1 3)");
  free(shown);
  CHECK(!lispy_env_get_own(L, NULL, "filter", NULL));
  /* the same through invoke from the shell's environment: the shell's
  ** frames below the call must not count as the agent's */
  const char *via_shell = "(get (invoke \"orphan\" {}) :value)";
  CHECK(lispy_eval_string(L, NULL, via_shell, strlen(via_shell), "<test>", &v) == LISPY_OK);
  shown = lispy_repr(L, v, true);
  CHECK_STR(shown, "\"filter\"");
  free(shown);
  CHECK(!lispy_env_get_own(L, NULL, "filter", NULL));
  CHECK(lispy_eval_string(L, NULL, "(filter odd? '(1 2 3))", 22, "<test>", &v) == LISPY_OK);
  shown = lispy_repr(L, v, true);
  CHECK_STR(shown, "(1 3)");
  free(shown);
  check_call(rt, "victim", "[\"the record\",[1,3],\"mine\"]");
  unlink(path);
  /* the base environment refuses evaluation from the host too */
  CHECK(lispy_eval_string(L, lispy_base_env(L), "(define filter 1)", 17, "<test>", NULL) ==
        LISPY_ERROR);
  CHECK(strstr(lispy_error_message(lispy_last_error(L)), "read-only") != NULL);
  check_call(rt, "victim", "[\"the record\",[1,3],\"mine\"]");
  ag_runtime_free(rt);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/lispy_isolation_%d", (int)getpid());
  remove_dir(dir);
  if (mkdir(dir, 0700) != 0) {
    perror(dir);
    return 2;
  }
  test_random_and_gensym();
  test_store();
  test_fields();
  test_eval_routes();
  remove_dir(dir);
  printf("test_isolation: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
