/*
** ag_lint.c -- the agent descriptor linter (docs/lint.md lists every rule).
**
** ag_lint checks an evaluated agent: its descriptor (as JSON), its
** parameters schema, its run function and its use of the context, and
** appends `path:line:col: severity[CODE]: message` diagnostics to the
** agent. Positions come from re-reading the source (ag_lint_locate.c): the
** linter walks the JSON descriptor and, in parallel, the position tree of
** the literal it was written as, so each finding points at the offending
** key or value (falling back to the nearest enclosing form).
**
** The schema checks (A2xx, A6xx) are in ag_lint_schema.c.
**
** Codes: A1xx descriptor, A2xx parameters schema, A3xx run, A4xx context,
** A5xx file and style, A6xx OpenAI strict-mode notes.
*/
#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ag_config.h"
#include "ag_lint_internal.h"

#define AGL_NAME_MAX 64 /* ^[a-zA-Z0-9_-]{1,64}$ */

/* ========================================================================
** Vocabulary
** ======================================================================== */

static const char *const agl_desc_keys[] = {
    "name", "description", "parameters", "requires_context_version", "requires", "strict",
};

bool agl_in(const char *s, const char *const *set, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, set[i]) == 0) return true;
  return false;
}

/* ========================================================================
** Messages
** ======================================================================== */

/* Add one diagnostic at p (line 0: the descriptor's position). */
__attribute__((format(printf, 6, 7))) void agl_emit(agl_Lint *x, agl_Pos p, ag_Severity sev,
                                                    const char *code, const char *hint,
                                                    const char *fmt, ...) {
  assert(sev <= AG_NOTE);
  if (x->listed[sev] >= AG_LINT_MAX_DIAGS) { /* counted, not listed */
    ++*(sev == AG_ERROR ? &x->dropped_errors : &x->dropped_other);
    return;
  }
  x->listed[sev]++;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (p.line <= 0) p = x->here;
  ag_diags_add(&x->a->diags, x->path, p.line, p.col, sev, code, hint, "%s", msg);
}

/* A compact rendering of a JSON value for messages (truncated). */
void agl_brief(const cJSON *v, char *buf, size_t n) {
  char *s = ag_json_print(v, false);
  snprintf(buf, n, "%s", s ? s : "?");
  if (s && strlen(s) >= n && n > 4) memcpy(buf + n - 4, "...", 4);
  free(s);
}

/* ========================================================================
** "Did you mean"
** ======================================================================== */

/* Levenshtein distance of a (la bytes) and b (lb bytes, both <= 64). */
static int agl_lev(const char *a, size_t la, const char *b, size_t lb) {
  int row[65];
  assert(la <= 64 && lb <= 64);
  for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    int diag = row[0];
    row[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int up = row[j];
      int best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      diag = up;
    }
  }
  return row[lb];
}

/* The closest candidate within distance 2 (and closer than the word is
** long, so "x" does not suggest everything), or NULL. Candidates whose
** length is 3 or more away cannot be that close and cost nothing; the
** others spend the file's suggestion budget (x->suggest_cells), and once
** it is spent there are no more suggestions: a generated descriptor with
** thousands of unknown names lints in linear time. */
const char *agl_suggest(agl_Lint *x, const char *word, const char *const *cands, size_t n) {
  size_t lw = strlen(word);
  if (lw > 64) return NULL;
  const char *best = NULL;
  int bestd = 3;
  for (size_t i = 0; i < n && x->suggest_cells > 0; i++) {
    size_t lc = strlen(cands[i]);
    if (lc > 64 || lc + 3 <= lw || lw + 3 <= lc) continue;
    x->suggest_cells -= (int64_t)((lw + 1) * (lc + 1));
    int d = agl_lev(word, lw, cands[i], lc);
    if (d < bestd && d < (int)lw) {
      best = cands[i];
      bestd = d;
    }
  }
  return best;
}

/* The keys of a JSON object as a malloc'd array (*n gets the count). */
static const char **agl_keys(const cJSON *obj, size_t *n) {
  *n = 0;
  int cnt = cJSON_IsObject(obj) ? cJSON_GetArraySize(obj) : 0;
  const char **keys = malloc((size_t)(cnt ? cnt : 1) * sizeof *keys);
  if (!keys) return NULL;
  const cJSON *it;
  if (cnt) cJSON_ArrayForEach(it, obj) keys[(*n)++] = it->string;
  return keys;
}

