"""frontend: a tiny HTML page listing the catalog's products and the current orders.

It reaches catalog and orders only through the URLs pyspire injects for its references
(CATALOG_HTTP and ORDERS_HTTP), never through fixed ports. Listens on $HOST:$PORT (127.0.0.1 by default).

    GET /        the HTML page
    GET /health  "ok"
"""

import html
import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ["PORT"])
HOST = os.environ.get("HOST", "127.0.0.1")  # apphost.py sets 0.0.0.0 once published
CATALOG = os.environ["CATALOG_HTTP"]
ORDERS = os.environ["ORDERS_HTTP"]


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def page() -> str:
    products = get(CATALOG + "/products")
    orders = get(ORDERS + "/orders")
    items = "".join(f"<li>{html.escape(p['name'])}: {p['price']:.2f}</li>" for p in products["products"])
    lines = "".join(f"<li>{o['quantity']} × {html.escape(o['name'])}</li>" for o in orders["orders"])
    return (
        f"<!doctype html><title>shop</title><h1>Products</h1><ul>{items}</ul>"
        f"<h1>Orders</h1><ul>{lines}</ul><p>catalog replica {products['replica']}</p>"
    )


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/":
            status, body, kind = 200, page(), "text/html; charset=utf-8"
        elif self.path == "/health":
            status, body, kind = 200, "ok", "text/plain"
        else:
            status, body, kind = 404, "not found", "text/plain"
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        print(format % args)  # one stdout line per request


if __name__ == "__main__":
    server = ThreadingHTTPServer((HOST, PORT), Handler)
    print(f"frontend listening on http://{HOST}:{PORT}")
    server.serve_forever()
