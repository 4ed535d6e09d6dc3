#!/usr/bin/env bash
# Install axe-core (npm) into tests/web/.axe for the browser accessibility checks.
# One install path for `make axe` and the test fixture (tests/web/conftest.py).
#
# `npm --prefix DIR` also moves npm's global configuration to DIR/etc/npmrc, so the
# system's npmrc (a registry mirror, a proxy, a cafile) would be ignored; the system's
# globalconfig is looked up first (without --prefix) and passed on explicitly.
# A failed install exits non-zero with npm's own message: the checks never skip silently.
#
#   tests/web/install_axe.sh               install (no-op when already installed)
#   tests/web/install_axe.sh --show-config print the globalconfig the install would use
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="$here/.axe"
version="${AXE_VERSION:-4.14.1}"
if ! command -v npm >/dev/null 2>&1; then
  echo "install_axe: npm not found, so axe-core cannot be installed" >&2
  exit 3
fi
globalconfig="$(npm config get globalconfig)"
args=(--globalconfig "$globalconfig" --prefix "$prefix")
if [ "${1:-}" = "--show-config" ]; then
  npm config get globalconfig "${args[@]}"
  exit 0
fi
if [ -f "$prefix/node_modules/axe-core/axe.min.js" ]; then
  exit 0
fi
mkdir -p "$prefix"
if ! npm install --no-save --no-audit --no-fund "${args[@]}" "axe-core@$version" >/dev/null; then
  echo "install_axe: npm install axe-core@$version failed (npm's message is above;" \
    "npm's global config: $globalconfig): the accessibility checks cannot run" >&2
  exit 1
fi
