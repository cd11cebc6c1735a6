/*
** lispy.h -- the public embedding API of the LisPy language library.
**
** A host creates a state, sets the limits every evaluation runs under,
** evaluates source or calls functions, and converts values to and from
** cJSON. Everything an outside embedder needs is here; agents/,
** completions/ and repl/ use nothing else. The state, environments and
** heap objects are opaque (their layout is lispy/'s own): a host reads
** values through the accessors below, in the style of lua.h.
**
** Value lifetime: a lispy_Value returned by the API stays valid until the
** next call that may evaluate code or allocate. Keep one longer with
** lispy_ref(), which pins it until lispy_unref().
**
** Errors: functions that evaluate return LISPY_OK or LISPY_ERROR; after an
** error, lispy_last_error() holds the error value (kind, message, data,
** trace) and lispy_error_text() renders it for people.
*/
#ifndef LISPY_H
#define LISPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Types ------------------------------------------------------------ */
typedef struct lispy_State lispy_State; /* an interpreter (opaque) */
typedef struct lispy_Env lispy_Env;     /* a global environment (opaque) */

/* A value: 16 bytes, passed and returned by value. Immediates (nil, '(),
** booleans, numbers) are held inline, everything else points into the
** collected heap. The members are the library's: a host must not read or
** set them, only use the functions below (lispy_type, lispy_car, ...). */
typedef struct lispy_Value {
  uint32_t tag; /* private: the type */
  union {
    int64_t i;
    double f;
    bool b;
    struct lispy_Obj *o; /* heap objects (opaque) */
  } as;                  /* private: the payload */
} lispy_Value;

/* A C function callable from LisPy (lispy_register): argv holds argc
** arguments; it returns its result or raises with lispy_raise. */
typedef lispy_Value (*lispy_NativeFn)(lispy_State *L, int argc, lispy_Value *argv);

/* The type of a value, as lispy_type returns it. */
typedef enum lispy_Type {
  LISPY_TNIL = 0, /* nil: JSON null, false in conditions */
  LISPY_TEMPTY,   /* '(): the empty list, true in conditions */
  LISPY_TBOOL,
  LISPY_TINT, /* int64 */
  LISPY_TFLOAT,
  LISPY_TSTRING, /* immutable UTF-8 */
  LISPY_TSYMBOL,
  LISPY_TKEYWORD,
  LISPY_TPAIR, /* a cons cell: a non-empty list */
  LISPY_TVECTOR,
  LISPY_TDICT,
  LISPY_TCLOSURE, /* a function written in LisPy */
  LISPY_TNATIVE,  /* a C function (a builtin, lispy_register) */
  LISPY_TERROR,   /* an error value (lispy_error_kind ...) */
  LISPY_THOST     /* a host object (lispy_host_new) */
} lispy_Type;

/* Where a datum was read. Line and column are 1-based; 0 means unknown
** (data made at run time). file is an id lispy_file_name turns into a
** name; 0 means none. */
typedef struct lispy_SrcPos {
  uint32_t line;
  uint16_t col;
  uint16_t file;
} lispy_SrcPos;

/* ---- Limits of the language a host may rely on ------------------------- */
/* Fixed parameters of one LisPy function (a rest parameter may follow);
** a definition with more is a compile error. */
#define LISPY_MAX_PARAMS 250
/* Nesting of the data lispy_read returns (deeper input is a syntax error)
** and of the values the printer, equality and the JSON bridge walk. */
#define LISPY_MAX_DEPTH  1000

/* ---- Status codes returned by the API -------------------------------- */
enum {
  LISPY_OK = 0,         /* success; the result is in *out / *result */
  LISPY_ERROR = 1,      /* an error; its value is in lispy_last_error() */
  LISPY_INCOMPLETE = 2, /* lispy_read: input ends inside a form */
  LISPY_EOF = 3,        /* lispy_read: no more data (*pos == len) */
  LISPY_BADJSON = 4,    /* lispy_call_json: an argument did not convert */
  LISPY_NOTJSON = 5     /* lispy_call_json_text: the result is not JSON */
};

