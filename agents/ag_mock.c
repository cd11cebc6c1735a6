/*
** ag_mock.c -- the mock context backend: fixtures, scripted LLM replies, an
** in-memory store and captured logs. Deterministic, so agents can be tested.
*/
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "ag_config.h"
#include "ag_internal.h"

/* A scripted LLM reply: the first rule whose regex matches the prompt
** answers it. */
typedef struct ag_LlmRule {
  char *pattern, *reply; /* the regex text and the reply (owned copies) */
  pcre2_code *re;        /* case-insensitive, UTF */
} ag_LlmRule;

/* Bytes a namespace's store holds, kept beside the store so that a save
** costs the size of what it saves, not of the whole store. */
typedef struct ag_StoreUse {
  char *ns;     /* the namespace (an agent's name) */
  size_t bytes; /* ag_json_weight of its keys and values */
} ag_StoreUse;

/* The mock backend's self. */
typedef struct ag_Mock {
  cJSON *fixture;          /* as loaded, for reset */
  cJSON *state;            /* working copy: fields, threads, ..., store, logs */
  ag_LlmRule *rules;       /* compiled from the fixture's "llm", in order */
  size_t nrules, caprules; /* used / allocated slots of rules */
  ag_StoreUse *use;        /* per-namespace store size (AG_MAX_STORE_BYTES) */
  size_t nuse, capuse;     /* used / allocated slots of use */
  size_t log_bytes;        /* what state.logs holds (AG_MAX_LOG_BYTES) */
  size_t logs_dropped;     /* oldest lines dropped to stay under the cap */
} ag_Mock;

/* The fixture tables fetch_X reads. */
static const char *const ag_tables[] = {"threads", "posts", "agents", "records"};

/* ========================================================================
** LLM rules
** ======================================================================== */

/* Compile pattern (UTF, case-insensitive) and append the rule pattern ->
** reply; both strings are copied. A bad regex returns false with *err set
** (malloc'd; err may be NULL, when the caller does not want it); running out
** of memory growing the table returns false without *err. */
static bool ag_mock_rule_add(ag_Mock *m, const char *pattern, const char *reply, char **err) {
  int code;
  PCRE2_SIZE off;
  pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
                                 PCRE2_UTF | PCRE2_CASELESS, &code, &off, NULL);
  if (!re) {
    char buf[256], msg[400];
    pcre2_get_error_message(code, (PCRE2_UCHAR *)buf, sizeof buf);
    snprintf(msg, sizeof msg, "llm rule /%s/: %s at offset %zu", pattern, buf, (size_t)off);
    if (err) *err = strdup(msg);
    return false;
  }
  if (m->nrules == m->caprules) {
    size_t ncap = m->caprules ? m->caprules * 2 : 8;
    ag_LlmRule *nr = realloc(m->rules, ncap * sizeof *nr);
    if (!nr) {
      pcre2_code_free(re);
      return false;
    }
    m->rules = nr;
    m->caprules = ncap;
  }
  m->rules[m->nrules++] = (ag_LlmRule){strdup(pattern), strdup(reply), re};
  return true;
}

/* Free every rule's strings and regex; the rules array itself is kept for
** reuse (ag_mock_destroy frees it). */
static void ag_mock_rules_free(ag_Mock *m) {
  for (size_t i = 0; i < m->nrules; i++) {
    free(m->rules[i].pattern);
    free(m->rules[i].reply);
    pcre2_code_free(m->rules[i].re);
  }
  m->nrules = 0;
}

/* Whether rule r's regex matches somewhere in prompt. The match limit keeps
** a backtracking pattern from hanging a test; hitting it, like any match
** error, counts as no match. */
static bool ag_mock_matches(const ag_LlmRule *r, const char *prompt) {
  pcre2_match_data *md = pcre2_match_data_create_from_pattern(r->re, NULL);
  pcre2_match_context *mc = pcre2_match_context_create(NULL);
  pcre2_set_match_limit(mc, AG_MOCK_MATCH_LIMIT);
  int rc = pcre2_match(r->re, (PCRE2_SPTR)prompt, PCRE2_ZERO_TERMINATED, 0, 0, md, mc);
  pcre2_match_context_free(mc);
  pcre2_match_data_free(md);
  return rc >= 0;
}

