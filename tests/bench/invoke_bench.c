/*
** invoke_bench.c -- dispatcher benchmarks (not a test; never run by ctest).
**
**   bench_invoke [CALLS] [AGENTS]
**
** 1. Calls per second through invoke for a trivial agent with a
**    two-property schema (validation, defaults, conversion, the call, the
**    envelope), CALLS times (default 200000), three ways: the envelope as
**    a cJSON tree (ag_invoke, "invoke_tree"); as JSON text (ag_invoke_text,
**    "invoke": the work of the Python reference's dispatch, which returns
**    json.dumps of its envelope); and end to end, the arguments parsed
**    from JSON text on every call too ("end_to_end").
** 2. The time to load a folder of AGENTS (default 1000) generated agents:
**    read, evaluate and lint each file (ag_registry_scan on a fresh
**    runtime), best and median of a few runs, then an unchanged rescan.
**
** Figures are printed one per line as "key value" (scripts/bench_agents.sh
** reads invoke_calls_per_sec, end_to_end_calls_per_sec and load_ms_best).
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agents.h"
#include "../unit/tmpdir.h"

/* ==== Utilities ================================================================ */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}


static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The trivial agent: two properties, one required, one defaulted. The
** Python reference (tests/bench/dispatch_reference.py) does the same. */
static const char *const GREET_AGENT =
    "(def AGENT {:name \"greet\"\n"
    "            :description \"Echo a name and a count.\"\n"
    "            :parameters {:type \"object\"\n"
    "                         :properties {:name {:type \"string\"}\n"
    "                                      :count {:type \"integer\" :default 1}}\n"
    "                         :required [\"name\"]}})\n"
    "(defn run [context name count] {:name name :count count})\n";

/* ==== Calls per second ========================================================== */

/* How a timed loop calls and what it produces. */
typedef enum {
  MODE_TREE,      /* ag_invoke on parsed arguments: the envelope as a tree */
  MODE_TEXT,      /* ag_invoke_text on parsed arguments: envelope text (as
                       the Python reference's dispatch returns json.dumps) */
  MODE_END_TO_END /* JSON text parsed on every call, envelope text out */
} Mode;

/* One call in the given mode; whether its envelope is ok. */
static bool call_once(ag_Runtime *rt, Mode mode, const char *text, const cJSON *parsed,
                      lispy_Text *out) {
  if (mode == MODE_TREE) {
    cJSON *env = ag_invoke(rt, "greet", parsed, NULL);
    bool ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(env, "ok"));
    cJSON_Delete(env);
    return ok;
  }
  cJSON *args = mode == MODE_END_TO_END ? cJSON_Parse(text) : NULL;
  out->len = 0;
  bool ok = ag_invoke_text(rt, "greet", args ? args : parsed, NULL, out);
  cJSON_Delete(args);
  return ok;
}

/* One timed loop of calls with the arguments {"name": "world", "count": 3}. */
static int time_calls(ag_Runtime *rt, const char *label, long calls, Mode mode) {
  const char *text = "{\"name\": \"world\", \"count\": 3}";
  cJSON *parsed = cJSON_Parse(text);
  lispy_Text out = {0};
  int bad = 0;
  double t0 = now_s();
  for (long i = 0; i < calls; i++) bad += !call_once(rt, mode, text, parsed, &out);
  double took = now_s() - t0;
  cJSON_Delete(parsed);
  free(out.data);
  printf("%s_calls %ld\n", label, calls);
  printf("%s_seconds %.3f\n", label, took);
  printf("%s_calls_per_sec %.0f\n", label, (double)calls / took);
  printf("%s_us_per_call %.2f\n", label, took * 1e6 / (double)calls);
  printf("%s_failed_calls %d\n", label, bad);
  return bad;
}

