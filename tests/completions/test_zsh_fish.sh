#!/usr/bin/env bash
# tests/completions/test_zsh_fish.sh LISPY -- the zsh and fish completion
# scripts. fish: `complete -C LINE` with completions/lispy.fish loaded
# gives the real candidates. zsh: _lispy is autoloaded from completions/
# and called with words/CURRENT set, compadd and _files stubbed to record
# what would be offered. A shell that is not installed is a failure.
# Run from anywhere; uses examples/agents. Prints "N passed, N failed".
set -u
LISPY=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2
BIN=$(mktemp -d /tmp/lispy-shells-XXXXXX)
trap 'rm -rf "$BIN"' EXIT
ln -s "$LISPY" "$BIN/lispy"
export PATH=$BIN:$PATH
unset LISPY_AGENTS_PATH
passed=0 failed=0

check() {  # check NAME GOT WANT
  if [[ $2 == "$3" ]]; then passed=$((passed + 1))
  else failed=$((failed + 1)); printf 'FAIL: %s\n  got:  [%s]\n  want: [%s]\n' "$1" "$2" "$3" >&2; fi
}

# ---- fish --------------------------------------------------------------------
fish_comp() {  # candidates (without help) for a line, space-separated
  fish -c "source completions/lispy.fish; complete -C '$1'" | cut -f1 | tr '\n' ' '
}
if command -v fish >/dev/null; then
  check "fish subcommands" "$(fish_comp 'lispy c')" "call complete "
  check "fish agent" "$(fish_comp 'lispy --agents examples/agents call get_')" "get_weather "
  check "fish params" "$(fish_comp 'lispy --agents examples/agents call get_weather ')" "city= units= "
  check "fish enum" "$(fish_comp 'lispy --agents examples/agents call get_weather units=f')" "units=fahrenheit "
  check "fish files" "$(fish_comp 'lispy run examples/agents/get_w')" "examples/agents/get_weather_agent.lispy "
  check "fish dirs" "$(fish_comp 'lispy --agents=exam')" "--agents=examples/ "
  check "fish help" "$(fish -c "source completions/lispy.fish; complete -C 'lispy --agents examples/agents call get_weather c'")" \
        $'city=\tstring, required'
else
  echo "FAIL: fish is not installed (scripts/setup.sh installs it)"; failed=$((failed + 1))
fi

# ---- zsh ---------------------------------------------------------------------
zsh_comp() {  # zsh_comp WORD...: what _lispy offers for these words
  zsh -f -c '
    fpath=(completions $fpath); autoload -Uz _lispy
    got=()
    compadd() {
      local arr= sfx=" "
      while (( $# )); do
        case $1 in -a) arr=$2; shift ;; -S) sfx=$2; shift ;; -d) shift ;; esac
        shift
      done
      local c; for c in "${(@P)arr}"; do got+=("$c${sfx:+_}"); done
    }
    _files() { got+=("<files $*>") }
    compset() { : }
    words=("$@"); CURRENT=$#
    _lispy
    print -r -- "${got[*]}"' zsh "$@"
}
if command -v zsh >/dev/null; then
  check "zsh subcommands" "$(zsh_comp lispy c)" "call_ complete_"
  check "zsh agent" "$(zsh_comp lispy --agents examples/agents call get_)" "get_weather_"
  check "zsh params (no space after =)" "$(zsh_comp lispy --agents examples/agents call get_weather '')" "city= units="
  check "zsh enum" "$(zsh_comp lispy --agents examples/agents call get_weather units=f)" "units=fahrenheit_"
  check "zsh files" "$(zsh_comp lispy run ex)" "<files -g *.lispy>"
  check "zsh dirs" "$(zsh_comp lispy --agents ex)" "<files -/>"
else
  echo "FAIL: zsh is not installed (scripts/setup.sh installs it)"; failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
