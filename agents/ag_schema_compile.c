/*
** ag_schema_compile.c -- compiling a JSON Schema into a graph of nodes.
**
** A schema document is copied, then compiled into a graph of nodes, one per
** subschema (object or boolean); "$ref"s become edges to the node of their
** target (resolved after the structural pass, so they may be cyclic) and
** patterns are compiled with PCRE2 once.
*/
#include "ag_schema_internal.h"

/* ==== Nodes ============================================================== */

/* A fresh node for the subschema src, every count absent, owned by s. */
static ag_ScNode *ag_sc_node_new(ag_Schema *s, const cJSON *src) {
  ag_ScNode *n = ag_sc_calloc(1, sizeof *n);
  n->src = src;
  n->boolean = -1;
  n->min_len = n->max_len = n->min_items = n->max_items = -1;
  n->min_props = n->max_props = -1;
  GROW(s->nodes, s->cap_nodes, s->nnodes + 1);
  s->nodes[s->nnodes++] = n;
  return n;
}

/* ==== Compiler state ====================================================== */

/* A "$ref" waiting for the structural pass to end. */
typedef struct ag_ScPendingRef {
  ag_ScNode *node; /* node holding the $ref */
  const char *ref; /* the reference text (in the owned document) */
  char *where;     /* JSON pointer of the $ref keyword in the schema */
  bool nested;     /* inside a nested $id resource (unsupported) */
} ag_ScPendingRef;

/* State of one ag_schema_compile_ex call (freed by sc_compiler_free). */
typedef struct ag_ScCompiler {
  ag_Schema *s;                /* schema being built */
  ag_SchemaErrors *errs;       /* where schema problems go (may be NULL) */
  size_t nerr;                 /* problems found (recorded or not) */
  ag_ScBuf path;               /* JSON pointer of the value being compiled */
  int depth;                   /* nesting of sc_compile_schema calls */
  int resources;               /* nested $id resources around the path */
  const cJSON **map_keys;      /* open-addressing map: schema value ... */
  ag_ScNode **map_vals;        /* ... -> its node */
  size_t map_cap, map_n;       /* slots (power of 2) / used slots */
  ag_ScPendingRef *refs;       /* $refs to resolve */
  size_t nrefs, cap_refs;      /* used / allocated slots of refs */
  pcre2_compile_context *cctx; /* ECMAScript-ish regex options */
} ag_ScCompiler;

/* Record a problem of the schema at the current path. */
static void sc_cerr(ag_ScCompiler *c, const char *fmt, ...) {
  c->nerr++;
  if (!ag_sc_errs_room(c->errs)) return;
  va_list ap;
  va_start(ap, fmt);
  ag_sc_errs_add(c->errs, ag_sc_strdup(ag_sc_buf_str(&c->path)), ag_sc_vformat(fmt, ap));
  va_end(ap);
}

/* Record an unsupported keyword at the current path; detail may be NULL. */
static void sc_note_unsupported(ag_ScCompiler *c, const char *keyword, char *detail) {
  ag_Schema *s = c->s;
  GROW(s->unsup, s->cap_unsup, s->nunsup + 1);
  s->unsup[s->nunsup].keyword = ag_sc_strdup(keyword);
  s->unsup[s->nunsup].pointer = ag_sc_strdup(ag_sc_buf_str(&c->path));
  s->unsup[s->nunsup].detail = detail;
  s->nunsup++;
}

/* ---- The schema value -> node map (memoizes sc_compile_schema) ---- */

static size_t sc_ptr_hash(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x;
}

/* The slot of key: where it is, or the empty slot where it would go. */
static size_t sc_map_slot(const ag_ScCompiler *c, const cJSON *key) {
  size_t mask = c->map_cap - 1, i = sc_ptr_hash(key) & mask;
  while (c->map_keys[i] != NULL && c->map_keys[i] != key) i = (i + 1) & mask;
  return i;
}

static ag_ScNode *sc_map_get(const ag_ScCompiler *c, const cJSON *key) {
  if (c->map_cap == 0) return NULL;
  return c->map_vals[sc_map_slot(c, key)];
}

