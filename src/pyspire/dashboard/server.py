"""The dashboard's HTTP face: login, the session check, the page, and ``/api`` to the forwarder.

Every response carries the same security headers: the page runs only its own scripts and talks
only to its own origin (``Content-Security-Policy``), is never framed (``X-Frame-Options``,
``frame-ancestors``), never sends a referrer (a login URL holds a token). Requests must name the
dashboard's own address in ``Host`` (a page of another site that re-resolves its name to
127.0.0.1 — DNS rebinding — is refused), and anything but a GET through ``/api`` must come with
the dashboard's own ``Origin``, the check a browser cannot be tricked around.
"""

from __future__ import annotations

from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs

from starlette.responses import RedirectResponse, Response
from starlette.types import Message, Receive, Scope, Send

from pyspire.dashboard.auth import SESSION_COOKIE, DashboardAuth
from pyspire.dashboard.forward import ApiForwarder, send_json
from pyspire.dashboard.pages import not_found, not_logged_in, wrong_host
from pyspire.dashboard.static import STATIC_DIR, asset_response, index_response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]


class DashboardApp:
    """The ASGI app served on 127.0.0.1:<port>; :meth:`listening_on` tells it the port once bound."""

    def __init__(self, auth: DashboardAuth, forwarder: ApiForwarder, static_dir: Path = STATIC_DIR) -> None:
        self.auth = auth
        self.forwarder = forwarder
        self.static_dir = static_dir
        self._hosts: frozenset[bytes] = frozenset()
        self._origins: frozenset[bytes] = frozenset()
        self.origin = ""

    def listening_on(self, port: int) -> None:
        self.origin = f"http://127.0.0.1:{port}"
        hosts = [f"127.0.0.1:{port}", f"localhost:{port}"]
        self._hosts = frozenset(h.encode() for h in hosts)
        self._origins = frozenset(f"http://{h}".encode() for h in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *SECURITY_HEADERS]}
            await send(message)

        await self._route(scope, receive, secured)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(_lowered(scope["headers"]))
        path: str = scope["path"]
        api = path == "/api" or path.startswith("/api/")
        if headers.get(b"host") not in self._hosts:
            if api:
                await send_json(send, 421, f"the dashboard answers only at {self.origin}")
            else:
                await wrong_host(self.origin)(scope, receive, send)
            return
        if path == "/login":
            await self._login(scope, headers)(scope, receive, send)
            return
        if not self.auth.is_session(_cookie(headers, SESSION_COOKIE)):
            if api:
                await send_json(send, 401, "not logged in to the dashboard: open the login link the app "
                                "host printed, or run 'pyspire dashboard' for a fresh one")
            else:
                await not_logged_in("You are not logged in (or the app host restarted since).")(scope, receive, send)
            return
        if api:
            if scope["method"] != "GET" and headers.get(b"origin") not in self._origins:
                await send_json(send, 403, f"the dashboard accepts {scope['method']} requests only from "
                                f"its own page ({self.origin})")
                return
            raw: bytes = scope.get("raw_path") or path.encode()
            await self.forwarder.forward(scope, receive, send, raw[len(b"/api"):] or b"/")
            return
        response = self._page(path)
        await response(scope, receive, send)

    def _page(self, path: str) -> Response:
        if path in ("/", "/index.html"):
            return index_response(self.static_dir)
        if path == "/favicon.ico":  # asked for by every browser; the page declares its own icon, if any
            return Response(status_code=204, headers={"cache-control": "max-age=86400"})
        if path.startswith("/assets/"):
            asset = asset_response(path.removeprefix("/assets/"), self.static_dir)
            if asset is not None:
                return asset
        return not_found(path)

    def _login(self, scope: Scope, headers: dict[bytes, bytes]) -> Response:
        """``/login?t=TOKEN``: a valid, unused token becomes a session cookie, then the page."""
        token = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("t", [None])[0]
        session = self.auth.redeem(token)
        if session is None:
            if self.auth.is_session(_cookie(headers, SESSION_COOKIE)):
                return RedirectResponse("/", status_code=303, headers={"cache-control": "no-store"})
            reason = ("This login link has no token." if not token else
                      "This login link is not valid: it was used already, has expired, or is from an "
                      "earlier run of the app host.")
            return not_logged_in(reason)
        response = RedirectResponse("/", status_code=303, headers={"cache-control": "no-store"})
        response.set_cookie(SESSION_COOKIE, session, path="/", httponly=True, samesite="strict")
        return response


def _lowered(headers: Iterable[tuple[bytes, bytes]]) -> Iterable[tuple[bytes, bytes]]:
    return ((k.lower(), v) for k, v in headers)


def _cookie(headers: dict[bytes, bytes], name: str) -> str | None:
    raw = headers.get(b"cookie")
    if not raw:
        return None
    cookies: SimpleCookie = SimpleCookie()
    try:
        cookies.load(raw.decode("latin-1"))
    except CookieError:  # a malformed Cookie header is no session, not a crash
        return None
    morsel = cookies.get(name)
    return morsel.value if morsel is not None else None
