/*
** ag_lint_locate.c -- re-read an agent's source to find where things are.
**
** The reader keeps a position for every item it reads (pairs: where the
** car was read; vectors and dicts: per item / per key and value). This file
** walks the top-level forms right after each one is read and copies what
** the linter needs into malloc'd C structures (see ag_lint_locate.h), so
** no LisPy value outlives the read.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ag_config.h"
#include "ag_lint_locate.h"

/* ========================================================================
** Small helpers
** ======================================================================== */

/* malloc that never returns NULL (the linter cannot do without it). */
static void *agl_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) abort();
  return q;
}

static char *agl_strndup(const char *s, size_t n) {
  char *d = agl_xrealloc(NULL, n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* Grow *items (of size elem) so that one more fits. */
static void agl_grow(void **items, size_t n, size_t *cap, size_t elem) {
  if (n < *cap) return;
  *cap = *cap ? *cap * 2 : 4;
  *items = agl_xrealloc(*items, *cap * elem);
}

static agl_Pos agl_pos(lispy_SrcPos p) {
  agl_Pos r = {(int)p.line, (int)p.col};
  return r;
}

/* Where the car of cell was read. */
static agl_Pos agl_car_pos(lispy_Value cell) { return agl_pos(lispy_car_pos(cell)); }

static bool agl_is(lispy_Value v, lispy_Type t) { return lispy_type(v) == t; }

static bool agl_is_sym(lispy_Value v, const char *name) {
  const char *s = lispy_symbol_name(v);
  return s && strcmp(s, name) == 0;
}

/* The n-th cell of list v (0-based) in *cell; false when shorter. */
static bool agl_cell(lispy_Value v, size_t n, lispy_Value *cell) {
  while (agl_is(v, LISPY_TPAIR)) {
    if (n-- == 0) {
      *cell = v;
      return true;
    }
    v = lispy_cdr(v);
  }
  return false;
}

/* ========================================================================
** Descriptor trees
** ======================================================================== */

static void agl_node_free(agl_Node *n) {
  for (size_t i = 0; i < n->nkids; i++) agl_node_free(&n->kids[i]);
  free(n->kids);
  free(n->key);
  free(n->ref);
  free(n->index);
  memset(n, 0, sizeof *n);
}

/* Append an empty child with the given key (may be NULL) to n. */
static agl_Node *agl_node_add(agl_Node *n, const char *key, agl_Pos kpos) {
  free(n->index); /* an index made before this entry would miss it */
  n->index = NULL;
  agl_grow((void **)&n->kids, n->nkids, &n->cap, sizeof *n->kids);
  agl_Node *k = &n->kids[n->nkids++];
  memset(k, 0, sizeof *k);
  k->key = key ? agl_strndup(key, strlen(key)) : NULL;
  k->kpos = kpos;
  return k;
}

/* Deep copy of src into dst (for the synthesized legacy tree). */
static void agl_node_copy(agl_Node *dst, const agl_Node *src, int depth) {
  *dst = *src;
  dst->key = src->key ? agl_strndup(src->key, strlen(src->key)) : NULL;
  dst->ref = src->ref ? agl_strndup(src->ref, strlen(src->ref)) : NULL;
  dst->kids = NULL;
  dst->nkids = dst->cap = 0;
  dst->index = NULL;
  dst->index_cap = 0;
  if (depth > AGL_MAX_DEPTH) return;
  for (size_t i = 0; i < src->nkids; i++) {
    agl_Node *k = agl_node_add(dst, NULL, src->kids[i].kpos);
    agl_node_copy(k, &src->kids[i], depth + 1);
  }
}

static void agl_value(agl_Node *n, lispy_Value v, agl_Pos pos, bool quoted, int depth);

/* A key read as a keyword or a string names a JSON key; anything else
** (a symbol to be evaluated, a number) stays unnamed. */
static const char *agl_keyname(lispy_Value k) {
  bool named = agl_is(k, LISPY_TSTRING) || agl_is(k, LISPY_TKEYWORD);
  return named ? lispy_to_cstring(k, NULL) : NULL;
}

/* {k v ...}: each entry with where its key and its value were read. */
static void agl_value_dict(agl_Node *n, lispy_Value d, bool quoted, int depth) {
  lispy_Value k, v;
  n->kind = AGL_OBJ;
  for (size_t it = 0; lispy_dict_next(d, &it, &k, &v);) {
    lispy_SrcPos kp, vp;
    lispy_dict_pos(d, it, &kp, &vp);
    agl_value(agl_node_add(n, agl_keyname(k), agl_pos(kp)), v, agl_pos(vp), quoted, depth + 1);
  }
}

static void agl_value_vector(agl_Node *n, lispy_Value vec, bool quoted, int depth) {
  n->kind = AGL_ARR;
  for (size_t i = 0, len = lispy_vector_length(vec); i < len; i++) {
    agl_Pos p = agl_pos(lispy_vector_pos(vec, i));
    agl_value(agl_node_add(n, NULL, p), lispy_vector_item(vec, i), p, quoted, depth + 1);
  }
}

/* The items of a list (from its first cell on) as array items. */
static void agl_value_items(agl_Node *n, lispy_Value list, bool quoted, int depth) {
  n->kind = AGL_ARR;
  for (; agl_is(list, LISPY_TPAIR); list = lispy_cdr(list)) {
    agl_Pos p = agl_car_pos(list);
    agl_value(agl_node_add(n, NULL, p), lispy_car(list), p, quoted, depth + 1);
  }
}

/* Alternating keys and values after a (dict ...) head. */
static void agl_value_pairs(agl_Node *n, lispy_Value list, int depth) {
  n->kind = AGL_OBJ;
  while (agl_is(list, LISPY_TPAIR) && agl_is(lispy_cdr(list), LISPY_TPAIR)) {
    lispy_Value kc = list, vc = lispy_cdr(list);
    agl_Node *k = agl_node_add(n, agl_keyname(lispy_car(kc)), agl_car_pos(kc));
    agl_value(k, lispy_car(vc), agl_car_pos(vc), false, depth + 1);
    list = lispy_cdr(vc);
  }
}

/* A call form: the dict and list constructors become containers. */
static void agl_value_call(agl_Node *n, lispy_Value form, int depth) {
  lispy_Value head = lispy_car(form), args = lispy_cdr(form);
  if (agl_is_sym(head, "dict") || agl_is_sym(head, "make-dict") || agl_is_sym(head, "hash-map"))
    agl_value_pairs(n, args, depth);
  else if (agl_is_sym(head, "list") || agl_is_sym(head, "vector"))
    agl_value_items(n, args, false, depth);
  else if (agl_is_sym(head, "quote") && agl_is(args, LISPY_TPAIR))
    agl_value(n, lispy_car(args), n->vpos, true, depth + 1);
}

/* Fill n from the expression v read at pos. Quoted data reads lists as
** arrays; unquoted lists are calls. */
static void agl_value(agl_Node *n, lispy_Value v, agl_Pos pos, bool quoted, int depth) {
  n->vpos = pos;
  if (depth > AGL_MAX_DEPTH) return;
  if (agl_is(v, LISPY_TDICT)) agl_value_dict(n, v, quoted, depth);
  else if (agl_is(v, LISPY_TVECTOR)) agl_value_vector(n, v, quoted, depth);
  else if (agl_is(v, LISPY_TEMPTY)) n->kind = quoted ? AGL_ARR : AGL_LEAF;
  else if (agl_is(v, LISPY_TPAIR) && quoted) agl_value_items(n, v, true, depth);
  else if (agl_is(v, LISPY_TPAIR)) agl_value_call(n, v, depth);
  else if (agl_is(v, LISPY_TSYMBOL) && !quoted)
    n->ref = agl_strndup(lispy_symbol_name(v), strlen(lispy_symbol_name(v)));
}

/* ========================================================================
** Navigation
** ======================================================================== */

/* Follow a bare-symbol leaf to the top-level definition it names (a few
** hops at most, so a self-reference cannot loop). */
static const agl_Node *agl_resolve(const agl_Source *s, const agl_Node *n) {
  for (int hops = 0; n && n->ref && hops < 8; hops++) {
    const agl_Def *d = agl_source_def(s, n->ref);
    if (!d) break;
    n = &d->value;
  }
  return n;
}

/* FNV-1a of a key. */
static size_t agl_key_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)h;
}

