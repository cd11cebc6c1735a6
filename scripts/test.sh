#!/usr/bin/env bash
# scripts/test.sh -- build and run every test, twice:
#   build/       the normal build (RelWithDebInfo)
#   build-asan/  Debug with AddressSanitizer + UndefinedBehaviorSanitizer
#
#   scripts/test.sh            both builds
#   scripts/test.sh --quick    the normal build only
#   scripts/test.sh -- ARGS    extra ctest arguments (e.g. -- -L lang)
#
# Exits non-zero if any build or test fails; ends with one summary line per
# build. Uses at most 2 parallel jobs. The build directories can be moved
# with LISPY_BUILD_DIR and LISPY_ASAN_BUILD_DIR.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=2
quick=0
ctest_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --) shift; ctest_args=("$@"); break ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "test.sh: unknown option: $1" >&2; exit 2 ;;
  esac
  shift
done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

summaries=()
status=0

# ==== One build ===============================================================

# run_build NAME DIR CMAKE-ARGS...: configure, build, run ctest; records a
# summary line and sets status on failure.
run_build() {
  local name=$1 dir=$2
  shift 2
  local log
  log=$(mktemp)
  local built=""
  echo "==== $name: configure + build ($dir) ===="
  if ! cmake -S "$ROOT" -B "$dir" "$@"; then
    summaries+=("$name: CONFIGURE FAILED")
    status=1
    rm -f "$log"
    return
  fi
  # The lispy binary first, then everything else. A failed build still runs
  # ctest: what did build gets tested, the rest shows up as "Not Run".
  if ! cmake --build "$dir" -j"$JOBS" --target lispy ||
     ! cmake --build "$dir" -j"$JOBS"; then
    built="BUILD FAILED; "
    status=1
  fi
  echo "==== $name: ctest ===="
  (cd "$dir" && ctest --output-on-failure -j"$JOBS" "${ctest_args[@]}") 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local line
  line=$(grep -E '[0-9]+% tests passed' "$log" | tail -n 1)
  [ -n "$line" ] || line="no test summary (ctest exit $rc)"
  if [ "$rc" -eq 0 ] && [ -z "$built" ]; then
    summaries+=("$name: PASS: $line")
  else
    summaries+=("$name: FAIL: $built$line")
    status=1
  fi
  rm -f "$log"
}

run_build normal "${LISPY_BUILD_DIR:-$ROOT/build}"
if [ "$quick" -eq 0 ]; then
  run_build asan "${LISPY_ASAN_BUILD_DIR:-$ROOT/build-asan}" \
    -DLISPY_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi

# ==== Summary =================================================================

echo
echo "==== summary ===="
for s in "${summaries[@]}"; do echo "$s"; done
exit "$status"
