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
#include "ag_internal.h"
#include "ag_lint_locate.h"
#include "ag_schema.h"

#define AGL_NAME_MAX 64           /* ^[a-zA-Z0-9_-]{1,64}$ */
#define AGL_SUGGESTED_KEYWORDS 30 /* the first entries of agl_keywords */

/* ========================================================================
** Vocabulary
** ======================================================================== */

static const char *const agl_desc_keys[] = {
  "name", "description", "parameters", "requires_context_version", "requires", "strict",
};

/* JSON Schema keywords. "Did you mean" suggests only the first
** AGL_SUGGESTED_KEYWORDS (the ones agents use); the rest are standard but
** rare, and merely not reported as unknown. */
static const char *const agl_keywords[] = {
  "type", "properties", "required", "additionalProperties", "enum", "const",
  "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
  "minLength", "maxLength", "pattern", "items", "prefixItems", "minItems",
  "maxItems", "uniqueItems", "default", "description", "title", "examples",
  "anyOf", "oneOf", "allOf", "not", "$ref", "$defs", "format",
  "$schema", "$id", "$comment", "definitions", "patternProperties",
  "propertyNames", "minProperties", "maxProperties", "contains", "minContains",
  "maxContains", "dependentRequired", "dependentSchemas", "if", "then", "else",
  "readOnly", "writeOnly", "deprecated", "unevaluatedProperties",
  "unevaluatedItems", "contentEncoding", "contentMediaType",
};

static const char *const agl_types[] = {
  "string", "number", "integer", "boolean", "object", "array", "null",
};

/* Type names from other languages, and the JSON Schema name to use. */
static const char *const agl_type_aliases[][2] = {
  {"str", "string"}, {"text", "string"}, {"int", "integer"}, {"long", "integer"},
  {"float", "number"}, {"double", "number"}, {"bool", "boolean"},
  {"list", "array"}, {"vector", "array"}, {"dict", "object"}, {"map", "object"},
  {"hash", "object"}, {"none", "null"}, {"nil", "null"},
};

/* Keywords OpenAI structured outputs (strict mode) does not accept. */
static const char *const agl_strict_unsupported[] = {
  "default", "minLength", "maxLength", "uniqueItems", "allOf", "oneOf", "not",
  "if", "then", "else", "patternProperties", "propertyNames", "minProperties",
  "maxProperties", "contains", "minContains", "maxContains",
  "unevaluatedProperties", "unevaluatedItems", "dependentRequired",
  "dependentSchemas",
};

/* String formats strict mode supports. */
static const char *const agl_strict_formats[] = {
  "date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid",
};

#define AGL_COUNT(a) (sizeof (a) / sizeof (a)[0])

static bool agl_in(const char *s, const char *const *set, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, set[i]) == 0) return true;
  return false;
}

/* ========================================================================
** The lint pass
** ======================================================================== */

typedef struct agl_Lint {
  ag_Agent *a;                /* the agent being linted */
  ag_Runtime *rt;             /* its runtime */
  lispy_State *L;
  const agl_Source *src;      /* positions read back from the source */
  const char *path;           /* for diagnostics */
  const cJSON *desc;          /* the descriptor object, or NULL */
  const agl_Node *root;       /* its position tree, or NULL */
  agl_Pos here;               /* the descriptor's position (fallback) */
  int declared_version;       /* requires_context_version, 0 when absent */
  int64_t suggest_cells;      /* edit-distance work left for suggestions
                                 (AG_LINT_SUGGEST_CELLS per file) */
  size_t listed[3];           /* diagnostics listed, per ag_Severity */
  size_t dropped_errors;      /* errors past AG_LINT_MAX_DIAGS (A110) */
  size_t dropped_other;       /* warnings and notes past it (A111) */
  bool legacy_style;          /* no AGENT / DESCRIPTOR: the legacy defines */
} agl_Lint;

