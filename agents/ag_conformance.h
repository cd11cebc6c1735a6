/*
** ag_conformance.h -- the conformance runner behind `lispy test`.
**
** An agent X_agent.lispy is tested by a sibling file X_agent.test.json
** holding cases (arguments, mock context, expected value or error kind,
** expected logs, store and context calls); see docs/testing.md for the
** format. Each case loads the agent afresh and runs against a fresh mock
** backend, so cases never leak into each other. The runner prints
** `PASS name` / `FAIL name` lines (with a diff on mismatch) and keeps a
** machine-readable report.
*/
#ifndef AG_CONFORMANCE_H
#define AG_CONFORMANCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "agents.h"

/* ========================================================================
** Options and report
** ======================================================================== */

typedef struct ag_ConfOptions {
  const char *mock;        /* base fixture for test files naming none (--mock), or NULL */
  FILE *out;               /* PASS/FAIL lines and diffs; NULL: silent */
} ag_ConfOptions;

typedef struct ag_ConfReport {
  size_t passed, failed;   /* cases; a malformed or missing test file counts as one failure */
  size_t nfiles;           /* test files run */
  cJSON *json;             /* {"files": [...], "untested": [...], "passed": N, "failed": N} */
} ag_ConfReport;

void ag_conformance_init(ag_ConfReport *r);
void ag_conformance_free(ag_ConfReport *r);

/* ========================================================================
** Running
** ======================================================================== */

/* PATH is a folder (every *.test.json in it; agents lacking one are listed
** as untested), an agent file (its sibling X_agent.test.json) or a test
** file. The runtime's backend is replaced by each case's mock. */
void ag_conformance_run_path(ag_Runtime *rt, const char *path, const ag_ConfOptions *o,
                             ag_ConfReport *r);
/* Run the cases of one test file. */
void ag_conformance_run_file(ag_Runtime *rt, const char *test_path, const ag_ConfOptions *o,
                             ag_ConfReport *r);
/* The last line of the text report: "N passed, N failed". */
void ag_conformance_summary(FILE *out, const ag_ConfReport *r);

/* ========================================================================
** Helpers (also used by the tests)
** ======================================================================== */

/* Structural JSON equality: numbers by value (1 equals 1.0), objects by
** their members in any order, arrays item by item. */
bool ag_conformance_json_equal(const cJSON *a, const cJSON *b);

#endif
