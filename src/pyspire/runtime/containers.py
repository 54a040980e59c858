"""Containers, networks, volumes and images: the only code in pyspire that talks to a container engine.

One class serves podman and docker alike, because the CLI subset used here is the same for both;
the few differences (inspect JSON shapes, a flag or two) are handled where they occur. Every call is a
CLI subprocess (see :mod:`pyspire.runtime.container_engine`), so no engine SDK or socket protocol is
needed and whatever the user's CLI is configured for (rootless, remote, contexts) just works.
"""

from __future__ import annotations

import builtins
import contextlib
import json
import math
import os
import re
import tempfile
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pyspire.runtime import container_engine as _cli
from pyspire.runtime.container_engine import ContainerEngineError, NoContainerEngine

__all__ = [
    "ContainerEngineError",
    "ContainerInfo",
    "ContainerRuntime",
    "Mount",
    "NetworkInfo",
    "NoContainerEngine",
    "PortPublish",
    "RunSpec",
    "detect_runtime",
]

EXEC_OUTPUT_LIMIT = 4096
BUILD_TAIL_LINES = 25
_ZERO_TIME = "0001-01-01T00:00:00Z"
_NOT_EXITED = frozenset({"created", "configured", "initialized", "running", "paused", "restarting"})
# Build args normally ride in the CLI's environment (`--build-arg KEY`), out of `ps`. These names would
# change how the CLI itself behaves, so they go on the command line instead.
_CLI_ENV = re.compile(r"^(LD_|DOCKER_|CONTAINER|BUILDAH_|BUILDKIT_|PODMAN|XDG_|REGISTRIES_|STORAGE_)")
_NAME_IN_USE = re.compile(r"name .* is already in use", re.IGNORECASE)


@dataclass(frozen=True)
class PortPublish:
    """Publish ``container_port`` on the host. ``host_port`` 0 lets the engine pick; ``host_ip`` ""
    means every interface."""

    host_ip: str
    host_port: int
    container_port: int
    protocol: str = "tcp"


@dataclass(frozen=True)
class Mount:
    """``bind``: ``source`` is an absolute host path. ``volume``: ``source`` is a volume name, and
    ``None`` means an anonymous volume (removed with the container)."""

    kind: Literal["bind", "volume"]
    source: str | None
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class RunSpec:
    """Everything ``run`` needs to start one detached container."""

    name: str
    image: str
    args: tuple[str, ...] = ()
    entrypoint: str | None = None
    env: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    ports: tuple[PortPublish, ...] = ()
    mounts: tuple[Mount, ...] = ()
    network: str | None = None
    aliases: tuple[str, ...] = ()
    extra_hosts: Mapping[str, str] = field(default_factory=dict)
    """``--add-host name:ip``; ``ip`` may be ``host-gateway``."""
    runtime_args: tuple[str, ...] = ()
    """Passed verbatim, just before the image."""
    stop_signal: str | None = None
    """``--stop-signal`` (podman and docker): what ``stop`` sends before the kill; ``None``: the
    image's (SIGTERM unless its STOPSIGNAL says otherwise)."""


@dataclass(frozen=True)
class ContainerInfo:
    """The part of ``container inspect`` pyspire uses. ``exit_code`` is ``None`` until it has exited."""

    id: str
    name: str
    image: str
    state: str
    running: bool
    exit_code: int | None
    labels: Mapping[str, str]
    started_at: str | None
    finished_at: str | None
    error: str | None


@dataclass(frozen=True)
class NetworkInfo:
    name: str
    gateways: tuple[str, ...]
    labels: Mapping[str, str]


def _time(value: Any) -> str | None:
    """Engines report "never" as the zero time; callers want ``None``."""
    if not isinstance(value, str) or not value or value.startswith("0001-01-01") or value == _ZERO_TIME:
        return None
    return value


