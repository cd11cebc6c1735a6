#!/usr/bin/env bash
# tests/check_agents_limit.sh LISPY -- at most AG_MAX_AGENT_DIRS (64)
# --agents folders, and the 65th is a usage error, never dropped silently
# (issue 10). Every way to run lispy that reads --agents is tried with 64
# folders (it works as usual and reports all 64 where it prints a count)
# and with 65 (status 2 and "at most 64 --agents folders"): run, -e, call,
# lint, list, tools, test, watch, the shell, and `lispy complete`, whose own
# --agents and the --agents of the command line it completes are counted
# the same way. Run from the project root. Prints "ok: NAME" or
# "FAIL: NAME" per check and "N passed, N failed".
set -u
lispy=$1
dir=$(mktemp -d /tmp/lispy-agents-limit-XXXXXX)
trap 'rm -rf "$dir"' EXIT
passed=0 failed=0
unset LISPY_AGENTS_PATH

max=64  # AG_MAX_AGENT_DIRS (agents/ag_config.h)
a64=() a65=() c64=() c65=()
for i in $(seq 1 $((max + 1))); do
  mkdir "$dir/d$i"
  if [ "$i" -le "$max" ]; then a64+=(--agents "$dir/d$i"); c64+=("--agents=$dir/d$i"); fi
  a65+=(--agents "$dir/d$i")
  c65+=("--agents=$dir/d$i")
done
printf '(print "script ran")\n' > "$dir/script.lispy"

# check NAME RC REGEX CMD...: CMD exits with RC ("any": not 2 and not a
# signal) within 10 s, output matches REGEX.
check() {
  local name=$1 want=$2 regex=$3
  shift 3
  local out rc
  out=$(timeout 10 "$@" 2>&1)
  rc=$?
  if [ "$want" = any ] && { [ "$rc" -eq 2 ] || [ "$rc" -ge 124 ]; }; then
    echo "FAIL: $name: status $rc"; printf '%s\n' "$out" | head -5; failed=$((failed + 1)); return
  fi
  if [ "$want" != any ] && [ "$rc" -ne "$want" ]; then
    echo "FAIL: $name: status $rc, expected $want"; printf '%s\n' "$out" | head -5
    failed=$((failed + 1)); return
  fi
  if ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
    echo "FAIL: $name: output does not match /$regex/"; printf '%s\n' "$out" | head -5
    failed=$((failed + 1)); return
  fi
  echo "ok: $name"
  passed=$((passed + 1))
}

too_many="^lispy: at most 64 --agents folders \(use fewer, or LISPY_AGENTS_PATH\)$"

# 64 folders: accepted.
check eval_64 0 "^1$" "$lispy" "${a64[@]}" -e 1
check run_64 0 "script ran" "$lispy" "${a64[@]}" run "$dir/script.lispy"
check run_agent_64 0 '"ok":true' "$lispy" "${a64[@]}" --mock examples/mock.json \
  run examples/agents/get_weather_agent.lispy city=Paris
check call_64 1 '"not_found"' "$lispy" "${a64[@]}" call nope
check lint_64 0 "^0 error\(s\)" "$lispy" "${a64[@]}" lint
check list_64 0 "^0 agent\(s\) in 64 folder\(s\)$" "$lispy" "${a64[@]}" list
check tools_64 0 "^\[\]$" "$lispy" "${a64[@]}" tools
check test_64 0 "no test files found" "$lispy" "${a64[@]}" test
out=$(timeout 2 "$lispy" "${a64[@]}" watch 2>&1)
if printf '%s\n' "$out" | grep -q "^watching 64 folder(s)"; then
  echo "ok: watch_64"; passed=$((passed + 1))
else
  echo "FAIL: watch_64"; printf '%s\n' "$out" | head -5; failed=$((failed + 1))
fi
check shell_64 0 "=> 3" "$lispy" "${a64[@]}" <<<"(+ 1 2)"
check shell_64_empty 0 "" "$lispy" "${a64[@]}" </dev/null
check complete_64 0 "define" "$lispy" "${a64[@]}" complete "(de"
check complete_own_64 0 "define" "$lispy" complete "${a64[@]}" "(de"
check complete_cli_64 0 "^call" "$lispy" complete --cli -- "${c64[@]}" ca
check complete_both_32_32 0 "^call" "$lispy" "${a64[@]:0:64}" complete --cli -- "${c64[@]:32}" ca

# 65 folders: a usage error, for every command.
check eval_65 2 "$too_many" "$lispy" "${a65[@]}" -e 1
check run_65 2 "$too_many" "$lispy" "${a65[@]}" run "$dir/script.lispy"
check run_agent_65 2 "$too_many" "$lispy" "${a65[@]}" run examples/agents/get_weather_agent.lispy
check call_65 2 "$too_many" "$lispy" "${a65[@]}" call nope
check lint_65 2 "$too_many" "$lispy" "${a65[@]}" lint
check list_65 2 "$too_many" "$lispy" "${a65[@]}" list
check list_65_eq 2 "$too_many" "$lispy" "${c65[@]}" list
check tools_65 2 "$too_many" "$lispy" "${a65[@]}" tools
check test_65 2 "$too_many" "$lispy" "${a65[@]}" test
check watch_65 2 "$too_many" "$lispy" "${a65[@]}" watch
check shell_65 2 "$too_many" "$lispy" "${a65[@]}" </dev/null
check complete_65 2 "$too_many" "$lispy" "${a65[@]}" complete "(de"
check complete_own_65 2 "$too_many" "$lispy" complete "${a65[@]}" "(de"
check complete_own_65_eq 2 "$too_many" "$lispy" complete "${c65[@]}" "(de"
check complete_cli_65 2 "$too_many" "$lispy" complete --cli -- "${a65[@]}" call ""
check complete_cli_65_eq 2 "$too_many" "$lispy" complete --cli -- "${c65[@]}" call ""
check complete_both_33_32 2 "$too_many" "$lispy" "${a65[@]:0:66}" complete --cli -- "${c64[@]:32}" ca

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
