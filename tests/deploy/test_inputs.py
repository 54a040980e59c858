"""The deployment's inputs: values from the sources ``pyspire run`` reads, a missing one stopping
the deploy before anything is written or started, generated ones kept across deploys, and the
machine's package index handed to the builds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyspire.cli.deploy import DEFAULT_FOLDER as CLI_DEFAULT_FOLDER
from pyspire.deploy import DEFAULT_FOLDER, MissingInputs, project_name
from pyspire.deploy.package_index import index_build_args
from pyspire.deploy.values import fill_env
from pyspire.publish import render
from tests.deploy.helpers import BUSYBOX, labelled, pyspire, write_app
from tests.publish.models import builder_in


def _model(app_dir: Path):
    builder = builder_in(app_dir)
    region = builder.add_parameter("region", value="eu-west-1")
    token = builder.add_parameter("api-token", secret=True)
    builder.add_container("web", BUSYBOX).with_env("REGION", region).with_env("TOKEN", token)
    return builder.build().model


def _published_env(app_dir: Path, out: Path) -> tuple[list, str]:
    model = _model(app_dir)
    return model.resources, render(model.resources, app_dir, "compose", out).contents[".env"]


def test_each_input_takes_the_value_pyspire_run_would_environment_over_dotenv_over_settings(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("Parameters__region=us-east-2\nParameters__api_token=from-dotenv\n")
    (tmp_path / ".pyspire").mkdir()
    (tmp_path / ".pyspire" / "settings.json").write_text(json.dumps({"Parameters": {"api-token": "from-settings"}}))
    resources, published = _published_env(tmp_path, tmp_path / "out")
    filled = fill_env(published, resources, tmp_path, tmp_path / "out" / ".env", {}, {"Parameters__api-token": "s3cr3t-from-env"})
    assert "REGION=us-east-2\n" in filled.text  # .env beside apphost.py over the default in code
    assert "API_TOKEN=s3cr3t-from-env\n" in filled.text  # the environment over both files
    assert filled.secrets == ("s3cr3t-from-env",)


def test_a_missing_secret_parameter_names_the_variable_and_every_place_to_set_it(tmp_path: Path) -> None:
    resources, published = _published_env(tmp_path, tmp_path / "out")
    with pytest.raises(MissingInputs) as caught:
        fill_env(published, resources, tmp_path, tmp_path / "out" / ".env", {}, {})
    message = str(caught.value)
    assert "parameter api-token ($API_TOKEN)" in message and "Parameters__api-token" in message
    assert str(tmp_path / ".env") in message and "settings.json" in message and "nothing was started" in message


def test_a_generated_password_is_made_for_the_deployment_once_and_kept_by_the_next_deploy(tmp_path: Path) -> None:
    builder = builder_in(tmp_path)
    builder.add_postgres("pg")
    resources = builder.build().model.resources
    published = render(resources, tmp_path, "compose", tmp_path / "out").contents[".env"]
    first = fill_env(published, resources, tmp_path, tmp_path / "out" / ".env", {}, {})
    (password,) = first.secrets
    assert f"PG_PASSWORD={password}\n" in first.text and len(password) >= 16
    again = fill_env(published, resources, tmp_path, tmp_path / "out" / ".env", {"PG_PASSWORD": password}, {})
    assert again.text == first.text
    assert not (tmp_path / ".pyspire" / "settings.json").exists()  # the app's own settings untouched


def test_deploy_with_a_missing_parameter_stops_before_writing_or_starting_anything(tmp_path: Path) -> None:
    apphost = write_app(
        tmp_path / "app",
        f'key = builder.add_parameter("api-key", secret=True)\nbuilder.add_container("web", "{BUSYBOX}").with_env("KEY", key)\n',
    )
    out = tmp_path / "deploy"
    done = pyspire("deploy", "--target", "compose", "-o", str(out), str(apphost))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "parameter api-key ($API_KEY)" in done.stderr and "Parameters__api-key" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists()
    assert labelled(project_name(tmp_path / "app", out))["containers"] == []


def test_the_package_index_configured_for_pip_reaches_the_builds_as_arguments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_URL", "https://index.invalid/simple")
    arguments = index_build_args()
    assert arguments["PIP_INDEX_URL"] == arguments["UV_INDEX_URL"] == "https://index.invalid/simple"


def test_the_cli_and_the_library_agree_on_the_default_folder() -> None:
    assert CLI_DEFAULT_FOLDER == DEFAULT_FOLDER
