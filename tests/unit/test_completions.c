/*
** test_completions.c -- the completion engine without a terminal: every
** context (meta-commands, agent names, parameters as key= and :key with
** required first and types in the help, enum values, symbols, context
** methods, file paths), agents defined a moment ago completing at once,
** and odd input (unbalanced quotes and brackets, cursor at 0 or past the
** end, UTF-8) never crashing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "completions.h"
#include "tmpdir.h"

/* ==== Fixtures ============================================================= */

static char dir[64]; /* the temporary agent folder */

static void write_file(const char *name, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  write_file_text(path, text);
}

static void write_agents(void) {
  write_file("weather_agent.lispy",
             "(def AGENT {:name \"weather\" :description \"Weather for a city.\"\n"
             "  :parameters {:type \"object\"\n"
             "    :properties {:units {:type \"string\" :enum [\"celsius\" \"fahrenheit\"]}\n"
             "                 :city {:type \"string\"}\n"
             "                 :days {:type \"integer\" :default 3}\n"
             "                 :verbose {:type \"boolean\"}}\n"
             "    :required [\"city\"]}})\n"
             "(defn run [context units city days verbose] city)\n");
  write_file("weather_report_agent.lispy",
             "(def AGENT {:name \"weather_report\" :description \"A longer report.\"\n"
             "  :parameters {:type \"object\" :properties {:city {:type \"string\"}}\n"
             "               :required [\"city\"]}})\n"
             "(defn run [context city] city)\n");
  write_file("post_agent.lispy",
             "(define agent-name \"post\")\n"
             "(define agent-description \"Create a post.\")\n"
             "(define agent-parameters (make-dict \"channel\" \"Channel slug\"))\n"
             "(define (agent-run context kwargs) 1)\n");
  write_file("script.lispy", "(+ 1 2)\n");
  write_file("notes.txt", "not lispy\n");
  write_file(".hidden.lispy", "1\n");
  char sub[128];
  snprintf(sub, sizeof sub, "%s/sub", dir);
  mkdir(sub, 0700);
}

static void remove_all(void) {
  const char *names[] = {"weather_agent.lispy",
                         "weather_report_agent.lispy",
                         "post_agent.lispy",
                         "script.lispy",
                         "notes.txt",
                         ".hidden.lispy",
                         "sub",
                         NULL};
  char path[256];
  for (int i = 0; names[i]; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    remove(path);
  }
  rmdir(dir);
}

/* ==== Helpers ================================================================= */

static const char *const meta[] = {":help", ":agents", ":describe", ":call", ":lint",
                                   ":load", ":source", ":doc",      ":ctx",  ":trace",
                                   ":time", ":test",   ":quit"};

static ag_Runtime *rt;
static cp_Engine *eng;
static cp_Result res;

/* Complete line with the cursor at its end (or at cursor when >= 0). */
static cp_Result *complete_at(const char *line, long cursor) {
  cp_result_free(&res);
  cp_complete(eng, line, cursor < 0 ? strlen(line) : (size_t)cursor, &res);
  return &res;
}

static cp_Result *complete(const char *line) { return complete_at(line, -1); }

/* Index of the candidate with that text, or -1. */
static long find(const cp_Result *r, const char *text) {
  for (size_t i = 0; i < r->n; i++)
    if (strcmp(r->items[i].text, text) == 0) return (long)i;
  return -1;
}

static const char *help_of(const cp_Result *r, const char *text) {
  long i = find(r, text);
  return i < 0 ? NULL : r->items[i].help ? r->items[i].help : "";
}

/* Every candidate starts with prefix, and they are sorted and unique. */
static bool all_sorted_with(const cp_Result *r, const char *prefix) {
  for (size_t i = 0; i < r->n; i++) {
    if (strncmp(r->items[i].text, prefix, strlen(prefix)) != 0) return false;
    if (i && strcmp(r->items[i - 1].text, r->items[i].text) >= 0) return false;
  }
  return true;
}

/* ==== Tests ==================================================================== */

static void test_meta(void) {
  cp_Result *r = complete(":");
  CHECK(r->n == sizeof meta / sizeof meta[0]);
  CHECK(r->start == 0 && all_sorted_with(r, ":"));
  r = complete("  :c");
  CHECK(r->n == 2 && find(r, ":call") >= 0 && find(r, ":ctx") >= 0);
  CHECK(r->start == 2);
  r = complete(":help de");
  CHECK(r->n == 1 && find(r, "describe") == 0);
  r = complete(":trace o");
  CHECK(r->n == 2 && find(r, "on") >= 0 && find(r, "off") >= 0);
  r = complete(":nosuch x");
  CHECK(r->n == 0);
}

