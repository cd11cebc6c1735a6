/*
** lx_printer.c -- printed forms of LisPy values: readable (write: strings
** quoted and escaped, so the reader can read them back) and display
** (strings raw), shortest round-tripping floats, and the pretty printer the
** shell uses for results.
**
** Printing recurses into list cars, vector items and dict entries under the
** C depth guard and walks list spines iteratively. Fuel is charged per
** element printed.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_lib.h"
#include "lx_pprint.h"

/* ========================================================================
** Printer state
** ======================================================================== */

typedef struct Printer {
  lx_State *L;      /* charged per item; the C depth guard */
  lx_Buf *b;        /* output */
  bool readable;    /* write (true) or display (false) */
  size_t limit;     /* stop once b->len passes this (pretty printer) */
  bool over;        /* the limit was passed: output is incomplete */
  size_t max_items; /* items shown per container, then "… N more"; 0: all */
  int max_depth;    /* containers nested deeper show as (…); 0: no cut */
  int depth;        /* containers open around the value being printed */
} Printer;

static void print_value(Printer *P, lx_Value v);

/* The shell's cut (lispy_pprint_cut): after max_items items of a
** container, " … N more" for the rest (counting a list's rest is charged
** like walking it). True when the container's items stop here. */
static bool cut_items(Printer *P, size_t shown, lx_Value rest_list, size_t rest_known) {
  if (P->max_items == 0 || shown < P->max_items) return false;
  size_t more = rest_known;
  for (; rest_list.tag == LX_PAIR; rest_list = lx_cdr(rest_list)) {
    more++;
    lx_tick(P->L);
  }
  if (more == 0) return false;
  lx_buf_addf(P->b, " \xe2\x80\xa6 %zu more", more);
  return true;
}

/* Past max_depth, a container prints as its brackets around "…". */
static bool cut_depth(Printer *P, lx_Value v) {
  if (P->max_depth == 0 || P->depth < P->max_depth) return false;
  lx_buf_adds(P->b, v.tag == LX_PAIR     ? "(\xe2\x80\xa6)"
                    : v.tag == LX_VECTOR ? "[\xe2\x80\xa6]"
                                         : "{\xe2\x80\xa6}");
  return true;
}

/* True (and marks the printer) once the output has grown past the limit;
** the pretty printer uses this to give up on a one-line layout early. */
static bool over_limit(Printer *P) {
  if (P->b->len > P->limit) P->over = true;
  return P->over;
}

/* ========================================================================
** Numbers
** ======================================================================== */

/* Shortest text that reads back as f, always with a decimal point or an
** exponent: the fewest significant digits that round-trip, written
** positionally when the decimal exponent is in [-4, 16) ("100.0",
** "0.0001") and in exponent form otherwise ("1e+16", "1.5e-07"), like
** Python's repr. Infinities and NaN use the reader's +inf.0 / -inf.0 /
** +nan.0 notation. The decimal separator is '.' whatever the locale. */
void lx_format_float(double f, char *out, size_t outlen) {
  if (outlen == 0) return;
  if (isnan(f)) {
    snprintf(out, outlen, "+nan.0");
    return;
  }
  if (isinf(f)) {
    snprintf(out, outlen, f > 0 ? "+inf.0" : "-inf.0");
    return;
  }
  char tmp[400];
  int digits = 1;
  for (; digits <= 17; digits++) {
    snprintf(tmp, sizeof tmp, "%.*e", digits - 1, f);
    if (strtod(tmp, NULL) == f) break;
  }
  const char *e = strchr(tmp, 'e');
  int exp10 = e != NULL ? atoi(e + 1) : 0;
  if (exp10 >= -4 && exp10 < 16) {
    int decimals = digits - 1 - exp10;
    snprintf(tmp, sizeof tmp, "%.*f", decimals > 0 ? decimals : 0, f);
  }
  for (char *p = tmp; *p; p++)
    if (*p == ',') *p = '.';
  if (strpbrk(tmp, ".e") == NULL) strcat(tmp, ".0");
  snprintf(out, outlen, "%s", tmp);
}

