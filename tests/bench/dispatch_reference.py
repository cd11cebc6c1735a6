#!/usr/bin/python3
"""dispatch_reference.py -- a Python 3 reference dispatcher doing the work
that tests/bench/invoke_bench.c measures through ag_invoke, for comparison
(scripts/bench_agents.sh prints the ratio). Not a test.

Per call: validate the (already parsed) arguments against the agent's
two-property schema (types, required), fill the default into a copy, map
them onto run's parameters, call run with a fresh context, wrap the
result in an envelope and serialize it with json.dumps. Then the same
end to end: the arguments are parsed from JSON text on every call too.

    dispatch_reference.py [CALLS]      (default 200000)

Prints "python_calls_per_sec N" and "python_end_to_end_calls_per_sec N"
among other "key value" lines.
"""
import json
import sys
import time

SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "count": {"type": "integer", "default": 1},
    },
    "required": ["name"],
}

TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


class Context:
    """The agent's window to the world; here only its data fields."""

    def __init__(self, fields):
        self.fields = fields


def run(context, name, count):
    return {"name": name, "count": count}


def validate(schema, args):
    """Every problem as {"path", "message"}; fills defaults when valid."""
    errors = []
    props = schema["properties"]
    for key in schema.get("required", ()):
        if key not in args:
            errors.append({"path": "/" + key, "message": "missing required property"})
    for key, value in args.items():
        sub = props.get(key)
        if sub is not None and not TYPES[sub["type"]](value):
            errors.append({"path": "/" + key,
                           "message": "expected %s" % sub["type"]})
    if not errors:
        for key, sub in props.items():
            if key not in args and "default" in sub:
                args[key] = sub["default"]
    return errors


PARAMS = ("name", "count")


def dispatch(args):
    """args (a dict, not modified) -> the envelope as JSON text."""
    if not isinstance(args, dict):
        env = {"ok": False, "error": {"kind": "invalid_args",
                                      "message": "arguments must be a JSON object"}}
        return json.dumps(env)
    args = dict(args)  # defaults are filled into a copy
    errors = validate(SCHEMA, args)
    if errors:
        env = {"ok": False, "error": {"kind": "invalid_args",
                                      "message": "invalid arguments",
                                      "errors": errors}}
        return json.dumps(env)
    ctx = Context({"agent_id": "greet"})
    try:
        value = run(ctx, *(args.get(p) for p in PARAMS))
        env = {"ok": True, "value": value}
    except Exception as e:  # noqa: BLE001 -- the envelope carries it
        env = {"ok": False, "error": {"kind": "runtime", "message": str(e)}}
    return json.dumps(env)


def time_calls(label, calls, end_to_end):
    """dispatch() on parsed arguments, or (end to end) on JSON text."""
    text = '{"name": "world", "count": 3}'
    parsed = json.loads(text)
    bad = 0
    t0 = time.perf_counter()
    if end_to_end:
        for _ in range(calls):
            bad += not dispatch(json.loads(text)).startswith('{"ok": true')
    else:
        for _ in range(calls):
            bad += not dispatch(parsed).startswith('{"ok": true')
    took = time.perf_counter() - t0
    print("%s_calls %d" % (label, calls))
    print("%s_seconds %.3f" % (label, took))
    print("%s_calls_per_sec %.0f" % (label, calls / took))
    print("%s_us_per_call %.2f" % (label, took * 1e6 / calls))
    print("%s_failed_calls %d" % (label, bad))


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    print("python_envelope_sample", dispatch({"name": "world"}))
    time_calls("python", calls, False)
    time_calls("python_end_to_end", calls, True)


if __name__ == "__main__":
    main()