/* Map key to val, first doubling the table (64 slots to start) and
** rehashing so it stays at most half full; called once per key, after
** sc_map_get found none. */
static void sc_map_put(ag_ScCompiler *c, const cJSON *key, ag_ScNode *val) {
  if ((c->map_n + 1) * 2 > c->map_cap) {
    ag_ScCompiler old = *c;
    c->map_cap = old.map_cap ? old.map_cap * 2 : 64;
    c->map_keys = ag_sc_calloc(c->map_cap, sizeof *c->map_keys);
    c->map_vals = ag_sc_calloc(c->map_cap, sizeof *c->map_vals);
    for (size_t i = 0; i < old.map_cap; i++) {
      if (old.map_keys[i] == NULL) continue;
      size_t j = sc_map_slot(c, old.map_keys[i]);
      c->map_keys[j] = old.map_keys[i];
      c->map_vals[j] = old.map_vals[i];
    }
    free(old.map_keys);
    free(old.map_vals);
  }
  size_t i = sc_map_slot(c, key);
  c->map_keys[i] = key;
  c->map_vals[i] = val;
  c->map_n++;
}

/* ==== Regular expressions ================================================= */

/* ECMAScript long General_Category names PCRE2 only knows by short name. */
/* clang-format off */
static const char *const sc_GC_NAMES[][2] = {
    {"Cased_Letter", "LC"},        {"Close_Punctuation", "Pe"},
    {"Connector_Punctuation", "Pc"}, {"Control", "Cc"},
    {"cntrl", "Cc"},
    {"Currency_Symbol", "Sc"},     {"Dash_Punctuation", "Pd"},
    {"Decimal_Number", "Nd"},      {"digit", "Nd"},
    {"Enclosing_Mark", "Me"},      {"Final_Punctuation", "Pf"},
    {"Format", "Cf"},              {"Initial_Punctuation", "Pi"},
    {"Letter", "L"},               {"Letter_Number", "Nl"},
    {"Line_Separator", "Zl"},      {"Lowercase_Letter", "Ll"},
    {"Mark", "M"},                 {"Combining_Mark", "M"},
    {"Math_Symbol", "Sm"},         {"Modifier_Letter", "Lm"},
    {"Modifier_Symbol", "Sk"},     {"Nonspacing_Mark", "Mn"},
    {"Number", "N"},               {"Open_Punctuation", "Ps"},
    {"Other", "C"},                {"Other_Letter", "Lo"},
    {"Other_Number", "No"},        {"Other_Punctuation", "Po"},
    {"Other_Symbol", "So"},        {"Paragraph_Separator", "Zp"},
    {"Private_Use", "Co"},         {"Punctuation", "P"},
    {"punct", "P"},                {"Separator", "Z"},
    {"Space_Separator", "Zs"},     {"Spacing_Mark", "Mc"},
    {"Surrogate", "Cs"},           {"Symbol", "S"},
    {"Titlecase_Letter", "Lt"},    {"Unassigned", "Cn"},
    {"Uppercase_Letter", "Lu"},
};
/* clang-format on */

/* The PCRE2 spelling of the \p{...} property name[0..n). */
static void sc_rx_property(ag_ScBuf *out, const char *name, size_t n) {
  static const char *const prefixes[] = {"General_Category=", "gc="};
  for (size_t i = 0; i < 2; i++) {
    size_t k = strlen(prefixes[i]);
    if (n > k && strncmp(name, prefixes[i], k) == 0) name += k, n -= k;
  }
  for (size_t i = 0; i < sizeof sc_GC_NAMES / sizeof sc_GC_NAMES[0]; i++) {
    if (strlen(sc_GC_NAMES[i][0]) == n && strncmp(sc_GC_NAMES[i][0], name, n) == 0) {
      ag_sc_buf_puts(out, sc_GC_NAMES[i][1]);
      return;
    }
  }
  ag_sc_buf_putn(out, name, n);
}

