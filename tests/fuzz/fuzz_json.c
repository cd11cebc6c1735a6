/*
** fuzz_json.c -- libFuzzer target for the JSON bridge, from C and from
** LisPy.
**
** The input is (usually) JSON text. C side: when cJSON parses it strictly
** and it can round-trip (finite numbers, no repeated member), LisPy's value
** of it (lispy_from_json) must write back (lispy_to_json_text and
** lispy_to_json) to an equal tree. LisPy side: when (json-parse text)
** succeeds, (json-encode value) must succeed and be a fixed point
** (parsing and encoding it again gives the same text), and when both sides
** parsed, they agree. Everything runs under small limits.
*/
#include <math.h>

#include "fuzz.h"
#include "lispy.h"

/* Limits of the LisPy side: the fuzzer's inputs are small, so any limit
** error here is one worth a look at its size (fuel, bytes, depth, s). */
#define FZ_JSON_LIMITS \
  { 1000000, 64u << 20, 400, 2.0 }
#define FZ_RESET_EVERY 5000 /* inputs between fresh states */

static lispy_State *L;
static unsigned runs;
static int parse_ref, encode_ref; /* json-parse and json-encode, pinned */

static void fz_open(void) {
  L = lispy_open();
  FZ_REQUIRE(L != NULL);
  lispy_Limits lim = FZ_JSON_LIMITS;
  lispy_set_limits(L, &lim);
  lispy_Value f;
  FZ_REQUIRE(lispy_env_get(L, lispy_base_env(L), "json-parse", &f));
  parse_ref = lispy_ref(L, f);
  FZ_REQUIRE(lispy_env_get(L, lispy_base_env(L), "json-encode", &f));
  encode_ref = lispy_ref(L, f);
}

/* Whether j comes back the same from LisPy: every number finite (cJSON
** reads 1e999 as infinity) and no object naming a member twice. */
static bool fz_round_trips(const cJSON *j) {
  if (cJSON_IsNumber(j) && !isfinite(j->valuedouble)) return false;
  for (const cJSON *m = j->child; m != NULL; m = m->next) {
    if (!fz_round_trips(m)) return false;
    if (cJSON_IsObject(j))
      for (const cJSON *o = m->next; o != NULL; o = o->next)
        if (strcmp(m->string, o->string) == 0) return false;
  }
  return true;
}

/* Whether text (NUL-terminated) parses to a tree equal to j. */
static bool fz_same_tree(const char *text, const cJSON *j) {
  cJSON *back = cJSON_Parse(text);
  bool same = back != NULL && cJSON_Compare(back, j, true);
  if (!same) fprintf(stderr, "JSON changed on the way: %s\n", text);
  cJSON_Delete(back);
  return same;
}

/* C side: cJSON -> LisPy -> JSON text and cJSON tree, both equal to j
** (compared as parsed text: integers beyond 2^53 come back as raw items). */
static void fz_check_c(const cJSON *j) {
  lispy_Value v;
  if (lispy_from_json(L, j, &v) != LISPY_OK) return; /* bad UTF-8, depth */
  int ref = lispy_ref(L, v);
  lispy_Text text = {0};
  char why[200] = "";
  FZ_REQUIRE(lispy_to_json_text(L, lispy_deref(L, ref), &text, why, sizeof why) == LISPY_OK);
  FZ_REQUIRE(fz_same_tree(text.data, j));
  cJSON *tree = lispy_to_json(L, lispy_deref(L, ref), why, sizeof why);
  FZ_REQUIRE(tree != NULL);
  char *printed = cJSON_PrintUnformatted(tree); /* big integers are raw items */
  FZ_REQUIRE(fz_same_tree(printed, j));
  free(printed);
  cJSON_Delete(tree);
  free(text.data);
  lispy_unref(L, ref);
}

/* (f arg) -> *out as a malloc'd C string (a string result) or NULL on an
** error; *kind gets the error kind. */
static char *fz_call_text(int fn_ref, lispy_Value arg, const char **kind) {
  lispy_Value out;
  *kind = NULL;
  if (lispy_call(L, lispy_deref(L, fn_ref), 1, &arg, &out) != LISPY_OK) {
    *kind = lispy_error_kind(lispy_last_error(L));
    return NULL;
  }
  size_t len;
  const char *s = lispy_to_cstring(out, &len);
  FZ_REQUIRE(s != NULL);
  return fz_cstring((const uint8_t *)s, len);
}

/* LisPy side: (json-encode (json-parse text)) is a fixed point; returns
** it (malloc'd) or NULL when json-parse refused the text. */
static char *fz_check_lispy(const uint8_t *data, size_t size) {
  lispy_Value parsed;
  lispy_Value s = lispy_string(L, (const char *)data, size);
  if (lispy_call(L, lispy_deref(L, parse_ref), 1, &s, &parsed) != LISPY_OK) return NULL;
  const char *kind;
  char *enc = fz_call_text(encode_ref, parsed, &kind);
  if (enc == NULL) { /* what json-parse made must encode (or hit a limit) */
    fprintf(stderr, "json-encode failed: %s\n", lispy_error_message(lispy_last_error(L)));
    FZ_REQUIRE(kind != NULL && strcmp(kind, "limit") == 0);
    return NULL;
  }
  lispy_Value again;
  s = lispy_string(L, enc, strlen(enc));
  FZ_REQUIRE(lispy_call(L, lispy_deref(L, parse_ref), 1, &s, &again) == LISPY_OK);
  char *enc2 = fz_call_text(encode_ref, again, &kind);
  FZ_REQUIRE(enc2 != NULL);
  if (strcmp(enc, enc2) != 0) fprintf(stderr, "once  %s\ntwice %s\n", enc, enc2);
  FZ_REQUIRE(strcmp(enc, enc2) == 0);
  free(enc2);
  return enc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (L != NULL && ++runs % FZ_RESET_EVERY == 0) {
    lispy_close(L);
    L = NULL;
  }
  if (L == NULL) fz_open();
  char *text = fz_cstring(data, size);
  cJSON *j = cJSON_ParseWithOpts(text, NULL, true);
  bool c_ok = j != NULL && strlen(text) == size && fz_round_trips(j);
  if (c_ok) fz_check_c(j);
  char *enc = fz_check_lispy(data, size);
  if (enc != NULL && c_ok) FZ_REQUIRE(fz_same_tree(enc, j));
  free(enc);
  cJSON_Delete(j);
  free(text);
  return 0;
}
