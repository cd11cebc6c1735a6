/*
** shell_line.c -- the prompt's line editor. The text is UTF-8 and is
** edited by grapheme cluster (utf8proc's boundaries): e + U+0301, a CJK
** character or an emoji is one step of the cursor and one Backspace. It is
** drawn by display width (utf8proc_charwidth), wrapped over the terminal's
** rows, and redrawn whole after every change, so what the screen shows is
** what the buffer holds. A newline in the text (a multi-line history
** entry) is drawn as a line break and the continuation prompt.
**
** libedit is not used for editing: it counts a combining mark as a column
** of its own and its display drifts from the buffer (issue 11). The
** history list is still libedit's (shell_tty.c).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utf8proc.h>

#include "shell.h"

/* ========================================================================
** Graphemes and widths
** ======================================================================== */

/* The code point at s[i] (len bytes in all) and its byte length in *n; an
** invalid byte is taken as itself, one byte long. */
static int32_t rp_cp_at(const char *s, size_t len, size_t i, size_t *n) {
  utf8proc_int32_t c;
  utf8proc_ssize_t k =
      utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(len - i), &c);
  if (k <= 0) {
    *n = 1;
    return (unsigned char)s[i];
  }
  *n = (size_t)k;
  return c;
}

/* Byte offset of the grapheme boundary after the one at `at` (len if none). */
size_t rp_grapheme_next(const char *s, size_t len, size_t at) {
  if (at >= len) return len;
  size_t n;
  int32_t prev = rp_cp_at(s, len, at, &n), state = 0;
  for (size_t i = at + n; i < len; i += n) {
    int32_t c = rp_cp_at(s, len, i, &n);
    if (prev == '\n' || c == '\n' || utf8proc_grapheme_break_stateful(prev, c, &state)) return i;
    prev = c;
  }
  return len;
}

/* A boundary at or before `at` found without scanning from the start:
** between two ASCII bytes there always is one (but CR LF), so the search
** for a cluster's start stays near the cursor even on a long line. */
static size_t rp_safe_start(const char *s, size_t at) {
  for (size_t i = at; i > 1; i--)
    if ((unsigned char)s[i - 1] < 0x80 && (unsigned char)s[i - 2] < 0x80 &&
        !(s[i - 2] == '\r' && s[i - 1] == '\n'))
      return i - 1;
  return 0;
}

/* Byte offset of the grapheme boundary before `at` (0 if none). */
size_t rp_grapheme_prev(const char *s, size_t len, size_t at) {
  size_t b = rp_safe_start(s, at > 0 ? at - 1 : 0);
  for (size_t i = b; i < at; i = rp_grapheme_next(s, len, i)) b = i;
  return b;
}

/* Columns the grapheme s[0..n) takes: its first code point's width, or 2
** when an emoji presentation selector (U+FE0F) widens it; control
** characters show as ^X (2). */
static int rp_grapheme_width(const char *s, size_t n) {
  size_t k;
  int32_t c = rp_cp_at(s, n, 0, &k);
  if (c < 32 || c == 127) return 2;
  int w = utf8proc_charwidth(c);
  for (size_t i = k; i < n; i += k)
    if (rp_cp_at(s, n, i, &k) == 0xFE0F) w = 2;
  return w < 0 ? 1 : w;
}

/* Display columns of a prompt: escapes between \001 and \002 take none. */
static int rp_prompt_width(const char *p) {
  int w = 0;
  bool hidden = false;
  size_t len = strlen(p);
  for (size_t i = 0; i < len;) {
    if (p[i] == '\001' || p[i] == '\002') {
      hidden = p[i++] == '\001';
      continue;
    }
    size_t j = rp_grapheme_next(p, len, i);
    if (!hidden) w += rp_grapheme_width(p + i, j - i);
    i = j;
  }
  return w;
}

/* ========================================================================
** Drawing
** ======================================================================== */

static int rp_term_width(void) {
  struct winsize ws;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  return 80;
}

/* Write the prompt without its \001 \002 markers. */
static void rp_put_prompt(FILE *out, const char *p) {
  for (; *p; p++)
    if (*p != '\001' && *p != '\002') fputc(*p, out);
}

/* Move from the end of the last draw back to its first row and clear
** everything below: the line is gone from the screen. */
void rp_line_hide(rp_Line *l) {
  if (l->crow > 0) printf("\033[%dA", l->crow);
  printf("\r\033[J");
  l->crow = 0;
}

