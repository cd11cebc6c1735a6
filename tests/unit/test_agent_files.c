/*
** test_agent_files.c -- what the registry reads as an agent file (class 8
** and the file diagnostics of class 11 of issue 9). A folder written at
** test time holds, beside a good agent: a FIFO, symlinks to /dev/zero and
** /dev/null, a directory, a broken symlink, a symlink loop and files just
** above and exactly at AG_MAX_AGENT_FILE_BYTES, all named *_agent.lispy.
** A scan must finish (an alarm kills the test if anything blocks), report
** each with an A002 error naming the real cause, keep the good agents
** callable, follow a symlink to a regular agent, and not report unchanged
** unreadable files as changed on a rescan. Two files declaring one name
** make a call's not_found error name both. Terminal controls in file
** names and messages are escaped when diagnostics are printed.
*/
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ag_config.h"
#include "agents.h"
#include "check.h"
#include "tmpdir.h"

static char dir[64]; /* the temporary agent folder */

/* dir/name (one of four static buffers, chosen by slot). */
static const char *path_of(const char *name, int slot) {
  static char buf[4][512];
  snprintf(buf[slot], sizeof buf[slot], "%s/%s", dir, name);
  return buf[slot];
}

/* The text of a good agent called name returning value. */
static void good_text(const char *name, int value, char *out, size_t len) {
  snprintf(out, len,
           "(def AGENT {:name \"%s\" :description \"Return a number.\"\n"
           "            :parameters {:type \"object\" :properties {}}})\n"
           "(defn run [context] %d)\n",
           name, value);
}

static void write_good(const char *file, const char *name, int value) {
  char text[512];
  good_text(name, value, text, sizeof text);
  write_file_text(path_of(file, 0), text);
}

/* A good agent padded with a comment to exactly size bytes. */
static void write_padded(const char *file, const char *name, size_t size) {
  char head[512];
  good_text(name, 9, head, sizeof head);
  size_t n = strlen(head);
  if (size < n + 2) exit(2);
  char *text = malloc(size);
  if (!text) exit(2);
  memcpy(text, head, n);
  text[n] = ';';
  memset(text + n + 1, 'x', size - n - 2);
  text[size - 1] = '\n';
  FILE *f = fopen(path_of(file, 0), "wb");
  if (!f || fwrite(text, 1, size, f) != size) exit(2);
  fclose(f);
  free(text);
}

static void make_symlink(const char *target, const char *name) {
  if (symlink(target, path_of(name, 0)) != 0) {
    perror("symlink");
    exit(2);
  }
}

/* The A002 error of dir/file, or NULL. */
static const ag_Diag *read_error(const ag_ScanReport *r, const char *file) {
  const char *p = path_of(file, 1);
  for (size_t i = 0; i < r->diags.n; i++) {
    const ag_Diag *d = &r->diags.items[i];
    if (d->severity == AG_ERROR && strcmp(d->path, p) == 0 && strcmp(d->code, "A002") == 0)
      return d;
  }
  return NULL;
}

/* dir/file got an A002 error whose message contains want. */
static bool refused_with(const ag_ScanReport *r, const char *file, const char *want) {
  const ag_Diag *d = read_error(r, file);
  bool ok = d && strstr(d->message, want) != NULL;
  if (!ok)
    fprintf(stderr, "  %s: want an A002 saying [%s], got [%s]\n", file, want,
            d ? d->message : "none");
  return ok;
}

/* The envelope of calling name, printed (malloc'd). */
static char *call_text(ag_Runtime *rt, const char *name) {
  cJSON *env = ag_invoke(rt, name, NULL, NULL);
  char *s = cJSON_PrintUnformatted(env);
  cJSON_Delete(env);
  return s;
}

static bool answers(ag_Runtime *rt, const char *name, int value) {
  char *s = call_text(rt, name);
  char want[64];
  snprintf(want, sizeof want, "{\"ok\":true,\"value\":%d}", value);
  bool ok = s && strcmp(s, want) == 0;
  if (!ok) fprintf(stderr, "  %s: want %s, got %s\n", name, want, s ? s : "(null)");
  free(s);
  return ok;
}

