/*
** ag_schema_validate.c -- validating a cJSON instance against a compiled
** schema. Validation walks the instance and the node graph together,
** collecting every error with the JSON pointer of the failing value; a depth
** counter bounds the recursion (recursive $refs).
*/
#include "ag_schema_internal.h"

/* ==== JSON equality and hashing =========================================== */

/* The T_* type bits of x, read straight from cJSON's type field (numbers:
** T_NUMBER, plus T_INTEGER when integral; this runs for every value
** validated). */
static unsigned ag_sc_type_of(const cJSON *x) {
  if (x == NULL) return 0;
  switch (x->type & 0xFF) {
    case cJSON_NULL: return T_NULL;
    case cJSON_False:
    case cJSON_True: return T_BOOLEAN;
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

static bool ag_sc_json_equal(const cJSON *a, const cJSON *b, int depth);

/* Objects: the same names with equal values, in any order. */
static bool sc_object_equal(const cJSON *a, const cJSON *b, int depth) {
  const cJSON *m;
  if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b)) return false;
  cJSON_ArrayForEach(m, a) {
    const cJSON *other = cJSON_GetObjectItemCaseSensitive(b, m->string);
    if (other == NULL || !ag_sc_json_equal(m, other, depth + 1)) return false;
  }
  return true;
}

/* JSON equality: numbers by value (1 == 1.0), strings by bytes, arrays in
** order, objects regardless of member order; true is not 1. */
static bool ag_sc_json_equal(const cJSON *a, const cJSON *b, int depth) {
  unsigned ta = ag_sc_type_of(a) & ~(unsigned)T_INTEGER;
  if (ta != (ag_sc_type_of(b) & ~(unsigned)T_INTEGER) || depth > AG_SCHEMA_EQ_MAX_DEPTH)
    return false;
  switch (ta) {
    case T_BOOLEAN: return cJSON_IsTrue(a) == cJSON_IsTrue(b);
    case T_NUMBER: return a->valuedouble == b->valuedouble;
    case T_STRING: return strcmp(a->valuestring, b->valuestring) == 0;
    case T_OBJECT: return sc_object_equal(a, b, depth);
    case T_ARRAY:
      for (a = a->child, b = b->child; a && b; a = a->next, b = b->next)
        if (!ag_sc_json_equal(a, b, depth + 1)) return false;
      return a == NULL && b == NULL;
    default: return true;
  }
}

static uint64_t sc_hash_mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  return h;
}