/* ---- Limits: each evaluation or call runs under a fresh budget --------- */
typedef struct lispy_Limits {
  int64_t fuel;   /* steps (calls, loop iterations, builtin work); <=0: none */
  size_t memory;  /* heap bytes above what was live at the start; 0: none */
  size_t depth;   /* nested LisPy calls; 0: default */
  double timeout; /* wall-clock seconds; 0: none */
} lispy_Limits;

typedef void (*lispy_OutputFn)(void *ud, const char *s, size_t len);

/* The declarations below are aligned by hand, as a table. */
/* clang-format off */
/* ---- State ------------------------------------------------------------ */
lispy_State *lispy_open(void);                 /* NULL if out of memory */
void         lispy_close(lispy_State *L);
void         lispy_set_limits(lispy_State *L, const lispy_Limits *limits);
lispy_Limits lispy_get_limits(const lispy_State *L);
lispy_Limits lispy_default_limits(void);
/* Async-signal-safe: the running evaluation stops with kind "interrupted". */
void         lispy_interrupt(lispy_State *L);
void         lispy_set_output(lispy_State *L, lispy_OutputFn fn, void *ud);
/* The sink display/print write to now (NULL: output is dropped). */
lispy_OutputFn lispy_get_output(const lispy_State *L, void **ud);
void         lispy_seed(lispy_State *L, uint64_t seed);
void         lispy_gc(lispy_State *L);
size_t       lispy_memory_used(const lispy_State *L);
/* Bytes allocated since the state opened, never decreasing (what a
** stretch of work allocated is the difference of two readings). */
uint64_t     lispy_memory_allocated(const lispy_State *L);
/* Collect at every allocation (slow; for tests). */
void         lispy_gc_stress(lispy_State *L, bool on);
const char  *lispy_version(void);

/* ---- Environments ------------------------------------------------------ */
/* The base environment holds builtins and the prelude and is read-only to
** LisPy code (evaluating in it is an error; lispy_register and
** lispy_env_set still add host bindings to it). A new environment sees
** them but its own definitions stay private. An environment lives until
** lispy_env_free or the state closes. */
lispy_Env   *lispy_base_env(lispy_State *L);
lispy_Env   *lispy_env_new(lispy_State *L, const char *name);
/* The host is done with env (from lispy_env_new): it stops being a root and
** the collector frees it, with all it alone holds, once no value refers to
** it (a live closure defined in it keeps it). env must not be used after.
** The base and default environments are ignored. */
void         lispy_env_free(lispy_State *L, lispy_Env *env);
/* Heap bytes env holds: everything reachable from its own definitions,
** not counting the base (builtins, prelude code), other environments or
** code compiled in them. Data shared with another environment counts for
** both. Takes time linear in what it counts; allocates nothing. */
size_t       lispy_env_size(lispy_State *L, lispy_Env *env);
/* Value of a global in env (or its parents); false if undefined. */
bool         lispy_env_get(lispy_State *L, lispy_Env *env, const char *name,
                           lispy_Value *out);
/* Like lispy_env_get, but only env's own definitions (not builtins). */
bool         lispy_env_get_own(lispy_State *L, lispy_Env *env, const char *name,
                               lispy_Value *out);
void         lispy_env_set(lispy_State *L, lispy_Env *env, const char *name,
                           lispy_Value value);
/* Names defined in env itself (not parents), as a list of symbols. */
lispy_Value  lispy_env_names(lispy_State *L, lispy_Env *env);

/* ---- Evaluation -------------------------------------------------------- */
/* Evaluate every form of src in env (NULL: a default user environment);
** *result (may be NULL) gets the last value. */
int lispy_eval_string(lispy_State *L, lispy_Env *env, const char *src,
                      size_t len, const char *filename, lispy_Value *result);
