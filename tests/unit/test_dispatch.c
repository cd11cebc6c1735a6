/*
** test_dispatch.c -- the dispatcher (ag_invoke) against hostile and broken
** agents: every envelope kind (not_found, invalid_args, context_version,
** runtime, limit, interrupted), defaults, the legacy calling convention,
** private globals and the context trace. After every hostile call a
** well-behaved agent is called in the same runtime and must still give
** the right value: no agent can break the next call.
**
** The agents live in tests/agents/dispatch (run from the project root, as
** ctest does, or pass the project root as the only argument).
*/
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agents.h"
#include "check.h"

/* ==== Envelope helpers ====================================================== */

static const char *err_field(const cJSON *env, const char *key) {
  const cJSON *v =
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(env, "error"), key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* ok when kind is NULL, else an error envelope of that kind. */
static bool env_is(const cJSON *env, const char *kind) {
  const cJSON *ok = cJSON_GetObjectItemCaseSensitive(env, "ok");
  if (!kind) return cJSON_IsTrue(ok) && cJSON_GetObjectItemCaseSensitive(env, "value");
  const char *k = err_field(env, "kind");
  return cJSON_IsFalse(ok) && k && strcmp(k, kind) == 0 && err_field(env, "message");
}

static const cJSON *env_value(const cJSON *env) {
  return cJSON_GetObjectItemCaseSensitive(env, "value");
}

static bool contains(const char *s, const char *part) { return s && strstr(s, part) != NULL; }

/* Invoke name with args given as JSON text (NULL: no arguments). */
static cJSON *call(ag_Runtime *rt, const char *name, const char *args_json) {
  cJSON *args = args_json ? cJSON_Parse(args_json) : NULL;
  if (args_json && !args) {
    fprintf(stderr, "bad JSON in the test: %s\n", args_json);
    exit(2);
  }
  cJSON *env = ag_invoke(rt, name, args, NULL);
  cJSON_Delete(args);
  return env;
}

/* What the well-behaved agent answers now, for CHECK_STR(..., "42"): its
** value's compact text when the envelope is ok, else "not ok: " and the
** whole envelope (static storage: valid until the next call). */
static const char *good_answer(ag_Runtime *rt) {
  static char text[1024];
  cJSON *env = call(rt, "add", "{\"a\": 2, \"b\": 40}");
  bool ok = env_is(env, NULL);
  char *t = cJSON_PrintUnformatted(ok ? env_value(env) : env);
  snprintf(text, sizeof text, "%s%s", ok ? "" : "not ok: ", t ? t : "(null)");
  free(t);
  cJSON_Delete(env);
  return text;
}

/* Limits used between hostile calls: generous but bounded. */
static void normal_limits(ag_Runtime *rt) {
  lispy_Limits l = {10000000, 64u << 20, 0, 0};
  ag_runtime_set_limits(rt, &l);
}

/* ==== not_found ============================================================== */

static void test_not_found(ag_Runtime *rt) {
  cJSON *env = call(rt, "no_such_agent", "{}");
  CHECK_JSON_THAT(env, env_is(env, "not_found"));
  CHECK(contains(err_field(env, "message"), "no_such_agent"));
  cJSON_Delete(env);

  /* A file that loads but fails lint (no run) is not callable. */
  env = call(rt, "norun", "{}");
  CHECK_JSON_THAT(env, env_is(env, "not_found"));
  CHECK(contains(err_field(env, "message"), "norun"));
  cJSON_Delete(env);
  CHECK_STR(good_answer(rt), "42");
}

/* ==== invalid_args ============================================================ */

/* The error's "errors" list has an entry with this path. */
static bool has_error_path(const cJSON *env, const char *path) {
  const cJSON *list =
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(env, "error"), "errors");
  const cJSON *e;
  cJSON_ArrayForEach(e, list) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(e, "path");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    if (cJSON_IsString(p) && strcmp(p->valuestring, path) == 0 && cJSON_IsString(m)) return true;
  }
  return false;
}

