#!/usr/bin/env bash
# scripts/format.sh -- format lispy's C sources with clang-format (.clang-format).
#
#   scripts/format.sh            rewrite every file that is not formatted
#   scripts/format.sh --check    change nothing; list the files that are not
#                                formatted and exit 1 if there is any
#   scripts/format.sh --list     print the files formatting applies to
#
# The files are every .c and .h of lispy/, agents/, completions/, repl/ and
# tests/. CLANG_FORMAT names the binary (default: clang-format, which
# scripts/setup.sh installs). The test static_format runs --check.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
mode=fix
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  --list) mode=list ;;
  -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "format.sh: unknown option: $1" >&2; exit 2 ;;
esac

# The sources, sorted, one per line, relative to ROOT.
sources() {
  (cd "$ROOT" && find lispy agents completions repl tests -name '*.[ch]' -type f | LC_ALL=C sort)
}

if [ "$mode" = list ]; then sources; exit 0; fi
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  echo "format.sh: $CLANG_FORMAT not found (hint: scripts/setup.sh --no-build installs it)" >&2
  exit 2
fi

cd "$ROOT" || exit 2
bad=0
while IFS= read -r f; do
  if [ "$mode" = check ]; then
    if ! "$CLANG_FORMAT" --dry-run --Werror "$f" >/dev/null 2>&1; then
      echo "$f: not formatted (first difference below)"
      "$CLANG_FORMAT" "$f" | diff -u "$f" - | sed -n '3,12p'
      bad=$((bad + 1))
    fi
  else
    "$CLANG_FORMAT" -i "$f" || bad=$((bad + 1))
  fi
done < <(sources)

if [ "$mode" = check ] && [ "$bad" -gt 0 ]; then
  echo "format.sh: $bad file(s) not formatted by $("$CLANG_FORMAT" --version | head -1)" \
       "(hint: run scripts/format.sh to format them)"
  exit 1
fi
exit $((bad > 0))