/* Suggest among the keys of obj. */
const char *agl_suggest_key(agl_Lint *x, const char *word, const cJSON *obj) {
  if (x->suggest_cells <= 0) return NULL;
  size_t n;
  const char **keys = agl_keys(obj, &n);
  const char *s = keys ? agl_suggest(x, word, keys, n) : NULL;
  free(keys);
  return s;
}

/* ========================================================================
** JSON types
** ======================================================================== */

bool agl_is_integer(const cJSON *v) {
  return cJSON_IsNumber(v) && isfinite(v->valuedouble) && floor(v->valuedouble) == v->valuedouble;
}

/* The JSON Schema type name of v: "integer" for a whole finite number,
** else "number", "string", ...; "object" for anything else (NULL too). */
const char *agl_json_type(const cJSON *v) {
  if (cJSON_IsString(v)) return "string";
  if (agl_is_integer(v)) return "integer";
  if (cJSON_IsNumber(v)) return "number";
  if (cJSON_IsBool(v)) return "boolean";
  if (cJSON_IsNull(v)) return "null";
  if (cJSON_IsArray(v)) return "array";
  return "object";
}

/* Does v have JSON Schema type t? */
static bool agl_has_type(const cJSON *v, const char *t) {
  if (strcmp(t, "integer") == 0) return agl_is_integer(v);
  if (strcmp(t, "number") == 0) return cJSON_IsNumber(v);
  return strcmp(t, agl_json_type(v)) == 0;
}

/* Does v satisfy the schema's "type" (a name or a list of names)? An
** absent or malformed type accepts everything (reported elsewhere). */
bool agl_matches_type(const cJSON *v, const cJSON *type) {
  if (cJSON_IsString(type)) return agl_has_type(v, type->valuestring);
  if (!cJSON_IsArray(type)) return true;
  const cJSON *t;
  cJSON_ArrayForEach(t, type) if (cJSON_IsString(t) && agl_has_type(v, t->valuestring)) return true;
  return false;
}

/* The type as text for messages: "integer" or ["string","null"]. */
void agl_type_text(const cJSON *type, char *buf, size_t n) {
  if (cJSON_IsString(type)) snprintf(buf, n, "%s", type->valuestring);
  else agl_brief(type, buf, n);
}

/* ========================================================================
** A1xx: the descriptor
** ======================================================================== */

