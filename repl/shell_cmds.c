/*
** shell_cmds.c -- the shell's :meta-commands, one table row each with a
** one-line help (:help) and a longer one (:help CMD).
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shell.h"

typedef void (*rp_CmdFn)(rp_Shell *sh, char *args);

typedef struct rp_Cmd {
  const char *name;    /* ":call" */
  const char *usage;   /* "NAME ARGS" */
  const char *brief;   /* one line for :help */
  const char *details; /* for :help CMD */
  rp_CmdFn fn;
} rp_Cmd;

static void rp_cmd_help(rp_Shell *sh, char *args);

/* ========================================================================
** Helpers
** ======================================================================== */

static char *rp_next_word(char **s) {
  char *p = *s + strspn(*s, " \t");
  if (!*p) return NULL;
  char *end = p + strcspn(p, " \t");
  if (*end) *end++ = '\0';
  *s = end;
  return p;
}

static void rp_print_json(rp_Shell *sh, const cJSON *j) {
  char *s = cJSON_Print(j);
  printf("%s\n", s ? s : "null");
  free(s);
  (void)sh;
}

static ag_Agent *rp_agent_arg(rp_Shell *sh, const char *name) {
  ag_Agent *a = name ? ag_registry_find(sh->rt, name) : NULL;
  if (a) return a;
  if (!name) {
    printf("no agent named '' (see :agents)\n");
    return NULL;
  }
  cJSON *env = ag_registry_not_found(sh->rt, name); /* names both files of a duplicate */
  const cJSON *msg = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(env, "error"), "message");
  char plain[2048];
  ag_plain_text(cJSON_IsString(msg) ? msg->valuestring : name, plain, sizeof plain);
  printf("%s (see :agents)\n", plain);
  cJSON_Delete(env);
  return NULL;
}

/* An agent's source file, read again (malloc'd; NULL with why set). The
** file may have become a FIFO or grown since it loaded: the read never
** blocks and stops at AG_MAX_AGENT_FILE_BYTES. */
static char *rp_agent_source(const ag_Agent *a, char *why, size_t whylen) {
  size_t len;
  return ag_read_file_why(a->path, AG_MAX_AGENT_FILE_BYTES, &len, why, whylen);
}

static double rp_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ========================================================================
** Agents
** ======================================================================== */

static const char *rp_status(rp_Shell *sh, ag_Agent *a) {
  if (!ag_agent_ok(a)) return "error";
  ag_Agent *found = ag_registry_find(sh->rt, a->name);
  if (!found) return "duplicate name"; /* A003: two files declare it */
  if (found != a) return "shadowed";
  return ag_diags_count(&a->diags, AG_WARNING) ? "warnings" : "ok";
}

static void rp_cmd_agents(rp_Shell *sh, char *args) {
  (void)args;
  rp_shell_printf_color(sh, RP_BOLD, "%-22s %-40s %-28s %s\n", "NAME", "PARAMS", "SOURCE", "LINT");
  for (size_t i = 0; i < ag_registry_count(sh->rt); i++) {
    ag_Agent *a = ag_registry_at(sh->rt, i);
    char params[512];
    rp_param_summary(a, params, sizeof params);
    printf("%-22s %-40s %-28s %s\n", a->name ? a->name : "?", params, a->path, rp_status(sh, a));
  }
}

/* The parameter table: name, type, default, required mark, description. */
static void rp_param_table(rp_Shell *sh, const ag_Agent *a) {
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(a->descriptor, "parameters");
  const cJSON *req = cJSON_GetObjectItemCaseSensitive(p, "required"), *prop;
  rp_shell_printf_color(sh, RP_BOLD, "  %-16s %-10s %-4s %-12s %s\n", "PARAM", "TYPE", "REQ",
                        "DEFAULT", "DESCRIPTION");
  cJSON_ArrayForEach(prop, cJSON_GetObjectItemCaseSensitive(p, "properties")) {
    bool required = false;
    const cJSON *r;
    cJSON_ArrayForEach(r, req) required |=
        cJSON_IsString(r) && strcmp(r->valuestring, prop->string) == 0;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(prop, "type");
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(prop, "default");
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(prop, "description");
    char *dv = d ? cJSON_PrintUnformatted(d) : NULL;
    printf("  %-16s %-10s %-4s %-12s %s\n", prop->string,
           cJSON_IsString(t) ? t->valuestring : "any", required ? "yes" : "", dv ? dv : "",
           cJSON_IsString(desc) ? desc->valuestring : "");
    free(dv);
  }
}

