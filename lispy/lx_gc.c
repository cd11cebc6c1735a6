/*
** lx_gc.c -- the accounting allocator and the precise mark-and-sweep
** collector.
**
** Every byte LisPy allocates goes through lx_mem_*, which counts it. When
** the count passes the collection threshold the collector runs; when it
** would pass the evaluation's memory limit, the allocator collects, retries
** and then raises a catchable "memory" limit error.
**
** Roots: the whole value stack (slots above the live top hold stale but
** valid values; they are cleared between evaluations), the frames, the
** environments, host references, the last error, and -- while C code runs
** in a protected region -- every object allocated since the region began.
** Marking uses an explicit gray stack, so deep data never recurses in C.
** The symbol table is weak: unreferenced symbols are dropped.
*/
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_lib.h"

#if defined(__GLIBC__)
#include <malloc.h> /* malloc_trim */
#endif

/* ========================================================================
** Accounting allocator
** ======================================================================== */

/* True when n more bytes would break the evaluation's memory limit. */
static bool lx_mem_over(lx_State *L, size_t n) {
  const lx_Budget *b = &L->budget;
  if (b->mem_limit == 0 || L->in_limit_error) return false;
  return L->mem_used + n > b->mem_base + b->mem_limit;
}

/* Raise the "memory" limit. A stack growth that inhibited collection
** (lx_vm_reserve) is being unwound: collection must not stay off. */
static _Noreturn void lx_mem_limit_error(lx_State *L) {
  L->gc_inhibit = false;
  lx_limit_error(L, "memory");
}

/* Make room for n bytes: collect when due, and enforce the limit. */
static void lx_mem_make_room(lx_State *L, size_t n) {
  if (L->gc_running) return;
  bool may_collect = !L->gc_inhibit;
  if (may_collect && (L->gc_stress || L->mem_used + n > L->gc_threshold)) lx_gc_collect(L);
  if (lx_mem_over(L, n)) {
    /* Collect only if the heap grew by 1/LX_GC_LIMIT_SHARE of the limit since the last
    ** limit-driven collection: near the limit with mostly live data,
    ** collecting at every allocation would take quadratic time. */
    size_t grew = L->mem_used > L->limit_gc_floor ? L->mem_used - L->limit_gc_floor : 0;
    if (may_collect && grew >= L->budget.mem_limit / LX_GC_LIMIT_SHARE) {
      lx_gc_collect(L);
      L->limit_gc_floor = L->mem_used;
    }
    if (lx_mem_over(L, n)) lx_mem_limit_error(L);
  }
}

/* The host itself ran out of memory: nothing sensible remains to do. */
static void lx_mem_panic(size_t n) {
  fprintf(stderr, "lispy: out of memory allocating %zu bytes\n", n);
  abort();
}

/* ========================================================================
** Small-block pools: most objects are small and short-lived; free lists
** per 16-byte size class make them cheap. Sanitizer builds use malloc
** directly so every block keeps its own red zones.
** ======================================================================== */

#if defined(__SANITIZE_ADDRESS__)
#define LX_USE_POOL 0
#else
#define LX_USE_POOL 1
#endif

typedef struct lx_Block {
  struct lx_Block *next;
} lx_Block;

/* A chunk's first block: its header. */
typedef struct lx_Chunk {
  struct lx_Chunk *next; /* all chunks, newest first (L->pool_chunks) */
  uint32_t cls;          /* size class of its blocks */
  uint32_t nfree;        /* free blocks, counted only by lx_pool_trim */
} lx_Chunk;
_Static_assert(sizeof(lx_Chunk) <= 16, "the chunk header must fit the smallest block");
_Static_assert(LX_POOL_CHUNK >= 4096 && LX_POOL_CHUNK <= (1u << 24), "LX_POOL_CHUNK out of range");

/* Blocks a chunk of class cls holds (the first block is the header). */
static inline size_t lx_chunk_blocks(size_t cls) { return LX_POOL_CHUNK / ((cls + 1) * 16) - 1; }

static inline bool lx_pooled(size_t size) { return LX_USE_POOL && size <= LX_POOL_MAX; }

