/*
** agents.h -- the agent runtime: the public API of the agents/ layer.
**
** An agent is one file exporting a descriptor (AGENT / DESCRIPTOR, or the
** legacy agent-name / agent-description / agent-parameters defines) and a
** run function. A folder of *_agent.lispy files is a registry. Every agent
** is linted when it loads; every call is validated against the agent's
** JSON Schema and wrapped in one envelope:
**
**   {"ok": true, "value": V}
**   {"ok": false, "error": {"kind": K, "message": M, ...}}
**
** with K one of not_found, invalid_args, context_version, runtime, limit,
** interrupted. The context is the agent's only window to the world; its
** interface is declared once (ag_context_methods) and implemented by
** backends (the mock backend is the default).
**
** This layer knows nothing of terminals; it uses the language only through
** lispy.h. Its limits and knobs (AG_MAX_AGENT_FILE_BYTES and the others)
** are in ag_config.h, included here the way lua.h includes luaconf.h:
** other folders reach them through this header only.
*/
#ifndef AGENTS_H
#define AGENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "ag_config.h"
#include "lispy.h"

/* ========================================================================
** Diagnostics: path:line:col: severity[CODE]: message
** ======================================================================== */

typedef enum ag_Severity { AG_ERROR, AG_WARNING, AG_NOTE } ag_Severity;

typedef struct ag_Diag {
  char *path;    /* file, or "<repl>" */
  int line, col; /* 1-based; 0 when unknown */
  ag_Severity severity;
  char code[8]; /* e.g. "A101" (see docs/lint.md) */
  char *message;
  char *hint; /* may be NULL */
} ag_Diag;

typedef struct ag_Diags {
  ag_Diag *items;
  size_t n, cap;
} ag_Diags;

