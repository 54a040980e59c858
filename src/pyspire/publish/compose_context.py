"""The :class:`~pyspire.model.RenderContext` of the Compose target: what each value becomes in
``compose.yaml``.

- an endpoint of a service → its in-network address: ``http://<service>:<port>`` (Compose's DNS
  resolves the service name, and spreads connections over its replicas);
- an endpoint of something the deployment does not run (an external dependency) →
  ``${<RESOURCE>_<ENDPOINT>_<PART>}``, an input of ``.env``;
- a parameter or connection string → ``${<NAME>}`` read from ``.env``;
- a run-time output (a cloud resource's ARN) → ``${<RESOURCE>_<OUTPUT>}`` read from ``.env``;
- literal text → itself with ``$`` doubled (Compose would interpolate it otherwise).
"""

from __future__ import annotations

from pyspire.extensions import PUBLISH, ExecutionContext, OutputReference, RenderError
from pyspire.model.endpoints import EndpointProperty, EndpointReference
from pyspire.model.names import env_name_part
from pyspire.model.resource import Resource
from pyspire.model.resources import ConfiguredValueResource, ParameterResource
from pyspire.publish.inputs import DeploymentInputs, Input
from pyspire.publish.plan import PublishPlan


def compose_literal(text: str) -> str:
    """``text`` as Compose reads it back unchanged: ``$`` doubled."""
    return text.replace("$", "$$")


class ComposeRenderContext:
    """Renders the values of one consumer's env and args for ``compose.yaml``."""

    def __init__(self, consumer: Resource, plan: PublishPlan, inputs: DeploymentInputs) -> None:
        self._consumer = consumer
        self._plan = plan
        self._inputs = inputs

    @property
    def consumer(self) -> Resource:
        return self._consumer

    @property
    def execution(self) -> ExecutionContext:
        return PUBLISH

    def literal(self, text: str) -> str:
        return compose_literal(text)

    def endpoint_part(self, ref: EndpointReference, prop: EndpointProperty) -> str:
        target = ref.resource
        entry = self._plan.entry(target)
        if not entry.is_service:
            return self._external_endpoint(ref, prop)
        endpoint = next((e for e in target.endpoints if e.name == ref.endpoint_name), None)
        if endpoint is None:
            raise RenderError(
                f"resource '{self._consumer.name}': {target.name} has no endpoint '{ref.endpoint_name}'; "
                f"reference one of its endpoints ({', '.join(e.name for e in target.endpoints) or 'it has none'})"
            )
        port = str(entry.ports[endpoint.name])
        if prop == "host":
            return target.name
        if prop in ("port", "target_port"):
            return port
        if prop == "scheme":
            return compose_literal(endpoint.scheme)
        return f"{compose_literal(endpoint.scheme)}://{target.name}:{port}"

    def _external_endpoint(self, ref: EndpointReference, prop: EndpointProperty) -> str:
        name = f"{env_name_part(ref.resource.name)}_{env_name_part(ref.endpoint_name)}_{prop.upper()}"
        what = f"the {prop} of endpoint {ref.resource.name}/{ref.endpoint_name} (not deployed here)"
        return self._inputs.add(Input(name, what, f"{ref.resource.name}/{ref.endpoint_name}/{prop}"), self._consumer.name)

    def configured_value(self, resource: Resource) -> str:
        return self._inputs.add(configured_input(resource), self._consumer.name)

    def output(self, ref: OutputReference) -> str:
        name = f"{env_name_part(ref.resource.name)}_{env_name_part(ref.name)}"
        what = f"output '{ref.name}' of {ref.resource.name}"
        return self._inputs.add(Input(name, what, f"{ref.resource.name}/{ref.name}", ref.secret), self._consumer.name)


def configured_input(resource: Resource) -> Input:
    """The ``.env`` variable of a parameter or connection string: its default when it has one and
    is not secret, never a value from this machine's configuration."""
    if isinstance(resource, ParameterResource):
        kind = "parameter"
    elif isinstance(resource, ConfiguredValueResource):
        kind = "connection string"
    else:
        kind = resource.resource_type.lower()
    secret = isinstance(resource, ConfiguredValueResource) and resource.secret
    default = resource.default_value if isinstance(resource, ConfiguredValueResource) and not secret else None
    note = None
    if isinstance(resource, ParameterResource) and resource.generate is not None and default is None:
        note = "pyspire run generates it; choose one for the deployment"
    return Input(env_name_part(resource.name), f"{kind} {resource.name}", resource.name, secret, default, note)
