/*
** lx_lib_regex.c -- regular expressions (PCRE2, UTF + Unicode properties).
**
** Patterns are compiled on every call (no cache: the state has no slot for
** one and a process-wide cache would not be state safe). PCRE2 allocates
** with malloc, so its objects must be freed on every path: each builtin
** compiles into an Rx, runs its work under lx_pcall, frees the Rx and only
** then re-raises whatever error the work raised.
**
** Matching is bounded: the PCRE2 match limit is the smaller of
** LX_REGEX_MATCH_LIMIT and the remaining fuel, with a depth limit and a heap
** limit; hitting any of them raises a "fuel" limit error, so catastrophic
** backtracking ends quickly instead of hanging the host.
*/
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <string.h>

#include "lx_lib.h"

/* lx_buf_add that tolerates empty pieces (nothing to copy). */
static void buf_add(lx_Buf *b, const char *s, size_t len) {
  if (len > 0) lx_buf_add(b, s, len);
}

/* ========================================================================
** Compiled pattern + match state
** ======================================================================== */

typedef struct Rx {
  const char *fn;            /* builtin name, for messages */
  pcre2_code *code;          /* compiled pattern (malloc'd by PCRE2) */
  pcre2_match_data *md;      /* ovector (malloc'd by PCRE2) */
  pcre2_match_context *mctx; /* limits (malloc'd by PCRE2) */
  const lx_String *subject;  /* the string searched (rooted: an argument) */
  uint32_t ngroups;          /* capture groups, not counting group 0 */
  lx_Value arg;              /* extra argument of the operation */
  lx_Value result;           /* what the operation produced */
} Rx;

/* Free every PCRE2 object of rx (safe to call twice). */
static void rx_close(Rx *rx) {
  pcre2_match_data_free(rx->md);
  pcre2_match_context_free(rx->mctx);
  pcre2_code_free(rx->code);
  rx->md = NULL;
  rx->mctx = NULL;
  rx->code = NULL;
}

/* PCRE2's text for error code rc, into msg. */
static const char *rx_message(int rc, PCRE2_UCHAR msg[256]) {
  if (pcre2_get_error_message(rc, msg, 256) < 0) strcpy((char *)msg, "unknown error");
  return (const char *)msg;
}

/* Raise "FN: bad pattern at offset N: message" (N in code points). */
static _Noreturn void rx_compile_error(lx_State *L, const char *fn, const lx_String *pat, int err,
                                       PCRE2_SIZE off) {
  PCRE2_UCHAR msg[256];
  rx_message(err, msg);
  size_t cp = 0;
  for (size_t i = 0; i < off && i < pat->len; i++)
    if (((unsigned char)pat->data[i] & 0xC0) != 0x80) cp++;
  lx_error(L, "%s: bad pattern at offset %zu: %s", fn, cp, (const char *)msg);
}

/* Compile pattern for fn into rx; raises (with nothing left allocated) on a
** bad pattern or when PCRE2 runs out of memory. */
static void rx_open(lx_State *L, Rx *rx, const char *fn, lx_Value pattern, lx_Value subject) {
  lx_String *pat = lx_check_string(L, fn, pattern);
  memset(rx, 0, sizeof *rx);
  rx->fn = fn;
  rx->subject = lx_check_string(L, fn, subject);
  rx->result = lx_nil();
  rx->arg = lx_nil();
  lx_charge(L, 1 + (int64_t)(pat->len / LX_FUEL_PATTERN_BYTES));
  int err;
  PCRE2_SIZE off;
  rx->code = pcre2_compile((PCRE2_SPTR)pat->data, pat->len,
                           PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK | PCRE2_USE_OFFSET_LIMIT,
                           &err, &off, NULL);
  if (!rx->code) rx_compile_error(L, fn, pat, err, off);
  rx->md = pcre2_match_data_create_from_pattern(rx->code, NULL);
  rx->mctx = pcre2_match_context_create(NULL);
  if (!rx->md || !rx->mctx) {
    rx_close(rx);
    lx_limit_error(L, "memory");
  }
  pcre2_pattern_info(rx->code, PCRE2_INFO_CAPTURECOUNT, &rx->ngroups);
  pcre2_set_depth_limit(rx->mctx, LX_REGEX_DEPTH_LIMIT);
  pcre2_set_heap_limit(rx->mctx, LX_REGEX_HEAP_LIMIT_KIB);
}

/* Run body(L, rx) protected, free rx, then re-raise any error. */
static lx_Value rx_run(lx_State *L, Rx *rx, lx_ProtectedFn body) {
  lx_Value err;
  bool ok = lx_pcall(L, body, rx, &err);
  rx_close(rx);
  if (!ok) lx_throw(L, err);
  return rx->result;
}

