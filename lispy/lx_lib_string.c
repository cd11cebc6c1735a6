/*
** lx_lib_string.c -- string, Unicode and formatting builtins.
**
** Strings are immutable UTF-8; every index and length here counts code
** points, never bytes. Case mapping, whitespace, display width and
** normalization come from utf8proc. Work proportional to the input is
** charged as fuel (1 step per LX_FUEL_BYTES bytes, at least 1): up front
** for one short pass (memmem, memcmp), and as it goes (lx_work) in loops
** over code points, so the deadline and the interrupt are polled during
** long work.
*/
#define _GNU_SOURCE /* memmem: linear-time substring search */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <utf8proc.h>

#include "lx_lib.h"

/* ========================================================================
** UTF-8 helpers (inputs are always valid UTF-8)
** ======================================================================== */

/* lx_buf_add that tolerates empty pieces (nothing to copy). */
static void buf_add(lx_Buf *b, const char *s, size_t len) {
  if (len > 0) lx_buf_add(b, s, len);
}

/* Decode the code point at s[*i] and advance *i past it. */
static int32_t u8_next(const char *s, size_t *i) {
  const unsigned char *p = (const unsigned char *)s + *i;
  unsigned c = p[0];
  if (c < 0x80) {
    (*i)++;
    return (int32_t)c;
  }
  int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1; /* continuation bytes */
  int32_t cp = (int32_t)(c & (0x3Fu >> n));
  for (int k = 1; k <= n; k++) cp = (cp << 6) | (p[k] & 0x3F);
  *i += (size_t)n + 1;
  return cp;
}

/* Decode the code point that ends just before s[*i] and move *i to it. */
static int32_t u8_prev(const char *s, size_t *i) {
  size_t j = *i;
  do { j--; } while (j > 0 && ((unsigned char)s[j] & 0xC0) == 0x80);
  *i = j;
  size_t k = j;
  return u8_next(s, &k);
}

/* Number of code points in s[0..len). */
static size_t u8_count(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char)s[i] & 0xC0) != 0x80) n++;
  return n;
}

/* Byte offset of code point number idx (idx <= nchars) in str; the walk
** is charged as it goes. */
static size_t u8_offset(lx_State *L, const lx_String *str, size_t idx) {
  if (str->nchars == str->len) return idx; /* pure ASCII */
  size_t i = 0;
  for (size_t k = 0; k < idx && i < str->len; k++) {
    size_t at = i;
    u8_next(str->data, &i);
    lx_work(L, (int64_t)(i - at));
  }
  return i;
}

/* Append code point cp, UTF-8 encoded. */
static void buf_add_cp(lx_Buf *b, int32_t cp) {
  utf8proc_uint8_t tmp[4];
  utf8proc_ssize_t n = utf8proc_encode_char(cp, tmp);
  buf_add(b, (const char *)tmp, (size_t)n);
}

/* Unicode white space: ASCII controls TAB..CR, NEL and categories Z*. */
static bool u_is_space(int32_t cp) {
  if (cp == ' ' || (cp >= 9 && cp <= 13) || cp == 0x85) return true;
  if (cp < 0xA0) return false;
  utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

/* Letters with case (for final-sigma and titlecase word detection). */
static bool u_is_cased(int32_t cp) {
  utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT;
}

/* Case-ignorable code points (marks, format chars, modifiers, apostrophes):
** skipped when looking at the context of a final sigma. */
static bool u_is_case_ignorable(int32_t cp) {
  if (cp == '\'' || cp == '.' || cp == ':' || cp == 0xB7 || cp == 0x2019) return true;
  utf8proc_category_t c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_ME || c == UTF8PROC_CATEGORY_CF ||
         c == UTF8PROC_CATEGORY_LM || c == UTF8PROC_CATEGORY_SK;
}

/* Fuel for touching n bytes in one short pass. */
static void charge_bytes(lx_State *L, size_t n) { lx_charge(L, lx_bytes_cost(n)); }

/* n bytes of a long loop done (charged a step at a time, polling). */
static void work_bytes(lx_State *L, size_t n) { lx_work(L, (int64_t)n); }

/* A fresh string holding bytes [from, to) of s. */
static lx_Value sub_bytes(lx_State *L, const lx_String *s, size_t from, size_t to) {
  return lx_string(L, s->data + from, to - from);
}

/* Find needle in s starting at byte off; returns byte offset or -1. The
** bytes scanned are charged. */
static ptrdiff_t find_bytes(lx_State *L, const lx_String *s, size_t off, const lx_String *n) {
  return lx_find_bytes(L, s, off, n);
}

/* Check a 1-code-point string argument; returns its code point. */
static int32_t check_char(lx_State *L, const char *fn, lx_Value v) {
  lx_String *s = lx_check_string(L, fn, v);
  if (s->nchars != 1) lx_type_error(L, fn, "a one-character string", v);
  size_t i = 0;
  return u8_next(s->data, &i);
}

/* ========================================================================
** Length, indexing, substrings
** ======================================================================== */

static lx_Value bi_string_length(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-length", argv[0]);
  return lx_int((int64_t)s->nchars);
}

/* An index argument in [0, limit]; errors name the role and the length. */
static size_t check_pos(lx_State *L, const char *fn, const char *role, lx_Value v, size_t limit) {
  int64_t i = lx_check_int(L, fn, v);
  if (i < 0 || (uint64_t)i > limit)
    lx_error(L, "%s: %s index %lld out of range for string of length %zu", fn, role, (long long)i,
             limit);
  return (size_t)i;
}

/* (substring s start [end]): indexes are code points, end nil or omitted
** means the length. The walk to start and over the slice is charged as it
** goes (the slice twice: walked and copied). */
static lx_Value bi_substring(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "substring", argv[0]);
  size_t start = check_pos(L, "substring", "start", argv[1], s->nchars);
  size_t end = s->nchars;
  if (argc > 2 && !lx_is(argv[2], LX_NIL))
    end = check_pos(L, "substring", "end", argv[2], s->nchars);
  if (end < start) lx_error(L, "substring: end index %zu is before start index %zu", end, start);
  size_t from = u8_offset(L, s, start);
  size_t to = from;
  for (size_t k = start; k < end; k++) {
    size_t at = to;
    u8_next(s->data, &to);
    work_bytes(L, 2 * (to - at)); /* the walk and the copy */
  }
  return sub_bytes(L, s, from, to);
}

