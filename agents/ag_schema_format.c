/*
** ag_schema_format.c -- the `format` assertions of the schema validator,
** written by hand and strict:
**
**   date-time, date, time   RFC 3339 section 5.6 (leap seconds only at
**                           23:59 UTC; "T" and "Z" in either case)
**   duration                RFC 3339 appendix A (ISO 8601 durations)
**   email                   RFC 5321 Mailbox: dot-atom or quoted local part,
**                           hostname or [IPv4] / [IPv6:...] literal domain
**   hostname                RFC 1123 labels; "xn--" labels are decoded
**                           (RFC 3492) and checked as IDNA2008 U-labels
**                           (RFC 5891 section 4.2, RFC 5892, RFC 5893)
**   ipv4                    four decimal octets, no leading zeros
**   ipv6                    RFC 4291 section 2.2 text forms (no zone id)
**   uuid                    RFC 4122 8-4-4-4-12 hex digits
**
** Every check works on a NUL-terminated UTF-8 string and only accepts ASCII
** where the grammar is ASCII (no locale-dependent ctype calls).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "ag_schema.h"

/* ==== ASCII scanners ====================================================== */

static bool sc_is_digit(char c) { return c >= '0' && c <= '9'; }

static bool sc_is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

static bool sc_is_hex(char c) {
  return sc_is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Read exactly n ASCII digits at *p into *out and advance past them. */
static bool sc_scan_digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!sc_is_digit((*p)[i])) return false;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return true;
}

/* Consume the character c at *p. */
static bool sc_scan_char(const char **p, char c) {
  if (**p != c) return false;
  (*p)++;
  return true;
}

/* Consume the ASCII letter c at *p in either case. */
static bool sc_scan_letter_ci(const char **p, char c) {
  if (!sc_is_alpha(**p) || (**p | 0x20) != (c | 0x20)) return false;
  (*p)++;
  return true;
}

/* ==== date, time, date-time =============================================== */

static bool sc_is_leap_year(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int sc_days_in_month(int y, int m) {
  static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && sc_is_leap_year(y) ? 29 : days[m - 1];
}

/* full-date = YYYY "-" MM "-" DD, a real calendar day. */
static bool sc_scan_date(const char **p) {
  int y, m, d;
  if (!sc_scan_digits(p, 4, &y) || !sc_scan_char(p, '-') || !sc_scan_digits(p, 2, &m) ||
      !sc_scan_char(p, '-') || !sc_scan_digits(p, 2, &d))
    return false;
  return m >= 1 && m <= 12 && d >= 1 && d <= sc_days_in_month(y, m);
}

/* time-offset = "Z" / ("+" / "-") HH ":" MM; stores the offset in minutes
** east of UTC. */
static bool sc_scan_offset(const char **p, int *minutes) {
  int sign, h, m;
  *minutes = 0;
  if (sc_scan_letter_ci(p, 'Z')) return true;
  if (**p != '+' && **p != '-') return false;
  sign = **p == '+' ? 1 : -1;
  (*p)++;
  if (!sc_scan_digits(p, 2, &h) || !sc_scan_char(p, ':') || !sc_scan_digits(p, 2, &m) || h > 23 ||
      m > 59)
    return false;
  *minutes = sign * (h * 60 + m);
  return true;
}

/* full-time = HH ":" MM ":" SS ["." 1*DIGIT] time-offset; a leap second
** (SS = 60) is only valid when the time is 23:59 in UTC. */
static bool sc_scan_time(const char **p) {
  int h, m, s, off;
  if (!sc_scan_digits(p, 2, &h) || !sc_scan_char(p, ':') || !sc_scan_digits(p, 2, &m) ||
      !sc_scan_char(p, ':') || !sc_scan_digits(p, 2, &s) || h > 23 || m > 59 || s > 60)
    return false;
  if (sc_scan_char(p, '.')) {
    if (!sc_is_digit(**p)) return false;
    while (sc_is_digit(**p)) (*p)++;
  }
  if (!sc_scan_offset(p, &off)) return false;
  if (s == 60 && ((h * 60 + m - off) % 1440 + 1440) % 1440 != 23 * 60 + 59) return false;
  return true;
}

static bool sc_check_date(const char *s) { return sc_scan_date(&s) && *s == '\0'; }

static bool sc_check_time(const char *s) { return sc_scan_time(&s) && *s == '\0'; }

static bool sc_check_date_time(const char *s) {
  return sc_scan_date(&s) && sc_scan_letter_ci(&s, 'T') && sc_scan_time(&s) && *s == '\0';
}

/* ==== duration ============================================================ */

/* Scan 1*DIGIT unit pairs whose units form a run of consecutive letters of
** units (e.g. "YMD": Y, YM, YMD, M, MD, D); *count gets how many. */
static bool sc_scan_duration_units(const char **p, const char *units, int *count) {
  int last = -1;
  *count = 0;
  while (sc_is_digit(**p)) {
    const char *q = *p, *u;
    while (sc_is_digit(*q)) q++;
    if (*q == '\0' || (u = strchr(units, *q)) == NULL) return false;
    if (last >= 0 && (int)(u - units) != last + 1) return false;
    last = (int)(u - units);
    (*count)++;
    *p = q + 1;
  }
  return true;
}

/* duration = "P" (dur-date / dur-time / dur-week), no fractions or signs. */
static bool sc_check_duration(const char *s) {
  int ndate, ntime = 0;
  if (!sc_scan_char(&s, 'P')) return false;
  const char *q = s;
  while (sc_is_digit(*q)) q++;
  if (q > s && q[0] == 'W' && q[1] == '\0') return true;
  if (!sc_scan_duration_units(&s, "YMD", &ndate)) return false;
  if (sc_scan_char(&s, 'T')) {
    if (!sc_scan_duration_units(&s, "HMS", &ntime) || ntime == 0) return false;
  }
  return *s == '\0' && ndate + ntime > 0;
}

/* ==== uuid ================================================================ */

static bool sc_check_uuid(const char *s) {
  for (int i = 0; i < 36; i++) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !sc_is_hex(s[i])) return false;
  }
  return s[36] == '\0';
}

