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
