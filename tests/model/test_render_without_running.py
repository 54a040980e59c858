"""A model's env and args render into manifest expressions without starting anything.

The publisher (here a small Compose-style context) decides what endpoints, parameters and literal
text render to; pyspire walks the same launch plan ``pyspire run`` resolves. No event loop runs in
these tests, so nothing can be started, allocated or awaited.
"""

from __future__ import annotations

import asyncio
import re

import pytest

from pyspire import DistributedApplication, ExecutionContext, expr
from pyspire.extensions import PUBLISH, RenderError, render_launch, render_launch_async
from pyspire.model.endpoints import EndpointProperty, EndpointReference
from pyspire.model.names import env_name_part
from pyspire.model.resource import Resource


class ComposeContext:
    """Renders values as Compose ``${VAR}`` interpolations (``$`` in literal text doubled)."""

    def __init__(self, consumer: Resource) -> None:
        self.consumer = consumer
        self.execution: ExecutionContext = PUBLISH

    def literal(self, text: str) -> str:
        return text.replace("$", "$$")

    def endpoint_part(self, ref: EndpointReference, prop: EndpointProperty) -> str:
        return "${" + f"{env_name_part(ref.resource.name)}_{env_name_part(ref.endpoint_name)}_{prop.upper()}" + "}"

    def configured_value(self, resource: Resource) -> str:
        return "${" + env_name_part(resource.name) + "}"

    def output(self, ref) -> str:
        return "${" + f"{env_name_part(ref.resource.name)}_{env_name_part(ref.name)}" + "}"


def _no_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return True
    return False


def small_model(tmp_path, seen_modes: list[bool]):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    api = builder.add_executable("api", "python", ".", "server.py").with_http_endpoint(env="PORT")
    region = builder.add_parameter("region", value="eu-west-1")
    token = builder.add_parameter("api-token", secret=True)
    http = api.get_endpoint("http")

    def mode_aware(ctx) -> None:
        seen_modes.append(ctx.is_publish)
        assert _no_event_loop(), "rendering must not need an event loop"
        if not ctx.is_publish:
            ctx.env["DEBUG_TOOLBAR"] = "1"
        ctx.env["UPSTREAM_HOST"] = http.host

    web = (
        builder.add_executable("web", "python", ".", "web.py")
        .with_http_endpoint(env="WEB_PORT")
        .with_reference(api)
        .with_env("REGION", region)
        .with_env("TOKEN", token)
        .with_env("PRICE", "5$")
        .with_env("API_BASE", expr(http.scheme, "://", http.host, ":", http.port, "/v1"))
        .with_env(mode_aware)
        .with_args("--upstream", http.url, "--region", region)
    )
    builder.build()  # a valid model: rendering starts from what `pyspire run` would run
    return web.resource


def test_env_and_args_render_to_compose_expressions_without_starting_anything(tmp_path):
    seen_modes: list[bool] = []
    web = small_model(tmp_path, seen_modes)

    rendered = render_launch(web, ComposeContext(web))

    assert rendered.env == {
        "WEB_PORT": "${WEB_HTTP_TARGET_PORT}",
        "services__api__http__0": "${API_HTTP_URL}",
        "API_HTTP": "${API_HTTP_URL}",
        "REGION": "${REGION}",
        "TOKEN": "${API_TOKEN}",
        "PRICE": "5$$",
        "API_BASE": "${API_HTTP_SCHEME}://${API_HTTP_HOST}:${API_HTTP_PORT}/v1",
        "UPSTREAM_HOST": "${API_HTTP_HOST}",
    }
    assert list(rendered.env) == [
        "WEB_PORT", "services__api__http__0", "API_HTTP", "REGION", "TOKEN", "PRICE", "API_BASE", "UPSTREAM_HOST"
    ], "the documented order: endpoint env, references, then with_env in the order recorded"
    assert rendered.args == ["web.py", "--upstream", "${API_HTTP_URL}", "--region", "${REGION}"]
    assert seen_modes == [True], "the env callback ran once, and saw publish mode"
    assert rendered.secret_env == {"TOKEN"}, "a publisher learns which variables hold a secret"


def test_run_mode_policy_stays_out_of_the_manifest(tmp_path):
    web = small_model(tmp_path, [])
    rendered = render_launch(web, ComposeContext(web))
    assert not [name for name in rendered.env if re.match(r"OTEL_|PYTHONUNBUFFERED$|DEBUG_TOOLBAR$", name)]


def test_a_connection_string_renders_from_the_resources_own_expression(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = builder.add_container("cache", "redis", tag="7.4").with_endpoint("tcp", target_port=6379)
    tcp = cache.get_endpoint("tcp")
    cache.with_connection_string(expr("redis://", tcp.host, ":", tcp.port))
    db = builder.add_connection_string("db")
    app = builder.add_executable("app", "python", ".").with_reference(cache).with_reference(db)
    builder.build()

    rendered = render_launch(app.resource, ComposeContext(app.resource))

    assert rendered.env == {
        "ConnectionStrings__cache": "redis://${CACHE_TCP_HOST}:${CACHE_TCP_PORT}",
        "services__cache__tcp__0": "${CACHE_TCP_URL}",
        "CACHE_TCP": "${CACHE_TCP_URL}",
        "ConnectionStrings__db": "${DB}",
    }
    assert rendered.secret_env == {"ConnectionStrings__db"}


class OpaqueProvider:
    """A third-party value provider that only knows how to resolve at run time."""

    is_secret = False

    def describe(self) -> str:
        return "vault secret payments/key"

    async def resolve(self, ctx) -> str:
        return "resolved"


def test_a_provider_without_a_manifest_form_fails_naming_it(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    app = builder.add_executable("app", "python", ".").with_env("KEY", OpaqueProvider())
    builder.build()
    with pytest.raises(RenderError) as caught:
        render_launch(app.resource, ComposeContext(app.resource))
    message = str(caught.value)
    assert "resource 'app'" in message and "vault secret payments/key" in message and "render(ctx)" in message


def test_a_callback_that_really_awaits_renders_inside_a_loop_only(tmp_path):
    builder = DistributedApplication.create_builder(app_dir=tmp_path)

    async def slow(ctx) -> None:
        await asyncio.sleep(0)
        ctx.env["LATE"] = "yes"

    app = builder.add_executable("app", "python", ".").with_env(slow)
    builder.build()
    with pytest.raises(RenderError, match="render_launch_async"):
        render_launch(app.resource, ComposeContext(app.resource))
    rendered = asyncio.run(render_launch_async(app.resource, ComposeContext(app.resource)))
    assert rendered.env == {"LATE": "yes"}
