/*
** ag_dispatch.c -- invoke(name, args) -> envelope. Validate the arguments
** against the agent's schema (filling defaults), check the context
** version, call run under the runtime's limits, and wrap every outcome in
** one envelope shape.
*/
#include <stdlib.h>
#include <string.h>

#include "ag_internal.h"
#include "ag_schema.h"

/* ========================================================================
** Envelopes
** ======================================================================== */

/* Envelope keys are string constants cJSON need not copy (…ObjectCS). */
cJSON *ag_envelope_error(const char *kind, const char *message) {
  cJSON *env = cJSON_CreateObject();
  cJSON *err = cJSON_CreateObject();
  cJSON_AddItemToObjectCS(env, "ok", cJSON_CreateFalse());
  cJSON_AddItemToObjectCS(env, "error", err);
  cJSON_AddItemToObjectCS(err, "kind", cJSON_CreateString(kind));
  cJSON_AddItemToObjectCS(err, "message", cJSON_CreateString(message));
  return env;
}

static cJSON *ag_envelope_ok(cJSON *value) {
  cJSON *env = cJSON_CreateObject();
  cJSON_AddItemToObjectCS(env, "ok", cJSON_CreateTrue());
  cJSON_AddItemToObjectCS(env, "value", value);
  return env;
}

static cJSON *ag_envelope_errorf(const char *kind, const char *fmt, const char *arg) {
  char msg[1024];
  snprintf(msg, sizeof msg, fmt, arg);
  return ag_envelope_error(kind, msg);
}

/* ========================================================================
** Checks before the call
** ======================================================================== */

/* invalid_args listing every problem: "errors": [{"path", "message"}]. */
static cJSON *ag_invalid_args(const ag_SchemaErrors *errs) {
  char *text = ag_schema_errors_join(errs, "; ");
  cJSON *env = ag_envelope_errorf("invalid_args", "invalid arguments: %s", text ? text : "");
  free(text);
  cJSON *list = cJSON_AddArrayToObject(cJSON_GetObjectItem(env, "error"), "errors");
  for (size_t i = 0; i < ag_schema_errors_count(errs); i++) {
    cJSON *e = cJSON_CreateObject();
    cJSON_AddStringToObject(e, "path", ag_schema_error_pointer(errs, i));
    cJSON_AddStringToObject(e, "message", ag_schema_error_message(errs, i));
    cJSON_AddItemToArray(list, e);
  }
  return env;
}

/* A validation a bound stopped: a limit envelope naming the bound, like
** the same limit hit by run. */
static cJSON *ag_validation_limit(const ag_SchemaErrors *errs) {
  const char *why = ag_schema_error_message(errs, 0);
  cJSON *env = ag_envelope_errorf("limit", "the arguments %s", why ? why : "could not be checked");
  cJSON_AddStringToObject(cJSON_GetObjectItem(env, "error"), "limit", errs->limit);
  return env;
}

/* Validate args under the call's bounds (its fuel, at most
** AG_SCHEMA_MAX_STEPS schema applications, and deadline_ms); when valid
** and a default applies, *filled is a copy of args with the defaults in
** (else NULL). Filling walks no more than the validation did. Returns the
** error envelope or NULL. */
static cJSON *ag_check_args(ag_Runtime *rt, ag_Agent *a, const cJSON *args, double deadline_ms,
                            cJSON **filled) {
  *filled = NULL;
  if (!a->schema) return NULL;
  ag_SchemaErrors errs;
  ag_schema_errors_init(&errs);
  if (rt->limits.fuel > 0 && (uint64_t)rt->limits.fuel < errs.max_steps)
    errs.max_steps = (uint64_t)rt->limits.fuel;
  errs.deadline_ms = deadline_ms;
  bool fill = false;
  cJSON *env = NULL;
  if (!ag_schema_validate_fill(a->schema, args, &errs, &fill)) {
    env = errs.limit ? ag_validation_limit(&errs) : ag_invalid_args(&errs);
  } else if (fill) {
    *filled = cJSON_Duplicate(args, 1);
    if (*filled == NULL) env = ag_envelope_error("runtime", "out of memory filling defaults");
    else ag_schema_fill_defaults(a->schema, *filled);
  }
  ag_schema_errors_free(&errs);
  return env;
}

