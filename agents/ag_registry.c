/*
** ag_registry.c -- a folder of *_agent.lispy files is the registry.
** Scanning globs the folders, loads new files, reloads files whose content
** changed and drops files that disappeared; one broken file never hides
** the others. Agents defined in the shell shadow file agents by name.
*/
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <sys/inotify.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ag_internal.h"

#define AG_SUFFIX "_agent.lispy"

/* Add a folder to scan (a copy; once per name); dropped when out of
** memory. Takes effect at the next ag_registry_scan. */
void ag_registry_add_dir(ag_Runtime *rt, const char *dir) {
  for (size_t i = 0; i < rt->ndirs; i++)
    if (strcmp(rt->dirs[i], dir) == 0) return;
  char **nd = realloc(rt->dirs, (rt->ndirs + 1) * sizeof *nd);
  if (!nd) return;
  rt->dirs = nd;
  rt->dirs[rt->ndirs++] = strdup(dir);
}

size_t ag_registry_dir_count(const ag_Runtime *rt) { return rt->ndirs; }
const char *ag_registry_dir(const ag_Runtime *rt, size_t i) { return rt->dirs[i]; }

/* ========================================================================
** Globbing
** ======================================================================== */

typedef struct ag_Paths {
  char **items;
  size_t n, cap;
} ag_Paths;

static void ag_paths_add(ag_Paths *p, char *path) {
  if (p->n == p->cap) {
    p->cap = p->cap ? p->cap * 2 : 64;
    p->items = realloc(p->items, p->cap * sizeof *p->items);
  }
  p->items[p->n++] = path;
}

static int ag_cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* name matches the glob *_agent.lispy: like a shell's *, not a dotfile
** (editors' lock and backup files, e.g. Emacs's .#x_agent.lispy, a
** dangling symlink, are not agents). */
static bool ag_has_suffix(const char *name) {
  size_t n = strlen(name), s = strlen(AG_SUFFIX);
  return n > s && name[0] != '.' && strcmp(name + n - s, AG_SUFFIX) == 0;
}

/* Add every *_agent.lispy of dir to out ("dir/name"); false (errno set)
** when dir cannot be read. */
static bool ag_glob_dir(const char *dir, ag_Paths *out) {
  DIR *d = opendir(dir); /* O_DIRECTORY|O_NONBLOCK: a FIFO fails, never blocks */
  if (!d) return false;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (!ag_has_suffix(e->d_name)) continue;
    size_t len = strlen(dir) + strlen(e->d_name) + 2;
    char *path = malloc(len);
    snprintf(path, len, "%s/%s", dir, e->d_name);
    ag_paths_add(out, path);
  }
  closedir(d);
  return true;
}

/* Every *_agent.lispy in the folders, sorted, each path once. */
static void ag_glob(ag_Runtime *rt, ag_Paths *out, ag_Diags *diags) {
  for (size_t i = 0; i < rt->ndirs; i++)
    if (!ag_glob_dir(rt->dirs[i], out))
      ag_diags_add(diags, rt->dirs[i], 0, 0, AG_WARNING, "A004",
                   "check --agents and LISPY_AGENTS_PATH", "agent folder cannot be read: %s",
                   strerror(errno));
  if (out->n) qsort(out->items, out->n, sizeof *out->items, ag_cmp_str);
}

bool ag_agent_files(const char *dir, char ***paths, size_t *n) {
  ag_Paths p = {NULL, 0, 0};
  bool ok = ag_glob_dir(dir, &p);
  if (p.n) qsort(p.items, p.n, sizeof *p.items, ag_cmp_str);
  *paths = p.items;
  *n = p.n;
  return ok;
}

bool ag_is_agent_file(const char *path) {
  size_t n = strlen(path), s = strlen(AG_SUFFIX);
  return n > s && strcmp(path + n - s, AG_SUFFIX) == 0;
}

/* ========================================================================
** Scanning
** ======================================================================== */

static void ag_list_add(char ***list, size_t *n, const char *s) {
  *list = realloc(*list, (*n + 1) * sizeof **list);
  (*list)[(*n)++] = strdup(s);
}

static int ag_cmp_agent_path(const void *a, const void *b) {
  return strcmp((*(ag_Agent *const *)a)->path, (*(ag_Agent *const *)b)->path);
}

