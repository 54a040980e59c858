"""A run-to-completion *container* that says it is up to date (a Helm release whose chart and
values did not change) creates no container: it ends Finished with exit code 0 and its reason, and
what waits for its completion starts at once; without a reason it runs. Real busybox containers."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from pyspire import DistributedApplication, testing
from pyspire.model import ContainerBuilder
from pyspire.model.containers import ContainerImageAnnotation
from pyspire.model.resources import ContainerResource
from tests.containers.helpers import BUSYBOX, sh

pytestmark = pytest.mark.containers


class StampedContainerStep(ContainerResource):
    """Up to date once the stamp file exists (the container writes it into a bind mount)."""

    resource_type: ClassVar[str] = "Step"

    def __init__(self, name: str, stamp: Path) -> None:
        image, tag = BUSYBOX.rsplit(":", 1)
        super().__init__(name, ContainerImageAnnotation(image, tag))
        self.stamp = stamp

    async def up_to_date(self) -> str | None:
        return "unchanged, not reinstalled" if self.stamp.exists() else None


def app_with_container_step(tmp_path: Path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    step = ContainerBuilder(b, StampedContainerStep("upstep-release", tmp_path / "out" / "stamp"))
    b.add_resource(step)
    (tmp_path / "out").mkdir(exist_ok=True)
    step.with_bind_mount(tmp_path / "out", "/out").with_entrypoint("sh").with_args("-c", "echo ran; touch /out/stamp")
    sh(b, "upstep-after", "echo after started; sleep 3600").wait_for_completion(step)
    return b


async def test_an_up_to_date_container_step_is_skipped_and_its_dependent_starts(tmp_path: Path) -> None:
    async with testing.start(app_with_container_step(tmp_path)) as app:
        ran = await app.wait_for_resource("upstep-release", "Finished", timeout=60)
        assert ran.exit_code == 0 and len(ran.replicas) == 1
        await app.wait_for_log("upstep-after", "after started", timeout=60)
    assert (tmp_path / "out" / "stamp").exists()

    async with testing.start(app_with_container_step(tmp_path)) as app:
        await app.wait_for_log("upstep-after", "after started", timeout=60)
        skipped = app.resource("upstep-release")
        assert (skipped.state, skipped.exit_code, skipped.state_message) == (
            "Finished", 0, "unchanged, not reinstalled"
        )  # fmt: skip
        assert skipped.replicas == (), "no container was created"
        assert "ran" not in app.log_text("upstep-release").split()