/* Context methods the agent's source calls, found by scanning it. */
static void rp_methods_used(const ag_Agent *a) {
  size_t n;
  char why[600];
  char *src = rp_agent_source(a, why, sizeof why);
  const ag_MethodSpec *m = ag_context_methods(&n);
  printf("  context methods used:");
  int used = 0;
  for (size_t i = 0; src && i < n; i++)
    if (strstr(src, m[i].lispy_name)) printf("%s %s", used++ ? "," : "", m[i].lispy_name);
  printf("%s\n", used ? "" : src ? " none" : " (source not on disk)");
  free(src);
}

static void rp_cmd_describe(rp_Shell *sh, char *args) {
  ag_Agent *a = rp_agent_arg(sh, rp_next_word(&args));
  if (!a) return;
  const cJSON *desc = cJSON_GetObjectItemCaseSensitive(a->descriptor, "description");
  rp_shell_printf_color(sh, RP_BOLD, "%s", a->name);
  printf(" -- %s\n  source: %s\n", cJSON_IsString(desc) ? desc->valuestring : "", a->path);
  rp_param_table(sh, a);
  printf("  run: (run context");
  if (a->legacy) printf(" kwargs");
  for (int i = 0; i < a->nrun_params; i++) printf(" %s", a->run_params[i]);
  printf(")%s\n", a->legacy ? "   [legacy style]" : "");
  rp_methods_used(a);
  size_t problems = ag_diags_count(&a->diags, AG_ERROR) + ag_diags_count(&a->diags, AG_WARNING);
  size_t notes = ag_diags_count(&a->diags, AG_NOTE);
  if (problems || notes)
    printf("  lint: %zu problem%s, %zu note%s (:lint %s)\n", problems, problems == 1 ? "" : "s",
           notes, notes == 1 ? "" : "s", a->name);
}

/* ARGS: JSON, a LisPy dict ({:city "Paris"}), or key=value pairs. */
static cJSON *rp_call_args(rp_Shell *sh, ag_Agent *a, char *args, char *err, size_t errlen) {
  args += strspn(args, " \t");
  if (*args == '{' && strchr(args, ':') && args[strspn(args + 1, " \t") + 1] == ':') {
    lispy_Value v;
    if (lispy_eval_string(sh->L, sh->env, args, strlen(args), "<args>", &v) != LISPY_OK) {
      snprintf(err, errlen, "%s", lispy_error_message(lispy_last_error(sh->L)));
      return NULL;
    }
    char why[200];
    cJSON *j = lispy_to_json(sh->L, v, why, sizeof why);
    if (!j) snprintf(err, errlen, "arguments are not JSON data: %s", why);
    return j;
  }
  char *argv[64];
  int argc = 0;
  if (*args == '{') argv[argc++] = args;
  else
    for (char *w; argc < 64 && (w = rp_next_word(&args));) argv[argc++] = w;
  return rp_parse_call_args(a, argv, argc, err, errlen);
}

static void rp_cmd_call(rp_Shell *sh, char *args) {
  ag_Agent *a = rp_agent_arg(sh, rp_next_word(&args));
  if (!a) return;
  char err[512] = "";
  cJSON *j = rp_call_args(sh, a, args, err, sizeof err);
  if (!j) {
    rp_shell_printf_color(sh, RP_RED, "%s\n", err);
    return;
  }
  ag_CallOptions opt = {true};
  cJSON *env = ag_invoke_agent(sh->rt, a, j, &opt);
  cJSON *trace = cJSON_DetachItemFromObject(env, "trace");
  if (!sh->trace) cJSON_Delete(trace), trace = NULL;
  bool ok = cJSON_IsTrue(cJSON_GetObjectItem(env, "ok"));
  rp_shell_printf_color(sh, ok ? RP_GREEN : RP_RED, "%s\n", ok ? "ok" : "error");
  rp_print_json(sh, env);
  const cJSON *c;
  if (cJSON_GetArraySize(trace) > 0) rp_shell_printf_color(sh, RP_DIM, "context calls:\n");
  cJSON_ArrayForEach(c, trace) {
    char *s = cJSON_PrintUnformatted(c);
    if (s) rp_shell_printf_color(sh, RP_DIM, "  %s\n", s);
    else rp_out_of_memory();
    free(s);
  }
  cJSON_Delete(trace);
  cJSON_Delete(env);
  cJSON_Delete(j);
}

