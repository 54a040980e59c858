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

# The services need only the standard library: they run from the Python environment running this
# file (sys.prefix), so there is nothing to install. An app with dependencies would use its own
# venv instead: <app dir>/.venv is found by itself, and .with_pip() or .with_uv() creates it.
here = sys.prefix



def listen_everywhere_once_published(ctx):
    """Here each server listens on 127.0.0.1 behind pyspire's proxy; published (a container per
    service) the others reach it over the network, so it listens on every interface."""
    if ctx.is_publish:
        ctx.env["HOST"] = "0.0.0.0"


builder = DistributedApplication.create_builder()

greeting = builder.add_parameter("greeting", value="hello")

catalog = (
    builder.add_python_app("catalog", ".", "catalog.py")
    .with_virtual_environment(here)
    .with_env(listen_everywhere_once_published)
    .with_http_endpoint(env="PORT")  # a proxy on a free port; each replica gets its own $PORT
    .with_replicas(2)
)

orders = (
    builder.add_python_app("orders", ".", "orders.py")
    .with_virtual_environment(here)
    .with_env(listen_everywhere_once_published)
    .with_http_endpoint(env="PORT")
    .with_reference(catalog)  # CATALOG_HTTP and services__catalog__http__0 = catalog's proxy URL
)

frontend = (
    builder.add_python_app("frontend", ".", "frontend.py")
    .with_virtual_environment(here)
    .with_env(listen_everywhere_once_published)
    .with_http_endpoint(env="PORT")
    .with_reference(catalog)
    .with_reference(orders)
)

worker = (
    builder.add_python_app("worker", ".", "worker.py")
    .with_virtual_environment(here)
    .with_args("--interval", "2")
    .with_env("GREETING", greeting)
    .with_reference(orders)
)

builder.build().run()
