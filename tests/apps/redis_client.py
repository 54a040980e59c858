"""Test client: SET then GET a key on the Redis in ``REDIS_TCP`` (tcp://host:port), speaking RESP."""

import os
import socket
import sys
from urllib.parse import urlparse

address = urlparse(os.environ["REDIS_TCP"])
with socket.create_connection((address.hostname, address.port), timeout=5) as conn:
    conn.sendall(b"*3\r\n$3\r\nSET\r\n$5\r\nhello\r\n$5\r\nworld\r\n*2\r\n$3\r\nGET\r\n$5\r\nhello\r\n")
    reply = b""
    while reply.count(b"\r\n") < 3:
        chunk = conn.recv(1024)
        if not chunk:
            break
        reply += chunk
print("redis said:", reply.decode().split("\r\n"), flush=True)
sys.exit(0 if b"world" in reply else 1)
