/*
** ag_lint_schema.c -- the linter's checks of a descriptor's parameters
** schema (A2xx) and of its readiness for OpenAI's strict mode (A6xx).
**
** The schema is walked as JSON beside its position tree (agl_Node), so
** each finding points at the keyword or value that is wrong. The rules the
** schema compiler enforces itself are reported through it
** (agl_lint_validator), so lint and the dispatcher never disagree on what
** a schema means. docs/lint.md lists every rule.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ag_config.h"
#include "ag_lint_internal.h"
#include "ag_schema.h"

/* ========================================================================
** Vocabulary
** ======================================================================== */

#define AGL_SUGGESTED_KEYWORDS 30 /* the first entries of agl_keywords */

/* JSON Schema keywords. "Did you mean" suggests only the first
** AGL_SUGGESTED_KEYWORDS (the ones agents use); the rest are standard but
** rare, and merely not reported as unknown. */
/* clang-format off */
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
/* clang-format on */

static const char *const agl_types[] = {
    "string", "number", "integer", "boolean", "object", "array", "null",
};

/* Type names from other languages, and the JSON Schema name to use. */
/* clang-format off */
static const char *const agl_type_aliases[][2] = {
  {"str", "string"}, {"text", "string"}, {"int", "integer"}, {"long", "integer"},
  {"float", "number"}, {"double", "number"}, {"bool", "boolean"},
  {"list", "array"}, {"vector", "array"}, {"dict", "object"}, {"map", "object"},
  {"hash", "object"}, {"none", "null"}, {"nil", "null"},
};
/* clang-format on */

/* Keywords OpenAI structured outputs (strict mode) does not accept. */
/* clang-format off */
static const char *const agl_strict_unsupported[] = {
  "default", "minLength", "maxLength", "uniqueItems", "allOf", "oneOf", "not",
  "if", "then", "else", "patternProperties", "propertyNames", "minProperties",
  "maxProperties", "contains", "minContains", "maxContains",
  "unevaluatedProperties", "unevaluatedItems", "dependentRequired",
  "dependentSchemas",
};
/* clang-format on */

/* String formats strict mode supports. */
static const char *const agl_strict_formats[] = {
    "date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid",
};

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
  else
    snprintf(hint, sizeof hint, "use one of string, number, integer, boolean, object, array, null");
  agl_emit(x, at, AG_ERROR, "A204", hint, "unknown type \"%.60s\"", t);
}

/* :type (A204): a known type name (the hint suggests an alias's or the
** closest name), or a non-empty list of them. Absent is fine. */
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
    else
      agl_emit(x, iat, AG_ERROR, "A204", NULL, ":type list item is a %s, not a type name",
               agl_json_type(it));
  }
}

/* properties: a dict of name -> schema dict. */
static void agl_lint_properties(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at,
                                int depth) {
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
                 ? it->valuestring
                 : "string");
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
      else
        snprintf(hint, sizeof hint, "add %s to :properties or drop it from :required",
                 it->valuestring);
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

