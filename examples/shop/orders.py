"""orders: an HTTP API of orders, priced by calling catalog (GET/POST /orders, GET /health).

Listens on $HOST:$PORT (127.0.0.1 by default); catalog's URL (its proxy) comes from CATALOG_HTTP, which
`.with_reference(catalog)` in the app host sets. POST takes {"product": 2, "quantity": 3}.
"""

import json
import os
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ["PORT"])
HOST = os.environ.get("HOST", "127.0.0.1")  # apphost.py sets 0.0.0.0 once published
CATALOG = os.environ["CATALOG_HTTP"]
ORDERS = [{"product": 1, "quantity": 2}, {"product": 2, "quantity": 4}]


def catalog(path: str) -> dict:
    with urllib.request.urlopen(CATALOG + path, timeout=5) as response:
        return json.load(response)  # an HTTPError (an OSError) for a 404


def priced(order: dict, product: dict) -> dict:
    return {**order, "name": product["name"], "total": round(product["price"] * order["quantity"], 2)}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/health":
            return self.reply(200, {"status": "ok"})
        if self.path != "/orders":
            return self.reply(404, {"error": f"no route {self.path}"})
        answer = catalog("/products")
        products = {p["id"]: p for p in answer["products"]}
        orders = [priced(order, products[order["product"]]) for order in ORDERS]
        self.reply(200, {"orders": orders, "catalog_replica": answer["replica"]})

    def do_POST(self) -> None:
        if self.path != "/orders":
            return self.reply(404, {"error": f"no route {self.path}"})
        order = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        try:
            catalog(f"/products/{int(order['product'])}")
        except (OSError, KeyError, ValueError) as exc:
            return self.reply(400, {"error": f"bad order {order}: {exc}"})
        ORDERS.append({"product": int(order["product"]), "quantity": int(order.get("quantity", 1))})
        self.reply(201, ORDERS[-1])

    def reply(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        print(format % args)  # one stdout line per request


if __name__ == "__main__":
    server = ThreadingHTTPServer((HOST, PORT), Handler)
    print(f"orders listening on http://{HOST}:{PORT}, catalog at {CATALOG}")
    server.serve_forever()