/* Replace {prompt} in a template by the prompt. */
static char *ag_mock_expand(const char *tmpl, const char *prompt) {
  const char *at = strstr(tmpl, "{prompt}");
  if (!at) return strdup(tmpl);
  size_t a = (size_t)(at - tmpl), p = strlen(prompt), t = strlen(tmpl);
  char *out = malloc(t - 8 + p + 1);
  if (!out) return NULL;
  memcpy(out, tmpl, a);
  memcpy(out + a, prompt, p);
  memcpy(out + a + p, at + 8, t - a - 8 + 1);
  return out;
}

/* The first matching rule's reply, else the default reply template. */
static cJSON *ag_mock_llm(ag_Mock *m, const cJSON *args, char **err) {
  const cJSON *prompt = cJSON_GetArrayItem(args, 0);
  if (!cJSON_IsString(prompt)) {
    *err = strdup("the prompt must be a string");
    return NULL;
  }
  for (size_t i = 0; i < m->nrules; i++)
    if (ag_mock_matches(&m->rules[i], prompt->valuestring))
      return cJSON_CreateString(m->rules[i].reply);
  const cJSON *def = cJSON_GetObjectItemCaseSensitive(m->state, "llm_default");
  const char *tmpl = cJSON_IsString(def) ? def->valuestring : "[mock llm reply to: {prompt}]";
  char *text = ag_mock_expand(tmpl, prompt->valuestring);
  cJSON *r = cJSON_CreateString(text ? text : "");
  free(text);
  return r;
}

/* ========================================================================
** Fixtures, store and logs
** ======================================================================== */

/* An id argument as an object key: strings as they are, numbers printed. */
static bool ag_mock_key(const cJSON *id, char *buf, size_t len) {
  if (cJSON_IsString(id)) snprintf(buf, len, "%s", id->valuestring);
  else if (cJSON_IsNumber(id)) snprintf(buf, len, "%.17g", id->valuedouble);
  else return false;
  return true;
}

/* fetch_X: a deep copy (the caller's) of state[table][id], id being the
** first argument as a key (ag_mock_key). NULL with *err (malloc'd) when the
** id is neither string nor number or no such entry exists; what names the
** kind ("thread") in the message. */
static cJSON *ag_mock_fetch(ag_Mock *m, const char *table, const char *what, const cJSON *args,
                            char **err) {
  char key[256], msg[400];
  if (!ag_mock_key(cJSON_GetArrayItem(args, 0), key, sizeof key)) {
    snprintf(msg, sizeof msg, "the %s id must be a string or a number", what);
    *err = strdup(msg);
    return NULL;
  }
  const cJSON *t = cJSON_GetObjectItemCaseSensitive(m->state, table);
  const cJSON *item = cJSON_GetObjectItemCaseSensitive(t, key);
  if (!item) {
    snprintf(msg, sizeof msg, "no %s with id \"%s\" in the mock fixtures", what, key);
    *err = strdup(msg);
    return NULL;
  }
  return cJSON_Duplicate(item, 1);
}

/* state[name], made as an empty object when missing. */
static cJSON *ag_mock_table(ag_Mock *m, const char *name) {
  cJSON *t = cJSON_GetObjectItemCaseSensitive(m->state, name);
  if (!t) {
    t = cJSON_CreateObject();
    cJSON_AddItemToObject(m->state, name, t);
  }
  return t;
}

/* The store of namespace ns: state.stores[ns], made on first use as a copy
** of the fixture's "store" (every agent starts from the same entries; what
** one saves, only it loads). */
static cJSON *ag_mock_store(ag_Mock *m, const char *ns) {
  cJSON *stores = ag_mock_table(m, "stores");
  cJSON *s = cJSON_GetObjectItemCaseSensitive(stores, ns);
  if (cJSON_IsObject(s)) return s;
  const cJSON *init = cJSON_GetObjectItemCaseSensitive(m->state, "store");
  cJSON_DeleteItemFromObjectCaseSensitive(stores, ns);
  s = cJSON_IsObject(init) ? cJSON_Duplicate(init, 1) : cJSON_CreateObject();
  cJSON_AddItemToObject(stores, ns, s);
  return s;
}