static void test_invalid_args(ag_Runtime *rt) {
  cJSON *env = call(rt, "summarize", "{\"thread_id\": 5}");
  CHECK_JSON_THAT(env, env_is(env, "invalid_args"));
  CHECK(has_error_path(env, "/thread_id"));
  cJSON_Delete(env);

  env = call(rt, "summarize", "{}");
  CHECK_JSON_THAT(env, env_is(env, "invalid_args"));
  CHECK(has_error_path(env, "/thread_id"));
  CHECK(contains(err_field(env, "message"), "required"));
  cJSON_Delete(env);

  env = call(rt, "summarize", "{\"thread_id\": \"t1\", \"style\": \"medium\"}");
  CHECK_JSON_THAT(env, env_is(env, "invalid_args"));
  CHECK(has_error_path(env, "/style"));
  CHECK(contains(err_field(env, "message"), "medium"));
  cJSON_Delete(env);

  /* Several problems are listed at once. */
  env = call(rt, "summarize", "{\"thread_id\": 5, \"max_words\": \"ten\", \"style\": \"huge\"}");
  CHECK_JSON_THAT(env, env_is(env, "invalid_args"));
  CHECK(has_error_path(env, "/thread_id"));
  CHECK(has_error_path(env, "/max_words"));
  CHECK(has_error_path(env, "/style"));
  CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(cJSON_GetObjectItem(env, "error"), "errors")) >= 3);
  cJSON_Delete(env);

  /* Arguments that are not an object at all. */
  env = call(rt, "summarize", "[1, 2]");
  CHECK_JSON_THAT(env, env_is(env, "invalid_args"));
  cJSON_Delete(env);

  /* The good agent: missing and wrong-typed integers. */
  env = call(rt, "add", "{\"a\": 1.5}");
  CHECK_JSON_THAT(env, env_is(env, "invalid_args"));
  CHECK(has_error_path(env, "/a"));
  CHECK(has_error_path(env, "/b"));
  cJSON_Delete(env);
  CHECK_STR(good_answer(rt), "42");
}

/* ==== Defaults, the legacy convention, private globals ======================= */

static void test_defaults(ag_Runtime *rt) {
  cJSON *env = call(rt, "words", "{}");
  CHECK_JSON_THAT(env, env_is(env, NULL));
  CHECK_JSON(env_value(env), "100");
  cJSON_Delete(env);

  env = call(rt, "words", NULL); /* no arguments at all */
  CHECK_JSON_THAT(env, env_is(env, NULL));
  CHECK_JSON(env_value(env), "100");
  cJSON_Delete(env);

  env = call(rt, "words", "{\"max_words\": 7}");
  CHECK_JSON(env_value(env), "7");
  cJSON_Delete(env);

  env = call(rt, "summarize", "{\"thread_id\": \"t1\"}");
  CHECK_JSON_THAT(env, env_is(env, NULL));
  CHECK_JSON(env_value(env), "[\"t1\",100,\"short\"]");
  cJSON_Delete(env);

  /* Arguments are mapped by name, whatever their order in the object. */
  env = call(rt, "summarize", "{\"style\": \"long\", \"max_words\": 3, \"thread_id\": \"t2\"}");
  CHECK_JSON(env_value(env), "[\"t2\",3,\"long\"]");
  cJSON_Delete(env);
}

