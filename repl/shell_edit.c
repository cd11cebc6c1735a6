/*
** shell_edit.c -- :edit: the last form, an agent's source or a new buffer
** in the user's editor ($VISUAL, else $EDITOR, else vi); what is saved is
** evaluated (an agent file is reloaded).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shell.h"

/* The editor command: $VISUAL, else $EDITOR, else vi. */
static const char *rp_editor(void) {
  const char *e = getenv("VISUAL");
  if (!e || !*e) e = getenv("EDITOR");
  return e && *e ? e : "vi";
}

/* Run the editor on path, the path quoted for /bin/sh (the editor command
** itself is the user's, words and all, as other tools run it). True when
** it exited with status 0. */
static bool rp_run_editor(const char *path) {
  size_t n = strlen(rp_editor()) + 4 * strlen(path) + 8;
  char *cmd = rp_malloc(n), *w = cmd;
  if (!cmd) return false;
  w += sprintf(w, "%s '", rp_editor());
  for (const char *p = path; *p; p++) w += *p == '\'' ? sprintf(w, "'\\''") : sprintf(w, "%c", *p);
  sprintf(w, "'");
  fflush(stdout);
  int rc = system(cmd);
  free(cmd);
  if (rc != 0)
    printf("the editor (%s) failed (exit status %d): nothing evaluated\n", rp_editor(),
           rc > 0 && WIFEXITED(rc) ? WEXITSTATUS(rc) : rc);
  return rc == 0;
}

/* Edit text in a temporary file; the saved text (malloc'd) or NULL when
** the editor failed or the file cannot be used. */
static char *rp_edit_text(const char *text) {
  char path[] = "/tmp/lispy-edit-XXXXXX.lispy";
  int fd = mkstemps(path, 6);
  if (fd < 0) return (void)printf("cannot make a temporary file to edit\n"), NULL;
  FILE *f = fdopen(fd, "w");
  bool ok = f && fputs(text, f) >= 0;
  if (f) ok = fclose(f) == 0 && ok;
  else close(fd);
  char *out = NULL;
  if (ok && rp_run_editor(path)) {
    char why[256];
    size_t len;
    out = ag_read_file_why(path, AG_MAX_AGENT_FILE_BYTES, &len, why, sizeof why);
    if (!out) printf("cannot read the edited text back: %s\n", why);
  }
  unlink(path);
  return out;
}

/* The text of the last input that held code, or "" (a new buffer). */
static const char *rp_last_form(rp_Shell *sh) {
  for (size_t i = sh->ninputs; i-- > 0;)
    if (sh->inputs[i].text && !rp_blank(sh->inputs[i].text)) return sh->inputs[i].text;
  return "";
}

/* :edit [NAME]: NAME's file in place (then reloaded), a prompt agent's
** text, or the last form, in the editor; the saved text is evaluated as
** a new input. */
void rp_cmd_edit(rp_Shell *sh, char *args) {
  char *name = rp_next_word(&args);
  const char *text = rp_last_form(sh);
  if (name) {
    ag_Agent *a = rp_agent_arg(sh, name);
    if (!a) return;
    rp_Defined *d = strcmp(a->path, "<repl>") == 0 ? rp_defined_find(sh, a->name) : NULL;
    if (!d) { /* a file agent: edit the file itself, then take the change */
      if (rp_run_editor(a->path) && !rp_shell_rescan(sh)) printf("%s is unchanged\n", a->path);
      return;
    }
    text = d->src;
  }
  char *edited = rp_edit_text(text);
  if (!edited) return;
  if (rp_blank(edited)) printf("the buffer is empty: nothing evaluated\n");
  else rp_shell_eval_text(sh, edited, rp_input_add(sh, edited));
  free(edited);
}
