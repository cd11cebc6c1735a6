/*
** test_reader.c -- white-box tests of the reader (lx_reader_init /
** lx_reader_next) and of lispy_read: the three source styles of the
** design, source positions, comments, strings and escapes, invalid UTF-8,
** number bounds, keywords, quote forms, incomplete input versus syntax
** errors, brackets and map literals.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lispy.h"
#include "lx_lib.h"
#include "check.h"

/* ==== Helpers ================================================================ */

static lispy_State *L;

/* Each test runs inside one protected region: everything it reads stays
** alive (a GC root) until the region ends. */
static lx_Obj *region;
static void region_begin(void) { region = lx_protect_begin(L); }
static void region_end(void) { lx_protect_end(L, region); }

/* Read every datum of src into a vector; *status gets the final status
** (LX_READ_EOF when everything read). The reader is left in *R. */
static lx_Vector *read_all(lx_Reader *R, const char *src, size_t len, lx_ReadStatus *status) {
  lx_reader_init(R, L, src, len, "t.lispy");
  lx_Vector *v = lx_vector_new(L, 4);
  lx_Value x;
  lx_ReadStatus st;
  while ((st = lx_reader_next(R, &x)) == LX_READ_OK) lx_vector_push(L, v, x);
  *status = st;
  return v;
}

/* The single datum of src (which must read cleanly). */
static lx_Value read1(const char *src) {
  lx_Reader R;
  lx_ReadStatus st;
  lx_Vector *v = read_all(&R, src, strlen(src), &st);
  if (st != LX_READ_EOF || v->len != 1) {
    fprintf(stderr, "read1(%s): status %d, %zu datums\n", src, (int)st, v->len);
    if (st == LX_READ_ERROR || st == LX_READ_INCOMPLETE)
      fprintf(stderr, "  %s\n", lispy_error_message(R.error));
    failed++;
    return lx_nil();
  }
  return v->items[0];
}

/* src reads to one datum printing (readably) as want. */
static void check_read(const char *src, const char *want) {
  lx_Value v = read1(src);
  lx_Value s = lx_repr(L, v, true);
  CHECK_STR(lx_as_string(s)->data, want);
}

/* src must fail with the given status; the error is kind "syntax" (or
** "limit" for nesting), has a position, and its message contains needle. */
static void check_read_error(const char *src, size_t len, lx_ReadStatus want, const char *needle,
                             uint32_t line, uint32_t col) {
  lx_Reader R;
  lx_ReadStatus st;
  read_all(&R, src, len, &st);
  if (st != want) {
    fprintf(stderr, "reading [%.60s]: status %d, want %d\n", src, (int)st, (int)want);
    failed++;
    return;
  }
  const char *msg = lispy_error_message(R.error);
  if (strstr(msg, needle) == NULL) {
    fprintf(stderr, "reading [%.60s]: message [%s] lacks [%s]\n", src, msg, needle);
    failed++;
  } else {
    passed++;
  }
  CHECK_STR(lispy_error_kind(R.error), "syntax");
  if (line) CHECK_POS(lx_as_error(R.error)->pos, line, col);
}


/* ==== The three source styles of DESIGN.md ===================================== */

static const char SCHEME_STYLE[] =
    ";; Scheme style\n"
    "(define AGENT\n"
    "  (dict :name \"summarize_thread\"\n"
    "        :description \"Summarize a discussion thread in one paragraph.\"\n"
    "        :parameters (dict :type \"object\"\n"
    "                          :properties (dict :thread_id (dict :type \"string\")\n"
    "                                            :max_words (dict :type \"integer\" :default "
    "100))\n"
    "                          :required '(\"thread_id\"))))\n"
    "(define (run context thread_id max_words)\n"
    "  (let ((thread (context-fetch-thread context thread_id)))\n"
    "    (context-llm context (format \"Summarize in ~a words:~n~a\" max_words thread))))\n";

static const char CLOJURE_STYLE[] =
    ";; Clojure style\n"
    "(def AGENT {:name \"get_weather\" :description \"Return weather for a city\"\n"
    "            :parameters {:type \"object\" :properties {:city {:type \"string\"}}\n"
    "                         :required [\"city\"]}})\n"
    "(defn run [context city] {:temperature 72 :conditions \"sunny\"})\n";

