"""``pyspire deploy --target compose`` and ``pyspire destroy --target compose``.

Deploying is publishing (the same :func:`pyspire.publish.render`) plus three steps: the
published ``.env`` gets this machine's values (:mod:`pyspire.deploy.values`; a missing one stops
everything before a file is written), each image is built (with this machine's package index,
:mod:`pyspire.deploy.package_index`), and the project is started and watched until every service
runs (:mod:`pyspire.deploy.status`). The project is named after the app and its folder
(``deployment.json`` there records it, with the engine and the images built), so
destroying needs only the folder and removes exactly what deploying made: the containers, the
network and the volumes carrying the project's label, and the images built for it.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from pyspire.deploy.engine import ComposeEngine, detect_engine
from pyspire.deploy.errors import DeployFailed, mask
from pyspire.deploy.ordering import start_in_order
from pyspire.deploy.package_index import index_build_args, index_credentials
from pyspire.deploy.report import Report
from pyspire.deploy.status import Container, containers, log_tail, project_filter, run_pending_checks
from pyspire.deploy.values import fill_env
from pyspire.extensions import ConfigurationError, write_atomic
from pyspire.model.resource import Resource
from pyspire.publish import render
from pyspire.publish.env_file import filled_in

#: Where ``pyspire deploy`` publishes when no ``-o`` is given, relative to the app's folder.
DEFAULT_FOLDER = Path(".pyspire") / "deploy" / "compose"
COMPOSE_FILE = "compose.yaml"
#: Host ports asked for with ``--port``: a Compose override beside the published file.
PORTS_FILE = "compose.ports.yaml"
RECORD_FILE = "deployment.json"
#: How long ``up`` may take until every service runs, by default.
DEFAULT_TIMEOUT = 300.0

#: Seconds between two looks at the project's containers while waiting.
POLL = 0.25


@dataclass
class DeployResult:
    """What a deploy made."""

    project: str
    out_dir: Path
    engine: str
    services: dict[str, str] = field(default_factory=dict)
    #: service → ``host:port`` published with ``--port``.
    ports: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def project_name(app_dir: Path, out_dir: Path) -> str:
    """``<app>-<hash of the folder>``: two deployments of one app from two folders never meet."""
    slug = re.sub(r"[^a-z0-9]+", "-", app_dir.resolve().name.lower()).strip("-") or "app"
    digest = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:8]
    return f"pyspire-{slug}-{digest}"


def built_image(engine: ComposeEngine, project: str, service: str) -> str:
    """The name the engine's Compose gives the image it builds for ``service``."""
    return f"{project}-{service}" if engine.name == "docker" else f"localhost/{project}_{service}:latest"


def shared_builds(services: Mapping[str, Mapping[str, object]]) -> dict[str, list[str]]:
    """The first service of each distinct ``build:`` → the later services with the same one (the
    shop's four apps share one Dockerfile and folder): built once, tagged for the others."""
    firsts: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for name, description in services.items():
        build = description.get("build")
        if build is None:
            continue
        key = json.dumps(build, sort_keys=True)
        if key in seen:
            firsts[seen[key]].append(name)
        else:
            seen[key] = name
            firsts[name] = []
    return firsts


