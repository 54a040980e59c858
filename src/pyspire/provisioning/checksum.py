"""The checksum that decides whether a cached deployment can be reused: over the canonical JSON of
the template, the resolved parameters and the scope, leaving out the per-user parameters (a
teammate's principal id must not redeploy everything)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pyspire.provisioning.spec import ResourceSpec, Scope


def canonical_json(value: Any) -> str:
    """Sorted keys, no whitespace, UTF-8 as is: equal values give equal text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def deployment_checksum(spec: ResourceSpec, parameters: Mapping[str, Any], scope: Scope) -> str:
    """``sha256:<hex>`` of what a deployment of ``spec`` with these resolved ``parameters`` sends."""
    kept = {k: v for k, v in parameters.items() if k not in spec.per_user_parameters}
    body = canonical_json({"kind": spec.kind, "template": spec.template, "parameters": kept, "scope": scope.as_dict()})
    return "sha256:" + hashlib.sha256(body.encode()).hexdigest()
