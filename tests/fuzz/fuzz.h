/*
** fuzz.h -- what the fuzz targets share (see docs/hacking.md).
**
** Each target defines LLVMFuzzerTestOneInput. Built with -DLISPY_FUZZ=ON
** and clang it links with libFuzzer; every build also links it with
** replay.c, which feeds it the seed corpus and the saved crash inputs so
** that ctest replays them with any compiler.
*/
#ifndef LISPY_FUZZ_H
#define LISPY_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A finding: abort, so libFuzzer saves the input (asserts may be off). */
#define FZ_REQUIRE(cond)                                                                \
  do {                                                                                  \
    if (!(cond)) {                                                                      \
      fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      abort();                                                                          \
    }                                                                                   \
  } while (0)

/* The input as a NUL-terminated string (malloc'd; the caller frees). The
** APIs take lengths, but cJSON and the printer's users want C strings. */
static inline char *fz_cstring(const uint8_t *data, size_t size) {
  char *s = malloc(size + 1);
  FZ_REQUIRE(s != NULL);
  if (size > 0) memcpy(s, data, size);
  s[size] = '\0';
  return s;
}

#endif
