/*
** fuzz_eval.c -- libFuzzer target for the compiler and the VM under small
** limits.
**
** The input is LisPy source, evaluated in a fresh environment under
** FZ_EVAL_LIMITS. Whatever it does, the evaluation must end (libFuzzer's
** -timeout catches a limit that does not hold), an error must carry a
** kind and a message and render as text, and a result must print and
** either encode as JSON or say why not. Memory errors are the sanitizers'.
*/
#include "fuzz.h"
#include "lispy.h"

/* Small limits, so that hostile loops stop in milliseconds and the
** fuzzer spends its time on new code: 100k steps, 16 MiB, depth 200,
** one second (libFuzzer's -timeout is well above it). */
#define FZ_EVAL_LIMITS \
  { 100000, 16u << 20, 200, 1.0 }
/* Inputs between fresh states (each input's environment lives until its
** state closes). */
#define FZ_RESET_EVERY 500

static lispy_State *L;
static unsigned runs;

/* Output of display/print: dropped (the fuzzer wants no terminal). */
static void fz_discard(void *ud, const char *s, size_t len) {
  (void)ud;
  (void)s;
  (void)len;
}

static void fz_open(void) {
  L = lispy_open();
  FZ_REQUIRE(L != NULL);
  lispy_Limits lim = FZ_EVAL_LIMITS;
  lispy_set_limits(L, &lim);
  lispy_set_output(L, fz_discard, NULL);
  lispy_seed(L, 1);
}

/* An error value is complete: a kind, a message, a text rendering. */
static void fz_check_error(void) {
  lispy_Value err = lispy_last_error(L);
  const char *kind = lispy_error_kind(err), *msg = lispy_error_message(err);
  FZ_REQUIRE(kind != NULL && kind[0] != '\0');
  FZ_REQUIRE(msg != NULL);
  char *text = lispy_error_text(L, err);
  FZ_REQUIRE(text != NULL);
  free(text);
}

/* A result prints, and encodes as JSON or fails with a reason. */
static void fz_check_result(lispy_Value v) {
  int ref = lispy_ref(L, v);
  char *printed = lispy_repr(L, v, true);
  FZ_REQUIRE(printed != NULL);
  free(printed);
  lispy_Text text = {0};
  char why[200] = "";
  if (lispy_to_json_text(L, lispy_deref(L, ref), &text, why, sizeof why) == LISPY_OK)
    FZ_REQUIRE(text.data != NULL);
  else FZ_REQUIRE(why[0] != '\0' && text.data == NULL);
  free(text.data);
  lispy_unref(L, ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (L != NULL && ++runs % FZ_RESET_EVERY == 0) {
    lispy_close(L);
    L = NULL;
  }
  if (L == NULL) fz_open();
  lispy_Env *env = lispy_env_new(L, "fuzz");
  lispy_Value v;
  if (lispy_eval_string(L, env, (const char *)data, size, "<fuzz>", &v) == LISPY_OK)
    fz_check_result(v);
  else fz_check_error();
  return 0;
}
