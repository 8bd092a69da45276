#!/usr/bin/env bash
# Installs the Debian packages the printable documents (services/notification/src/documents) and
# the browser tests need, idempotently; prints one line of what it did.
#   fonts-noto-cjk  Noto Sans/Serif CJK (.ttc) for the Chinese text of the PDFs and the console's pages
#   poppler-utils   pdftotext and pdftoppm, used by the tests to read and rasterise the PDFs
#   chromium        Debian's Chromium, driven by playwright-core in the console's end-to-end tests
# Already installed: a dpkg-query and nothing else (well under a second). Missing: as root,
# apt-get update then apt-get install -y; not root: fails with the command to run.
set -euo pipefail

PACKAGES=(fonts-noto-cjk poppler-utils chromium)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "fonts: ${PACKAGES[*]} already installed"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "fonts: missing ${missing[*]}; run: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg run (e.g. a concurrent bootstrap step) instead of failing on its lock.
apt_opts=(-qq -o DPkg::Lock::Timeout=300)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { apt-get "${apt_opts[@]}" update && apt-get "${apt_opts[@]}" install -y --no-install-recommends "${missing[@]}"; } >"$log" 2>&1; then
  cat "$log" >&2
  echo "fonts: installing ${missing[*]} failed (apt-get output above)" >&2
  exit 1
fi
echo "fonts: installed ${missing[*]}"
