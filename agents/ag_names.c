/*
** ag_names.c -- sets of names (an object's keys or a list's strings) for
** membership tests in constant time: lint and the OpenAI tool export ask
** "is this property required?" for every property, which a scan of the
** required list would make quadratic in a generated descriptor.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ag_internal.h"

/* FNV-1a: a short, good enough hash for property names. */
static size_t ag_hash(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
  return (size_t)h;
}

/* Insert name by linear probing (a name already there keeps its one
** slot). The table has at least twice as many slots as names, so a free
** slot is always found. The string is borrowed. */
static void ag_names_put(ag_Names *set, const char *name) {
  size_t i = ag_hash(name) & (set->cap - 1);
  while (set->slots[i] && strcmp(set->slots[i], name) != 0) i = (i + 1) & (set->cap - 1);
  set->slots[i] = name;
}

/* The names of src: its keys when keys, else its string items. */
ag_Names ag_names(const cJSON *src, bool keys) {
  ag_Names set = {NULL, 0, src, keys};
  if (!(keys ? cJSON_IsObject(src) : cJSON_IsArray(src))) return set;
  size_t n = 0;
  const cJSON *it;
  cJSON_ArrayForEach(it, src) n++;
  size_t cap = 16;
  while (cap < 2 * n) cap *= 2;
  set.slots = calloc(cap, sizeof *set.slots);
  if (!set.slots) return set;
  set.cap = cap;
  cJSON_ArrayForEach(it, src) {
    const char *name = keys ? it->string : cJSON_IsString(it) ? it->valuestring : NULL;
    if (name) ag_names_put(&set, name);
  }
  return set;
}

/* Is name in the set? Open addressing by ag_hash; when the table could
** not be allocated, a linear scan of src instead (same answer). */
bool ag_names_has(const ag_Names *set, const char *name) {
  if (!set->slots) { /* out of memory: scan */
    const cJSON *it;
    cJSON_ArrayForEach(it, set->src) {
      const char *s = set->keys ? it->string : cJSON_IsString(it) ? it->valuestring : NULL;
      if (s && strcmp(s, name) == 0) return true;
    }
    return false;
  }
  for (size_t i = ag_hash(name) & (set->cap - 1); set->slots[i]; i = (i + 1) & (set->cap - 1))
    if (strcmp(set->slots[i], name) == 0) return true;
  return false;
}

void ag_names_free(ag_Names *set) {
  free(set->slots);
  set->slots = NULL;
}
