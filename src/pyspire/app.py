"""``DistributedApplication``: build the model, then run it until Ctrl+C.

``run()`` is what ``apphost.py`` calls. It blocks, shows the console, and on Ctrl+C / SIGTERM stops
every process gracefully (a second Ctrl+C kills at once). The same app can be started without a
console from async code with :meth:`DistributedApplication.start` — the testing harness does that.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyspire.dashboard  # noqa: F401 - registers the dashboard app host service
import pyspire.telemetry  # noqa: F401 - registers the telemetry app host service
from pyspire._version import VERSION
from pyspire.api import ApiContext, ApiEndpoint, AppHostInfo, serve_api
from pyspire.api.hosting import api_address
from pyspire.console import ConsoleLogHandler, ConsoleReporter
from pyspire.errors import PyspireError
from pyspire.executor import Configuration, Executor, state_dir
from pyspire.executor.container_access import ProxiedContainerAccess
from pyspire.executor.environment import TelemetryEnv, no_telemetry
from pyspire.executor.handlers import resource_handlers
from pyspire.extensions.app_host_services import (
    APP_HOST_SERVICES,
    AppHostService,
    AppHostServiceContext,
    AppHostSetup,
)
from pyspire.integrations.k3s import K3sBuilderMethods
from pyspire.integrations.node import NodeBuilderMethods
from pyspire.integrations.postgres import PostgresBuilderMethods
from pyspire.integrations.python import PythonBuilderMethods
from pyspire.integrations.redis import RedisBuilderMethods
from pyspire.loader import expect_run_at_exit, note_run
from pyspire.model.builder import AppModel, AppModelBuilder, caller_directory
from pyspire.model.resource import Resource
from pyspire.model.resources import DEFAULT_LOG_BUFFER_LINES
from pyspire.model.validation import issue_warnings, validate
from pyspire.orchestrator import Orchestrator
from pyspire.orchestrator.engine import EngineProvider
from pyspire.orchestrator.redaction import Redactor, masked_log_records
from pyspire.runtime.containers import detect_runtime
from pyspire.runtime.records import RunRecorder
from pyspire.runtime.stale_runs import SweepReport
from pyspire.runtime.state_dir import StateDir

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

    from pyspire.provisioning.aws.apphost import AwsEnvironmentBuilder
    from pyspire.provisioning.azure.apphost import AzureEnvironmentBuilder
    from pyspire.provisioning.azure.sdk import Transport


@dataclass(frozen=True)
class RunOptions:
    """How ``run()`` behaves; the CLI sets these before it executes the user's ``apphost.py``."""

    show_output: bool = True
    color: bool | None = None


run_options: ContextVar[RunOptions] = ContextVar("pyspire_run_options", default=RunOptions())  # noqa: B039 - frozen

#: Set by the testing harness: ``run()`` hands the app over instead of running it.
_handoff: ContextVar[Callable[[DistributedApplication], None] | None] = ContextVar(
    "pyspire_handoff", default=None
)


class AppHandedOff(BaseException):
    """Raised by ``run()`` in harness mode to leave the user's ``apphost.py`` at that call.
    A BaseException so that a broad ``except Exception`` in the app host cannot swallow it."""


@dataclass(frozen=True)
class RunningApp:
    """A started app: its executor (snapshots, values) and orchestrator (objects, logs)."""

    app: DistributedApplication
    executor: Executor
    orchestrator: Orchestrator
    #: Where the control API listens and the token it wants.
    api: ApiEndpoint
    #: Set when a client asked the app host to stop (``pyspire stop``, ``POST /v1/stop``).
    stop_requested: asyncio.Event
    #: Leftovers of earlier runs in this folder that were cleaned up before this one started.
    sweeps: tuple[SweepReport, ...] = ()
    #: Lines the app host services asked to show at start (the dashboard's login URL).
    announcements: tuple[str, ...] = ()


