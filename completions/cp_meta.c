/*
** cp_meta.c -- completion of the shell's meta-commands (":call NAME
** key=value", ":load FILE", ...): the line is split into words on blanks;
** the command decides what its arguments complete to.
*/
#include <stdlib.h>
#include <string.h>

#include "cp_internal.h"

#define CP_MAX_WORDS 64

typedef struct cp_Words {
  size_t start[CP_MAX_WORDS]; /* offsets of the words */
  size_t end[CP_MAX_WORDS];
  size_t n; /* the last one is the word at the cursor */
} cp_Words;

/* Split p[0..len) on blanks; the word at the cursor may be empty. */
static void cp_split(const char *p, size_t len, cp_Words *w) {
  size_t i = 0;
  w->n = 0;
  while (w->n < CP_MAX_WORDS) {
    while (i < len && (p[i] == ' ' || p[i] == '\t')) i++;
    w->start[w->n] = i;
    while (i < len && p[i] != ' ' && p[i] != '\t') i++;
    w->end[w->n++] = i;
    if (i >= len) return;
  }
}

/* Copy word k into a NUL-terminated buffer. */
static void cp_word(const char *p, const cp_Words *w, size_t k, char *buf, size_t cap) {
  size_t n = w->end[k] - w->start[k];
  if (n >= cap) n = cap - 1;
  memcpy(buf, p + w->start[k], n);
  buf[n] = '\0';
}

/* The meta-command named by word (exact, else a unique prefix) or NULL. */
static const char *cp_command(cp_Engine *e, const char *word) {
  const char *found = NULL;
  size_t n = strlen(word), hits = 0;
  for (size_t i = 0; i < e->nmeta; i++) {
    if (strcmp(e->meta[i], word) == 0) return e->meta[i];
    if (strncmp(e->meta[i], word, n) == 0) {
      found = e->meta[i];
      hits++;
    }
  }
  return hits == 1 ? found : NULL;
}

/* Meta-command names starting with prefix (skip_colon: without ':'). */
static void cp_add_meta(cp_Engine *e, const char *prefix, bool skip_colon, cp_Result *out) {
  for (size_t i = 0; i < e->nmeta; i++) {
    const char *name = e->meta[i] + (skip_colon && e->meta[i][0] == ':');
    if (strncmp(name, prefix, strlen(prefix)) == 0) cp_result_add(out, name, NULL);
  }
}

/* Fixed words (NULL-terminated) starting with prefix. */
static void cp_add_words(const char *const *words, const char *prefix, cp_Result *out) {
  for (size_t i = 0; words[i]; i++)
    if (strncmp(words[i], prefix, strlen(prefix)) == 0) cp_result_add(out, words[i], NULL);
}

/* Might the word be a path rather than an agent name? */
static bool cp_pathish(const char *w) { return strchr(w, '/') || w[0] == '.' || w[0] == '~'; }

/* The keys of the key=value words before the cursor word, into given
** (NULL-terminated; the strings are malloc'd in copies). Returns how many. */
static size_t cp_given_keys(const char *p, const cp_Words *w, char **copies, const char **given) {
  size_t ng = 0;
  for (size_t k = 2; k + 1 < w->n; k++) {
    size_t n = w->end[k] - w->start[k];
    const char *eq = memchr(p + w->start[k], '=', n);
    if (eq && (copies[ng] = strndup(p + w->start[k], (size_t)(eq - p - w->start[k]))))
      given[ng] = copies[ng], ng++;
  }
  given[ng] = NULL;
  return ng;
}

/* :call NAME k=v ... -- the keys not given yet as "key=", required first;
** after "key=", the choices of an enum or a boolean. */
static void cp_call_params(cp_Engine *e, const char *p, const cp_Words *w, const char *cur,
                           cp_Result *out) {
  char agent[256];
  const char *eq = strchr(cur, '=');
  cp_word(p, w, 1, agent, sizeof agent);
  if (eq) {
    char key[256], before[260];
    snprintf(key, sizeof key, "%.*s", (int)(eq - cur), cur);
    snprintf(before, sizeof before, "%s=", key);
    cp_add_values(e, agent, key, eq + 1, false, before, "", out);
    return;
  }
  if (cur[0] == '{' || cur[0] == '(') return; /* JSON or a dict */
  const char *given[CP_MAX_WORDS + 1];
  char *copies[CP_MAX_WORDS];
  size_t ng = cp_given_keys(p, w, copies, given);
  cp_add_params(e, agent, cur, "", "=", given, out);
  for (size_t k = 0; k < ng; k++) free(copies[k]);
}

/* The arguments of command cmd; argi is the index of the word at the cursor. */
static void cp_meta_args(cp_Engine *e, const char *cmd, const char *p, const cp_Words *w,
                         size_t argi, const char *cur, cp_Result *out) {
  static const char *const trace[] = {"on", "off", NULL};
  static const char *const ctx[] = {"set", "llm", "reset", NULL};
  static const char *const limits[] = {"fuel", "memory", "depth", "timeout", NULL};
  bool first = argi == 1;
  if (strcmp(cmd, ":call") == 0 && !first) {
    cp_call_params(e, p, w, cur, out);
    return; /* required first: not sorted */
  }
  if (first && (!strcmp(cmd, ":call") || !strcmp(cmd, ":describe") || !strcmp(cmd, ":source") ||
                !strcmp(cmd, ":test")))
    cp_add_agents(e, cur, out);
  else if (first && !strcmp(cmd, ":lint"))
    cp_pathish(cur) ? cp_add_paths(cur, true, out) : cp_add_agents(e, cur, out);
  else if (first && !strcmp(cmd, ":load")) cp_add_paths(cur, true, out);
  else if (first && !strcmp(cmd, ":doc")) cp_add_symbols(e, cur, out);
  else if (first && !strcmp(cmd, ":help")) cp_add_meta(e, cur, cur[0] != ':', out);
  else if (first && !strcmp(cmd, ":trace")) cp_add_words(trace, cur, out);
  else if (first && !strcmp(cmd, ":ctx")) cp_add_words(ctx, cur, out);
  else if (argi % 2 == 1 && !strcmp(cmd, ":limits")) cp_add_words(limits, cur, out);
  cp_result_sort(out);
}

/* :time EXPR -- the expression completes as code. */
static void cp_meta_code(cp_Engine *e, const char *p, size_t len, size_t from, size_t off,
                         cp_Result *out) {
  cp_complete_code(e, p + from, len - from, p + len, out);
  out->start += off + from;
}

/* Complete a ":command" line (p at the colon, len bytes to the cursor):
** the first word as a meta-command name, later words by the command
** (exact name or unique prefix; ":time" completes as code). Nothing for
** an unknown command or past CP_MAX_WORDS words. out->start is off plus
** the word's offset in p. */
void cp_complete_meta(cp_Engine *e, const char *p, size_t len, size_t off, cp_Result *out) {
  cp_Words w;
  char first[64], cur[512];
  cp_split(p, len, &w);
  size_t k = w.n - 1;
  if (w.end[k] != len) return; /* more words than we look at */
  cp_word(p, &w, k, cur, sizeof cur);
  out->start = off + w.start[k];
  if (k == 0) {
    cp_add_meta(e, cur, false, out);
    cp_result_sort(out);
    return;
  }
  cp_word(p, &w, 0, first, sizeof first);
  const char *cmd = cp_command(e, first);
  if (!cmd) return;
  if (strcmp(cmd, ":time") == 0) cp_meta_code(e, p, len, w.start[1], off, out);
  else cp_meta_args(e, cmd, p, &w, k, cur, out);
}
