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
      free(g->path);
      free(g->message);
      free(g->hint);
      continue;
    }
    d->items[keep++] = *g;
  }
  d->n = keep;
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
  rp_shell_print_diags(sh, &a->diags, src);
  free(src);
  if (!ag_agent_ok(a)) {
    ag_agent_free(a);
    return;
  }
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


/* After text evaluated without error: keep the text of the halves it
** defined (what rp_live_defines found) and lint and register again. */
void rp_live_defined(rp_Shell *sh, const char *text, int defines) {
  if (defines & 1) rp_set_src(&sh->desc_src, text);
  if (defines & 2) rp_set_src(&sh->run_src, text);
  if (defines) rp_update_agent(sh);
}
