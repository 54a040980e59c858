#!/usr/bin/env bash
# Set up (first run only) and run the bundled example app until Ctrl+C.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/pyspire run examples/shop "$@"
