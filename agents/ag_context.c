/*
** ag_context.c -- the context interface, declared once, and its LisPy
** bindings. Every method is a row of ag_methods; the bindings
** (context-llm ...), the version checks, completions and docs all read it.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ag_internal.h"

/* ========================================================================
** The interface
** ======================================================================== */

/* clang-format off */
static const ag_MethodSpec ag_methods[] = {
  {"llm", "context-llm", "(ctx prompt)", 1, 1, "string", 1,
   "Ask the language model; returns its reply as a string."},
  {"fetch_thread", "context-fetch-thread", "(ctx thread-id)", 1, 1, "dict", 1,
   "Fetch a discussion thread by id (title, posts, ...)."},
  {"fetch_post", "context-fetch-post", "(ctx post-id)", 1, 1, "dict", 1,
   "Fetch one post by id."},
  {"fetch_agent", "context-fetch-agent", "(ctx agent-id)", 1, 1, "dict", 1,
   "Fetch another agent's public profile by id."},
  {"fetch_record", "context-fetch-record", "(ctx record-id)", 1, 1, "dict", 1,
   "Fetch a stored record by id."},
  {"save", "context-save", "(ctx key value)", 2, 2, "boolean", 1,
   "Persist a JSON value under key in the agent's store; returns #t."},
  {"load", "context-load", "(ctx key [default])", 1, 2, "any", 1,
   "Load the value saved under key, or default (nil) when absent."},
  {"log", "context-log", "(ctx message [level])", 1, 2, "nil", 1,
   "Record a log line (level: \"info\" by default) the host can show."},
};
/* clang-format on */

const ag_MethodSpec *ag_context_methods(size_t *n) {
  *n = sizeof ag_methods / sizeof ag_methods[0];
  return ag_methods;
}

const ag_MethodSpec *ag_context_method(const char *name) {
  for (size_t i = 0; i < sizeof ag_methods / sizeof ag_methods[0]; i++)
    if (strcmp(ag_methods[i].name, name) == 0 || strcmp(ag_methods[i].lispy_name, name) == 0)
      return &ag_methods[i];
  return NULL;
}

double ag_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ========================================================================
** Bindings
** ======================================================================== */

/* The runtime behind a context argument; raises for anything else. */
static ag_Runtime *ag_ctx_arg(lispy_State *L, lispy_Value v, const char *fn) {
  ag_Runtime *rt = lispy_host_ptr(v, "context");
  if (!rt) {
    char msg[200];
    snprintf(msg, sizeof msg, "%s: expected a context as the first argument, got %s", fn,
             lispy_type_name(v));
    lispy_raise(L, "runtime", msg);
  }
  return rt;
}

/* The arguments after the context as a JSON array; NULL (with msg) when
** one is not JSON. A conversion stopped by a limit (a value too big for
** the memory limit or the JSON cap, fuel, time) re-raises that limit. */
static cJSON *ag_ctx_args(lispy_State *L, int argc, lispy_Value *argv, char *msg, size_t msglen) {
  cJSON *arr = cJSON_CreateArray();
  for (int i = 1; i < argc; i++) {
    char why[200];
    cJSON *item = lispy_to_json(L, argv[i], why, sizeof why);
    if (!item) {
      snprintf(msg, msglen, "argument %d is not JSON: %s", i + 1, why);
      cJSON_Delete(arr);
      lispy_Value e = lispy_last_error(L);
      if (strcmp(lispy_error_kind(e), "limit") == 0) lispy_rethrow(L, e);
      return NULL;
    }
    cJSON_AddItemToArray(arr, item);
  }
  return arr;
}

