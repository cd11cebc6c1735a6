/*
** ag_conformance.c -- the conformance runner behind `lispy test`.
**
** A test file (X_agent.test.json, format in docs/testing.md) lists cases:
** arguments, a mock context merged over a base fixture, the expected value
** or error kind, and optionally the expected logs, store entries and
** context calls. Every case loads the agent afresh and runs it against a
** fresh mock backend with tracing on; the checks compare JSON structurally
** and record each mismatch as {check, message, expected, got}, from which
** both the text report (PASS/FAIL lines with a diff) and the JSON report
** are made.
*/
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ag_conformance.h"
#include "ag_internal.h"

#define AG_CONF_SUFFIX ".test.json"

/* ========================================================================
** Structural JSON comparison
** ======================================================================== */

/* Where two JSON values first differ. */
typedef struct ag_ConfDiff {
  char path[256];         /* JSON pointer of the first difference ("" at the root) */
  const cJSON *exp, *got; /* the values found there (NULL: absent) */
} ag_ConfDiff;

static bool ag_conf_same(const cJSON *a, const cJSON *b, ag_ConfDiff *d, size_t n);

/* Record the difference at path[0..n); returns false for the callers. */
static bool ag_conf_differ(ag_ConfDiff *d, size_t n, const cJSON *a, const cJSON *b) {
  d->path[n] = '\0';
  d->exp = a;
  d->got = b;
  return false;
}

/* Append "/seg" (escaped as a JSON pointer) at path[n]; the new length. */
static size_t ag_conf_push(ag_ConfDiff *d, size_t n, const char *seg) {
  size_t cap = sizeof d->path - 3;
  if (n < cap) d->path[n++] = '/';
  for (; seg && *seg && n < cap; seg++) {
    if (*seg == '~' || *seg == '/') {
      d->path[n++] = '~';
      d->path[n++] = *seg == '~' ? '0' : '1';
    } else {
      d->path[n++] = *seg;
    }
  }
  d->path[n] = '\0';
  return n;
}

static bool ag_conf_same_scalar(const cJSON *a, const cJSON *b) {
  if (cJSON_IsNumber(a) && cJSON_IsNumber(b)) return a->valuedouble == b->valuedouble;
  if (cJSON_IsString(a) && cJSON_IsString(b)) return strcmp(a->valuestring, b->valuestring) == 0;
  if (cJSON_IsBool(a) && cJSON_IsBool(b)) return cJSON_IsTrue(a) == cJSON_IsTrue(b);
  return cJSON_IsNull(a) && cJSON_IsNull(b);
}

/* Items in order; when the lengths differ, the difference is at the first
** index only one side has (the other side NULL). */
static bool ag_conf_same_array(const cJSON *a, const cJSON *b, ag_ConfDiff *d, size_t n) {
  const cJSON *x = a->child, *y = b->child;
  char seg[24];
  int i = 0;
  for (; x && y; x = x->next, y = y->next, i++) {
    snprintf(seg, sizeof seg, "%d", i);
    if (!ag_conf_same(x, y, d, ag_conf_push(d, n, seg))) return false;
  }
  if (!x && !y) return true;
  snprintf(seg, sizeof seg, "%d", i);
  return ag_conf_differ(d, ag_conf_push(d, n, seg), x, y);
}

/* Members in any order; a member missing on either side is a difference. */
static bool ag_conf_same_object(const cJSON *a, const cJSON *b, ag_ConfDiff *d, size_t n) {
  const cJSON *x;
  cJSON_ArrayForEach(x, a) {
    const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
    size_t m = ag_conf_push(d, n, x->string);
    if (!y) return ag_conf_differ(d, m, x, NULL);
    if (!ag_conf_same(x, y, d, m)) return false;
  }
  cJSON_ArrayForEach(x, b) if (!cJSON_GetObjectItemCaseSensitive(
                                   a, x->string)) return ag_conf_differ(d,
                                                                        ag_conf_push(d, n,
                                                                                     x->string),
                                                                        NULL, x);
  return true;
}

/* Equal, else false with d naming the first difference below path[0..n). */
static bool ag_conf_same(const cJSON *a, const cJSON *b, ag_ConfDiff *d, size_t n) {
  if (cJSON_IsArray(a) && cJSON_IsArray(b)) return ag_conf_same_array(a, b, d, n);
  if (cJSON_IsObject(a) && cJSON_IsObject(b)) return ag_conf_same_object(a, b, d, n);
  return ag_conf_same_scalar(a, b) || ag_conf_differ(d, n, a, b);
}

bool ag_conformance_json_equal(const cJSON *a, const cJSON *b) {
  ag_ConfDiff d;
  if (!a || !b) return a == b;
  return ag_conf_same(a, b, &d, 0);
}

/* ========================================================================
** Small helpers
** ======================================================================== */

static const cJSON *ag_conf_get(const cJSON *obj, const char *key) {
  return cJSON_GetObjectItemCaseSensitive(obj, key);
}

/* Compact JSON for a report line, cut (at a character boundary) past
** AG_CONF_SHOW bytes; "(absent)" for NULL. The caller frees. */
static char *ag_conf_show(const cJSON *j) {
  char *s = j ? ag_json_print(j, false) : strdup("(absent)");
  if (!s || strlen(s) <= AG_CONF_SHOW) return s;
  size_t n = AG_CONF_SHOW;
  while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
  memcpy(s + n, "...", 4);
  return s;
}

