/*
** cli_complete.c -- `lispy complete`: the completion engine for shells.
**
**   lispy complete [--agents DIR]... LINE [CURSOR]     a shell-input line
**   lispy complete [--agents DIR]... --cli -- WORD...   a lispy command line
**
** Candidates come out one per line as "text<TAB>help". For a command line,
** "@files", "@dirs" or "@lispy" ask the calling shell to complete file
** names itself (see cli_complete.h); the bash, zsh and fish scripts in
** completions/ use this.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli_complete.h"
#include "completions.h"
#include "shell.h"

typedef struct rp_Comp {
  rp_Options opt; /* the options, plus every --agents seen */
  bool cli;       /* --cli: complete a lispy command line */
  char **pos;     /* LINE [CURSOR], or the WORDs */
  int npos;
  ag_Runtime *rt; /* made and scanned on first need */
  cp_Engine *engine;
} rp_Comp;

/* ========================================================================
** Set-up
** ======================================================================== */

/* Agent files may print when they load: not into the candidates. */
static void rp_comp_sink(void *ud, const char *s, size_t len) { (void)ud, (void)s, (void)len; }

/* One more agent folder; false (message printed) past AG_MAX_AGENT_DIRS. */
static bool rp_comp_add_dir(rp_Comp *c, const char *dir) { return rp_agent_dir_add(&c->opt, dir); }

/* The engine over the scanned registry (NULL if the runtime fails). */
static cp_Engine *rp_comp_engine(rp_Comp *c) {
  if (c->engine || c->rt) return c->engine;
  rp_Options o = c->opt;
  o.mock = NULL; /* completion needs no context */
  c->rt = rp_runtime(&o);
  if (!c->rt) return NULL;
  lispy_set_output(ag_runtime_lispy(c->rt), rp_comp_sink, NULL);
  rp_add_dirs(c->rt, &c->opt);
  ag_ScanReport r;
  ag_registry_scan(c->rt, &r);
  ag_scan_report_free(&r);
  size_t nmeta;
  const char *const *meta = rp_meta_names(&nmeta);
  c->engine = cp_engine_new(c->rt, meta, nmeta);
  return c->engine;
}

/* Split o->args into our options and the positional words: 0, or the
** exit status (1 out of memory, 2 too many --agents). */
static int rp_comp_parse(rp_Comp *c, const rp_Options *o) {
  c->opt = *o;
  c->pos = rp_calloc((size_t)o->nargs + 1, sizeof *c->pos);
  if (!c->pos) return 1;
  bool words = false, ok = true;
  for (int i = 0; ok && i < o->nargs; i++) {
    const char *a = o->args[i];
    if (words) c->pos[c->npos++] = o->args[i];
    else if (strcmp(a, "--") == 0) words = true;
    else if (strcmp(a, "--cli") == 0) c->cli = true;
    else if (strcmp(a, "--agents") == 0 && i + 1 < o->nargs) ok = rp_comp_add_dir(c, o->args[++i]);
    else if (strncmp(a, "--agents=", 9) == 0) ok = rp_comp_add_dir(c, a + 9);
    else c->pos[c->npos++] = o->args[i];
  }
  return ok ? 0 : 2;
}

static void rp_comp_print(const cp_Result *r) {
  for (size_t i = 0; i < r->n; i++) {
    if (r->items[i].help && *r->items[i].help)
      printf("%s\t%s\n", r->items[i].text, r->items[i].help);
    else printf("%s\n", r->items[i].text);
  }
}

/* ========================================================================
** A shell-input line
** ======================================================================== */

static int rp_comp_line(rp_Comp *c) {
  if (c->npos < 1 || c->npos > 2) {
    fprintf(stderr, "usage: lispy complete [--agents DIR] LINE [CURSOR]\n"
                    "       lispy complete [--agents DIR] --cli -- WORD...\n");
    return 2;
  }
  const char *line = c->pos[0];
  size_t cursor = strlen(line);
  if (c->npos == 2) {
    const char *s = c->pos[1]; /* digits only: no sign, space, overflow */
    size_t n = strspn(s, "0123456789"), v = 0;
    bool overflow = false;
    for (size_t i = 0; i < n; i++) {
      overflow |= v > (SIZE_MAX - 9) / 10;
      v = v * 10 + (size_t)(s[i] - '0');
    }
    if (n == 0 || s[n] || overflow) {
      fprintf(stderr, "lispy complete: CURSOR must be a byte offset (digits), got '%.80s'\n", s);
      return 2;
    }
    cursor = v; /* past the end of LINE means its end */
  }
  cp_Engine *e = rp_comp_engine(c);
  if (!e) return 1;
  cp_Result r;
  cp_complete(e, line, cursor, &r);
  rp_comp_print(&r);
  cp_result_free(&r);
  return 0;
}