static void print_float(Printer *P, double f) {
  char tmp[48];
  lx_format_float(f, tmp, sizeof tmp);
  lx_buf_adds(P->b, tmp);
}

/* ========================================================================
** Strings
** ======================================================================== */

/* The escape for byte c inside a readable string, or NULL if none needed;
** other control characters become \u{XX} (see print_string). */
static const char *char_escape(unsigned char c) {
  switch (c) {
    case '\n': return "\\n";
    case '\t': return "\\t";
    case '\r': return "\\r";
    case '"': return "\\\"";
    case '\\': return "\\\\";
    default: return NULL;
  }
}

/* "..." with escapes, copying runs of plain bytes in one go. */
static void print_string(Printer *P, const lx_String *s) {
  lx_charge(P->L, lx_bytes_cost(s->len));
  lx_buf_addc(P->b, '"');
  size_t run = 0;
  for (size_t i = 0; i < s->len; i++) {
    unsigned char c = (unsigned char)s->data[i];
    const char *esc = char_escape(c);
    if (esc == NULL && c >= 0x20 && c != 0x7f) continue;
    lx_buf_add(P->b, s->data + run, i - run);
    run = i + 1;
    if (esc != NULL) lx_buf_adds(P->b, esc);
    else lx_buf_addf(P->b, "\\u{%02x}", c);
    if (over_limit(P)) return;
  }
  lx_buf_add(P->b, s->data + run, s->len - run);
  lx_buf_addc(P->b, '"');
}

static void print_strlike(Printer *P, const lx_String *s) { lx_buf_add(P->b, s->data, s->len); }

/* ========================================================================
** Lists, vectors, dicts
** ======================================================================== */

/* The reader prefix for (quote x), (quasiquote x)... or NULL. */
static const char *quote_prefix(lx_State *L, lx_Value v) {
  lx_Value head = lx_car(v), rest = lx_cdr(v);
  if (head.tag != LX_SYMBOL || rest.tag != LX_PAIR) return NULL;
  if (lx_cdr(rest).tag != LX_EMPTY) return NULL;
  if (lx_eq(head, L->sym_quote)) return "'";
  if (lx_eq(head, L->sym_quasiquote)) return "`";
  if (lx_eq(head, L->sym_unquote)) return ",";
  if (lx_eq(head, L->sym_unquote_splicing)) return ",@";
  return NULL;
}

/* (a b c) or (a b . c); recursion only into the cars. */
static void print_list(Printer *P, lx_Value v) {
  const char *prefix = quote_prefix(P->L, v);
  if (prefix != NULL) {
    lx_buf_adds(P->b, prefix);
    print_value(P, lx_car(lx_cdr(v)));
    return;
  }
  lx_buf_addc(P->b, '(');
  size_t shown = 0;
  for (bool first = true; v.tag == LX_PAIR; v = lx_cdr(v), first = false, shown++) {
    if (cut_items(P, shown, v, 0)) {
      lx_buf_addc(P->b, ')');
      return;
    }
    if (!first) lx_buf_addc(P->b, ' ');
    lx_charge(P->L, 1);
    print_value(P, lx_car(v));
    if (over_limit(P)) return;
  }
  if (v.tag != LX_EMPTY) {
    lx_buf_adds(P->b, " . ");
    print_value(P, v);
  }
  lx_buf_addc(P->b, ')');
}

/* [a b c]: a step of fuel per item; stops early once past the limit. */
static void print_vector(Printer *P, const lx_Vector *vec) {
  lx_buf_addc(P->b, '[');
  for (size_t i = 0; i < vec->len; i++) {
    if (cut_items(P, i, lx_empty(), vec->len - i)) break;
    if (i > 0) lx_buf_addc(P->b, ' ');
    lx_charge(P->L, 1);
    print_value(P, vec->items[i]);
    if (over_limit(P)) return;
  }
  lx_buf_addc(P->b, ']');
}

