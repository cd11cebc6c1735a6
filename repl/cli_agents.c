/*
** cli_agents.c -- the agent subcommands of the lispy command line:
**
**   lispy call NAME '{"city":"Paris"}' | NAME city=Paris
**   lispy run FILE_agent.lispy ['{...}' | key=value...]
**   lispy lint [PATH...] [--format json]
**   lispy list
**   lispy tools [--format openai|json] [--strict]
**
** Common options: --agents DIR (repeatable; else LISPY_AGENTS_PATH, else
** ./agents), --mock FILE, --trace, and the limits of main.c.
*/
#include <assert.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agents.h"
#include "cli.h"

/* ========================================================================
** Set-up
** ======================================================================== */

/* Record one --agents folder. False, with the message printed, when
** AG_MAX_AGENT_DIRS are given already: the caller ends with status 2 (a
** usage error), so no folder is ever dropped silently. */
bool rp_agent_dir_add(rp_Options *o, const char *dir) {
  if (o->nagent_dirs == AG_MAX_AGENT_DIRS) {
    fprintf(stderr, "lispy: at most %d --agents folders (use fewer, or LISPY_AGENTS_PATH)\n",
            AG_MAX_AGENT_DIRS);
    return false;
  }
  o->agent_dirs[o->nagent_dirs++] = dir;
  return true;
}

/* Folders from --agents, else LISPY_AGENTS_PATH, else ./agents. */
void rp_add_dirs(ag_Runtime *rt, const rp_Options *o) {
  for (int i = 0; i < o->nagent_dirs; i++) ag_registry_add_dir(rt, o->agent_dirs[i]);
  if (o->nagent_dirs) return;
  const char *env = getenv("LISPY_AGENTS_PATH");
  if (!env || !*env) {
    ag_registry_add_dir(rt, "agents");
    return;
  }
  char *copy = rp_strdup(env);
  if (!copy) exit(1); /* going on without the folders would answer wrongly */
  for (char *save = NULL, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save))
    ag_registry_add_dir(rt, d);
  free(copy);
}

ag_Runtime *rp_runtime(const rp_Options *o) {
  ag_Runtime *rt = ag_runtime_new();
  if (!rt) {
    fprintf(stderr, "lispy: cannot start the runtime\n");
    return NULL;
  }
  ag_runtime_set_limits(rt, &o->limits);
  if (o->mock) {
    ag_Backend b;
    char *err = NULL;
    if (!ag_mock_load_file(o->mock, &b, &err)) {
      fprintf(stderr, "lispy: %s\n", err ? err : "bad mock fixture");
      free(err);
      ag_runtime_free(rt);
      return NULL;
    }
    ag_runtime_set_backend(rt, b);
  }
  return rt;
}

/* j on one line, or indented by 2 spaces when pretty. */
static void rp_print_json(const cJSON *j, bool pretty) {
  char *s = ag_json_print(j, pretty);
  printf("%s\n", s ? s : "null");
  free(s);
}

/* ========================================================================
** Arguments: JSON object, or key=value pairs typed by the schema
** ======================================================================== */

/* The declared type of a property ("string", ...), or NULL. */
static const char *rp_prop_type(const ag_Agent *a, const char *key) {
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(a ? a->descriptor : NULL, "parameters");
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(p, "properties"), key),
      "type");
  return cJSON_IsString(t) ? t->valuestring : NULL;
}

/* Up to 24 bytes of text at p for a message, control and non-ASCII bytes
** as '?', "..." when there is more: never the whole argument. */
static void rp_snippet(const char *p, char *out, size_t len) {
  size_t n = 0;
  assert(len > 28);
  for (; p[n] && n < 24; n++) out[n] = p[n] >= 0x20 && p[n] < 0x7f ? p[n] : '?';
  snprintf(out + n, len - n, "%s", p[n] ? "..." : "");
}

/* How deeply text's brackets nest, outside strings. */
static int rp_json_depth(const char *text) {
  int depth = 0, max = 0;
  bool in_string = false;
  for (const char *p = text; *p; p++) {
    if (in_string) {
      if (*p == '\\' && p[1]) p++;
      else if (*p == '"') in_string = false;
    } else if (*p == '"') {
      in_string = true;
    } else if (*p == '[' || *p == '{') {
      if (++depth > max) max = depth;
    } else if (*p == ']' || *p == '}') {
      depth--;
    }
  }
  return max;
}

