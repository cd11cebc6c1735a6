/*
** main.c -- the lispy command line.
**
**   lispy run FILE...        evaluate files in one environment
**   lispy -e EXPR            evaluate and print the result
**   lispy                    read forms from standard input
**   lispy --version | --help
**
** Limits: --fuel N --memory BYTES --timeout SECONDS --depth N apply to every
** evaluation, parsed strictly (ag_limit_parse); the agent commands get
** AG_DEFAULT_CALL_TIMEOUT_MS without --timeout. LISPY_GC_STRESS=1 collects
** at every allocation (tests).
*/
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_complete.h"
#include "shell.h"

/* ========================================================================
** Options
** ======================================================================== */

/* The usage text. The subcommands' lines come from rp_commands, the
** first after "usage: ", the others indented under it. */
static void rp_usage(FILE *out) {
  for (const rp_Command *c = rp_commands; c->name; c++)
    fprintf(out, "%s lispy [options] %s", c == rp_commands ? "usage:" : "      ", c->usage);
  fprintf(
      out,
      "       lispy [options] -e EXPR       evaluate EXPR and print the result\n"
      "       lispy [options]               no command: the interactive shell when stdin is a\n"
      "                                     terminal; else read forms and :commands from stdin\n"
      "       lispy --version | --help\n"
      "\n"
      "agent options:\n"
      "  --agents DIR     an agent folder (repeatable; default: $LISPY_AGENTS_PATH,\n"
      "                   colon-separated, else ./agents)\n"
      "  --mock FILE      mock context fixture (JSON; see examples/mock.json)\n"
      "  --trace          include the context calls in the envelope\n"
      "\n"
      "limits (whole numbers; k, m, g suffixes; nan, inf, fractions, exponents refused):\n"
      "  --fuel N         steps an evaluation may take (k, m, g: thousand, million,\n"
      "                   billion; 0: unlimited; default %lld)\n"
      "  --memory BYTES   heap an evaluation may add (k, m, g: KiB, MiB, GiB; 0: unlimited)\n"
      "  --timeout SECS   wall-clock seconds per evaluation (2, 0.25, 500ms; 0: none);\n"
      "                   call, test, lint, list, tools, watch and run of an agent file\n"
      "                   default to %g s, the shell, scripts and -e to none\n"
      "  --depth N        nested calls allowed (k, m, g as for --fuel; default %d)\n",
      (long long)lispy_default_limits().fuel, AG_DEFAULT_CALL_TIMEOUT_MS / 1000.0,
      (int)lispy_default_limits().depth);
}

/* --fuel, --memory, --timeout, --depth: "fuel" etc., or NULL. */
static const char *rp_limit_name(const char *option) {
  static const char *names[] = {"fuel", "memory", "timeout", "depth", NULL};
  for (int i = 0; names[i]; i++)
    if (strncmp(option, "--", 2) == 0 && strcmp(option + 2, names[i]) == 0) return names[i];
  return NULL;
}

/* A limit option, parsed strictly (ag_limit_parse); bad values end the
** program with status 2 and a message saying what was expected. */
static bool rp_limit_option(rp_Options *o, const char *option, const char *value) {
  const char *name = rp_limit_name(option);
  if (!name) return false;
  char why[300];
  if (!ag_limit_parse(&o->limits, name, value, why, sizeof why)) {
    fprintf(stderr, "lispy: %s: %s\n", option, why);
    exit(2);
  }
  o->timeout_set |= strcmp(name, "timeout") == 0;
  return true;
}

/* Options that take no value. */
static bool rp_flag(rp_Options *o, const char *a) {
  if (strcmp(a, "--trace") == 0) o->trace = true;
  else if (strcmp(a, "--strict") == 0) o->strict = true;
  else if (strcmp(a, "--notes") == 0) o->notes = true;
  else if (strcmp(a, "--pretty") == 0) o->pretty = true;
  else return false;
  return true;
}

/* Options that take a value (--name VALUE or --name=VALUE). */
static bool rp_takes_value(const char *name) {
  return strcmp(name, "--agents") == 0 || strcmp(name, "--mock") == 0 ||
         strcmp(name, "--format") == 0 || rp_limit_name(name) != NULL;
}

/* Store the value of option name; false if name takes no value. --agents
** adds a folder (rp_agent_dir_add: a 65th, past AG_MAX_AGENT_DIRS, is an
** error, exit 2); limits go through rp_limit_option. */
static bool rp_valued(rp_Options *o, const char *name, const char *value) {
  if (strcmp(name, "--agents") == 0) {
    if (!rp_agent_dir_add(o, value)) exit(2);
  } else if (strcmp(name, "--mock") == 0) {
    o->mock = value;
  } else if (strcmp(name, "--format") == 0) {
    o->format = value;
  } else {
    return rp_limit_option(o, name, value);
  }
  return true;
}