/* {:a 1 "b c" 2}: keys print as they are (keywords with their colon). */
static void print_dict(Printer *P, const lx_Dict *d) {
  lx_Value k, v;
  lx_buf_addc(P->b, '{');
  bool first = true;
  size_t shown = 0;
  for (size_t it = 0; lx_dict_next(d, &it, &k, &v); first = false, shown++) {
    if (cut_items(P, shown, lx_empty(), d->count - shown)) break;
    if (!first) lx_buf_addc(P->b, ' ');
    lx_charge(P->L, 1);
    print_value(P, k);
    lx_buf_addc(P->b, ' ');
    print_value(P, v);
    if (over_limit(P)) return;
  }
  lx_buf_addc(P->b, '}');
}

/* Containers: one level deeper under the C depth guard. */
static void print_container(Printer *P, lx_Value v) {
  if (cut_depth(P, v)) return;
  lx_c_enter(P->L);
  P->depth++;
  switch (v.tag) {
    case LX_PAIR: print_list(P, v); break;
    case LX_VECTOR: print_vector(P, lx_as_vector(v)); break;
    default: print_dict(P, lx_as_dict(v)); break;
  }
  P->depth--;
  lx_c_leave(P->L);
}

/* ========================================================================
** Functions, errors and opaque objects
** ======================================================================== */

/* The name text of a closure's prototype (string or symbol), or NULL. */
static const lx_String *closure_name(const lx_Closure *c) {
  lx_Value name = c->proto != NULL ? c->proto->name : lx_nil();
  if (lx_isstrlike(name)) return lx_strlike(name);
  if (name.tag == LX_SYMBOL) return lx_as_symbol(name)->name;
  return NULL;
}

/* #<function NAME>, or #<function> for an anonymous one. */
static void print_closure(Printer *P, const lx_Closure *c) {
  const lx_String *name = closure_name(c);
  lx_buf_adds(P->b, "#<function");
  if (name != NULL && name->len > 0) {
    lx_buf_addc(P->b, ' ');
    print_strlike(P, name);
  }
  lx_buf_addc(P->b, '>');
}

/* #<error KIND: MESSAGE> */
static void print_error(Printer *P, const lx_Error *e) {
  lx_buf_adds(P->b, "#<error ");
  if (lx_isstrlike(e->kind)) print_strlike(P, lx_strlike(e->kind));
  else lx_buf_adds(P->b, "error");
  if (lx_isstrlike(e->message)) {
    lx_buf_adds(P->b, ": ");
    print_strlike(P, lx_strlike(e->message));
  }
  lx_buf_addc(P->b, '>');
}

/* #<environment NAME> for environments, #<box> and #<prototype> else. */
static void print_internal(Printer *P, lx_Value v) {
  if (v.tag == LX_ENV && lx_isstrlike(((lx_Env *)v.as.o)->name)) {
    lx_buf_adds(P->b, "#<environment ");
    print_strlike(P, lx_strlike(((lx_Env *)v.as.o)->name));
    lx_buf_addc(P->b, '>');
    return;
  }
  lx_buf_addf(P->b, "#<%s>", lx_type_name(v));
}

/* ========================================================================
** Dispatch and entry points
** ======================================================================== */

/* One value, by type: the printed forms the reader reads back where they
** exist (nil, (), #t/#f, numbers, strings when readable, symbols,
** :keywords, containers), #<...> forms for functions, errors, host and
** internal objects. */
static void print_value(Printer *P, lx_Value v) {
  switch (v.tag) {
    case LX_NIL: lx_buf_adds(P->b, "nil"); break;
    case LX_EMPTY: lx_buf_adds(P->b, "()"); break;
    case LX_BOOL: lx_buf_adds(P->b, v.as.b ? "#t" : "#f"); break;
    case LX_INT: lx_buf_add_int(P->b, v.as.i); break;
    case LX_FLOAT: print_float(P, v.as.f); break;
    case LX_STRING:
      if (P->readable) print_string(P, lx_as_string(v));
      else print_strlike(P, lx_as_string(v));
      break;
    case LX_SYMBOL: print_strlike(P, lx_as_symbol(v)->name); break;
    case LX_KEYWORD:
      lx_buf_addc(P->b, ':');
      print_strlike(P, lx_as_symbol(v)->name);
      break;
    case LX_PAIR:
    case LX_VECTOR:
    case LX_DICT: print_container(P, v); break;
    case LX_CLOSURE: print_closure(P, lx_as_closure(v)); break;
    case LX_NATIVE: lx_buf_addf(P->b, "#<builtin %s>", lx_as_native(v)->name); break;
    case LX_ERROR: print_error(P, lx_as_error(v)); break;
    case LX_HOST: lx_buf_addf(P->b, "#<%s>", lx_type_name(v)); break;
    default: print_internal(P, v); break;
  }
}

