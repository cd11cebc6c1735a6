/*
** cp_code.c -- completion inside LisPy code: a forgiving scan of the text
** before the cursor (unbalanced brackets and quotes are fine) finds the
** word being typed and the forms around it:
**
**   (invoke "ag|             agent names (the closing quote is added)
**   (invoke "NAME" {:ci|     NAME's parameters as :key (also (dict ...))
**   (context-fe|             context methods, help = their parameters
**   (fo|   foo|              user globals, special forms, builtins
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "cp_internal.h"

/* ========================================================================
** The scan
** ======================================================================== */

#define CP_MAX_FRAMES 64 /* deeper brackets are counted, not described */

typedef enum cp_Item { CP_SYM, CP_KEY, CP_STR, CP_FORM } cp_Item;
typedef enum cp_Where { CP_IN_WORD, CP_IN_STRING, CP_IN_COMMENT } cp_Where;

typedef struct cp_Frame {
  char open;      /* '(' '[' or '{' */
  int nitems;     /* items completed in it so far */
  char head[32];  /* its first item when that is a symbol */
  char arg1[128]; /* its second item when that is a string */
  bool has_arg1;
  char keys[256]; /* dict keys seen, NUL-separated */
  size_t keys_len;
  char last_key[64]; /* the key of the value being typed */
  bool has_last_key; /* ... when that key is a string or keyword */
} cp_Frame;

typedef struct cp_Scan {
  cp_Frame frames[CP_MAX_FRAMES];
  size_t depth; /* open brackets (may exceed CP_MAX_FRAMES) */
  cp_Where where;
  size_t word; /* start of the word, or of the string's quote */
} cp_Scan;

/* The innermost open frame (NULL at top level or past the limit). */
static cp_Frame *cp_top(cp_Scan *s, size_t up) {
  if (s->depth <= up || s->depth - up > CP_MAX_FRAMES) return NULL;
  return &s->frames[s->depth - up - 1];
}

/* Copy n bytes of text into a fixed buffer (cut if too long). */
static void cp_copy(char *dst, size_t cap, const char *text, size_t n) {
  if (n >= cap) n = cap - 1;
  memcpy(dst, text, n);
  dst[n] = '\0';
}

/* Does the frame hold dict entries, and is its next item a key? */
static bool cp_at_key(const cp_Frame *f) {
  if (f->open == '{') return f->nitems % 2 == 0;
  return f->open == '(' && strcmp(f->head, "dict") == 0 && f->nitems % 2 == 1;
}

/* Record a completed item in the innermost frame. */
static void cp_item(cp_Scan *s, cp_Item type, const char *text, size_t n) {
  cp_Frame *f = cp_top(s, 0);
  if (!f) return;
  if (f->nitems == 0 && type == CP_SYM) cp_copy(f->head, sizeof f->head, text, n);
  if (f->nitems == 1 && type == CP_STR) {
    cp_copy(f->arg1, sizeof f->arg1, text, n);
    f->has_arg1 = true;
  }
  bool key = type == CP_KEY || type == CP_STR;
  if (cp_at_key(f)) f->has_last_key = key;
  if (cp_at_key(f) && key) {
    if (type == CP_KEY) text++, n--;
    cp_copy(f->last_key, sizeof f->last_key, text, n);
    if (f->keys_len + n + 1 < sizeof f->keys) {
      memcpy(f->keys + f->keys_len, text, n);
      f->keys_len += n;
      f->keys[f->keys_len++] = '\0';
    }
  }
  f->nitems++;
}

/* Open a bracket. */
static void cp_push(cp_Scan *s, char open) {
  s->depth++;
  cp_Frame *f = cp_top(s, 0);
  if (f) {
    memset(f, 0, sizeof *f);
    f->open = open;
  }
}

/* Close a bracket: the form is an item of the enclosing frame. */
static void cp_pop(cp_Scan *s) {
  if (s->depth == 0) return; /* a stray closer */
  s->depth--;
  cp_item(s, CP_FORM, "", 0);
}

/* Does c end a word: a blank, NUL, a bracket, a quote or ; , ' ` ? */
static bool cp_delim(char c) {
  return isspace((unsigned char)c) || c == '\0' || strchr("()[]{}\";,'`", c) != NULL;
}

/* End of the string whose quote is at i (index of the closing quote), or
** len when it does not close before the cursor. */
static size_t cp_string_end(const char *text, size_t len, size_t i) {
  for (size_t j = i + 1; j < len; j++) {
    if (text[j] == '\\') j++;
    else if (text[j] == '"') return j;
  }
  return len;
}

/* Scan text[0..len): fills s with the frames open at the cursor and what
** the cursor is in. */
static void cp_scan(cp_Scan *s, const char *text, size_t len) {
  size_t i = 0;
  s->depth = 0;
  while (i < len) {
    char c = text[i];
    if (isspace((unsigned char)c) || c == ',' || c == '\'' || c == '`') {
      i++;
      continue;
    }
    if (c == ';') {
      const char *nl = memchr(text + i, '\n', len - i);
      if (!nl) {
        s->where = CP_IN_COMMENT;
        s->word = i;
        return;
      }
      i = (size_t)(nl - text) + 1;
    } else if (c == '"') {
      size_t j = cp_string_end(text, len, i);
      if (j >= len) {
        s->where = CP_IN_STRING;
        s->word = i;
        return;
      }
      cp_item(s, CP_STR, text + i + 1, j - i - 1);
      i = j + 1;
    } else if (c == '(' || c == '[' || c == '{') {
      cp_push(s, c);
      i++;
    } else if (c == ')' || c == ']' || c == '}') {
      cp_pop(s);
      i++;
    } else if (c == '#' && i + 1 < len && strchr("([{", text[i + 1])) {
      i++; /* #( #[ #{: the bracket opens next */
    } else {
      size_t j = i;
      while (j < len && !cp_delim(text[j])) j++;
      if (j >= len) break; /* the word at the cursor */
      cp_item(s, c == ':' ? CP_KEY : CP_SYM, text + i, j - i);
      i = j;
    }
  }
  s->where = CP_IN_WORD;
  s->word = i < len ? i : len;
}

