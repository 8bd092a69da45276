#!/usr/bin/env bash
# `make test`: bootstrap, start what the tests need (stopping it afterwards if this script started
# it), then type-check, lint, check the protos and the Helm chart, run unit and integration tests.
# Ends with the line "N passed, N failed" (jest tests plus one per check); non-zero on any failure.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KUAYU_ROOT"

bash scripts/bootstrap.sh || { echo "0 passed, 1 failed"; exit 1; }
source scripts/env.sh

results=.data/test-results
rm -rf "$results" && mkdir -p "$results"

started_infra=0
if ! bash scripts/infra/infra.sh running >/dev/null 2>&1; then
  started_infra=1
fi
cleanup() { if [ "$started_infra" = 1 ]; then bash scripts/infra/infra.sh down; fi; }
trap cleanup EXIT

# step NAME CMD... — runs one check, records its outcome for the summary.
step() {
  local name=$1; shift
  echo "==> $name"
  if "$@"; then echo "pass" > "$results/step-$name"; else echo "fail" > "$results/step-$name"; echo "==> $name FAILED"; fi
}

step infra bash scripts/infra/infra.sh up
step build bash -c "npx tsc -b && npm run -s build:web -w @kuayu/console"
step console-budget node scripts/console-budget.js
step typecheck-tests bash -c "npx tsc -p tsconfig.test.json && npx tsc -p services/console/web/tsconfig.json"
step lint npx eslint .
step format npx prettier --check --log-level warn "**/*.{ts,tsx,js,json}"
step proto bash scripts/proto.sh check
step chart bash scripts/chart/check.sh
step unit-tests npx jest --selectProjects unit --json --outputFile="$results/unit.json"
step integration-tests npx jest --selectProjects integration --runInBand --forceExit --json --outputFile="$results/integration.json"

node scripts/test-summary.js "$results"
