/*
** cli_commands.c -- the one table of lispy's subcommands.
**
** The usage text (main.c), the dispatcher (main.c, cli_agents.c) and the
** completion of subcommand names (cli_complete.c, hence `lispy complete
** --cli` and the shell completion scripts) all read rp_commands, as the
** shell's meta-commands read theirs (shell_cmds.c). A new subcommand is one
** row here plus its handler.
*/
#include <string.h>

#include "cli.h"

/* In the order of `lispy --help`. usage is what follows "lispy [options] "
** on the usage lines, continuation lines included; handler is NULL where
** main.c runs the command itself (run, complete). */
/* clang-format off */
const rp_Command rp_commands[] = {
  {"run",
   "run FILE...   evaluate LisPy files in order\n"
   "       lispy [options] run FILE_agent.lispy ['{json}' | key=value...]\n"
   "                                     run one agent file, print its envelope\n",
   "evaluate LisPy files, or run one agent file", NULL},
  {"call",
   "call NAME ['{json}' | key=value...]\n"
   "                                     call an agent of the registry\n",
   "call an agent of the registry", rp_cli_call},
  {"lint", "lint [PATH...] [--format json [--pretty]] [--notes]\n", "lint agent files and folders",
   rp_cli_lint},
  {"list", "list          table of the registry's agents\n", "table of the registry's agents",
   rp_cli_list},
  {"tools", "tools [--format openai|json] [--strict]\n", "the agents as OpenAI tools",
   rp_cli_tools},
  {"test", "test [PATH...]  run agents' conformance cases\n", "run agents' conformance cases",
   rp_cmd_test},
  {"watch", "watch         re-scan the agent folders on every change\n",
   "re-scan the agent folders on every change", rp_cli_watch},
  {"mcp", "mcp           serve the agents to LLM clients (MCP over stdio)\n",
   "serve the agents over the Model Context Protocol (stdio)", rp_cli_mcp},
  {"complete", "complete LINE [CURSOR]   completion candidates (for scripts)\n",
   "completion candidates (for shells)", NULL},
  {NULL, NULL, NULL, NULL},
};
/* clang-format on */

/* The row named name, or NULL. */
const rp_Command *rp_command_find(const char *name) {
  for (const rp_Command *c = rp_commands; c->name; c++)
    if (strcmp(c->name, name) == 0) return c;
  return NULL;
}
