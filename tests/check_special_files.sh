#!/usr/bin/env bash
# tests/check_special_files.sh LISPY -- the registry never blocks on, and
# names, what is not a regular agent file (issue 9, class 8). A folder made
# at test time holds a good agent beside a FIFO, a symlink to /dev/zero, a
# folder, a broken symlink and a file above the 4 MiB cap, each named
# *_agent.lispy (and a FIFO as a folder, a mock fixture and a test file);
# `lint`, `list`, `call`, `run` and `test` must finish (each under
# `timeout 10`: a block fails the test) with a diagnostic naming the cause.
set -u
lispy=$1
dir=$(mktemp -d /tmp/lispy-special-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fails=0

cp examples/agents/get_weather_agent.lispy "$dir/"
mkfifo "$dir/fifo_agent.lispy"
ln -s /dev/zero "$dir/zero_agent.lispy"
mkdir "$dir/folder_agent.lispy"
ln -s gone_target.lispy "$dir/broken_agent.lispy"
head -c 4194305 /dev/zero | tr '\0' ' ' > "$dir/huge_agent.lispy"

# check NAME REGEX CMD...: CMD finishes within 10 s, output matches REGEX.
check() {
  local name=$1 regex=$2
  shift 2
  local out rc
  out=$(timeout 10 "$@" 2>&1)
  rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -ge 128 ]; then
    echo "FAIL: $name: blocked or crashed (status $rc)"; fails=$((fails + 1)); return
  fi
  if ! printf '%s\n' "$out" | grep -Eq -- "$regex"; then
    echo "FAIL: $name: output does not match /$regex/"; printf '%s\n' "$out"; fails=$((fails + 1)); return
  fi
  echo "ok: $name"
}

check lint_fifo "fifo_agent.lispy:0:0: error\[A002\]: .*a FIFO" "$lispy" lint "$dir"
check lint_zero "zero_agent.lispy:.*A002.*a character device" "$lispy" lint "$dir"
check lint_folder "folder_agent.lispy:.*A002.*a directory" "$lispy" lint "$dir"
check lint_broken "broken_agent.lispy:.*A002.*broken symbolic link to 'gone_target.lispy'" "$lispy" lint "$dir"
check lint_huge "huge_agent.lispy:.*A002.*above the agent file cap of 4 MiB" "$lispy" lint "$dir"
check lint_count "^5 error\(s\)" "$lispy" lint "$dir"
check lint_one_fifo "A002.*a FIFO" "$lispy" lint "$dir/fifo_agent.lispy"
check list "get_weather .* ok$" "$lispy" --agents "$dir" list
check call '"ok":true' "$lispy" --agents "$dir" --mock examples/mock.json call get_weather city=Paris
check run_fifo '"not_found"' "$lispy" run "$dir/fifo_agent.lispy"
check mock_fifo "cannot read the mock fixture: it is a FIFO" "$lispy" --agents "$dir" --mock "$dir/fifo_agent.lispy" list
mkfifo "$dir/fifo_folder"
check folder_fifo "fifo_folder:0:0: warning\[A004\]: agent folder cannot be read: Not a directory" \
  "$lispy" --agents "$dir/fifo_folder" list
check folder_missing "A004\]: agent folder cannot be read: No such file" "$lispy" --agents "$dir/nowhere" call x
mkfifo "$dir/get_weather_agent.test.json"
check test_fifo "cannot read .*get_weather_agent.test.json: it is a FIFO" "$lispy" test "$dir"

[ "$fails" -eq 0 ] && echo "special files: all passed" || echo "special files: $fails failed"
[ "$fails" -eq 0 ]
