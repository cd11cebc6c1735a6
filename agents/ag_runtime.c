/*
** ag_runtime.c -- the runtime: one LisPy state with the context bindings,
** the limits every load and call runs under, and the context backend.
*/
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ag_config.h"
#include "ag_internal.h"

uint64_t ag_hash_bytes(const char *s, size_t len) {
  uint64_t h = 1469598103934665603ULL; /* FNV-1a 64 */
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 1099511628211ULL;
  }
  return h;
}

/* The bytes a JSON tree holds: its nodes, keys and strings. Used to keep
** what agents leave in host memory (store, logs, traces) under caps. */
size_t ag_json_weight(const cJSON *j) {
  size_t w = 0;
  for (; j != NULL; j = j->next) {
    w += sizeof *j;
    if (j->string) w += strlen(j->string) + 1;
    if (j->valuestring) w += strlen(j->valuestring) + 1;
    w += ag_json_weight(j->child);
  }
  return w;
}

/* ========================================================================
** Reading agent files: regular files only, never blocking, under a cap
** ======================================================================== */

/* What a non-regular file is, for a diagnostic ("a FIFO (named pipe)"). */
static const char *ag_file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

/* Why stat(path) failed: a broken or looping symlink names its target;
** anything else is the system's reason. */
static void ag_stat_failure(const char *path, int err, char *why, size_t len) {
  struct stat lst;
  char target[512];
  if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
    ssize_t n = readlink(path, target, sizeof target - 1);
    target[n > 0 ? n : 0] = '\0';
    if (err == ELOOP) snprintf(why, len, "symbolic link loop at '%s'", target);
    else snprintf(why, len, "broken symbolic link to '%s' (%s)", target, strerror(err));
    return;
  }
  snprintf(why, len, "%s", strerror(err));
}

/* "4 MiB", "512 KiB" or "1000 bytes": a cap as people write it. */
static void ag_format_bytes(size_t n, char *out, size_t len) {
  if (n >= (1u << 20) && n % (1u << 20) == 0) snprintf(out, len, "%zu MiB", n >> 20);
  else if (n >= 1024 && n % 1024 == 0) snprintf(out, len, "%zu KiB", n >> 10);
  else snprintf(out, len, "%zu bytes", n);
}

/* Refuse what is not a regular file of at most max bytes; true if st is. */
static bool ag_file_acceptable(const struct stat *st, size_t max, char *why, size_t len) {
  if (!S_ISREG(st->st_mode)) {
    snprintf(why, len, "it is %s, not a regular file", ag_file_kind(st->st_mode));
    return false;
  }
  if ((uintmax_t)st->st_size > max) {
    char cap[64];
    ag_format_bytes(max, cap, sizeof cap);
    snprintf(why, len, "it is %jd bytes, above the agent file cap of %s", (intmax_t)st->st_size,
             cap);
    return false;
  }
  return true;
}

/* Read all of fd, at most max bytes (a file growing past the cap while it
** is read is refused too); malloc'd and NUL-terminated, or NULL. hint is
** the size fstat saw: the buffer starts there, so one read usually does. */
static char *ag_read_fd(int fd, size_t max, size_t hint, size_t *len, char *why, size_t whylen) {
  size_t cap = hint < 4096 ? 4096 : hint + 1, n = 0;
  if (cap > max + 1) cap = max + 1; /* room for one byte past the cap */
  char *buf = malloc(cap + 1);
  for (;;) {
    if (!buf) {
      snprintf(why, whylen, "out of memory reading it");
      return NULL;
    }
    if (n > max) {
      char capped[64];
      ag_format_bytes(max, capped, sizeof capped);
      snprintf(why, whylen, "it grew above the agent file cap of %s while being read", capped);
      free(buf);
      return NULL;
    }
    if (n == cap) { /* n <= max here, so cap < max + 1 can grow */
      size_t ncap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
      char *nb = realloc(buf, ncap + 1);
      if (!nb) free(buf);
      buf = nb;
      cap = ncap;
      continue;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      snprintf(why, whylen, "%s", strerror(errno));
      free(buf);
      return NULL;
    }
    if (got == 0) break;
    n += (size_t)got;
  }
  buf[n] = '\0';
  *len = n;
  return buf;
}