/* Rewrite the ECMAScript property escapes of src that PCRE2 spells
** differently (\p{Letter}, \p{gc=Lu}, ...); returns a malloc'd pattern. */
static char *sc_rx_translate(const char *src) {
  ag_ScBuf out = {0};
  for (const char *p = src; *p;) {
    const char *close = NULL;
    if (p[0] == '\\' && (p[1] == 'p' || p[1] == 'P') && p[2] == '{') close = strchr(p + 3, '}');
    if (close != NULL) {
      ag_sc_buf_putn(&out, p, 3);
      sc_rx_property(&out, p + 3, (size_t)(close - (p + 3)));
      ag_sc_buf_putn(&out, "}", 1);
      p = close + 1;
    } else {
      size_t n = p[0] == '\\' && p[1] != '\0' ? 2 : 1;
      ag_sc_buf_putn(&out, p, n);
      p += n;
    }
  }
  return ag_sc_buf_take(&out);
}

/* Compile the ECMA-262 regex src (UTF mode, Unicode-aware \u escapes,
** "$" only at the very end); reports a problem and returns NULL when bad. */
static pcre2_code *sc_rx_compile(ag_ScCompiler *c, const char *src) {
  char *pat = sc_rx_translate(src);
  int code;
  PCRE2_SIZE off;
  pcre2_code *re =
      pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                    PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY | PCRE2_USE_OFFSET_LIMIT,
                    &code, &off, c->cctx);
  free(pat);
  if (re == NULL) {
    PCRE2_UCHAR msg[256];
    if (pcre2_get_error_message(code, msg, sizeof msg) < 0) strcpy((char *)msg, "?");
    sc_cerr(c, "invalid regular expression %s: %s", src, (const char *)msg);
  }
  return re;
}

/* ==== Keyword compilers =================================================== */

static ag_ScNode *sc_compile_schema(ag_ScCompiler *c, const cJSON *j);

/* A keyword compiler: compiles value v of a keyword into n; arg is
** keyword-specific (a field offset or an H_* bit). */
typedef void (*ag_ScKeywordFn)(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v);

#define FIELD(n, T, off) (*(T *)(void *)((char *)(n) + (off)))

/* The T_* bit of a type name, or 0. */
static unsigned sc_type_bit(const char *name) {
  static const char *const names[] = {"null",   "boolean", "object", "array",
                                      "number", "string",  "integer"};
  for (unsigned i = 0; i < 7; i++)
    if (strcmp(names[i], name) == 0) return 1u << i;
  return 0;
}

/* "type": a type name or a non-empty array of them. */
static void sc_kw_type(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (cJSON_IsString(v) && sc_type_bit(v->valuestring)) {
    n->types = sc_type_bit(v->valuestring);
    return;
  }
  const cJSON *t;
  bool ok = cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0;
  if (ok) {
    cJSON_ArrayForEach(t, v) {
      if (!cJSON_IsString(t) || !sc_type_bit(t->valuestring)) ok = false;
      else n->types |= sc_type_bit(t->valuestring);
    }
  }
  if (!ok)
    sc_cerr(c, "must be one of \"null\", \"boolean\", \"object\", \"array\", \"number\", "
               "\"string\", \"integer\" or a non-empty array of them");
}

/* "enum" (an array), "const" and "default" (any value): kept as is. */
static void sc_kw_value(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  if (arg == offsetof(ag_ScNode, enum_vals) && !cJSON_IsArray(v)) {
    sc_cerr(c, "must be an array");
    return;
  }
  FIELD(n, const cJSON *, arg) = v;
}

/* minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf. */
static void sc_kw_number(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
    sc_cerr(c, "must be a number");
    return;
  }
  double d = v->valuedouble;
  if (arg == H_MULT && d <= 0) {
    sc_cerr(c, "must be greater than 0");
    return;
  }
  n->has |= (unsigned)arg;
  if (arg == H_MIN) n->min = d;
  else if (arg == H_MAX) n->max = d;
  else if (arg == H_XMIN) n->xmin = d;
  else if (arg == H_XMAX) n->xmax = d;
  else n->mult = d;
}

/* minLength, maxLength, minItems, maxItems, minProperties, maxProperties:
** a non-negative integer (2.0 is fine). */
static void sc_kw_count(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
  if (!(d >= 0 && d == floor(d))) {
    sc_cerr(c, "must be a non-negative integer");
    return;
  }
  FIELD(n, double, arg) = d;
}

static void sc_kw_unique(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsBool(v)) sc_cerr(c, "must be a boolean");
  n->unique = cJSON_IsTrue(v);
}

