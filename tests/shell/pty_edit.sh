# pty_edit.sh -- editing at the prompt (sourced by run_pty_tests.sh).

# Ctrl-D at the continuation prompt drops the form, says so in one line and
# stays in the shell; the next form works; Ctrl-D at an empty prompt quits.
t_ctrl_d_continuation() {
  start ctrl_d_cont -- "${EXAMPLES[@]}"
  wait_for ctrl_d_cont "^$PROMPT" || return 1
  type_ ctrl_d_cont '(+ 1'; keys ctrl_d_cont Enter
  type_ ctrl_d_cont '2'; keys ctrl_d_cont Enter
  wait_line ctrl_d_cont '^  \.\.\.  $' || return 1
  keys ctrl_d_cont C-d
  wait_for ctrl_d_cont '^unfinished form dropped \(2 lines; Ctrl-D at an empty prompt quits\)$' || return 1
  type_ ctrl_d_cont '(* 6 7)'; keys ctrl_d_cont Enter
  wait_for ctrl_d_cont '^=> 42$' || return 1
  screen ctrl_d_cont | grep -q '^=> 3$' && { WHY="the dropped form ran"; return 1; }
  [ -s "$TMP/status-ctrl_d_cont" ] && { WHY="the shell exited"; return 1; }
  keys ctrl_d_cont C-d
  wait_dead ctrl_d_cont || return 1
  [ "$DEAD_STATUS" = 0 ] || { WHY="exit status $DEAD_STATUS"; return 1; }
}

# search_cancel NAME KEY: Ctrl-R, a query, then KEY (C-c or C-g) leaves an
# empty prompt; nothing runs; the next form runs alone; the history file
# holds no search text.
search_cancel() {
  local n=$1 key=$2
  start "$n" -- "${EXAMPLES[@]}"
  wait_for "$n" "^$PROMPT" || return 1
  type_ "$n" '(+ 100 1)'; keys "$n" Enter
  wait_for "$n" '^=> 101$' || return 1
  keys "$n" C-r; type_ "$n" '100'
  wait_line "$n" "history search\)\`100': \(\+ 100 1\)" || return 1
  keys "$n" "$key"
  wait_line "$n" "^$PROMPT\$" || return 1
  type_ "$n" '(* 2 3)'; keys "$n" Enter
  wait_for "$n" '^=> 6$' || return 1
  [ "$(screen "$n" | grep -c '^=> 101$')" = 1 ] || { WHY="the searched entry ran"; return 1; }
  screen "$n" | grep -q 'error' && { WHY="an error was shown"; return 1; }
  type_ "$n" ':quit'; keys "$n" Enter
  wait_dead "$n" || return 1
  grep -q 'search\|bck' "$TMP/history-$n" && { WHY="search text in the history: $(cat "$TMP/history-$n")"; return 1; }
  sed 's/\\040/ /g' "$TMP/history-$n" | grep -qx '(\* 2 3)' || { WHY="history lacks the form: $(cat "$TMP/history-$n")"; return 1; }
}
t_search_ctrl_c() { search_cancel search_c C-c; }
t_search_ctrl_g() { search_cancel search_g C-g; }

# Ctrl-R then Enter takes the match into the line; Enter again runs it.
t_search_accept() {
  start search_a -- "${EXAMPLES[@]}"
  wait_for search_a "^$PROMPT" || return 1
  type_ search_a '(+ 200 2)'; keys search_a Enter
  wait_for search_a '^=> 202$' || return 1
  type_ search_a '(+ 1 1)'; keys search_a Enter
  wait_for search_a '^=> 2$' || return 1
  keys search_a C-r; type_ search_a '200'
  wait_line search_a "\(\+ 200 2\)" || return 1
  keys search_a Enter
  wait_line search_a "^$PROMPT\(\+ 200 2\)\$" || return 1
  keys search_a Enter
  wait_for search_a '^=> 202$' 2 || return 1
}

# Ctrl-R and the query typed in one burst (one read of the terminal): the
# search gets every byte of it.
t_search_typeahead() {
  start search_t -- "${EXAMPLES[@]}"
  wait_for search_t "^$PROMPT" || return 1
  type_ search_t '(+ 300 3)'; keys search_t Enter
  wait_for search_t '^=> 303$' || return 1
  type_ search_t '(+ 1 1)'; keys search_t Enter
  wait_for search_t '^=> 2$' || return 1
  keys search_t C-r 3 0 0 Enter
  wait_line search_t "^$PROMPT\(\+ 300 3\)\$" || return 1
}

# History is written after every input: a shell killed with SIGKILL keeps
# it, the file is private (0600) and bounded.
t_history_killed() {
  start hist_kill -- "${EXAMPLES[@]}"
  wait_for hist_kill "^$PROMPT" || return 1
  type_ hist_kill '(+ 40 2)'; keys hist_kill Enter
  wait_for hist_kill '^=> 42$' || return 1
  type_ hist_kill ':agents'; keys hist_kill Enter
  wait_for hist_kill '^get_weather' || return 1
  local pid
  pid=$(tm display-message -p -t hist_kill '#{pane_pid}')
  pkill -KILL -P "$pid" 2>/dev/null
  wait_dead hist_kill || return 1
  [ "$DEAD_STATUS" = 137 ] || { WHY="the shell was not killed (status $DEAD_STATUS)"; return 1; }
  local f="$TMP/history-hist_kill"
  sed 's/\\040/ /g' "$f" | grep -qx '(+ 40 2)' || { WHY="form not in the history: $(cat "$f")"; return 1; }
  grep -qx ':agents' "$f" || { WHY="command not in the history"; return 1; }
  [ "$(stat -c %a "$f")" = 600 ] || { WHY="history mode $(stat -c %a "$f")"; return 1; }
}

