#!/usr/bin/env bash
# Installs the chart tools into .tools/ (idempotent; a no-op taking milliseconds when present):
#   helm v3.22.0, built with `go install` from the Go module proxy       → .tools/bin/helm
#   kubernetes-validate (PyPI; bundles Kubernetes' JSON schemas, offline) → .tools/chart-venv
#     with PyYAML, which scripts/chart/assert-rendered.py uses; versions pinned in requirements.txt
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$KUAYU_ROOT"

HELM_VERSION=v3.22.0
VENV=.tools/chart-venv
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# quietly CMD... — runs CMD with its output in a log, shown only if it fails.
quietly() { "$@" >"$log" 2>&1 || { cat "$log" >&2; echo "chart tools: failed: $*" >&2; exit 1; }; }

if ! grep -qP "^\tmod\thelm\.sh/helm/v3\t${HELM_VERSION}\t" <<<"$(go version -m .tools/bin/helm 2>/dev/null)"; then
  command -v go >/dev/null || { echo "chart tools: Go is needed to build helm (go install)" >&2; exit 1; }
  echo "chart tools: building helm $HELM_VERSION (go install, about a minute the first time)"
  mkdir -p .tools/bin
  GOBIN="$KUAYU_ROOT/.tools/bin" quietly go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi

if ! cmp -s scripts/chart/requirements.txt "$VENV/requirements.txt" 2>/dev/null \
  || ! "$VENV/bin/python" -c 'import kubernetes_validate, yaml' 2>/dev/null; then
  command -v python3 >/dev/null || { echo "chart tools: python3 (with venv) is needed for kubernetes-validate" >&2; exit 1; }
  echo "chart tools: installing kubernetes-validate into $VENV"
  rm -rf "$VENV"
  quietly python3 -m venv "$VENV"
  quietly "$VENV/bin/pip" install --disable-pip-version-check -r scripts/chart/requirements.txt
  cp scripts/chart/requirements.txt "$VENV/requirements.txt"
fi