int lispy_eval_file(lispy_State *L, lispy_Env *env, const char *path,
                    lispy_Value *result);
/* Call a function value. */
int lispy_call(lispy_State *L, lispy_Value fn, int argc,
               const lispy_Value *argv, lispy_Value *result);
/* The environment the following host calls (lispy_call*) act for when
** the function called has no environment of its own: a builtin or a
** prelude function (run defined as (compose eval ...)), so that eval,
** random and gensym inside act for env, not the default one. NULL (or
** the base) restores the default. The agents layer sets the agent's. */
void lispy_set_call_env(lispy_State *L, lispy_Env *env);
/* Call fn with argv followed by njson arguments converted from JSON as
** lispy_from_json does (a NULL tree passes nil), all in one protected
** run: how a host hands parsed JSON arguments to a function. When a tree
** cannot be converted (invalid UTF-8, nested too deeply) fn is not called
** and LISPY_BADJSON is returned, the reason in lispy_last_error. */
int lispy_call_json(lispy_State *L, lispy_Value fn, int argc,
                    const lispy_Value *argv, int njson,
                    const cJSON *const *json, lispy_Value *result);

/* Reading without evaluating. Returns LISPY_OK and the next datum in *out
** (advancing *pos), LISPY_ERROR on a syntax error, or LISPY_INCOMPLETE
** when input ends inside a form (a shell asks for more lines); at the end
** of input returns LISPY_EOF with *pos == len. */
int lispy_read(lispy_State *L, const char *src, size_t len, size_t *pos,
               const char *filename, lispy_Value *out);

/* Source positions: read data keeps where each item was read (a pair's
** car, each vector item, each dict entry's key and value); the functions
** below return {0} for data made at run time or a value of another type. */
/* Where the car of pair was read. */
lispy_SrcPos lispy_car_pos(lispy_Value pair);
/* Where item i of vector vec was read. */
lispy_SrcPos lispy_vector_pos(lispy_Value vec, size_t i);
/* Where the key and the value (either pointer may be NULL) of the entry
** that lispy_dict_next(dict, &iter, ...) last returned were read, iter as
** that call left it. */
void lispy_dict_pos(lispy_Value dict, size_t iter, lispy_SrcPos *key,
                    lispy_SrcPos *value);
/* The name of the file a position points into ("<unknown>" for none). */
const char *lispy_file_name(lispy_State *L, lispy_SrcPos pos);

/* Names of the special forms (define, let, try, ...); *n gets the count. */
const char *const *lispy_special_forms(size_t *n);
/* Doc string and parameter synopsis of a function value (NULL if none). */
const char *lispy_doc(lispy_Value fn);
const char *lispy_params(lispy_State *L, lispy_Value fn, char *buf, size_t len);
/* Fixed parameters of a LisPy function (at most LISPY_MAX_PARAMS), with
** *rest (may be NULL) set when a rest parameter follows them; -1 for any
** other value (builtins included). */
int         lispy_fn_nparams(lispy_Value fn, bool *rest);
/* The parameter list of a LisPy function as its definition wrote it:
** (a b), (a b . r), (a & r) (a vector [a & r] as that list) or a lone
** symbol r; nil for any other value. */
lispy_Value lispy_fn_params(lispy_Value fn);

/* ---- Errors ------------------------------------------------------------ */
lispy_Value  lispy_last_error(lispy_State *L);
/* "file:line:col: error: message" plus the stack trace; malloc'd. */
char        *lispy_error_text(lispy_State *L, lispy_Value err);
const char  *lispy_error_kind(lispy_Value err);   /* "runtime", "limit", ... */
const char  *lispy_error_message(lispy_Value err);
/* The stack trace of err: a list of {function file line col} dicts ('()
** when none). */
lispy_Value  lispy_error_trace(lispy_Value err);
/* Where err was raised ({0} when unknown or err is no error). */
lispy_SrcPos lispy_error_pos(lispy_Value err);
/* Raise from a native function (does not return). */
_Noreturn void lispy_raise(lispy_State *L, const char *kind,
                           const char *message);