/* Append {method, args, result|error, ms} to the call's trace. */
static void ag_ctx_record(ag_Runtime *rt, const char *method, const cJSON *args,
                          const cJSON *result, const char *err, double ms) {
  ag_CallCtx *cc = rt->call;
  if (!cc || !cc->trace) return;
  size_t w = ag_json_weight(args) + (result ? ag_json_weight(result) : 0);
  if (cc->trace_dropped || cc->trace_bytes + w > AG_MAX_TRACE_BYTES) {
    cc->trace_dropped++; /* ag_run appends the count at the end */
    return;
  }
  cc->trace_bytes += w;
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "method", method);
  cJSON_AddItemToObject(e, "args", cJSON_Duplicate(args, 1));
  if (result) cJSON_AddItemToObject(e, "result", cJSON_Duplicate(result, 1));
  else cJSON_AddStringToObject(e, "error", err ? err : "failed");
  /* the clock counts nanoseconds: digits past them are rounding noise of
  ** the subtraction, and would print as 0.0022800043225288391 */
  cJSON_AddNumberToObject(e, "ms", round(ms * 1e6) / 1e6);
  cJSON_AddItemToArray(rt->call->trace, e);
}

/* While rt->loading is set, raise a "runtime" error (a longjmp: does not
** return) saying the top level cannot invoke agents or use the context;
** otherwise returns at once. */
void ag_refuse_at_load(ag_Runtime *rt, const char *what) {
  if (!rt->loading) return;
  char msg[300];
  if (strcmp(what, "invoke") == 0)
    snprintf(msg, sizeof msg,
             "invoke: an agent file's top level cannot call agents (it runs "
             "when the file loads; agents never call agents: the shell and hosts do)");
  else
    snprintf(msg, sizeof msg,
             "%s: an agent file's top level cannot use the context (it runs "
             "when the file loads; hint: call it inside run)",
             what);
  lispy_raise(rt->L, "runtime", msg);
}

/* The store namespace of the call in progress: the one the host shares,
** else the calling agent's name ("" outside agent calls). */
static const char *ag_store_namespace(const ag_Runtime *rt) {
  if (rt->shared_store) return rt->shared_store;
  if (rt->call && rt->call->agent && rt->call->agent->name) return rt->call->agent->name;
  return "";
}

/* One C function serves every method; its row index is the native data. */
static lispy_Value ag_ctx_method(lispy_State *L, int argc, lispy_Value *argv) {
  const ag_MethodSpec *m = &ag_methods[lispy_to_int(lispy_native_data(L))];
  ag_Runtime *rt = lispy_host_ptr(argv[0], "context");
  if (rt) ag_refuse_at_load(rt, m->lispy_name);
  rt = ag_ctx_arg(L, argv[0], m->lispy_name);
  char msg[512];
  cJSON *args = ag_ctx_args(L, argc, argv, msg, sizeof msg);
  if (!args) lispy_raise(L, "runtime", msg);
  char *err = NULL;
  double t0 = ag_now_ms();
  cJSON *res = rt->backend.call(rt->backend.self, ag_store_namespace(rt), m->name, args, &err);
  ag_ctx_record(rt, m->name, args, res, err, ag_now_ms() - t0);
  cJSON_Delete(args);
  if (!res) {
    snprintf(msg, sizeof msg, "%s: %s", m->lispy_name, err ? err : "failed");
    free(err);
    lispy_raise(L, "runtime", msg);
  }
  lispy_Value v;
  int rc = lispy_from_json(L, res, &v);
  cJSON_Delete(res);
  if (rc != LISPY_OK) lispy_raise(L, "runtime", "context result could not be converted");
  return v;
}

/* (context-version ctx) => AG_CONTEXT_VERSION; raises when ctx is not a
** context. */
static lispy_Value ag_ctx_version(lispy_State *L, int argc, lispy_Value *argv) {
  ag_ctx_arg(L, argv[0], "context-version");
  return lispy_int(AG_CONTEXT_VERSION);
}

/* (context-has? ctx "fetch_thread") or 'context-fetch-thread. */
static lispy_Value ag_ctx_has(lispy_State *L, int argc, lispy_Value *argv) {
  ag_ctx_arg(L, argv[0], "context-has?");
  const char *name = lispy_to_cstring(argv[1], NULL);
  const ag_MethodSpec *m = name ? ag_context_method(name) : NULL;
  return lispy_bool(m && m->version <= AG_CONTEXT_VERSION);
}

