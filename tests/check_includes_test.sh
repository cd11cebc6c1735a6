#!/usr/bin/env bash
# tests/check_includes_test.sh CHECKER -- the include-graph checker (and
# its rule on lispy/'s internal names) can fail.
# A tree made at test time holds one violation of each rule beside files
# that keep them; the checker must exit 1 and name each violation by
# file:line and rule, and nothing else. The same tree with the violations
# removed must pass.
set -u
checker=$1
dir=$(mktemp -d /tmp/lispy-includes-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fails=0

mkdir -p "$dir"/{lispy,agents,completions,repl}
printf '#include "lx_object.h"\n' > "$dir/lispy/lispy.h"
printf '#include "lispy.h"\n' > "$dir/lispy/lx_object.h"
printf '#include "lispy.h"\n#include "lx_object.h"\n' > "$dir/lispy/lx_vm.c"
printf '#include "lispy.h"\n' > "$dir/agents/agents.h"
printf '#include "agents.h"\n' > "$dir/agents/ag_internal.h"
printf '#include "completions.h"\n' > "$dir/completions/cp_internal.h"
printf '#include "agents.h"\n' > "$dir/completions/completions.h"
printf '#include "completions.h"\n#include "agents.h"\n#include "lispy.h"\n' > "$dir/repl/main.c"
# lispy/ may use its own names; elsewhere they may stand in comments and
# string or character literals (rule (c) reads code only).
printf 'static int lx_x = LX_Y;\n' >> "$dir/lispy/lx_vm.c"
cat >> "$dir/repl/main.c" <<'EOF'
/* lx_object.h: LX_MAX_LOCALS,
   lx_is */ // lx_car, continued \
 LX_PAIR
const char *s = "lx_is(\"LX_X\")"; char q = '\'', r = '"'; // lx_
EOF
"$checker" "$dir" > "$dir/clean.out" 2>&1
rc=$?
if [ "$rc" != 0 ]; then echo "FAIL: a tree keeping every rule: exit $rc"; cat "$dir/clean.out"; fails=1; fi

# (a) a lower layer includes a higher one; (b) another folder's internal
# header; (b) a header that is no file of the tree; (c) an internal name of
# lispy/ in code outside it (reported once for its line, beside a string).
printf '#include "agents.h"\n\n#include "completions.h"\n' > "$dir/agents/ag_agent.c"
printf '#include "completions.h"\n#include "cp_internal.h"\n' > "$dir/repl/shell.c"
printf '#include "agents.h"\n#  include <lx_object.h>\n#include "missing.h"\n' \
  > "$dir/completions/cp_engine.c"
printf '#include "agents.h"\n\n/* lx_ok */\nint f(void) { return "lx_ok" && lx_is(v, LX_PAIR); }\n' \
  > "$dir/agents/ag_lint.c"
"$checker" "$dir" > "$dir/out" 2>&1
rc=$?
[ "$rc" = 1 ] || { echo "FAIL: violations: exit $rc, expected 1"; fails=1; }
for want in 'agents/ag_agent.c:3: rule (a): ' \
            'repl/shell.c:2: rule (b): ' \
            'completions/cp_engine.c:2: rule (b): ' \
            'completions/cp_engine.c:3: rule (b): ' \
            'agents/ag_lint.c:4: rule (c): LX_PAIR, lx_is: '; do
  grep -qF "$want" "$dir/out" || { echo "FAIL: not reported: $want"; fails=1; }
done
n=$(grep -c ': rule (' "$dir/out")
[ "$n" = 5 ] || { echo "FAIL: $n violations reported, expected 5"; fails=1; }
[ "$fails" = 0 ] || cat "$dir/out"
[ "$fails" = 0 ] && echo "PASS: check_includes reports each rule"
exit "$fails"
