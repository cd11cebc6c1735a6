/*
** shell_cmd_agents.c -- the shell's agent commands: :agents, :describe,
** :call, :lint, :reload, :load, :source, :test.
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>

#include "shell.h"

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

void rp_cmd_agents(rp_Shell *sh, char *args) {
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
    char *dv = d ? ag_json_print(d, false) : NULL;
    printf("  %-16s %-10s %-4s %-12s %s\n", prop->string,
           cJSON_IsString(t) ? t->valuestring : "any", required ? "yes" : "", dv ? dv : "",
           cJSON_IsString(desc) ? desc->valuestring : "");
    free(dv);
  }
}

/* Context methods the agent's source calls, found by scanning it (the
** typed text for a prompt agent). */
static void rp_methods_used(rp_Shell *sh, const ag_Agent *a) {
  size_t n;
  char why[600];
  rp_Defined *d = strcmp(a->path, "<repl>") == 0 ? rp_defined_find(sh, a->name) : NULL;
  char *src = d ? rp_strdup(d->src) : rp_agent_source(a, why, sizeof why);
  const ag_MethodSpec *m = ag_context_methods(&n);
  printf("  context methods used:");
  int used = 0;
  for (size_t i = 0; src && i < n; i++)
    if (strstr(src, m[i].lispy_name)) printf("%s %s", used++ ? "," : "", m[i].lispy_name);
  printf("%s\n", used ? "" : src ? " none" : " (source not on disk)");
  free(src);
}

void rp_cmd_describe(rp_Shell *sh, char *args) {
  char *name = rp_next_word(&args);
  if (!name) {
    printf("usage: :describe NAME\n");
    return;
  }
  ag_Agent *a = rp_agent_arg(sh, name);
  if (!a) return;
  const cJSON *desc = cJSON_GetObjectItemCaseSensitive(a->descriptor, "description");
  rp_shell_printf_color(sh, RP_BOLD, "%s", a->name);
  printf(" -- %s\n  source: %s\n", cJSON_IsString(desc) ? desc->valuestring : "", a->path);
  rp_param_table(sh, a);
  printf("  run: (run context");
  if (a->legacy) printf(" kwargs");
  for (int i = 0; i < a->nrun_params; i++) printf(" %s", a->run_params[i]);
  printf(")%s\n", a->legacy ? "   [legacy style]" : "");
  rp_methods_used(sh, a);
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
    for (char *w; (w = rp_next_word(&args));) {
      if (argc == 64) {
        snprintf(err, errlen, "too many arguments: at most 64 key=value pairs");
        return NULL;
      }
      argv[argc++] = w;
    }
  return rp_parse_call_args(a, argv, argc, err, errlen);
}

/* The text that holds file's code: a prompt input, or the file read
** again (malloc'd; NULL when neither). */
static char *rp_code_text(rp_Shell *sh, const char *file) {
  const char *held = rp_input_text(sh, file);
  if (held) return rp_strdup(held);
  char why[256];
  size_t len;
  return file && *file != '<'
             ? ag_read_file_why(file, AG_MAX_AGENT_FILE_BYTES, &len, why, sizeof why)
             : NULL;
}