/* Raise err again from a native: how a native passes on the limit error
** of a conversion it made (lispy_to_json leaves it in lispy_last_error). */
_Noreturn void lispy_rethrow(lispy_State *L, lispy_Value err);

/* ---- Values ------------------------------------------------------------- */
lispy_Value lispy_nil(void);
lispy_Value lispy_bool(bool b);
lispy_Value lispy_int(int64_t i);
lispy_Value lispy_float(double f);
lispy_Value lispy_string(lispy_State *L, const char *s, size_t len);
lispy_Value lispy_keyword(lispy_State *L, const char *name);
lispy_Value lispy_dict(lispy_State *L);
void        lispy_dict_put(lispy_State *L, lispy_Value dict, const char *key,
                           lispy_Value value);
bool        lispy_dict_get(lispy_State *L, lispy_Value dict, const char *key,
                           lispy_Value *out);
lispy_Type  lispy_type(lispy_Value v);
const char *lispy_type_name(lispy_Value v);
bool        lispy_is_function(lispy_Value v);   /* closure or native */
/* Contents of a string, or name of a keyword (without the colon) or a
** symbol; NULL otherwise. *len (may be NULL) gets its bytes. */
const char *lispy_to_cstring(lispy_Value v, size_t *len);
/* Name of a symbol; NULL for any other value (keywords included). */
const char *lispy_symbol_name(lispy_Value v);
/* The number of an integer; 0 for any other value (floats included). */
int64_t     lispy_to_int(lispy_Value v);

/* Lists: the car / cdr of a pair, nil when v is no pair. */
lispy_Value lispy_car(lispy_Value v);
lispy_Value lispy_cdr(lispy_Value v);
/* Items of a proper list ('() has 0); -1 when v is improper, cyclic or no
** list. */
int64_t     lispy_list_length(lispy_Value v);
/* Vectors: the item count (0 when v is no vector) and item i (nil when v
** is no vector or i is out of range). */
size_t      lispy_vector_length(lispy_Value v);
lispy_Value lispy_vector_item(lispy_Value v, size_t i);
/* Dicts, in insertion order: start with *iter = 0; each call sets *key
** and *value (either may be NULL) to the next entry and returns true, or
** returns false at the end (at once when v is no dict). The dict must not
** change while it is walked. */
bool        lispy_dict_next(lispy_Value dict, size_t *iter, lispy_Value *key,
                            lispy_Value *value);

/* Printed form (readable: strings quoted); malloc'd, caller frees. */
char       *lispy_repr(lispy_State *L, lispy_Value v, bool readable);
/* Readable form, long structures broken over indented lines to fit width. */
char       *lispy_pprint(lispy_State *L, lispy_Value v, int width);
/* The same, cut for a person to read: a container shows its first
** max_items items then "… N more", and containers nested deeper than
** max_depth show as (…), […] or {…} (0: no cut). Printing stops at an
** interrupt (lispy_interrupt) like any evaluation. */
char       *lispy_pprint_cut(lispy_State *L, lispy_Value v, int width,
                             size_t max_items, int max_depth);

/* JSON bridge: dicts <-> objects, lists/vectors <-> arrays, keywords ->
** strings. lispy_to_json returns NULL and sets *why (static or malloc'd via
** errbuf) when v holds something JSON cannot represent. */
cJSON      *lispy_to_json(lispy_State *L, lispy_Value v, char *why,
                          size_t whylen);
int         lispy_from_json(lispy_State *L, const cJSON *json,
                            lispy_Value *out);