/* (string-ref s i) / (char-at s i): the code point at i as a string. */
static lx_Value string_ref(lx_State *L, const char *fn, lx_Value *argv) {
  lx_String *s = lx_check_string(L, fn, argv[0]);
  int64_t i = lx_check_int(L, fn, argv[1]);
  if (i < 0 || (uint64_t)i >= s->nchars)
    lx_error(L, "%s: index %lld out of range for string of length %u", fn, (long long)i, s->nchars);
  size_t from = u8_offset(L, s, (size_t)i), to = from;
  u8_next(s->data, &to);
  return sub_bytes(L, s, from, to);
}

static lx_Value bi_string_ref(lx_State *L, int argc, lx_Value *argv) {
  return string_ref(L, "string-ref", argv);
}

static lx_Value bi_char_at(lx_State *L, int argc, lx_Value *argv) {
  return string_ref(L, "char-at", argv);
}

/* (string->list s): built back to front so each cons is the final one;
** a tick per code point. */
static lx_Value bi_string_to_list(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string->list", argv[0]);
  lx_Value out = lx_empty();
  size_t i = s->len;
  while (i > 0) {
    size_t end = i;
    u8_prev(s->data, &i);
    out = lx_cons(L, sub_bytes(L, s, i, end), out);
    lx_tick(L);
  }
  return out;
}

/* ========================================================================
** Case mapping
**
** utf8proc offers only the simple (1:1) mappings, so the full mappings of
** SpecialCasing.txt are rebuilt here: an unchanged lowercase or titlecase
** letter whose full case folding is several code points ("ß" -> "ss",
** "ﬁ" -> "fi", "ǰ" -> "ǰ") is upcased through that folding ("SS", "FI",
** "J̌"); "İ" downcases to "i̇"; a capital sigma at the end of a word
** downcases to "ς". Other language-specific rules (Turkish, Lithuanian) are
** not applied.
** ======================================================================== */

/* Full case folding of cp into out[0..3]; returns the code point count. */
static int fold_cp(int32_t cp, int32_t out[4]) {
  int bound = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(cp, out, 4, UTF8PROC_CASEFOLD, &bound);
  if (n < 1 || n > 4) {
    out[0] = cp;
    return 1;
  }
  return (int)n;
}

/* If cp has a multi-code-point full mapping through its folding, store the
** folding in out and return its length; otherwise 0. */
static int special_fold(int32_t cp, int32_t out[4]) {
  if (cp < 0xDF) return 0;
  utf8proc_category_t c = utf8proc_category(cp);
  if (c != UTF8PROC_CATEGORY_LL && c != UTF8PROC_CATEGORY_LT) return 0;
  int n = fold_cp(cp, out);
  return n > 1 ? n : 0;
}

/* Append the full uppercase of cp. */
static void upcase_cp(lx_Buf *b, int32_t cp) {
  int32_t f[4];
  int n = special_fold(cp, f);
  if (n == 0) {
    buf_add_cp(b, utf8proc_toupper(cp));
    return;
  }
  for (int k = 0; k < n; k++) buf_add_cp(b, utf8proc_toupper(f[k]));
}

/* Append the full titlecase of cp (first letter of a word). Titlecase
** letters stay; a lowercase letter with a multi-code-point mapping is
** spelled out (canonical decomposition if it has one, else its folding)
** and its first cased code point is title-cased: "ß" -> "Ss", "ﬁ" -> "Fi",
** "ŉ" -> "ʼN". */
static void titlecase_cp(lx_Buf *b, int32_t cp) {
  int32_t seq[4];
  if (utf8proc_category(cp) == UTF8PROC_CATEGORY_LT) {
    buf_add_cp(b, cp);
    return;
  }
  if (special_fold(cp, seq) == 0) {
    buf_add_cp(b, utf8proc_totitle(cp));
    return;
  }
  int bound = 0;
  utf8proc_ssize_t n = utf8proc_decompose_char(cp, seq, 4, UTF8PROC_DECOMPOSE, &bound);
  if (n <= 1 || n > 4) n = special_fold(cp, seq);
  bool done = false;
  for (int k = 0; k < n; k++) {
    bool first = !done && u_is_cased(seq[k]);
    buf_add_cp(b, first ? utf8proc_totitle(seq[k]) : seq[k]);
    done = done || first;
  }
}

/* Is the capital sigma at byte i (followed by byte j) the end of a word?
** True when a cased letter precedes it and none follows it (skipping
** case-ignorable code points on both sides). */
static bool final_sigma(const lx_String *s, size_t i, size_t j) {
  int32_t cp = 0;
  size_t k = i;
  bool before = false;
  while (k > 0) {
    cp = u8_prev(s->data, &k);
    if (!u_is_case_ignorable(cp)) {
      before = u_is_cased(cp);
      break;
    }
  }
  if (!before) return false;
  for (k = j; k < s->len;) {
    cp = u8_next(s->data, &k);
    if (!u_is_case_ignorable(cp)) return !u_is_cased(cp);
  }
  return true;
}

/* Append the full lowercase of the code point cp found at s[i..j). */
static void downcase_cp(lx_Buf *b, const lx_String *s, int32_t cp, size_t i, size_t j) {
  if (cp == 0x130) {
    buf_add(b, "i\xCC\x87", 3);
    return;
  } /* i + U+0307 */
  if (cp == 0x3A3 && final_sigma(s, i, j)) {
    buf_add_cp(b, 0x3C2);
    return;
  }
  buf_add_cp(b, utf8proc_tolower(cp));
}

/* (string-upcase s): full mappings (upcase_cp); charged 2 parts a byte as
** it goes (the decode and the output). */
static lx_Value bi_string_upcase(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-upcase", argv[0]);
  lx_Buf b;
  lx_buf_init(L, &b);
  for (size_t i = 0; i < s->len;) {
    size_t at = i;
    upcase_cp(&b, u8_next(s->data, &i));
    work_bytes(L, 2 * (i - at));
  }
  return lx_buf_finish(&b);
}

