/*
** shell_save.c -- agents typed at the prompt, kept by name: the text that
** defined each (for :source, :describe, :lint), the calls made to it (for
** :save --tests), and :save and :forget.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "shell.h"

/* ========================================================================
** The table of prompt agents
** ======================================================================== */

rp_Defined *rp_defined_find(rp_Shell *sh, const char *name) {
  for (size_t i = 0; name && i < sh->ndefined; i++)
    if (strcmp(sh->defined[i].name, name) == 0) return &sh->defined[i];
  return NULL;
}

static void rp_defined_free(rp_Defined *d) {
  free(d->name);
  free(d->src);
  cJSON_Delete(d->calls);
}

/* name is now defined by src: a new entry, or a changed one whose recorded
** calls are dropped (they ran another definition; :save --tests must
** pass on the one it saves). */
void rp_defined_set(rp_Shell *sh, const char *name, const char *src) {
  rp_Defined *d = rp_defined_find(sh, name);
  if (d && strcmp(d->src, src) == 0) return;
  char *copy = rp_strdup(src);
  cJSON *calls = cJSON_CreateArray();
  if (!copy || !calls) {
    free(copy);
    cJSON_Delete(calls);
    return;
  }
  if (!d) {
    rp_Defined *p = rp_realloc(sh->defined, (sh->ndefined + 1) * sizeof *p);
    char *nm = rp_strdup(name);
    if (!p || !nm) {
      if (p) sh->defined = p;
      free(nm), free(copy), cJSON_Delete(calls);
      return;
    }
    sh->defined = p;
    d = &sh->defined[sh->ndefined++];
    d->name = nm;
  } else {
    free(d->src);
    cJSON_Delete(d->calls);
  }
  d->src = copy;
  d->calls = calls;
  d->dropped = 0;
}

void rp_defined_forget(rp_Shell *sh, const char *name) {
  rp_Defined *d = rp_defined_find(sh, name);
  if (!d) return;
  rp_defined_free(d);
  size_t i = (size_t)(d - sh->defined);
  memmove(d, d + 1, (sh->ndefined - i - 1) * sizeof *d);
  sh->ndefined--;
}

void rp_defined_clear(rp_Shell *sh) {
  for (size_t i = 0; i < sh->ndefined; i++) rp_defined_free(&sh->defined[i]);
  free(sh->defined);
  sh->defined = NULL;
  sh->ndefined = 0;
}

/* The mock state a call is about to run against, in the fixture format a
** test case's "context" takes (what the backend describes, less its logs). */
static cJSON *rp_mock_state(rp_Shell *sh) {
  static const char *keys[] = {"fields", "threads",     "posts", "agents", "records",
                               "llm",    "llm_default", "store", "stores"};
  ag_Backend *b = ag_runtime_backend(sh->rt);
  cJSON *all = b && b->describe ? b->describe(b->self) : NULL, *out = cJSON_CreateObject();
  for (size_t i = 0; all && out && i < sizeof keys / sizeof keys[0]; i++) {
    cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(all, keys[i]);
    if (v) cJSON_AddItemToObject(out, keys[i], v);
  }
  cJSON_Delete(all);
  return out;
}

cJSON *rp_defined_call_begin(rp_Shell *sh, const ag_Agent *a) {
  rp_Defined *d = strcmp(a->path, "<repl>") == 0 ? rp_defined_find(sh, a->name) : NULL;
  if (!d) return NULL;
  if (cJSON_GetArraySize(d->calls) < RP_SAVE_MAX_CASES) return rp_mock_state(sh);
  d->dropped++;
  return NULL;
}