static const char LEGACY_STYLE[] =
    ";; Legacy three-define style, seen in existing agent collections\n"
    "(define agent-name \"Post\")\n"
    "(define agent-description \"Create a post.\")\n"
    "(define agent-parameters (make-dict \"channel\" \"Channel slug\" \"title\" \"Post title\"))\n"
    "(define (agent-run context kwargs) (make-dict \"status\" \"ok\" \"channel\" (get kwargs "
    "\"channel\" \"\")))\n";

/* src reads to n datums whose heads are the given symbols. */
static void check_style(const char *src, size_t n, const char *const heads[]) {
  lx_Reader R;
  lx_ReadStatus st;
  lx_Vector *v = read_all(&R, src, strlen(src), &st);
  CHECK(st == LX_READ_EOF);
  CHECK_SIZE(v->len, n);
  for (size_t i = 0; i < v->len && i < n; i++) {
    lx_Value form = v->items[i];
    CHECK(lx_is(form, LX_PAIR) && lx_is(lx_car(form), LX_SYMBOL));
    if (lx_is(form, LX_PAIR) && lx_is(lx_car(form), LX_SYMBOL))
      CHECK_STR(lx_as_symbol(lx_car(form))->name->data, heads[i]);
  }
}

/* Evaluate src in env and compare the printed value of expr afterwards. */
static void check_loads(lispy_Env *env, const char *src, const char *expr, const char *want) {
  lispy_Value v;
  int rc = lispy_eval_string(L, env, src, strlen(src), "agent.lispy", &v);
  if (rc == LISPY_OK) rc = lispy_eval_string(L, env, expr, strlen(expr), "check", &v);
  if (rc != LISPY_OK) {
    char *text = lispy_error_text(L, lispy_last_error(L));
    fprintf(stderr, "loading a design snippet failed:\n%s\n", text);
    free(text);
    failed++;
    return;
  }
  int ref = lispy_ref(L, v); /* pinned while printing */
  char *got = lispy_repr(L, v, true);
  lispy_unref(L, ref);
  CHECK_STR(got, want);
  free(got);
}

static void test_design_styles(void) {
  region_begin();
  static const char *const scheme[] = {"define", "define"};
  static const char *const clojure[] = {"def", "defn"};
  static const char *const legacy[] = {"define", "define", "define", "define"};
  check_style(SCHEME_STYLE, 2, scheme);
  check_style(CLOJURE_STYLE, 2, clojure);
  check_style(LEGACY_STYLE, 4, legacy);

  /* The Clojure map reads as a dict with keyword keys and a vector inside. */
  lx_Reader R;
  lx_ReadStatus st;
  lx_Vector *v = read_all(&R, CLOJURE_STYLE, strlen(CLOJURE_STYLE), &st);
  if (v->len == 2) {
    lx_Value agent = lx_car(lx_cdr(lx_cdr(v->items[0])));
    CHECK(lx_is(agent, LX_DICT));
    lx_Value params;
    CHECK(lx_dict_getc(L, lx_as_dict(agent), "parameters", &params));
    lx_Value req;
    CHECK(lx_is(params, LX_DICT) && lx_dict_getc(L, lx_as_dict(params), "required", &req) &&
          lx_is(req, LX_VECTOR) && lx_as_vector(req)->len == 1);
  }
  region_end();

  /* And they all load and run (each in its own environment). */
  check_loads(lispy_env_new(L, "scheme"), SCHEME_STYLE,
              "(list (get AGENT :name) (get-in AGENT [:parameters :required]))",
              "(\"summarize_thread\" (\"thread_id\"))");
  check_loads(lispy_env_new(L, "clojure"), CLOJURE_STYLE, "(run nil \"Paris\")",
              "{:temperature 72 :conditions \"sunny\"}");
  check_loads(lispy_env_new(L, "legacy"), LEGACY_STYLE,
              "(get (agent-run nil (make-dict \"channel\" \"general\")) \"channel\")",
              "\"general\"");
}

/* ==== Positions ====================================================================== */

