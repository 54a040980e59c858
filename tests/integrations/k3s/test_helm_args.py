"""The Helm child's argv, values file and checksum, built without a cluster."""

from __future__ import annotations

import json
from pathlib import Path

from pyspire.integrations.k3s.helm_args import (
    GENERATED_VALUES,
    HelmRelease,
    release_checksum,
    upgrade_argv,
    values_document,
)


def test_argv_is_upgrade_install_with_namespace_wait_and_timeout() -> None:
    argv = upgrade_argv(HelmRelease("web", "nginx", repo="https://charts.example", version="1.2.3"))
    assert argv[:4] == ["upgrade", "--install", "web", "nginx"]
    assert argv[argv.index("--namespace") + 1] == "default"
    assert "--create-namespace" in argv and "--wait" in argv
    assert argv[argv.index("--timeout") + 1] == "10m"
    assert argv[argv.index("--version") + 1] == "1.2.3"
    assert argv[argv.index("--repo") + 1] == "https://charts.example"


def test_local_chart_directory_is_referenced_at_its_mount(tmp_path: Path) -> None:
    chart = tmp_path / "mychart"
    chart.mkdir()
    assert upgrade_argv(HelmRelease("r", str(chart)))[3] == "/charts/mychart"


def test_values_files_keep_their_order_and_generated_values_come_last(tmp_path: Path) -> None:
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    argv = upgrade_argv(HelmRelease("r", "c", repo="u", values_files=[a, b], values={"k": 1}))
    files = [argv[i + 1] for i, v in enumerate(argv) if v == "-f"]
    assert files == ["/values/0-a.yaml", "/values/1-b.yaml", GENERATED_VALUES]


def test_a_value_full_of_shell_and_helm_metacharacters_is_written_exactly() -> None:
    nasty = ",{}\\ '\"$HOME `x`"
    assert json.loads(values_document({"a": {"b": nasty}})) == {"a": {"b": nasty}}
    assert not any(nasty in arg for arg in upgrade_argv(HelmRelease("r", "c", values={"a": nasty})))


def test_checksum_changes_when_values_or_chart_files_change(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("name: c\n")
    base = HelmRelease("r", str(chart), values={"x": 1})
    first = release_checksum(base)
    assert release_checksum(base) == first
    assert release_checksum(HelmRelease("r", str(chart), values={"x": 2})) != first
    (chart / "Chart.yaml").write_text("name: c2\n")
    assert release_checksum(base) != first


def test_missing_chart_or_values_file_is_an_error_naming_resource_and_fix(tmp_path: Path) -> None:
    import pytest

    from pyspire.errors import ConfigurationError
    from pyspire.integrations.k3s.helm_args import check_paths

    with pytest.raises(ConfigurationError, match=r"web: chart .*nochart.*repo="):
        check_paths("web", HelmRelease("web", str(tmp_path / "nochart")))
    with pytest.raises(ConfigurationError, match=r"web: values file .*v.yaml.*with_values_file"):
        check_paths("web", HelmRelease("web", "c", repo="u", values_files=[tmp_path / "v.yaml"]))


def test_values_folder_holds_generated_values_and_numbered_copies_and_drops_stale_ones(
    tmp_path: Path,
) -> None:
    from pyspire.integrations.k3s.helm_args import values_folder, write_values

    a = tmp_path / "a.yaml"
    a.write_text("k: from-file\n")
    release = HelmRelease("r", "c", repo="u", values={"k": "v"}, values_files=[a])
    generated = write_values(tmp_path / "r", release)
    assert generated == values_folder(tmp_path / "r") / "generated-values.json"
    assert json.loads(generated.read_text()) == {"k": "v"}
    assert (values_folder(tmp_path / "r") / "0-a.yaml").read_text() == "k: from-file\n"
    write_values(tmp_path / "r", HelmRelease("r", "c", repo="u"))
    assert sorted(p.name for p in values_folder(tmp_path / "r").iterdir()) == ["generated-values.json"]
