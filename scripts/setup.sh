#!/usr/bin/env bash
# Create .venv with pyspire installed (editable). Idempotent: re-running only refreshes the install.
# Usage: scripts/setup.sh [EXTRAS]   e.g. scripts/setup.sh test
# Quiet unless it fails: pip's output goes to a temporary log, shown (then removed) only on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
python=${PYTHON:-python3}
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "pyspire needs Python 3.11 or newer as '$python' (set PYTHON=/path/to/python3.11)" >&2
    exit 1
fi
stamp=".venv/.pyspire-installed${extras:+-$extras}"
if [ -f "$stamp" ] && [ ! pyproject.toml -nt "$stamp" ]; then
    exit 0
fi
echo "installing pyspire into .venv${extras:+ with [$extras]} (first run, or pyproject.toml changed)…" >&2
log=$(mktemp "${TMPDIR:-/tmp}/pyspire-setup.XXXXXX")
trap 'rm -f "$log"' EXIT
if ! {
    { [ -x .venv/bin/python ] || "$python" -m venv .venv; } &&
        .venv/bin/python -m pip install --upgrade pip &&
        .venv/bin/python -m pip install -e ".${extras:+[$extras]}"
} >"$log" 2>&1; then
    cat "$log" >&2
    echo "setting up .venv failed; the installer's output is above" >&2
    exit 1
fi
touch "$stamp"
