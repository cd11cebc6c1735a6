/*
** cp_engine.c -- the completion engine: its caches (agent names, symbols)
** and the entry point that picks a context for the line.
**
** The agent index is rebuilt only when ag_registry_generation changes and
** the user symbol index only when the environment's name count changes,
** so a Tab costs a binary search plus the matches, even with 10,000 agents.
*/
#include <stdlib.h>
#include <string.h>

#include "cp_internal.h"

/* ========================================================================
** Engine
** ======================================================================== */

/* A new engine over rt (may be NULL: only meta-commands and paths then
** complete) with copies of the meta-command names; NULL when out of
** memory. The indexes are built lazily, on first use. Free it with
** cp_engine_free; rt must outlive it. */
cp_Engine *cp_engine_new(ag_Runtime *rt, const char *const *meta, size_t nmeta) {
  cp_Engine *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  e->rt = rt;
  e->meta = nmeta ? calloc(nmeta, sizeof *e->meta) : NULL;
  for (size_t i = 0; e->meta && i < nmeta; i++)
    if (meta[i] && (e->meta[e->nmeta] = strdup(meta[i]))) e->nmeta++;
  return e;
}

/* Forget the user symbol index. */
static void cp_user_clear(cp_Engine *e) {
  for (size_t i = 0; i < e->nuser; i++) free(e->user[i]);
  free(e->user);
  e->user = NULL;
  e->nuser = e->user_seen = 0;
}

/* Free the engine, its copies and indexes (not the runtime); NULL is
** allowed. */
void cp_engine_free(cp_Engine *e) {
  if (!e) return;
  for (size_t i = 0; i < e->nmeta; i++) free(e->meta[i]);
  free(e->meta);
  cp_index_clear(&e->agents);
  cp_index_clear(&e->base);
  cp_user_clear(e);
  free(e);
}

void cp_engine_set_env(cp_Engine *e, lispy_Env *env) {
  if (e->env == env) return;
  e->env = env;
  cp_user_clear(e);
}

/* ========================================================================
** Agents
** ======================================================================== */

/* Help for an agent name: the first line of its description, cut to about
** 60 bytes on a UTF-8 boundary; lint problems are flagged. */
static void cp_agent_help(const ag_Agent *a, char *buf, size_t len) {
  const cJSON *d = cJSON_GetObjectItemCaseSensitive(a->descriptor, "description");
  const char *s = cJSON_IsString(d) ? d->valuestring : "";
  size_t n = strcspn(s, "\n"), max = 60;
  bool cut = n > max;
  if (cut) {
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  }
  snprintf(buf, len, "%s%.*s%s", ag_agent_ok(a) ? "" : "[lint errors] ", (int)n, s,
           cut ? "..." : "");
}

/* Rebuild the sorted agent index if the registry changed since. Shell
** definitions come first in the registry, so they win over files. Help
** texts are made only for the names listed. */
static void cp_agents_refresh(cp_Engine *e) {
  unsigned gen = ag_registry_generation(e->rt);
  if (e->agents_built && gen == e->agents_gen) return;
  cp_index_clear(&e->agents);
  size_t n = ag_registry_count(e->rt);
  for (size_t i = 0; i < n; i++) {
    ag_Agent *a = ag_registry_at(e->rt, i);
    if (!a || !a->name || !*a->name) continue;
    cp_Entry *en = cp_index_add(&e->agents, a->name, NULL, CP_AGENT); /* help: when listed */
    if (en) en->agent = a;
  }
  cp_index_sort(&e->agents);
  e->agents_gen = gen;
  e->agents_built = true;
}

/* Append the agent names starting with prefix, each followed by suffix
** when it fits in 512 bytes (else the bare name). The help is made
** lazily and kept in the index entry until the next rebuild. */
void cp_add_agents_quoted(cp_Engine *e, const char *prefix, const char *suffix, cp_Result *out) {
  if (!e->rt) return;
  cp_agents_refresh(e);
  size_t plen = strlen(prefix), slen = strlen(suffix);
  char help[128], text[512];
  for (size_t i = cp_index_lower(&e->agents, prefix); i < e->agents.n; i++) {
    cp_Entry *en = &e->agents.items[i];
    if (strncmp(en->name, prefix, plen) != 0) break;
    if (!en->help) { /* made once per index build, when first listed */
      cp_agent_help(en->agent, help, sizeof help);
      en->help = strdup(help);
    }
    const char *t = en->name;
    if (slen && strlen(en->name) + slen < sizeof text) {
      snprintf(text, sizeof text, "%s%s", en->name, suffix);
      t = text;
    }
    cp_result_add(out, t, en->help);
  }
}

