"""What process and container builders share: environment, arguments, endpoints, references.

Every method only records annotations on its resource (or a problem, for an argument of the wrong
kind) and returns the builder, so a whole app can be described in one expression per resource.
Nothing starts and nothing is checked for I/O here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self, TypeVar, overload

from pyspire.model.annotations import (
    ArgsAnnotation,
    ArgsCallback,
    ArgsCallbackAnnotation,
    ConnectionStringAnnotation,
    EnvFileAnnotation,
    EnvironmentAnnotation,
    EnvironmentCallback,
    EnvironmentCallbackAnnotation,
    LogBufferAnnotation,
    ReferenceAnnotation,
    StopSignalAnnotation,
)
from pyspire.model.arguments import Arg, shown
from pyspire.model.endpoints import EndpointAnnotation, EndpointReference
from pyspire.model.lifecycle_builder import LifecycleBuilder
from pyspire.model.otlp_exporter import OtlpExporterAnnotation, OtlpProtocol
from pyspire.model.resources import RunnableResource
from pyspire.model.values import VALUE_KINDS, ValueProvider, expr, to_value

RR = TypeVar("RR", bound=RunnableResource)


class RunnableBuilder(LifecycleBuilder[RR]):
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
                return self._reject("with_env(callback)", "takes no value; set ctx.env[...] in the callback")
            return self._record(EnvironmentCallbackAnnotation(name))
        if not isinstance(name, str):
            return self._reject(
                "with_env",
                f"{shown(name)} is not a variable name; pass a name and a value, e.g. "
                "with_env('PORT', '8080'), or a callback",
            )
        normalised = to_value(value)
        if normalised is None:
            given = "no value (None)" if value is None else f"{shown(value)} is not a value"
            return self._reject(f"with_env({name!r})", f"{given}; {VALUE_KINDS}")
        return self._record(EnvironmentAnnotation(name, normalised))

    def with_args(self, *args: object) -> Self:
        """Append command-line arguments (same value kinds as ``with_env``), or pass one callback
        receiving an ``ArgsCallbackContext`` whose ``args`` list it extends; it may be async."""
        if len(args) == 1 and callable(args[0]) and not isinstance(args[0], ValueProvider | str):
            callback: ArgsCallback = args[0]
            return self._record(ArgsCallbackAnnotation(callback))
        return self._args("with_args", args)

    def _args(self, method: str, args: tuple[object, ...]) -> Self:
        values = [to_value(a) for a in args]
        bad = [(i, a) for i, (a, v) in enumerate(zip(args, values, strict=True)) if v is None]
        for index, arg in bad:
            self._reject(method, f"command-line argument {index + 1}, {shown(arg)}, is not a value; {VALUE_KINDS}")
        if bad:
            return self
        return self._record(ArgsAnnotation(tuple(v for v in values if v is not None)))

    def with_env_file(self, path: str | Path, secret: bool = False) -> Self:
        """Read variables from the dotenv file ``path`` (relative to the app host) each time the
        resource starts; ``with_env`` and references win over what it sets. ``secret=True``:
        every value in it is masked in snapshots and kept out of all output."""
        if self._rejects(
            "with_env_file",
            Arg("", path, "path", "with_env_file('.env.api')"),
            Arg("secret", secret, "flag", "with_env_file('.env.secrets', secret=True)"),
        ):
            return self
        return self._record(EnvFileAnnotation(self.app.resolve_path(path), secret))

    def with_stop_signal(self, signal: str) -> Self:
        """Ask the resource to stop with ``signal`` (a name such as ``"SIGINT"``; default
        SIGTERM); SIGKILL follows once the stop grace period is over."""
        if self._rejects("with_stop_signal", Arg("", signal, "text", "with_stop_signal('SIGINT')")):
            return self
        return self._record(StopSignalAnnotation(signal))

    def with_otlp_exporter(self, enabled: bool = True, *, protocol: OtlpProtocol | None = None) -> Self:
        """Whether the replicas get the OpenTelemetry exporter variables (on by default:
        ``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at the app host's receiver, its API key, short
        batch delays); ``False`` gives none. ``protocol``: "grpc" (the default) or "http/protobuf"
        (the Node integration's default), whichever the app's SDK exporter speaks."""
        if self._rejects(
            "with_otlp_exporter",
            Arg("", enabled, "flag", "with_otlp_exporter(False)"),
            Arg("protocol", protocol, "text", "with_otlp_exporter(protocol='http/protobuf')", optional=True),
        ):
            return self
        return self._record(OtlpExporterAnnotation(enabled, protocol))

    def with_log_buffer(self, lines: int) -> Self:
        """Keep the last ``lines`` output lines of this resource (default: the app's setting)."""
        if self._rejects("with_log_buffer", Arg("", lines, "whole number", "with_log_buffer(5000)")):
            return self
        return self._record(LogBufferAnnotation(lines))

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
        return self._endpoint("with_endpoint", name, port, target_port, scheme, protocol, env, proxied, target_host)

    def with_http_endpoint(
        self,
        port: int | None = None,
        target_port: int | None = None,
        name: str | None = None,
        env: str | None = None,
        proxied: bool = True,
    ) -> Self:
        """An HTTP endpoint, named ``http`` unless ``name`` is given."""
        return self._endpoint("with_http_endpoint", name or "http", port, target_port, "http", "tcp", env, proxied)

    def with_https_endpoint(
        self,
        port: int | None = None,
        target_port: int | None = None,
        name: str | None = None,
        env: str | None = None,
        proxied: bool = True,
    ) -> Self:
        """An HTTPS endpoint, named ``https`` unless ``name`` is given (the process terminates TLS)."""
        return self._endpoint(
            "with_https_endpoint", name or "https", port, target_port, "https", "tcp", env, proxied
        )

    def _endpoint(
        self,
        method: str,
        name: str,
        port: int | None,
        target_port: int | None,
        scheme: str,
        protocol: Literal["tcp", "udp"],
        env: str | None,
        proxied: bool,
        target_host: str = "localhost",
    ) -> Self:
        # The hints say what a caller should pass; nothing enforces them, hence the checks.
        if self._rejects(
            method,
            Arg("name", name, "text", "name='http'"),
            Arg("port", port, "whole number", "port=8080", optional=True),
            Arg("target_port", target_port, "whole number", "target_port=8080", optional=True),
            Arg("scheme", scheme, "text", "scheme='http'"),
            Arg("protocol", protocol, "text", "protocol='udp'"),
            Arg("env", env, "text", "env='PORT'", optional=True),
            Arg("proxied", proxied, "flag", "proxied=False"),
            Arg("target_host", target_host, "text", "target_host='*'"),
        ):
            return self
        return self._record(
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

    def get_endpoint(self, name: str) -> EndpointReference:
        """A reference to endpoint ``name``; its ``url``, ``host``, ``port``, ``target_port`` and
        ``scheme`` are value providers."""
        return EndpointReference(self.resource, name)

    def with_connection_string(self, value: object) -> Self:
        """What a resource referencing this one receives as ``ConnectionStrings__{name}``
        (and ``{NAME}_HOST``…): usually an expression of this resource's endpoints, e.g.
        ``with_connection_string(expr("redis://", ep.host, ":", ep.port))``."""
        normalised = to_value(value)
        if normalised is None:
            return self._reject("with_connection_string", f"{shown(value)} is not a value; {VALUE_KINDS}")
        provider = expr(normalised) if isinstance(normalised, str) else normalised
        return self._record(ConnectionStringAnnotation(provider))

    # -- relationships -------------------------------------------------------------------------

    def with_reference(self, resource: object, connection_name: str | None = None) -> Self:
        """Give this resource what it needs to reach ``resource``: ``ConnectionStrings__…`` (and
        ``{NAME}_HOST``…) when it has a connection string, ``services__…``/``NAME_ENDPOINT``
        variables for its endpoints; both when it has both. A resource with a
        ``referenced_by`` hook (:class:`pyspire.model.capabilities.ResourceWithReferenceHook`)
        then adds what else this resource needs of it (a mount, a variable)."""
        target = self._target("with_reference", resource)
        if target is None or self._rejects(
            "with_reference",
            Arg("connection_name", connection_name, "text", "connection_name='db'", optional=True),
        ):
            return self
        self._record(ReferenceAnnotation(target[0], connection_name, target[1]))
        hook = getattr(target[0], "referenced_by", None)
        if callable(hook):
            hook(self)
        return self
