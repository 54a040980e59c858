"""Whether a resource's replicas are told to export OpenTelemetry to the app host, and how.

Every runnable resource gets the OTLP exporter variables by default (the app host's receiver,
the run's API key, short batch delays), as in Aspire: an app instrumented with an OpenTelemetry
SDK then shows up in the telemetry views without any setting. ``with_otlp_exporter(False)`` opts a
resource out (an app that exports elsewhere, or a tool that chokes on the variables);
``protocol=`` picks the wire format its SDK speaks. The default protocol is the resource class's
(:attr:`RunnableResource.default_otlp_protocol`: gRPC, or HTTP/protobuf for the Node integration's
apps, whose SDK setups rarely bundle gRPC). Pure data: the telemetry service reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, get_args

from pyspire.model.annotation import Annotation
from pyspire.model.errors import ModelProblem
from pyspire.model.resource import Resource

OtlpProtocol = Literal["grpc", "http/protobuf"]
#: The OTLP protocols the app host's receiver accepts (OTLP/HTTP JSON too, but no SDK defaults to it).
OTLP_PROTOCOLS: tuple[OtlpProtocol, ...] = get_args(OtlpProtocol)
DEFAULT_OTLP_PROTOCOL: OtlpProtocol = "grpc"


@dataclass(frozen=True)
class OtlpExporterAnnotation(Annotation):
    """``with_otlp_exporter(enabled, protocol=...)``; ``protocol`` None keeps the one before."""

    enabled: bool = True
    protocol: str | None = None


@dataclass(frozen=True)
class OtlpExporter:
    """What a resource's replicas get: the exporter variables or none, and in which protocol."""

    enabled: bool
    protocol: OtlpProtocol


def otlp_exporter_of(resource: Resource) -> OtlpExporter:
    """The resource's exporter setting: the last call's ``enabled``, the last protocol given (else
    the resource class's default). Validation has refused a protocol that is not one of
    :data:`OTLP_PROTOCOLS`."""
    found = resource.annotations_of(OtlpExporterAnnotation)
    enabled = found[-1].enabled if found else True
    protocol: OtlpProtocol = getattr(resource, "default_otlp_protocol", DEFAULT_OTLP_PROTOCOL)
    for annotation in found:
        if annotation.protocol in OTLP_PROTOCOLS:
            protocol = annotation.protocol
    return OtlpExporter(enabled, protocol)


def otlp_exporter_problems(resource: Resource) -> Iterator[ModelProblem]:
    for annotation in resource.annotations_of(OtlpExporterAnnotation):
        if annotation.protocol is not None and annotation.protocol not in OTLP_PROTOCOLS:
            choices = " or ".join(repr(p) for p in OTLP_PROTOCOLS)
            yield ModelProblem(
                resource.name,
                "with_otlp_exporter protocol",
                f"{annotation.protocol!r} is not an OTLP protocol the app host receives; use {choices}, "
                "e.g. with_otlp_exporter(protocol='http/protobuf')",
                resource.origin_of(annotation),
            )
