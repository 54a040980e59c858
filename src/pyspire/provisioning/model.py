"""Cloud resources in ``apphost.py``: a :class:`CloudEnvironmentResource` per cloud environment
(account or subscription, region, group or stack prefix, each a value from configuration like a
parameter) and :class:`CloudResource` (a :class:`ResourceSpec` in an environment) whose outputs
are run-time outputs other resources reference.

A cloud package adds its builder methods in a few lines on top of :func:`add_cloud_environment`
and :meth:`CloudEnvironmentBuilder.add_cloud_resource`; the handlers of :mod:`.running` run them."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from pyspire.extensions import LifecycleBuilder, OutputReference
from pyspire.model import AppModelBuilder, ConfiguredValueResource, Resource
from pyspire.model.values import ValueProvider, render_value, to_value
from pyspire.provisioning.backend import Backend
from pyspire.provisioning.commands import add_environment_commands, add_resource_commands
from pyspire.provisioning.controller import DEFAULT_DRIFT_INTERVAL
from pyspire.provisioning.spec import OutputRef, ResourceSpec, Scope

#: Builds the environment's backend once its scope is known (at app start).
BackendFactory = Callable[[Scope], Backend]

#: Completes a configured scope before the controller is built (AWS: the account, from the cached
#: state or STS); it must not raise for a cloud that cannot answer (the deploys say why).
ScopeResolver = Callable[[Scope, Path], Awaitable[Scope]]

#: The scope fields an environment takes from configuration.
SCOPE_FIELDS = ("account", "region", "group")

#: The run-time output every cloud resource publishes once provisioned: the region it is deployed
#: in (its change-location override, else the environment's). A hyphen keeps it apart from
#: template outputs (CloudFormation output names are alphanumeric).
REGION_OUTPUT = "deployed-region"


def setting_of(value: str | ValueProvider) -> str:
    """What the user sets to supply ``value``: ``Parameters__aws-region`` for a parameter."""
    if isinstance(value, ConfiguredValueResource):
        return f"{value.config_section}__{value.name}"
    describe = getattr(value, "describe", None)
    return str(describe()) if callable(describe) else str(value)


def upper_snake(output: str) -> str:
    """A template's output name as a variable part: ``TopicArn`` → ``TOPIC_ARN``, ``blobEndpoint``
    → ``BLOB_ENDPOINT``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", output)).strip("_").upper()


