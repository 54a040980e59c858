"""`pyspire resource NAME COMMAND` asking at a terminal: the real CLI under a pseudo-terminal
(pexpect) against a real app host. The declared arguments not given are asked with their label
and description, a secret one without echo (the transcript never holds it), the callback gets
what was typed; a destructive command asks for confirmation unless --yes; without a terminal or
with --no-input nothing is asked; --arg-from-env gives a secret without putting it in argv."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pexpect

from pyspire import DistributedApplication, testing
from tests.api.test_command_arguments_api import DEFAULT_TOKEN, DEPLOY_ARGUMENTS, SLEEPER, TOKEN
from tests.conftest import PYTHON
from tests.provisioning.app_helpers import PYSPIRE, cli_environment, pyspire_cli

WIPE_QUESTION = "Wipe every key of cache?"
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

#: (what the CLI prints, what the person types, whether the typing must not echo)
Step = tuple[str, str, bool]


def app_builder(tmp_path: Path, calls: list[tuple[str, dict[str, str]]]) -> DistributedApplication:
    builder = DistributedApplication.create_builder(app_dir=tmp_path)
    cache = builder.add_executable("cache", PYTHON, ".", "-c", SLEEPER)
    cache.with_command("deploy", "Deploy", lambda ctx: calls.append(("deploy", dict(ctx.arguments))), arguments=DEPLOY_ARGUMENTS)
    cache.with_command(
        "wipe", "Wipe", lambda ctx: calls.append(("wipe", dict(ctx.arguments))), confirmation_message=WIPE_QUESTION
    )
    return builder.build()


def _styled(text: str) -> re.Pattern[str]:
    """``text`` as the terminal shows it: any style codes between its characters."""
    return re.compile(r"(?:\x1b\[[0-9;]*m)*".join(re.escape(c) for c in text))


def _drive(args: list[str], cwd: Path, steps: list[Step]) -> tuple[str, int]:
    """Run the CLI on a pseudo-terminal, answer each step's question, return (what the terminal
    showed, with the typed text the terminal echoed; the exit code)."""
    env = dict(cli_environment(), TERM="xterm")
    shown = io.StringIO()
    child = pexpect.spawn(PYSPIRE, args, cwd=str(cwd), env=env, encoding="utf-8", timeout=30, dimensions=(50, 200))
    child.logfile_read = shown
    try:
        for question, answer, secret in steps:
            child.expect(_styled(question))
            if secret:
                assert child.waitnoecho(timeout=10), f"echo stayed on for {question!r}"
            child.sendline(answer)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    return _ANSI.sub("", shown.getvalue()), child.exitstatus


async def on_a_terminal(*args: str, cwd: Path, steps: Sequence[Step] = ()) -> tuple[str, int]:
    """:func:`_drive` in a thread: the app host runs on this test's event loop."""
    return await asyncio.to_thread(_drive, list(args), cwd, list(steps))


async def test_a_required_argument_is_asked_with_its_label_and_the_typed_value_reaches_the_callback(tmp_path):
    calls: list[tuple[str, dict[str, str]]] = []
    async with testing.start(app_builder(tmp_path, calls)) as app:
        await app.wait_for_resource("cache")
        shown, code = await on_a_terminal(
            "resource", "cache", "deploy", cwd=tmp_path,
            steps=[("Region (region) *", "", False), ("Region is required", "eu-west-2", False)],
        )
        assert code == 0, shown
        assert "Where to deploy" in shown and "✓ deploy cache" in shown, shown
        assert "Mode" not in shown and "API token" not in shown, "an optional argument was asked without --prompt"
        assert calls == [("deploy", {"region": "eu-west-2", "mode": "fast", "token": DEFAULT_TOKEN})]


