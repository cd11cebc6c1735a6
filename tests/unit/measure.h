/*
** measure.h -- what the tests that check limits measure: the clock, the
** slowdown factor of this build, and resident memory.
*/
#ifndef LISPY_TEST_MEASURE_H
#define LISPY_TEST_MEASURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Seconds on the monotonic clock, for the checks that a limit stopped
** work in time. */
static inline double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* How much slower than a plain build this one runs: LISPY_TEST_TIME_SCALE
** (the sanitizer build sets 4; set it yourself under valgrind). Every time
** bound a test checks is multiplied by it. */
static inline double time_scale(void) {
  const char *s = getenv("LISPY_TEST_TIME_SCALE");
  double v = s ? atof(s) : 1.0;
  return v > 0 ? v : 1.0;
}

/* Whether resident memory means anything here: not under ASan or
** valgrind, whose allocators keep what is freed. */
static inline bool rss_checked(void) {
#if defined(__SANITIZE_ADDRESS__)
  return false;
#else
  const char *preload = getenv("LD_PRELOAD");
  return !(preload && strstr(preload, "vgpreload"));
#endif
}

/* Resident set size in bytes, from /proc (0 where there is none). */
static inline size_t rss_now(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f) return 0;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = 0;
  fclose(f);
  return (size_t)resident * (size_t)sysconf(_SC_PAGESIZE);
}

#endif