/* The size record of namespace ns, made (counting the fixture's entries
** the store starts with) on first use. */
static ag_StoreUse *ag_mock_use(ag_Mock *m, const char *ns, cJSON *store) {
  for (size_t i = 0; i < m->nuse; i++)
    if (strcmp(m->use[i].ns, ns) == 0) return &m->use[i];
  if (m->nuse == m->capuse) {
    size_t cap = m->capuse ? m->capuse * 2 : 8;
    ag_StoreUse *u = realloc(m->use, cap * sizeof *u);
    if (!u) return NULL;
    m->use = u;
    m->capuse = cap;
  }
  char *copy = strdup(ns);
  if (!copy) return NULL;
  m->use[m->nuse] = (ag_StoreUse){copy, ag_json_weight(store->child)};
  return &m->use[m->nuse++];
}

static void ag_mock_use_free(ag_Mock *m) {
  for (size_t i = 0; i < m->nuse; i++) free(m->use[i].ns);
  free(m->use);
  m->use = NULL;
  m->nuse = m->capuse = 0;
}

/* The weight of one store entry (its key and value). */
static size_t ag_mock_entry_weight(const cJSON *item) {
  if (!item) return 0;
  cJSON one = *item; /* a shallow copy without its siblings */
  one.next = one.prev = NULL;
  return ag_json_weight(&one);
}

/* Save under the namespace's quota: the store lives in host memory,
** outside every LisPy limit, so without one a loop of saves grows the host
** without bound. */
static cJSON *ag_mock_save(ag_Mock *m, const char *ns, const cJSON *args, char **err) {
  const cJSON *key = cJSON_GetArrayItem(args, 0), *val = cJSON_GetArrayItem(args, 1);
  if (!cJSON_IsString(key)) {
    *err = strdup("the key must be a string");
    return NULL;
  }
  cJSON *store = ag_mock_store(m, ns);
  ag_StoreUse *use = ag_mock_use(m, ns, store);
  cJSON *item = cJSON_Duplicate(val, 1);
  if (!use || !item) {
    cJSON_Delete(item);
    *err = strdup("out of memory saving the value");
    return NULL;
  }
  size_t add = ag_json_weight(item) + strlen(key->valuestring) + 1; /* with its key */
  size_t old = ag_mock_entry_weight(cJSON_GetObjectItemCaseSensitive(store, key->valuestring));
  if (use->bytes - old + add > AG_MAX_STORE_BYTES) {
    cJSON_Delete(item);
    char msg[300];
    snprintf(msg, sizeof msg,
             "the agent's store is full: it holds %zu bytes and this value "
             "needs %zu more; the quota is %u bytes (hint: save less, or overwrite old keys)",
             use->bytes, add, AG_MAX_STORE_BYTES);
    *err = strdup(msg);
    return NULL;
  }
  cJSON_DeleteItemFromObjectCaseSensitive(store, key->valuestring);
  cJSON_AddItemToObject(store, key->valuestring, item);
  use->bytes = use->bytes - old + add;
  return cJSON_CreateTrue();
}

/* load: a deep copy of what namespace ns saved under the key, else of the
** second argument (the default), else null; the caller owns it. NULL with
** *err (malloc'd) when the key is not a string. */
static cJSON *ag_mock_load(ag_Mock *m, const char *ns, const cJSON *args, char **err) {
  const cJSON *key = cJSON_GetArrayItem(args, 0), *def = cJSON_GetArrayItem(args, 1);
  if (!cJSON_IsString(key)) {
    *err = strdup("the key must be a string");
    return NULL;
  }
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(ag_mock_store(m, ns), key->valuestring);
  if (v) return cJSON_Duplicate(v, 1);
  return def ? cJSON_Duplicate(def, 1) : cJSON_CreateNull();
}

