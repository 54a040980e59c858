"""What ``add_service_endpoint`` puts in the model, checked without starting anything: a child of
the cluster that waits for it, with one host endpoint of its own (allocated on loopback, served by
the app host: no proxy in front), referenced like any endpoint; wrong arguments are build problems."""

from __future__ import annotations

from pathlib import Path

from pyspire.extensions import parent_of
from pyspire.integrations.k3s.service_endpoints import ServiceEndpointResource
from pyspire.model.lifecycle import WaitAnnotation
from tests.integrations.k3s.helm_model import model_cluster
from tests.model.model_problems import problems_of


def test_the_endpoint_is_a_child_of_the_cluster_that_waits_for_it_with_an_unproxied_endpoint(tmp_path: Path) -> None:
    b, k8s = model_cluster(tmp_path)
    web = k8s.add_service_endpoint("web", "web-svc", 80, namespace="apps", scheme="http")
    resource = web.resource
    assert isinstance(resource, ServiceEndpointResource)
    assert (resource.service, resource.port, resource.namespace) == ("web-svc", 80, "apps")
    assert parent_of(resource) is k8s.resource
    assert [w.target for w in resource.annotations_of(WaitAnnotation)] == [k8s.resource]
    [endpoint] = resource.endpoints
    assert (endpoint.name, endpoint.scheme, endpoint.proxied, endpoint.port) == ("http", "http", False, None)
    assert web.get_endpoint().endpoint_name == "http"
    b.build()


def test_a_fixed_host_port_is_the_endpoints_port(tmp_path: Path) -> None:
    _b, k8s = model_cluster(tmp_path)
    [endpoint] = k8s.add_service_endpoint("db", "postgres", 5432, host_port=15432).resource.endpoints
    assert (endpoint.name, endpoint.port) == ("tcp", 15432)


def test_wrong_arguments_are_build_problems_naming_the_argument_and_an_example(tmp_path: Path) -> None:
    b, k8s = model_cluster(tmp_path)
    k8s.add_service_endpoint("web", "web", "80")  # type: ignore[arg-type]
    k8s.add_service_endpoint("api", 8080, 80)  # type: ignore[arg-type]
    problems = problems_of(b)
    assert any("add_service_endpoint port" in p and "'80'" in p for p in problems), problems
    assert any("add_service_endpoint service" in p and "8080" in p for p in problems), problems


def test_how_many_connections_may_wait_for_a_pod_and_how_long_is_the_endpoints_setting(tmp_path: Path) -> None:
    b, k8s = model_cluster(tmp_path)
    web = k8s.add_service_endpoint("web", "web", 80)
    assert (web.resource.max_parked, web.resource.park_timeout) == (20, 30.0), "the proxy's defaults"
    web.with_parked_connections(5, timeout=2)
    assert (web.resource.max_parked, web.resource.park_timeout) == (5, 2.0)
    web.with_parked_connections("many")  # type: ignore[arg-type]
    assert any("with_parked_connections" in p for p in problems_of(b))
