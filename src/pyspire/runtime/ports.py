"""Port facts from the OS: is a port free, which one is, and who holds a taken one."""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable
from pathlib import Path


def _bind_probe(host: str, port: int, protocol: str) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    kind = socket.SOCK_DGRAM if protocol == "udp" else socket.SOCK_STREAM
    sock = socket.socket(family, kind)
    try:
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def port_is_free(port: int, host: str = "127.0.0.1", protocol: str = "tcp") -> bool:
    """Whether ``port`` can be bound on ``host`` right now."""
    try:
        _bind_probe(host, port, protocol).close()
    except OSError:
        return False
    return True


#: How many ports the OS may offer that this machine refuses to connect to before giving up.
_UNREACHABLE_TRIES = 20


def pick_free_port(host: str = "127.0.0.1", protocol: str = "tcp") -> int:
    """A port the OS says is free now (it may be taken by someone else before it is used) and, for
    TCP, that a client on this machine can actually connect to (see :func:`accepts_connections`)."""
    if protocol == "udp":
        sock = _bind_probe(host, 0, protocol)
    else:

        def listening() -> socket.socket:
            probe = _bind_probe(host, 0, protocol)
            probe.listen(1)
            return probe

        sock = reachable_listener(listening)
    try:
        return int(sock.getsockname()[1])
    finally:
        sock.close()


def reachable_listener(listen: Callable[[], socket.socket]) -> socket.socket:
    """The first socket ``listen()`` returns (a TCP listener on a port the OS chose) that a client
    on this machine can connect to. The refused ones stay bound until one is found, so the OS does
    not offer them again meanwhile; after ``_UNREACHABLE_TRIES`` the last one is returned anyway."""
    refused: list[socket.socket] = []
    try:
        for _ in range(_UNREACHABLE_TRIES - 1):
            sock = listen()
            if accepts_connections(sock):
                return sock
            refused.append(sock)
        return listen()
    finally:
        for sock in refused:
            sock.close()


def accepts_connections(listener: socket.socket, timeout: float = 0.5) -> bool:
    """Whether a client on this machine can connect to ``listener`` (a listening TCP socket).

    A port can bind and still refuse every connection: a local firewall rule may reject a few
    ports (seen on the machines this project's CI runs on: three ports of the ephemeral range), so
    a service given one would look fine and never answer. The probe's connection is taken off
    the listener's queue here, so whoever accepts on the listener later never sees it."""
    host, port = listener.getsockname()[:2]
    if host in ("0.0.0.0", ""):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    client = socket.socket(listener.family, socket.SOCK_STREAM)
    client.settimeout(timeout)
    try:
        client.connect((host, port))
    except OSError:
        return False
    finally:
        client.close()
    previous = listener.gettimeout()
    listener.settimeout(timeout)
    try:
        connection, _ = socket.socket.accept(listener)  # the plain accept, whatever a subclass counts
        connection.close()
    except OSError:
        pass
    finally:
        listener.settimeout(previous)
    return True


_LISTEN_ROW = re.compile(r"^\s*\d+: [0-9A-F]+:([0-9A-F]{4}) [0-9A-F]+:[0-9A-F]{4} 0A ", re.M)


def listening_tcp_ports() -> set[int]:
    """Every TCP port some process listens on (any address), read from /proc/net without
    connecting, so the listening programs see nothing. One regex pass per table: cheap even with
    thousands of sockets in TIME_WAIT."""
    ports: set[int] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            text = Path(table).read_text()
        except OSError:
            continue
        ports.update(int(port, 16) for port in _LISTEN_ROW.findall(text))
    return ports


def _socket_inodes(port: int, protocol: str) -> set[str]:
    inodes: set[str] = set()
    for table in (f"/proc/net/{protocol}", f"/proc/net/{protocol}6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if len(fields) > 9 and int(fields[1].rsplit(":", 1)[1], 16) == port:
                # TCP: only listening sockets (state 0A) hold a port for binding purposes.
                if protocol == "tcp" and fields[3] != "0A":
                    continue
                inodes.add(fields[9])
    return inodes


def port_holder(port: int, protocol: str = "tcp") -> str | None:
    """Who holds ``port``: ``pid 1234 (nginx)``, or ``None`` when it cannot be told."""
    inodes = _socket_inodes(port, protocol)
    if not inodes:
        return None
    targets = {f"socket:[{inode}]" for inode in inodes}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(f"{fd_dir}/{fd}") in targets:
                    name = Path(f"/proc/{pid}/comm").read_text().strip()
                    return f"pid {pid} ({name})"
            except OSError:
                continue
    return None
