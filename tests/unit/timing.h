/*
** timing.h -- the clock and the slowdown factor of the tests that check a
** limit stopped work in time.
*/
#ifndef LISPY_TEST_TIMING_H
#define LISPY_TEST_TIMING_H

#include <stdlib.h>
#include <time.h>

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

#endif
