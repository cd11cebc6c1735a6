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

static agl_Pos agl_pos(lx_SrcPos p) {
  agl_Pos r = {(int)p.line, (int)p.col};
  return r;
}

/* Symbol name, or NULL when v is not a symbol. */
static const char *agl_symname(lispy_Value v) {
  return lx_is(v, LX_SYMBOL) ? lx_as_symbol(v)->name->data : NULL;
}

static bool agl_is_sym(lispy_Value v, const char *name) {
  const char *s = agl_symname(v);
  return s && strcmp(s, name) == 0;
}

/* The n-th cell of list v (0-based), or NULL when shorter. */
static lx_Pair *agl_cell(lispy_Value v, size_t n) {
  while (lx_is(v, LX_PAIR)) {
    if (n-- == 0) return lx_as_pair(v);
    v = lx_cdr(v);
  }
  return NULL;
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
  free(n->index);  /* an index made before this entry would miss it */
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
  return lx_isstrlike(k) ? lx_strlike(k)->data : NULL;
}

/* {k v ...}: per entry slot i, pos[2i] is the key and pos[2i+1] the value. */
static void agl_value_dict(agl_Node *n, lx_Dict *d, bool quoted, int depth) {
  lispy_Value k, v;
  n->kind = AGL_OBJ;
  for (size_t it = 0; lx_dict_next(d, &it, &k, &v);) {
    size_t slot = it - 1;
    agl_Pos kp = d->pos ? agl_pos(d->pos[2 * slot]) : (agl_Pos){0, 0};
    agl_Pos vp = d->pos ? agl_pos(d->pos[2 * slot + 1]) : (agl_Pos){0, 0};
    agl_value(agl_node_add(n, agl_keyname(k), kp), v, vp, quoted, depth + 1);
  }
}

static void agl_value_vector(agl_Node *n, lx_Vector *vec, bool quoted, int depth) {
  n->kind = AGL_ARR;
  for (size_t i = 0; i < vec->len; i++) {
    agl_Pos p = vec->pos ? agl_pos(vec->pos[i]) : (agl_Pos){0, 0};
    agl_value(agl_node_add(n, NULL, p), vec->items[i], p, quoted, depth + 1);
  }
}

/* The items of a list (from its first cell on) as array items. */
static void agl_value_items(agl_Node *n, lispy_Value list, bool quoted, int depth) {
  n->kind = AGL_ARR;
  for (; lx_is(list, LX_PAIR); list = lx_cdr(list)) {
    agl_Pos p = agl_pos(lx_as_pair(list)->pos);
    agl_value(agl_node_add(n, NULL, p), lx_car(list), p, quoted, depth + 1);
  }
}

/* Alternating keys and values after a (dict ...) head. */
static void agl_value_pairs(agl_Node *n, lispy_Value list, int depth) {
  n->kind = AGL_OBJ;
  while (lx_is(list, LX_PAIR) && lx_is(lx_cdr(list), LX_PAIR)) {
    lx_Pair *kc = lx_as_pair(list), *vc = lx_as_pair(lx_cdr(list));
    agl_Node *k = agl_node_add(n, agl_keyname(kc->car), agl_pos(kc->pos));
    agl_value(k, vc->car, agl_pos(vc->pos), false, depth + 1);
    list = vc->cdr;
  }
}

/* A call form: the dict and list constructors become containers. */
static void agl_value_call(agl_Node *n, lispy_Value form, int depth) {
  lispy_Value head = lx_car(form), args = lx_cdr(form);
  if (agl_is_sym(head, "dict") || agl_is_sym(head, "make-dict") ||
      agl_is_sym(head, "hash-map"))
    agl_value_pairs(n, args, depth);
  else if (agl_is_sym(head, "list") || agl_is_sym(head, "vector"))
    agl_value_items(n, args, false, depth);
  else if (agl_is_sym(head, "quote") && lx_is(args, LX_PAIR))
    agl_value(n, lx_car(args), n->vpos, true, depth + 1);
}

