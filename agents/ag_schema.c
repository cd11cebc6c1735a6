/*
** ag_schema.c -- JSON Schema (draft 2020-12 subset) compiler, validator and
** default filler over cJSON. See ag_schema.h for the supported keywords.
**
** A schema document is copied, then compiled into a graph of Nodes, one per
** subschema (object or boolean); "$ref"s become edges to the node of their
** target (resolved after the structural pass, so they may be cyclic) and
** patterns are compiled with PCRE2 once. Validation walks the instance and
** the graph together, collecting every error with the JSON pointer of the
** failing value; a depth counter bounds the recursion (recursive $refs).
*/
#define PCRE2_CODE_UNIT_WIDTH 8
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <utf8proc.h>

#include "ag_internal.h"
#include "ag_schema.h"

#define SHOW_CHARS 60     /* code points of a string shown in a message */
#define SHOW_LIST 10      /* enum values shown in a message */
#define SHOW_BRANCHES 4   /* failing anyOf/oneOf branches explained */
#define EQ_MAX_DEPTH 1000 /* nesting compared by JSON equality */
#define REF_MAX_HOPS 32   /* $ref chain followed looking for a default */

/* ==== Memory ============================================================== */

/* The host is out of memory: nothing sensible remains to do. */
static void out_of_memory(void) {
  fputs("lispy: out of memory in the schema validator\n", stderr);
  abort();
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (p == NULL) out_of_memory();
  return p;
}

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (p == NULL) out_of_memory();
  return p;
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n ? n : 1);
  if (p == NULL) out_of_memory();
  return p;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(xmalloc(n), s, n);
}

/* Grow the array arr (with capacity cap) to hold at least need elements. */
#define GROW(arr, cap, need)                                  \
  do {                                                        \
    if ((need) > (cap)) {                                     \
      size_t nc_ = (cap) ? (cap) * 2 : 8;                     \
      while (nc_ < (need)) nc_ *= 2;                          \
      (arr) = xrealloc((arr), nc_ * sizeof *(arr));           \
      (cap) = nc_;                                            \
    }                                                         \
  } while (0)

/* printf into a fresh malloc'd string. */
static char *vformat(const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0) n = 0;
  char *s = xmalloc((size_t)n + 1);
  vsnprintf(s, (size_t)n + 1, fmt, ap);
  return s;
}

static char *format(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = vformat(fmt, ap);
  va_end(ap);
  return s;
}

/* ==== Growable strings ==================================================== */

/* A NUL-terminated string under construction. */
typedef struct Buf {
  char *data; /* malloc'd text, NULL while empty */
  size_t len; /* bytes used, without the NUL */
  size_t cap; /* bytes allocated */
} Buf;

static void buf_putn(Buf *b, const char *s, size_t n) {
  GROW(b->data, b->cap, b->len + n + 1);
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

static void buf_puts(Buf *b, const char *s) { buf_putn(b, s, strlen(s)); }

/* Append s and free it. */
static void buf_put_owned(Buf *b, char *s) {
  buf_puts(b, s);
  free(s);
}

static const char *buf_str(const Buf *b) { return b->data ? b->data : ""; }

static void buf_truncate(Buf *b, size_t len) {
  b->len = len;
  if (b->data) b->data[len] = '\0';
}

/* Hand the text over to the caller (a fresh "" when empty). */
static char *buf_take(Buf *b) {
  char *s = b->data ? b->data : xstrdup("");
  *b = (Buf){0};
  return s;
}

/* ==== JSON pointers ======================================================= */

/* Append "/" and token escaped per RFC 6901; returns the previous length
** to pass to buf_truncate. */
static size_t path_push_key(Buf *path, const char *token) {
  size_t mark = path->len;
  buf_putn(path, "/", 1);
  for (const char *p = token; *p; p++) {
    if (*p == '~') buf_putn(path, "~0", 2);
    else if (*p == '/') buf_putn(path, "~1", 2);
    else buf_putn(path, p, 1);
  }
  return mark;
}

static size_t path_push_index(Buf *path, size_t i) {
  size_t mark = path->len;
  buf_put_owned(path, format("/%zu", i));
  return mark;
}

/* ==== Error lists ========================================================= */

void ag_schema_errors_init(ag_SchemaErrors *errs) {
  memset(errs, 0, sizeof *errs);
  errs->max = AG_SCHEMA_MAX_ERRORS;
  errs->max_steps = AG_SCHEMA_MAX_STEPS;
}

void ag_schema_errors_free(ag_SchemaErrors *errs) {
  size_t max = errs->max;
  uint64_t max_steps = errs->max_steps;
  double deadline_ms = errs->deadline_ms;
  for (size_t i = 0; i < errs->count; i++) {
    free(errs->items[i].pointer);
    free(errs->items[i].message);
  }
  free(errs->items);
  ag_schema_errors_init(errs);
  errs->max = max;
  errs->max_steps = max_steps;
  errs->deadline_ms = deadline_ms;
}

size_t ag_schema_errors_count(const ag_SchemaErrors *errs) {
  return errs ? errs->count : 0;
}

const char *ag_schema_error_pointer(const ag_SchemaErrors *errs, size_t i) {
  return errs && i < errs->count ? errs->items[i].pointer : NULL;
}

const char *ag_schema_error_message(const ag_SchemaErrors *errs, size_t i) {
  return errs && i < errs->count ? errs->items[i].message : NULL;
}

char *ag_schema_errors_join(const ag_SchemaErrors *errs, const char *sep) {
  Buf b = {0};
  for (size_t i = 0; errs && i < errs->count; i++) {
    if (i > 0) buf_puts(&b, sep);
    buf_put_owned(&b, format("%s: %s", errs->items[i].pointer, errs->items[i].message));
  }
  if (errs && errs->dropped > 0)
    buf_put_owned(&b, format("%s... and %zu more error%s", errs->count ? sep : "",
                             errs->dropped, errs->dropped == 1 ? "" : "s"));
  return buf_take(&b);
}

/* Whether errs can take one more error (counting it as dropped if not). */
static bool errs_room(ag_SchemaErrors *errs) {
  if (errs == NULL) return false;
  if (errs->count < errs->max) return true;
  errs->dropped++;
  return false;
}

/* Append an error, taking ownership of pointer and message. */
static void errs_add(ag_SchemaErrors *errs, char *pointer, char *message) {
  GROW(errs->items, errs->cap, errs->count + 1);
  errs->items[errs->count].pointer = pointer;
  errs->items[errs->count].message = message;
  errs->count++;
}

/* ==== Showing values in messages ========================================== */

/* s as a JSON string literal, cut after SHOW_CHARS code points. */
static char *show_string(const char *s) {
  Buf b = {0};
  size_t chars = 0;
  buf_putn(&b, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p & 0xC0) != 0x80 && chars++ == SHOW_CHARS) {
      buf_puts(&b, "...");
      break;
    }
    if (*p == '"' || *p == '\\') {
      buf_putn(&b, "\\", 1);
      buf_putn(&b, (const char *)p, 1);
    } else if (*p < 0x20) {
      buf_put_owned(&b, format("\\u%04x", *p));
    } else {
      buf_putn(&b, (const char *)p, 1);
    }
  }
  buf_putn(&b, "\"", 1);
  return buf_take(&b);
}

/* A number in its shortest round-tripping form. */
static void show_number(double d, char out[40]) {
  if (d == floor(d) && fabs(d) < 1e17) {
    snprintf(out, 40, "%.0f", d);
    return;
  }
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(out, 40, "%.*g", prec, d);
    if (strtod(out, NULL) == d) return;
  }
}

/* Any value as compact JSON, cut at about 2 * SHOW_CHARS bytes. */
static char *show(const cJSON *v) {
  if (cJSON_IsString(v)) return show_string(v->valuestring);
  if (cJSON_IsNumber(v)) {
    char num[40];
    show_number(v->valuedouble, num);
    return xstrdup(num);
  }
  char *text = cJSON_PrintUnformatted(v);
  if (text == NULL) out_of_memory();
  size_t len = strlen(text), cut = 2 * SHOW_CHARS;
  if (len > cut + 3) {  /* room for the "..." that replaces the rest */
    while (cut > 0 && ((unsigned char)text[cut] & 0xC0) == 0x80) cut--;
    strcpy(text + cut, "...");
  }
  return text;
}

/* ==== Member lookup ======================================================= */

/* Whether two names are equal, the first bytes compared before strcmp:
** names mostly differ there, and every call validates, fills and maps
** its arguments by name. */
static inline bool same_name(const char *a, const char *b) {
  return a[0] == b[0] && strcmp(a, b) == 0;
}

/* Like cJSON_GetObjectItemCaseSensitive, faster (same_name). */
const cJSON *ag_json_member(const cJSON *obj, const char *name) {
  if (obj == NULL || name == NULL) return NULL;
  for (const cJSON *m = obj->child; m != NULL; m = m->next)
    if (m->string != NULL && same_name(m->string, name)) return m;
  return NULL;
}

/* ==== Compiled schemas ==================================================== */

typedef struct Node Node;

/* A "properties" entry. */
typedef struct Prop {
  const char *name; /* property name (in the owned document) */
  Node *schema;     /* its schema */
} Prop;

/* A "patternProperties" entry. */
typedef struct PatProp {
  const char *source; /* the regex text (in the owned document) */
  pcre2_code *re;     /* compiled regex, NULL after a compile error */
  Node *schema;       /* schema of the matching properties */
} PatProp;

/* A list of subschemas: allOf, anyOf, oneOf, prefixItems. */
typedef struct NodeList {
  Node **items; /* the subschemas, in order */
  size_t n;     /* how many */
} NodeList;