/* ========================================================================
** The call
** ======================================================================== */

/* The agent's context value, made once and cached until the backend
** changes. */
static lispy_Value ag_agent_context(ag_Runtime *rt, ag_Agent *a) {
  if (a->ctx_ref < 0 || a->ctx_gen != rt->backend_gen) {
    if (a->ctx_ref >= 0) lispy_unref(rt->L, a->ctx_ref);
    a->ctx = ag_context_value(rt, a);
    a->ctx_ref = lispy_ref(rt->L, a->ctx);
    a->ctx_gen = rt->backend_gen;
  }
  return a->ctx;
}

/* The JSON values of run's parameters after the context, by name (NULL
** for an absent one: run gets nil); legacy agents get the whole object. */
static int ag_run_args(const ag_Agent *a, const cJSON *args, const cJSON **json) {
  if (a->legacy) {
    json[0] = args;
    return 1;
  }
  int n = a->nrun_params < AG_MAX_RUN_PARAMS ? a->nrun_params : AG_MAX_RUN_PARAMS;
  for (int i = 0; i < n; i++) json[i] = ag_json_member(args, a->run_params[i]);
  return n;
}

/* The envelope of a failed run: runtime (with the LisPy trace), limit
** (naming which) or interrupted. The error's data leaves the sandbox
** through the bounded conversion: when it is too big (or not JSON) the
** envelope says why in "data_error" instead. The error stays referenced
** meanwhile: a failed conversion replaces the last error. */
static cJSON *ag_error_envelope(ag_Runtime *rt) {
  lispy_Value e = lispy_last_error(rt->L);
  int ref = lispy_ref(rt->L, e);
  const char *kind = lispy_error_kind(e);
  bool limit = strcmp(kind, "limit") == 0, intr = strcmp(kind, "interrupted") == 0;
  cJSON *env = ag_envelope_error(limit  ? "limit"
                                 : intr ? "interrupted"
                                        : "runtime",
                                 lispy_error_message(e));
  cJSON *err = cJSON_GetObjectItem(env, "error");
  char why[200];
  cJSON *full = lispy_to_json(rt->L, e, why, sizeof why);
  cJSON *data = cJSON_DetachItemFromObject(full, "data");
  if (limit) {
    cJSON_AddItemToObject(err, "limit", cJSON_DetachItemFromObject(data, "limit"));
  } else if (!intr) {
    cJSON_AddStringToObject(err, "lispy_kind", kind);
    if (data && !cJSON_IsNull(data)) cJSON_AddItemToObject(err, "data", data), data = NULL;
    cJSON *trace = cJSON_DetachItemFromObject(full, "trace");
    if (!full) { /* the data was too big (or not JSON): keep the trace at least */
      cJSON_AddStringToObject(err, "data_error", why);
      trace = lispy_to_json(rt->L, lispy_error_trace(e), why, sizeof why);
    }
    cJSON_AddItemToObject(err, "trace", trace);
    char *text = lispy_error_text(rt->L, e);
    cJSON_AddStringToObject(err, "text", text);
    free(text);
  }
  cJSON_Delete(data);
  cJSON_Delete(full);
  lispy_unref(rt->L, ref);
  return env;
}

/* What one dispatch came to: an error envelope, or run's value (held, or
** already written into the caller's text). */
typedef struct ag_Outcome {
  cJSON *env;         /* the error envelope; NULL when run returned */
  lispy_Value result; /* run's value when env is NULL and text is NULL
                              (unrooted: use it before LisPy runs again) */
  lispy_Text *text;   /* the text path: when env is NULL, the ok
                              envelope's head and run's value are here */
  size_t start;       /* where this envelope starts in text */
  cJSON *trace;       /* the context calls, when asked and run ran */
} ag_Outcome;

/* ag_call_text's return when even the ok envelope's head did not fit, and
** the error message for running out of memory writing an envelope. */
#define AG_TEXT_OOM (-1)
static const char ag_text_oom[] = "out of memory writing the envelope";

/* The text path's call: the ok envelope's head, then run's value written
** after it in the call's own protected run; both taken back on failure
** (the text cut back to o->start). Returns the lispy status, or
** AG_TEXT_OOM when even the head did not fit. */
static int ag_call_text(lispy_State *L, lispy_Value run, lispy_Value *ctx, int njson,
                        const cJSON **json, ag_Outcome *o) {
  static const char head[] = "{\"ok\":true,\"value\":";
  if (!lispy_text_add(o->text, head, sizeof head - 1)) return AG_TEXT_OOM;
  int rc = lispy_call_json_text(L, run, 1, ctx, njson, json, o->text);
  if (rc != LISPY_OK) o->text->data[o->text->len = o->start] = '\0';
  return rc;
}

static cJSON *ag_not_json(const char *why) {
  return ag_envelope_errorf("runtime", "run returned a value JSON cannot carry: %s", why);
}

/* Call run under the runtime's limits, the arguments converted on the
** way in (and on the text path the value written out) in one protected
** run. */
static void ag_run(ag_Runtime *rt, ag_Agent *a, const cJSON *args, const ag_CallOptions *opt,
                   ag_Outcome *o) {
  bool trace = opt && opt->trace;
  ag_Budget budget;
  if (!ag_budget_begin(rt, a, &budget, &o->env)) return;
  const cJSON *json[AG_MAX_RUN_PARAMS];
  int njson = ag_run_args(a, args, json);
  lispy_Value ctx = ag_agent_context(rt, a), run = a->run;
  ag_CallCtx cc = {a, trace ? cJSON_CreateArray() : NULL, 0, 0};
  rt->call = &cc;
  void *host_ud;
  lispy_OutputFn host_out = lispy_get_output(rt->L, &host_ud);
  if (opt && opt->output) lispy_set_output(rt->L, opt->output, opt->output_ud);
  lispy_set_call_env(rt->L, a->env); /* even a run that is a builtin acts for a */
  int rc = o->text ? ag_call_text(rt->L, run, &ctx, njson, json, o)
                   : lispy_call_json(rt->L, run, 1, &ctx, njson, json, &o->result);
  lispy_set_call_env(rt->L, NULL); /* agents never nest: the host's own calls follow */
  lispy_set_output(rt->L, host_out, host_ud);
  rt->call = NULL;
  ag_budget_end(rt, &budget);
  if (cc.trace_dropped) { /* the trace hit AG_MAX_TRACE_BYTES */
    cJSON *d = cJSON_CreateObject();
    cJSON_AddNumberToObject(d, "dropped", (double)cc.trace_dropped);
    cJSON_AddItemToArray(cc.trace, d);
  }
  o->trace = cc.trace;
  if (rc == LISPY_OK) return;
  const char *why = lispy_error_message(lispy_last_error(rt->L));
  if (rc == AG_TEXT_OOM) o->env = ag_envelope_error("runtime", ag_text_oom);
  else if (rc == LISPY_BADJSON)
    o->env = ag_envelope_errorf("invalid_args", "arguments could not be converted: %s", why);
  else if (rc == LISPY_NOTJSON) o->env = ag_not_json(why);
  else o->env = ag_error_envelope(rt);
  ag_budget_note(&budget, o->env);
}

/* ag_run with the time the checks left of the call's timeout (ms; <= 0
** when there is no timeout): a call's whole time is bounded by it, not
** the validation's time plus the run's. */
static void ag_run_within(ag_Runtime *rt, ag_Agent *a, const cJSON *args, const ag_CallOptions *opt,
                          double left_ms, ag_Outcome *o) {
  bool shorten = rt->limits.timeout > 0 && left_ms < rt->limits.timeout * 1e3 - 1;
  if (shorten) {
    lispy_Limits lim = rt->limits;
    lim.timeout = left_ms > 1 ? left_ms / 1e3 : 1e-3;
    lispy_set_limits(rt->L, &lim);
  }
  ag_run(rt, a, args, opt, o);
  if (shorten) lispy_set_limits(rt->L, &rt->limits);
}

