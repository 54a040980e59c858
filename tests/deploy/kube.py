"""Pieces of the Kubernetes deploy tests: the real registry (Debian's docker-registry, the CNCF
distribution registry, installed by scripts/system-packages.sh) on a loopback port, and the
environment pointing pyspire at the host helm and kubectl of the k3s tests."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import yaml

from tests.deploy.helpers import free_port
from tests.integrations.k3s.tools import helm_binary, kubectl_binary


def tools_env() -> dict[str, str]:
    """What a user with helm and kubectl installed elsewhere than PATH sets."""
    return {"PYSPIRE_HELM": helm_binary(), "PYSPIRE_KUBECTL": kubectl_binary()}


class LocalRegistry:
    """``docker-registry serve`` with its storage and config under ``folder``, on 127.0.0.1."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        config = {
            "version": 0.1,
            "log": {"level": "warn"},
            "storage": {"filesystem": {"rootdirectory": str(folder / "data")}, "delete": {"enabled": True}},
            "http": {"addr": self.address},
        }
        self.config = folder / "config.yml"
        self.config.write_text(yaml.safe_dump(config))
        self.log = folder / "registry.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> LocalRegistry:
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(["docker-registry", "serve", str(self.config)], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://{self.address}/v2/", timeout=2) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        raise AssertionError(f"the registry did not answer in {timeout} s: {self.log.read_text()}")

    def tags(self, repository: str) -> list[str]:
        """The tags the registry lists for ``repository`` (its HTTP API), none when unknown."""
        try:
            with urllib.request.urlopen(f"http://{self.address}/v2/{repository}/tags/list", timeout=10) as answer:
                return list(json.load(answer).get("tags") or [])
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return []
            raise

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
