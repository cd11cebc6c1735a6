/*
** ag_runtime.c -- the runtime: one LisPy state with the context bindings,
** the limits every load and call runs under, and the context backend.
*/
#include <stdlib.h>
#include <string.h>

#include "ag_internal.h"

uint64_t ag_hash_bytes(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ULL;  /* FNV-1a 64 */
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

char *ag_read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 4096, n = 0, got;
  char *buf = malloc(cap + 1);
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *nb = realloc(buf, cap * 2 + 1);
      if (!nb) { free(buf); buf = NULL; break; }
      buf = nb;
      cap *= 2;
    }
  }
  fclose(f);
  if (!buf) return NULL;
  buf[n] = '\0';
  *len = n;
  return buf;
}

ag_Runtime *ag_runtime_new(void) {
  ag_Runtime *rt = calloc(1, sizeof *rt);
  if (!rt) return NULL;
  rt->L = lispy_open();
  char *err = NULL;
  if (!rt->L || !ag_mock_new(NULL, &rt->backend, &err)) {
    free(err);
    if (rt->L) lispy_close(rt->L);
    free(rt);
    return NULL;
  }
  rt->limits = lispy_default_limits();
  rt->backend_gen = 1;
  lispy_set_limits(rt->L, &rt->limits);
  ag_context_register(rt);
  return rt;
}

static void ag_agents_free(ag_Agent **list, size_t n) {
  for (size_t i = 0; i < n; i++) ag_agent_free(list[i]);
  free(list);
}

void ag_runtime_free(ag_Runtime *rt) {
  if (!rt) return;
  ag_agents_free(rt->files, rt->nfiles);
  ag_agents_free(rt->defined, rt->ndefined);
  free(rt->index);
  for (size_t i = 0; i < rt->ndirs; i++) free(rt->dirs[i]);
  free(rt->dirs);
  if (rt->backend.destroy) rt->backend.destroy(rt->backend.self);
  lispy_close(rt->L);
  free(rt);
}

lispy_State *ag_runtime_lispy(ag_Runtime *rt) { return rt->L; }

void ag_runtime_set_limits(ag_Runtime *rt, const lispy_Limits *limits) {
  rt->limits = *limits;
  lispy_set_limits(rt->L, limits);
}

lispy_Limits ag_runtime_limits(const ag_Runtime *rt) { return rt->limits; }

void ag_runtime_set_backend(ag_Runtime *rt, ag_Backend backend) {
  if (rt->backend.destroy) rt->backend.destroy(rt->backend.self);
  rt->backend = backend;
  rt->backend_gen++;
}

void ag_runtime_backend_changed(ag_Runtime *rt) { rt->backend_gen++; }

ag_Backend *ag_runtime_backend(ag_Runtime *rt) { return &rt->backend; }