static void test_legacy(ag_Runtime *rt) {
  cJSON *env = call(rt, "legacy_post", "{\"channel\": \"general\", \"title\": \"Hi\"}");
  CHECK_JSON_THAT(env, env_is(env, NULL));
  const cJSON *v = env_value(env);
  const cJSON *ch = cJSON_GetObjectItemCaseSensitive(v, "channel");
  CHECK_JSON(ch, "\"general\"");
  const cJSON *title = cJSON_GetObjectItemCaseSensitive(v, "title");
  CHECK_JSON(title, "\"Hi\"");
  CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(v, "string_keys")));
  cJSON_Delete(env);

  /* Legacy parameters are all optional. */
  env = call(rt, "legacy_post", "{}");
  CHECK_JSON_THAT(env, env_is(env, NULL));
  ch = cJSON_GetObjectItemCaseSensitive(env_value(env), "channel");
  CHECK_JSON(ch, "\"\"");
  cJSON_Delete(env);

  /* ... but still typed as strings. */
  env = call(rt, "legacy_post", "{\"channel\": 3}");
  CHECK_JSON_THAT(env, env_is(env, "invalid_args"));
  cJSON_Delete(env);

  /* The run function named after the file: legacy-stem-agent-run. */
  env = call(rt, "legacy_stem", "{\"channel\": \"dev\"}");
  CHECK_JSON_THAT(env, env_is(env, NULL));
  CHECK_JSON(env_value(env), "\"#dev\"");
  cJSON_Delete(env);
}

static void test_private_globals(ag_Runtime *rt) {
  cJSON *env = call(rt, "secret_keeper", "{}");
  CHECK_JSON_THAT(env, env_is(env, NULL));
  CHECK_JSON(env_value(env), "\"s3cr3t\"");
  cJSON_Delete(env);

  env = call(rt, "snoop", "{}");
  CHECK_JSON_THAT(env, env_is(env, "runtime"));
  CHECK(contains(err_field(env, "message"), "unbound"));
  CHECK(contains(err_field(env, "message"), "secret"));
  cJSON_Delete(env);
  CHECK_STR(good_answer(rt), "42");
}

/* ==== context_version ========================================================= */

/* A file agent by name, callable or not. */
static ag_Agent *agent_named(ag_Runtime *rt, const char *name) {
  for (size_t i = 0; i < ag_registry_count(rt); i++) {
    ag_Agent *a = ag_registry_at(rt, i);
    if (a->name && strcmp(a->name, name) == 0) return a;
  }
  return NULL;
}

/* Through the registry the lint already rejects these agents (A401/A402);
** the envelope says why: context_version, or not_found naming the agent.
** With the lint errors dropped (a host that skips lint), the dispatcher's
** own check must still refuse the call with context_version. */
static void check_context_agent(ag_Runtime *rt, const char *name, const char *code,
                                const char *word) {
  cJSON *env = call(rt, name, "{}");
  CHECK_JSON_THAT(env, env_is(env, "context_version") || env_is(env, "not_found"));
  if (env_is(env, "not_found"))
    printf("note: %s gives not_found (lint %s), not context_version\n", name, code);
  cJSON_Delete(env);

  ag_Agent *a = agent_named(rt, name);
  CHECK(a != NULL);
  if (!a) return;
  bool linted = false;
  for (size_t i = 0; i < a->diags.n; i++) linted |= strcmp(a->diags.items[i].code, code) == 0;
  CHECK(linted);
  ag_diags_free(&a->diags);
  ag_diags_init(&a->diags);
  env = ag_invoke_agent(rt, a, NULL, NULL);
  CHECK_JSON_THAT(env, env_is(env, "context_version"));
  CHECK(contains(err_field(env, "message"), word));
  cJSON_Delete(env);
  CHECK_STR(good_answer(rt), "42");
}

static void test_context_version(ag_Runtime *rt) {
  check_context_agent(rt, "future", "A401", "99");
  check_context_agent(rt, "teleport", "A402", "teleport");
}

/* ==== runtime ================================================================== */

