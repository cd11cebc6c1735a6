/*
** ag_conformance.h -- internals of the conformance runner (agents/ only,
** and the unit tests).
**
** The runner's public part (options, report, ag_conformance_run_path) is
** in agents.h; these are the pieces ag_conformance.c also exposes to its
** tests.
*/
#ifndef AG_CONFORMANCE_H
#define AG_CONFORMANCE_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "agents.h"

/* Run the cases of one test file (ag_conformance_run_path calls it for each
** file it finds). */
void ag_conformance_run_file(ag_Runtime *rt, const char *test_path, const ag_ConfOptions *o,
                             ag_ConfReport *r);

/* Structural JSON equality: numbers by value (1 equals 1.0), objects by
** their members in any order, arrays item by item. */
bool ag_conformance_json_equal(const cJSON *a, const cJSON *b);

#endif