/* Draw prompt and text from the current row, wrapping at the terminal's
** width, and leave the terminal cursor where l->pos is. */
void rp_line_show(rp_Line *l) {
  int width = rp_term_width(), col = rp_prompt_width(l->prompt), row = 0;
  int cur_row = 0, cur_col = col;
  rp_put_prompt(stdout, l->prompt);
  if (col >= width) fputs("\r\n", stdout), col = 0, row++;
  for (size_t i = 0; i < l->len;) {
    if (i == l->pos) cur_row = row, cur_col = col;
    size_t j = rp_grapheme_next(l->buf, l->len, i);
    if (l->buf[i] == '\n') { /* a line break of a multi-line entry */
      fputs("\r\n", stdout);
      rp_put_prompt(stdout, l->more);
      row++, col = rp_prompt_width(l->more);
      i = j;
      continue;
    }
    int w = rp_grapheme_width(l->buf + i, j - i);
    if (col + w > width) fputs("\r\n", stdout), col = 0, row++;
    if ((unsigned char)l->buf[i] < 32 || l->buf[i] == 127) printf("^%c", l->buf[i] ^ 0x40);
    else fwrite(l->buf + i, 1, j - i, stdout);
    col += w;
    i = j;
  }
  if (l->pos >= l->len) cur_row = row, cur_col = col;
  if (col >= width) { /* at the right margin: make the next row real */
    fputs("\r\n", stdout), col = 0, row++;
    if (cur_col >= width) cur_row = row, cur_col = 0;
  }
  if (row > cur_row) printf("\033[%dA", row - cur_row);
  printf("\r");
  if (cur_col > 0) printf("\033[%dC", cur_col);
  l->crow = cur_row;
  l->dirty = false;
  fflush(stdout);
}

void rp_line_refresh(rp_Line *l) {
  rp_line_hide(l);
  rp_line_show(l);
}

void rp_line_flush(rp_Line *l) {
  if (l->dirty) rp_line_refresh(l);
}

/* ========================================================================
** The buffer
** ======================================================================== */

/* Replace bytes [from, to) by text[0..n); the cursor goes after it. */
bool rp_line_splice(rp_Line *l, size_t from, size_t to, const char *text, size_t n) {
  size_t len = l->len - (to - from) + n;
  if (len + 1 > l->cap) {
    size_t cap = l->cap ? l->cap : 64;
    while (cap < len + 1) cap *= 2;
    char *b = rp_realloc(l->buf, cap);
    if (!b) return false;
    l->buf = b;
    l->cap = cap;
  }
  memmove(l->buf + from + n, l->buf + to, l->len - to);
  memcpy(l->buf + from, text, n);
  l->len = len;
  l->buf[len] = '\0';
  l->pos = from + n;
  /* What was typed may join the text after it into one cluster (e before
  ** a lone U+0301): the cursor goes to the end of that cluster. */
  size_t b = rp_grapheme_prev(l->buf, l->len, l->pos);
  size_t end = rp_grapheme_next(l->buf, l->len, b);
  if (l->pos > 0 && end > l->pos) l->pos = end;
  l->dirty = true;
  return true;
}

void rp_line_set(rp_Line *l, const char *text) { rp_line_splice(l, 0, l->len, text, strlen(text)); }

/* Start editing a new, empty line after prompt (more: the prompt of the
** rows after a line break); drawn at once. */
void rp_line_begin(rp_Line *l, const char *prompt, const char *more) {
  l->prompt = prompt;
  l->more = more;
  l->crow = 0;
  l->nutf = l->need = l->nesc = 0;
  rp_line_set(l, "");
  rp_line_show(l);
}

void rp_line_free(rp_Line *l) {
  free(l->buf);
  memset(l, 0, sizeof *l);
}

/* ========================================================================
** Keys
** ======================================================================== */

/* Word boundaries for Ctrl-W: blanks and brackets separate words. */
static bool rp_word_char(char c) { return !strchr(" \t\n()[]{}\"'", c); }

static void rp_key_left(rp_Line *l) { l->pos = rp_grapheme_prev(l->buf, l->len, l->pos); }
static void rp_key_right(rp_Line *l) { l->pos = rp_grapheme_next(l->buf, l->len, l->pos); }

static void rp_key_backspace(rp_Line *l) {
  if (l->pos == 0) return;
  size_t from = rp_grapheme_prev(l->buf, l->len, l->pos);
  rp_line_splice(l, from, l->pos, "", 0);
}

static void rp_key_delete(rp_Line *l) {
  if (l->pos < l->len) rp_line_splice(l, l->pos, rp_grapheme_next(l->buf, l->len, l->pos), "", 0);
}

static void rp_key_kill_word(rp_Line *l) {
  size_t from = l->pos;
  while (from > 0 && !rp_word_char(l->buf[from - 1])) from--;
  while (from > 0 && rp_word_char(l->buf[from - 1])) from--;
  rp_line_splice(l, from, l->pos, "", 0);
}

