"""One queue, one reader: intents from several callers run one at a time, in the order queued;
cancel does not queue behind them, it cancels the running operation at once."""

from __future__ import annotations

import asyncio

import pytest

from pyspire.provisioning import (
    ChangeContext,
    Delete,
    EnsureProvisioned,
    EnvironmentState,
    ForgetState,
    MissingConfiguration,
    OperationCanceled,
    ProvisioningState,
    Reprovision,
    Scope,
)
from tests.provisioning.conftest import Factory
from tests.provisioning.fake_backend import FakeCloud, settle, wait_until


async def test_intents_from_several_callers_run_one_at_a_time_in_the_order_they_were_queued(
    make: Factory, cloud: FakeCloud
) -> None:
    controller, backend = make()
    await controller.run(EnsureProvisioned())
    backend.calls.clear()
    cloud.hold("a")
    operations: list[str | None] = []
    controller.board.subscribe(lambda e: operations.append(controller.current_operation))

    async def caller(intent: object, delay: int) -> object:
        await settle(delay)  # the CLI, the API and the dashboard each submit from their own task
        return await controller.submit(intent)  # type: ignore[arg-type]

    first = asyncio.create_task(caller(Reprovision("a"), 0))
    await wait_until(lambda: cloud.running("a"))
    rest = [
        asyncio.create_task(caller(Reprovision("b"), 1)),
        asyncio.create_task(caller(Delete("c"), 2)),
        asyncio.create_task(caller(ForgetState("b"), 3)),
    ]
    await settle()
    assert backend.calls == [("deploy", "a"), ("wait", "a")]  # nobody overtook the running operation
    cloud.release("a")
    await asyncio.gather(first, *rest)
    touched = [(op, n) for op, n in backend.calls if op in ("deploy", "delete")]
    assert touched == [("deploy", "a"), ("deploy", "b"), ("delete", "c")]
    assert controller.board.resources["b"].state is ProvisioningState.NOT_PROVISIONED  # forget ran last
    labels = [o for o in dict.fromkeys(operations) if o]
    assert labels == ["Reprovision a", "Reprovision b", "Delete c", "Forget state of b"]


async def test_cancel_cancels_the_running_operation_at_once_and_the_queue_moves_on(
    make: Factory, cloud: FakeCloud
) -> None:
    cloud.hold("a")
    controller, backend = make()
    provisioning = controller.submit(EnsureProvisioned())
    await wait_until(lambda: cloud.running("a"))
    queued = controller.submit(Reprovision("b"))
    assert controller.cancel() is True
    with pytest.raises(OperationCanceled):
        await asyncio.wait_for(provisioning, 1.0)  # without releasing the held deployment
    assert backend.count("cancel", "a") == 1 and cloud.running("a") == []
    assert controller.board.resources["a"].state is ProvisioningState.CANCELED
    cloud.release("a")  # the queued pass deploys a again (its last deployment was canceled)
    await asyncio.wait_for(queued, 1.0)
    assert controller.board.resources["b"].state is ProvisioningState.PROVISIONED
    assert backend.count("deploy", "a") == 2  # a canceled deployment is not reused


async def test_cancel_with_nothing_running_does_nothing(make: Factory) -> None:
    controller, _ = make()
    assert controller.cancel() is False


async def test_missing_configuration_gives_a_clear_state_without_calling_the_cloud_and_change_context_fixes_it(
    make: Factory,
) -> None:
    controller, backend = make(scope=Scope("dev"), required={"account": "AWS:Account", "region": "AWS:Region"})
    with pytest.raises(MissingConfiguration, match="set AWS:Account, AWS:Region"):
        await controller.run(EnsureProvisioned())
    assert backend.calls == []
    assert controller.board.environment is EnvironmentState.MISSING_CONFIGURATION
    a = controller.board.resources["a"]
    assert a.state is ProvisioningState.MISSING_CONFIGURATION and "AWS:Region" in a.message
    result = await controller.run(ChangeContext(account="111122223333", region="eu-west-1"))
    assert set(result.outputs) == {"a", "b", "c"}
    assert controller.board.environment is EnvironmentState.READY


async def test_a_resources_cancel_cancels_only_an_operation_acting_on_it(make: Factory, cloud: FakeCloud) -> None:
    controller, _ = make()
    await controller.run(EnsureProvisioned())
    cloud.hold("a")
    running = controller.submit(Reprovision("a"))
    await wait_until(lambda: cloud.running("a"))
    assert controller.cancel("b") is False
    assert controller.cancel("a") is True
    with pytest.raises(OperationCanceled, match="Reprovision a was canceled"):
        await asyncio.wait_for(running, 1.0)
