/*
** test_hostile.c -- the hostile corpus: every file of tests/hostile/ is an
** attack on the sandbox (issue 9's classes and the variants found since),
** run in ONE runtime that holds them all, as the shell and servers do.
**
** Each file's header (";; key: value" lines, see tests/hostile/README.md)
** says what must happen: the call's envelope kind (ok, runtime, limit with
** the limit's name) or a load failure with its diagnostics, within a time
** bound. After the folder is loaded and after every hostile call, every
** benign_*_agent.lispy is called and must still return its expected value:
** no agent may change what another sees. Memory must come back to the
** baseline after each call (up to what a file declares it retains).
**
** The time bounds are stretched by LISPY_TEST_TIME_SCALE (the sanitizer
** build sets it: everything runs several times slower there).
*/
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ag_config.h"
#include "agents.h"
#include "check.h"

#define HOSTILE_DIR        "tests/hostile"
#define MOCK_FILE          "examples/mock.json"
#define MAX_FILES          512
#define MAX_DIAGS          8
/* Heap growth tolerated after a call that declares no `retains:` (context
** caches and interned names of a first call). */
#define SLACK_BYTES        (512u << 10)
/* No envelope may be bigger than a capped value plus a capped trace. */
#define MAX_ENVELOPE_BYTES (AG_MAX_RESULT_BYTES + 2 * AG_MAX_TRACE_BYTES + (64u << 10))
/* What agents can leave in the backend (stores, logs), all together. */
#define MAX_BACKEND_BYTES  (48u << 20)

/* ==== One corpus file ===================================================== */

typedef struct Case {
  char path[512];               /* tests/hostile/<file> */
  char name[128];               /* agent name: the file stem without _agent */
  char what[256];               /* the hostile: line */
  bool benign;                  /* benign_*: checked after every hostile call */
  char *args;                   /* args: JSON text (malloc'd) or NULL */
  lispy_Limits limits;          /* defaults overridden by limits: */
  char expect[32];              /* ok, runtime, limit, load, ... */
  char expect_limit[32];        /* limit name after "limit", or "" */
  char *expect_message;         /* substring of the error message, or NULL */
  char *expect_value;           /* JSON text, or NULL */
  char *expect_diag[MAX_DIAGS]; /* load: code or message substrings */
  int ndiag;
  double within;   /* seconds; <= 0: derived from the timeout */
  size_t retains;  /* heap bytes the agent may keep across calls */
  int calls;       /* calls in a row (calls:); 0 means 1 */
  size_t rss_back; /* rss-back: resident bytes allowed to stay; 0: unchecked */
  bool trace;      /* trace: on -- call with the context trace */
} Case;

static lispy_Limits default_limits(void) {
  lispy_Limits l = lispy_default_limits();
  l.fuel = 10000000;
  l.memory = 64u << 20;
  l.depth = 10000;
  l.timeout = 2.0;
  return l;
}

/* A size with an optional k/m/g suffix; -1 when malformed. */
static double parse_size(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (end == s) return -1;
  switch (tolower((unsigned char)*end)) {
    case 'k':
      v *= 1024;
      end++;
      break;
    case 'm':
      v *= 1024 * 1024;
      end++;
      break;
    case 'g':
      v *= 1024.0 * 1024 * 1024;
      end++;
      break;
    default: break;
  }
  return *end == '\0' || isspace((unsigned char)*end) ? v : -1;
}

static char *dup_trimmed(const char *s) {
  while (isspace((unsigned char)*s)) s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1])) n--;
  char *d = malloc(n + 1);
  memcpy(d, s, n);
  d[n] = '\0';
  return d;
}

/* "fuel=N memory=N timeout=S depth=N" over the defaults. */
static bool parse_limits(Case *c, const char *s) {
  char buf[256];
  snprintf(buf, sizeof buf, "%s", s);
  for (char *tok = strtok(buf, " \t"); tok; tok = strtok(NULL, " \t")) {
    char *eq = strchr(tok, '=');
    if (!eq) return false;
    *eq = '\0';
    double v = parse_size(eq + 1);
    if (v < 0) return false;
    if (strcmp(tok, "fuel") == 0) c->limits.fuel = (int64_t)v;
    else if (strcmp(tok, "memory") == 0) c->limits.memory = (size_t)v;
    else if (strcmp(tok, "timeout") == 0) c->limits.timeout = v;
    else if (strcmp(tok, "depth") == 0) c->limits.depth = (size_t)v;
    else return false;
  }
  return true;
}