/* Raise the error for a failed PCRE2 call (other than "no match"). */
static _Noreturn void rx_fail(lx_State *L, const Rx *rx, int rc) {
  if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT)
    lx_limit_error(L, "fuel");
  if (rc == PCRE2_ERROR_NOMEMORY) lx_limit_error(L, "memory");
  PCRE2_UCHAR msg[256];
  bool repl = rc == PCRE2_ERROR_NOSUBSTRING || rc == PCRE2_ERROR_UNSET ||
              rc == PCRE2_ERROR_BADREPLACEMENT || rc == PCRE2_ERROR_BADREPESCAPE ||
              rc == PCRE2_ERROR_REPMISSINGBRACE || rc == PCRE2_ERROR_BADSUBSTITUTION;
  lx_error(L, "%s: %s%s", rx->fn, repl ? "bad replacement string: " : "", rx_message(rc, msg));
}

/* The match-step limit of the next attempt: want, but never more than the
** fuel left pays for (LX_FUEL_ITEMS steps a fuel step) nor the ceiling. */
static uint32_t rx_limit(lx_State *L, uint64_t want) {
  int64_t fuel = L->budget.fuel;
  uint64_t lim = want < LX_REGEX_MATCH_LIMIT ? want : LX_REGEX_MATCH_LIMIT;
  if (fuel < (int64_t)(lim / LX_FUEL_ITEMS))
    lim = fuel < 1 ? LX_FUEL_ITEMS : (uint64_t)fuel * LX_FUEL_ITEMS;
  return (uint32_t)lim;
}

static size_t next_char(const lx_String *s, size_t off);
/* The last start position of the window beginning at off: PCRE2 resets
** its match-step count at every start position, so a search that fails
** everywhere below the limit would do positions x limit steps uncharged
** and unpolled. Windows of LX_REGEX_WINDOW_STEPS / limit positions bound
** one pcre2_match call's work; the deadline is polled between them. */
static size_t rx_window_end(const Rx *rx, size_t off, uint32_t lim) {
  size_t w = LX_REGEX_WINDOW_STEPS / (lim ? lim : 1);
  if (w < 1) w = 1;
  return off + w < rx->subject->len ? off + w : rx->subject->len;
}

/* Match at byte offset off; returns the PCRE2 result (> 0) or 0 when there
** is no match. Charges fuel for the bytes scanned and for the match steps
** (backtracking): PCRE2 does not report how many it took, so the match runs
** under a limit of LX_REGEX_FIRST_STEPS steps, then ten times more after
** each time the limit is hit; an attempt that hit its limit is charged in
** full, the last one for the limit before it (a lower bound of its steps).
** So the fuel charged is within a small factor of the work done, the work
** is at most 1.12 times what the last attempt needed, and the deadline is
** polled between attempts. An unanchored search runs window by window
** (rx_window_end). PCRE2 errors raise (rx_fail), as does a \K that moves
** the match start outside the match. */
static int rx_exec(lx_State *L, Rx *rx, size_t start, uint32_t opts) {
  uint64_t want = LX_REGEX_FIRST_STEPS, last = 0;
  size_t off = start;
  int rc;
  for (;;) {
    uint32_t lim = rx_limit(L, want);
    size_t end = rx_window_end(rx, off, lim);
    pcre2_set_match_limit(rx->mctx, lim);
    pcre2_set_offset_limit(rx->mctx, end);
    rc = pcre2_match(rx->code, (PCRE2_SPTR)rx->subject->data, rx->subject->len, off,
                     opts | PCRE2_NO_UTF_CHECK, rx->md, rx->mctx);
    if (rc == PCRE2_ERROR_NOMATCH && end < rx->subject->len && !(opts & PCRE2_ANCHORED)) {
      /* A window is up to LX_REGEX_WINDOW_STEPS steps of backtracking but
      ** charges only its bytes (PCRE2 does not say how many steps a failed
      ** search took), so the clock is read at every window, not after
      ** LX_CLOCK_POLL_UNITS of charges: a search failing everywhere stops
      ** within a window of its deadline. */
      lx_charge(L, lx_bytes_cost(end - off) + 1);
      lx_vm_poll(L);
      off = next_char(rx->subject, end); /* the next window; want stays */
      continue;
    }
    if (rc != PCRE2_ERROR_MATCHLIMIT || lim < want) break;
    lx_charge(L, (int64_t)(lim / LX_FUEL_ITEMS)); /* all spent */
    last = lim;
    want = (uint64_t)lim * 10;
  }
  if (last > 0) lx_charge(L, (int64_t)(last / LX_FUEL_ITEMS));
  if (rc == PCRE2_ERROR_NOMATCH) {
    lx_charge(L, lx_bytes_cost(rx->subject->len - off));
    return 0;
  }
  if (rc < 0) rx_fail(L, rx, rc);
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rx->md);
  if (ov[0] > ov[1] || ov[0] < start)
    lx_error(L, "%s: \\K moved the match start outside the match", rx->fn);
  lx_charge(L, lx_bytes_cost(ov[1] - off));
  return rc;
}