/* (string-downcase s): full mappings (downcase_cp: dotted I, final sigma);
** charged like string-upcase. */
static lx_Value bi_string_downcase(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-downcase", argv[0]);
  lx_Buf b;
  lx_buf_init(L, &b);
  for (size_t i = 0; i < s->len;) {
    size_t at = i;
    int32_t cp = u8_next(s->data, &i);
    downcase_cp(&b, s, cp, at, i);
    work_bytes(L, 2 * (i - at));
  }
  return lx_buf_finish(&b);
}

/* Titlecasing words start at a letter or digit and continue through
** letters, marks, digits and apostrophes ("don't" and "1st" stay one word). */
static bool title_word_start(int32_t cp) {
  utf8proc_category_t c = utf8proc_category(cp);
  return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) || c == UTF8PROC_CATEGORY_ND;
}

static bool title_word_char(int32_t cp) {
  if (cp == '\'' || cp == 0x2019) return true;
  utf8proc_category_t c = utf8proc_category(cp);
  return c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_ND;
}

/* (string-titlecase s): the first cased letter of each word title-cased,
** the rest of the word downcased; text outside words is copied. A word
** starts at a letter or digit (title_word_start) and runs through
** title_word_char, so "1st" keeps its lowercase "st". */
static lx_Value bi_string_titlecase(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-titlecase", argv[0]);
  lx_Buf b;
  lx_buf_init(L, &b);
  bool in_word = false;
  for (size_t i = 0; i < s->len;) {
    size_t at = i;
    int32_t cp = u8_next(s->data, &i);
    work_bytes(L, 2 * (i - at));
    if (!in_word && u_is_cased(cp)) titlecase_cp(&b, cp);
    else if (in_word) downcase_cp(&b, s, cp, at, i);
    else buf_add_cp(&b, cp);
    in_word = in_word ? title_word_char(cp) : title_word_start(cp);
  }
  return lx_buf_finish(&b);
}

/* ========================================================================
** Splitting, joining, trimming
** ======================================================================== */

/* Split on runs of white space, dropping leading and trailing space. */
static lx_Value split_ws(lx_State *L, const lx_String *s) {
  lx_Vector *parts = lx_vector_new(L, 8);
  size_t i = 0, start = 0;
  bool in_token = false;
  while (i < s->len) {
    size_t at = i;
    bool sp = u_is_space(u8_next(s->data, &i));
    work_bytes(L, i - at);
    if (sp && in_token) lx_vector_push(L, parts, sub_bytes(L, s, start, at));
    if (!sp && !in_token) start = at;
    in_token = !sp;
  }
  if (in_token) lx_vector_push(L, parts, sub_bytes(L, s, start, s->len));
  return lx_list_from(L, parts->items, parts->len);
}

/* Split into one-code-point strings. */
static lx_Value split_chars(lx_State *L, const lx_String *s) {
  lx_Vector *parts = lx_vector_new(L, s->nchars);
  for (size_t i = 0; i < s->len;) {
    size_t at = i;
    u8_next(s->data, &i);
    lx_vector_push(L, parts, sub_bytes(L, s, at, i));
    lx_tick(L);
  }
  return lx_list_from(L, parts->items, parts->len);
}

/* Split on every occurrence of sep (empty fields kept). */
static lx_Value split_sep(lx_State *L, const lx_String *s, const lx_String *sep) {
  lx_Vector *parts = lx_vector_new(L, 8);
  size_t start = 0;
  ptrdiff_t hit;
  while ((hit = find_bytes(L, s, start, sep)) >= 0) {
    work_bytes(L, (size_t)hit - start); /* the copy */
    lx_vector_push(L, parts, sub_bytes(L, s, start, (size_t)hit));
    lx_tick(L);
    start = (size_t)hit + sep->len;
  }
  lx_vector_push(L, parts, sub_bytes(L, s, start, s->len));
  return lx_list_from(L, parts->items, parts->len);
}

static lx_Value bi_string_split(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-split", argv[0]);
  if (argc < 2 || lx_is(argv[1], LX_NIL)) return split_ws(L, s);
  lx_String *sep = lx_check_string(L, "string-split", argv[1]);
  if (sep->len == 0) return split_chars(L, s);
  return split_sep(L, s, sep);
}

/* (string-join strings [sep]), also (string-join sep strings): the total
** size is summed first (a result past 4 GiB is a memory limit), charged
** once, and the result filled in one allocation. */
static lx_Value bi_string_join(lx_State *L, int argc, lx_Value *argv) {
  lx_Value seq = argv[0], sepv = argc > 1 ? argv[1] : lx_nil();
  /* Clojure order (join sep coll) is accepted too. */
  if (lx_is(seq, LX_STRING) && argc > 1 && !lx_is(sepv, LX_STRING)) {
    lx_Value t = seq;
    seq = sepv;
    sepv = t;
  }
  lx_String *sep = lx_is(sepv, LX_NIL) ? NULL : lx_check_string(L, "string-join", sepv);
  lx_Vector *items = lx_seq_to_vector(L, "string-join", seq);
  size_t total = 0, seplen = sep ? sep->len : 0;
  for (size_t k = 0; k < items->len; k++) { /* sizes first: one allocation */
    lx_Value it = items->items[k];
    if (!lx_is(it, LX_STRING))
      lx_error(L, "string-join: element %zu is not a string (got %s)", k, lx_type_name(it));
    total += lx_as_string(it)->len + (k > 0 ? seplen : 0);
    if (total > UINT32_MAX) lx_limit_error(L, "memory");
  }
  charge_bytes(L, total);
  lx_String *out = lx_string_uninit(L, total);
  char *at = out->data;
  for (size_t k = 0; k < items->len; k++) {
    const lx_String *s = lx_as_string(items->items[k]);
    if (k > 0 && seplen) at = (char *)memcpy(at, sep->data, seplen) + seplen;
    at = (char *)memcpy(at, s->data, s->len) + s->len;
  }
  lx_string_seal(out);
  return lx_obj(out);
}

/* Does cp belong to the trim set (white space when set is NULL)? */
static bool trim_member(int32_t cp, const lx_String *set) {
  if (!set) return u_is_space(cp);
  for (size_t i = 0; i < set->len;)
    if (u8_next(set->data, &i) == cp) return true;
  return false;
}

