/*
** lx_object.c -- constructors for heap objects: strings, interned symbols
** and keywords, pairs, vectors, insertion-ordered dicts, natives, host
** objects, boxes and environments.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lx_lib.h"

/* ========================================================================
** Strings
** ======================================================================== */

/* FNV-1a, continued from h over len more bytes. */
static uint32_t lx_hash_more(uint32_t h, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h;
}

/* FNV-1a: simple, good enough spread for identifiers and JSON keys. */
uint32_t lx_hash_bytes(const char *s, size_t len) { return lx_hash_more(2166136261u, s, len); }

/* lx_string_hash for strings agent code made: one not hashed yet is hashed
** in chunks of LX_HASH_CHUNK bytes, fuel charged per chunk, so hashing a
** huge string (a dict key, a set member) stays inside fuel and time. */
uint32_t lx_string_hash_charged(lx_State *L, lx_String *s) {
  if (L == NULL || (s->h.flags & LX_STRING_HASHED) || s->len < LX_HASH_CHUNK)
    return lx_string_hash(s);
  uint32_t h = 2166136261u;
  for (size_t at = 0; at < s->len; at += LX_HASH_CHUNK) {
    size_t n = s->len - at < LX_HASH_CHUNK ? s->len - at : LX_HASH_CHUNK;
    lx_charge(L, lx_bytes_cost(n));
    h = lx_hash_more(h, s->data + at, n);
  }
  s->hash = h;
  s->h.flags |= LX_STRING_HASHED;
  return h;
}

/* Code points in valid UTF-8: the bytes that are not continuation bytes
** (10xxxxxx), counted eight at a time. */
static uint32_t lx_utf8_count(const char *s, size_t len) {
  size_t cont = 0, i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    /* one bit per continuation byte at bit 7; summed by a multiply */
    uint64_t x = (w & ~(w << 1) & 0x8080808080808080ULL) >> 7;
    cont += (size_t)((x * 0x0101010101010101ULL) >> 56);
  }
  for (; i < len; i++) cont += ((unsigned char)s[i] & 0xC0) == 0x80;
  return (uint32_t)(len - cont);
}

/* Count code points; the hash is computed on first use (lx_string_hash):
** most strings are never dict keys. */
void lx_string_seal(lx_String *s) {
  s->nchars = lx_utf8_count(s->data, s->len);
  s->h.flags &= (uint16_t) ~(LX_STRING_HASHED | LX_STRING_JSON_KNOWN | LX_STRING_JSON_PLAIN);
}

/* A sealed copy of s[0..len), NUL-terminated; s must be valid UTF-8 (the
** code-point count assumes it). */
lx_String *lx_string_new(lx_State *L, const char *s, size_t len) {
  lx_String *str = (lx_String *)lx_obj_new(L, LX_STRING, sizeof(lx_String) + len + 1);
  if (len) memcpy(str->data, s, len);
  str->data[len] = '\0';
  str->len = len;
  lx_string_seal(str);
  return str;
}

/* A string of len bytes to be filled in place, then sealed with
** lx_string_seal (which counts code points and hashes). */
lx_String *lx_string_uninit(lx_State *L, size_t len) {
  lx_String *str = (lx_String *)lx_obj_new(L, LX_STRING, sizeof(lx_String) + len + 1);
  str->len = len;
  str->data[len] = '\0';
  str->hash = 0;
  str->nchars = 0;
  return str;
}

lx_Value lx_string(lx_State *L, const char *s, size_t len) {
  return lx_obj(lx_string_new(L, s, len));
}

lx_Value lx_cstring(lx_State *L, const char *s) { return lx_string(L, s, strlen(s)); }

