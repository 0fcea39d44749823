#!/usr/bin/env bash
# Install everything Veerkracht needs on a fresh machine (idempotent):
# uv, the locked Python packages, the front-end packages, and — when asked
# with --system — Debian's PostgreSQL and Chromium for the slow test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v uv >/dev/null 2>&1 && ! python3 -m uv --version >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
fi
UV=$(command -v uv 2>/dev/null || echo "python3 -m uv")
# bytecode compiled once at install: where PYTHONDONTWRITEBYTECODE is set
# (as on some CI machines) every process would otherwise compile pandas, numba and scipy
# from source at start-up, seconds per command
$UV sync --frozen --quiet --compile-bytecode
if [ -f package.json ]; then
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
    npm ci --silent --no-audit --no-fund
  fi
  if [ -f scripts/vendor-static.sh ]; then bash scripts/vendor-static.sh; fi
fi
if [ "${1:-}" = "--system" ]; then
  need=()
  ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need+=(postgresql)
  [ -x /usr/bin/chromium ] || need+=(chromium)
  if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi
