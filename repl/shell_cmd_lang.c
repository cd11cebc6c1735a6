/*
** shell_cmd_lang.c -- the shell's language and session commands: :doc,
** :apropos, :ctx, :trace, :time, :limits, :quit.
*/
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* ========================================================================
** Language
** ======================================================================== */

void rp_cmd_doc(rp_Shell *sh, char *args) {
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
  if (!lispy_env_get(sh->L, rp_eval_env(sh), name, &v)) {
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

/* Whether needle occurs in hay, ignoring ASCII case. */
static bool rp_contains_nocase(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; hay && *hay; hay++) {
    size_t i = 0;
    while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i]))
      i++;
    if (i == n) return true;
  }
  return false;
}

/* One :apropos line: the name with its parameters, then what it is. */
static void rp_apropos_line(rp_Shell *sh, const char *name, const char *params, const char *what) {
  bool args = params && strlen(params) > 2; /* "(x y)": shown as (name x y) */
  rp_shell_printf_color(sh, RP_BOLD, "  %s%s", params ? "(" : "", name);
  printf("%s%s  ", args ? " " : "", args ? params + 1 : params ? ")" : "");
  rp_shell_printf_color(sh, RP_DIM, "%s\n", what);
}

/* :apropos TEXT: builtins, prelude and shell functions (what Tab
** completes in code), context methods and agents whose name or doc holds
** TEXT, ignoring case. */
void rp_cmd_apropos(rp_Shell *sh, char *args) {
  char *text = rp_next_word(&args);
  if (!text) return (void)printf("usage: :apropos TEXT\n");
  size_t found = 0, nm;
  const ag_MethodSpec *m = ag_context_methods(&nm);
  for (size_t i = 0; i < nm; i++)
    if (rp_contains_nocase(m[i].lispy_name, text) || rp_contains_nocase(m[i].doc, text)) {
      char what[300];
      snprintf(what, sizeof what, "context method: %s", m[i].doc);
      rp_apropos_line(sh, m[i].lispy_name, m[i].params, what), found++;
    }
  cp_Result r = {0};
  cp_complete(sh->cp, "(", 1, &r);
  for (size_t i = 0; i < r.n; i++) {
    const char *name = r.items[i].text, *doc = NULL;
    lispy_Value v;
    char buf[256];
    const char *params = NULL;
    if (ag_context_method(name) || name[0] == '%') continue; /* listed above; internal */
    if (lispy_env_get(sh->L, rp_eval_env(sh), name, &v) && lispy_is_function(v)) {
      doc = lispy_doc(v);
      params = lispy_params(sh->L, v, buf, sizeof buf);
    }
    if (!rp_contains_nocase(name, text) && !rp_contains_nocase(doc, text)) continue;
    lispy_Value own;
    bool base = lispy_env_get_own(sh->L, lispy_base_env(sh->L), name, &own);
    const char *kind = !params                          ? (r.items[i].help ? r.items[i].help : "")
                       : lispy_type(v) == LISPY_TNATIVE ? "builtin"
                       : base                           ? "prelude function"
                                                        : "function";
    char what[600];
    snprintf(what, sizeof what, "%s%s%s", kind, doc && *kind ? ": " : "", doc ? doc : "");
    rp_apropos_line(sh, name, params, what), found++;
  }
  cp_result_free(&r);
  for (size_t i = 0; i < ag_registry_count(sh->rt); i++) {
    ag_Agent *a = ag_registry_at(sh->rt, i);
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(a->descriptor, "description");
    const char *desc = cJSON_IsString(d) ? d->valuestring : "";
    if (!a->name || (!rp_contains_nocase(a->name, text) && !rp_contains_nocase(desc, text)))
      continue;
    char what[600];
    snprintf(what, sizeof what, "agent: %s", desc);
    rp_apropos_line(sh, a->name, NULL, what), found++;
  }
  printf("%zu match%s for \"%s\"\n", found, found == 1 ? "" : "es", text);
}

/* :in NAME: evaluate inside agent NAME's environment (its helpers are
** callable and :doc sees them); :in alone goes back to the shell's. */
void rp_cmd_in(rp_Shell *sh, char *args) {
  char *name = rp_next_word(&args);
  if (!name) {
    if (sh->in_agent[0]) printf("back in the shell (was in %s)\n", sh->in_agent);
    else printf("in the shell already (:in NAME evaluates inside an agent)\n");
    sh->in_agent[0] = '\0';
    cp_engine_set_env(sh->cp, sh->env);
    return;
  }
  ag_Agent *a = rp_agent_arg(sh, name);
  if (!a) return;
  if (!a->env || a->env == sh->env) {
    printf("%s was typed at the prompt: its definitions are the shell's already\n", name);
    return;
  }
  snprintf(sh->in_agent, sizeof sh->in_agent, "%s", a->name);
  cp_engine_set_env(sh->cp, a->env);
  lispy_Value own;
  if (!lispy_env_get_own(sh->L, a->env, "context", &own)) /* as at the prompt */
    lispy_env_set(sh->L, a->env, "context", ag_runtime_context(sh->rt));
  printf("in %s (%s): forms run in its environment; :in alone goes back\n", a->name, a->path);
}

