/*
** fuzz_agent.c -- libFuzzer target for the agent runtime: load, lint,
** describe and invoke a hostile agent file, in a runtime that also holds a
** benign agent.
**
** The input is an agent file (*_agent.lispy). A header line
** ";; args: {JSON}" (as in tests/hostile/) gives the call's arguments,
** {} otherwise. The file is loaded and linted as fuzz_agent.lispy, its
** tool entry built, then it is called twice (tree and text envelope):
** each envelope must be well formed. After that the benign agent must
** still answer exactly what it answered before any input ran: no agent
** file reaches into another's behaviour. Limits are small (FZ_AGENT_LIMITS)
** so that hostile loops end in milliseconds.
*/
#include "agents.h"
#include "fuzz.h"

#define FZ_AGENT_LIMITS \
  { 100000, 16u << 20, 200, 1.0 } /* fuel, bytes, depth, s */
/* Inputs between fresh runtimes: each loaded file's environment lives until
** its state closes; a fresh runtime costs a few ms. */
#define FZ_RESET_EVERY 500

/* A well-behaved agent using prelude functions, strings, dicts and the
** context, which a hostile file would have to reach through to change. */
static const char fz_benign_src[] =
    "(define AGENT {:name \"benign\" :description \"A benign agent for isolation checks.\"\n"
    "  :parameters {:type \"object\" :properties {:n {:type \"integer\" :default 5}}}})\n"
    "(define (run ctx n)\n"
    "  (let ((xs (map (fn (i) (* i i)) (range n))))\n"
    "    {:sum (fold + 0 (filter odd? xs)) :text (string-upcase (str \"x\" (length xs)))\n"
    "     :sorted (sort (list 3 1 2)) :json (json-encode {:a [1 2]})\n"
    "     :agent (get ctx :agent_id)}))\n";

static ag_Runtime *rt;
static ag_Agent *benign;
static char *benign_answer; /* its envelope before any input ran */
static unsigned runs;

/* The benign agent's envelope as compact JSON text (malloc'd). */
static char *fz_benign_call(void) {
  cJSON *args = cJSON_CreateObject();
  cJSON *env = ag_invoke_agent(rt, benign, args, NULL);
  char *text = cJSON_PrintUnformatted(env);
  cJSON_Delete(env);
  cJSON_Delete(args);
  return text;
}

static void fz_open(void) {
  rt = ag_runtime_new();
  FZ_REQUIRE(rt != NULL);
#ifdef FZ_MOCK_FIXTURE
  ag_Backend b;
  char *err = NULL;
  if (ag_mock_load_file(FZ_MOCK_FIXTURE, &b, &err)) ag_runtime_set_backend(rt, b);
  free(err); /* no fixture: the empty mock */
#endif
  lispy_Limits lim = FZ_AGENT_LIMITS;
  ag_runtime_set_limits(rt, &lim);
  benign = ag_agent_load_source(rt, fz_benign_src, sizeof fz_benign_src - 1, "benign_agent.lispy");
  FZ_REQUIRE(ag_agent_ok(benign));
  char *answer = fz_benign_call();
  if (benign_answer == NULL) benign_answer = answer;
  else {
    FZ_REQUIRE(strcmp(answer, benign_answer) == 0);
    free(answer);
  }
  FZ_REQUIRE(strstr(benign_answer, "\"ok\":true") != NULL);
}

static void fz_close(void) {
  ag_agent_free(benign);
  ag_runtime_free(rt);
  rt = NULL;
}

/* The arguments from a ";; args: {...}" line of the header, else {}. */
static cJSON *fz_args(const char *src) {
  const char *p = strstr(src, ";; args:");
  cJSON *args = NULL;
  if (p != NULL) {
    const char *end = strchr(p, '\n');
    size_t n = end ? (size_t)(end - p) : strlen(p);
    char *line = fz_cstring((const uint8_t *)p + 8, n - 8);
    args = cJSON_Parse(line);
    free(line);
  }
  if (!cJSON_IsObject(args)) {
    cJSON_Delete(args);
    args = cJSON_CreateObject();
  }
  return args;
}

/* An envelope is {"ok": true, "value": ...} or {"ok": false, "error":
** {"kind": K, "message": M, ...}} with K and M strings, K not empty. */
static void fz_check_envelope(const cJSON *env) {
  FZ_REQUIRE(cJSON_IsObject(env));
  const cJSON *ok = cJSON_GetObjectItemCaseSensitive(env, "ok");
  FZ_REQUIRE(cJSON_IsBool(ok));
  if (cJSON_IsTrue(ok)) {
    FZ_REQUIRE(cJSON_HasObjectItem(env, "value"));
    return;
  }
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(env, "error");
  const cJSON *kind = cJSON_GetObjectItemCaseSensitive(err, "kind");
  FZ_REQUIRE(cJSON_IsString(kind) && kind->valuestring[0] != '\0');
  FZ_REQUIRE(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(err, "message")));
}

/* Call a twice, as a tree and as text; both envelopes well formed. */
static void fz_call(ag_Agent *a, const cJSON *args) {
  cJSON *env = ag_invoke_agent(rt, a, args, NULL);
  fz_check_envelope(env);
  cJSON_Delete(env);
  lispy_Text out = {0};
  ag_CallOptions opt = {.trace = true};
  bool ok = ag_invoke_agent_text(rt, a, args, &opt, &out);
  FZ_REQUIRE(out.data != NULL);
  env = cJSON_Parse(out.data);
  fz_check_envelope(env);
  FZ_REQUIRE(ok == cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(env, "ok")));
  cJSON_Delete(env);
  free(out.data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (rt != NULL && ++runs % FZ_RESET_EVERY == 0) fz_close();
  if (rt == NULL) fz_open();
  char *src = fz_cstring(data, size);
  ag_Agent *a = ag_agent_load_source(rt, src, size, "fuzz_agent.lispy");
  FZ_REQUIRE(a != NULL);
  for (size_t i = 0; i < a->diags.n; i++) /* every diagnostic says something */
    FZ_REQUIRE(a->diags.items[i].message != NULL && a->diags.items[i].code[0] != '\0');
  cJSON *tool = ag_agent_tool(a, true);
  cJSON_Delete(tool);
  tool = ag_agent_tool(a, false);
  cJSON_Delete(tool);
  cJSON *args = fz_args(src);
  fz_call(a, args);
  cJSON_Delete(args);
  ag_agent_free(a);
  free(src);
  char *answer = fz_benign_call();
  if (strcmp(answer, benign_answer) != 0)
    fprintf(stderr, "benign agent changed:\n  before %s\n  after  %s\n", benign_answer, answer);
  FZ_REQUIRE(strcmp(answer, benign_answer) == 0);
  free(answer);
  return 0;
}
