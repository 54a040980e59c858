"""An app host SIGKILLed while a deployment is held (the file cloud's latch, which outlives the
process) leaves the ``running`` marker and the deployment id on disk; the next app host re-attaches
to that deployment instead of deploying again, and its process gets the outputs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from pyspire import testing
from tests.provisioning.app_helpers import PYSPIRE, until
from tests.provisioning.file_cloud import FileBackend

REPO = Path(__file__).resolve().parents[2]

APPHOST = '''
import sys
sys.path.insert(0, {repo!r})
from pathlib import Path
from pyspire import DistributedApplication
from pyspire.provisioning import add_cloud_environment
from tests.provisioning.file_cloud import FileBackend

b = DistributedApplication.create_builder()
env = add_cloud_environment(
    b, "dev", lambda scope: FileBackend(Path({cloud!r})), account="111122223333", region="eu-west-1", group="g"
)
bucket = env.add_cloud_resource("bucket", "file:bucket", {{"type": "bucket"}}, outputs=("name", "region"))
b.add_executable("worker", sys.executable, ".", "-c", {worker!r}).with_reference(bucket).with_stop_grace_period(1)
b.build().run()
'''

WORKER = "import os, time; print('got', os.environ['BUCKET_NAME'], os.environ['BUCKET_REGION'], flush=True); time.sleep(3600)"


def _wait_for(predicate: object, timeout: float = 30.0) -> None:
    assert callable(predicate)
    end = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < end, "condition not reached in time"
        time.sleep(0.05)


async def test_an_app_host_killed_mid_deployment_is_followed_by_one_that_re_attaches_instead_of_deploying(tmp_path):
    cloud = tmp_path / "cloud"
    (tmp_path / "apphost.py").write_text(APPHOST.format(repo=str(REPO), cloud=str(cloud), worker=WORKER))
    state = tmp_path / ".pyspire" / "deployments" / "dev.json"
    path = os.pathsep.join([str(REPO / "src"), str(REPO)])
    host = subprocess.Popen(
        [PYSPIRE, "run", "--no-resource-output", "--no-color"], cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        _wait_for(lambda: state.exists() and json.loads(state.read_text())["resources"].get("bucket", {}).get("status") == "running")
    finally:
        os.killpg(host.pid, signal.SIGKILL)
        host.wait(10)
    record = json.loads(state.read_text())["resources"]["bucket"]
    assert record["deployment_id"].startswith("dep-") and record["status"] == "running"
    assert FileBackend.calls(cloud) == ["deploy bucket", "wait bucket"]

    (cloud / "release-bucket").touch()
    async with testing.start(tmp_path / "apphost.py") as app:
        line = await app.wait_for_log("worker", "got ")
        assert line.text.split() == ["got", "bucket", "eu-west-1"]
        bucket = await until(app, "bucket", lambda s: s.state_message == "Provisioned")
        assert dict(bucket.properties)["deployment_id"] == record["deployment_id"]
    assert FileBackend.calls(cloud) == ["deploy bucket", "wait bucket", "attach bucket", "wait bucket"]
    assert json.loads(state.read_text())["resources"]["bucket"]["status"] == "succeeded"

