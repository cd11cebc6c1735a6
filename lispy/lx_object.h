/*
** lx_object.h -- LisPy values and heap objects.
**
** A value is a 16-byte tagged union: immediates (nil, the empty list,
** booleans, integers, floats) live inline, everything else is a pointer to a
** garbage-collected object whose header links it into the state's list of
** all objects. Strings are immutable UTF-8; keywords and strings name the
** same dict key.
*/
#ifndef LX_OBJECT_H
#define LX_OBJECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "lispy.h"
#include "lx_config.h"

/* The public types of lispy.h under their internal names: the same types,
** so the API passes them on without conversion. */
typedef struct lispy_State lx_State;
typedef lispy_Value lx_Value;
typedef lispy_SrcPos lx_SrcPos;
typedef lispy_NativeFn lx_NativeFn;
typedef struct lispy_Env lx_Env;
typedef struct lispy_Obj lx_Obj;

/* The limits lispy.h states are these knobs. */
_Static_assert(LISPY_MAX_PARAMS == LX_MAX_LOCALS,
               "lispy.h's LISPY_MAX_PARAMS must equal LX_MAX_LOCALS");
_Static_assert(LISPY_MAX_DEPTH == LX_MAX_C_DEPTH,
               "lispy.h's LISPY_MAX_DEPTH must equal LX_MAX_C_DEPTH");
_Static_assert(sizeof(lx_Value) == 16, "a value is 16 bytes");

/* ========================================================================
** Type tags
** ======================================================================== */

/* The public types take lispy.h's values (lispy_type returns the tag);
** the internal ones follow them. */
typedef enum lx_Type {
  LX_NIL = LISPY_TNIL,     /* nil: JSON null, false in conditions */
  LX_EMPTY = LISPY_TEMPTY, /* '(): the empty list, true in conditions */
  LX_BOOL = LISPY_TBOOL,
  LX_INT = LISPY_TINT, /* int64; arithmetic overflow is an error */
  LX_FLOAT = LISPY_TFLOAT,
  /* ---- heap objects from here on ---- */
  LX_STRING = LISPY_TSTRING,
  LX_SYMBOL = LISPY_TSYMBOL,
  LX_KEYWORD = LISPY_TKEYWORD,
  LX_PAIR = LISPY_TPAIR,
  LX_VECTOR = LISPY_TVECTOR,
  LX_DICT = LISPY_TDICT,
  LX_CLOSURE = LISPY_TCLOSURE, /* a LisPy function */
  LX_NATIVE = LISPY_TNATIVE,   /* a C builtin */
  LX_ERROR = LISPY_TERROR,     /* an error value: kind, message, data, trace */
  LX_HOST = LISPY_THOST,       /* opaque host object (e.g. the agent context) */
  LX_PROTO,                    /* internal: compiled function prototype */
  LX_BOX,                      /* internal: mutable cell (globals, captured set! vars) */
  LX_ENV,                      /* internal: a global environment */
  LX_NTYPES
} lx_Type;

#define LX_FIRST_OBJ LX_STRING

/* A value (lispy_Value, lispy.h): tag is an lx_Type; as.i holds LX_INT,
** as.f LX_FLOAT, as.b LX_BOOL, as.o every heap type. A source position
** (lispy_SrcPos): file indexes the state's file-name table (0 = none). */

/* ========================================================================
** Heap objects
** ======================================================================== */

struct lispy_Obj {
  lx_Obj *gc_next;  /* all objects form one singly linked list */
  uint8_t type;     /* an lx_Type */
  uint8_t marked;   /* GC mark bit */
  uint16_t flags;   /* per-type flags (see below) */
  uint32_t gc_size; /* bytes accounted for the header block */
};

typedef struct lx_String {
  lx_Obj h;
  uint32_t hash;   /* FNV-1a of the bytes; use lx_string_hash() */
  uint32_t nchars; /* length in code points */
  size_t len;      /* length in bytes (without the NUL) */
  char data[];     /* UTF-8, NUL-terminated */
} lx_String;

