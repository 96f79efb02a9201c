#!/usr/bin/env bash
# scripts/setup.sh: install the Debian packages entroscape needs, if missing.
# Idempotent and silent when everything is present. Usage: scripts/setup.sh
set -euo pipefail

pkgs=(gcc make pkg-config libgsl-dev libhdf5-dev hdf5-tools libinih-dev libcmocka-dev
      libopenblas-dev gnuplot-nox zlib1g-dev libopenmpi-dev openmpi-bin)

missing=()
for p in "${pkgs[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >&2
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