void rp_cmd_ctx(rp_Shell *sh, char *args) {
  ag_Backend *b = ag_runtime_backend(sh->rt);
  char *sub = rp_next_word(&args);
  if (!sub) {
    cJSON *d = b->describe(b->self);
    rp_print_json(sh, d);
    cJSON_Delete(d);
  } else if (strcmp(sub, "reset") == 0) {
    b->reset(b->self);
    ag_runtime_backend_changed(sh->rt);
    rp_bind_context(sh);
    printf("context reset to its fixture\n");
  } else if (strcmp(sub, "set") == 0) {
    char *key = rp_next_word(&args);
    const char *text = args + strspn(args, " \t");
    cJSON *v = key && *text ? cJSON_ParseWithOpts(text, NULL, true) : NULL;
    if (!key || !*text || strcmp(b->name, "mock")) {
      printf("usage: :ctx set KEY JSON (mock context only)\n");
    } else if (!v && strchr("{[\"", *text)) { /* meant as JSON: say so, change nothing */
      rp_shell_printf_color(sh, RP_RED, "malformed JSON for %s: %s\n", key, text);
    } else {
      if (!v) v = cJSON_CreateString(text); /* a bare word is a string */
      ag_mock_set_field(b, key, v);
      ag_runtime_backend_changed(sh->rt);
      rp_bind_context(sh);
      printf("context field %s set\n", key);
    }
    cJSON_Delete(v);
  } else if (strcmp(sub, "llm") == 0) {
    char *pattern = rp_next_word(&args);
    const char *reply = args + strspn(args, " \t");
    if (!pattern || !*reply) printf("usage: :ctx llm PATTERN REPLY\n");
    else {
      char *err = NULL;
      if (ag_mock_add_llm_rule(b, pattern, reply, &err))
        printf("llm rule added: /%s/ -> %s\n", pattern, reply);
      else rp_shell_printf_color(sh, RP_RED, "%s\n", err ? err : "out of memory");
      free(err);
    }
  } else {
    printf("usage: :ctx [set KEY JSON | llm PATTERN REPLY | reset]\n");
  }
}

void rp_cmd_trace(rp_Shell *sh, char *args) {
  char *w = rp_next_word(&args);
  if (w && strcmp(w, "on") && strcmp(w, "off")) {
    rp_shell_printf_color(sh, RP_RED, "usage: :trace [on|off] (got '%s')\n", w);
    return;
  }
  if (w) sh->trace = strcmp(w, "on") == 0;
  printf("trace of context calls after :call is %s\n", sh->trace ? "on" : "off");
}

/* :set [print-length N | print-depth N]: how results are cut (0: not). */
void rp_cmd_set(rp_Shell *sh, char *args) {
  char *k = rp_next_word(&args), *v = rp_next_word(&args), *end = NULL;
  if (k) {
    int *slot = !strcmp(k, "print-length")  ? &sh->print_length
                : !strcmp(k, "print-depth") ? &sh->print_depth
                                            : NULL;
    long n = v ? strtol(v, &end, 10) : -1;
    if (!slot)
      return (void)rp_shell_printf_color(sh, RP_RED,
                                         "unknown setting %s (print-length, print-depth)\n", k);
    if (!v || *end || n < 0 || n > RP_PRINT_MAX || rp_next_word(&args))
      return (void)rp_shell_printf_color(sh, RP_RED, "usage: :set %s N (0 to %d; 0: no cut)\n", k,
                                         RP_PRINT_MAX);
    *slot = (int)n;
  }
  printf("print-length %d, print-depth %d (0: no cut)\n", sh->print_length, sh->print_depth);
}

void rp_cmd_time(rp_Shell *sh, char *args) {
  size_t before = lispy_memory_used(sh->L);
  double t0 = rp_ms();
  rp_shell_eval_text(sh, args, rp_input_add(sh, args));
  double ms = rp_ms() - t0;
  long long mem = (long long)lispy_memory_used(sh->L) - (long long)before;
  rp_shell_printf_color(sh, RP_DIM, "time: %.3f ms, heap %+lld bytes\n", ms, mem);
}

void rp_cmd_limits(rp_Shell *sh, char *args) {
  lispy_Limits l = ag_runtime_limits(sh->rt);
  for (char *k; (k = rp_next_word(&args));) {
    char *v = rp_next_word(&args);
    char why[300];
    if (!v) {
      rp_shell_printf_color(sh, RP_RED,
                            "usage: :limits [fuel N] [memory BYTES] [depth N] [timeout SECONDS]\n");
      return;
    }
    if (!ag_limit_parse(&l, k, v, why, sizeof why)) { /* strict; nothing is set on error */
      rp_shell_printf_color(sh, RP_RED, "%s: %s\n", k, why);
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

void rp_cmd_quit(rp_Shell *sh, char *args) {
  (void)args;
  sh->quit = true;
}