/* A string from printf-style arguments: formatted on the C stack when it
** fits 256 bytes, else formatted a second time straight into a string of
** the exact size. */
lx_Value lx_stringf(lx_State *L, const char *fmt, ...) {
  char small[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if ((size_t)n < sizeof small) return lx_string(L, small, (size_t)n);
  lx_String *s = lx_string_uninit(L, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(s->data, (size_t)n + 1, fmt, ap);
  va_end(ap);
  lx_string_seal(s);
  return lx_obj(s);
}

/* ========================================================================
** Symbols and keywords (interned together; the type tells them apart)
** ======================================================================== */

/* Double the symbol table (256 chains to start), relinking every symbol
** into its new chain; the hashes come from the names' caches. */
static void lx_symtab_grow(lx_State *L) {
  size_t ncap = L->symtab_cap ? L->symtab_cap * 2 : 256;
  lx_Symbol **nt = lx_mem_alloc(L, ncap * sizeof *nt);
  memset(nt, 0, ncap * sizeof *nt);
  for (size_t i = 0; i < L->symtab_cap; i++) {
    lx_Symbol *s = L->symtab[i];
    while (s) {
      lx_Symbol *next = s->next;
      size_t slot = lx_string_hash(s->name) & (ncap - 1);
      s->next = nt[slot];
      nt[slot] = s;
      s = next;
    }
  }
  lx_mem_free(L, L->symtab, L->symtab_cap * sizeof *nt);
  L->symtab = nt;
  L->symtab_cap = ncap;
}

/* The unique symbol or keyword (type) named name[0..len): found in its
** hash chain, or made and linked in, the table kept at most 3/4 full.
** Symbols and keywords of one name are distinct objects in the same
** table. The new name and symbol are protected until linked: the table
** is weak (see lx_gc.c), so it does not keep them alive by itself. */
static lx_Value lx_intern(lx_State *L, lx_Type type, const char *name, size_t len) {
  uint32_t h = lx_hash_bytes(name, len);
  if (L->symtab_cap) {
    for (lx_Symbol *s = L->symtab[h & (L->symtab_cap - 1)]; s; s = s->next)
      if (s->h.type == type && s->name->len == len && memcmp(s->name->data, name, len) == 0)
        return lx_obj(s);
  }
  lx_Obj *saved = lx_protect_begin(L);
  lx_String *str = lx_string_new(L, name, len);
  lx_Symbol *sym = (lx_Symbol *)lx_obj_new(L, type, sizeof(lx_Symbol));
  sym->name = str;
  if (L->symtab_count + 1 > L->symtab_cap * 3 / 4) lx_symtab_grow(L);
  size_t slot = h & (L->symtab_cap - 1);
  sym->next = L->symtab[slot];
  L->symtab[slot] = sym;
  L->symtab_count++;
  lx_protect_end(L, saved);
  return lx_obj(sym);
}

lx_Value lx_symbol(lx_State *L, const char *name, size_t len) {
  return lx_intern(L, LX_SYMBOL, name, len);
}

lx_Value lx_csymbol(lx_State *L, const char *name) {
  return lx_intern(L, LX_SYMBOL, name, strlen(name));
}

lx_Value lx_keyword(lx_State *L, const char *name, size_t len) {
  return lx_intern(L, LX_KEYWORD, name, len);
}

/* ========================================================================
** Pairs and lists
** ======================================================================== */

lx_Value lx_cons(lx_State *L, lx_Value car, lx_Value cdr) {
  lx_Pair *p = (lx_Pair *)lx_obj_new(L, LX_PAIR, sizeof(lx_Pair));
  p->car = car;
  p->cdr = cdr;
  p->pos = (lx_SrcPos){0, 0, 0};
  return lx_obj(p);
}

/* Polls as it goes (callers charge for the items). */
lx_Value lx_list_from(lx_State *L, const lx_Value *items, size_t n) {
  lx_Value list = lx_empty();
  while (n > 0) {
    n--;
    list = lx_cons(L, items[n], list);
    lx_paid_item(L);
  }
  return list;
}

/* Length of a proper list; -1 when it ends in something other than '()
** or is cyclic (Floyd's tortoise and hare). */
int64_t lx_list_length(lx_Value list) {
  int64_t n = 0;
  lx_Value slow = list;
  while (list.tag == LX_PAIR) {
    list = lx_cdr(list);
    n++;
    if (list.tag != LX_PAIR) break;
    list = lx_cdr(list);
    n++;
    slow = lx_cdr(slow);
    if (list.tag == LX_PAIR && list.as.o == slow.as.o) return -1;
  }
  return list.tag == LX_EMPTY ? n : -1;
}

/* ========================================================================
** Vectors
** ======================================================================== */

/* An empty vector with room for cap items before it grows; the vector is
** protected while its item array is allocated. */
lx_Vector *lx_vector_new(lx_State *L, size_t cap) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Vector *v = (lx_Vector *)lx_obj_new(L, LX_VECTOR, sizeof(lx_Vector));
  v->len = 0;
  v->cap = 0;
  v->items = NULL;
  v->pos = NULL;
  if (cap) {
    v->items = lx_mem_alloc(L, cap * sizeof(lx_Value));
    v->cap = cap;
  }
  lx_protect_end(L, saved);
  return v;
}

/* Append x, doubling the item array when full (4 to start). Growing may
** collect: v and x must be reachable (rooted or protected) already. A
** vector read from source drops its item positions on its first push. */
void lx_vector_push(lx_State *L, lx_Vector *v, lx_Value x) {
  if (v->pos) { /* reader positions no longer match once it grows */
    lx_mem_free(L, v->pos, v->cap * sizeof *v->pos);
    v->pos = NULL;
  }
  if (v->len == v->cap) {
    size_t ncap = v->cap ? v->cap * 2 : 4;
    v->items = lx_mem_realloc(L, v->items, v->cap * sizeof(lx_Value), ncap * sizeof(lx_Value));
    v->cap = ncap;
  }
  v->items[v->len++] = x;
}

/* ========================================================================
** Dicts: entries in insertion order + an open-addressed index (none while
** the dict is small: LX_DICT_SMALL)
** ======================================================================== */

/* Give d, which has no block, an empty one with room for want entries,
** and an index unless small. */
static void lx_dict_alloc(lx_State *L, lx_Dict *d, size_t want) {
  size_t ncap = 4;
  while (ncap < want) ncap *= 2;
  size_t icap = ncap > LX_DICT_SMALL ? ncap * 2 : 0;
  /* One block: the entries, then the index (entries are 8-aligned). */
  d->entries = lx_mem_alloc(L, lx_dict_block_size(ncap, icap));
  d->index = icap ? (int32_t *)(d->entries + ncap) : NULL;
  if (icap) memset(d->index, 0xff, icap * sizeof *d->index);
  d->cap = ncap;
  d->index_cap = icap;
}

/* A dict with room for cap entries before it must grow (a hint: literals
** and conversions know their size, so they never rehash while filling). */
lx_Dict *lx_dict_new(lx_State *L, size_t cap) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Dict *d = (lx_Dict *)lx_obj_new(L, LX_DICT, sizeof(lx_Dict));
  d->count = d->used = d->cap = d->index_cap = 0;
  d->entries = NULL;
  d->index = NULL;
  d->pos = NULL;
  if (cap > 0) lx_dict_alloc(L, d, cap);
  lx_protect_end(L, saved);
  return d;
}