static void test_positions(void) {
  region_begin();
  const char *src = "; comment line\n"
                    "(alpha\n"
                    "  (beta gamma)\n"
                    "\t[x  y] {:k 1\n"
                    "          :j \"\xce\xbb\xce\xbb\"} zz)\n"
                    "  'q";
  lx_Reader R;
  lx_ReadStatus st;
  lx_Vector *v = read_all(&R, src, strlen(src), &st);
  CHECK(st == LX_READ_EOF && v->len == 2);
  if (v->len != 2) {
    region_end();
    return;
  }
  lx_Value form = v->items[0];
  CHECK_POS(lx_as_pair(form)->pos, 2, 2); /* alpha */
  lx_Value second = lx_cdr(form);
  CHECK_POS(lx_as_pair(second)->pos, 3, 3); /* (beta gamma) */
  lx_Value inner = lx_car(second);
  CHECK_POS(lx_as_pair(inner)->pos, 3, 4);         /* beta */
  CHECK_POS(lx_as_pair(lx_cdr(inner))->pos, 3, 9); /* gamma */
  lx_Value third = lx_cdr(second);
  CHECK_POS(lx_as_pair(third)->pos, 4, 2); /* [x  y]: tab is one column */
  lx_Vector *vec = lx_as_vector(lx_car(third));
  CHECK(vec->pos != NULL && vec->len == 2);
  if (vec->pos && vec->len == 2) {
    CHECK_POS(vec->pos[0], 4, 3); /* x */
    CHECK_POS(vec->pos[1], 4, 6); /* y */
  }
  lx_Value fourth = lx_cdr(third);
  CHECK_POS(lx_as_pair(fourth)->pos, 4, 9); /* {:k 1 ...} */
  lx_Dict *d = lx_as_dict(lx_car(fourth));
  CHECK(d->pos != NULL && d->count == 2);
  if (d->pos && d->count == 2) {
    CHECK_POS(d->pos[0], 4, 10); /* :k */
    CHECK_POS(d->pos[1], 4, 13); /* 1 */
    CHECK_POS(d->pos[2], 5, 11); /* :j */
    CHECK_POS(d->pos[3], 5, 14); /* "λλ" */
  }
  /* after two 2-byte code points, columns count characters, not bytes */
  lx_Value fifth = lx_cdr(fourth);
  CHECK(lx_is(fifth, LX_PAIR));
  if (lx_is(fifth, LX_PAIR)) CHECK_POS(lx_as_pair(fifth)->pos, 5, 20); /* zz */
  /* the datum position of the second top-level form, and the quote form */
  CHECK_POS(R.datum_pos, 6, 3);
  lx_Value q = v->items[1];
  CHECK_POS(lx_as_pair(q)->pos, 6, 3);         /* quote */
  CHECK_POS(lx_as_pair(lx_cdr(q))->pos, 6, 4); /* q */
  /* file id names the file */
  CHECK_STR(lx_file_name(L, lx_as_pair(form)->pos.file), "t.lispy");

  /* a UTF-8 symbol then a token: columns in code points */
  lx_Value u = read1("(\xce\xbb\xce\xbb x)");
  if (lx_is(u, LX_PAIR)) CHECK_POS(lx_as_pair(lx_cdr(u))->pos, 1, 5);
  region_end();
}

/* ==== Comments and separators ============================================================ */

static void test_comments(void) {
  region_begin();
  check_read("; a line comment\n42 ; trailing", "42");
  check_read("#| block |# 7", "7");
  check_read("#| outer #| inner |# still outer |# 8", "8");
  check_read("#|\nmulti\nline\n|# (a #| in a list |# b)", "(a b)");
  check_read("#;(ignored datum) 9", "9");
  check_read("(1 #;2 3)", "(1 3)");
  check_read("(1 #; (nested (datum)) 3)", "(1 3)");
  check_read("(1 #; #; 2 3 4)", "(1 4)");
  check_read("[1, 2, 3]", "[1 2 3]");
  check_read("{:a 1, :b 2}", "{:a 1 :b 2}");
  check_read("#!/usr/bin/env lispy\n(x)", "(x)");
  check_read("\xef\xbb\xbf(bom)", "(bom)");
  /* a block comment position: where the following datum starts */
  lx_Reader R;
  lx_ReadStatus st;
  read_all(&R, "#| a\nb |#\n  z", 13, &st);
  CHECK(st == LX_READ_EOF);
  CHECK_POS(R.datum_pos, 3, 3);
  region_end();
}

/* ==== Strings ============================================================================== */