/* ==== ipv4, ipv6 ========================================================== */

/* One decimal octet 0-255, 1 to 3 digits, no leading zero. */
static bool sc_scan_octet(const char **p) {
  int v = 0, n = 0;
  while (n < 4 && sc_is_digit((*p)[n])) v = v * 10 + ((*p)[n++] - '0');
  if (n == 0 || n > 3 || v > 255 || (n > 1 && **p == '0')) return false;
  *p += n;
  return true;
}

/* dotted-quad = octet "." octet "." octet "." octet */
static bool sc_scan_ipv4(const char **p) {
  for (int i = 0; i < 4; i++) {
    if (i > 0 && !sc_scan_char(p, '.')) return false;
    if (!sc_scan_octet(p)) return false;
  }
  return true;
}

static bool sc_check_ipv4(const char *s) { return sc_scan_ipv4(&s) && *s == '\0'; }

/* Whether p starts an embedded dotted quad (digits then a dot). */
static bool sc_at_ipv4(const char *p) {
  while (sc_is_digit(*p)) p++;
  return *p == '.';
}

/* Groups of 1-4 hex digits separated by ':', at most one "::" standing for
** at least one group, optionally ending in a dotted quad (two groups):
** eight groups in all without "::", at most seven with it. */
static bool sc_check_ipv6(const char *p) {
  int groups = 0;
  bool dcolon = false;
  if (p[0] == ':') {
    if (p[1] != ':') return false;
    p += 2;
    dcolon = true;
  }
  while (*p != '\0') {
    if (sc_at_ipv4(p)) {
      if (!sc_scan_ipv4(&p) || *p != '\0') return false;
      groups += 2;
      break;
    }
    int n = 0;
    while (n < 5 && sc_is_hex(p[n])) n++;
    if (n == 0 || n > 4) return false;
    p += n;
    groups++;
    if (*p == '\0') break;
    if (!sc_scan_char(&p, ':')) return false;
    if (*p == ':') {
      if (dcolon) return false;
      dcolon = true;
      p++;
    } else if (*p == '\0') {
      return false;
    }
  }
  return dcolon ? groups <= 7 : groups == 8;
}

/* ==== Punycode (RFC 3492) ================================================= */

enum { PC_BASE = 36, PC_TMIN = 1, PC_TMAX = 26, PC_SKEW = 38, PC_DAMP = 700 };

