/*
** audit.h -- the memory accounting audit shared by test_gc.c and
** test_limits.c. Every byte the allocator counts must belong to something:
** an object's header block and the arrays it owns, or one of the state's
** tables. The audit recomputes the total from scratch and compares it with
** mem_used, so accounted memory that leaks (or is freed with the wrong
** size) shows up even without a leak checker. Include after check.h.
*/
#ifndef LISPY_TEST_AUDIT_H
#define LISPY_TEST_AUDIT_H

#include "lx_state.h"

static size_t owned_by(const lx_Obj *o) {
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
      if (d->entries) n += d->cap * sizeof *d->entries;
      if (d->index) n += d->index_cap * sizeof *d->index;
      if (d->pos) n += d->cap * 2 * sizeof *d->pos;
      break;
    }
    case LX_PROTO: {
      const lx_Proto *p = (const lx_Proto *)o;
      if (p->code) n += p->ncode * sizeof *p->code;
      if (p->lines) n += p->ncode * sizeof *p->lines;
      if (p->consts) n += p->nconsts * sizeof *p->consts;
      if (p->protos) n += p->nprotos * sizeof *p->protos;
      if (p->captures) n += p->nupvals * sizeof *p->captures;
      break;
    }
    default: break;
  }
  return n;
}

/* Recomputed total of accounted bytes. */
static size_t audit_total(lx_State *S) {
  size_t n = 0;
  for (const lx_Obj *o = S->objects; o; o = o->gc_next) n += owned_by(o);
  n += S->stack_cap * sizeof *S->stack + S->frames_cap * sizeof *S->frames;
  if (S->handlers) n += S->handlers_cap * sizeof *S->handlers;
  if (S->refs) n += S->refs_cap * sizeof *S->refs;
  if (S->envs) n += S->envs_cap * sizeof *S->envs;
  if (S->symtab) n += S->symtab_cap * sizeof *S->symtab;
  if (S->files) n += S->files_cap * sizeof *S->files;
  for (size_t i = 0; i < S->nfiles; i++) n += strlen(S->files[i]) + 1;
  return n;
}

/* mem_used must equal the audit, to the byte. */
static void check_accounting_of(lx_State *S, const char *label) {
  size_t total = audit_total(S);
  if (total == S->mem_used) {
    passed++;
  } else {
    fprintf(stderr, "%s: accounting: mem_used %zu, owned %zu (%+lld bytes unowned)\n", label,
            S->mem_used, total, (long long)S->mem_used - (long long)total);
    failed++;
  }
}

#endif
