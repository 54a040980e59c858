"""``pyspire deploy --target compose`` and ``pyspire destroy --target compose``: the published app
started on this machine, and removed again.

``deploy`` executes the app host as ``pyspire publish`` does (nothing of run mode starts), then
hands the model to :mod:`pyspire.deploy`, printing each service's progress as it goes. Exit code
2 when the model cannot be published or an input has no value (nothing was built or started), 1
when the engine or a service failed (the service named, with the end of its log).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.markup import escape

from pyspire.cli.apphost import apphost_path, load_without_running, print_problems, stderr_console
from pyspire.cli.output import out, progress, table
from pyspire.errors import ConfigurationError, PyspireError

#: The targets ``deploy`` offers (``pyspire.deploy`` knows how to start only these).
DEPLOY_TARGETS = ("compose",)
NOTHING_STARTED = "nothing was started"
#: Where the deployment goes without ``-o`` (``pyspire.deploy.DEFAULT_FOLDER``, a test checks).
DEFAULT_FOLDER = Path(".pyspire") / "deploy" / "compose"

TARGET_OPTION = click.option("--target", type=click.Choice(DEPLOY_TARGETS), required=True, help="Where to deploy.")
OUTPUT_OPTION = click.option(
    "-o", "--output", "output", default=None, type=click.Path(file_okay=False, path_type=Path),
    help="The deployment's folder (default: .pyspire/deploy/compose beside apphost.py).",
)


def parse_ports(given: tuple[str, ...]) -> dict[str, int]:
    """``SERVICE=PORT`` options as a mapping; a malformed one is a usage error naming it."""
    ports: dict[str, int] = {}
    for item in given:
        service, _, port = item.partition("=")
        if not service or not port.isdigit() or not 0 < int(port) < 65536:
            raise click.BadParameter(f"{item!r} is not SERVICE=PORT (e.g. frontend=8080)", param_hint="--port")
        ports[service] = int(port)
    return ports


@click.command()
@click.argument("apphost", required=False, type=click.Path(path_type=str))
@TARGET_OPTION
@OUTPUT_OPTION
@click.option(
    "--port", "ports", multiple=True, metavar="SERVICE=PORT",
    help="Also publish SERVICE's first endpoint on this host port (repeatable).",
)
@click.option("--timeout", type=click.FloatRange(min=1), default=300.0, show_default=True, help="Seconds to wait for every service.")
@click.option("--debug", is_flag=True, envvar="PYSPIRE_DEBUG", help="When apphost.py fails, show pyspire's frames too.")
def deploy(apphost: str | None, target: str, output: Path | None, ports: tuple[str, ...], timeout: float, debug: bool) -> None:
    """Publish APPHOST's app (default ./apphost.py) for --target, fill in its inputs from this
    machine's configuration, build its images and start it; returns once every service runs.

    compose: Docker Compose when a Docker engine answers, else podman-compose."""
    from pyspire.deploy import deploy as deploy_app
    from pyspire.publish import PublishError

    err = stderr_console()
    host_ports = parse_ports(ports)
    path = apphost_path(apphost, err)
    app = load_without_running(path, debug, err, NOTHING_STARTED)
    app_dir = app.model.app_dir
    folder = output if output is not None else app_dir / DEFAULT_FOLDER
    console = out()

    def report(service: str, message: str) -> None:
        who = f"[bold]{escape(service)}[/] " if service else ""
        console.print(f"  {who}{escape(message)}")

    console.print(f"deploying {escape(path.name)} to {target} from {escape(str(folder))}")
    try:
        with progress("deploying"):
            result = deploy_app(app.model.resources, app_dir, folder, report, ports=host_ports, timeout=timeout)
    except PublishError as exc:
        err.print(f"[bold red]error:[/] {escape(str(path))}: the app cannot be published to {target}; {NOTHING_STARTED}.")
        print_problems(err, exc.problems)
        sys.exit(2)
    except PyspireError as exc:
        err.print(f"[bold red]error:[/] {escape(str(path))}: {escape(str(exc))}")
        sys.exit(exc.exit_code)
    rows = [[name, state, result.ports.get(name, "")] for name, state in result.services.items()]
    console.print(table(["service", "state", "host port"], rows))
    for note in result.notes:
        console.print(escape(note))
    console.print(f"deployed as project {result.project} with {result.engine}; remove it with: pyspire destroy --target {target} -o {escape(str(folder))}")


@click.command()
@click.argument("apphost", required=False, type=click.Path(path_type=str))
@TARGET_OPTION
@OUTPUT_OPTION
def destroy(apphost: str | None, target: str, output: Path | None) -> None:
    """Remove what `pyspire deploy --target` made from the deployment's folder: its containers,
    network, volumes and the images it built. Doing it again removes nothing and succeeds."""
    from pyspire.deploy import destroy as destroy_app

    err = stderr_console()
    folder = output if output is not None else apphost_path(apphost, err).parent / DEFAULT_FOLDER
    console = out()
    try:
        removed = destroy_app(folder, lambda _service, message: console.print(f"  {escape(message)}"))
    except (ConfigurationError, PyspireError) as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        sys.exit(exc.exit_code)
    if not removed:
        console.print(f"nothing deployed from {escape(str(folder))}: nothing to remove")
        return
    console.print(f"removed {len(removed)} things deployed from {escape(str(folder))}:")
    for item in removed:
        console.print(f"  {escape(item)}")