/* Build n's index: entries in order, a later duplicate taking the slot of
** an earlier one (the last duplicate wins, as in the dict). Leaves it NULL
** when out of memory (lookups then scan). */
static void agl_index_build(agl_Node *n) {
  size_t cap = 32;
  while (cap < 2 * n->nkids) cap *= 2;
  n->index = calloc(cap, sizeof *n->index);
  if (!n->index) return;
  n->index_cap = cap;
  for (size_t k = 0; k < n->nkids; k++) {
    const char *key = n->kids[k].key;
    if (!key) continue;
    size_t i = agl_key_hash(key) & (cap - 1);
    while (n->index[i] && strcmp(n->kids[n->index[i] - 1].key, key) != 0) i = (i + 1) & (cap - 1);
    n->index[i] = k + 1;
  }
}

/* The entry of key in n; the lint looks up every key of an object, so big
** objects are indexed (the tree is the lint's own malloc'd data, const to
** its readers: the index is a cache). */
const agl_Node *agl_child(const agl_Source *s, const agl_Node *n, const char *key) {
  n = agl_resolve(s, n);
  if (!n || n->kind != AGL_OBJ) return NULL;
  if (n->nkids > AGL_INDEX_MIN && !n->index) agl_index_build((agl_Node *)n);
  if (n->index) {
    for (size_t i = agl_key_hash(key) & (n->index_cap - 1); n->index[i];
         i = (i + 1) & (n->index_cap - 1))
      if (strcmp(n->kids[n->index[i] - 1].key, key) == 0) return &n->kids[n->index[i] - 1];
    return NULL;
  }
  for (size_t i = n->nkids; i-- > 0;) /* the last duplicate wins */
    if (n->kids[i].key && strcmp(n->kids[i].key, key) == 0) return &n->kids[i];
  return NULL;
}

