#!/usr/bin/env bash
# tests/completions/test_bash.sh LISPY -- the bash completion script for
# real: source completions/lispy.bash, check `complete -p lispy`, then set
# COMP_WORDS / COMP_CWORD / COMP_LINE / COMP_POINT as bash does for a line
# and call the completion function, checking COMPREPLY. Run from the
# project root (uses examples/agents). Prints "N passed, N failed".
set -u
LISPY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2
BIN=$(mktemp -d /tmp/lispy-bash-XXXXXX)
trap 'rm -rf "$BIN"' EXIT
ln -s "$LISPY" "$BIN/lispy"
PATH=$BIN:$PATH
unset LISPY_AGENTS_PATH
passed=0 failed=0

# shellcheck source=../../completions/lispy.bash
source "$ROOT/completions/lispy.bash"

check() {  # check NAME COND
  if eval "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $1" >&2; fi
}

# comp LINE: complete LINE with the cursor at its end; COMP_WORDS split on
# blanks and on '=' and ':' as bash's COMP_WORDBREAKS does.
comp() {
  local line=$1 w
  COMP_LINE=$line
  COMP_POINT=${#line}
  COMP_WORDS=()
  for w in $(sed -E 's/([=:])/ \1 /g' <<<"$line"); do COMP_WORDS+=("$w"); done
  if [[ $line == *" " ]]; then COMP_WORDS+=(""); fi
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _lispy
  got=" ${COMPREPLY[*]} "
}

check "complete -p" '[[ $(complete -p lispy) == "complete -F _lispy lispy" ]]'

comp "lispy c"
check "subcommands" '[[ $got == " call complete " ]]'
comp "lispy "
check "all subcommands" '[[ $got == *" run "* && $got == *" lint "* && $got == *" tools "* ]]'
comp "lispy --ag"
check "options" '[[ $got == " --agents " ]]'
comp "lispy --t"
check "options 2" '[[ $got == " --trace --timeout " ]]'
comp "lispy --agents examples/agents call get_"
check "agent names" '[[ $got == " get_weather " ]]'
comp "lispy --agents examples/agents call "
check "every agent" '[[ $got == *" get_weather "* && $got == *" translate "* ]]'
comp "lispy --agents=examples/agents call tr"
check "--agents=DIR" '[[ $got == " translate " ]]'
comp "lispy --agents examples/agents call get_weather "
check "parameters, required first" '[[ $got == " city= units= " ]]'
comp "lispy --agents examples/agents call get_weather city=Paris "
check "given parameters left out" '[[ $got == " units= " ]]'
comp "lispy --agents examples/agents call get_weather units=f"
check "enum value after =" '[[ $got == " fahrenheit " ]]'
comp "lispy --agents examples/agents call get_weather units="
check "enum values" '[[ $got == " celsius fahrenheit " ]]'
comp "lispy --format=j"
check "--format=VALUE" '[[ $got == " json " ]]'
comp "lispy tools --format "
check "--format VALUE" '[[ $got == " json openai " ]]'
comp "lispy run examples/agents/get_w"
check "files after run" '[[ $got == " examples/agents/get_weather_agent.lispy " ]]'
comp "lispy lint examples/agents/get_weather_agent.t"
check "only *.lispy after lint" '[[ $got == "  " ]]'
comp "lispy --agents exam"
check "folders after --agents" '[[ $got == " examples " ]]'
comp "lispy --mock examples/mo"
check "files after --mock" '[[ $got == " examples/mock.json " ]]'
LISPY_AGENTS_PATH=examples/agents comp "lispy call convert"
check "LISPY_AGENTS_PATH" '[[ $got == " convert_units " ]]'
comp "lispy call nosuch_agent_here"
check "no candidates" '[[ $got == "  " ]]'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