/* One header line "key: value" into c; false when the key is unknown. */
static bool parse_header(Case *c, const char *key, const char *value) {
  if (strcmp(key, "hostile") == 0 || strcmp(key, "benign") == 0) {
    char *what = dup_trimmed(value);
    snprintf(c->what, sizeof c->what, "%s", what);
    free(what);
  } else if (strcmp(key, "args") == 0) {
    c->args = dup_trimmed(value);
  } else if (strcmp(key, "limits") == 0) {
    return parse_limits(c, value);
  } else if (strcmp(key, "expect") == 0) {
    if (sscanf(value, "%31s %31s", c->expect, c->expect_limit) < 1) return false;
  } else if (strcmp(key, "expect-message") == 0) {
    c->expect_message = dup_trimmed(value);
  } else if (strcmp(key, "expect-value") == 0) {
    c->expect_value = dup_trimmed(value);
  } else if (strcmp(key, "expect-diag") == 0) {
    if (c->ndiag == MAX_DIAGS) return false;
    c->expect_diag[c->ndiag++] = dup_trimmed(value);
  } else if (strcmp(key, "within") == 0) {
    c->within = atof(value);
  } else if (strcmp(key, "calls") == 0) {
    c->calls = atoi(value);
    if (c->calls < 1 || c->calls > 1000) return false;
  } else if (strcmp(key, "rss-back") == 0) {
    double v = parse_size(value);
    if (v <= 0) return false;
    c->rss_back = (size_t)v;
  } else if (strcmp(key, "trace") == 0) {
    c->trace = strstr(value, "on") != NULL;
  } else if (strcmp(key, "retains") == 0) {
    double v = parse_size(value);
    if (v < 0) return false;
    c->retains = (size_t)v;
  } else {
    return false;
  }
  return true;
}

/* Read the header of the file at c->path: the ";; key: value" lines of
** the comment block the file starts with. */
static bool read_case(Case *c) {
  FILE *f = fopen(c->path, "r");
  if (!f) {
    perror(c->path);
    return false;
  }
  char line[4096];
  bool ok = true;
  while (fgets(line, sizeof line, f)) {
    if (strncmp(line, ";;", 2) != 0) break;
    char *p = line + 2;
    while (*p == ' ') p++;
    char *colon = strchr(p, ':');
    if (!colon || colon == p) continue;
    bool key_like = true;
    for (char *q = p; q < colon; q++)
      if (!(islower((unsigned char)*q) || *q == '-')) key_like = false;
    if (!key_like) continue; /* prose, or a continuation line */
    *colon = '\0';
    if (!parse_header(c, p, colon + 1)) {
      fprintf(stderr, "%s: bad header line \"%s:%s\"\n", c->path, p, colon + 1);
      ok = false;
    }
  }
  fclose(f);
  if (c->expect[0] == '\0') {
    fprintf(stderr, "%s: no \"expect:\" line\n", c->path);
    ok = false;
  }
  if (c->benign && (strcmp(c->expect, "ok") != 0 || !c->expect_value)) {
    fprintf(stderr, "%s: a benign agent needs expect: ok and an expect-value\n", c->path);
    ok = false;
  }
  return ok;
}

static void free_case(Case *c) {
  free(c->args);
  free(c->expect_message);
  free(c->expect_value);
  for (int i = 0; i < c->ndiag; i++) free(c->expect_diag[i]);
}

static int by_path(const void *a, const void *b) {
  return strcmp(((const Case *)a)->path, ((const Case *)b)->path);
}

/* Every *_agent.lispy of the corpus, sorted by file name. */
static size_t list_cases(Case *cases) {
  DIR *d = opendir(HOSTILE_DIR);
  if (!d) {
    perror(HOSTILE_DIR);
    return 0;
  }
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL && n < MAX_FILES) {
    size_t len = strlen(e->d_name);
    const char *suffix = "_agent.lispy";
    size_t slen = strlen(suffix);
    if (len <= slen || strcmp(e->d_name + len - slen, suffix) != 0) continue;
    Case *c = &cases[n];
    memset(c, 0, sizeof *c);
    snprintf(c->path, sizeof c->path, HOSTILE_DIR "/%s", e->d_name);
    snprintf(c->name, sizeof c->name, "%.*s", (int)(len - slen), e->d_name);
    c->benign = strncmp(e->d_name, "benign_", 7) == 0;
    c->limits = default_limits();
    n++;
  }
  closedir(d);
  qsort(cases, n, sizeof *cases, by_path);
  return n;
}

/* ==== Checks ================================================================ */

static double slowdown = 1.0; /* time_scale(), read once */

static double bound_seconds(const Case *c) {
  double t = c->within > 0 ? c->within : c->limits.timeout > 0 ? 2 * c->limits.timeout + 1 : 5;
  return t * slowdown;
}

