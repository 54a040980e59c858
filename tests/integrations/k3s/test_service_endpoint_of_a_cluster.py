"""``add_k3s_cluster(...).add_service_endpoint(...)`` end to end, through pyspire only: the cluster
container (the test image), a host kubectl step applying the Deployment and Service, the endpoint
as the cluster's child, and a process that reaches the Service through ``with_reference``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from pyspire import DistributedApplication, testing
from pyspire.app import DistributedApplicationBuilder
from pyspire.extensions import parent_of
from pyspire.integrations.k3s.builder import K3sClusterBuilder
from pyspire.integrations.k3s.service_endpoints import ServiceEndpointBuilder
from tests.integrations.k3s.cluster import K3S_IMAGE, ensure_images
from tests.integrations.k3s.endpoint_fixtures import HostHttpServer, web_manifest
from tests.integrations.k3s.tools import kubectl_binary

#: Has bash (its /dev/tcp), resolving names with glibc as any real client does.
DEBIAN = "localhost/debian:bookworm"

FETCH = """
import json, os, sys, time, urllib.request
url = os.environ["services__web__http__0"]
for attempt in range(60):
    try:
        body = urllib.request.urlopen(url + "/", timeout=5).read().decode()
        break
    except OSError as exc:
        time.sleep(0.5)
json.dump({"url": url, "body": body}, open(sys.argv[1], "w"))
print("fetched")
"""


def _cluster_with_web_endpoint(
    tmp_path: Path, host_server: HostHttpServer
) -> tuple[DistributedApplicationBuilder, K3sClusterBuilder, ServiceEndpointBuilder]:
    """An app with the test cluster, a host kubectl step applying Deployment + Service ``web``
    (forwarded to ``host_server``) and the endpoint ``web`` (``http``) waiting for that step."""
    ensure_images()
    manifest = tmp_path / "web.yaml"
    manifest.write_text(web_manifest("web", host_server.port))
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    k8s = b.add_k3s_cluster("k8s").with_image(K3S_IMAGE).with_image_pull_policy("never")
    deploy = b.add_executable("deploy", kubectl_binary(), tmp_path, "apply", "-f", str(manifest)).with_reference(k8s).wait_for(k8s)
    return b, k8s, k8s.add_service_endpoint("web", "web", 80, scheme="http").wait_for_completion(deploy)


async def test_a_process_referencing_the_endpoint_reaches_the_service_of_the_cluster_through_it(
    tmp_path: Path, host_server: HostHttpServer
) -> None:
    out = tmp_path / "fetched.json"
    b, k8s, web = _cluster_with_web_endpoint(tmp_path, host_server)
    b.add_executable("client", sys.executable, tmp_path, "-c", FETCH, str(out)).with_reference(web).wait_for(web)
    async with testing.start(b) as app:
        await app.wait_for_healthy("web", timeout=120)
        await app.wait_for_log("client", "fetched", timeout=60)
        fetched = json.loads(out.read_text())
        assert fetched["body"] == host_server.tag
        assert fetched["url"] == app.endpoint_url("web", "http")
        assert parent_of(web.resource) is k8s.resource, "a child of the cluster"
        assert dict(app.resource("web").properties)["service"] == "default/web"


#: A container fetching the endpoint's URL as rendered for it (``http://host.containers.internal:<port>``)
#: with bash's /dev/tcp (the test busybox is static: its wget cannot resolve names).
CONTAINER_FETCH = r"""
url=$services__web__http__0; hostport=${url#http://}; host=${hostport%:*}; port=${hostport##*:}
echo "resolved $(getent hosts "$host")"
for i in $(seq 30); do
  if timeout 3 bash -c "exec 3<>/dev/tcp/$host/$port" && exec 3<>"/dev/tcp/$host/$port"; then
    printf 'GET / HTTP/1.0\r\nHost: web\r\n\r\n' >&3
    len=0
    while IFS= read -r -t 5 header <&3 && [ "$header" != $'\r' ]; do
      case "${header,,}" in content-length:*) len=${header#*: }; len=${len%$'\r'};; esac
    done
    body=$(timeout 5 head -c "$len" <&3); exec 3<&-
    [ -n "$body" ] && break
  fi
  sleep 0.5
done
echo "url=$url body=$body"
"""


async def test_a_container_referencing_the_endpoint_reaches_the_service_through_the_url_rendered_for_it(
    tmp_path: Path, host_server: HostHttpServer
) -> None:
    b, _k8s, web = _cluster_with_web_endpoint(tmp_path, host_server)
    (
        b.add_container("ep2-box", DEBIAN)
        .with_entrypoint("bash")
        .with_args("-c", CONTAINER_FETCH)
        .with_stop_grace_period(0)
        .with_reference(web)
        .wait_for(web)
    )
    async with testing.start(b) as app:
        await app.wait_for_healthy("web", timeout=120)
        try:
            line = await app.wait_for_log("ep2-box", "body=", timeout=90)
        except TimeoutError:
            raise AssertionError((app.log_text("web"), app.log_text("ep2-box")[-2000:])) from None
        port = app.endpoint_url("web", "http").rsplit(":", 1)[1]
        assert f"url=http://host.containers.internal:{port} " in line.text, line.text
        assert line.text.endswith(f"body={host_server.tag}"), (line.text, app.log_text("web"), app.log_text("ep2-box")[-2000:])
        listening = next(x for x in app.log_text("web").splitlines() if "listening on" in x)
        assert "127.0.0.1:" in listening and listening.count(f":{port}") >= 2, "loopback and the gateway only"