/* JSON types, as bits ("integer" is a number that is integral). */
enum {
  T_NULL = 1, T_BOOLEAN = 2, T_OBJECT = 4, T_ARRAY = 8,
  T_NUMBER = 16, T_STRING = 32, T_INTEGER = 64
};

/* Numeric keywords present in a node. */
enum { H_MIN = 1, H_MAX = 2, H_XMIN = 4, H_XMAX = 8, H_MULT = 16 };

/* One compiled subschema. Counts are doubles, -1 when absent. */
struct Node {
  const cJSON *src;         /* this schema in the owned document */
  int boolean;              /* 1 / 0: the schema true / false; -1: object */
  unsigned types;           /* T_* allowed by "type"; 0: no "type" */
  const cJSON *enum_vals;   /* "enum" array, or NULL */
  const cJSON *const_val;   /* "const" value, or NULL */
  const cJSON *dflt;        /* "default" value, or NULL */
  unsigned has;             /* H_* bits of the numeric keywords present */
  double min, max;          /* "minimum", "maximum" */
  double xmin, xmax;        /* "exclusiveMinimum", "exclusiveMaximum" */
  double mult;              /* "multipleOf" (> 0) */
  double min_len, max_len;  /* "minLength", "maxLength" (code points) */
  double min_items, max_items; /* "minItems", "maxItems" */
  double min_props, max_props; /* "minProperties", "maxProperties" */
  bool unique;              /* "uniqueItems" */
  const char *pattern_src;  /* "pattern" text, or NULL */
  pcre2_code *pattern;      /* its compiled form */
  const char *format;       /* "format", or NULL */
  Prop *props;              /* "properties", sorted by name */
  size_t nprops;            /* number of props */
  PatProp *pprops;          /* "patternProperties" */
  size_t npprops;           /* number of pprops */
  Node *additional;         /* "additionalProperties", or NULL */
  const cJSON *required;    /* "required" (array of strings), or NULL */
  NodeList prefix;          /* "prefixItems" */
  Node *items;              /* "items", or NULL */
  Node *ref;                /* target of "$ref", or NULL */
  Node *not_;               /* "not", or NULL */
  NodeList all, any, one;   /* "allOf", "anyOf", "oneOf" */
  bool fills;               /* filling defaults may insert something into
                               a value here or below (see mark_fills) */
};

struct ag_Schema {
  cJSON *doc;                   /* owned copy of the schema document */
  Node *root;                   /* compiled document root */
  Node **nodes;                 /* every node, for freeing */
  size_t nnodes, cap_nodes;     /* used / allocated slots of nodes */
  ag_SchemaUnsupported *unsup;  /* unsupported keywords (strings owned) */
  size_t nunsup, cap_unsup;     /* used / allocated slots of unsup */
  char *root_id;                /* root "$id" without a final '#', or NULL */
  unsigned options;             /* AG_SCHEMA_* compile options */
  pcre2_match_context *mctx;    /* match limits shared by all patterns */
  bool flat;                    /* the fast path applies (flat_schema) */
  uint64_t flat_required;       /* its required properties, as bits */
  uint64_t flat_defaults;       /* its properties with a default, as bits */
};

static Node *node_new(ag_Schema *s, const cJSON *src) {
  Node *n = xcalloc(1, sizeof *n);
  n->src = src;
  n->boolean = -1;
  n->min_len = n->max_len = n->min_items = n->max_items = -1;
  n->min_props = n->max_props = -1;
  GROW(s->nodes, s->cap_nodes, s->nnodes + 1);
  s->nodes[s->nnodes++] = n;
  return n;
}

static void node_free(Node *n) {
  for (size_t i = 0; i < n->npprops; i++) pcre2_code_free(n->pprops[i].re);
  pcre2_code_free(n->pattern);
  free(n->pprops);
  free(n->props);
  free(n->prefix.items);
  free(n->all.items);
  free(n->any.items);
  free(n->one.items);
  free(n);
}

void ag_schema_free(ag_Schema *s) {
  if (s == NULL) return;
  for (size_t i = 0; i < s->nnodes; i++) node_free(s->nodes[i]);
  for (size_t i = 0; i < s->nunsup; i++) {
    free((char *)s->unsup[i].keyword);
    free((char *)s->unsup[i].pointer);
    free((char *)s->unsup[i].detail);
  }
  free(s->nodes);
  free(s->unsup);
  free(s->root_id);
  pcre2_match_context_free(s->mctx);
  cJSON_Delete(s->doc);
  free(s);
}

const char *ag_schema_unsupported(const ag_Schema *s) {
  return s && s->nunsup > 0 ? s->unsup[0].keyword : NULL;
}

size_t ag_schema_unsupported_count(const ag_Schema *s) { return s ? s->nunsup : 0; }

const ag_SchemaUnsupported *ag_schema_unsupported_at(const ag_Schema *s, size_t i) {
  return s && i < s->nunsup ? &s->unsup[i] : NULL;
}

/* ==== Compiler state ====================================================== */

/* A "$ref" waiting for the structural pass to end. */
typedef struct PendingRef {
  Node *node;      /* node holding the $ref */
  const char *ref; /* the reference text (in the owned document) */
  char *where;     /* JSON pointer of the $ref keyword in the schema */
  bool nested;     /* inside a nested $id resource (unsupported) */
} PendingRef;

typedef struct Compiler {
  ag_Schema *s;                 /* schema being built */
  ag_SchemaErrors *errs;        /* where schema problems go (may be NULL) */
  size_t nerr;                  /* problems found (recorded or not) */
  Buf path;                     /* JSON pointer of the value being compiled */
  int depth;                    /* nesting of compile_schema calls */
  int resources;                /* nested $id resources around the path */
  const cJSON **map_keys;       /* open-addressing map: schema value ... */
  Node **map_vals;              /* ... -> its node */
  size_t map_cap, map_n;        /* slots (power of 2) / used slots */
  PendingRef *refs;             /* $refs to resolve */
  size_t nrefs, cap_refs;       /* used / allocated slots of refs */
  pcre2_compile_context *cctx;  /* ECMAScript-ish regex options */
} Compiler;

/* Record a problem of the schema at the current path. */
static void cerr(Compiler *c, const char *fmt, ...) {
  c->nerr++;
  if (!errs_room(c->errs)) return;
  va_list ap;
  va_start(ap, fmt);
  errs_add(c->errs, xstrdup(buf_str(&c->path)), vformat(fmt, ap));
  va_end(ap);
}

/* Record an unsupported keyword at the current path; detail may be NULL. */
static void note_unsupported(Compiler *c, const char *keyword, char *detail) {
  ag_Schema *s = c->s;
  GROW(s->unsup, s->cap_unsup, s->nunsup + 1);
  s->unsup[s->nunsup].keyword = xstrdup(keyword);
  s->unsup[s->nunsup].pointer = xstrdup(buf_str(&c->path));
  s->unsup[s->nunsup].detail = detail;
  s->nunsup++;
}

/* ---- The schema value -> node map (memoizes compile_schema) ---- */

static size_t ptr_hash(const void *p) {
  uint64_t x = (uint64_t)(uintptr_t)p;
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return (size_t)x;
}

/* The slot of key: where it is, or the empty slot where it would go. */
static size_t map_slot(const Compiler *c, const cJSON *key) {
  size_t mask = c->map_cap - 1, i = ptr_hash(key) & mask;
  while (c->map_keys[i] != NULL && c->map_keys[i] != key) i = (i + 1) & mask;
  return i;
}

static Node *map_get(const Compiler *c, const cJSON *key) {
  if (c->map_cap == 0) return NULL;
  return c->map_vals[map_slot(c, key)];
}

static void map_put(Compiler *c, const cJSON *key, Node *val) {
  if ((c->map_n + 1) * 2 > c->map_cap) {
    Compiler old = *c;
    c->map_cap = old.map_cap ? old.map_cap * 2 : 64;
    c->map_keys = xcalloc(c->map_cap, sizeof *c->map_keys);
    c->map_vals = xcalloc(c->map_cap, sizeof *c->map_vals);
    for (size_t i = 0; i < old.map_cap; i++) {
      if (old.map_keys[i] == NULL) continue;
      size_t j = map_slot(c, old.map_keys[i]);
      c->map_keys[j] = old.map_keys[i];
      c->map_vals[j] = old.map_vals[i];
    }
    free(old.map_keys);
    free(old.map_vals);
  }
  size_t i = map_slot(c, key);
  c->map_keys[i] = key;
  c->map_vals[i] = val;
  c->map_n++;
}

/* ==== Regular expressions ================================================= */

