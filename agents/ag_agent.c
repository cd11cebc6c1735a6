/*
** ag_agent.c -- loading one agent: evaluate its file in a private
** environment, find the descriptor and run function in whichever of the
** three styles it is written, compile its schema and lint it.
*/
#include <stdlib.h>
#include <string.h>

#include "ag_internal.h"
#include "ag_schema.h"

/* ========================================================================
** Reading globals
** ======================================================================== */

/* A global defined in the agent's own environment (not a builtin). */
static bool ag_own_global(ag_Runtime *rt, ag_Agent *a, const char *name, lispy_Value *out) {
  return lispy_env_get_own(rt->L, a->env, name, out);
}

cJSON *ag_descriptor_json(ag_Runtime *rt, lispy_Value v, char *why, size_t whylen) {
  lispy_set_json_cap(rt->L, AG_MAX_DESCRIPTOR_BYTES);
  cJSON *j = lispy_to_json(rt->L, v, why, whylen);
  lispy_set_json_cap(rt->L, AG_MAX_RESULT_BYTES); /* the runtime's cap (ag_runtime_new) */
  return j;
}

/* The descriptor JSON of the agent's own global name: *present says
** whether it is defined; NULL when absent or when it does not convert
** (the reason is dropped). The caller owns the result. */
static cJSON *ag_global_json(ag_Runtime *rt, ag_Agent *a, const char *name, bool *present) {
  lispy_Value v;
  *present = ag_own_global(rt, a, name, &v);
  if (!*present) return NULL;
  char why[200];
  return ag_descriptor_json(rt, v, why, sizeof why);
}

/* Legacy style: agent-name, agent-description, agent-parameters (a dict of
** name -> description, all strings, none required). */
static cJSON *ag_legacy_descriptor(ag_Runtime *rt, ag_Agent *a) {
  bool has_name, has_desc, has_params;
  cJSON *name = ag_global_json(rt, a, "agent-name", &has_name);
  cJSON *desc = ag_global_json(rt, a, "agent-description", &has_desc);
  cJSON *params = ag_global_json(rt, a, "agent-parameters", &has_params);
  if (!has_name && !has_desc && !has_params) return NULL;
  cJSON *d = cJSON_CreateObject();
  if (name) cJSON_AddItemToObject(d, "name", name);
  if (desc) cJSON_AddItemToObject(d, "description", desc);
  cJSON *schema = cJSON_AddObjectToObject(d, "parameters");
  cJSON_AddStringToObject(schema, "type", "object");
  cJSON *props = cJSON_AddObjectToObject(schema, "properties");
  const cJSON *p;
  cJSON_ArrayForEach(p, params) {
    cJSON *ps = cJSON_AddObjectToObject(props, p->string ? p->string : "");
    cJSON_AddStringToObject(ps, "type", "string");
    if (cJSON_IsString(p)) cJSON_AddStringToObject(ps, "description", p->valuestring);
  }
  cJSON_AddItemToObject(schema, "required", cJSON_CreateArray());
  cJSON_Delete(params);
  return d;
}

/* ========================================================================
** The run function
** ======================================================================== */

/* basic_agent.lispy -> "basic-agent-run" */
static void ag_stem_run_name(const char *path, char *out, size_t len) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strcspn(base, ".");
  snprintf(out, len, "%.*s-run", (int)n, base);
  for (char *c = out; *c; c++)
    if (*c == '_') *c = '-';
}

/* Record run's parameter names after the context: the names of its
** parameter list as written (a LisPy function's only). */
static void ag_run_params(ag_Agent *a, lispy_Value run) {
  lispy_Value params = lispy_fn_params(run);
  int64_t n = lispy_list_length(params);
  if (n <= 1) return;
  a->run_params = calloc((size_t)n, sizeof(char *));
  lispy_Value it = lispy_cdr(params);
  for (; lispy_type(it) == LISPY_TPAIR; it = lispy_cdr(it))
    a->run_params[a->nrun_params++] = strdup(lispy_to_cstring(lispy_car(it), NULL));
  lispy_fn_nparams(run, &a->run_rest);
}