/* A failed call's envelope shown as the prompt shows an error: the
** message (with its file:line:col), the line of code with a caret under
** the column, and the LisPy stack; or, for a call the host refused
** (invalid_args ...), the message and one line per problem. Scripted,
** it goes to stderr and the shell's exit status says an input failed. */
static void rp_show_call_error(rp_Shell *sh, const cJSON *env) {
  const cJSON *e = cJSON_GetObjectItemCaseSensitive(env, "error");
  const cJSON *kind = cJSON_GetObjectItemCaseSensitive(e, "kind");
  const cJSON *msg = cJSON_GetObjectItemCaseSensitive(e, "message");
  const cJSON *text = cJSON_GetObjectItemCaseSensitive(e, "text");
  const cJSON *at = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "trace"), 0);
  sh->failed = true;
  if (!sh->tty) fflush(stdout); /* results so far keep their order */
  sh->to = sh->tty ? stdout : stderr;
  rp_shell_printf_color(sh, RP_RED, "error: %s\n", cJSON_IsString(kind) ? kind->valuestring : "?");
  if (cJSON_IsString(text)) {
    const char *t = text->valuestring, *nl = strchr(t, '\n');
    rp_shell_printf_color(sh, RP_RED, "%.*s\n", (int)(nl ? nl - t : (ptrdiff_t)strlen(t)), t);
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(at, "file");
    const cJSON *line = cJSON_GetObjectItemCaseSensitive(at, "line");
    const cJSON *col = cJSON_GetObjectItemCaseSensitive(at, "col");
    char *src = cJSON_IsString(file) ? rp_code_text(sh, file->valuestring) : NULL;
    if (src && cJSON_IsNumber(line) && cJSON_IsNumber(col))
      rp_show_caret(sh, src, line->valueint, col->valueint);
    free(src);
    if (nl) rp_shell_printf_color(sh, RP_DIM, "%s\n", nl + 1);
  } else {
    rp_shell_printf_color(sh, RP_RED, "%s\n", cJSON_IsString(msg) ? msg->valuestring : "?");
  }
  rp_shell_printf_color(sh, RP_DIM, "(*1 holds the envelope; :call --json shows it)\n");
  sh->to = NULL;
}

/* The context calls the agent made, one compact line each. */
static void rp_show_context_calls(rp_Shell *sh, const cJSON *trace) {
  const cJSON *c;
  if (cJSON_GetArraySize(trace) > 0) rp_shell_printf_color(sh, RP_DIM, "context calls:\n");
  cJSON_ArrayForEach(c, trace) {
    char *s = ag_json_print(c, false);
    if (s) rp_shell_printf_color(sh, RP_DIM, "  %s\n", s);
    else rp_out_of_memory();
    free(s);
  }
}

/* :call [--json] NAME ARGS. The agent's output shows as it is produced;
** then "ok" and the value, or the error as the prompt shows errors; then
** the context calls (:trace on). The envelope (with its "trace" when
** :trace is on) becomes *1, and --json prints it whole instead. */
void rp_cmd_call(rp_Shell *sh, char *args) {
  char *name = rp_next_word(&args);
  bool json = name && strcmp(name, "--json") == 0;
  if (json) name = rp_next_word(&args);
  if (!name) {
    printf("usage: :call [--json] NAME [JSON | {:k v} | key=value ...]\n");
    return;
  }
  ag_Agent *a = rp_agent_arg(sh, name);
  if (!a) return;
  char err[512] = "";
  cJSON *j = rp_call_args(sh, a, args, err, sizeof err);
  if (!j) {
    rp_shell_printf_color(sh, RP_RED, "%s\n", err);
    return;
  }
  ag_CallOptions opt = {.trace = true};
  cJSON *state = rp_defined_call_begin(sh, a);
  cJSON *env = ag_invoke_agent(sh->rt, a, j, &opt);
  rp_defined_call_end(sh, a, j, state, env);
  if (!sh->trace) cJSON_DeleteItemFromObject(env, "trace");
  bool ok = cJSON_IsTrue(cJSON_GetObjectItem(env, "ok"));
  if (rp_sigint && sh->tty) sh->output_open = true; /* end the echoed ^C's line */
  rp_shell_output_end(sh);                          /* the agent's display output came first */
  if (json) {
    rp_print_json(sh, env);
  } else if (ok) {
    rp_shell_printf_color(sh, RP_GREEN, "ok\n");
    rp_print_json(sh, cJSON_GetObjectItem(env, "value"));
  } else {
    rp_show_call_error(sh, env);
  }
  if (!json) rp_show_context_calls(sh, cJSON_GetObjectItem(env, "trace"));
  lispy_Value v;
  if (lispy_from_json(sh->L, env, &v) == LISPY_OK) rp_shell_remember(sh, v);
  cJSON_Delete(env);
  cJSON_Delete(j);
}

