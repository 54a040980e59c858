# Sourced by scripts/containers.sh and scripts/kube-images.sh: a locally built test image keeps a
# label with the hash of its build context (Containerfile and the files beside it). CI caches the
# podman store, so an image built from older files is rebuilt, and an unchanged one costs one inspect.
HASH_LABEL=dev.pyspire.test.context-hash
# The contents and the modes (an entrypoint made executable is a change too) of every file.
context_hash() {
    (cd "$1" && { find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
        find . -type f -printf '%m %p\n' | LC_ALL=C sort; } | sha256sum | cut -d' ' -f1)
}
built_hash() { podman image inspect --format "{{index .Labels \"$HASH_LABEL\"}}" "$1" 2>/dev/null || true; }
