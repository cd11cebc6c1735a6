/*
** lx_lib_dict.c -- dict builtins.
**
** Dicts keep insertion order; keywords and strings name the same key (the
** dict compares keys with lx_key_equal). Functions without a `!` return
** new dicts and never change their arguments. nil is accepted where an
** empty dict makes sense. Work proportional to the size charges fuel.
*/
#include <string.h>

#include "lx_lib.h"

/* ========================================================================
** Helpers
** ======================================================================== */

/* Charge fuel for touching n entries. */
static void charge_entries(lx_State *L, size_t n) { lx_charge(L, lx_items_cost(n)); }

/* Charge for a walk over all of d's entry slots: removed entries leave
** tombstones the walk steps over, so the slots used, not the count, are
** the work. */
static void charge_walk(lx_State *L, const lx_Dict *d) { lx_charge(L, lx_items_cost(d->used)); }

/* A dict argument, or NULL for nil (the empty dict). */
static lx_Dict *dict_or_nil(lx_State *L, const char *fn, lx_Value v) {
  if (v.tag == LX_NIL) return NULL;
  return lx_check_dict(L, fn, v);
}

/* A fresh copy of a dict argument (nil gives a new empty dict). */
static lx_Dict *copy_arg(lx_State *L, const char *fn, lx_Value v) {
  lx_Dict *d = dict_or_nil(L, fn, v);
  if (d == NULL) return lx_dict_new(L, 0);
  charge_walk(L, d);
  return lx_dict_copy(L, d);
}

/* Set alternating keys and values from items into d. */
static void put_pairs(lx_State *L, const char *fn, lx_Dict *d, const lx_Value *items, int n) {
  if (n % 2 != 0) lx_error(L, "%s: expected keys and values in pairs, got %d arguments", fn, n);
  charge_entries(L, (size_t)n / 2);
  for (int i = 0; i < n; i += 2) {
    lx_paid_item(L);
    lx_dict_set(L, d, items[i], items[i + 1]);
  }
}

/* Index of key into a sequence of length len, or -1 if key is not a valid
** integer index. */
static int64_t seq_index(lx_Value key, size_t len) {
  if (key.tag != LX_INT || key.as.i < 0 || (uint64_t)key.as.i >= len) return -1;
  return key.as.i;
}

/* The field of an error value named by key (kind, message, data, trace). */
static bool error_field(lx_Value err, lx_Value key, lx_Value *out) {
  if (!lx_isstrlike(key)) return false;
  const char *k = lx_strlike(key)->data;
  lx_Error *e = lx_as_error(err);
  if (strcmp(k, "kind") == 0) *out = e->kind;
  else if (strcmp(k, "message") == 0) *out = e->message;
  else if (strcmp(k, "data") == 0) *out = e->data;
  else if (strcmp(k, "trace") == 0) *out = e->trace;
  else return false;
  return true;
}

/* Look key up in coll: dicts by key, vectors and lists by integer index,
** errors by field name, nil finds nothing. True if found. */
static bool lookup(lx_State *L, const char *fn, lx_Value coll, lx_Value key, lx_Value *out) {
  switch (coll.tag) {
    case LX_NIL: return false;
    case LX_DICT: return lx_dict_get(L, lx_as_dict(coll), key, out);
    case LX_VECTOR: {
      lx_Vector *v = lx_as_vector(coll);
      int64_t i = seq_index(key, v->len);
      if (i >= 0) *out = v->items[i];
      return i >= 0;
    }
    case LX_EMPTY:
    case LX_PAIR: {
      if (key.tag != LX_INT || key.as.i < 0) return false;
      int64_t k = 0;
      for (; coll.tag == LX_PAIR && k < key.as.i; k++) {
        coll = lx_cdr(coll);
        lx_tick(L);
      }
      if (coll.tag != LX_PAIR) return false;
      *out = lx_car(coll);
      return true;
    }
    case LX_ERROR: return error_field(coll, key, out);
    case LX_HOST: { /* host objects expose data fields, e.g. the context */
      lx_Value f = lx_as_host(coll)->fields;
      return f.tag == LX_DICT && lx_dict_get(L, lx_as_dict(f), key, out);
    }
    default: lx_type_error(L, fn, "a dict, list or vector", coll);
  }
}

