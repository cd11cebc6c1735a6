#!/usr/bin/python3
"""check_tutorial.py -- run every step of docs/tutorial.md against the real
lispy binary and check the output it shows.

    tests/shell/check_tutorial.py LISPY [TUTORIAL.md]

The conventions (also stated at the top of the tutorial):

* A fenced block whose info string is ``lispy-session`` is a transcript of
  the shell. ``lispy> FORM`` is input; ``  ...  MORE`` (the continuation
  prompt) continues the same input; every other line is expected output of
  that input. Blocks continue the same shell session, unless a block starts
  with ``$ lispy ARGS``, which starts a new one.
* A fenced block ``console`` holds ``$ lispy ARGS`` command lines, each
  followed by its expected output.
* A fenced block whose info string has ``file=PATH`` is written to PATH
  (relative to the tutorial's working directory) when the checker reaches it.
* Matching: expected lines must match the output lines one for one, in
  order. Runs of blanks count as one space and leading/trailing blanks are
  ignored, except in caret lines (only blanks, ``|`` and ``^``), which must
  match exactly. Inside a line ``…`` matches any text; a line that is only
  ``...`` matches any number of lines (zero included).

The shell runs in non-terminal mode (stdin a pipe; no prompts, no colours),
in a temporary directory where ``examples`` links to the project's examples.
Between two inputs the checker sends an unknown meta-command as a marker and
reads until the shell answers it, so each input is checked on its own output
(and files are written exactly when the tutorial writes them).

Prints one line per failed step, then "N passed, N failed"; exits 1 on any
failure (or when the tutorial has no steps at all).
"""
import os
import re
import select
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
STEP_TIMEOUT = 10.0          # seconds one input may take
MARKER = ":zz-tutorial-step-"
CONT = "  ...  "


# ==== Parsing the tutorial ================================================

