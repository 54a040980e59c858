"""The examples of ``docs/extending.md``, run: an integration written with the public extension API
only (``pyspire``, ``pyspire.model``, ``pyspire.extensions``, ``pyspire.states``, ``pyspire.errors``).

Every ``python`` block of the page is an excerpt of this file, word for word (the last test checks
it), so the page cannot show code that does not run. The integration: a ``Cluster`` resource with
no process of its own, run by a handler that creates an object of a ``Cluster`` kind whose
controller "provisions" it (requeueing until it is ready), then publishes the cluster's outputs; an
ordinary executable receives them in its environment once they exist.
"""

from __future__ import annotations

import contextlib
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyspire.extensions
from pyspire import DistributedApplication, expr, testing
from pyspire.errors import TemporaryError
from pyspire.extensions import (
    COMMAND_RULES,
    KINDS,
    NAME_COLUMN,
    PUBLISH,
    RUN_MODE_POLICIES,
    STATE_STYLES,
    TERMINAL_STATES,
    BeforeAppStart,
    Broadcast,
    CommandState,
    Controller,
    DropAndCount,
    ExecutionContext,
    FieldError,
    GoneOnOverflow,
    KindSpec,
    LatestPerKey,
    Obj,
    ResourceHandlerBase,
    Result,
    RunModeContext,
    StateDir,
    TableColumn,
    TeardownPhase,
    Url,
    render_launch,
    resource_handlers,
    write_atomic,
)
from pyspire.model import AppModelBuilder, Resource, ResourceBuilder, ValueProvider
from pyspire.model.endpoints import EndpointProperty, EndpointReference
from pyspire.model.lifecycle_builder import LifecycleBuilder
from pyspire.states import HealthStatus, ResourceState
from tests.conftest import PYTHON

DOCS = Path(__file__).parent.parent / "docs" / "extending.md"

# -- a resource class and its builder --------------------------------------------------------


class ClusterResource(Resource):
    """A cluster its own controller provisions: pyspire starts no process for it."""

    resource_type: ClassVar[str] = "Cluster"

    def __init__(self, name: str, nodes: int) -> None:
        super().__init__(name)
        self.nodes = nodes


class ClusterBuilder(LifecycleBuilder[ClusterResource]):
    """``wait_for``, ``with_command``, ``with_parent``, ``hidden``, ``output``, ``on_ready``…
    come from the base classes; an integration adds only its own methods."""

    def with_nodes(self, nodes: int) -> ClusterBuilder:
        self.resource.nodes = nodes
        return self

    @property
    def kubeconfig(self) -> ValueProvider:
        return self.output("kubeconfig")


def add_cluster(builder: AppModelBuilder, name: str, nodes: int = 1) -> ClusterBuilder:
    cluster = ClusterBuilder(builder, ClusterResource(name, nodes))
    builder.add_resource(cluster)
    return cluster


# -- an orchestrator kind and its controller -------------------------------------------------

CLUSTER = "Cluster"
FINALIZER = "clusters.example.dev/deprovision"


class ClusterController(Controller):
    """Provisions each Cluster object in two steps, and lets a deleted one go."""

    kinds = (CLUSTER,)
    max_concurrent_reconciles = 4

    async def reconcile(self, name: str) -> Result | None:
        obj = self.store.find(CLUSTER, name)
        if obj is None:
            return None
        if obj["metadata"].get("deletionTimestamp"):
            self.store.remove_finalizer(CLUSTER, name, FINALIZER)  # deprovisioned
            return None
        phase = obj["status"].get("phase")
        if phase is None:
            self.store.patch_status(CLUSTER, name, {"phase": "Provisioning"})
            return Result(requeue_after=0.2)  # look again; nothing else would wake us
        if phase == "Provisioning":
            if obj["spec"]["nodes"] > 8:
                raise TemporaryError("no capacity for that many nodes yet", delay=5)
            kubeconfig = f"/tmp/{name}.kubeconfig"
            self.store.patch_status(CLUSTER, name, {"phase": "Ready", "kubeconfig": kubeconfig})
        return None


def nodes_may_grow(current: Obj, desired: Obj) -> Iterator[FieldError]:
    """What a client (``kubectl patch``) may change: ``spec.nodes``, never down."""
    before, after = current["spec"]["nodes"], desired.get("spec", {}).get("nodes")
    if not isinstance(after, int) or after < before:
        yield FieldError("spec.nodes", "FieldValueForbidden", f"may only grow (it is {before})")


CLUSTER_KIND = KindSpec(
    kind=CLUSTER,
    plural="clusters",
    short_names=("cl",),
    group="clusters.example.dev",
    description="A cluster: its controller provisions it and writes its kubeconfig path.",
    columns=(
        NAME_COLUMN,
        TableColumn("Phase", ".status.phase", "Provisioning, then Ready"),
        TableColumn("Nodes", ".spec.nodes", "How many nodes", type="integer"),
    ),
    controller=lambda context: ClusterController(context.store),
    teardown=TeardownPhase.WORKLOADS,
    validate_update=nodes_may_grow,
)


