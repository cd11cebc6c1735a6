/*
** lx_config.h -- every limit and knob of the LisPy core, in one place.
**
** Hosts override the per-evaluation limits through lispy_Limits (lispy.h);
** the values here are the defaults and the hard ceilings that no LisPy code
** can raise.
*/
#ifndef LX_CONFIG_H
#define LX_CONFIG_H

#define LX_VERSION "0.1.0"

/* ---- Default per-evaluation limits (host-settable) ---------------------- */
#define LX_DEFAULT_FUEL       100000000LL  /* steps: calls, loops, builtin work */
#define LX_DEFAULT_MEMORY     (256u << 20) /* bytes of heap above the baseline */
#define LX_DEFAULT_DEPTH      10000        /* nested LisPy calls */
#define LX_DEFAULT_TIMEOUT_MS 0            /* 0 = no wall-clock limit */

/* ---- Guards on the remaining C recursion -------------------------------- */
#define LX_MAX_C_DEPTH     1000 /* reader, printer, equal, JSON, compiler */
#define LX_MAX_NESTED_RUNS 64   /* VM re-entries (macro expansion, host) */

/* ---- Garbage collector --------------------------------------------------- */
#define LX_GC_MIN_THRESHOLD (32u << 20) /* bytes allocated before first GC */
#define LX_GC_GROWTH        2           /* next threshold = live * growth */

#define LX_POOL_MAX   256         /* blocks up to this size are pooled */
#define LX_POOL_CHUNK (64u << 10) /* bytes carved into blocks at once */

/* ---- Dicts --------------------------------------------------------------- */
/* Dicts with room for at most this many entries have no hash index: a
** scan of a few entries comparing hashes is faster than probing, and
** most dicts (keyword arguments, agent results, small records) are small. */
#define LX_DICT_SMALL 8

/* ---- VM ------------------------------------------------------------------ */
#define LX_STACK_INIT  1024 /* initial value-stack slots */
#define LX_FRAMES_INIT 64   /* initial call-frame slots */
/* The clock is read after every LX_CLOCK_POLL_UNITS units of work: a unit
** is one call, or one fuel step a builtin charges for its own work (see
** LX_FUEL_ITEMS / LX_FUEL_BYTES), so a unit costs at most about a
** microsecond and 1024 of them well under the 100 ms by which a time limit
** must hold. Lower is more exact and slower; ceiling 1 << 20. */
#ifndef LX_CLOCK_POLL_UNITS
#define LX_CLOCK_POLL_UNITS 1024
#endif
_Static_assert(LX_CLOCK_POLL_UNITS >= 1 && LX_CLOCK_POLL_UNITS <= (1 << 20),
               "LX_CLOCK_POLL_UNITS out of range");
/* The clock of time limits: the coarse one is read in a few nanoseconds
** (the precise one costs ~30 ns, 5% of a whole agent call) and is exact
** to a few milliseconds, plenty for deadlines. */
#define LX_DEADLINE_CLOCK CLOCK_MONOTONIC_COARSE
/* Parameters of one function (an array of this size on the C stack while
** they are bound). Hard ceiling: LX_MAX_STACK_SLOTS. */
#ifndef LX_MAX_LOCALS
#define LX_MAX_LOCALS 250
#endif
/* Constants of one function: the index is the signed 24-bit operand, so
** (1 << 23) is also the hard ceiling (asserted in lx_compiler.h). */
#ifndef LX_MAX_CONSTANTS
#define LX_MAX_CONSTANTS (1 << 23)
#endif

/* ---- Compiler ------------------------------------------------------------ */
/* Items of one vector or dict literal (a dict entry is two items). Every
** item is pushed on the VM stack before the object is built, and a function
** has at most 60000 stack slots, so a larger literal could never compile:
** it is refused before any work is done. Hard ceiling: 60000. */
#ifndef LX_MAX_LITERAL_ITEMS
#define LX_MAX_LITERAL_ITEMS 60000
#endif
/* Bytes of the largest compiler arena chunk (chunks double from 1 KB up
** to this; a larger request gets a chunk of its own);
** counted under the memory limit like every heap byte. */
#ifndef LX_COMPILE_CHUNK
#define LX_COMPILE_CHUNK 16384
#endif
/* Bytes of the first compiler arena chunk: small, so that compiling a
** small form under a tight memory limit takes little. */
#ifndef LX_COMPILE_CHUNK_MIN
#define LX_COMPILE_CHUNK_MIN 1024
#endif
_Static_assert(LX_COMPILE_CHUNK_MIN >= 16 && LX_COMPILE_CHUNK_MIN <= LX_COMPILE_CHUNK,
               "LX_COMPILE_CHUNK_MIN out of range");
