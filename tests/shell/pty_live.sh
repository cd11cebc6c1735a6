# pty_live.sh -- agents defined at the prompt (sourced by run_pty_tests.sh).

# A new AGENT after an old run waits for its own run: it never registers
# with the old one and lint never reports against it; the same :name typed
# again (a fix) keeps its run.
t_new_agent_after_old_run() {
  local n=pairing
  start $n -- "${EXAMPLES[@]}"
  wait_for $n "^$PROMPT" || return 1
  type_ $n '(define AGENT {:name "one" :description "first agent" :parameters {:type "object" :properties {:x {:type "integer"}} :required ["x"]}})'; keys $n Enter
  type_ $n '(define (run context x) (* x 2))'; keys $n Enter
  wait_for $n '^agent one defined: x \(integer, required\)$' || return 1
  type_ $n '(define AGENT {:name "one" :description "first agent, fixed" :parameters {:type "object" :properties {:x {:type "integer"}} :required ["x"]}})'; keys $n Enter
  wait_for $n '^agent one defined' 2 || return 1
  type_ $n '(define AGENT {:name "two" :description "second agent" :parameters {:type "object" :properties {:y {:type "string"}} :required ["y"]}})'; keys $n Enter
  type_ $n '(+ 20 22)'; keys $n Enter
  wait_for $n '^=> 42$' || return 1
  screen $n | grep -qE 'agent two defined|A30[0-9]' && { WHY="two paired with one's run or was linted against it"; return 1; }
  type_ $n '(define (run context y) (string-append y "!"))'; keys $n Enter
  wait_for $n '^agent two defined: y \(string, required\)$' || return 1
  type_ $n ':call one x=4'; keys $n Enter
  wait_for $n '^8$' || return 1
}

# `context` at the prompt is the shell's context; :in NAME evaluates inside
# an agent (its helpers callable, :doc on them, its name in the prompt);
# :in alone goes back, and a definition made inside stays inside.
t_context_and_in() {
  local n=inside
  start $n -- "${EXAMPLES[@]}"
  wait_for $n "^$PROMPT" || return 1
  type_ $n '(context-llm context "hi")'; keys $n Enter
  wait_for $n '^=> "\[mock reply to: hi\]"$' || return 1
  type_ $n ':in get_weather'; keys $n Enter
  wait_for $n '^lispy\[get_weather\]> $' || return 1
  type_ $n '(get (fetch-observation context "paris") :humidity)'; keys $n Enter
  wait_for $n '^=> 71$' || return 1
  type_ $n ':doc fetch-observation'; keys $n Enter
  wait_for $n '^\(fetch-observation context city\)$' || return 1
  type_ $n '(define inside-only 1)'; keys $n Enter
  wait_for $n '^=> inside-only$' || return 1
  type_ $n ':in'; keys $n Enter
  wait_for $n '^back in the shell \(was in get_weather\)$' || return 1
  type_ $n 'inside-only'; keys $n Enter
  wait_for $n 'error: unbound variable: inside-only' || return 1
}

# A 1,000,000-item result is cut at the print length; :set changes it; and
# with no cut, Ctrl-C stops a long print (3,000,000 lines) at once, and the
# shell goes on.
t_print_cut() {
  local n=printcut
  start $n -- "${EXAMPLES[@]}"
  wait_for $n "^$PROMPT" || return 1
  type_ $n '(list->vector (range 1000000))'; keys $n Enter
  wait_for $n '^ 199 … 999800 more\]$' || return 1
  type_ $n ':set print-length 3'; keys $n Enter
  type_ $n '{:a (range 1000000) :b 2 :c 3 :d 4}'; keys $n Enter
  wait_for $n '^=> \{:a \(0 1 2 … 999997 more\) :b 2 :c 3 … 1 more\}$' || return 1
  type_ $n ':set print-length 0'; keys $n Enter
  type_ $n '(define v (list->vector (range 3000000)))'; keys $n Enter
  wait_for $n '^=> v$' || return 1
  type_ $n 'v'; keys $n Enter # evaluated at once: the time goes into printing
  sleep 0.2
  keys $n C-c
  wait_for $n '^\(printing stopped by Ctrl-C\)$' || return 1
  type_ $n '(+ 40 2)'; keys $n Enter
  wait_for $n '^=> 42$' || return 1
}