static void rp_cmd_lint(rp_Shell *sh, char *args) {
  char *what = rp_next_word(&args);
  size_t shown = 0;
  if (what && strstr(what, ".lispy")) {
    ag_Agent *a = ag_agent_load_file(sh->rt, what);
    rp_shell_print_diags(sh, &a->diags, NULL);
    shown = a->diags.n;
    ag_agent_free(a);
  } else {
    for (size_t i = 0; i < ag_registry_count(sh->rt); i++) {
      ag_Agent *a = ag_registry_at(sh->rt, i);
      if (what && (!a->name || strcmp(a->name, what))) continue;
      rp_shell_print_diags(sh, &a->diags, NULL);
      shown += a->diags.n;
    }
  }
  printf("%zu diagnostic%s\n", shown, shown == 1 ? "" : "s");
}

static void rp_cmd_reload(rp_Shell *sh, char *args) {
  (void)args;
  ag_registry_remove_defined(sh->rt);
  ag_ScanReport r;
  ag_registry_scan(sh->rt, &r);
  printf("reloaded: %zu added, %zu changed, %zu removed, %zu broken; %zu agents\n", r.nadded,
         r.nchanged, r.nremoved, r.nbroken, ag_registry_count(sh->rt));
  ag_scan_report_free(&r);
}

static void rp_cmd_load(rp_Shell *sh, char *args) {
  char *path = rp_next_word(&args);
  if (!path) {
    printf("usage: :load FILE\n");
    return;
  }
  size_t n = strlen(path), s = strlen("_agent.lispy");
  if (n > s && strcmp(path + n - s, "_agent.lispy") == 0) {
    ag_Agent *a = ag_agent_load_file(sh->rt, path);
    rp_shell_print_diags(sh, &a->diags, NULL);
    if (!ag_agent_ok(a)) {
      ag_agent_free(a);
      return;
    }
    printf("agent %s loaded from %s\n", a->name, path);
    ag_registry_put(sh->rt, a);
    return;
  }
  if (lispy_eval_file(sh->L, sh->env, path, NULL) != LISPY_OK) rp_shell_print_error(sh, NULL);
  else printf("loaded %s\n", path);
}

static void rp_cmd_source(rp_Shell *sh, char *args) {
  ag_Agent *a = rp_agent_arg(sh, rp_next_word(&args));
  if (!a) return;
  if (strcmp(a->path, "<repl>") == 0) {
    printf("%s%s\n", sh->desc_src ? sh->desc_src : "", sh->run_src ? sh->run_src : "");
    return;
  }
  char why[600];
  char *src = rp_agent_source(a, why, sizeof why);
  if (!src) {
    printf("cannot read %s: %s\n", a->path, why);
    return;
  }
  int n = 1;
  for (char *line = src, *nl; *line; line = nl ? nl + 1 : line + strlen(line), n++) {
    nl = strchr(line, '\n');
    rp_shell_printf_color(sh, RP_DIM, "%4d  ", n);
    printf("%.*s\n", (int)(nl ? nl - line : (ptrdiff_t)strlen(line)), line);
  }
  free(src);
}

/* ========================================================================
** Language
** ======================================================================== */

static void rp_cmd_doc(rp_Shell *sh, char *args) {
  char *name = rp_next_word(&args);
  lispy_Value v;
  if (!name) {
    printf("usage: :doc SYMBOL\n");
    return;
  }
  size_t n;
  const char *const *sf = lispy_special_forms(&n);
  for (size_t i = 0; i < n; i++)
    if (strcmp(sf[i], name) == 0) {
      printf("%s: special form (see docs/lispy.md)\n", name);
      return;
    }
  if (!lispy_env_get(sh->L, sh->env, name, &v)) {
    printf("%s is not defined\n", name);
    return;
  }
  char buf[256];
  const char *params = lispy_params(sh->L, v, buf, sizeof buf);
  const char *doc = lispy_doc(v);
  rp_shell_printf_color(sh, RP_BOLD, "(%s", name);
  printf("%s%s\n", params && strlen(params) > 2 ? " " : "",
         params && strlen(params) > 2 ? params + 1 : ")");
  printf("  %s\n", doc ? doc : lispy_is_function(v) ? "(no doc string)" : lispy_type_name(v));
}