/* Carve a new chunk into blocks of class cls. */
static bool lx_pool_refill(lx_State *L, size_t cls) {
  size_t bsize = (cls + 1) * 16;
  char *chunk = malloc(LX_POOL_CHUNK);
  if (!chunk) return false;
  lx_Chunk *c = (lx_Chunk *)chunk; /* the first block is the header */
  c->next = L->pool_chunks;
  c->cls = (uint32_t)cls;
  c->nfree = 0;
  L->pool_chunks = c;
  for (size_t off = bsize; off + bsize <= LX_POOL_CHUNK; off += bsize) {
    lx_Block *b = (lx_Block *)(chunk + off);
    b->next = L->pool_free[cls];
    L->pool_free[cls] = b;
  }
  return true;
}

/* A block of the size class of size from its free list, carving a new
** chunk when the list is empty; NULL when malloc fails. Not counted: the
** callers account the bytes. */
static void *lx_pool_get(lx_State *L, size_t size) {
  size_t cls = (size - 1) / 16;
  if (!L->pool_free[cls] && !lx_pool_refill(L, cls)) return NULL;
  lx_Block *b = L->pool_free[cls];
  L->pool_free[cls] = b->next;
  return b;
}

/* Return a block to the free list of its size class (size must be what
** it was allocated with). */
static void lx_pool_put(lx_State *L, void *p, size_t size) {
  size_t cls = (size - 1) / 16;
  lx_Block *b = p;
  b->next = L->pool_free[cls];
  L->pool_free[cls] = b;
}

/* Free every chunk and forget the free lists (the state is closing). */
static void lx_pool_free_all(lx_State *L) {
  while (L->pool_chunks) {
    lx_Chunk *next = ((lx_Chunk *)L->pool_chunks)->next;
    free(L->pool_chunks);
    L->pool_chunks = next;
  }
  memset(L->pool_free, 0, sizeof L->pool_free);
}

/* ---- Giving whole free chunks back (lx_pool_trim) ----
** Chunks come from plain malloc (an aligned allocator would cost RSS on
** every run), so a block's chunk is found through a table keyed by the
** LX_POOL_CHUNK-sized window an address falls in: no two chunks start in
** one window (each spans a whole window's size), and a block lies in the
** chunk starting in its own window or in the one before. */
typedef struct lx_ChunkTable {
  lx_Chunk **slots; /* open addressing, NULL when empty */
  size_t mask;      /* slot count - 1 (a power of two) */
} lx_ChunkTable;

static inline uintptr_t lx_window(const void *p) { return (uintptr_t)p / LX_POOL_CHUNK; }

static size_t lx_window_slot(const lx_ChunkTable *t, uintptr_t w) {
  size_t i = (size_t)(w * 0x9e3779b97f4a7c15ULL >> 20) & t->mask;
  while (t->slots[i] && lx_window(t->slots[i]) != w) i = (i + 1) & t->mask;
  return i;
}

/* The chunk holding block b (always one: b came from a chunk). */
static lx_Chunk *lx_chunk_of(const lx_ChunkTable *t, const void *b) {
  uintptr_t w = lx_window(b);
  lx_Chunk *c = t->slots[lx_window_slot(t, w)];
  if (c == NULL || (const char *)c > (const char *)b) c = t->slots[lx_window_slot(t, w - 1)];
  assert(c && (const char *)b >= (const char *)c &&
         (const char *)b < (const char *)c + LX_POOL_CHUNK);
  return c;
}

/* Table of every chunk, their free counts zeroed; false without memory. */
static bool lx_chunk_table(lx_State *L, lx_ChunkTable *t) {
  size_t n = 0, cap = 16;
  for (lx_Chunk *c = L->pool_chunks; c; c = c->next) n++;
  while (cap < 2 * n) cap *= 2;
  t->slots = calloc(cap, sizeof *t->slots);
  t->mask = cap - 1;
  if (t->slots == NULL) return false;
  for (lx_Chunk *c = L->pool_chunks; c; c = c->next) {
    c->nfree = 0;
    t->slots[lx_window_slot(t, lx_window(c))] = c;
  }
  return true;
}

