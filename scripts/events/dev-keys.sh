#!/usr/bin/env bash
# Development event-signing keys: a P-256 key per producing service in DIR (<service>-key.pem, made
# once) and the release's event JWKS DIR/jwks.json (`kuayu events jwks`, made again each time) — what
# `make up` uses (.secrets/events) and what the tests' spawned services use. Needs the CLI built.
# Usage: scripts/events/dev-keys.sh DIR
set -euo pipefail
dir=${1:?usage: dev-keys.sh DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$dir" && chmod 700 "$dir"
pairs=()
for p in intake decision supervision; do
  [ -f "$dir/$p-key.pem" ] || (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$dir/$p-key.pem" 2>/dev/null)
  pairs+=("$p=$dir/$p-key.pem")
done
node "$root/libs/cli/bin/kuayu.js" events jwks "${pairs[@]}" > "$dir/jwks.json.tmp"
mv "$dir/jwks.json.tmp" "$dir/jwks.json"