class DistributedApplicationBuilder(
    PythonBuilderMethods,
    NodeBuilderMethods,
    RedisBuilderMethods,
    PostgresBuilderMethods,
    K3sBuilderMethods,
    AppModelBuilder,
):
    """Collects the app's resources (``add_executable``, ``add_parameter``, …, and the
    integrations' ``add_python_app``, ``add_npm_app``, ``add_redis``, ``add_postgres``,
    ``add_k3s_cluster``; ``add_aws_environment`` of :mod:`pyspire.provisioning.aws`,
    ``add_azure_environment`` of :mod:`pyspire.provisioning.azure`);
    ``build()`` validates."""

    def add_aws_environment(
        self,
        name: str = "aws",
        region: object = None,
        account: object = None,
        stack_prefix: object = None,
        profile: str | None = None,
        endpoint_url: str | None = None,
        *,
        drift_interval: float | None = None,
        poll_interval: float = 2.0,
    ) -> AwsEnvironmentBuilder:
        """An AWS environment (:mod:`pyspire.provisioning.aws`, imported only here: ≈ 0.1 s that
        apps without AWS don't pay): ``region`` a literal or a parameter, by default the parameter
        ``<name>-region`` (``Parameters__aws-region``); ``account`` by default the one the
        credentials belong to (STS once, then remembered in the cached state); ``stack_prefix``
        (default ``pyspire``) names the stacks and resources; ``profile`` / ``endpoint_url``
        (moto, LocalStack) go to boto3, credentials come from its standard chain. Add resources
        with ``add_s3_bucket``, ``add_sqs_queue``, ``add_dynamodb_table``,
        ``add_cloudformation_stack``; ``drift_interval`` is the drift check's period (seconds, default 30)."""
        from pyspire.provisioning.aws.apphost import add_aws_environment

        drift = {} if drift_interval is None else {"drift_interval": drift_interval}
        return add_aws_environment(
            self, name, region, account, stack_prefix, profile, endpoint_url, poll_interval=poll_interval, **drift
        )

    def add_azure_environment(
        self,
        name: str = "azure",
        subscription: object = None,
        location: object = None,
        resource_group: object = None,
        tenant: str | None = None,
        *,
        drift_interval: float | None = None,
        poll_interval: float = 2.0,
        credential: TokenCredential | None = None,
        transport: Transport | None = None,
    ) -> AzureEnvironmentBuilder:
        """An Azure environment (:mod:`pyspire.provisioning.azure`, imported only here: apps
        without Azure don't pay for it; the Azure SDK stays lazy too): ``subscription`` and
        ``location`` literals or parameters, by default the parameters ``<name>-subscription-id``
        and ``<name>-location`` (``Parameters__azure-subscription-id``; defaults
        ``AZURE_SUBSCRIPTION_ID``, ``AZURE_LOCATION``); ``resource_group`` by default
        ``AZURE_RESOURCE_GROUP``, else ``rg-pyspire-<app>-<8 hex>`` (created, tagged
        ``pyspire=true``). Credentials come from ``DefaultAzureCredential`` (``az login``, or
        ``AZURE_CLIENT_ID``/``AZURE_TENANT_ID``/``AZURE_CLIENT_SECRET``) unless ``credential`` is
        given; ``transport`` replaces the network. Add resources with ``add_storage_account``,
        ``add_arm_template``, ``add_bicep_template``; ``drift_interval`` is the drift check's
        period (seconds, default 30)."""
        from pyspire.provisioning.azure.apphost import add_azure_environment

        drift = {} if drift_interval is None else {"drift_interval": drift_interval}
        return add_azure_environment(
            self,
            name,
            subscription,
            location,
            resource_group,
            tenant,
            poll_interval=poll_interval,
            credential=credential,
            transport=transport,
            **drift,
        )

    def build(self) -> DistributedApplication:
        """Validate the whole model (raising :class:`pyspire.ModelError` listing every problem) and
        return the runnable app. Nothing has started yet. What is valid but probably not meant
        is issued as a :class:`pyspire.ModelWarning`."""
        model = self.build_model()
        validate(model)
        resource_handlers.check(model.resources)  # a resource class nothing can run
        issue_warnings(model)
        return DistributedApplication(model)


