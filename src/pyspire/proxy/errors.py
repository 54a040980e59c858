"""Errors raised by the proxy package."""

from __future__ import annotations

from pyspire.errors import TemporaryError

__all__ = ["ProxyBindError"]


def format_hostport(host: str, port: int) -> str:
    """Render ``host:port`` the way URLs do, bracketing IPv6 literals so the port stays readable."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


class ProxyBindError(TemporaryError, OSError):
    """The listen port could not be bound (temporary: it may be free again shortly).

    It subclasses :class:`OSError` so callers that already treat socket failures generically keep
    working, while ``host``/``port`` let the app host tell the user *which* endpoint collided.
    ``str()`` names the address, the port and the operating system's reason.
    """

    host: str
    port: int

    def __init__(self, host: str, port: int, reason: OSError) -> None:
        why = reason.strerror or str(reason)
        OSError.__init__(self, reason.errno, f"cannot listen on {format_hostport(host, port)}: {why}")
        self.delay = 1.0
        self.host = host
        self.port = port
