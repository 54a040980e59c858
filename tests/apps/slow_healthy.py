"""Test server on $PORT: GET /health answers 503 until HEALTHY_AFTER seconds have passed, then 200.
Prints the epoch time at which it turns healthy, so a test can measure reaction times."""

import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

healthy_at = time.time() + float(os.environ.get("HEALTHY_AFTER", "1.0"))


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        ok = time.time() >= healthy_at
        self.send_response(200 if ok else 503)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


server = ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
print(f"healthy_at={healthy_at:.6f}", flush=True)
server.serve_forever()
