"""Shared pieces of the container tests: the test image and small engine queries."""

from __future__ import annotations

import asyncio
import subprocess

import httpx

BUSYBOX = "localhost/pyspire-test/busybox:latest"
REDIS = "localhost/pyspire-test/redis:latest"


def sh(builder, name: str, script: str):
    """A busybox container running ``script`` with ``sh -c``; stops at once (PID 1 ignores TERM)."""
    return (
        builder.add_container(name, BUSYBOX)
        .with_entrypoint("sh")
        .with_args("-c", script)
        .with_stop_grace_period(0)
    )


def web(builder, name: str, text: str):
    """A busybox httpd serving ``text`` at / on port 80."""
    return sh(builder, name, f"echo {text} > /www/index.html && exec httpd -f -v -p 80 -h /www").with_http_endpoint(
        target_port=80
    )


async def get_text(url: str, attempts: int = 100) -> str:
    """GET ``url``, retrying while the server inside the container is still coming up."""
    async with httpx.AsyncClient() as client:
        for _ in range(attempts):
            try:
                response = await client.get(url)
                if response.status_code == 200:
                    return response.text.strip()
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{url} never answered")


def podman(*args: str) -> str:
    return subprocess.run(["podman", *args], capture_output=True, text=True, check=False).stdout.strip()


def containers_labelled(label: str) -> list[str]:
    return podman("ps", "-a", "--filter", f"label={label}", "--format", "{{.Names}}").split()
