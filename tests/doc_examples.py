#!/usr/bin/python3
"""tests/doc_examples.py -- run the examples of docs/lispy.md against lispy.

Every fenced block with the info string `lispy` in the document is a small
program, evaluated top to bottom in one fresh environment (one `lispy run`
per block). Inside a block:

  (expr) ;=> printed      the readable printed value of (expr) must equal
                          `printed` exactly (as `lispy -e` prints it);
  (expr) ;!! text         (expr) must raise an error whose message
                          contains `text`;
  ;; prints: "a\\n"       (right after a check line) what that example wrote
                          to the output, as a JSON string literal;
  anything else           definitions and setup, evaluated in order; an
                          error there fails the block.

A checked expression may span lines: the lines before the marker line that
do not yet form a complete datum belong to it.

The script also checks coverage: every special form (lispy/lx_specials.c),
builtin (lx_defnative calls and registration tables in lispy/lx_lib_*.c)
and prelude definition (stdlib/prelude.lispy) that does not start with `%`
must have an entry (a list item whose head, before the dash, shows
`(name ...)` or `name` in backquotes), must occur in at least one checked
example and must be listed in the index section (`--print-index` prints
a fresh one).

Usage: doc_examples.py [--lispy PATH] [--doc PATH] [--root DIR]
                       [--no-coverage] [--print-index] [-v]
The last line printed is "N passed, N failed"; the exit status is 1 if
anything failed.
"""
import argparse
import json
import glob
import os
import re
import subprocess
import sys
import tempfile

SENTINEL = "@@DOCEX@@"
END = "@@END@@"


# ==== Reading the document ===================================================

class Check:
    """One checked example."""

    def __init__(self, line, expr, kind, expected):
        self.line = line          # 1-based line number in the document
        self.expr = expr          # source text of the expression
        self.kind = kind          # "=>" value, "!!" error substring
        self.expected = expected  # text after the marker
        self.output = None        # expected output (";; prints:"), or None


class Setup:
    """One setup form (definitions and the like)."""

    def __init__(self, line, src):
        self.line = line
        self.src = src


