#!/usr/bin/env bash
# scripts/setup.sh -- install the Debian packages lispy needs and the npm
# packages of its tests, then build it.
#
#   scripts/setup.sh             install what is missing, configure and build build/
#   scripts/setup.sh --no-build  only install packages
#
# Idempotent: apt-get runs only when a package is missing. Works as root, or
# through sudo otherwise. Never prompts (DEBIAN_FRONTEND=noninteractive).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PACKAGES=(build-essential cmake pkg-config libcjson-dev libutf8proc-dev
          libpcre2-dev libedit-dev lua5.4 python3 valgrind tmux clang clang-format zsh fish
          nodejs)
# npm: Debian ships it apart from nodejs; other builds of nodejs include it.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup.sh: unknown option: $arg" >&2; exit 2 ;;
  esac
done

# ==== Packages =================================================================

# Print the packages of PACKAGES that are not installed.
missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      echo "$p"
    fi
  done
}

# Run a command as root: directly, or through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "setup.sh: need root (or sudo) to run: $*" >&2
    exit 1
  fi
}

missing=$(missing_packages)
if [ -n "$missing" ]; then
  # shellcheck disable=SC2086  # one package per word
  echo "setup.sh: installing:" $missing
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update
  # shellcheck disable=SC2086
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends $missing </dev/null
else
  echo "setup.sh: all packages present"
fi

# ==== npm packages for the tests =================================================

# The official MCP SDK client the tests drive lispy mcp with
# (tests/mcp/package.json, pinned by its lock file), installed with npm ci
# into the build tree: build/node/node_modules. Skipped when that install is
# of the same lock file already.
node_dir=${LISPY_NODE_DIR:-$ROOT/build/node}
if ! cmp -s "$ROOT/tests/mcp/package-lock.json" "$node_dir/package-lock.json" ||
   [ ! -d "$node_dir/node_modules" ]; then
  mkdir -p "$node_dir"
  cp "$ROOT/tests/mcp/package.json" "$ROOT/tests/mcp/package-lock.json" "$node_dir/"
  (cd "$node_dir" && npm ci --no-audit --no-fund)
  echo "setup.sh: npm packages installed in $node_dir"
else
  echo "setup.sh: npm packages present"
fi

# ==== Build ====================================================================

if [ "$build" -eq 1 ]; then
  cmake -S "$ROOT" -B "$ROOT/build"
  cmake --build "$ROOT/build" -j2
  echo "setup.sh: built $ROOT/build/lispy"
fi