/* Trim code points of the set from the left and/or right of argv[0]. */
static lx_Value trim(lx_State *L, const char *fn, int argc, lx_Value *argv, bool left, bool right) {
  lx_String *s = lx_check_string(L, fn, argv[0]);
  lx_String *set = NULL;
  if (argc > 1 && !lx_is(argv[1], LX_NIL)) set = lx_check_string(L, fn, argv[1]);
  size_t from = 0, to = s->len, cost = set ? set->len + 1 : 4;
  while (left && from < to) {
    size_t i = from;
    work_bytes(L, cost); /* a scan of the set per code point */
    if (!trim_member(u8_next(s->data, &i), set)) break;
    from = i;
  }
  while (right && to > from) {
    size_t i = to;
    work_bytes(L, cost);
    if (!trim_member(u8_prev(s->data, &i), set)) break;
    to = i;
  }
  if (from == 0 && to == s->len) return argv[0];
  return sub_bytes(L, s, from, to);
}

static lx_Value bi_string_trim(lx_State *L, int argc, lx_Value *argv) {
  return trim(L, "string-trim", argc, argv, true, true);
}

static lx_Value bi_string_trim_left(lx_State *L, int argc, lx_Value *argv) {
  return trim(L, "string-trim-left", argc, argv, true, false);
}

static lx_Value bi_string_trim_right(lx_State *L, int argc, lx_Value *argv) {
  return trim(L, "string-trim-right", argc, argv, false, true);
}

/* ========================================================================
** Searching and replacing
** ======================================================================== */

/* (string-replace s old new): every non-overlapping occurrence, left to
** right; an empty old is an error (it would match everywhere). The search
** and the copies are charged as they go. */
static lx_Value bi_string_replace(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-replace", argv[0]);
  lx_String *old = lx_check_string(L, "string-replace", argv[1]);
  lx_String *rep = lx_check_string(L, "string-replace", argv[2]);
  if (old->len == 0) lx_error(L, "string-replace: search string is empty");
  lx_Buf b;
  lx_buf_init(L, &b);
  size_t start = 0;
  ptrdiff_t hit;
  while ((hit = find_bytes(L, s, start, old)) >= 0) {
    work_bytes(L, (size_t)hit - start + rep->len); /* the copies */
    buf_add(&b, s->data + start, (size_t)hit - start);
    buf_add(&b, rep->data, rep->len);
    start = (size_t)hit + old->len;
  }
  work_bytes(L, s->len - start);
  buf_add(&b, s->data + start, s->len - start);
  return lx_buf_finish(&b);
}

static lx_Value bi_string_contains(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-contains?", argv[0]);
  lx_String *sub = lx_check_string(L, "string-contains?", argv[1]);
  return lx_bool(find_bytes(L, s, 0, sub) >= 0);
}

static lx_Value bi_string_prefix(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-prefix?", argv[0]);
  lx_String *p = lx_check_string(L, "string-prefix?", argv[1]);
  charge_bytes(L, p->len);
  return lx_bool(p->len <= s->len && memcmp(s->data, p->data, p->len) == 0);
}

static lx_Value bi_string_suffix(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-suffix?", argv[0]);
  lx_String *p = lx_check_string(L, "string-suffix?", argv[1]);
  charge_bytes(L, p->len);
  return lx_bool(p->len <= s->len && memcmp(s->data + s->len - p->len, p->data, p->len) == 0);
}

static lx_Value bi_string_index(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-index", argv[0]);
  lx_String *sub = lx_check_string(L, "string-index", argv[1]);
  ptrdiff_t hit = find_bytes(L, s, 0, sub);
  if (hit < 0) return lx_nil();
  charge_bytes(L, (size_t)hit); /* counting the code points before it */
  return lx_int((int64_t)u8_count(s->data, (size_t)hit));
}

/* ========================================================================
** Building strings
** ======================================================================== */

/* Sizes first, then one allocation filled in place. */
static lx_Value bi_string_append(lx_State *L, int argc, lx_Value *argv) {
  size_t total = 0;
  for (int k = 0; k < argc; k++) {
    lx_String *s = lx_check_string(L, "string-append", argv[k]);
    if (s->len > UINT32_MAX - total) lx_limit_error(L, "memory");
    total += s->len;
  }
  charge_bytes(L, total);
  lx_String *out = lx_string_uninit(L, total);
  size_t at = 0;
  for (int k = 0; k < argc; k++) {
    memcpy(out->data + at, lx_as_string(argv[k])->data, lx_as_string(argv[k])->len);
    at += lx_as_string(argv[k])->len;
  }
  lx_string_seal(out);
  return lx_obj(out);
}

/* The result is allocated once and filled by doubling the filled prefix,
** LX_COPY_CHUNK bytes at a time with fuel charged per chunk, so the work is
** proportional to the result and polled; an empty result costs nothing
** however large n is. */
static lx_Value bi_string_repeat(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-repeat", argv[0]);
  int64_t n = lx_check_int(L, "string-repeat", argv[1]);
  if (n < 0) lx_error(L, "string-repeat: count must be >= 0, got %lld", (long long)n);
  if (s->len == 0 || n == 0) return lx_cstring(L, "");
  if ((uint64_t)n > (UINT32_MAX / s->len))
    lx_error(L, "string-repeat: result too long (%zu x %lld bytes)", s->len, (long long)n);
  size_t total = s->len * (size_t)n;
  lx_charge(L, lx_bytes_cost(s->len));
  lx_String *out = lx_string_uninit(L, total);
  memcpy(out->data, s->data, s->len);
  for (size_t done = s->len; done < total;) {
    size_t k = total - done < done ? total - done : done;
    if (k > LX_COPY_CHUNK) k = LX_COPY_CHUNK;
    lx_charge(L, lx_bytes_cost(k));
    memcpy(out->data + done, out->data, k);
    done += k;
  }
  out->data[total] = '\0';
  lx_string_seal(out);
  return lx_obj(out);
}

/* (string-reverse s): code points in reverse order (combining marks end up
** before their base); charged as it goes. */
static lx_Value bi_string_reverse(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-reverse", argv[0]);
  lx_Buf b;
  lx_buf_init(L, &b);
  for (size_t i = s->len; i > 0;) {
    size_t end = i;
    u8_prev(s->data, &i);
    buf_add(&b, s->data + i, end - i);
    work_bytes(L, 2 * (end - i));
  }
  return lx_buf_finish(&b);
}