static inline bool lx_chunk_empty(const lx_Chunk *c) { return c->nfree == lx_chunk_blocks(c->cls); }

/* Free every chunk none of whose blocks is in use: count each chunk's
** free blocks, drop the blocks of empty chunks from the free lists, then
** free those chunks. Time linear in the free blocks; run only after a
** memory limit was hit, when a failed evaluation's garbage has gone. */
static void lx_pool_trim(lx_State *L) {
  lx_ChunkTable t;
  if (!lx_chunk_table(L, &t)) return; /* best effort: keep the pools */
  for (size_t cls = 0; cls < LX_POOL_MAX / 16; cls++)
    for (lx_Block *b = L->pool_free[cls]; b; b = b->next) lx_chunk_of(&t, b)->nfree++;
  for (size_t cls = 0; cls < LX_POOL_MAX / 16; cls++) { /* relink the rest */
    lx_Block *keep = NULL, *next;
    for (lx_Block *b = L->pool_free[cls]; b; b = next) {
      next = b->next;
      if (lx_chunk_empty(lx_chunk_of(&t, b))) continue;
      b->next = keep;
      keep = b;
    }
    L->pool_free[cls] = keep;
  }
  free(t.slots);
  lx_Chunk *keep = NULL, *next;
  for (lx_Chunk *c = L->pool_chunks; c; c = next) {
    next = c->next;
    if (lx_chunk_empty(c)) {
      free(c);
    } else {
      c->next = keep;
      keep = c;
    }
  }
  L->pool_chunks = keep;
}

/* A pooled block for small sizes, malloc otherwise; NULL on failure. */
static void *lx_raw_alloc(lx_State *L, size_t size) {
  return lx_pooled(size) ? lx_pool_get(L, size) : malloc(size);
}

/* Whether an allocation of size can skip lx_mem_make_room: a pooled block
** is free, no collection is due and no memory limit is near. Most are. */
static inline bool lx_mem_fast(lx_State *L, size_t size) {
  size_t used = L->mem_used + size;
  return lx_pooled(size) && L->pool_free[(size - 1) / 16] != NULL && used <= L->gc_threshold &&
         !L->gc_stress &&
         (L->budget.mem_limit == 0 || used <= L->budget.mem_base + L->budget.mem_limit);
}

/* Allocate size bytes (at least 1), counted in mem_used. The fast path
** pops a pooled block when nothing is due; otherwise lx_mem_make_room may
** collect first, so every value the caller holds must be reachable (on
** the stack, pinned, or in a protected region), and may raise the
** "memory" limit. When malloc itself fails the allocator collects once and
** retries, then raises "memory" too. Free with lx_mem_free and the same
** size: the blocks carry no size of their own. */
void *lx_mem_alloc(lx_State *L, size_t size) {
  if (size == 0) size = 1;
  if (lx_mem_fast(L, size)) {
    lx_Block *p = L->pool_free[(size - 1) / 16];
    L->pool_free[(size - 1) / 16] = p->next;
    L->mem_used += size;
    L->mem_allocated += size;
    if (L->mem_used > L->mem_peak) L->mem_peak = L->mem_used;
    return p;
  }
  lx_mem_make_room(L, size);
  void *p = lx_raw_alloc(L, size);
  if (p == NULL) {
    lx_gc_collect(L);
    p = lx_raw_alloc(L, size);
    if (p == NULL) lx_mem_limit_error(L);
  }
  L->mem_used += size;
  L->mem_allocated += size;
  if (L->mem_used > L->mem_peak) L->mem_peak = L->mem_used;
  return p;
}