#define PC_MAXLABEL 64 /* code points of a decoded label (A-labels <= 63) */

/* The value of a Punycode digit, or -1. */
static int sc_pc_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0' + 26;
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= 'A' && c <= 'Z') return c - 'A';
  return -1;
}

/* Bias adaptation (RFC 3492 section 6.1). */
static uint32_t sc_pc_adapt(uint32_t delta, uint32_t numpoints, bool first) {
  uint32_t k = 0;
  delta = first ? delta / PC_DAMP : delta / 2;
  delta += delta / numpoints;
  while (delta > ((PC_BASE - PC_TMIN) * PC_TMAX) / 2) {
    delta /= PC_BASE - PC_TMIN;
    k += PC_BASE;
  }
  return k + (PC_BASE - PC_TMIN + 1) * delta / (delta + PC_SKEW);
}

/* Decode one generalized variable-length integer starting at *pos into
** *i (RFC 3492 section 6.2, inner loop); false on bad or missing digits
** and on overflow. */
static bool sc_pc_read_delta(const char *in, size_t len, size_t *pos, uint32_t bias, uint32_t *i) {
  uint32_t w = 1;
  for (uint32_t k = PC_BASE;; k += PC_BASE) {
    if (*pos >= len) return false;
    int digit = sc_pc_digit(in[(*pos)++]);
    if (digit < 0 || (uint32_t)digit > (UINT32_MAX - *i) / w) return false;
    *i += (uint32_t)digit * w;
    uint32_t t = k <= bias ? PC_TMIN : k >= bias + PC_TMAX ? PC_TMAX : k - bias;
    if ((uint32_t)digit < t) return true;
    if (w > UINT32_MAX / (PC_BASE - t)) return false;
    w *= PC_BASE - t;
  }
}

/* Decode the Punycode in[0..len) into out (at most PC_MAXLABEL code
** points); false when it is not valid Punycode. */
static bool sc_pc_decode(const char *in, size_t len, uint32_t *out, size_t *outlen) {
  uint32_t n = 128, i = 0, bias = 72;
  size_t b = 0, pos, count = 0;
  bool delim = false;
  for (size_t j = 0; j < len; j++)
    if (in[j] == '-') b = j, delim = true;
  for (size_t j = 0; j < b; j++) {
    if (count >= PC_MAXLABEL) return false;
    out[count++] = (unsigned char)in[j];
  }
  for (pos = delim ? b + 1 : 0; pos < len;) {
    uint32_t oldi = i;
    if (!sc_pc_read_delta(in, len, &pos, bias, &i)) return false;
    bias = sc_pc_adapt(i - oldi, (uint32_t)count + 1, oldi == 0);
    if (i / (count + 1) > UINT32_MAX - n || count >= PC_MAXLABEL) return false;
    n += i / (uint32_t)(count + 1);
    i %= (uint32_t)(count + 1);
    memmove(out + i + 1, out + i, (count - i) * sizeof *out);
    out[i++] = n;
    count++;
  }
  *outlen = count;
  return true;
}

/* ==== IDNA2008 code point classes (RFC 5892) ============================== */

typedef enum { ID_PVALID, ID_CONTEXTJ, ID_CONTEXTO, ID_DISALLOWED } IdnaClass;

/* A range of code points with one value. */
typedef struct CpRange {
  uint32_t lo, hi; /* inclusive bounds */
  char value;      /* meaning depends on the table */
} CpRange;

/* Whether cp lies in one of the n ranges; *value gets the range's value. */
static bool sc_in_ranges(const CpRange *r, size_t n, uint32_t cp, char *value) {
  for (size_t i = 0; i < n; i++) {
    if (cp >= r[i].lo && cp <= r[i].hi) {
      if (value) *value = r[i].value;
      return true;
    }
  }
  return false;
}

#define NRANGES(t) (sizeof(t) / sizeof((t)[0]))

