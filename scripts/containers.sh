#!/usr/bin/env bash
# Make podman work on this sandbox and build, offline, the images the container tests use.
# Facts behind every setting: ../shared/reference/containers-here.md. Idempotent and quick on a
# ready machine: the config is written only when missing, each image is built only when absent
# or when the files it is built from changed.
set -euo pipefail
cd "$(dirname "$0")/.."

conf=/etc/containers/containers.conf
if ! grep -q "pyspire" "$conf" 2>/dev/null; then
    if [ "$(id -u)" != 0 ]; then
        echo "podman is not configured for this machine; run scripts/containers.sh as root" >&2
        exit 1
    fi
    # Podman's default rlimits exceed what the sandbox grants; stay at the current hard limits.
    nofile=$(ulimit -Hn); [ "$nofile" = unlimited ] && nofile=1048576
    nproc=$(ulimit -Hu); [ "$nproc" = unlimited ] && nproc=4096
    [ "$nproc" -gt 4096 ] && nproc=4096
    mkdir -p /etc/containers
    cat > "$conf" <<CONF
# written by pyspire scripts/containers.sh (crun fails on hybrid cgroups here; runc works)
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
fi

have_image() { podman image exists "$1"; }

# The Debian mirror this machine's apt uses (deb822 .sources files first, then one-line lists):
# debootstrap must fetch from the same place apt does, never from a host named here.
debian_mirror() {
    local uri
    uri=$(awk '/^URIs:/ {uri=$2} /^Suites:/ && / bookworm( |$)/ && uri != "" {print uri; exit}' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
    if [ -z "$uri" ]; then
        uri=$(awk '$1 == "deb" && $0 ~ / bookworm / {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' \
            /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -n 1 || true)
    fi
    if [ -z "$uri" ]; then
        echo "cannot find the Debian mirror in /etc/apt/sources.list.d/ or /etc/apt/sources.list" >&2
        return 1
    fi
    echo "$uri"
}

# A tiny image for fast tests: static busybox and its applets.
if ! have_image localhost/pyspire-test/busybox:latest; then
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/www" "$root/data"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $("$root/bin/busybox" --list); do
        [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
    done
    echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
    echo "root:x:0:" > "$root/etc/group"
    tar -C "$root" -c . | podman import -q --change 'CMD ["/bin/sh"]' --change 'ENV PATH=/bin' \
        - localhost/pyspire-test/busybox:latest >/dev/null
    rm -rf "$root"; trap - EXIT
    echo "built localhost/pyspire-test/busybox:latest"
fi

# A Debian base (debootstrap, ~30 s) and a real Redis server built on it.
if ! have_image localhost/debian:bookworm; then
    root=$(mktemp -d)
    trap 'rm -rf "$root"' EXIT
    debootstrap --variant=minbase bookworm "$root" "$(debian_mirror)" >/dev/null
    tar -C "$root" -c . | podman import -q --change 'CMD ["/bin/bash"]' - localhost/debian:bookworm >/dev/null
    rm -rf "$root"; trap - EXIT
    echo "built localhost/debian:bookworm"
fi
# Every scripts/images/<name> folder becomes localhost/pyspire-test/<name>:latest, rebuilt when the
# hash of its folder differs from the one its label records. A Containerfile that copies
# machine-ca.crt (the python and node stand-ins, whose pip and npm reach this machine's package
# index) is built from a copy of its folder with this machine's CA bundle added, hashed with it.
source scripts/image-hash.sh
replaced=()  # the images a rebuild replaced: removed at the end once no name points at them
for context in scripts/images/*/; do
    context=${context%/}
    image="localhost/pyspire-test/$(basename "$context"):latest"
    build_dir=$context
    if grep -qs machine-ca.crt "$context/Containerfile"; then
        build_dir=$(mktemp -d)
        cp -a "$context/." "$build_dir/"
        cp /etc/ssl/certs/ca-certificates.crt "$build_dir/machine-ca.crt"
        chmod 644 "$build_dir/machine-ca.crt"
    fi
    hash=$(context_hash "$build_dir")
    if [ "$(built_hash "$image")" != "$hash" ]; then
        old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
        podman build -q --label "$HASH_LABEL=$hash" -t "$image" "$build_dir" >/dev/null
        [ -n "$old" ] && replaced+=("$old")
        echo "built $image"
    fi
    [ "$build_dir" = "$context" ] || rm -rf "$build_dir"
done

# Stand-ins for the official images the integrations use by default (add_postgres, add_redis)
# and the generated Dockerfiles start from (python, node):
# this machine cannot pull from any registry, so the offline builds above are tagged with those
# names in the local store, and apps that keep the defaults run here unchanged. Re-tagged
# whenever the name points at another image (a rebuild, or a real pull on another machine).
official_tag() {
    local local_image=$1 official=$2 want
    want=$(podman image inspect --format '{{.Id}}' "$local_image")
    if [ "$(podman image inspect --format '{{.Id}}' "$official" 2>/dev/null || true)" != "$want" ]; then
        podman tag "$local_image" "$official"
        echo "tagged $local_image as $official"
    fi
}
official_tag localhost/pyspire-test/postgres:latest docker.io/library/postgres:17
official_tag localhost/pyspire-test/redis:latest docker.io/library/redis:7.4
# The bases of the Dockerfiles `pyspire publish` generates (their default versions, and Debian's
# Python 3.11): used by `pyspire deploy` and its tests.
official_tag localhost/pyspire-test/python:latest docker.io/library/python:3.12-slim
official_tag localhost/pyspire-test/python:latest docker.io/library/python:3.11-slim
official_tag localhost/pyspire-test/node:latest docker.io/library/node:22-slim

# A replaced image no name points at any more would stay in the (cached) store for ever.
for old in "${replaced[@]}"; do
    if [ "$(podman image inspect --format '{{len .RepoTags}}' "$old" 2>/dev/null || echo 1)" = 0 ]; then
        podman rmi "$old" >/dev/null 2>&1 || true  # still used by a container: kept
    fi
done
