/*
** shell_live.c -- live agents: a descriptor and a run typed at the prompt
** are linted on the spot and registered as an agent of the shell.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* ========================================================================
** Live agents: definitions typed at the prompt
** ======================================================================== */

/* What a chunk of input defines: 1 = a descriptor part, 2 = run. */
int rp_live_defines(rp_Shell *sh, const char *text, size_t len) {
  static const char *desc[] = {
      "AGENT", "DESCRIPTOR", "agent-name", "agent-description", "agent-parameters", NULL};
  int what = 0;
  size_t pos = 0;
  lispy_Value form;
  while (lispy_read(sh->L, text, len, &pos, "<repl>", &form) == LISPY_OK) {
    if (lispy_type(form) != LISPY_TPAIR || lispy_type(lispy_cdr(form)) != LISPY_TPAIR) continue;
    const char *head = lispy_to_cstring(lispy_car(form), NULL);
    if (!head || (strcmp(head, "define") && strcmp(head, "def") && strcmp(head, "defn"))) continue;
    lispy_Value target = lispy_car(lispy_cdr(form));
    if (lispy_type(target) == LISPY_TPAIR) target = lispy_car(target);
    const char *name = lispy_to_cstring(target, NULL);
    if (!name) continue;
    for (int i = 0; desc[i]; i++) what |= strcmp(name, desc[i]) == 0 ? 1 : 0;
    if (strcmp(name, "run") == 0 || strcmp(name, "agent-run") == 0) what |= 2;
  }
  return what;
}

static void rp_set_src(char **slot, const char *text) {
  free(*slot);
  *slot = rp_strdup(text); /* NULL (said so): as if not typed yet */
}

void rp_diag_free(ag_Diag *g) {
  free(g->path);
  free(g->message);
  free(g->hint);
}

/* Drop the diagnostics that only say the other half is not typed yet. */
static void rp_filter_diags(rp_Shell *sh, ag_Diags *d) {
  size_t keep = 0;
  for (size_t i = 0; i < d->n; i++) {
    ag_Diag *g = &d->items[i];
    bool missing_run = strcmp(g->code, "A301") == 0 && !sh->run_src;
    bool missing_desc =
        (strcmp(g->code, "A100") == 0 || strcmp(g->code, "A302") == 0) && !sh->desc_src;
    bool note = g->severity == AG_NOTE; /* strict-mode advice: :lint shows it */
    if (missing_run || missing_desc || note) {
      rp_diag_free(g);
      continue;
    }
    d->items[keep++] = *g;
  }
  d->n = keep;
}

/* Lint saw the descriptor's input, a newline, then run's input, as one
** text called "<repl>": point each diagnostic at the input that holds its
** line instead ("<repl#7>:2:14"), as errors raised in that code are. */
static void rp_locate_diags(rp_Shell *sh, ag_Diags *d) {
  int desc_lines = 1;
  for (const char *p = sh->desc_src; p && *p; p++) desc_lines += *p == '\n';
  for (size_t i = 0; i < d->n; i++) {
    ag_Diag *g = &d->items[i];
    if (strcmp(g->path, "<repl>") != 0 || g->line <= 0) continue;
    bool in_desc = sh->desc_src && g->line <= desc_lines;
    const char *input = in_desc ? sh->desc_input : sh->run_input;
    char *path = *input ? rp_strdup(input) : NULL;
    if (!path) continue;
    free(g->path);
    g->path = path;
    if (!in_desc && sh->desc_src) g->line -= desc_lines;
  }
}

/* Re-extract and lint the prompt's agent; register it when clean. */
static void rp_update_agent(rp_Shell *sh) {
  size_t n1 = sh->desc_src ? strlen(sh->desc_src) : 0, n2 = sh->run_src ? strlen(sh->run_src) : 0;
  char *src = rp_malloc(n1 + n2 + 2);
  if (!src) return;
  snprintf(src, n1 + n2 + 2, "%s%s%s", sh->desc_src ? sh->desc_src : "", n1 ? "\n" : "",
           sh->run_src ? sh->run_src : "");
  ag_Agent *a = ag_agent_from_env(sh->rt, sh->env, src, strlen(src), "<repl>");
  rp_filter_diags(sh, &a->diags);
  rp_locate_diags(sh, &a->diags);
  rp_shell_print_diags(sh, &a->diags, NULL);
  if (!ag_agent_ok(a)) {
    ag_agent_free(a);
    free(src);
    return;
  }
  rp_defined_set(sh, a->name, src);
  free(src);
  ag_Agent *file = ag_registry_find(sh->rt, a->name);
  bool shadows = file && strcmp(file->path, "<repl>") != 0;
  char params[512];
  rp_param_summary(a, params, sizeof params);
  rp_shell_printf_color(sh, RP_CYAN, "agent %s defined", a->name);
  printf(": %s", *params ? params : "no parameters");
  if (shadows) printf(" (shadows %s until :reload)", file->path);
  printf("\n");
  ag_registry_put(sh->rt, a);
}


/* A new descriptor typed without a run: the run typed for the previous
** agent does not belong to it. Its text is forgotten and the binding
** cleared (to nil, which lint reports as A301, dropped while no run has
** been typed), so the new agent waits for its own run and lint never
** reports against the old one. */
static void rp_forget_run(rp_Shell *sh) {
  static const char *names[] = {"run", "agent-run"};
  lispy_Value v;
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (lispy_env_get_own(sh->L, sh->env, names[i], &v))
      lispy_env_set(sh->L, sh->env, names[i], lispy_nil());
  free(sh->run_src);
  sh->run_src = NULL;
}

/* The :name of the descriptor (AGENT or DESCRIPTOR) bound at the prompt
** into out, "" when there is none or it has no string name. */
static void rp_descriptor_name(rp_Shell *sh, char *out, size_t len) {
  static const char *names[] = {"AGENT", "DESCRIPTOR"};
  lispy_Value d, k, v;
  *out = '\0';
  for (size_t i = 0; i < 2 && !*out; i++) {
    if (!lispy_env_get_own(sh->L, sh->env, names[i], &d)) continue;
    for (size_t it = 0; lispy_dict_next(d, &it, &k, &v);) {
      const char *key = lispy_to_cstring(k, NULL), *name = lispy_to_cstring(v, NULL);
      if (key && name && strcmp(key, "name") == 0) snprintf(out, len, "%s", name);
    }
  }
}

/* After text evaluated without error: keep the text of the halves it
** defined (what rp_live_defines found) and lint and register again. A
** descriptor and a run pair when typed in one input, or when the run is
** the next one typed after a descriptor that has none; a descriptor
** typed again with the same :name (a fix) keeps its agent's run. */
void rp_live_defined(rp_Shell *sh, const char *text, const char *input, int defines) {
  if (defines & 1) { /* a descriptor alone keeps run only for the same agent */
    char name[sizeof sh->desc_name];
    rp_descriptor_name(sh, name, sizeof name);
    if (!(defines & 2) && sh->run_src && (!*name || strcmp(name, sh->desc_name))) rp_forget_run(sh);
    snprintf(sh->desc_name, sizeof sh->desc_name, "%s", name);
  }
  if (defines & 1) rp_set_src(&sh->desc_src, text);
  if (defines & 1) snprintf(sh->desc_input, sizeof sh->desc_input, "%s", input);
  if (defines & 2) rp_set_src(&sh->run_src, text);
  if (defines & 2) snprintf(sh->run_input, sizeof sh->run_input, "%s", input);
  if (defines && sh->desc_src) rp_update_agent(sh); /* a run alone waits for its descriptor */
}
