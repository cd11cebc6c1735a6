/*
** fuzz_reader.c -- libFuzzer target for the reader and the printer.
**
** The input is LisPy source text. Every datum is read with lispy_read
** (which must always make progress and never pass the end), then printed
** readably and read back: the printed form must read as one datum that
** prints the same (print . read is the identity on printed text), and the
** pretty-printed form must read back to the same datum too.
*/
#include "fuzz.h"
#include "lispy.h"

/* Inputs between fresh states: bounds what interned symbols accumulate
** while keeping start-up cost (a few ms) out of the executions per second. */
#define FZ_RESET_EVERY 2000

static lispy_State *L;
static unsigned runs;

/* Read text (NUL-terminated) as exactly one datum; false if it is not.
** It is read after a space: a byte-order mark or "#!" opening a source is
** skipped as a file header, but printed data is not a file. */
static bool fz_read_one(const char *text, lispy_Value *out) {
  size_t len = strlen(text) + 1, pos = 0;
  char *src = malloc(len + 1);
  FZ_REQUIRE(src != NULL);
  src[0] = ' ';
  memcpy(src + 1, text, len);
  bool one = lispy_read(L, src, len, &pos, "<printed>", out) == LISPY_OK;
  lispy_Value rest;
  one = one && lispy_read(L, src, len, &pos, "<printed>", &rest) == LISPY_EOF;
  free(src);
  return one;
}

/* The printed form of v reads back to a datum printed the same, and its
** pretty-printed form reads back to that datum as well. */
static void fz_check_print(lispy_Value v) {
  char *printed = lispy_repr(L, v, true);
  char *pretty = lispy_pprint(L, v, 24);
  FZ_REQUIRE(printed != NULL && pretty != NULL);
  lispy_Value back;
  if (!fz_read_one(printed, &back)) {
    fprintf(stderr, "printed form does not read back: %s\n", printed);
    FZ_REQUIRE(!"print . read");
  }
  char *again = lispy_repr(L, back, true);
  if (strcmp(printed, again) != 0) fprintf(stderr, "printed %s\nre-read %s\n", printed, again);
  FZ_REQUIRE(strcmp(printed, again) == 0);
  free(again);
  FZ_REQUIRE(fz_read_one(pretty, &back));
  again = lispy_repr(L, back, true);
  if (strcmp(printed, again) != 0) fprintf(stderr, "printed %s\npretty  %s\n", printed, pretty);
  FZ_REQUIRE(strcmp(printed, again) == 0);
  free(again);
  free(printed);
  free(pretty);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (L != NULL && ++runs % FZ_RESET_EVERY == 0) {
    lispy_close(L);
    L = NULL;
  }
  if (L == NULL) L = lispy_open();
  FZ_REQUIRE(L != NULL);
  const char *src = (const char *)data;
  size_t pos = 0;
  for (;;) {
    size_t before = pos;
    lispy_Value v;
    int rc = lispy_read(L, src, size, &pos, "<fuzz>", &v);
    FZ_REQUIRE(pos <= size);
    if (rc == LISPY_EOF) {
      FZ_REQUIRE(pos == size);
      break;
    }
    if (rc == LISPY_ERROR) { /* a syntax error names itself */
      const char *msg = lispy_error_message(lispy_last_error(L));
      FZ_REQUIRE(msg != NULL && msg[0] != '\0');
    }
    if (rc != LISPY_OK) break;
    FZ_REQUIRE(pos > before);
    fz_check_print(v);
  }
  return 0;
}