def _tag(engine: ComposeEngine, source: str, target: str) -> None:
    done = subprocess.run([*engine.cli, "tag", source, target], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DeployFailed(f"tagging the image {source} as {target} failed: {done.stderr.strip()}")


def _compose(
    engine: ComposeEngine, project: str, out_dir: Path, args: Sequence[str], secrets: Sequence[str], what: str
) -> None:
    files = [out_dir / COMPOSE_FILE] + ([out_dir / PORTS_FILE] if (out_dir / PORTS_FILE).is_file() else [])
    done = subprocess.run(
        engine.compose_command(project, files, *args), cwd=out_dir, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise DeployFailed(f"{what} failed ({engine.name} compose exited {done.returncode}):\n{mask(tail, secrets)}")


def ports_override(ports: Mapping[str, int], document: Mapping[str, object]) -> str:
    """The override publishing each service's first endpoint on the host port asked for."""
    services = document.get("services")
    services = services if isinstance(services, dict) else {}
    override: dict[str, object] = {}
    for service, host_port in ports.items():
        description = services.get(service)
        expose = description.get("expose") if isinstance(description, dict) else None
        if not expose:
            known = ", ".join(name for name, d in services.items() if isinstance(d, dict) and d.get("expose"))
            raise ConfigurationError(
                f"--port {service}={host_port}: no service {service!r} with an endpoint; "
                f"the services with one are: {known or 'none'}"
            )
        override[service] = {"ports": [f"{host_port}:{str(expose[0]).split('/')[0]}"]}
    return "# Written by pyspire deploy --port: host ports of the deployment (not part of the publish).\n" + yaml.safe_dump(
        {"services": override}, sort_keys=False
    )


def deploy(
    resources: Sequence[Resource],
    app_dir: Path,
    out_dir: Path,
    report: Report,
    *,
    ports: Mapping[str, int] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    environ: Mapping[str, str] | None = None,
) -> DeployResult:
    """Publish into ``out_dir``, fill in ``.env``, build, start and wait until every service runs."""
    files = render(resources, app_dir, "compose", out_dir)
    filled = fill_env(files.contents[".env"], resources, app_dir, out_dir / ".env", filled_in(out_dir / ".env"), environ)
    document = yaml.safe_load(files.contents[COMPOSE_FILE])
    override = ports_override(ports, document) if ports else None
    engine = detect_engine()
    project = project_name(app_dir, out_dir)
    files.contents[".env"] = filled.text
    files.write(out_dir)
    if override is not None:
        write_atomic(out_dir / PORTS_FILE, override.encode())
    else:
        (out_dir / PORTS_FILE).unlink(missing_ok=True)
    built = [name for name, service in document["services"].items() if "build" in service]
    record = {"project": project, "engine": engine.name, "images": [built_image(engine, project, s) for s in built]}
    write_atomic(out_dir / RECORD_FILE, (json.dumps(record, indent=2) + "\n").encode())
    index = index_build_args(environ)
    build_args = [f"--build-arg={k}={v}" for k, v in sorted(index.items())]
    builds = shared_builds(document["services"])
    if builds:  # one build command: each Compose process costs a second or more to start
        for service in built:
            report(service, "building its image")
        first = list(builds)
        hidden = [*filled.secrets, *index_credentials(index)]
        _compose(engine, project, out_dir, ["build", *build_args, *first], hidden, f"building the images of {', '.join(first)}")
        for source, sharing in builds.items():
            for service in sharing:
                _tag(engine, built_image(engine, project, source), built_image(engine, project, service))
        for service in built:
            report(service, "image built")
    report("", f"starting project {project} with {engine.name} compose")
    started = time.monotonic()
    if engine.name == "podman":
        _compose(engine, project, out_dir, ["up", "-d", "--no-build", "--no-start", "--no-deps"], filled.secrets, "creating the services")

        def fail(service: str, container: Container, what: str) -> None:
            _fail(engine, service, container, what, filled.secrets)

        start_in_order(engine, project, document["services"], report, timeout, fail)
    else:
        for service in document["services"]:
            report(service, "starting")
        _compose(engine, project, out_dir, ["up", "-d", "--no-build"], filled.secrets, "starting the services")
    remaining = max(1.0, timeout - (time.monotonic() - started))
    states = wait_until_up(engine, project, list(document["services"]), report, remaining, filled.secrets)
    result = DeployResult(project, out_dir, engine.name, states)
    for service, host_port in (ports or {}).items():
        wait_until_answering(engine, project, service, host_port, report, started + timeout)
        result.ports[service] = f"localhost:{host_port}"
    return result


def wait_until_answering(engine: ComposeEngine, project: str, service: str, host_port: int, report: Report, deadline: float) -> None:
    """Wait until ``localhost:host_port`` accepts a connection: a service without a health check
    counts as up once its process runs, which is before it listens, and a user who was given the
    port expects the deployment to answer there when ``deploy`` returns."""
    while True:
        try:
            with socket.create_connection(("127.0.0.1", host_port), timeout=1.0):
                report(service, f"answering on localhost:{host_port}")
                return
        except OSError as error:
            if time.monotonic() > deadline:
                flt = " ".join(project_filter(project))
                raise DeployFailed(f"service {service} runs but nothing answers on localhost:{host_port} ({error}); see `{engine.name} ps -a {flt}` and its log") from None
        time.sleep(POLL)


def wait_until_up(
    engine: ComposeEngine,
    project: str,
    services: Sequence[str],
    report: Report,
    timeout: float,
    secrets: Sequence[str],
) -> dict[str, str]:
    """Poll until every service is running, healthy or completed; :class:`DeployFailed` naming
    the first service that failed or is still not up at ``timeout``, with its log's tail."""
    deadline = time.monotonic() + timeout
    shown: dict[str, str] = {}
    while True:
        found = containers(engine, project)
        run_pending_checks(engine, found)
        by_service: dict[str, list[Container]] = {s: [] for s in services}
        for container in found:
            by_service.setdefault(container.service, []).append(container)
        summary: dict[str, str] = {}
        for service in services:
            mine = by_service.get(service, [])
            failed = next((c for c in mine if c.state == "failed"), None)
            if failed is not None:
                _fail(engine, service, failed, f"exited with code {failed.exit_code}" if failed.status == "exited" else "is unhealthy", secrets)
            states = {c.state for c in mine}
            if not mine or "starting" in states:
                summary[service] = "starting"
            else:
                word = "healthy" if states == {"healthy"} else "completed" if states == {"completed"} else "running"
                summary[service] = word + (f" ({len(mine)} replicas)" if len(mine) > 1 else "")
            if shown.get(service, "starting") != summary[service]:  # starting: said when started
                report(service, summary[service])
                shown[service] = summary[service]
        if all(state != "starting" for state in summary.values()):
            return summary
        if time.monotonic() > deadline:
            late = next(s for s, state in summary.items() if state == "starting")
            mine = by_service.get(late, [])
            if mine:
                _fail(engine, late, mine[0], f"is not up after {timeout:.0f} s", secrets)
            raise DeployFailed(f"service {late} has no container after {timeout:.0f} s; see `{engine.name} ps -a {' '.join(project_filter(project))}`")
        time.sleep(POLL)


def _fail(engine: ComposeEngine, service: str, container: Container, what: str, secrets: Sequence[str]) -> None:
    tail = mask(log_tail(engine, container), secrets)
    raise DeployFailed(f"service {service} {what} (container {container.name}); the end of its log:\n{tail or '(nothing printed)'}")


def destroy(out_dir: Path, report: Report) -> list[str]:
    """Remove what :func:`deploy` made from ``out_dir``; what was removed (empty when nothing was
    deployed from there). Idempotent."""
    record_path = out_dir / RECORD_FILE
    try:
        record = json.loads(record_path.read_text())
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"{record_path}: cannot be read ({exc}); delete it to forget that deployment") from None
    if not isinstance(record, dict) or "project" not in record:
        target = record.get("target") if isinstance(record, dict) else None
        raise ConfigurationError(f"{record_path} records a deployment that is not --target compose; destroy it with --target {target or 'its own target'}")
    project = str(record["project"])
    engine = detect_engine()
    removed = [f"{kind} {item[:12] if kind == 'container' else item}" for kind, item in labelled(engine, project)]
    if (out_dir / COMPOSE_FILE).is_file():
        report("", f"stopping project {project}")
        try:
            _compose(engine, project, out_dir, ["down", "-v", "--remove-orphans"], (), "stopping the services")
        except DeployFailed as exc:
            report("", f"compose down: {exc}; removing by label")
    removed += _sweep(engine, project, [str(image) for image in record.get("images", [])])
    record_path.unlink(missing_ok=True)
    return removed


#: What carries the project's label: how to list it (``-q``) and remove it.
_LABELLED = (
    ("container", ("ps", "-a", "-q"), ("rm", "-f")),
    ("network", ("network", "ls", "-q"), ("network", "rm")),
    ("volume", ("volume", "ls", "-q"), ("volume", "rm", "-f")),
)


def labelled(engine: ComposeEngine, project: str) -> list[tuple[str, str]]:
    """(kind, id) of every container, network and volume carrying the project's label."""
    found: list[tuple[str, str]] = []
    for kind, listing, _ in _LABELLED:
        done = subprocess.run([*engine.cli, *listing, *project_filter(project)], capture_output=True, text=True, check=False)
        found += [(kind, item) for item in done.stdout.split()]
    return found


def _sweep(engine: ComposeEngine, project: str, images: Sequence[str]) -> list[str]:
    """Whatever still carries the project's label, then the images built for it."""
    removed: list[str] = []
    removals = {kind: removal for kind, _, removal in _LABELLED}
    for kind, item in labelled(engine, project):
        subprocess.run([*engine.cli, *removals[kind], item], capture_output=True, check=False)
    for image in images:
        done = subprocess.run([*engine.cli, "rmi", image], capture_output=True, check=False)
        if done.returncode == 0:
            removed.append(f"image {image}")
    return removed
