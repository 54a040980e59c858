"""Health checks of a running resource, reported into its snapshot.

While a resource runs, every check is run against every running replica (directly on the
replica's own port, so one bad replica is seen even though the proxy would hide it). Until all
pass, checks repeat every ``unhealthy`` interval (0.1 s by default, so a dependent starts within a
fraction of a second of its dependency turning healthy); once healthy, every ``healthy`` interval
(5 s by default: no measurable load).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pyspire.executor.addresses import EndpointAddresses
from pyspire.executor.resolution import ResolutionContext
from pyspire.executor.snapshots import HealthReport
from pyspire.executor.user_code import USER_ERRORS, describe, user_traceback
from pyspire.model.arguments import required_parameters, shown
from pyspire.model.lifecycle import HealthCheckAnnotation, HealthCheckContext, HealthIntervalAnnotation
from pyspire.model.resources import Resource
from pyspire.model.values import ValueProvider, to_value
from pyspire.orchestrator.logs import LogBatch, LogStore
from pyspire.states import HealthStatus

if TYPE_CHECKING:
    import httpx

CHECK_TIMEOUT = 2.0

#: Runs ``argv`` inside a replica (a container): (replica name, argv, timeout) → (exit code, output).
ExecInReplica = Callable[[str, Sequence[str], float], Awaitable[tuple[int, str]]]


class SharedHttpClient:
    """One HTTP client for every health monitor of an app host (one connection pool, one
    import of httpx, made only when the first HTTP check runs)."""

    def __init__(self) -> None:
        self._client: httpx.AsyncClient | None = None

    def get(self) -> httpx.AsyncClient:
        if self._client is None:
            import httpx  # imported only by apps that have HTTP checks: it costs start-up time

            self._client = httpx.AsyncClient(timeout=CHECK_TIMEOUT, verify=False)
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None


@dataclass(frozen=True)
class Replica:
    name: str
    index: int


def takes_context(check: Callable[..., object]) -> bool:
    """Whether a custom check wants a :class:`HealthCheckContext`: it has a required parameter
    left (``async def check(ctx)``). One whose parameters all have defaults (``async def
    check(timeout=2)``) is called without, as before contexts existed; ``build()`` refuses more
    than one required parameter."""
    return bool(required_parameters(check))


#: Publishes a run-time output of the checked resource: (name, value, secret).
SetOutput = Callable[[str, str, bool], None]


class CheckContext:
    """:class:`HealthCheckContext` for one resource: values resolve as a host process sees
    them; resolved secrets are registered for masking (a check's error may quote them); a line
    logged goes to the resource's log (a check that repairs something says so there); an
    output set is the resource's, as if its handler had set it."""

    def __init__(
        self,
        resource: Resource,
        resolution: Callable[[], ResolutionContext],
        mask: Callable[[set[str]], None],
        log: Callable[[str], None],
        set_output: SetOutput | None = None,
    ) -> None:
        self._resource = resource
        self._resolution = resolution
        self._mask = mask
        self._log = log
        self._set_output = set_output

    def log(self, text: str) -> None:
        self._log(text)

    def set_output(self, name: str, value: str, *, secret: bool = False) -> None:
        if self._set_output is None:
            raise RuntimeError(f"outputs of '{self._resource.name}' cannot be set from this context")
        self._set_output(name, value, secret)

    @property
    def resource(self) -> Resource:
        return self._resource

    async def resolve(self, value: str | ValueProvider) -> str:
        # What with_env takes, a check may resolve: a parameter's builder, an endpoint, a number.
        provider = to_value(value)
        if provider is None:
            raise TypeError(f"{shown(value)} is not a value; pass a parameter, an endpoint or an expression")
        ctx = self._resolution()
        try:
            return await ctx.resolve(provider)
        finally:
            self._mask(ctx.secrets)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class HealthMonitor:
    """Runs one resource's checks while it runs; ``publish`` receives each new set of reports."""

    def __init__(
        self,
        resource: Resource,
        addresses: EndpointAddresses,
        logs: LogStore,
        replicas: Callable[[], Sequence[Replica]],
        publish: Callable[[tuple[HealthReport, ...]], None],
        http: SharedHttpClient,
        exec_in: ExecInReplica | None = None,
        check_context: HealthCheckContext | None = None,
        checks: Sequence[HealthCheckAnnotation] | None = None,
    ) -> None:
        self.resource = resource
        #: The checks to run (default: all the resource's; a resource without replicas runs
        #: only its custom ones).
        self.checks = list(resource.annotations_of(HealthCheckAnnotation) if checks is None else checks)
        interval = resource.last_annotation(HealthIntervalAnnotation) or HealthIntervalAnnotation()
        self.interval = interval
        self._addresses = addresses
        self._logs = logs
        self._replicas = replicas
        self._publish = publish
        self._http = http
        self._exec_in = exec_in
        self._check_context = check_context
        #: The custom checks that take a context (their signatures read once, not at each run).
        self._wants_context = {
            id(c) for c in self.checks if c.check is not None and check_context is not None and takes_context(c.check)
        }
        self._log_matched: set[str] = set()
        #: The last error each custom check raised, logged with its traceback once.
        self._raised: dict[str, str] = {}

    async def run(self) -> None:
        unsubscribe = self._watch_logs()
        try:
            self._publish(
                tuple(HealthReport(c.name, HealthStatus.UNHEALTHY, "not checked yet") for c in self.checks)
            )
            loop = asyncio.get_running_loop()
            while True:
                began = loop.time()
                reports = await asyncio.gather(*(self._run_check(c) for c in self.checks))
                self._publish(tuple(reports))
                healthy = all(r.status == HealthStatus.HEALTHY for r in reports)
                # Fixed rate: the probe's own duration does not stretch the period.
                period = self.interval.healthy if healthy else self.interval.unhealthy
                await asyncio.sleep(max(0.0, began + period - loop.time()))
        finally:
            unsubscribe()

    # -- log-line readiness --------------------------------------------------------------------

    def _watch_logs(self) -> Callable[[], None]:
        patterns = [c for c in self.checks if c.kind == "log" and c.pattern]
        if not patterns:
            return lambda: None
        regexes = {c.name: re.compile(c.pattern or "") for c in patterns}
        current = {r.name for r in self._replicas()}
        for line in self._logs.lines(self.resource.name):  # lines printed before the monitor started
            if line.replica in current and line.stream != "system":
                self._match(regexes, line.text)

        def on_batch(batch: LogBatch) -> None:
            if batch.stream != "system":
                for text in batch.lines:
                    self._match(regexes, text)

        return self._logs.subscribe(on_batch, self.resource.name)

    def _match(self, regexes: dict[str, re.Pattern[str]], text: str) -> None:
        for name, regex in regexes.items():
            if name not in self._log_matched and regex.search(text):
                self._log_matched.add(name)

    # -- checks --------------------------------------------------------------------------------

    async def _run_check(self, check: HealthCheckAnnotation) -> HealthReport:
        try:
            if check.kind == "log":
                ok = check.name in self._log_matched
                return HealthReport(
                    check.name,
                    HealthStatus.HEALTHY if ok else HealthStatus.UNHEALTHY,
                    None if ok else f"no output line matched {check.pattern!r} yet",
                    None,
                    _now(),
                )
            if check.kind == "custom":
                return await self._custom(check)
            if check.kind == "exec":
                return await self._exec(check)
            return await self._per_replica(check)
        except Exception as exc:  # a check that breaks reports Unhealthy; it never stops the monitor
            return HealthReport(
                check.name, HealthStatus.UNHEALTHY, "the check raised", f"{type(exc).__name__}: {exc}", _now()
            )

    async def _custom(self, check: HealthCheckAnnotation) -> HealthReport:
        assert check.check is not None
        try:
            # Awaited in this task, not wrapped in one (as wait_for would): a SystemExit raised
            # in a task of its own escapes the event loop and ends the app host.
            async with asyncio.timeout(CHECK_TIMEOUT):
                if id(check) in self._wants_context:
                    result: Any = await check.check(self._check_context)  # type: ignore[call-arg, arg-type]
                else:
                    result = await check.check()  # type: ignore[call-arg]
        except USER_ERRORS as exc:
            self._report_raised(check, exc)
            return HealthReport(check.name, HealthStatus.UNHEALTHY, None, describe(exc), _now())
        self._raised.pop(check.name, None)
        if result is None or result is True:
            return HealthReport(check.name, HealthStatus.HEALTHY, None, None, _now())
        return HealthReport(
            check.name, HealthStatus.UNHEALTHY, None if result is False else str(result), None, _now()
        )

    def _report_raised(self, check: HealthCheckAnnotation, exc: BaseException) -> None:
        """The user's check raised: its traceback goes to the resource's log, once per distinct
        error (the check runs every 0.1 s while unhealthy)."""
        if isinstance(exc, TimeoutError) or self._raised.get(check.name) == describe(exc):
            return
        self._raised[check.name] = describe(exc)
        lines = [f"health check {check.name} raised {describe(exc)}", *user_traceback(exc)]
        self._logs.append(self.resource.name, self.resource.name, "system", lines)

    async def _exec(self, check: HealthCheckAnnotation) -> HealthReport:
        """Run the command inside each running replica; healthy when every one exits 0."""
        replicas = self._replicas()
        if not replicas or self._exec_in is None:
            return HealthReport(check.name, HealthStatus.UNHEALTHY, "no replica is running", None, _now())
        exec_in = self._exec_in
        results = await asyncio.gather(
            *(exec_in(r.name, check.command, CHECK_TIMEOUT) for r in replicas), return_exceptions=True
        )
        failures = []
        for replica, result in zip(replicas, results, strict=True):
            if isinstance(result, BaseException):
                failures.append(f"{replica.name}: {result}")
            elif result[0] != 0:
                output = result[1].strip().splitlines()
                failures.append(f"{replica.name}: exit {result[0]}" + (f": {output[-1]}" if output else ""))
        if not failures:
            return HealthReport(check.name, HealthStatus.HEALTHY, None, None, _now())
        return HealthReport(check.name, HealthStatus.UNHEALTHY, "; ".join(failures)[:500], None, _now())

    def _endpoint(self, check: HealthCheckAnnotation) -> tuple[str, str]:
        allocations = self._addresses.for_resource(self.resource.name)
        for allocation in allocations:
            endpoint = allocation.endpoint
            if check.endpoint_name == endpoint.name or (
                check.endpoint_name is None and (check.kind == "tcp" or endpoint.scheme in ("http", "https"))
            ):
                return endpoint.name, endpoint.scheme
        raise LookupError(f"no endpoint for health check {check.name}")

    async def _per_replica(self, check: HealthCheckAnnotation) -> HealthReport:
        endpoint_name, scheme = self._endpoint(check)
        allocation = self._addresses.get(self.resource.name, endpoint_name)
        replicas = self._replicas()
        if not replicas:
            return HealthReport(check.name, HealthStatus.UNHEALTHY, "no replica is running", None, _now())
        results = await asyncio.gather(
            *(self._probe(check, scheme, allocation.target_ports[r.index]) for r in replicas)
        )
        failures = [f"{r.name}: {error}" for r, error in zip(replicas, results, strict=True) if error]
        if not failures:
            return HealthReport(check.name, HealthStatus.HEALTHY, None, None, _now())
        return HealthReport(
            check.name,
            HealthStatus.UNHEALTHY,
            f"{len(failures)} of {len(replicas)} replicas failing",
            "; ".join(failures),
            _now(),
        )

    async def _probe(self, check: HealthCheckAnnotation, scheme: str, port: int) -> str | None:
        """``None`` when the replica passes, else what went wrong."""
        if check.kind == "tcp":
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), CHECK_TIMEOUT)
            except (OSError, TimeoutError) as exc:
                return f"cannot connect to port {port}: {exc}"
            writer.close()
            return None
        url = f"{scheme}://127.0.0.1:{port}{check.path}"
        try:
            response = await self._http.get().get(url)
        except Exception as exc:
            return f"GET {url}: {type(exc).__name__}: {exc}"
        if response.status_code != check.status_code:
            return f"GET {url} answered {response.status_code}, expected {check.status_code}"
        return None