/* The file is checked with stat before it is opened (a FIFO or a device
** is never opened), opened with O_NONBLOCK (a FIFO swapped in meanwhile
** cannot block the open) and checked again on the descriptor. */
char *ag_read_file_why(const char *path, size_t max, size_t *len, char *why, size_t whylen) {
  assert(path && len && why && whylen > 0);
  struct stat st;
  if (stat(path, &st) != 0) {
    ag_stat_failure(path, errno, why, whylen);
    return NULL;
  }
  if (!ag_file_acceptable(&st, max, why, whylen)) return NULL;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    snprintf(why, whylen, "%s", strerror(errno));
    return NULL;
  }
  char *text = NULL;
  if (fstat(fd, &st) == 0 && ag_file_acceptable(&st, max, why, whylen))
    text = ag_read_fd(fd, max, (size_t)st.st_size, len, why, whylen);
  close(fd);
  return text;
}

/* A runtime with a fresh lispy state, the default limits, the mock
** backend, the JSON cap at AG_MAX_RESULT_BYTES and the context natives
** registered; no folders, no agents. NULL when the state or the mock
** cannot be made. Free it with ag_runtime_free. */
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
  lispy_set_json_cap(rt->L, AG_MAX_RESULT_BYTES); /* results, error data, descriptors */
  ag_context_register(rt);
  return rt;
}

static void ag_agents_free(ag_Agent **list, size_t n) {
  for (size_t i = 0; i < n; i++) ag_agent_free(list[i]);
  free(list);
}

/* Free every agent (file and shell), the index, the folders, the backend
** (through its destroy) and then the lispy state; NULL is allowed. The
** agents go first: they hold references into the state. */
void ag_runtime_free(ag_Runtime *rt) {
  if (!rt) return;
  ag_agents_free(rt->files, rt->nfiles);
  ag_agents_free(rt->defined, rt->ndefined);
  free(rt->index);
  for (size_t i = 0; i < rt->ndirs; i++) free(rt->dirs[i]);
  free(rt->dirs);
  if (rt->backend.destroy) rt->backend.destroy(rt->backend.self);
  lispy_close(rt->L);
  free(rt->shared_store);
  free(rt);
}

void ag_runtime_share_store(ag_Runtime *rt, const char *ns) {
  free(rt->shared_store);
  rt->shared_store = ag_strdup(ns);
}

lispy_State *ag_runtime_lispy(ag_Runtime *rt) { return rt->L; }

void ag_runtime_set_limits(ag_Runtime *rt, const lispy_Limits *limits) {
  rt->limits = *limits;
  lispy_set_limits(rt->L, limits);
}

lispy_Limits ag_runtime_limits(const ag_Runtime *rt) { return rt->limits; }

/* ========================================================================
** Limits from text and JSON, strictly
** ======================================================================== */

/* Largest value of each whole-number limit (its C type's range). */
static uint64_t ag_limit_max(const char *name) {
  return strcmp(name, "fuel") == 0 ? (uint64_t)INT64_MAX : (uint64_t)SIZE_MAX;
}

/* What a whole-number limit expects, for messages. */
static const char *ag_limit_expects(const char *name) {
  if (strcmp(name, "memory") == 0)
    return "a whole number of bytes (0: unlimited), optionally with k, m or g (KiB, MiB, GiB)";
  if (strcmp(name, "fuel") == 0)
    return "a whole number of steps (0: unlimited), optionally with k, m or g (thousand, million, "
           "billion)";
  return "a whole number of nested calls (0: the default), optionally with k, m or g (thousand, "
         "million, billion)";
}

/* Store v, already range-checked against ag_limit_max, into the
** whole-number limit name (fuel, memory, else depth). */
static void ag_limit_store(lispy_Limits *l, const char *name, uint64_t v) {
  if (strcmp(name, "fuel") == 0) l->fuel = (int64_t)v;
  else if (strcmp(name, "memory") == 0) l->memory = (size_t)v;
  else l->depth = (size_t)v;
}

/* The multiplier of a k/m/g suffix (1024-based for memory, 1000-based for
** counts); 1 with no suffix; 0 for anything else. */
static uint64_t ag_suffix_scale(const char *name, const char *s) {
  uint64_t base = strcmp(name, "memory") == 0 ? 1024 : 1000;
  if (*s == '\0') return 1;
  if (s[1] != '\0') return 0;
  switch (*s) {
    case 'k':
    case 'K': return base;
    case 'm':
    case 'M': return base * base;
    case 'g':
    case 'G': return base * base * base;
    default: return 0;
  }
}

