"""Small app models for the publish tests, built in-process, published into real folders."""

from __future__ import annotations

import textwrap
from pathlib import Path

import yaml

from pyspire import DistributedApplication, DistributedApplicationBuilder
from pyspire.publish import PublishResult, publish


def builder_in(folder: Path) -> DistributedApplicationBuilder:
    folder.mkdir(parents=True, exist_ok=True)
    return DistributedApplication.create_builder([], app_dir=folder)


def publish_model(builder: DistributedApplicationBuilder, out: Path, target: str = "compose") -> PublishResult:
    app = builder.build()
    return publish(app.model.resources, app.model.app_dir, target, out)


def compose_of(out: Path) -> dict:
    return yaml.safe_load((out / "compose.yaml").read_text())


SECRETS_APPHOST = textwrap.dedent(
    """
    from pyspire import DistributedApplication

    builder = DistributedApplication.create_builder()
    key = builder.add_parameter("api-key", secret=True)
    region = builder.add_parameter("region", value="eu-west-1")
    password = builder.add_parameter("db-password", secret=True, value="default-not-secret-either")
    cache = builder.add_redis("cache").with_data_volume()
    web = (
        builder.add_python_app("web", ".", "web.py")
        .with_http_endpoint(env="PORT")
        .with_env("API_KEY", key)
        .with_env("REGION", region)
        .with_env("DB_PASSWORD", password)
        .with_env_file(".env.secrets", secret=True)
        .with_reference(cache)
        .wait_for(cache)
    )
    builder.build().run()
    """
)


def app_with_secrets(tmp_path: Path) -> Path:
    """An app folder whose secrets come from every source: a parameter's environment variable (given
    by the test), ``.env``, a secret env file and a default in code; the tests check none leaks."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "apphost.py").write_text(SECRETS_APPHOST)
    (app / "web.py").write_text("print('web')\n")
    (app / ".env").write_text("Parameters__db-password=s3cret-from-dotenv-7731\n")
    (app / ".env.secrets").write_text("TOKEN=s3cret-from-env-file-5512\n")
    return app