void cp_add_agents(cp_Engine *e, const char *prefix, cp_Result *out) {
  cp_add_agents_quoted(e, prefix, "", out);
}

/* ========================================================================
** Parameters
** ======================================================================== */

/* The agent of that name (a shell definition before a file), by binary
** search in the agent index; NULL if none. */
static ag_Agent *cp_find_agent(cp_Engine *e, const char *name) {
  cp_agents_refresh(e);
  size_t i = cp_index_lower(&e->agents, name);
  if (i < e->agents.n && strcmp(e->agents.items[i].name, name) == 0)
    return e->agents.items[i].agent;
  return NULL;
}

/* The declared type of a property: "string", "string|null", or "any". */
static void cp_type_text(const cJSON *prop, char *buf, size_t len) {
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(prop, "type");
  size_t used = 0;
  buf[0] = '\0';
  if (cJSON_IsString(prop) || cJSON_IsString(t)) {
    snprintf(buf, len, "%s", cJSON_IsString(t) ? t->valuestring : "string");
    return;
  }
  const cJSON *it;
  cJSON_ArrayForEach(it, t) {
    if (!cJSON_IsString(it) || used + 2 >= len) continue;
    int w = snprintf(buf + used, len - used, "%s%s", used ? "|" : "", it->valuestring);
    if (w > 0) used += (size_t)w < len - used ? (size_t)w : len - used - 1;
  }
  if (!buf[0])
    snprintf(buf, len, "%s", cJSON_GetObjectItemCaseSensitive(prop, "enum") ? "enum" : "any");
}

/* " (a|b|c)" for a property with an enum, else "". */
static void cp_enum_text(const cJSON *prop, char *buf, size_t len) {
  const cJSON *en = cJSON_IsObject(prop) ? cJSON_GetObjectItemCaseSensitive(prop, "enum") : NULL;
  const cJSON *it;
  size_t used = 0;
  buf[0] = '\0';
  if (!cJSON_IsArray(en) || len < 8) return;
  cJSON_ArrayForEach(it, en) {
    char *v = cJSON_IsString(it) ? NULL : cJSON_PrintUnformatted(it);
    const char *t = cJSON_IsString(it) ? it->valuestring : v ? v : "?";
    int w = snprintf(buf + used, len - used, "%s%s", used ? "|" : " (", t);
    free(v);
    if (w < 0 || (size_t)w >= len - used) {
      used = len - 1;
      break;
    }
    used += (size_t)w;
  }
  if (used + 2 < len) snprintf(buf + used, len - used, ")");
  else snprintf(buf + len - 5, 5, "...)");
}

/* Help for a parameter: "string, required" or "integer, default 100",
** with the choices of an enum: "string (a|b), default \"a\"". */
static void cp_param_help(const cJSON *prop, bool required, char *buf, size_t len) {
  char type[64], choices[80];
  cp_type_text(prop, type, sizeof type);
  cp_enum_text(prop, choices, sizeof choices);
  const cJSON *def =
      cJSON_IsObject(prop) ? cJSON_GetObjectItemCaseSensitive(prop, "default") : NULL;
  if (required || !def) {
    snprintf(buf, len, "%s%s%s", type, choices, required ? ", required" : "");
    return;
  }
  char *d = cJSON_PrintUnformatted(def);
  snprintf(buf, len, "%s%s, default %.40s", type, choices, d ? d : "?");
  free(d);
}

/* Is name in the NULL-terminated list given? */
static bool cp_given(const char *const *given, const char *name) {
  for (size_t i = 0; given && given[i]; i++)
    if (strcmp(given[i], name) == 0) return true;
  return false;
}

/* Is name listed in the schema's "required" array? */
static bool cp_is_required(const cJSON *required, const char *name) {
  const cJSON *it;
  cJSON_ArrayForEach(it, required) if (cJSON_IsString(it) &&
                                       strcmp(it->valuestring, name) == 0) return true;
  return false;
}