/* ========================================================================
** Building results
** ======================================================================== */

/* Group i of the last match (rc from rx_exec) as a string, or nil. */
static lx_Value rx_group(lx_State *L, Rx *rx, int rc, uint32_t i) {
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rx->md);
  if ((int)i >= rc || ov[2 * i] == PCRE2_UNSET) return lx_nil();
  return lx_string(L, rx->subject->data + ov[2 * i], ov[2 * i + 1] - ov[2 * i]);
}

/* The last match: the matched string when the pattern has no groups, else
** the list (whole group1 group2 ...) with nil for unset groups. */
static lx_Value rx_match_value(lx_State *L, Rx *rx, int rc) {
  if (rx->ngroups == 0) return rx_group(L, rx, rc, 0);
  lx_Value out = lx_empty();
  for (uint32_t i = rx->ngroups + 1; i-- > 0;) out = lx_cons(L, rx_group(L, rx, rc, i), out);
  return out;
}

/* Byte offset just past the code point at off. */
static size_t next_char(const lx_String *s, size_t off) {
  off++;
  while (off < s->len && ((unsigned char)s->data[off] & 0xC0) == 0x80) off++;
  return off;
}

/* Visitor for rx_each: called once per match (rc from rx_exec). */
typedef void (*RxVisit)(lx_State *L, Rx *rx, int rc, void *ud);

/* Call visit for every non-overlapping match, left to right. After an
** empty match the next attempt must be non-empty at the same place, or
** the search moves on by one character (as Perl does). */
static void rx_each(lx_State *L, Rx *rx, RxVisit visit, void *ud) {
  size_t off = 0;
  uint32_t opts = 0;
  for (;;) {
    lx_vm_poll(L);
    int rc = rx_exec(L, rx, off, opts);
    if (rc == 0) {
      if (opts == 0 || off >= rx->subject->len) break;
      off = next_char(rx->subject, off);
      opts = 0;
      continue;
    }
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rx->md);
    size_t start = ov[0], end = ov[1];
    visit(L, rx, rc, ud);
    off = end;
    opts = start == end ? PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED : 0;
  }
}

/* ========================================================================
** regex-match, regex-test?, regex-match-all
** ======================================================================== */

/* regex-match's work: the first match's value (rx_match_value), or nil. */
static void do_match(lx_State *L, void *ud) {
  Rx *rx = ud;
  int rc = rx_exec(L, rx, 0, 0);
  rx->result = rc ? rx_match_value(L, rx, rc) : lx_nil();
}

static lx_Value bi_regex_match(lx_State *L, int argc, lx_Value *argv) {
  Rx rx;
  rx_open(L, &rx, "regex-match", argv[0], argv[1]);
  return rx_run(L, &rx, do_match);
}

/* regex-test? and regex-matches?: whether there is a match anywhere. */
static void do_test(lx_State *L, void *ud) {
  Rx *rx = ud;
  rx->result = lx_bool(rx_exec(L, rx, 0, 0) != 0);
}

static lx_Value bi_regex_test(lx_State *L, int argc, lx_Value *argv) {
  Rx rx;
  rx_open(L, &rx, "regex-test?", argv[0], argv[1]);
  return rx_run(L, &rx, do_test);
}

static lx_Value bi_regex_matches(lx_State *L, int argc, lx_Value *argv) {
  Rx rx;
  rx_open(L, &rx, "regex-matches?", argv[0], argv[1]);
  return rx_run(L, &rx, do_test);
}

/* rx_each visitor: collect match values into a vector. */
static void visit_collect(lx_State *L, Rx *rx, int rc, void *ud) {
  lx_vector_push(L, (lx_Vector *)ud, rx_match_value(L, rx, rc));
}

/* regex-match-all's work: every match's value, in order, as a list. */
static void do_match_all(lx_State *L, void *ud) {
  Rx *rx = ud;
  lx_Vector *all = lx_vector_new(L, 8);
  rx_each(L, rx, visit_collect, all);
  rx->result = lx_list_from(L, all->items, all->len);
}

