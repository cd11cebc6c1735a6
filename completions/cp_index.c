/*
** cp_index.c -- sorted name indexes (prefix lookups by binary search) and
** candidate lists.
*/
#include <stdlib.h>
#include <string.h>

#include "cp_internal.h"

/* strdup that keeps NULL. */
static char *cp_dup(const char *s) { return s ? strdup(s) : NULL; }

/* ========================================================================
** Candidate lists
** ======================================================================== */

/* Append a copy of text and help (help may be NULL). Grows by doubling;
** on out of memory the candidate is dropped silently (completion is
** best-effort). */
void cp_result_add(cp_Result *r, const char *text, const char *help) {
  if (r->n == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    cp_Candidate *items = realloc(r->items, cap * sizeof *items);
    if (!items) return;
    r->items = items;
    r->cap = cap;
  }
  r->items[r->n].text = strdup(text);
  r->items[r->n].help = cp_dup(help);
  if (r->items[r->n].text) r->n++;
  else free(r->items[r->n].help);
}

/* Free every candidate and the array, and reset r to empty (start too),
** so r can be reused; NULL is allowed. */
void cp_result_free(cp_Result *r) {
  if (!r) return;
  for (size_t i = 0; i < r->n; i++) {
    free(r->items[i].text);
    free(r->items[i].help);
  }
  free(r->items);
  r->items = NULL;
  r->n = r->cap = 0;
  r->start = 0;
}

/* Stable merge sort of items[0..n) by text, using tmp (n slots). */
static void cp_merge_sort(cp_Candidate *items, cp_Candidate *tmp, size_t n) {
  if (n < 2) return;
  size_t h = n / 2, i = 0, j = h, k = 0;
  cp_merge_sort(items, tmp, h);
  cp_merge_sort(items + h, tmp, n - h);
  while (i < h && j < n)
    tmp[k++] = strcmp(items[j].text, items[i].text) < 0 ? items[j++] : items[i++];
  while (i < h) tmp[k++] = items[i++];
  while (j < n) tmp[k++] = items[j++];
  memcpy(items, tmp, n * sizeof *items);
}

/* Already sorted and unique (the usual case for index lookups)? */
static bool cp_result_sorted(const cp_Result *r) {
  for (size_t i = 1; i < r->n; i++)
    if (strcmp(r->items[i - 1].text, r->items[i].text) >= 0) return false;
  return true;
}

/* Sort by text (stable) and drop later duplicates, freeing their strings;
** skipped when already sorted and unique. On out of memory r is left
** unsorted. */
void cp_result_sort(cp_Result *r) {
  if (r->n < 2 || cp_result_sorted(r)) return;
  cp_Candidate *tmp = malloc(r->n * sizeof *tmp);
  if (!tmp) return;
  cp_merge_sort(r->items, tmp, r->n);
  free(tmp);
  size_t w = 1;
  for (size_t i = 1; i < r->n; i++) {
    if (strcmp(r->items[w - 1].text, r->items[i].text) == 0) {
      free(r->items[i].text);
      free(r->items[i].help);
      continue;
    }
    r->items[w++] = r->items[i];
  }
  r->n = w;
}

/* ========================================================================
** Indexes
** ======================================================================== */

/* Append an entry with copies of name and help, kind, seq = its position
** and no agent; returns it (valid until the next add), or NULL when out
** of memory. The index is unsorted until cp_index_sort. */
cp_Entry *cp_index_add(cp_Index *x, const char *name, const char *help, cp_Kind kind) {
  if (x->n == x->cap) {
    size_t cap = x->cap ? x->cap * 2 : 64;
    cp_Entry *items = realloc(x->items, cap * sizeof *items);
    if (!items) return NULL;
    x->items = items;
    x->cap = cap;
  }
  cp_Entry *en = &x->items[x->n];
  en->name = strdup(name);
  en->help = cp_dup(help);
  en->kind = kind;
  en->seq = x->n;
  en->agent = NULL;
  if (en->name) return &x->items[x->n++];
  free(en->help);
  return NULL;
}

/* By name, then kind, then order of addition (so the first of equal
** names is the strongest, or the earliest). */
static int cp_entry_cmp(const void *a, const void *b) {
  const cp_Entry *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  if (x->kind != y->kind) return (int)x->kind - (int)y->kind;
  return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sort and keep one entry per name. */
void cp_index_sort(cp_Index *x) {
  if (x->n < 2) return;
  qsort(x->items, x->n, sizeof *x->items, cp_entry_cmp);
  size_t w = 1;
  for (size_t i = 1; i < x->n; i++) {
    if (strcmp(x->items[w - 1].name, x->items[i].name) == 0) {
      free(x->items[i].name);
      free(x->items[i].help);
      continue;
    }
    x->items[w++] = x->items[i];
  }
  x->n = w;
}

/* Free every entry's strings and the array; x is empty and reusable. */
void cp_index_clear(cp_Index *x) {
  for (size_t i = 0; i < x->n; i++) {
    free(x->items[i].name);
    free(x->items[i].help);
  }
  free(x->items);
  x->items = NULL;
  x->n = x->cap = 0;
}

/* First index whose name is >= prefix (x->n if none); x must be sorted. */
size_t cp_index_lower(const cp_Index *x, const char *prefix) {
  size_t lo = 0, hi = x->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(x->items[mid].name, prefix) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

void cp_index_complete(const cp_Index *x, const char *prefix, cp_Result *out) {
  size_t plen = strlen(prefix);
  for (size_t i = cp_index_lower(x, prefix); i < x->n; i++) {
    if (strncmp(x->items[i].name, prefix, plen) != 0) break;
    cp_result_add(out, x->items[i].name, x->items[i].help);
  }
}
