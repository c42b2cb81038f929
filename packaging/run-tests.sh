#!/usr/bin/env bash
# The checks CI runs: layering contracts, lint, types, then every test.
# Display tests start their own Xvfb; Qt tests run offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${1:-.venv}"
export QT_QPA_PLATFORM=offscreen
export PYTHONDONTWRITEBYTECODE=1

echo "== layering (import-linter)"
"$VENV/bin/lint-imports"
echo "== lint (ruff)"
"$VENV/bin/ruff" check src tests bench
"$VENV/bin/ruff" format --check src tests bench
echo "== types (mypy)"
"$VENV/bin/mypy"
echo "== tests (pytest)"
set +e
"$VENV/bin/python" -m pytest -q "${@:2}"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest collected no tests" >&2
  exit 1
fi
exit "$rc"
