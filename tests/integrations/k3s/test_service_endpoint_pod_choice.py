"""Which pod and port a forwarded connection reaches: ready pods only, targetPort mapped."""

from __future__ import annotations

from typing import Any

import pytest

from pyspire.integrations.k3s.pod_resolver import (
    ServicePortError,
    choose_ready_pod,
    pod_is_ready,
    service_port_spec,
    target_port,
)


def _pod(
    name: str, phase: str = "Running", ready: tuple[bool, ...] = (True,), **extra: Any
) -> dict[str, Any]:
    pod: dict[str, Any] = {
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": 8080}]}]},
        "status": {"phase": phase, "containerStatuses": [{"ready": r} for r in ready]},
    }
    pod["metadata"].update(extra)
    return pod


SERVICE = {
    "metadata": {"name": "web"},
    "spec": {
        "selector": {"app": "web"},
        "ports": [
            {"port": 80, "targetPort": "http"},
            {"port": 81, "targetPort": 9090},
            {"port": 82},
            {"port": 83, "targetPort": "metrics"},
        ],
    },
}


def test_a_pod_is_ready_only_when_running_with_every_container_ready() -> None:
    assert pod_is_ready(_pod("a"))
    assert not pod_is_ready(_pod("a", phase="Pending"))
    assert not pod_is_ready(_pod("a", ready=(True, False)))
    assert not pod_is_ready(_pod("a", ready=()))
    assert not pod_is_ready(_pod("a", deletionTimestamp="2026-01-01T00:00:00Z"))


def test_the_chosen_pod_is_a_ready_one_and_the_same_for_the_same_pods() -> None:
    pods = [_pod("c", phase="Pending"), _pod("b"), _pod("a", ready=(False,))]
    chosen = choose_ready_pod(pods)
    assert chosen is not None and chosen["metadata"]["name"] == "b"
    assert choose_ready_pod(list(reversed(pods))) is chosen


def test_no_pod_is_chosen_when_none_is_ready() -> None:
    assert choose_ready_pod([_pod("a", phase="Pending")]) is None
    assert choose_ready_pod([]) is None


def test_a_named_target_port_maps_to_the_pods_container_port() -> None:
    assert target_port(service_port_spec(SERVICE, 80), _pod("a")) == 8080


def test_a_numeric_target_port_is_used_as_is() -> None:
    assert target_port(service_port_spec(SERVICE, 81), _pod("a")) == 9090


def test_a_port_without_target_port_targets_the_same_port() -> None:
    assert target_port(service_port_spec(SERVICE, 82), _pod("a")) == 82


def test_a_named_target_port_the_pod_lacks_is_an_error_naming_it() -> None:
    with pytest.raises(ServicePortError, match="'metrics'"):
        target_port(service_port_spec(SERVICE, 83), _pod("a"))


def test_an_unknown_service_port_is_an_error_listing_the_ports_it_has() -> None:
    with pytest.raises(ServicePortError, match=r"no port 8080 \(its ports: 80, 81, 82, 83\)"):
        service_port_spec(SERVICE, 8080)
