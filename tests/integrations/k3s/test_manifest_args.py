"""kubectl argv and the CRDs-first split (PyYAML-parsed), built without a cluster."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyspire.errors import ConfigurationError
from pyspire.integrations.k3s.manifest_args import (
    apply_argv,
    is_kustomization,
    manifest_files,
    parse_objects,
    read_crd_names,
    split_crds,
    wait_crds_argv,
    write_split,
)

CRD = "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.example.com\n"
WIDGET = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n"
CRD_OBJ = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.example.com"},
}
WIDGET_OBJ = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}


def test_apply_is_server_side_with_pyspire_field_manager() -> None:
    assert apply_argv("/manifests/rest") == [
        "apply", "--server-side", "--field-manager=pyspire", "--force-conflicts", "-f", "/manifests/rest",
    ]  # fmt: skip
    assert apply_argv("/manifests", kustomize=True)[-2:] == ["-k", "/manifests"]


def test_crds_are_split_from_instances_in_one_stream() -> None:
    split = split_crds(parse_objects(f"# comment\n---\n{WIDGET}---\n{CRD}---\n"))
    assert split.crds == [CRD_OBJ]
    assert split.rest == [WIDGET_OBJ]
    assert split.crd_names == ["widgets.example.com"]


def test_a_crd_written_as_json_is_a_crd() -> None:
    split = split_crds(parse_objects(json.dumps(CRD_OBJ)))
    assert split.crds == [CRD_OBJ] and split.rest == []


def test_a_kind_list_is_flattened_and_its_crds_go_first() -> None:
    listed = {"apiVersion": "v1", "kind": "List", "items": [WIDGET_OBJ, CRD_OBJ]}
    split = split_crds(parse_objects(json.dumps(listed)))
    assert split.crds == [CRD_OBJ] and split.rest == [WIDGET_OBJ]


def test_a_separator_inside_a_block_scalar_does_not_split_the_document() -> None:
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  f: |\n    a\n    ---\n    kind: CustomResourceDefinition\n"
    split = split_crds(parse_objects(config_map))
    assert split.crds == [] and split.rest[0]["data"]["f"] == "a\n---\nkind: CustomResourceDefinition\n"


def test_timestamps_stay_text_so_objects_are_json() -> None:
    obj = parse_objects("kind: ConfigMap\nmetadata:\n  creationTimestamp: 2024-01-01T00:00:00Z\n")[0]
    assert obj["metadata"]["creationTimestamp"] == "2024-01-01T00:00:00Z"


def test_invalid_yaml_is_a_configuration_error_naming_the_file() -> None:
    with pytest.raises(ConfigurationError, match=r"bad\.yaml is not valid YAML"):
        parse_objects("a: [1\n", "bad.yaml")


def test_wait_names_every_crd_and_waits_for_established() -> None:
    assert wait_crds_argv(["a.x", "b.x"]) == [
        "wait", "--for=condition=Established", "--timeout=60s", "crd/a.x", "crd/b.x",
    ]  # fmt: skip


def test_kustomize_dir_is_detected_and_folders_list_yaml_and_json_files(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text(WIDGET)
    (tmp_path / "a.yml").write_text(CRD)
    (tmp_path / "c.json").write_text(json.dumps(WIDGET_OBJ))
    (tmp_path / "notes.txt").write_text("x")
    assert [p.name for p in manifest_files(tmp_path)] == ["a.yml", "b.yaml", "c.json"]
    assert not is_kustomization(tmp_path)
    (tmp_path / "kustomization.yaml").write_text("resources: [b.yaml]\n")
    assert is_kustomization(tmp_path)


def test_folder_is_split_into_crds_and_rest_on_the_host_and_stale_files_go(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "all.yaml").write_text(f"{WIDGET}---\n{CRD}")
    out = tmp_path / "out"
    write_split(src, out)
    assert [json.loads(p.read_text()) for p in sorted((out / "crds").iterdir())] == [CRD_OBJ]
    assert [json.loads(p.read_text()) for p in sorted((out / "rest").iterdir())] == [WIDGET_OBJ]
    assert read_crd_names(out) == ["widgets.example.com"]
    (src / "all.yaml").write_text(WIDGET)
    write_split(src, out)
    assert list((out / "crds").iterdir()) == [] and len(list((out / "rest").iterdir())) == 1
    assert read_crd_names(out) == []
