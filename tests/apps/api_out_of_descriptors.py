"""The control API's server (the real ApiServer and ConnectionGuard) in a process that then uses
up every descriptor it may hold, for test_api_out_of_descriptors.py.

Prints its port, then ``full`` once no descriptor is left, then ``retried`` once asyncio has
failed to accept a waiting connection twice (it tries again every second); frees the descriptors at the next line on
stdin (prints ``freed``) and stops at the one after.
"""

import asyncio
import logging
import os
import resource
import sys

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from pyspire.api.auth import TokenAuth
from pyspire.api.connection_guard import ConnectionGuard
from pyspire.api.server import ApiServer

_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")


async def ping(request):
    return PlainTextResponse("pong")


async def main() -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    guard = ConnectionGuard()
    server = ApiServer(TokenAuth(Starlette(routes=[Route("/ping", ping)]), sys.argv[1]), guard=guard)
    with guard.reporting_exhaustion(loop):
        await server.start()
        print(server.port, flush=True)
        fillers = []
        while True:
            try:
                fillers.append(os.open("/dev/null", os.O_RDONLY))
            except OSError:
                break
        print("full", flush=True)
        while guard.exhausted.count < 2:
            await asyncio.sleep(0.05)
        print("retried", flush=True)
        await stdin.readline()
        for fd in fillers:
            os.close(fd)
        print("freed", flush=True)
        await stdin.readline()
        await server.close()


asyncio.run(main())
