/*
** ag_schema_defaults.c -- filling the "default"s of a compiled schema into
** an instance that validated.
*/
#include "ag_schema_internal.h"

/* ==== Defaults ============================================================ */

/* The default of n, following a chain of $refs. */
const cJSON *ag_sc_default_of(const ag_ScNode *n) {
  for (int hops = 0; n != NULL && hops < AG_SCHEMA_REF_MAX_HOPS; hops++, n = n->ref)
    if (n->dflt) return n->dflt;
  return NULL;
}

static bool sc_fill(const ag_ScNode *n, cJSON *x, int depth, bool dry);

/* Insert the missing properties that have a default, then descend. A dry
** run inserts nothing and stops at the first default it would insert. */
static bool sc_fill_object(const ag_ScNode *n, cJSON *x, int depth, bool dry) {
  bool changed = false;
  for (size_t i = 0; i < n->nprops; i++) {
    const cJSON *dflt = ag_sc_default_of(n->props[i].schema);
    if (!dflt && !n->props[i].schema->fills) continue;
    cJSON *item = (cJSON *)ag_json_member(x, n->props[i].name);
    const cJSON *d = item ? NULL : dflt;
    if (d != NULL) {
      if (dry) return true;
      item = cJSON_Duplicate(d, true);
      if (item == NULL) ag_sc_out_of_memory();
      cJSON_AddItemToObject(x, n->props[i].name, item);
      changed = true;
    }
    if (item && sc_fill(n->props[i].schema, item, depth + 1, dry)) {
      if (dry) return true;
      changed = true;
    }
  }
  return changed;
}

/* Descend into each item of array x with its schema (prefixItems by
** position, then items); defaults are inserted inside items only, never new
** items. A dry run stops at the first item that would change. */
static bool sc_fill_array(const ag_ScNode *n, cJSON *x, int depth, bool dry) {
  cJSON *item;
  size_t i = 0;
  bool changed = false;
  cJSON_ArrayForEach(item, x) {
    const ag_ScNode *schema = i < n->prefix.n ? n->prefix.items[i] : n->items;
    if (schema && sc_fill(schema, item, depth + 1, dry)) {
      if (dry) return true;
      changed = true;
    }
    i++;
  }
  return changed;
}

/* Whether anything was (dry: would be) inserted into x or below. */
static bool sc_fill(const ag_ScNode *n, cJSON *x, int depth, bool dry) {
  if (n == NULL || !n->fills || depth >= AG_SCHEMA_MAX_DEPTH) return false;
  bool changed = false;
  if (n->ref) changed = sc_fill(n->ref, x, depth + 1, dry);
  for (size_t i = 0; i < n->all.n && !(dry && changed); i++)
    changed = sc_fill(n->all.items[i], x, depth + 1, dry) || changed;
  if (dry && changed) return true;
  if (cJSON_IsObject(x)) changed = sc_fill_object(n, x, depth, dry) || changed;
  else if (cJSON_IsArray(x)) changed = sc_fill_array(n, x, depth, dry) || changed;
  return changed;
}

void ag_schema_fill_defaults(const ag_Schema *s, cJSON *instance) {
  if (s != NULL && instance != NULL) sc_fill(s->root, instance, 0, false);
}

/* A dry run of sc_fill: it walks what sc_fill would, inserting nothing. */
bool ag_schema_needs_fill(const ag_Schema *s, const cJSON *instance) {
  return s != NULL && instance != NULL && sc_fill(s->root, (cJSON *)instance, 0, true);
}
