"""k3s in the inner loop: a cluster container, Helm releases, manifests and port-forwarded services."""
