"""A secret's value never reaches a published file, and the same model publishes to the same bytes."""

from __future__ import annotations

from tests.publish.models import app_with_secrets
from tests.publish.trees import publish_cli, tree


def test_no_secret_value_appears_in_any_published_file(tmp_path):
    app = app_with_secrets(tmp_path)
    out = app / "publish"
    result = publish_cli(app, out, env={"Parameters__api-key": "s3cret-from-environment-9904"})
    assert result.returncode == 0, result.stderr
    files = tree(out)
    everything = b"".join(files.values()) + result.stdout.encode() + result.stderr.encode()
    for secret in ("s3cret-from-environment-9904", "s3cret-from-dotenv-7731", "s3cret-from-env-file-5512", "default-not-secret-either"):
        assert secret.encode() not in everything, secret
    env = files[".env"].decode()
    assert "\nAPI_KEY=\n" in env and "\nDB_PASSWORD=\n" in env and "\nWEB_TOKEN=\n" in env, "secrets blank"
    assert "\nREGION=eu-west-1\n" in env, "a plain parameter keeps its default"
    assert "\nCACHE_PASSWORD=\n" in env
    compose = files["compose.yaml"].decode()
    assert "TOKEN: ${WEB_TOKEN}" in compose and "API_KEY: ${API_KEY}" in compose
    assert (out / ".env").stat().st_mode & 0o777 == 0o600, "the file the secrets go in is the user's alone"


def test_publishing_twice_gives_byte_identical_output(tmp_path):
    app = app_with_secrets(tmp_path)
    first = publish_cli(app, app / "publish")
    assert first.returncode == 0, first.stderr
    once = tree(app / "publish")
    second = publish_cli(app, app / "publish")
    assert second.returncode == 0, second.stderr
    assert tree(app / "publish") == once
    elsewhere = publish_cli(app, app / "again")
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert tree(app / "again") == {
        name: content.replace(b"publish/", b"again/") for name, content in once.items()
    }, "only the output folder's own name differs"
    assert b"/tmp" not in b"".join(once.values()) and str(tmp_path).encode() not in b"".join(once.values())
    assert "volumes:\n  cache-data: {}" in once["compose.yaml"].decode(), "no machine-specific volume name"


def test_publishing_again_keeps_the_values_filled_in_the_outputs_env(tmp_path):
    app = app_with_secrets(tmp_path)
    out = app / "publish"
    assert publish_cli(app, out).returncode == 0
    dotenv = out / ".env"
    dotenv.write_text(dotenv.read_text().replace("\nAPI_KEY=\n", "\nAPI_KEY=filled in $once\n").replace("REGION=eu-west-1", "REGION=us-east-2"))
    again = publish_cli(app, out)
    assert again.returncode == 0, again.stderr
    assert "kept the values already in .env of API_KEY, REGION" in again.stdout
    assert "fill in before deploying, in .env: DB_PASSWORD, CACHE_PASSWORD, WEB_TOKEN" in again.stdout
    text = dotenv.read_text()
    assert "\nAPI_KEY='filled in $once'\n" in text and "\nREGION=us-east-2\n" in text
    assert "\nDB_PASSWORD=\n" in text, "what was blank stays blank"
    assert "filled in" not in again.stdout + again.stderr, "names only, never values"
