"""``pyspire publish --target compose|kubernetes -o DIR [--name NAME] [APPHOST]``: the app model as deployment files.

The app host is executed as ``pyspire run`` would, up to its ``run()`` call, which then runs
nothing: the model it built is published (see :mod:`pyspire.publish`). A model that cannot be
published lists every problem and writes nothing (exit 2).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.markup import escape

from pyspire.cli.apphost import apphost_path, load_without_running, print_problems, stderr_console
from pyspire.cli.output import out

#: The targets offered; the same as ``pyspire.publish.TARGETS`` (a test checks), named here so
#: that ``pyspire --help`` does not import every integration.
PUBLISH_TARGETS = ("compose", "kubernetes")
NOTHING_WRITTEN = "nothing was written"


@click.command()
@click.argument("apphost", required=False, type=click.Path(path_type=str))
@click.option("--target", type=click.Choice(PUBLISH_TARGETS), required=True, help="The format to publish to.")
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(file_okay=False, path_type=Path),
    help="The folder to write into (created when missing).",
)
@click.option("--name", "name", default=None, help="The app's name (the Helm chart's); default: its folder's.")
@click.option("--debug", is_flag=True, envvar="PYSPIRE_DEBUG", help="When apphost.py fails, show pyspire's frames too.")
def publish(apphost: str | None, target: str, output: Path, name: str | None, debug: bool) -> None:
    """Write APPHOST's app (default ./apphost.py) as deployment files for --target into --output.

    compose: compose.yaml, .env (every parameter; secrets left blank) and a Dockerfile for each
    Python and Node app. kubernetes: a Helm chart (Chart.yaml, values.yaml with every parameter,
    secrets left empty, templates/<resource>/...) and the Dockerfiles under images/. Nothing
    starts. Exit code 2 when the model cannot be published."""
    from pyspire.publish import PublishError
    from pyspire.publish import publish as publish_app

    err = stderr_console()
    path = apphost_path(apphost, err)
    app = load_without_running(path, debug, err, NOTHING_WRITTEN)
    try:
        result = publish_app(app.model.resources, app.model.app_dir, target, output, name)
    except PublishError as exc:
        err.print(f"[bold red]error:[/] {escape(str(path))}: the app cannot be published to {target}; {NOTHING_WRITTEN}.")
        print_problems(err, exc.problems)
        sys.exit(2)
    console = out()
    console.print(f"published {escape(str(path.name))} to {target}: {len(result.written)} files in {escape(str(output))}")
    for written in result.written:
        console.print(f"  {escape(os.path.relpath(written))}")
    for note in result.notes:
        console.print(escape(note))