/* Resize p from old_size to new_size bytes (p may be NULL), with
** lx_mem_alloc's rules: growing may collect and may raise "memory". A
** block moving into or out of the pools is copied by hand. A failed
** shrink cannot be reported sensibly and aborts. */
void *lx_mem_realloc(lx_State *L, void *p, size_t old_size, size_t new_size) {
  if (new_size > old_size) lx_mem_make_room(L, new_size - old_size);
  if (new_size == 0) new_size = 1;
  if (p == NULL) old_size = 0;
  void *np;
  if (lx_pooled(new_size) || (p && lx_pooled(old_size))) { /* move by hand */
    np = lx_raw_alloc(L, new_size);
    if (np && p) {
      memcpy(np, p, old_size < new_size ? old_size : new_size);
      if (lx_pooled(old_size)) lx_pool_put(L, p, old_size);
      else free(p);
    }
  } else {
    np = realloc(p, new_size);
  }
  if (np == NULL) {
    if (new_size <= old_size) lx_mem_panic(new_size);
    lx_mem_limit_error(L);
  }
  L->mem_used = L->mem_used - old_size + new_size;
  if (new_size > old_size) L->mem_allocated += new_size - old_size;
  if (L->mem_used > L->mem_peak) L->mem_peak = L->mem_used;
  return np;
}

/* Release p (may be NULL), allocated with exactly size bytes. */
void lx_mem_free(lx_State *L, void *p, size_t size) {
  if (p == NULL) return;
  if (size == 0) size = 1;
  assert(L->mem_used >= size);
  L->mem_used -= size;
  if (lx_pooled(size)) lx_pool_put(L, p, size);
  else free(p);
}

/* Allocate an object of `size` bytes and link it into the object list. */
lx_Obj *lx_obj_new(lx_State *L, lx_Type type, size_t size) {
  if (size > UINT32_MAX) lx_limit_error(L, "memory");
  lx_Obj *o = lx_mem_alloc(L, size);
  o->type = (uint8_t)type;
  o->marked = 0;
  o->flags = 0;
  o->gc_size = (uint32_t)size;
  o->gc_next = L->objects;
  L->objects = o;
  return o;
}

/* ========================================================================
** Marking
** ======================================================================== */

/* Push o on the mark stack. It is plain malloc'd, outside the accounting
** (growing it must never collect or raise in the middle of marking); out
** of memory here aborts. */
static void lx_gray_push(lx_State *L, lx_Obj *o) {
  if (L->ngray == L->gray_cap) {
    size_t ncap = L->gray_cap ? L->gray_cap * 2 : 256;
    lx_Obj **ng = realloc(L->gray, ncap * sizeof *ng);
    if (ng == NULL) lx_mem_panic(ncap * sizeof *ng);
    L->gray = ng;
    L->gray_cap = ncap;
  }
  L->gray[L->ngray++] = o;
}

static void lx_measure_obj(lx_State *L, lx_Obj *o);

/* Mark o (may be NULL) and queue it for blackening, unless marked
** already; while lx_gc_env_size runs it counts o instead. */
static void lx_mark_obj(lx_State *L, lx_Obj *o) {
  if (o == NULL || o->marked) return;
  if (L->measure_env != NULL) { /* lx_gc_env_size borrows the marking */
    lx_measure_obj(L, o);
    return;
  }
  o->marked = 1;
  if (o->type != LX_STRING) lx_gray_push(L, o); /* strings hold no references */
}

static inline void lx_mark(lx_State *L, lx_Value v) {
  if (v.tag >= LX_FIRST_OBJ && v.tag < LX_NTYPES) lx_mark_obj(L, v.as.o);
}

/* Mark n values (the non-objects among them are skipped). */
static void lx_mark_values(lx_State *L, const lx_Value *vs, size_t n) {
  for (size_t i = 0; i < n; i++) lx_mark(L, vs[i]);
}

/* Mark what a prototype refers to: constants, inner prototypes, name, doc,
** parameter list and its environment. */
static void lx_mark_proto(lx_State *L, lx_Proto *p) {
  lx_mark_values(L, p->consts, p->nconsts);
  for (uint32_t i = 0; i < p->nprotos; i++) lx_mark_obj(L, &p->protos[i]->h);
  lx_mark(L, p->name);
  lx_mark(L, p->doc);
  lx_mark(L, p->params);
  lx_mark_obj(L, p->env ? &p->env->h : NULL);
}