# A form typed over three lines is one history entry: Up recalls it whole
# and Enter runs it as one form, in this shell and in the next one.
t_history_multiline() {
  local n=histml
  start $n LISPY_HISTORY="$TMP/hist-ml" -- "${EXAMPLES[@]}"
  wait_for $n "^$PROMPT" || return 1
  type_ $n '(+ 1'; keys $n Enter
  type_ $n '   20'; keys $n Enter
  type_ $n '   300)'; keys $n Enter
  wait_for $n '^=> 321$' || return 1
  type_ $n '(* 2 3)'; keys $n Enter
  wait_for $n '^=> 6$' || return 1
  keys $n Up Up Enter
  wait_for $n '^=> 321$' 2 || return 1
  keys $n C-d
  wait_dead $n || return 1
  start ${n}2 LISPY_HISTORY="$TMP/hist-ml" -- "${EXAMPLES[@]}"
  wait_for ${n}2 "^$PROMPT" || return 1
  keys ${n}2 Up Up Up Enter
  wait_for ${n}2 '^=> 321$' || return 1
}

# :edit opens the last form in $EDITOR (here a script that rewrites the
# buffer) and evaluates what it saved; :edit NAME edits an agent's file in
# place and the agent reloads; :edit NAME of a prompt agent redefines it.
t_edit() {
  local n=edit dir="$TMP/edit-agents" ed="$TMP/editor.sh"
  mkdir -p "$dir"
  cp "$ROOT"/examples/agents/get_weather_agent.lispy "$dir/"
  printf '#!/bin/sh\nsed -i -e "s/(+ 1 2)/(* 6 7)/" -e "s/Return the current/Tell the current/" -e "s/\\"hi\\"/\\"hello\\"/" "$1"\n' > "$ed"
  chmod +x "$ed"
  start $n EDITOR="$ed" VISUAL= -- --agents "$dir" --mock examples/mock.json
  wait_for $n "^$PROMPT" || return 1
  type_ $n '(+ 1 2)'; keys $n Enter
  wait_for $n '^=> 3$' || return 1
  type_ $n ':edit'; keys $n Enter
  wait_for $n '^=> 42$' || return 1
  type_ $n ':edit get_weather'; keys $n Enter
  wait_for $n "^reloaded get_weather \\($dir/get_weather_agent.lispy\\)$" || return 1
  grep -q 'Tell the current' "$dir/get_weather_agent.lispy" || { WHY="the file was not edited"; return 1; }
  type_ $n '(def AGENT {:name "hey" :description "Greets." :parameters {:type "object" :properties {}}}) (defn run [context] "hi")'; keys $n Enter
  wait_for $n '^agent hey defined' || return 1
  type_ $n ':edit hey'; keys $n Enter
  wait_for $n '^agent hey defined' 2 || return 1
  type_ $n ':call hey'; keys $n Enter
  wait_for $n '^"hello"$' || return 1
}

# The line editor works by grapheme cluster and display width: e + U+0301,
# a ZWJ emoji family, a flag and CJK are each one Left and one Backspace;
# the screen shows exactly the buffer, and the terminal's cursor column is
# the display width of what precedes it.
cursor_col() { tm display-message -p -t "$1" '#{cursor_x}'; }
t_graphemes() {
  local n=graphemes
  start $n -- "${EXAMPLES[@]}"
  wait_for $n "^$PROMPT" || return 1
  type_ $n $'(string-length "ae\u0301b")'
  keys $n Left Left Left Left        # over ) " b and the whole of e+U+0301
  type_ $n 'X'
  wait_line $n $'^lispy> \\(string-length "aXe\u0301b"\\)$' || return 1
  # lispy> is 7 columns and (string-length "aX 18 more: the cursor is on é
  [ "$(cursor_col $n)" = 25 ] || { WHY="cursor at column $(cursor_col $n), not 25"; return 1; }
  keys $n Enter
  wait_for $n '^=> 5$' || return 1
  # Backspace takes a whole cluster: the family (5 code points), the flag
  # (2), 語 (wide) and é (2) in turn.
  type_ $n $'(string-length "\u00e9\U0001F469\u200D\U0001F469\u200D\U0001F467\U0001F1EB\U0001F1F7\u8a9e\u00e9")'
  keys $n Left Left Left BSpace
  wait_line $n $'^lispy> \\(string-length "\u00e9\U0001F469\u200D\U0001F469\u200D\U0001F467\U0001F1EB\U0001F1F7\u00e9"\\)$' || return 1
  keys $n BSpace
  wait_line $n $'^lispy> \\(string-length "\u00e9\U0001F469\u200D\U0001F469\u200D\U0001F467\u00e9"\\)$' || return 1
  keys $n BSpace
  wait_line $n $'^lispy> \\(string-length "\u00e9\u00e9"\\)$' || return 1
  keys $n Enter
  wait_for $n '^=> 2$' || return 1
}

# A line wider than the terminal (160 columns) wraps onto the next row and
# stays editable there; a recalled multi-line entry is drawn as lines.
t_wrap() {
  local n=wrap a
  a=$(printf 'a%.0s' $(seq 200))
  start $n -- "${EXAMPLES[@]}"
  wait_for $n "^$PROMPT" || return 1
  type_ $n "(string-length \"$a\")"
  keys $n Left Left BSpace C-a Right
  type_ $n ' '
  keys $n Enter
  wait_for $n '^=> 199$' || return 1
  type_ $n '(+ 1'; keys $n Enter
  type_ $n '   2)'; keys $n Enter
  wait_for $n '^=> 3$' || return 1
  keys $n Up
  wait_line $n '^  \.\.\.     2\)$' || return 1
  keys $n Enter
  wait_for $n '^=> 3$' 2 || return 1
}
