"""``pyspire publish`` as a user runs it: what it prints, the targets it offers, and that it runs
nothing of the app."""

from __future__ import annotations

import pytest

from pyspire.cli.publish import PUBLISH_TARGETS
from pyspire.publish import TARGETS
from tests.publish.trees import copy_example, publish_cli, run_cli


def test_publish_prints_every_file_it_wrote_and_starts_nothing(tmp_path):
    app = copy_example("shop", tmp_path)
    result = run_cli("publish", "--target", "compose", "-o", "publish", ".", cwd=app)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "published apphost.py to compose: 4 files in publish"
    assert [line.strip() for line in lines[1:]] == [
        "publish/.env",
        "publish/catalog/Dockerfile",
        "publish/catalog/Dockerfile.dockerignore",
        "publish/compose.yaml",
    ], "nothing to fill in: the shop's one parameter has a default"
    assert not (app / ".pyspire").exists(), "no run record: nothing was started"


def test_the_cli_offers_exactly_the_targets_that_exist(tmp_path):
    assert set(PUBLISH_TARGETS) == set(TARGETS)
    result = run_cli("publish", "--target", "nomad", "-o", str(tmp_path / "out"), str(tmp_path))
    assert result.returncode == 2
    assert "Invalid value for '--target': 'nomad'" in result.stderr
    assert "'compose'" in result.stderr and "'kubernetes'" in result.stderr
    assert not (tmp_path / "out").exists()


NEVER_RUNS = "builder.add_parameter('region', value='eu')\n"
INVALID = "builder.add_python_app('web', '.', 'web.py').with_replicas('3')\nbuilder.build().run()\n"


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (NEVER_RUNS, ["finished without calling run(), so nothing was written"]),
        (INVALID, ["the app model is invalid; nothing was written", "resource web, with_replicas"]),
    ],
    ids=["never-calls-run", "invalid-model"],
)
def test_an_app_host_that_cannot_be_published_says_why_and_nothing_is_written(tmp_path, body, said):
    header = "from pyspire import DistributedApplication\nbuilder = DistributedApplication.create_builder()\n"
    (tmp_path / "apphost.py").write_text(header + body)
    result = publish_cli(tmp_path, tmp_path / "out")
    assert result.returncode == 2
    for words in said:
        assert words in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_output_folder_that_cannot_be_made_is_said_in_one_line(tmp_path):
    app = copy_example("shop", tmp_path)
    (tmp_path / "a-file").write_text("not a folder\n")
    result = publish_cli(app, tmp_path / "a-file" / "out")
    assert result.returncode == 2
    assert f"cannot write {tmp_path / 'a-file' / 'out'}" in result.stderr
    assert "choose another output folder with -o" in result.stderr
    assert "Traceback" not in result.stderr
