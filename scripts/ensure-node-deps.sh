#!/usr/bin/env bash
# Installs the npm dependencies from the lockfile when they are missing or
# older than it, so `npm start` and `npm test` work on a fresh clone without a
# separate `npm install`. Silent and instant when node_modules is current.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
marker=node_modules/.package-lock.json
if [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ]; then
  echo "signpost: installing npm dependencies (npm ci)…" >&2
  npm ci --no-audit --no-fund >&2
fi