static void write_folder(void) {
  write_good("good_agent.lispy", "good", 1);
  write_good("real_target.lispy", "linked", 2); /* not an agent name itself */
  make_symlink("real_target.lispy", "linked_agent.lispy");
  if (mkfifo(path_of("fifo_agent.lispy", 0), 0600) != 0) {
    perror("mkfifo");
    exit(2);
  }
  make_symlink("/dev/zero", "zero_agent.lispy");
  make_symlink("/dev/null", "null_agent.lispy");
  if (mkdir(path_of("folder_agent.lispy", 0), 0700) != 0) {
    perror("mkdir");
    exit(2);
  }
  make_symlink("missing_target.lispy", "broken_agent.lispy");
  make_symlink("loop_agent.lispy", "loop_agent.lispy");
  write_padded("huge_agent.lispy", "huge", AG_MAX_AGENT_FILE_BYTES + 1);
  write_padded("atcap_agent.lispy", "atcap", AG_MAX_AGENT_FILE_BYTES);
  make_symlink("someone@host.4242:1700000000",
               ".#good_agent.lispy"); /* an Emacs lock: a dotfile, skipped */
}

static void test_scan(ag_Runtime *rt) {
  ag_ScanReport r;
  ag_registry_scan(rt, &r); /* must return: the alarm fires otherwise */
  CHECK(r.nadded == 10);
  CHECK(r.nbroken == 7);
  CHECK(refused_with(&r, "fifo_agent.lispy", "FIFO"));
  CHECK(refused_with(&r, "zero_agent.lispy", "character device"));
  CHECK(refused_with(&r, "null_agent.lispy", "character device"));
  CHECK(refused_with(&r, "folder_agent.lispy", "directory"));
  CHECK(refused_with(&r, "broken_agent.lispy", "broken symbolic link to 'missing_target.lispy'"));
  CHECK(refused_with(&r, "loop_agent.lispy", "symbolic link loop"));
  CHECK(refused_with(&r, "huge_agent.lispy", "above the agent file cap"));
  CHECK(read_error(&r, "atcap_agent.lispy") == NULL);
  CHECK(read_error(&r, "good_agent.lispy") == NULL);
  CHECK(read_error(&r, "linked_agent.lispy") == NULL);
  CHECK(read_error(&r, ".#good_agent.lispy") == NULL); /* not globbed, like a shell's * */
  ag_scan_report_free(&r);
  CHECK(answers(rt, "good", 1));
  CHECK(answers(rt, "linked", 2)); /* a symlink to a regular file is followed */
  CHECK(answers(rt, "atcap", 9));  /* exactly at the cap is read */

  ag_registry_scan(rt, &r); /* unchanged, unreadable the same way: no change */
  CHECK(r.nadded == 0 && r.nchanged == 0 && r.nremoved == 0);
  ag_scan_report_free(&r);

  /* Replacing the FIFO by a real agent is a change, and it becomes callable. */
  CHECK(unlink(path_of("fifo_agent.lispy", 0)) == 0);
  write_good("fifo_agent.lispy", "fifo", 3);
  ag_registry_scan(rt, &r);
  CHECK(r.nchanged == 1 && r.nadded == 0 && r.nremoved == 0);
  ag_scan_report_free(&r);
  CHECK(answers(rt, "fifo", 3));
}

/* Loading one file directly (lispy run, lint FILE) says why, too. */
static void test_load_file(ag_Runtime *rt) {
  if (mkfifo(path_of("direct_agent.lispy", 0), 0600) != 0) {
    perror("mkfifo");
    exit(2);
  }
  ag_Agent *a = ag_agent_load_file(rt, path_of("direct_agent.lispy", 0));
  CHECK(!ag_agent_ok(a));
  CHECK(a->diags.n == 1 && strcmp(a->diags.items[0].code, "A002") == 0 &&
        strstr(a->diags.items[0].message, "FIFO") != NULL);
  ag_agent_free(a);
  CHECK(unlink(path_of("direct_agent.lispy", 0)) == 0);
  a = ag_agent_load_file(rt, path_of("absent_agent.lispy", 0));
  CHECK(a->diags.n == 1 && strstr(a->diags.items[0].message, "No such file") != NULL);
  ag_agent_free(a);
}

