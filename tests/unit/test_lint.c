/*
** test_lint.c -- the agent descriptor linter, driven by the agent files in tests/lint.
**
** Each file there is an agent that carries its expectations in comments:
**
**   ;; expect: A204 7:40     a diagnostic with code A204 at line 7, col 40
**   ;; expect: clean         no diagnostic at all, not even a note
**
** Every expectation must be met, and every error or warning the linter
** reports must be expected (notes only count when expected, or in a clean
** file). A file without expectations must load with no errors or warnings
** (the good agents). The severities must match the table below, every
** code in it must be exercised by some file (except the ones that need a
** context method newer than any v1 method), and docs/lint.md must have an
** entry for each, whose Bad example must report the rule and whose Fix
** example must not (nor any other error or warning). LINT_TEST_VERBOSE=1 prints every diagnostic; LISPY_GC_STRESS=1
** collects at every allocation. Run from the project root (ctest does), or pass the
** project root as the only argument.
*/
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agents.h"
#include "check.h"

/* ========================================================================
** The rules (keep in step with docs/lint.md)
** ======================================================================== */

typedef struct Rule {
  const char *code; /* "A101" */
  ag_Severity sev;  /* its fixed severity */
  bool future;      /* needs a context method newer than v1: no file */
  bool seen;        /* expected by some test file */
} Rule;

static Rule rules[] = {
    {"A100", AG_ERROR, false, false},   {"A101", AG_ERROR, false, false},
    {"A102", AG_ERROR, false, false},   {"A103", AG_ERROR, false, false},
    {"A104", AG_ERROR, false, false},   {"A105", AG_ERROR, false, false},
    {"A106", AG_WARNING, false, false}, {"A107", AG_ERROR, false, false},
    {"A108", AG_ERROR, false, false},   {"A109", AG_NOTE, false, false},
    {"A110", AG_ERROR, false, false},   {"A111", AG_NOTE, false, false},
    {"A201", AG_ERROR, false, false},   {"A202", AG_ERROR, false, false},
    {"A203", AG_ERROR, false, false},   {"A204", AG_ERROR, false, false},
    {"A205", AG_ERROR, false, false},   {"A206", AG_ERROR, false, false},
    {"A207", AG_ERROR, false, false},   {"A208", AG_ERROR, false, false},
    {"A209", AG_WARNING, false, false}, {"A210", AG_ERROR, false, false},
    {"A211", AG_WARNING, false, false}, {"A212", AG_NOTE, false, false},
    {"A213", AG_WARNING, false, false}, {"A214", AG_WARNING, false, false},
    {"A215", AG_WARNING, false, false}, {"A301", AG_ERROR, false, false},
    {"A302", AG_ERROR, false, false},   {"A303", AG_ERROR, false, false},
    {"A304", AG_ERROR, false, false},   {"A305", AG_WARNING, false, false},
    {"A306", AG_ERROR, false, false},   {"A401", AG_ERROR, false, false},
    {"A402", AG_ERROR, false, false},   {"A403", AG_ERROR, true, false},
    {"A404", AG_WARNING, true, false},  {"A405", AG_WARNING, false, false},
    {"A406", AG_WARNING, false, false}, {"A407", AG_ERROR, false, false},
    {"A501", AG_WARNING, false, false}, {"A502", AG_WARNING, false, false},
    {"A601", AG_NOTE, false, false},    {"A602", AG_NOTE, false, false},
    {"A603", AG_NOTE, false, false},    {"A604", AG_NOTE, false, false},
};
#define NRULES (sizeof rules / sizeof rules[0])

static Rule *rule(const char *code) {
  for (size_t i = 0; i < NRULES; i++)
    if (strcmp(rules[i].code, code) == 0) return &rules[i];
  return NULL;
}

/* ========================================================================
** Reading expectations
** ======================================================================== */

typedef struct Expect {
  char code[8];
  int line, col;
  bool met;
} Expect;

typedef struct Expects {
  Expect items[32];
  size_t n;
  bool clean; /* ";; expect: clean" */
} Expects;

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  *len = fread(s, 1, (size_t)n, f);
  s[*len] = '\0';
  fclose(f);
  return s;
}

/* Every ";; expect:" line of src. */
static void read_expects(const char *path, const char *src, Expects *e) {
  memset(e, 0, sizeof *e);
  for (const char *p = strstr(src, ";; expect:"); p; p = strstr(p + 1, ";; expect:")) {
    const char *q = p + strlen(";; expect:");
    while (*q == ' ') q++;
    if (strncmp(q, "clean", 5) == 0) {
      e->clean = true;
      continue;
    }
    Expect x = {{0}, 0, 0, false};
    if (sscanf(q, "%7s %d:%d", x.code, &x.line, &x.col) != 3 || e->n == 32) {
      CHECK_FAIL("%s: malformed expectation near \"%.30s\"", path, q);
      continue;
    }
    e->items[e->n++] = x;
    if (rule(x.code)) rule(x.code)->seen = true;
    else CHECK_FAIL("%s: expects unknown code %s", path, x.code);
  }
}

