#!/usr/bin/env bash
# Protobuf pipeline with buf and the local protoc-gen-es (no remote plugins).
#   proto.sh generate   lint, then write libs/proto/src/gen
#   proto.sh check      lint; fail if generation would change committed code; buf breaking
#                       against main (or, on main itself, against the previous commit)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KUAYU_ROOT"

buf lint proto
case "${1:-generate}" in
  generate)
    buf generate
    ;;
  check)
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    buf generate -o "$tmp"
    if ! diff -r "$tmp/libs/proto/src/gen" libs/proto/src/gen; then
      echo "proto: generated code is out of date; run 'make proto' and commit the result" >&2
      exit 1
    fi
    branch=$(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo "")
    if [ "$branch" != "main" ] && git rev-parse -q --verify main >/dev/null; then
      against=".git#branch=main,subdir=proto"
    elif git rev-parse -q --verify HEAD~1 >/dev/null && git cat-file -e HEAD~1:proto/buf.yaml 2>/dev/null; then
      against=".git#ref=HEAD~1,subdir=proto"
    else
      echo "proto: no earlier proto tree to compare with; breaking check skipped"
      exit 0
    fi
    buf breaking proto --against "$against"
    echo "proto: lint clean, generated code up to date, no breaking change against $against"
    ;;
  *) echo "usage: proto.sh generate|check" >&2; exit 2 ;;
esac
