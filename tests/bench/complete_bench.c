/*
** complete_bench.c -- Tab completion benchmark (not a test; never run by
** ctest).
**
**   bench_complete [AGENTS] [COMPLETIONS]
**
** Writes AGENTS (default 10000) generated agents into a temporary folder,
** loads them into an ag_Runtime, then times COMPLETIONS (default 10000)
** completions of each of a few typical lines (":call agent_12",
** "(invoke \"agent_9", an agent's parameters, builtins) and prints the
** microseconds per completion. The first completion after a registry
** change rebuilds the name index: its time is printed separately, as is
** the time of a completion just after a new agent was registered.
** Target: under 1 ms (1000 us) per completion with 10,000 agents.
**
** Figures are printed one per line as "key value".
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "completions.h"
#include "../unit/tmpdir.h"

/* ==== Utilities ================================================================ */

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Agent i: agent_<i> with two parameters (one required, one defaulted). */
static void write_agent(const char *dir, int i) {
  char path[512];
  snprintf(path, sizeof path, "%s/agent_%d_agent.lispy", dir, i);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(2);
  }
  fprintf(f,
          "(def AGENT {:name \"agent_%d\" :description \"Generated agent number %d.\"\n"
          "  :parameters {:type \"object\"\n"
          "    :properties {:text {:type \"string\"} :count {:type \"integer\" :default 1}}\n"
          "    :required [\"text\"]}})\n"
          "(defn run [context text count] text)\n",
          i, i);
  fclose(f);
}

/* ==== Timing ===================================================================== */

/* Microseconds per completion of line over n runs; *count gets the
** number of candidates. */
static double time_line(cp_Engine *e, const char *line, int n, size_t *count) {
  cp_Result r = {0};
  double t0 = now_s();
  for (int i = 0; i < n; i++) {
    cp_result_free(&r);
    cp_complete(e, line, strlen(line), &r);
  }
  double us = (now_s() - t0) * 1e6 / n;
  *count = r.n;
  cp_result_free(&r);
  return us;
}

/* One completion right after the registry changed (the index rebuilds). */
static double time_rebuild(cp_Engine *e, const char *line) {
  size_t n;
  return time_line(e, line, 1, &n);
}

int main(int argc, char **argv) {
  int nagents = argc > 1 ? atoi(argv[1]) : 10000;
  int runs = argc > 2 ? atoi(argv[2]) : 10000;
  if (nagents < 100) nagents = 100;
  if (runs < 1) runs = 1;
  char dir[] = "/tmp/lispy_bench_complete_XXXXXX";
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  for (int i = 0; i < nagents; i++) write_agent(dir, i);
  ag_Runtime *rt = ag_runtime_new();
  ag_registry_add_dir(rt, dir);
  ag_ScanReport rep;
  double t0 = now_s();
  ag_registry_scan(rt, &rep);
  printf("agents %zu\n", ag_registry_count(rt));
  printf("load_ms %.1f\n", (now_s() - t0) * 1e3);
  ag_scan_report_free(&rep);
  static const char *const meta[] = {":call", ":describe", ":help", ":load", ":source", ":test"};
  cp_Engine *e = cp_engine_new(rt, meta, sizeof meta / sizeof meta[0]);
  printf("first_completion_us %.1f  (builds the index of %d names)\n",
         time_rebuild(e, ":call agent_12"), nagents);
  const char *lines[] = {":call agent_12",
                         "(invoke \"agent_9",
                         ":call agent_4711 ",
                         "(invoke \"agent_42\" {:",
                         "(string-",
                         ":call zzz",
                         NULL};
  double worst = 0;
  for (int i = 0; lines[i]; i++) {
    size_t count;
    double us = time_line(e, lines[i], runs, &count);
    if (us > worst) worst = us;
    printf("complete_us %.2f  %-28s (%zu candidates)\n", us, lines[i], count);
  }
  const char *src = "(def AGENT {:name \"agent_fresh\" :description \"New.\"\n"
                    " :parameters {:type \"object\" :properties {}}})\n(defn run [context] 1)\n";
  ag_registry_put(rt, ag_agent_load_source(rt, src, strlen(src), "<repl>"));
  printf("after_define_us %.1f  (first completion after a new agent: rebuild)\n",
         time_rebuild(e, ":call agent_fr"));
  printf("worst_complete_us %.2f  (%s: < 1000 us with %d agents)\n", worst,
         worst < 1000 ? "target met" : "target MISSED", nagents);
  cp_engine_free(e);
  ag_runtime_free(rt);
  remove_dir(dir);
  return 0;
}
