# Sourced by the Makefile and scripts: puts the project's pinned Node (if installed) first on PATH.
KUAYU_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export KUAYU_ROOT
if [ -x "$KUAYU_ROOT/.tools/node/bin/node" ]; then
  export PATH="$KUAYU_ROOT/.tools/node/bin:$PATH"
fi
export PATH="$KUAYU_ROOT/.tools/bin:$KUAYU_ROOT/node_modules/.bin:$PATH"
