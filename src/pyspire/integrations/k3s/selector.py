"""A Service's pod selector, refused when it is empty.

A Service without a selector (or with an empty one) selects no pods in Kubernetes; the toolkit
integration turned it into "list every pod" and sent traffic to an unrelated workload. Here an
empty selector is an error that names the Service and says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pyspire.errors import PermanentError


class ServiceSelectorError(PermanentError, ValueError):
    """The Service cannot be forwarded to: it selects no pods by label."""


def service_selector(service: Mapping[str, Any]) -> dict[str, str]:
    """The label selector of a Service object (as the API returns it), never empty."""
    metadata = service.get("metadata") or {}
    ref = f"{metadata.get('namespace', 'default')}/{metadata.get('name', '?')}"
    selector = (service.get("spec") or {}).get("selector") or {}
    if not selector:
        raise ServiceSelectorError(
            f"Service {ref} has no selector, so it selects no pods to forward to. "
            "Give the Service a spec.selector matching the pods' labels "
            "(a Service without a selector is backed by hand-made Endpoints, which port-forward "
            "cannot reach)."
        )
    return {str(k): str(v) for k, v in selector.items()}


def label_selector_string(selector: Mapping[str, str]) -> str:
    """The `labelSelector` query value for a pod list: `k1=v1,k2=v2`, in a stable order."""
    if not selector:
        raise ServiceSelectorError("an empty label selector would select every pod")
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))