/* Record a finished :call of a prompt agent as a test case: its arguments,
** the mock state it ran against (state, taken), the value or error kind
** it gave. An interrupted call is not a case (nothing could replay it). */
void rp_defined_call_end(rp_Shell *sh, const ag_Agent *a, const cJSON *args, cJSON *state,
                         const cJSON *env) {
  rp_Defined *d = state ? rp_defined_find(sh, a->name) : NULL;
  const cJSON *err = cJSON_GetObjectItemCaseSensitive(env, "error");
  const cJSON *kind = cJSON_GetObjectItemCaseSensitive(err, "kind");
  if (!d || (cJSON_IsString(kind) && strcmp(kind->valuestring, "interrupted") == 0)) {
    cJSON_Delete(state);
    return;
  }
  cJSON *c = cJSON_CreateObject(), *expect = cJSON_CreateObject();
  char *shown = ag_json_print(args, false);
  char name[160];
  snprintf(name, sizeof name, "call %d: %.120s", cJSON_GetArraySize(d->calls) + 1,
           shown ? shown : "");
  free(shown);
  cJSON_AddStringToObject(c, "name", name);
  cJSON_AddItemToObject(c, "args", cJSON_Duplicate(args, true));
  cJSON_AddItemToObject(c, "context", state);
  if (cJSON_IsString(kind)) cJSON_AddStringToObject(expect, "error", kind->valuestring);
  else
    cJSON_AddItemToObject(expect, "value",
                          cJSON_Duplicate(cJSON_GetObjectItem(env, "value"), true));
  cJSON_AddItemToObject(c, "expect", expect);
  cJSON_AddItemToArray(d->calls, c);
}

/* ========================================================================
** The inputs an agent's text depends on
** ======================================================================== */

/* A growable set of names (short, few: linear search is enough). */
typedef struct rp_Names {
  char **items;
  size_t n;
} rp_Names;

static bool rp_names_has(const rp_Names *s, const char *name) {
  for (size_t i = 0; i < s->n; i++)
    if (strcmp(s->items[i], name) == 0) return true;
  return false;
}

static void rp_names_add(rp_Names *s, const char *name) {
  if (rp_names_has(s, name)) return;
  char **p = rp_realloc(s->items, (s->n + 1) * sizeof *p);
  if (!p) return;
  s->items = p;
  if ((s->items[s->n] = rp_strdup(name))) s->n++;
}

static void rp_names_free(rp_Names *s) {
  for (size_t i = 0; i < s->n; i++) free(s->items[i]);
  free(s->items);
}

/* Every symbol in v (lists, vectors and dict keys and values). */
static void rp_symbols_in(lispy_Value v, rp_Names *out, int depth) {
  if (depth > 200) return;
  switch (lispy_type(v)) {
    case LISPY_TSYMBOL: rp_names_add(out, lispy_symbol_name(v)); break;
    case LISPY_TPAIR:
      for (; lispy_type(v) == LISPY_TPAIR; v = lispy_cdr(v))
        rp_symbols_in(lispy_car(v), out, depth + 1);
      break;
    case LISPY_TVECTOR:
      for (size_t i = 0; i < lispy_vector_length(v); i++)
        rp_symbols_in(lispy_vector_item(v, i), out, depth + 1);
      break;
    case LISPY_TDICT: {
      lispy_Value k, x;
      for (size_t it = 0; lispy_dict_next(v, &it, &k, &x);) {
        rp_symbols_in(k, out, depth + 1);
        rp_symbols_in(x, out, depth + 1);
      }
      break;
    }
    default: break;
  }
}

/* The global a top-level form defines ((define x ..), (define (f ..) ..),
** def, defn, defmacro), or NULL. */
static const char *rp_form_defines(lispy_Value form) {
  if (lispy_type(form) != LISPY_TPAIR || lispy_type(lispy_cdr(form)) != LISPY_TPAIR) return NULL;
  const char *head = lispy_symbol_name(lispy_car(form));
  static const char *defs[] = {"define", "def", "defn", "defmacro", "define-macro"};
  bool is_def = false;
  for (size_t i = 0; head && i < sizeof defs / sizeof defs[0]; i++)
    is_def |= !strcmp(head, defs[i]);
  if (!is_def) return NULL;
  lispy_Value target = lispy_car(lispy_cdr(form));
  if (lispy_type(target) == LISPY_TPAIR) target = lispy_car(target);
  return lispy_symbol_name(target);
}

/* Read text's forms: the symbols they use into uses, the globals they
** define into defs (either may be NULL). */
static void rp_scan_text(rp_Shell *sh, const char *text, rp_Names *uses, rp_Names *defs) {
  size_t pos = 0, len = strlen(text);
  lispy_Value form;
  while (lispy_read(sh->L, text, len, &pos, "<save>", &form) == LISPY_OK) {
    const char *name = rp_form_defines(form);
    if (defs && name) rp_names_add(defs, name);
    if (uses) rp_symbols_in(form, uses, 0);
  }
}