async def test_prompt_asks_the_optional_ones_too_a_secret_without_echo(tmp_path):
    calls: list[tuple[str, dict[str, str]]] = []
    async with testing.start(app_builder(tmp_path, calls)) as app:
        await app.wait_for_resource("cache")
        shown, code = await on_a_terminal(
            "resource", "cache", "deploy", "--prompt", "--arg", "region=eu-north-1", cwd=tmp_path,
            steps=[("Mode (mode) (fast)", "", False), ("API token (token) (optional, Enter skips)", TOKEN, True)],
        )
        assert code == 0, shown
        assert TOKEN not in shown, "the typed secret was echoed or printed"
        assert "Where to deploy" not in shown, "an argument given with --arg was asked again"
        assert calls == [("deploy", {"region": "eu-north-1", "mode": "fast", "token": TOKEN})]


async def test_nothing_is_asked_without_a_terminal_or_with_no_input(tmp_path):
    calls: list[tuple[str, dict[str, str]]] = []
    async with testing.start(app_builder(tmp_path, calls)) as app:
        await app.wait_for_resource("cache")
        piped = await pyspire_cli("resource", "cache", "deploy", cwd=tmp_path, check=False)
        shown, code = await on_a_terminal("resource", "cache", "deploy", "--no-input", cwd=tmp_path)
        for printed in (piped, shown):
            assert "needs the argument 'region' (Region)" in printed, printed
            assert "Where to deploy" not in printed and "Traceback" not in printed, printed
        assert code == 1
        assert calls == []
        # A destructive command in a script runs as it always did: nobody is there to answer.
        wiped = await pyspire_cli("resource", "cache", "wipe", cwd=tmp_path)
        assert "✓ wipe cache" in wiped and WIPE_QUESTION not in wiped, wiped
        assert calls == [("wipe", {})]


async def test_a_destructive_command_asks_for_confirmation_on_a_terminal_unless_yes(tmp_path):
    calls: list[tuple[str, dict[str, str]]] = []
    async with testing.start(app_builder(tmp_path, calls)) as app:
        await app.wait_for_resource("cache")
        declined, code = await on_a_terminal("resource", "cache", "wipe", cwd=tmp_path, steps=[(WIPE_QUESTION, "n", False)])
        assert code == 1 and "wipe cache was not run (declined)" in declined, declined
        assert calls == []
        accepted, code = await on_a_terminal("resource", "cache", "wipe", cwd=tmp_path, steps=[(WIPE_QUESTION, "y", False)])
        assert code == 0 and "✓ wipe cache" in accepted, accepted
        unasked, code = await on_a_terminal("resource", "cache", "wipe", "--yes", cwd=tmp_path)
        assert code == 0 and WIPE_QUESTION not in unasked, unasked
        assert calls == [("wipe", {}), ("wipe", {})]


async def test_arg_from_env_gives_a_secret_from_an_environment_variable(tmp_path, monkeypatch):
    calls: list[tuple[str, dict[str, str]]] = []
    monkeypatch.setenv("DEPLOY_TOKEN", TOKEN)
    monkeypatch.delenv("DEPLOY_TOKEN_UNSET", raising=False)
    async with testing.start(app_builder(tmp_path, calls)) as app:
        await app.wait_for_resource("cache")
        done = await pyspire_cli(
            "resource", "cache", "deploy", "--arg", "region=eu", "--arg-from-env", "token=DEPLOY_TOKEN", cwd=tmp_path
        )
        assert "✓ deploy cache" in done and TOKEN not in done, done
        assert calls == [("deploy", {"region": "eu", "mode": "fast", "token": TOKEN})]
        unset = await pyspire_cli(
            "resource", "cache", "deploy", "--arg", "region=eu", "--arg-from-env", "token=DEPLOY_TOKEN_UNSET",
            cwd=tmp_path, check=False,
        )
        assert "the environment variable DEPLOY_TOKEN_UNSET is not set" in unset and "Traceback" not in unset, unset
        twice = await pyspire_cli(
            "resource", "cache", "deploy", "--arg", "token=x", "--arg-from-env", "token=DEPLOY_TOKEN",
            cwd=tmp_path, check=False,
        )
        assert "argument 'token' is given by --arg and by --arg-from-env" in twice, twice
        assert len(calls) == 1
