/*
** shell_print.c -- how the shell shows things: coloured text, results,
** errors with the source line and a caret, lint diagnostics.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shell.h"

/* ========================================================================
** Output helpers
** ======================================================================== */

void rp_shell_printf_color(rp_Shell *sh, const char *color, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  FILE *to = sh->to ? sh->to : stdout;
  if (sh->color && color) fprintf(to, "\033[%sm", color);
  vfprintf(to, fmt, ap);
  if (sh->color && color) fprintf(to, "\033[0m");
  va_end(ap);
}

/* Line n (1-based) of src into out. */
static bool rp_source_line(const char *src, int n, char *out, size_t len) {
  for (int i = 1; src && *src && i < n; i++) {
    src = strchr(src, '\n');
    if (!src) return false;
    src++;
  }
  if (!src || !*src) return false;
  size_t l = strcspn(src, "\n");
  snprintf(out, len, "%.*s", (int)l, src);
  return true;
}

/* "  3 | (car 42)" then a caret under column col (code points). */
void rp_show_caret(rp_Shell *sh, const char *src, int line, int col) {
  char text[512];
  if (line <= 0 || !rp_source_line(src, line, text, sizeof text)) return;
  rp_shell_printf_color(sh, RP_DIM, "%4d | ", line);
  rp_shell_printf_color(sh, NULL, "%s\n", text);
  rp_shell_printf_color(sh, RP_DIM, "     | ");
  rp_shell_printf_color(sh, NULL, "%*s", col > 1 ? col - 1 : 0, "");
  rp_shell_printf_color(sh, RP_RED, "^\n");
}

/* The sink of display/print at the prompt and under :call (ud is the
** shell): written at once, so a long run shows its output as it goes. */
void rp_shell_output(void *ud, const char *s, size_t len) {
  rp_Shell *sh = ud;
  if (!len) return;
  fwrite(s, 1, len, stdout);
  sh->output_open = s[len - 1] != '\n';
  fflush(stdout);
}

/* Before a result, an error or a command's report: end a line the
** program's output left open, so "=> " always starts a line of its own. */
void rp_shell_output_end(rp_Shell *sh) {
  if (sh->output_open) putchar('\n');
  sh->output_open = false;
}

/* A result after "=> ", pretty-printed and cut at the print length and
** depth; Ctrl-C stops a long print as it stops an evaluation. */
void rp_shell_print_value(rp_Shell *sh, lispy_Value v) {
  rp_sigint = 0;
  rp_evaluating = 1; /* Ctrl-C interrupts the printer */
  char *s = lispy_pprint_cut(sh->L, v, 78, (size_t)sh->print_length, sh->print_depth);
  rp_evaluating = 0;
  if (!s) {
    rp_out_of_memory();
    return;
  }
  rp_shell_output_end(sh);
  rp_shell_printf_color(sh, RP_GREEN, "=> ");
  /* written in pieces, so Ctrl-C also stops a long text going out */
  size_t len = strlen(s), at = 0;
  while (at < len && !rp_sigint) {
    size_t n = len - at < 4096 ? len - at : 4096;
    fwrite(s + at, 1, n, stdout);
    at += n;
  }
  if (rp_sigint) rp_shell_printf_color(sh, RP_DIM, "\n(printing stopped by Ctrl-C)");
  printf("\n");
  rp_sigint = 0;
  free(s);
}

/* For "unbound variable: NAME", the defined name nearest to NAME (special
** forms, builtins, prelude and the shell's globals, as Tab completes
** them; rp_nearest's rule), else NULL. Static storage. */
static const char *rp_nearest_symbol(rp_Shell *sh, const char *msg) {
  static char best_name[64];
  const char *prefix = "unbound variable: ";
  if (!msg || strncmp(msg, prefix, strlen(prefix)) != 0 || !sh->cp) return NULL;
  cp_Result r = {0};
  cp_complete(sh->cp, "(", 1, &r);
  rp_Nearest near = rp_nearest_start(msg + strlen(prefix), RP_NEAREST_SHORT);
  for (size_t i = 0; i < r.n; i++) rp_nearest_try(&near, r.items[i].text);
  snprintf(best_name, sizeof best_name, "%s", near.found ? near.found : "");
  cp_result_free(&r);
  return best_name[0] ? best_name : NULL;
}

/* The last error: message line, the source line with a caret when the
** error is in src, then the LisPy stack trace. Scripted (stdin not a
** terminal) it goes to stderr and the shell's exit status will say an
** input failed. */
void rp_shell_print_error(rp_Shell *sh, const char *src) {
  sh->failed = true;
  if (!sh->tty) fflush(stdout); /* results so far keep their order */
  sh->to = sh->tty ? stdout : stderr;
  lispy_Value e = lispy_last_error(sh->L);
  char *text = lispy_error_text(sh->L, e);
  if (!text) {
    rp_out_of_memory();
    return;
  }
  rp_shell_output_end(sh);
  char *nl = strchr(text, '\n');
  if (nl) *nl = '\0';
  rp_shell_printf_color(sh, RP_RED, "%s\n", text);
  lispy_SrcPos at = lispy_error_pos(e);
  const char *held = rp_input_text(sh, lispy_file_name(sh->L, at));
  if (held) src = held; /* the input that holds the code, maybe an earlier one */
  if (at.line && src) rp_show_caret(sh, src, (int)at.line, at.col);
  const char *near = rp_nearest_symbol(sh, lispy_error_message(e));
  if (near) rp_shell_printf_color(sh, RP_DIM, "     hint: did you mean %s?\n", near);
  if (nl) rp_shell_printf_color(sh, RP_DIM, "%s\n", nl + 1);
  free(text);
  sh->to = NULL;
  lispy_env_set(sh->L, rp_eval_env(sh), "*e", e);
}

void rp_shell_print_diags(rp_Shell *sh, const ag_Diags *d, const char *src) {
  static const char *colors[] = {RP_RED, RP_YELLOW, RP_CYAN};
  for (size_t i = 0; i < d->n; i++) {
    const ag_Diag *g = &d->items[i];
    rp_shell_printf_color(sh, colors[g->severity], "%s:%d:%d: %s[%s]: ", g->path, g->line, g->col,
                          ag_severity_name(g->severity), g->code);
    rp_shell_printf_color(sh, NULL, "%s\n", g->message);
    const char *text = src ? src : rp_input_text(sh, g->path); /* a prompt input's */
    if (text) rp_show_caret(sh, text, g->line, g->col);
    if (g->hint) rp_shell_printf_color(sh, RP_DIM, "     hint: %s\n", g->hint);
  }
}