/* ECMAScript long General_Category names PCRE2 only knows by short name. */
static const char *const GC_NAMES[][2] = {
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

/* The PCRE2 spelling of the \p{...} property name[0..n). */
static void rx_property(Buf *out, const char *name, size_t n) {
  static const char *const prefixes[] = {"General_Category=", "gc="};
  for (size_t i = 0; i < 2; i++) {
    size_t k = strlen(prefixes[i]);
    if (n > k && strncmp(name, prefixes[i], k) == 0) name += k, n -= k;
  }
  for (size_t i = 0; i < sizeof GC_NAMES / sizeof GC_NAMES[0]; i++) {
    if (strlen(GC_NAMES[i][0]) == n && strncmp(GC_NAMES[i][0], name, n) == 0) {
      buf_puts(out, GC_NAMES[i][1]);
      return;
    }
  }
  buf_putn(out, name, n);
}

/* Rewrite the ECMAScript property escapes of src that PCRE2 spells
** differently (\p{Letter}, \p{gc=Lu}, ...); returns a malloc'd pattern. */
static char *rx_translate(const char *src) {
  Buf out = {0};
  for (const char *p = src; *p;) {
    const char *close = NULL;
    if (p[0] == '\\' && (p[1] == 'p' || p[1] == 'P') && p[2] == '{')
      close = strchr(p + 3, '}');
    if (close != NULL) {
      buf_putn(&out, p, 3);
      rx_property(&out, p + 3, (size_t)(close - (p + 3)));
      buf_putn(&out, "}", 1);
      p = close + 1;
    } else {
      size_t n = p[0] == '\\' && p[1] != '\0' ? 2 : 1;
      buf_putn(&out, p, n);
      p += n;
    }
  }
  return buf_take(&out);
}

/* Compile the ECMA-262 regex src (UTF mode, Unicode-aware \u escapes,
** "$" only at the very end); reports a problem and returns NULL when bad. */
static pcre2_code *rx_compile(Compiler *c, const char *src) {
  char *pat = rx_translate(src);
  int code;
  PCRE2_SIZE off;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_ALT_BSUX | PCRE2_DOLLAR_ENDONLY |
                                     PCRE2_USE_OFFSET_LIMIT,
                                 &code, &off, c->cctx);
  free(pat);
  if (re == NULL) {
    PCRE2_UCHAR msg[256];
    if (pcre2_get_error_message(code, msg, sizeof msg) < 0) strcpy((char *)msg, "?");
    cerr(c, "invalid regular expression %s: %s", src, (const char *)msg);
  }
  return re;
}

/* ==== Keyword compilers =================================================== */

static Node *compile_schema(Compiler *c, const cJSON *j);

/* A keyword compiler: compiles value v of a keyword into n; arg is
** keyword-specific (a field offset or an H_* bit). */
typedef void (*KeywordFn)(Compiler *c, Node *n, size_t arg, const cJSON *v);

#define FIELD(n, T, off) (*(T *)(void *)((char *)(n) + (off)))

/* The T_* bit of a type name, or 0. */
static unsigned type_bit(const char *name) {
  static const char *const names[] = {"null",   "boolean", "object", "array",
                                      "number", "string",  "integer"};
  for (unsigned i = 0; i < 7; i++)
    if (strcmp(names[i], name) == 0) return 1u << i;
  return 0;
}

/* "type": a type name or a non-empty array of them. */
static void kw_type(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (cJSON_IsString(v) && type_bit(v->valuestring)) {
    n->types = type_bit(v->valuestring);
    return;
  }
  const cJSON *t;
  bool ok = cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0;
  if (ok) {
    cJSON_ArrayForEach(t, v) {
      if (!cJSON_IsString(t) || !type_bit(t->valuestring)) ok = false;
      else n->types |= type_bit(t->valuestring);
    }
  }
  if (!ok)
    cerr(c, "must be one of \"null\", \"boolean\", \"object\", \"array\", \"number\", "
            "\"string\", \"integer\" or a non-empty array of them");
}

/* "enum" (an array), "const" and "default" (any value): kept as is. */
static void kw_value(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  if (arg == offsetof(Node, enum_vals) && !cJSON_IsArray(v)) {
    cerr(c, "must be an array");
    return;
  }
  FIELD(n, const cJSON *, arg) = v;
}

/* minimum, maximum, exclusiveMinimum, exclusiveMaximum, multipleOf. */
static void kw_number(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble)) {
    cerr(c, "must be a number");
    return;
  }
  double d = v->valuedouble;
  if (arg == H_MULT && d <= 0) {
    cerr(c, "must be greater than 0");
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
static void kw_count(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  double d = cJSON_IsNumber(v) ? v->valuedouble : -1;
  if (!(d >= 0 && d == floor(d))) {
    cerr(c, "must be a non-negative integer");
    return;
  }
  FIELD(n, double, arg) = d;
}

static void kw_unique(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsBool(v)) cerr(c, "must be a boolean");
  n->unique = cJSON_IsTrue(v);
}

static void kw_pattern(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsString(v)) {
    cerr(c, "must be a string");
    return;
  }
  n->pattern_src = v->valuestring;
  n->pattern = rx_compile(c, v->valuestring);
}

static void kw_format(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsString(v)) cerr(c, "must be a string");
  else n->format = v->valuestring;
}

/* "required": an array of strings. */
static void kw_required(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)arg;
  const cJSON *item;
  bool ok = cJSON_IsArray(v);
  if (ok) cJSON_ArrayForEach(item, v) ok = ok && cJSON_IsString(item);
  if (!ok) cerr(c, "must be an array of strings");
  else n->required = v;
}

/* additionalProperties, not: one schema. */
static void kw_schema(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  FIELD(n, Node *, arg) = compile_schema(c, v);
}

/* "items": one schema (the array form of older drafts is unsupported). */
static void kw_items(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  if (cJSON_IsArray(v))
    note_unsupported(c, "items", xstrdup("array form of items (use prefixItems)"));
  else
    kw_schema(c, n, arg, v);
}

/* allOf, anyOf, oneOf, prefixItems: a non-empty array of schemas. */
static void kw_list(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  NodeList *list = &FIELD(n, NodeList, arg);
  size_t count = cJSON_IsArray(v) ? (size_t)cJSON_GetArraySize(v) : 0;
  if (count == 0) {
    cerr(c, "must be a non-empty array of schemas");
    return;
  }
  const cJSON *item;
  list->items = xcalloc(count, sizeof *list->items);
  cJSON_ArrayForEach(item, v) {
    size_t mark = path_push_index(&c->path, list->n);
    list->items[list->n++] = compile_schema(c, item);
    buf_truncate(&c->path, mark);
  }
}

static int prop_cmp(const void *a, const void *b) {
  return strcmp(((const Prop *)a)->name, ((const Prop *)b)->name);
}

/* "properties": an object of schemas, kept sorted by name. */
static void kw_properties(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsObject(v)) {
    cerr(c, "must be an object of schemas");
    return;
  }
  const cJSON *m;
  n->props = xcalloc((size_t)cJSON_GetArraySize(v), sizeof *n->props);
  cJSON_ArrayForEach(m, v) {
    size_t mark = path_push_key(&c->path, m->string);
    n->props[n->nprops].name = m->string;
    n->props[n->nprops++].schema = compile_schema(c, m);
    buf_truncate(&c->path, mark);
  }
  qsort(n->props, n->nprops, sizeof *n->props, prop_cmp);
}

/* "patternProperties": an object from regexes to schemas. */
static void kw_pattern_properties(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsObject(v)) {
    cerr(c, "must be an object of schemas");
    return;
  }
  const cJSON *m;
  n->pprops = xcalloc((size_t)cJSON_GetArraySize(v), sizeof *n->pprops);
  cJSON_ArrayForEach(m, v) {
    PatProp *pp = &n->pprops[n->npprops++];
    size_t mark = path_push_key(&c->path, m->string);
    pp->source = m->string;
    pp->re = rx_compile(c, m->string);
    pp->schema = compile_schema(c, m);
    buf_truncate(&c->path, mark);
  }
}

/* "$defs", "definitions": schemas compiled for their errors and $refs. */
static void kw_defs(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)n, (void)arg;
  if (!cJSON_IsObject(v)) {
    cerr(c, "must be an object of schemas");
    return;
  }
  const cJSON *m;
  cJSON_ArrayForEach(m, v) {
    size_t mark = path_push_key(&c->path, m->string);
    compile_schema(c, m);
    buf_truncate(&c->path, mark);
  }
}

/* "$ref": resolved once the whole document is compiled. */
static void kw_ref(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsString(v)) {
    cerr(c, "must be a string");
    return;
  }
  GROW(c->refs, c->cap_refs, c->nrefs + 1);
  c->refs[c->nrefs].node = n;
  c->refs[c->nrefs].ref = v->valuestring;
  c->refs[c->nrefs].where = xstrdup(buf_str(&c->path));
  c->refs[c->nrefs].nested = c->resources > 0;
  c->nrefs++;
}

/* "$id": the root's names the document (local refs may use it); a nested
** one starts a new resource, which is unsupported. */
static void kw_id(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)arg;
  if (!cJSON_IsString(v)) {
    cerr(c, "must be a string");
  } else if (n->src != c->s->doc) {
    note_unsupported(c, "$id", xstrdup("nested schema resource"));
  } else {
    free(c->s->root_id);
    c->s->root_id = xstrdup(v->valuestring);
    size_t len = strlen(c->s->root_id);
    if (len > 0 && c->s->root_id[len - 1] == '#') c->s->root_id[len - 1] = '\0';
  }
}

/* "$schema": must be a string; its value is not checked. */
static void kw_string(Compiler *c, Node *n, size_t arg, const cJSON *v) {
  (void)n, (void)arg;
  if (!cJSON_IsString(v)) cerr(c, "must be a string");
}