static int bench_invoke(long calls) {
  char dir[] = "/tmp/lispy-bench-invoke-XXXXXX";
  if (!mkdtemp(dir)) return perror("mkdtemp"), 2;
  char path[256];
  snprintf(path, sizeof path, "%s/greet_agent.lispy", dir);
  write_file_text(path, GREET_AGENT);
  ag_Runtime *rt = ag_runtime_new();
  ag_registry_add_dir(rt, dir);
  ag_ScanReport r;
  ag_registry_scan(rt, &r);
  ag_scan_report_free(&r);
  cJSON *args = cJSON_Parse("{\"name\": \"world\"}");
  lispy_Text sample = {0};
  ag_invoke_text(rt, "greet", args, NULL, &sample);
  printf("envelope_sample %s\n", sample.data);
  free(sample.data);
  cJSON_Delete(args);
  int bad = time_calls(rt, "invoke_tree", calls, MODE_TREE);
  bad += time_calls(rt, "invoke", calls, MODE_TEXT);
  bad += time_calls(rt, "end_to_end", calls, MODE_END_TO_END);
  ag_runtime_free(rt);
  remove_dir(dir);
  return bad ? 1 : 0;
}

/* ==== Loading a folder =========================================================== */

/* A generated agent in the Clojure style, like a small real one. */
static void write_generated(const char *dir, int i) {
  char path[256], text[1024];
  snprintf(path, sizeof path, "%s/gen_%04d_agent.lispy", dir, i);
  snprintf(text, sizeof text,
           ";; generated agent %d\n"
           "(def AGENT {:name \"gen_%04d\"\n"
           "            :description \"Generated agent number %d.\"\n"
           "            :parameters {:type \"object\"\n"
           "                         :properties {:text {:type \"string\"}\n"
           "                                      :limit {:type \"integer\" :default %d}}\n"
           "                         :required [\"text\"]}})\n"
           "(defn run [context text limit]\n"
           "  (if (> (string-length text) limit) (substring text 0 limit) text))\n",
           i, i, i, 10 + i % 50);
  write_file_text(path, text);
}

static int bench_load(int nagents) {
  char dir[] = "/tmp/lispy-bench-load-XXXXXX";
  if (!mkdtemp(dir)) return perror("mkdtemp"), 2;
  for (int i = 0; i < nagents; i++) write_generated(dir, i);
  enum { RUNS = 5 };
  double t[RUNS], rescan = 0;
  int broken = 0;
  for (int k = 0; k < RUNS; k++) {
    ag_Runtime *rt = ag_runtime_new();
    ag_registry_add_dir(rt, dir);
    ag_ScanReport r;
    double t0 = now_s();
    ag_registry_scan(rt, &r);
    t[k] = (now_s() - t0) * 1e3;
    broken += (int)r.nbroken + (r.nadded != (size_t)nagents);
    ag_scan_report_free(&r);
    t0 = now_s();
    ag_registry_scan(rt, &r);
    rescan = (now_s() - t0) * 1e3;
    ag_scan_report_free(&r);
    ag_runtime_free(rt);
  }
  qsort(t, RUNS, sizeof t[0], cmp_double);
  printf("load_agents %d\n", nagents);
  printf("load_ms_best %.1f\n", t[0]);
  printf("load_ms_median %.1f\n", t[RUNS / 2]);
  printf("load_us_per_agent %.1f\n", t[0] * 1e3 / nagents);
  printf("rescan_unchanged_ms %.1f\n", rescan);
  printf("load_broken %d\n", broken);
  remove_dir(dir);
  return broken ? 1 : 0;
}

int main(int argc, char **argv) {
  long calls = argc > 1 ? atol(argv[1]) : 200000;
  int nagents = argc > 2 ? atoi(argv[2]) : 1000;
  if (calls <= 0 || nagents <= 0) {
    fprintf(stderr, "usage: bench_invoke [CALLS] [AGENTS]\n");
    return 2;
  }
  int rc = bench_invoke(calls);
  rc |= bench_load(nagents);
  return rc;
}
