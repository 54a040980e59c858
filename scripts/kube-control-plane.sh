#!/usr/bin/env bash
# The real Kubernetes control plane the k3s integration's tests run against (issue 14): no k3s image
# can be pulled and no Kubernetes binary downloaded here, but Go modules can be fetched through the
# machine's own Go proxy configuration. So this builds, from their Go modules:
#   kube-apiserver, kube-controller-manager, kube-scheduler  (k8s.io/kubernetes)
#   kine  (github.com/k3s-io/kine, SQLite: the store, in place of etcd; needs cgo and gcc)
#   kwok  (sigs.k8s.io/kwok: simulates nodes and pods, serves port-forward to real addresses)
# cached by version outside the checkout. `--print-dir` prints the folder holding the binaries
# (building first when missing): how scripts/kube-images.sh finds them, so versions are named here.
# Beside it, share/ holds kwok's own node and pod stages and its PortForward CRD, copied from the
# kwok module of the same version (kwok ships them as kustomize files, not inside the binary).
#
# k8s.io/kubernetes cannot be `go install`ed: its go.mod requires the k8s.io/* staging modules at
# v0.0.0 through `=> ./staging/...` replace directives, which only apply inside that module. A
# wrapper module that requires it and replaces every staging module with its published v0.x is the
# known way to build it as a dependency (kubernetes #79384). The replace list is read from the
# kubernetes go.mod itself, so it follows the release.
set -euo pipefail
cd "$(dirname "$0")/.."

k8s_version="v1.36.3"
staging_version="v0.36.3"   # the published staging modules of that release
kine_version="v0.17.5"
kwok_version="v0.8.0"

cache="${PYSPIRE_CACHE:-$HOME/.cache/pyspire}/kube-control-plane"
dest="$cache/k8s-$k8s_version-kine-$kine_version-kwok-$kwok_version/bin"
binaries=(kube-apiserver kube-controller-manager kube-scheduler kine kwok)

print_dir() { if [ "${1:-}" = --print-dir ]; then echo "$dest"; fi; }
share="$(dirname "$dest")/share"
built() {
    local b
    for b in "${binaries[@]}"; do [ -x "$dest/$b" ] || return 1; done
    [ -f "$share/stages.yaml" ] && [ -f "$share/portforwards-crd.yaml" ]
}
# kwok's "fast" stages (nodes Ready at once, kept alive by leases; pods Running and Ready, removed
# when deleted) and the PortForward CRD its --enable-crds=PortForward watches.
kwok_share() {
    local dir out stage
    dir=$(go mod download -json "sigs.k8s.io/kwok@$kwok_version" | python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
    out="$work/share"
    mkdir -p "$out"
    for stage in node/fast/node-initialize node/heartbeat-with-lease/node-heartbeat-with-lease \
        pod/fast/pod-ready pod/fast/pod-complete pod/fast/pod-delete; do
        { echo "---"; cat "$dir/kustomize/stage/$stage.yaml"; } >> "$out/stages.yaml"
    done
    cp "$dir/kustomize/crd/bases/kwok.x-k8s.io_portforwards.yaml" "$out/portforwards-crd.yaml"
    chmod -R u+w "$out"
    mkdir -p "$(dirname "$share")"
    rm -rf "$share.tmp" && mv "$out" "$share.tmp" && rm -rf "$share" && mv -T "$share.tmp" "$share"
}

start=${EPOCHREALTIME/./}
elapsed() { local us=$((${EPOCHREALTIME/./} - start)); printf '%d.%02d' $((us / 1000000)) $((us % 1000000 / 10000)); }
if built; then
    echo "kube control plane cached in $(elapsed) s: $dest" >&2
    print_dir "${1:-}"
    exit 0
fi
# One build at a time (two test runs starting together would race on the same folders): the
# second waits for the first, then finds its result.
mkdir -p "$cache"
exec 9>"$cache/.build.lock"
flock 9
if built; then
    echo "kube control plane built by another run, ready in $(elapsed) s: $dest" >&2
    print_dir "${1:-}"
    exit 0
fi

command -v go >/dev/null || { echo "go is not installed; the kube control plane is built from Go modules" >&2; exit 1; }
command -v "$(go env CC)" >/dev/null || { echo "kine's SQLite store needs cgo: install gcc" >&2; exit 1; }

# Module and build caches beside the binaries: a rebuild after a version bump reuses most packages.
export GOMODCACHE="$cache/gomodcache" GOCACHE="$cache/gocache"
export CGO_ENABLED=1 GOFLAGS="-trimpath -buildvcs=false" GOTOOLCHAIN=local
mkdir -p "$cache"
work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/mod"
if [ ! -f "$share/stages.yaml" ] || [ ! -f "$share/portforwards-crd.yaml" ]; then kwok_share; fi
if built; then
    echo "kube control plane cached in $(elapsed) s: $dest" >&2
    print_dir "${1:-}"
    exit 0
fi

echo "building kube-apiserver, kube-controller-manager, kube-scheduler $k8s_version (wrapper module)" >&2
k8s_gomod=$(go mod download -json "k8s.io/kubernetes@$k8s_version" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["GoMod"])')
mapfile -t staging < <(awk '$1 ~ /^k8s\.io\// && $2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$k8s_gomod" | sort -u)
if [ "${#staging[@]}" -eq 0 ]; then
    echo "found no k8s.io staging replace directives in $k8s_gomod" >&2
    exit 1
fi
{
    echo "module pyspire.test/kube-control-plane"
    echo
    echo "go $(awk '$1 == "go" {print $2; exit}' "$k8s_gomod")"
    echo
    echo "require k8s.io/kubernetes $k8s_version"
    echo
    echo "replace ("
    for module in "${staging[@]}"; do echo "	$module => $module $staging_version"; done
    echo ")"
} > "$work/mod/go.mod"
echo "  replacing ${#staging[@]} staging modules with $staging_version" >&2
version_pkg=k8s.io/component-base/version
client_version_pkg=k8s.io/client-go/pkg/version
major=${k8s_version#v}; major=${major%%.*}
minor=${k8s_version#v*.}; minor=${minor%%.*}
build_date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
ldflags="-s -w"
for pkg in "$version_pkg" "$client_version_pkg"; do
    ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=$build_date"
done
k8s_cmds=(k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler)
(
    cd "$work/mod"
    go get "${k8s_cmds[@]/%/@$k8s_version}" >&2
    go build -ldflags "$ldflags" -o "$work/bin/" "${k8s_cmds[@]}"
)
echo "  done at $(elapsed) s" >&2

echo "building kine $kine_version (SQLite)" >&2
GOBIN="$work/bin" go install -ldflags "-s -w -X github.com/k3s-io/kine/pkg/version.Version=$kine_version" \
    "github.com/k3s-io/kine@$kine_version"
echo "  done at $(elapsed) s" >&2

echo "building kwok $kwok_version" >&2
GOBIN="$work/bin" go install -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$kwok_version" \
    "sigs.k8s.io/kwok/cmd/kwok@$kwok_version"
echo "  done at $(elapsed) s" >&2

for b in "${binaries[@]}"; do [ -x "$work/bin/$b" ] || { echo "the build left no $b" >&2; exit 1; }; done
# Atomic: a reader sees either no folder or all five binaries.
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.tmp" && mv "$work/bin" "$dest.tmp" && mv -T "$dest.tmp" "$dest"
echo "built the kube control plane in $(elapsed) s: $dest" >&2
print_dir "${1:-}"
