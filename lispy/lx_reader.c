/*
** lx_reader.c -- text to data.
**
** A recursive-descent reader for the three source styles agents are written
** in (Scheme, Clojure, legacy): lists, [vectors], {maps}, quote forms,
** strings with escapes, int64 and double numbers, keywords, #t/#f, nil and
** comments (; #| |# #;). Every pair records where its car was read and
** vectors/dicts record their items' positions, so errors and lints can
** point into the source. Running out of input inside a form is reported as
** "incomplete", distinct from a syntax error, so a shell can ask for more.
*/
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "lx_lib.h"

/* ========================================================================
** Errors
** ======================================================================== */

/* Raise a syntax error at (line, col). Incomplete input is flagged by
** kind "incomplete" so lx_reader_next can tell the two apart. */
static _Noreturn void lx_reader_fail(lx_Reader *R, bool incomplete, uint32_t line, uint32_t col,
                                     const char *fmt, const char *arg) {
  lx_State *L = R->L;
  char msg[300];
  snprintf(msg, sizeof msg, fmt, arg ? arg : "");
  lx_Value err =
      lx_error_new(L, incomplete ? "incomplete" : "syntax", lx_cstring(L, msg), lx_nil());
  lx_as_error(err)->pos = (lx_SrcPos){line, (uint16_t)(col > 65535 ? 65535 : col), R->file};
  lx_as_error(err)->trace = lx_empty();
  lx_throw(L, err);
}

#define lx_reader_error(R, fmt, arg) lx_reader_fail(R, false, (R)->line, (R)->col, fmt, arg)

/* Nesting past the C recursion guard: the depth limit error every C walker
** raises (kind "limit", data {"limit" "depth"}), with the reader's
** position and a message saying what nests. */
static _Noreturn void lx_reader_too_deep(lx_Reader *R, uint32_t line, uint32_t col) {
  lx_State *L = R->L;
  char msg[160];
  snprintf(
      msg, sizeof msg,
      "form nested too deeply: the reader allows at most %d levels of (), [], {} and quote marks",
      LX_MAX_C_DEPTH);
  lx_Dict *data = lx_dict_new(L, 1);
  lx_dict_setc(L, data, "limit", lx_cstring(L, "depth"));
  lx_Value err = lx_error_new(L, "limit", lx_cstring(L, msg), lx_obj(data));
  lx_as_error(err)->pos = (lx_SrcPos){line, (uint16_t)(col > 65535 ? 65535 : col), R->file};
  lx_as_error(err)->trace = lx_empty();
  lx_throw(L, err);
}

/* ========================================================================
** Characters
** ======================================================================== */

/* The byte at the read position, or -1 at the end of input. */
static int lx_reader_peek(const lx_Reader *R) {
  return R->pos < R->len ? (unsigned char)R->src[R->pos] : -1;
}

/* Advance over one code point, validating UTF-8 and tracking line/col. */
static void lx_reader_advance(lx_Reader *R) {
  unsigned char c = (unsigned char)R->src[R->pos];
  if (c < 0x80) {
    R->pos++;
    if (c == '\n') {
      R->line++;
      R->col = 1;
    } else {
      R->col++;
    }
    return;
  }
  utf8proc_int32_t cp;
  utf8proc_ssize_t n = utf8proc_iterate((const utf8proc_uint8_t *)R->src + R->pos,
                                        (utf8proc_ssize_t)(R->len - R->pos), &cp);
  if (n < 0) lx_reader_error(R, "invalid UTF-8 byte in source%s", NULL);
  R->pos += (size_t)n;
  R->col++;
}

/* Whether c (a byte, or -1 for the end) ends an atom: white space, the
** brackets, quote marks, ';' and ','. */
static bool lx_reader_is_delim(int c) {
  if (c == 0) return false; /* NUL is no delimiter: atoms reject it */
  return c == -1 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' ||
         strchr("()[]{}\";`,", c) != NULL;
}

/* Whether the next two bytes are two[0] two[1]. */
static bool lx_reader_at(const lx_Reader *R, const char *two) {
  return R->pos + 1 < R->len && R->src[R->pos] == two[0] && R->src[R->pos + 1] == two[1];
}

