"""``with_bind_mount(source, target, create=True)``: ``build()`` accepts a source that does not
exist yet, and the app host creates it (0700) before the container starts, so the container can
write into it — what a k3s server needs for the folder it writes its kubeconfig into."""

from __future__ import annotations

import stat

import pytest

from pyspire import DistributedApplication, testing
from tests.conftest import until
from tests.containers.helpers import sh
from tests.model.model_problems import problems_of

pytestmark = pytest.mark.containers


async def test_a_created_bind_mount_folder_exists_0700_and_receives_what_the_container_writes(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    out = tmp_path / "state" / "out"
    sh(b, "writer", "echo written > /out/file.txt; exec sleep 600").with_bind_mount("./state/out", "/out", create=True)
    b.build()
    assert not out.exists()
    async with testing.start(b) as app:
        await app.wait_for_resource("writer", timeout=60)
        assert stat.S_IMODE(out.stat().st_mode) == 0o700
        await until(app, "writer", lambda _: (out / "file.txt").exists())
        assert (out / "file.txt").read_text() == "written\n"


def test_without_create_a_missing_source_is_still_a_model_error(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    sh(b, "writer", "true").with_bind_mount("./state/out", "/out")
    [problem] = problems_of(b)
    assert "does not exist" in problem
