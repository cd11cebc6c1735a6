/*
** ag_lint_internal.h -- what the linter's files share.
**
** The linter is split by what it checks: ag_lint.c runs the pass and
** checks the descriptor, run and the context calls; ag_lint_schema.c checks
** the parameters schema (A2xx) and strict-mode readiness (A6xx);
** ag_lint_locate.c finds the positions, ag_lint_effects.c the effects of
** top-level forms. The state of one pass (agl_Lint) and the helpers for
** messages, suggestions and JSON types are declared here.
*/
#ifndef AG_LINT_INTERNAL_H
#define AG_LINT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ag_internal.h"
#include "ag_lint_locate.h"

#define AGL_COUNT(a) (sizeof(a) / sizeof(a)[0])

/* ========================================================================
** The state of one lint pass
** ======================================================================== */

typedef struct agl_Lint {
  ag_Agent *a;           /* the agent being linted */
  ag_Runtime *rt;        /* its runtime */
  lispy_State *L;        /* the runtime's state */
  const agl_Source *src; /* positions read back from the source */
  const char *path;      /* for diagnostics */
  const cJSON *desc;     /* the descriptor object, or NULL */
  const agl_Node *root;  /* its position tree, or NULL */
  agl_Pos here;          /* the descriptor's position (fallback) */
  int declared_version;  /* requires_context_version, 0 when absent */
  int64_t suggest_cells; /* edit-distance work left for suggestions
                                 (AG_LINT_SUGGEST_CELLS per file) */
  size_t listed[3];      /* diagnostics listed, per ag_Severity */
  size_t dropped_errors; /* errors past AG_LINT_MAX_DIAGS (A110) */
  size_t dropped_other;  /* warnings and notes past it (A111) */
  bool legacy_style;     /* no AGENT / DESCRIPTOR: the legacy defines */
} agl_Lint;

/* ========================================================================
** Shared helpers (ag_lint.c)
** ======================================================================== */

/* Is s one of the n strings of set? */
bool agl_in(const char *s, const char *const *set, size_t n);
/* Add one diagnostic at p (line 0: the descriptor's position); past
** AG_LINT_MAX_DIAGS of its severity it is only counted (A110/A111). */
__attribute__((format(printf, 6, 7))) void agl_emit(agl_Lint *x, agl_Pos p, ag_Severity sev,
                                                    const char *code, const char *hint,
                                                    const char *fmt, ...);
/* A compact rendering of a JSON value for messages (truncated to n). */
void agl_brief(const cJSON *v, char *buf, size_t n);
/* "Did you mean": the closest of the n candidates, or of obj's keys, or
** NULL; spends the file's suggestion budget. */
const char *agl_suggest(agl_Lint *x, const char *word, const char *const *cands, size_t n);
const char *agl_suggest_key(agl_Lint *x, const char *word, const cJSON *obj);

/* JSON types as JSON Schema names them ("integer" for whole numbers). */
bool agl_is_integer(const cJSON *v);
const char *agl_json_type(const cJSON *v);
bool agl_matches_type(const cJSON *v, const cJSON *type);
void agl_type_text(const cJSON *type, char *buf, size_t n);

/* obj[key] when obj is an object, else NULL; the position of the value or
** key of the entry key of the position tree n (fb when unknown). */
const cJSON *agl_get(const cJSON *obj, const char *key);
agl_Pos agl_at_value(agl_Lint *x, const agl_Node *n, const char *key, agl_Pos fb);
agl_Pos agl_at_key(agl_Lint *x, const agl_Node *n, const char *key, agl_Pos fb);

/* ========================================================================
** The schema checks (ag_lint_schema.c)
** ======================================================================== */

/* A2xx: the descriptor's parameters schema, keyword by keyword. */
void agl_lint_parameters(agl_Lint *x);
/* A210/A213: what the schema compiler said of the schema, placed on the
** position tree; errors_before is the error count before the A2xx pass. */
void agl_lint_validator(agl_Lint *x, size_t errors_before);
/* A6xx: notes on what OpenAI's strict mode would refuse in schema s. */
void agl_strict_schema(agl_Lint *x, const cJSON *s, const agl_Node *n, agl_Pos at, int depth);

#endif
