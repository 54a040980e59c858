"""Who may use the dashboard: one-time login tokens, exchanged for a session cookie.

The app host prints a login link with a fresh token (``/login?t=…``); ``pyspire dashboard`` asks
the control API for another. A token works once and for :data:`TOKEN_LIFETIME_SECONDS` at most,
so a link left in a terminal's scrollback or a shell history is worth nothing later. Exchanging
it gives a random session id in an HttpOnly, SameSite=Strict cookie: the page's scripts cannot
read it and no other site's page can send it. Sessions live in memory only, so an app host
restart logs everyone out.

Secrets are kept only as their SHA-256 digests and looked up by digest, which is what makes the
comparison constant-time in effect: how long a lookup takes depends on the digest of what was
presented, which tells an attacker nothing about the bytes of any secret that is held (and a
memory dump of the app host holds no usable secret).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable

TOKEN_BYTES = 32
#: How long a login link works when nobody uses it.
TOKEN_LIFETIME_SECONDS = 15 * 60
#: Unused tokens kept at most (each ``POST /v1/dashboard/login`` makes one): the oldest go first.
MAX_PENDING_TOKENS = 100
#: Sessions kept at most (each login makes one): the oldest are logged out first.
MAX_SESSIONS = 1000
SESSION_COOKIE = "pyspire_session"


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


class _Secrets:
    """Digests of live secrets in order of creation, each with when it stops working."""

    def __init__(self, limit: int, clock: Callable[[], float]) -> None:
        self._held: OrderedDict[bytes, float] = OrderedDict()
        self._limit = limit
        self._clock = clock

    def add(self, lifetime: float) -> str:
        secret = secrets.token_urlsafe(TOKEN_BYTES)
        self._held[_digest(secret)] = self._clock() + lifetime
        while len(self._held) > self._limit:
            self._held.popitem(last=False)
        return secret

    def find(self, presented: str | None) -> bytes | None:
        """The held digest matching ``presented`` if it is still valid, else None."""
        if not presented:
            return None
        digest = _digest(presented)
        expires = self._held.get(digest)
        if expires is None:
            return None
        if expires <= self._clock():
            del self._held[digest]
            return None
        return digest

    def remove(self, digest: bytes) -> None:
        self._held.pop(digest, None)

    def __len__(self) -> int:
        return len(self._held)


class DashboardAuth:
    """The login tokens and sessions of one dashboard (one app host run)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._tokens = _Secrets(MAX_PENDING_TOKENS, clock)
        self._sessions = _Secrets(MAX_SESSIONS, clock)

    def new_login_token(self) -> str:
        """A token for one login link (works once, for 15 minutes)."""
        return self._tokens.add(TOKEN_LIFETIME_SECONDS)

    def redeem(self, token: str | None) -> str | None:
        """A new session id for a valid, unused ``token`` (which stops working), else None."""
        digest = self._tokens.find(token)
        if digest is None:
            return None
        self._tokens.remove(digest)
        return self._sessions.add(float("inf"))

    def is_session(self, session: str | None) -> bool:
        return self._sessions.find(session) is not None

    @property
    def session_count(self) -> int:
        return len(self._sessions)