/* False if a number in j is out of range (1e400 parses to inf). */
static bool rp_json_finite(const cJSON *j) {
  if (cJSON_IsNumber(j)) return isfinite(j->valuedouble);
  for (const cJSON *c = j ? j->child : NULL; c; c = c->next)
    if (!rp_json_finite(c)) return false;
  return true;
}

/* Parse one whole JSON text strictly: trailing text, nesting deeper than
** cJSON's limit and numbers out of range are errors, each said so (what
** names the argument: "arguments"). NULL with err set. */
static cJSON *rp_parse_json_strict(const char *text, const char *what, char *err, size_t errlen) {
  const char *end = NULL;
  char near[40];
  cJSON *j = cJSON_ParseWithOpts(text, &end, false);
  if (!j) {
    int depth = rp_json_depth(text);
    size_t at = end && end >= text ? (size_t)(end - text) : 0;
    rp_snippet(text + at, near, sizeof near);
    if (depth > CJSON_NESTING_LIMIT)
      snprintf(err, errlen, "%s: nested %d levels deep, and JSON arguments may nest at most %d",
               what, depth, CJSON_NESTING_LIMIT);
    else snprintf(err, errlen, "%s: not valid JSON (at byte %zu: '%s')", what, at, near);
    return NULL;
  }
  end += strspn(end, " \t\r\n");
  if (*end) {
    rp_snippet(end, near, sizeof near);
    snprintf(err, errlen, "%s: text after the JSON value (at byte %zu: '%s')", what,
             (size_t)(end - text), near);
  } else if (!rp_json_finite(j)) {
    snprintf(err, errlen, "%s: a number too large for a double (it would become infinity)", what);
  } else {
    return j;
  }
  cJSON_Delete(j);
  return NULL;
}

/* Whether j (NULL: text that is not JSON) has the JSON Schema type. */
static bool rp_json_has_type(const cJSON *j, const char *type) {
  if (strcmp(type, "integer") == 0)
    return cJSON_IsNumber(j) && j->valuedouble == (double)(long long)j->valuedouble;
  if (strcmp(type, "number") == 0) return cJSON_IsNumber(j);
  if (strcmp(type, "boolean") == 0) return cJSON_IsBool(j);
  if (strcmp(type, "array") == 0) return cJSON_IsArray(j);
  if (strcmp(type, "object") == 0) return cJSON_IsObject(j);
  if (strcmp(type, "null") == 0) return cJSON_IsNull(j);
  return true; /* a type lispy does not coerce to: validation decides */
}

/* A value for key=value: strings stay strings when the schema says so (or
** the text is not JSON); otherwise the text is parsed as one whole JSON
** value (42, true; "42abc" stays a string). NULL with err set when the
** text is JSON whose numbers are out of range. */
static cJSON *rp_kv_value(const ag_Agent *a, const char *key, const char *text, char *err,
                          size_t errlen) {
  const char *type = rp_prop_type(a, key);
  if (type && strcmp(type, "string") == 0) return cJSON_CreateString(text);
  cJSON *j = cJSON_ParseWithOpts(text, NULL, true);
  if (j && !rp_json_finite(j)) {
    cJSON_Delete(j);
    snprintf(err, errlen, "%.200s: a number too large for a double (it would become infinity)",
             key);
    return NULL;
  }
  if (type && !rp_json_has_type(j, type)) {
    char near[40];
    rp_snippet(text, near, sizeof near);
    snprintf(err, errlen, "%.200s=%s: the schema says %.200s is %s %s, and '%s' is not one", key,
             near, key, strchr("aeiou", type[0]) ? "an" : "a", type, near);
    cJSON_Delete(j);
    return NULL;
  }
  return j ? j : cJSON_CreateString(text);
}