/* digits [k|m|g], within the limit's range. */
static bool ag_parse_whole(lispy_Limits *l, const char *name, const char *text, char *why,
                           size_t len) {
  uint64_t v = 0, max = ag_limit_max(name);
  const char *p = text;
  bool overflow = false;
  for (; *p >= '0' && *p <= '9'; p++) {
    unsigned d = (unsigned)(*p - '0');
    if (v > (max - d) / 10) overflow = true;
    else v = v * 10 + d;
  }
  uint64_t scale = p > text ? ag_suffix_scale(name, p) : 0;
  if (scale == 0) {
    snprintf(why, len, "expected %s; got '%.80s'", ag_limit_expects(name), text);
    return false;
  }
  if (overflow || v > max / scale) {
    snprintf(why, len, "'%.80s' is too large (at most %" PRIu64 ")", text, max);
    return false;
  }
  ag_limit_store(l, name, v * scale);
  return true;
}

/* digits [. digits] [s|ms]: seconds, at most AG_MAX_TIMEOUT_SECONDS. */
static bool ag_parse_seconds(lispy_Limits *l, const char *text, char *why, size_t len) {
  const char *p = text;
  size_t int_digits = strspn(p, "0123456789");
  p += int_digits;
  if (int_digits && *p == '.') {
    size_t frac = strspn(p + 1, "0123456789");
    p = frac ? p + 1 + frac : text; /* "2." is not a number */
  }
  double scale = strcmp(p, "ms") == 0 ? 1e-3 : (*p == '\0' || strcmp(p, "s") == 0) ? 1 : 0;
  if (!int_digits || p == text || scale == 0) {
    snprintf(why, len,
             "expected seconds as a decimal number (2, 0.25; 0: no limit), "
             "optionally with s or ms; got '%.80s'",
             text);
    return false;
  }
  double v =
      int_digits > 20 ? INFINITY : strtod(text, NULL) * scale; /* the prefix is plain decimal */
  if (!(v <= AG_MAX_TIMEOUT_SECONDS)) {
    snprintf(why, len, "'%.80s' is too large (at most %.0f seconds)", text, AG_MAX_TIMEOUT_SECONDS);
    return false;
  }
  l->timeout = v;
  return true;
}

static bool ag_limit_known(const char *name, char *why, size_t len) {
  if (strcmp(name, "fuel") == 0 || strcmp(name, "memory") == 0 || strcmp(name, "depth") == 0 ||
      strcmp(name, "timeout") == 0)
    return true;
  snprintf(why, len, "unknown limit '%.40s' (fuel, memory, depth, timeout)", name);
  return false;
}

bool ag_limit_parse(lispy_Limits *l, const char *name, const char *text, char *why, size_t whylen) {
  assert(l && name && text && why);
  if (!ag_limit_known(name, why, whylen)) return false;
  if (strcmp(name, "timeout") == 0) return ag_parse_seconds(l, text, why, whylen);
  return ag_parse_whole(l, name, text, why, whylen);
}

/* See agents.h. The name is checked first (unknown: false, why set);
** timeout is seconds in [0, AG_MAX_TIMEOUT_SECONDS], the others whole
** numbers below ag_limit_max. l changes only on success. */
bool ag_limit_set_number(lispy_Limits *l, const char *name, double v, char *why, size_t whylen) {
  assert(l && name && why);
  if (!ag_limit_known(name, why, whylen)) return false;
  if (strcmp(name, "timeout") == 0) {
    if (!(v >= 0 && v <= AG_MAX_TIMEOUT_SECONDS)) {
      snprintf(why, whylen, "limit \"timeout\" must be seconds from 0 to %.0f",
               AG_MAX_TIMEOUT_SECONDS);
      return false;
    }
    l->timeout = v;
    return true;
  }
  uint64_t max = ag_limit_max(name);
  /* (double)max rounds up to 2^63 or 2^64, itself out of range: hence <. */
  if (!(v >= 0 && v < (double)max && v == floor(v))) {
    snprintf(why, whylen, "limit \"%s\" must be a whole number from 0 to %" PRIu64, name, max);
    return false;
  }
  ag_limit_store(l, name, (uint64_t)v);
  return true;
}

/* Replace the backend, destroying the old one first (its destroy may be
** NULL); the generation moves so cached context values are rebuilt. The
** runtime owns the new backend's self. */
void ag_runtime_set_backend(ag_Runtime *rt, ag_Backend backend) {
  if (rt->backend.destroy) rt->backend.destroy(rt->backend.self);
  rt->backend = backend;
  rt->backend_gen++;
}

void ag_runtime_backend_changed(ag_Runtime *rt) { rt->backend_gen++; }

ag_Backend *ag_runtime_backend(ag_Runtime *rt) { return &rt->backend; }