/* String flags. Long strings are hashed on first use (lx_string_hash). */
#define LX_STRING_HASHED     1u
#define LX_STRING_JSON_KNOWN 2u /* the JSON writer has scanned it: ... */
#define LX_STRING_JSON_PLAIN 4u /* ... and nothing in it needs escaping */

uint32_t lx_hash_bytes(const char *s, size_t len);

static inline uint32_t lx_string_hash(lx_String *s) {
  if (!(s->h.flags & LX_STRING_HASHED)) {
    s->hash = lx_hash_bytes(s->data, s->len);
    s->h.flags |= LX_STRING_HASHED;
  }
  return s->hash;
}

/* Symbols and keywords are interned: one object per name. */
typedef struct lx_Symbol {
  lx_Obj h;
  lx_String *name;        /* keywords: the name without the colon */
  struct lx_Symbol *next; /* chain in the intern table */
} lx_Symbol;

typedef struct lx_Pair {
  lx_Obj h;
  lx_Value car, cdr;
  lx_SrcPos pos; /* where the car was read; 0 for runtime conses */
} lx_Pair;

typedef struct lx_Vector {
  lx_Obj h;
  size_t len, cap;
  lx_Value *items;
  lx_SrcPos *pos; /* reader only: position of each item, or NULL */
} lx_Vector;

/* An insertion-ordered hash table. Entries are appended; deletions leave a
** tombstone (key tag LX_NTYPES) and the table compacts on resize. */
typedef struct lx_DictEntry {
  lx_Value key, value;
  uint32_t hash;
} lx_DictEntry;

typedef struct lx_Dict {
  lx_Obj h;
  size_t count;          /* live entries */
  size_t used;           /* entries slots used, including tombstones */
  size_t cap;            /* entries capacity */
  lx_DictEntry *entries; /* one block holding the entries, then index */
  int32_t *index;        /* open-addressed slots -> entry index, -1 empty;
                              NULL while cap <= LX_DICT_SMALL (scanned) */
  size_t index_cap;      /* power of two; 0 without an index */
  lx_SrcPos *pos;        /* reader only: 2 per entry (key, value), or NULL */
} lx_Dict;

/* Bytes of a dict's block: cap entries, then index_cap index slots. */
static inline size_t lx_dict_block_size(size_t cap, size_t index_cap) {
  return cap * sizeof(lx_DictEntry) + index_cap * sizeof(int32_t);
}

typedef struct lx_Proto lx_Proto;

typedef struct lx_Closure {
  lx_Obj h;
  lx_Proto *proto;
  uint32_t nupvals;
  lx_Value upvals[]; /* captured values (boxes for mutated variables) */
} lx_Closure;

typedef struct lx_Native {
  lx_Obj h;
  lx_NativeFn fn;
  const char *name;           /* static string */
  const char *doc;            /* static one-line doc string */
  const char *params;         /* static parameter synopsis, e.g. "(xs n)" */
  int16_t min_args, max_args; /* max_args -1 = variadic */
  lx_Value data;              /* optional bound value (host methods) */
} lx_Native;

/* Error flags. */
#define LX_ERROR_UNCATCHABLE 1u /* fuel/time/interrupt: `try` cannot catch */

typedef struct lx_Error {
  lx_Obj h;
  lx_Value kind;    /* string: "runtime", "limit", "interrupted", ... */
  lx_Value message; /* string */
  lx_Value data;    /* any value */
  lx_Value trace;   /* list of frame dicts, innermost first */
  lx_SrcPos pos;    /* where it was raised */
} lx_Error;

/* Host objects: a type name, a pointer the host owns, and an optional
** finalizer the collector calls when the object dies. */
typedef struct lx_Host {
  lx_Obj h;
  const char *type_name; /* static string, e.g. "context" */
  void *ptr;
  void (*finalize)(void *ptr);
  lx_Value fields; /* dict of data fields readable with `get`, or nil */
} lx_Host;

typedef struct lx_Box {
  lx_Obj h;
  lx_Value value;
  lx_Symbol *name; /* globals: the symbol; NULL for local boxes */
} lx_Box;