static void test_agent_names(void) {
  cp_Result *r = complete(":call ");
  CHECK(r->n == 3 && r->start == 6);
  CHECK(all_sorted_with(r, ""));
  r = complete(":call wea");
  CHECK(r->n == 2 && find(r, "weather") == 0 && find(r, "weather_report") == 1);
  CHECK_STR(help_of(r, "weather"), "Weather for a city.");
  const char *cmds[] = {":describe w", ":source w", ":test w", ":desc w", ":lint w"};
  for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
    r = complete(cmds[i]);
    CHECK(r->n == 2 && find(r, "weather") >= 0);
  }
  r = complete("(invoke \"wea");
  CHECK(r->n == 2 && find(r, "weather\"") == 0 && r->start == 9);
  r = complete_at("(invoke \"wea\" {})", 12); /* the quote is there already */
  CHECK(r->n == 2 && find(r, "weather") == 0);
  r = complete("(invoke \"zzz");
  CHECK(r->n == 0);
}

static void test_call_params(void) {
  cp_Result *r = complete(":call weather ");
  CHECK(r->n == 4 && r->start == 14);
  CHECK(r->n == 4 && strcmp(r->items[0].text, "city=") == 0); /* required first */
  CHECK(find(r, "units=") == 1 && find(r, "days=") == 2 && find(r, "verbose=") == 3);
  CHECK_STR(help_of(r, "city="), "string, required");
  CHECK_STR(help_of(r, "days="), "integer, default 3");
  CHECK_STR(help_of(r, "units="), "string (celsius|fahrenheit)");
  CHECK_STR(help_of(r, "verbose="), "boolean");
  r = complete(":call weather city=Paris d");
  CHECK(r->n == 1 && find(r, "days=") == 0);
  r = complete(":call weather city=Paris ");
  CHECK(r->n == 3 && find(r, "city=") < 0);
  r = complete(":call weather units=f");
  CHECK(r->n == 1 && find(r, "units=fahrenheit") == 0);
  r = complete(":call weather verbose=");
  CHECK(r->n == 2 && find(r, "verbose=true") >= 0 && find(r, "verbose=false") >= 0);
  r = complete(":call post ");
  CHECK(r->n == 1 && find(r, "channel=") == 0);
  r = complete(":call nosuch ");
  CHECK(r->n == 0);
}

static void test_invoke_dict(void) {
  cp_Result *r = complete("(invoke \"weather\" {");
  CHECK(r->n == 4 && r->n && strcmp(r->items[0].text, ":city") == 0);
  CHECK_STR(help_of(r, ":city"), "string, required");
  r = complete("(invoke \"weather\" {:city \"Paris\" :");
  CHECK(r->n == 3 && find(r, ":city") < 0 && find(r, ":units") == 0);
  r = complete("(invoke \"weather\" {:city \"Paris\" :d");
  CHECK(r->n == 1 && find(r, ":days") == 0);
  CHECK(r->start == strlen("(invoke \"weather\" {:city \"Paris\" "));
  r = complete("(invoke \"weather\" (dict :ci");
  CHECK(r->n == 1 && find(r, ":city") == 0);
  r = complete("(invoke \"weather\" {\"ci");
  CHECK(r->n == 1 && find(r, "city\"") == 0);
  r = complete("(invoke \"weather\" {:units ");
  CHECK(r->n == 2 && find(r, "\"celsius\"") == 0);
  r = complete("(invoke \"weather\" {:units \"fa");
  CHECK(r->n == 1 && find(r, "fahrenheit\"") == 0);
  r = complete("(let ((x 1)) (invoke \"weather\" {:city (str"); /* a value: code */
  CHECK(find(r, "string-append") >= 0);
}

static void test_symbols(void) {
  lispy_State *L = ag_runtime_lispy(rt);
  cp_Result *r = complete("(def");
  CHECK_STR(help_of(r, "define"), "special form");
  CHECK(all_sorted_with(r, "def"));
  r = complete("(list (ma");
  CHECK_STR(help_of(r, "map"), "(map f . xs)"); /* a builtin's help is its signature */
  r = complete("(string-ups");
  CHECK(find(r, "string-upcase") < 0);
  r = complete("(string-up");
  CHECK_STR(help_of(r, "string-upcase"), "(string-upcase s)");
  r = complete("(list (ma");
  CHECK(r->start == 7);
  CHECK(lispy_eval_string(L, NULL, "(define my-fun (lambda (x) x)) (define my-var 1)", 48, "t",
                          NULL) == LISPY_OK);
  r = complete("(my-");
  CHECK(r->n == 2);
  CHECK_STR(help_of(r, "my-fun"), "(my-fun x)");
  CHECK_STR(help_of(r, "my-var"), "global");
  CHECK(lispy_eval_string(L, NULL, "(define my-new 2)", 17, "t", NULL) == LISPY_OK);
  r = complete("(my-");
  CHECK(r->n == 3 && find(r, "my-new") >= 0); /* new globals at once */
  lispy_Env *env = lispy_env_new(L, "other");
  CHECK(lispy_eval_string(L, env, "(define my-own 1)", 17, "t", NULL) == LISPY_OK);
  cp_engine_set_env(eng, env);
  r = complete("(my-");
  CHECK(r->n == 1 && find(r, "my-own") == 0);
  cp_engine_set_env(eng, NULL);
  r = complete("(context-fetch-th");
  CHECK(r->n == 1 && find(r, "context-fetch-thread") == 0);
  CHECK_STR(help_of(r, "context-fetch-thread"), ag_context_method("fetch_thread")->params);
  r = complete(":doc string-app");
  CHECK(find(r, "string-append") >= 0);
  r = complete(":time (string-app");
  CHECK(find(r, "string-append") >= 0 && r->start == 7);
  r = complete("(");
  CHECK(r->n > 100 && all_sorted_with(r, ""));
  r = complete("foo "); /* an empty word outside a call head: nothing */
  CHECK(r->n == 0);
}

