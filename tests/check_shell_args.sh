#!/usr/bin/env bash
# tests/check_shell_args.sh LISPY -- the shell's meta-commands check their
# arguments (issue 11): stdin is piped into `lispy`, and each bad input must
# give its error and change nothing (the next :limits / :trace shows the
# state as it was). Run from the source root (examples/agents).
set -u
lispy=$1
fails=0
out=$(printf '%s\n' \
  ':limits fuel 5 memory abc' ':limits' \
  ':limits fuel abc' ':limits memory 10m' ':limits timeout -1' ':limits depth 0' \
  ':trace off' ':trace maybe' ':trace' \
  ':ctx llm "(" x' ':ctx llm ab( x' ':ctx set k {bad' ':ctx set k [1,' ':ctx set k 42' \
  ':call' ':describe' ':source' ':d' ':xyz' ':lmits' \
  ':call get_weather city="São Paulo"' \
  ':call convert_units value=1 from=m to=km precision=abc' \
  ":call get_weather $(for i in $(seq 65); do printf 'k%d=1 ' "$i"; done)" \
  ':call get_wether city=Paris' ':describe convert_unit' ':lint nope' ':lint get_weathr' \
  ':load examples/agents' '(lenght (list 1))' '(define (my-helper x) x)' '(my-helpr 2)' \
  '(def AGENT {:name "t" :description "d"' ' :parameters {:type "object" :properties {:a {:type "string" :description "x"}}' \
  ' :required ["a"]}})' '(+ 1 1)' '(defn run' '  [context zz]' '  zz)' \
  | "$lispy" --agents examples/agents 2>&1)

# want REGEX: the output has a line matching REGEX (extended).
want() {
  if ! grep -Eq -- "$1" <<<"$out"; then
    echo "check_shell_args: no line matching: $1" >&2
    fails=$((fails + 1))
  fi
}
# unwanted REGEX: no line matches.
unwanted() {
  if grep -Eq -- "$1" <<<"$out"; then
    echo "check_shell_args: unexpected line matching: $1" >&2
    fails=$((fails + 1))
  fi
}

want "^memory: expected a whole number of bytes.*got 'abc'"
unwanted '^fuel 5,'                         # the fuel of the failed line was not kept
want "^fuel: expected a whole number of steps.*got 'abc'"
want '^fuel [0-9]+, memory 10485760 bytes'  # 10m = 10 MiB, as --memory
want "^timeout: expected seconds.*got '-1'"
want 'memory 10485760 bytes, depth 0,'     # depth 0: the default (documented)
want "^usage: :trace \[on\|off\] \(got 'maybe'\)"
unwanted 'is on$'                           # :trace maybe did not turn it on
want '^trace of context calls after :call is off$'
want '^llm rule /\(/: missing closing parenthesis at offset 1$'
want '^llm rule /ab\(/: missing closing parenthesis at offset 3$'
unwanted '^llm rule added'
want '^malformed JSON for k: \{bad$'
want '^malformed JSON for k: \[1,$'
want '^context field k set$'
want '^usage: :call \[--json\] NAME'
want '^usage: :describe NAME$'
want '^usage: :source NAME$'
want '^ambiguous command :d: could be :describe :doc$'
want '^unknown command :xyz \(:help lists them\)$'
want '^unknown command :lmits \(did you mean :limits\?\)'
want 'error: no weather data for São Paulo$' # quotes stripped, spaces kept
want '^  30 \|       \(catch e \(error'      # the agent file's line, then the caret
want '^     \| {17}\^$'
want '^  at run \(examples/agents/get_weather_agent.lispy:33:14\)$'
want "^precision=abc: the schema says precision is an integer, and 'abc' is not one$"
want '^\(\*1 holds the envelope; :call --json shows it\)$'
want '^too many arguments: at most 64 key=value pairs$'
want '^no agent named "get_wether" \(did you mean get_weather\?\)$'
want '^no agent named "convert_unit" \(did you mean convert_units\?\)$'
want '^no agent named "nope" \(see :agents\)$'
want '^no agent named "get_weathr" \(did you mean get_weather\?\)$'
unwanted '^0 diagnostics$'                  # :lint of an unknown name is an error
want '^examples/agents is a folder: loaded 9 of its 9 agent files'
want '^     hint: did you mean length\?$'
want '^     hint: did you mean my-helper\?$'
# lint of a prompt agent points into the input holding the code
want '^<repl#[0-9]+>:2:43: error\[A304\]: required property a is never passed to run$'
want '^<repl#[0-9]+>:2:12: error\[A303\]: run parameter zz is not a property'
want '^   2 \|   \[context zz\]$'
want '^     \|            \^$'
unwanted '^<repl>:'

if [ "$fails" -ne 0 ]; then
  printf -- '---- output ----\n%s\n' "$out" >&2
  exit 1
fi
echo "check_shell_args: ok"
