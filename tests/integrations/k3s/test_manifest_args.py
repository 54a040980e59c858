"""kubectl argv and the CRDs-first split, built without a cluster."""

from __future__ import annotations

from pathlib import Path

from pyspire.integrations.k3s.manifest_args import (
    apply_argv,
    is_kustomization,
    manifest_files,
    split_crds,
    wait_crds_argv,
)

CRD = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n"
WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"


def test_apply_is_server_side_with_pyspire_field_manager() -> None:
    assert apply_argv("/manifests/rest") == [
        "apply", "--server-side", "--field-manager=pyspire", "--force-conflicts", "-f", "/manifests/rest",
    ]  # fmt: skip
    assert apply_argv("/manifests", kustomize=True)[-2:] == ["-k", "/manifests"]


def test_crds_are_split_from_instances_in_one_stream() -> None:
    split = split_crds([f"# comment\n---\n{WIDGET}---\n{CRD}---\n"])
    assert split.crds == [CRD]
    assert split.rest == [WIDGET]


def test_wait_targets_established_condition() -> None:
    assert wait_crds_argv("/m/crds")[:4] == ["wait", "--for=condition=Established", "-f", "/m/crds"]


def test_kustomize_dir_is_detected_and_folders_list_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(WIDGET)
    (tmp_path / "a.yml").write_text(CRD)
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in manifest_files(tmp_path)] == ["a.yml", "b.yaml"]
    assert not is_kustomization(tmp_path)
    (tmp_path / "kustomization.yaml").write_text("resources: [b.yaml]\n")
    assert is_kustomization(tmp_path)


def test_folder_is_split_into_crds_and_rest_on_the_host(tmp_path: Path) -> None:
    from pyspire.integrations.k3s.manifest_args import write_split

    src = tmp_path / "src"
    src.mkdir()
    (src / "all.yaml").write_text(f"{WIDGET}---\n{CRD}")
    crds, rest = write_split(src, tmp_path / "out")
    assert crds is not None
    assert [p.read_text() for p in sorted(crds.iterdir())] == [CRD]
    assert [p.read_text() for p in sorted(rest.iterdir())] == [WIDGET]
    (src / "all.yaml").write_text(WIDGET)
    crds, rest = write_split(src, tmp_path / "out")
    assert crds is None and len(list(rest.iterdir())) == 1