cJSON *rp_parse_call_args(const ag_Agent *a, char **argv, int argc, char *err, size_t errlen) {
  if (argc == 1 && argv[0][strspn(argv[0], " \t\r\n")] == '{')
    return rp_parse_json_strict(argv[0], "arguments", err, errlen);
  cJSON *obj = cJSON_CreateObject();
  for (int i = 0; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    char near[40];
    if (!eq || eq == argv[i]) {
      rp_snippet(argv[i], near, sizeof near);
      snprintf(err, errlen, "expected key=value or a JSON object, got '%s'", near);
      cJSON_Delete(obj);
      return NULL;
    }
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(eq - argv[i]), argv[i]);
    cJSON *v = rp_kv_value(a, key, eq + 1, err, errlen);
    if (!v) {
      cJSON_Delete(obj);
      return NULL;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    cJSON_AddItemToObject(obj, key, v);
  }
  return obj;
}

/* ========================================================================
** Subcommands
** ======================================================================== */

/* Print envelope text (freeing it), indented on a terminal, as is (one
** line) when piped; the exit status of a call. */
static int rp_print_envelope(lispy_Text *env, bool ok) {
  char *pretty = env->data && isatty(STDOUT_FILENO) ? ag_json_reindent(env->data) : NULL;
  printf("%s\n", pretty ? pretty : env->data ? env->data : "null");
  free(pretty);
  free(env->data);
  return ok ? 0 : 1;
}

static int rp_finish_call(cJSON *env) {
  rp_print_json(env, isatty(STDOUT_FILENO));
  int rc = cJSON_IsTrue(cJSON_GetObjectItem(env, "ok")) ? 0 : 1;
  cJSON_Delete(env);
  return rc;
}

/* Scan the folders; with show_diags print every diagnostic to stderr,
** else only those about a folder itself (A004: missing, not a folder), so
** `list` or `call` on a mistyped --agents says why it finds nothing. */
void rp_scan(ag_Runtime *rt, bool show_diags) {
  ag_ScanReport r;
  ag_registry_scan(rt, &r);
  for (size_t i = 0; i < r.diags.n; i++)
    if (show_diags || strcmp(r.diags.items[i].code, "A004") == 0)
      ag_diag_print(stderr, &r.diags.items[i], false);
  ag_scan_report_free(&r);
}

/* An agent's display/print output under `lispy call` and `lispy run`:
** stderr, as it is written, so stdout holds the envelope only. */
static void rp_agent_output(void *ud, const char *s, size_t len) {
  (void)ud;
  fwrite(s, 1, len, stderr);
}

int rp_cli_call(ag_Runtime *rt, const rp_Options *o) {
  if (o->nargs < 1) {
    fprintf(stderr, "lispy: call needs an agent name (see lispy list)\n");
    return 2;
  }
  rp_scan(rt, false);
  ag_Agent *a = ag_registry_find(rt, o->args[0]);
  char err[512] = "";
  cJSON *args = rp_parse_call_args(a, o->args + 1, o->nargs - 1, err, sizeof err);
  if (!args) return rp_finish_call(ag_envelope_error("invalid_args", err));
  ag_CallOptions opt = {o->trace, rp_agent_output, NULL};
  lispy_Text out = {0};
  bool ok = ag_invoke_text(rt, o->args[0], args, &opt, &out);
  cJSON_Delete(args);
  return rp_print_envelope(&out, ok);
}

/* lispy run FILE_agent.lispy [args]: one agent, no registry. */
int rp_cmd_run_agent(const rp_Options *o) {
  ag_Runtime *rt = rp_runtime(o);
  if (!rt) return 1;
  ag_Agent *a = ag_agent_load_file(rt, o->files[0]);
  for (size_t i = 0; i < a->diags.n; i++) /* notes are for `lispy lint` */
    if (a->diags.items[i].severity != AG_NOTE) ag_diag_print(stderr, &a->diags.items[i], false);
  char err[512] = "";
  cJSON *args = rp_parse_call_args(a, o->files + 1, o->nfiles - 1, err, sizeof err);
  int rc;
  if (!args) {
    rc = rp_finish_call(ag_envelope_error("invalid_args", err));
  } else {
    ag_CallOptions opt = {o->trace, rp_agent_output, NULL};
    lispy_Text out = {0};
    bool ok = ag_invoke_agent_text(rt, a, args, &opt, &out);
    rc = rp_print_envelope(&out, ok);
    cJSON_Delete(args);
  }
  ag_agent_free(a);
  ag_runtime_free(rt);
  return rc;
}