/* Add one diagnostic at p (line 0: the descriptor's position). */
__attribute__((format(printf, 6, 7)))
static void agl_emit(agl_Lint *x, agl_Pos p, ag_Severity sev, const char *code,
                     const char *hint, const char *fmt, ...) {
  assert(sev <= AG_NOTE);
  if (x->listed[sev] >= AG_LINT_MAX_DIAGS) {  /* counted, not listed */
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
static void agl_brief(const cJSON *v, char *buf, size_t n) {
  char *s = cJSON_PrintUnformatted(v);
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
static const char *agl_suggest(agl_Lint *x, const char *word, const char *const *cands,
                               size_t n) {
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
static const char *agl_suggest_key(agl_Lint *x, const char *word, const cJSON *obj) {
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

static bool agl_is_integer(const cJSON *v) {
  return cJSON_IsNumber(v) && isfinite(v->valuedouble) && floor(v->valuedouble) == v->valuedouble;
}

static const char *agl_json_type(const cJSON *v) {
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
static bool agl_matches_type(const cJSON *v, const cJSON *type) {
  if (cJSON_IsString(type)) return agl_has_type(v, type->valuestring);
  if (!cJSON_IsArray(type)) return true;
  const cJSON *t;
  cJSON_ArrayForEach(t, type)
    if (cJSON_IsString(t) && agl_has_type(v, t->valuestring)) return true;
  return false;
}

/* The type as text for messages: "integer" or ["string","null"]. */
static void agl_type_text(const cJSON *type, char *buf, size_t n) {
  if (cJSON_IsString(type)) snprintf(buf, n, "%s", type->valuestring);
  else agl_brief(type, buf, n);
}

/* ========================================================================
** A1xx: the descriptor
** ======================================================================== */

static const cJSON *agl_get(const cJSON *obj, const char *key) {
  return cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
}

/* Position of the value / key of desc's entry key. */
static agl_Pos agl_at_value(agl_Lint *x, const agl_Node *n, const char *key, agl_Pos fb) {
  return agl_vpos(agl_child(x->src, n, key), fb);
}

static agl_Pos agl_at_key(agl_Lint *x, const agl_Node *n, const char *key, agl_Pos fb) {
  return agl_kpos(agl_child(x->src, n, key), fb);
}

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

static void agl_lint_description(agl_Lint *x) {
  const cJSON *v = agl_get(x->desc, "description");
  const char *hint = "say what the agent does in one sentence; the model reads it to decide when to call it";
  if (!v)
    agl_emit(x, x->here, AG_ERROR, "A104", hint, "descriptor has no :description");
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
      agl_emit(x, at, AG_NOTE, "A109", "the host only reads :name :description :parameters :requires_context_version :requires",
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
    agl_emit(x, at, AG_ERROR, "A107", "write a context version number, e.g. :requires_context_version 1",
             ":requires_context_version must be a positive integer, got %s", b);
    return;
  }
  x->declared_version = v->valuedouble > 1e6 ? 1000000 : (int)v->valuedouble;
  if (x->declared_version > AG_CONTEXT_VERSION) {
    char hint[128];
    snprintf(hint, sizeof hint, "this host provides context version %d; lower the requirement or upgrade the host",
             AG_CONTEXT_VERSION);
    agl_emit(x, at, AG_ERROR, "A401", hint, "agent requires context version %d, above the host's %d",
             x->declared_version, AG_CONTEXT_VERSION);
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
    agl_emit(x, at, AG_ERROR, "A403", "check (context-has? context ...) before calling it, or upgrade the host",
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

static void agl_lint_requires(agl_Lint *x) {
  const cJSON *v = agl_get(x->desc, "requires");
  const agl_Node *node = agl_child(x->src, x->root, "requires");
  if (!v) return;
  if (!cJSON_IsArray(v)) {
    agl_emit(x, agl_vpos(node, x->here), AG_ERROR, "A108", "e.g. :requires [\"llm\" \"fetch_thread\"]",
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
    else if (!m)
      agl_unknown_method(x, it->valuestring, at, false);
    else
      agl_check_method_version(x, m, at, it->valuestring);
  }
}

/* Does :requires list method m (by either spelling)? */
static bool agl_requires_lists(const cJSON *req, const ag_MethodSpec *m) {
  const cJSON *it;
  cJSON_ArrayForEach(it, req)
    if (cJSON_IsString(it) && ag_context_method(it->valuestring) == m) return true;
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
    agl_emit(x, c->pos, AG_WARNING, "A406", hint,
             "%s takes %s but is called with %d argument%s", c->name, m->params, c->nargs,
             c->nargs == 1 ? "" : "s");
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
    else if (!lispy_env_get(x->L, x->a->env, c->name, NULL)) agl_unknown_method(x, c->name, c->pos, true);
  }
}

/* ========================================================================
** A2xx: schemas
** ======================================================================== */

static void agl_lint_schema(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at, int depth);

/* Misspelled (warning) and unknown (note) keywords of one schema. */
static void agl_lint_keywords(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at) {
  const cJSON *it;
  cJSON_ArrayForEach(it, s) {
    if (agl_in(it->string, agl_keywords, AGL_COUNT(agl_keywords))) continue;
    agl_Pos kat = agl_at_key(x, n, it->string, at);
    const char *sug = agl_suggest(x, it->string, agl_keywords, AGL_SUGGESTED_KEYWORDS);
    if (sug) {
      char hint[128];
      snprintf(hint, sizeof hint, "did you mean :%s?", sug);
      agl_emit(x, kat, AG_WARNING, "A209", hint, "unknown schema keyword :%s", it->string);
    } else {
      agl_emit(x, kat, AG_NOTE, "A212", "validation ignores keywords it does not know",
               "schema keyword :%s is not JSON Schema", it->string);
    }
  }
}

/* One type name: valid, an alias from another language, or a typo. */
static void agl_lint_type_name(agl_Lint *x, const char *t, agl_Pos at) {
  if (agl_in(t, agl_types, AGL_COUNT(agl_types))) return;
  char hint[160];
  const char *sug = NULL;
  for (size_t i = 0; i < AGL_COUNT(agl_type_aliases) && !sug; i++)
    if (strcmp(t, agl_type_aliases[i][0]) == 0) sug = agl_type_aliases[i][1];
  if (!sug) sug = agl_suggest(x, t, agl_types, AGL_COUNT(agl_types));
  if (sug) snprintf(hint, sizeof hint, "did you mean \"%s\"?", sug);
  else snprintf(hint, sizeof hint, "use one of string, number, integer, boolean, object, array, null");
  agl_emit(x, at, AG_ERROR, "A204", hint, "unknown type \"%.60s\"", t);
}

static void agl_lint_type(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at) {
  const cJSON *t = agl_get(s, "type");
  const agl_Node *tn = agl_child(x->src, n, "type");
  agl_Pos tat = agl_vpos(tn, at);
  if (!t) return;
  if (cJSON_IsString(t)) {
    agl_lint_type_name(x, t->valuestring, tat);
    return;
  }
  if (!cJSON_IsArray(t) || cJSON_GetArraySize(t) == 0) {
    agl_emit(x, tat, AG_ERROR, "A204", "e.g. :type \"string\" or :type [\"string\" \"null\"]",
             ":type must be a type name or a list of them");
    return;
  }
  size_t i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, t) {
    agl_Pos iat = agl_vpos(agl_item(x->src, tn, i++), tat);
    if (cJSON_IsString(it)) agl_lint_type_name(x, it->valuestring, iat);
    else agl_emit(x, iat, AG_ERROR, "A204", NULL, ":type list item is a %s, not a type name",
                  agl_json_type(it));
  }
}

/* properties: a dict of name -> schema dict. */
static void agl_lint_properties(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at, int depth) {
  const cJSON *p = agl_get(s, "properties");
  const agl_Node *pn = agl_child(x->src, n, "properties");
  agl_Pos pat = agl_vpos(pn, at);
  if (!p) return;
  if (!cJSON_IsObject(p)) {
    agl_emit(x, pat, AG_ERROR, "A203", "e.g. :properties {:city {:type \"string\"}}",
             ":properties must be a dict of property schemas, got %s", agl_json_type(p));
    return;
  }
  const cJSON *it;
  cJSON_ArrayForEach(it, p) {
    const agl_Node *kn = agl_child(x->src, pn, it->string);
    if (cJSON_IsObject(it) || cJSON_IsBool(it)) {
      agl_lint_schema(x, it, kn, agl_vpos(kn, pat), depth + 1);
      continue;
    }
    char hint[160];
    snprintf(hint, sizeof hint, "write a schema dict, e.g. :%s {:type \"%s\"}", it->string,
             cJSON_IsString(it) && agl_in(it->valuestring, agl_types, AGL_COUNT(agl_types))
                 ? it->valuestring : "string");
    agl_emit(x, agl_vpos(kn, pat), AG_ERROR, "A203", hint,
             "property %s: schema must be a dict, got %s", it->string, agl_json_type(it));
  }
}

/* required: a list of strings naming properties of the same schema. */
static void agl_lint_required(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at) {
  const cJSON *r = agl_get(s, "required"), *props = agl_get(s, "properties");
  const agl_Node *rn = agl_child(x->src, n, "required");
  if (!r) return;
  if (!cJSON_IsArray(r)) {
    agl_emit(x, agl_vpos(rn, at), AG_ERROR, "A205", "e.g. :required [\"city\"]",
             ":required must be a list of property names, got %s", agl_json_type(r));
    return;
  }
  size_t i = 0;
  const cJSON *it;
  ag_Names known = ag_names(props, true);
  cJSON_ArrayForEach(it, r) {
    agl_Pos iat = agl_vpos(agl_item(x->src, rn, i++), agl_vpos(rn, at));
    if (!cJSON_IsString(it)) {
      agl_emit(x, iat, AG_ERROR, "A205", "write property names as strings",
               ":required item is a %s, not a property name", agl_json_type(it));
    } else if (!ag_names_has(&known, it->valuestring)) {
      const char *sug = agl_suggest_key(x, it->valuestring, props);
      char hint[160];
      if (sug) snprintf(hint, sizeof hint, "did you mean \"%s\"?", sug);
      else snprintf(hint, sizeof hint, "add %s to :properties or drop it from :required", it->valuestring);
      agl_emit(x, iat, AG_ERROR, "A206", hint, ":required names unknown property \"%.60s\"",
               it->valuestring);
    }
  }
  ag_names_free(&known);
}

/* A value (default, const, enum item) that the schema's own type rejects. */
static void agl_wrong_type(agl_Lint *x, const cJSON *v, const cJSON *type, agl_Pos at,
                           const char *code, const char *what) {
  char b[64], t[64];
  agl_brief(v, b, sizeof b);
  agl_type_text(type, t, sizeof t);
  agl_emit(x, at, AG_ERROR, code, "make the value match :type, or fix :type",
           "%s %s is %s %s, but the type is %s", what, b,
           strchr("aeiou", agl_json_type(v)[0]) ? "an" : "a", agl_json_type(v), t);
}

static bool agl_enum_has(const cJSON *e, const cJSON *v) {
  const cJSON *it;
  cJSON_ArrayForEach(it, e)
    if (cJSON_Compare(it, v, true)) return true;
  return false;
}

/* default, const and enum values against type; default among enum. */
static void agl_lint_values(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at) {
  const cJSON *type = agl_get(s, "type"), *d = agl_get(s, "default");
  const cJSON *c = agl_get(s, "const"), *e = agl_get(s, "enum");
  agl_Pos dat = agl_at_value(x, n, "default", at);
  if (d && type && !agl_matches_type(d, type)) agl_wrong_type(x, d, type, dat, "A207", "default");
  if (c && type && !agl_matches_type(c, type))
    agl_wrong_type(x, c, type, agl_at_value(x, n, "const", at), "A208", "const");
  if (!e) return;
  const agl_Node *en = agl_child(x->src, n, "enum");
  if (!cJSON_IsArray(e) || cJSON_GetArraySize(e) == 0) {
    agl_emit(x, agl_vpos(en, at), AG_ERROR, "A208", "e.g. :enum [\"celsius\" \"fahrenheit\"]",
             ":enum must be a non-empty list of allowed values");
    return;
  }
  size_t i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, e) {
    agl_Pos iat = agl_vpos(agl_item(x->src, en, i++), agl_vpos(en, at));
    if (type && !agl_matches_type(it, type)) agl_wrong_type(x, it, type, iat, "A208", "enum value");
  }
  if (d && (!type || agl_matches_type(d, type)) && !agl_enum_has(e, d)) {
    char b[64];
    agl_brief(d, b, sizeof b);
    agl_emit(x, dat, AG_WARNING, "A211", "use one of the :enum values as the default",
             "default %s is not one of the :enum values", b);
  }
}

/* A list of schemas (anyOf, oneOf, allOf, prefixItems). */
static void agl_lint_schema_list(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at,
                                 const char *key, int depth) {
  const cJSON *l = agl_get(s, key);
  const agl_Node *ln = agl_child(x->src, n, key);
  if (!l) return;
  if (!cJSON_IsArray(l)) {
    agl_emit(x, agl_vpos(ln, at), AG_ERROR, "A203", NULL, ":%s must be a list of schemas, got %s",
             key, agl_json_type(l));
    return;
  }
  size_t i = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, l) {
    const agl_Node *in = agl_item(x->src, ln, i++);
    agl_lint_schema(x, it, in, agl_vpos(in, agl_vpos(ln, at)), depth + 1);
  }
}

/* A single subschema (items, not, additionalProperties when a dict). */
static void agl_lint_subschema(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at,
                               const char *key, int depth) {
  const cJSON *v = agl_get(s, key);
  const agl_Node *vn = agl_child(x->src, n, key);
  if (v) agl_lint_schema(x, v, vn, agl_vpos(vn, at), depth + 1);
}

/* A dict of named schemas ($defs, definitions). */
static void agl_lint_schema_dict(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at,
                                 const char *key, int depth) {
  const cJSON *d = agl_get(s, key), *it;
  const agl_Node *dn = agl_child(x->src, n, key);
  if (!cJSON_IsObject(d)) return;
  cJSON_ArrayForEach(it, d) {
    const agl_Node *kn = agl_child(x->src, dn, it->string);
    agl_lint_schema(x, it, kn, agl_vpos(kn, agl_vpos(dn, at)), depth + 1);
  }
}

static void agl_lint_subschemas(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at, int depth) {
  static const char *const lists[] = {"anyOf", "oneOf", "allOf", "prefixItems"};
  static const char *const singles[] = {"items", "not"};
  for (size_t i = 0; i < AGL_COUNT(lists); i++) agl_lint_schema_list(x, s, n, at, lists[i], depth);
  for (size_t i = 0; i < AGL_COUNT(singles); i++) agl_lint_subschema(x, s, n, at, singles[i], depth);
  if (cJSON_IsObject(agl_get(s, "additionalProperties")))
    agl_lint_subschema(x, s, n, at, "additionalProperties", depth);
  agl_lint_schema_dict(x, s, n, at, "$defs", depth);
  agl_lint_schema_dict(x, s, n, at, "definitions", depth);
}

/* Every A2xx rule on schema s (written at n / at), then its subschemas. */
static void agl_lint_schema(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at, int depth) {
  if (cJSON_IsBool(s) || depth > AGL_MAX_SCHEMA_DEPTH) return;
  if (!cJSON_IsObject(s)) {
    agl_emit(x, at, AG_ERROR, "A203", "write a schema dict, e.g. {:type \"string\"}",
             "schema must be a dict, got %s", agl_json_type(s));
    return;
  }
  agl_lint_keywords(x, s, n, at);
  agl_lint_type(x, s, n, at);
  agl_lint_properties(x, s, n, at, depth);
  agl_lint_required(x, s, n, at);
  agl_lint_values(x, s, n, at);
  agl_lint_subschemas(x, s, n, at, depth);
}

/* parameters: present, an object schema, and sound. */
static void agl_lint_parameters(agl_Lint *x) {
  const cJSON *p = agl_get(x->desc, "parameters");
  const agl_Node *pn = agl_child(x->src, x->root, "parameters");
  agl_Pos at = agl_vpos(pn, x->here);
  const char *hint = "e.g. :parameters {:type \"object\" :properties {:city {:type \"string\"}}}";
  if (!p) {
    agl_emit(x, x->here, AG_ERROR, "A201", hint, "descriptor has no :parameters");
    return;
  }
  if (!cJSON_IsObject(p)) {
    agl_emit(x, at, AG_ERROR, "A202", hint, ":parameters must be an object schema (a dict), got %s",
             agl_json_type(p));
    return;
  }
  const cJSON *t = agl_get(p, "type");
  if (!t)
    agl_emit(x, at, AG_ERROR, "A202", "add :type \"object\" to :parameters",
             ":parameters has no :type; it must be \"object\"");
  else if (!cJSON_IsString(t) || strcmp(t->valuestring, "object") != 0)
    agl_emit(x, agl_at_value(x, pn, "type", at), AG_ERROR, "A202",
             "arguments arrive as one object: use :type \"object\" and put the values in :properties",
             ":parameters must have :type \"object\"");
  agl_lint_schema(x, p, pn, at, 0);
}

/* ========================================================================
** A210 / A213: what the validator itself says about the schema
** ======================================================================== */

/* Follow a JSON pointer ("/properties/x/minimum") through the position
** tree as far as it goes; the deepest node reached (n when none). */
static const agl_Node *agl_pointer_node(agl_Lint *x, const agl_Node *n, const char *ptr) {
  char seg[128];
  while (n && *ptr == '/') {
    size_t j = 0;
    for (ptr++; *ptr && *ptr != '/'; ptr++) {
      char c = *ptr;
      if (c == '~' && (ptr[1] == '0' || ptr[1] == '1')) c = *++ptr == '0' ? '~' : '/';
      if (j + 1 < sizeof seg) seg[j++] = c;
    }
    seg[j] = '\0';
    const agl_Node *next = agl_child(x->src, n, seg);
    if (!next && isdigit((unsigned char)seg[0])) next = agl_item(x->src, n, strtoul(seg, NULL, 10));
    if (!next) break;
    n = next;
  }
  return n;
}

/* Compile the schema as the dispatcher will: its errors (A210, only when
** the rules above found none, to avoid saying things twice) and the
** keywords it cannot check (A213). */
static void agl_lint_validator(agl_Lint *x, size_t errors_before) {
  const cJSON *p = agl_get(x->desc, "parameters");
  const agl_Node *pn = agl_child(x->src, x->root, "parameters");
  agl_Pos at = agl_vpos(pn, x->here);
  if (!cJSON_IsObject(p)) return;
  ag_SchemaErrors errs;
  ag_schema_errors_init(&errs);
  ag_Schema *sch = ag_schema_compile(p, &errs);
  bool quiet = ag_diags_count(&x->a->diags, AG_ERROR) > errors_before;
  for (size_t i = 0; !sch && !quiet && i < ag_schema_errors_count(&errs); i++) {
    const char *ptr = ag_schema_error_pointer(&errs, i);
    size_t plen = strlen(ptr);   /* long pointers: keep the end */
    agl_emit(x, agl_vpos(agl_pointer_node(x, pn, ptr), at), AG_ERROR, "A210",
             "fix the keyword's value (see docs/lint.md#a210)", "invalid schema at %s%s: %.400s",
             plen > 80 ? "..." : "", plen ? ptr + (plen > 80 ? plen - 77 : 0) : "/",
             ag_schema_error_message(&errs, i));
  }
  for (size_t i = 0; sch && i < ag_schema_unsupported_count(sch); i++) {
    const ag_SchemaUnsupported *u = ag_schema_unsupported_at(sch, i);
    agl_emit(x, agl_kpos(agl_pointer_node(x, pn, u->pointer), at), AG_WARNING, "A213",
             "arguments are not checked against it; check them in run or drop it",
             "schema keyword :%s is not supported by the validator%s%s", u->keyword,
             u->detail ? ": " : "", u->detail ? u->detail : "");
  }
  ag_schema_free(sch);
  ag_schema_errors_free(&errs);
}

/* ========================================================================
** A6xx: OpenAI strict-mode readiness (notes)
** ======================================================================== */

static void agl_strict_schema(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at, int depth);

/* Strict mode wants every property required and no extra properties. */
static void agl_strict_object(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at) {
  const cJSON *props = agl_get(s, "properties"), *req = agl_get(s, "required"), *it;
  char missing[256] = "", hint[256] = "";
  size_t nmiss = 0;
  ag_Names required = ag_names(req, false);
  cJSON_ArrayForEach(it, (cJSON_IsObject(props) ? props : NULL)) {
    if (ag_names_has(&required, it->string)) continue;
    size_t used = strlen(missing);
    snprintf(missing + used, sizeof missing - used, "%s%s", nmiss++ ? ", " : "", it->string);
    const cJSON *t = agl_get(it, "type");
    if (nmiss == 1)
      snprintf(hint, sizeof hint, "list them in :required and allow null to keep them optional, "
               "e.g. :%.40s {:type [\"%.20s\" \"null\"]}", it->string,
               cJSON_IsString(t) ? t->valuestring : "string");
  }
  ag_names_free(&required);
  if (nmiss)
    agl_emit(x, req ? agl_at_key(x, n, "required", at) : at, AG_NOTE, "A601", hint,
             "strict mode: every property must be required; not required: %s", missing);
  const cJSON *ap = agl_get(s, "additionalProperties");
  if (!cJSON_IsFalse(ap))
    agl_emit(x, ap ? agl_at_value(x, n, "additionalProperties", at) : at, AG_NOTE, "A602",
             "add :additionalProperties false", "strict mode: objects need :additionalProperties false");
}

/* Keywords strict mode rejects, formats it does not know, missing types. */
static void agl_strict_keywords(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at) {
  const cJSON *it, *f = agl_get(s, "format");
  cJSON_ArrayForEach(it, s)
    if (agl_in(it->string, agl_strict_unsupported, AGL_COUNT(agl_strict_unsupported)))
      agl_emit(x, agl_at_key(x, n, it->string, at), AG_NOTE, "A603",
               "strict mode drops or rejects it; describe the constraint in :description instead",
               "strict mode does not support :%s", it->string);
  if (cJSON_IsString(f) && !agl_in(f->valuestring, agl_strict_formats, AGL_COUNT(agl_strict_formats)))
    agl_emit(x, agl_at_value(x, n, "format", at), AG_NOTE, "A603",
             "supported: date-time time date duration email hostname ipv4 ipv6 uuid",
             "strict mode does not support format \"%.60s\"", f->valuestring);
}

/* Each schema of a properties dict must say its type. */
static void agl_strict_properties(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at, int depth) {
  const cJSON *props = agl_get(s, "properties"), *it;
  const agl_Node *pn = agl_child(x->src, n, "properties");
  if (!cJSON_IsObject(props)) return;
  cJSON_ArrayForEach(it, props) {
    const agl_Node *kn = agl_child(x->src, pn, it->string);
    agl_Pos kat = agl_vpos(kn, agl_vpos(pn, at));
    if (cJSON_IsObject(it) && !agl_get(it, "type") && !agl_get(it, "anyOf") &&
        !agl_get(it, "enum") && !agl_get(it, "const") && !agl_get(it, "$ref"))
      agl_emit(x, agl_kpos(kn, kat), AG_NOTE, "A604", "add a :type",
               "strict mode: property %s has no type", it->string);
    agl_strict_schema(x, it, kn, kat, depth + 1);
  }
}

static void agl_strict_schema(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at, int depth) {
  if (!cJSON_IsObject(s) || depth > AGL_MAX_SCHEMA_DEPTH) return;
  const cJSON *t = agl_get(s, "type");
  bool object = (cJSON_IsString(t) && strcmp(t->valuestring, "object") == 0) ||
                cJSON_IsObject(agl_get(s, "properties"));
  if (object) agl_strict_object(x, s, n, at);
  agl_strict_keywords(x, s, n, at);
  agl_strict_properties(x, s, n, at, depth);
  const cJSON *items = agl_get(s, "items");
  if (cJSON_IsObject(items)) {
    const agl_Node *in = agl_child(x->src, n, "items");
    agl_strict_schema(x, items, in, agl_vpos(in, at), depth + 1);
  }
  const cJSON *any = agl_get(s, "anyOf"), *it;
  const agl_Node *an = agl_child(x->src, n, "anyOf");
  size_t i = 0;
  cJSON_ArrayForEach(it, (cJSON_IsArray(any) ? any : NULL)) {
    const agl_Node *in = agl_item(x->src, an, i++);
    agl_strict_schema(x, it, in, agl_vpos(in, at), depth + 1);
  }
}

/* ========================================================================
** A3xx: the run function
** ======================================================================== */

/* What the linter knows of run: the compiled function and its source. */
typedef struct agl_RunInfo {
  const char *name;           /* "run", "agent-run", "basic-agent-run" */
  const agl_Fn *fn;           /* its source definition, or NULL */
  const char *params[AGL_MAX_PARAMS]; /* fixed parameter names (compiled) */
  int nparams;
  bool rest;
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
    ri->name = agl_source_fn(x->src, "agent-run") || !agl_source_fn(x->src, stem) ? "agent-run" : stem;
  }
  ri->fn = agl_source_fn(x->src, ri->name);
  lispy_Value f = lispy_deref(x->L, x->a->run_ref);
  if (!lx_is(f, LX_CLOSURE)) {
    ri->rest = true;        /* a native run: accept anything */
    return;
  }
  lx_Proto *p = lx_as_closure(f)->proto;
  ri->rest = p->has_rest;
  lispy_Value l = p->params;
  for (int i = 0; i < p->nparams && i < AGL_MAX_PARAMS && lx_is(l, LX_PAIR); i++, l = lx_cdr(l)) {
    ri->params[i] = lx_is(lx_car(l), LX_SYMBOL) ? lx_as_symbol(lx_car(l))->name->data : "?";
    ri->nparams = i + 1;
  }
}

/* Where parameter i of run was written (else its list, else run). */
static agl_Pos agl_param_pos(agl_Lint *x, const agl_RunInfo *ri, int i) {
  if (!ri->fn) return x->here;
  if (i >= 0 && (size_t)i < ri->fn->nparams) return ri->fn->params[i].pos;
  return ri->fn->params_pos.line ? ri->fn->params_pos : ri->fn->pos;
}

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
  if (ri->nparams > 0 && agl_get(props, ri->params[0]) &&
      strcmp(ri->params[0], "context") != 0 && strcmp(ri->params[0], "ctx") != 0) {
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
             "run parameter %s is not a property of :parameters, so it is always nil", ri->params[i]);
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
      agl_emit(x, agl_param_pos(x, &ri, -1), AG_ERROR, "A306", "(define (agent-run context kwargs) ...)",
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
    agl_emit(x, at, AG_ERROR, "A105", "keep only JSON data in AGENT: strings, numbers, booleans, nil, lists, dicts",
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
      !lispy_env_get_own(x->L, x->a->env, "agent-parameters", &v) || lx_is(v, LX_DICT))
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
  if (!agl_ends_with(base, ".lispy")) return;   /* "<repl>" and the like */
  const cJSON *name = agl_get(x->desc, "name");
  char want[160], got[160], hint[200];
  if (cJSON_IsString(name) && agl_valid_name(name->valuestring))
    agl_file_stem(name->valuestring, x->a->legacy, want, sizeof want);
  else
    snprintf(want, sizeof want, "%s", "NAME");
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
  size_t na = agl_source_def_count(x->src, "AGENT"), nd = agl_source_def_count(x->src, "DESCRIPTOR");
  if (na + nd < 2) return;
  const agl_Def *d = agl_source_def(x->src, nd && na ? "DESCRIPTOR" : na ? "AGENT" : "DESCRIPTOR");
  if (na && nd)
    agl_emit(x, d->pos, AG_WARNING, "A502", "keep one of them (DESCRIPTOR is an alias of AGENT)",
             "both AGENT and DESCRIPTOR are defined");
  else
    agl_emit(x, d->pos, AG_WARNING, "A502", "keep one definition",
             "%s is defined %zu times; the last definition wins", na ? "AGENT" : "DESCRIPTOR", na + nd);
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
                 "%zu more error%s not listed (lint lists %d errors per file)",
                 x->dropped_errors, x->dropped_errors == 1 ? "" : "s", AG_LINT_MAX_DIAGS);
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
  if (!x->legacy_style)   /* the legacy style cannot say more */
    agl_strict_schema(x, agl_get(x->desc, "parameters"), agl_child(x->src, x->root, "parameters"),
                      agl_at_value(x, x->root, "parameters", x->here), 0);
  agl_lint_run(x);
  agl_lint_file_name(x);
}

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
