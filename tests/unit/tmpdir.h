/*
** tmpdir.h -- writing and removing the temporary agent folders that tests
** and benchmarks generate.
*/
#ifndef LISPY_TEST_TMPDIR_H
#define LISPY_TEST_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Write text to the file at path; a test cannot go on without it. */
static inline void write_file_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(2);
  }
  fputs(text, f);
  fclose(f);
}

/* Remove every entry of a folder (files, symlinks, FIFOs, empty
** subfolders), then the folder. */
static inline void remove_dir(const char *d) {
  DIR *dd = opendir(d);
  if (!dd) return;
  struct dirent *e;
  char p[1024];
  while ((e = readdir(dd)) != NULL) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
    snprintf(p, sizeof p, "%s/%.500s", d, e->d_name);
    if (unlink(p) != 0) rmdir(p);
  }
  closedir(dd);
  rmdir(d);
}

#endif
