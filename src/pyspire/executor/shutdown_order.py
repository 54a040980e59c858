"""Shutdown in reverse dependency order: what depends on a resource ends before the resource does.

An api still serving requests when its database goes away logs a burst of errors and may lose the
writes in flight; a database stopped first is what users of PostgreSQL and Redis ask pyspire not
to do. So at shutdown a resource is stopped only once every resource that depends on it has ended:
those that wait for it, reference it (``with_reference``, or an endpoint or output of it in their
env, args or connection string), or are its children (``with_parent``).
Resources nothing orders run their stops in parallel, so 100 independent processes still stop as
fast as one. Each stop is bounded by the resource's own grace period (its stop signal, then
SIGKILL), so a dependent that will not die holds its dependency back by that much, no more.

A dependency cycle (two services referencing each other) has no order: the resources in it stop
together, once everything that depends on any of them has ended. Resources without processes (a
parameter, an integration's own kind) stop at once here — their objects are torn down afterwards
by the orchestrator — but still pass the order on: an api referencing a database that is a child
of a server stops before the server.

This module only orders; :meth:`pyspire.executor.executor.Executor.shutdown` says what stopping
one resource means (deleting its replica objects and awaiting their controllers).
"""

from __future__ import annotations

import asyncio
import graphlib
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence

from pyspire.model.annotations import (
    ArgsAnnotation,
    ConnectionStringAnnotation,
    EnvironmentAnnotation,
    ReferenceAnnotation,
)
from pyspire.model.endpoints import EndpointPart, EndpointReference
from pyspire.model.lifecycle import WaitAnnotation
from pyspire.model.outputs import OutputReference
from pyspire.model.relationships import parent_of
from pyspire.model.resource import Resource
from pyspire.model.values import ReferenceExpression


def dependencies_of(resource: Resource) -> set[str]:
    """The names of the resources ``resource`` needs while it runs: waits, references (also an
    endpoint or output of another resource in its env, args or connection string), parent."""
    needed = {w.target.name for w in resource.annotations_of(WaitAnnotation)}
    needed |= {r.target.name for r in resource.annotations_of(ReferenceAnnotation)}
    needed |= {target.name for target in _resources_in_values(resource)}
    parent = parent_of(resource)
    if parent is not None:
        needed.add(parent.name)
    needed.discard(resource.name)
    return needed


def _resources_in_values(resource: Resource) -> Iterator[Resource]:
    """The resources whose endpoints or outputs ``resource``'s values use."""
    values: list[object] = [e.value for e in resource.annotations_of(EnvironmentAnnotation)]
    values += [arg for a in resource.annotations_of(ArgsAnnotation) for arg in a.args]
    values += [c.value for c in resource.annotations_of(ConnectionStringAnnotation)]
    while values:
        value = values.pop()
        if isinstance(value, ReferenceExpression):
            values.extend(value.value_providers)
        elif isinstance(value, EndpointPart):
            yield value.endpoint.resource
        elif isinstance(value, EndpointReference | OutputReference):
            yield value.resource


class StopOrder:
    """The resources grouped into steps (one resource each, or a whole dependency cycle) and,
    for each step, the steps that must have ended before it stops."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        names = {r.name for r in resources}
        needs = {r.name: dependencies_of(r) & names for r in resources}
        #: step index → the names stopped together in it.
        self.steps: list[frozenset[str]] = _merge_cycles(needs)
        step_of = {name: i for i, step in enumerate(self.steps) for name in step}
        #: step index → the steps it depends on (they stop after it).
        self.needs: list[set[int]] = [set() for _ in self.steps]
        #: step index → how many steps depend on it (all must end before it stops).
        self.dependents: list[int] = [0] * len(self.steps)
        for name, needed in needs.items():
            for target in needed:
                before, after = step_of[name], step_of[target]
                if before != after and after not in self.needs[before]:
                    self.needs[before].add(after)
                    self.dependents[after] += 1

    async def run(self, stop: Callable[[frozenset[str]], Awaitable[None]]) -> None:
        """Stop every step with ``stop``, each as soon as all its dependents have ended, in
        parallel otherwise; return once all have ended."""
        waiting = list(self.dependents)
        async with asyncio.TaskGroup() as group:

            async def step(index: int) -> None:
                await stop(self.steps[index])
                for target in self.needs[index]:
                    waiting[target] -= 1
                    if waiting[target] == 0:
                        group.create_task(step(target), name=f"stop-{min(self.steps[target])}")

            for index, count in enumerate(waiting):
                if count == 0:
                    group.create_task(step(index), name=f"stop-{min(self.steps[index])}")


def _merge_cycles(needs: Mapping[str, set[str]]) -> list[frozenset[str]]:
    """One step per resource, except that the members of a dependency cycle share one."""
    group = {name: frozenset({name}) for name in needs}
    while True:
        graph = _condensed(needs, group)
        try:
            graphlib.TopologicalSorter(graph).prepare()
        except graphlib.CycleError as cycle:
            merged = frozenset().union(*cycle.args[1])
            for name in merged:
                group[name] = merged
            continue
        return list(dict.fromkeys(group.values()))


def _condensed(needs: Mapping[str, set[str]], group: Mapping[str, frozenset[str]]) -> dict[frozenset[str], set[frozenset[str]]]:
    graph: dict[frozenset[str], set[frozenset[str]]] = {step: set() for step in group.values()}
    for name, needed in needs.items():
        graph[group[name]].update(group[n] for n in needed if group[n] != group[name])
    return graph



class Deletions:
    """Replica objects being deleted at shutdown, each with a future its DELETED event resolves.
    The executor's own replica watches report the events: a watch per resource would see every
    event of every other one (100 resources: 100 × 100 deliveries)."""

    def __init__(self) -> None:
        self._pending: dict[tuple[str, str], asyncio.Future[None]] = {}

    def expect(self, kind: str, name: str) -> asyncio.Future[None]:
        """Call before deleting the object, so its DELETED event cannot come first."""
        future = self._pending.get((kind, name))
        if future is None:
            future = self._pending[(kind, name)] = asyncio.get_running_loop().create_future()
        return future

    def deleted(self, kind: str, name: str) -> None:
        future = self._pending.pop((kind, name), None)
        if future is not None and not future.done():
            future.set_result(None)
