#!/usr/bin/env bash
# Installs everything and runs every test suite; ends with "N passed, N failed, N skipped".
# `.ci/run` runs exactly this with CI=true (then no suite may skip, but the one needing Electron).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -eq 0 ]; then bash scripts/setup-system.sh; else sudo bash scripts/setup-system.sh; fi
npm ci --no-audit --no-fund
npm run typecheck
npm run lint
npm run build
# The keychain suites need a Secret Service: run all suites inside a private D-Bus session.
exec bash scripts/with-session-bus.sh node scripts/run-suites.mjs "$@"