/* A key's hash, as lx_hash makes it: strings and keywords (most keys)
** straight from their string's cache. */
static inline uint32_t lx_key_hash(lx_State *L, lx_Value key) {
  if (key.tag == LX_STRING || key.tag == LX_KEYWORD)
    return lx_string_hash_charged(L, lx_strlike(key));
  return lx_hash(L, key);
}

/* Find key: the number of its entry, or -1. A small dict scans its
** entries. Otherwise the index is probed, and *slot is the index slot
** holding the key or the empty one where it would go. */
static long lx_dict_find(lx_State *L, const lx_Dict *d, lx_Value key, uint32_t h, size_t *slot) {
  if (d->index == NULL) {
    for (size_t i = 0; i < d->used; i++) {
      const lx_DictEntry *en = &d->entries[i];
      if (en->hash == h && en->key.tag != LX_TOMBSTONE && lx_key_equal(L, en->key, key))
        return (long)i;
    }
    return -1;
  }
  size_t mask = d->index_cap - 1;
  for (*slot = h & mask;; *slot = (*slot + 1) & mask) {
    int32_t e = d->index[*slot];
    if (e < 0) return -1;
    const lx_DictEntry *en = &d->entries[e];
    if (en->hash == h && lx_key_equal(L, en->key, key)) return e;
    lx_tick(L); /* keys with colliding hashes make long probe runs */
  }
}