/* "pattern": a string, compiled once; a bad regex is reported by
** sc_rx_compile and leaves n->pattern NULL. */
static void sc_kw_pattern(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsString(v)) {
    sc_cerr(c, "must be a string");
    return;
  }
  n->pattern_src = v->valuestring;
  n->pattern = sc_rx_compile(c, v->valuestring);
}

static void sc_kw_format(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsString(v)) sc_cerr(c, "must be a string");
  else n->format = v->valuestring;
}

/* "required": an array of strings. */
static void sc_kw_required(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)arg;
  const cJSON *item;
  bool ok = cJSON_IsArray(v);
  if (ok) cJSON_ArrayForEach(item, v) ok = ok && cJSON_IsString(item);
  if (!ok) sc_cerr(c, "must be an array of strings");
  else n->required = v;
}

/* additionalProperties, not: one schema. */
static void sc_kw_schema(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  FIELD(n, ag_ScNode *, arg) = sc_compile_schema(c, v);
}

/* "items": one schema (the array form of older drafts is unsupported). */
static void sc_kw_items(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  if (cJSON_IsArray(v))
    sc_note_unsupported(c, "items", ag_sc_strdup("array form of items (use prefixItems)"));
  else sc_kw_schema(c, n, arg, v);
}

/* allOf, anyOf, oneOf, prefixItems: a non-empty array of schemas. */
static void sc_kw_list(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  ag_ScNodeList *list = &FIELD(n, ag_ScNodeList, arg);
  size_t count = cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 0;
  if (count == 0) {
    sc_cerr(c, "must be a non-empty array of schemas");
    return;
  }
  const cJSON *item;
  list->items = ag_sc_calloc(count, sizeof *list->items);
  cJSON_ArrayForEach(item, v) {
    size_t mark = ag_sc_path_push_index(&c->path, list->n);
    list->items[list->n++] = sc_compile_schema(c, item);
    ag_sc_buf_truncate(&c->path, mark);
  }
}

int ag_sc_prop_cmp(const void *a, const void *b) {
  return strcmp(((const ag_ScProp *)a)->name, ((const ag_ScProp *)b)->name);
}

/* "properties": an object of schemas, kept sorted by name. */
static void sc_kw_properties(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsObject(v)) {
    sc_cerr(c, "must be an object of schemas");
    return;
  }
  const cJSON *m;
  n->props = ag_sc_calloc((size_t)cJSON_GetArraySize(v), sizeof *n->props);
  cJSON_ArrayForEach(m, v) {
    size_t mark = ag_sc_path_push_key(&c->path, m->string);
    n->props[n->nprops].name = m->string;
    n->props[n->nprops++].schema = sc_compile_schema(c, m);
    ag_sc_buf_truncate(&c->path, mark);
  }
  qsort(n->props, n->nprops, sizeof *n->props, ag_sc_prop_cmp);
}

/* "patternProperties": an object from regexes to schemas. */
static void sc_kw_pattern_properties(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsObject(v)) {
    sc_cerr(c, "must be an object of schemas");
    return;
  }
  const cJSON *m;
  n->pprops = ag_sc_calloc((size_t)cJSON_GetArraySize(v), sizeof *n->pprops);
  cJSON_ArrayForEach(m, v) {
    ag_ScPatProp *pp = &n->pprops[n->npprops++];
    size_t mark = ag_sc_path_push_key(&c->path, m->string);
    pp->source = m->string;
    pp->re = sc_rx_compile(c, m->string);
    pp->schema = sc_compile_schema(c, m);
    ag_sc_buf_truncate(&c->path, mark);
  }
}

/* "$defs", "definitions": schemas compiled for their errors and $refs. */
static void sc_kw_defs(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)n, (void)arg;
  if (!cJSON_IsObject(v)) {
    sc_cerr(c, "must be an object of schemas");
    return;
  }
  const cJSON *m;
  cJSON_ArrayForEach(m, v) {
    size_t mark = ag_sc_path_push_key(&c->path, m->string);
    sc_compile_schema(c, m);
    ag_sc_buf_truncate(&c->path, mark);
  }
}

