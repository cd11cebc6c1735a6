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
