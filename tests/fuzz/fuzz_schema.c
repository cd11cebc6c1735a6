/*
** fuzz_schema.c -- libFuzzer target for the schema validator and the JSON
** bridge (built with -DLISPY_FUZZ=ON and clang; see docs/testing.md).
**
** The input is JSON text [schema, instance]. The schema is compiled twice,
** with and without the one-pass fast path, and both must give the
** instance the same verdict; the dry fill must foresee whether filling
** defaults changes the instance; and the instance must survive a trip
** through LisPy (lispy_from_json, then lispy_to_json_text) unchanged.
*/
#include <math.h>

#include "ag_schema.h"
#include "fuzz.h"
#include "lispy.h"

static lispy_State *L;

/* Whether j comes back the same from LisPy: no object names a member
** twice (a dict keeps one) and every number is finite (cJSON reads
** 1e999 as infinity, which JSON text cannot carry). */
static bool round_trips(const cJSON *j) {
  if (cJSON_IsNumber(j) && !isfinite(j->valuedouble)) return false;
  for (const cJSON *m = j->child; m != NULL; m = m->next) {
    if (!round_trips(m)) return false;
    if (cJSON_IsObject(j))
      for (const cJSON *o = m->next; o != NULL; o = o->next)
        if (strcmp(m->string, o->string) == 0) return false;
  }
  return true;
}

/* JSON -> LisPy -> JSON text -> cJSON equals the original. */
static void check_round_trip(const cJSON *instance) {
  if (!round_trips(instance)) return;
  lispy_Value v;
  if (lispy_from_json(L, instance, &v) != LISPY_OK) return; /* bad UTF-8 */
  lispy_Text text = {0};
  char why[200];
  int rc = lispy_to_json_text(L, v, &text, why, sizeof why);
  FZ_REQUIRE(rc == LISPY_OK);
  cJSON *back = cJSON_Parse(text.data);
  FZ_REQUIRE(back != NULL && cJSON_Compare(back, instance, true));
  cJSON_Delete(back);
  free(text.data);
}

static void check_schema(const cJSON *schema, cJSON *instance) {
  ag_Schema *fast = ag_schema_compile_ex(schema, 0, NULL);
  ag_Schema *full = ag_schema_compile_ex(schema, AG_SCHEMA_FULL_WALK, NULL);
  FZ_REQUIRE((fast == NULL) == (full == NULL));
  if (fast != NULL) {
    bool ok = ag_schema_validate(fast, instance, NULL);
    FZ_REQUIRE(ok == ag_schema_validate(full, instance, NULL));
    char *before = cJSON_PrintUnformatted(instance);
    bool needs = ag_schema_needs_fill(fast, instance), needs_too = !needs;
    FZ_REQUIRE(ag_schema_validate_fill(fast, instance, NULL, &needs_too) == ok);
    FZ_REQUIRE(ok ? needs_too == needs : !needs_too);
    ag_schema_fill_defaults(fast, instance);
    char *after = cJSON_PrintUnformatted(instance);
    FZ_REQUIRE(needs == (strcmp(before, after) != 0));
    free(before);
    free(after);
  }
  ag_schema_free(fast);
  ag_schema_free(full);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (L == NULL) L = lispy_open();
  char *text = fz_cstring(data, size);
  cJSON *pair = cJSON_Parse(text);
  free(text);
  if (cJSON_GetArraySize(pair) == 2) {
    cJSON *instance = cJSON_GetArrayItem(pair, 1);
    check_round_trip(instance);
    check_schema(cJSON_GetArrayItem(pair, 0), instance);
  }
  cJSON_Delete(pair);
  return 0;
}
