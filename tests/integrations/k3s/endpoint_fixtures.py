"""What the service endpoint's tests share (test code, not product): an API client made from the
harness cluster's kubeconfig, a parent resource standing for that cluster in a pyspire app, a real
HTTP server on the host for kwok to forward to, and a Deployment + Service pointing at it.

The parent stands in only until the cluster resource (``add_k3s_cluster``) is wired to
``ServiceEndpointMethods``; everything below it — the endpoint resource, its handler, the API
server, kwok's port-forward, the HTTP server — is the real thing."""

from __future__ import annotations

import base64
import contextlib
import http.server
import json
import ssl
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import httpx
import yaml

from pyspire.extensions import HealthStatus, ResourceHandlerBase, ResourceState, resource_handlers
from pyspire.integrations.k3s.service_endpoints import ClusterApiProvider, ServiceEndpointMethods
from pyspire.integrations.k3s.service_resolver import ClusterApi
from pyspire.model import Resource, ResourceBuilder
from tests.integrations.k3s.cluster import FORWARD_ANNOTATION, Cluster


class KubeconfigApi:
    """One ``httpx.AsyncClient`` for a kubeconfig's cluster (its CA, its client certificate)."""

    def __init__(self, kubeconfig: Path) -> None:
        config = yaml.safe_load(kubeconfig.read_text())
        cluster = config["clusters"][0]["cluster"]
        user = config["users"][0]["user"]
        context = ssl.create_default_context(cadata=base64.b64decode(cluster["certificate-authority-data"]).decode())
        with tempfile.TemporaryDirectory() as folder:
            cert, key = Path(folder, "cert.pem"), Path(folder, "key.pem")
            cert.write_bytes(base64.b64decode(user["client-certificate-data"]))
            key.write_bytes(base64.b64decode(user["client-key-data"]))
            context.load_cert_chain(cert, key)
        self._server_url = str(cluster["server"])
        self._ssl = context
        self._http = httpx.AsyncClient(verify=context, timeout=10)

    def ssl_context(self) -> ssl.SSLContext:
        return self._ssl

    @property
    def server_url(self) -> str:
        return self._server_url

    @property
    def http(self) -> httpx.AsyncClient:
        return self._http


class HarnessCluster(Resource):
    """The harness's cluster as seen by the app: up already, so Running at once."""

    resource_type: ClassVar[str] = "HarnessCluster"


class HarnessClusterHandler(ResourceHandlerBase):
    async def on_start(self) -> None:
        self.ctx.publish(state=ResourceState.RUNNING, health=HealthStatus.HEALTHY)


class HarnessClusterBuilder(ResourceBuilder[HarnessCluster], ServiceEndpointMethods):
    """The harness's cluster with ``add_service_endpoint``, as the cluster's builder will have."""

    api: ClusterApi | None = None

    def _cluster_api_provider(self) -> ClusterApiProvider:
        def provide() -> ClusterApi:
            assert self.api is not None
            return self.api

        return provide


@contextlib.contextmanager
def harness_cluster_handler() -> Iterator[None]:
    with resource_handlers.registered(HarnessCluster, HarnessClusterHandler):
        yield


class HostHttpServer:
    """A real HTTP server on every interface (kwok, in the cluster's container, reaches it at
    ``host.containers.internal``): ``GET /`` answers with its tag, ``GET /bytes/N`` N bytes."""

    def __init__(self, tag: str) -> None:
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body leave at once: no delayed-ACK stall

            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                if self.path.startswith("/bytes/"):
                    size = int(self.path.rsplit("/", 1)[1])
                    self.send_response(200)
                    self.send_header("Content-Length", str(size))
                    self.end_headers()
                    chunk = b"x" * (1 << 20)
                    while size > 0:
                        self.wfile.write(chunk[: min(size, len(chunk))])
                        size -= len(chunk)
                    return
                body = outer.tag.encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.tag = tag
        self.server = http.server.ThreadingHTTPServer(("0.0.0.0", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HostHttpServer:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def web_manifest(name: str, target_port: int, *, named_port: bool = True, selector: bool = True) -> str:
    """A Deployment of one pod (its container port 8080, named ``http``) whose port-forward kwok
    sends to the host's ``target_port``, and a Service ``name`` port 80 → targetPort ``http``
    (or 8080), with or without a selector."""
    labels = {"app": name}
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {
                    "labels": labels,
                    "annotations": {FORWARD_ANNOTATION: f"8080=host.containers.internal:{target_port}"},
                },
                "spec": {
                    "containers": [
                        {"name": "web", "image": "web:fake", "ports": [{"name": "http", "containerPort": 8080}]}
                    ]
                },
            },
        },
    }
    service: dict[str, object] = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"ports": [{"name": "web", "port": 80, "targetPort": "http" if named_port else 8080}]},
    }
    if selector:
        service["spec"]["selector"] = labels  # type: ignore[index]
    return "\n---\n".join(json.dumps(doc) for doc in (deployment, service))


def apply(cluster: Cluster, manifest: str, folder: Path) -> None:
    path = folder / "manifest.yaml"
    path.write_text(manifest)
    cluster.kubectl("apply", "-f", str(path))


def ready_pods(cluster: Cluster, app: str) -> list[str]:
    """The ready pods of Deployment ``app`` that kwok can already port-forward (the image makes
    their PortForward object from the annotation within half a second of the pod)."""
    pods = cluster.get_json("pods", "-l", f"app={app}")["items"]
    forwards = {f["metadata"]["name"] for f in cluster.get_json("portforwards.kwok.x-k8s.io")["items"]}
    return [
        p["metadata"]["name"]
        for p in pods
        if not p["metadata"].get("deletionTimestamp")
        and p.get("status", {}).get("phase") == "Running"
        and all(c.get("ready") for c in p.get("status", {}).get("containerStatuses") or [{}])
        and p["metadata"]["name"] in forwards
    ]


def sockets_on(port: int) -> list[str]:
    """Sockets of this machine using ``port`` locally or remotely, but those in TIME_WAIT (06)
    or CLOSE (07): what is still open of the endpoint's listener and connections."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                local, remote, state = fields[1], fields[2], fields[3]
                ports = {int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)}
                if port in ports and state not in ("06", "07"):
                    found.append(f"{local} {remote} {state}")
    return found