static void rp_cmd_ctx(rp_Shell *sh, char *args) {
  ag_Backend *b = ag_runtime_backend(sh->rt);
  char *sub = rp_next_word(&args);
  if (!sub) {
    cJSON *d = b->describe(b->self);
    rp_print_json(sh, d);
    cJSON_Delete(d);
  } else if (strcmp(sub, "reset") == 0) {
    b->reset(b->self);
    ag_runtime_backend_changed(sh->rt);
    printf("context reset to its fixture\n");
  } else if (strcmp(sub, "set") == 0) {
    char *key = rp_next_word(&args);
    cJSON *v = key ? cJSON_Parse(args) : NULL;
    if (!v && key) v = cJSON_CreateString(args + strspn(args, " \t"));
    if (!key || strcmp(b->name, "mock")) {
      printf("usage: :ctx set KEY JSON (mock context only)\n");
    } else {
      ag_mock_set_field(b, key, v);
      ag_runtime_backend_changed(sh->rt);
      printf("context field %s set\n", key);
    }
    cJSON_Delete(v);
  } else if (strcmp(sub, "llm") == 0) {
    char *pattern = rp_next_word(&args);
    const char *reply = args + strspn(args, " \t");
    if (!pattern || !*reply) printf("usage: :ctx llm PATTERN REPLY\n");
    else {
      ag_mock_add_llm_rule(b, pattern, reply);
      printf("llm rule added: /%s/ -> %s\n", pattern, reply);
    }
  } else {
    printf("usage: :ctx [set KEY JSON | llm PATTERN REPLY | reset]\n");
  }
}

static void rp_cmd_trace(rp_Shell *sh, char *args) {
  char *w = rp_next_word(&args);
  if (w) sh->trace = strcmp(w, "on") == 0;
  printf("trace of context calls after :call is %s\n", sh->trace ? "on" : "off");
}

static void rp_cmd_time(rp_Shell *sh, char *args) {
  size_t before = lispy_memory_used(sh->L);
  double t0 = rp_ms();
  rp_shell_eval_text(sh, args, "<time>");
  double ms = rp_ms() - t0;
  long long mem = (long long)lispy_memory_used(sh->L) - (long long)before;
  rp_shell_printf_color(sh, RP_DIM, "time: %.3f ms, heap %+lld bytes\n", ms, mem);
}

static void rp_cmd_limits(rp_Shell *sh, char *args) {
  lispy_Limits l = ag_runtime_limits(sh->rt);
  for (char *k; (k = rp_next_word(&args));) {
    char *v = rp_next_word(&args);
    char why[300];
    if (!v) {
      printf("usage: :limits [fuel N] [memory BYTES] [depth N] [timeout SECONDS]\n");
      return;
    }
    if (!ag_limit_parse(&l, k, v, why, sizeof why)) { /* strict: nan, 1e19, 0.5 refused */
      printf("%s: %s\n", k, why);
      return;
    }
  }
  ag_runtime_set_limits(sh->rt, &l);
  printf("fuel %lld%s, memory %zu bytes%s, depth %zu, timeout %g s%s\n", (long long)l.fuel,
         l.fuel <= 0 ? " (unlimited)" : "", l.memory, l.memory ? "" : " (unlimited)", l.depth,
         l.timeout, l.timeout > 0 ? "" : " (none)");
}

/* Conformance cases, run in a runtime of their own so the shell's mock
** context is left as it is. */
static void rp_meta_test(rp_Shell *sh, char *args) {
  char *name = rp_next_word(&args);
  ag_Runtime *rt = rp_runtime(sh->opt);
  if (!rt) return;
  ag_ConfOptions co = {sh->opt->mock, stdout};
  ag_ConfReport r;
  ag_conformance_init(&r);
  for (size_t i = 0; i < ag_registry_count(sh->rt); i++) {
    ag_Agent *a = ag_registry_at(sh->rt, i);
    if (strcmp(a->path, "<repl>") == 0 || (name && (!a->name || strcmp(a->name, name)))) continue;
    ag_conformance_run_path(rt, a->path, &co, &r);
  }
  if (r.nfiles == 0 && r.failed == 0)
    printf("no conformance cases found%s%s\n", name ? " for " : "", name ? name : "");
  else ag_conformance_summary(stdout, &r);
  ag_conformance_free(&r);
  ag_runtime_free(rt);
}

static void rp_cmd_quit(rp_Shell *sh, char *args) {
  (void)args;
  sh->quit = true;
}

/* ========================================================================
** The table
** ======================================================================== */

