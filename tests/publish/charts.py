"""Helpers of the Kubernetes publish tests: the real helm (scripts/kube-tools.sh installs it),
the values a chart requires at install, and every rendered object validated with
``kubernetes-validate`` in strict mode."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from tests.integrations.k3s.tools import helm_binary

#: The newest Kubernetes schemas kubernetes-validate ships that are at most 1.36.
KUBERNETES_VERSION = "1.36.0"


def required_settings(chart: Path, value: str = "set-at-install") -> list[str]:
    """``--set`` arguments giving every empty secret and parameter of ``values.yaml``."""
    values = yaml.safe_load((chart / "values.yaml").read_text())
    settings: list[str] = []
    for section in ("parameters", "secrets"):
        for key, current in (values.get(section) or {}).items():
            if current == "":
                settings += ["--set-string", f"{section}.{key}={value}-{key}"]
    return settings


def helm(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([helm_binary(), *args], capture_output=True, text=True, timeout=timeout)


def helm_template(chart: Path, *settings: str) -> list[dict[str, Any]]:
    """The objects ``helm template`` renders from ``chart`` (every required value given)."""
    result = helm("template", "release", str(chart), *required_settings(chart), *settings)
    assert result.returncode == 0, result.stderr
    return [document for document in yaml.safe_load_all(result.stdout) if document]


def validate_strictly(objects: list[dict[str, Any]]) -> None:
    """Each object against the Kubernetes schemas, rejecting any property they do not define."""
    for document in objects:
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def by_kind(objects: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(o["kind"], o["metadata"]["name"]): o for o in objects}