/* Mark what object o refers to (o itself is already marked). */
static void lx_blacken(lx_State *L, lx_Obj *o) {
  switch ((lx_Type)o->type) {
    case LX_SYMBOL:
    case LX_KEYWORD:
      if (((lx_Symbol *)o)->name) lx_mark_obj(L, &((lx_Symbol *)o)->name->h);
      break;
    case LX_PAIR:
      lx_mark(L, ((lx_Pair *)o)->car);
      lx_mark(L, ((lx_Pair *)o)->cdr);
      break;
    case LX_VECTOR: lx_mark_values(L, ((lx_Vector *)o)->items, ((lx_Vector *)o)->len); break;
    case LX_DICT: {
      lx_Dict *d = (lx_Dict *)o;
      for (size_t i = 0; i < d->used; i++) {
        lx_mark(L, d->entries[i].key);
        lx_mark(L, d->entries[i].value);
      }
      break;
    }
    case LX_CLOSURE: {
      lx_Closure *c = (lx_Closure *)o;
      lx_mark_obj(L, &c->proto->h);
      lx_mark_values(L, c->upvals, c->nupvals);
      break;
    }
    case LX_NATIVE: lx_mark(L, ((lx_Native *)o)->data); break;
    case LX_ERROR: {
      lx_Error *e = (lx_Error *)o;
      lx_mark(L, e->kind);
      lx_mark(L, e->message);
      lx_mark(L, e->data);
      lx_mark(L, e->trace);
      break;
    }
    case LX_PROTO: lx_mark_proto(L, (lx_Proto *)o); break;
    case LX_BOX:
      lx_mark(L, ((lx_Box *)o)->value);
      if (((lx_Box *)o)->name) lx_mark_obj(L, &((lx_Box *)o)->name->h);
      break;
    case LX_ENV: {
      lx_Env *e = (lx_Env *)o;
      if (e->table) lx_mark_obj(L, &e->table->h);
      if (e->parent) lx_mark_obj(L, &e->parent->h);
      lx_mark(L, e->name);
      break;
    }
    case LX_HOST: lx_mark(L, ((lx_Host *)o)->fields); break;
    default: break; /* strings: no references */
  }
}

/* Mark every root (see the file's header): the whole value stack up to
** its capacity, the frames' closures, the environments, host references,
** pins, errors in flight, the reader's quote symbols and, while a C region
** is protected, every object newer than its mark. */
static void lx_mark_roots(lx_State *L) {
  lx_mark_values(L, L->stack, L->stack_cap);
  for (size_t i = 0; i < L->nframes; i++)
    lx_mark_obj(L, L->frames[i].fn ? &L->frames[i].fn->h : NULL);
  lx_mark_obj(L, L->base_env ? &L->base_env->h : NULL);
  lx_mark_obj(L, L->env ? &L->env->h : NULL);
  lx_mark(L, L->last_error);
  lx_mark(L, L->thrown);
  lx_mark(L, L->tc_fn);
  lx_mark(L, L->tc_args);
  lx_mark_values(L, L->refs, L->nrefs);
  lx_mark_values(L, L->pins, (size_t)L->npins);
  lx_mark_values(L, &L->sym_quote, 4);
  lx_mark_obj(L, L->permanent ? &L->permanent->h : NULL);
  lx_mark_obj(L, L->file_index ? &L->file_index->h : NULL);
  for (size_t i = 0; i < L->nenvs; i++) lx_mark_obj(L, &L->envs[i]->h);
  if (L->protect_mark) {
    for (lx_Obj *o = L->objects; o && o != L->protect_mark; o = o->gc_next) lx_mark_obj(L, o);
  }
}

/* Blacken until the mark stack is empty: everything reachable is marked. */
static void lx_propagate(lx_State *L) {
  while (L->ngray > 0) lx_blacken(L, L->gray[--L->ngray]);
}

/* ========================================================================
** Sweeping
** ======================================================================== */