def _labels(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def parse_container(data: Mapping[str, Any]) -> ContainerInfo:
    """One element of ``container inspect`` output, from podman or docker."""
    state = data.get("State") or {}
    config = data.get("Config") or {}
    status = str(state.get("Status") or "unknown").lower()
    running = bool(state.get("Running"))
    exit_code = state.get("ExitCode")
    return ContainerInfo(
        id=str(data.get("Id", "")),
        name=str(data.get("Name", "")).lstrip("/"),  # docker: "/name"
        image=str(data.get("ImageName") or config.get("Image") or data.get("Image") or ""),
        state=status,
        running=running,
        exit_code=None if running or status in _NOT_EXITED or not isinstance(exit_code, int) else exit_code,
        labels=_labels(config.get("Labels")),
        started_at=_time(state.get("StartedAt")),
        finished_at=_time(state.get("FinishedAt")),
        error=str(state.get("Error") or "") or None,
    )


def parse_network(data: Mapping[str, Any]) -> NetworkInfo:
    """One element of ``network inspect`` output: podman 4 (lower case, ``subnets``) or docker (``IPAM``)."""
    if "subnets" in data or "name" in data:
        gateways = [s.get("gateway") for s in data.get("subnets") or []]
        labels = data.get("labels")
        name = data.get("name")
    else:
        gateways = [c.get("Gateway") for c in (data.get("IPAM") or {}).get("Config") or []]
        labels = data.get("Labels")
        name = data.get("Name")
    return NetworkInfo(str(name or ""), tuple(str(g) for g in gateways if g), _labels(labels))


def _json_list(text: str) -> list[dict[str, Any]]:
    try:
        value = json.loads(text or "[]")
    except json.JSONDecodeError:
        return []
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _publish_arg(port: PortPublish) -> str:
    host_ip = f"[{port.host_ip}]" if ":" in port.host_ip else port.host_ip
    host_port = str(port.host_port) if port.host_port else ""
    target = f"{port.container_port}/{port.protocol}"
    if host_ip:
        return f"{host_ip}:{host_port}:{target}"
    return f"{host_port}:{target}" if host_port else target


def _mount_args(mount: Mount) -> list[str]:
    if mount.kind == "volume" and mount.source is None:
        return [
            "--mount",
            f"type=volume,destination={mount.target}" + (",readonly" if mount.read_only else ""),
        ]
    if mount.source is None or (mount.kind == "bind" and not os.path.isabs(mount.source)):
        raise ValueError(f"bind mount source must be an absolute host path, got {mount.source!r}")
    if ":" in mount.source or ":" in mount.target:
        raise ValueError(f"mount paths cannot contain ':' ({mount.source!r} -> {mount.target!r})")
    return ["-v", f"{mount.source}:{mount.target}" + (":ro" if mount.read_only else "")]


def _rides_in_env(key: str, value: str) -> bool:
    """Whether ``key=value`` can be handed to the CLI through its environment without changing it."""
    if "=" in key or not key or _CLI_ENV.match(key):
        return False
    current = os.environ.get(key)
    return current is None or current == value


def _redact(text: str, secrets: Sequence[str]) -> str:
    for value in sorted(secrets, key=len, reverse=True):
        text = text.replace(value, "***")
    return text


def _secret_values(build_args: Mapping[str, str], secrets: Mapping[str, str]) -> list[str]:
    """Every value a failed build's message must not show: build-arg values and secret file contents."""
    values = [v.strip() for v in build_args.values() if v.strip()]
    for path in secrets.values():
        with contextlib.suppress(OSError, UnicodeDecodeError), open(path, encoding="utf-8") as f:
            content = f.read(65536)
        values += [line.strip() for line in content.splitlines() if line.strip()]
    return values


class ContainerRuntime:
    """One class for podman and docker: the CLI subset used here is the same for both."""

    def __init__(self, name: str, binary: str, calls_group: int | None = None) -> None:
        if name not in _cli.ENGINES:
            raise ValueError(f"unknown container engine {name!r}; allowed: {', '.join(_cli.ENGINES)}")
        self.name = name
        self.binary = binary
        #: The process group every CLI call runs in (the app host's reaper's); None: each its own.
        self.calls_group = calls_group
        self.host_alias = "host.containers.internal" if name == "podman" else "host.docker.internal"

    def __repr__(self) -> str:
        return f"ContainerRuntime({self.name!r}, {self.binary!r})"

    async def _call(self, *args: str, env: Mapping[str, str] | None = None, long_lived: bool = False) -> str:
        """Run a subcommand; its stdout on success, :class:`ContainerEngineError` otherwise."""
        result = await _cli.call(self.binary, args, env=env, long_lived=long_lived, group=self.calls_group)
        if result.returncode != 0:
            raise _cli.engine_error(self.binary, args, result)
        return result.stdout

    async def _exists(self, *args: str) -> bool:
        """Run an inspect-like subcommand: ``True`` if it succeeds, ``False`` if the object is missing."""
        try:
            await self._call(*args)
        except ContainerEngineError as exc:
            if exc.missing:
                return False
            raise
        return True

    async def info(self) -> str:
        """The engine server's version; raises :class:`ContainerEngineError` when it does not answer."""
        return await _cli.server_version(self.name, self.binary)

    # -- images ---------------------------------------------------------------------------------

    async def image_exists(self, image: str) -> bool:
        return await self.image_id(image) is not None

    async def image_id(self, image: str) -> str | None:
        """The local image's id (``sha256:...`` with docker, bare hex with podman), ``None`` if absent.
        Tells a rebuilt image from the old one under the same tag."""
        try:
            out = await self._call("image", "inspect", "--format", "{{.Id}}", image)
        except ContainerEngineError as exc:
            if exc.missing:
                return None
            raise
        return out.strip() or None

    async def pull(self, image: str, on_line: Callable[[str], None]) -> None:
        """Pull ``image``, streaming the engine's progress lines to ``on_line`` as they come."""
        tail: deque[str] = deque(maxlen=BUILD_TAIL_LINES)

        def line(text: str) -> None:
            tail.append(text)
            on_line(text)

        args = ("pull", image)
        code = await _cli.stream(self.binary, args, line, group=self.calls_group)
        if code:
            result = _cli.CliResult(code, "", "\n".join(tail))
            raise _cli.engine_error(self.binary, args, result)

    async def build(
        self,
        context: str,
        tag: str,
        on_line: Callable[[str], None],
        *,
        dockerfile: str | None = None,
        stage: str | None = None,
        build_args: Mapping[str, str] = {},  # noqa: B006 - read only
        secrets: Mapping[str, str] = {},  # noqa: B006 - read only
    ) -> None:
        """Build ``context`` into ``tag``, streaming output lines to ``on_line``.

        ``dockerfile`` is relative to ``context`` unless absolute. ``secrets`` maps a secret id to the
        file holding it (``RUN --mount=type=secret,id=...``). Build-arg values travel in the CLI's
        environment, not its argv, and neither they nor secret contents appear in the error raised
        on failure, which carries the last lines of output (where the real reason is).
        """
        args = ["build", "-t", tag]
        env: dict[str, str] | None = None
        if dockerfile is not None:
            args += ["-f", os.path.join(context, dockerfile)]
        if stage is not None:
            args += ["--target", stage]
        for key, value in build_args.items():
            if _rides_in_env(key, value):
                env = env if env is not None else dict(os.environ)
                env[key] = value
                args += ["--build-arg", key]
            else:
                args += ["--build-arg", f"{key}={value}"]
        for secret_id, path in secrets.items():
            args += ["--secret", f"id={secret_id},src={path}"]
        args.append(context)
        tail: deque[str] = deque(maxlen=BUILD_TAIL_LINES)

        def line(text: str) -> None:
            tail.append(text)
            on_line(text)

        code = await _cli.stream(self.binary, args, line, env=env, group=self.calls_group)
        if code:
            hidden = _secret_values(build_args, secrets)
            lines = [_redact(t, hidden) for t in tail if t.strip()]
            errors = [t for t in lines if t.lstrip().lower().startswith("error")]
            reason = (errors or lines or ["no output"])[-1].strip()
            detail = reason + "".join(f"\n  | {t}" for t in lines)
            raise ContainerEngineError(_cli.command_name(self.name, args), detail, code)

    # -- containers -----------------------------------------------------------------------------

    async def run(self, spec: RunSpec) -> str:
        """Start ``spec`` detached (never pulling) and return the container id.

        Environment values go through a private ``--env-file`` that is deleted as soon as the CLI
        returns, so they never show in ``ps``. If the container was created but could not start
        (a port already taken, say), it is removed, so the name is free for the next attempt.
        """
        args = ["run", "-d", "--pull=never", "--name", spec.name]
        for key, value in spec.labels.items():
            args += ["--label", f"{key}={value}"]
        env: dict[str, str] | None = None
        lines: list[str] = []
        for key, value in spec.env.items():
            if any(c in value for c in "\n\r\0"):  # env files hold one line per variable
                if _rides_in_env(key, value) and "\0" not in value:
                    env = env if env is not None else dict(os.environ)
                    env[key] = value
                    args += ["-e", key]
                else:
                    args += ["-e", f"{key}={value}"]
            else:
                lines.append(f"{key}={value}\n")
        for port in spec.ports:
            args += ["-p", _publish_arg(port)]
        for mount in spec.mounts:
            args += _mount_args(mount)
        if spec.network is not None:
            args += ["--network", spec.network]
        for alias in spec.aliases:
            args += ["--network-alias", alias]
        for host, ip in spec.extra_hosts.items():
            args += ["--add-host", f"{host}:{ip}"]
        if spec.entrypoint is not None:
            args += ["--entrypoint", spec.entrypoint]
        if spec.stop_signal is not None:
            args += ["--stop-signal", spec.stop_signal]
        env_file: str | None = None
        try:
            if lines:
                fd, env_file = tempfile.mkstemp(prefix="pyspire-env-", suffix=".env")  # mode 0600
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.writelines(lines)
                args += ["--env-file", env_file]
            args += [*spec.runtime_args, spec.image, *spec.args]
            try:
                out = await self._call(*args, env=env)
            except ContainerEngineError as exc:
                if not _NAME_IN_USE.search(exc.stderr):  # the name is ours: do not leave a dead container
                    with contextlib.suppress(ContainerEngineError):
                        await self.remove(spec.name)
                raise
        finally:
            if env_file is not None:
                with contextlib.suppress(OSError):
                    os.unlink(env_file)
        ids = out.split()
        return ids[-1] if ids else spec.name

    async def start(self, ref: str) -> None:
        await self._call("start", ref)

    async def stop(self, ref: str, timeout_seconds: float) -> None:
        """Signal the container's stop signal, then kill after ``timeout_seconds`` (rounded up).
        A container that is already gone counts as stopped."""
        seconds = max(0, math.ceil(timeout_seconds))
        try:
            await self._call("stop", "-t", str(seconds), ref)
        except ContainerEngineError as exc:
            if not exc.missing:
                raise

    async def remove(self, ref: str, timeout_seconds: float = 0) -> None:
        """Stop (stop signal, then kill after ``timeout_seconds``) and remove the container with its
        anonymous volumes, in one call with podman; a missing one is not an error."""
        seconds = max(0, math.ceil(timeout_seconds))
        if self.name == "podman":
            wait: tuple[str, ...] = ("-t", str(seconds))
        else:  # docker's `rm -f` kills at once: give it its grace period with a stop first
            wait = ()
            if seconds:
                await self.stop(ref, seconds)
        try:
            await self._call("rm", "-f", "-v", *wait, ref)
        except ContainerEngineError as exc:
            if not exc.missing:
                raise

    async def inspect(self, ref: str) -> ContainerInfo | None:
        """The container's state, or ``None`` when it does not exist."""
        try:
            out = await self._call("container", "inspect", ref)
        except ContainerEngineError as exc:
            if exc.missing:
                return None
            raise
        found = _json_list(out)
        return parse_container(found[0]) if found else None

    async def list(self, labels: Mapping[str, str]) -> builtins.list[ContainerInfo]:
        """Containers in any state carrying every ``label=value`` given (two CLI calls, however many)."""
        filters = [arg for k, v in labels.items() for arg in ("--filter", f"label={k}={v}")]
        ids = (await self._call("ps", "-a", "--no-trunc", *filters, "--format", "{{.ID}}")).split()
        if not ids:
            return []
        args = ("container", "inspect", *ids)
        result = await _cli.call(self.binary, args, group=self.calls_group)
        found = _json_list(result.stdout)
        # A container removed between `ps` and `inspect` is simply not listed.
        if result.returncode != 0 and not found:
            error = _cli.engine_error(self.binary, args, result)
            if not error.missing:
                raise error
        return [parse_container(item) for item in found]

    async def wait(self, ref: str) -> int:
        """Block until the container exits and return its exit code. Cancelling kills the CLI call."""
        args = ("wait", ref)
        out = await self._call(*args, long_lived=True)
        try:
            return int(out.split()[-1])
        except (IndexError, ValueError):
            raise ContainerEngineError(
                _cli.command_name(self.name, args), f"unexpected output {out.strip()[:200]!r}", 0
            ) from None

    async def exec(self, ref: str, argv: Sequence[str], timeout: float) -> tuple[int, str]:
        """Run ``argv`` in the container: its exit code and combined output (the last ~4 KB).

        Engine failures (no such container, not running) come back the same way, as the engine's
        exit code (125-127) with its message as output. When ``timeout`` runs out the CLI is killed and
        the code is 124, as with ``timeout(1)`` (the command itself may run on inside the container).
        """
        kept: deque[str] = deque()
        size = 0

        def line(text: str) -> None:
            nonlocal size
            kept.append(text)
            size += len(text) + 1
            while size > EXEC_OUTPUT_LIMIT and len(kept) > 1:
                size -= len(kept.popleft()) + 1

        code = await _cli.stream(
            self.binary, ["exec", ref, *argv], line, timeout=timeout, group=self.calls_group
        )
        if code is None:
            kept.append(f"[timed out after {timeout:g} s]")
            code = 124
        output = "\n".join(kept)
        return code, output[-EXEC_OUTPUT_LIMIT:]

    def logs_argv(self, ref: str, *, follow: bool = True, since: str | None = None) -> builtins.list[str]:
        """The argv that prints the container's logs: its stdout on stdout, its stderr on stderr."""
        argv = [self.binary, "logs"]
        if follow:
            argv.append("--follow")
        if since is not None:
            argv += ["--since", since]
        argv.append(ref)
        return argv

    # -- networks and volumes -------------------------------------------------------------------

    async def network_ensure(self, name: str, labels: Mapping[str, str]) -> NetworkInfo:
        """The network ``name``, created with ``labels`` if missing. Safe to race another creator."""
        found = await self.network_inspect(name)
        if found is not None:
            return found
        label_args = [arg for k, v in labels.items() for arg in ("--label", f"{k}={v}")]
        try:
            await self._call("network", "create", *label_args, name)
        except ContainerEngineError as exc:
            if not exc.exists:
                raise
        found = await self.network_inspect(name)
        if found is None:
            raise ContainerEngineError(
                f"{self.name} network create", f"network {name!r} vanished right after", 0
            )
        return found

    async def network_inspect(self, name: str) -> NetworkInfo | None:
        try:
            out = await self._call("network", "inspect", name)
        except ContainerEngineError as exc:
            if exc.missing:
                return None
            raise
        found = _json_list(out)
        return parse_network(found[0]) if found else None

    async def network_remove(self, name: str) -> None:
        """Remove the network (it must have no containers); a missing one is not an error."""
        try:
            await self._call("network", "rm", name)
        except ContainerEngineError as exc:
            if not exc.missing:
                raise

    async def volume_ensure(self, name: str, labels: Mapping[str, str]) -> None:
        """Create the volume ``name`` with ``labels`` if missing. Safe to race another creator."""
        if await self.volume_exists(name):
            return
        label_args = [arg for k, v in labels.items() for arg in ("--label", f"{k}={v}")]
        try:
            await self._call("volume", "create", *label_args, name)
        except ContainerEngineError as exc:
            if not exc.exists:
                raise

    async def volume_exists(self, name: str) -> bool:
        return await self._exists("volume", "inspect", name)

    async def volume_remove(self, name: str) -> None:
        """Remove the volume (it must be unused); a missing one is not an error."""
        try:
            await self._call("volume", "rm", name)
        except ContainerEngineError as exc:
            if not exc.missing:
                raise


async def detect_runtime(preference: str | None = None, calls_group: int | None = None) -> ContainerRuntime:
    """The container engine to use.

    ``preference`` ``None`` reads ``PYSPIRE_CONTAINER_RUNTIME``. If set (``podman`` or ``docker``) only
    that engine is tried; an unknown value is an error naming the allowed ones. Otherwise podman,
    then docker: the first whose ``info`` answers, not the first binary found (a docker client
    without a daemon is common). Both are asked at once; podman's answer is preferred.
    Raises :class:`NoContainerEngine` saying what was tried, why it failed, and how to fix it.
    ``calls_group``: see :attr:`ContainerRuntime.calls_group`.
    """
    name, binary = await _cli.find_engine(preference)
    return ContainerRuntime(name, binary, calls_group)
