"""The kind registry: every orchestrator kind declared once, in one :class:`KindSpec`.

A kind's spec says everything the layers need to know about it: the names kubectl uses (plural,
singular, short names), the columns ``kubectl get`` and ``-o wide`` print, the description
``kubectl explain`` shows, the controller that reconciles it, when shutdown deletes its objects,
and what a client may change in them. The orchestrator builds its controllers and orders its
teardown from the registry; the object API serves discovery, tables, OpenAPI and write
validation from it. So a kind an integration registers is served, reconciled and torn down exactly
like a built-in one (DCP declares its kinds the same way, each with ``ValidateUpdate``; tilt wires
its controllers from one list).

Registration is removable (:meth:`KindRegistry.register` returns a handle; :meth:`registered` is a
context manager), so a test can register a kind, run, and leave no trace. The built-in kinds
(:mod:`pyspire.orchestrator.builtin_kinds`) register themselves the same way.
"""

from __future__ import annotations

import contextlib
import enum
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pyspire.durations import age
from pyspire.errors import ConfigurationError
from pyspire.orchestrator.store import API_GROUP, Obj
from pyspire.orchestrator.update_rules import UpdateValidator, spec_is_read_only

if TYPE_CHECKING:
    from pyspire.orchestrator.controller import Controller
    from pyspire.orchestrator.engine import EngineProvider
    from pyspire.orchestrator.executables import ProcessObserver
    from pyspire.orchestrator.logs import LogStore
    from pyspire.orchestrator.ports import PortAllocator
    from pyspire.orchestrator.redaction import Redactor
    from pyspire.orchestrator.store import ObjectStore
    from pyspire.proxy import ProxyHub


class TeardownPhase(enum.IntEnum):
    """When shutdown deletes a kind's objects: phases run in this order, the kinds of one phase
    in parallel, each phase waiting until its objects are gone (their controllers have let go)."""

    #: Processes and containers, each with its grace period.
    WORKLOADS = 10
    #: Services and their proxies, once nothing serves them.
    SERVICES = 20
    #: Container networks and volumes, once no container uses them.
    INFRASTRUCTURE = 30


@dataclass(frozen=True)
class TableColumn:
    """One column of ``kubectl get``: ``value`` is a JSON path into the object (``.status.pid``,
    as in a CRD's ``additionalPrinterColumns``) or a function of the object. ``type`` is a
    Kubernetes column type (string, integer, number, boolean, date); ``priority`` above 0 shows
    only with ``-o wide``. A value of ``None`` prints as ``<none>``."""

    name: str
    value: str | Callable[[Obj], Any]
    description: str = ""
    type: str = "string"
    priority: int = 0
    format: str = ""
    _path: tuple[str, ...] = field(init=False, repr=False, compare=False, default=())

    def __post_init__(self) -> None:
        if isinstance(self.value, str):
            object.__setattr__(self, "_path", tuple(self.value.strip(".").split(".")))

    def cell(self, obj: Obj) -> Any:
        if callable(self.value):
            return self.value(obj)
        found: Any = obj
        for part in self._path:
            if not isinstance(found, dict):
                return None
            found = found.get(part)
        return found

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description,
            "priority": self.priority,
        }


NAME_COLUMN = TableColumn("Name", lambda obj: obj["metadata"]["name"], "Name of the object", format="name")
AGE_COLUMN = TableColumn(
    "Age",
    lambda obj: age(obj["metadata"].get("creationTimestamp")),
    "Time since the object was created",
    type="date",
)


@dataclass(frozen=True)
class ControllerContext:
    """What a controller factory gets: the orchestrator's shared parts, by name."""

    store: ObjectStore
    logs: LogStore
    ports: PortAllocator
    proxies: ProxyHub
    engines: EngineProvider
    redactor: Redactor
    #: Told about every process spawned and reaped (the app host's run recorder), if any.
    observer: ProcessObserver | None = None


ControllerFactory = Callable[[ControllerContext], "Controller"]


