#!/usr/bin/env bash
# Runs the k6 scenarios against `make up` (its ports; tokens minted with the development key unless
# WINDOW_TOKEN, COURT_TOKEN, SUPERVISOR_TOKEN are set): with k6 when it is installed, else with the
# project's k6run. Arguments go to every run, e.g.  scripts/k6/run-all.sh --vus 2 --iterations 10
# Exits non-zero (99: a threshold was crossed) if any script failed.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$KUAYU_ROOT" || exit 1

mint() { npx kuayu token mint "$@" || { echo "run-all: could not mint a token (run make bootstrap for the development key)" >&2; exit 1; }; }
WINDOW_TOKEN=${WINDOW_TOKEN:-$(mint --court "${WINDOW_COURT:-t-440103001}" --role window-clerk)} || exit 1
COURT_TOKEN=${COURT_TOKEN:-$(mint --court "${JURISDICTION_COURT:-c-110105}" --role filing-specialist)} || exit 1
SUPERVISOR_TOKEN=${SUPERVISOR_TOKEN:-$(mint --court c-spc --role supervisor --province 00)} || exit 1
export WINDOW_TOKEN COURT_TOKEN SUPERVISOR_TOKEN

if command -v k6 >/dev/null 2>&1; then runner=(k6 run); else runner=(npx k6run run); fi
status=0
for script in submit-and-decide inbox-reads supervision-reads; do
  echo "==> ${runner[*]} $* scripts/k6/$script.js"
  "${runner[@]}" "$@" "scripts/k6/$script.js" || status=$?
done
exit "$status"