/* ========================================================================
** Checking one file
** ======================================================================== */

static void print_diags(const ag_Agent *a) {
  for (size_t i = 0; i < a->diags.n; i++) {
    printf("    ");
    ag_diag_print(stdout, &a->diags.items[i], false);
  }
}

/* Is diagnostic g expected (and mark the expectation met)? */
static bool match(Expects *e, const ag_Diag *g) {
  bool found = false;
  for (size_t i = 0; i < e->n; i++) {
    Expect *x = &e->items[i];
    if (strcmp(x->code, g->code) == 0 && x->line == g->line && x->col == g->col) {
      x->met = true;
      found = true;
    }
  }
  return found;
}

/* Severity by the table; unknown codes fail (load errors A0xx pass). */
static bool check_severity(const char *path, const ag_Diag *g) {
  const Rule *r = rule(g->code);
  if (!r) {
    if (strncmp(g->code, "A0", 2) != 0) CHECK_FAIL("%s: unknown code %s", path, g->code);
    return true;
  }
  if (r->sev != g->severity) {
    CHECK_FAIL("%s: %s reported as %s, the table says %s", path, g->code,
               ag_severity_name(g->severity), ag_severity_name(r->sev));
    return false;
  }
  return true;
}

static void check_file(ag_Runtime *rt, const char *path) {
  size_t len;
  char *src = slurp(path, &len);
  if (!src) {
    CHECK_FAIL("%s: cannot read", path);
    return;
  }
  Expects e;
  read_expects(path, src, &e);
  free(src);
  ag_Agent *a = ag_agent_load_file(rt, path);
  int before = failed;
  for (size_t i = 0; i < a->diags.n; i++) {
    const ag_Diag *g = &a->diags.items[i];
    check_severity(path, g);
    bool expected = match(&e, g);
    if (!expected && (g->severity != AG_NOTE || e.clean))
      CHECK_FAIL("%s: unexpected %s[%s] at %d:%d: %s", path, ag_severity_name(g->severity), g->code,
                 g->line, g->col, g->message);
  }
  for (size_t i = 0; i < e.n; i++)
    if (!e.items[i].met)
      CHECK_FAIL("%s: expected %s at %d:%d, not reported", path, e.items[i].code, e.items[i].line,
                 e.items[i].col);
  if (failed == before) {
    passed++;
    printf("ok   %s (%zu diagnostics)\n", path, a->diags.n);
  }
  if (failed != before || getenv("LINT_TEST_VERBOSE")) print_diags(a);
  ag_agent_free(a);
}