/* Append one parameter candidate (before + key + after) if it fits. */
static void cp_param_add(const char *key, const cJSON *prop, bool required, const char *prefix,
                         const char *before, const char *after, const char *const *given,
                         cp_Result *out) {
  if (strncmp(key, prefix, strlen(prefix)) != 0 || cp_given(given, key)) return;
  size_t n = strlen(before) + strlen(key) + strlen(after) + 1;
  char *text = malloc(n), help[160];
  if (!text) return;
  snprintf(text, n, "%s%s%s", before, key, after);
  cp_param_help(prop, required, help, sizeof help);
  cp_result_add(out, text, help);
  free(text);
}

/* Append agent's parameters (see completions.h): the "required" ones
** first in that array's order, then the other properties in declaration
** order. Nothing when rt is NULL or the agent is unknown. */
void cp_add_params(cp_Engine *e, const char *agent, const char *prefix, const char *before,
                   const char *after, const char *const *given, cp_Result *out) {
  ag_Agent *a = e->rt && agent ? cp_find_agent(e, agent) : NULL;
  const cJSON *params = a ? cJSON_GetObjectItemCaseSensitive(a->descriptor, "parameters") : NULL;
  const cJSON *props = cJSON_GetObjectItemCaseSensitive(params, "properties");
  const cJSON *required = cJSON_GetObjectItemCaseSensitive(params, "required");
  const cJSON *it;
  cJSON_ArrayForEach(it, required) { /* required first, in their order */
    if (!cJSON_IsString(it)) continue;
    const cJSON *prop = cJSON_GetObjectItemCaseSensitive(props, it->valuestring);
    cp_param_add(it->valuestring, prop, true, prefix, before, after, given, out);
  }
  cJSON_ArrayForEach(it, props) if (it->string && !cp_is_required(required, it->string))
      cp_param_add(it->string, it, false, prefix, before, after, given, out);
}

/* Append before + value + after when value starts with prefix. */
static void cp_value_add(const cJSON *v, const char *prefix, bool json, const char *before,
                         const char *after, cp_Result *out) {
  char *printed = json || !cJSON_IsString(v) ? cJSON_PrintUnformatted(v) : NULL;
  const char *t = printed ? printed : v->valuestring;
  if (t && strncmp(t, prefix, strlen(prefix)) == 0) {
    size_t n = strlen(before) + strlen(t) + strlen(after) + 1;
    char *text = malloc(n);
    if (text) {
      snprintf(text, n, "%s%s%s", before, t, after);
      cp_result_add(out, text, NULL);
      free(text);
    }
  }
  free(printed);
}

/* Append the values of agent's parameter key (see completions.h): each
** enum member, or true and false for a boolean without an enum. */
void cp_add_values(cp_Engine *e, const char *agent, const char *key, const char *prefix, bool json,
                   const char *before, const char *after, cp_Result *out) {
  ag_Agent *a = e->rt && agent ? cp_find_agent(e, agent) : NULL;
  const cJSON *params = a ? cJSON_GetObjectItemCaseSensitive(a->descriptor, "parameters") : NULL;
  const cJSON *prop =
      cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(params, "properties"), key);
  const cJSON *en = cJSON_IsObject(prop) ? cJSON_GetObjectItemCaseSensitive(prop, "enum") : NULL;
  const cJSON *type = cJSON_IsObject(prop) ? cJSON_GetObjectItemCaseSensitive(prop, "type") : NULL;
  const cJSON *it;
  cJSON_ArrayForEach(it, en) cp_value_add(it, prefix, json, before, after, out);
  if (!en && cJSON_IsString(type) && strcmp(type->valuestring, "boolean") == 0) {
    cJSON *t = cJSON_CreateTrue(), *f = cJSON_CreateFalse();
    cp_value_add(t, prefix, true, before, after, out);
    cp_value_add(f, prefix, true, before, after, out);
    cJSON_Delete(t);
    cJSON_Delete(f);
  }
}

/* ========================================================================
** Symbols
** ======================================================================== */

/* The signature of function v called name, "(name a b)", into buf; NULL
** when v is not a function. */
static const char *cp_signature(lispy_State *L, const char *name, lispy_Value v, char *buf,
                                size_t len) {
  char params[256];
  if (!lispy_is_function(v)) return NULL;
  const char *p = lispy_params(L, v, params, sizeof params);
  bool args = p && strlen(p) > 2; /* "(a b)" */
  snprintf(buf, len, "(%s%s%s", name, args ? " " : "", args ? p + 1 : ")");
  return buf;
}

