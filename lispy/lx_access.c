/*
** lx_access.c -- the accessors of lispy.h: reading lists, symbols,
** vectors, dicts, functions and the source positions the reader keeps.
**
** A host sees values only through these (the heap layout stays in
** lx_object.h). Each checks the type and answers nil, NULL, 0, -1 or an
** unknown position for a value of another type, so a walk over data of
** any shape needs no type test before each call. None allocates: a value
** read from another stays valid as long as the one it came from.
*/
#include "lx_object.h"

static const lx_SrcPos lx_nopos = {0, 0, 0};

/* ========================================================================
** Numbers, lists and symbols
** ======================================================================== */

int64_t lispy_to_int(lispy_Value v) { return lx_is(v, LX_INT) ? v.as.i : 0; }

lispy_Value lispy_car(lispy_Value v) { return lx_is(v, LX_PAIR) ? lx_car(v) : lx_nil(); }
lispy_Value lispy_cdr(lispy_Value v) { return lx_is(v, LX_PAIR) ? lx_cdr(v) : lx_nil(); }
int64_t lispy_list_length(lispy_Value v) { return lx_list_length(v); }

const char *lispy_symbol_name(lispy_Value v) {
  return lx_is(v, LX_SYMBOL) ? lx_as_symbol(v)->name->data : NULL;
}

/* ========================================================================
** Vectors and dicts
** ======================================================================== */

size_t lispy_vector_length(lispy_Value v) { return lx_is(v, LX_VECTOR) ? lx_as_vector(v)->len : 0; }

lispy_Value lispy_vector_item(lispy_Value v, size_t i) {
  if (!lx_is(v, LX_VECTOR) || i >= lx_as_vector(v)->len) return lx_nil();
  return lx_as_vector(v)->items[i];
}

bool lispy_dict_next(lispy_Value dict, size_t *iter, lispy_Value *key, lispy_Value *value) {
  return lx_is(dict, LX_DICT) && lx_dict_next(lx_as_dict(dict), iter, key, value);
}

/* ========================================================================
** Functions
** ======================================================================== */

int lispy_fn_nparams(lispy_Value fn, bool *rest) {
  if (!lx_is(fn, LX_CLOSURE)) return -1;
  const lx_Proto *p = lx_as_closure(fn)->proto;
  if (rest) *rest = p->has_rest;
  return p->nparams;
}

lispy_Value lispy_fn_params(lispy_Value fn) {
  return lx_is(fn, LX_CLOSURE) ? lx_as_closure(fn)->proto->params : lx_nil();
}

/* ========================================================================
** Source positions
** ======================================================================== */

lispy_SrcPos lispy_car_pos(lispy_Value pair) {
  return lx_is(pair, LX_PAIR) ? lx_as_pair(pair)->pos : lx_nopos;
}

/* Vectors keep positions only as the reader made them (a vector that grew
** drops them). */
lispy_SrcPos lispy_vector_pos(lispy_Value vec, size_t i) {
  if (!lx_is(vec, LX_VECTOR)) return lx_nopos;
  const lx_Vector *v = lx_as_vector(vec);
  return v->pos && i < v->len ? v->pos[i] : lx_nopos;
}

/* Dicts keep two positions per entry slot (key, value); lx_dict_next
** leaves iter one past the slot it returned. */
void lispy_dict_pos(lispy_Value dict, size_t iter, lispy_SrcPos *key, lispy_SrcPos *value) {
  const lx_Dict *d = lx_is(dict, LX_DICT) ? lx_as_dict(dict) : NULL;
  bool known = d && d->pos && iter >= 1 && iter <= d->used;
  if (key) *key = known ? d->pos[2 * (iter - 1)] : lx_nopos;
  if (value) *value = known ? d->pos[2 * (iter - 1) + 1] : lx_nopos;
}
