"""The images a Kubernetes deployment builds, and the registry that makes them usable by the cluster.

A cluster pulls images; it cannot see this machine's engine. So each image the chart needs built
(a generated or given Dockerfile) is built here with the engine that answers (Docker when its
daemon does, else podman), with this machine's package index as build arguments, then tagged and
pushed to ``--registry HOST[:PORT][/PREFIX]`` as ``<registry>/<chart>/<service>:<tag>``, the tag
the image's id in its short form: a change of the image is a new tag, so the upgrade rolls the
workload out; the same image is the same tag, so deploying again changes nothing. Services sharing
one build (one folder, one generated Dockerfile) are built once.

A loopback registry (``localhost``, ``127.x``, ``[::1]``) is spoken to over plain HTTP, as a
registry started for a test or a local cluster usually is; any other must have TLS the engine
trusts.
"""

from __future__ import annotations

import ipaddress
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from pyspire.deploy.engine import answers
from pyspire.deploy.errors import DeployFailed, NoComposeEngine, mask
from pyspire.deploy.kube_tools import last_lines
from pyspire.deploy.package_index import index_credentials
from pyspire.deploy.report import Report
from pyspire.extensions import ConfigurationError
from pyspire.publish.output import ImageBuild

#: Called with a service (or ``""``) and what is happening to it.
#: Seconds a build or a push may take (a cold Python or Node build fetches packages).
BUILD_TIMEOUT = 1800.0

_REGISTRY = re.compile(r"^(?P<host>[A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\])(?::(?P<port>\d{1,5}))?(?:/(?P<prefix>[a-z0-9._/-]+))?$")


@dataclass(frozen=True)
class ImageEngine:
    """The engine's CLI building, tagging and pushing."""

    name: Literal["docker", "podman"]
    cli: tuple[str, ...]


def detect_image_engine() -> ImageEngine:
    """Docker when its daemon answers, else podman; :class:`NoComposeEngine` when neither does."""
    if answers(["docker", "info"]):
        return ImageEngine("docker", ("docker",))
    if answers(["podman", "info"]):
        return ImageEngine("podman", ("podman",))
    raise NoComposeEngine(
        "no container engine answered to build the images: `docker info` and `podman info` both failed; "
        "start Docker or install podman, then deploy again"
    )


@dataclass(frozen=True)
class Registry:
    """Where the images go: ``host[:port]`` and an optional path prefix."""

    host: str
    port: int | None = None
    prefix: str = ""

    @property
    def address(self) -> str:
        return self.host + (f":{self.port}" if self.port is not None else "")

    @property
    def loopback(self) -> bool:
        name = self.host.strip("[]")
        if name == "localhost":
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    def repository(self, chart: str, service: str) -> str:
        return "/".join(part for part in (self.address, self.prefix, chart, service) if part)


def parse_registry(text: str) -> Registry:
    """``HOST[:PORT][/PREFIX]``; :class:`ConfigurationError` naming ``--registry`` otherwise."""
    matched = _REGISTRY.match(text.strip())
    port = int(matched.group("port")) if matched and matched.group("port") else None
    if matched is None or (port is not None and not 0 < port < 65536):
        raise ConfigurationError(
            f"--registry {text!r} is not HOST[:PORT][/PREFIX] (e.g. 127.0.0.1:5000 or registry.example.com/team); "
            "give it without a scheme"
        )
    return Registry(matched.group("host"), port, (matched.group("prefix") or "").strip("/"))


def local_name(project: str, service: str) -> str:
    """The name the image is built under on this machine (removed by destroy)."""
    return f"localhost/{project}/{service}:latest"


@dataclass
class BuiltImages:
    """What building and pushing made: each service's image values for the chart, the names
    tagged on this machine, the references pushed."""

    values: dict[str, dict[str, str]] = field(default_factory=dict)
    local: list[str] = field(default_factory=list)
    pushed: list[str] = field(default_factory=list)


def shared(builds: Mapping[str, ImageBuild], arguments: Mapping[str, Mapping[str, str]]) -> dict[str, list[str]]:
    """The first service of each distinct build (folder, Dockerfile, stage and its own build
    arguments) → every service built from it (itself first)."""
    groups: dict[tuple[ImageBuild, tuple[tuple[str, str], ...]], list[str]] = {}
    for service, build in builds.items():
        groups.setdefault((build, tuple(sorted((arguments.get(service) or {}).items()))), []).append(service)
    return {services[0]: services for services in groups.values()}


def _run(engine: ImageEngine, args: Sequence[str], what: str, hidden: Sequence[str] = ()) -> str:
    """The engine's stdout; :class:`DeployFailed` with the end of its output, ``hidden`` masked."""
    try:
        done = subprocess.run([*engine.cli, *args], capture_output=True, text=True, timeout=BUILD_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise DeployFailed(f"{what} did not finish in {BUILD_TIMEOUT:.0f} s") from None
    if done.returncode != 0:
        tail = mask(last_lines(done.stdout + done.stderr), hidden)
        raise DeployFailed(f"{what} failed ({engine.name} exited {done.returncode}):\n{tail}")
    return done.stdout


def build_and_push(
    engine: ImageEngine,
    builds: Mapping[str, ImageBuild],
    own_arguments: Mapping[str, Mapping[str, str]],
    registry: Registry,
    chart: str,
    project: str,
    build_args: Mapping[str, str],
    report: Report,
    made: BuiltImages,
) -> None:
    """Build each distinct image, tag it for every service using it and push those tags; ``made``
    is filled as it goes (so what was made before a failure is still removed by destroy).
    ``own_arguments``: each service's ``with_build_arg`` values, over the index's ``build_args``."""
    tls = ["--tls-verify=false"] if engine.name == "podman" and registry.loopback else []
    for first, services in shared(builds, own_arguments).items():
        build = builds[first]
        given = {**build_args, **(own_arguments.get(first) or {})}
        arguments = [f"--build-arg={key}={value}" for key, value in sorted(given.items())]
        name = local_name(project, first)
        for service in services:
            report(service, "building its image")
        stage = ["--target", build.stage] if build.stage else []
        what = f"building the image of {', '.join(services)}"
        hidden = index_credentials(build_args)
        _run(engine, ["build", "-t", name, "-f", str(build.dockerfile), *stage, *arguments, str(build.context)], what, hidden)
        made.local.append(name)
        image_id = _run(engine, ["image", "inspect", "--format", "{{.Id}}", name], f"reading the id of {name}").strip()
        tag = image_id.removeprefix("sha256:")[:12]
        for service in services:
            repository = registry.repository(chart, service)
            reference = f"{repository}:{tag}"
            _run(engine, ["tag", name, reference], f"tagging {name} as {reference}")
            made.local.append(reference)
            report(service, f"pushing {reference}")
            _run(engine, ["push", *tls, reference], f"pushing {reference} to {registry.address}")
            made.pushed.append(reference)
            made.values[service] = {"repository": repository, "tag": tag, "pullPolicy": "IfNotPresent"}
            report(service, "image pushed")


def remove_local(engine: ImageEngine, names: Sequence[str]) -> list[str]:
    """Remove the names this machine tagged (the image goes with its last name); those removed."""
    removed: list[str] = []
    for name in names:
        if subprocess.run([*engine.cli, "image", "inspect", name], capture_output=True, check=False).returncode != 0:
            continue
        if subprocess.run([*engine.cli, "rmi", name], capture_output=True, check=False).returncode == 0:
            removed.append(f"image {name}")
    return removed
