#!/usr/bin/env bash
# tests/check_cli_commands.sh -- every subcommand of the table is in the
# usage text and in `lispy complete --cli` (both read repl/cli_commands.c;
# this fails if either stops doing so).
#
#   check_cli_commands.sh LISPY SOURCE_DIR
set -u
lispy=$1
table=$2/repl/cli_commands.c
names=$(sed -n 's/^  {"\([a-z-]*\)",.*/\1/p' "$table")
[ -n "$names" ] || { echo "FAIL: no commands read from $table"; exit 1; }
help=$("$lispy" --help) || { echo "FAIL: lispy --help"; exit 1; }
comp=$("$lispy" complete --cli -- "") || { echo "FAIL: lispy complete --cli"; exit 1; }
status=0
for n in $names; do
  grep -q "lispy \[options\] $n\b" <<<"$help" || { echo "FAIL: $n missing from lispy --help"; status=1; }
  grep -q "^$n	" <<<"$comp" || { echo "FAIL: $n missing from lispy complete --cli"; status=1; }
done
[ $status = 0 ] && echo "ok: $(echo $names | wc -w) commands in --help and complete --cli"
exit $status