/* Everything up to run's value: the checks in the order of DESIGN.md,
** defaults filled into a copy only when one applies, then the call. On
** the text path (text not NULL) an ok envelope is left half written. */
static void ag_dispatch(ag_Runtime *rt, ag_Agent *a, const cJSON *args, const ag_CallOptions *opt,
                        lispy_Text *text, ag_Outcome *o) {
  *o = (ag_Outcome){NULL, lispy_nil(), text, text ? text->len : 0, NULL};
  if (a->incompatible) { /* before lint: say why precisely */
    o->env = ag_envelope_error("context_version", a->incompatible);
  } else if (!ag_agent_ok(a)) {
    o->env = ag_envelope_errorf(
        "not_found", "agent %s is not callable: it failed to load or lint (see lispy lint)",
        a->name ? a->name : a->path);
  } else if (args && !cJSON_IsObject(args)) {
    o->env = ag_envelope_error("invalid_args", "arguments must be a JSON object");
  } else {
    cJSON *empty = args ? NULL : cJSON_CreateObject(), *filled;
    const cJSON *given = args ? args : empty;
    double t0 = ag_now_ms(), timeout_ms = rt->limits.timeout * 1e3;
    o->env = ag_check_args(rt, a, given, timeout_ms > 0 ? t0 + timeout_ms : 0, &filled);
    if (!o->env)
      ag_run_within(rt, a, filled ? filled : given, opt,
                    timeout_ms > 0 ? timeout_ms - (ag_now_ms() - t0) : 0, o);
    cJSON_Delete(filled);
    cJSON_Delete(empty);
  }
}

/* The outcome as an envelope tree (the trace, if any, moves into it).
** A value too big to convert (the JSON cap, the memory limit) or whose
** conversion ran out of fuel or time is a limit envelope, like the same
** failure on the text path. */
static cJSON *ag_outcome_tree(ag_Runtime *rt, ag_Outcome *o) {
  cJSON *env = o->env;
  if (!env) {
    char why[300];
    cJSON *value = lispy_to_json(rt->L, o->result, why, sizeof why);
    bool limit = !value && strcmp(lispy_error_kind(lispy_last_error(rt->L)), "limit") == 0;
    env = value ? ag_envelope_ok(value) : limit ? ag_error_envelope(rt) : ag_not_json(why);
  }
  if (o->trace) cJSON_AddItemToObject(env, "trace", o->trace);
  return env;
}

/* Append a tree's compact text to out; false when out of memory. */
static bool ag_append_tree(lispy_Text *out, const cJSON *j) {
  char *s = ag_json_print(j, false);
  bool ok = s && lispy_text_add(out, s, strlen(s));
  free(s);
  return ok;
}

/* The end of an ok envelope whose head and value are written. */
static bool ag_finish_ok_text(lispy_Text *out, const cJSON *trace) {
  return (!trace || (lispy_text_add(out, ",\"trace\":", 9) && ag_append_tree(out, trace))) &&
         lispy_text_add(out, "}", 1);
}

/* The outcome as envelope text appended to out (the text path's ok
** envelope completed); true when it is ok. */
static bool ag_outcome_text(ag_Runtime *rt, ag_Outcome *o) {
  lispy_Text *out = o->text;
  if (!o->env) {
    if (ag_finish_ok_text(out, o->trace)) {
      cJSON_Delete(o->trace);
      return true;
    }
    out->data[out->len = o->start] = '\0';
    o->env = ag_envelope_error("runtime", ag_text_oom);
  }
  cJSON *env = ag_outcome_tree(rt, o);
  ag_append_tree(out, env);
  cJSON_Delete(env);
  return false;
}