/* The keywords we implement. */
static const struct {
  const char *name; /* keyword */
  KeywordFn fn;     /* its compiler */
  size_t arg;       /* passed to fn */
} KEYWORDS[] = {
    {"type", kw_type, 0},
    {"enum", kw_value, offsetof(Node, enum_vals)},
    {"const", kw_value, offsetof(Node, const_val)},
    {"default", kw_value, offsetof(Node, dflt)},
    {"minimum", kw_number, H_MIN},
    {"maximum", kw_number, H_MAX},
    {"exclusiveMinimum", kw_number, H_XMIN},
    {"exclusiveMaximum", kw_number, H_XMAX},
    {"multipleOf", kw_number, H_MULT},
    {"minLength", kw_count, offsetof(Node, min_len)},
    {"maxLength", kw_count, offsetof(Node, max_len)},
    {"minItems", kw_count, offsetof(Node, min_items)},
    {"maxItems", kw_count, offsetof(Node, max_items)},
    {"minProperties", kw_count, offsetof(Node, min_props)},
    {"maxProperties", kw_count, offsetof(Node, max_props)},
    {"uniqueItems", kw_unique, 0},
    {"pattern", kw_pattern, 0},
    {"format", kw_format, 0},
    {"required", kw_required, 0},
    {"properties", kw_properties, 0},
    {"patternProperties", kw_pattern_properties, 0},
    {"additionalProperties", kw_schema, offsetof(Node, additional)},
    {"items", kw_items, offsetof(Node, items)},
    {"prefixItems", kw_list, offsetof(Node, prefix)},
    {"allOf", kw_list, offsetof(Node, all)},
    {"anyOf", kw_list, offsetof(Node, any)},
    {"oneOf", kw_list, offsetof(Node, one)},
    {"not", kw_schema, offsetof(Node, not_)},
    {"$ref", kw_ref, 0},
    {"$defs", kw_defs, 0},
    {"definitions", kw_defs, 0},
    {"$id", kw_id, 0},
    {"$schema", kw_string, 0},
};

/* JSON Schema keywords we know of but do not implement. */
static const char *const UNSUPPORTED[] = {
    "$anchor", "$dynamicAnchor", "$dynamicRef", "$recursiveAnchor",
    "$recursiveRef", "$vocabulary", "if", "then", "else", "dependentSchemas",
    "dependentRequired", "dependencies", "unevaluatedProperties",
    "unevaluatedItems", "contains", "minContains", "maxContains",
    "propertyNames", "additionalItems",
};

/* Compile one keyword of n; others (annotations, unknown) are ignored. */
static void compile_keyword(Compiler *c, Node *n, const cJSON *kw) {
  for (size_t i = 0; i < sizeof KEYWORDS / sizeof KEYWORDS[0]; i++) {
    if (strcmp(KEYWORDS[i].name, kw->string) == 0) {
      KEYWORDS[i].fn(c, n, KEYWORDS[i].arg, kw);
      return;
    }
  }
  for (size_t i = 0; i < sizeof UNSUPPORTED / sizeof UNSUPPORTED[0]; i++)
    if (strcmp(UNSUPPORTED[i], kw->string) == 0) note_unsupported(c, kw->string, NULL);
}

/* Members past which a schema's names are checked for repeats with a hash
** set instead of a scan of the earlier members (a generated schema with
** tens of thousands of keywords would make the scan quadratic). */
#define NAMES_SCAN_MAX 32

/* The names met so far in one object: a hash set over borrowed strings,
** or a scan of the earlier members while the object is small (cap 0). */
typedef struct NameSet {
  const char **slots;    /* cap slots, NULL when free */
  size_t cap;            /* a power of two, at least twice the members */
} NameSet;

static size_t name_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;  /* FNV-1a */
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)h;
}

static NameSet names_for(const cJSON *j) {
  NameSet set = {NULL, 0};
  int n = cJSON_GetArraySize(j);
  if (n <= NAMES_SCAN_MAX) return set;
  set.cap = 64;
  while (set.cap < 2 * (size_t)n) set.cap *= 2;
  set.slots = xcalloc(set.cap, sizeof *set.slots);
  return set;
}

/* Whether an earlier member of object j has the name of member m (JSON
** text may repeat a name; a keyword must be compiled once); records m. */
static bool named_before(NameSet *set, const cJSON *j, const cJSON *m) {
  if (set->cap == 0) {
    for (const cJSON *o = j->child; o != m; o = o->next)
      if (strcmp(o->string, m->string) == 0) return true;
    return false;
  }
  size_t i = name_hash(m->string) & (set->cap - 1);
  for (; set->slots[i] != NULL; i = (i + 1) & (set->cap - 1))
    if (strcmp(set->slots[i], m->string) == 0) return true;
  set->slots[i] = m->string;
  return false;
}

/* The node of schema value j (compiled once; the path names j). */
static Node *compile_schema(Compiler *c, const cJSON *j) {
  Node *n = map_get(c, j);
  if (n != NULL) return n;
  n = node_new(c->s, j);
  map_put(c, j, n);
  if (cJSON_IsBool(j)) {
    n->boolean = cJSON_IsTrue(j);
  } else if (!cJSON_IsObject(j)) {
    cerr(c, "expected a schema (an object or a boolean)");
    n->boolean = 1;
  } else if (c->depth >= AG_SCHEMA_MAX_DEPTH) {
    cerr(c, "schema nested too deeply (more than %d levels)", AG_SCHEMA_MAX_DEPTH);
    n->boolean = 1;
  } else {
    const cJSON *kw;
    int resource = j != c->s->doc && cJSON_GetObjectItemCaseSensitive(j, "$id") != NULL;
    c->depth++;
    c->resources += resource;
    NameSet seen = names_for(j);
    cJSON_ArrayForEach(kw, j) {
      size_t mark = path_push_key(&c->path, kw->string);
      if (named_before(&seen, j, kw)) cerr(c, "the keyword appears twice in this schema");
      else compile_keyword(c, n, kw);
      buf_truncate(&c->path, mark);
    }
    free(seen.slots);
    c->resources -= resource;
    c->depth--;
  }
  return n;
}

/* ==== $ref resolution ===================================================== */

static int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

/* s with its %XX escapes decoded (malloc'd), or NULL on a bad escape. */
static char *percent_decode(const char *s) {
  Buf b = {0};
  buf_putn(&b, "", 0);
  for (; *s; s++) {
    if (*s != '%') {
      buf_putn(&b, s, 1);
      continue;
    }
    int hi = hex_value(s[1]), lo = hi < 0 ? -1 : hex_value(s[2]);
    if (lo < 0) {
      free(b.data);
      return NULL;
    }
    char ch = (char)(hi * 16 + lo);
    buf_putn(&b, &ch, 1);
    s += 2;
  }
  return buf_take(&b);
}

/* The member of container j named by the RFC 6901 token tok[0..n), or
** NULL (also for bad "~" escapes and non-canonical array indexes). */
static const cJSON *pointer_step(const cJSON *j, const char *tok, size_t n) {
  Buf key = {0};
  buf_putn(&key, "", 0);
  for (size_t i = 0; i < n; i++) {
    if (tok[i] != '~') buf_putn(&key, tok + i, 1);
    else if (i + 1 < n && (tok[i + 1] == '0' || tok[i + 1] == '1'))
      buf_putn(&key, tok[++i] == '0' ? "~" : "/", 1);
    else j = NULL;
  }
  const cJSON *r = NULL;
  if (cJSON_IsObject(j)) {
    r = cJSON_GetObjectItemCaseSensitive(j, key.data);
  } else if (cJSON_IsArray(j) && key.len > 0 && key.len < 10 &&
             strspn(key.data, "0123456789") == key.len &&
             (key.data[0] != '0' || key.len == 1)) {
    r = cJSON_GetArrayItem(j, atoi(key.data));
  }
  free(key.data);
  return r;
}

/* The value the JSON pointer ptr ("" or "/a/b") names in doc, or NULL. */
static const cJSON *pointer_get(const cJSON *doc, const char *ptr) {
  const cJSON *j = doc;
  if (*ptr != '\0' && *ptr != '/') return NULL;
  while (j != NULL && *ptr == '/') {
    const char *tok = ptr + 1, *end = strchr(tok, '/');
    size_t n = end ? (size_t)(end - tok) : strlen(tok);
    j = pointer_step(j, tok, n);
    ptr = tok + n;
  }
  return j;
}

/* The fragment of ref (after '#') when ref points into this document
** ("#...", or the root $id followed by "#..." or nothing); NULL if not. */
static const char *local_fragment(const ag_Schema *s, const char *ref) {
  if (ref[0] == '#') return ref + 1;
  size_t n = s->root_id ? strlen(s->root_id) : 0;
  if (n == 0 || strncmp(ref, s->root_id, n) != 0) return NULL;
  if (ref[n] == '\0') return ref + n;
  return ref[n] == '#' ? ref + n + 1 : NULL;
}

/* Resolve one pending $ref: compile its target and link it. */
static void resolve_ref(Compiler *c, Node *node, const char *ref, bool nested) {
  const char *frag = local_fragment(c->s, ref);
  if (nested) {
    note_unsupported(c, "$ref", format("reference \"%s\" inside a nested $id resource", ref));
    return;
  }
  if (frag == NULL) {
    note_unsupported(c, "$ref", format("non-local reference \"%s\"", ref));
    return;
  }
  char *ptr = percent_decode(frag);
  if (ptr == NULL) {
    cerr(c, "bad percent-encoding in $ref \"%s\"", ref);
  } else if (ptr[0] != '\0' && ptr[0] != '/') {
    note_unsupported(c, "$ref", format("anchor reference \"%s\"", ref));
  } else {
    const cJSON *target = pointer_get(c->s->doc, ptr);
    if (target == NULL) {
      cerr(c, "unknown $ref target \"%s\"", ref);
    } else {
      buf_truncate(&c->path, 0);
      buf_puts(&c->path, ptr);
      c->depth = 0;
      node->ref = compile_schema(c, target);
    }
  }
  free(ptr);
}

/* Resolve every $ref (targets compiled here may add more). */
static void resolve_refs(Compiler *c) {
  for (size_t i = 0; i < c->nrefs; i++) {
    buf_truncate(&c->path, 0);
    buf_puts(&c->path, c->refs[i].where);
    resolve_ref(c, c->refs[i].node, c->refs[i].ref, c->refs[i].nested);
  }
}

