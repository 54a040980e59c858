"""What a process receives and when it starts, once published: references render as in-network
addresses (``http://<service>:<port>``), waits become ``depends_on`` conditions."""

from __future__ import annotations

from tests.publish.models import builder_in, compose_of, publish_model


def test_references_render_as_in_network_addresses_of_the_services(tmp_path):
    b = builder_in(tmp_path / "app")
    api = b.add_uvicorn_app("api", "./api", "main:app")
    db = b.add_postgres("pg", port=5433).add_database("orders")
    web = (
        b.add_python_app("web", "./web", "web.py")
        .with_http_endpoint(env="PORT")
        .with_reference(api)
        .with_reference(db)
        .with_env("API_HOST", api.get_endpoint("http").host)
    )
    publish_model(b, tmp_path / "out")
    services = compose_of(tmp_path / "out")["services"]

    env = services["web"]["environment"]
    assert env["services__api__http__0"] == "http://api:8080"
    assert env["API_HTTP"] == "http://api:8080"
    assert env["API_HOST"] == "api"
    assert env["PORT"] == "8080", "the process listens where its endpoint says"
    assert env["ConnectionStrings__orders"] == "host=pg port=5432 user=postgres password=${PG_PASSWORD} dbname=orders"
    assert env["ORDERS_URI"] == "postgresql://postgres:${PG_PASSWORD}@pg:5432/orders"
    assert services["api"]["command"][-4:] == ["--host", "0.0.0.0", "--port", "8080"], "a container listens on every interface"
    assert services["api"]["expose"] == ["8080"]
    assert services["pg"]["ports"] == ["5433:5432"], "a fixed port is published on the host"
    assert "web" in services and web.resource.name == "web"


def test_waits_become_depends_on_conditions(tmp_path):
    b = builder_in(tmp_path / "app")
    pg = b.add_postgres("pg")
    db = pg.add_database("orders")
    checked = b.add_python_app("checked", ".", "c.py").with_http_endpoint(env="PORT").with_http_health_check("/health")
    unchecked = b.add_python_app("unchecked", ".", "u.py").with_http_endpoint(env="PORT")
    migrate = b.add_python_module("migrate", ".", "alembic", "upgrade", "head").with_pip()
    starter = b.add_python_app("starter", ".", "s.py")
    app = (
        b.add_python_app("app", ".", "app.py")
        .with_pip()
        .wait_for(db)
        .wait_for(checked)
        .wait_for(unchecked)
        .wait_for_completion(migrate)
        .wait_for_start(starter)
    )
    publish_model(b, tmp_path / "out")
    services = compose_of(tmp_path / "out")["services"]

    assert services["app"]["depends_on"] == {
        "pg": {"condition": "service_healthy"},  # a database waits for its server
        "checked": {"condition": "service_healthy"},
        "unchecked": {"condition": "service_started"},  # Compose cannot wait for health it cannot check
        "migrate": {"condition": "service_completed_successfully"},
        "starter": {"condition": "service_started"},
    }
    assert "app-install" not in services and "migrate-install" not in services, "the image installs at build time"
    assert "orders" not in services, "a database is part of its server"
    assert "depends_on" not in services["migrate"], "its wait for its install step is gone with the step"
    assert services["checked"]["healthcheck"]["test"][:3] == ["CMD", "python", "-c"]
    assert "http://127.0.0.1:8080/health" in services["checked"]["healthcheck"]["test"][3]
    assert app.resource.name == "app" and pg.resource.name == "pg"
