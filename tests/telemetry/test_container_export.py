"""A container reaches the app host's receiver, which listens on loopback only, through the
engine's host alias: the app host puts a proxy for the receiver's port on the container
network's gateway (``context.containers.expose``), and nowhere else but loopback."""

from __future__ import annotations

import socket

import pytest

from pyspire import DistributedApplication, testing
from pyspire.extensions import APP_HOST_SERVICES
from pyspire.orchestrator.objects import CONTAINER_NETWORK
from tests.containers.helpers import podman, sh
from tests.telemetry.probe import ProbeReceiver
from tests.telemetry.test_exporter_wiring import probe_factory

pytestmark = pytest.mark.containers

#: OTLP/JSON over HTTP with busybox's wget: the header variable turned into a header line.
EXPORT_FROM_BUSYBOX = (
    'name="${OTEL_EXPORTER_OTLP_HEADERS%%=*}"; value="${OTEL_EXPORTER_OTLP_HEADERS#*=}"; '
    'until wget -q -O- --header "$name: $value" --header "Content-Type: application/json" '
    "--post-data '{\"resourceLogs\":[]}' \"$OTEL_EXPORTER_OTLP_ENDPOINT/v1/logs\"; do sleep 0.2; done; "
    "echo; echo sent; sleep 3600"
)


def listening_addresses(port: int) -> set[str]:
    """Every local address a TCP socket listens on ``port`` at (from /proc/net/tcp and tcp6)."""
    found = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, port_hex = local.split(":")
                if state != "0A" or int(port_hex, 16) != port:
                    continue
                raw = bytes.fromhex(address)
                # /proc prints each 32-bit word in host (little-endian) order.
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(socket.inet_ntop(family, raw))
    return found


async def test_a_container_exports_through_the_host_alias_to_a_loopback_receiver(tmp_path):
    probes: list[ProbeReceiver] = []
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    sh(b, "box", EXPORT_FROM_BUSYBOX).with_otlp_exporter(protocol="http/protobuf")
    with APP_HOST_SERVICES.registered(probe_factory(probes)):
        async with testing.start(b) as app:
            [probe] = probes
            assert probe.container_port is not None and probe.container_port != probe.port
            env = {e.name: e.value for e in (await app.wait_for_resource("box")).env}
            assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == f"http://host.containers.internal:{probe.container_port}"
            request = await probe.next_request(timeout=60)
            assert (request.method, request.path) == ("POST", "/v1/logs")
            assert request.headers["x-otlp-api-key"] == probe.api_key
            assert request.body == b'{"resourceLogs":[]}'
            await app.wait_for_log("box", "sent")

            network = app.running.orchestrator.store.find(CONTAINER_NETWORK, "network")
            assert network is not None
            gateways = {g for g in network["status"]["gateways"] if ":" not in g}
            assert gateways, "the network has an IPv4 gateway"
            addresses = listening_addresses(probe.container_port)
            assert addresses & gateways, "the proxy listens on the gateway"
            assert addresses <= {"127.0.0.1", "::1", *gateways}, f"nowhere else but loopback: {addresses}"
            assert listening_addresses(probe.port) == {"127.0.0.1"}, "the receiver itself stays on loopback"


#: Exports every half second for as long as it runs (so a re-adopted container is seen exporting).
EXPORT_FOREVER = (
    'name="${OTEL_EXPORTER_OTLP_HEADERS%%=*}"; value="${OTEL_EXPORTER_OTLP_HEADERS#*=}"; '
    'while true; do wget -q -O- --header "$name: $value" --header "Content-Type: application/json" '
    "--post-data '{\"resourceLogs\":[]}' \"$OTEL_EXPORTER_OTLP_ENDPOINT/v1/logs\" && echo; sleep 0.5; done"
)


@pytest.fixture
def remove_containers():
    names: list[str] = []
    yield names
    for name in names:
        podman("rm", "-f", "-t", "0", name)
    for network in podman("network", "ls", "--format", "{{.Name}}").split():
        if network in names:
            podman("network", "rm", network)


async def test_a_persistent_container_is_readopted_and_still_exports_on_the_next_run(tmp_path, remove_containers):
    def model():
        b = DistributedApplication.create_builder(app_dir=tmp_path)
        sh(b, "keeper", EXPORT_FOREVER).with_lifetime("persistent").with_otlp_exporter(protocol="http/protobuf")
        return b

    keys = []
    for run in (1, 2):
        probes: list[ProbeReceiver] = []
        with APP_HOST_SERVICES.registered(probe_factory(probes)):
            async with testing.start(model()) as app:
                snapshot = await app.wait_for_resource("keeper")
                container_id = snapshot.replicas[0].container_id
                if run == 1:
                    first_id = container_id
                    remove_containers.append(podman("inspect", "--format", "{{.Name}}", container_id))
                    remove_containers.append(
                        podman("inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{end}}", container_id)
                    )
                else:
                    assert container_id == first_id, "re-adopted: the exporter variables did not change"
                    assert "re-adopted" in app.log_text("keeper")
                request = await probes[0].next_request(timeout=60)
                assert request.headers["x-otlp-api-key"] == probes[0].api_key
                keys.append(probes[0].api_key)
    assert keys[0] == keys[1], "the key is kept for an app with a persistent container"
    assert ((tmp_path / ".pyspire" / "otlp-api-key").stat().st_mode & 0o777) == 0o600