/* "$ref": resolved once the whole document is compiled. */
static void sc_kw_ref(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsString(v)) {
    sc_cerr(c, "must be a string");
    return;
  }
  GROW(c->refs, c->cap_refs, c->nrefs + 1);
  c->refs[c->nrefs].node = n;
  c->refs[c->nrefs].ref = v->valuestring;
  c->refs[c->nrefs].where = ag_sc_strdup(ag_sc_buf_str(&c->path));
  c->refs[c->nrefs].nested = c->resources > 0;
  c->nrefs++;
}

/* "$id": the root's names the document (local refs may use it); a nested
** one starts a new resource, which is unsupported. */
static void sc_kw_id(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsString(v)) {
    sc_cerr(c, "must be a string");
  } else if (n->src != c->s->doc) {
    sc_note_unsupported(c, "$id", ag_sc_strdup("nested schema resource"));
  } else {
    free(c->s->root_id);
    c->s->root_id = ag_sc_strdup(v->valuestring);
    size_t len = strlen(c->s->root_id);
    if (len > 0 && c->s->root_id[len - 1] == '#') c->s->root_id[len - 1] = '\0';
  }
}

/* "$schema": must be a string; its value is not checked. */
static void sc_kw_string(ag_ScCompiler *c, ag_ScNode *n, size_t arg, const cJSON *v) {
  (void)n, (void)arg;
  if (!cJSON_IsString(v)) sc_cerr(c, "must be a string");
}

/* The keywords we implement. */
static const struct {
  const char *name;  /* keyword */
  ag_ScKeywordFn fn; /* its compiler */
  size_t arg;        /* passed to fn */
} KEYWORDS[] = {
    {"type", sc_kw_type, 0},
    {"enum", sc_kw_value, offsetof(ag_ScNode, enum_vals)},
    {"const", sc_kw_value, offsetof(ag_ScNode, const_val)},
    {"default", sc_kw_value, offsetof(ag_ScNode, dflt)},
    {"minimum", sc_kw_number, H_MIN},
    {"maximum", sc_kw_number, H_MAX},
    {"exclusiveMinimum", sc_kw_number, H_XMIN},
    {"exclusiveMaximum", sc_kw_number, H_XMAX},
    {"multipleOf", sc_kw_number, H_MULT},
    {"minLength", sc_kw_count, offsetof(ag_ScNode, min_len)},
    {"maxLength", sc_kw_count, offsetof(ag_ScNode, max_len)},
    {"minItems", sc_kw_count, offsetof(ag_ScNode, min_items)},
    {"maxItems", sc_kw_count, offsetof(ag_ScNode, max_items)},
    {"minProperties", sc_kw_count, offsetof(ag_ScNode, min_props)},
    {"maxProperties", sc_kw_count, offsetof(ag_ScNode, max_props)},
    {"uniqueItems", sc_kw_unique, 0},
    {"pattern", sc_kw_pattern, 0},
    {"format", sc_kw_format, 0},
    {"required", sc_kw_required, 0},
    {"properties", sc_kw_properties, 0},
    {"patternProperties", sc_kw_pattern_properties, 0},
    {"additionalProperties", sc_kw_schema, offsetof(ag_ScNode, additional)},
    {"items", sc_kw_items, offsetof(ag_ScNode, items)},
    {"prefixItems", sc_kw_list, offsetof(ag_ScNode, prefix)},
    {"allOf", sc_kw_list, offsetof(ag_ScNode, all)},
    {"anyOf", sc_kw_list, offsetof(ag_ScNode, any)},
    {"oneOf", sc_kw_list, offsetof(ag_ScNode, one)},
    {"not", sc_kw_schema, offsetof(ag_ScNode, not_)},
    {"$ref", sc_kw_ref, 0},
    {"$defs", sc_kw_defs, 0},
    {"definitions", sc_kw_defs, 0},
    {"$id", sc_kw_id, 0},
    {"$schema", sc_kw_string, 0},
};

/* JSON Schema keywords we know of but do not implement. */
/* clang-format off */
static const char *const sc_UNSUPPORTED[] = {
    "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveAnchor",
    "$recursiveRef", "$vocabulary", "if", "then", "else", "dependentSchemas",
    "dependentRequired", "dependencies", "unevaluatedProperties",
    "unevaluatedItems", "contains", "minContains", "maxContains",
    "propertyNames", "additionalItems",
};
/* clang-format on */

