#!/usr/bin/env bash
# One command for a fresh Debian/Ubuntu machine:
#   bash packaging/setup.sh demo   set everything up, then run `desktop-agent demo`
#   bash packaging/setup.sh test   set everything up, then run the whole test suite
# Idempotent: a second run installs nothing new.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
VENV="${DESKTOP_AGENT_VENV:-$ROOT/.venv}"
what="${1:-}"
case "$what" in
  demo|test|install) ;;
  *) echo "usage: bash packaging/setup.sh demo|test|install" >&2; exit 2 ;;
esac

bash packaging/install-system-deps.sh

# A Python of at least 3.11.
PY=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    PY="$(command -v "$candidate")"; break
  fi
done
if [ -z "$PY" ]; then
  echo "error: desktop-agent needs Python >= 3.11 (Debian 12 / Ubuntu 24.04 ship it)" >&2
  exit 1
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "python: creating $VENV with $PY"
  "$PY" -m venv "$VENV"
fi
extras="."
[ "$what" = "test" ] && extras=".[dev,train]"  # the tests train and export tiny models
echo "python: installing desktop-agent ($extras) into $VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$extras"

case "$what" in
  install) echo "installed: $VENV/bin/desktop-agent" ;;
  demo) exec "$VENV/bin/desktop-agent" demo ;;
  test) exec bash packaging/run-tests.sh "$VENV" ;;
esac
