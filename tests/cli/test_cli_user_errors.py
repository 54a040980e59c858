"""User mistakes through the real ``pyspire`` command (a subprocess): each ends with one clean
``error: …`` line naming what is wrong and the way out, and the exit code of its error family
(2: fix the configuration and run again) — never a traceback. A bug, or an exception the user's
own apphost.py raises, keeps its traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

PYSPIRE = str(Path(sys.executable).parent / "pyspire")

APPHOST = """
import sys
from pyspire import DistributedApplication
b = DistributedApplication.create_builder()
b.add_executable("sleeper", sys.executable, ".", "-c", "import time; time.sleep(600)")
{extra}
b.build().run()
"""


@dataclass
class Case:
    args: list[str]
    code: int
    says: str
    extra: str = ""
    settings: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    traceback: bool = False
    #: A model error lists each problem on a line of its own.
    one_line: bool = True


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


CASES: dict[str, Callable[[int], Case]] = {
    "no app host file": lambda port: Case(["run", "nowhere/apphost.py"], 2, "error: no app host at"),
    "an invalid model": lambda port: Case(
        ["run"], 2, "the app model is invalid; nothing was started", extra='b.add_executable("sleeper", "x", ".")',
        one_line=False,
    ),
    "a settings file that is not JSON": lambda port: Case(
        ["run"], 2, "settings.json: not valid JSON at line 1", settings="{nope"
    ),
    "an API port that is not a number": lambda port: Case(
        ["run"], 2, "error: PYSPIRE_API_PORT='nope' is not a port", env={"PYSPIRE_API_PORT": "nope"}
    ),
    "an API port another program holds": lambda port: Case(
        ["run"],
        2,
        f"error: the control API cannot listen on 127.0.0.1:{port} (Address already in use); choose another PYSPIRE_API_PORT",
        env={"PYSPIRE_API_PORT": str(port)},
    ),
    "an integration refusing at build time": lambda port: Case(
        ["run"],
        1,
        "apphost.py: the license server said no",
        extra='from pyspire.errors import PermanentError\nraise PermanentError("the license server said no")',
    ),
    "a client command with no app host running": lambda port: Case(
        ["describe"], 2, "error: no app host is running; start one with: pyspire start"
    ),
    "a client command for an app host that is not running": lambda port: Case(
        ["logs", "--apphost", "elsewhere"], 2, "error: no app host is running for"
    ),
    "the user's own exception (keeps its traceback)": lambda port: Case(
        ["run"], 1, "RuntimeError: my own bug", extra='raise RuntimeError("my own bug")', traceback=True
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_user_error_is_one_clean_line_and_its_exit_code(name: str, tmp_path: Path, busy_port: int) -> None:
    case = CASES[name](busy_port)
    (tmp_path / "apphost.py").write_text(textwrap.dedent(APPHOST.format(extra=case.extra)))
    if case.settings is not None:
        (tmp_path / ".pyspire").mkdir()
        (tmp_path / ".pyspire" / "settings.json").write_text(case.settings)
    env = {**os.environ, **case.env}
    ran = subprocess.run(
        [PYSPIRE, *case.args, *(["--no-color"] if case.args[0] == "run" else [])],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    output = ran.stdout + ran.stderr
    assert ran.returncode == case.code, output
    assert case.says in output, output
    assert ("Traceback" in output) is case.traceback, output
    assert "src/pyspire/" not in output and "site-packages/pyspire/" not in output, "pyspire's frames leaked"
    if not case.traceback and case.one_line:
        assert len(output.strip().splitlines()) == 1, output