/* dir of base (a file path) joined with rel, unless rel is absolute. */
static char *ag_conf_relative(const char *base, const char *rel) {
  const char *slash = strrchr(base, '/');
  if (rel[0] == '/' || !slash) return strdup(rel);
  size_t n = (size_t)(slash - base) + 1, len = n + strlen(rel) + 1;
  char *out = malloc(len);
  if (out) snprintf(out, len, "%.*s%s", (int)n, base, rel);
  return out;
}

static bool ag_conf_has_suffix(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n > k && strcmp(s + n - k, suffix) == 0;
}

/* path with its suffix old (which it has) replaced by new. */
static char *ag_conf_swap_suffix(const char *path, const char *old, const char *new) {
  size_t n = strlen(path) - strlen(old), len = n + strlen(new) + 1;
  char *out = malloc(len);
  if (out) snprintf(out, len, "%.*s%s", (int)n, path, new);
  return out;
}

static bool ag_conf_exists(const char *path, bool *is_dir) {
  struct stat st;
  if (stat(path, &st) != 0) return false;
  if (is_dir) *is_dir = S_ISDIR(st.st_mode);
  return true;
}

/* Parse a JSON file; NULL with a reason ("not valid JSON at line L col C"). */
static cJSON *ag_conf_read_json(const char *path, char *why, size_t len) {
  size_t n;
  char reason[600];
  char *text = ag_read_file_why(path, AG_MAX_AGENT_FILE_BYTES, &n, reason, sizeof reason);
  if (!text) {
    snprintf(why, len, "cannot read %s: %s", path, reason);
    return NULL;
  }
  const char *end = NULL;
  cJSON *j = cJSON_ParseWithLengthOpts(text, n, &end, false);
  if (!j) {
    int line = 1, col = 1;
    for (const char *p = text; end && p < end && p < text + n; p++, col++)
      if (*p == '\n') line++, col = 0;
    snprintf(why, len, "%s is not valid JSON (near line %d, column %d)", path, line, col);
  }
  free(text);
  return j;
}

/* ========================================================================
** Report records
** ======================================================================== */

/* Append {check, message, expected, got} to failures (NULL values are
** left out). */
static void ag_conf_fail(cJSON *failures, const char *check, const char *message, const cJSON *exp,
                         const cJSON *got) {
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "check", check);
  cJSON_AddStringToObject(f, "message", message);
  if (exp) cJSON_AddItemToObject(f, "expected", cJSON_Duplicate(exp, 1));
  if (got) cJSON_AddItemToObject(f, "got", cJSON_Duplicate(got, 1));
  cJSON_AddItemToArray(failures, f);
}

/* fputs of text the agent or its test file chose (case names, error
** messages, paths), its terminal controls escaped (ag_plain_text). */
static void ag_conf_put(FILE *out, const char *s) {
  size_t n = strlen(s ? s : "") * 6 + 1;
  char *plain = malloc(n);
  if (!plain) return;
  ag_plain_text(s, plain, n);
  fputs(plain, out);
  free(plain);
}

/* Print failure record f (made by ag_conf_fail, so check and message are
** strings): the message escaped, then expected and got, each shortened by
** ag_conf_show. */
static void ag_conf_print_failure(FILE *out, const cJSON *f) {
  fprintf(out, "      %s: ", ag_conf_get(f, "check")->valuestring);
  ag_conf_put(out, ag_conf_get(f, "message")->valuestring);
  fputc('\n', out);
  const char *labels[] = {"expected", "got"};
  for (int i = 0; i < 2; i++) {
    const cJSON *v = ag_conf_get(f, labels[i]);
    if (!v) continue;
    char *s = ag_conf_show(v);
    fprintf(out, "        %-9s %s\n", i == 0 ? "expected:" : "got:", s ? s : "?");
    free(s);
  }
}

/* Keep the totals of the JSON report in step with the counters. */
static void ag_conf_tally(ag_ConfReport *r) {
  cJSON_SetNumberValue(cJSON_GetObjectItem(r->json, "passed"), (double)r->passed);
  cJSON_SetNumberValue(cJSON_GetObjectItem(r->json, "failed"), (double)r->failed);
}

void ag_conformance_init(ag_ConfReport *r) {
  r->passed = r->failed = r->nfiles = 0;
  r->json = cJSON_CreateObject();
  cJSON_AddArrayToObject(r->json, "files");
  cJSON_AddArrayToObject(r->json, "untested");
  cJSON_AddNumberToObject(r->json, "passed", 0);
  cJSON_AddNumberToObject(r->json, "failed", 0);
}

void ag_conformance_free(ag_ConfReport *r) {
  cJSON_Delete(r->json);
  r->json = NULL;
}

void ag_conformance_summary(FILE *out, const ag_ConfReport *r) {
  fprintf(out, "%zu passed, %zu failed\n", r->passed, r->failed);
}

/* A test file that cannot run at all: one failure named by its path. */
static void ag_conf_file_failure(const char *path, const char *why, const ag_ConfOptions *o,
                                 ag_ConfReport *r) {
  if (o->out) {
    ag_conf_put(o->out, path);
    fputs("\n  FAIL ", o->out);
    ag_conf_put(o->out, path);
    fputs("\n      file: ", o->out);
    ag_conf_put(o->out, why);
    fputc('\n', o->out);
  }
  cJSON *f = cJSON_CreateObject();
  cJSON_AddStringToObject(f, "path", path);
  cJSON_AddStringToObject(f, "error", why);
  cJSON_AddItemToArray(cJSON_GetObjectItem(r->json, "files"), f);
  r->failed++;
  ag_conf_tally(r);
}

