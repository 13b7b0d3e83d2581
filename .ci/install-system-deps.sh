#!/usr/bin/env bash
# System packages the tests need beyond Python: Debian's chromium and its
# chromedriver, for the browser test of the dbt docs site
# (tests/python/test_docs_site.py).  Idempotent: installs only what is missing.
# Called by .ci/run; run it by hand on a Debian/Ubuntu machine as root (or with sudo).
set -euo pipefail

PACKAGES=(chromium chromium-driver)

missing=()
for package in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "system packages already installed: ${PACKAGES[*]}"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-get not found: install ${missing[*]} yourself (the browser test skips without them)" >&2
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi

echo "installing: ${missing[*]}"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