const cJSON *agl_get(const cJSON *obj, const char *key) {
  return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* Position of the value / key of desc's entry key. */
agl_Pos agl_at_value(agl_Lint *x, const agl_Node *n, const char *key, agl_Pos fb) {
  return agl_vpos(agl_child(x->src, n, key), fb);
}

agl_Pos agl_at_key(agl_Lint *x, const agl_Node *n, const char *key, agl_Pos fb) {
  return agl_kpos(agl_child(x->src, n, key), fb);
}

/* Does s match ^[a-zA-Z0-9_-]{1,AGL_NAME_MAX}$ ? */
static bool agl_valid_name(const char *s) {
  size_t n = strlen(s);
  if (n < 1 || n > AGL_NAME_MAX) return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-') return false;
  return true;
}

/* A valid name close to s: other characters become '_', cut at 64. */
static void agl_fix_name(const char *s, char *out, size_t n) {
  size_t j = 0;
  for (size_t i = 0; s[i] && j + 1 < n && j < AGL_NAME_MAX; i++) {
    unsigned char c = (unsigned char)s[i];
    out[j++] = (isalnum(c) || c == '_' || c == '-') ? (char)c : '_';
  }
  if (j == 0 && n > 7) j = (size_t)snprintf(out, n, "%s", "my_agent");
  out[j] = '\0';
}

/* :name: A101 when absent, A102 when not a string, A103 when it breaks
** the naming rule (the hint offers a fixed spelling). */
static void agl_lint_name(agl_Lint *x) {
  const cJSON *v = agl_get(x->desc, "name");
  agl_Pos at = agl_at_value(x, x->root, "name", x->here);
  if (!v) {
    agl_emit(x, x->here, AG_ERROR, "A101", "add :name \"my_agent\" (letters, digits, _ and -)",
             "descriptor has no :name");
  } else if (!cJSON_IsString(v)) {
    agl_emit(x, at, AG_ERROR, "A102", "write the name as a string, e.g. :name \"my_agent\"",
             ":name must be a string, got %s", agl_json_type(v));
  } else if (!agl_valid_name(v->valuestring)) {
    char fixed[AGL_NAME_MAX + 1], hint[160];
    agl_fix_name(v->valuestring, fixed, sizeof fixed);
    snprintf(hint, sizeof hint, "use 1-64 letters, digits, _ or -, e.g. \"%s\"", fixed);
    agl_emit(x, at, AG_ERROR, "A103", hint,
             "agent name \"%.80s\" does not match ^[a-zA-Z0-9_-]{1,64}$", v->valuestring);
  }
}

static bool agl_blank(const char *s) {
  while (*s && isspace((unsigned char)*s)) s++;
  return *s == '\0';
}

/* :description: A104 when absent, not a string, or only blanks. */
static void agl_lint_description(agl_Lint *x) {
  const cJSON *v = agl_get(x->desc, "description");
  const char *hint =
      "say what the agent does in one sentence; the model reads it to decide when to call it";
  if (!v) agl_emit(x, x->here, AG_ERROR, "A104", hint, "descriptor has no :description");
  else if (!cJSON_IsString(v))
    agl_emit(x, agl_at_value(x, x->root, "description", x->here), AG_ERROR, "A104", hint,
             ":description must be a string, got %s", agl_json_type(v));
  else if (agl_blank(v->valuestring))
    agl_emit(x, agl_at_value(x, x->root, "description", x->here), AG_ERROR, "A104", hint,
             ":description is empty");
}

/* Unknown top-level keys: near misses are warnings, the rest notes. */
static void agl_lint_desc_keys(agl_Lint *x) {
  const cJSON *it;
  cJSON_ArrayForEach(it, x->desc) {
    if (agl_in(it->string, agl_desc_keys, AGL_COUNT(agl_desc_keys))) continue;
    agl_Pos at = agl_at_key(x, x->root, it->string, x->here);
    const char *s = agl_suggest(x, it->string, agl_desc_keys, AGL_COUNT(agl_desc_keys));
    if (s) {
      char hint[128];
      snprintf(hint, sizeof hint, "did you mean :%s?", s);
      agl_emit(x, at, AG_WARNING, "A106", hint, "unknown descriptor key :%s", it->string);
    } else {
      agl_emit(
          x, at, AG_NOTE, "A109",
          "the host only reads :name :description :parameters :requires_context_version :requires",
          "descriptor key :%s is ignored", it->string);
    }
  }
}

/* requires_context_version: a positive integer the host can provide. */
static void agl_lint_version(agl_Lint *x) {
  const cJSON *v = agl_get(x->desc, "requires_context_version");
  if (!v) return;
  agl_Pos at = agl_at_value(x, x->root, "requires_context_version", x->here);
  if (!agl_is_integer(v) || v->valuedouble < 1) {
    char b[64];
    agl_brief(v, b, sizeof b);
    agl_emit(x, at, AG_ERROR, "A107",
             "write a context version number, e.g. :requires_context_version 1",
             ":requires_context_version must be a positive integer, got %s", b);
    return;
  }
  x->declared_version = v->valuedouble > 1e6 ? 1000000 : (int)v->valuedouble;
  if (x->declared_version > AG_CONTEXT_VERSION) {
    char hint[128];
    snprintf(hint, sizeof hint,
             "this host provides context version %d; lower the requirement or upgrade the host",
             AG_CONTEXT_VERSION);
    agl_emit(x, at, AG_ERROR, "A401", hint,
             "agent requires context version %d, above the host's %d", x->declared_version,
             AG_CONTEXT_VERSION);
  }
}

/* ========================================================================
** A4xx: context methods (requires and (context-...) calls)
** ======================================================================== */

/* Suggest a method name in the style written ("llm" or "context-llm"). */
static const char *agl_suggest_method(agl_Lint *x, const char *word) {
  size_t n;
  const ag_MethodSpec *m = ag_context_methods(&n);
  const char *names[64];
  bool lispy = strncmp(word, "context-", 8) == 0;
  if (n > 64) n = 64;
  for (size_t i = 0; i < n; i++) names[i] = lispy ? m[i].lispy_name : m[i].name;
  return agl_suggest(x, word, names, n);
}

/* A known method: is it available at the host's and the declared version? */
static void agl_check_method_version(agl_Lint *x, const ag_MethodSpec *m, agl_Pos at,
                                     const char *written) {
  if (m->version > AG_CONTEXT_VERSION) {
    agl_emit(x, at, AG_ERROR, "A403",
             "check (context-has? context ...) before calling it, or upgrade the host",
             "%s needs context version %d; this host provides %d", written, m->version,
             AG_CONTEXT_VERSION);
  } else if (x->declared_version > 0 && m->version > x->declared_version) {
    char hint[96];
    snprintf(hint, sizeof hint, "raise :requires_context_version to %d", m->version);
    agl_emit(x, at, AG_WARNING, "A404", hint,
             "%s needs context version %d, but the agent declares :requires_context_version %d",
             written, m->version, x->declared_version);
  }
}

/* A402 for a name that is no context method, from a call (call) or a
** :requires item: the hint is the closest method, else the list of all
** (written as context-... when name was). */
static void agl_unknown_method(agl_Lint *x, const char *name, agl_Pos at, bool call) {
  char hint[320];
  const char *s = agl_suggest_method(x, name);
  if (s) {
    snprintf(hint, sizeof hint, "did you mean %s?", s);
  } else {
    size_t n, used = (size_t)snprintf(hint, sizeof hint, "methods:");
    const ag_MethodSpec *m = ag_context_methods(&n);
    for (size_t i = 0; i < n && used < sizeof hint; i++)
      used += (size_t)snprintf(hint + used, sizeof hint - used, " %s",
                               strncmp(name, "context-", 8) == 0 ? m[i].lispy_name : m[i].name);
  }
  agl_emit(x, at, AG_ERROR, "A402", hint, "%s names no context method%s", name,
           call ? "" : " (in :requires)");
}

/* :requires: A108 unless it is a list of strings; each item must name a
** context method (A402) within the host's and the declared version. */
static void agl_lint_requires(agl_Lint *x) {
  const cJSON *v = agl_get(x->desc, "requires");
  const agl_Node *node = agl_child(x->src, x->root, "requires");
  if (!v) return;
  if (!cJSON_IsArray(v)) {
    agl_emit(x, agl_vpos(node, x->here), AG_ERROR, "A108",
             "e.g. :requires [\"llm\" \"fetch_thread\"]",
             ":requires must be a list of context method names, got %s", agl_json_type(v));
    return;
  }
  size_t i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, v) {
    agl_Pos at = agl_vpos(agl_item(x->src, node, i++), agl_vpos(node, x->here));
    const ag_MethodSpec *m = cJSON_IsString(it) ? ag_context_method(it->valuestring) : NULL;
    if (!cJSON_IsString(it))
      agl_emit(x, at, AG_ERROR, "A108", "write method names as strings, e.g. \"llm\"",
               ":requires item is a %s, not a method name", agl_json_type(it));
    else if (!m) agl_unknown_method(x, it->valuestring, at, false);
    else agl_check_method_version(x, m, at, it->valuestring);
  }
}

