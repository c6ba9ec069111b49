#!/usr/bin/env bash
# `lancer bench api` loads the API with wrk (Debian's package): a Python load generator saturates before
# the API does, so without wrk the bench cannot judge its goal. Installs it when missing; needs root.
set -euo pipefail

if command -v wrk >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "wrk is missing: install Debian's wrk package (apt-get install wrk) as root" >&2
  exit 1
fi
echo "installing wrk (Debian package) for lancer bench api"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v wrk
