#!/usr/bin/env bash
# scripts/bench_agents.sh -- dispatcher benchmarks: calls per second through
# invoke (tests/bench/invoke_bench.c: ag_invoke_text, and ag_invoke's tree)
# against a Python 3 reference dispatcher doing the same work
# (tests/bench/dispatch_reference.py), and the time to load a folder of
# 1,000 agents.
#
#   scripts/bench_agents.sh [BUILD_DIR] [--calls N] [--agents N]
#
# BUILD_DIR defaults to build/. The bench_invoke program is taken from the
# build (target bench_invoke) or, when the build has none, compiled here
# from tests/bench/invoke_bench.c against BUILD_DIR's libagents.a and
# liblispy.a. Targets: lispy >= 10x Python's calls/s; 1,000 agents load in
# under 100 ms. Benchmarks are not tests: ctest never runs this; the exit
# status is non-zero only when a benchmark itself fails.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$ROOT/build
PYTHON=/usr/bin/python3
CALLS=200000
AGENTS=1000

while [ $# -gt 0 ]; do
  case "$1" in
    --calls) CALLS=$2; shift ;;
    --agents) AGENTS=$2; shift ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench_agents.sh: unknown option: $1" >&2; exit 2 ;;
    *) BUILD=$1 ;;
  esac
  shift
done

# ==== The benchmark program ======================================================

TMP=$(mktemp -d /tmp/lispy-bench-agents-XXXXXX)
trap 'rm -rf "$TMP"' EXIT

find_bench() {
  local p
  for p in "$BUILD/tests/bench_invoke" "$BUILD/bench_invoke"; do
    if [ -x "$p" ]; then echo "$p"; return 0; fi
  done
  return 1
}

# Compile invoke_bench.c with the project's flags against the built libraries.
compile_bench() {
  local libs=("$BUILD/libagents.a" "$BUILD/liblispy.a") l
  for l in "${libs[@]}"; do
    [ -f "$l" ] || { echo "bench_agents.sh: $l not found; build first" >&2; return 1; }
  done
  echo "(no bench_invoke target in $BUILD: compiling tests/bench/invoke_bench.c)" >&2
  cc -std=c11 -O2 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
     -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
     -Wno-unused-parameter -I"$ROOT/agents" -I"$ROOT/lispy" \
     "$ROOT/tests/bench/invoke_bench.c" "${libs[@]}" \
     $(pkg-config --libs libcjson libutf8proc libpcre2-8) -lm \
     -o "$TMP/bench_invoke" && echo "$TMP/bench_invoke"
}

BENCH=$(find_bench) || BENCH=$(compile_bench) || exit 1

# ==== Running ======================================================================

# value KEY FILE: the number after "KEY " in FILE.
value() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }

echo "== lispy: $BENCH $CALLS $AGENTS"
"$BENCH" "$CALLS" "$AGENTS" | tee "$TMP/lispy.out" || { echo "bench_invoke failed" >&2; exit 1; }
echo "== python: $PYTHON tests/bench/dispatch_reference.py $CALLS"
"$PYTHON" "$ROOT/tests/bench/dispatch_reference.py" "$CALLS" | tee "$TMP/python.out" \
  || { echo "dispatch_reference.py failed" >&2; exit 1; }

L_CPS=$(value invoke_calls_per_sec "$TMP/lispy.out")
L_TREE=$(value invoke_tree_calls_per_sec "$TMP/lispy.out")
L_E2E=$(value end_to_end_calls_per_sec "$TMP/lispy.out")
P_CPS=$(value python_calls_per_sec "$TMP/python.out")
P_E2E=$(value python_end_to_end_calls_per_sec "$TMP/python.out")
LOAD=$(value load_ms_best "$TMP/lispy.out")

# ==== Summary ======================================================================

awk -v l="$L_CPS" -v lt="$L_TREE" -v p="$P_CPS" -v le="$L_E2E" -v pe="$P_E2E" -v load="$LOAD" -v n="$AGENTS" '
function verdict(ok) { return ok ? "target met" : "target MISSED" }
BEGIN {
  r = l / p; re = le / pe
  print ""
  print "== summary"
  printf "dispatch calls/s     lispy %9.0f   python %9.0f   ratio lispy/python %5.2fx  (%s: >= 10x; envelope as JSON text, as Python returns it)\n", l, p, r, verdict(r >= 10)
  printf "  as a cJSON tree      lispy %9.0f   python %9.0f   ratio lispy/python %5.2fx  (ag_invoke: envelope tree, not serialized)\n", lt, p, lt / p
  printf "end to end calls/s   lispy %9.0f   python %9.0f   ratio lispy/python %5.2fx  (JSON text in and out)\n", le, pe, re
  printf "load %d agents     %.1f ms  (%s: < 100 ms for 1000)\n", n, load, verdict(n != 1000 || load < 100)
}'
