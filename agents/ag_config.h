/*
** ag_config.h -- every limit and knob of the agent runtime, in one place.
**
** Each value can be overridden at build time (-DNAME=value). Every entry
** says what it bounds, why this value, and its hard ceiling. The limits of
** the language core (fuel, memory, depth, time) live in lispy/lx_config.h;
** the ones agents/ relies on are stated in lispy.h (LISPY_MAX_PARAMS,
** LISPY_MAX_DEPTH).
*/
#ifndef AG_CONFIG_H
#define AG_CONFIG_H

/* ---- Agent files ---------------------------------------------------------- */

/* Largest agent file that is read (bytes). A hand-written agent is a few
** KiB; 4 MiB leaves room for generated ones while keeping a hostile folder
** from making every scan read gigabytes. Larger files are refused with a
** diagnostic. Ceiling: 1 GiB (sizes are held in size_t and int offsets). */
#ifndef AG_MAX_AGENT_FILE_BYTES
#define AG_MAX_AGENT_FILE_BYTES (4u << 20)
#endif
_Static_assert(AG_MAX_AGENT_FILE_BYTES <= (1u << 30), "agent file cap too large");

/* Agent folders one command line may name with --agents (lispy's options
** hold them in a fixed array, copied by `lispy complete`). Past it the
** command stops with a usage error (status 2) instead of dropping the
** rest; a longer list goes in LISPY_AGENTS_PATH, which has no bound. 64 is
** far more than anyone types. Ceiling: 65536 (8 bytes a folder in the
** options, a stack object). */
#ifndef AG_MAX_AGENT_DIRS
#define AG_MAX_AGENT_DIRS 64
#endif
_Static_assert(AG_MAX_AGENT_DIRS >= 1 && AG_MAX_AGENT_DIRS <= 65536,
               "AG_MAX_AGENT_DIRS out of range");

/* ---- Values leaving the sandbox ------------------------------------------- */

/* Largest JSON text an agent's result, error data or descriptor may become
** (bytes). Past it the conversion stops with a `limit` error instead of
** building the text: 16 MiB is far above any useful tool result yet small
** next to the default memory limit. Ceiling: 1 GiB. */
#ifndef AG_MAX_RESULT_BYTES
#define AG_MAX_RESULT_BYTES (16u << 20)
#endif
_Static_assert(AG_MAX_RESULT_BYTES <= (1u << 30), "result cap too large");

/* Largest JSON text a descriptor (AGENT) may become (bytes). Lint and the
** schema compiler work on the descriptor's cJSON tree in host memory,
** outside the LisPy heap, at a few dozen times its text size; 1 MiB keeps
** that under about 50 MB and a lint under a tenth of a second, while a
** real tool's descriptor is a few KiB (2,000 documented properties fit).
** Past it the descriptor is an A105 error. Ceiling: AG_MAX_RESULT_BYTES. */
#ifndef AG_MAX_DESCRIPTOR_BYTES
#define AG_MAX_DESCRIPTOR_BYTES (1u << 20)
#endif
_Static_assert(AG_MAX_DESCRIPTOR_BYTES <= AG_MAX_RESULT_BYTES, "descriptor cap above result cap");

/* ---- Argument validation ----------------------------------------------- */

/* Schema applications one validation of a call's arguments may make (each
** keyword-checked pair of schema and value is one). A schema can cost far
** more than its size: $refs inside anyOf/allOf make the work exponential in
** a few lines. Past this bound (or the call's fuel, when lower, or its
** deadline) the call ends with a `limit` envelope instead. 10 million is
** about a second of work and ten thousand times what real tool arguments
** take. Ceiling: UINT64_MAX (a counter). */
#ifndef AG_SCHEMA_MAX_STEPS
#define AG_SCHEMA_MAX_STEPS 10000000u
#endif

/* Nested schema applications one compile or validation may make (and the
** nesting default filling follows). Real parameter schemas nest a handful
** of levels; 200 stops a recursive $ref (a schema referring to itself)
** long before the C stack (about 1 KiB of frames a level) is at risk; the
** value is then invalid (fail closed). Ceiling: 10000 (the C stack). */
#ifndef AG_SCHEMA_MAX_DEPTH
#define AG_SCHEMA_MAX_DEPTH 200
#endif
_Static_assert(AG_SCHEMA_MAX_DEPTH >= 1 && AG_SCHEMA_MAX_DEPTH <= 10000,
               "AG_SCHEMA_MAX_DEPTH out of range");