/* Does :requires list method m (by either spelling)? */
static bool agl_requires_lists(const cJSON *req, const ag_MethodSpec *m) {
  const cJSON *it;
  cJSON_ArrayForEach(it, req) if (cJSON_IsString(it) &&
                                  ag_context_method(it->valuestring) == m) return true;
  return false;
}

/* Has an earlier call (before index i) already used m? */
static bool agl_seen_call(const agl_Source *s, size_t i, const ag_MethodSpec *m) {
  for (size_t j = 0; j < i; j++)
    if (ag_context_method(s->calls[j].name) == m) return true;
  return false;
}

/* Arity, version and :requires of one (context-method ...) call. */
static void agl_lint_method_call(agl_Lint *x, size_t i, const ag_MethodSpec *m) {
  const agl_Call *c = &x->src->calls[i];
  int after = c->nargs - 1;
  char hint[160];
  snprintf(hint, sizeof hint, "usage: (%s %s", c->name, m->params[0] == '(' ? m->params + 1 : ")");
  if (c->nargs >= 0 && (after < m->min_args || after > m->max_args))
    agl_emit(x, c->pos, AG_WARNING, "A406", hint, "%s takes %s but is called with %d argument%s",
             c->name, m->params, c->nargs, c->nargs == 1 ? "" : "s");
  agl_check_method_version(x, m, c->pos, c->name);
  const cJSON *req = agl_get(x->desc, "requires");
  if (cJSON_IsArray(req) && !agl_requires_lists(req, m) && !agl_seen_call(x->src, i, m)) {
    snprintf(hint, sizeof hint, "add \"%s\" to :requires", m->name);
    agl_emit(x, c->pos, AG_WARNING, "A405", hint, "%s is called but :requires does not list \"%s\"",
             c->name, m->name);
  }
}

/* Every (context-...) call found in the source. Names the file defines
** itself and other context bindings (context-version, context-has?) are
** not methods and pass. */
static void agl_lint_calls(agl_Lint *x) {
  for (size_t i = 0; i < x->src->ncalls; i++) {
    const agl_Call *c = &x->src->calls[i];
    if (agl_source_defines(x->src, c->name)) continue;
    const ag_MethodSpec *m = ag_context_method(c->name);
    if (m) agl_lint_method_call(x, i, m);
    else if (!lispy_env_get(x->L, x->a->env, c->name, NULL))
      agl_unknown_method(x, c->name, c->pos, true);
  }
}

