#!/bin/bash
# check_script_mode.sh LISPY -- the shell with stdin not a terminal: results
# on stdout, errors (with their snippet) on stderr, and exit status 1 when
# any input failed or the input ended inside an unfinished form.
set -u
LISPY=${1:?usage: check_script_mode.sh LISPY}
FAILED=0
fail() { echo "FAIL $1"; printf '%s\n' "$2" | sed 's/^/  | /'; FAILED=1; }
run() { printf "$1" | "$LISPY" >"$OUT" 2>"$ERR"; RC=$?; }
OUT=$(mktemp) ERR=$(mktemp)
trap 'rm -f "$OUT" "$ERR"' EXIT

run '(+ 1 2)\n(* 6 7)\n'
[ "$RC" -eq 0 ] || fail "clean script: status $RC" "$(cat "$ERR")"
[ "$(cat "$OUT")" = $'=> 3\n=> 42' ] || fail "clean script: stdout" "$(cat "$OUT")"

run '(+ 1 2)\n(car 5)\n(+ 3 4)\n'
[ "$RC" -eq 1 ] || fail "runtime error: status $RC, want 1" ""
[ "$(cat "$OUT")" = $'=> 3\n=> 7' ] || fail "runtime error: stdout holds more than results" "$(cat "$OUT")"
grep -q 'error: car: expected a pair' "$ERR" || fail "runtime error: not on stderr" "$(cat "$ERR")"
grep -q '^ *1 | (car 5)$' "$ERR" || fail "runtime error: snippet not on stderr" "$(cat "$ERR")"

run '(+ 1 2)\n(+ 1\n'
[ "$RC" -eq 1 ] || fail "unfinished form: status $RC, want 1" ""
grep -q 'unfinished form' "$ERR" || fail "unfinished form: not said on stderr" "$(cat "$ERR")"

run '(+ 1 2))\n'
[ "$RC" -eq 1 ] || fail "syntax error: status $RC, want 1" "$(cat "$ERR")"
[ -s "$ERR" ] || fail "syntax error: nothing on stderr" ""

run 'undefined-thing\n(+ 1 1)\n'
[ "$RC" -eq 1 ] || fail "unbound variable: status $RC, want 1" ""
grep -q 'unbound variable: undefined-thing' "$ERR" || fail "unbound variable: not on stderr" "$(cat "$ERR")"

printf '(+ 1 1)\n' | "$LISPY" --agents /nonexistent-lispy-folder >"$OUT" 2>"$ERR"; RC=$?
grep -q 'nonexistent-lispy-folder.*agent folder cannot be read' "$ERR" || fail "missing folder: no warning" "$(cat "$ERR")"
[ "$RC" -eq 0 ] && [ "$(cat "$OUT")" = '=> 2' ] || fail "missing folder: the shell did not go on" "$(cat "$OUT")"

# An unbound variable's caret is under the symbol, not the call around it,
# also inside a function defined an input earlier.
run '(+ 1 foo)\n(define (g) (list 1\n  (+ 2 bar)))\n(g)\n'
grep -q '^<repl#1>:1:6: error: unbound variable: foo$' "$ERR" || fail "unbound: not at the symbol" "$(cat "$ERR")"
grep -q '^<repl#2>:2:8: error: unbound variable: bar$' "$ERR" || fail "unbound in g: not at the symbol" "$(cat "$ERR")"
grep -q '^ *2 |   (+ 2 bar)))$' "$ERR" || fail "unbound in g: not the define's line" "$(cat "$ERR")"

# :reload says how many prompt agents it dropped; a run typed after it does
# not revive the dropped descriptor.
run '(define AGENT {:name "tmp" :description "a prompt agent" :parameters {:type "object" :properties {}}})\n(define (run context) 1)\n:reload\n(define (run context) 2)\n:reload\n'
grep -q '; 1 prompt agent dropped$' "$OUT" || fail ":reload: count of dropped prompt agents" "$(cat "$OUT")"
grep -q '; 0 prompt agents dropped$' "$OUT" || fail ":reload: the dropped agent came back" "$(cat "$OUT")"

[ "$FAILED" -eq 0 ] && echo "PASS script mode"
exit "$FAILED"