static uint64_t sc_hash_string(const char *s) {
  uint64_t h = 1469598103934665603ULL;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

/* A hash consistent with ag_sc_json_equal (member order does not matter). */
static uint64_t ag_sc_json_hash(const cJSON *x, int depth) {
  unsigned t = ag_sc_type_of(x) & ~(unsigned)T_INTEGER;
  uint64_t h = t, bits;
  const cJSON *m;
  if (depth > AG_SCHEMA_EQ_MAX_DEPTH) return h;
  if (t == T_BOOLEAN) return sc_hash_mix(h, cJSON_IsTrue(x));
  if (t == T_STRING) return sc_hash_mix(h, sc_hash_string(x->valuestring));
  if (t == T_NUMBER) {
    double d = x->valuedouble == 0 ? 0.0 : x->valuedouble; /* -0 == 0 */
    memcpy(&bits, &d, sizeof bits);
    return sc_hash_mix(h, bits);
  }
  uint64_t sum = 0;
  if (t != T_ARRAY && t != T_OBJECT) return h;
  cJSON_ArrayForEach(m, x) {
    if (t == T_ARRAY) h = sc_hash_mix(h, ag_sc_json_hash(m, depth + 1));
    else sum += sc_hash_mix(sc_hash_string(m->string), ag_sc_json_hash(m, depth + 1));
  }
  return sc_hash_mix(h, sum);
}

/* ==== Validator state ===================================================== */

/* One step of the path to the current instance value: a member name, or
** an array index when key is NULL. The JSON pointer text is only built
** when an error is reported. */
typedef struct ag_ScSeg {
  const char *key; /* member name (borrowed from the instance), or NULL */
  size_t index;    /* array index, when key is NULL */
} ag_ScSeg;

/* State of one validation (sc_validate_walk), or of the fast path's
** recording-nothing checks (sc_flat_valid). */
typedef struct ag_ScValidator {
  const ag_Schema *s;    /* the compiled schema */
  ag_SchemaErrors *errs; /* where errors go (a scratch list in probes) */
  ag_ScSeg *segs;        /* path of the current instance value */
  size_t nsegs, capsegs; /* used / allocated steps of segs */
  ag_ScSeg small[8];     /* segs until the path gets deeper */
  int depth;             /* nested schema applications */
  pcre2_match_data *md;  /* scratch space for pattern matches */
  bool regex_dead;       /* a match limit was hit: skip further patterns */
  bool incomplete;       /* a limit stopped some check (even in sc_probe) */
  uint64_t steps;        /* schema applications so far */
  uint64_t max_steps;    /* ... and how many are allowed */
  double deadline_ms;    /* ag_now_ms() bound; 0: none */
  const char *stopped;   /* "fuel" or "time" once a bound was hit: every
                             further application fails at once */
} ag_ScValidator;

/* Double the room for path steps, leaving the inline ones on the way. */
static void sc_vpath_grow(ag_ScValidator *v) {
  size_t cap = v->capsegs * 2;
  ag_ScSeg *segs = ag_sc_malloc(cap * sizeof *segs);
  memcpy(segs, v->segs, v->nsegs * sizeof *segs);
  if (v->segs != v->small) free(v->segs);
  v->segs = segs;
  v->capsegs = cap;
}

/* Step into a member or an item; returns the mark sc_vpath_pop restores. */
static size_t sc_vpath_push(ag_ScValidator *v, const char *key, size_t index) {
  if (v->nsegs == v->capsegs) sc_vpath_grow(v);
  v->segs[v->nsegs] = (ag_ScSeg){key, index};
  return v->nsegs++;
}

static void sc_vpath_pop(ag_ScValidator *v, size_t mark) { v->nsegs = mark; }

/* The JSON pointer of the first n steps of the path (malloc'd). */
static char *sc_vpath_render(const ag_ScValidator *v, size_t n) {
  ag_ScBuf b = {0};
  for (size_t i = 0; i < n; i++) {
    if (v->segs[i].key) ag_sc_path_push_key(&b, v->segs[i].key);
    else ag_sc_path_push_index(&b, v->segs[i].index);
  }
  return ag_sc_buf_take(&b);
}

/* Record a problem of the value whose path is the first n steps of the
** current one. */
static void sc_verr_at(ag_ScValidator *v, size_t n, const char *fmt, ...) {
  if (!ag_sc_errs_room(v->errs)) return;
  va_list ap;
  va_start(ap, fmt);
  ag_sc_errs_add(v->errs, sc_vpath_render(v, n), ag_sc_vformat(fmt, ap));
  va_end(ap);
}

/* Record a problem of the value at the current path. */
static void sc_verr(ag_ScValidator *v, const char *fmt, ...) {
  if (!ag_sc_errs_room(v->errs)) return;
  va_list ap;
  va_start(ap, fmt);
  ag_sc_errs_add(v->errs, sc_vpath_render(v, v->nsegs), ag_sc_vformat(fmt, ap));
  va_end(ap);
}

/* Record a problem whose message embeds ag_sc_show(x) as its first %s. */
static void sc_verr_show(ag_ScValidator *v, const cJSON *x, const char *fmt, ...) {
  if (!ag_sc_errs_room(v->errs)) return;
  va_list ap;
  va_start(ap, fmt);
  char *shown = ag_sc_show(x), *rest = ag_sc_vformat(fmt, ap);
  ag_sc_errs_add(v->errs, sc_vpath_render(v, v->nsegs), ag_sc_format("%s%s", shown, rest));
  free(shown);
  free(rest);
  va_end(ap);
}

static bool sc_vnode(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x);

/* Validate x against n without reporting; returns validity. When first is
** not NULL it gets the first problem as "pointer: message" (or NULL). */
static bool sc_probe(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x, char **first) {
  ag_SchemaErrors scratch, *saved = v->errs;
  ag_schema_errors_init(&scratch);
  scratch.max = first ? 1 : 0;
  v->errs = &scratch;
  bool ok = sc_vnode(v, n, x);
  v->errs = saved;
  if (first)
    *first = scratch.count
                 ? ag_sc_format("%s: %s", scratch.items[0].pointer, scratch.items[0].message)
                 : NULL;
  ag_schema_errors_free(&scratch);
  return ok;
}

/* Start positions one pcre2_match call may try: PCRE2 counts its steps
** afresh at every start position, so a search failing everywhere just
** below the match limit would do length x limit steps in one call. Each
** window of positions costs one schema application and a reading of the
** deadline (sc_vwindow). */
#define RX_WINDOW_POSITIONS (AG_SCHEMA_REGEX_WINDOW_STEPS / AG_SCHEMA_MATCH_LIMIT + 1)
static bool sc_vstep(ag_ScValidator *v);

/* Count a window of a pattern search against the bounds; unlike sc_vstep it
** reads the clock every time, as a window may be millions of steps. */
static bool sc_vwindow(ag_ScValidator *v) {
  if (!sc_vstep(v)) return false;
  if (v->deadline_ms > 0 && ag_now_ms() > v->deadline_ms) {
    v->stopped = "time";
    v->incomplete = true;
  }
  return v->stopped == NULL;
}

/* Match re against s: 1 match, 0 no match, -1 limit hit or failure (re
** NULL after a compile error, a pattern limit hit earlier, or a validation
** bound hit between windows). The search runs in windows of
** RX_WINDOW_POSITIONS start positions, each further window counted by
** sc_vwindow; a PCRE2 match, depth or heap limit marks the validator
** regex_dead and incomplete, so later patterns are skipped and the
** validation fails closed. v->md is made on first use and freed by
** sc_validate_walk. */
static int sc_rx_match(ag_ScValidator *v, const pcre2_code *re, const char *s) {
  if (v->regex_dead || re == NULL) return -1;
  if (v->md == NULL) { /* made on the first pattern, not for every call */
    v->md = pcre2_match_data_create(1, NULL);
    if (v->md == NULL) ag_sc_out_of_memory();
  }
  size_t len = strlen(s), off = 0;
  uint32_t opts = 0; /* the first call checks the UTF-8, the others need not */
  int rc;
  for (;;) {
    size_t end = len - off > RX_WINDOW_POSITIONS ? off + RX_WINDOW_POSITIONS : len;
    pcre2_set_offset_limit(v->s->mctx, end);
    rc = pcre2_match(re, (PCRE2_SPTR)s, len, off, opts, v->md, v->s->mctx);
    if (rc != PCRE2_ERROR_NOMATCH || end >= len) break;
    if (!sc_vwindow(v)) return -1;
    off = end + 1;
    while (off < len && ((unsigned char)s[off] & 0xC0) == 0x80) off++; /* a code point */
    opts = PCRE2_NO_UTF_CHECK;
  }
  if (rc >= 0) return 1;
  if (rc == PCRE2_ERROR_NOMATCH) return 0;
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
    v->regex_dead = v->incomplete = true;
  return -1;
}

/* ==== Type, enum, const =================================================== */

/* The type name of an instance value for messages. */
static const char *sc_type_name(const cJSON *x) {
  unsigned t = ag_sc_type_of(x);
  if (t & T_INTEGER) return "integer";
  return t == T_NULL      ? "null"
         : t == T_BOOLEAN ? "boolean"
         : t == T_OBJECT  ? "object"
         : t == T_ARRAY   ? "array"
         : t == T_NUMBER  ? "number"
                          : "string";
}

/* "a", "a or b", "a, b or c" for the type bits. */
static char *sc_type_names(unsigned types) {
  static const char *const names[] = {"null",   "boolean", "object", "array",
                                      "number", "string",  "integer"};
  ag_ScBuf b = {0};
  if (types & T_NUMBER) types &= ~(unsigned)T_INTEGER;
  for (unsigned i = 0; i < 7; i++) {
    if (!(types & (1u << i))) continue;
    types &= ~(1u << i);
    if (b.len > 0) ag_sc_buf_puts(&b, types ? ", " : " or ");
    ag_sc_buf_puts(&b, names[i]);
  }
  return ag_sc_buf_take(&b);
}

static bool sc_check_type(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x, unsigned t) {
  if (n->types == 0 || (n->types & t)) return true;
  char *want = sc_type_names(n->types);
  sc_verr(v, "expected %s, got %s", want, sc_type_name(x));
  free(want);
  return false;
}

/* The enum values as "a", "b", "c" (at most AG_SCHEMA_SHOW_LIST of them). */
static char *sc_show_list(const cJSON *list) {
  ag_ScBuf b = {0};
  size_t i = 0;
  const cJSON *item;
  cJSON_ArrayForEach(item, list) {
    if (i > 0) ag_sc_buf_puts(&b, ", ");
    if (i++ == AG_SCHEMA_SHOW_LIST) {
      ag_sc_buf_puts(&b, "...");
      break;
    }
    ag_sc_buf_put_owned(&b, ag_sc_show(item));
  }
  return ag_sc_buf_take(&b);
}

/* "enum" and "const": x must equal (ag_sc_json_equal) one of the enum
** values and the const value; each failure is reported showing x. */
static bool sc_check_enum_const(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  bool ok = true;
  if (n->enum_vals) {
    const cJSON *item;
    bool found = false;
    cJSON_ArrayForEach(item, n->enum_vals) found = found || ag_sc_json_equal(x, item, 0);
    if (!found) {
      char *list = sc_show_list(n->enum_vals);
      sc_verr_show(v, x, " is not one of %s", list);
      free(list);
      ok = false;
    }
  }
  if (n->const_val && !ag_sc_json_equal(x, n->const_val, 0)) {
    char *want = ag_sc_show(n->const_val);
    sc_verr_show(v, x, " is not the required value %s", want);
    free(want);
    ok = false;
  }
  return ok;
}

/* ==== Numbers ============================================================= */

/* Whether d is a multiple of m (> 0), with a tolerance for binary
** fractions such as 0.0075 / 0.0001. */
static bool sc_is_multiple(double d, double m) {
  if (d == floor(d) && m == floor(m) && fabs(d) < 9007199254740992.0) return fmod(d, m) == 0;
  double q = d / m;
  if (!isfinite(q)) return false;
  return fabs(q - round(q)) <= 1e-9 * fmax(1.0, fabs(round(q)));
}

/* Report that x violates a bound: "<x><what><bound>". */
static bool sc_bound_error(ag_ScValidator *v, const cJSON *x, const char *what, double bound) {
  char num[40];
  ag_sc_show_number(bound, num);
  sc_verr_show(v, x, "%s%s", what, num);
  return false;
}

/* The numeric bounds and multipleOf of number x, only those whose H_* bit
** is set; every violated one is reported. */
static bool sc_check_number(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  double d = x->valuedouble;
  bool ok = true;
  if ((n->has & H_MIN) && d < n->min)
    ok = sc_bound_error(v, x, " is less than the minimum ", n->min);
  if ((n->has & H_MAX) && d > n->max)
    ok = sc_bound_error(v, x, " is greater than the maximum ", n->max);
  if ((n->has & H_XMIN) && d <= n->xmin)
    ok = sc_bound_error(v, x, " is not greater than the exclusive minimum ", n->xmin);
  if ((n->has & H_XMAX) && d >= n->xmax)
    ok = sc_bound_error(v, x, " is not less than the exclusive maximum ", n->xmax);
  if ((n->has & H_MULT) && !sc_is_multiple(d, n->mult))
    ok = sc_bound_error(v, x, " is not a multiple of ", n->mult);
  return ok;
}

/* ==== Strings ============================================================= */

/* Number of code points of s, or -1 when s is not valid UTF-8. */
static long sc_utf8_length(const char *s) {
  const utf8proc_uint8_t *p = (const utf8proc_uint8_t *)s;
  long count = 0;
  while (*p != 0 && *p < 0x80) p++, count++; /* ASCII needs no decoding */
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

/* "pattern" on string x: a mismatch is reported showing x, a search that
** could not finish (sc_rx_match -1) as unchecked. Returns whether it
** matched. */
static bool sc_check_pattern(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  int r = sc_rx_match(v, n->pattern, x->valuestring);
  if (r == 1) return true;
  char *pat = ag_sc_show_string(n->pattern_src);
  if (r == 0) sc_verr_show(v, x, " does not match the pattern %s", pat);
  else sc_verr(v, "could not be checked against the pattern %s (match limit exceeded)", pat);
  free(pat);
  return false;
}

/* The string keywords of x: invalid UTF-8 is reported alone; else
** minLength / maxLength (in code points), pattern, and format unless the
** schema was compiled with AG_SCHEMA_FORMAT_ANNOTATION. */
static bool sc_check_string(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  long len = sc_utf8_length(x->valuestring);
  bool ok = true;
  char num[40];
  if (len < 0) {
    sc_verr(v, "is not valid UTF-8");
    return false;
  }
  if (n->min_len >= 0 && len < n->min_len) {
    ag_sc_show_number(n->min_len, num);
    sc_verr_show(v, x, " is too short (%ld characters, minimum %s)", len, num);
    ok = false;
  }
  if (n->max_len >= 0 && len > n->max_len) {
    ag_sc_show_number(n->max_len, num);
    sc_verr_show(v, x, " is too long (%ld characters, maximum %s)", len, num);
    ok = false;
  }
  if (n->pattern_src && !sc_check_pattern(v, n, x)) ok = false;
  if (n->format && !(v->s->options & AG_SCHEMA_FORMAT_ANNOTATION) &&
      !ag_schema_format_check(n->format, x->valuestring)) {
    sc_verr_show(v, x, " is not a valid %s", n->format);
    ok = false;
  }
  return ok;
}

/* ==== Arrays ============================================================== */

/* An array item with its hash and position (uniqueItems). */
typedef struct ag_ScHashedItem {
  uint64_t hash;     /* ag_sc_json_hash of item */
  size_t index;      /* position in the array */
  const cJSON *item; /* the item */
} ag_ScHashedItem;

static int sc_hashed_cmp(const void *a, const void *b) {
  const ag_ScHashedItem *x = a, *y = b;
  if (x->hash != y->hash) return x->hash < y->hash ? -1 : 1;
  return x->index < y->index ? -1 : x->index > y->index;
}

/* uniqueItems: sort by hash, compare items within runs of equal hashes. */
static bool sc_check_unique(ag_ScValidator *v, const cJSON *x, size_t count) {
  ag_ScHashedItem *h = ag_sc_calloc(count, sizeof *h);
  const cJSON *item;
  size_t i = 0, dup_a = 0, dup_b = 0;
  bool ok = true;
  cJSON_ArrayForEach(item, x) h[i] = (ag_ScHashedItem){ag_sc_json_hash(item, 0), i, item}, i++;
  qsort(h, count, sizeof *h, sc_hashed_cmp);
  for (i = 0; ok && i < count; i++) {
    for (size_t j = i + 1; ok && j < count && h[j].hash == h[i].hash; j++) {
      if (ag_sc_json_equal(h[i].item, h[j].item, 0))
        ok = false, dup_a = h[i].index, dup_b = h[j].index;
    }
  }
  free(h);
  if (!ok) sc_verr(v, "items %zu and %zu are equal (items must be unique)", dup_a, dup_b);
  return ok;
}

/* prefixItems and items over every element. */
static bool sc_check_items(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  const cJSON *item;
  size_t i = 0;
  bool ok = true;
  cJSON_ArrayForEach(item, x) {
    const ag_ScNode *schema = i < n->prefix.n ? n->prefix.items[i] : n->items;
    size_t mark = sc_vpath_push(v, NULL, i++);
    if (schema == NULL) {
      /* no constraint on this item */
    } else if (schema->boolean == 0 && schema == n->items) {
      sc_verr(v, "unexpected item (at most %zu items allowed)", n->prefix.n);
      ok = false;
    } else if (!sc_vnode(v, schema, item)) {
      ok = false;
    }
    sc_vpath_pop(v, mark);
  }
  return ok;
}

/* minItems / maxItems, then prefixItems / items and uniqueItems (when
** there are two items or more) of array x; every problem reported. */
static bool sc_check_array(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  size_t count = (size_t)cJSON_GetArraySize(x);
  bool ok = true;
  char num[40];
  if (n->min_items >= 0 && count < n->min_items) {
    ag_sc_show_number(n->min_items, num);
    sc_verr(v, "has %zu items, fewer than the minimum %s", count, num);
    ok = false;
  }
  if (n->max_items >= 0 && count > n->max_items) {
    ag_sc_show_number(n->max_items, num);
    sc_verr(v, "has %zu items, more than the maximum %s", count, num);
    ok = false;
  }
  if ((n->prefix.n || n->items) && !sc_check_items(v, n, x)) ok = false;
  if (n->unique && count > 1 && !sc_check_unique(v, x, count)) ok = false;
  return ok;
}

/* ==== Objects ============================================================= */

/* The index of property name in n->props, or -1: a scan while there are
** few (most agents), else a binary search of the sorted list. */
static long sc_prop_index(const ag_ScNode *n, const char *name) {
  if (n->nprops <= 8) {
    for (size_t i = 0; i < n->nprops; i++)
      if (ag_sc_same_name(n->props[i].name, name)) return (long)i;
    return -1;
  }
  ag_ScProp key = {name, NULL};
  const ag_ScProp *p = bsearch(&key, n->props, n->nprops, sizeof key, ag_sc_prop_cmp);
  return p ? (long)(p - n->props) : -1;
}

static const ag_ScNode *sc_find_prop(const ag_ScNode *n, const char *name) {
  long i = sc_prop_index(n, name);
  return i < 0 ? NULL : n->props[i].schema;
}

/* Report each "required" name missing from object x, at the pointer of the
** missing member. */
static bool sc_check_required(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  const cJSON *name;
  bool ok = true;
  cJSON_ArrayForEach(name, n->required) {
    if (ag_json_member(x, name->valuestring)) continue;
    size_t mark = sc_vpath_push(v, name->valuestring, 0);
    sc_verr(v, "missing required property");
    sc_vpath_pop(v, mark);
    ok = false;
  }
  return ok;
}

/* patternProperties for member m; *matched tells whether one applied. */
static bool sc_check_pattern_props(ag_ScValidator *v, const ag_ScNode *n, const cJSON *m,
                                   bool *matched) {
  bool ok = true;
  for (size_t i = 0; i < n->npprops; i++) {
    int r = sc_rx_match(v, n->pprops[i].re, m->string);
    if (r < 0) {
      char *pat = ag_sc_show_string(n->pprops[i].source);
      sc_verr(v, "property name could not be checked against the pattern %s", pat);
      free(pat);
      ok = false;
    } else if (r == 1) {
      *matched = true;
      ok = sc_vnode(v, n->pprops[i].schema, m) && ok;
    }
  }
  return ok;
}

/* properties, patternProperties and additionalProperties for member m,
** whose pointer is the current path. */
static bool sc_check_member(ag_ScValidator *v, const ag_ScNode *n, const cJSON *m, size_t parent) {
  const ag_ScNode *schema = sc_find_prop(n, m->string);
  bool matched = schema != NULL;
  bool ok = schema ? sc_vnode(v, schema, m) : true;
  ok = sc_check_pattern_props(v, n, m, &matched) && ok;
  if (matched || n->additional == NULL) return ok;
  if (n->additional->boolean != 0) return sc_vnode(v, n->additional, m) && ok;
  char *name = ag_sc_show_string(m->string);
  sc_verr_at(v, parent, "unexpected property %s", name);
  free(name);
  return false;
}

/* minProperties / maxProperties (members counted only when one is set),
** required, then every member against properties, patternProperties and
** additionalProperties (the member walk skipped when there are none). */
static bool sc_check_object(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  bool counted = n->min_props >= 0 || n->max_props >= 0;
  size_t count = counted ? (size_t)cJSON_GetArraySize(x) : 0;
  bool ok = true;
  char num[40];
  if (n->min_props >= 0 && count < n->min_props) {
    ag_sc_show_number(n->min_props, num);
    sc_verr(v, "has %zu properties, fewer than the minimum %s", count, num);
    ok = false;
  }
  if (n->max_props >= 0 && count > n->max_props) {
    ag_sc_show_number(n->max_props, num);
    sc_verr(v, "has %zu properties, more than the maximum %s", count, num);
    ok = false;
  }
  if (n->required && !sc_check_required(v, n, x)) ok = false;
  if (n->nprops == 0 && n->npprops == 0 && n->additional == NULL) return ok;
  const cJSON *m;
  cJSON_ArrayForEach(m, x) {
    size_t mark = sc_vpath_push(v, m->string, 0);
    if (!sc_check_member(v, n, m, mark)) ok = false;
    sc_vpath_pop(v, mark);
  }
  return ok;
}

/* ==== Applicators ========================================================= */

/* The error for anyOf / oneOf when no alternative matches: each failing
** alternative explained by its first problem. */
static bool sc_no_alternative(ag_ScValidator *v, const ag_ScNodeList *list, const char *kw,
                              const cJSON *x) {
  if (v->errs == NULL || v->errs->count >= v->errs->max) {
    sc_verr(v, "does not match any alternative of %s", kw); /* counted, dropped */
    return false;
  }
  ag_ScBuf why = {0};
  for (size_t i = 0; i < list->n && i < AG_SCHEMA_SHOW_BRANCHES; i++) {
    char *first = NULL;
    sc_probe(v, list->items[i], x, &first);
    ag_sc_buf_put_owned(
        &why, ag_sc_format("%s[%zu] %s", i ? "; " : "", i + 1, first ? first : "(no detail)"));
    free(first);
  }
  if (list->n > AG_SCHEMA_SHOW_BRANCHES) ag_sc_buf_puts(&why, "; ...");
  sc_verr(v, "does not match any alternative of %s: %s", kw, ag_sc_buf_str(&why));
  free(why.data);
  return false;
}

static bool sc_check_any(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  for (size_t i = 0; i < n->any.n; i++)
    if (sc_probe(v, n->any.items[i], x, NULL)) return true;
  return sc_no_alternative(v, &n->any, "anyOf", x);
}

/* "oneOf": exactly one alternative must pass (each probed silently). A
** second passing one is reported at once, naming both (from 1); none
** passing is explained by sc_no_alternative. */
static bool sc_check_one(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  size_t hits = 0, first = 0;
  for (size_t i = 0; i < n->one.n; i++) {
    if (!sc_probe(v, n->one.items[i], x, NULL)) continue;
    if (hits++ == 1) {
      sc_verr(v, "matches alternatives %zu and %zu of oneOf (exactly one must match)", first + 1,
              i + 1);
      return false;
    }
    first = i;
  }
  return hits == 1 ? true : sc_no_alternative(v, &n->one, "oneOf", x);
}

/* $ref and allOf (every problem of each reported), anyOf, oneOf and not
** (probed; only its passing is an error), all on x at the same path. */
static bool sc_check_applicators(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  bool ok = true;
  if (n->ref) ok = sc_vnode(v, n->ref, x) && ok;
  for (size_t i = 0; i < n->all.n; i++) ok = sc_vnode(v, n->all.items[i], x) && ok;
  if (n->any.n) ok = sc_check_any(v, n, x) && ok;
  if (n->one.n) ok = sc_check_one(v, n, x) && ok;
  if (n->not_ && sc_probe(v, n->not_, x, NULL)) {
    sc_verr(v, "must not match the schema of \"not\"");
    ok = false;
  }
  return ok;
}

/* ==== Fast path for flat schemas ========================================== */

/* Most agents take an object of scalar properties. For such a "flat"
** schema a valid instance is confirmed in one pass over its members, with
** no path bookkeeping; anything else (and every invalid instance, so its
** errors are reported) goes through sc_vnode. */

/* A property schema the fast path can decide: a boolean, or one with only
** type, enum, const and the keywords of numbers and strings (no pattern,
** nothing that looks inside objects or arrays, no applicators). */
static bool sc_flat_leaf(const ag_ScNode *n) {
  if (n->boolean >= 0) return true;
  return n->pattern_src == NULL && n->nprops == 0 && n->npprops == 0 && n->additional == NULL &&
         n->required == NULL && n->min_props < 0 && n->max_props < 0 && n->prefix.n == 0 &&
         n->items == NULL && n->min_items < 0 && n->max_items < 0 && !n->unique && n->ref == NULL &&
         n->not_ == NULL && n->all.n == 0 && n->any.n == 0 && n->one.n == 0;
}

/* Whether s is flat; if so sets the bits (by index in the root's sorted
** props) of its required properties and of those with a default. */
bool ag_sc_flat_schema(ag_Schema *s) {
  const ag_ScNode *r = s->root;
  if (r->boolean >= 0 || (r->types & ~(unsigned)T_OBJECT) != 0 || r->enum_vals || r->const_val ||
      r->npprops || r->min_props >= 0 || r->max_props >= 0 || r->nprops > 64 || r->ref || r->not_ ||
      r->all.n || r->any.n || r->one.n || (r->additional && r->additional->boolean < 0))
    return false;
  s->flat_required = s->flat_defaults = 0;
  for (size_t i = 0; i < r->nprops; i++) {
    if (!sc_flat_leaf(r->props[i].schema)) return false;
    if (r->props[i].schema->dflt) s->flat_defaults |= 1ull << i;
  }
  const cJSON *name;
  cJSON_ArrayForEach(name, r->required) {
    long i = sc_prop_index(r, name->valuestring);
    if (i < 0) return false;
    s->flat_required |= 1ull << i;
  }
  return true;
}

/* Whether x satisfies leaf n (sc_flat_leaf). The checks run with a validator
** that records nothing (q->errs is NULL). */
static bool sc_flat_leaf_valid(ag_ScValidator *q, const ag_ScNode *n, const cJSON *x) {
  if (n->boolean >= 0) return n->boolean == 1;
  unsigned t = ag_sc_type_of(x);
  if (n->types != 0 && !(n->types & t)) return false;
  if ((n->enum_vals || n->const_val) && !sc_check_enum_const(q, n, x)) return false;
  if (t & T_NUMBER) return n->has == 0 || sc_check_number(q, n, x);
  return t != T_STRING || sc_check_string(q, n, x);
}

bool ag_schema_fast(const ag_Schema *s) { return s != NULL && s->flat; }

/* True when x is valid for flat s, *fill then saying whether a property
** with a default is missing (a flat leaf fills nothing below itself, so
** that is all ag_schema_fill_defaults would do); false means "ask
** vnode". */
static bool sc_flat_valid(const ag_Schema *s, const cJSON *x, bool *fill) {
  const ag_ScNode *r = s->root;
  if (!cJSON_IsObject(x)) return false;
  ag_ScValidator q; /* records nothing (no errs, so no path): small[] unused */
  q.s = s;
  q.errs = NULL;
  q.segs = NULL;
  q.nsegs = q.capsegs = 0;
  q.depth = 0;
  q.md = NULL;
  q.regex_dead = q.incomplete = false;
  uint64_t seen = 0;
  for (const cJSON *m = x->child; m != NULL; m = m->next) {
    long i = m->string ? sc_prop_index(r, m->string) : -1;
    if (i < 0) {
      if (r->additional && r->additional->boolean == 0) return false;
      continue;
    }
    seen |= 1ull << i;
    if (!sc_flat_leaf_valid(&q, r->props[i].schema, m)) return false;
  }
  assert(q.md == NULL); /* flat leaves have no pattern */
  if ((seen & s->flat_required) != s->flat_required) return false;
  *fill = (seen & s->flat_defaults) != s->flat_defaults;
  return true;
}

/* ==== Validation entry points ============================================= */

/* Count one schema application against the validation's bounds: a
** schema whose $refs sit in anyOf/allOf can demand work exponential in
** its size, so the work, not the schema, is what is bounded. The clock
** is read every 1024 applications. Returns false once a bound is hit. */
static bool sc_vstep(ag_ScValidator *v) {
  if (v->stopped) return false;
  v->steps++;
  if (v->steps > v->max_steps) v->stopped = "fuel";
  else if (v->deadline_ms > 0 && (v->steps & 1023) == 0 && ag_now_ms() > v->deadline_ms)
    v->stopped = "time";
  if (v->stopped) v->incomplete = true;
  return v->stopped == NULL;
}

/* Validate x (at the current path) against n, reporting every problem. */
static bool sc_vnode(ag_ScValidator *v, const ag_ScNode *n, const cJSON *x) {
  if (!sc_vstep(v)) return false;
  if (n->boolean == 1) return true;
  if (n->boolean == 0) {
    sc_verr(v, "no value is allowed here");
    return false;
  }
  if (v->depth >= AG_SCHEMA_MAX_DEPTH) {
    sc_verr(v, "nested too deeply (more than %d levels of schemas)", AG_SCHEMA_MAX_DEPTH);
    v->incomplete = true;
    return false;
  }
  v->depth++;
  unsigned t = ag_sc_type_of(x);
  bool ok = sc_check_type(v, n, x, t);
  if (n->enum_vals || n->const_val) ok = sc_check_enum_const(v, n, x) && ok;
  if (t & T_NUMBER) ok = sc_check_number(v, n, x) && ok;
  else if (t == T_STRING) ok = sc_check_string(v, n, x) && ok;
  else if (t == T_ARRAY) ok = sc_check_array(v, n, x) && ok;
  else if (t == T_OBJECT) ok = sc_check_object(v, n, x) && ok;
  ok = sc_check_applicators(v, n, x) && ok;
  v->depth--;
  return ok;
}

/* The full walk, which explains every problem. */
static bool sc_validate_walk(const ag_Schema *s, const cJSON *instance, ag_SchemaErrors *errs) {
  ag_ScValidator v = {0};
  if (s == NULL || instance == NULL) {
    if (ag_sc_errs_room(errs))
      ag_sc_errs_add(errs, ag_sc_strdup(""), ag_sc_strdup(s ? "no value" : "no schema"));
    return false;
  }
  v.s = s;
  v.errs = errs;
  v.segs = v.small;
  v.capsegs = sizeof v.small / sizeof v.small[0];
  v.max_steps = errs ? errs->max_steps : AG_SCHEMA_MAX_STEPS; /* errs may be NULL */
  v.deadline_ms = errs ? errs->deadline_ms : 0;
  bool ok = sc_vnode(&v, s->root, instance);
  if (v.stopped) { /* what was found so far may be an artefact: say why */
    if (errs) {
      ag_schema_errors_free(errs);
      errs->limit = v.stopped;
    }
    sc_vpath_pop(&v, 0);
    sc_verr(&v, "could not be checked: validating them took more than %s",
            v.stopped[0] == 'f' ? "the allowed work (the schema is too costly; hint: "
                                  "avoid $refs repeated inside anyOf/allOf)"
                                : "the time limit");
    ok = false;
  } else if (ok && v.incomplete) { /* a limit hit in "not" or an alternative: fail closed */
    sc_vpath_pop(&v, 0);
    sc_verr(&v, "could not be fully checked (a nesting or pattern match limit was exceeded)");
    ok = false;
  }
  pcre2_match_data_free(v.md);
  if (v.segs != v.small) free(v.segs);
  return ok;
}

bool ag_schema_validate(const ag_Schema *s, const cJSON *instance, ag_SchemaErrors *errs) {
  bool fill;
  if (s != NULL && s->flat && instance != NULL && sc_flat_valid(s, instance, &fill)) return true;
  return sc_validate_walk(s, instance, errs);
}

/* For a flat schema, one pass confirms a valid instance and tells whether
** a default is missing; otherwise (and for every invalid instance) the
** full walk reports into errs, then a dry fill run answers *needs_fill,
** which stays false whenever false is returned. */
bool ag_schema_validate_fill(const ag_Schema *s, const cJSON *instance, ag_SchemaErrors *errs,
                             bool *needs_fill) {
  *needs_fill = false;
  if (s != NULL && s->flat && instance != NULL && sc_flat_valid(s, instance, needs_fill))
    return true;
  if (!sc_validate_walk(s, instance, errs)) return false;
  *needs_fill = ag_schema_needs_fill(s, instance);
  return true;
}
