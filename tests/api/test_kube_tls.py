"""The HTTPS listener's certificate: made once, cached privately, reused while valid, trusted via
the kubeconfig's CA — and never costing the app host's start-up a ``cryptography`` import."""

from __future__ import annotations

import base64
import json
import ssl
import stat
import subprocess
import sys
import time

import httpx
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from pyspire.api import tls
from pyspire.api.kubeconfig import kubeconfig, write_kubeconfig
from pyspire.api.server import ApiServer


async def test_certificate_is_cached_privately_and_reused(tmp_path):
    assert tls.load_cached(tmp_path) is None
    made = await tls.ensure_certificate(tmp_path)
    assert made.bundle == tmp_path / "tls" / "server.pem"
    assert stat.S_IMODE(made.bundle.stat().st_mode) == 0o600
    assert stat.S_IMODE(made.bundle.parent.stat().st_mode) == 0o700
    assert made.expires - time.time() > 80 * 86400
    again = await tls.ensure_certificate(tmp_path)
    assert again.ca_pem == made.ca_pem and again.bundle.read_bytes() == made.bundle.read_bytes()


async def test_certificate_is_replaced_near_expiry_or_when_damaged(tmp_path):
    made = tls.generate(tmp_path)
    assert tls.load_cached(tmp_path, now=made.expires - 2 * 86400) is not None
    assert tls.load_cached(tmp_path, now=made.expires - 3600) is None  # less than a day left
    made.bundle.write_bytes(made.bundle.read_bytes()[:-200])  # a cut key
    assert tls.load_cached(tmp_path) is None
    fresh = await tls.ensure_certificate(tmp_path)
    assert fresh.ca_pem != made.ca_pem and tls.load_cached(tmp_path) is not None


def test_reusing_the_cache_does_not_import_cryptography(tmp_path):
    tls.generate(tmp_path)
    code = (
        "import sys; from pathlib import Path; from pyspire.api import tls; "
        f"assert tls.load_cached(Path({str(tmp_path)!r})) is not None; "
        "assert not any(m.startswith('cryptography') for m in sys.modules), 'cryptography was imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_https_listener_is_trusted_through_the_kubeconfig_ca(tmp_path):
    certificate = tls.generate(tmp_path)

    async def hello(request):
        return PlainTextResponse("hello")

    server = ApiServer(Starlette(routes=[Route("/", hello)]), tls=True)
    server.bind()
    assert server.url.startswith("https://127.0.0.1:") and server.port
    await server.start(certificate.bundle)
    try:
        path = write_kubeconfig(tmp_path / "kubeconfig", server.url, "tok", "app", certificate.ca_pem)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        config = json.loads(path.read_text())
        cluster = config["clusters"][0]["cluster"]
        assert cluster["server"] == server.url and "tls-server-name" not in cluster
        assert config["users"][0]["user"] == {"token": "tok"}
        ca = base64.b64decode(cluster["certificate-authority-data"])
        assert ca == certificate.ca_pem
        context = ssl.create_default_context(cadata=ca.decode())
        for url in (server.url, server.url.replace("127.0.0.1", "localhost")):
            async with httpx.AsyncClient(verify=context) as client:
                assert (await client.get(url + "/")).text == "hello"
        async with httpx.AsyncClient() as client:  # the system's CAs do not trust it
            try:
                await client.get(server.url + "/")
                raise AssertionError("an untrusted certificate was accepted")
            except httpx.ConnectError:
                pass
    finally:
        await server.close()


def test_kubeconfig_verifies_other_addresses_as_localhost():
    config = kubeconfig("https://0.0.0.0:9443", "tok", "app", b"-----BEGIN CERTIFICATE-----\n")
    assert config["clusters"][0]["cluster"]["tls-server-name"] == "localhost"
    plain = kubeconfig("http://127.0.0.1:80", "tok", "app")
    assert "certificate-authority-data" not in plain["clusters"][0]["cluster"]