/* The agent loaded from path among rt->files[0..nsorted), which the scan
** sorted by path: a binary search, so scanning n files costs n log n
** comparisons, not n^2 (20,000 files spent 80% of a scan here). */
static ag_Agent *ag_find_path(ag_Runtime *rt, size_t nsorted, const char *path, size_t *index) {
  size_t lo = 0, hi = nsorted;
  assert(nsorted <= rt->nfiles);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int c = strcmp(rt->files[mid]->path, path);
    if (c == 0) {
      *index = mid;
      return rt->files[mid];
    }
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

static void ag_files_add(ag_Runtime *rt, ag_Agent *a) {
  if (rt->nfiles == rt->capfiles) {
    rt->capfiles = rt->capfiles ? rt->capfiles * 2 : 64;
    rt->files = realloc(rt->files, rt->capfiles * sizeof *rt->files);
  }
  rt->files[rt->nfiles++] = a;
}

/* Load or reload one path; records it as added or changed. The file is
** read once, safely (ag_read_file_why): a FIFO, a device, a folder or an
** oversized file becomes an agent with a diagnostic, never a stall. */
static void ag_scan_one(ag_Runtime *rt, size_t nsorted, const char *path, ag_ScanReport *r) {
  size_t idx = 0, len = 0;
  char why[600];
  ag_Agent *old = ag_find_path(rt, nsorted, path, &idx);
  char *src = ag_read_file_why(path, AG_MAX_AGENT_FILE_BYTES, &len, why, sizeof why);
  uint64_t hash = src ? ag_hash_bytes(src, len) : ag_hash_bytes(why, strlen(why));
  if (old && old->hash == hash) {
    free(src);
    return; /* unchanged (or failing to read the same way) */
  }
  ag_Agent *a = src ? ag_agent_load_source(rt, src, len, path) : ag_agent_unreadable(rt, path, why);
  free(src);
  rt->registry_gen++; /* the index must not keep a freed agent */
  if (old) {
    ag_agent_free(old);
    rt->files[idx] = a;
    ag_list_add(&r->changed, &r->nchanged, path);
  } else {
    ag_files_add(rt, a);
    ag_list_add(&r->added, &r->nadded, path);
  }
}

/* Drop agents whose files are gone. */
static void ag_scan_removed(ag_Runtime *rt, const ag_Paths *seen, ag_ScanReport *r) {
  size_t keep = 0;
  for (size_t i = 0; i < rt->nfiles; i++) {
    ag_Agent *a = rt->files[i];
    if (seen->n && bsearch(&a->path, seen->items, seen->n, sizeof *seen->items, ag_cmp_str)) {
      rt->files[keep++] = a;
      continue;
    }
    ag_list_add(&r->removed, &r->nremoved, a->path);
    ag_agent_free(a);
    rt->registry_gen++;
  }
  rt->nfiles = keep;
}

/* Agents ordered by name, then path; unnamed ones first. */
static int ag_cmp_agent_name(const void *a, const void *b) {
  const ag_Agent *x = *(ag_Agent *const *)a, *y = *(ag_Agent *const *)b;
  if (!x->name || !y->name) return (x->name != NULL) - (y->name != NULL);
  int c = strcmp(x->name, y->name);
  return c ? c : strcmp(x->path, y->path);
}

/* Two files declaring one name: an error on each later file naming the
** first. Sorting by name finds them in n log n (pairwise was n^2). */
static void ag_scan_duplicates(ag_Runtime *rt, ag_ScanReport *r) {
  if (rt->nfiles < 2) return;
  ag_Agent **by_name = malloc(rt->nfiles * sizeof *by_name);
  if (!by_name) return;
  memcpy(by_name, rt->files, rt->nfiles * sizeof *by_name);
  qsort(by_name, rt->nfiles, sizeof *by_name, ag_cmp_agent_name);
  for (size_t first = 0, j = 1; j < rt->nfiles; j++) {
    ag_Agent *a = by_name[first], *b = by_name[j];
    if (!a->name || !b->name || strcmp(a->name, b->name) != 0) {
      first = j;
      continue;
    }
    ag_diags_add(&r->diags, b->path, b->line ? b->line : 1, 1, AG_ERROR, "A003",
                 "rename one of them; neither is callable by this name until then",
                 "agent name \"%s\" is also declared in %s", b->name, a->path);
  }
  free(by_name);
}

/* See agents.h. *r is overwritten (free a previous one first) and owned
** by the caller (ag_scan_report_free): the added, changed and removed
** paths and every diagnostic of the folders and of each file agent,
** copied. nbroken counts the agents that are not ag_agent_ok. */
void ag_registry_scan(ag_Runtime *rt, ag_ScanReport *r) {
  memset(r, 0, sizeof *r);
  ag_diags_init(&r->diags);
  ag_Paths paths = {NULL, 0, 0};
  ag_glob(rt, &paths, &r->diags);
  size_t nsorted = rt->nfiles; /* files added by this scan go after these */
  if (nsorted > 1) qsort(rt->files, nsorted, sizeof *rt->files, ag_cmp_agent_path);
  for (size_t i = 0; i < paths.n; i++) ag_scan_one(rt, nsorted, paths.items[i], r);
  ag_scan_removed(rt, &paths, r);
  /* The old environments of reloaded and removed agents are garbage now:
  ** collect them at once, so a folder edited all day under `watch` holds
  ** only its agents (one collection costs about what one load does). */
  if (r->nchanged || r->nremoved) lispy_gc(rt->L);
  ag_scan_duplicates(rt, r);
  for (size_t i = 0; i < rt->nfiles; i++) {
    ag_Agent *a = rt->files[i];
    for (size_t k = 0; k < a->diags.n; k++) {
      const ag_Diag *g = &a->diags.items[k];
      ag_diags_add(&r->diags, g->path, g->line, g->col, g->severity, g->code, g->hint, "%s",
                   g->message);
    }
    r->nbroken += !ag_agent_ok(a);
  }
  for (size_t i = 0; i < paths.n; i++) free(paths.items[i]);
  free(paths.items);
}

/* Free the path lists and diagnostics of a report (not r itself). */
void ag_scan_report_free(ag_ScanReport *r) {
  for (size_t i = 0; i < r->nadded; i++) free(r->added[i]);
  for (size_t i = 0; i < r->nchanged; i++) free(r->changed[i]);
  for (size_t i = 0; i < r->nremoved; i++) free(r->removed[i]);
  free(r->added);
  free(r->changed);
  free(r->removed);
  ag_diags_free(&r->diags);
}

/* ========================================================================
** Lookup
** ======================================================================== */

size_t ag_registry_count(const ag_Runtime *rt) { return rt->ndefined + rt->nfiles; }

ag_Agent *ag_registry_at(ag_Runtime *rt, size_t i) {
  return i < rt->ndefined ? rt->defined[i] : rt->files[i - rt->ndefined];
}

/* The index slot for name: the one holding it or the empty one where it
** would go. */
static size_t ag_index_slot(const ag_Runtime *rt, const char *name) {
  size_t mask = rt->index_cap - 1;
  size_t i = (size_t)ag_hash_bytes(name, strlen(name)) & mask;
  while (rt->index[i].name && strcmp(rt->index[i].name, name) != 0) i = (i + 1) & mask;
  return i;
}

/* Enter a under its name. A name already taken becomes ambiguous (agent
** NULL) unless shadow, when a replaces it; the name is borrowed from the
** agent, so the index is rebuilt whenever registry_gen moves. */
static void ag_index_put(ag_Runtime *rt, ag_Agent *a, bool shadow) {
  ag_IndexEntry *e = &rt->index[ag_index_slot(rt, a->name)];
  bool taken = e->name != NULL;
  e->name = a->name;
  e->agent = taken && !shadow ? NULL : a;
}

/* Rebuild when the set of agents changed: files first (a name declared
** twice is ambiguous), then shell definitions, which shadow them. */
static void ag_index_build(ag_Runtime *rt) {
  size_t need = 16;
  while (need < 2 * (rt->nfiles + rt->ndefined)) need *= 2;
  free(rt->index);
  rt->index = calloc(need, sizeof *rt->index);
  rt->index_cap = need;
  for (size_t i = 0; i < rt->nfiles; i++)
    if (rt->files[i]->name) ag_index_put(rt, rt->files[i], false);
  for (size_t i = 0; i < rt->ndefined; i++)
    if (rt->defined[i]->name) ag_index_put(rt, rt->defined[i], true);
  rt->index_gen = rt->registry_gen;
}

/* A callable agent by name: shell definitions shadow files; a name two
** files declare finds nothing. */
ag_Agent *ag_registry_find(ag_Runtime *rt, const char *name) {
  if (!rt->index || rt->index_gen != rt->registry_gen) ag_index_build(rt);
  return rt->index[ag_index_slot(rt, name)].agent;
}

/* The file agent `name` lives in by the naming rule (NAME_agent.lispy),
** whatever it declares: when its top level failed before the descriptor
** was defined, the file is all there is to say what went wrong. */
static const ag_Agent *ag_registry_by_stem(const ag_Runtime *rt, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < rt->nfiles; i++) {
    const char *base = strrchr(rt->files[i]->path, '/');
    base = base ? base + 1 : rt->files[i]->path;
    if (strncmp(base, name, n) == 0 && strcmp(base + n, "_agent.lispy") == 0) return rt->files[i];
  }
  return NULL;
}