static void test_runtime(ag_Runtime *rt) {
  cJSON *env = call(rt, "boom", "{\"mode\": \"error\"}");
  CHECK_JSON_THAT(env, env_is(env, "runtime"));
  CHECK_STR(err_field(env, "message"), "boom");
  const cJSON *err = cJSON_GetObjectItem(env, "error");
  const cJSON *code = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(err, "data"), "code");
  CHECK(cJSON_IsNumber(code) && code->valuedouble == 1);
  const cJSON *frame = cJSON_GetArrayItem(cJSON_GetObjectItem(err, "trace"), 0);
  const cJSON *file = cJSON_GetObjectItemCaseSensitive(frame, "file");
  const cJSON *line = cJSON_GetObjectItemCaseSensitive(frame, "line");
  CHECK(cJSON_IsString(file) && contains(file->valuestring, "boom_agent.lispy"));
  CHECK(cJSON_IsNumber(line) && line->valuedouble == 9);
  cJSON_Delete(env);
  CHECK_STR(good_answer(rt), "42");

  /* Throwing a value that is not an error. */
  env = call(rt, "boom", "{\"mode\": \"throw\"}");
  CHECK_JSON_THAT(env, env_is(env, "runtime"));
  CHECK(contains(err_field(env, "message"), "42"));
  cJSON_Delete(env);
  CHECK_STR(good_answer(rt), "42");

  /* A result JSON cannot carry. */
  env = call(rt, "boom", "{\"mode\": \"function\"}");
  CHECK_JSON_THAT(env, env_is(env, "runtime"));
  CHECK(contains(err_field(env, "message"), "JSON"));
  CHECK(contains(err_field(env, "message"), "function"));
  cJSON_Delete(env);
  CHECK_STR(good_answer(rt), "42");
}

/* ==== limit ==================================================================== */

/* Call hostile/sly in `mode` under limits; expect a limit envelope naming
** one of the limits in `which` (space-separated) or, when which is NULL,
** an ok envelope. */
static void check_limit(ag_Runtime *rt, const char *agent, const char *mode, lispy_Limits lim,
                        const char *which, int line) {
  ag_runtime_set_limits(rt, &lim);
  char args[100];
  snprintf(args, sizeof args, "{\"mode\": \"%s\"}", mode);
  cJSON *env = call(rt, agent, args);
  const char *got = err_field(env, "limit");
  bool ok = which ? env_is(env, "limit") && got && strstr(which, got) != NULL : env_is(env, NULL);
  char *s = cJSON_PrintUnformatted(env);
  CHECK_AT(line, ok, "%s %s: want %s, got %s", agent, mode, which ? which : "ok", s ? s : "(null)");
  free(s);
  cJSON_Delete(env);
  normal_limits(rt);
  const char *good = good_answer(rt);
  CHECK_AT(line, strcmp(good, "42") == 0, "after %s %s the good agent answered %s", agent, mode,
           good);
}

/* Output sink counting bytes. */
static void count_output(void *ud, const char *s, size_t len) {
  (void)s;
  *(size_t *)ud += len;
}

static void test_limits(ag_Runtime *rt) {
  lispy_State *L = ag_runtime_lispy(rt);
  lispy_Limits fuel = {1000000, 64u << 20, 0, 0};
  check_limit(rt, "hostile", "loop", fuel, "fuel", __LINE__);
  lispy_Limits deep = {0, 256u << 20, 0, 0};
  check_limit(rt, "hostile", "deep", deep, "depth memory", __LINE__);
  size_t before = lispy_memory_used(L);
  lispy_Limits mem = {0, 16u << 20, 0, 0};
  check_limit(rt, "hostile", "bomb", mem, "memory", __LINE__);
  lispy_gc(L);
  CHECK(lispy_memory_used(L) < before + (4u << 20)); /* the bomb was collected */
  size_t out = 0;
  lispy_set_output(L, count_output, &out);
  check_limit(rt, "hostile", "output", fuel, "output fuel", __LINE__);
  lispy_set_output(L, NULL, NULL);
  CHECK(out > 0 && out <= (2u << 20));

  /* Catching the error does not buy more fuel. */
  check_limit(rt, "sly", "loop", fuel, "fuel", __LINE__);
  check_limit(rt, "sly", "finally", fuel, "fuel", __LINE__);
  /* Memory and depth errors are catchable: the run goes on, bounded. */
  check_limit(rt, "sly", "bomb", mem, NULL, __LINE__);
  check_limit(rt, "sly", "deep", deep, NULL, __LINE__);
}

