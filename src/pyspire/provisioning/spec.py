"""What the controller provisions: a cloud resource's template and parameters, the environment
(scope) it lives in, and references from one resource's parameters to another's outputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

#: Parameters that name the developer running the app host (Aspire's ``KnownParameters``): they
#: differ per user, so they are left out of the checksum and do not force a redeploy.
PER_USER_PARAMETERS: frozenset[str] = frozenset({"principalId", "principalName", "principalType", "userPrincipalId"})


@dataclass(frozen=True)
class OutputRef:
    """A parameter value taken from another resource's output once that resource is provisioned:
    it also makes that resource a prerequisite."""

    resource: str
    output: str


@dataclass(frozen=True)
class Scope:
    """Where resources are deployed: the cloud environment's identity. ``region`` is the default a
    resource's location override replaces."""

    environment: str
    account: str = ""
    region: str = ""
    group: str = ""
    extra: Mapping[str, str] = field(default_factory=dict)

    def with_region(self, region: str | None) -> Scope:
        return self if not region else replace(self, region=region)

    def as_dict(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "account": self.account,
            "region": self.region,
            "group": self.group,
            "extra": dict(sorted(self.extra.items())),
        }

    @staticmethod
    def from_dict(data: Mapping[str, Any]) -> Scope:
        return Scope(
            environment=str(data["environment"]),
            account=str(data.get("account", "")),
            region=str(data.get("region", "")),
            group=str(data.get("group", "")),
            extra={str(k): str(v) for k, v in dict(data.get("extra", {})).items()},
        )


@dataclass(frozen=True)
class ResourceSpec:
    """One cloud resource: its kind (``aws:s3-bucket``, ``azure:arm``), its template, and its
    parameters, whose values may be :class:`OutputRef`. ``depends_on`` adds prerequisites that no
    parameter names."""

    name: str
    kind: str
    template: Mapping[str, Any]
    parameters: Mapping[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    secret_outputs: frozenset[str] = frozenset()
    per_user_parameters: frozenset[str] = PER_USER_PARAMETERS

    def prerequisites(self) -> tuple[str, ...]:
        """Every resource this one waits for, in declaration order, without repeats."""
        names = list(self.depends_on) + [v.resource for v in self.parameters.values() if isinstance(v, OutputRef)]
        return tuple(dict.fromkeys(n for n in names if n != self.name))

    def resolved(self, outputs: Mapping[str, Mapping[str, str]]) -> ResourceSpec:
        """This spec with every :class:`OutputRef` replaced by the named output's value."""
        params = {
            k: outputs[v.resource][v.output] if isinstance(v, OutputRef) else v for k, v in self.parameters.items()
        }
        return replace(self, parameters=params)


@dataclass(frozen=True)
class Outputs:
    """What a deployment produced: names, URLs, ARNs. ``secrets`` name values to mask on display."""

    values: Mapping[str, str]
    secrets: frozenset[str] = frozenset()

    def masked(self) -> dict[str, str]:
        """The values as logs and the dashboard may show them."""
        return {k: "***" if k in self.secrets else v for k, v in self.values.items()}