/* ========================================================================
** A3xx: the run function
** ======================================================================== */

/* What the linter knows of run: the compiled function and its source. */
_Static_assert(AGL_MAX_PARAMS >= LISPY_MAX_PARAMS, "lint must see every parameter of run");

typedef struct agl_RunInfo {
  const char *name;                   /* "run", "agent-run", "basic-agent-run" */
  const agl_Fn *fn;                   /* its source definition, or NULL */
  const char *params[AGL_MAX_PARAMS]; /* fixed parameter names (compiled) */
  int nparams;                        /* entries of params, the context's included */
  bool rest;                          /* a rest parameter, or a native run: takes any number */
} agl_RunInfo;

/* The stem of path's file name with '_' as '-' plus "-run" (legacy). */
static void agl_stem_run(const char *path, char *out, size_t n) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t len = strcspn(base, ".");
  if (len + 5 > n) len = n > 5 ? n - 5 : 0;
  for (size_t i = 0; i < len; i++) out[i] = base[i] == '_' ? '-' : base[i];
  memcpy(out + len, "-run", 5);
}

/* Fill info from the compiled run (parameters) and the source (positions). */
static void agl_run_info(agl_Lint *x, agl_RunInfo *ri, char *stem, size_t stemlen) {
  memset(ri, 0, sizeof *ri);
  ri->name = "run";
  if (x->a->legacy) {
    agl_stem_run(x->path, stem, stemlen);
    ri->name =
        agl_source_fn(x->src, "agent-run") || !agl_source_fn(x->src, stem) ? "agent-run" : stem;
  }
  ri->fn = agl_source_fn(x->src, ri->name);
  lispy_Value f = lispy_deref(x->L, x->a->run_ref);
  int nparams = lispy_fn_nparams(f, &ri->rest);
  if (nparams < 0) {
    ri->rest = true; /* a native run: accept anything */
    return;
  }
  lispy_Value l = lispy_fn_params(f);
  for (int i = 0; i < nparams && i < AGL_MAX_PARAMS && lispy_type(l) == LISPY_TPAIR;
       i++, l = lispy_cdr(l)) {
    const char *name = lispy_symbol_name(lispy_car(l));
    ri->params[i] = name ? name : "?";
    ri->nparams = i + 1;
  }
}

/* Where parameter i of run was written (else its list, else run). */
static agl_Pos agl_param_pos(agl_Lint *x, const agl_RunInfo *ri, int i) {
  if (!ri->fn) return x->here;
  if (i >= 0 && (size_t)i < ri->fn->nparams) return ri->fn->params[i].pos;
  return ri->fn->params_pos.line ? ri->fn->params_pos : ri->fn->pos;
}

/* Is name one of run's parameters after the context? */
static bool agl_run_has_param(const agl_RunInfo *ri, const char *name) {
  for (int i = 1; i < ri->nparams; i++)
    if (strcmp(ri->params[i], name) == 0) return true;
  return false;
}

/* run is missing or is not a function. */
static void agl_run_missing(agl_Lint *x, const agl_RunInfo *ri) {
  const agl_Def *d = agl_source_def(x->src, ri->name);
  if (d) {
    agl_emit(x, d->pos, AG_ERROR, "A301", "define it as a function: (define (run context ...) ...)",
             "%s is defined but is not a function", ri->name);
  } else if (x->a->legacy || x->legacy_style) {
    agl_emit(x, x->here, AG_ERROR, "A301", "(define (agent-run context kwargs) ...)",
             "legacy agent has no agent-run function");
  } else {
    agl_emit(x, x->here, AG_ERROR, "A301",
             "(define (run context arg ...) ...) or (defn run [context arg ...] ...)",
             "agent has no run function");
  }
}

/* The first parameter receives the context. */
static bool agl_run_context_param(agl_Lint *x, const agl_RunInfo *ri, const cJSON *props) {
  if (ri->nparams == 0 && !ri->rest) {
    agl_emit(x, agl_param_pos(x, ri, -1), AG_ERROR, "A302", "(define (run context ...) ...)",
             "run takes no parameters, but it is called with the context first");
    return false;
  }
  if (ri->nparams > 0 && agl_get(props, ri->params[0]) && strcmp(ri->params[0], "context") != 0 &&
      strcmp(ri->params[0], "ctx") != 0) {
    char hint[160];
    snprintf(hint, sizeof hint, "add the context first: (run context %s ...)", ri->params[0]);
    agl_emit(x, agl_param_pos(x, ri, 0), AG_ERROR, "A302", hint,
             "run's first parameter %s is a property, but the first parameter receives the context",
             ri->params[0]);
    return false;
  }
  return true;
}