/* Find the run function: "run", else the legacy names "agent-run" and
** "STEM-run" (marking a->legacy). When it is a function, hold it with a
** lispy reference (run_ref, released by ag_agent_free) and, for the
** current style, record its parameter names. */
static void ag_find_run(ag_Runtime *rt, ag_Agent *a) {
  lispy_Value run;
  bool found = ag_own_global(rt, a, "run", &run);
  if (!found) {
    char stem[256];
    ag_stem_run_name(a->path, stem, sizeof stem);
    found = ag_own_global(rt, a, "agent-run", &run) || ag_own_global(rt, a, stem, &run);
    a->legacy = found;
  }
  if (!found || !lispy_is_function(run)) return;
  a->run_ref = lispy_ref(rt->L, run);
  a->run = run;
  if (!a->legacy) ag_run_params(a, run);
}

/* ========================================================================
** Loading
** ======================================================================== */

/* Error A001 for a file whose evaluation failed, at the error's position
** (1:1 when it has none), with the lispy error message. */
static void ag_load_error(ag_Runtime *rt, ag_Agent *a) {
  lispy_Value e = lispy_last_error(rt->L);
  int line = 1, col = 1;
  lispy_SrcPos at = lispy_error_pos(e);
  if (at.line) {
    line = (int)at.line;
    col = at.col;
  }
  ag_diags_add(&a->diags, a->path, line, col, AG_ERROR, "A001",
               "fix the error; the other agents still load", "agent file failed to load: %s",
               lispy_error_message(e));
}

/* Why this host cannot run the agent ("agent needs context version 3;
** ..."), from requires_context_version and requires; NULL when it can.
** Fixed by the descriptor, so worked out once at load (malloc'd). */
static char *ag_incompatibility(const cJSON *descriptor) {
  char msg[300];
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(descriptor, "requires_context_version");
  if (cJSON_IsNumber(v) && v->valuedouble > AG_CONTEXT_VERSION) {
    snprintf(msg, sizeof msg, "agent needs context version %g; this host provides %d",
             v->valuedouble, AG_CONTEXT_VERSION);
    return strdup(msg);
  }
  const cJSON *m;
  cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(descriptor, "requires")) {
    const ag_MethodSpec *spec = cJSON_IsString(m) ? ag_context_method(m->valuestring) : NULL;
    if (spec && spec->version <= AG_CONTEXT_VERSION) continue;
    snprintf(msg, sizeof msg, "agent requires context method %.200s, which this host lacks",
             cJSON_IsString(m) ? m->valuestring : "?");
    return strdup(msg);
  }
  return NULL;
}

/* After evaluation: the descriptor (AGENT, else DESCRIPTOR, else the
** legacy globals), its name, why the host cannot run it, its compiled
** parameters schema (compile errors are left to lint) and the run
** function. Each piece may be missing; lint reports that. */
static void ag_extract(ag_Runtime *rt, ag_Agent *a) {
  bool present;
  a->descriptor = ag_global_json(rt, a, "AGENT", &present);
  if (!present) a->descriptor = ag_global_json(rt, a, "DESCRIPTOR", &present);
  if (!present) a->descriptor = ag_legacy_descriptor(rt, a);
  const cJSON *name = cJSON_GetObjectItemCaseSensitive(a->descriptor, "name");
  if (cJSON_IsString(name)) a->name = strdup(name->valuestring);
  const cJSON *params = cJSON_GetObjectItemCaseSensitive(a->descriptor, "parameters");
  a->incompatible = ag_incompatibility(a->descriptor);
  if (cJSON_IsObject(params)) {
    ag_SchemaErrors errs;
    ag_schema_errors_init(&errs);
    a->schema = ag_schema_compile(params, &errs);
    ag_schema_errors_free(&errs);
  }
  ag_find_run(rt, a);
}

