"""Spawning and signalling OS processes: the only place pyspire forks.

Each replica runs in its own session and process group, so stopping it can signal the whole
group (children included). On Linux each child also gets a parent-death signal, so a killed app host
does not leave it running, and joins the run's cgroup before exec when the run has one (see
:mod:`pyspire.runtime.cgroups`): what it starts can leave its group and its environment, not the
cgroup. Exit is observed through a pidfd on the event loop: no SIGCHLD handler, no thread per process.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import fcntl
import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pyspire.runtime.cgroups import join
from pyspire.runtime.errors import SpawnError
from pyspire.runtime.limits import restore_inherited_nofile

_PR_SET_PDEATHSIG = 1
_F_SETPIPE_SZ = 1031
PIPE_SIZE = 1 << 20

try:
    _libc: ctypes.CDLL | None = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - non-glibc platforms
    _libc = None


def die_with_parent(parent_pid: int) -> None:
    """Runs in the child between fork and exec (``preexec_fn``): die with the app host, even if it
    is SIGKILLed."""
    if _libc is not None and sys.platform.startswith("linux"):
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(137)


def _prepare_child(parent_pid: int, cgroup_procs: int | None) -> None:
    """``preexec_fn`` of a replica: join the run's cgroup (before exec, so the program cannot
    fork first), get the descriptor limit the app host was started with, then die with the app
    host."""
    if cgroup_procs is not None:
        join(cgroup_procs)
    restore_inherited_nofile()
    die_with_parent(parent_pid)


@dataclass
class SpawnedProcess:
    """A running child: its pid (also its process group id) and the read ends of its output pipes."""

    pid: int
    stdout_fd: int
    stderr_fd: int
    started_at: float
    _popen: subprocess.Popen[bytes] = field(repr=False)
    _pidfd: int | None = field(default=None, repr=False)
    _exited: asyncio.Future[None] | None = field(default=None, repr=False)

    @property
    def pgid(self) -> int:
        return self.pid

    def returncode(self) -> int | None:
        """The exit code once the process has exited (negative: killed by that signal)."""
        return self._popen.poll()

    async def wait(self) -> int:
        """Wait for the process to exit and reap it; returns its exit code. Any number of tasks
        may wait at once: they share one pidfd reader."""
        code = self._popen.poll()
        if code is not None:
            return code
        if self._exited is None:
            self._exited = self._watch_exit()
        await asyncio.shield(self._exited)
        return self._popen.wait()

    def _watch_exit(self) -> asyncio.Future[None]:
        loop = asyncio.get_running_loop()
        exited: asyncio.Future[None] = loop.create_future()
        try:
            self._pidfd = os.pidfd_open(self.pid)
        except (OSError, AttributeError):  # no pidfd: a thread blocks in waitpid instead
            waiter = loop.run_in_executor(None, self._popen.wait)
            waiter.add_done_callback(lambda _: None if exited.done() else exited.set_result(None))
            return exited
        pidfd = self._pidfd

        def on_exit() -> None:
            loop.remove_reader(pidfd)
            if not exited.done():
                exited.set_result(None)

        loop.add_reader(pidfd, on_exit)
        return exited

    def close(self) -> None:
        """Release the pidfd (the output pipes belong to whoever reads them)."""
        if self._pidfd is not None:
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().remove_reader(self._pidfd)
            os.close(self._pidfd)
            self._pidfd = None


def spawn(
    argv: Sequence[str], env: Mapping[str, str], cwd: str, cgroup_procs: int | None = None
) -> SpawnedProcess:
    """Start ``argv`` in ``cwd`` with exactly ``env``, in a new session and process group, and in
    the cgroup whose ``cgroup.procs`` is open as ``cgroup_procs`` when given.

    Returns as soon as the process exists. Raises :class:`SpawnError` with the OS's reason when it
    cannot be started (missing command, bad working directory, not executable).
    """
    if not os.path.isdir(cwd):
        raise SpawnError(f"working directory {cwd!r} does not exist or is not a directory")
    try:
        popen = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            # The fd is still open in preexec_fn (fds are closed after it) and closed at exec.
            preexec_fn=functools.partial(_prepare_child, os.getpid(), cgroup_procs),
        )
    except FileNotFoundError as exc:
        raise SpawnError(
            f"command {argv[0]!r} was not found ({exc.strerror}); check the command and the PATH"
        ) from exc
    except PermissionError as exc:
        raise SpawnError(
            f"command {argv[0]!r} cannot be executed ({exc.strerror}); check its permissions"
        ) from exc
    except OSError as exc:
        raise SpawnError(f"command {argv[0]!r} could not be started: {exc.strerror or exc}") from exc
    except subprocess.SubprocessError as exc:  # the child could not join the run's cgroup
        raise SpawnError(f"command {argv[0]!r} could not be started in the run's cgroup: {exc}") from exc
    except ValueError as exc:  # an env name with '=', a NUL byte: what a callback produced at run time
        raise SpawnError(
            f"command {argv[0]!r} could not be started: {exc}; check the values the resource's "
            "env and args callbacks produce"
        ) from exc
    assert popen.stdout is not None and popen.stderr is not None
    stdout_fd = os.dup(popen.stdout.fileno())
    stderr_fd = os.dup(popen.stderr.fileno())
    popen.stdout.close()
    popen.stderr.close()
    for fd in (stdout_fd, stderr_fd):
        os.set_blocking(fd, False)
        try:
            fcntl.fcntl(fd, _F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass  # a smaller pipe still works, only with more wake-ups
    return SpawnedProcess(popen.pid, stdout_fd, stderr_fd, time.time(), popen)


def signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to every process in group ``pgid``; ``False`` when the group is gone."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # something we cannot signal still holds the id; report it as alive
    return True


def group_alive(pgid: int) -> bool:
    """Whether any process remains in group ``pgid`` (zombies of ours are reaped by ``wait``)."""
    return signal_group(pgid, 0)


async def terminate_group(proc: SpawnedProcess, grace_period: float, poll_interval: float = 0.02) -> None:
    """SIGTERM the process group, wait up to ``grace_period`` for all of it to go, then SIGKILL.

    The whole group is waited for, not just its leader: a child that ignores SIGTERM, or that
    outlives its parent, is killed too.
    """
    if signal_group(proc.pgid, signal.SIGTERM):
        await reap_terminated_group(proc, grace_period, poll_interval)


async def reap_terminated_group(proc: SpawnedProcess, grace_period: float, poll_interval: float = 0.02) -> None:
    """The rest of :func:`terminate_group` once its SIGTERM is sent: wait up to ``grace_period``
    for the whole group to go, then SIGKILL it. Separate so that a caller stopping many replicas
    can signal each one at once, not when the event loop gets round to a task per replica."""
    waiter = asyncio.ensure_future(proc.wait())
    try:
        deadline = time.monotonic() + grace_period
        # Wake on the leader's exit (pidfd), not on a timer: stopping 100 replicas must not mean
        # 100 polling loops. Poll only for stragglers the leader left in its group.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiter), grace_period)
        while time.monotonic() < deadline:
            if waiter.done() and not group_alive(proc.pgid):
                return
            await asyncio.sleep(poll_interval)
        signal_group(proc.pgid, signal.SIGKILL)
        await waiter
        deadline = time.monotonic() + 5
        while group_alive(proc.pgid) and time.monotonic() < deadline:
            await asyncio.sleep(poll_interval)
    finally:
        if not waiter.done():
            waiter.cancel()


def kill_group_now(proc: SpawnedProcess) -> None:
    """SIGKILL the whole group at once (second Ctrl+C, or an app host in trouble)."""
    signal_group(proc.pgid, signal.SIGKILL)


def describe_exit(code: int) -> str:
    """Human wording for an exit code: ``exit code 3`` or ``killed by SIGTERM``."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"

