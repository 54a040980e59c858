"""Every request to the control API carries the run's token, or gets 401.

The token is a random per-run secret, recorded only in the run file (mode 0600) and the kubeconfig
pyspire writes; clients send it as ``Authorization: Bearer <token>`` — which is also what kubectl
sends for a kubeconfig ``token``. It is compared in constant time (``hmac.compare_digest``) so its
bytes cannot be learnt from how long a rejection takes. A rejection is a Kubernetes ``Status``
object, so kubectl prints its usual "You must be logged in to the server (Unauthorized)".
"""

from __future__ import annotations

import hmac
import json
import secrets

from starlette.types import ASGIApp, Receive, Scope, Send

TOKEN_BYTES = 32


def new_token() -> str:
    """A fresh token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def _presented(scope: Scope) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key == b"authorization":
            scheme, _, credentials = value.partition(b" ")
            if scheme.lower() == b"bearer":
                return bytes(credentials).strip()
    return None


class TokenAuth:
    """ASGI middleware: pass a request on only when its bearer token matches."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan events carry no request
            await self.app(scope, receive, send)
            return
        presented = _presented(scope)
        if presented is not None and hmac.compare_digest(presented, self._token):
            await self.app(scope, receive, send)
            return
        reason = "no bearer token" if presented is None else "wrong token"
        body = json.dumps(
            {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "reason": "Unauthorized",
                "code": 401,
                "message": f"Unauthorized: {reason}; send 'Authorization: Bearer <token>' with the token "
                "from the app host's run file (.pyspire/runs/*.json) or use the pyspire CLI",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b'Bearer realm="pyspire"'),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