/* log: append {"level", "message"} to state.logs (level "info" unless given
** as a string). A message weighing over AG_MAX_LOG_BYTES / 4 is replaced by
** a note saying it was dropped; then the oldest lines (never the new one)
** go until the logs fit AG_MAX_LOG_BYTES, counted in logs_dropped. Never
** fails; returns null. */
static cJSON *ag_mock_log(ag_Mock *m, const cJSON *args, char **err) {
  const cJSON *msg = cJSON_GetArrayItem(args, 0), *level = cJSON_GetArrayItem(args, 1);
  cJSON *logs = cJSON_GetObjectItemCaseSensitive(m->state, "logs");
  if (!logs) {
    logs = cJSON_CreateArray();
    cJSON_AddItemToObject(m->state, "logs", logs);
  }
  cJSON *e = cJSON_CreateObject();
  cJSON_AddStringToObject(e, "level", cJSON_IsString(level) ? level->valuestring : "info");
  size_t w = ag_json_weight(msg);
  if (w > AG_MAX_LOG_BYTES / 4) { /* one line may not push out all the others */
    char note[120];
    snprintf(note, sizeof note, "(a log line of %zu bytes, over the limit of %u, was dropped)", w,
             AG_MAX_LOG_BYTES / 4);
    cJSON_AddStringToObject(e, "message", note);
  } else if (cJSON_IsString(msg)) {
    cJSON_AddStringToObject(e, "message", msg->valuestring);
  } else {
    cJSON_AddItemToObject(e, "message", cJSON_Duplicate(msg, 1));
  }
  cJSON_AddItemToArray(logs, e);
  m->log_bytes += ag_mock_entry_weight(e);
  while (m->log_bytes > AG_MAX_LOG_BYTES && logs->child != e) { /* drop the oldest */
    cJSON *old = cJSON_DetachItemViaPointer(logs, logs->child);
    m->log_bytes -= ag_mock_entry_weight(old);
    m->logs_dropped++;
    cJSON_Delete(old);
  }
  (void)err;
  return cJSON_CreateNull();
}

/* ========================================================================
** The backend
** ======================================================================== */

/* The backend's call: dispatch method to llm, save, load, log or fetch_X
** (X a prefix of a table name: fetch_thread reads "threads"). Returns a new
** value the caller owns, or NULL with *err malloc'd (also for an unknown
** method). */
static cJSON *ag_mock_call(void *self, const char *ns, const char *method, const cJSON *args,
                           char **err) {
  ag_Mock *m = self;
  if (strcmp(method, "llm") == 0) return ag_mock_llm(m, args, err);
  if (strcmp(method, "save") == 0) return ag_mock_save(m, ns, args, err);
  if (strcmp(method, "load") == 0) return ag_mock_load(m, ns, args, err);
  if (strcmp(method, "log") == 0) return ag_mock_log(m, args, err);
  for (size_t i = 0; i < sizeof ag_tables / sizeof ag_tables[0]; i++) {
    const char *what = method + 6; /* "fetch_thread" -> "thread" */
    if (strncmp(method, "fetch_", 6) == 0 && strncmp(ag_tables[i], what, strlen(what)) == 0)
      return ag_mock_fetch(m, ag_tables[i], what, args, err);
  }
  *err = strdup("the mock context does not implement this method");
  return NULL;
}

/* The backend's fields: a copy of the fixture's "fields" (the caller's),
** with "agent_id" set to agent unless the fixture gives one. */
static cJSON *ag_mock_fields(void *self, const char *agent) {
  ag_Mock *m = self;
  cJSON *f = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(m->state, "fields"), 1);
  if (!f) f = cJSON_CreateObject();
  if (!cJSON_GetObjectItemCaseSensitive(f, "agent_id"))
    cJSON_AddStringToObject(f, "agent_id", agent);
  return f;
}

/* The backend's describe: a deep copy of the working state (the caller's)
** with "llm" replaced by the rules as {"pattern", "reply"} objects, plus
** "logs_dropped" when log lines were dropped. */
static cJSON *ag_mock_describe(void *self) {
  ag_Mock *m = self;
  cJSON *d = cJSON_Duplicate(m->state, 1);
  cJSON *rules = cJSON_CreateArray();
  for (size_t i = 0; i < m->nrules; i++) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "pattern", m->rules[i].pattern);
    cJSON_AddStringToObject(r, "reply", m->rules[i].reply);
    cJSON_AddItemToArray(rules, r);
  }
  cJSON_DeleteItemFromObjectCaseSensitive(d, "llm");
  cJSON_AddItemToObject(d, "llm", rules);
  if (m->logs_dropped) cJSON_AddNumberToObject(d, "logs_dropped", (double)m->logs_dropped);
  return d;
}

