#!/usr/bin/env bash
# tests/check_cli.sh -- run one command; check its exit status and output.
#
#   check_cli.sh RC REGEX COMMAND [ARGS...]
#
# RC is the expected exit status ("nonzero" accepts any failure status but
# not a crash by signal); REGEX is an extended regular expression that the
# combined stdout+stderr must match ("-": no check). Prints what it got
# when the check fails.
set -u

if [ $# -lt 3 ]; then
  echo "usage: $0 RC REGEX COMMAND [ARGS...]" >&2
  exit 2
fi
want_rc=$1
regex=$2
shift 2
cmd="$*"

out=$("$@" 2>&1)
rc=$?

fail() {
  echo "check_cli: $1" >&2
  echo "command: $cmd" >&2
  echo "exit status: $rc" >&2
  echo "---- output ----" >&2
  printf '%s\n' "$out" >&2
  exit 1
}

if [ "$want_rc" = nonzero ]; then
  # 128+N means killed by signal N (a crash, not an orderly error exit).
  if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ]; then
    fail "expected an error exit status (1..127)"
  fi
elif [ "$rc" -ne "$want_rc" ]; then
  fail "expected exit status $want_rc"
fi

if [ "$regex" != - ] && ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
  fail "output does not match /$regex/"
fi
exit 0