static lx_Value bi_regex_match_all(lx_State *L, int argc, lx_Value *argv) {
  Rx rx;
  rx_open(L, &rx, "regex-match-all", argv[0], argv[1]);
  return rx_run(L, &rx, do_match_all);
}

/* ========================================================================
** regex-split
** ======================================================================== */

/* State of a split or a function replacement in progress. */
typedef struct RxPieces {
  lx_Vector *parts; /* split: the pieces so far */
  lx_Buf *buf;      /* replace: the output so far */
  size_t last;      /* byte offset where the unconsumed text starts */
} RxPieces;

/* rx_each visitor: cut the subject at each non-empty match. */
static void visit_split(lx_State *L, Rx *rx, int rc, void *ud) {
  RxPieces *p = ud;
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rx->md);
  if (ov[0] == ov[1]) return;
  lx_vector_push(L, p->parts, lx_string(L, rx->subject->data + p->last, ov[0] - p->last));
  p->last = ov[1];
}

/* regex-split's work: the pieces between non-empty matches, the text
** after the last one included (empty matches do not cut). */
static void do_split(lx_State *L, void *ud) {
  Rx *rx = ud;
  RxPieces p = {lx_vector_new(L, 8), NULL, 0};
  rx_each(L, rx, visit_split, &p);
  lx_vector_push(L, p.parts, lx_string(L, rx->subject->data + p.last, rx->subject->len - p.last));
  rx->result = lx_list_from(L, p.parts->items, p.parts->len);
}

static lx_Value bi_regex_split(lx_State *L, int argc, lx_Value *argv) {
  Rx rx;
  rx_open(L, &rx, "regex-split", argv[0], argv[1]);
  return rx_run(L, &rx, do_split);
}

/* ========================================================================
** regex-replace
** ======================================================================== */

/* GC-owned scratch memory of n bytes (collected, so a raise leaks nothing). */
static char *rx_scratch(lx_State *L, size_t n) {
  static const char zeros[256];
  lx_Buf b;
  lx_buf_init(L, &b);
  for (size_t done = 0; done < n; done += sizeof zeros)
    buf_add(&b, zeros, n - done < sizeof zeros ? n - done : sizeof zeros);
  return (char *)lx_buf_data(&b);
}

/* rx_each visitor: append the text before the match and the template
** expanded for it ($0..$n, ${n}, ${name}, $$) by pcre2_substitute on the
** match just made (so each match is charged and polled by rx_each, where
** a global pcre2_substitute would run every match in one call). */
static void visit_replace_template(lx_State *L, Rx *rx, int rc, void *ud) {
  RxPieces *p = ud;
  const lx_String *rep = lx_as_string(rx->arg);
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rx->md);
  size_t start = ov[0], end = ov[1];
  buf_add(p->buf, rx->subject->data + p->last, start - p->last);
  uint32_t opts = PCRE2_SUBSTITUTE_MATCHED | PCRE2_SUBSTITUTE_REPLACEMENT_ONLY |
                  PCRE2_SUBSTITUTE_UNSET_EMPTY | PCRE2_SUBSTITUTE_OVERFLOW_LENGTH |
                  PCRE2_NO_UTF_CHECK;
  PCRE2_SIZE cap = rep->len + 64;
  for (int pass = 0; pass < 2; pass++) {
    char *out = rx_scratch(L, cap + 1);
    PCRE2_SIZE outlen = cap + 1;
    int r =
        pcre2_substitute(rx->code, (PCRE2_SPTR)rx->subject->data, rx->subject->len, 0, opts, rx->md,
                         rx->mctx, (PCRE2_SPTR)rep->data, rep->len, (PCRE2_UCHAR *)out, &outlen);
    if (r >= 0) {
      lx_charge(L, lx_bytes_cost(outlen));
      buf_add(p->buf, out, outlen);
      p->last = end;
      return;
    }
    if (r != PCRE2_ERROR_NOMEMORY) rx_fail(L, rx, r);
    cap = outlen;
  }
  (void)rc;
  lx_limit_error(L, "memory");
}

/* The subject with every match replaced by what visit appends for it,
** the text between matches copied as it is. */
static void rx_replace_each(lx_State *L, Rx *rx, RxVisit visit) {
  lx_Buf b;
  lx_buf_init(L, &b);
  RxPieces p = {NULL, &b, 0};
  rx_each(L, rx, visit, &p);
  buf_add(&b, rx->subject->data + p.last, rx->subject->len - p.last);
  rx->result = lx_buf_finish(&b);
}