/* The agent the registry loaded from c's file, or NULL. */
static ag_Agent *agent_of(ag_Runtime *rt, const Case *c) {
  for (size_t i = 0; i < ag_registry_count(rt); i++) {
    ag_Agent *a = ag_registry_at(rt, i);
    const char *p = strrchr(a->path, '/');
    const char *q = strrchr(c->path, '/');
    if (p && q && strcmp(p, q) == 0) return a;
  }
  return NULL;
}

static bool value_matches(const cJSON *value, const char *want_text) {
  cJSON *want = cJSON_Parse(want_text);
  bool same = want && value && cJSON_Compare(value, want, true);
  cJSON_Delete(want);
  return same;
}

/* Check an envelope against c's expectations; prints what differs. */
static bool check_envelope(const Case *c, const cJSON *env) {
  char *text = cJSON_PrintUnformatted(env);
  bool good = text != NULL && strlen(text) <= MAX_ENVELOPE_BYTES;
  bool ok = cJSON_IsTrue(cJSON_GetObjectItem(env, "ok"));
  const cJSON *err = cJSON_GetObjectItem(env, "error");
  const char *kind = ok ? "ok" : cJSON_GetStringValue(cJSON_GetObjectItem(err, "kind"));
  if (!kind || strcmp(kind, c->expect) != 0) {
    good = false;
  } else if (ok && c->expect_value) {
    good = value_matches(cJSON_GetObjectItem(env, "value"), c->expect_value);
  } else if (!ok) {
    const char *lim = cJSON_GetStringValue(cJSON_GetObjectItem(err, "limit"));
    const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(err, "message"));
    if (c->expect_limit[0] && (!lim || strcmp(lim, c->expect_limit) != 0)) good = false;
    if (c->expect_message && (!msg || !strstr(msg, c->expect_message))) good = false;
  }
  if (!good) {
    fprintf(stderr, "%s: want %s %s%s%s%s, got %.2000s\n", c->path, c->expect, c->expect_limit,
            c->expect_message ? " \"" : "", c->expect_message ? c->expect_message : "",
            c->expect_message ? "\"" : "", text ? text : "(unprintable)");
  }
  free(text);
  return good;
}

/* A load failure: the agent is not callable and every expected
** diagnostic (a code such as A701, or a substring of a message) is there. */
static bool check_load_failure(ag_Runtime *rt, const Case *c) {
  ag_Agent *a = agent_of(rt, c);
  if (!a) {
    fprintf(stderr, "%s: not in the registry at all\n", c->path);
    return false;
  }
  bool good = true;
  if (ag_agent_ok(a)) {
    fprintf(stderr, "%s: loaded and callable, want a load failure\n", c->path);
    good = false;
  }
  for (int k = 0; k < c->ndiag; k++) {
    bool found = false;
    for (size_t i = 0; i < a->diags.n && !found; i++) {
      const ag_Diag *d = &a->diags.items[i];
      found = strcmp(d->code, c->expect_diag[k]) == 0 ||
              (d->message && strstr(d->message, c->expect_diag[k]));
    }
    if (!found) {
      fprintf(stderr, "%s: no diagnostic \"%s\"; it has:\n", c->path, c->expect_diag[k]);
      for (size_t i = 0; i < a->diags.n; i++) ag_diag_print(stderr, &a->diags.items[i], false);
      good = false;
    }
  }
  return good;
}

/* Call c's agent under its limits (c->calls times in a row: the earlier
** calls may also be ok, the last must be as expected); checks the
** envelopes and the time of each call. *elapsed is the slowest call's. */
static bool run_case(ag_Runtime *rt, const Case *c, double *elapsed) {
  cJSON *args = c->args ? cJSON_Parse(c->args) : cJSON_CreateObject();
  if (!args) {
    fprintf(stderr, "%s: args: is not JSON\n", c->path);
    return false;
  }
  /* A slower build stretches the time limit as much as the bounds, so
  ** that a file expecting the fuel limit is not stopped by the clock; a
  ** file expecting the time limit keeps its own (the clock is no slower,
  ** and the suite no longer). */
  lispy_Limits lim = c->limits;
  if (strcmp(c->expect_limit, "time") != 0) lim.timeout *= slowdown;
  ag_runtime_set_limits(rt, &lim);
  bool good = true;
  int calls = c->calls > 0 ? c->calls : 1;
  *elapsed = 0;
  for (int i = 0; i < calls; i++) {
    double t0 = now_s();
    ag_CallOptions opt = {.trace = c->trace};
    cJSON *env = ag_invoke(rt, c->name, args, &opt);
    double took = now_s() - t0;
    if (took > *elapsed) *elapsed = took;
    bool last = i == calls - 1;
    if (last || !cJSON_IsTrue(cJSON_GetObjectItem(env, "ok"))) good &= check_envelope(c, env);
    if (took > bound_seconds(c)) {
      fprintf(stderr, "%s: call %d took %.2f s, bound %.2f s\n", c->path, i + 1, took,
              bound_seconds(c));
      good = false;
    }
    cJSON_Delete(env);
  }
  lispy_Limits d = default_limits();
  ag_runtime_set_limits(rt, &d);
  cJSON_Delete(args);
  return good;
}