/* A path argument (list, vector or nil) as a vector. */
static lx_Vector *path_arg(lx_State *L, const char *fn, lx_Value path) {
  if (path.tag != LX_NIL && path.tag != LX_VECTOR && !lx_islist(path))
    lx_type_error(L, fn, "a list or vector of keys", path);
  return lx_seq_to_vector(L, fn, path);
}

/* ========================================================================
** Construction
** ======================================================================== */

/* (dict k v ...): a new dict from alternating keys and values. */
static lx_Value bi_dict(lx_State *L, int argc, lx_Value *argv) {
  lx_Dict *d = lx_dict_new(L, (size_t)argc / 2);
  put_pairs(L, "dict", d, argv, argc);
  return lx_obj(d);
}

/* (zipmap keys vals): a dict pairing keys with values, up to the shorter. */
static lx_Value bi_zipmap(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *ks = path_arg(L, "zipmap", argv[0]);
  lx_Vector *vs = path_arg(L, "zipmap", argv[1]);
  size_t n = ks->len < vs->len ? ks->len : vs->len;
  lx_Dict *d = lx_dict_new(L, n);
  charge_entries(L, n);
  for (size_t i = 0; i < n; i++) {
    lx_paid_item(L);
    lx_dict_set(L, d, ks->items[i], vs->items[i]);
  }
  return lx_obj(d);
}

static lx_Value bi_dict_copy(lx_State *L, int argc, lx_Value *argv) {
  return lx_obj(copy_arg(L, "dict-copy", argv[0]));
}

/* ========================================================================
** Lookup
** ======================================================================== */

/* (get coll key [default]). */
static lx_Value bi_get(lx_State *L, int argc, lx_Value *argv) {
  lx_Value out;
  if (lookup(L, "get", argv[0], argv[1], &out)) return out;
  return argc > 2 ? argv[2] : lx_nil();
}

/* (get-in coll path [default]): follow keys through nested collections;
** a missing key or a non-collection on the way gives the default. */
static lx_Value bi_get_in(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *path = path_arg(L, "get-in", argv[1]);
  lx_Value cur = argv[0];
  for (size_t i = 0; i < path->len; i++) {
    bool coll = cur.tag == LX_DICT || cur.tag == LX_VECTOR || lx_islist(cur) || cur.tag == LX_ERROR;
    if (!coll || !lookup(L, "get-in", cur, path->items[i], &cur))
      return argc > 2 ? argv[2] : lx_nil();
  }
  return cur;
}

static lx_Value bi_has_key(lx_State *L, int argc, lx_Value *argv) {
  lx_Dict *d = dict_or_nil(L, "has-key?", argv[0]);
  return lx_bool(d != NULL && lx_dict_get(L, d, argv[1], NULL));
}

/* Kinds of listing for keys / values / entries. */
typedef enum { LIST_KEYS, LIST_VALUES, LIST_ENTRIES } ListWhat;

/* The keys, values or (k v) entries of a dict, in insertion order. */
static lx_Value list_dict(lx_State *L, const char *fn, lx_Value v, ListWhat w) {
  lx_Dict *d = dict_or_nil(L, fn, v);
  if (d == NULL) return lx_empty();
  charge_walk(L, d);
  lx_Vector *items = lx_vector_new(L, d->count);
  lx_Value k, val;
  for (size_t it = 0; lx_dict_next(d, &it, &k, &val);) {
    lx_paid_item(L);
    lx_Value x = w == LIST_KEYS     ? k
                 : w == LIST_VALUES ? val
                                    : lx_cons(L, k, lx_cons(L, val, lx_empty()));
    items->items[items->len++] = x;
  }
  return lx_list_from(L, items->items, items->len);
}

static lx_Value bi_keys(lx_State *L, int argc, lx_Value *argv) {
  return list_dict(L, "keys", argv[0], LIST_KEYS);
}

static lx_Value bi_values(lx_State *L, int argc, lx_Value *argv) {
  return list_dict(L, "values", argv[0], LIST_VALUES);
}

