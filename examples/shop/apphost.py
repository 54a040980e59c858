"""The shop: four Python services wired together by pyspire.

    catalog   JSON API of products, 2 replicas behind one proxy
    orders    JSON API of orders; prices them by calling catalog
    frontend  HTML page showing products and orders
    worker    background loop polling orders every 2 s

Run it with `pyspire run examples/shop` (or `python apphost.py` in this folder) and stop it with
Ctrl+C. Every port is allocated at run time, so two copies of the shop never clash.
"""

import sys

from pyspire import DistributedApplication

# The services need only the standard library: run them with the interpreter running this file.
python = sys.executable

builder = DistributedApplication.create_builder()

greeting = builder.add_parameter("greeting", value="hello")

catalog = (
    builder.add_executable("catalog", python, ".", "catalog.py")
    .with_http_endpoint(env="PORT")  # a proxy on a free port; each replica gets its own $PORT
    .with_replicas(2)
)

orders = (
    builder.add_executable("orders", python, ".", "orders.py")
    .with_http_endpoint(env="PORT")
    .with_reference(catalog)  # CATALOG_HTTP and services__catalog__http__0 = catalog's proxy URL
)

frontend = (
    builder.add_executable("frontend", python, ".", "frontend.py")
    .with_http_endpoint(env="PORT")
    .with_reference(catalog)
    .with_reference(orders)
)

worker = (
    builder.add_executable("worker", python, ".", "worker.py")
    .with_args("--interval", "2")
    .with_env("GREETING", greeting)
    .with_reference(orders)
)

builder.build().run()
