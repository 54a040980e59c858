"""Test server: UDP echo on $PORT, prefixing each reply with its replica id."""

import os
import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", int(os.environ["PORT"])))
print("udp listening", flush=True)
replica = os.environ.get("OTEL_RESOURCE_ATTRIBUTES", "").encode()
while True:
    data, addr = sock.recvfrom(65535)
    sock.sendto(replica + b"|" + data, addr)