/* ========================================================================
** A lispy command line
** ======================================================================== */

static const char *const rp_options[] = {"--agents",  "an agent folder (repeatable)",
                                         "--mock",    "mock context fixture (JSON)",
                                         "--trace",   "include the context calls in the envelope",
                                         "--format",  "output format (json, openai)",
                                         "--strict",  "strict OpenAI tool schemas",
                                         "--notes",   "lint: show notes too",
                                         "--pretty",  "lint --format json: indent by 2 spaces",
                                         "--fuel",    "steps an evaluation may take",
                                         "--memory",  "heap bytes an evaluation may add",
                                         "--timeout", "wall-clock seconds per evaluation",
                                         "--depth",   "nested calls allowed",
                                         "-e",        "evaluate an expression and print it",
                                         "--help",    "usage",
                                         "--version", "version",
                                         NULL};

/* Options whose value is the next word. */
static bool rp_comp_valued(const char *w) {
  static const char *const valued[] = {"--agents",  "--mock",  "--format", "--fuel", "--memory",
                                       "--timeout", "--depth", "-e",       NULL};
  for (int i = 0; valued[i]; i++)
    if (strcmp(w, valued[i]) == 0) return true;
  return false;
}

/* The pairs of table whose name starts with prefix. */
static void rp_comp_table(const char *const *table, const char *prefix, cp_Result *out) {
  for (int i = 0; table[i]; i += 2)
    if (strncmp(table[i], prefix, strlen(prefix)) == 0) cp_result_add(out, table[i], table[i + 1]);
}

/* The value of option opt (typed so far: val); before is put in front of
** each candidate ("--format=" when typed in one word). */
static void rp_comp_value(const char *opt, const char *val, const char *before, cp_Result *out) {
  static const char *const formats[] = {"json", "openai", NULL};
  if (strcmp(opt, "--agents") == 0) cp_result_add(out, "@dirs", NULL);
  else if (strcmp(opt, "--mock") == 0) cp_result_add(out, "@files", NULL);
  else if (strcmp(opt, "--format") == 0)
    for (int i = 0; formats[i]; i++)
      if (strncmp(formats[i], val, strlen(val)) == 0) {
        char buf[64];
        snprintf(buf, sizeof buf, "%s%s", before, formats[i]);
        cp_result_add(out, buf, NULL);
      }
}

/* What the words before the last one say. */
typedef struct rp_Words {
  const char *cmd;     /* the subcommand, or NULL */
  const char *pending; /* a valued option waiting for its value */
  const char **args;   /* the subcommand's arguments so far */
  int nargs;
} rp_Words;

static bool rp_comp_walk(rp_Comp *c, char **w, int n, rp_Words *s) {
  for (int i = 0; i < n; i++) {
    if (s->pending) {
      if (strcmp(s->pending, "--agents") == 0 && !rp_comp_add_dir(c, w[i])) return false;
      s->pending = NULL;
    } else if (strncmp(w[i], "--agents=", 9) == 0) {
      if (!rp_comp_add_dir(c, w[i] + 9)) return false;
    } else if (rp_comp_valued(w[i])) {
      s->pending = w[i];
    } else if (w[i][0] == '-' && w[i][1]) {
      continue; /* a flag, or --name=value */
    } else if (!s->cmd && rp_command_find(w[i])) {
      s->cmd = w[i];
    } else if (s->cmd) {
      s->args[s->nargs++] = w[i];
    }
  }
  return true;
}

/* `lispy call NAME ... key=CUR`: an enum's choices, or true/false. */
static void rp_comp_call_value(cp_Engine *e, const char *agent, const char *cur, cp_Result *out) {
  const char *eq = strchr(cur, '=');
  char key[256], before[260];
  snprintf(key, sizeof key, "%.*s", (int)(eq - cur), cur);
  snprintf(before, sizeof before, "%s=", key);
  cp_add_values(e, agent, key, eq + 1, false, before, "", out);
}