static lx_Value bi_entries(lx_State *L, int argc, lx_Value *argv) {
  return list_dict(L, "entries", argv[0], LIST_ENTRIES);
}

/* ========================================================================
** Functional update (new dicts)
** ======================================================================== */

/* (dict-set d k v): a new dict with k set. */
static lx_Value bi_dict_set(lx_State *L, int argc, lx_Value *argv) {
  lx_Dict *d = copy_arg(L, "dict-set", argv[0]);
  lx_dict_set(L, d, argv[1], argv[2]);
  return lx_obj(d);
}

/* A copy of the vector argv[0] with items set (index == length appends). */
static lx_Value vector_assoc(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *v = lx_seq_to_vector(L, "assoc", argv[0]);
  if (argc % 2 == 0) lx_error(L, "assoc: expected indexes and values in pairs");
  for (int i = 1; i < argc; i += 2) {
    if (argv[i].tag == LX_INT && (uint64_t)argv[i].as.i == v->len)
      lx_vector_push(L, v, argv[i + 1]);
    else v->items[lx_check_index(L, "assoc", argv[i], v->len)] = argv[i + 1];
  }
  return lx_obj(v);
}

/* (assoc coll k v ...): a new dict (or vector) with the keys set. */
static lx_Value bi_assoc(lx_State *L, int argc, lx_Value *argv) {
  if (argv[0].tag == LX_VECTOR) return vector_assoc(L, argc, argv);
  lx_Dict *d = copy_arg(L, "assoc", argv[0]);
  put_pairs(L, "assoc", d, argv + 1, argc - 1);
  return lx_obj(d);
}

/* (dissoc d k ...): a new dict without the keys. */
static lx_Value bi_dissoc(lx_State *L, int argc, lx_Value *argv) {
  lx_Dict *d = copy_arg(L, "dissoc", argv[0]);
  for (int i = 1; i < argc; i++) lx_dict_remove(L, d, argv[i]);
  return lx_obj(d);
}

/* (merge d ...): a new dict with the entries of all; later ones win. */
static lx_Value bi_merge(lx_State *L, int argc, lx_Value *argv) {
  lx_Dict *d = lx_dict_new(L, 0);
  for (int i = 0; i < argc; i++) {
    lx_Dict *src = dict_or_nil(L, "merge", argv[i]);
    if (src == NULL) continue;
    charge_walk(L, src);
    lx_Value k, v;
    for (size_t it = 0; lx_dict_next(src, &it, &k, &v);) {
      lx_paid_item(L);
      lx_dict_set(L, d, k, v);
    }
  }
  return lx_obj(d);
}

/* (select-keys d keys): a new dict with only those keys (when present). */
static lx_Value bi_select_keys(lx_State *L, int argc, lx_Value *argv) {
  lx_Dict *src = dict_or_nil(L, "select-keys", argv[0]);
  lx_Vector *ks = path_arg(L, "select-keys", argv[1]);
  lx_Dict *d = lx_dict_new(L, ks->len);
  charge_entries(L, ks->len);
  lx_Value v;
  for (size_t i = 0; i < ks->len; i++) {
    lx_paid_item(L);
    if (src != NULL && lx_dict_get(L, src, ks->items[i], &v)) lx_dict_set(L, d, ks->items[i], v);
  }
  return lx_obj(d);
}

/* assoc-in from step i of path: coll with the value at path[i..] set;
** missing or nil levels become new dicts. */
static lx_Value assoc_path(lx_State *L, lx_Value coll, lx_Vector *path, size_t i, lx_Value v) {
  if (i == path->len) return v;
  lx_c_enter(L);
  lx_Value key = path->items[i], child = lx_nil();
  if (coll.tag != LX_NIL) lookup(L, "assoc-in", coll, key, &child);
  lx_Value args[3] = {coll, key, assoc_path(L, child, path, i + 1, v)};
  lx_Value r = bi_assoc(L, 3, args);
  lx_c_leave(L);
  return r;
}