@dataclass(frozen=True)
class KindSpec:
    """One orchestrator kind, declared once. Objects are served cluster-scoped, under
    ``/apis/<group>/<version>/<plural>`` (``group`` defaults to ``pyspire.dev``; an integration
    may use a group of its own, such as ``helm.pyspire.dev``). Kind names are unique across
    groups: the store keys objects by kind and name.

    ``columns`` default to Name and Age. ``controller`` builds the kind's controller (``None``:
    objects of the kind are kept by another kind's controller, as Endpoints are by the replica
    controllers). ``teardown`` is the phase in which shutdown deletes the kind's objects (``None``:
    shutdown leaves them to their owner). ``validate_update`` says what is wrong with a client's
    change (by default a client may change nothing in the spec)."""

    kind: str
    plural: str
    description: str = ""
    short_names: tuple[str, ...] = ()
    singular: str = ""
    columns: tuple[TableColumn, ...] = ()
    controller: ControllerFactory | None = None
    teardown: TeardownPhase | int | None = None
    validate_update: UpdateValidator = field(default=spec_is_read_only)
    group: str = API_GROUP
    version: str = "v1"

    def __post_init__(self) -> None:
        if not self.singular:
            object.__setattr__(self, "singular", self.kind.lower())
        if not self.columns:
            object.__setattr__(self, "columns", (NAME_COLUMN, AGE_COLUMN))

    @property
    def api_version(self) -> str:
        """``group/version``, as objects of the kind carry it."""
        return f"{self.group}/{self.version}"

    @property
    def list_kind(self) -> str:
        return f"{self.kind}List"

    @property
    def names(self) -> tuple[str, ...]:
        """Every name kubectl may use for the kind."""
        return (self.kind, self.plural, self.singular, *self.short_names)


class Registration:
    """The handle :meth:`KindRegistry.register` returns: ``unregister()`` removes the kind again
    (also usable as a context manager)."""

    def __init__(self, registry: KindRegistry, spec: KindSpec) -> None:
        self.registry = registry
        self.spec = spec

    def unregister(self) -> None:
        self.registry.unregister(self.spec.kind)

    def __enter__(self) -> KindSpec:
        return self.spec

    def __exit__(self, *exc: object) -> None:
        self.unregister()


class KindRegistry:
    """The kinds one orchestrator serves, in registration order (the order kubectl lists them)."""

    def __init__(self, specs: Iterable[KindSpec] = ()) -> None:
        self._specs: dict[str, KindSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: KindSpec) -> Registration:
        """Add a kind; refuses one whose kind or any kubectl name is taken already."""
        for name in spec.names:
            for other in self._specs.values():
                if name.lower() in (n.lower() for n in other.names):
                    raise ConfigurationError(
                        f"kind {spec.kind}: the name {name!r} is already used by kind {other.kind}; "
                        "choose another kind, plural or short name"
                    )
        self._specs[spec.kind] = spec
        return Registration(self, spec)

    def unregister(self, kind: str) -> None:
        self._specs.pop(kind, None)

    @contextlib.contextmanager
    def registered(self, spec: KindSpec) -> Iterator[KindSpec]:
        """``with registry.registered(spec):`` the kind exists inside the block only."""
        with self.register(spec):
            yield spec

    def copy(self) -> KindRegistry:
        """A registry with the same kinds, unaffected by later (un)registrations of this one."""
        return KindRegistry(self._specs.values())

    def __iter__(self) -> Iterator[KindSpec]:
        return iter(list(self._specs.values()))

    def __len__(self) -> int:
        return len(self._specs)

    def __contains__(self, kind: object) -> bool:
        return kind in self._specs

    def get(self, kind: str) -> KindSpec:
        try:
            return self._specs[kind]
        except KeyError:
            raise KeyError(f"no kind {kind!r} is registered") from None

    def by_plural(self, plural: str, group: str = API_GROUP, version: str = "v1") -> KindSpec | None:
        for spec in self._specs.values():
            if spec.plural == plural and spec.group == group and spec.version == version:
                return spec
        return None

    def group_versions(self) -> dict[str, list[str]]:
        """group → its versions, in registration order (the first kind's group first)."""
        groups: dict[str, list[str]] = {}
        for spec in self._specs.values():
            versions = groups.setdefault(spec.group, [])
            if spec.version not in versions:
                versions.append(spec.version)
        return groups

    def in_group_version(self, group: str, version: str) -> list[KindSpec]:
        return [s for s in self._specs.values() if s.group == group and s.version == version]

    def teardown_phases(self) -> list[list[KindSpec]]:
        """The kinds shutdown deletes, grouped by phase, in the order the phases run."""
        phases: dict[int, list[KindSpec]] = {}
        for spec in self._specs.values():
            if spec.teardown is not None:
                phases.setdefault(int(spec.teardown), []).append(spec)
        return [phases[phase] for phase in sorted(phases)]