/* Compile one keyword of n; others (annotations, unknown) are ignored. */
static void sc_compile_keyword(ag_ScCompiler *c, ag_ScNode *n, const cJSON *kw) {
  for (size_t i = 0; i < sizeof KEYWORDS / sizeof KEYWORDS[0]; i++) {
    if (strcmp(KEYWORDS[i].name, kw->string) == 0) {
      KEYWORDS[i].fn(c, n, KEYWORDS[i].arg, kw);
      return;
    }
  }
  for (size_t i = 0; i < sizeof sc_UNSUPPORTED / sizeof sc_UNSUPPORTED[0]; i++)
    if (strcmp(sc_UNSUPPORTED[i], kw->string) == 0) sc_note_unsupported(c, kw->string, NULL);
}

/* The names met so far in one object: a hash set over borrowed strings,
** or a scan of the earlier members while the object is small (cap 0). */
typedef struct ag_ScNameSet {
  const char **slots; /* cap slots, NULL when free */
  size_t cap;         /* a power of two, at least twice the members */
} ag_ScNameSet;

static size_t sc_name_hash(const char *s) {
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)h;
}

/* An empty name set for the members of object j: no table (cap 0: scan
** instead) up to AG_SCHEMA_NAMES_SCAN_MAX members, else at least twice as
** many slots as members (64 at least). The caller frees set.slots. */
static ag_ScNameSet sc_names_for(const cJSON *j) {
  ag_ScNameSet set = {NULL, 0};
  int n = cJSON_GetArraySize(j);
  if (n <= AG_SCHEMA_NAMES_SCAN_MAX) return set;
  set.cap = 64;
  while (set.cap < 2 * (size_t)n) set.cap *= 2;
  set.slots = ag_sc_calloc(set.cap, sizeof *set.slots);
  return set;
}

/* Whether an earlier member of object j has the name of member m (JSON
** text may repeat a name; a keyword must be compiled once); records m. */
static bool sc_named_before(ag_ScNameSet *set, const cJSON *j, const cJSON *m) {
  if (set->cap == 0) {
    for (const cJSON *o = j->child; o != m; o = o->next)
      if (strcmp(o->string, m->string) == 0) return true;
    return false;
  }
  size_t i = sc_name_hash(m->string) & (set->cap - 1);
  for (; set->slots[i] != NULL; i = (i + 1) & (set->cap - 1))
    if (strcmp(set->slots[i], m->string) == 0) return true;
  set->slots[i] = m->string;
  return false;
}

/* The node of schema value j (compiled once; the path names j). */
static ag_ScNode *sc_compile_schema(ag_ScCompiler *c, const cJSON *j) {
  ag_ScNode *n = sc_map_get(c, j);
  if (n != NULL) return n;
  n = ag_sc_node_new(c->s, j);
  sc_map_put(c, j, n);
  if (cJSON_IsBool(j)) {
    n->boolean = cJSON_IsTrue(j);
  } else if (!cJSON_IsObject(j)) {
    sc_cerr(c, "expected a schema (an object or a boolean)");
    n->boolean = 1;
  } else if (c->depth >= AG_SCHEMA_MAX_DEPTH) {
    sc_cerr(c, "schema nested too deeply (more than %d levels)", AG_SCHEMA_MAX_DEPTH);
    n->boolean = 1;
  } else {
    const cJSON *kw;
    int resource = j != c->s->doc && cJSON_GetObjectItemCaseSensitive(j, "$id") != NULL;
    c->depth++;
    c->resources += resource;
    ag_ScNameSet seen = sc_names_for(j);
    cJSON_ArrayForEach(kw, j) {
      size_t mark = ag_sc_path_push_key(&c->path, kw->string);
      if (sc_named_before(&seen, j, kw)) sc_cerr(c, "the keyword appears twice in this schema");
      else sc_compile_keyword(c, n, kw);
      ag_sc_buf_truncate(&c->path, mark);
    }
    free(seen.slots);
    c->resources -= resource;
    c->depth--;
  }
  return n;
}

/* ==== $ref resolution ===================================================== */

