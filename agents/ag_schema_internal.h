/*
** ag_schema_internal.h -- what the schema module's files share (internal to
** agents/: ag_schema.c, ag_schema_compile.c, ag_schema_validate.c,
** ag_schema_defaults.c). ag_schema.h stays the module's interface.
**
** Naming: functions shared between these files are ag_sc_*, their types
** ag_Sc*; each file's statics are sc_*.
*/
#ifndef AG_SCHEMA_INTERNAL_H
#define AG_SCHEMA_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>
#include <utf8proc.h>

#include "ag_internal.h"
#include "ag_schema.h"

/* A NUL-terminated string under construction. */
typedef struct ag_ScBuf {
  char *data; /* malloc'd text, NULL while empty */
  size_t len; /* bytes used, without the NUL */
  size_t cap; /* bytes allocated */
} ag_ScBuf;

/* ==== Compiled schemas ==================================================== */

typedef struct ag_ScNode ag_ScNode;

/* A "properties" entry. */
typedef struct ag_ScProp {
  const char *name;  /* property name (in the owned document) */
  ag_ScNode *schema; /* its schema */
} ag_ScProp;

/* A "patternProperties" entry. */
typedef struct ag_ScPatProp {
  const char *source; /* the regex text (in the owned document) */
  pcre2_code *re;     /* compiled regex, NULL after a compile error */
  ag_ScNode *schema;  /* schema of the matching properties */
} ag_ScPatProp;

/* A list of subschemas: allOf, anyOf, oneOf, prefixItems. */
typedef struct ag_ScNodeList {
  ag_ScNode **items; /* the subschemas, in order */
  size_t n;          /* how many */
} ag_ScNodeList;

/* JSON types, as bits ("integer" is a number that is integral). */
enum {
  T_NULL = 1,
  T_BOOLEAN = 2,
  T_OBJECT = 4,
  T_ARRAY = 8,
  T_NUMBER = 16,
  T_STRING = 32,
  T_INTEGER = 64
};

/* Numeric keywords present in a node. */
enum { H_MIN = 1, H_MAX = 2, H_XMIN = 4, H_XMAX = 8, H_MULT = 16 };

/* One compiled subschema. Counts are doubles, -1 when absent. */
struct ag_ScNode {
  const cJSON *src;            /* this schema in the owned document */
  int boolean;                 /* 1 / 0: the schema true / false; -1: object */
  unsigned types;              /* T_* allowed by "type"; 0: no "type" */
  const cJSON *enum_vals;      /* "enum" array, or NULL */
  const cJSON *const_val;      /* "const" value, or NULL */
  const cJSON *dflt;           /* "default" value, or NULL */
  unsigned has;                /* H_* bits of the numeric keywords present */
  double min, max;             /* "minimum", "maximum" */
  double xmin, xmax;           /* "exclusiveMinimum", "exclusiveMaximum" */
  double mult;                 /* "multipleOf" (> 0) */
  double min_len, max_len;     /* "minLength", "maxLength" (code points) */
  double min_items, max_items; /* "minItems", "maxItems" */
  double min_props, max_props; /* "minProperties", "maxProperties" */
  bool unique;                 /* "uniqueItems" */
  const char *pattern_src;     /* "pattern" text, or NULL */
  pcre2_code *pattern;         /* its compiled form */
  const char *format;          /* "format", or NULL */
  ag_ScProp *props;            /* "properties", sorted by name */
  size_t nprops;               /* number of props */
  ag_ScPatProp *pprops;        /* "patternProperties" */
  size_t npprops;              /* number of pprops */
  ag_ScNode *additional;       /* "additionalProperties", or NULL */
  const cJSON *required;       /* "required" (array of strings), or NULL */
  ag_ScNodeList prefix;        /* "prefixItems" */
  ag_ScNode *items;            /* "items", or NULL */
  ag_ScNode *ref;              /* target of "$ref", or NULL */
  ag_ScNode *not_;             /* "not", or NULL */
  ag_ScNodeList all, any, one; /* "allOf", "anyOf", "oneOf" */
  bool fills;                  /* filling defaults may insert something into
                               a value here or below (see mark_fills) */
};