/* Pad s to width code points with fill on the left or right. */
static lx_Value pad(lx_State *L, const char *fn, int argc, lx_Value *argv, bool left) {
  lx_String *s = lx_check_string(L, fn, argv[0]);
  int64_t width = lx_check_int(L, fn, argv[1]);
  int32_t fill = argc > 2 ? check_char(L, fn, argv[2]) : ' ';
  if (width > (int64_t)UINT32_MAX) lx_error(L, "%s: width %lld too large", fn, (long long)width);
  if (width <= (int64_t)s->nchars) return argv[0];
  size_t n = (size_t)width - s->nchars;
  charge_bytes(L, s->len);
  lx_Buf b;
  lx_buf_init(L, &b);
  if (!left) buf_add(&b, s->data, s->len);
  for (size_t k = 0; k < n; k++) {
    buf_add_cp(&b, fill);
    work_bytes(L, 4);
  }
  if (left) buf_add(&b, s->data, s->len);
  return lx_buf_finish(&b);
}

static lx_Value bi_string_pad_left(lx_State *L, int argc, lx_Value *argv) {
  return pad(L, "string-pad-left", argc, argv, true);
}

static lx_Value bi_string_pad_right(lx_State *L, int argc, lx_Value *argv) {
  return pad(L, "string-pad-right", argc, argv, false);
}

/* ========================================================================
** Comparison (code-point order, which is UTF-8 byte order)
** ======================================================================== */

/* memcmp-style comparison of two strings. */
static int str_cmp(const lx_String *a, const lx_String *b) {
  size_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(a->data, b->data, n);
  if (c != 0) return c < 0 ? -1 : 1;
  return a->len < b->len ? -1 : a->len > b->len ? 1 : 0;
}

/* Chain comparison: every adjacent pair must satisfy ok(cmp). */
static lx_Value compare_chain(lx_State *L, const char *fn, int argc, lx_Value *argv, int want_lo,
                              int want_hi) {
  lx_String *prev = lx_check_string(L, fn, argv[0]);
  bool ok = true;
  for (int k = 1; k < argc; k++) {
    lx_String *cur = lx_check_string(L, fn, argv[k]);
    charge_bytes(L, cur->len);
    int c = str_cmp(prev, cur);
    if (c < want_lo || c > want_hi) ok = false;
    prev = cur;
  }
  return lx_bool(ok);
}

static lx_Value bi_string_eq(lx_State *L, int argc, lx_Value *argv) {
  return compare_chain(L, "string=?", argc, argv, 0, 0);
}

static lx_Value bi_string_lt(lx_State *L, int argc, lx_Value *argv) {
  return compare_chain(L, "string<?", argc, argv, -1, -1);
}

static lx_Value bi_string_gt(lx_State *L, int argc, lx_Value *argv) {
  return compare_chain(L, "string>?", argc, argv, 1, 1);
}

static lx_Value bi_string_le(lx_State *L, int argc, lx_Value *argv) {
  return compare_chain(L, "string<=?", argc, argv, -1, 0);
}

static lx_Value bi_string_ge(lx_State *L, int argc, lx_Value *argv) {
  return compare_chain(L, "string>=?", argc, argv, 0, 1);
}

/* ========================================================================
** Numbers <-> strings
** ======================================================================== */

/* Value of digit c in bases up to 36, or 99. */
static int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

/* Parse [sign]digits in radix; false on bad syntax or int64 overflow. */
static bool parse_int(const char *p, size_t len, int radix, int64_t *out) {
  bool neg = false;
  size_t i = 0;
  if (i < len && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
  if (i == len) return false;
  uint64_t acc = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; i < len; i++) {
    int d = digit_value(p[i]);
    if (d >= radix) return false;
    if (acc > (lim - (uint64_t)d) / (uint64_t)radix) return false;
    acc = acc * (uint64_t)radix + (uint64_t)d;
  }
  *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
  return true;
}

/* Is p a decimal float: [sign] (digits [. digits*] | . digits) [e [sign] digits]? */
static bool float_syntax(const char *p, size_t len) {
  size_t i = 0, mant = 0;
  if (i < len && (p[i] == '+' || p[i] == '-')) i++;
  while (i < len && p[i] >= '0' && p[i] <= '9') {
    i++;
    mant++;
  }
  if (i < len && p[i] == '.')
    for (i++; i < len && p[i] >= '0' && p[i] <= '9'; i++) mant++;
  if (mant == 0) return false;
  if (i < len && (p[i] == 'e' || p[i] == 'E')) {
    i++;
    if (i < len && (p[i] == '+' || p[i] == '-')) i++;
    size_t ex = i;
    while (i < len && p[i] >= '0' && p[i] <= '9') i++;
    if (i == ex) return false;
  }
  return i == len;
}

/* Parse a LisPy number literal; nil when it is not one. */
static lx_Value parse_number(const lx_String *s) {
  const char *p = s->data;
  size_t len = s->len;
  int64_t iv;
  size_t sign = (len > 0 && (p[0] == '+' || p[0] == '-')) ? 1 : 0;
  if (len > sign + 2 && p[sign] == '0' && (p[sign + 1] == 'x' || p[sign + 1] == 'X')) {
    if (p[sign + 2] == '+' || p[sign + 2] == '-') return lx_nil();
    if (!parse_int(p + sign + 2, len - sign - 2, 16, &iv)) return lx_nil();
    if (sign && p[0] == '-') return iv == INT64_MIN ? lx_nil() : lx_int(-iv);
    return lx_int(iv);
  }
  if (parse_int(p, len, 10, &iv)) return lx_int(iv);
  if (!float_syntax(p, len) || strpbrk(p, ".eE") == NULL) return lx_nil();
  errno = 0;
  double d = strtod(p, NULL);
  if (!isfinite(d)) return lx_nil();
  return lx_float(d);
}

/* A radix argument in 2..36. */
static int check_radix(lx_State *L, const char *fn, lx_Value v) {
  int64_t r = lx_check_int(L, fn, v);
  if (r < 2 || r > 36)
    lx_error(L, "%s: radix must be between 2 and 36, got %lld", fn, (long long)r);
  return (int)r;
}