/* The largest JSON (bytes of compact text) a value may become when the
** host converts it: lispy_to_json, lispy_to_json_text and the result of
** lispy_call_json_text. Past it the conversion stops early with a `limit`
** error (data.limit "result"), so a value with heavy sharing, whose JSON is
** exponential in its size, costs a bounded time. These conversions also
** run under the limits (fuel, time; the text or the cJSON tree counts
** against the memory limit): inside the running evaluation's budget when
** one runs, else under a fresh budget from lispy_set_limits. 0 restores
** the default (64 MiB: LX_DEFAULT_JSON_CAP of lx_config.h); values above
** 1 GiB are clamped. */
void        lispy_set_json_cap(lispy_State *L, size_t bytes);

/* Text the host owns and may reuse: data is malloc'd (free it with free()),
** len bytes used, always NUL-terminated once written; {0} is empty. */
typedef struct lispy_Text {
  char  *data;
  size_t len, cap;
} lispy_Text;
/* Append len bytes of s to t; false (t unchanged) when out of memory. */
bool        lispy_text_add(lispy_Text *t, const char *s, size_t len);

/* Append the compact JSON text of v to out, straight from the value (no
** cJSON tree; what a server sends). LISPY_ERROR with *why set, and out
** unchanged, when v holds something JSON cannot represent. */
int         lispy_to_json_text(lispy_State *L, lispy_Value v, lispy_Text *out,
                               char *why, size_t whylen);

/* lispy_call_json with the result appended to out as lispy_to_json_text
** writes it, in the same protected run (a server's hot path: one run per
** call, and the value is never held by the host). The writing is part of
** the call: it spends the call's fuel and time, and the text counts
** against its memory limit and the JSON cap (lispy_set_json_cap); past
** either the call fails with a `limit` error (LISPY_ERROR). LISPY_NOTJSON
** when the result holds something JSON cannot represent, the reason in
** lispy_last_error; on any failure out is left as it was. */
int         lispy_call_json_text(lispy_State *L, lispy_Value fn, int argc,
                                 const lispy_Value *argv, int njson,
                                 const cJSON *const *json, lispy_Text *out);

/* Pin / unpin values held by the host across evaluations. */
int         lispy_ref(lispy_State *L, lispy_Value v);
lispy_Value lispy_deref(lispy_State *L, int ref);
void        lispy_unref(lispy_State *L, int ref);

/* ---- Extending ---------------------------------------------------------- */
/* Define a native function in env (NULL: the base environment). params is a
** synopsis such as "(ctx prompt)", doc a one-line description; max_args -1
** means variadic. */
void lispy_register(lispy_State *L, lispy_Env *env, const char *name,
                    lispy_NativeFn fn, int min_args, int max_args,
                    const char *params, const char *doc);
/* Like lispy_register, with a value the function reads back through
** lispy_native_data while it runs (one C function, many bindings). */
void lispy_register_data(lispy_State *L, lispy_Env *env, const char *name,
                         lispy_NativeFn fn, int min_args, int max_args,
                         const char *params, const char *doc, lispy_Value data);
lispy_Value lispy_native_data(lispy_State *L);
/* Opaque host objects; finalize (may be NULL) runs when collected. */
lispy_Value lispy_host_new(lispy_State *L, const char *type_name, void *ptr,
                           void (*finalize)(void *));
/* The pointer of a host object of that type, or NULL. */
void       *lispy_host_ptr(lispy_Value v, const char *type_name);
/* Make the dicts and vectors in v (nested ones too) read-only to LisPy:
** dict-set!, dict-remove!, vector-set! and vector-push! raise on them.
** For host data shared across calls, such as a context's fields. */
void        lispy_freeze(lispy_State *L, lispy_Value v);
/* Data fields of a host object, readable from LisPy with (get obj :key). */
void        lispy_host_set_fields(lispy_State *L, lispy_Value host, lispy_Value dict);
/* clang-format on */

#ifdef __cplusplus
}
#endif
#endif
