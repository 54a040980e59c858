"""When the app host has no descriptor left, the control API says so once (and once when it can
accept again), not with a traceback per attempt (asyncio reports every failed accept()); and it
serves again as soon as descriptors are free. A real server in a process that uses up its own
descriptors (tests/apps/api_out_of_descriptors.py)."""

from __future__ import annotations

import asyncio
import socket

import httpx

from tests.conftest import APPS, PYTHON

TOKEN = "t"


async def test_running_out_of_descriptors_is_logged_once_and_the_api_recovers():
    process = await asyncio.create_subprocess_exec(
        PYTHON, str(APPS / "api_out_of_descriptors.py"), TOKEN,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    assert process.stdin is not None and process.stdout is not None and process.stderr is not None
    stderr = asyncio.create_task(process.stderr.read())  # drained all along: it may be a flood
    waiting: list[socket.socket] = []
    try:
        async with asyncio.timeout(30):
            port = int(await process.stdout.readline())
            assert await process.stdout.readline() == b"full\n"
            for _ in range(5):  # wait in the listen backlog: the server cannot accept them
                waiting.append(socket.create_connection(("127.0.0.1", port)))
            assert await process.stdout.readline() == b"retried\n"
            process.stdin.write(b"free\n")
            assert await process.stdout.readline() == b"freed\n"
            async with httpx.AsyncClient(headers={"authorization": f"Bearer {TOKEN}"}) as client:
                response = await client.get(f"http://127.0.0.1:{port}/ping")
            assert response.status_code == 200 and response.text == "pong"
            process.stdin.write(b"stop\n")
            await process.wait()
    finally:
        for sock in waiting:
            sock.close()
        if process.returncode is None:
            process.kill()
            await process.wait()
        errors = (await stderr).decode()
    assert process.returncode == 0, errors
    assert errors.count("out of file descriptors") == 1, errors
    assert errors.count("accepts connections again") == 1, errors
    assert "Traceback" not in errors and "socket.accept() out of system resource" not in errors, errors