/* ==== time and interrupts ====================================================== */

static void test_timeout(ag_Runtime *rt) {
  lispy_Limits lim = {0, 64u << 20, 0, 0.2};
  double t0 = now_s();
  check_limit(rt, "hostile", "loop", lim, "time", __LINE__);
  double took = now_s() - t0;
  printf("timeout 0.2 s ended the loop after %.3f s\n", took);
  CHECK(took >= 0.15 && took < 5.0 * time_scale());
}

typedef struct Interrupter {
  lispy_State *L;
  atomic_bool done; /* set by the main thread once the call returned */
} Interrupter;

/* Interrupt every 50 ms until the call is over (an interrupt that lands
** before the call starts may be reset by it; the next one will not). */
static void *interrupter(void *p) {
  Interrupter *in = p;
  usleep(100 * 1000);
  while (!atomic_load(&in->done)) {
    lispy_interrupt(in->L);
    usleep(50 * 1000);
  }
  return NULL;
}

static void test_interrupt(ag_Runtime *rt) {
  lispy_Limits lim = {0, 64u << 20, 0, 0}; /* no fuel limit, no timeout */
  ag_runtime_set_limits(rt, &lim);
  Interrupter in = {ag_runtime_lispy(rt), false};
  pthread_t th;
  CHECK(pthread_create(&th, NULL, interrupter, &in) == 0);
  double t0 = now_s();
  cJSON *env = call(rt, "hostile", "{\"mode\": \"loop\"}");
  double took = now_s() - t0;
  atomic_store(&in.done, true);
  pthread_join(th, NULL);
  printf("interrupt ended the loop after %.3f s\n", took);
  CHECK(took >= 0.09 && took < 5.0 * time_scale());
  CHECK_JSON_THAT(env, env_is(env, "interrupted"));
  cJSON_Delete(env);
  normal_limits(rt);
  CHECK_STR(good_answer(rt), "42");
  CHECK_STR(good_answer(rt), "42"); /* the interrupt flag does not linger */
}

/* ==== output ===================================================================== */

typedef struct Sink {
  char text[256];
  size_t len;
} Sink;

static void sink_write(void *ud, const char *s, size_t len) {
  Sink *k = ud;
  size_t room = sizeof k->text - 1 - k->len;
  memcpy(k->text + k->len, s, len < room ? len : room);
  k->len += len < room ? len : room;
  k->text[k->len] = '\0';
}

/* An agent's output goes to the call's sink as it is written; the host's
** own sink is back in place after the call (and untouched by it). */
static void test_output(ag_Runtime *rt) {
  lispy_State *L = ag_runtime_lispy(rt);
  Sink host = {"", 0}, call = {"", 0};
  lispy_set_output(L, sink_write, &host);
  ag_CallOptions opt = {.output = sink_write, .output_ud = &call};
  cJSON *args = cJSON_Parse("{\"word\": \"hey\"}");
  cJSON *env = ag_invoke(rt, "printer", args, &opt);
  CHECK_JSON(env, "{\"ok\":true,\"value\":\"done\"}");
  CHECK_STR(call.text, "hey hey\n");
  CHECK_STR(host.text, "");
  cJSON_Delete(env);
  env = ag_invoke(rt, "printer", args, NULL); /* no sink of its own: the host's */
  CHECK_STR(host.text, "hey hey\n");
  CHECK_STR(call.text, "hey hey\n");
  void *ud;
  CHECK(lispy_get_output(L, &ud) == sink_write && ud == &host);
  lispy_set_output(L, NULL, NULL);
  cJSON_Delete(env);
  cJSON_Delete(args);
}

/* ==== trace ====================================================================== */