const agl_Node *agl_item(const agl_Source *s, const agl_Node *n, size_t i) {
  n = agl_resolve(s, n);
  if (!n || n->kind != AGL_ARR || i >= n->nkids) return NULL;
  return &n->kids[i];
}

agl_Pos agl_vpos(const agl_Node *n, agl_Pos fallback) {
  return n && n->vpos.line ? n->vpos : fallback;
}

agl_Pos agl_kpos(const agl_Node *n, agl_Pos fallback) {
  return n && n->kpos.line ? n->kpos : fallback;
}

/* ========================================================================
** Lookups
** ======================================================================== */

const agl_Def *agl_source_def(const agl_Source *s, const char *name) {
  for (size_t i = s->ndefs; i-- > 0;)
    if (strcmp(s->defs[i].name, name) == 0) return &s->defs[i];
  return NULL;
}

size_t agl_source_def_count(const agl_Source *s, const char *name) {
  size_t n = 0;
  for (size_t i = 0; i < s->ndefs; i++) n += strcmp(s->defs[i].name, name) == 0;
  return n;
}

const agl_Fn *agl_source_fn(const agl_Source *s, const char *name) {
  for (size_t i = s->nfns; i-- > 0;)
    if (strcmp(s->fns[i].name, name) == 0) return &s->fns[i];
  return NULL;
}

bool agl_source_defines(const agl_Source *s, const char *name) {
  return agl_source_def(s, name) || agl_source_fn(s, name);
}

/* ========================================================================
** Function definitions
** ======================================================================== */

/* Append parameter name (copied) read at pos to f; *cap is f->params'
** capacity, kept by the caller across appends. */
static void agl_fn_param(agl_Fn *f, const char *name, agl_Pos pos, size_t *cap) {
  agl_grow((void **)&f->params, f->nparams, cap, sizeof *f->params);
  f->params[f->nparams].name = agl_strndup(name, strlen(name));
  f->params[f->nparams++].pos = pos;
}

/* Parameters as a list: (a b), (a b . r), (a & r). */
static void agl_fn_list_params(agl_Fn *f, lispy_Value list) {
  size_t cap = 0;
  for (; agl_is(list, LISPY_TPAIR); list = lispy_cdr(list)) {
    lispy_Value p = lispy_car(list);
    if (agl_is_sym(p, "&")) {
      f->rest = true;
      return;
    }
    if (lispy_symbol_name(p)) agl_fn_param(f, lispy_symbol_name(p), agl_car_pos(list), &cap);
  }
  if (!agl_is(list, LISPY_TEMPTY)) f->rest = true;
}