/* Parameters after the context must be properties. */
static void agl_run_params_known(agl_Lint *x, const agl_RunInfo *ri, const cJSON *props) {
  for (int i = 1; i < ri->nparams; i++) {
    if (agl_get(props, ri->params[i])) continue;
    const char *sug = agl_suggest_key(x, ri->params[i], props);
    char hint[160];
    if (sug) snprintf(hint, sizeof hint, "did you mean %s?", sug);
    else snprintf(hint, sizeof hint, "declare it in :parameters :properties, or remove it");
    agl_emit(x, agl_param_pos(x, ri, i), AG_ERROR, "A303", hint,
             "run parameter %s is not a property of :parameters, so it is always nil",
             ri->params[i]);
  }
}

/* Properties run cannot receive: an error when required, else a warning. */
static void agl_run_props_received(agl_Lint *x, const agl_RunInfo *ri, const cJSON *params) {
  const cJSON *props = agl_get(params, "properties"), *req = agl_get(params, "required"), *it;
  const agl_Node *pn = agl_child(x->src, agl_child(x->src, x->root, "parameters"), "properties");
  ag_Names req_names = ag_names(req, false);
  cJSON_ArrayForEach(it, (cJSON_IsObject(props) ? props : NULL)) {
    if (agl_run_has_param(ri, it->string)) continue;
    bool required = ag_names_has(&req_names, it->string);
    char hint[160];
    snprintf(hint, sizeof hint, "add %s to run's parameters", it->string);
    agl_emit(x, agl_kpos(agl_child(x->src, pn, it->string), agl_vpos(pn, x->here)),
             required ? AG_ERROR : AG_WARNING, required ? "A304" : "A305", hint,
             "%s property %s is never passed to run", required ? "required" : "optional",
             it->string);
  }
  ag_names_free(&req_names);
}

/* A3xx, run against the descriptor: missing (A301); a legacy run must
** take (context kwargs) (A306); else the context comes first (A302),
** the other parameters are properties (A303) and, without a rest
** parameter, every property reaches run (A304/A305). */
static void agl_lint_run(agl_Lint *x) {
  char stem[128];
  agl_RunInfo ri;
  agl_run_info(x, &ri, stem, sizeof stem);
  if (x->a->run_ref < 0) {
    agl_run_missing(x, &ri);
    return;
  }
  if (x->a->legacy) {
    if (ri.nparams != 2 && !(ri.rest && ri.nparams <= 2))
      agl_emit(x, agl_param_pos(x, &ri, -1), AG_ERROR, "A306",
               "(define (agent-run context kwargs) ...)",
               "legacy run is called as (%s context kwargs) but takes %d parameter%s", ri.name,
               ri.nparams, ri.nparams == 1 ? "" : "s");
    return;
  }
  const cJSON *params = agl_get(x->desc, "parameters");
  const cJSON *props = agl_get(params, "properties");
  if (!agl_run_context_param(x, &ri, props) || ri.nparams == 0) return;
  agl_run_params_known(x, &ri, props);
  if (!ri.rest) agl_run_props_received(x, &ri, params);
}

/* ========================================================================
** A1xx presence and A5xx file / style
** ======================================================================== */

/* The evaluated AGENT (or DESCRIPTOR) global, if the file defines one. */
static bool agl_desc_value(agl_Lint *x, lispy_Value *v) {
  return lispy_env_get_own(x->L, x->a->env, "AGENT", v) ||
         lispy_env_get_own(x->L, x->a->env, "DESCRIPTOR", v);
}

/* Is there a descriptor object to lint? Reports A100 / A105 otherwise. */
static bool agl_lint_presence(agl_Lint *x) {
  if (cJSON_IsObject(x->desc)) return true;
  const char *hint = "AGENT must be a dict: {:name ... :description ... :parameters ...}";
  lispy_Value v;
  agl_Pos at = x->root ? x->root->vpos : x->here;
  if (x->desc) {
    const char *type = agl_json_type(x->desc);
    agl_emit(x, at, AG_ERROR, "A105", hint, "descriptor is %s %s, not a dict",
             strchr("aeiou", type[0]) ? "an" : "a", type);
  } else if (agl_desc_value(x, &v)) {
    char why[200] = "";
    cJSON *j = ag_descriptor_json(x->rt, v, why, sizeof why);
    cJSON_Delete(j);
    agl_emit(x, at, AG_ERROR, "A105",
             "keep only JSON data in AGENT: strings, numbers, booleans, nil, lists, dicts",
             "descriptor cannot be converted to JSON: %s", why[0] ? why : lispy_type_name(v));
  } else {
    agl_emit(x, x->here, AG_ERROR, "A100",
             "(define AGENT {:name \"my_agent\" :description \"...\" :parameters {...}})",
             "no descriptor: the file defines neither AGENT nor DESCRIPTOR");
  }
  return false;
}

