#!/usr/bin/python3
"""check_mcp_raw.py -- a raw JSON-RPC client against `lispy mcp` (issue 12).

    tests/mcp/check_mcp_raw.py LISPY

Run from the source root. Starts the server over pipes on the example
agents plus a few of its own (a string result, output, a raise, a loop),
sends well-formed and malformed lines, and checks each answer, or the
silence a notification must get. At the end every line the server wrote
to stdout must be one JSON-RPC message. Prints one line per failed check
and "N passed, N failed"; exits 1 on any failure.
"""
import json
import os
import time
import select
import subprocess
import sys
import tempfile

LISPY = os.path.abspath(sys.argv[1])
passed = failed = 0


def check(cond, what, got=None):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL %s%s" % (what, "" if got is None else ": got %r" % (got,)))


AGENTS = {
    "shout_agent.lispy": '(def AGENT {:name "shout" :description "Upper case." :parameters {:type "object" :properties {:s {:type "string" :description "text"}} :required ["s"]}})\n(defn run [context s] (display "shouting") (string-upcase s))\n',
    "boom_agent.lispy": '(def AGENT {:name "boom" :description "Raises." :parameters {:type "object" :properties {}}})\n(defn run [context] (error "it broke"))\n',
    "huge_agent.lispy": '(def AGENT {:name "huge" :description "Too big to send." :parameters {:type "object" :properties {}}})\n(defn run [context] (string-repeat "x" 6000000))\n',
    "spin_agent.lispy": '(def AGENT {:name "spin" :description "Loops." :parameters {:type "object" :properties {}}})\n(defn run [context] (let loop () (loop)))\n',
}