static bool rp_is_dir(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* lint PATH...: files are loaded one by one, folders scanned. */
int rp_cli_lint(ag_Runtime *rt, const rp_Options *o) {
  ag_Diags all;
  ag_diags_init(&all);
  for (int i = 0; i < o->nargs; i++) {
    if (rp_is_dir(o->args[i])) {
      ag_registry_add_dir(rt, o->args[i]);
      continue;
    }
    ag_Agent *a = ag_agent_load_file(rt, o->args[i]);
    for (size_t k = 0; k < a->diags.n; k++) {
      const ag_Diag *g = &a->diags.items[k];
      ag_diags_add(&all, g->path, g->line, g->col, g->severity, g->code, g->hint, "%s", g->message);
    }
    ag_agent_free(a);
  }
  if (o->nargs == 0 || ag_registry_dir_count(rt) > 0) {
    ag_ScanReport r;
    ag_registry_scan(rt, &r);
    for (size_t k = 0; k < r.diags.n; k++) {
      const ag_Diag *g = &r.diags.items[k];
      ag_diags_add(&all, g->path, g->line, g->col, g->severity, g->code, g->hint, "%s", g->message);
    }
    ag_scan_report_free(&r);
  }
  if (o->format && strcmp(o->format, "json") == 0) {
    cJSON *j = ag_diags_json(&all);
    rp_print_json(j, o->pretty);
    cJSON_Delete(j);
  } else {
    for (size_t k = 0; k < all.n; k++)
      if (o->notes || all.items[k].severity != AG_NOTE) ag_diag_print(stdout, &all.items[k], false);
    size_t notes = ag_diags_count(&all, AG_NOTE);
    printf("%zu error(s), %zu warning(s), %zu note(s)%s\n", ag_diags_count(&all, AG_ERROR),
           ag_diags_count(&all, AG_WARNING), notes,
           notes && !o->notes ? " (--notes shows them)" : "");
  }
  int rc = ag_diags_count(&all, AG_ERROR) ? 1 : 0;
  ag_diags_free(&all);
  return rc;
}

/* "city (string, required), units (string)" */
void rp_param_summary(const ag_Agent *a, char *out, size_t len) {
  const cJSON *p = cJSON_GetObjectItemCaseSensitive(a->descriptor, "parameters");
  const cJSON *req = cJSON_GetObjectItemCaseSensitive(p, "required");
  const cJSON *prop;
  size_t n = 0;
  out[0] = '\0';
  cJSON_ArrayForEach(prop, cJSON_GetObjectItemCaseSensitive(p, "properties")) {
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(prop, "type");
    bool required = false;
    const cJSON *r;
    cJSON_ArrayForEach(r, req) required |=
        cJSON_IsString(r) && strcmp(r->valuestring, prop->string) == 0;
    n +=
        (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s (%s%s)", n ? ", " : "", prop->string,
                         cJSON_IsString(t) ? t->valuestring : "any", required ? ", required" : "");
    if (n >= len) break;
  }
}

static const char *rp_status(ag_Runtime *rt, ag_Agent *a) {
  if (!ag_agent_ok(a)) return ag_diags_count(&a->diags, AG_ERROR) ? "error" : "broken";
  ag_Agent *found = ag_registry_find(rt, a->name);
  if (!found) return "duplicate name"; /* A003: two files declare it */
  if (found != a) return "shadowed";
  return ag_diags_count(&a->diags, AG_WARNING) ? "ok (warnings)" : "ok";
}

int rp_cli_list(ag_Runtime *rt, const rp_Options *o) {
  (void)o;
  rp_scan(rt, false);
  printf("%-24s %-44s %-36s %s\n", "NAME", "PARAMS", "FILE", "STATUS");
  for (size_t i = 0; i < ag_registry_count(rt); i++) {
    ag_Agent *a = ag_registry_at(rt, i);
    char params[512], name[512], path[1024], plain[512];
    rp_param_summary(a, params, sizeof params);
    ag_plain_text(params, plain, sizeof plain); /* names and paths are the agent's: no controls */
    ag_plain_text(a->name ? a->name : "?", name, sizeof name);
    ag_plain_text(a->path, path, sizeof path);
    printf("%-24s %-44s %-36s %s\n", name, plain, path, rp_status(rt, a));
  }
  printf("%zu agent(s) in %zu folder(s)\n", ag_registry_count(rt), ag_registry_dir_count(rt));
  return 0;
}

int rp_cli_tools(ag_Runtime *rt, const rp_Options *o) {
  rp_scan(rt, false);
  bool json = o->format && strcmp(o->format, "json") == 0;
  cJSON *arr = cJSON_CreateArray();
  for (size_t i = 0; i < ag_registry_count(rt); i++) {
    ag_Agent *a = ag_registry_at(rt, i);
    if (!ag_agent_ok(a) || ag_registry_find(rt, a->name) != a) continue;
    cJSON_AddItemToArray(arr,
                         json ? cJSON_Duplicate(a->descriptor, 1) : ag_agent_tool(a, o->strict));
  }
  char *s = ag_json_print(arr, isatty(STDOUT_FILENO));
  cJSON_Delete(arr);
  if (!s) {
    rp_out_of_memory();
    return 1;
  }
  printf("%s\n", s);
  free(s);
  return 0;
}

static bool rp_in_list(char **list, size_t n, const char *path) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(list[i], path) == 0) return true;
  return false;
}