/* Legacy: agent-parameters must be a dict of name -> description. */
static void agl_lint_legacy_params(agl_Lint *x) {
  lispy_Value v;
  if (agl_source_def(x->src, "AGENT") || agl_source_def(x->src, "DESCRIPTOR") ||
      !lispy_env_get_own(x->L, x->a->env, "agent-parameters", &v) || lispy_type(v) == LISPY_TDICT)
    return;
  const agl_Def *d = agl_source_def(x->src, "agent-parameters");
  agl_emit(x, d ? d->value.vpos : x->here, AG_ERROR, "A202",
           "(define agent-parameters (make-dict \"city\" \"City name\"))",
           "agent-parameters must be a dict of parameter name -> description, got %s",
           lispy_type_name(v));
}

/* name as it must appear in the file name (legacy: lower case, '_'). */
static void agl_file_stem(const char *name, bool legacy, char *out, size_t n) {
  size_t j = 0;
  for (size_t i = 0; name[i] && j + 1 < n; i++) {
    char c = name[i];
    if (legacy) c = (c == '-' || c == ' ') ? '_' : (char)tolower((unsigned char)c);
    out[j++] = c;
  }
  out[j] = '\0';
}

static bool agl_ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The file must be <name>_agent.lispy to be discovered and found. */
static void agl_lint_file_name(agl_Lint *x) {
  const char *base = strrchr(x->path, '/');
  base = base ? base + 1 : x->path;
  if (!agl_ends_with(base, ".lispy")) return; /* "<repl>" and the like */
  const cJSON *name = agl_get(x->desc, "name");
  char want[160], got[160], hint[200];
  if (cJSON_IsString(name) && agl_valid_name(name->valuestring))
    agl_file_stem(name->valuestring, x->a->legacy, want, sizeof want);
  else snprintf(want, sizeof want, "%s", "NAME");
  snprintf(hint, sizeof hint, "rename the file to %s_agent.lispy", want);
  agl_Pos top = {1, 1};
  if (!agl_ends_with(base, "_agent.lispy")) {
    agl_emit(x, top, AG_WARNING, "A501", hint,
             "file name %s does not end in _agent.lispy; agent folders will not discover it", base);
    return;
  }
  agl_file_stem(base, x->a->legacy, got, sizeof got);
  got[strlen(got) - strlen("_agent.lispy")] = '\0';
  if (strcmp(want, "NAME") != 0 && strcmp(got, want) != 0)
    agl_emit(x, top, AG_WARNING, "A501", hint, "file name %s does not match the agent name %s",
             base, name->valuestring);
}

/* One descriptor definition only (files: a shell redefines at will). */
static void agl_lint_duplicates(agl_Lint *x) {
  if (!agl_ends_with(x->path, ".lispy")) return;
  size_t na = agl_source_def_count(x->src, "AGENT"),
         nd = agl_source_def_count(x->src, "DESCRIPTOR");
  if (na + nd < 2) return;
  const agl_Def *d = agl_source_def(x->src, nd && na ? "DESCRIPTOR" : na ? "AGENT" : "DESCRIPTOR");
  if (na && nd)
    agl_emit(x, d->pos, AG_WARNING, "A502", "keep one of them (DESCRIPTOR is an alias of AGENT)",
             "both AGENT and DESCRIPTOR are defined");
  else
    agl_emit(x, d->pos, AG_WARNING, "A502", "keep one definition",
             "%s is defined %zu times; the last definition wins", na ? "AGENT" : "DESCRIPTOR",
             na + nd);
}

/* ========================================================================
** Entry point
** ======================================================================== */

