"""The orders example: PostgreSQL, Redis, an alembic migration, a FastAPI API on uvicorn (two
replicas), an RQ worker and an Express frontend, wired by pyspire's integrations.

    pyspire run examples/orders

See README.md beside this file for what each service receives.
"""

from pyspire import DistributedApplication


def listen_everywhere_once_published(ctx):
    """The Express server listens on $HOST (127.0.0.1 here, behind pyspire's proxy); published,
    a port of its container is what clients reach, so it listens on every interface."""
    if ctx.is_publish:
        ctx.env["HOST"] = "0.0.0.0"


builder = DistributedApplication.create_builder()

pg = builder.add_postgres("pg").with_data_volume()
db = pg.add_database("orders")
cache = builder.add_redis("cache").with_data_volume()

migrate = (
    builder.add_python_module("migrate", "./api", "alembic", "upgrade", "head")
    .with_pip()
    .with_reference(db)
    .wait_for(db)
)
api = (
    builder.add_uvicorn_app("api", "./api", "orders_api.main:app")
    .with_pip()
    .with_replicas(2)
    .with_reference(db)
    .with_reference(cache)
    .wait_for_completion(migrate)
    .wait_for(cache)
    .with_http_health_check("/health")
)
worker = (
    builder.add_python_app("worker", "./api", "worker.py")
    .with_pip()
    .with_reference(db)
    .with_reference(cache)
    .wait_for_completion(migrate)
    .wait_for(cache)
)
frontend = (
    builder.add_npm_app("frontend", "./frontend", script="start")
    .with_http_endpoint(env="PORT")
    .with_env(listen_everywhere_once_published)
    .with_reference(api)  # no wait: it forwards each request, and says so while the api is not up
)

builder.build().run()