void rp_cmd_lint(rp_Shell *sh, char *args) {
  char *what = rp_next_word(&args);
  size_t shown = 0;
  if (what && strstr(what, ".lispy")) {
    ag_Agent *a = ag_agent_load_file(sh->rt, what);
    rp_shell_print_diags(sh, &a->diags, NULL);
    shown = a->diags.n;
    ag_agent_free(a);
  } else {
    if (what && !ag_registry_find(sh->rt, what)) {
      bool any = false; /* a broken file or a duplicate has its name, unregistered */
      for (size_t i = 0; i < ag_registry_count(sh->rt); i++)
        any |= ag_registry_at(sh->rt, i)->name && !strcmp(ag_registry_at(sh->rt, i)->name, what);
      if (!any) return (void)rp_agent_arg(sh, what);
    }
    for (size_t i = 0; i < ag_registry_count(sh->rt); i++) {
      ag_Agent *a = ag_registry_at(sh->rt, i);
      if (what && (!a->name || strcmp(a->name, what))) continue;
      rp_shell_print_diags(sh, &a->diags, NULL); /* a prompt agent's point into its inputs */
      shown += a->diags.n;
    }
  }
  printf("%zu diagnostic%s\n", shown, shown == 1 ? "" : "s");
}

void rp_cmd_reload(rp_Shell *sh, char *args) {
  (void)args;
  size_t dropped = ag_registry_remove_defined(sh->rt);
  rp_defined_clear(sh);
  free(sh->desc_src), free(sh->run_src); /* a later run must not revive them */
  sh->desc_src = sh->run_src = NULL;
  sh->desc_name[0] = '\0';
  ag_ScanReport r;
  ag_registry_scan(sh->rt, &r);
  printf("reloaded: %zu added, %zu changed, %zu removed, %zu broken; %zu agents; %zu prompt "
         "agent%s dropped\n",
         r.nadded, r.nchanged, r.nremoved, r.nbroken, ag_registry_count(sh->rt), dropped,
         dropped == 1 ? "" : "s");
  ag_scan_report_free(&r);
}

/* The registered agent loaded from path, or NULL. */
static ag_Agent *rp_agent_at_path(rp_Shell *sh, const char *path) {
  for (size_t i = 0; i < ag_registry_count(sh->rt); i++)
    if (strcmp(ag_registry_at(sh->rt, i)->path, path) == 0) return ag_registry_at(sh->rt, i);
  return NULL;
}

/* One line for a file the watcher saw change: "reloaded NAME (PATH)",
** "added ...", or its diagnostics and "NAME is broken until fixed". */
static void rp_watch_line(rp_Shell *sh, const char *what, const char *path, const char *old_name,
                          const ag_ScanReport *r) {
  ag_Agent *a = rp_agent_at_path(sh, path);
  char plain[2048];
  ag_plain_text(path, plain, sizeof plain);
  if (a && ag_agent_ok(a)) {
    rp_shell_printf_color(sh, RP_CYAN, "%s %s", what, a->name);
    printf(" (%s)%s\n", plain,
           ag_registry_find(sh->rt, a->name) != a ? ", shadowed by the prompt's definition" : "");
    return;
  }
  for (size_t i = 0; i < r->diags.n; i++)
    if (strcmp(r->diags.items[i].path, path) == 0 && r->diags.items[i].severity != AG_NOTE)
      ag_diag_print(stdout, &r->diags.items[i], sh->color);
  const char *name = a && a->name ? a->name : old_name;
  rp_shell_printf_color(sh, RP_RED, "%s is broken until fixed (%s)\n", name ? name : "the agent",
                        plain);
}

/* The agent name path had before the scan (names[i] is paths[i]'s). */
static const char *rp_name_before(char **names, char **paths, size_t n, const char *path) {
  for (size_t k = 0; names && paths && k < n; k++)
    if (paths[k] && strcmp(paths[k], path) == 0) return names[k];
  return NULL;
}