/* ========================================================================
** Validating test files
** ======================================================================== */

static const char *const ag_conf_file_keys[] = {"description", "agent", "mock",
                                                "limits",      "cases", NULL};
static const char *const ag_conf_case_keys[] = {
    "name",   "description", "args",         "context",      "limits",
    "expect", "expect_logs", "expect_store", "expect_calls", NULL};
static const char *const ag_conf_expect_keys[] = {"value", "error", "message", NULL};
static const char *const ag_conf_context_keys[] = {"fields",  "threads", "posts",       "agents",
                                                   "records", "llm",     "llm_default", "store",
                                                   "stores",  "logs",    NULL};
static const char *const ag_conf_limit_keys[] = {"fuel", "memory", "depth", "timeout", NULL};

/* false (with why) when obj has a member not in keys: typos must not pass
** silently. */
static bool ag_conf_known_keys(const cJSON *obj, const char *const *keys, const char *what,
                               char *why, size_t len) {
  const cJSON *m;
  cJSON_ArrayForEach(m, obj) {
    size_t i = 0;
    while (keys[i] && strcmp(keys[i], m->string) != 0) i++;
    if (!keys[i]) {
      snprintf(why, len, "unknown key \"%s\" in %s (see docs/testing.md)", m->string, what);
      return false;
    }
  }
  return true;
}

/* A member that, when present, must satisfy is (cJSON_IsObject, ...). */
static bool ag_conf_typed(const cJSON *obj, cJSON_bool (*is)(const cJSON *const), const char *key,
                          const char *type, char *why, size_t len) {
  const cJSON *v = ag_conf_get(obj, key);
  if (!v || is(v)) return true;
  snprintf(why, len, "\"%s\" must be %s", key, type);
  return false;
}

/* A "limits" member (absent is fine): an object of known limit names whose
** numbers ag_limit_set_number accepts, tried on scratch limits so that a
** bad value fails the file's check rather than the run. false with why. */
static bool ag_conf_limits_ok(const cJSON *limits, char *why, size_t len) {
  if (!limits) return true;
  if (!cJSON_IsObject(limits)) {
    snprintf(why, len, "\"limits\" must be an object");
    return false;
  }
  if (!ag_conf_known_keys(limits, ag_conf_limit_keys, "limits", why, len)) return false;
  const cJSON *m;
  lispy_Limits scratch = lispy_default_limits();
  cJSON_ArrayForEach(m, limits) {
    if (!cJSON_IsNumber(m)) {
      snprintf(why, len, "limit \"%s\" must be a non-negative number", m->string);
      return false;
    }
    if (!ag_limit_set_number(&scratch, m->string, m->valuedouble, why, len)) return false;
  }
  return true;
}

/* "expect" (required): an object with exactly one of "value" and "error"
** (a string kind), and "message" (a string) only beside "error". false
** with why. */
static bool ag_conf_expect_ok(const cJSON *expect, char *why, size_t len) {
  if (!cJSON_IsObject(expect)) {
    snprintf(why, len, "\"expect\" is required: {\"value\": V} or {\"error\": KIND}");
    return false;
  }
  if (!ag_conf_known_keys(expect, ag_conf_expect_keys, "expect", why, len)) return false;
  bool value = ag_conf_get(expect, "value") != NULL;
  const cJSON *error = ag_conf_get(expect, "error");
  if (value == (error != NULL)) {
    snprintf(why, len, "\"expect\" needs exactly one of \"value\" and \"error\"");
    return false;
  }
  if (error && !cJSON_IsString(error)) {
    snprintf(why, len, "\"error\" must be an error kind such as \"invalid_args\"");
    return false;
  }
  if (value && ag_conf_get(expect, "message")) {
    snprintf(why, len, "\"message\" goes with \"error\", not \"value\"");
    return false;
  }
  return ag_conf_typed(expect, cJSON_IsString, "message", "a string", why, len);
}

/* expect_logs / expect_calls items: strings, or objects with the string
** member key_required (NULL: none required). */
static bool ag_conf_items_ok(const cJSON *list, const char *what, const char *key_required,
                             char *why, size_t len) {
  const cJSON *it;
  cJSON_ArrayForEach(it, list) {
    if (cJSON_IsString(it)) continue;
    if (cJSON_IsObject(it) && (!key_required || cJSON_IsString(ag_conf_get(it, key_required))))
      continue;
    snprintf(why, len, "each item of \"%s\" must be a string or an object%s%s%s", what,
             key_required ? " with a string \"" : "", key_required ? key_required : "",
             key_required ? "\"" : "");
    return false;
  }
  return true;
}

