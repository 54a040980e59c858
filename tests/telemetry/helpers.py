"""What the end-to-end telemetry tests share: polling the read API until telemetry has arrived."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import httpx

Json = Any


async def poll(
    client: httpx.AsyncClient,
    path: str,
    until: Callable[[Json], bool],
    params: Mapping[str, str] | None = None,
    timeout: float = 30,
) -> Json:
    """GET ``path`` (the control API, with its token) until ``until(answer)`` holds; exporters
    send every second, so telemetry arrives within a few. Fails with the last answer."""
    answer: Json = None
    try:
        async with asyncio.timeout(timeout):
            while True:
                response = await client.get(path, params=params)
                answer = response.json() if response.status_code == 200 else {"status": response.status_code}
                if response.status_code == 200 and until(answer):
                    return answer
                await asyncio.sleep(0.25)
    except TimeoutError:
        raise AssertionError(f"GET {path} {dict(params or {})} never matched; last answer: {answer}") from None
