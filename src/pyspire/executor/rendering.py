"""Rendering a resource's launch plan into manifest expressions, without running anything.

A publisher (Compose, Helm, later issues) supplies a :class:`pyspire.model.RenderContext` that
says what endpoints, parameters and literals render to; this module walks the same launch plan run
mode resolves, so the published env and args are the ones ``pyspire run`` would set, minus
run-mode policy. No process starts, no port is allocated, and no event loop is needed (unless an
async callback really awaits something: then use :func:`render_launch_async`).
"""

from __future__ import annotations

from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from pyspire.executor.launch_plan import EnvValue, LaunchPlan, ListenPortEnv, plan_launch
from pyspire.model.errors import RenderError
from pyspire.model.resource import Resource
from pyspire.model.values import RenderContext, render_value

T = TypeVar("T")


@dataclass(frozen=True)
class RenderedLaunch:
    """A resource's environment and arguments as manifest expressions; ``secret_env`` names the
    variables whose value is secret (a publisher puts those in a Secret, not in plain values)."""

    env: dict[str, str]
    args: list[str]
    secret_env: frozenset[str] = frozenset()


def render_plan(plan: LaunchPlan, ctx: RenderContext) -> RenderedLaunch:
    """Render each step; derived connection properties (``{NAME}_HOST``…) are left out, since a
    manifest expression has no parts to derive them from."""
    env: dict[str, str] = {}
    secret: set[str] = set()
    for step in plan.env:
        if isinstance(step, ListenPortEnv):
            env[step.name] = ctx.endpoint_part(step.endpoint, "target_port")
            secret.discard(step.name)
        elif isinstance(step, EnvValue):
            env[step.name] = render_value(step.value, ctx)
            if step.secret:
                secret.add(step.name)
            else:
                secret.discard(step.name)  # a later plain value replaced a secret one
    return RenderedLaunch(env, [render_value(a, ctx) for a in plan.args], frozenset(secret))


async def render_launch_async(resource: Resource, ctx: RenderContext) -> RenderedLaunch:
    """:func:`render_launch` for callbacks that await."""
    return render_plan(await plan_launch(resource, ctx.execution), ctx)


def render_launch(resource: Resource, ctx: RenderContext) -> RenderedLaunch:
    """The env and args of ``resource`` rendered by ``ctx``; callbacks see ``ctx.execution``."""
    return _complete_without_loop(render_launch_async(resource, ctx), resource)


def _complete_without_loop(coroutine: Coroutine[Any, Any, T], resource: Resource) -> T:
    """Run a coroutine that never suspends (sync callbacks, async ones that await nothing)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coroutine.close()
    raise RenderError(
        f"resource '{resource.name}': an env or args callback awaited something while rendering; "
        "render it with 'await render_launch_async(...)' inside an event loop"
    )
