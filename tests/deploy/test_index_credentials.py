"""A private package index's credentials (a token in the index URL this machine is configured
with) never reach the user's screen: a failing image build's log tail is shown with them masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from pyspire.deploy import DeployFailed
from pyspire.deploy.images import BuiltImages, build_and_push, detect_image_engine, parse_registry
from pyspire.deploy.package_index import index_credentials
from pyspire.publish.output import ImageBuild
from tests.deploy.helpers import BUSYBOX

TOKEN = "tok-9f3e1d77c2a4"


def test_the_password_and_a_bare_token_of_index_urls_are_credentials_and_plain_urls_have_none() -> None:
    found = index_credentials({
        "PIP_INDEX_URL": f"https://builder:{TOKEN}@pypi.internal.test/simple",
        "PIP_EXTRA_INDEX_URL": "https://plain.internal.test/simple https://bare-token-51aa@extra.internal.test/simple",
        "NPM_CONFIG_REGISTRY": "https://npm.internal.test/",
    })  # fmt: skip
    assert found == [f"builder:{TOKEN}", TOKEN, "bare-token-51aa"]


@pytest.mark.containers
def test_a_failing_build_that_prints_the_index_url_is_shown_with_its_token_masked(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(f"FROM {BUSYBOX}\nARG PIP_INDEX_URL\nRUN echo \"index: $PIP_INDEX_URL\" && exit 3\n")
    build = ImageBuild(tmp_path, tmp_path / "Dockerfile")
    index = {"PIP_INDEX_URL": f"https://builder:{TOKEN}@pypi.internal.test/simple"}
    made = BuiltImages()
    with pytest.raises(DeployFailed) as caught:
        build_and_push(detect_image_engine(), {"api": build}, {}, parse_registry("127.0.0.1:5999"), "app", "pyspire-creds-test", index, lambda *_: None, made)
    message = str(caught.value)
    assert "building the image of api failed" in message and "index: https://***@pypi.internal.test/simple" in message
    assert TOKEN not in message and made.local == []
