"""Small app models for the publish tests, built in-process, published into real folders."""

from __future__ import annotations

from pathlib import Path

import yaml

from pyspire import DistributedApplication, DistributedApplicationBuilder
from pyspire.publish import PublishResult, publish


def builder_in(folder: Path) -> DistributedApplicationBuilder:
    folder.mkdir(parents=True, exist_ok=True)
    return DistributedApplication.create_builder([], app_dir=folder)


def publish_model(builder: DistributedApplicationBuilder, out: Path, target: str = "compose") -> PublishResult:
    app = builder.build()
    return publish(app.model.resources, app.model.app_dir, target, out)


def compose_of(out: Path) -> dict:
    return yaml.safe_load((out / "compose.yaml").read_text())