class DistributedApplication:
    def __init__(self, model: AppModel) -> None:
        self.model = model

    @staticmethod
    def create_builder(
        args: Sequence[str] | None = None,
        *,
        app_dir: str | Path | None = None,
        log_buffer_lines: int = DEFAULT_LOG_BUFFER_LINES,
    ) -> DistributedApplicationBuilder:
        """Start describing an app. Relative paths in it are relative to ``app_dir``, by default
        the folder of the file that calls this (your ``apphost.py``)."""
        folder = Path(app_dir) if app_dir is not None else caller_directory(2)
        expect_run_at_exit(sys._getframe(1).f_globals)
        return DistributedApplicationBuilder(
            folder, args if args is not None else sys.argv[1:], log_buffer_lines
        )

    @contextlib.asynccontextmanager
    async def start(
        self,
        telemetry: TelemetryEnv = no_telemetry,
        redactor: Redactor | None = None,
        disabled_services: Collection[str] = (),
    ) -> AsyncIterator[RunningApp]:
        """Start every resource; yields once all are handed to the orchestrator (not necessarily
        running yet). Leaving stops everything and waits until every process is gone.
        ``redactor`` collects the run's secrets (a new one unless given). ``disabled_services``
        names app host services not to start (``"dashboard"``, ``"telemetry"``)."""
        resource_handlers.check(self.model.resources)  # unregistered since build(): still before anything starts
        configuration = Configuration(self.model.app_dir)
        api_address()  # a bad PYSPIRE_API_PORT fails here, before anything starts
        note_run()  # run() or not (the harness, given a builder), the app host did run the app
        recorder = RunRecorder(state_dir(self.model.app_dir), app_host_file(self.model.app_dir))
        sweeps = recorder.start()  # refuses a second app host of this file; cleans up after dead runs
        engines = EngineProvider(
            lambda: detect_runtime(calls_group=recorder.engine_group),
            on_detected=lambda runtime: recorder.container_engine(runtime.binary),
        )
        orchestrator = Orchestrator(self.model.log_buffer_lines, recorder, engines, redactor)
        with masked_log_records(orchestrator.redactor):
            try:
                setup = AppHostSetup(
                    self.model,
                    self.model.app_dir,
                    state_dir(self.model.app_dir),
                    recorder.run_id,
                    configuration.app_settings(),
                    orchestrator.redactor,
                )
                services = APP_HOST_SERVICES.create(setup, disabled_services)
                async with self._running(
                    configuration, orchestrator, telemetry, sweeps, recorder, setup, services
                ) as running:
                    yield running
            finally:
                escaped = recorder.close()
                if escaped:
                    logging.getLogger("pyspire").warning(
                        "cleaned up %d leftover(s) the controllers did not stop: %s",
                        len(escaped),
                        ", ".join(escaped),
                    )

    @contextlib.asynccontextmanager
    async def _running(
        self,
        configuration: Configuration,
        orchestrator: Orchestrator,
        telemetry: TelemetryEnv,
        sweeps: list[SweepReport],
        recorder: RunRecorder,
        setup: AppHostSetup,
        services: list[AppHostService],
    ) -> AsyncIterator[RunningApp]:
        stop_requested = asyncio.Event()
        async with orchestrator.running():
            telemetry = _combined_telemetry(telemetry, services)
            executor = Executor(self.model, orchestrator, configuration, telemetry, recorder.run_id)
            info = AppHostInfo(
                name=self.model.app_dir.name,
                app_host=str(recorder.app_host),
                app_dir=str(self.model.app_dir),
                pid=os.getpid(),
                run_id=recorder.run_id,
                started_at=recorder.started_at,
                version=VERSION,
            )
            context = ApiContext(executor, orchestrator, info, stop_requested.set)
            socket_path = StateDir(recorder.state_dir).run_socket(recorder.run_id)
            # The API listens before the resources start, so the first thing they print is
            # already followed; it closes after they are gone, so clients see how each ended.
            routes = [route for service in services for route in service.routes()]
            async with serve_api(context, state_dir(self.model.app_dir), socket_path, routes) as api:
                recorder.api(api.url, api.token, api.socket, api.kubeconfig, api.kube_url)
                announcements: list[str] = []
                service_context = AppHostServiceContext(
                    setup,
                    api.url,
                    api.token,
                    announcements.append,
                    context.urls,
                    ProxiedContainerAccess(orchestrator, self.model.resources, self.model.app_dir),
                )
                async with _services_running(services, service_context), executor.running():
                    try:
                        yield RunningApp(
                            self, executor, orchestrator, api, stop_requested, tuple(sweeps), tuple(announcements)
                        )
                    finally:
                        # Dependents first, while the executor still watches (the final
                        # snapshots say how each resource ended); nothing restarts meanwhile.
                        await asyncio.shield(executor.shutdown())
            recorder.api_closed()

    async def run_async(self, options: RunOptions | None = None, stop: asyncio.Event | None = None) -> int:
        """Run until ``stop`` is set, or SIGINT / SIGTERM. Returns the process exit code."""
        options = options or run_options.get()
        stop = stop or asyncio.Event()
        loop = asyncio.get_running_loop()
        running: RunningApp | None = None
        reporter: ConsoleReporter | None = None
        interrupts = 0
        redactor = Redactor()

        def on_signal(signum: int) -> None:
            nonlocal interrupts
            interrupts += 1
            if interrupts == 1:
                if reporter is not None:
                    reporter.message(
                        f"{signal.Signals(signum).name}: stopping (again to kill at once)", "bold yellow"
                    )
                stop.set()
            elif running is not None:
                if reporter is not None:
                    reporter.message("killing every process now", "bold red")
                running.orchestrator.kill_now()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, on_signal, sig)
        try:
            async with self.start(redactor=redactor) as running:
                reporter = ConsoleReporter(
                    running.executor.snapshots,
                    running.orchestrator.logs,
                    options.show_output,
                    color=options.color,
                )
                for sweep in running.sweeps:
                    reporter.message(sweep.describe(), "bold yellow")
                for line in running.announcements:
                    reporter.message(line, "bold")
                reporter.message(
                    f"control API on {running.api.url} — from another terminal: "
                    "pyspire describe | logs -f | resource NAME restart | stop",
                    "dim",
                )
                report = asyncio.create_task(reporter.report())
                try:
                    await _first_of(stop, running.stop_requested, running.orchestrator.failed)
                finally:
                    report.cancel()
                    await asyncio.wait({report}, timeout=1.0)
            if reporter is not None:
                reporter.close()
                reporter.summary("app stopped")
                await reporter.drain()
            return 0
        except PyspireError as exc:  # a user's mistake or the machine's state: say which, no traceback
            print(f"error: {redactor.mask(str(exc))}", file=sys.stderr)
            return exc.exit_code
        except Exception:
            with masked_log_records(redactor):
                logging.getLogger("pyspire").exception("the app host failed")
            return 1
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)

    def run(self) -> None:
        """Run the app until Ctrl+C, then exit the interpreter with the app host's exit code.

        Under ``pyspire.testing.start(path)`` this hands the app to the harness instead."""
        note_run()
        handoff = _handoff.get()
        if handoff is not None:
            handoff(self)
            raise AppHandedOff()
        # Through the console's writer: an unread stderr must not stall the loop either.
        logging.basicConfig(
            level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s", handlers=[ConsoleLogHandler()]
        )
        logging.captureWarnings(True)
        code = asyncio.run(self.run_async())
        # Everything the run built is garbage now, and the interpreter's last collection would
        # walk all of it (~60 ms with 100 resources) only for the OS to free it anyway: freezing
        # leaves those objects out of it. What the app host does after run() is collected as usual.
        gc.freeze()
        if code:
            sys.exit(code)