/* (string->number s [radix]): with a radix, integer digits in it first;
** radix 10 (or none) also accepts every literal parse_number does (0x,
** floats). nil when s is not a number; charged for the bytes of s. */
static lx_Value bi_string_to_number(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string->number", argv[0]);
  charge_bytes(L, s->len);
  if (argc > 1 && !lx_is(argv[1], LX_NIL)) {
    int radix = check_radix(L, "string->number", argv[1]);
    int64_t iv;
    if (parse_int(s->data, s->len, radix, &iv)) return lx_int(iv);
    if (radix != 10) return lx_nil();
  }
  return parse_number(s);
}

/* Integer i in radix (2..36), lowercase digits. */
static lx_Value int_to_string(lx_State *L, int64_t i, int radix) {
  char tmp[72];
  size_t n = sizeof tmp;
  uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
  do {
    tmp[--n] = "0123456789abcdefghijklmnopqrstuvwxyz"[u % (uint64_t)radix];
    u /= (uint64_t)radix;
  } while (u > 0);
  if (i < 0) tmp[--n] = '-';
  return lx_string(L, tmp + n, sizeof tmp - n);
}

/* (number->string n [radix]): integers in any radix 2..36, floats only in
** radix 10, printed as the printer prints them (lx_format_float). */
static lx_Value bi_number_to_string(lx_State *L, int argc, lx_Value *argv) {
  int radix = 10;
  if (argc > 1 && !lx_is(argv[1], LX_NIL)) radix = check_radix(L, "number->string", argv[1]);
  if (lx_is(argv[0], LX_INT)) return int_to_string(L, argv[0].as.i, radix);
  double f = lx_check_number(L, "number->string", argv[0]);
  if (radix != 10) lx_error(L, "number->string: radix %d needs an integer, got a float", radix);
  char tmp[64];
  lx_format_float(f, tmp, sizeof tmp);
  return lx_cstring(L, tmp);
}

/* ========================================================================
** Conversions between strings, symbols and keywords
** ======================================================================== */

static lx_Value bi_to_string(lx_State *L, int argc, lx_Value *argv) {
  if (lx_is(argv[0], LX_STRING)) return argv[0];
  return lx_repr(L, argv[0], false);
}

static lx_Value bi_symbol_to_string(lx_State *L, int argc, lx_Value *argv) {
  if (!lx_is(argv[0], LX_SYMBOL)) lx_type_error(L, "symbol->string", "a symbol", argv[0]);
  return lx_obj(lx_as_symbol(argv[0])->name);
}

static lx_Value bi_string_to_symbol(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string->symbol", argv[0]);
  if (s->len == 0) lx_error(L, "string->symbol: empty name");
  charge_bytes(L, s->len); /* interning hashes the name */
  return lx_symbol(L, s->data, s->len);
}

/* (keyword name): a keyword is returned as is; a string or symbol is
** interned without one leading colon, charged for the hashing. */
static lx_Value bi_keyword(lx_State *L, int argc, lx_Value *argv) {
  if (lx_is(argv[0], LX_KEYWORD)) return argv[0];
  lx_String *s = lx_check_strlike(L, "keyword", argv[0]);
  const char *p = s->data;
  size_t len = s->len;
  if (len > 0 && p[0] == ':') {
    p++;
    len--;
  }
  if (len == 0) lx_error(L, "keyword: empty name");
  charge_bytes(L, len); /* interning hashes the name */
  return lx_keyword(L, p, len);
}

static lx_Value bi_name(lx_State *L, int argc, lx_Value *argv) {
  return lx_obj(lx_check_strlike(L, "name", argv[0]));
}

/* ========================================================================
** Unicode normalization and display width
** ======================================================================== */

/* GC-owned scratch memory of n bytes (freed by the collector, so an error
** raised while it is in use leaks nothing). */
static void *scratch(lx_State *L, size_t n) {
  static const char zeros[256];
  lx_Buf b;
  lx_buf_init(L, &b);
  for (size_t done = 0; done < n; done += sizeof zeros) {
    size_t chunk = n - done < sizeof zeros ? n - done : sizeof zeros;
    buf_add(&b, zeros, chunk);
  }
  return (void *)lx_buf_data(&b);
}

/* utf8proc options for a normalization form name (NFC, NFD, NFKC, NFKD). */
static utf8proc_option_t norm_options(lx_State *L, lx_Value form) {
  lx_String *f = lx_check_strlike(L, "string-normalize", form);
  static const struct {
    const char *name;
    utf8proc_option_t opt;
  } forms[] = {{"nfc", UTF8PROC_COMPOSE},
               {"nfd", UTF8PROC_DECOMPOSE},
               {"nfkc", UTF8PROC_COMPOSE | UTF8PROC_COMPAT},
               {"nfkd", UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT}};
  for (size_t k = 0; k < sizeof forms / sizeof forms[0]; k++)
    if (strcasecmp(f->data, forms[k].name) == 0) return forms[k].opt | UTF8PROC_STABLE;
  lx_error(L, "string-normalize: unknown form \"%s\" (use NFC, NFD, NFKC or NFKD)", f->data);
}

/* May a normalization segment start at code point cp? Yes when what cp
** decomposes to begins with a starter that never composes with what comes
** before it (utf8proc marks the second elements of compositions with bit
** 15 of comb_index; Hangul vowel and trailing jamo compose
** algorithmically): nothing reorders across a starter, so normalizing the
** text on either side separately gives the same result. */
static bool norm_boundary(int32_t cp, utf8proc_option_t opt) {
  if (cp < 0x80) return true;
  utf8proc_int32_t d[32];
  int bound = 0;
  utf8proc_option_t dopt = (opt & UTF8PROC_COMPAT) | UTF8PROC_DECOMPOSE;
  utf8proc_ssize_t n = utf8proc_decompose_char(cp, d, 32, dopt, &bound);
  int32_t first = n >= 1 && n <= 32 ? d[0] : cp;
  if (first >= 0x1160 && first < 0x1200) return false;
  const utf8proc_property_t *p = utf8proc_get_property(first);
  return p->combining_class == 0 && (p->comb_index == UINT16_MAX || p->comb_index < 0x8000);
}

