#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is needed (Python and
# front-end packages, Debian's PostgreSQL and Chromium), starts a throw-away
# PostgreSQL server on 127.0.0.1, then runs the fast suite in parallel and the
# slow real-data and browser tests after it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --system
UV=$(command -v uv 2>/dev/null || echo "python3 -m uv")
export VEERKRACHT_TEST_PG_URL
VEERKRACHT_TEST_PG_URL=$(bash scripts/pg-test-server.sh start)
trap 'bash scripts/pg-test-server.sh stop' EXIT
# Every stage runs, so one run reports every problem; the first failure
# decides the exit status.
failed=0
$UV run ruff check src tests bench || failed=1
$UV run pytest -n 2 -m "not slow and not browser" "$@" || failed=1
# pytest exits 5 when a marker selects nothing; that is not a failure here,
# because the run above already had to execute tests.
status=0
$UV run pytest -m "slow or browser" "$@" || status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 5 ]; then failed=1; fi
exit "$failed"
