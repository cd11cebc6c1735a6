#!/bin/bash
# shell_bench.sh -- shell start-up with many agents (a benchmark, not a test).
#
#   tests/bench/shell_bench.sh path/to/lispy [N_AGENTS] [RUNS]
#
# Generates N_AGENTS (default 1000) small agent files in a temporary folder,
# one of three source styles each, then times `lispy --agents DIR` in
# non-terminal mode from start to exit, fed ":quit" on stdin: the folder
# scan, loading and lint of every agent, and the shell's set-up. Prints the
# best of RUNS (default 5) and every run, against the target (< 150 ms).
set -eu

LISPY=$(realpath "${1:?usage: shell_bench.sh LISPY [N_AGENTS] [RUNS]}")
N=${2:-1000}
RUNS=${3:-5}
TARGET_MS=150
DIR=$(mktemp -d /tmp/lispy-shell-bench.XXXXXX)
trap 'rm -rf "$DIR"' EXIT

# ==== Agents ================================================================

# agent I: Clojure, Scheme and legacy styles in turn, each with a couple of
# typed parameters, so lint and schema compilation have real work.
gen_agent() {
  local i=$1 f="$DIR/bench_${1}_agent.lispy"
  case $((i % 3)) in
  0) cat >"$f" <<EOF
(def AGENT {:name "bench_$i" :description "Benchmark agent $i (Clojure style)."
            :parameters {:type "object"
                         :properties {:city {:type "string" :minLength 1}
                                      :units {:type "string" :enum ["c" "f"] :default "c"}}
                         :required ["city"]}})
(defn run [context city units]
  {:city city :units units :n $i})
EOF
  ;;
  1) cat >"$f" <<EOF
(define AGENT
  (dict :name "bench_$i" :description "Benchmark agent $i (Scheme style)."
        :parameters (dict :type "object"
                          :properties (dict :thread_id (dict :type "string")
                                            :max_words (dict :type "integer" :default 100))
                          :required '("thread_id"))))
(define (run context thread_id max_words)
  (context-llm context (format "Summarize ~a in ~a words" thread_id max_words)))
EOF
  ;;
  2) cat >"$f" <<EOF
(define agent-name "bench_$i")
(define agent-description "Benchmark agent $i (legacy style).")
(define agent-parameters (make-dict "channel" "Channel slug" "title" "Post title"))
(define (agent-run context kwargs)
  (make-dict "status" "ok" "channel" (get kwargs "channel" "")))
EOF
  ;;
  esac
}

for ((i = 0; i < N; i++)); do gen_agent "$i"; done

# The agents must load cleanly, or the figure would measure error paths.
count=$(printf ':agents\n:quit\n' | NO_COLOR=1 "$LISPY" --agents "$DIR" | grep -cE '^bench_[0-9]+ .* ok$' || true)
if [ "$count" -ne "$N" ]; then
  echo "shell_bench: only $count of $N generated agents load with lint status ok" >&2
  exit 1
fi

# ==== Timing ================================================================

now_ns() { date +%s%N; }

best=""
all=""
for ((r = 0; r < RUNS; r++)); do
  t0=$(now_ns)
  echo ":quit" | NO_COLOR=1 "$LISPY" --agents "$DIR" >/dev/null
  t1=$(now_ns)
  us=$(( (t1 - t0) / 1000 ))
  all="$all $(printf '%d.%01d' $((us / 1000)) $(((us % 1000) / 100)))"
  if [ -z "$best" ] || [ "$us" -lt "$best" ]; then best=$us; fi
done

ms=$(printf '%d.%01d' $((best / 1000)) $(((best % 1000) / 100)))
verdict="ok"
[ "$best" -lt $((TARGET_MS * 1000)) ] || verdict="OVER TARGET"
echo "shell start-up with $N agents: best of $RUNS = $ms ms (target < $TARGET_MS ms: $verdict)"
echo "  runs (ms):$all"
