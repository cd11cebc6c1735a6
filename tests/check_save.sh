#!/usr/bin/env bash
# tests/check_save.sh LISPY -- :save and :forget (issue 11), stdin piped
# into the shell. An agent typed at the prompt with a helper from an
# earlier input, a store it reads and writes, and a context field changed
# by :ctx set is saved with --tests; `lispy test` must pass on the files at
# once, and a fresh shell must load the saved agent. Then the refusals:
# an existing file without --force, a file agent, an unknown name; and
# :forget brings back the file agent a prompt agent shadowed; :load DIR
# loads what a scan would. Run from the source root.
set -u
lispy=$1
fails=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() {
  echo "check_save: $1" >&2
  [ $# -gt 1 ] && printf -- '---- output ----\n%s\n' "$2" >&2
  fails=$((fails + 1))
}

out=$(printf '%s\n' \
  '(define (label n) (str "visit #" n))' \
  '(define (count-up context) (let ((n (+ 1 (or (context-load context "n") 0)))) (context-save context "n" n) n))' \
  '(define unrelated 42)' \
  '(def AGENT {:name "visits" :description "Counts visits." :parameters {:type "object" :properties {:who {:type "string" :description "visitor"}} :required ["who"]}})' \
  '(defn run [context who] (str (label (count-up context)) " by " who " in " (get context :channel)))' \
  ':call visits who=ann' \
  ':ctx set channel "random"' \
  ':call visits who=bob' \
  ':call visits' \
  ":save visits $TMP/agents --tests" \
  ":save visits $TMP/agents" \
  ':save get_weather' \
  ':save nobody' \
  '(def AGENT {:name "get_weather" :description "A stand-in." :parameters {:type "object" :properties {}}})' \
  '(defn run [context] "stand-in")' \
  ':call get_weather' \
  ':forget get_weather' \
  ':call get_weather city=Paris' \
  ':forget get_weather' \
  | "$lispy" --agents examples/agents --mock examples/mock.json 2>&1)

grep -q "^saved visits to $TMP/agents/visits_agent.lispy (with 2 earlier inputs it uses)$" <<<"$out" ||
  fail "the helpers did not come along" "$out"
grep -q "^saved 3 calls as cases to $TMP/agents/visits_agent.test.json$" <<<"$out" ||
  fail "the calls were not saved as cases" "$out"
grep -q "^$TMP/agents/visits_agent.lispy exists (use --force to overwrite it)$" <<<"$out" ||
  fail "an existing file was not refused" "$out"
grep -q '^get_weather comes from .*get_weather_agent.lispy, not from the prompt: nothing to save$' <<<"$out" ||
  fail ":save of a file agent was not refused" "$out"
grep -q '^no agent named "nobody"' <<<"$out" || fail ":save of an unknown name" "$out"
grep -q '^"stand-in"$' <<<"$out" || fail "the prompt agent did not shadow the file agent" "$out"
grep -q '^forgot get_weather (.*get_weather_agent.lispy is visible again)$' <<<"$out" ||
  fail ":forget did not say the file agent is back" "$out"
grep -q '"temperature": 18' <<<"$out" || fail "the file agent is not callable after :forget" "$out"
grep -q '^get_weather comes from .*, not from the prompt: nothing to forget$' <<<"$out" ||
  fail ":forget of a file agent was not refused" "$out"
grep -q 'unrelated' "$TMP/agents/visits_agent.lispy" && fail "an input the agent does not use was saved"

# The saved files pass as they are, in a fresh process.
test_out=$("$lispy" test "$TMP/agents" 2>&1) || fail "lispy test failed on the saved files" "$test_out"
grep -q '^3 passed, 0 failed$' <<<"$test_out" || fail "lispy test: want 3 passed" "$test_out"
grep -q 'PASS call 2: {"who":"bob"}' <<<"$test_out" || fail "the case names" "$test_out"
# A fresh shell loads the saved agent and it answers the same.
fresh=$(printf '%s\n' ':call visits who=cy' | "$lispy" --agents "$TMP/agents" --mock examples/mock.json 2>&1)
grep -q '^"visit #1 by cy in general"$' <<<"$fresh" || fail "the saved agent does not run in a fresh shell" "$fresh"

# Past RP_SAVE_MAX_CASES (500) calls, the rest are not recorded, and :save says so.
many=$( { printf '%s\n' '(def AGENT {:name "echo" :description "Echoes." :parameters {:type "object" :properties {:n {:type "integer" :description "n"}} :required ["n"]}})' \
    '(defn run [context n] n)'
  for i in $(seq 502); do printf ':call echo n=%d\n' "$i"; done
  printf ':save echo %s --tests\n' "$TMP/many"; } | "$lispy" --mock examples/mock.json 2>&1)
grep -q "^saved 500 calls as cases to $TMP/many/echo_agent.test.json$" <<<"$many" ||
  fail "the case cap" "$(tail -5 <<<"$many")"
grep -q '^(the 2 calls after the first 500 were not recorded)$' <<<"$many" ||
  fail "the calls past the cap were not reported" "$(tail -5 <<<"$many")"
many_test=$("$lispy" test "$TMP/many" 2>&1)
grep -q '^500 passed, 0 failed$' <<<"$many_test" || fail "lispy test on 500 recorded cases" "$(tail -3 <<<"$many_test")"

# :load DIR loads what a scan of DIR would: an editor's lock file is no agent.
mkdir -p "$TMP/dots"
cp examples/agents/get_weather_agent.lispy "$TMP/dots/"
printf 'broken (\n' > "$TMP/dots/.#get_weather_agent.lispy"
dots=$(printf ':load %s\n' "$TMP/dots" | "$lispy" 2>&1)
grep -q "is a folder: loaded 1 of its 1 agent file " <<<"$dots" || fail ":load DIR and dot files" "$dots"

[ "$fails" -eq 0 ] || exit 1
echo "check_save: ok"