/* ==== Compile entry point ================================================= */

static void compiler_free(Compiler *c) {
  for (size_t i = 0; i < c->nrefs; i++) free(c->refs[i].where);
  free(c->refs);
  free(c->map_keys);
  free(c->map_vals);
  free(c->path.data);
  pcre2_compile_context_free(c->cctx);
}

/* The match context bounding every pattern match of s. */
static pcre2_match_context *match_context(void) {
  pcre2_match_context *m = pcre2_match_context_create(NULL);
  if (m == NULL) out_of_memory();
  pcre2_set_match_limit(m, AG_SCHEMA_MATCH_LIMIT);
  pcre2_set_depth_limit(m, AG_SCHEMA_DEPTH_LIMIT);
  pcre2_set_heap_limit(m, AG_SCHEMA_HEAP_LIMIT_KIB);
  return m;
}

static const cJSON *default_of(const Node *n);
static bool flat_schema(ag_Schema *s);

/* One step of mark_fills: whether fill() can insert anything at n, given
** what is known of the nodes it descends into. */
static bool node_fills(const Node *n) {
  if (n->boolean >= 0) return false;
  if (n->ref && n->ref->fills) return true;
  for (size_t i = 0; i < n->all.n; i++) if (n->all.items[i]->fills) return true;
  for (size_t i = 0; i < n->nprops; i++)
    if (n->props[i].schema->fills || default_of(n->props[i].schema)) return true;
  for (size_t i = 0; i < n->prefix.n; i++) if (n->prefix.items[i]->fills) return true;
  return n->items && n->items->fills;
}

/* Set Node.fills everywhere, as a fixpoint ($refs make the graph cyclic),
** so that filling and its dry run skip the parts without defaults. */
static void mark_fills(ag_Schema *s) {
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < s->nnodes; i++)
      if (!s->nodes[i]->fills && node_fills(s->nodes[i])) s->nodes[i]->fills = changed = true;
  }
}

ag_Schema *ag_schema_compile(const cJSON *schema, ag_SchemaErrors *errs) {
  return ag_schema_compile_ex(schema, 0, errs);
}

ag_Schema *ag_schema_compile_ex(const cJSON *schema, unsigned options,
                                ag_SchemaErrors *errs) {
  Compiler c = {0};
  if (schema == NULL) {
    if (errs_room(errs)) errs_add(errs, xstrdup(""), xstrdup("no schema"));
    return NULL;
  }
  ag_Schema *s = xcalloc(1, sizeof *s);
  s->doc = cJSON_Duplicate(schema, true);
  c.cctx = pcre2_compile_context_create(NULL);
  if (s->doc == NULL || c.cctx == NULL) out_of_memory();
  pcre2_set_compile_extra_options(c.cctx, PCRE2_EXTRA_ALT_BSUX);
  s->options = options;
  c.s = s;
  c.errs = errs;
  s->root = compile_schema(&c, s->doc);
  resolve_refs(&c);
  mark_fills(s);
  s->flat = !(options & AG_SCHEMA_FULL_WALK) && flat_schema(s);
  s->mctx = match_context();
  compiler_free(&c);
  if (c.nerr > 0) {
    ag_schema_free(s);
    return NULL;
  }
  return s;
}

/* ==== JSON equality and hashing =========================================== */

/* The T_* type of an instance value (numbers: T_NUMBER, plus T_INTEGER
** when integral). */
/* The type bits of x, read straight from cJSON's type field (this runs
** for every value validated). */
static unsigned type_of(const cJSON *x) {
  if (x == NULL) return 0;
  switch (x->type & 0xFF) {
  case cJSON_NULL: return T_NULL;
  case cJSON_False: case cJSON_True: return T_BOOLEAN;
  case cJSON_Object: return T_OBJECT;
  case cJSON_Array: return T_ARRAY;
  case cJSON_String: return T_STRING;
  case cJSON_Number: {
    double d = x->valuedouble;
    return T_NUMBER | (isfinite(d) && d == floor(d) ? T_INTEGER : 0);
  }
  default: return 0;
  }
}

static bool json_equal(const cJSON *a, const cJSON *b, int depth);

/* Objects: the same names with equal values, in any order. */
static bool object_equal(const cJSON *a, const cJSON *b, int depth) {
  const cJSON *m;
  if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) return false;
  cJSON_ArrayForEach(m, a) {
    const cJSON *other = cJSON_GetObjectItemCaseSensitive(b, m->string);
    if (other == NULL || !json_equal(m, other, depth + 1)) return false;
  }
  return true;
}

/* JSON equality: numbers by value (1 == 1.0), strings by bytes, arrays in
** order, objects regardless of member order; true is not 1. */
static bool json_equal(const cJSON *a, const cJSON *b, int depth) {
  unsigned ta = type_of(a) & ~(unsigned)T_INTEGER;
  if (ta != (type_of(b) & ~(unsigned)T_INTEGER) || depth > EQ_MAX_DEPTH) return false;
  switch (ta) {
  case T_BOOLEAN: return cJSON_IsTrue(a) == cJSON_IsTrue(b);
  case T_NUMBER: return a->valuedouble == b->valuedouble;
  case T_STRING: return strcmp(a->valuestring, b->valuestring) == 0;
  case T_OBJECT: return object_equal(a, b, depth);
  case T_ARRAY:
    for (a = a->child, b = b->child; a && b; a = a->next, b = b->next)
      if (!json_equal(a, b, depth + 1)) return false;
    return a == NULL && b == NULL;
  default: return true;
  }
}

static uint64_t hash_mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

static uint64_t hash_string(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* A hash consistent with json_equal (member order does not matter). */
static uint64_t json_hash(const cJSON *x, int depth) {
  unsigned t = type_of(x) & ~(unsigned)T_INTEGER;
  uint64_t h = t, bits;
  const cJSON *m;
  if (depth > EQ_MAX_DEPTH) return h;
  if (t == T_BOOLEAN) return hash_mix(h, cJSON_IsTrue(x));
  if (t == T_STRING) return hash_mix(h, hash_string(x->valuestring));
  if (t == T_NUMBER) {
    double d = x->valuedouble == 0 ? 0.0 : x->valuedouble; /* -0 == 0 */
    memcpy(&bits, &d, sizeof bits);
    return hash_mix(h, bits);
  }
  uint64_t sum = 0;
  if (t != T_ARRAY && t != T_OBJECT) return h;
  cJSON_ArrayForEach(m, x) {
    if (t == T_ARRAY) h = hash_mix(h, json_hash(m, depth + 1));
    else sum += hash_mix(hash_string(m->string), json_hash(m, depth + 1));
  }
  return hash_mix(h, sum);
}

/* ==== Validator state ===================================================== */

/* One step of the path to the current instance value: a member name, or
** an array index when key is NULL. The JSON pointer text is only built
** when an error is reported. */
typedef struct Seg {
  const char *key;
  size_t index;
} Seg;

typedef struct Validator {
  const ag_Schema *s;     /* the compiled schema */
  ag_SchemaErrors *errs;  /* where errors go (a scratch list in probes) */
  Seg *segs;              /* path of the current instance value */
  size_t nsegs, capsegs;
  Seg small[8];           /* segs until the path gets deeper */
  int depth;              /* nested schema applications */
  pcre2_match_data *md;   /* scratch space for pattern matches */
  bool regex_dead;        /* a match limit was hit: skip further patterns */
  bool incomplete;        /* a limit stopped some check (even in a probe) */
  uint64_t steps;         /* schema applications so far */
  uint64_t max_steps;     /* ... and how many are allowed */
  double deadline_ms;     /* ag_now_ms() bound; 0: none */
  const char *stopped;    /* "fuel" or "time" once a bound was hit: every
                             further application fails at once */
} Validator;

/* Step into a member or an item; returns the mark vpath_pop restores. */
/* Double the room for path steps, leaving the inline ones on the way. */
static void vpath_grow(Validator *v) {
  size_t cap = v->capsegs * 2;
  Seg *segs = xmalloc(cap * sizeof *segs);
  memcpy(segs, v->segs, v->nsegs * sizeof *segs);
  if (v->segs != v->small) free(v->segs);
  v->segs = segs;
  v->capsegs = cap;
}

static size_t vpath_push(Validator *v, const char *key, size_t index) {
  if (v->nsegs == v->capsegs) vpath_grow(v);
  v->segs[v->nsegs] = (Seg){key, index};
  return v->nsegs++;
}

static void vpath_pop(Validator *v, size_t mark) { v->nsegs = mark; }

/* The JSON pointer of the first n steps of the path (malloc'd). */
static char *vpath_render(const Validator *v, size_t n) {
  Buf b = {0};
  for (size_t i = 0; i < n; i++) {
    if (v->segs[i].key) path_push_key(&b, v->segs[i].key);
    else path_push_index(&b, v->segs[i].index);
  }
  return buf_take(&b);
}

/* Record a problem of the value whose path is the first n steps of the
** current one. */
static void verr_at(Validator *v, size_t n, const char *fmt, ...) {
  if (!errs_room(v->errs)) return;
  va_list ap;
  va_start(ap, fmt);
  errs_add(v->errs, vpath_render(v, n), vformat(fmt, ap));
  va_end(ap);
}

/* Record a problem of the value at the current path. */
static void verr(Validator *v, const char *fmt, ...) {
  if (!errs_room(v->errs)) return;
  va_list ap;
  va_start(ap, fmt);
  errs_add(v->errs, vpath_render(v, v->nsegs), vformat(fmt, ap));
  va_end(ap);
}

/* Record a problem whose message embeds show(x) as its first %s. */
static void verr_show(Validator *v, const cJSON *x, const char *fmt, ...) {
  if (!errs_room(v->errs)) return;
  va_list ap;
  va_start(ap, fmt);
  char *shown = show(x), *rest = vformat(fmt, ap);
  errs_add(v->errs, vpath_render(v, v->nsegs), format("%s%s", shown, rest));
  free(shown);
  free(rest);
  va_end(ap);
}

static bool vnode(Validator *v, const Node *n, const cJSON *x);

/* Validate x against n without reporting; returns validity. When first is
** not NULL it gets the first problem as "pointer: message" (or NULL). */
static bool probe(Validator *v, const Node *n, const cJSON *x, char **first) {
  ag_SchemaErrors scratch, *saved = v->errs;
  ag_schema_errors_init(&scratch);
  scratch.max = first ? 1 : 0;
  v->errs = &scratch;
  bool ok = vnode(v, n, x);
  v->errs = saved;
  if (first)
    *first = scratch.count ? format("%s: %s", scratch.items[0].pointer,
                                    scratch.items[0].message)
                           : NULL;
  ag_schema_errors_free(&scratch);
  return ok;
}

/* Match re against s: 1 match, 0 no match, -1 limit hit or failure. */
/* Start positions one pcre2_match call may try: PCRE2 counts its steps
** afresh at every start position, so a search failing everywhere just
** below the match limit would do length x limit steps in one call. Each
** window of positions costs one schema application and a reading of the
** deadline (vwindow). */
#define RX_WINDOW_POSITIONS (AG_SCHEMA_REGEX_WINDOW_STEPS / AG_SCHEMA_MATCH_LIMIT + 1)
static bool vstep(Validator *v);

/* Count a window of a pattern search against the bounds; unlike vstep it
** reads the clock every time, as a window may be millions of steps. */
static bool vwindow(Validator *v) {
  if (!vstep(v)) return false;
  if (v->deadline_ms > 0 && ag_now_ms() > v->deadline_ms) {
    v->stopped = "time";
    v->incomplete = true;
  }
  return v->stopped == NULL;
}

static int rx_match(Validator *v, const pcre2_code *re, const char *s) {
  if (v->regex_dead || re == NULL) return -1;
  if (v->md == NULL) {  /* made on the first pattern, not for every call */
    v->md = pcre2_match_data_create(1, NULL);
    if (v->md == NULL) out_of_memory();
  }
  size_t len = strlen(s), off = 0;
  uint32_t opts = 0;  /* the first call checks the UTF-8, the others need not */
  int rc;
  for (;;) {
    size_t end = len - off > RX_WINDOW_POSITIONS ? off + RX_WINDOW_POSITIONS : len;
    pcre2_set_offset_limit(v->s->mctx, end);
    rc = pcre2_match(re, (PCRE2_SPTR)s, len, off, opts, v->md, v->s->mctx);
    if (rc != PCRE2_ERROR_NOMATCH || end >= len) break;
    if (!vwindow(v)) return -1;
    off = end + 1;
    while (off < len && ((unsigned char)s[off] & 0xC0) == 0x80) off++;  /* a code point */
    opts = PCRE2_NO_UTF_CHECK;
  }
  if (rc >= 0) return 1;
  if (rc == PCRE2_ERROR_NOMATCH) return 0;
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
      rc == PCRE2_ERROR_HEAPLIMIT)
    v->regex_dead = v->incomplete = true;
  return -1;
}

