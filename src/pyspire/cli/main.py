"""``pyspire``: run an app host, and inspect, follow and command running ones.

``pyspire run [path]`` executes ``apphost.py`` (default ``./apphost.py``) exactly as
``python apphost.py`` would, with the console options given here; ``--detach`` (or ``pyspire
start``) runs it in the background. The other commands are clients of a running app host's
control API: ``ps``, ``describe``, ``logs``, ``resource``, ``wait``, ``stop``, ``parameter``, ``dashboard``,
``telemetry`` (structured logs, traces, metrics) and ``export`` (all of it in one zip).
``pyspire publish --target compose -o DIR [path]`` turns the same model into deployment files;
``pyspire deploy --target compose [path]`` starts them here and ``pyspire destroy`` removes them.
"""

from __future__ import annotations

import click

from pyspire._version import VERSION
from pyspire.cli.apphost import apphost_path, execute_or_exit, never_ran, stderr_console
from pyspire.cli.control import resource, stop, wait
from pyspire.cli.dashboard import dashboard
from pyspire.cli.deploy import deploy, destroy
from pyspire.cli.detach import start_detached
from pyspire.cli.export import export
from pyspire.cli.inspection import describe, ps
from pyspire.cli.logs import logs
from pyspire.cli.output import FORMAT_OPTION, fail
from pyspire.cli.parameters import parameter
from pyspire.cli.publish import publish
from pyspire.cli.telemetry import telemetry
from pyspire.errors import PyspireError

NOTHING_STARTED = "nothing was started"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="pyspire")
def cli() -> None:
    """pyspire: describe your whole app in apphost.py, run it with one command."""


@cli.command()
@click.argument("apphost", required=False, type=click.Path(path_type=str))
@click.option("--no-resource-output", is_flag=True, help="Do not print the resources' own output.")
@click.option("--color/--no-color", default=None, help="Force colours on or off (default: when a terminal).")
@click.option("-d", "--detach", is_flag=True, help="Run in the background; return once the resources are up.")
@click.option("--timeout", type=click.FloatRange(min=0), default=120.0, show_default=True, help="With --detach: seconds to wait for the resources.")
@click.option("--debug", is_flag=True, envvar="PYSPIRE_DEBUG", help="When apphost.py fails, show pyspire's frames too (also PYSPIRE_DEBUG=1).")
@FORMAT_OPTION
def run(
    apphost: str | None,
    no_resource_output: bool,
    color: bool | None,
    detach: bool,
    timeout: float,
    debug: bool,
    output_format: str,
) -> None:
    """Run APPHOST (a file, or a folder with apphost.py; default ./apphost.py) until Ctrl+C.

    Exit codes: 2 when nothing could start (an invalid model, no run() call), 1 when apphost.py
    itself failed (its traceback shows only its own frames unless --debug)."""
    if detach:
        start_detached(apphost, timeout, output_format)
        return
    # The app host's machinery is imported here, not at the top: the client commands (ps,
    # describe, logs, …) never need it, and importing it costs them ~200 ms per call.
    from pyspire.app import RunOptions, run_options

    err = stderr_console()
    path = apphost_path(apphost, err)
    run_options.set(RunOptions(show_output=not no_resource_output, color=color))
    if not execute_or_exit(path, debug, err, NOTHING_STARTED):
        never_ran(path, err, NOTHING_STARTED)


@cli.command()
@click.argument("apphost", required=False, type=click.Path(path_type=str))
@click.option("--timeout", type=click.FloatRange(min=0), default=120.0, show_default=True, help="Seconds to wait for the resources.")
@FORMAT_OPTION
def start(apphost: str | None, timeout: float, output_format: str) -> None:
    """Start APPHOST in the background and return once its resources are up (= run --detach)."""
    start_detached(apphost, timeout, output_format)


for command in (ps, describe, logs, resource, wait, stop, parameter, dashboard, telemetry, export, publish, deploy, destroy):
    cli.add_command(command)


def main() -> None:
    """The ``pyspire`` command. A :class:`~pyspire.errors.PyspireError` that reaches here is a user
    error no command turned into a message: one line and its exit code, never a traceback. Any
    other exception is a bug in pyspire and keeps its traceback."""
    try:
        cli()
    except PyspireError as exc:
        fail(str(exc), exc.exit_code)


if __name__ == "__main__":
    main()