/* (assoc-in coll path v): a new nested structure with the value set. */
static lx_Value bi_assoc_in(lx_State *L, int argc, lx_Value *argv) {
  lx_Vector *path = path_arg(L, "assoc-in", argv[1]);
  if (path->len == 0) return argv[2];
  return assoc_path(L, argv[0], path, 0, argv[2]);
}

/* ========================================================================
** Mutation
** ======================================================================== */

/* (dict-set! d k v ...): set keys in place; returns d. */
static lx_Value bi_dict_set_x(lx_State *L, int argc, lx_Value *argv) {
  lx_Dict *d = lx_check_dict(L, "dict-set!", argv[0]);
  lx_check_mutable(L, "dict-set!", &d->h);
  put_pairs(L, "dict-set!", d, argv + 1, argc - 1);
  return argv[0];
}

/* (dict-remove! d k ...): remove keys in place; returns d. */
static lx_Value bi_dict_remove_x(lx_State *L, int argc, lx_Value *argv) {
  lx_Dict *d = lx_check_dict(L, "dict-remove!", argv[0]);
  lx_check_mutable(L, "dict-remove!", &d->h);
  for (int i = 1; i < argc; i++) lx_dict_remove(L, d, argv[i]);
  return argv[0];
}

/* ========================================================================
** Registration
** ======================================================================== */

/* One registration record. */
/* clang-format off */
static const lx_LibFn dict_fns[] = {
  {"dict", bi_dict, 0, -1, "(k v ...)", "A new dict from alternating keys and values."},
  {"make-dict", bi_dict, 0, -1, "(k v ...)", "A new dict from alternating keys and values (alias of dict)."},
  {"hash-map", bi_dict, 0, -1, "(k v ...)", "A new dict from alternating keys and values (alias of dict)."},
  {"zipmap", bi_zipmap, 2, 2, "(keys vals)", "A dict pairing each key with the corresponding value."},
  {"dict-copy", bi_dict_copy, 1, 1, "(d)", "A shallow copy of a dict."},
  {"get", bi_get, 2, 3, "(coll key [default])", "Value at key of a dict (or index of a list/vector), else default (nil)."},
  {"dict-get", bi_get, 2, 3, "(d key [default])", "Value at key, else default (alias of get)."},
  {"get-in", bi_get_in, 2, 3, "(coll path [default])", "Value at a path of keys through nested collections, else default."},
  {"has-key?", bi_has_key, 2, 2, "(d key)", "True if the dict has the key."},
  {"contains-key?", bi_has_key, 2, 2, "(d key)", "True if the dict has the key (alias of has-key?)."},
  {"keys", bi_keys, 1, 1, "(d)", "The keys of a dict, in insertion order."},
  {"values", bi_values, 1, 1, "(d)", "The values of a dict, in insertion order."},
  {"entries", bi_entries, 1, 1, "(d)", "The (key value) entries of a dict, in insertion order."},
  {"items", bi_entries, 1, 1, "(d)", "The (key value) entries of a dict (alias of entries)."},
  {"dict-set", bi_dict_set, 3, 3, "(d key value)", "A new dict with key set to value."},
  {"assoc", bi_assoc, 3, -1, "(coll k v ...)", "A new dict (or vector) with the keys set."},
  {"dissoc", bi_dissoc, 1, -1, "(d k ...)", "A new dict without the keys."},
  {"merge", bi_merge, 0, -1, "(d ...)", "A new dict with the entries of all the dicts; later ones win."},
  {"dict-merge", bi_merge, 0, -1, "(d ...)", "A new dict with the entries of all the dicts (alias of merge)."},
  {"select-keys", bi_select_keys, 2, 2, "(d keys)", "A new dict with only the given keys."},
  {"assoc-in", bi_assoc_in, 3, 3, "(coll path value)", "A new nested structure with the value at path set."},
  {"dict-set!", bi_dict_set_x, 3, -1, "(d key value ...)", "Set keys in the dict itself (mutates); returns it."},
  {"dict-remove!", bi_dict_remove_x, 2, -1, "(d key ...)", "Remove keys from the dict itself (mutates); returns it."},
};
/* clang-format on */

void lx_lib_dict_open(lx_State *L) {
  lx_register_fns(L, dict_fns, sizeof dict_fns / sizeof dict_fns[0]);
}
