#!/usr/bin/env bash
# The web app's end-to-end tests drive Debian's Chromium with playwright-core (Playwright's own
# browser download cannot work on these machines). Installs it when missing; needs root (CI is root).
set -euo pipefail

if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "/usr/bin/chromium is missing: install Debian's chromium package (apt-get install chromium) as root" >&2
  exit 1
fi
echo "installing chromium (Debian package) for the web app's browser tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
