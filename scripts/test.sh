#!/usr/bin/env bash
# Set up everything the tests need (first run only), then run the static checks and the tests.
# Extra arguments go to pytest (e.g. scripts/test.sh -k proxy).
set -euo pipefail
cd "$(dirname "$0")/.."
# Each set-up step says how long it took, so a cold machine's set-up can be read from the log.
step() {
    local started=$SECONDS
    bash "$@"
    echo "== set-up: $1 took $((SECONDS - started)) s" >&2
}
step scripts/setup.sh test
step scripts/system-packages.sh
step scripts/containers.sh
step scripts/kube-tools.sh   # host helm and kubectl for the k3s tests (cached by version)
step scripts/kube-control-plane.sh   # kube-apiserver & co. for the k3s tests' image (cached by version)
step scripts/kube-images.sh   # the k3s, helm and kubectl test images (rebuilt when their inputs change)

echo "== static checks"
.venv/bin/ruff check src tests benchmarks examples
.venv/bin/mypy
.venv/bin/lint-imports --no-cache >/dev/null || .venv/bin/lint-imports --no-cache

echo "== tests"
exec .venv/bin/pytest "$@"