/* `lispy call NAME k=v ... CUR`: agent names, then "key=" parameters. */
static void rp_comp_call(rp_Comp *c, const rp_Words *s, const char *cur, cp_Result *out) {
  cp_Engine *e = rp_comp_engine(c);
  if (!e) return;
  if (s->nargs == 0) {
    cp_add_agents(e, cur, out);
    return;
  }
  if (s->args[0][0] == '{' || cur[0] == '{') return; /* JSON arguments */
  if (strchr(cur, '=')) {
    rp_comp_call_value(e, s->args[0], cur, out);
    return;
  }
  const char **given = rp_calloc((size_t)s->nargs + 1, sizeof *given);
  char **copies = given ? rp_calloc((size_t)s->nargs + 1, sizeof *copies) : NULL;
  bool ok = copies != NULL;
  for (int i = 1, k = 0; ok && i < s->nargs; i++) {
    const char *eq = strchr(s->args[i], '=');
    if (eq && (ok = (copies[k] = rp_strndup(s->args[i], (size_t)(eq - s->args[i]))) != NULL))
      given[k] = copies[k], k++;
  }
  if (ok) cp_add_params(e, s->args[0], cur, "", "=", given, out);
  for (int i = 0; copies && copies[i]; i++) free(copies[i]);
  free(copies);
  free(given);
}

/* The arguments of the subcommand. */
static void rp_comp_args(rp_Comp *c, const rp_Words *s, const char *cur, cp_Result *out) {
  const char *cmd = s->cmd;
  bool agent_file = s->nargs && ag_is_agent_file(s->args[0]);
  if (strcmp(cmd, "call") == 0) rp_comp_call(c, s, cur, out);
  else if (strcmp(cmd, "run") == 0 && !agent_file) cp_result_add(out, "@lispy", NULL);
  else if (strcmp(cmd, "lint") == 0 || strcmp(cmd, "test") == 0) cp_result_add(out, "@lispy", NULL);
}

static int rp_comp_cli(rp_Comp *c) {
  char *empty[] = {(char *)""};
  char **w = c->npos ? c->pos : empty;
  int n = c->npos ? c->npos : 1;
  if (n > 1 && (strcmp(w[0], "lispy") == 0 ||
                (strlen(w[0]) > 6 && strcmp(w[0] + strlen(w[0]) - 6, "/lispy") == 0)))
    w++, n--; /* the program name, if the shell passed it */
  rp_Words s = {NULL, NULL, rp_calloc((size_t)n + 1, sizeof(char *)), 0};
  if (!s.args) return 1;
  if (!rp_comp_walk(c, w, n - 1, &s)) {
    free(s.args);
    return 2;
  }
  const char *cur = w[n - 1], *eq = strchr(cur, '=');
  cp_Result r = {0};
  if (s.pending) {
    rp_comp_value(s.pending, cur, "", &r);
  } else if (cur[0] == '-' && cur[1] == '-' && eq) {
    char opt[64];
    snprintf(opt, sizeof opt, "%.*s", (int)(eq - cur), cur);
    char before[80];
    snprintf(before, sizeof before, "%s=", opt);
    rp_comp_value(opt, eq + 1, before, &r);
  } else if (cur[0] == '-') {
    rp_comp_table(rp_options, cur, &r);
  } else if (!s.cmd) {
    for (const rp_Command *k = rp_commands; k->name; k++) /* the subcommands' table */
      if (strncmp(k->name, cur, strlen(cur)) == 0) cp_result_add(&r, k->name, k->help);
  } else {
    rp_comp_args(c, &s, cur, &r);
  }
  rp_comp_print(&r);
  cp_result_free(&r);
  free(s.args);
  return 0;
}

/* ========================================================================
** Entry
** ======================================================================== */

int rp_cmd_complete(const rp_Options *o) {
  rp_Comp c;
  memset(&c, 0, sizeof c);
  int rc = rp_comp_parse(&c, o);
  if (rc == 0) rc = c.cli ? rp_comp_cli(&c) : rp_comp_line(&c);
  cp_engine_free(c.engine);
  if (c.rt) ag_runtime_free(c.rt);
  free(c.pos);
  fflush(stdout);
  return rc;
}
