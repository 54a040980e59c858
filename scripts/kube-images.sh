#!/usr/bin/env bash
# The images the k3s integration's tests select through its image overrides (no registry can be
# reached here, so none can be pulled), built offline with podman on the debootstrapped base that
# scripts/containers.sh makes:
#   localhost/pyspire-test/k3s:latest      behaves like rancher/k3s (scripts/kube-images/k3s/k3s)
#                                          with the control plane of scripts/kube-control-plane.sh
#   localhost/pyspire-test/helm:latest     like alpine/helm: the helm of scripts/kube-tools.sh
#   localhost/pyspire-test/kubectl:latest  like alpine/kubectl: the kubectl of scripts/kube-tools.sh
# Each is rebuilt only when the hash of its inputs (its scripts/kube-images/<name> folder and the
# versioned binaries copied in) differs from the one its label records. `--print` prints the
# three names (after making sure they are built): how the tests find them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/image-hash.sh

images=(k3s helm kubectl)
image_name() { echo "localhost/pyspire-test/$1:latest"; }
start=$SECONDS

bash scripts/containers.sh >&2   # podman configured, localhost/debian:bookworm and busybox present
plane=$(bash scripts/kube-control-plane.sh --print-dir)
tools=$(bash scripts/kube-tools.sh --print-dir)

# What each image is built from besides its recipe folder (sources, then names in the context).
inputs() {
    case $1 in
        k3s) for b in kube-apiserver kube-controller-manager kube-scheduler kine kwok; do echo "$plane/$b bin/$b"; done
             echo "$tools/kubectl bin/kubectl"
             echo "$(dirname "$plane")/share/stages.yaml share/stages.yaml"
             echo "$(dirname "$plane")/share/portforwards-crd.yaml share/portforwards-crd.yaml" ;;
        helm) echo "$tools/helm helm" ;;
        kubectl) echo "$tools/kubectl kubectl" ;;
    esac
}
# The binaries live in folders named by version, so their paths and sizes stand for their contents
# (hashing ~500 MB on every run would cost seconds for nothing).
inputs_hash() {
    { context_hash "scripts/kube-images/$1"
      inputs "$1" | while read -r src _; do echo "$src $(stat -c %s "$src")"; done; } | sha256sum | cut -d' ' -f1
}

replaced=()
for name in "${images[@]}"; do
    image=$(image_name "$name")
    hash=$(inputs_hash "$name")
    [ "$(built_hash "$image")" = "$hash" ] && continue
    t0=$SECONDS
    context=$(mktemp -d "$(dirname "$plane")/context.XXXXXX")
    cp -a "scripts/kube-images/$name/." "$context/"
    while read -r src rel; do
        mkdir -p "$(dirname "$context/$rel")"
        cp -l "$src" "$context/$rel" 2>/dev/null || cp "$src" "$context/$rel"
    done < <(inputs "$name")
    old=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
    if ! podman build -q --label "$HASH_LABEL=$hash" -f "$context/Containerfile" -t "$image" "$context" >/dev/null; then
        rm -rf "$context"
        echo "building $image failed" >&2
        exit 1
    fi
    rm -rf "$context"
    [ -n "$old" ] && replaced+=("$old")
    echo "built $image in $((SECONDS - t0)) s ($(podman image inspect --format '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1 / 1e6}'))" >&2
done

# A replaced image no name points at any more would stay in the (cached) store for ever.
for old in "${replaced[@]}"; do
    if [ "$(podman image inspect --format '{{len .RepoTags}}' "$old" 2>/dev/null || echo 1)" = 0 ]; then
        podman rmi "$old" >/dev/null 2>&1 || true  # still used by a container: kept
    fi
done
echo "kube test images ready in $((SECONDS - start)) s" >&2
if [ "${1:-}" = --print ]; then
    for name in "${images[@]}"; do image_name "$name"; done
fi
