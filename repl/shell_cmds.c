/*
** shell_cmds.c -- the shell's :meta-commands, one table row each with a
** one-line help (:help) and a longer one (:help CMD).
*/
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "shell.h"

typedef void (*rp_CmdFn)(rp_Shell *sh, char *args);

typedef struct rp_Cmd {
  const char *name;    /* ":call" */
  const char *usage;   /* "NAME ARGS" */
  const char *brief;   /* one line for :help */
  const char *details; /* for :help CMD */
  rp_CmdFn fn;
} rp_Cmd;

static void rp_cmd_help(rp_Shell *sh, char *args);
/* ========================================================================
** Helpers
** ======================================================================== */

/* The next word of *s, cut in place: blanks separate words except inside
** double quotes, which are removed (city="Sao Paulo" -> city=Sao Paulo;
** \" inside quotes is a quote). An unclosed quote runs to the end. */
char *rp_next_word(char **s) {
  char *p = *s + strspn(*s, " \t"), *r = p, *w = p;
  if (!*p) return NULL;
  bool quoted = false;
  for (; *r && (quoted || (*r != ' ' && *r != '\t')); r++) {
    if (*r == '"') quoted = !quoted;
    else if (quoted && r[0] == '\\' && r[1] == '"') *w++ = *++r;
    else *w++ = *r;
  }
  *s = *r ? r + 1 : r;
  *w = '\0';
  return p;
}

void rp_print_json(rp_Shell *sh, const cJSON *j) {
  char *s = ag_json_print(j, true);
  printf("%s\n", s ? s : "null");
  free(s);
  (void)sh;
}

/* The agent name nearest to name, or NULL (rp_nearest's rule). */
const char *rp_nearest_agent(rp_Shell *sh, const char *name) {
  rp_Nearest near = rp_nearest_start(name, RP_NEAREST_SHORT);
  for (size_t i = 0; i < ag_registry_count(sh->rt); i++)
    rp_nearest_try(&near, ag_registry_at(sh->rt, i)->name);
  return near.found;
}

ag_Agent *rp_agent_arg(rp_Shell *sh, const char *name) {
  ag_Agent *a = name ? ag_registry_find(sh->rt, name) : NULL;
  if (a) return a;
  if (!name) return NULL;                           /* the caller prints its usage */
  cJSON *env = ag_registry_not_found(sh->rt, name); /* names both files of a duplicate */
  const cJSON *msg = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItem(env, "error"), "message");
  char plain[2048];
  ag_plain_text(cJSON_IsString(msg) ? msg->valuestring : name, plain, sizeof plain);
  const char *near = rp_nearest_agent(sh, name);
  if (near) printf("%s (did you mean %s?)\n", plain, near);
  else printf("%s (see :agents)\n", plain);
  cJSON_Delete(env);
  return NULL;
}

/* An agent's source file, read again (malloc'd; NULL with why set). The
** file may have become a FIFO or grown since it loaded: the read never
** blocks and stops at AG_MAX_AGENT_FILE_BYTES. */
char *rp_agent_source(const ag_Agent *a, char *why, size_t whylen) {
  size_t len;
  return ag_read_file_why(a->path, AG_MAX_AGENT_FILE_BYTES, &len, why, whylen);
}

double rp_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}


/* ========================================================================
** The table
** ======================================================================== */