void ag_diags_init(ag_Diags *d);
void ag_diags_free(ag_Diags *d);
void ag_diags_add(ag_Diags *d, const char *path, int line, int col, ag_Severity sev,
                  const char *code, const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
size_t ag_diags_count(const ag_Diags *d, ag_Severity sev);
/* "path:line:col: error[A101]: message" and, indented, "hint: ...". */
/* Print "path:line:col: severity[CODE]: message" and the hint line, the
** control characters of path, message and hint escaped (ag_plain_text). */
void ag_diag_print(FILE *out, const ag_Diag *d, bool color);
/* s with terminal controls escaped for printing (a C0 byte but tab, DEL
** and UTF-8 C1 as \xNN / \u00NN), into out (len bytes, NUL-terminated,
** truncated to fit); its length. For text a hostile agent chose: names,
** paths, messages. */
size_t ag_plain_text(const char *s, char *out, size_t len);
cJSON *ag_diags_json(const ag_Diags *d);

/* ag_json_write.c: j as JSON text (malloc'd), pretty (2-space indent) or
** compact (one line); floats in their shortest round-tripping form. NULL
** when out of memory or nested past AG_JSON_PRINT_MAX_DEPTH. */
char *ag_json_print(const cJSON *j, bool pretty);
/* Compact JSON text re-indented as ag_json_print(_, true) would write it,
** numbers and strings kept byte for byte (malloc'd; NULL when out of
** memory or nested past AG_JSON_PRINT_MAX_DEPTH). */
char *ag_json_reindent(const char *compact);
const char *ag_severity_name(ag_Severity s);

/* ========================================================================
** The context interface (declared once; bindings, checks, completions and
** docs all come from this table)
** ======================================================================== */

#define AG_CONTEXT_VERSION 1

typedef struct ag_MethodSpec {
  const char *name;       /* "fetch_thread" */
  const char *lispy_name; /* "context-fetch-thread" */
  const char *params;     /* "(ctx thread-id)" */
  int min_args, max_args; /* not counting the context */
  const char *result;     /* "string", "dict", "any", "nil" */
  int version;            /* context version that introduced it */
  const char *doc;        /* one line */
} ag_MethodSpec;

/* Every method; *n gets the count. */
const ag_MethodSpec *ag_context_methods(size_t *n);
/* By method name ("llm") or binding name ("context-llm"); NULL if none. */
const ag_MethodSpec *ag_context_method(const char *name);

/* A backend performs context methods. JSON in, JSON out. */
typedef struct ag_Backend {
  const char *name; /* "mock" */
  void *self;
  /* Perform method with args (a JSON array) for the store namespace ns
  ** (the calling agent's name, or the one the host shares: see
  ** ag_runtime_share_store; "" outside agent calls): save and load see
  ** only ns's entries. The caller frees the result. NULL means failure,
  ** with *err a malloc'd message. */
  cJSON *(*call)(void *self, const char *ns, const char *method, const cJSON *args, char **err);
  /* Data fields (object) for a call to agent `agent`; the caller frees. */
  cJSON *(*fields)(void *self, const char *agent);
  /* Inspect the backend's state (fixtures, store, logs, LLM rules). */
  cJSON *(*describe)(void *self);
  void (*reset)(void *self);
  void (*destroy)(void *self);
} ag_Backend;

/* The mock backend: fixture (may be NULL) as in examples/mock.json:
**   {"fields": {...}, "threads": {id: ...}, "posts": {...}, "agents": {...},
**    "records": {...}, "llm": [{"pattern": REGEX, "reply": TEXT}, ...],
**    "llm_default": TEXT-with-{prompt}, "store": {...},
**    "stores": {NAMESPACE: {...}}}
** Each store namespace starts as a copy of "store" (or of its own entry in
** "stores") the first time it is used; describe shows them in "stores".
** Returns false with *err (malloc'd) on a malformed fixture. */
bool ag_mock_new(const cJSON *fixture, ag_Backend *out, char **err);
bool ag_mock_load_file(const char *path, ag_Backend *out, char **err);
/* Mutate the mock (the shell's :ctx set / :ctx llm). */
void ag_mock_set_field(ag_Backend *b, const char *key, const cJSON *value);
/* ag_mock_add_llm_rule: false on a bad PCRE2 pattern with *err (malloc'd)
** giving the PCRE2 message and offset; nothing is added then. */
bool ag_mock_add_llm_rule(ag_Backend *b, const char *pattern, const char *reply, char **err);

/* ========================================================================
** Agents
** ======================================================================== */

typedef struct ag_Schema ag_Schema; /* agents/ag_schema.h */

typedef struct ag_Agent {
  lispy_State *L;       /* the state holding env and run_ref */
  char *name;           /* from the descriptor; NULL when missing */
  char *path;           /* source file, or "<repl>" */
  uint64_t hash;        /* content hash of the source */
  cJSON *descriptor;    /* {name, description, parameters, ...} or NULL */
  lispy_Env *env;       /* the agent's private globals */
  bool owns_env;        /* env was made for this agent: freed with it
                              (not the shell's, which outlives its agents) */
  size_t state_bytes;   /* heap env held when last measured (0: never) */
  uint64_t state_since; /* bytes its calls allocated since then */
  int run_ref;          /* lispy_ref of the run function, -1 if none */
  lispy_Value run;      /* that function (pinned by run_ref) */
  bool legacy;          /* run is called as (run context kwargs) */
  char **run_params;    /* run's parameter names after the context */
  int nrun_params;
  bool run_rest;      /* run takes a rest parameter */
  int line;           /* line of the descriptor definition */
  ag_Schema *schema;  /* compiled parameters, NULL if invalid */
  char *incompatible; /* why this host's context cannot run it
                              (requires...), or NULL */
  int ctx_ref;        /* cached context value (lispy_ref), -1 if none */
  lispy_Value ctx;    /* that value (pinned by ctx_ref) */
  unsigned ctx_gen;   /* backend generation the cached context is from */
  ag_Diags diags;     /* load-time lint and load errors */
} ag_Agent;

typedef struct ag_Runtime ag_Runtime;

/* The text of a regular file (symlinks followed) of at most max bytes,
** malloc'd and NUL-terminated, its length in *len; NULL if not, with why
** saying the real cause ("it is a FIFO (named pipe), not a regular file",
** "broken symbolic link to 'x' (...)", "it is N bytes, above the agent
** file cap of 4 MiB"). Never blocks: a FIFO or device is not opened for
** reading. Agent files are read with max = AG_MAX_AGENT_FILE_BYTES. */
char *ag_read_file_why(const char *path, size_t max, size_t *len, char *why, size_t whylen);

/* Load and lint an agent; never NULL (problems are in ->diags). */
ag_Agent *ag_agent_load_file(ag_Runtime *rt, const char *path);
ag_Agent *ag_agent_load_source(ag_Runtime *rt, const char *src, size_t len, const char *path);
/* An agent from definitions already evaluated in env (the shell): no
** evaluation, just extraction and lint against src (the definitions'
** text, for positions). Never NULL. */
ag_Agent *ag_agent_from_env(ag_Runtime *rt, lispy_Env *env, const char *src, size_t len,
                            const char *path);
void ag_agent_free(ag_Agent *a);
/* Loaded, with a name and a run function, and no lint errors. */
bool ag_agent_ok(const ag_Agent *a);

/* Lint an agent that has been evaluated (called by the loader; the shell
** calls it again after each definition). src is the source text. */
void ag_lint(ag_Runtime *rt, ag_Agent *a, const char *src, size_t len);

/* ========================================================================
** Runtime and registry
** ======================================================================== */

ag_Runtime *ag_runtime_new(void);
void ag_runtime_free(ag_Runtime *rt);
lispy_State *ag_runtime_lispy(ag_Runtime *rt);
void ag_runtime_set_limits(ag_Runtime *rt, const lispy_Limits *limits);
lispy_Limits ag_runtime_limits(const ag_Runtime *rt);
/* Set the limit called name ("fuel", "memory", "depth" or "timeout") of l
** from text, strictly (the CLI's --fuel etc. and the shell's :limits):
** fuel and depth are whole numbers with an optional k, m or g suffix
** (thousand, million, billion); memory is whole bytes with an optional k,
** m or g (KiB, MiB, GiB); timeout is seconds as a decimal number (2, 0.25)
** with an optional s or ms suffix, at most AG_MAX_TIMEOUT_SECONDS. Signs,
** exponents, nan, inf, fractions of whole numbers, overflow and trailing
** text are refused: false, l unchanged, why saying what was expected. */
bool ag_limit_parse(lispy_Limits *l, const char *name, const char *text, char *why, size_t whylen);
/* The same from a JSON number (conformance files): whole and in range for
** fuel, memory and depth; finite, non-negative and capped for timeout. */
bool ag_limit_set_number(lispy_Limits *l, const char *name, double v, char *why, size_t whylen);
/* Replace the context backend (the runtime owns it from then on). */
void ag_runtime_set_backend(ag_Runtime *rt, ag_Backend backend);
ag_Backend *ag_runtime_backend(ag_Runtime *rt);
/* Make every agent use the store namespace ns (copied), as when agents
** share a store on purpose; NULL (the default) gives each agent its own
** namespace, its name. */
void ag_runtime_share_store(ag_Runtime *rt, const char *ns);
/* Say the backend's data fields changed (e.g. after ag_mock_set_field):
** contexts cached per agent are rebuilt on the next call. */
void ag_runtime_backend_changed(ag_Runtime *rt);
/* A context value for code outside agent calls (the shell's prompt): the
** backend's data fields as for an agent of no name, its methods calling
** the same backend (store namespace ""). Returned unpinned. */
lispy_Value ag_runtime_context(ag_Runtime *rt);

/* Whether path, a file named on purpose, is an agent file: it ends in
** _agent.lispy. */
bool ag_is_agent_file(const char *path);
/* The agent files a scan of dir would load ("dir/name", sorted; dot files
** such as editors' lock files left out) into *paths, malloc'd with each
** path, and their count; false (errno set) when dir cannot be read. */
bool ag_agent_files(const char *dir, char ***paths, size_t *n);

/* Folders to glob for *_agent.lispy. */
void ag_registry_add_dir(ag_Runtime *rt, const char *dir);
size_t ag_registry_dir_count(const ag_Runtime *rt);
const char *ag_registry_dir(const ag_Runtime *rt, size_t i);

typedef struct ag_ScanReport {
  char **added, **changed, **removed; /* agent file paths */
  size_t nadded, nchanged, nremoved;
  size_t nbroken; /* files that failed to load or lint */
  ag_Diags diags; /* every diagnostic of this scan */
} ag_ScanReport;

/* Glob the folders, load new and changed files (by content), drop removed
** ones. Two files declaring one name: an error naming both; neither is
** callable by that name until fixed. */
void ag_registry_scan(ag_Runtime *rt, ag_ScanReport *report);
void ag_scan_report_free(ag_ScanReport *r);
size_t ag_registry_count(const ag_Runtime *rt);
ag_Agent *ag_registry_at(ag_Runtime *rt, size_t i);
/* A callable agent by name (shell definitions shadow files). */
ag_Agent *ag_registry_find(ag_Runtime *rt, const char *name);
/* The not_found envelope for a name ag_registry_find did not find: "no
** agent named X", or, when several files declare X, a message naming two
** of them (and how many more). */
cJSON *ag_registry_not_found(ag_Runtime *rt, const char *name);
/* Register an agent defined outside the folders (the shell); the registry
** owns it and it shadows a file agent of the same name until removed. */
void ag_registry_put(ag_Runtime *rt, ag_Agent *a);
size_t ag_registry_remove_defined(ag_Runtime *rt); /* how many were dropped */
/* Drop the one defined agent called name (a file agent it shadowed is
** found again); false when there is none. */
bool ag_registry_forget(ag_Runtime *rt, const char *name);
/* File watching (inotify): a descriptor that becomes readable when a file
** in the folders is created, written, moved or deleted; -1 on failure.
** ag_registry_watch_drain consumes the events and says whether any
** concerned an agent file (then call ag_registry_scan). */
int ag_registry_watch_open(const ag_Runtime *rt);
bool ag_registry_watch_drain(int fd);

/* Changes whenever the set of agents changes (scan, put, remove): caches
** such as the completion index compare it to know when to rebuild. */
unsigned ag_registry_generation(const ag_Runtime *rt);

/* ========================================================================
** Dispatch
** ======================================================================== */

typedef struct ag_CallOptions {
  bool trace; /* add "trace": [context calls] to the envelope */
  /* Where the agent's display/print output goes while it runs, as it is
  ** written (a server forwards it as log messages, `lispy call` to
  ** stderr); NULL: to the state's own sink (lispy_set_output). */
  lispy_OutputFn output;
  void *output_ud;
} ag_CallOptions;

/* invoke(name, args) -> envelope (caller frees). args: a JSON object. */
cJSON *ag_invoke(ag_Runtime *rt, const char *name, const cJSON *args, const ag_CallOptions *opt);
cJSON *ag_invoke_agent(ag_Runtime *rt, ag_Agent *a, const cJSON *args, const ag_CallOptions *opt);
/* The same envelope as compact JSON text appended to out, run's value
** written straight from LisPy (no tree): what `lispy call` prints and a
** server sends. Returns whether the envelope is ok. */
bool ag_invoke_text(ag_Runtime *rt, const char *name, const cJSON *args, const ag_CallOptions *opt,
                    lispy_Text *out);
bool ag_invoke_agent_text(ag_Runtime *rt, ag_Agent *a, const cJSON *args, const ag_CallOptions *opt,
                          lispy_Text *out);
/* Build error envelopes the same way everywhere. */
cJSON *ag_envelope_error(const char *kind, const char *message);

/* The OpenAI `tools` entry of an agent; strict adds "strict": true and the
** schema changes strict mode needs. */
cJSON *ag_agent_tool(const ag_Agent *a, bool strict);


/* ========================================================================
** Conformance tests (`lispy test`)
**
** An agent X_agent.lispy is tested by a sibling file X_agent.test.json
** holding cases (arguments, mock context, expected value or error kind,
** expected logs, store and context calls); see docs/testing.md for the
** format. Each case loads the agent afresh and runs against a fresh mock
** backend, so cases never leak into each other. The runner prints
** `PASS name` / `FAIL name` lines (with a diff on mismatch) and keeps a
** machine-readable report.
** ======================================================================== */

typedef struct ag_ConfOptions {
  const char *mock; /* base fixture for test files naming none (--mock), or NULL */
  FILE *out;        /* PASS/FAIL lines and diffs; NULL: silent */
} ag_ConfOptions;

typedef struct ag_ConfReport {
  size_t passed, failed; /* cases; a malformed or missing test file counts as one failure */
  size_t nfiles;         /* test files run */
  cJSON *json;           /* {"files": [...], "untested": [...], "passed": N, "failed": N} */
} ag_ConfReport;

void ag_conformance_init(ag_ConfReport *r);
void ag_conformance_free(ag_ConfReport *r);
/* PATH is a folder (every *.test.json in it; agents lacking one are listed
** as untested), an agent file (its sibling X_agent.test.json) or a test
** file. The runtime's backend is replaced by each case's mock. */
void ag_conformance_run_path(ag_Runtime *rt, const char *path, const ag_ConfOptions *o,
                             ag_ConfReport *r);
/* The last line of the text report: "N passed, N failed". */
void ag_conformance_summary(FILE *out, const ag_ConfReport *r);

/* ========================================================================
** The MCP server (ag_mcp.c): JSON-RPC 2.0 messages of the Model Context
** Protocol, one in, at most one out; the transport is the caller's
** ======================================================================== */

typedef struct ag_McpServer ag_McpServer;
/* A server over rt's registry; call says where agents' output goes. */
ag_McpServer *ag_mcp_new(ag_Runtime *rt, const ag_CallOptions *call);
void ag_mcp_free(ag_McpServer *s);
/* The response to the message text[0..len) as one line of compact JSON
** (malloc'd, no newline), or NULL when none is due (a notification). */
char *ag_mcp_handle(ag_McpServer *s, const char *text, size_t len);
/* What a transport's reader thread may do with a message while a call
** runs, without the runtime (thread-safe): AG_MCP_PING, *out the answer
** to send; AG_MCP_CANCEL, *out the cancelled request's id as compact
** JSON; AG_MCP_IGNORE, nothing to do; AG_MCP_QUEUE, hand it to
** ag_mcp_handle in turn. *out is malloc'd or NULL. */
enum { AG_MCP_QUEUE, AG_MCP_PING, AG_MCP_CANCEL, AG_MCP_IGNORE };
int ag_mcp_triage(const char *text, size_t len, char **out);
/* A request's id, and a tools/call's progressToken, each as compact JSON
** (malloc'd) or NULL when it has none: what a transport keeps while the
** request runs (cancellation, progress). One parse of the message. */
void ag_mcp_request_info(const char *text, size_t len, char **id, char **progress_token);
/* notifications/progress for token (compact JSON) at progress (malloc'd). */
char *ag_mcp_progress(const char *token, double progress, const char *message);
/* notifications/tools/list_changed (malloc'd) once initialized, else NULL. */
char *ag_mcp_list_changed(const ag_McpServer *s);

#endif
