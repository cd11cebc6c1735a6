# pty_watch.sh -- the shell watches its agent folders (sourced by
# run_pty_tests.sh): a file saved on disk reloads within a second with one
# line; a broken save shows its diagnostics and marks the agent broken
# until fixed; added and deleted files appear and disappear; a prompt
# definition keeps shadowing the file. Half-typed input survives it all.

t_watch_reload() {
  local n=watch dir="$TMP/watch-agents"
  mkdir -p "$dir"
  cp "$ROOT"/examples/agents/{get_weather,convert_units}_agent.lispy "$dir/"
  start $n -- --agents "$dir" --mock examples/mock.json
  wait_for $n "^$PROMPT" || return 1
  type_ $n '(+ 1 2'                                   # half-typed: must survive
  sed -i 's/Return the current weather/Give the current weather/' "$dir/get_weather_agent.lispy"
  TIMEOUT=1 wait_for $n "^reloaded get_weather \($dir/get_weather_agent.lispy\)$" || return 1
  wait_line $n '^lispy> \(\+ 1 2$' || return 1
  keys $n C-u
  type_ $n ':describe get_weather'; keys $n Enter
  wait_for $n '^get_weather -- Give the current weather' || return 1
  # A broken save: its diagnostics, then broken until fixed.
  cp "$dir/get_weather_agent.lispy" "$TMP/good.lispy"
  printf '(def AGENT {:name "get_weather"\n' > "$dir/get_weather_agent.lispy"
  TIMEOUT=2 wait_for $n "^get_weather is broken until fixed \($dir/get_weather_agent.lispy\)$" || return 1
  type_ $n ':call get_weather city=Paris'; keys $n Enter
  wait_for $n '^agent "get_weather" is not callable: .* failed to load or lint' || return 1
  cp "$TMP/good.lispy" "$dir/get_weather_agent.lispy"
  TIMEOUT=2 wait_for $n "^reloaded get_weather \($dir/get_weather_agent.lispy\)$" 2 || return 1
  # Added and deleted files.
  sed 's/"convert_units"/"convert_more"/' "$dir/convert_units_agent.lispy" > "$dir/convert_more_agent.lispy"
  TIMEOUT=2 wait_for $n "^added convert_more \($dir/convert_more_agent.lispy\)$" || return 1
  rm "$dir/convert_more_agent.lispy"
  TIMEOUT=2 wait_for $n "^removed convert_more \($dir/convert_more_agent.lispy\)$" || return 1
  # A prompt definition keeps shadowing the file it has the name of.
  type_ $n '(def AGENT {:name "convert_units" :description "Mine." :parameters {:type "object" :properties {}}})'; keys $n Enter
  type_ $n '(defn run [context] "mine")'; keys $n Enter
  wait_for $n '^agent convert_units defined' || return 1
  sed -i 's/Convert/Turn/' "$dir/convert_units_agent.lispy"
  TIMEOUT=2 wait_for $n 'reloaded convert_units .*, shadowed by the prompt.s definition$' || return 1
  type_ $n ':call convert_units'; keys $n Enter
  wait_for $n '^"mine"$' || return 1
}