class Server:
    def __init__(self, extra_env=None, timeout="1"):
        self.dir = tempfile.mkdtemp(prefix="lispy-mcp-")
        for name, text in AGENTS.items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        env = dict(os.environ)
        env.update(extra_env or {})
        self.p = subprocess.Popen(
            [LISPY, "mcp", "--agents", "examples/agents", "--agents", self.dir,
             "--mock", "examples/mock.json", "--timeout", timeout, "--fuel", "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.lines = []

    def send(self, text):
        self.p.stdin.write(text if isinstance(text, bytes) else text.encode())
        self.p.stdin.flush()

    def recv(self, timeout=10.0):
        """The next line the server writes, parsed; None on timeout."""
        r, _, _ = select.select([self.p.stdout], [], [], timeout)
        if not r:
            return None
        line = self.p.stdout.readline()
        self.lines.append(line)
        return json.loads(line) if line else None

    def ask(self, msg):
        self.send(json.dumps(msg) + "\n")
        return self.recv()

    def close(self):
        self.p.stdin.close()
        rest = self.p.stdout.read()
        self.lines += rest.splitlines(True)
        err = self.p.stderr.read().decode()
        self.p.wait(timeout=10)
        return err


def init(s, version="2025-11-25"):
    return s.ask({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                  "params": {"protocolVersion": version, "capabilities": {},
                             "clientInfo": {"name": "raw", "version": "1"}}})


# Version negotiation: each supported version is answered as it is; an
# unknown one gets the latest.
for v in ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05", "1999-01-01"]:
    s = Server()
    r = init(s, v)
    want = v if v != "1999-01-01" else "2025-11-25"
    check(r and r.get("result", {}).get("protocolVersion") == want, "initialize %s" % v, r)
    caps = (r or {}).get("result", {}).get("capabilities", {})
    check(caps.get("tools", {}).get("listChanged") is True and "logging" in caps, "capabilities", caps)
    check((r or {}).get("result", {}).get("serverInfo", {}).get("name") == "lispy", "serverInfo", r)
    s.close()

# Before initialize: tools are refused, ping is answered.
s = Server()
r = s.ask({"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
check(r and r.get("error", {}).get("code") == -32600, "tools/list before initialize", r)
r = s.ask({"jsonrpc": "2.0", "id": 2, "method": "ping"})
check(r == {"jsonrpc": "2.0", "id": 2, "result": {}}, "ping before initialize", r)
s.close()

s = Server({"LISPY_MCP_PAGE_SIZE": "4"})
init(s)
# Notifications are never answered: the next line is the ping's.
s.send('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
s.send('{"jsonrpc":"2.0","method":"notifications/no-such-thing","params":{}}\n')
s.send('{"jsonrpc":"2.0","method":"tools/list"}\n')
r = s.ask({"jsonrpc": "2.0", "id": "p1", "method": "ping"})
check(r == {"jsonrpc": "2.0", "id": "p1", "result": {}}, "notifications get no answer", r)

# Pagination: 4 a page, opaque cursors; a bad cursor is -32602.
names, cursor, pages = [], None, 0
while True:
    params = {"cursor": cursor} if cursor else {}
    r = s.ask({"jsonrpc": "2.0", "id": 10 + pages, "method": "tools/list", "params": params})
    res = (r or {}).get("result", {})
    names += [t["name"] for t in res.get("tools", [])]
    check(all("inputSchema" in t and "description" in t for t in res.get("tools", [])), "tool fields", res)
    pages += 1
    cursor = res.get("nextCursor")
    if not cursor or pages > 10:
        break
check(len(names) == 13 and len(set(names)) == 13, "13 tools over the pages", names)
check(pages == 4, "4 pages of 4", pages)
for bad in ["bogus", "tools:999", 42]:
    r = s.ask({"jsonrpc": "2.0", "id": 30, "method": "tools/list", "params": {"cursor": bad}})
    check(r and r.get("error", {}).get("code") == -32602, "invalid cursor %r" % (bad,), r)

# tools/call results.
def call(name, args, rid=40):
    return s.ask({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                  "params": {"name": name, "arguments": args}})


r = call("get_weather", {"city": "Paris"})
res = (r or {}).get("result", {})
check(res.get("isError") is False and res.get("structuredContent", {}).get("temperature") == 18,
      "ok call: structuredContent", res)
check(json.loads(res.get("content", [{}])[0].get("text", "null")) == res.get("structuredContent"),
      "ok call: the text item holds the value as JSON", res)
r = call("shout", {"s": "hi"})
res = (r or {}).get("result", {})
check(res.get("structuredContent") == {"result": "HI"}, "a non-object value is wrapped", res)
r = call("get_weather", {"city": "Paris", "units": "kelvin"})
res = (r or {}).get("result", {})
text = res.get("content", [{}])[0].get("text", "")
check(res.get("isError") is True and "structuredContent" not in res, "invalid_args is a tool error", res)
check("argument units" in text and "celsius" in text, "invalid_args says which argument and what", text)
r = call("get_weather", {})
text = (r or {}).get("result", {}).get("content", [{}])[0].get("text", "")
check("city" in text and "missing" in text, "a missing argument is named", text)
r = call("boom", {})
res = (r or {}).get("result", {})
check(res.get("isError") is True and "it broke" in res.get("content", [{}])[0].get("text", ""), "runtime error", res)
r = call("spin", {})
res = (r or {}).get("result", {})
check(res.get("isError") is True and "limit" in res.get("content", [{}])[0].get("text", ""), "a runaway agent ends with a limit", res)
r = call("huge", {})
res = (r or {}).get("result", {})
check(res.get("isError") is True and "too large" in res.get("content", [{}])[0].get("text", "")
      and len(s.lines[-1]) < 10000, "a result past the message limit is a short tool error", res)
r = call("no_such_tool", {})
check(r and r.get("error", {}).get("code") == -32602 and "no_such_tool" in r["error"]["message"], "unknown tool", r)
r = s.ask({"jsonrpc": "2.0", "id": 41, "method": "tools/call", "params": {"name": "shout", "arguments": [1]}})
check(r and r.get("error", {}).get("code") == -32602, "arguments not an object", r)
r = s.ask({"jsonrpc": "2.0", "id": 42, "method": "tools/call", "params": [1]})
check(r and r.get("error", {}).get("code") == -32602, "params not an object", r)

# logging/setLevel
r = s.ask({"jsonrpc": "2.0", "id": 50, "method": "logging/setLevel", "params": {"level": "warning"}})
check(r == {"jsonrpc": "2.0", "id": 50, "result": {}}, "setLevel warning", r)
r = s.ask({"jsonrpc": "2.0", "id": 51, "method": "logging/setLevel", "params": {"level": "loud"}})
check(r and r.get("error", {}).get("code") == -32602, "setLevel of an unknown level", r)

# Malformed input.
s.send("this is not json\n")
r = s.recv()
check(r and r.get("error", {}).get("code") == -32700 and "id" not in r, "parse error, no id member", r)
s.send('[{"jsonrpc":"2.0","id":60,"method":"ping"}]\n')
r = s.recv()
check(r and r.get("error", {}).get("code") == -32600 and "id" not in r, "a batch is refused", r)
r = s.ask({"id": 61, "method": "ping"})
check(r and r.get("error", {}).get("code") == -32600 and r.get("id") == 61, "no jsonrpc member", r)
r = s.ask({"jsonrpc": "2.0", "id": None, "method": "ping"})
check(r and r.get("error", {}).get("code") == -32600 and "id" not in r, "a null id", r)
r = s.ask({"jsonrpc": "2.0", "id": 62, "method": "resources/list"})
check(r and r.get("error", {}).get("code") == -32601, "unknown method", r)
s.send('{"jsonrpc":"2.0","id":63,"method":"ping"}\r\n')
r = s.recv()
check(r == {"jsonrpc": "2.0", "id": 63, "result": {}}, "a trailing \\r is tolerated", r)
big = b'{"jsonrpc":"2.0","id":64,"method":"ping","params":{"pad":"' + b"x" * (10 << 20) + b'"}}\n'
s.send(big)
r = s.recv(30)
check(r and r.get("error", {}).get("code") == -32600 and "too large" in r["error"]["message"], "an oversized message", r)
r = s.ask({"jsonrpc": "2.0", "id": 65, "method": "ping"})
check(r == {"jsonrpc": "2.0", "id": 65, "result": {}}, "the server goes on after it", r)

err = s.close()
bad = [l for l in s.lines if l.strip() and not (lambda x: isinstance(x, dict) and x.get("jsonrpc") == "2.0")(json.loads(l))]
check(not bad, "stdout holds JSON-RPC messages only", bad[:3])
check("shouting" in err, "an agent's output goes to stderr", err[:200])

# While a call runs the server still reads: a ping is answered at once, a
# cancellation stops the call and its request gets no answer; a new agent
# file brings notifications/tools/list_changed. The calls here could run
# 20 s (no fuel limit): only the cancellations end them, so every answer's
# order says so.
s = Server(timeout="20")
init(s)
s.send('{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
t0 = time.time()
s.send(json.dumps({"jsonrpc": "2.0", "id": "long", "method": "tools/call",
                   "params": {"name": "spin", "arguments": {}}}) + "\n")
time.sleep(0.2)
r = s.ask({"jsonrpc": "2.0", "id": "p2", "method": "ping"})
check(r == {"jsonrpc": "2.0", "id": "p2", "result": {}}, "ping answered while a call runs", r)
s.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled",
                   "params": {"requestId": "long", "reason": "test"}}) + "\n")
r = s.ask({"jsonrpc": "2.0", "id": "after", "method": "tools/call",
           "params": {"name": "shout", "arguments": {"s": "ok"}}})
check(r and r.get("id") == "after", "the cancelled call stopped and got no answer", r)
check(time.time() - t0 < 10, "... at once", time.time() - t0)
# a request cancelled before it runs is never answered either
s.send(json.dumps({"jsonrpc": "2.0", "id": "slow", "method": "tools/call",
                   "params": {"name": "spin", "arguments": {}}}) + "\n")
s.send(json.dumps({"jsonrpc": "2.0", "id": "queued", "method": "tools/call",
                   "params": {"name": "shout", "arguments": {"s": "no"}}}) + "\n")
s.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled",
                   "params": {"requestId": "queued"}}) + "\n")