cJSON *ag_invoke_agent(ag_Runtime *rt, ag_Agent *a, const cJSON *args, const ag_CallOptions *opt) {
  ag_Outcome o;
  ag_dispatch(rt, a, args, opt, NULL, &o);
  return ag_outcome_tree(rt, &o);
}

cJSON *ag_invoke(ag_Runtime *rt, const char *name, const cJSON *args, const ag_CallOptions *opt) {
  ag_Agent *a = ag_registry_find(rt, name);
  if (!a) return ag_registry_not_found(rt, name);
  return ag_invoke_agent(rt, a, args, opt);
}

bool ag_invoke_agent_text(ag_Runtime *rt, ag_Agent *a, const cJSON *args, const ag_CallOptions *opt,
                          lispy_Text *out) {
  ag_Outcome o;
  ag_dispatch(rt, a, args, opt, out, &o);
  return ag_outcome_text(rt, &o);
}

bool ag_invoke_text(ag_Runtime *rt, const char *name, const cJSON *args, const ag_CallOptions *opt,
                    lispy_Text *out) {
  ag_Agent *a = ag_registry_find(rt, name);
  if (a) return ag_invoke_agent_text(rt, a, args, opt, out);
  ag_Outcome o = {ag_registry_not_found(rt, name), lispy_nil(), out, out->len, NULL};
  return ag_outcome_text(rt, &o);
}

/* ========================================================================
** OpenAI tools
** ======================================================================== */

/* OpenAI strict mode: every property required (optional ones may be null
** instead), no additional properties, no "default". Which properties were
** required is looked up in a set made before any is added (linear time in
** a generated schema with thousands of properties). */
static void ag_strictify(cJSON *schema) {
  cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
  cJSON *required = cJSON_GetObjectItemCaseSensitive(schema, "required");
  if (!cJSON_IsArray(required)) {
    cJSON_DeleteItemFromObject(schema, "required");
    required = cJSON_AddArrayToObject(schema, "required");
  }
  ag_Names given = ag_names(required, false);
  cJSON *p;
  cJSON_ArrayForEach(p, props) {
    cJSON_DeleteItemFromObject(p, "default");
    if (!ag_names_has(&given, p->string)) {
      cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "type");
      if (cJSON_IsString(t)) {
        cJSON *both = cJSON_CreateArray();
        cJSON_AddItemToArray(both, cJSON_CreateString(t->valuestring));
        cJSON_AddItemToArray(both, cJSON_CreateString("null"));
        cJSON_ReplaceItemInObject(p, "type", both);
      }
      cJSON_AddItemToArray(required, cJSON_CreateString(p->string));
    }
    if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(p, "properties"))) ag_strictify(p);
  }
  ag_names_free(&given);
  cJSON_DeleteItemFromObject(schema, "additionalProperties");
  cJSON_AddFalseToObject(schema, "additionalProperties");
}

/* See agents.h: {"type":"function","function":{name, description,
** parameters (a copy of the descriptor's, {} when absent), "strict"}}.
** The caller owns the result; a is not changed. */
cJSON *ag_agent_tool(const ag_Agent *a, bool strict) {
  cJSON *tool = cJSON_CreateObject();
  cJSON_AddStringToObject(tool, "type", "function");
  cJSON *fn = cJSON_AddObjectToObject(tool, "function");
  const cJSON *d = a->descriptor;
  cJSON_AddStringToObject(fn, "name", a->name ? a->name : "");
  const cJSON *desc = cJSON_GetObjectItemCaseSensitive(d, "description");
  cJSON_AddStringToObject(fn, "description", cJSON_IsString(desc) ? desc->valuestring : "");
  cJSON *params = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(d, "parameters"), 1);
  if (!params) params = cJSON_CreateObject();
  if (strict) {
    ag_strictify(params);
    cJSON_AddTrueToObject(fn, "strict");
  }
  cJSON_AddItemToObject(fn, "parameters", params);
  return tool;
}
