"""Two keepers of ``.pyspire/persistent-ports.json`` in one app host (the executor's for the
containers' host ports, the gateway proxies' of the app host services) must not drop each
other's ports: a dropped one is a new port next run, a changed container environment, and a
persistent container recreated instead of re-adopted."""

from __future__ import annotations

from itertools import count

from pyspire.executor.persistent_ports import PersistentPorts


def test_ports_recorded_by_two_keepers_of_one_file_are_all_there_next_run(tmp_path):
    ports = count(40000)
    executor_side = PersistentPorts(tmp_path)
    services_side = PersistentPorts(tmp_path)
    proxy = services_side.port_for("pyspire-app-host/otlp-grpc", lambda: next(ports))
    cache = executor_side.port_for("cache/http", lambda: next(ports))
    next_run = PersistentPorts(tmp_path)
    assert next_run.port_for("pyspire-app-host/otlp-grpc", lambda: -1) == proxy
    assert next_run.port_for("cache/http", lambda: -1) == cache
