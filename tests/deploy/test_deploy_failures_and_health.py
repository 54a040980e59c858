"""Deploying small models of busybox containers on the real podman: a healthcheck is waited for
(podman without systemd runs none by itself), and a service that fails is named with the end of
its log, its secret masked there and never printed; destroy leaves nothing either way."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.deploy.helpers import BUSYBOX, labelled, project_of, pyspire, write_app

pytestmark = [pytest.mark.containers, pytest.mark.timeout(600)]

SECRET = "tok-3f9a71c2e8"



def test_a_service_with_a_healthcheck_is_reported_healthy_and_its_volume_is_destroyed(tmp_path: Path, folder: Path) -> None:
    apphost = write_app(
        tmp_path / "app",
        f'(builder.add_container("store", "{BUSYBOX}").with_entrypoint("sh")\n'
        '    .with_args("-c", "touch /data/ready && exec sleep 3600").with_stop_grace_period(0)\n'
        '    .with_volume("store-data", "/data").with_exec_health_check("test", "-f", "/data/ready"))\n',
    )
    done = pyspire("deploy", "--target", "compose", "-o", str(folder), "--timeout", "120", str(apphost))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "store healthy" in done.stdout
    project = project_of(folder)
    assert len(labelled(project)["volumes"]) == 1
    gone = pyspire("destroy", "--target", "compose", "-o", str(folder))
    assert gone.returncode == 0, gone.stdout + gone.stderr
    assert labelled(project) == {"containers": [], "networks": [], "volumes": []}


def test_a_failing_service_is_named_with_its_log_tail_and_the_secret_it_printed_is_masked(tmp_path: Path, folder: Path) -> None:
    apphost = write_app(
        tmp_path / "app",
        'token = builder.add_parameter("token", secret=True)\n'
        f'(builder.add_container("web", "{BUSYBOX}").with_entrypoint("sh")\n'
        '    .with_args("-c", "echo token is $TOKEN; exit 3").with_env("TOKEN", token))\n',
    )
    done = pyspire("deploy", "--target", "compose", "-o", str(folder), str(apphost), env={"Parameters__token": SECRET})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "service web exited with code 3" in done.stderr and "token is ***" in done.stderr
    assert SECRET not in done.stdout + done.stderr and "Traceback" not in done.stderr
    env_file = folder / ".env"
    assert f"TOKEN={SECRET}\n" in env_file.read_text() and stat.S_IMODE(env_file.stat().st_mode) == 0o600
    project = project_of(folder)
    gone = pyspire("destroy", "--target", "compose", "-o", str(folder))
    assert gone.returncode == 0 and SECRET not in gone.stdout + gone.stderr
    assert labelled(project) == {"containers": [], "networks": [], "volumes": []}