static void test_strings(void) {
  region_begin();
  lx_Value s = read1("\"a\\nb\\tc\\rd\\\"e\\\\f\\0g\\u00e9h\\u{1F600}i\\u{41}\"");
  const char want[] = "a\nb\tc\rd\"e\\f\0g\xc3\xa9h\xf0\x9f\x98\x80i"
                      "A";
  CHECK(lx_is(s, LX_STRING));
  if (lx_is(s, LX_STRING)) {
    lx_String *str = lx_as_string(s);
    CHECK_SIZE(str->len, sizeof want - 1);
    CHECK(memcmp(str->data, want, sizeof want - 1) == 0);
    CHECK_SIZE(str->nchars, 18);
  }
  check_read("\"\"", "\"\"");
  check_read("\"multi\nline\"", "\"multi\\nline\"");
  check_read("\"caf\xc3\xa9\"", "\"caf\xc3\xa9\"");
  check_read_error("\"a\\qb\"", 6, LX_READ_ERROR, "unknown string escape", 1, 4);
  check_read_error("\"\\u{110000}\"", 12, LX_READ_ERROR, "code point", 0, 0);
  check_read_error("\"\\uD800\"", 8, LX_READ_ERROR, "code point", 0, 0);
  check_read_error("\"\\u12\"", 6, LX_READ_ERROR, "\\u", 0, 0);
  check_read_error("\"\\u{41\"", 7, LX_READ_ERROR, "missing }", 0, 0);
  region_end();
}

static void test_invalid_utf8(void) {
  region_begin();
  /* in a string on line 2: 'b' is column 4, the bad byte column 5 */
  check_read_error("(a\n  \"b\xff\")", 10, LX_READ_ERROR, "UTF-8", 2, 5);
  /* in a symbol, and a truncated sequence at the end of input */
  check_read_error("(abc\xc3(", 6, LX_READ_ERROR, "UTF-8", 1, 5);
  check_read_error("x \xe2\x82", 4, LX_READ_ERROR, "UTF-8", 1, 3);
  /* an overlong encoding of '/' and an encoded surrogate */
  check_read_error("\"\xc0\xaf\"", 4, LX_READ_ERROR, "UTF-8", 1, 2);
  check_read_error("\"\xed\xa0\x80\"", 5, LX_READ_ERROR, "UTF-8", 1, 2);
  /* in a comment too: the source must be valid UTF-8 throughout */
  check_read_error("; \xff\n1", 4, LX_READ_ERROR, "UTF-8", 1, 3);
  /* the rendered error text carries file:line:col */
  lx_Reader R;
  lx_ReadStatus st;
  read_all(&R, "(a\n  \"b\xff\")", 10, &st);
  char *text = lispy_error_text(L, R.error);
  CHECK(text != NULL && strncmp(text, "t.lispy:2:5: error: ", 20) == 0);
  free(text);
  region_end();
}

/* ==== Atoms: numbers, keywords, constants =================================================== */

static void test_numbers(void) {
  region_begin();
  lx_Value v = read1("9223372036854775807");
  CHECK(lx_is(v, LX_INT) && v.as.i == INT64_MAX);
  v = read1("-9223372036854775808");
  CHECK(lx_is(v, LX_INT) && v.as.i == INT64_MIN);
  check_read_error("9223372036854775808", 19, LX_READ_ERROR, "64 bits", 1, 20);
  check_read_error("(+ -9223372036854775809)", 24, LX_READ_ERROR, "64 bits", 0, 0);
  v = read1("1e3");
  CHECK(lx_is(v, LX_FLOAT) && v.as.f == 1000.0);
  v = read1("-0.5");
  CHECK(lx_is(v, LX_FLOAT) && v.as.f == -0.5);
  v = read1("2.5e-3");
  CHECK(lx_is(v, LX_FLOAT) && v.as.f == 2.5e-3);
  v = read1("+7");
  CHECK(lx_is(v, LX_INT) && v.as.i == 7);
  v = read1("0");
  CHECK(lx_is(v, LX_INT) && v.as.i == 0);
  v = read1("-12");
  CHECK(lx_is(v, LX_INT) && v.as.i == -12);
  check_read_error("1e400", 5, LX_READ_ERROR, "out of range", 0, 0);
  /* number-like symbols */
  check_read("(- + ... 1+ -x)", "(- + ... 1+ -x)");
  region_end();
}