/* Parameters as a vector: [a b], [a & r]. */
static void agl_fn_vec_params(agl_Fn *f, lispy_Value v) {
  size_t cap = 0;
  for (size_t i = 0, n = lispy_vector_length(v); i < n; i++) {
    lispy_Value item = lispy_vector_item(v, i);
    if (agl_is_sym(item, "&")) {
      f->rest = true;
      return;
    }
    agl_Pos p = agl_pos(lispy_vector_pos(v, i));
    if (!p.line) p = f->params_pos;
    if (lispy_symbol_name(item)) agl_fn_param(f, lispy_symbol_name(item), p, &cap);
  }
}

/* Record function name (read at npos) with parameter list params read at
** ppos. A lone symbol as parameter list collects every argument. */
static void agl_add_fn(agl_Source *s, const char *name, agl_Pos npos, lispy_Value params,
                       agl_Pos ppos) {
  agl_grow((void **)&s->fns, s->nfns, &s->capfns, sizeof *s->fns);
  agl_Fn *f = &s->fns[s->nfns++];
  memset(f, 0, sizeof *f);
  f->name = agl_strndup(name, strlen(name));
  f->pos = npos;
  f->params_pos = ppos;
  if (agl_is(params, LISPY_TVECTOR)) agl_fn_vec_params(f, params);
  else if (agl_is(params, LISPY_TSYMBOL)) f->rest = true;
  else agl_fn_list_params(f, params);
}

/* (lambda params ...), (fn [params] ...), (fn name [params] ...): the cell
** holding the parameter list in *cell, or false when expr is no function
** literal. */
static bool agl_lambda_params(lispy_Value expr, lispy_Value *cell) {
  if (!agl_is(expr, LISPY_TPAIR)) return false;
  lispy_Value head = lispy_car(expr);
  if (!agl_is_sym(head, "lambda") && !agl_is_sym(head, "fn")) return false;
  lispy_Value p, q;
  if (!agl_cell(expr, 1, &p)) return false;
  if (agl_is_sym(head, "fn") && agl_is(lispy_car(p), LISPY_TSYMBOL) && agl_cell(expr, 2, &q)) {
    lispy_Type t = lispy_type(lispy_car(q));
    if (t == LISPY_TVECTOR || t == LISPY_TPAIR || t == LISPY_TEMPTY) {
      *cell = q;
      return true;
    }
  }
  *cell = p;
  return true;
}

/* ========================================================================
** Top-level definitions
** ======================================================================== */

/* Record a top-level (define name expr): name read at npos, expr's tree
** (unquoted, so calls of dict and list become containers) read at epos.
** The name is copied. */
static void agl_add_def(agl_Source *s, const char *name, agl_Pos npos, lispy_Value expr,
                        agl_Pos epos) {
  agl_grow((void **)&s->defs, s->ndefs, &s->capdefs, sizeof *s->defs);
  agl_Def *d = &s->defs[s->ndefs++];
  memset(d, 0, sizeof *d);
  d->name = agl_strndup(name, strlen(name));
  d->pos = npos;
  agl_value(&d->value, expr, epos, false, 0);
}

/* (define (name . params) body...) */
static void agl_define_fn_form(agl_Source *s, lispy_Value target) {
  lispy_Value namecell = lispy_car(target);
  if (!lispy_symbol_name(lispy_car(namecell))) return;
  agl_add_fn(s, lispy_symbol_name(lispy_car(namecell)), agl_car_pos(namecell), lispy_cdr(namecell),
             agl_car_pos(target));
}

/* The cell after target holding a definition's value or parameters,
** skipping a docstring that more follows; false when there is none. */
static bool agl_after_doc(lispy_Value target, lispy_Value *cell) {
  lispy_Value p = lispy_cdr(target);
  if (!agl_is(p, LISPY_TPAIR)) return false;
  if (agl_is(lispy_car(p), LISPY_TSTRING) && agl_is(lispy_cdr(p), LISPY_TPAIR)) p = lispy_cdr(p);
  *cell = p;
  return true;
}