/* Fill n from the expression v read at pos. Quoted data reads lists as
** arrays; unquoted lists are calls. */
static void agl_value(agl_Node *n, lispy_Value v, agl_Pos pos, bool quoted, int depth) {
  n->vpos = pos;
  if (depth > AGL_MAX_DEPTH) return;
  if (lx_is(v, LX_DICT)) agl_value_dict(n, lx_as_dict(v), quoted, depth);
  else if (lx_is(v, LX_VECTOR)) agl_value_vector(n, lx_as_vector(v), quoted, depth);
  else if (lx_is(v, LX_EMPTY)) n->kind = quoted ? AGL_ARR : AGL_LEAF;
  else if (lx_is(v, LX_PAIR) && quoted) agl_value_items(n, v, true, depth);
  else if (lx_is(v, LX_PAIR)) agl_value_call(n, v, depth);
  else if (lx_is(v, LX_SYMBOL) && !quoted) n->ref = agl_strndup(agl_symname(v), strlen(agl_symname(v)));
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
  for (size_t i = n->nkids; i-- > 0;)   /* the last duplicate wins */
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

static void agl_fn_param(agl_Fn *f, const char *name, agl_Pos pos, size_t *cap) {
  agl_grow((void **)&f->params, f->nparams, cap, sizeof *f->params);
  f->params[f->nparams].name = agl_strndup(name, strlen(name));
  f->params[f->nparams++].pos = pos;
}

/* Parameters as a list: (a b), (a b . r), (a & r). */
static void agl_fn_list_params(agl_Fn *f, lispy_Value list) {
  size_t cap = 0;
  for (; lx_is(list, LX_PAIR); list = lx_cdr(list)) {
    lx_Pair *c = lx_as_pair(list);
    if (agl_is_sym(c->car, "&")) { f->rest = true; return; }
    if (agl_symname(c->car)) agl_fn_param(f, agl_symname(c->car), agl_pos(c->pos), &cap);
  }
  if (!lx_is(list, LX_EMPTY)) f->rest = true;
}

/* Parameters as a vector: [a b], [a & r]. */
static void agl_fn_vec_params(agl_Fn *f, lx_Vector *v) {
  size_t cap = 0;
  for (size_t i = 0; i < v->len; i++) {
    if (agl_is_sym(v->items[i], "&")) { f->rest = true; return; }
    agl_Pos p = v->pos ? agl_pos(v->pos[i]) : f->params_pos;
    if (agl_symname(v->items[i])) agl_fn_param(f, agl_symname(v->items[i]), p, &cap);
  }
}

/* Record function name (read at npos) with parameter list params read at
** ppos. A lone symbol as parameter list collects every argument. */
static void agl_add_fn(agl_Source *s, const char *name, agl_Pos npos,
                       lispy_Value params, agl_Pos ppos) {
  agl_grow((void **)&s->fns, s->nfns, &s->capfns, sizeof *s->fns);
  agl_Fn *f = &s->fns[s->nfns++];
  memset(f, 0, sizeof *f);
  f->name = agl_strndup(name, strlen(name));
  f->pos = npos;
  f->params_pos = ppos;
  if (lx_is(params, LX_VECTOR)) agl_fn_vec_params(f, lx_as_vector(params));
  else if (lx_is(params, LX_SYMBOL)) f->rest = true;
  else agl_fn_list_params(f, params);
}

/* (lambda params ...), (fn [params] ...), (fn name [params] ...): the cell
** holding the parameter list, or NULL when expr is no function literal. */
static lx_Pair *agl_lambda_params(lispy_Value expr) {
  if (!lx_is(expr, LX_PAIR)) return NULL;
  lispy_Value head = lx_car(expr);
  if (!agl_is_sym(head, "lambda") && !agl_is_sym(head, "fn")) return NULL;
  lx_Pair *p = agl_cell(expr, 1);
  if (p && agl_is_sym(head, "fn") && lx_is(p->car, LX_SYMBOL)) {
    lx_Pair *q = agl_cell(expr, 2);
    if (q && (lx_is(q->car, LX_VECTOR) || lx_islist(q->car))) return q;
  }
  return p;
}

/* ========================================================================
** Top-level definitions
** ======================================================================== */

static void agl_add_def(agl_Source *s, const char *name, agl_Pos npos,
                        lispy_Value expr, agl_Pos epos) {
  agl_grow((void **)&s->defs, s->ndefs, &s->capdefs, sizeof *s->defs);
  agl_Def *d = &s->defs[s->ndefs++];
  memset(d, 0, sizeof *d);
  d->name = agl_strndup(name, strlen(name));
  d->pos = npos;
  agl_value(&d->value, expr, epos, false, 0);
}

/* (define (name . params) body...) */
static void agl_define_fn_form(agl_Source *s, lx_Pair *target) {
  lispy_Value sig = target->car;
  lx_Pair *namecell = lx_as_pair(sig);
  if (!agl_symname(namecell->car)) return;
  agl_add_fn(s, agl_symname(namecell->car), agl_pos(namecell->pos),
             namecell->cdr, agl_pos(target->pos));
}

/* (defn name "doc"? [params] body...) */
static void agl_defn_form(agl_Source *s, lx_Pair *target) {
  lx_Pair *p = lx_is(target->cdr, LX_PAIR) ? lx_as_pair(target->cdr) : NULL;
  if (p && lx_is(p->car, LX_STRING) && lx_is(p->cdr, LX_PAIR)) p = lx_as_pair(p->cdr);
  if (!p) return;
  agl_add_fn(s, agl_symname(target->car), agl_pos(target->pos), p->car, agl_pos(p->pos));
}

/* (define name "doc"? expr): a value, maybe a function literal. */
static void agl_define_value_form(agl_Source *s, lx_Pair *target) {
  lx_Pair *p = lx_is(target->cdr, LX_PAIR) ? lx_as_pair(target->cdr) : NULL;
  if (p && lx_is(p->car, LX_STRING) && lx_is(p->cdr, LX_PAIR)) p = lx_as_pair(p->cdr);
  const char *name = agl_symname(target->car);
  agl_Pos npos = agl_pos(target->pos);
  if (!p) {
    agl_add_def(s, name, npos, lispy_nil(), npos);
    return;
  }
  lx_Pair *params = agl_lambda_params(p->car);
  if (params) agl_add_fn(s, name, npos, params->car, agl_pos(params->pos));
  else agl_add_def(s, name, npos, p->car, agl_pos(p->pos));
}

/* Any defining form at top level; (begin ...) is looked into. */
static void agl_toplevel(agl_Source *s, lispy_Value form, int depth) {
  if (!lx_is(form, LX_PAIR) || depth > AGL_MAX_DEPTH) return;
  lispy_Value head = lx_car(form);
  lx_Pair *target = agl_cell(form, 1);
  if (agl_is_sym(head, "begin") || agl_is_sym(head, "do")) {
    for (lispy_Value f = lx_cdr(form); lx_is(f, LX_PAIR); f = lx_cdr(f))
      agl_toplevel(s, lx_car(f), depth + 1);
    return;
  }
  if (!target || !(agl_is_sym(head, "define") || agl_is_sym(head, "def") ||
                   agl_is_sym(head, "defn")))
    return;
  if (lx_is(target->car, LX_PAIR) && !agl_is_sym(head, "defn")) agl_define_fn_form(s, target);
  else if (!agl_symname(target->car)) return;
  else if (agl_is_sym(head, "defn")) agl_defn_form(s, target);
  else agl_define_value_form(s, target);
}

/* ========================================================================
** Context calls
** ======================================================================== */

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
  const char *head = agl_symname(lx_car(v));
  if (head && strcmp(head, "quote") == 0) return;
  if (head && strncmp(head, "context-", 8) == 0) {
    int64_t n = lx_list_length(v);
    agl_add_call(s, head, agl_pos(lx_as_pair(v)->pos), n < 0 ? -1 : (int)n - 1);
  }
  for (; lx_is(v, LX_PAIR); v = lx_cdr(v)) agl_scan(s, lx_car(v), depth + 1);
}

