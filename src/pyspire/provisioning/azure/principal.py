"""Who runs the app host, for templates that grant that identity a role (Aspire's run mode fills
``principalId``/``principalType`` with the current user, so a template can give the developer
data-plane access to what it creates, e.g. *Storage Blob Data Contributor*).

The identity is read from the claims of the ARM access token the credential already hands out
(``oid``; ``idtyp`` = ``app`` for a service principal): no Microsoft Graph call, no extra
permission. The token is not verified here — ARM verifies it on every request; pyspire only reads
which identity it names — and never logged."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

#: The template parameters filled with the identity when a template declares them and no value is given.
PRINCIPAL_ID = "principalId"
PRINCIPAL_TYPE = "principalType"
ARM_SCOPE = "https://management.azure.com/.default"


@dataclass(frozen=True)
class Principal:
    id: str
    type: str  # ARM's principalType: "User" or "ServicePrincipal"


def principal_of(token: str) -> Principal | None:
    """The identity a JWT access token names, or ``None`` when it is not a JWT with an ``oid``."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims: Any = json.loads(base64.urlsafe_b64decode(padded))
    except ValueError:
        return None
    if not isinstance(claims, dict) or not isinstance(claims.get("oid"), str):
        return None
    # ``idtyp`` when the token carries it; else delegated (user) tokens are the ones with scopes
    kind = {"user": "User", "app": "ServicePrincipal"}.get(str(claims.get("idtyp", "")))
    if kind is None:
        kind = "User" if "scp" in claims else "ServicePrincipal"
    return Principal(claims["oid"], kind)
