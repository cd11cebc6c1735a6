/*
** test_schema_suite.c -- runs the official JSON-Schema-Test-Suite (draft
** 2020-12) against the agents' schema validator (agents/ag_schema.h).
**
**   test_schema_suite [DIR]
**
** ctest passes DIR from the CMake cache variable LISPY_SHARED_DIR
** (default: the folder `shared` beside the source tree) as
** LISPY_SHARED_DIR/testdata/json-schema-test-suite/tests/draft2020-12.
** Run by hand without DIR, it reads ../shared/... relative to the working
** directory (the project root). A missing suite fails the test, naming
** the path and the variable: it is never skipped. Every *.json
** file of DIR (run with `format` as an annotation, the specification's
** default that the suite assumes there) and of DIR/optional/format (run
** with `format` asserted, as agents use it) is an array of groups
** {description, schema, tests: [{description, data, valid}]}. A group whose
** schema uses an unsupported keyword is skipped by name, as is a case whose
** strings hold U+0000 (cJSON strings are NUL-terminated, so neither the
** validator nor any cJSON host can see such a string whole). Prints a line
** per file and "N passed, N failed, N skipped"; exits 1 when a case fails.
*/
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "ag_schema.h"

#define DEFAULT_DIR "../shared/testdata/json-schema-test-suite/tests/draft2020-12"

/* U+0000 escapes are rewritten to this code point (U+10FFFF, a
** noncharacter absent from the suite) so that the cases can be named. */
#define NUL_ESCAPE         "\\u0000"
#define NUL_STANDIN_ESCAPE "\\uDBFF\\uDFFF"
#define NUL_STANDIN_UTF8   "\xF4\x8F\xBF\xBF"

/* Case counts, for one file or for the whole run. */
typedef struct Counts {
  int passed;  /* cases whose validity matched */
  int failed;  /* cases whose validity did not match */
  int skipped; /* cases not run (named on a SKIP line) */
  int fast;    /* cases run against a schema the fast path covers */
} Counts;

/* ==== Files =============================================================== */

/* The whole file at path (malloc'd, NUL-terminated), or NULL. */
static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 1 << 16, len = 0, n;
  char *buf = malloc(cap);
  while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
    len += n;
    if (len + 1 == cap) {
      char *bigger = realloc(buf, cap *= 2);
      if (bigger == NULL) free(buf);
      buf = bigger;
    }
  }
  fclose(f);
  if (buf) buf[len] = '\0';
  return buf;
}

/* text with every "\u0000" escape replaced by the stand-in (malloc'd). */
static char *replace_nul_escapes(const char *text) {
  size_t extra = strlen(NUL_STANDIN_ESCAPE) - strlen(NUL_ESCAPE);
  char *out = malloc(strlen(text) * (1 + extra) + 1), *o = out;
  if (out == NULL) return NULL;
  for (const char *p = text; *p;) {
    if (strncmp(p, NUL_ESCAPE, strlen(NUL_ESCAPE)) == 0) {
      o += sprintf(o, "%s", NUL_STANDIN_ESCAPE);
      p += strlen(NUL_ESCAPE);
    } else {
      size_t n = p[0] == '\\' && p[1] ? 2 : 1; /* keep "\\u0000" literal */
      memcpy(o, p, n);
      o += n, p += n;
    }
  }
  *o = '\0';
  return out;
}

static int name_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names of the *.json files of dir (malloc'd array of
** malloc'd strings, *count of them); NULL when dir cannot be read. */
static char **list_json(const char *dir, size_t *count) {
  DIR *d = opendir(dir);
  char **names = NULL;
  size_t n = 0;
  struct dirent *e;
  if (d == NULL) return NULL;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
    char **more = realloc(names, (n + 1) * sizeof *names);
    if (more == NULL) break;
    names = more;
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, name_cmp);
  *count = n;
  return names ? names : calloc(1, sizeof *names);
}

/* ==== Cases =============================================================== */

/* Whether some string or member name of j holds the U+0000 stand-in. */
static bool has_nul(const cJSON *j) {
  if (j == NULL) return false;
  if (j->string && strstr(j->string, NUL_STANDIN_UTF8)) return true;
  if (cJSON_IsString(j) && strstr(j->valuestring, NUL_STANDIN_UTF8)) return true;
  for (const cJSON *c = j->child; c; c = c->next)
    if (has_nul(c)) return true;
  return false;
}

static const char *text_of(const cJSON *j, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
  return cJSON_IsString(v) ? v->valuestring : "?";
}

/* Run one test case against the compiled schema s; full is the same
** schema compiled to never take the fast path, which must agree. */
static void run_case(const char *file, const char *group, const ag_Schema *s, const ag_Schema *full,
                     const cJSON *test, Counts *counts) {
  const cJSON *data = cJSON_GetObjectItemCaseSensitive(test, "data");
  const cJSON *valid = cJSON_GetObjectItemCaseSensitive(test, "valid");
  const char *name = text_of(test, "description");
  if (has_nul(data)) {
    printf("SKIP %s: %s / %s (U+0000 in a string: not representable in cJSON)\n", file, group,
           name);
    counts->skipped++;
    return;
  }
  ag_SchemaErrors errs;
  ag_schema_errors_init(&errs);
  bool got = ag_schema_validate(s, data, &errs);
  counts->fast += ag_schema_fast(s);
  bool consistent =
      got == (ag_schema_errors_count(&errs) == 0) && got == ag_schema_validate(full, data, NULL);
  if (data != NULL && cJSON_IsBool(valid) && got == cJSON_IsTrue(valid) && consistent) {
    counts->passed++;
  } else {
    char *why = ag_schema_errors_join(&errs, "; ");
    printf("FAIL %s: %s / %s: expected %s, got %s [%s]\n", file, group, name,
           cJSON_IsTrue(valid) ? "valid" : "invalid", got ? "valid" : "invalid", why);
    free(why);
    counts->failed++;
  }
  ag_schema_errors_free(&errs);
}