/* Rebuild entries (dropping tombstones), and the index unless small, at a
** new size. The entries are charged up front and the probes (long when
** hashes collide) as they go, without raising mid-way: past a limit the
** new block is dropped and d's fields restored before the error is raised.
** Only the fields: the collector may have relinked d->h (its gc_next) while
** the new block was allocated, and an old copy of the header would put a
** freed object back on the object list. */
static void lx_dict_rehash(lx_State *L, lx_Dict *d, size_t want) {
  lx_charge(L, lx_items_cost(d->used));
  lx_Dict old = *d;
  lx_dict_alloc(L, d, want);
  size_t n = 0, imask = d->index_cap - 1, probes = 0;
  for (size_t i = 0; i < old.used; i++) {
    if (old.entries[i].key.tag == LX_TOMBSTONE) continue;
    d->entries[n] = old.entries[i];
    if (d->index) {
      size_t slot = d->entries[n].hash & imask;
      while (d->index[slot] >= 0) {
        slot = (slot + 1) & imask;
        probes++;
      }
      d->index[slot] = (int32_t)n;
    }
    n++;
    if (probes >= LX_FUEL_ITEMS * 64) {
      if (!lx_budget_pay(L, (int64_t)(probes / LX_FUEL_ITEMS))) {
        lx_mem_free(L, d->entries, lx_dict_block_size(d->cap, d->index_cap));
        old.h = d->h;
        *d = old;
        lx_budget_check(L); /* raises the limit lx_budget_pay found */
      }
      probes = 0;
    }
  }
  if (old.pos) { /* reader positions are per entry slot: drop them */
    lx_mem_free(L, old.pos, old.cap * 2 * sizeof *old.pos);
    d->pos = NULL;
  }
  lx_mem_free(L, old.entries, lx_dict_block_size(old.cap, old.index_cap));
  d->used = d->count = n;
}

/* Look key up by value (lx_key_equal); *out (may be NULL) gets its value.
** Hashing a long string key not hashed before is charged. */
bool lx_dict_get(lx_State *L, lx_Dict *d, lx_Value key, lx_Value *out) {
  if (d->count == 0) return false;
  size_t slot;
  long e = lx_dict_find(L, d, key, lx_key_hash(L, key), &slot);
  if (e >= 0 && out) *out = d->entries[e].value;
  return e >= 0;
}

/* Set key to value: an existing entry keeps its place, a new one goes at
** the end (insertion order). A full entry block is rebuilt first, at twice
** the size when more than half of it is live, else at the same size (just
** dropping tombstones). May collect and is charged: key and value must be
** reachable already. */
void lx_dict_set(lx_State *L, lx_Dict *d, lx_Value key, lx_Value value) {
  uint32_t h = lx_key_hash(L, key);
  size_t slot = 0;
  long e = d->cap ? lx_dict_find(L, d, key, h, &slot) : -1;
  if (e >= 0) {
    d->entries[e].value = value;
    return;
  }
  if (d->used == d->cap) {
    lx_dict_rehash(L, d, d->count * 2 > d->cap ? d->cap * 2 : d->cap);
    if (d->index) lx_dict_find(L, d, key, h, &slot);
  }
  lx_DictEntry *en = &d->entries[d->used];
  en->key = key;
  en->value = value;
  en->hash = h;
  if (d->index) d->index[slot] = (int32_t)d->used;
  d->used++;
  d->count++;
}

/* After a removal: when tombstones far outnumber the live entries, rebuild
** the dict smaller, so a walk over its slots (printing, copying, equality)
** costs what its entries do; the rebuild is paid by the removals since
** the last one. */
static void lx_dict_compact(lx_State *L, lx_Dict *d) {
  if (d->used > 4 * (d->count + 8)) lx_dict_rehash(L, d, d->count * 2);
}

