/*
** test_pattern_work.c -- a schema `pattern` checked on a long argument is
** work under the call's limits. PCRE2 counts its steps afresh at every
** start position, so a pattern that backtracks just below the match limit
** at each of 2.6 million positions did about 10^11 steps in one call: the
** validator searches in windows of positions and reads the deadline
** between them.
*/
#include <stdlib.h>
#include <string.h>

#include "agents.h"
#include "check.h"

static const char AGENT_SRC[] =
    "(def AGENT {:name \"pat\" :description \"A pattern that backtracks.\"\n"
    "  :parameters {:type \"object\"\n"
    "               :properties {:x {:type \"string\" :pattern \"(a|aa)+b|alast\"}}}})\n"
    "(defn run [context x] \"ran\")\n";

int main(void) {
  ag_Runtime *rt = ag_runtime_new();
  ag_Agent *a = ag_agent_load_source(rt, AGENT_SRC, strlen(AGENT_SRC), "pat_agent.lispy");
  CHECK(ag_agent_ok(a));
  lispy_Limits lim = lispy_default_limits();
  lim.timeout = 0.3;
  ag_runtime_set_limits(rt, &lim);

  size_t n = 2600000; /* "aaa...a! " a hundred thousand times */
  char *s = malloc(n + 1);
  for (size_t i = 0; i < n; i++) s[i] = i % 26 < 24 ? 'a' : i % 26 == 24 ? '!' : ' ';
  s[n] = '\0';
  cJSON *args = cJSON_CreateObject();
  cJSON_AddStringToObject(args, "x", s);
  double t0 = now_s();
  cJSON *env = ag_invoke_agent(rt, a, args, NULL);
  double took = now_s() - t0;
  const cJSON *err = cJSON_GetObjectItem(env, "error");
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(err, "kind")), "limit");
  CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(err, "limit")), "time");
  printf("pattern on a 2.6 MB argument: limit after %.3f s (time limit 0.3 s)\n", took);
  CHECK(took < 0.3 + 0.1 * time_scale());

  /* a short argument that matches still passes */
  cJSON_Delete(env);
  cJSON_ReplaceItemInObject(args, "x", cJSON_CreateString("aab"));
  env = ag_invoke_agent(rt, a, args, NULL);
  CHECK(cJSON_IsTrue(cJSON_GetObjectItem(env, "ok")));

  cJSON_Delete(env);
  cJSON_Delete(args);
  free(s);
  ag_agent_free(a);
  ag_runtime_free(rt);
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