/* Why agent a cannot be called: its first error diagnostic. */
static cJSON *ag_registry_broken(const ag_Agent *a, const char *name) {
  const char *why = "it has lint errors";
  for (size_t i = 0; i < a->diags.n; i++)
    if (a->diags.items[i].severity == AG_ERROR) {
      why = a->diags.items[i].message;
      break;
    }
  char msg[2400];
  snprintf(msg, sizeof msg,
           "agent \"%.300s\" is not callable: %.600s failed to load or lint: "
           "%.800s (hint: lispy lint %.300s)",
           name, a->path, why, a->path);
  return ag_envelope_error("not_found", msg);
}

/* The not_found envelope for name: a name that two or more files declare
** names the files (the first two and how many more), so the caller learns
** why the agent it can see in the folder is not callable; a single file
** (by name, else by the NAME_agent.lispy stem) that failed to load or
** lint gives its first error. The caller owns the envelope. */
cJSON *ag_registry_not_found(ag_Runtime *rt, const char *name) {
  const ag_Agent *first_agent = NULL;
  const char *first = NULL, *second = NULL;
  size_t count = 0;
  for (size_t i = 0; i < rt->nfiles; i++) {
    const ag_Agent *a = rt->files[i];
    if (!a->name || strcmp(a->name, name) != 0) continue;
    if (count == 0) first = a->path, first_agent = a;
    else if (count == 1) second = a->path;
    count++;
  }
  char msg[2048], more[64] = "";
  if (count < 2) {
    const ag_Agent *a = first_agent ? first_agent : ag_registry_by_stem(rt, name);
    if (a && !ag_agent_ok(a)) return ag_registry_broken(a, name);
    snprintf(msg, sizeof msg, "no agent named \"%.500s\"", name);
    return ag_envelope_error("not_found", msg);
  }
  if (count > 2) snprintf(more, sizeof more, " (and %zu more)", count - 2);
  snprintf(msg, sizeof msg,
           "agent name \"%.300s\" is declared by two files, %.600s and %.600s%s; "
           "neither is callable until one is renamed",
           name, first, second, more);
  return ag_envelope_error("not_found", msg);
}

