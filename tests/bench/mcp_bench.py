#!/usr/bin/python3
"""mcp_bench.py -- the MCP benchmark (issue 12): `lispy mcp` against a
server written with the official TypeScript SDK that exposes the same
agent logic (tests/bench/mcp_sdk_server.mjs), both driven by this lean
driver over pipes, so the client's own cost does not hide the servers'.

    tests/bench/mcp_bench.py LISPY [NODE_MODULES] [--calls N] [--runs R]

For each server: the time from spawn to the initialize answer (best of R
starts), and N sequential tools/call round trips of get_weather
city=Paris (their total and the mean per call). Then the ratios. Every
answer is checked to be the same weather record, so both servers do the
same work. Run from the source root; printed by the `bench` target.
"""
import json
import os
import subprocess
import sys
import time

args = [a for a in sys.argv[1:] if not a.startswith("--")]
opts = sys.argv[1:]
LISPY = os.path.abspath(args[0])
NODE_MODULES = os.path.abspath(args[1] if len(args) > 1 else "build/node/node_modules")
CALLS = int(opts[opts.index("--calls") + 1]) if "--calls" in opts else 2000
RUNS = int(opts[opts.index("--runs") + 1]) if "--runs" in opts else 5
WANT = {"city": "Paris", "temperature": 18, "units": "celsius", "conditions": "cloudy", "humidity": 71}

SERVERS = {
    "lispy mcp": ([LISPY, "mcp", "--agents", "examples/agents", "--mock", "examples/mock.json"], {}),
    "TypeScript SDK": (["node", "tests/bench/mcp_sdk_server.mjs", "examples/mock.json"],
                       {"NODE_PATH": NODE_MODULES}),
}


def start(cmd, env):
    # buffered pipes (a readline of unbuffered ones is a read(2) per byte,
    # which would cost more than the servers); every message is flushed
    return subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env={**os.environ, **env})


def send(p, msg):
    p.stdin.write((json.dumps(msg) + "\n").encode())
    p.stdin.flush()


def recv(p):
    line = p.stdout.readline()
    if not line:
        raise SystemExit("the server ended early")
    return json.loads(line)


def initialize(p):
    send(p, {"jsonrpc": "2.0", "id": 0, "method": "initialize",
             "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                        "clientInfo": {"name": "bench", "version": "1"}}})
    r = recv(p)
    send(p, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    return r


def bench(name, cmd, env):
    best = None
    for _ in range(RUNS):
        t0 = time.perf_counter()
        p = start(cmd, env)
        r = initialize(p)
        dt = time.perf_counter() - t0
        assert "result" in r, r
        best = dt if best is None or dt < best else best
        p.stdin.close()
        p.wait()
    p = start(cmd, env)
    initialize(p)
    msg = {"jsonrpc": "2.0", "method": "tools/call", "params": {"name": "get_weather", "arguments": {"city": "Paris"}}}
    t0 = time.perf_counter()
    for i in range(1, CALLS + 1):
        msg["id"] = i
        send(p, msg)
        r = recv(p)
        if r.get("id") != i or r["result"].get("structuredContent") != WANT:
            raise SystemExit("%s: unexpected answer %r" % (name, r))
    total = time.perf_counter() - t0
    p.stdin.close()
    p.wait()
    return best * 1000, total * 1000


results = {}
for name, (cmd, env) in SERVERS.items():
    results[name] = bench(name, cmd, env)
    start_ms, total_ms = results[name]
    print("mcp: %-15s start %7.1f ms   %d calls %8.1f ms = %6.3f ms/call"
          % (name, start_ms, CALLS, total_ms, total_ms / CALLS))
ls, sdk = results["lispy mcp"], results["TypeScript SDK"]
print("mcp: lispy vs SDK: start %.1fx faster, per call %.1fx faster (targets: start < 10 ms, calls >= 10x)"
      % (sdk[0] / ls[0], sdk[1] / ls[1]))
