"""catalog: a read-only JSON API of products (the app runs two replicas of it).

Listens on $HOST:$PORT (127.0.0.1 by default) (pyspire allocates the port and puts a proxy in front of the
replicas). Every answer names the replica that served it, taken from
OTEL_RESOURCE_ATTRIBUTES=service.instance.id=<suffix>, so you can watch the proxy spread
connections across replicas.

    GET /products       every product
    GET /products/<id>  one product
    GET /health         {"status": "ok"}
"""

import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ["PORT"])
HOST = os.environ.get("HOST", "127.0.0.1")  # apphost.py sets 0.0.0.0 once published
ATTRIBUTES = os.environ.get("OTEL_RESOURCE_ATTRIBUTES", "")  # "key=value,key=value"
REPLICA = dict(kv.partition("=")[::2] for kv in ATTRIBUTES.split(",")).get("service.instance.id", "local")

PRODUCTS = [
    {"id": 1, "name": "teapot", "price": 24.50},
    {"id": 2, "name": "mug", "price": 8.00},
    {"id": 3, "name": "kettle", "price": 39.90},
]
ROUTES: dict[str, dict] = {"/health": {"status": "ok"}, "/products": {"products": PRODUCTS}}
ROUTES.update({f"/products/{p['id']}": p for p in PRODUCTS})


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path in ROUTES:
            self.reply(200, ROUTES[self.path])
        else:
            self.reply(404, {"error": f"no route {self.path}"})

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps({**body, "replica": REPLICA}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        print(f"[{REPLICA}] {format % args}")  # one stdout line per request


if __name__ == "__main__":
    server = ThreadingHTTPServer((HOST, PORT), Handler)
    print(f"catalog replica {REPLICA} listening on http://{HOST}:{PORT}")
    server.serve_forever()
