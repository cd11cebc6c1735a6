/*
** ag_schema.h -- JSON Schema validation of agent arguments (public header).
**
** A validator for the subset of JSON Schema draft 2020-12 that agent
** `parameters` use, working purely on cJSON values (no LisPy involved):
**
**   ag_SchemaErrors errs;
**   ag_schema_errors_init(&errs);
**   ag_Schema *s = ag_schema_compile(params_json, &errs);   // once, at load
**   if (s == NULL) { ... errs: problems in the schema itself ... }
**   if (ag_schema_unsupported(s)) { ... lint warning ... }
**   if (!ag_schema_validate(s, args, &errs)) {              // per call
**     char *text = ag_schema_errors_join(&errs, "; ");      // invalid_args
**     ...; free(text);
**   } else {
**     ag_schema_fill_defaults(s, args);
**   }
**   ag_schema_errors_free(&errs);
**   ag_schema_free(s);
**
** Supported keywords: type (name or array; "integer" accepts 1.0),
** properties, required, additionalProperties (bool or schema),
** patternProperties, minProperties, maxProperties, enum, const, minimum,
** maximum, exclusiveMinimum, exclusiveMaximum, multipleOf, minLength,
** maxLength (code points), pattern (ECMA-262 flavoured PCRE2, UTF mode,
** bounded by a match limit), format (asserted unless compiled with
** AG_SCHEMA_FORMAT_ANNOTATION: date-time, date, time, duration, email,
** hostname, ipv4, ipv6, uuid; other formats are ignored), items,
** prefixItems, minItems, maxItems, uniqueItems (JSON equality: 1 and 1.0
** are equal), default, allOf, anyOf, oneOf, not, local
** $ref ("#", "#/$defs/x", "#/definitions/x", any JSON pointer with ~0 ~1
** and percent escapes, or the root $id followed by such a fragment),
** $defs, definitions, $schema, a root $id, and boolean schemas.
** Annotations (title, description, examples, $comment, deprecated,
** readOnly, writeOnly, content*) and unknown keywords are ignored, as the
** specification requires. Known JSON Schema keywords that this validator
** does not implement (if/then/else, contains, propertyNames,
** dependentSchemas, unevaluatedProperties, $anchor, $dynamicRef, nested
** $id, non-local $ref, the array form of items, ...) are recorded by
** ag_schema_compile as "unsupported" and skipped during validation.
**
** Error pointers are JSON pointers (RFC 6901) into the instance for
** validation errors and into the schema for compile errors; the root is
** the empty string. Recursion is bounded by AG_SCHEMA_MAX_DEPTH, each
** pattern match by PCRE2 limits; when a limit stops a check the value is
** reported invalid (fail closed). Memory is plain malloc/free (host code);
** running out of memory aborts the process. A compiled schema is read-only
** while validating, so it may be shared between threads.
*/
#ifndef AG_SCHEMA_H
#define AG_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ag_config.h" /* AG_SCHEMA_MAX_DEPTH and the other limits */

/* ==== Error lists ========================================================= */

/* One problem: where it is and what it is. */
typedef struct ag_SchemaError {
  char *pointer; /* JSON pointer of the failing value ("" = root) */
  char *message; /* e.g. "expected integer, got string" */
} ag_SchemaError;

/* A growable list of problems. Initialize with ag_schema_errors_init;
** read it through the accessors below. */
typedef struct ag_SchemaErrors {
  ag_SchemaError *items; /* recorded errors, in discovery order */
  size_t count;          /* number of recorded errors */
  size_t cap;            /* allocated slots in items */
  size_t max;            /* record at most this many (AG_SCHEMA_MAX_ERRORS) */
  size_t dropped;        /* errors found beyond max (counted, not kept) */
  /* The work validation may do (set after ag_schema_errors_init): */
  uint64_t max_steps; /* schema applications; AG_SCHEMA_MAX_STEPS */
  double deadline_ms; /* ag_now_ms() past which it stops; 0: none */
  const char *limit;  /* out: "fuel" or "time" when a bound stopped the
                             validation (the instance is then not valid) */
} ag_SchemaErrors;

/* Make errs an empty list (it owns no memory until an error is added). */
void ag_schema_errors_init(ag_SchemaErrors *errs);
/* Free every error and leave errs empty and reusable (same max). */
void ag_schema_errors_free(ag_SchemaErrors *errs);
/* Number of recorded errors (not counting dropped ones). */
size_t ag_schema_errors_count(const ag_SchemaErrors *errs);
/* Pointer / message of error i (< count); NULL when out of range. */
const char *ag_schema_error_pointer(const ag_SchemaErrors *errs, size_t i);
const char *ag_schema_error_message(const ag_SchemaErrors *errs, size_t i);
/* All errors as "pointer: message" joined by sep (e.g. "\n" or "; "),
** plus "... and N more errors" when some were dropped. Returns a malloc'd
** string the caller frees ("" when there are no errors). */
char *ag_schema_errors_join(const ag_SchemaErrors *errs, const char *sep);

