#!/usr/bin/python3
# tests/check_includes.py ROOT -- the include graph of lispy's layers, and
# the language's internal names kept inside lispy/.
#
# The four folders are layers that only point down:
#   lispy/ <- agents/ <- completions/ <- repl/
# and each lower folder is reached through its one public header (lispy.h,
# agents.h, completions.h; repl/ is the top and has none). Every #include of
# a header of the tree in a .c or .h file of the four folders is checked:
#   (a) no file includes a header of a higher layer;
#   (b) no file includes a header of another folder other than that folder's
#       public one (lx_object.h from agents/, cp_internal.h from repl/...).
# A quoted include is looked up as the compiler does with the build's
# include path: the including file's folder first, then the four folders.
# One that names no file of the tree is an error too, since its folder
# cannot be told. Then, since lispy.h is the whole language API:
#   (c) no file of agents/, completions/ or repl/ uses an lx_ or LX_
#       identifier (lispy/'s internal names), once comments and string and
#       character literals are blanked out (prose may name lispy/'s knobs)
#       and #include lines left to (a) and (b).
# The tests (tests/) may use internals and are not read.
#
# Prints one line per violation, "path:line: rule (x): ...", and exits 1 if
# there is any, 0 otherwise. Run by ctest as static_includes; its own test
# (tests/check_includes_test.sh) runs it on a tree holding one violation of
# each rule.
import os
import re
import sys

LAYERS = ["lispy", "agents", "completions", "repl"]   # lowest first
PUBLIC = {"lispy": "lispy.h", "agents": "agents.h", "completions": "completions.h"}
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')
INTERNAL = re.compile(r'\b(?:lx|LX)_\w*')
SEALED = ("agents", "completions", "repl")   # folders rule (c) reads


def folder_of(root, path):
  """The layer folder holding path (absolute, normalized), or None."""
  rel = os.path.relpath(path, root)
  top = rel.split(os.sep)[0]
  return top if top in LAYERS and rel != top else None


def resolve(root, src, name, quoted):
  """The header of the tree an #include of name in src means, or None.
  Quoted: src's folder, then the four folders (the include path); angle
  brackets: the four folders only (a system header is not ours)."""
  dirs = ([os.path.dirname(src)] if quoted else []) + [os.path.join(root, d) for d in LAYERS]
  for d in dirs:
    p = os.path.normpath(os.path.join(d, name))
    if os.path.isfile(p):
      return p
  return None


def sources(root):
  """Every .c and .h file of the four folders, sorted."""
  for layer in LAYERS:
    base = os.path.join(root, layer)
    for dirpath, dirnames, filenames in os.walk(base):
      dirnames.sort()
      for f in sorted(filenames):
        if f.endswith((".c", ".h")):
          yield os.path.join(dirpath, f)


def check_includes(root, path, text, report):
  """Rules (a) and (b) for one file."""
  mine = folder_of(root, path)
  for lineno, line in enumerate(text.splitlines(), 1):
    m = INCLUDE.match(line)
    if not m:
      continue
    quoted, name = m.group(1) == '"', m.group(2)
    target = resolve(root, path, name, quoted)
    if target is None:
      if quoted:
        report(path, lineno, "b", '"%s" is no file of the tree: its folder cannot be told' % name)
      continue
    theirs = folder_of(root, target)
    if theirs is None or theirs == mine:
      continue
    if LAYERS.index(theirs) > LAYERS.index(mine):
      report(path, lineno, "a", "%s/ includes %s of %s/, a higher layer (layers: %s)"
             % (mine, name, theirs, " <- ".join(l + "/" for l in LAYERS)))
    elif os.path.basename(target) != PUBLIC.get(theirs):
      report(path, lineno, "b", "%s is internal to %s/: other folders include only %s"
             % (name, theirs, PUBLIC.get(theirs, "nothing")))


def blank_comments_and_literals(text):
  """text with every comment and string or character literal replaced by
  spaces, newlines kept (so line numbers stay), as the C lexer sees them."""
  out, i, n = [], 0, len(text)
  while i < n:
    c, nxt = text[i], text[i + 1] if i + 1 < n else ""
    if c == "/" and nxt in "/*":
      end = text.find("*/", i + 2) + 2 if nxt == "*" else i
      if nxt == "/":           # to the end of the line, past \-continuations
        while end < n and text[end] != "\n":
          end += 2 if text[end] == "\\" else 1
      if end < i + 2:
        end = n                # an unclosed /* runs to the end
      out.append(re.sub(r"[^\n]", " ", text[i:end]))
      i = end
    elif c in "\"'":
      end = i + 1              # to the closing quote (or the line's end)
      while end < n and text[end] not in (c, "\n"):
        end += 2 if text[end] == "\\" else 1
      end = min(end + 1 if end < n and text[end] == c else end, n)
      out.append(re.sub(r"[^\n]", " ", text[i:end]))
      i = end
    else:
      out.append(c)
      i += 1
  return "".join(out)


def check_names(root, path, text, report):
  """Rule (c) for one file of a sealed folder."""
  if folder_of(root, path) not in SEALED:
    return
  for lineno, line in enumerate(blank_comments_and_literals(text).splitlines(), 1):
    if INCLUDE.match(line):
      continue
    names = sorted(set(INTERNAL.findall(line)))
    if names:
      report(path, lineno, "c", "%s: internal to lispy/; use lispy.h" % ", ".join(names))


def main(argv):
  if len(argv) != 2:
    sys.stderr.write("usage: check_includes.py ROOT\n")
    return 2
  root = os.path.abspath(argv[1])
  found = []

  def report(path, lineno, rule, msg):
    found.append("%s:%d: rule (%s): %s" % (os.path.relpath(path, root), lineno, rule, msg))

  n = 0
  for path in sources(root):
    with open(path, encoding="utf-8", errors="replace") as f:
      text = f.read()
    check_includes(root, path, text, report)
    check_names(root, path, text, report)
    n += 1
  for line in found:
    print(line)
  print("check_includes: %d files, %d violations" % (n, len(found)))
  return 1 if found or n == 0 else 0


if __name__ == "__main__":
  sys.exit(main(sys.argv))