/* Working state from the fixture; rules compiled. */
static bool ag_mock_init_state(ag_Mock *m, char **err) {
  cJSON_Delete(m->state);
  ag_mock_rules_free(m);
  ag_mock_use_free(m);
  m->state = m->fixture ? cJSON_Duplicate(m->fixture, 1) : cJSON_CreateObject();
  const cJSON *logs = cJSON_GetObjectItemCaseSensitive(m->state, "logs");
  m->log_bytes = logs ? ag_json_weight(logs->child) : 0;
  m->logs_dropped = 0;
  const cJSON *rule;
  cJSON_ArrayForEach(rule, cJSON_GetObjectItemCaseSensitive(m->fixture, "llm")) {
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(rule, "pattern");
    const cJSON *r = cJSON_GetObjectItemCaseSensitive(rule, "reply");
    if (!cJSON_IsString(p) || !cJSON_IsString(r)) {
      if (err) *err = strdup("each llm rule needs string \"pattern\" and \"reply\"");
      return false;
    }
    if (!ag_mock_rule_add(m, p->valuestring, r->valuestring, err)) return false;
  }
  return true;
}

static void ag_mock_reset(void *self) { ag_mock_init_state(self, NULL); }

/* The backend's destroy: free rules, size records, fixture, state and m. */
static void ag_mock_destroy(void *self) {
  ag_Mock *m = self;
  ag_mock_rules_free(m);
  free(m->rules);
  ag_mock_use_free(m);
  cJSON_Delete(m->fixture);
  cJSON_Delete(m->state);
  free(m);
}

/* (agents.h) The fixture is copied; the caller keeps and frees its own. On
** a malformed fixture returns false with *err malloc'd and frees what it
** made; out of memory for the mock itself returns false without *err. */
bool ag_mock_new(const cJSON *fixture, ag_Backend *out, char **err) {
  if (fixture && !cJSON_IsObject(fixture)) {
    *err = strdup("the mock fixture must be a JSON object");
    return false;
  }
  ag_Mock *m = calloc(1, sizeof *m);
  if (!m) return false;
  m->fixture = fixture ? cJSON_Duplicate(fixture, 1) : NULL;
  if (!ag_mock_init_state(m, err)) {
    ag_mock_destroy(m);
    return false;
  }
  *out = (ag_Backend){
      "mock", m, ag_mock_call, ag_mock_fields, ag_mock_describe, ag_mock_reset, ag_mock_destroy};
  return true;
}

/* ag_mock_new on the JSON file at path (at most AG_MAX_AGENT_FILE_BYTES).
** An unreadable file or invalid JSON returns false with *err malloc'd. */
bool ag_mock_load_file(const char *path, ag_Backend *out, char **err) {
  size_t len;
  char msg[1200], why[600];
  char *text = ag_read_file_why(path, AG_MAX_AGENT_FILE_BYTES, &len, why, sizeof why);
  if (!text) {
    snprintf(msg, sizeof msg, "%.500s: cannot read the mock fixture: %s", path, why);
    *err = strdup(msg);
    return false;
  }
  cJSON *j = cJSON_ParseWithLength(text, len);
  free(text);
  if (!j) {
    snprintf(msg, sizeof msg, "%s: the mock fixture is not valid JSON", path);
    *err = strdup(msg);
    return false;
  }
  bool ok = ag_mock_new(j, out, err);
  cJSON_Delete(j);
  return ok;
}

void ag_mock_set_field(ag_Backend *b, const char *key, const cJSON *value) {
  ag_Mock *m = b->self;
  cJSON *fields = ag_mock_table(m, "fields");
  cJSON_DeleteItemFromObjectCaseSensitive(fields, key);
  cJSON_AddItemToObject(fields, key, cJSON_Duplicate(value, 1));
}

/* See agents.h: false with *err (malloc'd, may stay NULL when out of
** memory) on a bad pattern; the rules are then as they were. */
bool ag_mock_add_llm_rule(ag_Backend *b, const char *pattern, const char *reply, char **err) {
  if (err) *err = NULL;
  return ag_mock_rule_add(b->self, pattern, reply, err);
}