/* Errors an error list records by default (ag_schema_errors_init); past it
** the rest are dropped. An invalid_args message lists them all, and a
** hundred is far more than anyone fixes at once while keeping a hostile
** argument from building megabytes of messages. Ceiling: SIZE_MAX. */
#ifndef AG_SCHEMA_MAX_ERRORS
#define AG_SCHEMA_MAX_ERRORS 100
#endif

/* PCRE2 limits of one schema `pattern` match: steps (match limit),
** backtracking depth, and heap in KiB. They equal lispy's own regex limits
** (LX_REGEX_MATCH_LIMIT, LX_REGEX_DEPTH_LIMIT and LX_REGEX_HEAP_LIMIT_KIB
** in lispy/lx_config.h) on purpose, so a pattern an agent can run with
** regex-match also validates, and the reverse; they are kept apart because schema
** matching is host code outside the sandbox (no fuel) and agents/ must not
** lean on lispy's internals. A match past a limit makes the value invalid
** (fail closed). Ceilings: UINT32_MAX each (PCRE2's uint32_t). */
#ifndef AG_SCHEMA_MATCH_LIMIT
#define AG_SCHEMA_MATCH_LIMIT 1000000u
#endif
#ifndef AG_SCHEMA_DEPTH_LIMIT
#define AG_SCHEMA_DEPTH_LIMIT 10000u
#endif
#ifndef AG_SCHEMA_HEAP_LIMIT_KIB
#define AG_SCHEMA_HEAP_LIMIT_KIB 20480u
#endif
_Static_assert(AG_SCHEMA_DEPTH_LIMIT <= AG_SCHEMA_MATCH_LIMIT,
               "PCRE2 depth limit above its match limit");

/* PCRE2 match limit (steps) of one mock LLM rule's pattern against a
** prompt (ag_mock.c): the patterns come from the host's fixture, the
** prompt from an agent, so a backtracking pattern fed a hostile prompt
** gives up (the rule does not match) instead of running long. 100000
** steps is a few milliseconds. Ceiling: UINT32_MAX (PCRE2's uint32_t). */
#ifndef AG_MOCK_MATCH_LIMIT
#define AG_MOCK_MATCH_LIMIT 100000u
#endif

/* Code points of a string value quoted in an error message (values are cut
** at twice this many bytes). 60 fits a message on one line with its JSON
** pointer. Ceiling: none (message length grows with it). */
#ifndef AG_SCHEMA_SHOW_CHARS
#define AG_SCHEMA_SHOW_CHARS 60
#endif

/* Enum values listed in an "expected one of" message: 10 is readable; the
** rest are elided. Ceiling: none (message length). */
#ifndef AG_SCHEMA_SHOW_LIST
#define AG_SCHEMA_SHOW_LIST 10
#endif

/* Failing anyOf/oneOf branches whose first error a message explains: 4
** tells which branch came closest without a page of text. Ceiling: none. */
#ifndef AG_SCHEMA_SHOW_BRANCHES
#define AG_SCHEMA_SHOW_BRANCHES 4
#endif

/* Nesting compared by JSON equality (enum, const, uniqueItems) and hashed
** for uniqueItems; deeper parts compare unequal and are left out of the hash. 1000
** is past any argument nesting (cJSON parses at most 1000 levels, its
** CJSON_NESTING_LIMIT) and bounds the recursion. Ceiling: 10000 (the C
** stack). */
#ifndef AG_SCHEMA_EQ_MAX_DEPTH
#define AG_SCHEMA_EQ_MAX_DEPTH 1000
#endif
_Static_assert(AG_SCHEMA_EQ_MAX_DEPTH <= 10000, "AG_SCHEMA_EQ_MAX_DEPTH above the C stack");

/* $ref hops followed looking for a node's "default" (a chain of aliases):
** 32 covers any real chain and ends a cycle of $refs. Ceiling: none (a
** loop count). */
#ifndef AG_SCHEMA_REF_MAX_HOPS
#define AG_SCHEMA_REF_MAX_HOPS 32
#endif

/* Members past which the schema compiler checks an object's names for
** repeats with a hash set instead of scanning the earlier members: a scan
** is faster for the few keywords of a real schema, a generated one with
** tens of thousands would make it quadratic. Ceiling: none (tuning). */
#ifndef AG_SCHEMA_NAMES_SCAN_MAX
#define AG_SCHEMA_NAMES_SCAN_MAX 32
#endif

/* ---- Lint ------------------------------------------------------------------- */