/* "added   PATH": file names are the folder's, so their controls are escaped. */
static void rp_print_change(const char *what, const char *path) {
  char plain[2048];
  ag_plain_text(path, plain, sizeof plain);
  printf("%s %s\n", what, plain);
}

/* What changed, with the problems of the files that changed. */
static void rp_print_report(const ag_ScanReport *r) {
  for (size_t i = 0; i < r->nadded; i++) rp_print_change("added  ", r->added[i]);
  for (size_t i = 0; i < r->nchanged; i++) rp_print_change("changed", r->changed[i]);
  for (size_t i = 0; i < r->nremoved; i++) rp_print_change("removed", r->removed[i]);
  for (size_t i = 0; i < r->diags.n; i++) {
    const ag_Diag *g = &r->diags.items[i];
    bool fresh =
        rp_in_list(r->added, r->nadded, g->path) || rp_in_list(r->changed, r->nchanged, g->path);
    if (g->severity != AG_NOTE && (fresh || strcmp(g->code, "A003") == 0))
      ag_diag_print(stdout, g, false);
  }
  fflush(stdout);
}

/* lispy watch: re-scan whenever a file in the folders changes (inotify),
** printing what was added, changed or removed; until interrupted. */
int rp_cli_watch(ag_Runtime *rt, const rp_Options *o) {
  (void)o;
  ag_ScanReport r;
  ag_registry_scan(rt, &r);
  rp_print_report(&r);
  printf("watching %zu folder(s), %zu agent(s); Ctrl-C stops\n", ag_registry_dir_count(rt),
         ag_registry_count(rt));
  fflush(stdout);
  ag_scan_report_free(&r);
  int fd = ag_registry_watch_open(rt);
  if (fd < 0) {
    perror("lispy: inotify");
    return 1;
  }
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, -1) < 0) break;
    bool relevant = ag_registry_watch_drain(fd);
    usleep(50000); /* let an editor finish writing, then take it all */
    relevant |= ag_registry_watch_drain(fd);
    if (!relevant) continue;
    ag_registry_scan(rt, &r);
    rp_print_report(&r);
    ag_scan_report_free(&r);
  }
  close(fd);
  return 0;
}

int rp_agents_main(const rp_Options *o) {
  ag_Runtime *rt = rp_runtime(o);
  if (!rt) return 1;
  bool explicit_paths =
      (strcmp(o->command, "lint") == 0 || strcmp(o->command, "test") == 0) && o->nargs > 0;
  if (!explicit_paths) rp_add_dirs(rt, o);
  const rp_Command *c = rp_command_find(o->command); /* the table's handler */
  int rc = c && c->handler ? c->handler(rt, o) : 2;
  ag_runtime_free(rt);
  return rc;
}