def cluster_object(resource: ClusterResource) -> Obj:
    return {
        "apiVersion": CLUSTER_KIND.api_version,
        "kind": CLUSTER,
        "metadata": {"name": resource.name, "finalizers": [FINALIZER]},
        "spec": {"nodes": resource.nodes},
    }


# -- the handler: how the executor runs a ClusterResource --------------------------------------


class ClusterHandler(ResourceHandlerBase):
    """Creates the resource's Cluster object and reports it up once its controller says so."""

    resource: ClusterResource

    async def on_start(self) -> None:
        store = self.ctx.store
        if not store.exists(CLUSTER, self.resource.name):
            store.create(cluster_object(self.resource))
        self.ctx.log("provisioning")
        async with contextlib.aclosing(store.watch(CLUSTER)) as changes:
            async for event in changes:
                if event.name == self.resource.name and event.object["status"].get("phase") == "Ready":
                    status = event.object["status"]
                    break
        self.ctx.set_output("kubeconfig", status["kubeconfig"])
        self.ctx.set_output("token", "s3cr3t-" + self.resource.name, secret=True)
        self.ctx.publish(
            state=ResourceState.RUNNING,
            health=HealthStatus.HEALTHY,
            properties=[("nodes", str(self.resource.nodes))],
            urls=[Url("api", f"https://{self.resource.name}.example.dev:6443")],
        )

    async def on_stop(self) -> None:
        self.ctx.store.delete(CLUSTER, self.resource.name)


@contextlib.contextmanager
def cluster_integration() -> Iterator[None]:
    """Everything the integration registers, for the ``with`` block only."""
    with KINDS.registered(CLUSTER_KIND), resource_handlers.registered(ClusterResource, ClusterHandler):
        yield


# -- a run-mode policy ------------------------------------------------------------------------


def cluster_context(ctx: RunModeContext) -> dict[str, str]:
    """Run mode only (never in a manifest): tell every process which cluster it runs beside."""
    return {"CLUSTER_CONTEXT": "dev"}


# -- the whole integration, running ----------------------------------------------------------

PRINT_ENV = "import os, time; print('using', os.environ['KUBECONFIG'], os.environ['CLUSTER_CONTEXT'], flush=True); time.sleep(60)"


async def test_the_cluster_integration_runs_and_an_executable_receives_its_output(tmp_path):
    events: list[str] = []
    rotated: list[str] = []
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    cluster = add_cluster(b, "dev", nodes=3)
    cluster.with_command("rotate", "Rotate credentials", lambda ctx: rotated.append(ctx.resource))
    cluster.on_ready(lambda event: events.append(f"ready:{event.resource.name}"))
    b.subscribe(BeforeAppStart, lambda event: events.append("app"))
    b.add_executable("deployer", PYTHON, ".", "-c", PRINT_ENV).with_env(
        "KUBECONFIG", cluster.kubeconfig
    ).with_env("TOKEN", cluster.output("token", secret=True)).with_parent(cluster)

    with cluster_integration(), RUN_MODE_POLICIES.registered(cluster_context):
        async with testing.start(b) as app:
            waiting = await app.wait_for_resource("deployer", "Waiting")
            assert waiting.state_message == "waiting for output 'kubeconfig' of 'dev'"
            running = await app.wait_for_healthy("dev")
            assert ("nodes", "3") in running.properties
            await app.wait_for_log("deployer", "using /tmp/dev.kubeconfig dev")
            assert app.resource("deployer").env_dict()["KUBECONFIG"] == "/tmp/dev.kubeconfig"
            assert "s3cr3t-dev" not in repr(app.resources())
            assert any(r.type == "Parent" and r.resource == "dev" for r in app.resource("deployer").relationships)
            store = app.orchestrator.store
            assert store.get(CLUSTER, "dev")["status"]["phase"] == "Ready"
            assert (await app.execute_command("dev", "rotate")).success and rotated == ["dev"]
            assert events == ["app", "ready:dev"]
    assert store.list(CLUSTER) == [], "shutdown deleted the Cluster in its teardown phase"
    assert CLUSTER not in KINDS and resource_handlers.find(ClusterResource) is None
    assert cluster_context not in list(RUN_MODE_POLICIES)


def test_the_update_validator_lets_nodes_grow_only():
    current = {"spec": {"nodes": 3}}
    assert list(CLUSTER_KIND.validate_update(current, {"spec": {"nodes": 5}})) == []
    (error,) = CLUSTER_KIND.validate_update(current, {"spec": {"nodes": 1}})
    assert error.field == "spec.nodes" and "may only grow" in error.message


# -- a capability: any resource with a connection string can be referenced ---------------------


class ManagedDatabase(Resource):
    """A database that exists elsewhere: referencing it gives ``ConnectionStrings__<name>``."""

    resource_type: ClassVar[str] = "ManagedDatabase"

    def __init__(self, name: str, password: ValueProvider) -> None:
        super().__init__(name)
        self.password = password

    @property
    def connection_string(self) -> ValueProvider:
        return expr("postgres://app:", self.password, "@db.example.net:5432/", self.name)