static void test_keywords_and_constants(void) {
  region_begin();
  lx_Value k = read1(":name");
  CHECK(lx_is(k, LX_KEYWORD));
  if (lx_is(k, LX_KEYWORD)) CHECK_STR(lx_as_symbol(k)->name->data, "name");
  CHECK(lx_eq(k, read1(":name"))); /* interned */
  CHECK(!lx_eq(k, read1("name"))); /* distinct from the symbol */
  check_read("(:a :b-c :max_words)", "(:a :b-c :max_words)");
  lx_Value v = read1("#t");
  CHECK(lx_is(v, LX_BOOL) && v.as.b);
  v = read1("true");
  CHECK(lx_is(v, LX_BOOL) && v.as.b);
  v = read1("#true");
  CHECK(lx_is(v, LX_BOOL) && v.as.b);
  v = read1("#f");
  CHECK(lx_is(v, LX_BOOL) && !v.as.b);
  v = read1("false");
  CHECK(lx_is(v, LX_BOOL) && !v.as.b);
  v = read1("nil");
  CHECK(lx_is(v, LX_NIL));
  v = read1("()");
  CHECK(lx_is(v, LX_EMPTY));
  check_read_error("#x", 2, LX_READ_ERROR, "unknown # syntax", 1, 3);
  region_end();
}

/* ==== Quote forms and dotted pairs ============================================================ */

static void test_quotes(void) {
  region_begin();
  /* the printer abbreviates (quote x) back to 'x */
  lx_Value q = read1("'x");
  CHECK(lx_is(q, LX_PAIR) && lx_eq(lx_car(q), L->sym_quote) && lx_list_length(q) == 2 &&
        lx_is(lx_car(lx_cdr(q)), LX_SYMBOL));
  q = read1("`(a ,b ~@c)");
  CHECK(lx_is(q, LX_PAIR) && lx_eq(lx_car(q), L->sym_quasiquote));
  if (lx_is(q, LX_PAIR) && lx_list_length(q) == 2) {
    lx_Value body = lx_car(lx_cdr(q));
    CHECK_INT(lx_list_length(body), 3);
    if (lx_list_length(body) == 3) {
      lx_Value b = lx_car(lx_cdr(body)), c = lx_car(lx_cdr(lx_cdr(body)));
      CHECK(lx_is(b, LX_PAIR) && lx_eq(lx_car(b), L->sym_unquote));
      CHECK(lx_is(c, LX_PAIR) && lx_eq(lx_car(c), L->sym_unquote_splicing));
    }
  }
  check_read("'x", "'x");
  check_read("'(1 2)", "'(1 2)");
  check_read("`(a ,b ,@c)", "`(a ,b ,@c)");
  check_read("`(a ~b ~@c)", "`(a ,b ,@c)");
  check_read("''x", "''x");
  check_read("' x", "'x");
  check_read("(quote x)", "'x");
  check_read("(a . b)", "(a . b)");
  check_read("(a b . (c))", "(a b c)");
  check_read_error("( . a)", 6, LX_READ_ERROR, "'.'", 0, 0);
  check_read_error("(a . b c)", 9, LX_READ_ERROR, "after the datum", 0, 0);
  region_end();
}

/* ==== Incomplete input versus syntax errors ===================================================== */

/* lispy_read of src gives want (LISPY_INCOMPLETE or LISPY_ERROR). */
static void check_lispy_read(const char *src, int want) {
  size_t pos = 0;
  lispy_Value v;
  int rc = lispy_read(L, src, strlen(src), &pos, "repl", &v);
  if (rc == want) {
    passed++;
  } else {
    fprintf(stderr, "lispy_read(%s): %d, want %d\n", src, rc, want);
    failed++;
  }
}

static void test_incomplete(void) {
  region_begin();
  check_lispy_read("(define (f x)", LISPY_INCOMPLETE);
  check_lispy_read("(a (b c)", LISPY_INCOMPLETE);
  check_lispy_read("[1 2", LISPY_INCOMPLETE);
  check_lispy_read("{:a 1", LISPY_INCOMPLETE);
  check_lispy_read("\"open string", LISPY_INCOMPLETE);
  check_lispy_read("\"ends in escape\\", LISPY_INCOMPLETE);
  check_lispy_read("#| open block comment", LISPY_INCOMPLETE);
  check_lispy_read("#| #| nested |# still open", LISPY_INCOMPLETE);
  check_lispy_read("'", LISPY_INCOMPLETE);
  check_lispy_read("(a . ", LISPY_INCOMPLETE);
  check_lispy_read("(f #;", LISPY_INCOMPLETE);
  check_lispy_read(")", LISPY_ERROR);
  check_lispy_read("(a ]", LISPY_ERROR);
  check_lispy_read("[1 }", LISPY_ERROR);
  check_lispy_read("{:a 1 :a 2}", LISPY_ERROR);
  check_lispy_read("{:a}", LISPY_ERROR);
  check_lispy_read("\"bad \\q escape", LISPY_ERROR);
  /* an error in a form that is also unfinished is still an error */
  check_lispy_read("(a ] (b", LISPY_ERROR);

  /* the incomplete error points at the opening bracket */
  check_read_error("(a\n  (b", 7, LX_READ_INCOMPLETE, "unclosed '('", 2, 3);
  check_read_error("  \"abc", 6, LX_READ_INCOMPLETE, "unterminated string", 1, 3);
  check_read_error("x #| y", 6, LX_READ_INCOMPLETE, "block comment", 1, 3);
  region_end();
}

