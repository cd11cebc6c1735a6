/*
** fuzz_line.c -- libFuzzer target for the shell's line editor
** (repl/shell_line.c): the input is bytes typed at the prompt, keys and
** escape sequences included. After every byte the buffer must be valid
** UTF-8, NUL-terminated, with the cursor on a grapheme boundary inside it
** (found by rp_grapheme_prev as by a scan from the start);
** Enter starts a new line, as the shell does. The drawing goes to
** /dev/null.
*/
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#include "fuzz.h"
#include "shell.h"

/* The buffer's invariants (see the file's header). */
static void fz_check(const rp_Line *l) {
  FZ_REQUIRE(l->pos <= l->len && l->buf[l->len] == '\0');
  for (size_t i = 0; i < l->len;) {
    utf8proc_int32_t c;
    utf8proc_ssize_t n =
        utf8proc_iterate((const utf8proc_uint8_t *)l->buf + i, (utf8proc_ssize_t)(l->len - i), &c);
    FZ_REQUIRE(n > 0);
    i += (size_t)n;
  }
  size_t b = rp_grapheme_prev(l->buf, l->len, l->pos);
  FZ_REQUIRE(l->pos == 0 || rp_grapheme_next(l->buf, l->len, b) == l->pos);
  /* rp_grapheme_prev starts its scan near the cursor: the same boundary
  ** as a scan from the start of the line */
  size_t slow = 0;
  for (size_t i = 0; i < l->pos; i = rp_grapheme_next(l->buf, l->len, i)) slow = i;
  FZ_REQUIRE(slow == b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static bool opened;
  if (!opened) {
    FZ_REQUIRE(freopen("/dev/null", "w", stdout) != NULL);
    opened = true;
  }
  rp_Line l;
  memset(&l, 0, sizeof l);
  rp_line_begin(&l, "lispy> ", "  ...  ");
  for (size_t i = 0; i < size; i++) {
    int k = rp_line_feed(&l, data[i]);
    if (k == RP_KEY_ENTER || k == RP_KEY_EOF) rp_line_begin(&l, "lispy> ", "  ...  ");
    else if (k == RP_KEY_UP) rp_line_set(&l, "(+ 1\n  2)"); /* a recalled entry */
    fz_check(&l);
  }
  rp_line_free(&l);
  return 0;
}