/* ========================================================================
** Deciding
** ======================================================================== */

/* The agent named by (invoke "NAME" ...) when f is its third item, a dict
** whose next item is a key; NULL otherwise. */
static const char *cp_invoke_dict(cp_Scan *s) {
  cp_Frame *f = cp_top(s, 0), *p = cp_top(s, 1);
  if (!f || !p || !cp_at_key(f)) return NULL;
  if (p->open != '(' || strcmp(p->head, "invoke") != 0 || !p->has_arg1 || p->nitems != 2)
    return NULL;
  return p->arg1;
}

/* The agent of an (invoke "NAME" {...}) dict whose next item is a value,
** with *key its key; NULL otherwise. */
static const char *cp_invoke_value(cp_Scan *s, const char **key) {
  cp_Frame *f = cp_top(s, 0), *p = cp_top(s, 1);
  if (!f || !p || cp_at_key(f) || !f->has_last_key || (f->open != '{' && f->open != '('))
    return NULL;
  if (f->open == '(' && strcmp(f->head, "dict") != 0) return NULL;
  if (p->open != '(' || strcmp(p->head, "invoke") != 0 || !p->has_arg1 || p->nitems != 2)
    return NULL;
  *key = f->last_key;
  return p->arg1;
}

/* The keys of frame f as a NULL-terminated array (malloc'd). */
static const char **cp_frame_keys(const cp_Frame *f) {
  size_t n = 0;
  for (size_t i = 0; i < f->keys_len; i++) n += f->keys[i] == '\0';
  const char **keys = calloc(n + 1, sizeof *keys);
  for (size_t i = 0, k = 0; keys && i < f->keys_len; k++) {
    keys[k] = f->keys + i;
    i += strlen(f->keys + i) + 1;
  }
  return keys;
}

/* Parameters of agent inside its dict, as ":key" or as `key"`. */
static void cp_dict_params(cp_Engine *e, cp_Scan *s, const char *agent, const char *prefix,
                           const char *before, const char *after, cp_Result *out) {
  const char **keys = cp_frame_keys(cp_top(s, 0));
  cp_add_params(e, agent, prefix, before, after, keys, out);
  free(keys);
}

/* Inside a string: agent names after (invoke ", keys in its dict. */
static void cp_in_string(cp_Engine *e, cp_Scan *s, const char *text, size_t len, const char *after,
                         cp_Result *out) {
  char prefix[256];
  cp_copy(prefix, sizeof prefix, text + s->word + 1, len - s->word - 1);
  const char *close = after[0] == '"' ? "" : "\"";
  const char *agent = cp_invoke_dict(s);
  cp_Frame *f = cp_top(s, 0);
  out->start = s->word + 1;
  const char *key = NULL, *vagent = cp_invoke_value(s, &key);
  if (agent) {
    cp_dict_params(e, s, agent, prefix, "", close, out);
  } else if (vagent) {
    cp_add_values(e, vagent, key, prefix, false, "", close, out);
  } else if (f && f->open == '(' && strcmp(f->head, "invoke") == 0 && f->nitems == 1) {
    cp_add_agents_quoted(e, prefix, close, out);
  }
}

/* Looks like a number (no symbol starts so): 12 -3 +4.5 .5 */
static bool cp_numeric(const char *w) {
  if (*w == '-' || *w == '+') w++;
  if (*w == '.') w++;
  return isdigit((unsigned char)*w);
}

/* Scan text[0..len) (the line up to the cursor) for the context and
** append its candidates: in a string, an invoke's parameters, values or
** agent names (closed with '"' unless after starts with one); nothing in
** a comment; ":key" parameters in an invoke's dict; a key's values; else
** symbols (for an empty word only right after '(', and never for a word
** starting with ':', '#' or a digit). Sets out->start; does nothing when
** out of memory. */
void cp_complete_code(cp_Engine *e, const char *text, size_t len, const char *after,
                      cp_Result *out) {
  cp_Scan *s = calloc(1, sizeof *s);
  if (!s) return;
  cp_scan(s, text, len);
  out->start = s->word;
  char word[256];
  cp_copy(word, sizeof word, text + s->word, len - s->word);
  cp_Frame *f = cp_top(s, 0);
  const char *agent = cp_invoke_dict(s), *key = NULL, *vagent = cp_invoke_value(s, &key);
  if (s->where == CP_IN_STRING) {
    cp_in_string(e, s, text, len, after, out); /* already in order */
  } else if (s->where == CP_IN_COMMENT) {
    /* nothing */
  } else if (agent && (!word[0] || word[0] == ':')) {
    cp_dict_params(e, s, agent, word[0] ? word + 1 : "", ":", "", out); /* required first */
  } else if (vagent && !word[0]) {
    cp_add_values(e, vagent, key, "", true, "", "", out); /* in the enum's order */
  } else if (!word[0]) {
    if (f && f->open == '(' && f->nitems == 0) cp_add_symbols(e, "", out);
    cp_result_sort(out);
  } else if (word[0] != ':' && word[0] != '#' && !cp_numeric(word)) {
    if (vagent) cp_add_values(e, vagent, key, word, true, "", "", out);
    cp_add_symbols(e, word, out);
    cp_result_sort(out);
  }
  free(s);
}