/* Work lint may spend on "did you mean" suggestions for one file, in cells
** of the edit-distance table (a comparison of two 8-letter names costs 64).
** Every unknown name is compared with every candidate, so a generated
** descriptor with 20,000 properties and 20,000 unknown required names
** would cost 4e8 comparisons; past this budget the hints stop suggesting
** and say what to do instead. 8 million cells take about 20 ms and are
** enough to suggest for hundreds of misspellings among thousands of names.
** Ceiling: none needed (the work is linear in it). */
#ifndef AG_LINT_SUGGEST_CELLS
#define AG_LINT_SUGGEST_CELLS 8000000
#endif

/* Errors, warnings and notes (each) lint lists for one file. A generated descriptor can hold hundreds of thousands of problems
** (one per property), each a line of output and a few hundred bytes kept
** for as long as the agent is loaded; nobody reads past the first
** screens. Past the cap the rest are counted into one A110 error (the file
** stays broken) and one A111 note. Ceiling: none (memory grows with it). */
#ifndef AG_LINT_MAX_DIAGS
#define AG_LINT_MAX_DIAGS 1000
#endif

/* A407 diagnostics (invoke or a context method in load-time code) reported
** for one file; past them one more says how many were left out. One line
** of each is enough to fix the file, and a generated file with 50,000 such
** calls must not bury every other diagnostic. Ceiling: none (a count). */
#ifndef AG_LINT_MAX_EFFECT_DIAGS
#define AG_LINT_MAX_EFFECT_DIAGS 20
#endif

/* Nesting of schemas lint walks in a descriptor's parameters; deeper ones
** are not checked (the schema compiler reports them past
** AG_SCHEMA_MAX_DEPTH). 64 is far past real schemas. Ceiling:
** AG_SCHEMA_MAX_DEPTH. */
#ifndef AGL_MAX_SCHEMA_DEPTH
#define AGL_MAX_SCHEMA_DEPTH 64
#endif
_Static_assert(AGL_MAX_SCHEMA_DEPTH <= AG_SCHEMA_MAX_DEPTH,
               "lint walks deeper than the schema compiler");

/* Parameters of `run` lint looks at: at least LISPY_MAX_PARAMS (lispy.h;
** asserted in ag_lint.c), so every parameter a compiled `run` can have is
** seen. Ceiling: none (a fixed array on the stack of this many pointers). */
#ifndef AGL_MAX_PARAMS
#define AGL_MAX_PARAMS 256
#endif

/* Nesting of forms and descriptor values lint's locator walks to map a
** value to its source position; deeper ones get the enclosing position
** (the reader caps nesting too). Ceiling: 10000 (the C stack). */
#ifndef AGL_MAX_DEPTH
#define AGL_MAX_DEPTH 200
#endif

/* Entries past which lint's locator gives an object a hash index on its
** first lookup; smaller ones are scanned, which is faster. Ceiling: none
** (tuning). */
#ifndef AGL_INDEX_MIN
#define AGL_INDEX_MIN 16
#endif

/* ---- What agents leave in host memory --------------------------------------- */

/* Bytes one agent's store may hold in the mock backend (keys and values,
** as JSON trees). context-save past it is an error the agent sees; without
** it a loop of saves grew the host by gigabytes under a 64 MiB memory
** limit, since the store lives outside the LisPy heap. Real backends set
** their own quotas. Ceiling: SIZE_MAX. */
#ifndef AG_MAX_STORE_BYTES
#define AG_MAX_STORE_BYTES (8u << 20)
#endif

/* Bytes of log lines the mock backend keeps (all agents together); past
** it the oldest lines are dropped and counted ("logs_dropped"), so a shell
** or server running for days keeps the recent ones. Ceiling: SIZE_MAX. */
#ifndef AG_MAX_LOG_BYTES
#define AG_MAX_LOG_BYTES (1u << 20)
#endif

/* Bytes of one call's trace (--trace, :trace): context calls past it are
** counted in a final {"dropped": N} entry instead of copied. Ceiling:
** SIZE_MAX. */
#ifndef AG_MAX_TRACE_BYTES
#define AG_MAX_TRACE_BYTES (1u << 20)
#endif

/* PCRE2 steps one call of a schema `pattern` check may take at worst: the
** search runs over windows of start positions (PCRE2 counts steps afresh
** at each), this many steps' worth each, with the deadline read between
** windows. About 10 ms of work. Ceiling: UINT32_MAX. */
#ifndef AG_SCHEMA_REGEX_WINDOW_STEPS
#define AG_SCHEMA_REGEX_WINDOW_STEPS (1u << 22)
#endif

/* ---- Calls ------------------------------------------------------------------ */