static void test_trace(ag_Runtime *rt) {
  ag_mock_add_llm_rule(ag_runtime_backend(rt), "lisp", "A family of languages.", NULL);
  ag_CallOptions opt = {.trace = true};
  cJSON *args = cJSON_Parse("{\"topic\": \"lisp\"}");
  cJSON *env = ag_invoke(rt, "tracer", args, &opt);
  CHECK_JSON_THAT(env, env_is(env, NULL));
  CHECK_JSON(env_value(env), "\"A family of languages.\"");
  const cJSON *trace = cJSON_GetObjectItemCaseSensitive(env, "trace");
  CHECK_INT(cJSON_GetArraySize(trace), 2);
  const cJSON *t0 = cJSON_GetArrayItem(trace, 0), *t1 = cJSON_GetArrayItem(trace, 1);
  const cJSON *m0 = cJSON_GetObjectItemCaseSensitive(t0, "method");
  CHECK_JSON(m0, "\"llm\"");
  const cJSON *a0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(t0, "args"), 0);
  CHECK_JSON(a0, "\"Tell me about lisp\"");
  const cJSON *r0 = cJSON_GetObjectItemCaseSensitive(t0, "result");
  CHECK_JSON(r0, "\"A family of languages.\"");
  const cJSON *m1 = cJSON_GetObjectItemCaseSensitive(t1, "method");
  CHECK_JSON(m1, "\"save\"");
  CHECK_INT(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(t1, "args")), 2);
  CHECK(cJSON_HasObjectItem(t1, "result"));
  cJSON_Delete(env);

  /* Without the option there is no trace. */
  env = ag_invoke(rt, "tracer", args, NULL);
  CHECK_JSON_THAT(env, env_is(env, NULL));
  CHECK(!cJSON_HasObjectItem(env, "trace"));
  cJSON_Delete(env);
  cJSON_Delete(args);
}

/* ==== envelopes as text ============================================================= */

/* ag_invoke_text gives the envelope ag_invoke gives, as compact JSON text,
** for every kind; with trace, the trace too (durations aside). */
static void check_text_matches(ag_Runtime *rt, const char *name, const char *args_json, bool trace,
                               int line) {
  cJSON *args = args_json ? cJSON_Parse(args_json) : NULL;
  ag_CallOptions opt = {.trace = trace};
  cJSON *tree = ag_invoke(rt, name, args, &opt);
  lispy_Text text = {0};
  bool ok = ag_invoke_text(rt, name, args, &opt, &text);
  cJSON *parsed = cJSON_Parse(text.data);
  if (trace) { /* durations differ from call to call */
    cJSON_DeleteItemFromObject(tree, "trace");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(parsed, "trace")) > 0);
    cJSON_DeleteItemFromObject(parsed, "trace");
  }
  bool same = parsed && cJSON_Compare(tree, parsed, true) &&
              ok == cJSON_IsTrue(cJSON_GetObjectItem(tree, "ok"));
  CHECK_AT(line, same, "%s: text %s differs from the tree", name, text.data ? text.data : "(none)");
  free(text.data);
  cJSON_Delete(parsed);
  cJSON_Delete(tree);
  cJSON_Delete(args);
}

static void test_text_envelopes(ag_Runtime *rt) {
  check_text_matches(rt, "add", "{\"a\": 2, \"b\": 40}", false, __LINE__);
  check_text_matches(rt, "words", "{}", false, __LINE__);                      /* a default */
  check_text_matches(rt, "nobody", "{}", false, __LINE__);                     /* not_found */
  check_text_matches(rt, "add", "{\"a\": \"x\"}", false, __LINE__);            /* invalid_args */
  check_text_matches(rt, "future", "{}", false, __LINE__);                     /* context_version */
  check_text_matches(rt, "boom", "{\"mode\": \"error\"}", false, __LINE__);    /* runtime */
  check_text_matches(rt, "boom", "{\"mode\": \"function\"}", false, __LINE__); /* not JSON */
  check_text_matches(rt, "legacy_post", "{\"title\": \"T\"}", false, __LINE__);
  check_text_matches(rt, "tracer", "{\"topic\": \"lisp\"}", true, __LINE__);
  /* the text is appended to what the buffer holds */
  lispy_Text text = {0};
  lispy_text_add(&text, "[", 1);
  cJSON *args = cJSON_Parse("{\"a\": 1, \"b\": 2}");
  CHECK(ag_invoke_text(rt, "add", args, NULL, &text));
  CHECK_STR(text.data, "[{\"ok\":true,\"value\":3}");
  cJSON_Delete(args);
  free(text.data);
}