/* A compiled schema: owns its copy of the document and everything below;
** ag_schema_free frees it. */
struct ag_Schema {
  cJSON *doc;                  /* owned copy of the schema document */
  ag_ScNode *root;             /* compiled document root */
  ag_ScNode **nodes;           /* every node, for freeing */
  size_t nnodes, cap_nodes;    /* used / allocated slots of nodes */
  ag_SchemaUnsupported *unsup; /* unsupported keywords (strings owned) */
  size_t nunsup, cap_unsup;    /* used / allocated slots of unsup */
  char *root_id;               /* root "$id" without a final '#', or NULL */
  unsigned options;            /* AG_SCHEMA_* compile options */
  pcre2_match_context *mctx;   /* match limits shared by all patterns */
  bool flat;                   /* the fast path applies (ag_sc_flat_schema) */
  uint64_t flat_required;      /* its required properties, as bits */
  uint64_t flat_defaults;      /* its properties with a default, as bits */
};

/* Grow the array arr (with capacity cap) to hold at least need elements. */
#define GROW(arr, cap, need)                             \
  do {                                                   \
    if ((need) > (cap)) {                                \
      size_t nc_ = (cap) ? (cap)*2 : 8;                  \
      while (nc_ < (need)) nc_ *= 2;                     \
      (arr) = ag_sc_realloc((arr), nc_ * sizeof *(arr)); \
      (cap) = nc_;                                       \
    }                                                    \
  } while (0)

/* ==== Shared functions ==================================================== */

/* Memory (ag_schema.c): the host's malloc; running out aborts the process. */
void ag_sc_out_of_memory(void);
void *ag_sc_malloc(size_t n);
void *ag_sc_calloc(size_t n, size_t size);
void *ag_sc_realloc(void *p, size_t n);
char *ag_sc_strdup(const char *s);
/* printf into a fresh malloc'd string. */
char *ag_sc_vformat(const char *fmt, va_list ap);
char *ag_sc_format(const char *fmt, ...);

/* Growable strings (ag_schema.c). */
void ag_sc_buf_putn(ag_ScBuf *b, const char *s, size_t n);
void ag_sc_buf_puts(ag_ScBuf *b, const char *s);
void ag_sc_buf_put_owned(ag_ScBuf *b, char *s);
const char *ag_sc_buf_str(const ag_ScBuf *b);
void ag_sc_buf_truncate(ag_ScBuf *b, size_t len);
char *ag_sc_buf_take(ag_ScBuf *b);

/* JSON pointers (ag_schema.c): append one escaped token to path and return
** the length before it, to truncate back to. */
size_t ag_sc_path_push_key(ag_ScBuf *path, const char *token);
size_t ag_sc_path_push_index(ag_ScBuf *path, size_t i);

/* Error lists (ag_schema.c): whether errs may take one more error (false
** once its cap is reached), and recording one (takes both strings). */
bool ag_sc_errs_room(ag_SchemaErrors *errs);
void ag_sc_errs_add(ag_SchemaErrors *errs, char *pointer, char *message);

/* Values shown in messages (ag_schema.c): quoted and shortened to
** AG_SCHEMA_SHOW_CHARS code points, numbers as JSON would write them. */
char *ag_sc_show_string(const char *s);
void ag_sc_show_number(double d, char out[40]);
char *ag_sc_show(const cJSON *v);

/* Whether two member names are equal (ag_schema.c). */
bool ag_sc_same_name(const char *a, const char *b);

/* Orders ag_ScProp by name, for qsort and bsearch (ag_schema_compile.c). */
int ag_sc_prop_cmp(const void *a, const void *b);

/* Whether the flat fast path applies to s, recording its required and
** defaulted properties (ag_schema_validate.c). */
bool ag_sc_flat_schema(ag_Schema *s);

/* The default a node supplies, following $refs (ag_schema_defaults.c). */
const cJSON *ag_sc_default_of(const ag_ScNode *n);

#endif