def _combined_telemetry(given: TelemetryEnv, services: Sequence[AppHostService]) -> TelemetryEnv:
    """One telemetry seam out of the caller's and every service's (later ones win)."""
    seams = [given, *(seam for service in services if (seam := service.telemetry_env()) is not None)]
    if len(seams) == 1:
        return given

    def combined(resource: Resource, suffix: str) -> Mapping[str, str]:
        env: dict[str, str] = {}
        for seam in seams:
            env.update(seam(resource, suffix))
        return env

    return combined


@contextlib.asynccontextmanager
async def _services_running(
    services: Sequence[AppHostService], context: AppHostServiceContext
) -> AsyncIterator[None]:
    """Start the app host services in order; stop the started ones in reverse, also when a
    later one fails to start or the body raises."""
    async with contextlib.AsyncExitStack() as stack:
        for service in services:
            stack.push_async_callback(service.stop)
            await service.start(context)
        yield


async def _first_of(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


def app_host_file(app_dir: Path) -> Path:
    """The ``apphost.py`` being run: the script that was started, when it lives in ``app_dir``
    (``pyspire run``, ``python apphost.py``), else ``app_dir/apphost.py`` (the test harness)."""
    script = Path(sys.argv[0]).resolve() if sys.argv and sys.argv[0] else None
    if script is not None and script.is_file() and script.parent == app_dir.resolve():
        return script
    return app_dir / "apphost.py"
