"""What ``add_manifest`` puts in the model, checked without starting anything: three kubectl steps
chained by ``wait_for_completion`` (CRDs, their Established wait, the rest; the first two hidden
children of the visible one), argv lists with server-side apply, a kustomize folder as one step;
bad paths and bad YAML reported by ``build()``; the steps' argv and skips after a real split."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pyspire.extensions import is_hidden, parent_of
from pyspire.integrations.k3s.manifests import ManifestStepResource, kubectl_args, split_before_start
from pyspire.model.annotations import ArgsCallbackContext
from pyspire.model.events import BeforeResourceStart
from pyspire.model.lifecycle import WaitAnnotation
from tests.integrations.k3s.helm_model import MANIFESTS, model_cluster
from tests.model.model_problems import problems_of


def argv(step: ManifestStepResource) -> list[str]:
    ctx = ArgsCallbackContext(step)
    kubectl_args(ctx)
    return ctx.args


def completion_target(resource: ManifestStepResource) -> object:
    [wait] = [a for a in resource.annotations if isinstance(a, WaitAnnotation) and a.kind == "completion"]
    return wait.target


def test_a_folder_is_applied_crds_first_by_three_chained_kubectl_steps(tmp_path: Path) -> None:
    b, cluster = model_cluster(tmp_path)
    visible = cluster.add_manifest("widgets", MANIFESTS / "widgets").with_image(
        "localhost/pyspire-test/kubectl", "latest"
    )
    steps = {r.name: r for r in b.resources if isinstance(r, ManifestStepResource)}
    crds, established, rest = steps["widgets-crds"], steps["widgets-crds-established"], steps["widgets"]
    assert rest is visible.resource and parent_of(rest) is cluster.resource and not is_hidden(rest)
    assert (
        parent_of(crds) is rest
        and parent_of(established) is rest
        and is_hidden(crds)
        and is_hidden(established)
    )
    assert completion_target(rest) is established and completion_target(established) is crds
    assert {s.image.reference for s in steps.values()} == {"localhost/pyspire-test/kubectl:latest"}
    assert all(s.entrypoint == "kubectl" for s in steps.values())

    split_before_start(BeforeResourceStart(crds))
    assert argv(crds)[:4] == ["apply", "--server-side", "--field-manager=pyspire", "--force-conflicts"]
    assert argv(crds)[-2:] == ["-f", "/manifests/crds"]
    assert argv(established) == [
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/widgets.pyspire.dev",
    ]
    assert argv(rest)[-2:] == ["-f", "/manifests/rest"]
    assert len(list((rest.folder / "rest").iterdir())) == 2, "the Widget and the ConfigMap"
    assert all(asyncio.run(s.up_to_date()) is None for s in steps.values())


def test_without_crds_the_crd_steps_end_at_once(tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    b, cluster = model_cluster(tmp_path)
    rest = cluster.add_manifest("config", manifest).resource
    crds = next(r for r in b.resources if r.name == "config-crds")
    assert isinstance(crds, ManifestStepResource)
    split_before_start(BeforeResourceStart(crds))
    assert asyncio.run(crds.up_to_date()) == "no CustomResourceDefinitions to apply or wait for"
    assert asyncio.run(rest.up_to_date()) is None


def test_a_kustomize_folder_is_one_apply_k_step_of_the_mounted_folder(tmp_path: Path) -> None:
    folder = tmp_path / "k"
    folder.mkdir()
    (folder / "kustomization.yaml").write_text("resources: [cm.yaml]\n")
    (folder / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n")
    b, cluster = model_cluster(tmp_path)
    step = cluster.add_manifest("kz", "./k").resource
    assert [r.name for r in b.resources if isinstance(r, ManifestStepResource)] == ["kz"]
    assert argv(step)[-2:] == ["-k", "/manifests"]
    mounts = {m.target: (m.source, m.read_only) for m in step.mounts}
    assert mounts["/manifests"] == (str(folder), True)
    assert mounts["/etc/pyspire/k3s"] == (str(cluster.paths.container_dir), True), "the cluster's kubeconfig"


def test_a_missing_path_an_empty_folder_and_bad_yaml_are_build_problems(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad.yaml").write_text("kind: [ConfigMap\n")
    b, cluster = model_cluster(tmp_path)
    cluster.add_manifest("gone", "./gone")
    cluster.add_manifest("empty", "./empty")
    cluster.add_manifest("bad", "./bad.yaml")
    problems = problems_of(b)
    assert any("resource 'gone', add_manifest path:" in p and "does not exist" in p for p in problems), (
        problems
    )
    assert any("resource 'empty', add_manifest path:" in p and "holds no .yaml" in p for p in problems), (
        problems
    )
    assert any(
        "resource 'bad', add_manifest path:" in p and "bad.yaml is not valid YAML" in p for p in problems
    ), problems