/* Skip a #| ... |# comment (nestable); R is at the '#'. */
static void lx_reader_skip_block(lx_Reader *R) {
  uint32_t line = R->line, col = R->col;
  int depth = 0;
  for (;;) {
    if (R->pos >= R->len) lx_reader_fail(R, true, line, col, "unterminated block comment%s", NULL);
    if (lx_reader_at(R, "#|") || lx_reader_at(R, "|#")) {
      depth += R->src[R->pos] == '#' ? 1 : -1;
      R->pos += 2;
      R->col += 2;
      if (depth == 0) return;
    } else {
      lx_reader_advance(R);
    }
  }
}

static lx_Value lx_reader_datum(lx_Reader *R);

/* Whether the comma at R->pos separates (Clojure style) rather than
** unquotes: it does when a delimiter follows that cannot begin a datum.
** ",(", ",[", ",{", ",\"", ",`" and ",," unquote: the printer writes
** (unquote `x) as ",`x", which must read back as it was printed. */
static bool lx_reader_separator_comma(const lx_Reader *R) {
  if (R->pos + 1 >= R->len) return false;
  int next = (unsigned char)R->src[R->pos + 1];
  return lx_reader_is_delim(next) && strchr("([{\"`,", next) == NULL;
}

/* Skip white space, commas used as separators, and all comment forms.
** Datum comments are counted, not recursed into: "#; #; a b" skips the
** next two datums, and any run of #; costs no C stack (300,000 of them
** overflowed it). Each skipped datum is read by lx_reader_datum, whose
** nesting is under the depth guard like any other datum's. */
static void lx_reader_skip(lx_Reader *R) {
  size_t pending = 0;         /* #; seen whose datum is still to be skipped */
  uint32_t line = 0, col = 0; /* where the oldest pending #; was */
  for (;;) {
    int c = lx_reader_peek(R);
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      lx_reader_advance(R);
    } else if (c == ',' && lx_reader_separator_comma(R)) {
      lx_reader_advance(R); /* Clojure-style separator comma */
    } else if (c == ';') {
      while (R->pos < R->len && R->src[R->pos] != '\n') lx_reader_advance(R);
    } else if (c == '#' && R->pos + 1 < R->len && R->src[R->pos + 1] == '|') {
      lx_reader_skip_block(R);
    } else if (c == '#' && R->pos + 1 < R->len && R->src[R->pos + 1] == ';') {
      if (pending++ == 0) {
        line = R->line;
        col = R->col;
      }
      R->pos += 2;
      R->col += 2;
    } else if (pending > 0) {
      if (c == -1) lx_reader_fail(R, true, line, col, "datum comment #; needs a datum%s", NULL);
      (void)lx_reader_datum(R);
      pending--;
    } else {
      return;
    }
  }
}

/* ========================================================================
** Strings
** ======================================================================== */

/* Append code point cp as UTF-8; surrogates and values past U+10FFFF are
** a syntax error. */
static void lx_reader_add_cp(lx_Reader *R, lx_Buf *b, int64_t cp) {
  if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
    lx_reader_error(R, "invalid Unicode code point in \\u escape%s", NULL);
  utf8proc_uint8_t out[4];
  utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)cp, out);
  lx_buf_add(b, (const char *)out, (size_t)n);
}

