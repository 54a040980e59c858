"""Value providers and expressions resolve against a context, and carry secrecy."""

from __future__ import annotations

from pyspire import DistributedApplication, ReferenceExpression, expr
from pyspire.model import AllocatedEndpoint


class FakeContext:
    """A ValueContext with fixed answers: the model layer is pure, so this is all it needs."""

    def __init__(self, consumer):
        self.consumer = consumer

    async def endpoint(self, ref):
        return AllocatedEndpoint("http", "localhost", 4000, 5000)

    async def configured_value(self, resource):
        return {"user": "bob", "pw": "hunter22"}[resource.name]


async def test_expression_joins_text_and_values(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    api = b.add_executable("api", "python", ".").with_http_endpoint()
    user = b.add_parameter("user")
    pw = b.add_parameter("pw", secret=True)
    ep = api.get_endpoint("http")
    conn = ReferenceExpression.format(
        "Host={};Port={1};User={2};Password={3};{{literal}}", ep.host, ep.port, user, pw
    )
    ctx = FakeContext(api.resource)
    assert await conn.resolve(ctx) == "Host=localhost;Port=4000;User=bob;Password=hunter22;{literal}"
    assert conn.is_secret
    assert "hunter22" not in conn.describe() and "parameter pw" in conn.describe()
    url = expr(ep.scheme, "://", ep.host, ":", ep.target_port)
    assert await url.resolve(ctx) == "http://localhost:5000"
    assert not url.is_secret
    assert await ep.resolve(ctx) == "http://localhost:4000"
    assert await ep.url.resolve(ctx) == "http://localhost:4000"
