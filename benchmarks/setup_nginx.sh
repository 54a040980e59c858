#!/usr/bin/env bash
# Install nginx with its stream (layer-4 proxy) module, so benchmarks/bench_proxy.py
# can compare pyspire's ProxyHub against nginx's stream proxy.
# Idempotent: does nothing when both packages are already installed.
set -euo pipefail

packages=(nginx libnginx-mod-stream)

missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "nginx and its stream module are already installed."
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
# A fresh container often has empty package lists; refresh them before installing.
$SUDO apt-get update -q
# --no-install-recommends keeps the install small; the benchmark starts its own nginx
# with its own config, so the distribution's service is neither needed nor started here.
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"

# The Debian package may try to start the system service; the benchmark does not use it.
if command -v service >/dev/null 2>&1; then
    $SUDO service nginx stop >/dev/null 2>&1 || true
fi

echo "Installed: ${missing[*]}"
