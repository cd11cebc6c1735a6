#!/bin/bash
# run_pty_tests.sh -- end-to-end tests of the interactive shell in a real
# pseudo-terminal, driven by tmux.
#
#   tests/shell/run_pty_tests.sh path/to/lispy [TEST...]
#
# Each test starts the real binary in its own tmux session (private server
# socket, fixed 160x50 window), types with `send-keys`, and reads the screen
# with `capture-pane`, waiting for the expected text with a timeout (never a
# blind sleep). HOME and LISPY_HISTORY point into a temporary folder;
# NO_COLOR=1 except in the colour test. The server is killed on exit.
#
# Prints "PASS name" / "FAIL name" (with the screen on failure), then
# "N passed, N failed"; exits 1 when a test failed. tmux is required: without
# it the script fails (scripts/setup.sh installs it).
set -u

LISPY=${1:?usage: run_pty_tests.sh LISPY [TEST...]}
shift
LISPY=$(realpath "$LISPY")
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TIMEOUT=${PTY_TIMEOUT:-8}          # seconds to wait for one expected text
SOCK="lispy-test-$$"
PASSED=0
FAILED=0

if ! command -v tmux >/dev/null 2>&1; then
  echo "FAIL tmux is not installed (scripts/setup.sh installs it); the pty tests cannot run"
  echo "0 passed, 1 failed"
  exit 1
fi
if [ ! -x "$LISPY" ]; then
  echo "FAIL no lispy binary at $LISPY"
  echo "0 passed, 1 failed"
  exit 1
fi

TMP=$(mktemp -d /tmp/lispy-pty.XXXXXX)

# ==== tmux helpers ========================================================

tm() { LC_ALL=C.UTF-8 tmux -u -L "$SOCK" -f /dev/null "$@"; }