/* Compile a group's schema and run its cases (or skip them by name). */
static void run_group(const char *file, const cJSON *group, unsigned options, Counts *counts) {
  const char *name = text_of(group, "description");
  const cJSON *tests = cJSON_GetObjectItemCaseSensitive(group, "tests"), *t;
  const cJSON *schema = cJSON_GetObjectItemCaseSensitive(group, "schema");
  int ntests = cJSON_GetArraySize(tests);
  ag_SchemaErrors errs;
  ag_schema_errors_init(&errs);
  ag_Schema *s = ag_schema_compile_ex(schema, options, &errs);
  ag_Schema *full = ag_schema_compile_ex(schema, options | AG_SCHEMA_FULL_WALK, NULL);
  const ag_SchemaUnsupported *u = ag_schema_unsupported_at(s, 0);
  if (has_nul(schema)) {
    printf("SKIP %s: %s (U+0000 in a string: not representable in cJSON)\n", file, name);
    counts->skipped += ntests;
  } else if (s == NULL) {
    char *why = ag_schema_errors_join(&errs, "; ");
    printf("FAIL %s: %s: schema does not compile [%s]\n", file, name, why);
    free(why);
    counts->failed += ntests;
  } else if (u != NULL) {
    printf("SKIP %s: %s (unsupported: %s%s%s)\n", file, name, u->keyword, u->detail ? "; " : "",
           u->detail ? u->detail : "");
    counts->skipped += ntests;
  } else {
    cJSON_ArrayForEach(t, tests) run_case(file, name, s, full, t, counts);
  }
  ag_schema_free(s);
  ag_schema_free(full);
  ag_schema_errors_free(&errs);
}

/* Run every group of dir/file; name is how the file is reported. */
static void run_file(const char *dir, const char *file, const char *name, unsigned options,
                     Counts *total) {
  Counts counts = {0, 0, 0, 0};
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  char *raw = read_file(path), *text = raw ? replace_nul_escapes(raw) : NULL;
  cJSON *groups = text ? cJSON_Parse(text) : NULL, *g;
  if (cJSON_IsArray(groups)) {
    cJSON_ArrayForEach(g, groups) run_group(name, g, options, &counts);
  } else {
    printf("FAIL %s: cannot read or parse the file\n", name);
    counts.failed++;
  }
  printf("%s: %d passed, %d failed, %d skipped\n", name, counts.passed, counts.failed,
         counts.skipped);
  total->passed += counts.passed;
  total->failed += counts.failed;
  total->skipped += counts.skipped;
  total->fast += counts.fast;
  cJSON_Delete(groups);
  free(text);
  free(raw);
}

/* Run every *.json file of dir (reported as prefix + name). */
static bool run_dir(const char *dir, const char *prefix, unsigned options, Counts *total) {
  size_t n = 0;
  char **names = list_json(dir, &n);
  if (names == NULL) {
    printf("FAIL %s: cannot read the directory\n", dir);
    total->failed++;
    return false;
  }
  for (size_t i = 0; i < n; i++) {
    char shown[1024];
    snprintf(shown, sizeof shown, "%s%s", prefix, names[i]);
    run_file(dir, names[i], shown, options, total);
    free(names[i]);
  }
  free(names);
  return n > 0;
}

int main(int argc, char **argv) {
  const char *dir = argc > 1 ? argv[1] : DEFAULT_DIR;
  char formats[4096];
  Counts total = {0, 0, 0, 0};
  DIR *d = opendir(dir);
  if (d == NULL) {
    printf("FAIL: the JSON-Schema-Test-Suite is not at %s; configure with\n"
           "  cmake -DLISPY_SHARED_DIR=<folder holding testdata/json-schema-test-suite>\n"
           "(default: the folder shared beside the source tree), or pass the\n"
           "suite's draft2020-12 folder as the argument\n",
           dir);
    return 1;
  }
  closedir(d);
  snprintf(formats, sizeof formats, "%s/optional/format", dir);
  if (!run_dir(dir, "", AG_SCHEMA_FORMAT_ANNOTATION, &total)) {
    printf("FAIL %s: no test files\n", dir);
    total.failed++;
  }
  run_dir(formats, "optional/format/", 0, &total);
  /* Every case above also ran through the full walk alone and had to get
  ** the same verdict; that means something only if the fast path ran. */
  printf("%d cases ran against flat schemas (one-pass fast path)\n", total.fast);
  if (total.fast == 0) {
    printf("FAIL: no case exercised the fast path\n");
    total.failed++;
  }
  printf("%d passed, %d failed, %d skipped\n", total.passed, total.failed, total.skipped);
  return total.failed > 0 ? 1 : 0;
}