/* Append the printed form of v to b (readable: strings quoted and
** escaped). Charged per item; the caller keeps v rooted and b's store
** protected. */
void lx_print(lx_State *L, lx_Buf *b, lx_Value v, bool readable) {
  Printer P = {L, b, readable, SIZE_MAX, false, 0, 0, 0};
  print_value(&P, v);
}

/* The printed form as a new string (the buffer is protected while it
** grows, even when the caller runs outside a protected region). */
lx_Value lx_repr(lx_State *L, lx_Value v, bool readable) {
  lx_Obj *saved = lx_protect_begin(L);
  lx_Buf b;
  lx_buf_init(L, &b);
  lx_print(L, &b, v, readable);
  lx_Value s = lx_buf_finish(&b);
  lx_protect_end(L, saved);
  return s;
}

/* ========================================================================
** Pretty printer
** ======================================================================== */

typedef struct Pretty {
  Printer p; /* the flat printer (readable) */
  int width; /* target line width */
} Pretty;

static void pp_value(Pretty *Q, lx_Value v, int col);

/* A newline, then col spaces. */
static void pp_newline(Pretty *Q, int col) {
  lx_buf_addc(Q->p.b, '\n');
  for (int i = 0; i < col; i++) lx_buf_addc(Q->p.b, ' ');
}

/* Try v on one line within the columns left; true if it fit. Otherwise the
** partial output is taken back. Costs at most about `width` bytes. */
static bool pp_flat(Pretty *Q, lx_Value v, int col) {
  size_t start = Q->p.b->len;
  int room = Q->width - col;
  Q->p.limit = start + (size_t)(room > 0 ? room : 0);
  Q->p.over = false;
  print_value(&Q->p, v);
  bool fits = !Q->p.over && Q->p.b->len <= Q->p.limit;
  Q->p.limit = SIZE_MAX;
  Q->p.over = false;
  if (!fits) { lx_buf_truncate(Q->p.b, start); }
  return fits;
}

/* After "(op": the first argument on the same line if it fits there flat
** (returns the rest of the list), else nothing (returns the arguments). */
static lx_Value pp_first_arg(Pretty *Q, lx_Value args, int col) {
  if (args.tag != LX_PAIR) return args;
  lx_buf_addc(Q->p.b, ' ');
  if (pp_flat(Q, lx_car(args), col + 1)) return lx_cdr(args);
  lx_buf_truncate(Q->p.b, Q->p.b->len - 1); /* take back the space */
  return args;
}

/* Lists: (op first-arg / args under the op + 2) when the head is a symbol,
** else one item per line under the first; quote forms keep their prefix. */
static void pp_list(Pretty *Q, lx_Value v, int col) {
  const char *prefix = quote_prefix(Q->p.L, v);
  if (prefix != NULL) {
    lx_buf_adds(Q->p.b, prefix);
    pp_value(Q, lx_car(lx_cdr(v)), col + (int)strlen(prefix));
    return;
  }
  bool head_sym = lx_car(v).tag == LX_SYMBOL;
  int indent = col + (head_sym ? 2 : 1);
  size_t start = Q->p.b->len;
  lx_buf_addc(Q->p.b, '(');
  pp_value(Q, lx_car(v), col + 1);
  v = lx_cdr(v);
  size_t shown = 1; /* the head */
  if (head_sym) {
    lx_Value rest = pp_first_arg(Q, v, col + (int)(Q->p.b->len - start));
    if (rest.tag != v.tag || rest.as.o != v.as.o) shown++; /* it took the first argument */
    v = rest;
  }
  for (; v.tag == LX_PAIR; v = lx_cdr(v), shown++) {
    if (cut_items(&Q->p, shown, v, 0)) {
      lx_buf_addc(Q->p.b, ')');
      return;
    }
    lx_charge(Q->p.L, 1);
    pp_newline(Q, indent);
    pp_value(Q, lx_car(v), indent);
  }
  if (v.tag != LX_EMPTY) {
    pp_newline(Q, indent);
    lx_buf_adds(Q->p.b, ". ");
    pp_value(Q, v, indent + 2);
  }
  lx_buf_addc(Q->p.b, ')');
}