/* A value whose JSON is gigabytes leaves the sandbox as a limit envelope,
** at once, on the tree path and the text path alike; as an error's data it
** is dropped (data_error says why) and the error keeps its trace. */
static void test_shared_results(ag_Runtime *rt) {
  double t0 = now_s();
  cJSON *env = call(rt, "shared", "{\"mode\": \"result\", \"n\": 28}");
  CHECK_JSON_THAT(env, env_is(env, "limit"));
  CHECK(contains(err_field(env, "limit"), "memory") || contains(err_field(env, "limit"), "result"));
  cJSON_Delete(env);
  cJSON *args = cJSON_Parse("{\"mode\": \"result\", \"n\": 28}");
  lispy_Text text = {0};
  CHECK(!ag_invoke_text(rt, "shared", args, NULL, &text));
  CHECK(text.data && contains(text.data, "\"kind\":\"limit\""));
  CHECK(text.data && text.len < 1000);
  free(text.data);
  cJSON_Delete(args);
  env = call(rt, "shared", "{\"mode\": \"error\", \"n\": 28}");
  CHECK_JSON_THAT(env, env_is(env, "runtime"));
  CHECK(contains(err_field(env, "message"), "shared boom"));
  CHECK(contains(err_field(env, "data_error"), "memory limit"));
  const cJSON *err = cJSON_GetObjectItem(env, "error");
  CHECK(cJSON_GetObjectItem(err, "data") == NULL);
  CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(err, "trace")) > 0);
  cJSON_Delete(env);
  CHECK(now_s() - t0 < 2.0 * time_scale());
  env = call(rt, "shared", "{\"mode\": \"result\", \"n\": 2}"); /* small: fine */
  CHECK_JSON(env_value(env), "[[\"leaf\",\"leaf\"],[\"leaf\",\"leaf\"]]");
  cJSON_Delete(env);
  CHECK_STR(good_answer(rt), "42");
}

/* ==== main ========================================================================== */

int main(int argc, char **argv) {
  if (argc > 1 && chdir(argv[1]) != 0) {
    perror(argv[1]);
    return 2;
  }
  ag_Runtime *rt = ag_runtime_new();
  if (!rt) {
    fprintf(stderr, "cannot create a runtime\n");
    return 2;
  }
  normal_limits(rt);
  ag_registry_add_dir(rt, "tests/agents/dispatch");
  ag_ScanReport rep;
  ag_registry_scan(rt, &rep);
  CHECK(rep.nadded >= 14);
  CHECK_SIZE(rep.nbroken, 3); /* norun, future, teleport */
  if (rep.nadded == 0)
    fprintf(stderr, "no agents in tests/agents/dispatch: run from the project root\n");
  ag_scan_report_free(&rep);

  test_not_found(rt);
  test_invalid_args(rt);
  test_defaults(rt);
  test_legacy(rt);
  test_private_globals(rt);
  test_runtime(rt);
  test_limits(rt);
  test_timeout(rt);
  test_interrupt(rt);
  test_trace(rt);
  test_output(rt);
  test_context_version(rt);
  test_text_envelopes(rt);
  test_shared_results(rt);
  CHECK_STR(good_answer(rt), "42");

  ag_runtime_free(rt);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