time.sleep(0.2)
s.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled",
                   "params": {"requestId": "slow"}}) + "\n")
r = s.ask({"jsonrpc": "2.0", "id": "p3", "method": "tools/call",
           "params": {"name": "shout", "arguments": {"s": "last"}}})
check(r and r.get("id") == "p3", "neither the running nor the queued cancelled request got an answer", r)
# notifications/progress while a call with a progressToken runs long.
s.send(json.dumps({"jsonrpc": "2.0", "id": "prog", "method": "tools/call",
                   "params": {"name": "spin", "arguments": {}, "_meta": {"progressToken": "tok"}}}) + "\n")
notes = [s.recv(5) for _ in range(2)]
check(all(n and n.get("method") == "notifications/progress" and n["params"]["progressToken"] == "tok"
          for n in notes), "progress notifications for a long call", notes)
check(notes[0] and notes[1] and notes[1]["params"]["progress"] > notes[0]["params"]["progress"],
      "progress increases", notes)
s.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "prog"}}) + "\n")
r = s.ask({"jsonrpc": "2.0", "id": "p4", "method": "ping"})
while r and r.get("method") == "notifications/progress":  # one may have been on its way
    r = s.recv()
check(r and r.get("id") == "p4", "after the cancel: the ping", r)
with open(os.path.join(s.dir, "late_agent.lispy"), "w") as f:
    f.write('(def AGENT {:name "late" :description "Added later." :parameters {:type "object" :properties {}}})\n(defn run [context] 1)\n')
r = s.recv(5)
check(r == {"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}, "list_changed after a file is added", r)
r = s.ask({"jsonrpc": "2.0", "id": 70, "method": "tools/list"})
check("late" in [t["name"] for t in (r or {}).get("result", {}).get("tools", [])], "the new tool is listed", r)
s.close()

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