/* true when the case is well-formed, else false with why. */
static bool ag_conf_case_ok(const cJSON *c, char *why, size_t len) {
  if (!cJSON_IsObject(c)) {
    snprintf(why, len, "a case must be a JSON object");
    return false;
  }
  return ag_conf_known_keys(c, ag_conf_case_keys, "a case", why, len) &&
         ag_conf_typed(c, cJSON_IsString, "name", "a string", why, len) &&
         ag_conf_typed(c, cJSON_IsObject, "args", "an object", why, len) &&
         ag_conf_typed(c, cJSON_IsObject, "context", "an object", why, len) &&
         ag_conf_known_keys(ag_conf_get(c, "context"), ag_conf_context_keys, "context", why, len) &&
         ag_conf_limits_ok(ag_conf_get(c, "limits"), why, len) &&
         ag_conf_expect_ok(ag_conf_get(c, "expect"), why, len) &&
         ag_conf_typed(c, cJSON_IsArray, "expect_logs", "an array", why, len) &&
         ag_conf_items_ok(ag_conf_get(c, "expect_logs"), "expect_logs", NULL, why, len) &&
         ag_conf_typed(c, cJSON_IsObject, "expect_store", "an object", why, len) &&
         ag_conf_typed(c, cJSON_IsArray, "expect_calls", "an array", why, len) &&
         ag_conf_items_ok(ag_conf_get(c, "expect_calls"), "expect_calls", "method", why, len);
}

/* true when the file's top level is well-formed, else false with why. */
static bool ag_conf_doc_ok(const cJSON *doc, char *why, size_t len) {
  if (!cJSON_IsObject(doc)) {
    snprintf(why, len, "a test file must be a JSON object with \"cases\"");
    return false;
  }
  const cJSON *mock = ag_conf_get(doc, "mock");
  if (mock && !cJSON_IsString(mock) && !cJSON_IsNull(mock)) {
    snprintf(why, len, "\"mock\" must be a path (relative to the test file) or null");
    return false;
  }
  if (!ag_conf_get(doc, "cases")) {
    snprintf(why, len, "\"cases\" is missing: the test file needs an array of cases");
    return false;
  }
  return ag_conf_known_keys(doc, ag_conf_file_keys, "the test file", why, len) &&
         ag_conf_typed(doc, cJSON_IsString, "agent", "a path", why, len) &&
         ag_conf_limits_ok(ag_conf_get(doc, "limits"), why, len) &&
         ag_conf_typed(doc, cJSON_IsArray, "cases", "an array", why, len);
}

/* ========================================================================
** Mock fixtures and limits
** ======================================================================== */

/* One member of a case's context over the fixture: objects (fields,
** threads, store, ...) merge key by key, the case's llm rules go before the
** base ones (the first matching rule wins), anything else is replaced. */
static void ag_conf_merge_item(cJSON *fixture, const cJSON *item) {
  cJSON *cur = cJSON_GetObjectItemCaseSensitive(fixture, item->string);
  const cJSON *m;
  int i = 0;
  if (cJSON_IsObject(cur) && cJSON_IsObject(item)) {
    cJSON_ArrayForEach(m, item) {
      cJSON_DeleteItemFromObjectCaseSensitive(cur, m->string);
      cJSON_AddItemToObject(cur, m->string, cJSON_Duplicate(m, 1));
    }
  } else if (cJSON_IsArray(cur) && cJSON_IsArray(item)) {
    cJSON_ArrayForEach(m, item) cJSON_InsertItemInArray(cur, i++, cJSON_Duplicate(m, 1));
  } else {
    cJSON_DeleteItemFromObjectCaseSensitive(fixture, item->string);
    cJSON_AddItemToObject(fixture, item->string, cJSON_Duplicate(item, 1));
  }
}

/* The fixture of a case: the base (may be NULL) with its context merged. */
static cJSON *ag_conf_fixture(const cJSON *base, const cJSON *context) {
  cJSON *fixture = base ? cJSON_Duplicate(base, 1) : cJSON_CreateObject();
  const cJSON *item;
  cJSON_ArrayForEach(item, context) ag_conf_merge_item(fixture, item);
  return fixture;
}

/* base with the limits given in spec (an object, or NULL) replaced. */
static lispy_Limits ag_conf_limits(lispy_Limits base, const cJSON *spec) {
  static const char *const names[] = {"fuel", "memory", "depth", "timeout"};
  char why[200];
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) { /* checked by ag_conf_limits_ok */
    const cJSON *v = ag_conf_get(spec, names[i]);
    if (cJSON_IsNumber(v)) ag_limit_set_number(&base, names[i], v->valuedouble, why, sizeof why);
  }
  return base;
}

/* ========================================================================
** Checks
** ======================================================================== */