/* ==== Type, enum, const =================================================== */

/* The type name of an instance value for messages. */
static const char *type_name(const cJSON *x) {
  unsigned t = type_of(x);
  if (t & T_INTEGER) return "integer";
  return t == T_NULL ? "null" : t == T_BOOLEAN ? "boolean" : t == T_OBJECT ? "object"
       : t == T_ARRAY ? "array" : t == T_NUMBER ? "number" : "string";
}

/* "a", "a or b", "a, b or c" for the type bits. */
static char *type_names(unsigned types) {
  static const char *const names[] = {"null",   "boolean", "object", "array",
                                      "number", "string",  "integer"};
  Buf b = {0};
  if (types & T_NUMBER) types &= ~(unsigned)T_INTEGER;
  for (unsigned i = 0; i < 7; i++) {
    if (!(types & (1u << i))) continue;
    types &= ~(1u << i);
    if (b.len > 0) buf_puts(&b, types ? ", " : " or ");
    buf_puts(&b, names[i]);
  }
  return buf_take(&b);
}

static bool check_type(Validator *v, const Node *n, const cJSON *x, unsigned t) {
  if (n->types == 0 || (n->types & t)) return true;
  char *want = type_names(n->types);
  verr(v, "expected %s, got %s", want, type_name(x));
  free(want);
  return false;
}

/* The enum values as "a", "b", "c" (at most SHOW_LIST of them). */
static char *show_list(const cJSON *list) {
  Buf b = {0};
  size_t i = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, list) {
    if (i > 0) buf_puts(&b, ", ");
    if (i++ == SHOW_LIST) {
      buf_puts(&b, "...");
      break;
    }
    buf_put_owned(&b, show(item));
  }
  return buf_take(&b);
}

static bool check_enum_const(Validator *v, const Node *n, const cJSON *x) {
  bool ok = true;
  if (n->enum_vals) {
    const cJSON *item;
    bool found = false;
    cJSON_ArrayForEach(item, n->enum_vals) found = found || json_equal(x, item, 0);
    if (!found) {
      char *list = show_list(n->enum_vals);
      verr_show(v, x, " is not one of %s", list);
      free(list);
      ok = false;
    }
  }
  if (n->const_val && !json_equal(x, n->const_val, 0)) {
    char *want = show(n->const_val);
    verr_show(v, x, " is not the required value %s", want);
    free(want);
    ok = false;
  }
  return ok;
}

/* ==== Numbers ============================================================= */

/* Whether d is a multiple of m (> 0), with a tolerance for binary
** fractions such as 0.0075 / 0.0001. */
static bool is_multiple(double d, double m) {
  if (d == floor(d) && m == floor(m) && fabs(d) < 9007199254740992.0)
    return fmod(d, m) == 0;
  double q = d / m;
  if (!isfinite(q)) return false;
  return fabs(q - round(q)) <= 1e-9 * fmax(1.0, fabs(round(q)));
}

/* Report that x violates a bound: "<x><what><bound>". */
static bool bound_error(Validator *v, const cJSON *x, const char *what, double bound) {
  char num[40];
  show_number(bound, num);
  verr_show(v, x, "%s%s", what, num);
  return false;
}

static bool check_number(Validator *v, const Node *n, const cJSON *x) {
  double d = x->valuedouble;
  bool ok = true;
  if ((n->has & H_MIN) && d < n->min)
    ok = bound_error(v, x, " is less than the minimum ", n->min);
  if ((n->has & H_MAX) && d > n->max)
    ok = bound_error(v, x, " is greater than the maximum ", n->max);
  if ((n->has & H_XMIN) && d <= n->xmin)
    ok = bound_error(v, x, " is not greater than the exclusive minimum ", n->xmin);
  if ((n->has & H_XMAX) && d >= n->xmax)
    ok = bound_error(v, x, " is not less than the exclusive maximum ", n->xmax);
  if ((n->has & H_MULT) && !is_multiple(d, n->mult))
    ok = bound_error(v, x, " is not a multiple of ", n->mult);
  return ok;
}

/* ==== Strings ============================================================= */

/* Number of code points of s, or -1 when s is not valid UTF-8. */
static long utf8_length(const char *s) {
  const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
  long count = 0;
  while (*p != 0 && *p < 0x80) p++, count++;  /* ASCII needs no decoding */
  if (*p == 0) return count;
  utf8proc_ssize_t left = (utf8proc_ssize_t)strlen((const char *)p);
  while (left > 0) {
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) return -1;
    p += n;
    left -= n;
    count++;
  }
  return count;
}

static bool check_pattern(Validator *v, const Node *n, const cJSON *x) {
  int r = rx_match(v, n->pattern, x->valuestring);
  if (r == 1) return true;
  char *pat = show_string(n->pattern_src);
  if (r == 0) verr_show(v, x, " does not match the pattern %s", pat);
  else verr(v, "could not be checked against the pattern %s (match limit exceeded)", pat);
  free(pat);
  return false;
}

static bool check_string(Validator *v, const Node *n, const cJSON *x) {
  long len = utf8_length(x->valuestring);
  bool ok = true;
  char num[40];
  if (len < 0) {
    verr(v, "is not valid UTF-8");
    return false;
  }
  if (n->min_len >= 0 && len < n->min_len) {
    show_number(n->min_len, num);
    verr_show(v, x, " is too short (%ld characters, minimum %s)", len, num);
    ok = false;
  }
  if (n->max_len >= 0 && len > n->max_len) {
    show_number(n->max_len, num);
    verr_show(v, x, " is too long (%ld characters, maximum %s)", len, num);
    ok = false;
  }
  if (n->pattern_src && !check_pattern(v, n, x)) ok = false;
  if (n->format && !(v->s->options & AG_SCHEMA_FORMAT_ANNOTATION) &&
      !ag_schema_format_check(n->format, x->valuestring)) {
    verr_show(v, x, " is not a valid %s", n->format);
    ok = false;
  }
  return ok;
}

/* ==== Arrays ============================================================== */

/* An array item with its hash and position (uniqueItems). */
typedef struct HashedItem {
  uint64_t hash;     /* json_hash of item */
  size_t index;      /* position in the array */
  const cJSON *item; /* the item */
} HashedItem;