/* Box flags for globals. */
#define LX_BOX_DEFINED 1u /* has been given a value */
#define LX_BOX_MACRO   2u /* value is a macro expander */
#define LX_BOX_CONST   4u /* base-environment binding: not set!-able */

/* A global environment: symbol -> box. Agents get their own, whose parent is
** the shared base environment of builtins and prelude. */
struct lispy_Env {
  lx_Obj h;
  lx_Dict *table;          /* symbol -> lx_Box */
  lx_Env *parent;          /* NULL for the base environment */
  lx_Value name;           /* string naming the environment (for messages) */
  uint64_t rng[4];         /* this env's xoshiro256** state: random and
                              random-seed! act on the caller's own */
  uint64_t gensym_counter; /* suffix of this env's next gensym */
};

typedef uint32_t lx_Instr;

struct lx_Proto {
  lx_Obj h;
  lx_Instr *code;
  lx_SrcPos *lines; /* one position per instruction */
  uint32_t ncode;
  lx_Value *consts;
  uint32_t nconsts;
  lx_Proto **protos; /* nested function prototypes */
  uint32_t nprotos;
  uint16_t nparams; /* fixed parameters */
  bool has_rest;    /* collects extra args in a list */
  uint16_t nslots;  /* locals + temporaries needed by the frame */
  uint32_t nupvals;
  uint32_t *captures; /* per upvalue: slot<<1 of the enclosing frame,
                              or index<<1|1 of the enclosing upvalues */
  lx_Value name;      /* string or nil */
  lx_Value doc;       /* docstring or nil */
  lx_Value params;    /* list of parameter-name symbols (rest last) */
  lx_Env *env;        /* the global environment it was compiled in */
  lx_SrcPos pos;      /* where the lambda was defined */
};

/* ========================================================================
** Value constructors and tests
** ======================================================================== */

static inline lx_Value lx_nil(void) {
  lx_Value v;
  v.tag = LX_NIL;
  v.as.i = 0;
  return v;
}
static inline lx_Value lx_empty(void) {
  lx_Value v;
  v.tag = LX_EMPTY;
  v.as.i = 0;
  return v;
}
static inline lx_Value lx_bool(bool b) {
  lx_Value v;
  v.tag = LX_BOOL;
  v.as.i = 0;
  v.as.b = b;
  return v;
}
static inline lx_Value lx_int(int64_t i) {
  lx_Value v;
  v.tag = LX_INT;
  v.as.i = i;
  return v;
}
static inline lx_Value lx_float(double f) {
  lx_Value v;
  v.tag = LX_FLOAT;
  v.as.f = f;
  return v;
}
static inline lx_Value lx_obj(void *o) {
  lx_Value v;
  v.tag = ((lx_Obj *)o)->type;
  v.as.o = (lx_Obj *)o;
  return v;
}

#define lx_is(v, t)     ((v).tag == (t))
#define lx_isnumber(v)  ((v).tag == LX_INT || (v).tag == LX_FLOAT)
#define lx_islist(v)    ((v).tag == LX_PAIR || (v).tag == LX_EMPTY)
#define lx_isstrlike(v) ((v).tag == LX_STRING || (v).tag == LX_KEYWORD)
#define lx_truthy(v)    (!((v).tag == LX_NIL || ((v).tag == LX_BOOL && !(v).as.b)))

#define lx_as_string(v)  ((lx_String *)(v).as.o)
#define lx_as_symbol(v)  ((lx_Symbol *)(v).as.o)
#define lx_as_pair(v)    ((lx_Pair *)(v).as.o)
#define lx_as_vector(v)  ((lx_Vector *)(v).as.o)
#define lx_as_dict(v)    ((lx_Dict *)(v).as.o)
#define lx_as_closure(v) ((lx_Closure *)(v).as.o)
#define lx_as_native(v)  ((lx_Native *)(v).as.o)
#define lx_as_error(v)   ((lx_Error *)(v).as.o)
#define lx_as_host(v)    ((lx_Host *)(v).as.o)
#define lx_as_box(v)     ((lx_Box *)(v).as.o)

#define lx_car(v) (lx_as_pair(v)->car)
#define lx_cdr(v) (lx_as_pair(v)->cdr)