/* ==== Compiled schemas ==================================================== */

typedef struct ag_Schema ag_Schema;

/* Compile schema (an object or a boolean); the schema is copied, so the
** caller keeps ownership of its cJSON. Resolves local $refs, compiles the
** patterns and notes unsupported keywords. On a problem in the schema
** (wrong keyword value, bad regex, unknown $ref target, ...) appends the
** problems to errs (may be NULL) and returns NULL. `format` is asserted. */
ag_Schema *ag_schema_compile(const cJSON *schema, ag_SchemaErrors *errs);

/* Options of ag_schema_compile_ex (bits). */
#define AG_SCHEMA_FORMAT_ANNOTATION \
  1u /* `format` only annotates (the
                                          specification's default) */
#define AG_SCHEMA_FULL_WALK \
  2u /* never take the one-pass fast path
                                          (ag_schema_fast): for tests that
                                          compare the two */

/* ag_schema_compile with options (0: same as ag_schema_compile). */
ag_Schema *ag_schema_compile_ex(const cJSON *schema, unsigned options, ag_SchemaErrors *errs);
/* Free s (NULL is fine). */
void ag_schema_free(ag_Schema *s);

/* One unsupported keyword found in the schema. */
typedef struct ag_SchemaUnsupported {
  const char *keyword; /* e.g. "contains", "$ref" */
  const char *pointer; /* JSON pointer of the keyword inside the schema */
  const char *detail;  /* extra explanation, e.g. "non-local reference
                           \"http://x/y.json\"", or NULL */
} ag_SchemaUnsupported;

/* The first unsupported keyword name, or NULL when everything is
** supported. */
const char *ag_schema_unsupported(const ag_Schema *s);
/* Number of unsupported keyword occurrences, and occurrence i (< count;
** NULL when out of range). */
size_t ag_schema_unsupported_count(const ag_Schema *s);
const ag_SchemaUnsupported *ag_schema_unsupported_at(const ag_Schema *s, size_t i);

/* ==== Validation ========================================================== */

/* Validate instance against s. Returns true when valid; otherwise appends
** EVERY problem found to errs (may be NULL), each with the JSON pointer of
** the failing value, e.g. "/max_words: expected integer, got string",
** "/city: missing required property", ": unexpected property \"foo\"". */
bool ag_schema_validate(const ag_Schema *s, const cJSON *instance, ag_SchemaErrors *errs);
/* Whether s is "flat" (an object of scalar properties, as most agents
** take): valid instances are then confirmed in one pass over their
** members, and only invalid ones take the full walk that explains. */
bool ag_schema_fast(const ag_Schema *s);

/* Insert a copy of the `default` of every property missing from an object
** of instance, following properties, allOf, $ref, prefixItems and items
** into the values present (inserted defaults included). Either call it
** after a successful ag_schema_validate (only valid arguments are
** completed; a missing "required" property stays an error even when it has
** a default), or before it (the filled defaults are then validated too). */
void ag_schema_fill_defaults(const ag_Schema *s, cJSON *instance);
/* Whether ag_schema_fill_defaults would insert anything into instance
** (a dry run of it). Lets a caller copy arguments only when needed. */
bool ag_schema_needs_fill(const ag_Schema *s, const cJSON *instance);
/* ag_schema_validate, and when instance is valid, whether
** ag_schema_fill_defaults would insert anything into it (*needs_fill;
** for a flat schema known from the same pass). A dispatcher's check. */
bool ag_schema_validate_fill(const ag_Schema *s, const cJSON *instance, ag_SchemaErrors *errs,
                             bool *needs_fill);

/* The member of object obj named name, or NULL (cJSON's lookup, faster). */
const cJSON *ag_json_member(const cJSON *obj, const char *name);

/* ==== Formats (ag_schema_format.c) ======================================== */

/* Whether `format` is one this validator checks (date-time, date, time,
** duration, email, hostname, ipv4, ipv6, uuid). */
bool ag_schema_format_known(const char *format);
/* Whether value (NUL-terminated UTF-8) is a valid `format` string; true
** for formats that are not known. */
bool ag_schema_format_check(const char *format, const char *value);

#endif
