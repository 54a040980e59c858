"""Which running app host a command talks to.

``--apphost PATH`` names it. Without it: the app host whose ``apphost.py`` is in the current
folder or the nearest one above it; else the only one running; else the user is asked to choose,
with the list of candidates.
"""

from __future__ import annotations

from pathlib import Path

from pyspire.errors import ConfigurationError
from pyspire.runtime.apphosts import RunningAppHost, running_apphosts
from pyspire.runtime.state_dir import StateDir


class SelectionError(ConfigurationError):
    """No app host, or more than one and nothing to choose by; the message says what to do."""


def _apphost_file(path: str) -> Path:
    candidate = Path(path).expanduser().resolve()
    return candidate / "apphost.py" if candidate.is_dir() or candidate.suffix != ".py" else candidate


def _folders_up(start: Path) -> list[Path]:
    return [start, *start.parents]


def candidates(cwd: Path | None = None) -> list[RunningAppHost]:
    """Every running app host, including ones recorded only in this folder or above it."""
    here = (cwd or Path.cwd()).resolve()
    return running_apphosts(StateDir.of(folder).root for folder in _folders_up(here))


def describe_host(host: RunningAppHost) -> str:
    return f"{host.app_host} (pid {host.pid})"


def select_apphost(apphost: str | None, cwd: Path | None = None) -> RunningAppHost:
    here = (cwd or Path.cwd()).resolve()
    if apphost:
        wanted = _apphost_file(apphost)
        found = [h for h in running_apphosts([StateDir.of(wanted.parent).root]) if h.app_host == wanted]
        if not found:
            raise SelectionError(f"no app host is running for {wanted}; start it with: pyspire start {wanted}")
        return found[-1]
    hosts = candidates(here)
    if not hosts:
        raise SelectionError("no app host is running; start one with: pyspire start [path/to/apphost.py]")
    for folder in _folders_up(here):
        enclosing = [h for h in hosts if h.app_dir == folder]
        if enclosing:
            return enclosing[-1]
    if len(hosts) == 1:
        return hosts[0]
    listed = "\n".join(f"  {describe_host(h)}" for h in hosts)
    raise SelectionError(
        f"{len(hosts)} app hosts are running and none is in {here} or above it; "
        f"choose one with --apphost PATH:\n{listed}"
    )