def fenced_blocks(text):
    """Yield (info string, lines, line number of the first content line)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = re.match(r"^(`{3,})(.*)$", lines[i])
        if not m:
            i += 1
            continue
        fence, info, start = m.group(1), m.group(2).strip(), i + 2
        body = []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence):
            body.append(lines[i])
            i += 1
        i += 1
        yield info, body, start


class Step:
    """One input (or command) with the output lines it must produce."""

    def __init__(self, kind, text, lineno):
        self.kind = kind        # "input", "command" or "file"
        self.text = text        # input lines joined by \n / argv string
        self.lineno = lineno    # line in the tutorial
        self.expect = []        # expected output lines
        self.content = None     # file contents (kind "file")


def parse(text):
    """The tutorial as a list of sessions/commands/files, in order:
    ("session", args, [Step]) | ("command", Step) | ("file", Step)."""
    items = []
    session = None
    for info, body, start in fenced_blocks(text):
        words = info.split()
        attrs = dict(w.split("=", 1) for w in words[1:] if "=" in w)
        if "file" in attrs:
            st = Step("file", attrs["file"], start)
            st.content = "\n".join(body).rstrip("\n") + "\n"
            if session is not None:      # written between two inputs
                session[2].append(("file", st))
            else:
                items.append(("file", st))
            continue
        kind = words[0] if words else ""
        if kind not in ("lispy-session", "console"):
            continue
        while body and not body[-1].strip():
            body.pop()
        if kind == "console":
            session = None
        cur = None
        for n, line in enumerate(body):
            lineno = start + n
            if line.startswith("$ lispy"):
                if kind == "lispy-session":
                    if n != 0:
                        raise SystemExit("tutorial:%d: '$ lispy' must open the block" % lineno)
                    session = ("session", shlex.split(line[2:])[1:], [])
                    items.append(session)
                    cur = None
                else:
                    cur = Step("command", line[2:], lineno)
                    items.append(("command", cur))
            elif kind == "lispy-session" and line.startswith("lispy> "):
                if session is None:
                    raise SystemExit("tutorial:%d: input before any '$ lispy'" % lineno)
                cur = Step("input", line[len("lispy> "):], lineno)
                session[2].append(cur)
            elif (kind == "lispy-session" and line.startswith(CONT.rstrip())
                  and cur is not None and cur.kind == "input" and not cur.expect):
                cur.text += "\n" + line[len(CONT):]
            elif cur is None:
                raise SystemExit("tutorial:%d: output before any input" % lineno)
            else:
                cur.expect.append(line)
    return items


# ==== Matching ============================================================

def is_caret(line):
    return "^" in line and set(line.strip()) <= set("|^ ")


def norm(line):
    return " ".join(line.split())


def line_matches(exp, got):
    if is_caret(exp):
        return exp.rstrip() == got.rstrip()
    parts = [re.escape(p) for p in norm(exp).split("…")]
    return re.fullmatch(".*".join(parts), norm(got)) is not None


def lines_match(exp, got):
    """exp (with "..." wildcards) against got, one for one."""
    memo = {}

    def go(i, j):
        if (i, j) in memo:
            return memo[(i, j)]
        if i == len(exp):
            r = j == len(got)
        elif exp[i].strip() == "...":
            r = any(go(i + 1, k) for k in range(j, len(got) + 1))
        else:
            r = j < len(got) and line_matches(exp[i], got[j]) and go(i + 1, j + 1)
        memo[(i, j)] = r
        return r
    return go(0, 0)


# ==== Running =============================================================

class Shell:
    """A lispy shell on pipes, fed one input at a time."""

    def __init__(self, lispy, args, cwd, env):
        self.p = subprocess.Popen([lispy] + args, cwd=cwd, env=env, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.buf = b""
        self.n = 0

    def readline(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time_now()
            if left <= 0:
                raise TimeoutError("no answer within %.0f s" % STEP_TIMEOUT)
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if not r:
                continue
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                raise EOFError("the shell exited")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode("utf-8", "replace")

    def send(self, text):
        """Output lines of one input, and whether the shell exited."""
        self.n += 1
        marker = "%s%d" % (MARKER, self.n)
        out = []
        try:
            self.p.stdin.write((text + "\n" + marker + "\n").encode())
            self.p.stdin.flush()
        except BrokenPipeError:
            return out, True
        deadline = time_now() + STEP_TIMEOUT
        while True:
            try:
                line = self.readline(deadline)
            except EOFError:
                if self.buf:
                    out.append(self.buf.decode("utf-8", "replace"))
                return out, True
            if marker in line:
                return out, False
            out.append(line)

    def close(self):
        """Stop the shell (if it is still running)."""
        try:
            self.p.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.p.wait(timeout=STEP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        self.p.stdout.close()


def time_now():
    return time.monotonic()


class Checker:
    def __init__(self, lispy, workdir):
        self.lispy = lispy
        self.workdir = workdir
        self.passed = 0
        self.failed = 0
        self.env = dict(os.environ, NO_COLOR="1", HOME=workdir,
                        LISPY_HISTORY=os.path.join(workdir, "history"))
        self.env.pop("LISPY_AGENTS_PATH", None)

    def result(self, step, got, error=None):
        if error is None and lines_match(step.expect, got):
            self.passed += 1
            return
        self.failed += 1
        first = step.text.split("\n")[0]
        print("FAIL tutorial.md:%d: %s" % (step.lineno, first))
        if error:
            print("  " + error)
        print("  expected:")
        for e in step.expect:
            print("    | " + e)
        print("  got:")
        for g in got:
            print("    | " + g)

    def run_session(self, args, steps):
        sh = Shell(self.lispy, args, self.workdir, self.env)
        inputs = [st for st in steps if not isinstance(st, tuple)]
        for st in steps:
            if isinstance(st, tuple):          # a file written mid-session
                self.write_file(st[1])
                continue
            try:
                got, exited = sh.send(st.text)
            except TimeoutError as e:
                self.result(st, [], str(e))
                break
            if exited and st is not inputs[-1]:
                self.result(st, got, "the shell exited before the next input")
                break
            self.result(st, got)
        sh.close()

    def run_command(self, st):
        argv = shlex.split(st.text)
        p = subprocess.run([self.lispy] + argv[1:], cwd=self.workdir, env=self.env,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        self.result(st, p.stdout.decode("utf-8", "replace").rstrip("\n").split("\n"))

    def write_file(self, st):
        path = os.path.join(self.workdir, st.text)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(st.content)

    def run(self, items):
        for kind, *what in items:
            if kind == "session":
                self.run_session(what[0], what[1])
            elif kind == "file":
                self.write_file(what[0])
            else:
                self.run_command(what[0])


def main():
    if len(sys.argv) < 2:
        print("usage: check_tutorial.py LISPY [TUTORIAL.md]", file=sys.stderr)
        return 2
    lispy = os.path.abspath(sys.argv[1])
    path = sys.argv[2] if len(sys.argv) > 2 else os.path.join(ROOT, "docs", "tutorial.md")
    with open(path, encoding="utf-8") as f:
        items = parse(f.read())
    with tempfile.TemporaryDirectory(prefix="lispy-tutorial-") as tmp:
        os.symlink(os.path.join(ROOT, "examples"), os.path.join(tmp, "examples"))
        c = Checker(lispy, tmp)
        c.run(items)
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 1 if c.failed or not c.passed else 0


if __name__ == "__main__":
    sys.exit(main())