cleanup() {
  tm kill-server >/dev/null 2>&1
  rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"    # the socket file stays behind
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A server with a placeholder session, so options can be set before tests.
tm new-session -d -s boot -x 160 -y 50 "sleep 600" || { echo "FAIL cannot start tmux"; exit 1; }
tm set-option -g remain-on-exit on >/dev/null
tm set-option -g history-limit 5000 >/dev/null

# start NAME [VAR=VALUE...] -- [lispy args]: the shell in session NAME, in
# the project folder, with a private HOME and history file.
start() {
  local name=$1; shift
  local envs=(NO_COLOR=1)
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  mkdir -p "$TMP/home"
  local cmd
  cmd=$(printf '%q ' env -u LISPY_AGENTS_PATH -u NO_COLOR TERM=screen LC_ALL=C.UTF-8 \
        HOME="$TMP/home" LISPY_HISTORY="$TMP/history-$name" "${envs[@]}" "$LISPY" "$@")
  # The exit status goes to a file: tmux may see the pane die before it
  # records the status (seen under load).
  rm -f "$TMP/status-$name"
  tm new-session -d -s "$name" -x 160 -y 50 -c "$ROOT" \
    "$cmd; echo \$? > $(printf '%q' "$TMP/status-$name")"
}

screen() { tm capture-pane -p -J -S - -t "$1" 2>/dev/null; }

keys() { local n=$1; shift; tm send-keys -t "$n" "$@"; }      # key names
type_() { tm send-keys -t "$1" -l "$2"; }                     # literal text

now_ms() { date +%s%3N; }

# wait_for NAME REGEX [COUNT]: until COUNT (default 1) screen lines match.
wait_for() {
  local name=$1 re=$2 count=${3:-1}
  local end=$(( $(now_ms) + TIMEOUT * 1000 ))
  while [ "$(now_ms)" -lt "$end" ]; do
    local n
    n=$(screen "$name" | grep -cE -- "$re")
    [ "$n" -ge "$count" ] && return 0
    sleep 0.05
  done
  WHY="timed out waiting for /$re/ (x$count)"
  return 1
}

# The prompt line the cursor is on (what is being edited).
cursor_line() {
  local y
  y=$(tm display-message -p -t "$1" '#{cursor_y}')
  tm capture-pane -p -N -t "$1" | sed -n "$((y + 1))p"    # -N: keep typed spaces
}

# wait_line NAME REGEX: until the line under the cursor matches.
wait_line() {
  local end=$(( $(now_ms) + TIMEOUT * 1000 ))
  while [ "$(now_ms)" -lt "$end" ]; do
    cursor_line "$1" | grep -qE -- "$2" && return 0
    sleep 0.05
  done
  WHY="timed out waiting for the input line to match /$2/ (it is: $(cursor_line "$1"))"
  return 1
}

# wait_dead NAME: until the shell has exited; its status in DEAD_STATUS.
wait_dead() {
  local end=$(( $(now_ms) + TIMEOUT * 1000 ))
  while [ "$(now_ms)" -lt "$end" ]; do
    if [ -s "$TMP/status-$1" ]; then
      DEAD_STATUS=$(cat "$TMP/status-$1")
      return 0
    fi
    sleep 0.05
  done
  WHY="timed out waiting for the shell to exit"
  return 1
}

PROMPT='lispy> '
EXAMPLES=(--agents examples/agents --mock examples/mock.json)

# ==== The tests ===========================================================
# Each is a function t_NAME using session NAME; it returns non-zero with
# WHY set on failure. More are in tests/shell/pty_*.sh (see the runner).

t_banner() {
  start banner -- "${EXAMPLES[@]}"
  wait_for banner "^$PROMPT" || return 1
  screen banner | head -1 | grep -qE '^lispy [0-9][^ ]* \| 9 agents from examples/agents \| context: mock \| :help$' \
    || { WHY="bad banner: $(screen banner | head -1)"; return 1; }
}

t_multiline() {
  start multiline -- "${EXAMPLES[@]}"
  wait_for multiline "^$PROMPT" || return 1
  type_ multiline '(+ 1'; keys multiline Enter
  wait_line multiline '^  \.\.\.  $' || return 1
  type_ multiline '   2)'; keys multiline Enter
  wait_for multiline '^=> 3$' || return 1
  wait_line multiline "^$PROMPT\$" || return 1
  # Ctrl-C at the continuation prompt drops the unfinished form.
  type_ multiline '(list 1'; keys multiline Enter
  wait_line multiline '^  \.\.\.  $' || return 1
  keys multiline C-c
  wait_line multiline "^$PROMPT\$" || return 1
  type_ multiline '(+ 2 3)'; keys multiline Enter
  wait_for multiline '^=> 5$' || return 1
}

t_complete_agent() {
  start complete_agent -- "${EXAMPLES[@]}"
  wait_for complete_agent "^$PROMPT" || return 1
  type_ complete_agent ':call get_w'; keys complete_agent Tab
  wait_line complete_agent "^$PROMPT:call get_weather \$" || return 1
}

t_complete_param() {
  start complete_param -- "${EXAMPLES[@]}"
  wait_for complete_param "^$PROMPT" || return 1
  # Two candidates (city=, units=): a second Tab lists them.
  type_ complete_param ':call get_weather '; keys complete_param Tab; keys complete_param Tab
  wait_for complete_param 'city=' || return 1
  # Required first: with "c" the only candidate is city=, and no space after '='.
  keys complete_param C-u
  type_ complete_param ':call get_weather c'; keys complete_param Tab
  wait_line complete_param "^$PROMPT:call get_weather city=\$" || return 1
  type_ complete_param 'Paris'; keys complete_param Enter
  wait_for complete_param '"conditions":[[:space:]]*"cloudy"' || return 1
}

t_complete_list_types() {
  # Listing parameters shows their types (issue 4: "with their types shown
  # when listing"); the engine's help text is e.g. "string, required".
  start complete_types -- "${EXAMPLES[@]}"
  wait_for complete_types "^$PROMPT" || return 1
  type_ complete_types ':call get_weather '; keys complete_types Tab; keys complete_types Tab
  wait_for complete_types 'city=' || return 1
  wait_for complete_types 'city=.*string.*required' \
    || { WHY="the listing does not show the parameters' types"; return 1; }
}

t_ctrl_c() {
  start ctrl_c -- "${EXAMPLES[@]}" --fuel 0 --timeout 0
  wait_for ctrl_c "^$PROMPT" || return 1
  type_ ctrl_c '(define kept 41)'; keys ctrl_c Enter
  wait_for ctrl_c '^=> kept$' || return 1
  type_ ctrl_c '(let loop () (loop))'; keys ctrl_c Enter
  wait_for ctrl_c "^$PROMPT\\(let loop \\(\\) \\(loop\\)\\)\$" || return 1
  # The signal may land before the evaluation starts: repeat until it stops.
  local i
  for i in 1 2 3 4 5 6; do
    keys ctrl_c C-c
    TIMEOUT=1 wait_for ctrl_c 'interrupted' && break
  done
  wait_for ctrl_c 'interrupted' || return 1
  wait_line ctrl_c "^$PROMPT\$" || return 1
  type_ ctrl_c '(+ kept 1)'; keys ctrl_c Enter
  wait_for ctrl_c '^=> 42$' || return 1
}

t_ctrl_c_call() {
  # Ctrl-C also interrupts an agent running under :call: the envelope says
  # "interrupted" and the shell goes on.
  start ctrl_c_call -- "${EXAMPLES[@]}" --fuel 0 --timeout 0
  wait_for ctrl_c_call "^$PROMPT" || return 1
  type_ ctrl_c_call '(def AGENT {:name "spin" :description "Loops." :parameters {:type "object" :properties {}}})'
  keys ctrl_c_call Enter
  wait_for ctrl_c_call '^=> AGENT$' || return 1
  type_ ctrl_c_call '(defn run [context] (let loop () (loop)))'; keys ctrl_c_call Enter
  wait_for ctrl_c_call '^agent spin defined' || return 1
  type_ ctrl_c_call ':call spin'; keys ctrl_c_call Enter
  wait_for ctrl_c_call "^$PROMPT:call spin\$" || return 1
  local i
  for i in 1 2 3 4 5 6; do
    keys ctrl_c_call C-c
    TIMEOUT=1 wait_for ctrl_c_call '^error: interrupted$' && break
  done
  wait_for ctrl_c_call '^error: interrupted$' || return 1
  type_ ctrl_c_call '(+ 40 2)'; keys ctrl_c_call Enter
  wait_for ctrl_c_call '^=> 42$' || return 1
}

t_lint_live() {
  start lint_live -- "${EXAMPLES[@]}"
  wait_for lint_live "^$PROMPT" || return 1
  local desc='(def AGENT {:name "tagline" :description "Write a tagline." :parameters {:type "object" :properties {:product {:type "string"}} :required [REQ]}})'
  type_ lint_live "${desc/REQ/\"prodcut\"}"; keys lint_live Enter
  wait_for lint_live 'error\[A206\]: :required names unknown property "prodcut"' || return 1
  wait_for lint_live '^ +\| +\^$' || return 1
  wait_for lint_live 'did you mean "product"' || return 1
  type_ lint_live "${desc/REQ/\"product\"}"; keys lint_live Enter
  wait_for lint_live '^=> AGENT$' 2 || return 1
  type_ lint_live '(defn run [context product] (str "Buy " product "!"))'; keys lint_live Enter
  wait_for lint_live '^agent tagline defined: product \(string, required\)$' || return 1
  # Defined a moment ago: it completes at once, and it can be called.
  type_ lint_live ':call tag'; keys lint_live Tab
  wait_line lint_live "^$PROMPT:call tagline \$" || return 1
  type_ lint_live 'product=tea'; keys lint_live Enter
  wait_for lint_live '^"Buy tea!"$' || return 1
}

t_paste() {
  # Pasting a whole agent file: every form is read, the agent is defined
  # (shadowing the file agent), and comment or blank lines print nothing.
  start paste -- "${EXAMPLES[@]}"
  wait_for paste "^$PROMPT" || return 1
  tm load-buffer -b agent "$ROOT/examples/agents/get_weather_agent.lispy"
  tm paste-buffer -b agent -t paste
  wait_for paste '^agent get_weather defined: city \(string, required\), units \(string\)' || return 1
  wait_for paste '^=> run$' || return 1
  if screen paste | grep -q '^=> nil$'; then
    WHY="comment or blank lines printed '=> nil'"; return 1
  fi
  type_ paste ':call get_weather city=Tokyo'; keys paste Enter
  wait_for paste '"temperature":[[:space:]]*24.5' || return 1
}

t_call() {
  start call -- "${EXAMPLES[@]}"
  wait_for call "^$PROMPT" || return 1
  type_ call ':call get_weather city=Paris'; keys call Enter
  wait_for call '^ok$' || return 1
  wait_for call '"temperature":[[:space:]]*18' || return 1
  wait_for call '^context calls:$' || return 1
  wait_for call '"method":"fetch_record","args":\["weather:paris"\]' || return 1
  type_ call ':call get_weather {"city": "Paris", "units": "kelvin"}'; keys call Enter
  wait_for call '^error: invalid_args$' || return 1
  wait_for call '^\(\*1 holds the envelope; :call --json shows it\)$' || return 1
  type_ call '(get-in *1 ["error" "kind"])'; keys call Enter
  wait_for call '^=> "invalid_args"$' || return 1
  type_ call ':call --json get_weather city=Paris'; keys call Enter
  wait_for call '"ok":[[:space:]]*true,' || return 1
}

t_history() {
  start hist1 LISPY_HISTORY="$TMP/hist" -- "${EXAMPLES[@]}"
  wait_for hist1 "^$PROMPT" || return 1
  type_ hist1 '(+ 100 23)'; keys hist1 Enter
  wait_for hist1 '^=> 123$' || return 1
  keys hist1 C-d
  wait_dead hist1 || return 1
  [ -f "$TMP/hist" ] || { WHY="no history file $TMP/hist"; return 1; }
  local mode
  mode=$(stat -c %a "$TMP/hist")
  [ "$mode" = 600 ] || { WHY="history file mode is $mode, not 600"; return 1; }
  grep -q '100' "$TMP/hist" || { WHY="the line is not in the history file"; return 1; }
  start hist2 LISPY_HISTORY="$TMP/hist" -- "${EXAMPLES[@]}"
  wait_for hist2 "^$PROMPT" || return 1
  keys hist2 Up
  wait_line hist2 "^$PROMPT\\(\\+ 100 23\\)\$" || return 1
  keys hist2 Enter
  wait_for hist2 '^=> 123$' || return 1
}

t_history_home() {
  # Without LISPY_HISTORY the file is ~/.lispy_history, created 0600.
  local home="$TMP/home2"
  mkdir -p "$home"
  local cmd
  cmd=$(printf '%q ' env -u LISPY_HISTORY -u LISPY_AGENTS_PATH TERM=screen LC_ALL=C.UTF-8 \
        NO_COLOR=1 HOME="$home" "$LISPY" "${EXAMPLES[@]}")
  tm new-session -d -s hhome2 -x 160 -y 50 -c "$ROOT" \
    "$cmd; echo \$? > $(printf '%q' "$TMP/status-hhome2")"
  wait_for hhome2 "^$PROMPT" || return 1
  type_ hhome2 '(list "home")'; keys hhome2 Enter
  wait_for hhome2 '^=> \("home"\)$' || return 1
  keys hhome2 C-d
  wait_dead hhome2 || return 1
  local mode
  mode=$(stat -c %a "$home/.lispy_history" 2>/dev/null)
  [ "$mode" = 600 ] || { WHY="~/.lispy_history mode is '${mode:-missing}', not 600"; return 1; }
}

t_utf8() {
  start utf8 -- "${EXAMPLES[@]}"
  wait_for utf8 "^$PROMPT" || return 1
  # Type "hé€lo", go back over `)`, `"`, `o` and `l`, delete the 3-byte €
  # with one Backspace, insert "l": the line is then "héllo".
  type_ utf8 '(string-length "hé€lo")'
  keys utf8 Left Left Left Left BSpace
  type_ utf8 'l'
  wait_line utf8 "^$PROMPT\\(string-length \"héllo\"\\)\$" || return 1
  keys utf8 Enter
  wait_for utf8 '^=> 5$' || return 1
  # CJK and emoji (wide, 4 bytes): Left and Backspace take a whole one.
  type_ utf8 '(string-length "日🙂本")'
  keys utf8 Left Left Left BSpace Right
  type_ utf8 '語'
  wait_line utf8 "^$PROMPT\\(string-length \"日本語\"\\)\$" || return 1
  keys utf8 Enter
  wait_for utf8 '^=> 3$' || return 1
}

t_ctrl_d() {
  start ctrl_d -- "${EXAMPLES[@]}"
  wait_for ctrl_d "^$PROMPT" || return 1
  keys ctrl_d C-d
  wait_dead ctrl_d || return 1
  [ "$DEAD_STATUS" = 0 ] || { WHY="exit status $DEAD_STATUS"; return 1; }
}

t_quit() {
  start quit -- "${EXAMPLES[@]}"
  wait_for quit "^$PROMPT" || return 1
  type_ quit ':quit'; keys quit Enter
  wait_dead quit || return 1
  [ "$DEAD_STATUS" = 0 ] || { WHY="exit status $DEAD_STATUS"; return 1; }
}

t_colour() {
  start colour NO_COLOR= -- "${EXAMPLES[@]}"
  # start() puts NO_COLOR=1 first; an empty NO_COLOR later in env wins.
  wait_for colour "^$PROMPT" || return 1
  type_ colour '(+ 1 2)'; keys colour Enter
  wait_for colour '=> 3$' || return 1
  tm capture-pane -e -p -J -t colour | grep -q $'\033\\[[0-9;]*m=> ' \
    || { WHY="no colour escape before '=> '"; return 1; }
  start nocolour -- "${EXAMPLES[@]}"
  wait_for nocolour "^$PROMPT" || return 1
  type_ nocolour '(+ 1 2)'; keys nocolour Enter
  wait_for nocolour '^=> 3$' || return 1
  if tm capture-pane -e -p -J -t nocolour | grep -q $'\033\\[[0-9;]*[1-9][0-9;]*m'; then
    WHY="colour escapes with NO_COLOR=1"; return 1
  fi
}

t_error_caret() {
  start caret -- "${EXAMPLES[@]}"
  wait_for caret "^$PROMPT" || return 1
  type_ caret '(car 42)'; keys caret Enter
  wait_for caret 'error: car: expected a pair' || return 1
  wait_for caret '^   1 \| \(car 42\)$' || return 1
  wait_for caret '^     \|  \^$' || return 1
  type_ caret '(get *e :kind)'; keys caret Enter
  wait_for caret '^=> "runtime"$' || return 1
}

# ==== Runner ==============================================================

# More tests live in tests/shell/pty_*.sh, one file per area of the shell
# (sourced here; they use the helpers above). Every function t_NAME is a
# test, run in alphabetical order.
for f in "$(dirname "$0")"/pty_*.sh; do
  [ -e "$f" ] && . "$f"
done
mapfile -t ALL < <(declare -F | sed -n 's/^declare -f t_//p')
[ $# -gt 0 ] && ALL=("$@")

for t in "${ALL[@]}"; do
  WHY=""
  if "t_$t"; then
    echo "PASS $t"
    PASSED=$((PASSED + 1))
  else
    echo "FAIL $t: $WHY"
    for s in $(tm list-sessions -F '#{session_name}' 2>/dev/null); do
      [ "$s" = boot ] && continue
      echo "  --- screen of $s ---"
      screen "$s" | sed -e '/^$/d' -e 's/^/  | /' | tail -25
    done
    FAILED=$((FAILED + 1))
  fi
  for s in $(tm list-sessions -F '#{session_name}' 2>/dev/null); do
    [ "$s" = boot ] || tm kill-session -t "$s" 2>/dev/null
  done
done

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
