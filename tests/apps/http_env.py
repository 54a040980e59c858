"""Test server: answers GET / with its replica id, GET /env with its whole environment (JSON)."""

import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/env":
            body = json.dumps({"env": dict(os.environ), "argv": sys.argv[1:], "cwd": os.getcwd()})
        else:
            body = json.dumps({"replica": os.environ.get("OTEL_RESOURCE_ATTRIBUTES", "")})
        data = body.encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


port = int(os.environ.get("PORT") or sys.argv[1])
server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(f"listening on {port}", flush=True)
server.serve_forever()