static void test_brackets_and_maps(void) {
  region_begin();
  check_read_error("(a ]", 4, LX_READ_ERROR, "unexpected ']'", 1, 4);
  check_read_error("[a )", 4, LX_READ_ERROR, "mismatched", 1, 4);
  check_read_error("{:a 1 )", 7, LX_READ_ERROR, "mismatched", 1, 7);
  check_read_error("\n  )", 4, LX_READ_ERROR, "unexpected ')'", 2, 3);
  check_read_error("{:a 1 :a 2}", 11, LX_READ_ERROR, "duplicate key", 1, 7);
  /* keywords and strings name the same key */
  check_read_error("{:a 1 \"a\" 2}", 12, LX_READ_ERROR, "duplicate key", 1, 7);
  check_read_error("{:a 1 :b}", 9, LX_READ_ERROR, "no value", 1, 7);
  check_read("{}", "{}");
  check_read("[]", "[]");
  check_read("{:a [1 {:b ()}]}", "{:a [1 {:b ()}]}");
  check_read("{1 2 \"s\" nil}", "{1 2 \"s\" nil}");
  region_end();
}

/* ==== Nesting ================================================================================= */

/* n open brackets then n closes, malloc'd. */
static char *nested(size_t n, char open, char close) {
  char *s = malloc(2 * n + 1);
  if (s == NULL) abort();
  memset(s, open, n);
  memset(s + n, close, n);
  s[2 * n] = '\0';
  return s;
}

static void test_nesting(void) {
  region_begin();
  char *ok = nested(500, '[', ']');
  lx_Value v = read1(ok);
  CHECK(lx_is(v, LX_VECTOR));
  free(ok);
  size_t sizes[] = {5000, 1000000};
  for (size_t i = 0; i < 2; i++) {
    char *deep = nested(sizes[i], '(', ')');
    size_t pos = 0;
    lispy_Value out;
    CHECK(lispy_read(L, deep, 2 * sizes[i], &pos, "deep", &out) == LISPY_ERROR);
    CHECK_STR(lispy_error_kind(lispy_last_error(L)), "limit");
    free(deep);
  }
  /* an unclosed deep form is also stopped by the guard, not the C stack */
  char *open_only = nested(1000000, '{', '}');
  open_only[1000000] = '\0';
  size_t pos = 0;
  lispy_Value out;
  CHECK(lispy_read(L, open_only, 1000000, &pos, "deep", &out) == LISPY_ERROR);
  free(open_only);
  region_end();
}

/* n copies of unit followed by tail (malloc'd). */
static char *repeated(const char *unit, size_t n, const char *tail) {
  size_t u = strlen(unit), t = strlen(tail);
  char *s = malloc(u * n + t + 1);
  for (size_t i = 0; i < n; i++) memcpy(s + i * u, unit, u);
  memcpy(s + u * n, tail, t + 1);
  return s;
}

/* Issue 9, class 3: runs of datum comments and quote marks cost no C
** stack (300,000 "#; " before a datum overflowed it). */
static void test_long_prefix_runs(void) {
  region_begin();
  enum { N = 300000 };
  /* the #; run swallows the one datum and then wants N - 1 more */
  char *s = repeated("#; ", N, "1");
  check_read_error(s, strlen(s), LX_READ_INCOMPLETE, "datum comment #; needs a datum", 1, 1);
  free(s);
  /* N comments skip N datums; the next one is read */
  char *datums = repeated("x ", N, "(kept)");
  s = repeated("#; ", N, datums);
  free(datums);
  check_read(s, "(kept)");
  free(s);
  /* nested datum comments inside a skipped datum */
  check_read("(#; (a #; b c) d)", "(d)");
  /* quote marks and #; followed by open brackets nest: the depth guard,
  ** reported where the nesting got too deep */
  static const char *const units[] = {"'", "`", ",@", "~", "~@", "#; (", "[", "{"};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    s = repeated(units[i], N, "x");
    lx_Reader R;
    lx_ReadStatus st;
    read_all(&R, s, strlen(s), &st);
    CHECK(st == LX_READ_ERROR);
    free(s);
    if (st != LX_READ_ERROR) continue;
    CHECK_STR(lispy_error_kind(R.error), "limit");
    CHECK(strstr(lispy_error_message(R.error), "nested too deeply") != NULL);
    CHECK(lx_as_error(R.error)->pos.line == 1 && lx_as_error(R.error)->pos.col > 1);
  }
  region_end();
}