/* Special forms, context methods and the base environment (once); a
** builtin's help is its signature. */
static void cp_base_build(cp_Engine *e, lispy_State *L) {
  size_t n;
  const char *const *forms = lispy_special_forms(&n);
  for (size_t i = 0; i < n; i++) cp_index_add(&e->base, forms[i], "special form", CP_SPECIAL);
  const ag_MethodSpec *m = ag_context_methods(&n);
  for (size_t i = 0; i < n; i++) cp_index_add(&e->base, m[i].lispy_name, m[i].params, CP_CONTEXT);
  /* Copy the names out before anything else can allocate (and collect). */
  lispy_Value names = lispy_env_names(L, lispy_base_env(L));
  for (; lispy_type(names) == LISPY_TPAIR; names = lispy_cdr(names)) {
    const char *s = lispy_symbol_name(lispy_car(names));
    if (s) cp_index_add(&e->base, s, "builtin", CP_BUILTIN);
  }
  for (size_t i = 0; i < e->base.n; i++) { /* the names are copied: lookups may allocate */
    cp_Entry *en = &e->base.items[i];
    lispy_Value v;
    char sig[300];
    if (en->kind != CP_BUILTIN || !lispy_env_get(L, lispy_base_env(L), en->name, &v)) continue;
    const char *help = cp_signature(L, en->name, v, sig, sizeof sig);
    char *copy = help ? strdup(help) : NULL;
    if (copy) free(en->help), en->help = copy;
  }
  cp_index_sort(&e->base);
  e->base_built = true;
}

/* By string, for qsort of char *. */
static int cp_str_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Rebuild the user globals if their number changed (a cheap check). */
static void cp_user_refresh(cp_Engine *e, lispy_State *L) {
  lispy_Value names = lispy_env_names(L, e->env);
  size_t count = 0;
  for (lispy_Value p = names; lispy_type(p) == LISPY_TPAIR; p = lispy_cdr(p)) count++;
  if (count == e->user_seen && (count == 0 || e->user)) return;
  cp_user_clear(e);
  e->user = count ? calloc(count, sizeof *e->user) : NULL;
  for (; e->user && lispy_type(names) == LISPY_TPAIR; names = lispy_cdr(names)) {
    const char *s = lispy_symbol_name(lispy_car(names));
    if (s && (e->user[e->nuser] = strdup(s))) e->nuser++;
  }
  qsort(e->user, e->nuser, sizeof *e->user, cp_str_cmp);
  e->user_seen = count;
}

/* User globals starting with prefix, as "function" or "global". */
static void cp_add_user(cp_Engine *e, lispy_State *L, const char *prefix, cp_Result *out) {
  size_t lo = 0, hi = e->nuser, plen = strlen(prefix);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(e->user[mid], prefix) < 0) lo = mid + 1;
    else hi = mid;
  }
  for (size_t i = lo; i < e->nuser && strncmp(e->user[i], prefix, plen) == 0; i++) {
    lispy_Value v;
    char sig[300];
    const char *help = lispy_env_get_own(L, e->env, e->user[i], &v)
                           ? cp_signature(L, e->user[i], v, sig, sizeof sig)
                           : NULL;
    cp_result_add(out, e->user[i], help ? help : "global");
  }
}

void cp_add_symbols(cp_Engine *e, const char *prefix, cp_Result *out) {
  lispy_State *L = e->rt ? ag_runtime_lispy(e->rt) : NULL;
  if (!L) return;
  if (!e->base_built) cp_base_build(e, L);
  cp_user_refresh(e, L);
  cp_add_user(e, L, prefix, out); /* first: a redefinition wins the help */
  cp_index_complete(&e->base, prefix, out);
}

/* ========================================================================
** Entry point
** ======================================================================== */

/* Zero *out, clamp cursor to the line and back to a UTF-8 boundary, then
** dispatch: a line whose first non-blank is ':' completes as a
** meta-command, anything else as code. out->start starts at the cursor;
** the context moves it to the word's start. */
void cp_complete(cp_Engine *e, const char *line, size_t cursor, cp_Result *out) {
  memset(out, 0, sizeof *out);
  if (!e || !line) return;
  size_t len = strlen(line);
  if (cursor > len) cursor = len;
  while (cursor > 0 && ((unsigned char)line[cursor] & 0xC0) == 0x80) cursor--;
  out->start = cursor;
  size_t off = strspn(line, " \t");
  if (off < cursor && line[off] == ':') cp_complete_meta(e, line + off, cursor - off, off, out);
  else cp_complete_code(e, line, cursor, line + cursor, out);
}