unsigned ag_registry_generation(const ag_Runtime *rt) { return rt->registry_gen; }

/* See agents.h. A previous definition of the same name is freed and
** replaced in place, else a is appended; either way the generation moves
** so the index is rebuilt. */
void ag_registry_put(ag_Runtime *rt, ag_Agent *a) {
  rt->registry_gen++;
  for (size_t i = 0; i < rt->ndefined; i++)
    if (a->name && rt->defined[i]->name && strcmp(rt->defined[i]->name, a->name) == 0) {
      ag_agent_free(rt->defined[i]);
      rt->defined[i] = a;
      return;
    }
  if (rt->ndefined == rt->capdefined) {
    rt->capdefined = rt->capdefined ? rt->capdefined * 2 : 8;
    rt->defined = realloc(rt->defined, rt->capdefined * sizeof *rt->defined);
  }
  rt->defined[rt->ndefined++] = a;
}

bool ag_registry_forget(ag_Runtime *rt, const char *name) {
  for (size_t i = 0; i < rt->ndefined; i++) {
    if (!rt->defined[i]->name || strcmp(rt->defined[i]->name, name) != 0) continue;
    ag_agent_free(rt->defined[i]);
    memmove(&rt->defined[i], &rt->defined[i + 1], (rt->ndefined - i - 1) * sizeof *rt->defined);
    rt->ndefined--;
    rt->registry_gen++;
    lispy_gc(rt->L);
    return true;
  }
  return false;
}

/* Free every shell-defined agent and collect their environments at once;
** the generation moves, so file agents they shadowed are found again. */
size_t ag_registry_remove_defined(ag_Runtime *rt) {
  size_t n = rt->ndefined;
  rt->registry_gen++;
  for (size_t i = 0; i < rt->ndefined; i++) ag_agent_free(rt->defined[i]);
  if (rt->ndefined) lispy_gc(rt->L); /* their environments go at once, as on a rescan */
  rt->ndefined = 0;
  return n;
}

/* ========================================================================
** Watching
** ======================================================================== */

int ag_registry_watch_open(const ag_Runtime *rt) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return -1;
  uint32_t mask = IN_CREATE | IN_DELETE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_MODIFY;
  for (size_t i = 0; i < rt->ndirs; i++) inotify_add_watch(fd, rt->dirs[i], mask);
  return fd;
}

/* Read every pending event from the non-blocking fd; true when one named
** a *_agent.lispy file (events on the folder itself have no name). */
bool ag_registry_watch_drain(int fd) {
  char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
  bool relevant = false;
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    for (char *p = buf; p < buf + n;) {
      const struct inotify_event *e = (const struct inotify_event *)p;
      if (e->len && ag_has_suffix(e->name)) relevant = true;
      p += sizeof *e + e->len;
    }
  }
  return relevant;
}