/* Every benign agent still answers as it should; `after` names the
** hostile file that ran last. */
static bool check_benign(ag_Runtime *rt, const Case *cases, size_t n, const char *after) {
  bool good = true;
  for (size_t i = 0; i < n; i++) {
    if (!cases[i].benign) continue;
    double elapsed;
    if (!run_case(rt, &cases[i], &elapsed)) {
      fprintf(stderr, "  ^ benign agent %s changed after %s\n", cases[i].name, after);
      good = false;
    }
  }
  return good;
}

/* The size of what the backend holds (its state as JSON text). */
static size_t backend_bytes(ag_Runtime *rt) {
  ag_Backend *b = ag_runtime_backend(rt);
  cJSON *d = b->describe(b->self);
  char *text = cJSON_PrintUnformatted(d);
  size_t n = text ? strlen(text) : 0;
  free(text);
  cJSON_Delete(d);
  return n;
}

static size_t heap_now(ag_Runtime *rt) {
  lispy_State *L = ag_runtime_lispy(rt);
  lispy_gc(L);
  return lispy_memory_used(L);
}

/* ==== The run ================================================================ */

int main(void) {
  slowdown = time_scale();

  static Case cases[MAX_FILES];
  size_t n = list_cases(cases);
  size_t nhostile = 0, nbenign = 0;
  for (size_t i = 0; i < n; i++) {
    CHECK(read_case(&cases[i]));
    cases[i].benign ? nbenign++ : nhostile++;
  }
  CHECK(nhostile > 0);
  CHECK(nbenign > 0);

  ag_Runtime *rt = ag_runtime_new();
  ag_Backend mock;
  char *err = NULL;
  CHECK(ag_mock_load_file(MOCK_FILE, &mock, &err));
  free(err);
  ag_runtime_set_backend(rt, mock);
  lispy_Limits d = default_limits();
  d.timeout *= slowdown;
  ag_runtime_set_limits(rt, &d);
  ag_registry_add_dir(rt, HOSTILE_DIR);

  /* Loading runs every file's top level: the load-time attacks. */
  double t0 = now_s();
  ag_ScanReport rep;
  ag_registry_scan(rt, &rep);
  double load_time = now_s() - t0;
  ag_scan_report_free(&rep);
  printf("loaded %zu files (%zu hostile, %zu benign) in %.2f s\n", n, nhostile, nbenign, load_time);
  CHECK(load_time < 30 * slowdown);
  CHECK(check_benign(rt, cases, n, "loading the folder"));

  size_t baseline = heap_now(rt), allowed = baseline;
  for (size_t i = 0; i < n; i++) {
    Case *c = &cases[i];
    if (c->benign) continue;
    printf("%-40s ", c->name); /* before the call: a crash shows where */
    fflush(stdout);
    bool good;
    double elapsed = 0;
    size_t rss_before = rss_now(); /* for rss-back: */
    if (strcmp(c->expect, "load") == 0) {
      good = check_load_failure(rt, c);
    } else {
      good = run_case(rt, c, &elapsed);
    }
    CHECK(good);
    printf("%-6s %6.0f ms  %s\n", good ? "held" : "BROKEN", elapsed * 1000, c->what);
    CHECK(check_benign(rt, cases, n, c->name));
    allowed += c->retains;
    size_t heap = heap_now(rt);
    size_t rss = rss_now();
    if (c->rss_back && rss_checked() && rss > rss_before + c->rss_back) {
      fprintf(stderr, "%s: resident memory %zu KiB above what it was before the call\n", c->path,
              (rss - rss_before) >> 10);
      CHECK(rss <= rss_before + c->rss_back);
    }
    if (heap > allowed + SLACK_BYTES) {
      fprintf(stderr, "%s: heap %zu bytes above the baseline after the call\n", c->path,
              heap - baseline);
      CHECK(heap <= allowed + SLACK_BYTES);
    }
    size_t held = backend_bytes(rt);
    if (held > MAX_BACKEND_BYTES)
      fprintf(stderr, "%s: the backend holds %zu bytes\n", c->path, held);
    CHECK(held <= MAX_BACKEND_BYTES);
  }

  ag_runtime_free(rt);
  for (size_t i = 0; i < n; i++) free_case(&cases[i]);
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