/* A NUL byte in the source (a binary file, or a length past the text) is
** a syntax error, not a crash. */
static void test_nul_byte(void) {
  region_begin();
  static const char *const cases[] = {"(a \0)", "\0", "abc\0def", "\"a\0b\""};
  static const size_t lens[] = {5, 1, 7, 5};
  for (size_t i = 0; i < 4; i++) {
    size_t pos = 0;
    lispy_Value out;
    int rc = lispy_read(L, cases[i], lens[i], &pos, "nul", &out);
    /* inside a string a raw NUL may be accepted; elsewhere it is an error */
    if (i < 3) CHECK(rc == LISPY_ERROR);
    else CHECK(rc == LISPY_ERROR || rc == LISPY_OK);
  }
  region_end();
}

/* ==== lispy_read: incremental reading ============================================================ */

static void test_lispy_read(void) {
  region_begin();
  const char *src = "(a 1)\n  [b]  ; done\n{:c 3}  ";
  size_t len = strlen(src), pos = 0;
  lispy_Value v;
  const char *want[] = {"(a 1)", "[b]", "{:c 3}"};
  for (int i = 0; i < 3; i++) {
    CHECK(lispy_read(L, src, len, &pos, "inc", &v) == LISPY_OK);
    char *s = lispy_repr(L, v, true);
    CHECK_STR(s, want[i]);
    free(s);
  }
  /* the second datum, read starting mid-buffer, knows its line and column */
  pos = 5;
  CHECK(lispy_read(L, src, len, &pos, "inc", &v) == LISPY_OK);
  CHECK(lx_is(v, LX_VECTOR) && lx_as_vector(v)->pos != NULL);
  if (lx_is(v, LX_VECTOR) && lx_as_vector(v)->pos) CHECK_POS(lx_as_vector(v)->pos[0], 2, 4);
  /* at the end: only white space and a comment remain */
  pos = 20;
  int rc = lispy_read(L, src, len, &pos, "inc", &v);
  CHECK_INT(rc, LISPY_OK);
  pos = strlen("(a 1)\n  [b]  ; done\n{:c 3}");
  rc = lispy_read(L, src, len, &pos, "inc", &v);
  CHECK_INT(rc, LISPY_EOF);
  CHECK_SIZE(pos, len);
  CHECK(lx_is(v, LX_NIL));

  /* a shell feeding lines: incomplete until the form closes */
  char buf[128] = "";
  const char *lines[] = {"(define (sq x)\n", "  (* x\n", "     x))\n"};
  int status[] = {LISPY_INCOMPLETE, LISPY_INCOMPLETE, LISPY_OK};
  for (int i = 0; i < 3; i++) {
    strcat(buf, lines[i]);
    pos = 0;
    rc = lispy_read(L, buf, strlen(buf), &pos, "shell", &v);
    CHECK_INT(rc, status[i]);
  }
  char *s = lispy_repr(L, v, true);
  CHECK_STR(s, "(define (sq x) (* x x))");
  free(s);
  region_end();
}

int main(void) {
  L = lispy_open();
  if (L == NULL) {
    fprintf(stderr, "lispy_open failed\n");
    return 1;
  }
  test_design_styles();
  test_positions();
  test_comments();
  test_strings();
  test_invalid_utf8();
  test_numbers();
  test_keywords_and_constants();
  test_quotes();
  test_incomplete();
  test_brackets_and_maps();
  test_nesting();
  run_isolated("long #; and quote runs", test_long_prefix_runs);
  test_lispy_read();
  run_isolated("NUL byte in source", test_nul_byte);
  lispy_close(L);
  printf("test_reader: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