/* Spare value-stack slots reserved past what a call needs (a frame's own
** slots, or a native's arguments): a margin for the few values the VM
** places just past the top while it sets up the next call, so those need
** no check of their own. Costs 16 bytes a slot per call depth; ceiling:
** none that matters (a few dozen). */
#ifndef LX_STACK_SLACK
#define LX_STACK_SLACK 8
#endif
/* Stack slots of one function's frame (nslots is a uint16_t in lx_Proto,
** plus the two slots the VM adds): a function needing more is refused.
** Hard ceiling: 65533. */
#ifndef LX_MAX_STACK_SLOTS
#define LX_MAX_STACK_SLOTS 60000
#endif
_Static_assert(LX_MAX_STACK_SLOTS + 2 <= 65535, "LX_MAX_STACK_SLOTS must fit lx_Proto.nslots");
_Static_assert(LX_MAX_LITERAL_ITEMS <= LX_MAX_STACK_SLOTS,
               "a literal's items are all on the stack at once");
/* Arguments of one call: they are pushed before the call, so the stack
** bound refuses most long calls first; this is the operand's own bound.
** Hard ceiling: the 24-bit operand (LX_MAX_SARG). */
#ifndef LX_MAX_CALL_ARGS
#define LX_MAX_CALL_ARGS (LX_MAX_LOCALS * 64)
#endif
/* Functions nested inside one another in one top-level form: each open one
** holds a code buffer in a fixed array of the compiler (freed on error).
** 64 is far beyond hand-written code; the C recursion guard
** (LX_MAX_C_DEPTH) is the hard ceiling. */
#ifndef LX_MAX_FN_NESTING
#define LX_MAX_FN_NESTING 64
#endif
_Static_assert(LX_MAX_FN_NESTING <= LX_MAX_C_DEPTH, "nesting is bounded by the C depth guard");
/* Operands of one and/or: each but the last leaves a forward jump patched
** at the end, kept in a fixed array. Longer chains are refused with a
** syntax error (nest them). Hard ceiling: what the C stack holds. */
#ifndef LX_MAX_ANDOR
#define LX_MAX_ANDOR 256
#endif
/* Successive macro expansions of one form's head before the compiler (or
** macroexpand) decides the expansion does not terminate. Each runs LisPy code under the
** fuel limit anyway; this turns a macro expanding to itself into a clear
** error. Hard ceiling: none (fuel bounds it). */
#ifndef LX_MAX_MACRO_EXPANSIONS
#define LX_MAX_MACRO_EXPANSIONS 1000
#endif
/* Ordinary items of a quasiquoted list built by one (list ...) call; the
** runs and spliced parts are joined by one append. Keeps argument counts
** and stack use small for templates of any length. Hard ceiling: 4096. */
#ifndef LX_QQ_RUN
#define LX_QQ_RUN 256
#endif

/* ---- Calls, errors and the API ------------------------------------------
** (apply f list) spreads at most this many arguments onto the value stack
** (a slot each); a longer list is an error rather than a huge stack. It is
** at least LX_MAX_CALL_ARGS, what a written call may pass. Ceiling:
** INT_MAX / 2 (argument counts are ints). */
#ifndef LX_MAX_APPLY_ARGS
#define LX_MAX_APPLY_ARGS 100000
#endif
_Static_assert(LX_MAX_APPLY_ARGS >= LX_MAX_CALL_ARGS && LX_MAX_APPLY_ARGS <= (1 << 30),
               "apply must take what a written call can pass");
/* An error's trace keeps the LX_TRACE_INNER innermost and LX_TRACE_OUTER
** outermost frames, so a runaway recursion gives a short trace that still
** shows where it started and where it ended. Ceiling: LX_DEFAULT_DEPTH
** (past it the trace is the whole stack). */
#ifndef LX_TRACE_INNER
#define LX_TRACE_INNER 32
#endif
#ifndef LX_TRACE_OUTER
#define LX_TRACE_OUTER 8
#endif
/* A value quoted in an error message is printed on a private budget of
** LX_SHORT_REPR_FUEL steps and cut to LX_SHORT_REPR_BYTES bytes ("..."
** included), so a huge value costs little and cannot fail the raise; 60
** bytes keep a message on one line. Ceiling: a few KB of message. */
#ifndef LX_SHORT_REPR_BYTES
#define LX_SHORT_REPR_BYTES 60
#endif
#ifndef LX_SHORT_REPR_FUEL
#define LX_SHORT_REPR_FUEL 200
#endif
_Static_assert(LX_SHORT_REPR_BYTES > 3 && LX_SHORT_REPR_BYTES <= 4096,
               "a short repr holds at least the \"...\"");
