"""Builders shared by every resource kind, and the part process and container builders share.

Every method only records annotations on its resource and returns the builder, so a whole app can
be described in one expression per resource. Nothing starts and nothing is checked for I/O here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Literal, Self, TypeVar, overload

from pyspire.model.annotations import (
    ArgsAnnotation,
    ArgsCallback,
    ArgsCallbackAnnotation,
    EnvironmentAnnotation,
    EnvironmentCallback,
    EnvironmentCallbackAnnotation,
    LogBufferAnnotation,
    ReferenceAnnotation,
    StopGracePeriodAnnotation,
)
from pyspire.model.endpoints import EndpointAnnotation, EndpointReference
from pyspire.model.lifecycle import (
    CommandAnnotation,
    CommandState,
    ExplicitStartAnnotation,
    HealthCheckAnnotation,
    HealthIntervalAnnotation,
    RestartPolicy,
    RestartPolicyAnnotation,
    WaitAnnotation,
    WaitBehavior,
)
from pyspire.model.resources import Resource, RunnableResource
from pyspire.model.values import ValueProvider, as_value

if TYPE_CHECKING:
    from pyspire.model.builder import AppModelBuilder

R = TypeVar("R", bound=Resource)
RR = TypeVar("RR", bound=RunnableResource)


class ResourceBuilder(Generic[R]):
    """Records annotations on one resource. Every ``with_*`` method returns the builder."""

    def __init__(self, app: AppModelBuilder, resource: R) -> None:
        self.app = app
        self.resource = resource

    @property
    def name(self) -> str:
        return self.resource.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.resource.name!r})"


def _target_resource(target: object, what: str) -> tuple[Resource, str | None]:
    """Accept a builder, a resource or an endpoint reference as a ``with_reference`` target."""
    if isinstance(target, ResourceBuilder):
        return target.resource, None
    if isinstance(target, Resource):
        return target, None
    if isinstance(target, EndpointReference):
        return target.resource, target.endpoint_name
    raise TypeError(
        f"{what}: expected a resource builder or an endpoint reference, got {type(target).__name__}"
    )


class RunnableBuilder(ResourceBuilder[RR]):
    """What process and container builders share: environment, arguments, endpoints,
    references, waits, health checks, commands, restart policy."""

    # -- environment and arguments -------------------------------------------------------------

    @overload
    def with_env(self, name: str, value: object) -> Self: ...

    @overload
    def with_env(self, name: EnvironmentCallback) -> Self: ...

    def with_env(self, name: str | EnvironmentCallback, value: object = None) -> Self:
        """Set an environment variable, or register a callback that sets several.

        ``value`` is a string, a number, a parameter, a connection string, an endpoint reference or
        part, or a ``ReferenceExpression``. The callback form receives an
        ``EnvironmentCallbackContext`` whose ``env`` dict it fills; it may be async.
        """
        if callable(name) and not isinstance(name, str):
            if value is not None:
                raise TypeError(f"resource '{self.name}': with_env(callback) takes no value")
            self.resource.annotations.append(EnvironmentCallbackAnnotation(name))
            return self
        if not isinstance(name, str) or not name:
            raise TypeError(f"resource '{self.name}': with_env needs a variable name or a callback")
        if value is None:
            raise TypeError(f"resource '{self.name}': with_env({name!r}) needs a value")
        self.resource.annotations.append(
            EnvironmentAnnotation(name, as_value(value, what=f"resource '{self.name}' with_env({name!r})"))
        )
        return self

    def with_args(self, *args: object) -> Self:
        """Append command-line arguments (same value kinds as ``with_env``), or pass one callback
        receiving an ``ArgsCallbackContext`` whose ``args`` list it extends; it may be async."""
        if len(args) == 1 and callable(args[0]) and not isinstance(args[0], ValueProvider | str):
            callback: ArgsCallback = args[0]
            self.resource.annotations.append(ArgsCallbackAnnotation(callback))
            return self
        values = tuple(as_value(a, what=f"resource '{self.name}' with_args") for a in args)
        self.resource.annotations.append(ArgsAnnotation(values))
        return self

    # -- endpoints -----------------------------------------------------------------------------

    def with_endpoint(
        self,
        name: str,
        port: int | None = None,
        target_port: int | None = None,
        scheme: str = "tcp",
        protocol: Literal["tcp", "udp"] = "tcp",
        env: str | None = None,
        proxied: bool = True,
        target_host: str = "localhost",
    ) -> Self:
        """Declare an endpoint. Proxied (the default): clients connect to the proxy on ``port``
        (random when ``None``) and the process listens on ``target_port`` (allocated when
        ``None``). Proxyless: the process listens on ``port`` itself. ``env`` names a variable
        that receives the port the process must listen on."""
        self.resource.annotations.append(
            EndpointAnnotation(
                name=name,
                scheme=scheme,
                protocol=protocol,
                port=port,
                target_port=target_port,
                env=env,
                proxied=proxied,
                target_host=target_host,
            )
        )
        return self

    def with_http_endpoint(
        self,
        port: int | None = None,
        target_port: int | None = None,
        name: str | None = None,
        env: str | None = None,
        proxied: bool = True,
    ) -> Self:
        """An HTTP endpoint, named ``http`` unless ``name`` is given."""
        return self.with_endpoint(
            name or "http", port=port, target_port=target_port, scheme="http", env=env, proxied=proxied
        )

    def with_https_endpoint(
        self,
        port: int | None = None,
        target_port: int | None = None,
        name: str | None = None,
        env: str | None = None,
        proxied: bool = True,
    ) -> Self:
        """An HTTPS endpoint, named ``https`` unless ``name`` is given (the process terminates TLS)."""
        return self.with_endpoint(
            name or "https", port=port, target_port=target_port, scheme="https", env=env, proxied=proxied
        )

    def get_endpoint(self, name: str) -> EndpointReference:
        """A reference to endpoint ``name``; its ``url``, ``host``, ``port``, ``target_port`` and
        ``scheme`` are value providers."""
        return EndpointReference(self.resource, name)

    # -- relationships and scale ---------------------------------------------------------------

    def with_reference(self, resource: object, connection_name: str | None = None) -> Self:
        """Give this resource what it needs to reach ``resource``: ``services__…``/``NAME_ENDPOINT``
        variables for endpoints, ``ConnectionStrings__…`` for connection strings."""
        target, endpoint_name = _target_resource(resource, f"resource '{self.name}' with_reference")
        self.resource.annotations.append(ReferenceAnnotation(target, connection_name, endpoint_name))
        return self

    def with_stop_grace_period(self, seconds: float) -> Self:
        """Seconds between SIGTERM and SIGKILL when stopping (default 10)."""
        self.resource.annotations.append(StopGracePeriodAnnotation(float(seconds)))
        return self

    def with_log_buffer(self, lines: int) -> Self:
        """Keep the last ``lines`` output lines of this resource (default: the app's setting)."""
        self.resource.annotations.append(LogBufferAnnotation(lines))
        return self

    # -- lifecycle -----------------------------------------------------------------------------

    def wait_for(self, resource: object, behavior: WaitBehavior = "stop_on_unavailable") -> Self:
        """Start only once ``resource`` is Running and Healthy. With ``stop_on_unavailable`` (the
        default) this resource fails if ``resource`` ends (Exited, Finished, FailedToStart)
        while waited on; ``wait_on_unavailable`` keeps waiting instead."""
        target, _ = _target_resource(resource, f"resource '{self.name}' wait_for")
        self.resource.annotations.append(WaitAnnotation(target, "healthy", behavior))
        return self

    def wait_for_start(self, resource: object) -> Self:
        """Start once ``resource`` is Running (healthy or not)."""
        target, _ = _target_resource(resource, f"resource '{self.name}' wait_for_start")
        self.resource.annotations.append(WaitAnnotation(target, "start"))
        return self

    def wait_for_completion(self, resource: object, exit_code: int = 0) -> Self:
        """Start once ``resource`` has finished with ``exit_code`` (migrations, seeders, builds);
        fail if it ends with another code."""
        target, _ = _target_resource(resource, f"resource '{self.name}' wait_for_completion")
        self.resource.annotations.append(WaitAnnotation(target, "completion", exit_code=exit_code))
        return self

    def with_explicit_start(self) -> Self:
        """Stay NotStarted until started by command."""
        self.resource.annotations.append(ExplicitStartAnnotation())
        return self

    def with_http_health_check(
        self, path: str = "/", status_code: int = 200, endpoint_name: str | None = None
    ) -> Self:
        """Healthy while GET ``path`` on the endpoint (default: the first http/https one) answers
        ``status_code``. Each replica is checked directly on its own port."""
        name = f"http{path}" if endpoint_name is None else f"{endpoint_name}{path}"
        self.resource.annotations.append(
            HealthCheckAnnotation(
                name, "http", endpoint_name=endpoint_name, path=path, status_code=status_code
            )
        )
        return self

    def with_tcp_health_check(self, endpoint_name: str | None = None) -> Self:
        """Healthy while a TCP connection to the endpoint (default: the first) opens."""
        self.resource.annotations.append(
            HealthCheckAnnotation(f"tcp-{endpoint_name or 'default'}", "tcp", endpoint_name=endpoint_name)
        )
        return self

    def with_ready_log_line(self, pattern: str) -> Self:
        """Healthy once a line of output matches the regex ``pattern`` (process-compose's
        ``ready_log_line``): for programs that print "ready" before they answer anything."""
        self.resource.annotations.append(HealthCheckAnnotation(f"log:{pattern}", "log", pattern=pattern))
        return self

    def with_health_check(self, check: Callable[[], Awaitable[Any]], name: str | None = None) -> Self:
        """A custom async check: healthy when it returns ``True``/``None``, unhealthy when it
        returns ``False`` or a string (the description) or raises (the error)."""
        check_name = name or str(getattr(check, "__name__", "custom"))
        self.resource.annotations.append(HealthCheckAnnotation(check_name, "custom", check=check))
        return self

    def with_health_check_interval(self, healthy: float = 5.0, unhealthy: float = 0.1) -> Self:
        """Seconds between checks while healthy / while not yet (or no longer) healthy."""
        self.resource.annotations.append(HealthIntervalAnnotation(healthy, unhealthy))
        return self

    def with_command(
        self,
        name: str,
        display_name: str,
        callback: Callable[[Any], Any],
        description: str | None = None,
        confirmation_message: str | None = None,
        enabled_when: Callable[[Any], CommandState | bool] | None = None,
        icon: str | None = None,
    ) -> Self:
        """Add a custom command, run by name from the CLI, the dashboard or the testing harness."""
        self.resource.annotations.append(
            CommandAnnotation(
                name, display_name, callback, description, confirmation_message, enabled_when, icon
            )
        )
        return self

    def with_restart_policy(
        self,
        policy: RestartPolicy,
        initial_backoff: float = 1.0,
        max_backoff: float = 30.0,
        max_restarts: int | None = None,
    ) -> Self:
        """Restart replicas that exit by themselves: ``never`` (default), ``on_failure`` or
        ``always``, with exponential backoff. A crash-looping resource never slows the others."""
        self.resource.annotations.append(
            RestartPolicyAnnotation(policy, initial_backoff, max_backoff, max_restarts)
        )
        return self