static int hashed_cmp(const void *a, const void *b) {
  const HashedItem *x = a, *y = b;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* uniqueItems: sort by hash, compare items within runs of equal hashes. */
static bool check_unique(Validator *v, const cJSON *x, size_t count) {
  HashedItem *h = xcalloc(count, sizeof *h);
  const cJSON *item;
  size_t i = 0, dup_a = 0, dup_b = 0;
  bool ok = true;
  cJSON_ArrayForEach(item, x) h[i] = (HashedItem){json_hash(item, 0), i, item}, i++;
  qsort(h, count, sizeof *h, hashed_cmp);
  for (i = 0; ok && i < count; i++) {
    for (size_t j = i + 1; ok && j < count && h[j].hash == h[i].hash; j++) {
      if (json_equal(h[i].item, h[j].item, 0)) ok = false, dup_a = h[i].index, dup_b = h[j].index;
    }
  }
  free(h);
  if (!ok) verr(v, "items %zu and %zu are equal (items must be unique)", dup_a, dup_b);
  return ok;
}

/* prefixItems and items over every element. */
static bool check_items(Validator *v, const Node *n, const cJSON *x) {
  const cJSON *item;
  size_t i = 0;
  bool ok = true;
  cJSON_ArrayForEach(item, x) {
    const Node *schema = i < n->prefix.n ? n->prefix.items[i] : n->items;
    size_t mark = vpath_push(v, NULL, i++);
    if (schema == NULL) {
      /* no constraint on this item */
    } else if (schema->boolean == 0 && schema == n->items) {
      verr(v, "unexpected item (at most %zu items allowed)", n->prefix.n);
      ok = false;
    } else if (!vnode(v, schema, item)) {
      ok = false;
    }
    vpath_pop(v, mark);
  }
  return ok;
}

static bool check_array(Validator *v, const Node *n, const cJSON *x) {
  size_t count = (size_t)cJSON_GetArraySize(x);
  bool ok = true;
  char num[40];
  if (n->min_items >= 0 && count < n->min_items) {
    show_number(n->min_items, num);
    verr(v, "has %zu items, fewer than the minimum %s", count, num);
    ok = false;
  }
  if (n->max_items >= 0 && count > n->max_items) {
    show_number(n->max_items, num);
    verr(v, "has %zu items, more than the maximum %s", count, num);
    ok = false;
  }
  if ((n->prefix.n || n->items) && !check_items(v, n, x)) ok = false;
  if (n->unique && count > 1 && !check_unique(v, x, count)) ok = false;
  return ok;
}

/* ==== Objects ============================================================= */

/* The index of property name in n->props, or -1: a scan while there are
** few (most agents), else a binary search of the sorted list. */
static long prop_index(const Node *n, const char *name) {
  if (n->nprops <= 8) {
    for (size_t i = 0; i < n->nprops; i++)
      if (same_name(n->props[i].name, name)) return (long)i;
    return -1;
  }
  Prop key = {name, NULL};
  const Prop *p = bsearch(&key, n->props, n->nprops, sizeof key, prop_cmp);
  return p ? (long)(p - n->props) : -1;
}

static const Node *find_prop(const Node *n, const char *name) {
  long i = prop_index(n, name);
  return i < 0 ? NULL : n->props[i].schema;
}

static bool check_required(Validator *v, const Node *n, const cJSON *x) {
  const cJSON *name;
  bool ok = true;
  cJSON_ArrayForEach(name, n->required) {
    if (ag_json_member(x, name->valuestring)) continue;
    size_t mark = vpath_push(v, name->valuestring, 0);
    verr(v, "missing required property");
    vpath_pop(v, mark);
    ok = false;
  }
  return ok;
}

/* patternProperties for member m; *matched tells whether one applied. */
static bool check_pattern_props(Validator *v, const Node *n, const cJSON *m,
                                bool *matched) {
  bool ok = true;
  for (size_t i = 0; i < n->npprops; i++) {
    int r = rx_match(v, n->pprops[i].re, m->string);
    if (r < 0) {
      char *pat = show_string(n->pprops[i].source);
      verr(v, "property name could not be checked against the pattern %s", pat);
      free(pat);
      ok = false;
    } else if (r == 1) {
      *matched = true;
      ok = vnode(v, n->pprops[i].schema, m) && ok;
    }
  }
  return ok;
}

/* properties, patternProperties and additionalProperties for member m,
** whose pointer is the current path. */
static bool check_member(Validator *v, const Node *n, const cJSON *m, size_t parent) {
  const Node *schema = find_prop(n, m->string);
  bool matched = schema != NULL;
  bool ok = schema ? vnode(v, schema, m) : true;
  ok = check_pattern_props(v, n, m, &matched) && ok;
  if (matched || n->additional == NULL) return ok;
  if (n->additional->boolean != 0) return vnode(v, n->additional, m) && ok;
  char *name = show_string(m->string);
  verr_at(v, parent, "unexpected property %s", name);
  free(name);
  return false;
}

static bool check_object(Validator *v, const Node *n, const cJSON *x) {
  bool counted = n->min_props >= 0 || n->max_props >= 0;
  size_t count = counted ? (size_t)cJSON_GetArraySize(x) : 0;
  bool ok = true;
  char num[40];
  if (n->min_props >= 0 && count < n->min_props) {
    show_number(n->min_props, num);
    verr(v, "has %zu properties, fewer than the minimum %s", count, num);
    ok = false;
  }
  if (n->max_props >= 0 && count > n->max_props) {
    show_number(n->max_props, num);
    verr(v, "has %zu properties, more than the maximum %s", count, num);
    ok = false;
  }
  if (n->required && !check_required(v, n, x)) ok = false;
  if (n->nprops == 0 && n->npprops == 0 && n->additional == NULL) return ok;
  const cJSON *m;
  cJSON_ArrayForEach(m, x) {
    size_t mark = vpath_push(v, m->string, 0);
    if (!check_member(v, n, m, mark)) ok = false;
    vpath_pop(v, mark);
  }
  return ok;
}

/* ==== Applicators ========================================================= */

/* The error for anyOf / oneOf when no alternative matches: each failing
** alternative explained by its first problem. */
static bool no_alternative(Validator *v, const NodeList *list, const char *kw,
                           const cJSON *x) {
  if (v->errs == NULL || v->errs->count >= v->errs->max) {
    verr(v, "does not match any alternative of %s", kw); /* counted, dropped */
    return false;
  }
  Buf why = {0};
  for (size_t i = 0; i < list->n && i < SHOW_BRANCHES; i++) {
    char *first = NULL;
    probe(v, list->items[i], x, &first);
    buf_put_owned(&why, format("%s[%zu] %s", i ? "; " : "", i + 1,
                               first ? first : "(no detail)"));
    free(first);
  }
  if (list->n > SHOW_BRANCHES) buf_puts(&why, "; ...");
  verr(v, "does not match any alternative of %s: %s", kw, buf_str(&why));
  free(why.data);
  return false;
}

static bool check_any(Validator *v, const Node *n, const cJSON *x) {
  for (size_t i = 0; i < n->any.n; i++)
    if (probe(v, n->any.items[i], x, NULL)) return true;
  return no_alternative(v, &n->any, "anyOf", x);
}

static bool check_one(Validator *v, const Node *n, const cJSON *x) {
  size_t hits = 0, first = 0;
  for (size_t i = 0; i < n->one.n; i++) {
    if (!probe(v, n->one.items[i], x, NULL)) continue;
    if (hits++ == 1) {
      verr(v, "matches alternatives %zu and %zu of oneOf (exactly one must match)",
           first + 1, i + 1);
      return false;
    }
    first = i;
  }
  return hits == 1 ? true : no_alternative(v, &n->one, "oneOf", x);
}

static bool check_applicators(Validator *v, const Node *n, const cJSON *x) {
  bool ok = true;
  if (n->ref) ok = vnode(v, n->ref, x) && ok;
  for (size_t i = 0; i < n->all.n; i++) ok = vnode(v, n->all.items[i], x) && ok;
  if (n->any.n) ok = check_any(v, n, x) && ok;
  if (n->one.n) ok = check_one(v, n, x) && ok;
  if (n->not_ && probe(v, n->not_, x, NULL)) {
    verr(v, "must not match the schema of \"not\"");
    ok = false;
  }
  return ok;
}

/* ==== Fast path for flat schemas ========================================== */

/* Most agents take an object of scalar properties. For such a "flat"
** schema a valid instance is confirmed in one pass over its members, with
** no path bookkeeping; anything else (and every invalid instance, so its
** errors are reported) goes through vnode. */

/* A property schema the fast path can decide: a boolean, or one with only
** type, enum, const and the keywords of numbers and strings (no pattern,
** nothing that looks inside objects or arrays, no applicators). */
static bool flat_leaf(const Node *n) {
  if (n->boolean >= 0) return true;
  return n->pattern_src == NULL && n->nprops == 0 && n->npprops == 0 && n->additional == NULL &&
         n->required == NULL && n->min_props < 0 && n->max_props < 0 && n->prefix.n == 0 &&
         n->items == NULL && n->min_items < 0 && n->max_items < 0 && !n->unique &&
         n->ref == NULL && n->not_ == NULL && n->all.n == 0 && n->any.n == 0 && n->one.n == 0;
}

/* Whether s is flat; if so sets the bits (by index in the root's sorted
** props) of its required properties and of those with a default. */
static bool flat_schema(ag_Schema *s) {
  const Node *r = s->root;
  if (r->boolean >= 0 || (r->types & ~(unsigned)T_OBJECT) != 0 || r->enum_vals || r->const_val ||
      r->npprops || r->min_props >= 0 || r->max_props >= 0 || r->nprops > 64 || r->ref ||
      r->not_ || r->all.n || r->any.n || r->one.n || (r->additional && r->additional->boolean < 0))
    return false;
  s->flat_required = s->flat_defaults = 0;
  for (size_t i = 0; i < r->nprops; i++) {
    if (!flat_leaf(r->props[i].schema)) return false;
    if (r->props[i].schema->dflt) s->flat_defaults |= 1ull << i;
  }
  const cJSON *name;
  cJSON_ArrayForEach(name, r->required) {
    long i = prop_index(r, name->valuestring);
    if (i < 0) return false;
    s->flat_required |= 1ull << i;
  }
  return true;
}

/* Whether x satisfies leaf n (flat_leaf). The checks run with a validator
** that records nothing (q->errs is NULL). */
static bool flat_leaf_valid(Validator *q, const Node *n, const cJSON *x) {
  if (n->boolean >= 0) return n->boolean == 1;
  unsigned t = type_of(x);
  if (n->types != 0 && !(n->types & t)) return false;
  if ((n->enum_vals || n->const_val) && !check_enum_const(q, n, x)) return false;
  if (t & T_NUMBER) return n->has == 0 || check_number(q, n, x);
  return t != T_STRING || check_string(q, n, x);
}

bool ag_schema_fast(const ag_Schema *s) { return s != NULL && s->flat; }

/* True when x is valid for flat s, *fill then saying whether a property
** with a default is missing (a flat leaf fills nothing below itself, so
** that is all ag_schema_fill_defaults would do); false means "ask
** vnode". */
static bool flat_valid(const ag_Schema *s, const cJSON *x, bool *fill) {
  const Node *r = s->root;
  if (!cJSON_IsObject(x)) return false;
  Validator q;  /* records nothing (no errs, so no path): small[] unused */
  q.s = s;
  q.errs = NULL;
  q.segs = NULL;
  q.nsegs = q.capsegs = 0;
  q.depth = 0;
  q.md = NULL;
  q.regex_dead = q.incomplete = false;
  uint64_t seen = 0;
  for (const cJSON *m = x->child; m != NULL; m = m->next) {
    long i = m->string ? prop_index(r, m->string) : -1;
    if (i < 0) {
      if (r->additional && r->additional->boolean == 0) return false;
      continue;
    }
    seen |= 1ull << i;
    if (!flat_leaf_valid(&q, r->props[i].schema, m)) return false;
  }
  assert(q.md == NULL);  /* flat leaves have no pattern */
  if ((seen & s->flat_required) != s->flat_required) return false;
  *fill = (seen & s->flat_defaults) != s->flat_defaults;
  return true;
}

/* ==== Validation entry points ============================================= */

/* Count one schema application against the validation's bounds: a
** schema whose $refs sit in anyOf/allOf can demand work exponential in
** its size, so the work, not the schema, is what is bounded. The clock
** is read every 1024 applications. Returns false once a bound is hit. */
static bool vstep(Validator *v) {
  if (v->stopped) return false;
  v->steps++;
  if (v->steps > v->max_steps) v->stopped = "fuel";
  else if (v->deadline_ms > 0 && (v->steps & 1023) == 0 && ag_now_ms() > v->deadline_ms)
    v->stopped = "time";
  if (v->stopped) v->incomplete = true;
  return v->stopped == NULL;
}

/* Validate x (at the current path) against n, reporting every problem. */
static bool vnode(Validator *v, const Node *n, const cJSON *x) {
  if (!vstep(v)) return false;
  if (n->boolean == 1) return true;
  if (n->boolean == 0) {
    verr(v, "no value is allowed here");
    return false;
  }
  if (v->depth >= AG_SCHEMA_MAX_DEPTH) {
    verr(v, "nested too deeply (more than %d levels of schemas)", AG_SCHEMA_MAX_DEPTH);
    v->incomplete = true;
    return false;
  }
  v->depth++;
  unsigned t = type_of(x);
  bool ok = check_type(v, n, x, t);
  if (n->enum_vals || n->const_val) ok = check_enum_const(v, n, x) && ok;
  if (t & T_NUMBER) ok = check_number(v, n, x) && ok;
  else if (t == T_STRING) ok = check_string(v, n, x) && ok;
  else if (t == T_ARRAY) ok = check_array(v, n, x) && ok;
  else if (t == T_OBJECT) ok = check_object(v, n, x) && ok;
  ok = check_applicators(v, n, x) && ok;
  v->depth--;
  return ok;
}

/* The full walk, which explains every problem. */
static bool validate_walk(const ag_Schema *s, const cJSON *instance, ag_SchemaErrors *errs) {
  Validator v = {0};
  if (s == NULL || instance == NULL) {
    if (errs_room(errs)) errs_add(errs, xstrdup(""), xstrdup(s ? "no value" : "no schema"));
    return false;
  }
  v.s = s;
  v.errs = errs;
  v.segs = v.small;
  v.capsegs = sizeof v.small / sizeof v.small[0];
  v.max_steps = errs ? errs->max_steps : AG_SCHEMA_MAX_STEPS;  /* errs may be NULL */
  v.deadline_ms = errs ? errs->deadline_ms : 0;
  bool ok = vnode(&v, s->root, instance);
  if (v.stopped) {  /* what was found so far may be an artefact: say why */
    if (errs) {
      ag_schema_errors_free(errs);
      errs->limit = v.stopped;
    }
    vpath_pop(&v, 0);
    verr(&v, "could not be checked: validating them took more than %s",
         v.stopped[0] == 'f' ? "the allowed work (the schema is too costly; hint: "
                               "avoid $refs repeated inside anyOf/allOf)"
                             : "the time limit");
    ok = false;
  } else if (ok && v.incomplete) { /* a limit hit in "not" or an alternative: fail closed */
    vpath_pop(&v, 0);
    verr(&v, "could not be fully checked (a nesting or pattern match limit was exceeded)");
    ok = false;
  }
  pcre2_match_data_free(v.md);
  if (v.segs != v.small) free(v.segs);
  return ok;
}

bool ag_schema_validate(const ag_Schema *s, const cJSON *instance,
                        ag_SchemaErrors *errs) {
  bool fill;
  if (s != NULL && s->flat && instance != NULL && flat_valid(s, instance, &fill)) return true;
  return validate_walk(s, instance, errs);
}

bool ag_schema_validate_fill(const ag_Schema *s, const cJSON *instance,
                             ag_SchemaErrors *errs, bool *needs_fill) {
  *needs_fill = false;
  if (s != NULL && s->flat && instance != NULL && flat_valid(s, instance, needs_fill)) return true;
  if (!validate_walk(s, instance, errs)) return false;
  *needs_fill = ag_schema_needs_fill(s, instance);
  return true;
}

/* ==== Defaults ============================================================ */

/* The default of n, following a chain of $refs. */
static const cJSON *default_of(const Node *n) {
  for (int hops = 0; n != NULL && hops < REF_MAX_HOPS; hops++, n = n->ref)
    if (n->dflt) return n->dflt;
  return NULL;
}

static bool fill(const Node *n, cJSON *x, int depth, bool dry);

/* Insert the missing properties that have a default, then descend. A dry
** run inserts nothing and stops at the first default it would insert. */
static bool fill_object(const Node *n, cJSON *x, int depth, bool dry) {
  bool changed = false;
  for (size_t i = 0; i < n->nprops; i++) {
    const cJSON *dflt = default_of(n->props[i].schema);
    if (!dflt && !n->props[i].schema->fills) continue;
    cJSON *item = (cJSON *)ag_json_member(x, n->props[i].name);
    const cJSON *d = item ? NULL : dflt;
    if (d != NULL) {
      if (dry) return true;
      item = cJSON_Duplicate(d, true);
      if (item == NULL) out_of_memory();
      cJSON_AddItemToObject(x, n->props[i].name, item);
      changed = true;
    }
    if (item && fill(n->props[i].schema, item, depth + 1, dry)) {
      if (dry) return true;
      changed = true;
    }
  }
  return changed;
}

static bool fill_array(const Node *n, cJSON *x, int depth, bool dry) {
  cJSON *item;
  size_t i = 0;
  bool changed = false;
  cJSON_ArrayForEach(item, x) {
    const Node *schema = i < n->prefix.n ? n->prefix.items[i] : n->items;
    if (schema && fill(schema, item, depth + 1, dry)) {
      if (dry) return true;
      changed = true;
    }
    i++;
  }
  return changed;
}

/* Whether anything was (dry: would be) inserted into x or below. */
static bool fill(const Node *n, cJSON *x, int depth, bool dry) {
  if (n == NULL || !n->fills || depth >= AG_SCHEMA_MAX_DEPTH) return false;
  bool changed = false;
  if (n->ref) changed = fill(n->ref, x, depth + 1, dry);
  for (size_t i = 0; i < n->all.n && !(dry && changed); i++)
    changed = fill(n->all.items[i], x, depth + 1, dry) || changed;
  if (dry && changed) return true;
  if (cJSON_IsObject(x)) changed = fill_object(n, x, depth, dry) || changed;
  else if (cJSON_IsArray(x)) changed = fill_array(n, x, depth, dry) || changed;
  return changed;
}

void ag_schema_fill_defaults(const ag_Schema *s, cJSON *instance) {
  if (s != NULL && instance != NULL) fill(s->root, instance, 0, false);
}

/* A dry fill: it walks what a fill would, inserting nothing. */
bool ag_schema_needs_fill(const ag_Schema *s, const cJSON *instance) {
  return s != NULL && instance != NULL && fill(s->root, (cJSON *)instance, 0, true);
}