/* Mark in keep[] the earlier inputs that define what src uses, and what
** those use in turn (the last input defining a name wins, as at the
** prompt). What src defines itself (AGENT, run) is not looked for, and
** inputs that are part of src (the agent's halves) are skipped. */
static void rp_dependencies(rp_Shell *sh, const char *src, bool *keep) {
  rp_Names uses = {0}, own = {0}, *defs = rp_calloc(sh->ninputs ? sh->ninputs : 1, sizeof *defs);
  if (!defs) return;
  for (size_t i = 0; i < sh->ninputs; i++)
    if (sh->inputs[i].text && !strstr(src, sh->inputs[i].text))
      rp_scan_text(sh, sh->inputs[i].text, NULL, &defs[i]);
  rp_scan_text(sh, src, &uses, &own);
  for (size_t u = 0; u < uses.n; u++) /* uses grows as inputs are kept */
    for (size_t i = sh->ninputs; i-- > 0 && !rp_names_has(&own, uses.items[u]);)
      if (rp_names_has(&defs[i], uses.items[u])) {
        if (!keep[i]) {
          keep[i] = true;
          rp_scan_text(sh, sh->inputs[i].text, &uses, NULL);
        }
        break;
      }
  for (size_t i = 0; i < sh->ninputs; i++) rp_names_free(&defs[i]);
  free(defs);
  rp_names_free(&uses);
  rp_names_free(&own);
}

/* ========================================================================
** :save and :forget
** ======================================================================== */

/* Write text to path unless it exists and force is off; false with a
** message printed. */
static bool rp_write_new(rp_Shell *sh, const char *path, const char *text, bool force) {
  struct stat st;
  if (!force && stat(path, &st) == 0) {
    rp_shell_printf_color(sh, RP_RED, "%s exists (use --force to overwrite it)\n", path);
    return false;
  }
  FILE *f = fopen(path, "w");
  bool ok = f && fputs(text, f) >= 0;
  if (f && fclose(f) != 0) ok = false;
  if (!ok) rp_shell_printf_color(sh, RP_RED, "cannot write %s\n", path);
  return ok;
}

/* Length of s without its trailing blanks and newlines. */
static int rp_trimmed_len(const char *s) {
  size_t n = strlen(s);
  while (n > 0 && strchr(" \t\r\n", s[n - 1])) n--;
  return (int)n;
}

/* The saved file's text: the inputs src depends on, in the order they
** were typed, then src; *nkept says how many inputs came along. */
static char *rp_saved_text(rp_Shell *sh, const char *src, size_t *nkept) {
  bool *keep = rp_calloc(sh->ninputs ? sh->ninputs : 1, sizeof *keep);
  if (!keep) return NULL;
  rp_dependencies(sh, src, keep);
  size_t len = strlen(src) + 2;
  *nkept = 0;
  for (size_t i = 0; i < sh->ninputs; i++)
    if (keep[i]) len += strlen(sh->inputs[i].text) + 2, (*nkept)++;
  char *out = rp_malloc(len), *w = out;
  for (size_t i = 0; out && i < sh->ninputs; i++)
    if (keep[i])
      w += sprintf(w, "%.*s\n\n", rp_trimmed_len(sh->inputs[i].text), sh->inputs[i].text);
  if (out) sprintf(w, "%.*s\n", rp_trimmed_len(src), src);
  free(keep);
  return out;
}

/* NAME_agent.test.json: the recorded calls as cases, against no fixture
** but the state each call saw. */
static bool rp_save_tests(rp_Shell *sh, const rp_Defined *d, const char *path, bool force) {
  cJSON *t = cJSON_CreateObject();
  cJSON_AddStringToObject(t, "description",
                          "Calls made in the lispy shell, recorded by :save --tests.");
  cJSON_AddNullToObject(t, "mock");
  cJSON_AddItemToObject(t, "cases", cJSON_Duplicate(d->calls, true));
  char *text = ag_json_print(t, true);
  cJSON_Delete(t);
  size_t n = text ? strlen(text) : 0;
  if (n >= AG_MAX_AGENT_FILE_BYTES) { /* lispy test would refuse to read it */
    rp_shell_printf_color(
        sh, RP_RED,
        "the cases would make %s %zu bytes, above the %u-byte cap of test files: not written\n",
        path, n, (unsigned)AG_MAX_AGENT_FILE_BYTES);
    free(text);
    return false;
  }
  char *line = text ? rp_malloc(n + 2) : NULL;
  if (line) snprintf(line, n + 2, "%s\n", text);
  bool ok = line && rp_write_new(sh, path, line, force);
  free(text), free(line);
  return ok;
}