/* clang-format off */
static const rp_Cmd rp_cmds[] = {
  {":help", "[CMD]", "this list, or more on one command", "Without CMD lists every command.", rp_cmd_help},
  {":agents", "", "table of agents: name, params, source, lint status",
   "Shell definitions come first and shadow file agents of the same name.", rp_cmd_agents},
  {":describe", "NAME", "descriptor, parameter table, run signature, context methods",
   "Shows types, defaults and required marks, the source path, run's parameters and the context methods the source calls.", rp_cmd_describe},
  {":call", "NAME ARGS", "call an agent; prints the envelope and context calls",
   "ARGS is JSON ({\"city\": \"Paris\"}), a LisPy dict ({:city \"Paris\"}) or key=value pairs (city=Paris).", rp_cmd_call},
  {":lint", "[NAME|FILE]", "show lint diagnostics", "Without an argument, for every agent; FILE loads and lints that file.", rp_cmd_lint},
  {":reload", "", "re-scan the folders; drop shell definitions", "Files added, changed (by content) or removed are reported.", rp_cmd_reload},
  {":load", "FILE", "evaluate a file here, or load an agent file",
   "An *_agent.lispy file becomes an agent of the shell; any other file is evaluated in the shell's environment.", rp_cmd_load},
  {":source", "NAME", "print an agent's source", "For agents typed at the prompt, the text that defined them.", rp_cmd_source},
  {":doc", "SYMBOL", "doc string and parameters of a function", "Works for builtins, prelude functions and your own definitions with doc strings.", rp_cmd_doc},
  {":ctx", "[set K V|llm P R|reset]", "show or change the mock context",
   ":ctx shows data fields, fixtures, store, logs and LLM rules; :ctx set KEY JSON sets a data field; :ctx llm PATTERN REPLY adds an LLM rule; :ctx reset restores the fixture.", rp_cmd_ctx},
  {":trace", "on|off", "show context calls after :call", "The trace lists method, arguments, result and duration.", rp_cmd_trace},
  {":time", "EXPR", "evaluate EXPR and show time and heap change", "Wall-clock milliseconds and the change in heap bytes.", rp_cmd_time},
  {":limits", "[fuel N ...]", "show or set fuel, memory, depth, timeout",
   "e.g. :limits fuel 1000000 memory 67108864 depth 5000 timeout 2 (0 means unlimited for fuel, memory and timeout).", rp_cmd_limits},
  {":test", "[NAME]", "run agents' conformance cases", "Runs NAME_agent.test.json beside each agent file (see docs/testing.md).", rp_meta_test},
  {":quit", "", "leave the shell (also Ctrl-D)", "History is saved in ~/.lispy_history.", rp_cmd_quit},
};
/* clang-format on */
static const size_t rp_ncmds = sizeof rp_cmds / sizeof rp_cmds[0];

static void rp_cmd_help(rp_Shell *sh, char *args) {
  char *cmd = rp_next_word(&args);
  for (size_t i = 0; cmd && i < rp_ncmds; i++)
    if (strcmp(rp_cmds[i].name + 1, cmd[0] == ':' ? cmd + 1 : cmd) == 0) {
      rp_shell_printf_color(sh, RP_BOLD, "%s %s\n", rp_cmds[i].name, rp_cmds[i].usage);
      printf("  %s\n  %s\n", rp_cmds[i].brief, rp_cmds[i].details);
      return;
    }
  if (cmd) printf("no command :%s\n", cmd);
  printf("Type LisPy forms to evaluate them; define AGENT and run to make an agent live.\n");
  for (size_t i = 0; i < rp_ncmds; i++)
    printf("  %-10s %-26s %s\n", rp_cmds[i].name, rp_cmds[i].usage, rp_cmds[i].brief);
  printf("Tab completes; *1 *2 *3 are recent results, *e the last error. :help CMD for more.\n");
}

const char *const rp_meta_names[] = {":help",   ":agents", ":describe", ":call", ":lint",
                                     ":reload", ":load",   ":source",   ":doc",  ":ctx",
                                     ":trace",  ":time",   ":limits",   ":test", ":quit"};
const size_t rp_meta_count = sizeof rp_meta_names / sizeof rp_meta_names[0];

void rp_shell_command(rp_Shell *sh, const char *line) {
  char *copy = rp_strdup(line);
  if (!copy) return;
  char *args = copy;
  char *name = rp_next_word(&args);
  size_t n = strlen(name);
  const rp_Cmd *found = NULL;
  int prefixes = 0;
  for (size_t i = 0; i < rp_ncmds; i++) { /* exact, else a unique prefix */
    if (strcmp(rp_cmds[i].name, name) == 0) {
      found = &rp_cmds[i];
      prefixes = 1;
      break;
    }
    if (strncmp(rp_cmds[i].name, name, n) == 0) {
      found = &rp_cmds[i];
      prefixes++;
    }
  }
  if (!found || prefixes != 1) printf("unknown command %s (:help lists them)\n", name);
  else found->fn(sh, args);
  free(copy);
}
