"""Who sent a batch: the OTLP resource's ``service.name`` / ``service.instance.id`` matched to
the app model's resources and their replicas.

Every replica pyspire starts gets ``OTEL_SERVICE_NAME=<resource>`` and its name suffix as
``service.instance.id``; the executor names the replica ``<resource>-<suffix>`` (executables in
``executor/replica_render.py``, containers in ``executor/container_launch.py``), so the replica's
name is formed the same way here. An instance id that is not a pyspire suffix (eight letters of
:data:`SUFFIX_ALPHABET`, random or stable) came from the sender's own configuration, and then no
replica is named rather than one that never existed. A ``service.name`` the model does not know
(a process pyspire does not run, pointed at the receiver) keeps its name as the resource, with
``known=False``.
"""

from __future__ import annotations

import re

from opentelemetry.proto.resource.v1.resource_pb2 import Resource as OtlpResource

from pyspire.model.builder import AppModel
from pyspire.model.names import SUFFIX_ALPHABET, SUFFIX_LENGTH
from pyspire.telemetry.otlp_attributes import AttributeLimits, convert_attributes
from pyspire.telemetry.records import Origin

_SUFFIX = re.compile(f"[{SUFFIX_ALPHABET}]{{{SUFFIX_LENGTH}}}")
#: What a sender without ``service.name`` is called (the SDKs' own default).
UNKNOWN_SERVICE = "unknown_service"


def replica_name(resource: str, instance_id: str) -> str:
    """The replica's name for a pyspire suffix, "" for any other (or no) instance id."""
    return f"{resource}-{instance_id}" if _SUFFIX.fullmatch(instance_id) else ""


#: Distinct senders remembered; past it the memory starts over (a sender is cheap to resolve again).
MAX_CACHED_ORIGINS = 1024


class OriginResolver:
    """Maps OTLP resources to :class:`Origin`; called from the decoding thread only.

    A replica sends the same resource with every batch, so its Origin is made once and shared by
    every record from it (one object, not one per batch, in the store)."""

    def __init__(self, model: AppModel, limits: AttributeLimits) -> None:
        self._names = frozenset(r.name for r in model.resources)
        self._limits = limits
        self._cache: dict[bytes, Origin] = {}

    def resolve(self, resource: OtlpResource) -> Origin:
        key = resource.SerializeToString(deterministic=True)
        origin = self._cache.get(key)
        if origin is None:
            if len(self._cache) >= MAX_CACHED_ORIGINS:
                self._cache.clear()
            origin = self._cache[key] = self._make(resource)
        return origin

    def _make(self, resource: OtlpResource) -> Origin:
        attributes, _ = convert_attributes(resource.attributes, self._limits)
        service_name = _text(attributes.get("service.name")) or UNKNOWN_SERVICE
        instance_id = _text(attributes.get("service.instance.id"))
        if service_name in self._names:
            return Origin(
                resource=service_name,
                replica=replica_name(service_name, instance_id),
                service_name=service_name,
                instance_id=instance_id,
                known=True,
                attributes=attributes,
            )
        return Origin(
            resource=service_name,
            replica="",
            service_name=service_name,
            instance_id=instance_id,
            known=False,
            attributes=attributes,
        )


def _text(value: object) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)
