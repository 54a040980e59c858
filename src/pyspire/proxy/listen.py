"""Turning a proxy's ``host`` into listen addresses and binding one socket per address.

A service's URL says ``localhost``, and clients resolve that to IPv4 *or* IPv6 depending on their
resolver, so the proxy listens on every loopback address with one port number: a client must reach
the same service whichever address it tries first.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections.abc import Set
from functools import cache

from pyspire.runtime.ports import accepts_connections

from .errors import ProxyBindError

__all__ = ["bind_listeners", "ipv6_loopback_available", "listen_addresses"]

_ALL_INTERFACES = frozenset({"*", "+", "0.0.0.0", ""})
# Binding a port chosen by the OS on IPv4 can collide with a different program on IPv6; retry
# with a new port a few times before giving up.
_PORT_ZERO_ATTEMPTS = 20
#: Linux's IP_FREEBIND (the socket module does not name it): bind an address not configured yet.
_IP_FREEBIND = 15


@cache
def ipv6_loopback_available() -> bool:
    """Whether ``::1`` can be bound here (containers often run without IPv6)."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


async def listen_addresses(host: str) -> list[tuple[int, str]]:
    """The ``(family, address)`` pairs to listen on for ``host``, IPv4 first.

    ``localhost`` means every loopback address it resolves to, ``*``/``+``/``0.0.0.0`` every
    interface (both families, as separate IPv6-only and IPv4 sockets so they can share a port);
    any other name means every address it resolves to, and a literal means just itself.
    """
    if host in _ALL_INTERFACES:
        addrs: list[tuple[int, str]] = [(socket.AF_INET, "0.0.0.0")]
        if socket.has_ipv6 and ipv6_loopback_available():
            addrs.append((socket.AF_INET6, "::"))
        return addrs
    literal = _literal(host)
    if literal is not None:
        return [literal]
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ProxyBindError(host, 0, OSError(errno.EADDRNOTAVAIL, str(exc))) from exc
    addrs = []
    for family, _type, _proto, _canon, sockaddr in infos:
        pair = (int(family), str(sockaddr[0]))
        if pair not in addrs:
            addrs.append(pair)
    if host.lower() == "localhost":
        # Some hosts files map localhost to IPv4 only; clients may still try ::1 first.
        loopbacks: list[tuple[int, str]] = [(socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")]
        for pair in loopbacks:
            if pair not in addrs:
                addrs.append(pair)
        if not ipv6_loopback_available():
            addrs = [a for a in addrs if a[0] != socket.AF_INET6]
    addrs.sort(key=lambda a: a[0] != socket.AF_INET)
    return addrs


def bind_listeners(
    host: str,
    addrs: list[tuple[int, str]],
    socktype: int,
    port: int,
    freebind: Set[str] = frozenset(),
) -> list[socket.socket]:
    """Bind a non-blocking socket per address, all on one port; returns them (TCP ones listening).
    Addresses in ``freebind`` may not exist yet (``IP_FREEBIND``).

    With ``port=0`` the OS picks the port for the first address and the others reuse it; if another
    program holds that port on a later address, everything is released and a new port is tried.
    Raises :class:`ProxyBindError` when the port cannot be bound.
    """
    attempts = _PORT_ZERO_ATTEMPTS if port == 0 else 1
    unreachable: list[socket.socket] = []  # held bound meanwhile, so the OS does not offer them again
    try:
        return _bind_all(host, addrs, socktype, port, freebind, attempts, unreachable)
    finally:
        for sock in unreachable:
            sock.close()


def _bind_all(
    host: str,
    addrs: list[tuple[int, str]],
    socktype: int,
    port: int,
    freebind: Set[str],
    attempts: int,
    unreachable: list[socket.socket],
) -> list[socket.socket]:
    last: OSError | None = None
    for _ in range(attempts):
        bound: list[socket.socket] = []
        chosen = port
        try:
            for family, address in addrs:
                bound.append(_bind_one(family, address, socktype, chosen, address in freebind))
                if chosen == 0:
                    chosen = bound[0].getsockname()[1]
            first = addrs[0][1]
            if port == 0 and socktype == socket.SOCK_STREAM and first not in freebind and not accepts_connections(
                bound[0]
            ):
                # A port this machine refuses to connect to (a firewall rule): choose another.
                unreachable.append(bound.pop(0))
                for sock in bound:
                    sock.close()
                last = OSError(errno.ECONNREFUSED, "every port offered refuses connections from this machine")
                continue
            return bound
        except OSError as exc:
            for sock in bound:
                sock.close()
            last = exc
            if port != 0 or exc.errno != errno.EADDRINUSE or not bound:
                break
    assert last is not None
    raise ProxyBindError(host, port, last) from last


def _bind_one(family: int, address: str, socktype: int, port: int, freebind: bool = False) -> socket.socket:
    sock = socket.socket(family, socktype)
    try:
        if freebind:
            sock.setsockopt(socket.SOL_IP, _IP_FREEBIND, 1)
        if family == socket.AF_INET6:
            # Keep IPv6 sockets from also claiming the IPv4 port, so "::" and "0.0.0.0" can coexist.
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if socktype == socket.SOCK_STREAM:
            # Lets a restarted app host rebind while old connections sit in TIME_WAIT; Linux still
            # refuses the bind if another socket is listening. Never set for UDP, where it would let
            # two programs share a port silently.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
        if socktype == socket.SOCK_STREAM:
            sock.listen(socket.SOMAXCONN)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _literal(host: str) -> tuple[int, str] | None:
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    except socket.gaierror:
        return None
    family, _type, _proto, _canon, sockaddr = infos[0]
    return int(family), str(sockaddr[0])