/* Near the memory limit, a limit-driven collection runs again only after
** the heap grew by 1/LX_GC_LIMIT_SHARE of the limit: with mostly live data,
** collecting at every allocation would take quadratic time, and 1/16
** wastes at most that share of the limit. Ceiling: 1024. */
#ifndef LX_GC_LIMIT_SHARE
#define LX_GC_LIMIT_SHARE 16
#endif
_Static_assert(LX_GC_LIMIT_SHARE >= 1 && LX_GC_LIMIT_SHARE <= 1024,
               "LX_GC_LIMIT_SHARE out of range");
/* Values an API function pins at once while it allocates (a fixed array
** of the state); the API nests a few deep at most. Ceiling: none but
** the state's size. */
#ifndef LX_MAX_PINS
#define LX_MAX_PINS 16
#endif

/* ---- JSON leaving the state -------------------------------------------- */
/* Largest JSON a value may become when the host converts it (results,
** error data, descriptors, logs: lispy_to_json, lispy_to_json_text,
** lispy_call_json_text), by default; hosts set their own with
** lispy_set_json_cap. The limit counts the text's bytes (a lower bound for
** cJSON trees, which also count against the memory limit). 64 MiB is far
** above a useful tool result and stops a value with heavy sharing (whose
** text is exponential in its heap size) after a fraction of a second.
** Ceiling: 1 GiB. */
#ifndef LX_DEFAULT_JSON_CAP
#define LX_DEFAULT_JSON_CAP (64u << 20)
#endif
_Static_assert(LX_DEFAULT_JSON_CAP <= (1u << 30), "JSON cap too large");
/* JSON writing and checking poll the deadline and the interrupt flag once
** per this many values (a power of two): often enough that a time limit
** stops a conversion within milliseconds, rarely enough to cost nothing. */
#ifndef LX_JSON_POLL_EVERY
#define LX_JSON_POLL_EVERY 4096u
#endif

/* ---- Fuel of builtins ---------------------------------------------------
** A builtin charges one fuel step (one unit of work, as much as one call)
** per LX_FUEL_ITEMS list/vector/dict items it touches and per LX_FUEL_BYTES
** bytes it reads or writes, charging as it goes in long loops so the
** deadline and the interrupt are polled during the work. 16 items or 64
** bytes take about as long as one call (tens of nanoseconds), so fuel
** measures time alike whatever runs. Lower values make builtins dearer; the
** ceilings (256 items, 4096 bytes) keep a unit under a microsecond. */
#ifndef LX_FUEL_ITEMS
#define LX_FUEL_ITEMS 16
#endif
#ifndef LX_FUEL_BYTES
#define LX_FUEL_BYTES 64
#endif
_Static_assert(LX_FUEL_BYTES % LX_FUEL_ITEMS == 0, "an item is a whole number of byte parts");
_Static_assert(LX_FUEL_ITEMS >= 1 && LX_FUEL_ITEMS <= 256 && LX_FUEL_BYTES <= 4096,
               "a fuel step must stay under a microsecond of work");
/* Builtins that hand a whole string to a parser before anything else
** happens (read-string, json-parse, regex-quote) charge a step per
** LX_FUEL_SCAN_BYTES bytes up front, and compiling a regex pattern a step
** per LX_FUEL_PATTERN_BYTES: parsing a byte costs more than copying it
** (32 and 16 bytes take about as long as one call). Ceiling: LX_FUEL_BYTES,
** a scan is never cheaper than a copy. */
#ifndef LX_FUEL_SCAN_BYTES
#define LX_FUEL_SCAN_BYTES 32
#endif
#ifndef LX_FUEL_PATTERN_BYTES
#define LX_FUEL_PATTERN_BYTES 16
#endif
_Static_assert(LX_FUEL_SCAN_BYTES >= 1 && LX_FUEL_SCAN_BYTES <= LX_FUEL_BYTES &&
                   LX_FUEL_PATTERN_BYTES >= 1 && LX_FUEL_PATTERN_BYTES <= LX_FUEL_BYTES,
               "a scanned byte costs at least what a copied byte does");
/* Compile work is fuel too: a tree node costs one step (in the tree pass
** and again in code generation) plus one per LX_COMPILE_NODE_KIDS operands,
** and a search of the scope or of a function's upvalues one per
** LX_FUEL_ITEMS entries, so a huge or hostile form stops at the fuel and
** time limits while it compiles. 8 operands cost about one call. Ceiling:
** LX_FUEL_ITEMS (an operand is never cheaper than an item). */
#ifndef LX_COMPILE_NODE_KIDS
#define LX_COMPILE_NODE_KIDS 8
#endif
_Static_assert(LX_COMPILE_NODE_KIDS >= 1 && LX_COMPILE_NODE_KIDS <= LX_FUEL_ITEMS,
               "LX_COMPILE_NODE_KIDS out of range");