/* A fresh agent for path: nothing loaded yet, no references held. */
static ag_Agent *ag_agent_new(ag_Runtime *rt, const char *path) {
  ag_Agent *a = calloc(1, sizeof *a);
  a->L = rt->L;
  a->path = strdup(path);
  a->run_ref = -1;
  a->ctx_ref = -1;
  ag_diags_init(&a->diags);
  return a;
}

/* Evaluate src in a new environment the agent owns, with rt->loading set
** so host effects are refused at top level, then extract and lint. On an
** evaluation error only A001 and the A407 effect lint are added. Never
** NULL; the caller frees it with ag_agent_free (or hands it to the
** registry). */
ag_Agent *ag_agent_load_source(ag_Runtime *rt, const char *src, size_t len, const char *path) {
  ag_Agent *a = ag_agent_new(rt, path);
  a->hash = ag_hash_bytes(src, len);
  a->env = lispy_env_new(rt->L, path);
  a->owns_env = true;
  ag_Agent *outer = rt->loading;
  rt->loading = a; /* the top level runs: no invoke, no context */
  int rc = lispy_eval_string(rt->L, a->env, src, len, path, NULL);
  rt->loading = outer;
  if (rc != LISPY_OK) {
    ag_load_error(rt, a);
    ag_lint_effects(rt, a, src, len);
    return a;
  }
  ag_extract(rt, a);
  ag_lint(rt, a, src, len);
  return a;
}

/* Extract and lint an agent from env, which is borrowed (owns_env false):
** the caller keeps env alive as long as the agent and frees it. */
ag_Agent *ag_agent_from_env(ag_Runtime *rt, lispy_Env *env, const char *src, size_t len,
                            const char *path) {
  ag_Agent *a = ag_agent_new(rt, path);
  a->hash = ag_hash_bytes(src, len);
  a->env = env;
  ag_extract(rt, a);
  ag_lint(rt, a, src, len);
  return a;
}

ag_Agent *ag_agent_unreadable(ag_Runtime *rt, const char *path, const char *why) {
  ag_Agent *a = ag_agent_new(rt, path);
  a->hash = ag_hash_bytes(why, strlen(why)); /* the same failure is no change */
  ag_diags_add(&a->diags, path, 0, 0, AG_ERROR, "A002",
               "agents are regular files (symlinks to them are followed) of at most the size cap",
               "cannot read the agent file: %s", why);
  return a;
}

/* Read path (at most AG_MAX_AGENT_FILE_BYTES) and load it; an unreadable
** file gives an agent carrying error A002. Never NULL. */
ag_Agent *ag_agent_load_file(ag_Runtime *rt, const char *path) {
  size_t len;
  char why[600];
  char *src = ag_read_file_why(path, AG_MAX_AGENT_FILE_BYTES, &len, why, sizeof why);
  if (!src) return ag_agent_unreadable(rt, path, why);
  ag_Agent *a = ag_agent_load_source(rt, src, len, path);
  free(src);
  return a;
}

/* Release the lispy references, the environment when owned (its values
** go at the next GC) and every malloc'd field; NULL is allowed. */
void ag_agent_free(ag_Agent *a) {
  if (!a) return;
  if (a->run_ref >= 0) lispy_unref(a->L, a->run_ref);
  if (a->ctx_ref >= 0) lispy_unref(a->L, a->ctx_ref);
  if (a->owns_env) lispy_env_free(a->L, a->env); /* the next GC frees its globals */
  free(a->name);
  free(a->path);
  free(a->incompatible);
  cJSON_Delete(a->descriptor);
  for (int i = 0; i < a->nrun_params; i++) free(a->run_params[i]);
  free(a->run_params);
  ag_schema_free(a->schema);
  ag_diags_free(&a->diags);
  free(a);
}

bool ag_agent_ok(const ag_Agent *a) {
  return a->name && a->run_ref >= 0 && ag_diags_count(&a->diags, AG_ERROR) == 0;
}
