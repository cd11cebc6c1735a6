/*
** cli_test.c -- `lispy test [PATH...]`: run agents' conformance cases.
**
**   lispy test examples/agents            every X_agent.test.json in the folder
**   lispy test get_weather_agent.lispy    one agent (its sibling test file)
**   lispy test                            the registry folders (--agents, ...)
**   lispy test --mock FILE                base fixture for files naming none
**   lispy test --format json              a machine-readable report
**
** The text report prints PASS/FAIL lines per case and ends with exactly
** "N passed, N failed". The exit status is 1 when a case fails or a test
** file is malformed, 2 on a usage error.
*/
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* "text" (the default) or "json"; false for anything else. */
static bool rp_test_format(const rp_Options *o, bool *json) {
  *json = o->format && strcmp(o->format, "json") == 0;
  return !o->format || *json || strcmp(o->format, "text") == 0;
}

/* The report, indented on a terminal, on one line when piped. */
static void rp_test_print_json(const cJSON *report) {
  char *s = ag_json_print(report, isatty(STDOUT_FILENO));
  printf("%s\n", s ? s : "null");
  free(s);
}

int rp_cmd_test(ag_Runtime *rt, const rp_Options *o) {
  bool json;
  if (!rp_test_format(o, &json)) {
    fprintf(stderr, "lispy: test --format must be text or json, got '%s'\n", o->format);
    return 2;
  }
  ag_ConfOptions co = {o->mock, json ? NULL : stdout};
  ag_ConfReport r;
  ag_conformance_init(&r);
  if (o->nargs > 0)
    for (int i = 0; i < o->nargs; i++) ag_conformance_run_path(rt, o->args[i], &co, &r);
  else
    for (size_t i = 0; i < ag_registry_dir_count(rt); i++)
      ag_conformance_run_path(rt, ag_registry_dir(rt, i), &co, &r);
  if (r.nfiles == 0 && r.failed == 0)
    fprintf(stderr, "lispy: no test files found (an agent X_agent.lispy is tested by "
                    "X_agent.test.json; see docs/testing.md)\n");
  if (json) rp_test_print_json(r.json);
  else ag_conformance_summary(stdout, &r);
  int rc = r.failed ? 1 : 0;
  ag_conformance_free(&r);
  return rc;
}