/* (invoke "name" {:city "Paris"}) => the envelope as a dict. For the shell
** and scripts; an agent's run cannot invoke other agents. */
static lispy_Value ag_invoke_native(lispy_State *L, int argc, lispy_Value *argv) {
  ag_Runtime *rt = lispy_host_ptr(lispy_native_data(L), "runtime");
  const char *name = lispy_to_cstring(argv[0], NULL);
  ag_refuse_at_load(rt, "invoke");
  if (!name) lispy_raise(L, "runtime", "invoke: the agent name must be a string");
  if (rt->call) lispy_raise(L, "runtime", "invoke: agents cannot invoke other agents");
  char why[300];
  cJSON *args = argc > 1 ? lispy_to_json(L, argv[1], why, sizeof why) : cJSON_CreateObject();
  if (!args && strcmp(lispy_error_kind(lispy_last_error(L)), "limit") == 0)
    lispy_rethrow(L, lispy_last_error(L)); /* too big for the memory limit or the cap */
  if (!args) lispy_raise(L, "runtime", "invoke: the arguments must be JSON data (a dict)");
  if (cJSON_IsNull(args)) {
    cJSON_Delete(args);
    args = cJSON_CreateObject();
  }
  ag_CallOptions opt = {.trace = false};
  cJSON *env = ag_invoke(rt, name, args, &opt);
  cJSON_Delete(args);
  lispy_Value v;
  int rc = lispy_from_json(L, env, &v);
  cJSON_Delete(env);
  if (rc != LISPY_OK) lispy_raise(L, "runtime", "invoke: the envelope could not be converted");
  return v;
}

/* Register a native for each row of ag_methods (the row index as its
** data; arity counts the ctx argument), context-version, context-has?
** and invoke, whose data is a host value wrapping rt (pinned during the
** registration, which allocates). The natives keep the pointer to rt. */
void ag_context_register(ag_Runtime *rt) {
  lispy_State *L = rt->L;
  for (size_t i = 0; i < sizeof ag_methods / sizeof ag_methods[0]; i++) {
    const ag_MethodSpec *m = &ag_methods[i];
    lispy_register_data(L, NULL, m->lispy_name, ag_ctx_method, 1 + m->min_args, 1 + m->max_args,
                        m->params, m->doc, lispy_int((int64_t)i));
  }
  lispy_register(L, NULL, "context-version", ag_ctx_version, 1, 1, "(ctx)",
                 "The version of the context interface this host provides.");
  lispy_register(L, NULL, "context-has?", ag_ctx_has, 2, 2, "(ctx method)",
                 "True when the context offers the named method.");
  lispy_Value self = lispy_host_new(L, "runtime", rt, NULL);
  int pin = lispy_ref(L, self);
  lispy_register_data(L, NULL, "invoke", ag_invoke_native, 1, 2, "(name [args])",
                      "Call an agent of the registry; returns the envelope as a dict.", self);
  lispy_unref(L, pin);
}

/* A new "context" host value wrapping rt, with the backend's fields for
** a (frozen, as a dict) when they convert; no fields otherwise. It is
** returned unpinned: a caller that allocates before storing it must
** lispy_ref it. */
lispy_Value ag_context_value(ag_Runtime *rt, const ag_Agent *a) {
  lispy_State *L = rt->L;
  lispy_Value ctx = lispy_host_new(L, "context", rt, NULL);
  int ref = lispy_ref(L, ctx); /* pinned while the fields convert */
  cJSON *fields = rt->backend.fields(rt->backend.self, a && a->name ? a->name : "");
  lispy_Value dict;
  if (fields && lispy_from_json(L, fields, &dict) == LISPY_OK) {
    lispy_freeze(L, dict); /* cached across calls: agents may not change it */
    lispy_host_set_fields(L, ctx, dict);
  }
  cJSON_Delete(fields);
  lispy_unref(L, ref);
  return ctx;
}

lispy_Value ag_runtime_context(ag_Runtime *rt) { return ag_context_value(rt, NULL); }
