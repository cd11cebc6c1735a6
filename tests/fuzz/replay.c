/*
** replay.c -- a main() for a fuzz target without libFuzzer: runs the
** target once on every file named on the command line, or in a directory
** named there (sorted, so failures reproduce in order). ctest runs it on
** tests/fuzz/corpus/<target> and tests/fuzz/crashes/<target>; a broken
** invariant aborts, a sanitizer build reports memory errors.
**
**   fuzz_reader_replay tests/fuzz/corpus/reader tests/fuzz/crashes/reader
*/
#include <dirent.h>
#include <sys/stat.h>

#include "fuzz.h"

/* The whole file at path (malloc'd, *len bytes); NULL if unreadable. */
static uint8_t *rp_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  size_t cap = 4096, n = 0, got;
  uint8_t *buf = malloc(cap);
  while (buf != NULL && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      uint8_t *nb = realloc(buf, cap *= 2);
      if (nb == NULL) free(buf);
      buf = nb;
    }
  }
  fclose(f);
  *len = n;
  return buf;
}

/* Run the target on one file; false if it cannot be read. */
static int rp_file(const char *path) {
  size_t len = 0;
  uint8_t *data = rp_read(path, &len);
  if (data == NULL) {
    fprintf(stderr, "replay: %s: cannot read\n", path);
    return 0;
  }
  fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
  LLVMFuzzerTestOneInput(data, len);
  free(data);
  return 1;
}

static int rp_cmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of dir, in name order; returns how many ran, or
** -1 if dir cannot be listed (a missing crashes/ folder is fine: 0). */
static int rp_dir(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL) return 0;
  char **names = NULL;
  size_t n = 0, cap = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    if (e->d_name[0] == '.') continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      char **nn = realloc(names, cap * sizeof *names);
      FZ_REQUIRE(nn != NULL);
      names = nn;
    }
    size_t plen = strlen(dir) + strlen(e->d_name) + 2;
    names[n] = malloc(plen);
    FZ_REQUIRE(names[n] != NULL);
    snprintf(names[n++], plen, "%s/%s", dir, e->d_name);
  }
  closedir(d);
  if (n > 0) qsort(names, n, sizeof *names, rp_cmp);
  int ran = 0;
  for (size_t i = 0; i < n; i++) {
    struct stat st;
    if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) ran += rp_file(names[i]);
    free(names[i]);
  }
  free(names);
  return ran;
}

int main(int argc, char **argv) {
  int ran = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) ran += rp_dir(argv[i]);
    else if (rp_file(argv[i])) ran++;
    else return 1;
  }
  printf("replay: %d inputs ran, no invariant broken\n", ran);
  return ran > 0 ? 0 : 1; /* an empty corpus is a broken test */
}
