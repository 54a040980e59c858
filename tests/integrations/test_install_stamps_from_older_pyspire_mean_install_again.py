"""The Python and Node installers share one stamp format: a stamp an older pyspire wrote (Node's
was a bare hash, Python's a hash of other bytes) or a damaged one is never taken for "up to date"
nor an error — the installer runs once more and writes the stamp it reads at the next start."""

from __future__ import annotations

import hashlib
import json

from pyspire import DistributedApplication
from pyspire.integrations.node import NodeInstallerResource
from pyspire.integrations.node.resources import install_stamp_path
from pyspire.integrations.python import PythonInstallerResource
from tests.integrations.node.projects import write_server
from tests.integrations.python.helpers import make_venv


async def test_a_node_stamp_from_an_older_pyspire_or_a_damaged_one_installs_again(tmp_path):
    folder = write_server(tmp_path / "web", scripts={"start": "node server.js"})
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    b.add_npm_app("web", "./web", script="start")
    (installer,) = (r for r in b.resources if isinstance(r, NodeInstallerResource))
    old = hashlib.sha256(b"npm")  # what the stamp held before: a bare hash of these same files
    for name in ("package.json", "package-lock.json"):
        path = folder / name
        old.update(b"\0" + name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"(missing)"))
    stamp = install_stamp_path(folder)
    stamp.parent.mkdir()
    stamp.write_text(old.hexdigest() + "\n")
    assert await installer.up_to_date() is None, "an old stamp: install again"
    installer.record_success()
    assert (
        await installer.up_to_date() == "up to date: node_modules matches package.json and package-lock.json"
    )
    stamp.write_bytes(b"\xff\xfe not a stamp")
    assert await installer.up_to_date() is None, "a damaged stamp: install again"


async def test_a_python_stamp_from_an_older_pyspire_or_a_damaged_one_installs_again(tmp_path):
    venv = make_venv(tmp_path / ".venv")
    (tmp_path / "requirements.txt").write_text("six\n")
    installer = PythonInstallerResource("x-install", "pip", tmp_path, venv)
    stamp = venv / ".pyspire-install.json"
    stamp.write_text(json.dumps({"inputs": hashlib.sha256(b"requirements.txt").hexdigest()}) + "\n")
    assert await installer.up_to_date() is None, "a stamp of other inputs: install again"
    installer.record_success()
    assert (
        await installer.up_to_date()
        == f"up to date: requirements.txt unchanged since the last install into {venv}"
    )
    stamp.write_text('["inputs"]')
    assert await installer.up_to_date() is None, "a damaged stamp: install again"