/* A110 / A111: what the cap on listed diagnostics left out, at the
** descriptor. An error when errors were left out, so the file stays as
** broken as it is. */
static void agl_lint_dropped(agl_Lint *x) {
  ag_Diags *d = &x->a->diags;
  if (x->dropped_errors)
    ag_diags_add(d, x->path, x->here.line, x->here.col, AG_ERROR, "A110",
                 "fix the errors listed first; the rest are often the same mistake",
                 "%zu more error%s not listed (lint lists %d errors per file)", x->dropped_errors,
                 x->dropped_errors == 1 ? "" : "s", AG_LINT_MAX_DIAGS);
  if (x->dropped_other)
    ag_diags_add(d, x->path, x->here.line, x->here.col, AG_NOTE, "A111",
                 "fix the ones listed first; the rest are often the same",
                 "%zu more warnings or notes not listed (lint lists %d of each per file)",
                 x->dropped_other, AG_LINT_MAX_DIAGS);
}

/* Whether diagnostic a comes after b (by line, then column). */
static bool agl_after(const ag_Diag *a, const ag_Diag *b) {
  return a->line > b->line || (a->line == b->line && a->col > b->col);
}

/* Order this pass's diagnostics by position: a stable merge sort, as a
** generated descriptor may bring tens of thousands (insertion sort when
** the scratch array cannot be had). */
static void agl_sort(ag_Diags *d, size_t from) {
  size_t n = d->n - from;
  ag_Diag *a = d->items + from, *tmp = n > 1 ? malloc(n * sizeof *tmp) : NULL;
  if (tmp == NULL) {
    for (size_t i = 1; i < n; i++) {
      ag_Diag t = a[i];
      size_t j = i;
      for (; j > 0 && agl_after(&a[j - 1], &t); j--) a[j] = a[j - 1];
      a[j] = t;
    }
    return;
  }
  for (size_t width = 1; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
      size_t i = lo, j = mid, k = lo;
      while (i < mid && j < hi) tmp[k++] = agl_after(&a[i], &a[j]) ? a[j++] : a[i++];
      while (i < mid) tmp[k++] = a[i++];
      while (j < hi) tmp[k++] = a[j++];
    }
    memcpy(a, tmp, n * sizeof *a);
  }
  free(tmp);
}

/* The descriptor's tree and position: AGENT, else DESCRIPTOR, else the
** one synthesized from the legacy defines (the loader's order). */
static void agl_find_root(agl_Lint *x) {
  const agl_Def *d = agl_source_def(x->src, "AGENT");
  if (!d) d = agl_source_def(x->src, "DESCRIPTOR");
  if (d) x->root = &d->value;
  else if (x->src->legacy.kind == AGL_OBJ) x->root = &x->src->legacy;
  x->here = (agl_Pos){x->a->line > 0 ? x->a->line : 1, 1};
  if (x->root && x->root->vpos.line) x->here = x->root->vpos;
}

/* Everything that needs a descriptor object. */
static void agl_lint_descriptor(agl_Lint *x) {
  agl_lint_name(x);
  agl_lint_description(x);
  agl_lint_desc_keys(x);
  agl_lint_version(x);
  agl_lint_requires(x);
  size_t errors_before = ag_diags_count(&x->a->diags, AG_ERROR);
  agl_lint_parameters(x);
  agl_lint_legacy_params(x);
  agl_lint_validator(x, errors_before);
  if (!x->legacy_style) /* the legacy style cannot say more */
    agl_strict_schema(x, agl_get(x->desc, "parameters"), agl_child(x->src, x->root, "parameters"),
                      agl_at_value(x, x->root, "parameters", x->here), 0);
  agl_lint_run(x);
  agl_lint_file_name(x);
}

/* See agents.h. Appends this pass's diagnostics to a->diags (what was
** there stays first), ordered by position; the descriptor checks only
** when there is a descriptor object (else A100/A105), then the context
** calls, the load-time effects (A407), duplicate definitions and the
** A110/A111 counts. src may be NULL (positions then fall back). */
void ag_lint(ag_Runtime *rt, ag_Agent *a, const char *src, size_t len) {
  agl_Source s;
  agl_Lint x;
  lispy_Value v;
  memset(&x, 0, sizeof x);
  x.a = a;
  x.rt = rt;
  x.suggest_cells = AG_LINT_SUGGEST_CELLS;
  x.L = ag_runtime_lispy(rt);
  x.path = a->path ? a->path : "<unknown>";
  x.desc = a->descriptor;
  x.src = &s;
  x.legacy_style = !agl_desc_value(&x, &v);
  agl_source_read(x.L, src, src ? len : 0, x.path, &s);
  agl_find_root(&x);
  size_t from = a->diags.n;
  if (agl_lint_presence(&x)) agl_lint_descriptor(&x);
  agl_lint_calls(&x);
  ag_lint_effects(rt, a, src, src ? len : 0);
  agl_lint_duplicates(&x);
  agl_lint_dropped(&x);
  agl_sort(&a->diags, from);
  agl_source_free(&s);
}
