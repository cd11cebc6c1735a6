#!/bin/bash
# check_output.sh LISPY -- an agent's display/print output is never lost:
# `lispy call` writes it to stderr (stdout holds the envelope alone), the
# shell shows it as it is written, on lines of its own before "=> ", for
# prompt forms, :call and (invoke ...), and the output cap says it cut.
set -u
LISPY=${1:?usage: check_output.sh LISPY}
TMP=$(mktemp -d /tmp/lispy-output.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
FAILED=0
fail() { echo "FAIL $1"; printf '%s\n' "$2" | sed 's/^/  | /'; FAILED=1; }

mkdir "$TMP/agents"
cat > "$TMP/agents/talk_agent.lispy" <<'LISPY'
(define AGENT {:name "talk" :description "Prints while it runs."
               :parameters {:type "object" :properties {:n {:type "integer" :default 1}}}})
(define (run context n)
  (display "open line")
  (println " closed" n)
  (print {:k [1 2]})
  (* n 10))
LISPY
cat > "$TMP/agents/flood_agent.lispy" <<'LISPY'
(define AGENT {:name "flood" :description "Prints too much."
               :parameters {:type "object" :properties {}}})
(define (run context) (let loop ((i 0)) (display "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx") (loop (+ i 1))))
LISPY

# lispy call: envelope on stdout only, the output on stderr.
out=$("$LISPY" call talk n=2 --agents "$TMP/agents" 2>"$TMP/err")
[ "$out" = '{"ok":true,"value":20}' ] || fail "call: stdout is not the envelope alone" "$out"
grep -qx 'open line closed 2' "$TMP/err" || fail "call: display/println output not on stderr" "$(cat "$TMP/err")"
grep -q '{:k \[1 2\]}' "$TMP/err" || fail "call: print output not on stderr" "$(cat "$TMP/err")"

# The shell: output first, then "=> " at the start of a line.
out=$(printf '%s\n' '(begin (display "no newline") 5)' ':call talk n=3' '(get (invoke "talk" {:n 4}) :value)' \
      | "$LISPY" --agents "$TMP/agents" 2>&1)
printf '%s\n' "$out" | grep -qx 'no newline' || fail "shell: a form's display output is missing" "$out"
printf '%s\n' "$out" | grep -qx '=> 5' || fail "shell: the result is not on a line of its own" "$out"
printf '%s\n' "$out" | grep -qx 'open line closed 3' || fail "shell: :call output is missing" "$out"
printf '%s\n' "$out" | grep -A1 -x '{:k \[1 2\]}' | grep -qx 'ok' || fail "shell: :call's status does not follow its output" "$out"
printf '%s\n' "$out" | grep -qx 'open line closed 4' || fail "shell: (invoke ...) output is missing" "$out"
printf '%s\n' "$out" | grep -qx '=> 40' || fail "shell: invoke's value is wrong" "$out"

# The cap: a flood ends with a limit error that names the output.
out=$("$LISPY" call flood --agents "$TMP/agents" 2>/dev/null)
printf '%s\n' "$out" | grep -q '"kind":"limit"' || fail "flood: no limit envelope" "$out"
printf '%s\n' "$out" | grep -q 'output limit' || fail "flood: the envelope does not say the output cut" "$out"

[ "$FAILED" -eq 0 ] && echo "PASS output"
exit "$FAILED"
