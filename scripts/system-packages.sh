#!/usr/bin/env bash
# Debian packages the tests need. Installs only what is missing, so it is instant on a ready machine.
set -euo pipefail
# chromium: the dashboard's browser tests drive it through Playwright (tests/dashboard).
# gcc, libc6-dev: cgo for kine's SQLite store (scripts/kube-control-plane.sh).
# docker-registry: the CNCF distribution registry the Kubernetes deploy tests push images to
# (started by the tests on a loopback port, never as the package's service).
packages=(procps podman runc busybox-static debootstrap chromium gcc libc6-dev docker-registry)
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# The control API tests drive a real kubectl; any kubectl on PATH will do, else Debian's.
command -v kubectl >/dev/null || missing+=(kubernetes-client)
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages: ${missing[*]} (run as root or install them)" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
