/*
** cp_paths.c -- file path completion (":load FILE", `lispy complete`):
** folders get a trailing '/', files may be limited to *.lispy; hidden
** entries show only when the word's last part starts with '.'.
*/
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cp_internal.h"

/* Does name end with suffix? */
static bool cp_ends_with(const char *name, const char *suffix) {
  size_t n = strlen(name), s = strlen(suffix);
  return n >= s && strcmp(name + n - s, suffix) == 0;
}

/* The folder to open for the typed folder part (dir, n bytes): "." when
** empty, "~/" expanded from $HOME. Returns a malloc'd path. */
static char *cp_open_path(const char *dir, size_t n) {
  const char *home = getenv("HOME");
  if (n == 0) return strdup(".");
  if (dir[0] == '~' && (n == 1 || dir[1] == '/') && home) {
    size_t h = strlen(home);
    char *s = malloc(h + n + 1);
    if (!s) return NULL;
    memcpy(s, home, h);
    memcpy(s + h, dir + 1, n - 1);
    s[h + n - 1] = '\0';
    return s;
  }
  return strndup(dir, n);
}

/* Is dir/name a folder (following links)? */
static bool cp_is_dir(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  struct stat st;
  if (!path) return false;
  snprintf(path, n, "%s/%s", dir, name);
  bool is_dir = stat(path, &st) == 0 && S_ISDIR(st.st_mode);
  free(path);
  return is_dir;
}

/* Append the candidate typed-folder + name (+ "/"). */
static void cp_path_add(const char *word, size_t dirlen, const char *name, bool dir,
                        cp_Result *out) {
  size_t n = dirlen + strlen(name) + 2;
  char *text = malloc(n);
  if (!text) return;
  snprintf(text, n, "%.*s%s%s", (int)dirlen, word, name, dir ? "/" : "");
  cp_result_add(out, text, dir ? "folder" : "file");
  free(text);
}

/* Append the entries of word's folder (up to its last '/', "." if none,
** a leading "~/" meaning $HOME) whose names start with the rest: folders
** with "/", files (only *.lispy when lispy_only). Dot files only when the
** typed name starts with '.'; "~user" is left alone. */
void cp_add_paths(const char *word, bool lispy_only, cp_Result *out) {
  const char *slash = strrchr(word, '/');
  size_t dirlen = slash ? (size_t)(slash - word) + 1 : 0;
  if (!slash && word[0] == '~') return; /* ~user: not ours */
  const char *base = word + dirlen;
  char *dir = cp_open_path(word, dirlen);
  DIR *d = dir ? opendir(dir) : NULL;
  struct dirent *ent;
  while (d && (ent = readdir(d)) != NULL) {
    const char *name = ent->d_name;
    if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
    if (name[0] == '.' && base[0] != '.') continue;
    if (strncmp(name, base, strlen(base)) != 0) continue;
    bool is_dir = cp_is_dir(dir, name);
    if (is_dir || !lispy_only || cp_ends_with(name, ".lispy"))
      cp_path_add(word, dirlen, name, is_dir, out);
  }
  if (d) closedir(d);
  free(dir);
}