/* Remove by leaving a tombstone entry; with an index, re-probe the cluster
** after its slot (linear probing needs it re-inserted to stay findable). */
bool lx_dict_remove(lx_State *L, lx_Dict *d, lx_Value key) {
  if (d->count == 0) return false;
  size_t slot;
  long e = lx_dict_find(L, d, key, lx_key_hash(L, key), &slot);
  if (e < 0) return false;
  d->entries[e].key.tag = LX_TOMBSTONE;
  d->entries[e].value = lx_nil();
  d->count--;
  if (d->index == NULL) {
    lx_dict_compact(L, d);
    return true;
  }
  size_t mask = d->index_cap - 1, probes = 0;
  d->index[slot] = -1;
  for (size_t s = (slot + 1) & mask; d->index[s] >= 0; s = (s + 1) & mask) {
    int32_t moved = d->index[s];
    d->index[s] = -1;
    size_t t = d->entries[moved].hash & mask;
    while (d->index[t] >= 0) {
      t = (t + 1) & mask;
      probes++;
    }
    d->index[t] = moved;
    probes++;
  }
  /* the cluster (long when hashes collide) is charged once d is whole */
  if (probes >= LX_FUEL_ITEMS) lx_charge(L, (int64_t)(probes / LX_FUEL_ITEMS));
  lx_dict_compact(L, d);
  return true;
}

/* The copy polls as it goes (callers charge for the walk). */
lx_Dict *lx_dict_copy(lx_State *L, const lx_Dict *d) {
  lx_Dict *c = lx_dict_new(L, d->count);
  for (size_t i = 0; i < d->used; i++) {
    const lx_DictEntry *e = &d->entries[i];
    lx_paid_item(L);
    if (e->key.tag != LX_TOMBSTONE) lx_dict_set(L, c, e->key, e->value);
  }
  return c;
}

/* lx_dict_get with a C string key (allocates the key string, so it may
** collect, unless d is empty). */
bool lx_dict_getc(lx_State *L, lx_Dict *d, const char *key, lx_Value *out) {
  if (d->count == 0) return false;
  return lx_dict_get(L, d, lx_cstring(L, key), out);
}

void lx_dict_setc(lx_State *L, lx_Dict *d, const char *key, lx_Value value) {
  lx_dict_set(L, d, lx_cstring(L, key), value);
}

/* ========================================================================
** Functions, host objects, boxes, environments
** ======================================================================== */

/* A builtin function object. name, params and doc are kept as pointers,
** not copied: they must outlive the state (string literals). max_args -1
** means variadic. */
lx_Value lx_native_new(lx_State *L, const char *name, lx_NativeFn fn, int min_args, int max_args,
                       const char *params, const char *doc) {
  lx_Native *n = (lx_Native *)lx_obj_new(L, LX_NATIVE, sizeof(lx_Native));
  n->fn = fn;
  n->name = name;
  n->doc = doc;
  n->params = params;
  n->min_args = (int16_t)min_args;
  n->max_args = (int16_t)max_args;
  n->data = lx_nil();
  return lx_obj(n);
}

/* A host object wrapping ptr; type_name is kept as a pointer (a literal),
** and finalize (may be NULL) runs on ptr when the object is collected or
** the state closes. */
lx_Value lx_host_new(lx_State *L, const char *type_name, void *ptr, void (*finalize)(void *)) {
  lx_Host *h = (lx_Host *)lx_obj_new(L, LX_HOST, sizeof(lx_Host));
  h->type_name = type_name;
  h->ptr = ptr;
  h->finalize = finalize;
  h->fields = lx_nil();
  return lx_obj(h);
}

lx_Box *lx_box_new(lx_State *L, lx_Value v, lx_Symbol *name) {
  lx_Box *b = (lx_Box *)lx_obj_new(L, LX_BOX, sizeof(lx_Box));
  b->value = v;
  b->name = name;
  return b;
}

/* An environment object with an empty table under parent, named name
** ("user" when NULL). Its random generator is zero: the caller seeds it
** (lx_rng_seed). The env is protected while its table and name are made. */
lx_Env *lx_env_new(lx_State *L, lx_Env *parent, const char *name) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Env *e = (lx_Env *)lx_obj_new(L, LX_ENV, sizeof(lx_Env));
  e->table = NULL;
  e->parent = parent;
  e->name = lx_nil();
  memset(e->rng, 0, sizeof e->rng); /* seeded by the state (lx_rng_seed) */
  e->gensym_counter = 0;
  e->table = lx_dict_new(L, 0);
  e->name = lx_cstring(L, name ? name : "user");
  lx_protect_end(L, saved);
  return e;
}