/* RFC 5892 section 2.6 Exceptions: P(VALID), O (CONTEXTO), D(ISALLOWED). */
/* clang-format off */
static const CpRange sc_IDNA_EXCEPTIONS[] = {
    {0x00DF, 0x00DF, 'P'}, {0x03C2, 0x03C2, 'P'}, {0x06FD, 0x06FE, 'P'},
    {0x0F0B, 0x0F0B, 'P'}, {0x3007, 0x3007, 'P'}, {0x00B7, 0x00B7, 'O'},
    {0x0375, 0x0375, 'O'}, {0x05F3, 0x05F4, 'O'}, {0x30FB, 0x30FB, 'O'},
    {0x0660, 0x0669, 'O'}, {0x06F0, 0x06F9, 'O'}, {0x0640, 0x0640, 'D'},
    {0x07FA, 0x07FA, 'D'}, {0x302E, 0x302F, 'D'}, {0x3031, 0x3035, 'D'},
    {0x303B, 0x303B, 'D'},
};
/* clang-format on */

/* IgnorableBlocks (2.4) and OldHangulJamo (2.9): DISALLOWED. */
static const CpRange sc_IDNA_DISALLOWED_BLOCKS[] = {
    {0x20D0, 0x20FF, 0}, {0x1D100, 0x1D1FF, 0}, {0x1D200, 0x1D24F, 0},
    {0x1100, 0x11FF, 0}, {0xA960, 0xA97F, 0},   {0xD7B0, 0xD7FF, 0},
};