class ManagedDatabaseHandler(ResourceHandlerBase):
    async def on_start(self) -> None:
        self.ctx.publish(state=ResourceState.RUNNING, health=HealthStatus.HEALTHY)


# -- rendering without running ----------------------------------------------------------------


class ComposeContext:
    """A publisher's RenderContext: every value becomes a Compose ``${VAR}``."""

    execution: ExecutionContext = PUBLISH

    def __init__(self, consumer: Resource) -> None:
        self.consumer = consumer

    def literal(self, text: str) -> str:
        return text.replace("$", "$$")

    def endpoint_part(self, ref: EndpointReference, prop: EndpointProperty) -> str:
        return "${" + f"{ref.resource.name}_{ref.endpoint_name}_{prop}".upper() + "}"

    def configured_value(self, resource: Resource) -> str:
        return "${" + resource.name.upper().replace("-", "_") + "}"

    def output(self, ref: object) -> str:
        return "${" + f"{ref.resource.name}_{ref.name}".upper() + "}"  # type: ignore[attr-defined]


def test_a_resource_with_a_connection_string_renders_for_its_consumer(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    password = b.add_parameter("orders-password", secret=True)
    orders = ManagedDatabase("orders", password.resource)
    b.add_resource(ResourceBuilder(b, orders))
    cluster = add_cluster(b, "dev")
    web = b.add_executable("web", "python", ".", "web.py").with_reference(orders)
    web.with_env("KUBECONFIG", cluster.kubeconfig)
    with cluster_integration(), resource_handlers.registered(ManagedDatabase, ManagedDatabaseHandler):
        b.build()  # every resource class has a handler

    rendered = render_launch(web.resource, ComposeContext(web.resource))

    assert rendered.env == {
        "ConnectionStrings__orders": "postgres://app:${ORDERS_PASSWORD}@db.example.net:5432/orders",
        "KUBECONFIG": "${DEV_KUBECONFIG}",
    }
    assert rendered.secret_env == {"ConnectionStrings__orders"}
    assert rendered.args == ["web.py"]


# -- bounded broadcast ------------------------------------------------------------------------


async def test_each_overflow_policy_bounds_a_subscriber_that_does_not_read():
    states: Broadcast[tuple[str, str]] = Broadcast(LatestPerKey(key=lambda item: item[0], limit=2))
    lines: Broadcast[str] = Broadcast(DropAndCount(marker=lambda n: f"[{n} lines dropped]", ring=2))
    watch: Broadcast[int] = Broadcast(GoneOnOverflow(error=lambda: LookupError("gone: list again"), limit=2))
    with states.subscribe() as s, lines.subscribe() as log, watch.subscribe() as w:
        for i in range(5):
            states.publish(("api", f"state {i}"))
            lines.publish(f"line {i}")
            watch.publish(i)
        assert await anext(s) == ("api", "state 4")  # only the latest per key
        assert [await anext(log) for _ in range(3)] == ["[3 lines dropped]", "line 3", "line 4"]
        try:
            await anext(w)
        except LookupError as gone:
            assert str(gone) == "gone: list again"  # the watcher lists again
        assert len(watch) == 0, "an overflowed subscription is unregistered"


# -- the state vocabulary, the state folder ---------------------------------------------------


def test_states_their_styles_and_command_rules_come_from_one_table(tmp_path):
    assert ResourceState.RUNNING == "Running" and ResourceState.EXITED in TERMINAL_STATES
    assert STATE_STYLES[ResourceState.FAILED_TO_START] == "bold red"
    assert COMMAND_RULES[ResourceState.RUNNING].stop is CommandState.ENABLED
    assert COMMAND_RULES[ResourceState.RUNNING].start is CommandState.HIDDEN

    state = StateDir.of(tmp_path)
    write_atomic(state.root / "clusters" / "dev.json", '{"nodes": 3}', private_folder=True)
    assert (tmp_path / ".pyspire" / "clusters" / "dev.json").stat().st_mode & 0o777 == 0o600


# -- the page shows this file's code, word for word --------------------------------------------


def _python_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", markdown, flags=re.DOTALL | re.MULTILINE)


def _is_excerpt(block: str, source_lines: list[str]) -> bool:
    wanted = textwrap.dedent(block).rstrip("\n").splitlines()
    for start in range(len(source_lines) - len(wanted) + 1):
        window = "\n".join(source_lines[start : start + len(wanted)])
        if textwrap.dedent(window) == "\n".join(wanted):
            return True
    return False


def test_every_python_example_of_the_extending_guide_is_code_this_file_runs():
    blocks = _python_blocks(DOCS.read_text())
    assert len(blocks) >= 8, "the guide lost its examples"
    source = Path(__file__).read_text().splitlines()
    stale = [block for block in blocks if not _is_excerpt(block, source)]
    assert not stale, "these examples of docs/extending.md are not in this file:\n\n" + "\n---\n".join(stale)


def test_every_name_the_extension_api_exports_is_documented_in_the_guide():
    guide = DOCS.read_text()
    undocumented = [name for name in pyspire.extensions.__all__ if f"`{name}`" not in guide]
    assert not undocumented, f"docs/extending.md does not mention {undocumented}"
