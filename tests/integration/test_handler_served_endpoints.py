"""A resource its own handler serves (no process: the app host listens for it, as the k3s service
endpoint does) gets its endpoint's port like any other, and whoever references it receives it."""

from __future__ import annotations

import asyncio
import json
import socket
from typing import ClassVar

from pyspire import DistributedApplication, Resource, ResourceBuilder, testing
from pyspire.extensions import HealthStatus, ResourceHandlerBase, ResourceState, resource_handlers
from pyspire.model.endpoints import EndpointAnnotation, EndpointReference
from tests.conftest import APPS, PYTHON

#: Linux's IP_FREEBIND (the socket module does not name it).
IP_FREEBIND = 15


class Greeter(Resource):
    """Answers ``hi`` on its endpoint, from inside the app host."""

    resource_type: ClassVar[str] = "Greeter"


class GreeterHandler(ResourceHandlerBase):
    server: asyncio.Server | None = None

    async def on_start(self) -> None:
        port = int(await self.ctx.resolve(EndpointReference(self.resource, "tcp").port))

        async def greet(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"hi")
            await writer.drain()
            writer.close()

        self.server = await asyncio.start_server(greet, "127.0.0.1", port)
        self.ctx.publish(state=ResourceState.RUNNING, health=HealthStatus.HEALTHY)

    async def on_stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


async def test_a_handler_served_endpoint_gets_a_port_its_handler_listens_on_and_referencing_processes_receive(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    greeter = ResourceBuilder(b, Greeter("greeter"))
    greeter._record(EndpointAnnotation(name="tcp", proxied=False))
    b.add_resource(greeter)
    dump = tmp_path / "client.json"
    b.add_executable("client", PYTHON, APPS, "dump_env.py").with_reference(greeter.resource).with_env(
        "DUMP_TO", str(dump)
    )
    with resource_handlers.registered(Greeter, GreeterHandler):
        async with testing.start(b) as app:
            await app.wait_for_resource("greeter")
            await app.wait_for_log("client", "dumped")
            url = app.endpoint_url("greeter", "tcp")
            port = int(url.rsplit(":", 1)[1])
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            assert await asyncio.wait_for(reader.read(), 5) == b"hi"
            writer.close()
            env = json.loads(dump.read_text())["env"]
            assert env["services__greeter__tcp__0"] == f"tcp://localhost:{port}"
            assert [u.url for u in app.resource("greeter").urls] == [url]


class EverywhereGreeterHandler(ResourceHandlerBase):
    """Listens where ``listen_addresses`` says (loopback, and the gateways when there are containers)."""

    addresses: ClassVar[list[str]] = []
    servers: list[asyncio.Server]

    async def on_start(self) -> None:
        port = int(await self.ctx.resolve(EndpointReference(self.resource, "tcp").port))
        EverywhereGreeterHandler.addresses = await self.ctx.listen_addresses()

        async def greet(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.write(b"hi\n")
            await writer.drain()
            writer.close()

        self.servers = []
        for address in EverywhereGreeterHandler.addresses:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.IPPROTO_IP, IP_FREEBIND, 1)  # a gateway before any container joined
            sock.bind((address, port))
            self.servers.append(await asyncio.start_server(greet, sock=sock))
        self.ctx.publish(state=ResourceState.RUNNING, health=HealthStatus.HEALTHY)

    async def on_stop(self) -> None:
        for server in self.servers:
            server.close()
            await server.wait_closed()


#: bash's /dev/tcp to the URL rendered for the container (the test busybox cannot resolve names).
READ_GREETING = 'u=${services__greeter__tcp__0#tcp://}; read -r got < "/dev/tcp/${u%:*}/${u##*:}"; echo "url=$services__greeter__tcp__0 got=$got"'


async def test_a_container_referencing_a_handler_served_endpoint_reaches_it_on_the_listen_addresses(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    greeter = ResourceBuilder(b, Greeter("greeter"))
    greeter._record(EndpointAnnotation(name="tcp", proxied=False))
    b.add_resource(greeter)
    (
        b.add_container("hep-box", "localhost/debian:bookworm")
        .with_entrypoint("bash")
        .with_args("-c", READ_GREETING)
        .with_stop_grace_period(0)
        .with_reference(greeter.resource)
        .wait_for(greeter.resource)
    )
    with resource_handlers.registered(Greeter, EverywhereGreeterHandler):
        async with testing.start(b) as app:
            try:
                line = await app.wait_for_log("hep-box", "got=", timeout=30)
            except TimeoutError:
                raise AssertionError((app.resource("greeter"), app.log_text("greeter"), app.log_text("hep-box"), app.resource("hep-box"))) from None
            port = app.endpoint_url("greeter", "tcp").rsplit(":", 1)[1]
            assert line.text == f"url=tcp://host.containers.internal:{port} got=hi"
            addresses = EverywhereGreeterHandler.addresses
            assert addresses[0] == "127.0.0.1" and len(addresses) >= 2, addresses
            assert "0.0.0.0" not in addresses


async def test_without_containers_a_handler_listens_on_loopback_only(tmp_path):
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    greeter = ResourceBuilder(b, Greeter("greeter"))
    greeter._record(EndpointAnnotation(name="tcp", proxied=False))
    b.add_resource(greeter)
    with resource_handlers.registered(Greeter, EverywhereGreeterHandler):
        async with testing.start(b) as app:
            await app.wait_for_resource("greeter")
            assert EverywhereGreeterHandler.addresses == ["127.0.0.1"]
