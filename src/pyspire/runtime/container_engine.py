"""Calling a container engine's CLI, and finding an engine that answers.

Every container operation in pyspire is one run of ``podman``/``docker``: a subprocess with no stdin
and the inherited environment. This module owns how those runs are made (spawned, streamed, killed
and reaped when cancelled, turned into one-line errors) and which engine to use.

No run is in the terminal's process group, so the Ctrl+C meant for the app host never reaches one
(a ``podman wait`` that got it would report a container lost). An app host puts them all in its
reaper's process group (``group``): if the app host dies, the reaper finds and kills the calls
in flight before it sweeps, so a ``podman run`` cannot create its container behind the sweep.
:mod:`pyspire.runtime.containers` builds the operations on top of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import os
import re
import shutil
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from pyspire.errors import PermanentError
from pyspire.runtime.process import die_with_parent

ENV_VAR = "PYSPIRE_CONTAINER_RUNTIME"
ENGINES = ("podman", "docker")
DETECT_TIMEOUT = 30.0
"""Seconds an engine gets to answer ``version`` (podman's first run migrates its storage: be patient)."""
STOP_GRACE = 1.0
"""Seconds a cancelled CLI call gets after SIGTERM (podman cleans up a build) before SIGKILL."""

_MISSING = re.compile(r"no such|not found|not known|does not exist|no container with", re.IGNORECASE)
_EXISTS = re.compile(r"already exists|already used|name .* is already in use", re.IGNORECASE)
_MAX_DETAIL = 600



class ContainerEngineError(PermanentError):
    """A container CLI call failed (the engine refused; the same call fails the same way).

    ``str()`` leads with one line: the engine and subcommand that ran (never the full argv, which can
    carry values) and the engine's own reason. ``stderr`` holds that reason, trimmed; a failed build
    also carries the tail of its output (the real reason is there, not in the last line).
    """

    def __init__(self, command: str, stderr: str, returncode: int) -> None:
        self.command = command
        self.stderr = stderr
        self.returncode = returncode
        super().__init__(command, stderr, returncode)

    def __str__(self) -> str:
        return f"{self.command} failed (exit {self.returncode}): {self.stderr or 'no error output'}"

    @property
    def missing(self) -> bool:
        """Whether the engine said the object (container, image, network, volume) does not exist."""
        return bool(_MISSING.search(self.stderr))

    @property
    def exists(self) -> bool:
        """Whether the engine refused because the object already exists (a lost create race)."""
        return bool(_EXISTS.search(self.stderr))


class NoContainerEngine(PermanentError):
    """No container engine answers: the message lists each engine tried, why it failed, and the fix."""

    def __init__(self, message: str, tried: Sequence[tuple[str, str]] = ()) -> None:
        self.tried = tuple(tried)
        super().__init__(message)


@dataclass(frozen=True)
class CliResult:
    """What one finished CLI run printed."""

    returncode: int
    stdout: str
    stderr: str


def command_name(engine: str, args: Sequence[str]) -> str:
    """``podman run`` / ``docker network create``: enough to say what ran, never the values."""
    words = [engine]
    for arg in args[:2]:
        if arg.startswith("-"):
            break
        words.append(arg)
        if arg not in ("container", "image", "network", "volume", "system", "builder", "buildx"):
            break
    return " ".join(words)


def summarize(stderr: str) -> str:
    """The engine's reason on one line: its ``Error:`` lines if any (warnings are noise), else all."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.lower().startswith("error")]
    text = " | ".join(errors or lines)
    if len(text) > _MAX_DETAIL:
        text = "..." + text[-_MAX_DETAIL:]
    return text


def engine_name(binary: str) -> str:
    """The engine a binary belongs to, for messages: ``/usr/bin/podman-remote`` is podman too."""
    base = os.path.basename(binary)
    return next((name for name in ENGINES if base.startswith(name)), base)


def engine_error(binary: str, args: Sequence[str], result: CliResult) -> ContainerEngineError:
    return ContainerEngineError(
        command_name(engine_name(binary), args), summarize(result.stderr), result.returncode
    )


async def _spawn(
    binary: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None,
    merge_stderr: bool,
    long_lived: bool,
    group: int | None,
) -> asyncio.subprocess.Process:
    """Start the CLI in process group ``group``, else in a group of its own."""

    def start(process_group: int) -> Awaitable[asyncio.subprocess.Process]:
        return asyncio.create_subprocess_exec(
            binary,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT if merge_stderr else asyncio.subprocess.PIPE,
            env=None if env is None else dict(env),
            process_group=process_group,
            preexec_fn=functools.partial(die_with_parent, os.getpid()) if long_lived else None,
        )

    try:
        try:
            return await start(group or 0)
        except PermissionError as exc:
            if not group or exc.errno != errno.EPERM:
                raise
            return await start(0)  # the group is gone (its reaper exited)
    except OSError as exc:
        raise ContainerEngineError(
            command_name(engine_name(binary), args), f"cannot run {binary!r}: {exc.strerror or exc}", 127
        ) from exc


async def _end(proc: asyncio.subprocess.Process) -> None:
    """Stop a CLI run we no longer want and reap it: SIGTERM, a short grace, then SIGKILL."""
    if proc.returncode is not None:
        return
    try:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), STOP_GRACE)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    finally:
        if proc.returncode is None:  # cancelled again while waiting: kill now, the child watcher reaps
            with contextlib.suppress(ProcessLookupError):
                proc.kill()


async def call(
    binary: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    long_lived: bool = False,
    group: int | None = None,
) -> CliResult:
    """Run ``binary args`` to completion and capture its output. Cancelling kills and reaps it."""
    proc = await _spawn(binary, args, env=env, merge_stderr=False, long_lived=long_lived, group=group)
    try:
        out, err = await proc.communicate()
    except BaseException:
        await _end(proc)
        raise
    assert proc.returncode is not None
    return CliResult(proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"))


async def stream(
    binary: str,
    args: Sequence[str],
    on_line: Callable[[str], None],
    *,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
    group: int | None = None,
) -> int | None:
    """Run ``binary args`` with stdout and stderr merged, handing each line to ``on_line`` as it comes.

    Returns the exit code, or ``None`` when ``timeout`` ran out (the run is then killed). Carriage
    returns split lines too, so progress bars arrive as updates rather than one huge line.
    """
    proc = await _spawn(binary, args, env=env, merge_stderr=True, long_lived=True, group=group)
    assert proc.stdout is not None
    reader = proc.stdout

    async def pump() -> None:
        pending = b""
        while chunk := await reader.read(65536):
            parts = re.split(rb"\r\n|\r|\n", pending + chunk)
            pending = parts.pop()
            for part in parts:
                on_line(part.decode(errors="replace"))
        if pending:
            on_line(pending.decode(errors="replace"))

    try:
        try:
            await asyncio.wait_for(pump(), timeout)
        except TimeoutError:
            await _end(proc)
            return None
        return await proc.wait()
    except BaseException:
        await _end(proc)
        raise


async def server_version(name: str, binary: str) -> str:
    """The engine server's version; raises :class:`ContainerEngineError` when the engine does not answer.

    ``version`` rather than ``info``: it answers in ~30 ms where podman's ``info`` takes ~300 ms
    (it inventories storage), and docker's still fails without a daemon."""
    args = ["version", "--format", "{{.Server.Version}}"]
    result = await call(binary, args)
    version = result.stdout.strip()
    if result.returncode != 0 or not version:
        raise engine_error(binary, args, result)
    return version


def _fix_hint() -> str:
    return (
        "Fix: install and configure podman (see the README; scripts/containers.sh sets it up on Debian), "
        f"or start the Docker daemon, or set {ENV_VAR}=podman|docker to choose the engine."
    )


async def _probe(name: str) -> tuple[str, str]:
    """``(binary, "")`` when ``name`` answers, else ``("", why not)``."""
    binary = shutil.which(name)
    if binary is None:
        return "", "binary not found on PATH"
    try:
        await asyncio.wait_for(server_version(name, binary), DETECT_TIMEOUT)
    except TimeoutError:
        return "", f"`{name} version` did not answer within {DETECT_TIMEOUT:.0f} s ({binary})"
    except ContainerEngineError as exc:
        first = exc.stderr.split(" | ")[0] or f"exit {exc.returncode}"
        return "", f"`{name} version` failed ({binary}): {first}"
    return binary, ""


async def find_engine(preference: str | None = None) -> tuple[str, str]:
    """``(name, binary)`` of the engine to use; see :func:`pyspire.runtime.containers.detect_runtime`."""
    chosen = preference if preference is not None else os.environ.get(ENV_VAR)
    chosen = (chosen or "").strip().lower() or None
    if chosen is not None and chosen not in ENGINES:
        raise NoContainerEngine(
            f"unknown container engine {chosen!r}{'' if preference is not None else f' (from {ENV_VAR})'}; "
            f"allowed values: {', '.join(ENGINES)}. Set {ENV_VAR}=podman or {ENV_VAR}=docker, or unset it "
            "to try both."
        )
    candidates = (chosen,) if chosen else ENGINES
    # Ask all at once (a dead docker socket and a podman answer take the same wall time), but
    # take the answers in order of preference: podman wins whenever it answers.
    probes = [asyncio.ensure_future(_probe(name)) for name in candidates]
    tried: list[tuple[str, str]] = []
    try:
        for name, probe in zip(candidates, probes, strict=True):
            binary, why = await probe
            if binary:
                return name, binary
            tried.append((name, why))
    finally:
        for probe in probes:
            probe.cancel()
        await asyncio.gather(*probes, return_exceptions=True)
    lines = [f"  - {name}: {why}" for name, why in tried]
    source = "it was requested" if preference is not None else f"{ENV_VAR}={chosen}"
    scope = f" (only {chosen} was tried because {source})" if chosen else ""
    raise NoContainerEngine(
        f"no container engine answers{scope}. Tried:\n" + "\n".join(lines) + "\n" + _fix_hint(), tried
    )