/* clang-format off */
static const rp_Cmd rp_cmds[] = {
  {":help", "[CMD]", "this list, or more on one command", "Without CMD lists every command.", rp_cmd_help},
  {":agents", "", "table of agents: name, params, source, lint status",
   "Shell definitions come first and shadow file agents of the same name.", rp_cmd_agents},
  {":describe", "NAME", "descriptor, parameter table, run signature, context methods",
   "Shows types, defaults and required marks, the source path, run's parameters and the context methods the source calls.", rp_cmd_describe},
  {":call", "[--json] NAME ARGS", "call an agent: its value or error, then context calls",
   "ARGS is JSON ({\"city\": \"Paris\"}), a LisPy dict ({:city \"Paris\"}) or key=value pairs (city=Paris, city=\"Sao Paulo\"), coerced by the schema. An error shows as at the prompt; the envelope becomes *1, and --json prints it whole.", rp_cmd_call},
  {":edit", "[NAME]", "edit the last form, or an agent, in $VISUAL/$EDITOR",
   "Without NAME, the last form typed (a new buffer if none); with NAME, the agent's file (reloaded when saved) or, for an agent typed here, its text. What the editor saves is evaluated as a new input.", rp_cmd_edit},
  {":lint", "[NAME|FILE]", "show lint diagnostics", "Without an argument, for every agent; FILE loads and lints that file.", rp_cmd_lint},
  {":reload", "", "re-scan the folders; drop shell definitions", "Files added, changed (by content) or removed are reported.", rp_cmd_reload},
  {":load", "FILE|DIR", "evaluate a file here, or load agent files",
   "An *_agent.lispy file becomes an agent of the shell; a folder loads each of its *_agent.lispy files and says how many; any other file is evaluated in the shell's environment.", rp_cmd_load},
  {":save", "NAME [DIR] [--force] [--tests]", "write a prompt agent to DIR/NAME_agent.lispy",
   "DIR defaults to the first agent folder. The file holds what was typed: the agent's inputs, after the earlier inputs that define what it uses. An existing file is kept unless --force. --tests also writes NAME_agent.test.json with every :call of the agent's current definition as a case (arguments, the mock state it ran against, the value or error kind), so that lispy test passes on it.", rp_cmd_save},
  {":forget", "NAME", "drop an agent typed at the prompt",
   "A file agent of the same name that it shadowed is callable again.", rp_cmd_forget},
  {":source", "NAME", "print an agent's source", "For agents typed at the prompt, the text that defined them.", rp_cmd_source},
  {":apropos", "TEXT", "find functions, context methods and agents by name or doc",
   "Case-insensitive: lists builtins, prelude and shell functions, context methods and agents whose name or doc string holds TEXT.", rp_cmd_apropos},
  {":in", "[NAME]", "evaluate inside an agent's environment; alone, go back",
   "Inside NAME, its helpers are callable and :doc works on them; the prompt shows the agent's name. Definitions made there change that agent until it reloads.", rp_cmd_in},
  {":doc", "SYMBOL", "doc string and parameters of a function", "Works for builtins, prelude functions and your own definitions with doc strings.", rp_cmd_doc},
  {":ctx", "[set K V|llm P R|reset]", "show or change the mock context",
   ":ctx shows data fields, fixtures, store, logs and LLM rules; :ctx set KEY JSON sets a data field; :ctx llm PATTERN REPLY adds an LLM rule; :ctx reset restores the fixture.", rp_cmd_ctx},
  {":trace", "on|off", "show context calls after :call", "The trace lists method, arguments, result and duration.", rp_cmd_trace},
  {":set", "[print-length N|print-depth N]", "how results are cut; alone, show it",
   "Results show print-length items per list, vector or dict, then '… N more', and print-depth levels of nesting, deeper ones as (…). 0 means no cut. Ctrl-C stops a long print.", rp_cmd_set},
  {":time", "EXPR", "evaluate EXPR and show time and heap change", "Wall-clock milliseconds and the change in heap bytes.", rp_cmd_time},
  {":limits", "[fuel N ...]", "show or set fuel, memory, depth, timeout",
   "e.g. :limits fuel 1000000 memory 67108864 depth 5000 timeout 2 (0 means unlimited for fuel, memory and timeout).", rp_cmd_limits},
  {":test", "[NAME]", "run agents' conformance cases", "Runs NAME_agent.test.json beside each agent file (see docs/testing.md).", rp_meta_test},
  {":quit", "", "leave the shell (also Ctrl-D)", "History is saved in ~/.lispy_history.", rp_cmd_quit},
};
/* clang-format on */
static const size_t rp_ncmds = sizeof rp_cmds / sizeof rp_cmds[0];

