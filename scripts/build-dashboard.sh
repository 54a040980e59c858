#!/usr/bin/env bash
# Rebuild the dashboard's page (dashboard-ui/) into src/pyspire/dashboard/static.
# The built files are committed, so installing pyspire needs no Node; run this after changing
# dashboard-ui/ and commit both. npm installs exactly what package-lock.json says (from the
# registry npm is configured with); the lock file records no download addresses.
# Extra arguments go to `vite build` (the freshness test builds with --outDir elsewhere).
set -euo pipefail
cd "$(dirname "$0")/../dashboard-ui"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
fi
npm run build --silent -- "$@"