/* Builtins copying or searching many bytes (string-repeat, substring
** search) do so and charge this many at a time, so the deadline is polled
** between chunks (a MiB takes well under a millisecond). Ceiling: 16 MiB. */
#ifndef LX_COPY_CHUNK
#define LX_COPY_CHUNK (1u << 20)
#endif
_Static_assert(LX_COPY_CHUNK >= 4096 && LX_COPY_CHUNK <= (16u << 20), "LX_COPY_CHUNK out of range");
/* Long strings are hashed in chunks of this many bytes, fuel charged per
** chunk (a chunk hashes in well under a millisecond). Ceiling: 1 MiB. */
#ifndef LX_HASH_CHUNK
#define LX_HASH_CHUNK (64u << 10)
#endif
_Static_assert(LX_HASH_CHUNK >= 4096 && LX_HASH_CHUNK <= (1u << 20), "LX_HASH_CHUNK out of range");

/* ---- Unicode normalization ----------------------------------------------
** string-normalize works in segments cut at safe boundaries: it looks for
** one once a segment has LX_NORM_SEGMENT bytes; a segment without any by
** LX_MAX_NORM_SEGMENT bytes is an error, and so is a run of more than
** LX_MAX_MARK_RUN combining marks (utf8proc sorts a run in time quadratic
** in its length: 1000 marks take about a millisecond, 40,000 took 13 s).
** Stream-safe Unicode text has runs of at most 30. Ceilings: a run of
** 4000 marks (16 ms), a segment of 1 MiB. */
#ifndef LX_NORM_SEGMENT
#define LX_NORM_SEGMENT 4096
#endif
#ifndef LX_MAX_NORM_SEGMENT
#define LX_MAX_NORM_SEGMENT (64 << 10)
#endif
#ifndef LX_MAX_MARK_RUN
#define LX_MAX_MARK_RUN 1000
#endif
_Static_assert(LX_MAX_MARK_RUN >= 30 && LX_MAX_MARK_RUN <= 4000, "LX_MAX_MARK_RUN out of range");
_Static_assert(LX_NORM_SEGMENT <= LX_MAX_NORM_SEGMENT && LX_MAX_NORM_SEGMENT <= (1 << 20),
               "normalization segment sizes out of range");

/* ---- Reader ---------------------------------------------------------------- */
/* The reader charges fuel (a unit per datum and per 64 bytes, which polls
** the deadline: see lx_charge) every this many datums or bytes: about 100
** microseconds of reading at most between charges. Hard ceiling: 1 << 20
** each. */
#ifndef LX_READ_POLL_DATUMS
#define LX_READ_POLL_DATUMS 4096
#endif
#ifndef LX_READ_POLL_BYTES
#define LX_READ_POLL_BYTES (64u << 10)
#endif

/* ---- Output sink --------------------------------------------------------- */
#define LX_OUTPUT_LIMIT (1u << 20) /* bytes display/print may buffer */

/* ---- Regex ---------------------------------------------------------------- */
#define LX_REGEX_MATCH_LIMIT 1000000u /* PCRE2 match limit per call */
/* A regex match first runs under this many PCRE2 match steps, then ten
** times more each time it hits the limit (up to LX_REGEX_MATCH_LIMIT), so
** its backtracking is charged as fuel (LX_FUEL_ITEMS steps a fuel step).
** Small enough that ordinary matches never retry; at most
** LX_REGEX_MATCH_LIMIT. */
#ifndef LX_REGEX_FIRST_STEPS
#define LX_REGEX_FIRST_STEPS 1000u
#endif
_Static_assert(LX_REGEX_FIRST_STEPS >= 1 && LX_REGEX_FIRST_STEPS <= LX_REGEX_MATCH_LIMIT,
               "LX_REGEX_FIRST_STEPS out of range");
#define LX_REGEX_DEPTH_LIMIT 10000u /* PCRE2 backtracking depth limit */
/* KiB of heap PCRE2 may use for backtracking in one match (pcre2_set_heap_limit:
** PCRE2's own allocations, beside the step and depth limits above); a match
** needing more stops with PCRE2's heap-limit error. 20 MiB is ample for
** ordinary patterns and bounds a hostile one. Ceiling: what the host can
** spare per running match. */
#ifndef LX_REGEX_HEAP_LIMIT_KIB
#define LX_REGEX_HEAP_LIMIT_KIB 20480u
#endif
/* PCRE2 steps one pcre2_match call may take at worst: PCRE2 counts steps
** afresh at every start position, so a search runs over windows of
** (this / the step limit) positions, the deadline polled between them.
** About 10-20 ms of work. Ceiling: UINT32_MAX. */
#ifndef LX_REGEX_WINDOW_STEPS
#define LX_REGEX_WINDOW_STEPS (1u << 22)
#endif

#endif
