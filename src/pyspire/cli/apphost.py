"""Executing the user's ``apphost.py`` for a command, with every failure said the way the user can
act on: the model's problems listed (exit 2), a refusal of pyspire in one line (its exit code),
the user's own traceback for their code's exception (exit 1). ``pyspire run`` runs the app it
builds; ``pyspire publish`` takes the app at its ``run()`` call and runs nothing.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from rich.console import Console
from rich.markup import escape

from pyspire.errors import PyspireError
from pyspire.loader import AppHostNotFound, execute_apphost, find_apphost

if TYPE_CHECKING:
    from pyspire.app import DistributedApplication
    from pyspire.model.errors import ModelProblem


def stderr_console() -> Console:
    """Piped: no wrapping at 80 columns, so a CI log keeps paths whole."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


def apphost_path(apphost: str | None, err: Console) -> Path:
    try:
        return find_apphost(apphost)
    except AppHostNotFound as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        sys.exit(2)


def print_problems(err: Console, problems: Sequence[ModelProblem]) -> None:
    for problem in problems:
        err.print(
            f"  [red]•[/] {escape(problem.where)}resource [bold]{escape(problem.resource)}[/], "
            f"{escape(problem.field)}: {escape(problem.message)}"
        )


def execute_or_exit(path: Path, debug: bool, err: Console, nothing_done: str) -> bool:
    """:func:`execute_apphost`, exiting with the message and code the failure deserves;
    ``nothing_done`` ends the model error's line ("nothing was started")."""
    from pyspire.loader import user_traceback
    from pyspire.model.errors import ModelError

    try:
        return execute_apphost(path)
    except ModelError as exc:
        err.print(f"[bold red]error:[/] {escape(str(path))}: the app model is invalid; {nothing_done}.")
        print_problems(err, exc.problems)
        sys.exit(2)
    except PyspireError as exc:  # pyspire refused something apphost.py asked for: say what, no traceback
        err.print(f"[bold red]error:[/] {escape(str(path))}: {escape(str(exc))}")
        sys.exit(exc.exit_code)
    except Exception as exc:  # the user's code failed: their traceback, not ours
        err.print(escape(user_traceback(exc, path, everything=debug)), end="")
        if not debug:
            err.print("[dim](pyspire's own frames are hidden; --debug or PYSPIRE_DEBUG=1 shows them)[/]")
        sys.exit(1)


def never_ran(path: Path, err: Console, nothing_done: str) -> NoReturn:
    from pyspire.loader import NO_RUN_FIX

    err.print(
        f"[bold red]error:[/] {escape(str(path))} finished without calling run(), so {nothing_done}; "
        f"{NO_RUN_FIX}."
    )
    sys.exit(2)


def load_without_running(path: Path, debug: bool, err: Console, nothing_done: str) -> DistributedApplication:
    """The app ``apphost.py`` builds, taken at its ``run()`` call (which then runs nothing)."""
    from pyspire.app import AppHandedOff, _handoff

    captured: list[DistributedApplication] = []
    token = _handoff.set(captured.append)
    try:
        execute_or_exit(path, debug, err, nothing_done)
    except AppHandedOff:
        pass
    finally:
        _handoff.reset(token)
    if not captured:
        never_ran(path, err, nothing_done)
    return captured[0]