/* The argument parser: one pass over argv into o. Options may come before
** or after the subcommand: --version and --help act at once; -e EXPR; flags
** (rp_flag); valued options as --name=VALUE or --name VALUE (rp_valued:
** --agents repeatable, limits parsed strictly); the first word that names a
** subcommand becomes o->command and later words its arguments. After
** "complete" every word is data (the line being completed), options too.
** Anything else is an error with status 2, as is a bad or missing value. */
static void rp_parse_args(rp_Options *o, int argc, char **argv) {
  o->limits = lispy_default_limits();
  o->args = rp_calloc((size_t)argc + 1, sizeof(char *));
  if (!o->args) exit(1);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    char name[32];
    if (o->command && strcmp(o->command, "complete") == 0) { /* the rest is data */
      o->args[o->nargs++] = argv[i];
      continue;
    }
    if (strcmp(a, "--version") == 0) {
      printf("lispy %s\n", lispy_version());
      exit(0);
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      rp_usage(stdout);
      exit(0);
    } else if (strcmp(a, "-e") == 0 && i + 1 < argc) {
      o->expr = argv[++i];
    } else if (rp_flag(o, a)) {
      continue;
    } else if (strncmp(a, "--", 2) == 0 && strchr(a, '=')) {
      size_t n = (size_t)(strchr(a, '=') - a);
      snprintf(name, sizeof name, "%.*s", (int)n, a);
      if (!rp_valued(o, name, a + n + 1)) goto unknown;
    } else if (rp_takes_value(a) && i + 1 < argc) {
      rp_valued(o, a, argv[++i]);
    } else if (rp_takes_value(a)) {
      const char *what = strcmp(a, "--agents") == 0 ? "a folder"
                         : strcmp(a, "--mock") == 0 ? "a fixture file"
                                                    : "a value";
      fprintf(stderr, "lispy: %s needs %s (see lispy --help)\n", a, what);
      exit(2);
    } else if (strncmp(a, "--", 2) == 0) {
      goto unknown;
    } else if (!o->command && rp_command_find(a)) {
      o->command = a;
    } else if (o->command) {
      o->args[o->nargs++] = argv[i];
    } else {
      goto unknown;
    }
    continue;
  unknown:
    fprintf(stderr, "lispy: unknown argument '%s' (see lispy --help)\n", a);
    exit(2);
  }
  if (o->command && strcmp(o->command, "run") == 0) {
    o->run = true;
    o->files = o->args;
    o->nfiles = o->nargs;
  }
}

/* ========================================================================
** Running
** ======================================================================== */

static lispy_State *rp_state;

static void rp_on_sigint(int sig) {
  (void)sig;
  if (rp_state) lispy_interrupt(rp_state);
}

static void rp_stdout(void *ud, const char *s, size_t len) {
  (void)ud;
  fwrite(s, 1, len, stdout);
}

static void rp_report(lispy_State *L) {
  char *text = lispy_error_text(L, lispy_last_error(L));
  if (!text) {
    rp_out_of_memory();
    return;
  }
  fflush(stdout);
  fprintf(stderr, "%s\n", text);
  free(text);
}

static int rp_print_result(lispy_State *L, lispy_Value v) {
  char *s = lispy_repr(L, v, true);
  if (!s) {
    rp_out_of_memory();
    return 1;
  }
  printf("%s\n", s);
  free(s);
  return 0;
}


/* Scripts and -e see the registry through (invoke ...) when folders are
** named (--agents or LISPY_AGENTS_PATH). */
static void rp_scan_if_asked(ag_Runtime *rt, const rp_Options *o) {
  const char *env = getenv("LISPY_AGENTS_PATH");
  if (o->nagent_dirs == 0 && !(env && *env)) return;
  rp_add_dirs(rt, o);
  rp_scan(rt, false);
}


static int rp_run(lispy_State *L, const rp_Options *o) {
  lispy_Value v;
  if (o->expr) {
    if (lispy_eval_string(L, NULL, o->expr, strlen(o->expr), "<expr>", &v) != LISPY_OK) {
      rp_report(L);
      return 1;
    }
    return rp_print_result(L, v);
  }
  if (o->run) {
    if (o->nfiles == 0) {
      fprintf(stderr, "lispy: run needs at least one FILE\n");
      return 2;
    }
    if (ag_is_agent_file(o->files[0])) return rp_cmd_run_agent(o);
    for (int i = 0; i < o->nfiles; i++)
      if (lispy_eval_file(L, NULL, o->files[i], NULL) != LISPY_OK) {
        rp_report(L);
        return 1;
      }
    return 0;
  }
  return 0;
}

/* The agent commands (call, test, lint, list, tools, watch, run of an
** agent file) run unattended: without --timeout each evaluation, a file's
** load or a call, gets AG_DEFAULT_CALL_TIMEOUT_MS, so a runaway agent
** cannot hang a script or a CI job. The shell, scripts and -e keep none. */
static void rp_default_timeout(rp_Options *o) {
  bool agent_cmd = o->command && strcmp(o->command, "complete") != 0 &&
                   (!o->run || (o->nfiles > 0 && ag_is_agent_file(o->files[0])));
  if (agent_cmd && !o->timeout_set) o->limits.timeout = AG_DEFAULT_CALL_TIMEOUT_MS / 1000.0;
}

int main(int argc, char **argv) {
  rp_Options o;
  memset(&o, 0, sizeof o);
  rp_parse_args(&o, argc, argv);
  rp_default_timeout(&o);
  if (o.command && strcmp(o.command, "complete") == 0) {
    int rc = rp_cmd_complete(&o);
    free(o.args);
    return rc;
  }
  if (o.command && !o.run) {
    int rc = rp_agents_main(&o);
    free(o.args);
    return rc;
  }
  if (!o.command && !o.expr) { /* the interactive shell */
    int rc = rp_shell_main(&o);
    free(o.args);
    return rc;
  }
  ag_Runtime *rt = rp_runtime(&o);
  if (!rt) return 1;
  rp_scan_if_asked(rt, &o);
  lispy_State *L = ag_runtime_lispy(rt);
  const char *stress = getenv("LISPY_GC_STRESS");
  if (stress && *stress && strcmp(stress, "0") != 0) lispy_gc_stress(L, true);
  lispy_set_limits(L, &o.limits);
  lispy_set_output(L, rp_stdout, NULL);
  rp_state = L;
  signal(SIGINT, rp_on_sigint);
  int rc = rp_run(L, &o);
  fflush(stdout);
  rp_state = NULL;
  ag_runtime_free(rt);
  free(o.args);
  return rc;
}