/* A vector too wide for the line: one item per line under the first. */
static void pp_vector(Pretty *Q, const lx_Vector *vec, int col) {
  lx_buf_addc(Q->p.b, '[');
  for (size_t i = 0; i < vec->len; i++) {
    if (cut_items(&Q->p, i, lx_empty(), vec->len - i)) break;
    lx_charge(Q->p.L, 1);
    if (i > 0) pp_newline(Q, col + 1);
    pp_value(Q, vec->items[i], col + 1);
  }
  lx_buf_addc(Q->p.b, ']');
}

/* One dict value after its key at column vcol: on the same line when it
** fits there or the key is short, else on the next line, indented. */
static void pp_entry_value(Pretty *Q, lx_Value v, int col, int vcol) {
  lx_buf_addc(Q->p.b, ' ');
  if (pp_flat(Q, v, vcol)) return;
  if (vcol > Q->width / 2 && vcol > col + 3) {
    Q->p.b->len--; /* take back the space */
    vcol = col + 2;
    pp_newline(Q, vcol);
  }
  pp_value(Q, v, vcol);
}

/* One entry per line: the key flat, then its value. */
static void pp_dict(Pretty *Q, const lx_Dict *d, int col) {
  lx_Value k, v;
  bool first = true;
  lx_buf_addc(Q->p.b, '{');
  size_t shown = 0;
  for (size_t it = 0; lx_dict_next(d, &it, &k, &v); first = false, shown++) {
    if (cut_items(&Q->p, shown, lx_empty(), d->count - shown)) break;
    lx_charge(Q->p.L, 1);
    if (!first) pp_newline(Q, col + 1);
    size_t before = Q->p.b->len;
    print_value(&Q->p, k);
    pp_entry_value(Q, v, col, col + 1 + (int)(Q->p.b->len - before) + 1);
  }
  lx_buf_addc(Q->p.b, '}');
}

/* v at column col: on one line if it fits, else broken by its kind. */
static void pp_value(Pretty *Q, lx_Value v, int col) {
  bool container = v.tag == LX_PAIR || v.tag == LX_VECTOR || v.tag == LX_DICT;
  if (!container) {
    print_value(&Q->p, v);
    return;
  }
  if (pp_flat(Q, v, col) || cut_depth(&Q->p, v)) return;
  lx_c_enter(Q->p.L);
  Q->p.depth++;
  switch (v.tag) {
    case LX_PAIR: pp_list(Q, v, col); break;
    case LX_VECTOR: pp_vector(Q, lx_as_vector(v), col); break;
    default: pp_dict(Q, lx_as_dict(v), col); break;
  }
  Q->p.depth--;
  lx_c_leave(Q->p.L);
}

/* Append v pretty-printed in readable form, broken to fit width columns
** (80 when width <= 0) where a container does not fit on the line; with
** max_items / max_depth (0: none) cut as lispy_pprint_cut says. */
void lx_pprint(lx_State *L, lx_Buf *b, lx_Value v, int width, size_t max_items, int max_depth) {
  Pretty Q = {{L, b, true, SIZE_MAX, false, max_items, max_depth, 0}, width > 0 ? width : 80};
  pp_value(&Q, v, 0);
}
