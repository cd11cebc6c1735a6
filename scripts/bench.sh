#!/usr/bin/env bash
# scripts/bench.sh -- time the benchmarks in tests/bench/ with lispy, Lua 5.4
# and Python 3, and check that all three print the same result.
#
#   scripts/bench.sh [LISPY] [--runs N] [BENCH...]
#
# LISPY defaults to build/lispy; N (default 5) runs per benchmark and
# language, the best one counts. BENCH names (fib loop strings dict startup)
# select benchmarks; default all. Also available as `cmake --build build
# --target bench`. Benchmarks are not tests: ctest never runs this.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH_DIR=$ROOT/tests/bench
LISPY=$ROOT/build/lispy
LUA=lua5.4
PYTHON=/usr/bin/python3
RUNS=5
ALL=(fib loop strings dict startup)
benches=()

while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench.sh: unknown option: $1" >&2; exit 2 ;;
    *)
      if [ -f "$BENCH_DIR/$1.lispy" ]; then benches+=("$1")
      else LISPY=$1; fi ;;
  esac
  shift
done
[ ${#benches[@]} -gt 0 ] || benches=("${ALL[@]}")

# ==== Timing ====================================================================

now_ns() { date +%s%N; }

# best_ms OUTFILE CMD...: run CMD RUNS times; print the best wall time in ms
# (or "error" if any run fails); the first run's stdout goes to OUTFILE.
best_ms() {
  local out=$1 best="" i t0 t1 ms
  shift
  for ((i = 0; i < RUNS; i++)); do
    t0=$(now_ns)
    if [ "$i" -eq 0 ]; then "$@" >"$out" 2>/dev/null || { echo error; return; }
    else "$@" >/dev/null 2>&1 || { echo error; return; }; fi
    t1=$(now_ns)
    ms=$(( (t1 - t0) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  echo "$best"
}

# ratio A B: A/B with two decimals, or "-" when either is not a number.
ratio() {
  case "$1$2" in *[!0-9]*|"") echo "-"; return ;; esac
  awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) b = 1; printf "%.2f", a / b }'
}

# ==== Interpreters ==============================================================

have() { [ -x "$1" ] || command -v "$1" >/dev/null 2>&1; }
have "$LISPY" || { echo "bench.sh: lispy not found at $LISPY (build it first)" >&2; exit 1; }
have_lua=0; have "$LUA" && have_lua=1
have_py=0; have "$PYTHON" && have_py=1
[ "$have_lua" -eq 1 ] || echo "bench.sh: $LUA: not installed"
[ "$have_py" -eq 1 ] || echo "bench.sh: $PYTHON: not installed"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "best of $RUNS runs, wall-clock ms ($LISPY)"
printf '%-10s %10s %10s %10s %10s %10s  %s\n' \
  benchmark 'lispy ms' 'lua ms' 'python ms' lispy/lua lispy/py check
status=0
for b in "${benches[@]}"; do
  l=$(best_ms "$tmp/lispy" "$LISPY" --fuel 0 run "$BENCH_DIR/$b.lispy")
  u="not installed"; p="not installed"
  [ "$have_lua" -eq 1 ] && u=$(best_ms "$tmp/lua" "$LUA" "$BENCH_DIR/$b.lua")
  [ "$have_py" -eq 1 ] && p=$(best_ms "$tmp/py" "$PYTHON" "$BENCH_DIR/$b.py")
  check=ok
  if [ "$l" = error ]; then check="lispy FAILED"; status=1
  else
    for other in lua py; do
      if [ -f "$tmp/$other" ] && ! cmp -s "$tmp/lispy" "$tmp/$other"; then
        check="MISMATCH (lispy: $(head -c 40 "$tmp/lispy" | tr '\n' ' '), $other: $(head -c 40 "$tmp/$other" | tr '\n' ' '))"
        status=1
      fi
    done
  fi
  rm -f "$tmp/lispy" "$tmp/lua" "$tmp/py"
  printf '%-10s %10s %10s %10s %10s %10s  %s\n' \
    "$b" "$l" "${u/not installed/n/a}" "${p/not installed/n/a}" \
    "$(ratio "$l" "$u")" "$(ratio "$l" "$p")" "$check"
done
exit "$status"