/* Is v equal (cJSON_Compare, case-sensitive keys) to an item of e? */
static bool agl_enum_has(const cJSON *e, const cJSON *v) {
  const cJSON *it;
  cJSON_ArrayForEach(it, e) if (cJSON_Compare(it, v, true)) return true;
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

/* Lint the subschemas of s: each of anyOf, oneOf, allOf, prefixItems,
** items, not, an object additionalProperties, and the schemas of $defs
** and definitions, one level deeper (A203 when a list keyword is not a
** list). */
static void agl_lint_subschemas(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at,
                                int depth) {
  static const char *const lists[] = {"anyOf", "oneOf", "allOf", "prefixItems"};
  static const char *const singles[] = {"items", "not"};
  for (size_t i = 0; i < AGL_COUNT(lists); i++) agl_lint_schema_list(x, s, n, at, lists[i], depth);
  for (size_t i = 0; i < AGL_COUNT(singles); i++)
    agl_lint_subschema(x, s, n, at, singles[i], depth);
  if (cJSON_IsObject(agl_get(s, "additionalProperties")))
    agl_lint_subschema(x, s, n, at, "additionalProperties", depth);
  agl_lint_schema_dict(x, s, n, at, "$defs", depth);
  agl_lint_schema_dict(x, s, n, at, "definitions", depth);
}

/* A215: an array schema without items, which Gemini's function calling
** refuses (so do clients that send tools to Gemini models). */
static void agl_lint_array_items(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at) {
  const cJSON *t = agl_get(s, "type"), *it;
  bool array = cJSON_IsString(t) && strcmp(t->valuestring, "array") == 0;
  cJSON_ArrayForEach(it, (cJSON_IsArray(t) ? t : NULL)) array |=
      cJSON_IsString(it) && strcmp(it->valuestring, "array") == 0;
  if (array && !agl_get(s, "items") && !agl_get(s, "prefixItems"))
    agl_emit(x, agl_at_value(x, n, "type", at), AG_WARNING, "A215",
             "add :items, e.g. :items {:type \"string\"}",
             "array schema without :items: Gemini function calling (and clients that send tools to "
             "Gemini models, such as VS Code Copilot) rejects it");
}

/* Every A2xx rule on schema s (written at n / at), then its subschemas. */
static void agl_lint_schema(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at, int depth) {
  if (cJSON_IsBool(s) || depth > AGL_MAX_SCHEMA_DEPTH) return;
  if (!cJSON_IsObject(s)) {
    agl_emit(x, at, AG_ERROR, "A203", "write a schema dict, e.g. {:type \"string\"}",
             "schema must be a dict, got %s", agl_json_type(s));
    return;
  }
  agl_lint_array_items(x, s, n, at);
  agl_lint_keywords(x, s, n, at);
  agl_lint_type(x, s, n, at);
  agl_lint_properties(x, s, n, at, depth);
  agl_lint_required(x, s, n, at);
  agl_lint_values(x, s, n, at);
  agl_lint_subschemas(x, s, n, at, depth);
}

/* parameters: present, an object schema, and sound. */
void agl_lint_parameters(agl_Lint *x) {
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
    agl_emit(
        x, agl_at_value(x, pn, "type", at), AG_ERROR, "A202",
        "arguments arrive as one object: use :type \"object\" and put the values in :properties",
        ":parameters must have :type \"object\"");
  static const char *const combinators[] = {"anyOf", "oneOf", "allOf"};
  for (size_t i = 0; i < AGL_COUNT(combinators); i++) /* A214 */
    if (agl_get(p, combinators[i]))
      agl_emit(x, agl_at_key(x, pn, combinators[i], at), AG_WARNING, "A214",
               "keep :parameters one object schema: put the alternatives inside a property, or "
               "say in :description which combinations are valid",
               "top-level :%s in :parameters: OpenAI function calling and the Claude API reject "
               "tool schemas that combine at the top",
               combinators[i]);
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
void agl_lint_validator(agl_Lint *x, size_t errors_before) {
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
    size_t plen = strlen(ptr); /* long pointers: keep the end */
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
      snprintf(hint, sizeof hint,
               "list them in :required and allow null to keep them optional, "
               "e.g. :%.40s {:type [\"%.20s\" \"null\"]}",
               it->string, cJSON_IsString(t) ? t->valuestring : "string");
  }
  ag_names_free(&required);
  if (nmiss)
    agl_emit(x, req ? agl_at_key(x, n, "required", at) : at, AG_NOTE, "A601", hint,
             "strict mode: every property must be required; not required: %s", missing);
  const cJSON *ap = agl_get(s, "additionalProperties");
  if (!cJSON_IsFalse(ap))
    agl_emit(x, ap ? agl_at_value(x, n, "additionalProperties", at) : at, AG_NOTE, "A602",
             "add :additionalProperties false",
             "strict mode: objects need :additionalProperties false");
}

/* Keywords strict mode rejects, formats it does not know, missing types. */
static void agl_strict_keywords(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at) {
  const cJSON *it, *f = agl_get(s, "format");
  cJSON_ArrayForEach(
      it, s) if (agl_in(it->string, agl_strict_unsupported, AGL_COUNT(agl_strict_unsupported)))
      agl_emit(x, agl_at_key(x, n, it->string, at), AG_NOTE, "A603",
               "strict mode drops or rejects it; describe the constraint in :description instead",
               "strict mode does not support :%s", it->string);
  if (cJSON_IsString(f) &&
      !agl_in(f->valuestring, agl_strict_formats, AGL_COUNT(agl_strict_formats)))
    agl_emit(x, agl_at_value(x, n, "format", at), AG_NOTE, "A603",
             "supported: date-time time date duration email hostname ipv4 ipv6 uuid",
             "strict mode does not support format \"%.60s\"", f->valuestring);
}

/* Each schema of a properties dict must say its type. */
static void agl_strict_properties(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at,
                                  int depth) {
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

/* A6xx notes for schema s, to AGL_MAX_SCHEMA_DEPTH: an object's own
** rules (agl_strict_object), unsupported keywords and formats, untyped
** properties; then its properties, items and anyOf branches. Non-objects
** are skipped (the A2xx rules report them). */
void agl_strict_schema(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at, int depth) {
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