def skip_block_comment(src, i):
    """Index after the #| ... |# comment (nestable) starting at src[i]."""
    depth, n = 0, len(src)
    while i < n:
        if src.startswith("#|", i):
            depth += 1
            i += 2
        elif src.startswith("|#", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    return n


def find_marker(text):
    """Index of a ';=> ' / ';!! ' marker outside strings, or (-1, None).
    A plain ';' comment outside a string ends the search."""
    in_str = False
    i = 0
    while i < len(text):
        c = text[i]
        if in_str:
            if c == "\\":
                i += 1
            elif c == '"':
                in_str = False
        elif c == '"':
            in_str = True
        elif text.startswith("#;", i):
            i += 1
        elif text.startswith("#|", i):
            i = skip_block_comment(text, i)
            continue
        elif c == ";":
            rest = text[i + 1:]
            if rest.startswith("=> ") or rest.startswith("!! ") or rest in ("=>", "!!"):
                return i, rest[:2]
            return -1, None
        i += 1
    return -1, None


def skip_space(src, i):
    """Index of the next datum in src from i (white space and comments skipped)."""
    while i < len(src):
        if src[i].isspace() or src[i] == ",":
            i += 1
        elif src.startswith("#;", i):
            i = datum_end(src, skip_space(src, i + 2))
        elif src.startswith("#|", i):
            i = skip_block_comment(src, i)
        elif src[i] == ";":
            while i < len(src) and src[i] != "\n":
                i += 1
        else:
            break
    return i


def datum_end(src, i):
    """Index just after the datum starting at src[i]."""
    n = len(src)
    while i < n and src[i] in "'`~,@":      # quote prefixes
        i += 1
    i = skip_space(src, i)
    if i >= n:
        return n
    c = src[i]
    if c == '"':
        i += 1
        while i < n and src[i] != '"':
            i += 2 if src[i] == "\\" else 1
        return i + 1
    if c in "([{":
        i += 1
        while True:
            i = skip_space(src, i)
            if i >= n:
                return n
            if src[i] in ")]}":
                return i + 1
            i = datum_end(src, i)
    start = i
    while i < n and not src[i].isspace() and src[i] not in '()[]{}";':
        i += 1
    return i if i > start else i + 1       # a stray closing bracket


def is_complete(src):
    """True unless src ends inside an open bracket or string."""
    depth, i, n = 0, 0, len(src)
    while i < n:
        c = src[i]
        if c == '"':
            i += 1
            while i < n and src[i] != '"':
                i += 2 if src[i] == "\\" else 1
            if i >= n:
                return False
        elif src.startswith("#;", i):
            i += 1
        elif src.startswith("#|", i):
            i = skip_block_comment(src, i)
            if not src.endswith("|#", 0, i):
                return False
            continue
        elif c == ";":
            while i < n and src[i] != "\n":
                i += 1
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        i += 1
    return depth <= 0


def split_forms(src, first_line):
    """Split source text into top-level forms: [(line, text)]."""
    forms = []
    i = skip_space(src, 0)
    while i < len(src):
        j = datum_end(src, i)
        forms.append((first_line + src.count("\n", 0, i), src[i:j]))
        i = skip_space(src, j)
    return forms


def parse_doc(path):
    """The lispy blocks of the document: [(first_line, [Setup|Check])]."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    blocks = []
    i = 0
    while i < len(lines):
        m = re.match(r"^(\s*)```+\s*lispy\s*$", lines[i])
        if not m:
            i += 1
            continue
        start = i + 1
        i += 1
        items, pending, pending_line = [], [], None
        while i < len(lines) and not re.match(r"^\s*```", lines[i]):
            text = lines[i]
            pos, kind = find_marker(text)
            pm = re.match(r"^\s*;;\s*prints:\s*(.*)$", text)
            if pm and items and isinstance(items[-1], Check) and not pending:
                items[-1].output = (i + 1, pm.group(1).strip())
            elif pos >= 0:
                expr, line = text[:pos].strip(), i + 1
                if pending:
                    forms = split_forms("\n".join(pending), pending_line)
                    if forms and not is_complete(forms[-1][1]):
                        line, head = forms.pop()    # a check spanning lines
                        expr = head + "\n" + expr
                    items.extend(Setup(ln, src) for ln, src in forms)
                    pending = []
                expected = text[pos + 3:].strip()
                items.append(Check(line, expr, kind, expected))
            else:
                if not pending:
                    pending_line = i + 1
                pending.append(text)
            i += 1
        if pending:
            for ln, src in split_forms("\n".join(pending), pending_line):
                items.append(Setup(ln, src))
        blocks.append((start, items))
        i += 1
    return blocks


# ==== Running a block ========================================================

def lispy_string(s):
    """s as a LisPy string literal."""
    out = ['"']
    for ch in s:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


RUNNER = """;; generated by tests/doc_examples.py
(define (%%docex-report i text)
  (display (str "%(s)s " i " " text " %(e)s"))
  (newline))
(define (%%docex-check i src)
  (%%docex-report i (try (format "=> ~s" (eval (read-string src)))
                        (catch e (str "!! " (error-message e))))))
""" % {"s": SENTINEL, "e": END}


def block_program(items):
    """The LisPy program evaluating a block's items (index = position)."""
    out = [RUNNER]
    for k, it in enumerate(items):
        out.append("(%%docex-check %d %s)\n" % (k, lispy_string(it.src if isinstance(it, Setup) else it.expr)))
    return "".join(out)


RECORD = re.compile(re.escape(SENTINEL) + r" (\d+) (.*?) " + re.escape(END) + r"\n", re.S)


def run_block(lispy, items, tmpdir, index):
    """Run the block; returns (results by item index, outputs, stderr)."""
    path = os.path.join(tmpdir, "block_%03d.lispy" % index)
    with open(path, "w", encoding="utf-8") as f:
        f.write(block_program(items))
    try:
        p = subprocess.run([lispy, "run", path], capture_output=True, timeout=120)
        stdout = p.stdout.decode("utf-8", "replace")
        stderr = p.stderr.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        return {}, {}, "timed out"
    results, outputs, last = {}, {}, 0
    for m in RECORD.finditer(stdout):
        k = int(m.group(1))
        results[k] = m.group(2)
        outputs[k] = stdout[last:m.start()]
        last = m.end()
    return results, outputs, stderr


# ==== Coverage ===============================================================

def registered_names(root):
    """Every name the language defines, from the sources: {name: origin}."""
    names = {}
    text = ""  # the special-form table, wherever in lispy/ it lives
    for fn in sorted(glob.glob(os.path.join(root, "lispy", "lx_*.c"))):
        with open(fn, encoding="utf-8") as f:
            text += f.read()
    m = re.search(r"sf_specials\[\]\s*=\s*\{(.*?)\n\};", text, re.S)
    if m:
        for name in re.findall(r'\{"([^"]+)",\s*sf_\w+\}', m.group(1)):
            names[name] = "special form"
    libdir = os.path.join(root, "lispy")
    for fn in sorted(os.listdir(libdir)):
        if not (fn.startswith("lx_") and fn.endswith(".c")):
            continue
        with open(os.path.join(libdir, fn), encoding="utf-8") as f:
            text = f.read()
        for name in re.findall(r'lx_defnative\(\s*L\s*,\s*"([^"]+)"', text):
            names[name] = fn
        for name in re.findall(r'\{\s*"([^"]+)"\s*,\s*bi_\w+\s*,', text):
            names[name] = fn
    prelude = os.path.join(root, "stdlib", "prelude.lispy")
    if os.path.exists(prelude):
        with open(prelude, encoding="utf-8") as f:
            text = f.read()
        for name in re.findall(r"^\((?:define|define-macro|defmacro|defn|def)\s+\(?([^\s()\[\]]+)",
                               text, re.M):
            names[name] = "prelude"
    return {k: v for k, v in names.items() if not k.startswith("%")}


def tokens(expr):
    """Symbols used by an expression (string contents removed)."""
    expr = re.sub(r'"(?:\\.|[^"\\])*"', " ", expr)
    return set(t for t in re.split(r"[\s()\[\]{}'`,~@]+", expr) if t)


def documented_entries(doc_text):
    """Names that have an entry: a list item whose head (the text before
    " — ", which may span lines) shows `(name ...)` or `name`."""
    entries = set()
    bullets, cur = [], None
    for line in doc_text.split("\n"):
        if re.match(r"^\s*[-*]\s+", line):
            cur = [line]
            bullets.append(cur)
        elif cur is not None and line.startswith(" ") and line.strip():
            cur.append(line)
        else:
            cur = None
    for b in bullets:
        head = " ".join(x.strip() for x in b).split(" — ")[0]
        entries.update(re.findall(r"`\(?([^\s`()]+)", head))
    return entries


def slug(heading):
    """The GitHub anchor of a heading text."""
    h = heading.strip().lower().replace("`", "")
    h = re.sub(r"[^\w\- ]", "", h)
    return h.replace(" ", "-")


def entry_sections(doc_text):
    """{name: (section title, anchor)} of the first entry of each name."""
    where, section = {}, ("", "")
    for part in re.split(r"(?m)^(## .*)$", doc_text):
        if part.startswith("## "):
            title = part[3:].strip()
            section = (title, slug(title))
            continue
        for name in documented_entries(part):
            where.setdefault(name, section)
    return where


def index_section(doc_text):
    """The text of the "Index" section (empty if there is none)."""
    m = re.search(r"(?ms)^## [0-9. ]*Index\s*$(.*?)(?=^## |\Z)", doc_text)
    return m.group(1) if m else ""


def build_index(doc_text, names):
    """Markdown for the index: the names alphabetically, grouped by their
    first character, each linked to the section with its entry."""
    where = entry_sections(doc_text)
    groups = {}
    for name in sorted(names, key=lambda n: (n.lower(), n)):
        key = name[0].upper() if name[0].isalpha() else "Symbols"
        groups.setdefault(key, []).append(name)
    lines = []
    for key in sorted(groups, key=lambda k: (k != "Symbols", k)):
        links = ["[`%s`](#%s)" % (n, where.get(n, ("", ""))[1]) for n in groups[key]]
        lines.append("**%s** · %s\n" % (key, " · ".join(links)))
    return "\n".join(lines)


# ==== Main ===================================================================

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--lispy", default=None, help="the lispy binary")
    ap.add_argument("--root", default=os.path.dirname(here), help="project root")
    ap.add_argument("--doc", default=None, help="the document (docs/lispy.md)")
    ap.add_argument("--no-coverage", action="store_true", help="skip the coverage check")
    ap.add_argument("-v", "--verbose", action="store_true", help="list every check")
    ap.add_argument("--print-index", action="store_true",
                    help="print the markdown of the index section and exit")
    args = ap.parse_args()
    doc = args.doc or os.path.join(args.root, "docs", "lispy.md")
    if args.print_index:
        with open(doc, encoding="utf-8") as f:
            print(build_index(f.read(), registered_names(args.root)), end="")
        return 0
    lispy = args.lispy or os.path.join(args.root, "build", "lispy")
    if not os.path.exists(lispy):
        print("doc_examples: no lispy binary at %s (use --lispy)" % lispy)
        print("0 passed, 1 failed")
        return 1

    passed = failed = 0
    used = set()
    blocks = parse_doc(doc)
    with tempfile.TemporaryDirectory(prefix="lispy-docs-") as tmpdir:
        for bi, (bline, items) in enumerate(blocks):
            if not items:
                continue
            results, outputs, stderr = run_block(lispy, items, tmpdir, bi)
            for k, it in enumerate(items):
                got = results.get(k)
                if isinstance(it, Setup):
                    used |= tokens(it.src)
                    if got is None or got.startswith("!! "):
                        failed += 1
                        why = got[3:] if got else "no result (%s)" % stderr.strip()[:300]
                        print("%s:%d: FAIL: setup form raised: %s" % (doc, it.line, why))
                    continue
                used |= tokens(it.expr)
                want = ("=> " if it.kind == "=>" else "!! ") + it.expected
                ok = got is not None and (got == want if it.kind == "=>"
                                          else got.startswith("!! ") and it.expected in got[3:])
                if ok and it.output is not None:
                    oline, otext = it.output
                    try:
                        want_out = json.loads(otext)
                    except ValueError:
                        want_out = None
                    if outputs.get(k) != want_out:
                        ok = False
                        got = "output %s (wanted %s)" % (json.dumps(outputs.get(k)), otext)
                if ok:
                    passed += 1
                    if args.verbose:
                        print("%s:%d: ok: %s" % (doc, it.line, it.expr))
                else:
                    failed += 1
                    if got is None:
                        got = "no result (%s)" % (stderr.strip()[:300] or "block stopped")
                    print("%s:%d: FAIL: %s\n    expected: %s\n    got:      %s"
                          % (doc, it.line, it.expr, want, got))

    if not args.no_coverage:
        with open(doc, encoding="utf-8") as f:
            text = f.read()
        entries, index = documented_entries(text), index_section(text)
        names = registered_names(args.root)
        for origin in ("special form", "prelude"):
            if origin not in names.values():
                failed += 1
                print("%s: FAIL: found no %s names in the sources "
                      "(did the registration format change?)" % (doc, origin))
        for name, origin in sorted(names.items()):
            if "[`%s`]" % name not in index:
                failed += 1
                print("%s: FAIL: %s (%s) is missing from the index "
                      "(regenerate it with --print-index)" % (doc, name, origin))
            elif name not in entries:
                failed += 1
                print("%s: FAIL: no entry for %s (%s)" % (doc, name, origin))
            elif name not in used:
                failed += 1
                print("%s: FAIL: no example uses %s (%s)" % (doc, name, origin))
            else:
                passed += 1

    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
