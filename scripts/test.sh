#!/usr/bin/env bash
# The whole test suite, as CI and the README run it: types, lint, unit tests, build, end-to-end.
# The end-to-end part runs inside the lab's loopback-only network namespace (root needed for that;
# without root it uses the host's loopback and says so).
set -euo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
results=.test-results
rm -rf "$results" && mkdir -p "$results"

step() { printf '\n== %s\n' "$*"; }

step "Type-check every process (common, main + services + Electron shell, preload, renderer, scripts + tests)"
npm run --silent typecheck

step "Lint (layering rules included)"
npm run --silent lint

step "Electron security review (Doyensec electronegativity: no high finding, the rest reviewed)"
npm run --silent security

step "Unit tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/unit.json"

step "Build renderer, main and preload"
npm run --silent build -- --quiet

step "End-to-end tests (Playwright + Chromium against the real lab)"
e2e_status=0
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/e2e.json" npx tsx scripts/lab/cli.ts exec -- \
  npx playwright test --reporter=list,json "$@" || e2e_status=$?

node scripts/test-summary.mjs "$results/unit.json" "$results/e2e.json"
exit $e2e_status