# What run displays shows under :call as it is produced, before the status;
# an error raised in a function defined two inputs earlier shows that
# input's line with the caret under the call that failed, at the prompt
# and under :call alike.
t_output_and_snippets() {
  local n=snippets
  start $n -- "${EXAMPLES[@]}"
  wait_for $n "^$PROMPT" || return 1
  type_ $n '(define (f x) (+ 1 (car x)))'; keys $n Enter
  type_ $n '(define unrelated 1)'; keys $n Enter
  type_ $n '(f 5)'; keys $n Enter
  wait_for $n '^<repl#1>:1:21: error: car: expected a pair, got 5$' || return 1
  wait_for $n '^   1 \| \(define \(f x\) \(\+ 1 \(car x\)\)\)$' || return 1
  wait_for $n '^     \| {21}\^$' || return 1
  type_ $n '(def AGENT {:name "talk" :description "Talks." :parameters {:type "object" :properties {}}})'; keys $n Enter
  type_ $n '(defn run [context] (display "thinking...") (newline) (f 7))'; keys $n Enter
  wait_for $n '^agent talk defined' || return 1
  type_ $n ':call talk'; keys $n Enter
  wait_for $n '^error: runtime$' || return 1
  screen $n | grep -A1 -x 'thinking\.\.\.' | grep -qx 'error: runtime' || { WHY="the output did not come first"; return 1; }
  wait_for $n '^<repl#1>:1:21: error: car: expected a pair, got 7$' || return 1
  wait_for $n '^     \| {21}\^$' 2 || return 1
}

# Commands at a terminal: :apropos, did-you-mean for agents and symbols, a
# bad :limits value, :set; then an agent typed here, called, and saved with
# --tests: `lispy test` passes on the files at once.
t_commands_and_save() {
  local n=cmdsave dir="$TMP/saved"
  start $n -- "${EXAMPLES[@]}"
  wait_for $n "^$PROMPT" || return 1
  type_ $n ':apropos upcase'; keys $n Enter
  wait_for $n '^  \(string-upcase s\)  builtin: ' || return 1
  type_ $n ':call get_wether'; keys $n Enter
  wait_for $n '^no agent named "get_wether" \(did you mean get_weather\?\)$' || return 1
  type_ $n '(lenght (list 1 2))'; keys $n Enter
  wait_for $n '^     hint: did you mean length\?$' || return 1
  type_ $n ':limits fuel abc'; keys $n Enter
  wait_for $n "^fuel: expected a whole number of steps.*got 'abc'$" || return 1
  type_ $n '(def AGENT {:name "twice" :description "Doubles." :parameters {:type "object" :properties {:x {:type "integer" :description "x"}} :required ["x"]}})'; keys $n Enter
  type_ $n '(defn run [context x] (* 2 x))'; keys $n Enter
  wait_for $n '^agent twice defined' || return 1
  type_ $n ':call twice x=21'; keys $n Enter
  wait_for $n '^42$' || return 1
  type_ $n ':call twice x=no'; keys $n Enter
  wait_for $n "^x=no: the schema says x is an integer, and 'no' is not one$" || return 1
  type_ $n ':call twice'; keys $n Enter
  wait_for $n '^error: invalid_args$' || return 1
  type_ $n ":save twice $dir --tests"; keys $n Enter
  wait_for $n "^saved 2 calls as cases to $dir/twice_agent.test.json$" || return 1
  local out
  out=$("$LISPY" test "$dir" 2>&1) || { WHY="lispy test failed: $out"; return 1; }
  grep -q '^2 passed, 0 failed$' <<<"$out" || { WHY="lispy test: $out"; return 1; }
}