static void test_fresh_agents(void) {
  cp_Result *r = complete(":call fre");
  CHECK(r->n == 0);
  const char *src =
      "(def AGENT {:name \"fresh\" :description \"Just made.\"\n"
      " :parameters {:type \"object\" :properties {:q {:type \"string\"}} :required [\"q\"]}})\n"
      "(defn run [context q] q)\n";
  ag_registry_put(rt, ag_agent_load_source(rt, src, strlen(src), "<repl>"));
  r = complete(":call fre");
  CHECK(r->n == 1 && find(r, "fresh") == 0);
  r = complete("(invoke \"fresh\" {");
  CHECK(r->n == 1 && find(r, ":q") == 0);
  CHECK_STR(help_of(r, ":q"), "string, required");
  ag_registry_remove_defined(rt);
  r = complete(":call fre");
  CHECK(r->n == 0);
}

static void test_paths(void) {
  char line[256], want[256];
  snprintf(line, sizeof line, ":load %s/", dir);
  cp_Result *r = complete(line);
  CHECK(r->n == 5 && r->start == 6); /* 4 *.lispy files and sub/ */
  snprintf(want, sizeof want, "%s/script.lispy", dir);
  CHECK(find(r, want) >= 0);
  snprintf(want, sizeof want, "%s/sub/", dir);
  CHECK(find(r, want) >= 0);
  CHECK_STR(help_of(r, want), "folder");
  snprintf(line, sizeof line, ":load %s/.", dir);
  r = complete(line);
  CHECK(r->n == 1);
  snprintf(line, sizeof line, ":load %s/no-such-dir/x", dir);
  r = complete(line);
  CHECK(r->n == 0);
  cp_Result all = {0};
  snprintf(line, sizeof line, "%s/", dir);
  cp_add_paths(line, false, &all);
  CHECK(all.n == 6); /* every file and the folder, no hidden one */
  cp_result_free(&all);
}

static void test_odd_input(void) {
  const char *lines[] = {"",
                         " ",
                         ":",
                         "\"",
                         "(invoke \"",
                         "(invoke \"weather\" {:city \"unterminated",
                         ")))) (ma",
                         "(((((((",
                         "; a comment (ma",
                         "#",
                         "#(ma",
                         "'(ma",
                         "(define café \"é",
                         "(café",
                         ":call",
                         ":call weather city=é ",
                         "(invoke \"weather\" {:city \"x\" :units",
                         "(invoke \"weather\" {1 2 3 :",
                         "(dict :a",
                         "\\",
                         ":load ~",
                         "(invoke weather {",
                         NULL};
  for (int i = 0; lines[i]; i++) {
    size_t n = strlen(lines[i]);
    for (size_t c = 0; c <= n + 2; c++) {
      cp_Result *r = complete_at(lines[i], (long)c);
      CHECK(r->start <= n);
    }
  }
  cp_Result *r = complete_at("(ma", 0);
  CHECK(r->n == 0 && r->start == 0);
  r = complete_at("(ma", 1000);
  CHECK(find(r, "map") >= 0);
  r = complete("; (ma");
  CHECK(r->n == 0);
  r = complete("\"(ma");
  CHECK(r->n == 0);
  r = complete_at("(café", 4); /* inside the two bytes of é */
  CHECK(r->start <= 4);
  char deep[400];
  memset(deep, '(', 300);
  strcpy(deep + 300, "ma");
  r = complete(deep);
  CHECK(find(r, "map") >= 0);
  cp_result_free(&res);
  cp_complete(eng, NULL, 0, &res);
  CHECK(res.n == 0);
}

int main(void) {
  snprintf(dir, sizeof dir, "/tmp/lispy_cp_XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  write_agents();
  rt = ag_runtime_new();
  ag_registry_add_dir(rt, dir);
  ag_ScanReport rep;
  ag_registry_scan(rt, &rep);
  CHECK(rep.nadded == 3);
  ag_scan_report_free(&rep);
  eng = cp_engine_new(rt, meta, sizeof meta / sizeof meta[0]);
  test_meta();
  test_agent_names();
  test_call_params();
  test_invoke_dict();
  test_symbols();
  test_fresh_agents();
  test_paths();
  test_odd_input();
  cp_result_free(&res);
  cp_engine_free(eng);
  ag_runtime_free(rt);
  remove_all();
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