/* Free a prototype's arrays (the sizes its counts say: see cg_finish). */
static void lx_free_proto(lx_State *L, lx_Proto *p) {
  lx_mem_free(L, p->code, p->ncode * sizeof *p->code);
  lx_mem_free(L, p->lines, p->ncode * sizeof *p->lines);
  lx_mem_free(L, p->consts, p->nconsts * sizeof *p->consts);
  lx_mem_free(L, p->protos, p->nprotos * sizeof *p->protos);
  lx_mem_free(L, p->captures, p->nupvals * sizeof *p->captures);
}

/* Release what an object owns besides its header block, then the block. */
static void lx_free_obj(lx_State *L, lx_Obj *o) {
  switch ((lx_Type)o->type) {
    case LX_VECTOR: {
      lx_Vector *v = (lx_Vector *)o;
      lx_mem_free(L, v->items, v->cap * sizeof *v->items);
      lx_mem_free(L, v->pos, v->cap * sizeof *v->pos);
      break;
    }
    case LX_DICT: {
      lx_Dict *d = (lx_Dict *)o;
      lx_mem_free(L, d->entries, lx_dict_block_size(d->cap, d->index_cap));
      lx_mem_free(L, d->pos, d->cap * 2 * sizeof *d->pos);
      break;
    }
    case LX_PROTO: lx_free_proto(L, (lx_Proto *)o); break;
    case LX_HOST: {
      lx_Host *h = (lx_Host *)o;
      if (h->finalize) h->finalize(h->ptr);
      break;
    }
    default: break;
  }
  lx_mem_free(L, o, o->gc_size);
}

/* Bytes o accounts for: its header block and the blocks it owns (the
** same blocks lx_free_obj releases; keep the two in step). */
static size_t lx_obj_bytes(const lx_Obj *o) {
  size_t n = o->gc_size;
  switch ((lx_Type)o->type) {
    case LX_VECTOR: {
      const lx_Vector *v = (const lx_Vector *)o;
      if (v->items) n += v->cap * sizeof *v->items;
      if (v->pos) n += v->cap * sizeof *v->pos;
      break;
    }
    case LX_DICT: {
      const lx_Dict *d = (const lx_Dict *)o;
      if (d->entries) n += lx_dict_block_size(d->cap, d->index_cap);
      if (d->pos) n += d->cap * 2 * sizeof *d->pos;
      break;
    }
    case LX_PROTO: {
      const lx_Proto *p = (const lx_Proto *)o;
      n += p->ncode * (sizeof *p->code + sizeof *p->lines) + p->nconsts * sizeof *p->consts +
           p->nprotos * sizeof *p->protos + p->nupvals * sizeof *p->captures;
      break;
    }
    default: break;
  }
  return n;
}

/* Drop unmarked symbols from the (weak) intern table. */
static void lx_sweep_symbols(lx_State *L) {
  for (size_t i = 0; i < L->symtab_cap; i++) {
    lx_Symbol **link = &L->symtab[i];
    while (*link) {
      if (!(*link)->h.marked) {
        *link = (*link)->next;
        L->symtab_count--;
      } else {
        link = &(*link)->next;
      }
    }
  }
}

/* Free every unmarked object and clear the marks of the others. When the
** protected region's mark object is freed the mark moves to the next
** older object (or "whole list"), so the region still covers the same
** objects. */
static void lx_sweep(lx_State *L) {
  lx_Obj **link = &L->objects;
  while (*link) {
    lx_Obj *o = *link;
    if (o->marked) {
      o->marked = 0;
      link = &o->gc_next;
      continue;
    }
    *link = o->gc_next;
    if (o == L->protect_mark) /* keep the region's boundary valid */
      L->protect_mark = o->gc_next ? o->gc_next : LX_PROTECT_ALL(L);
    lx_free_obj(L, o);
  }
}