/* What a call came to, for reports: {"value": V} or {"error": {kind,
** message[, errors]}} (the trace and rendered text are left out). */
static cJSON *ag_conf_outcome(const cJSON *env) {
  cJSON *o = cJSON_CreateObject();
  if (cJSON_IsTrue(ag_conf_get(env, "ok"))) {
    cJSON_AddItemToObject(o, "value", cJSON_Duplicate(ag_conf_get(env, "value"), 1));
    return o;
  }
  const cJSON *err = ag_conf_get(env, "error");
  cJSON *e = cJSON_AddObjectToObject(o, "error");
  const char *keys[] = {"kind", "message", "errors"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (ag_conf_get(err, keys[i]))
      cJSON_AddItemToObject(e, keys[i], cJSON_Duplicate(ag_conf_get(err, keys[i]), 1));
  return o;
}

/* expect.value: the call must succeed with an equal value (ag_conf_same);
** else one "value" failure naming the error, or the pointer of the first
** difference with both sides there. */
static void ag_conf_check_value(const cJSON *expect, const cJSON *env, cJSON *failures) {
  const cJSON *want = ag_conf_get(expect, "value"), *got = ag_conf_get(env, "value");
  cJSON *outcome = ag_conf_outcome(env);
  char msg[1024];
  ag_ConfDiff d;
  if (!cJSON_IsTrue(ag_conf_get(env, "ok"))) {
    const cJSON *err = ag_conf_get(env, "error");
    const char *kind = cJSON_GetStringValue(ag_conf_get(err, "kind"));
    const char *text = cJSON_GetStringValue(ag_conf_get(err, "message"));
    snprintf(msg, sizeof msg, "expected a value, but the call failed with %s: %s",
             kind ? kind : "?", text ? text : "");
    ag_conf_fail(failures, "value", msg, expect, outcome);
  } else if (!ag_conf_same(want, got, &d, 0)) {
    char *e = ag_conf_show(d.exp), *g = ag_conf_show(d.got);
    snprintf(msg, sizeof msg, "value differs at %s: expected %s, got %s",
             d.path[0] ? d.path : "the top", e, g);
    free(e);
    free(g);
    ag_conf_fail(failures, "value", msg, expect, outcome);
  }
  cJSON_Delete(outcome);
}

/* expect.error (a string, ag_conf_expect_ok): the call must fail with that
** kind and, when expect.message is given, a message containing it; else
** one "error" failure. */
static void ag_conf_check_error(const cJSON *expect, const cJSON *env, cJSON *failures) {
  const char *kind = ag_conf_get(expect, "error")->valuestring;
  const cJSON *want_msg = ag_conf_get(expect, "message");
  const cJSON *err = ag_conf_get(env, "error");
  const char *got_kind = cJSON_GetStringValue(ag_conf_get(err, "kind"));
  const char *got_msg = cJSON_GetStringValue(ag_conf_get(err, "message"));
  cJSON *outcome = ag_conf_outcome(env);
  char msg[512];
  if (cJSON_IsTrue(ag_conf_get(env, "ok"))) {
    snprintf(msg, sizeof msg, "expected an error of kind %s, but the call returned a value", kind);
    ag_conf_fail(failures, "error", msg, expect, outcome);
  } else if (!got_kind || strcmp(got_kind, kind) != 0) {
    snprintf(msg, sizeof msg, "expected an error of kind %s, got %s: %s", kind,
             got_kind ? got_kind : "?", got_msg ? got_msg : "");
    ag_conf_fail(failures, "error", msg, expect, outcome);
  } else if (want_msg && (!got_msg || !strstr(got_msg, want_msg->valuestring))) {
    snprintf(msg, sizeof msg, "the error message does not contain \"%s\"", want_msg->valuestring);
    ag_conf_fail(failures, "error", msg, expect, outcome);
  }
  cJSON_Delete(outcome);
}

/* A string matches a log line whose message contains it; an object
** matches when its level and message (each optional) are equal. */
static bool ag_conf_log_matches(const cJSON *want, const cJSON *log) {
  const cJSON *msg = ag_conf_get(log, "message");
  if (cJSON_IsString(want))
    return cJSON_IsString(msg) && strstr(msg->valuestring, want->valuestring) != NULL;
  const cJSON *level = ag_conf_get(want, "level"), *text = ag_conf_get(want, "message");
  return (!level || ag_conformance_json_equal(level, ag_conf_get(log, "level"))) &&
         (!text || ag_conformance_json_equal(text, msg));
}

/* The logs, one expected entry per captured line, in order. */
static void ag_conf_check_logs(const cJSON *want, const cJSON *logs, cJSON *failures) {
  cJSON *none = logs ? NULL : cJSON_CreateArray();
  if (none) logs = none;
  int n = cJSON_GetArraySize(want), got = cJSON_GetArraySize(logs);
  char msg[256] = "";
  if (n != got) {
    snprintf(msg, sizeof msg, "expected %d log line(s), got %d", n, got);
  } else {
    for (int i = 0; i < n && !msg[0]; i++)
      if (!ag_conf_log_matches(cJSON_GetArrayItem(want, i), cJSON_GetArrayItem(logs, i)))
        snprintf(msg, sizeof msg, "log line %d does not match", i + 1);
  }
  if (msg[0]) ag_conf_fail(failures, "logs", msg, want, logs);
  cJSON_Delete(none);
}

/* Each listed key holds an equal value afterwards (null: absent or null). */
static void ag_conf_check_store(const cJSON *want, const cJSON *store, cJSON *failures) {
  const cJSON *w;
  cJSON_ArrayForEach(w, want) {
    const cJSON *got = ag_conf_get(store, w->string);
    if (cJSON_IsNull(w) ? (!got || cJSON_IsNull(got)) : ag_conformance_json_equal(w, got)) continue;
    char *e = ag_conf_show(w), *g = ag_conf_show(got), msg[1024];
    snprintf(msg, sizeof msg, "store key \"%s\": expected %s, got %s", w->string, e, g);
    free(e);
    free(g);
    ag_conf_fail(failures, "store", msg, want, store);
    return;
  }
}

/* The context calls made, as names, or as {method, args} when detailed. */
static cJSON *ag_conf_calls(const cJSON *trace, bool detailed) {
  cJSON *calls = cJSON_CreateArray();
  const cJSON *t;
  cJSON_ArrayForEach(t, trace) {
    const cJSON *method = ag_conf_get(t, "method");
    if (!detailed) {
      cJSON_AddItemToArray(calls, cJSON_Duplicate(method, 1));
      continue;
    }
    cJSON *c = cJSON_CreateObject();
    cJSON_AddItemToObject(c, "method", cJSON_Duplicate(method, 1));
    cJSON_AddItemToObject(c, "args", cJSON_Duplicate(ag_conf_get(t, "args"), 1));
    cJSON_AddItemToArray(calls, c);
  }
  return calls;
}

/* A string names the method; an object gives the method and, optionally,
** the arguments. */
static bool ag_conf_call_matches(const cJSON *want, const cJSON *call) {
  const cJSON *method = cJSON_IsObject(call) ? ag_conf_get(call, "method") : call;
  if (cJSON_IsString(want)) return ag_conformance_json_equal(want, method);
  const cJSON *args = ag_conf_get(want, "args");
  return ag_conformance_json_equal(ag_conf_get(want, "method"), method) &&
         (!args || ag_conformance_json_equal(args, ag_conf_get(call, "args")));
}

/* Every context call, in order. */
static void ag_conf_check_calls(const cJSON *want, const cJSON *trace, cJSON *failures) {
  bool detailed = false;
  const cJSON *w;
  cJSON_ArrayForEach(w, want) detailed |= cJSON_IsObject(w);
  cJSON *calls = ag_conf_calls(trace, detailed);
  int n = cJSON_GetArraySize(want);
  bool same = n == cJSON_GetArraySize(calls);
  for (int i = 0; same && i < n; i++)
    same = ag_conf_call_matches(cJSON_GetArrayItem(want, i), cJSON_GetArrayItem(calls, i));
  if (!same) ag_conf_fail(failures, "calls", "the context calls differ", want, calls);
  cJSON_Delete(calls);
}

/* The store the agent named name saw: its namespace in the mock, or the
** fixture's initial store when it never used one. */
static const cJSON *ag_conf_store(const cJSON *state, const char *name) {
  const cJSON *mine = ag_conf_get(ag_conf_get(state, "stores"), name ? name : "");
  return mine ? mine : ag_conf_get(state, "store");
}

/* Every check the case asks for, against the envelope and the mock (the
** store of the agent named name). */
static void ag_conf_check(ag_Runtime *rt, const cJSON *c, const cJSON *env, const char *name,
                          cJSON *failures) {
  const cJSON *expect = ag_conf_get(c, "expect");
  if (ag_conf_get(expect, "value")) ag_conf_check_value(expect, env, failures);
  else ag_conf_check_error(expect, env, failures);
  ag_Backend *b = ag_runtime_backend(rt);
  cJSON *state = b->describe ? b->describe(b->self) : NULL;
  const cJSON *want;
  if ((want = ag_conf_get(c, "expect_logs")))
    ag_conf_check_logs(want, ag_conf_get(state, "logs"), failures);
  if ((want = ag_conf_get(c, "expect_store")))
    ag_conf_check_store(want, ag_conf_store(state, name), failures);
  if ((want = ag_conf_get(c, "expect_calls")))
    ag_conf_check_calls(want, ag_conf_get(env, "trace"), failures);
  cJSON_Delete(state);
}

/* ========================================================================
** Running cases
** ======================================================================== */

/* One test file being run. */
typedef struct ag_ConfFile {
  ag_Runtime *rt;          /* runs the agent; its backend is replaced per case */
  const char *path;        /* the test file */
  char *agent_path;        /* the agent file it tests */
  cJSON *doc;              /* the parsed test file */
  cJSON *base;             /* the base mock fixture, or NULL */
  const ag_ConfOptions *o; /* the run's options (out: the text report) */
  ag_ConfReport *r;        /* the report results are added to */
  cJSON *cases;            /* this file's case results in the JSON report */
  size_t passed, failed;   /* this file's counts */
} ag_ConfFile;

/* Install a fresh mock for the case; false (recorded) on a bad fixture. */
static bool ag_conf_install_mock(ag_ConfFile *f, const cJSON *c, cJSON *failures) {
  cJSON *fixture = ag_conf_fixture(f->base, ag_conf_get(c, "context"));
  ag_Backend b;
  char *err = NULL;
  bool ok = ag_mock_new(fixture, &b, &err);
  cJSON_Delete(fixture);
  if (!ok) {
    ag_conf_fail(failures, "context", err ? err : "the mock fixture is malformed", NULL, NULL);
    free(err);
    return false;
  }
  ag_runtime_set_backend(f->rt, b);
  return true;
}

/* Load the agent afresh, call it with tracing under the case's limits,
** then check the outcome. */
static void ag_conf_execute(ag_ConfFile *f, const cJSON *c, cJSON *failures) {
  if (!ag_conf_install_mock(f, c, failures)) return;
  lispy_Limits saved = ag_runtime_limits(f->rt);
  lispy_Limits lim = ag_conf_limits(ag_conf_limits(saved, ag_conf_get(f->doc, "limits")),
                                    ag_conf_get(c, "limits"));
  ag_runtime_set_limits(f->rt, &lim);
  ag_Agent *a = ag_agent_load_file(f->rt, f->agent_path);
  ag_CallOptions opt = {.trace = true};
  cJSON *env = ag_invoke_agent(f->rt, a, ag_conf_get(c, "args"), &opt);
  char *name = ag_strdup(a->name);
  ag_agent_free(a);
  ag_runtime_set_limits(f->rt, &saved);
  ag_conf_check(f->rt, c, env, name, failures);
  free(name);
  cJSON_Delete(env);
}

/* Run case number i (from 1), print its line and record it. */
static void ag_conf_run_case(ag_ConfFile *f, const cJSON *c, int i) {
  char name[256], why[512];
  const cJSON *n = ag_conf_get(c, "name");
  if (cJSON_IsString(n)) snprintf(name, sizeof name, "%s", n->valuestring);
  else snprintf(name, sizeof name, "case %d", i);
  cJSON *result = cJSON_CreateObject();
  cJSON_AddStringToObject(result, "name", name);
  cJSON *failures = cJSON_CreateArray();
  if (ag_conf_case_ok(c, why, sizeof why)) ag_conf_execute(f, c, failures);
  else ag_conf_fail(failures, "case", why, NULL, NULL);
  bool ok = cJSON_GetArraySize(failures) == 0;
  if (ok) f->passed++;
  else f->failed++;
  if (f->o->out) {
    fprintf(f->o->out, "  %s ", ok ? "PASS" : "FAIL");
    ag_conf_put(f->o->out, name);
    fputc('\n', f->o->out);
    const cJSON *fl;
    cJSON_ArrayForEach(fl, failures) ag_conf_print_failure(f->o->out, fl);
  }
  cJSON_AddBoolToObject(result, "ok", ok);
  cJSON_AddItemToObject(result, "failures", failures);
  cJSON_AddItemToArray(f->cases, result);
}

/* ========================================================================
** Test files
** ======================================================================== */

/* The base fixture: the file's "mock" (relative to it; null: none), else
** the --mock fixture, else none. false with why when it cannot be used. */
static bool ag_conf_load_base(ag_ConfFile *f, char *why, size_t len) {
  const cJSON *mock = ag_conf_get(f->doc, "mock");
  if (cJSON_IsNull(mock) || (!mock && !f->o->mock)) return true;
  char *path = mock ? ag_conf_relative(f->path, mock->valuestring) : strdup(f->o->mock);
  f->base = path ? ag_conf_read_json(path, why, len) : NULL;
  ag_Backend b;
  char *err = NULL;
  if (f->base && !ag_mock_new(f->base, &b, &err)) {
    snprintf(why, len, "mock fixture %s: %s", path, err ? err : "malformed");
    cJSON_Delete(f->base);
    f->base = NULL;
  } else if (f->base) {
    b.destroy(b.self);
  }
  free(err);
  free(path);
  return f->base != NULL;
}

/* Parse the file, find its agent and base fixture; false with why. */
static bool ag_conf_open(ag_ConfFile *f, char *why, size_t len) {
  f->doc = ag_conf_read_json(f->path, why, len);
  if (!f->doc || !ag_conf_doc_ok(f->doc, why, len)) return false;
  const cJSON *agent = ag_conf_get(f->doc, "agent");
  f->agent_path = agent ? ag_conf_relative(f->path, agent->valuestring)
                        : ag_conf_swap_suffix(f->path, AG_CONF_SUFFIX, ".lispy");
  if (!f->agent_path || !ag_conf_exists(f->agent_path, NULL)) {
    snprintf(why, len, "the agent file %s does not exist", f->agent_path ? f->agent_path : "?");
    return false;
  }
  return ag_conf_load_base(f, why, len);
}

/* Header line and the agent's load-time errors (cases still run: they
** see not_found envelopes); the report keeps its errors and warnings. */
static void ag_conf_header(ag_ConfFile *f, cJSON *entry) {
  ag_Agent *a = ag_agent_load_file(f->rt, f->agent_path);
  ag_Diags kept;
  ag_diags_init(&kept);
  cJSON_AddStringToObject(entry, "agent", a->name ? a->name : "");
  cJSON_AddStringToObject(entry, "agent_path", f->agent_path);
  if (f->o->out) {
    ag_conf_put(f->o->out, f->path);
    fputs(" (", f->o->out);
    ag_conf_put(f->o->out, a->name ? a->name : "unnamed agent");
    fputs(")\n", f->o->out);
  }
  for (size_t i = 0; i < a->diags.n; i++) {
    const ag_Diag *g = &a->diags.items[i];
    if (g->severity == AG_NOTE) continue;
    ag_diags_add(&kept, g->path, g->line, g->col, g->severity, g->code, g->hint, "%s", g->message);
    if (g->severity == AG_ERROR && f->o->out) ag_diag_print(f->o->out, g, false);
  }
  cJSON_AddItemToObject(entry, "diagnostics", ag_diags_json(&kept));
  ag_diags_free(&kept);
  ag_agent_free(a);
}

/* Run every case of the opened file f, add its entry (path, agent header,
** case results, counts) to the report's "files" and its counts to the
** report's totals. */
static void ag_conf_run_cases(ag_ConfFile *f) {
  cJSON *entry = cJSON_CreateObject();
  cJSON_AddStringToObject(entry, "path", f->path);
  ag_conf_header(f, entry);
  f->cases = cJSON_AddArrayToObject(entry, "cases");
  int i = 0;
  const cJSON *c;
  cJSON_ArrayForEach(c, ag_conf_get(f->doc, "cases")) ag_conf_run_case(f, c, ++i);
  if (f->o->out && i == 0) fprintf(f->o->out, "  (no cases)\n");
  cJSON_AddNumberToObject(entry, "passed", (double)f->passed);
  cJSON_AddNumberToObject(entry, "failed", (double)f->failed);
  cJSON_AddItemToArray(cJSON_GetObjectItem(f->r->json, "files"), entry);
  f->r->passed += f->passed;
  f->r->failed += f->failed;
  ag_conf_tally(f->r);
}

/* A file that cannot be opened (unreadable or bad JSON, bad top level,
** missing agent, bad base fixture) counts as one failure; else each case
** counts. Each case replaces rt's backend with its own mock (not
** restored). Frees what it opened. */
void ag_conformance_run_file(ag_Runtime *rt, const char *test_path, const ag_ConfOptions *o,
                             ag_ConfReport *r) {
  ag_ConfFile f = {rt, test_path, NULL, NULL, NULL, o, r, NULL, 0, 0};
  char why[1024];
  r->nfiles++;
  if (ag_conf_open(&f, why, sizeof why)) ag_conf_run_cases(&f);
  else ag_conf_file_failure(test_path, why, o, r);
  free(f.agent_path);
  cJSON_Delete(f.doc);
  cJSON_Delete(f.base);
}

/* ========================================================================
** Paths and folders
** ======================================================================== */

static int ag_conf_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted names in dir ending in suffix; NULL when dir cannot be read.
** The caller frees each name and the array. */
static char **ag_conf_list(const char *dir, const char *suffix, size_t *n) {
  DIR *d = opendir(dir);
  if (!d) return NULL;
  char **names = malloc(sizeof *names);
  size_t cap = 1;
  struct dirent *e;
  *n = 0;
  while (names && (e = readdir(d)) != NULL) {
    if (!ag_conf_has_suffix(e->d_name, suffix)) continue;
    if (*n == cap) {
      char **nn = realloc(names, (cap *= 2) * sizeof *names);
      if (!nn) break;
      names = nn;
    }
    names[(*n)++] = strdup(e->d_name);
  }
  closedir(d);
  if (names && *n) qsort(names, *n, sizeof *names, ag_conf_cmp);
  return names;
}

static void ag_conf_free_list(char **names, size_t n) {
  for (size_t i = 0; i < n; i++) free(names[i]);
  free(names);
}

static char *ag_conf_join(const char *dir, const char *name) {
  size_t len = strlen(dir) + strlen(name) + 2;
  char *out = malloc(len);
  if (out) snprintf(out, len, "%s%s%s", dir, ag_conf_has_suffix(dir, "/") ? "" : "/", name);
  return out;
}

/* Agents in dir without a sibling test file: listed, not failed. */
static void ag_conf_untested(const char *dir, const ag_ConfOptions *o, ag_ConfReport *r) {
  size_t n = 0;
  char **names = ag_conf_list(dir, "_agent.lispy", &n);
  for (size_t i = 0; i < n; i++) {
    char *path = ag_conf_join(dir, names[i]);
    char *test = path ? ag_conf_swap_suffix(path, ".lispy", AG_CONF_SUFFIX) : NULL;
    if (test && !ag_conf_exists(test, NULL)) {
      if (o->out) fprintf(o->out, "SKIP %s (no %s)\n", path, strrchr(test, '/') + 1);
      cJSON_AddItemToArray(cJSON_GetObjectItem(r->json, "untested"), cJSON_CreateString(path));
    }
    free(test);
    free(path);
  }
  ag_conf_free_list(names, n);
}

/* Every *.test.json in dir, in name order, then the agents lacking one
** (listed as untested); an unreadable folder is one failure. */
static void ag_conf_run_dir(ag_Runtime *rt, const char *dir, const ag_ConfOptions *o,
                            ag_ConfReport *r) {
  size_t n = 0;
  char **names = ag_conf_list(dir, AG_CONF_SUFFIX, &n);
  if (!names) {
    ag_conf_file_failure(dir, "cannot read the folder", o, r);
    return;
  }
  for (size_t i = 0; i < n; i++) {
    char *path = ag_conf_join(dir, names[i]);
    if (path) ag_conformance_run_file(rt, path, o, r);
    free(path);
  }
  ag_conf_free_list(names, n);
  ag_conf_untested(dir, o, r);
}

/* (agents.h) A path that does not exist, an agent file without a test
** file, or any other kind of file counts as one failure. */
void ag_conformance_run_path(ag_Runtime *rt, const char *path, const ag_ConfOptions *o,
                             ag_ConfReport *r) {
  bool is_dir = false;
  if (!ag_conf_exists(path, &is_dir)) {
    ag_conf_file_failure(path, "no such file or folder", o, r);
  } else if (is_dir) {
    ag_conf_run_dir(rt, path, o, r);
  } else if (ag_conf_has_suffix(path, AG_CONF_SUFFIX)) {
    ag_conformance_run_file(rt, path, o, r);
  } else if (ag_conf_has_suffix(path, ".lispy")) {
    char *test = ag_conf_swap_suffix(path, ".lispy", AG_CONF_SUFFIX);
    if (test && ag_conf_exists(test, NULL)) ag_conformance_run_file(rt, test, o, r);
    else ag_conf_file_failure(path, "the agent has no test file (X_agent.test.json)", o, r);
    free(test);
  } else {
    ag_conf_file_failure(path, "not a folder, an agent file or a .test.json file", o, r);
  }
}
