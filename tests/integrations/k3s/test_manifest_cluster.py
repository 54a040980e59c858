"""Manifests against the real control plane, through pyspire: a folder holding a CRD and an
instance of it (sorted so the instance could come first) is applied CRDs first — the instance and
the ConfigMap beside it exist afterwards, owned by field manager ``pyspire``; a kustomize folder is
applied with ``-k``; an object of a kind the cluster does not know fails its own step with
kubectl's message while the cluster keeps running."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from pyspire import DistributedApplication, testing
from tests.integrations.k3s.cluster import K3S_IMAGE, KUBECTL_IMAGE, ensure_images
from tests.integrations.k3s.helm_model import MANIFESTS
from tests.integrations.k3s.tools import kubectl_binary

pytestmark = pytest.mark.containers

TIMEOUT = 180


def get(kubeconfig: Path, *args: str) -> dict[str, Any]:
    out = subprocess.run(
        [kubectl_binary(), f"--kubeconfig={kubeconfig}", "get", *args, "-o", "json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


async def test_a_crd_and_its_instance_apply_crds_first_kustomize_applies_with_k_and_a_bad_object_fails_only_its_step(
    tmp_path: Path,
) -> None:
    ensure_images()
    kustomize = tmp_path / "kz"
    kustomize.mkdir()
    (kustomize / "kustomization.yaml").write_text("resources: [cm.yaml]\nnamePrefix: kz-\n")
    (kustomize / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n")
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cluster = b.add_k3s_cluster("mank").with_image(K3S_IMAGE).with_stop_grace_period(5)
    cluster.add_manifest("widgets", MANIFESTS / "widgets").with_image(KUBECTL_IMAGE)
    cluster.add_manifest("kz", "./kz").with_image(KUBECTL_IMAGE)
    (tmp_path / "orphan.yaml").write_text("apiVersion: nowhere.pyspire.dev/v1\nkind: Gadget\nmetadata:\n  name: g\n")
    cluster.add_manifest("orphan", "./orphan.yaml").with_image(KUBECTL_IMAGE)
    kubeconfig = tmp_path / ".pyspire" / "k3s" / "mank" / "host" / "kubeconfig.yaml"
    async with testing.start(b) as app:
        applied = await app.wait_for_resource("widgets", "Finished", timeout=TIMEOUT)
        assert applied.exit_code == 0, app.log_text("widgets")
        assert "condition met" in app.log_text("widgets-crds-established")
        widget = get(kubeconfig, "widgets.pyspire.dev", "first-widget", "-n", "default", "--show-managed-fields")
        assert widget["spec"] == {"size": 3}
        managers = {m["manager"] for m in widget["metadata"]["managedFields"]}
        assert managers == {"pyspire"}
        assert get(kubeconfig, "configmap", "widget-settings", "-n", "default")["data"] == {"colour": "blue"}
        kz = await app.wait_for_resource("kz", "Finished", timeout=TIMEOUT)
        assert kz.exit_code == 0, app.log_text("kz")
        assert get(kubeconfig, "configmap", "kz-settings", "-n", "default")["data"] == {"a": "b"}
        orphan = await app.wait_for_resource("orphan", "Exited", timeout=TIMEOUT)
        assert orphan.exit_code not in (0, None)
        assert 'no matches for kind "Gadget"' in app.log_text("orphan"), "kubectl's own message"
        assert app.resource("orphan-crds").state_message == "no CustomResourceDefinitions to apply or wait for"
        assert (app.resource("mank").state, app.resource("mank").health_status) == ("Running", "Healthy")