static void rp_cmd_help(rp_Shell *sh, char *args) {
  char *cmd = rp_next_word(&args);
  for (size_t i = 0; cmd && i < rp_ncmds; i++)
    if (strcmp(rp_cmds[i].name + 1, cmd[0] == ':' ? cmd + 1 : cmd) == 0) {
      rp_shell_printf_color(sh, RP_BOLD, "%s %s\n", rp_cmds[i].name, rp_cmds[i].usage);
      printf("  %s\n  %s\n", rp_cmds[i].brief, rp_cmds[i].details);
      return;
    }
  if (cmd) printf("no command :%s\n", cmd);
  printf("Type LisPy forms to evaluate them; define AGENT and run to make an agent live.\n");
  for (size_t i = 0; i < rp_ncmds; i++)
    printf("  %-10s %-31s %s\n", rp_cmds[i].name, rp_cmds[i].usage, rp_cmds[i].brief);
  printf("Tab completes; *1 *2 *3 are recent results, *e the last error. :help CMD for more.\n");
}

/* The commands' names, for completion: read off the table once. */
const char *const *rp_meta_names(size_t *n) {
  static const char *names[sizeof rp_cmds / sizeof rp_cmds[0]];
  for (size_t i = 0; i < rp_ncmds; i++) names[i] = rp_cmds[i].name;
  *n = rp_ncmds;
  return names;
}

/* Levenshtein distance of a and b (both short names; -1 past 63 bytes). */
size_t rp_edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b), row[64];
  if (la >= 64 || lb >= sizeof row / sizeof row[0]) return (size_t)-1;
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
      if (up + 1 < best) best = up + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      diag = up;
      row[j] = best;
    }
  }
  return row[lb];
}

rp_Nearest rp_nearest_start(const char *name, size_t limit) {
  size_t short_limit = strlen(name) < 3 ? strlen(name) : 3;
  rp_Nearest n = {name, limit == RP_NEAREST_SHORT ? short_limit : limit, NULL};
  return n;
}

void rp_nearest_try(rp_Nearest *n, const char *cand) {
  size_t d = cand ? rp_edit_distance(n->name, cand) : (size_t)-1;
  if (d > 0 && d < n->best) n->best = d, n->found = cand;
}

/* No command matched name: list the commands it is a prefix of, or the
** nearest by edit distance (at most 2). */
static void rp_command_unknown(rp_Shell *sh, const char *name, int prefixes) {
  size_t n = strlen(name);
  if (prefixes > 1) {
    rp_shell_printf_color(sh, RP_RED, "ambiguous command %s: could be", name);
    for (size_t i = 0; i < rp_ncmds; i++)
      if (strncmp(rp_cmds[i].name, name, n) == 0) printf(" %s", rp_cmds[i].name);
    printf("\n");
    return;
  }
  rp_Nearest near = rp_nearest_start(name, 3); /* commands: at most 2 edits, however short */
  for (size_t i = 0; i < rp_ncmds; i++) rp_nearest_try(&near, rp_cmds[i].name);
  rp_shell_printf_color(sh, RP_RED, "unknown command %s", name);
  if (near.found) printf(" (did you mean %s?)", near.found);
  printf(" (:help lists them)\n");
}

void rp_shell_command(rp_Shell *sh, const char *line) {
  char *copy = rp_strdup(line);
  if (!copy) return;
  char *args = copy;
  char *name = rp_next_word(&args);
  size_t n = strlen(name);
  const rp_Cmd *found = NULL;
  int prefixes = 0;
  for (size_t i = 0; i < rp_ncmds; i++) { /* exact, else a unique prefix */
    if (strcmp(rp_cmds[i].name, name) == 0) {
      found = &rp_cmds[i];
      prefixes = 1;
      break;
    }
    if (strncmp(rp_cmds[i].name, name, n) == 0) {
      found = &rp_cmds[i];
      prefixes++;
    }
  }
  if (!found || prefixes != 1) rp_command_unknown(sh, name, prefixes);
  else found->fn(sh, args);
  free(copy);
}