/* Normalize the segment s[0..len) onto b. Its decomposition (the second
** pass sorts each run of combining marks, quadratic in the run's length,
** which norm_split bounds) goes to GC-owned scratch memory. */
static void norm_segment(lx_State *L, lx_Buf *b, const char *s, size_t len, utf8proc_option_t opt) {
  const utf8proc_uint8_t *src = (const utf8proc_uint8_t *)s;
  utf8proc_ssize_t n = utf8proc_decompose(src, (utf8proc_ssize_t)len, NULL, 0, opt);
  if (n < 0) lx_error(L, "string-normalize: %s", utf8proc_errmsg(n));
  utf8proc_int32_t *buf = scratch(L, (size_t)n * 4 + 4);
  n = utf8proc_decompose(src, (utf8proc_ssize_t)len, buf, n, opt);
  if (n >= 0) n = utf8proc_reencode(buf, n, opt);
  if (n < 0) lx_error(L, "string-normalize: %s", utf8proc_errmsg(n));
  buf_add(b, (const char *)buf, (size_t)n);
}

/* The text is normalized segment by segment, cut before code points where
** norm_boundary allows (checked once a segment has LX_NORM_SEGMENT bytes,
** and before every ASCII character), with the fuel of each segment charged
** before it is done: a byte costs 4 parts and a run of k combining marks
** k * k parts (utf8proc orders a run by insertion). A run of more than
** LX_MAX_MARK_RUN marks, or a segment of LX_MAX_NORM_SEGMENT bytes with no
** place to cut, is an error: no text in use has either, and they are what
** made normalization take seconds outside the limits. */
static lx_Value bi_string_normalize(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-normalize", argv[0]);
  utf8proc_option_t opt = argc > 1 ? norm_options(L, argv[1]) : UTF8PROC_COMPOSE | UTF8PROC_STABLE;
  lx_Buf b;
  lx_buf_init(L, &b);
  size_t seg = 0, run = 0;
  int64_t cost = 0;
  for (size_t i = 0; i < s->len;) {
    size_t at = i;
    int32_t cp = u8_next(s->data, &i);
    if (at > seg && (cp < 0x80 || (at - seg >= LX_NORM_SEGMENT && norm_boundary(cp, opt)))) {
      lx_work(L, cost + 4 * (int64_t)(at - seg));
      norm_segment(L, &b, s->data + seg, at - seg, opt);
      seg = at;
      cost = 0;
    }
    if (cp >= 0x80 && utf8proc_get_property(cp)->combining_class != 0) {
      if (++run > LX_MAX_MARK_RUN)
        lx_error(L,
                 "string-normalize: more than %d combining marks in a row "
                 "(hint: Unicode's stream-safe text has at most 30)",
                 LX_MAX_MARK_RUN);
      cost += 2 * (int64_t)run; /* sums to run * run */
    } else {
      run = 0;
    }
    if (i - seg > LX_MAX_NORM_SEGMENT)
      lx_error(L,
               "string-normalize: %d bytes with no normalization boundary "
               "(hint: this is not text in use; split it)",
               LX_MAX_NORM_SEGMENT);
  }
  lx_work(L, cost + 4 * (int64_t)(s->len - seg));
  if (s->len > seg) norm_segment(L, &b, s->data + seg, s->len - seg, opt);
  return lx_buf_finish(&b);
}

/* (string-width s): terminal columns by utf8proc_charwidth (controls and
** marks 0, wide 2); charged as it goes. */
static lx_Value bi_string_width(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "string-width", argv[0]);
  int64_t w = 0;
  for (size_t i = 0; i < s->len;) {
    size_t at = i;
    int cw = utf8proc_charwidth(u8_next(s->data, &i));
    if (cw > 0) w += cw;
    work_bytes(L, 2 * (i - at));
  }
  return lx_int(w);
}

/* ========================================================================
** format and str
** ======================================================================== */

/* Append the printed form of v and charge for its size. */
static void add_printed(lx_State *L, lx_Buf *b, lx_Value v, bool readable) {
  size_t before = b->len;
  if (lx_is(v, LX_STRING) && !readable) buf_add(b, lx_as_string(v)->data, lx_as_string(v)->len);
  else lx_print(L, b, v, readable);
  charge_bytes(L, b->len - before);
}

/* Handle one directive d (the char after '~', at code point pos). */
static void format_directive(lx_State *L, lx_Buf *b, char d, size_t pos, int argc, lx_Value *argv,
                             int *next) {
  char lower = (char)(d >= 'A' && d <= 'Z' ? d + 32 : d);
  if (lower == 'n' || lower == '%') {
    lx_buf_addc(b, '\n');
    return;
  }
  if (lower == '~') {
    lx_buf_addc(b, '~');
    return;
  }
  if (lower != 'a' && lower != 's' && lower != 'd') {
    if ((unsigned char)d >= 0x80 || d < ' ')
      lx_error(L, "format: unknown directive at position %zu", pos);
    lx_error(L, "format: unknown directive ~%c at position %zu", d, pos);
  }
  if (*next >= argc) lx_error(L, "format: no argument left for ~%c at position %zu", d, pos);
  lx_Value v = argv[(*next)++];
  if (lower == 'd' && !lx_isnumber(v))
    lx_error(L, "format: ~%c at position %zu expects a number, got %s", d, pos, lx_type_name(v));
  add_printed(L, b, v, lower == 's');
}

/* (format fmt arg ...): copies fmt, expanding each ~ directive
** (format_directive); positions in messages are code point indexes. Every
** argument must be used: extra ones are an error, as are missing ones. */
static lx_Value bi_format(lx_State *L, int argc, lx_Value *argv) {
  lx_String *f = lx_check_string(L, "format", argv[0]);
  lx_Buf b;
  lx_buf_init(L, &b);
  int next = 1;
  size_t pos = 0; /* code point index of f->data[i] */
  for (size_t i = 0; i < f->len; pos++) {
    size_t at = i;
    int32_t cp = u8_next(f->data, &i);
    work_bytes(L, i - at);
    if (cp != '~') {
      buf_add(&b, f->data + at, i - at);
      continue;
    }
    if (i >= f->len)
      lx_error(L, "format: incomplete directive ~ at position %zu (end of string)", pos);
    format_directive(L, &b, f->data[i], pos, argc, argv, &next);
    u8_next(f->data, &i);
    pos++;
  }
  if (next < argc)
    lx_error(L, "format: %d extra argument(s): the format string uses %d", argc - next, next - 1);
  return lx_buf_finish(&b);
}

