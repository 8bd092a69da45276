#!/usr/bin/env bash
# A development CA and the certificates gRPC's mutual TLS and supervision's HTTPS use, with openssl:
#   dev-certs.sh DIR [NAME]
# writes DIR/ca.pem + ca-key.pem, DIR/server.pem + server-key.pem (subjectAltName DNS:localhost,
# IP:127.0.0.1, serverAuth and clientAuth) and DIR/client.pem + client-key.pem (clientAuth): ECDSA P-256, one year.
# Idempotent: does nothing when DIR/ca.pem exists. NAME goes into the subjects (default "Kuayu development").
# Production certificates come from the IT centre's own CA (docs/operations.md).
set -euo pipefail
dir=$1
name=${2:-Kuayu development}
[ -f "$dir/ca.pem" ] && exit 0
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null && chmod 600 "$1"; }

key "$tmp/ca-key.pem"
openssl req -x509 -new -key "$tmp/ca-key.pem" -sha256 -days 365 -subj "/O=$name/CN=$name CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$tmp/ca.pem" 2>/dev/null

# issue NAME CN EXTENSIONS
issue() {
  key "$tmp/$1-key.pem"
  openssl req -new -key "$tmp/$1-key.pem" -subj "/O=$name/CN=$2" -out "$tmp/$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$tmp/$1.ext"
  openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca-key.pem" -CAcreateserial -sha256 -days 365 \
    -extfile "$tmp/$1.ext" -out "$tmp/$1.pem" 2>/dev/null
}
# The services' pair also serves as their client certificate when they call each other (intake calls
# routing, decision calls intake): serverAuth and clientAuth.
issue server localhost "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"
issue client "$name client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"

# The CA last: its presence marks a complete set.
for f in server.pem server-key.pem client.pem client-key.pem ca-key.pem ca.pem; do mv "$tmp/$f" "$dir/$f"; done