/* Whether cp changes under NFKC_Casefold (RFC 5892 2.3 Unstable). */
static bool sc_idna_unstable(uint32_t cp) {
  utf8proc_uint8_t src[8], *dst = NULL;
  utf8proc_ssize_t n = utf8proc_encode_char((utf8proc_int32_t)cp, src);
  utf8proc_ssize_t m = utf8proc_map(src, n, &dst,
                                    UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                        UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
  bool unstable = m != n || memcmp(src, dst, (size_t)n) != 0;
  free(dst);
  return unstable;
}

/* IgnorableProperties (2.5): default ignorable, white space, noncharacter. */
static bool sc_idna_ignorable(uint32_t cp, utf8proc_category_t cat) {
  if (utf8proc_get_property((utf8proc_int32_t)cp)->ignorable) return true;
  if (cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL || cat == UTF8PROC_CATEGORY_ZP)
    return true;
  return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

/* LetterDigits (2.1): Ll, Lu, Lo, Nd, Lm, Mn, Mc. */
static bool sc_idna_letter_digit(utf8proc_category_t cat) {
  return cat == UTF8PROC_CATEGORY_LL || cat == UTF8PROC_CATEGORY_LU ||
         cat == UTF8PROC_CATEGORY_LO || cat == UTF8PROC_CATEGORY_ND ||
         cat == UTF8PROC_CATEGORY_LM || cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC;
}

/* The derived property of cp, in the order of RFC 5892 section 3
** (unassigned code points are reported as DISALLOWED). */
static IdnaClass sc_idna_class(uint32_t cp) {
  char v;
  if (sc_in_ranges(sc_IDNA_EXCEPTIONS, NRANGES(sc_IDNA_EXCEPTIONS), cp, &v))
    return v == 'P' ? ID_PVALID : v == 'O' ? ID_CONTEXTO : ID_DISALLOWED;
  utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
  if (cat == UTF8PROC_CATEGORY_CN) return ID_DISALLOWED;
  if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9') || cp == '-') return ID_PVALID;
  if (cp == 0x200C || cp == 0x200D) return ID_CONTEXTJ;
  if (sc_idna_unstable(cp) || sc_idna_ignorable(cp, cat) ||
      sc_in_ranges(sc_IDNA_DISALLOWED_BLOCKS, NRANGES(sc_IDNA_DISALLOWED_BLOCKS), cp, NULL))
    return ID_DISALLOWED;
  return sc_idna_letter_digit(cat) ? ID_PVALID : ID_DISALLOWED;
}

/* ==== IDNA2008 contextual rules (RFC 5892 appendix A) ===================== */

/* Scripts by block ranges (enough for the contextual rules). */
/* clang-format off */
static const CpRange sc_SCRIPT_GREEK[] = {
    {0x0370, 0x0373, 0}, {0x0376, 0x037D, 0}, {0x037F, 0x0384, 0},
    {0x0386, 0x0386, 0}, {0x0388, 0x03E1, 0}, {0x03F0, 0x03FF, 0},
    {0x1D26, 0x1D2A, 0}, {0x1F00, 0x1FFE, 0}, {0x10140, 0x1018E, 0},
};
/* clang-format on */
static const CpRange sc_SCRIPT_HEBREW[] = {{0x0591, 0x05F4, 0}, {0xFB1D, 0xFB4F, 0}};
/* Hiragana, Katakana (without U+30FB itself) and Han. */
/* clang-format off */
static const CpRange sc_SCRIPT_KANA_HAN[] = {
    {0x3005, 0x3005, 0},   {0x3007, 0x3007, 0},   {0x3021, 0x3029, 0},
    {0x3038, 0x303B, 0},   {0x3041, 0x3096, 0},   {0x309D, 0x309F, 0},
    {0x30A1, 0x30FA, 0},   {0x30FD, 0x30FF, 0},   {0x31F0, 0x31FF, 0},
    {0x32D0, 0x32FE, 0},   {0x3300, 0x3357, 0},   {0x3400, 0x4DBF, 0},
    {0x4E00, 0x9FFF, 0},   {0xF900, 0xFAFF, 0},   {0xFF66, 0xFF6F, 0},
    {0xFF71, 0xFF9D, 0},   {0x1B000, 0x1B11F, 0}, {0x20000, 0x3134F, 0},
};
/* clang-format on */

/* Joining_Type of the Arabic-script letters (ArabicShaping.txt): D(ual),
** R(ight), L(eft), U (non-joining), C (join causing). */
/* clang-format off */
static const CpRange sc_JOINING_TYPES[] = {
    {0x0620, 0x0620, 'D'}, {0x0621, 0x0621, 'U'}, {0x0622, 0x0625, 'R'},
    {0x0626, 0x0626, 'D'}, {0x0627, 0x0627, 'R'}, {0x0628, 0x0628, 'D'},
    {0x0629, 0x0629, 'R'}, {0x062A, 0x062E, 'D'}, {0x062F, 0x0632, 'R'},
    {0x0633, 0x063F, 'D'}, {0x0640, 0x0640, 'C'}, {0x0641, 0x0647, 'D'},
    {0x0648, 0x0648, 'R'}, {0x0649, 0x064A, 'D'}, {0x066E, 0x066F, 'D'},
    {0x0671, 0x0673, 'R'}, {0x0675, 0x0677, 'R'}, {0x0678, 0x0687, 'D'},
    {0x0688, 0x0699, 'R'}, {0x069A, 0x06BF, 'D'}, {0x06C0, 0x06C0, 'R'},
    {0x06C1, 0x06C2, 'D'}, {0x06C3, 0x06CB, 'R'}, {0x06CC, 0x06CC, 'D'},
    {0x06CD, 0x06CD, 'R'}, {0x06CE, 0x06CE, 'D'}, {0x06CF, 0x06CF, 'R'},
    {0x06D0, 0x06D1, 'D'}, {0x06D2, 0x06D3, 'R'}, {0x06D5, 0x06D5, 'R'},
    {0x06EE, 0x06EF, 'R'}, {0x06FA, 0x06FC, 'D'}, {0x06FF, 0x06FF, 'D'},
    {0x0710, 0x0710, 'R'}, {0x0712, 0x0714, 'D'}, {0x0715, 0x0719, 'R'},
    {0x071A, 0x071D, 'D'}, {0x071E, 0x071E, 'R'}, {0x071F, 0x0727, 'D'},
    {0x0728, 0x0728, 'R'}, {0x0729, 0x0729, 'D'}, {0x072A, 0x072A, 'R'},
    {0x072B, 0x072B, 'D'}, {0x072C, 0x072C, 'R'}, {0x072D, 0x072E, 'D'},
    {0x072F, 0x072F, 'R'}, {0x074D, 0x074D, 'R'}, {0x074E, 0x0758, 'D'},
    {0x0759, 0x075B, 'R'}, {0x075C, 0x076A, 'D'}, {0x076B, 0x076C, 'R'},
    {0x076D, 0x0770, 'D'}, {0x0771, 0x0771, 'R'}, {0x0772, 0x0772, 'D'},
    {0x0773, 0x0774, 'R'}, {0x0775, 0x0777, 'D'}, {0x0778, 0x0779, 'R'},
    {0x077A, 0x077F, 'D'}, {0x07CA, 0x07EA, 'D'}, {0x07FA, 0x07FA, 'C'},
    {0x1807, 0x1807, 'D'}, {0x180A, 0x180A, 'C'}, {0x1820, 0x1878, 'D'},
    {0x200D, 0x200D, 'C'},
};
/* clang-format on */

/* The Joining_Type of cp: table above, T(ransparent) for marks and format
** characters, U otherwise. */
static char sc_joining_type(uint32_t cp) {
  char v;
  if (sc_in_ranges(sc_JOINING_TYPES, NRANGES(sc_JOINING_TYPES), cp, &v)) return v;
  utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
  if (cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_ME ||
      (cat == UTF8PROC_CATEGORY_CF && cp != 0x200C))
    return 'T';
  return 'U';
}

static bool sc_after_virama(const uint32_t *cp, size_t i) {
  return i > 0 && utf8proc_get_property((utf8proc_int32_t)cp[i - 1])->combining_class == 9;
}

/* ZERO WIDTH NON-JOINER: after a virama, or between a left/dual-joining
** letter and a right/dual-joining one (transparent characters skipped). */
static bool sc_zwnj_ok(const uint32_t *cp, size_t n, size_t i) {
  if (sc_after_virama(cp, i)) return true;
  size_t j = i, k = i + 1;
  while (j > 0 && sc_joining_type(cp[j - 1]) == 'T') j--;
  if (j == 0 || !strchr("LD", sc_joining_type(cp[j - 1]))) return false;
  while (k < n && sc_joining_type(cp[k]) == 'T') k++;
  return k < n && strchr("RD", sc_joining_type(cp[k])) != NULL;
}

/* Whether the label contains a code point in [lo, hi]. */
static bool sc_label_has(const uint32_t *cp, size_t n, uint32_t lo, uint32_t hi) {
  for (size_t i = 0; i < n; i++)
    if (cp[i] >= lo && cp[i] <= hi) return true;
  return false;
}

/* Whether the label contains Hiragana, Katakana or Han. */
static bool sc_label_has_kana_han(const uint32_t *cp, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (sc_in_ranges(sc_SCRIPT_KANA_HAN, NRANGES(sc_SCRIPT_KANA_HAN), cp[i], NULL)) return true;
  return false;
}

/* The CONTEXTJ / CONTEXTO rule for cp[i]. */
static bool sc_context_ok(const uint32_t *cp, size_t n, size_t i) {
  uint32_t c = cp[i];
  if (c == 0x200C) return sc_zwnj_ok(cp, n, i);
  if (c == 0x200D) return sc_after_virama(cp, i);
  if (c == 0x00B7) return i > 0 && i + 1 < n && cp[i - 1] == 'l' && cp[i + 1] == 'l';
  if (c == 0x0375)
    return i + 1 < n && sc_in_ranges(sc_SCRIPT_GREEK, NRANGES(sc_SCRIPT_GREEK), cp[i + 1], NULL);
  if (c == 0x05F3 || c == 0x05F4)
    return i > 0 && sc_in_ranges(sc_SCRIPT_HEBREW, NRANGES(sc_SCRIPT_HEBREW), cp[i - 1], NULL);
  if (c == 0x30FB) return sc_label_has_kana_han(cp, n);
  if (c >= 0x0660 && c <= 0x0669) return !sc_label_has(cp, n, 0x06F0, 0x06F9);
  if (c >= 0x06F0 && c <= 0x06F9) return !sc_label_has(cp, n, 0x0660, 0x0669);
  return false;
}

/* ==== IDNA2008 labels ===================================================== */

static int sc_bidi(uint32_t cp) { return utf8proc_get_property((utf8proc_int32_t)cp)->bidi_class; }

/* Whether bidi class c is in the 0-terminated list. */
static bool sc_bidi_in(int c, const int *list) {
  for (; *list; list++)
    if (*list == c) return true;
  return false;
}

/* The Bidi rule (RFC 5893 section 2), applied to labels containing
** right-to-left characters (R, AL or AN). */
static bool sc_bidi_ok(const uint32_t *cp, size_t n) {
  static const int rtl_set[] = {UTF8PROC_BIDI_CLASS_R,
                                UTF8PROC_BIDI_CLASS_AL,
                                UTF8PROC_BIDI_CLASS_AN,
                                UTF8PROC_BIDI_CLASS_EN,
                                UTF8PROC_BIDI_CLASS_ES,
                                UTF8PROC_BIDI_CLASS_CS,
                                UTF8PROC_BIDI_CLASS_ET,
                                UTF8PROC_BIDI_CLASS_ON,
                                UTF8PROC_BIDI_CLASS_BN,
                                UTF8PROC_BIDI_CLASS_NSM,
                                0};
  static const int rtl_end[] = {UTF8PROC_BIDI_CLASS_R, UTF8PROC_BIDI_CLASS_AL,
                                UTF8PROC_BIDI_CLASS_EN, UTF8PROC_BIDI_CLASS_AN, 0};
  static const int rtl_mark[] = {UTF8PROC_BIDI_CLASS_R, UTF8PROC_BIDI_CLASS_AL,
                                 UTF8PROC_BIDI_CLASS_AN, 0};
  bool rtl = false, en = false, an = false;
  for (size_t i = 0; i < n; i++) rtl = rtl || sc_bidi_in(sc_bidi(cp[i]), rtl_mark);
  if (!rtl) return true;
  int first = sc_bidi(cp[0]);
  if (first != UTF8PROC_BIDI_CLASS_R && first != UTF8PROC_BIDI_CLASS_AL)
    return false; /* rule 1, and rule 5: an LTR label holds no RTL characters */
  for (size_t i = 0; i < n; i++) {
    int c = sc_bidi(cp[i]);
    if (!sc_bidi_in(c, rtl_set)) return false;
    en = en || c == UTF8PROC_BIDI_CLASS_EN;
    an = an || c == UTF8PROC_BIDI_CLASS_AN;
  }
  size_t last = n;
  while (last > 0 && sc_bidi(cp[last - 1]) == UTF8PROC_BIDI_CLASS_NSM) last--;
  return last > 0 && sc_bidi_in(sc_bidi(cp[last - 1]), rtl_end) && !(en && an);
}

/* Whether the code points are in Normalization Form C. */
static bool sc_label_is_nfc(const uint32_t *cp, size_t n) {
  utf8proc_uint8_t buf[PC_MAXLABEL * 4 + 1];
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += (size_t)utf8proc_encode_char((utf8proc_int32_t)cp[i], buf + len);
  buf[len] = 0;
  utf8proc_uint8_t *nfc = utf8proc_NFC(buf);
  bool same = nfc != NULL && strcmp((const char *)nfc, (const char *)buf) == 0;
  free(nfc);
  return same;
}

/* RFC 5891 section 4.2.3 / 4.2.4 checks of a decoded A-label. */
static bool sc_check_ulabel(const uint32_t *cp, size_t n) {
  bool non_ascii = false;
  for (size_t i = 0; i < n; i++) {
    if (cp[i] > 0x10FFFF || (cp[i] >= 0xD800 && cp[i] <= 0xDFFF)) return false;
    non_ascii = non_ascii || cp[i] >= 0x80;
  }
  if (!non_ascii || cp[0] == '-' || cp[n - 1] == '-') return false;
  if (n >= 4 && cp[2] == '-' && cp[3] == '-') return false;
  utf8proc_category_t first = utf8proc_category((utf8proc_int32_t)cp[0]);
  if (first == UTF8PROC_CATEGORY_MN || first == UTF8PROC_CATEGORY_MC ||
      first == UTF8PROC_CATEGORY_ME)
    return false;
  for (size_t i = 0; i < n; i++) {
    IdnaClass k = sc_idna_class(cp[i]);
    if (k == ID_DISALLOWED || (k != ID_PVALID && !sc_context_ok(cp, n, i))) return false;
  }
  return sc_label_is_nfc(cp, n) && sc_bidi_ok(cp, n);
}

/* ==== hostname ============================================================ */

/* One LDH label of 1-63 characters; "xn--" labels must be valid A-labels. */
static bool sc_check_label(const char *p, size_t n) {
  if (n == 0 || n > 63 || p[0] == '-' || p[n - 1] == '-') return false;
  for (size_t i = 0; i < n; i++)
    if (!sc_is_alpha(p[i]) && !sc_is_digit(p[i]) && p[i] != '-') return false;
  if (n > 4 && (p[0] | 0x20) == 'x' && (p[1] | 0x20) == 'n' && p[2] == '-' && p[3] == '-') {
    uint32_t cp[PC_MAXLABEL];
    size_t ncp;
    return sc_pc_decode(p + 4, n - 4, cp, &ncp) && ncp > 0 && sc_check_ulabel(cp, ncp);
  }
  return true;
}

/* Dot-separated labels, at most 253 characters, no empty label. */
static bool sc_check_hostname(const char *s) {
  size_t len = strlen(s);
  if (len == 0 || len > 253) return false;
  for (;;) {
    const char *e = strchr(s, '.');
    size_t n = e ? (size_t)(e - s) : strlen(s);
    if (!sc_check_label(s, n)) return false;
    if (e == NULL) return true;
    s = e + 1;
  }
}

/* ==== email =============================================================== */

/* RFC 5322 atext. */
static bool sc_is_atext(char c) {
  return c != '\0' && (sc_is_alpha(c) || sc_is_digit(c) || strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* Dot-string = Atom *("." Atom) */
static bool sc_scan_dot_atom(const char **p) {
  for (;;) {
    const char *q = *p;
    while (sc_is_atext(*q)) q++;
    if (q == *p) return false;
    *p = q;
    if (!sc_scan_char(p, '.')) return true;
  }
}

/* Quoted-string = DQUOTE *(qtextSMTP / quoted-pairSMTP) DQUOTE */
static bool sc_scan_quoted(const char **p) {
  const unsigned char *q = (const unsigned char *)*p + 1;
  while (*q != '"') {
    if (*q == '\\') {
      if (q[1] < 0x20 || q[1] > 0x7E) return false;
      q += 2;
    } else if (*q >= 0x20 && *q <= 0x7E) {
      q++;
    } else {
      return false;
    }
  }
  *p = (const char *)q + 1;
  return true;
}

/* address-literal = "[" (IPv4 / "IPv6:" IPv6) "]", the whole rest of s. */
static bool sc_check_address_literal(const char *s) {
  char inner[64];
  const char *end = strchr(s, ']');
  size_t n = end ? (size_t)(end - s - 1) : 0;
  if (end == NULL || end[1] != '\0' || n == 0 || n >= sizeof inner) return false;
  memcpy(inner, s + 1, n);
  inner[n] = '\0';
  if (strncmp(inner, "IPv6:", 5) == 0) return sc_check_ipv6(inner + 5);
  return sc_check_ipv4(inner);
}

/* Mailbox = Local-part "@" ( Domain / address-literal ) */
static bool sc_check_email(const char *s) {
  const char *p = s;
  if (*p == '"' ? !sc_scan_quoted(&p) : !sc_scan_dot_atom(&p)) return false;
  if (p - s > 64 || !sc_scan_char(&p, '@')) return false;
  return *p == '[' ? sc_check_address_literal(p) : sc_check_hostname(p);
}

/* ==== Public entry points ================================================= */

/* Whether value is valid for one format. */
typedef bool (*FormatCheck)(const char *value);

/* The formats we assert, by name. */
static const struct {
  const char *name;  /* format keyword value */
  FormatCheck check; /* its checker */
} FORMATS[] = {
    {"date-time", sc_check_date_time}, {"date", sc_check_date},   {"time", sc_check_time},
    {"duration", sc_check_duration},   {"email", sc_check_email}, {"hostname", sc_check_hostname},
    {"ipv4", sc_check_ipv4},           {"ipv6", sc_check_ipv6},   {"uuid", sc_check_uuid},
};

static FormatCheck sc_find_format(const char *format) {
  for (size_t i = 0; format && i < sizeof FORMATS / sizeof FORMATS[0]; i++)
    if (strcmp(FORMATS[i].name, format) == 0) return FORMATS[i].check;
  return NULL;
}

bool ag_schema_format_known(const char *format) { return sc_find_format(format) != NULL; }

/* Whether value is valid for format; an unknown format (not asserted) or a
** NULL value passes. */
bool ag_schema_format_check(const char *format, const char *value) {
  FormatCheck check = sc_find_format(format);
  return check == NULL || value == NULL || check(value);
}