/* An escape sequence is complete (CSI ends with a byte from @ to ~, SS3
** after one more byte, Alt-x after one): what it does. */
static int rp_escape_key(rp_Line *l) {
  const unsigned char *e = l->esc;
  size_t n = l->nesc;
  if (n < 2) return RP_KEY_MORE; /* more to come */
  if (e[1] == '[') {
    if (n < 3 || e[n - 1] < '@' || e[n - 1] > '~' || (n == 3 && e[2] >= '0' && e[2] <= '9'))
      return n < sizeof l->esc ? RP_KEY_MORE : RP_KEY_NONE;
    char last = (char)e[n - 1];
    if (last == 'A') return RP_KEY_UP;
    if (last == 'B') return RP_KEY_DOWN;
    if (last == 'C') return RP_KEY_RIGHT;
    if (last == 'D') return RP_KEY_LEFT;
    if (last == 'H') return RP_KEY_HOME;
    if (last == 'F') return RP_KEY_END;
    if (last == '~' && (e[2] == '1' || e[2] == '7')) return RP_KEY_HOME;
    if (last == '~' && (e[2] == '4' || e[2] == '8')) return RP_KEY_END;
    if (last == '~' && e[2] == '3') return RP_KEY_DELETE;
    return RP_KEY_NONE;
  }
  if (e[1] == 'O') {
    if (n < 3) return RP_KEY_MORE;
    return e[2] == 'A'   ? RP_KEY_UP
           : e[2] == 'B' ? RP_KEY_DOWN
           : e[2] == 'C' ? RP_KEY_RIGHT
           : e[2] == 'D' ? RP_KEY_LEFT
           : e[2] == 'H' ? RP_KEY_HOME
           : e[2] == 'F' ? RP_KEY_END
                         : RP_KEY_NONE;
  }
  return RP_KEY_NONE; /* Alt-x: not bound */
}

/* Feed one byte read from the terminal. Editing keys are done here, and
** the line is marked for drawing (rp_line_flush, once per batch of bytes:
** a long paste is not redrawn per byte); the return value names what the
** caller must do (RP_KEY_NONE: nothing; Enter, EOF, Tab, Ctrl-R, Up...). */
int rp_line_feed(rp_Line *l, unsigned char c) {
  if (l->nesc > 0 || c == 27) {
    l->esc[l->nesc++] = c;
    int k = rp_escape_key(l);
    if (k == RP_KEY_MORE) return RP_KEY_NONE;
    l->nesc = 0;
    if (k == RP_KEY_LEFT) rp_key_left(l);
    else if (k == RP_KEY_RIGHT) rp_key_right(l);
    else if (k == RP_KEY_HOME) l->pos = 0;
    else if (k == RP_KEY_END) l->pos = l->len;
    else if (k == RP_KEY_DELETE) rp_key_delete(l);
    else return k;
    l->dirty = true;
    return RP_KEY_NONE;
  }
  if (l->need > 0 || c >= 0x80) { /* a UTF-8 sequence: inserted whole when valid */
    if (l->need == 0) {
      if (c < 0xC2 || c > 0xF4) return RP_KEY_NONE; /* no sequence starts with it */
      l->need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      l->nutf = 0;
    } else if ((c & 0xC0) != 0x80) { /* cut short: drop it, take c afresh */
      l->need = 0;
      return rp_line_feed(l, c);
    }
    l->utf[l->nutf++] = c;
    if (l->nutf < l->need) return RP_KEY_NONE;
    l->need = 0;
    utf8proc_int32_t cp;
    if (utf8proc_iterate(l->utf, (utf8proc_ssize_t)l->nutf, &cp) != (utf8proc_ssize_t)l->nutf)
      return RP_KEY_NONE; /* overlong, a surrogate or past U+10FFFF */
    rp_line_splice(l, l->pos, l->pos, (const char *)l->utf, l->nutf);
    return RP_KEY_NONE;
  }
  switch (c) {
    case '\r':
    case '\n': return RP_KEY_ENTER;
    case 4: /* Ctrl-D */
      if (l->len == 0) return RP_KEY_EOF;
      rp_key_delete(l);
      break;
    case 9: return RP_KEY_TAB;
    case 18: return RP_KEY_SEARCH;
    case 16: return RP_KEY_UP;   /* Ctrl-P */
    case 14: return RP_KEY_DOWN; /* Ctrl-N */
    case 1: l->pos = 0; break;
    case 5: l->pos = l->len; break;
    case 2: rp_key_left(l); break;
    case 6: rp_key_right(l); break;
    case 8:
    case 127: rp_key_backspace(l); break;
    case 11: rp_line_splice(l, l->pos, l->len, "", 0); break;
    case 21: rp_line_splice(l, 0, l->pos, "", 0); break;
    case 23: rp_key_kill_word(l); break;
    case 12: printf("\033[H\033[2J"), l->crow = 0; break; /* Ctrl-L */
    default:
      if (c < 32) return RP_KEY_NONE; /* other control keys: not bound */
      rp_line_splice(l, l->pos, l->pos, (const char *)&c, 1);
  }
  l->dirty = true;
  return RP_KEY_NONE;
}
