#!/usr/bin/env bash
# Runs the whole suite, in parallel worker processes (pytest-xdist; PYTEST_WORKERS, default 3: most tests
# wait on anvil, PostgreSQL and the browser rather than on the CPU, so 3 workers keep 2 cores busy).
# Tests that share a session or package fixture stay on one worker (tests/conftest.py groups them).
# --no-loadscope-reorder: groups start in the order tests/conftest.py gives (longest first); xdist's default
# starts the groups with the most tests first, which left long single-test groups (the fuzz tests) for the end.
# pytest's exit code 5 ("no tests collected") is a failure here, not a pass.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/@foundry-rs/anvil-linux-amd64/bin:$PATH"
.venv/bin/pytest -n "${PYTEST_WORKERS:-3}" --dist loadgroup --no-loadscope-reorder --durations=25 "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$code"