/* (defn name "doc"? [params] body...) */
static void agl_defn_form(agl_Source *s, lispy_Value target) {
  lispy_Value p;
  if (!agl_after_doc(target, &p)) return;
  agl_add_fn(s, lispy_symbol_name(lispy_car(target)), agl_car_pos(target), lispy_car(p),
             agl_car_pos(p));
}

/* (define name "doc"? expr): a value, maybe a function literal. */
static void agl_define_value_form(agl_Source *s, lispy_Value target) {
  lispy_Value p, params;
  const char *name = lispy_symbol_name(lispy_car(target));
  agl_Pos npos = agl_car_pos(target);
  if (!agl_after_doc(target, &p)) {
    agl_add_def(s, name, npos, lispy_nil(), npos);
    return;
  }
  if (agl_lambda_params(lispy_car(p), &params))
    agl_add_fn(s, name, npos, lispy_car(params), agl_car_pos(params));
  else agl_add_def(s, name, npos, lispy_car(p), agl_car_pos(p));
}

/* Any defining form at top level; (begin ...) is looked into. */
static void agl_toplevel(agl_Source *s, lispy_Value form, int depth) {
  if (!agl_is(form, LISPY_TPAIR) || depth > AGL_MAX_DEPTH) return;
  lispy_Value head = lispy_car(form), target;
  bool has_target = agl_cell(form, 1, &target);
  if (agl_is_sym(head, "begin") || agl_is_sym(head, "do")) {
    for (lispy_Value f = lispy_cdr(form); agl_is(f, LISPY_TPAIR); f = lispy_cdr(f))
      agl_toplevel(s, lispy_car(f), depth + 1);
    return;
  }
  if (!has_target ||
      !(agl_is_sym(head, "define") || agl_is_sym(head, "def") || agl_is_sym(head, "defn")))
    return;
  if (agl_is(lispy_car(target), LISPY_TPAIR) && !agl_is_sym(head, "defn"))
    agl_define_fn_form(s, target);
  else if (!lispy_symbol_name(lispy_car(target))) return;
  else if (agl_is_sym(head, "defn")) agl_defn_form(s, target);
  else agl_define_value_form(s, target);
}

/* ========================================================================
** Context calls
** ======================================================================== */

/* Record a (context-...) call: a copy of its head, where the head was
** read and its argument count (-1 for an improper list). */
static void agl_add_call(agl_Source *s, const char *name, agl_Pos pos, int nargs) {
  agl_grow((void **)&s->calls, s->ncalls, &s->capcalls, sizeof *s->calls);
  agl_Call *c = &s->calls[s->ncalls++];
  c->name = agl_strndup(name, strlen(name));
  c->pos = pos;
  c->nargs = nargs;
}

static void agl_scan(agl_Source *s, lispy_Value v, int depth);

/* A list: record it when its head is context-..., then scan its items
** (iteratively along the spine, recursively into each item). */
static void agl_scan_list(agl_Source *s, lispy_Value v, int depth) {
  const char *head = lispy_symbol_name(lispy_car(v));
  if (head && strcmp(head, "quote") == 0) return;
  if (head && strncmp(head, "context-", 8) == 0) {
    int64_t n = lispy_list_length(v);
    agl_add_call(s, head, agl_car_pos(v), n < 0 ? -1 : (int)n - 1);
  }
  for (; agl_is(v, LISPY_TPAIR); v = lispy_cdr(v)) agl_scan(s, lispy_car(v), depth + 1);
}

/* Walk v, to AGL_MAX_DEPTH, recording every (context-...) call in lists,
** vectors and dicts (keys too); quoted lists are skipped. */
static void agl_scan(agl_Source *s, lispy_Value v, int depth) {
  if (depth > AGL_MAX_DEPTH) return;
  if (agl_is(v, LISPY_TPAIR)) {
    agl_scan_list(s, v, depth);
  } else if (agl_is(v, LISPY_TVECTOR)) {
    for (size_t i = 0, n = lispy_vector_length(v); i < n; i++)
      agl_scan(s, lispy_vector_item(v, i), depth + 1);
  } else if (agl_is(v, LISPY_TDICT)) {
    lispy_Value k, x;
    for (size_t it = 0; lispy_dict_next(v, &it, &k, &x);) {
      agl_scan(s, k, depth + 1);
      agl_scan(s, x, depth + 1);
    }
  }
}

/* ========================================================================
** The legacy descriptor: agent-name, agent-description, agent-parameters
** ======================================================================== */

/* Copy definition name's value tree into parent under key. */
static agl_Node *agl_legacy_field(agl_Source *s, agl_Node *parent, const char *key,
                                  const char *name) {
  const agl_Def *d = agl_source_def(s, name);
  if (!d) return NULL;
  agl_Node *k = agl_node_add(parent, NULL, d->pos);
  agl_node_copy(k, &d->value, 0);
  k->key = agl_strndup(key, strlen(key));
  k->kpos = d->pos;
  return k;
}

/* A property p -> "text" of the make-dict stands for {type: string,
** description: "text"}: both point at the text. */
static void agl_legacy_property(agl_Node *prop) {
  agl_Pos at = prop->vpos;
  for (size_t i = 0; i < prop->nkids; i++) agl_node_free(&prop->kids[i]);
  prop->nkids = 0;
  prop->kind = AGL_OBJ;
  agl_node_add(prop, "type", at)->vpos = at;
  agl_node_add(prop, "description", at)->vpos = at;
}

/* {name, description, parameters: {type, properties: {p: {...}}}} with the
** positions of the three defines. */
static void agl_legacy_tree(agl_Source *s) {
  agl_Node *root = &s->legacy;
  if (!agl_source_def(s, "agent-name") && !agl_source_def(s, "agent-parameters")) return;
  root->kind = AGL_OBJ;
  const agl_Def *n = agl_source_def(s, "agent-name");
  root->vpos = n ? n->pos : agl_source_def(s, "agent-parameters")->pos;
  agl_legacy_field(s, root, "name", "agent-name");
  agl_legacy_field(s, root, "description", "agent-description");
  const agl_Def *pd = agl_source_def(s, "agent-parameters");
  if (!pd) return;
  agl_Node *params = agl_node_add(root, "parameters", pd->pos);
  params->vpos = pd->value.vpos;
  params->kind = AGL_OBJ;
  agl_node_add(params, "type", pd->value.vpos)->vpos = pd->value.vpos;
  agl_Node *props = agl_node_add(params, NULL, pd->pos);
  agl_node_copy(props, &pd->value, 0);
  props->key = agl_strndup("properties", 10);
  props->kpos = pd->pos;
  for (size_t i = 0; i < props->nkids; i++) agl_legacy_property(&props->kids[i]);
}

/* ========================================================================
** Reading the file
** ======================================================================== */

/* Read src form by form (never evaluated) up to the end or the first
** syntax error, recording the top-level definitions and every context
** call, then build the legacy descriptor tree. *s is overwritten; free it
** with agl_source_free. No LisPy value is kept. */
void agl_source_read(lispy_State *L, const char *src, size_t len, const char *path, agl_Source *s) {
  memset(s, 0, sizeof *s);
  size_t pos = 0;
  while (src && pos < len) {
    lispy_Value form;
    int rc = lispy_read(L, src, len, &pos, path, &form);
    if (rc != LISPY_OK) break; /* the end, or a syntax error: stop there */
    agl_toplevel(s, form, 0);
    agl_scan(s, form, 0);
  }
  agl_legacy_tree(s);
}

/* Free everything agl_source_read made (names, trees, parameters) and
** zero *s (not s itself). */
void agl_source_free(agl_Source *s) {
  for (size_t i = 0; i < s->ndefs; i++) {
    free(s->defs[i].name);
    agl_node_free(&s->defs[i].value);
  }
  for (size_t i = 0; i < s->nfns; i++) {
    for (size_t j = 0; j < s->fns[i].nparams; j++) free(s->fns[i].params[j].name);
    free(s->fns[i].params);
    free(s->fns[i].name);
  }
  for (size_t i = 0; i < s->ncalls; i++) free(s->calls[i].name);
  free(s->defs);
  free(s->fns);
  free(s->calls);
  agl_node_free(&s->legacy);
  memset(s, 0, sizeof *s);
}