/* Replace with a template string, match by match. */
static void do_replace_string(lx_State *L, void *ud) {
  rx_replace_each(L, ud, visit_replace_template);
}

/* rx_each visitor: append the text before the match and f(match). */
static void visit_replace_fn(lx_State *L, Rx *rx, int rc, void *ud) {
  RxPieces *p = ud;
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(rx->md);
  size_t start = ov[0], end = ov[1];
  buf_add(p->buf, rx->subject->data + p->last, start - p->last);
  lx_Value m = rx_match_value(L, rx, rc);
  lx_Value r = lx_vm_call(L, rx->arg, 1, &m);
  if (!lx_is(r, LX_STRING))
    lx_error(L, "regex-replace: replacement function must return a string, got %s",
             lx_type_name(r));
  buf_add(p->buf, lx_as_string(r)->data, lx_as_string(r)->len);
  p->last = end;
}

/* Replace each match by what a LisPy function returns for it. The function
** may itself raise: rx_run frees the PCRE2 objects before re-raising. */
static void do_replace_fn(lx_State *L, void *ud) { rx_replace_each(L, ud, visit_replace_fn); }

/* (regex-replace pattern s replacement): a template string goes through
** pcre2_substitute match by match, a function is called with each match's
** value and must return a string. The replacement's type is checked
** before the pattern is compiled, so nothing is left to free on that
** error. */
static lx_Value bi_regex_replace(lx_State *L, int argc, lx_Value *argv) {
  lx_Value rep = argv[2];
  if (!lx_is(rep, LX_STRING) && !lx_is(rep, LX_CLOSURE) && !lx_is(rep, LX_NATIVE))
    lx_type_error(L, "regex-replace", "a string or a function", rep);
  Rx rx;
  rx_open(L, &rx, "regex-replace", argv[0], argv[1]);
  rx.arg = rep;
  return rx_run(L, &rx, lx_is(rep, LX_STRING) ? do_replace_string : do_replace_fn);
}

/* ========================================================================
** regex-quote
** ======================================================================== */

/* (regex-quote s): s with every printable ASCII character that is not a
** letter, digit or '_' backslash-escaped and NUL written \x{0}, so the
** pattern matches s literally; other bytes (UTF-8, controls) are copied
** as they are. Charged for the length of s. */
static lx_Value bi_regex_quote(lx_State *L, int argc, lx_Value *argv) {
  lx_String *s = lx_check_string(L, "regex-quote", argv[0]);
  lx_charge(L, 1 + (int64_t)(s->len / LX_FUEL_SCAN_BYTES));
  lx_Buf b;
  lx_buf_init(L, &b);
  for (size_t i = 0; i < s->len; i++) {
    unsigned char c = (unsigned char)s->data[i];
    bool plain = c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
                 (c >= 'A' && c <= 'Z') || c == '_';
    if (!plain && c >= ' ' && c < 0x7F) lx_buf_addc(&b, '\\');
    if (c == 0) lx_buf_adds(&b, "\\x{0}");
    else lx_buf_addc(&b, (char)c);
  }
  return lx_buf_finish(&b);
}

/* ========================================================================
** Registration
** ======================================================================== */

/* clang-format off */
static const lx_LibFn regex_fns[] = {
  {"regex-match", bi_regex_match, 2, 2, "(pattern s)",
   "First match of pattern in s: nil, the matched string, or (whole group1 ...) if the pattern has groups."},
  {"regex-match-all", bi_regex_match_all, 2, 2, "(pattern s)",
   "List of all non-overlapping matches of pattern in s, each shaped as in regex-match."},
  {"regex-test?", bi_regex_test, 2, 2, "(pattern s)",
   "True if pattern matches somewhere in s."},
  {"regex-matches?", bi_regex_matches, 2, 2, "(pattern s)",
   "True if pattern matches somewhere in s (anchor with ^...$ for a full match)."},
  {"regex-replace", bi_regex_replace, 3, 3, "(pattern s replacement)",
   "Replace every match: replacement is a string using $0..$n, ${name}, $$, or a function of the match."},
  {"regex-split", bi_regex_split, 2, 2, "(pattern s)",
   "List of the parts of s between non-empty matches of pattern."},
  {"regex-quote", bi_regex_quote, 1, 1, "(s)",
   "A pattern that matches the string s literally."},
};
/* clang-format on */

void lx_lib_regex_open(lx_State *L) {
  lx_register_fns(L, regex_fns, sizeof regex_fns / sizeof regex_fns[0]);
}
