"""Which package manager runs an app's script and its install: the one whose lock file is in the
folder (package-lock.json → npm, pnpm-lock.yaml → pnpm, yarn.lock → yarn, none → npm), unless
``with_package_manager`` says otherwise — and each is called the way it expects (npm ci with a
lock, npm install without; ``--`` before the script's arguments for npm only).

pnpm and yarn are not installed here, so the programs on PATH are stand-ins that record how
they were called; the app host starts them exactly as it would start the real ones."""

from __future__ import annotations

import json

import pytest

from pyspire import DistributedApplication, testing
from pyspire.extensions import ResourceState
from tests.integrations.node.projects import fake_package_manager, node_only_path, write_package_json

ENDED = {ResourceState.FINISHED, ResourceState.EXITED}


@pytest.mark.parametrize(
    ("lock_file", "chosen", "program", "install", "run"),
    [
        ("package-lock.json", None, "npm", ["ci"], ["run", "dev", "--", "--open", "no"]),
        (None, None, "npm", ["install"], ["run", "dev", "--", "--open", "no"]),
        ("pnpm-lock.yaml", None, "pnpm", ["install", "--frozen-lockfile"], ["run", "dev", "--open", "no"]),
        ("yarn.lock", None, "yarn", ["install", "--frozen-lockfile"], ["run", "dev", "--open", "no"]),
        ("package-lock.json", "yarn", "yarn", ["install"], ["run", "dev", "--open", "no"]),
    ],
    ids=["npm-lock", "no-lock", "pnpm-lock", "yarn-lock", "chosen-over-lock"],
)
async def test_the_lock_file_or_the_users_choice_picks_the_program_and_its_commands(
    tmp_path, monkeypatch, lock_file, chosen, program, install, run
):
    folder = tmp_path / "web"
    folder.mkdir()
    write_package_json(folder, {"dev": "vite"})
    if lock_file:
        (folder / lock_file).write_text("{}\n")
    record = tmp_path / "calls.jsonl"
    stand_ins = tmp_path / "stand-ins"
    fake_package_manager(stand_ins, program, record)
    monkeypatch.setenv("PATH", node_only_path(tmp_path / "bin", stand_ins))
    b = DistributedApplication.create_builder(app_dir=tmp_path)
    web = b.add_npm_app("web", "./web", "dev", "--open", "no")
    if chosen:
        web.with_package_manager(chosen)
    async with testing.start(b) as app:
        await app.wait_for_resource("web-install", ResourceState.FINISHED)
        await app.wait_for_resource("web", ENDED)
    calls = [json.loads(line) for line in record.read_text().splitlines()]
    assert [(c["program"], c["args"]) for c in calls] == [(program, install), (program, run)]
    assert {c["cwd"] for c in calls} == {str(folder)}
    assert {c["node_env"] for c in calls} == {"development"}, "run mode's NODE_ENV for both"
