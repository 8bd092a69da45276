#!/usr/bin/env bash
# Builds the image of every service that has a Dockerfile, from the repository root:
#   docker build -f services/<name>/Dockerfile -t <registry/>kuayu/<name>:<version> .
#   scripts/chart/images.sh [version]    (default: the chart's appVersion)
#   REGISTRY=registry.court.example scripts/chart/images.sh 0.1.0   (then docker push each tag)
# The tags match the chart: <image.registry>/<components.<name>.image.repository>:<tag>.
# kuayu/console also builds the web console's pages (npm run build:web → dist-web) inside its image.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$KUAYU_ROOT"

version=${1:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' charts/kuayu/Chart.yaml)}
registry=${REGISTRY:+${REGISTRY%/}/}
command -v docker >/dev/null || { echo "images: docker is not installed here; build on a machine with a Docker engine (see docs/operations.md)" >&2; exit 1; }
docker info >/dev/null 2>&1 || { echo "images: no Docker engine is reachable (docker info failed)" >&2; exit 1; }

for dockerfile in services/*/Dockerfile; do
  name=$(basename "$(dirname "$dockerfile")")
  echo "images: ${registry}kuayu/$name:$version"
  docker build -f "$dockerfile" -t "${registry}kuayu/$name:$version" .
done