static int cmp_str(const void *x, const void *y) {
  return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every .lispy file of dir, in name order. */
static void check_dir(ag_Runtime *rt, const char *dir) {
  DIR *d = opendir(dir);
  if (!d) {
    CHECK_FAIL("cannot open %s (run from the project root)", dir);
    return;
  }
  char *names[256];
  size_t n = 0;
  struct dirent *ent;
  while ((ent = readdir(d)) && n < 256) {
    size_t l = strlen(ent->d_name);
    if (l > 6 && strcmp(ent->d_name + l - 6, ".lispy") == 0) names[n++] = strdup(ent->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof names[0], cmp_str);
  for (size_t i = 0; i < n; i++) {
    size_t plen = strlen(dir) + strlen(names[i]) + 2;
    char *path = malloc(plen);
    snprintf(path, plen, "%s/%s", dir, names[i]);
    check_file(rt, path);
    free(path);
    free(names[i]);
  }
}

/* ========================================================================
** Coverage: every rule tested and documented
** ======================================================================== */

static void check_coverage(const char *docs) {
  size_t len;
  char *text = slurp(docs, &len);
  if (!text) CHECK_FAIL("cannot read %s", docs);
  for (size_t i = 0; i < NRULES; i++) {
    if (!rules[i].seen && !rules[i].future)
      CHECK_FAIL("rule %s has no test file in tests/lint", rules[i].code);
    char heading[32];
    snprintf(heading, sizeof heading, "\n### %s", rules[i].code);
    if (text && !strstr(text, heading))
      CHECK_FAIL("rule %s is not documented in %s", rules[i].code, docs);
  }
  free(text);
}

/* ========================================================================
** The documented examples: each Bad block shows its rule, each Fix is clean
** ======================================================================== */

/* Count diagnostics with code in a. */
static size_t count_code(const ag_Agent *a, const char *code) {
  size_t n = 0;
  for (size_t i = 0; i < a->diags.n; i++) n += strcmp(a->diags.items[i].code, code) == 0;
  return n;
}

/* The first ```lisp block after marker within [from, end); malloc'd. */
static char *doc_block(const char *from, const char *end, const char *marker) {
  const char *m = strstr(from, marker);
  if (!m || m >= end) return NULL;
  const char *b = strstr(m, "```lisp\n");
  if (!b || b >= end) return NULL;
  b += strlen("```lisp\n");
  const char *e = strstr(b, "```");
  if (!e || e > end) return NULL;
  return strndup(b, (size_t)(e - b));
}

/* Load src as path; how many diagnostics have code, and how many are
** errors or warnings. */
static void doc_lint(ag_Runtime *rt, const char *src, const char *path, const char *code,
                     size_t *with_code, size_t *serious) {
  ag_Agent *a = ag_agent_load_source(rt, src, strlen(src), path);
  *with_code = count_code(a, code);
  *serious = ag_diags_count(&a->diags, AG_ERROR) + ag_diags_count(&a->diags, AG_WARNING);
  if (*serious && getenv("LINT_TEST_VERBOSE")) print_diags(a);
  ag_agent_free(a);
}

/* One "### Axxx" section: [sec, end). An HTML comment "<!-- file: X -->"
** names the file the examples are loaded as (default: no file name). */
static void check_doc_section(ag_Runtime *rt, const Rule *r, const char *sec, const char *end) {
  char path[128] = "docs-example";
  const char *f = strstr(sec, "<!-- file: ");
  if (f && f < end) sscanf(f + strlen("<!-- file: "), "%127s", path);
  char *bad = doc_block(sec, end, "**Bad**"), *fix = doc_block(sec, end, "**Fix**");
  if (!bad || !fix) CHECK_FAIL("docs: %s needs a Bad and a Fix example", r->code);
  if (bad && fix && !r->future) {
    size_t n, serious;
    doc_lint(rt, bad, path, r->code, &n, &serious);
    if (n == 0) CHECK_FAIL("docs: the Bad example of %s does not report %s", r->code, r->code);
    doc_lint(rt, fix, path, r->code, &n, &serious);
    if (n || serious)
      CHECK_FAIL("docs: the Fix example of %s still reports %s (%zu), or %zu errors/warnings",
                 r->code, r->code, n, serious);
  }
  free(bad);
  free(fix);
}

static void check_doc_examples(ag_Runtime *rt, const char *docs) {
  size_t len, checked = 0;
  char *text = slurp(docs, &len);
  if (!text) return;
  for (size_t i = 0; i < NRULES; i++) {
    char heading[32];
    snprintf(heading, sizeof heading, "\n### %s", rules[i].code);
    const char *sec = strstr(text, heading);
    if (!sec) continue; /* reported by check_coverage */
    const char *end = strstr(sec + 1, "\n### ");
    const char *end2 = strstr(sec + 1, "\n## ");
    if (!end || (end2 && end2 < end)) end = end2;
    check_doc_section(rt, &rules[i], sec, end ? end : text + len);
    checked++;
  }
  printf("docs: %zu rule sections checked\n", checked);
  free(text);
}

/* ========================================================================
** Direct calls
** ======================================================================== */

/* Shell definitions: no file-name rule, positions still found. */
static void check_repl_source(ag_Runtime *rt) {
  const char *src =
      "(def AGENT {:name \"t\" :description \"d\"\n"
      "            :parameters {:type \"object\" :properties {:x {:type \"strng\"}}}})\n"
      "(defn run [context x] x)\n";
  ag_Agent *a = ag_agent_load_source(rt, src, strlen(src), "<repl>");
  if (count_code(a, "A501")) CHECK_FAIL("<repl>: file-name rule applied to a shell definition");
  if (count_code(a, "A204") != 1) CHECK_FAIL("<repl>: expected one A204");
  for (size_t i = 0; i < a->diags.n; i++)
    if (strcmp(a->diags.items[i].code, "A204") == 0 &&
        (a->diags.items[i].line != 2 || a->diags.items[i].col != 64 || !a->diags.items[i].hint ||
         !strstr(a->diags.items[i].hint, "\"string\"")))
      CHECK_FAIL("<repl>: A204 at %d:%d hint %s", a->diags.items[i].line, a->diags.items[i].col,
                 a->diags.items[i].hint ? a->diags.items[i].hint : "(none)");
  cJSON *j = ag_diags_json(&a->diags);
  char *text = cJSON_PrintUnformatted(j);
  if (!text || !strstr(text, "\"code\":\"A204\"")) CHECK_FAIL("<repl>: JSON diagnostics: %s", text);
  free(text);
  cJSON_Delete(j);
  ag_agent_free(a);
}

/* ag_lint on odd input: no source, unreadable source; must not crash and
** still fall back to line 1. */
static void check_odd_sources(ag_Runtime *rt) {
  const char *good = "(define AGENT 5)\n(define (run context) 1)\n";
  ag_Agent *a = ag_agent_load_source(rt, good, strlen(good), "<repl>");
  size_t n0 = a->diags.n;
  ag_lint(rt, a, NULL, 0);
  ag_lint(rt, a, "(define AGENT (dict :name", 25);
  if (a->diags.n != 3 * n0 || n0 == 0)
    CHECK_FAIL("odd sources: %zu then %zu diagnostics", n0, a->diags.n);
  for (size_t i = n0; i < a->diags.n; i++)
    if (a->diags.items[i].line < 1) CHECK_FAIL("odd sources: line %d", a->diags.items[i].line);
  ag_agent_free(a);
}

/* ========================================================================
** Scale: lint is linear in the descriptor's size
** ======================================================================== */

/* A descriptor written out in the source (quoted: a literal this big
** is more than a function's stack slots) with n properties (p0 p1 ...), n
** required names none of which is a property (q0 q1 ...) and n unknown
** schema keywords: every rule that looks up each key, each required name
** or each keyword once met a linear scan or a suggestion against every
** property (106 s at n = 20,000). Now it lints in a fraction of a second,
** lists the first AG_LINT_MAX_DIAGS (1,000) of each severity and counts
** the rest in one A110 error and one A111 note. */
static void check_scale(ag_Runtime *rt, int n) {
  size_t cap = (size_t)n * 80 + 512, len = 0;
  char *src = malloc(cap);
  len += (size_t)snprintf(src + len, cap - len,
                          "(def AGENT '{:name \"big\" :description \"Big.\"\n"
                          " :parameters {:type \"object\"");
  for (int i = 0; i < n; i++) len += (size_t)snprintf(src + len, cap - len, " :k%d 1", i);
  len += (size_t)snprintf(src + len, cap - len, "\n :properties {");
  for (int i = 0; i < n; i++)
    len += (size_t)snprintf(src + len, cap - len, " :p%d {:type \"string\"}", i);
  len += (size_t)snprintf(src + len, cap - len, "}\n :required [");
  for (int i = 0; i < n; i++) len += (size_t)snprintf(src + len, cap - len, " \"q%d\"", i);
  len += (size_t)snprintf(src + len, cap - len, "]}})\n(defn run [context] 1)\n");
  double t0 = now_s();
  ag_Agent *a = ag_agent_load_source(rt, src, len, "big_agent.lispy");
  double dt = now_s() - t0;
  CHECK_SIZE(count_code(a, "A206"), 1000);
  CHECK_SIZE(count_code(a, "A305"), 1000);
  CHECK_SIZE(count_code(a, "A212"), 1000);
  if (count_code(a, "A110") != 1 || count_code(a, "A111") != 1) CHECK_FAIL("scale: no A110 / A111");
  for (size_t i = 0; i < a->diags.n; i++)
    if (strcmp(a->diags.items[i].code, "A110") == 0 &&
        strncmp(a->diags.items[i].message, "19000 more errors", 17) != 0)
      CHECK_FAIL("scale: A110 says %s", a->diags.items[i].message);
  for (size_t i = 1; i < a->diags.n; i++) /* sorted by position */
    if (a->diags.items[i - 1].line > a->diags.items[i].line) {
      CHECK_FAIL("scale: diagnostics out of order at %zu", i);
      break;
    }
  if (dt > 10.0 * time_scale())
    CHECK_FAIL("scale: lint of %d properties took %.2f s", n, dt); /* was 106 s */
  printf(
      "scale: %d properties, %d unknown required names and keywords: %zu diagnostics in %.3f s\n",
      n, n, a->diags.n, dt);
  ag_agent_free(a);
  free(src);
}

int main(int argc, char **argv) {
  char dir[1024], docs[1024];
  const char *root = argc > 1 ? argv[1] : ".";
  snprintf(dir, sizeof dir, "%s/tests/lint", root);
  snprintf(docs, sizeof docs, "%s/docs/lint.md", root);
  setvbuf(stdout, NULL, _IOLBF, 0); /* failures (stderr) stay beside their file's lines */
  ag_Runtime *rt = ag_runtime_new();
  if (getenv("LISPY_GC_STRESS")) lispy_gc_stress(ag_runtime_lispy(rt), true);
  check_dir(rt, dir);
  check_coverage(docs);
  check_doc_examples(rt, docs);
  check_repl_source(rt);
  check_odd_sources(rt);
  check_scale(rt, 20000);
  ag_runtime_free(rt);
  printf("test_lint: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
