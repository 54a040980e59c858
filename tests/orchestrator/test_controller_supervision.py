"""Controllers under supervision, and reconciles that steer their own retries: a controller that
crashes is restarted with its error in the log (or fails the app host when it keeps crashing);
a reconcile can ask to run again later, fail for now, or fail for good; a watch that falls behind
lists again and carries on."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

import pytest

from pyspire.errors import PermanentError, TemporaryError
from pyspire.extensions import (
    Controller,
    ControllerFailed,
    KindRegistry,
    KindSpec,
    ObjectStore,
    Result,
    SupervisionPolicy,
    TeardownPhase,
    WatchEvent,
)
from pyspire.orchestrator import Orchestrator

GADGET = "Gadget"
QUICK = SupervisionPolicy(max_restarts=2, window=60, backoff_first=0.01, backoff_max=0.05)


def gadget(name: str, **spec: object) -> dict[str, object]:
    return {"kind": GADGET, "metadata": {"name": name}, "spec": dict(spec)}


class Recorder(Controller):
    """Records every reconcile (name, monotonic time); ``behaviour`` decides what it returns."""

    kinds = (GADGET,)

    def __init__(self, store: ObjectStore) -> None:
        super().__init__(store)
        self.calls: list[tuple[str, float]] = []
        self.changed = asyncio.Event()
        self.behaviour: Callable[[str, int], Result | None] = lambda name, count: None

    def times(self, name: str) -> list[float]:
        return [t for n, t in self.calls if n == name]

    async def reconcile(self, name: str) -> Result | None:
        self.calls.append((name, time.monotonic()))
        self.changed.set()
        return self.behaviour(name, len(self.times(name)))

    async def until(self, done: Callable[[], bool], timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout):
            while not done():
                self.changed.clear()
                await self.changed.wait()


R = TypeVar("R", bound=Recorder)


def orchestrator_with(
    controller_type: type[R],
    behaviour: Callable[[str, int], Result | None] | None = None,
    store: ObjectStore | None = None,
) -> tuple[Orchestrator, R]:
    """An orchestrator serving only Gadgets, and its Gadget controller."""
    spec = KindSpec(kind=GADGET, plural="gadgets", controller=lambda ctx: controller_type(ctx.store))
    orchestrator = Orchestrator(kinds=KindRegistry([spec]), supervision=QUICK, store=store)
    controller = orchestrator.controllers[GADGET]
    assert isinstance(controller, controller_type)
    if behaviour is not None:
        controller.behaviour = behaviour
    return orchestrator, controller


class CrashesOnBadGadgets(Recorder):
    """Crashes on the first event of a "bad" gadget (a bug that bites once)."""

    crashed = False

    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        if event.name.startswith("bad") and not self.crashed:
            self.crashed = True
            raise RuntimeError(f"cannot handle {event.name}")
        return super().keys_for(event)


async def test_a_controller_that_raises_is_restarted_and_its_error_is_logged(caplog):
    caplog.set_level(logging.WARNING)
    orchestrator, controller = orchestrator_with(CrashesOnBadGadgets)
    async with orchestrator.running():
        orchestrator.store.create(gadget("bad-one"))
        orchestrator.store.create(gadget("good"))
        # The restarted controller lists again and reconciles what it missed; it then keeps
        # working on new objects.
        await controller.until(lambda: bool(controller.times("good")))
        orchestrator.store.create(gadget("later"))
        await controller.until(lambda: bool(controller.times("later")))
        assert not orchestrator.failed.is_set()
    crashes = [r for r in caplog.records if "crashed" in r.getMessage()]
    assert crashes, caplog.text
    message = crashes[0].getMessage()
    assert "CrashesOnBadGadgets" in message and "kind Gadget" in message
    assert "cannot handle bad-one" in message and "ADDED of Gadget 'bad-one'" in message
    assert any("restarts in" in r.getMessage() for r in caplog.records)


class AlwaysCrashes(Recorder):
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        raise RuntimeError("broken beyond repair")


async def test_a_controller_that_keeps_crashing_fails_the_app_host_with_a_clear_message(caplog):
    orchestrator, _ = orchestrator_with(AlwaysCrashes)
    with pytest.raises(ControllerFailed) as failed:
        async with orchestrator.running():
            orchestrator.store.create(gadget("any"))
            await asyncio.wait_for(orchestrator.failed.wait(), 10)
    message = str(failed.value)
    assert "AlwaysCrashes (kind Gadget) crashed 3 times within 60s" in message
    assert "broken beyond repair" in message and "The app host stops" in message


async def test_a_requeued_object_is_reconciled_again_after_the_delay():
    orchestrator, controller = orchestrator_with(
        Recorder, lambda name, count: Result(requeue_after=0.3) if count < 3 else None
    )
    async with orchestrator.running():
        orchestrator.store.create(gadget("polled"))
        await controller.until(lambda: len(controller.times("polled")) == 3)
    first, second, third = controller.times("polled")
    assert second - first >= 0.29 and third - second >= 0.29


def _temporary_then_fine(name: str, count: int) -> Result | None:
    if count == 1:
        raise TemporaryError("the engine is still starting", delay=0.2)
    return None


async def test_a_temporary_error_is_retried_after_its_delay(caplog):
    caplog.set_level(logging.WARNING)
    orchestrator, controller = orchestrator_with(Recorder, _temporary_then_fine)
    async with orchestrator.running():
        orchestrator.store.create(gadget("engine"))
        await controller.until(lambda: len(controller.times("engine")) == 2)
    first, second = controller.times("engine")
    assert second - first >= 0.19
    assert "reconcile of Gadget 'engine' will be retried in 0.2s: the engine is still starting" in caplog.text


def _permanent_or_slow_poll(name: str, count: int) -> Result | None:
    if name == "hopeless":
        raise PermanentError("image nosuch:latest does not exist")
    return Result(requeue_after=0.5) if count == 1 else None


async def test_a_permanent_error_is_logged_once_and_not_retried(caplog):
    orchestrator, controller = orchestrator_with(Recorder, _permanent_or_slow_poll)
    async with orchestrator.running():
        orchestrator.store.create(gadget("hopeless"))
        orchestrator.store.create(gadget("clock"))
        # By the clock's second reconcile (0.5 s later) a retry with backoff would have run.
        await controller.until(lambda: len(controller.times("clock")) == 2)
    assert len(controller.times("hopeless")) == 1
    failures = [r for r in caplog.records if "hopeless" in r.getMessage()]
    assert len(failures) == 1
    assert "failed and is not retried: image nosuch:latest does not exist" in failures[0].getMessage()


def _fails_twice(name: str, count: int) -> Result | None:
    if count <= 2:
        raise ValueError(f"bug number {count}")
    return None


async def test_a_reconcile_that_raises_is_logged_with_its_object_and_retried_with_backoff(caplog):
    orchestrator, controller = orchestrator_with(Recorder, _fails_twice)
    async with orchestrator.running():
        orchestrator.store.create(gadget("buggy"))
        await controller.until(lambda: len(controller.times("buggy")) == 3)
    first, second, third = controller.times("buggy")
    assert third - second > second - first  # the delay grows
    logged = [r.getMessage() for r in caplog.records if "buggy" in r.getMessage()]
    assert logged == [
        "Recorder: reconcile of Gadget 'buggy' failed (1 in a row); retrying in 0.1s",
        "Recorder: reconcile of Gadget 'buggy' failed (2 in a row); retrying in 0.2s",
    ]
    assert "bug number 2" in caplog.text  # with the traceback


class Resyncs(Recorder):
    resync_seconds = 0.1


async def test_a_periodic_resync_reconciles_unchanged_objects():
    orchestrator, controller = orchestrator_with(Resyncs)
    async with orchestrator.running():
        orchestrator.store.create(gadget("steady"))
        await controller.until(lambda: len(controller.times("steady")) >= 3)


class TwoAtATime(Recorder):
    max_concurrent_reconciles = 2

    def __init__(self, store: ObjectStore) -> None:
        super().__init__(store)
        self.release = asyncio.Event()
        self.running = 0
        self.most = 0

    async def reconcile(self, name: str) -> Result | None:
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            await super().reconcile(name)
            await self.release.wait()
        finally:
            self.running -= 1
        return None


async def test_reconciles_of_a_kind_never_exceed_its_concurrency_limit():
    orchestrator, controller = orchestrator_with(TwoAtATime)
    async with orchestrator.running():
        for i in range(6):
            orchestrator.store.create(gadget(f"g{i}"))
        await controller.until(lambda: len(controller.calls) == 2)
        controller.release.set()
        await controller.until(lambda: len(controller.calls) == 6)
    assert controller.most == 2


async def test_a_watch_that_falls_behind_lists_again_and_carries_on(caplog):
    caplog.set_level(logging.WARNING)
    # A watcher more than 3 events behind is ended with Gone (the store's bound on slow watchers).
    orchestrator, controller = orchestrator_with(Recorder, store=ObjectStore(watch_queue_limit=3))
    async with orchestrator.running():
        assert controller.ready.is_set()  # running() returns once the controllers watch
        for i in range(10):  # in one go: the watch cannot keep up
            orchestrator.store.create(gadget(f"burst{i}"))
        await controller.until(lambda: {f"burst{i}" for i in range(10)} <= {n for n, _ in controller.calls})
        orchestrator.store.create(gadget("after"))
        await controller.until(lambda: bool(controller.times("after")))
        assert not orchestrator.failed.is_set()
    assert "the watch of Gadget fell behind" in caplog.text


class CrashesOnDeletion(Recorder):
    def keys_for(self, event: WatchEvent) -> Iterable[str]:
        if event.object["metadata"].get("deletionTimestamp"):
            raise RuntimeError(f"cannot let {event.name} go")
        return super().keys_for(event)


async def test_shutdown_does_not_hang_when_a_controller_fails_while_deleting():
    spec = KindSpec(
        kind=GADGET,
        plural="gadgets",
        controller=lambda ctx: CrashesOnDeletion(ctx.store),
        teardown=TeardownPhase.WORKLOADS,
    )
    orchestrator = Orchestrator(kinds=KindRegistry([spec]), supervision=QUICK)
    with pytest.raises(ControllerFailed) as failed:
        async with asyncio.timeout(10):
            async with orchestrator.running():
                orchestrator.store.create(
                    {**gadget("held"), "metadata": {"name": "held", "finalizers": ["x/y"]}}
                )
    assert "cannot let held go" in str(failed.value)