/* \u{1F600} or \u00E9 (R is just after the 'u'). */
static void lx_reader_unicode_escape(lx_Reader *R, lx_Buf *b) {
  bool braced = lx_reader_peek(R) == '{';
  if (braced) lx_reader_advance(R);
  int64_t cp = 0;
  int digits = 0;
  while (R->pos < R->len && strchr("0123456789abcdefABCDEF", R->src[R->pos]) &&
         R->src[R->pos] != '\0' && (braced ? digits < 7 : digits < 4)) {
    char c = R->src[R->pos];
    cp = cp * 16 + (c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
    digits++;
    lx_reader_advance(R);
  }
  if (digits == 0 || (!braced && digits != 4))
    lx_reader_error(R, "bad \\u escape: use \\u{1F600} or \\u00E9%s", NULL);
  if (braced) {
    if (lx_reader_peek(R) != '}') lx_reader_error(R, "bad \\u{...} escape: missing }%s", NULL);
    lx_reader_advance(R);
  }
  lx_reader_add_cp(R, b, cp);
}

/* The escape after a backslash in a string (R is at the character after
** it): \n \t \r \0 \" \\ and \u; anything else is a syntax error. */
static void lx_reader_escape(lx_Reader *R, lx_Buf *b) {
  int c = lx_reader_peek(R);
  char out;
  switch (c) {
    case 'n': out = '\n'; break;
    case 't': out = '\t'; break;
    case 'r': out = '\r'; break;
    case '0': out = '\0'; break;
    case '"':
    case '\\': out = (char)c; break;
    case 'u':
      lx_reader_advance(R);
      lx_reader_unicode_escape(R, b);
      return;
    default: {
      char s[2] = {(char)c, 0};
      lx_reader_error(R, "unknown string escape \\%s (hint: write \\\\ for a backslash)", s);
    }
  }
  lx_reader_advance(R);
  lx_buf_addc(b, out);
}

/* A "string" literal, R at the opening quote. Raw bytes are copied one
** code point at a time (lx_reader_advance validates the UTF-8); end of
** input before the closing quote is "incomplete", so a shell asks for
** more lines. */
static lx_Value lx_reader_string(lx_Reader *R) {
  uint32_t line = R->line, col = R->col;
  lx_reader_advance(R); /* opening quote */
  lx_Buf b;
  lx_buf_init(R->L, &b);
  for (;;) {
    if (R->pos >= R->len) lx_reader_fail(R, true, line, col, "unterminated string%s", NULL);
    char c = R->src[R->pos];
    if (c == '"') break;
    if (c == '\\') {
      lx_reader_advance(R);
      if (R->pos >= R->len) lx_reader_fail(R, true, line, col, "unterminated string%s", NULL);
      lx_reader_escape(R, &b);
      continue;
    }
    size_t start = R->pos;
    lx_reader_advance(R);
    lx_buf_add(&b, R->src + start, R->pos - start);
  }
  lx_reader_advance(R);
  return lx_buf_finish(&b);
}

/* ========================================================================
** Atoms: numbers, keywords, symbols, constants
** ======================================================================== */

/* Parse tok as a number into *out; false if it is not number-shaped. */
static bool lx_reader_number(lx_Reader *R, const char *tok, size_t len, lx_Value *out) {
  size_t i = (tok[0] == '-' || tok[0] == '+') ? 1 : 0;
  if (i >= len) return false;
  bool hex = len > i + 2 && tok[i] == '0' && (tok[i + 1] == 'x' || tok[i + 1] == 'X');
  if (!hex && !(tok[i] >= '0' && tok[i] <= '9') &&
      !(tok[i] == '.' && i + 1 < len && tok[i + 1] >= '0' && tok[i + 1] <= '9'))
    return false;
  char *end;
  errno = 0;
  long long n = strtoll(tok, &end, hex ? 16 : 10);
  if ((size_t)(end - tok) == len) {
    if (errno == ERANGE)
      lx_reader_error(
          R, "integer literal %s does not fit in 64 bits (hint: write it as a float, e.g. 1e20)",
          tok);
    *out = lx_int(n);
    return true;
  }
  if (hex) return false;
  double d = strtod(tok, &end);
  if ((size_t)(end - tok) != len) return false;
  if (isinf(d)) lx_reader_error(R, "float literal %s is out of range", tok);
  *out = lx_float(d);
  return true;
}

/* #t #true true, #f #false false and nil (*ok true), or not a constant
** (*ok false). Any other token starting with # is a syntax error. */
static lx_Value lx_reader_constant(lx_Reader *R, const char *tok, bool *ok) {
  static const char *names[] = {"#t", "#true", "true", "#f", "#false", "false", "nil"};
  *ok = true;
  for (int k = 0; k < 7; k++)
    if (strcmp(tok, names[k]) == 0)
      return k < 3 ? lx_bool(true) : k < 6 ? lx_bool(false) : lx_nil();
  if (tok[0] == '#')
    lx_reader_error(R, "unknown # syntax '%s' (hint: #t, #f, #| comment |#, #; datum)", tok);
  *ok = false;
  return lx_nil();
}

/* Read a token up to the next delimiter: a number, a constant, a :keyword
** (":" alone is a symbol) or else a symbol. NUL bytes are refused. */
static lx_Value lx_reader_atom(lx_Reader *R) {
  size_t start = R->pos;
  while (!lx_reader_is_delim(lx_reader_peek(R))) lx_reader_advance(R);
  size_t len = R->pos - start;
  if (memchr(R->src + start, 0, len)) lx_reader_error(R, "NUL byte in source%s", NULL);
  lx_Buf tok; /* a NUL-terminated copy for strtoll/strtod */
  lx_buf_init(R->L, &tok);
  lx_buf_add(&tok, R->src + start, len);
  const char *t = lx_buf_data(&tok);
  lx_Value v;
  bool ok = lx_reader_number(R, t, len, &v);
  if (!ok) v = lx_reader_constant(R, t, &ok);
  if (ok) return v;
  if (t[0] == ':' && len > 1) return lx_keyword(R->L, t + 1, len - 1);
  return lx_symbol(R->L, t, len);
}

/* ========================================================================
** Compound data
** ======================================================================== */

/* The current position as a source position (column clamped to 16 bits). */
static lx_SrcPos lx_reader_here(const lx_Reader *R) {
  return (lx_SrcPos){R->line, (uint16_t)(R->col > 65535 ? 65535 : R->col), R->file};
}

/* Input ended inside a form opened with `open` at line:col: an
** "incomplete" error, so a shell asks for more lines. */
static _Noreturn void lx_reader_unclosed(lx_Reader *R, uint32_t line, uint32_t col, char open) {
  char what[2] = {open, 0};
  lx_reader_fail(R, true, line, col, "unclosed '%s' (input ended inside this form)", what);
}

/* A list after its '(' (opened at line:col), built front to back through
** its tail; each pair records where its item was read. (a . b) sets the
** last cdr; a '.' first, two datums after it, or a ']' or '}' closing are
** syntax errors. */
static lx_Value lx_reader_list(lx_Reader *R, uint32_t line, uint32_t col) {
  lx_Value head = lx_empty(), tail = lx_empty();
  for (;;) {
    lx_reader_skip(R);
    int c = lx_reader_peek(R);
    if (c == -1) lx_reader_unclosed(R, line, col, '(');
    if (c == ')') {
      lx_reader_advance(R);
      return head;
    }
    if (c == '.' &&
        lx_reader_is_delim(R->pos + 1 < R->len ? (unsigned char)R->src[R->pos + 1] : -1)) {
      if (lx_is(head, LX_EMPTY)) lx_reader_error(R, "'.' with nothing before it%s", NULL);
      lx_reader_advance(R);
      lx_reader_skip(R);
      if (lx_reader_peek(R) == -1) lx_reader_unclosed(R, line, col, '(');
      lx_as_pair(tail)->cdr = lx_reader_datum(R);
      lx_reader_skip(R);
      if (lx_reader_peek(R) == -1) lx_reader_unclosed(R, line, col, '(');
      if (lx_reader_peek(R) != ')')
        lx_reader_error(R, "expected ')' after the datum following '.'%s", NULL);
      lx_reader_advance(R);
      return head;
    }
    if (c == ']' || c == '}') {
      char s[2] = {(char)c, 0};
      lx_reader_error(R, "unexpected '%s' inside a list opened with '('", s);
    }
    lx_SrcPos pos = lx_reader_here(R);
    lx_Value item = lx_reader_datum(R);
    lx_Value cell = lx_cons(R->L, item, lx_empty());
    lx_as_pair(cell)->pos = pos;
    if (lx_is(head, LX_EMPTY)) head = cell;
    else lx_as_pair(tail)->cdr = cell;
    tail = cell;
  }
}

/* Read items up to `close` into a vector with positions. The positions
** collect in a GC-owned buffer so a syntax error midway leaks nothing. */
static lx_Vector *lx_reader_items(lx_Reader *R, char open, char close, uint32_t line,
                                  uint32_t col) {
  lx_Vector *v = lx_vector_new(R->L, 4);
  lx_Buf pos;
  lx_buf_init(R->L, &pos);
  for (;;) {
    lx_reader_skip(R);
    int c = lx_reader_peek(R);
    if (c == close) break;
    if (c == -1) lx_reader_unclosed(R, line, col, open);
    if (c == ')' || c == ']' || c == '}') {
      char s[2] = {(char)c, 0};
      lx_reader_error(R, "unexpected '%s' (mismatched bracket)", s);
    }
    lx_SrcPos p = lx_reader_here(R);
    lx_Value item = lx_reader_datum(R);
    lx_buf_add(&pos, (const char *)&p, sizeof p);
    lx_vector_push(R->L, v, item);
  }
  lx_reader_advance(R);
  v->pos = lx_mem_alloc(R->L, v->cap * sizeof *v->pos);
  memset(v->pos, 0, v->cap * sizeof *v->pos);
  if (v->len) memcpy(v->pos, lx_buf_data(&pos), v->len * sizeof *v->pos);
  return v;
}

/* A [vector] after its '[', with item positions (lx_reader_items). */
static lx_Value lx_reader_vector(lx_Reader *R, uint32_t line, uint32_t col) {
  return lx_obj(lx_reader_items(R, '[', ']', line, col));
}

/* {k v ...} becomes a dict; duplicate keys and odd counts are errors. */
static lx_Value lx_reader_map(lx_Reader *R, uint32_t line, uint32_t col) {
  lx_Vector *items = lx_reader_items(R, '{', '}', line, col);
  if (items->len % 2) {
    lx_SrcPos p = items->pos[items->len - 1];
    lx_reader_fail(R, false, p.line, p.col,
                   "map literal has a key with no value%s (hint: {:key value ...})", NULL);
  }
  lx_Dict *d = lx_dict_new(R->L, items->len / 2);
  for (size_t i = 0; i < items->len; i += 2) {
    if (lx_dict_get(R->L, d, items->items[i], NULL)) {
      lx_SrcPos p = items->pos[i];
      lx_reader_fail(R, false, p.line, p.col, "duplicate key in map literal%s", NULL);
    }
    lx_dict_set(R->L, d, items->items[i], items->items[i + 1]);
  }
  if (d->cap) {
    d->pos = lx_mem_alloc(R->L, d->cap * 2 * sizeof *d->pos);
    memset(d->pos, 0, d->cap * 2 * sizeof *d->pos);
    memcpy(d->pos, items->pos, items->len * sizeof *d->pos);
  }
  return lx_obj(d);
}

/* 'x `x ,x ,@x ~x ~@x -> (quote x) ... */
static lx_Value lx_reader_quote(lx_Reader *R, lx_Value sym, uint32_t line, uint32_t col) {
  lx_SrcPos here = lx_reader_here(R);
  lx_reader_skip(R);
  if (lx_reader_peek(R) == -1)
    lx_reader_fail(R, true, line, col, "quote mark with nothing after it%s", NULL);
  lx_SrcPos pos = lx_reader_here(R);
  lx_Value x = lx_reader_datum(R);
  lx_Value inner = lx_cons(R->L, x, lx_empty());
  lx_as_pair(inner)->pos = pos;
  lx_Value outer = lx_cons(R->L, sym, inner);
  lx_as_pair(outer)->pos = here;
  lx_as_pair(outer)->pos.col = (uint16_t)col;
  return outer;
}

/* Reading is work like any other: every LX_READ_POLL_DATUMS datums or
** LX_READ_POLL_BYTES bytes it is charged as fuel (a unit per datum and per
** LX_FUEL_BYTES bytes; lx_charge polls the deadline and interrupt as units add up),
** so read-string of a huge text stops at the limits. */
static void lx_reader_charge(lx_Reader *R) {
  size_t bytes = R->pos > R->charged ? R->pos - R->charged : 0;
  R->charged = R->pos;
  int64_t units = (int64_t)R->datums + (int64_t)(bytes / LX_FUEL_BYTES);
  R->datums = 0;
  lx_charge(R->L, units);
}

/* Dispatch on the first character of a datum. */
static lx_Value lx_reader_datum(lx_Reader *R) {
  lx_State *L = R->L;
  uint32_t line = R->line, col = R->col;
  if (++R->datums >= LX_READ_POLL_DATUMS || R->pos - R->charged >= LX_READ_POLL_BYTES)
    lx_reader_charge(R);
  if (L->c_depth >= LX_MAX_C_DEPTH) lx_reader_too_deep(R, line, col);
  lx_c_enter(L);
  int c = lx_reader_peek(R);
  lx_Value v;
  switch (c) {
    case '(':
      lx_reader_advance(R);
      v = lx_reader_list(R, line, col);
      break;
    case '[':
      lx_reader_advance(R);
      v = lx_reader_vector(R, line, col);
      break;
    case '{':
      lx_reader_advance(R);
      v = lx_reader_map(R, line, col);
      break;
    case ')':
    case ']':
    case '}': {
      char s[2] = {(char)c, 0};
      lx_reader_error(R, "unexpected '%s' (no form is open)", s);
    }
    case '"': v = lx_reader_string(R); break;
    case '\'':
      lx_reader_advance(R);
      v = lx_reader_quote(R, L->sym_quote, line, col);
      break;
    case '`':
      lx_reader_advance(R);
      v = lx_reader_quote(R, L->sym_quasiquote, line, col);
      break;
    case ',':
    case '~': {
      lx_reader_advance(R);
      bool splice = lx_reader_peek(R) == '@';
      if (splice) lx_reader_advance(R);
      v = lx_reader_quote(R, splice ? L->sym_unquote_splicing : L->sym_unquote, line, col);
      break;
    }
    case 0: lx_reader_error(R, "NUL byte in source%s", NULL);
    default: v = lx_reader_atom(R); break;
  }
  lx_c_leave(L);
  return v;
}

/* ========================================================================
** Entry points
** ======================================================================== */

/* Set R to read src[0..len) from the start, positions naming filename
** ("<input>" when NULL; registering it may allocate). A UTF-8 BOM and a
** first line starting with #! are skipped. */
void lx_reader_init(lx_Reader *R, lx_State *L, const char *src, size_t len, const char *filename) {
  R->L = L;
  R->src = src;
  R->len = len;
  R->pos = 0;
  R->line = 1;
  R->col = 1;
  R->file = lx_file_id(L, filename ? filename : "<input>");
  R->datum_pos = (lx_SrcPos){0, 0, R->file};
  R->error = lx_nil();
  R->charged = 0;
  R->datums = 0;
  /* Skip a UTF-8 byte-order mark and a #! line. */
  if (len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0) R->pos = 3;
  if (len - R->pos >= 2 && src[R->pos] == '#' && src[R->pos + 1] == '!')
    while (R->pos < len && src[R->pos] != '\n') R->pos++;
}

/* Arguments and result of lx_reader_protected. */
typedef struct lx_ReadCall {
  lx_Reader *R; /* the reader */
  lx_Value out; /* the datum read */
  bool eof;     /* no datum left: out is nil */
} lx_ReadCall;

/* Skip to the next datum and read it (rc->eof at the end of input),
** recording where it starts in R->datum_pos. Runs under lx_pcall. */
static void lx_reader_protected(lx_State *L, void *ud) {
  lx_ReadCall *rc = ud;
  lx_Reader *R = rc->R;
  lx_reader_skip(R);
  if (R->pos >= R->len) {
    rc->eof = true;
    return;
  }
  R->datum_pos = lx_reader_here(R);
  rc->out = lx_reader_datum(R);
  (void)L;
}

/* Every object the reader makes is protected until it returns (the datum
** then belongs to the caller, who must root it). An "incomplete" error is
** reported as LX_READ_INCOMPLETE and its kind turned into "syntax". */
lx_ReadStatus lx_reader_next(lx_Reader *R, lx_Value *out) {
  lx_State *L = R->L;
  lx_ReadCall rc = {R, lx_nil(), false};
  lx_Value err;
  lx_Obj *saved = lx_protect_begin(L);
  bool ok = lx_pcall(L, lx_reader_protected, &rc, &err);
  lx_protect_end(L, saved);
  *out = lx_nil();
  if (!ok) {
    R->error = err;
    bool inc = lx_is(err, LX_ERROR) &&
               strcmp(lx_as_string(lx_as_error(err)->kind)->data, "incomplete") == 0;
    if (inc) lx_as_error(err)->kind = lx_cstring(L, "syntax");
    return inc ? LX_READ_INCOMPLETE : LX_READ_ERROR;
  }
  if (rc.eof) return LX_READ_EOF;
  *out = rc.out;
  return LX_READ_OK;
}
