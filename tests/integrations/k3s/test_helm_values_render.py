"""The generated values file reaches Helm exactly: rendered offline by the real helm binary."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pyspire.integrations.k3s.helm_args import HelmRelease, upgrade_argv, write_values
from tests.integrations.k3s.tools import helm_binary


def test_a_value_with_shell_and_helm_metacharacters_renders_exactly(tmp_path: Path) -> None:
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: chart\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\ndata:\n  v: {{ .Values.a.b | toJson }}\n"
    )
    nasty = ",{}\\ '\"$HOME `x` a=b"
    release = HelmRelease("r", str(chart), values={"a": {"b": nasty}})
    values = write_values(tmp_path / "state", release)
    argv = upgrade_argv(release)
    assert argv.count("-f") == 1  # only the generated file carries the values
    out = subprocess.run(
        [helm_binary(), "template", "r", str(chart), "-f", str(values)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    line = next(x for x in out.splitlines() if x.strip().startswith("v: "))
    assert json.loads(line.strip()[3:]) == nasty