static lx_Value bi_str(lx_State *L, int argc, lx_Value *argv) {
  lx_Buf b;
  lx_buf_init(L, &b);
  for (int k = 0; k < argc; k++)
    if (!lx_is(argv[k], LX_NIL)) add_printed(L, &b, argv[k], false);
  return lx_buf_finish(&b);
}

/* ========================================================================
** Registration
** ======================================================================== */

/* clang-format off */
static const lx_LibFn string_fns[] = {
  {"string-length", bi_string_length, 1, 1, "(s)",
   "Number of characters (Unicode code points) in s."},
  {"substring", bi_substring, 2, 3, "(s start [end])",
   "Characters of s from index start up to (not including) end; end defaults to the length."},
  {"string-ref", bi_string_ref, 2, 2, "(s i)",
   "The character at index i of s, as a one-character string."},
  {"char-at", bi_char_at, 2, 2, "(s i)",
   "The character at index i of s, as a one-character string."},
  {"string->list", bi_string_to_list, 1, 1, "(s)",
   "List of the characters of s, each a one-character string."},
  {"string-upcase", bi_string_upcase, 1, 1, "(s)",
   "s in upper case, with full Unicode mappings (\"straße\" -> \"STRASSE\")."},
  {"string-downcase", bi_string_downcase, 1, 1, "(s)",
   "s in lower case, with full Unicode mappings (final sigma included)."},
  {"string-titlecase", bi_string_titlecase, 1, 1, "(s)",
   "s with the first letter of each word title-cased and the rest lower-cased."},
  {"string-split", bi_string_split, 1, 2, "(s [sep])",
   "List of the parts of s between occurrences of sep; no sep splits on runs of white space, \"\" into characters."},
  {"string-join", bi_string_join, 1, 2, "(strings [sep])",
   "Concatenate a list or vector of strings, with sep between them."},
  {"string-trim", bi_string_trim, 1, 2, "(s [chars])",
   "s without leading and trailing white space (or characters of the string chars)."},
  {"string-trim-left", bi_string_trim_left, 1, 2, "(s [chars])",
   "s without leading white space (or characters of the string chars)."},
  {"string-trim-right", bi_string_trim_right, 1, 2, "(s [chars])",
   "s without trailing white space (or characters of the string chars)."},
  {"string-replace", bi_string_replace, 3, 3, "(s old new)",
   "s with every occurrence of the string old replaced by new."},
  {"string-contains?", bi_string_contains, 2, 2, "(s sub)",
   "True if sub occurs in s."},
  {"string-prefix?", bi_string_prefix, 2, 2, "(s prefix)",
   "True if s starts with prefix."},
  {"string-suffix?", bi_string_suffix, 2, 2, "(s suffix)",
   "True if s ends with suffix."},
  {"string-index", bi_string_index, 2, 2, "(s sub)",
   "Character index of the first occurrence of sub in s, or nil."},
  {"string-append", bi_string_append, 0, -1, "(s ...)",
   "Concatenate strings."},
  {"string-repeat", bi_string_repeat, 2, 2, "(s n)",
   "s repeated n times."},
  {"string-reverse", bi_string_reverse, 1, 1, "(s)",
   "The characters (code points) of s in reverse order."},
  {"string-pad-left", bi_string_pad_left, 2, 3, "(s width [char])",
   "s padded on the left with char (default space) to width characters."},
  {"string-pad-right", bi_string_pad_right, 2, 3, "(s width [char])",
   "s padded on the right with char (default space) to width characters."},
  {"string=?", bi_string_eq, 1, -1, "(s1 s2 ...)",
   "True if all strings are equal."},
  {"string<?", bi_string_lt, 1, -1, "(s1 s2 ...)",
   "True if the strings are strictly increasing (code point order)."},
  {"string>?", bi_string_gt, 1, -1, "(s1 s2 ...)",
   "True if the strings are strictly decreasing (code point order)."},
  {"string<=?", bi_string_le, 1, -1, "(s1 s2 ...)",
   "True if the strings are non-decreasing (code point order)."},
  {"string>=?", bi_string_ge, 1, -1, "(s1 s2 ...)",
   "True if the strings are non-increasing (code point order)."},
  {"string->number", bi_string_to_number, 1, 2, "(s [radix])",
   "The number written in s (42, -0.5, 1e3, 0x1F), or nil if s is not a number."},
  {"number->string", bi_number_to_string, 1, 2, "(n [radix])",
   "The text of number n; integers may use a radix from 2 to 36."},
  {"->string", bi_to_string, 1, 1, "(x)",
   "x as display text: strings unchanged, other values printed."},
  {"symbol->string", bi_symbol_to_string, 1, 1, "(sym)",
   "The name of a symbol."},
  {"string->symbol", bi_string_to_symbol, 1, 1, "(s)",
   "The symbol named s."},
  {"keyword", bi_keyword, 1, 1, "(name)",
   "The keyword named by a string or symbol (a leading colon is dropped)."},
  {"name", bi_name, 1, 1, "(x)",
   "The name of a keyword or symbol (without colon), or a string itself."},
  {"string-normalize", bi_string_normalize, 1, 2, "(s [form])",
   "s in Unicode normalization form \"NFC\" (default), \"NFD\", \"NFKC\" or \"NFKD\"."},
  {"string-width", bi_string_width, 1, 1, "(s)",
   "Columns s takes on a terminal (wide CJK and emoji count 2, combining marks 0)."},
  {"format", bi_format, 1, -1, "(fmt arg ...)",
   "Format: ~a display, ~s readable, ~d number, ~n or ~% newline, ~~ tilde."},
  {"str", bi_str, 0, -1, "(x ...)",
   "Concatenate the display text of all arguments (nil adds nothing)."},
};
/* clang-format on */

void lx_lib_string_open(lx_State *L) {
  lx_register_fns(L, string_fns, sizeof string_fns / sizeof string_fns[0]);
}
