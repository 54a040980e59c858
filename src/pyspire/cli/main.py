"""``pyspire``: run an app host.

``pyspire run [path]`` executes ``apphost.py`` (default ``./apphost.py``) exactly as
``python apphost.py`` would, with the console options given here.
"""

from __future__ import annotations

import sys

import click
from rich.console import Console

from pyspire import __version__
from pyspire.app import RunOptions, run_options
from pyspire.executor.configuration import SettingsError
from pyspire.loader import AppHostNotFound, execute_apphost, find_apphost
from pyspire.model.errors import ModelError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pyspire")
def cli() -> None:
    """pyspire: describe your whole app in apphost.py, run it with one command."""


@cli.command()
@click.argument("apphost", required=False, type=click.Path(path_type=str))
@click.option("--no-resource-output", is_flag=True, help="Do not print the resources' own output.")
@click.option("--color/--no-color", default=None, help="Force colours on or off (default: when a terminal).")
def run(apphost: str | None, no_resource_output: bool, color: bool | None) -> None:
    """Run APPHOST (a file, or a folder with apphost.py; default ./apphost.py) until Ctrl+C."""
    err = Console(stderr=True, highlight=False)
    try:
        path = find_apphost(apphost)
    except AppHostNotFound as exc:
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)
    run_options.set(RunOptions(show_output=not no_resource_output, color=color))
    try:
        execute_apphost(path)
    except ModelError as exc:
        err.print(f"[bold red]error:[/] {path}: the app model is invalid; nothing was started.")
        for problem in exc.problems:
            err.print(f"  [red]•[/] resource [bold]{problem.resource}[/], {problem.field}: {problem.message}")
        sys.exit(2)
    except SettingsError as exc:
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