/* Wall-time limit of each evaluation (an agent file's load, one call) of
** the non-interactive agent commands (`lispy call`, `test`, `lint`, `list`,
** `tools`, `watch`, `run` of an agent file; servers should do the same)
** when the user sets no --timeout (milliseconds). A tool call that runs for
** more than half a minute is a runaway in practice. --timeout 0 lifts it;
** the shell, scripts and -e have none. Ceiling: AG_MAX_TIMEOUT_SECONDS. */
#ifndef AG_DEFAULT_CALL_TIMEOUT_MS
#define AG_DEFAULT_CALL_TIMEOUT_MS 30000
#endif

/* Largest --timeout (and :limits timeout, and a conformance case's
** "timeout") accepted, in seconds: one year. Past it a value is a typo (or
** an attempt to reach an undefined float-to-integer conversion), and 0
** already means "no limit". Ceiling: 1e15, where a double still counts
** milliseconds exactly. */
#ifndef AG_MAX_TIMEOUT_SECONDS
#define AG_MAX_TIMEOUT_SECONDS (365.0 * 24 * 3600)
#endif

/* Parameters of `run` after the context that a call fills by name; more
** are not passed (run then fails on arity, which lint makes unlikely).
** 64 is far past any tool's parameters and keeps the per-call array on
** the stack. Ceiling: AGL_MAX_PARAMS (lint sees all that are passed). */
#ifndef AG_MAX_RUN_PARAMS
#define AG_MAX_RUN_PARAMS 64
#endif
_Static_assert(AG_MAX_RUN_PARAMS <= AGL_MAX_PARAMS, "more run parameters passed than lint sees");

/* Longest JSON text (bytes) a conformance report shows of an expected or
** actual value in a diff; the rest is elided. 600 is a few lines.
** Ceiling: none (report length). */
#ifndef AG_CONF_SHOW
#define AG_CONF_SHOW 600
#endif

/* ---- Memory across calls ---------------------------------------------------- */

/* An agent's globals persist between calls and count against its memory
** budget (the memory limit): each call may allocate only what its state
** leaves. Measuring the state takes time linear in it (about 1.5 ms per
** MB), so it is measured again only once the agent's calls have allocated
** 1/AG_STATE_REMEASURE of the limit since the last measurement; until then
** all they allocated counts as kept. 16: a call is denied at most 1/16 of
** the limit it could have, and a big state is walked at most once per
** 1/16 of the limit allocated. Ceiling: 65536 (past it nearly every call
** walks the state). */
#ifndef AG_STATE_REMEASURE
#define AG_STATE_REMEASURE 16
#endif
_Static_assert(AG_STATE_REMEASURE >= 1 && AG_STATE_REMEASURE <= 65536,
               "AG_STATE_REMEASURE out of range");

/* ---- JSON output ------------------------------------------------------------ */

/* ag_json_print (ag_json_write.c) writes arrays and objects nested at most
** this deep, recursing once per level; a deeper tree prints as NULL, like
** running out of memory. cJSON's own parser stops at 1000 and LisPy's
** json-parse at 1,000, so 10000 is far past any tree we build. Ceiling:
** 100000 (a few hundred bytes of C stack per level). */
#ifndef AG_JSON_PRINT_MAX_DEPTH
#define AG_JSON_PRINT_MAX_DEPTH 10000
#endif
_Static_assert(AG_JSON_PRINT_MAX_DEPTH >= 1 && AG_JSON_PRINT_MAX_DEPTH <= 100000,
               "AG_JSON_PRINT_MAX_DEPTH out of range");

/* ---- The MCP server (ag_mcp.c, lispy mcp) ---------------------------------- */

/* Largest message `lispy mcp` reads, and largest it sends (bytes of one
** JSON-RPC line): 10 MiB, as the issue sets, far above a tool call's
** arguments or a result a model can use. A longer line is refused with
** -32600 and skipped; a result that would pass it becomes a tool error
** saying so. Ceiling: AG_MAX_RESULT_BYTES-sized values must still fit
** in memory twice (text and tree). */
#ifndef AG_MCP_MAX_MESSAGE_BYTES
#define AG_MCP_MAX_MESSAGE_BYTES (10u << 20)
#endif
_Static_assert(AG_MCP_MAX_MESSAGE_BYTES >= 4096 && AG_MCP_MAX_MESSAGE_BYTES <= (256u << 20),
               "AG_MCP_MAX_MESSAGE_BYTES out of range");

/* Tools per tools/list page: a client lists a big folder in a few round
** trips, each answer staying small. LISPY_MCP_PAGE_SIZE overrides it at
** run time (the pagination tests). Ceiling: any. */
#ifndef AG_MCP_PAGE_SIZE
#define AG_MCP_PAGE_SIZE 100
#endif

#endif