/* A folder that cannot be opened says why. */
static void test_missing_folder(void) {
  ag_Runtime *rt = ag_runtime_new();
  ag_registry_add_dir(rt, path_of("no_such_folder", 0));
  ag_ScanReport r;
  ag_registry_scan(rt, &r);
  CHECK(r.diags.n == 1 && strcmp(r.diags.items[0].code, "A004") == 0 &&
        strstr(r.diags.items[0].message, "No such file") != NULL);
  ag_scan_report_free(&r);
  ag_runtime_free(rt);
}

/* Two files, one name: the call's not_found error names both files. */
static void test_duplicate_call(ag_Runtime *rt) {
  write_good("twin_agent.lispy", "twin", 5);
  write_good("twin_copy_agent.lispy", "twin", 5);
  ag_ScanReport r;
  ag_registry_scan(rt, &r);
  ag_scan_report_free(&r);
  char *s = call_text(rt, "twin");
  CHECK(s && strstr(s, "\"not_found\"") && strstr(s, "twin_agent.lispy") &&
        strstr(s, "twin_copy_agent.lispy") && strstr(s, "declared by two files"));
  if (s) printf("duplicate call: %s\n", s);
  free(s);
  s = call_text(rt, "nobody");
  CHECK(s && strstr(s, "no agent named \\\"nobody\\\""));
  free(s);
  lispy_Text out = {0};
  CHECK(!ag_invoke_text(rt, "twin", NULL, NULL, &out));
  CHECK(out.data && strstr(out.data, "twin_copy_agent.lispy"));
  free(out.data);
}

/* A hostile folder cannot drive the terminal of whoever lints it: the
** controls in a file name and a load error's message are escaped. */
static void test_terminal_controls(ag_Runtime *rt) {
  write_file_text(path_of("esc\033[31m_agent.lispy", 0),
                  "(error \"boom \\u001b]52;c;cGF5bG9hZA==\\u0007 \\u009b2J done\")\n");
  ag_Agent *a = ag_agent_load_file(rt, path_of("esc\033[31m_agent.lispy", 0));
  CHECK(a->diags.n == 1);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  for (size_t i = 0; i < a->diags.n; i++) ag_diag_print(f, &a->diags.items[i], false);
  fclose(f);
  CHECK(text && strchr(text, '\033') == NULL && strchr(text, '\a') == NULL);
  CHECK(text && strstr(text, "esc\\x1b[31m_agent.lispy:") != NULL);
  CHECK(text && strstr(text, "boom \\x1b]52;c;cGF5bG9hZA==\\x07 \\u009b2J done") != NULL);
  CHECK(text && strstr(text, "\xc2\x9b") == NULL);
  free(text);
  ag_agent_free(a);
  CHECK(unlink(path_of("esc\033[31m_agent.lispy", 0)) == 0);

  char out[16];
  CHECK(ag_plain_text("a\tb\nc", out, sizeof out) == 8 && strcmp(out, "a\tb\\x0ac") == 0);
  CHECK(ag_plain_text("h\xc3\xa9", out, sizeof out) == 3);         /* UTF-8 text stays */
  CHECK(ag_plain_text("\033\033\033\033", out, sizeof out) == 12); /* whole escapes only */
  CHECK(strcmp(out, "\\x1b\\x1b\\x1b") == 0);
}

int main(void) {
  alarm(60); /* a registry that blocks on a file fails by SIGALRM */
  snprintf(dir, sizeof dir, "/tmp/lispy-files-XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    return 2;
  }
  write_folder();
  ag_Runtime *rt = ag_runtime_new();
  if (!rt) return 2;
  ag_registry_add_dir(rt, dir);
  test_scan(rt);
  test_load_file(rt);
  test_duplicate_call(rt);
  test_terminal_controls(rt);
  ag_runtime_free(rt);
  test_missing_folder();
  remove_dir(dir);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
