/*
** test_limit_parse.c -- the strict parsing of limits (class 11 of issue 9):
** ag_limit_parse, behind --fuel/--memory/--depth/--timeout and the shell's
** :limits, accepts whole numbers with k/m/g (1000-based for counts,
** 1024-based for memory) and plain decimal seconds with s/ms, at most the
** type's range or AG_MAX_TIMEOUT_SECONDS; nan, inf, signs, exponents,
** fractions of whole numbers, overflow and trailing text are refused with
** the limits left as they were. ag_limit_set_number (conformance files'
** "limits") refuses what a float-to-integer cast could not represent.
*/
#include <math.h>
#include <stdint.h>

#include "ag_config.h"
#include "agents.h"
#include "check.h"

static lispy_Limits base(void) {
  lispy_Limits l = {7, 7, 7, 7.0};
  return l;
}

/* name=text parses, and the limit then reads back as want (as a double). */
static bool parses(const char *name, const char *text, double want) {
  lispy_Limits l = base();
  char why[300] = "";
  if (!ag_limit_parse(&l, name, text, why, sizeof why)) {
    fprintf(stderr, "  %s '%s' refused: %s\n", name, text, why);
    return false;
  }
  double got = strcmp(name, "fuel") == 0     ? (double)l.fuel
               : strcmp(name, "memory") == 0 ? (double)l.memory
               : strcmp(name, "depth") == 0  ? (double)l.depth
                                             : l.timeout;
  if (got != want) fprintf(stderr, "  %s '%s': got %.17g, want %.17g\n", name, text, got, want);
  return got == want;
}

/* name=text is refused, the message contains want, l is untouched. */
static bool refused(const char *name, const char *text, const char *want) {
  lispy_Limits l = base();
  char why[300] = "";
  bool ok = !ag_limit_parse(&l, name, text, why, sizeof why) && strstr(why, want) != NULL &&
            memcmp(&l, &(lispy_Limits){7, 7, 7, 7.0}, sizeof l) == 0;
  if (!ok)
    fprintf(stderr, "  %s '%s': want refusal saying [%s], got [%s]\n", name, text, want, why);
  return ok;
}

static void test_whole_numbers(void) {
  CHECK(parses("fuel", "0", 0));
  CHECK(parses("fuel", "100000", 100000));
  CHECK(parses("fuel", "2k", 2000));
  CHECK(parses("fuel", "3M", 3e6));
  CHECK(parses("fuel", "1g", 1e9));
  CHECK(parses("fuel", "9223372036854775807", (double)INT64_MAX));
  CHECK(parses("memory", "64m", 64.0 * 1024 * 1024));
  CHECK(parses("memory", "1k", 1024));
  CHECK(parses("memory", "1000000", 1e6));
  CHECK(parses("depth", "500", 500));
  CHECK(parses("depth", "10k", 10000));
  const char *bad[] = {"nan", "inf", "-inf", "1e19", "1e300", "0.5", "-1",  "+5",    "",
                       " 5",  "5 ",  "5x",   "0x10", "1kk",   "k",   "1.0", "12abc", NULL};
  for (int i = 0; bad[i]; i++) {
    CHECK(refused("fuel", bad[i], "expected a whole number of steps"));
    CHECK(refused("memory", bad[i], "expected a whole number of bytes"));
    CHECK(refused("depth", bad[i], "expected a whole number of nested calls"));
  }
  CHECK(refused("fuel", "9223372036854775808", "too large"));
  CHECK(refused("fuel", "99999999999999999999999999", "too large"));
  CHECK(refused("fuel", "9223372036854776k", "too large"));
  CHECK(refused("memory", "18446744073709551616", "too large"));
  CHECK(refused("memory", "17179869184g", "too large"));
}

static void test_seconds(void) {
  CHECK(parses("timeout", "0", 0));
  CHECK(parses("timeout", "2", 2));
  CHECK(parses("timeout", "0.25", 0.25));
  CHECK(parses("timeout", "2s", 2));
  CHECK(parses("timeout", "500ms", 0.5));
  CHECK(parses("timeout", "31536000", AG_MAX_TIMEOUT_SECONDS));
  const char *bad[] = {"nan", "inf", "1e3", "-1", ".5", "2.", "", "2 s", "2m", "0x1", "1,5", NULL};
  for (int i = 0; bad[i]; i++) CHECK(refused("timeout", bad[i], "expected seconds"));
  CHECK(refused("timeout", "31536001", "too large"));
  CHECK(refused("timeout", "99999999999999999999999999999999", "too large"));
  CHECK(refused("speed", "1", "unknown limit"));
}

/* From JSON numbers (conformance "limits"). */
static void test_numbers(void) {
  lispy_Limits l = base();
  char why[300];
  CHECK(ag_limit_set_number(&l, "fuel", 1000, why, sizeof why) && l.fuel == 1000);
  CHECK(ag_limit_set_number(&l, "timeout", 0.5, why, sizeof why) && l.timeout == 0.5);
  CHECK(ag_limit_set_number(&l, "memory", 65536, why, sizeof why) && l.memory == 65536);
  double bad[] = {1e19, 1e300, INFINITY, NAN, -1, 0.5, 9223372036854775808.0};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    l = base();
    CHECK(!ag_limit_set_number(&l, "fuel", bad[i], why, sizeof why) && l.fuel == 7 &&
          strstr(why, "whole number") != NULL);
  }
  CHECK(!ag_limit_set_number(&l, "depth", 1e300, why, sizeof why) && l.depth == 7);
  CHECK(!ag_limit_set_number(&l, "memory", 18446744073709551616.0, why, sizeof why) &&
        l.memory == 7);
  CHECK(!ag_limit_set_number(&l, "timeout", INFINITY, why, sizeof why) && l.timeout == 7.0);
  CHECK(!ag_limit_set_number(&l, "timeout", NAN, why, sizeof why) && l.timeout == 7.0);
  CHECK(!ag_limit_set_number(&l, "timeout", 1e12, why, sizeof why) && strstr(why, "seconds"));
}

int main(void) {
  test_whole_numbers();
  test_seconds();
  test_numbers();
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