/* Give memory back to the OS after a memory limit was hit: the pools'
** empty chunks, the mark stack (the failed evaluation may have grown it
** to millions of entries), and -- with glibc -- the free pages malloc
** keeps (freed blocks large and small alike stay resident otherwise). */
static void lx_mem_release(lx_State *L) {
  L->mem_release_due = false;
  lx_pool_trim(L);
  free(L->gray);
  L->gray = NULL;
  L->gray_cap = 0;
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

/* A full collection: mark, drop dead symbols, sweep; the next one is due
** when the heap grows to LX_GC_GROWTH times what survived (at least
** LX_GC_MIN_THRESHOLD). Reentry (an allocation while collecting) is a
** no-op. After a memory limit it also gives memory back (lx_mem_release). */
void lx_gc_collect(lx_State *L) {
  if (L->gc_running) return;
  L->gc_running = true;
  lx_mark_roots(L);
  lx_propagate(L);
  lx_sweep_symbols(L);
  lx_sweep(L);
  L->gc_count++;
  size_t next = L->mem_used * LX_GC_GROWTH;
  L->gc_threshold = next < LX_GC_MIN_THRESHOLD ? LX_GC_MIN_THRESHOLD : next;
  if (L->mem_release_due) lx_mem_release(L);
  L->gc_running = false;
}

/* The outermost evaluation failed after hitting the memory limit: collect
** its garbage now (the error value is rooted) so the memory goes back to
** the OS at once, not at some later collection. */
void lx_gc_after_error(lx_State *L) {
  if (L->mem_release_due && L->api_depth == 0 && !L->gc_running) lx_gc_collect(L);
}

/* ========================================================================
** Measuring what one environment holds
** ======================================================================== */

/* Whether measuring stops at o: what belongs to everyone or to another
** environment -- other environments, base bindings (constant boxes) and
** code compiled elsewhere (the prelude's functions) -- is not env's. */
static bool lx_measure_skips(const lx_State *L, const lx_Obj *o) {
  switch ((lx_Type)o->type) {
    case LX_ENV: return o != &L->measure_env->h;
    case LX_BOX: return (o->flags & LX_BOX_CONST) != 0;
    case LX_PROTO: return ((const lx_Proto *)o)->env != L->measure_env;
    default: return false;
  }
}

/* Count o once. Every counted object goes on the gray stack, strings
** included, so lx_gc_env_size can clear the marks it borrowed. */
static void lx_measure_obj(lx_State *L, lx_Obj *o) {
  if (lx_measure_skips(L, o)) return;
  o->marked = 1;
  L->measure_bytes += lx_obj_bytes(o);
  lx_gray_push(L, o);
}

/* Walk what env reaches with the collector's own marking (so every field
** the collector follows is followed here) and add up the bytes. The gray
** stack is walked without popping: at the end it lists every object
** counted, whose marks are then cleared. No collection can run meanwhile:
** nothing here allocates through lx_mem_*. Time: linear in what env holds. */
size_t lx_gc_env_size(lx_State *L, lx_Env *env) {
  assert(!L->gc_running && L->ngray == 0 && env != NULL);
  L->gc_running = true;
  L->measure_env = env;
  L->measure_bytes = 0;
  lx_mark_obj(L, &env->h);
  for (size_t i = 0; i < L->ngray; i++) lx_blacken(L, L->gray[i]);
  for (size_t i = 0; i < L->ngray; i++) L->gray[i]->marked = 0;
  L->ngray = 0;
  L->measure_env = NULL;
  L->gc_running = false;
  return L->measure_bytes;
}

size_t lispy_env_size(lispy_State *L, lispy_Env *env) { return env ? lx_gc_env_size(L, env) : 0; }

/* Release the pools' chunks: the very last step of closing a state. */
void lx_mem_shutdown(lx_State *L) { lx_pool_free_all(L); }

/* Free every object (state shutdown). */
void lx_gc_free_all(lx_State *L) {
  L->gc_running = true;
  lx_Obj *o = L->objects;
  while (o) {
    lx_Obj *next = o->gc_next;
    /* Pooled objects owning nothing else go when the pools go. */
    bool owns =
        o->type == LX_VECTOR || o->type == LX_DICT || o->type == LX_PROTO || o->type == LX_HOST;
    if (owns || !lx_pooled(o->gc_size)) lx_free_obj(L, o);
    o = next;
  }
  L->objects = NULL;
  free(L->gray);
  L->gray = NULL;
  L->ngray = L->gray_cap = 0;
}