/* :save NAME [DIR] [--force] [--tests] */
void rp_cmd_save(rp_Shell *sh, char *args) {
  const char *name = NULL, *dir = NULL;
  bool force = false, tests = false;
  for (char *w; (w = rp_next_word(&args));) {
    if (strcmp(w, "--force") == 0) force = true;
    else if (strcmp(w, "--tests") == 0) tests = true;
    else if (w[0] == '-' && w[1] == '-')
      return (void)printf("unknown option %s (usage: :save NAME [DIR] [--force] [--tests])\n", w);
    else if (!name) name = w;
    else if (!dir) dir = w;
    else return (void)printf("usage: :save NAME [DIR] [--force] [--tests]\n");
  }
  if (!name) return (void)printf("usage: :save NAME [DIR] [--force] [--tests]\n");
  rp_Defined *d = rp_defined_find(sh, name);
  if (!d) {
    ag_Agent *a = ag_registry_find(sh->rt, name);
    if (a) printf("%s comes from %s, not from the prompt: nothing to save\n", name, a->path);
    else rp_agent_arg(sh, name); /* "no agent named ..." with its hint */
    return;
  }
  if (!dir && ag_registry_dir_count(sh->rt) == 0)
    return (void)printf("no agent folder to save into: give one (:save %s DIR)\n", name);
  if (!dir) dir = ag_registry_dir(sh->rt, 0);
  struct stat st;
  if (stat(dir, &st) != 0 && mkdir(dir, 0755) == 0) printf("created folder %s\n", dir);
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) return (void)printf("%s is not a folder\n", dir);
  char path[4096], tpath[4096];
  snprintf(path, sizeof path, "%s/%s_agent.lispy", dir, name);
  snprintf(tpath, sizeof tpath, "%s/%s_agent.test.json", dir, name);
  if (!force && (stat(path, &st) == 0 || (tests && stat(tpath, &st) == 0))) {
    rp_shell_printf_color(sh, RP_RED, "%s exists (use --force to overwrite it)\n",
                          stat(path, &st) == 0 ? path : tpath);
    return;
  }
  size_t nkept;
  char *text = rp_saved_text(sh, d->src, &nkept);
  if (!text || !rp_write_new(sh, path, text, true)) return free(text);
  free(text);
  printf("saved %s to %s", name, path);
  if (nkept) printf(" (with %zu earlier input%s it uses)", nkept, nkept == 1 ? "" : "s");
  printf("\n");
  if (tests && rp_save_tests(sh, d, tpath, true)) {
    printf("saved %d call%s as cases to %s\n", cJSON_GetArraySize(d->calls),
           cJSON_GetArraySize(d->calls) == 1 ? "" : "s", tpath);
    if (d->dropped)
      printf("(the %zu calls after the first %d were not recorded)\n", d->dropped,
             RP_SAVE_MAX_CASES);
  }
  ag_Agent *check = ag_agent_load_file(sh->rt, path); /* what a fresh host sees */
  size_t kept = 0; /* its errors and warnings (notes are :lint's) */
  for (size_t i = 0; i < check->diags.n; i++)
    if (check->diags.items[i].severity != AG_NOTE)
      check->diags.items[kept++] = check->diags.items[i];
    else rp_diag_free(&check->diags.items[i]);
  check->diags.n = kept;
  rp_shell_print_diags(sh, &check->diags, NULL);
  ag_agent_free(check);
}

/* :forget NAME: drop a prompt agent; a file agent it shadowed is back. */
void rp_cmd_forget(rp_Shell *sh, char *args) {
  char *name = rp_next_word(&args);
  if (!name) return (void)printf("usage: :forget NAME\n");
  if (!ag_registry_forget(sh->rt, name)) {
    ag_Agent *a = ag_registry_find(sh->rt, name);
    if (a) printf("%s comes from %s, not from the prompt: nothing to forget\n", name, a->path);
    else rp_agent_arg(sh, name);
    return;
  }
  rp_defined_forget(sh, name);
  if (strcmp(sh->desc_name, name) == 0) { /* a later run must not revive it */
    free(sh->desc_src), free(sh->run_src);
    sh->desc_src = sh->run_src = NULL;
    sh->desc_name[0] = '\0';
  }
  ag_Agent *file = ag_registry_find(sh->rt, name);
  printf("forgot %s", name);
  if (file) printf(" (%s is visible again)", file->path);
  printf("\n");
}
