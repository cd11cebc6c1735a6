/*
** cli.h -- what the files of the lispy command line share.
*/
#ifndef RP_CLI_H
#define RP_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "agents.h"
#include "lispy.h"

typedef struct rp_Options {
  lispy_Limits limits;
  const char *command; /* a name of rp_commands (cli_commands.c), or NULL */
  const char *expr;    /* -e */
  char **files;        /* run FILE... */
  int nfiles;
  char **args; /* the subcommand's positional arguments */
  int nargs;
  const char *agent_dirs[AG_MAX_AGENT_DIRS]; /* --agents DIR (repeatable) */
  int nagent_dirs;
  const char *mock;   /* --mock FILE */
  const char *format; /* --format */
  bool trace;         /* --trace */
  bool strict;        /* --strict */
  bool run;           /* command is run */
  bool notes;         /* --notes: lint prints notes too */
  bool pretty;        /* --pretty: lint --format json indents by 2 spaces */
  bool timeout_set;   /* --timeout was given (else agent commands get
                              AG_DEFAULT_CALL_TIMEOUT_MS) */
} rp_Options;

/* cli_agents.c */
int rp_agents_main(const rp_Options *o);
int rp_cmd_run_agent(const rp_Options *o);
ag_Runtime *rp_runtime(const rp_Options *o);
bool rp_agent_dir_add(rp_Options *o, const char *dir);
void rp_add_dirs(ag_Runtime *rt, const rp_Options *o);
void rp_scan(ag_Runtime *rt, bool show_diags);
cJSON *rp_parse_call_args(const ag_Agent *a, char **argv, int argc, char *err, size_t errlen);
void rp_param_summary(const ag_Agent *a, char *out, size_t len);

/* cli_util.c: the C library's allocators, but a failure prints "lispy:
** out of memory" (stderr) before the NULL comes back; rp_strdup keeps NULL. */
void rp_out_of_memory(void);
void *rp_malloc(size_t size);
void *rp_calloc(size_t n, size_t size);
void *rp_realloc(void *p, size_t size);
char *rp_strdup(const char *s);
char *rp_strndup(const char *s, size_t n);

/* cli_commands.c: the subcommands, one row each (see there). */
typedef int (*rp_Handler)(ag_Runtime *rt, const rp_Options *o);
typedef struct rp_Command {
  const char *name;   /* "run", "call", ... */
  const char *usage;  /* its usage lines, after "lispy [options] " */
  const char *help;   /* one line, for completion menus */
  rp_Handler handler; /* an agent command's body, or NULL (main.c) */
} rp_Command;
extern const rp_Command rp_commands[]; /* ends with a NULL name */
const rp_Command *rp_command_find(const char *name);

/* cli_agents.c: the agent commands' bodies. */
int rp_cli_call(ag_Runtime *rt, const rp_Options *o);
int rp_cli_lint(ag_Runtime *rt, const rp_Options *o);
int rp_cli_list(ag_Runtime *rt, const rp_Options *o);
int rp_cli_tools(ag_Runtime *rt, const rp_Options *o);
int rp_cli_mcp(ag_Runtime *rt, const rp_Options *o); /* cli_mcp.c */
int rp_cli_watch(ag_Runtime *rt, const rp_Options *o);

/* cli_test.c: lispy test [PATH...] -- conformance cases; exit 1 on failure. */
int rp_cmd_test(ag_Runtime *rt, const rp_Options *o);

#endif