/* The string behind a string or keyword (keywords: name without colon). */
static inline lx_String *lx_strlike(lx_Value v) {
  return v.tag == LX_STRING ? lx_as_string(v) : lx_as_symbol(v)->name;
}

/* ========================================================================
** Object API (lx_object.c)
** ======================================================================== */

lx_String *lx_string_new(lx_State *L, const char *s, size_t len);
lx_Value lx_string(lx_State *L, const char *s, size_t len);
lx_String *lx_string_uninit(lx_State *L, size_t len); /* fill, then seal (or set nchars) */
void lx_string_seal(lx_String *s);
lx_Value lx_cstring(lx_State *L, const char *s);
lx_Value lx_stringf(lx_State *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

lx_Value lx_symbol(lx_State *L, const char *name, size_t len);
lx_Value lx_csymbol(lx_State *L, const char *name);
lx_Value lx_keyword(lx_State *L, const char *name, size_t len);

lx_Value lx_cons(lx_State *L, lx_Value car, lx_Value cdr);
lx_Value lx_list_from(lx_State *L, const lx_Value *items, size_t n);
int64_t lx_list_length(lx_Value list); /* -1 if improper or cyclic */

lx_Vector *lx_vector_new(lx_State *L, size_t cap);
void lx_vector_push(lx_State *L, lx_Vector *v, lx_Value x);

lx_Dict *lx_dict_new(lx_State *L, size_t cap);
bool lx_dict_get(lx_State *L, lx_Dict *d, lx_Value key, lx_Value *out);
void lx_dict_set(lx_State *L, lx_Dict *d, lx_Value key, lx_Value value);
bool lx_dict_remove(lx_State *L, lx_Dict *d, lx_Value key);
lx_Dict *lx_dict_copy(lx_State *L, const lx_Dict *d);
/* A removed entry keeps its slot (insertion order) with this key tag. */
#define LX_TOMBSTONE LX_NTYPES
/* Iterate: for (size_t i = 0; lx_dict_next(d, &i, &k, &v);) ... Inline:
** printers and the JSON writer walk every dict they meet. */
static inline bool lx_dict_next(const lx_Dict *d, size_t *iter, lx_Value *key, lx_Value *value) {
  while (*iter < d->used) {
    const lx_DictEntry *e = &d->entries[(*iter)++];
    if (e->key.tag == LX_TOMBSTONE) continue;
    if (key) *key = e->key;
    if (value) *value = e->value;
    return true;
  }
  return false;
}
/* A dict or vector the host made read-only (lispy_freeze): the mutators
** (dict-set!, dict-remove!, vector-set!, vector-push!) refuse it. */
#define LX_FROZEN 0x8000u
/* String-keyed convenience for hosts and builtins. */
bool lx_dict_getc(lx_State *L, lx_Dict *d, const char *key, lx_Value *out);
void lx_dict_setc(lx_State *L, lx_Dict *d, const char *key, lx_Value value);

lx_Value lx_native_new(lx_State *L, const char *name, lx_NativeFn fn, int min_args, int max_args,
                       const char *params, const char *doc);
lx_Value lx_host_new(lx_State *L, const char *type_name, void *ptr, void (*finalize)(void *));
lx_Box *lx_box_new(lx_State *L, lx_Value v, lx_Symbol *name);
lx_Env *lx_env_new(lx_State *L, lx_Env *parent, const char *name);

/* Equality and hashing (lx_equal.c). lx_equal: structural, numbers by value
** (1 = 1.0), strings equal keywords only when keys_unified is set (dict
** keys); lists and vectors with the same items are equal. Raises a depth
** limit error on structures nested past LX_MAX_C_DEPTH. */
bool lx_equal(lx_State *L, lx_Value a, lx_Value b);
bool lx_key_equal(lx_State *L, lx_Value a, lx_Value b);
uint32_t lx_hash(lx_State *L, lx_Value v);
bool lx_eq(lx_Value a, lx_Value b);                  /* identity / immediate value */
int lx_compare(lx_State *L, lx_Value a, lx_Value b); /* for sort */

const char *lx_type_name(lx_Value v);

#endif
