/*
** main.c -- the lispy command line.
**
**   lispy run FILE...        evaluate files in one environment
**   lispy -e EXPR            evaluate and print the result
**   lispy                    read forms from standard input
**   lispy --version | --help
**
** Limits: --fuel N --memory BYTES --timeout SECONDS --depth N apply to every
** evaluation. LISPY_GC_STRESS=1 collects at every allocation (tests).
*/
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lispy.h"

/* ========================================================================
** Options
** ======================================================================== */

typedef struct rp_Options {
  lispy_Limits limits;
  const char *expr;        /* -e */
  char **files;            /* run FILE... */
  int nfiles;
  bool run;
} rp_Options;

static void rp_usage(FILE *out) {
  fprintf(out,
          "usage: lispy [options] run FILE...   evaluate LisPy files in order\n"
          "       lispy [options] -e EXPR       evaluate EXPR and print the result\n"
          "       lispy [options]               read forms from standard input\n"
          "       lispy --version | --help\n"
          "\n"
          "options:\n"
          "  --fuel N         steps an evaluation may take (0: unlimited; default %lld)\n"
          "  --memory BYTES   heap an evaluation may add (suffix k, m, g; 0: unlimited)\n"
          "  --timeout SECS   wall-clock seconds per evaluation (0: none)\n"
          "  --depth N        nested calls allowed (default %d)\n",
          (long long)lispy_default_limits().fuel, (int)lispy_default_limits().depth);
}

/* Parse a count with an optional k/m/g suffix; false on junk. */
static bool rp_parse_size(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || v < 0) return false;
  switch (*end) {
  case 'k': case 'K': v *= 1024; end++; break;
  case 'm': case 'M': v *= 1024 * 1024; end++; break;
  case 'g': case 'G': v *= 1024.0 * 1024 * 1024; end++; break;
  default: break;
  }
  *out = v;
  return *end == '\0';
}

static bool rp_limit_option(rp_Options *o, const char *name, const char *value) {
  double v;
  if (!value || !rp_parse_size(value, &v)) {
    fprintf(stderr, "lispy: %s needs a non-negative number, got '%s'\n", name, value ? value : "");
    exit(2);
  }
  if (strcmp(name, "--fuel") == 0) o->limits.fuel = (int64_t)v;
  else if (strcmp(name, "--memory") == 0) o->limits.memory = (size_t)v;
  else if (strcmp(name, "--timeout") == 0) o->limits.timeout = v;
  else if (strcmp(name, "--depth") == 0) o->limits.depth = (size_t)v;
  else return false;
  return true;
}

static void rp_parse_args(rp_Options *o, int argc, char **argv) {
  o->limits = lispy_default_limits();
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--version") == 0) {
      printf("lispy %s\n", lispy_version());
      exit(0);
    } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      rp_usage(stdout);
      exit(0);
    } else if (strcmp(a, "-e") == 0 && i + 1 < argc) {
      o->expr = argv[++i];
    } else if (strncmp(a, "--", 2) == 0 && strchr(a, '=')) {
      char name[32];
      size_t n = (size_t)(strchr(a, '=') - a);
      snprintf(name, sizeof name, "%.*s", (int)n, a);
      if (!rp_limit_option(o, name, a + n + 1)) goto unknown;
    } else if (strncmp(a, "--", 2) == 0 && i + 1 < argc && rp_limit_option(o, a, argv[i + 1])) {
      i++;
    } else if (strcmp(a, "run") == 0 && !o->run) {
      o->run = true;
      o->files = argv + i + 1;
      o->nfiles = argc - i - 1;
      break;
    } else {
      goto unknown;
    }
    continue;
  unknown:
    fprintf(stderr, "lispy: unknown argument '%s' (see lispy --help)\n", a);
    exit(2);
  }
}

/* ========================================================================
** Running
** ======================================================================== */

static lispy_State *rp_state;

static void rp_on_sigint(int sig) {
  (void)sig;
  if (rp_state) lispy_interrupt(rp_state);
}

static void rp_stdout(void *ud, const char *s, size_t len) {
  (void)ud;
  fwrite(s, 1, len, stdout);
}

static void rp_report(lispy_State *L) {
  char *text = lispy_error_text(L, lispy_last_error(L));
  fflush(stdout);
  fprintf(stderr, "%s\n", text);
  free(text);
}

static int rp_print_result(lispy_State *L, lispy_Value v) {
  char *s = lispy_repr(L, v, true);
  printf("%s\n", s);
  free(s);
  return 0;
}

static char *rp_read_stdin(size_t *len) {
  size_t cap = 1 << 16, n = 0, got;
  char *buf = malloc(cap);
  while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
    n += got;
    if (n == cap) {
      char *nb = realloc(buf, cap *= 2);
      if (!nb) { free(buf); return NULL; }
      buf = nb;
    }
  }
  *len = n;
  return buf;
}

static int rp_run(lispy_State *L, const rp_Options *o) {
  lispy_Value v;
  if (o->expr) {
    if (lispy_eval_string(L, NULL, o->expr, strlen(o->expr), "<expr>", &v) != LISPY_OK) {
      rp_report(L);
      return 1;
    }
    return rp_print_result(L, v);
  }
  if (o->run) {
    if (o->nfiles == 0) {
      fprintf(stderr, "lispy: run needs at least one FILE\n");
      return 2;
    }
    for (int i = 0; i < o->nfiles; i++)
      if (lispy_eval_file(L, NULL, o->files[i], NULL) != LISPY_OK) {
        rp_report(L);
        return 1;
      }
    return 0;
  }
  size_t len;
  char *src = rp_read_stdin(&len);
  if (!src) return 1;
  int rc = lispy_eval_string(L, NULL, src, len, "<stdin>", NULL);
  free(src);
  if (rc != LISPY_OK) rp_report(L);
  return rc == LISPY_OK ? 0 : 1;
}

int main(int argc, char **argv) {
  rp_Options o;
  memset(&o, 0, sizeof o);
  rp_parse_args(&o, argc, argv);
  lispy_State *L = lispy_open();
  if (!L) return 1;
  const char *stress = getenv("LISPY_GC_STRESS");
  if (stress && *stress && strcmp(stress, "0") != 0) lispy_gc_stress(L, true);
  lispy_set_limits(L, &o.limits);
  lispy_set_output(L, rp_stdout, NULL);
  rp_state = L;
  signal(SIGINT, rp_on_sigint);
  int rc = rp_run(L, &o);
  fflush(stdout);
  rp_state = NULL;
  lispy_close(L);
  return rc;
}