bool rp_shell_rescan(rp_Shell *sh) {
  size_t n = ag_registry_count(sh->rt); /* names by path, known only before the scan */
  char **names = n ? rp_calloc(n, sizeof *names) : NULL;
  char **paths = n ? rp_calloc(n, sizeof *paths) : NULL;
  for (size_t i = 0; names && paths && i < n; i++) {
    ag_Agent *a = ag_registry_at(sh->rt, i);
    names[i] = a->name ? rp_strdup(a->name) : NULL;
    paths[i] = rp_strdup(a->path);
  }
  ag_ScanReport r;
  ag_registry_scan(sh->rt, &r);
  bool any = r.nadded || r.nchanged || r.nremoved;
  for (size_t i = 0; i < r.nchanged; i++)
    rp_watch_line(sh, "reloaded", r.changed[i], rp_name_before(names, paths, n, r.changed[i]), &r);
  for (size_t i = 0; i < r.nadded; i++) rp_watch_line(sh, "added", r.added[i], NULL, &r);
  for (size_t i = 0; i < r.nremoved; i++) {
    const char *name = rp_name_before(names, paths, n, r.removed[i]);
    char plain[2048];
    ag_plain_text(r.removed[i], plain, sizeof plain);
    rp_shell_printf_color(sh, RP_CYAN, "removed %s", name ? name : "agent");
    printf(" (%s)\n", plain);
  }
  ag_scan_report_free(&r);
  for (size_t i = 0; names && paths && i < n; i++) free(names[i]), free(paths[i]);
  free(names), free(paths);
  return any;
}

/* Load one agent file into the shell (it shadows a file agent of its name
** until :reload); false when it has errors (printed). */
static bool rp_load_agent(rp_Shell *sh, const char *path) {
  ag_Agent *a = ag_agent_load_file(sh->rt, path);
  rp_shell_print_diags(sh, &a->diags, NULL);
  if (!ag_agent_ok(a)) {
    ag_agent_free(a);
    return false;
  }
  printf("agent %s loaded from %s\n", a->name, path);
  ag_registry_put(sh->rt, a);
  return true;
}

/* :load DIR: the agent files a scan of it would load, in name order, and
** a count. */
static void rp_load_folder(rp_Shell *sh, const char *dir) {
  size_t n;
  char **paths;
  if (!ag_agent_files(dir, &paths, &n))
    return (void)printf("cannot open folder %s: %s\n", dir, strerror(errno));
  size_t loaded = 0;
  for (size_t i = 0; i < n; i++) {
    loaded += rp_load_agent(sh, paths[i]);
    free(paths[i]);
  }
  free(paths);
  printf("%s is a folder: loaded %zu of its %zu agent file%s", dir, loaded, n, n == 1 ? "" : "s");
  printf("%s\n", n ? " (they shadow file agents of the same names until :reload)" : "");
}

void rp_cmd_load(rp_Shell *sh, char *args) {
  char *path = rp_next_word(&args);
  if (!path) {
    printf("usage: :load FILE|DIR\n");
    return;
  }
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return rp_load_folder(sh, path);
  if (ag_is_agent_file(path)) {
    rp_load_agent(sh, path);
    return;
  }
  if (lispy_eval_file(sh->L, sh->env, path, NULL) != LISPY_OK) rp_shell_print_error(sh, NULL);
  else printf("loaded %s\n", path);
}

void rp_cmd_source(rp_Shell *sh, char *args) {
  char *name = rp_next_word(&args);
  if (!name) {
    printf("usage: :source NAME\n");
    return;
  }
  ag_Agent *a = rp_agent_arg(sh, name);
  if (!a) return;
  rp_Defined *d = rp_defined_find(sh, a->name);
  if (d && strcmp(a->path, "<repl>") == 0) {
    printf("%s\n", d->src);
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


void rp_meta_test(rp_Shell *sh, char *args) {
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