static int sc_hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* s with its %XX escapes decoded (malloc'd), or NULL on a bad escape. */
static char *sc_percent_decode(const char *s) {
  ag_ScBuf b = {0};
  ag_sc_buf_putn(&b, "", 0);
  for (; *s; s++) {
    if (*s != '%') {
      ag_sc_buf_putn(&b, s, 1);
      continue;
    }
    int hi = sc_hex_value(s[1]), lo = hi < 0 ? -1 : sc_hex_value(s[2]);
    if (lo < 0) {
      free(b.data);
      return NULL;
    }
    char ch = (char)(hi * 16 + lo);
    ag_sc_buf_putn(&b, &ch, 1);
    s += 2;
  }
  return ag_sc_buf_take(&b);
}

/* The member of container j named by the RFC 6901 token tok[0..n), or
** NULL (also for bad "~" escapes and non-canonical array indexes). */
static const cJSON *sc_pointer_step(const cJSON *j, const char *tok, size_t n) {
  ag_ScBuf key = {0};
  ag_sc_buf_putn(&key, "", 0);
  for (size_t i = 0; i < n; i++) {
    if (tok[i] != '~') ag_sc_buf_putn(&key, tok + i, 1);
    else if (i + 1 < n && (tok[i + 1] == '0' || tok[i + 1] == '1'))
      ag_sc_buf_putn(&key, tok[++i] == '0' ? "~" : "/", 1);
    else j = NULL;
  }
  const cJSON *r = NULL;
  if (cJSON_IsObject(j)) {
    r = cJSON_GetObjectItemCaseSensitive(j, key.data);
  } else if (cJSON_IsArray(j) && key.len > 0 && key.len < 10 &&
             strspn(key.data, "0123456789") == key.len && (key.data[0] != '0' || key.len == 1)) {
    r = cJSON_GetArrayItem(j, atoi(key.data));
  }
  free(key.data);
  return r;
}

/* The value the JSON pointer ptr ("" or "/a/b") names in doc, or NULL. */
static const cJSON *sc_pointer_get(const cJSON *doc, const char *ptr) {
  const cJSON *j = doc;
  if (*ptr != '\0' && *ptr != '/') return NULL;
  while (j != NULL && *ptr == '/') {
    const char *tok = ptr + 1, *end = strchr(tok, '/');
    size_t n = end ? (size_t)(end - tok) : strlen(tok);
    j = sc_pointer_step(j, tok, n);
    ptr = tok + n;
  }
  return j;
}

/* The fragment of ref (after '#') when ref points into this document
** ("#...", or the root $id followed by "#..." or nothing); NULL if not. */
static const char *sc_local_fragment(const ag_Schema *s, const char *ref) {
  if (ref[0] == '#') return ref + 1;
  size_t n = s->root_id ? strlen(s->root_id) : 0;
  if (n == 0 || strncmp(ref, s->root_id, n) != 0) return NULL;
  if (ref[n] == '\0') return ref + n;
  return ref[n] == '#' ? ref + n + 1 : NULL;
}

/* Resolve one pending $ref: compile its target and link it. */
static void sc_resolve_ref(ag_ScCompiler *c, ag_ScNode *node, const char *ref, bool nested) {
  const char *frag = sc_local_fragment(c->s, ref);
  if (nested) {
    sc_note_unsupported(c, "$ref",
                        ag_sc_format("reference \"%s\" inside a nested $id resource", ref));
    return;
  }
  if (frag == NULL) {
    sc_note_unsupported(c, "$ref", ag_sc_format("non-local reference \"%s\"", ref));
    return;
  }
  char *ptr = sc_percent_decode(frag);
  if (ptr == NULL) {
    sc_cerr(c, "bad percent-encoding in $ref \"%s\"", ref);
  } else if (ptr[0] != '\0' && ptr[0] != '/') {
    sc_note_unsupported(c, "$ref", ag_sc_format("anchor reference \"%s\"", ref));
  } else {
    const cJSON *target = sc_pointer_get(c->s->doc, ptr);
    if (target == NULL) {
      sc_cerr(c, "unknown $ref target \"%s\"", ref);
    } else {
      ag_sc_buf_truncate(&c->path, 0);
      ag_sc_buf_puts(&c->path, ptr);
      c->depth = 0;
      node->ref = sc_compile_schema(c, target);
    }
  }
  free(ptr);
}

/* Resolve every $ref (targets compiled here may add more). */
static void sc_resolve_refs(ag_ScCompiler *c) {
  for (size_t i = 0; i < c->nrefs; i++) {
    ag_sc_buf_truncate(&c->path, 0);
    ag_sc_buf_puts(&c->path, c->refs[i].where);
    sc_resolve_ref(c, c->refs[i].node, c->refs[i].ref, c->refs[i].nested);
  }
}

/* ==== Compile entry point ================================================= */

static void sc_compiler_free(ag_ScCompiler *c) {
  for (size_t i = 0; i < c->nrefs; i++) free(c->refs[i].where);
  free(c->refs);
  free(c->map_keys);
  free(c->map_vals);
  free(c->path.data);
  pcre2_compile_context_free(c->cctx);
}

/* The match context bounding every pattern match of s. */
static pcre2_match_context *sc_match_context(void) {
  pcre2_match_context *m = pcre2_match_context_create(NULL);
  if (m == NULL) ag_sc_out_of_memory();
  pcre2_set_match_limit(m, AG_SCHEMA_MATCH_LIMIT);
  pcre2_set_depth_limit(m, AG_SCHEMA_DEPTH_LIMIT);
  pcre2_set_heap_limit(m, AG_SCHEMA_HEAP_LIMIT_KIB);
  return m;
}


/* One step of sc_mark_fills: whether fill() can insert anything at n, given
** what is known of the nodes it descends into. */
static bool sc_node_fills(const ag_ScNode *n) {
  if (n->boolean >= 0) return false;
  if (n->ref && n->ref->fills) return true;
  for (size_t i = 0; i < n->all.n; i++)
    if (n->all.items[i]->fills) return true;
  for (size_t i = 0; i < n->nprops; i++)
    if (n->props[i].schema->fills || ag_sc_default_of(n->props[i].schema)) return true;
  for (size_t i = 0; i < n->prefix.n; i++)
    if (n->prefix.items[i]->fills) return true;
  return n->items && n->items->fills;
}

/* Set ag_ScNode.fills everywhere, as a fixpoint ($refs make the graph cyclic),
** so that filling and its dry run skip the parts without defaults. */
static void sc_mark_fills(ag_Schema *s) {
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < s->nnodes; i++)
      if (!s->nodes[i]->fills && sc_node_fills(s->nodes[i])) s->nodes[i]->fills = changed = true;
  }
}