def template_parameters(parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    """Builder-level parameters as a spec's: another resource's ``output_ref(...)`` becomes its
    :class:`OutputRef` (which makes that resource a prerequisite)."""
    return {k: v.ref if isinstance(v, OutputOf) else v for k, v in (parameters or {}).items()}


def env_key(output: str) -> str:
    """An output's name as the ``{NAME}_{KEY}`` part of a variable: ``bucket-arn`` → ``BUCKET_ARN``."""
    return re.sub(r"[^A-Za-z0-9]+", "_", output).strip("_").upper()


class OfResource:
    """A ``reference_env`` value that depends on the referenced resource, not only on its
    environment: :data:`RESOURCE_REGION` follows a change-location of that one resource."""

    def __init__(self, pick: Callable[[CloudResource], object]) -> None:
        self.pick = pick


class CloudEnvironmentResource(Resource):
    """One cloud environment: where its resources are deployed and through which backend.

    ``values`` maps scope fields (account, region, group) to literals or value providers
    (parameters); every field given as a provider is required: while one has no value the
    environment and its resources show ``Missing configuration: set …``, the rest of the app runs."""

    resource_type: ClassVar[str] = "CloudEnvironment"

    def __init__(
        self,
        name: str,
        backend_factory: BackendFactory,
        state_root: Path,
        values: Mapping[str, str | ValueProvider],
        drift_interval: float = DEFAULT_DRIFT_INTERVAL,
    ) -> None:
        super().__init__(name)
        self.backend_factory = backend_factory
        #: The app's folder: the state file is ``<state_root>/.pyspire/deployments/<name>.json``.
        self.state_root = state_root
        self.values = dict(values)
        self.drift_interval = drift_interval
        #: Fills in what configuration left open (see :data:`ScopeResolver`); ``None``: nothing.
        self.scope_resolver: ScopeResolver | None = None
        #: Variables every process referencing one of its resources gets (AWS: the SDK's region,
        #: an endpoint override), never a credential; an :class:`OfResource` value is picked per
        #: referenced resource.
        self.reference_env: dict[str, object] = {}
        #: The cloud resources of this environment, in declaration order.
        self.cloud_resources: list[CloudResource] = []
        #: The run's controller and its readiness, set by the environment's handler (see
        #: :mod:`.running`); the cloud resources' handlers and commands reach it here.
        self.runtime: Any = None


class CloudResource(Resource):
    """A cloud resource: its spec, its environment, and the outputs it declares.

    Referencing it (``with_reference(bucket)``) gives ``ConnectionStrings__<name>`` (the
    ``connection_output``) and ``<NAME>_<OUTPUT>`` for every declared output, secret ones masked."""

    resource_type: ClassVar[str] = "CloudResource"

    def __init__(
        self,
        spec: ResourceSpec,
        environment: CloudEnvironmentResource,
        outputs: Sequence[str],
        connection_output: str | None = None,
        output_env: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(spec.name)
        self.spec = spec
        self.environment = environment
        self.outputs = tuple(outputs)
        self.connection_output = connection_output or (self.outputs[0] if self.outputs else None)
        #: Output → the ``<KEY>`` of its ``<NAME>_<KEY>`` variable (``BucketArn`` → ``ARN``);
        #: an output not named here gets :func:`env_key` of its name.
        self.output_env = dict(output_env or {})

    def output(self, name: str) -> OutputReference:
        return OutputReference(self, name, name in self.spec.secret_outputs)

    @property
    def region(self) -> OutputReference:
        """The region this resource is deployed in, known once it is provisioned (follows
        change-location, which the environment's configured region does not)."""
        return RegionOutput(self, REGION_OUTPUT)

    @property
    def connection_string(self) -> ValueProvider | None:
        return None if self.connection_output is None else self.output(self.connection_output)

    @property
    def connection_properties(self) -> Mapping[str, ValueProvider | str] | None:
        return {self.output_env.get(o) or env_key(o): self.output(o) for o in self.outputs}

    def referenced_by(self, consumer: Any) -> None:
        """A referencing process also gets its environment's ``reference_env``."""
        for name, value in self.environment.reference_env.items():
            consumer.with_env(name, value.pick(self) if isinstance(value, OfResource) else value)


@dataclass(frozen=True, eq=False)
class RegionOutput(OutputReference):
    """A cloud resource's :data:`REGION_OUTPUT`. Run mode waits for it like any output; a
    published app renders the environment's configured region instead, since change-location
    exists only while running (and an output would be one more input to fill in)."""

    def render(self, ctx: Any) -> Any:
        resource = self.resource
        assert isinstance(resource, CloudResource)
        return render_value(resource.environment.values["region"], ctx)


class CloudEnvironmentBuilder(LifecycleBuilder[CloudEnvironmentResource]):
    """What ``add_cloud_environment`` returns; a cloud package's ``env.add_s3_bucket(...)`` calls
    :meth:`add_cloud_resource`."""

    def __init__(self, app: AppModelBuilder, resource: CloudEnvironmentResource) -> None:
        super().__init__(app, resource)
        self.model = app

    def add_cloud_resource(
        self,
        name: str,
        kind: str,
        template: Mapping[str, Any],
        *,
        parameters: Mapping[str, Any] | None = None,
        outputs: Sequence[str] = (),
        secret_outputs: Sequence[str] = (),
        connection_output: str | None = None,
        depends_on: Sequence[str] = (),
        output_env: Mapping[str, str] | None = None,
    ) -> CloudResourceBuilder:
        """A resource of this environment; a parameter may be another's ``builder.output_ref(...)``."""
        params = template_parameters(parameters)
        spec = ResourceSpec(
            name, kind, dict(template), params, tuple(depends_on), frozenset(secret_outputs)
        )
        return self.add_spec(spec, outputs, connection_output, output_env)

    def add_spec(
        self,
        spec: ResourceSpec,
        outputs: Sequence[str],
        connection_output: str | None = None,
        output_env: Mapping[str, str] | None = None,
    ) -> CloudResourceBuilder:
        """A resource of this environment from a ready spec (a cloud package's spec builders)."""
        resource = CloudResource(spec, self.resource, outputs, connection_output, output_env)
        self.resource.cloud_resources.append(resource)
        cloud = CloudResourceBuilder(self.model, resource)
        self.model.add_resource(cloud)
        cloud.with_parent(self)
        add_resource_commands(cloud)
        return cloud

    def add_typed(self, spec: ResourceSpec, env: Mapping[str, str], declared: Mapping[str, Any]) -> CloudResourceBuilder:
        """A resource whose variables are ``env`` (output → ``<KEY>``), in that order, limited to the
        outputs its template ``declared``; the first is the connection string."""
        outputs = [o for o in env if o in declared]
        return self.add_spec(spec, outputs, outputs[0] if outputs else None, env)

    def add_template(self, spec: ResourceSpec, declared: Mapping[str, Any]) -> CloudResourceBuilder:
        """A generic template's resource: every output it ``declared`` is ``<NAME>_<UPPER_SNAKE>``
        (``TopicArn`` → ``TOPIC_ARN``); the first is the connection string."""
        return self.add_typed(spec, {o: upper_snake(o) for o in declared}, declared)


class OutputOf:
    """A cloud resource's output as a parameter of another cloud resource (makes it a prerequisite)."""

    def __init__(self, resource: str, output: str) -> None:
        self.ref = OutputRef(resource, output)


class CloudResourceBuilder(LifecycleBuilder[CloudResource]):
    """What ``add_cloud_resource`` returns: its outputs as values (``bucket.output("arn")``) or as
    template parameters of another cloud resource (``bucket.output_ref("arn")``)."""

    def output_ref(self, name: str) -> OutputOf:
        return OutputOf(self.resource.name, name)


#: ``reference_env`` value: the referenced resource's own region (see :data:`REGION_OUTPUT`).
RESOURCE_REGION = OfResource(lambda resource: resource.region)

EB = TypeVar("EB", bound=CloudEnvironmentBuilder)


def add_cloud_environment(
    builder: AppModelBuilder,
    name: str,
    backend_factory: BackendFactory,
    *,
    account: object = "",
    region: object = "",
    group: object = "",
    drift_interval: float = DEFAULT_DRIFT_INTERVAL,
    builder_class: type[EB] = CloudEnvironmentBuilder,  # type: ignore[assignment]
) -> EB:
    """A cloud environment whose account/region/group are literals or parameters (builders or
    resources); a cloud package wraps this as ``add_aws_environment(...)``, passing its own
    ``builder_class`` (a :class:`CloudEnvironmentBuilder` with ``add_s3_bucket``…)."""
    values: dict[str, str | ValueProvider] = {}
    for field, given in (("account", account), ("region", region), ("group", group)):
        value = to_value(given)
        values[field] = value if value is not None else str(given)
    resource = CloudEnvironmentResource(name, backend_factory, builder.app_dir, values, drift_interval)
    env = builder_class(builder, resource)
    builder.add_resource(env)
    add_environment_commands(env)
    return env
