"""A port can bind and still refuse every connection (a local firewall rule: on the machines
this project's CI runs on, three ports of the ephemeral range). pyspire must never hand such a
port to a service, a proxy or its own API, or that service would look fine and never answer."""

from __future__ import annotations

import socket

from pyspire.runtime.ports import accepts_connections, pick_free_port


def test_a_listening_port_accepts_and_the_probe_leaves_nothing_in_its_queue():
    listener = socket.create_server(("127.0.0.1", 0))
    listener.setblocking(False)
    try:
        assert accepts_connections(listener)
        assert listener.gettimeout() == 0.0, "the listener is left as it was (non-blocking)"
        try:
            listener.accept()
            raise AssertionError("the probe's connection was left for the listener's owner")
        except BlockingIOError:
            pass
    finally:
        listener.close()


def test_a_port_that_refuses_connections_is_told_apart():
    bound = socket.socket()
    bound.bind(("127.0.0.1", 0))  # bound, not listening: every connection is refused
    try:
        assert not accepts_connections(bound)
    finally:
        bound.close()


def test_a_port_the_machine_refuses_is_passed_over_and_not_offered_again(monkeypatch):
    import pyspire.runtime.ports as ports

    offered: list[int] = []

    def refuse_the_first_two(listener: socket.socket, timeout: float = 0.5) -> bool:
        offered.append(listener.getsockname()[1])
        return len(offered) > 2

    monkeypatch.setattr(ports, "accepts_connections", refuse_the_first_two)
    port = ports.pick_free_port()
    assert port == offered[-1] and len(set(offered)) == 3, offered


def test_a_picked_port_is_one_a_client_can_connect_to():
    port = pick_free_port()
    server = socket.create_server(("127.0.0.1", port))
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            pass
    finally:
        server.close()