ag_Schema *ag_schema_compile(const cJSON *schema, ag_SchemaErrors *errs) {
  return ag_schema_compile_ex(schema, 0, errs);
}

/* Copy schema (the caller keeps its own), compile its nodes, then resolve
** the $refs, mark where defaults fill and decide the flat fast path. Any
** error in the schema (counted even past the errs cap; unsupported
** keywords are only noted) frees everything and returns NULL; the caller frees a result with ag_schema_free. Running out of
** memory aborts (ag_sc_out_of_memory). */
ag_Schema *ag_schema_compile_ex(const cJSON *schema, unsigned options, ag_SchemaErrors *errs) {
  ag_ScCompiler c = {0};
  if (schema == NULL) {
    if (ag_sc_errs_room(errs)) ag_sc_errs_add(errs, ag_sc_strdup(""), ag_sc_strdup("no schema"));
    return NULL;
  }
  ag_Schema *s = ag_sc_calloc(1, sizeof *s);
  s->doc = cJSON_Duplicate(schema, true);
  c.cctx = pcre2_compile_context_create(NULL);
  if (s->doc == NULL || c.cctx == NULL) ag_sc_out_of_memory();
  pcre2_set_compile_extra_options(c.cctx, PCRE2_EXTRA_ALT_BSUX);
  s->options = options;
  c.s = s;
  c.errs = errs;
  s->root = sc_compile_schema(&c, s->doc);
  sc_resolve_refs(&c);
  sc_mark_fills(s);
  s->flat = !(options & AG_SCHEMA_FULL_WALK) && ag_sc_flat_schema(s);
  s->mctx = sc_match_context();
  sc_compiler_free(&c);
  if (c.nerr > 0) {
    ag_schema_free(s);
    return NULL;
  }
  return s;
}