static void agl_scan(agl_Source *s, lispy_Value v, int depth) {
  if (depth > AGL_MAX_DEPTH) return;
  if (lx_is(v, LX_PAIR)) {
    agl_scan_list(s, v, depth);
  } else if (lx_is(v, LX_VECTOR)) {
    for (size_t i = 0; i < lx_as_vector(v)->len; i++)
      agl_scan(s, lx_as_vector(v)->items[i], depth + 1);
  } else if (lx_is(v, LX_DICT)) {
    lispy_Value k, x;
    for (size_t it = 0; lx_dict_next(lx_as_dict(v), &it, &k, &x);) {
      agl_scan(s, k, depth + 1);
      agl_scan(s, x, depth + 1);
    }
  }
}

/* ========================================================================
** The legacy descriptor: agent-name, agent-description, agent-parameters
** ======================================================================== */

/* Copy definition name's value tree into parent under key. */
static agl_Node *agl_legacy_field(agl_Source *s, agl_Node *parent,
                                  const char *key, const char *name) {
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

void agl_source_read(lispy_State *L, const char *src, size_t len,
                     const char *path, agl_Source *s) {
  memset(s, 0, sizeof *s);
  size_t pos = 0;
  while (src && pos < len) {
    lispy_Value form;
    int rc = lispy_read(L, src, len, &pos, path, &form);
    if (rc == LISPY_EOF) break;
    if (rc != LISPY_OK) {
      s->read_error = true;
      break;
    }
    agl_toplevel(s, form, 0);
    agl_scan(s, form, 0);
  }
  agl_legacy_tree(s);
}

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
