/*
** cli_mcp.c -- `lispy mcp`: the agent folders served to LLM clients over
** the Model Context Protocol, JSON-RPC 2.0 on stdin/stdout, one message
** per line. The messages are agents/ag_mcp.c's; this file is the stdio
** transport: lines read with a cap, a trailing \r tolerated, and nothing
** but protocol messages on stdout (agents' output goes to stderr).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* An agent's display/print output: stderr, never the protocol's stdout. */
static void rp_mcp_output(void *ud, const char *s, size_t len) {
  (void)ud;
  fwrite(s, 1, len, stderr);
}

/* The next line of stdin into *buf (grown as needed, without its newline
** or a \r before it). Returns its length; -1 at end of input; -2 for a
** line longer than AG_MCP_MAX_MESSAGE_BYTES, which is read to its end and
** dropped. */
static long rp_mcp_read_line(char **buf, size_t *cap) {
  size_t len = 0;
  bool over = false;
  int c;
  while ((c = getchar()) != EOF && c != '\n') {
    if (over) continue;
    if (len + 1 >= *cap) {
      size_t ncap = *cap ? *cap * 2 : 4096;
      char *p = rp_realloc(*buf, ncap);
      if (!p) return -1;
      *buf = p;
      *cap = ncap;
    }
    (*buf)[len++] = (char)c;
    if (len > AG_MCP_MAX_MESSAGE_BYTES) over = true;
  }
  if (c == EOF && len == 0 && !over) return -1;
  if (over) return -2;
  if (len > 0 && (*buf)[len - 1] == '\r') len--;
  (*buf)[len] = '\0';
  return (long)len;
}

/* Send one message: the line, a newline, flushed. */
static void rp_mcp_send(const char *line) {
  fputs(line, stdout);
  fputc('\n', stdout);
  fflush(stdout);
}

int rp_cli_mcp(ag_Runtime *rt, const rp_Options *o) {
  (void)o;
  rp_scan(rt, false);
  lispy_set_output(ag_runtime_lispy(rt), rp_mcp_output, NULL); /* loads print too */
  ag_CallOptions call = {false, rp_mcp_output, NULL};
  ag_McpServer *s = ag_mcp_new(rt, &call);
  if (!s) {
    rp_out_of_memory();
    return 1;
  }
  char *buf = NULL;
  size_t cap = 0;
  for (long n; (n = rp_mcp_read_line(&buf, &cap)) != -1;) {
    char *reply;
    if (n == -2) {
      static const char too_big[] = "x"; /* stands for the dropped line */
      reply = ag_mcp_handle(s, too_big, AG_MCP_MAX_MESSAGE_BYTES + 1);
    } else if (n == 0 || buf[strspn(buf, " \t")] == '\0') {
      continue; /* blank lines between messages */
    } else {
      reply = ag_mcp_handle(s, buf, (size_t)n);
    }
    if (reply) rp_mcp_send(reply);
    free(reply);
  }
  free(buf);
  ag_mcp_free(s);
  return 0;
}
